/*
 * Raw inputs: H.264 Annex B access units and AAC ADTS frames as FLV video
 * and audio bodies, the sequence headers built from the SPS/PPS and the
 * ADTS header, an onMetaData describing them, and the two streams muxed by
 * timestamp.
 *
 * Video timing: frame n in decoding order is at n * 1000 / fps ms. Annex B
 * carries no presentation times, so they come from the picture order counts
 * (h264_reorder): a frame presented at rank p is at (p + depth) * 1000 /
 * fps, depth being the SPS's reorder delay, and its composition time is
 * the difference. That is what ffmpeg writes for the same x264 stream
 * (rounding included, see rv_emit): the first key frame at 0 with a
 * composition time of the delay. Frames wait in a queue (at most
 * H264_REORDER_MAX_HELD) until their rank is known.
 * Audio: every ADTS frame is 1024 samples at its sample rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cli.h"
#include "rawsrc.h"
#include "rtmp_msg.h"

#define RAW_VIDEO_HDR 5	       /* frame type + codec, AVC packet type, CTS */
#define RAW_CTS_MAX   0x7fffff /* FLV 10.1 E.4.3.1: SI24 */
#define RAW_AUDIO_HDR 2	       /* sound format byte, AAC packet type */
#define RAW_FPS_MAX   1000.0
#define RAW_META_CAP  1024
/* FLV audio byte for AAC: format 10, 44 kHz, 16-bit, stereo; FLV 10.1
 * E.4.2.1 says AAC always uses these values (the real ones are in the
 * AudioSpecificConfig), and ffmpeg writes the same. */
#define RAW_AAC_FLAGS 0xAF

enum raw_state { RAW_PRIME, RAW_SEQ_V, RAW_SEQ_A, RAW_MUX };

/* An access unit waiting for its composition time, with the parameter sets
 * in force for it. */
struct rv_unit {
	uint8_t *data;
	size_t len, cap;
	int keyframe;
	uint8_t sps[ANNEXB_MAX_PS], pps[ANNEXB_MAX_PS];
	size_t sps_len, pps_len;
};

/*
 * The H.264 reader: struct raw_video (source.h) first, so that s->v points
 * at one of these, and the reorder queue, which only this file sees. (It
 * could move into raw_video.)
 */
struct raw_vx {
	struct raw_video v;
	struct h264_reorder ro;
	uint64_t admitted; /* units queued since the start */
	struct rv_unit q[H264_REORDER_MAX_HELD];
	unsigned q_head, q_n;
	/* Frame duration num / den ms, exact, when the rate is the SPS's
	 * (2000 num_units_in_tick / time_scale, reduced); 0 with --fps. */
	uint64_t dur_num, dur_den;
	uint64_t forced; /* rank flushes after H264_REORDER_LOOKAHEAD */
	int eof;	 /* input read and flushed; done once drained */
};

static struct raw_vx *
rvx(struct raw_video *v)
{
	return (struct raw_vx *)(void *)v;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * k frame durations in ms, rounded half away from zero as ffmpeg's
 * av_rescale_q does: exactly from the SPS rate when the product fits in
 * 64 bits (24000/1001 fps puts frames on exact half ms), else in double.
 */
static int64_t
rv_ms(const struct raw_video *v, int64_t k)
{
	const struct raw_vx *vx = (const struct raw_vx *)(const void *)v;
	uint64_t mag = k < 0 ? (uint64_t)-k : (uint64_t)k, q, r;

	if (vx->dur_den == 0 || mag > UINT64_MAX / vx->dur_num)
		return llround((double)k * 1000.0 / v->fps);
	q = mag * vx->dur_num / vx->dur_den;
	r = mag * vx->dur_num % vx->dur_den;
	if (r >= vx->dur_den - r)
		q++;
	return k < 0 ? -(int64_t)q : (int64_t)q;
}

static int
grow(uint8_t **b, size_t *cap, size_t need)
{
	uint8_t *n;
	size_t c;

	if (need <= *cap)
		return 0;
	c = *cap ? *cap : 4096;
	while (c < need)
		c *= 2;
	n = realloc(*b, c);
	if (n == NULL)
		return -1;
	*b = n;
	*cap = c;
	return 0;
}

static int
fill_error(struct src *s, struct in_src *in)
{
	return src_fail(s, in->err_io ? RK_EXIT_FAIL : RK_EXIT_INPUT, "%s",
			in->err);
}

/* ---- H.264 ----------------------------------------------------------- */

static struct raw_video *
rv_new(void)
{
	struct raw_vx *vx = calloc(1, sizeof(*vx));

	if (vx == NULL)
		return NULL;
	annexb_framer_init(&vx->v.fr);
	vx->v.in.fd = -1;
	return &vx->v;
}

static void
rv_free(struct raw_video *v)
{
	struct raw_vx *vx = rvx(v);
	unsigned i;

	annexb_framer_free(&v->fr);
	for (i = 0; i < H264_REORDER_MAX_HELD; i++)
		free(vx->q[i].data);
	free(v->msg);
	free(vx);
}

static void
rv_reset(struct raw_video *v)
{
	struct raw_vx *vx = rvx(v);

	annexb_framer_free(&v->fr);
	annexb_framer_init(&v->fr);
	h264_reorder_init(&vx->ro, 0);
	vx->admitted = 0;
	vx->q_head = vx->q_n = 0;
	vx->eof = 0;
	v->frames = 0;
	v->have = v->done = 0;
	v->cur_sps_len = v->cur_pps_len = 0;
	v->out_sps_len = v->out_pps_len = 0;
}

/*
 * An access unit is complete: queue it for its composition time, or drop it
 * when the stream has not reached its first IDR with SPS and PPS yet (a
 * player could decode nothing before it). 0 or SRC_ERROR.
 */
static int
rv_admit(struct src *s, struct raw_video *v, const struct annexb_au *au)
{
	struct raw_vx *vx = rvx(v);
	struct rv_unit *u;

	if (vx->admitted == 0 &&
	    (!au->keyframe || v->out_sps_len == 0 || v->out_pps_len == 0)) {
		v->dropped++;
		return 0;
	}
	if (vx->admitted == 0) {
		struct h264_sps info;

		memset(&info, 0, sizeof(info));
		v->out_info_ok = h264_sps_parse(v->out_sps, v->out_sps_len,
						&info) == RTMP_OK;
		v->out_info = info;
		if (v->fps == 0) {
			v->fps = v->fps_forced	  ? v->fps_forced
				 : v->out_info_ok ? h264_sps_fps(&info)
						  : 0;
			if (!(v->fps > 0 && v->fps <= RAW_FPS_MAX))
				return src_fail(
				    s, RK_EXIT_INPUT,
				    "%s: the SPS has no usable frame rate (no "
				    "VUI timing): give one with --fps",
				    v->in.name);
			if (!v->fps_forced) {
				/* fps > 0: both fields are not 0 */
				uint64_t n = 2000ull * info.num_units_in_tick,
					 g = gcd64(n, info.time_scale);

				vx->dur_num = n / g;
				vx->dur_den = info.time_scale / g;
			}
		}
		/* Without an SPS to read, nothing is reordered: composition
		 * times 0. A later SPS keeps this delay, so that
		 * presentation times never step back. */
		h264_reorder_init(&vx->ro, v->out_info_ok
					       ? h264_sps_reorder_depth(&info)
					       : 0);
	}
	/* rv_fill keeps a free slot: it flushes before the reorder limit,
	 * which the queue is sized for. */
	u = &vx->q[(vx->q_head + vx->q_n) % H264_REORDER_MAX_HELD];
	if (grow(&u->data, &u->cap, au->len) < 0)
		return src_fail(s, RK_EXIT_FAIL, "out of memory");
	memcpy(u->data, au->data, au->len);
	u->len = au->len;
	u->keyframe = au->keyframe;
	memcpy(u->sps, v->out_sps, v->out_sps_len);
	u->sps_len = v->out_sps_len;
	memcpy(u->pps, v->out_pps, v->out_pps_len);
	u->pps_len = v->out_pps_len;
	vx->q_n++;
	vx->admitted++;
	if (au->poc_err == RTMP_OK) {
		(void)h264_reorder_push(&vx->ro, au->poc, au->keyframe);
	} else {
		/* A picture without a count (a slice header this cannot
		 * read, another PPS) is shown in decoding order. */
		h264_reorder_flush(&vx->ro);
		(void)h264_reorder_push(&vx->ro, 0, au->keyframe);
		h264_reorder_flush(&vx->ro);
	}
	return 0;
}

/*
 * The oldest queued unit, when its composition time is known, becomes the
 * next message: SRC_MSG, 0 (none ready) or SRC_ERROR.
 */
static int
rv_emit(struct src *s, struct raw_video *v)
{
	struct raw_vx *vx = rvx(v);
	struct rv_unit *u;
	unsigned off, depth = vx->ro.depth;
	int64_t base, pts, cts;

	if (vx->q_n == 0 || !h264_reorder_pop(&vx->ro, &off))
		return 0;
	u = &vx->q[vx->q_head];
	if (grow(&v->msg, &v->msg_cap, RAW_VIDEO_HDR + u->len) < 0)
		return src_fail(s, RK_EXIT_FAIL, "out of memory");
	/*
	 * ffmpeg's rounding, so that a frame duration that is not a whole
	 * number of ms gives its timestamps: x264 hands out decoding times
	 * depth frames below the presentation times, ffmpeg rounds each to
	 * the ms and shifts both up by the rounded delay (avoid_negative_ts).
	 * With depth 0 this is n * 1000 / fps.
	 */
	base = rv_ms(v, depth);
	v->t = rv_ms(v, (int64_t)v->frames - depth) + base;
	pts = rv_ms(v, (int64_t)v->frames + off - depth) + base;
	cts = pts - v->t;
	if (cts > RAW_CTS_MAX) /* only below 0.006 fps */
		cts = RAW_CTS_MAX;
	v->keyframe = u->keyframe;
	v->msg[0] =
	    (uint8_t)((u->keyframe ? FLV_FRAME_KEY : FLV_FRAME_INTER) << 4 |
		      FLV_CODEC_AVC);
	v->msg[1] = 1; /* AVC NALU */
	wr_be24(v->msg + 2, (uint32_t)cts);
	memcpy(v->msg + RAW_VIDEO_HDR, u->data, u->len);
	v->msg_len = RAW_VIDEO_HDR + u->len;
	/* raw_next sends a new configuration before this unit when its
	 * parameter sets differ from the last sent. */
	memcpy(v->out_sps, u->sps, u->sps_len);
	v->out_sps_len = u->sps_len;
	memcpy(v->out_pps, u->pps, u->pps_len);
	v->out_pps_len = u->pps_len;
	vx->q_head = (vx->q_head + 1) % H264_REORDER_MAX_HELD;
	vx->q_n--;
	v->frames++;
	v->have = 1;
	return SRC_MSG;
}

static void
rv_unit_closed(struct raw_video *v)
{
	memcpy(v->out_sps, v->cur_sps, v->cur_sps_len);
	v->out_sps_len = v->cur_sps_len;
	memcpy(v->out_pps, v->cur_pps, v->cur_pps_len);
	v->out_pps_len = v->cur_pps_len;
}

static int
rv_fill(struct src *s, struct raw_video *v)
{
	struct raw_vx *vx = rvx(v);
	struct annexb_au au;
	struct rtmp_str nal;

	for (;;) {
		const uint8_t *p = in_data(&v->in);
		size_t len = v->in.len;
		uint64_t off = v->in.pos;
		ssize_t n;
		uint8_t type;
		int r;

		r = rv_emit(s, v);
		if (r != 0)
			return r;
		if (vx->eof) /* and the queue drained */
			v->done = 1;
		if (v->done)
			return SRC_END;
		/*
		 * A frame has waited for its rank while H264_REORDER_LOOKAHEAD
		 * + depth others came in (a stream reordered deeper than its
		 * SPS says): rank what waits and go on, so that the queue and
		 * the latency stay bounded.
		 */
		if (vx->q_n >= 1 + H264_REORDER_LOOKAHEAD + vx->ro.depth) {
			h264_reorder_flush(&vx->ro);
			vx->forced++;
			continue;
		}
		n = len ? annexb_next_nal(p, len, v->in.eof, &nal)
			: RTMP_ERR_NEED_MORE;
		if (n == RTMP_ERR_NEED_MORE) {
			size_t want;

			if (v->in.eof) {
				vx->eof = 1;
				if (annexb_framer_flush(&v->fr, &au) == 1) {
					rv_unit_closed(v);
					r = rv_admit(s, v, &au);
					if (r != 0)
						return r;
				}
				if (vx->admitted == 0)
					return src_fail(
					    s, RK_EXIT_INPUT,
					    "%s: no IDR picture with its SPS "
					    "and PPS in the input",
					    v->in.name);
				/* The rest is emitted above, then END. */
				h264_reorder_flush(&vx->ro);
				continue;
			}
			/* Grow geometrically: the NAL scan restarts each
			 * time. */
			want =
			    len < IN_READ_SIZE ? len + IN_READ_SIZE : 2 * len;
			if (want > v->in.max)
				want = v->in.max;
			if (len >= v->in.max)
				return src_fail(s, RK_EXIT_INPUT,
						"%s: offset %llu: NAL unit "
						"longer than %zu bytes",
						v->in.name,
						(unsigned long long)off,
						v->in.max - 8);
			r = in_fill(&v->in, want);
			if (r == 0) {
				s->wait_fd = v->in.fd;
				return SRC_WAIT;
			}
			if (r < 0)
				return fill_error(s, &v->in);
			continue;
		}
		if (n < 0)
			return src_fail(
			    s, RK_EXIT_INPUT, "%s: offset %llu: %s", v->in.name,
			    (unsigned long long)off,
			    off == 0 ? "not an H.264 Annex B stream (no start "
				       "code)"
				     : "invalid H.264 Annex B data (no start "
				       "code, or the forbidden bit set)");
		if (nal.len == 0) {
			in_consume(&v->in, (size_t)n);
			continue;
		}
		type = nal.p[0] & 0x1f;
		r = annexb_framer_push(&v->fr, nal.p, nal.len, &au);
		if (r < 0) {
			const char *why =
			    r == RTMP_ERR_LIMIT
				? (type == H264_NAL_SPS || type == H264_NAL_PPS
				       ? "parameter set too long"
				       : "access unit too large")
			    : r == RTMP_ERR_NOMEM ? "out of memory"
			    : type == H264_NAL_SPS
				? "invalid sequence parameter set"
				: "invalid NAL unit";

			return src_fail(s,
					r == RTMP_ERR_NOMEM ? RK_EXIT_FAIL
							    : RK_EXIT_INPUT,
					"%s: offset %llu: %s (%s, %zu bytes)",
					v->in.name, (unsigned long long)off,
					why, h264_nal_name(type), nal.len);
		}
		if (r == 1)
			rv_unit_closed(v);
		if (type == H264_NAL_SPS) {
			memcpy(v->cur_sps, v->fr.sps, v->fr.sps_len);
			v->cur_sps_len = v->fr.sps_len;
		} else if (type == H264_NAL_PPS) {
			memcpy(v->cur_pps, v->fr.pps, v->fr.pps_len);
			v->cur_pps_len = v->fr.pps_len;
		}
		in_consume(&v->in, (size_t)n);
		if (r == 1) {
			r = rv_admit(s, v, &au);
			if (r != 0)
				return r;
		}
	}
}

/* ---- AAC ------------------------------------------------------------- */

static int
ra_fill(struct src *s, struct raw_audio *a)
{
	struct adts_header h;

	for (;;) {
		const uint8_t *p = in_data(&a->in);
		size_t len = a->in.len;
		uint64_t off = a->in.pos;
		ssize_t n;
		int r;

		if (a->done)
			return SRC_END;
		if (len == 0 && a->in.eof) {
			a->done = 1;
			if (a->frames == 0)
				return src_fail(s, RK_EXIT_INPUT,
						"%s: no ADTS frame in the "
						"input",
						a->in.name);
			return SRC_END;
		}
		n = len ? adts_parse(p, len, &h) : RTMP_ERR_NEED_MORE;
		if (n == RTMP_ERR_NEED_MORE) {
			if (a->in.eof)
				return src_fail(s, RK_EXIT_INPUT,
						"%s: offset %llu: truncated "
						"ADTS frame (%zu bytes left)",
						a->in.name,
						(unsigned long long)off, len);
			r = in_fill(&a->in, len + 1);
			if (r == 0) {
				s->wait_fd = a->in.fd;
				return SRC_WAIT;
			}
			if (r < 0)
				return fill_error(s, &a->in);
			continue;
		}
		if (n < 0)
			return src_fail(
			    s, RK_EXIT_INPUT, "%s: offset %llu: %s", a->in.name,
			    (unsigned long long)off,
			    off == 0 ? "not an AAC ADTS stream (no sync word)"
				     : "bad ADTS header (no sync word, or a "
				       "reserved value)");
		if (h.raw_blocks != 1)
			return src_fail(s, RK_EXIT_INPUT,
					"%s: offset %llu: ADTS frame with %u "
					"raw data blocks (not supported)",
					a->in.name, (unsigned long long)off,
					h.raw_blocks);
		if (h.channel_config == 0)
			return src_fail(s, RK_EXIT_INPUT,
					"%s: offset %llu: channel "
					"configuration 0 (in-band PCE) is not "
					"supported",
					a->in.name, (unsigned long long)off);
		if (!a->have_first) {
			a->first = h;
			a->have_first = 1;
			a->rate = h.sample_rate;
		} else if (h.sr_index != a->first.sr_index ||
			   h.channel_config != a->first.channel_config ||
			   h.object_type != a->first.object_type) {
			return src_fail(s, RK_EXIT_INPUT,
					"%s: offset %llu: the AAC "
					"configuration changes (not "
					"supported)",
					a->in.name, (unsigned long long)off);
		}
		if (grow(&a->msg, &a->msg_cap,
			 RAW_AUDIO_HDR + (size_t)n - h.header_len) < 0)
			return src_fail(s, RK_EXIT_FAIL, "out of memory");
		a->msg[0] = RAW_AAC_FLAGS;
		a->msg[1] = 1; /* AAC raw */
		memcpy(a->msg + RAW_AUDIO_HDR, p + h.header_len,
		       (size_t)n - h.header_len);
		a->msg_len = RAW_AUDIO_HDR + (size_t)n - h.header_len;
		a->t = (int64_t)((a->samples * 1000 + a->rate / 2) / a->rate);
		a->samples += ADTS_SAMPLES_PER_FRAME;
		a->offset = off;
		a->frames++;
		a->have = 1;
		in_consume(&a->in, (size_t)n);
		return SRC_MSG;
	}
}

/* ---- headers --------------------------------------------------------- */

static int
hdr_room(struct src *s, size_t n)
{
	if (grow(&s->hdr, &s->hdr_cap, n) < 0)
		return src_fail(s, RK_EXIT_FAIL, "out of memory");
	return 0;
}

/* @setDataFrame("onMetaData", {...}) with the keys ffmpeg's FLV muxer
 * writes, in its order; duration 0 for a live stream. */
static int
build_meta(struct src *s, struct push_msg *m)
{
	const struct raw_video *v = s->v;
	const struct raw_audio *a = s->a;
	uint8_t *p, *e;
	uint32_t count = 2 + (v ? 5 : 0) + (a ? 5 : 0);

	if (hdr_room(s, RAW_META_CAP) < 0)
		return SRC_ERROR;
	p = s->hdr;
	e = s->hdr + s->hdr_cap;
	p = rtmp_build_setdataframe_prefix(p, e);
	p = amf0_put_cstr(p, e, "onMetaData");
	p = amf0_put_ecma_begin(p, e, count);
	p = amf0_put_prop_number(p, e, "duration", 0);
	if (v) {
		p = amf0_put_prop_number(p, e, "width", v->out_info.width);
		p = amf0_put_prop_number(p, e, "height", v->out_info.height);
		p = amf0_put_prop_number(p, e, "videodatarate", s->video_kbps);
		p = amf0_put_prop_number(p, e, "framerate", v->fps);
		p = amf0_put_prop_number(p, e, "videocodecid", FLV_CODEC_AVC);
	}
	if (a) {
		p = amf0_put_prop_number(p, e, "audiodatarate", s->audio_kbps);
		p = amf0_put_prop_number(p, e, "audiosamplerate",
					 a->first.sample_rate);
		p = amf0_put_prop_number(p, e, "audiosamplesize", 16);
		p = amf0_put_prop_bool(p, e, "stereo",
				       a->first.channel_config >= 2);
		p = amf0_put_prop_number(p, e, "audiocodecid", 10);
	}
	p = amf0_put_prop_cstr(p, e, "encoder", "rtmpkit");
	p = amf0_put_prop_number(p, e, "filesize", 0);
	p = amf0_put_object_end(p, e);
	if (p == NULL)
		return src_fail(s, RK_EXIT_FAIL, "metadata too large");
	memset(m, 0, sizeof(*m));
	m->type = RTMP_MSG_DATA_AMF0;
	m->data = s->hdr;
	m->len = (size_t)(p - s->hdr);
	m->config = 1;
	return SRC_MSG;
}

/* AVCDecoderConfigurationRecord of the next access unit's SPS and PPS. */
static int
build_vseq(struct src *s, struct push_msg *m)
{
	struct raw_video *v = s->v;
	uint8_t *p, *e;

	if (hdr_room(s, RAW_VIDEO_HDR + 16 + v->out_sps_len + v->out_pps_len) <
	    0)
		return SRC_ERROR;
	p = s->hdr;
	e = s->hdr + s->hdr_cap;
	p[0] = FLV_FRAME_KEY << 4 | FLV_CODEC_AVC;
	p[1] = 0; /* AVC sequence header */
	p[2] = p[3] = p[4] = 0;
	p = avc_config_put(p + RAW_VIDEO_HDR, e, v->out_sps, v->out_sps_len,
			   v->out_pps, v->out_pps_len);
	if (p == NULL)
		return src_fail(s, RK_EXIT_INPUT,
				"%s: cannot build the AVC configuration from "
				"its SPS/PPS",
				v->in.name);
	memcpy(s->sent_sps, v->out_sps, v->out_sps_len);
	s->sent_sps_len = v->out_sps_len;
	memcpy(s->sent_pps, v->out_pps, v->out_pps_len);
	s->sent_pps_len = v->out_pps_len;
	memset(m, 0, sizeof(*m));
	m->type = RTMP_MSG_VIDEO;
	m->data = s->hdr;
	m->len = (size_t)(p - s->hdr);
	m->t = v->t;
	m->config = 1;
	return SRC_MSG;
}

static int
build_aseq(struct src *s, struct push_msg *m)
{
	struct raw_audio *a = s->a;
	uint8_t *p;

	if (hdr_room(s, 16) < 0)
		return SRC_ERROR;
	p = s->hdr;
	p[0] = RAW_AAC_FLAGS;
	p[1] = 0; /* AAC sequence header */
	p = adts_to_asc(p + RAW_AUDIO_HDR, s->hdr + s->hdr_cap, &a->first);
	if (p == NULL)
		return src_fail(s, RK_EXIT_INPUT,
				"%s: no AudioSpecificConfig for this ADTS "
				"header",
				a->in.name);
	memset(m, 0, sizeof(*m));
	m->type = RTMP_MSG_AUDIO;
	m->data = s->hdr;
	m->len = (size_t)(p - s->hdr);
	m->t = a->t;
	m->config = 1;
	return SRC_MSG;
}

static int
vseq_changed(const struct src *s)
{
	const struct raw_video *v = s->v;

	return v->out_sps_len != s->sent_sps_len ||
	       v->out_pps_len != s->sent_pps_len ||
	       memcmp(v->out_sps, s->sent_sps, v->out_sps_len) != 0 ||
	       memcmp(v->out_pps, s->sent_pps, v->out_pps_len) != 0;
}

/* ---- the muxer ------------------------------------------------------- */

int
raw_next(struct src *s, struct push_msg *m)
{
	struct raw_video *v = s->v;
	struct raw_audio *a = s->a;
	int r;

	for (;;) {
		switch (s->state) {
		case RAW_PRIME:
			if (v && !v->have && !v->done) {
				r = rv_fill(s, v);
				if (r != SRC_MSG && r != SRC_END)
					return r;
			}
			if (a && !a->have && !a->done) {
				r = ra_fill(s, a);
				if (r != SRC_MSG && r != SRC_END)
					return r;
			}
			s->state = RAW_SEQ_V;
			return build_meta(s, m);
		case RAW_SEQ_V:
			s->state = RAW_SEQ_A;
			if (v)
				return build_vseq(s, m);
			break;
		case RAW_SEQ_A:
			s->state = RAW_MUX;
			if (a)
				return build_aseq(s, m);
			break;
		default:
			if (v && !v->have && !v->done) {
				r = rv_fill(s, v);
				if (r == SRC_WAIT || r == SRC_ERROR)
					return r;
			}
			if (a && !a->have && !a->done) {
				r = ra_fill(s, a);
				if (r == SRC_WAIT || r == SRC_ERROR)
					return r;
			}
			if (v && v->have && (!a || !a->have || v->t <= a->t)) {
				/* A new SPS/PPS (resolution change): its
				 * configuration goes first. */
				if (vseq_changed(s))
					return build_vseq(s, m);
				memset(m, 0, sizeof(*m));
				m->type = RTMP_MSG_VIDEO;
				m->t = v->t;
				m->data = v->msg;
				m->len = v->msg_len;
				m->keyframe = v->keyframe;
				v->have = 0;
				return SRC_MSG;
			}
			if (a && a->have) {
				memset(m, 0, sizeof(*m));
				m->type = RTMP_MSG_AUDIO;
				m->t = a->t;
				m->data = a->msg;
				m->len = a->msg_len;
				a->have = 0;
				return SRC_MSG;
			}
			return SRC_END;
		}
	}
}

/* ---- opening, data rate estimates ------------------------------------ */

/*
 * kbit/s of the first SRC_RATE_SCAN_BYTES / SRC_RATE_SCAN_MS of a regular
 * file, read with a reader of its own; the same reader finds a bad start
 * before anything is published.
 */
static int
scan_video(struct src *s, const char *path, double fps, double *kbps)
{
	struct raw_video *v = rv_new();
	uint64_t bytes = 0;
	int r = SRC_END;

	if (v == NULL)
		return src_fail(s, RK_EXIT_FAIL, "out of memory");
	if (in_open(&v->in, path, SRC_H264_MAX_BUFFER) < 0) {
		r = src_fail(s, RK_EXIT_FAIL, "%s", v->in.err);
		rv_free(v);
		return r;
	}
	v->fps_forced = fps;
	while (v->in.pos < SRC_RATE_SCAN_BYTES) {
		r = rv_fill(s, v);
		if (r != SRC_MSG)
			break;
		bytes += v->msg_len - RAW_VIDEO_HDR;
		v->have = 0;
		if (v->t >= SRC_RATE_SCAN_MS)
			break;
	}
	if (r != SRC_ERROR && v->frames > 0 && v->fps > 0)
		*kbps =
		    (double)bytes * 8.0 / ((double)v->frames * 1000.0 / v->fps);
	in_close(&v->in);
	rv_free(v);
	return r == SRC_ERROR ? -1 : 0;
}

static int
scan_audio(struct src *s, const char *path, double *kbps)
{
	struct raw_audio *a = calloc(1, sizeof(*a));
	uint64_t bytes = 0;
	int r = SRC_END;

	if (a == NULL)
		return src_fail(s, RK_EXIT_FAIL, "out of memory");
	if (in_open(&a->in, path, SRC_AAC_MAX_BUFFER) < 0) {
		r = src_fail(s, RK_EXIT_FAIL, "%s", a->in.err);
		free(a);
		return r;
	}
	while (a->in.pos < SRC_RATE_SCAN_BYTES) {
		r = ra_fill(s, a);
		if (r != SRC_MSG)
			break;
		bytes += a->msg_len - RAW_AUDIO_HDR;
		a->have = 0;
		if (a->t >= SRC_RATE_SCAN_MS)
			break;
	}
	if (r != SRC_ERROR && a->frames > 0 && a->rate > 0)
		*kbps = (double)bytes * 8.0 /
			((double)a->samples * 1000.0 / a->rate);
	in_close(&a->in);
	free(a->msg);
	free(a);
	return r == SRC_ERROR ? -1 : 0;
}

int
raw_open(struct src *s, const struct src_opts *o, const enum src_format f[2])
{
	const char *vpath = NULL, *apath = NULL;
	unsigned i;

	s->fmt = f[0];
	s->rewindable = 1;
	for (i = 0; i < o->n; i++) {
		struct in_src *in;
		size_t max;

		if (f[i] == SRC_FMT_H264) {
			s->v = rv_new();
			if (s->v == NULL)
				return src_fail(s, RK_EXIT_FAIL,
						"out of memory");
			s->v->fps_forced = o->fps;
			in = &s->v->in;
			max = SRC_H264_MAX_BUFFER;
			vpath = o->paths[i];
		} else {
			s->a = calloc(1, sizeof(*s->a));
			if (s->a == NULL)
				return src_fail(s, RK_EXIT_FAIL,
						"out of memory");
			s->a->in.fd = -1;
			in = &s->a->in;
			max = SRC_AAC_MAX_BUFFER;
			apath = o->paths[i];
		}
		if (in_open(in, o->paths[i], max) < 0)
			return src_fail(s, RK_EXIT_FAIL, "%s", in->err);
		if (!in->regular)
			s->rewindable = 0;
	}
	if (vpath && s->v->in.regular &&
	    scan_video(s, vpath, o->fps, &s->video_kbps) < 0)
		return -1;
	if (apath && s->a->in.regular &&
	    scan_audio(s, apath, &s->audio_kbps) < 0)
		return -1;
	s->state = RAW_PRIME;
	return 0;
}

int
raw_rewind(struct src *s)
{
	if (s->v) {
		if (in_rewind(&s->v->in) < 0)
			return src_fail(s, RK_EXIT_FAIL, "%s", s->v->in.err);
		rv_reset(s->v);
	}
	if (s->a) {
		if (in_rewind(&s->a->in) < 0)
			return src_fail(s, RK_EXIT_FAIL, "%s", s->a->in.err);
		s->a->have = s->a->done = 0;
		s->a->samples = 0;
		s->a->frames = 0;
	}
	s->sent_sps_len = s->sent_pps_len = 0;
	s->state = RAW_PRIME;
	return 0;
}

void
raw_close(struct src *s)
{
	if (s->v) {
		in_close(&s->v->in);
		rv_free(s->v);
		s->v = NULL;
	}
	if (s->a) {
		in_close(&s->a->in);
		free(s->a->msg);
		free(s->a);
		s->a = NULL;
	}
	free(s->hdr);
	s->hdr = NULL;
}
