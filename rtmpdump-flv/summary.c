/*
 * --summary: counters only (constant memory whatever the file size).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dumpflv.h"

/* One stream's duration: first to last timestamp plus the last frame's own
 * duration, estimated by the last interval. */
double
df_stream_ms(const struct df_media_stats *m)
{
	if (!m->have_ts)
		return 0;
	return (double)(m->last_ts - m->first_ts) + m->last_delta;
}

double
df_duration_ms(const struct df_ctx *c)
{
	double start = 0, end = 0;
	int any = 0;
	const struct df_media_stats *ms[2] = {&c->v, &c->a};
	int i;

	for (i = 0; i < 2; i++) {
		const struct df_media_stats *m = ms[i];
		double s, e;

		if (!m->have_ts)
			continue;
		s = m->first_ts;
		e = (double)m->last_ts + m->last_delta;
		if (!any || s < start)
			start = s;
		if (!any || e > end)
			end = e;
		any = 1;
	}
	return any ? end - start : 0;
}

void
df_summary_tag(struct df_ctx *c, const struct df_tag *t)
{
	c->n_tags++;
	if (t->tag.type == FLV_TAG_SCRIPT) {
		c->n_script++;
		return;
	}
	if (t->tag.type != FLV_TAG_VIDEO && t->tag.type != FLV_TAG_AUDIO) {
		c->n_other++;
		return;
	}
	if (t->tag.type == FLV_TAG_AUDIO) {
		c->a.tags++;
		if (t->hdr_rc != RTMP_OK)
			return;
		if (t->ai.is_seq_header)
			c->a.configs++;
		if (t->is_frame && t->tag.size > 0) {
			c->a.frames++;
			c->a.bytes += t->tag.size;
		}
		return;
	}
	c->v.tags++;
	if (t->hdr_rc != RTMP_OK)
		return;
	if (t->vi.is_seq_header)
		c->v.configs++;
	if (!t->is_frame)
		return;
	c->v.frames++;
	c->v.bytes += t->tag.size;
	if (t->vi.frame_type != FLV_FRAME_KEY)
		return;
	c->keyframes++;
	if (c->have_key && t->tag.timestamp >= c->last_key_ts) {
		uint32_t d = t->tag.timestamp - c->last_key_ts;

		if (c->key_intervals == 0 || d < c->key_min)
			c->key_min = d;
		if (c->key_intervals == 0 || d > c->key_max)
			c->key_max = d;
		c->key_sum += d;
		c->key_intervals++;
	}
	c->have_key = 1;
	c->last_key_ts = t->tag.timestamp;
}

static double
rate_bps(const struct df_media_stats *m)
{
	double ms = df_stream_ms(m);

	return ms > 0 ? (double)m->bytes * 8000.0 / ms : 0;
}

static double
fps(const struct df_media_stats *m)
{
	double ms = df_stream_ms(m);

	return ms > 0 ? (double)m->frames * 1000.0 / ms : 0;
}

static void
max_gap(const struct df_ctx *c, uint32_t *gap, uint64_t *off)
{
	*gap = c->v.max_gap;
	*off = c->v.max_gap_offset;
	if (c->a.max_gap > *gap) {
		*gap = c->a.max_gap;
		*off = c->a.max_gap_offset;
	}
}

static void
json_num_or_null(FILE *fp, const char *key, double v, int have)
{
	char num[40];

	df_fmt_double(num, sizeof(num), v);
	fprintf(fp, ",\"%s\":%s", key, have ? num : "null");
}

static void
json_codecs(FILE *fp, const char *key, const struct df_media_stats *m)
{
	unsigned i;

	fprintf(fp, ",\"%s\":[", key);
	for (i = 0; i < m->ncodecs; i++) {
		if (i > 0)
			fputc(',', fp);
		json_put_cstr(fp, m->codecs[i]);
	}
	fputc(']', fp);
}

static void
text_codecs(FILE *fp, const struct df_media_stats *m)
{
	unsigned i;

	for (i = 0; i < m->ncodecs; i++)
		fprintf(fp, "%s%s", i > 0 ? "+" : "", m->codecs[i]);
}

static void
summary_json(struct df_ctx *c)
{
	FILE *fp = c->out;
	double dur = df_duration_ms(c);
	uint32_t gap;
	uint64_t gap_off;
	char tbuf[32];

	max_gap(c, &gap, &gap_off);
	df_fmt_time(tbuf, sizeof(tbuf), (uint64_t)(dur + 0.5));
	fputs("{\"event\":\"summary\",\"file\":", fp);
	json_put_cstr(fp, c->name);
	fprintf(fp,
		",\"bytes\":%llu,\"tag_bytes\":%llu,\"unaccounted_bytes\":%llu,"
		"\"duration_ms\":%.0f,\"duration\":\"%s\",\"tags\":%llu,"
		"\"video_tags\":%llu,\"audio_tags\":%llu,\"script_tags\":%llu,"
		"\"other_tags\":%llu",
		(unsigned long long)c->end_offset,
		(unsigned long long)c->tags_bytes,
		(unsigned long long)(c->end_offset > c->tags_bytes
					 ? c->end_offset - c->tags_bytes
					 : 0),
		dur, tbuf, (unsigned long long)c->n_tags,
		(unsigned long long)c->v.tags, (unsigned long long)c->a.tags,
		(unsigned long long)c->n_script,
		(unsigned long long)c->n_other);
	fputs(",\"video_codec\":", fp);
	if (c->v.codec_set)
		json_put_cstr(fp, c->v.codec);
	else
		fputs("null", fp);
	json_codecs(fp, "video_codecs", &c->v);
	json_num_or_null(fp, "width", c->width, c->width > 0);
	json_num_or_null(fp, "height", c->height, c->height > 0);
	fprintf(fp, ",\"video_frames\":%llu,\"video_configs\":%llu",
		(unsigned long long)c->v.frames,
		(unsigned long long)c->v.configs);
	json_num_or_null(fp, "fps",
			 (double)(long)(fps(&c->v) * 1000 + 0.5) / 1000,
			 c->v.frames > 1);
	json_num_or_null(fp, "video_bitrate", (double)(long)rate_bps(&c->v),
			 c->v.frames > 1);
	fprintf(fp, ",\"keyframes\":%llu", (unsigned long long)c->keyframes);
	json_num_or_null(fp, "keyframe_interval_min_ms", c->key_min,
			 c->key_intervals > 0);
	json_num_or_null(
	    fp, "keyframe_interval_avg_ms",
	    c->key_intervals
		? (double)(long)((double)c->key_sum / (double)c->key_intervals +
				 0.5)
		: 0,
	    c->key_intervals > 0);
	json_num_or_null(fp, "keyframe_interval_max_ms", c->key_max,
			 c->key_intervals > 0);
	fputs(",\"audio_codec\":", fp);
	if (c->a.codec_set)
		json_put_cstr(fp, c->a.codec);
	else
		fputs("null", fp);
	json_codecs(fp, "audio_codecs", &c->a);
	json_num_or_null(fp, "sample_rate", c->aac_rate, c->aac_rate > 0);
	json_num_or_null(fp, "channels", c->aac_channels, c->aac_rate > 0);
	fprintf(fp, ",\"audio_frames\":%llu,\"audio_configs\":%llu",
		(unsigned long long)c->a.frames,
		(unsigned long long)c->a.configs);
	json_num_or_null(fp, "audio_bitrate", (double)(long)rate_bps(&c->a),
			 c->a.frames > 1);
	fprintf(fp, ",\"max_gap_ms\":%lu", (unsigned long)gap);
	json_num_or_null(fp, "max_gap_offset", (double)gap_off, gap > 0);
	fprintf(fp,
		",\"backwards\":%llu,\"resyncs\":%llu,\"skipped_bytes\":%llu,"
		"\"errors\":%llu,\"warnings\":%llu}\n",
		(unsigned long long)(c->v.backwards + c->a.backwards),
		(unsigned long long)c->resyncs, (unsigned long long)c->skipped,
		(unsigned long long)c->errors, (unsigned long long)c->warnings);
}

static void
line(FILE *fp, const char *label)
{
	fprintf(fp, "%-12s ", label);
}

void
df_summary_print(struct df_ctx *c)
{
	FILE *fp = c->out;
	double dur = df_duration_ms(c);
	uint32_t gap;
	uint64_t gap_off;
	char tbuf[32];

	if (c->o.json) {
		summary_json(c);
		return;
	}
	max_gap(c, &gap, &gap_off);
	line(fp, "file:");
	fprintf(fp, "%s\n", c->name);
	line(fp, "size:");
	fprintf(fp, "%llu bytes, %llu in header and tags, %llu unaccounted\n",
		(unsigned long long)c->end_offset,
		(unsigned long long)c->tags_bytes,
		(unsigned long long)(c->end_offset > c->tags_bytes
					 ? c->end_offset - c->tags_bytes
					 : 0));
	df_fmt_time(tbuf, sizeof(tbuf), (uint64_t)(dur + 0.5));
	line(fp, "duration:");
	fprintf(fp, "%.3f s (%s)\n", dur / 1000.0, tbuf);
	line(fp, "tags:");
	fprintf(fp, "%llu: video %llu, audio %llu, script %llu, other %llu\n",
		(unsigned long long)c->n_tags, (unsigned long long)c->v.tags,
		(unsigned long long)c->a.tags, (unsigned long long)c->n_script,
		(unsigned long long)c->n_other);
	line(fp, "video:");
	if (c->v.codec_set) {
		text_codecs(fp, &c->v);
		if (c->width > 0)
			fprintf(fp, " %ux%u", c->width, c->height);
		fprintf(fp,
			", %llu frames, %.3f fps, %.1f kbit/s, %llu sequence "
			"header(s)\n",
			(unsigned long long)c->v.frames, fps(&c->v),
			rate_bps(&c->v) / 1000.0,
			(unsigned long long)c->v.configs);
		line(fp, "keyframes:");
		fprintf(fp, "%llu", (unsigned long long)c->keyframes);
		if (c->key_intervals > 0)
			fprintf(fp, ", interval min %lu avg %.0f max %lu ms",
				(unsigned long)c->key_min,
				(double)c->key_sum / (double)c->key_intervals,
				(unsigned long)c->key_max);
		fputc('\n', fp);
	} else {
		fputs("none\n", fp);
	}
	line(fp, "audio:");
	if (c->a.codec_set) {
		text_codecs(fp, &c->a);
		if (c->aac_rate > 0)
			fprintf(fp, " %u Hz %u ch", c->aac_rate,
				c->aac_channels);
		fprintf(fp,
			", %llu frames, %.1f kbit/s, %llu sequence "
			"header(s)\n",
			(unsigned long long)c->a.frames,
			rate_bps(&c->a) / 1000.0,
			(unsigned long long)c->a.configs);
	} else {
		fputs("none\n", fp);
	}
	line(fp, "timestamps:");
	fprintf(fp, "largest gap %lu ms", (unsigned long)gap);
	if (gap > 0)
		fprintf(fp, " (at offset %llu)", (unsigned long long)gap_off);
	fprintf(fp, ", %llu going backwards\n",
		(unsigned long long)(c->v.backwards + c->a.backwards));
	if (c->resyncs > 0) {
		line(fp, "resyncs:");
		fprintf(fp, "%llu, %llu bytes skipped\n",
			(unsigned long long)c->resyncs,
			(unsigned long long)c->skipped);
	}
	line(fp, "problems:");
	fprintf(fp, "%llu error(s), %llu warning(s)%s\n",
		(unsigned long long)c->errors, (unsigned long long)c->warnings,
		c->errors + c->warnings > 0 && !c->o.check ? " (see --check)"
							   : "");
}
