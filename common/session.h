/*
 * A sans-I/O RTMP connection for either role: bytes in, events and
 * bytes-to-send out. It owns the handshake, the chunk reader and writer,
 * acknowledgements and protocol control; command policy (what to answer to
 * publish or play) belongs to the tool driving it.
 *
 * Done automatically:
 *   - the handshake (a client's C0+C1 are queued by sess_init);
 *   - Set Chunk Size and Abort from the peer (in the chunk reader);
 *   - an Acknowledgement each time the bytes received since the last one
 *     reach the peer's Window Ack Size (RTMP 1.0 5.4.3), with the sequence
 *     number wrapping at 2^32; a window of 0 disables acknowledgements;
 *   - a PingResponse to every PingRequest;
 *   - after a Set Peer Bandwidth whose window differs from the last Window
 *     Ack Size we announced, a Window Ack Size with that window (5.4.5).
 * Every message is still reported as an event so a tool like rtmpprobe can
 * log it.
 *
 * Output is appended to an internal buffer bounded by max_out_bytes (LIMIT
 * past it); the driver writes sess_output() to the socket and reports what
 * went with sess_output_done().
 */
#ifndef RTMP_SESSION_H
#define RTMP_SESSION_H

#include "amf0.h"
#include "chunk.h"
#include "handshake.h"
#include "rtmp_msg.h"

enum sess_role { SESS_CLIENT, SESS_SERVER };

#define SESS_AMF_NODES	     512	/* AMF0 nodes for one command */
#define SESS_MAX_OUT_DEFAULT (8u << 20) /* bytes queued in the session */
#define SESS_WINDOW_DEFAULT  5000000	/* what nginx-rtmp announces */
#define SESS_OUT_KEEP	     512 /* output capacity kept by an idle connection */

struct sess_config {
	enum sess_role role;
	struct chunk_limits chunk; /* zero = defaults */
	struct amf0_limits amf;	   /* zero = defaults */
	uint32_t epoch;		   /* handshake time field */
	uint64_t seed;		   /* handshake random bytes */
	size_t max_out_bytes;	   /* 0 = SESS_MAX_OUT_DEFAULT */
};

enum sess_ev_type {
	SESS_EV_NONE,
	SESS_EV_HANDSHAKE,    /* handshake complete; s->peer is the peer's */
	SESS_EV_COMMAND,      /* type 20 or 17: ev->cmd */
	SESS_EV_DATA,	      /* type 18, or 15 with its 0x00 prefix removed */
	SESS_EV_AUDIO,	      /* type 8 */
	SESS_EV_VIDEO,	      /* type 9 */
	SESS_EV_CONTROL,      /* types 1,2,3,5,6: ev->value, ev->limit_type */
	SESS_EV_USER_CONTROL, /* type 4: ev->uc */
	SESS_EV_OTHER,	      /* anything else (aggregate, shared object...) */
};

struct sess_event {
	enum sess_ev_type type;
	struct rtmp_msg_hdr h;	/* message header (not for HANDSHAKE) */
	const uint8_t *payload; /* valid until the next sess_feed, and
				   while the input given to this one is
				   (it may point into it) */
	size_t len;
	struct rtmp_cmd cmd;	     /* COMMAND; nodes live in the session */
	uint32_t value;		     /* CONTROL: chunk size, csid, sequence,
					window (by type) */
	uint8_t limit_type;	     /* CONTROL: Set Peer Bandwidth */
	struct rtmp_user_control uc; /* USER_CONTROL */
};

/*
 * Memory: a connection that is just moving media costs a few hundred bytes
 * here. The handshake state (7.7 KB) lives only until the handshake is
 * done, and the AMF0 node array (SESS_AMF_NODES nodes, 24 KB) only while a
 * command event is alive (until the next sess_feed).
 */
struct sess {
	struct sess_config cfg;
	struct hs *hs;		  /* until the handshake is done */
	struct hs_peer_info peer; /* the peer's handshake fields, kept */
	int hs_complete;
	struct chunk_reader rd;
	struct chunk_writer wr;
	struct amf0_value *nodes; /* while a command event lives */
	struct amf0_doc doc;
	uint8_t *out; /* pending output */
	size_t out_off, out_len, out_cap;
	uint32_t peer_window; /* peer's Window Ack Size, 0 = none yet */
	uint32_t our_window;  /* last Window Ack Size we sent */
	uint64_t acked_at;    /* rd.bytes_in when we last acked */
	uint32_t peer_ack;    /* last Acknowledgement from the peer */
	uint64_t bytes_out;   /* all bytes handed out, shared ones too */
	double next_txid;     /* client transaction ids, from 1 */
	int dead;	      /* a fatal error was returned */
};

int sess_init(struct sess *s, const struct sess_config *cfg);
void sess_free(struct sess *s);

/*
 * Consume bytes. Returns bytes consumed (>= 0; all of them unless an event
 * was produced) with ev->type set (SESS_EV_NONE when no event), or a
 * negative code after which the connection must be closed: MALFORMED (bad
 * handshake version, chunk or command encoding), LIMIT, NOMEM, UNSUPPORTED.
 * A command that fails to decode is MALFORMED (AMF0 depth/count limits give
 * LIMIT).
 */
ssize_t sess_feed(struct sess *s, const uint8_t *p, size_t len,
		  struct sess_event *ev);

/* Bytes waiting to be written, and how many were written. */
const uint8_t *sess_output(const struct sess *s, size_t *len);
void sess_output_done(struct sess *s, size_t n);

/* Queue a message (header compression by the chunk writer). RTMP_OK or a
 * negative code (LIMIT when the output bound is reached). */
int sess_send(struct sess *s, const struct rtmp_msg_hdr *h,
	      const uint8_t *payload);
/* Protocol control, on csid 2, stream 0. Set Chunk Size also switches the
 * writer to the new size after this message. */
int sess_send_set_chunk_size(struct sess *s, uint32_t size);
int sess_send_window_ack_size(struct sess *s, uint32_t window);
int sess_send_peer_bw(struct sess *s, uint32_t window, uint8_t limit_type);
int sess_send_ack(struct sess *s);
int sess_send_abort(struct sess *s, uint32_t csid);
int sess_send_user_control(struct sess *s, const struct rtmp_user_control *uc);
/* A command body: csid 3 for stream 0, csid 5 for a stream's commands. */
int sess_send_command(struct sess *s, uint32_t stream_id, const uint8_t *body,
		      size_t len);
/* A data message (type 18) body. */
int sess_send_data(struct sess *s, uint32_t stream_id, uint32_t timestamp,
		   const uint8_t *body, size_t len);

/* Server: Window Ack Size, Set Peer Bandwidth (dynamic), Set Chunk Size
 * and _result(connect) with NetConnection.Connect.Success, in that order
 * (what nginx-rtmp sends, and what encoders expect). */
int sess_accept_connect(struct sess *s, double txid, uint32_t window,
			uint32_t chunk_size, double object_encoding);
/* onStatus on stream_id with the given level/code/description. */
int sess_send_status(struct sess *s, uint32_t stream_id, const char *level,
		     const char *code, const char *description);

/* Client: the next transaction id (1, 2, ...). */
double sess_next_txid(struct sess *s);

/* Record that a message went out by other means (bytes chunked once and
 * shared by many connections), so later headers on its csid compress right. */
void sess_note_sent(struct sess *s, const struct rtmp_msg_hdr *h,
		    size_t wire_bytes);

#endif
