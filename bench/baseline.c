/*
 * baseline: the physical limit of RTMP fan-out on this machine, for
 * bench/run.sh. Not part of the build; run.sh compiles it with cc against
 * the codec layer.
 *
 * It plays the role of a relay with no relay in it: it reads an FLV file
 * into memory, and in real time (looping, timestamps continuing) chunks
 * each audio and video message once, with a type 0 header, and writes those
 * same bytes to every player: one write() per message (--batch 1), or one
 * writev() of K messages (--batch K). Players get just enough of a server
 * (handshake, connect, createStream, play answered through the session
 * layer, then the sequence headers) for rtmppull to accept it. There is no
 * GOP cache, no per-player header and no queue policy: a player whose
 * socket is full gets the rest later from a private backlog (closed past
 * BASE_BACKLOG_MAX).
 *
 * --send-log FILE writes the rtmppush --send-log format (see rtmppull(1))
 * with the time each message became due, so the latency rtmppull measures
 * is this program's fan-out plus the kernel's delivery (plus the batching
 * delay with --batch).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "chunk.h"
#include "flv.h"
#include "rtmp_msg.h"
#include "session.h"

#define BASE_CHUNK_SIZE	 4096
#define BASE_WINDOW	 5000000
#define BASE_BATCH_MAX	 64
#define BASE_BACKLOG_MAX (8u << 20)
#define BASE_EVENTS	 256
#define BASE_CSID_AUDIO	 4
#define BASE_CSID_VIDEO	 6
#define BASE_MSID	 1

struct msg {
	uint8_t type;
	uint32_t ts, len;
	const uint8_t *body;
	int seq;
};

struct conn {
	int fd;
	int playing;
	size_t idx; /* in players[] */
	struct sess sess;
	uint8_t *bl; /* backlog: bytes the socket did not take */
	size_t boff, blen, bcap;
};

static struct msg *msgs;
static size_t nmsgs;
static uint32_t file_dur;
static struct conn **players;
static size_t nplayers, players_cap;
static int ep;
static unsigned batch = 1;
static const char *stream_name = "x";
static FILE *send_log;
static const struct msg *vseq, *aseq;
static volatile sig_atomic_t stop;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
die(const char *what)
{
	fprintf(stderr, "baseline: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
load_flv(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long size;
	size_t off = 0, cap = 0, want;
	struct flv_reader rd;
	struct flv_event ev;
	ssize_t n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0)
		die(path);
	rewind(fp);
	if ((buf = malloc((size_t)size + 1)) == NULL ||
	    fread(buf, 1, (size_t)size, fp) != (size_t)size)
		die(path);
	fclose(fp);
	flv_reader_init(&rd);
	while ((n = flv_reader_next(&rd, buf + off, (size_t)size - off, 1, &ev,
				    &want)) > 0) {
		off += (size_t)n;
		if (ev.type != FLV_EV_TAG || (ev.tag.type != FLV_TAG_AUDIO &&
					      ev.tag.type != FLV_TAG_VIDEO))
			continue;
		if (nmsgs == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((msgs = realloc(msgs, cap * sizeof(*msgs))) == NULL)
				die("realloc");
		}
		msgs[nmsgs].type = ev.tag.type;
		msgs[nmsgs].ts = ev.tag.timestamp;
		msgs[nmsgs].len = ev.tag.size;
		msgs[nmsgs].body = ev.data;
		msgs[nmsgs].seq =
		    ev.tag.type == FLV_TAG_VIDEO
			? flv_video_is_seq_header(ev.data, ev.tag.size)
			: flv_audio_is_seq_header(ev.data, ev.tag.size);
		if (msgs[nmsgs].seq && ev.tag.type == FLV_TAG_VIDEO && !vseq)
			vseq = &msgs[nmsgs];
		nmsgs++;
	}
	if (nmsgs == 0) {
		fprintf(stderr, "baseline: %s: no audio or video\n", path);
		exit(1);
	}
	/* Pointers into msgs[] are stable now. */
	vseq = aseq = NULL;
	for (size_t i = 0; i < nmsgs; i++) {
		if (msgs[i].seq && msgs[i].type == FLV_TAG_VIDEO && !vseq)
			vseq = &msgs[i];
		if (msgs[i].seq && msgs[i].type == FLV_TAG_AUDIO && !aseq)
			aseq = &msgs[i];
	}
	/* The loop period: last timestamp plus one video frame (40 ms). */
	file_dur = msgs[nmsgs - 1].ts + 40;
}

/* One message, chunked with a type 0 header at absolute time ts. */
static size_t
chunk_msg(const struct msg *m, uint32_t ts, uint8_t *out, size_t cap)
{
	struct rtmp_msg_hdr h;
	uint8_t *e;

	memset(&h, 0, sizeof(h));
	h.csid = m->type == FLV_TAG_AUDIO ? BASE_CSID_AUDIO : BASE_CSID_VIDEO;
	h.timestamp = ts;
	h.length = m->len;
	h.type = m->type;
	h.stream_id = BASE_MSID;
	e = chunk_put_msg(out, out + cap, 0, &h, ts, BASE_CHUNK_SIZE, m->body);
	return e ? (size_t)(e - out) : 0;
}

static void
conn_close(struct conn *c)
{
	if (c->playing) {
		players[c->idx] = players[--nplayers];
		players[c->idx]->idx = c->idx;
	}
	close(c->fd);
	sess_free(&c->sess);
	free(c->bl);
	free(c);
}

static void
set_out(struct conn *c, int on)
{
	struct epoll_event ev;

	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Keep what the socket did not take; -1 when the backlog is over its
 * bound (the connection is closed). */
static int
backlog_add(struct conn *c, const uint8_t *p, size_t n)
{
	int was_empty = c->blen == c->boff;

	if (c->blen - c->boff + n > BASE_BACKLOG_MAX)
		return -1;
	if (c->blen + n > c->bcap) {
		size_t live = c->blen - c->boff, ncap = live + n + 65536;
		uint8_t *nb = malloc(ncap);

		if (nb == NULL)
			return -1;
		if (live)
			memcpy(nb, c->bl + c->boff, live);
		free(c->bl);
		c->bl = nb;
		c->bcap = ncap;
		c->blen = live;
		c->boff = 0;
	}
	memcpy(c->bl + c->blen, p, n);
	c->blen += n;
	if (was_empty)
		set_out(c, 1);
	return 0;
}

/* Write iov to c (or queue it behind its backlog); -1: close it. */
static int
conn_send(struct conn *c, struct iovec *iov, int n)
{
	ssize_t w = 0;
	int i;

	if (c->blen == c->boff) {
		w = n == 1 ? write(c->fd, iov[0].iov_base, iov[0].iov_len)
			   : writev(c->fd, iov, n);
		if (w < 0) {
			if (errno != EAGAIN)
				return -1;
			w = 0;
		}
	}
	for (i = 0; i < n; i++) {
		if ((size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			continue;
		}
		if (backlog_add(c, (const uint8_t *)iov[i].iov_base + w,
				iov[i].iov_len - (size_t)w) < 0)
			return -1;
		w = 0;
	}
	return 0;
}

static int
conn_flush_sess(struct conn *c)
{
	size_t n;
	const uint8_t *p = sess_output(&c->sess, &n);
	struct iovec iov;

	if (n == 0)
		return 0;
	iov.iov_base = (void *)p;
	iov.iov_len = n;
	if (conn_send(c, &iov, 1) < 0)
		return -1;
	sess_output_done(&c->sess, n);
	return 0;
}

static void
send_status(struct conn *c, const char *code, const char *desc)
{
	uint8_t body[512], *e;

	e = rtmp_build_onstatus(body, body + sizeof(body), "status", code, desc,
				NULL);
	if (e)
		sess_send_command(&c->sess, BASE_MSID, body,
				  (size_t)(e - body));
}

static uint32_t cur_ts; /* timestamp of the last message sent */

/* play: answer as every server does, then the sequence headers. */
static int
start_player(struct conn *c)
{
	struct rtmp_user_control uc;
	uint8_t buf[65536];
	struct iovec iov;
	size_t n;

	memset(&uc, 0, sizeof(uc));
	uc.event = RTMP_UC_STREAM_BEGIN;
	uc.stream_id = BASE_MSID;
	sess_send_user_control(&c->sess, &uc);
	send_status(c, "NetStream.Play.Reset", "Resetting.");
	send_status(c, "NetStream.Play.Start", "Started.");
	if (conn_flush_sess(c) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		const struct msg *m = k == 0 ? vseq : aseq;

		if (m == NULL ||
		    (n = chunk_msg(m, cur_ts, buf, sizeof(buf))) == 0)
			continue;
		iov.iov_base = buf;
		iov.iov_len = n;
		if (conn_send(c, &iov, 1) < 0)
			return -1;
	}
	if (nplayers == players_cap) {
		players_cap = players_cap ? players_cap * 2 : 1024;
		players = realloc(players, players_cap * sizeof(*players));
		if (players == NULL)
			die("realloc");
	}
	c->playing = 1;
	c->idx = nplayers;
	players[nplayers++] = c;
	return 0;
}

static int
on_command(struct conn *c, const struct rtmp_cmd *cmd)
{
	uint8_t body[256], *e;

	if (rtmp_str_eq(cmd->name, "connect"))
		return sess_accept_connect(&c->sess, cmd->txid, BASE_WINDOW,
					   BASE_CHUNK_SIZE, 0) == RTMP_OK
			   ? 0
			   : -1;
	if (rtmp_str_eq(cmd->name, "createStream")) {
		e = rtmp_build_result(body, body + sizeof(body), cmd->txid, 1,
				      BASE_MSID);
		if (e)
			sess_send_command(&c->sess, 0, body,
					  (size_t)(e - body));
		return 0;
	}
	if (rtmp_str_eq(cmd->name, "play"))
		return c->playing ? 0 : start_player(c);
	return 0; /* the rest needs no answer here */
}

static void
on_readable(struct conn *c)
{
	uint8_t buf[65536];
	ssize_t n = read(c->fd, buf, sizeof(buf)), off = 0;
	struct sess_event ev;

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		conn_close(c);
		return;
	}
	while (off < n) {
		ssize_t k =
		    sess_feed(&c->sess, buf + off, (size_t)(n - off), &ev);

		if (k < 0) {
			conn_close(c);
			return;
		}
		off += k;
		if (ev.type == SESS_EV_COMMAND && on_command(c, &ev.cmd) < 0) {
			conn_close(c);
			return;
		}
		if (k == 0 && ev.type == SESS_EV_NONE)
			break;
	}
	if (conn_flush_sess(c) < 0)
		conn_close(c);
}

static void
on_writable(struct conn *c)
{
	ssize_t w = write(c->fd, c->bl + c->boff, c->blen - c->boff);

	if (w < 0) {
		if (errno != EAGAIN)
			conn_close(c);
		return;
	}
	c->boff += (size_t)w;
	if (c->boff == c->blen) {
		c->boff = c->blen = 0;
		set_out(c, 0);
	}
}

static void
on_accept(int lfd)
{
	struct sess_config sc;
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		struct conn *c = calloc(1, sizeof(*c));
		struct epoll_event ev;

		if (c == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		memset(&sc, 0, sizeof(sc));
		sc.role = SESS_SERVER;
		sc.seed = now_us();
		if (sess_init(&c->sess, &sc) != RTMP_OK) {
			close(fd);
			free(c);
			continue;
		}
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

/* The messages of one batch, chunked once, and their fan-out. */
static uint8_t *arena;
static size_t arena_cap, arena_len;
static struct iovec biov[BASE_BATCH_MAX];
static unsigned bn;

static void
fan_out(void)
{
	size_t i = 0;

	while (i < nplayers) {
		struct conn *c = players[i];

		if (conn_send(c, biov, (int)bn) < 0) {
			conn_close(c); /* swapped: look at i again */
			continue;
		}
		i++;
	}
	bn = 0;
	arena_len = 0;
}

static void
emit(const struct msg *m, uint32_t ts)
{
	size_t need = chunk_bound(m->len, BASE_CHUNK_SIZE), n;
	uint64_t t = now_us();

	if (arena_len + need > arena_cap) {
		/* Only between batches: the iovecs point into the arena. */
		arena_cap = (arena_len + need) * 2;
		if ((arena = realloc(arena, arena_cap)) == NULL)
			die("realloc");
		for (unsigned k = 0, o = 0; k < bn; k++) {
			biov[k].iov_base = arena + o;
			o += (unsigned)biov[k].iov_len;
		}
	}
	n = chunk_msg(m, ts, arena + arena_len, arena_cap - arena_len);
	biov[bn].iov_base = arena + arena_len;
	biov[bn].iov_len = n;
	bn++;
	arena_len += n;
	cur_ts = ts;
	if (send_log) {
		uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);

		crc = (uint32_t)crc32(crc, m->body, m->len);
		fprintf(send_log,
			"%" PRIu64 " %08" PRIx32 " %s %" PRIu32 " %s\n", t, crc,
			m->type == FLV_TAG_VIDEO ? "video" : "audio", m->len,
			stream_name);
		fflush(send_log); /* before any player can have it */
	}
	if (bn >= batch)
		fan_out();
}

/* --gop-avg: what a GOP cache holds on average for this input (audio and
 * video payload bytes from the last keyframe up to each instant,
 * averaged over time), and at most. */
static void
gop_avg(void)
{
	double area = 0;
	uint64_t cached = 0, max = 0;
	uint32_t prev_ts = 0;
	size_t i;

	for (i = 0; i < nmsgs; i++) {
		const struct msg *m = &msgs[i];

		if (m->seq)
			continue;
		if ((int32_t)(m->ts - prev_ts) > 0) {
			/* audio and video interleave a little out of order */
			area += (double)cached * (double)(m->ts - prev_ts);
			prev_ts = m->ts;
		}
		if (m->type == FLV_TAG_VIDEO &&
		    flv_video_is_keyframe(m->body, m->len))
			cached = 0;
		cached += m->len;
		if (cached > max)
			max = cached;
	}
	printf("{\"gop_avg_bytes\":%.0f,\"gop_max_bytes\":%" PRIu64 "}\n",
	       prev_ts ? area / prev_ts : 0, max);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"input", required_argument, NULL, 'i'},
	    {"batch", required_argument, NULL, 'b'},
	    {"send-log", required_argument, NULL, 's'},
	    {"stream", required_argument, NULL, 'n'},
	    {"gop-avg", no_argument, NULL, 'g'},
	    {NULL, 0, NULL, 0},
	};
	const char *input = NULL, *log_path = NULL;
	int port = 1935, ch, lfd, one = 1;
	struct sockaddr_in sa;
	struct epoll_event ev, evs[BASE_EVENTS];
	uint64_t t0, loop = 0;
	size_t next = 0;
	int gop = 0;

	while ((ch = getopt_long(argc, argv, "l:i:b:s:n:g", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			port = atoi(optarg);
			break;
		case 'i':
			input = optarg;
			break;
		case 'b':
			batch = (unsigned)atoi(optarg);
			break;
		case 's':
			log_path = optarg;
			break;
		case 'n':
			stream_name = optarg;
			break;
		case 'g':
			gop = 1;
			break;
		default:
			goto usage;
		}
	}
	if (input == NULL || batch < 1 || batch > BASE_BATCH_MAX || port <= 0 ||
	    port > 65535) {
	usage:
		fprintf(stderr,
			"usage: baseline -l PORT -i FILE.flv "
			"[--batch K] [--send-log FILE] [--stream NAME]\n"
			"       baseline --gop-avg -i FILE.flv\n");
		return 2;
	}
	load_flv(input);
	if (gop) {
		gop_avg();
		return 0;
	}
	if (log_path && (send_log = fopen(log_path, "a")) == NULL)
		die(log_path);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4096) < 0)
		die("listen");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll");
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

	t0 = now_us();
	while (!stop) {
		uint64_t now = now_us(), due;
		int n, i, wait_ms;

		/* Everything due by now, in file order, looping. */
		for (;;) {
			const struct msg *m = &msgs[next];
			uint64_t ts = loop * file_dur + m->ts;

			due = t0 + ts * 1000;
			if (due > now)
				break;
			if (!m->seq) /* sequence headers go to each at play */
				emit(m, (uint32_t)ts);
			if (++next == nmsgs) {
				next = 0;
				loop++;
			}
		}
		wait_ms = (int)((due - now + 999) / 1000);
		n = epoll_wait(ep, evs, BASE_EVENTS, wait_ms);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL) {
				on_accept(lfd);
				continue;
			}
			if (evs[i].events & EPOLLOUT) {
				on_writable(c);
				continue; /* may be closed: read next turn */
			}
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				on_readable(c);
		}
	}
	return 0;
}
