/*
 * One connection's command policy: what rtmpd answers to connect,
 * createStream, publish, play and the rest, in the order real clients
 * expect (see rtmpd(8) for the policies).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "cli.h"
#include "log.h"
#include "rtmp_msg.h"
#include "rtmpd.h"
#include "tls.h"

#define CMD_BUF 2048

enum role { ROLE_NONE, ROLE_PUBLISHER, ROLE_PLAYER };

struct client {
	struct client *prev, *next;
	struct rtmpd *d;
	struct net_conn *nc;
	uint64_t id;
	uint64_t t_start;
	int tls; /* came in on a --tls-listen socket */
	int connected;
	char *app; /* from connect, without query */
	uint32_t next_msid;
	enum role role;
	struct stream *stream;
	uint32_t msid;
	struct player_state ps;
	uint64_t media_in, ignored;
	char *name;    /* app/stream once publish/play passed the checks */
	char *logname; /* name as logged: redacted when it is a key */
	char *query;   /* raw query of that publish/play ("" when none) */
	struct sockaddr_storage sa; /* peer, for the IP rules */
	char ip[INET6_ADDRSTRLEN];  /* peer IP for hooks, IPv4-mapped as IPv4 */
	struct hook_call *hook;	    /* on_publish / on_play in flight */
	enum role pending;	    /* what the hook decides */
	uint32_t pending_msid;
};

struct net_conn *
client_conn(struct client *c)
{
	return c->nc;
}

struct player_state *
client_player(struct client *c)
{
	return &c->ps;
}

static void
send_status_on(struct client *c, uint32_t msid, const char *level,
	       const char *code, const char *desc)
{
	sess_send_status(&c->nc->sess, msid, level, code, desc);
	net_conn_flush(c->nc);
}

static void
send_status(struct client *c, const char *level, const char *code,
	    const char *desc)
{
	send_status_on(c, c->msid, level, code, desc);
}

static void
send_uc(struct client *c, uint16_t event)
{
	struct rtmp_user_control uc;

	memset(&uc, 0, sizeof(uc));
	uc.event = event;
	uc.stream_id = c->msid;
	sess_send_user_control(&c->nc->sess, &uc);
}

static void
send_body(struct client *c, uint32_t msid, const uint8_t *buf, const uint8_t *e)
{
	if (e != NULL)
		sess_send_command(&c->nc->sess, msid, buf, (size_t)(e - buf));
}

static void
reply_result(struct client *c, double txid)
{
	uint8_t buf[CMD_BUF];

	if (txid != 0)
		send_body(
		    c, 0, buf,
		    rtmp_build_result(buf, buf + sizeof(buf), txid, 0, 0));
}

static void
reply_error(struct client *c, double txid, const char *code, const char *desc)
{
	uint8_t buf[CMD_BUF];

	send_body(c, 0, buf,
		  rtmp_build_error(buf, buf + sizeof(buf), txid, code, desc));
}

/* The publisher left: tell the player, keep it attached (rtmpd(8)). */
void
client_stream_gone(struct client *c)
{
	c->ps.started = 0;
	send_uc(c, RTMP_UC_STREAM_EOF);
	send_status(c, "status", "NetStream.Play.UnpublishNotify",
		    "The stream is unpublished.");
}

/* A publisher arrived for a waiting or re-attached player. */
void
client_stream_begin(struct client *c)
{
	send_uc(c, RTMP_UC_STREAM_BEGIN);
	send_status(c, "status", "NetStream.Play.PublishNotify",
		    "The stream is published.");
	stream_start_player(c->stream, c);
}

/* on_done: a publisher or player that had been allowed leaves. */
static void
hook_done(struct client *c, const char *role)
{
	struct hook_fields f;

	if (!hooks_enabled(c->d->hooks, HOOK_DONE) || c->name == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.app = c->app;
	f.name = c->name + strlen(c->app) + 1;
	f.query = c->query;
	f.addr = c->ip;
	f.role = role;
	f.clientid = c->id;
	hooks_call(c->d->hooks, HOOK_DONE, &f, NULL, NULL);
}

/* Leave whatever role the connection had. */
static void
drop_role(struct client *c)
{
	struct stream *s = c->stream;

	if (s == NULL)
		return;
	if (c->role == ROLE_PUBLISHER && stream_publisher(s) == c) {
		LOG_EV(LOG_INFO, "unpublish", LKV_U("id", c->id),
		       LKV_S("stream", c->logname),
		       LKV_U("bytes_in", c->nc->bytes_in),
		       LKV_U("messages", c->media_in));
		stream_unpublish(s);
		net_conn_set_recv_timeout(c->nc, 0);
		hook_done(c, "publish");
	} else if (c->role == ROLE_PLAYER) {
		stream_remove_player(s, c);
		hook_done(c, "play");
	}
	c->role = ROLE_NONE;
	c->stream = NULL;
	relay_stream_release(c->d->relay, s);
}

/* Forget a publish or play waiting for its hook (the hook is not asked
 * again, and its answer never reaches this connection). */
static void
cancel_pending(struct client *c)
{
	if (c->hook == NULL)
		return;
	hooks_cancel(c->hook);
	c->hook = NULL;
	c->pending = ROLE_NONE;
}

/* Stopping: exit once every connection and every hook call is done. */
static void
check_exit(struct rtmpd *d)
{
	if (d->stopping && d->nclients == 0 && hooks_pending(d->hooks) == 0)
		event_base_loopexit(d->base, NULL);
}

void
server_hooks_idle(void *arg)
{
	check_exit(arg);
}

static void
client_free(struct client *c)
{
	struct rtmpd *d = c->d;

	cancel_pending(c);
	drop_role(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	d->nclients--;
	free(c->app);
	free(c->name);
	free(c->logname);
	free(c->query);
	free(c);
	check_exit(d);
}

/* Refuse with an onStatus the client can show (OBS retries forever on a
 * silent close), then close once it is written. */
static void
refuse(struct client *c, const char *code, const char *desc)
{
	LOG_EV(LOG_WARN, "refuse", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer), LKV_S("code", code),
	       LKV_S("reason", desc));
	send_status(c, "error", code, desc);
	net_conn_close_after_flush(c->nc);
}

/* The same for a publish or play, naming the stream as logname. */
static void
refuse_stream(struct client *c, const char *code, const char *desc,
	      const char *logname)
{
	LOG_EV(LOG_WARN, "refuse", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer), LKV_S("stream", logname),
	       LKV_S("code", code), LKV_S("reason", desc));
	send_status(c, "error", code, desc);
	net_conn_close_after_flush(c->nc);
}

/*
 * The stream key: app + "/" + name without its query. Names are opaque
 * keys (never file paths), so "../" is harmless; control characters and
 * overlong names are refused.
 */
static int
stream_key(struct client *c, struct rtmp_str name, char *out, size_t outlen,
	   char *query, size_t qlen)
{
	size_t i, n = name.len, alen;

	for (i = 0; i < name.len; i++)
		if (name.p[i] == '?') {
			n = i;
			break;
		}
	if (n == 0)
		return -1;
	for (i = 0; i < name.len; i++)
		if (name.p[i] < 0x20 || name.p[i] == 0x7F)
			return -1;
	/* The query, kept for the keys and the hooks (never logged). */
	if (n < name.len) {
		if (name.len - n - 1 >= qlen)
			return -1;
		memcpy(query, name.p + n + 1, name.len - n - 1);
		query[name.len - n - 1] = '\0';
	} else {
		query[0] = '\0';
	}
	alen = strlen(c->app);
	if (alen + 1 + n + 1 > outlen)
		return -1;
	memcpy(out, c->app, alen);
	out[alen] = '/';
	memcpy(out + alen + 1, name.p, n);
	out[alen + 1 + n] = '\0';
	return 0;
}

static void
on_connect_cmd(struct client *c, const struct rtmp_cmd *cmd)
{
	struct rtmp_connect_info ci;
	size_t n;

	if (c->connected) {
		reply_error(c, cmd->txid, "NetConnection.Connect.Rejected",
			    "Already connected.");
		return;
	}
	memset(&ci, 0, sizeof(ci));
	if (rtmp_cmd_connect_info(cmd, &ci) != RTMP_OK || ci.app.len == 0) {
		reply_error(c, cmd->txid, "NetConnection.Connect.Rejected",
			    "connect without an application name.");
		net_conn_close_after_flush(c->nc);
		return;
	}
	/* "live?token" style apps: the query is not part of the name. */
	for (n = 0; n < ci.app.len && ci.app.p[n] != '?'; n++)
		if (ci.app.p[n] < 0x20)
			break;
	while (n > 0 && ci.app.p[n - 1] == '/')
		n--;
	if (n == 0 || n >= RTMPD_MAX_NAME / 2 ||
	    (n < ci.app.len && ci.app.p[n] != '?' && ci.app.p[n] != '/')) {
		reply_error(c, cmd->txid, "NetConnection.Connect.Rejected",
			    "Invalid application name.");
		net_conn_close_after_flush(c->nc);
		return;
	}
	c->app = malloc(n + 1);
	if (c->app == NULL) {
		net_conn_close_after_flush(c->nc);
		return;
	}
	memcpy(c->app, ci.app.p, n);
	c->app[n] = '\0';
	c->connected = 1;
	sess_accept_connect(&c->nc->sess, cmd->txid, c->d->cfg.window,
			    c->d->cfg.chunk_size,
			    ci.object_encoding == 3 ? 3 : 0);
	LOG_EV(LOG_INFO, "connect", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer), LKV_B("tls", c->tls),
	       LKV_S("app", c->app));
}

static void
on_create_stream(struct client *c, const struct rtmp_cmd *cmd)
{
	uint8_t buf[CMD_BUF];

	if (c->next_msid >= RTMPD_MAX_STREAMS_PER_CONN) {
		reply_error(c, cmd->txid, "NetConnection.Call.Failed",
			    "Too many streams on this connection.");
		return;
	}
	c->next_msid++;
	send_body(c, 0, buf,
		  rtmp_build_result(buf, buf + sizeof(buf), cmd->txid, 1,
				    c->next_msid));
}

static const char *
fail_code(enum role r)
{
	return r == ROLE_PUBLISHER ? "NetStream.Publish.BadName"
				   : "NetStream.Play.Failed";
}

/* Checks shared by publish and play; 0 when the command may proceed. */
static int
stream_cmd_ok(struct client *c, const struct rtmp_cmd *cmd,
	      const struct rtmp_msg_hdr *h, enum role what, char *key,
	      size_t keylen, char *query, size_t qlen)
{
	struct rtmp_str name;

	if (h->stream_id == 0 || h->stream_id > c->next_msid) {
		reply_error(c, cmd->txid, "NetConnection.Call.Failed",
			    "No such stream: call createStream first.");
		return -1;
	}
	/* Answered on the stream asked about; the current one is kept. */
	if (c->role != ROLE_NONE) {
		send_status_on(
		    c, h->stream_id, "error", fail_code(what),
		    "This connection already publishes or plays a stream.");
		return -1;
	}
	if (c->hook != NULL) {
		send_status_on(c, h->stream_id, "error", fail_code(what),
			       "A publish or play on this connection is "
			       "waiting for the server's access check.");
		return -1;
	}
	c->msid = h->stream_id;
	if (!rtmp_cmd_arg_string(cmd, 0, &name) ||
	    stream_key(c, name, key, keylen, query, qlen) < 0) {
		refuse(c, fail_code(what), "Missing or invalid stream name.");
		return -1;
	}
	return 0;
}

static void
finish_publish(struct client *c)
{
	char desc[RTMPD_MAX_NAME + 64];
	struct stream *s;
	struct client *old;
	const char *key = c->name;

	s = relay_stream(c->d->relay, key);
	if (s == NULL) {
		refuse(c, "NetStream.Publish.Failed", "Out of memory.");
		return;
	}
	old = stream_publisher(s);
	if (old != NULL) {
		if (!c->d->cfg.takeover) {
			snprintf(desc, sizeof(desc),
				 "Stream %s is already being published.", key);
			refuse_stream(c, "NetStream.Publish.BadName", desc,
				      c->logname);
			relay_stream_release(c->d->relay, s);
			return;
		}
		LOG_EV(LOG_INFO, "takeover", LKV_U("id", c->id),
		       LKV_U("old_id", old->id), LKV_S("stream", c->logname));
		drop_role(old);
		send_status(old, "error", "NetStream.Publish.BadName",
			    "Another publisher took over the stream.");
		net_conn_close_after_flush(old->nc);
		s = relay_stream(c->d->relay, key);
		if (s == NULL) {
			refuse(c, "NetStream.Publish.Failed", "Out of memory.");
			return;
		}
	}
	c->role = ROLE_PUBLISHER;
	c->stream = s;
	net_conn_deadline(c->nc, 0, 0, "");
	net_conn_set_recv_timeout(c->nc, c->d->cfg.idle_timeout_ms);
	snprintf(desc, sizeof(desc), "%s is now published.", key);
	send_status(c, "status", "NetStream.Publish.Start", desc);
	LOG_EV(LOG_INFO, "publish", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer), LKV_B("tls", c->tls),
	       LKV_S("stream", c->logname));
	stream_set_publisher(s, c);
}

static void
finish_play(struct client *c)
{
	char desc[RTMPD_MAX_NAME + 64];
	uint8_t buf[CMD_BUF], *e;
	struct stream *s;
	const char *key = c->name;

	s = relay_stream(c->d->relay, key);
	if (s == NULL) {
		refuse(c, "NetStream.Play.Failed", "Out of memory.");
		return;
	}
	if (stream_publisher(s) == NULL && c->d->cfg.play_not_found) {
		snprintf(desc, sizeof(desc), "Stream %s is not published.",
			 key);
		refuse_stream(c, "NetStream.Play.StreamNotFound", desc,
			      c->logname);
		relay_stream_release(c->d->relay, s);
		return;
	}
	c->role = ROLE_PLAYER;
	c->stream = s;
	net_conn_deadline(c->nc, 0, 0, "");
	net_conn_set_send_timeout(c->nc, c->d->cfg.send_timeout_ms);
	/* The order nginx-rtmp and FMS use; ffmpeg and librtmp expect it. */
	send_uc(c, RTMP_UC_STREAM_BEGIN);
	snprintf(desc, sizeof(desc), "Playing and resetting %s.", key);
	send_status(c, "status", "NetStream.Play.Reset", desc);
	snprintf(desc, sizeof(desc), "Started playing %s.", key);
	send_status(c, "status", "NetStream.Play.Start", desc);
	e = rtmp_build_sample_access(buf, buf + sizeof(buf));
	if (e)
		sess_send_data(&c->nc->sess, c->msid, 0, buf,
			       (size_t)(e - buf));
	net_conn_flush(c->nc);
	LOG_EV(LOG_INFO, "play", LKV_U("id", c->id), LKV_S("addr", c->nc->peer),
	       LKV_B("tls", c->tls), LKV_S("stream", c->logname),
	       LKV_B("published", stream_publisher(s) != NULL));
	c->ps.msid = c->msid;
	stream_add_player(s, c);
}

/* The on_publish / on_play answer (from the event loop, never after the
 * connection was freed: client_free cancels the call). */
static void
hook_answer(void *arg, int allowed, int status, const char *why)
{
	struct client *c = arg;
	enum role r = c->pending;
	char desc[160];

	c->hook = NULL;
	c->pending = ROLE_NONE;
	if (c->nc->closing)
		return;
	if (!allowed) {
		snprintf(desc, sizeof(desc),
			 "%s refused by the server's %s check: %s.",
			 r == ROLE_PUBLISHER ? "Publish" : "Play",
			 r == ROLE_PUBLISHER ? "on_publish" : "on_play", why);
		refuse_stream(c, fail_code(r), desc, c->logname);
		return;
	}
	c->msid = c->pending_msid;
	if (r == ROLE_PUBLISHER)
		finish_publish(c);
	else
		finish_play(c);
	net_conn_flush(c->nc);
}

static char *
redacted(const char *stream, size_t app_len)
{
	char buf[RTMPD_MAX_NAME];

	access_redact(stream, app_len, buf, sizeof(buf));
	return strdup(buf);
}

/*
 * publish or play: IP rules, then keys, then the hook (rtmpd(8), ACCESS
 * CONTROL); the stream is taken when all of them allow.
 */
static void
on_stream_cmd(struct client *c, const struct rtmp_cmd *cmd,
	      const struct rtmp_msg_hdr *h, enum role r)
{
	char key[RTMPD_MAX_NAME], query[RTMPD_MAX_QUERY];
	struct access *a = &c->d->access;
	enum access_action act =
	    r == ROLE_PUBLISHER ? ACCESS_PUBLISH : ACCESS_PLAY;
	size_t alen = strlen(c->app);
	const char *mapped = NULL, *name;
	int secret;

	if (stream_cmd_ok(c, cmd, h, r, key, sizeof(key), query,
			  sizeof(query)) < 0)
		return;
	name = key + alen + 1;
	/* A name equal to a key is a secret (OBS's stream key). */
	secret = access_name_is_key(a, name, strlen(name));
	free(c->name);
	free(c->logname);
	free(c->query);
	c->name = c->logname = c->query = NULL;
	if (!access_rules_check(&a->rules[act],
				(const struct sockaddr *)&c->sa)) {
		char *ln = secret ? redacted(key, alen) : strdup(key);

		refuse_stream(c, fail_code(r),
			      r == ROLE_PUBLISHER
				  ? "Publishing from this address is not "
				    "allowed."
				  : "Playing from this address is not allowed.",
			      ln ? ln : "");
		free(ln);
		return;
	}
	if (access_key_required(a, act) &&
	    !access_key_check(a, act, key, alen, query, &mapped)) {
		/* A name given without ?key= may be a mistyped bare key. */
		const char *qv;
		size_t qn;
		char *ln = !secret && access_query_param(query, strlen(query),
							 "key", &qv, &qn)
			       ? strdup(key)
			       : redacted(key, alen);

		refuse_stream(c, fail_code(r),
			      r == ROLE_PUBLISHER
				  ? "Invalid or missing publish key."
				  : "Invalid or missing play key.",
			      ln ? ln : "");
		free(ln);
		return;
	}
	c->name = strdup(mapped ? mapped : key);
	c->logname =
	    secret && mapped == NULL ? redacted(key, alen) : strdup(c->name);
	c->query = strdup(query);
	if (c->name == NULL || c->logname == NULL || c->query == NULL) {
		refuse(c, fail_code(r), "Out of memory.");
		return;
	}
	if (hooks_enabled(c->d->hooks,
			  r == ROLE_PUBLISHER ? HOOK_PUBLISH : HOOK_PLAY)) {
		struct hook_fields f;

		memset(&f, 0, sizeof(f));
		f.app = c->app;
		f.name = c->name + alen + 1;
		f.query = c->query;
		f.addr = c->ip;
		f.clientid = c->id;
		c->pending = r;
		c->pending_msid = c->msid;
		/* Media meanwhile is ignored (the role is not taken yet). */
		c->hook = hooks_call(
		    c->d->hooks, r == ROLE_PUBLISHER ? HOOK_PUBLISH : HOOK_PLAY,
		    &f, hook_answer, c);
		if (c->hook == NULL) {
			c->pending = ROLE_NONE;
			refuse_stream(c, fail_code(r),
				      "The server's access check is "
				      "unavailable.",
				      c->logname);
		}
		return;
	}
	if (r == ROLE_PUBLISHER)
		finish_publish(c);
	else
		finish_play(c);
}

static void
on_command(struct client *c, const struct rtmp_cmd *cmd,
	   const struct rtmp_msg_hdr *h)
{
	uint8_t buf[CMD_BUF];
	struct rtmp_str arg;

	if (rtmp_str_eq(cmd->name, "connect")) {
		on_connect_cmd(c, cmd);
		return;
	}
	if (!c->connected) {
		/* Adversarial: commands before connect get an error. */
		reply_error(c, cmd->txid, "NetConnection.Call.Failed",
			    "Call connect first.");
		return;
	}
	if (rtmp_str_eq(cmd->name, "createStream")) {
		on_create_stream(c, cmd);
	} else if (rtmp_str_eq(cmd->name, "publish")) {
		on_stream_cmd(c, cmd, h, ROLE_PUBLISHER);
	} else if (rtmp_str_eq(cmd->name, "play")) {
		on_stream_cmd(c, cmd, h, ROLE_PLAYER);
	} else if (rtmp_str_eq(cmd->name, "FCPublish")) {
		/* Some encoders wait for onFCPublish before publishing. */
		reply_result(c, cmd->txid);
		if (rtmp_cmd_arg_string(cmd, 0, &arg))
			send_body(c, 0, buf,
				  rtmp_build_onfc(buf, buf + sizeof(buf),
						  "onFCPublish",
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
		if (c->role == ROLE_PUBLISHER)
			send_status(c, "status", "NetStream.Unpublish.Success",
				    "The stream is unpublished.");
		cancel_pending(c);
		drop_role(c);
		reply_result(c, cmd->txid);
	} else if (rtmp_str_eq(cmd->name, "getStreamLength")) {
		/* ffmpeg asks before play; a live stream has no length. */
		if (cmd->txid != 0)
			send_body(c, 0, buf,
				  rtmp_build_result(buf, buf + sizeof(buf),
						    cmd->txid, 1, 0));
	} else if (rtmp_str_eq(cmd->name, "receiveAudio") ||
		   rtmp_str_eq(cmd->name, "receiveVideo")) {
		/* No answer expected (txid 0). */
	} else if (rtmp_str_eq(cmd->name, "releaseStream") ||
		   rtmp_str_eq(cmd->name, "FCSubscribe") ||
		   rtmp_str_eq(cmd->name, "_checkbw") ||
		   rtmp_str_eq(cmd->name, "checkBandwidth") ||
		   rtmp_str_eq(cmd->name, "pause")) {
		reply_result(c, cmd->txid);
	} else if (cmd->txid != 0) {
		/* Never drop a connection for a call we do not know. */
		reply_error(c, cmd->txid, "NetConnection.Call.Failed",
			    "Method not found.");
	}
	net_conn_flush(c->nc);
}

static void
on_data(struct client *c, const struct sess_event *ev)
{
	struct rtmp_str name;
	size_t off = 0;
	int sdf;

	if (c->role != ROLE_PUBLISHER || ev->h.stream_id != c->msid) {
		c->ignored++;
		return;
	}
	/* @setDataFrame is stripped; onMetaData is cached for new players. */
	sdf = rtmp_data_setdataframe(ev->payload, ev->len, &off);
	if (sdf < 0)
		return;
	if (rtmp_data_name(ev->payload + off, ev->len - off, &name) ==
		RTMP_OK &&
	    rtmp_str_eq(name, "onMetaData"))
		stream_metadata(c->stream, ev->payload + off, ev->len - off);
	else if (sdf == 0)
		stream_data(c->stream, ev->h.timestamp, ev->payload, ev->len);
}

/* Aggregates (FMS and some relays send them) are split into their audio,
 * video and data messages, timed relative to the aggregate's timestamp. */
static void
on_aggregate(struct client *c, const struct sess_event *ev)
{
	struct rtmp_msg_hdr h;
	const uint8_t *pl;
	size_t off = 0;
	uint32_t first = 0;
	int r, n = 0;

	while ((r = rtmp_aggregate_next(ev->payload, ev->len, &off, &h, &pl)) ==
	       1) {
		uint32_t ts;

		if (n++ == 0)
			first = h.timestamp;
		ts = ev->h.timestamp + (h.timestamp - first);
		if (h.type == RTMP_MSG_AUDIO || h.type == RTMP_MSG_VIDEO)
			stream_media(c->stream, h.type, ts, pl, h.length);
		else if (h.type == RTMP_MSG_DATA_AMF0)
			stream_data(c->stream, ts, pl, h.length);
	}
	if (r < 0)
		LOG_EV(LOG_DEBUG, "bad_aggregate", LKV_U("id", c->id));
}

static void
conn_event(struct net_conn *nc, struct sess_event *ev, void *arg)
{
	struct client *c = arg;

	switch (ev->type) {
	case SESS_EV_HANDSHAKE:
		net_conn_deadline(nc, (int)c->d->cfg.start_timeout_ms,
				  RK_EXIT_TIMEOUT,
				  "no publish or play in time");
		break;
	case SESS_EV_COMMAND:
		on_command(c, &ev->cmd, &ev->h);
		break;
	case SESS_EV_DATA:
		on_data(c, ev);
		break;
	case SESS_EV_AUDIO:
	case SESS_EV_VIDEO:
		if (c->role != ROLE_PUBLISHER || ev->h.stream_id != c->msid) {
			c->ignored++;
			break;
		}
		c->media_in++;
		stream_media(c->stream, ev->h.type, ev->h.timestamp,
			     ev->payload, ev->len);
		break;
	case SESS_EV_OTHER:
		if (ev->h.type == RTMP_MSG_AGGREGATE &&
		    c->role == ROLE_PUBLISHER && ev->h.stream_id == c->msid) {
			c->media_in++;
			on_aggregate(c, ev);
		}
		break;
	default:
		break;
	}
}

static void
conn_close(struct net_conn *nc, int code, const char *why, void *arg)
{
	struct client *c = arg;

	drop_role(c); /* "unpublish" is logged before "close" */
	LOG_EV(LOG_INFO, "close", LKV_U("id", c->id), LKV_S("addr", nc->peer),
	       LKV_B("tls", c->tls), LKV_S("reason", why),
	       LKV_U("bytes_in", nc->bytes_in),
	       LKV_U("bytes_out", c->ps.bytes_out + nc->sess.bytes_out),
	       LKV_U("duration_ms", clock_mono_ms() - c->t_start),
	       LKV_U("dropped", c->ps.drops), LKV_U("ignored", c->ignored));
	client_free(c);
}

/* TLS connections only: the TLS handshake is done (the RTMP one starts). */
static void
conn_tls_ready(struct net_conn *nc, void *arg)
{
	struct client *c = arg;
	struct tls_info ti;

	if (tls_info(nc->bev, &ti) == 0)
		LOG_EV(LOG_DEBUG, "tls_handshake", LKV_U("id", c->id),
		       LKV_S("addr", nc->peer), LKV_S("version", ti.version),
		       LKV_S("cipher", ti.cipher));
}

static const struct net_conn_ops server_ops = {
    .on_connect = conn_tls_ready,
    .on_event = conn_event,
    .on_close = conn_close,
};

/* Keep the peer's address for the IP rules, and its text for hooks. */
static void
peer_ip(const struct sockaddr *sa, int salen, struct client *c)
{
	if (sa == NULL || salen <= 0 || (size_t)salen > sizeof(c->sa))
		return;
	memcpy(&c->sa, sa, (size_t)salen);
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  c->ip, sizeof(c->ip));
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, a->s6_addr + 12, c->ip,
				  sizeof(c->ip));
		else
			inet_ntop(AF_INET6, a, c->ip, sizeof(c->ip));
	}
}

void
server_accept(struct rtmpd *d, evutil_socket_t fd, const struct sockaddr *sa,
	      int salen, int tls)
{
	struct sess_config sc;
	struct client *c;
	char addr[64];

	d->stats.connections++;
	if (d->stopping || d->nclients >= d->cfg.max_connections) {
		net_addr_str(sa, addr, sizeof(addr));
		LOG_EV(LOG_WARN, "refuse", LKV_S("addr", addr),
		       LKV_B("tls", tls),
		       LKV_S("reason", d->stopping ? "shutting down"
						   : "too many connections"));
		d->stats.refused_max++;
		evutil_closesocket(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.role = SESS_SERVER;
	sc.chunk.max_message_size = d->cfg.max_message_size;
	sc.chunk.max_chunk_size = d->cfg.max_chunk_size;
	sc.epoch = (uint32_t)clock_mono_ms();
	sc.seed = clock_mono_us() ^ (d->next_id << 32);
	c->d = d;
	c->id = ++d->next_id;
	c->t_start = clock_mono_ms();
	peer_ip(sa, salen, c);
	c->tls = tls;
	/* With TLS, the handshake deadline below covers the TLS handshake
	 * and the RTMP one together. */
	c->nc = net_conn_accept_tls(d->base, fd, sa, salen, &sc, &server_ops, c,
				    tls ? d->tls_ctx : NULL);
	if (c->nc == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	/* Plain TCP: the relay's queued references are written without
	 * libevent's output buffer (TLS keeps it). */
	if (!tls)
		net_conn_direct(c->nc);
	c->next = d->clients;
	if (d->clients)
		d->clients->prev = c;
	d->clients = c;
	d->nclients++;
	net_conn_deadline(c->nc, (int)d->cfg.handshake_timeout_ms,
			  RK_EXIT_TIMEOUT, "handshake timeout");
	LOG_EV(LOG_DEBUG, "accept", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer), LKV_B("tls", tls));
}

void
server_shutdown(struct rtmpd *d)
{
	struct client *c, *next;

	d->stopping = 1;
	/* Publishers first: their players get StreamEOF + UnpublishNotify
	 * (ffmpeg then ends cleanly), exactly once. */
	for (c = d->clients; c; c = c->next) {
		cancel_pending(c);
		if (c->role == ROLE_PUBLISHER)
			drop_role(c);
	}
	for (c = d->clients; c; c = next) {
		next = c->next;
		net_conn_close_after_flush(c->nc);
	}
	check_exit(d);
}

void
server_free_all(struct rtmpd *d)
{
	struct client *c;

	/* No on_done calls from here on; then nothing is in flight. */
	for (c = d->clients; c; c = c->next)
		cancel_pending(c);
	hooks_free(d->hooks);
	d->hooks = NULL;
	while ((c = d->clients) != NULL) {
		struct net_conn *nc = c->nc;

		client_free(c);
		net_conn_close(nc);
	}
}
