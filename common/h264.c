/*
 * H.264 parameter sets and slice headers: ITU-T H.264 (08/2021) 7.3.2.1.1
 * with the VUI of annex E.1.1, the start of 7.3.2.2 and 7.3.3; picture
 * order counts (8.2.1) and the reordering they imply.
 */
#include <string.h>

#include "h264.h"

/*
 * A.3.1 bounds PicWidthInMbs by sqrt(8 * MaxFS): 1055 at level 6.2. Larger
 * values fit no level and would overflow the pixel arithmetic below.
 */
#define H264_MAX_DIM_MBS 4096

/* 7.4.2.1.1: max_num_ref_frames is at most MaxDpbFrames, itself <= 16. */
#define H264_MAX_REF_FRAMES 16

/* Bit reader over the RBSP. Reads past the end set err and return 0. */
struct h264_br {
	const uint8_t *p;
	size_t len; /* bytes */
	size_t pos; /* bits */
	int err;
};

static unsigned
br_bit(struct h264_br *b)
{
	unsigned v;

	if (b->pos >= b->len * 8) {
		b->err = 1;
		return 0;
	}
	v = (b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1;
	b->pos++;
	return v;
}

static uint32_t
br_u(struct h264_br *b, unsigned n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 1 | br_bit(b);
	return v;
}

/* 9.1: ue(v) as used by the SPS stays below 2^32 - 1, so 31 leading zero
 * bits at most; more is malformed. */
static uint32_t
br_ue(struct h264_br *b)
{
	unsigned zeros = 0;

	while (br_bit(b) == 0) {
		if (b->err)
			return 0;
		if (++zeros > 31) {
			b->err = 1;
			return 0;
		}
	}
	return (uint32_t)((1ull << zeros) - 1 + br_u(b, zeros));
}

/* 9.1.1: codeNum k maps to (-1)^(k+1) * ceil(k / 2). */
static int32_t
br_se(struct h264_br *b)
{
	uint32_t k = br_ue(b);

	if (k & 1)
		return (int32_t)(k / 2 + 1);
	return -(int32_t)(k / 2);
}

/* 7.3.2.1.1.1 scaling_list(): only the syntax matters here. */
static int
skip_scaling_list(struct h264_br *b, unsigned size)
{
	int last = 8, next = 8;
	unsigned j;

	for (j = 0; j < size; j++) {
		if (next != 0) {
			int32_t delta = br_se(b);

			if (b->err || delta < -128 || delta > 127)
				return -1;
			next = (last + delta + 256) % 256;
		}
		if (next != 0)
			last = next;
	}
	return 0;
}

/* Table E-1, indexes 1..16. */
static const uint8_t h264_sar[17][2] = {
    {0, 0},   {1, 1},	 {12, 11}, {10, 11}, {16, 11}, {40, 33},
    {24, 11}, {20, 11},	 {32, 11}, {80, 33}, {18, 11}, {15, 11},
    {64, 33}, {160, 99}, {4, 3},   {3, 2},   {2, 1},
};

/* E.1.2 hrd_parameters(): only the syntax matters here. */
static int
skip_hrd(struct h264_br *b)
{
	uint32_t i, cnt = br_ue(b); /* cpb_cnt_minus1, 0..31 (E.2.2) */

	if (b->err || cnt > 31)
		return -1;
	(void)br_u(b, 8); /* bit_rate_scale, cpb_size_scale */
	for (i = 0; i <= cnt && !b->err; i++) {
		(void)br_ue(b);	 /* bit_rate_value_minus1 */
		(void)br_ue(b);	 /* cpb_size_value_minus1 */
		(void)br_bit(b); /* cbr_flag */
	}
	/* initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_
	 * minus1, dpb_output_delay_length_minus1, time_offset_length */
	(void)br_u(b, 20);
	return b->err ? -1 : 0;
}

/* E.1.1 after timing_info, up to max_dec_frame_buffering. */
static int
parse_vui_tail(struct h264_br *b, struct h264_sps *s)
{
	int nal_hrd, vcl_hrd;
	uint32_t v;
	unsigned i;

	nal_hrd = (int)br_bit(b);
	if (nal_hrd && skip_hrd(b) < 0)
		return -1;
	vcl_hrd = (int)br_bit(b);
	if (vcl_hrd && skip_hrd(b) < 0)
		return -1;
	if (nal_hrd || vcl_hrd)
		(void)br_bit(b); /* low_delay_hrd_flag */
	(void)br_bit(b);	 /* pic_struct_present_flag */
	if (!br_bit(b))		 /* bitstream_restriction_flag */
		return b->err ? -1 : 0;
	(void)br_bit(b); /* motion_vectors_over_pic_boundaries_flag */
	/* max_bytes_per_pic_denom, max_bits_per_mb_denom,
	 * log2_max_mv_length_horizontal and _vertical: 0..16 (E.2.1) */
	for (i = 0; i < 4; i++) {
		if (br_ue(b) > 16)
			return -1;
	}
	v = br_ue(b); /* max_num_reorder_frames */
	s->max_dec_frame_buffering = br_ue(b);
	/* E.2.1: max_num_reorder_frames <= max_dec_frame_buffering <=
	 * MaxDpbFrames, itself at most 16. */
	if (b->err || s->max_dec_frame_buffering > H264_REORDER_MAX_DEPTH ||
	    v > s->max_dec_frame_buffering)
		return -1;
	s->max_num_reorder_frames = v;
	s->has_reorder = 1;
	return 0;
}

static int
parse_vui(struct h264_br *b, struct h264_sps *s)
{
	struct h264_br tail;

	if (br_bit(b)) { /* aspect_ratio_info_present_flag */
		unsigned idc = br_u(b, 8);

		if (idc == 255) { /* Extended_SAR */
			s->sar_width = (uint16_t)br_u(b, 16);
			s->sar_height = (uint16_t)br_u(b, 16);
		} else if (idc < 17) {
			s->sar_width = h264_sar[idc][0];
			s->sar_height = h264_sar[idc][1];
		}
	}
	if (br_bit(b)) /* overscan_info_present_flag */
		(void)br_bit(b);
	if (br_bit(b)) {	  /* video_signal_type_present_flag */
		(void)br_u(b, 3); /* video_format */
		s->video_full_range = (int)br_bit(b);
		if (br_bit(b)) { /* colour_description_present_flag */
			s->colour_primaries = (uint8_t)br_u(b, 8);
			s->transfer_characteristics = (uint8_t)br_u(b, 8);
			s->matrix_coefficients = (uint8_t)br_u(b, 8);
		}
	}
	if (br_bit(b)) { /* chroma_loc_info_present_flag */
		if (br_ue(b) > 5 || br_ue(b) > 5)
			return -1;
	}
	if (br_bit(b)) { /* timing_info_present_flag */
		s->num_units_in_tick = br_u(b, 32);
		s->time_scale = br_u(b, 32);
		s->fixed_frame_rate = (int)br_bit(b);
		s->has_timing = 1;
	}
	if (b->err)
		return -1;
	/*
	 * Nothing after the VUI is read, so the rest is parsed on a copy of
	 * the reader and only its result kept: some encoders cut the VUI
	 * short, and ffmpeg (h264_ps.c, "Truncated VUI") ignores that.
	 */
	tail = *b;
	if (parse_vui_tail(&tail, s) < 0) {
		s->has_reorder = 0;
		s->max_num_reorder_frames = s->max_dec_frame_buffering = 0;
	}
	return 0;
}

/* 7.3.2.1.1: the profiles that carry chroma_format_idc and friends. */
static int
h264_high_profile(unsigned profile_idc)
{
	switch (profile_idc) {
	case 100:
	case 110:
	case 122:
	case 244:
	case 44:
	case 83:
	case 86:
	case 118:
	case 128:
	case 138:
	case 139:
	case 134:
	case 135:
		return 1;
	}
	return 0;
}

static int
parse_sps(struct h264_br *b, struct h264_sps *s)
{
	uint32_t v, w_mbs, h_units, crop[4];
	unsigned i, crop_x, crop_y;
	uint64_t w, h;

	s->profile_idc = (uint8_t)br_u(b, 8);
	s->constraint_flags = (uint8_t)br_u(b, 8);
	s->level_idc = (uint8_t)br_u(b, 8);
	s->sps_id = br_ue(b);
	if (b->err || s->sps_id > 31)
		return -1;
	s->chroma_format_idc = 1;
	s->bit_depth_luma = s->bit_depth_chroma = 8;
	if (h264_high_profile(s->profile_idc)) {
		s->chroma_format_idc = br_ue(b);
		if (s->chroma_format_idc > 3)
			return -1;
		if (s->chroma_format_idc == 3)
			s->separate_colour_plane = (int)br_bit(b);
		v = br_ue(b);
		if (v > 6)
			return -1;
		s->bit_depth_luma = 8 + v;
		v = br_ue(b);
		if (v > 6)
			return -1;
		s->bit_depth_chroma = 8 + v;
		(void)br_bit(b); /* qpprime_y_zero_transform_bypass_flag */
		if (br_bit(b)) { /* seq_scaling_matrix_present_flag */
			unsigned n = s->chroma_format_idc != 3 ? 8 : 12;

			for (i = 0; i < n; i++) {
				if (br_bit(b) &&
				    skip_scaling_list(b, i < 6 ? 16 : 64) < 0)
					return -1;
			}
		}
	}
	v = br_ue(b); /* log2_max_frame_num_minus4 */
	if (v > 12)
		return -1;
	s->log2_max_frame_num = 4 + v;
	s->pic_order_cnt_type = br_ue(b);
	if (s->pic_order_cnt_type == 0) {
		v = br_ue(b); /* log2_max_pic_order_cnt_lsb_minus4 */
		if (v > 12)
			return -1;
		s->log2_max_poc_lsb = 4 + v;
	} else if (s->pic_order_cnt_type == 1) {
		s->delta_pic_order_always_zero = (int)br_bit(b);
		s->offset_for_non_ref_pic = br_se(b);
		s->offset_for_top_to_bottom_field = br_se(b);
		v = br_ue(b); /* num_ref_frames_in_pic_order_cnt_cycle */
		if (v > H264_POC_CYCLE_MAX)
			return -1;
		s->num_ref_frames_in_poc_cycle = v;
		for (i = 0; i < v && !b->err; i++)
			s->offset_for_ref_frame[i] = br_se(b);
	} else if (s->pic_order_cnt_type > 2) {
		return -1;
	}
	s->max_num_ref_frames = br_ue(b);
	if (s->max_num_ref_frames > H264_MAX_REF_FRAMES)
		return -1;
	(void)br_bit(b); /* gaps_in_frame_num_value_allowed_flag */
	w_mbs = br_ue(b);
	h_units = br_ue(b);
	if (w_mbs >= H264_MAX_DIM_MBS || h_units >= H264_MAX_DIM_MBS)
		return -1;
	s->frame_mbs_only = (int)br_bit(b);
	if (!s->frame_mbs_only)
		s->mb_adaptive_frame_field = (int)br_bit(b);
	(void)br_bit(b); /* direct_8x8_inference_flag */
	memset(crop, 0, sizeof(crop));
	if (br_bit(b)) { /* frame_cropping_flag */
		for (i = 0; i < 4; i++)
			crop[i] = br_ue(b);
	}
	if (b->err)
		return -1;

	/* 7.4.2.1.1, equations 7-13 to 7-20. */
	w = 16 * ((uint64_t)w_mbs + 1);
	h = 16 * (2 - (uint64_t)s->frame_mbs_only) * ((uint64_t)h_units + 1);
	if (s->separate_colour_plane || s->chroma_format_idc == 0) {
		crop_x = 1; /* ChromaArrayType 0 */
		crop_y = 2 - (unsigned)s->frame_mbs_only;
	} else {
		unsigned sub_w = s->chroma_format_idc == 3 ? 1 : 2;
		unsigned sub_h = s->chroma_format_idc == 1 ? 2 : 1;

		crop_x = sub_w;
		crop_y = sub_h * (2 - (unsigned)s->frame_mbs_only);
	}
	/* Offsets are bounded by the frame (7.4.2.1.1); check in 64 bits
	 * before anything is multiplied in 32. */
	if ((uint64_t)crop_x * ((uint64_t)crop[0] + crop[1]) >= w ||
	    (uint64_t)crop_y * ((uint64_t)crop[2] + crop[3]) >= h)
		return -1;
	s->pic_width_mbs = w_mbs + 1;
	s->frame_height_mbs = (2 - (unsigned)s->frame_mbs_only) * (h_units + 1);
	s->crop_left = crop_x * crop[0];
	s->crop_right = crop_x * crop[1];
	s->crop_top = crop_y * crop[2];
	s->crop_bottom = crop_y * crop[3];
	s->width = (unsigned)w - s->crop_left - s->crop_right;
	s->height = (unsigned)h - s->crop_top - s->crop_bottom;

	if (br_bit(b) && parse_vui(b, s) < 0) /* vui_parameters_present */
		return -1;
	return b->err ? -1 : 0;
}

/*
 * 7.4.1: the RBSP of the NAL unit after its header, without the
 * emulation_prevention_three_byte after each 0x0000, up to cap bytes.
 */
static size_t
h264_unescape(const uint8_t *nal, size_t len, uint8_t *rbsp, size_t cap)
{
	size_t i, n = 0;
	unsigned zeros = 0;

	for (i = 1; i < len && n < cap; i++) {
		if (zeros >= 2 && nal[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		rbsp[n++] = nal[i];
	}
	return n;
}

int
h264_sps_parse(const uint8_t *nal, size_t len, struct h264_sps *s)
{
	uint8_t rbsp[H264_SPS_MAX_SIZE];
	struct h264_br b;

	memset(s, 0, sizeof(*s));
	s->video_full_range = -1;
	s->colour_primaries = s->transfer_characteristics =
	    s->matrix_coefficients = 2;
	if (len > H264_SPS_MAX_SIZE)
		return RTMP_ERR_LIMIT;
	/* 7.4.1: forbidden_zero_bit, then nal_unit_type 7. */
	if (len < 1 || (nal[0] & 0x80) || (nal[0] & 0x1f) != H264_NAL_SPS)
		return RTMP_ERR_MALFORMED;
	b.p = rbsp;
	b.len = h264_unescape(nal, len, rbsp, sizeof(rbsp));
	b.pos = 0;
	b.err = 0;
	if (parse_sps(&b, s) < 0)
		return RTMP_ERR_MALFORMED;
	return RTMP_OK;
}

double
h264_sps_fps(const struct h264_sps *s)
{
	if (!s->has_timing || s->num_units_in_tick == 0 || s->time_scale == 0)
		return 0;
	/* E.2.1: a frame is two field ticks. */
	return (double)s->time_scale / (2.0 * s->num_units_in_tick);
}

/* Table A-1 MaxDpbMbs by level_idc; 0 ends the table. */
static const struct {
	uint8_t level;
	uint32_t max_dpb_mbs;
} h264_levels[] = {
    {9, 396},	  {10, 396},	{11, 900},    {12, 2376},   {13, 2376},
    {20, 2376},	  {21, 4752},	{22, 8100},   {30, 8100},   {31, 18000},
    {32, 20480},  {40, 32768},	{41, 32768},  {42, 34816},  {50, 110400},
    {51, 184320}, {52, 184320}, {60, 696320}, {61, 696320}, {62, 696320},
    {0, 0},
};

unsigned
h264_sps_reorder_depth(const struct h264_sps *s)
{
	uint32_t dpb_mbs = 0, frame_mbs;
	unsigned i;

	if (s->has_reorder)
		return s->max_num_reorder_frames > H264_REORDER_MAX_DEPTH
			   ? H264_REORDER_MAX_DEPTH
			   : s->max_num_reorder_frames;
	if (s->pic_order_cnt_type == 2)
		return 0;
	/* E.2.1: intra profiles (constraint_set3_flag) reorder nothing. */
	if ((s->constraint_flags & 0x10) &&
	    (s->profile_idc == 44 || s->profile_idc == 86 ||
	     s->profile_idc == 100 || s->profile_idc == 110 ||
	     s->profile_idc == 122 || s->profile_idc == 244))
		return 0;
	for (i = 0; h264_levels[i].level != 0; i++) {
		if (h264_levels[i].level == s->level_idc)
			dpb_mbs = h264_levels[i].max_dpb_mbs;
	}
	/* A.3.1 note: level 1b in Baseline, Main and Extended is level_idc
	 * 11 with constraint_set3_flag. */
	if (s->level_idc == 11 && (s->constraint_flags & 0x10) &&
	    (s->profile_idc == 66 || s->profile_idc == 77 ||
	     s->profile_idc == 88))
		dpb_mbs = 396;
	frame_mbs = s->pic_width_mbs * s->frame_height_mbs;
	if (dpb_mbs == 0 || frame_mbs == 0 ||
	    dpb_mbs / frame_mbs > H264_REORDER_MAX_DEPTH)
		return H264_REORDER_MAX_DEPTH;
	return dpb_mbs / frame_mbs;
}

static void
h264_br_prefix(struct h264_br *b, const uint8_t *nal, size_t len, uint8_t *rbsp)
{
	b->p = rbsp;
	b->len = h264_unescape(nal, len, rbsp, H264_HEADER_PREFIX);
	b->pos = 0;
	b->err = 0;
}

int
h264_pps_parse(const uint8_t *nal, size_t len, struct h264_pps *p)
{
	uint8_t rbsp[H264_HEADER_PREFIX];
	struct h264_br b;

	memset(p, 0, sizeof(*p));
	if (len < 1 || (nal[0] & 0x80) || (nal[0] & 0x1f) != H264_NAL_PPS)
		return RTMP_ERR_MALFORMED;
	h264_br_prefix(&b, nal, len, rbsp);
	p->pps_id = br_ue(&b);
	p->sps_id = br_ue(&b);
	p->entropy_coding_mode = (int)br_bit(&b);
	p->bottom_field_pic_order_in_frame_present = (int)br_bit(&b);
	/* 7.4.2.2 */
	if (b.err || p->pps_id > H264_PPS_ID_MAX || p->sps_id > 31)
		return RTMP_ERR_MALFORMED;
	return RTMP_OK;
}

int
h264_slice_parse(const uint8_t *nal, size_t len, const struct h264_sps *sps,
		 const struct h264_pps *pps, struct h264_slice *sh)
{
	uint8_t rbsp[H264_HEADER_PREFIX];
	struct h264_br b;
	uint64_t pic_mbs;
	int idr;

	memset(sh, 0, sizeof(*sh));
	if (len < 1 || (nal[0] & 0x80))
		return RTMP_ERR_MALFORMED;
	sh->nal_unit_type = nal[0] & 0x1f;
	sh->nal_ref_idc = nal[0] >> 5;
	/* 7.3.2.8 and 7.3.2.9.1: slice_header() opens these three. */
	if (sh->nal_unit_type != H264_NAL_SLICE && sh->nal_unit_type != 2 &&
	    sh->nal_unit_type != H264_NAL_IDR)
		return RTMP_ERR_MALFORMED;
	idr = sh->nal_unit_type == H264_NAL_IDR;
	/* 7.4.1: an IDR picture is a reference picture. */
	if (idr && sh->nal_ref_idc == 0)
		return RTMP_ERR_MALFORMED;
	h264_br_prefix(&b, nal, len, rbsp);
	sh->first_mb_in_slice = br_ue(&b);
	sh->slice_type = br_ue(&b);
	sh->pps_id = br_ue(&b);
	if (b.err || sh->slice_type > 9 || sh->pps_id > H264_PPS_ID_MAX)
		return RTMP_ERR_MALFORMED;
	/* 7.4.3: an IDR picture holds only I or SI slices (2, 4, 7, 9). */
	if (idr && sh->slice_type % 5 != 2 && sh->slice_type % 5 != 4)
		return RTMP_ERR_MALFORMED;
	if (sh->pps_id != pps->pps_id || pps->sps_id != sps->sps_id)
		return RTMP_ERR_UNSUPPORTED;
	if (sps->separate_colour_plane) {
		sh->colour_plane_id = br_u(&b, 2);
		if (sh->colour_plane_id > 2)
			return RTMP_ERR_MALFORMED;
	}
	sh->frame_num = br_u(&b, sps->log2_max_frame_num);
	/* 7.4.3: frame_num is 0 in an IDR picture. */
	if (idr && sh->frame_num != 0)
		return RTMP_ERR_MALFORMED;
	if (!sps->frame_mbs_only) {
		sh->field_pic = (int)br_bit(&b);
		if (sh->field_pic)
			sh->bottom_field = (int)br_bit(&b);
	}
	/* 7.4.3: first_mb_in_slice * (1 + MbaffFrameFlag) < PicSizeInMbs */
	pic_mbs = (uint64_t)sps->pic_width_mbs * sps->frame_height_mbs;
	if (sh->field_pic)
		pic_mbs /= 2;
	if ((uint64_t)sh->first_mb_in_slice *
		(1 + (sps->mb_adaptive_frame_field && !sh->field_pic)) >=
	    pic_mbs)
		return RTMP_ERR_MALFORMED;
	if (idr) {
		sh->idr_pic_id = br_ue(&b);
		if (sh->idr_pic_id > 65535)
			return RTMP_ERR_MALFORMED;
	}
	if (sps->pic_order_cnt_type == 0) {
		sh->pic_order_cnt_lsb = br_u(&b, sps->log2_max_poc_lsb);
		if (pps->bottom_field_pic_order_in_frame_present &&
		    !sh->field_pic)
			sh->delta_pic_order_cnt_bottom = br_se(&b);
	} else if (sps->pic_order_cnt_type == 1 &&
		   !sps->delta_pic_order_always_zero) {
		sh->delta_pic_order_cnt[0] = br_se(&b);
		if (pps->bottom_field_pic_order_in_frame_present &&
		    !sh->field_pic)
			sh->delta_pic_order_cnt[1] = br_se(&b);
	}
	return b.err ? RTMP_ERR_MALFORMED : RTMP_OK;
}

/* 8.2.1: every count and FrameNumOffset stays within 32 bits. */
static int
h264_poc_in_range(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* 8.2.1.2 and 8.2.1.3: FrameNumOffset. */
static int64_t
h264_frame_num_offset(const struct h264_poc *st, const struct h264_sps *sps,
		      const struct h264_slice *sh)
{
	if (sh->nal_unit_type == H264_NAL_IDR)
		return 0;
	if (st->prev_frame_num > sh->frame_num)
		return st->prev_frame_num_offset +
		       ((int64_t)1 << sps->log2_max_frame_num);
	return st->prev_frame_num_offset;
}

/* 8.2.1.1 */
static int
h264_poc_type0(struct h264_poc *st, const struct h264_sps *sps,
	       const struct h264_slice *sh, int64_t *top, int64_t *bot)
{
	int64_t max_lsb = (int64_t)1 << sps->log2_max_poc_lsb;
	int64_t prev_msb = st->prev_msb, prev_lsb = st->prev_lsb, msb;
	int64_t lsb = sh->pic_order_cnt_lsb;

	if (sh->nal_unit_type == H264_NAL_IDR)
		prev_msb = prev_lsb = 0;
	if (lsb < prev_lsb && prev_lsb - lsb >= max_lsb / 2)
		msb = prev_msb + max_lsb;
	else if (lsb > prev_lsb && lsb - prev_lsb > max_lsb / 2)
		msb = prev_msb - max_lsb;
	else
		msb = prev_msb;
	*top = msb + lsb;
	*bot =
	    sh->field_pic ? msb + lsb : *top + sh->delta_pic_order_cnt_bottom;
	if (!h264_poc_in_range(msb) || !h264_poc_in_range(*top) ||
	    !h264_poc_in_range(*bot))
		return -1;
	if (sh->nal_ref_idc != 0) {
		st->prev_msb = msb;
		st->prev_lsb = sh->pic_order_cnt_lsb;
	}
	return 0;
}

/* 8.2.1.2 */
static int
h264_poc_type1(const struct h264_sps *sps, const struct h264_slice *sh,
	       int64_t frame_num_offset, int64_t *top, int64_t *bot)
{
	unsigned cycle = sps->num_ref_frames_in_poc_cycle, i;
	int64_t abs_frame_num = 0, expected = 0, delta_per_cycle = 0;

	if (cycle != 0)
		abs_frame_num = frame_num_offset + sh->frame_num;
	if (sh->nal_ref_idc == 0 && abs_frame_num > 0)
		abs_frame_num--;
	for (i = 0; i < cycle; i++)
		delta_per_cycle += sps->offset_for_ref_frame[i];
	if (abs_frame_num > 0) {
		int64_t cycle_cnt = (abs_frame_num - 1) / cycle;
		unsigned in_cycle = (unsigned)((abs_frame_num - 1) % cycle);

		/* |delta_per_cycle| < 2^39, cycle_cnt < 2^31: a product
		 * past 2^61 is far out of range, and is not computed. */
		if (delta_per_cycle != 0 &&
		    cycle_cnt > (INT64_MAX / 4) / (delta_per_cycle < 0
						       ? -delta_per_cycle
						       : delta_per_cycle))
			return -1;
		expected = cycle_cnt * delta_per_cycle;
		for (i = 0; i <= in_cycle; i++)
			expected += sps->offset_for_ref_frame[i];
	}
	if (sh->nal_ref_idc == 0)
		expected += sps->offset_for_non_ref_pic;
	if (!sh->field_pic) {
		*top = expected + sh->delta_pic_order_cnt[0];
		*bot = *top + sps->offset_for_top_to_bottom_field +
		       sh->delta_pic_order_cnt[1];
	} else if (!sh->bottom_field) {
		*top = *bot = expected + sh->delta_pic_order_cnt[0];
	} else {
		*top = *bot = expected + sps->offset_for_top_to_bottom_field +
			      sh->delta_pic_order_cnt[0];
	}
	return h264_poc_in_range(expected) && h264_poc_in_range(*top) &&
		       h264_poc_in_range(*bot)
		   ? 0
		   : -1;
}

int
h264_poc_compute(struct h264_poc *st, const struct h264_sps *sps,
		 const struct h264_slice *sh, int32_t *poc)
{
	int64_t fno = 0, top = 0, bot = 0, temp;
	struct h264_poc next = *st;

	*poc = 0;
	if (sps->pic_order_cnt_type != 0) {
		fno = h264_frame_num_offset(st, sps, sh);
		/* FrameNumOffset + frame_num < 2^31 keeps every product
		 * below in 64 bits. */
		if (!h264_poc_in_range(fno + sh->frame_num))
			return RTMP_ERR_MALFORMED;
		next.prev_frame_num_offset = fno;
		next.prev_frame_num = sh->frame_num;
	}
	switch (sps->pic_order_cnt_type) {
	case 0:
		if (h264_poc_type0(&next, sps, sh, &top, &bot) < 0)
			return RTMP_ERR_MALFORMED;
		break;
	case 1:
		if (h264_poc_type1(sps, sh, fno, &top, &bot) < 0)
			return RTMP_ERR_MALFORMED;
		break;
	case 2: /* 8.2.1.3 */
		if (sh->nal_unit_type == H264_NAL_IDR)
			temp = 0;
		else if (sh->nal_ref_idc == 0)
			temp = 2 * (fno + sh->frame_num) - 1;
		else
			temp = 2 * (fno + sh->frame_num);
		if (!h264_poc_in_range(temp))
			return RTMP_ERR_MALFORMED;
		top = bot = temp;
		break;
	default:
		return RTMP_ERR_MALFORMED;
	}
	/* 8.2.1: PicOrderCnt of a frame is the smaller field count; of a
	 * field, its own. */
	if (!sh->field_pic)
		*poc = (int32_t)(top < bot ? top : bot);
	else
		*poc = (int32_t)(sh->bottom_field ? bot : top);
	*st = next;
	return RTMP_OK;
}

int
h264_reorder_init(struct h264_reorder *r, unsigned depth)
{
	memset(r, 0, sizeof(*r));
	if (depth > H264_REORDER_MAX_DEPTH)
		return RTMP_ERR_LIMIT;
	r->depth = depth;
	return RTMP_OK;
}

/* Give the next presentation rank to the waiting unit with the smallest
 * count, the earliest in decoding order among equals. */
static void
h264_reorder_bump(struct h264_reorder *r)
{
	unsigned i, k, best = H264_REORDER_MAX_HELD;

	for (i = 0; i < r->n; i++) {
		k = (r->head + i) % H264_REORDER_MAX_HELD;
		if (!r->u[k].ranked && (best == H264_REORDER_MAX_HELD ||
					r->u[k].poc < r->u[best].poc))
			best = k;
	}
	r->u[best].ranked = 1;
	r->u[best].rank = r->ranks++;
	r->pending--;
}

void
h264_reorder_flush(struct h264_reorder *r)
{
	while (r->pending > 0)
		h264_reorder_bump(r);
}

int
h264_reorder_push(struct h264_reorder *r, int32_t poc, int idr)
{
	unsigned depth = r->depth, k;

	/* A zeroed or corrupted depth must not index past the ring. */
	if (depth > H264_REORDER_MAX_DEPTH)
		depth = H264_REORDER_MAX_DEPTH;
	if (r->n >= 1 + H264_REORDER_LOOKAHEAD + depth)
		return RTMP_ERR_LIMIT;
	/* C.4.4: an IDR picture outputs every picture before it. */
	if (idr)
		h264_reorder_flush(r);
	k = (r->head + r->n) % H264_REORDER_MAX_HELD;
	r->u[k].poc = poc;
	r->u[k].ranked = 0;
	r->u[k].rank = 0;
	r->n++;
	r->pending++;
	/* C.4.5.3 bumping, with the delay of max_num_reorder_frames. */
	while (r->pending > depth)
		h264_reorder_bump(r);
	return RTMP_OK;
}

int
h264_reorder_pop(struct h264_reorder *r, unsigned *offset)
{
	int64_t off;

	if (r->n == 0 || !r->u[r->head].ranked)
		return 0;
	/*
	 * rank >= decoded - depth: when this unit came in, at most depth
	 * others waited, so all but depth of those before it were ranked.
	 * Clamped all the same, for a depth changed after the start.
	 */
	off = (int64_t)r->u[r->head].rank + r->depth - (int64_t)r->decoded;
	*offset = off < 0 ? 0 : (unsigned)off;
	r->head = (r->head + 1) % H264_REORDER_MAX_HELD;
	r->n--;
	r->decoded++;
	return 1;
}

const char *
h264_nal_name(uint8_t type)
{
	switch (type) {
	case H264_NAL_SLICE:
		return "slice";
	case 2:
		return "slice A";
	case 3:
		return "slice B";
	case 4:
		return "slice C";
	case H264_NAL_IDR:
		return "IDR";
	case H264_NAL_SEI:
		return "SEI";
	case H264_NAL_SPS:
		return "SPS";
	case H264_NAL_PPS:
		return "PPS";
	case H264_NAL_AUD:
		return "AUD";
	case H264_NAL_END_SEQ:
		return "end of sequence";
	case H264_NAL_END_STREAM:
		return "end of stream";
	case H264_NAL_FILLER:
		return "filler";
	case 13:
		return "SPS extension";
	case 14:
		return "prefix";
	case 15:
		return "subset SPS";
	case 19:
		return "auxiliary slice";
	case 20:
		return "slice extension";
	}
	return "NAL";
}
