/*
 * What the load modes share (loadgen.h): {i} in URL templates, up to the
 * last byte of room; per-connection URLs, parsed; the ramp's schedule; the
 * statistics lines byte for byte, in text and in JSON under either name
 * key; the first-failure log; the file descriptor limit; the event loop's
 * tick and signals; the process's own RSS.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "loadgen.h"
#include "log.h"
#include "tap.h"

/* ---- URLs ------------------------------------------------------------ */

static void
test_expand(void)
{
	char out[64];

	ok(loadgen_expand_url("rtmp://h/live/s", 7, out, sizeof(out)) == 0 &&
	       strcmp(out, "rtmp://h/live/s") == 0,
	   "expand: no {i}, copied as it is");
	ok(loadgen_expand_url("rtmp://h/live/s{i}", 0, out, sizeof(out)) == 0 &&
	       strcmp(out, "rtmp://h/live/s0") == 0,
	   "expand: index 0");
	ok(loadgen_expand_url("rtmp://h/a{i}/s{i}x", 12345, out, sizeof(out)) ==
		   0 &&
	       strcmp(out, "rtmp://h/a12345/s12345x") == 0,
	   "expand: every {i}, with text after");
	ok(loadgen_expand_url("{i}{i}", 4294967295u, out, sizeof(out)) == 0 &&
	       strcmp(out, "42949672954294967295") == 0,
	   "expand: adjacent, largest index");
	ok(loadgen_expand_url("{i {x} {I} i} {i", 3, out, sizeof(out)) == 0 &&
	       strcmp(out, "{i {x} {I} i} {i") == 0,
	   "expand: near misses are left alone");
	ok(loadgen_expand_url("", 3, out, 1) == 0 && out[0] == '\0',
	   "expand: empty template in one byte");

	/* "ab{i}" with 42: "ab42" needs 5 bytes. */
	memset(out, 'Z', sizeof(out));
	ok(loadgen_expand_url("ab{i}", 42, out, 5) == 0 &&
	       strcmp(out, "ab42") == 0,
	   "expand: exact fit");
	memset(out, 'Z', sizeof(out));
	is_int(loadgen_expand_url("ab{i}", 42, out, 4), -1,
	       "expand: the number does not fit");
	is_int(loadgen_expand_url("ab{i}", 42, out, 3), -1,
	       "expand: no room for the number");
	is_int(loadgen_expand_url("abcd", 0, out, 4), -1,
	       "expand: no room for the terminator");
	ok(out[4] == 'Z' && out[5] == 'Z', "expand: nothing written past cap");
}

static void
test_url(void)
{
	struct rtmp_url u;
	char big[LOADGEN_URL_MAX + 16];

	memset(&u, 0, sizeof(u));
	is_int(loadgen_url_parse("rtmp://h:1936/live/s{i}?k={i}", 9, &u), 0,
	       "url: parsed");
	ok(strcmp(u.host, "h") == 0 && u.port == 1936 &&
	       strcmp(u.app, "live") == 0 && strcmp(u.stream, "s9") == 0 &&
	       strcmp(u.query, "k=9") == 0,
	   "url: fields of connection 9");
	is_int(loadgen_url_parse("http://h/live/s{i}", 1, &u), -1,
	       "url: a bad URL");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "rtmp://h/live/", 14);
	is_int(loadgen_url_parse(big, 1, &u), -1,
	       "url: longer than LOADGEN_URL_MAX");
}

/* ---- the ramp -------------------------------------------------------- */

static void
test_ramp(void)
{
	uint64_t t0 = 5000000;

	ok(loadgen_ramp_due(t0, 10, 0, t0), "ramp: the first at once");
	ok(!loadgen_ramp_due(t0, 10, 1, t0 + 99999),
	   "ramp: the second not yet");
	ok(loadgen_ramp_due(t0, 10, 1, t0 + 100000),
	   "ramp: the second at 0.1 s");
	ok(!loadgen_ramp_due(t0, 10, 20, t0 + 1999999),
	   "ramp: connection 20 not before 2 s");
	ok(loadgen_ramp_due(t0, 10, 20, t0 + 2000000), "ramp: at 2 s");
	ok(loadgen_ramp_due(t0, 0.5, 1, t0 + 2000000) &&
	       !loadgen_ramp_due(t0, 0.5, 2, t0 + 3999999),
	   "ramp: below one a second");
}

/* ---- statistics lines ------------------------------------------------ */

/* One line written by the kv functions to a memory stream. */
static char *
kv_line(int json, const char *name_key)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct kv k = {fp, json, name_key};

	if (fp == NULL)
		abort();
	kv_begin(&k, "stats");
	kv_u(&k, "n", 18446744073709551615ull);
	kv_d(&k, "t", 1.25, 1);
	kv_d(&k, "kbps", 1234.5678, 0);
	kv_null(&k, "none");
	kv_s(&k, "reason", "a \"b\"\n");
	kv_end(&k);
	fclose(fp);
	return buf;
}

static void
test_kv(void)
{
	char *s;

	s = kv_line(0, "type");
	ok(strcmp(s, "stats n=18446744073709551615 t=1.2 kbps=1235 none=- "
		     "reason=a \"b\"\n\n") == 0,
	   "kv: text line");
	free(s);
	s = kv_line(1, "type");
	ok(strcmp(s, "{\"type\":\"stats\",\"n\":18446744073709551615,"
		     "\"t\":1.2,\"kbps\":1235,\"none\":null,"
		     "\"reason\":\"a \\\"b\\\"\\n\"}\n") == 0,
	   "kv: JSON line named by type");
	free(s);
	s = kv_line(1, "event");
	ok(strncmp(s, "{\"event\":\"stats\",\"n\":", 21) == 0,
	   "kv: JSON line named by event");
	free(s);
}

/* ---- the first-failure log ------------------------------------------- */

static void
test_failure_log(void)
{
	char path[] = "/tmp/test_io_loadgen.XXXXXX";
	char line[512], l1[512] = "", l2[512] = "";
	int fd = mkstemp(path), first = 0;
	FILE *fp;

	ok(fd >= 0, "log: temporary file");
	if (fd < 0)
		return;
	close(fd);
	log_setup(LOG_INFO, 1);
	ok(log_open_file(path) == 0, "log: to the file");
	loadgen_log_failure(&first, "player_failed", "player", 3, "refused", 5);
	is_int(first, 1, "log: the first is marked");
	loadgen_log_failure(&first, "player_failed", "player", 4, "gone", 3);
	is_int(first, 1, "log: still marked");
	fp = fopen(path, "r");
	if (fp) {
		if (fgets(line, sizeof(line), fp))
			snprintf(l1, sizeof(l1), "%s", line);
		if (fgets(line, sizeof(line), fp))
			snprintf(l2, sizeof(l2), "%s", line);
		ok(fgets(line, sizeof(line), fp) == NULL, "log: two lines");
		fclose(fp);
	}
	ok(strstr(l1, "\"level\":\"warn\",\"event\":\"player_failed\","
		      "\"player\":3,\"reason\":\"refused\",\"exit_code\":5,"
		      "\"note\":\"first failure; -v logs every one\"}") != NULL,
	   "log: the first at warn, with the note");
	ok(strstr(l2,
		  "\"level\":\"info\",\"event\":\"player_failed\","
		  "\"player\":4,\"reason\":\"gone\",\"exit_code\":3}") != NULL,
	   "log: the second at info, without it");
	unlink(path);
}

/* ---- the process ----------------------------------------------------- */

static void
test_nofile(void)
{
	struct rlimit saved, rl;

	if (getrlimit(RLIMIT_NOFILE, &saved) != 0) {
		ok(0, "nofile: getrlimit");
		return;
	}
	is_int(loadgen_raise_nofile(1, 8), 0, "nofile: enough already");
	if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max >= 200) {
		rl = saved;
		rl.rlim_cur = 64;
		setrlimit(RLIMIT_NOFILE, &rl);
		is_int(loadgen_raise_nofile(100, 32), 0, "nofile: raised");
		getrlimit(RLIMIT_NOFILE, &rl);
		is_int(rl.rlim_cur, 132, "nofile: to n plus the reserve");
	}
	if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < UINT32_MAX) {
		is_int(loadgen_raise_nofile((uint32_t)saved.rlim_max, 32), -1,
		       "nofile: beyond the hard limit");
	}
	setrlimit(RLIMIT_NOFILE, &saved);
	ok(loadgen_self_rss_kib() > 0, "rss: this process has some");
}

/* ---- the event loop -------------------------------------------------- */

struct loop_test {
	struct loadgen_loop lp;
	int ticks, signals;
};

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct loop_test *t = arg;

	if (++t->ticks == 3)
		raise(SIGTERM);
	if (t->ticks > 500) /* 5 s: the signal never came */
		event_base_loopexit(t->lp.base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct loop_test *t = arg;

	t->signals++;
	event_base_loopexit(t->lp.base, NULL);
}

static void
test_loop(void)
{
	struct loop_test t;
	uint64_t t0;

	memset(&t, 0, sizeof(t));
	if (loadgen_loop_init(&t.lp, 10, on_tick, on_signal, &t) < 0) {
		ok(0, "loop: created");
		return;
	}
	t0 = clock_mono_us();
	event_base_dispatch(t.lp.base);
	is_int(t.signals, 1, "loop: SIGTERM reached on_signal");
	is_int(t.ticks, 3, "loop: ticked until then");
	ok(clock_mono_us() - t0 >= 25000, "loop: ticks 10 ms apart");
	loadgen_loop_free(&t.lp);
	ok(t.lp.base == NULL && t.lp.tick == NULL, "loop: freed");
	loadgen_loop_free(&t.lp);
	ok(1, "loop: freeing twice is harmless");
}

int
main(void)
{
	test_expand();
	test_url();
	test_ramp();
	test_kv();
	test_failure_log();
	test_nofile();
	test_loop();
	return done_testing();
}
