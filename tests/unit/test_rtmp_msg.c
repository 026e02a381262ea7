/*
 * RTMP messages: names, protocol and user control payloads, command parsing,
 * and builders checked byte for byte against what ffmpeg (rtmpproto.c) and
 * nginx-rtmp-module put on the wire. The vectors below were written by hand
 * from the AMF0 encoding of each command, independently of the builders.
 */
#include <stdint.h>
#include <string.h>

#include "rtmp_msg.h"
#include "tap.h"

#define NODES 256

static struct amf0_value nodes[NODES];

/*
 * ffmpeg publishing (-f flv rtmp://localhost/live/key): connect(1, {app
 * "live", type "nonprivate", flashVer "FMLE/3.0 (compatible; Lavf61.7.100)",
 * tcUrl "rtmp://localhost:1935/live"})
 */
static const uint8_t ff_pub_connect[] = {
    0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
    0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
    0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x04, 0x74, 0x79,
    0x70, 0x65, 0x02, 0x00, 0x0a, 0x6e, 0x6f, 0x6e, 0x70, 0x72, 0x69, 0x76,
    0x61, 0x74, 0x65, 0x00, 0x08, 0x66, 0x6c, 0x61, 0x73, 0x68, 0x56, 0x65,
    0x72, 0x02, 0x00, 0x23, 0x46, 0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30,
    0x20, 0x28, 0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65,
    0x3b, 0x20, 0x4c, 0x61, 0x76, 0x66, 0x36, 0x31, 0x2e, 0x37, 0x2e, 0x31,
    0x30, 0x30, 0x29, 0x00, 0x05, 0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00,
    0x1a, 0x72, 0x74, 0x6d, 0x70, 0x3a, 0x2f, 0x2f, 0x6c, 0x6f, 0x63, 0x61,
    0x6c, 0x68, 0x6f, 0x73, 0x74, 0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c,
    0x69, 0x76, 0x65, 0x00, 0x00, 0x09,
};
/*
 * ffmpeg 7 publishing with -rtmp_enhanced_codecs hvc1,av01: fourCcList comes
 * right after app, then the usual keys.
 */
static const uint8_t ff_enhanced_connect[] = {
    0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
    0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
    0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x0a, 0x66, 0x6f,
    0x75, 0x72, 0x43, 0x63, 0x4c, 0x69, 0x73, 0x74, 0x0a, 0x00, 0x00, 0x00,
    0x02, 0x02, 0x00, 0x04, 0x68, 0x76, 0x63, 0x31, 0x02, 0x00, 0x04, 0x61,
    0x76, 0x30, 0x31, 0x00, 0x04, 0x74, 0x79, 0x70, 0x65, 0x02, 0x00, 0x0a,
    0x6e, 0x6f, 0x6e, 0x70, 0x72, 0x69, 0x76, 0x61, 0x74, 0x65, 0x00, 0x08,
    0x66, 0x6c, 0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x23, 0x46,
    0x4d, 0x4c, 0x45, 0x2f, 0x33, 0x2e, 0x30, 0x20, 0x28, 0x63, 0x6f, 0x6d,
    0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65, 0x3b, 0x20, 0x4c, 0x61, 0x76,
    0x66, 0x36, 0x31, 0x2e, 0x37, 0x2e, 0x31, 0x30, 0x30, 0x29, 0x00, 0x05,
    0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72, 0x74, 0x6d, 0x70,
    0x3a, 0x2f, 0x2f, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x68, 0x6f, 0x73, 0x74,
    0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x00,
    0x09,
};
/* ffmpeg: releaseStream(2, null, "key") */
static const uint8_t ff_release[] = {
    0x02, 0x00, 0x0d, 0x72, 0x65, 0x6c, 0x65, 0x61, 0x73, 0x65, 0x53,
    0x74, 0x72, 0x65, 0x61, 0x6d, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x03, 0x6b, 0x65, 0x79,
};
/* ffmpeg: FCPublish(3, null, "key") */
static const uint8_t ff_fcpublish[] = {
    0x02, 0x00, 0x09, 0x46, 0x43, 0x50, 0x75, 0x62, 0x6c, 0x69,
    0x73, 0x68, 0x00, 0x40, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x05, 0x02, 0x00, 0x03, 0x6b, 0x65, 0x79,
};
/* ffmpeg: createStream(4, null) */
static const uint8_t ff_create[] = {
    0x02, 0x00, 0x0c, 0x63, 0x72, 0x65, 0x61, 0x74, 0x65,
    0x53, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x00, 0x40, 0x10,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
};
/* ffmpeg: publish(5, null, "key", "live") */
static const uint8_t ff_publish[] = {
    0x02, 0x00, 0x07, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x73, 0x68, 0x00,
    0x40, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00,
    0x03, 0x6b, 0x65, 0x79, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65,
};
/*
 * ffmpeg playing: connect(1, {app, flashVer "LNX 9,0,124,2", tcUrl, fpad
 * false, capabilities 15, audioCodecs 4071, videoCodecs 252, videoFunction
 * 1})
 */
static const uint8_t ff_play_connect[] = {
    0x02, 0x00, 0x07, 0x63, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00, 0x3f,
    0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x03, 0x61, 0x70,
    0x70, 0x02, 0x00, 0x04, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x08, 0x66, 0x6c,
    0x61, 0x73, 0x68, 0x56, 0x65, 0x72, 0x02, 0x00, 0x0d, 0x4c, 0x4e, 0x58,
    0x20, 0x39, 0x2c, 0x30, 0x2c, 0x31, 0x32, 0x34, 0x2c, 0x32, 0x00, 0x05,
    0x74, 0x63, 0x55, 0x72, 0x6c, 0x02, 0x00, 0x1a, 0x72, 0x74, 0x6d, 0x70,
    0x3a, 0x2f, 0x2f, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x68, 0x6f, 0x73, 0x74,
    0x3a, 0x31, 0x39, 0x33, 0x35, 0x2f, 0x6c, 0x69, 0x76, 0x65, 0x00, 0x04,
    0x66, 0x70, 0x61, 0x64, 0x01, 0x00, 0x00, 0x0c, 0x63, 0x61, 0x70, 0x61,
    0x62, 0x69, 0x6c, 0x69, 0x74, 0x69, 0x65, 0x73, 0x00, 0x40, 0x2e, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x61, 0x75, 0x64, 0x69, 0x6f,
    0x43, 0x6f, 0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0xaf, 0xce, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x0b, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x43, 0x6f,
    0x64, 0x65, 0x63, 0x73, 0x00, 0x40, 0x6f, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x0d, 0x76, 0x69, 0x64, 0x65, 0x6f, 0x46, 0x75, 0x6e, 0x63,
    0x74, 0x69, 0x6f, 0x6e, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x09,
};
/* ffmpeg: getStreamLength(3, null, "key") */
static const uint8_t ff_getlen[] = {
    0x02, 0x00, 0x0f, 0x67, 0x65, 0x74, 0x53, 0x74, 0x72, 0x65, 0x61, 0x6d,
    0x4c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x00, 0x40, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x03, 0x6b, 0x65, 0x79,
};
/* ffmpeg (default -rtmp_live any): play(4, null, "key", -2000) */
static const uint8_t ff_play[] = {
    0x02, 0x00, 0x04, 0x70, 0x6c, 0x61, 0x79, 0x00, 0x40, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x03, 0x6b, 0x65,
    0x79, 0x00, 0xc0, 0x9f, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/*
 * Server connect answer, nginx-rtmp's layout with SRS's "mode" 1 added:
 * _result(1, {fmsVer "FMS/3,0,1,123", capabilities 31, mode 1}, {level
 * "status", code "NetConnection.Connect.Success", description "Connection
 * succeeded.", objectEncoding 0})
 */
static const uint8_t ngx_connect_result[] = {
    0x02, 0x00, 0x07, 0x5f, 0x72, 0x65, 0x73, 0x75, 0x6c, 0x74, 0x00, 0x3f,
    0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x06, 0x66, 0x6d,
    0x73, 0x56, 0x65, 0x72, 0x02, 0x00, 0x0d, 0x46, 0x4d, 0x53, 0x2f, 0x33,
    0x2c, 0x30, 0x2c, 0x31, 0x2c, 0x31, 0x32, 0x33, 0x00, 0x0c, 0x63, 0x61,
    0x70, 0x61, 0x62, 0x69, 0x6c, 0x69, 0x74, 0x69, 0x65, 0x73, 0x00, 0x40,
    0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x6d, 0x6f, 0x64,
    0x65, 0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x09, 0x03, 0x00, 0x05, 0x6c, 0x65, 0x76, 0x65, 0x6c, 0x02, 0x00, 0x06,
    0x73, 0x74, 0x61, 0x74, 0x75, 0x73, 0x00, 0x04, 0x63, 0x6f, 0x64, 0x65,
    0x02, 0x00, 0x1d, 0x4e, 0x65, 0x74, 0x43, 0x6f, 0x6e, 0x6e, 0x65, 0x63,
    0x74, 0x69, 0x6f, 0x6e, 0x2e, 0x43, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74,
    0x2e, 0x53, 0x75, 0x63, 0x63, 0x65, 0x73, 0x73, 0x00, 0x0b, 0x64, 0x65,
    0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x02, 0x00, 0x15,
    0x43, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x20, 0x73,
    0x75, 0x63, 0x63, 0x65, 0x65, 0x64, 0x65, 0x64, 0x2e, 0x00, 0x0e, 0x6f,
    0x62, 0x6a, 0x65, 0x63, 0x74, 0x45, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e,
    0x67, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x09,
};
/* nginx-rtmp: _result(4, null, 1) for createStream */
static const uint8_t ngx_create_result[] = {
    0x02, 0x00, 0x07, 0x5f, 0x72, 0x65, 0x73, 0x75, 0x6c, 0x74,
    0x00, 0x40, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
    0x00, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/*
 * nginx-rtmp: onStatus(0, null, {level "status", code
 * "NetStream.Publish.Start", description "Start publishing"})
 */
static const uint8_t ngx_publish_start[] = {
    0x02, 0x00, 0x08, 0x6f, 0x6e, 0x53, 0x74, 0x61, 0x74, 0x75, 0x73, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x03, 0x00, 0x05,
    0x6c, 0x65, 0x76, 0x65, 0x6c, 0x02, 0x00, 0x06, 0x73, 0x74, 0x61, 0x74,
    0x75, 0x73, 0x00, 0x04, 0x63, 0x6f, 0x64, 0x65, 0x02, 0x00, 0x17, 0x4e,
    0x65, 0x74, 0x53, 0x74, 0x72, 0x65, 0x61, 0x6d, 0x2e, 0x50, 0x75, 0x62,
    0x6c, 0x69, 0x73, 0x68, 0x2e, 0x53, 0x74, 0x61, 0x72, 0x74, 0x00, 0x0b,
    0x64, 0x65, 0x73, 0x63, 0x72, 0x69, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x02,
    0x00, 0x10, 0x53, 0x74, 0x61, 0x72, 0x74, 0x20, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x73, 0x68, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x09,
};
/* |RtmpSampleAccess(false, false) */
static const uint8_t ngx_sample_access[] = {
    0x02, 0x00, 0x11, 0x7c, 0x52, 0x74, 0x6d, 0x70, 0x53, 0x61, 0x6d, 0x70,
    0x6c, 0x65, 0x41, 0x63, 0x63, 0x65, 0x73, 0x73, 0x01, 0x00, 0x01, 0x00,
};

static int
str_is(struct rtmp_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

/* Parse from an exact-size heap copy (freed by the caller via *keep). */
static int
parse_dup(const uint8_t *in, size_t len, int amf3, struct amf0_doc *doc,
	  struct rtmp_cmd *cmd, uint8_t **keep)
{
	*keep = tap_dup(in, len);
	amf0_doc_init(doc, nodes, NODES, NULL);
	return rtmp_cmd_parse(*keep, len, amf3, doc, cmd);
}

/*
 * A whole-message parser: each strict prefix either parses (cut between two
 * values) or is MALFORMED (cut inside one), never NEED_MORE, and ASan sees
 * no read past the cut. Cuts inside the first value are always MALFORMED.
 */
static void
check_cmd_prefixes(const char *name, const uint8_t *in, size_t len)
{
	struct amf0_doc doc;
	struct rtmp_cmd cmd;
	size_t k, first, bad = (size_t)-1;
	uint8_t *d;
	int r;

	first = 3 + ((size_t)in[1] << 8 | in[2]);
	for (k = 0; k < len && bad == (size_t)-1; k++) {
		r = parse_dup(in, k, 0, &doc, &cmd, &d);
		if (r != RTMP_OK && r != RTMP_ERR_MALFORMED)
			bad = k;
		if (k < first && r != RTMP_ERR_MALFORMED)
			bad = k;
		free(d);
	}
	ok(bad == (size_t)-1, "%s: every strict prefix parses or is MALFORMED",
	   name);
	if (bad != (size_t)-1)
		printf("#   prefix of %zu bytes\n", bad);
}

/* Build into an exact-size buffer, then check that every smaller buffer
 * makes the builder return NULL. */
#define CHECK_BUILD(vec, call)                                                \
	do {                                                                  \
		uint8_t out_[1024], *end_, *p_;                               \
		size_t n_, fails_ = 0;                                        \
		end_ = out_ + sizeof(vec);                                    \
		p_ = out_;                                                    \
		p_ = call;                                                    \
		ok(p_ == end_ && memcmp(out_, vec, sizeof(vec)) == 0,         \
		   "%s: builder writes the expected bytes", #vec);            \
		for (n_ = 0; n_ < sizeof(vec); n_++) {                        \
			end_ = out_ + n_;                                     \
			p_ = out_;                                            \
			if ((call) != NULL)                                   \
				fails_++;                                     \
		}                                                             \
		is_int(fails_, 0, "%s: every short buffer gives NULL", #vec); \
	} while (0)

static void
test_names(void)
{
	static const struct {
		uint8_t type;
		const char *name;
	} t[] = {
	    {RTMP_MSG_SET_CHUNK_SIZE, "SetChunkSize"},
	    {RTMP_MSG_ABORT, "Abort"},
	    {RTMP_MSG_ACK, "Acknowledgement"},
	    {RTMP_MSG_USER_CONTROL, "UserControl"},
	    {RTMP_MSG_WINDOW_ACK_SIZE, "WindowAckSize"},
	    {RTMP_MSG_SET_PEER_BANDWIDTH, "SetPeerBandwidth"},
	    {RTMP_MSG_AUDIO, "Audio"},
	    {RTMP_MSG_VIDEO, "Video"},
	    {RTMP_MSG_DATA_AMF3, "DataAMF3"},
	    {RTMP_MSG_SHARED_OBJECT_AMF3, "SharedObjectAMF3"},
	    {RTMP_MSG_COMMAND_AMF3, "CommandAMF3"},
	    {RTMP_MSG_DATA_AMF0, "DataAMF0"},
	    {RTMP_MSG_SHARED_OBJECT_AMF0, "SharedObjectAMF0"},
	    {RTMP_MSG_COMMAND_AMF0, "CommandAMF0"},
	    {RTMP_MSG_AGGREGATE, "Aggregate"},
	    {0, "Unknown"},
	    {7, "Unknown"},
	    {21, "Unknown"},
	    {255, "Unknown"},
	};
	static const struct {
		uint16_t ev;
		const char *name;
	} e[] = {
	    {RTMP_UC_STREAM_BEGIN, "StreamBegin"},
	    {RTMP_UC_STREAM_EOF, "StreamEOF"},
	    {RTMP_UC_STREAM_DRY, "StreamDry"},
	    {RTMP_UC_SET_BUFFER_LENGTH, "SetBufferLength"},
	    {RTMP_UC_STREAM_IS_RECORDED, "StreamIsRecorded"},
	    {RTMP_UC_PING_REQUEST, "PingRequest"},
	    {RTMP_UC_PING_RESPONSE, "PingResponse"},
	    {5, "Unknown"},
	    {0xffff, "Unknown"},
	};
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ok(strcmp(rtmp_msg_type_name(t[i].type), t[i].name) == 0,
		   "message type %u is %s", t[i].type, t[i].name);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		ok(strcmp(rtmp_uc_event_name(e[i].ev), e[i].name) == 0,
		   "user control event %u is %s", e[i].ev, e[i].name);
	for (i = 0; i < 256; i++)
		n += rtmp_msg_is_control((uint8_t)i) ? 1 : 0;
	ok(n == 6 && rtmp_msg_is_control(1) && rtmp_msg_is_control(6),
	   "exactly types 1..6 are protocol control");
}

static void
test_protocol_control(void)
{
	static const uint8_t ack[] = {0x00, 0x4c, 0x4b, 0x40};
	static const uint8_t bw[] = {0x00, 0x4c, 0x4b, 0x40, 0x02};
	uint8_t out[8], *d;
	uint32_t v;
	uint8_t lt;
	size_t k;
	int bad;

	ok(rtmp_put_u32_payload(out, out + 4, 5000000) == out + 4 &&
	       memcmp(out, ack, 4) == 0,
	   "u32 payload: 5,000,000");
	ok(rtmp_put_u32_payload(out, out + 3, 1) == NULL, "u32 payload: 3 B");
	d = tap_dup(ack, 4);
	ok(rtmp_parse_u32_payload(d, 4, &v) == RTMP_OK && v == 5000000,
	   "parse u32 payload");
	for (bad = 0, k = 0; k < 4; k++)
		if (rtmp_parse_u32_payload(d, k, &v) != RTMP_ERR_MALFORMED)
			bad = 1;
	ok(!bad, "u32 payload shorter than 4 bytes: MALFORMED");
	free(d);

	{
		static const struct {
			const char *why;
			uint8_t in[4];
			int want;
			uint32_t size;
		} c[] = {
		    {"4096 (OBS before connect)",
		     {0, 0, 0x10, 0},
		     RTMP_OK,
		     4096},
		    {"1", {0, 0, 0, 1}, RTMP_OK, 1},
		    {"0x7FFFFFFF, the largest",
		     {0x7f, 0xff, 0xff, 0xff},
		     RTMP_OK,
		     0x7fffffff},
		    {"0x80000000: reserved top bit set",
		     {0x80, 0, 0, 0},
		     RTMP_ERR_MALFORMED,
		     0},
		    {"0xFFFFFFFF: reserved top bit set",
		     {0xff, 0xff, 0xff, 0xff},
		     RTMP_ERR_MALFORMED,
		     0},
		    {"0: below the minimum of 1",
		     {0, 0, 0, 0},
		     RTMP_ERR_MALFORMED,
		     0},
		};

		for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
			int r;

			v = 12345;
			d = tap_dup(c[k].in, 4);
			r = rtmp_parse_set_chunk_size(d, 4, &v);
			ok(r == c[k].want && (r != RTMP_OK || v == c[k].size),
			   "Set Chunk Size %s", c[k].why);
			free(d);
		}
		d = tap_dup(c[0].in, 3);
		is_int(rtmp_parse_set_chunk_size(d, 3, &v), RTMP_ERR_MALFORMED,
		       "Set Chunk Size with 3 bytes: MALFORMED");
		free(d);
	}

	ok(rtmp_put_peer_bw(out, out + 5, 5000000, RTMP_BW_DYNAMIC) ==
		   out + 5 &&
	       memcmp(out, bw, 5) == 0,
	   "Set Peer Bandwidth 5,000,000 dynamic (nginx-rtmp)");
	ok(rtmp_put_peer_bw(out, out + 4, 5000000, 2) == NULL,
	   "Set Peer Bandwidth into 4 bytes: NULL");
	d = tap_dup(bw, 5);
	ok(rtmp_parse_peer_bw(d, 5, &v, &lt) == RTMP_OK && v == 5000000 &&
	       lt == 2,
	   "parse Set Peer Bandwidth");
	for (bad = 0, k = 0; k < 5; k++)
		if (rtmp_parse_peer_bw(d, k, &v, &lt) != RTMP_ERR_MALFORMED)
			bad = 1;
	ok(!bad, "Set Peer Bandwidth shorter than 5 bytes: MALFORMED");
	free(d);
	memcpy(out, bw, 5);
	out[4] = 3;
	d = tap_dup(out, 5);
	is_int(rtmp_parse_peer_bw(d, 5, &v, &lt), RTMP_ERR_MALFORMED,
	       "Set Peer Bandwidth limit type 3: MALFORMED");
	free(d);
}

static void
test_user_control(void)
{
	static const struct {
		const char *name;
		struct rtmp_user_control uc;
		uint8_t bytes[10];
		size_t len;
	} v[] = {
	    {"StreamBegin 1",
	     {RTMP_UC_STREAM_BEGIN, 1, 0, 0},
	     {0, 0, 0, 0, 0, 1},
	     6},
	    {"StreamEOF 1",
	     {RTMP_UC_STREAM_EOF, 1, 0, 0},
	     {0, 1, 0, 0, 0, 1},
	     6},
	    {"StreamDry 2",
	     {RTMP_UC_STREAM_DRY, 2, 0, 0},
	     {0, 2, 0, 0, 0, 2},
	     6},
	    {"SetBufferLength 1, 3000 ms (ffmpeg)",
	     {RTMP_UC_SET_BUFFER_LENGTH, 1, 3000, 0},
	     {0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8},
	     10},
	    {"StreamIsRecorded 1",
	     {RTMP_UC_STREAM_IS_RECORDED, 1, 0, 0},
	     {0, 4, 0, 0, 0, 1},
	     6},
	    {"PingRequest 0x01020304",
	     {RTMP_UC_PING_REQUEST, 0, 0, 0x01020304},
	     {0, 6, 1, 2, 3, 4},
	     6},
	    {"PingResponse 0xFFFFFFFF",
	     {RTMP_UC_PING_RESPONSE, 0, 0, 0xffffffffu},
	     {0, 7, 0xff, 0xff, 0xff, 0xff},
	     6},
	    {"unknown event 0x1a (SWF verification)",
	     {0x1a, 0, 0, 0},
	     {0, 0x1a},
	     2},
	};
	struct rtmp_user_control uc;
	uint8_t out[16], *d, *p;
	size_t i, k;
	int bad;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = rtmp_put_user_control(out, out + sizeof(out), &v[i].uc);
		ok(p == out + v[i].len &&
		       memcmp(out, v[i].bytes, v[i].len) == 0,
		   "encode %s", v[i].name);
		ok(rtmp_put_user_control(out, out + v[i].len - 1, &v[i].uc) ==
		       NULL,
		   "encode %s one byte short: NULL", v[i].name);
		d = tap_dup(v[i].bytes, v[i].len);
		memset(&uc, 0xaa, sizeof(uc));
		ok(rtmp_parse_user_control(d, v[i].len, &uc) == RTMP_OK &&
		       uc.event == v[i].uc.event &&
		       uc.stream_id == v[i].uc.stream_id &&
		       uc.buffer_ms == v[i].uc.buffer_ms &&
		       uc.timestamp == v[i].uc.timestamp,
		   "decode %s", v[i].name);
		for (bad = 0, k = 0; k < v[i].len; k++)
			if (rtmp_parse_user_control(d, k, &uc) !=
			    RTMP_ERR_MALFORMED)
				bad = 1;
		ok(!bad, "%s: every truncation is MALFORMED", v[i].name);
		free(d);
	}
}

static void
test_parse_vectors(void)
{
	struct amf0_doc doc;
	struct rtmp_cmd cmd;
	struct rtmp_connect_info ci;
	struct rtmp_status st;
	struct rtmp_str s;
	uint8_t *d;
	double num;
	int r;

	r = parse_dup(ff_pub_connect, sizeof(ff_pub_connect), 0, &doc, &cmd,
		      &d);
	ok(r == RTMP_OK && str_is(cmd.name, "connect") && cmd.txid == 1 &&
	       cmd.obj == 2 && cmd.nargs == 0 && cmd.doc == &doc,
	   "ffmpeg publish connect: name, txid 1, object, no args");
	ok(rtmp_cmd_connect_info(&cmd, &ci) == RTMP_OK &&
	       str_is(ci.app, "live") &&
	       str_is(ci.tcurl, "rtmp://localhost:1935/live") &&
	       str_is(ci.flashver, "FMLE/3.0 (compatible; Lavf61.7.100)") &&
	       str_is(ci.type, "nonprivate") && ci.object_encoding == 0 &&
	       !ci.has_fourcc_list,
	   "ffmpeg publish connect: connect info");
	free(d);
	check_cmd_prefixes("ffmpeg connect", ff_pub_connect,
			   sizeof(ff_pub_connect));

	r = parse_dup(ff_enhanced_connect, sizeof(ff_enhanced_connect), 0, &doc,
		      &cmd, &d);
	ok(r == RTMP_OK && rtmp_cmd_connect_info(&cmd, &ci) == RTMP_OK &&
	       ci.has_fourcc_list && str_is(ci.app, "live") &&
	       str_is(ci.type, "nonprivate"),
	   "ffmpeg 7 enhanced connect: fourCcList seen");
	free(d);
	check_cmd_prefixes("ffmpeg enhanced connect", ff_enhanced_connect,
			   sizeof(ff_enhanced_connect));

	r = parse_dup(ff_play_connect, sizeof(ff_play_connect), 0, &doc, &cmd,
		      &d);
	ok(r == RTMP_OK && rtmp_cmd_connect_info(&cmd, &ci) == RTMP_OK &&
	       ci.type.len == 0 && str_is(ci.flashver, "LNX 9,0,124,2") &&
	       amf0_get_number(&doc, cmd.obj, "audioCodecs", &num) &&
	       num == 4071,
	   "ffmpeg play connect: no type, LNX flashVer, audioCodecs 4071");
	free(d);

	r = parse_dup(ff_release, sizeof(ff_release), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && str_is(cmd.name, "releaseStream") && cmd.txid == 2 &&
	       cmd.obj == 2 && doc.v[cmd.obj].type == AMF0_NULL &&
	       cmd.nargs == 1 && rtmp_cmd_arg_string(&cmd, 0, &s) &&
	       str_is(s, "key"),
	   "releaseStream: null object, key argument");
	ok(!rtmp_cmd_arg_string(&cmd, 1, &s), "argument 1 does not exist");
	ok(!rtmp_cmd_arg_number(&cmd, 0, &num), "argument 0 is no number");
	is_int(rtmp_cmd_connect_info(&cmd, &ci), RTMP_ERR_MALFORMED,
	       "connect info with a null command object: MALFORMED");
	is_int(rtmp_cmd_status(&cmd, &st), RTMP_ERR_MALFORMED,
	       "status of a call without any object: MALFORMED");
	free(d);
	check_cmd_prefixes("releaseStream", ff_release, sizeof(ff_release));

	r = parse_dup(ff_create, sizeof(ff_create), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && str_is(cmd.name, "createStream") && cmd.txid == 4 &&
	       cmd.obj == 2 && cmd.nargs == 0,
	   "createStream(4, null)");
	free(d);

	r = parse_dup(ff_publish, sizeof(ff_publish), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && cmd.txid == 5 && cmd.nargs == 2 &&
	       rtmp_cmd_arg_string(&cmd, 0, &s) && str_is(s, "key") &&
	       rtmp_cmd_arg_string(&cmd, 1, &s) && str_is(s, "live"),
	   "publish(5, null, key, live)");
	free(d);
	check_cmd_prefixes("publish", ff_publish, sizeof(ff_publish));

	r = parse_dup(ff_play, sizeof(ff_play), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && str_is(cmd.name, "play") && cmd.txid == 4 &&
	       cmd.nargs == 2 && rtmp_cmd_arg_string(&cmd, 0, &s) &&
	       str_is(s, "key") && rtmp_cmd_arg_number(&cmd, 1, &num) &&
	       num == -2000,
	   "play(4, null, key, -2000)");
	free(d);

	r = parse_dup(ngx_connect_result, sizeof(ngx_connect_result), 0, &doc,
		      &cmd, &d);
	ok(r == RTMP_OK && str_is(cmd.name, "_result") && cmd.txid == 1 &&
	       doc.v[cmd.obj].type == AMF0_OBJECT && cmd.nargs == 1,
	   "connect _result: properties object and one info argument");
	ok(rtmp_cmd_status(&cmd, &st) == RTMP_OK &&
	       str_is(st.level, "status") &&
	       str_is(st.code, "NetConnection.Connect.Success") &&
	       str_is(st.description, "Connection succeeded."),
	   "connect _result: status from the information argument");
	free(d);
	check_cmd_prefixes("connect _result", ngx_connect_result,
			   sizeof(ngx_connect_result));

	r = parse_dup(ngx_create_result, sizeof(ngx_create_result), 0, &doc,
		      &cmd, &d);
	ok(r == RTMP_OK && cmd.txid == 4 &&
	       rtmp_cmd_arg_number(&cmd, 0, &num) && num == 1,
	   "createStream _result: stream id 1");
	free(d);

	r = parse_dup(ngx_publish_start, sizeof(ngx_publish_start), 0, &doc,
		      &cmd, &d);
	ok(r == RTMP_OK && str_is(cmd.name, "onStatus") && cmd.txid == 0 &&
	       rtmp_cmd_status(&cmd, &st) == RTMP_OK &&
	       str_is(st.code, "NetStream.Publish.Start") &&
	       str_is(st.level, "status") &&
	       str_is(st.description, "Start publishing"),
	   "onStatus Publish.Start");
	free(d);
	check_cmd_prefixes("onStatus", ngx_publish_start,
			   sizeof(ngx_publish_start));
}

static void
test_parse_odd(void)
{
	/* "x" 1 {code:"C"} : status found in the command object. */
	static const uint8_t code_in_obj[] = {
	    0x02, 0x00, 0x01, 'x',  0x00, 0x3f, 0xf0, 0,    0,
	    0,	  0,	0,    0,    0x03, 0x00, 0x04, 'c',  'o',
	    'd',  'e',	0x02, 0x00, 0x01, 'C',	0x00, 0x00, 0x09};
	/* "f" "txid" : string transaction id */
	static const uint8_t str_txid[] = {0x02, 0x00, 0x01, 'f',
					   0x02, 0x00, 0x01, '7'};
	static const uint8_t name_only[] = {0x02, 0x00, 0x01, 'n'};
	static const uint8_t number_first[] = {
	    0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x01, 'n'};
	static const uint8_t null_first[] = {0x05};
	static const uint8_t trailing_junk[] = {0x02, 0x00, 0x01, 'n', 0x09};
	static const uint8_t amf3_in_body[] = {0x02, 0x00, 0x01,
					       'n',  0x11, 0x06};
	uint8_t many[4 + 9 + 1 + 10 * 2], amf3[sizeof(ff_create) + 1];
	struct amf0_doc doc;
	struct rtmp_cmd cmd;
	struct rtmp_status st;
	uint8_t *d;
	double num;
	size_t i;
	int r;

	r = parse_dup(code_in_obj, sizeof(code_in_obj), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && rtmp_cmd_status(&cmd, &st) == RTMP_OK &&
	       str_is(st.code, "C") && st.level.len == 0,
	   "status falls back to the command object");
	free(d);
	r = parse_dup(str_txid, sizeof(str_txid), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && cmd.txid == 0 && cmd.obj == -1 && cmd.nargs == 0,
	   "string transaction id reads as 0");
	free(d);
	r = parse_dup(name_only, sizeof(name_only), 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && cmd.txid == 0 && cmd.obj == -1,
	   "name only: txid 0, no object");
	free(d);
	is_int(parse_dup(number_first, sizeof(number_first), 0, &doc, &cmd, &d),
	       RTMP_ERR_MALFORMED, "numeric command name: MALFORMED");
	free(d);
	is_int(parse_dup(null_first, sizeof(null_first), 0, &doc, &cmd, &d),
	       RTMP_ERR_MALFORMED, "null command name: MALFORMED");
	free(d);
	is_int(parse_dup(name_only, 0, 0, &doc, &cmd, &d), RTMP_ERR_MALFORMED,
	       "empty body: MALFORMED");
	free(d);
	is_int(
	    parse_dup(trailing_junk, sizeof(trailing_junk), 0, &doc, &cmd, &d),
	    RTMP_ERR_MALFORMED, "object end marker after the name: MALFORMED");
	free(d);
	is_int(parse_dup(amf3_in_body, sizeof(amf3_in_body), 0, &doc, &cmd, &d),
	       RTMP_ERR_UNSUPPORTED, "AMF3 switch marker inside the body");
	free(d);

	/* "n" 1 null and ten booleans: only RTMP_CMD_MAX_ARGS are indexed. */
	memcpy(many, name_only, 4);
	{
		uint8_t *p = many + 4, *end = many + sizeof(many);
		unsigned k;

		p = amf0_put_number(p, end, 1);
		p = amf0_put_null(p, end);
		for (k = 0; k < 10 && p != NULL; k++)
			p = amf0_put_bool(p, end, (int)k & 1);
		i = p != NULL ? (size_t)(p - many) : 0;
	}
	r = parse_dup(many, i, 0, &doc, &cmd, &d);
	ok(r == RTMP_OK && cmd.nargs == RTMP_CMD_MAX_ARGS &&
	       doc.v[cmd.args[7]].u.boolean == 1 && doc.n == 13,
	   "10 arguments: 8 indexed, all decoded");
	free(d);

	/* Type 17: 0x00 then AMF0. */
	amf3[0] = 0x00;
	memcpy(amf3 + 1, ff_create, sizeof(ff_create));
	r = parse_dup(amf3, sizeof(amf3), 1, &doc, &cmd, &d);
	ok(r == RTMP_OK && str_is(cmd.name, "createStream") && cmd.txid == 4,
	   "AMF3 command message with its 0x00 prefix");
	free(d);
	amf3[0] = 0x02;
	is_int(parse_dup(amf3, sizeof(amf3), 1, &doc, &cmd, &d),
	       RTMP_ERR_UNSUPPORTED,
	       "AMF3 command whose first byte is not 0x00");
	free(d);
	amf3[0] = 0x06;
	is_int(parse_dup(amf3, sizeof(amf3), 1, &doc, &cmd, &d),
	       RTMP_ERR_UNSUPPORTED, "AMF3 command with an AMF3 string");
	free(d);
	is_int(parse_dup(amf3, 0, 1, &doc, &cmd, &d), RTMP_ERR_MALFORMED,
	       "empty AMF3 command: MALFORMED");
	free(d);

	/* The node array is reused: parse resets it every time. */
	amf0_doc_init(&doc, nodes, 8, NULL);
	d = tap_dup(ff_publish, sizeof(ff_publish));
	for (r = RTMP_OK, i = 0; i < 5 && r == RTMP_OK; i++)
		r = rtmp_cmd_parse(d, sizeof(ff_publish), 0, &doc, &cmd);
	ok(r == RTMP_OK && doc.n == 5, "parse resets doc->n between messages");
	free(d);
	amf0_doc_init(&doc, nodes, 4, NULL);
	d = tap_dup(ff_publish, sizeof(ff_publish));
	is_int(rtmp_cmd_parse(d, sizeof(ff_publish), 0, &doc, &cmd),
	       RTMP_ERR_NOSPACE, "5 values into 4 nodes: NOSPACE");
	free(d);
	(void)num;
}

static void
test_builders(void)
{
	static const char *const fourcc[] = {"av01", "hvc1"};
	static const char *const hvc1_av01[] = {"hvc1", "av01"};
	static const char *const extra[] = {"n=1.5",  "t=true", "s=abc",
					    "h=0x10", "e",	"m=-2"};
	struct rtmp_connect_props pub = {
	    .app = "live",
	    .type = "nonprivate",
	    .flashver = "FMLE/3.0 (compatible; Lavf61.7.100)",
	    .tcurl = "rtmp://localhost:1935/live",
	    .fpad = -1,
	    .capabilities = -1,
	    .audio_codecs = -1,
	    .video_codecs = -1,
	    .video_function = -1,
	    .object_encoding = -1,
	};
	struct rtmp_connect_props play = {
	    .app = "live",
	    .flashver = "LNX 9,0,124,2",
	    .tcurl = "rtmp://localhost:1935/live",
	    .fpad = 0,
	    .capabilities = 15,
	    .audio_codecs = 4071,
	    .video_codecs = 252,
	    .video_function = 1,
	    .object_encoding = -1,
	};
	struct rtmp_connect_props full = pub, enhanced = pub;
	struct amf0_doc doc;
	struct rtmp_cmd cmd;
	struct rtmp_connect_info ci;
	struct rtmp_status st;
	struct rtmp_str s;
	uint8_t out[1024], *p, *end = out + sizeof(out);
	long l, fcl;
	double num;
	int b;

	enhanced.fourcc_list = hvc1_av01;
	enhanced.nfourcc = 2;
	CHECK_BUILD(ff_pub_connect, rtmp_build_connect(p_, end_, 1, &pub));
	CHECK_BUILD(ff_play_connect, rtmp_build_connect(p_, end_, 1, &play));
	CHECK_BUILD(ff_enhanced_connect,
		    rtmp_build_connect(p_, end_, 1, &enhanced));
	CHECK_BUILD(ff_release,
		    rtmp_build_call(p_, end_, "releaseStream", 2, "key"));
	CHECK_BUILD(ff_fcpublish,
		    rtmp_build_call(p_, end_, "FCPublish", 3, "key"));
	CHECK_BUILD(ff_create,
		    rtmp_build_call(p_, end_, "createStream", 4, NULL));
	CHECK_BUILD(ff_publish, rtmp_build_publish(p_, end_, 5, "key", "live"));
	CHECK_BUILD(ff_getlen,
		    rtmp_build_call(p_, end_, "getStreamLength", 3, "key"));
	CHECK_BUILD(ff_play, rtmp_build_play(p_, end_, 4, "key", -2000, -2, 0));
	CHECK_BUILD(ngx_connect_result,
		    rtmp_build_connect_result(p_, end_, 1, NULL, 0));
	CHECK_BUILD(ngx_create_result, rtmp_build_result(p_, end_, 4, 1, 1));
	CHECK_BUILD(ngx_publish_start,
		    rtmp_build_onstatus(p_, end_, "status",
					"NetStream.Publish.Start",
					"Start publishing", NULL));
	CHECK_BUILD(ngx_sample_access, rtmp_build_sample_access(p_, end_));

	/* Builders checked by parsing what they write. */
	full.fpad = 1;
	full.swfurl = "http://s/x.swf";
	full.pageurl = "http://s/";
	full.capabilities = 239;
	full.object_encoding = 3;
	full.fourcc_list = fourcc;
	full.nfourcc = 2;
	full.extra = extra;
	full.nextra = 6;
	p = rtmp_build_connect(out, end, 1, &full);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0,
			      (amf0_doc_init(&doc, nodes, NODES, NULL), &doc),
			      &cmd) == RTMP_OK,
	   "connect with every property parses");
	ok(rtmp_cmd_connect_info(&cmd, &ci) == RTMP_OK && ci.has_fourcc_list &&
	       ci.object_encoding == 3,
	   "connect: fourCcList and objectEncoding seen");
	{
		static const char *const order[] = {"app",     "fourCcList",
						    "type",    "flashVer",
						    "swfUrl",  "tcUrl",
						    "fpad",    "capabilities",
						    "pageUrl", "objectEncoding",
						    "n",       "t",
						    "s",       "h",
						    "e",       "m"};
		size_t k = 0;

		for (l = amf0_first_child(&doc, cmd.obj); l >= 0 && k < 16;
		     l = amf0_next_sibling(&doc, l, cmd.obj), k++)
			if (!str_is(doc.v[l].key, order[k]))
				break;
		ok(k == 16 && l == -1, "connect keys in ffmpeg's order");
	}
	fcl = amf0_get(&doc, cmd.obj, "fourCcList");
	ok(fcl >= 0 && doc.v[fcl].type == AMF0_STRICT_ARRAY &&
	       doc.v[fcl].u.c.count == 2 &&
	       str_is(doc.v[fcl + 1].u.str, "av01") &&
	       str_is(doc.v[fcl + 2].u.str, "hvc1"),
	   "fourCcList is a strict array of strings");
	ok(amf0_get_number(&doc, cmd.obj, "n", &num) && num == 1.5,
	   "extra n=1.5 is a number");
	ok(amf0_get_bool(&doc, cmd.obj, "t", &b) && b == 1,
	   "extra t=true is a boolean");
	ok(amf0_get_string(&doc, cmd.obj, "s", &s) && str_is(s, "abc"),
	   "extra s=abc is a string");
	ok(amf0_get_string(&doc, cmd.obj, "h", &s) && str_is(s, "0x10"),
	   "extra h=0x10 stays a string");
	ok(amf0_get_string(&doc, cmd.obj, "e", &s) && s.len == 0,
	   "extra without '=' is an empty string");
	ok(amf0_get_number(&doc, cmd.obj, "m", &num) && num == -2,
	   "extra m=-2 is a number");
	ok(amf0_get_bool(&doc, cmd.obj, "fpad", &b) && b == 1, "fpad true");

	p = rtmp_build_error(out, end, 7, "NetConnection.Call.Failed",
			     "Method not found (foo).");
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       str_is(cmd.name, "_error") && cmd.txid == 7 &&
	       doc.v[cmd.obj].type == AMF0_NULL &&
	       rtmp_cmd_status(&cmd, &st) == RTMP_OK &&
	       str_is(st.level, "error") &&
	       str_is(st.code, "NetConnection.Call.Failed") &&
	       str_is(st.description, "Method not found (foo)."),
	   "_error(txid, null, {level error, code, description})");

	p = rtmp_build_onstatus(out, end, "status", "NetStream.Play.Reset",
				"Playing and resetting key.", "key");
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       cmd.nargs == 1 &&
	       amf0_get_string(&doc, cmd.args[0], "details", &s) &&
	       str_is(s, "key") && doc.v[cmd.args[0]].u.c.count == 4,
	   "onStatus with details: four properties");

	p = rtmp_build_onfc(out, end, "onFCPublish", "NetStream.Publish.Start",
			    "key");
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       str_is(cmd.name, "onFCPublish") && cmd.txid == 0 &&
	       doc.v[cmd.obj].type == AMF0_NULL &&
	       rtmp_cmd_status(&cmd, &st) == RTMP_OK &&
	       str_is(st.code, "NetStream.Publish.Start") &&
	       st.level.len == 0 && doc.v[cmd.args[0]].u.c.count == 2,
	   "onFCPublish(0, null, {code, description})");

	p = rtmp_build_delete_stream(out, end, 6, 1);
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       str_is(cmd.name, "deleteStream") && cmd.txid == 6 &&
	       rtmp_cmd_arg_number(&cmd, 0, &num) && num == 1,
	   "deleteStream(6, null, 1)");

	p = rtmp_build_play(out, end, 4, "key", -2, -1, 1);
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       cmd.nargs == 4 && rtmp_cmd_arg_number(&cmd, 2, &num) &&
	       num == -1 && doc.v[cmd.args[3]].type == AMF0_BOOLEAN &&
	       doc.v[cmd.args[3]].u.boolean == 1,
	   "play with duration and reset");

	p = rtmp_build_result(out, end, 9, 0, 0);
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       cmd.txid == 9 && cmd.nargs == 0 && doc.n == 3,
	   "_result(txid, null) without a value");

	p = rtmp_build_connect_result(out, end, 1, "FMS/4,5,0,297", 3);
	amf0_doc_init(&doc, nodes, NODES, NULL);
	ok(p != NULL &&
	       rtmp_cmd_parse(out, (size_t)(p - out), 0, &doc, &cmd) ==
		   RTMP_OK &&
	       amf0_get_string(&doc, cmd.obj, "fmsVer", &s) &&
	       str_is(s, "FMS/4,5,0,297") &&
	       amf0_get_number(&doc, cmd.args[0], "objectEncoding", &num) &&
	       num == 3,
	   "connect _result with a custom fmsVer and objectEncoding 3");
	ok(rtmp_build_call(NULL, end, "x", 1, NULL) == NULL,
	   "builders pass NULL through");
}

static void
test_data(void)
{
	/* @setDataFrame("onMetaData", {duration: 0}) as ffmpeg publishes. */
	static const uint8_t sdf[] = {
	    0x02, 0x00, 0x0d, '@', 's',	 'e',  't',  'D', 'a',	't', 'a',  'F',
	    'r',  'a',	'm',  'e', 0x02, 0x00, 0x0a, 'o', 'n',	'M', 'e',  't',
	    'a',  'D',	'a',  't', 'a',	 0x08, 0,    0,	  0,	1,   0x00, 0x08,
	    'd',  'u',	'r',  'a', 't',	 'i',  'o',  'n', 0x00, 0,   0,	   0,
	    0,	  0,	0,    0,   0,	 0x00, 0x00, 0x09};
	static const uint8_t num[] = {0x00, 0, 0, 0, 0, 0, 0, 0, 0};
	uint8_t out[16], *p, *d;
	struct rtmp_str s;
	size_t off = 0, k;
	int bad;

	d = tap_dup(sdf, sizeof(sdf));
	ok(rtmp_data_setdataframe(d, sizeof(sdf), &off) == 1 && off == 16,
	   "@setDataFrame found, next value at 16");
	ok(rtmp_data_name(d + off, sizeof(sdf) - off, &s) == RTMP_OK &&
	       str_is(s, "onMetaData"),
	   "handler name after @setDataFrame is onMetaData");
	ok(rtmp_data_setdataframe(d + off, sizeof(sdf) - off, &off) == 0,
	   "onMetaData body without @setDataFrame: 0");
	ok(rtmp_data_name(d, sizeof(sdf), &s) == RTMP_OK &&
	       str_is(s, "@setDataFrame"),
	   "data name of the relayed form");
	for (bad = 0, k = 0; k < 16; k++)
		if (rtmp_data_setdataframe(d, k, &off) >= 0 ||
		    rtmp_data_name(d, k, &s) >= 0)
			bad = 1;
	ok(!bad, "first value cut short: negative");
	free(d);
	d = tap_dup(num, sizeof(num));
	ok(rtmp_data_setdataframe(d, sizeof(num), &off) == 0,
	   "number first: not @setDataFrame");
	is_int(rtmp_data_name(d, sizeof(num), &s), RTMP_ERR_MALFORMED,
	       "number first: no handler name");
	free(d);
	p = rtmp_build_setdataframe_prefix(out, out + sizeof(out));
	ok(p == out + 16 && memcmp(out, sdf, 16) == 0,
	   "@setDataFrame prefix bytes");
	ok(rtmp_build_setdataframe_prefix(out, out + 15) == NULL,
	   "@setDataFrame prefix into 15 bytes: NULL");
}

/* Aggregate (type 22): two tags, timestamps with the extended byte, and a
 * back pointer that must agree; every truncation is MALFORMED. */
static void
test_aggregate(void)
{
	static const uint8_t agg[] = {
	    /* video, 2 bytes, ts 0x01000010, stream 0 */
	    0x09, 0x00, 0x00, 0x02, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x00,
	    0x17, 0x01, 0x00, 0x00, 0x00, 0x0D,
	    /* audio, 1 byte, ts 0x01000038 */
	    0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x38, 0x01, 0x00, 0x00, 0x00,
	    0xAF, 0x00, 0x00, 0x00, 0x0C};
	struct rtmp_msg_hdr h;
	const uint8_t *pl = NULL;
	uint8_t *buf = tap_dup(agg, sizeof(agg));
	size_t off = 0, n;
	int bad = 0;

	is_int(rtmp_aggregate_next(buf, sizeof(agg), &off, &h, &pl), 1,
	       "aggregate: first tag");
	is_int(h.type, 9, "aggregate: first is video");
	is_int(h.length, 2, "aggregate: first length");
	is_int(h.timestamp, 0x01000010, "aggregate: extended timestamp byte");
	ok(pl == buf + 11 && pl[0] == 0x17, "aggregate: first payload");
	is_int(rtmp_aggregate_next(buf, sizeof(agg), &off, &h, &pl), 1,
	       "aggregate: second tag");
	is_int(h.type, 8, "aggregate: second is audio");
	is_int(h.timestamp, 0x01000038, "aggregate: second timestamp");
	is_int(rtmp_aggregate_next(buf, sizeof(agg), &off, &h, &pl), 0,
	       "aggregate: end");
	free(buf);
	for (n = 1; n < sizeof(agg); n++) {
		int r = 0;

		buf = tap_dup(agg, n);
		off = 0;
		while ((r = rtmp_aggregate_next(buf, n, &off, &h, &pl)) == 1)
			;
		/* A cut at the tag boundary is a valid shorter aggregate. */
		if (r != (n == 17 ? 0 : RTMP_ERR_MALFORMED))
			bad++;
		free(buf);
	}
	is_int(bad, 0, "aggregate: every truncation is MALFORMED");
	buf = tap_dup(agg, sizeof(agg));
	buf[16] = 0x0E;
	off = 0;
	is_int(rtmp_aggregate_next(buf, sizeof(agg), &off, &h, &pl),
	       RTMP_ERR_MALFORMED, "aggregate: wrong back pointer");
	buf[16] = 0x0D;
	buf[3] = 0xFF; /* size past the body: overflow-safe */
	off = 0;
	is_int(rtmp_aggregate_next(buf, sizeof(agg), &off, &h, &pl),
	       RTMP_ERR_MALFORMED, "aggregate: size past the end");
	free(buf);
}

int
main(void)
{
	test_names();
	test_protocol_control();
	test_user_control();
	test_parse_vectors();
	test_parse_odd();
	test_builders();
	test_data();
	test_aggregate();
	return done_testing();
}
