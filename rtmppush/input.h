/*
 * Bytes from a file, a pipe or stdin, gzip-compressed or not (detected by
 * the 1f 8b magic, so .flv.gz, .h264.gz and a gzip stream on stdin all
 * work), for the event loop: a pipe is polled before it is read, so the
 * loop never blocks on a quiet producer (a blocking read would hold off
 * SIGTERM, which libevent installs with SA_RESTART). Regular files are read
 * directly and can be rewound (--loop).
 *
 * Generic: it belongs in common/ next to flvio.c (which reads with a
 * blocking gzread) once another tool needs it.
 */
#ifndef PUSH_INPUT_H
#define PUSH_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define IN_READ_SIZE 65536 /* bytes asked of read(2) at a time */

struct in_src {
	const char *name; /* the path, or "stdin", for messages */
	int fd;
	int regular;  /* a regular file: blocking reads, rewindable */
	int gz;	      /* gzip detected */
	int detected; /* the first bytes were looked at */
	int raw_eof;  /* read(2) returned 0 */
	int zs_init;
	int zdone; /* a gzip member ended */
	z_stream zs;
	uint8_t *zbuf; /* compressed bytes not yet inflated */
	size_t zoff, zlen;
	uint64_t zpos; /* compressed bytes consumed, for messages */
	uint8_t *buf;  /* unread bytes are buf[off .. off + len) */
	size_t cap, off, len;
	size_t max;   /* largest number of bytes ever buffered */
	uint64_t pos; /* offset in the (decompressed) input of buf[off] */
	int eof;      /* no more bytes will come */
	int err_io;   /* the error is an I/O error, not bad data */
	char err[256];
};

/* Open path ("-" = stdin) with a buffer bound of max bytes; -1 with a
 * message in s->err. */
int in_open(struct in_src *s, const char *path, size_t max);
/*
 * Make at least want bytes available: 1 when they are, or when the input
 * ended first (s->eof, s->len holds what is left); 0 when a pipe has
 * nothing to read now (wait until s->fd is readable); -1 on a read or gzip
 * error, or when want exceeds the bound (s->err says which).
 */
int in_fill(struct in_src *s, size_t want);
static inline const uint8_t *
in_data(const struct in_src *s)
{
	return s->buf + s->off;
}
void in_consume(struct in_src *s, size_t n);
/* Start again from the beginning (regular files only): 0 or -1. */
int in_rewind(struct in_src *s);
void in_close(struct in_src *s);

#endif
