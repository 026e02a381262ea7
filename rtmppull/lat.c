/*
 * Send-log matching for load mode, see lat.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lat.h"

#define LAT_RING  (1u << LAT_RING_BITS)
#define LAT_HEADS LAT_RING

static uint32_t
name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

int
strtab_find(const struct strtab *t, const char *name, size_t len)
{
	size_t i, mask = t->nslots - 1;

	if (t->nslots == 0)
		return -1;
	for (i = name_hash(name, len) & mask; t->slots[i]; i = (i + 1) & mask) {
		const char *s = t->names[t->slots[i] - 1];

		if (strncmp(s, name, len) == 0 && s[len] == '\0')
			return (int)(t->slots[i] - 1);
	}
	return -1;
}

static int
strtab_grow(struct strtab *t)
{
	size_t ns = t->nslots ? t->nslots * 2 : 64, i, j;
	uint32_t *slots = calloc(ns, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		j = name_hash(t->names[i], strlen(t->names[i])) & (ns - 1);
		while (slots[j])
			j = (j + 1) & (ns - 1);
		slots[j] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return 0;
}

int
strtab_add(struct strtab *t, const char *name)
{
	int found = strtab_find(t, name, strlen(name));
	size_t j;

	if (found >= 0)
		return found;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nn = realloc(t->names, ncap * sizeof(*nn));

		if (nn == NULL)
			return -1;
		t->names = nn;
		t->cap = ncap;
	}
	/* Load factor at most 1/2. */
	if ((t->n + 1) * 2 > t->nslots && strtab_grow(t) < 0)
		return -1;
	if ((t->names[t->n] = strdup(name)) == NULL)
		return -1;
	j = name_hash(name, strlen(name)) & (t->nslots - 1);
	while (t->slots[j])
		j = (j + 1) & (t->nslots - 1);
	t->slots[j] = (uint32_t)t->n + 1;
	return (int)t->n++;
}

void
strtab_free(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* ---- records ---------------------------------------------------------- */

static size_t
rec_bucket(uint32_t crc, uint32_t stream)
{
	return ((crc * 0x9E3779B1u) ^ (stream * 0x85EBCA6Bu)) & (LAT_HEADS - 1);
}

static void
rec_add(struct lat *l, uint64_t t_us, uint32_t crc, uint32_t stream)
{
	size_t b = rec_bucket(crc, stream);
	struct lat_rec *r = &l->ring[l->next_seq & (LAT_RING - 1)];

	r->seq = l->next_seq++;
	r->next = l->heads[b];
	r->t_us = t_us;
	r->crc = crc;
	r->stream = stream;
	l->heads[b] = r->seq;
	l->records++;
}

/* The send time of the matching record, or 0 when there is none (yet). */
static uint64_t
rec_find(const struct lat *l, uint32_t crc, uint32_t stream, uint64_t t_recv)
{
	uint64_t s = l->heads[rec_bucket(crc, stream)];
	unsigned steps = 0;

	while (s != 0 && steps++ < 256) {
		const struct lat_rec *r = &l->ring[s & (LAT_RING - 1)];

		if (r->seq != s)
			break; /* overwritten: older ones are gone too */
		if (r->crc == crc && r->stream == stream &&
		    r->t_us <= t_recv + LAT_SKEW_US) {
			if (r->t_us < t_recv &&
			    t_recv - r->t_us > LAT_HORIZON_US)
				return 0;
			return r->t_us ? r->t_us : 1;
		}
		s = r->next;
	}
	return 0;
}

/* Parse "SEND_US CRC32 TYPE SIZE STREAM". */
static void
parse_line(struct lat *l, char *line, size_t len)
{
	char *p = line, *end;
	unsigned long long t, size;
	unsigned long crc;
	int video, stream;

	if (len == 0 || line[0] == '#')
		return;
	line[len] = '\0';
	errno = 0;
	t = strtoull(p, &end, 10);
	if (end == p || *end != ' ')
		goto bad;
	p = end + 1;
	crc = strtoul(p, &end, 16);
	if (end != p + 8 || *end != ' ')
		goto bad;
	p = end + 1;
	if (strncmp(p, "video ", 6) == 0)
		video = 1;
	else if (strncmp(p, "audio ", 6) == 0)
		video = 0;
	else
		goto bad;
	p += 6;
	size = strtoull(p, &end, 10);
	if (end == p || *end != ' ' || errno)
		goto bad;
	p = end + 1;
	stream = strtab_find(l->streams, p, strlen(p));
	if (stream < 0)
		return; /* a stream nobody here plays */
	l->pub_bytes[stream] += size;
	if (video) {
		rec_add(l, t, (uint32_t)crc, (uint32_t)stream);
		if (l->t_from && t >= l->t_from && t <= l->t_cut)
			l->pub_vwin[stream] += size;
	}
	return;
bad:
	l->bad_lines++;
}

int
lat_init(struct lat *l, const char *path, const struct strtab *streams,
	 void (*on_match)(void *arg, void *who, uint64_t t_send,
			  uint64_t t_recv, uint32_t len),
	 void *arg)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	l->fd = -1;
	l->streams = streams;
	l->on_match = on_match;
	l->t_cut = UINT64_MAX;
	l->arg = arg;
	l->next_seq = 1;
	l->buf = malloc(LAT_LINE_MAX + 1);
	l->ring = calloc(LAT_RING, sizeof(*l->ring));
	l->heads = calloc(LAT_HEADS, sizeof(*l->heads));
	l->pub_bytes = calloc(streams->n ? streams->n : 1, sizeof(uint64_t));
	l->pub_vwin = calloc(streams->n ? streams->n : 1, sizeof(uint64_t));
	l->pend_cap = 4096;
	l->pend = malloc(l->pend_cap * sizeof(*l->pend));
	if (!l->buf || !l->ring || !l->heads || !l->pub_bytes || !l->pub_vwin ||
	    !l->pend) {
		lat_free(l);
		return -1;
	}
	/* Only the recent past matters (what a GOP cache may replay to a
	 * player, so that it is not counted as unmatched): start
	 * LAT_TAIL_BYTES before the end. */
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->fd >= 0) {
		off_t end = lseek(l->fd, 0, SEEK_END);

		if (end > (off_t)LAT_TAIL_BYTES) {
			lseek(l->fd, end - (off_t)LAT_TAIL_BYTES, SEEK_SET);
			l->skip_partial = 1;
		} else {
			lseek(l->fd, 0, SEEK_SET);
		}
	}
	return 0;
}

void
lat_free(struct lat *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	free(l->ring);
	free(l->heads);
	free(l->pub_bytes);
	free(l->pub_vwin);
	free(l->pend);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

static void
read_records(struct lat *l)
{
	char chunk[LAT_READ_CHUNK];
	ssize_t n;

	if (l->fd < 0) {
		/* The publisher may create it after we start. */
		l->fd = open(l->path, O_RDONLY | O_CLOEXEC);
		if (l->fd < 0)
			return;
	}
	while ((n = read(l->fd, chunk, sizeof(chunk))) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++) {
			char ch = chunk[i];

			if (l->skip_partial) {
				if (ch == '\n')
					l->skip_partial = 0;
				continue;
			}
			if (ch == '\n') {
				parse_line(l, l->buf, l->have);
				l->have = 0;
			} else if (l->have < LAT_LINE_MAX) {
				l->buf[l->have++] = ch;
			}
		}
	}
}

void
lat_poll(struct lat *l, uint64_t now_us)
{
	size_t i, keep = 0;

	read_records(l);
	for (i = 0; i < l->npend; i++) {
		struct lat_pend *p = &l->pend[i];
		uint64_t t = rec_find(l, p->crc, p->stream, p->t_recv);

		if (t)
			l->on_match(l->arg, p->who, t, p->t_recv, p->len);
		else if (now_us - p->t_recv > LAT_PENDING_US)
			l->unmatched++;
		else
			l->pend[keep++] = *p;
	}
	l->npend = keep;
}

void
lat_match(struct lat *l, uint32_t crc, uint32_t stream, uint64_t t_recv,
	  void *who, uint32_t len)
{
	uint64_t t = rec_find(l, crc, stream, t_recv);
	struct lat_pend *p;

	if (t) {
		l->on_match(l->arg, who, t, t_recv, len);
		return;
	}
	if (l->npend == l->pend_cap) {
		struct lat_pend *np = NULL;

		if (l->pend_cap < LAT_PENDING_MAX)
			np = realloc(l->pend, 2 * l->pend_cap * sizeof(*np));
		if (np == NULL) {
			l->unmatched++;
			return;
		}
		l->pend = np;
		l->pend_cap *= 2;
	}
	p = &l->pend[l->npend++];
	p->t_recv = t_recv;
	p->who = who;
	p->crc = crc;
	p->stream = stream;
	p->len = len;
}
