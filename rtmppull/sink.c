/*
 * rtmppull output: FLV tags or per-frame lines, see sink.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cli.h"
#include "flv.h"
#include "rtmp_msg.h"
#include "sink.h"

/* ---- timeline -------------------------------------------------------- */

void
tl_init(struct timeline *tl, int keep)
{
	memset(tl, 0, sizeof(*tl));
	tl->keep = keep;
	tl->gap = TL_GAP_DEFAULT_MS;
}

void
tl_segment(struct timeline *tl)
{
	/* Nothing arrived since the last segment start: nothing to join. */
	if (!tl->have_last)
		return;
	tl->have_last = 0;
	tl->have_base = 0;
	tl->have_video = 0;
	tl->floor = tl->have_out ? tl->max_out + tl->gap : 0;
	tl->segments++;
}

int64_t
tl_map(struct timeline *tl, uint32_t ts, int is_media, int is_video)
{
	int64_t out;

	if (!tl->have_last) {
		tl->have_last = 1;
		tl->last32 = ts;
		tl->ext = ts;
	} else {
		/* Signed 32-bit difference: continuous across the wrap at
		 * 2^32, and small reorderings go slightly backwards. */
		int32_t d = (int32_t)(ts - tl->last32);

		if (d < -TL_BACKJUMP_MS && !tl->keep) {
			tl_segment(tl);
			tl->have_last = 1;
			tl->ext = ts;
		} else {
			tl->ext += d;
		}
		tl->last32 = ts;
	}
	if (is_video) {
		if (tl->have_video && tl->ext > tl->last_video &&
		    tl->ext - tl->last_video <= TL_GAP_MAX_MS)
			tl->gap = (uint32_t)(tl->ext - tl->last_video);
		tl->have_video = 1;
		tl->last_video = tl->ext;
	}
	if (tl->keep)
		return tl->ext < 0 ? 0 : tl->ext;
	if (!tl->have_base) {
		if (!is_media)
			return tl->floor;
		tl->base = tl->ext - tl->floor;
		tl->have_base = 1;
	}
	out = tl->ext - tl->base;
	/* Audio a few ms older than the first video frame, for instance. */
	return out < tl->floor ? tl->floor : out;
}

void
tl_wrote(struct timeline *tl, int64_t out)
{
	if (!tl->have_out || out > tl->max_out)
		tl->max_out = out;
	tl->have_out = 1;
}

/* ---- output ---------------------------------------------------------- */

void
sink_init(struct sink *s, enum sink_mode mode, FILE *fp, int keep_ts)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->fp = fp;
	tl_init(&s->tl, keep_ts);
}

void
sink_free(struct sink *s)
{
	free(s->buf);
	free(s->vseq.p);
	free(s->aseq.p);
	free(s->meta.p);
	memset(s, 0, sizeof(*s));
}

static int
sink_flush(struct sink *s)
{
	if (ferror(s->fp) || fflush(s->fp) != 0) {
		s->err = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

int
sink_begin(struct sink *s)
{
	uint8_t hdr[FLV_HEADER_SIZE + FLV_PREV_TAG_SIZE], *e;
	uint8_t flags = FLV_FLAG_AUDIO | FLV_FLAG_VIDEO;

	if (s->header_done || s->mode != SINK_FLV)
		return 0;
	s->header_done = 1;
	/*
	 * The header precedes the first tag, so it cannot know what the
	 * stream carries: both flags, as ffmpeg's FLV muxer writes for a live
	 * input, unless the user excluded one.
	 */
	if (s->no_audio)
		flags &= (uint8_t)~FLV_FLAG_AUDIO;
	if (s->no_video)
		flags &= (uint8_t)~FLV_FLAG_VIDEO;
	e = flv_header_put(hdr, hdr + sizeof(hdr), flags);
	if (e == NULL) {
		s->err = EINVAL;
		return -1;
	}
	errno = 0;
	if (fwrite(hdr, 1, (size_t)(e - hdr), s->fp) != (size_t)(e - hdr)) {
		s->err = errno ? errno : EIO;
		return -1;
	}
	return sink_flush(s);
}

static int
blob_eq(const struct sink_blob *b, const uint8_t *p, size_t n)
{
	return b->have && b->len == n && memcmp(b->p, p, n) == 0;
}

static void
blob_set(struct sink_blob *b, const uint8_t *p, size_t n)
{
	uint8_t *np;

	if (n > b->len || b->p == NULL) {
		np = realloc(b->p, n ? n : 1);
		if (np == NULL) {
			/* Only costs a duplicate header after a reconnect. */
			b->have = 0;
			return;
		}
		b->p = np;
	}
	memcpy(b->p, p, n);
	b->len = n;
	b->have = 1;
}

static int
write_tag(struct sink *s, uint8_t type, int64_t ts, const uint8_t *p, size_t n)
{
	size_t need = FLV_TAG_HEADER_SIZE + n + FLV_PREV_TAG_SIZE;
	uint8_t *e;

	if (sink_begin(s) < 0)
		return -1;
	if (need > s->cap) {
		uint8_t *nb = realloc(s->buf, need);

		if (nb == NULL) {
			s->err = ENOMEM;
			return -1;
		}
		s->buf = nb;
		s->cap = need;
	}
	/* FLV timestamps are 32 bits (24 + TimestampExtended): they wrap
	 * after 49.7 days, as the RTMP ones do. */
	e = flv_tag_put(s->buf, s->buf + s->cap, type, (uint32_t)ts, p,
			(uint32_t)n);
	if (e == NULL) {
		s->err = EINVAL;
		return -1;
	}
	errno = 0;
	if (fwrite(s->buf, 1, (size_t)(e - s->buf), s->fp) !=
	    (size_t)(e - s->buf)) {
		s->err = errno ? errno : EIO;
		return -1;
	}
	/* Every tag as it arrives, so `| ffplay -` starts at once. */
	return sink_flush(s);
}

/* What one message is, for counting and for --info. */
struct msg_info {
	const char *type; /* "video" "audio" "data" */
	const char *kind; /* key inter frame seq eos cmd script */
	char codec[32];
	uint32_t fourcc;
	int enhanced;
	int parsed;
	int is_frame; /* counts as a frame (coded media) */
	int is_key;
	int is_seq;
	int32_t cts;
	const uint8_t *pl; /* codec payload, what the CRC covers */
	size_t pl_len;
	struct flv_video_info vi;
	struct flv_audio_info ai;
};

static void
classify_video(const uint8_t *p, size_t n, struct msg_info *m)
{
	struct flv_video_info *vi = &m->vi;
	char fc[5];

	m->type = "video";
	m->pl = p;
	m->pl_len = n;
	m->kind = "inter";
	m->is_frame = 1;
	if (flv_video_parse(p, n, vi) != RTMP_OK) {
		/* Passed through unchanged; only its description suffers. */
		snprintf(m->codec, sizeof(m->codec), "unknown");
		return;
	}
	m->parsed = 1;
	m->enhanced = vi->enhanced;
	m->fourcc = vi->fourcc;
	if (vi->enhanced)
		snprintf(m->codec, sizeof(m->codec), "%s",
			 flv_fourcc_str(vi->fourcc, fc));
	else
		snprintf(m->codec, sizeof(m->codec), "%s",
			 flv_video_codec_name(vi->codec_id));
	m->cts = vi->cts;
	if (vi->hdr_len <= n) {
		m->pl = p + vi->hdr_len;
		m->pl_len = vi->payload_len <= n - vi->hdr_len
				? vi->payload_len
				: n - vi->hdr_len;
	}
	if (vi->is_seq_header) {
		m->kind = "seq";
		m->is_seq = 1;
		m->is_frame = 0;
	} else if (vi->is_seq_end) {
		m->kind = "eos";
		m->is_frame = 0;
	} else if (vi->is_command) {
		m->kind = "cmd";
		m->is_frame = 0;
	} else if (vi->is_keyframe) {
		m->kind = "key";
		m->is_key = 1;
	}
}

static void
classify_audio(const uint8_t *p, size_t n, struct msg_info *m)
{
	struct flv_audio_info *ai = &m->ai;
	char fc[5];

	m->type = "audio";
	m->pl = p;
	m->pl_len = n;
	m->kind = "frame";
	m->is_frame = 1;
	if (flv_audio_parse(p, n, ai) != RTMP_OK) {
		snprintf(m->codec, sizeof(m->codec), "unknown");
		return;
	}
	m->parsed = 1;
	m->enhanced = ai->enhanced;
	m->fourcc = ai->fourcc;
	if (ai->enhanced)
		snprintf(m->codec, sizeof(m->codec), "%s",
			 flv_fourcc_str(ai->fourcc, fc));
	else
		snprintf(m->codec, sizeof(m->codec), "%s",
			 flv_sound_format_name(ai->sound_format));
	if (ai->hdr_len <= n) {
		m->pl = p + ai->hdr_len;
		m->pl_len = ai->payload_len <= n - ai->hdr_len
				? ai->payload_len
				: n - ai->hdr_len;
	}
	if (ai->is_seq_header) {
		m->kind = "seq";
		m->is_seq = 1;
		m->is_frame = 0;
	} else if (ai->is_seq_end) {
		m->kind = "eos";
		m->is_frame = 0;
	}
}

static const char *
avc_profile_name(uint8_t profile)
{
	switch (profile) {
	case 66:
		return "Baseline";
	case 77:
		return "Main";
	case 88:
		return "Extended";
	case 100:
		return "High";
	case 110:
		return "High10";
	case 122:
		return "High422";
	case 244:
		return "High444";
	}
	return "unknown";
}

static const char *
aac_object_name(uint8_t ot)
{
	switch (ot) {
	case 1:
		return "Main";
	case 2:
		return "LC";
	case 3:
		return "SSR";
	case 4:
		return "LTP";
	case 5:
		return "HE";
	case 29:
		return "HEv2";
	}
	return "unknown";
}

/* Sequence header details: AVC and AAC configurations. */
static void
put_seq_details(struct sink *s, const struct msg_info *m)
{
	FILE *fp = s->fp;

	if (strcmp(m->type, "video") == 0 && m->parsed &&
	    m->fourcc == FLV_FOURCC('a', 'v', 'c', '1')) {
		struct avc_config c;
		char lvl[16];

		if (avc_config_parse(m->pl, m->pl_len, &c) != RTMP_OK)
			return;
		if (c.level == 9)
			snprintf(lvl, sizeof(lvl), "1b");
		else
			snprintf(lvl, sizeof(lvl), "%u.%u", c.level / 10u,
				 c.level % 10u);
		if (s->json)
			fprintf(fp,
				",\"profile\":\"%s\",\"profile_idc\":%u,"
				"\"level\":\"%s\",\"level_idc\":%u,"
				"\"width\":%u,\"height\":%u",
				avc_profile_name(c.profile), c.profile, lvl,
				c.level, c.width, c.height);
		else
			fprintf(fp, " profile=%s level=%s width=%u height=%u",
				avc_profile_name(c.profile), lvl, c.width,
				c.height);
	} else if (strcmp(m->type, "audio") == 0 && m->parsed &&
		   m->fourcc == FLV_FOURCC('m', 'p', '4', 'a')) {
		struct aac_config c;

		if (aac_config_parse(m->pl, m->pl_len, &c) != RTMP_OK)
			return;
		if (s->json)
			fprintf(fp,
				",\"profile\":\"%s\",\"object_type\":%u,"
				"\"sample_rate\":%" PRIu32 ",\"channels\":%u",
				aac_object_name(c.object_type), c.object_type,
				c.sample_rate, c.channel_config);
		else
			fprintf(
			    fp,
			    " profile=%s object_type=%u sample_rate=%" PRIu32
			    " channels=%u",
			    aac_object_name(c.object_type), c.object_type,
			    c.sample_rate, c.channel_config);
	}
}

/* One whitespace-free column: "Screen video" -> "Screen_video"; bytes that
 * are not printable ASCII become '?'. */
static void
column(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;

	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = p[i] == ' '		      ? '_'
			 : p[i] > 0x20 && p[i] < 0x7f ? (char)p[i]
						      : '?';
	if (n == 0)
		dst[n++] = '-';
	dst[n] = '\0';
}

static int
info_line(struct sink *s, const struct msg_info *m, int64_t ts, size_t size,
	  const struct rtmp_str *name)
{
	FILE *fp = s->fp;
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	char fc[5];

	if (m->pl_len > 0)
		crc = (uint32_t)crc32(crc, m->pl, (uInt)m->pl_len);
	if (s->json) {
		fprintf(fp,
			"{\"type\":\"%s\",\"ts\":%" PRId64 ",\"kind\":\"%s\"",
			m->type, ts, m->kind);
		if (name) {
			fputs(",\"name\":", fp);
			json_put_str(fp, name->p, name->len);
		} else {
			fputs(",\"codec\":", fp);
			json_put_cstr(fp, m->codec);
			if (m->fourcc) {
				fputs(",\"fourcc\":", fp);
				json_put_cstr(fp,
					      flv_fourcc_str(m->fourcc, fc));
			}
			fprintf(fp, ",\"enhanced\":%s,\"keyframe\":%s",
				m->enhanced ? "true" : "false",
				m->is_key ? "true" : "false");
		}
		fprintf(fp,
			",\"size\":%zu,\"payload_size\":%zu,\"cts\":%" PRId32
			",\"crc32\":\"%08" PRIx32 "\"",
			size, m->pl_len, m->cts, crc);
		if (m->is_seq)
			put_seq_details(s, m);
		fputs("}\n", fp);
	} else {
		char col[65];

		if (name)
			column(col, sizeof(col), name->p, name->len);
		else
			column(col, sizeof(col), (const uint8_t *)m->codec,
			       strlen(m->codec));
		fprintf(fp, "%" PRId64 " %s %s %s %zu %" PRId32 " %08" PRIx32,
			ts, m->type, col, m->kind, size, m->cts, crc);
		if (m->is_seq)
			put_seq_details(s, m);
		fputc('\n', fp);
	}
	return sink_flush(s);
}

static void
count(struct sink *s, const struct msg_info *m, int64_t ts, size_t n)
{
	struct sink_stats *st = &s->st;

	st->bytes += n;
	if (!m->is_frame)
		return;
	st->frames++;
	if (strcmp(m->type, "video") == 0)
		st->video_frames++;
	else
		st->audio_frames++;
	if (!st->have_frame) {
		st->have_frame = 1;
		st->first_ts = st->last_ts = ts;
	}
	if (ts > st->last_ts)
		st->last_ts = ts;
	if (m->is_key) {
		if (st->keyframes > 0 && ts > st->last_key_ts)
			st->nkey_intervals++;
		else if (st->keyframes == 0)
			st->first_key_ts = ts;
		st->keyframes++;
		st->last_key_ts = ts;
	}
}

enum sink_rc
sink_msg(struct sink *s, uint8_t type, uint32_t ts32, const uint8_t *p,
	 size_t n)
{
	struct msg_info m;
	struct rtmp_str name = {NULL, 0};
	int has_name = 0, is_media;
	int64_t ts;
	struct sink_blob *seen = NULL;

	memset(&m, 0, sizeof(m));
	if (type == RTMP_MSG_AUDIO) {
		if (s->no_audio || n == 0)
			return SINK_OK;
		classify_audio(p, n, &m);
		if (m.is_seq)
			seen = &s->aseq;
	} else if (type == RTMP_MSG_VIDEO) {
		if (s->no_video || n == 0)
			return SINK_OK;
		classify_video(p, n, &m);
		if (m.is_seq)
			seen = &s->vseq;
	} else {
		size_t off = 0;

		/* A relay normally strips @setDataFrame; a file must not
		 * carry it. */
		if (rtmp_data_setdataframe(p, n, &off) == 1) {
			p += off;
			n -= off;
		}
		if (rtmp_data_name(p, n, &name) == RTMP_OK) {
			has_name = 1;
			/* The server's access flags, not part of the stream. */
			if (rtmp_str_eq(name, "|RtmpSampleAccess"))
				return SINK_OK;
			if (rtmp_str_eq(name, "onMetaData"))
				seen = &s->meta;
		} else {
			static const uint8_t unknown[] = "unknown";

			name.p = unknown;
			name.len = sizeof(unknown) - 1;
			has_name = 1;
		}
		m.type = "data";
		m.kind = "script";
		m.pl = p;
		m.pl_len = n;
		type = FLV_TAG_SCRIPT;
	}
	is_media = type != FLV_TAG_SCRIPT;
	ts = tl_map(&s->tl, ts32, is_media,
		    type == RTMP_MSG_VIDEO && m.is_frame);
	if (m.is_frame && s->max_duration_ms && s->st.have_frame &&
	    ts - s->st.first_ts >= (int64_t)s->max_duration_ms)
		return SINK_STOP_DURATION;
	if (s->mode == SINK_FLV) {
		/* After a reconnect the server repeats its headers: only a
		 * change is worth a tag. */
		if (seen && s->dedupe && blob_eq(seen, p, n))
			return SINK_OK;
		if (write_tag(s, type, ts, p, n) < 0)
			return SINK_ERR_WRITE;
		if (seen)
			blob_set(seen, p, n);
	} else if (info_line(s, &m, ts, n, has_name ? &name : NULL) < 0) {
		return SINK_ERR_WRITE;
	}
	tl_wrote(&s->tl, ts);
	count(s, &m, ts, n);
	if (m.is_frame && s->max_frames && s->st.frames >= s->max_frames)
		return SINK_STOP_FRAMES;
	return SINK_OK;
}

void
sink_segment(struct sink *s)
{
	tl_segment(&s->tl);
	s->dedupe = 1;
}

int
sink_summary(struct sink *s, const char *reason)
{
	const struct sink_stats *st = &s->st;
	int64_t dur = st->have_frame ? st->last_ts - st->first_ts : 0;
	double kbps = dur > 0 ? (double)st->bytes * 8.0 / (double)dur : 0;
	double ki = st->nkey_intervals
			? (double)(st->last_key_ts - st->first_key_ts) /
			      (double)st->nkey_intervals
			: -1;

	if (s->mode != SINK_INFO)
		return 0;
	if (s->json) {
		fprintf(s->fp,
			"{\"type\":\"summary\",\"frames\":%" PRIu64
			",\"video_frames\":%" PRIu64
			",\"audio_frames\":%" PRIu64 ",\"keyframes\":%" PRIu64
			",\"bytes\":%" PRIu64 ",\"duration_ms\":%" PRId64
			",\"bitrate_kbps\":%.1f",
			st->frames, st->video_frames, st->audio_frames,
			st->keyframes, st->bytes, dur, kbps);
		if (ki >= 0)
			fprintf(s->fp, ",\"keyframe_interval_ms\":%.0f", ki);
		else
			fputs(",\"keyframe_interval_ms\":null", s->fp);
		fputs(",\"reason\":", s->fp);
		json_put_cstr(s->fp, reason);
		fputs("}\n", s->fp);
	} else {
		fprintf(s->fp,
			"summary frames=%" PRIu64 " video_frames=%" PRIu64
			" audio_frames=%" PRIu64 " keyframes=%" PRIu64
			" bytes=%" PRIu64 " duration_ms=%" PRId64
			" bitrate_kbps=%.1f",
			st->frames, st->video_frames, st->audio_frames,
			st->keyframes, st->bytes, dur, kbps);
		if (ki >= 0)
			fprintf(s->fp, " keyframe_interval_ms=%.0f", ki);
		else
			fputs(" keyframe_interval_ms=-", s->fp);
		fprintf(s->fp, " reason=%s\n", reason);
	}
	return sink_flush(s);
}

void
sink_progress(const struct sink *s, char *buf, size_t len, uint64_t elapsed_ms)
{
	const struct sink_stats *st = &s->st;
	int64_t dur = st->have_frame ? st->last_ts - st->first_ts : 0;
	double kbps = dur > 0 ? (double)st->bytes * 8.0 / (double)dur : 0;
	double mib = (double)st->bytes / (1024.0 * 1024.0);

	snprintf(buf, len,
		 "%.1f s  %" PRIu64 " frames  %.2f MiB  %.0f kbit/s  "
		 "stream %.1f s",
		 (double)elapsed_ms / 1000.0, st->frames, mib, kbps,
		 (double)dur / 1000.0);
}
