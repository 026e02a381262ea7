/*
 * One connection as rtmpprobe shows it: the handshake parts in both
 * directions, then every message decoded, received and sent alike.
 *
 * What we send is decoded by a second session (the mirror) that plays the
 * peer's role and is fed our own output bytes: it reassembles our chunks,
 * honours our Set Chunk Size and parses our commands exactly as the peer
 * will, so the log shows what went on the wire, including what the session
 * sends by itself (acknowledgements, ping responses, Window Ack Size), not
 * what we meant to send. Its own output is thrown away.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flv.h"
#include "h264.h"
#include "probe.h"
#include "rtmp_msg.h"

int
wire_init(struct wire *w, int server, unsigned conn, uint64_t log_frames)
{
	struct sess_config sc;
	struct amf0_limits lim = {0, PROBE_DATA_ITEMS};
	size_t n;

	memset(w, 0, sizeof(*w));
	w->server = server;
	w->conn = conn;
	w->log_frames = log_frames;
	w->hs_start_us = clock_mono_us();
	memset(&sc, 0, sizeof(sc));
	sc.role = server ? SESS_CLIENT : SESS_SERVER;
	sc.chunk.max_message_size = PROBE_MAX_MESSAGE;
	sc.chunk.max_partial_bytes = PROBE_MAX_PARTIAL;
	if (sess_init(&w->mirror, &sc) != RTMP_OK)
		return -1;
	sess_output(&w->mirror, &n);
	sess_output_done(&w->mirror, n);
	w->mirror_ok = 1;
	w->nodes = calloc(PROBE_DATA_NODES, sizeof(*w->nodes));
	if (w->nodes == NULL) {
		sess_free(&w->mirror);
		return -1;
	}
	amf0_doc_init(&w->doc, w->nodes, PROBE_DATA_NODES, &lim);
	return 0;
}

void
wire_free(struct wire *w)
{
	sess_free(&w->mirror);
	free(w->nodes);
	w->nodes = NULL;
}

/* ---- handshake ------------------------------------------------------------ */

static const char *
hs_part_name(const struct wire *w, int ours, int part)
{
	/* Ours are C parts for a client, S parts for a server. */
	int client_side = ours ? !w->server : w->server;

	if (part == 1)
		return client_side ? "C0+C1" : "S0+S1";
	return client_side ? "C2" : "S2";
}

/*
 * Where a session's handshake is: the state, and the peer's fields as far
 * as they are parsed. (The session keeps its handshake state only until
 * the handshake is done, then the peer's fields alone.)
 */
static enum hs_state
sess_hs_view(const struct sess *s, struct hs_peer_info *info)
{
	memset(info, 0, sizeof(*info));
	if (s->hs_complete) {
		*info = s->peer;
		return HS_DONE;
	}
	if (s->hs == NULL)
		return HS_WAIT_0_1;
	*info = s->hs->info;
	return s->hs->state;
}

/*
 * Log what of a handshake (the real session's: the peer's parts; the
 * mirror's: ours) is complete and not logged yet.
 */
static void
hs_check(struct wire *w, const struct sess *s, int ours)
{
	int *logged = ours ? &w->our_hs : &w->peer_hs;
	const char *dir = ours ? ">" : "<";
	struct hs_peer_info info;
	enum hs_state state = sess_hs_view(s, &info);
	char ver[24];

	if (*logged < 1 && state != HS_WAIT_0_1) {
		snprintf(ver, sizeof(ver), "%u.%u.%u.%u", info.zero[0],
			 info.zero[1], info.zero[2], info.zero[3]);
		ev_begin(w->conn, dir, "handshake");
		ev_mode(OUT_BARE);
		ev_s("part", hs_part_name(w, ours, 1));
		ev_u("version", info.version);
		ev_u("time", info.time);
		ev_s("flash_version", ver);
		ev_b("digest", info.has_digest);
		ev_u("bytes", 1 + HS_SIG_SIZE);
		ev_end();
		*logged = 1;
	}
	if (*logged < 2 && state == HS_DONE) {
		ev_begin(w->conn, dir, "handshake");
		ev_mode(OUT_BARE);
		ev_s("part", hs_part_name(w, ours, 2));
		ev_u("time", info.echo_time);
		ev_u("time2", info.echo_time2);
		/* The mirror's echo check compares with its own S1: noise. */
		if (!ours)
			ev_b("echo_ok", info.echo_ok);
		ev_u("bytes", HS_SIG_SIZE);
		ev_end();
		*logged = 2;
	}
	if (!w->hs_done && w->peer_hs == 2 && w->our_hs == 2) {
		w->hs_done = 1;
		ev_begin(w->conn, "*", "handshake_done");
		ev_ms("ms",
		      (double)(clock_mono_us() - w->hs_start_us) / 1000.0);
		ev_end();
	}
}

/* ---- messages ------------------------------------------------------------- */

/* Message header fields: always in JSON; in text the timestamp and length
 * for media, the message stream when it is not 0, all of them with -v. */
static void
hdr_fields(const struct sess_event *ev, int media)
{
	int v = out_cfg.verbose > 0;

	ev_mode(v ? OUT_BOTH : OUT_JSON);
	ev_u("csid", ev->h.csid);
	ev_mode(v || ev->h.stream_id ? OUT_BOTH : OUT_JSON);
	ev_u("msid", ev->h.stream_id);
	ev_mode(v || media ? OUT_BOTH : OUT_JSON);
	ev_u("timestamp", ev->h.timestamp);
	ev_mode(v || media ? OUT_BOTH : OUT_JSON);
	ev_u("length", ev->h.length);
}

static void
describe_control(struct wire *w, const char *dir, const struct sess_event *ev)
{
	static const char *const limits[] = {"hard", "soft", "dynamic"};

	switch (ev->h.type) {
	case RTMP_MSG_SET_CHUNK_SIZE:
		ev_begin(w->conn, dir, "set_chunk_size");
		ev_u("size", ev->value);
		break;
	case RTMP_MSG_ABORT:
		ev_begin(w->conn, dir, "abort");
		ev_u("aborted_csid", ev->value);
		break;
	case RTMP_MSG_ACK:
		ev_begin(w->conn, dir, "ack");
		ev_u("sequence", ev->value);
		break;
	case RTMP_MSG_WINDOW_ACK_SIZE:
		ev_begin(w->conn, dir, "window_ack_size");
		ev_u("window", ev->value);
		break;
	case RTMP_MSG_SET_PEER_BANDWIDTH:
		ev_begin(w->conn, dir, "set_peer_bandwidth");
		ev_u("window", ev->value);
		ev_s("limit",
		     ev->limit_type < 3 ? limits[ev->limit_type] : "unknown");
		ev_mode(OUT_JSON);
		ev_u("limit_type", ev->limit_type);
		break;
	default:
		return;
	}
	hdr_fields(ev, 0);
	ev_end();
}

static void
describe_user_control(struct wire *w, const char *dir,
		      const struct sess_event *ev)
{
	const struct rtmp_user_control *uc = &ev->uc;

	ev_begin(w->conn, dir, "user_control");
	ev_mode(OUT_BARE);
	ev_s("name", rtmp_uc_event_name(uc->event));
	ev_mode(OUT_JSON);
	ev_u("uc_type", uc->event);
	if (uc->event == RTMP_UC_PING_REQUEST ||
	    uc->event == RTMP_UC_PING_RESPONSE)
		ev_u("ping_time", uc->timestamp);
	else
		ev_u("stream_id", uc->stream_id);
	if (uc->event == RTMP_UC_SET_BUFFER_LENGTH)
		ev_u("buffer_ms", uc->buffer_ms);
	hdr_fields(ev, 0);
	ev_end();
}

static void
describe_command(struct wire *w, const char *dir, const struct sess_event *ev)
{
	const struct rtmp_cmd *cmd = &ev->cmd;
	struct rtmp_status st;

	ev_begin(w->conn, dir, "command");
	ev_mode(OUT_BARE);
	ev_sn("name", cmd->name.p, cmd->name.len);
	ev_d("txid", cmd->txid);
	hdr_fields(ev, 0);
	if (ev->h.type == RTMP_MSG_COMMAND_AMF3) {
		ev_mode(OUT_JSON);
		ev_b("amf3", 1);
	}
	ev_mode(OUT_BARE);
	ev_amf("object", cmd->doc, cmd->obj);
	ev_mode(OUT_BARE);
	if (cmd->obj >= 0)
		ev_amf_list("args", cmd->doc,
			    amf0_next_sibling(cmd->doc, cmd->obj, -1));
	else
		ev_amf_list("args", cmd->doc, -1);
	/* onStatus, _result, _error: the status fields, for scripts. */
	memset(&st, 0, sizeof(st));
	if (rtmp_cmd_status(cmd, &st) == RTMP_OK && st.code.len > 0) {
		ev_mode(OUT_JSON);
		ev_sn("level", st.level.p, st.level.len);
		ev_mode(OUT_JSON);
		ev_sn("code", st.code.p, st.code.len);
		ev_mode(OUT_JSON);
		ev_sn("description", st.description.p, st.description.len);
	}
	ev_end();
}

static void
describe_data(struct wire *w, const char *dir, const struct sess_event *ev,
	      struct media_stats *ms)
{
	struct amf0_doc *d = &w->doc;
	ssize_t r;
	long first, second;
	int meta = 0;

	d->n = 0;
	r = amf0_decode_all(d, ev->payload, ev->len);
	ev_begin(w->conn, dir, "data");
	if (r < 0 || d->n == 0 ||
	    (d->v[0].type != AMF0_STRING && d->v[0].type != AMF0_LONG_STRING)) {
		ev_s("error", r < 0 ? rtmp_strerror((int)r)
				    : "does not start with a name");
		hdr_fields(ev, 0);
		ev_end();
		return;
	}
	first = 0;
	second = amf0_next_sibling(d, first, -1);
	if (rtmp_str_eq(d->v[0].u.str, "onMetaData"))
		meta = 1;
	else if (rtmp_str_eq(d->v[0].u.str, "@setDataFrame") && second >= 0 &&
		 d->v[second].type == AMF0_STRING &&
		 rtmp_str_eq(d->v[second].u.str, "onMetaData"))
		meta = 1;
	ms->metadata += meta;
	if (meta) {
		/* Does the stream announce video (a player then waits for a
		 * keyframe)? The array follows the "onMetaData" name. */
		long arr = rtmp_str_eq(d->v[0].u.str, "onMetaData")
			       ? second
			       : amf0_next_sibling(d, second, -1);

		if (arr >= 0 && (amf0_get(d, arr, "videocodecid") >= 0 ||
				 amf0_get(d, arr, "width") >= 0))
			ms->meta_video = 1;
	}
	ev_mode(OUT_BARE);
	ev_sn("name", d->v[0].u.str.p, d->v[0].u.str.len);
	ev_mode(OUT_JSON);
	ev_b("metadata", meta);
	hdr_fields(ev, 0);
	ev_mode(OUT_BARE);
	ev_amf_list("values", d, second);
	ev_end();
}

static const char *
frame_type_name(uint8_t t)
{
	switch (t) {
	case FLV_FRAME_KEY:
		return "key";
	case FLV_FRAME_INTER:
		return "inter";
	case FLV_FRAME_DISPOSABLE:
		return "disposable";
	case FLV_FRAME_GENERATED:
		return "generated";
	case FLV_FRAME_COMMAND:
		return "command";
	}
	return "unknown";
}

static const char *
avc_profile_name(uint8_t p)
{
	switch (p) {
	case 66:
		return "Baseline";
	case 77:
		return "Main";
	case 88:
		return "Extended";
	case 100:
		return "High";
	case 110:
		return "High 10";
	case 122:
		return "High 4:2:2";
	case 244:
		return "High 4:4:4 Predictive";
	case 44:
		return "CAVLC 4:4:4 Intra";
	}
	return "unknown";
}

static const char *
aac_object_name(uint8_t aot)
{
	switch (aot) {
	case 1:
		return "AAC Main";
	case 2:
		return "AAC LC";
	case 3:
		return "AAC SSR";
	case 4:
		return "AAC LTP";
	case 5:
		return "HE-AAC";
	case 29:
		return "HE-AACv2";
	case 23:
		return "AAC LD";
	case 39:
		return "AAC ELD";
	}
	return "unknown";
}

/* What a video message carries; only "frame" counts as a frame. */
static const char *
video_packet(const struct flv_video_info *vi)
{
	if (vi->is_seq_header)
		return "seq_header";
	if (vi->is_seq_end)
		return "seq_end";
	if (vi->is_command)
		return "command";
	/* Enhanced RTMP v2: colorInfo and the like, not a picture. */
	if (vi->enhanced && vi->packet_type == FLV_VPT_METADATA)
		return "metadata";
	return "frame";
}

static const char *
audio_packet(const struct flv_audio_info *ai)
{
	if (ai->is_seq_header)
		return "seq_header";
	if (ai->is_seq_end)
		return "seq_end";
	if (ai->enhanced && ai->packet_type == FLV_APT_MULTICHANNEL_CONFIG)
		return "multichannel_config";
	return "frame";
}

static void
track_ts(struct media_stats *ms, uint32_t ts)
{
	if (!ms->have_ts) {
		ms->first_ts = ts;
		ms->have_ts = 1;
	}
	ms->last_ts = ts;
}

static void
first_keyframe(struct wire *w, const char *dir, const struct sess_event *ev,
	       struct media_stats *ms)
{
	uint64_t t0 = w->media_t0_us ? w->media_t0_us : w->hs_start_us;

	ms->first_key_us = clock_mono_us();
	ev_begin(w->conn, dir, "first_keyframe");
	ev_u("timestamp", ev->h.timestamp);
	ev_ms("since_ms", (double)(ms->first_key_us - t0) / 1000.0);
	ev_mode(OUT_JSON);
	ev_s("since",
	     w->media_t0_us ? (w->server ? "publish" : "play") : "handshake");
	ev_end();
}

/* An AVCDecoderConfigurationRecord's facts, on the sequence header line. */
static void
avc_config_fields(const uint8_t *p, size_t n, struct media_stats *ms)
{
	struct avc_config c;
	struct h264_sps sps;
	int rc = avc_config_parse(p, n, &c);

	if (rc != RTMP_OK) {
		ev_s("config_error", rtmp_strerror(rc));
		return;
	}
	ev_u("profile", c.profile);
	ev_s("profile_name", avc_profile_name(c.profile));
	ev_d("level", c.level / 10.0);
	ev_u("width", c.width);
	ev_u("height", c.height);
	ms->have_video_cfg = 1;
	ms->profile = c.profile;
	ms->level = c.level;
	ms->width = c.width;
	ms->height = c.height;
	ms->fps = 0;
	if (c.nsps > 0 &&
	    h264_sps_parse(c.sps[0].p, c.sps[0].len, &sps) == RTMP_OK &&
	    h264_sps_fps(&sps) > 0) {
		ms->fps = h264_sps_fps(&sps);
		ev_d("fps", ms->fps);
	}
	ev_mode(OUT_JSON);
	ev_u("nal_length_size", c.nal_length_size);
	ev_mode(OUT_JSON);
	ev_u("sps_count", c.nsps);
	ev_mode(OUT_JSON);
	ev_u("pps_count", c.npps);
}

static void
describe_video(struct wire *w, const char *dir, const struct sess_event *ev,
	       struct media_stats *ms)
{
	struct flv_video_info vi;
	char fcc[5];
	const char *codec;
	int rc, frame, show;

	memset(&vi, 0, sizeof(vi));
	rc = flv_video_parse(ev->payload, ev->len, &vi);
	if (rc != RTMP_OK) {
		ev_begin(w->conn, dir, "video");
		hdr_fields(ev, 1);
		ev_s("error", rtmp_strerror(rc));
		ev_end();
		return;
	}
	codec = vi.fourcc ? flv_fourcc_str(vi.fourcc, fcc)
			  : flv_video_codec_name(vi.codec_id);
	if (ms->video_codec[0] == '\0')
		snprintf(ms->video_codec, sizeof(ms->video_codec), "%s", codec);
	frame = strcmp(video_packet(&vi), "frame") == 0;
	/* The first keyframe is always shown: where a player can start. */
	show = !frame || ms->logged < w->log_frames ||
	       (vi.is_keyframe && ms->keyframes == 0);
	if (frame) {
		ms->video_frames++;
		ms->video_bytes += ev->len;
		track_ts(ms, ev->h.timestamp);
		if (show)
			ms->logged++;
	}
	if (show) {
		ev_begin(w->conn, dir, "video");
		ev_mode(OUT_BARE);
		ev_s("packet", video_packet(&vi));
		ev_s("frame", frame_type_name(vi.frame_type));
		ev_s("codec", codec);
		hdr_fields(ev, 1);
		ev_mode(vi.enhanced ? OUT_BOTH : OUT_JSON);
		ev_b("enhanced", vi.enhanced);
		if (vi.multitrack) {
			ev_u("track", vi.track_id);
		}
		if (frame && (vi.fourcc == FLV_FOURCC('a', 'v', 'c', '1') ||
			      vi.fourcc == FLV_FOURCC('h', 'v', 'c', '1')))
			ev_i("cts", vi.cts);
		if (vi.is_command)
			ev_u("command", vi.command);
		if (vi.is_seq_header &&
		    vi.fourcc == FLV_FOURCC('a', 'v', 'c', '1'))
			avc_config_fields(ev->payload + vi.hdr_len,
					  vi.payload_len, ms);
		else if (vi.is_seq_header)
			ms->have_video_cfg = 1;
		ev_end();
	} else if (vi.is_seq_header) {
		ms->have_video_cfg = 1;
	}
	if (frame && vi.is_keyframe && ms->keyframes++ == 0)
		first_keyframe(w, dir, ev, ms);
}

static void
describe_audio(struct wire *w, const char *dir, const struct sess_event *ev,
	       struct media_stats *ms)
{
	struct flv_audio_info ai;
	struct aac_config ac;
	char fcc[5];
	const char *codec;
	int rc, frame, show;

	memset(&ai, 0, sizeof(ai));
	rc = flv_audio_parse(ev->payload, ev->len, &ai);
	if (rc != RTMP_OK) {
		ev_begin(w->conn, dir, "audio");
		hdr_fields(ev, 1);
		ev_s("error", rtmp_strerror(rc));
		ev_end();
		return;
	}
	codec = ai.fourcc ? flv_fourcc_str(ai.fourcc, fcc)
			  : flv_sound_format_name(ai.sound_format);
	if (ms->audio_codec[0] == '\0')
		snprintf(ms->audio_codec, sizeof(ms->audio_codec), "%s", codec);
	frame = strcmp(audio_packet(&ai), "frame") == 0;
	show = !frame || ms->logged < w->log_frames;
	if (frame) {
		ms->audio_frames++;
		ms->audio_bytes += ev->len;
		track_ts(ms, ev->h.timestamp);
		if (show)
			ms->logged++;
	}
	if (!show)
		return;
	ev_begin(w->conn, dir, "audio");
	ev_mode(OUT_BARE);
	ev_s("packet", audio_packet(&ai));
	ev_s("codec", codec);
	hdr_fields(ev, 1);
	ev_mode(ai.enhanced ? OUT_BOTH : OUT_JSON);
	ev_b("enhanced", ai.enhanced);
	if (ai.multitrack)
		ev_u("track", ai.track_id);
	/* The legacy header's rate and channels mean nothing for AAC (always
	 * 44 kHz stereo there); its sequence header has the real ones. */
	if (!ai.enhanced && ai.sound_format != 10 && !ms->have_audio_cfg) {
		ms->sample_rate = flv_sound_rate_hz(ai.rate);
		ms->channels = ai.channels ? 2 : 1;
		ev_u("sample_rate", ms->sample_rate);
		ev_u("bits", ai.size ? 16 : 8);
		ev_u("channels", ms->channels);
	}
	if (ai.is_seq_header && ai.fourcc == FLV_FOURCC('m', 'p', '4', 'a')) {
		rc = aac_config_parse(ev->payload + ai.hdr_len, ai.payload_len,
				      &ac);
		if (rc == RTMP_OK) {
			ms->have_audio_cfg = 1;
			ms->aot = ac.object_type;
			ms->sample_rate = ac.sample_rate;
			ms->channels = ac.channel_config;
			ev_u("object_type", ac.object_type);
			ev_s("profile_name", aac_object_name(ac.object_type));
			ev_u("sample_rate", ac.sample_rate);
			ev_u("channels", ac.channel_config);
		} else {
			ev_s("config_error", rtmp_strerror(rc));
		}
	} else if (ai.is_seq_header) {
		ms->have_audio_cfg = 1;
	}
	ev_end();
}

static void
describe(struct wire *w, const char *dir, const struct sess_event *ev,
	 struct media_stats *ms)
{
	switch (ev->type) {
	case SESS_EV_CONTROL:
		describe_control(w, dir, ev);
		return;
	case SESS_EV_USER_CONTROL:
		describe_user_control(w, dir, ev);
		return;
	case SESS_EV_COMMAND:
		describe_command(w, dir, ev);
		return;
	case SESS_EV_DATA:
		describe_data(w, dir, ev, ms);
		return;
	case SESS_EV_VIDEO:
		describe_video(w, dir, ev, ms);
		return;
	case SESS_EV_AUDIO:
		describe_audio(w, dir, ev, ms);
		return;
	case SESS_EV_OTHER:
		ev_begin(w->conn, dir, "message");
		ev_mode(OUT_BARE);
		ev_s("type_name", rtmp_msg_type_name(ev->h.type));
		ev_u("type", ev->h.type);
		hdr_fields(ev, 1);
		ev_end();
		return;
	default:
		return;
	}
}

int
wire_is_frame(const struct sess_event *ev, int *is_key)
{
	struct flv_video_info vi;
	struct flv_audio_info ai;

	*is_key = 0;
	if (ev->type == SESS_EV_VIDEO) {
		if (flv_video_parse(ev->payload, ev->len, &vi) != RTMP_OK)
			return 0;
		*is_key = vi.is_keyframe;
		return strcmp(video_packet(&vi), "frame") == 0;
	}
	if (ev->type == SESS_EV_AUDIO) {
		if (flv_audio_parse(ev->payload, ev->len, &ai) != RTMP_OK)
			return 0;
		return strcmp(audio_packet(&ai), "frame") == 0;
	}
	return 0;
}

/* ---- entry points --------------------------------------------------------- */

void
wire_raw_in(struct wire *w, const uint8_t *p, size_t n)
{
	/* The peer's first byte is its C0/S0 version (RTMP 1.0 5.2.2): kept
	 * to explain a failed handshake (an HTTP or TLS server answering). */
	if (w->in_off == 0 && n > 0) {
		w->first_byte = p[0];
		w->have_first_byte = 1;
	}
	ev_hex(w->conn, "<", w->in_off, p, n);
	w->in_off += n;
}

void
wire_sent(struct wire *w, const struct sess *real, const uint8_t *p, size_t n)
{
	struct sess_event ev;
	size_t junk;

	ev_hex(w->conn, ">", w->out_off, p, n);
	w->out_off += n;
	/* We answer what we parsed: the peer's part first. */
	hs_check(w, real, 0);
	while (w->mirror_ok && n > 0) {
		ssize_t k = sess_feed(&w->mirror, p, n, &ev);

		sess_output(&w->mirror, &junk);
		sess_output_done(&w->mirror, junk);
		if (k < 0) {
			/* Cannot happen with our own session's bytes. */
			w->mirror_ok = 0;
			ev_begin(w->conn, ">", "decode_error");
			ev_s("error", rtmp_strerror((int)k));
			ev_end();
			return;
		}
		p += k;
		n -= (size_t)k;
		hs_check(w, &w->mirror, 1);
		if (ev.type != SESS_EV_NONE && ev.type != SESS_EV_HANDSHAKE)
			describe(w, ">", &ev, &w->tx);
		if (k == 0 && ev.type == SESS_EV_NONE)
			break;
	}
}

void
wire_received(struct wire *w, const struct sess *real,
	      const struct sess_event *ev)
{
	hs_check(w, real, 0);
	if (ev->type != SESS_EV_NONE && ev->type != SESS_EV_HANDSHAKE)
		describe(w, "<", ev, &w->rx);
}

void
wire_summary(struct wire *w, const char *dir)
{
	const struct media_stats *ms = dir[0] == '<' ? &w->rx : &w->tx;

	if (ms->video_frames == 0 && ms->audio_frames == 0 &&
	    ms->metadata == 0 && !ms->have_video_cfg && !ms->have_audio_cfg)
		return;
	ev_begin(w->conn, dir, "summary");
	ev_u("video_frames", ms->video_frames);
	ev_u("audio_frames", ms->audio_frames);
	ev_u("keyframes", ms->keyframes);
	ev_mode(OUT_JSON);
	ev_u("video_bytes", ms->video_bytes);
	ev_mode(OUT_JSON);
	ev_u("audio_bytes", ms->audio_bytes);
	ev_u("metadata", ms->metadata);
	if (ms->have_ts)
		ev_u("duration_ms", ms->last_ts - ms->first_ts);
	if (ms->video_codec[0]) {
		ev_s("video_codec", ms->video_codec);
		if (ms->width) {
			ev_u("width", ms->width);
			ev_u("height", ms->height);
		}
		if (ms->profile) {
			ev_u("profile", ms->profile);
			ev_s("profile_name",
			     avc_profile_name((uint8_t)ms->profile));
			ev_d("level", ms->level / 10.0);
		}
		if (ms->fps > 0)
			ev_d("fps", ms->fps);
	}
	if (ms->audio_codec[0]) {
		ev_s("audio_codec", ms->audio_codec);
		if (ms->sample_rate) {
			ev_u("sample_rate", ms->sample_rate);
			ev_u("channels", ms->channels);
		}
	}
	ev_end();
}

const char *
wire_hs_explain(const struct wire *w, char *buf, size_t len)
{
	uint8_t b = w->first_byte;

	if (w->peer_hs > 0)
		return NULL;
	if (!w->have_first_byte) {
		snprintf(buf, len, "the peer sent nothing");
		return buf;
	}
	if (b == HS_VERSION)
		return NULL;
	if (b == 6 || b == 8 || b == 9)
		snprintf(buf, len,
			 "the peer asks for encrypted RTMP (RTMPE, version "
			 "byte %u), which is not supported",
			 b);
	else if (b == 0x15 || b == 0x16)
		/* A TLS record: an alert (our C0 is no ClientHello) or a
		 * handshake. */
		snprintf(buf, len,
			 "the peer answered with TLS (first byte 0x%02x): it "
			 "wants rtmps://",
			 b);
	else if (b >= 0x20 && b < 0x7F)
		snprintf(buf, len,
			 "the peer is not speaking RTMP (first byte 0x%02x "
			 "'%c', expected version 3)",
			 b, b);
	else
		snprintf(buf, len,
			 "bad handshake version byte 0x%02x (expected 3)", b);
	return buf;
}
