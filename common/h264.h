/*
 * H.264 sequence parameter set parsing (ITU-T H.264 7.3.2.1.1 and annex E
 * VUI), shared by the FLV config decoder and the Annex B framer. No I/O.
 */
#ifndef RTMP_H264_H
#define RTMP_H264_H

#include "rtmp_err.h"

enum h264_nal_type {
	H264_NAL_SLICE = 1,
	H264_NAL_IDR = 5,
	H264_NAL_SEI = 6,
	H264_NAL_SPS = 7,
	H264_NAL_PPS = 8,
	H264_NAL_AUD = 9,
	H264_NAL_END_SEQ = 10,
	H264_NAL_END_STREAM = 11,
	H264_NAL_FILLER = 12,
};

/*
 * Longest SPS NAL unit accepted (LIMIT beyond). Real ones are 10 to 40 bytes;
 * explicit scaling lists (7.3.2.1.1.1) at their worst (480 deltas of up to
 * 17 bits) and a full VUI stay under 1 KiB.
 */
#define H264_SPS_MAX_SIZE 1024

struct h264_sps {
	uint8_t profile_idc, constraint_flags, level_idc;
	unsigned sps_id;
	unsigned chroma_format_idc;
	unsigned width, height;		/* after cropping */
	int has_timing;			/* VUI timing_info_present_flag */
	uint32_t num_units_in_tick, time_scale;
	int fixed_frame_rate;
	/* Added for diagnostics (rtmpprobe) and tests. */
	unsigned bit_depth_luma, bit_depth_chroma;
	int separate_colour_plane;
	int frame_mbs_only;
	unsigned pic_order_cnt_type;
	unsigned max_num_ref_frames;
	unsigned crop_left, crop_right, crop_top, crop_bottom; /* in pixels */
	uint16_t sar_width, sar_height; /* 0:0 when unspecified */
	int video_full_range;		/* -1 when no video_signal_type */
	uint8_t colour_primaries, transfer_characteristics,
	    matrix_coefficients;	/* 2 (unspecified) when absent */
};

/* Parse an SPS NAL unit (with its 1-byte NAL header, emulation prevention
 * bytes still in). RTMP_OK, MALFORMED (including a read past the end or a
 * value out of its range) or LIMIT (longer than H264_SPS_MAX_SIZE). The
 * VUI is read up to timing_info; what follows is not needed. */
int h264_sps_parse(const uint8_t *nal, size_t len, struct h264_sps *s);
/* Frames per second from VUI timing (time_scale / (2 * num_units_in_tick)),
 * 0 when absent. */
double h264_sps_fps(const struct h264_sps *s);

/* "IDR", "SPS"...; "NAL" for the rest. */
const char *h264_nal_name(uint8_t type);

#endif
