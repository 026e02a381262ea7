/*
 * RTMP URL parser; see rtmp_url.h for the accepted form. Names are passed
 * through as written: no percent-decoding, as ffmpeg and librtmp send the
 * app and stream names to the server verbatim.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rtmp_url.h"

#define RTMP_URL_PORT	  1935 /* IANA-registered; ffmpeg's default too */
#define RTMP_URL_PORT_TLS 443
#define RTMP_URL_PORT_MAX 65535
/* How much of an offending piece of input an error message quotes. */
#define RTMP_URL_QUOTE_MAX 32

static int rtmp_url_fail(char *err, size_t errlen, int code, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));

static int
rtmp_url_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Copy at most RTMP_URL_QUOTE_MAX bytes of p into q with anything that could
 * break a one-line message replaced by '?'. */
static const char *
rtmp_url_quote(char q[RTMP_URL_QUOTE_MAX + 4], const char *p, size_t n)
{
	size_t i, m = n > RTMP_URL_QUOTE_MAX ? RTMP_URL_QUOTE_MAX : n;

	for (i = 0; i < m; i++)
		q[i] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?';
	if (m < n) {
		memcpy(q + m, "...", 4);
	} else {
		q[m] = '\0';
	}
	return q;
}

static int
rtmp_url_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
rtmp_url_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
rtmp_url_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
rtmp_url_is_hex(int c)
{
	return rtmp_url_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int
rtmp_url_is_ctl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

/* RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static int
rtmp_url_is_scheme(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || !rtmp_url_is_alpha((unsigned char)p[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!rtmp_url_is_alpha((unsigned char)p[i]) &&
		    !rtmp_url_is_digit((unsigned char)p[i]) && p[i] != '+' &&
		    p[i] != '-' && p[i] != '.')
			return 0;
	return 1;
}

static int
rtmp_url_scheme_is(const char *p, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (rtmp_url_lower((unsigned char)p[i]) != lit[i])
			return 0;
	return 1;
}

/* Dotted quad, each part 0..255 in at most three digits. */
static int
rtmp_url_is_ipv4(const char *p, size_t n)
{
	size_t i, digits = 0, dots = 0;
	unsigned v = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (digits == 0 || ++dots > 3)
				return 0;
			digits = 0;
			v = 0;
		} else if (rtmp_url_is_digit((unsigned char)p[i]) &&
			   digits < 3) {
			digits++;
			v = v * 10 + (unsigned)(p[i] - '0');
			if (v > 255)
				return 0;
		} else {
			return 0;
		}
	}
	return dots == 3 && digits > 0;
}

/*
 * RFC 4291 section 2.2 text forms: up to eight hex groups of 1..4 digits,
 * at most one "::", optionally a dotted IPv4 tail. Zone ids (RFC 6874) are
 * not accepted: no RTMP client sends them.
 */
static int
rtmp_url_is_ipv6(const char *p, size_t n)
{
	size_t i = 0, groups = 0, digits;
	int gap = 0;

	if (n >= 2 && p[0] == ':' && p[1] == ':') {
		gap = 1;
		i = 2;
		if (i == n)
			return 1;
	} else if (n >= 1 && p[0] == ':') {
		return 0;
	}
	while (i < n) {
		for (digits = 0; i + digits < n && digits < 5 &&
				 rtmp_url_is_hex((unsigned char)p[i + digits]);
		     digits++)
			;
		if (i + digits < n && p[i + digits] == '.') {
			/* dotted IPv4 tail: two groups' worth, and last */
			if (!rtmp_url_is_ipv4(p + i, n - i))
				return 0;
			groups += 2;
			i = n;
			break;
		}
		if (digits == 0 || digits > 4)
			return 0;
		groups++;
		i += digits;
		if (i == n)
			break;
		if (p[i] != ':')
			return 0;
		i++;
		if (i < n && p[i] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return 0;
		}
	}
	return gap ? groups <= 7 : groups == 8;
}

/* A host name or IPv4 address: LDH labels plus '_', which real deployments
 * use in internal names. */
static int
rtmp_url_host_char(int c)
{
	return rtmp_url_is_alpha(c) || rtmp_url_is_digit(c) || c == '-' ||
	       c == '.' || c == '_';
}

static int
rtmp_url_parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!rtmp_url_is_digit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
		if (v > RTMP_URL_PORT_MAX)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Copy a path piece into a fixed field after the checks every name gets. */
static int
rtmp_url_copy_name(char *dst, size_t cap, const char *p, size_t n,
		   const char *what, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rtmp_url_is_ctl((unsigned char)p[i]))
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "control character 0x%02x in %s",
					     (unsigned char)p[i], what);
	if (n > cap)
		return rtmp_url_fail(err, errlen, RTMP_ERR_LIMIT,
				     "%s too long (%zu bytes, at most %zu)",
				     what, n, cap);
	memcpy(dst, p, n);
	dst[n] = '\0';
	return RTMP_OK;
}

static int
rtmp_url_parse_host(struct rtmp_url *u, const char *a, size_t n, char *err,
		    size_t errlen)
{
	char q[RTMP_URL_QUOTE_MAX + 4];
	const char *host = a, *port = NULL, *close, *colon;
	size_t hostlen, portlen = 0, i;

	if (memchr(a, '@', n) != NULL)
		return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
				     "user name in URL not supported");
	if (n > 0 && a[0] == '[') {
		close = memchr(a, ']', n);
		if (close == NULL)
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "missing ']' after IPv6 address");
		host = a + 1;
		hostlen = (size_t)(close - host);
		if (hostlen == 0)
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "missing host");
		if (!rtmp_url_is_ipv6(host, hostlen))
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "bad IPv6 address '%s'",
					     rtmp_url_quote(q, host, hostlen));
		if (close + 1 < a + n) {
			if (close[1] != ':')
				return rtmp_url_fail(
				    err, errlen, RTMP_ERR_MALFORMED,
				    "unexpected '%s' after IPv6 address",
				    rtmp_url_quote(
					q, close + 1,
					(size_t)(a + n - close - 1)));
			port = close + 2;
			portlen = (size_t)(a + n - port);
		}
		u->ipv6 = 1;
	} else {
		colon = memchr(a, ':', n);
		hostlen = colon != NULL ? (size_t)(colon - a) : n;
		if (colon != NULL) {
			port = colon + 1;
			portlen = (size_t)(a + n - port);
			if (memchr(port, ':', portlen) != NULL)
				return rtmp_url_fail(
				    err, errlen, RTMP_ERR_MALFORMED,
				    "IPv6 address must be in brackets "
				    "(rtmp://[::1]/app)");
		}
		if (hostlen == 0)
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "missing host");
		for (i = 0; i < hostlen; i++) {
			unsigned char c = (unsigned char)host[i];

			if (rtmp_url_host_char(c))
				continue;
			if (c >= 0x20 && c < 0x7f)
				return rtmp_url_fail(
				    err, errlen, RTMP_ERR_MALFORMED,
				    "invalid character '%c' in host", c);
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "invalid character 0x%02x in host",
					     c);
		}
	}
	if (hostlen > RTMP_URL_MAX_HOST)
		return rtmp_url_fail(err, errlen, RTMP_ERR_LIMIT,
				     "host too long (%zu bytes, at most %d)",
				     hostlen, RTMP_URL_MAX_HOST);
	memcpy(u->host, host, hostlen);
	u->host[hostlen] = '\0';

	if (port != NULL) {
		if (rtmp_url_parse_port(port, portlen, &u->port) != 0)
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "bad port '%s'",
					     rtmp_url_quote(q, port, portlen));
		u->port_given = 1;
	} else {
		u->port = u->tls ? RTMP_URL_PORT_TLS : RTMP_URL_PORT;
	}
	return RTMP_OK;
}

/*
 * path is what follows the host's '/' up to the query: app[/instance]/stream
 * or just app.
 */
static int
rtmp_url_parse_path(struct rtmp_url *u, const char *path, size_t n, char *err,
		    size_t errlen)
{
	const char *last, *first;
	size_t applen;
	int rc;

	last = NULL;
	first = memchr(path, '/', n);
	if (first != NULL) {
		/* the last '/' splits app from stream */
		for (last = path + n - 1; *last != '/'; last--)
			;
		applen = (size_t)(last - path);
	} else {
		applen = n;
	}
	if (applen == 0 || first == path)
		return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
				     "missing application name");
	if (first != NULL && first != last) {
		if (memchr(first + 1, '/',
			   applen - (size_t)(first + 1 - path)) != NULL)
			return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
					     "too many path segments (expected "
					     "app[/instance]/stream)");
		if (first + 1 == last)
			return rtmp_url_fail(
			    err, errlen, RTMP_ERR_MALFORMED,
			    "empty application instance (\"//\" in path)");
	}
	rc = rtmp_url_copy_name(u->app, RTMP_URL_MAX_APP, path, applen,
				"application name", err, errlen);
	if (rc != RTMP_OK)
		return rc;
	if (last == NULL)
		return RTMP_OK;
	return rtmp_url_copy_name(u->stream, RTMP_URL_MAX_STREAM, last + 1,
				  (size_t)(path + n - last - 1), "stream name",
				  err, errlen);
}

static int
rtmp_url_parse1(const char *s, struct rtmp_url *u, char *err, size_t errlen)
{
	char q[RTMP_URL_QUOTE_MAX + 4];
	const char *sep, *auth, *authend, *path, *query;
	size_t schemelen, authlen, pathlen;
	int rc, n;

	if (s == NULL || *s == '\0')
		return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
				     "empty URL");
	sep = strstr(s, "://");
	if (sep == NULL) {
		/* "rtmp:/h/app" and "rtmp:h/app" are typos; "h:1935/app" is
		 * a URL without a scheme */
		sep = strchr(s, ':');
		if (sep != NULL &&
		    (rtmp_url_scheme_is(s, (size_t)(sep - s), "rtmp") ||
		     rtmp_url_scheme_is(s, (size_t)(sep - s), "rtmps")))
			return rtmp_url_fail(
			    err, errlen, RTMP_ERR_MALFORMED,
			    "missing '//' after '%s:'",
			    rtmp_url_quote(q, s, (size_t)(sep - s)));
		sep = NULL;
	}
	if (sep == NULL || !rtmp_url_is_scheme(s, (size_t)(sep - s)))
		return rtmp_url_fail(
		    err, errlen, RTMP_ERR_MALFORMED,
		    "missing scheme (expected rtmp:// or rtmps://)");
	schemelen = (size_t)(sep - s);
	if (rtmp_url_scheme_is(s, schemelen, "rtmps"))
		u->tls = 1;
	else if (!rtmp_url_scheme_is(s, schemelen, "rtmp"))
		return rtmp_url_fail(
		    err, errlen, RTMP_ERR_MALFORMED,
		    "unsupported scheme '%s' (expected rtmp:// or rtmps://)",
		    rtmp_url_quote(q, s, schemelen));

	auth = sep + 3;
	authlen = strcspn(auth, "/?");
	authend = auth + authlen;
	rc = rtmp_url_parse_host(u, auth, authlen, err, errlen);
	if (rc != RTMP_OK)
		return rc;

	if (*authend != '/')
		return rtmp_url_fail(err, errlen, RTMP_ERR_MALFORMED,
				     "missing application name");
	path = authend + 1;
	pathlen = strcspn(path, "?");
	query = path[pathlen] == '?' ? path + pathlen + 1 : NULL;
	rc = rtmp_url_parse_path(u, path, pathlen, err, errlen);
	if (rc != RTMP_OK)
		return rc;
	if (query != NULL) {
		rc = rtmp_url_copy_name(u->query, RTMP_URL_MAX_QUERY, query,
					strlen(query), "query", err, errlen);
		if (rc != RTMP_OK)
			return rc;
	}

	/* tcUrl as ffmpeg and librtmp send it in connect: the scheme in lower
	 * case, the host as written, the port only when the URL had one */
	if (u->port_given)
		n = snprintf(u->tcurl, sizeof(u->tcurl), "%s://%s%s%s:%u/%s",
			     u->tls ? "rtmps" : "rtmp", u->ipv6 ? "[" : "",
			     u->host, u->ipv6 ? "]" : "", (unsigned)u->port,
			     u->app);
	else
		n = snprintf(u->tcurl, sizeof(u->tcurl), "%s://%s%s%s/%s",
			     u->tls ? "rtmps" : "rtmp", u->ipv6 ? "[" : "",
			     u->host, u->ipv6 ? "]" : "", u->app);
	if (n < 0 || (size_t)n >= sizeof(u->tcurl))
		return rtmp_url_fail(err, errlen, RTMP_ERR_LIMIT,
				     "tcUrl too long (at most %d bytes)",
				     RTMP_URL_MAX_TCURL);
	return RTMP_OK;
}

int
rtmp_url_parse(const char *s, struct rtmp_url *u, char *err, size_t errlen)
{
	int rc;

	memset(u, 0, sizeof(*u));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	rc = rtmp_url_parse1(s, u, err, errlen);
	if (rc != RTMP_OK)
		memset(u, 0, sizeof(*u));
	return rc;
}

int
rtmp_url_stream_with_query(const struct rtmp_url *u, char *out, size_t outlen)
{
	int n;

	if (out == NULL || outlen == 0)
		return RTMP_ERR_NOSPACE;
	if (u->query[0] != '\0')
		n = snprintf(out, outlen, "%s?%s", u->stream, u->query);
	else
		n = snprintf(out, outlen, "%s", u->stream);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return RTMP_ERR_NOSPACE;
	}
	return RTMP_OK;
}
