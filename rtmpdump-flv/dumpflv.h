/*
 * rtmpdump-flv: shared state of the tool's parts (listing, check, summary,
 * extraction). Everything here is policy and output; the bytes are decoded
 * by the codec layer (flv.h, amf0.h, h264.h, adts.h).
 */
#ifndef DUMPFLV_H
#define DUMPFLV_H

#include <stdint.h>
#include <stdio.h>

#include "amf0.h"
#include "flv.h"
#include "h264.h"

/* Limits, each with an option and a documented default. */
#define DF_GAP_MS_DEFAULT    5000u	 /* --max-gap */
#define DF_AMF_NODES_DEFAULT 4096u	 /* --amf-nodes */
#define DF_MAX_SKIP_DEFAULT  (64u << 20) /* --max-skip */
#define DF_PRINT_ITEMS	     8u	 /* strict array items shown (-v: all) */
#define DF_HEX_BYTES	     16u /* --hexdump bytes (-v: 64, -vv: 256) */
#define DF_CODEC_SLOTS	     8u	 /* (fourcc, track) pairs tracked */
#define DF_CODECS_LISTED     4u	 /* codecs per media type in the summary */

struct df_opts {
	int json, quiet, verbose;
	int list, summary, check, strict, hexdump;
	uint64_t gap_ms;
	uint32_t max_tag;
	uint64_t max_skip;
	uint32_t amf_nodes;
	const char *video_out, *audio_out;
	const char *path;
};

enum df_severity { DF_NOTE, DF_WARNING, DF_ERROR };

/* One tag, decoded once and shared by every consumer. */
struct df_tag {
	uint64_t offset;
	struct flv_tag tag;
	const uint8_t *data;
	int encrypted; /* Filter bit: the data is not decoded */
	/* audio/video tag header: RTMP_OK or an error code */
	int hdr_rc;
	struct flv_video_info vi;
	struct flv_audio_info ai;
	/* sequence header payload and what it decoded to */
	enum { DF_CFG_NONE, DF_CFG_AVC, DF_CFG_AAC, DF_CFG_OTHER } cfg;
	int cfg_rc;
	const uint8_t *cfg_p;
	size_t cfg_len;
	struct avc_config avc;
	struct h264_sps sps;
	int sps_ok;
	struct aac_config aac;
	/* coded media frame (not a config, end of sequence or command) */
	int is_frame;
	/* script data */
	int script_name_ok;
	struct rtmp_str script_name;
};

/* A (codec, track) pair that needs a sequence header before its frames. */
struct df_codec_slot {
	uint32_t fourcc;
	uint8_t track;
	int seen_config;
	uint64_t frames_before, first_frame_offset;
};

struct df_media_stats {
	uint64_t tags, frames, bytes, configs;
	int have_ts;
	uint32_t first_ts, last_ts, prev_ts, last_delta;
	uint64_t backwards;
	uint32_t max_gap;
	uint64_t max_gap_offset;
	char codec[16]; /* the first */
	uint32_t codec_fourcc, codec_legacy;
	char codecs[DF_CODECS_LISTED][16]; /* every one seen */
	unsigned ncodecs;
	int codec_set;
};

struct df_ctx {
	struct df_opts o;
	FILE *out;
	const char *name;
	uint64_t errors, warnings;
	/* file header */
	int have_header;
	struct flv_header header;
	uint64_t tags_bytes; /* header + every tag + PreviousTagSize seen */
	uint64_t end_offset; /* bytes of (decompressed) input consumed */
	uint64_t resyncs, skipped;
	uint64_t garbage, garbage_offset; /* skipped so far, no tag yet */
	uint32_t last_tag_total;	  /* 11 + DataSize of the last tag */

	/* check state */
	struct df_codec_slot vslots[DF_CODEC_SLOTS], aslots[DF_CODEC_SLOTS];
	int first_video_frame_seen;
	int meta_seen;
	uint64_t meta_offset;
	double meta_duration, meta_width, meta_height;
	double meta_vcodec, meta_acodec;
	int have_meta_duration, have_meta_width, have_meta_height;
	int have_meta_vcodec, have_meta_acodec;
	unsigned width, height; /* from the first AVC config with an SPS */
	uint64_t dims_offset;

	/* summary */
	struct df_media_stats v, a;
	uint64_t n_tags, n_script, n_other;
	uint64_t keyframes;
	int have_key;
	uint32_t last_key_ts, key_min, key_max;
	uint64_t key_sum, key_intervals;
	int have_any_ts;
	uint32_t prev_any_ts;
	uint32_t max_gap;
	uint64_t max_gap_offset;
	unsigned aac_rate, aac_channels;
	double fps;

	/* extraction */
	struct df_extract *ex;

	/* AMF node storage for script tags */
	struct amf0_value *nodes;
};

/* main.c: erase the progress line (stderr on a terminal) */
void df_progress_clear(void);

/* print.c */
void df_problem(struct df_ctx *c, uint64_t offset, enum df_severity sev,
		const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* desc.c */
void df_describe(struct df_tag *t, const struct flv_event *ev);
const char *df_tag_type_name(uint8_t type);
const char *df_frame_type_name(uint8_t ft);
const char *df_video_packet_name(const struct flv_video_info *vi);
const char *df_audio_packet_name(const struct flv_audio_info *ai);
/* Codec as shown: FourCC when there is one, else the legacy name. */
const char *df_video_codec(const struct flv_video_info *vi, char buf[16]);
const char *df_audio_codec(const struct flv_audio_info *ai, char buf[16]);
const char *df_avc_profile_name(uint8_t profile);
const char *df_aac_object_name(uint8_t ot);
/* h:mm:ss.mmm */
void df_fmt_time(char *buf, size_t n, uint64_t ms);
/* Shortest %g form that reads back exactly. */
void df_fmt_double(char *buf, size_t n, double d);

/* print.c */
void df_print_header(struct df_ctx *c, const struct flv_event *ev);
void df_print_tag(struct df_ctx *c, const struct df_tag *t);
void df_print_resync(struct df_ctx *c, const struct flv_event *ev);

/* amfprint.c: script tag bodies */
void df_amf_text(struct df_ctx *c, const struct df_tag *t);
void df_amf_json(struct df_ctx *c, const struct df_tag *t);
/* Decode the body into c->nodes; returns the code of amf0_decode_all. */
ssize_t df_amf_decode(struct df_ctx *c, const struct df_tag *t,
		      struct amf0_doc *doc);

/* check.c */
void df_check_header(struct df_ctx *c, const struct flv_header *h);
void df_check_tag(struct df_ctx *c, const struct df_tag *t);
void df_check_end(struct df_ctx *c);

/* summary.c */
double df_stream_ms(const struct df_media_stats *m);
double df_duration_ms(const struct df_ctx *c);
void df_summary_tag(struct df_ctx *c, const struct df_tag *t);
void df_summary_print(struct df_ctx *c);

/* extract.c: 0 ok, -1 after reporting a fatal problem (exit 7 or 1). */
int df_extract_open(struct df_ctx *c);
int df_extract_tag(struct df_ctx *c, const struct df_tag *t);
int df_extract_close(struct df_ctx *c, int failed);
extern int df_extract_exit;

#endif
