/*
 * H.264 Annex B framing: byte stream NAL units (ITU-T H.264 B.1) into access
 * units (7.4.1.2.3) in the 4-byte length-prefixed form of ISO 14496-15.
 */
#include <stdlib.h>
#include <string.h>

#include "annexb.h"
#include "bytes.h"

/* Bytes of a NAL unit length field in the AVCC output. */
#define ANNEXB_AVCC_LEN 4

/*
 * Index of the first byte at or after i that is not zero, or len. Start
 * codes are preceded by any number of zero bytes (leading_zero_8bits,
 * trailing_zero_8bits and the zero_byte of B.1.1).
 */
static size_t
annexb_skip_zeros(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && p[i] == 0)
		i++;
	return i;
}

ssize_t
annexb_next_nal(const uint8_t *p, size_t len, int eof, struct rtmp_str *nal)
{
	size_t i, s, j, k;

	i = annexb_skip_zeros(p, len, 0);
	if (i == len) {
		if (len == 0 || !eof)
			return RTMP_ERR_NEED_MORE;
		/* Only zero padding left at the end of the stream. */
		nal->p = p + len;
		nal->len = 0;
		return (ssize_t)len;
	}
	/* The first non-zero byte must end a start code: 00 00 01. */
	if (i < 2 || p[i] != 0x01)
		return RTMP_ERR_MALFORMED;
	s = i + 1;
	if (s == len)
		return eof ? RTMP_ERR_MALFORMED : RTMP_ERR_NEED_MORE;
	if (p[s] & 0x80) /* forbidden_zero_bit, 7.4.1 */
		return RTMP_ERR_MALFORMED;

	/*
	 * Emulation prevention (7.4.1) keeps 00 00 00 and 00 00 01 out of a
	 * NAL unit, so the first of them ends it. 00 00 03 is an escape and
	 * 00 00 02 is left to the decoder, as ffmpeg's parser does. A NAL
	 * unit is never empty and never ends in 0x00 (7.4.1), so one that
	 * would is malformed.
	 */
	for (j = s; j + 2 < len; j++) {
		if (p[j] == 0 && p[j + 1] == 0 && p[j + 2] <= 0x01)
			break;
	}
	if (j == s && j + 2 < len)
		return RTMP_ERR_MALFORMED;
	if (j + 2 >= len) {
		/* A start code may still be forming in the last two bytes. */
		if (!eof)
			return RTMP_ERR_NEED_MORE;
		for (k = len; k > s && p[k - 1] == 0; k--)
			;
		if (k == s)
			return RTMP_ERR_MALFORMED;
		nal->p = p + s;
		nal->len = k - s;
		return (ssize_t)len;
	}
	k = annexb_skip_zeros(p, len, j);
	if (k == len) {
		if (!eof)
			return RTMP_ERR_NEED_MORE;
		/* trailing_zero_8bits up to the end of the stream */
		nal->p = p + s;
		nal->len = j - s;
		return (ssize_t)len;
	}
	/* Zero bytes after a NAL unit may only lead up to a start code. */
	if (p[k] != 0x01)
		return RTMP_ERR_MALFORMED;
	nal->p = p + s;
	nal->len = j - s;
	return (ssize_t)j;
}

void
annexb_framer_init(struct annexb_framer *f)
{
	memset(f, 0, sizeof(*f));
}

void
annexb_framer_free(struct annexb_framer *f)
{
	free(f->buf);
	free(f->out);
	memset(f, 0, sizeof(*f));
}

static int
annexb_is_slice(uint8_t type)
{
	return type >= H264_NAL_SLICE && type <= H264_NAL_IDR;
}

/*
 * 7.4.1.2.3: these NAL units, when they follow the last VCL NAL unit of a
 * primary coded picture, begin the next access unit. 14..18 are reserved or
 * SVC/MVC prefixes; the rule names them too.
 */
static int
annexb_starts_unit(uint8_t type)
{
	return type == H264_NAL_AUD || type == H264_NAL_SEI ||
	       type == H264_NAL_SPS || type == H264_NAL_PPS ||
	       (type >= 14 && type <= 18);
}

/*
 * Move the unit being built to f->out (by swapping the two buffers, so
 * neither is reallocated in steady state) and describe it in *au.
 */
static void
annexb_hand_out(struct annexb_framer *f, struct annexb_au *au)
{
	uint8_t *b = f->out;
	size_t c = f->out_cap;

	f->out = f->buf;
	f->out_cap = f->cap;
	f->out_len = f->len;
	f->buf = b;
	f->cap = c;
	au->data = f->out;
	au->len = f->out_len;
	au->keyframe = f->keyframe;
	au->nals = f->nals;
	au->ref = f->cur_ref;
	au->idr = f->cur_idr;
	au->poc = f->cur_poc;
	au->poc_err = f->cur_poc_err;
	f->len = 0;
	f->nals = 0;
	f->has_slice = 0;
	f->keyframe = 0;
}

static void
annexb_drop_unit(struct annexb_framer *f)
{
	f->len = 0;
	f->nals = 0;
	f->has_slice = 0;
	f->keyframe = 0;
}

/*
 * The first slice of a unit: its picture order count, from the last SPS and
 * PPS. A slice this cannot read still goes out (the decoder may know
 * better); only its count is missing.
 */
static void
annexb_unit_poc(struct annexb_framer *f, const uint8_t *nal, size_t len)
{
	struct h264_slice sh;
	int r;

	f->cur_ref = (nal[0] >> 5) != 0;
	f->cur_idr = (nal[0] & 0x1f) == H264_NAL_IDR;
	f->cur_poc = 0;
	if (!f->sps_ok || !f->pps_ok) {
		f->cur_poc_err = RTMP_ERR_UNSUPPORTED;
		return;
	}
	r = h264_slice_parse(nal, len, &f->sps_info, &f->pps_info, &sh);
	if (r == RTMP_OK)
		r = h264_poc_compute(&f->poc, &f->sps_info, &sh, &f->cur_poc);
	f->cur_poc_err = r;
}

/*
 * Make *b hold at least need bytes, growing geometrically but never past
 * max (need itself was checked against max).
 */
static int
annexb_reserve(uint8_t **b, size_t *cap, size_t need, size_t max)
{
	size_t c;
	uint8_t *n;

	if (need <= *cap)
		return RTMP_OK;
	c = *cap < 4096 ? 4096 : *cap;
	while (c < need)
		c = c > max / 2 ? max : c * 2;
	if (c > max)
		c = max;
	n = realloc(*b, c);
	if (n == NULL)
		return RTMP_ERR_NOMEM;
	*b = n;
	*cap = c;
	return RTMP_OK;
}

int
annexb_framer_push(struct annexb_framer *f, const uint8_t *nal, size_t len,
		   struct annexb_au *au)
{
	size_t max = f->max_au ? f->max_au : ANNEXB_MAX_AU_DEFAULT;
	struct h264_sps sps;
	struct h264_pps pps;
	uint8_t type;
	int closes = 0, sps_r = RTMP_OK, pps_r = RTMP_OK, r;

	/* annexb_next_nal yields an empty NAL for padding at end of stream. */
	if (len == 0)
		return 0;
	type = nal[0] & 0x1f;
	if (type == H264_NAL_AUD || type == H264_NAL_FILLER) {
		/* Both are dropped, but an AUD still marks a boundary. */
		if (type == H264_NAL_AUD && f->has_slice) {
			annexb_hand_out(f, au);
			return 1;
		}
		return 0;
	}
	if (max < ANNEXB_AVCC_LEN || len > max - ANNEXB_AVCC_LEN)
		return RTMP_ERR_LIMIT;
	if ((type == H264_NAL_SPS || type == H264_NAL_PPS) &&
	    len > ANNEXB_MAX_PS)
		return RTMP_ERR_LIMIT;
	memset(&sps, 0, sizeof(sps));
	if (type == H264_NAL_SPS) {
		sps_r = h264_sps_parse(nal, len, &sps);
		/*
		 * An SPS this library cannot read (UNSUPPORTED) still goes
		 * into the decoder configuration; only its facts are lost.
		 */
		if (sps_r != RTMP_OK && sps_r != RTMP_ERR_UNSUPPORTED)
			return RTMP_ERR_MALFORMED;
	}
	/* A PPS this cannot read still goes into the configuration, as it
	 * always did; only the counts of the slices that use it are lost. */
	memset(&pps, 0, sizeof(pps));
	if (type == H264_NAL_PPS)
		pps_r = h264_pps_parse(nal, len, &pps);
	if (annexb_is_slice(type) && len < 2)
		return RTMP_ERR_MALFORMED;

	if (f->has_slice) {
		if (annexb_starts_unit(type))
			closes = 1;
		/*
		 * first_mb_in_slice is the first ue(v) after the NAL header
		 * (7.3.3): it is 0 exactly when the first bit is 1. That byte
		 * cannot be an emulation prevention byte, which only follows
		 * two zero bytes.
		 */
		else if ((type == H264_NAL_SLICE || type == H264_NAL_IDR) &&
			 (nal[1] & 0x80))
			closes = 1;
	}
	if (closes) {
		/* The NAL will start the next unit in what is now f->out. */
		r = annexb_reserve(&f->out, &f->out_cap, ANNEXB_AVCC_LEN + len,
				   max);
		if (r != RTMP_OK)
			return r;
		annexb_hand_out(f, au);
	} else {
		if (f->len + ANNEXB_AVCC_LEN + len > max) {
			/* The rest of this unit would be a broken picture. */
			annexb_drop_unit(f);
			return RTMP_ERR_LIMIT;
		}
		r = annexb_reserve(&f->buf, &f->cap,
				   f->len + ANNEXB_AVCC_LEN + len, max);
		if (r != RTMP_OK)
			return r;
	}

	if (type == H264_NAL_SPS) {
		memcpy(f->sps, nal, len);
		f->sps_len = len;
		f->sps_ok = sps_r == RTMP_OK;
		if (f->sps_ok)
			f->sps_info = sps;
	} else if (type == H264_NAL_PPS) {
		memcpy(f->pps, nal, len);
		f->pps_len = len;
		f->pps_ok = pps_r == RTMP_OK;
		if (f->pps_ok)
			f->pps_info = pps;
	}
	if (annexb_is_slice(type) && !f->has_slice)
		annexb_unit_poc(f, nal, len);
	wr_be32(f->buf + f->len, (uint32_t)len);
	memcpy(f->buf + f->len + ANNEXB_AVCC_LEN, nal, len);
	f->len += ANNEXB_AVCC_LEN + len;
	f->nals++;
	if (annexb_is_slice(type))
		f->has_slice = 1;
	if (type == H264_NAL_IDR)
		f->keyframe = 1;
	return closes;
}

int
annexb_framer_flush(struct annexb_framer *f, struct annexb_au *au)
{
	/* Parameter sets or SEI with no picture after them are no unit. */
	if (!f->has_slice) {
		annexb_drop_unit(f);
		return 0;
	}
	annexb_hand_out(f, au);
	return 1;
}
