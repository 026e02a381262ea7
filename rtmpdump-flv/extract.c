/*
 * --extract-video / --extract-audio: H.264 as Annex B, AAC as ADTS, the
 * elementary streams rtmppush and ffmpeg read back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adts.h"
#include "avcc.h"
#include "cli.h"
#include "dumpflv.h"

struct df_out {
	const char *path; /* as given; "-" is stdout */
	FILE *fp;
	int created;
	uint64_t frames, bytes, skipped;
	int codec_ok; /* the stream is the extractable codec */
};

struct df_extract {
	struct df_out v, a;
	struct avcc_to_annexb x;
	uint8_t *buf;
	size_t cap;
	struct aac_config aac;
	int have_aac;
};

int df_extract_exit = RK_EXIT_OK;

static int
open_out(struct df_out *o)
{
	if (o->path == NULL)
		return 0;
	if (strcmp(o->path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	o->fp = fopen(o->path, "wb");
	if (o->fp == NULL) {
		cli_warn("%s: %s", o->path, strerror(errno));
		return -1;
	}
	o->created = 1;
	return 0;
}

int
df_extract_open(struct df_ctx *c)
{
	struct df_extract *e;

	if (c->o.video_out == NULL && c->o.audio_out == NULL)
		return 0;
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		cli_warn("out of memory");
		df_extract_exit = RK_EXIT_FAIL;
		return -1;
	}
	c->ex = e;
	avcc_to_annexb_init(&e->x);
	e->v.path = c->o.video_out;
	e->a.path = c->o.audio_out;
	if (open_out(&e->v) < 0 || open_out(&e->a) < 0) {
		df_extract_exit = RK_EXIT_FAIL;
		return -1;
	}
	return 0;
}

static int
write_out(struct df_out *o, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, o->fp) != n) {
		df_progress_clear();
		cli_warn("%s: write error: %s", o->path, strerror(errno));
		df_extract_exit = RK_EXIT_FAIL;
		return -1;
	}
	o->bytes += n;
	return 0;
}

static int
wrong_codec(struct df_ctx *c, const struct df_tag *t, const char *what,
	    const char *codec, const char *want)
{
	df_problem(
	    c, t->offset, DF_ERROR, "cannot_extract",
	    "--extract-%s: the %s stream is %s; only %s can be extracted", what,
	    what, codec, want);
	df_extract_exit = RK_EXIT_INPUT;
	return -1;
}

static int
extract_video(struct df_ctx *c, const struct df_tag *t)
{
	struct df_extract *e = c->ex;
	const struct flv_video_info *vi = &t->vi;
	ssize_t need, n;
	char codec[16];

	if (t->hdr_rc != RTMP_OK)
		return 0;
	if (vi->fourcc != FLV_FOURCC('a', 'v', 'c', '1') ||
	    (vi->multitrack && vi->multitrack_type != FLV_MT_ONE_TRACK))
		return vi->is_command
			   ? 0
			   : wrong_codec(c, t, "video",
					 df_video_codec(vi, codec),
					 "single-track H.264 (avc1)");
	e->v.codec_ok = 1;
	if (vi->is_seq_header) {
		if (t->cfg_rc == RTMP_OK &&
		    avcc_to_annexb_config(&e->x, &t->avc) != RTMP_OK) {
			cli_warn("out of memory");
			df_extract_exit = RK_EXIT_FAIL;
			return -1;
		}
		return 0;
	}
	if (!t->is_frame)
		return 0;
	if (!e->x.have_config) {
		e->v.skipped++;
		df_problem(
		    c, t->offset, DF_WARNING, "not_extracted",
		    "video frame before the sequence header not written: its "
		    "NAL length size is unknown");
		return 0;
	}
	need = avcc_to_annexb_au(&e->x, t->cfg_p, t->cfg_len, NULL, 0);
	if (need >= 0 && (size_t)need > e->cap) {
		uint8_t *nb = realloc(e->buf, (size_t)need);

		if (nb == NULL) {
			cli_warn("out of memory");
			df_extract_exit = RK_EXIT_FAIL;
			return -1;
		}
		e->buf = nb;
		e->cap = (size_t)need;
	}
	n = need < 0 ? need
		     : avcc_to_annexb_au(&e->x, t->cfg_p, t->cfg_len, e->buf,
					 e->cap);
	if (n < 0) {
		e->v.skipped++;
		df_problem(
		    c, t->offset, DF_ERROR, "bad_nal",
		    "video frame not written: a NAL unit length runs past the "
		    "end of the tag");
		return 0;
	}
	e->v.frames++;
	return write_out(&e->v, e->buf, (size_t)n);
}

static int
extract_audio(struct df_ctx *c, const struct df_tag *t)
{
	struct df_extract *e = c->ex;
	const struct flv_audio_info *ai = &t->ai;
	uint8_t hdr[ADTS_HEADER_SIZE];
	char codec[16];

	if (t->hdr_rc != RTMP_OK || t->tag.size == 0)
		return 0;
	if (ai->fourcc != FLV_FOURCC('m', 'p', '4', 'a') ||
	    (ai->multitrack && ai->multitrack_type != FLV_MT_ONE_TRACK))
		return wrong_codec(c, t, "audio", df_audio_codec(ai, codec),
				   "single-track AAC (mp4a)");
	e->a.codec_ok = 1;
	if (ai->is_seq_header) {
		if (t->cfg_rc != RTMP_OK)
			return 0;
		/* ADTS has a 2-bit profile and a 4-bit rate index
		 * (ISO 14496-3 1.A.2.2.1): no explicit rates, no object
		 * types above 4. */
		if (t->aac.object_type < 1 || t->aac.object_type > 4 ||
		    t->aac.sr_index > 12) {
			df_problem(
			    c, t->offset, DF_ERROR, "cannot_extract",
			    "--extract-audio: AAC object type %u at sample "
			    "rate index %u cannot be written as ADTS",
			    t->aac.object_type, t->aac.sr_index);
			df_extract_exit = RK_EXIT_INPUT;
			return -1;
		}
		e->aac = t->aac;
		e->have_aac = 1;
		return 0;
	}
	if (!t->is_frame)
		return 0;
	if (!e->have_aac) {
		e->a.skipped++;
		df_problem(
		    c, t->offset, DF_WARNING, "not_extracted",
		    "AAC frame before the AudioSpecificConfig not written");
		return 0;
	}
	if (adts_header_put(hdr, hdr + sizeof(hdr), e->aac.object_type,
			    e->aac.sr_index, e->aac.channel_config,
			    t->cfg_len) == NULL) {
		e->a.skipped++;
		df_problem(c, t->offset, DF_ERROR, "cannot_extract",
			   "AAC frame of %zu bytes does not fit an ADTS frame",
			   t->cfg_len);
		return 0;
	}
	e->a.frames++;
	if (write_out(&e->a, hdr, sizeof(hdr)) < 0)
		return -1;
	return write_out(&e->a, t->cfg_p, t->cfg_len);
}

int
df_extract_tag(struct df_ctx *c, const struct df_tag *t)
{
	struct df_extract *e = c->ex;

	if (e == NULL)
		return 0;
	if (t->tag.type == FLV_TAG_VIDEO && e->v.fp != NULL)
		return extract_video(c, t);
	if (t->tag.type == FLV_TAG_AUDIO && e->a.fp != NULL)
		return extract_audio(c, t);
	return 0;
}

static int
close_out(struct df_ctx *c, struct df_out *o, const char *what, int failed)
{
	int rc = 0;

	if (o->fp == NULL)
		return 0;
	if (fflush(o->fp) != 0 || ferror(o->fp)) {
		cli_warn("%s: write error: %s", o->path, strerror(errno));
		df_extract_exit = RK_EXIT_FAIL;
		rc = -1;
	}
	if (o->fp != stdout)
		fclose(o->fp);
	o->fp = NULL;
	if (!failed && rc == 0 && o->frames == 0) {
		df_problem(c, c->end_offset, DF_ERROR, "cannot_extract",
			   "--extract-%s: no %s frames in the input", what,
			   what[0] == 'v' ? "H.264" : "AAC");
		if (df_extract_exit == RK_EXIT_OK)
			df_extract_exit = RK_EXIT_INPUT;
		rc = -1;
	}
	/* Leave no empty file behind that looks like a result. */
	if (o->created && o->bytes == 0)
		unlink(o->path);
	if (!c->o.quiet && o->frames > 0 && o->path != NULL &&
	    strcmp(o->path, "-") != 0)
		cli_warn("%s: %llu %s frames, %llu bytes%s", o->path,
			 (unsigned long long)o->frames, what,
			 (unsigned long long)o->bytes,
			 o->skipped ? " (some frames skipped)" : "");
	return rc;
}

int
df_extract_close(struct df_ctx *c, int failed)
{
	struct df_extract *e = c->ex;
	int rc = 0;

	if (e == NULL)
		return 0;
	if (close_out(c, &e->v, "video", failed) < 0)
		rc = -1;
	if (close_out(c, &e->a, "audio", failed) < 0)
		rc = -1;
	avcc_to_annexb_free(&e->x);
	free(e->buf);
	free(e);
	c->ex = NULL;
	return rc;
}
