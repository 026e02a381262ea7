/*
 * FLV reader and tag body parsers. The last 4 input bytes choose the read
 * sizes (and a small max_tag_size); the reader must produce the same events
 * for a whole-buffer read and for the chunked one, honour its own want, and
 * never loop without progress. Every tag body goes through the video and
 * audio header parsers (whose cheap checks must agree with them), the AVC
 * and AAC config parsers and the SPS parser, each on an exactly sized copy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flv.h"

#define CTRL	  4
#define MAX_STEPS 100000

static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (q == NULL)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static void
check_video(const uint8_t *b, size_t n)
{
	struct flv_video_info vi;
	struct avc_config c;
	unsigned i;

	if (flv_video_parse(b, n, &vi) != RTMP_OK)
		return;
	if (vi.hdr_len + vi.payload_len > n || vi.hdr_len > n)
		abort();
	if (flv_video_is_keyframe(b, n) != vi.is_keyframe ||
	    flv_video_is_seq_header(b, n) != vi.is_seq_header)
		abort();
	if (vi.is_seq_header && vi.fourcc == FLV_FOURCC('a', 'v', 'c', '1')) {
		uint8_t *q = dup_exact(b + vi.hdr_len, vi.payload_len);

		if (avc_config_parse(q, vi.payload_len, &c) == RTMP_OK) {
			for (i = 0; i < AVC_MAX_PS && i < c.nsps; i++) {
				struct h264_sps s;
				uint8_t *sp =
				    dup_exact(c.sps[i].p, c.sps[i].len);

				if (h264_sps_parse(sp, c.sps[i].len, &s) ==
					RTMP_OK &&
				    (s.width == 0 || s.height == 0))
					abort();
				free(sp);
			}
		}
		free(q);
	}
}

static void
check_audio(const uint8_t *b, size_t n)
{
	struct flv_audio_info ai;
	struct aac_config c;

	if (flv_audio_parse(b, n, &ai) != RTMP_OK)
		return;
	if (ai.hdr_len + ai.payload_len > n || ai.hdr_len > n)
		abort();
	if (flv_audio_is_seq_header(b, n) != ai.is_seq_header)
		abort();
	if (ai.is_seq_header && ai.fourcc == FLV_FOURCC('m', 'p', '4', 'a')) {
		uint8_t *q = dup_exact(b + ai.hdr_len, ai.payload_len);

		aac_config_parse(q, ai.payload_len, &c);
		free(q);
	}
}

static void
check_body(const uint8_t *data, size_t n)
{
	uint8_t *b = dup_exact(data, n);
	struct flv_video_info vi;
	struct flv_audio_info ai;
	struct avc_config c;
	struct aac_config a;
	struct h264_sps s;

	check_video(b, n);
	check_audio(b, n);
	/* Also the raw body as each kind of record, whatever the tag. */
	flv_video_parse(b, n, &vi);
	flv_audio_parse(b, n, &ai);
	avc_config_parse(b, n, &c);
	aac_config_parse(b, n, &a);
	h264_sps_parse(b, n, &s);
	free(b);
}

/* Run the reader; returns a hash of the event sequence. step_of(i) gives
 * the i-th read size, 0 for "everything at once". */
static uint64_t
run(const uint8_t *file, size_t flen, const uint8_t *ctrl, int chunked,
    uint32_t max_tag, int bodies)
{
	struct flv_reader r;
	size_t off = 0, have = chunked ? 0 : flen, reads = 0, zero_run = 0;
	size_t last_want = 0;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned steps = 0;

	flv_reader_init(&r);
	r.max_tag_size = max_tag;
	while (steps++ < MAX_STEPS) {
		struct flv_event ev;
		size_t want = last_want, avail = have - off;
		int eof = have == flen;
		uint8_t *b;
		ssize_t n = RTMP_ERR_NEED_MORE;

		/* Calls short of what was asked for are allowed; make only
		 * some of them, or small reads of a big tag are quadratic
		 * here (each call copies the buffer). */
		if (eof || avail >= last_want || reads % 16 == 0) {
			b = dup_exact(file + off, avail);
			n = flv_reader_next(&r, b, avail, eof, &ev, &want);
		} else {
			b = NULL;
		}
		if (n == RTMP_ERR_NEED_MORE) {
			size_t step;

			free(b);
			last_want = want;
			if (eof || want <= avail ||
			    want >
				(size_t)(max_tag ? max_tag : FLV_MAX_TAG_DATA) +
				    FLV_READER_LOOKAHEAD)
				abort();
			if (ctrl[3] & 0x80)
				step = 1 + ((size_t)ctrl[reads % 3] << 8 |
					    ctrl[(reads + 1) % 3]);
			else
				step = 1 + ctrl[reads % 4];
			reads++;
			have += step < flen - have ? step : flen - have;
			continue;
		}
		if (n < 0 || (size_t)n > avail)
			abort();
		if (ev.type == FLV_EV_NONE) {
			free(b);
			if (n != 0 || off != flen)
				abort();
			return mix(h, 0);
		}
		last_want = 0;
		zero_run = n == 0 ? zero_run + 1 : 0;
		if (zero_run > 8 || r.offset != off + (size_t)n)
			abort();
		h = mix(h, ev.type);
		h = mix(h, ev.offset);
		h = mix(h, ev.problem);
		h = mix(h, ev.skipped);
		h = mix(h, ev.prev_size);
		h = mix(h, ev.header.version);
		if (ev.type == FLV_EV_TAG) {
			if (ev.data != b + FLV_TAG_HEADER_SIZE ||
			    FLV_TAG_HEADER_SIZE + (size_t)ev.tag.size > avail)
				abort();
			h = mix(h, ev.tag.type);
			h = mix(h, ev.tag.size);
			h = mix(h, ev.tag.timestamp);
			h = mix(h, ev.tag.stream_id);
			if (ev.tag.size > 0)
				h = mix(h,
					ev.data[0] |
					    (uint64_t)ev.data[ev.tag.size - 1]
						<< 8);
			if (bodies)
				check_body(ev.data, ev.tag.size);
		}
		free(b);
		off += (size_t)n;
	}
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t ctrl[CTRL] = {0, 0, 0, 0};
	uint32_t max_tag = 0;
	uint8_t *file;
	size_t flen = size;
	struct h264_sps s;

	if (size >= CTRL) {
		flen = size - CTRL;
		memcpy(ctrl, data + flen, CTRL);
	}
	if (ctrl[3] & 0x40)
		max_tag = 1 + (uint32_t)ctrl[2] * 64;
	file = dup_exact(data, flen);
	if (run(file, flen, ctrl, 0, max_tag, 1) !=
	    run(file, flen, ctrl, 1, max_tag, 0))
		abort();
	h264_sps_parse(file, flen, &s);
	free(file);
	return 0;
}
