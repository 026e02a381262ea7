#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "flvio.h"

int
flv_src_open(struct flv_src *s, const char *path, uint32_t max_tag_size)
{
	int fd;

	memset(s, 0, sizeof(*s));
	flv_reader_init(&s->rd);
	if (max_tag_size)
		s->rd.max_tag_size = max_tag_size;
	if (strcmp(path, "-") == 0) {
		s->name = "stdin";
		fd = dup(STDIN_FILENO);
	} else {
		s->name = path;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", s->name,
			 strerror(errno));
		return -1;
	}
	s->gz = gzdopen(fd, "rb");
	if (s->gz == NULL) {
		close(fd);
		snprintf(s->err, sizeof(s->err), "%s: cannot open", s->name);
		return -1;
	}
	gzbuffer(s->gz, FLV_SRC_READ_SIZE);
	return 0;
}

/* Make room for at least want unread bytes and read until they are there
 * or the input ends. */
static int
fill(struct flv_src *s, size_t want)
{
	if (s->off > 0 && (s->off + want > s->cap || s->len == 0)) {
		memmove(s->buf, s->buf + s->off, s->len);
		s->off = 0;
	}
	if (want + FLV_SRC_READ_SIZE > s->cap) {
		size_t ncap = want + FLV_SRC_READ_SIZE;
		uint8_t *nb = realloc(s->buf, ncap);

		if (nb == NULL) {
			snprintf(s->err, sizeof(s->err), "%s: out of memory",
				 s->name);
			return -1;
		}
		s->buf = nb;
		s->cap = ncap;
	}
	while (s->len < want && !s->eof) {
		size_t room = s->cap - s->off - s->len;
		int n = gzread(s->gz, s->buf + s->off + s->len,
			       room > (1u << 30) ? 1u << 30 : (unsigned)room);

		if (n < 0) {
			int zerr;
			const char *msg = gzerror(s->gz, &zerr);

			snprintf(s->err, sizeof(s->err), "%s: read error: %s",
				 s->name,
				 zerr == Z_ERRNO ? strerror(errno) : msg);
			return -1;
		}
		if (n == 0) {
			s->eof = 1;
			break;
		}
		s->len += (size_t)n;
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

void
flv_src_close(struct flv_src *s)
{
	if (s->gz)
		gzclose(s->gz);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}
