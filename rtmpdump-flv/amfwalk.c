#include <string.h>

#include "amfwalk.h"
#include "bytes.h"

int
amf0_walk_begin(struct amf0_walk *w, const uint8_t *p, size_t len,
		const struct amf0_limits *lim)
{
	memset(w, 0, sizeof(*w));
	if (lim != NULL)
		w->lim = *lim;
	if (len < 1)
		return RTMP_ERR_NEED_MORE;
	w->p = p;
	w->len = len;
	if (p[0] == AMF0_OBJECT) {
		w->pos = 1;
	} else if (p[0] == AMF0_ECMA_ARRAY) {
		/* The count is informative only (interop-notes: decode up to
		 * the end marker and do not trust it). */
		if (len < 5)
			return RTMP_ERR_NEED_MORE;
		w->pos = 5;
	} else {
		return RTMP_ERR_MALFORMED;
	}
	return RTMP_OK;
}

int
amf0_walk_next(struct amf0_walk *w, struct rtmp_str *key, const uint8_t **v,
	       size_t *vlen)
{
	size_t klen, left = w->len - w->pos;
	const uint8_t *q = w->p + w->pos;
	ssize_t n;

	/* AMF0 2.5: UTF-8-empty followed by object-end-marker ends it. */
	if (left < 2)
		return RTMP_ERR_NEED_MORE;
	klen = rd_be16(q);
	if (klen == 0) {
		if (left < 3)
			return RTMP_ERR_NEED_MORE;
		if (q[2] == AMF0_OBJECT_END) {
			w->pos += 3;
			return 0;
		}
	}
	if (left < 2 + klen)
		return RTMP_ERR_NEED_MORE;
	key->p = q + 2;
	key->len = klen;
	*v = q + 2 + klen;
	*vlen = 0;
	n = amf0_skip(*v, left - 2 - klen, &w->lim);
	if (n < 0)
		return (int)n;
	*vlen = (size_t)n;
	w->pos += 2 + klen + (size_t)n;
	return 1;
}
