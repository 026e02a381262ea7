/*
 * What the load modes of the tools (rtmppull -N, rtmppush -N: many
 * connections in one process and one event loop) share: per-connection
 * URLs from a template holding {i}, the file descriptor limit, the ramp,
 * the event loop with its tick and signals, the first-failure log, the
 * process's own memory, and the statistics lines they print (text
 * "stats k=v ..." or one JSON object per line). What each mode measures
 * and prints stays in its tool. I/O layer (libevent, stdio, /proc).
 */
#ifndef RTMP_LOADGEN_H
#define RTMP_LOADGEN_H

#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>

#include "rtmp_url.h"

/* Longest URL after {i} is expanded, terminator included. */
#define LOADGEN_URL_MAX 4096

/* ---- URLs ------------------------------------------------------------ */

/* tmpl with every "{i}" replaced by i, into out (cap bytes); -1 when it
 * does not fit. */
int loadgen_expand_url(const char *tmpl, uint32_t i, char *out, size_t cap);

/* Connection i's URL parsed into *u; -1 when it does not expand or parse. */
int loadgen_url_parse(const char *tmpl, uint32_t i, struct rtmp_url *u);

/* Connection i's URL parsed into *u, or exit with a usage error when it is
 * too long, does not parse or names no stream; who names the connection
 * in the message ("player", "publisher"). */
void loadgen_url_check(const char *tmpl, uint32_t i, const char *who,
		       struct rtmp_url *u);

/* ---- the process ----------------------------------------------------- */

/* Raise the soft RLIMIT_NOFILE to n connections plus reserve descriptors
 * (up to the hard limit); -1 with a message printed when that fails. */
int loadgen_raise_nofile(uint32_t n, unsigned reserve);

/* This process's resident set size in KiB (from /proc), 0 when unknown. */
uint64_t loadgen_self_rss_kib(void);

/* ---- the run --------------------------------------------------------- */

/* Whether connection number started (counting from 0) is due at now_us:
 * connection k starts k / ramp seconds after t_start_us. */
int loadgen_ramp_due(uint64_t t_start_us, double ramp, uint32_t started,
		     uint64_t now_us);

/* A load run's event loop: a tick every few milliseconds, SIGINT and
 * SIGTERM. */
struct loadgen_loop {
	struct event_base *base;
	struct event *tick, *ev_int, *ev_term;
};

/* Create the loop, with on_tick called every tick_ms and on_signal on
 * SIGINT and SIGTERM, both with arg. -1 with a message printed (and lp
 * freed) on failure. */
int loadgen_loop_init(struct loadgen_loop *lp, unsigned tick_ms,
		      event_callback_fn on_tick, event_callback_fn on_signal,
		      void *arg);

/* Free what loadgen_loop_init created; safe on a zeroed or freed loop. */
void loadgen_loop_free(struct loadgen_loop *lp);

/* Log the failure of connection number who as event (who under who_key,
 * with why and the exit code): the first failure of a run at warn level
 * with a hint that -v shows the others, each later one at info.
 * *first_logged says whether the first was logged already. */
void loadgen_log_failure(int *first_logged, const char *event,
			 const char *who_key, uint64_t who, const char *why,
			 int code);

/* ---- statistics lines ------------------------------------------------ */

/*
 * One line of key=value pairs: as text "name k=v k=v ...", or with json as
 * a JSON object {"<name_key>":"name","k":v,...}. name_key is the JSON key
 * that names the line (each tool keeps its own: "type", "event").
 */
struct kv {
	FILE *fp;
	int json;
	const char *name_key;
};

/* Start a line named name. */
void kv_begin(struct kv *k, const char *name);
/* An unsigned number. */
void kv_u(struct kv *k, const char *key, uint64_t v);
/* A number with prec decimals. */
void kv_d(struct kv *k, const char *key, double v, int prec);
/* No value: null in JSON, "-" in text. */
void kv_null(struct kv *k, const char *key);
/* A string (escaped in JSON, as it is in text). */
void kv_s(struct kv *k, const char *key, const char *s);
/* End the line and flush it. */
void kv_end(struct kv *k);

#endif
