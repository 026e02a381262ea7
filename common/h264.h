/*
 * H.264 sequence parameter set parsing (ITU-T H.264 7.3.2.1.1 and annex E
 * VUI), shared by the FLV config decoder and the Annex B framer; the start
 * of PPS and slice headers, picture order counts (8.2.1) and the
 * presentation order they give (h264_reorder). No I/O.
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

/* 7.4.2.1.1: num_ref_frames_in_pic_order_cnt_cycle is 0..255. */
#define H264_POC_CYCLE_MAX 255

/*
 * Slice headers and PPS are read from an unescaped prefix of this many
 * RBSP bytes; the rest of the NAL unit is never copied. The slice header
 * up to delta_pic_order_cnt[1] is at most six ue(v)/se(v) of at most 63
 * bits (32 leading zeros are malformed) and 36 bits of fixed fields: 414
 * bits, so a longer header cannot exist and a read past the prefix means
 * the NAL unit itself ends too soon.
 */
#define H264_HEADER_PREFIX 64

struct h264_sps {
	uint8_t profile_idc, constraint_flags, level_idc;
	unsigned sps_id;
	unsigned chroma_format_idc;
	unsigned width, height; /* after cropping */
	int has_timing;		/* VUI timing_info_present_flag */
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
	    matrix_coefficients; /* 2 (unspecified) when absent */
	/* Added for picture order counts (8.2.1) and frame reordering. */
	unsigned log2_max_frame_num; /* 4..16 */
	unsigned log2_max_poc_lsb;   /* 4..16, pic_order_cnt_type 0 */
	int mb_adaptive_frame_field;
	unsigned pic_width_mbs, frame_height_mbs; /* before cropping */
	/* pic_order_cnt_type 1 */
	int delta_pic_order_always_zero;
	int32_t offset_for_non_ref_pic, offset_for_top_to_bottom_field;
	unsigned num_ref_frames_in_poc_cycle;
	int32_t offset_for_ref_frame[H264_POC_CYCLE_MAX];
	/*
	 * VUI bitstream_restriction (E.1.1). has_reorder is 0 when it is
	 * absent, and also when what follows timing_info is cut short or out
	 * of range: ffmpeg ignores such a VUI tail too, so the SPS still
	 * parses.
	 */
	int has_reorder;
	unsigned max_num_reorder_frames, max_dec_frame_buffering; /* <= 16 */
};

/* Parse an SPS NAL unit (with its 1-byte NAL header, emulation prevention
 * bytes still in). RTMP_OK, MALFORMED (including a read past the end or a
 * value out of its range) or LIMIT (longer than H264_SPS_MAX_SIZE). The
 * VUI is read up to timing_info; what follows is not needed. */
int h264_sps_parse(const uint8_t *nal, size_t len, struct h264_sps *s);
/* Frames per second from VUI timing (time_scale / (2 * num_units_in_tick)),
 * 0 when absent. */
double h264_sps_fps(const struct h264_sps *s);

/*
 * Frames by which output order may lag decoding order: the VUI
 * max_num_reorder_frames when present. Otherwise E.2.1's inference:
 * 0 for the intra profiles with constraint_set3_flag, else MaxDpbFrames
 * (table A-1 MaxDpbMbs over the frame size, at most 16; 16 for an unknown
 * level); and 0 for pic_order_cnt_type 2, whose output order is its
 * decoding order (8.2.1.3). Never more than 16.
 */
unsigned h264_sps_reorder_depth(const struct h264_sps *s);

/* 7.4.2.2: pic_parameter_set_id is 0..255. */
#define H264_PPS_ID_MAX 255

/* The start of a PPS (7.3.2.2): what slice headers depend on. */
struct h264_pps {
	unsigned pps_id, sps_id;
	int entropy_coding_mode;
	int bottom_field_pic_order_in_frame_present;
};

/*
 * Parse the first fields of a PPS NAL unit (NAL header included, escapes
 * in). RTMP_OK, or MALFORMED for another NAL type, an id out of range or a
 * NAL unit that ends before bottom_field_pic_order_in_frame_present_flag.
 * Only H264_HEADER_PREFIX bytes are read, so there is no size limit.
 */
int h264_pps_parse(const uint8_t *nal, size_t len, struct h264_pps *p);

/* Slice header (7.3.3) up to the picture order count fields. */
struct h264_slice {
	uint8_t nal_unit_type, nal_ref_idc;
	unsigned first_mb_in_slice, slice_type, pps_id, colour_plane_id;
	unsigned frame_num;
	int field_pic, bottom_field;
	unsigned idr_pic_id;
	uint32_t pic_order_cnt_lsb;
	int32_t delta_pic_order_cnt_bottom;
	int32_t delta_pic_order_cnt[2];
};

/*
 * Parse a slice header of a coded slice NAL unit (type 1, 2 or 5; NAL
 * header included, escapes in) up to delta_pic_order_cnt[1], with the SPS
 * and PPS it refers to. RTMP_OK; MALFORMED for another NAL type, a value
 * out of its range (7.4.3: slice_type, an IDR that is not intra, not a
 * reference or not frame_num 0, first_mb_in_slice past the picture...) or
 * a NAL unit that ends inside those fields; UNSUPPORTED when its
 * pic_parameter_set_id is not pps->pps_id or pps->sps_id is not
 * sps->sps_id (sh->pps_id is then set: the caller holds other sets).
 */
int h264_slice_parse(const uint8_t *nal, size_t len, const struct h264_sps *sps,
		     const struct h264_pps *pps, struct h264_slice *sh);

/*
 * Picture order count state (8.2.1) carried from picture to picture in
 * decoding order; a zeroed struct is the initial state (the first picture
 * should be an IDR, which resets it).
 */
struct h264_poc {
	int64_t prev_msb; /* type 0: of the last reference picture */
	uint32_t prev_lsb;
	int64_t prev_frame_num_offset; /* types 1 and 2: last picture */
	uint32_t prev_frame_num;
};

/*
 * PicOrderCnt of the picture whose (first) slice header is sh: 8.2.1.1 for
 * pic_order_cnt_type 0, 8.2.1.2 for 1, 8.2.1.3 for 2; for a frame the
 * smaller of its two field counts, for a field its own. Updates st.
 * RTMP_OK, or MALFORMED when a count or FrameNumOffset leaves the 32-bit
 * range 8.2.1 bounds them to (st is then unchanged).
 *
 * memory_management_control_operation 5 (which restarts the counts like an
 * IDR) sits past the fields h264_slice_parse reads, so it is not seen:
 * pictures after one get counts continued from before it. x264 and ffmpeg
 * never write it.
 */
int h264_poc_compute(struct h264_poc *st, const struct h264_sps *sps,
		     const struct h264_slice *sh, int32_t *poc);

/*
 * Presentation order from decoding order, for tools that must give each
 * frame its presentation time as they send it in decoding order (FLV's
 * composition time). Feed access units in decoding order with their
 * PicOrderCnt; each one's offset becomes known once the frames that may
 * still be presented before it have been seen:
 *
 *   offset = (presentation rank) + depth - (decoding rank)   [frames]
 *
 * so that presentation time = (decoding rank + offset) * frame duration
 * puts the first frame at depth frames, ffmpeg's convention (its FLV and
 * MP4 output of x264 starts with a composition time of the reorder delay).
 * The offset is never negative, whatever the input.
 *
 * Ranks come from the output process of C.4.5.3 with a delay of depth
 * frames: once more than depth frames wait, the one with the smallest count
 * is next in presentation order, which is exact for every stream whose
 * max_num_reorder_frames is at most depth. An IDR first presents
 * everything before it.
 *
 * A frame's offset is known when it is ranked and every frame before it in
 * decoding order was handed out; a frame with a high count (a P frame
 * before a run of B frames) can hold the ones after it back. At most
 * H264_REORDER_LOOKAHEAD + depth frames may follow an unranked one: a push
 * past that is LIMIT (h264_reorder_flush then ranks what waits, in count
 * order, and lets the stream go on).
 */
#define H264_REORDER_MAX_DEPTH 16 /* MaxDpbFrames is at most 16 (A.3.1) */
#define H264_REORDER_LOOKAHEAD 16
#define H264_REORDER_MAX_HELD \
	(1 + H264_REORDER_LOOKAHEAD + H264_REORDER_MAX_DEPTH)

struct h264_reorder {
	unsigned depth; /* 0..H264_REORDER_MAX_DEPTH; zeroed struct: 0 */
	/* private: units not handed out yet, a ring in decoding order */
	struct {
		int32_t poc;
		int ranked;
		uint64_t rank;
	} u[H264_REORDER_MAX_HELD];
	unsigned head, n, pending; /* pending: held without a rank */
	uint64_t decoded;	   /* decoding rank of u[head] */
	uint64_t ranks;		   /* presentation ranks given so far */
};

/* RTMP_OK, or LIMIT for a depth above H264_REORDER_MAX_DEPTH. */
int h264_reorder_init(struct h264_reorder *r, unsigned depth);
/*
 * The next access unit in decoding order. Pop what is ready first: RTMP_OK,
 * or LIMIT (not taken) when H264_REORDER_LOOKAHEAD + depth units already
 * follow one whose rank is unknown, or when that many are held unpopped.
 */
int h264_reorder_push(struct h264_reorder *r, int32_t poc, int idr);
/* 1 and *offset for the oldest unit when its offset is known, else 0. */
int h264_reorder_pop(struct h264_reorder *r, unsigned *offset);
/* End of stream (or after LIMIT): rank every waiting unit. */
void h264_reorder_flush(struct h264_reorder *r);

/* "IDR", "SPS"...; "NAL" for the rest. */
const char *h264_nal_name(uint8_t type);

#endif
