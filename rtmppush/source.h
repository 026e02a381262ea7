/*
 * What rtmppush publishes: a sequence of RTMP media and data messages read
 * from an FLV input (tags as they are, onMetaData wrapped in @setDataFrame)
 * or from raw H.264 Annex B and/or AAC ADTS inputs (sequence headers and
 * onMetaData built here, the two streams muxed by timestamp).
 *
 * Time is the input's own, in milliseconds, unwrapped to 64 bits; the
 * caller rebases, loops and paces it.
 */
#ifndef PUSH_SOURCE_H
#define PUSH_SOURCE_H

#include <stdint.h>

#include "annexb.h"
#include "adts.h"
#include "flv.h"
#include "input.h"

enum src_format {
	SRC_FMT_AUTO,
	SRC_FMT_FLV,
	SRC_FMT_H264,
	SRC_FMT_AAC,
};

/* Buffer bounds for each kind of input: one FLV tag and the reader's
 * lookahead; one NAL unit; one ADTS frame (13-bit length). */
#define SRC_FLV_MAX_BUFFER \
	((size_t)FLV_READER_MAX_TAG_DEFAULT + FLV_READER_LOOKAHEAD + 64)
#define SRC_H264_MAX_BUFFER ((size_t)ANNEXB_MAX_AU_DEFAULT + 8)
#define SRC_AAC_MAX_BUFFER  8192
/* Raw inputs: how much of a regular file is read ahead of publishing to
 * estimate videodatarate/audiodatarate for onMetaData. */
#define SRC_RATE_SCAN_BYTES (2u << 20)
#define SRC_RATE_SCAN_MS    10000

/* The largest message the sources produce (a tag or an access unit plus
 * its FLV video header). */
#define SRC_MAX_MESSAGE (FLV_MAX_TAG_DATA + 16)

struct push_msg {
	uint8_t type; /* RTMP_MSG_AUDIO, RTMP_MSG_VIDEO, RTMP_MSG_DATA_AMF0 */
	int64_t t;    /* ms on the input's clock */
	const uint8_t *data; /* the RTMP message body, valid until the next
				src_next */
	size_t len;
	int keyframe; /* video: a key frame (not a sequence header) */
	int config;   /* onMetaData or a sequence header */
};

enum src_rc {
	SRC_ERROR = -1, /* s->err, s->err_code */
	SRC_END = 0,
	SRC_MSG = 1,
	SRC_WAIT = 2, /* wait until s->wait_fd is readable, then call again */
};

struct raw_video {
	struct in_src in;
	struct annexb_framer fr;
	double fps;	   /* frames per second in use */
	double fps_forced; /* --fps, 0 = from the SPS */
	uint64_t frames;   /* access units handed out */
	int have;	   /* msg holds the next access unit */
	int done;	   /* end of input reached and flushed */
	uint8_t *msg;	   /* FLV video body of the next unit */
	size_t msg_len, msg_cap;
	int64_t t;
	int keyframe;
	uint64_t offset;   /* input offset where that unit began */
	uint64_t au_start; /* offset of the first NAL of the unit being built */
	/* The parameter sets in force for the unit being built and for the
	 * unit handed out (a new SPS closes the previous unit in the framer
	 * before it is stored, so each unit keeps its own copy). */
	uint8_t cur_sps[ANNEXB_MAX_PS], cur_pps[ANNEXB_MAX_PS];
	size_t cur_sps_len, cur_pps_len;
	uint8_t out_sps[ANNEXB_MAX_PS], out_pps[ANNEXB_MAX_PS];
	size_t out_sps_len, out_pps_len;
	struct h264_sps out_info;
	int out_info_ok;
	uint64_t dropped; /* units before the first IDR */
};

struct raw_audio {
	struct in_src in;
	struct adts_header first; /* of the first frame: the config */
	int have_first;
	int have;
	int done;
	uint8_t *msg; /* FLV audio body of the next frame */
	size_t msg_len, msg_cap;
	int64_t t;
	uint64_t samples; /* since base_t at rate */
	uint32_t rate;
	int64_t base_t;
	uint64_t frames;
	uint64_t offset;
};

struct src {
	enum src_format fmt; /* FLV, or H264/AAC for the raw set */
	int state;	     /* private */
	int err_code;	     /* RK_EXIT_INPUT, or RK_EXIT_FAIL for I/O */
	char err[512];
	int wait_fd;
	int rewindable;

	/* FLV */
	struct in_src flv_in;
	struct flv_reader rd;
	uint8_t *wrap; /* onMetaData behind @setDataFrame */
	size_t wrap_cap;
	uint32_t last_ts;
	int64_t last_t;
	int have_ts;
	unsigned warnings;

	/* raw */
	struct raw_video *v;
	struct raw_audio *a;
	uint8_t *hdr; /* metadata or sequence header being handed out */
	size_t hdr_len, hdr_cap;
	uint8_t sent_sps[ANNEXB_MAX_PS], sent_pps[ANNEXB_MAX_PS];
	size_t sent_sps_len, sent_pps_len;
	double video_kbps, audio_kbps; /* estimates for onMetaData */
};

struct src_opts {
	const char *paths[2];
	unsigned n;
	enum src_format forced; /* --format (one input only) */
	double fps;		/* --fps, 0 = none */
};

/* Format of a path from its extension (.flv, .flv.gz, .h264/.264,
 * .aac; any of them with .gz), or AUTO when unknown. */
enum src_format src_format_of(const char *path);
const char *src_format_name(enum src_format f);

/* Open the inputs: -1 with s->err and s->err_code. */
int src_open(struct src *s, const struct src_opts *o);
/* The next message (SRC_MSG), SRC_END, SRC_WAIT or SRC_ERROR. */
int src_next(struct src *s, struct push_msg *m);
/* Start the inputs again from the beginning (--loop); -1 with s->err. */
int src_rewind(struct src *s);
void src_close(struct src *s);
/* Units dropped by the source itself (raw video before the first IDR). */
uint64_t src_dropped(const struct src *s);

#endif
