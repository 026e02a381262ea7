/*
 * rtmpprobe: internal interfaces between its files.
 *
 *   out.c     one output line per event, text or JSON (stdout)
 *   wire.c    a connection seen from the probe: handshake steps, every
 *             message in both directions decoded (what we send is decoded
 *             by a second session fed with our own output), media stats
 *   synth.c   the built-in publish stream (AVC + AAC built in code)
 *   listen.c  --listen: a server that answers like a real one and logs
 *   main.c    options, the client conversation, exit status
 */
#ifndef RTMPPROBE_H
#define RTMPPROBE_H

#include <stdint.h>
#include <stdio.h>

#include "amf0.h"
#include "session.h"

/* ---- limits and defaults, each documented in rtmpprobe(1) ------------- */

#define PROBE_FRAMES_DEFAULT  10 /* --frames */
#define PROBE_FRAMES_MAX      1000000
#define PROBE_STEP_TIMEOUT_MS 10000 /* --step-timeout */
#define PROBE_TIMEOUT_MAX_MS  86400000u
#define PROBE_HEX_DEFAULT     256  /* bytes per dump with -v; -vv: all */
#define PROBE_DATA_NODES      8192 /* AMF0 nodes for one data message */
#define PROBE_DATA_ITEMS      8192 /* items per container in data */
#define PROBE_TEXT_ARRAY_MAX  16   /* strict array items shown in text */
#define PROBE_LISTEN_WINDOW   SESS_WINDOW_DEFAULT /* as nginx-rtmp */
#define PROBE_LISTEN_CHUNK    4096		  /* as nginx-rtmp */
#define PROBE_LISTEN_PORT     1935
#define PROBE_MAX_MESSAGE     CHUNK_MAX_MESSAGE_HARD
#define PROBE_MAX_PARTIAL     (2 * CHUNK_MAX_MESSAGE_HARD)
#define PROBE_SEND_HIGH	      (1u << 20) /* publish: pause above this */
#define PROBE_SEND_LOW	      (256u << 10)

/* ---- out.c ------------------------------------------------------------ */

struct out_cfg {
	int json;
	int quiet;
	int verbose;
	uint64_t t0_us; /* monotonic start: t_ms counts from here */
};

extern struct out_cfg out_cfg;

void out_init(int json, int quiet, int verbose);
double out_now_ms(void);

/*
 * One event: ev_begin, fields, ev_end. dir is ">" (sent), "<" (received)
 * or "*" (the probe's own: connecting, steps, the end); conn is the
 * client number in --listen mode, 0 otherwise.
 */
void ev_begin(unsigned conn, const char *dir, const char *event);
void ev_end(void);
/* The next field only: OUT_BARE shows the value without "key=" in text,
 * OUT_JSON leaves it out of text, OUT_TEXT out of JSON. */
enum { OUT_BOTH, OUT_BARE, OUT_JSON, OUT_TEXT };
void ev_mode(int mode);
void ev_s(const char *key, const char *s);
void ev_sn(const char *key, const void *p, size_t n);
void ev_u(const char *key, uint64_t v);
void ev_i(const char *key, int64_t v);
void ev_d(const char *key, double v);	/* %g-like */
void ev_ms(const char *key, double ms); /* 3 decimals */
void ev_b(const char *key, int v);
void ev_null(const char *key);
/* An AMF0 value (node i) rendered as JSON, or JS-like in text. */
void ev_amf(const char *key, const struct amf0_doc *doc, long i);
/* The siblings from node first on (a command's arguments): a JSON array,
 * or the values separated by spaces in text. */
void ev_amf_list(const char *key, const struct amf0_doc *doc, long first);
/* A hex dump of raw bytes as its own event ("raw"). */
void ev_hex(unsigned conn, const char *dir, uint64_t offset, const uint8_t *p,
	    size_t n);

/* ---- wire.c ------------------------------------------------------------ */

struct media_stats {
	uint64_t video_frames, audio_frames, keyframes;
	uint64_t video_bytes, audio_bytes;
	uint64_t metadata, logged;
	uint32_t first_ts, last_ts;
	int have_ts;
	uint64_t first_key_us; /* monotonic, 0 = none yet */
	/* From the sequence headers. */
	char video_codec[16], audio_codec[16];
	unsigned width, height, profile, level;
	double fps;
	unsigned sample_rate, channels, aot;
	int have_video_cfg, have_audio_cfg;
	int meta_video; /* onMetaData announces video */
};

struct wire {
	unsigned conn;	    /* client number in --listen mode */
	int server;	    /* we are the server */
	struct sess mirror; /* decodes what we send */
	int mirror_ok;
	int peer_hs, our_hs; /* handshake parts logged (0, 1, 2) */
	int hs_done;
	uint64_t hs_start_us;
	uint64_t in_off, out_off; /* bytes so far, for hex dump offsets */
	uint8_t first_byte;	  /* the peer's C0/S0 */
	int have_first_byte;
	uint64_t log_frames;  /* frames shown per direction */
	uint64_t media_t0_us; /* play/publish began (first keyframe) */
	struct media_stats rx, tx;
	struct amf0_value *nodes; /* data messages */
	struct amf0_doc doc;
};

int wire_init(struct wire *w, int server, unsigned conn, uint64_t log_frames);
void wire_free(struct wire *w);
/* Bytes read from the socket (hex dump with -v). */
void wire_raw_in(struct wire *w, const uint8_t *p, size_t n);
/* Bytes handed to the socket; real is the connection's session (its
 * handshake state says what of the peer's handshake was parsed). */
void wire_sent(struct wire *w, const struct sess *real, const uint8_t *p,
	       size_t n);
/* A session event from the peer. */
void wire_received(struct wire *w, const struct sess *real,
		   const struct sess_event *ev);
/* The media summary for one direction ("<" received, ">" sent), when
 * there was any media. */
void wire_summary(struct wire *w, const char *dir);
/* Why the peer's handshake failed, from its first byte; NULL when that
 * says nothing. */
const char *wire_hs_explain(const struct wire *w, char *buf, size_t len);
/* 1 when a video/audio message is a frame (not a header/end/command). */
int wire_is_frame(const struct sess_event *ev, int *is_key);

/* ---- synth.c ----------------------------------------------------------- */

#define SYNTH_WIDTH   64
#define SYNTH_HEIGHT  64
#define SYNTH_FPS     25
#define SYNTH_GOP     25    /* an IDR frame every second */
#define SYNTH_RATE    44100 /* AAC LC, mono, 1024 samples a frame */
#define SYNTH_MAX_TAG 8192

struct synth {
	uint64_t video, audio; /* frames made so far */
	unsigned idr_id;
	int stage; /* metadata, video config, audio config, frames */
};

/* The next message of the built-in stream: type (8, 9, 18), timestamp and
 * body; returns the body length, 0 when buf is too small. is_frame is 1
 * for audio/video frames (what --frames counts). */
size_t synth_next(struct synth *s, uint8_t *type, uint32_t *ts, uint8_t *buf,
		  size_t cap, int *is_frame);

/* ---- listen.c ---------------------------------------------------------- */

struct listen_opts {
	const char *spec;
	int once;
	uint64_t timeout_ms;	  /* whole run, 0 = none */
	uint64_t step_timeout_ms; /* handshake, connect; then idle */
	uint64_t log_frames;
	int json;
};

/* Run the server until a signal, --timeout, or (--once) the first
 * client's end. Returns the exit status. */
int listen_run(const struct listen_opts *o);

/* Shared by main.c and listen.c: name of an exit status for the log. */
const char *probe_status_name(int code);

#endif
