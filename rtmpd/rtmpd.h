/*
 * rtmpd: a minimal RTMP relay. One publisher per stream (app/name), fanned
 * out to any number of players with a GOP cache.
 *
 *   main.c    options, listeners, signals, the event loop
 *   server.c  one connection: command policy (connect, publish, play...)
 *   relay.c   streams, the GOP cache, fan-out of shared chunked messages
 */
#ifndef RTMPD_H
#define RTMPD_H

#include <event2/event.h>
#include <event2/listener.h>

#include "access.h"
#include "hooks.h"
#include "net.h"

/* Defaults of every limit; each is an option documented in rtmpd(8). */
#define RTMPD_PORT		   1935
#define RTMPD_MAX_CONNECTIONS	   10000
#define RTMPD_HANDSHAKE_TIMEOUT_MS 5000
#define RTMPD_START_TIMEOUT_MS	   30000   /* connect to publish/play */
#define RTMPD_IDLE_TIMEOUT_MS	   10000   /* publisher sends nothing */
#define RTMPD_SEND_TIMEOUT_MS	   10000   /* player reads nothing */
#define RTMPD_CHUNK_SIZE	   4096	   /* outgoing */
#define RTMPD_WINDOW		   5000000 /* Window Ack Size we announce */
#define RTMPD_GOP_MAX_BYTES	   (8u << 20)
#define RTMPD_GOP_MAX_FRAMES	   1024
#define RTMPD_AUDIO_WINDOW_MS	   1000 /* audio-only streams: cached window */
#define RTMPD_QUEUE_BYTES	   (2u << 20) /* per player, beyond the join burst */
#define RTMPD_MAX_STREAMS_PER_CONN 8	      /* createStream calls */
#define RTMPD_MAX_NAME		   1024	      /* app/stream name bytes */
#define RTMPD_MAX_QUERY		   4096	      /* bytes after '?' in a name */
#define RTMPD_MAX_METADATA	   (64u << 10) /* cached onMetaData bytes */
#define RTMPD_WRITE_DELAY_MAX_MS   1000	       /* --write-delay bound */
/* --write-delay auto (the default): wait as long as the last round of
 * writes took, when that was at least AUTO_MIN_US, at most AUTO_MAX_MS. */
#define RTMPD_WRITE_DELAY_AUTO_MIN_US 1000
#define RTMPD_WRITE_DELAY_AUTO_MAX_MS 250

struct rtmpd_config {
	uint32_t max_connections;
	uint32_t handshake_timeout_ms;
	uint32_t start_timeout_ms;
	uint32_t idle_timeout_ms;
	uint32_t send_timeout_ms;
	uint32_t chunk_size;
	uint32_t max_message_size;
	uint32_t max_chunk_size;
	uint32_t window;
	uint64_t gop_max_bytes;
	uint32_t gop_max_frames;
	uint32_t audio_window_ms;
	uint64_t queue_bytes;
	int gop_cache;		 /* 0 = players wait for the next keyframe */
	int takeover;		 /* a new publisher replaces the old one */
	int play_not_found;	 /* play of an unpublished stream is refused */
	uint32_t write_delay_ms; /* write this long after new messages */
	int write_delay_auto;	 /* ... or as long as the last writes took */
};

struct rtmpd_stats {
	uint64_t connections, active, refused_max;
};

struct rtmpd {
	struct rtmpd_config cfg;
	struct event_base *base;
	struct evconnlistener **listeners;
	size_t nlisteners;
	struct event *accept_retry; /* after EMFILE: accept paused */
	struct client *clients;	    /* every connection (doubly linked) */
	uint64_t next_id;
	uint32_t nclients;
	struct relay *relay;
	struct access access; /* IP rules and keys (access.c) */
	struct hooks *hooks;  /* on_publish, on_play, on_done (hooks.c) */
	void *tls_ctx;	      /* --tls-cert/--tls-key (tls.h), NULL = none */
	const char *tls_cert, *tls_key; /* read again on SIGHUP */
	int stopping;
	struct rtmpd_stats stats;
};

/* A connection (server.c). */
struct client;
struct stream;

/* tls: accepted on a --tls-listen socket (TLS handshake first). */
void server_accept(struct rtmpd *d, evutil_socket_t fd,
		   const struct sockaddr *sa, int salen, int tls);
/* SIGTERM: players told, everyone closed after their output is written. */
void server_shutdown(struct rtmpd *d);
/* After the loop: free every connection still open, and the hooks. */
void server_free_all(struct rtmpd *d);
/* The last hook call in flight finished (hooks_set_idle_cb). */
void server_hooks_idle(void *d);

/* ---- relay.c ---------------------------------------------------------- */

/*
 * A media message chunked once for the outgoing chunk size, with a type 1
 * first header (its delta from the previous message on the same chunk
 * stream of the same publisher), shared by every player by reference.
 * A player that is not in step on that chunk stream (it just joined, it
 * dropped frames, or the delta is unknown) gets its own type 0 header in
 * front of the shared continuation chunks.
 */
struct shmsg {
	uint32_t refs;
	uint32_t ts;	   /* publisher timestamp */
	uint32_t delta;	   /* from the previous message on this csid */
	uint32_t len;	   /* payload bytes */
	uint8_t type;	   /* RTMP_MSG_AUDIO / RTMP_MSG_VIDEO */
	uint8_t key;	   /* video keyframe */
	uint8_t seq_hdr;   /* a codec sequence header */
	uint8_t config;	   /* never dropped: headers, metadata, commands */
	uint8_t vmeta;	   /* Enhanced RTMP video metadata packet */
	uint8_t delta_ok;  /* the type 1 header is right for in-step players */
	uint64_t seq;	   /* position on its csid in this stream */
	uint32_t hdr1_len; /* bytes of the shared first header */
	uint32_t wire_len; /* shared chunked bytes */
	uint8_t *wire;	   /* wire_len bytes (inside this allocation) */
};

struct relay;

struct relay *relay_new(struct rtmpd *d);
void relay_free(struct relay *r);

/* Find or create the stream called name ("app/stream", without query). */
struct stream *relay_stream(struct relay *r, const char *name);
const char *stream_name(const struct stream *s);
struct client *stream_publisher(const struct stream *s);
/* Drop the stream when nobody uses it any more. */
void relay_stream_release(struct relay *r, struct stream *s);

/* The publisher side. */
void stream_set_publisher(struct stream *s, struct client *c);
void stream_unpublish(struct stream *s);
void stream_metadata(struct stream *s, const uint8_t *body, size_t len);
void stream_data(struct stream *s, uint32_t ts, const uint8_t *body,
		 size_t len);
int stream_media(struct stream *s, uint8_t type, uint32_t ts, const uint8_t *p,
		 size_t len);

/* The player side. */
void stream_add_player(struct stream *s, struct client *c);
void stream_remove_player(struct stream *s, struct client *c);
/* The publisher (re)arrived: start an attached, waiting player. */
void stream_start_player(struct stream *s, struct client *c);
size_t stream_nplayers(const struct stream *s);

/* Per-player state the relay keeps inside struct client. */
struct player_state {
	/* Touched for every message: kept together. */
	uint8_t started;      /* has been sent StreamBegin etc. */
	uint8_t need_key;     /* dropping until the next keyframe */
	uint8_t base_set;     /* base is known */
	uint8_t resume;	      /* republished: keep timestamps continuous */
	uint32_t base;	      /* publisher ts that maps to player ts 0 */
	uint32_t last_ts;     /* last player timestamp sent */
	uint32_t msid;	      /* the player's message stream */
	uint64_t last_seq[2]; /* last message sent per csid (audio, video)+1 */
	uint64_t burst;	      /* extra queue allowance for the join burst */
	uint64_t bytes_out;   /* media and data queued to it */
	uint64_t drops;
	size_t idx; /* position in the stream's player array */
};

/* Called by the relay on the client that plays (server.c). */
struct net_conn *client_conn(struct client *c);
struct player_state *client_player(struct client *c);
void client_stream_gone(struct client *c);  /* publisher left (players) */
void client_stream_begin(struct client *c); /* publisher (re)arrived */

#endif
