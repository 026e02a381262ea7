/*
 * Chunk stream reader and writer: round trips over every header type, chunk
 * sizes and csid forms, every split of the input, extended timestamps with
 * and without the type 3 repeat, the reassembly rules, limits at the
 * boundary and one past, Set Chunk Size and Abort, and a real ffmpeg connect.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "chunk.h"
#include "tap.h"

/* ---- helpers --------------------------------------------------------- */

struct got {
	struct rtmp_msg_hdr h;
	uint8_t *payload;
};

struct run {
	struct got *m;
	size_t n, cap;
	int err;     /* 0, or the negative code that stopped the reader */
	int broken;  /* the return contract of chunk.h was violated */
	size_t used; /* bytes consumed, summed over the returns */
	uint64_t bytes_in;
	uint32_t chunk_size;
	size_t partial_bytes;
	size_t ncs;
};

struct tmsg {
	struct rtmp_msg_hdr h;
	const uint8_t *payload;
};

static void
run_free(struct run *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->m[i].payload);
	free(g->m);
	memset(g, 0, sizeof(*g));
}

static void
run_push(struct run *g, const struct chunk_msg *m)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->m = realloc(g->m, g->cap * sizeof(*g->m));
		if (g->m == NULL)
			abort();
	}
	g->m[g->n].h = m->h;
	g->m[g->n].payload = tap_dup(m->payload, m->h.length);
	g->n++;
}

/*
 * Feed buf in pieces ending at cuts[] (then the rest), each piece copied
 * into an exact-size heap block, looping as chunk.h tells callers to.
 */
static void
run_read(struct run *g, struct chunk_reader *r, const uint8_t *buf, size_t len,
	 const size_t *cuts, size_t ncuts)
{
	size_t start = 0, k, stop, left;
	struct chunk_msg m;
	uint8_t *piece;
	const uint8_t *p;
	ssize_t n;

	memset(g, 0, sizeof(*g));
	for (k = 0; k <= ncuts && g->err == 0 && !g->broken; k++) {
		stop = k < ncuts ? cuts[k] : len;
		piece = tap_dup(buf + start, stop - start);
		p = piece;
		left = stop - start;
		while (left > 0) {
			n = chunk_reader_feed(r, p, left, &m);
			if (n < 0) {
				g->err = (int)n;
				break;
			}
			if ((size_t)n > left ||
			    (!m.ready && (size_t)n != left) || g->n > 1000000) {
				g->broken = 1;
				break;
			}
			p += n;
			left -= (size_t)n;
			g->used += (size_t)n;
			if (m.ready) {
				if (m.h.length > 0 && m.payload == NULL)
					g->broken = 1;
				run_push(g, &m);
			}
		}
		free(piece);
		start = stop;
	}
	g->bytes_in = r->bytes_in;
	g->chunk_size = r->chunk_size;
	g->partial_bytes = r->partial_bytes;
	g->ncs = r->ncs;
}

/* One reader with limits lim and starting chunk size cs0 (0: default). */
static void
read_with(struct run *g, const struct chunk_limits *lim, uint32_t cs0,
	  const uint8_t *buf, size_t len, const size_t *cuts, size_t ncuts)
{
	struct chunk_reader r;

	chunk_reader_init(&r, lim);
	if (cs0)
		r.chunk_size = cs0;
	run_read(g, &r, buf, len, cuts, ncuts);
	chunk_reader_free(&r);
}

static int
hdr_eq(const struct rtmp_msg_hdr *a, const struct rtmp_msg_hdr *b)
{
	return a->csid == b->csid && a->timestamp == b->timestamp &&
	       a->length == b->length && a->type == b->type &&
	       a->stream_id == b->stream_id;
}

static void
diag_hdr(const char *what, const struct rtmp_msg_hdr *h)
{
	printf("#   %s: csid %u ts %u len %u type %u sid %u\n", what,
	       (unsigned)h->csid, (unsigned)h->timestamp, (unsigned)h->length,
	       (unsigned)h->type, (unsigned)h->stream_id);
}

/* 1 when the run holds exactly msgs[0..n), no error. */
static int
run_is(const struct run *g, const struct tmsg *w, size_t n)
{
	size_t i;

	if (g->err != 0 || g->broken || g->n != n) {
		printf("#   err %d broken %d, %zu messages, want %zu\n", g->err,
		       g->broken, g->n, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!hdr_eq(&g->m[i].h, &w[i].h) ||
		    (n > 0 && w[i].h.length > 0 &&
		     memcmp(g->m[i].payload, w[i].payload, w[i].h.length))) {
			printf("#   message %zu differs\n", i);
			diag_hdr("got", &g->m[i].h);
			diag_hdr("want", &w[i].h);
			return 0;
		}
	}
	return 1;
}

static int
runs_same(const struct run *a, const struct run *b)
{
	size_t i;

	if (a->err != b->err || a->broken || b->broken || a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (!hdr_eq(&a->m[i].h, &b->m[i].h) ||
		    memcmp(a->m[i].payload, b->m[i].payload,
			   a->m[i].h.length) != 0)
			return 0;
	return 1;
}

static void
fill(uint8_t *b, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* Like chunk_put_msg but never repeating the extended timestamp on type 3
 * headers, as some librtmp builds write. */
static uint8_t *
put_legacy(uint8_t *p, uint8_t *end, int fmt, const struct rtmp_msg_hdr *h,
	   uint32_t tsf, uint32_t cs, const uint8_t *payload)
{
	uint32_t off = 0, n;

	p = chunk_put_header(p, end, fmt, h, fmt == 3 ? 0 : tsf);
	for (;;) {
		n = h->length - off < cs ? h->length - off : cs;
		if (n > 0)
			p = put_bytes(p, end, payload + off, n);
		off += n;
		if (p == NULL || off == h->length)
			break;
		p = chunk_put_header(p, end, 3, h, 0);
	}
	return p;
}

/*
 * Serialise msgs with a writer at chunk size cs (a Set Chunk Size message
 * on csid 2 goes first when cs is not 128; it is not in msgs). fmts gets the
 * header type chosen for each message. Returns the bytes written.
 */
static size_t
write_msgs(uint8_t *buf, size_t cap, uint32_t cs, const struct tmsg *m,
	   size_t n, int repeat, int *fmts)
{
	struct chunk_writer w;
	struct rtmp_msg_hdr sh = {2, 0, 4, 1, 0};
	uint8_t v[4], *p = buf, *end = buf + cap;
	uint32_t tsf;
	size_t i;
	int fmt;

	memset(&w, 0, sizeof(w));
	if (cs != CHUNK_SIZE_DEFAULT) {
		wr_be32(v, cs);
		p = chunk_writer_put(&w, p, end, &sh, v);
		w.chunk_size = cs;
	}
	for (i = 0; i < n && p != NULL; i++) {
		fmt = chunk_writer_choose(&w, &m[i].h, &tsf);
		if (fmts != NULL)
			fmts[i] = fmt;
		if (repeat) {
			p = chunk_writer_put(&w, p, end, &m[i].h, m[i].payload);
		} else {
			p = put_legacy(p, end, fmt, &m[i].h, tsf, cs,
				       m[i].payload);
			chunk_writer_note(&w, &m[i].h);
		}
	}
	if (p == NULL)
		abort();
	return (size_t)(p - buf);
}

/* Header bytes for a hand-built chunk. */
static size_t
hdr_bytes(uint8_t *b, int fmt, uint32_t csid, uint32_t tsf, uint32_t len,
	  uint8_t type, uint32_t sid)
{
	struct rtmp_msg_hdr h = {csid, 0, len, type, sid};
	uint8_t *e = chunk_put_header(b, b + CHUNK_MAX_HEADER, fmt, &h, tsf);

	if (e == NULL)
		abort();
	return (size_t)(e - b);
}

/* A whole protocol control message with a 32-bit body on csid 2. */
static size_t
ctl_msg(uint8_t *b, uint8_t type, uint32_t sid, uint32_t v)
{
	size_t n = hdr_bytes(b, 0, 2, 0, 4, type, sid);

	wr_be32(b + n, v);
	return n + 4;
}

/* Read one buffer at once with lim and return the error (0 if none). */
static int
read_err(const struct chunk_limits *lim, const uint8_t *b, size_t n)
{
	struct run g;
	int err;

	read_with(&g, lim, 0, b, n, NULL, 0);
	err = g.broken ? 99 : g.err;
	run_free(&g);
	return err;
}

/* ---- round trips ------------------------------------------------------ */

static const uint32_t csids[] = {2, 3, 63, 64, 65, 319, 320, 321, 65599};
static const uint32_t csizes[] = {1,   2,   3,	  4,	7,    127,
				  128, 129, 1000, 4096, 65536};

static void
test_round_trips(void)
{
	static const int want_fmt[] = {0, 3, 2, 3, 1, 2, 3, 0, 0, 1, 3, 2, 1};
	enum { NM = 13 };
	size_t ci, ki, i, len, cap;
	struct tmsg m[NM];
	uint8_t *pl[NM], *buf;
	int fmts[NM];
	struct run g;

	for (ci = 0; ci < sizeof(csizes) / sizeof(csizes[0]); ci++) {
		uint32_t cs = csizes[ci];
		uint32_t l1 = cs * 2 + 1, l2 = cs;

		for (ki = 0; ki < sizeof(csids) / sizeof(csids[0]); ki++) {
			uint32_t c = csids[ki];
			const struct rtmp_msg_hdr hs[NM] = {
			    {c, 0, l1, 9, 1},
			    {c, 0, l1, 9, 1},	      /* delta 0 == ts: 3 */
			    {c, 40, l1, 9, 1},	      /* new delta: 2 */
			    {c, 80, l1, 9, 1},	      /* same delta: 3 */
			    {c, 120, l2, 9, 1},	      /* length: 1 */
			    {c, 0x1000078, l2, 9, 1}, /* ext delta: 2 */
			    {c, 0x2000078, l2, 9, 1}, /* same ext: 3 */
			    {c, 5, l2, 9, 1},	      /* backwards: 0 */
			    {c, 6, l2, 9, 2},	      /* stream id: 0 */
			    {c, 6, 0, 8, 2},	      /* zero length: 1 */
			    {c, 6, 0, 8, 2},	      /* 3 */
			    {c, 0x1000006, 0, 8, 2},  /* 2, ext */
			    {c, 0x1000006, 1, 20, 2},
			};

			for (i = 0; i < NM; i++) {
				m[i].h = hs[i];
				pl[i] = malloc(m[i].h.length + 1);
				fill(pl[i], m[i].h.length, (unsigned)(i + ki));
				m[i].payload = pl[i];
			}
			cap = 64;
			for (i = 0; i < NM; i++)
				cap += chunk_bound(m[i].h.length, cs);
			buf = malloc(cap);
			len = write_msgs(buf, cap, cs, m, NM, 1, fmts);
			read_with(&g, NULL, 0, buf, len, NULL, 0);
			/* drop the Set Chunk Size the writer put first */
			if (cs != CHUNK_SIZE_DEFAULT && g.n > 0) {
				free(g.m[0].payload);
				memmove(g.m, g.m + 1, --g.n * sizeof(g.m[0]));
			}
			ok(memcmp(fmts, want_fmt, sizeof(fmts)) == 0 &&
			       run_is(&g, m, NM) && g.bytes_in == len &&
			       g.used == len && g.chunk_size == cs,
			   "round trip, chunk size %u, csid %u, types "
			   "0,3,2,3,1,2,3,0,0,1,3,2,1",
			   (unsigned)cs, (unsigned)c);
			run_free(&g);
			free(buf);
			for (i = 0; i < NM; i++)
				free(pl[i]);
		}
	}
}

/* chunk_put_msg with each explicit header type reads back. */
static void
test_put_msg_types(void)
{
	uint8_t buf[2048], pay[300], *p;
	struct rtmp_msg_hdr h0 = {3, 1000, 300, 20, 0};
	struct rtmp_msg_hdr h1 = {3, 1100, 200, 18, 0};
	struct rtmp_msg_hdr h2 = {3, 1200, 200, 18, 0};
	struct rtmp_msg_hdr h3 = {3, 1300, 200, 18, 0};
	struct tmsg w[4] = {{h0, pay}, {h1, pay}, {h2, pay}, {h3, pay}};
	uint8_t *end = buf + sizeof(buf);
	struct run g;

	fill(pay, sizeof(pay), 9);
	p = chunk_put_msg(buf, end, 0, &h0, 1000, 0, pay);
	ok(p != NULL && p[-174] == 0xC3, "chunk size 0 means 128");
	p = chunk_put_msg(p, end, 1, &h1, 100, 0, pay);
	p = chunk_put_msg(p, end, 2, &h2, 100, 0, pay);
	p = chunk_put_msg(p, end, 3, &h3, 100, 0, pay);
	ok(p != NULL, "chunk_put_msg types 0..3 fit");
	read_with(&g, NULL, 0, buf, (size_t)(p - buf), NULL, 0);
	ok(run_is(&g, w, 4), "explicit types 0, 1, 2, 3 read back");
	run_free(&g);
	ok(chunk_put_msg(buf, end, 0, &h0, 0, 128, NULL) == NULL,
	   "NULL payload with a length refused");
}

/* ---- every split point ------------------------------------------------ */

static size_t
split_stream(uint8_t *buf, size_t cap, int repeat, struct tmsg *m, uint8_t *pay)
{
	/* two ext-timestamp streams interleaved with a normal one */
	static const struct rtmp_msg_hdr hs[] = {
	    {4, 0x01000000, 9, 9, 1},
	    {320, 0xFFFFFF, 6, 8, 1},
	    {4, 0x02000000, 9, 9, 1}, /* type 3, delta repeats ext */
	    {3, 16777000, 3, 20, 0},
	    {3, 16777216, 3, 20, 0},
	    {320, 0xFFFFFF * 2, 0, 8, 1}, /* zero length, type 1 */
	    {320, 0xFFFFFF * 3, 0, 8, 1}, /* zero length, type 3 + ext */
	    {4, 0x02000000, 2, 9, 1},
	    {65599, 7, 11, 18, 1},
	    {4, 0x02000000 + 0xFFFFFF, 2, 9, 1},
	};
	size_t i, n = sizeof(hs) / sizeof(hs[0]);

	/* payloads whose first bytes look like the ext timestamps */
	fill(pay, 64, 3);
	pay[0] = 0x01, pay[1] = 0x00, pay[2] = 0x00, pay[3] = 0x01;
	pay[16] = 0x00, pay[17] = 0xFF, pay[18] = 0xFF, pay[19] = 0x00;
	for (i = 0; i < n; i++) {
		m[i].h = hs[i];
		m[i].payload = pay + (i % 3 == 1 ? 16 : 0);
	}
	return write_msgs(buf, cap, 5, m, n, repeat, NULL);
}

static void
test_splits(void)
{
	uint8_t buf[1024], pay[64];
	struct tmsg m[16];
	size_t len, i, j, cut[2], nm = 10;
	struct run whole, g;
	int repeat, bad, badc;

	for (repeat = 1; repeat >= 0; repeat--) {
		len = split_stream(buf, sizeof(buf), repeat, m, pay);
		read_with(&whole, NULL, 0, buf, len, NULL, 0);
		if (whole.n > 0) {
			free(whole.m[0].payload);
			memmove(whole.m, whole.m + 1,
				--whole.n * sizeof(whole.m[0]));
		}
		ok(run_is(&whole, m, nm),
		   "multi-message stream, ext ts %s on type 3, read at once",
		   repeat ? "repeated" : "not repeated");
		/* give the Set Chunk Size back for the comparisons below */
		run_free(&whole);
		read_with(&whole, NULL, 0, buf, len, NULL, 0);
		bad = 0;
		for (i = 0; i <= len; i++) {
			read_with(&g, NULL, 0, buf, len, &i, 1);
			if (!runs_same(&g, &whole) || g.bytes_in != len)
				bad++;
			run_free(&g);
		}
		is_int(bad, 0, "every 2-way split of %zu bytes (%s) agrees",
		       len, repeat ? "repeating" : "non-repeating");
		badc = 0;
		for (i = 0; i < len; i++) {
			for (j = i; j <= len; j++) {
				cut[0] = i, cut[1] = j;
				read_with(&g, NULL, 0, buf, len, cut, 2);
				if (!runs_same(&g, &whole))
					badc++;
				run_free(&g);
			}
		}
		is_int(badc, 0, "every 3-way split (%s) agrees",
		       repeat ? "repeating" : "non-repeating");
		{
			size_t *cuts = malloc(len * sizeof(*cuts));

			for (i = 0; i < len; i++)
				cuts[i] = i;
			read_with(&g, NULL, 0, buf, len, cuts, len);
			ok(runs_same(&g, &whole) && g.bytes_in == len,
			   "one byte per feed (%s) agrees",
			   repeat ? "repeating" : "non-repeating");
			run_free(&g);
			free(cuts);
		}
		run_free(&whole);
	}
}

/* Interleaved chunks of two messages and a type 2 restating mid-message. */
static void
test_interleave(void)
{
	uint8_t b[256], pa[10], pb[9];
	size_t n = 0;
	struct run g;
	struct tmsg w[2] = {{{4, 150, 10, 9, 1}, pa}, {{5, 7, 9, 8, 1}, pb}};

	fill(pa, sizeof(pa), 1);
	fill(pb, sizeof(pb), 2);
	n += hdr_bytes(b + n, 0, 4, 100, 10, 9, 1);
	memcpy(b + n, pa, 4), n += 4;
	n += hdr_bytes(b + n, 0, 5, 7, 9, 8, 1);
	memcpy(b + n, pb, 4), n += 4;
	/* type 2 mid-message: the message's delta is restated as 150 */
	n += hdr_bytes(b + n, 2, 4, 150, 0, 0, 0);
	memcpy(b + n, pa + 4, 4), n += 4;
	n += hdr_bytes(b + n, 3, 5, 0, 0, 0, 0);
	memcpy(b + n, pb + 4, 4), n += 4;
	n += hdr_bytes(b + n, 1, 4, 150, 10, 9, 0);
	memcpy(b + n, pa + 8, 2), n += 2;
	n += hdr_bytes(b + n, 3, 5, 0, 0, 0, 0);
	memcpy(b + n, pb + 8, 1), n += 1;
	read_with(&g, NULL, 4, b, n, NULL, 0);
	ok(run_is(&g, w, 2), "interleaved chunks at size 4 with type 1/2 "
			     "headers restating the delta mid-message");
	run_free(&g);
}

/* ---- extended timestamps and wrap ---------------------------------- */

static void
test_ext_ts(void)
{
	uint8_t a[512], b[512], pay[300];
	struct rtmp_msg_hdr h = {6, 0x01234567, 300, 9, 1};
	struct tmsg w[1] = {{h, pay}};
	size_t na, nb;
	struct run g;

	fill(pay, sizeof(pay), 5);
	na = (size_t)(chunk_put_msg(a, a + sizeof(a), 0, &h, h.timestamp, 128,
				    pay) -
		      a);
	ok(na == 16 + 128 + 5 + 128 + 5 + 44 && a[16 + 128] == 0xC6 &&
	       rd_be32(a + 16 + 128 + 1) == 0x01234567,
	   "writer repeats the extended timestamp on type 3");
	nb = (size_t)(put_legacy(b, b + sizeof(b), 0, &h, h.timestamp, 128,
				 pay) -
		      b);
	ok(nb == na - 8, "legacy writer leaves it out");
	read_with(&g, NULL, 0, a, na, NULL, 0);
	ok(run_is(&g, w, 1), "type 3 with the extended timestamp repeated");
	run_free(&g);
	read_with(&g, NULL, 0, b, nb, NULL, 0);
	ok(run_is(&g, w, 1), "type 3 without the extended timestamp");
	run_free(&g);
	/* 24-bit field exactly 0xFFFFFF: needs the extended field too */
	h.timestamp = 0xFFFFFF;
	h.length = 1;
	w[0].h = h;
	na = (size_t)(chunk_put_msg(a, a + sizeof(a), 0, &h, h.timestamp, 128,
				    pay) -
		      a);
	ok(na == 17 && a[1] == 0xFF && a[2] == 0xFF && a[3] == 0xFF &&
	       rd_be32(a + 12) == 0xFFFFFF,
	   "timestamp 0xFFFFFF goes in the extended field");
	read_with(&g, NULL, 0, a, na, NULL, 0);
	ok(run_is(&g, w, 1), "timestamp 0xFFFFFF read back");
	run_free(&g);
}

static void
test_ts_2_24_and_wrap(void)
{
	enum { N = 20 };
	struct tmsg m[N];
	uint8_t pay[8], buf[2048], *p;
	size_t i, len;
	struct run g;
	int fmts[N], ok2 = 1;

	fill(pay, sizeof(pay), 4);
	/* a publisher starting near 2^24 ms (Node-Media-Server #25) */
	for (i = 0; i < N; i++) {
		m[i].h = (struct rtmp_msg_hdr){8, 16777000 + 40 * (uint32_t)i,
					       8, 8, 1};
		m[i].payload = pay;
	}
	len = write_msgs(buf, sizeof(buf), 128, m, N, 1, fmts);
	for (i = 2; i < N; i++)
		ok2 &= fmts[i] == 3;
	read_with(&g, NULL, 0, buf, len, NULL, 0);
	ok(ok2 && run_is(&g, m, N), "deltas of 40 from 16,777,000 cross 2^24");
	run_free(&g);
	/* an encoder sending only type 0 headers across 2^24 */
	p = buf;
	for (i = 0; i < N; i++)
		p = chunk_put_msg(p, buf + sizeof(buf), 0, &m[i].h,
				  m[i].h.timestamp, 128, pay);
	read_with(&g, NULL, 0, buf, (size_t)(p - buf), NULL, 0);
	ok(p != NULL && run_is(&g, m, N),
	   "type 0 only across 2^24 (extended absolute stamps)");
	run_free(&g);
	/* deltas that wrap the 32-bit clock */
	for (i = 0; i < 6; i++) {
		m[i].h = (struct rtmp_msg_hdr){
		    8, 0xFFFFFF00u + 0x80 * (uint32_t)i, 8, 8, 1};
	}
	p = buf;
	p = chunk_put_msg(p, buf + sizeof(buf), 0, &m[0].h, 0xFFFFFF00u, 128,
			  pay);
	p = chunk_put_msg(p, buf + sizeof(buf), 2, &m[1].h, 0x80, 128, pay);
	for (i = 2; i < 6; i++)
		p = chunk_put_msg(p, buf + sizeof(buf), 3, &m[i].h, 0x80, 128,
				  pay);
	read_with(&g, NULL, 0, buf, (size_t)(p - buf), NULL, 0);
	ok(p != NULL && run_is(&g, m, 6) && g.m[2].h.timestamp == 0,
	   "type 2/3 deltas wrap at 2^32");
	run_free(&g);
	/* the writer meets the wrap as time going backwards: type 0 */
	len = write_msgs(buf, sizeof(buf), 128, m, 6, 1, fmts);
	read_with(&g, NULL, 0, buf, len, NULL, 0);
	ok(fmts[2] == 0 && run_is(&g, m, 6), "writer restarts with type 0 "
					     "after the wrap");
	run_free(&g);
	/* a jump of 2^31 is a (large) delta, and back is type 0 */
	m[0].h = (struct rtmp_msg_hdr){8, 1000, 8, 8, 1};
	m[1].h = (struct rtmp_msg_hdr){8, 1000 + 0x80000000u, 8, 8, 1};
	m[2].h = (struct rtmp_msg_hdr){8, 1000, 8, 8, 1};
	len = write_msgs(buf, sizeof(buf), 128, m, 3, 1, fmts);
	read_with(&g, NULL, 0, buf, len, NULL, 0);
	ok(fmts[1] == 2 && fmts[2] == 0 && run_is(&g, m, 3),
	   "jump by 2^31 and back");
	run_free(&g);
}

/* ---- reassembly rules ------------------------------------------------ */

static void
test_violations(void)
{
	uint8_t b[512];
	size_t n;
	int f;
	struct run g;

	for (f = 1; f <= 3; f++) {
		n = hdr_bytes(b, f, 5, 10, 4, 9, 1);
		memset(b + n, 0, 4);
		is_int(read_err(NULL, b, n + 4), RTMP_ERR_MALFORMED,
		       "first chunk of a chunk stream is type %d", f);
	}
	/* known csid 3, unknown csid 4 starting with type 3 */
	n = hdr_bytes(b, 0, 3, 0, 1, 9, 1);
	b[n++] = 0;
	n += hdr_bytes(b + n, 3, 4, 0, 0, 0, 0);
	b[n++] = 0;
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "type 3 on a new chunk stream after another one is known");

	n = hdr_bytes(b, 0, 3, 0, 200, 9, 1);
	memset(b + n, 1, 128), n += 128;
	n += hdr_bytes(b + n, 0, 3, 0, 200, 9, 1);
	memset(b + n, 1, 72), n += 72;
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "type 0 while a message is half-read (CVE-2016-10191)");

	n = hdr_bytes(b, 0, 3, 0, 200, 9, 1);
	memset(b + n, 1, 128), n += 128;
	n += hdr_bytes(b + n, 1, 3, 0, 201, 9, 0);
	memset(b + n, 1, 73), n += 73;
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "type 1 changing the length mid-message");

	n = hdr_bytes(b, 0, 3, 0, 200, 9, 1);
	memset(b + n, 1, 128), n += 128;
	n += hdr_bytes(b + n, 1, 3, 0, 200, 8, 0);
	memset(b + n, 1, 72), n += 72;
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "type 1 changing the message type mid-message");

	/* the same type 1 with length and type unchanged is accepted */
	n = hdr_bytes(b, 0, 3, 0, 200, 9, 1);
	memset(b + n, 1, 128), n += 128;
	n += hdr_bytes(b + n, 1, 3, 33, 200, 9, 0);
	memset(b + n, 1, 72), n += 72;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 1 && g.m[0].h.timestamp == 33 &&
	       g.m[0].h.length == 200,
	   "type 1 restating the header mid-message moves only the time");
	run_free(&g);

	/* type 0 once the message is complete is fine */
	n = hdr_bytes(b, 0, 3, 0, 2, 9, 1);
	b[n++] = 1, b[n++] = 2;
	n += hdr_bytes(b + n, 0, 3, 0, 2, 9, 1);
	b[n++] = 1, b[n++] = 2;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 2, "type 0 between whole messages");
	run_free(&g);
}

/* ---- limits ---------------------------------------------------------- */

static void
test_limits(void)
{
	struct chunk_limits lim;
	uint8_t *b;
	size_t n, i;
	struct run g;
	int err;

	b = malloc((1u << 20) + 4096);
	memset(&lim, 0, sizeof(lim));
	lim.max_message_size = 1000;
	n = hdr_bytes(b, 0, 3, 0, 1000, 9, 1);
	memset(b + n, 7, 1000);
	read_with(&g, &lim, 2000, b, n + 1000, NULL, 0);
	ok(g.err == 0 && g.n == 1, "max_message_size 1000: 1000 bytes ok");
	run_free(&g);
	n = hdr_bytes(b, 0, 3, 0, 1001, 9, 1);
	is_int(read_err(&lim, b, n), RTMP_ERR_LIMIT,
	       "max_message_size 1000: 1001 declared is LIMIT");
	n = hdr_bytes(b, 1, 3, 0, 1001, 9, 1);
	{
		uint8_t c[64];
		size_t k = hdr_bytes(c, 0, 3, 0, 0, 9, 1);

		memcpy(c + k, b, n);
		is_int(read_err(&lim, c, k + n), RTMP_ERR_LIMIT,
		       "max_message_size 1000: type 1 declaring 1001 is LIMIT");
	}

	/* defaults: 1 MiB exactly, and one byte more */
	n = hdr_bytes(b, 0, 3, 0, CHUNK_MAX_MESSAGE_DEFAULT, 9, 1);
	memset(b + n, 1, CHUNK_MAX_MESSAGE_DEFAULT);
	read_with(&g, NULL, CHUNK_MAX_MESSAGE_DEFAULT, b,
		  n + CHUNK_MAX_MESSAGE_DEFAULT, NULL, 0);
	ok(g.err == 0 && g.n == 1, "default limit: 1 MiB message ok");
	run_free(&g);
	n = hdr_bytes(b, 0, 3, 0, CHUNK_MAX_MESSAGE_DEFAULT + 1, 9, 1);
	is_int(read_err(NULL, b, n), RTMP_ERR_LIMIT,
	       "default limit: 1 MiB + 1 is LIMIT");

	/* 0xFFFFFF declared, one byte sent: refused before allocating */
	n = hdr_bytes(b, 0, 3, 0, 0xFFFFFF, 9, 1);
	b[n++] = 0;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == RTMP_ERR_LIMIT && g.ncs == 0 && g.partial_bytes == 0,
	   "length 0xFFFFFF with one byte: LIMIT, nothing allocated");
	run_free(&g);
	memset(&lim, 0, sizeof(lim));
	lim.max_message_size = CHUNK_MAX_MESSAGE_HARD;
	read_with(&g, &lim, 0, b, n, NULL, 0);
	ok(g.err == RTMP_ERR_LIMIT && g.partial_bytes == 0,
	   "length 0xFFFFFF under a 16 MiB message cap: partial cap refuses");
	run_free(&g);
	lim.max_message_size = 0xFFFFFFFFu;
	{
		struct chunk_reader r;

		chunk_reader_init(&r, &lim);
		ok(r.lim.max_message_size == CHUNK_MAX_MESSAGE_HARD &&
		       r.lim.max_chunk_streams == CHUNK_MAX_STREAMS_DEFAULT &&
		       r.lim.max_partial_bytes == CHUNK_MAX_PARTIAL_DEFAULT &&
		       r.lim.max_chunk_size == CHUNK_MAX_CHUNK_SIZE_DEFAULT,
		   "limits: zero means default, message size capped at 16 MiB");
		chunk_reader_free(&r);
	}

	/* chunk streams: 64 ok, the 65th LIMIT */
	n = 0;
	for (i = 0; i < 65; i++) {
		n += hdr_bytes(b + n, 0, 2 + (uint32_t)i, 0, 1, 9, 1);
		b[n++] = 0;
	}
	read_with(&g, NULL, 0, b, n - 14, NULL, 0);
	ok(g.err == 0 && g.n == 64, "64 chunk streams ok");
	run_free(&g);
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == RTMP_ERR_LIMIT && g.n == 64 && g.ncs == 64,
	   "65th chunk stream is LIMIT");
	run_free(&g);

	/* thousands of chunk streams each holding a partial message */
	free(b);
	b = malloc(5000 * 20);
	n = 0;
	for (i = 0; i < 5000; i++) {
		n += hdr_bytes(b + n, 0, 2 + (uint32_t)i, 0, 4096, 9, 1);
		b[n++] = 0;
	}
	/* chunk size 1: each stream gets one whole chunk */
	read_with(&g, NULL, 1, b, n, NULL, 0);
	ok(g.err == RTMP_ERR_LIMIT && g.ncs == 64 &&
	       g.partial_bytes == 64 * 4096,
	   "5000 half-read chunk streams: capped at 64");
	run_free(&g);
	memset(&lim, 0, sizeof(lim));
	lim.max_chunk_streams = CHUNK_CSID_MAX;
	read_with(&g, &lim, 1, b, n, NULL, 0);
	ok(g.err == RTMP_ERR_LIMIT && g.ncs == 1024 &&
	       g.partial_bytes == CHUNK_MAX_PARTIAL_DEFAULT,
	   "5000 half-read 4 KiB messages: capped at 4 MiB (1024 streams)");
	run_free(&g);
	free(b);

	/* partial bytes: 600 + 400 = 1000 ok, one more byte LIMIT */
	b = malloc(4096);
	memset(&lim, 0, sizeof(lim));
	lim.max_partial_bytes = 1000;
	n = hdr_bytes(b, 0, 3, 0, 600, 9, 1);
	memset(b + n, 1, 128), n += 128;
	n += hdr_bytes(b + n, 0, 4, 0, 400, 9, 1);
	memset(b + n, 1, 128), n += 128;
	read_with(&g, &lim, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.partial_bytes == 1000,
	   "partial bytes exactly at the cap");
	run_free(&g);
	i = n;
	n += hdr_bytes(b + n, 0, 5, 0, 1, 9, 1);
	b[n++] = 0;
	err = read_err(&lim, b, n);
	is_int(err, RTMP_ERR_LIMIT, "partial bytes one past the cap");
	/* finishing csid 3 frees room for csid 5 */
	n = i;
	for (i = 0; i < 4; i++) {
		size_t k = i < 3 ? 128 : 600 - 4 * 128;

		n += hdr_bytes(b + n, 3, 3, 0, 0, 0, 0);
		memset(b + n, 1, k), n += k;
	}
	n += hdr_bytes(b + n, 0, 5, 0, 600, 9, 1);
	memset(b + n, 1, 128), n += 128;
	read_with(&g, &lim, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 1 && g.partial_bytes == 1000,
	   "a completed message releases its share of the cap");
	run_free(&g);
	free(b);
}

/* ---- Set Chunk Size and Abort ---------------------------------------- */

static void
test_set_chunk_size(void)
{
	static const struct {
		uint32_t v;
		int err;
		const char *name;
	} cases[] = {
	    {0, RTMP_ERR_MALFORMED, "0"},
	    {1, 0, "1"},
	    {127, 0, "127"},
	    {CHUNK_MAX_CHUNK_SIZE_DEFAULT, 0, "16 MiB (the cap)"},
	    {CHUNK_MAX_CHUNK_SIZE_DEFAULT + 1, RTMP_ERR_LIMIT, "16 MiB + 1"},
	    {0x7FFFFFFF, RTMP_ERR_LIMIT, "0x7FFFFFFF"},
	    {0x80000000u, RTMP_ERR_MALFORMED, "0x80000000 (top bit)"},
	    {0xFFFFFFFFu, RTMP_ERR_MALFORMED, "0xFFFFFFFF"},
	};
	uint8_t b[1024], pay[300];
	struct chunk_limits lim;
	size_t i, n;
	struct run g;
	struct tmsg w[2];

	fill(pay, sizeof(pay), 8);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = ctl_msg(b, 1, 0, cases[i].v);
		/* a 1-byte message that follows at the new chunk size */
		n += hdr_bytes(b + n, 0, 3, 0, 1, 9, 1);
		b[n++] = pay[0];
		read_with(&g, NULL, 0, b, n, NULL, 0);
		if (cases[i].err == 0)
			ok(g.err == 0 && g.n == 2 &&
			       g.chunk_size == cases[i].v &&
			       g.m[0].h.type == 1 &&
			       rd_be32(g.m[0].payload) == cases[i].v,
			   "Set Chunk Size %s applied and handed out",
			   cases[i].name);
		else
			ok(g.err == cases[i].err && g.n == 0,
			   "Set Chunk Size %s is %s", cases[i].name,
			   cases[i].err == RTMP_ERR_LIMIT ? "LIMIT"
							  : "MALFORMED");
		run_free(&g);
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_chunk_size = 0x7FFFFFFF;
	n = ctl_msg(b, 1, 0, 0x7FFFFFFF);
	read_with(&g, &lim, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.chunk_size == 0x7FFFFFFF,
	   "Set Chunk Size 0x7FFFFFFF accepted when the cap allows it");
	run_free(&g);

	/* chunk size 1: a 5-byte message in 5 chunks */
	n = ctl_msg(b, 1, 0, 1);
	n += hdr_bytes(b + n, 0, 3, 0, 5, 9, 1);
	for (i = 0; i < 5; i++) {
		if (i > 0)
			b[n++] = 0xC3;
		b[n++] = pay[i];
	}
	w[0].h = (struct rtmp_msg_hdr){2, 0, 4, 1, 0};
	w[0].payload = b + 12;
	w[1].h = (struct rtmp_msg_hdr){3, 0, 5, 9, 1};
	w[1].payload = pay;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(run_is(&g, w, 2), "chunk size 1 reassembles");
	run_free(&g);

	/* short and long bodies */
	n = hdr_bytes(b, 0, 2, 0, 3, 1, 0);
	b[n++] = 0, b[n++] = 0, b[n++] = 1;
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "Set Chunk Size with a 3-byte body");
	n = hdr_bytes(b, 0, 2, 0, 5, 1, 0);
	wr_be32(b + n, 200), n += 4;
	b[n++] = 0;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.chunk_size == 200, "Set Chunk Size with a 5-byte "
					      "body uses the first 4");
	run_free(&g);
	/* on a media stream id it is not a protocol control message */
	n = ctl_msg(b, 1, 1, 4096);
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 1 && g.chunk_size == 128,
	   "type 1 on stream 1 handed out, not applied");
	run_free(&g);

	/* a change in the middle of a message on another csid */
	n = hdr_bytes(b, 0, 6, 0, 300, 9, 1);
	memcpy(b + n, pay, 128), n += 128;
	n += ctl_msg(b + n, 1, 0, 256);
	b[n++] = 0xC6;
	memcpy(b + n, pay + 128, 172), n += 172;
	w[0].h = (struct rtmp_msg_hdr){2, 0, 4, 1, 0};
	w[0].payload = b + 12 + 128 + 12;
	w[1].h = (struct rtmp_msg_hdr){6, 0, 300, 9, 1};
	w[1].payload = pay;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(run_is(&g, w, 2) && g.chunk_size == 256,
	   "Set Chunk Size in the middle of a message on another csid "
	   "applies to its next chunk");
	run_free(&g);
}

static void
test_abort(void)
{
	uint8_t b[1024], pay[300];
	size_t n;
	struct run g;
	struct tmsg w[2];

	fill(pay, sizeof(pay), 6);
	n = ctl_msg(b, 2, 0, 77);
	n += hdr_bytes(b + n, 0, 3, 0, 3, 9, 1);
	memcpy(b + n, pay, 3), n += 3;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 2 && g.m[0].h.type == 2 && g.ncs == 2,
	   "Abort for an unknown csid is handed out and ignored");
	run_free(&g);
	n = ctl_msg(b, 2, 0, 0xFFFFFFFFu);
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 1, "Abort for csid 0xFFFFFFFF is ignored");
	run_free(&g);

	/* half-read message on csid 6, aborted, then a new type 0 */
	n = hdr_bytes(b, 0, 6, 0, 300, 9, 1);
	memcpy(b + n, pay + 1, 128), n += 128;
	n += ctl_msg(b + n, 2, 0, 6);
	n += hdr_bytes(b + n, 0, 6, 50, 100, 9, 1);
	memcpy(b + n, pay, 100), n += 100;
	w[0].h = (struct rtmp_msg_hdr){2, 0, 4, 2, 0};
	w[0].payload = b + 12 + 128 + 12;
	w[1].h = (struct rtmp_msg_hdr){6, 50, 100, 9, 1};
	w[1].payload = pay;
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(run_is(&g, w, 2) && g.partial_bytes == 0,
	   "Abort discards a half-read message; the next starts afresh");
	run_free(&g);
	/* without the Abort that type 0 is a violation */
	n = hdr_bytes(b, 0, 6, 0, 300, 9, 1);
	memcpy(b + n, pay + 1, 128), n += 128;
	n += hdr_bytes(b + n, 0, 6, 50, 100, 9, 1);
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "same sequence without the Abort is refused");
	/* Abort sent on a media stream id is not obeyed */
	n = hdr_bytes(b, 0, 6, 0, 300, 9, 1);
	memcpy(b + n, pay + 1, 128), n += 128;
	n += ctl_msg(b + n, 2, 1, 6);
	read_with(&g, NULL, 0, b, n, NULL, 0);
	ok(g.err == 0 && g.n == 1 && g.partial_bytes == 300,
	   "type 2 on stream 1 does not abort");
	run_free(&g);
	n = hdr_bytes(b, 0, 2, 0, 0, 2, 0);
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "Abort with an empty body");
}

/* ---- zero-length messages -------------------------------------------- */

static void
test_zero_length(void)
{
	uint8_t b[64];
	size_t n;
	unsigned t;
	int f, bad[4] = {0, 0, 0, 0};
	struct run g;

	for (t = 0; t < 256; t++) {
		n = hdr_bytes(b, 0, 9, 5, 0, (uint8_t)t, 1);
		n += hdr_bytes(b + n, 1, 9, 5, 0, (uint8_t)t, 1);
		n += hdr_bytes(b + n, 2, 9, 6, 0, 0, 0);
		n += hdr_bytes(b + n, 3, 9, 0, 0, 0, 0);
		read_with(&g, NULL, 0, b, n, NULL, 0);
		for (f = 0; f < 4; f++) {
			static const uint32_t ts[4] = {5, 10, 16, 22};

			if (g.err || g.n != 4 || g.m[f].h.length != 0 ||
			    g.m[f].h.type != t || g.m[f].h.timestamp != ts[f])
				bad[f]++;
		}
		run_free(&g);
	}
	for (f = 0; f < 4; f++)
		is_int(bad[f], 0,
		       "zero-length messages of all 256 types, header type %d",
		       f);
	n = hdr_bytes(b, 0, 2, 0, 0, 1, 0);
	is_int(read_err(NULL, b, n), RTMP_ERR_MALFORMED,
	       "zero-length Set Chunk Size on stream 0");
}

/*
 * A message that arrives whole in one chunk is handed out from the caller's
 * input, without a copy; one split across feeds or chunks is assembled in
 * the reader's own buffer. Either way the bytes are the message's.
 */
static void
test_in_place(void)
{
	uint8_t in[600], body[300];
	struct rtmp_msg_hdr h;
	struct chunk_reader r;
	struct chunk_msg m;
	uint8_t *e;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 7);
	memset(&h, 0, sizeof(h));
	h.csid = 6;
	h.length = 100;
	h.type = 9; /* video */
	h.stream_id = 1;
	e = chunk_put_msg(in, in + sizeof(in), 0, &h, 40, 128, body);
	ok(e != NULL, "in place: message built");

	chunk_reader_init(&r, NULL);
	n = chunk_reader_feed(&r, in, (size_t)(e - in), &m);
	is_int(n, e - in, "in place: whole message consumed");
	ok(m.ready && m.payload >= in && m.payload + 100 <= e,
	   "in place: a one-chunk message points into the input");
	ok(m.ready && memcmp(m.payload, body, 100) == 0,
	   "in place: with the message's bytes");
	chunk_reader_free(&r);

	/* Split before the last byte: assembled, still the same bytes. */
	chunk_reader_init(&r, NULL);
	n = chunk_reader_feed(&r, in, (size_t)(e - in) - 1, &m);
	ok(n > 0 && !m.ready, "in place: a split message is not ready");
	n = chunk_reader_feed(&r, e - 1, 1, &m);
	ok(n == 1 && m.ready && (m.payload < in || m.payload >= e),
	   "in place: a split message is assembled in the reader's buffer");
	ok(m.ready && memcmp(m.payload, body, 100) == 0,
	   "in place: assembled with the message's bytes");
	chunk_reader_free(&r);

	/* Two chunks (300 bytes at chunk size 128): assembled too. */
	h.length = 300;
	e = chunk_put_msg(in, in + sizeof(in), 0, &h, 40, 128, body);
	chunk_reader_init(&r, NULL);
	i = 0;
	m.ready = 0;
	while (!m.ready && i < (size_t)(e - in)) {
		n = chunk_reader_feed(&r, in + i, (size_t)(e - in) - i, &m);
		if (n <= 0)
			break;
		i += (size_t)n;
	}
	ok(m.ready && (m.payload < in || m.payload >= e),
	   "in place: a message of several chunks is assembled");
	ok(m.ready && memcmp(m.payload, body, 300) == 0,
	   "in place: with the message's bytes");
	chunk_reader_free(&r);
}

/* ---- real bytes: ffmpeg connect ---------------------------------------- */

/*
 * ffmpeg 6.1 (Lavf60.16.100) publishing to rtmp://localhost/live/x: its
 * connect on csid 3, type 0 header, chunk size 128, so the 139-byte AMF0
 * body continues after a 0xC3 header.
 */
static const uint8_t ffmpeg_connect[] = {
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8b, 0x14, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
    0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
    0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x04, 0x74, 0x79,
    0x70, 0x65, 0x02, 0x00, 0x0a, 0x6e, 0x6f, 0x6e, 0x70, 0x72, 0x69, 0x76,
    0x61, 0x74, 0x65, 0x00, 0x08, 0x66, 0x6c, 0x61, 0x73, 0x68, 0x56, 0x65,
    0x72, 0x02, 0x00, 0x24, 0x46, 0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30,
    0x20, 0x28, 0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65,
    0x3b, 0x20, 0x4c, 0x61, 0x76, 0x66, 0x36, 0x30, 0x2e, 0x31, 0x36, 0x2e,
    0x31, 0x30, 0x30, 0x29, 0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02,
    0x00, 0x1a, 0x72, 0x74, 0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x6c, 0x6f, 0x63,
    0x61, 0x6c, 0x68, 0x6f, 0x73, 0x74, 0x3a, 0x31, 0xc3, 0x39, 0x33, 0x35,
    0x2f, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x00, 0x09,
};

static void
test_ffmpeg_connect(void)
{
	uint8_t body[139], out[256], *e;
	size_t i, len = sizeof(ffmpeg_connect), bad = 0;
	struct rtmp_msg_hdr h = {3, 0, 139, 20, 0};
	struct tmsg w[1] = {{h, body}};
	struct run g;

	memcpy(body, ffmpeg_connect + 12, 128);
	memcpy(body + 128, ffmpeg_connect + 141, 11);
	read_with(&g, NULL, 0, ffmpeg_connect, len, NULL, 0);
	ok(run_is(&g, w, 1) && g.bytes_in == len,
	   "ffmpeg connect: one 139-byte command on csid 3");
	ok(g.n == 1 &&
	       memcmp(g.m[0].payload,
		      "\x02\x00\x07"
		      "connect",
		      10) == 0 &&
	       memcmp(g.m[0].payload + 136, "\x00\x00\x09", 3) == 0,
	   "ffmpeg connect: AMF0 \"connect\" ... object end");
	run_free(&g);
	for (i = 0; i <= len; i++) {
		read_with(&g, NULL, 0, ffmpeg_connect, len, &i, 1);
		if (!run_is(&g, w, 1))
			bad++;
		run_free(&g);
	}
	is_int(bad, 0, "ffmpeg connect split at every offset");
	e = chunk_put_msg(out, out + sizeof(out), 0, &h, 0, 128, body);
	ok(e != NULL && (size_t)(e - out) == len &&
	       memcmp(out, ffmpeg_connect, len) == 0,
	   "writer produces ffmpeg's bytes");
	/* the return contract: stop right after the completing chunk */
	{
		struct chunk_reader r;
		struct chunk_msg m;
		uint8_t two[2 * sizeof(ffmpeg_connect)];
		ssize_t n1, n2;

		memcpy(two, ffmpeg_connect, len);
		memcpy(two + len, ffmpeg_connect, len);
		two[len] = 0x43; /* second one with a type 1 header */
		chunk_reader_init(&r, NULL);
		n1 = chunk_reader_feed(&r, two, sizeof(two), &m);
		ok(n1 == (ssize_t)len && m.ready, "feed stops after the first "
						  "message");
		n2 = chunk_reader_feed(&r, two + len, 5, &m);
		ok(n2 == 5 && !m.ready && r.bytes_in == len + 5,
		   "a partial header is consumed and counted");
		chunk_reader_free(&r);
	}
}

/* ---- writer ---------------------------------------------------------- */

static void
test_writer_bytes(void)
{
	static const struct {
		int fmt;
		uint32_t csid, tsf;
		size_t n;
	} sz[] = {
	    {0, 2, 0, 12},
	    {0, 63, 0, 12},
	    {0, 64, 0, 13},
	    {0, 319, 0, 13},
	    {0, 320, 0, 14},
	    {0, 65599, 0, 14},
	    {1, 3, 0, 8},
	    {2, 3, 0, 4},
	    {3, 3, 0, 1},
	    {3, 3, 0xFFFFFE, 1},
	    {3, 3, 0xFFFFFF, 5},
	    {2, 64, 0xFFFFFFFF, 9},
	    {0, 65599, 0x1000000, 18},
	    {0, 1, 0, 0},
	    {0, 65600, 0, 0},
	    {4, 3, 0, 0},
	    {-1, 3, 0, 0},
	};
	static const struct {
		uint32_t csid;
		uint8_t b[3];
		size_t n;
	} basic[] = {
	    {2, {0xC2}, 1},
	    {63, {0xFF}, 1},
	    {64, {0xC0, 0x00}, 2},
	    {319, {0xC0, 0xFF}, 2},
	    {320, {0xC1, 0x00, 0x01}, 3},
	    {65599, {0xC1, 0xFF, 0xFF}, 3},
	};
	static const uint8_t full[] = {0x03, 0x12, 0x34, 0x56, 0x00, 0x01,
				       0x02, 0x14, 0x04, 0x03, 0x02, 0x01};
	struct rtmp_msg_hdr h = {3, 0x123456, 0x102, 20, 0x01020304};
	uint8_t b[32], *e;
	size_t i, k;
	int bad = 0;

	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++)
		is_int(chunk_header_size(sz[i].fmt, sz[i].csid, sz[i].tsf),
		       sz[i].n, "chunk_header_size(%d, %u, %#x)", sz[i].fmt,
		       (unsigned)sz[i].csid, (unsigned)sz[i].tsf);
	for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++) {
		h.csid = basic[i].csid;
		e = chunk_put_header(b, b + sizeof(b), 3, &h, 0);
		ok(e == b + basic[i].n &&
		       memcmp(b, basic[i].b, basic[i].n) == 0,
		   "basic header for csid %u", (unsigned)basic[i].csid);
	}
	h.csid = 3;
	e = chunk_put_header(b, b + sizeof(b), 0, &h, h.timestamp);
	ok(e == b + 12 && memcmp(b, full, 12) == 0,
	   "type 0 header: big-endian fields, little-endian stream id");
	for (k = 0; k < 12; k++)
		if (chunk_put_header(b, b + k, 0, &h, h.timestamp) != NULL)
			bad++;
	is_int(bad, 0, "type 0 header: NULL for every short buffer");
	ok(chunk_put_header(NULL, b + 32, 0, &h, 0) == NULL,
	   "NULL passes through chunk_put_header");
	ok(chunk_put_msg(NULL, b + 32, 0, &h, 0, 128, b) == NULL,
	   "NULL passes through chunk_put_msg");
	h.length = 0x1000000;
	ok(chunk_put_header(b, b + sizeof(b), 0, &h, 0) == NULL,
	   "length above 24 bits refused");
	h.csid = 1;
	h.length = 1;
	ok(chunk_put_header(b, b + sizeof(b), 0, &h, 0) == NULL,
	   "csid 1 refused");
}

static void
test_writer_bound(void)
{
	static const uint32_t lens[] = {0, 1, 127, 128, 129, 1000, 70000};
	static const uint32_t css[] = {0, 1, 4, 128, 4096};
	uint8_t *buf = malloc(chunk_bound(70000, 1)), *pay = calloc(1, 70000);
	struct rtmp_msg_hdr h = {65599, 0, 0, 9, 1};
	size_t i, j, k, need;
	int bad = 0, badshort = 0;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (j = 0; j < sizeof(css) / sizeof(css[0]); j++) {
			uint8_t *e;

			h.length = lens[i];
			e = chunk_put_msg(buf,
					  buf + chunk_bound(lens[i], css[j]), 0,
					  &h, 0xFFFFFFFF, css[j], pay);
			if (e == NULL ||
			    (size_t)(e - buf) > chunk_bound(lens[i], css[j]))
				bad++;
			if (e == NULL || lens[i] > 1000)
				continue;
			need = (size_t)(e - buf);
			for (k = 0; k < need; k++)
				if (chunk_put_msg(buf, buf + k, 0, &h,
						  0xFFFFFFFF, css[j],
						  pay) != NULL)
					badshort++;
		}
	}
	is_int(bad, 0,
	       "chunk_bound covers csid 65599, extended ts, sizes "
	       "0..70000 at chunk sizes 0..4096");
	is_int(badshort, 0, "chunk_put_msg: NULL for every short buffer");
	free(buf);
	free(pay);
}

static void
test_writer_choice(void)
{
	struct chunk_writer w;
	struct rtmp_msg_hdr h = {4, 100, 10, 8, 1};
	uint8_t b[64], pay[10] = {0};
	uint32_t tsf;
	int i, bad = 0;

	memset(&w, 0, sizeof(w));
	is_int(chunk_writer_choose(&w, &h, &tsf), 0, "first message: type 0");
	is_int(tsf, 100, "type 0 carries the absolute time");
	chunk_writer_note(&w, &h);
	h.timestamp = 200;
	is_int(chunk_writer_choose(&w, &h, &tsf), 3,
	       "delta equal to the type 0 time: type 3");
	h.timestamp = 50;
	is_int(chunk_writer_choose(&w, &h, &tsf), 0, "time backwards: type 0");
	h.timestamp = 120;
	is_int(chunk_writer_choose(&w, &h, &tsf), 2, "new delta: type 2");
	is_int(tsf, 20, "type 2 carries the delta");
	chunk_writer_note(&w, &h);
	h.timestamp = 140;
	is_int(chunk_writer_choose(&w, &h, &tsf), 3, "same delta: type 3");
	h.length = 11;
	is_int(chunk_writer_choose(&w, &h, &tsf), 1, "length change: type 1");
	h.length = 10;
	h.type = 9;
	is_int(chunk_writer_choose(&w, &h, &tsf), 1, "type change: type 1");
	h.type = 8;
	h.stream_id = 2;
	is_int(chunk_writer_choose(&w, &h, &tsf), 0,
	       "stream id change: "
	       "type 0");
	h.stream_id = 1;
	/* a put that does not fit is not remembered */
	h.csid = 5;
	ok(chunk_writer_put(&w, b, b + 5, &h, pay) == NULL &&
	       chunk_writer_choose(&w, &h, &tsf) == 0,
	   "failed put leaves the writer's memory alone");
	ok(chunk_writer_put(&w, b, b + sizeof(b), &h, pay) == b + 22 &&
	       chunk_writer_choose(&w, &h, &tsf) == 2 && tsf == 0,
	   "successful put is remembered (delta 0 after type 0 at 140)");
	chunk_writer_forget(&w, 5);
	is_int(chunk_writer_choose(&w, &h, &tsf), 0, "forgotten csid: type 0");
	h.csid = 4;
	is_int(chunk_writer_choose(&w, &h, &tsf), 3, "other csid kept");

	/* LRU: 16 entries; the 17th evicts the least recently used */
	memset(&w, 0, sizeof(w));
	for (i = 0; i < 16; i++) {
		h.csid = 10 + (uint32_t)i;
		chunk_writer_note(&w, &h);
	}
	h.csid = 10; /* touch csid 10: csid 11 becomes the oldest */
	chunk_writer_note(&w, &h);
	h.csid = 40;
	chunk_writer_note(&w, &h);
	for (i = 0; i < 16; i++) {
		h.csid = 10 + (uint32_t)i;
		if ((chunk_writer_choose(&w, &h, &tsf) == 0) != (i == 1))
			bad++;
	}
	h.csid = 40;
	if (chunk_writer_choose(&w, &h, &tsf) == 0)
		bad++;
	is_int(bad, 0, "17th csid evicts the least recently used (csid 11)");
}

/* Writer stream with more than 16 chunk streams reads back. */
static void
test_writer_many_streams(void)
{
	enum { N = 200 };
	struct tmsg m[N];
	uint8_t pay[40], *buf;
	size_t i, len, cap = 64;
	int fmts[N];
	struct run g;

	fill(pay, sizeof(pay), 11);
	for (i = 0; i < N; i++) {
		m[i].h = (struct rtmp_msg_hdr){2 + (uint32_t)(i * 7 % 20),
					       (uint32_t)i * 10,
					       (uint32_t)(i % 40), 9, 1};
		m[i].payload = pay;
		cap += chunk_bound(m[i].h.length, 16);
	}
	buf = malloc(cap);
	len = write_msgs(buf, cap, 16, m, N, 1, fmts);
	read_with(&g, NULL, 0, buf, len, NULL, 0);
	if (g.n > 0) {
		free(g.m[0].payload);
		memmove(g.m, g.m + 1, --g.n * sizeof(g.m[0]));
	}
	ok(run_is(&g, m, N), "20 csids through the 16-entry writer table");
	run_free(&g);
	free(buf);
}

int
main(void)
{
	test_round_trips();
	test_put_msg_types();
	test_splits();
	test_interleave();
	test_ext_ts();
	test_ts_2_24_and_wrap();
	test_violations();
	test_limits();
	test_set_chunk_size();
	test_abort();
	test_zero_length();
	test_in_place();
	test_ffmpeg_connect();
	test_writer_bytes();
	test_writer_bound();
	test_writer_choice();
	test_writer_many_streams();
	return done_testing();
}
