/*
 * Direct output (net.h, net_conn_direct): pieces queued by reference or by
 * copy reach the peer byte-exact and in queue order, each release is called
 * once and only after its bytes were written, the socket is watched only
 * once the kernel refused bytes, and a send timeout, a vanished peer, a
 * close and a lingering close all end the queue cleanly; on_drain and the
 * receive timeout of a direct connection too. Driven over a socketpair:
 * nothing here speaks RTMP, the session only supplies output.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "net.h"
#include "tap.h"

#define PIECE	 (32u << 10)
#define NPIECES	 200
#define BIG	 ((size_t)NPIECES * PIECE)
#define MAX_REFS 512
#define SLACK	 65536 /* room in want/got for small pieces around BIG */

static struct event_base *evb;
static uint8_t *src;  /* BIG bytes of pattern, shared by the refs */
static uint8_t *want; /* what the peer must read, in order */
static uint8_t *got;  /* what it did read */
static size_t want_len;

/* ---- releases ---------------------------------------------------------- */

struct ref {
	const uint8_t *p;
	size_t len;
	size_t end; /* stream offset just past these bytes */
	int calls;
	int bad;   /* released with other arguments than queued with */
	int early; /* released before its bytes reached the peer */
};

static struct ref refs[MAX_REFS];
static size_t nrefs;

/* While watch_fd >= 0, a release must find its bytes already read by the
 * test or waiting in the peer's receive queue. */
static int watch_fd = -1;
static size_t peer_got; /* bytes the test read from the peer */

static void
ref_release(const void *data, size_t len, void *arg)
{
	struct ref *r = arg;
	int inq = 0;

	r->calls++;
	if (data != r->p || len != r->len)
		r->bad++;
	if (watch_fd >= 0 && (ioctl(watch_fd, FIONREAD, &inq) != 0 ||
			      peer_got + (size_t)inq < r->end))
		r->early++;
}

static void
count_release(const void *data, size_t len, void *arg)
{
	(*(int *)arg)++;
}

static void
expect(const uint8_t *p, size_t n)
{
	if (want_len + n > BIG + SLACK)
		abort();
	memcpy(want + want_len, p, n);
	want_len += n;
}

static int
queue_ref(struct net_conn *c, const uint8_t *p, size_t n)
{
	struct ref *r;

	if (nrefs == MAX_REFS)
		abort();
	r = &refs[nrefs++];
	r->p = p;
	r->len = n;
	r->end = want_len + n;
	expect(p, n);
	return net_conn_send_ref(c, p, n, ref_release, r);
}

static int
queue_copy(struct net_conn *c, const uint8_t *p, size_t n)
{
	expect(p, n);
	return net_conn_send(c, p, n);
}

/* Refs released other than exactly once with the queued arguments, or
 * before they were written. */
static size_t
refs_wrong(void)
{
	size_t i, n = 0;

	for (i = 0; i < nrefs; i++)
		if (refs[i].calls != 1 || refs[i].bad || refs[i].early)
			n++;
	return n;
}

/* Refs released more than once, with other arguments, or early. */
static size_t
refs_misused(void)
{
	size_t i, n = 0;

	for (i = 0; i < nrefs; i++)
		if (refs[i].calls > 1 || refs[i].bad || refs[i].early)
			n++;
	return n;
}

static size_t
refs_called(void)
{
	size_t i, n = 0;

	for (i = 0; i < nrefs; i++)
		n += refs[i].calls > 0;
	return n;
}

/* ---- connection -------------------------------------------------------- */

static struct {
	int calls;
	int code;
	char why[128];
	uint64_t at;
} cl;

static void
on_close(struct net_conn *c, int code, const char *why, void *arg)
{
	cl.calls++;
	cl.code = code;
	snprintf(cl.why, sizeof(cl.why), "%s", why ? why : "");
	cl.at = clock_mono_ms();
	event_base_loopbreak(evb);
}

static struct {
	int calls;
	size_t worst; /* the most pending at an on_drain */
} dr;

static void
on_drain(struct net_conn *c, void *arg)
{
	size_t n = net_conn_pending(c);

	dr.calls++;
	if (n > dr.worst)
		dr.worst = n;
}

static const struct net_conn_ops ops = {
    .on_close = on_close,
    .on_drain = on_drain,
};

static void
reset(void)
{
	memset(refs, 0, sizeof(refs));
	nrefs = 0;
	want_len = 0;
	peer_got = 0;
	watch_fd = -1;
	memset(&cl, 0, sizeof(cl));
	memset(&dr, 0, sizeof(dr));
}

/*
 * An accepted server connection in direct mode on one end of a socketpair;
 * the other end, non-blocking, in *peer. small: shrink the buffers so that
 * a few hundred KB fill the socket.
 */
static struct net_conn *
open_conn(const char *name, int *peer, int small)
{
	struct sess_config cfg;
	struct net_conn *c;
	int sv[2], sz = 16384;

	reset();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	if (small) {
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	evutil_make_socket_nonblocking(sv[0]);
	evutil_make_socket_nonblocking(sv[1]);
	memset(&cfg, 0, sizeof(cfg));
	cfg.role = SESS_SERVER;
	c = net_conn_accept(evb, sv[0], NULL, 0, &cfg, &ops, NULL);
	if (c == NULL)
		abort();
	*peer = sv[1];
	if (name)
		is_int(net_conn_direct(c), 0,
		       "%s: direct mode on a plain socket", name);
	return c;
}

/* Read the peer while running the loop (never net_conn_write) until n
 * bytes arrived, EOF, or ms passed. */
static size_t
pump(int peer, size_t n, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;
	struct pollfd pfd = {.fd = peer, .events = POLLIN};

	while (peer_got < n && clock_mono_ms() < end) {
		ssize_t r = read(peer, got + peer_got, n - peer_got);

		if (r > 0)
			peer_got += (size_t)r;
		else if (r == 0 || (errno != EAGAIN && errno != EINTR))
			break;
		event_base_loop(evb, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		if (r < 0)
			poll(&pfd, 1, 2); /* nothing yet: do not spin */
	}
	return peer_got;
}

/* 1 at EOF, 0 on timeout, -1 when more bytes came. */
static int
wait_eof(int peer, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;
	struct pollfd pfd = {.fd = peer, .events = POLLIN};
	uint8_t b[256];

	while (clock_mono_ms() < end) {
		ssize_t r = read(peer, b, sizeof(b));

		if (r == 0)
			return 1;
		if (r > 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		event_base_loop(evb, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		poll(&pfd, 1, 2);
	}
	return 0;
}

static void
guard_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(evb);
}

/* Run the loop until on_close (which breaks it) or ms. */
static void
run_until_closed(int ms)
{
	struct event *guard = evtimer_new(evb, guard_cb, NULL);
	struct timeval tv;

	if (guard == NULL)
		abort();
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(guard, &tv);
	event_base_dispatch(evb);
	event_free(guard);
}

static int
got_all(void)
{
	return peer_got == want_len && memcmp(got, want, want_len) == 0;
}

/* Queue count pieces of PIECE bytes of src by reference. */
static void
queue_big(struct net_conn *c, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (queue_ref(c, src + i * PIECE, PIECE) != 0)
			abort();
}

/* ---- cases ------------------------------------------------------------- */

/* Bytes the bufferevent holds when direct mode starts go first. */
static void
test_switch(void)
{
	static const uint8_t post[] = "post";
	struct net_conn *c;
	int peer;

	c = open_conn(NULL, &peer, 0);
	is_int(queue_copy(c, (const uint8_t *)"pre-", 4), 0,
	       "switch: buffered send before direct mode");
	is_int(queue_ref(c, (const uint8_t *)"ref-", 4), 0,
	       "switch: buffered ref before direct mode");
	is_int(net_conn_pending(c), 8, "switch: buffered bytes are pending");
	is_int(net_conn_direct(c), 0, "switch: direct mode on a plain socket");
	is_int(net_conn_direct(c), 0, "switch: direct mode twice is harmless");
	ok(c->direct, "switch: direct flag set");
	is_int(queue_ref(c, post, 4), 0, "switch: ref after direct mode");
	net_conn_write(c);
	is_int(net_conn_pending(c), 0, "switch: all written");
	pump(peer, want_len, 1000);
	ok(got_all(), "switch: buffered bytes before direct ones");
	is_int(refs_wrong(), 0, "switch: both releases called once");
	net_conn_close(c);
	close(peer);
}

/* Cases 1 and 2: order, inline and owned copies, releases after writing. */
static void
test_order(void)
{
	static const uint8_t hello[] = "hello";
	uint8_t s16[16], s17[17], s3000[3000], one = 'x';
	const uint8_t *r1000 = src + 12345;
	struct net_conn *c;
	size_t total;
	int peer, rc = 0;

	c = open_conn("order", &peer, 0);
	watch_fd = peer;
	memset(s16, 'a', sizeof(s16));
	memset(s17, 'b', sizeof(s17));
	memcpy(s3000, src + 777, sizeof(s3000));

	rc |= queue_ref(c, hello, 5);
	rc |= queue_copy(c, s16, sizeof(s16));
	ok(c->oq_n == 2 && c->oq[1].kind == NET_PIECE_INLINE,
	   "order: a 16-byte copy is stored inline");
	rc |= queue_copy(c, s17, sizeof(s17));
	ok(c->oq_n == 3 && c->oq[2].kind == NET_PIECE_OWNED,
	   "order: a 17-byte copy is allocated");
	rc |= queue_ref(c, r1000, 1000);
	rc |= queue_copy(c, s3000, sizeof(s3000));
	rc |= queue_ref(c, &one, 1);
	rc |= queue_copy(c, &one, 1);
	is_int(rc, 0, "order: every piece queued");
	/* Copies must not depend on the caller's buffer. */
	memset(s16, 0, sizeof(s16));
	memset(s17, 0, sizeof(s17));
	memset(s3000, 0, sizeof(s3000));
	total = 5 + 16 + 17 + 1000 + 3000 + 1 + 1;
	is_int(want_len, total, "order: expected stream size");
	is_int(net_conn_pending(c), total, "order: pending counts the queue");
	is_int(refs_called(), 0, "order: no release before the write");
	ok(!c->wev_added, "order: socket not watched before a write");

	net_conn_write(c);
	is_int(net_conn_pending(c), 0, "order: one write sends everything");
	ok(!c->wev_added, "order: socket not watched when all fit");
	is_int(refs_called(), nrefs, "order: every release after the write");
	is_int(refs_wrong(), 0,
	       "order: releases once, same arguments, after writing");
	pump(peer, want_len, 1000);
	ok(got_all(), "order: peer reads the pieces byte-exact in order");
	net_conn_write(c); /* nothing queued: a no-op */
	is_int(refs_wrong(), 0, "order: an empty write releases nothing");
	net_conn_close(c);
	is_int(refs_wrong(), 0,
	       "order: close after the write releases nothing");
	close(peer);
}

/* Case 3: the socket fills; the write event finishes the job alone. */
static void
test_backpressure(void)
{
	struct net_conn *c;
	size_t i, written, early = 0;
	int peer;

	c = open_conn("backpressure", &peer, 1);
	watch_fd = peer;
	queue_big(c, NPIECES);
	is_int(net_conn_pending(c), BIG, "backpressure: pending before write");
	is_int(refs_called(), 0, "backpressure: no release before write");

	net_conn_write(c);
	written = BIG - net_conn_pending(c);
	ok(net_conn_pending(c) > 0 && written < BIG,
	   "backpressure: the kernel refused part (%zu of %zu written)",
	   written, BIG);
	ok(c->wev_added, "backpressure: socket watched once full");
	for (i = 0; i < nrefs; i++)
		if (refs[i].calls != (refs[i].end <= written))
			early++;
	is_int(early, 0, "backpressure: released exactly the written pieces");
	is_int(refs_misused(), 0,
	       "backpressure: released pieces were on the wire");

	pump(peer, want_len, 2000);
	is_int(peer_got, want_len, "backpressure: every byte arrived");
	ok(got_all(), "backpressure: bytes exact and in order");
	is_int(refs_wrong(), 0,
	       "backpressure: every release once, after writing");
	is_int(net_conn_pending(c), 0, "backpressure: nothing pending");
	ok(!c->wev_added, "backpressure: socket no longer watched");
	ok(c->oq == NULL && c->oq_cap == 0,
	   "backpressure: the burst's ring is not kept");
	is_int(cl.calls, 0, "backpressure: no on_close");
	net_conn_close(c);
	close(peer);
}

/* Case 4: a full socket that never drains closes after the timeout. */
static void
test_send_timeout(int set_after)
{
	const char *name = set_after ? "timeout set while full" : "timeout";
	struct net_conn *c;
	uint64_t t0, dt;
	int peer;

	c = open_conn(name, &peer, 1);
	if (!set_after)
		net_conn_set_send_timeout(c, 200);
	queue_big(c, 64);
	net_conn_write(c);
	ok(c->wev_added && net_conn_pending(c) > 0, "%s: socket full", name);
	if (set_after)
		net_conn_set_send_timeout(c, 200);
	t0 = clock_mono_ms();
	run_until_closed(3000);
	dt = cl.at - t0;
	is_int(cl.calls, 1, "%s: on_close once", name);
	is_int(cl.code, RK_EXIT_TIMEOUT, "%s: code RK_EXIT_TIMEOUT", name);
	ok(strcmp(cl.why, "send timeout") == 0, "%s: why '%s'", name, cl.why);
	ok(cl.calls && dt >= 150 && dt <= 1500, "%s: after %llu ms", name,
	   (unsigned long long)(cl.calls ? dt : 0));
	is_int(refs_wrong(), 0, "%s: every release once by the free", name);
	close(peer);
}

/* Case 5: the peer is gone before anything was written. */
static void
test_peer_gone(void)
{
	static const uint8_t small[20] = "twenty bytes copied";
	struct net_conn *c;
	int peer, rc = 0;

	c = open_conn("peer gone", &peer, 0);
	close(peer);
	rc |= queue_ref(c, src, 100);
	rc |= queue_copy(c, small, sizeof(small));
	rc |= queue_ref(c, src + PIECE, PIECE);
	is_int(rc, 0, "peer gone: pieces queued");
	net_conn_write(c);
	is_int(cl.calls, 0, "peer gone: no on_close from net_conn_write");
	if (cl.calls == 0) /* else c is freed */
		net_conn_write(c);
	is_int(cl.calls, 0, "peer gone: nor from a second write");
	run_until_closed(1000);
	is_int(cl.calls, 1, "peer gone: on_close from the loop");
	is_int(cl.code, RK_EXIT_CONNECT, "peer gone: code RK_EXIT_CONNECT");
	ok(cl.why[0] != '\0', "peer gone: why '%s'", cl.why);
	is_int(refs_wrong(), 0, "peer gone: every release once");
}

/* Case 5, variant: the peer goes away while the socket is full. */
static void
test_peer_gone_full(void)
{
	struct net_conn *c;
	int peer;

	c = open_conn("peer gone full", &peer, 1);
	queue_big(c, 32);
	net_conn_write(c);
	ok(c->wev_added, "peer gone full: socket full");
	close(peer);
	run_until_closed(1000);
	is_int(cl.calls, 1, "peer gone full: on_close once");
	is_int(cl.code, RK_EXIT_CONNECT, "peer gone full: code %d",
	       RK_EXIT_CONNECT);
	ok(cl.why[0] != '\0', "peer gone full: why '%s'", cl.why);
	is_int(refs_wrong(), 0, "peer gone full: every release once");
}

/* Case 6: net_conn_close releases what is still queued. */
static void
test_close_queued(void)
{
	struct net_conn *c;
	size_t before;
	int peer;

	c = open_conn("close", &peer, 1);
	queue_big(c, 40);
	queue_copy(c, src, 1000);
	queue_ref(c, src + 5, 7);
	net_conn_write(c);
	before = refs_called();
	ok(before < nrefs, "close: refs still queued (%zu of %zu released)",
	   before, nrefs);
	net_conn_close(c);
	is_int(refs_wrong(), 0, "close: every release once");
	is_int(cl.calls, 0, "close: no on_close");
	close(peer);
}

/* Case 7: NET_OQ_MAX_PIECES pieces, and not one more. */
static void
test_limits(void)
{
	static const uint8_t bytes[64];
	struct net_conn *c;
	int peer, released = 0, extra = 0;
	size_t i, fails = 0;

	c = open_conn("limits", &peer, 0);
	for (i = 0; i < NET_OQ_MAX_PIECES; i++)
		if (net_conn_send_ref(c, bytes + i % sizeof(bytes), 1,
				      count_release, &released) != 0)
			fails++;
	is_int(fails, 0, "limits: %d pieces queued", NET_OQ_MAX_PIECES);
	is_int(net_conn_pending(c), NET_OQ_MAX_PIECES, "limits: pending");
	is_int(net_conn_send_ref(c, bytes, 1, count_release, &extra), -1,
	       "limits: one ref more fails");
	is_int(net_conn_send(c, bytes, 1), -1, "limits: an inline copy fails");
	is_int(net_conn_send(c, src, 100), -1, "limits: a copy fails");
	is_int(extra, 0, "limits: the refused ref is not released");
	is_int(released, 0, "limits: nothing released yet");
	is_int(net_conn_pending(c), NET_OQ_MAX_PIECES,
	       "limits: refused pieces are not counted");
	net_conn_close(c);
	is_int(released, NET_OQ_MAX_PIECES, "limits: close releases them all");
	is_int(extra, 0, "limits: never the refused one");
	close(peer);
}

/* Case 8: session output joins the queue in order, also while full. */
static void
test_session_order(void)
{
	static const uint8_t body[50] = "\x02\x00\x0aonMetaData";
	const uint8_t *p;
	struct net_conn *c;
	size_t n, left, pend;
	int peer;

	c = open_conn("session", &peer, 1);
	watch_fd = peer;
	queue_big(c, 16);
	net_conn_write(c);
	ok(c->wev_added, "session: socket full");
	queue_ref(c, src + 3, 100);
	pend = net_conn_pending(c);
	is_int(sess_send_data(&c->sess, 1, 0, body, sizeof(body)), RTMP_OK,
	       "session: data message queued before a handshake");
	p = sess_output(&c->sess, &n);
	ok(n > sizeof(body), "session: %zu bytes of session output", n);
	expect(p, n);
	is_int(net_conn_pending(c), pend + n,
	       "session: pending counts session output");
	is_int(net_conn_flush(c), 0, "session: flush while full");
	sess_output(&c->sess, &left);
	is_int(left, 0, "session: flush took the session output");
	is_int(net_conn_pending(c), pend + n,
	       "session: the flush queued the bytes, not wrote them");
	queue_ref(c, src + 1000, 300);
	queue_copy(c, body, 10);
	pump(peer, want_len, 2000);
	ok(got_all(), "session: refs, session output, refs, in order");
	is_int(refs_wrong(), 0, "session: every release once, after writing");
	net_conn_close(c);
	close(peer);
}

/* net_conn_close_after_flush: everything queued arrives, then EOF. */
static void
test_close_after_flush(void)
{
	struct net_conn *c;
	int peer, late = 0;

	c = open_conn("linger", &peer, 1);
	watch_fd = peer;
	queue_big(c, 16);
	net_conn_write(c);
	ok(c->wev_added, "linger: socket full");
	net_conn_close_after_flush(c);
	is_int(net_conn_send_ref(c, src, 10, count_release, &late), -1,
	       "linger: no more refs once closing");
	is_int(net_conn_send(c, src, 10), -1,
	       "linger: no more copies once closing");
	pump(peer, want_len, 1500);
	ok(got_all(), "linger: every queued byte arrives");
	is_int(wait_eof(peer, 1000), 1, "linger: then EOF");
	is_int(refs_wrong(), 0, "linger: every release once, after writing");
	is_int(cl.calls, 0, "linger: no on_close while the peer is open");
	watch_fd = -1;
	close(peer);
	run_until_closed(1000);
	is_int(cl.calls, 1, "linger: on_close once the peer closed");
	is_int(cl.code, 0, "linger: code 0");
	ok(strcmp(cl.why, "closed") == 0, "linger: why '%s'", cl.why);
	is_int(late, 0, "linger: the refused ref is not released");
}

/* on_drain in direct mode: from the loop, never from net_conn_write. */
static void
test_drain(void)
{
	struct net_conn *c;
	int peer;

	c = open_conn("drain", &peer, 0);
	net_conn_set_drain(c, 100);
	queue_copy(c, src, 1000);
	net_conn_write(c);
	is_int(net_conn_pending(c), 0, "drain: written at once");
	is_int(dr.calls, 0, "drain: no on_drain from inside net_conn_write");
	event_base_loop(evb, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	is_int(dr.calls, 1, "drain: on_drain once from the loop");
	net_conn_close(c);
	close(peer);

	c = open_conn("drain full", &peer, 1);
	net_conn_set_drain(c, 100);
	queue_big(c, 16);
	net_conn_write(c);
	ok(c->wev_added && dr.calls == 0, "drain full: full, no on_drain yet");
	pump(peer, want_len, 1500);
	ok(got_all(), "drain full: every byte arrived");
	event_base_loop(evb, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ok(dr.calls >= 1, "drain full: on_drain when emptied (%d calls)",
	   dr.calls);
	ok(dr.worst <= 100, "drain full: only at or below the mark (%zu)",
	   dr.worst);
	is_int(refs_wrong(), 0, "drain full: every release once");
	net_conn_close(c);
	close(peer);
}

/* The receive timeout of a direct connection (its own read event). */
static void
test_recv_timeout(void)
{
	struct net_conn *c;
	uint64_t t0, dt;
	int peer;

	c = open_conn("receive timeout", &peer, 0);
	net_conn_set_recv_timeout(c, 200);
	t0 = clock_mono_ms();
	run_until_closed(3000);
	dt = cl.at - t0;
	is_int(cl.calls, 1, "receive timeout: on_close once");
	is_int(cl.code, RK_EXIT_TIMEOUT, "receive timeout: code %d",
	       RK_EXIT_TIMEOUT);
	ok(strcmp(cl.why, "receive timeout") == 0, "receive timeout: why '%s'",
	   cl.why);
	ok(cl.calls && dt >= 150 && dt <= 1500,
	   "receive timeout: after %llu ms",
	   (unsigned long long)(cl.calls ? dt : 0));
	close(peer);
}

int
main(void)
{
	uint32_t x = 0x9e3779b9u;
	size_t i;

	/* Each line as it comes: a hang or a sanitizer abort shows where. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* net.h: direct output needs SIGPIPE ignored. */
	signal(SIGPIPE, SIG_IGN);
	evb = event_base_new();
	src = malloc(BIG);
	want = malloc(BIG + SLACK);
	got = malloc(BIG + SLACK);
	if (evb == NULL || src == NULL || want == NULL || got == NULL)
		abort();
	/* No period: a piece out of place shows. */
	for (i = 0; i < BIG; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		src[i] = (uint8_t)x;
	}

	test_switch();
	test_order();
	test_backpressure();
	test_send_timeout(0);
	test_send_timeout(1);
	test_peer_gone();
	test_peer_gone_full();
	test_close_queued();
	test_limits();
	test_session_order();
	test_close_after_flush();
	test_drain();
	test_recv_timeout();

	free(src);
	free(want);
	free(got);
	event_base_free(evb);
	libevent_global_shutdown();
	return done_testing();
}
