/*
 * libevent glue around a sans-I/O session: one struct net_conn per TCP
 * connection, either accepted (server) or dialled (client). Bytes read are
 * fed to the session and each event is handed to the owner's callback;
 * the session's output is moved to the bufferevent after every callback.
 * This layer never parses: everything protocol is in session.c.
 */
#ifndef RTMP_NET_H
#define RTMP_NET_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netdb.h>
#include <sys/socket.h>

#include "session.h"

#define NET_MAX_SINGLE_IO (256u << 10) /* bytes per read or write call */
/* Direct output: pieces queued per connection (a bound the owner's byte
 * limit normally reaches first: 64K pieces of at least a chunk header). */
#define NET_OQ_MAX_PIECES 65536
#define NET_OQ_KEEP	  16 /* pieces kept allocated by an idle queue */
#define NET_OQ_INLINE	  16 /* bytes a piece holds without allocating */

struct net_conn;

/* Called once the bytes of a net_conn_send_ref piece are no longer needed
 * (written, or the connection freed). */
typedef void (*net_release_fn)(const void *data, size_t len, void *ref);

enum { NET_PIECE_REF, NET_PIECE_OWNED, NET_PIECE_INLINE };

/* One queued piece of direct output (see net_conn_direct). */
struct net_piece {
	const uint8_t *p; /* NULL: the bytes are in u.inl */
	uint32_t len;
	uint8_t kind; /* NET_PIECE_REF, _OWNED (p is malloc'ed), _INLINE */
	union {
		struct {
			net_release_fn fn;
			void *ref;
		} r;
		uint8_t inl[NET_OQ_INLINE];
	} u;
};

struct net_conn_ops {
	/* Client: TCP connected (the handshake starts). Optional. */
	void (*on_connect)(struct net_conn *c, void *arg);
	/* Every session event. */
	void (*on_event)(struct net_conn *c, struct sess_event *ev, void *arg);
	/*
	 * The connection is finished: code is an RK_EXIT_* class (3 connection
	 * failed or lost, 4 protocol error, 6 timeout) and why a one-line
	 * reason. The connection is freed right after this returns.
	 */
	void (*on_close)(struct net_conn *c, int code, const char *why,
			 void *arg);
	/* Output fell to the low watermark (see net_conn_set_drain). */
	void (*on_drain)(struct net_conn *c, void *arg);
	/* Raw bytes as read, before parsing (rtmpprobe -v). Optional. */
	void (*on_raw)(struct net_conn *c, const uint8_t *p, size_t n,
		       void *arg);
	/* Bytes as they are handed to the socket, after the session queued
	 * them (rtmpprobe logs what it sends). Optional. */
	void (*on_send)(struct net_conn *c, const uint8_t *p, size_t n,
			void *arg);
};

struct net_conn {
	/*
	 * Direct I/O (net_conn_direct), first: a fan-out over thousands of
	 * connections touches only these lines. Output is a ring of pieces
	 * written with writev by the owner's net_conn_write, or by wev once
	 * the socket was full; the bufferevent then only holds the socket.
	 */
	uint8_t direct;
	uint8_t closing;		/* no more input is handled */
	uint8_t finished;		/* on_close delivered (or suppressed) */
	uint8_t wev_added;		/* wev is waiting for room */
	evutil_socket_t fd;		/* the socket (direct mode) */
	int werr;			/* a write failed: reported from wev */
	uint32_t oq_head, oq_n, oq_cap; /* cap: 0 or a power of two */
	uint32_t oq_off;		/* bytes of the head piece written */
	size_t oq_bytes;		/* queued, not yet written */
	struct net_piece *oq;
	struct event *wev;	  /* EV_WRITE, added only while full */
	struct event *rev;	  /* direct input: read into a shared buffer */
	uint32_t send_timeout_ms; /* no progress while full: close */

	struct event_base *base;
	struct bufferevent *bev;
	struct sess sess;
	const struct net_conn_ops *ops;
	void *arg;
	char peer[64];	   /* "addr:port" for logs */
	uint64_t bytes_in; /* from the socket */
	size_t raw_seen;   /* input bytes already given to on_raw */
	int in_cb;	   /* inside a callback: defer the free */
	int flush_close;   /* close once output is written */
	struct event *deadline;
	int deadline_code;
	char deadline_why[96];
	size_t drain_below; /* on_drain threshold, 0 = off */
	void *tls_ctx;	    /* SSL_CTX when the connection is TLS */
	int tls_insecure;
	char tls_host[256];	  /* client: SNI and certificate name */
	struct addrinfo *ai_list; /* client: addresses, until connected */
	struct addrinfo *ai_next; /* the next one to try when one fails */
};

/* Server side: take over an accepted socket. */
struct net_conn *net_conn_accept(struct event_base *base, evutil_socket_t fd,
				 const struct sockaddr *sa, int salen,
				 const struct sess_config *cfg,
				 const struct net_conn_ops *ops, void *arg);

/*
 * Client side: resolve host (blocking getaddrinfo; numeric hosts resolve at
 * once), connect without blocking, trying each address in turn ("localhost"
 * is ::1 then 127.0.0.1, and many servers listen on IPv4 only), fail with
 * on_close(RK_EXIT_CONNECT) when no address answers within timeout_ms
 * (0 = none). Returns NULL with a message in err when resolution fails.
 */
struct net_conn *net_conn_dial(struct event_base *base, const char *host,
			       uint16_t port, int timeout_ms,
			       const struct sess_config *cfg,
			       const struct net_conn_ops *ops, void *arg,
			       char *err, size_t errlen);

/* Server side over TLS (tls.h): the handshake runs before the RTMP one. */
struct net_conn *net_conn_accept_tls(struct event_base *base,
				     evutil_socket_t fd,
				     const struct sockaddr *sa, int salen,
				     const struct sess_config *cfg,
				     const struct net_conn_ops *ops, void *arg,
				     void *tls_ctx);

struct net_dial_opts {
	int timeout_ms;	  /* 0 = none */
	void *tls_ctx;	  /* tls_client_ctx_new(); NULL for plain TCP */
	int tls_insecure; /* skip the certificate's host name check */
};

/*
 * Like net_conn_dial, optionally over TLS: SNI and the certificate are
 * checked against host. A failed TLS handshake (bad certificate...) ends
 * with on_close(RK_EXIT_PROTOCOL, "certificate verify failed: ...").
 */
struct net_conn *net_conn_dial_opts(struct event_base *base, const char *host,
				    uint16_t port,
				    const struct net_dial_opts *o,
				    const struct sess_config *cfg,
				    const struct net_conn_ops *ops, void *arg,
				    char *err, size_t errlen);

/* Move the session's pending output to the socket (in direct mode: queue
 * it and write at once). */
int net_conn_flush(struct net_conn *c);

/*
 * Direct I/O, for plain TCP (rtmpd's connections and the clients'): input
 * is read into one buffer shared by every connection and fed to the
 * session at once, without libevent's input buffer (and its FIONREAD per
 * read). Output pieces are queued by reference, in order with the session's own
 * output, and written with one writev per net_conn_write, without
 * libevent's output buffer; the socket is watched for writability only
 * after the kernel refused bytes. Needs SIGPIPE ignored, as libevent's
 * output does. Plain TCP only: returns -1 on a TLS
 * connection (or when the bufferevent read bytes already), which keeps
 * buffered I/O (where net_conn_send_ref and net_conn_send go to the
 * bufferevent, and net_conn_write does nothing).
 */
int net_conn_direct(struct net_conn *c);
/* Queue n bytes at p, owned by the caller until release(p, n, ref) is
 * called. The session's own output is not flushed first: call
 * net_conn_flush after queuing any (see net_conn_flush). -1 (nothing queued, release not called) when the connection is
 * closing or over NET_OQ_MAX_PIECES. */
int net_conn_send_ref(struct net_conn *c, const uint8_t *p, size_t n,
		      net_release_fn release, void *ref);
/* Bytes queued by the two calls below, not yet written (net_conn_pending
 * without the session's output, and without touching the session). */
size_t net_conn_queued(const struct net_conn *c);
/* Cache hints for loops over many connections: the direct I/O fields, and
 * (once those are in cache) where the next piece will go. */
static inline void
net_conn_prefetch(const struct net_conn *c)
{
	__builtin_prefetch(c);
}

static inline void
net_conn_prefetch_tail(const struct net_conn *c)
{
	if (c->oq_cap)
		__builtin_prefetch(
		    &c->oq[(c->oq_head + c->oq_n) & (c->oq_cap - 1)], 1);
}

/* Queue a copy of n bytes. */
int net_conn_send(struct net_conn *c, const uint8_t *p, size_t n);
/* Write what is queued now (direct mode), unless the socket is known to
 * be full. Safe to call from the owner's loops over many connections: a
 * failure is reported later, from the event loop, never from here. */
void net_conn_write(struct net_conn *c);
/* Close with on_close(RK_EXIT_TIMEOUT, "send timeout") when queued output
 * makes no progress for ms (0 = never). */
void net_conn_set_send_timeout(struct net_conn *c, uint32_t ms);
/* Close with on_close(RK_EXIT_TIMEOUT, "receive timeout") when nothing is
 * read for ms (0 = never). */
void net_conn_set_recv_timeout(struct net_conn *c, uint32_t ms);
/* CLOCK_MONOTONIC µs when the input being handled was read: every event
 * of one read shares it (one clock read per read, not per message). */
uint64_t net_read_time_us(void);
/* Bytes of the session's output the kernel has taken. */
uint64_t net_conn_written(const struct net_conn *c);
/* Bytes queued for the socket (output queue + session output). */
size_t net_conn_pending(const struct net_conn *c);
/* Call on_drain when pending output falls to below bytes (0 = off). */
void net_conn_set_drain(struct net_conn *c, size_t below);
/*
 * Arm (or re-arm) a deadline: when it fires, the connection closes with
 * on_close(code, why). ms 0 disarms.
 */
void net_conn_deadline(struct net_conn *c, int ms, int code, const char *why);
/* Close now: no on_close callback; freed at once or after the callback in
 * progress returns. */
void net_conn_close(struct net_conn *c);
/* Close after the queued output is written (a refusal the peer should
 * read): send FIN, discard input until the peer closes too (no RST that
 * could destroy what we sent), or after NET_FLUSH_TIMEOUT_MS; then
 * on_close(0, "closed"). */
#define NET_FLUSH_TIMEOUT_MS 2000
void net_conn_close_after_flush(struct net_conn *c);

/*
 * Listening sockets. spec is "[addr]:port", "addr:port", ":port" or
 * "port" (IPv6 literals in brackets). Returns a non-blocking listening
 * socket or -1 with a message in err.
 */
int net_listen(const char *spec, uint16_t default_port, int backlog, char *err,
	       size_t errlen);

/* "addr:port" / "[addr]:port" of a socket address. */
void net_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#endif
