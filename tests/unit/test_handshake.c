/*
 * Handshake state machine (RTMP 1.0 section 5.2) in both roles, and the
 * Flash-style digest check.
 */
#include <string.h>

#include "bytes.h"
#include "handshake.h"
#include "sha256.h"
#include "tap.h"

#define SIG HS_SIG_SIZE

static const char key_fp[] = "Genuine Adobe Flash Player 001";
static const char key_fms[] = "Genuine Adobe Flash Media Server 001";

/* Deterministic filler, unrelated to the PRNG inside handshake.c. */
static void
fill(uint8_t *p, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* A C0+C1 (or S0+S1) from a peer with the given time and version bytes. */
static void
make_01(uint8_t out[1 + SIG], uint8_t version, uint32_t time, uint32_t salt)
{
	out[0] = version;
	fill(out + 1, SIG, salt);
	wr_be32(out + 1, time);
	memset(out + 5, 0, 4);
}

static ssize_t
feed_dup(struct hs *h, const uint8_t *p, size_t n)
{
	uint8_t *q = tap_dup(p, n);
	ssize_t r = hs_feed(h, q, n);

	free(q);
	return r;
}

static void
test_init(void)
{
	struct hs a, b, c;
	const uint8_t *o;
	size_t n;

	hs_init(&a, HS_CLIENT, 0x01020304, 42);
	o = hs_output(&a, &n);
	is_int(n, 1 + SIG, "client queues C0+C1 at once");
	is_int(o[0], 3, "C0 is version 3");
	is_int(rd_be32(o + 1), 0x01020304, "C1 time is the epoch, big-endian");
	is_mem(o + 5, "\0\0\0\0", 4, "C1 bytes 4..7 are zero");
	is_mem(o + 1, a.ours, SIG, "C1 is ours[]");
	is_int(a.state, HS_WAIT_0_1, "client waits for S0+S1");
	ok(!hs_done(&a), "client not done at start");

	hs_init(&b, HS_CLIENT, 0x01020304, 42);
	is_mem(a.ours, b.ours, SIG, "same seed, same C1");
	hs_init(&c, HS_CLIENT, 0x01020304, 43);
	ok(memcmp(a.ours + 8, c.ours + 8, SIG - 8) != 0,
	   "another seed, another random part");
	{
		/* the random part is not a constant or short period fill */
		int distinct = 0, seen[256] = {0};
		size_t i;

		for (i = 8; i < SIG; i++)
			if (!seen[a.ours[i]]++)
				distinct++;
		ok(distinct > 200, "random part uses most byte values (%d)",
		   distinct);
		ok(memcmp(a.ours + 8, a.ours + 16, 64) != 0,
		   "random part does not repeat every 8 bytes");
	}

	hs_init(&a, HS_SERVER, 7, 1);
	hs_output(&a, &n);
	is_int(n, 0, "server has nothing to send before C0+C1");
	is_int(a.state, HS_WAIT_0_1, "server waits for C0+C1");
	is_int(rd_be32(a.ours), 7, "S1 time is the epoch");
	is_mem(a.ours + 4, "\0\0\0\0", 4, "S1 bytes 4..7 are zero");
}

static void
test_server(void)
{
	uint8_t c01[1 + SIG], c2[SIG];
	struct hs h;
	const uint8_t *o;
	size_t n;

	make_01(c01, 3, 1000, 5);
	hs_init(&h, HS_SERVER, 2000, 9);
	is_int(feed_dup(&h, c01, sizeof(c01)), 1 + SIG, "server takes C0+C1");
	is_int(h.state, HS_WAIT_2, "server then waits for C2");
	is_int(h.info.version, 3, "peer version reported");
	is_int(h.info.time, 1000, "peer C1 time reported");
	is_mem(h.info.zero, "\0\0\0\0", 4, "peer C1 bytes 4..7 reported");
	is_int(h.info.has_digest, 0, "plain C1 has no digest");
	o = hs_output(&h, &n);
	is_int(n, 1 + 2 * SIG, "server queues S0+S1+S2 together");
	is_int(o[0], 3, "S0 is 3");
	is_mem(o + 1, h.ours, SIG, "S1 is ours[]");
	is_mem(o + 1 + SIG, c01 + 1, SIG, "S2 is a verbatim copy of C1");
	hs_output_done(&h, n);
	hs_output(&h, &n);
	is_int(n, 0, "output drained");

	memcpy(c2, h.ours, SIG);
	wr_be32(c2 + 4, 1234);
	is_int(feed_dup(&h, c2, SIG), SIG, "server takes C2");
	ok(hs_done(&h), "server done");
	is_int(h.info.echo_ok, 1, "C2 echoes S1");
	is_int(h.info.echo_time, 2000, "C2 time field reported");
	is_int(h.info.echo_time2, 1234, "C2 time2 field reported");
	is_int(feed_dup(&h, c2, 10), 0, "nothing consumed after done");
}

static void
test_client(void)
{
	uint8_t s012[1 + 2 * SIG];
	struct hs h;
	const uint8_t *o;
	size_t n;

	hs_init(&h, HS_CLIENT, 55, 3);
	/* the transport sent part of C0+C1 before S0+S1 arrived */
	hs_output_done(&h, 100);
	make_01(s012, 3, 77, 8);
	memcpy(s012 + 1 + SIG, h.ours, SIG);
	is_int(feed_dup(&h, s012, 1 + SIG), 1 + SIG, "client takes S0+S1");
	is_int(h.state, HS_WAIT_2, "client then waits for S2");
	is_int(h.info.time, 77, "S1 time reported");
	o = hs_output(&h, &n);
	is_int(n, 1 + SIG - 100 + SIG, "unsent C0+C1 rest plus C2 queued");
	is_mem(o + 1 + SIG - 100, s012 + 1, SIG, "C2 is a verbatim echo of S1");
	is_int(o[0], h.ours[99], "unsent part resumes at C1 byte 99");
	hs_output_done(&h, 1);
	o = hs_output(&h, &n);
	is_int(n, 1 + SIG - 100 + SIG - 1, "partial send accounted");
	hs_output_done(&h, n + 50);
	hs_output(&h, &n);
	is_int(n, 0, "over-acknowledging clamps to what is queued");

	is_int(feed_dup(&h, s012 + 1 + SIG, SIG), SIG, "client takes S2");
	ok(hs_done(&h), "client done");
	is_int(h.info.echo_ok, 1, "S2 echoes C1");
}

static void
test_echo_mismatch(void)
{
	uint8_t c01[1 + SIG], c2[SIG];
	struct hs h;

	make_01(c01, 3, 1, 1);
	hs_init(&h, HS_SERVER, 2, 2);
	feed_dup(&h, c01, sizeof(c01));
	memcpy(c2, h.ours, SIG);
	c2[SIG - 1] ^= 1;
	is_int(feed_dup(&h, c2, SIG), SIG, "C2 with a wrong last byte taken");
	ok(hs_done(&h), "echo mismatch is tolerated (as ffmpeg does)");
	is_int(h.info.echo_ok, 0, "and reported");

	/* bytes 0..7 of the echo are not part of the comparison */
	hs_init(&h, HS_SERVER, 2, 2);
	feed_dup(&h, c01, sizeof(c01));
	memcpy(c2, h.ours, SIG);
	memset(c2, 0xee, 8);
	feed_dup(&h, c2, SIG);
	is_int(h.info.echo_ok, 1, "echo time fields may differ");
	is_int(h.info.echo_time, 0xeeeeeeee, "echo time reported");
}

/*
 * A client's C0+C1+C2 and its first chunk in one read: the server takes the
 * handshake and leaves the rest, whatever the read boundaries.
 */
static void
test_stop_at_end(void)
{
	static const uint8_t chunk[] = {0x03, 0, 0, 0, 0, 0, 0x20, 0x14};
	uint8_t in[1 + 2 * SIG + sizeof(chunk)], s1[SIG];
	struct hs ref, h;
	size_t total = sizeof(in), i, k, used, bad_used = 0, bad_state = 0;
	ssize_t r;

	make_01(in, 3, 10, 11);
	hs_init(&ref, HS_SERVER, 20, 21);
	memcpy(s1, ref.ours, SIG);
	memcpy(in + 1 + SIG, s1, SIG);
	memcpy(in + 1 + 2 * SIG, chunk, sizeof(chunk));

	r = feed_dup(&ref, in, total);
	is_int(r, 1 + 2 * SIG, "one read: handshake consumed, chunk left over");
	ok(hs_done(&ref), "one read: done");
	is_int(ref.info.echo_ok, 1, "one read: echo ok");

	for (i = 0; i <= total; i++) {
		hs_init(&h, HS_SERVER, 20, 21);
		used = 0;
		r = feed_dup(&h, in, i);
		if (r >= 0)
			used += (size_t)r;
		r = feed_dup(&h, in + used, total - used);
		if (r >= 0)
			used += (size_t)r;
		if (used != 1 + 2 * SIG)
			bad_used++;
		if (!hs_done(&h) ||
		    memcmp(&h.info, &ref.info, sizeof(h.info)) != 0 ||
		    h.out_len != ref.out_len ||
		    memcmp(h.out, ref.out, ref.out_len) != 0)
			bad_state++;
	}
	is_int(bad_used, 0,
	       "split at each offset: consumed exactly the handshake");
	is_int(bad_state, 0, "split at each offset: same info and output");

	hs_init(&h, HS_SERVER, 20, 21);
	used = 0;
	for (k = 0; k < total; k++) {
		r = feed_dup(&h, in + k, 1);
		if (r > 0)
			used += (size_t)r;
	}
	is_int(used, 1 + 2 * SIG,
	       "one byte per read: consumed exactly the handshake");
	ok(hs_done(&h) && memcmp(&h.info, &ref.info, sizeof(h.info)) == 0,
	   "one byte per read: same outcome");
}

static void
test_versions(void)
{
	static const struct {
		uint8_t v;
		int want;
		const char *why;
	} v[] = {
	    {0x00, RTMP_ERR_MALFORMED, "version 0"},
	    {0x01, RTMP_ERR_MALFORMED, "version 1"},
	    {0x02, RTMP_ERR_MALFORMED, "version 2"},
	    {0x04, RTMP_ERR_MALFORMED, "version 4"},
	    {0x06, RTMP_ERR_UNSUPPORTED, "version 6 (RTMPE)"},
	    {0x07, RTMP_ERR_MALFORMED, "version 7"},
	    {0x08, RTMP_ERR_UNSUPPORTED, "version 8 (RTMPE XTEA)"},
	    {0x09, RTMP_ERR_UNSUPPORTED, "version 9 (RTMPE Blowfish)"},
	    {0x0a, RTMP_ERR_MALFORMED, "version 10"},
	    {0x16, RTMP_ERR_MALFORMED, "0x16 (a TLS ClientHello)"},
	    {0x47, RTMP_ERR_MALFORMED, "'G' (an HTTP request)"},
	    {0xff, RTMP_ERR_MALFORMED, "version 255"},
	};
	uint8_t in[1 + SIG];
	struct hs h;
	size_t i;
	int role;

	for (role = HS_CLIENT; role <= HS_SERVER; role++) {
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			make_01(in, v[i].v, 0, 3);
			hs_init(&h, (enum hs_role)role, 0, 0);
			is_int(feed_dup(&h, in, 1), v[i].want,
			       "%s: %s refused on the first byte",
			       role == HS_CLIENT ? "client" : "server",
			       v[i].why);
			is_int(h.info.version, v[i].v, "%s: byte reported",
			       v[i].why);
			is_int(feed_dup(&h, in + 1, SIG), v[i].want,
			       "%s: still refused on the next call", v[i].why);
			hs_init(&h, (enum hs_role)role, 0, 0);
			is_int(feed_dup(&h, in, sizeof(in)), v[i].want,
			       "%s: refused in a full C0+C1 read", v[i].why);
		}
	}
}

/*
 * Build a C1/S1 with a valid digest under the given scheme and key; offb,
 * when given, sets the four offset bytes.
 */
static void
make_digest_sig(uint8_t sig[SIG], int scheme, const char *key, uint32_t salt,
		const uint8_t *offb)
{
	uint8_t msg[SIG - 32];
	size_t base = scheme == 0 ? 8 : 772, off;

	fill(sig, SIG, salt);
	sig[4] = 9;
	sig[5] = 0;
	sig[6] = 124;
	sig[7] = 2;
	if (offb != NULL)
		memcpy(sig + base, offb, 4);
	off = ((size_t)sig[base] + sig[base + 1] + sig[base + 2] +
	       sig[base + 3]) %
		  728 +
	      base + 4;
	memcpy(msg, sig, off);
	memcpy(msg + off, sig + off + 32, SIG - off - 32);
	hmac_sha256(key, strlen(key), msg, sizeof(msg), sig + off);
}

static void
test_digest(void)
{
	uint8_t sig[SIG], c01[1 + SIG];
	struct hs cli, srv;
	int scheme;

	is_int(strlen(key_fp), 30, "Flash Player key is 30 bytes");
	is_int(strlen(key_fms), 36, "FMS key is 36 bytes");

	for (scheme = 0; scheme <= 1; scheme++) {
		make_digest_sig(sig, scheme, key_fp, 100 + (uint32_t)scheme,
				NULL);
		ok(hs_digest_valid(sig, 0), "scheme %d C1 digest validates",
		   scheme);
		ok(!hs_digest_valid(sig, 1),
		   "scheme %d C1 digest fails with the server key", scheme);
		sig[SIG - 1] ^= 0x80;
		sig[0] ^= 0x01;
		ok(!hs_digest_valid(sig, 0),
		   "scheme %d C1 with flipped covered bytes fails", scheme);

		make_digest_sig(sig, scheme, key_fms, 200 + (uint32_t)scheme,
				NULL);
		ok(hs_digest_valid(sig, 1), "scheme %d S1 digest validates",
		   scheme);
		ok(!hs_digest_valid(sig, 0),
		   "scheme %d S1 digest fails with the client key", scheme);
	}

	/* the extremes of each range: a byte sum of 727 puts scheme 0's
	 * digest at 739..770 and scheme 1's in the last 32 bytes; 0 puts them
	 * right after the offset bytes */
	for (scheme = 0; scheme <= 1; scheme++) {
		static const uint8_t top[4] = {255, 255, 217, 0};
		static const uint8_t bottom[4] = {0, 0, 0, 0};
		static const uint8_t wrap[4] = {255, 255, 218, 0};

		make_digest_sig(sig, scheme, key_fp, 300, top);
		ok(hs_digest_valid(sig, 0),
		   "scheme %d digest at the top offset", scheme);
		make_digest_sig(sig, scheme, key_fp, 301, bottom);
		ok(hs_digest_valid(sig, 0),
		   "scheme %d digest at the lowest offset", scheme);
		make_digest_sig(sig, scheme, key_fp, 302, wrap);
		ok(hs_digest_valid(sig, 0),
		   "scheme %d digest with a byte sum of 728 (wraps to 0)",
		   scheme);
	}
	/* the digest placed where scheme 1 puts it, but computed as if the
	 * offset were not reduced mod 728, must not validate */
	fill(sig, SIG, 303);
	memcpy(sig + 772, "\xff\xff\xda\x00", 4);
	{
		uint8_t msg[SIG - 32];

		memcpy(msg, sig, 1504);
		hmac_sha256(key_fp, 30, msg, sizeof(msg), sig + 1504);
	}
	ok(!hs_digest_valid(sig, 0), "unreduced offset is not accepted");

	/* our own S1 and C1 carry zero version bytes and no digest */
	hs_init(&srv, HS_SERVER, 1, 77);
	ok(!hs_digest_valid(srv.ours, 1), "our S1 has no digest");
	hs_init(&cli, HS_CLIENT, 1, 78);
	ok(!hs_digest_valid(cli.ours, 0), "our C1 has no digest");

	/* and through the state machine */
	c01[0] = 3;
	make_digest_sig(c01 + 1, 1, key_fp, 400, NULL);
	feed_dup(&srv, c01, sizeof(c01));
	is_int(srv.info.has_digest, 1, "server reports a C1 digest");
	is_mem(srv.info.zero, "\x09\x00\x7c\x02", 4,
	       "server reports C1 version bytes");
	hs_init(&srv, HS_SERVER, 1, 77);
	hs_init(&cli, HS_CLIENT, 1, 78);
	{
		const uint8_t *o;
		size_t n;

		o = hs_output(&cli, &n);
		feed_dup(&srv, o, n);
		o = hs_output(&srv, &n);
		feed_dup(&cli, o, n);
	}
	is_int(cli.info.has_digest, 0, "client sees no digest in our S1");
	is_int(srv.info.has_digest, 0, "server sees no digest in our C1");
	c01[0] = 3;
	make_digest_sig(c01 + 1, 0, key_fms, 500, NULL);
	hs_init(&cli, HS_CLIENT, 1, 78);
	feed_dup(&cli, c01, sizeof(c01));
	is_int(cli.info.has_digest, 1, "client reports an S1 digest");
}

/* Client and server wired back to back, moving n bytes at a time. */
static void
test_back_to_back(void)
{
	static const size_t steps[] = {1, 7, 1536, 1537, 4096};
	struct hs c, s;
	const uint8_t *o;
	size_t n, i, k, bad = 0;
	ssize_t r;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		hs_init(&c, HS_CLIENT, 111, 1);
		hs_init(&s, HS_SERVER, 222, 2);
		for (k = 0; k < 10000 && !(hs_done(&c) && hs_done(&s)); k++) {
			o = hs_output(&c, &n);
			n = n < steps[i] ? n : steps[i];
			r = feed_dup(&s, o, n);
			if (r < 0 || (size_t)r != n)
				bad++;
			hs_output_done(&c, n);
			o = hs_output(&s, &n);
			n = n < steps[i] ? n : steps[i];
			r = feed_dup(&c, o, n);
			if (r < 0 || (size_t)r != n)
				bad++;
			hs_output_done(&s, n);
		}
		ok(hs_done(&c) && hs_done(&s), "%zu bytes per step: both done",
		   steps[i]);
		hs_output(&c, &n);
		hs_output(&s, &n);
		ok(c.info.echo_ok && s.info.echo_ok && c.info.time == 222 &&
		       s.info.time == 111 && c.info.echo_time == 111 &&
		       s.info.echo_time == 222,
		   "%zu bytes per step: both agree", steps[i]);
	}
	is_int(bad, 0, "every byte offered was consumed");
	hs_output(&c, &n);
	is_int(n, 0, "client has nothing left to send");
	hs_output(&s, &n);
	is_int(n, 0, "server has nothing left to send");
}

int
main(void)
{
	test_init();
	test_server();
	test_client();
	test_echo_mismatch();
	test_stop_at_end();
	test_versions();
	test_digest();
	test_back_to_back();
	return done_testing();
}
