/*
 * libFuzzer target for the ADTS parser. Walks the input frame by frame,
 * resynchronising with adts_find_sync after MALFORMED. The last input byte
 * chooses where each frame is cut to check that a strict prefix of a frame
 * needs more and never reads past the bytes given (exact-size copies).
 * Every parsed header must survive adts_to_asc and adts_header_put.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adts.h"

static ssize_t
fz_parse(const uint8_t *p, size_t len, struct adts_header *h)
{
	uint8_t *q = malloc(len ? len : 1);
	ssize_t r;

	if (q == NULL)
		abort();
	memcpy(q, p, len);
	r = adts_parse(q, len, h);
	free(q);
	return r;
}

static void
fz_check_frame(const uint8_t *p, size_t r, const struct adts_header *h)
{
	struct adts_header h2;
	uint8_t asc[2], *buf;

	if (r != h->frame_length || r < h->header_len ||
	    (h->header_len != 7 && h->header_len != 9) || h->object_type < 1 ||
	    h->object_type > 4 || h->sr_index > 12 || h->sample_rate == 0 ||
	    h->channel_config > 7 || h->raw_blocks < 1 || h->raw_blocks > 4)
		abort();
	if (adts_to_asc(asc, asc + 2, h) != asc + 2 ||
	    (asc[0] >> 3) != h->object_type ||
	    ((asc[0] & 7) << 1 | asc[1] >> 7) != h->sr_index ||
	    ((asc[1] >> 3) & 0x0f) != h->channel_config)
		abort();
	/* Rewrite the frame with our own header and read it back. */
	buf = malloc(ADTS_HEADER_SIZE + r - h->header_len);
	if (buf == NULL)
		abort();
	if (adts_header_put(buf, buf + ADTS_HEADER_SIZE, h->object_type,
			    h->sr_index, h->channel_config,
			    r - h->header_len) != buf + ADTS_HEADER_SIZE)
		abort();
	memcpy(buf + ADTS_HEADER_SIZE, p + h->header_len, r - h->header_len);
	if (fz_parse(buf, ADTS_HEADER_SIZE + r - h->header_len, &h2) !=
		(ssize_t)(ADTS_HEADER_SIZE + r - h->header_len) ||
	    h2.object_type != h->object_type || h2.sr_index != h->sr_index ||
	    h2.channel_config != h->channel_config)
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct adts_header h;
	size_t off = 0, s;
	uint32_t rnd;
	ssize_t r;

	if (size < 1)
		return 0;
	rnd = data[--size];
	while (off < size) {
		r = fz_parse(data + off, size - off, &h);
		if (r > 0) {
			if ((size_t)r > size - off)
				abort();
			fz_check_frame(data + off, (size_t)r, &h);
			rnd = rnd * 1103515245u + 12345u;
			if (fz_parse(data + off, (rnd >> 8) % (size_t)r, &h) !=
			    RTMP_ERR_NEED_MORE)
				abort();
			off += (size_t)r;
		} else if (r == RTMP_ERR_MALFORMED) {
			s = adts_find_sync(data + off + 1, size - off - 1);
			if (s > size - off - 1)
				abort();
			if (s + 1 < size - off - 1 &&
			    (data[off + 1 + s] != 0xff ||
			     (data[off + 2 + s] & 0xf0) != 0xf0))
				abort();
			off += 1 + s;
		} else if (r == RTMP_ERR_NEED_MORE) {
			break; /* a frame running past the end */
		} else {
			abort();
		}
	}
	return 0;
}
