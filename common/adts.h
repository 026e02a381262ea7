/*
 * AAC ADTS framing (ISO 14496-3 1.A.2), no I/O: header fields, the raw frame
 * after the header, and the AudioSpecificConfig it implies. Every frame holds
 * 1024 samples per raw data block.
 */
#ifndef RTMP_ADTS_H
#define RTMP_ADTS_H

#include "rtmp_err.h"

#define ADTS_HEADER_SIZE       7
#define ADTS_SAMPLES_PER_FRAME 1024

struct adts_header {
	uint8_t mpeg_version; /* 0 MPEG-4, 1 MPEG-2 */
	uint8_t protection_absent;
	uint8_t object_type; /* profile + 1 (2 = AAC LC) */
	uint8_t sr_index;
	uint32_t sample_rate;
	uint8_t channel_config;
	uint16_t frame_length; /* header included */
	uint8_t header_len;    /* 7, or 9 with CRC */
	uint8_t raw_blocks;    /* number_of_raw_data_blocks_in_frame + 1 */
};

/*
 * Parse the frame at p. Returns its frame_length when the whole frame is in
 * the buffer, NEED_MORE when not (nothing consumed), MALFORMED for a bad
 * sync word, a layer other than 0, a reserved sample rate index, or a frame
 * length shorter than its header.
 */
ssize_t adts_parse(const uint8_t *p, size_t len, struct adts_header *h);

/* Offset of the next 0xFFF sync word at or after p, or len. A 0xFF in the
 * last byte counts: the next read may complete the sync word. */
size_t adts_find_sync(const uint8_t *p, size_t len);

/* Two-byte AudioSpecificConfig for a parsed header. */
uint8_t *adts_to_asc(uint8_t *p, uint8_t *end, const struct adts_header *h);

/* A 7-byte ADTS header for a raw frame of len bytes (for extraction). */
uint8_t *adts_header_put(uint8_t *p, uint8_t *end, uint8_t object_type,
			 uint8_t sr_index, uint8_t channel_config,
			 size_t raw_len);

#endif
