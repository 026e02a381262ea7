/*
 * Length-prefixed (AVCC, ISO 14496-15 5.3.4.2) NAL units as carried in FLV
 * and RTMP, and their conversion to Annex B (ITU-T H.264 annex B) the way
 * ffmpeg's h264_mp4toannexb bitstream filter does it, so that extracted
 * streams compare byte for byte with ffmpeg's. No I/O.
 *
 * Generic (rtmppull writing .h264 needs the same) and the mirror image of
 * annexb.h: it should move into common/annexb.[ch].
 */
#ifndef DUMPFLV_AVCC_H
#define DUMPFLV_AVCC_H

#include "flv.h"
#include "rtmp_err.h"

/*
 * The NAL unit at p: its length field (length_size bytes: 1, 2 or 4) and
 * bytes. Returns bytes consumed, NEED_MORE when p holds less than a length
 * field, MALFORMED when the length runs past len.
 */
ssize_t avcc_next_nal(const uint8_t *p, size_t len, unsigned length_size,
		      struct rtmp_str *nal);

/*
 * Annex B writer state. ps holds the parameter sets of the last
 * AVCDecoderConfigurationRecord as Annex B (4-byte start codes), SPS first.
 */
struct avcc_to_annexb {
	uint8_t *ps;
	size_t ps_len, sps_len; /* ps[0..sps_len) are the SPSs */
	unsigned length_size;
	int have_config;
	int new_idr, sps_seen, pps_seen; /* as in h264_mp4toannexb */
};

void avcc_to_annexb_init(struct avcc_to_annexb *x);
void avcc_to_annexb_free(struct avcc_to_annexb *x);
/* Take SPS/PPS and the NAL length size from a parsed configuration. */
int avcc_to_annexb_config(struct avcc_to_annexb *x,
			  const struct avc_config *cfg);
/*
 * Convert one access unit (AVCC NALs) to Annex B into out[0..cap): SPS/PPS
 * inserted before the first IDR slice of a keyframe that does not carry
 * them. Returns the bytes written, MALFORMED for a bad NAL length, NOSPACE
 * when out is too small. With out NULL it returns the size needed and
 * leaves the state alone.
 */
ssize_t avcc_to_annexb_au(struct avcc_to_annexb *x, const uint8_t *p,
			  size_t len, uint8_t *out, size_t cap);

#endif
