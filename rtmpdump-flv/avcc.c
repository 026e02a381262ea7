#include <stdlib.h>
#include <string.h>

#include "avcc.h"
#include "bytes.h"
#include "h264.h"

ssize_t
avcc_next_nal(const uint8_t *p, size_t len, unsigned length_size,
	      struct rtmp_str *nal)
{
	size_t n = 0;
	unsigned i;

	if (length_size < 1 || length_size > 4)
		return RTMP_ERR_MALFORMED;
	if (len < length_size)
		return RTMP_ERR_NEED_MORE;
	for (i = 0; i < length_size; i++)
		n = n << 8 | p[i];
	if (n > len - length_size)
		return RTMP_ERR_MALFORMED;
	nal->p = p + length_size;
	nal->len = n;
	return (ssize_t)(length_size + n);
}

void
avcc_to_annexb_init(struct avcc_to_annexb *x)
{
	memset(x, 0, sizeof(*x));
	x->new_idr = 1; /* h264_mp4toannexb starts expecting an IDR */
}

void
avcc_to_annexb_free(struct avcc_to_annexb *x)
{
	free(x->ps);
	memset(x, 0, sizeof(*x));
}

int
avcc_to_annexb_config(struct avcc_to_annexb *x, const struct avc_config *cfg)
{
	static const uint8_t sc[4] = {0, 0, 0, 1};
	size_t need = 0, i;
	unsigned nsps = cfg->nsps < AVC_MAX_PS ? cfg->nsps : AVC_MAX_PS;
	unsigned npps = cfg->npps < AVC_MAX_PS ? cfg->npps : AVC_MAX_PS;
	uint8_t *ps, *p;

	for (i = 0; i < nsps; i++)
		need += 4 + cfg->sps[i].len;
	for (i = 0; i < npps; i++)
		need += 4 + cfg->pps[i].len;
	ps = malloc(need > 0 ? need : 1);
	if (ps == NULL)
		return RTMP_ERR_NOMEM;
	p = ps;
	for (i = 0; i < nsps; i++) {
		memcpy(p, sc, 4);
		memcpy(p + 4, cfg->sps[i].p, cfg->sps[i].len);
		p += 4 + cfg->sps[i].len;
	}
	x->sps_len = (size_t)(p - ps);
	for (i = 0; i < npps; i++) {
		memcpy(p, sc, 4);
		memcpy(p + 4, cfg->pps[i].p, cfg->pps[i].len);
		p += 4 + cfg->pps[i].len;
	}
	free(x->ps);
	x->ps = ps;
	x->ps_len = need;
	x->length_size = cfg->nal_length_size;
	x->have_config = 1;
	return RTMP_OK;
}

struct emit {
	uint8_t *out;
	size_t cap, n;
	int full;
};

static void
emit(struct emit *e, const uint8_t *p, size_t len, int start_code)
{
	static const uint8_t sc[4] = {0, 0, 0, 1};

	/* h264_mp4toannexb: 4-byte start codes for the first NAL of a packet
	 * and for parameter sets, 3-byte ones otherwise. */
	size_t scl = start_code < 0 ? 0 : (e->n == 0 || start_code) ? 4 : 3;

	if (e->out != NULL) {
		if (e->cap - e->n < scl + len) {
			e->full = 1;
			return;
		}
		memcpy(e->out + e->n, sc + 4 - scl, scl);
		if (len > 0)
			memcpy(e->out + e->n + scl, p, len);
	}
	e->n += scl + len;
}

ssize_t
avcc_to_annexb_au(struct avcc_to_annexb *x, const uint8_t *p, size_t len,
		  uint8_t *out, size_t cap)
{
	struct emit e = {out, cap, 0, 0};
	int new_idr = x->new_idr, sps_seen = x->sps_seen,
	    pps_seen = x->pps_seen;
	size_t pos = 0;

	while (pos < len) {
		struct rtmp_str nal;
		ssize_t n =
		    avcc_next_nal(p + pos, len - pos, x->length_size, &nal);
		uint8_t type;

		if (n < 0)
			return RTMP_ERR_MALFORMED;
		pos += (size_t)n;
		if (nal.len == 0)
			continue;
		type = nal.p[0] & 0x1f;
		if (type == H264_NAL_SPS) {
			sps_seen = new_idr = 1;
		} else if (type == H264_NAL_PPS) {
			pps_seen = new_idr = 1;
			if (!sps_seen && x->sps_len > 0) {
				emit(&e, x->ps, x->sps_len, -1);
				sps_seen = 1;
			}
		}
		/* A new IDR picture right after another: first_mb_in_slice
		 * == 0 (its ue(v) is the single bit 1). */
		if (!new_idr && type == H264_NAL_IDR && nal.len > 1 &&
		    (nal.p[1] & 0x80))
			new_idr = 1;
		if (new_idr && type == H264_NAL_IDR && !sps_seen && !pps_seen) {
			emit(&e, x->ps, x->ps_len, -1);
			new_idr = 0;
		} else if (new_idr && type == H264_NAL_IDR && sps_seen &&
			   !pps_seen) {
			emit(&e, x->ps + x->sps_len, x->ps_len - x->sps_len,
			     -1);
		}
		emit(&e, nal.p, nal.len,
		     type == H264_NAL_SPS || type == H264_NAL_PPS);
		if (!new_idr && type == H264_NAL_SLICE) {
			new_idr = 1;
			sps_seen = pps_seen = 0;
		}
	}
	if (out == NULL)
		return (ssize_t)e.n;
	if (e.full)
		return RTMP_ERR_NOSPACE;
	x->new_idr = new_idr;
	x->sps_seen = sps_seen;
	x->pps_seen = pps_seen;
	return (ssize_t)e.n;
}
