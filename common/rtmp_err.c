#include <string.h>

#include "rtmp_err.h"

const char *
rtmp_strerror(int err)
{
	switch (err) {
	case RTMP_OK:
		return "success";
	case RTMP_ERR_NEED_MORE:
		return "truncated input (more bytes needed)";
	case RTMP_ERR_MALFORMED:
		return "malformed input";
	case RTMP_ERR_LIMIT:
		return "input exceeds a configured limit";
	case RTMP_ERR_NOSPACE:
		return "output buffer too small";
	case RTMP_ERR_NOMEM:
		return "out of memory";
	case RTMP_ERR_UNSUPPORTED:
		return "unsupported feature";
	}
	return "unknown error";
}

int
rtmp_str_eq(struct rtmp_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}
