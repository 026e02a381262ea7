/*
 * H.264 sequence parameter set parsing: ITU-T H.264 (08/2021) 7.3.2.1.1 and
 * the VUI of annex E.1.1 up to timing_info.
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

static int
parse_vui(struct h264_br *b, struct h264_sps *s)
{
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
	return b->err ? -1 : 0;
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
	if (br_ue(b) > 12) /* log2_max_frame_num_minus4 */
		return -1;
	s->pic_order_cnt_type = br_ue(b);
	if (s->pic_order_cnt_type == 0) {
		if (br_ue(b) > 12) /* log2_max_pic_order_cnt_lsb_minus4 */
			return -1;
	} else if (s->pic_order_cnt_type == 1) {
		(void)br_bit(b); /* delta_pic_order_always_zero_flag */
		(void)br_se(b);	 /* offset_for_non_ref_pic */
		(void)br_se(b);	 /* offset_for_top_to_bottom_field */
		v = br_ue(b);	 /* num_ref_frames_in_pic_order_cnt_cycle */
		if (v > 255)
			return -1;
		for (i = 0; i < v && !b->err; i++)
			(void)br_se(b); /* offset_for_ref_frame[i] */
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
		(void)br_bit(b); /* mb_adaptive_frame_field_flag */
	(void)br_bit(b);	 /* direct_8x8_inference_flag */
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

int
h264_sps_parse(const uint8_t *nal, size_t len, struct h264_sps *s)
{
	uint8_t rbsp[H264_SPS_MAX_SIZE];
	struct h264_br b;
	size_t i, n = 0;
	unsigned zeros = 0;

	memset(s, 0, sizeof(*s));
	s->video_full_range = -1;
	s->colour_primaries = s->transfer_characteristics =
	    s->matrix_coefficients = 2;
	if (len > H264_SPS_MAX_SIZE)
		return RTMP_ERR_LIMIT;
	/* 7.4.1: forbidden_zero_bit, then nal_unit_type 7. */
	if (len < 1 || (nal[0] & 0x80) || (nal[0] & 0x1f) != H264_NAL_SPS)
		return RTMP_ERR_MALFORMED;
	/* 7.4.1: drop emulation_prevention_three_byte after 0x0000. */
	for (i = 1; i < len; i++) {
		if (zeros >= 2 && nal[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = nal[i] == 0 ? zeros + 1 : 0;
		rbsp[n++] = nal[i];
	}
	b.p = rbsp;
	b.len = n;
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
