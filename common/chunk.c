/*
 * RTMP chunk stream reader and writer (RTMP 1.0 section 5.3). See chunk.h for
 * the reassembly rules and the return contract.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "chunk.h"
#include "rtmp_msg.h"

/* A 24-bit timestamp field with this value announces the extended field. */
#define CHUNK_TS_EXT 0xFFFFFFu
/* Largest continuation header: 3-byte basic header + extended timestamp. */
#define CHUNK_MAX_CONT_HEADER 7
/* First allocation of the reader's chunk stream table. */
#define CHUNK_CS_INITIAL 8

/* Message header bytes per header type (section 5.3.1.2). */
static const uint8_t chunk_mh_size[4] = {11, 7, 3, 0};

/* What the reader knows about one chunk stream. */
struct chunk_cstream {
	struct rtmp_msg_hdr h; /* message being read, or the last one */
	uint32_t delta;	       /* what a type 3 header adds to a new message */
	uint32_t ext;	       /* extended timestamp field last read */
	int has_ext;	       /* the last type 0/1/2 header carried it */
	int busy;	       /* h.length > have: a message is half-read */
	uint32_t have;	       /* bytes of the message received */
	uint8_t *buf;	       /* h.length bytes, allocated once checked */
};

static uint32_t
chunk_lim_message(const struct chunk_limits *l)
{
	if (l->max_message_size == 0)
		return CHUNK_MAX_MESSAGE_DEFAULT;
	if (l->max_message_size > CHUNK_MAX_MESSAGE_HARD)
		return CHUNK_MAX_MESSAGE_HARD;
	return l->max_message_size;
}

static uint32_t
chunk_lim_streams(const struct chunk_limits *l)
{
	return l->max_chunk_streams ? l->max_chunk_streams
				    : CHUNK_MAX_STREAMS_DEFAULT;
}

static uint32_t
chunk_lim_partial(const struct chunk_limits *l)
{
	return l->max_partial_bytes ? l->max_partial_bytes
				    : CHUNK_MAX_PARTIAL_DEFAULT;
}

static uint32_t
chunk_lim_chunk_size(const struct chunk_limits *l)
{
	return l->max_chunk_size ? l->max_chunk_size
				 : CHUNK_MAX_CHUNK_SIZE_DEFAULT;
}

void
chunk_reader_init(struct chunk_reader *r, const struct chunk_limits *lim)
{
	memset(r, 0, sizeof(*r));
	if (lim != NULL)
		r->lim = *lim;
	r->lim.max_message_size = chunk_lim_message(&r->lim);
	r->lim.max_chunk_streams = chunk_lim_streams(&r->lim);
	r->lim.max_partial_bytes = chunk_lim_partial(&r->lim);
	r->lim.max_chunk_size = chunk_lim_chunk_size(&r->lim);
	r->chunk_size = CHUNK_SIZE_DEFAULT;
	r->cur = -1;
}

void
chunk_reader_free(struct chunk_reader *r)
{
	size_t i;

	for (i = 0; i < r->ncs; i++)
		free(r->cs[i].buf);
	free(r->cs);
	free(r->done);
	r->cs = NULL;
	r->ncs = r->cscap = 0;
	r->done = NULL;
	r->partial_bytes = 0;
	r->hdr_have = 0;
	r->body_left = 0;
	r->cur = -1;
}

static long
chunk_find(const struct chunk_reader *r, uint32_t csid)
{
	size_t i;

	for (i = 0; i < r->ncs; i++)
		if (r->cs[i].h.csid == csid)
			return (long)i;
	return -1;
}

/* Move input bytes into r->hdr until it holds need; 1 when it does. */
static int
chunk_take(struct chunk_reader *r, const uint8_t *p, size_t len, size_t *i,
	   size_t need)
{
	size_t n;

	if (r->hdr_have < need) {
		n = need - r->hdr_have;
		if (n > len - *i)
			n = len - *i;
		if (n > 0)
			memcpy(r->hdr + r->hdr_have, p + *i, n);
		r->hdr_have += n;
		*i += n;
	}
	return r->hdr_have >= need;
}

static int
chunk_add_stream(struct chunk_reader *r, uint32_t csid)
{
	struct chunk_cstream *t;
	size_t cap;

	if (r->ncs == r->cscap) {
		cap = r->cscap ? r->cscap * 2 : CHUNK_CS_INITIAL;
		if (cap > chunk_lim_streams(&r->lim))
			cap = chunk_lim_streams(&r->lim);
		t = realloc(r->cs, cap * sizeof(*t));
		if (t == NULL)
			return RTMP_ERR_NOMEM;
		r->cs = t;
		r->cscap = cap;
	}
	t = &r->cs[r->ncs];
	memset(t, 0, sizeof(*t));
	t->h.csid = csid;
	return (int)r->ncs++;
}

/*
 * Hand out the message of cs, then act on the protocol control messages the
 * chunk layer itself obeys (section 5.4.1 and 5.4.2).
 */
static int
chunk_complete(struct chunk_reader *r, struct chunk_cstream *cs,
	       struct chunk_msg *out, const uint8_t *in_place)
{
	const uint8_t *b = in_place ? in_place : cs->buf;
	uint32_t v;
	long k;

	out->ready = 1;
	out->h = cs->h;
	out->payload = b;
	if (in_place == NULL) {
		r->done = cs->buf;
		cs->buf = NULL;
		r->partial_bytes -= cs->h.length;
	}
	cs->busy = 0;
	cs->have = 0;
	r->cur = -1;
	if (cs->h.stream_id != 0)
		return 0;
	if (cs->h.type != RTMP_MSG_SET_CHUNK_SIZE &&
	    cs->h.type != RTMP_MSG_ABORT)
		return 0;
	/* Both carry a 32-bit field; without it the chunk size is unknown. */
	if (cs->h.length < 4)
		goto malformed;
	v = rd_be32(b);
	if (cs->h.type == RTMP_MSG_SET_CHUNK_SIZE) {
		/* 5.4.1: the top bit must be zero; 0 would never advance. */
		if (v == 0 || (v & 0x80000000u) != 0)
			goto malformed;
		if (v > chunk_lim_chunk_size(&r->lim)) {
			out->ready = 0;
			return RTMP_ERR_LIMIT;
		}
		r->chunk_size = v;
		return 0;
	}
	/* An Abort for a chunk stream never seen is harmless: ignore it. */
	k = chunk_find(r, v);
	if (k >= 0 && r->cs[k].busy) {
		free(r->cs[k].buf);
		r->cs[k].buf = NULL;
		r->partial_bytes -= r->cs[k].h.length;
		r->cs[k].busy = 0;
		r->cs[k].have = 0;
	}
	return 0;
malformed:
	out->ready = 0;
	return RTMP_ERR_MALFORMED;
}

/*
 * Type 3 header on a stream whose last header used the extended timestamp:
 * the 4 bytes after it are that timestamp repeated (ffmpeg, nginx-rtmp, OBS)
 * or already payload (some librtmp builds). Compare without consuming, so a
 * mismatch leaves them as input. Returns 0 when the input ran out (what there
 * was is stashed in r->hdr), else 1 with *hlen grown by 4 on a match.
 */
static int
chunk_peek_ext(struct chunk_reader *r, const uint8_t *p, size_t len, size_t *i,
	       size_t *hlen, uint32_t ext)
{
	uint8_t b[4];
	size_t k = r->hdr_have - *hlen, from_p;

	if (k < 4 && k + (len - *i) < 4) {
		chunk_take(r, p, len, i, *hlen + 4);
		return 0;
	}
	if (k >= 4) {
		memcpy(b, r->hdr + *hlen, 4);
		from_p = 0;
	} else {
		memcpy(b, r->hdr + *hlen, k);
		from_p = 4 - k;
		memcpy(b + k, p + *i, from_p);
	}
	if (rd_be32(b) == ext) {
		chunk_take(r, p, len, i, *hlen + 4);
		*hlen += 4;
	}
	return 1;
}

/*
 * Read and apply the next chunk header. Returns 0 when the input ran out,
 * 1 when a chunk body is to be read next, 2 when a message completed, or a
 * negative code.
 */
static int
chunk_header(struct chunk_reader *r, const uint8_t *p, size_t len, size_t *i,
	     struct chunk_msg *out)
{
	struct chunk_cstream *cs;
	const uint8_t *h = r->hdr;
	size_t bh, hlen, left, n;
	uint32_t csid, ts = 0, length = 0, body;
	uint8_t type = 0;
	int fmt, ext = 0, busy, rc;
	long idx;

	if (!chunk_take(r, p, len, i, 1))
		return 0;
	/* 5.3.1.1: csid 0 and 1 select the 2- and 3-byte forms. */
	bh = (h[0] & 0x3f) == 0 ? 2 : (h[0] & 0x3f) == 1 ? 3 : 1;
	if (!chunk_take(r, p, len, i, bh))
		return 0;
	fmt = h[0] >> 6;
	if (bh == 1)
		csid = h[0] & 0x3f;
	else if (bh == 2)
		csid = (uint32_t)h[1] + 64;
	else
		csid = (uint32_t)h[1] + ((uint32_t)h[2] << 8) + 64;
	idx = chunk_find(r, csid);
	/* A stream must start with a full header (CVE-2016-10191 family). */
	if (idx < 0 && fmt != 0)
		return RTMP_ERR_MALFORMED;
	if (idx < 0 && r->ncs >= chunk_lim_streams(&r->lim))
		return RTMP_ERR_LIMIT;
	busy = idx >= 0 && r->cs[idx].busy;
	if (busy && fmt == 0)
		return RTMP_ERR_MALFORMED;

	hlen = bh + chunk_mh_size[fmt];
	if (!chunk_take(r, p, len, i, hlen))
		return 0;
	if (fmt < 3) {
		ts = rd_be24(h + bh);
		if (ts == CHUNK_TS_EXT) {
			hlen += 4;
			if (!chunk_take(r, p, len, i, hlen))
				return 0;
			ts = rd_be32(h + hlen - 4);
			ext = 1;
		}
	} else if (r->cs[idx].has_ext) {
		if (!chunk_peek_ext(r, p, len, i, &hlen, r->cs[idx].ext))
			return 0;
	}

	if (fmt <= 1) {
		length = rd_be24(h + bh + 3);
		type = h[bh + 6];
	} else {
		length = r->cs[idx].h.length;
	}
	/* A continuation restating the header may not reshape the message. */
	if (busy && fmt == 1 &&
	    (length != r->cs[idx].h.length || type != r->cs[idx].h.type))
		return RTMP_ERR_MALFORMED;
	if (!busy) {
		if (length > chunk_lim_message(&r->lim))
			return RTMP_ERR_LIMIT;
		if (length > chunk_lim_partial(&r->lim) - r->partial_bytes)
			return RTMP_ERR_LIMIT;
	}
	if (idx < 0) {
		rc = chunk_add_stream(r, csid);

		if (rc < 0)
			return rc;
		idx = rc;
	}
	cs = &r->cs[idx];

	if (fmt < 3) {
		cs->has_ext = ext;
		cs->ext = ts;
	}
	switch (fmt) {
	case 0:
		/* 5.3.1.2.4: a type 3 after type 0 reuses its timestamp. */
		cs->h.timestamp = ts;
		cs->delta = ts;
		cs->h.length = length;
		cs->h.type = type;
		cs->h.stream_id = rd_le32(h + bh + 7);
		break;
	case 1:
		cs->h.length = length;
		cs->h.type = type;
		/* FALLTHROUGH */
	case 2:
		/*
		 * Mid-message the header restates the message's delta from
		 * the previous one, so only the timestamp moves.
		 */
		if (busy)
			cs->h.timestamp -= cs->delta;
		cs->h.timestamp += ts;
		cs->delta = ts;
		break;
	default:
		if (!busy)
			cs->h.timestamp += cs->delta;
		break;
	}
	if (!busy && length > 0 && r->hdr_have == hlen &&
	    length <= (r->chunk_size ? r->chunk_size : CHUNK_SIZE_DEFAULT) &&
	    len - *i >= length) {
		/* The whole message is one chunk, all in the caller's input:
		 * hand it out from there, with no buffer and no copy (most
		 * audio and many video messages). */
		r->hdr_have = 0;
		n = *i;
		*i += length;
		rc = chunk_complete(r, cs, out, p + n);
		return rc < 0 ? rc : 2;
	}
	if (!busy && length > 0) {
		cs->buf = malloc(length);
		if (cs->buf == NULL)
			return RTMP_ERR_NOMEM;
		r->partial_bytes += length;
		cs->busy = 1;
		cs->have = 0;
	}

	/* Bytes peeked past the header but not the extended ts come next. */
	left = r->hdr_have - hlen;
	r->hdr_have = 0;
	if (!cs->busy) {
		memmove(r->hdr, r->hdr + hlen, left);
		r->hdr_have = left;
		rc = chunk_complete(r, cs, out, NULL);
		return rc < 0 ? rc : 2;
	}
	body = cs->h.length - cs->have;
	if (body > (r->chunk_size ? r->chunk_size : CHUNK_SIZE_DEFAULT))
		body = r->chunk_size ? r->chunk_size : CHUNK_SIZE_DEFAULT;
	n = left < body ? left : body;
	memcpy(cs->buf + cs->have, r->hdr + hlen, n);
	cs->have += (uint32_t)n;
	body -= (uint32_t)n;
	memmove(r->hdr, r->hdr + hlen + n, left - n);
	r->hdr_have = left - n;
	r->cur = idx;
	r->body_left = body;
	if (body == 0) {
		r->cur = -1;
		if (cs->have == cs->h.length) {
			rc = chunk_complete(r, cs, out, NULL);
			return rc < 0 ? rc : 2;
		}
	}
	return 1;
}

ssize_t
chunk_reader_feed(struct chunk_reader *r, const uint8_t *p, size_t len,
		  struct chunk_msg *out)
{
	struct chunk_cstream *cs;
	size_t i = 0, n;
	int rc;

	memset(out, 0, sizeof(*out));
	free(r->done);
	r->done = NULL;
	for (;;) {
		if (r->body_left == 0) {
			rc = chunk_header(r, p, len, &i, out);
			if (rc < 0)
				return rc;
			if (rc != 1)
				break;
			continue;
		}
		cs = &r->cs[r->cur];
		n = len - i;
		if (n == 0)
			break;
		if (n > r->body_left)
			n = r->body_left;
		memcpy(cs->buf + cs->have, p + i, n);
		i += n;
		cs->have += (uint32_t)n;
		r->body_left -= (uint32_t)n;
		if (r->body_left > 0)
			break;
		r->cur = -1;
		if (cs->have == cs->h.length) {
			rc = chunk_complete(r, cs, out, NULL);
			if (rc < 0)
				return rc;
			break;
		}
	}
	r->bytes_in += i;
	return (ssize_t)i;
}

/* ---- writer ---------------------------------------------------------- */

static size_t
chunk_basic_size(uint32_t csid)
{
	return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

size_t
chunk_bound(uint32_t len, uint32_t chunk_size)
{
	size_t cs = chunk_size ? chunk_size : CHUNK_SIZE_DEFAULT;
	size_t cont = len > 0 ? ((size_t)len - 1) / cs : 0;

	return CHUNK_MAX_HEADER + cont * CHUNK_MAX_CONT_HEADER + len;
}

size_t
chunk_header_size(int fmt, uint32_t csid, uint32_t ts_field)
{
	if (fmt < 0 || fmt > 3 || csid < CHUNK_CSID_MIN ||
	    csid > CHUNK_CSID_MAX)
		return 0;
	return chunk_basic_size(csid) + chunk_mh_size[fmt] +
	       (ts_field >= CHUNK_TS_EXT ? 4 : 0);
}

uint8_t *
chunk_put_header(uint8_t *p, uint8_t *end, int fmt,
		 const struct rtmp_msg_hdr *h, uint32_t ts_field)
{
	uint32_t csid = h->csid;
	uint32_t tsf = ts_field >= CHUNK_TS_EXT ? CHUNK_TS_EXT : ts_field;
	uint8_t f;

	if (fmt < 0 || fmt > 3 || csid < CHUNK_CSID_MIN ||
	    csid > CHUNK_CSID_MAX || h->length > 0xFFFFFFu)
		return NULL;
	f = (uint8_t)(fmt << 6);
	if (csid < 64) {
		p = put_u8(p, end, f | (uint8_t)csid);
	} else if (csid < 320) {
		p = put_u8(p, end, f);
		p = put_u8(p, end, (uint8_t)(csid - 64));
	} else {
		/* 5.3.1.1: the 3-byte form is little-endian. */
		p = put_u8(p, end, f | 1);
		p = put_u8(p, end, (uint8_t)(csid - 64));
		p = put_u8(p, end, (uint8_t)((csid - 64) >> 8));
	}
	if (fmt <= 2)
		p = put_be24(p, end, tsf);
	if (fmt <= 1) {
		p = put_be24(p, end, h->length);
		p = put_u8(p, end, h->type);
	}
	if (fmt == 0)
		p = put_le32(p, end, h->stream_id);
	if (ts_field >= CHUNK_TS_EXT)
		p = put_be32(p, end, ts_field);
	return p;
}

uint8_t *
chunk_put_msg(uint8_t *p, uint8_t *end, int fmt, const struct rtmp_msg_hdr *h,
	      uint32_t ts_field, uint32_t chunk_size, const uint8_t *payload)
{
	uint32_t cs = chunk_size ? chunk_size : CHUNK_SIZE_DEFAULT;
	uint32_t off = 0, n;

	if (payload == NULL && h->length > 0)
		return NULL;
	p = chunk_put_header(p, end, fmt, h, ts_field);
	for (;;) {
		n = h->length - off < cs ? h->length - off : cs;
		if (n > 0)
			p = put_bytes(p, end, payload + off, n);
		off += n;
		if (p == NULL || off == h->length)
			break;
		/* Continuations repeat the extended timestamp (ffmpeg does). */
		p = chunk_put_header(p, end, 3, h, ts_field);
	}
	return p;
}

/* Writer entries are kept packed, most recently used first. */
static int
chunk_wfind(const struct chunk_writer *w, uint32_t csid)
{
	int i;

	for (i = 0; i < CHUNK_WRITER_STREAMS && w->cs[i].has_last; i++)
		if (w->cs[i].csid == csid)
			return i;
	return -1;
}

int
chunk_writer_choose(const struct chunk_writer *w, const struct rtmp_msg_hdr *h,
		    uint32_t *ts_field)
{
	const struct chunk_wstream *s;
	uint32_t delta, dummy;
	int i;

	if (ts_field == NULL)
		ts_field = &dummy;
	i = chunk_wfind(w, h->csid);
	s = i >= 0 ? &w->cs[i] : NULL;
	/* Deltas are unsigned: going back in time needs an absolute stamp. */
	if (s == NULL || s->last.stream_id != h->stream_id ||
	    h->timestamp < s->last.timestamp) {
		*ts_field = h->timestamp;
		return 0;
	}
	delta = h->timestamp - s->last.timestamp;
	*ts_field = delta;
	if (h->length != s->last.length || h->type != s->last.type)
		return 1;
	if (delta != s->last_delta)
		return 2;
	return 3;
}

void
chunk_writer_note(struct chunk_writer *w, const struct rtmp_msg_hdr *h)
{
	uint32_t tsf;
	int i;

	/* After a type 0 header a peer takes its timestamp as the delta. */
	(void)chunk_writer_choose(w, h, &tsf);
	i = chunk_wfind(w, h->csid);
	if (i < 0) {
		for (i = 0; i < CHUNK_WRITER_STREAMS - 1 && w->cs[i].has_last;
		     i++)
			;
	}
	memmove(&w->cs[1], &w->cs[0], (size_t)i * sizeof(w->cs[0]));
	w->cs[0].csid = h->csid;
	w->cs[0].last = *h;
	w->cs[0].last_delta = tsf;
	w->cs[0].has_last = 1;
}

void
chunk_writer_forget(struct chunk_writer *w, uint32_t csid)
{
	int i = chunk_wfind(w, csid);

	if (i < 0)
		return;
	memmove(&w->cs[i], &w->cs[i + 1],
		(size_t)(CHUNK_WRITER_STREAMS - 1 - i) * sizeof(w->cs[0]));
	memset(&w->cs[CHUNK_WRITER_STREAMS - 1], 0, sizeof(w->cs[0]));
}

uint8_t *
chunk_writer_put(struct chunk_writer *w, uint8_t *p, uint8_t *end,
		 const struct rtmp_msg_hdr *h, const uint8_t *payload)
{
	uint32_t tsf;
	int fmt;

	fmt = chunk_writer_choose(w, h, &tsf);
	p = chunk_put_msg(p, end, fmt, h, tsf, w->chunk_size, payload);
	if (p != NULL)
		chunk_writer_note(w, h);
	return p;
}
