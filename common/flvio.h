/*
 * FLV input from a file, a gzip-compressed file or stdin ("-"), through
 * zlib's gzread, which passes uncompressed data through unchanged, so one
 * path serves .flv, .flv.gz and pipes. Blocking reads; memory is one tag
 * (bounded by the reader's max_tag_size) plus a read buffer.
 */
#ifndef RTMP_FLVIO_H
#define RTMP_FLVIO_H

#include "flv.h"

#define FLV_SRC_READ_SIZE 65536

struct flv_src {
	void *gz;	  /* gzFile */
	const char *name; /* for messages: the path or "stdin" */
	uint8_t *buf;
	size_t cap, off, len; /* unread bytes are buf[off .. off+len) */
	int eof;
	struct flv_reader rd;
	char err[256]; /* why flv_src_next returned -1 */
};

/* Open path ("-" = stdin). -1 with a message in s->err on failure. */
int flv_src_open(struct flv_src *s, const char *path, uint32_t max_tag_size);
/*
 * Next reader event (see flv.h): 1 with *ev filled (ev->data valid until the
 * next call), 0 at the end of input, -1 on a read error or when a tag does
 * not fit the limit (s->err says which).
 */
int flv_src_next(struct flv_src *s, struct flv_event *ev);
void flv_src_close(struct flv_src *s);

#endif
