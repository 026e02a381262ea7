/*
 * Chunk reader fuzz target. Input layout, from the end:
 *   last byte        bits 0..2: number of feed-length bytes (0: one feed),
 *                    bit 3: small limits instead of the defaults
 *   the byte before  writer chunk size for the round trip (index)
 *   before that      the feed lengths (each byte + 1), used in turn
 *   the rest         the chunk stream
 * Checks the return contract and bytes_in, then writes the messages read
 * with a chunk_writer, reads them back and requires the same messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "chunk.h"

struct fz_msg {
	struct rtmp_msg_hdr h;
	uint8_t *payload;
};

struct fz_list {
	struct fz_msg *m;
	size_t n, cap;
};

static const uint32_t fz_wsizes[8] = {1, 2, 3, 7, 128, 1000, 4096, 65536};

static void
fz_push(struct fz_list *l, const struct chunk_msg *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->m = realloc(l->m, l->cap * sizeof(*l->m));
		if (l->m == NULL)
			abort();
	}
	l->m[l->n].h = m->h;
	l->m[l->n].payload = malloc(m->h.length ? m->h.length : 1);
	if (l->m[l->n].payload == NULL)
		abort();
	if (m->h.length > 0)
		memcpy(l->m[l->n].payload, m->payload, m->h.length);
	l->n++;
}

static void
fz_free(struct fz_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->m[i].payload);
	free(l->m);
}

/*
 * Feed p in pieces of the given lengths (cycled), each in an exact-size
 * heap block. Returns 0 or the reader's error.
 */
static int
fz_read(const struct chunk_limits *lim, const uint8_t *p, size_t len,
	const uint8_t *lens, size_t nlens, struct fz_list *out)
{
	struct chunk_reader r;
	struct chunk_msg m;
	size_t off = 0, k = 0, piece, left, consumed = 0;
	uint8_t *buf;
	const uint8_t *q;
	ssize_t n;
	int err = 0;

	chunk_reader_init(&r, lim);
	while (off < len && err == 0) {
		piece = nlens ? (size_t)lens[k++ % nlens] + 1 : len - off;
		if (piece > len - off)
			piece = len - off;
		buf = malloc(piece);
		if (buf == NULL)
			abort();
		memcpy(buf, p + off, piece);
		q = buf;
		left = piece;
		while (left > 0) {
			n = chunk_reader_feed(&r, q, left, &m);
			if (n < 0) {
				err = (int)n;
				break;
			}
			/* chunk.h: consume everything unless a message is out */
			if ((size_t)n > left || (!m.ready && (size_t)n != left))
				abort();
			q += n;
			left -= (size_t)n;
			consumed += (size_t)n;
			if (m.ready) {
				if (m.h.length > 0 && m.payload == NULL)
					abort();
				fz_push(out, &m);
			}
		}
		free(buf);
		off += piece;
	}
	if (err == 0 && (r.bytes_in != consumed || consumed != len))
		abort();
	chunk_reader_free(&r);
	return err;
}

static void
fz_round_trip(const struct chunk_limits *lim, const struct fz_list *in,
	      uint32_t wcs)
{
	struct chunk_writer w;
	struct rtmp_msg_hdr sh = {2, 0, 4, 1, 0};
	struct fz_list back = {0};
	uint8_t v[4], *buf, *p, *end;
	size_t cap, i;
	const struct rtmp_msg_hdr *h;

	cap = chunk_bound(4, 1);
	for (i = 0; i < in->n; i++)
		cap += chunk_bound(in->m[i].h.length, 1);
	buf = malloc(cap);
	if (buf == NULL)
		abort();
	end = buf + cap;
	memset(&w, 0, sizeof(w));
	/* on a csid already in use, so the reader needs no extra stream */
	if (in->n > 0)
		sh.csid = in->m[0].h.csid;
	wr_be32(v, wcs);
	p = chunk_writer_put(&w, buf, end, &sh, v);
	w.chunk_size = wcs;
	for (i = 0; i < in->n && p != NULL; i++) {
		h = &in->m[i].h;
		p = chunk_writer_put(&w, p, end, h, in->m[i].payload);
		/* the reader obeyed it, so the next chunks use it */
		if (h->type == 1 && h->stream_id == 0 && h->length >= 4)
			w.chunk_size = rd_be32(in->m[i].payload);
	}
	if (p == NULL)
		abort();
	if (fz_read(lim, buf, (size_t)(p - buf), NULL, 0, &back) != 0)
		abort();
	if (back.n != in->n + 1)
		abort();
	for (i = 0; i < in->n; i++) {
		const struct rtmp_msg_hdr *a = &in->m[i].h,
					  *b = &back.m[i + 1].h;

		if (a->csid != b->csid || a->timestamp != b->timestamp ||
		    a->length != b->length || a->type != b->type ||
		    a->stream_id != b->stream_id ||
		    memcmp(in->m[i].payload, back.m[i + 1].payload, a->length))
			abort();
	}
	fz_free(&back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunk_limits lim;
	struct fz_list got = {0};
	const uint8_t *lens = NULL;
	size_t len = size, nlens = 0;
	uint32_t wcs = 128;
	uint8_t ctl = 0;

	memset(&lim, 0, sizeof(lim));
	if (size >= 2) {
		ctl = data[size - 1];
		nlens = ctl & 7;
		if (size >= nlens + 2) {
			len = size - 2 - nlens;
			lens = data + len;
			wcs = fz_wsizes[data[len + nlens] & 7];
		} else {
			nlens = 0;
		}
	}
	if (ctl & 8) {
		lim.max_message_size = 4096;
		lim.max_chunk_streams = 4;
		lim.max_partial_bytes = 8192;
		lim.max_chunk_size = 65536;
	}
	fz_read(&lim, data, len, lens, nlens, &got);
	fz_round_trip(&lim, &got, wcs);
	fz_free(&got);
	return 0;
}
