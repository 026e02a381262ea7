/*
 * Streams, the GOP cache and fan-out.
 *
 * Each media message from a publisher is chunked once (struct shmsg, which
 * keeps only the chunked bytes, also for the GOP cache) and every player's
 * output queue takes a reference to those bytes; the only per-player bytes
 * are a type 0 header when the player is not in step on that chunk stream.
 * The queues are written by the stream's kick (net_conn_write: one writev
 * per player) at the end of the event-loop turn, or --write-delay later:
 * messages that arrive together go out together, and the socket is only
 * watched for writability while it is full.
 *
 * Timestamps: a player's timestamps start at 0 when it joins (the first
 * message it is sent, normally the cached keyframe, maps to 0) and keep the
 * publisher's deltas; they wrap at 2^32 like the publisher's. A message
 * that would map before 0 (audio slightly older than the keyframe) is sent
 * at 0 with its own type 0 header.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "chunk.h"
#include "cli.h"
#include "flv.h"
#include "log.h"
#include "rtmp_msg.h"
#include "rtmpd.h"

#define CS_AUDIO	   0
#define CS_VIDEO	   1
#define RELAY_HASH_INITIAL 64
#define RELAY_PREFETCH	   4 /* players ahead in the fan-out loops */

struct stream {
	struct relay *relay;
	struct stream *next; /* hash chain */
	uint32_t hash;
	char *name;
	struct client *publisher;
	struct client **players;
	struct pslot *slots; /* players[i]'s hot state, for the fan-out */
	size_t nplayers, cap;
	uint8_t *meta; /* onMetaData body, without @setDataFrame */
	size_t meta_len;
	struct shmsg *vseq, *aseq; /* codec sequence headers */
	struct shmsg *vmeta;	   /* Enhanced RTMP video metadata (HDR...) */
	struct shmsg **gop;	   /* from the last keyframe */
	size_t ngop, gopcap;
	uint64_t gop_bytes;
	int gop_valid; /* gop[] starts at a keyframe (or: audio-only window) */
	int has_video;
	uint64_t seq[2];
	uint32_t prev_ts[2];
	int prev_valid[2];
	struct event *kick_ev; /* writes the players' queues (stream_kick) */
	int kick_pending;
	uint64_t kick_us; /* how long the last round of writes took */
};

/* What the fan-out touches per player, side by side: no client struct on
 * the way (with thousands of players every pointer followed is a cache
 * miss per message). */
struct pslot {
	struct player_state *p;
	struct net_conn *nc;
};

struct relay {
	struct rtmpd *d;
	struct stream **tab;
	size_t cap, n;
};

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

struct relay *
relay_new(struct rtmpd *d)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->d = d;
	r->cap = RELAY_HASH_INITIAL;
	r->tab = calloc(r->cap, sizeof(*r->tab));
	if (r->tab == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
shmsg_unref(struct shmsg *m)
{
	if (m && --m->refs == 0)
		free(m);
}

static void
shmsg_unref_cb(const void *data, size_t len, void *extra)
{
	shmsg_unref(extra);
}

static void
gop_clear(struct stream *s)
{
	size_t i;

	for (i = 0; i < s->ngop; i++)
		shmsg_unref(s->gop[i]);
	s->ngop = 0;
	s->gop_bytes = 0;
	s->gop_valid = 0;
}

static void
caches_clear(struct stream *s)
{
	gop_clear(s);
	shmsg_unref(s->vseq);
	shmsg_unref(s->aseq);
	shmsg_unref(s->vmeta);
	s->vseq = s->aseq = s->vmeta = NULL;
	free(s->meta);
	s->meta = NULL;
	s->meta_len = 0;
	s->has_video = 0;
	s->prev_valid[CS_AUDIO] = s->prev_valid[CS_VIDEO] = 0;
}

static void
stream_free(struct stream *s)
{
	if (s->kick_ev)
		event_free(s->kick_ev);
	caches_clear(s);
	free(s->gop);
	free(s->players);
	free(s->slots);
	free(s->name);
	free(s);
}

void
relay_free(struct relay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->cap; i++) {
		struct stream *s = r->tab[i], *next;

		for (; s; s = next) {
			next = s->next;
			stream_free(s);
		}
	}
	free(r->tab);
	free(r);
}

static void
relay_grow(struct relay *r)
{
	size_t ncap = r->cap * 2, i;
	struct stream **nt = calloc(ncap, sizeof(*nt));

	if (nt == NULL)
		return; /* keep the longer chains */
	for (i = 0; i < r->cap; i++) {
		struct stream *s = r->tab[i], *next;

		for (; s; s = next) {
			next = s->next;
			s->next = nt[s->hash & (ncap - 1)];
			nt[s->hash & (ncap - 1)] = s;
		}
	}
	free(r->tab);
	r->tab = nt;
	r->cap = ncap;
}

struct stream *
relay_stream(struct relay *r, const char *name)
{
	uint32_t h = name_hash(name);
	struct stream *s;

	for (s = r->tab[h & (r->cap - 1)]; s; s = s->next)
		if (s->hash == h && strcmp(s->name, name) == 0)
			return s;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->name = strdup(name);
	if (s->name == NULL) {
		free(s);
		return NULL;
	}
	s->hash = h;
	s->relay = r;
	if (r->n + 1 > r->cap * 2)
		relay_grow(r);
	s->next = r->tab[h & (r->cap - 1)];
	r->tab[h & (r->cap - 1)] = s;
	r->n++;
	return s;
}

void
relay_stream_release(struct relay *r, struct stream *s)
{
	struct stream **pp;

	if (s->publisher || s->nplayers)
		return;
	for (pp = &r->tab[s->hash & (r->cap - 1)]; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			r->n--;
			stream_free(s);
			return;
		}
	}
}

const char *
stream_name(const struct stream *s)
{
	return s->name;
}

struct client *
stream_publisher(const struct stream *s)
{
	return s->publisher;
}

size_t
stream_nplayers(const struct stream *s)
{
	return s->nplayers;
}

/* ---- sending to one player -------------------------------------------- */

/* Player timestamp for publisher timestamp ts; *clamped when it would
 * fall before the player's start. */
static uint32_t
player_ts(struct player_state *p, uint32_t ts, int *clamped)
{
	int32_t rel;

	if (!p->base_set) {
		p->base = p->resume ? ts - (p->last_ts + 1) : ts;
		p->base_set = 1;
		p->resume = 0;
	}
	rel = (int32_t)(ts - p->base);
	*clamped = rel < 0;
	return rel < 0 ? 0 : (uint32_t)rel;
}

/* The payload of m, gathered from its shared chunks (only for the rare
 * player whose copy must be chunked differently). */
static void
shmsg_payload(const struct shmsg *m, uint32_t chunk_size, uint8_t *out)
{
	uint32_t csid =
	    m->type == RTMP_MSG_AUDIO ? RTMP_CSID_AUDIO : RTMP_CSID_VIDEO;
	size_t cont = chunk_header_size(3, csid, m->delta);
	const uint8_t *w = m->wire + m->hdr1_len;
	uint32_t off = 0, n;

	for (;;) {
		n = m->len - off < chunk_size ? m->len - off : chunk_size;
		memcpy(out + off, w, n);
		off += n;
		w += n;
		if (off == m->len)
			break;
		w += cont;
	}
}

/* Queue m for a player that is out of step on m's chunk stream: its own
 * type 0 header, then the shared continuation chunks. Bytes queued, or 0
 * when nothing was. */
static size_t
player_send_type0(struct net_conn *nc, struct shmsg *m, uint32_t msid,
		  uint32_t ts, uint32_t chunk_size)
{
	struct rtmp_msg_hdr h;
	uint8_t hdr[CHUNK_MAX_HEADER], *e;
	size_t n;

	memset(&h, 0, sizeof(h));
	h.csid = m->type == RTMP_MSG_AUDIO ? RTMP_CSID_AUDIO : RTMP_CSID_VIDEO;
	h.timestamp = ts;
	h.length = m->len;
	h.type = m->type;
	h.stream_id = msid;
	if (m->len > chunk_size && (ts >= 0xFFFFFF) != (m->delta >= 0xFFFFFF)) {
		/* The continuations' extended timestamps differ from the
		 * shared copy's: chunk this one alone. */
		uint8_t *buf;

		n = chunk_bound(m->len, chunk_size);
		buf = malloc(n + m->len);
		if (buf == NULL)
			return 0;
		shmsg_payload(m, chunk_size, buf + n);
		e = chunk_put_msg(buf, buf + n, 0, &h, ts, chunk_size, buf + n);
		n = e && net_conn_send(nc, buf, (size_t)(e - buf)) == 0
			? (size_t)(e - buf)
			: 0;
		free(buf);
		return n;
	}
	e = chunk_put_header(hdr, hdr + sizeof(hdr), 0, &h, ts);
	if (e == NULL || net_conn_send(nc, hdr, (size_t)(e - hdr)) != 0)
		return 0;
	if (net_conn_send_ref(nc, m->wire + m->hdr1_len,
			      m->wire_len - m->hdr1_len, shmsg_unref_cb,
			      m) != 0) {
		/* A header without its message would break the peer's chunk
		 * stream: end the connection rather. */
		net_conn_close_after_flush(nc);
		return 0;
	}
	m->refs++;
	return (size_t)(e - hdr) + m->wire_len - m->hdr1_len;
}

/*
 * Queue m for player c (written by the stream's next kick). Sequence
 * headers are always queued; other messages are dropped, up to the next
 * keyframe, when the player's queue is over its bound.
 */
static void
player_send(struct stream *s, const struct pslot *sl, struct shmsg *m,
	    const struct rtmpd_config *cfg)
{
	struct player_state *p = sl->p;
	struct net_conn *nc = sl->nc;
	size_t pending = net_conn_queued(nc), sent;
	int cs = m->type == RTMP_MSG_AUDIO ? CS_AUDIO : CS_VIDEO;
	uint32_t ts;
	int clamped;

	if (!m->config) {
		if (pending <= cfg->queue_bytes)
			p->burst = 0;
		if (p->need_key && !(m->key || (!s->has_video))) {
			p->drops++;
			return;
		}
		if (pending + m->wire_len > cfg->queue_bytes + p->burst) {
			/* Never let a slow player grow the daemon: skip to
			 * the next keyframe (audio-only: just this frame). */
			p->drops++;
			if (s->has_video)
				p->need_key = 1;
			p->last_seq[CS_AUDIO] = p->last_seq[CS_VIDEO] = 0;
			return;
		}
		if (m->key)
			p->need_key = 0;
	}
	/* No net_conn_flush here: rtmpd flushes the session's output as soon
	 * as it queues any (server.c), so control messages are ahead. */
	ts = player_ts(p, m->ts, &clamped);
	if (m->delta_ok && !clamped && p->last_seq[cs] == m->seq) {
		if (net_conn_send_ref(nc, m->wire, m->wire_len, shmsg_unref_cb,
				      m) != 0)
			goto dropped;
		m->refs++;
		p->bytes_out += m->wire_len;
	} else {
		sent = player_send_type0(nc, m, p->msid, ts, cfg->chunk_size);
		if (sent == 0)
			goto dropped;
		p->bytes_out += sent;
	}
	/* last_seq holds seq + 1 of the last message sent, 0 = out of step. */
	p->last_seq[cs] = clamped ? 0 : m->seq + 1;
	p->last_ts = ts;
	return;
dropped:
	p->drops++;
	if (s->has_video && !m->config)
		p->need_key = 1;
	p->last_seq[CS_AUDIO] = p->last_seq[CS_VIDEO] = 0;
}

static void
player_send_data(struct client *c, uint32_t ts, const uint8_t *body, size_t len)
{
	struct player_state *p = client_player(c);
	struct net_conn *nc = client_conn(c);
	int clamped;
	uint32_t pts = p->base_set ? player_ts(p, ts, &clamped) : 0;

	/* Counted in the session's bytes_out. */
	if (sess_send_data(&nc->sess, p->msid, pts, body, len) == RTMP_OK)
		net_conn_flush(nc);
}

/* What a player needs to start decoding at once: metadata, sequence
 * headers, then the cached GOP. */
static void
player_prime(struct stream *s, struct client *c, const struct rtmpd_config *cfg)
{
	struct player_state *p = client_player(c);
	const struct pslot *sl = &s->slots[p->idx];
	size_t i;

	p->base_set = 0;
	p->last_seq[CS_AUDIO] = p->last_seq[CS_VIDEO] = 0;
	/* Start on a keyframe; audio-only streams never wait (see
	 * player_send). */
	p->need_key = 1;
	if (cfg->gop_cache && s->gop_valid && s->ngop > 0) {
		uint32_t base = s->gop[0]->ts;

		for (i = 1; i < s->ngop; i++)
			if ((int32_t)(s->gop[i]->ts - base) < 0)
				base = s->gop[i]->ts;
		p->base = p->resume ? base - (p->last_ts + 1) : base;
		p->base_set = 1;
		p->resume = 0;
		/* The burst may exceed the queue bound: allow for it. */
		p->burst = s->gop_bytes + 65536;
	}
	if (s->meta)
		player_send_data(c, p->base_set ? p->base : 0, s->meta,
				 s->meta_len);
	if (s->vseq)
		player_send(s, sl, s->vseq, cfg);
	if (s->vmeta)
		player_send(s, sl, s->vmeta, cfg);
	if (s->aseq)
		player_send(s, sl, s->aseq, cfg);
	if (cfg->gop_cache && s->gop_valid)
		for (i = 0; i < s->ngop; i++)
			player_send(s, sl, s->gop[i], cfg);
	/* Now, not after --write-delay: the first frame is what a joining
	 * viewer waits for. */
	net_conn_write(sl->nc);
}

/* ---- writing ---------------------------------------------------------- */

/* Write every player's queue: one writev each for everything fanned out
 * since the last kick. */
static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct stream *s = arg;
	uint64_t t0 = clock_mono_us();
	size_t i;

	s->kick_pending = 0;
	for (i = 0; i < s->nplayers; i++) {
		if (i + RELAY_PREFETCH < s->nplayers)
			net_conn_prefetch(s->slots[i + RELAY_PREFETCH].nc);
		net_conn_write(s->slots[i].nc);
	}
	s->kick_us = clock_mono_us() - t0;
}

/*
 * New messages were queued for the players: write them at the end of this
 * event-loop turn (so that messages read together go out together), or
 * --write-delay later (so that several go out in one call). By default
 * (--write-delay auto) the wait is as long as the last round of writes
 * took: nothing with a few players, where a round takes microseconds; with
 * thousands, several messages per write and about half of the time left
 * for everything else, instead of one write per message per player until
 * the daemon falls behind.
 */
static void
stream_kick(struct stream *s)
{
	const struct rtmpd_config *cfg = &s->relay->d->cfg;
	uint64_t delay_us = (uint64_t)cfg->write_delay_ms * 1000;
	struct timeval tv;

	if (s->kick_pending)
		return;
	if (s->kick_ev == NULL) {
		s->kick_ev = evtimer_new(s->relay->d->base, kick_cb, s);
		if (s->kick_ev == NULL) {
			kick_cb(-1, 0, s);
			return;
		}
	}
	s->kick_pending = 1;
	if (cfg->write_delay_auto) {
		delay_us = s->kick_us;
		if (delay_us < RTMPD_WRITE_DELAY_AUTO_MIN_US)
			delay_us = 0;
		if (delay_us > RTMPD_WRITE_DELAY_AUTO_MAX_MS * 1000)
			delay_us = RTMPD_WRITE_DELAY_AUTO_MAX_MS * 1000;
	}
	if (delay_us == 0) {
		event_active(s->kick_ev, EV_TIMEOUT, 0);
		return;
	}
	tv.tv_sec = (time_t)(delay_us / 1000000);
	tv.tv_usec = (suseconds_t)(delay_us % 1000000);
	evtimer_add(s->kick_ev, &tv);
}

/* ---- publisher side --------------------------------------------------- */

void
stream_set_publisher(struct stream *s, struct client *c)
{
	size_t i;

	caches_clear(s);
	s->publisher = c;
	for (i = 0; i < s->nplayers; i++)
		client_stream_begin(s->players[i]);
}

void
stream_unpublish(struct stream *s)
{
	size_t i;

	s->publisher = NULL;
	caches_clear(s);
	for (i = 0; i < s->nplayers; i++) {
		struct player_state *p = client_player(s->players[i]);

		p->base_set = 0;
		p->resume = 1;
		p->last_seq[CS_AUDIO] = p->last_seq[CS_VIDEO] = 0;
		client_stream_gone(s->players[i]);
	}
}

void
stream_metadata(struct stream *s, const uint8_t *body, size_t len)
{
	size_t i;

	free(s->meta);
	s->meta = NULL;
	s->meta_len = 0;
	if (len <= RTMPD_MAX_METADATA && (s->meta = malloc(len ? len : 1))) {
		memcpy(s->meta, body, len);
		s->meta_len = len;
	}
	for (i = 0; i < s->nplayers; i++) {
		struct player_state *p = client_player(s->players[i]);

		if (p->started)
			player_send_data(s->players[i],
					 p->base_set ? p->base + p->last_ts : 0,
					 body, len);
	}
}

void
stream_data(struct stream *s, uint32_t ts, const uint8_t *body, size_t len)
{
	size_t i;

	for (i = 0; i < s->nplayers; i++)
		if (client_player(s->players[i])->started)
			player_send_data(s->players[i], ts, body, len);
}

static struct shmsg *
shmsg_new(struct stream *s, uint8_t type, uint32_t ts, const uint8_t *p,
	  size_t len, uint32_t chunk_size)
{
	int cs = type == RTMP_MSG_AUDIO ? CS_AUDIO : CS_VIDEO;
	size_t bound = chunk_bound((uint32_t)len, chunk_size);
	struct shmsg *m = malloc(sizeof(*m) + bound);
	struct rtmp_msg_hdr h;
	uint8_t *e;

	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->refs = 1;
	m->ts = ts;
	m->len = (uint32_t)len;
	m->type = type;
	m->wire = (uint8_t *)(m + 1);
	if (type == RTMP_MSG_VIDEO) {
		m->key = (uint8_t)flv_video_is_keyframe(p, len);
		m->seq_hdr = (uint8_t)flv_video_is_seq_header(p, len);
		/* Enhanced RTMP metadata (colour, HDR) and command frames
		 * describe the stream like sequence headers do: they are
		 * never dropped, and the last metadata is kept for joiners. */
		if (len > 0 && ((p[0] >> 4) & 7) == FLV_FRAME_COMMAND) {
			m->config = 1;
		} else if (len > 0 && (p[0] & 0x80)) {
			struct flv_video_info vi;

			if (flv_video_parse(p, len, &vi) == RTMP_OK &&
			    vi.packet_type == FLV_VPT_METADATA)
				m->config = m->vmeta = 1;
		}
	} else {
		m->seq_hdr = (uint8_t)flv_audio_is_seq_header(p, len);
	}
	m->config |= m->seq_hdr;
	/* A delta is only known after an earlier message of this publisher on
	 * the same chunk stream, and only when time did not go backwards. */
	if (s->prev_valid[cs] && (int32_t)(ts - s->prev_ts[cs]) >= 0) {
		m->delta = ts - s->prev_ts[cs];
		m->delta_ok = 1;
	}
	memset(&h, 0, sizeof(h));
	h.csid = cs == CS_AUDIO ? RTMP_CSID_AUDIO : RTMP_CSID_VIDEO;
	h.timestamp = ts;
	h.length = (uint32_t)len;
	h.type = type;
	h.stream_id = 1;
	m->hdr1_len = (uint32_t)chunk_header_size(1, h.csid, m->delta);
	e = chunk_put_msg(m->wire, m->wire + bound, 1, &h, m->delta, chunk_size,
			  p);
	if (e == NULL) {
		free(m);
		return NULL;
	}
	m->wire_len = (uint32_t)(e - m->wire);
	m->seq = s->seq[cs]++;
	s->prev_ts[cs] = ts;
	s->prev_valid[cs] = 1;
	return m;
}

static int
gop_push(struct stream *s, struct shmsg *m, const struct rtmpd_config *cfg)
{
	if (s->ngop >= cfg->gop_max_frames ||
	    s->gop_bytes + m->wire_len > cfg->gop_max_bytes)
		return -1;
	if (s->ngop == s->gopcap) {
		size_t ncap = s->gopcap ? s->gopcap * 2 : 64;
		struct shmsg **ng = realloc(s->gop, ncap * sizeof(*ng));

		if (ng == NULL)
			return -1;
		s->gop = ng;
		s->gopcap = ncap;
	}
	s->gop[s->ngop++] = m;
	m->refs++;
	s->gop_bytes += m->wire_len;
	return 0;
}

static void
gop_pop_front(struct stream *s)
{
	s->gop_bytes -= s->gop[0]->wire_len;
	shmsg_unref(s->gop[0]);
	memmove(s->gop, s->gop + 1, (s->ngop - 1) * sizeof(*s->gop));
	s->ngop--;
}

/* Keep the cache: from the last keyframe for video streams (dropped, not
 * grown, when a GOP is over the bounds: players then wait for the next
 * keyframe), a recent window for audio-only streams. */
static void
gop_update(struct stream *s, struct shmsg *m, const struct rtmpd_config *cfg)
{
	if (!cfg->gop_cache || m->config)
		return;
	if (m->type == RTMP_MSG_VIDEO) {
		if (!s->has_video) {
			s->has_video = 1;
			gop_clear(s); /* drop the audio-only window */
		}
		if (m->key) {
			gop_clear(s);
			s->gop_valid = 1;
		}
		if (s->gop_valid && gop_push(s, m, cfg) < 0)
			gop_clear(s);
		return;
	}
	if (s->has_video) {
		if (s->gop_valid && gop_push(s, m, cfg) < 0)
			gop_clear(s);
		return;
	}
	s->gop_valid = 1;
	while (
	    s->ngop > 0 &&
	    (s->ngop >= cfg->gop_max_frames ||
	     s->gop_bytes + m->wire_len > cfg->gop_max_bytes ||
	     (int32_t)(m->ts - s->gop[0]->ts) > (int32_t)cfg->audio_window_ms))
		gop_pop_front(s);
	gop_push(s, m, cfg);
}

int
stream_media(struct stream *s, uint8_t type, uint32_t ts, const uint8_t *p,
	     size_t len)
{
	const struct rtmpd_config *cfg = &s->relay->d->cfg;
	struct shmsg *m = shmsg_new(s, type, ts, p, len, cfg->chunk_size);
	size_t i;

	if (m == NULL)
		return -1;
	if (m->seq_hdr) {
		struct shmsg **slot =
		    type == RTMP_MSG_VIDEO ? &s->vseq : &s->aseq;

		shmsg_unref(*slot);
		*slot = m;
		m->refs++;
	} else if (m->vmeta) {
		shmsg_unref(s->vmeta);
		s->vmeta = m;
		m->refs++;
	}
	if (type == RTMP_MSG_VIDEO && !m->config && !s->has_video &&
	    !cfg->gop_cache)
		s->has_video = 1;
	gop_update(s, m, cfg);
	for (i = 0; i < s->nplayers; i++) {
		/* Each player's state is a cache miss: ask for the next ones
		 * while this one is served. */
		if (i + 2 * RELAY_PREFETCH < s->nplayers) {
			__builtin_prefetch(s->slots[i + 2 * RELAY_PREFETCH].p);
			net_conn_prefetch(s->slots[i + 2 * RELAY_PREFETCH].nc);
		}
		if (i + RELAY_PREFETCH < s->nplayers)
			net_conn_prefetch_tail(s->slots[i + RELAY_PREFETCH].nc);
		if (s->slots[i].p->started)
			player_send(s, &s->slots[i], m, cfg);
	}
	shmsg_unref(m);
	stream_kick(s);
	return 0;
}

/* ---- players ---------------------------------------------------------- */

void
stream_add_player(struct stream *s, struct client *c)
{
	struct player_state *p = client_player(c);

	if (s->nplayers == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct client **np = realloc(s->players, ncap * sizeof(*np));
		struct pslot *ns;

		if (np == NULL)
			return;
		s->players = np;
		ns = realloc(s->slots, ncap * sizeof(*ns));
		if (ns == NULL)
			return;
		s->slots = ns;
		s->cap = ncap;
	}
	p->idx = s->nplayers;
	s->slots[s->nplayers].p = p;
	s->slots[s->nplayers].nc = client_conn(c);
	s->players[s->nplayers++] = c;
	if (s->publisher) {
		p->started = 1;
		player_prime(s, c, &s->relay->d->cfg);
	}
}

/* Publisher (re)arrived: an attached player starts with what comes next. */
void
stream_start_player(struct stream *s, struct client *c)
{
	struct player_state *p = client_player(c);

	p->started = 1;
	player_prime(s, c, &s->relay->d->cfg);
}

void
stream_remove_player(struct stream *s, struct client *c)
{
	struct player_state *p = client_player(c);
	size_t i = p->idx;

	if (i >= s->nplayers || s->players[i] != c)
		return;
	s->players[i] = s->players[--s->nplayers];
	s->slots[i] = s->slots[s->nplayers];
	if (i < s->nplayers)
		client_player(s->players[i])->idx = i;
}
