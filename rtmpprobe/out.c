/*
 * Output: one line per event on stdout, either
 *     12.345 < set_chunk_size size=4096
 * or (--json)
 *   {"t_ms":12.345,"dir":"<","event":"set_chunk_size","size":4096}
 * Fields are added one by one between ev_begin and ev_end, so the two
 * forms always carry the same facts.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "probe.h"

struct out_cfg out_cfg;

static int ev_open;  /* inside ev_begin .. ev_end, and not quiet */
static int ev_fmode; /* OUT_* for the next field */
static FILE *ev_fp;

void
out_init(int json, int quiet, int verbose)
{
	out_cfg.json = json;
	out_cfg.quiet = quiet;
	out_cfg.verbose = verbose;
	out_cfg.t0_us = clock_mono_us();
	ev_fp = stdout;
	/* Lines appear as events happen, also through a pipe (tee, grep). */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

double
out_now_ms(void)
{
	return (double)(clock_mono_us() - out_cfg.t0_us) / 1000.0;
}

void
ev_begin(unsigned conn, const char *dir, const char *event)
{
	double t = out_now_ms();

	ev_fmode = OUT_BOTH;
	ev_open = !out_cfg.quiet;
	if (!ev_open)
		return;
	if (out_cfg.json) {
		fprintf(ev_fp, "{\"t_ms\":%.3f", t);
		if (conn)
			fprintf(ev_fp, ",\"conn\":%u", conn);
		fprintf(ev_fp, ",\"dir\":\"%s\",\"event\":\"%s\"", dir, event);
	} else {
		fprintf(ev_fp, "%10.3f", t);
		if (conn)
			fprintf(ev_fp, " #%u", conn);
		fprintf(ev_fp, " %s %s", dir, event);
	}
}

void
ev_end(void)
{
	if (ev_open)
		fputs(out_cfg.json ? "}\n" : "\n", ev_fp);
	ev_open = 0;
}

void
ev_mode(int mode)
{
	ev_fmode = mode;
}

/* Start a field: 0 when it is not shown in this format. */
static int
field(const char *key)
{
	int mode = ev_fmode;

	ev_fmode = OUT_BOTH;
	if (!ev_open)
		return 0;
	if (out_cfg.json) {
		if (mode == OUT_TEXT)
			return 0;
		fprintf(ev_fp, ",\"%s\":", key);
		return 1;
	}
	if (mode == OUT_JSON)
		return 0;
	if (mode == OUT_BARE)
		fputc(' ', ev_fp);
	else
		fprintf(ev_fp, " %s=", key);
	return 1;
}

/* Text values are bare words when they can be, quoted otherwise. */
static void
put_text_str(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] == '"' || p[i] == '=' || p[i] >= 0x7F ||
		    p[i] == '{' || p[i] == '[' || p[i] == ',')
			break;
	if (n > 0 && i == n)
		fwrite(p, 1, n, ev_fp);
	else
		json_put_str(ev_fp, p, n);
}

void
ev_sn(const char *key, const void *p, size_t n)
{
	if (!field(key))
		return;
	if (out_cfg.json)
		json_put_str(ev_fp, p, n);
	else
		put_text_str(p, n);
}

void
ev_s(const char *key, const char *s)
{
	ev_sn(key, s ? s : "", s ? strlen(s) : 0);
}

void
ev_u(const char *key, uint64_t v)
{
	if (field(key))
		fprintf(ev_fp, "%" PRIu64, v);
}

void
ev_i(const char *key, int64_t v)
{
	if (field(key))
		fprintf(ev_fp, "%" PRId64, v);
}

static void
put_num(double v)
{
	if (!isfinite(v)) {
		if (out_cfg.json)
			fputs("null", ev_fp);
		else
			fputs(isnan(v) ? "NaN"
			      : v > 0  ? "Infinity"
				       : "-Infinity",
			      ev_fp);
	} else if (v == floor(v) && fabs(v) < 1e15) {
		fprintf(ev_fp, "%.0f", v);
	} else {
		fprintf(ev_fp, "%.15g", v);
	}
}

void
ev_d(const char *key, double v)
{
	if (field(key))
		put_num(v);
}

void
ev_ms(const char *key, double ms)
{
	if (field(key))
		fprintf(ev_fp, "%.3f", ms);
}

void
ev_b(const char *key, int v)
{
	if (field(key))
		fputs(v ? "true" : "false", ev_fp);
}

void
ev_null(const char *key)
{
	if (field(key))
		fputs("null", ev_fp);
}

/* ---- AMF0 values --------------------------------------------------------- */

static void
put_key(struct rtmp_str k)
{
	size_t i;

	if (out_cfg.json) {
		json_put_str(ev_fp, k.p, k.len);
		return;
	}
	for (i = 0; i < k.len; i++)
		if (!isalnum(k.p[i]) && k.p[i] != '_' && k.p[i] != '@' &&
		    k.p[i] != '.' && k.p[i] != '|' && k.p[i] != '$' &&
		    k.p[i] != '-')
			break;
	if (k.len > 0 && i == k.len)
		fwrite(k.p, 1, k.len, ev_fp);
	else
		json_put_str(ev_fp, k.p, k.len);
}

/* Depth is bounded by the decoder's limit (AMF0_MAX_DEPTH_CAP). */
static void
put_amf(const struct amf0_doc *d, long i)
{
	const struct amf0_value *v = &d->v[i];
	int json = out_cfg.json;
	unsigned shown = 0;
	long c;

	switch (v->type) {
	case AMF0_NUMBER:
		put_num(v->u.num);
		return;
	case AMF0_BOOLEAN:
		fputs(v->u.boolean ? "true" : "false", ev_fp);
		return;
	case AMF0_STRING:
	case AMF0_LONG_STRING:
	case AMF0_XML_DOCUMENT:
		json_put_str(ev_fp, v->u.str.p, v->u.str.len);
		return;
	case AMF0_NULL:
		fputs("null", ev_fp);
		return;
	case AMF0_UNDEFINED:
	case AMF0_UNSUPPORTED:
		fputs(json ? "null" : "undefined", ev_fp);
		return;
	case AMF0_DATE:
		/* JSON: milliseconds since the epoch, as AMF0 carries it. */
		if (!json)
			fputs("Date(", ev_fp);
		put_num(v->u.date.ms);
		if (!json)
			fputc(')', ev_fp);
		return;
	case AMF0_OBJECT:
	case AMF0_ECMA_ARRAY:
		fputc('{', ev_fp);
		for (c = amf0_first_child(d, i); c >= 0;
		     c = amf0_next_sibling(d, c, i)) {
			if (shown++)
				fputs(json ? "," : ", ", ev_fp);
			put_key(d->v[c].key);
			fputs(json ? ":" : ": ", ev_fp);
			put_amf(d, c);
		}
		fputc('}', ev_fp);
		return;
	case AMF0_STRICT_ARRAY:
		fputc('[', ev_fp);
		for (c = amf0_first_child(d, i); c >= 0;
		     c = amf0_next_sibling(d, c, i)) {
			if (!json && shown == PROBE_TEXT_ARRAY_MAX) {
				fprintf(ev_fp, ", ... %" PRIu32 " more",
					v->u.c.count - shown);
				break;
			}
			if (shown++)
				fputs(json ? "," : ", ", ev_fp);
			put_amf(d, c);
		}
		fputc(']', ev_fp);
		return;
	default:
		json_put_cstr(ev_fp, amf0_type_name(v->type));
		return;
	}
}

void
ev_amf(const char *key, const struct amf0_doc *doc, long i)
{
	if (i < 0 || (size_t)i >= doc->n) {
		ev_null(key);
		return;
	}
	if (field(key))
		put_amf(doc, i);
}

void
ev_amf_list(const char *key, const struct amf0_doc *doc, long first)
{
	int json = out_cfg.json;
	long i;

	/* Nothing at all in text for an empty list. */
	if (!json && (first < 0 || (size_t)first >= doc->n))
		ev_fmode = OUT_JSON;
	if (!field(key))
		return;
	if (json)
		fputc('[', ev_fp);
	for (i = first; i >= 0 && (size_t)i < doc->n;
	     i = amf0_next_sibling(doc, i, -1)) {
		if (i != first)
			fputc(json ? ',' : ' ', ev_fp);
		put_amf(doc, i);
	}
	if (json)
		fputc(']', ev_fp);
}

/* ---- hex dumps ------------------------------------------------------------ */

void
ev_hex(unsigned conn, const char *dir, uint64_t offset, const uint8_t *p,
       size_t n)
{
	size_t show = n, i, j;

	if (out_cfg.quiet || out_cfg.verbose < 1)
		return;
	if (out_cfg.verbose < 2 && show > PROBE_HEX_DEFAULT)
		show = PROBE_HEX_DEFAULT;
	ev_begin(conn, dir, "raw");
	ev_u("offset", offset);
	ev_u("bytes", n);
	if (out_cfg.json) {
		fputs(",\"hex\":\"", ev_fp);
		for (i = 0; i < show; i++)
			fprintf(ev_fp, "%02x", p[i]);
		fputc('"', ev_fp);
		ev_b("truncated", show < n);
		ev_end();
		return;
	}
	if (show < n)
		fprintf(ev_fp, " shown=%zu", show);
	fputc('\n', ev_fp);
	for (i = 0; i < show; i += 16) {
		fprintf(ev_fp, "%13s%06zx ", "", i);
		for (j = i; j < i + 16; j++) {
			if (j < show)
				fprintf(ev_fp, " %02x", p[j]);
			else
				fputs("   ", ev_fp);
			if (j == i + 7)
				fputc(' ', ev_fp);
		}
		fputs("  |", ev_fp);
		for (j = i; j < i + 16 && j < show; j++)
			fputc(p[j] >= 0x20 && p[j] < 0x7F ? p[j] : '.', ev_fp);
		fputs("|\n", ev_fp);
	}
	ev_open = 0;
}
