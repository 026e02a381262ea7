#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cli.h"
#include "net.h"
#include "tls.h"

static void conn_free(struct net_conn *c);
static uint64_t net_read_us; /* when the bytes being fed were read */
static int oq_push(struct net_conn *c, const uint8_t *p, size_t n,
		   net_release_fn fn, void *ref);
static int out_empty(const struct net_conn *c);
static void linger(struct net_conn *c);
static void rev_cb(evutil_socket_t fd, short what, void *arg);

/* libevent caps one read or write at 16 KB by default, which splits a
 * batch of queued messages into several syscalls; the kernel's socket
 * buffer is the real bound. */
static void
bev_tune(struct bufferevent *bev)
{
	bufferevent_set_max_single_write(bev, NET_MAX_SINGLE_IO);
	bufferevent_set_max_single_read(bev, NET_MAX_SINGLE_IO);
}

static void
conn_finish(struct net_conn *c, int code, const char *why)
{
	if (c->finished)
		return;
	c->finished = 1;
	if (c->closing && !c->flush_close) {
		/* net_conn_close: the owner asked for silence. */
		if (c->in_cb == 0)
			conn_free(c);
		return;
	}
	c->closing = 1;
	if (c->ops->on_close) {
		c->in_cb++;
		c->ops->on_close(c, code, why, c->arg);
		c->in_cb--;
	}
	if (c->in_cb == 0)
		conn_free(c);
}

int
net_conn_flush(struct net_conn *c)
{
	const uint8_t *p;
	size_t n;

	if (c->closing && !c->flush_close)
		return 0;
	p = sess_output(&c->sess, &n);
	if (n == 0)
		return 0;
	if (c->ops->on_send)
		c->ops->on_send(c, p, n, c->arg);
	if (c->direct) {
		if (oq_push(c, p, n, NULL, NULL) != 0)
			return -1;
		sess_output_done(&c->sess, n);
		net_conn_write(c);
		return 0;
	}
	if (bufferevent_write(c->bev, p, n) != 0)
		return -1;
	sess_output_done(&c->sess, n);
	return 0;
}

size_t
net_conn_pending(const struct net_conn *c)
{
	size_t n;

	sess_output(&c->sess, &n);
	if (c->direct)
		return n + c->oq_bytes;
	return n + evbuffer_get_length(bufferevent_get_output(c->bev));
}

size_t
net_conn_queued(const struct net_conn *c)
{
	if (c->direct)
		return c->oq_bytes;
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* ---- direct output ----------------------------------------------------- */

static int
out_empty(const struct net_conn *c)
{
	if (c->direct)
		return c->oq_n == 0;
	return evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

static void
piece_done(struct net_piece *pc)
{
	if (pc->kind == NET_PIECE_REF)
		pc->u.r.fn(pc->p, pc->len, pc->u.r.ref);
	else if (pc->kind == NET_PIECE_OWNED)
		free((void *)pc->p);
}

/* A copy when fn is NULL. */
static int
oq_push(struct net_conn *c, const uint8_t *p, size_t n, net_release_fn fn,
	void *ref)
{
	struct net_piece *pc;

	/* An empty ref is still released, in order, like libevent does. */
	if (n == 0 && fn == NULL)
		return 0;
	if (n > UINT32_MAX || c->oq_n >= NET_OQ_MAX_PIECES)
		return -1;
	if (c->oq_n == c->oq_cap) {
		uint32_t ncap = c->oq_cap ? c->oq_cap * 2 : 8, i;
		struct net_piece *nq = malloc(ncap * sizeof(*nq));

		if (nq == NULL)
			return -1;
		for (i = 0; i < c->oq_n; i++)
			nq[i] = c->oq[(c->oq_head + i) & (c->oq_cap - 1)];
		free(c->oq);
		c->oq = nq;
		c->oq_cap = ncap;
		c->oq_head = 0;
	}
	pc = &c->oq[(c->oq_head + c->oq_n) & (c->oq_cap - 1)];
	pc->len = (uint32_t)n;
	if (fn) {
		pc->kind = NET_PIECE_REF;
		pc->p = p;
		pc->u.r.fn = fn;
		pc->u.r.ref = ref;
	} else if (n <= NET_OQ_INLINE) {
		pc->kind = NET_PIECE_INLINE;
		pc->p = NULL;
		memcpy(pc->u.inl, p, n);
	} else {
		uint8_t *copy = malloc(n);

		if (copy == NULL)
			return -1;
		memcpy(copy, p, n);
		pc->kind = NET_PIECE_OWNED;
		pc->p = copy;
	}
	c->oq_n++;
	c->oq_bytes += n;
	return 0;
}

/* Forget n written bytes from the head of the queue. */
static void
oq_consume(struct net_conn *c, size_t n)
{
	while (c->oq_n > 0) { /* n == 0 still releases empty pieces */
		struct net_piece *pc = &c->oq[c->oq_head];
		size_t left = pc->len - c->oq_off;

		if (n < left) {
			c->oq_off += (uint32_t)n;
			c->oq_bytes -= n;
			return;
		}
		n -= left;
		c->oq_bytes -= left;
		c->oq_off = 0;
		piece_done(pc);
		c->oq_head = (c->oq_head + 1) & (c->oq_cap - 1);
		c->oq_n--;
	}
	if (c->oq_n == 0 && c->oq_cap > NET_OQ_KEEP) {
		/* A join burst is over: do not keep its ring. */
		free(c->oq);
		c->oq = NULL;
		c->oq_cap = 0;
		c->oq_head = 0;
	}
}

static void
oq_free(struct net_conn *c)
{
	while (c->oq_n > 0) {
		piece_done(&c->oq[c->oq_head]);
		c->oq_head = (c->oq_head + 1) & (c->oq_cap - 1);
		c->oq_n--;
	}
	free(c->oq);
	c->oq = NULL;
	c->oq_cap = c->oq_bytes = 0;
}

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif
#define NET_IOV_BATCH (IOV_MAX < 256 ? IOV_MAX : 256)

/* One writev of the head of the queue: bytes written, 0 when the socket
 * is full, -1 (errno) on failure. */
static ssize_t
oq_send(struct net_conn *c, size_t *offered)
{
	struct iovec iov[NET_IOV_BATCH];
	size_t k = 0, total = 0;
	uint32_t i;
	ssize_t n;

	for (i = 0;
	     i < c->oq_n && k < NET_IOV_BATCH && total < NET_MAX_SINGLE_IO;
	     i++) {
		struct net_piece *pc =
		    &c->oq[(c->oq_head + i) & (c->oq_cap - 1)];
		const uint8_t *p =
		    pc->kind == NET_PIECE_INLINE ? pc->u.inl : pc->p;
		uint32_t off = i == 0 ? c->oq_off : 0;

		iov[k].iov_base = (void *)(p + off);
		iov[k].iov_len = pc->len - off;
		total += iov[k].iov_len;
		k++;
	}
	*offered = total;
	/* writev, as libevent's own output does (SIGPIPE is ignored by
	 * every tool), so that it counts as a write in /proc/PID/io. */
	do
		n = writev(c->fd, iov, (int)k);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	return n;
}

static void
wev_arm(struct net_conn *c)
{
	struct timeval tv;

	if (c->wev_added)
		return;
	tv.tv_sec = c->send_timeout_ms / 1000;
	tv.tv_usec = (c->send_timeout_ms % 1000) * 1000;
	event_add(c->wev, c->send_timeout_ms ? &tv : NULL);
	c->wev_added = 1;
}

static void
wev_disarm(struct net_conn *c)
{
	if (!c->wev_added)
		return;
	event_del(c->wev);
	c->wev_added = 0;
}

/* Write until the queue is empty or the socket full: 0, or -1 with errno
 * set when the connection failed. */
static int
oq_write(struct net_conn *c)
{
	while (c->oq_n > 0) {
		size_t offered;
		ssize_t n;

		if (c->oq_bytes == 0) {
			oq_consume(c, 0); /* only empty pieces left */
			break;
		}
		n = oq_send(c, &offered);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		oq_consume(c, (size_t)n);
		if ((size_t)n < offered && (size_t)n < NET_MAX_SINGLE_IO / 2)
			break; /* the kernel took less than offered: full */
	}
	if (c->oq_n > 0)
		wev_arm(c);
	else
		wev_disarm(c);
	return 0;
}

void
net_conn_write(struct net_conn *c)
{
	if (!c->direct || c->oq_n == 0 || c->werr || c->finished)
		return;
	if (c->wev_added)
		return; /* full: wev writes when there is room */
	if (oq_write(c) != 0) {
		/* Reported from the loop: the owner may be iterating over
		 * its connections right now. */
		c->werr = errno ? errno : EIO;
		wev_disarm(c);
		event_active(c->wev, EV_WRITE, 0);
		return;
	}
	if (c->flush_close && c->oq_n == 0 && c->in_cb == 0)
		linger(c);
	else if (c->drain_below && c->ops->on_drain && !c->wev_added)
		/* Written at once: on_drain still tells the owner, from the
		 * loop (it is likely to send more from there). */
		event_active(c->wev, EV_WRITE, 0);
}

static void write_cb(struct bufferevent *bev, void *arg);

static void
wev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_conn *c = arg;
	char why[128];

	if (c->finished)
		return;
	if (c->werr == 0 && (what & EV_TIMEOUT)) {
		c->wev_added = 0;
		if (c->flush_close)
			conn_finish(c, 0, "closed");
		else
			conn_finish(c, RK_EXIT_TIMEOUT, "send timeout");
		return;
	}
	if (c->werr == 0 && oq_write(c) != 0)
		c->werr = errno ? errno : EIO;
	if (c->werr) {
		wev_disarm(c);
		if (c->flush_close) {
			conn_finish(c, 0, "closed");
			return;
		}
		snprintf(why, sizeof(why), "%s",
			 evutil_socket_error_to_string(c->werr));
		conn_finish(c, RK_EXIT_CONNECT, why);
		return;
	}
	write_cb(c->bev, c);
}

int
net_conn_direct(struct net_conn *c)
{
	evutil_socket_t fd;

	if (c->tls_ctx || c->bev == NULL)
		return -1;
	if (c->direct)
		return 0;
	/* Bytes the bufferevent read already would be lost. */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		return -1;
	fd = bufferevent_getfd(c->bev);
	c->fd = fd; /* bufferevent_getfd takes a lock: not per write */
	c->wev = event_new(c->base, fd, EV_WRITE | EV_PERSIST, wev_cb, c);
	c->rev = event_new(c->base, fd, EV_READ | EV_PERSIST, rev_cb, c);
	if (c->wev == NULL || c->rev == NULL || event_add(c->rev, NULL) != 0) {
		if (c->wev)
			event_free(c->wev);
		if (c->rev)
			event_free(c->rev);
		c->wev = c->rev = NULL;
		return -1;
	}
	/* What the bufferevent still holds goes first. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		struct evbuffer *out = bufferevent_get_output(c->bev);
		size_t n = evbuffer_get_length(out);
		uint8_t *p = evbuffer_pullup(out, -1);

		if (p == NULL || oq_push(c, p, n, NULL, NULL) != 0) {
			event_free(c->wev);
			event_free(c->rev);
			c->wev = c->rev = NULL;
			return -1;
		}
		evbuffer_drain(out, n);
	}
	/* The bufferevent only holds the socket from now on. */
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	c->direct = 1;
	net_conn_write(c);
	return 0;
}

int
net_conn_send_ref(struct net_conn *c, const uint8_t *p, size_t n,
		  net_release_fn release, void *ref)
{
	if (c->closing)
		return -1;
	if (!c->direct)
		return evbuffer_add_reference(bufferevent_get_output(c->bev), p,
					      n, release, ref);
	return oq_push(c, p, n, release, ref);
}

int
net_conn_send(struct net_conn *c, const uint8_t *p, size_t n)
{
	if (c->closing)
		return -1;
	if (!c->direct)
		return bufferevent_write(c->bev, p, n);
	return oq_push(c, p, n, NULL, NULL);
}

void
net_conn_set_recv_timeout(struct net_conn *c, uint32_t ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (c->direct) {
		/* event_add without a timeout keeps the old one. */
		event_del(c->rev);
		event_add(c->rev, ms ? &tv : NULL);
		return;
	}
	bufferevent_set_timeouts(c->bev, ms ? &tv : NULL, NULL);
}

void
net_conn_set_send_timeout(struct net_conn *c, uint32_t ms)
{
	struct timeval tv;

	c->send_timeout_ms = ms;
	if (c->direct) {
		if (c->wev_added) {
			/* event_add without a timeout keeps the old one. */
			wev_disarm(c);
			wev_arm(c);
		}
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	bufferevent_set_timeouts(c->bev, NULL, ms ? &tv : NULL);
}

uint64_t
net_conn_written(const struct net_conn *c)
{
	/* bytes_out counts what left the session's own buffer. */
	if (c->direct)
		return c->sess.bytes_out - c->oq_bytes;
	return c->sess.bytes_out -
	       evbuffer_get_length(bufferevent_get_output(c->bev));
}

/*
 * Everything queued before net_conn_close_after_flush is written: send our
 * FIN and wait for the peer's (event_cb) or the flush deadline, reading
 * and discarding meanwhile.
 */
static void
linger(struct net_conn *c)
{
	shutdown(bufferevent_getfd(c->bev), SHUT_WR);
}

/*
 * One step of the session over p: the owner gets the event, then what the
 * session queued in answer is flushed. Bytes consumed, or -1 when the
 * input is invalid (the caller ends the connection with feed_fail).
 */
static ssize_t
feed_step(struct net_conn *c, const uint8_t *p, size_t len, int *err)
{
	struct sess_event ev;
	ssize_t n = sess_feed(&c->sess, p, len, &ev);

	/* No progress and no event would spin: the session never does
	 * that, but input is hostile and loops must end. */
	if (n < 0 || (n == 0 && ev.type == SESS_EV_NONE)) {
		*err = n < 0 ? (int)n : RTMP_ERR_MALFORMED;
		return -1;
	}
	c->bytes_in += (size_t)n;
	if (ev.type != SESS_EV_NONE && c->ops->on_event)
		c->ops->on_event(c, &ev, c->arg);
	if (!c->closing)
		net_conn_flush(c);
	return n;
}

/* The end of a callback that ran the owner's code (c->in_cb was raised):
 * free a connection finished meanwhile, or send the FIN of a lingering
 * close whose output is all written. */
static void
cb_done(struct net_conn *c)
{
	c->in_cb--;
	if (c->finished && c->in_cb == 0)
		conn_free(c);
	else if (c->flush_close && c->in_cb == 0 && out_empty(c))
		linger(c);
}

static void
feed_fail(struct net_conn *c, int err)
{
	char why[96];

	snprintf(why, sizeof(why), "protocol error: %s", rtmp_strerror(err));
	c->in_cb--;
	conn_finish(c, RK_EXIT_PROTOCOL, why);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct net_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	int err;

	if (c->flush_close) {
		/* Lingering close: discard what the peer still sends until it
		 * closes too. Closing with unread input sends a RST, and a RST
		 * can make the peer's kernel drop our last bytes unread. */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	net_read_us = clock_mono_us();
	c->in_cb++;
	while (!c->closing && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;
		ssize_t n;

		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			break;
		/* The session may consume part of what was peeked (it stops
		 * after each message): report every byte once. */
		if (c->ops->on_raw && v.iov_len > c->raw_seen)
			c->ops->on_raw(
			    c, (const uint8_t *)v.iov_base + c->raw_seen,
			    v.iov_len - c->raw_seen, c->arg);
		c->raw_seen = v.iov_len;
		if (c->closing)
			break;
		n = feed_step(c, v.iov_base, v.iov_len, &err);
		if (n < 0) {
			feed_fail(c, err);
			return;
		}
		c->raw_seen -= (size_t)n;
		evbuffer_drain(in, (size_t)n);
	}
	cb_done(c);
}

/* Direct input: every connection reads into this one buffer (the tools are
 * single-threaded, one event loop each) and the session consumes it all
 * before the callback returns, so no connection holds read bytes of its
 * own beyond what the chunk reader keeps of a partial message. */
static uint8_t net_rbuf[NET_MAX_SINGLE_IO];

uint64_t
net_read_time_us(void)
{
	return net_read_us;
}

static void
rev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_conn *c = arg;
	size_t off = 0;
	ssize_t n;
	int err;
	char why[128];

	if (c->finished)
		return;
	if (what & EV_TIMEOUT) {
		if (c->flush_close)
			conn_finish(c, 0, "closed");
		else
			conn_finish(c, RK_EXIT_TIMEOUT, "receive timeout");
		return;
	}
	do
		n = read(fd, net_rbuf, sizeof(net_rbuf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		if (c->flush_close)
			conn_finish(c, 0, "closed");
		else if (n == 0)
			conn_finish(c, RK_EXIT_CONNECT,
				    "connection closed by peer");
		else {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			conn_finish(c, RK_EXIT_CONNECT, why);
		}
		return;
	}
	if (c->flush_close)
		return; /* lingering close: discard (see read_cb) */
	net_read_us = clock_mono_us();
	c->in_cb++;
	if (c->ops->on_raw)
		c->ops->on_raw(c, net_rbuf, (size_t)n, c->arg);
	while (!c->closing && off < (size_t)n) {
		ssize_t r = feed_step(c, net_rbuf + off, (size_t)n - off, &err);

		if (r < 0) {
			feed_fail(c, err);
			return;
		}
		off += (size_t)r;
	}
	cb_done(c);
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct net_conn *c = arg;

	if (c->flush_close) {
		if (out_empty(c))
			linger(c);
		return;
	}
	if (c->drain_below && c->ops->on_drain &&
	    net_conn_pending(c) <= c->drain_below) {
		c->in_cb++;
		c->ops->on_drain(c, c->arg);
		cb_done(c);
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg);
static void tls_hs_event_cb(struct bufferevent *bev, short what, void *arg);

enum bev_kind { BEV_PLAIN, BEV_TLS_SERVER, BEV_TLS_CLIENT };

/*
 * A bufferevent for fd (-1: to connect later). A client dials in plain TCP
 * and starts TLS once connected (start_tls), so that a connect failure
 * (try the next address, exit 3) is never taken for a TLS one (the peer's
 * answer, exit 4). TLS bufferevents report to tls_hs_event_cb until their
 * handshake is done.
 */
static struct bufferevent *
make_bev(struct net_conn *c, evutil_socket_t fd, enum bev_kind kind)
{
	struct bufferevent *bev;

	if (kind == BEV_PLAIN)
		bev =
		    bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	else if (kind == BEV_TLS_SERVER)
		bev = tls_bev_server(c->base, c->tls_ctx, fd);
	else
		bev = tls_bev_client(c->base, c->tls_ctx, c->tls_host,
				     c->tls_insecure);
	if (bev == NULL)
		return NULL;
	bufferevent_setcb(bev, read_cb, write_cb,
			  kind == BEV_PLAIN ? event_cb : tls_hs_event_cb, c);
	bev_tune(bev);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (c->drain_below)
		bufferevent_setwatermark(bev, EV_WRITE, c->drain_below, 0);
	return bev;
}

/*
 * Connect to the next resolved address on a fresh bufferevent (the session's
 * C0+C1 are still in its own buffer: nothing is flushed before connecting).
 * 0 when a connect is under way, -1 when no address is left.
 */
static int
dial_next(struct net_conn *c)
{
	struct addrinfo *ai;

	while ((ai = c->ai_next) != NULL) {
		struct bufferevent *bev;

		c->ai_next = ai->ai_next;
		bev = make_bev(c, -1, BEV_PLAIN);
		if (bev == NULL)
			return -1;
		if (bufferevent_socket_connect(bev, ai->ai_addr,
					       (int)ai->ai_addrlen) == 0) {
			if (c->bev)
				bufferevent_free(c->bev);
			c->bev = bev;
			net_addr_str(ai->ai_addr, c->peer, sizeof(c->peer));
			return 0;
		}
		bufferevent_free(bev);
	}
	return -1;
}

/* The connection is up (TCP, and TLS when there is TLS): on_connect, then
 * send what the session queued. */
static void
connected(struct net_conn *c)
{
	/* Plain TCP: read and write without libevent's buffers. */
	if (c->tls_ctx == NULL)
		net_conn_direct(c);
	if (c->ops->on_connect) {
		c->in_cb++;
		c->ops->on_connect(c, c->arg);
		if (c->finished || c->closing) {
			cb_done(c);
			return;
		}
		c->in_cb--;
	}
	net_conn_flush(c);
}

/* A TLS dial: TCP connected, the TLS handshake starts on the same socket. */
static void
start_tls(struct net_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	struct bufferevent *bev = make_bev(c, -1, BEV_TLS_CLIENT);

	if (bev == NULL || bufferevent_setfd(bev, fd) != 0) {
		if (bev)
			bufferevent_free(bev);
		conn_finish(c, RK_EXIT_FAIL, "TLS setup failed");
		return;
	}
	/* The socket now belongs to the TLS bufferevent. */
	bufferevent_setfd(c->bev, -1);
	bufferevent_free(c->bev);
	c->bev = bev;
}

/* Until a TLS handshake is done: any failure is the peer's answer (a bad
 * certificate, a plain RTMP server that hangs up), not a reason to try
 * another address. */
static void
tls_hs_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct net_conn *c = arg;
	char why[192];

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_setcb(bev, read_cb, write_cb, event_cb, c);
		connected(c);
		return;
	}
	if (c->flush_close) {
		/* Closed by us meanwhile (rtmpd's shutdown). */
		conn_finish(c, 0, "closed");
		return;
	}
	tls_error(bev, why, sizeof(why));
	if (why[0] == '\0') {
		int e = EVUTIL_SOCKET_ERROR();

		snprintf(why, sizeof(why), "TLS handshake failed: %s",
			 (what & BEV_EVENT_EOF) ? "connection closed by peer"
			 : e ? evutil_socket_error_to_string(e)
			     : "socket error");
	}
	conn_finish(c, RK_EXIT_PROTOCOL, why);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct net_conn *c = arg;
	char why[192];

	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;

		if (c->ai_list) {
			freeaddrinfo(c->ai_list);
			c->ai_list = c->ai_next = NULL;
		}
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
			   &one, sizeof(one));
		if (c->tls_ctx)
			start_tls(c);
		else
			connected(c);
		return;
	}
	if (c->flush_close) {
		conn_finish(c, 0, "closed");
		return;
	}
	if (c->tls_ctx && (what & BEV_EVENT_ERROR)) {
		/* After the handshake: a TLS failure (bad record...). */
		tls_error(bev, why, sizeof(why));
		if (why[0]) {
			conn_finish(c, RK_EXIT_PROTOCOL, why);
			return;
		}
	}
	/* Still dialling (the list is freed once connected): next address. */
	if (c->ai_list && !c->closing && dial_next(c) == 0)
		return;
	if (what & BEV_EVENT_TIMEOUT) {
		/* Set by the owner with bufferevent_set_timeouts: no byte read
		 * (idle peer) or none written (a peer that stopped reading). */
		conn_finish(c, RK_EXIT_TIMEOUT,
			    (what & BEV_EVENT_WRITING) ? "send timeout"
						       : "receive timeout");
		return;
	}
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "connection closed by peer");
	else {
		int e = EVUTIL_SOCKET_ERROR();

		snprintf(why, sizeof(why), "%s",
			 e ? evutil_socket_error_to_string(e) : "socket error");
	}
	conn_finish(c, RK_EXIT_CONNECT, why);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_conn *c = arg;

	conn_finish(c, c->deadline_code, c->deadline_why);
}

void
net_conn_deadline(struct net_conn *c, int ms, int code, const char *why)
{
	struct timeval tv;

	if (c->deadline == NULL) {
		c->deadline = evtimer_new(c->base, deadline_cb, c);
		if (c->deadline == NULL)
			return;
	}
	evtimer_del(c->deadline);
	if (ms <= 0)
		return;
	c->deadline_code = code;
	snprintf(c->deadline_why, sizeof(c->deadline_why), "%s", why);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->deadline, &tv);
}

void
net_conn_set_drain(struct net_conn *c, size_t below)
{
	c->drain_below = below;
	bufferevent_setwatermark(c->bev, EV_WRITE, below, 0);
}

static struct net_conn *
conn_new(struct event_base *base, const struct sess_config *cfg,
	 const struct net_conn_ops *ops, void *arg)
{
	struct net_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->base = base;
	c->ops = ops;
	c->arg = arg;
	if (sess_init(&c->sess, cfg) != RTMP_OK) {
		free(c);
		return NULL;
	}
	return c;
}

struct net_conn *
net_conn_accept_tls(struct event_base *base, evutil_socket_t fd,
		    const struct sockaddr *sa, int salen,
		    const struct sess_config *cfg,
		    const struct net_conn_ops *ops, void *arg, void *tls_ctx)
{
	struct net_conn *c;
	int one = 1;

	evutil_make_socket_nonblocking(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = conn_new(base, cfg, ops, arg);
	if (c == NULL)
		return NULL;
	c->tls_ctx = tls_ctx;
	c->bev = make_bev(c, fd, tls_ctx ? BEV_TLS_SERVER : BEV_PLAIN);
	if (c->bev == NULL) {
		/* The caller still owns fd. */
		sess_free(&c->sess);
		free(c);
		return NULL;
	}
	if (sa)
		net_addr_str(sa, c->peer, sizeof(c->peer));
	(void)salen;
	return c;
}

struct net_conn *
net_conn_accept(struct event_base *base, evutil_socket_t fd,
		const struct sockaddr *sa, int salen,
		const struct sess_config *cfg, const struct net_conn_ops *ops,
		void *arg)
{
	return net_conn_accept_tls(base, fd, sa, salen, cfg, ops, arg, NULL);
}

struct net_conn *
net_conn_dial(struct event_base *base, const char *host, uint16_t port,
	      int timeout_ms, const struct sess_config *cfg,
	      const struct net_conn_ops *ops, void *arg, char *err,
	      size_t errlen)
{
	struct net_dial_opts o;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	return net_conn_dial_opts(base, host, port, &o, cfg, ops, arg, err,
				  errlen);
}

struct net_conn *
net_conn_dial_opts(struct event_base *base, const char *host, uint16_t port,
		   const struct net_dial_opts *o, const struct sess_config *cfg,
		   const struct net_conn_ops *ops, void *arg, char *err,
		   size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	struct net_conn *c;
	char portstr[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* No AI_ADDRCONFIG: it hides ::1 on hosts whose only IPv6 address
	 * is loopback, exactly where tests run. */
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host,
			 gai_strerror(rc));
		return NULL;
	}
	c = conn_new(base, cfg, ops, arg);
	if (c == NULL) {
		freeaddrinfo(res);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->tls_ctx = o->tls_ctx;
	c->tls_insecure = o->tls_insecure;
	snprintf(c->tls_host, sizeof(c->tls_host), "%s", host);
	c->ai_list = res;
	c->ai_next = res;
	if (dial_next(c) != 0) {
		int e = EVUTIL_SOCKET_ERROR();

		net_addr_str(res->ai_addr, c->peer, sizeof(c->peer));
		snprintf(err, errlen, "cannot connect to %s: %s", c->peer,
			 c->tls_ctx && c->bev == NULL ? "TLS setup failed"
			 : e ? evutil_socket_error_to_string(e)
			     : "error");
		conn_free(c);
		return NULL;
	}
	if (o->timeout_ms > 0)
		net_conn_deadline(c, o->timeout_ms, RK_EXIT_CONNECT,
				  "TCP connect timed out");
	return c;
}

static void
conn_free(struct net_conn *c)
{
	if (c->deadline)
		event_free(c->deadline);
	if (c->wev)
		event_free(c->wev);
	if (c->rev)
		event_free(c->rev);
	oq_free(c);
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->ai_list)
		freeaddrinfo(c->ai_list);
	sess_free(&c->sess);
	free(c);
}

void
net_conn_close(struct net_conn *c)
{
	if (c->finished)
		return;
	c->closing = 1;
	c->flush_close = 0;
	c->finished = 1;
	if (c->in_cb == 0)
		conn_free(c);
}

void
net_conn_close_after_flush(struct net_conn *c)
{
	if (c->closing || c->finished)
		return;
	net_conn_flush(c);
	c->flush_close = 1;
	c->closing = 1;
	/* Reading goes on (see linger). A peer that never reads or never
	 * closes must not keep us: give up after a while. */
	if (!c->direct)
		bufferevent_enable(c->bev, EV_READ);
	net_conn_deadline(c, NET_FLUSH_TIMEOUT_MS, 0, "closed");
	if (out_empty(c))
		linger(c);
	else
		net_conn_write(c);
}

void
net_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, len, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		snprintf(buf, len, "unknown");
	}
}

int
net_listen(const char *spec, uint16_t default_port, int backlog, char *err,
	   size_t errlen)
{
	char host[256] = "";
	const char *portp = NULL, *colon;
	struct addrinfo hints, *res = NULL;
	unsigned long port = default_port;
	char portstr[8], *end;
	int fd, one = 1, rc;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (rb == NULL || (size_t)(rb - spec - 1) >= sizeof(host)) {
			snprintf(err, errlen, "bad listen address '%s'", spec);
			return -1;
		}
		memcpy(host, spec + 1, (size_t)(rb - spec - 1));
		if (rb[1] == ':')
			portp = rb + 2;
		else if (rb[1] != '\0') {
			snprintf(err, errlen, "bad listen address '%s'", spec);
			return -1;
		}
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		if ((size_t)(colon - spec) >= sizeof(host)) {
			snprintf(err, errlen, "bad listen address '%s'", spec);
			return -1;
		}
		memcpy(host, spec, (size_t)(colon - spec));
		portp = colon + 1;
	} else if (spec[0] >= '0' && spec[0] <= '9' &&
		   strspn(spec, "0123456789") == strlen(spec)) {
		portp = spec;
	} else {
		snprintf(host, sizeof(host), "%s", spec);
	}
	if (portp) {
		port = strtoul(portp, &end, 10);
		if (*portp == '\0' || *end != '\0' || port > 65535) {
			snprintf(err, errlen, "bad port in listen address '%s'",
				 spec);
			return -1;
		}
	}
	/* No address means every IPv4 address, as nginx-rtmp's "listen 1935"
	 * does; "[::]:1935" asks for IPv6. */
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "0.0.0.0");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%lu", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve listen address '%s': %s",
			 spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
		    res->ai_protocol);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, backlog) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec,
			 strerror(errno));
		close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	evutil_make_socket_nonblocking(fd);
	return fd;
}
