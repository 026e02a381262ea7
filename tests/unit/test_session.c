/*
 * Session tests: a client and a server wired back to back in memory, with
 * every split pattern, and real traffic captured between ffmpeg and
 * nginx-rtmp (tests/vectors, see its README).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "session.h"
#include "tap.h"

#define LOG_MAX 4096
#define WHOLE	((size_t)-1)

/* An event with what the tests look at copied out of the session. */
struct rec {
	enum sess_ev_type type;
	struct rtmp_msg_hdr h;
	uint32_t value;
	uint8_t limit_type;
	struct rtmp_user_control uc;
	char name[48]; /* command name, or data handler name */
	double txid;
	char code[64]; /* status code of onStatus/_result/_error */
	char arg0[48], arg1[48];
	double num0;
	int has_num0;
	char app[32], tcurl[64];
	int setdataframe;
	size_t len;
	uint8_t head[2];
	uint32_t sum;
};

struct evlog {
	size_t n; /* events, including those past LOG_MAX */
	struct rec r[LOG_MAX];
	uint32_t sig; /* hash over every event */
	int contract; /* feeds that returned less than given without event */
	int err;
};

static struct evlog lg_a, lg_b;

static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (h == 0)
		h = 2166136261u;
	while (n-- > 0)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static void
cpy(char *dst, size_t cap, struct rtmp_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void
record(struct evlog *lg, const struct sess_event *ev)
{
	struct rec r;
	struct rtmp_str str;
	struct rtmp_status st;
	struct rtmp_connect_info ci;
	size_t off;
	uint32_t h;

	memset(&r, 0, sizeof(r));
	r.type = ev->type;
	r.h = ev->h;
	r.value = ev->value;
	r.limit_type = ev->limit_type;
	r.uc = ev->uc;
	r.len = ev->len;
	r.sum = fnv(0, ev->payload, ev->len);
	if (ev->len > 0)
		r.head[0] = ev->payload[0];
	if (ev->len > 1)
		r.head[1] = ev->payload[1];
	if (ev->type == SESS_EV_COMMAND) {
		cpy(r.name, sizeof(r.name), ev->cmd.name);
		r.txid = ev->cmd.txid;
		if (rtmp_cmd_status(&ev->cmd, &st) == RTMP_OK)
			cpy(r.code, sizeof(r.code), st.code);
		if (rtmp_cmd_arg_string(&ev->cmd, 0, &str))
			cpy(r.arg0, sizeof(r.arg0), str);
		if (rtmp_cmd_arg_string(&ev->cmd, 1, &str))
			cpy(r.arg1, sizeof(r.arg1), str);
		r.has_num0 = rtmp_cmd_arg_number(&ev->cmd, 0, &r.num0);
		if (strcmp(r.name, "connect") == 0 &&
		    rtmp_cmd_connect_info(&ev->cmd, &ci) == RTMP_OK) {
			cpy(r.app, sizeof(r.app), ci.app);
			cpy(r.tcurl, sizeof(r.tcurl), ci.tcurl);
		}
	}
	if (ev->type == SESS_EV_DATA) {
		off = 0;
		if (rtmp_data_setdataframe(ev->payload, ev->len, &off) == 1)
			r.setdataframe = 1;
		else
			off = 0;
		if (rtmp_data_name(ev->payload + off, ev->len - off, &str) ==
		    RTMP_OK)
			cpy(r.name, sizeof(r.name), str);
	}
	h = fnv(lg->sig, &r.type, sizeof(r.type));
	h = fnv(h, &r.h, sizeof(r.h));
	h = fnv(h, &r.value, sizeof(r.value));
	h = fnv(h, &r.len, sizeof(r.len));
	lg->sig = fnv(h, &r.sum, sizeof(r.sum));
	if (lg->n < LOG_MAX)
		lg->r[lg->n] = r;
	lg->n++;
}

static void
log_reset(struct evlog *lg)
{
	memset(lg, 0, sizeof(*lg));
}

/* Feed n bytes to s in pieces of split bytes, each in its own heap block. */
static ssize_t
feed(struct sess *s, const uint8_t *p, size_t n, size_t split, struct evlog *lg)
{
	struct sess_event ev;
	size_t off, k, pos;
	uint8_t *piece;
	ssize_t r;

	for (off = 0; off < n; off += k) {
		k = n - off < split ? n - off : split;
		piece = tap_dup(p + off, k);
		for (pos = 0; pos < k;) {
			r = sess_feed(s, piece + pos, k - pos, &ev);
			if (r < 0) {
				free(piece);
				lg->err = (int)r;
				return r;
			}
			if (ev.type == SESS_EV_NONE && (size_t)r != k - pos)
				lg->contract++;
			if (ev.type != SESS_EV_NONE)
				record(lg, &ev);
			else if (r == 0)
				break;
			pos += (size_t)r;
		}
		free(piece);
	}
	return (ssize_t)n;
}

/* Move everything from has queued into to. */
static ssize_t
pump(struct sess *from, struct sess *to, size_t split, struct evlog *lg)
{
	const uint8_t *p;
	size_t n;
	ssize_t r;

	p = sess_output(from, &n);
	r = feed(to, p, n, split, lg);
	sess_output_done(from, n);
	return r;
}

static long
find(const struct evlog *lg, size_t from, enum sess_ev_type type,
     const char *name)
{
	size_t i;

	for (i = from; i < lg->n && i < LOG_MAX; i++)
		if (lg->r[i].type == type &&
		    (name == NULL || strcmp(lg->r[i].name, name) == 0))
			return (long)i;
	return -1;
}

static long
find_ctl(const struct evlog *lg, size_t from, uint8_t msg_type)
{
	size_t i;

	for (i = from; i < lg->n && i < LOG_MAX; i++)
		if (lg->r[i].type == SESS_EV_CONTROL &&
		    lg->r[i].h.type == msg_type)
			return (long)i;
	return -1;
}

static size_t
count(const struct evlog *lg, enum sess_ev_type type, uint8_t msg_type)
{
	size_t i, c = 0;

	for (i = 0; i < lg->n && i < LOG_MAX; i++)
		if (lg->r[i].type == type &&
		    (msg_type == 0 || lg->r[i].h.type == msg_type))
			c++;
	return c;
}

static void
pair_init(struct sess *c, struct sess *s)
{
	struct sess_config cc = {.role = SESS_CLIENT, .epoch = 1, .seed = 7};
	struct sess_config sc = {.role = SESS_SERVER, .epoch = 2, .seed = 9};

	if (sess_init(c, &cc) != RTMP_OK || sess_init(s, &sc) != RTMP_OK)
		abort();
}

static int
send_cmd(struct sess *s, uint32_t stream_id, uint8_t *body, uint8_t *end)
{
	if (end == NULL)
		return RTMP_ERR_NOSPACE;
	return sess_send_command(s, stream_id, body, (size_t)(end - body));
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31 + (i >> 8));
}

static struct sess cl, sv;

static void
test_handshake_and_connect(size_t split, const char *sp)
{
	struct rtmp_connect_props props;
	uint8_t body[1024];
	const uint8_t *o;
	size_t n;
	long i;

	pair_init(&cl, &sv);
	o = sess_output(&cl, &n);
	is_int(n, 1 + HS_SIG_SIZE, "%s: client queues C0+C1 at init", sp);
	is_int(o[0], 3, "%s: C0 is version 3", sp);
	sess_output(&sv, &n);
	is_int(n, 0, "%s: server queues nothing at init", sp);

	log_reset(&lg_a);
	log_reset(&lg_b);
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.n, 0, "%s: no server event after C0+C1", sp);
	sess_output(&sv, &n);
	is_int(n, 1 + 2 * HS_SIG_SIZE, "%s: server answers S0+S1+S2", sp);
	pump(&sv, &cl, split, &lg_a);
	is_int(lg_a.n, 1, "%s: one client event after S0+S1+S2", sp);
	is_int(lg_a.r[0].type, SESS_EV_HANDSHAKE, "%s: client handshake done",
	       sp);
	sess_output(&cl, &n);
	is_int(n, HS_SIG_SIZE, "%s: client sends C2", sp);
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.n, 1, "%s: one server event after C2", sp);
	is_int(lg_b.r[0].type, SESS_EV_HANDSHAKE, "%s: server handshake done",
	       sp);

	/* connect -> Window Ack Size, Set Peer Bandwidth, Set Chunk Size,
	 * _result */
	memset(&props, 0, sizeof(props));
	props.app = "live";
	props.type = "nonprivate";
	props.tcurl = "rtmp://example/live";
	props.fpad = -1;
	props.capabilities = props.audio_codecs = props.video_codecs = -1;
	props.video_function = props.object_encoding = -1;
	is_int(sess_next_txid(&cl), 1, "%s: first txid is 1", sp);
	is_int(
	    send_cmd(&cl, 0, body,
		     rtmp_build_connect(body, body + sizeof(body), 1, &props)),
	    RTMP_OK, "%s: client queues connect", sp);
	log_reset(&lg_b);
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.n, 1, "%s: server sees one event", sp);
	ok(strcmp(lg_b.r[0].name, "connect") == 0, "%s: it is connect", sp);
	is_int(lg_b.r[0].txid, 1, "%s: connect txid 1", sp);
	is_int(lg_b.r[0].h.csid, 3, "%s: connect on csid 3", sp);
	is_int(lg_b.r[0].h.type, 20, "%s: connect type 20", sp);
	ok(strcmp(lg_b.r[0].app, "live") == 0, "%s: connect app", sp);
	ok(strcmp(lg_b.r[0].tcurl, "rtmp://example/live") == 0,
	   "%s: connect tcUrl", sp);

	is_int(sess_accept_connect(&sv, 1, 5000000, 4096, 0), RTMP_OK,
	       "%s: server accepts connect", sp);
	is_int(sv.wr.chunk_size, 4096, "%s: server writer now at 4096", sp);
	log_reset(&lg_a);
	pump(&sv, &cl, split, &lg_a);
	is_int(lg_a.n, 4, "%s: client sees four events", sp);
	is_int(lg_a.r[0].h.type, RTMP_MSG_WINDOW_ACK_SIZE,
	       "%s: 1st Window Ack Size", sp);
	is_int(lg_a.r[0].value, 5000000, "%s: window 5000000", sp);
	is_int(lg_a.r[0].h.csid, 2, "%s: control on csid 2", sp);
	is_int(lg_a.r[0].h.stream_id, 0, "%s: control on stream 0", sp);
	is_int(lg_a.r[1].h.type, RTMP_MSG_SET_PEER_BANDWIDTH,
	       "%s: 2nd Set Peer Bandwidth", sp);
	is_int(lg_a.r[1].value, 5000000, "%s: bandwidth 5000000", sp);
	is_int(lg_a.r[1].limit_type, RTMP_BW_DYNAMIC, "%s: dynamic", sp);
	is_int(lg_a.r[2].h.type, RTMP_MSG_SET_CHUNK_SIZE,
	       "%s: 3rd Set Chunk Size", sp);
	is_int(lg_a.r[2].value, 4096, "%s: chunk size 4096", sp);
	is_int(lg_a.r[3].type, SESS_EV_COMMAND, "%s: 4th a command", sp);
	ok(strcmp(lg_a.r[3].name, "_result") == 0, "%s: _result", sp);
	is_int(lg_a.r[3].txid, 1, "%s: _result txid 1", sp);
	ok(strcmp(lg_a.r[3].code, "NetConnection.Connect.Success") == 0,
	   "%s: Connect.Success", sp);
	is_int(cl.peer_window, 5000000, "%s: client learnt the window", sp);
	is_int(cl.rd.chunk_size, 4096, "%s: client reader at 4096", sp);
	is_int(cl.our_window, 5000000, "%s: client answered Set Peer Bandwidth",
	       sp);

	log_reset(&lg_b);
	pump(&cl, &sv, split, &lg_b);
	i = find_ctl(&lg_b, 0, RTMP_MSG_WINDOW_ACK_SIZE);
	ok(i >= 0, "%s: server got the client's Window Ack Size", sp);
	is_int(sv.peer_window, 5000000, "%s: server learnt the window", sp);
	is_int(lg_b.contract, 0, "%s: feeds consume all without event", sp);
	is_int(lg_a.contract, 0, "%s: client feeds consume all", sp);
}

static void
test_stream_and_media(size_t split, const char *sp)
{
	uint8_t body[1024], big[9000];
	struct rtmp_msg_hdr h;
	size_t i, base, dlen;
	long k;
	uint32_t ts[6] = {0, 40, 80, 0xFFFFF0, 0x1000010, 0x1000050};
	uint8_t *p;

	/* createStream -> _result(1) */
	log_reset(&lg_b);
	is_int(
	    send_cmd(&cl, 0, body,
		     rtmp_build_call(body, body + sizeof(body), "createStream",
				     sess_next_txid(&cl), NULL)),
	    RTMP_OK, "%s: createStream queued", sp);
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.n, 1, "%s: server got one event", sp);
	ok(strcmp(lg_b.r[0].name, "createStream") == 0, "%s: createStream", sp);
	is_int(lg_b.r[0].txid, 2, "%s: createStream txid 2", sp);
	is_int(send_cmd(&sv, 0, body,
			rtmp_build_result(body, body + sizeof(body), 2, 1, 1)),
	       RTMP_OK, "%s: _result queued", sp);
	log_reset(&lg_a);
	pump(&sv, &cl, split, &lg_a);
	is_int(lg_a.n, 1, "%s: client got one event", sp);
	ok(strcmp(lg_a.r[0].name, "_result") == 0 && lg_a.r[0].txid == 2,
	   "%s: _result(2)", sp);
	ok(lg_a.r[0].has_num0 && lg_a.r[0].num0 == 1, "%s: stream id 1", sp);

	/* publish on stream 1 -> onStatus */
	log_reset(&lg_b);
	is_int(send_cmd(&cl, 1, body,
			rtmp_build_publish(body, body + sizeof(body),
					   sess_next_txid(&cl), "vec", "live")),
	       RTMP_OK, "%s: publish queued", sp);
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.n, 1, "%s: server got publish", sp);
	ok(strcmp(lg_b.r[0].name, "publish") == 0, "%s: publish name", sp);
	ok(strcmp(lg_b.r[0].arg0, "vec") == 0, "%s: publish stream name", sp);
	ok(strcmp(lg_b.r[0].arg1, "live") == 0, "%s: publish type", sp);
	is_int(lg_b.r[0].h.csid, 5, "%s: stream command on csid 5", sp);
	is_int(lg_b.r[0].h.stream_id, 1, "%s: on stream 1", sp);
	is_int(sess_send_status(&sv, 1, "status", "NetStream.Publish.Start",
				"Start publishing"),
	       RTMP_OK, "%s: onStatus queued", sp);
	log_reset(&lg_a);
	pump(&sv, &cl, split, &lg_a);
	is_int(lg_a.n, 1, "%s: client got onStatus", sp);
	ok(strcmp(lg_a.r[0].name, "onStatus") == 0, "%s: onStatus name", sp);
	ok(strcmp(lg_a.r[0].code, "NetStream.Publish.Start") == 0,
	   "%s: Publish.Start", sp);
	is_int(lg_a.r[0].h.stream_id, 1, "%s: onStatus on stream 1", sp);

	/* metadata, then media across chunk size changes and timestamps
	 * past 2^24 (extended timestamps) */
	log_reset(&lg_b);
	p = rtmp_build_setdataframe_prefix(body, body + sizeof(body));
	p = amf0_put_cstr(p, body + sizeof(body), "onMetaData");
	p = amf0_put_ecma_begin(p, body + sizeof(body), 1);
	p = amf0_put_prop_number(p, body + sizeof(body), "width", 160);
	p = amf0_put_object_end(p, body + sizeof(body));
	ok(p != NULL, "%s: metadata built", sp);
	is_int(sess_send_data(&cl, 1, 0, body, (size_t)(p - body)), RTMP_OK,
	       "%s: metadata queued", sp);
	is_int(sess_send_set_chunk_size(&cl, 1000), RTMP_OK,
	       "%s: client chunk size 1000", sp);
	for (i = 0; i < 6; i++) {
		if (i == 3)
			is_int(sess_send_set_chunk_size(&cl, 77), RTMP_OK,
			       "%s: client chunk size 77", sp);
		fill(big, sizeof(big), (unsigned)i);
		h.csid = i % 2 ? RTMP_CSID_AUDIO : RTMP_CSID_VIDEO;
		h.type = i % 2 ? RTMP_MSG_AUDIO : RTMP_MSG_VIDEO;
		h.stream_id = 1;
		h.timestamp = ts[i];
		h.length = (uint32_t)(i % 2 ? 300 + i : 8000 + i);
		is_int(sess_send(&cl, &h, big), RTMP_OK, "%s: media %zu queued",
		       sp, i);
	}
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.err, 0, "%s: server took media without error", sp);
	is_int(lg_b.n, 9, "%s: server saw 9 events", sp);
	is_int(lg_b.r[0].type, SESS_EV_DATA, "%s: data first", sp);
	ok(lg_b.r[0].setdataframe, "%s: @setDataFrame", sp);
	ok(strcmp(lg_b.r[0].name, "onMetaData") == 0, "%s: onMetaData", sp);
	is_int(lg_b.r[0].h.csid, 5, "%s: data on csid 5", sp);
	is_int(lg_b.r[1].h.type, RTMP_MSG_SET_CHUNK_SIZE, "%s: SCS event", sp);
	is_int(lg_b.r[1].value, 1000, "%s: SCS 1000", sp);
	for (i = 0, base = 2; i < 6; i++) {
		if (i == 3) {
			is_int(lg_b.r[base + i].value, 77, "%s: SCS 77", sp);
			base++;
		}
		fill(big, sizeof(big), (unsigned)i);
		is_int(lg_b.r[base + i].type,
		       i % 2 ? SESS_EV_AUDIO : SESS_EV_VIDEO,
		       "%s: media %zu type", sp, i);
		is_int(lg_b.r[base + i].h.timestamp, ts[i],
		       "%s: media %zu timestamp", sp, i);
		is_int(lg_b.r[base + i].len, i % 2 ? 300 + i : 8000 + i,
		       "%s: media %zu length", sp, i);
		is_int(lg_b.r[base + i].sum, fnv(0, big, lg_b.r[base + i].len),
		       "%s: media %zu payload", sp, i);
	}
	is_int(sv.rd.chunk_size, 77, "%s: server reader follows", sp);

	/* AMF3 command (17) and data (15) */
	log_reset(&lg_b);
	body[0] = 0;
	p = rtmp_build_call(body + 1, body + sizeof(body), "FCPublish",
			    sess_next_txid(&cl), "vec");
	h.csid = 3, h.timestamp = 0, h.type = RTMP_MSG_COMMAND_AMF3;
	h.stream_id = 0, h.length = (uint32_t)(p - body);
	is_int(sess_send(&cl, &h, body), RTMP_OK, "%s: AMF3 command", sp);
	p = rtmp_build_sample_access(body + 1, body + sizeof(body));
	dlen = (size_t)(p - body);
	h.csid = 5, h.type = RTMP_MSG_DATA_AMF3, h.length = (uint32_t)dlen;
	is_int(sess_send(&cl, &h, body), RTMP_OK, "%s: AMF3 data", sp);
	h.type = RTMP_MSG_AGGREGATE, h.length = 3;
	is_int(sess_send(&cl, &h, body), RTMP_OK, "%s: aggregate", sp);
	is_int(sess_send_abort(&cl, 9), RTMP_OK, "%s: abort queued", sp);
	pump(&cl, &sv, split, &lg_b);
	is_int(lg_b.n, 4, "%s: four events", sp);
	is_int(lg_b.r[0].type, SESS_EV_COMMAND, "%s: type 17 is a command", sp);
	ok(strcmp(lg_b.r[0].name, "FCPublish") == 0, "%s: FCPublish", sp);
	ok(strcmp(lg_b.r[0].arg0, "vec") == 0, "%s: FCPublish arg", sp);
	is_int(lg_b.r[1].type, SESS_EV_DATA, "%s: type 15 is data", sp);
	is_int(lg_b.r[1].head[0], AMF0_STRING, "%s: 0x00 prefix removed", sp);
	is_int(lg_b.r[1].len, dlen - 1, "%s: data length one short", sp);
	ok(strcmp(lg_b.r[1].name, "|RtmpSampleAccess") == 0, "%s: data name",
	   sp);
	is_int(lg_b.r[2].type, SESS_EV_OTHER, "%s: aggregate is OTHER", sp);
	is_int(lg_b.r[3].type, SESS_EV_CONTROL, "%s: abort is CONTROL", sp);
	is_int(lg_b.r[3].value, 9, "%s: abort csid 9", sp);

	/* ping */
	{
		struct rtmp_user_control uc = {.event = RTMP_UC_PING_REQUEST,
					       .timestamp = 12345};

		is_int(sess_send_user_control(&sv, &uc), RTMP_OK,
		       "%s: ping queued", sp);
	}
	log_reset(&lg_a);
	log_reset(&lg_b);
	pump(&sv, &cl, split, &lg_a);
	is_int(lg_a.n, 1, "%s: client got the ping", sp);
	is_int(lg_a.r[0].type, SESS_EV_USER_CONTROL, "%s: user control", sp);
	is_int(lg_a.r[0].uc.event, RTMP_UC_PING_REQUEST, "%s: ping req", sp);
	pump(&cl, &sv, split, &lg_b);
	k = find(&lg_b, 0, SESS_EV_USER_CONTROL, NULL);
	ok(k >= 0 && lg_b.r[k].uc.event == RTMP_UC_PING_RESPONSE,
	   "%s: server got the ping response", sp);
	ok(k >= 0 && lg_b.r[k].uc.timestamp == 12345,
	   "%s: response echoes the timestamp", sp);
	ok(k >= 0 && lg_b.r[k].h.csid == 2, "%s: user control on csid 2", sp);
}

/* Send n media bytes from cl to sv and return the acks cl received. */
static size_t
acks_for(size_t split, size_t msgs, uint32_t window, uint32_t *first,
	 uint32_t *gap_min, uint32_t *gap_max)
{
	uint8_t big[1000];
	struct rtmp_msg_hdr h = {.csid = 4, .type = 8, .stream_id = 1};
	size_t i, n;
	uint32_t prev = 0;

	fill(big, sizeof(big), 3);
	for (i = 0; i < msgs; i++) {
		h.timestamp = (uint32_t)i * 10;
		h.length = sizeof(big);
		if (sess_send(&cl, &h, big) != RTMP_OK)
			return (size_t)-1;
	}
	log_reset(&lg_a);
	log_reset(&lg_b);
	pump(&cl, &sv, split, &lg_b);
	pump(&sv, &cl, split, &lg_a);
	*gap_min = UINT32_MAX;
	*gap_max = 0;
	*first = 0;
	for (i = 0, n = 0; i < lg_a.n; i++) {
		if (lg_a.r[i].h.type != RTMP_MSG_ACK)
			continue;
		if (n == 0)
			*first = lg_a.r[i].value;
		else {
			if (lg_a.r[i].value - prev < *gap_min)
				*gap_min = lg_a.r[i].value - prev;
			if (lg_a.r[i].value - prev > *gap_max)
				*gap_max = lg_a.r[i].value - prev;
		}
		prev = lg_a.r[i].value;
		n++;
	}
	(void)window;
	return n;
}

static void
test_acks(size_t split, const char *sp)
{
	uint32_t first, gmin, gmax;
	size_t n;

	log_reset(&lg_b);
	is_int(sess_send_window_ack_size(&cl, 2000), RTMP_OK,
	       "%s: client window 2000", sp);
	pump(&cl, &sv, split, &lg_b);
	is_int(sv.peer_window, 2000, "%s: server window 2000", sp);

	n = acks_for(split, 20, 2000, &first, &gmin, &gmax);
	ok(n >= 6 && n <= 12, "%s: %zu acks for ~20 KB at window 2000", sp, n);
	ok(gmin >= 2000, "%s: acks at least a window apart (%u)", sp, gmin);
	ok(gmax < 2000 + 1100, "%s: acks at most a message late (%u)", sp,
	   gmax);
	is_int(cl.peer_ack, (uint32_t)sv.acked_at,
	       "%s: client stored the last ack", sp);
	ok(sv.rd.bytes_in - sv.acked_at < 2000, "%s: no ack left owing", sp);

	/* the sequence number wraps at 2^32 */
	sv.rd.bytes_in = 0xFFFFFFFFull - 1500;
	sv.acked_at = sv.rd.bytes_in;
	n = acks_for(split, 4, 2000, &first, &gmin, &gmax);
	ok(n >= 1, "%s: acks across 2^32", sp);
	ok(sv.acked_at > 0xFFFFFFFFull, "%s: 64-bit count went past 2^32", sp);
	/* 1501 bytes to 2^32, the ack due 2000 bytes in: past 499 */
	ok(first >= 499 && first < 499 + 1100,
	   "%s: first ack sequence wrapped (%u)", sp, first);
	is_int(cl.peer_ack, (uint32_t)sv.acked_at,
	       "%s: last ack is acked_at mod 2^32", sp);

	/* window 0 disables acks; 0xFFFFFFFF never comes due */
	is_int(sess_send_window_ack_size(&cl, 0), RTMP_OK, "%s: window 0", sp);
	n = acks_for(split, 10, 0, &first, &gmin, &gmax);
	is_int(sv.peer_window, 0, "%s: server window 0", sp);
	is_int(n, 0, "%s: no acks at window 0", sp);
	is_int(sess_send_window_ack_size(&cl, 0xFFFFFFFFu), RTMP_OK,
	       "%s: window 0xFFFFFFFF", sp);
	n = acks_for(split, 10, 0, &first, &gmin, &gmax);
	is_int(sv.peer_window, 0xFFFFFFFFu, "%s: server window max", sp);
	is_int(n, 0, "%s: no acks at window 0xFFFFFFFF", sp);
	is_int(lg_a.err, 0, "%s: client clean", sp);
	is_int(lg_b.err, 0, "%s: server clean", sp);
}

/* 5.4.5: a Window Ack Size answers Set Peer Bandwidth only on a change. */
static void
test_peer_bw(size_t split, const char *sp)
{
	size_t n;
	long i;

	log_reset(&lg_a);
	log_reset(&lg_b);
	is_int(sess_send_peer_bw(&sv, 5000000, RTMP_BW_HARD), RTMP_OK,
	       "%s: same bandwidth again", sp);
	pump(&sv, &cl, split, &lg_a);
	is_int(lg_a.n, 1, "%s: client saw it", sp);
	is_int(lg_a.r[0].limit_type, RTMP_BW_HARD, "%s: hard limit", sp);
	sess_output(&cl, &n);
	is_int(n, 0, "%s: no answer when the window is unchanged", sp);
	is_int(sess_send_peer_bw(&sv, 100000, RTMP_BW_SOFT), RTMP_OK,
	       "%s: new bandwidth", sp);
	pump(&sv, &cl, split, &lg_a);
	sess_output(&cl, &n);
	ok(n > 0, "%s: answered", sp);
	pump(&cl, &sv, split, &lg_b);
	i = find_ctl(&lg_b, 0, RTMP_MSG_WINDOW_ACK_SIZE);
	ok(i >= 0 && lg_b.r[i].value == 100000,
	   "%s: answer is Window Ack Size 100000", sp);
	is_int(cl.our_window, 100000, "%s: client remembers it", sp);
}

static void
test_pair(size_t split, const char *sp)
{
	test_handshake_and_connect(split, sp);
	test_stream_and_media(split, sp);
	test_peer_bw(split, sp);
	test_acks(split, sp);
	sess_free(&cl);
	sess_free(&sv);
}

/* ---- a recorded client stream, split at every offset ------------------ */

static uint8_t *
client_stream(size_t *len)
{
	struct sess c;
	struct sess_config cc = {.role = SESS_CLIENT, .epoch = 5, .seed = 1};
	struct rtmp_connect_props props = {.app = "live",
					   .fpad = -1,
					   .capabilities = -1,
					   .audio_codecs = -1,
					   .video_codecs = -1,
					   .video_function = -1,
					   .object_encoding = -1};
	struct rtmp_msg_hdr h = {.csid = 6, .type = 9, .stream_id = 1};
	uint8_t s012[1 + 2 * HS_SIG_SIZE], body[600], *buf;
	struct sess_event ev;
	const uint8_t *o;
	size_t n, have = 0;
	int i;

	buf = malloc(1 << 16);
	if (buf == NULL || sess_init(&c, &cc) != RTMP_OK)
		abort();
	memset(s012, 0, sizeof(s012));
	s012[0] = 3;
	o = sess_output(&c, &n);
	memcpy(buf, o, n), have += n;
	sess_output_done(&c, n);
	if (sess_feed(&c, s012, sizeof(s012), &ev) != (ssize_t)sizeof(s012) ||
	    ev.type != SESS_EV_HANDSHAKE)
		abort();
	send_cmd(&c, 0, body,
		 rtmp_build_connect(body, body + sizeof(body), 1, &props));
	send_cmd(&c, 0, body,
		 rtmp_build_call(body, body + sizeof(body), "createStream", 2,
				 NULL));
	send_cmd(&c, 1, body,
		 rtmp_build_publish(body, body + sizeof(body), 3, "x", "live"));
	sess_send_window_ack_size(&c, 300);
	for (i = 0; i < 4; i++) {
		fill(body, sizeof(body), (unsigned)i);
		h.timestamp = (uint32_t)i * 0x800000;
		h.length = (uint32_t)(100 + i * 150);
		sess_send(&c, &h, body);
		if (i == 1)
			sess_send_set_chunk_size(&c, 50);
	}
	o = sess_output(&c, &n);
	memcpy(buf + have, o, n), have += n;
	sess_free(&c);
	*len = have;
	return buf;
}

static void
test_every_offset(void)
{
	struct sess_config sc = {.role = SESS_SERVER};
	struct sess s;
	uint8_t *buf;
	size_t len, k, bad = 0, badout = 0, outref;
	uint32_t sig;
	ssize_t r;

	buf = client_stream(&len);
	if (sess_init(&s, &sc) != RTMP_OK)
		abort();
	log_reset(&lg_a);
	r = feed(&s, buf, len, WHOLE, &lg_a);
	is_int(r, (ssize_t)len, "every offset: whole stream accepted");
	is_int(lg_a.n, 10,
	       "every offset: 10 events (hs, 3 cmd, WAS, "
	       "4 video, SCS)");
	ok(count(&lg_a, SESS_EV_VIDEO, 0) == 4, "every offset: 4 videos");
	sess_output(&s, &outref);
	ok(outref > 1 + 2 * HS_SIG_SIZE, "every offset: server acked (%zu)",
	   outref);
	sig = lg_a.sig;
	sess_free(&s);
	for (k = 0; k <= len; k++) {
		size_t n;

		sess_init(&s, &sc);
		log_reset(&lg_b);
		feed(&s, buf, k, WHOLE, &lg_b);
		feed(&s, buf + k, len - k, WHOLE, &lg_b);
		if (lg_b.sig != sig || lg_b.err != 0 || lg_b.contract != 0)
			bad++;
		sess_output(&s, &n);
		if (n < 1 + 2 * HS_SIG_SIZE + 16)
			badout++;
		sess_free(&s);
	}
	is_int(bad, 0, "every offset: same events at all %zu splits", len + 1);
	is_int(badout, 0, "every offset: acks sent at all splits");
	free(buf);
}

/* ---- limits and errors ------------------------------------------------ */

/* A server past its handshake, without any output queued. */
static void
server_ready(struct sess *s, size_t max_out)
{
	struct sess_config sc = {.role = SESS_SERVER};
	uint8_t c012[1 + 2 * HS_SIG_SIZE];
	struct sess_event ev;
	size_t n;

	memset(c012, 0, sizeof(c012));
	c012[0] = 3;
	if (sess_init(s, &sc) != RTMP_OK ||
	    sess_feed(s, c012, sizeof(c012), &ev) != (ssize_t)sizeof(c012) ||
	    ev.type != SESS_EV_HANDSHAKE)
		abort();
	sess_output(s, &n);
	sess_output_done(s, n);
	s->cfg.max_out_bytes = max_out;
}

static ssize_t
feed_hex(struct sess *s, const uint8_t *p, size_t n, struct sess_event *ev)
{
	uint8_t *d = tap_dup(p, n);
	ssize_t r = sess_feed(s, d, n, ev);

	free(d);
	return r;
}

static void
test_output_limit(void)
{
	struct sess s;
	struct rtmp_msg_hdr h = {
	    .csid = 4, .type = 8, .stream_id = 1, .length = 1000};
	uint8_t pay[1000];
	struct sess_event ev;
	const uint8_t *o;
	size_t n;
	uint8_t c01[1 + HS_SIG_SIZE];
	struct sess_config sc = {.role = SESS_SERVER, .max_out_bytes = 3000};

	fill(pay, sizeof(pay), 1);
	/* 12-byte header, 1000 bytes, 7 one-byte continuation headers */
	server_ready(&s, 1019);
	is_int(sess_send(&s, &h, pay), RTMP_OK, "limit: exactly at the bound");
	sess_output(&s, &n);
	is_int(n, 1019, "limit: 1019 bytes queued");
	h.length = 0;
	is_int(sess_send(&s, &h, pay), RTMP_ERR_LIMIT,
	       "limit: one header more is refused");
	sess_output(&s, &n);
	is_int(n, 1019, "limit: nothing added");
	sess_output_done(&s, 19);
	h.length = 1;
	is_int(sess_send(&s, &h, pay), RTMP_OK,
	       "limit: room again after "
	       "output_done");
	is_int(s.dead, 0, "limit: a refused send is not fatal");
	sess_free(&s);

	server_ready(&s, 1018);
	h.length = 1000;
	is_int(sess_send(&s, &h, pay), RTMP_ERR_LIMIT,
	       "limit: one byte past the bound");
	sess_output(&s, &n);
	is_int(n, 0, "limit: nothing queued");
	h.length = 10;
	is_int(sess_send(&s, &h, pay), RTMP_OK, "limit: smaller fits");
	o = sess_output(&s, &n);
	is_int(o[0] >> 6, 0, "limit: refused message left no writer state");
	h.length = 1019;
	is_int(sess_send(&s, &h, pay), RTMP_ERR_LIMIT,
	       "limit: payload alone over the bound");
	sess_free(&s);

	/* a bound above 16 MiB still cannot carry a 24-bit length overflow */
	server_ready(&s, 32u << 20);
	h.length = 0x1000000;
	is_int(sess_send(&s, &h, pay), RTMP_ERR_LIMIT,
	       "limit: message length past 24 bits");
	is_int(sess_send_command(&s, 0, pay, 0x1000000), RTMP_ERR_LIMIT,
	       "limit: command length past 24 bits");
	is_int(sess_send_data(&s, 1, 0, pay, 0x1000000), RTMP_ERR_LIMIT,
	       "limit: data length past 24 bits");
	sess_output(&s, &n);
	is_int(n, 0, "limit: none of them queued");
	sess_free(&s);

	/* the bound also stops the handshake reply: fatal and sticky */
	memset(c01, 0, sizeof(c01));
	c01[0] = 3;
	sess_init(&s, &sc);
	is_int(feed_hex(&s, c01, sizeof(c01), &ev), RTMP_ERR_LIMIT,
	       "limit: S0+S1+S2 do not fit in 3000 bytes");
	is_int(feed_hex(&s, c01, 1, &ev), RTMP_ERR_LIMIT, "limit: sticky");
	is_int(sess_send_ack(&s), RTMP_ERR_LIMIT, "limit: sends refused too");
	sess_free(&s);
}

struct bad {
	const char *name;
	const uint8_t *p;
	size_t n;
	int want;
};

static void
test_errors(void)
{
	static const uint8_t bad_version[] = {0x05};
	/* csid 3 type 1 header with nothing before it on the chunk stream */
	static const uint8_t first_type1[] = {0x43, 0, 0, 0, 0, 0, 4, 20};
	/* command whose first value is a number */
	static const uint8_t num_cmd[] = {0x03, 0, 0, 0, 0, 0, 9, 20, 0, 0, 0,
					  0,	0, 0, 0, 0, 0, 0, 0,  0, 0};
	/* user control of one byte */
	static const uint8_t short_uc[] = {0x02, 0, 0, 0, 0, 0, 1,
					   4,	 0, 0, 0, 0, 0};
	/* Window Ack Size of 3 bytes */
	static const uint8_t short_was[] = {0x02, 0, 0, 0, 0, 0, 3, 5,
					    0,	  0, 0, 0, 1, 2, 3};
	/* Set Chunk Size 0 */
	static const uint8_t scs0[] = {0x02, 0, 0, 0, 0, 0, 4, 1,
				       0,    0, 0, 0, 0, 0, 0, 0};
	/* type 17 whose body does not start with 0x00 */
	static const uint8_t amf3_cmd[] = {0x03, 0, 0, 0, 0, 0,	   2,
					   17,	 0, 0, 0, 0, 0x11, 0x02};
	/* type 15 with a real AMF3 body: reported, not fatal */
	static const uint8_t amf3_data[] = {0x03, 0, 0, 0, 0, 0,    2,
					    15,	  0, 0, 0, 0, 0x11, 0x02};
	static const struct bad bads[] = {
	    {"type 1 header starting a chunk stream", first_type1,
	     sizeof(first_type1), RTMP_ERR_MALFORMED},
	    {"command name is a number", num_cmd, sizeof(num_cmd),
	     RTMP_ERR_MALFORMED},
	    {"user control too short", short_uc, sizeof(short_uc),
	     RTMP_ERR_MALFORMED},
	    {"window ack size too short", short_was, sizeof(short_was),
	     RTMP_ERR_MALFORMED},
	    {"set chunk size 0", scs0, sizeof(scs0), RTMP_ERR_MALFORMED},
	    {"AMF3 command body", amf3_cmd, sizeof(amf3_cmd),
	     RTMP_ERR_MALFORMED},
	};
	struct sess s;
	struct sess_event ev;
	struct sess_config sc = {.role = SESS_SERVER};
	uint8_t msg[4096], *p;
	size_t i;
	ssize_t r;

	sess_init(&s, &sc);
	is_int(feed_hex(&s, bad_version, 1, &ev), RTMP_ERR_MALFORMED,
	       "error: C0 version 5");
	ok(s.dead != 0, "error: session marked dead");
	is_int(feed_hex(&s, bad_version, 1, &ev), RTMP_ERR_MALFORMED,
	       "error: sticky on the next feed");
	is_int(sess_send_set_chunk_size(&s, 4096), RTMP_ERR_MALFORMED,
	       "error: sends refused after it");
	sess_free(&s);

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		server_ready(&s, 0);
		r = feed_hex(&s, bads[i].p, bads[i].n, &ev);
		is_int(r, bads[i].want, "error: %s", bads[i].name);
		is_int(ev.type, SESS_EV_NONE, "error: %s: no event",
		       bads[i].name);
		r = feed_hex(&s, bads[i].p, bads[i].n, &ev);
		is_int(r, bads[i].want, "error: %s: sticky", bads[i].name);
		sess_free(&s);
	}

	/* zero-length messages: media, data and others are events with a
	 * usable payload pointer; commands and control are malformed */
	for (i = 0; i < 24; i++) {
		uint8_t z[12] = {0x03, 0,	   0, 0, 0, 0,
				 0,    (uint8_t)i, 0, 0, 0, 0};
		int want_ev;

		server_ready(&s, 0);
		r = feed_hex(&s, z, sizeof(z), &ev);
		want_ev = i == 8    ? SESS_EV_AUDIO
			  : i == 9  ? SESS_EV_VIDEO
			  : i == 18 ? SESS_EV_DATA
				    : SESS_EV_OTHER;
		if ((i >= 1 && i <= 6) || i == 17 || i == 20) {
			is_int(r, RTMP_ERR_MALFORMED,
			       "error: zero-length type %zu malformed", i);
		} else {
			is_int(r, sizeof(z), "error: zero-length type %zu", i);
			is_int(ev.type, want_ev,
			       "error: zero-length type %zu event", i);
			ok(ev.payload != NULL && ev.len == 0,
			   "error: zero-length type %zu payload", i);
		}
		sess_free(&s);
	}

	server_ready(&s, 0);
	r = feed_hex(&s, amf3_data, sizeof(amf3_data), &ev);
	is_int(r, sizeof(amf3_data), "error: AMF3 data body consumed");
	is_int(ev.type, SESS_EV_OTHER, "error: AMF3 data body is OTHER");
	sess_free(&s);

	/* AMF0 nested past the depth limit (16) is LIMIT, at it is fine */
	for (i = 16; i <= 17; i++) {
		size_t d;
		struct rtmp_msg_hdr h = {.csid = 3, .type = 20};
		struct sess c;
		struct sess_config cc = {.role = SESS_CLIENT};
		const uint8_t *o;
		size_t n;

		p = amf0_put_cstr(msg, msg + sizeof(msg), "deep");
		p = amf0_put_number(p, msg + sizeof(msg), 1);
		for (d = 0; d < i; d++) {
			p = amf0_put_object_begin(p, msg + sizeof(msg));
			if (d + 1 < i)
				p = amf0_put_key(p, msg + sizeof(msg), "a");
		}
		for (d = 0; d < i; d++)
			p = amf0_put_object_end(p, msg + sizeof(msg));
		h.length = (uint32_t)(p - msg);
		sess_init(&c, &cc);
		sess_output(&c, &n);
		sess_output_done(&c, n);
		sess_send(&c, &h, msg);
		o = sess_output(&c, &n);
		server_ready(&s, 0);
		r = feed_hex(&s, o, n, &ev);
		if (i == 16) {
			is_int(r, n, "error: AMF depth 16 accepted");
			is_int(ev.type, SESS_EV_COMMAND,
			       "error: depth 16 event");
		} else {
			is_int(r, RTMP_ERR_LIMIT, "error: AMF depth 17 LIMIT");
		}
		sess_free(&s);
		sess_free(&c);
	}

	/* more than SESS_AMF_NODES values in one command is LIMIT too */
	{
		struct rtmp_msg_hdr h = {.csid = 3, .type = 20};
		struct sess c;
		struct sess_config cc = {.role = SESS_CLIENT};
		const uint8_t *o;
		size_t n;
		uint8_t *big = malloc(16384);

		p = amf0_put_cstr(big, big + 16384, "many");
		p = amf0_put_number(p, big + 16384, 1);
		for (i = 0; i < SESS_AMF_NODES; i++)
			p = amf0_put_null(p, big + 16384);
		h.length = (uint32_t)(p - big);
		sess_init(&c, &cc);
		sess_output(&c, &n);
		sess_output_done(&c, n);
		sess_send(&c, &h, big);
		o = sess_output(&c, &n);
		server_ready(&s, 0);
		r = feed_hex(&s, o, n, &ev);
		is_int(r, RTMP_ERR_LIMIT, "error: %d values in a command LIMIT",
		       SESS_AMF_NODES + 2);
		sess_free(&s);
		sess_free(&c);
		free(big);
	}

	server_ready(&s, 0);
	is_int(sess_send_set_chunk_size(&s, 0), RTMP_ERR_MALFORMED,
	       "error: sending chunk size 0 refused");
	is_int(sess_send_set_chunk_size(&s, 0x80000000u), RTMP_ERR_MALFORMED,
	       "error: sending chunk size with top bit refused");
	is_int(s.wr.chunk_size, 128, "error: writer chunk size unchanged");
	is_int(sess_next_txid(&s), 1, "txid 1");
	is_int(sess_next_txid(&s), 2, "txid 2");
	sess_free(&s);
}

/* A message chunked once elsewhere and noted compresses the next header. */
static void
test_note_sent(void)
{
	struct sess s, c;
	struct rtmp_msg_hdr h = {.csid = 6,
				 .type = 9,
				 .stream_id = 1,
				 .timestamp = 100,
				 .length = 300};
	uint8_t pay[300], wire[600], *p, *all;
	const uint8_t *o;
	size_t n, have;
	uint64_t before;

	fill(pay, sizeof(pay), 4);
	pair_init(&c, &s);
	log_reset(&lg_a);
	log_reset(&lg_b);
	pump(&c, &s, WHOLE, &lg_b);
	pump(&s, &c, WHOLE, &lg_a);
	pump(&c, &s, WHOLE, &lg_b);
	is_int(lg_a.n + lg_b.n, 2, "note: handshakes done");
	p = chunk_put_msg(wire, wire + sizeof(wire), 0, &h, h.timestamp,
			  s.wr.chunk_size, pay);
	ok(p != NULL, "note: shared bytes built");
	before = s.bytes_out;
	sess_note_sent(&s, &h, (size_t)(p - wire));
	is_int(s.bytes_out - before, p - wire, "note: bytes_out counts them");
	h.timestamp = 140;
	is_int(sess_send(&s, &h, pay), RTMP_OK, "note: next message queued");
	o = sess_output(&s, &n);
	ok(n > 0 && (o[0] >> 6) != 0, "note: next header compressed (fmt %d)",
	   n > 0 ? o[0] >> 6 : -1);
	all = malloc((size_t)(p - wire) + n);
	memcpy(all, wire, (size_t)(p - wire));
	memcpy(all + (p - wire), o, n);
	have = (size_t)(p - wire) + n;
	sess_output_done(&s, n);
	log_reset(&lg_a);
	feed(&c, all, have, 7, &lg_a);
	is_int(lg_a.err, 0, "note: client decodes both");
	is_int(lg_a.n, 2, "note: two videos");
	is_int(lg_a.r[1].h.timestamp, 140, "note: second timestamp");
	is_int(lg_a.r[1].sum, fnv(0, pay, 300), "note: second payload");
	free(all);
	sess_free(&s);
	sess_free(&c);
}

/* ---- captured traffic ------------------------------------------------- */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Feed a capture with several split patterns; all must agree. */
static int
replay(const char *file, enum sess_role role, struct evlog *lg)
{
	static const size_t splits[] = {WHOLE, 1, 7, 1000};
	struct sess_config cfg = {.role = role};
	struct sess s;
	uint8_t *buf;
	size_t len = 0, i;
	uint32_t sig = 0;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", VECTORS_DIR, file);
	buf = slurp(path, &len);
	if (!ok(buf != NULL, "%s: read", file))
		return -1;
	for (i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		log_reset(lg);
		sess_init(&s, &cfg);
		feed(&s, buf, len, splits[i], lg);
		sess_free(&s);
		if (i == 0) {
			sig = lg->sig;
			is_int(lg->err, 0, "%s: no error", file);
			is_int(lg->contract, 0, "%s: feed contract", file);
		} else {
			ok(lg->sig == sig && lg->err == 0,
			   "%s: same events fed by %zu", file, splits[i]);
		}
	}
	free(buf);
	return 0;
}

static void
test_ffmpeg_publish(void)
{
	struct evlog *lg = &lg_a;
	long i;

	if (replay("ffmpeg-publish.c2s", SESS_SERVER, lg) < 0)
		return;
	is_int(lg->r[0].type, SESS_EV_HANDSHAKE, "publish: handshake first");
	i = find(lg, 0, SESS_EV_COMMAND, "connect");
	ok(i > 0, "publish: connect");
	ok(i > 0 && strcmp(lg->r[i].app, "live") == 0, "publish: app live");
	ok(i > 0 && strncmp(lg->r[i].tcurl, "rtmp://127.0.0.1:", 17) == 0 &&
	       strstr(lg->r[i].tcurl, "/live") != NULL,
	   "publish: tcUrl %s", i > 0 ? lg->r[i].tcurl : "");
	i = find(lg, i > 0 ? (size_t)i : 0, SESS_EV_COMMAND, "releaseStream");
	ok(i > 0 && strcmp(lg->r[i].arg0, "vec") == 0,
	   "publish: releaseStream(vec)");
	i = find(lg, i > 0 ? (size_t)i : 0, SESS_EV_COMMAND, "FCPublish");
	ok(i > 0 && strcmp(lg->r[i].arg0, "vec") == 0, "publish: FCPublish");
	i = find(lg, i > 0 ? (size_t)i : 0, SESS_EV_COMMAND, "createStream");
	ok(i > 0, "publish: createStream");
	i = find(lg, i > 0 ? (size_t)i : 0, SESS_EV_COMMAND, "publish");
	ok(i > 0 && strcmp(lg->r[i].arg0, "vec") == 0 &&
	       strcmp(lg->r[i].arg1, "live") == 0,
	   "publish: publish(vec, live)");
	ok(i > 0 && lg->r[i].h.stream_id == 1, "publish: on stream 1");
	i = find(lg, i > 0 ? (size_t)i : 0, SESS_EV_DATA, "onMetaData");
	ok(i > 0 && lg->r[i].setdataframe, "publish: @setDataFrame onMetaData");
	ok(find_ctl(lg, 0, RTMP_MSG_SET_CHUNK_SIZE) > 0,
	   "publish: ffmpeg sets its chunk size");
	ok(count(lg, SESS_EV_VIDEO, 0) >= 15, "publish: %zu videos",
	   count(lg, SESS_EV_VIDEO, 0));
	ok(count(lg, SESS_EV_AUDIO, 0) >= 40, "publish: %zu audios",
	   count(lg, SESS_EV_AUDIO, 0));
	i = find(lg, 0, SESS_EV_VIDEO, NULL);
	ok(i > 0 && lg->r[i].head[0] == 0x17 && lg->r[i].head[1] == 0,
	   "publish: first video is the AVC sequence header");
	i = find(lg, 0, SESS_EV_AUDIO, NULL);
	ok(i > 0 && lg->r[i].head[0] == 0xAF && lg->r[i].head[1] == 0,
	   "publish: first audio is the AAC sequence header");
}

static void
test_ffmpeg_play(void)
{
	struct evlog *lg = &lg_a;
	long i;

	if (replay("ffmpeg-play.c2s", SESS_SERVER, lg) < 0)
		return;
	i = find(lg, 0, SESS_EV_COMMAND, "connect");
	ok(i > 0 && strcmp(lg->r[i].app, "live") == 0, "play c2s: connect");
	i = find(lg, 0, SESS_EV_COMMAND, "createStream");
	ok(i > 0, "play c2s: createStream");
	i = find(lg, 0, SESS_EV_COMMAND, "play");
	ok(i > 0 && strcmp(lg->r[i].arg0, "vec") == 0, "play c2s: play(vec)");
	i = find(lg, 0, SESS_EV_USER_CONTROL, NULL);
	ok(i > 0 && lg->r[i].uc.event == RTMP_UC_SET_BUFFER_LENGTH,
	   "play c2s: SetBufferLength");
}

static void
test_nginx_publish(void)
{
	struct evlog *lg = &lg_a;
	long i;

	if (replay("nginx-publish.s2c", SESS_CLIENT, lg) < 0)
		return;
	is_int(lg->r[0].type, SESS_EV_HANDSHAKE, "nginx publish: handshake");
	i = find_ctl(lg, 0, RTMP_MSG_WINDOW_ACK_SIZE);
	ok(i > 0 && lg->r[i].value == 5000000,
	   "nginx publish: Window Ack Size 5000000");
	i = find_ctl(lg, 0, RTMP_MSG_SET_PEER_BANDWIDTH);
	ok(i > 0 && lg->r[i].value == 5000000 && lg->r[i].limit_type == 2,
	   "nginx publish: Set Peer Bandwidth 5000000 dynamic");
	i = find_ctl(lg, 0, RTMP_MSG_SET_CHUNK_SIZE);
	ok(i > 0 && lg->r[i].value == 4096, "nginx publish: chunk size 4096");
	i = find(lg, 0, SESS_EV_COMMAND, "_result");
	ok(i > 0 && lg->r[i].txid == 1 &&
	       strcmp(lg->r[i].code, "NetConnection.Connect.Success") == 0,
	   "nginx publish: _result Connect.Success");
	i = find(lg, 0, SESS_EV_COMMAND, "onStatus");
	ok(i > 0 && strcmp(lg->r[i].code, "NetStream.Publish.Start") == 0,
	   "nginx publish: onStatus Publish.Start");
}

static void
test_nginx_play(void)
{
	struct evlog *lg = &lg_a;
	long i, j;

	if (replay("nginx-play.s2c", SESS_CLIENT, lg) < 0)
		return;
	is_int(lg->r[0].type, SESS_EV_HANDSHAKE, "nginx play: handshake");
	i = find_ctl(lg, 0, RTMP_MSG_WINDOW_ACK_SIZE);
	ok(i > 0 && lg->r[i].value == 5000000, "nginx play: window 5000000");
	i = find_ctl(lg, 0, RTMP_MSG_SET_CHUNK_SIZE);
	ok(i > 0 && lg->r[i].value == 4096, "nginx play: chunk size 4096");
	i = find(lg, 0, SESS_EV_COMMAND, "_result");
	ok(i > 0 && strcmp(lg->r[i].code, "NetConnection.Connect.Success") == 0,
	   "nginx play: Connect.Success");
	i = find(lg, 0, SESS_EV_USER_CONTROL, NULL);
	ok(i > 0 && lg->r[i].uc.event == RTMP_UC_STREAM_BEGIN &&
	       lg->r[i].uc.stream_id == 1,
	   "nginx play: StreamBegin 1");
	j = find(lg, 0, SESS_EV_COMMAND, "onStatus");
	ok(j > i && strcmp(lg->r[j].code, "NetStream.Play.Start") == 0,
	   "nginx play: onStatus Play.Start after StreamBegin");
	i = find(lg, 0, SESS_EV_DATA, "|RtmpSampleAccess");
	ok(i > j, "nginx play: |RtmpSampleAccess");
	j = find(lg, 0, SESS_EV_DATA, "onMetaData");
	ok(j > i && !lg->r[j].setdataframe, "nginx play: onMetaData");
	i = find(lg, 0, SESS_EV_VIDEO, NULL);
	ok(i > j && lg->r[i].head[0] == 0x17 && lg->r[i].head[1] == 0,
	   "nginx play: AVC sequence header");
	i = find(lg, 0, SESS_EV_AUDIO, NULL);
	ok(i > j && lg->r[i].head[0] == 0xAF && lg->r[i].head[1] == 0,
	   "nginx play: AAC sequence header");
	ok(count(lg, SESS_EV_VIDEO, 0) >= 10 &&
	       count(lg, SESS_EV_AUDIO, 0) >= 10,
	   "nginx play: media (%zu video, %zu audio)",
	   count(lg, SESS_EV_VIDEO, 0), count(lg, SESS_EV_AUDIO, 0));
}

int
main(void)
{
	test_pair(1, "split 1");
	test_pair(7, "split 7");
	test_pair(WHOLE, "whole");
	test_every_offset();
	test_output_limit();
	test_errors();
	test_note_sent();
	test_ffmpeg_publish();
	test_ffmpeg_play();
	test_nginx_publish();
	test_nginx_play();
	return done_testing();
}
