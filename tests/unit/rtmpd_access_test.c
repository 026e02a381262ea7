/*
 * rtmpd's access control parsers and decisions (rtmpd/access.c): CIDR
 * parsing and matching, rule order, the key file format, the key checks
 * in both forms, redaction, and reloading.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rtmpd/access.h"
#include "tap.h"

static struct sockaddr_storage
sa_of(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, ip, &in6->sin6_addr) != 1)
			abort();
	} else {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		if (inet_pton(AF_INET, ip, &in->sin_addr) != 1)
			abort();
	}
	return ss;
}

static int
match(const char *cidr, const char *ip)
{
	struct access_cidr n;
	struct sockaddr_storage ss = sa_of(ip);
	char err[160];

	if (access_cidr_parse(cidr, &n, err, sizeof(err)) < 0) {
		printf("# %s: %s\n", cidr, err);
		return -1;
	}
	return access_cidr_match(&n, (struct sockaddr *)&ss);
}

static void
test_cidr_parse(void)
{
	static const char *good[] = {
	    "all",
	    "127.0.0.1",
	    "10.0.0.0/8",
	    "0.0.0.0/0",
	    "::1",
	    "[::1]",
	    "[::1]/128",
	    "2001:db8::/32",
	    "::/0",
	    "10.1.2.3/32",
	    "fe80::/10",
	    "::ffff:10.0.0.0/104",
	    "192.0.2.128/25",
	};
	static const struct {
		const char *s, *why;
	} bad[] = {
	    {"", "not an IPv4"},	 {"localhost", "not an IPv4"},
	    {"10.0.0.0/", "prefix"},	 {"10.0.0.0/33", "prefix"},
	    {"::/129", "prefix"},	 {"10.0.0.0/-1", "prefix"},
	    {"10.0.0.0/+8", "prefix"},	 {"10.0.0.0/8x", "prefix"},
	    {"10.0.0.0/0008", "prefix"}, {"10.0.0/8", "not an IPv4"},
	    {"10.1.2.3/8", "host bits"}, {"2001:db8::1/32", "host bits"},
	    {"[::1", "not an IPv4"},	 {"[]", "not an IPv4"},
	    {"ALL", "not an IPv4"},	 {"1.2.3.4 ", "not an IPv4"},
	};
	struct access_cidr n;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(access_cidr_parse(good[i], &n, err, sizeof(err)) == 0,
		   "cidr '%s' parses", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ok(access_cidr_parse(bad[i].s, &n, err, sizeof(err)) < 0 &&
		       strstr(err, bad[i].why) != NULL &&
		       strncmp(err, "'", 1) == 0 && strstr(err, bad[i].s),
		   "cidr '%s' refused (%s), naming it", bad[i].s, err);
	}
	access_cidr_parse("::ffff:10.0.0.0/104", &n, err, sizeof(err));
	ok(n.family == AF_INET && n.prefix == 8 && n.addr[0] == 10,
	   "an IPv4-mapped IPv6 network becomes the IPv4 network");
	access_cidr_parse("all", &n, err, sizeof(err));
	is_int(n.family, 0, "'all' is family 0");
}

static void
test_cidr_match(void)
{
	is_int(match("127.0.0.1", "127.0.0.1"), 1, "v4 host matches itself");
	is_int(match("127.0.0.1", "127.0.0.2"), 0, "v4 host: a neighbour not");
	is_int(match("10.0.0.0/8", "10.255.1.2"), 1, "v4 /8 inside");
	is_int(match("10.0.0.0/8", "11.0.0.0"), 0, "v4 /8 outside");
	is_int(match("192.0.2.128/25", "192.0.2.200"), 1, "v4 /25 inside");
	is_int(match("192.0.2.128/25", "192.0.2.127"), 0, "v4 /25 outside");
	is_int(match("8.0.0.0/7", "9.1.1.1"), 1, "v4 /7 inside");
	is_int(match("8.0.0.0/7", "10.0.0.0"), 0, "v4 /7 outside");
	is_int(match("0.0.0.0/0", "203.0.113.9"), 1, "v4 /0 matches all v4");
	is_int(match("0.0.0.0/0", "::1"), 0, "v4 /0 does not match v6");
	is_int(match("::1", "::1"), 1, "v6 host matches itself");
	is_int(match("[::1]", "::2"), 0, "v6 host: a neighbour not");
	is_int(match("2001:db8::/32", "2001:db8:ffff::1"), 1, "v6 /32 inside");
	is_int(match("2001:db8::/32", "2001:db9::1"), 0, "v6 /32 outside");
	is_int(match("fe80::/10", "febf::1"), 1, "v6 /10 inside");
	is_int(match("fe80::/10", "fec0::1"), 0, "v6 /10 outside");
	is_int(match("::/0", "127.0.0.1"), 0, "v6 /0 does not match v4");
	is_int(match("127.0.0.1", "::ffff:127.0.0.1"), 1,
	       "an IPv4-mapped peer matches the IPv4 rule");
	is_int(match("127.0.0.0/8", "::ffff:127.9.9.9"), 1,
	       "an IPv4-mapped peer matches an IPv4 network");
	is_int(match("::ffff:127.0.0.1", "127.0.0.1"), 1,
	       "an IPv4-mapped rule matches the IPv4 peer");
	is_int(match("all", "127.0.0.1"), 1, "'all' matches v4");
	is_int(match("all", "2001:db8::5"), 1, "'all' matches v6");
}

static void
test_rules(void)
{
	struct access_rules r;
	struct access_cidr n;
	struct sockaddr_storage a = sa_of("127.0.0.1"), b = sa_of("10.0.0.1"),
				c = sa_of("::1");
	char err[160];

	memset(&r, 0, sizeof(r));
	is_int(access_rules_check(&r, (struct sockaddr *)&a), 1,
	       "no rules: allowed");
	access_cidr_parse("127.0.0.1", &n, err, sizeof(err));
	access_rules_add(&r, 1, &n);
	access_cidr_parse("all", &n, err, sizeof(err));
	access_rules_add(&r, 0, &n);
	is_int(access_rules_check(&r, (struct sockaddr *)&a), 1,
	       "allow 127.0.0.1, deny all: 127.0.0.1 allowed");
	is_int(access_rules_check(&r, (struct sockaddr *)&b), 0,
	       "allow 127.0.0.1, deny all: 10.0.0.1 denied");
	is_int(access_rules_check(&r, (struct sockaddr *)&c), 0,
	       "allow 127.0.0.1, deny all: ::1 denied");
	access_rules_free(&r);

	access_cidr_parse("127.0.0.0/8", &n, err, sizeof(err));
	access_rules_add(&r, 0, &n);
	access_cidr_parse("127.0.0.1", &n, err, sizeof(err));
	access_rules_add(&r, 1, &n);
	is_int(access_rules_check(&r, (struct sockaddr *)&a), 0,
	       "deny 127/8 before allow 127.0.0.1: the first match wins");
	is_int(access_rules_check(&r, (struct sockaddr *)&c), 1,
	       "only deny rules and none matches: allowed");
	access_rules_free(&r);
}

static void
test_key_eq(void)
{
	ok(access_key_eq("abc", 3, "abc", 3), "equal keys");
	ok(!access_key_eq("abc", 3, "abd", 3), "last byte differs");
	ok(!access_key_eq("xbc", 3, "abc", 3), "first byte differs");
	ok(!access_key_eq("abc", 3, "abcd", 4), "a prefix is not equal");
	ok(!access_key_eq("", 0, "a", 1), "empty is not equal to a key");
}

static struct access_keys
parse_ok(const char *text, const char *what)
{
	struct access_keys ks;
	size_t line = 0;
	char err[160] = "";

	memset(&ks, 0, sizeof(ks));
	if (!ok(access_keys_parse(&ks, text, strlen(text), &line, err,
				  sizeof(err)) == 0,
		"%s parses", what))
		printf("#   line %zu: %s\n", line, err);
	return ks;
}

static void
parse_bad_n(const char *text, size_t len, size_t want_line,
	    const char *want_err)
{
	struct access_keys ks;
	size_t line = 0;
	char err[160] = "";
	int rc;

	memset(&ks, 0, sizeof(ks));
	access_keys_add(&ks, ACCESS_PUBLISH, NULL, 0, "keep", 4, err,
			sizeof(err));
	rc = access_keys_parse(&ks, text, len, &line, err, sizeof(err));
	ok(rc < 0 && line == want_line && strstr(err, want_err) != NULL &&
	       ks.n == 1,
	   "malformed line %zu refused (%s), the set unchanged", want_line,
	   err);
	access_keys_free(&ks);
}

static void
parse_bad(const char *text, size_t want_line, const char *want_err)
{
	parse_bad_n(text, strlen(text), want_line, want_err);
}

static void
test_key_file(void)
{
	struct access_keys ks;

	ks = parse_ok("# rtmpd keys\n"
		      "\n"
		      "   \t\n"
		      "ANYKEY\n"
		      "live/cam1 CAMKEY\r\n"
		      "  publish   live/cam2\tCAM2KEY  \n"
		      "publish PUBKEY\n"
		      "play live/cam1 VIEWKEY\n"
		      "play WATCH\n"
		      "   # indented comment\n"
		      "play",
		      "a key file with every form");
	is_int(ks.n, 7, "seven entries");
	ok(ks.n == 7 && ks.v[0].action == ACCESS_PUBLISH &&
	       ks.v[0].stream == NULL && strcmp(ks.v[0].key, "ANYKEY") == 0,
	   "KEY: publish, any stream");
	ok(ks.n == 7 && ks.v[1].action == ACCESS_PUBLISH &&
	       strcmp(ks.v[1].stream, "live/cam1") == 0 &&
	       strcmp(ks.v[1].key, "CAMKEY") == 0 && ks.v[1].key_len == 6,
	   "APP/STREAM KEY with CRLF: publish, bound, no CR in the key");
	ok(ks.n == 7 && strcmp(ks.v[2].stream, "live/cam2") == 0 &&
	       strcmp(ks.v[2].key, "CAM2KEY") == 0,
	   "publish APP/STREAM KEY with tabs and trailing blanks");
	ok(ks.n == 7 && ks.v[3].stream == NULL &&
	       ks.v[3].action == ACCESS_PUBLISH,
	   "publish KEY");
	ok(ks.n == 7 && ks.v[4].action == ACCESS_PLAY &&
	       strcmp(ks.v[4].stream, "live/cam1") == 0,
	   "play APP/STREAM KEY");
	ok(ks.n == 7 && ks.v[5].action == ACCESS_PLAY && ks.v[5].stream == NULL,
	   "play KEY");
	ok(ks.n == 7 && ks.v[6].action == ACCESS_PUBLISH &&
	       strcmp(ks.v[6].key, "play") == 0,
	   "a lone word is a publish key, even 'play', last line unended");
	is_int(access_keys_count(&ks, ACCESS_PLAY), 2, "two play keys");
	is_int(access_keys_count(&ks, ACCESS_PUBLISH), 5, "five publish keys");
	access_keys_free(&ks);

	ks = parse_ok("", "an empty file");
	is_int(ks.n, 0, "an empty file has no keys");
	access_keys_free(&ks);

	parse_bad("ok1\nlive cam1\n", 2, "not app/stream");
	parse_bad("ok1\n\n# c\nplay live/cam1\n", 4, "contains '/'");
	parse_bad("live/cam1\n", 1, "contains '/'");
	parse_bad("a b c d\n", 1, "too many fields");
	parse_bad("watch live/cam1 K\n", 1, "expected [play|publish]");
	parse_bad("/cam1 K\n", 1, "not app/stream");
	parse_bad("live/ K\n", 1, "not app/stream");
	parse_bad("live/cam?x=1 K\n", 1, "contains '?'");
	parse_bad("k?ey\n", 1, "contains '?'");
	parse_bad("a&b\n", 1, "contains '&'");
	parse_bad("x\nke\001y\n", 2, "control character");
	parse_bad_n("x\ny\nk\0ey\n", 9, 3, "NUL");
	{
		char big[400];

		memset(big, 'k', 300);
		big[300] = '\0';
		parse_bad(big, 1, "longer than 255");
	}
}

static void
test_query(void)
{
	const char *v = NULL;
	size_t n = 0;

	ok(access_query_param("key=abc", 7, "key", &v, &n) && n == 3 &&
	       memcmp(v, "abc", 3) == 0,
	   "key=abc");
	ok(access_query_param("a=1&key=xyz&b=2", 15, "key", &v, &n) && n == 3 &&
	       memcmp(v, "xyz", 3) == 0,
	   "key in the middle");
	ok(access_query_param("keyx=1&key=q", 12, "key", &v, &n) && n == 1 &&
	       v[0] == 'q',
	   "keyx= is not key=");
	ok(!access_query_param("xkey=1", 6, "key", &v, &n),
	   "xkey= is not key=");
	ok(!access_query_param("key", 3, "key", &v, &n), "key without '='");
	ok(access_query_param("key=", 4, "key", &v, &n) && n == 0,
	   "key= is an empty value");
	ok(!access_query_param("", 0, "key", &v, &n), "empty query");
	ok(access_query_param("key=a&key=b", 11, "key", &v, &n) && v[0] == 'a',
	   "the first key= counts");
}

static int
check(const struct access *a, enum access_action act, const char *stream,
      const char *query, const char **mapped)
{
	const char *slash = strchr(stream, '/');

	return access_key_check(a, act, stream, (size_t)(slash - stream), query,
				mapped);
}

static void
test_key_check(void)
{
	struct access a;
	const char *m = NULL;
	char err[160];
	char out[64];

	memset(&a, 0, sizeof(a));
	ok(!access_key_required(&a, ACCESS_PUBLISH), "no keys: none required");
	access_keys_add(&a.cli, ACCESS_PUBLISH, NULL, 0, "ANYKEY", 6, err,
			sizeof(err));
	access_keys_add(&a.file, ACCESS_PUBLISH, "live/cam1", 9, "CAMKEY", 6,
			err, sizeof(err));
	access_keys_add(&a.file, ACCESS_PLAY, "live/cam1", 9, "VIEW", 4, err,
			sizeof(err));
	ok(access_key_required(&a, ACCESS_PUBLISH), "publish key required");
	ok(access_key_required(&a, ACCESS_PLAY),
	   "a play line in the file requires play keys");

	ok(check(&a, ACCESS_PUBLISH, "live/x", "key=ANYKEY", &m) && m == NULL,
	   "an unbound key in the query: any stream, name kept");
	ok(check(&a, ACCESS_PUBLISH, "other/y", "a=1&key=ANYKEY", &m),
	   "an unbound key works in any app");
	ok(!check(&a, ACCESS_PUBLISH, "live/x", "key=ANYKE", &m),
	   "a wrong key is refused");
	ok(!check(&a, ACCESS_PUBLISH, "live/x", NULL, &m), "no key is refused");
	ok(!check(&a, ACCESS_PUBLISH, "live/x", "token=ANYKEY", &m),
	   "another parameter is not the key");
	ok(check(&a, ACCESS_PUBLISH, "live/ANYKEY", NULL, &m) && m == NULL,
	   "an unbound bare key publishes under its own name");
	ok(check(&a, ACCESS_PUBLISH, "live/cam1", "key=CAMKEY", &m) &&
	       m == NULL,
	   "a bound key in the query of its stream");
	ok(!check(&a, ACCESS_PUBLISH, "live/cam2", "key=CAMKEY", &m),
	   "a bound key in the query of another stream is refused");
	ok(check(&a, ACCESS_PUBLISH, "live/CAMKEY", NULL, &m) && m &&
	       strcmp(m, "live/cam1") == 0,
	   "a bound bare key maps to its stream");
	ok(!check(&a, ACCESS_PUBLISH, "other/CAMKEY", NULL, &m),
	   "a bound bare key in another app is refused");
	ok(!check(&a, ACCESS_PUBLISH, "live/cam1", "key=VIEW", &m),
	   "a play key does not publish");
	ok(check(&a, ACCESS_PLAY, "live/cam1", "key=VIEW", &m) && m == NULL,
	   "a play key plays its stream");
	ok(check(&a, ACCESS_PLAY, "live/VIEW", NULL, &m) && m &&
	       strcmp(m, "live/cam1") == 0,
	   "a bare play key maps to its stream");
	ok(!check(&a, ACCESS_PLAY, "live/cam1", "key=CAMKEY", &m),
	   "a publish key does not play");

	ok(access_name_is_key(&a, "CAMKEY", 6), "a key name is secret");
	ok(access_name_is_key(&a, "VIEW", 4), "a play key name is secret");
	ok(!access_name_is_key(&a, "cam1", 4), "a plain name is not");
	access_redact("live/CAMKEY_LONG", 4, out, sizeof(out));
	ok(strcmp(out, "live/CA\xE2\x80\xA6") == 0, "redacted: %s", out);
	access_redact("live/SHORT", 4, out, sizeof(out));
	ok(strcmp(out, "live/\xE2\x80\xA6") == 0, "short names: %s", out);
	access_free(&a);

	memset(&a, 0, sizeof(a));
	a.key_file = "/nonexistent";
	ok(access_key_required(&a, ACCESS_PUBLISH) &&
	       !check(&a, ACCESS_PUBLISH, "live/x", "key=", &m),
	   "a key file without publish keys refuses every publisher");
	ok(!access_key_required(&a, ACCESS_PLAY),
	   "a key file without play lines leaves play open");
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
}

static void
test_load(void)
{
	struct access a;
	char path[] = "/tmp/rtmpd_access_test_XXXXXX", err[512] = "";
	const char *m;
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	close(fd);
	memset(&a, 0, sizeof(a));
	a.key_file = path;
	write_file(path, "FIRST\n");
	ok(access_load_key_file(&a, err, sizeof(err)) == 0, "load: %s", err);
	ok(check(&a, ACCESS_PUBLISH, "live/x", "key=FIRST", &m), "key loaded");
	write_file(path, "SECOND\nlive x y z\n");
	ok(access_load_key_file(&a, err, sizeof(err)) < 0 &&
	       strstr(err, path) && strstr(err, ":2: "),
	   "a malformed reload names the file and line: %s", err);
	ok(check(&a, ACCESS_PUBLISH, "live/x", "key=FIRST", &m) &&
	       !check(&a, ACCESS_PUBLISH, "live/x", "key=SECOND", &m),
	   "a failed reload keeps the old keys");
	write_file(path, "SECOND\n");
	ok(access_load_key_file(&a, err, sizeof(err)) == 0 &&
	       check(&a, ACCESS_PUBLISH, "live/x", "key=SECOND", &m) &&
	       !check(&a, ACCESS_PUBLISH, "live/x", "key=FIRST", &m),
	   "a good reload replaces the keys");
	unlink(path);
	ok(access_load_key_file(&a, err, sizeof(err)) < 0 &&
	       strstr(err, "cannot read key file") &&
	       strstr(err, "No such file"),
	   "an unreadable file: %s", err);
	ok(check(&a, ACCESS_PUBLISH, "live/x", "key=SECOND", &m),
	   "and the old keys stay");
	access_free(&a);
}

int
main(void)
{
	test_cidr_parse();
	test_cidr_match();
	test_rules();
	test_key_eq();
	test_key_file();
	test_query();
	test_key_check();
	test_load();
	return done_testing();
}
