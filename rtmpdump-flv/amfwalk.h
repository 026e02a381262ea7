/*
 * Walk the members of an AMF0 object or ECMA array one at a time, without
 * storing the whole document. amf0_decode_all restores the node array on
 * any error, so a 10^6-entry `keyframes` array that does not fit the node
 * storage would hide every other onMetaData property; with this walker the
 * caller decodes each member on its own and prints what fits.
 *
 * Pure codec-layer code (no I/O), using amf0_skip for the values. It is
 * generic and should move into common/amf0.[ch].
 */
#ifndef DUMPFLV_AMFWALK_H
#define DUMPFLV_AMFWALK_H

#include "amf0.h"

struct amf0_walk {
	const uint8_t *p;
	size_t len, pos;
	struct amf0_limits lim;
};

/*
 * Start at the value at p, which must be an object (0x03) or ECMA array
 * (0x08). RTMP_OK, NEED_MORE, or MALFORMED for another marker.
 */
int amf0_walk_begin(struct amf0_walk *w, const uint8_t *p, size_t len,
		    const struct amf0_limits *lim);
/*
 * Next member: 1 with its key and the bytes of its value (*v, *vlen), 0 at
 * the object end marker (w->pos is then just past it), or a negative code
 * (NEED_MORE when the input ends without an end marker; what amf0_skip
 * returns for a bad value, in which case *v and the key are still set).
 */
int amf0_walk_next(struct amf0_walk *w, struct rtmp_str *key, const uint8_t **v,
		   size_t *vlen);

#endif
