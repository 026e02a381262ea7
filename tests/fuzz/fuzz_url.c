/*
 * URL parser fuzzer: never crashes, always leaves NUL-terminated fields and
 * error text, and a parsed URL rebuilt from its tcUrl, stream and query
 * parses back to the same fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char rebuilt[RTMP_URL_MAX_TCURL + RTMP_URL_MAX_STREAM +
			    RTMP_URL_MAX_QUERY + 8];
	struct rtmp_url u, v;
	char err[96], out[RTMP_URL_MAX_STREAM + RTMP_URL_MAX_QUERY + 2];
	char *s;
	int rc;

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(err, 'x', sizeof(err));
	rc = rtmp_url_parse(s, &u, err, sizeof(err));
	free(s);

	CHECK(TERMINATED(u.tcurl) && TERMINATED(u.host) && TERMINATED(u.app) &&
	      TERMINATED(u.stream) && TERMINATED(u.query));
	CHECK(TERMINATED(err));
	CHECK(strchr(err, '\n') == NULL);
	if (rc != RTMP_OK) {
		CHECK(rc == RTMP_ERR_MALFORMED || rc == RTMP_ERR_LIMIT);
		CHECK(err[0] != '\0' && u.tcurl[0] == '\0');
		return 0;
	}
	CHECK(err[0] == '\0');
	CHECK(u.host[0] != '\0' && u.app[0] != '\0' && u.port != 0);
	CHECK(strncmp(u.tcurl, u.tls ? "rtmps://" : "rtmp://", u.tls ? 8 : 7) ==
	      0);
	CHECK(rtmp_url_stream_with_query(&u, out, sizeof(out)) == RTMP_OK);

	snprintf(rebuilt, sizeof(rebuilt), "%s/%s%s%s", u.tcurl, u.stream,
		 u.query[0] ? "?" : "", u.query);
	CHECK(rtmp_url_parse(rebuilt, &v, NULL, 0) == RTMP_OK);
	CHECK(u.tls == v.tls && u.ipv6 == v.ipv6 && u.port == v.port &&
	      u.port_given == v.port_given);
	CHECK(strcmp(u.host, v.host) == 0 && strcmp(u.app, v.app) == 0 &&
	      strcmp(u.stream, v.stream) == 0 &&
	      strcmp(u.query, v.query) == 0 && strcmp(u.tcurl, v.tcurl) == 0);
	return 0;
}
