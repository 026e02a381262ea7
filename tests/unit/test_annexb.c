/* Annex B framing: start codes, NAL units, access units in AVCC form, and a
 * walk over the fixture tests/fixtures/sample.h264. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annexb.h"
#include "tap.h"

/*
 * From ffprobe and sample.flv's AVCDecoderConfigurationRecord (see
 * tests/fixtures/README.md): 250 frames at 25 fps, 320x240, an IDR every 50
 * frames, and these parameter sets.
 */
#define SAMPLE_UNITS 250
#define SAMPLE_GOP   50
static const uint8_t sample_sps[] = {
    0x67, 0x4d, 0x40, 0x0d, 0xec, 0xa0, 0xa0, 0xfd, 0x80, 0x88, 0x00, 0x00,
    0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0x90, 0x78, 0xa1, 0x4c, 0xb0,
};
static const uint8_t sample_pps[] = {0x68, 0xeb, 0xec, 0xb2};

/* ---------------------------------------------------------------- NALs */

static ssize_t
nal_dup(const uint8_t *p, size_t len, int eof, struct rtmp_str *nal,
	uint8_t **copy)
{
	*copy = tap_dup(p, len);
	return annexb_next_nal(*copy, len, eof, nal);
}

/* Expect r consumed bytes and a NAL equal to want (wlen bytes). */
static void
expect_nal(const char *name, const uint8_t *in, size_t len, int eof,
	   ssize_t want_r, const uint8_t *want, size_t wlen)
{
	struct rtmp_str nal = {NULL, 0};
	uint8_t *q;
	ssize_t r = nal_dup(in, len, eof, &nal, &q);

	is_int(r, want_r, "next_nal: %s: result", name);
	if (r >= 0 && want_r >= 0) {
		is_int(nal.len, wlen, "next_nal: %s: NAL length", name);
		ok(nal.len == wlen &&
		       (wlen == 0 || memcmp(nal.p, want, wlen) == 0),
		   "next_nal: %s: NAL bytes", name);
		ok(nal.p >= q && nal.p + nal.len <= q + len,
		   "next_nal: %s: NAL inside the input", name);
	}
	free(q);
}

#define V(...) (const uint8_t[]){__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

static void
test_next_nal(void)
{
	static const uint8_t sps3[] = {0x67, 0xaa, 0xbb};
	static const uint8_t s2[] = {0x41, 0x22};
	static const uint8_t esc[] = {0x41, 0x00, 0x00, 0x03, 0x00, 0x22};
	static const uint8_t two[] = {0x41, 0x00, 0x00, 0x02, 0x22};
	static const uint8_t s3[] = {0x41, 0x22, 0x33};
	static const uint8_t one[] = {0x41};
	static const uint8_t V0022[] = {0x00, 0x22};

	expect_nal("4-byte start code",
		   V(0, 0, 0, 1, 0x67, 0xaa, 0xbb, 0, 0, 1, 0x68), 0, 7, sps3,
		   3);
	expect_nal("NAL header 0x00 (type 0) is carried",
		   V(0, 0, 1, 0, 0x22, 0, 0, 1), 0, 5, V0022, 2);
	expect_nal("3-byte start code", V(0, 0, 1, 0x41, 0x22, 0, 0, 1, 0x41),
		   0, 5, s2, 2);
	expect_nal("leading zero bytes",
		   V(0, 0, 0, 0, 0, 0, 1, 0x41, 0x22, 0, 0, 1), 0, 9, s2, 2);
	expect_nal("trailing zero bytes excluded",
		   V(0, 0, 1, 0x41, 0x22, 0, 0, 0, 0, 0, 1, 0x41), 0, 5, s2, 2);
	expect_nal("the zero run before the next start code is skipped",
		   V(0, 0, 0, 0, 0, 1, 0x41), 1, 7, one, 1);
	expect_nal("emulation prevention 00 00 03 is no boundary",
		   V(0, 0, 1, 0x41, 0, 0, 3, 0, 0x22, 0, 0, 1), 0, 9, esc, 6);
	expect_nal("00 00 02 is left in the NAL",
		   V(0, 0, 1, 0x41, 0, 0, 2, 0x22, 0, 0, 1), 0, 8, two, 5);
	expect_nal("end of NAL not in sight", V(0, 0, 1, 0x41, 0x22, 0x33), 0,
		   RTMP_ERR_NEED_MORE, NULL, 0);
	expect_nal("eof: NAL runs to the end", V(0, 0, 1, 0x41, 0x22, 0x33), 1,
		   6, s3, 3);
	expect_nal("half a start code at the end", V(0, 0, 1, 0x41, 0x22, 0, 0),
		   0, RTMP_ERR_NEED_MORE, NULL, 0);
	expect_nal("eof: trailing zero bytes of the stream",
		   V(0, 0, 1, 0x41, 0x22, 0, 0), 1, 7, s2, 2);
	expect_nal("eof: one trailing zero byte", V(0, 0, 1, 0x41, 0x22, 0), 1,
		   6, s2, 2);
	expect_nal("eof: long zero run", V(0, 0, 1, 0x41, 0x22, 0, 0, 0, 0), 1,
		   9, s2, 2);
	expect_nal("only a start code", V(0, 0, 0, 1), 0, RTMP_ERR_NEED_MORE,
		   NULL, 0);
	expect_nal("only zero bytes", V(0, 0, 0, 0, 0, 0), 0,
		   RTMP_ERR_NEED_MORE, NULL, 0);
	expect_nal("eof: only zero padding", V(0, 0, 0, 0, 0, 0), 1, 6, NULL,
		   0);
	expect_nal("empty buffer", (const uint8_t *)"", 0, 0,
		   RTMP_ERR_NEED_MORE, NULL, 0);

	/* Malformed, each named for what is wrong. */
	expect_nal("raw NAL with no start code (not Annex B)",
		   V(0x67, 0x42, 0x00, 0x1e), 0, RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("one non-zero byte, not a start code", V(0x67), 0,
		   RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("AVCC 4-byte length instead of a start code",
		   V(0, 0, 0, 0x1c, 0x67, 0x42, 0x00, 0x1e), 0,
		   RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("00 01 is no start code", V(0, 1, 0x67, 0x42), 0,
		   RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("garbage before the first start code",
		   V(0xab, 0xcd, 0, 0, 1, 0x67), 0, RTMP_ERR_MALFORMED, NULL,
		   0);
	expect_nal("all 0xFF", V(0xff, 0xff, 0xff, 0xff), 0, RTMP_ERR_MALFORMED,
		   NULL, 0);
	expect_nal("forbidden_zero_bit set", V(0, 0, 1, 0xe7, 0x42, 0, 0, 1), 0,
		   RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("forbidden_zero_bit set, seen before the end",
		   V(0, 0, 1, 0x81), 0, RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("00 00 00 inside a NAL, not before a start code",
		   V(0, 0, 1, 0x41, 0x22, 0, 0, 0, 5, 0, 0, 1), 0,
		   RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("NAL header 0x00 then 00 01: an empty NAL",
		   V(0, 0, 1, 0, 0, 1, 0x41, 0x22), 0, RTMP_ERR_MALFORMED, NULL,
		   0);
	expect_nal("eof: NAL of zero bytes only", V(0, 0, 1, 0, 0), 1,
		   RTMP_ERR_MALFORMED, NULL, 0);
	expect_nal("eof: start code with no NAL after it", V(0, 0, 0, 1), 1,
		   RTMP_ERR_MALFORMED, NULL, 0);
}

/* Every strict prefix of a valid input (no eof) gives NEED_MORE. */
static void
test_next_nal_prefixes(void)
{
	static const uint8_t a[] = {0, 0, 0, 1,	   0x67, 0xaa, 0,
				    0, 3, 0, 0xbb, 0,	 0,    1};
	static const uint8_t b[] = {0, 0, 0, 0, 1, 0x41, 0x22,
				    0, 0, 0, 0, 0, 1};
	const struct {
		const uint8_t *p;
		size_t len;
		ssize_t r;
	} v[] = {{a, sizeof(a), 11}, {b, sizeof(b), 7}};
	struct rtmp_str nal;
	size_t i, k;
	uint8_t *q;

	for (i = 0; i < 2; i++) {
		int all = 1;

		for (k = 0; k < v[i].len; k++) {
			if (nal_dup(v[i].p, k, 0, &nal, &q) !=
			    RTMP_ERR_NEED_MORE) {
				all = 0;
				printf("# vector %zu prefix %zu\n", i, k);
			}
			free(q);
		}
		ok(all,
		   "next_nal: every strict prefix of vector %zu needs more", i);
		is_int(nal_dup(v[i].p, v[i].len, 0, &nal, &q), v[i].r,
		       "next_nal: vector %zu whole", i);
		free(q);
	}
}

/* -------------------------------------------------------------- framer */

#define SINK_POCS 256

/* Serialized output of a walk: for each unit, key, nals, len, its picture
 * order count fields, data. */
struct sink {
	uint8_t *b;
	size_t len, cap;
	unsigned units, keyframes, nals_in;
	int avcc_ok;  /* every unit's length fields tile it exactly */
	int gop_ok;   /* keyframe exactly at multiples of gop */
	unsigned gop; /* 0: not checked */
	unsigned first_nals;
	/* Picture order counts of the first SINK_POCS units. */
	int32_t poc[SINK_POCS];
	int poc_err[SINK_POCS], ref[SINK_POCS];
};

static void
sink_add(struct sink *s, const uint8_t *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->b = realloc(s->b, s->cap);
		if (s->b == NULL)
			abort();
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void
sink_unit(struct sink *s, const struct annexb_au *au)
{
	uint8_t hdr[16];
	size_t off = 0;
	unsigned n = 0;

	while (off + 4 <= au->len) {
		size_t l = (size_t)au->data[off] << 24 |
			   (size_t)au->data[off + 1] << 16 |
			   (size_t)au->data[off + 2] << 8 | au->data[off + 3];

		if (l == 0 || l > au->len - off - 4)
			break;
		off += 4 + l;
		n++;
	}
	if (off != au->len || n != au->nals || n == 0)
		s->avcc_ok = 0;
	if (s->gop && (au->keyframe != 0) != (s->units % s->gop == 0))
		s->gop_ok = 0;
	if (s->units == 0)
		s->first_nals = au->nals;
	if (s->units < SINK_POCS) {
		s->poc[s->units] = au->poc;
		s->poc_err[s->units] = au->poc_err;
		s->ref[s->units] = au->ref;
	}
	s->units++;
	s->keyframes += au->keyframe != 0;
	hdr[0] = (uint8_t)au->keyframe;
	hdr[1] = (uint8_t)au->nals;
	hdr[2] = (uint8_t)(au->nals >> 8);
	hdr[3] = (uint8_t)(au->len >> 24);
	hdr[4] = (uint8_t)(au->len >> 16);
	hdr[5] = (uint8_t)(au->len >> 8);
	hdr[6] = (uint8_t)au->len;
	hdr[7] = hdr[8] = 0xee;
	hdr[9] = (uint8_t)((uint32_t)au->poc >> 24);
	hdr[10] = (uint8_t)((uint32_t)au->poc >> 16);
	hdr[11] = (uint8_t)((uint32_t)au->poc >> 8);
	hdr[12] = (uint8_t)au->poc;
	hdr[13] = (uint8_t)au->poc_err;
	hdr[14] = (uint8_t)au->ref;
	hdr[15] = (uint8_t)au->idr;
	sink_add(s, hdr, sizeof(hdr));
	sink_add(s, au->data, au->len);
}

enum walk_mode { WALK_WHOLE, WALK_BYTE, WALK_RANDOM, WALK_SPLIT };

/*
 * Run next_nal and the framer over in[0..len), reading it as a stream whose
 * available bytes grow as the mode says; each call sees an exact-size copy
 * of the window so ASan catches reads past it. Returns 0 or the first
 * error code.
 */
static int
walk(const uint8_t *in, size_t len, enum walk_mode mode, size_t split,
     struct annexb_framer *f, struct sink *s)
{
	size_t pos = 0, avail = 0;
	uint32_t rnd = 2024;
	struct annexb_au au;
	struct rtmp_str nal;
	uint8_t *q;
	ssize_t r;
	int pr;

	s->avcc_ok = 1;
	s->gop_ok = 1;
	while (pos < len) {
		r = nal_dup(in + pos, avail - pos, avail == len, &nal, &q);
		if (r == RTMP_ERR_NEED_MORE) {
			free(q);
			if (avail == len)
				return RTMP_ERR_NEED_MORE;
			switch (mode) {
			case WALK_WHOLE:
				avail = len;
				break;
			case WALK_BYTE:
				avail++;
				break;
			case WALK_RANDOM:
				rnd = rnd * 1103515245u + 12345u;
				avail += 1 + (rnd >> 16) % 1500;
				break;
			case WALK_SPLIT:
				avail = avail < split ? split : len;
				break;
			}
			if (avail > len)
				avail = len;
			continue;
		}
		if (r < 0) {
			free(q);
			return (int)r;
		}
		pos += (size_t)r;
		if (nal.len > 0)
			s->nals_in++;
		pr = annexb_framer_push(f, nal.p, nal.len, &au);
		free(q);
		if (pr < 0)
			return pr;
		if (pr == 1)
			sink_unit(s, &au);
	}
	if (annexb_framer_flush(f, &au) == 1)
		sink_unit(s, &au);
	return 0;
}

/* NAL units of a hand-built stream, in order. */
static const uint8_t n_sei[] = {0x06, 0x05, 0x01, 0xaa, 0x80};
static const uint8_t n_idr[] = {0x65, 0x88, 0x84, 0x10, 0x20};
static const uint8_t n_aud[] = {0x09, 0xf0};
static const uint8_t n_p1[] = {0x41, 0x9a, 0x01, 0x02};
static const uint8_t n_p1b[] = {0x41, 0x24, 0x03}; /* first_mb != 0 */
static const uint8_t n_fill[] = {0x0c, 0xff, 0xff, 0x80};
static const uint8_t n_p2[] = {0x41, 0x9b, 0x05};
static const uint8_t n_p3[] = {0x41, 0x9c, 0x06};
static const uint8_t n_p3b[] = {0x41, 0x00, 0x00, 0x03, 0x01, 0x07};
static const uint8_t n_idr2[] = {0x25, 0xb8, 0x08};
static const uint8_t n_eos[] = {0x0a};

static const struct {
	const uint8_t *p;
	size_t len;
} hand[] = {
    {n_sei, sizeof(n_sei)},
    {sample_sps, sizeof(sample_sps)},
    {sample_pps, sizeof(sample_pps)},
    {n_idr, sizeof(n_idr)},
    {n_aud, sizeof(n_aud)}, /* closes 1: SEI SPS PPS IDR */
    {n_p1, sizeof(n_p1)},
    {n_p1b, sizeof(n_p1b)},
    {n_fill, sizeof(n_fill)},
    {n_p2, sizeof(n_p2)},   /* closes 2: P P (filler dropped) */
    {n_sei, sizeof(n_sei)}, /* closes 3: P */
    {n_p3, sizeof(n_p3)},
    {n_p3b, sizeof(n_p3b)},	      /* escape in the first bytes: same unit */
    {sample_sps, sizeof(sample_sps)}, /* closes 4: SEI P P */
    {sample_pps, sizeof(sample_pps)},
    {n_idr2, sizeof(n_idr2)},
    {n_eos, sizeof(n_eos)}, /* flush: 5: SPS PPS IDR EOS */
};
#define HAND_N (sizeof(hand) / sizeof(hand[0]))

/* Expected units: indexes into hand[], -1 ends a unit. */
static const int hand_units[] = {0, 1,	2,  3,	-1, 5,	6,  -1, 8, -1,
				 9, 10, 11, -1, 12, 13, 14, 15, -1};
static const int hand_keys[] = {1, 0, 0, 0, 1};
/*
 * Counts of the first slice of each unit, from sample_sps (4-bit
 * frame_num, 6-bit pic_order_cnt_lsb) and sample_pps. n_idr: lsb 1; n_p1:
 * lsb 2, above it; n_p2 ends inside pic_order_cnt_lsb, n_p3 inside
 * pic_parameter_set_id, n_idr2 inside pic_order_cnt_lsb: still handed out.
 */
static const int32_t hand_poc[] = {1, 2, 0, 0, 0};
static const int hand_poc_err[] = {RTMP_OK, RTMP_OK, RTMP_ERR_MALFORMED,
				   RTMP_ERR_MALFORMED, RTMP_ERR_MALFORMED};

static void
expected_hand(struct sink *s)
{
	uint8_t buf[512];
	struct annexb_au au;
	size_t i, n = 0;
	unsigned u = 0, nals = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(hand_units) / sizeof(hand_units[0]); i++) {
		int k = hand_units[i];

		if (k < 0) {
			au.data = buf;
			au.len = n;
			au.keyframe = hand_keys[u];
			au.idr = hand_keys[u];
			au.ref = 1;
			au.poc = hand_poc[u];
			au.poc_err = hand_poc_err[u];
			u++;
			au.nals = nals;
			sink_unit(s, &au);
			n = 0;
			nals = 0;
			continue;
		}
		buf[n] = buf[n + 1] = buf[n + 2] = 0;
		buf[n + 3] = (uint8_t)hand[k].len;
		memcpy(buf + n + 4, hand[k].p, hand[k].len);
		n += 4 + hand[k].len;
		nals++;
	}
}

/* The hand stream in Annex B, with both start code sizes and zero runs. */
static size_t
hand_annexb(uint8_t *out)
{
	size_t i, n = 0;

	out[n++] = 0; /* leading_zero_8bits */
	for (i = 0; i < HAND_N; i++) {
		if (i % 3 == 0)
			out[n++] = 0;
		out[n++] = 0;
		out[n++] = 0;
		out[n++] = 1;
		memcpy(out + n, hand[i].p, hand[i].len);
		n += hand[i].len;
		if (i % 4 == 1) {
			out[n++] = 0; /* trailing_zero_8bits */
			out[n++] = 0;
		}
	}
	out[n++] = 0;
	out[n++] = 0;
	return n;
}

static void
test_framer_hand(void)
{
	struct annexb_framer f;
	struct annexb_au au;
	struct sink want, got;
	size_t i;
	int r;
	static const int want_closes[HAND_N] = {0, 0, 0, 0, 1, 0, 0, 0,
						1, 1, 0, 0, 1, 0, 0, 0};
	int closes_ok = 1;

	expected_hand(&want);
	memset(&got, 0, sizeof(got));
	got.avcc_ok = 1;
	annexb_framer_init(&f);
	for (i = 0; i < HAND_N; i++) {
		r = annexb_framer_push(&f, hand[i].p, hand[i].len, &au);
		if (r != want_closes[i]) {
			closes_ok = 0;
			printf("# NAL %zu: push %d\n", i, r);
		}
		if (r == 1)
			sink_unit(&got, &au);
	}
	ok(closes_ok, "framer: units close at AUD, slice with first_mb 0, "
		      "SEI and SPS after a slice, and nowhere else");
	is_int(annexb_framer_flush(&f, &au), 1, "framer: flush hands out");
	sink_unit(&got, &au);
	is_int(annexb_framer_flush(&f, &au), 0, "framer: second flush: none");
	is_int(got.units, 5, "framer: 5 units");
	is_int(got.keyframes, 2, "framer: 2 keyframes");
	ok(got.avcc_ok, "framer: AVCC lengths tile each unit");
	ok(got.len == want.len && memcmp(got.b, want.b, want.len) == 0,
	   "framer: AVCC bytes, keyframe flags and NAL counts as expected");
	is_int(f.sps_len, sizeof(sample_sps), "framer: SPS kept");
	is_mem(f.sps, sample_sps, sizeof(sample_sps), "framer: SPS bytes");
	is_int(f.pps_len, sizeof(sample_pps), "framer: PPS kept");
	is_mem(f.pps, sample_pps, sizeof(sample_pps), "framer: PPS bytes");
	ok(f.sps_ok, "framer: SPS parsed");
	is_int(f.sps_info.width, 320, "framer: SPS width");
	is_int(f.sps_info.height, 240, "framer: SPS height");
	ok(h264_sps_fps(&f.sps_info) > 24.99 &&
	       h264_sps_fps(&f.sps_info) < 25.01,
	   "framer: SPS fps 25");
	annexb_framer_free(&f);
	free(got.b);
	free(want.b);
}

/* Stateful: the same units whatever way the stream is split into reads. */
static void
test_framer_splits(void)
{
	uint8_t in[512];
	size_t n = hand_annexb(in), k;
	struct annexb_framer f;
	struct sink want, got;
	int all = 1, r;

	expected_hand(&want);
	for (k = 0; k <= n; k++) {
		memset(&got, 0, sizeof(got));
		annexb_framer_init(&f);
		r = walk(in, n, WALK_SPLIT, k, &f, &got);
		if (r != 0 || got.len != want.len ||
		    memcmp(got.b, want.b, want.len) != 0 || !got.avcc_ok) {
			all = 0;
			printf("# split at %zu: %d\n", k, r);
		}
		annexb_framer_free(&f);
		free(got.b);
	}
	ok(all, "framer: Annex B stream split at each of %zu offsets", n + 1);
	memset(&got, 0, sizeof(got));
	annexb_framer_init(&f);
	is_int(walk(in, n, WALK_BYTE, 0, &f, &got), 0,
	       "framer: 1-byte growing window");
	ok(got.len == want.len && memcmp(got.b, want.b, want.len) == 0,
	   "framer: 1-byte growing window gives the same units");
	is_int(got.nals_in, HAND_N, "framer: every NAL found");
	annexb_framer_free(&f);
	free(got.b);
	free(want.b);
}

static void
test_framer_limits(void)
{
	static uint8_t big[ANNEXB_MAX_PS + 1];
	struct annexb_framer f;
	struct annexb_au au;
	size_t full = 4 + sizeof(n_p1) + 4 + sizeof(n_p1b);

	/* A unit of exactly max_au bytes, and one byte more. */
	annexb_framer_init(&f);
	f.max_au = (uint32_t)full;
	is_int(annexb_framer_push(&f, n_p1, sizeof(n_p1), &au), 0,
	       "limit: first slice");
	is_int(annexb_framer_push(&f, n_p1b, sizeof(n_p1b), &au), 0,
	       "limit: unit of exactly max_au");
	is_int(annexb_framer_flush(&f, &au), 1, "limit: flushed");
	is_int(au.len, full, "limit: unit length is max_au");
	f.max_au = (uint32_t)full - 1;
	is_int(annexb_framer_push(&f, n_p1, sizeof(n_p1), &au), 0,
	       "limit-1: first slice");
	is_int(annexb_framer_push(&f, n_p1b, sizeof(n_p1b), &au),
	       RTMP_ERR_LIMIT, "limit-1: unit one byte over max_au");
	is_int(annexb_framer_flush(&f, &au), 0,
	       "limit-1: the oversized unit is dropped");
	/* A single NAL over the cap leaves the pending unit alone. */
	f.max_au = 4 + sizeof(n_p1);
	is_int(annexb_framer_push(&f, n_p1, sizeof(n_p1), &au), 0,
	       "limit: NAL of max_au - 4 bytes");
	is_int(annexb_framer_push(&f, n_idr, sizeof(n_idr), &au),
	       RTMP_ERR_LIMIT, "limit: NAL of max_au - 3 bytes");
	is_int(annexb_framer_flush(&f, &au), 1, "limit: pending unit kept");
	is_int(au.len, 4 + sizeof(n_p1), "limit: pending unit intact");
	f.max_au = 3;
	is_int(annexb_framer_push(&f, n_eos, sizeof(n_eos), &au),
	       RTMP_ERR_LIMIT, "limit: max_au 3 holds no NAL");
	annexb_framer_free(&f);

	/* Parameter sets: ANNEXB_MAX_PS bytes kept, one more refused. */
	annexb_framer_init(&f);
	memset(big, 0x5a, sizeof(big));
	big[0] = 0x68;
	is_int(annexb_framer_push(&f, big, ANNEXB_MAX_PS, &au), 0,
	       "limit: PPS of ANNEXB_MAX_PS bytes");
	is_int(f.pps_len, ANNEXB_MAX_PS, "limit: PPS kept");
	is_int(annexb_framer_push(&f, big, ANNEXB_MAX_PS + 1, &au),
	       RTMP_ERR_LIMIT, "limit: PPS of ANNEXB_MAX_PS + 1 bytes");
	is_int(f.pps_len, ANNEXB_MAX_PS, "limit: previous PPS still kept");
	big[0] = 0x67;
	is_int(annexb_framer_push(&f, big, ANNEXB_MAX_PS + 1, &au),
	       RTMP_ERR_LIMIT, "limit: SPS of ANNEXB_MAX_PS + 1 bytes");
	is_int(f.sps_len, 0, "limit: oversized SPS not kept");
	annexb_framer_free(&f);
}

static void
test_framer_malformed(void)
{
	struct annexb_framer f;
	struct annexb_au au;
	static const uint8_t sps_hdr_only[] = {0x67};
	static const uint8_t sps_cut[] = {0x67, 0x4d, 0x40};
	static const uint8_t slice_hdr_only[] = {0x41};
	static const uint8_t junk[][3] = {
	    {0x00, 0x11, 0x22}, {0x0d, 0x11, 0x22}, {0x15, 0x11, 0x22},
	    {0x18, 0x11, 0x22}, {0x1f, 0x11, 0x22}, {0x0b, 0x11, 0x22},
	};
	size_t i;
	int r, all = 1;

	annexb_framer_init(&f);
	is_int(annexb_framer_push(&f, sps_hdr_only, 1, &au), RTMP_ERR_MALFORMED,
	       "malformed: SPS with only a NAL header");
	is_int(annexb_framer_push(&f, sps_cut, sizeof(sps_cut), &au),
	       RTMP_ERR_MALFORMED, "malformed: SPS cut after level_idc");
	is_int(f.sps_len, 0, "malformed: bad SPS not kept");
	ok(!f.sps_ok, "malformed: no SPS facts");
	is_int(annexb_framer_push(&f, slice_hdr_only, 1, &au),
	       RTMP_ERR_MALFORMED, "malformed: slice with only a NAL header");

	/* Adversarial case 39: garbage NAL types, no SPS, no slices. */
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		r = annexb_framer_push(&f, junk[i], 3, &au);
		if (r != 0)
			all = 0;
	}
	ok(all, "garbage NAL types are carried, not errors");
	is_int(annexb_framer_flush(&f, &au), 0,
	       "garbage NAL types without a slice make no unit");
	/* Slices without any SPS still frame. */
	is_int(annexb_framer_push(&f, n_p1, sizeof(n_p1), &au), 0,
	       "no SPS: slice");
	is_int(annexb_framer_push(&f, junk[2], 3, &au), 0,
	       "no SPS: garbage type after a slice stays in the unit");
	is_int(annexb_framer_push(&f, n_p2, sizeof(n_p2), &au), 1,
	       "no SPS: next picture closes the unit");
	is_int(au.nals, 2, "no SPS: unit holds slice and garbage NAL");
	is_int(f.sps_len, 0, "no SPS: none recorded");
	is_int(annexb_framer_push(&f, NULL, 0, &au), 0,
	       "empty NAL (end padding) is ignored");
	annexb_framer_free(&f);
}

/* ------------------------------------------------------------- fixture */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return NULL;
	}
	b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return b;
}

/*
 * sample.h264's first GOP (x264 -bf 2 -b-pyramid, MaxPicOrderCntLsb 64):
 * the counts, which put its frames in the presentation order ffprobe gives
 * sample.flv (pts = 80 + 20 * count ms), with the lsb wrap after 62.
 */
static const int32_t gop_poc[SAMPLE_GOP] = {
    0,	6,  2,	4,  12, 8,  10, 18, 14, 16, 24, 20, 22, 30, 26, 28, 36,
    32, 34, 42, 38, 40, 48, 44, 46, 54, 50, 52, 60, 56, 58, 66, 62, 64,
    72, 68, 70, 78, 74, 76, 84, 80, 82, 90, 86, 88, 96, 92, 94, 98,
};
/* Of every unit: nal_ref_idc != 0 (ffmpeg's trace_headers), and the
 * composition time of sample.flv's tag in units of 40 ms (rtmpdump-flv);
 * x264 varied the pattern in the third and fifth GOPs. */
static const char sample_refs[] =
    "1110110110110110110110110110110110110110110110110111101101101101"
    "1011011011011011011011011011011011011111011011011011011011011011"
    "0110110110110110110110111011011011011011011011011011011011011011"
    "0110110111101101101101101101101101101101101101101101101101";
static const char sample_cts40[] =
    "2411411411411411411411411411411411411411411411411224114114114114"
    "1141141141141141141141141141141141122241141141141141141141141141"
    "1411411411411411411411241141141141141141141141141141141141141141"
    "1411411224114114114114114114114114114114114114114114114112";

/* The counts of every unit, and the composition times they give at the
 * SPS's reorder depth (2) against sample.flv's own, ffmpeg's. */
static void
fixture_pocs(const struct sink *s)
{
	struct h264_reorder r;
	unsigned i, n = 0, off[SAMPLE_UNITS];
	int gop_ok = 1, refs_ok = 1, cts_ok = 1;

	for (i = 0; i < SAMPLE_UNITS; i++) {
		if (s->poc_err[i] != RTMP_OK ||
		    s->ref[i] != (sample_refs[i] == '1'))
			refs_ok = 0;
		if (i < SAMPLE_GOP && s->poc[i] != gop_poc[i])
			gop_ok = 0;
	}
	ok(gop_ok, "sample.h264: the counts of the first GOP");
	ok(refs_ok,
	   "sample.h264: all %d units counted, reference flags "
	   "as trace_headers reads them",
	   SAMPLE_UNITS);
	h264_reorder_init(&r, 2);
	for (i = 0; i < SAMPLE_UNITS; i++) {
		if (h264_reorder_push(&r, s->poc[i], i % SAMPLE_GOP == 0) !=
		    RTMP_OK)
			cts_ok = 0;
		while (n < SAMPLE_UNITS && h264_reorder_pop(&r, &off[n]))
			n++;
	}
	h264_reorder_flush(&r);
	while (n < SAMPLE_UNITS && h264_reorder_pop(&r, &off[n]))
		n++;
	for (i = 0; i < n; i++) {
		if (off[i] != (unsigned)(sample_cts40[i] - '0')) {
			cts_ok = 0;
			printf("# unit %u: offset %u, want %c\n", i, off[i],
			       sample_cts40[i]);
		}
	}
	ok(cts_ok && n == SAMPLE_UNITS,
	   "sample.h264: reordered at depth 2, composition times equal "
	   "sample.flv's (%u units)",
	   n);
}

static void
test_framer_poc(void)
{
	/* pps id 1 (ue 010), sps id 0 (1), CAVLC, no bottom field count */
	static const uint8_t pps1[] = {0x68, 0x52};
	/* ue with 8 leading zeros, then the NAL ends */
	static const uint8_t pps_bad[] = {0x68, 0x00, 0x80};
	/* IDR of pps 1: first_mb 0, type 7, pps 1 (010), frame_num 0000,
	 * idr_pic_id 0, lsb 000000, then slice data */
	static const uint8_t idr_pps1[] = {0x65, 0x88, 0x41, 0x02, 0x55};
	static const uint8_t p_lsb2[] = {0x41, 0x9a, 0x01, 0x02};
	struct annexb_framer f;
	struct annexb_au au;

	annexb_framer_init(&f);
	is_int(annexb_framer_push(&f, p_lsb2, sizeof(p_lsb2), &au), 0,
	       "poc: slice before any SPS");
	is_int(annexb_framer_push(&f, sample_sps, sizeof(sample_sps), &au), 1,
	       "poc: SPS closes it");
	is_int(au.poc_err, RTMP_ERR_UNSUPPORTED,
	       "poc: no SPS/PPS yet: UNSUPPORTED");
	is_int(annexb_framer_push(&f, p_lsb2, sizeof(p_lsb2), &au), 0,
	       "poc: slice with an SPS, no PPS");
	is_int(annexb_framer_push(&f, pps_bad, sizeof(pps_bad), &au), 1,
	       "poc: a PPS that cannot be read is still taken");
	is_int(au.poc_err, RTMP_ERR_UNSUPPORTED, "poc: no PPS: UNSUPPORTED");
	ok(!f.pps_ok && f.pps_len == sizeof(pps_bad),
	   "poc: bad PPS kept for the configuration, not parsed");
	is_int(annexb_framer_push(&f, sample_pps, sizeof(sample_pps), &au), 0,
	       "poc: sample PPS");
	ok(f.pps_ok && f.pps_info.pps_id == 0 && f.pps_info.entropy_coding_mode,
	   "poc: sample PPS parsed");
	is_int(annexb_framer_push(&f, idr_pps1, sizeof(idr_pps1), &au), 0,
	       "poc: IDR naming pps 1");
	is_int(annexb_framer_push(&f, pps1, sizeof(pps1), &au), 1,
	       "poc: PPS 1 closes it");
	is_int(au.poc_err, RTMP_ERR_UNSUPPORTED,
	       "poc: slice of another PPS: UNSUPPORTED");
	ok(au.keyframe && au.idr && au.ref, "poc: IDR flags still set");
	ok(f.pps_ok && f.pps_info.pps_id == 1 &&
	       !f.pps_info.entropy_coding_mode,
	   "poc: PPS 1 parsed");
	is_int(annexb_framer_push(&f, idr_pps1, sizeof(idr_pps1), &au), 0,
	       "poc: IDR of pps 1");
	is_int(annexb_framer_push(&f, p_lsb2, sizeof(p_lsb2), &au), 1,
	       "poc: P (pps 0) closes it");
	is_int(au.poc_err, RTMP_OK, "poc: IDR of pps 1 counted");
	is_int(au.poc, 0, "poc: IDR count 0");
	is_int(annexb_framer_flush(&f, &au), 1, "poc: flush the P");
	is_int(au.poc_err, RTMP_ERR_UNSUPPORTED,
	       "poc: P of pps 0 after PPS 1 replaced it: UNSUPPORTED");
	ok(!au.idr && au.ref && !au.keyframe, "poc: P flags");
	annexb_framer_free(&f);
}

static void
test_fixture(void)
{
	static const struct {
		enum walk_mode mode;
		const char *name;
	} modes[] = {
	    {WALK_WHOLE, "whole file"},
	    {WALK_BYTE, "1-byte growing window"},
	    {WALK_RANDOM, "random read sizes"},
	    {WALK_SPLIT, "split in the middle"},
	};
	struct annexb_framer f;
	struct sink ref, s;
	size_t size = 0, i;
	uint8_t *file = slurp(FIXTURES_DIR "/sample.h264", &size);

	if (!ok(file != NULL, "read " FIXTURES_DIR "/sample.h264"))
		return;
	memset(&ref, 0, sizeof(ref));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const char *m = modes[i].name;

		memset(&s, 0, sizeof(s));
		s.gop = SAMPLE_GOP;
		annexb_framer_init(&f);
		is_int(walk(file, size, modes[i].mode, size / 2, &f, &s), 0,
		       "sample.h264 %s: no error", m);
		is_int(s.units, SAMPLE_UNITS, "sample.h264 %s: access units",
		       m);
		is_int(s.keyframes, SAMPLE_UNITS / SAMPLE_GOP,
		       "sample.h264 %s: keyframes", m);
		ok(s.gop_ok, "sample.h264 %s: keyframe every %d units", m,
		   SAMPLE_GOP);
		ok(s.avcc_ok, "sample.h264 %s: AVCC lengths tile every unit",
		   m);
		is_int(s.first_nals, 4,
		       "sample.h264 %s: first unit is SEI SPS PPS IDR", m);
		ok(f.sps_len == sizeof(sample_sps) &&
		       memcmp(f.sps, sample_sps, sizeof(sample_sps)) == 0,
		   "sample.h264 %s: SPS equals sample.flv's", m);
		ok(f.pps_len == sizeof(sample_pps) &&
		       memcmp(f.pps, sample_pps, sizeof(sample_pps)) == 0,
		   "sample.h264 %s: PPS equals sample.flv's", m);
		ok(f.sps_ok && f.sps_info.width == 320 &&
		       f.sps_info.height == 240,
		   "sample.h264 %s: SPS says 320x240", m);
		ok(h264_sps_fps(&f.sps_info) > 24.99 &&
		       h264_sps_fps(&f.sps_info) < 25.01,
		   "sample.h264 %s: SPS says 25 fps", m);
		if (i == 0)
			ref = s;
		else {
			ok(s.len == ref.len && memcmp(s.b, ref.b, ref.len) == 0,
			   "sample.h264 %s: same units as the whole file", m);
			free(s.b);
		}
		annexb_framer_free(&f);
	}
	/* 250 slices, one SEI, and SPS + PPS before each of the 5 IDRs. */
	is_int(ref.nals_in, SAMPLE_UNITS + 1 + 5 + 5, "sample.h264: NAL count");
	fixture_pocs(&ref);
	free(ref.b);
	free(file);
}

int
main(void)
{
	test_next_nal();
	test_next_nal_prefixes();
	test_framer_hand();
	test_framer_splits();
	test_framer_limits();
	test_framer_malformed();
	test_framer_poc();
	test_fixture();
	return done_testing();
}
