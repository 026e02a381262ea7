/*
 * FLV (Video File Format 10.1, annex E) and the Enhanced RTMP tag headers
 * (enhanced-rtmp-v2: ExVideoTagHeader / ExAudioTagHeader with FourCC,
 * multitrack and ModEx). No I/O: the reader works on whatever bytes the
 * caller has (a file, a pipe, a network stream).
 */
#ifndef RTMP_FLV_H
#define RTMP_FLV_H

#include "h264.h"
#include "rtmp_err.h"

#define FLV_HEADER_SIZE	    9
#define FLV_TAG_HEADER_SIZE 11
#define FLV_PREV_TAG_SIZE   4
#define FLV_MAX_TAG_DATA    0xFFFFFF

enum flv_tag_type {
	FLV_TAG_AUDIO = 8,
	FLV_TAG_VIDEO = 9,
	FLV_TAG_SCRIPT = 18,
};

#define FLV_FLAG_AUDIO 0x04
#define FLV_FLAG_VIDEO 0x01

#define FLV_FOURCC(a, b, c, d)                                            \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

struct flv_header {
	uint8_t version;
	uint8_t flags;	      /* FLV_FLAG_AUDIO | FLV_FLAG_VIDEO, other bits */
	uint32_t data_offset; /* normally 9 */
};

/* 9 bytes; "FLV" signature and data_offset >= 9 checked (MALFORMED). */
ssize_t flv_header_parse(const uint8_t *p, size_t len, struct flv_header *h);
/* Header plus PreviousTagSize0 (13 bytes). */
uint8_t *flv_header_put(uint8_t *p, uint8_t *end, uint8_t flags);

struct flv_tag {
	uint8_t type;	    /* tag type (low 5 bits) */
	uint8_t filter;	    /* encrypted/filtered bit (0x20) */
	uint8_t reserved;   /* top two bits of the first byte */
	uint32_t size;	    /* DataSize */
	uint32_t timestamp; /* with TimestampExtended as the top byte */
	uint32_t stream_id; /* always 0 in valid files */
};

/* 11 bytes; any field values accepted (flv_reader judges them). */
ssize_t flv_tag_header_parse(const uint8_t *p, size_t len, struct flv_tag *t);
uint8_t *flv_tag_header_put(uint8_t *p, uint8_t *end, uint8_t type,
			    uint32_t size, uint32_t timestamp);
/* A whole tag: header, data, PreviousTagSize (11 + size). */
uint8_t *flv_tag_put(uint8_t *p, uint8_t *end, uint8_t type, uint32_t timestamp,
		     const uint8_t *data, uint32_t size);

/*
 * Streaming reader with resynchronisation. It is fed from the caller's
 * buffer and reports one event per call:
 *
 *   FLV_EV_HEADER   the file header was parsed (first call).
 *   FLV_EV_TAG      a whole tag: ev.tag, ev.data (ev.tag.size bytes pointing
 *                   into the caller's buffer), ev.offset of its header.
 *   FLV_EV_PROBLEM  something is wrong at ev.offset (ev.problem says what);
 *                   the reader has already moved past it where it can.
 *   FLV_EV_RESYNC   ev.skipped bytes were skipped to reach ev.offset, the
 *                   next plausible tag header (type 8/9/18, stream id 0,
 *                   size within max_tag_size, its PreviousTagSize agreeing;
 *                   a candidate running past the end of input is not taken).
 *
 * flv_reader_next returns bytes consumed (an event happened) or NEED_MORE
 * (nothing consumed: give it at least the bytes it asks for in *want, which
 * for a tag is 11 + size + 4, so the caller's buffer must hold one tag).
 * With eof set (no more input will come), it reports what is left: a tag
 * cut short is FLV_PROB_TRUNCATED and a missing last PreviousTagSize is
 * FLV_PROB_TRAILING, each consuming the rest; once nothing is left it
 * returns 0 with ev->type FLV_EV_NONE.
 * Offsets are 64-bit; memory is constant (the reader holds no data).
 *
 * Warnings about a tag or the file header consume no bytes and come just
 * before the FLV_EV_TAG / FLV_EV_HEADER they concern. When a PreviousTagSize
 * is wrong the reader also looks at the next tag header (want = 11 + size +
 * 4 + 11) to choose between going on and resynchronising, and while
 * resynchronising it decides candidates FLV_RESYNC_WINDOW bytes at a time,
 * so *want never exceeds max_tag_size + FLV_READER_LOOKAHEAD. The events do
 * not depend on how the input is split between calls.
 */
enum flv_ev_type {
	FLV_EV_NONE,
	FLV_EV_HEADER,
	FLV_EV_TAG,
	FLV_EV_PROBLEM,
	FLV_EV_RESYNC,
};

enum flv_problem {
	FLV_PROB_NONE,
	FLV_PROB_BAD_SIGNATURE,	  /* not "FLV" */
	FLV_PROB_BAD_VERSION,	  /* version != 1 (a warning) */
	FLV_PROB_BAD_HEADER_SIZE, /* data offset < 9 or > 9 + max_tag_size
				      (9 is assumed) */
	FLV_PROB_PREV_SIZE,	  /* PreviousTagSize != 11 + DataSize */
	FLV_PROB_BAD_TAG_TYPE,	  /* not 8, 9 or 18 */
	FLV_PROB_TAG_TOO_BIG,	  /* DataSize > max_tag_size */
	FLV_PROB_STREAM_ID,	  /* StreamID != 0 */
	FLV_PROB_RESERVED_BITS,	  /* reserved bits set (a warning) */
	FLV_PROB_ENCRYPTED,	  /* filter bit set (a warning) */
	FLV_PROB_TRUNCATED,	  /* input ended inside a tag */
	FLV_PROB_TRAILING,	  /* input ended inside a PreviousTagSize */
	FLV_PROB_GARBAGE,	  /* resynchronising: no plausible tag starts
				      in the FLV_RESYNC_WINDOW bytes at
				      ev.offset (or up to the end of input) */
};

/* Bytes of candidate positions decided per event while resynchronising. */
#define FLV_RESYNC_WINDOW 65536
#define FLV_READER_LOOKAHEAD \
	(FLV_RESYNC_WINDOW + FLV_TAG_HEADER_SIZE + FLV_PREV_TAG_SIZE)

struct flv_event {
	enum flv_ev_type type;
	uint64_t offset;
	struct flv_header header;
	struct flv_tag tag;
	const uint8_t *data;
	enum flv_problem problem;
	uint32_t prev_size; /* PreviousTagSize read, for FLV_PROB_PREV_SIZE */
	uint64_t skipped;
};

#define FLV_READER_MAX_TAG_DEFAULT (16u << 20)

struct flv_reader {
	uint64_t offset;       /* absolute offset of the next byte */
	int state;	       /* private */
	uint32_t max_tag_size; /* 0 = FLV_READER_MAX_TAG_DEFAULT */
	uint32_t last_tag_size;
	int resyncing;
	uint64_t skipped; /* since resynchronisation began */
	uint32_t scanned; /* private: resync candidates already rejected */
};

void flv_reader_init(struct flv_reader *r);
ssize_t flv_reader_next(struct flv_reader *r, const uint8_t *p, size_t len,
			int eof, struct flv_event *ev, size_t *want);
const char *flv_problem_name(enum flv_problem p);

/* ---- audio and video tag headers ------------------------------------- */

enum flv_video_frame {
	FLV_FRAME_KEY = 1,
	FLV_FRAME_INTER = 2,
	FLV_FRAME_DISPOSABLE = 3,
	FLV_FRAME_GENERATED = 4,
	FLV_FRAME_COMMAND = 5,
};

enum flv_video_codec {
	FLV_CODEC_H263 = 2,
	FLV_CODEC_SCREEN = 3,
	FLV_CODEC_VP6 = 4,
	FLV_CODEC_VP6A = 5,
	FLV_CODEC_SCREEN2 = 6,
	FLV_CODEC_AVC = 7,
	/* Not in FLV 10.1: HEVC with the AVC packet layout, as written by
	 * SRS, nginx-http-flv and the Chinese CDN builds of ffmpeg/OBS. */
	FLV_CODEC_HEVC_LEGACY = 12,
};

/* Enhanced RTMP VideoPacketType / AudioPacketType. */
enum flv_ex_video_packet {
	FLV_VPT_SEQUENCE_START = 0,
	FLV_VPT_CODED_FRAMES = 1,
	FLV_VPT_SEQUENCE_END = 2,
	FLV_VPT_CODED_FRAMES_X = 3,
	FLV_VPT_METADATA = 4,
	FLV_VPT_MPEG2TS_SEQUENCE_START = 5,
	FLV_VPT_MULTITRACK = 6,
	FLV_VPT_MODEX = 7,
};

enum flv_ex_audio_packet {
	FLV_APT_SEQUENCE_START = 0,
	FLV_APT_CODED_FRAMES = 1,
	FLV_APT_SEQUENCE_END = 2,
	FLV_APT_MULTICHANNEL_CONFIG = 4,
	FLV_APT_MULTITRACK = 5,
	FLV_APT_MODEX = 7,
};

enum flv_multitrack_type {
	FLV_MT_ONE_TRACK = 0,
	FLV_MT_MANY_TRACKS = 1,
	FLV_MT_MANY_TRACKS_MANY_CODECS = 2,
};

struct flv_video_info {
	int enhanced;	     /* ExVideoTagHeader (bit 7 set) */
	uint8_t frame_type;  /* enum flv_video_frame */
	uint8_t codec_id;    /* legacy CodecID, 0 when enhanced */
	uint32_t fourcc;     /* enhanced FourCC, FLV_FOURCC('a','v','c','1')
				for legacy AVC ('hvc1' for legacy id 12), 0
				for other legacy codecs */
	uint8_t packet_type; /* AVCPacketType (legacy) or VideoPacketType
				after ModEx/Multitrack are unwrapped */
	int32_t cts;	     /* composition time offset, ms */
	int multitrack;
	uint8_t multitrack_type;
	uint8_t track_id;  /* first track */
	int is_keyframe;   /* frame type 1, not a sequence header/command */
	int is_seq_header; /* AVC type 0 / SequenceStart / MPEG2TS start */
	int is_seq_end;
	int is_command;	    /* frame type 5 (video info/command frame) */
	uint8_t command;    /* its VideoCommand byte */
	size_t hdr_len;	    /* offset of the codec payload (first track) */
	size_t payload_len; /* its length */
};

struct flv_audio_info {
	int enhanced; /* SoundFormat 9 (ExHeader) */
	uint8_t
	    sound_format; /* legacy SoundFormat (10 = AAC), 9 when enhanced */
	uint8_t rate;	  /* legacy 2-bit rate index */
	uint8_t size;	  /* 0 8-bit, 1 16-bit */
	uint8_t channels; /* legacy 0 mono, 1 stereo */
	uint32_t fourcc;  /* enhanced FourCC; 'mp4a' for legacy AAC */
	uint8_t packet_type; /* AACPacketType or AudioPacketType */
	int multitrack;
	uint8_t multitrack_type;
	uint8_t track_id;
	int is_seq_header;
	int is_seq_end;
	size_t hdr_len;
	size_t payload_len;
};

/* Parse the first bytes of a video/audio tag body (or RTMP message). Returns
 * RTMP_OK, NEED_MORE (header cut short) or MALFORMED. */
int flv_video_parse(const uint8_t *p, size_t len, struct flv_video_info *vi);
int flv_audio_parse(const uint8_t *p, size_t len, struct flv_audio_info *ai);

/* Cheap checks the relay uses on every message. */
int flv_video_is_keyframe(const uint8_t *p, size_t len);
int flv_video_is_seq_header(const uint8_t *p, size_t len);
int flv_audio_is_seq_header(const uint8_t *p, size_t len);

/* "AVC", "H.263"...; fourcc as 4 printable chars into buf[5]. */
const char *flv_video_codec_name(uint8_t codec_id);
const char *flv_sound_format_name(uint8_t fmt);
const char *flv_fourcc_str(uint32_t fourcc, char buf[5]);
/* Legacy rate index -> Hz (5500, 11025, 22050, 44100). */
unsigned flv_sound_rate_hz(uint8_t rate);

/* ---- codec configuration records ------------------------------------- */

#define AVC_MAX_PS 4 /* parameter sets kept per kind; more are counted */

struct avc_config {
	uint8_t version, profile, compat, level;
	uint8_t nal_length_size; /* 1, 2 or 4 */
	unsigned nsps, npps;	 /* declared counts */
	struct rtmp_str sps[AVC_MAX_PS], pps[AVC_MAX_PS];
	unsigned width, height; /* from the first SPS, 0 if unknown */
};

/* AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1). MALFORMED when a
 * parameter set runs past the end. */
int avc_config_parse(const uint8_t *p, size_t len, struct avc_config *c);
uint8_t *avc_config_put(uint8_t *p, uint8_t *end, const uint8_t *sps,
			size_t sps_len, const uint8_t *pps, size_t pps_len);

struct aac_config {
	uint8_t object_type; /* audioObjectType (2 = AAC LC) */
	uint8_t sr_index;
	uint32_t sample_rate;
	uint8_t channel_config;
};

/* AudioSpecificConfig (ISO 14496-3 1.6.2.1); sample rate index 15 (explicit
 * 24-bit rate) supported; reserved indexes 13/14 MALFORMED. */
int aac_config_parse(const uint8_t *p, size_t len, struct aac_config *c);
/* Two-byte AudioSpecificConfig. */
uint8_t *aac_config_put(uint8_t *p, uint8_t *end, uint8_t object_type,
			uint8_t sr_index, uint8_t channel_config);
/* Index -> Hz for the 13 standard rates, 0 otherwise. */
uint32_t aac_sample_rate(uint8_t sr_index);

#endif
