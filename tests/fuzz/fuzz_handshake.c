/*
 * Handshake fuzzer. The input (less its trailing split bytes) is fed as the
 * peer's bytes to a client and to a server, in reads whose sizes come from
 * the trailing bytes, and must give the same outcome as one read. Then a
 * client and a server wired back to back, with read sizes, times and seeds
 * drawn from the input, must both finish and agree.
 *
 * Trailing layout: ... [split sizes, k bytes] [k]  (k = last byte % 16).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"

#define HS_TOTAL (1 + 2 * HS_SIG_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

struct outcome {
	ssize_t err; /* first negative return, or 0 */
	size_t used; /* bytes consumed before it */
	enum hs_state state;
	struct hs_peer_info info;
	size_t out_len;
};

static void
feed_split(enum hs_role role, const uint8_t *p, size_t n, const uint8_t *sp,
	   size_t k, struct outcome *o)
{
	struct hs h;
	size_t off = 0, step, i = 0, pending;
	ssize_t r;

	hs_init(&h, role, 0x11223344, 5);
	memset(o, 0, sizeof(*o));
	while (off <= n) {
		/* read sizes 0..254, or a whole signature for 255 */
		step = k ? sp[i++ % k] : n - off;
		if (k && step == 255)
			step = HS_SIG_SIZE;
		if (step == 0) {
			/* an empty read changes nothing; then make progress */
			CHECK(hs_feed(&h, p + off, 0) == 0);
			step = 1;
		}
		if (step > n - off)
			step = n - off;
		r = hs_feed(&h, p + off, step);
		if (r < 0) {
			CHECK(r == RTMP_ERR_MALFORMED ||
			      r == RTMP_ERR_UNSUPPORTED);
			/* final: the next call says the same */
			CHECK(hs_feed(&h, p, n) == r);
			o->err = r;
			break;
		}
		CHECK((size_t)r <= step);
		/* a short read only happens at the end of the handshake */
		CHECK((size_t)r == step || hs_done(&h));
		off += (size_t)r;
		hs_output(&h, &pending);
		CHECK(pending <= sizeof(h.out));
		if (hs_done(&h) || off == n)
			break;
	}
	CHECK(off <= HS_TOTAL);
	CHECK(!hs_done(&h) || off == HS_TOTAL);
	o->used = off;
	o->state = h.state;
	o->info = h.info;
	hs_output(&h, &o->out_len);
	if (hs_done(&h))
		CHECK(hs_feed(&h, p, n) == 0);
}

static uint64_t
rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
back_to_back(const uint8_t *p, size_t n)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	struct hs c, v;
	const uint8_t *o;
	uint32_t tc, ts;
	size_t len, step, i;
	ssize_t r;

	for (i = 0; i < n && i < 16; i++)
		s = (s ^ p[i]) * 0x100000001b3ull;
	if (s == 0)
		s = 1;
	tc = (uint32_t)rng(&s);
	ts = (uint32_t)rng(&s);
	hs_init(&c, HS_CLIENT, tc, rng(&s));
	hs_init(&v, HS_SERVER, ts, rng(&s));
	for (i = 0; i < 100000 && !(hs_done(&c) && hs_done(&v)); i++) {
		o = hs_output(&c, &len);
		step = (size_t)(rng(&s) % 1600);
		len = len < step ? len : step;
		r = hs_feed(&v, o, len);
		CHECK(r >= 0 && (size_t)r == len);
		hs_output_done(&c, len);
		o = hs_output(&v, &len);
		step = (size_t)(rng(&s) % 1600);
		len = len < step ? len : step;
		r = hs_feed(&c, o, len);
		CHECK(r >= 0 && (size_t)r == len);
		hs_output_done(&v, len);
	}
	CHECK(hs_done(&c) && hs_done(&v));
	CHECK(c.info.echo_ok && v.info.echo_ok);
	CHECK(c.info.time == ts && v.info.time == tc);
	CHECK(c.info.echo_time == tc && v.info.echo_time == ts);
	CHECK(c.info.version == HS_VERSION && v.info.version == HS_VERSION);
	CHECK(!c.info.has_digest && !v.info.has_digest);
	hs_output(&c, &len);
	CHECK(len == 0);
	hs_output(&v, &len);
	CHECK(len == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, split;
	size_t k = 0, n = size;
	int role;

	if (size > 0) {
		k = data[size - 1] % 16;
		n = size - 1;
		if (k > n)
			k = n;
		n -= k;
	}
	for (role = HS_CLIENT; role <= HS_SERVER; role++) {
		feed_split((enum hs_role)role, data, n, NULL, 0, &whole);
		feed_split((enum hs_role)role, data, n, data + n, k, &split);
		CHECK(whole.err == split.err);
		CHECK(whole.state == split.state);
		CHECK(whole.err != 0 || whole.used == split.used);
		CHECK(memcmp(&whole.info, &split.info, sizeof(whole.info)) ==
		      0);
		CHECK(whole.out_len == split.out_len);
	}
	back_to_back(data, size);
	return 0;
}
