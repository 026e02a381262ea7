/*
 * rtmp[s]://host[:port]/app[/instance]/stream[?query]
 *
 * host: a name, an IPv4 address or an [IPv6] literal. Port defaults to 1935
 * (rtmp) or 443 (rtmps). The last path segment is the stream; what precedes
 * it is the app, which may hold one '/' (app/instance, as in
 * rtmp://h/live/inst/stream). A URL with only one path segment has an app and
 * an empty stream (a client that needs a stream reports that). The query
 * after '?' is kept apart from the stream name; tcUrl is
 * rtmp[s]://host[:port]/app (the port only when given).
 */
#ifndef RTMP_URL_H
#define RTMP_URL_H

#include "rtmp_err.h"

#define RTMP_URL_MAX_HOST   255
#define RTMP_URL_MAX_APP    255
#define RTMP_URL_MAX_STREAM 1023
#define RTMP_URL_MAX_QUERY  1023
#define RTMP_URL_MAX_TCURL  600

struct rtmp_url {
	int tls;			  /* rtmps:// */
	int ipv6;			  /* host was [literal] */
	char host[RTMP_URL_MAX_HOST + 1]; /* without brackets */
	uint16_t port;
	int port_given;
	char app[RTMP_URL_MAX_APP + 1];
	char stream[RTMP_URL_MAX_STREAM + 1]; /* without the query */
	char query[RTMP_URL_MAX_QUERY + 1];   /* without '?', may be empty */
	char tcurl[RTMP_URL_MAX_TCURL + 1];
};

/*
 * Parse s. On failure returns RTMP_ERR_MALFORMED (or LIMIT for an overlong
 * part) and puts a one-line reason ("missing host", "port out of range",
 * "unsupported scheme 'http'") in err.
 */
int rtmp_url_parse(const char *s, struct rtmp_url *u, char *err, size_t errlen);

/* stream plus "?query" when there is one (what play/publish carry). */
int rtmp_url_stream_with_query(const struct rtmp_url *u, char *out,
			       size_t outlen);

#endif
