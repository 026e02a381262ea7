/*
 * One connection's command policy: what rtmpd answers to connect,
 * createStream, publish, play and the rest, in the order real clients
 * expect (see rtmpd(8) for the policies).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "cli.h"
#include "log.h"
#include "rtmp_msg.h"
#include "rtmpd.h"

#define CMD_BUF 2048

enum role { ROLE_NONE, ROLE_PUBLISHER, ROLE_PLAYER };

struct client {
	struct client *prev, *next;
	struct rtmpd *d;
	struct net_conn *nc;
	uint64_t id;
	uint64_t t_start;
	int connected;
	char *app; /* from connect, without query */
	uint32_t next_msid;
	enum role role;
	struct stream *stream;
	uint32_t msid;
	struct player_state ps;
	uint64_t bytes_out;
	uint64_t media_in, ignored;
	char *name; /* app/stream while publishing or playing, for logs */
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

uint32_t
client_msid(const struct client *c)
{
	return c->msid;
}

void
client_add_bytes_out(struct client *c, uint64_t n)
{
	c->bytes_out += n;
}

static void
send_status(struct client *c, const char *level, const char *code,
	    const char *desc)
{
	sess_send_status(&c->nc->sess, c->msid, level, code, desc);
	net_conn_flush(c->nc);
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

/* Leave whatever role the connection had. */
static void
drop_role(struct client *c)
{
	struct stream *s = c->stream;

	if (s == NULL)
		return;
	if (c->role == ROLE_PUBLISHER && stream_publisher(s) == c) {
		LOG_EV(LOG_INFO, "unpublish", LKV_U("id", c->id),
		       LKV_S("stream", c->name),
		       LKV_U("bytes_in", c->nc->bytes_in),
		       LKV_U("messages", c->media_in));
		stream_unpublish(s);
		bufferevent_set_timeouts(c->nc->bev, NULL, NULL);
	} else if (c->role == ROLE_PLAYER) {
		stream_remove_player(s, c);
	}
	c->role = ROLE_NONE;
	c->stream = NULL;
	relay_stream_release(c->d->relay, s);
}

static void
client_free(struct client *c)
{
	struct rtmpd *d = c->d;

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
	free(c);
	if (d->stopping && d->nclients == 0)
		event_base_loopexit(d->base, NULL);
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

/*
 * The stream key: app + "/" + name without its query. Names are opaque
 * keys (never file paths), so "../" is harmless; control characters and
 * overlong names are refused.
 */
static int
stream_key(struct client *c, struct rtmp_str name, char *out, size_t outlen)
{
	size_t i, n = name.len, alen;

	for (i = 0; i < name.len; i++)
		if (name.p[i] == '?') {
			n = i;
			break;
		}
	if (n == 0)
		return -1;
	for (i = 0; i < n; i++)
		if (name.p[i] < 0x20 || name.p[i] == 0x7F)
			return -1;
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
	       LKV_S("addr", c->nc->peer), LKV_S("app", c->app));
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

/* Checks shared by publish and play; 0 when the command may proceed. */
static int
stream_cmd_ok(struct client *c, const struct rtmp_cmd *cmd,
	      const struct rtmp_msg_hdr *h, const char *what, char *key,
	      size_t keylen)
{
	struct rtmp_str name;

	if (h->stream_id == 0 || h->stream_id > c->next_msid) {
		reply_error(c, cmd->txid, "NetConnection.Call.Failed",
			    "No such stream: call createStream first.");
		return -1;
	}
	c->msid = h->stream_id;
	if (c->role != ROLE_NONE) {
		send_status(
		    c, "error",
		    strcmp(what, "publish") == 0 ? "NetStream.Publish.BadName"
						 : "NetStream.Play.Failed",
		    "This connection already publishes or plays a stream.");
		return -1;
	}
	if (!rtmp_cmd_arg_string(cmd, 0, &name) ||
	    stream_key(c, name, key, keylen) < 0) {
		refuse(c,
		       strcmp(what, "publish") == 0
			   ? "NetStream.Publish.BadName"
			   : "NetStream.Play.Failed",
		       "Missing or invalid stream name.");
		return -1;
	}
	return 0;
}

static void
on_publish(struct client *c, const struct rtmp_cmd *cmd,
	   const struct rtmp_msg_hdr *h)
{
	char key[RTMPD_MAX_NAME], desc[RTMPD_MAX_NAME + 64];
	struct stream *s;
	struct client *old;
	struct timeval idle;

	if (stream_cmd_ok(c, cmd, h, "publish", key, sizeof(key)) < 0)
		return;
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
			refuse(c, "NetStream.Publish.BadName", desc);
			relay_stream_release(c->d->relay, s);
			return;
		}
		LOG_EV(LOG_INFO, "takeover", LKV_U("id", c->id),
		       LKV_U("old_id", old->id), LKV_S("stream", key));
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
	free(c->name);
	c->name = strdup(key);
	c->role = ROLE_PUBLISHER;
	c->stream = s;
	net_conn_deadline(c->nc, 0, 0, "");
	idle.tv_sec = c->d->cfg.idle_timeout_ms / 1000;
	idle.tv_usec = (c->d->cfg.idle_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->nc->bev, &idle, NULL);
	snprintf(desc, sizeof(desc), "%s is now published.", key);
	send_status(c, "status", "NetStream.Publish.Start", desc);
	LOG_EV(LOG_INFO, "publish", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer), LKV_S("stream", key));
	stream_set_publisher(s, c);
}

static void
on_play(struct client *c, const struct rtmp_cmd *cmd,
	const struct rtmp_msg_hdr *h)
{
	char key[RTMPD_MAX_NAME], desc[RTMPD_MAX_NAME + 64];
	uint8_t buf[CMD_BUF], *e;
	struct stream *s;
	struct timeval send_to;

	if (stream_cmd_ok(c, cmd, h, "play", key, sizeof(key)) < 0)
		return;
	s = relay_stream(c->d->relay, key);
	if (s == NULL) {
		refuse(c, "NetStream.Play.Failed", "Out of memory.");
		return;
	}
	if (stream_publisher(s) == NULL && c->d->cfg.play_not_found) {
		snprintf(desc, sizeof(desc), "Stream %s is not published.",
			 key);
		refuse(c, "NetStream.Play.StreamNotFound", desc);
		relay_stream_release(c->d->relay, s);
		return;
	}
	free(c->name);
	c->name = strdup(key);
	c->role = ROLE_PLAYER;
	c->stream = s;
	net_conn_deadline(c->nc, 0, 0, "");
	send_to.tv_sec = c->d->cfg.send_timeout_ms / 1000;
	send_to.tv_usec = (c->d->cfg.send_timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(c->nc->bev, NULL, &send_to);
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
	       LKV_S("stream", key),
	       LKV_B("published", stream_publisher(s) != NULL));
	stream_add_player(s, c);
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
		on_publish(c, cmd, h);
	} else if (rtmp_str_eq(cmd->name, "play")) {
		on_play(c, cmd, h);
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
	       LKV_S("reason", why), LKV_U("bytes_in", nc->bytes_in),
	       LKV_U("bytes_out", c->bytes_out + nc->sess.bytes_out),
	       LKV_U("duration_ms", clock_mono_ms() - c->t_start),
	       LKV_U("dropped", c->ps.drops));
	client_free(c);
}

static const struct net_conn_ops server_ops = {
    .on_event = conn_event,
    .on_close = conn_close,
};

void
server_accept(struct rtmpd *d, evutil_socket_t fd, const struct sockaddr *sa,
	      int salen)
{
	struct sess_config sc;
	struct client *c;
	char addr[64];

	d->stats.connections++;
	if (d->stopping || d->nclients >= d->cfg.max_connections) {
		net_addr_str(sa, addr, sizeof(addr));
		LOG_EV(LOG_WARN, "refuse", LKV_S("addr", addr),
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
	c->nc = net_conn_accept(d->base, fd, sa, salen, &sc, &server_ops, c);
	if (c->nc == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->next = d->clients;
	if (d->clients)
		d->clients->prev = c;
	d->clients = c;
	d->nclients++;
	net_conn_deadline(c->nc, (int)d->cfg.handshake_timeout_ms,
			  RK_EXIT_TIMEOUT, "handshake timeout");
	LOG_EV(LOG_DEBUG, "accept", LKV_U("id", c->id),
	       LKV_S("addr", c->nc->peer));
}

void
server_shutdown(struct rtmpd *d)
{
	struct client *c, *next;

	d->stopping = 1;
	/* Publishers first: their players get StreamEOF + UnpublishNotify
	 * (ffmpeg then ends cleanly), exactly once. */
	for (c = d->clients; c; c = c->next)
		if (c->role == ROLE_PUBLISHER)
			drop_role(c);
	for (c = d->clients; c; c = next) {
		next = c->next;
		net_conn_close_after_flush(c->nc);
	}
	if (d->nclients == 0)
		event_base_loopexit(d->base, NULL);
}

void
server_free_all(struct rtmpd *d)
{
	while (d->clients) {
		struct client *c = d->clients;
		struct net_conn *nc = c->nc;

		client_free(c);
		net_conn_close(nc);
	}
}
