/*
 * libFuzzer target for the Annex B reader and access unit framer. The last
 * two input bytes choose the framer's max_au and the read sizes; the rest
 * is the stream. The stream is framed twice, whole and in pieces, and both
 * runs must find the same NAL units and the same access units, each unit's
 * AVCC length fields must tile it exactly, its picture order count fields
 * must agree (the counts carry state from unit to unit), and nothing may
 * read past the bytes of the current read (each read is an exact-size heap
 * copy).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annexb.h"

static void
fz_hash(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		*h = (*h ^ *b++) * 0x100000001b3ull;
}

static void
fz_check_unit(const struct annexb_au *au, size_t max)
{
	size_t off = 0, l;
	unsigned n = 0;
	int idr = 0;

	if (au->len == 0 || au->len > max)
		abort();
	while (off < au->len) {
		if (au->len - off < 4)
			abort();
		l = (size_t)au->data[off] << 24 |
		    (size_t)au->data[off + 1] << 16 |
		    (size_t)au->data[off + 2] << 8 | au->data[off + 3];
		if (l == 0 || l > au->len - off - 4)
			abort();
		/* No forbidden bit, no AUD, no filler in the output. */
		if ((au->data[off + 4] & 0x80) ||
		    (au->data[off + 4] & 0x1f) == H264_NAL_AUD ||
		    (au->data[off + 4] & 0x1f) == H264_NAL_FILLER)
			abort();
		idr |= (au->data[off + 4] & 0x1f) == H264_NAL_IDR;
		off += 4 + l;
		n++;
	}
	if (n != au->nals || idr != (au->keyframe != 0))
		abort();
	/* The picture order count of the first slice: a count, or why not. */
	if (au->poc_err != RTMP_OK && au->poc_err != RTMP_ERR_MALFORMED &&
	    au->poc_err != RTMP_ERR_UNSUPPORTED)
		abort();
	if ((au->poc_err != RTMP_OK && au->poc != 0) ||
	    (au->idr && !au->keyframe))
		abort();
}

/* Everything a unit reports, for the whole-versus-pieces comparison. */
static void
fz_hash_unit(uint64_t *h, const struct annexb_au *au)
{
	fz_hash(h, au->data, au->len);
	fz_hash(h, &au->keyframe, sizeof(au->keyframe));
	fz_hash(h, &au->poc, sizeof(au->poc));
	fz_hash(h, &au->poc_err, sizeof(au->poc_err));
	fz_hash(h, &au->ref, sizeof(au->ref));
	fz_hash(h, &au->idr, sizeof(au->idr));
}

/* Frame in[0..len), reads growing by steps from seed (0: one read). */
static void
fz_run(const uint8_t *in, size_t len, uint32_t max_au, uint32_t seed,
       uint64_t *nal_hash, uint64_t *unit_hash)
{
	size_t max = max_au ? max_au : ANNEXB_MAX_AU_DEFAULT;
	size_t pos = 0, avail = seed ? 0 : len;
	struct annexb_framer f;
	struct annexb_au au;
	struct rtmp_str nal;
	uint32_t rnd = seed;
	uint8_t *q;
	ssize_t r;
	int pr;

	annexb_framer_init(&f);
	f.max_au = max_au;
	while (pos < len) {
		q = malloc(avail - pos ? avail - pos : 1);
		if (q == NULL)
			abort();
		memcpy(q, in + pos, avail - pos);
		r = annexb_next_nal(q, avail - pos, avail == len, &nal);
		if (r == RTMP_ERR_NEED_MORE) {
			free(q);
			if (avail == len)
				abort(); /* eof never needs more */
			rnd = rnd * 1103515245u + 12345u;
			avail += 1 + (rnd >> 16) % 64;
			if (avail > len)
				avail = len;
			continue;
		}
		fz_hash(nal_hash, &r, sizeof(r));
		if (r < 0) {
			free(q);
			break;
		}
		if (r == 0 || (size_t)r > avail - pos || nal.len > (size_t)r ||
		    (nal.len > 0 && (nal.p < q || nal.p + nal.len > q + r ||
				     (nal.p[0] & 0x80))))
			abort();
		fz_hash(nal_hash, nal.p, nal.len);
		pos += (size_t)r;
		pr = annexb_framer_push(&f, nal.p, nal.len, &au);
		free(q);
		fz_hash(unit_hash, &pr, sizeof(pr));
		if (pr == 1) {
			fz_check_unit(&au, max);
			fz_hash_unit(unit_hash, &au);
		} else if (pr == RTMP_ERR_NOMEM) {
			abort();
		}
		if (f.sps_len > ANNEXB_MAX_PS || f.pps_len > ANNEXB_MAX_PS ||
		    f.len > max)
			abort();
	}
	if (annexb_framer_flush(&f, &au) == 1) {
		fz_check_unit(&au, max);
		fz_hash_unit(unit_hash, &au);
	}
	annexb_framer_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t n1 = 0xcbf29ce484222325ull, u1 = n1, n2 = n1, u2 = n1;
	uint32_t max_au;
	uint8_t m;

	if (size < 2)
		return 0;
	m = data[size - 2];
	/* Small caps reach LIMIT; the high bit keeps the default. */
	max_au = (m & 0x80) ? 0 : 8u + (m & 0x7fu) * 16u;
	size -= 2;
	fz_run(data, size, max_au, 0, &n1, &u1);
	fz_run(data, size, max_au, 1u + data[size + 1], &n2, &u2);
	if (n1 != n2 || u1 != u2)
		abort();
	return 0;
}
