/*
 * --check: what makes a file unplayable or misleading, found while the tags
 * go by (constant memory) and at the end (metadata against content).
 * Structural problems (header, sizes, resync) come from the codec reader's
 * FLV_EV_PROBLEM events and are mapped in main.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "amfwalk.h"
#include "dumpflv.h"

/* Metadata duration may differ from the content by one frame or so; the
 * muxer's idea of "duration" varies (ffmpeg adds the last packet's
 * duration). */
#define META_DURATION_SLACK_MS	1000.0
#define META_DURATION_SLACK_REL 0.05

void
df_check_header(struct df_ctx *c, const struct flv_header *h)
{
	if (h->flags & ~(FLV_FLAG_AUDIO | FLV_FLAG_VIDEO))
		df_problem(c, 4, DF_WARNING, "reserved_bits",
			   "reserved bits set in the header flags (0x%02x)",
			   h->flags);
}

static int
video_needs_config(const struct flv_video_info *vi)
{
	switch (vi->fourcc) {
	case FLV_FOURCC('a', 'v', 'c', '1'):
	case FLV_FOURCC('h', 'v', 'c', '1'):
	case FLV_FOURCC('v', 'v', 'c', '1'):
	case FLV_FOURCC('a', 'v', '0', '1'):
	case FLV_FOURCC('v', 'p', '0', '9'):
		return 1;
	default:
		return 0;
	}
}

static int
video_known_fourcc(uint32_t f)
{
	return video_needs_config(&(struct flv_video_info){.fourcc = f}) ||
	       f == FLV_FOURCC('v', 'p', '0', '8');
}

static int
audio_needs_config(const struct flv_audio_info *ai)
{
	/* Opus may start without an ID header (enhanced-rtmp v2: "if the
	 * Opus sequence start payload is empty..."); AAC and FLAC cannot. */
	return ai->fourcc == FLV_FOURCC('m', 'p', '4', 'a') ||
	       ai->fourcc == FLV_FOURCC('f', 'L', 'a', 'C');
}

static int
audio_known_fourcc(uint32_t f)
{
	switch (f) {
	case FLV_FOURCC('m', 'p', '4', 'a'):
	case FLV_FOURCC('f', 'L', 'a', 'C'):
	case FLV_FOURCC('O', 'p', 'u', 's'):
	case FLV_FOURCC('a', 'c', '-', '3'):
	case FLV_FOURCC('e', 'c', '-', '3'):
	case FLV_FOURCC('.', 'm', 'p', '3'):
		return 1;
	default:
		return 0;
	}
}

static struct df_codec_slot *
slot(struct df_codec_slot *tab, uint32_t fourcc, uint8_t track)
{
	unsigned i;

	for (i = 0; i < DF_CODEC_SLOTS; i++) {
		if (tab[i].fourcc == fourcc && tab[i].track == track)
			return &tab[i];
		if (tab[i].fourcc == 0) {
			tab[i].fourcc = fourcc;
			tab[i].track = track;
			return &tab[i];
		}
	}
	return NULL; /* more codecs than slots: not tracked */
}

static void
config_seen(struct df_ctx *c, struct df_codec_slot *s, const char *kind,
	    uint64_t offset)
{
	if (s == NULL || s->seen_config)
		return;
	s->seen_config = 1;
	if (s->frames_before > 0)
		df_problem(
		    c, s->first_frame_offset, DF_ERROR, "frame_before_config",
		    "%llu %s frame(s) before the sequence header at offset "
		    "%llu; players cannot decode them",
		    (unsigned long long)s->frames_before, kind,
		    (unsigned long long)offset);
}

static void
frame_seen(struct df_codec_slot *s, uint64_t offset)
{
	if (s == NULL || s->seen_config)
		return;
	if (s->frames_before++ == 0)
		s->first_frame_offset = offset;
}

static void
timestamps(struct df_ctx *c, struct df_media_stats *m, const struct df_tag *t)
{
	uint32_t ts = t->tag.timestamp;

	if (!m->have_ts) {
		m->have_ts = 1;
		m->first_ts = m->last_ts = m->prev_ts = ts;
		return;
	}
	if (ts < m->prev_ts) {
		m->backwards++;
		df_problem(
		    c, t->offset, DF_ERROR, "timestamp_backwards",
		    "%s timestamp %lu ms is before the previous one (%lu ms)",
		    df_tag_type_name(t->tag.type), (unsigned long)ts,
		    (unsigned long)m->prev_ts);
	} else {
		uint32_t gap = ts - m->prev_ts;

		if (gap > 0)
			m->last_delta = gap;
		if (gap > m->max_gap) {
			m->max_gap = gap;
			m->max_gap_offset = t->offset;
		}
		if (c->o.gap_ms > 0 && gap > c->o.gap_ms)
			df_problem(
			    c, t->offset, DF_WARNING, "timestamp_gap",
			    "%s timestamp jumps by %lu ms (more than %llu ms, "
			    "--max-gap)",
			    df_tag_type_name(t->tag.type), (unsigned long)gap,
			    (unsigned long long)c->o.gap_ms);
	}
	if (ts > m->last_ts)
		m->last_ts = ts;
	m->prev_ts = ts;
}

static void
first_codec(struct df_media_stats *m, const char *name, uint32_t fourcc,
	    uint32_t legacy)
{
	unsigned i;

	for (i = 0; i < m->ncodecs; i++)
		if (strcmp(m->codecs[i], name) == 0)
			break;
	if (i == m->ncodecs && i < DF_CODECS_LISTED)
		snprintf(m->codecs[m->ncodecs++], sizeof(m->codecs[0]), "%s",
			 name);
	if (m->codec_set)
		return;
	m->codec_set = 1;
	snprintf(m->codec, sizeof(m->codec), "%s", name);
	m->codec_fourcc = fourcc;
	m->codec_legacy = legacy;
}

static void
check_video(struct df_ctx *c, const struct df_tag *t)
{
	const struct flv_video_info *vi = &t->vi;
	struct df_codec_slot *s;
	char codec[16], fcc[5];

	if (t->hdr_rc != RTMP_OK) {
		df_problem(c, t->offset, DF_ERROR, "bad_video_header",
			   "video tag header cannot be decoded: %s",
			   rtmp_strerror(t->hdr_rc));
		return;
	}
	timestamps(c, &c->v, t);
	first_codec(&c->v, df_video_codec(vi, codec), vi->fourcc,
		    vi->enhanced ? 0 : vi->codec_id);
	if (vi->frame_type == 0 || vi->frame_type > FLV_FRAME_COMMAND)
		df_problem(c, t->offset, DF_WARNING, "reserved_frame_type",
			   "reserved video frame type %u", vi->frame_type);
	if (vi->enhanced && !video_known_fourcc(vi->fourcc))
		df_problem(c, t->offset, DF_WARNING, "unknown_codec",
			   "unknown video FourCC '%s'",
			   flv_fourcc_str(vi->fourcc, fcc));
	else if (!vi->enhanced &&
		 (vi->codec_id < FLV_CODEC_H263 ||
		  vi->codec_id > FLV_CODEC_AVC) &&
		 vi->codec_id != FLV_CODEC_HEVC_LEGACY)
		df_problem(c, t->offset, DF_WARNING, "unknown_codec",
			   "reserved video codec id %u", vi->codec_id);
	if (vi->is_seq_header && t->cfg == DF_CFG_AVC) {
		if (t->cfg_rc != RTMP_OK)
			df_problem(
			    c, t->offset, DF_ERROR, "bad_avc_config",
			    "AVCDecoderConfigurationRecord (%zu bytes) cannot "
			    "be decoded: %s",
			    t->cfg_len, rtmp_strerror(t->cfg_rc));
		else if (c->width == 0 && t->avc.width > 0) {
			c->width = t->avc.width;
			c->height = t->avc.height;
			c->dims_offset = t->offset;
		}
	}
	if (!video_needs_config(vi))
		s = NULL;
	else
		s = slot(c->vslots, vi->fourcc, vi->track_id);
	if (vi->is_seq_header) {
		/* ffmpeg 8 writes an empty SequenceStart before the real
		 * one: only a non-empty record counts. */
		if (t->cfg_len > 0 && t->cfg_rc == RTMP_OK)
			config_seen(c, s, "video", t->offset);
		return;
	}
	if (!t->is_frame)
		return;
	frame_seen(s, t->offset);
	if (!c->first_video_frame_seen) {
		c->first_video_frame_seen = 1;
		if (vi->frame_type != FLV_FRAME_KEY &&
		    vi->frame_type != FLV_FRAME_GENERATED)
			df_problem(
			    c, t->offset, DF_ERROR, "first_not_keyframe",
			    "the first video frame is a%s %s frame, not a "
			    "keyframe",
			    vi->frame_type == FLV_FRAME_INTER ? "n" : "",
			    df_frame_type_name(vi->frame_type));
	}
}

static void
check_audio(struct df_ctx *c, const struct df_tag *t)
{
	const struct flv_audio_info *ai = &t->ai;
	struct df_codec_slot *s;
	char codec[16], fcc[5];

	if (t->hdr_rc != RTMP_OK) {
		df_problem(c, t->offset, DF_ERROR, "bad_audio_header",
			   "audio tag header cannot be decoded: %s",
			   rtmp_strerror(t->hdr_rc));
		return;
	}
	timestamps(c, &c->a, t);
	if (t->tag.size == 0)
		return;
	first_codec(&c->a, df_audio_codec(ai, codec), ai->fourcc,
		    ai->enhanced ? 0 : ai->sound_format);
	if (ai->enhanced && !audio_known_fourcc(ai->fourcc))
		df_problem(c, t->offset, DF_WARNING, "unknown_codec",
			   "unknown audio FourCC '%s'",
			   flv_fourcc_str(ai->fourcc, fcc));
	else if (!ai->enhanced &&
		 (ai->sound_format == 12 || ai->sound_format == 13))
		df_problem(c, t->offset, DF_WARNING, "unknown_codec",
			   "reserved sound format %u", ai->sound_format);
	if (ai->is_seq_header && t->cfg == DF_CFG_AAC) {
		if (t->cfg_rc != RTMP_OK)
			df_problem(c, t->offset, DF_ERROR, "bad_aac_config",
				   "AudioSpecificConfig (%zu bytes) cannot be "
				   "decoded: %s",
				   t->cfg_len, rtmp_strerror(t->cfg_rc));
		else if (c->aac_rate == 0) {
			c->aac_rate = t->aac.sample_rate;
			c->aac_channels = t->aac.channel_config;
		}
	}
	s = audio_needs_config(ai) ? slot(c->aslots, ai->fourcc, ai->track_id)
				   : NULL;
	if (ai->is_seq_header) {
		if (t->cfg_len > 0 && t->cfg_rc == RTMP_OK)
			config_seen(c, s, "audio", t->offset);
		return;
	}
	if (t->is_frame)
		frame_seen(s, t->offset);
}

/* Numbers of the first onMetaData, member by member (no node storage). */
static void
read_metadata(struct df_ctx *c, const struct df_tag *t, size_t name_len)
{
	static const struct amf0_limits lim = {AMF0_DEFAULT_MAX_DEPTH,
					       0xFFFFFFFFu};
	struct amf0_walk w;
	struct rtmp_str key;
	const uint8_t *v;
	size_t vlen;

	if (amf0_walk_begin(&w, t->data + name_len, t->tag.size - name_len,
			    &lim) != RTMP_OK)
		return;
	c->meta_seen = 1;
	c->meta_offset = t->offset;
	while (amf0_walk_next(&w, &key, &v, &vlen) == 1) {
		struct amf0_value val;
		struct amf0_doc doc;

		if (v[0] != AMF0_NUMBER)
			continue;
		amf0_doc_init(&doc, &val, 1, NULL);
		if (amf0_decode(&doc, v, vlen) < 0)
			continue;
		if (rtmp_str_eq(key, "duration")) {
			c->meta_duration = val.u.num;
			c->have_meta_duration = 1;
		} else if (rtmp_str_eq(key, "width")) {
			c->meta_width = val.u.num;
			c->have_meta_width = 1;
		} else if (rtmp_str_eq(key, "height")) {
			c->meta_height = val.u.num;
			c->have_meta_height = 1;
		} else if (rtmp_str_eq(key, "videocodecid")) {
			c->meta_vcodec = val.u.num;
			c->have_meta_vcodec = 1;
		} else if (rtmp_str_eq(key, "audiocodecid")) {
			c->meta_acodec = val.u.num;
			c->have_meta_acodec = 1;
		}
	}
}

static void
check_script(struct df_ctx *c, const struct df_tag *t)
{
	static const struct amf0_limits lim = {AMF0_DEFAULT_MAX_DEPTH,
					       0xFFFFFFFFu};
	size_t pos = 0, name_len = 0;
	int i;

	for (i = 0; pos < t->tag.size; i++) {
		ssize_t n = amf0_skip(t->data + pos, t->tag.size - pos, &lim);

		if (n < 0) {
			int limit =
			    n == RTMP_ERR_LIMIT || n == RTMP_ERR_UNSUPPORTED;

			df_problem(
			    c, t->offset, limit ? DF_WARNING : DF_ERROR,
			    "bad_script",
			    "script data cannot be decoded at body byte %zu: "
			    "%s",
			    pos,
			    n == RTMP_ERR_NEED_MORE ? "cut short"
						    : rtmp_strerror((int)n));
			break;
		}
		if (i == 0)
			name_len = (size_t)n;
		pos += (size_t)n;
	}
	if (c->meta_seen || name_len == 0)
		return;
	{
		struct amf0_value val;
		struct amf0_doc doc;

		amf0_doc_init(&doc, &val, 1, NULL);
		if (amf0_decode(&doc, t->data, name_len) < 0 ||
		    val.type != AMF0_STRING ||
		    !rtmp_str_eq(val.u.str, "onMetaData"))
			return;
	}
	read_metadata(c, t, name_len);
}

void
df_check_tag(struct df_ctx *c, const struct df_tag *t)
{
	switch (t->tag.type) {
	case FLV_TAG_VIDEO:
		check_video(c, t);
		break;
	case FLV_TAG_AUDIO:
		check_audio(c, t);
		break;
	case FLV_TAG_SCRIPT:
		check_script(c, t);
		break;
	default:
		break;
	}
}

static void
missing_config(struct df_ctx *c, const struct df_codec_slot *tab,
	       const char *kind)
{
	unsigned i;
	char fcc[5];

	for (i = 0; i < DF_CODEC_SLOTS && tab[i].fourcc != 0; i++)
		if (!tab[i].seen_config && tab[i].frames_before > 0)
			df_problem(
			    c, tab[i].first_frame_offset, DF_ERROR,
			    "missing_config",
			    "%llu %s frame(s) of '%s' track %u and no "
			    "sequence header; players cannot decode them",
			    (unsigned long long)tab[i].frames_before, kind,
			    flv_fourcc_str(tab[i].fourcc, fcc), tab[i].track);
}

static int
codec_matches(double meta, const struct df_media_stats *m)
{
	return meta == (double)m->codec_fourcc ||
	       (m->codec_legacy != 0 && meta == (double)m->codec_legacy) ||
	       (m->codec_legacy == 0 && m->codec_fourcc == 0 && meta == 0);
}

static void
metadata_codec(struct df_ctx *c, double meta, const struct df_media_stats *m,
	       const char *key)
{
	char num[40];

	if (!m->codec_set || codec_matches(meta, m))
		return;
	df_fmt_double(num, sizeof(num), meta);
	df_problem(c, c->meta_offset, DF_ERROR, "metadata_mismatch",
		   "onMetaData %s is %s but the %s tags are %s", key, num,
		   key[0] == 'v' ? "video" : "audio", m->codec);
}

void
df_check_end(struct df_ctx *c)
{
	char num[40];

	missing_config(c, c->vslots, "video");
	missing_config(c, c->aslots, "audio");
	if (c->have_header &&
	    c->v.tags + c->a.tags + c->n_script + c->n_other == 0)
		df_problem(c, c->end_offset, DF_WARNING, "no_tags",
			   "the file has no tags");
	if (c->have_header && c->n_tags > 0) {
		const struct flv_header *h = &c->header;

		if ((h->flags & FLV_FLAG_VIDEO) == 0 && c->v.tags > 0)
			df_problem(
			    c, 4, DF_WARNING, "header_flags",
			    "video tags present but the header's video flag "
			    "is not set");
		if ((h->flags & FLV_FLAG_AUDIO) == 0 && c->a.tags > 0)
			df_problem(
			    c, 4, DF_WARNING, "header_flags",
			    "audio tags present but the header's audio flag "
			    "is not set");
	}
	if (!c->meta_seen)
		return;
	if (c->have_meta_duration && c->meta_duration > 0) {
		double content = df_duration_ms(c);
		double meta = c->meta_duration * 1000.0;

		if (content > 0 && fabs(meta - content) >
				       META_DURATION_SLACK_MS +
					   META_DURATION_SLACK_REL * content) {
			df_fmt_double(num, sizeof(num), c->meta_duration);
			df_problem(
			    c, c->meta_offset, DF_WARNING, "metadata_mismatch",
			    "onMetaData duration is %s s but the tags span "
			    "%.3f s",
			    num, content / 1000.0);
		}
	}
	if (c->width > 0 && c->have_meta_width &&
	    c->meta_width != (double)c->width) {
		df_fmt_double(num, sizeof(num), c->meta_width);
		df_problem(c, c->meta_offset, DF_ERROR, "metadata_mismatch",
			   "onMetaData width is %s but the sequence header at "
			   "offset %llu says %u",
			   num, (unsigned long long)c->dims_offset, c->width);
	}
	if (c->height > 0 && c->have_meta_height &&
	    c->meta_height != (double)c->height) {
		df_fmt_double(num, sizeof(num), c->meta_height);
		df_problem(c, c->meta_offset, DF_ERROR, "metadata_mismatch",
			   "onMetaData height is %s but the sequence header at "
			   "offset %llu says %u",
			   num, (unsigned long long)c->dims_offset, c->height);
	}
	if (c->have_meta_vcodec)
		metadata_codec(c, c->meta_vcodec, &c->v, "videocodecid");
	if (c->have_meta_acodec)
		metadata_codec(c, c->meta_acodec, &c->a, "audiocodecid");
}
