/*
 * Decode a tag once (tag header fields, codec configuration records) for
 * the listing, the check, the summary and the extraction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpflv.h"

void
df_describe(struct df_tag *t, const struct flv_event *ev)
{
	memset(t, 0, sizeof(*t));
	t->offset = ev->offset;
	t->tag = ev->tag;
	t->data = ev->data;
	t->cfg_rc = RTMP_OK;
	t->hdr_rc = RTMP_OK;
	if (t->tag.filter) {
		/* FLV 10.1 annex F: an EncryptionHeader and FilterParams come
		 * first and the rest is encrypted. */
		t->encrypted = 1;
		return;
	}
	if (t->tag.type == FLV_TAG_VIDEO) {
		const struct flv_video_info *vi = &t->vi;

		t->hdr_rc = flv_video_parse(t->data, t->tag.size, &t->vi);
		if (t->hdr_rc != RTMP_OK)
			return;
		if (vi->hdr_len <= t->tag.size) {
			t->cfg_p = t->data + vi->hdr_len;
			t->cfg_len = vi->payload_len;
			if (t->cfg_len > t->tag.size - vi->hdr_len)
				t->cfg_len = t->tag.size - vi->hdr_len;
		}
		t->is_frame =
		    !vi->is_seq_header && !vi->is_seq_end && !vi->is_command &&
		    !(vi->enhanced && vi->packet_type == FLV_VPT_METADATA);
		if (!vi->is_seq_header)
			return;
		if (vi->fourcc == FLV_FOURCC('a', 'v', 'c', '1')) {
			t->cfg = DF_CFG_AVC;
			t->cfg_rc =
			    avc_config_parse(t->cfg_p, t->cfg_len, &t->avc);
			if (t->cfg_rc == RTMP_OK && t->avc.nsps > 0 &&
			    t->avc.sps[0].len > 0)
				t->sps_ok = h264_sps_parse(t->avc.sps[0].p,
							   t->avc.sps[0].len,
							   &t->sps) == RTMP_OK;
		} else {
			t->cfg = DF_CFG_OTHER;
		}
	} else if (t->tag.type == FLV_TAG_AUDIO) {
		const struct flv_audio_info *ai = &t->ai;

		if (t->tag.size == 0) {
			/* An empty audio message is "silence" (enhanced-rtmp
			 * v2, AudioPacketType): nothing to decode. */
			t->hdr_rc = RTMP_OK;
			return;
		}
		t->hdr_rc = flv_audio_parse(t->data, t->tag.size, &t->ai);
		if (t->hdr_rc != RTMP_OK)
			return;
		if (ai->hdr_len <= t->tag.size) {
			t->cfg_p = t->data + ai->hdr_len;
			t->cfg_len = ai->payload_len;
			if (t->cfg_len > t->tag.size - ai->hdr_len)
				t->cfg_len = t->tag.size - ai->hdr_len;
		}
		t->is_frame = !ai->is_seq_header && !ai->is_seq_end &&
			      !(ai->enhanced &&
				ai->packet_type == FLV_APT_MULTICHANNEL_CONFIG);
		if (!ai->is_seq_header)
			return;
		if (ai->fourcc == FLV_FOURCC('m', 'p', '4', 'a')) {
			t->cfg = DF_CFG_AAC;
			t->cfg_rc =
			    aac_config_parse(t->cfg_p, t->cfg_len, &t->aac);
		} else {
			t->cfg = DF_CFG_OTHER;
		}
	}
}

const char *
df_tag_type_name(uint8_t type)
{
	switch (type) {
	case FLV_TAG_AUDIO:
		return "audio";
	case FLV_TAG_VIDEO:
		return "video";
	case FLV_TAG_SCRIPT:
		return "script";
	default:
		return "unknown";
	}
}

const char *
df_frame_type_name(uint8_t ft)
{
	static const char *const names[] = {
	    "reserved0", "key",	    "inter",	 "disposable",
	    "generated", "command", "reserved6", "reserved7"};

	return ft < 8 ? names[ft] : "reserved";
}

const char *
df_video_packet_name(const struct flv_video_info *vi)
{
	static const char *const ex[] = {
	    "sequence_start", "coded_frames", "sequence_end",
	    "coded_frames_x", "metadata",     "mpeg2ts_sequence_start",
	    "multitrack",     "modex"};

	if (vi->enhanced)
		return vi->packet_type < 8 ? ex[vi->packet_type] : "reserved";
	if (vi->codec_id != FLV_CODEC_AVC)
		return NULL;
	switch (vi->packet_type) {
	case 0:
		return "sequence_header";
	case 1:
		return "nalu";
	case 2:
		return "end_of_sequence";
	default:
		return "reserved";
	}
}

const char *
df_audio_packet_name(const struct flv_audio_info *ai)
{
	static const char *const ex[] = {
	    "sequence_start",	   "coded_frames", "sequence_end", "reserved3",
	    "multichannel_config", "multitrack",   "reserved6",	   "modex"};

	if (ai->enhanced)
		return ai->packet_type < 8 ? ex[ai->packet_type] : "reserved";
	if (ai->sound_format != 10)
		return NULL;
	return ai->packet_type == 0   ? "sequence_header"
	       : ai->packet_type == 1 ? "raw"
				      : "reserved";
}

static void
lower_copy(char buf[16], const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < 15; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a'
							   : s[i]);
	buf[i] = '\0';
}

const char *
df_video_codec(const struct flv_video_info *vi, char buf[16])
{
	char fcc[5];

	if (vi->fourcc != 0) {
		flv_fourcc_str(vi->fourcc, fcc);
		memcpy(buf, fcc, 5);
		return buf;
	}
	lower_copy(buf, flv_video_codec_name(vi->codec_id));
	return buf;
}

const char *
df_audio_codec(const struct flv_audio_info *ai, char buf[16])
{
	char fcc[5];

	if (ai->fourcc != 0) {
		flv_fourcc_str(ai->fourcc, fcc);
		memcpy(buf, fcc, 5);
		return buf;
	}
	lower_copy(buf, flv_sound_format_name(ai->sound_format));
	return buf;
}

const char *
df_avc_profile_name(uint8_t profile)
{
	switch (profile) {
	case 66:
		return "Baseline";
	case 77:
		return "Main";
	case 88:
		return "Extended";
	case 100:
		return "High";
	case 110:
		return "High10";
	case 122:
		return "High422";
	case 244:
		return "High444";
	default:
		return "other";
	}
}

const char *
df_aac_object_name(uint8_t ot)
{
	switch (ot) {
	case 1:
		return "Main";
	case 2:
		return "LC";
	case 3:
		return "SSR";
	case 4:
		return "LTP";
	case 5:
		return "HE";
	case 29:
		return "HEv2";
	default:
		return "other";
	}
}

void
df_fmt_time(char *buf, size_t n, uint64_t ms)
{
	snprintf(buf, n, "%llu:%02u:%02u.%03u",
		 (unsigned long long)(ms / 3600000),
		 (unsigned)(ms / 60000 % 60), (unsigned)(ms / 1000 % 60),
		 (unsigned)(ms % 1000));
}

void
df_fmt_double(char *buf, size_t n, double d)
{
	if (isnan(d) || isinf(d)) {
		snprintf(buf, n, "%s",
			 isnan(d) ? "nan"
			 : d > 0  ? "inf"
				  : "-inf");
		return;
	}
	snprintf(buf, n, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, n, "%.17g", d);
}
