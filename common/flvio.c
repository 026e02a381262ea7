#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flvio.h"

int
flv_src_open(struct flv_src *s, const char *path, uint32_t max_tag_size)
{
	struct stat st;
	int is_stdin = strcmp(path, "-") == 0;

	memset(s, 0, sizeof(*s));
	s->name = is_stdin ? "stdin" : path;
	s->fd = is_stdin ? dup(STDIN_FILENO)
			 : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (s->fd < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->name,
			 strerror(errno));
		return -1;
	}
	if (fstat(s->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(s->err, sizeof(s->err), "%s: is a directory",
				 s->name);
			close(s->fd);
			s->fd = -1;
			return -1;
		}
		if (S_ISREG(st.st_mode))
			s->size = (uint64_t)st.st_size;
	}
	flv_reader_init(&s->rd);
	if (max_tag_size)
		s->rd.max_tag_size = max_tag_size;
	return 0;
}

static int
read_some(struct flv_src *in, uint8_t *p, size_t room, size_t *got)
{
	ssize_t n;

	do
		n = read(in->fd, p, room);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(in->err, sizeof(in->err), "%s: read error: %s",
			 in->name, strerror(errno));
		return -1;
	}
	*got = (size_t)n;
	in->raw_bytes += (uint64_t)n;
	return 0;
}

/* One inflate step: at least some output, or input exhausted. */
static int
gz_step(struct flv_src *in)
{
	int zrc;

	if (in->zs.avail_in == 0) {
		size_t got;

		if (read_some(in, in->zin, FLV_SRC_READ_SIZE, &got) < 0)
			return -1;
		if (got == 0) {
			if (!in->zdone) {
				snprintf(in->err, sizeof(in->err),
					 "%s: gzip stream ends early",
					 in->name);
				in->bad_data = 1;
			}
			in->eof = 1;
			return in->zdone ? 0 : -1;
		}
		in->zs.next_in = in->zin;
		in->zs.avail_in = (uInt)got;
	}
	if (in->zdone) {
		/* Another gzip member follows (as gzip -c a b > c makes). */
		if (inflateReset(&in->zs) != Z_OK)
			goto bad;
		in->zdone = 0;
	}
	in->zs.next_out = in->buf + in->len;
	in->zs.avail_out = (uInt)(in->cap - in->len);
	zrc = inflate(&in->zs, Z_NO_FLUSH);
	in->len = in->cap - in->zs.avail_out;
	if (zrc == Z_STREAM_END) {
		in->zdone = 1;
		return 0;
	}
	if (zrc == Z_OK || zrc == Z_BUF_ERROR)
		return 0;
bad:
	in->bad_data = 1;
	snprintf(in->err, sizeof(in->err), "%s: gzip data error: %s", in->name,
		 in->zs.msg ? in->zs.msg : "corrupt");
	return -1;
}

/* Make want bytes available, blocking only until they are there. */
static int
fill(struct flv_src *in, size_t want)
{
	if (in->off > 0) {
		memmove(in->buf, in->buf + in->off, in->len);
		in->off = 0;
	}
	if (want + FLV_SRC_READ_SIZE > in->cap) {
		size_t ncap = want + FLV_SRC_READ_SIZE;
		uint8_t *nb = realloc(in->buf, ncap);

		if (nb == NULL) {
			snprintf(in->err, sizeof(in->err), "%s: out of memory",
				 in->name);
			return -1;
		}
		in->buf = nb;
		in->cap = ncap;
	}
	if (!in->sniffed && !in->gz) {
		/* Sniff the gzip magic (RFC 1952 2.3.1) on the first read. */
		while (in->len < 2 && !in->eof) {
			size_t got;

			if (read_some(in, in->buf + in->len, in->cap - in->len,
				      &got) < 0)
				return -1;
			if (got == 0)
				in->eof = 1;
			in->len += got;
		}
		in->sniffed = 1;
		if (in->len >= 2 && in->buf[0] == 0x1f && in->buf[1] == 0x8b) {
			in->zin = malloc(FLV_SRC_READ_SIZE);
			if (in->zin == NULL ||
			    inflateInit2(&in->zs, 15 + 16) != Z_OK) {
				snprintf(in->err, sizeof(in->err),
					 "%s: cannot start gzip decoder",
					 in->name);
				return -1;
			}
			memcpy(in->zin, in->buf, in->len);
			in->zs.next_in = in->zin;
			in->zs.avail_in = (uInt)in->len;
			in->len = 0;
			in->gz = 1;
		}
	}
	while (in->len < want && !in->eof) {
		if (in->gz) {
			if (gz_step(in) < 0)
				return -1;
		} else {
			size_t got;

			if (read_some(in, in->buf + in->len, in->cap - in->len,
				      &got) < 0)
				return -1;
			if (got == 0)
				in->eof = 1;
			in->len += got;
		}
	}
	return 0;
}

int
flv_src_next(struct flv_src *s, struct flv_event *ev)
{
	size_t want = 0;

	for (;;) {
		ssize_t n = flv_reader_next(&s->rd, s->buf + s->off, s->len,
					    s->eof, ev, &want);

		if (n >= 0) {
			if (ev->type == FLV_EV_NONE)
				return 0;
			s->off += (size_t)n;
			s->len -= (size_t)n;
			return 1;
		}
		if (n != RTMP_ERR_NEED_MORE) {
			snprintf(s->err, sizeof(s->err), "%s: %s", s->name,
				 rtmp_strerror((int)n));
			s->bad_data = 1;
			return -1;
		}
		if (s->eof)
			return 0;
		if (want <= s->len)
			want = s->len + 1;
		if (fill(s, want) < 0)
			return -1;
	}
}

uint64_t
flv_src_offset(const struct flv_src *s)
{
	return s->rd.offset;
}

void
flv_src_close(struct flv_src *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->gz)
		inflateEnd(&s->zs);
	free(s->zin);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
