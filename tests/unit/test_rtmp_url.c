/*
 * rtmp[s]://host[:port]/app[/instance]/stream[?query]: a table of good URLs
 * with every field, a table of bad ones with the reason, and the limits.
 */
#include <string.h>

#include "rtmp_url.h"
#include "tap.h"

struct good {
	const char *url;
	int tls, ipv6;
	const char *host;
	unsigned port;
	int port_given;
	const char *app, *stream, *query, *tcurl;
};

static const struct good good[] = {
    {"rtmp://localhost/live/stream", 0, 0, "localhost", 1935, 0, "live",
     "stream", "", "rtmp://localhost/live"},
    {"rtmp://[::1]:1936/live/x", 0, 1, "::1", 1936, 1, "live", "x", "",
     "rtmp://[::1]:1936/live"},
    {"rtmp://127.0.0.1/live/inst/stream?key=abc", 0, 0, "127.0.0.1", 1935, 0,
     "live/inst", "stream", "key=abc", "rtmp://127.0.0.1/live/inst"},
    {"rtmps://host/app/s", 1, 0, "host", 443, 0, "app", "s", "",
     "rtmps://host/app"},
    {"rtmp://host/app", 0, 0, "host", 1935, 0, "app", "", "",
     "rtmp://host/app"},
    {"rtmp://host/app/", 0, 0, "host", 1935, 0, "app", "", "",
     "rtmp://host/app"},
    {"rtmp://host/app/inst/", 0, 0, "host", 1935, 0, "app/inst", "", "",
     "rtmp://host/app/inst"},
    {"rtmp://host/app?x=1", 0, 0, "host", 1935, 0, "app", "", "x=1",
     "rtmp://host/app"},
    /* scheme is case-insensitive and normalised in tcUrl; host as written */
    {"RTMP://Example.COM:1935/Live/Key", 0, 0, "Example.COM", 1935, 1, "Live",
     "Key", "", "rtmp://Example.COM:1935/Live"},
    {"RtMpS://h:8443/a/b", 1, 0, "h", 8443, 1, "a", "b", "",
     "rtmps://h:8443/a"},
    {"rtmps://h:1935/a/b", 1, 0, "h", 1935, 1, "a", "b", "",
     "rtmps://h:1935/a"},
    /* everything after the first '?' is the query */
    {"rtmp://h/live/s?a=1?b=2/c", 0, 0, "h", 1935, 0, "live", "s", "a=1?b=2/c",
     "rtmp://h/live"},
    {"rtmp://h/live/key?", 0, 0, "h", 1935, 0, "live", "key", "",
     "rtmp://h/live"},
    /* names pass through: no percent-decoding, prefixes kept */
    {"rtmp://h/live/str%20eam", 0, 0, "h", 1935, 0, "live", "str%20eam", "",
     "rtmp://h/live"},
    {"rtmp://h/vod/mp4:file.mp4", 0, 0, "h", 1935, 0, "vod", "mp4:file.mp4", "",
     "rtmp://h/vod"},
    {"rtmp://h/live/name with space", 0, 0, "h", 1935, 0, "live",
     "name with space", "", "rtmp://h/live"},
    {"rtmp://h/li%2Fve/x", 0, 0, "h", 1935, 0, "li%2Fve", "x", "",
     "rtmp://h/li%2Fve"},
    {"rtmp://[2001:db8::1]/app/s", 0, 1, "2001:db8::1", 1935, 0, "app", "s", "",
     "rtmp://[2001:db8::1]/app"},
    {"rtmp://[::ffff:192.0.2.1]:1935/app/s", 0, 1, "::ffff:192.0.2.1", 1935, 1,
     "app", "s", "", "rtmp://[::ffff:192.0.2.1]:1935/app"},
    {"rtmp://[1:2:3:4:5:6:7:8]/a/s", 0, 1, "1:2:3:4:5:6:7:8", 1935, 0, "a", "s",
     "", "rtmp://[1:2:3:4:5:6:7:8]/a"},
    {"rtmp://[1:2:3:4:5:6:1.2.3.4]/a/s", 0, 1, "1:2:3:4:5:6:1.2.3.4", 1935, 0,
     "a", "s", "", "rtmp://[1:2:3:4:5:6:1.2.3.4]/a"},
    {"rtmp://[::]/a/s", 0, 1, "::", 1935, 0, "a", "s", "", "rtmp://[::]/a"},
    {"rtmp://[fe80::]/a/s", 0, 1, "fe80::", 1935, 0, "a", "s", "",
     "rtmp://[fe80::]/a"},
    {"rtmp://[1::2:3:4:5:6:7]/a/s", 0, 1, "1::2:3:4:5:6:7", 1935, 0, "a", "s",
     "", "rtmp://[1::2:3:4:5:6:7]/a"},
    {"rtmp://h:1/a/s", 0, 0, "h", 1, 1, "a", "s", "", "rtmp://h:1/a"},
    {"rtmp://h:65535/a/s", 0, 0, "h", 65535, 1, "a", "s", "",
     "rtmp://h:65535/a"},
    {"rtmp://h:01935/a/s", 0, 0, "h", 1935, 1, "a", "s", "", "rtmp://h:1935/a"},
    {"rtmp://my_host-1.example./a/s", 0, 0, "my_host-1.example.", 1935, 0, "a",
     "s", "", "rtmp://my_host-1.example./a"},
};

struct bad {
	const char *url;
	int code;
	const char *reason;
};

static const struct bad bad[] = {
    {"", RTMP_ERR_MALFORMED, "empty URL"},
    {"http://host/app/s", RTMP_ERR_MALFORMED,
     "unsupported scheme 'http' (expected rtmp:// or rtmps://)"},
    {"rtmpe://h/a/s", RTMP_ERR_MALFORMED,
     "unsupported scheme 'rtmpe' (expected rtmp:// or rtmps://)"},
    {"rtmpt://h/a/s", RTMP_ERR_MALFORMED,
     "unsupported scheme 'rtmpt' (expected rtmp:// or rtmps://)"},
    {"host/app/s", RTMP_ERR_MALFORMED,
     "missing scheme (expected rtmp:// or rtmps://)"},
    {"localhost:1935/live/s", RTMP_ERR_MALFORMED,
     "missing scheme (expected rtmp:// or rtmps://)"},
    {"://h/a/s", RTMP_ERR_MALFORMED,
     "missing scheme (expected rtmp:// or rtmps://)"},
    {"rt mp://h/a/s", RTMP_ERR_MALFORMED,
     "missing scheme (expected rtmp:// or rtmps://)"},
    {"rtmp:/host/app/s", RTMP_ERR_MALFORMED, "missing '//' after 'rtmp:'"},
    {"RTMPS:host/app/s", RTMP_ERR_MALFORMED, "missing '//' after 'RTMPS:'"},
    {"rtmp://", RTMP_ERR_MALFORMED, "missing host"},
    {"rtmp:///app/s", RTMP_ERR_MALFORMED, "missing host"},
    {"rtmp://:1935/app/s", RTMP_ERR_MALFORMED, "missing host"},
    {"rtmp://[]/app/s", RTMP_ERR_MALFORMED, "missing host"},
    {"rtmp://host:99999/app/s", RTMP_ERR_MALFORMED, "bad port '99999'"},
    {"rtmp://host:65536/app/s", RTMP_ERR_MALFORMED, "bad port '65536'"},
    {"rtmp://host:0/app/s", RTMP_ERR_MALFORMED, "bad port '0'"},
    {"rtmp://host:/app/s", RTMP_ERR_MALFORMED, "bad port ''"},
    {"rtmp://host:12a/app/s", RTMP_ERR_MALFORMED, "bad port '12a'"},
    {"rtmp://host:-1/app/s", RTMP_ERR_MALFORMED, "bad port '-1'"},
    {"rtmp://host:+80/app/s", RTMP_ERR_MALFORMED, "bad port '+80'"},
    {"rtmp://host:0x50/app/s", RTMP_ERR_MALFORMED, "bad port '0x50'"},
    {"rtmp://host: 80/app/s", RTMP_ERR_MALFORMED, "bad port '?80'"},
    {"rtmp://host:99999999999999999999999/a/s", RTMP_ERR_MALFORMED,
     "bad port '99999999999999999999999'"},
    {"rtmp://host:1111111111111111111111111111111111111111/a/s",
     RTMP_ERR_MALFORMED, "bad port '11111111111111111111111111111111...'"},
    {"rtmp://[::1]:/app/s", RTMP_ERR_MALFORMED, "bad port ''"},
    {"rtmp://[::1]:70000/app/s", RTMP_ERR_MALFORMED, "bad port '70000'"},
    {"rtmp://host", RTMP_ERR_MALFORMED, "missing application name"},
    {"rtmp://host:1935", RTMP_ERR_MALFORMED, "missing application name"},
    {"rtmp://host/", RTMP_ERR_MALFORMED, "missing application name"},
    {"rtmp://host?app=x", RTMP_ERR_MALFORMED, "missing application name"},
    {"rtmp://host/?k=1", RTMP_ERR_MALFORMED, "missing application name"},
    {"rtmp://host//stream", RTMP_ERR_MALFORMED, "missing application name"},
    {"rtmp://host//inst/stream", RTMP_ERR_MALFORMED,
     "missing application name"},
    {"rtmp://ho st/a/s", RTMP_ERR_MALFORMED, "invalid character ' ' in host"},
    {"rtmp://ho\tst/a/s", RTMP_ERR_MALFORMED, "invalid character 0x09 in host"},
    {"rtmp://host\r\n/a/s", RTMP_ERR_MALFORMED,
     "invalid character 0x0d in host"},
    {"rtmp://h\x7f/a/s", RTMP_ERR_MALFORMED, "invalid character 0x7f in host"},
    {"rtmp://h\xc3\xa9/a/s", RTMP_ERR_MALFORMED,
     "invalid character 0xc3 in host"},
    {"rtmp://h#x/a/s", RTMP_ERR_MALFORMED, "invalid character '#' in host"},
    {"rtmp://h\\x/a/s", RTMP_ERR_MALFORMED, "invalid character '\\' in host"},
    {"rtmp://h%41/a/s", RTMP_ERR_MALFORMED, "invalid character '%' in host"},
    {"rtmp://user:pw@host/a/s", RTMP_ERR_MALFORMED,
     "user name in URL not supported"},
    {"rtmp://user@[::1]/a/s", RTMP_ERR_MALFORMED,
     "user name in URL not supported"},
    {"rtmp://::1/a/s", RTMP_ERR_MALFORMED,
     "IPv6 address must be in brackets (rtmp://[::1]/app)"},
    {"rtmp://fe80::1:1935/a/s", RTMP_ERR_MALFORMED,
     "IPv6 address must be in brackets (rtmp://[::1]/app)"},
    {"rtmp://[::1/a/s", RTMP_ERR_MALFORMED, "missing ']' after IPv6 address"},
    {"rtmp://[::1]x/a/s", RTMP_ERR_MALFORMED,
     "unexpected 'x' after IPv6 address"},
    {"rtmp://[::1]]/a/s", RTMP_ERR_MALFORMED,
     "unexpected ']' after IPv6 address"},
    {"rtmp://[::g]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address '::g'"},
    {"rtmp://[127.0.0.1]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '127.0.0.1'"},
    {"rtmp://[host]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address 'host'"},
    {"rtmp://[1:2:3:4:5:6:7]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '1:2:3:4:5:6:7'"},
    {"rtmp://[1:2:3:4:5:6:7:8:9]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '1:2:3:4:5:6:7:8:9'"},
    {"rtmp://[1::2:3:4:5:6:7:8]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '1::2:3:4:5:6:7:8'"},
    {"rtmp://[1::2::3]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address '1::2::3'"},
    {"rtmp://[12345::1]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '12345::1'"},
    {"rtmp://[:1::2]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address ':1::2'"},
    {"rtmp://[1::2:]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address '1::2:'"},
    {"rtmp://[:::]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address ':::'"},
    {"rtmp://[::1.2.3]/a/s", RTMP_ERR_MALFORMED, "bad IPv6 address '::1.2.3'"},
    {"rtmp://[::1.2.3.256]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '::1.2.3.256'"},
    {"rtmp://[::1.2.3.4:5]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address '::1.2.3.4:5'"},
    {"rtmp://[fe80::1%eth0]/a/s", RTMP_ERR_MALFORMED,
     "bad IPv6 address 'fe80::1%eth0'"},
    {"rtmp://h/a/b/c/d", RTMP_ERR_MALFORMED,
     "too many path segments (expected app[/instance]/stream)"},
    {"rtmp://h/a/b/c/", RTMP_ERR_MALFORMED,
     "too many path segments (expected app[/instance]/stream)"},
    {"rtmp://h/a//s", RTMP_ERR_MALFORMED,
     "empty application instance (\"//\" in path)"},
    {"rtmp://h/a/s\n", RTMP_ERR_MALFORMED,
     "control character 0x0a in stream name"},
    {"rtmp://h/a\x01/s", RTMP_ERR_MALFORMED,
     "control character 0x01 in application name"},
    {"rtmp://h/a/s?x\x1b", RTMP_ERR_MALFORMED,
     "control character 0x1b in query"},
};

static void
check_good(const struct good *g)
{
	char err[128] = "untouched", *s;
	struct rtmp_url u;
	int rc;

	s = (char *)tap_dup(g->url, strlen(g->url) + 1);
	rc = rtmp_url_parse(s, &u, err, sizeof(err));
	free(s);
	is_int(rc, RTMP_OK, "%s: parses", g->url);
	if (rc != RTMP_OK)
		printf("#   err: %s\n", err);
	is_int(err[0], '\0', "%s: err cleared", g->url);
	ok(u.tls == g->tls && u.ipv6 == g->ipv6 && u.port == g->port &&
	       u.port_given == g->port_given,
	   "%s: tls %d ipv6 %d port %u given %d", g->url, u.tls, u.ipv6,
	   (unsigned)u.port, u.port_given);
	ok(strcmp(u.host, g->host) == 0, "%s: host '%s'", g->url, u.host);
	ok(strcmp(u.app, g->app) == 0, "%s: app '%s'", g->url, u.app);
	ok(strcmp(u.stream, g->stream) == 0, "%s: stream '%s'", g->url,
	   u.stream);
	ok(strcmp(u.query, g->query) == 0, "%s: query '%s'", g->url, u.query);
	ok(strcmp(u.tcurl, g->tcurl) == 0, "%s: tcUrl '%s'", g->url, u.tcurl);
}

static void
check_bad(const struct bad *b)
{
	char err[128] = "", *s;
	struct rtmp_url u;
	int rc;

	s = (char *)tap_dup(b->url, strlen(b->url) + 1);
	rc = rtmp_url_parse(s, &u, err, sizeof(err));
	free(s);
	is_int(rc, b->code, "bad URL refused: %s", b->reason);
	if (!ok(strcmp(err, b->reason) == 0, "reason: %s", b->reason))
		printf("#   got: %s\n", err);
	ok(u.tcurl[0] == '\0' && u.host[0] == '\0' && u.app[0] == '\0',
	   "%s: fields left empty", b->reason);
}

static char *
repeat(char *p, int c, size_t n)
{
	memset(p, c, n);
	return p + n;
}

/* Build "rtmp://" host "/" app "/" stream "?" query, each part n x 'a'. */
static int
parse_sized(size_t host, size_t app, size_t stream, size_t query, char *err,
	    size_t errlen, struct rtmp_url *u)
{
	char buf[4096], *p = buf, *s;
	int rc;

	p += sprintf(p, "rtmp://");
	p = repeat(p, 'h', host);
	*p++ = '/';
	p = repeat(p, 'a', app);
	*p++ = '/';
	p = repeat(p, 's', stream);
	if (query > 0) {
		*p++ = '?';
		p = repeat(p, 'q', query);
	}
	*p = '\0';
	s = (char *)tap_dup(buf, strlen(buf) + 1);
	rc = rtmp_url_parse(s, u, err, errlen);
	free(s);
	return rc;
}

static void
test_limits(void)
{
	struct rtmp_url u;
	char err[128];

	is_int(parse_sized(255, 255, 1023, 1023, err, sizeof(err), &u), RTMP_OK,
	       "host 255, app 255, stream 1023, query 1023 accepted");
	is_int(strlen(u.host), 255, "255-byte host kept");
	is_int(strlen(u.app), 255, "255-byte app kept");
	is_int(strlen(u.stream), 1023, "1023-byte stream kept");
	is_int(strlen(u.query), 1023, "1023-byte query kept");
	is_int(strlen(u.tcurl), 7 + 255 + 1 + 255, "longest tcUrl fits");

	is_int(parse_sized(256, 1, 1, 0, err, sizeof(err), &u), RTMP_ERR_LIMIT,
	       "256-byte host refused");
	is_int(strcmp(err, "host too long (256 bytes, at most 255)"), 0,
	       "reason: host too long");
	is_int(parse_sized(1, 256, 1, 0, err, sizeof(err), &u), RTMP_ERR_LIMIT,
	       "256-byte app refused");
	is_int(
	    strcmp(err, "application name too long (256 bytes, at most 255)"),
	    0, "reason: application name too long");
	is_int(parse_sized(1, 1, 1024, 0, err, sizeof(err), &u), RTMP_ERR_LIMIT,
	       "1024-byte stream refused");
	is_int(strcmp(err, "stream name too long (1024 bytes, at most 1023)"),
	       0, "reason: stream name too long");
	is_int(parse_sized(1, 1, 1, 1024, err, sizeof(err), &u), RTMP_ERR_LIMIT,
	       "1024-byte query refused");
	is_int(strcmp(err, "query too long (1024 bytes, at most 1023)"), 0,
	       "reason: query too long");
}

static void
test_misc(void)
{
	struct rtmp_url u;
	char err[8], out[64], *s;
	int rc;

	/* a '?' ends the authority: the path after it is query, not app */
	s = (char *)tap_dup("rtmp://h:1935?/a", 17);
	is_int(rtmp_url_parse(s, &u, out, sizeof(out)), RTMP_ERR_MALFORMED,
	       "'?' before the path: no application");
	free(s);

	is_int(rtmp_url_parse(NULL, &u, out, sizeof(out)), RTMP_ERR_MALFORMED,
	       "NULL URL refused");
	is_int(rtmp_url_parse("http://x/a", &u, NULL, 0), RTMP_ERR_MALFORMED,
	       "NULL err buffer is fine");
	rc = rtmp_url_parse("http://x/a", &u, err, sizeof(err));
	is_int(rc, RTMP_ERR_MALFORMED, "small err buffer: still refused");
	ok(strcmp(err, "unsuppo") == 0, "small err buffer: truncated, ended");
	rc = rtmp_url_parse("ftp:/x/a", &u, err, 0);
	is_int(rc, RTMP_ERR_MALFORMED, "zero-length err buffer untouched");

	rtmp_url_parse("rtmp://h/live/key?token=abc", &u, NULL, 0);
	is_int(rtmp_url_stream_with_query(&u, out, sizeof(out)), RTMP_OK,
	       "stream with query");
	ok(strcmp(out, "key?token=abc") == 0, "stream with query: '%s'", out);
	is_int(rtmp_url_stream_with_query(&u, out, 14), RTMP_OK,
	       "stream with query: exactly enough room");
	is_int(rtmp_url_stream_with_query(&u, out, 13), RTMP_ERR_NOSPACE,
	       "stream with query: one byte short");
	is_int(out[0], '\0', "stream with query: emptied on NOSPACE");
	is_int(rtmp_url_stream_with_query(&u, out, 0), RTMP_ERR_NOSPACE,
	       "stream with query: no room at all");
	is_int(rtmp_url_stream_with_query(&u, NULL, 10), RTMP_ERR_NOSPACE,
	       "stream with query: NULL buffer");

	rtmp_url_parse("rtmp://h/live/key?", &u, NULL, 0);
	rtmp_url_stream_with_query(&u, out, sizeof(out));
	ok(strcmp(out, "key") == 0, "empty query: no '?' appended");
	rtmp_url_parse("rtmp://h/live/key", &u, NULL, 0);
	is_int(rtmp_url_stream_with_query(&u, out, 4), RTMP_OK,
	       "no query: exactly enough room");
	ok(strcmp(out, "key") == 0, "no query: '%s'", out);
	is_int(rtmp_url_stream_with_query(&u, out, 3), RTMP_ERR_NOSPACE,
	       "no query: one byte short");

	/* a failed parse after a good one leaves nothing behind */
	rtmp_url_parse("rtmp://h/live/key", &u, NULL, 0);
	rtmp_url_parse("rtmp://h:0/live/key", &u, NULL, 0);
	ok(u.host[0] == '\0' && u.stream[0] == '\0' && u.port == 0,
	   "failure clears an earlier result");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_good(&good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(&bad[i]);
	test_limits();
	test_misc();
	return done_testing();
}
