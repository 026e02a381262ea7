/*
 * H.264 Annex B elementary stream framing (ITU-T H.264 annex B), no I/O:
 * start codes -> NAL units -> access units in the length-prefixed (AVCC,
 * 4-byte lengths) form that FLV/RTMP carry, plus the SPS/PPS needed for the
 * AVCDecoderConfigurationRecord.
 *
 * Access unit boundaries (7.4.1.2.3): an AUD; an SPS, PPS or SEI after a
 * slice of the current unit; a slice with first_mb_in_slice == 0 after a
 * slice of the current unit. A unit is a keyframe when it holds an IDR slice.
 * SPS and PPS NALs stay in the unit (as ffmpeg's FLV muxer keeps them); AUD
 * and filler NALs are dropped.
 *
 * Each unit also carries the picture order count of its first slice
 * (8.2.1), from the last SPS and PPS seen, for tools that must give frames
 * their presentation times (h264_reorder).
 */
#ifndef RTMP_ANNEXB_H
#define RTMP_ANNEXB_H

#include "h264.h"
#include "rtmp_err.h"

/*
 * Find the NAL unit starting at p (which may begin with a 3- or 4-byte
 * start code, or inside leading zero bytes). On success sets *nal to the NAL
 * bytes (header included, start code and trailing zero bytes excluded) and
 * returns the bytes consumed, which end just before the next start code.
 * When no next start code is in sight, returns NEED_MORE unless eof is set,
 * in which case the NAL runs to the end. MALFORMED when p holds bytes but no
 * start code at all (not Annex B) or a forbidden_zero_bit set.
 */
ssize_t annexb_next_nal(const uint8_t *p, size_t len, int eof,
			struct rtmp_str *nal);

#define ANNEXB_MAX_AU_DEFAULT (4u << 20) /* bytes in one access unit */
#define ANNEXB_MAX_PS	      256	 /* bytes of one SPS or PPS kept */

struct annexb_au {
	const uint8_t *data; /* AVCC bytes, valid until the next push */
	size_t len;
	int keyframe; /* holds an IDR slice */
	unsigned nals;
	/* Added: of the unit's first slice. */
	int ref;     /* nal_ref_idc is not 0: a reference picture */
	int idr;     /* an IDR slice (the same as keyframe when it is first) */
	int32_t poc; /* PicOrderCnt, when poc_err is RTMP_OK (else 0) */
	/* RTMP_OK; UNSUPPORTED when no SPS or PPS was read yet or the slice
	 * names others than the last ones; MALFORMED for a bad slice header
	 * or count. The unit is handed out all the same. */
	int poc_err;
};

struct annexb_framer {
	uint32_t max_au; /* 0 = ANNEXB_MAX_AU_DEFAULT */
	uint8_t *buf;	 /* current unit, owned */
	size_t len, cap;
	int has_slice, keyframe;
	unsigned nals;
	uint8_t *out; /* completed unit handed out, owned */
	size_t out_len, out_cap;
	uint8_t sps[ANNEXB_MAX_PS], pps[ANNEXB_MAX_PS];
	size_t sps_len, pps_len;  /* last seen, 0 when none yet */
	struct h264_sps sps_info; /* parsed last SPS */
	int sps_ok;
	/* Added for picture order counts. */
	struct h264_pps pps_info; /* parsed last PPS */
	int pps_ok;
	struct h264_poc poc;		   /* count state, in decoding order */
	int cur_ref, cur_idr, cur_poc_err; /* of the unit being built */
	int32_t cur_poc;
};

void annexb_framer_init(struct annexb_framer *f);
void annexb_framer_free(struct annexb_framer *f);

/*
 * Add one NAL unit. Returns 1 when it closed the previous access unit, which
 * is then in *au (and the NAL begins the next unit), 0 otherwise, or a
 * negative code (LIMIT when a unit exceeds max_au, NOMEM, MALFORMED for a
 * bad SPS).
 */
int annexb_framer_push(struct annexb_framer *f, const uint8_t *nal, size_t len,
		       struct annexb_au *au);
/* End of stream: hand out the last unit (1) or nothing (0). */
int annexb_framer_flush(struct annexb_framer *f, struct annexb_au *au);

#endif
