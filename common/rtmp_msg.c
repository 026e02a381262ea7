/*
 * RTMP messages: names, protocol control (RTMP 1.0 section 5.4), user
 * control (section 6.2, events in 7.1.7) and the AMF0 commands of section 7.2
 * as ffmpeg's rtmpproto.c and nginx-rtmp-module write them.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "rtmp_msg.h"

/* What nginx-rtmp-module (NGX_RTMP_FMS_VERSION) and SRS announce. */
#define RTMP_MSG_DEFAULT_FMS_VER "FMS/3,0,1,123"
/* Capabilities and mode in the connect _result, as nginx-rtmp and SRS send. */
#define RTMP_MSG_SERVER_CAPABILITIES 31
#define RTMP_MSG_SERVER_MODE	     1

const char *
rtmp_msg_type_name(uint8_t type)
{
	switch (type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
		return "SetChunkSize";
	case RTMP_MSG_ABORT:
		return "Abort";
	case RTMP_MSG_ACK:
		return "Acknowledgement";
	case RTMP_MSG_USER_CONTROL:
		return "UserControl";
	case RTMP_MSG_WINDOW_ACK_SIZE:
		return "WindowAckSize";
	case RTMP_MSG_SET_PEER_BANDWIDTH:
		return "SetPeerBandwidth";
	case RTMP_MSG_AUDIO:
		return "Audio";
	case RTMP_MSG_VIDEO:
		return "Video";
	case RTMP_MSG_DATA_AMF3:
		return "DataAMF3";
	case RTMP_MSG_SHARED_OBJECT_AMF3:
		return "SharedObjectAMF3";
	case RTMP_MSG_COMMAND_AMF3:
		return "CommandAMF3";
	case RTMP_MSG_DATA_AMF0:
		return "DataAMF0";
	case RTMP_MSG_SHARED_OBJECT_AMF0:
		return "SharedObjectAMF0";
	case RTMP_MSG_COMMAND_AMF0:
		return "CommandAMF0";
	case RTMP_MSG_AGGREGATE:
		return "Aggregate";
	}
	return "Unknown";
}

const char *
rtmp_uc_event_name(uint16_t ev)
{
	switch (ev) {
	case RTMP_UC_STREAM_BEGIN:
		return "StreamBegin";
	case RTMP_UC_STREAM_EOF:
		return "StreamEOF";
	case RTMP_UC_STREAM_DRY:
		return "StreamDry";
	case RTMP_UC_SET_BUFFER_LENGTH:
		return "SetBufferLength";
	case RTMP_UC_STREAM_IS_RECORDED:
		return "StreamIsRecorded";
	case RTMP_UC_PING_REQUEST:
		return "PingRequest";
	case RTMP_UC_PING_RESPONSE:
		return "PingResponse";
	}
	return "Unknown";
}

int
rtmp_msg_is_control(uint8_t type)
{
	return type >= RTMP_MSG_SET_CHUNK_SIZE &&
	       type <= RTMP_MSG_SET_PEER_BANDWIDTH;
}

/* ---- protocol control ----------------------------------------------- */
/* Payloads longer than the fields they carry are accepted and the excess
 * ignored: nothing in section 5.4 makes trailing bytes an error. */

uint8_t *
rtmp_put_u32_payload(uint8_t *p, uint8_t *end, uint32_t v)
{
	return put_be32(p, end, v);
}

int
rtmp_parse_u32_payload(const uint8_t *p, size_t len, uint32_t *v)
{
	if (len < 4)
		return RTMP_ERR_MALFORMED;
	*v = rd_be32(p);
	return RTMP_OK;
}

int
rtmp_parse_set_chunk_size(const uint8_t *p, size_t len, uint32_t *size)
{
	uint32_t v;

	if (len < 4)
		return RTMP_ERR_MALFORMED;
	v = rd_be32(p);
	/* Section 5.4.1: bit 31 is zero and the size is 1..0x7FFFFFFF. */
	if (v == 0 || (v & 0x80000000u) != 0)
		return RTMP_ERR_MALFORMED;
	*size = v;
	return RTMP_OK;
}

uint8_t *
rtmp_put_peer_bw(uint8_t *p, uint8_t *end, uint32_t window, uint8_t limit_type)
{
	p = put_be32(p, end, window);
	return put_u8(p, end, limit_type);
}

int
rtmp_parse_peer_bw(const uint8_t *p, size_t len, uint32_t *window,
		   uint8_t *limit_type)
{
	if (len < 5)
		return RTMP_ERR_MALFORMED;
	/* Section 5.4.5 defines Hard, Soft and Dynamic only. */
	if (p[4] > RTMP_BW_DYNAMIC)
		return RTMP_ERR_MALFORMED;
	*window = rd_be32(p);
	*limit_type = p[4];
	return RTMP_OK;
}

/* Event data size of the events of section 7.1.7; 0 for unknown ones. */
static size_t
rtmp_uc_data_len(uint16_t ev)
{
	switch (ev) {
	case RTMP_UC_STREAM_BEGIN:
	case RTMP_UC_STREAM_EOF:
	case RTMP_UC_STREAM_DRY:
	case RTMP_UC_STREAM_IS_RECORDED:
	case RTMP_UC_PING_REQUEST:
	case RTMP_UC_PING_RESPONSE:
		return 4;
	case RTMP_UC_SET_BUFFER_LENGTH:
		return 8;
	}
	return 0;
}

uint8_t *
rtmp_put_user_control(uint8_t *p, uint8_t *end,
		      const struct rtmp_user_control *uc)
{
	p = put_be16(p, end, uc->event);
	switch (uc->event) {
	case RTMP_UC_PING_REQUEST:
	case RTMP_UC_PING_RESPONSE:
		return put_be32(p, end, uc->timestamp);
	case RTMP_UC_SET_BUFFER_LENGTH:
		p = put_be32(p, end, uc->stream_id);
		return put_be32(p, end, uc->buffer_ms);
	case RTMP_UC_STREAM_BEGIN:
	case RTMP_UC_STREAM_EOF:
	case RTMP_UC_STREAM_DRY:
	case RTMP_UC_STREAM_IS_RECORDED:
		return put_be32(p, end, uc->stream_id);
	}
	return p;
}

int
rtmp_parse_user_control(const uint8_t *p, size_t len,
			struct rtmp_user_control *uc)
{
	memset(uc, 0, sizeof(*uc));
	if (len < 2)
		return RTMP_ERR_MALFORMED;
	uc->event = rd_be16(p);
	if (len - 2 < rtmp_uc_data_len(uc->event))
		return RTMP_ERR_MALFORMED;
	switch (uc->event) {
	case RTMP_UC_PING_REQUEST:
	case RTMP_UC_PING_RESPONSE:
		uc->timestamp = rd_be32(p + 2);
		break;
	case RTMP_UC_SET_BUFFER_LENGTH:
		uc->stream_id = rd_be32(p + 2);
		uc->buffer_ms = rd_be32(p + 6);
		break;
	case RTMP_UC_STREAM_BEGIN:
	case RTMP_UC_STREAM_EOF:
	case RTMP_UC_STREAM_DRY:
	case RTMP_UC_STREAM_IS_RECORDED:
		uc->stream_id = rd_be32(p + 2);
		break;
	}
	return RTMP_OK;
}

/* ---- commands ------------------------------------------------------- */

static int
rtmp_is_string(const struct amf0_value *v)
{
	return v->type == AMF0_STRING || v->type == AMF0_LONG_STRING;
}

static int
rtmp_is_keyed(const struct amf0_value *v)
{
	return v->type == AMF0_OBJECT || v->type == AMF0_ECMA_ARRAY;
}

/*
 * The body is a whole message, so a value cut short is MALFORMED here, not
 * NEED_MORE: more bytes will not arrive for it.
 */
int
rtmp_cmd_parse(const uint8_t *p, size_t len, int amf3, struct amf0_doc *doc,
	       struct rtmp_cmd *cmd)
{
	ssize_t r;
	long i;
	unsigned k;

	memset(cmd, 0, sizeof(*cmd));
	cmd->obj = -1;
	cmd->doc = doc;
	if (amf3) {
		/* Section 7.1.1 type 17: what peers send (Flash Player with
		 * objectEncoding 3) is one 0x00 byte and then AMF0. A real
		 * AMF3 value there is not something we decode. */
		if (len < 1)
			return RTMP_ERR_MALFORMED;
		if (p[0] != 0x00)
			return RTMP_ERR_UNSUPPORTED;
		p++;
		len--;
	}
	doc->n = 0;
	r = amf0_decode_all(doc, p, len);
	if (r == RTMP_ERR_NEED_MORE)
		return RTMP_ERR_MALFORMED;
	if (r < 0)
		return (int)r;
	if (doc->n == 0 || !rtmp_is_string(&doc->v[0]))
		return RTMP_ERR_MALFORMED;
	cmd->name = doc->v[0].u.str;
	i = amf0_next_sibling(doc, 0, -1);
	if (i < 0)
		return RTMP_OK;
	if (doc->v[i].type == AMF0_NUMBER)
		cmd->txid = doc->v[i].u.num;
	i = amf0_next_sibling(doc, i, -1);
	if (i < 0)
		return RTMP_OK;
	cmd->obj = i;
	for (k = 0, i = amf0_next_sibling(doc, i, -1);
	     i >= 0 && k < RTMP_CMD_MAX_ARGS; i = amf0_next_sibling(doc, i, -1))
		cmd->args[k++] = i;
	cmd->nargs = k;
	return RTMP_OK;
}

int
rtmp_cmd_arg_string(const struct rtmp_cmd *cmd, unsigned k,
		    struct rtmp_str *out)
{
	const struct amf0_value *v;

	if (k >= cmd->nargs)
		return 0;
	v = &cmd->doc->v[cmd->args[k]];
	if (!rtmp_is_string(v))
		return 0;
	*out = v->u.str;
	return 1;
}

int
rtmp_cmd_arg_number(const struct rtmp_cmd *cmd, unsigned k, double *out)
{
	const struct amf0_value *v;

	if (k >= cmd->nargs)
		return 0;
	v = &cmd->doc->v[cmd->args[k]];
	if (v->type != AMF0_NUMBER)
		return 0;
	*out = v->u.num;
	return 1;
}

/* name txid null: the start of every call that has no command object. */
static uint8_t *
rtmp_put_call_head(uint8_t *p, uint8_t *end, const char *name, double txid)
{
	p = amf0_put_cstr(p, end, name);
	p = amf0_put_number(p, end, txid);
	return amf0_put_null(p, end);
}

/* An extra connect property "name=value" (ffmpeg's -rtmp_conn does the same
 * job with its own syntax): numbers and booleans are typed, the rest are
 * strings; without '=' the value is the empty string. */
static uint8_t *
rtmp_put_extra(uint8_t *p, uint8_t *end, const char *kv)
{
	const char *eq = strchr(kv, '='), *val;
	size_t klen;
	char *ep;
	double d;

	klen = eq != NULL ? (size_t)(eq - kv) : strlen(kv);
	val = eq != NULL ? eq + 1 : "";
	if (klen == 0 || klen > 0xFFFF)
		return NULL;
	p = put_be16(p, end, (uint16_t)klen);
	p = put_bytes(p, end, kv, klen);
	if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0)
		return amf0_put_bool(p, end, val[0] == 't');
	/* Decimal only: strtod would also take "inf", "nan" and hex. */
	if ((val[0] >= '0' && val[0] <= '9') ||
	    ((val[0] == '-' || val[0] == '+' || val[0] == '.') &&
	     val[1] != '\0')) {
		d = strtod(val, &ep);
		if (*ep == '\0' && strpbrk(val, "xXnNiI") == NULL)
			return amf0_put_number(p, end, d);
	}
	return amf0_put_cstr(p, end, val);
}

/*
 * Keys in the order of ffmpeg's gen_connect() (libavformat/rtmpproto.c),
 * which servers have been tested against for years. ffmpeg 7 writes the
 * Enhanced RTMP fourCcList right after app; objectEncoding (which ffmpeg
 * omits) and the extras come last.
 */
uint8_t *
rtmp_build_connect(uint8_t *p, uint8_t *end, double txid,
		   const struct rtmp_connect_props *props)
{
	size_t i;

	p = amf0_put_cstr(p, end, "connect");
	p = amf0_put_number(p, end, txid);
	p = amf0_put_object_begin(p, end);
	if (props->app != NULL)
		p = amf0_put_prop_cstr(p, end, "app", props->app);
	if (props->fourcc_list != NULL && props->nfourcc > 0) {
		if ((uint64_t)props->nfourcc > 0xFFFFFFFFu)
			return NULL;
		p = amf0_put_key(p, end, "fourCcList");
		p = amf0_put_strict_array_begin(p, end,
						(uint32_t)props->nfourcc);
		for (i = 0; i < props->nfourcc; i++)
			p = amf0_put_cstr(p, end, props->fourcc_list[i]);
	}
	if (props->type != NULL)
		p = amf0_put_prop_cstr(p, end, "type", props->type);
	if (props->flashver != NULL)
		p = amf0_put_prop_cstr(p, end, "flashVer", props->flashver);
	if (props->swfurl != NULL)
		p = amf0_put_prop_cstr(p, end, "swfUrl", props->swfurl);
	if (props->tcurl != NULL)
		p = amf0_put_prop_cstr(p, end, "tcUrl", props->tcurl);
	if (props->fpad >= 0)
		p = amf0_put_prop_bool(p, end, "fpad", props->fpad);
	if (props->capabilities >= 0)
		p = amf0_put_prop_number(p, end, "capabilities",
					 props->capabilities);
	if (props->audio_codecs >= 0)
		p = amf0_put_prop_number(p, end, "audioCodecs",
					 props->audio_codecs);
	if (props->video_codecs >= 0)
		p = amf0_put_prop_number(p, end, "videoCodecs",
					 props->video_codecs);
	if (props->video_function >= 0)
		p = amf0_put_prop_number(p, end, "videoFunction",
					 props->video_function);
	if (props->pageurl != NULL)
		p = amf0_put_prop_cstr(p, end, "pageUrl", props->pageurl);
	if (props->object_encoding >= 0)
		p = amf0_put_prop_number(p, end, "objectEncoding",
					 props->object_encoding);
	for (i = 0; props->extra != NULL && i < props->nextra; i++)
		p = rtmp_put_extra(p, end, props->extra[i]);
	return amf0_put_object_end(p, end);
}

uint8_t *
rtmp_build_call(uint8_t *p, uint8_t *end, const char *name, double txid,
		const char *string_arg)
{
	p = rtmp_put_call_head(p, end, name, txid);
	if (string_arg != NULL)
		p = amf0_put_cstr(p, end, string_arg);
	return p;
}

uint8_t *
rtmp_build_delete_stream(uint8_t *p, uint8_t *end, double txid,
			 double stream_id)
{
	p = rtmp_put_call_head(p, end, "deleteStream", txid);
	return amf0_put_number(p, end, stream_id);
}

uint8_t *
rtmp_build_publish(uint8_t *p, uint8_t *end, double txid, const char *name,
		   const char *type)
{
	p = rtmp_put_call_head(p, end, "publish", txid);
	p = amf0_put_cstr(p, end, name);
	return amf0_put_cstr(p, end, type != NULL ? type : "live");
}

uint8_t *
rtmp_build_play(uint8_t *p, uint8_t *end, double txid, const char *name,
		double start, double duration, int reset)
{
	p = rtmp_put_call_head(p, end, "play", txid);
	p = amf0_put_cstr(p, end, name);
	p = amf0_put_number(p, end, start);
	/* ffmpeg stops after start; duration -1 means "until the end". */
	if (duration >= -1.5) {
		p = amf0_put_number(p, end, duration);
		p = amf0_put_bool(p, end, reset);
	}
	return p;
}

/* ngx_rtmp_cmd_module.c connect answer; "mode" as SRS adds it. */
uint8_t *
rtmp_build_connect_result(uint8_t *p, uint8_t *end, double txid,
			  const char *fms_ver, double object_encoding)
{
	p = amf0_put_cstr(p, end, "_result");
	p = amf0_put_number(p, end, txid);
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_cstr(p, end, "fmsVer",
			       fms_ver != NULL ? fms_ver
					       : RTMP_MSG_DEFAULT_FMS_VER);
	p = amf0_put_prop_number(p, end, "capabilities",
				 RTMP_MSG_SERVER_CAPABILITIES);
	p = amf0_put_prop_number(p, end, "mode", RTMP_MSG_SERVER_MODE);
	p = amf0_put_object_end(p, end);
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_cstr(p, end, "level", "status");
	p = amf0_put_prop_cstr(p, end, "code", "NetConnection.Connect.Success");
	p = amf0_put_prop_cstr(p, end, "description", "Connection succeeded.");
	p = amf0_put_prop_number(p, end, "objectEncoding", object_encoding);
	return amf0_put_object_end(p, end);
}

uint8_t *
rtmp_build_error(uint8_t *p, uint8_t *end, double txid, const char *code,
		 const char *description)
{
	p = rtmp_put_call_head(p, end, "_error", txid);
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_cstr(p, end, "level", "error");
	p = amf0_put_prop_cstr(p, end, "code", code);
	p = amf0_put_prop_cstr(p, end, "description", description);
	return amf0_put_object_end(p, end);
}

uint8_t *
rtmp_build_result(uint8_t *p, uint8_t *end, double txid, int has_value,
		  double value)
{
	p = rtmp_put_call_head(p, end, "_result", txid);
	if (has_value)
		p = amf0_put_number(p, end, value);
	return p;
}

uint8_t *
rtmp_build_onstatus(uint8_t *p, uint8_t *end, const char *level,
		    const char *code, const char *description,
		    const char *details)
{
	p = rtmp_put_call_head(p, end, "onStatus", 0);
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_cstr(p, end, "level", level);
	p = amf0_put_prop_cstr(p, end, "code", code);
	p = amf0_put_prop_cstr(p, end, "description", description);
	if (details != NULL)
		p = amf0_put_prop_cstr(p, end, "details", details);
	return amf0_put_object_end(p, end);
}

uint8_t *
rtmp_build_onfc(uint8_t *p, uint8_t *end, const char *name, const char *code,
		const char *description)
{
	p = rtmp_put_call_head(p, end, name, 0);
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_cstr(p, end, "code", code);
	p = amf0_put_prop_cstr(p, end, "description", description);
	return amf0_put_object_end(p, end);
}

uint8_t *
rtmp_build_sample_access(uint8_t *p, uint8_t *end)
{
	p = amf0_put_cstr(p, end, "|RtmpSampleAccess");
	p = amf0_put_bool(p, end, 0);
	return amf0_put_bool(p, end, 0);
}

int
rtmp_cmd_status(const struct rtmp_cmd *cmd, struct rtmp_status *st)
{
	const struct amf0_doc *doc = cmd->doc;
	long info = -1;
	unsigned k;

	memset(st, 0, sizeof(*st));
	for (k = 0; k < cmd->nargs && info < 0; k++)
		if (rtmp_is_keyed(&doc->v[cmd->args[k]]) &&
		    amf0_get(doc, cmd->args[k], "code") >= 0)
			info = cmd->args[k];
	if (info < 0 && cmd->obj >= 0 && rtmp_is_keyed(&doc->v[cmd->obj]))
		info = cmd->obj;
	if (info < 0)
		return RTMP_ERR_MALFORMED;
	amf0_get_string(doc, info, "level", &st->level);
	amf0_get_string(doc, info, "code", &st->code);
	amf0_get_string(doc, info, "description", &st->description);
	return RTMP_OK;
}

int
rtmp_cmd_connect_info(const struct rtmp_cmd *cmd, struct rtmp_connect_info *ci)
{
	const struct amf0_doc *doc = cmd->doc;
	long l;

	memset(ci, 0, sizeof(*ci));
	if (cmd->obj < 0 || !rtmp_is_keyed(&doc->v[cmd->obj]))
		return RTMP_ERR_MALFORMED;
	amf0_get_string(doc, cmd->obj, "app", &ci->app);
	amf0_get_string(doc, cmd->obj, "tcUrl", &ci->tcurl);
	amf0_get_string(doc, cmd->obj, "flashVer", &ci->flashver);
	amf0_get_string(doc, cmd->obj, "type", &ci->type);
	amf0_get_number(doc, cmd->obj, "objectEncoding", &ci->object_encoding);
	l = amf0_get(doc, cmd->obj, "fourCcList");
	ci->has_fourcc_list = l >= 0 && doc->v[l].type == AMF0_STRICT_ARRAY;
	return RTMP_OK;
}

/* ---- data messages -------------------------------------------------- */

/* Length of the first value, and its string when it is a short string. */
static int
rtmp_data_first(const uint8_t *p, size_t len, size_t *vlen, struct rtmp_str *s)
{
	ssize_t r = amf0_skip(p, len, NULL);

	if (r < 0)
		return r == RTMP_ERR_NEED_MORE ? RTMP_ERR_MALFORMED : (int)r;
	*vlen = (size_t)r;
	s->p = NULL;
	s->len = 0;
	if (p[0] == AMF0_STRING) {
		s->p = p + 3;
		s->len = rd_be16(p + 1);
	} else if (p[0] == AMF0_LONG_STRING) {
		s->p = p + 5;
		s->len = rd_be32(p + 1);
	} else {
		return 0;
	}
	return 1;
}

int
rtmp_data_setdataframe(const uint8_t *p, size_t len, size_t *off)
{
	struct rtmp_str s;
	size_t vlen = 0;
	int r;

	r = rtmp_data_first(p, len, &vlen, &s);
	if (r <= 0)
		return r;
	if (!rtmp_str_eq(s, "@setDataFrame"))
		return 0;
	*off = vlen;
	return 1;
}

int
rtmp_data_name(const uint8_t *p, size_t len, struct rtmp_str *name)
{
	struct rtmp_str s;
	size_t vlen = 0;
	int r;

	r = rtmp_data_first(p, len, &vlen, &s);
	if (r < 0)
		return r;
	if (r == 0)
		return RTMP_ERR_MALFORMED;
	*name = s;
	return RTMP_OK;
}

uint8_t *
rtmp_build_setdataframe_prefix(uint8_t *p, uint8_t *end)
{
	return amf0_put_cstr(p, end, "@setDataFrame");
}

int
rtmp_aggregate_next(const uint8_t *p, size_t len, size_t *off,
		    struct rtmp_msg_hdr *h, const uint8_t **payload)
{
	size_t o = *off, size;

	if (o == len)
		return 0;
	if (o > len || len - o < 11)
		return RTMP_ERR_MALFORMED;
	size = rd_be24(p + o + 1);
	if (len - o - 11 < size || len - o - 11 - size < 4)
		return RTMP_ERR_MALFORMED;
	if (rd_be32(p + o + 11 + size) != 11 + size)
		return RTMP_ERR_MALFORMED;
	memset(h, 0, sizeof(*h));
	h->type = p[o];
	h->length = (uint32_t)size;
	h->timestamp = rd_be24(p + o + 4) | (uint32_t)p[o + 7] << 24;
	h->stream_id = rd_be24(p + o + 8);
	*payload = p + o + 11;
	*off = o + 11 + size + 4;
	return 1;
}
