/*
 * RTMP messages (RTMP 1.0 sections 5.4, 6.2, 7): types and names, protocol
 * control and user control encode/decode, and builders and parsers for the
 * commands a client and a server need. No I/O.
 */
#ifndef RTMP_MSG_H
#define RTMP_MSG_H

#include "amf0.h"
#include "chunk.h"
#include "rtmp_err.h"

enum rtmp_msg_type {
	RTMP_MSG_SET_CHUNK_SIZE = 1,
	RTMP_MSG_ABORT = 2,
	RTMP_MSG_ACK = 3,
	RTMP_MSG_USER_CONTROL = 4,
	RTMP_MSG_WINDOW_ACK_SIZE = 5,
	RTMP_MSG_SET_PEER_BANDWIDTH = 6,
	RTMP_MSG_AUDIO = 8,
	RTMP_MSG_VIDEO = 9,
	RTMP_MSG_DATA_AMF3 = 15,
	RTMP_MSG_SHARED_OBJECT_AMF3 = 16,
	RTMP_MSG_COMMAND_AMF3 = 17,
	RTMP_MSG_DATA_AMF0 = 18,
	RTMP_MSG_SHARED_OBJECT_AMF0 = 19,
	RTMP_MSG_COMMAND_AMF0 = 20,
	RTMP_MSG_AGGREGATE = 22,
};

enum rtmp_uc_event {
	RTMP_UC_STREAM_BEGIN = 0,
	RTMP_UC_STREAM_EOF = 1,
	RTMP_UC_STREAM_DRY = 2,
	RTMP_UC_SET_BUFFER_LENGTH = 3,
	RTMP_UC_STREAM_IS_RECORDED = 4,
	RTMP_UC_PING_REQUEST = 6,
	RTMP_UC_PING_RESPONSE = 7,
};

/* Chunk stream ids conventionally used (ffmpeg/nginx-rtmp). */
#define RTMP_CSID_CONTROL 2
#define RTMP_CSID_COMMAND 3
#define RTMP_CSID_AUDIO	  4
#define RTMP_CSID_DATA	  5
#define RTMP_CSID_VIDEO	  6

enum rtmp_bw_limit {
	RTMP_BW_HARD = 0,
	RTMP_BW_SOFT = 1,
	RTMP_BW_DYNAMIC = 2,
};

/* "SetChunkSize", "Audio", ...; "Unknown" for others. */
const char *rtmp_msg_type_name(uint8_t type);
/* "StreamBegin", "PingRequest", ...; "Unknown" for others. */
const char *rtmp_uc_event_name(uint16_t ev);
/* 1 for protocol control types 1..6. */
int rtmp_msg_is_control(uint8_t type);

/* ---- protocol control: payload encoders and decoders ------------------ */
/* Decoders take the whole payload and return RTMP_OK or a negative code. */

uint8_t *rtmp_put_u32_payload(uint8_t *p, uint8_t *end, uint32_t v);
int rtmp_parse_u32_payload(const uint8_t *p, size_t len, uint32_t *v);
/* Set Chunk Size, Abort, Acknowledgement, Window Ack Size all carry one
 * 32-bit value; Set Chunk Size additionally has its top bit reserved (0). */
int rtmp_parse_set_chunk_size(const uint8_t *p, size_t len, uint32_t *size);

uint8_t *rtmp_put_peer_bw(uint8_t *p, uint8_t *end, uint32_t window,
			  uint8_t limit_type);
int rtmp_parse_peer_bw(const uint8_t *p, size_t len, uint32_t *window,
		       uint8_t *limit_type);

struct rtmp_user_control {
	uint16_t event;
	uint32_t stream_id; /* every event but pings */
	uint32_t buffer_ms; /* SetBufferLength */
	uint32_t timestamp; /* PingRequest/PingResponse */
};

uint8_t *rtmp_put_user_control(uint8_t *p, uint8_t *end,
			       const struct rtmp_user_control *uc);
/* Unknown events are decoded with just the event code; too short is
 * MALFORMED. */
int rtmp_parse_user_control(const uint8_t *p, size_t len,
			    struct rtmp_user_control *uc);

/* ---- commands -------------------------------------------------------- */

#define RTMP_CMD_MAX_ARGS 8

/*
 * A decoded command message (type 20, or 17 whose body is 0x00 + AMF0):
 * name, transaction id, the command object (a node index, -1 when absent),
 * and up to RTMP_CMD_MAX_ARGS further arguments (node indexes). The nodes
 * live in doc, the strings in the message payload.
 */
struct rtmp_cmd {
	struct rtmp_str name;
	double txid;
	long obj;
	long args[RTMP_CMD_MAX_ARGS];
	unsigned nargs;
	struct amf0_doc *doc;
};

/*
 * Parse a command body. amf3 is 1 for message type 17 (skips one leading
 * 0x00 byte; anything else there is UNSUPPORTED). A command whose first value
 * is not a string is MALFORMED; a missing or non-number transaction id reads
 * as 0 (some clients send onStatus-style calls without one). Extra arguments
 * beyond RTMP_CMD_MAX_ARGS are decoded but not indexed. doc is reset
 * (doc->n = 0) first. The body is a whole message, so a value cut short is
 * MALFORMED rather than NEED_MORE. Returns RTMP_OK or a negative code.
 */
int rtmp_cmd_parse(const uint8_t *p, size_t len, int amf3, struct amf0_doc *doc,
		   struct rtmp_cmd *cmd);

/* Argument k as a string / number (1 on success). */
int rtmp_cmd_arg_string(const struct rtmp_cmd *cmd, unsigned k,
			struct rtmp_str *out);
int rtmp_cmd_arg_number(const struct rtmp_cmd *cmd, unsigned k, double *out);

/* What a client puts in connect's command object. NULL/negative = omit. */
struct rtmp_connect_props {
	const char *app;
	const char *type; /* "nonprivate" for publishers, like ffmpeg */
	const char *flashver;
	const char *swfurl;
	const char *tcurl;
	int fpad;	       /* -1 omit, 0/1 */
	double capabilities;   /* <0 omit */
	double audio_codecs;   /* <0 omit */
	double video_codecs;   /* <0 omit */
	double video_function; /* <0 omit */
	const char *pageurl;
	double object_encoding;		/* <0 omit */
	const char *const *fourcc_list; /* Enhanced RTMP "fourCcList" */
	size_t nfourcc;
	/* Extra name=value properties; values that parse fully as numbers are
	 * sent as numbers, "true"/"false" as booleans, others as strings. */
	const char *const *extra;
	size_t nextra;
};

/* Client commands. All return the new p (encoder contract). */
uint8_t *rtmp_build_connect(uint8_t *p, uint8_t *end, double txid,
			    const struct rtmp_connect_props *props);
/* name txid null [arg]: createStream (arg NULL), releaseStream, FCPublish,
 * FCUnpublish, getStreamLength, closeStream... */
uint8_t *rtmp_build_call(uint8_t *p, uint8_t *end, const char *name,
			 double txid, const char *string_arg);
uint8_t *rtmp_build_delete_stream(uint8_t *p, uint8_t *end, double txid,
				  double stream_id);
uint8_t *rtmp_build_publish(uint8_t *p, uint8_t *end, double txid,
			    const char *name, const char *type);
/* play(name, start, duration, reset): start -2 live-or-recorded, -1000 in
 * ffmpeg's live mode; duration < -1.5 omits duration and reset. */
uint8_t *rtmp_build_play(uint8_t *p, uint8_t *end, double txid,
			 const char *name, double start, double duration,
			 int reset);

/* Server answers. */
/* _result(txid, {fmsVer, capabilities, mode}, {level status, code, description,
 * objectEncoding}) for connect. */
uint8_t *rtmp_build_connect_result(uint8_t *p, uint8_t *end, double txid,
				   const char *fms_ver, double object_encoding);
/* _error(txid, null, {level error, code, description}). */
uint8_t *rtmp_build_error(uint8_t *p, uint8_t *end, double txid,
			  const char *code, const char *description);
/* _result(txid, null, number) (createStream) or _result(txid, null) when
 * has_value is 0. */
uint8_t *rtmp_build_result(uint8_t *p, uint8_t *end, double txid, int has_value,
			   double value);
/* onStatus(0, null, {level, code, description[, details]}). */
uint8_t *rtmp_build_onstatus(uint8_t *p, uint8_t *end, const char *level,
			     const char *code, const char *description,
			     const char *details);
/* onFCPublish / onFCUnpublish(0, null, {code, description}). */
uint8_t *rtmp_build_onfc(uint8_t *p, uint8_t *end, const char *name,
			 const char *code, const char *description);
/* |RtmpSampleAccess(false, false) data message body. */
uint8_t *rtmp_build_sample_access(uint8_t *p, uint8_t *end);

/* Parsed pieces of common commands. */
struct rtmp_status {
	struct rtmp_str level, code, description;
};
/* onStatus / _error / _result information: the first object among the
 * arguments (or the command object) carrying "code". */
/* RTMP_OK (missing fields left empty), or MALFORMED when there is no object. */
int rtmp_cmd_status(const struct rtmp_cmd *cmd, struct rtmp_status *st);

struct rtmp_connect_info {
	struct rtmp_str app, tcurl, flashver, type;
	double object_encoding;
	int has_fourcc_list;
};
/* RTMP_OK, or MALFORMED when the command object is not an object. */
int rtmp_cmd_connect_info(const struct rtmp_cmd *cmd,
			  struct rtmp_connect_info *ci);

/* ---- data messages --------------------------------------------------- */

/*
 * For a data message body (type 18, or 15 with its 0x00 prefix already
 * skipped by the caller): when it starts with "@setDataFrame", set *off to
 * the offset of the value that follows (normally the "onMetaData" string)
 * and return 1; else 0. Negative when the first value is not decodable.
 */
int rtmp_data_setdataframe(const uint8_t *p, size_t len, size_t *off);
/* The first value's string (the handler name, e.g. "onMetaData"): RTMP_OK,
 * or MALFORMED when it is not a string, or another negative code. */
int rtmp_data_name(const uint8_t *p, size_t len, struct rtmp_str *name);
/* "@setDataFrame" string value, to prefix a body when publishing. */
uint8_t *rtmp_build_setdataframe_prefix(uint8_t *p, uint8_t *end);

/* ---- aggregate messages (type 22) ------------------------------------ */

/*
 * An aggregate's body is a sequence of FLV-style tags: type (1), size (3),
 * timestamp (3 + 1 extended), stream id (3), data, back pointer (4).
 * Iterate with *off starting at 0: each call fills *h (type, length and
 * the tag's own timestamp) and *payload and advances *off. Returns 1 for a
 * sub-message, 0 at the end, MALFORMED when a size runs past the body or
 * the back pointer disagrees. The relay maps timestamps as FMS does:
 * aggregate timestamp + (sub timestamp - first sub timestamp).
 */
int rtmp_aggregate_next(const uint8_t *p, size_t len, size_t *off,
			struct rtmp_msg_hdr *h, const uint8_t **payload);

#endif
