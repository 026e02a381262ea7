/*
 * FLV input from a file, a gzip-compressed file or stdin ("-"). Gzip is
 * recognised by its magic bytes (RFC 1952 2.3.1) and inflated
 * incrementally, so .flv, .flv.gz and pipes share one path. Reads return as
 * soon as the bytes of the next event are there, so a live pipe
 * (`rtmppull URL | rtmpdump-flv -`, `ffmpeg ... | rtmppush -`) is handled
 * tag by tag. Blocking reads; memory is one tag (bounded by the reader's
 * max_tag_size) plus the read buffers.
 */
#ifndef RTMP_FLVIO_H
#define RTMP_FLVIO_H

#include <zlib.h>

#include "flv.h"

#define FLV_SRC_READ_SIZE 65536

struct flv_src {
	const char *name; /* for messages: the path or "stdin" */
	int fd;
	uint64_t size; /* a regular file's size, else 0 */
	int gz, sniffed, zdone, eof;
	z_stream zs;
	uint8_t *zin; /* compressed input */
	uint8_t *buf; /* decompressed bytes: buf[off .. off+len) */
	size_t cap, off, len;
	struct flv_reader rd;
	uint64_t raw_bytes; /* bytes read from fd (compressed when gz) */
	int bad_data;	    /* the error is corrupt input, not I/O */
	char err[256];	    /* why flv_src_next returned -1 */
};

/* Open path ("-" = stdin). -1 with a message in s->err on failure. */
int flv_src_open(struct flv_src *s, const char *path, uint32_t max_tag_size);
/*
 * Next reader event (see flv.h): 1 with *ev filled (ev->data valid until the
 * next call), 0 at the end of input, -1 on a read error or corrupt gzip data
 * (s->err says which; s->bad_data is 1 for the latter).
 */
int flv_src_next(struct flv_src *s, struct flv_event *ev);
/* Offset of the next unread byte of the (decompressed) stream. */
uint64_t flv_src_offset(const struct flv_src *s);
void flv_src_close(struct flv_src *s);

#endif
