/*
 * RTMP chunk stream (RTMP 1.0 section 5.3): reader (reassembly) and writer
 * (header compression), no I/O.
 *
 * Reader rules, beyond the spec, that stop real exploits and interop bugs
 * (ffmpeg CVE-2016-10191 and friends):
 *   - a chunk stream's first chunk must be type 0;
 *   - a type 0 header may not arrive while a message is half-read on that
 *     chunk stream, and a type 1 header may not change the length mid-message
 *     (type 1/2 headers mid-message are otherwise only a timestamp update);
 *   - type 3 continuations after a header that used the extended timestamp
 *     may or may not repeat it (ffmpeg, nginx-rtmp and OBS repeat it, some
 *     librtmp builds do not): the reader peeks and compares;
 *   - Set Chunk Size (type 1) is applied as soon as the message is complete,
 *     starting with the next chunk; 0 or a value with the top bit set is
 *     MALFORMED, a value above lim.max_chunk_size is LIMIT;
 *   - Abort (type 2) discards the partial message of the named chunk stream.
 * Both are still handed to the caller as messages.
 *
 * Limits are checked before anything is allocated: a declared message length
 * above max_message_size, more than max_chunk_streams chunk streams, or more
 * than max_partial_bytes held in half-read messages over all chunk streams.
 */
#ifndef RTMP_CHUNK_H
#define RTMP_CHUNK_H

#include "rtmp_err.h"

#define CHUNK_SIZE_DEFAULT	     128	 /* spec 5.4.1 */
#define CHUNK_MAX_MESSAGE_DEFAULT    (1u << 20)	 /* 1 MiB */
#define CHUNK_MAX_MESSAGE_HARD	     (16u << 20) /* 16 MiB (24-bit length) */
#define CHUNK_MAX_STREAMS_DEFAULT    64
#define CHUNK_MAX_PARTIAL_DEFAULT    (4u << 20) /* 4 MiB */
#define CHUNK_MAX_CHUNK_SIZE_DEFAULT (1u << 24) /* accepted Set Chunk Size */
#define CHUNK_CSID_MIN		     2
#define CHUNK_CSID_MAX		     65599
#define CHUNK_MAX_HEADER	     18 /* 3 basic + 11 message + 4 extended ts */

struct chunk_limits {
	uint32_t max_message_size;  /* default 1 MiB, never above 16 MiB */
	uint32_t max_chunk_streams; /* default 64 */
	uint32_t max_partial_bytes; /* default 4 MiB */
	uint32_t max_chunk_size;    /* largest Set Chunk Size accepted */
};
/* A zeroed struct chunk_limits means all defaults. */

/* A message header as RTMP carries it; timestamp is absolute (deltas summed). */
struct rtmp_msg_hdr {
	uint32_t csid;
	uint32_t timestamp;
	uint32_t length;
	uint8_t type;
	uint32_t stream_id;
};

struct chunk_msg {
	int ready;	       /* 1 when a whole message was produced */
	struct rtmp_msg_hdr h; /* its header */
	/* h.length bytes, valid until the next call and while the input
	 * given to this one is: a message that arrived whole in one chunk
	 * points into that input (no copy). */
	const uint8_t *payload;
};

struct chunk_cstream; /* private per-csid state */

struct chunk_reader {
	struct chunk_limits lim;
	uint32_t chunk_size;  /* current incoming chunk size */
	uint64_t bytes_in;    /* every byte consumed, for acknowledgements */
	size_t partial_bytes; /* bytes held in half-read messages */
	struct chunk_cstream *cs; /* table of chunk streams seen */
	size_t ncs, cscap;
	uint8_t hdr[CHUNK_MAX_HEADER]; /* a header split across feeds */
	size_t hdr_have;
	long cur;	    /* chunk stream whose body is being read, or -1 */
	uint32_t body_left; /* bytes of the current chunk body to come */
	uint8_t *done;	    /* completed message handed out last, owned */
};

/* lim may be NULL for defaults. */
void chunk_reader_init(struct chunk_reader *r, const struct chunk_limits *lim);
void chunk_reader_free(struct chunk_reader *r);

/*
 * Consume bytes from p. Returns the number consumed (>= 0) or a negative
 * code (MALFORMED, LIMIT, NOMEM), after which the reader must not be fed
 * again. It stops right after a chunk that completes a message and sets
 * out->ready; otherwise out->ready is 0 and everything given was consumed
 * (partial chunk headers are kept inside the reader). Callers loop:
 *
 *	while (len > 0) {
 *		n = chunk_reader_feed(r, p, len, &m);
 *		if (n < 0) fail;
 *		p += n, len -= n;
 *		if (m.ready) handle(&m);
 *	}
 */
ssize_t chunk_reader_feed(struct chunk_reader *r, const uint8_t *p, size_t len,
			  struct chunk_msg *out);

/* ---- writer ---------------------------------------------------------- */

/* What the writer remembers about the last message sent on one csid. */
struct chunk_wstream {
	uint32_t csid;
	struct rtmp_msg_hdr last;
	uint32_t last_delta;
	int has_last;
};

#define CHUNK_WRITER_STREAMS 16

struct chunk_writer {
	uint32_t chunk_size; /* current outgoing chunk size (0 = 128) */
	struct chunk_wstream cs[CHUNK_WRITER_STREAMS];
};

/* Upper bound on the bytes chunk_put_msg writes for a message of len bytes. */
size_t chunk_bound(uint32_t len, uint32_t chunk_size);

/*
 * Stateless serialisation of one whole message: the first chunk gets a type
 * fmt (0..3) header whose timestamp field is ts_field (absolute for type 0,
 * the delta for types 1 and 2, remembered from earlier for type 3),
 * continuations get type 3 headers that repeat the extended timestamp when
 * ts_field >= 0xFFFFFF. Bytes are split at chunk_size.
 */
uint8_t *chunk_put_msg(uint8_t *p, uint8_t *end, int fmt,
		       const struct rtmp_msg_hdr *h, uint32_t ts_field,
		       uint32_t chunk_size, const uint8_t *payload);

/* Only the first chunk's header (basic + message header + extended ts). */
uint8_t *chunk_put_header(uint8_t *p, uint8_t *end, int fmt,
			  const struct rtmp_msg_hdr *h, uint32_t ts_field);

/* Bytes of the header chunk_put_header would write. */
size_t chunk_header_size(int fmt, uint32_t csid, uint32_t ts_field);

/*
 * Pick the header type for h against the writer's memory of h->csid (type 0
 * when there is none, when the stream id changes or time goes backwards;
 * type 1 when length or type change; type 2 when only the delta changes;
 * type 3 when nothing does), serialise the message and remember it.
 */
uint8_t *chunk_writer_put(struct chunk_writer *w, uint8_t *p, uint8_t *end,
			  const struct rtmp_msg_hdr *h, const uint8_t *payload);

/*
 * Header type and timestamp field chunk_writer_put would use for h, without
 * writing; and the call that records a message sent by other means (bytes
 * serialised once with chunk_put_msg and shared by many connections).
 */
int chunk_writer_choose(const struct chunk_writer *w,
			const struct rtmp_msg_hdr *h, uint32_t *ts_field);
void chunk_writer_note(struct chunk_writer *w, const struct rtmp_msg_hdr *h);
/* Forget csid (the next message on it goes out with a type 0 header). */
void chunk_writer_forget(struct chunk_writer *w, uint32_t csid);

#endif
