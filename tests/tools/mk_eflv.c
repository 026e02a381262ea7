/*
 * mk-eflv: write tests/fixtures/enhanced.flv, a small Enhanced RTMP v2 FLV
 * (AV1 + HEVC video, Opus audio) with the codec layer's FLV writer:
 *
 *   onMetaData (videocodecid/audiocodecid as FourCC numbers)
 *   av01 SequenceStart, a Metadata packet (colorInfo), CodedFrames key and
 *   inter frames, SequenceEnd
 *   hvc1 SequenceStart, CodedFrames (composition time 40 ms) key frame,
 *   CodedFramesX inter frame, a ModEx-wrapped CodedFrames packet
 *   (TimestampOffsetNano 500000), a Multitrack (ManyTracks, two tracks)
 *   CodedFramesX packet, SequenceEnd
 *   Opus SequenceStart (OpusHead) and CodedFrames every 20 ms
 *
 * The configuration records are real (64x64 streams from libaom and x265);
 * the coded frames are synthetic bytes behind well-formed headers.
 *
 * usage: mk-eflv OUTPUT.flv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amf0.h"
#include "bytes.h"
#include "flv.h"

/* AV1CodecConfigurationRecord: main profile, level 0, sequence header OBU
 * for 64x64 (libaom). */
static const uint8_t av1c[] = {0x81, 0x20, 0x00, 0x00, 0x0a, 0x0d, 0x20,
			       0x00, 0x00, 0x02, 0xaf, 0xff, 0x9b, 0x5f,
			       0x24, 0x04, 0x34, 0x00, 0x80};

/* HEVCDecoderConfigurationRecord: Main profile, 64x64, VPS/SPS/PPS (x265,
 * its user-data SEI array left out). */
static const uint8_t hvcc[] = {
    0x01, 0x04, 0x08, 0x00, 0x00, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x00, 0x00,
    0x1e, 0xf0, 0x00, 0xfc, 0xff, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 0x03, 0xa0,
    0x00, 0x01, 0x00, 0x17, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x04, 0x08,
    0x00, 0x00, 0x03, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00, 0x1e,
    0x95, 0x98, 0x09, 0xa1, 0x00, 0x01, 0x00, 0x2c, 0x42, 0x01, 0x01, 0x04,
    0x08, 0x00, 0x00, 0x03, 0x00, 0x9e, 0x08, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x1e, 0x90, 0x04, 0x10, 0x20, 0xb2, 0xca, 0xcd, 0x24, 0x99, 0x5e, 0x02,
    0xdc, 0x08, 0x08, 0x00, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00,
    0x03, 0x01, 0x90, 0x80, 0xa2, 0x00, 0x01, 0x00, 0x08, 0x44, 0x01, 0xc1,
    0x72, 0x86, 0x0c, 0x42, 0x24};

/* OpusHead (RFC 7845 5.1): version 1, 2 channels, pre-skip 312, 48 kHz,
 * gain 0, mapping family 0. */
static const uint8_t opus_head[] = {'O',  'p',	'u',  's',  'H',  'e',	'a',
				    'd',  0x01, 0x02, 0x38, 0x01, 0x80, 0xbb,
				    0x00, 0x00, 0x00, 0x00, 0x00};

#define MAX_TAGS 64
#define TAG_CAP	 512

struct tag {
	size_t seq; /* creation order, for a stable sort */
	uint8_t type;
	uint32_t ts;
	uint8_t data[TAG_CAP];
	size_t len;
};

static struct tag tags[MAX_TAGS];
static size_t ntags;

static struct tag *
add(uint8_t type, uint32_t ts)
{
	struct tag *t;

	if (ntags == MAX_TAGS) {
		fprintf(stderr, "mk-eflv: too many tags\n");
		exit(1);
	}
	t = &tags[ntags];
	t->seq = ntags++;
	t->type = type;
	t->ts = ts;
	t->len = 0;
	return t;
}

static void
app(struct tag *t, const void *p, size_t n)
{
	if (t->len + n > TAG_CAP) {
		fprintf(stderr, "mk-eflv: tag too big\n");
		exit(1);
	}
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

static void
app_u8(struct tag *t, uint8_t v)
{
	app(t, &v, 1);
}

static void
app_be24(struct tag *t, uint32_t v)
{
	uint8_t b[3];

	wr_be24(b, v);
	app(t, b, 3);
}

static void
app_fourcc(struct tag *t, const char *f)
{
	app(t, f, 4);
}

/* Synthetic payload bytes: a recognisable pattern. */
static void
app_fill(struct tag *t, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		app_u8(t, (uint8_t)(seed + i * 7));
}

/* One length-prefixed (4 bytes) HEVC NAL: 2-byte header, then filler. */
static void
app_hevc_nal(struct tag *t, uint8_t nal_type, size_t body, uint8_t seed)
{
	uint8_t len[4];

	wr_be32(len, (uint32_t)(2 + body));
	app(t, len, 4);
	app_u8(t, (uint8_t)(nal_type << 1));
	app_u8(t, 0x01); /* nuh_temporal_id_plus1 */
	app_fill(t, body, seed);
}

/* An AV1 temporal unit: temporal delimiter, then a frame OBU. */
static void
app_av1_tu(struct tag *t, size_t body, uint8_t seed)
{
	static const uint8_t td[2] = {0x12, 0x00};

	app(t, td, 2);
	app_u8(t, 0x32);	  /* OBU_FRAME, has_size_field */
	app_u8(t, (uint8_t)body); /* leb128, body < 128 */
	app_fill(t, body, seed);
}

#define EX_VIDEO(frame, pkt) ((uint8_t)(0x80 | (frame) << 4 | (pkt)))
#define EX_AUDIO(pkt)	     ((uint8_t)(9 << 4 | (pkt)))

static void
metadata(void)
{
	uint8_t buf[TAG_CAP], *p = buf, *end = buf + sizeof(buf);
	struct tag *t = add(FLV_TAG_SCRIPT, 0);

	p = amf0_put_cstr(p, end, "onMetaData");
	p = amf0_put_ecma_begin(p, end, 10);
	p = amf0_put_prop_number(p, end, "duration", 0.32);
	p = amf0_put_prop_number(p, end, "width", 64);
	p = amf0_put_prop_number(p, end, "height", 64);
	p = amf0_put_prop_number(p, end, "framerate", 25);
	p = amf0_put_prop_number(p, end, "videocodecid",
				 FLV_FOURCC('a', 'v', '0', '1'));
	p = amf0_put_prop_number(p, end, "audiocodecid",
				 FLV_FOURCC('O', 'p', 'u', 's'));
	p = amf0_put_prop_number(p, end, "audiosamplerate", 48000);
	p = amf0_put_prop_bool(p, end, "stereo", 1);
	p = amf0_put_prop_cstr(p, end, "encoder", "mk-eflv (rtmpkit tests)");
	p = amf0_put_key(p, end, "videoTrackIdInfoMap");
	p = amf0_put_object_begin(p, end);
	p = amf0_put_key(p, end, "1");
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_number(p, end, "videocodecid",
				 FLV_FOURCC('h', 'v', 'c', '1'));
	p = amf0_put_object_end(p, end);
	p = amf0_put_object_end(p, end);
	p = amf0_put_object_end(p, end);
	if (p == NULL) {
		fprintf(stderr, "mk-eflv: metadata too big\n");
		exit(1);
	}
	app(t, buf, (size_t)(p - buf));
}

/* Enhanced RTMP v2 "Metadata Frame": colorInfo as AMF0. */
static void
video_metadata(uint32_t ts)
{
	uint8_t buf[TAG_CAP], *p = buf, *end = buf + sizeof(buf);
	struct tag *t = add(FLV_TAG_VIDEO, ts);

	app_u8(t, EX_VIDEO(FLV_FRAME_COMMAND, FLV_VPT_METADATA));
	app_fourcc(t, "av01");
	p = amf0_put_cstr(p, end, "colorInfo");
	p = amf0_put_object_begin(p, end);
	p = amf0_put_key(p, end, "colorConfig");
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_number(p, end, "bitDepth", 8);
	p = amf0_put_prop_number(p, end, "colorPrimaries", 1);
	p = amf0_put_prop_number(p, end, "transferCharacteristics", 1);
	p = amf0_put_prop_number(p, end, "matrixCoefficients", 1);
	p = amf0_put_object_end(p, end);
	p = amf0_put_object_end(p, end);
	if (p == NULL)
		exit(1);
	app(t, buf, (size_t)(p - buf));
}

static void
opus(uint32_t from, uint32_t to)
{
	uint32_t ts;

	for (ts = from; ts < to; ts += 20) {
		struct tag *t = add(FLV_TAG_AUDIO, ts);

		app_u8(t, EX_AUDIO(FLV_APT_CODED_FRAMES));
		app_fourcc(t, "Opus");
		app_u8(t, 0xfc); /* TOC: CELT FB 20 ms, stereo, one frame */
		app_fill(t, 24, (uint8_t)ts);
	}
}

static int
by_ts(const void *a, const void *b)
{
	const struct tag *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	/* Same time: keep the order of creation (configs first). */
	return x->seq < y->seq ? -1 : 1;
}

int
main(int argc, char **argv)
{
	static uint8_t out[64 * 1024];
	uint8_t *p = out, *end = out + sizeof(out);
	struct tag *t;
	FILE *fp;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: mk-eflv OUTPUT.flv\n");
		return 2;
	}
	metadata();

	/* AV1: 0 .. 80 ms */
	t = add(FLV_TAG_VIDEO, 0);
	app_u8(t, EX_VIDEO(FLV_FRAME_KEY, FLV_VPT_SEQUENCE_START));
	app_fourcc(t, "av01");
	app(t, av1c, sizeof(av1c));
	video_metadata(0);
	t = add(FLV_TAG_AUDIO, 0);
	app_u8(t, EX_AUDIO(FLV_APT_SEQUENCE_START));
	app_fourcc(t, "Opus");
	app(t, opus_head, sizeof(opus_head));
	t = add(FLV_TAG_VIDEO, 0);
	app_u8(t, EX_VIDEO(FLV_FRAME_KEY, FLV_VPT_CODED_FRAMES));
	app_fourcc(t, "av01");
	app_av1_tu(t, 60, 1);
	t = add(FLV_TAG_VIDEO, 40);
	app_u8(t, EX_VIDEO(FLV_FRAME_INTER, FLV_VPT_CODED_FRAMES));
	app_fourcc(t, "av01");
	app_av1_tu(t, 20, 2);
	t = add(FLV_TAG_VIDEO, 80);
	app_u8(t, EX_VIDEO(FLV_FRAME_INTER, FLV_VPT_CODED_FRAMES));
	app_fourcc(t, "av01");
	app_av1_tu(t, 20, 3);
	t = add(FLV_TAG_VIDEO, 120);
	app_u8(t, EX_VIDEO(FLV_FRAME_KEY, FLV_VPT_SEQUENCE_END));
	app_fourcc(t, "av01");

	/* HEVC: 120 .. 280 ms */
	t = add(FLV_TAG_VIDEO, 120);
	app_u8(t, EX_VIDEO(FLV_FRAME_KEY, FLV_VPT_SEQUENCE_START));
	app_fourcc(t, "hvc1");
	app(t, hvcc, sizeof(hvcc));
	t = add(FLV_TAG_VIDEO, 120);
	app_u8(t, EX_VIDEO(FLV_FRAME_KEY, FLV_VPT_CODED_FRAMES));
	app_fourcc(t, "hvc1");
	app_be24(t, 40);	    /* CompositionTime */
	app_hevc_nal(t, 19, 80, 4); /* IDR_W_RADL */
	t = add(FLV_TAG_VIDEO, 160);
	app_u8(t, EX_VIDEO(FLV_FRAME_INTER, FLV_VPT_CODED_FRAMES_X));
	app_fourcc(t, "hvc1");
	app_hevc_nal(t, 1, 30, 5); /* TRAIL_R */
	/* ModEx: one block of 3 bytes (size - 1 = 2), TimestampOffsetNano
	 * 500000 ns, then ModExType 0 / CodedFrames. */
	t = add(FLV_TAG_VIDEO, 200);
	app_u8(t, EX_VIDEO(FLV_FRAME_INTER, FLV_VPT_MODEX));
	app_u8(t, 2);
	app_be24(t, 500000);
	app_u8(t, 0 << 4 | FLV_VPT_CODED_FRAMES);
	app_fourcc(t, "hvc1");
	app_be24(t, 0);
	app_hevc_nal(t, 1, 30, 6);
	/* Multitrack, ManyTracks (one FourCC for all), CodedFramesX; each
	 * track: id, UI24 size, data. */
	t = add(FLV_TAG_VIDEO, 240);
	app_u8(t, EX_VIDEO(FLV_FRAME_INTER, FLV_VPT_MULTITRACK));
	app_u8(t, FLV_MT_MANY_TRACKS << 4 | FLV_VPT_CODED_FRAMES_X);
	app_fourcc(t, "hvc1");
	app_u8(t, 0);
	app_be24(t, 4 + 2 + 30);
	app_hevc_nal(t, 1, 30, 7);
	app_u8(t, 1);
	app_be24(t, 4 + 2 + 20);
	app_hevc_nal(t, 1, 20, 8);
	t = add(FLV_TAG_VIDEO, 280);
	app_u8(t, EX_VIDEO(FLV_FRAME_INTER, FLV_VPT_CODED_FRAMES_X));
	app_fourcc(t, "hvc1");
	app_hevc_nal(t, 1, 30, 9);
	t = add(FLV_TAG_VIDEO, 280);
	app_u8(t, EX_VIDEO(FLV_FRAME_KEY, FLV_VPT_SEQUENCE_END));
	app_fourcc(t, "hvc1");

	opus(0, 300);
	qsort(tags, ntags, sizeof(tags[0]), by_ts);

	p = flv_header_put(p, end, FLV_FLAG_AUDIO | FLV_FLAG_VIDEO);
	for (i = 0; i < ntags; i++)
		p = flv_tag_put(p, end, tags[i].type, tags[i].ts, tags[i].data,
				(uint32_t)tags[i].len);
	if (p == NULL) {
		fprintf(stderr, "mk-eflv: output too big\n");
		return 1;
	}
	fp = fopen(argv[1], "wb");
	if (fp == NULL ||
	    fwrite(out, 1, (size_t)(p - out), fp) != (size_t)(p - out) ||
	    fclose(fp) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
