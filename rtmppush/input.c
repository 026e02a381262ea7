#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define IN_GZ_WINDOW (15 + 16) /* zlib: a gzip wrapper, 32 KiB window */

int
in_open(struct in_src *s, const char *path, size_t max)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->max = max;
	if (strcmp(path, "-") == 0) {
		s->name = "stdin";
		s->fd = dup(STDIN_FILENO);
	} else {
		s->name = path;
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (s->fd < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->name,
			 strerror(errno));
		return -1;
	}
	if (fstat(s->fd, &st) != 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->name,
			 strerror(errno));
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(s->err, sizeof(s->err), "%s: is a directory", s->name);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	s->regular = S_ISREG(st.st_mode);
	return 0;
}

/* > 0 bytes read, 0 at the end, -2 when a pipe has nothing now, -1 on an
 * error. */
static ssize_t
read_some(struct in_src *s, uint8_t *dst, size_t room)
{
	ssize_t n;

	if (room > IN_READ_SIZE)
		room = IN_READ_SIZE;
	if (!s->regular) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int r;

		do
			r = poll(&pfd, 1, 0);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			return -2;
	}
	do
		n = read(s->fd, dst, room);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -2;
		snprintf(s->err, sizeof(s->err), "%s: read error: %s", s->name,
			 strerror(errno));
		s->err_io = 1;
		return -1;
	}
	return n;
}

/* Room for want unread bytes plus a read. */
static int
reserve(struct in_src *s, size_t want)
{
	size_t need = want + IN_READ_SIZE, ncap;
	uint8_t *nb;

	if (s->off > 0 && (s->off + need > s->cap || s->len == 0)) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	if (need <= s->cap)
		return 0;
	ncap = s->cap ? s->cap : IN_READ_SIZE;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(s->buf, ncap);
	if (nb == NULL) {
		snprintf(s->err, sizeof(s->err), "%s: out of memory", s->name);
		s->err_io = 1;
		return -1;
	}
	s->buf = nb;
	s->cap = ncap;
	return 0;
}

/* Look at the first bytes: a gzip member starts with 1f 8b (RFC 1952). */
static int
detect(struct in_src *s)
{
	const uint8_t *p = s->buf + s->off;

	s->detected = 1;
	if (s->len < 2 || p[0] != 0x1f || p[1] != 0x8b) {
		if (s->raw_eof)
			s->eof = 1;
		return 0;
	}
	s->gz = 1;
	s->zbuf = malloc(s->len > IN_READ_SIZE ? s->len : IN_READ_SIZE);
	if (s->zbuf == NULL) {
		snprintf(s->err, sizeof(s->err), "%s: out of memory", s->name);
		s->err_io = 1;
		return -1;
	}
	memcpy(s->zbuf, p, s->len);
	s->zoff = 0;
	s->zlen = s->len;
	s->len = 0;
	s->off = 0;
	memset(&s->zs, 0, sizeof(s->zs));
	if (inflateInit2(&s->zs, IN_GZ_WINDOW) != Z_OK) {
		snprintf(s->err, sizeof(s->err), "%s: cannot start gzip",
			 s->name);
		return -1;
	}
	s->zs_init = 1;
	return 0;
}

/* Inflate what is in zbuf into the free space after the unread bytes. */
static int
inflate_some(struct in_src *s)
{
	size_t room = s->cap - s->off - s->len;
	int zr;

	s->zs.next_in = s->zbuf + s->zoff;
	s->zs.avail_in = (uInt)s->zlen;
	s->zs.next_out = s->buf + s->off + s->len;
	s->zs.avail_out = (uInt)(room > (1u << 30) ? 1u << 30 : room);
	zr = inflate(&s->zs, Z_NO_FLUSH);
	s->len += (size_t)(s->zs.next_out - (s->buf + s->off + s->len));
	s->zpos += (size_t)(s->zs.next_in - (s->zbuf + s->zoff));
	s->zoff = (size_t)(s->zs.next_in - s->zbuf);
	s->zlen = s->zs.avail_in;
	if (zr == Z_STREAM_END) {
		s->zdone = 1;
		return 0;
	}
	if (zr == Z_OK || zr == Z_BUF_ERROR)
		return 0;
	snprintf(s->err, sizeof(s->err),
		 "%s: corrupt gzip data at compressed offset %llu: %s", s->name,
		 (unsigned long long)s->zpos, s->zs.msg ? s->zs.msg : "error");
	return -1;
}

int
in_fill(struct in_src *s, size_t want)
{
	ssize_t n;

	if (!s->detected && want < 2)
		want = 2;
	if (want > s->max) {
		snprintf(s->err, sizeof(s->err),
			 "%s: offset %llu: needs %zu bytes buffered, more "
			 "than the limit of %zu",
			 s->name, (unsigned long long)s->pos, want, s->max);
		return -1;
	}
	while (s->len < want && !s->eof) {
		if (reserve(s, want) < 0)
			return -1;
		if (!s->gz) {
			n = read_some(s, s->buf + s->off + s->len,
				      s->cap - s->off - s->len);
			if (n == -2)
				return 0;
			if (n < 0)
				return -1;
			if (n == 0) {
				s->raw_eof = 1;
				if (s->detected)
					s->eof = 1;
			}
			s->len += (size_t)n;
			if (!s->detected && (s->len >= 2 || s->raw_eof) &&
			    detect(s) < 0)
				return -1;
			continue;
		}
		if (s->zlen == 0 && !s->raw_eof) {
			n = read_some(s, s->zbuf, IN_READ_SIZE);
			if (n == -2)
				return 0;
			if (n < 0)
				return -1;
			s->zoff = 0;
			s->zlen = (size_t)n;
			if (n == 0)
				s->raw_eof = 1;
		}
		if (s->zdone) {
			/* After a member: zero padding (which gzip(1) ignores
			 * too), or another member (gzip a b > c is one
			 * stream). */
			while (s->zlen > 0 && s->zbuf[s->zoff] == 0) {
				s->zoff++;
				s->zlen--;
				s->zpos++;
			}
			if (s->zlen == 0 && s->raw_eof) {
				s->eof = 1;
				break;
			}
			if (s->zlen == 0)
				continue;
			inflateReset(&s->zs);
			s->zdone = 0;
		}
		if (s->zlen == 0 && s->raw_eof) {
			snprintf(s->err, sizeof(s->err),
				 "%s: gzip data truncated at compressed "
				 "offset %llu",
				 s->name, (unsigned long long)s->zpos);
			return -1;
		}
		if (inflate_some(s) < 0)
			return -1;
	}
	return 1;
}

void
in_consume(struct in_src *s, size_t n)
{
	if (n > s->len)
		n = s->len;
	s->off += n;
	s->len -= n;
	s->pos += n;
}

int
in_rewind(struct in_src *s)
{
	if (!s->regular || lseek(s->fd, 0, SEEK_SET) != 0) {
		snprintf(s->err, sizeof(s->err), "%s: cannot rewind", s->name);
		return -1;
	}
	if (s->zs_init)
		inflateEnd(&s->zs);
	s->zs_init = 0;
	free(s->zbuf);
	s->zbuf = NULL;
	s->zoff = s->zlen = 0;
	s->zpos = 0;
	s->gz = s->detected = s->raw_eof = s->eof = s->zdone = 0;
	s->off = s->len = 0;
	s->pos = 0;
	return 0;
}

void
in_close(struct in_src *s)
{
	if (s->zs_init)
		inflateEnd(&s->zs);
	free(s->zbuf);
	free(s->buf);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
