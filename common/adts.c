/*
 * AAC ADTS framing (ISO 14496-3 1.A.2.2 adts_frame, 1.A.3.2 header fields)
 * and the AudioSpecificConfig of 1.6.2.1 that FLV and RTMP carry instead.
 */
#include "adts.h"
#include "bytes.h"

#define ADTS_CRC_SIZE		 2
#define ADTS_MAX_FRAME_LENGTH	 0x1fff /* 13-bit aac_frame_length */
#define ADTS_BUFFER_FULLNESS_VBR 0x7ff

/* sampling_frequency_index, 1.6.3.4 table 1.18; 13 and 14 are reserved. */
static const uint32_t adts_sample_rates[] = {
    96000, 88200, 64000, 48000, 44100, 32000, 24000,
    22050, 16000, 12000, 11025, 8000,  7350,
};
#define ADTS_SR_COUNT (sizeof(adts_sample_rates) / sizeof(adts_sample_rates[0]))

ssize_t
adts_parse(const uint8_t *p, size_t len, struct adts_header *h)
{
	size_t hlen, flen;

	/* Reject what the bytes at hand already rule out, however few. */
	if (len >= 1 && p[0] != 0xff)
		return RTMP_ERR_MALFORMED;
	if (len >= 2 && ((p[1] & 0xf0) != 0xf0 || (p[1] & 0x06) != 0))
		return RTMP_ERR_MALFORMED; /* syncword, layer '00' */
	if (len >= 3 && ((p[2] >> 2) & 0x0f) >= ADTS_SR_COUNT)
		return RTMP_ERR_MALFORMED;
	if (len < ADTS_HEADER_SIZE)
		return RTMP_ERR_NEED_MORE;

	hlen =
	    (p[1] & 0x01) ? ADTS_HEADER_SIZE : ADTS_HEADER_SIZE + ADTS_CRC_SIZE;
	flen = (size_t)(p[3] & 0x03) << 11 | (size_t)p[4] << 3 | p[5] >> 5;
	if (flen < hlen)
		return RTMP_ERR_MALFORMED;
	if (len < flen)
		return RTMP_ERR_NEED_MORE;

	h->mpeg_version = (p[1] >> 3) & 0x01;
	h->protection_absent = p[1] & 0x01;
	h->object_type = (uint8_t)((p[2] >> 6) + 1);
	h->sr_index = (p[2] >> 2) & 0x0f;
	h->sample_rate = adts_sample_rates[h->sr_index];
	h->channel_config = (uint8_t)((p[2] & 0x01) << 2 | p[3] >> 6);
	h->frame_length = (uint16_t)flen;
	h->header_len = (uint8_t)hlen;
	h->raw_blocks = (uint8_t)((p[6] & 0x03) + 1);
	return (ssize_t)flen;
}

size_t
adts_find_sync(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] == 0xff && (p[i + 1] & 0xf0) == 0xf0)
			return i;
	}
	/* A final 0xFF may be half a sync word cut by the read. */
	if (len > 0 && p[len - 1] == 0xff)
		return len - 1;
	return len;
}

uint8_t *
adts_to_asc(uint8_t *p, uint8_t *end, const struct adts_header *h)
{
	/*
	 * 1.6.2.1: audioObjectType (5), samplingFrequencyIndex (4),
	 * channelConfiguration (4), then GASpecificConfig's frameLengthFlag,
	 * dependsOnCoreCoder and extensionFlag, all 0 for ADTS input.
	 */
	if (h->object_type == 0 || h->object_type >= 31 ||
	    h->sr_index >= ADTS_SR_COUNT || h->channel_config > 15)
		return NULL;
	return put_be16(p, end,
			(uint16_t)(h->object_type << 11 | h->sr_index << 7 |
				   h->channel_config << 3));
}

uint8_t *
adts_header_put(uint8_t *p, uint8_t *end, uint8_t object_type, uint8_t sr_index,
		uint8_t channel_config, size_t raw_len)
{
	size_t flen;

	/* The 2-bit profile field holds object types 1..4 only. */
	if (object_type < 1 || object_type > 4 || sr_index >= ADTS_SR_COUNT ||
	    channel_config > 7 ||
	    raw_len > ADTS_MAX_FRAME_LENGTH - ADTS_HEADER_SIZE)
		return NULL;
	if (p == NULL || end - p < ADTS_HEADER_SIZE)
		return NULL;
	flen = raw_len + ADTS_HEADER_SIZE;
	p[0] = 0xff;
	p[1] = 0xf1; /* MPEG-4, layer 0, protection_absent */
	p[2] = (uint8_t)((object_type - 1) << 6 | sr_index << 2 |
			 channel_config >> 2);
	p[3] = (uint8_t)((channel_config & 0x03) << 6 | flen >> 11);
	p[4] = (uint8_t)(flen >> 3);
	p[5] = (uint8_t)((flen & 0x07) << 5 | ADTS_BUFFER_FULLNESS_VBR >> 6);
	/* number_of_raw_data_blocks_in_frame 0: one block */
	p[6] = (uint8_t)((ADTS_BUFFER_FULLNESS_VBR & 0x3f) << 2);
	return p + ADTS_HEADER_SIZE;
}
