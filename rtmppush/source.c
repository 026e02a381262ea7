/*
 * Input formats and the FLV source: tags go out as they are; a bare
 * onMetaData is wrapped in @setDataFrame, as encoders publish it (servers
 * strip the wrapper and keep the rest for players).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "log.h"
#include "rawsrc.h"
#include "rtmp_msg.h"
#include "source.h"

/* Warnings about one FLV input shown before going quiet. */
#define SRC_MAX_WARNINGS 10

static int
has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

enum src_format
src_format_of(const char *path)
{
	size_t n = strlen(path);

	if (strcmp(path, "-") == 0)
		return SRC_FMT_FLV;
	if (has_suffix(path, n, ".gz"))
		n -= 3;
	if (has_suffix(path, n, ".flv"))
		return SRC_FMT_FLV;
	if (has_suffix(path, n, ".h264") || has_suffix(path, n, ".264") ||
	    has_suffix(path, n, ".avc") || has_suffix(path, n, ".h26l"))
		return SRC_FMT_H264;
	if (has_suffix(path, n, ".aac") || has_suffix(path, n, ".adts"))
		return SRC_FMT_AAC;
	return SRC_FMT_AUTO;
}

const char *
src_format_name(enum src_format f)
{
	switch (f) {
	case SRC_FMT_FLV:
		return "flv";
	case SRC_FMT_H264:
		return "h264";
	case SRC_FMT_AAC:
		return "aac";
	case SRC_FMT_AUTO:
		break;
	}
	return "unknown";
}

/*
 * An input whose name says nothing: look at its first bytes (after gzip).
 * Regular files only (a pipe's bytes would be consumed).
 */
static enum src_format
sniff(const char *path, char *err, size_t errlen, int *code)
{
	struct in_src in;
	const uint8_t *p;
	enum src_format f = SRC_FMT_AUTO;
	struct adts_header h;

	*code = RK_EXIT_FAIL;
	if (in_open(&in, path, 4096) < 0) {
		snprintf(err, errlen, "%s", in.err);
		return SRC_FMT_AUTO;
	}
	if (!in.regular) {
		snprintf(err, errlen,
			 "%s: cannot tell the format of a pipe: use --format "
			 "flv|h264|aac",
			 path);
		in_close(&in);
		*code = RK_EXIT_USAGE;
		return SRC_FMT_AUTO;
	}
	if (in_fill(&in, 16) != 1) {
		snprintf(err, errlen, "%s", in.err);
		if (!in.err_io)
			*code = RK_EXIT_INPUT;
		in_close(&in);
		return SRC_FMT_AUTO;
	}
	*code = RK_EXIT_INPUT;
	p = in_data(&in);
	if (in.len >= 3 && memcmp(p, "FLV", 3) == 0)
		f = SRC_FMT_FLV;
	else if (in.len >= 4 && p[0] == 0 && p[1] == 0 &&
		 (p[2] == 1 || (p[2] == 0 && p[3] == 1)))
		f = SRC_FMT_H264;
	else if (in.len >= ADTS_HEADER_SIZE &&
		 adts_parse(p, ADTS_HEADER_SIZE, &h) != RTMP_ERR_MALFORMED)
		f = SRC_FMT_AAC;
	if (f == SRC_FMT_AUTO)
		snprintf(err, errlen,
			 "%s: unknown input format: not FLV, H.264 Annex B or "
			 "AAC ADTS (use --format flv|h264|aac)",
			 path);
	in_close(&in);
	return f;
}

int
src_open(struct src *s, const struct src_opts *o)
{
	enum src_format f[2] = {SRC_FMT_AUTO, SRC_FMT_AUTO};
	unsigned i;
	int code;

	memset(s, 0, sizeof(*s));
	s->flv_in.fd = -1;
	s->wait_fd = -1;
	for (i = 0; i < o->n; i++) {
		char err[400];

		f[i] = o->forced != SRC_FMT_AUTO ? o->forced
						 : src_format_of(o->paths[i]);
		if (f[i] != SRC_FMT_AUTO)
			continue;
		f[i] = sniff(o->paths[i], err, sizeof(err), &code);
		if (f[i] == SRC_FMT_AUTO)
			return src_fail(s, code, "%s", err);
	}
	if (o->n == 2 && (f[0] == SRC_FMT_FLV || f[1] == SRC_FMT_FLV))
		return src_fail(s, RK_EXIT_USAGE,
				"an FLV input cannot be combined with another "
				"input");
	if (o->n == 2 && f[0] == f[1])
		return src_fail(
		    s, RK_EXIT_USAGE,
		    "two %s inputs: give one H.264 and one AAC input",
		    src_format_name(f[0]));
	if (f[0] == SRC_FMT_FLV) {
		s->fmt = SRC_FMT_FLV;
		if (in_open(&s->flv_in, o->paths[0], SRC_FLV_MAX_BUFFER) < 0)
			return src_fail(s, RK_EXIT_FAIL, "%s", s->flv_in.err);
		flv_reader_init(&s->rd);
		s->rewindable = s->flv_in.regular;
		return 0;
	}
	return raw_open(s, o, f);
}

static const char *
problem_text(const struct flv_event *ev, char *buf, size_t len)
{
	switch (ev->problem) {
	case FLV_PROB_BAD_SIGNATURE:
		return "not an FLV file (no 'FLV' signature)";
	case FLV_PROB_BAD_VERSION:
		snprintf(buf, len, "FLV version %u (expected 1)",
			 ev->header.version);
		return buf;
	case FLV_PROB_BAD_HEADER_SIZE:
		snprintf(buf, len, "FLV header size %u (9 assumed)",
			 ev->header.data_offset);
		return buf;
	case FLV_PROB_PREV_SIZE:
		snprintf(buf, len, "wrong PreviousTagSize %u", ev->prev_size);
		return buf;
	case FLV_PROB_BAD_TAG_TYPE:
		snprintf(buf, len,
			 "corrupt FLV: tag type %u is not audio, video or "
			 "script data",
			 ev->tag.type);
		return buf;
	case FLV_PROB_TAG_TOO_BIG:
		snprintf(buf, len,
			 "corrupt FLV: tag of %u bytes is over the "
			 "limit",
			 ev->tag.size);
		return buf;
	case FLV_PROB_STREAM_ID:
		snprintf(buf, len, "corrupt FLV: tag stream id %u (must be 0)",
			 ev->tag.stream_id);
		return buf;
	case FLV_PROB_RESERVED_BITS:
		return "tag reserved bits set";
	case FLV_PROB_ENCRYPTED:
		return "encrypted tag (sent as is; players cannot decode it)";
	case FLV_PROB_TRUNCATED:
		return "truncated FLV: the input ends inside a tag";
	case FLV_PROB_TRAILING:
		return "the input ends without the last PreviousTagSize";
	case FLV_PROB_GARBAGE:
		return "corrupt FLV: no valid tag found here";
	case FLV_PROB_NONE:
		break;
	}
	return "unknown problem";
}

/* Problems after which the data cannot be trusted: the push stops. The
 * others lose nothing and are warnings. */
static int
problem_fatal(enum flv_problem p)
{
	switch (p) {
	case FLV_PROB_BAD_VERSION:
	case FLV_PROB_BAD_HEADER_SIZE:
	case FLV_PROB_PREV_SIZE:
	case FLV_PROB_RESERVED_BITS:
	case FLV_PROB_ENCRYPTED:
	case FLV_PROB_TRAILING:
		return 0;
	default:
		return 1;
	}
}

static int
flv_msg(struct src *s, const struct flv_event *ev, struct push_msg *m)
{
	const uint8_t *p = ev->data;
	size_t len = ev->tag.size, off;

	memset(m, 0, sizeof(*m));
	/* Unwrap to 64 bits: a step of more than 2^31 backwards is a wrap. */
	if (!s->have_ts)
		s->last_t = ev->tag.timestamp;
	else
		s->last_t += (int32_t)(ev->tag.timestamp - s->last_ts);
	s->last_ts = ev->tag.timestamp;
	s->have_ts = 1;
	m->t = s->last_t;
	m->data = p;
	m->len = len;
	switch (ev->tag.type) {
	case FLV_TAG_VIDEO:
		m->type = RTMP_MSG_VIDEO;
		m->keyframe = flv_video_is_keyframe(p, len);
		m->config = flv_video_is_seq_header(p, len);
		return 1;
	case FLV_TAG_AUDIO:
		m->type = RTMP_MSG_AUDIO;
		m->config = flv_audio_is_seq_header(p, len);
		return 1;
	default:
		break;
	}
	m->type = RTMP_MSG_DATA_AMF0;
	if (rtmp_data_setdataframe(p, len, &off) == 1) {
		struct rtmp_str name;

		m->config =
		    rtmp_data_name(p + off, len - off, &name) == RTMP_OK &&
		    rtmp_str_eq(name, "onMetaData");
		return 1;
	} else {
		struct rtmp_str name;
		uint8_t *e;

		if (rtmp_data_name(p, len, &name) != RTMP_OK ||
		    !rtmp_str_eq(name, "onMetaData"))
			return 1; /* onCuePoint, onTextData...: as they are */
		if (s->wrap_cap < len + 32) {
			uint8_t *nw = realloc(s->wrap, len + 32);

			if (nw == NULL)
				return src_fail(s, RK_EXIT_FAIL,
						"out of memory");
			s->wrap = nw;
			s->wrap_cap = len + 32;
		}
		e = rtmp_build_setdataframe_prefix(s->wrap,
						   s->wrap + s->wrap_cap);
		if (e == NULL)
			return src_fail(s, RK_EXIT_FAIL,
					"cannot wrap onMetaData");
		memcpy(e, p, len);
		m->data = s->wrap;
		m->len = (size_t)(e - s->wrap) + len;
		m->config = 1;
	}
	return 1;
}

static int
flv_next(struct src *s, struct push_msg *m)
{
	struct flv_event ev;
	char buf[160];

	for (;;) {
		size_t want = 0;
		ssize_t n;
		int r;

		n = flv_reader_next(&s->rd, in_data(&s->flv_in), s->flv_in.len,
				    s->flv_in.eof, &ev, &want);
		if (n == RTMP_ERR_NEED_MORE) {
			if (s->flv_in.eof)
				return SRC_END;
			if (want <= s->flv_in.len)
				want = s->flv_in.len + 1;
			r = in_fill(&s->flv_in, want);
			if (r == 0) {
				s->wait_fd = s->flv_in.fd;
				return SRC_WAIT;
			}
			if (r < 0)
				return src_fail(s,
						s->flv_in.err_io
						    ? RK_EXIT_FAIL
						    : RK_EXIT_INPUT,
						"%s", s->flv_in.err);
			continue;
		}
		if (n < 0)
			return src_fail(s, RK_EXIT_INPUT, "%s: offset %llu: %s",
					s->flv_in.name,
					(unsigned long long)s->rd.offset,
					rtmp_strerror((int)n));
		if (ev.type == FLV_EV_NONE)
			return SRC_END;
		in_consume(&s->flv_in, (size_t)n);
		switch (ev.type) {
		case FLV_EV_TAG:
			if (ev.tag.size == 0 && ev.tag.type != FLV_TAG_SCRIPT)
				continue; /* nothing to play; ffmpeg skips
					     them too */
			return flv_msg(s, &ev, m) < 0 ? SRC_ERROR : SRC_MSG;
		case FLV_EV_PROBLEM:
			if (problem_fatal(ev.problem))
				return src_fail(
				    s, RK_EXIT_INPUT, "%s: offset %llu: %s",
				    s->flv_in.name,
				    (unsigned long long)ev.offset,
				    problem_text(&ev, buf, sizeof(buf)));
			if (++s->warnings <= SRC_MAX_WARNINGS)
				LOG_EV(
				    LOG_WARN, "input_warning",
				    LKV_S("file", s->flv_in.name),
				    LKV_U("offset", ev.offset),
				    LKV_S("problem",
					  problem_text(&ev, buf, sizeof(buf))));
			continue;
		case FLV_EV_RESYNC:
			return src_fail(
			    s, RK_EXIT_INPUT,
			    "%s: offset %llu: corrupt FLV: %llu bytes "
			    "skipped",
			    s->flv_in.name, (unsigned long long)ev.offset,
			    (unsigned long long)ev.skipped);
		default:
			continue;
		}
	}
}

int
src_next(struct src *s, struct push_msg *m)
{
	s->wait_fd = -1;
	if (s->fmt == SRC_FMT_FLV)
		return flv_next(s, m);
	return raw_next(s, m);
}

int
src_rewind(struct src *s)
{
	if (s->fmt != SRC_FMT_FLV)
		return raw_rewind(s);
	if (in_rewind(&s->flv_in) < 0)
		return src_fail(s, RK_EXIT_FAIL, "%s", s->flv_in.err);
	flv_reader_init(&s->rd);
	s->have_ts = 0;
	return 0;
}

void
src_close(struct src *s)
{
	if (s->fmt == SRC_FMT_FLV)
		in_close(&s->flv_in);
	else
		raw_close(s);
	free(s->wrap);
	s->wrap = NULL;
}

uint64_t
src_dropped(const struct src *s)
{
	return s->v ? s->v->dropped : 0;
}

/* Shared with rawsrc.c. */
int
src_fail(struct src *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	s->err_code = code;
	return SRC_ERROR;
}
