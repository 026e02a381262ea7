/*
 * The built-in stream --publish sends: the simplest valid H.264 and AAC
 * that decoders accept, built in code so rtmpprobe needs no input file.
 *
 *   video: Baseline profile, level 1.0, 64x64, 25 fps (VUI timing), CAVLC.
 *          IDR frames carry every macroblock as I_PCM (ITU-T H.264 7.3.5:
 *          mb_type 25, then the raw samples: mid grey), P frames skip every
 *          macroblock (mb_skip_run = all). One IDR per second.
 *   audio: AAC LC, 44.1 kHz, mono; each frame is one single_channel_element
 *          with max_sfb 0 (no spectral data: silence), then ID_END
 *          (ISO 14496-3 4.4.2).
 *
 * The bit writer below belongs here (it only builds these constants); the
 * codec layer has readers, not writers, for these syntaxes.
 */
#include <string.h>

#include "amf0.h"
#include "bytes.h"
#include "flv.h"
#include "probe.h"
#include "rtmp_msg.h"

#define MB_W		   (SYNTH_WIDTH / 16)
#define MB_H		   (SYNTH_HEIGHT / 16)
#define PCM_BYTES	   384 /* 256 luma + 2 * 64 chroma samples (4:2:0) */
#define GREY		   0x80
#define LOG2_MAX_FRAME_NUM 4
#define AAC_FRAME_SAMPLES  1024

struct bitw {
	uint8_t *p;
	size_t cap, bits;
	int err;
};

static void
bw_put(struct bitw *b, unsigned n, uint32_t v)
{
	while (n-- > 0) {
		size_t byte = b->bits / 8;
		unsigned bit = (v >> n) & 1;

		if (byte >= b->cap) {
			b->err = 1;
			return;
		}
		if (b->bits % 8 == 0)
			b->p[byte] = 0;
		b->p[byte] |= (uint8_t)(bit << (7 - b->bits % 8));
		b->bits++;
	}
}

/* Exp-Golomb (7.2 ue(v), se(v)). */
static void
bw_ue(struct bitw *b, uint32_t v)
{
	uint64_t x = (uint64_t)v + 1;
	unsigned len = 0;

	while ((x >> (len + 1)) != 0)
		len++;
	bw_put(b, len, 0);
	bw_put(b, len + 1, (uint32_t)x);
}

static void
bw_se(struct bitw *b, int32_t v)
{
	bw_ue(b, v <= 0 ? (uint32_t)(-2 * (int64_t)v)
			: (uint32_t)(2 * (int64_t)v - 1));
}

static void
bw_align_zero(struct bitw *b)
{
	while (b->bits % 8)
		bw_put(b, 1, 0);
}

/* rbsp_trailing_bits (7.3.2.11). */
static void
bw_trailing(struct bitw *b)
{
	bw_put(b, 1, 1);
	bw_align_zero(b);
}

static size_t
bw_len(const struct bitw *b)
{
	return b->err ? 0 : (b->bits + 7) / 8;
}

/* NAL header byte + RBSP with emulation prevention bytes (7.4.1.1). */
static size_t
nal_put(uint8_t *out, size_t cap, uint8_t hdr, const uint8_t *rbsp, size_t n)
{
	size_t i, j = 0;
	unsigned zeros = 0;

	if (cap < 1 || n == 0)
		return 0;
	out[j++] = hdr;
	for (i = 0; i < n; i++) {
		if (zeros >= 2 && rbsp[i] <= 3) {
			if (j >= cap)
				return 0;
			out[j++] = 3;
			zeros = 0;
		}
		if (j >= cap)
			return 0;
		out[j++] = rbsp[i];
		zeros = rbsp[i] == 0 ? zeros + 1 : 0;
	}
	return j;
}

/* Sequence parameter set (7.3.2.1.1), with VUI timing (E.1.1). */
static size_t
make_sps(uint8_t *out, size_t cap)
{
	uint8_t rbsp[64];
	struct bitw b = {rbsp, sizeof(rbsp), 0, 0};

	bw_put(&b, 8, 66);   /* profile_idc: Baseline */
	bw_put(&b, 8, 0xC0); /* constraint_set0+1: Constrained Baseline */
	bw_put(&b, 8, 10);   /* level_idc 1.0 (99 macroblocks a frame) */
	bw_ue(&b, 0);	     /* seq_parameter_set_id */
	bw_ue(&b, LOG2_MAX_FRAME_NUM - 4);
	bw_ue(&b, 2);	     /* pic_order_cnt_type 2: output order = decode */
	bw_ue(&b, 1);	     /* max_num_ref_frames */
	bw_put(&b, 1, 0);    /* gaps_in_frame_num_value_allowed_flag */
	bw_ue(&b, MB_W - 1); /* pic_width_in_mbs_minus1 */
	bw_ue(&b, MB_H - 1); /* pic_height_in_map_units_minus1 */
	bw_put(&b, 1, 1);    /* frame_mbs_only_flag */
	bw_put(&b, 1, 1);    /* direct_8x8_inference_flag */
	bw_put(&b, 1, 0);    /* frame_cropping_flag */
	bw_put(&b, 1, 1);    /* vui_parameters_present_flag */
	bw_put(&b, 1, 0);    /* aspect_ratio_info_present_flag */
	bw_put(&b, 1, 0);    /* overscan_info_present_flag */
	bw_put(&b, 1, 0);    /* video_signal_type_present_flag */
	bw_put(&b, 1, 0);    /* chroma_loc_info_present_flag */
	bw_put(&b, 1, 1);    /* timing_info_present_flag */
	bw_put(&b, 32, 1);   /* num_units_in_tick */
	bw_put(&b, 32, 2 * SYNTH_FPS); /* time_scale: two ticks a frame */
	bw_put(&b, 1, 1);	       /* fixed_frame_rate_flag */
	bw_put(&b, 1, 0);	       /* nal_hrd_parameters_present_flag */
	bw_put(&b, 1, 0);	       /* vcl_hrd_parameters_present_flag */
	bw_put(&b, 1, 0);	       /* pic_struct_present_flag */
	bw_put(&b, 1, 0);	       /* bitstream_restriction_flag */
	bw_trailing(&b);
	return nal_put(out, cap, 0x67, rbsp, bw_len(&b));
}

/* Picture parameter set (7.3.2.2). */
static size_t
make_pps(uint8_t *out, size_t cap)
{
	uint8_t rbsp[16];
	struct bitw b = {rbsp, sizeof(rbsp), 0, 0};

	bw_ue(&b, 0);	  /* pic_parameter_set_id */
	bw_ue(&b, 0);	  /* seq_parameter_set_id */
	bw_put(&b, 1, 0); /* entropy_coding_mode_flag: CAVLC */
	bw_put(&b, 1, 0); /* bottom_field_pic_order_in_frame_present_flag */
	bw_ue(&b, 0);	  /* num_slice_groups_minus1 */
	bw_ue(&b, 0);	  /* num_ref_idx_l0_default_active_minus1 */
	bw_ue(&b, 0);	  /* num_ref_idx_l1_default_active_minus1 */
	bw_put(&b, 1, 0); /* weighted_pred_flag */
	bw_put(&b, 2, 0); /* weighted_bipred_idc */
	bw_se(&b, 0);	  /* pic_init_qp_minus26 */
	bw_se(&b, 0);	  /* pic_init_qs_minus26 */
	bw_se(&b, 0);	  /* chroma_qp_index_offset */
	bw_put(&b, 1, 0); /* deblocking_filter_control_present_flag */
	bw_put(&b, 1, 0); /* constrained_intra_pred_flag */
	bw_put(&b, 1, 0); /* redundant_pic_cnt_present_flag */
	bw_trailing(&b);
	return nal_put(out, cap, 0x68, rbsp, bw_len(&b));
}

/* An IDR slice (7.3.3) of I_PCM macroblocks (7.3.5). */
static size_t
make_idr(uint8_t *out, size_t cap, unsigned idr_id)
{
	uint8_t rbsp[64 + MB_W * MB_H * (PCM_BYTES + 2)];
	struct bitw b = {rbsp, sizeof(rbsp), 0, 0};
	unsigned mb, i;

	bw_ue(&b, 0);			   /* first_mb_in_slice */
	bw_ue(&b, 7);			   /* slice_type: I, all slices */
	bw_ue(&b, 0);			   /* pic_parameter_set_id */
	bw_put(&b, LOG2_MAX_FRAME_NUM, 0); /* frame_num */
	bw_ue(&b, idr_id & 1);		   /* idr_pic_id: differs in a row */
	bw_put(&b, 1, 0);		   /* no_output_of_prior_pics_flag */
	bw_put(&b, 1, 0);		   /* long_term_reference_flag */
	bw_se(&b, 0);			   /* slice_qp_delta */
	for (mb = 0; mb < MB_W * MB_H; mb++) {
		bw_ue(&b, 25); /* mb_type I_PCM */
		bw_align_zero(&b);
		for (i = 0; i < PCM_BYTES; i++)
			bw_put(&b, 8, GREY);
	}
	bw_trailing(&b);
	return nal_put(out, cap, 0x65, rbsp, bw_len(&b));
}

/* A P slice that skips every macroblock: the previous picture again. */
static size_t
make_p(uint8_t *out, size_t cap, unsigned frame_num)
{
	uint8_t rbsp[32];
	struct bitw b = {rbsp, sizeof(rbsp), 0, 0};

	bw_ue(&b, 0); /* first_mb_in_slice */
	bw_ue(&b, 5); /* slice_type: P, all slices */
	bw_ue(&b, 0); /* pic_parameter_set_id */
	bw_put(&b, LOG2_MAX_FRAME_NUM,
	       frame_num & ((1u << LOG2_MAX_FRAME_NUM) - 1));
	bw_put(&b, 1, 0);	/* num_ref_idx_active_override_flag */
	bw_put(&b, 1, 0);	/* ref_pic_list_modification_flag_l0 */
	bw_put(&b, 1, 0);	/* adaptive_ref_pic_marking_mode_flag */
	bw_se(&b, 0);		/* slice_qp_delta */
	bw_ue(&b, MB_W * MB_H); /* mb_skip_run */
	bw_trailing(&b);
	return nal_put(out, cap, 0x41, rbsp, bw_len(&b));
}

/* A silent AAC LC raw_data_block, mono (ISO 14496-3 4.4.2.1, 4.4.2.7). */
static size_t
make_aac_frame(uint8_t *out, size_t cap)
{
	struct bitw b = {out, cap, 0, 0};

	bw_put(&b, 3, 0);   /* id_syn_ele: ID_SCE */
	bw_put(&b, 4, 0);   /* element_instance_tag */
	bw_put(&b, 8, 100); /* global_gain */
	bw_put(&b, 1, 0);   /* ics_reserved_bit */
	bw_put(&b, 2, 0);   /* window_sequence: ONLY_LONG_SEQUENCE */
	bw_put(&b, 1, 0);   /* window_shape */
	bw_put(&b, 6, 0);   /* max_sfb: no bands, no spectral data */
	bw_put(&b, 1, 0);   /* predictor_data_present */
	bw_put(&b, 1, 0);   /* pulse_data_present */
	bw_put(&b, 1, 0);   /* tns_data_present */
	bw_put(&b, 1, 0);   /* gain_control_data_present */
	bw_put(&b, 3, 7);   /* id_syn_ele: ID_END */
	bw_align_zero(&b);
	return bw_len(&b);
}

static size_t
metadata(uint8_t *buf, size_t cap)
{
	uint8_t *p = buf, *end = buf + cap;

	p = rtmp_build_setdataframe_prefix(p, end);
	p = amf0_put_cstr(p, end, "onMetaData");
	p = amf0_put_ecma_begin(p, end, 10);
	p = amf0_put_prop_number(p, end, "duration", 0);
	p = amf0_put_prop_number(p, end, "width", SYNTH_WIDTH);
	p = amf0_put_prop_number(p, end, "height", SYNTH_HEIGHT);
	p = amf0_put_prop_number(p, end, "framerate", SYNTH_FPS);
	p = amf0_put_prop_number(p, end, "videocodecid", FLV_CODEC_AVC);
	p = amf0_put_prop_number(p, end, "audiocodecid", 10);
	p = amf0_put_prop_number(p, end, "audiosamplerate", SYNTH_RATE);
	p = amf0_put_prop_number(p, end, "audiosamplesize", 16);
	p = amf0_put_prop_bool(p, end, "stereo", 0);
	p = amf0_put_prop_cstr(p, end, "encoder", "rtmpprobe (rtmpkit)");
	p = amf0_put_object_end(p, end);
	return p ? (size_t)(p - buf) : 0;
}

/* FLV VIDEODATA for AVC (E.4.3.1): frame type + codec 7, packet type,
 * composition time 0. */
static uint8_t *
avc_tag_header(uint8_t *p, uint8_t *end, int key, uint8_t packet_type)
{
	p = put_u8(p, end,
		   (uint8_t)((key ? FLV_FRAME_KEY : FLV_FRAME_INTER) << 4 |
			     FLV_CODEC_AVC));
	p = put_u8(p, end, packet_type);
	return put_be24(p, end, 0);
}

/* AUDIODATA for AAC (E.4.2.1): format 10, 44 kHz, 16-bit, and the
 * "stereo" bit the spec requires for AAC whatever the channels. */
#define AAC_TAG_BYTE 0xAF

size_t
synth_next(struct synth *s, uint8_t *type, uint32_t *ts, uint8_t *buf,
	   size_t cap, int *is_frame)
{
	/* Emulation prevention adds at most one byte in three. */
	uint8_t nal[128 + MB_W * MB_H * (PCM_BYTES + 2) * 3 / 2];
	uint8_t sps[64], pps[16];
	uint8_t *p = buf, *end = buf + cap;
	size_t n, sn, pn;
	uint64_t vts, ats;

	*is_frame = 0;
	*ts = 0;
	switch (s->stage) {
	case 0:
		s->stage++;
		*type = RTMP_MSG_DATA_AMF0;
		return metadata(buf, cap);
	case 1:
		s->stage++;
		*type = RTMP_MSG_VIDEO;
		sn = make_sps(sps, sizeof(sps));
		pn = make_pps(pps, sizeof(pps));
		if (sn == 0 || pn == 0)
			return 0;
		p = avc_tag_header(p, end, 1, 0);
		p = avc_config_put(p, end, sps, sn, pps, pn);
		return p ? (size_t)(p - buf) : 0;
	case 2:
		s->stage++;
		*type = RTMP_MSG_AUDIO;
		p = put_u8(p, end, AAC_TAG_BYTE);
		p = put_u8(p, end, 0); /* AACPacketType: sequence header */
		p = aac_config_put(p, end, 2, 4, 1); /* LC, 44100 Hz, mono */
		return p ? (size_t)(p - buf) : 0;
	}
	/* Frames, interleaved by timestamp; video first on a tie. */
	*is_frame = 1;
	vts = s->video * 1000 / SYNTH_FPS;
	ats = s->audio * AAC_FRAME_SAMPLES * 1000 / SYNTH_RATE;
	if (vts <= ats) {
		int key = s->video % SYNTH_GOP == 0;

		*type = RTMP_MSG_VIDEO;
		*ts = (uint32_t)vts;
		n = key ? make_idr(nal, sizeof(nal), s->idr_id++)
			: make_p(nal, sizeof(nal),
				 (unsigned)(s->video % SYNTH_GOP));
		s->video++;
		if (n == 0)
			return 0;
		p = avc_tag_header(p, end, key, 1);
		p = put_be32(p, end, (uint32_t)n); /* NAL length (4 bytes) */
		p = put_bytes(p, end, nal, n);
		return p ? (size_t)(p - buf) : 0;
	}
	*type = RTMP_MSG_AUDIO;
	*ts = (uint32_t)ats;
	s->audio++;
	p = put_u8(p, end, AAC_TAG_BYTE);
	p = put_u8(p, end, 1); /* AACPacketType: raw */
	if (p == NULL || (n = make_aac_frame(p, (size_t)(end - p))) == 0)
		return 0;
	return (size_t)(p - buf) + n;
}
