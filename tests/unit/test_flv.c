/*
 * FLV: header and tag codecs, the streaming reader (every problem it
 * reports, and the same events for every way of splitting the input), the
 * legacy and Enhanced RTMP v2 audio/video tag headers, and the AVC / AAC
 * configuration records.
 */
#include <stdint.h>

#include "bytes.h"
#include "flv.h"
#include "tap.h"

#define FOURCC_AV01 FLV_FOURCC('a', 'v', '0', '1')
#define FOURCC_HVC1 FLV_FOURCC('h', 'v', 'c', '1')
#define FOURCC_AVC1 FLV_FOURCC('a', 'v', 'c', '1')
#define FOURCC_OPUS FLV_FOURCC('O', 'p', 'u', 's')
#define FOURCC_MP4A FLV_FOURCC('m', 'p', '4', 'a')

/* ---- header and tag codecs --------------------------------------------- */

static void
test_header(void)
{
	uint8_t buf[32], *q, *d;
	struct flv_header h;
	size_t i;

	q = flv_header_put(buf, buf + sizeof(buf),
			   FLV_FLAG_AUDIO | FLV_FLAG_VIDEO);
	ok(q == buf + 13, "header put: 13 bytes");
	is_mem(buf, "FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00", 13,
	       "header put: bytes");
	for (i = 0; i < 13; i++)
		ok(flv_header_put(buf, buf + i, 1) == NULL,
		   "header put into %zu bytes: NULL", i);
	ok(flv_header_put(NULL, buf + 32, 1) == NULL, "header put: NULL in");
	/* Failed puts may have written part of it. */
	flv_header_put(buf, buf + sizeof(buf), 5);

	d = tap_dup(buf, 9);
	is_int(flv_header_parse(d, 9, &h), 9, "header parse");
	is_int(h.version, 1, "header version");
	is_int(h.flags, 5, "header flags");
	is_int(h.data_offset, 9, "header data offset");
	for (i = 0; i < 9; i++)
		is_int(flv_header_parse(d, i, &h), RTMP_ERR_NEED_MORE,
		       "header prefix %zu: NEED_MORE", i);
	free(d);
	memcpy(buf, "FLX\x01\x05\x00\x00\x00\x09", 9);
	d = tap_dup(buf, 9);
	is_int(flv_header_parse(d, 9, &h), RTMP_ERR_MALFORMED,
	       "signature FLX: MALFORMED");
	is_int(flv_header_parse(d, 3, &h), RTMP_ERR_MALFORMED,
	       "signature FLX, 3 bytes: MALFORMED");
	is_int(flv_header_parse(d, 2, &h), RTMP_ERR_NEED_MORE,
	       "signature FL, 2 bytes: NEED_MORE");
	free(d);
	memcpy(buf, "FLV\x01\x05\x00\x00\x00\x08", 9);
	d = tap_dup(buf, 9);
	is_int(flv_header_parse(d, 9, &h), RTMP_ERR_MALFORMED,
	       "data offset 8: MALFORMED");
	free(d);
	memcpy(buf, "FLV\x02\x05\xff\xff\xff\xff", 9);
	d = tap_dup(buf, 9);
	is_int(flv_header_parse(d, 9, &h), 9, "data offset 2^32-1 parses");
	is_int(h.data_offset, 0xffffffffu, "data offset 2^32-1");
	is_int(h.version, 2, "version 2 accepted by the parser");
	free(d);
}

static void
test_tag_header(void)
{
	static const uint8_t payload[3] = {1, 2, 3};
	uint8_t buf[64], *q, *d;
	struct flv_tag t;
	size_t i;

	q = flv_tag_header_put(buf, buf + 11, FLV_TAG_VIDEO, 0x123456,
			       0x89abcdef);
	ok(q == buf + 11, "tag header put: 11 bytes");
	is_mem(buf, "\x09\x12\x34\x56\xab\xcd\xef\x89\x00\x00\x00", 11,
	       "tag header put: extended timestamp is the top byte");
	ok(flv_tag_header_put(buf, buf + 10, 9, 1, 1) == NULL,
	   "tag header put into 10 bytes: NULL");
	ok(flv_tag_header_put(buf, buf + 11, 9, 0x1000000, 1) == NULL,
	   "tag header put, size 2^24: NULL");
	ok(flv_tag_header_put(buf, buf + 11, 9, 0xffffff, 1) == buf + 11,
	   "tag header put, size 2^24-1");

	memcpy(buf, "\xe8\x00\x01\x00\x01\x02\x03\x04\x0a\x0b\x0c", 11);
	d = tap_dup(buf, 11);
	is_int(flv_tag_header_parse(d, 11, &t), 11, "tag header parse");
	is_int(t.type, 8, "tag type (low 5 bits)");
	is_int(t.filter, 1, "filter bit");
	is_int(t.reserved, 3, "reserved bits");
	is_int(t.size, 256, "data size");
	is_int(t.timestamp, 0x04010203, "timestamp with extension");
	is_int(t.stream_id, 0x0a0b0c, "stream id");
	for (i = 0; i < 11; i++)
		is_int(flv_tag_header_parse(d, i, &t), RTMP_ERR_NEED_MORE,
		       "tag header prefix %zu: NEED_MORE", i);
	free(d);

	q = flv_tag_put(buf, buf + sizeof(buf), FLV_TAG_AUDIO, 7, payload, 3);
	ok(q == buf + 18, "tag put: 11 + 3 + 4 bytes");
	is_mem(
	    buf,
	    "\x08\x00\x00\x03\x00\x00\x07\x00\x00\x00\x00\x01\x02\x03\x00\x00"
	    "\x00\x0e",
	    18, "tag put: bytes, PreviousTagSize 14");
	for (i = 0; i < 18; i++)
		ok(flv_tag_put(buf, buf + i, 8, 0, payload, 3) == NULL,
		   "tag put into %zu bytes: NULL", i);
	ok(flv_tag_put(buf, buf + 15, 8, 0, NULL, 0) == buf + 15,
	   "empty tag put: 15 bytes");
}

/* ---- the reader ------------------------------------------------------ */

struct rec {
	int type, problem;
	uint64_t offset, skipped;
	uint8_t tag_type;
	uint32_t size, timestamp, stream_id, prev_size, hash;
	uint8_t version;
};

#define MAX_REC 256

struct run {
	struct rec ev[MAX_REC];
	size_t n;
	int fail; /* a contract violation, described in why */
	const char *why;
};

static uint32_t
fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/*
 * Feed file through a buffer the way a caller with read size step would:
 * call the reader, and only when it says NEED_MORE read step more bytes.
 * Each call sees an exactly sized copy so ASan catches reads past len.
 */
static void
run_reader(const uint8_t *file, size_t flen, size_t step, uint32_t max_tag,
	   struct run *out)
{
	struct flv_reader r;
	size_t off = 0, have = 0, zero_run = 0;

	memset(out, 0, sizeof(*out));
	flv_reader_init(&r);
	r.max_tag_size = max_tag;
	for (;;) {
		struct flv_event ev;
		size_t want = 0, avail = have - off;
		int eof = have == flen;
		uint8_t *copy = tap_dup(file + off, avail);
		ssize_t n = flv_reader_next(&r, copy, avail, eof, &ev, &want);
		struct rec *e;

		if (n == RTMP_ERR_NEED_MORE) {
			free(copy);
			if (eof || want <= avail ||
			    want > (max_tag ? max_tag : FLV_MAX_TAG_DATA) +
				       FLV_READER_LOOKAHEAD) {
				out->fail = 1;
				out->why = "bad NEED_MORE / want";
				return;
			}
			have += step < flen - have ? step : flen - have;
			continue;
		}
		if (n < 0 || (size_t)n > avail) {
			free(copy);
			out->fail = 1;
			out->why = "bad return";
			return;
		}
		if (ev.type == FLV_EV_NONE) {
			free(copy);
			if (n != 0 || off != flen) {
				out->fail = 1;
				out->why = "NONE before the end";
			}
			return;
		}
		zero_run = n == 0 ? zero_run + 1 : 0;
		if (out->n == MAX_REC || zero_run > 8) {
			free(copy);
			out->fail = 1;
			out->why = "too many events";
			return;
		}
		e = &out->ev[out->n++];
		e->type = ev.type;
		e->problem = ev.problem;
		e->offset = ev.offset;
		e->skipped = ev.skipped;
		e->prev_size = ev.prev_size;
		e->version = ev.header.version;
		if (ev.type == FLV_EV_TAG) {
			e->tag_type = ev.tag.type;
			e->size = ev.tag.size;
			e->timestamp = ev.tag.timestamp;
			e->stream_id = ev.tag.stream_id;
			e->hash = fnv(ev.data, ev.tag.size);
			if (ev.data != copy + FLV_TAG_HEADER_SIZE) {
				out->fail = 1;
				out->why = "data not in the buffer";
			}
		}
		if (r.offset != off + (size_t)n) {
			out->fail = 1;
			out->why = "offset does not follow";
		}
		free(copy);
		off += (size_t)n;
	}
}

static int
same_run(const struct run *a, const struct run *b)
{
	return !a->fail && !b->fail && a->n == b->n &&
	       memcmp(a->ev, b->ev, a->n * sizeof(a->ev[0])) == 0;
}

/* The events for a whole-buffer read, compared with every read size from 1
 * to the file size (or the sizes in steps when given). */
static void
check_splits(const char *name, const uint8_t *file, size_t flen,
	     uint32_t max_tag, const struct run *whole, const size_t *steps)
{
	static struct run other;
	size_t k, bad = 0, first_bad = 0, tried = 0;

	for (k = 0; steps ? steps[k] != 0 : k < flen; k++) {
		size_t step = steps ? steps[k] : k + 1;

		run_reader(file, flen, step, max_tag, &other);
		tried++;
		if (!same_run(whole, &other) && bad++ == 0)
			first_bad = step;
	}
	ok(bad == 0, "%s: same events for %zu read sizes", name, tried);
	if (bad)
		printf("#   %zu differ, first with read size %zu (%s)\n", bad,
		       first_bad, other.fail ? other.why : "events");
}

static size_t
ev_at(struct run *r, size_t i, int type, int problem, uint64_t offset)
{
	return i < r->n && r->ev[i].type == type &&
	       r->ev[i].problem == problem && r->ev[i].offset == offset;
}

/* A small file: header, onMetaData-ish script tag, AVC sequence header, a
 * key frame, audio, with timestamps past 2^24. Returns its size. */
static size_t
make_file(uint8_t *b, size_t cap, size_t *tag_off)
{
	static const uint8_t script[] = {0x02, 0x00, 0x0a, 'o', 'n', 'M', 'e',
					 't',  'a',  'D',  'a', 't', 'a', 0x05};
	static const uint8_t avc_seq[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01,
					  0x42, 0x00, 0x1e, 0xff, 0xe1, 0x00,
					  0x00, 0x01, 0x00, 0x00};
	static const uint8_t key[] = {0x17, 0x01, 0x00, 0x00, 0x00, 0x00,
				      0x00, 0x00, 0x02, 0x65, 0x88};
	static const uint8_t aac[] = {0xaf, 0x01, 0x21, 0x10, 0x04};
	uint8_t *p = b, *end = b + cap;
	size_t i = 0;

	p = flv_header_put(p, end, FLV_FLAG_AUDIO | FLV_FLAG_VIDEO);
	tag_off[i++] = (size_t)(p - b);
	p = flv_tag_put(p, end, FLV_TAG_SCRIPT, 0, script, sizeof(script));
	tag_off[i++] = (size_t)(p - b);
	p = flv_tag_put(p, end, FLV_TAG_VIDEO, 0, avc_seq, sizeof(avc_seq));
	tag_off[i++] = (size_t)(p - b);
	p = flv_tag_put(p, end, FLV_TAG_VIDEO, 0x1000000, key, sizeof(key));
	tag_off[i++] = (size_t)(p - b);
	p = flv_tag_put(p, end, FLV_TAG_AUDIO, 0x1000005, aac, sizeof(aac));
	tag_off[i++] = (size_t)(p - b);
	p = flv_tag_put(p, end, FLV_TAG_VIDEO, 0x1000028, key, sizeof(key));
	tag_off[i] = (size_t)(p - b);
	return (size_t)(p - b);
}

#define NTAGS 5

static struct run whole;

static void
test_reader_valid(void)
{
	uint8_t f[512];
	size_t off[NTAGS + 1], n = make_file(f, sizeof(f), off), i;

	run_reader(f, n, n, 0, &whole);
	ok(!whole.fail, "valid file: reader contract held");
	is_int(whole.n, 1 + NTAGS, "valid file: header and 5 tags");
	ok(ev_at(&whole, 0, FLV_EV_HEADER, 0, 0), "valid file: HEADER at 0");
	is_int(whole.ev[0].version, 1, "valid file: version 1");
	for (i = 0; i < NTAGS; i++)
		ok(ev_at(&whole, 1 + i, FLV_EV_TAG, 0, off[i]),
		   "valid file: tag %zu at %zu", i, off[i]);
	is_int(whole.ev[1].tag_type, FLV_TAG_SCRIPT, "first tag: script");
	is_int(whole.ev[3].timestamp, 0x1000000, "timestamp 2^24");
	is_int(whole.ev[4].size, 5, "audio tag size");
	check_splits("valid file", f, n, 0, &whole, NULL);

	/* What it asks for, step by step. */
	{
		struct flv_reader r;
		struct flv_event ev;
		size_t want;

		flv_reader_init(&r);
		is_int(flv_reader_next(&r, f, 5, 0, &ev, &want),
		       RTMP_ERR_NEED_MORE, "5 bytes: NEED_MORE");
		is_int(want, 9, "5 bytes: wants the 9-byte header");
		is_int(flv_reader_next(&r, f, 9, 0, &ev, &want),
		       RTMP_ERR_NEED_MORE, "9 bytes: NEED_MORE");
		is_int(want, 13, "9 bytes: wants PreviousTagSize0 too");
		is_int(flv_reader_next(&r, f, 13, 0, &ev, &want), 13,
		       "13 bytes: HEADER");
		is_int(ev.type, FLV_EV_HEADER, "13 bytes: HEADER event");
		is_int(flv_reader_next(&r, f + 13, 3, 0, &ev, &want),
		       RTMP_ERR_NEED_MORE, "3 tag bytes: NEED_MORE");
		is_int(want, 11, "3 tag bytes: wants 11");
		is_int(flv_reader_next(&r, f + 13, 11, 0, &ev, &want),
		       RTMP_ERR_NEED_MORE, "tag header: NEED_MORE");
		is_int(want, 11 + 14 + 4, "tag header: wants 11 + size + 4");
		is_int(flv_reader_next(&r, f + 13, 29, 0, &ev, &want), 29,
		       "whole tag: TAG");
		is_int(r.last_tag_size, 25, "last_tag_size");
		/* 64-bit offsets: pretend we are past 4 GiB. */
		r.offset += 0x100000000ull;
		is_int(
		    flv_reader_next(&r, f + off[1], n - off[1], 0, &ev, &want),
		    (long long)(off[2] - off[1]), "tag past 4 GiB");
		ok(ev.offset == 0x100000000ull + off[1], "offset past 4 GiB");
	}
}

/* Build variants of the valid file and check the events. */
static struct run got;

static void
expect(const char *name, const uint8_t *f, size_t n, uint32_t max_tag,
       const int (*want)[3], size_t nwant)
{
	size_t i;
	int good;

	run_reader(f, n, n, max_tag, &got);
	good = !got.fail && got.n == nwant;
	for (i = 0; good && i < nwant; i++)
		good = ev_at(&got, i, want[i][0], want[i][1],
			     (uint64_t)want[i][2]);
	ok(good, "%s: events", name);
	if (!good) {
		printf("#   %s\n", got.fail ? got.why : "");
		for (i = 0; i < got.n; i++)
			printf("#   got %d %d %llu skipped %llu\n",
			       got.ev[i].type, got.ev[i].problem,
			       (unsigned long long)got.ev[i].offset,
			       (unsigned long long)got.ev[i].skipped);
	}
	check_splits(name, f, n, max_tag, &got, NULL);
}

#define H FLV_EV_HEADER
#define T FLV_EV_TAG
#define P FLV_EV_PROBLEM
#define R FLV_EV_RESYNC

static void
test_reader_problems(void)
{
	uint8_t base[512], f[1024];
	size_t off[NTAGS + 1], n = make_file(base, sizeof(base), off);
	int t0 = (int)off[0], t1 = (int)off[1], t2 = (int)off[2],
	    t3 = (int)off[3], t4 = (int)off[4], end = (int)n;

	/* Bad signature: skip the header, find the tag at 13. */
	memcpy(f, base, n);
	f[2] = 'X';
	{
		const int w[][3] = {{P, FLV_PROB_BAD_SIGNATURE, 0},
				    {R, 0, 13},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("bad signature", f, n, 0, w, 7);
		is_int(got.ev[1].skipped, 13, "bad signature: 13 skipped");
	}
	/* A headerless stream of tags starting at 9 is found too. */
	memcpy(f, "NOTFLV!!!", 9);
	memcpy(f + 9, base + 13, n - 13);
	{
		const int w[][3] = {{P, FLV_PROB_BAD_SIGNATURE, 0},
				    {R, 0, 9},
				    {T, 0, 9},
				    {T, 0, t1 - 4},
				    {T, 0, t2 - 4},
				    {T, 0, t3 - 4},
				    {T, 0, t4 - 4}};
		expect("headerless tags at 9", f, n - 4, 0, w, 7);
	}
	/* Version 2: a warning, then on. */
	memcpy(f, base, n);
	f[3] = 2;
	{
		const int w[][3] = {{P, FLV_PROB_BAD_VERSION, 3},
				    {H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("version 2", f, n, 0, w, 7);
	}
	/* Data offset 5: warn, assume 9. */
	memcpy(f, base, n);
	f[8] = 5;
	{
		const int w[][3] = {{P, FLV_PROB_BAD_HEADER_SIZE, 5},
				    {H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("data offset 5", f, n, 0, w, 7);
	}
	/* Data offset 0xFFFFFFF0: beyond any buffer, 9 assumed. */
	memcpy(f, base, n);
	wr_be32(f + 5, 0xfffffff0);
	{
		const int w[][3] = {{P, FLV_PROB_BAD_HEADER_SIZE, 5},
				    {H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("data offset 2^32-16", f, n, 0, w, 7);
	}
	/* Data offset 12: three more header bytes, skipped. */
	memcpy(f, base, 9);
	f[8] = 12;
	memcpy(f + 9, "\xaa\xbb\xcc", 3);
	memcpy(f + 12, base + 9, n - 9);
	{
		const int w[][3] = {{H, 0, 0},	    {T, 0, t0 + 3},
				    {T, 0, t1 + 3}, {T, 0, t2 + 3},
				    {T, 0, t3 + 3}, {T, 0, t4 + 3}};
		expect("data offset 12", f, n + 3, 0, w, 6);
	}
	/* The largest header accepted is 9 + max_tag_size bytes. */
	memcpy(f, base, 9);
	wr_be32(f + 5, 9 + 100);
	memset(f + 9, 0xaa, 100);
	memcpy(f + 109, base + 9, n - 9);
	{
		const int w[][3] = {{H, 0, 0},	      {T, 0, t0 + 100},
				    {T, 0, t1 + 100}, {T, 0, t2 + 100},
				    {T, 0, t3 + 100}, {T, 0, t4 + 100}};
		expect("data offset 9 + max_tag_size", f, n + 100, 100, w, 6);
	}
	memcpy(f, base, n);
	wr_be32(f + 5, 9 + 101);
	{
		const int w[][3] = {{P, FLV_PROB_BAD_HEADER_SIZE, 5},
				    {H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("data offset 9 + max_tag_size + 1", f, n, 100, w, 7);
	}
	/* PreviousTagSize0 not 0. */
	memcpy(f, base, n);
	f[12] = 5;
	{
		const int w[][3] = {{P, FLV_PROB_PREV_SIZE, 9},
				    {H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("PreviousTagSize0 5", f, n, 0, w, 7);
		is_int(got.ev[0].prev_size, 5, "PreviousTagSize0 5: value");
	}
	/* Bad tag type in the middle: resync to the next tag. */
	memcpy(f, base, n);
	f[t1] = 7;
	{
		const int w[][3] = {
		    {H, 0, 0},	{T, 0, t0}, {P, FLV_PROB_BAD_TAG_TYPE, t1},
		    {R, 0, t2}, {T, 0, t2}, {T, 0, t3},
		    {T, 0, t4}};
		expect("tag type 7", f, n, 0, w, 7);
		is_int(got.ev[3].skipped, t2 - t1, "tag type 7: skipped");
	}
	/* max_tag_size exactly the size of the AVC tag, then one less. */
	memcpy(f, base, n);
	{
		const int w[][3] = {{H, 0, 0},	{T, 0, t0}, {T, 0, t1},
				    {T, 0, t2}, {T, 0, t3}, {T, 0, t4}};
		const int w2[][3] = {
		    {H, 0, 0},	{T, 0, t0}, {P, FLV_PROB_TAG_TOO_BIG, t1},
		    {R, 0, t2}, {T, 0, t2}, {T, 0, t3},
		    {T, 0, t4}};
		expect("tag at max_tag_size", f, n, 16, w, 6);
		expect("tag at max_tag_size + 1", f, n, 15, w2, 7);
	}
	/* Warnings that do not stop the tag. */
	memcpy(f, base, n);
	f[t2 + 10] = 1;
	f[t3] = 0xe8; /* reserved bits and filter on an audio tag */
	{
		const int w[][3] = {{H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {P, FLV_PROB_STREAM_ID, t2},
				    {T, 0, t2},
				    {P, FLV_PROB_RESERVED_BITS, t3},
				    {P, FLV_PROB_ENCRYPTED, t3},
				    {T, 0, t3},
				    {T, 0, t4}};
		expect("stream id, reserved, filter", f, n, 0, w, 9);
		is_int(got.ev[4].stream_id, 1, "stream id 1 delivered");
		is_int(got.ev[7].tag_type, 8, "type of the 0xe8 tag");
	}
	/* Wrong PreviousTagSize, next tag where DataSize says: go on. */
	memcpy(f, base, n);
	f[t2 - 1] ^= 0x40;
	{
		const int w[][3] = {
		    {H, 0, 0},	{T, 0, t0}, {P, FLV_PROB_PREV_SIZE, t2 - 4},
		    {T, 0, t1}, {T, 0, t2}, {T, 0, t3},
		    {T, 0, t4}};
		expect("PreviousTagSize off, next fine", f, n, 0, w, 7);
		is_int(got.ev[2].prev_size, (t2 - t1 - 4) ^ 0x40,
		       "PreviousTagSize off: value");
	}
	/* Wrong PreviousTagSize on the last tag: reported, end. */
	memcpy(f, base, n);
	f[end - 1] = 0;
	{
		const int w[][3] = {
		    {H, 0, 0},	{T, 0, t0}, {T, 0, t1},
		    {T, 0, t2}, {T, 0, t3}, {P, FLV_PROB_PREV_SIZE, end - 4},
		    {T, 0, t4}};
		expect("last PreviousTagSize 0", f, n, 0, w, 7);
	}
	/* DataSize 3 too big: PreviousTagSize and next header both wrong:
	 * resync from the byte after the tag's start. */
	memcpy(f, base, n);
	f[t1 + 3] += 3;
	{
		const int w[][3] = {
		    {H, 0, 0},	{T, 0, t0}, {P, FLV_PROB_PREV_SIZE, t2 - 4 + 3},
		    {R, 0, t2}, {T, 0, t2}, {T, 0, t3},
		    {T, 0, t4}};
		expect("DataSize too big", f, n, 0, w, 7);
	}
	/* Truncated inside the last tag's data, inside its header, and
	 * without (part of) the last PreviousTagSize. */
	{
		const int w[][3] = {{H, 0, 0},	{T, 0, t0},
				    {T, 0, t1}, {T, 0, t2},
				    {T, 0, t3}, {P, FLV_PROB_TRUNCATED, t4}};
		const int w2[][3] = {{H, 0, 0},
				     {T, 0, t0},
				     {T, 0, t1},
				     {T, 0, t2},
				     {T, 0, t3},
				     {T, 0, t4},
				     {P, FLV_PROB_TRAILING, end - 4}};
		const int w3[][3] = {{H, 0, 0},
				     {T, 0, t0},
				     {T, 0, t1},
				     {T, 0, t2},
				     {T, 0, t3},
				     {T, 0, t4},
				     {P, FLV_PROB_TRAILING, end - 4}};

		expect("cut in the last tag's data", base, n - 6, 0, w, 6);
		expect("cut in the last tag header", base, t4 + 5, 0, w, 6);
		expect("cut before the last PreviousTagSize", base, n - 4, 0,
		       w2, 7);
		expect("cut in the last PreviousTagSize", base, n - 2, 0, w3,
		       7);
	}
	/* Short and empty inputs. */
	{
		const int w[][3] = {{P, FLV_PROB_TRUNCATED, 0}};
		const int w2[][3] = {{P, FLV_PROB_BAD_SIGNATURE, 0}};
		const int w3[][3] = {{H, 0, 0}, {P, FLV_PROB_TRAILING, 9}};
		const int w4[][3] = {{H, 0, 0}};

		expect("empty input", base, 0, 0, w, 1);
		expect("5 header bytes", base, 5, 0, w, 1);
		expect("ABC", (const uint8_t *)"ABC", 3, 0, w2, 1);
		expect("header without PreviousTagSize0", base, 9, 0, w3, 2);
		expect("header, 2 bytes of PreviousTagSize0", base, 11, 0, w3,
		       2);
		expect("header only", base, 13, 0, w4, 1);
	}
	memcpy(f, base, 9);
	f[8] = 20;
	{
		const int w[][3] = {{H, 0, 0}, {P, FLV_PROB_TRUNCATED, 9}};
		expect("data offset 20 in 15 bytes", f, 15, 0, w, 2);
	}
	/* Garbage after the last tag. */
	memcpy(f, base, n);
	memset(f + n, 0xaa, 20);
	{
		const int w[][3] = {{H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {T, 0, t3},
				    {T, 0, t4},
				    {P, FLV_PROB_BAD_TAG_TYPE, end},
				    {P, FLV_PROB_GARBAGE, end + 1}};
		expect("garbage at the end", f, n + 20, 0, w, 8);
		is_int(got.ev[7].skipped, 20, "garbage at the end: skipped");
	}
	/* At the end of input a candidate that runs past it is not taken:
	 * random bytes look like that. */
	memcpy(f, base, n);
	f[t3] = 0x1f;
	{
		const int w[][3] = {{H, 0, 0},
				    {T, 0, t0},
				    {T, 0, t1},
				    {T, 0, t2},
				    {P, FLV_PROB_BAD_TAG_TYPE, t3},
				    {P, FLV_PROB_GARBAGE, t3 + 1}};
		expect("no resync onto a cut tag", f, n - 6, 0, w, 6);
		is_int(got.ev[5].skipped, end - 6 - t3,
		       "no resync onto a cut tag: all skipped");
	}
	/* The damaged corpus file's case: a script-type byte in the last
	 * bytes of a tag, with a size running past the end of input, must not
	 * hide the good tags after it. */
	memcpy(f, base, n);
	f[t1] = 7;
	f[t2 - 1] = FLV_TAG_SCRIPT;
	{
		const int w[][3] = {
		    {H, 0, 0},	{T, 0, t0}, {P, FLV_PROB_BAD_TAG_TYPE, t1},
		    {R, 0, t2}, {T, 0, t2}, {T, 0, t3},
		    {T, 0, t4}};
		expect("script byte before the next tag", f, n, 0, w, 7);
	}
	/* A plausible header in the garbage whose PreviousTagSize is wrong
	 * is passed over. */
	memcpy(f, base, 13);
	memset(f + 13, 0xaa, 37);
	memcpy(f + 20, "\x09\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00", 11);
	memcpy(f + 50, base + t0, n - t0);
	{
		const int w[][3] = {{H, 0, 0},
				    {P, FLV_PROB_BAD_TAG_TYPE, 13},
				    {R, 0, 50},
				    {T, 0, 50}};
		expect("false candidate", f, 50 + (t1 - t0), 0, w, 4);
		is_int(got.ev[2].skipped, 50 - 13, "false candidate: skipped");
	}
}

/* More than FLV_RESYNC_WINDOW bytes of garbage between two tags. */
static void
test_reader_window(void)
{
	static const size_t steps[] = {1000,  4096,  65535,  65536,
				       65537, 70000, 100000, 0};
	uint8_t base[512];
	size_t off[NTAGS + 1], n = make_file(base, sizeof(base), off);
	size_t gap = FLV_RESYNC_WINDOW + 5000, flen = off[1] + gap + n - off[1];
	uint8_t *f = malloc(flen);

	memcpy(f, base, off[1]);
	memset(f + off[1], 0xaa, gap);
	memcpy(f + off[1] + gap, base + off[1], n - off[1]);
	run_reader(f, flen, flen, 0, &got);
	ok(!got.fail && got.n == 9, "big gap: 9 events");
	ok(ev_at(&got, 2, P, FLV_PROB_BAD_TAG_TYPE, off[1]),
	   "big gap: bad type");
	ok(ev_at(&got, 3, P, FLV_PROB_GARBAGE, off[1] + 1),
	   "big gap: one window of garbage");
	is_int(got.ev[3].skipped, 1 + FLV_RESYNC_WINDOW,
	       "big gap: skipped after one window");
	ok(ev_at(&got, 4, R, 0, off[1] + gap), "big gap: resync");
	is_int(got.ev[4].skipped, gap, "big gap: all skipped");
	check_splits("big gap", f, flen, 0, &got, steps);
	free(f);
}

/* ---- video tag headers ---------------------------------------------- */

struct vcase {
	const char *name;
	const char *bytes;
	size_t len;
	int rc;
	int enhanced, frame_type, codec_id;
	uint32_t fourcc;
	int packet_type, cts, multitrack, mt_type, track_id;
	int key, seq, seq_end, command;
	size_t hdr_len, payload_len;
};

static const struct vcase vcases[] = {
    /* legacy */
    {"avc seq header", "\x17\x00\x00\x00\x00\x01\x64", 7, 0, 0, 1, 7,
     FOURCC_AVC1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 5, 2},
    {"avc key nalu cts 66", "\x17\x01\x00\x00\x42\x00\x00", 7, 0, 0, 1, 7,
     FOURCC_AVC1, 1, 66, 0, 0, 0, 1, 0, 0, 0, 5, 2},
    {"avc inter cts -2", "\x27\x01\xff\xff\xfe\x00", 6, 0, 0, 2, 7, FOURCC_AVC1,
     1, -2, 0, 0, 0, 0, 0, 0, 0, 5, 1},
    {"avc end of sequence", "\x17\x02\x00\x00\x00", 5, 0, 0, 1, 7, FOURCC_AVC1,
     2, 0, 0, 0, 0, 0, 0, 1, 0, 5, 0},
    {"avc command frame", "\x57\x01", 2, 0, 0, 5, 7, FOURCC_AVC1, 0, 0, 0, 0, 0,
     0, 0, 0, 1, 2, 0},
    {"hevc legacy id 12 seq", "\x1c\x00\x00\x00\x00\x01", 6, 0, 0, 1, 12,
     FOURCC_HVC1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 5, 1},
    {"h263 key", "\x12\x00\x84", 3, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
     2},
    {"vp6 inter", "\x24\x00\x11", 3, 0, 0, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     1, 2},
    {"h263 disposable", "\x32\x00", 2, 0, 0, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     1, 1},
    /* enhanced, real: ffmpeg 8 AV1 (empty and real SequenceStart,
     * CodedFrames key and inter, Metadata with frame type 5) */
    {"real av1 empty seq start", "\x90\x61\x76\x30\x31", 5, 0, 1, 1, 0,
     FOURCC_AV01, 0, 0, 0, 0, 0, 0, 1, 0, 0, 5, 0},
    {"real av1 seq start", "\x90\x61\x76\x30\x31\x81\x24\x00\x00\x0a", 10, 0, 1,
     1, 0, FOURCC_AV01, 0, 0, 0, 0, 0, 0, 1, 0, 0, 5, 5},
    {"real av1 metadata",
     "\xd4\x61\x76\x30\x31\x02\x00\x09"
     "colorInfo",
     17, 0, 1, 5, 0, FOURCC_AV01, 4, 0, 0, 0, 0, 0, 0, 0, 0, 5, 12},
    {"real av1 key", "\x91\x61\x76\x30\x31\x12\x00\x0a\x0e", 9, 0, 1, 1, 0,
     FOURCC_AV01, 1, 0, 0, 0, 0, 1, 0, 0, 0, 5, 4},
    {"real av1 inter", "\xa1\x61\x76\x30\x31\x12\x00\x32\x88", 9, 0, 1, 2, 0,
     FOURCC_AV01, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 4},
    /* enhanced, built from the spec */
    {"hevc coded frames cts 33", "\x91hvc1\x00\x00\x21\x00\x00\x00\x01", 12, 0,
     1, 1, 0, FOURCC_HVC1, 1, 33, 0, 0, 0, 1, 0, 0, 0, 8, 4},
    {"hevc coded frames cts -1", "\xa1hvc1\xff\xff\xff\x00", 9, 0, 1, 2, 0,
     FOURCC_HVC1, 1, -1, 0, 0, 0, 0, 0, 0, 0, 8, 1},
    {"hevc coded frames x", "\x93hvc1\x00\x00\x00\x01", 9, 0, 1, 1, 0,
     FOURCC_HVC1, 3, 0, 0, 0, 0, 1, 0, 0, 0, 5, 4},
    {"av1 sequence end",
     "\x92"
     "av01",
     5, 0, 1, 1, 0, FOURCC_AV01, 2, 0, 0, 0, 0, 0, 0, 1, 0, 5, 0},
    {"av1 mpeg2ts sequence start",
     "\x95"
     "av01\x80",
     6, 0, 1, 1, 0, FOURCC_AV01, 5, 0, 0, 0, 0, 0, 1, 0, 0, 5, 1},
    {"enhanced command", "\xd1\x00", 2, 0, 1, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
     1, 2, 0},
    {"modex ts offset nano, hevc cts",
     "\x97\x02\x0f\x42\x3f\x01hvc1\x00\x00\x05\xaa", 14, 0, 1, 1, 0,
     FOURCC_HVC1, 1, 5, 0, 0, 0, 1, 0, 0, 0, 13, 1},
    {"two modex blocks",
     "\x97\x00\x01\x07\x00\x02\x03"
     "av01\xbb",
     12, 0, 1, 1, 0, FOURCC_AV01, 3, 0, 0, 0, 0, 1, 0, 0, 0, 11, 1},
    {"multitrack one track",
     "\x96\x01"
     "av01\x02\xcc\xdd",
     9, 0, 1, 1, 0, FOURCC_AV01, 1, 0, 1, 0, 2, 1, 0, 0, 0, 7, 2},
    {"multitrack many tracks",
     "\x96\x11hvc1\x00\x00\x00\x05\x00\x00\x07\xe1\xe2"
     "\x01\x00\x00\x04\x00\x00\x00\xf1",
     23, 0, 1, 1, 0, FOURCC_HVC1, 1, 7, 1, 1, 0, 1, 0, 0, 0, 13, 2},
    {"multitrack many codecs seq start",
     "\x96\x20"
     "av01\x00\x00\x00\x02\x81\x00"
     "hvc1\x01\x00\x00\x01\x01",
     21, 0, 1, 1, 0, FOURCC_AV01, 0, 0, 1, 2, 0, 0, 1, 0, 0, 10, 2},
    /* malformed */
    {.name = "avc packet type 3",
     .bytes = "\x17\x03\x00\x00\x00",
     .len = 5,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "reserved packet type 8",
     .bytes = "\x98"
	      "av01",
     .len = 5,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "multitrack type 3",
     .bytes = "\x96\x31"
	      "av01\x00",
     .len = 7,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "multitrack in multitrack",
     .bytes = "\x96\x06"
	      "av01\x00",
     .len = 7,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "modex in multitrack",
     .bytes = "\x96\x07"
	      "av01\x00",
     .len = 7,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "track too small for cts",
     .bytes = "\x96\x11hvc1\x00\x00\x00\x02\x00\x00\x01\x00\x00\x01\x00",
     .len = 17,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "track size past the end",
     .bytes = "\x96\x11hvc1\x00\x00\x00\x09\x00\x00",
     .len = 12,
     .rc = RTMP_ERR_NEED_MORE},
};

static void
check_video(const struct vcase *c)
{
	struct flv_video_info vi;
	uint8_t *d = tap_dup(c->bytes, c->len);
	int rc = flv_video_parse(d, c->len, &vi);
	size_t k, hdr_end;
	int bad = 0;

	is_int(rc, c->rc, "video %s: rc", c->name);
	if (c->rc != RTMP_OK) {
		free(d);
		return;
	}
	ok(vi.enhanced == c->enhanced && vi.frame_type == c->frame_type &&
	       vi.codec_id == c->codec_id && vi.fourcc == c->fourcc &&
	       vi.packet_type == c->packet_type && vi.cts == c->cts,
	   "video %s: type/codec/fourcc/packet/cts", c->name);
	ok(vi.multitrack == c->multitrack && vi.multitrack_type == c->mt_type &&
	       vi.track_id == c->track_id,
	   "video %s: multitrack", c->name);
	ok(vi.is_keyframe == c->key && vi.is_seq_header == c->seq &&
	       vi.is_seq_end == c->seq_end && vi.is_command == c->command,
	   "video %s: flags", c->name);
	is_int(vi.hdr_len, c->hdr_len, "video %s: hdr_len", c->name);
	is_int(vi.payload_len, c->payload_len, "video %s: payload_len",
	       c->name);
	is_int(flv_video_is_keyframe(d, c->len), c->key,
	       "video %s: cheap keyframe check", c->name);
	is_int(flv_video_is_seq_header(d, c->len), c->seq,
	       "video %s: cheap seq header check", c->name);
	free(d);
	/* Prefixes: NEED_MORE inside the header (and inside the first track
	 * of a sized multitrack packet), else the same header. */
	hdr_end = c->multitrack && c->mt_type != FLV_MT_ONE_TRACK
		      ? c->hdr_len + c->payload_len
		      : c->hdr_len;
	for (k = 0; k < c->len; k++) {
		struct flv_video_info pv;

		d = tap_dup(c->bytes, k);
		rc = flv_video_parse(d, k, &pv);
		if (k < hdr_end ? rc != RTMP_ERR_NEED_MORE
				: rc != RTMP_OK || pv.hdr_len != c->hdr_len ||
				      pv.is_keyframe != c->key)
			bad++;
		/* The cheap checks never claim more than the full parse. */
		if ((flv_video_is_keyframe(d, k) && !c->key) ||
		    (flv_video_is_seq_header(d, k) && !c->seq))
			bad++;
		free(d);
	}
	is_int(bad, 0, "video %s: prefixes", c->name);
}

/* ---- audio tag headers ---------------------------------------------- */

struct acase {
	const char *name;
	const char *bytes;
	size_t len;
	int rc;
	int enhanced, format, rate, size, channels;
	uint32_t fourcc;
	int packet_type, multitrack, mt_type, track_id, seq, seq_end;
	size_t hdr_len, payload_len;
};

static const struct acase acases[] = {
    {"aac seq header", "\xaf\x00\x12\x10", 4, 0, 0, 10, 3, 1, 1, FOURCC_MP4A, 0,
     0, 0, 0, 1, 0, 2, 2},
    {"aac raw", "\xae\x01\x21", 3, 0, 0, 10, 3, 1, 0, FOURCC_MP4A, 1, 0, 0, 0,
     0, 0, 2, 1},
    {"mp3 22 kHz 8-bit mono", "\x28\xff\xfb", 3, 0, 0, 2, 2, 0, 0, 0, 0, 0, 0,
     0, 0, 0, 1, 2},
    {"speex", "\xb6\x01", 2, 0, 0, 11, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1},
    /* real: ffmpeg 8 Opus SequenceStart, MultichannelConfig, frames */
    {"real opus seq start", "\x90OpusOpusHead\x01\x01", 15, 0, 1, 9, 0, 0, 0,
     FOURCC_OPUS, 0, 0, 0, 0, 1, 0, 5, 10},
    {"real opus multichannel config", "\x94Opus\x01\x01\x00\x00\x00\x04", 11, 0,
     1, 9, 0, 0, 0, FOURCC_OPUS, 4, 0, 0, 0, 0, 0, 5, 6},
    {"real opus coded frames", "\x91Opus\xf8\x9e", 7, 0, 1, 9, 0, 0, 0,
     FOURCC_OPUS, 1, 0, 0, 0, 0, 0, 5, 2},
    {"flac seq start",
     "\x90"
     "fLaCfLaC",
     9, 0, 1, 9, 0, 0, 0, FLV_FOURCC('f', 'L', 'a', 'C'), 0, 0, 0, 0, 1, 0, 5,
     4},
    {"ac-3 frames",
     "\x91"
     "ac-3\x0b\x77",
     7, 0, 1, 9, 0, 0, 0, FLV_FOURCC('a', 'c', '-', '3'), 1, 0, 0, 0, 0, 0, 5,
     2},
    {"ec-3 end",
     "\x92"
     "ec-3",
     5, 0, 1, 9, 0, 0, 0, FLV_FOURCC('e', 'c', '-', '3'), 2, 0, 0, 0, 0, 1, 5,
     0},
    {".mp3 frames", "\x91.mp3\xff", 6, 0, 1, 9, 0, 0, 0,
     FLV_FOURCC('.', 'm', 'p', '3'), 1, 0, 0, 0, 0, 0, 5, 1},
    {"mp4a seq start", "\x90mp4a\x12\x10", 7, 0, 1, 9, 0, 0, 0, FOURCC_MP4A, 0,
     0, 0, 0, 1, 0, 5, 2},
    {"modex wrapped opus", "\x97\x02\x00\x00\x10\x01Opus\xf8", 11, 0, 1, 9, 0,
     0, 0, FOURCC_OPUS, 1, 0, 0, 0, 0, 0, 10, 1},
    {"modex 16-bit size", NULL, 0, 0, 1, 9, 0, 0, 0, FOURCC_OPUS, 0, 0, 0, 0, 1,
     0, 0, 0},
    {"multitrack one track", "\x95\x01Opus\x03\xf8", 8, 0, 1, 9, 0, 0, 0,
     FOURCC_OPUS, 1, 1, 0, 3, 0, 0, 7, 1},
    {"multitrack many tracks",
     "\x95\x11mp4a\x00\x00\x00\x03\xaa\xbb\xcc\x01\x00\x00\x01\xdd", 18, 0, 1,
     9, 0, 0, 0, FOURCC_MP4A, 1, 1, 1, 0, 0, 0, 10, 3},
    {"multitrack many codecs",
     "\x95\x20Opus\x04\x00\x00\x01\x01mp4a\x05\x00\x00\x01\x12", 20, 0, 1, 9, 0,
     0, 0, FOURCC_OPUS, 0, 1, 2, 4, 1, 0, 10, 1},
    {.name = "aac packet type 2",
     .bytes = "\xaf\x02",
     .len = 2,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "reserved audio packet type 3",
     .bytes = "\x93Opus",
     .len = 5,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "reserved audio packet type 8",
     .bytes = "\x98Opus",
     .len = 5,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "audio multitrack in multitrack",
     .bytes = "\x95\x05Opus\x00",
     .len = 7,
     .rc = RTMP_ERR_MALFORMED},
    {.name = "audio multitrack type 15",
     .bytes = "\x95\xf1Opus\x00",
     .len = 7,
     .rc = RTMP_ERR_MALFORMED},
};

static void
check_audio(const struct acase *c, const uint8_t *bytes, size_t len)
{
	struct flv_audio_info ai;
	uint8_t *d = tap_dup(bytes, len);
	int rc = flv_audio_parse(d, len, &ai);
	size_t k, hdr_end;
	int bad = 0;

	is_int(rc, c->rc, "audio %s: rc", c->name);
	if (c->rc != RTMP_OK) {
		free(d);
		return;
	}
	ok(ai.enhanced == c->enhanced && ai.sound_format == c->format &&
	       ai.rate == c->rate && ai.size == c->size &&
	       ai.channels == c->channels && ai.fourcc == c->fourcc &&
	       ai.packet_type == c->packet_type,
	   "audio %s: format/rate/size/channels/fourcc/packet", c->name);
	ok(ai.multitrack == c->multitrack && ai.multitrack_type == c->mt_type &&
	       ai.track_id == c->track_id,
	   "audio %s: multitrack", c->name);
	ok(ai.is_seq_header == c->seq && ai.is_seq_end == c->seq_end,
	   "audio %s: flags", c->name);
	is_int(ai.hdr_len, c->hdr_len, "audio %s: hdr_len", c->name);
	is_int(ai.payload_len, c->payload_len, "audio %s: payload_len",
	       c->name);
	is_int(flv_audio_is_seq_header(d, len), c->seq,
	       "audio %s: cheap seq header check", c->name);
	free(d);
	hdr_end = c->multitrack && c->mt_type != FLV_MT_ONE_TRACK
		      ? c->hdr_len + c->payload_len
		      : c->hdr_len;
	for (k = 0; k < len; k++) {
		struct flv_audio_info pa;

		d = tap_dup(bytes, k);
		rc = flv_audio_parse(d, k, &pa);
		if (k < hdr_end ? rc != RTMP_ERR_NEED_MORE
				: rc != RTMP_OK || pa.hdr_len != c->hdr_len)
			bad++;
		if (flv_audio_is_seq_header(d, k) && !c->seq)
			bad++;
		free(d);
	}
	is_int(bad, 0, "audio %s: prefixes", c->name);
}

static void
test_tag_headers(void)
{
	uint8_t big[300];
	size_t i;

	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++)
		check_video(&vcases[i]);
	for (i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		struct acase c = acases[i];

		if (c.bytes != NULL) {
			check_audio(&c, (const uint8_t *)c.bytes, c.len);
			continue;
		}
		/* ModEx data of 257 bytes: UI8 255 escapes to UI16 256. */
		memset(big, 0x5a, sizeof(big));
		big[0] = 0x97;
		big[1] = 0xff;
		big[2] = 0x01;
		big[3] = 0x00;
		big[4 + 257] = 0x00; /* ModEx type 0, SequenceStart */
		memcpy(big + 4 + 257 + 1, "Opus", 4);
		c.hdr_len = 4 + 257 + 1 + 4;
		c.payload_len = 3;
		check_audio(&c, big, c.hdr_len + 3);
	}
	ok(!flv_video_is_keyframe(NULL, 0) &&
	       !flv_video_is_seq_header(NULL, 0) &&
	       !flv_audio_is_seq_header(NULL, 0),
	   "cheap checks on empty input: 0");
	{
		struct flv_video_info vi;
		struct flv_audio_info ai;

		is_int(flv_video_parse(NULL, 0, &vi), RTMP_ERR_NEED_MORE,
		       "empty video: NEED_MORE");
		is_int(flv_audio_parse(NULL, 0, &ai), RTMP_ERR_NEED_MORE,
		       "empty audio: NEED_MORE");
	}
}

static void
test_names(void)
{
	char buf[5];
	unsigned i;
	int distinct = 1;

	ok(strcmp(flv_video_codec_name(FLV_CODEC_AVC), "AVC") == 0,
	   "codec 7: AVC");
	ok(strcmp(flv_video_codec_name(FLV_CODEC_H263), "H.263") == 0,
	   "codec 2: H.263");
	ok(strcmp(flv_video_codec_name(0), "unknown") == 0, "codec 0: unknown");
	ok(strcmp(flv_video_codec_name(15), "unknown") == 0,
	   "codec 15: unknown");
	for (i = 0; i < 16; i++) {
		unsigned j;

		for (j = 0; j < i; j++)
			if (strcmp(flv_sound_format_name((uint8_t)i),
				   flv_sound_format_name((uint8_t)j)) == 0)
				distinct = 0;
	}
	ok(distinct, "16 distinct sound format names");
	ok(strcmp(flv_sound_format_name(10), "AAC") == 0, "format 10: AAC");
	ok(strcmp(flv_sound_format_name(2), "MP3") == 0, "format 2: MP3");
	ok(strcmp(flv_sound_format_name(9), "ExHeader") == 0,
	   "format 9: ExHeader");
	ok(strcmp(flv_sound_format_name(16), "unknown") == 0,
	   "format 16: unknown");
	ok(strcmp(flv_fourcc_str(FOURCC_HVC1, buf), "hvc1") == 0,
	   "fourcc hvc1");
	ok(strcmp(flv_fourcc_str(0x41000a7f, buf), "A???") == 0,
	   "fourcc with unprintable bytes");
	is_int(flv_sound_rate_hz(0), 5500, "rate 0: 5500");
	is_int(flv_sound_rate_hz(1), 11025, "rate 1: 11025");
	is_int(flv_sound_rate_hz(2), 22050, "rate 2: 22050");
	is_int(flv_sound_rate_hz(3), 44100, "rate 3: 44100");
	is_int(flv_sound_rate_hz(4), 0, "rate 4: 0");
	distinct = 1;
	for (i = 0; i <= FLV_PROB_GARBAGE; i++) {
		unsigned j;

		for (j = 0; j < i; j++)
			if (strcmp(flv_problem_name((enum flv_problem)i),
				   flv_problem_name((enum flv_problem)j)) == 0)
				distinct = 0;
		if (strcmp(flv_problem_name((enum flv_problem)i), "unknown") ==
		    0)
			distinct = 0;
	}
	ok(distinct, "distinct problem names");
	ok(strcmp(flv_problem_name(FLV_PROB_PREV_SIZE),
		  "prev_tag_size_mismatch") == 0,
	   "problem name for PREV_SIZE");
}

/* ---- configs ------------------------------------------------------- */

/* ffmpeg/libx264 64x48 (the sequence header of an FLV it wrote), with the
 * High profile extension at the end. */
static const uint8_t avcc_64x48[] = {
    0x01, 0x64, 0x00, 0x0a, 0xff, 0xe1, 0x00, 0x18, 0x67, 0x64, 0x00, 0x0a,
    0xac, 0xd9, 0x44, 0x7b, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
    0x00, 0x03, 0x01, 0x40, 0xf1, 0x22, 0x59, 0x60, 0x01, 0x00, 0x06, 0x68,
    0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00};
#define AVCC_PPS_END 41 /* before the High profile extension */

static int
avc_parse_copy(const uint8_t *p, size_t n, struct avc_config *c)
{
	uint8_t *d = tap_dup(p, n);
	int rc = avc_config_parse(d, n, c);

	free(d);
	return rc;
}

static void
test_avc_config(void)
{
	struct avc_config c;
	uint8_t b[4096], out[128], *q;
	size_t k, n;
	int bad = 0;

	is_int(avc_parse_copy(avcc_64x48, sizeof(avcc_64x48), &c), RTMP_OK,
	       "avcC 64x48");
	ok(c.version == 1 && c.profile == 100 && c.compat == 0 && c.level == 10,
	   "avcC version/profile/compat/level");
	is_int(c.nal_length_size, 4, "avcC NAL length size 4");
	ok(c.nsps == 1 && c.npps == 1, "avcC one SPS, one PPS");
	is_int(c.sps[0].len, 24, "avcC SPS length");
	is_int(c.pps[0].len, 6, "avcC PPS length");
	/* Pointers into the input: parse the array itself to look. */
	avc_config_parse(avcc_64x48, sizeof(avcc_64x48), &c);
	ok(c.sps[0].p == avcc_64x48 + 8 && c.pps[0].p == avcc_64x48 + 35,
	   "avcC SPS and PPS point into the input");
	ok(c.width == 64 && c.height == 48, "avcC size from the SPS");
	/* Without the High profile extension: fine; cut before the end of
	 * the PPS: MALFORMED. */
	for (k = 0; k < sizeof(avcc_64x48); k++) {
		int rc = avc_parse_copy(avcc_64x48, k, &c);

		if (k < AVCC_PPS_END ? rc != RTMP_ERR_MALFORMED : rc != RTMP_OK)
			bad++;
	}
	is_int(bad, 0, "avcC prefixes: MALFORMED before the PPS ends");

	memcpy(b, avcc_64x48, sizeof(avcc_64x48));
	b[0] = 0;
	is_int(avc_parse_copy(b, sizeof(avcc_64x48), &c), RTMP_ERR_MALFORMED,
	       "avcC version 0: MALFORMED");
	b[0] = 1;
	b[4] = 0xfe;
	is_int(avc_parse_copy(b, sizeof(avcc_64x48), &c), RTMP_ERR_MALFORMED,
	       "avcC lengthSizeMinusOne 2: MALFORMED");
	b[4] = 0xfc;
	is_int(avc_parse_copy(b, sizeof(avcc_64x48), &c), RTMP_OK,
	       "avcC lengthSizeMinusOne 0");
	is_int(c.nal_length_size, 1, "NAL length size 1");
	b[4] = 0x01; /* reserved bits zero, as some encoders write */
	is_int(avc_parse_copy(b, sizeof(avcc_64x48), &c), RTMP_OK,
	       "avcC reserved bits zero");
	is_int(c.nal_length_size, 2, "NAL length size 2");
	b[4] = 0xff;
	b[9] = 0xff; /* garbage SPS: the record is still fine */
	is_int(avc_parse_copy(b, sizeof(avcc_64x48), &c), RTMP_OK,
	       "avcC with a bad SPS");
	ok(c.width == 0 && c.height == 0, "bad SPS: size 0");

	/* 31 SPS declared, each 0xFFFF long, with a few bytes present. */
	memcpy(b, "\x01\x64\x00\x0a\xff\xff\xff\xff\x00\x00", 10);
	is_int(avc_parse_copy(b, 10, &c), RTMP_ERR_MALFORMED,
	       "31 SPS of 0xFFFF: MALFORMED");
	/* 31 empty SPS, 255 empty PPS: counted, AVC_MAX_PS kept. */
	n = 0;
	b[n++] = 1;
	b[n++] = 0x42;
	b[n++] = 0;
	b[n++] = 0x1e;
	b[n++] = 0xff;
	b[n++] = 0xff;
	for (k = 0; k < 31; k++) {
		b[n++] = 0;
		b[n++] = 1;
		b[n++] = (uint8_t)k;
	}
	b[n++] = 255;
	for (k = 0; k < 255; k++) {
		b[n++] = 0;
		b[n++] = 0;
	}
	is_int(avc_parse_copy(b, n, &c), RTMP_OK, "31 SPS, 255 PPS");
	avc_config_parse(b, n, &c);
	ok(c.nsps == 31 && c.npps == 255, "declared counts");
	ok(c.sps[AVC_MAX_PS - 1].len == 1 &&
	       c.sps[AVC_MAX_PS - 1].p[0] == AVC_MAX_PS - 1,
	   "SPS %d kept", AVC_MAX_PS - 1);
	is_int(avc_parse_copy(b, n - 1, &c), RTMP_ERR_MALFORMED,
	       "255 PPS, last length cut: MALFORMED");
	/* No parameter sets at all, then no numOfPictureParameterSets. */
	memcpy(b, "\x01\x42\x00\x1e\xff\xe0\x00", 7);
	is_int(avc_parse_copy(b, 7, &c), RTMP_OK, "no SPS, no PPS");
	is_int(avc_parse_copy(b, 6, &c), RTMP_ERR_MALFORMED,
	       "numOfPictureParameterSets missing: MALFORMED");

	/* avc_config_put: the record above again from its SPS and PPS. */
	q = avc_config_put(out, out + sizeof(out), avcc_64x48 + 8, 24,
			   avcc_64x48 + 35, 6);
	ok(q == out + AVCC_PPS_END, "avcC put: 41 bytes");
	is_mem(out, avcc_64x48, AVCC_PPS_END, "avcC put: bytes");
	for (k = 0; k < AVCC_PPS_END; k++)
		ok(avc_config_put(out, out + k, avcc_64x48 + 8, 24,
				  avcc_64x48 + 35, 6) == NULL,
		   "avcC put into %zu bytes: NULL", k);
	ok(avc_config_put(out, out + sizeof(out), avcc_64x48 + 8, 3,
			  avcc_64x48 + 35, 6) == NULL,
	   "avcC put with a 3-byte SPS: NULL");
	ok(avc_config_put(NULL, out + sizeof(out), avcc_64x48 + 8, 24,
			  avcc_64x48 + 35, 6) == NULL,
	   "avcC put: NULL in");
}

static int
aac_parse_copy(const uint8_t *p, size_t n, struct aac_config *c)
{
	uint8_t *d = tap_dup(p, n);
	int rc = aac_config_parse(d, n, c);

	free(d);
	return rc;
}

static void
test_aac_config(void)
{
	/* ffmpeg's AAC LC 8 kHz mono, with its SBR sync extension. */
	static const uint8_t lc[] = {0x15, 0x88, 0x56, 0xe5, 0x00};
	/* object type 31 + 6 bits 10 -> 42, 44.1 kHz, stereo */
	static const uint8_t esc[] = {0xf9, 0x48, 0x40};
	/* AAC LC, index 15, explicit 0x00abcd Hz, 6 channels */
	static const uint8_t explicit[] = {0x17, 0x80, 0x55, 0xe6, 0xb0};
	static const uint8_t idx13[] = {0x16, 0x88};
	static const uint8_t ot0[] = {0x01, 0x88};
	struct aac_config c;
	uint8_t out[2];
	size_t k;
	int bad = 0;

	is_int(aac_parse_copy(lc, sizeof(lc), &c), RTMP_OK, "AAC LC");
	ok(c.object_type == 2 && c.sr_index == 11 && c.sample_rate == 8000 &&
	       c.channel_config == 1,
	   "AAC LC 8 kHz mono");
	for (k = 0; k < 2; k++)
		if (aac_parse_copy(lc, k, &c) != RTMP_ERR_MALFORMED)
			bad++;
	is_int(bad, 0, "AAC LC cut short: MALFORMED");
	is_int(aac_parse_copy(esc, sizeof(esc), &c), RTMP_OK,
	       "object type escape");
	ok(c.object_type == 42 && c.sample_rate == 44100 &&
	       c.channel_config == 2,
	   "object type 32 + 10, 44.1 kHz, stereo");
	is_int(aac_parse_copy(esc, 2, &c), RTMP_ERR_MALFORMED,
	       "escape cut short: MALFORMED");
	is_int(aac_parse_copy(explicit, sizeof(explicit), &c), RTMP_OK,
	       "explicit rate");
	ok(c.sr_index == 15 && c.sample_rate == 0xabcd && c.channel_config == 6,
	   "explicit rate 43981 Hz, 6 channels");
	is_int(aac_parse_copy(explicit, 4, &c), RTMP_ERR_MALFORMED,
	       "explicit rate cut short: MALFORMED");
	is_int(aac_parse_copy(idx13, 2, &c), RTMP_ERR_MALFORMED,
	       "rate index 13: MALFORMED");
	is_int(aac_parse_copy(ot0, 2, &c), RTMP_ERR_MALFORMED,
	       "object type 0: MALFORMED");

	ok(aac_config_put(out, out + 2, 2, 4, 2) == out + 2, "ASC put");
	is_mem(out, "\x12\x10", 2, "ASC put: AAC LC 44.1 kHz stereo");
	ok(aac_config_put(out, out + 1, 2, 4, 2) == NULL, "ASC put: no room");
	ok(aac_config_put(out, out + 2, 2, 13, 2) == NULL,
	   "ASC put index 13: NULL");
	ok(aac_config_put(out, out + 2, 31, 4, 2) == NULL,
	   "ASC put object type 31: NULL");
	ok(aac_config_put(out, out + 2, 30, 12, 15) == out + 2,
	   "ASC put object type 30, index 12, 15 channels");
	is_int(aac_parse_copy(out, 2, &c), RTMP_OK, "ASC round trip");
	ok(c.object_type == 30 && c.sample_rate == 7350 &&
	       c.channel_config == 15,
	   "ASC round trip values");
	is_int(aac_sample_rate(0), 96000, "index 0: 96000");
	is_int(aac_sample_rate(12), 7350, "index 12: 7350");
	is_int(aac_sample_rate(13), 0, "index 13: 0");
}

int
main(void)
{
	test_header();
	test_tag_header();
	test_reader_valid();
	test_reader_problems();
	test_reader_window();
	test_tag_headers();
	test_names();
	test_avc_config();
	test_aac_config();
	return done_testing();
}
