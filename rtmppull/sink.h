/*
 * rtmppull's output: what arrives on the played stream becomes either FLV
 * tags or one line per frame (--info), on one continuous timeline that
 * survives reconnects and republishes. No network code here: main.c feeds
 * messages in.
 */
#ifndef RTMPPULL_SINK_H
#define RTMPPULL_SINK_H

#include <stdint.h>
#include <stdio.h>

/*
 * A backward jump larger than this inside one connection is taken as a
 * restart of the publisher's clock (a republish the server did not
 * announce): the timeline is joined as after a reconnect. Audio and video
 * interleave a few tens of ms out of order; nothing legitimate goes back a
 * whole second.
 */
#define TL_BACKJUMP_MS 1000
/* Gap between segments when no video frame interval has been seen. */
#define TL_GAP_DEFAULT_MS 40
/* Video frame intervals above this are not used as the joining gap. */
#define TL_GAP_MAX_MS 1000

/*
 * The output timeline. Server timestamps are 32-bit and wrap; they are
 * unwrapped into 64 bits by adding signed 32-bit differences, then shifted
 * so the first media message is at 0 (unless keep), and after every segment
 * start (reconnect, republish) joined one frame interval after the last
 * timestamp written.
 */
struct timeline {
	int keep;	 /* --keep-timestamps: the server's own values */
	int have_last;	 /* last32/ext valid in this segment */
	uint32_t last32; /* last server timestamp */
	int64_t ext;	 /* last server timestamp, unwrapped */
	int have_base;	 /* base fixed by this segment's first media */
	int64_t base;	 /* out = ext - base */
	int64_t floor;	 /* no timestamp below this in this segment */
	int have_out;	 /* something was written */
	int64_t max_out; /* largest timestamp written */
	int have_video;	 /* last_video valid */
	int64_t last_video;
	uint32_t gap;	   /* last video frame interval */
	unsigned segments; /* segment starts after the first */
};

void tl_init(struct timeline *tl, int keep);
/* Map a server timestamp to the output timeline; media fixes the base. */
int64_t tl_map(struct timeline *tl, uint32_t ts, int is_media, int is_video);
/* A timestamp was written. */
void tl_wrote(struct timeline *tl, int64_t out);
/* A new segment begins (reconnect, republish): join after what is out. */
void tl_segment(struct timeline *tl);

enum sink_mode { SINK_FLV, SINK_INFO };

/* sink_msg results */
enum sink_rc {
	SINK_OK = 0,
	SINK_STOP_FRAMES,   /* --frames reached (the last frame written) */
	SINK_STOP_DURATION, /* --duration reached (this frame not written) */
	SINK_ERR_WRITE,	    /* output failed: errno in sink.err */
};

struct sink_stats {
	uint64_t frames, video_frames, audio_frames, keyframes;
	uint64_t bytes; /* audio, video and data message bytes */
	int have_frame;
	int64_t first_ts, last_ts; /* of frames, output timeline */
	uint64_t nkey_intervals;
	int64_t first_key_ts, last_key_ts;
};

struct sink_blob {
	uint8_t *p;
	size_t len;
	int have;
};

struct sink {
	enum sink_mode mode;
	int json;
	int no_audio, no_video;
	uint64_t max_frames;	  /* 0 = none */
	uint64_t max_duration_ms; /* 0 = none */
	FILE *fp;
	int header_done;
	int err; /* errno of the failed write */
	struct timeline tl;
	struct sink_stats st;
	int dedupe; /* later segments: skip unchanged headers */
	struct sink_blob vseq, aseq, meta;
	uint8_t *buf; /* one FLV tag */
	size_t cap;
};

void sink_init(struct sink *s, enum sink_mode mode, FILE *fp, int keep_ts);
void sink_free(struct sink *s);
/* Play started: the FLV header goes out now (ffplay starts at once). */
int sink_begin(struct sink *s);
/* A message from the stream: type 8, 9 or 18 (data, AMF0 body). */
enum sink_rc sink_msg(struct sink *s, uint8_t type, uint32_t ts,
		      const uint8_t *p, size_t n);
/* A reconnect or republish: timeline joins, unchanged headers skipped. */
void sink_segment(struct sink *s);
/* --info: the closing summary line (reason: why the pull ended). */
int sink_summary(struct sink *s, const char *reason);
/* "1.2 MiB" style and a progress line for a terminal. */
void sink_progress(const struct sink *s, char *buf, size_t len,
		   uint64_t elapsed_ms);

#endif
