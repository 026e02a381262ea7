#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "loadgen.h"
#include "log.h"

/* ---- URLs ------------------------------------------------------------ */

/* The template with {i} replaced (see loadgen.h). */
int
loadgen_expand_url(const char *tmpl, uint32_t i, char *out, size_t cap)
{
	size_t o = 0;
	const char *p = tmpl;
	char num[16];
	int nl = snprintf(num, sizeof(num), "%" PRIu32, i);

	while (*p) {
		if (p[0] == '{' && p[1] == 'i' && p[2] == '}') {
			if (o + (size_t)nl >= cap)
				return -1;
			memcpy(out + o, num, (size_t)nl);
			o += (size_t)nl;
			p += 3;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = *p++;
	}
	out[o] = '\0';
	return 0;
}

/* Connection i's URL, quietly: a bad one was reported at startup. */
int
loadgen_url_parse(const char *tmpl, uint32_t i, struct rtmp_url *u)
{
	char url[LOADGEN_URL_MAX], err[160];

	if (loadgen_expand_url(tmpl, i, url, sizeof(url)) < 0 ||
	    rtmp_url_parse(url, u, err, sizeof(err)) != RTMP_OK)
		return -1;
	return 0;
}

/* Connection i's URL, checked at startup: errors end the program. */
void
loadgen_url_check(const char *tmpl, uint32_t i, const char *who,
		  struct rtmp_url *u)
{
	char url[LOADGEN_URL_MAX], err[160];

	if (loadgen_expand_url(tmpl, i, url, sizeof(url)) < 0)
		cli_usage_error("URL '%s' is too long for %s %" PRIu32, tmpl,
				who, i);
	if (rtmp_url_parse(url, u, err, sizeof(err)) != RTMP_OK)
		cli_usage_error("bad URL '%s': %s", url, err);
	if (u->stream[0] == '\0')
		cli_usage_error("URL '%s' names no stream", url);
}

/* ---- the process ----------------------------------------------------- */

/* One descriptor per connection and a few more. */
int
loadgen_raise_nofile(uint32_t n, unsigned reserve)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)n + reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		cli_warn("%" PRIu32 " connections need %llu file descriptors, "
			 "but the hard limit (ulimit -Hn) is %llu: raise it, "
			 "or use fewer connections",
			 n, (unsigned long long)need,
			 (unsigned long long)rl.rlim_max);
		return -1;
	}
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		cli_warn("cannot raise the file descriptor limit to %llu: %s",
			 (unsigned long long)need, strerror(errno));
		return -1;
	}
	return 0;
}

/* Resident pages from /proc/self/statm, in KiB. */
uint64_t
loadgen_self_rss_kib(void)
{
	FILE *fp = fopen("/proc/self/statm", "r");
	unsigned long size, rss;
	long page = sysconf(_SC_PAGESIZE);

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(fp);
	return (uint64_t)rss * (uint64_t)(page > 0 ? page : 4096) / 1024;
}

/* ---- the run --------------------------------------------------------- */

/* The ramp: connection k starts at k / ramp seconds. */
int
loadgen_ramp_due(uint64_t t_start_us, double ramp, uint32_t started,
		 uint64_t now_us)
{
	return (double)(now_us - t_start_us) / 1e6 * ramp >= (double)started;
}

/* The loop, its tick and its signals. */
int
loadgen_loop_init(struct loadgen_loop *lp, unsigned tick_ms,
		  event_callback_fn on_tick, event_callback_fn on_signal,
		  void *arg)
{
	struct timeval tv;

	memset(lp, 0, sizeof(*lp));
	tv.tv_sec = (time_t)(tick_ms / 1000);
	tv.tv_usec = (suseconds_t)(tick_ms % 1000) * 1000;
	lp->base = event_base_new();
	if (lp->base == NULL) {
		cli_warn("cannot create the event loop");
		return -1;
	}
	lp->tick = event_new(lp->base, -1, EV_PERSIST, on_tick, arg);
	lp->ev_int = evsignal_new(lp->base, SIGINT, on_signal, arg);
	lp->ev_term = evsignal_new(lp->base, SIGTERM, on_signal, arg);
	if (!lp->tick || !lp->ev_int || !lp->ev_term ||
	    event_add(lp->tick, &tv) || evsignal_add(lp->ev_int, NULL) ||
	    evsignal_add(lp->ev_term, NULL)) {
		cli_warn("cannot set up events");
		loadgen_loop_free(lp);
		return -1;
	}
	return 0;
}

/* Undo loadgen_loop_init. */
void
loadgen_loop_free(struct loadgen_loop *lp)
{
	if (lp->tick)
		event_free(lp->tick);
	if (lp->ev_int)
		event_free(lp->ev_int);
	if (lp->ev_term)
		event_free(lp->ev_term);
	if (lp->base)
		event_base_free(lp->base);
	memset(lp, 0, sizeof(*lp));
}

/* A failed connection: the first said loudly, the others with -v. */
void
loadgen_log_failure(int *first_logged, const char *event, const char *who_key,
		    uint64_t who, const char *why, int code)
{
	if (!*first_logged) {
		*first_logged = 1;
		LOG_EV(LOG_WARN, event, LKV_U(who_key, who),
		       LKV_S("reason", why), LKV_I("exit_code", code),
		       LKV_S("note", "first failure; -v logs every one"));
	} else {
		LOG_EV(LOG_INFO, event, LKV_U(who_key, who),
		       LKV_S("reason", why), LKV_I("exit_code", code));
	}
}

/* ---- statistics lines ------------------------------------------------ */

/* A statistics line's name: text first word, or the JSON name_key. */
void
kv_begin(struct kv *k, const char *name)
{
	if (k->json)
		fprintf(k->fp, "{\"%s\":\"%s\"", k->name_key, name);
	else
		fputs(name, k->fp);
}

/* key=unsigned. */
void
kv_u(struct kv *k, const char *key, uint64_t v)
{
	fprintf(k->fp, k->json ? ",\"%s\":%" PRIu64 : " %s=%" PRIu64, key, v);
}

/* key=number with prec decimals. */
void
kv_d(struct kv *k, const char *key, double v, int prec)
{
	fprintf(k->fp, k->json ? ",\"%s\":%.*f" : " %s=%.*f", key, prec, v);
}

/* key with no value. */
void
kv_null(struct kv *k, const char *key)
{
	fprintf(k->fp, k->json ? ",\"%s\":null" : " %s=-", key);
}

/* key=string. */
void
kv_s(struct kv *k, const char *key, const char *s)
{
	if (k->json) {
		fprintf(k->fp, ",\"%s\":", key);
		json_put_cstr(k->fp, s);
	} else {
		fprintf(k->fp, " %s=%s", key, s);
	}
}

/* The end of a statistics line, flushed for readers of a pipe. */
void
kv_end(struct kv *k)
{
	fputs(k->json ? "}\n" : "\n", k->fp);
	fflush(k->fp);
}
