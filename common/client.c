#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "tls.h"

#define CMD_BUF 4096

static const char *const default_fourcc[] = {"av01", "vp09", "hvc1", "avc1",
					     "Opus", "fLaC", "mp4a", ".mp3",
					     "ac-3", "ec-3"};

const char *
rtmp_client_step_name(enum rtmp_client_step step)
{
	switch (step) {
	case RTMP_STEP_TCP:
		return "tcp_connect";
	case RTMP_STEP_HANDSHAKE:
		return "handshake";
	case RTMP_STEP_CONNECT:
		return "connect";
	case RTMP_STEP_CREATE_STREAM:
		return "create_stream";
	case RTMP_STEP_PUBLISH:
		return "publish";
	case RTMP_STEP_PLAY:
		return "play";
	case RTMP_STEP_READY:
		return "ready";
	case RTMP_STEP_CLOSING:
		return "closing";
	}
	return "unknown";
}

/*
 * Not inlined: callers inside a callback hold in_cb > 0, so client_end only
 * marks free_pending there, but once inlined gcc -O3 cannot see that and
 * reports a use after free (-Wuse-after-free) on the code that follows.
 */
static __attribute__((noinline)) void
client_free(struct rtmp_client *c)
{
	if (c->tls_ctx)
		tls_ctx_free(c->tls_ctx);
	free(c);
}

/* Report the end once; the client is freed when no callback is running. */
static void
client_end(struct rtmp_client *c, int code, const char *why,
	   const struct rtmp_status *st)
{
	if (c->ended)
		return;
	c->ended = 1;
	if (c->conn) {
		net_conn_close(c->conn);
		c->conn = NULL;
	}
	if (c->ops->on_end)
		c->ops->on_end(c, code, why, st, c->arg);
	if (c->in_cb == 0)
		client_free(c);
	else
		c->free_pending = 1;
}

static void
set_step(struct rtmp_client *c, enum rtmp_client_step step)
{
	int ms = c->cfg.step_timeout_ms;
	char why[64];

	c->step = step;
	if (c->ops->on_step)
		c->ops->on_step(c, step, c->arg);
	if (c->conn == NULL || c->ended)
		return;
	if (step == RTMP_STEP_READY || ms < 0) {
		net_conn_deadline(c->conn, 0, 0, "");
		return;
	}
	snprintf(why, sizeof(why), "timed out in step %s",
		 rtmp_client_step_name(step));
	net_conn_deadline(c->conn, ms ? ms : RTMP_CLIENT_STEP_TIMEOUT_DEFAULT,
			  RK_EXIT_TIMEOUT, why);
}

static int
send_cmd(struct rtmp_client *c, uint32_t sid, const uint8_t *body,
	 const uint8_t *end)
{
	if (end == NULL) {
		client_end(c, RK_EXIT_FAIL, "command too large", NULL);
		return -1;
	}
	if (sess_send_command(&c->conn->sess, sid, body,
			      (size_t)(end - body)) != RTMP_OK) {
		client_end(c, RK_EXIT_FAIL, "output buffer full", NULL);
		return -1;
	}
	return 0;
}

static void
send_connect(struct rtmp_client *c)
{
	struct rtmp_connect_props pr;
	uint8_t buf[CMD_BUF], *e;
	int publish = c->cfg.mode == RTMP_CLIENT_PUBLISH;

	memset(&pr, 0, sizeof(pr));
	pr.app = c->cfg.app ? c->cfg.app : c->cfg.url.app;
	pr.type = publish ? "nonprivate" : NULL;
	pr.flashver = c->cfg.flashver ? c->cfg.flashver
		      : publish	      ? RTMP_CLIENT_FLASHVER_PUBLISH
				      : RTMP_CLIENT_FLASHVER_PLAY;
	pr.tcurl = c->cfg.tcurl ? c->cfg.tcurl : c->cfg.url.tcurl;
	pr.fpad = publish ? -1 : 0;
	pr.capabilities = publish ? -1 : 15;
	pr.audio_codecs = publish ? -1 : 4071;
	pr.video_codecs = publish ? -1 : 252;
	pr.video_function = publish ? -1 : 1;
	pr.object_encoding = -1;
	if (c->cfg.announce_fourcc) {
		pr.fourcc_list =
		    c->cfg.fourcc_list ? c->cfg.fourcc_list : default_fourcc;
		pr.nfourcc = c->cfg.fourcc_list ? c->cfg.nfourcc
						: sizeof(default_fourcc) /
						      sizeof(default_fourcc[0]);
	}
	pr.extra = c->cfg.extra_props;
	pr.nextra = c->cfg.nextra;
	c->txid_connect = sess_next_txid(&c->conn->sess);
	e = rtmp_build_connect(buf, buf + sizeof(buf), c->txid_connect, &pr);
	if (send_cmd(c, 0, buf, e) == 0)
		set_step(c, RTMP_STEP_CONNECT);
}

static void
after_connect(struct rtmp_client *c)
{
	uint8_t buf[CMD_BUF], *e;

	if (c->cfg.mode == RTMP_CLIENT_PUBLISH) {
		e = rtmp_build_call(buf, buf + sizeof(buf), "releaseStream",
				    sess_next_txid(&c->conn->sess),
				    c->stream_name);
		if (send_cmd(c, 0, buf, e) < 0)
			return;
		e = rtmp_build_call(buf, buf + sizeof(buf), "FCPublish",
				    sess_next_txid(&c->conn->sess),
				    c->stream_name);
		if (send_cmd(c, 0, buf, e) < 0)
			return;
	}
	c->txid_create = sess_next_txid(&c->conn->sess);
	e = rtmp_build_call(buf, buf + sizeof(buf), "createStream",
			    c->txid_create, NULL);
	if (send_cmd(c, 0, buf, e) == 0)
		set_step(c, RTMP_STEP_CREATE_STREAM);
}

static void
after_create_stream(struct rtmp_client *c)
{
	uint8_t buf[CMD_BUF], *e;

	switch (c->cfg.mode) {
	case RTMP_CLIENT_PROBE:
		set_step(c, RTMP_STEP_READY);
		if (c->ops->on_ready)
			c->ops->on_ready(c, c->arg);
		return;
	case RTMP_CLIENT_PUBLISH:
		e = rtmp_build_publish(buf, buf + sizeof(buf),
				       sess_next_txid(&c->conn->sess),
				       c->stream_name, "live");
		if (send_cmd(c, c->stream_id, buf, e) == 0)
			set_step(c, RTMP_STEP_PUBLISH);
		return;
	case RTMP_CLIENT_PLAY: {
		struct rtmp_user_control uc;

		e = rtmp_build_play(buf, buf + sizeof(buf),
				    sess_next_txid(&c->conn->sess),
				    c->stream_name, -1000, -2, 0);
		if (send_cmd(c, c->stream_id, buf, e) < 0)
			return;
		memset(&uc, 0, sizeof(uc));
		uc.event = RTMP_UC_SET_BUFFER_LENGTH;
		uc.stream_id = c->stream_id;
		uc.buffer_ms = c->cfg.buffer_ms ? c->cfg.buffer_ms
						: RTMP_CLIENT_BUFFER_MS_DEFAULT;
		sess_send_user_control(&c->conn->sess, &uc);
		set_step(c, RTMP_STEP_PLAY);
		return;
	}
	}
}

static void
refused(struct rtmp_client *c, const struct rtmp_cmd *cmd, const char *what)
{
	struct rtmp_status st;
	char why[512];

	memset(&st, 0, sizeof(st));
	rtmp_cmd_status(cmd, &st);
	snprintf(why, sizeof(why), "%s refused: %.*s%s%.*s", what,
		 (int)(st.code.len > 200 ? 200 : st.code.len),
		 st.code.p ? (const char *)st.code.p : "",
		 st.description.len ? ": " : "",
		 (int)(st.description.len > 200 ? 200 : st.description.len),
		 st.description.p ? (const char *)st.description.p : "");
	client_end(c, RK_EXIT_REFUSED, why, &st);
}

static void
on_command(struct rtmp_client *c, const struct rtmp_cmd *cmd)
{
	if (rtmp_str_eq(cmd->name, "_result")) {
		if (c->step == RTMP_STEP_CONNECT &&
		    cmd->txid == c->txid_connect) {
			after_connect(c);
		} else if (c->step == RTMP_STEP_CREATE_STREAM &&
			   cmd->txid == c->txid_create) {
			double id;

			if (!rtmp_cmd_arg_number(cmd, 0, &id) || id < 0 ||
			    id > 0xFFFFFFFFu) {
				client_end(
				    c, RK_EXIT_PROTOCOL,
				    "createStream answer without a stream id",
				    NULL);
				return;
			}
			c->stream_id = (uint32_t)id;
			after_create_stream(c);
		}
		return;
	}
	if (rtmp_str_eq(cmd->name, "_error")) {
		if (cmd->txid == c->txid_connect &&
		    c->step == RTMP_STEP_CONNECT)
			refused(c, cmd, "connect");
		else if (cmd->txid == c->txid_create &&
			 c->step == RTMP_STEP_CREATE_STREAM)
			refused(c, cmd, "createStream");
		/* releaseStream/FCPublish errors are normal on many servers. */
		return;
	}
	if (rtmp_str_eq(cmd->name, "onStatus")) {
		struct rtmp_status st;

		memset(&st, 0, sizeof(st));
		if (rtmp_cmd_status(cmd, &st) != RTMP_OK)
			return;
		if (c->step == RTMP_STEP_PUBLISH || c->step == RTMP_STEP_PLAY) {
			if (rtmp_str_eq(st.level, "error")) {
				refused(c, cmd,
					c->step == RTMP_STEP_PUBLISH ? "publish"
								     : "play");
				return;
			}
			if ((c->step == RTMP_STEP_PUBLISH &&
			     rtmp_str_eq(st.code, "NetStream.Publish.Start")) ||
			    (c->step == RTMP_STEP_PLAY &&
			     rtmp_str_eq(st.code, "NetStream.Play.Start"))) {
				set_step(c, RTMP_STEP_READY);
				if (c->ops->on_ready)
					c->ops->on_ready(c, c->arg);
				return;
			}
		}
		if (c->step == RTMP_STEP_READY && c->ops->on_status)
			c->ops->on_status(c, &st, c->arg);
		return;
	}
	/* onBWDone, onFCPublish, _checkbw...: nothing to answer. */
}

static void
net_event(struct net_conn *nc, struct sess_event *ev, void *arg)
{
	struct rtmp_client *c = arg;

	c->in_cb++;
	if (c->ops->on_event)
		c->ops->on_event(c, ev, c->arg);
	if (c->ended)
		goto out;
	switch (ev->type) {
	case SESS_EV_HANDSHAKE:
		if (c->cfg.chunk_size > CHUNK_SIZE_DEFAULT)
			sess_send_set_chunk_size(&nc->sess, c->cfg.chunk_size);
		send_connect(c);
		break;
	case SESS_EV_COMMAND:
		on_command(c, &ev->cmd);
		break;
	case SESS_EV_AUDIO:
	case SESS_EV_VIDEO:
		/* Some servers never send Play.Start: media means playing. */
		if (c->step == RTMP_STEP_PLAY) {
			set_step(c, RTMP_STEP_READY);
			if (c->ops->on_ready)
				c->ops->on_ready(c, c->arg);
			if (c->ended)
				break;
		}
		/* fall through */
	case SESS_EV_DATA:
		if (c->ops->on_media)
			c->ops->on_media(c, ev, c->arg);
		break;
	case SESS_EV_USER_CONTROL:
		if (c->ops->on_user_control)
			c->ops->on_user_control(c, &ev->uc, c->arg);
		break;
	default:
		break;
	}
out:
	c->in_cb--;
	if (c->free_pending && c->in_cb == 0)
		client_free(c);
}

static void
net_connect(struct net_conn *nc, void *arg)
{
	struct rtmp_client *c = arg;

	set_step(c, RTMP_STEP_HANDSHAKE);
}

static void
net_close(struct net_conn *nc, int code, const char *why, void *arg)
{
	struct rtmp_client *c = arg;
	char buf[160];

	c->conn = NULL; /* net frees it after this returns */
	if (c->step == RTMP_STEP_CLOSING) {
		client_end(c, c->stop_code, c->stop_why, NULL);
		return;
	}
	if (code == RK_EXIT_CONNECT && c->step < RTMP_STEP_READY &&
	    c->step > RTMP_STEP_TCP) {
		snprintf(buf, sizeof(buf), "%s (during %s)", why,
			 rtmp_client_step_name(c->step));
		why = buf;
	}
	client_end(c, code, why, NULL);
}

static void
net_drain(struct net_conn *nc, void *arg)
{
	struct rtmp_client *c = arg;

	if (c->ops->on_drain && !c->ended)
		c->ops->on_drain(c, c->arg);
}

static void
net_raw(struct net_conn *nc, const uint8_t *p, size_t n, void *arg)
{
	struct rtmp_client *c = arg;

	if (c->ops->on_raw)
		c->ops->on_raw(c, p, n, c->arg);
}

static void
net_send(struct net_conn *nc, const uint8_t *p, size_t n, void *arg)
{
	struct rtmp_client *c = arg;

	if (c->ops->on_send)
		c->ops->on_send(c, p, n, c->arg);
}

static const struct net_conn_ops client_net_ops = {
    .on_connect = net_connect,
    .on_event = net_event,
    .on_close = net_close,
    .on_drain = net_drain,
    .on_raw = net_raw,
    .on_send = net_send,
};

/* Without the byte hooks (the usual case: only rtmpprobe logs bytes), the
 * network layer does not walk every read twice. */
static const struct net_conn_ops client_net_ops_lean = {
    .on_connect = net_connect,
    .on_event = net_event,
    .on_close = net_close,
    .on_drain = net_drain,
};

struct rtmp_client *
rtmp_client_start(struct event_base *base, const struct rtmp_client_cfg *cfg,
		  const struct rtmp_client_ops *ops, void *arg, char *err,
		  size_t errlen)
{
	struct rtmp_client *c = calloc(1, sizeof(*c));
	struct net_dial_opts dial;
	struct sess_config sc;
	int ms;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->ops = ops;
	c->arg = arg;
	c->base = base;
	if (rtmp_url_stream_with_query(&cfg->url, c->stream_name,
				       sizeof(c->stream_name)) != RTMP_OK) {
		snprintf(err, errlen, "stream name too long");
		free(c);
		return NULL;
	}
	sc = cfg->sess;
	sc.role = SESS_CLIENT;
	if (sc.epoch == 0)
		sc.epoch = (uint32_t)clock_mono_ms();
	if (sc.seed == 0)
		sc.seed = clock_mono_us() ^ ((uint64_t)(uintptr_t)c << 16);
	ms = cfg->step_timeout_ms ? cfg->step_timeout_ms
				  : RTMP_CLIENT_STEP_TIMEOUT_DEFAULT;
	c->step = RTMP_STEP_TCP;
	memset(&dial, 0, sizeof(dial));
	dial.timeout_ms = ms > 0 ? ms : 0;
	if (cfg->url.tls) {
		struct tls_client_opts to;

		to.insecure = cfg->tls_insecure;
		to.ca_file = cfg->tls_ca_file;
		c->tls_ctx = tls_client_ctx_new(&to, err, errlen);
		if (c->tls_ctx == NULL) {
			free(c);
			return NULL;
		}
		dial.tls_ctx = c->tls_ctx;
		dial.tls_insecure = cfg->tls_insecure;
	}
	c->conn = net_conn_dial_opts(
	    base, cfg->url.host, cfg->url.port, &dial, &sc,
	    ops->on_raw || ops->on_send ? &client_net_ops
					: &client_net_ops_lean,
	    c, err, errlen);
	if (c->conn == NULL) {
		client_free(c);
		return NULL;
	}
	if (ms > 0)
		net_conn_deadline(c->conn, ms, RK_EXIT_TIMEOUT,
				  "timed out in step tcp_connect");
	if (ops->on_step)
		ops->on_step(c, RTMP_STEP_TCP, arg);
	return c;
}

int
rtmp_client_send(struct rtmp_client *c, uint8_t type, uint32_t timestamp,
		 const uint8_t *p, size_t n)
{
	struct rtmp_msg_hdr h;
	int rc;

	if (c->ended || c->conn == NULL || c->step != RTMP_STEP_READY)
		return RTMP_ERR_UNSUPPORTED;
	if (n > CHUNK_MAX_MESSAGE_HARD - 1)
		return RTMP_ERR_LIMIT;
	memset(&h, 0, sizeof(h));
	h.csid = type == RTMP_MSG_AUDIO	  ? RTMP_CSID_AUDIO
		 : type == RTMP_MSG_VIDEO ? RTMP_CSID_VIDEO
					  : RTMP_CSID_DATA;
	h.timestamp = timestamp;
	h.length = (uint32_t)n;
	h.type = type;
	h.stream_id = c->stream_id;
	rc = sess_send(&c->conn->sess, &h, p);
	if (rc == RTMP_OK)
		net_conn_flush(c->conn);
	return rc;
}

size_t
rtmp_client_pending(const struct rtmp_client *c)
{
	return c->conn ? net_conn_pending(c->conn) : 0;
}

void
rtmp_client_set_drain(struct rtmp_client *c, size_t below)
{
	if (c->conn)
		net_conn_set_drain(c->conn, below);
}

void
rtmp_client_stop(struct rtmp_client *c, int code, const char *why)
{
	uint8_t buf[CMD_BUF], *e;

	if (c->ended || c->step == RTMP_STEP_CLOSING)
		return;
	if (c->conn == NULL) {
		client_end(c, code, why, NULL);
		return;
	}
	c->stop_code = code;
	snprintf(c->stop_why, sizeof(c->stop_why), "%s", why);
	if (c->step == RTMP_STEP_READY) {
		if (c->cfg.mode == RTMP_CLIENT_PUBLISH) {
			e = rtmp_build_call(
			    buf, buf + sizeof(buf), "FCUnpublish",
			    sess_next_txid(&c->conn->sess), c->stream_name);
			if (e)
				sess_send_command(&c->conn->sess, 0, buf,
						  (size_t)(e - buf));
		}
		e = rtmp_build_delete_stream(buf, buf + sizeof(buf),
					     sess_next_txid(&c->conn->sess),
					     c->stream_id);
		if (e)
			sess_send_command(&c->conn->sess, 0, buf,
					  (size_t)(e - buf));
	}
	c->step = RTMP_STEP_CLOSING;
	net_conn_close_after_flush(c->conn);
}

void
rtmp_client_abort(struct rtmp_client *c, int code, const char *why)
{
	client_end(c, code, why, NULL);
}

void
rtmp_client_tls_precheck(const struct rtmp_url *u, const char *url_str,
			 int insecure, const char *ca_file)
{
	struct tls_client_opts to;
	char err[256];
	void *ctx;

	if (!u->tls)
		return;
	memset(&to, 0, sizeof(to));
	to.insecure = insecure;
	to.ca_file = ca_file;
	ctx = tls_client_ctx_new(&to, err, sizeof(err));
	if (ctx == NULL && !tls_available())
		cli_usage_error("%s: %s", url_str, err);
	if (ctx == NULL) {
		cli_warn("%s%s", ca_file ? "--ca-file " : "", err);
		exit(RK_EXIT_FAIL);
	}
	tls_ctx_free(ctx);
}
