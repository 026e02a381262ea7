/*
 * rtmppush -N: many publishers in one event loop (see load.h and
 * rtmppush(1)).
 *
 * The input's messages are read once into one array, with their times
 * relative to the first media message and, for --send-log, their CRCs;
 * each publisher holds only a position in that array, its clock anchor,
 * and the records of what it queued but the socket has not yet taken.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <zlib.h>

#include "cli.h"
#include "client.h"
#include "load.h"
#include "loadgen.h"
#include "log.h"

/* The JSON key naming each statistics line: {"event":"stats",...}. */
#define PLOAD_KV_NAME "event"
/* Messages sent per turn of the event loop by one publisher. */
#define PLOAD_BATCH 64
/* Largest gap between the first message and the first media message taken
 * as it is (rtmppush's single mode does the same). */
#define PLOAD_MEDIA_GAP_MS 1000

struct lmsg {
	uint8_t type;
	uint8_t config; /* onMetaData or a sequence header */
	uint32_t len, crc;
	int64_t rel; /* ms from the first media message */
	uint8_t *data;
};

struct lrec {
	uint64_t end; /* the connection's output count once it is out */
	uint32_t msg; /* index in the message array */
};

enum lp_state { LP_IDLE, LP_SETUP, LP_READY, LP_DONE, LP_FAILED };

struct pload;

struct lpub {
	struct pload *L;
	struct rtmp_client *c;
	struct event *pace;
	char *stream; /* for the send log */
	uint64_t anchor_us;
	uint64_t loop; /* loops done */
	uint32_t next; /* next message */
	uint8_t state, finishing;
	uint64_t bytes, frames;
	uint64_t last_written, progress_ms;
	struct lrec *recs; /* a ring */
	uint32_t rec_head, rec_n, rec_cap;
};

struct pload {
	const struct pload_opts *o;
	struct loadgen_loop loop;
	struct rtmp_client_cfg cfg;
	int expand;
	struct lmsg *msgs;
	uint32_t nmsgs;
	int64_t period; /* ms from one loop to the next */
	struct lpub *pub;
	uint32_t n, started, ready, failed, ended;
	FILE *send_log;
	int log_dirty;
	uint64_t t_start, t_iv, t_scan;
	uint64_t iv_bytes, iv_frames, bytes, frames;
	int finishing;
	int exit_code;
	int first_fail_logged;
	char reason[32];
};

/* ---- the input ---------------------------------------------------------- */

/* Read every message of src into L->msgs. -1 with a message printed. */
static int
read_input(struct pload *L, struct src *src)
{
	size_t cap = 0, held = 0;
	int64_t first_t = 0, v_last = 0, v_iv = 0, a_last = 0, a_iv = 0;
	int64_t last = 0, end, e;
	int have_first = 0, have_media = 0, have_v = 0, have_a = 0;
	struct push_msg m;
	int r;

	while ((r = src_next(src, &m)) == SRC_MSG) {
		struct lmsg *x;
		int64_t rel;

		if (!have_first) {
			first_t = m.t;
			have_first = 1;
		}
		if (!have_media && m.type != RTMP_MSG_DATA_AMF0 && !m.config) {
			have_media = 1;
			if (m.t - first_t > PLOAD_MEDIA_GAP_MS)
				first_t = m.t;
		}
		held += m.len;
		if (held > PLOAD_MAX_INPUT) {
			cli_warn("the input holds more than %u MiB of "
				 "messages: too large for -N",
				 PLOAD_MAX_INPUT >> 20);
			return -1;
		}
		if (L->nmsgs == cap) {
			cap = cap ? cap * 2 : 1024;
			x = realloc(L->msgs, cap * sizeof(*x));
			if (x == NULL)
				goto nomem;
			L->msgs = x;
		}
		x = &L->msgs[L->nmsgs];
		rel = m.t - first_t;
		x->rel = rel < 0 ? 0 : rel;
		x->type = m.type;
		x->config = (uint8_t)m.config;
		x->len = (uint32_t)m.len;
		x->crc =
		    (uint32_t)crc32(crc32(0L, Z_NULL, 0), m.data, (uInt)m.len);
		x->data = malloc(m.len ? m.len : 1);
		if (x->data == NULL)
			goto nomem;
		memcpy(x->data, m.data, m.len);
		L->nmsgs++;
		if (x->rel > last)
			last = x->rel;
		if (m.type == RTMP_MSG_VIDEO && !m.config) {
			if (have_v && x->rel > v_last)
				v_iv = x->rel - v_last;
			v_last = x->rel;
			have_v = 1;
		} else if (m.type == RTMP_MSG_AUDIO && !m.config) {
			if (have_a && x->rel > a_last)
				a_iv = x->rel - a_last;
			a_last = x->rel;
			have_a = 1;
		}
	}
	if (r == SRC_ERROR) {
		cli_warn("%s", src->err);
		return -1;
	}
	if (r == SRC_WAIT) {
		cli_warn("-N needs regular files as input");
		return -1;
	}
	if (L->nmsgs == 0) {
		cli_warn("the input holds no audio, video or data");
		return -1;
	}
	/* The next loop starts one frame interval after the last frame of
	 * each stream, so that neither goes backwards (as in single mode). */
	end = last + 1;
	if (have_v && (e = v_last + (v_iv > 0 ? v_iv : 1)) > end)
		end = e;
	if (have_a && (e = a_last + (a_iv > 0 ? a_iv : 1)) > end)
		end = e;
	L->period = end;
	return 0;
nomem:
	cli_warn("out of memory reading the input");
	return -1;
}

/* ---- publishers ---------------------------------------------------------- */

static void pload_finish(struct pload *L, const char *reason);
static void pump(struct lpub *p);

static void
check_all_done(struct pload *L)
{
	if (!L->finishing && L->started == L->n && L->ended + L->failed == L->n)
		pload_finish(L, "ended");
}

static void
pub_failed(struct pload *L, struct lpub *p, int code, const char *why)
{
	p->state = LP_FAILED;
	L->failed++;
	if (L->exit_code == RK_EXIT_OK)
		L->exit_code = code ? code : RK_EXIT_FAIL;
	loadgen_log_failure(&L->first_fail_logged, "publisher_failed",
			    "publisher", (uint64_t)(p - L->pub), why, code);
}

static uint64_t
socket_written(const struct lpub *p)
{
	const struct net_conn *nc = p->c ? p->c->conn : NULL;

	if (nc == NULL)
		return 0;
	return net_conn_written(nc);
}

static int
rec_add(struct lpub *p, uint32_t msg)
{
	struct lrec *r;

	if (p->rec_n == p->rec_cap) {
		uint32_t ncap = p->rec_cap ? 2 * p->rec_cap : 16, i;
		struct lrec *nr = malloc(ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		for (i = 0; i < p->rec_n; i++)
			nr[i] = p->recs[(p->rec_head + i) % p->rec_cap];
		free(p->recs);
		p->recs = nr;
		p->rec_cap = ncap;
		p->rec_head = 0;
	}
	r = &p->recs[(p->rec_head + p->rec_n) % p->rec_cap];
	r->end = p->c->conn->sess.bytes_out;
	r->msg = msg;
	p->rec_n++;
	return 0;
}

/* Log what the socket has taken whole (the format rtmppull -N
 * --latency-log reads). The file is flushed by the tick. */
static void
rec_flush(struct lpub *p)
{
	struct pload *L = p->L;
	uint64_t w, now;

	if (L->send_log == NULL || p->rec_n == 0 || p->c == NULL)
		return;
	w = socket_written(p);
	now = clock_mono_us();
	while (p->rec_n > 0 && p->recs[p->rec_head].end <= w) {
		const struct lmsg *m = &L->msgs[p->recs[p->rec_head].msg];

		fprintf(L->send_log,
			"%" PRIu64 " %08" PRIx32 " %s %" PRIu32 " %s\n", now,
			m->crc, m->type == RTMP_MSG_VIDEO ? "video" : "audio",
			m->len, p->stream);
		p->rec_head = (p->rec_head + 1) % p->rec_cap;
		p->rec_n--;
		L->log_dirty = 1;
	}
}

/* Everything is queued: unpublish once it is written. */
static void
pub_finish(struct lpub *p)
{
	p->finishing = 1;
	evtimer_del(p->pace);
	if (p->c == NULL || rtmp_client_pending(p->c) > 0)
		return; /* on_drain comes back */
	rec_flush(p);
	rtmp_client_stop(p->c, RK_EXIT_OK, "end of input");
}

static void
arm(struct lpub *p, uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	evtimer_add(p->pace, &tv);
}

/* Send what is due, then wait for the next message's time or for room. */
static void
pump(struct lpub *p)
{
	struct pload *L = p->L;
	const struct pload_opts *o = L->o;
	unsigned k;

	if (p->state != LP_READY || p->finishing || p->c == NULL)
		return;
	for (k = 0; k < PLOAD_BATCH; k++) {
		const struct lmsg *m;
		int64_t rel;
		int rc;

		if (p->next == L->nmsgs) {
			p->loop++;
			if (o->loop != 0 && p->loop >= o->loop) {
				pub_finish(p);
				return;
			}
			p->next = 0;
		}
		m = &L->msgs[p->next];
		/* Later loops: the configuration is already out. */
		if (m->config && p->loop > 0) {
			p->next++;
			continue;
		}
		rel = (int64_t)p->loop * L->period + m->rel;
		if (o->duration_ms && rel >= (int64_t)o->duration_ms) {
			pub_finish(p);
			return;
		}
		if (o->speed > 0) {
			uint64_t now = clock_mono_us();
			uint64_t due =
			    p->anchor_us +
			    (uint64_t)((double)rel * 1000.0 / o->speed);

			if (due > now) {
				arm(p, due - now);
				return;
			}
		}
		if (rtmp_client_pending(p->c) >= o->max_queue)
			return; /* on_drain comes back */
		rc = rtmp_client_send(
		    p->c, m->type,
		    (uint32_t)((uint64_t)o->start_ts + (uint64_t)rel), m->data,
		    m->len);
		if (rc != RTMP_OK) {
			char why[96];

			snprintf(why, sizeof(why), "cannot send a message: %s",
				 rtmp_strerror(rc));
			rtmp_client_stop(p->c, RK_EXIT_FAIL, why);
			return;
		}
		if (L->send_log && m->type != RTMP_MSG_DATA_AMF0) {
			if (rec_add(p, p->next) < 0) {
				rtmp_client_stop(p->c, RK_EXIT_FAIL,
						 "out of memory");
				return;
			}
			/* Written at once (the usual case): log it with the
			 * time of the write, not of a later loop turn. */
			rec_flush(p);
		}
		p->bytes += m->len;
		L->bytes += m->len;
		L->iv_bytes += m->len;
		if (m->type != RTMP_MSG_DATA_AMF0 && !m->config) {
			p->frames++;
			L->frames++;
			L->iv_frames++;
		}
		p->next++;
	}
	arm(p, 0); /* more: after the loop served the sockets */
}

static void
pace_cb(evutil_socket_t fd, short what, void *arg)
{
	pump(arg);
}

static void
on_ready(struct rtmp_client *c, void *arg)
{
	struct lpub *p = arg;
	const struct pload_opts *o = p->L->o;

	p->state = LP_READY;
	p->L->ready++;
	p->anchor_us = clock_mono_us();
	p->progress_ms = clock_mono_ms();
	/* With a send log every write is news (see rec_flush). */
	rtmp_client_set_drain(c, p->L->send_log ? SIZE_MAX : o->max_queue / 2);
	pump(p);
}

static void
on_drain(struct rtmp_client *c, void *arg)
{
	struct lpub *p = arg;

	rec_flush(p);
	if (p->finishing)
		pub_finish(p);
	else
		pump(p);
}

static void
on_status(struct rtmp_client *c, const struct rtmp_status *st, void *arg)
{
	struct lpub *p = arg;
	char why[300];

	if (!rtmp_str_eq(st->level, "error"))
		return;
	snprintf(why, sizeof(why), "publish ended by the server: %.*s",
		 (int)(st->code.len > 200 ? 200 : st->code.len),
		 st->code.p ? (const char *)st->code.p : "");
	rtmp_client_stop(c, RK_EXIT_REFUSED, why);
	(void)p;
}

static void
on_end(struct rtmp_client *c, int code, const char *why,
       const struct rtmp_status *st, void *arg)
{
	struct lpub *p = arg;
	struct pload *L = p->L;

	p->c = NULL;
	evtimer_del(p->pace);
	if (p->state == LP_READY)
		L->ready--;
	if (L->finishing || (code == RK_EXIT_OK && p->finishing)) {
		p->state = LP_DONE;
		L->ended++;
	} else {
		/* Closed without our asking while publishing is a failure. */
		if (code == RK_EXIT_OK) {
			code = RK_EXIT_CONNECT;
			why = "the server closed the connection";
		}
		pub_failed(L, p, code, why);
	}
	p->rec_n = 0;
	(void)st;
	check_all_done(L);
}

static const struct rtmp_client_ops pload_ops = {
    .on_ready = on_ready,
    .on_status = on_status,
    .on_drain = on_drain,
    .on_end = on_end,
};

static void
dial(struct pload *L, struct lpub *p)
{
	struct rtmp_client_cfg cfg;
	char err[256];
	uint32_t i = (uint32_t)(p - L->pub);

	L->started++;
	p->state = LP_SETUP;
	p->pace = evtimer_new(L->loop.base, pace_cb, p);
	if (p->pace == NULL) {
		pub_failed(L, p, RK_EXIT_FAIL, "out of memory");
		check_all_done(L);
		return;
	}
	cfg = L->cfg;
	if (L->expand && loadgen_url_parse(L->o->url, i, &cfg.url) < 0) {
		/* Checked for every index at startup. */
		pub_failed(L, p, RK_EXIT_USAGE, "bad URL");
		check_all_done(L);
		return;
	}
	if (L->send_log && (p->stream = strdup(cfg.url.stream)) == NULL) {
		pub_failed(L, p, RK_EXIT_FAIL, "out of memory");
		check_all_done(L);
		return;
	}
	p->c = rtmp_client_start(L->loop.base, &cfg, &pload_ops, p, err,
				 sizeof(err));
	if (p->c == NULL) {
		pub_failed(L, p, RK_EXIT_CONNECT, err);
		check_all_done(L);
	}
}

/* ---- statistics and the loop ------------------------------------------------ */

static size_t
queued_max(const struct pload *L)
{
	size_t m = 0, q;
	uint32_t i;

	for (i = 0; i < L->n; i++)
		if (L->pub[i].c && (q = rtmp_client_pending(L->pub[i].c)) > m)
			m = q;
	return m;
}

static void
print_stats(struct pload *L, uint64_t now)
{
	struct kv k = {stdout, L->o->json, PLOAD_KV_NAME};
	double dt = (double)(now - L->t_iv) / 1e6;

	if (dt <= 0)
		dt = 1e-6;
	kv_begin(&k, "stats");
	kv_d(&k, "t", (double)(now - L->t_start) / 1e6, 1);
	kv_u(&k, "started", L->started);
	kv_u(&k, "connected", L->ready);
	kv_u(&k, "failed", L->failed);
	kv_u(&k, "ended", L->ended);
	kv_d(&k, "bytes_per_s", (double)L->iv_bytes / dt, 0);
	kv_d(&k, "kbps", (double)L->iv_bytes * 8 / dt / 1000, 1);
	kv_d(&k, "frames_per_s", (double)L->iv_frames / dt, 1);
	kv_u(&k, "queued_max", queued_max(L));
	kv_u(&k, "rss_kib", loadgen_self_rss_kib());
	kv_end(&k);
	L->iv_bytes = L->iv_frames = 0;
	L->t_iv = now;
}

static void
print_summary(struct pload *L)
{
	struct kv k = {stdout, L->o->json, PLOAD_KV_NAME};
	double secs = (double)(clock_mono_us() - L->t_start) / 1e6;

	kv_begin(&k, "summary");
	kv_u(&k, "publishers", L->n);
	kv_u(&k, "started", L->started);
	kv_u(&k, "failed", L->failed);
	kv_u(&k, "ended", L->ended);
	kv_u(&k, "bytes", L->bytes);
	kv_u(&k, "frames", L->frames);
	kv_d(&k, "elapsed_s", secs, 3);
	kv_d(&k, "kbps", secs > 0 ? (double)L->bytes * 8 / secs / 1000 : 0, 1);
	kv_u(&k, "rss_kib", loadgen_self_rss_kib());
	kv_s(&k, "reason", L->reason);
	kv_end(&k);
}

/* Publishers whose output has not moved for --timeout fail (exit 6). */
static void
scan_stalls(struct pload *L)
{
	uint64_t now = clock_mono_ms();
	char why[96];
	uint32_t i;

	if (L->o->timeout_ms == 0)
		return;
	for (i = 0; i < L->n && !L->finishing; i++) {
		struct lpub *p = &L->pub[i];
		uint64_t w;

		if (p->state != LP_READY || p->c == NULL)
			continue;
		w = socket_written(p);
		if (w != p->last_written || rtmp_client_pending(p->c) == 0) {
			p->last_written = w;
			p->progress_ms = now;
		} else if (now - p->progress_ms >= L->o->timeout_ms) {
			snprintf(why, sizeof(why),
				 "output stalled: the server read nothing "
				 "for %.1f s",
				 (double)L->o->timeout_ms / 1000.0);
			rtmp_client_abort(p->c, RK_EXIT_TIMEOUT, why);
		}
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pload *L = arg;
	uint64_t now = clock_mono_us();

	while (L->started < L->n && !L->finishing &&
	       loadgen_ramp_due(L->t_start, L->o->ramp, L->started, now))
		dial(L, &L->pub[L->started]);
	if (L->finishing)
		return;
	if (L->log_dirty) {
		fflush(L->send_log);
		L->log_dirty = 0;
	}
	if (now - L->t_scan >= 1000000) {
		L->t_scan = now;
		scan_stalls(L);
	}
	if (L->o->interval_ms && now - L->t_iv >= L->o->interval_ms * 1000)
		print_stats(L, now);
}

static void
pload_finish(struct pload *L, const char *reason)
{
	uint32_t i;

	if (L->finishing)
		return;
	L->finishing = 1;
	snprintf(L->reason, sizeof(L->reason), "%s", reason);
	for (i = 0; i < L->n; i++)
		if (L->pub[i].c)
			rtmp_client_abort(L->pub[i].c, RK_EXIT_OK,
					  "end of the run");
	event_base_loopexit(L->loop.base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	pload_finish(arg, "signal");
}

static void
pload_free(struct pload *L)
{
	uint32_t i;

	for (i = 0; i < L->n && L->pub; i++) {
		if (L->pub[i].pace)
			event_free(L->pub[i].pace);
		free(L->pub[i].stream);
		free(L->pub[i].recs);
	}
	for (i = 0; i < L->nmsgs; i++)
		free(L->msgs[i].data);
	free(L->msgs);
	free(L->pub);
	loadgen_loop_free(&L->loop);
}

int
pload_run(const struct pload_opts *o, struct src *src)
{
	static struct pload ld;
	struct pload *L = &ld;
	uint32_t i;
	int rc;

	memset(L, 0, sizeof(*L));
	L->o = o;
	L->n = o->n;
	L->exit_code = RK_EXIT_OK;
	L->expand = strstr(o->url, "{i}") != NULL;
	/* Every publisher's URL is checked before anything starts. */
	for (i = 0; i < (L->expand ? L->n : 1); i++)
		loadgen_url_check(o->url, i, "publisher", &L->cfg.url);
	if (L->expand)
		loadgen_url_parse(o->url, 0, &L->cfg.url);
	if (read_input(L, src) < 0) {
		pload_free(L);
		return RK_EXIT_INPUT;
	}
	if (loadgen_raise_nofile(L->n, PLOAD_FD_RESERVE) < 0) {
		pload_free(L);
		return RK_EXIT_FAIL;
	}
	L->pub = calloc(L->n, sizeof(*L->pub));
	if (L->pub == NULL) {
		cli_warn("out of memory for %" PRIu32 " publishers", L->n);
		pload_free(L);
		return RK_EXIT_FAIL;
	}
	for (i = 0; i < L->n; i++)
		L->pub[i].L = L;
	if (o->send_log) {
		L->send_log = fopen(o->send_log, "a");
		if (L->send_log == NULL) {
			cli_warn("cannot open %s: %s", o->send_log,
				 strerror(errno));
			pload_free(L);
			return RK_EXIT_FAIL;
		}
		/* Whole lines, flushed by the tick (PLOAD_TICK_MS). */
		setvbuf(L->send_log, NULL, _IOFBF, 1u << 16);
	}
	L->cfg.mode = RTMP_CLIENT_PUBLISH;
	L->cfg.chunk_size = o->chunk_size;
	L->cfg.tls_insecure = o->insecure;
	L->cfg.tls_ca_file = o->ca_file;
	L->cfg.step_timeout_ms = o->timeout_ms ? (int)o->timeout_ms : -1;
	L->cfg.sess.max_out_bytes = o->sess_max_out;

	if (loadgen_loop_init(&L->loop, PLOAD_TICK_MS, tick_cb, signal_cb, L) <
	    0) {
		pload_free(L);
		return RK_EXIT_FAIL;
	}
	L->t_start = L->t_iv = L->t_scan = clock_mono_us();
	LOG_EV(LOG_INFO, "load_start", LKV_U("publishers", L->n),
	       LKV_D("ramp", o->ramp), LKV_U("messages", L->nmsgs),
	       LKV_I("loop_ms", L->period));
	tick_cb(-1, 0, L);
	if (!L->finishing)
		event_base_dispatch(L->loop.base);
	print_summary(L);
	rc = L->exit_code;
	if (L->send_log && fclose(L->send_log) != 0 && rc == RK_EXIT_OK) {
		cli_warn("%s: %s", o->send_log, strerror(errno));
		rc = RK_EXIT_FAIL;
	}
	pload_free(L);
	return rc;
}
