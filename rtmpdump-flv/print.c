/*
 * The listing: one line per tag (text or JSON), problems and resyncs where
 * they happen, and --hexdump. Column layout and JSON keys are documented in
 * rtmpdump-flv(1), OUTPUT FORMAT; keep them stable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dumpflv.h"

static const char *const sev_names[] = {"note", "warning", "error"};

void
df_problem(struct df_ctx *c, uint64_t offset, enum df_severity sev,
	   const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	df_progress_clear();
	if (sev == DF_ERROR)
		c->errors++;
	else if (sev == DF_WARNING)
		c->warnings++;
	/* The listing shows problems inline; --check lists them; a summary
	 * alone only counts them. */
	if (!c->o.list && !c->o.check) {
		/* Extraction: say on stderr why the result is short. */
		if (c->ex != NULL && !c->o.quiet)
			fprintf(stderr, "%s: %s: offset %llu: %s: %s: %s\n",
				cli_prog(), c->name, (unsigned long long)offset,
				sev_names[sev], code, msg);
		return;
	}
	if (c->o.check && c->o.quiet)
		return;
	if (c->o.json) {
		fprintf(
		    c->out,
		    "{\"event\":\"problem\",\"offset\":%llu,\"severity\":\"%s\","
		    "\"code\":\"%s\",\"message\":",
		    (unsigned long long)offset, sev_names[sev], code);
		json_put_cstr(c->out, msg);
		fputs("}\n", c->out);
	} else if (c->o.check && !c->o.list) {
		fprintf(c->out, "%s: offset %llu: %s: %s: %s\n", c->name,
			(unsigned long long)offset, sev_names[sev], code, msg);
	} else {
		fprintf(c->out, "%12llu  %-7s %s: %s\n",
			(unsigned long long)offset, sev_names[sev], code, msg);
	}
}

void
df_print_header(struct df_ctx *c, const struct flv_event *ev)
{
	const struct flv_header *h = &ev->header;

	if (!c->o.list)
		return;
	if (c->o.json) {
		fprintf(c->out,
			"{\"event\":\"header\",\"offset\":%llu,\"version\":%u,"
			"\"flags\":%u,\"audio\":%s,\"video\":%s,"
			"\"data_offset\":%lu}\n",
			(unsigned long long)ev->offset, h->version, h->flags,
			h->flags & FLV_FLAG_AUDIO ? "true" : "false",
			h->flags & FLV_FLAG_VIDEO ? "true" : "false",
			(unsigned long)h->data_offset);
		return;
	}
	fprintf(c->out, "%12s  %-6s %10s  %-12s %8s  %s\n", "offset", "type",
		"timestamp", "time", "size", "details");
	fprintf(c->out,
		"%12llu  %-6s %10s  %-12s %8u  version=%u flags=0x%02x%s%s "
		"data_offset=%lu\n",
		(unsigned long long)ev->offset, "header", "-", "-",
		(unsigned)FLV_HEADER_SIZE, h->version, h->flags,
		h->flags & FLV_FLAG_AUDIO ? " audio" : "",
		h->flags & FLV_FLAG_VIDEO ? " video" : "",
		(unsigned long)h->data_offset);
}

void
df_print_resync(struct df_ctx *c, const struct flv_event *ev)
{
	if (!c->o.list && !(c->o.check && !c->o.quiet))
		return;
	if (c->o.json) {
		fprintf(
		    c->out,
		    "{\"event\":\"resync\",\"offset\":%llu,\"skipped\":%llu}\n",
		    (unsigned long long)ev->offset,
		    (unsigned long long)ev->skipped);
	} else if (c->o.check && !c->o.list) {
		fprintf(c->out,
			"%s: offset %llu: note: resync: skipped %llu bytes to "
			"the next tag\n",
			c->name, (unsigned long long)ev->offset,
			(unsigned long long)ev->skipped);
	} else {
		fprintf(c->out,
			"%12llu  %-7s skipped %llu bytes to the next tag\n",
			(unsigned long long)ev->offset, "resync",
			(unsigned long long)ev->skipped);
	}
}

static size_t
hex_bytes(const struct df_ctx *c)
{
	return c->o.verbose >= 2 ? 256 : c->o.verbose == 1 ? 64 : DF_HEX_BYTES;
}

static void
print_hexdump(struct df_ctx *c, const struct df_tag *t)
{
	size_t n = t->tag.size, i, j;

	if (n > hex_bytes(c))
		n = hex_bytes(c);
	for (i = 0; i < n; i += 16) {
		fprintf(
		    c->out, "%12llu  ",
		    (unsigned long long)(t->offset + FLV_TAG_HEADER_SIZE + i));
		for (j = 0; j < 16; j++) {
			if (i + j < n)
				fprintf(c->out, "%02x ", t->data[i + j]);
			else
				fputs("   ", c->out);
			if (j == 7)
				fputc(' ', c->out);
		}
		fputs(" |", c->out);
		for (j = 0; j < 16 && i + j < n; j++) {
			uint8_t ch = t->data[i + j];

			fputc(ch >= 0x20 && ch < 0x7f ? ch : '.', c->out);
		}
		fputs("|\n", c->out);
	}
	if (t->tag.size > n)
		fprintf(c->out, "%12s  ... %llu more bytes\n", "",
			(unsigned long long)(t->tag.size - n));
}

/* ---- text details ---------------------------------------------------- */

static void
text_config(struct df_ctx *c, const struct df_tag *t)
{
	FILE *fp = c->out;
	char fcc[5];

	if (t->cfg == DF_CFG_AVC) {
		if (t->cfg_rc != RTMP_OK) {
			fprintf(fp, " config_error=\"%s\"",
				rtmp_strerror(t->cfg_rc));
			return;
		}
		fprintf(fp, " avc_profile=%s(%u) avc_level=%u.%u",
			df_avc_profile_name(t->avc.profile), t->avc.profile,
			t->avc.level / 10, t->avc.level % 10);
		if (t->avc.width > 0)
			fprintf(fp, " resolution=%ux%u", t->avc.width,
				t->avc.height);
		if (t->sps_ok && h264_sps_fps(&t->sps) > 0)
			fprintf(fp, " fps=%g", h264_sps_fps(&t->sps));
		fprintf(fp, " sps=%u pps=%u nal_length_size=%u", t->avc.nsps,
			t->avc.npps, t->avc.nal_length_size);
	} else if (t->cfg == DF_CFG_AAC) {
		if (t->cfg_rc != RTMP_OK) {
			fprintf(fp, " config_error=\"%s\"",
				rtmp_strerror(t->cfg_rc));
			return;
		}
		fprintf(fp, " aac_object=%s(%u) aac_rate=%lu aac_channels=%u",
			df_aac_object_name(t->aac.object_type),
			t->aac.object_type, (unsigned long)t->aac.sample_rate,
			t->aac.channel_config);
	} else if (t->cfg == DF_CFG_OTHER) {
		uint32_t fourcc =
		    t->tag.type == FLV_TAG_VIDEO ? t->vi.fourcc : t->ai.fourcc;

		fprintf(fp, " config=%s config_size=%zu",
			flv_fourcc_str(fourcc, fcc), t->cfg_len);
	}
}

static void
text_multitrack(FILE *fp, int multitrack, uint8_t type, uint8_t track)
{
	static const char *const mt[] = {"one", "many", "many_codecs"};

	if (!multitrack)
		return;
	fprintf(fp, " multitrack=%s track=%u", type < 3 ? mt[type] : "reserved",
		track);
}

/* Coded frames of the codecs that carry a CompositionTime (FLV E.4.3.1,
 * enhanced-rtmp v2 ExVideoTagBody). */
static int
has_cts(const struct flv_video_info *vi)
{
	if (vi->is_seq_header || vi->is_seq_end)
		return 0;
	return vi->fourcc == FLV_FOURCC('a', 'v', 'c', '1') ||
	       vi->fourcc == FLV_FOURCC('h', 'v', 'c', '1') ||
	       vi->fourcc == FLV_FOURCC('v', 'v', 'c', '1');
}

static void
text_video(struct df_ctx *c, const struct df_tag *t)
{
	const struct flv_video_info *vi = &t->vi;
	const char *pk = df_video_packet_name(vi);
	char codec[16];

	fprintf(c->out, "  frame=%s codec=%s",
		df_frame_type_name(vi->frame_type), df_video_codec(vi, codec));
	if (vi->enhanced)
		fputs(" enhanced", c->out);
	else
		fprintf(c->out, " codec_id=%u", vi->codec_id);
	if (pk != NULL)
		fprintf(c->out, " packet=%s", pk);
	text_multitrack(c->out, vi->multitrack, vi->multitrack_type,
			vi->track_id);
	if (vi->is_command)
		fprintf(c->out, " command=%u", vi->command);
	else if (has_cts(vi))
		fprintf(c->out, " cts=%ld", (long)vi->cts);
	text_config(c, t);
}

static void
text_audio(struct df_ctx *c, const struct df_tag *t)
{
	const struct flv_audio_info *ai = &t->ai;
	const char *pk = df_audio_packet_name(ai);
	char codec[16];

	if (t->tag.size == 0) {
		fputs("  silence", c->out);
		return;
	}
	fprintf(c->out, "  codec=%s", df_audio_codec(ai, codec));
	if (ai->enhanced)
		fputs(" enhanced", c->out);
	else
		fprintf(c->out, " format=%u rate=%u bits=%u channels=%u",
			ai->sound_format, flv_sound_rate_hz(ai->rate),
			ai->size ? 16 : 8, ai->channels ? 2 : 1);
	if (pk != NULL)
		fprintf(c->out, " packet=%s", pk);
	text_multitrack(c->out, ai->multitrack, ai->multitrack_type,
			ai->track_id);
	text_config(c, t);
}

/* ---- JSON details ---------------------------------------------------- */

static void
json_config(struct df_ctx *c, const struct df_tag *t)
{
	FILE *fp = c->out;
	char fcc[5];

	fputs(",\"config\":", fp);
	if (t->cfg == DF_CFG_NONE) {
		fputs("null", fp);
		return;
	}
	if (t->cfg_rc != RTMP_OK) {
		fprintf(fp, "{\"kind\":\"%s\",\"size\":%zu,\"error\":",
			t->cfg == DF_CFG_AVC ? "avc" : "aac", t->cfg_len);
		json_put_cstr(fp, rtmp_strerror(t->cfg_rc));
		fputc('}', fp);
		return;
	}
	if (t->cfg == DF_CFG_AVC) {
		double fps = t->sps_ok ? h264_sps_fps(&t->sps) : 0;
		char num[40];

		df_fmt_double(num, sizeof(num), fps);
		fprintf(fp,
			"{\"kind\":\"avc\",\"size\":%zu,\"error\":null,"
			"\"profile\":%u,\"profile_name\":\"%s\",\"level\":%u,"
			"\"width\":%u,\"height\":%u,\"fps\":%s,\"sps\":%u,"
			"\"pps\":%u,\"nal_length_size\":%u}",
			t->cfg_len, t->avc.profile,
			df_avc_profile_name(t->avc.profile), t->avc.level,
			t->avc.width, t->avc.height, fps > 0 ? num : "null",
			t->avc.nsps, t->avc.npps, t->avc.nal_length_size);
	} else if (t->cfg == DF_CFG_AAC) {
		fprintf(fp,
			"{\"kind\":\"aac\",\"size\":%zu,\"error\":null,"
			"\"object_type\":%u,\"object_name\":\"%s\","
			"\"sample_rate\":%lu,\"channels\":%u}",
			t->cfg_len, t->aac.object_type,
			df_aac_object_name(t->aac.object_type),
			(unsigned long)t->aac.sample_rate,
			t->aac.channel_config);
	} else {
		uint32_t fourcc =
		    t->tag.type == FLV_TAG_VIDEO ? t->vi.fourcc : t->ai.fourcc;

		fputs("{\"kind\":", fp);
		json_put_cstr(fp, flv_fourcc_str(fourcc, fcc));
		fprintf(fp, ",\"size\":%zu,\"error\":null}", t->cfg_len);
	}
}

static void
json_multitrack(FILE *fp, int multitrack, uint8_t type, uint8_t track)
{
	if (multitrack)
		fprintf(fp,
			",\"multitrack\":true,\"multitrack_type\":%u,"
			"\"track_id\":%u",
			type, track);
	else
		fputs(",\"multitrack\":false,\"multitrack_type\":null,"
		      "\"track_id\":null",
		      fp);
}

static void
json_opt_str(FILE *fp, const char *key, const char *s)
{
	fprintf(fp, ",\"%s\":", key);
	if (s != NULL)
		json_put_cstr(fp, s);
	else
		fputs("null", fp);
}

static void
json_video(struct df_ctx *c, const struct df_tag *t)
{
	FILE *fp = c->out;
	const struct flv_video_info *vi = &t->vi;
	char codec[16], fcc[5];

	fprintf(fp, ",\"enhanced\":%s,\"frame_type\":%u,\"frame\":\"%s\"",
		vi->enhanced ? "true" : "false", vi->frame_type,
		df_frame_type_name(vi->frame_type));
	json_opt_str(fp, "codec", df_video_codec(vi, codec));
	if (vi->enhanced)
		fputs(",\"codec_id\":null", fp);
	else
		fprintf(fp, ",\"codec_id\":%u", vi->codec_id);
	json_opt_str(fp, "fourcc",
		     vi->fourcc ? flv_fourcc_str(vi->fourcc, fcc) : NULL);
	if (df_video_packet_name(vi) != NULL)
		fprintf(fp, ",\"packet_type\":%u", vi->packet_type);
	else
		fputs(",\"packet_type\":null", fp);
	json_opt_str(fp, "packet", df_video_packet_name(vi));
	if (has_cts(vi))
		fprintf(fp, ",\"cts\":%ld", (long)vi->cts);
	else
		fputs(",\"cts\":null", fp);
	if (vi->is_command)
		fprintf(fp, ",\"command\":%u", vi->command);
	else
		fputs(",\"command\":null", fp);
	fprintf(fp, ",\"keyframe\":%s,\"sequence_header\":%s",
		vi->is_keyframe ? "true" : "false",
		vi->is_seq_header ? "true" : "false");
	json_multitrack(fp, vi->multitrack, vi->multitrack_type, vi->track_id);
	json_config(c, t);
}

static void
json_audio(struct df_ctx *c, const struct df_tag *t)
{
	FILE *fp = c->out;
	const struct flv_audio_info *ai = &t->ai;
	char codec[16], fcc[5];

	if (t->tag.size == 0) {
		fputs(",\"silence\":true", fp);
		return;
	}
	fprintf(fp, ",\"silence\":false,\"enhanced\":%s,\"sound_format\":%u",
		ai->enhanced ? "true" : "false", ai->sound_format);
	json_opt_str(fp, "codec", df_audio_codec(ai, codec));
	json_opt_str(fp, "fourcc",
		     ai->fourcc ? flv_fourcc_str(ai->fourcc, fcc) : NULL);
	if (ai->enhanced)
		fputs(",\"rate\":null,\"bits\":null,\"channels\":null", fp);
	else
		fprintf(fp, ",\"rate\":%u,\"bits\":%u,\"channels\":%u",
			flv_sound_rate_hz(ai->rate), ai->size ? 16 : 8,
			ai->channels ? 2 : 1);
	if (df_audio_packet_name(ai) != NULL)
		fprintf(fp, ",\"packet_type\":%u", ai->packet_type);
	else
		fputs(",\"packet_type\":null", fp);
	json_opt_str(fp, "packet", df_audio_packet_name(ai));
	fprintf(fp, ",\"sequence_header\":%s",
		ai->is_seq_header ? "true" : "false");
	json_multitrack(fp, ai->multitrack, ai->multitrack_type, ai->track_id);
	json_config(c, t);
}

static void
json_hex(struct df_ctx *c, const struct df_tag *t)
{
	size_t n = t->tag.size, i;

	if (n > hex_bytes(c))
		n = hex_bytes(c);
	fputs(",\"hex\":\"", c->out);
	for (i = 0; i < n; i++)
		fprintf(c->out, "%02x", t->data[i]);
	fputc('"', c->out);
}

void
df_print_tag(struct df_ctx *c, const struct df_tag *t)
{
	FILE *fp = c->out;
	char tbuf[32];

	if (!c->o.list)
		return;
	df_fmt_time(tbuf, sizeof(tbuf), t->tag.timestamp);
	if (c->o.json) {
		fprintf(fp,
			"{\"event\":\"tag\",\"offset\":%llu,\"type\":\"%s\","
			"\"tag_type\":%u,\"timestamp\":%lu,\"time\":\"%s\","
			"\"size\":%lu",
			(unsigned long long)t->offset,
			df_tag_type_name(t->tag.type), t->tag.type,
			(unsigned long)t->tag.timestamp, tbuf,
			(unsigned long)t->tag.size);
		if ((t->tag.type == FLV_TAG_VIDEO ||
		     t->tag.type == FLV_TAG_AUDIO) &&
		    t->hdr_rc != RTMP_OK) {
			fputs(",\"error\":", fp);
			json_put_cstr(fp, rtmp_strerror(t->hdr_rc));
		} else if (t->encrypted) {
			fputs(",\"encrypted\":true", fp);
		} else if (t->tag.type == FLV_TAG_VIDEO) {
			json_video(c, t);
		} else if (t->tag.type == FLV_TAG_AUDIO) {
			json_audio(c, t);
		} else if (t->tag.type == FLV_TAG_SCRIPT) {
			df_amf_json(c, t);
		}
		if (c->o.hexdump)
			json_hex(c, t);
		fputs("}\n", fp);
		return;
	}
	fprintf(fp, "%12llu  %-6s %10lu  %-12s %8lu",
		(unsigned long long)t->offset, df_tag_type_name(t->tag.type),
		(unsigned long)t->tag.timestamp, tbuf,
		(unsigned long)t->tag.size);
	if ((t->tag.type == FLV_TAG_VIDEO || t->tag.type == FLV_TAG_AUDIO) &&
	    t->hdr_rc != RTMP_OK) {
		fprintf(fp, "  undecodable header: %s\n",
			rtmp_strerror(t->hdr_rc));
	} else if (t->encrypted) {
		fputs("  encrypted\n", fp);
	} else if (t->tag.type == FLV_TAG_VIDEO) {
		text_video(c, t);
		fputc('\n', fp);
	} else if (t->tag.type == FLV_TAG_AUDIO) {
		text_audio(c, t);
		fputc('\n', fp);
	} else if (t->tag.type == FLV_TAG_SCRIPT) {
		df_amf_text(c, t);
	} else {
		fprintf(fp, "  tag_type=%u\n", t->tag.type);
	}
	if (c->o.hexdump)
		print_hexdump(c, t);
}
