/*
 * One logging API for every tool: a line per event, either text
 *   2026-11-21T05:30:00.123Z info publish id=5 stream=live/cam1
 * or a JSON object per line (--json)
 *   {"ts":"2026-11-21T05:30:00.123Z","level":"info","event":"publish",
 *    "id":5,"stream":"live/cam1"}
 * with stable snake_case keys. Log lines go to stderr unless a file is
 * opened (rtmpd --log-file); log_reopen() serves SIGHUP.
 */
#ifndef RTMP_LOG_H
#define RTMP_LOG_H

#include <stdint.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
	LOG_TRACE,
};

enum log_kv_type { LKV_STR, LKV_INT, LKV_UINT, LKV_DBL, LKV_BOOL };

struct log_kv {
	const char *key;
	enum log_kv_type type;
	union {
		const char *s;
		long long i;
		unsigned long long u;
		double d;
	} v;
};

#define LKV_S(k, val) ((struct log_kv){(k), LKV_STR, {.s = (val)}})
#define LKV_I(k, val) ((struct log_kv){(k), LKV_INT, {.i = (val)}})
#define LKV_U(k, val) ((struct log_kv){(k), LKV_UINT, {.u = (val)}})
#define LKV_D(k, val) ((struct log_kv){(k), LKV_DBL, {.d = (val)}})
#define LKV_B(k, val) ((struct log_kv){(k), LKV_BOOL, {.i = !!(val)}})

/* Configure: level shown and below; json 1 for JSON lines. */
void log_setup(enum log_level level, int json);
enum log_level log_get_level(void);
int log_enabled(enum log_level level);
/* Log to path (appending) instead of stderr; -1 with errno on failure. */
int log_open_file(const char *path);
/* Reopen the file given to log_open_file (after rotation). */
int log_reopen(void);
/* Parse "error", "warn", "info", "debug", "trace": -1 if none. */
int log_level_parse(const char *s);

void log_ev(enum log_level level, const char *event, const struct log_kv *kv,
	    unsigned n);

#define LOG_EV(level, event, ...)                                         \
	do {                                                              \
		if (log_enabled(level)) {                                 \
			const struct log_kv kv_[] = {__VA_ARGS__};        \
			log_ev((level), (event), kv_,                     \
			       (unsigned)(sizeof(kv_) / sizeof(kv_[0]))); \
		}                                                         \
	} while (0)

/* Free-form message: event "message" with key "msg". */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
