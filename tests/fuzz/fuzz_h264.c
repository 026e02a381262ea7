/*
 * libFuzzer target for the H.264 header parsers, picture order counts and
 * reordering. The first input byte is the reorder depth (mod 17); the rest
 * is a list of NAL units, each a length byte then that many bytes. Every
 * unit goes through the SPS, PPS and slice parsers (each on an exact-size
 * heap copy); the last SPS and PPS that parsed are the ones slices are read
 * with; each slice that parses is counted and reordered. Checked: values
 * within the ranges the parsers promise, offsets never negative, every
 * pushed unit popped once, and presentation ranks a permutation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h264.h"

struct fz_state {
	struct h264_sps sps;
	struct h264_pps pps;
	struct h264_poc poc;
	struct h264_reorder ro;
	uint64_t pushed, popped;
	uint8_t *seen; /* presentation ranks handed out */
	size_t seen_len;
};

static void
fz_pop(struct fz_state *st)
{
	unsigned off;
	uint64_t rank;

	while (h264_reorder_pop(&st->ro, &off)) {
		/* rank = decoding rank + offset - depth, never negative */
		if (st->popped + off < st->ro.depth)
			abort();
		rank = st->popped + off - st->ro.depth;
		if (rank >= st->seen_len || st->seen[rank])
			abort();
		st->seen[rank] = 1;
		if (off > H264_REORDER_MAX_HELD + H264_REORDER_MAX_DEPTH)
			abort();
		st->popped++;
	}
}

static void
fz_sps(struct fz_state *st, const uint8_t *q, size_t n)
{
	struct h264_sps s;
	unsigned depth;

	if (h264_sps_parse(q, n, &s) != RTMP_OK)
		return;
	if (s.log2_max_frame_num < 4 || s.log2_max_frame_num > 16 ||
	    (s.pic_order_cnt_type == 0 &&
	     (s.log2_max_poc_lsb < 4 || s.log2_max_poc_lsb > 16)) ||
	    s.pic_order_cnt_type > 2 ||
	    s.num_ref_frames_in_poc_cycle > H264_POC_CYCLE_MAX ||
	    s.pic_width_mbs == 0 || s.frame_height_mbs == 0)
		abort();
	if (s.has_reorder &&
	    (s.max_num_reorder_frames > s.max_dec_frame_buffering ||
	     s.max_dec_frame_buffering > H264_REORDER_MAX_DEPTH))
		abort();
	depth = h264_sps_reorder_depth(&s);
	if (depth > H264_REORDER_MAX_DEPTH)
		abort();
	st->sps = s;
}

static void
fz_slice(struct fz_state *st, const uint8_t *q, size_t n)
{
	struct h264_slice sh;
	struct h264_poc before = st->poc;
	int32_t poc;
	int r;

	r = h264_slice_parse(q, n, &st->sps, &st->pps, &sh);
	if (r == RTMP_ERR_UNSUPPORTED && sh.pps_id == st->pps.pps_id &&
	    st->pps.sps_id == st->sps.sps_id)
		abort();
	if (r != RTMP_OK)
		return;
	if (sh.slice_type > 9 || sh.pps_id != st->pps.pps_id ||
	    sh.colour_plane_id > 2 || sh.idr_pic_id > 65535 ||
	    (sh.nal_unit_type == H264_NAL_IDR &&
	     (sh.nal_ref_idc == 0 || sh.frame_num != 0)) ||
	    (uint64_t)sh.first_mb_in_slice >=
		(uint64_t)st->sps.pic_width_mbs * st->sps.frame_height_mbs)
		abort();
	r = h264_poc_compute(&st->poc, &st->sps, &sh, &poc);
	if (r != RTMP_OK) {
		if (r != RTMP_ERR_MALFORMED ||
		    memcmp(&before, &st->poc, sizeof(before)) != 0)
			abort();
		return;
	}
	r = h264_reorder_push(&st->ro, poc, sh.nal_unit_type == H264_NAL_IDR);
	if (r == RTMP_ERR_LIMIT) {
		h264_reorder_flush(&st->ro);
		fz_pop(st);
		r = h264_reorder_push(&st->ro, poc,
				      sh.nal_unit_type == H264_NAL_IDR);
	}
	if (r != RTMP_OK)
		abort();
	st->pushed++;
	fz_pop(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_state st;
	struct h264_pps p;
	size_t pos = 1, n;
	uint8_t *q;

	if (size < 1)
		return 0;
	memset(&st, 0, sizeof(st));
	if (h264_reorder_init(&st.ro, data[0] % (H264_REORDER_MAX_DEPTH + 1)) !=
	    RTMP_OK)
		abort();
	/* At most one slice per two input bytes. */
	st.seen_len = size / 2 + 1;
	st.seen = calloc(st.seen_len, 1);
	if (st.seen == NULL)
		abort();
	while (pos < size) {
		n = data[pos++];
		if (n > size - pos)
			n = size - pos;
		q = malloc(n ? n : 1);
		if (q == NULL)
			abort();
		memcpy(q, data + pos, n);
		pos += n;
		fz_sps(&st, q, n);
		if (h264_pps_parse(q, n, &p) == RTMP_OK) {
			if (p.pps_id > H264_PPS_ID_MAX || p.sps_id > 31)
				abort();
			st.pps = p;
		}
		fz_slice(&st, q, n);
		free(q);
	}
	h264_reorder_flush(&st.ro);
	fz_pop(&st);
	if (st.popped != st.pushed)
		abort();
	free(st.seen);
	return 0;
}
