/*
 * Sans-I/O RTMP connection: see session.h for what is done automatically.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "session.h"

/* First allocation of the output buffer; it doubles from there. */
#define SESS_OUT_INITIAL 4096

/* What sess_accept_connect announces, like nginx-rtmp and every FMS clone. */
#define SESS_FMS_VER "FMS/3,0,1,123"

/* What an empty message's payload points at, so callers may do arithmetic
 * on it (the reader has no buffer for a zero-length message). */
static const uint8_t sess_empty[1];

/* Room for the fixed part of an onStatus body around its three strings. */
#define SESS_STATUS_OVERHEAD 128

/* Body of a _result(connect): fixed strings and two numbers. */
#define SESS_CONNECT_RESULT_MAX 512

static int
sess_fail(struct sess *s, int err)
{
	s->dead = err;
	return err;
}

static size_t
sess_max_out(const struct sess *s)
{
	return s->cfg.max_out_bytes ? s->cfg.max_out_bytes
				    : SESS_MAX_OUT_DEFAULT;
}

static void
sess_compact(struct sess *s)
{
	if (s->out_off == s->out_len) {
		s->out_off = s->out_len = 0;
		return;
	}
	memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
	s->out_len -= s->out_off;
	s->out_off = 0;
}

/*
 * Make room for need more bytes at out + out_len, growing geometrically but
 * not much past the bound (a message's headers may take it a little over
 * until the exact size is known).
 */
static int
sess_grow(struct sess *s, size_t need)
{
	size_t cap, limit;
	uint8_t *n;

	if (s->out_cap - s->out_len >= need)
		return RTMP_OK;
	if (s->out_off > 0) {
		sess_compact(s);
		if (s->out_cap - s->out_len >= need)
			return RTMP_OK;
	}
	if (need > SIZE_MAX - s->out_len)
		return RTMP_ERR_LIMIT;
	limit = sess_max_out(s);
	if (limit < s->out_len + need)
		limit = s->out_len + need;
	cap = s->out_cap ? s->out_cap : SESS_OUT_INITIAL;
	while (cap < s->out_len + need && cap <= limit / 2)
		cap *= 2;
	if (cap < s->out_len + need || cap > limit)
		cap = limit;
	n = realloc(s->out, cap);
	if (n == NULL)
		return RTMP_ERR_NOMEM;
	s->out = n;
	s->out_cap = cap;
	return RTMP_OK;
}

/* 1 when n more bytes would keep what is pending within max_out_bytes. */
static int
sess_fits(const struct sess *s, size_t n)
{
	size_t pending = s->out_len - s->out_off, max = sess_max_out(s);

	return n <= max && pending <= max - n;
}

static int
sess_append(struct sess *s, const uint8_t *p, size_t n)
{
	int rc;

	if (n == 0)
		return RTMP_OK;
	if (!sess_fits(s, n))
		return RTMP_ERR_LIMIT;
	if ((rc = sess_grow(s, n)) != RTMP_OK)
		return rc;
	memcpy(s->out + s->out_len, p, n);
	s->out_len += n;
	return RTMP_OK;
}

/* Move whatever the handshake has to send into the output buffer. */
static int
sess_take_hs_output(struct sess *s)
{
	const uint8_t *p;
	size_t n;
	int rc;

	p = hs_output(s->hs, &n);
	if (n == 0)
		return RTMP_OK;
	if ((rc = sess_append(s, p, n)) != RTMP_OK)
		return rc;
	hs_output_done(s->hs, n);
	return RTMP_OK;
}

int
sess_init(struct sess *s, const struct sess_config *cfg)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if (cfg != NULL)
		s->cfg = *cfg;
	s->hs = malloc(sizeof(*s->hs));
	if (s->hs == NULL)
		return RTMP_ERR_NOMEM;
	hs_init(s->hs, s->cfg.role == SESS_SERVER ? HS_SERVER : HS_CLIENT,
		s->cfg.epoch, s->cfg.seed);
	chunk_reader_init(&s->rd, &s->cfg.chunk);
	s->wr.chunk_size = CHUNK_SIZE_DEFAULT;
	amf0_doc_init(&s->doc, NULL, 0, &s->cfg.amf);
	s->next_txid = 1;
	if ((rc = sess_take_hs_output(s)) != RTMP_OK) {
		sess_free(s);
		return rc;
	}
	return RTMP_OK;
}

void
sess_free(struct sess *s)
{
	free(s->hs);
	s->hs = NULL;
	free(s->nodes);
	s->nodes = NULL;
	chunk_reader_free(&s->rd);
	free(s->out);
	s->out = NULL;
	s->out_off = s->out_len = s->out_cap = 0;
}

const uint8_t *
sess_output(const struct sess *s, size_t *len)
{
	*len = s->out_len - s->out_off;
	/* Never NULL, even before the first allocation. */
	return s->out != NULL ? s->out + s->out_off : sess_empty;
}

void
sess_output_done(struct sess *s, size_t n)
{
	size_t pending = s->out_len - s->out_off;

	if (n > pending)
		n = pending;
	s->out_off += n;
	s->bytes_out += n;
	if (s->out_off == s->out_len) {
		s->out_off = s->out_len = 0;
		/* An idle connection should not keep the handshake-sized
		 * buffer: thousands of players each holding one add up. */
		if (s->out_cap > SESS_OUT_KEEP) {
			free(s->out);
			s->out = NULL;
			s->out_cap = 0;
		}
	} else if (s->out_off > s->out_cap / 2) {
		sess_compact(s);
	}
}

int
sess_send(struct sess *s, const struct rtmp_msg_hdr *h, const uint8_t *payload)
{
	struct chunk_writer saved;
	uint8_t *p;
	int rc;

	if (s->dead)
		return s->dead;
	/* The message length field is 24 bits (RTMP 1.0 5.3.1.2.1). */
	if (h->length > 0xFFFFFF)
		return RTMP_ERR_LIMIT;
	/* Every payload byte goes out, so this refuses before allocating. */
	if (!sess_fits(s, h->length))
		return RTMP_ERR_LIMIT;
	rc = sess_grow(s, chunk_bound(h->length, s->wr.chunk_size));
	if (rc != RTMP_OK)
		return rc;
	saved = s->wr;
	p = chunk_writer_put(&s->wr, s->out + s->out_len, s->out + s->out_cap,
			     h, payload);
	if (p == NULL) {
		s->wr = saved;
		return RTMP_ERR_NOSPACE;
	}
	if (!sess_fits(s, (size_t)(p - (s->out + s->out_len)))) {
		/* The headers pushed it past the bound: as if never queued. */
		s->wr = saved;
		return RTMP_ERR_LIMIT;
	}
	s->out_len = (size_t)(p - s->out);
	return RTMP_OK;
}

static int
sess_send_control(struct sess *s, uint8_t type, const uint8_t *payload,
		  uint32_t len)
{
	struct rtmp_msg_hdr h = {
	    .csid = RTMP_CSID_CONTROL,
	    .timestamp = 0,
	    .length = len,
	    .type = type,
	    .stream_id = 0,
	};

	return sess_send(s, &h, payload);
}

static int
sess_send_u32(struct sess *s, uint8_t type, uint32_t v)
{
	uint8_t buf[4];

	wr_be32(buf, v);
	return sess_send_control(s, type, buf, sizeof(buf));
}

int
sess_send_set_chunk_size(struct sess *s, uint32_t size)
{
	int rc;

	/* RTMP 1.0 5.4.1: the top bit is reserved and 0 is meaningless. */
	if (size == 0 || size > 0x7FFFFFFFu)
		return RTMP_ERR_MALFORMED;
	if ((rc = sess_send_u32(s, RTMP_MSG_SET_CHUNK_SIZE, size)) != RTMP_OK)
		return rc;
	s->wr.chunk_size = size;
	return RTMP_OK;
}

int
sess_send_window_ack_size(struct sess *s, uint32_t window)
{
	int rc;

	if ((rc = sess_send_u32(s, RTMP_MSG_WINDOW_ACK_SIZE, window)) !=
	    RTMP_OK)
		return rc;
	s->our_window = window;
	return RTMP_OK;
}

int
sess_send_peer_bw(struct sess *s, uint32_t window, uint8_t limit_type)
{
	uint8_t buf[5], *p;

	p = rtmp_put_peer_bw(buf, buf + sizeof(buf), window, limit_type);
	if (p == NULL)
		return RTMP_ERR_NOSPACE;
	return sess_send_control(s, RTMP_MSG_SET_PEER_BANDWIDTH, buf,
				 (uint32_t)(p - buf));
}

int
sess_send_ack(struct sess *s)
{
	int rc;

	/* 5.4.3: the sequence number is the byte count modulo 2^32. */
	if ((rc = sess_send_u32(s, RTMP_MSG_ACK, (uint32_t)s->rd.bytes_in)) !=
	    RTMP_OK)
		return rc;
	s->acked_at = s->rd.bytes_in;
	return RTMP_OK;
}

int
sess_send_abort(struct sess *s, uint32_t csid)
{
	return sess_send_u32(s, RTMP_MSG_ABORT, csid);
}

int
sess_send_user_control(struct sess *s, const struct rtmp_user_control *uc)
{
	uint8_t buf[16], *p;

	p = rtmp_put_user_control(buf, buf + sizeof(buf), uc);
	if (p == NULL)
		return RTMP_ERR_NOSPACE;
	return sess_send_control(s, RTMP_MSG_USER_CONTROL, buf,
				 (uint32_t)(p - buf));
}

int
sess_send_command(struct sess *s, uint32_t stream_id, const uint8_t *body,
		  size_t len)
{
	struct rtmp_msg_hdr h = {
	    .csid = stream_id == 0 ? RTMP_CSID_COMMAND : RTMP_CSID_DATA,
	    .timestamp = 0,
	    .type = RTMP_MSG_COMMAND_AMF0,
	    .stream_id = stream_id,
	};

	/* The message length field is 24 bits (5.3.1.2.1). */
	if (len > 0xFFFFFF)
		return RTMP_ERR_LIMIT;
	h.length = (uint32_t)len;
	return sess_send(s, &h, body);
}

int
sess_send_data(struct sess *s, uint32_t stream_id, uint32_t timestamp,
	       const uint8_t *body, size_t len)
{
	/* csid 5 for data, as nginx-rtmp (onMetaData, |RtmpSampleAccess). */
	struct rtmp_msg_hdr h = {
	    .csid = RTMP_CSID_DATA,
	    .timestamp = timestamp,
	    .type = RTMP_MSG_DATA_AMF0,
	    .stream_id = stream_id,
	};

	if (len > 0xFFFFFF)
		return RTMP_ERR_LIMIT;
	h.length = (uint32_t)len;
	return sess_send(s, &h, body);
}

int
sess_accept_connect(struct sess *s, double txid, uint32_t window,
		    uint32_t chunk_size, double object_encoding)
{
	uint8_t body[SESS_CONNECT_RESULT_MAX], *p;
	int rc;

	p = rtmp_build_connect_result(body, body + sizeof(body), txid,
				      SESS_FMS_VER, object_encoding);
	if (p == NULL)
		return RTMP_ERR_NOSPACE;
	if ((rc = sess_send_window_ack_size(s, window)) != RTMP_OK ||
	    (rc = sess_send_peer_bw(s, window, RTMP_BW_DYNAMIC)) != RTMP_OK ||
	    (rc = sess_send_set_chunk_size(s, chunk_size)) != RTMP_OK)
		return rc;
	return sess_send_command(s, 0, body, (size_t)(p - body));
}

int
sess_send_status(struct sess *s, uint32_t stream_id, const char *level,
		 const char *code, const char *description)
{
	size_t cap;
	uint8_t *body, *p;
	int rc;

	if (s->dead)
		return s->dead;
	cap = SESS_STATUS_OVERHEAD + strlen(level) + strlen(code) +
	      (description ? strlen(description) : 0);
	if (cap > sess_max_out(s))
		return RTMP_ERR_LIMIT;
	if ((body = malloc(cap)) == NULL)
		return RTMP_ERR_NOMEM;
	p = rtmp_build_onstatus(body, body + cap, level, code,
				description ? description : "", NULL);
	rc = p == NULL
		 ? RTMP_ERR_NOSPACE
		 : sess_send_command(s, stream_id, body, (size_t)(p - body));
	free(body);
	return rc;
}

double
sess_next_txid(struct sess *s)
{
	/* A zeroed struct starts at 1 too: 0 means "no reply expected". */
	if (s->next_txid < 1)
		s->next_txid = 1;
	return s->next_txid++;
}

void
sess_note_sent(struct sess *s, const struct rtmp_msg_hdr *h, size_t wire_bytes)
{
	chunk_writer_note(&s->wr, h);
	s->bytes_out += wire_bytes;
}

/* 5.4.3: acknowledge each time a window's worth has arrived since the last. */
static int
sess_maybe_ack(struct sess *s)
{
	if (s->peer_window == 0 ||
	    s->rd.bytes_in - s->acked_at < s->peer_window)
		return RTMP_OK;
	return sess_send_ack(s);
}

static int
sess_on_control(struct sess *s, const struct chunk_msg *m,
		struct sess_event *ev)
{
	const uint8_t *p = m->payload;
	size_t len = m->h.length;
	int rc;

	ev->type = SESS_EV_CONTROL;
	switch (m->h.type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
		/* Applied by the reader already; decoded for the event. */
		return rtmp_parse_set_chunk_size(p, len, &ev->value);
	case RTMP_MSG_ABORT:
		return rtmp_parse_u32_payload(p, len, &ev->value);
	case RTMP_MSG_ACK:
		if ((rc = rtmp_parse_u32_payload(p, len, &ev->value)) !=
		    RTMP_OK)
			return rc;
		s->peer_ack = ev->value;
		return RTMP_OK;
	case RTMP_MSG_WINDOW_ACK_SIZE:
		/* 0 turns our acks off; 0xFFFFFFFF simply never comes due. */
		if ((rc = rtmp_parse_u32_payload(p, len, &ev->value)) !=
		    RTMP_OK)
			return rc;
		s->peer_window = ev->value;
		return RTMP_OK;
	case RTMP_MSG_SET_PEER_BANDWIDTH:
		if ((rc = rtmp_parse_peer_bw(p, len, &ev->value,
					     &ev->limit_type)) != RTMP_OK)
			return rc;
		/* 5.4.5: answer with our Window Ack Size when it differs. */
		if (ev->value != s->our_window)
			return sess_send_window_ack_size(s, ev->value);
		return RTMP_OK;
	}
	return RTMP_ERR_MALFORMED;
}

static int
sess_on_user_control(struct sess *s, const struct chunk_msg *m,
		     struct sess_event *ev)
{
	struct rtmp_user_control pong;
	int rc;

	ev->type = SESS_EV_USER_CONTROL;
	rc = rtmp_parse_user_control(m->payload, m->h.length, &ev->uc);
	if (rc != RTMP_OK)
		return rc;
	if (ev->uc.event != RTMP_UC_PING_REQUEST)
		return RTMP_OK;
	/* 7.1.7: the response carries the request's timestamp. */
	memset(&pong, 0, sizeof(pong));
	pong.event = RTMP_UC_PING_RESPONSE;
	pong.timestamp = ev->uc.timestamp;
	return sess_send_user_control(s, &pong);
}

static int
sess_on_command(struct sess *s, const struct chunk_msg *m,
		struct sess_event *ev)
{
	int rc;

	ev->type = SESS_EV_COMMAND;
	if (s->nodes == NULL) {
		s->nodes = malloc(SESS_AMF_NODES * sizeof(*s->nodes));
		if (s->nodes == NULL)
			return RTMP_ERR_NOMEM;
		amf0_doc_init(&s->doc, s->nodes, SESS_AMF_NODES, &s->cfg.amf);
	}
	s->doc.n = 0;
	rc = rtmp_cmd_parse(m->payload, m->h.length,
			    m->h.type == RTMP_MSG_COMMAND_AMF3, &s->doc,
			    &ev->cmd);
	if (rc == RTMP_OK || rc == RTMP_ERR_NOMEM)
		return rc;
	/* Running out of the session's nodes is a cap like depth and count. */
	if (rc == RTMP_ERR_LIMIT || rc == RTMP_ERR_NOSPACE)
		return RTMP_ERR_LIMIT;
	return RTMP_ERR_MALFORMED;
}

static int
sess_on_message(struct sess *s, const struct chunk_msg *m,
		struct sess_event *ev)
{
	ev->h = m->h;
	ev->payload = m->payload != NULL ? m->payload : sess_empty;
	ev->len = m->h.length;
	switch (m->h.type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
	case RTMP_MSG_ABORT:
	case RTMP_MSG_ACK:
	case RTMP_MSG_WINDOW_ACK_SIZE:
	case RTMP_MSG_SET_PEER_BANDWIDTH:
		return sess_on_control(s, m, ev);
	case RTMP_MSG_USER_CONTROL:
		return sess_on_user_control(s, m, ev);
	case RTMP_MSG_COMMAND_AMF0:
	case RTMP_MSG_COMMAND_AMF3:
		return sess_on_command(s, m, ev);
	case RTMP_MSG_DATA_AMF0:
		ev->type = SESS_EV_DATA;
		return RTMP_OK;
	case RTMP_MSG_DATA_AMF3:
		/*
		 * Flash sends AMF0 data in type 15 behind one 0x00 byte; a body
		 * that is really AMF3 cannot be read as AMF0, so it is reported
		 * as OTHER rather than failing the connection.
		 */
		if (ev->len > 0 && ev->payload[0] == 0x00) {
			ev->type = SESS_EV_DATA;
			ev->payload++;
			ev->len--;
		} else {
			ev->type = SESS_EV_OTHER;
		}
		return RTMP_OK;
	case RTMP_MSG_AUDIO:
		ev->type = SESS_EV_AUDIO;
		return RTMP_OK;
	case RTMP_MSG_VIDEO:
		ev->type = SESS_EV_VIDEO;
		return RTMP_OK;
	}
	ev->type = SESS_EV_OTHER;
	return RTMP_OK;
}

static ssize_t
sess_feed_handshake(struct sess *s, const uint8_t *p, size_t len,
		    struct sess_event *ev)
{
	ssize_t n;
	int rc;

	if ((n = hs_feed(s->hs, p, len)) < 0) {
		s->peer = s->hs->info; /* the bad version byte, for logs */
		return sess_fail(s, (int)n);
	}
	if ((rc = sess_take_hs_output(s)) != RTMP_OK)
		return sess_fail(s, rc);
	/* The rest of the input, if any, is the first chunks: next call. */
	if (hs_done(s->hs)) {
		s->peer = s->hs->info;
		s->hs_complete = 1;
		free(s->hs);
		s->hs = NULL;
		ev->type = SESS_EV_HANDSHAKE;
	}
	return n;
}

ssize_t
sess_feed(struct sess *s, const uint8_t *p, size_t len, struct sess_event *ev)
{
	struct chunk_msg m;
	size_t used = 0;
	ssize_t n;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->type = SESS_EV_NONE;
	if (s->dead)
		return s->dead;
	/* The last command event's nodes are no longer referenced. */
	if (s->nodes != NULL) {
		free(s->nodes);
		s->nodes = NULL;
		amf0_doc_init(&s->doc, NULL, 0, &s->cfg.amf);
	}
	if (!s->hs_complete)
		return sess_feed_handshake(s, p, len, ev);
	while (used < len) {
		n = chunk_reader_feed(&s->rd, p + used, len - used, &m);
		if (n < 0)
			return sess_fail(s, (int)n);
		used += (size_t)n;
		if (m.ready && (rc = sess_on_message(s, &m, ev)) != RTMP_OK) {
			ev->type = SESS_EV_NONE;
			return sess_fail(s, rc);
		}
		/* After the message: a new Window Ack Size counts at once. */
		if ((rc = sess_maybe_ack(s)) != RTMP_OK) {
			ev->type = SESS_EV_NONE;
			return sess_fail(s, rc);
		}
		if (m.ready)
			break;
		/* A reader that neither consumes nor completes would spin. */
		if (n == 0)
			return sess_fail(s, RTMP_ERR_MALFORMED);
	}
	return (ssize_t)used;
}
