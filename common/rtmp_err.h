/*
 * Return codes shared by every module of the codec layer.
 *
 * The contract (after picohttpparser): a decoder returns the number of bytes
 * it consumed (>= 0) or one of the negative codes below.
 *
 *   RTMP_ERR_NEED_MORE   the input is a valid prefix; call again with more
 *                        bytes. Stateless decoders have consumed nothing.
 *   RTMP_ERR_MALFORMED   the input violates the format; more bytes will not
 *                        help.
 *   RTMP_ERR_LIMIT       the input is well formed but exceeds a configured
 *                        cap (message size, nesting depth, item count...).
 *   RTMP_ERR_NOSPACE     the caller's output or node storage is too small.
 *   RTMP_ERR_NOMEM       an allocation failed.
 *   RTMP_ERR_UNSUPPORTED the input uses a feature this library does not
 *                        implement (AMF3 values, encrypted handshake...).
 *
 * Encoders take (uint8_t *p, uint8_t *end) and return the new p, or NULL when
 * out of room; they pass a NULL p through, so a chain of puts is checked once.
 */
#ifndef RTMP_ERR_H
#define RTMP_ERR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum rtmp_err {
	RTMP_OK = 0,
	RTMP_ERR_NEED_MORE = -1,
	RTMP_ERR_MALFORMED = -2,
	RTMP_ERR_LIMIT = -3,
	RTMP_ERR_NOSPACE = -4,
	RTMP_ERR_NOMEM = -5,
	RTMP_ERR_UNSUPPORTED = -6,
};

/* A byte string that points into a buffer the caller owns. */
struct rtmp_str {
	const uint8_t *p;
	size_t len;
};

/* Static English text for a code above; "unknown error" for anything else. */
const char *rtmp_strerror(int err);

/* 1 when s equals the NUL-terminated literal lit. */
int rtmp_str_eq(struct rtmp_str s, const char *lit);

#endif
