/*
 * rtmpprobe --listen: a server that answers like a real one, so that the
 * encoder, camera or player connecting to it goes on with its
 * conversation, and that logs every step of it (wire.c) and sums up the
 * media it sent. It relays nothing and stores nothing.
 *
 * Answers (what nginx-rtmp and rtmpd send):
 *   connect        Window Ack Size, Set Peer Bandwidth, Set Chunk Size,
 *                  _result NetConnection.Connect.Success
 *   createStream   _result with a new stream id
 *   releaseStream, FCSubscribe, _checkbw, pause: _result
 *   FCPublish      _result + onFCPublish (some encoders wait for it)
 *   FCUnpublish    _result + onFCUnpublish
 *   publish        onStatus NetStream.Publish.Start
 *   play           StreamBegin, Play.Reset, Play.Start, |RtmpSampleAccess
 *   getStreamLength _result 0
 *   deleteStream / closeStream: Unpublish.Success for a publisher
 *   other calls with a transaction id: _error NetConnection.Call.Failed
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/listener.h>

#include "cli.h"
#include "log.h"
#include "net.h"
#include "probe.h"
#include "rtmp_msg.h"

#define CMD_BUF	 1024
#define DESC_MAX 300

struct lsrv;

struct lconn {
	struct lsrv *s;
	unsigned id;
	struct net_conn *nc;
	struct wire w;
	uint64_t t0_us;
	int connected, publishing, playing;
	uint32_t next_sid;
	struct lconn *next, **pprev;
};

struct lsrv {
	const struct listen_opts *o;
	struct event_base *base;
	struct evconnlistener *lev;
	struct lconn *conns;
	unsigned next_id;
	int code, ended;
	struct event *tmo, *ev_int, *ev_term;
};

static void
conn_free(struct lconn *c)
{
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	wire_free(&c->w);
	free(c);
}

/* ---- answers ------------------------------------------------------------------ */

static void
send_body(struct lconn *c, uint32_t sid, const uint8_t *buf, const uint8_t *e)
{
	if (e != NULL)
		sess_send_command(&c->nc->sess, sid, buf, (size_t)(e - buf));
}

static void
reply_result(struct lconn *c, double txid)
{
	uint8_t buf[CMD_BUF];

	if (txid != 0)
		send_body(
		    c, 0, buf,
		    rtmp_build_result(buf, buf + sizeof(buf), txid, 0, 0));
}

static void
reply_error(struct lconn *c, double txid, const char *code, const char *desc)
{
	uint8_t buf[CMD_BUF];

	send_body(c, 0, buf,
		  rtmp_build_error(buf, buf + sizeof(buf), txid, code, desc));
}

/* "name" of a publish/play, printable, for descriptions. */
static void
stream_name(const struct rtmp_cmd *cmd, char *out, size_t len)
{
	struct rtmp_str s;
	size_t i, n;

	if (!rtmp_cmd_arg_string(cmd, 0, &s))
		s.p = (const uint8_t *)"", s.len = 0;
	n = s.len < len - 1 ? s.len : len - 1;
	for (i = 0; i < n; i++)
		out[i] = s.p[i] >= 0x20 && s.p[i] < 0x7F ? (char)s.p[i] : '?';
	out[n] = '\0';
}

static void
set_idle_timeout(struct lconn *c)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(c->s->o->step_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(c->s->o->step_timeout_ms % 1000) * 1000;
	net_conn_deadline(c->nc, 0, 0, "");
	bufferevent_set_timeouts(c->nc->bev, &tv, NULL);
}

static void
answer(struct lconn *c, const struct sess_event *ev)
{
	const struct rtmp_cmd *cmd = &ev->cmd;
	uint32_t sid = ev->h.stream_id;
	uint8_t buf[CMD_BUF];
	char name[128], desc[DESC_MAX];
	struct sess *s = &c->nc->sess;

	if (rtmp_str_eq(cmd->name, "connect")) {
		struct rtmp_connect_info ci;

		if (c->connected) {
			reply_error(c, cmd->txid,
				    "NetConnection.Connect.Rejected",
				    "Already connected.");
			return;
		}
		memset(&ci, 0, sizeof(ci));
		rtmp_cmd_connect_info(cmd, &ci);
		c->connected = 1;
		sess_accept_connect(s, cmd->txid, PROBE_LISTEN_WINDOW,
				    PROBE_LISTEN_CHUNK,
				    ci.object_encoding == 3 ? 3 : 0);
		set_idle_timeout(c);
	} else if (rtmp_str_eq(cmd->name, "createStream")) {
		send_body(c, 0, buf,
			  rtmp_build_result(buf, buf + sizeof(buf), cmd->txid,
					    1, ++c->next_sid));
	} else if (rtmp_str_eq(cmd->name, "publish")) {
		stream_name(cmd, name, sizeof(name));
		snprintf(desc, sizeof(desc), "%s is now published.", name);
		c->publishing = 1;
		c->w.media_t0_us = clock_mono_us();
		sess_send_status(s, sid, "status", "NetStream.Publish.Start",
				 desc);
	} else if (rtmp_str_eq(cmd->name, "play")) {
		struct rtmp_user_control uc;
		uint8_t *e;

		stream_name(cmd, name, sizeof(name));
		c->playing = 1;
		memset(&uc, 0, sizeof(uc));
		uc.event = RTMP_UC_STREAM_BEGIN;
		uc.stream_id = sid;
		sess_send_user_control(s, &uc);
		snprintf(desc, sizeof(desc), "Playing and resetting %s.", name);
		sess_send_status(s, sid, "status", "NetStream.Play.Reset",
				 desc);
		snprintf(desc, sizeof(desc), "Started playing %s.", name);
		sess_send_status(s, sid, "status", "NetStream.Play.Start",
				 desc);
		e = rtmp_build_sample_access(buf, buf + sizeof(buf));
		if (e)
			sess_send_data(s, sid, 0, buf, (size_t)(e - buf));
	} else if (rtmp_str_eq(cmd->name, "FCPublish")) {
		reply_result(c, cmd->txid);
		send_body(c, 0, buf,
			  rtmp_build_onfc(buf, buf + sizeof(buf), "onFCPublish",
					  "NetStream.Publish.Start",
					  "FCPublish accepted."));
	} else if (rtmp_str_eq(cmd->name, "FCUnpublish")) {
		reply_result(c, cmd->txid);
		send_body(c, 0, buf,
			  rtmp_build_onfc(buf, buf + sizeof(buf),
					  "onFCUnpublish",
					  "NetStream.Unpublish.Success",
					  "FCUnpublish accepted."));
	} else if (rtmp_str_eq(cmd->name, "deleteStream") ||
		   rtmp_str_eq(cmd->name, "closeStream")) {
		if (c->publishing)
			sess_send_status(s, sid ? sid : c->next_sid, "status",
					 "NetStream.Unpublish.Success",
					 "The stream is unpublished.");
		c->publishing = c->playing = 0;
		reply_result(c, cmd->txid);
	} else if (rtmp_str_eq(cmd->name, "getStreamLength")) {
		if (cmd->txid != 0)
			send_body(c, 0, buf,
				  rtmp_build_result(buf, buf + sizeof(buf),
						    cmd->txid, 1, 0));
	} else if (rtmp_str_eq(cmd->name, "receiveAudio") ||
		   rtmp_str_eq(cmd->name, "receiveVideo")) {
		/* No answer expected. */
	} else if (rtmp_str_eq(cmd->name, "releaseStream") ||
		   rtmp_str_eq(cmd->name, "FCSubscribe") ||
		   rtmp_str_eq(cmd->name, "_checkbw") ||
		   rtmp_str_eq(cmd->name, "checkBandwidth") ||
		   rtmp_str_eq(cmd->name, "pause")) {
		reply_result(c, cmd->txid);
	} else if (cmd->txid != 0) {
		reply_error(c, cmd->txid, "NetConnection.Call.Failed",
			    "Method not found.");
	}
}

/* ---- connection hooks --------------------------------------------------------- */

static void
c_event(struct net_conn *nc, struct sess_event *ev, void *arg)
{
	struct lconn *c = arg;

	wire_received(&c->w, &nc->sess, ev);
	if (ev->type == SESS_EV_HANDSHAKE)
		net_conn_deadline(nc, (int)c->s->o->step_timeout_ms,
				  RK_EXIT_TIMEOUT,
				  "timed out in step connect (no connect "
				  "command)");
	else if (ev->type == SESS_EV_COMMAND)
		answer(c, ev);
}

static void
c_raw(struct net_conn *nc, const uint8_t *p, size_t n, void *arg)
{
	struct lconn *c = arg;

	wire_raw_in(&c->w, p, n);
}

static void
c_send(struct net_conn *nc, const uint8_t *p, size_t n, void *arg)
{
	struct lconn *c = arg;

	wire_sent(&c->w, &nc->sess, p, n);
}

static void finish(struct lsrv *s, int code, const char *why);

static void
c_close(struct net_conn *nc, int code, const char *why, void *arg)
{
	struct lconn *c = arg;
	struct lsrv *s = c->s;
	char buf[400], hs[160];
	int result = code;

	if (!c->w.hs_done &&
	    (code == RK_EXIT_PROTOCOL || code == RK_EXIT_CONNECT) &&
	    wire_hs_explain(&c->w, hs, sizeof(hs)) != NULL) {
		snprintf(buf, sizeof(buf), "handshake failed: %s (%s)", hs,
			 why);
		why = buf;
	}
	/* The client leaving is how a conversation ends; a player we have
	 * nothing to send to goes quiet by design. */
	if (code == RK_EXIT_CONNECT && c->connected)
		result = RK_EXIT_OK;
	if (code == RK_EXIT_TIMEOUT && c->playing)
		result = RK_EXIT_OK;
	wire_summary(&c->w, "<");
	ev_begin(c->id, "*", "close");
	ev_s("reason", why);
	ev_i("exit_code", result);
	ev_s("status", probe_status_name(result));
	ev_ms("duration_ms", (double)(clock_mono_us() - c->t0_us) / 1000.0);
	ev_u("bytes_in", nc->bytes_in);
	ev_u("bytes_out", nc->sess.bytes_out);
	ev_end();
	c->nc = NULL;
	conn_free(c);
	if (s->o->once && !s->ended)
		finish(s, result, result == RK_EXIT_OK ? NULL : why);
}

static const struct net_conn_ops lconn_ops = {
    .on_event = c_event,
    .on_close = c_close,
    .on_raw = c_raw,
    .on_send = c_send,
};

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
	  int salen, void *arg)
{
	struct lsrv *s = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sess_config sc;
	struct lconn *c;
	char peer[64], local[64] = "?";

	net_addr_str(sa, peer, sizeof(peer));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		net_addr_str((struct sockaddr *)&ss, local, sizeof(local));
	c = calloc(1, sizeof(*c));
	if (c == NULL ||
	    wire_init(&c->w, 1, s->next_id + 1, s->o->log_frames) < 0) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->s = s;
	c->id = ++s->next_id;
	c->t0_us = clock_mono_us();
	ev_begin(c->id, "*", "accept");
	ev_s("peer", peer);
	ev_s("local", local);
	ev_end();
	memset(&sc, 0, sizeof(sc));
	sc.role = SESS_SERVER;
	sc.chunk.max_message_size = PROBE_MAX_MESSAGE;
	sc.chunk.max_partial_bytes = PROBE_MAX_PARTIAL;
	sc.epoch = (uint32_t)(clock_mono_us() / 1000);
	sc.seed = clock_mono_us() ^ ((uint64_t)c->id << 40);
	c->next = s->conns;
	if (s->conns)
		s->conns->pprev = &c->next;
	c->pprev = &s->conns;
	s->conns = c;
	c->nc = net_conn_accept(s->base, fd, sa, salen, &sc, &lconn_ops, c);
	if (c->nc == NULL) {
		evutil_closesocket(fd);
		conn_free(c);
		return;
	}
	net_conn_deadline(c->nc, (int)s->o->step_timeout_ms, RK_EXIT_TIMEOUT,
			  "timed out in step handshake");
	/* --once: this is the client; later ones wait in the backlog. */
	if (s->o->once)
		evconnlistener_disable(l);
}

/* ---- the end ------------------------------------------------------------------ */

static void
finish(struct lsrv *s, int code, const char *why)
{
	struct lconn *c;

	if (s->ended)
		return;
	s->ended = 1;
	s->code = code;
	/* Clients still there: their summary, then close without a word. */
	while ((c = s->conns) != NULL) {
		wire_summary(&c->w, "<");
		ev_begin(c->id, "*", "close");
		ev_s("reason", "probe exiting");
		ev_ms("duration_ms",
		      (double)(clock_mono_us() - c->t0_us) / 1000.0);
		ev_u("bytes_in", c->nc->bytes_in);
		ev_u("bytes_out", c->nc->sess.bytes_out);
		ev_end();
		net_conn_close(c->nc);
		conn_free(c);
	}
	ev_begin(0, "*", "end");
	ev_i("exit_code", code);
	ev_s("status", probe_status_name(code));
	ev_s("step", "listen");
	ev_s("reason", why ? why : "done");
	ev_u("clients", s->next_id);
	ev_ms("ms", out_now_ms());
	ev_end();
	if (code != RK_EXIT_OK && why) {
		if (s->o->json)
			LOG_EV(LOG_ERROR, "error", LKV_S("msg", why),
			       LKV_I("exit_code", code));
		else
			cli_warn("%s", why);
	}
	event_base_loopexit(s->base, NULL);
}

static void
tmo_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lsrv *s = arg;
	char why[128];

	snprintf(why, sizeof(why), "timed out after %.1f s%s",
		 (double)s->o->timeout_ms / 1000.0,
		 s->next_id == 0 ? " with no client" : "");
	finish(s, RK_EXIT_TIMEOUT, why);
}

static void
sig_cb(evutil_socket_t sig, short what, void *arg)
{
	finish(arg, RK_EXIT_OK,
	       sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
}

int
listen_run(const struct listen_opts *o)
{
	static struct lsrv srv;
	struct lsrv *s = &srv;
	char err[200];
	int fd;

	memset(s, 0, sizeof(*s));
	s->o = o;
	fd = net_listen(o->spec, PROBE_LISTEN_PORT, 16, err, sizeof(err));
	if (fd < 0) {
		cli_warn("--listen: %s", err);
		return RK_EXIT_FAIL;
	}
	s->base = event_base_new();
	if (s->base == NULL) {
		evutil_closesocket(fd);
		cli_warn("cannot create the event loop");
		return RK_EXIT_FAIL;
	}
	s->lev = evconnlistener_new(s->base, accept_cb, s,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
				    -1, fd);
	s->tmo = evtimer_new(s->base, tmo_cb, s);
	s->ev_int = evsignal_new(s->base, SIGINT, sig_cb, s);
	s->ev_term = evsignal_new(s->base, SIGTERM, sig_cb, s);
	if (!s->lev || !s->tmo || !s->ev_int || !s->ev_term ||
	    evsignal_add(s->ev_int, NULL) || evsignal_add(s->ev_term, NULL)) {
		cli_warn("cannot set up events");
		return RK_EXIT_FAIL;
	}
	if (o->timeout_ms) {
		struct timeval tv;

		tv.tv_sec = (time_t)(o->timeout_ms / 1000);
		tv.tv_usec = (suseconds_t)(o->timeout_ms % 1000) * 1000;
		evtimer_add(s->tmo, &tv);
	}
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char addr[64] = "?";

		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			net_addr_str((struct sockaddr *)&ss, addr,
				     sizeof(addr));
		ev_begin(0, "*", "listening");
		ev_s("address", addr);
		ev_b("once", o->once);
		ev_end();
	}
	event_base_dispatch(s->base);
	if (!s->ended)
		finish(s, RK_EXIT_OK, NULL);
	evconnlistener_free(s->lev);
	event_free(s->tmo);
	event_free(s->ev_int);
	event_free(s->ev_term);
	event_base_free(s->base);
	return s->code;
}
