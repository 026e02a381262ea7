/* ADTS framing: header fields, truncation, malformed headers, limits, and a
 * walk over the fixture tests/fixtures/sample.aac. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adts.h"
#include "tap.h"

/* AAC LC, 44.1 kHz (index 4), stereo, aac_frame_length 107, no CRC. */
static const uint8_t lc_hdr[7] = {0xff, 0xf1, 0x50, 0x80, 0x0d, 0x7f, 0xfc};

/*
 * From `ffprobe` on the fixtures (see tests/fixtures/README.md): sample.aac
 * holds 432 frames, and sample.flv's AAC sequence header is 12 10 56 e5 00,
 * the two-byte AudioSpecificConfig plus ffmpeg's "no SBR" sync extension.
 */
#define SAMPLE_AAC_FRAMES 432
static const uint8_t sample_asc[2] = {0x12, 0x10};

static ssize_t
parse_dup(const uint8_t *p, size_t len, struct adts_header *h)
{
	uint8_t *q = tap_dup(p, len);
	ssize_t r = adts_parse(q, len, h);

	free(q);
	return r;
}

/* A frame of hdr_len header bytes followed by raw bytes 0xa5. */
static size_t
make_frame(uint8_t *buf, const uint8_t *hdr, size_t hdr_len, size_t flen)
{
	memcpy(buf, hdr, hdr_len);
	memset(buf + hdr_len, 0xa5, flen - hdr_len);
	return flen;
}

static void
test_valid(void)
{
	uint8_t buf[256], asc[2];
	struct adts_header h;
	size_t i, n;
	int prefixes_ok = 1;

	n = make_frame(buf, lc_hdr, sizeof(lc_hdr), 107);
	memset(&h, 0, sizeof(h));
	is_int(parse_dup(buf, n, &h), 107, "LC stereo frame: whole frame");
	is_int(h.mpeg_version, 0, "LC: MPEG-4");
	is_int(h.protection_absent, 1, "LC: protection absent");
	is_int(h.object_type, 2, "LC: object type 2");
	is_int(h.sr_index, 4, "LC: sampling index 4");
	is_int(h.sample_rate, 44100, "LC: 44100 Hz");
	is_int(h.channel_config, 2, "LC: 2 channels");
	is_int(h.frame_length, 107, "LC: frame length");
	is_int(h.header_len, 7, "LC: 7-byte header");
	is_int(h.raw_blocks, 1, "LC: one raw data block");
	ok(adts_to_asc(asc, asc + 2, &h) == asc + 2, "LC: ASC fits 2 bytes");
	is_mem(asc, sample_asc, 2, "LC: ASC is 12 10");

	for (i = 0; i < n; i++) {
		if (parse_dup(buf, i, &h) != RTMP_ERR_NEED_MORE) {
			prefixes_ok = 0;
			printf("# prefix %zu\n", i);
		}
	}
	ok(prefixes_ok, "LC: every strict prefix needs more");
	is_int(parse_dup(buf, n + 0, &h), 107, "LC: exact length");

	/* Trailing bytes are the next frame's, not this one's. */
	memcpy(buf + n, lc_hdr, 7);
	is_int(parse_dup(buf, n + 7, &h), 107, "LC: stops at frame length");
}

static void
test_crc_and_fields(void)
{
	/*
	 * MPEG-2 (ID 1), protection present, profile 0 (Main), index 11
	 * (8000 Hz), channel configuration 7 split over bytes 2 and 3, frame
	 * length 20, 4 raw data blocks, and the 2-byte CRC.
	 */
	static const uint8_t hdr[9] = {0xff, 0xf8, 0x2d, 0xc0, 0x02,
				       0x9f, 0xff, 0x12, 0x34};
	uint8_t buf[32];
	struct adts_header h;
	size_t i, n;
	int prefixes_ok = 1;

	n = make_frame(buf, hdr, sizeof(hdr), 20);
	memset(&h, 0, sizeof(h));
	is_int(parse_dup(buf, n, &h), 20, "CRC frame parses");
	is_int(h.mpeg_version, 1, "CRC: MPEG-2");
	is_int(h.protection_absent, 0, "CRC: protection present");
	is_int(h.object_type, 1, "CRC: Main profile is object type 1");
	is_int(h.sample_rate, 8000, "CRC: 8000 Hz");
	is_int(h.channel_config, 7, "CRC: channel configuration 7");
	is_int(h.header_len, 9, "CRC: 9-byte header");
	is_int(h.raw_blocks, 4, "CRC: 4 raw data blocks");
	for (i = 0; i < n; i++)
		prefixes_ok &= parse_dup(buf, i, &h) == RTMP_ERR_NEED_MORE;
	ok(prefixes_ok, "CRC: every strict prefix needs more");

	/* Exactly the header: an empty raw frame is well formed. */
	buf[3] = 0xc0;
	buf[4] = 0x01;
	buf[5] = 0x3f; /* frame length 9 */
	is_int(parse_dup(buf, 9, &h), 9, "CRC: frame length 9 = header");
	buf[4] = 0x01;
	buf[5] = 0x1f; /* frame length 8 */
	is_int(parse_dup(buf, 9, &h), RTMP_ERR_MALFORMED,
	       "CRC: frame length 8 is shorter than the 9-byte header");
}

static void
test_malformed(void)
{
	struct {
		const char *name;
		uint8_t b[7];
		size_t len;
	} v[] = {
	    {"first byte not 0xFF",
	     {0xfe, 0xf1, 0x50, 0x80, 0x0d, 0x7f, 0xfc},
	     7},
	    {"sync word 0xFFE", {0xff, 0xe1, 0x50, 0x80, 0x0d, 0x7f, 0xfc}, 7},
	    {"layer 1", {0xff, 0xf3, 0x50, 0x80, 0x0d, 0x7f, 0xfc}, 7},
	    {"layer 3", {0xff, 0xf7, 0x50, 0x80, 0x0d, 0x7f, 0xfc}, 7},
	    {"sampling index 13",
	     {0xff, 0xf1, 0x74, 0x80, 0x0d, 0x7f, 0xfc},
	     7},
	    {"sampling index 14",
	     {0xff, 0xf1, 0x78, 0x80, 0x0d, 0x7f, 0xfc},
	     7},
	    {"sampling index 15 (escape, not in ADTS)",
	     {0xff, 0xf1, 0x7c, 0x80, 0x0d, 0x7f, 0xfc},
	     7},
	    {"frame length 0", {0xff, 0xf1, 0x50, 0x80, 0x00, 0x1f, 0xfc}, 7},
	    {"frame length 6, shorter than the header",
	     {0xff, 0xf1, 0x50, 0x80, 0x00, 0xdf, 0xfc},
	     7},
	    {"bad first byte seen alone", {0x00}, 1},
	    {"bad sync word seen in 2 bytes", {0xff, 0x01}, 2},
	    {"reserved index seen in 3 bytes", {0xff, 0xf1, 0x74}, 3},
	    {"text instead of audio", {'R', 'I', 'F', 'F', 0, 0, 0}, 7},
	};
	struct adts_header h;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		is_int(parse_dup(v[i].b, v[i].len, &h), RTMP_ERR_MALFORMED,
		       "malformed: %s", v[i].name);
}

static void
test_limits(void)
{
	uint8_t buf[16], big[0x1fff + 7];
	struct adts_header h;
	ssize_t r;

	/* Frame length exactly the header: valid, empty raw frame. */
	ok(adts_header_put(buf, buf + 7, 2, 4, 2, 0) == buf + 7,
	   "put: empty raw frame");
	is_int(parse_dup(buf, 7, &h), 7, "frame length 7 = header parses");

	/* The largest 13-bit frame length, and one past it. */
	ok(adts_header_put(big, big + sizeof(big), 2, 4, 2, 0x1fff - 7) ==
	       big + 7,
	   "put: raw length 8184 gives frame length 8191");
	memset(big + 7, 0, 0x1fff - 7);
	is_int(parse_dup(big, 0x1fff, &h), 0x1fff, "frame length 8191 parses");
	is_int(h.frame_length, 0x1fff, "frame length 8191 read back");
	ok(adts_header_put(big, big + sizeof(big), 2, 4, 2, 0x1fff - 6) == NULL,
	   "put: raw length 8185 does not fit 13 bits");
	ok(adts_header_put(big, big + sizeof(big), 2, 4, 2, (size_t)-1) == NULL,
	   "put: huge raw length refused");

	/* Frame length past the end of the data (adversarial case 39). */
	r = parse_dup(big, 100, &h);
	is_int(r, RTMP_ERR_NEED_MORE, "frame length 8191 with 100 bytes");

	/* Output room exactly 7, one short, and NULL passed through. */
	ok(adts_header_put(buf, buf + 7, 2, 4, 2, 1) == buf + 7,
	   "put: exactly 7 bytes of room");
	ok(adts_header_put(buf, buf + 6, 2, 4, 2, 1) == NULL,
	   "put: 6 bytes of room");
	ok(adts_header_put(NULL, buf + 7, 2, 4, 2, 1) == NULL,
	   "put: NULL passes through");
	ok(adts_header_put(buf, buf + 7, 0, 4, 2, 1) == NULL,
	   "put: object type 0 has no profile");
	ok(adts_header_put(buf, buf + 7, 5, 4, 2, 1) == NULL,
	   "put: object type 5 (SBR) has no profile");
	ok(adts_header_put(buf, buf + 7, 2, 13, 2, 1) == NULL,
	   "put: reserved sampling index 13");
	ok(adts_header_put(buf, buf + 7, 2, 4, 8, 1) == NULL,
	   "put: channel configuration 8");

	memset(&h, 0, sizeof(h));
	h.object_type = 2;
	h.sr_index = 4;
	h.channel_config = 2;
	ok(adts_to_asc(buf, buf + 1, &h) == NULL, "asc: 1 byte of room");
	ok(adts_to_asc(NULL, buf + 2, &h) == NULL, "asc: NULL passes through");
	h.sr_index = 13;
	ok(adts_to_asc(buf, buf + 2, &h) == NULL, "asc: reserved index");
}

static void
test_round_trip(void)
{
	uint8_t buf[64], asc[2], want[2];
	struct adts_header h;
	unsigned ot, sr, ch;
	int all = 1;

	for (ot = 1; ot <= 4; ot++)
		for (sr = 0; sr < 13; sr++)
			for (ch = 0; ch < 8; ch++) {
				uint8_t *e = adts_header_put(
				    buf, buf + 64, (uint8_t)ot, (uint8_t)sr,
				    (uint8_t)ch, 57);

				memset(buf + 7, 0x5a, 57);
				memset(&h, 0, sizeof(h));
				if (e != buf + 7 ||
				    parse_dup(buf, 64, &h) != 64 ||
				    h.object_type != ot || h.sr_index != sr ||
				    h.channel_config != ch ||
				    h.protection_absent != 1 ||
				    h.mpeg_version != 0 || h.raw_blocks != 1)
					all = 0;
				want[0] = (uint8_t)(ot << 3 | sr >> 1);
				want[1] = (uint8_t)((sr & 1) << 7 | ch << 3);
				if (adts_to_asc(asc, asc + 2, &h) != asc + 2 ||
				    memcmp(asc, want, 2) != 0)
					all = 0;
			}
	ok(all, "put/parse/asc round trip for every profile, rate, channels");
	ok(adts_header_put(buf, buf + 64, 2, 4, 2, 100) == buf + 7,
	   "put: LC stereo 100 raw bytes");
	is_mem(buf, lc_hdr, 7, "put: bytes FF F1 50 80 0D 7F FC");
}

static void
test_find_sync(void)
{
	static const uint8_t a[] = {0x00, 0x12, 0xff, 0x0f, 0xff, 0xf1, 0x50};
	static const uint8_t b[] = {0x01, 0x02, 0x03, 0xfe};
	static const uint8_t c[] = {0x01, 0x02, 0xff};
	static const uint8_t d[] = {0xff, 0xf0};
	uint8_t *q;

	q = tap_dup(a, sizeof(a));
	is_int(adts_find_sync(q, sizeof(a)), 4, "sync after a lone 0xFF");
	is_int(adts_find_sync(q + 4, 3), 0, "sync at p");
	free(q);
	q = tap_dup(b, sizeof(b));
	is_int(adts_find_sync(q, sizeof(b)), 4, "no sync: len");
	free(q);
	q = tap_dup(c, sizeof(c));
	is_int(adts_find_sync(q, sizeof(c)), 2,
	       "0xFF at the end may be a sync");
	free(q);
	q = tap_dup(d, sizeof(d));
	is_int(adts_find_sync(q, sizeof(d)), 0, "FF F0 is a sync word");
	free(q);
	is_int(adts_find_sync(d, 0), 0, "empty buffer: 0");
}

/* Garbage between frames: MALFORMED, then adts_find_sync resynchronises. */
static void
test_resync(void)
{
	uint8_t buf[3 * 107 + 5];
	struct adts_header h;
	size_t off = 0, n = 0, frames = 0;
	ssize_t r;
	int malformed = 0;

	n += make_frame(buf + n, lc_hdr, 7, 107);
	memcpy(buf + n, "\x12\xff\x00\x34\xff", 5);
	n += 5;
	n += make_frame(buf + n, lc_hdr, 7, 107);
	n += make_frame(buf + n, lc_hdr, 7, 107);
	while (off < n) {
		r = parse_dup(buf + off, n - off, &h);
		if (r > 0) {
			frames++;
			off += (size_t)r;
		} else if (r == RTMP_ERR_MALFORMED) {
			malformed++;
			off += 1 + adts_find_sync(buf + off + 1, n - off - 1);
		} else
			break;
	}
	is_int(frames, 3, "resync: all 3 frames found around garbage");
	ok(malformed >= 1, "resync: garbage reported as malformed");
	is_int(off, n, "resync: walked to the end");
}

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
 * Walk the fixture with a read window that grows by step(i) bytes each time
 * the parser asks for more, as a reader of a pipe would.
 */
static void
walk_fixture(const uint8_t *file, size_t size, const char *how, int mode)
{
	size_t pos = 0, avail = 0, frames = 0, calls = 0;
	struct adts_header h;
	uint8_t asc[2];
	int fields_ok = 1, asc_ok = 1, err = 0;
	uint32_t rnd = 12345;

	while (pos < size) {
		ssize_t r = avail > pos ? parse_dup(file + pos, avail - pos, &h)
					: RTMP_ERR_NEED_MORE;

		calls++;
		if (r == RTMP_ERR_NEED_MORE) {
			size_t step;

			if (avail == size) {
				err = 1;
				break;
			}
			if (mode == 0)
				step = size;
			else if (mode == 1)
				step = 1;
			else {
				rnd = rnd * 1103515245u + 12345u;
				step = 1 + (rnd >> 16) % 700;
			}
			avail = avail + step > size ? size : avail + step;
			continue;
		}
		if (r < 0) {
			err = 1;
			break;
		}
		frames++;
		pos += (size_t)r;
		if (h.sample_rate != 44100 || h.channel_config != 2 ||
		    h.object_type != 2 || h.header_len != 7 ||
		    h.raw_blocks != 1)
			fields_ok = 0;
		if (adts_to_asc(asc, asc + 2, &h) != asc + 2 ||
		    memcmp(asc, sample_asc, 2) != 0)
			asc_ok = 0;
	}
	ok(!err, "sample.aac %s: no error", how);
	is_int(frames, SAMPLE_AAC_FRAMES, "sample.aac %s: frame count", how);
	is_int(pos, size, "sample.aac %s: frames cover the file", how);
	ok(fields_ok, "sample.aac %s: every frame LC 44100 Hz stereo", how);
	ok(asc_ok, "sample.aac %s: ASC equals sample.flv's (12 10)", how);
	ok(calls > frames, "sample.aac %s: reads were split", how);
}

static void
test_fixture(void)
{
	size_t size = 0;
	uint8_t *file = slurp(FIXTURES_DIR "/sample.aac", &size);

	if (!ok(file != NULL, "read " FIXTURES_DIR "/sample.aac"))
		return;
	walk_fixture(file, size, "whole file", 0);
	walk_fixture(file, size, "1-byte growing window", 1);
	walk_fixture(file, size, "random read sizes", 2);
	free(file);
}

int
main(void)
{
	test_valid();
	test_crc_and_fields();
	test_malformed();
	test_limits();
	test_round_trip();
	test_find_sync();
	test_resync();
	test_fixture();
	return done_testing();
}
