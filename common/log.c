#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "log.h"

static enum log_level log_level = LOG_INFO;
static int log_json;
static FILE *log_fp;
static char *log_path;

static const char *const level_names[] = {"error", "warn", "info", "debug",
					  "trace"};

void
log_setup(enum log_level level, int json)
{
	static char errbuf[8192];

	log_level = level;
	log_json = json;
	/* stderr is unbuffered: a log line would be a dozen write calls that
	 * other processes' output can interleave with. Line buffering makes
	 * it one. */
	setvbuf(stderr, errbuf, _IOLBF, sizeof(errbuf));
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_enabled(enum log_level level)
{
	return level <= log_level;
}

int
log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

int
log_open_file(const char *path)
{
	FILE *fp = fopen(path, "a");
	char *copy;

	if (fp == NULL)
		return -1;
	copy = strdup(path);
	if (copy == NULL) {
		fclose(fp);
		errno = ENOMEM;
		return -1;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	if (log_fp)
		fclose(log_fp);
	free(log_path);
	log_fp = fp;
	log_path = copy;
	return 0;
}

int
log_reopen(void)
{
	FILE *fp;

	if (log_path == NULL)
		return 0;
	fp = fopen(log_path, "a");
	if (fp == NULL)
		return -1;
	setvbuf(fp, NULL, _IOLBF, 0);
	fclose(log_fp);
	log_fp = fp;
	return 0;
}

static void
put_time(FILE *fp)
{
	uint64_t ms = clock_wall_ms();
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(fp, "%s.%03uZ", buf, (unsigned)(ms % 1000));
}

/* Text values with spaces, quotes or control characters are quoted. */
static void
put_text_value(FILE *fp, const char *s)
{
	const char *c;

	for (c = s; *c; c++)
		if (*c == ' ' || *c == '"' || *c == '=' ||
		    (unsigned char)*c < 0x20)
			break;
	if (*c == '\0' && *s != '\0')
		fputs(s, fp);
	else
		json_put_cstr(fp, s);
}

void
log_ev(enum log_level level, const char *event, const struct log_kv *kv,
       unsigned n)
{
	FILE *fp = log_fp ? log_fp : stderr;
	unsigned i;

	if (!log_enabled(level))
		return;
	if (log_json) {
		fputs("{\"ts\":\"", fp);
		put_time(fp);
		fprintf(fp,
			"\",\"level\":\"%s\",\"event\":", level_names[level]);
		json_put_cstr(fp, event);
	} else {
		put_time(fp);
		fprintf(fp, " %s %s", level_names[level], event);
	}
	for (i = 0; i < n; i++) {
		const struct log_kv *k = &kv[i];

		if (log_json)
			fprintf(fp, ",\"%s\":", k->key);
		else
			fprintf(fp, " %s=", k->key);
		switch (k->type) {
		case LKV_STR:
			if (log_json)
				json_put_cstr(fp, k->v.s ? k->v.s : "");
			else
				put_text_value(fp, k->v.s ? k->v.s : "");
			break;
		case LKV_INT:
			fprintf(fp, "%lld", k->v.i);
			break;
		case LKV_UINT:
			fprintf(fp, "%llu", k->v.u);
			break;
		case LKV_DBL:
			fprintf(fp, "%.3f", k->v.d);
			break;
		case LKV_BOOL:
			fputs(k->v.i ? "true" : "false", fp);
			break;
		}
	}
	fputs(log_json ? "}\n" : "\n", fp);
	fflush(fp);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	LOG_EV(level, "message", LKV_S("msg", buf));
}
