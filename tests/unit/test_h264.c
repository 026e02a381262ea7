/*
 * h264_sps_parse: real SPS NAL units written by libx264 (through ffmpeg,
 * one per profile / chroma format / scan / VUI variant, with the values
 * ffprobe reports for them), and SPS built field by field to reach every
 * branch of 7.3.2.1.1 and every range limit exactly at and one past it.
 * PPS and slice headers: sample.h264's, prefixes, and headers built field
 * by field (round trips, every range). Picture order counts: sample.h264's
 * first GOP (checked against ffprobe's presentation order) and hand-
 * computed sequences for types 0, 1 and 2 up to the 32-bit limits. The
 * reorder helper: sample.flv's composition times, the lookahead limit and
 * random counts.
 */
#include <stdint.h>

#include "h264.h"
#include "tap.h"

/* ---- real vectors ----------------------------------------------------- */

struct real_sps {
	const char *name;
	const char *hex;
	unsigned profile, level, chroma, width, height;
	double fps;
	unsigned crop_right, crop_bottom, poc_type, bit_depth;
	int frame_mbs_only;
	unsigned sar_w, sar_h;
	int full_range;
	unsigned primaries;
};

/*
 * ffmpeg -f lavfi -i testsrc=size=WxH:rate=R -frames:v 2 -c:v libx264
 *   -pix_fmt FMT [options] -bsf:v h264_mp4toannexb -f h264 out.h264
 * The last column group is what ffprobe says about each stream.
 */
static const struct real_sps real[] = {
    /* 320x240 25 fps yuv420p, High */
    {"high 320x240", "6764000dacd94141fb011000000300100000030320f1429960", 100,
     13, 1, 320, 240, 25, 0, 0, 0, 8, 1, 1, 1, -1, 2},
    /* 1920x1080 30 fps -preset ultrafast: Constrained Baseline, 1088
     * coded lines cropped to 1080 */
    {"baseline 1080p", "6742c028da01e0089f970110000003001000000303c0f1832a", 66,
     40, 1, 1920, 1080, 30, 0, 8, 2, 8, 1, 1, 1, -1, 2},
    /* 640x360 30000/1001 -profile:v baseline */
    {"baseline 360p ntsc", "6742c01ed900a02ff9701100000303e90000ea600f162e48",
     66, 30, 1, 640, 360, 30000.0 / 1001, 0, 8, 2, 8, 1, 1, 1, -1, 2},
    /* 1280x720 60 fps -profile:v main */
    {"main 720p60", "674d4020eca02802dd8088000003000800000303c078c18cb0", 77,
     32, 1, 1280, 720, 60, 0, 0, 0, 8, 1, 1, 1, -1, 2},
    /* 100x100 yuv444p: High 4:4:4 Predictive, CropUnitX/Y 1 */
    {"high444 100x100", "67f4000b919b28e7f1b1b80880000003008000003c078a14cb",
     244, 11, 3, 100, 100, 60, 12, 12, 0, 8, 1, 1, 1, -1, 2},
    /* 160x90 yuv422p: High 4:2:2, CropUnitY 1 */
    {"high422 160x90", "677a000abcd9428df9f011000003000100000300300f122596",
     122, 10, 2, 160, 90, 24, 0, 6, 0, 8, 1, 1, 1, -1, 2},
    /* 176x144 50 fps yuv420p10le: High 10 */
    {"high10 176x144", "676e000ca6cd942c4ec044000003000400000301903c50a658",
     110, 12, 1, 176, 144, 50, 0, 0, 0, 10, 1, 1, 1, -1, 2},
    /* 352x280 -x264-params interlaced=1: frame_mbs_only 0, 288 coded
     * lines, CropUnitY 4 */
    {"interlaced 352x280", "67640015acd941612fde0220000003002000000643e28532c0",
     100, 21, 1, 352, 280, 25, 0, 8, 0, 8, 0, 1, 1, -1, 2},
    /* 128x96 15 fps -bf 0: pic_order_cnt_type 2 */
    {"poc type 2", "6764000aacb2041b60220000030002000003003c1e244c90", 100, 10,
     1, 128, 96, 15, 0, 0, 2, 8, 1, 1, 1, -1, 2},
    /* 200x120 -vf setsar=4/3 -x264-params overscan=show:videoformat=pal:
     * colorprim=bt709:transfer=bt709:colormatrix=bt709:chromaloc=1 */
    {"vui sar 4:3 bt709",
     "6764000bacd943447965c3a94040406940000003004000000c83c50a6580", 100, 11, 1,
     200, 120, 25, 8, 8, 0, 8, 1, 4, 3, 0, 1},
    /* 200x120 -vf setsar=5/3: aspect_ratio_idc 255 (Extended_SAR) */
    {"vui extended sar",
     "6764000bacd943447965ffc0014000c4000003000400000300c83c50a658", 100, 11, 1,
     200, 120, 25, 8, 8, 0, 8, 1, 5, 3, -1, 2},
    /* 96x72 -pix_fmt gray: chroma_format_idc 0, full range */
    {"monochrome 96x72", "6764000af36518bf89c05b20000003002000000641e244b2c0",
     100, 10, 0, 96, 72, 25, 0, 8, 0, 8, 1, 1, 1, 1, 2},
    /* 64x48 nal-hrd=vbr: NAL HRD parameters after the timing info */
    {"with hrd",
     "6764000dacd9447b01100000030010000003032604001e840007a129b0c01e28532c",
     100, 13, 1, 64, 48, 25, 0, 0, 0, 8, 1, 1, 1, -1, 2},
};

/*
 * Per entry of real[]: max_num_reorder_frames and max_dec_frame_buffering
 * of the VUI bitstream_restriction, log2_max_frame_num and
 * log2_max_pic_order_cnt_lsb (0 for pic_order_cnt_type 2), as ffmpeg's
 * trace_headers bitstream filter reads them.
 */
static const unsigned real_reorder[][4] = {
    {2, 4, 4, 6}, {0, 1, 4, 0}, {0, 3, 4, 0}, {2, 4, 4, 6}, {2, 4, 4, 6},
    {2, 4, 4, 6}, {2, 4, 4, 6}, {2, 4, 4, 6}, {0, 3, 4, 0}, {2, 4, 4, 6},
    {2, 4, 4, 6}, {2, 4, 4, 6}, {2, 4, 4, 6},
};

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static int
parse_copy(const uint8_t *b, size_t n, struct h264_sps *s)
{
	uint8_t *d = tap_dup(b, n);
	int rc = h264_sps_parse(d, n, s);

	free(d);
	return rc;
}

static int
same_sps(const struct h264_sps *a, const struct h264_sps *b)
{
	return a->width == b->width && a->height == b->height &&
	       a->profile_idc == b->profile_idc &&
	       a->level_idc == b->level_idc &&
	       a->chroma_format_idc == b->chroma_format_idc &&
	       a->has_timing == b->has_timing &&
	       a->num_units_in_tick == b->num_units_in_tick &&
	       a->time_scale == b->time_scale && a->sar_width == b->sar_width &&
	       a->sar_height == b->sar_height;
}

static void
test_real(void)
{
	size_t i;

	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		const struct real_sps *r = &real[i];
		struct h264_sps s, t;
		uint8_t b[128];
		size_t n = unhex(r->hex, b), k;
		int bad_prefixes = 0, rc;

		is_int(parse_copy(b, n, &s), RTMP_OK, "%s: parses", r->name);
		is_int(s.profile_idc, r->profile, "%s: profile", r->name);
		is_int(s.level_idc, r->level, "%s: level", r->name);
		is_int(s.sps_id, 0, "%s: sps id", r->name);
		is_int(s.chroma_format_idc, r->chroma, "%s: chroma", r->name);
		is_int(s.width, r->width, "%s: width", r->name);
		is_int(s.height, r->height, "%s: height", r->name);
		is_int(s.crop_right, r->crop_right, "%s: crop right", r->name);
		is_int(s.crop_bottom, r->crop_bottom, "%s: crop bottom",
		       r->name);
		is_int(s.pic_order_cnt_type, r->poc_type, "%s: poc type",
		       r->name);
		is_int(s.bit_depth_luma, r->bit_depth, "%s: bit depth",
		       r->name);
		is_int(s.frame_mbs_only, r->frame_mbs_only,
		       "%s: frame_mbs_only", r->name);
		is_int(s.sar_width, r->sar_w, "%s: sar width", r->name);
		is_int(s.sar_height, r->sar_h, "%s: sar height", r->name);
		is_int(s.video_full_range, r->full_range, "%s: full range",
		       r->name);
		is_int(s.colour_primaries, r->primaries, "%s: primaries",
		       r->name);
		ok(s.has_timing, "%s: has timing", r->name);
		ok(s.has_reorder, "%s: bitstream_restriction read", r->name);
		is_int(s.max_num_reorder_frames, real_reorder[i][0],
		       "%s: max_num_reorder_frames", r->name);
		is_int(s.max_dec_frame_buffering, real_reorder[i][1],
		       "%s: max_dec_frame_buffering", r->name);
		is_int(h264_sps_reorder_depth(&s), real_reorder[i][0],
		       "%s: reorder depth from the VUI", r->name);
		is_int(s.log2_max_frame_num, real_reorder[i][2],
		       "%s: log2_max_frame_num", r->name);
		is_int(s.log2_max_poc_lsb, real_reorder[i][3],
		       "%s: log2_max_pic_order_cnt_lsb", r->name);
		ok(h264_sps_fps(&s) > r->fps - 0.001 &&
		       h264_sps_fps(&s) < r->fps + 0.001,
		   "%s: fps %.3f", r->name, h264_sps_fps(&s));

		/* Cut anywhere before the end of timing_info: MALFORMED;
		 * cut after it (HRD, trailing bits): the same answer. */
		for (k = 0; k < n; k++) {
			rc = parse_copy(b, k, &t);
			if (rc == RTMP_ERR_MALFORMED)
				bad_prefixes++;
			else if (rc != RTMP_OK || !same_sps(&s, &t))
				break;
		}
		ok(k == n && bad_prefixes >= (int)n / 2,
		   "%s: prefixes malformed (%d of %zu) or equal", r->name,
		   bad_prefixes, n);
	}
}

/* ---- SPS built field by field ------------------------------------------ */

struct bw {
	uint8_t b[2048];
	size_t bits;
};

static void
bw_u(struct bw *w, unsigned n, uint32_t v)
{
	while (n-- > 0) {
		if ((v >> n) & 1)
			w->b[w->bits >> 3] |= (uint8_t)(0x80 >> (w->bits & 7));
		w->bits++;
	}
}

static void
bw_ue(struct bw *w, uint32_t v)
{
	uint64_t x = (uint64_t)v + 1;
	unsigned len = 0;

	while ((x >> len) > 1)
		len++;
	bw_u(w, len, 0);
	bw_u(w, 1, 1);
	bw_u(w, len, (uint32_t)(x & ((1ull << len) - 1)));
}

static void
bw_se(struct bw *w, int32_t v)
{
	bw_ue(w, v > 0 ? 2 * (uint32_t)v - 1 : 2 * (uint32_t)(-(int64_t)v));
}

struct gen {
	unsigned profile, sps_id, chroma, sep_plane, bd_luma, bd_chroma;
	unsigned scaling; /* 0 none, 1 explicit lists, 2 bad delta */
	unsigned log2_fn, poc_type, log2_poc, poc_cycle;
	unsigned refs, w_mbs, h_units, frame_mbs_only;
	int crop;
	unsigned crop_l, crop_r, crop_t, crop_b;
	int vui;
	unsigned ar_idc, sar_w, sar_h;
	int signal;
	unsigned chroma_loc;
	int timing;
	uint32_t nuit, time_scale;
	unsigned fixed;
	/* E.1.1 after timing_info */
	int tail;
	unsigned nal_hrd, vcl_hrd; /* 0 absent, else cpb_cnt_minus1 + 1 */
	int restriction;
	unsigned mv_len, reorder, dec_buf;
};

static struct gen
gen_default(void)
{
	struct gen g;

	memset(&g, 0, sizeof(g));
	g.profile = 100;
	g.chroma = 1;
	g.refs = 4;
	g.w_mbs = 79;	/* 1280 */
	g.h_units = 44; /* 720 */
	g.frame_mbs_only = 1;
	return g;
}

/* 7.3.2.1.1.1 with a pattern that visits -128 and 127 and returns to 0
 * (useDefaultScalingMatrixFlag) in one list. */
static void
gen_scaling_list(struct bw *w, unsigned size, unsigned idx, int bad)
{
	int last = 8, next = 8;
	unsigned j;

	for (j = 0; j < size; j++) {
		if (next != 0) {
			int delta;

			if (idx == 1 && j == 0)
				delta = -8; /* next 0: use the default */
			else if (j % 7 == 3)
				delta = bad ? 128 : 127;
			else if (j % 7 == 5)
				delta = -128;
			else
				delta = (int)(j % 5) - 2;
			bw_se(w, delta);
			next = (last + delta + 256) % 256;
		}
		if (next != 0)
			last = next;
	}
}

/* Add rbsp_trailing_bits to the RBSP in w, escape it (7.4.1) and prefix
 * the NAL header. Returns the NAL size. */
static size_t
gen_nal(uint8_t hdr, struct bw *w, uint8_t *out)
{
	size_t i, n, o = 0;
	unsigned zeros = 0;

	bw_u(w, 1, 1); /* rbsp_stop_one_bit */
	n = (w->bits + 7) / 8;
	out[o++] = hdr;
	for (i = 0; i < n; i++) {
		if (zeros >= 2 && w->b[i] <= 3) {
			out[o++] = 3;
			zeros = 0;
		}
		zeros = w->b[i] == 0 ? zeros + 1 : 0;
		out[o++] = w->b[i];
	}
	return o;
}

/* E.1.2 with the largest values the syntax allows in each field. */
static void
gen_hrd(struct bw *w, unsigned cpb_cnt)
{
	unsigned i;

	bw_ue(w, cpb_cnt - 1);
	bw_u(w, 4, 15);
	bw_u(w, 4, 15);
	for (i = 0; i < cpb_cnt; i++) {
		bw_ue(w, 0xfffffffe);
		bw_ue(w, 0xfffffffe);
		bw_u(w, 1, 1);
	}
	bw_u(w, 20, 0xfffff);
}

static void
gen_vui_tail(struct bw *w, const struct gen *g)
{
	bw_u(w, 1, g->nal_hrd != 0);
	if (g->nal_hrd)
		gen_hrd(w, g->nal_hrd);
	bw_u(w, 1, g->vcl_hrd != 0);
	if (g->vcl_hrd)
		gen_hrd(w, g->vcl_hrd);
	if (g->nal_hrd || g->vcl_hrd)
		bw_u(w, 1, 1); /* low_delay_hrd_flag */
	bw_u(w, 1, 1);	       /* pic_struct_present_flag */
	bw_u(w, 1, g->restriction);
	if (g->restriction) {
		bw_u(w, 1, 1);
		bw_ue(w, 2);
		bw_ue(w, 1);
		bw_ue(w, g->mv_len);
		bw_ue(w, g->mv_len);
		bw_ue(w, g->reorder);
		bw_ue(w, g->dec_buf);
	}
}

static size_t
gen_sps(const struct gen *g, uint8_t *out)
{
	struct bw w;
	size_t i;

	memset(&w, 0, sizeof(w));
	bw_u(&w, 8, g->profile);
	bw_u(&w, 8, 0);
	bw_u(&w, 8, 31);
	bw_ue(&w, g->sps_id);
	if (g->profile == 100 || g->profile == 244 || g->profile == 122) {
		bw_ue(&w, g->chroma);
		if (g->chroma == 3)
			bw_u(&w, 1, g->sep_plane);
		bw_ue(&w, g->bd_luma);
		bw_ue(&w, g->bd_chroma);
		bw_u(&w, 1, 0);
		bw_u(&w, 1, g->scaling != 0);
		if (g->scaling) {
			unsigned k, lists = g->chroma != 3 ? 8 : 12;

			for (k = 0; k < lists; k++) {
				bw_u(&w, 1, k != 2); /* list 2 absent */
				if (k != 2)
					gen_scaling_list(&w, k < 6 ? 16 : 64, k,
							 g->scaling == 2 &&
							     k == 7);
			}
		}
	}
	bw_ue(&w, g->log2_fn);
	bw_ue(&w, g->poc_type);
	if (g->poc_type == 0) {
		bw_ue(&w, g->log2_poc);
	} else if (g->poc_type == 1) {
		bw_u(&w, 1, 0);
		bw_se(&w, -3);
		bw_se(&w, 2147483647);
		bw_ue(&w, g->poc_cycle);
		for (i = 0; i < g->poc_cycle && i < 300; i++)
			bw_se(&w, (int32_t)i - 100);
	}
	bw_ue(&w, g->refs);
	bw_u(&w, 1, 0);
	bw_ue(&w, g->w_mbs);
	bw_ue(&w, g->h_units);
	bw_u(&w, 1, g->frame_mbs_only);
	if (!g->frame_mbs_only)
		bw_u(&w, 1, 1);
	bw_u(&w, 1, 1);
	bw_u(&w, 1, g->crop);
	if (g->crop) {
		bw_ue(&w, g->crop_l);
		bw_ue(&w, g->crop_r);
		bw_ue(&w, g->crop_t);
		bw_ue(&w, g->crop_b);
	}
	bw_u(&w, 1, g->vui);
	if (g->vui) {
		bw_u(&w, 1, g->ar_idc != 0);
		if (g->ar_idc) {
			bw_u(&w, 8, g->ar_idc);
			if (g->ar_idc == 255) {
				bw_u(&w, 16, g->sar_w);
				bw_u(&w, 16, g->sar_h);
			}
		}
		bw_u(&w, 1, 1); /* overscan_info_present */
		bw_u(&w, 1, 0);
		bw_u(&w, 1, g->signal);
		if (g->signal) {
			bw_u(&w, 3, 5);
			bw_u(&w, 1, 1);
			bw_u(&w, 1, 1);
			bw_u(&w, 8, 9);
			bw_u(&w, 8, 16);
			bw_u(&w, 8, 0); /* zero bytes, escaped below */
		}
		bw_u(&w, 1, 1); /* chroma_loc_info_present */
		bw_ue(&w, g->chroma_loc);
		bw_ue(&w, 0);
		bw_u(&w, 1, g->timing);
		if (g->timing) {
			bw_u(&w, 32, g->nuit);
			bw_u(&w, 32, g->time_scale);
			bw_u(&w, 1, g->fixed);
		}
		if (g->tail)
			gen_vui_tail(&w, g);
	}
	return gen_nal(0x67, &w, out);
}

static int
gen_parse(const struct gen *g, struct h264_sps *s)
{
	uint8_t b[2048];

	return parse_copy(b, gen_sps(g, b), s);
}

static void
test_generated(void)
{
	struct gen g;
	struct h264_sps s, t;
	uint8_t b[2048];
	size_t n, k;
	int rc, bad_prefixes;

	g = gen_default();
	is_int(gen_parse(&g, &s), RTMP_OK, "generated 720p");
	is_int(s.width, 1280, "generated 720p: width");
	is_int(s.height, 720, "generated 720p: height");
	is_int(s.has_timing, 0, "no VUI: no timing");
	ok(h264_sps_fps(&s) == 0, "no VUI: fps 0");

	/* sps id 0..31 (7.4.2.1.1) */
	g = gen_default();
	g.sps_id = 31;
	is_int(gen_parse(&g, &s), RTMP_OK, "sps id 31");
	is_int(s.sps_id, 31, "sps id 31 read");
	g.sps_id = 32;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED, "sps id 32: MALFORMED");

	g = gen_default();
	g.chroma = 4;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "chroma_format_idc 4: MALFORMED");
	g = gen_default();
	g.bd_luma = 6;
	g.bd_chroma = 6;
	is_int(gen_parse(&g, &s), RTMP_OK, "bit depth 14");
	is_int(s.bit_depth_luma, 14, "bit depth 14 read");
	g.bd_luma = 7;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "bit_depth_luma_minus8 7: MALFORMED");
	g.bd_luma = 0;
	g.bd_chroma = 7;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "bit_depth_chroma_minus8 7: MALFORMED");

	g = gen_default();
	g.log2_fn = 12;
	g.log2_poc = 12;
	is_int(gen_parse(&g, &s), RTMP_OK, "log2 values 12");
	g.log2_fn = 13;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "log2_max_frame_num_minus4 13: MALFORMED");
	g.log2_fn = 0;
	g.log2_poc = 13;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "log2_max_pic_order_cnt_lsb_minus4 13: MALFORMED");

	g = gen_default();
	g.poc_type = 1;
	g.poc_cycle = 255;
	is_int(gen_parse(&g, &s), RTMP_OK, "poc type 1, 255 offsets");
	is_int(s.pic_order_cnt_type, 1, "poc type 1 read");
	is_int(s.width, 1280, "poc type 1: width after the offsets");
	is_int(s.max_num_ref_frames, 4, "poc type 1: refs after the offsets");
	g.poc_cycle = 256;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "num_ref_frames_in_pic_order_cnt_cycle 256: MALFORMED");
	g = gen_default();
	g.poc_type = 2;
	is_int(gen_parse(&g, &s), RTMP_OK, "poc type 2");
	g.poc_type = 3;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED, "poc type 3: MALFORMED");

	g = gen_default();
	g.refs = 16;
	is_int(gen_parse(&g, &s), RTMP_OK, "16 reference frames");
	g.refs = 17;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "17 reference frames: MALFORMED");

	/* Scaling lists must be skipped exactly or what follows is off. */
	g = gen_default();
	g.scaling = 1;
	g.crop = 1;
	g.crop_b = 4;
	is_int(gen_parse(&g, &s), RTMP_OK, "4:2:0 with 7 scaling lists");
	is_int(s.width, 1280, "scaling lists skipped: width");
	is_int(s.height, 712, "scaling lists skipped: cropped height");
	g.chroma = 3;
	g.profile = 244;
	is_int(gen_parse(&g, &s), RTMP_OK, "4:4:4 with 11 scaling lists");
	is_int(s.height, 716, "4:4:4 lists skipped: CropUnitY 1");
	g.scaling = 2;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "delta_scale 128: MALFORMED");

	/* CropUnitX/Y (7.4.2.1.1) per ChromaArrayType and frame_mbs_only. */
	g = gen_default();
	g.crop = 1;
	g.crop_l = 1;
	g.crop_r = 2;
	g.crop_t = 1;
	g.crop_b = 3;
	g.frame_mbs_only = 0;
	g.h_units = 22; /* 736 lines */
	is_int(gen_parse(&g, &s), RTMP_OK, "4:2:0 interlaced crop");
	is_int(s.width, 1280 - 6, "4:2:0: CropUnitX 2");
	is_int(s.height, 736 - 16, "4:2:0 interlaced: CropUnitY 4");
	g.chroma = 2;
	g.profile = 122;
	is_int(gen_parse(&g, &s), RTMP_OK, "4:2:2 interlaced crop");
	is_int(s.width, 1280 - 6, "4:2:2: CropUnitX 2");
	is_int(s.height, 736 - 8, "4:2:2 interlaced: CropUnitY 2");
	g.chroma = 3;
	g.profile = 244;
	is_int(gen_parse(&g, &s), RTMP_OK, "4:4:4 interlaced crop");
	is_int(s.width, 1280 - 3, "4:4:4: CropUnitX 1");
	is_int(s.height, 736 - 8, "4:4:4 interlaced: CropUnitY 2");
	g.sep_plane = 1;
	is_int(gen_parse(&g, &s), RTMP_OK, "separate colour planes");
	ok(s.separate_colour_plane, "separate_colour_plane read");
	is_int(s.width, 1280 - 3, "separate planes: CropUnitX 1");
	is_int(s.height, 736 - 8, "separate planes interlaced: CropUnitY 2");
	g.frame_mbs_only = 1;
	g.h_units = 45;
	is_int(gen_parse(&g, &s), RTMP_OK, "separate planes progressive");
	is_int(s.height, 736 - 4, "separate planes progressive: CropUnitY 1");
	g = gen_default();
	g.chroma = 0;
	g.crop = 1;
	g.crop_b = 3;
	g.crop_r = 5;
	is_int(gen_parse(&g, &s), RTMP_OK, "monochrome crop");
	is_int(s.width, 1280 - 5, "monochrome: CropUnitX 1");
	is_int(s.height, 720 - 3, "monochrome progressive: CropUnitY 1");

	/* Cropping may leave one unit, not zero. */
	g = gen_default();
	g.w_mbs = 0;
	g.h_units = 0;
	g.crop = 1;
	g.crop_l = 3;
	g.crop_r = 4;
	is_int(gen_parse(&g, &s), RTMP_OK, "crop to 2 pixels wide");
	is_int(s.width, 2, "2 pixels wide");
	g.crop_r = 5;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "crop the whole width: MALFORMED");
	g.crop_r = 0;
	g.crop_l = 0;
	g.crop_t = 7;
	is_int(gen_parse(&g, &s), RTMP_OK, "crop to 2 lines");
	is_int(s.height, 2, "2 lines");
	g.crop_b = 1;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "crop the whole height: MALFORMED");
	g.crop_t = 0;
	g.crop_b = 0xfffffffe;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "crop offset near 2^32: MALFORMED");

	g = gen_default();
	g.w_mbs = 4095;
	g.h_units = 4095;
	is_int(gen_parse(&g, &s), RTMP_OK, "4096 macroblocks wide");
	is_int(s.width, 65536, "65536 pixels wide");
	g.w_mbs = 4096;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "4097 macroblocks wide: MALFORMED");
	g.w_mbs = 0;
	g.h_units = 4096;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "4097 map units high: MALFORMED");

	/* VUI */
	g = gen_default();
	g.vui = 1;
	g.ar_idc = 255;
	g.sar_w = 0xffff;
	g.sar_h = 1;
	g.signal = 1;
	g.chroma_loc = 5;
	g.timing = 1;
	g.nuit = 1001;
	g.time_scale = 60000;
	g.fixed = 1;
	n = gen_sps(&g, b);
	is_int(parse_copy(b, n, &s), RTMP_OK, "full VUI");
	is_int(s.sar_width, 0xffff, "extended SAR width");
	is_int(s.sar_height, 1, "extended SAR height");
	is_int(s.video_full_range, 1, "full range");
	is_int(s.colour_primaries, 9, "colour primaries");
	is_int(s.transfer_characteristics, 16, "transfer");
	is_int(s.matrix_coefficients, 0, "matrix (a zero byte, escaped)");
	is_int(s.num_units_in_tick, 1001, "num_units_in_tick");
	is_int(s.time_scale, 60000, "time_scale");
	is_int(s.fixed_frame_rate, 1, "fixed_frame_rate_flag");
	ok(h264_sps_fps(&s) > 29.97 && h264_sps_fps(&s) < 29.971, "fps 29.97");
	bad_prefixes = 0;
	for (k = 0; k < n; k++) {
		rc = parse_copy(b, k, &t);
		if (rc != RTMP_ERR_MALFORMED)
			break;
		bad_prefixes++;
	}
	/* The last byte holds fixed_frame_rate_flag and the stop bit. */
	is_int(bad_prefixes, (int)n, "every prefix of a full VUI: MALFORMED");

	g.chroma_loc = 6;
	is_int(gen_parse(&g, &s), RTMP_ERR_MALFORMED,
	       "chroma_sample_loc_type 6: MALFORMED");
	g.chroma_loc = 0;
	g.ar_idc = 16;
	is_int(gen_parse(&g, &s), RTMP_OK, "SAR idc 16");
	ok(s.sar_width == 2 && s.sar_height == 1, "SAR idc 16 is 2:1");
	g.ar_idc = 100;
	is_int(gen_parse(&g, &s), RTMP_OK, "reserved SAR idc");
	ok(s.sar_width == 0 && s.sar_height == 0, "reserved SAR idc: 0:0");
	g.nuit = 0;
	is_int(gen_parse(&g, &s), RTMP_OK, "num_units_in_tick 0");
	ok(s.has_timing && h264_sps_fps(&s) == 0, "num_units_in_tick 0: fps 0");
	g.nuit = 1;
	g.time_scale = 0;
	is_int(gen_parse(&g, &s), RTMP_OK, "time_scale 0");
	ok(h264_sps_fps(&s) == 0, "time_scale 0: fps 0");
	g.nuit = 0xffffffff;
	g.time_scale = 0xffffffff;
	is_int(gen_parse(&g, &s), RTMP_OK, "32-bit timing values");
	ok(h264_sps_fps(&s) == 0.5, "fps 0.5 at 2^32 - 1 both");
}

static void
test_malformed(void)
{
	/* sps id as ue(v) with 32 leading zero bits */
	static const uint8_t ue_too_long[] = {0x67, 0x64, 0x00, 0x1f, 0x00,
					      0x00, 0x00, 0x00, 0x80, 0x00};
	static const uint8_t v320[] = {0x67, 0x64, 0x00, 0x0d, 0xac, 0xd9, 0x41,
				       0x41, 0xfb, 0x01, 0x10, 0x00, 0x00, 0x03,
				       0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20,
				       0xf1, 0x42, 0x99, 0x60};
	uint8_t big[H264_SPS_MAX_SIZE + 1], raw[64];
	struct h264_sps s;

	is_int(parse_copy(ue_too_long, sizeof(ue_too_long), &s),
	       RTMP_ERR_MALFORMED, "ue(v) with 32 leading zeros: MALFORMED");
	is_int(parse_copy(v320, 0, &s), RTMP_ERR_MALFORMED, "empty: MALFORMED");
	is_int(parse_copy(v320, 1, &s), RTMP_ERR_MALFORMED,
	       "NAL header only: MALFORMED");
	memcpy(raw, v320, sizeof(v320));
	raw[0] = 0xe7;
	is_int(parse_copy(raw, sizeof(v320), &s), RTMP_ERR_MALFORMED,
	       "forbidden_zero_bit set: MALFORMED");
	raw[0] = 0x68;
	is_int(parse_copy(raw, sizeof(v320), &s), RTMP_ERR_MALFORMED,
	       "a PPS: MALFORMED");
	raw[0] = 0x27; /* nal_ref_idc 1 is fine */
	is_int(parse_copy(raw, sizeof(v320), &s), RTMP_OK, "nal_ref_idc 1");

	/* v320's timing_info (1 / 50) is written as 00 00 03 00 10 00 00 03
	 * 03 20: only right if both 03 after 00 00 are dropped. */
	is_int(parse_copy(v320, sizeof(v320), &s), RTMP_OK, "v320");
	is_int(s.num_units_in_tick, 1, "v320: 0x000003 stripped (units)");
	is_int(s.time_scale, 50, "v320: 0x000003 stripped (time scale)");

	/* LIMIT exactly at the boundary and one past. */
	memset(big, 0, sizeof(big));
	memcpy(big, v320, sizeof(v320));
	is_int(parse_copy(big, H264_SPS_MAX_SIZE, &s), RTMP_OK,
	       "SPS of H264_SPS_MAX_SIZE bytes");
	is_int(s.width, 320, "padded SPS: width");
	is_int(parse_copy(big, H264_SPS_MAX_SIZE + 1, &s), RTMP_ERR_LIMIT,
	       "SPS of H264_SPS_MAX_SIZE + 1 bytes: LIMIT");
}

/* ---- VUI after timing_info, reorder depth ------------------------------ */

static void
test_vui_tail(void)
{
	struct gen g;
	struct h264_sps s, t;
	uint8_t b[2048];
	size_t n, k, timing_end;
	int rc, bad = 0, tail_ok = 1;

	g = gen_default();
	g.vui = 1;
	g.timing = 1;
	g.nuit = 1;
	g.time_scale = 50;
	g.tail = 1;
	g.restriction = 1;
	g.mv_len = 16;
	g.reorder = 3;
	g.dec_buf = 4;
	is_int(gen_parse(&g, &s), RTMP_OK, "VUI tail: parses");
	ok(s.has_reorder, "VUI tail: bitstream_restriction read");
	is_int(s.max_num_reorder_frames, 3, "VUI tail: max_num_reorder_frames");
	is_int(s.max_dec_frame_buffering, 4,
	       "VUI tail: max_dec_frame_buffering");
	is_int(h264_sps_reorder_depth(&s), 3, "VUI tail: depth 3");

	/* HRD parameters with 32 CPBs of 32-bit values (500 bytes), and
	 * in both places. */
	g.nal_hrd = 32;
	g.vcl_hrd = 2;
	is_int(gen_parse(&g, &s), RTMP_OK, "NAL and VCL HRD, 32 CPBs");
	ok(s.has_reorder && s.max_num_reorder_frames == 3,
	   "32 CPBs skipped exactly: reorder 3");
	g.vcl_hrd = 0;
	g.nal_hrd = 1;
	is_int(gen_parse(&g, &s), RTMP_OK, "NAL HRD only");
	ok(s.has_reorder && s.max_dec_frame_buffering == 4,
	   "NAL HRD only: dec buffering 4");
	g.nal_hrd = 0;
	g.vcl_hrd = 1;
	is_int(gen_parse(&g, &s), RTMP_OK, "VCL HRD only");
	ok(s.has_reorder && s.max_dec_frame_buffering == 4,
	   "VCL HRD only: dec buffering 4");

	/* A bad tail loses the restriction, never the SPS. */
	g.vcl_hrd = 33;
	is_int(gen_parse(&g, &s), RTMP_OK, "cpb_cnt_minus1 32: SPS still OK");
	ok(!s.has_reorder && s.max_num_reorder_frames == 0,
	   "cpb_cnt_minus1 32: no reorder info");
	ok(s.has_timing && s.time_scale == 50,
	   "cpb_cnt_minus1 32: timing kept");
	g.vcl_hrd = 0;
	g.reorder = 16;
	g.dec_buf = 16;
	is_int(gen_parse(&g, &s), RTMP_OK, "reorder 16, dec buffering 16");
	ok(s.has_reorder && s.max_num_reorder_frames == 16, "reorder 16 read");
	is_int(h264_sps_reorder_depth(&s), 16, "depth 16");
	g.dec_buf = 17;
	is_int(gen_parse(&g, &s), RTMP_OK, "dec buffering 17: SPS OK");
	ok(!s.has_reorder, "dec buffering 17: ignored");
	g.reorder = 5;
	g.dec_buf = 4;
	is_int(gen_parse(&g, &s), RTMP_OK, "reorder 5 > dec buffering 4");
	ok(!s.has_reorder, "reorder above dec buffering: ignored");
	g.reorder = 4;
	is_int(gen_parse(&g, &s), RTMP_OK, "reorder 4 = dec buffering 4");
	ok(s.has_reorder, "reorder equal to dec buffering: read");
	g.mv_len = 17;
	is_int(gen_parse(&g, &s), RTMP_OK, "mv length 17: SPS OK");
	ok(!s.has_reorder, "mv length 17: ignored");
	g.mv_len = 0;
	g.restriction = 0;
	is_int(gen_parse(&g, &s), RTMP_OK, "no bitstream_restriction");
	ok(!s.has_reorder, "no bitstream_restriction: has_reorder 0");

	/* Cut before the end of timing_info: MALFORMED. Cut in the tail:
	 * OK without the restriction. Whole: with it. */
	g.restriction = 1;
	g.nal_hrd = 2;
	g.mv_len = 9;
	g.reorder = 2;
	g.dec_buf = 4;
	n = gen_sps(&g, b);
	is_int(parse_copy(b, n, &s), RTMP_OK, "tail prefixes: whole");
	ok(s.has_reorder && s.max_num_reorder_frames == 2,
	   "tail prefixes: whole has reorder 2");
	timing_end = n;
	for (k = 0; k < n; k++) {
		rc = parse_copy(b, k, &t);
		if (rc == RTMP_ERR_MALFORMED) {
			bad++;
			if (timing_end != n)
				tail_ok = 0; /* MALFORMED after an OK */
			continue;
		}
		if (timing_end == n)
			timing_end = k;
		if (rc != RTMP_OK || t.has_reorder || t.time_scale != 50)
			tail_ok = 0;
	}
	ok(tail_ok && bad > 10 && timing_end < n - 10,
	   "prefixes: MALFORMED up to timing_info (%d), then OK without "
	   "reorder info up to %zu",
	   bad, n);
}

static void
test_reorder_depth(void)
{
	struct h264_sps s;

	memset(&s, 0, sizeof(s));
	s.profile_idc = 100;
	s.level_idc = 31; /* MaxDpbMbs 18000 */
	s.pic_width_mbs = 80;
	s.frame_height_mbs = 45;
	is_int(h264_sps_reorder_depth(&s), 5,
	       "no VUI, 720p at level 3.1: MaxDpbFrames 5");
	s.pic_width_mbs = 20;
	s.frame_height_mbs = 15;
	s.level_idc = 13; /* 2376 */
	is_int(h264_sps_reorder_depth(&s), 7, "no VUI, 320x240 at 1.3: 7");
	s.level_idc = 62;
	is_int(h264_sps_reorder_depth(&s), 16,
	       "no VUI, small frames at level 6.2: capped at 16");
	s.level_idc = 14;
	is_int(h264_sps_reorder_depth(&s), 16, "unknown level: 16");
	s.level_idc = 11;
	s.pic_width_mbs = 11;
	s.frame_height_mbs = 9; /* 99 macroblocks: QCIF */
	is_int(h264_sps_reorder_depth(&s), 9, "level 1.1 QCIF: 900 / 99");
	s.profile_idc = 66;
	s.constraint_flags = 0x10;
	is_int(h264_sps_reorder_depth(&s), 4, "level 1b QCIF: 396 / 99");
	s.level_idc = 9;
	s.profile_idc = 100;
	s.constraint_flags = 0;
	is_int(h264_sps_reorder_depth(&s), 4, "level_idc 9 (1b) QCIF: 4");
	s.constraint_flags = 0x10;
	is_int(h264_sps_reorder_depth(&s), 0,
	       "High with constraint_set3 (intra): 0");
	s.profile_idc = 77;
	ok(h264_sps_reorder_depth(&s) == 4, "Main with constraint_set3: 4");
	s.constraint_flags = 0;
	s.pic_order_cnt_type = 2;
	is_int(h264_sps_reorder_depth(&s), 0, "pic_order_cnt_type 2: 0");
	s.pic_order_cnt_type = 0;
	s.pic_width_mbs = 0;
	is_int(h264_sps_reorder_depth(&s), 16, "no frame size: 16");
	s.has_reorder = 1;
	s.max_num_reorder_frames = 1;
	is_int(h264_sps_reorder_depth(&s), 1, "VUI wins: 1");
	s.max_num_reorder_frames = 17; /* not from the parser */
	is_int(h264_sps_reorder_depth(&s), 16, "hand-made 17: capped at 16");
}

/* ---- PPS ---------------------------------------------------------------- */

static int
parse_pps_copy(const uint8_t *b, size_t n, struct h264_pps *p)
{
	uint8_t *d = tap_dup(b, n);
	int rc = h264_pps_parse(d, n, p);

	free(d);
	return rc;
}

static size_t
gen_pps(unsigned pps_id, unsigned sps_id, unsigned cabac, unsigned bottom,
	size_t pad, uint8_t *out)
{
	struct bw w;
	size_t i;

	memset(&w, 0, sizeof(w));
	bw_ue(&w, pps_id);
	bw_ue(&w, sps_id);
	bw_u(&w, 1, cabac);
	bw_u(&w, 1, bottom);
	for (i = 0; i < pad; i++)
		bw_u(&w, 8, i & 0xff);
	return gen_nal(0x68, &w, out);
}

static void
test_pps(void)
{
	/* sample.h264's PPS (x264, CABAC) */
	static const uint8_t real_pps[] = {0x68, 0xeb, 0xec, 0xb2};
	struct h264_pps p;
	uint8_t b[1024];
	size_t n, k;
	int good = 1;

	is_int(parse_pps_copy(real_pps, sizeof(real_pps), &p), RTMP_OK,
	       "sample PPS");
	ok(p.pps_id == 0 && p.sps_id == 0, "sample PPS: ids 0");
	is_int(p.entropy_coding_mode, 1, "sample PPS: CABAC");
	is_int(p.bottom_field_pic_order_in_frame_present, 0,
	       "sample PPS: no bottom field count");
	/* The four fields fit in the first RBSP byte (1 1 1 0). */
	for (k = 0; k < sizeof(real_pps); k++) {
		int rc = parse_pps_copy(real_pps, k, &p);

		if (rc != (k < 2 ? RTMP_ERR_MALFORMED : RTMP_OK))
			good = 0;
	}
	ok(good, "sample PPS prefixes: MALFORMED up to 1 byte, then OK");

	n = gen_pps(255, 31, 0, 1, 0, b);
	is_int(parse_pps_copy(b, n, &p), RTMP_OK, "PPS ids 255 and 31");
	ok(p.pps_id == 255 && p.sps_id == 31 && !p.entropy_coding_mode &&
	       p.bottom_field_pic_order_in_frame_present,
	   "PPS 255/31: fields");
	good = 1;
	for (k = 0; k < n; k++) {
		if (parse_pps_copy(b, k, &p) != RTMP_ERR_MALFORMED)
			good = 0;
	}
	ok(good, "every strict prefix of a PPS without slack: MALFORMED");
	n = gen_pps(256, 0, 1, 0, 0, b);
	is_int(parse_pps_copy(b, n, &p), RTMP_ERR_MALFORMED,
	       "pps id 256: MALFORMED");
	n = gen_pps(0, 32, 1, 0, 0, b);
	is_int(parse_pps_copy(b, n, &p), RTMP_ERR_MALFORMED,
	       "sps id 32: MALFORMED");
	/* ue(0) for both ids and flags 0 then zero padding: 00 00 00 in the
	 * RBSP, escaped, with the fields in the escaped part. */
	n = gen_pps(0, 0, 0, 0, 600, b);
	ok(n > H264_HEADER_PREFIX * 4, "long PPS built (%zu bytes)", n);
	is_int(parse_pps_copy(b, n, &p), RTMP_OK,
	       "PPS far longer than the prefix read");
	n = gen_pps(7, 3, 1, 1, 3, b);
	b[0] = 0x67;
	is_int(parse_pps_copy(b, n, &p), RTMP_ERR_MALFORMED,
	       "an SPS NAL: MALFORMED");
	b[0] = 0xe8;
	is_int(parse_pps_copy(b, n, &p), RTMP_ERR_MALFORMED,
	       "forbidden_zero_bit: MALFORMED");
	b[0] = 0x08;
	is_int(parse_pps_copy(b, n, &p), RTMP_OK, "nal_ref_idc 0 PPS");
	ok(p.pps_id == 7 && p.sps_id == 3, "nal_ref_idc 0 PPS: ids");
	is_int(parse_pps_copy(b, 0, &p), RTMP_ERR_MALFORMED,
	       "empty PPS: MALFORMED");
}

/* ---- slice headers ------------------------------------------------------ */

static struct h264_sps
mk_sps(unsigned poc_type)
{
	struct h264_sps s;

	memset(&s, 0, sizeof(s));
	s.log2_max_frame_num = 4;
	s.log2_max_poc_lsb = 6;
	s.pic_order_cnt_type = poc_type;
	s.frame_mbs_only = 1;
	s.pic_width_mbs = 20;
	s.frame_height_mbs = 15;
	return s;
}

static struct h264_slice
mk_slice(uint8_t type, uint8_t ref, unsigned slice_type)
{
	struct h264_slice sh;

	memset(&sh, 0, sizeof(sh));
	sh.nal_unit_type = type;
	sh.nal_ref_idc = ref;
	sh.slice_type = slice_type;
	return sh;
}

/* 7.3.3 as far as h264_slice_parse reads, then slice data that needs an
 * escape of its own. */
static size_t
gen_slice(const struct h264_sps *sps, const struct h264_pps *pps,
	  const struct h264_slice *sh, size_t pad, uint8_t *out)
{
	struct bw w;
	size_t i;

	memset(&w, 0, sizeof(w));
	bw_ue(&w, sh->first_mb_in_slice);
	bw_ue(&w, sh->slice_type);
	bw_ue(&w, sh->pps_id);
	if (sps->separate_colour_plane)
		bw_u(&w, 2, sh->colour_plane_id);
	bw_u(&w, sps->log2_max_frame_num, sh->frame_num);
	if (!sps->frame_mbs_only) {
		bw_u(&w, 1, (uint32_t)sh->field_pic);
		if (sh->field_pic)
			bw_u(&w, 1, (uint32_t)sh->bottom_field);
	}
	if (sh->nal_unit_type == H264_NAL_IDR)
		bw_ue(&w, sh->idr_pic_id);
	if (sps->pic_order_cnt_type == 0) {
		bw_u(&w, sps->log2_max_poc_lsb, sh->pic_order_cnt_lsb);
		if (pps->bottom_field_pic_order_in_frame_present &&
		    !sh->field_pic)
			bw_se(&w, sh->delta_pic_order_cnt_bottom);
	} else if (sps->pic_order_cnt_type == 1 &&
		   !sps->delta_pic_order_always_zero) {
		bw_se(&w, sh->delta_pic_order_cnt[0]);
		if (pps->bottom_field_pic_order_in_frame_present &&
		    !sh->field_pic)
			bw_se(&w, sh->delta_pic_order_cnt[1]);
	}
	bw_u(&w, 8, 0x55);
	bw_u(&w, 16, 0);
	bw_u(&w, 8, 1);
	for (i = 0; i < pad; i++)
		bw_u(&w, 8, 0xa5);
	return gen_nal((uint8_t)(sh->nal_ref_idc << 5 | sh->nal_unit_type), &w,
		       out);
}

static int
parse_slice_copy(const uint8_t *b, size_t n, const struct h264_sps *sps,
		 const struct h264_pps *pps, struct h264_slice *sh)
{
	uint8_t *d = tap_dup(b, n);
	int rc = h264_slice_parse(d, n, sps, pps, sh);

	free(d);
	return rc;
}

/* Write sh, parse it back: the code, and whether every field came back. */
static int
slice_rt(const struct h264_sps *sps, const struct h264_pps *pps,
	 const struct h264_slice *sh, int *same)
{
	struct h264_slice got;
	uint8_t b[512];
	int rc =
	    parse_slice_copy(b, gen_slice(sps, pps, sh, 4, b), sps, pps, &got);

	*same = memcmp(&got, sh, sizeof(got)) == 0;
	return rc;
}

/* sample.h264 (x264 -bf 2 -b-pyramid): its SPS and PPS, and the first
 * bytes of the first slices in decoding order: IDR, P, B (a reference,
 * b-pyramid) and b. The values are what trace_headers reads. */
static const uint8_t sample_sps[] = {
    0x67, 0x4d, 0x40, 0x0d, 0xec, 0xa0, 0xa0, 0xfd, 0x80, 0x88, 0x00, 0x00,
    0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0x90, 0x78, 0xa1, 0x4c, 0xb0,
};
static const uint8_t sample_pps[] = {0x68, 0xeb, 0xec, 0xb2};
static const struct {
	const char *name;
	uint8_t b[9];
	unsigned type, slice_type, frame_num, lsb, need;
} sample_slices[] = {
    {"IDR",
     {0x65, 0x88, 0x84, 0x00, 0xbf, 0xfe, 0xd4, 0xa7, 0x99},
     5,
     7,
     0,
     0,
     4},
    {"P",
     {0x41, 0x9a, 0x23, 0x6c, 0x45, 0x7f, 0x00, 0x03, 0xef},
     1,
     5,
     1,
     6,
     4},
    {"B",
     {0x41, 0x9e, 0x41, 0x78, 0x84, 0x3f, 0x00, 0x11, 0x71},
     1,
     6,
     2,
     2,
     4},
    {"b",
     {0x01, 0x9e, 0x62, 0x6a, 0x42, 0x5f, 0x00, 0x12, 0xb0},
     1,
     6,
     3,
     4,
     4},
};

static void
test_slice_real(void)
{
	struct h264_sps sps;
	struct h264_pps pps;
	struct h264_slice sh, t;
	size_t i, k;

	is_int(parse_copy(sample_sps, sizeof(sample_sps), &sps), RTMP_OK,
	       "sample SPS");
	is_int(parse_pps_copy(sample_pps, sizeof(sample_pps), &pps), RTMP_OK,
	       "sample PPS");
	is_int(h264_sps_reorder_depth(&sps), 2, "sample: reorder depth 2");
	for (i = 0; i < sizeof(sample_slices) / sizeof(sample_slices[0]); i++) {
		int good = 1;

		is_int(parse_slice_copy(sample_slices[i].b,
					sizeof(sample_slices[i].b), &sps, &pps,
					&sh),
		       RTMP_OK, "sample %s slice", sample_slices[i].name);
		is_int(sh.nal_unit_type, sample_slices[i].type,
		       "sample %s: NAL type", sample_slices[i].name);
		is_int(sh.slice_type, sample_slices[i].slice_type,
		       "sample %s: slice_type", sample_slices[i].name);
		is_int(sh.frame_num, sample_slices[i].frame_num,
		       "sample %s: frame_num", sample_slices[i].name);
		is_int(sh.pic_order_cnt_lsb, sample_slices[i].lsb,
		       "sample %s: pic_order_cnt_lsb", sample_slices[i].name);
		ok(sh.first_mb_in_slice == 0 && sh.pps_id == 0 &&
		       sh.idr_pic_id == 0 && !sh.field_pic,
		   "sample %s: the other fields 0", sample_slices[i].name);
		for (k = 0; k < sizeof(sample_slices[i].b); k++) {
			int rc = parse_slice_copy(sample_slices[i].b, k, &sps,
						  &pps, &t);

			if (k < sample_slices[i].need
				? rc != RTMP_ERR_MALFORMED
				: rc != RTMP_OK ||
				      memcmp(&t, &sh, sizeof(t)) != 0)
				good = 0;
		}
		ok(good,
		   "sample %s: prefixes MALFORMED below %u bytes, then "
		   "the same",
		   sample_slices[i].name, sample_slices[i].need);
	}
}

static void
test_slice_generated(void)
{
	struct h264_sps sps = mk_sps(0);
	struct h264_pps pps;
	struct h264_slice sh, got;
	uint8_t b[2048];
	size_t n, k;
	int same, good;

	memset(&pps, 0, sizeof(pps));
	sh = mk_slice(H264_NAL_IDR, 3, 7);
	sh.idr_pic_id = 65535;
	sh.pic_order_cnt_lsb = 63;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "IDR, id 65535");
	ok(same, "IDR, id 65535: round trip");
	sh.idr_pic_id = 65536;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "idr_pic_id 65536: MALFORMED");
	sh.idr_pic_id = 0;
	sh.slice_type = 4; /* SI */
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "IDR of SI slices");
	sh.slice_type = 9;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "IDR, slice_type 9");
	sh.slice_type = 5;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "IDR of P slices: MALFORMED");
	sh.slice_type = 2;
	sh.frame_num = 1;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "IDR with frame_num 1: MALFORMED");
	sh.frame_num = 0;
	sh.nal_ref_idc = 0;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "IDR with nal_ref_idc 0: MALFORMED");

	sh = mk_slice(H264_NAL_SLICE, 0, 9);
	sh.frame_num = 15;
	sh.first_mb_in_slice = 299; /* 20 x 15 macroblocks */
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "slice_type 9, last macroblock");
	ok(same, "slice_type 9: round trip");
	sh.slice_type = 10;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "slice_type 10: MALFORMED");
	sh.slice_type = 0;
	sh.first_mb_in_slice = 300;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "first_mb_in_slice past the picture: MALFORMED");
	sh.first_mb_in_slice = 0;
	sh.nal_unit_type = 2; /* data partition A */
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "partition A");
	ok(same, "partition A: round trip");
	sh.nal_unit_type = 3;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "partition B (no header): MALFORMED");
	sh.nal_unit_type = H264_NAL_SEI;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "an SEI: MALFORMED");
	sh.nal_unit_type = H264_NAL_SLICE;
	n = gen_slice(&sps, &pps, &sh, 0, b);
	b[0] |= 0x80;
	is_int(parse_slice_copy(b, n, &sps, &pps, &got), RTMP_ERR_MALFORMED,
	       "forbidden_zero_bit: MALFORMED");
	is_int(parse_slice_copy(b, 0, &sps, &pps, &got), RTMP_ERR_MALFORMED,
	       "empty: MALFORMED");

	/* Other parameter sets: UNSUPPORTED, with the id. */
	sh.pps_id = 255;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_UNSUPPORTED,
	       "pps id 255 with PPS 0 given: UNSUPPORTED");
	n = gen_slice(&sps, &pps, &sh, 0, b);
	(void)parse_slice_copy(b, n, &sps, &pps, &got);
	is_int(got.pps_id, 255, "UNSUPPORTED: pps id reported");
	pps.pps_id = 255;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "pps id 255");
	sh.pps_id = 256;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "pps id 256: MALFORMED");
	sh.pps_id = 255;
	pps.sps_id = 1;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_UNSUPPORTED,
	       "PPS of SPS 1 with SPS 0 given: UNSUPPORTED");
	sps.sps_id = 1;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "SPS 1, PPS 255");
	sps.sps_id = 0;
	pps.sps_id = 0;
	pps.pps_id = 0;
	sh.pps_id = 0;

	/* Colour planes, fields, MBAFF. */
	sps.separate_colour_plane = 1;
	sh.colour_plane_id = 2;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "colour plane 2");
	ok(same, "colour plane 2: round trip");
	sh.colour_plane_id = 3;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "colour plane 3: MALFORMED");
	sh.colour_plane_id = 0;
	sps.separate_colour_plane = 0;
	sps.frame_mbs_only = 0;
	sps.frame_height_mbs = 30;
	pps.bottom_field_pic_order_in_frame_present = 1;
	sh.field_pic = 1;
	sh.bottom_field = 1;
	sh.first_mb_in_slice = 299;
	sh.pic_order_cnt_lsb = 33;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "bottom field, last macroblock of the field");
	ok(same, "bottom field: round trip (no delta_pic_order_cnt_bottom)");
	sh.first_mb_in_slice = 300;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "first_mb_in_slice past a field: MALFORMED");
	sh.first_mb_in_slice = 599;
	sh.field_pic = 0;
	sh.bottom_field = 0;
	sh.delta_pic_order_cnt_bottom = -2147483647;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "frame of a field SPS, delta bottom -(2^31 - 1)");
	ok(same, "delta_pic_order_cnt_bottom: round trip");
	sps.mb_adaptive_frame_field = 1;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_ERR_MALFORMED,
	       "MBAFF: first_mb_in_slice counts pairs: MALFORMED");
	sh.first_mb_in_slice = 299;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "MBAFF: last macroblock pair");

	/* pic_order_cnt_type 1 */
	memset(&pps, 0, sizeof(pps));
	sps = mk_sps(1);
	sh = mk_slice(H264_NAL_SLICE, 2, 0);
	sh.delta_pic_order_cnt[0] = 2147483647;
	sh.delta_pic_order_cnt[1] = -2147483647;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "type 1, one delta");
	ok(!same, "type 1 without the bottom flag: delta[1] not read");
	pps.bottom_field_pic_order_in_frame_present = 1;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "type 1, both deltas");
	ok(same, "type 1, both deltas: round trip");
	sps.delta_pic_order_always_zero = 1;
	sh.delta_pic_order_cnt[0] = sh.delta_pic_order_cnt[1] = 0;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "type 1, delta_pic_order_always_zero");
	ok(same, "type 1, always zero: round trip");
	sps = mk_sps(2);
	sh.frame_num = 9;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK, "type 2");
	ok(same, "type 2: round trip (nothing after frame_num)");

	/*
	 * The longest header the ranges allow: first_mb_in_slice 2^25 - 1
	 * (4096 x 8192 macroblocks), 16-bit frame_num and lsb fields, every
	 * se(v) at its extreme. It still fits H264_HEADER_PREFIX, and a
	 * header of zero bits (00 00 03 escapes) reads back too.
	 */
	sps = mk_sps(0);
	sps.pic_width_mbs = 4096;
	sps.frame_height_mbs = 8192;
	sps.log2_max_frame_num = 16;
	sps.log2_max_poc_lsb = 16;
	sps.separate_colour_plane = 1;
	sps.frame_mbs_only = 0;
	sh = mk_slice(H264_NAL_IDR, 1, 9);
	sh.first_mb_in_slice = (1u << 25) - 1;
	sh.pps_id = 255;
	pps.pps_id = 255;
	sh.colour_plane_id = 2;
	sh.idr_pic_id = 65535;
	sh.pic_order_cnt_lsb = 65535;
	sh.delta_pic_order_cnt_bottom = -2147483647;
	n = gen_slice(&sps, &pps, &sh, 1000, b);
	is_int(parse_slice_copy(b, n, &sps, &pps, &got), RTMP_OK,
	       "longest header, 1000 bytes of data after");
	ok(memcmp(&got, &sh, sizeof(sh)) == 0, "longest header: round trip");
	good = 1;
	for (k = 0; k < n; k++) {
		int rc = parse_slice_copy(b, k, &sps, &pps, &got);

		if (rc == RTMP_OK)
			break;
		if (rc != RTMP_ERR_MALFORMED)
			good = 0;
	}
	ok(good && k > 20 && k < 40,
	   "longest header: MALFORMED up to its end (%zu bytes)", k);
	sh = mk_slice(H264_NAL_SLICE, 0, 0);
	sh.pps_id = 255;
	is_int(slice_rt(&sps, &pps, &sh, &same), RTMP_OK,
	       "32 zero bits of frame_num and lsb (escaped)");
	ok(same, "zero header: round trip");
	n = gen_slice(&sps, &pps, &sh, 0, b);
	ok(memchr(b, 3, 12) != NULL, "zero header holds an escape");
}

/* ---- picture order counts ---------------------------------------------- */

/* Build, parse and count one picture: the code, the count in *poc. */
static int
poc_of(struct h264_poc *st, const struct h264_sps *sps,
       const struct h264_pps *pps, const struct h264_slice *sh, int32_t *poc)
{
	struct h264_slice got;
	uint8_t b[512];
	int rc;

	rc = parse_slice_copy(b, gen_slice(sps, pps, sh, 0, b), sps, pps, &got);
	if (rc != RTMP_OK)
		return rc;
	return h264_poc_compute(st, sps, &got, poc);
}

/*
 * sample.h264's first GOP in decoding order, as trace_headers reads it:
 * pic_order_cnt_lsb (MaxPicOrderCntLsb 64) and nal_ref_idc != 0; the
 * counts, which ffprobe's presentation order of sample.flv confirms
 * (pts = 80 + 20 * count ms): 64 + 2 after 62 is the first wrap.
 */
static const uint8_t gop_lsb[50] = {
    0,	6,  2,	4,  12, 8,  10, 18, 14, 16, 24, 20, 22, 30, 26, 28, 36,
    32, 34, 42, 38, 40, 48, 44, 46, 54, 50, 52, 60, 56, 58, 2,	62, 0,
    8,	4,  6,	14, 10, 12, 20, 16, 18, 26, 22, 24, 32, 28, 30, 34,
};
static const char gop_ref[] =
    "11101101101101101101101101101101101101101101101101";
static const int32_t gop_poc[50] = {
    0,	6,  2,	4,  12, 8,  10, 18, 14, 16, 24, 20, 22, 30, 26, 28, 36,
    32, 34, 42, 38, 40, 48, 44, 46, 54, 50, 52, 60, 56, 58, 66, 62, 64,
    72, 68, 70, 78, 74, 76, 84, 80, 82, 90, 86, 88, 96, 92, 94, 98,
};

static void
test_poc_type0(void)
{
	struct h264_sps sps;
	struct h264_pps pps;
	struct h264_slice sh;
	struct h264_poc st, saved;
	int32_t poc;
	unsigned i, gop, good = 1, frame_num = 0;

	is_int(parse_copy(sample_sps, sizeof(sample_sps), &sps), RTMP_OK,
	       "type 0: sample SPS");
	is_int(parse_pps_copy(sample_pps, sizeof(sample_pps), &pps), RTMP_OK,
	       "type 0: sample PPS");
	memset(&st, 0, sizeof(st));
	/* Two GOPs: the IDR resets the counts. */
	for (gop = 0; gop < 2; gop++) {
		for (i = 0; i < 50; i++) {
			sh =
			    mk_slice(i == 0 ? H264_NAL_IDR : H264_NAL_SLICE,
				     gop_ref[i] == '1' ? 2 : 0, i == 0 ? 7 : 5);
			if (i == 0)
				frame_num = 0;
			sh.frame_num = frame_num % 16;
			if (gop_ref[i] == '1')
				frame_num++;
			sh.pic_order_cnt_lsb = gop_lsb[i];
			if (poc_of(&st, &sps, &pps, &sh, &poc) != RTMP_OK ||
			    poc != gop_poc[i]) {
				good = 0;
				printf("# GOP %u frame %u: count %d, want %d\n",
				       gop, i, poc, gop_poc[i]);
			}
		}
	}
	ok(good, "sample.h264's first GOP, twice: the counts ffprobe orders "
		 "by");

	/* MaxPicOrderCntLsb 64: the wrap threshold is exactly half. */
	memset(&st, 0, sizeof(st));
	sh = mk_slice(H264_NAL_IDR, 1, 7);
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK, "IDR");
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.pic_order_cnt_lsb = 32;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK, "lsb 32 after 0");
	is_int(poc, 32, "up by half: no wrap (32)");
	sh.pic_order_cnt_lsb = 0;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 64, "0 after 32: down by half is a forward wrap (64)");
	sh.pic_order_cnt_lsb = 33;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 33, "33 after 64: up by more than half: back (33)");
	sh.nal_ref_idc = 0;
	sh.pic_order_cnt_lsb = 1;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 65, "non-reference 1 after 33: 65");
	sh.pic_order_cnt_lsb = 63;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 63, "non-reference 63: from 33 again (not 65): 63");
	sh.nal_ref_idc = 1;
	sh.pic_order_cnt_lsb = 1;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 65, "reference 1 after 33: 65");
	sh.pic_order_cnt_lsb = 30;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 94, "30 after 65 (lsb 1): 94, from the new base");
	/* Counts may go below zero. */
	memset(&st, 0, sizeof(st));
	sh.pic_order_cnt_lsb = 60;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, -4, "60 right after the start: -4");

	/* Fields and delta_pic_order_cnt_bottom: a frame is its smaller
	 * field. */
	sps.frame_mbs_only = 0;
	sps.frame_height_mbs = 30;
	pps.bottom_field_pic_order_in_frame_present = 1;
	memset(&st, 0, sizeof(st));
	sh = mk_slice(H264_NAL_IDR, 1, 7);
	sh.delta_pic_order_cnt_bottom = -1;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK,
	       "IDR frame, bottom first");
	is_int(poc, -1, "bottom field count -1 is the frame's");
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.field_pic = 1;
	sh.pic_order_cnt_lsb = 4;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 4, "top field 4");
	sh.bottom_field = 1;
	sh.pic_order_cnt_lsb = 5;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 5, "bottom field 5");

	/* 8.2.1: counts stay within 32 bits. */
	sps.frame_mbs_only = 1;
	sps.frame_height_mbs = 15;
	st.prev_msb = 2147483584; /* 2^31 - 64 */
	st.prev_lsb = 60;
	saved = st;
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.pic_order_cnt_lsb = 63;
	sh.delta_pic_order_cnt_bottom = 1;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "bottom count 2^31: MALFORMED");
	ok(memcmp(&st, &saved, sizeof(st)) == 0, "state unchanged");
	sh.delta_pic_order_cnt_bottom = 0;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK,
	       "count 2^31 - 1: OK");
	is_int(poc, 2147483647, "count 2^31 - 1");
	sh.pic_order_cnt_lsb = 0;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "PicOrderCntMsb 2^31: MALFORMED");
	st.prev_msb = -2147483647 - 1;
	st.prev_lsb = 0;
	sh.pic_order_cnt_lsb = 63;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "PicOrderCntMsb -2^31 - 64: MALFORMED");
}

static void
test_poc_type1(void)
{
	struct h264_sps sps = mk_sps(1);
	struct h264_pps pps;
	struct h264_slice sh;
	struct h264_poc st;
	int32_t poc;
	static const struct {
		uint8_t type, ref;
		unsigned frame_num;
		int32_t d0;
		int field, bottom;
		int32_t want;
	} seq[] = {
	    /* IDR: expected 0; top 0, bottom 0 + 1 */
	    {5, 1, 0, 0, 0, 0, 0},
	    /* abs 1: cycle 0, offset[0]: 3 */
	    {1, 1, 1, 0, 0, 0, 3},
	    /* non-ref: abs 2 - 1 = 1: 3 - 5 = -2 */
	    {1, 0, 2, 0, 0, 0, -2},
	    /* abs 2: 3 + 1 = 4, delta 10 */
	    {1, 1, 2, 10, 0, 0, 14},
	    /* abs 3: one cycle (4) + 3 = 7 */
	    {1, 1, 3, 0, 0, 0, 7},
	    /* abs 15: 7 cycles (28) + 3 */
	    {1, 1, 15, 0, 0, 0, 31},
	    /* frame_num 15 -> 0: FrameNumOffset 16, abs 16: 28 + 3 + 1 */
	    {1, 1, 0, 0, 0, 0, 32},
	    /* bottom field of abs 17: 32 + 3 (= 35) + top_to_bottom 1 */
	    {1, 1, 1, 0, 1, 1, 36},
	    /* top field, delta -40 */
	    {1, 1, 1, -40, 1, 0, -5},
	};
	unsigned i;

	memset(&pps, 0, sizeof(pps));
	sps.num_ref_frames_in_poc_cycle = 2;
	sps.offset_for_ref_frame[0] = 3;
	sps.offset_for_ref_frame[1] = 1;
	sps.offset_for_non_ref_pic = -5;
	sps.offset_for_top_to_bottom_field = 1;
	sps.frame_mbs_only = 0;
	sps.frame_height_mbs = 30;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		sh =
		    mk_slice(seq[i].type, seq[i].ref, seq[i].type == 5 ? 7 : 0);
		sh.frame_num = seq[i].frame_num;
		sh.delta_pic_order_cnt[0] = seq[i].d0;
		sh.field_pic = seq[i].field;
		sh.bottom_field = seq[i].bottom;
		is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK,
		       "type 1 step %u", i);
		is_int(poc, seq[i].want, "type 1 step %u: count", i);
	}
	/* A frame whose bottom field comes first. */
	sps.offset_for_top_to_bottom_field = -7;
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.frame_num = 2;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK, "type 1, frame");
	is_int(poc, 4 * 8 + 3 + 1 - 7, "type 1: bottom below top");
	/* No cycle: only the non-reference offset. */
	sps.num_ref_frames_in_poc_cycle = 0;
	sh.nal_ref_idc = 0;
	sh.frame_num = 5;
	sps.offset_for_top_to_bottom_field = 0;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, -5, "type 1, empty cycle, non-reference: -5");

	/* Range: a cycle of 255 offsets of 2^31 - 1. */
	sps.num_ref_frames_in_poc_cycle = 255;
	for (i = 0; i < 255; i++)
		sps.offset_for_ref_frame[i] = 2147483647;
	memset(&st, 0, sizeof(st));
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.frame_num = 1;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK,
	       "abs 1 with huge offsets: 2^31 - 1");
	is_int(poc, 2147483647, "abs 1: offset[0]");
	sh.frame_num = 2;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "abs 2 with huge offsets: MALFORMED");
	st.prev_frame_num_offset = 2147483647 - 65536 - 16;
	st.prev_frame_num = 15;
	sh.frame_num = 0;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "FrameNumOffset near 2^31 and a product past 2^61: MALFORMED");
	sps.offset_for_ref_frame[0] = -2147483647;
	for (i = 1; i < 255; i++)
		sps.offset_for_ref_frame[i] = 0;
	st.prev_frame_num_offset = 0;
	st.prev_frame_num = 0;
	sh.frame_num = 1;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, -2147483647, "count -(2^31 - 1)");
}

static void
test_poc_type2(void)
{
	struct h264_sps sps = mk_sps(2);
	struct h264_pps pps;
	struct h264_slice sh;
	struct h264_poc st, saved;
	int32_t poc;

	memset(&pps, 0, sizeof(pps));
	memset(&st, 0, sizeof(st));
	sh = mk_slice(H264_NAL_IDR, 1, 7);
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK, "type 2 IDR");
	is_int(poc, 0, "type 2 IDR: 0");
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.frame_num = 1;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 2, "reference frame_num 1: 2");
	sh.nal_ref_idc = 0;
	sh.frame_num = 2;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 3, "non-reference frame_num 2: 3");
	sh.nal_ref_idc = 1;
	sh.frame_num = 15;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 30, "frame_num 15: 30");
	sh.frame_num = 0;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 32, "frame_num 0 after 15: FrameNumOffset 16: 32");
	sh.frame_num = 1;
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 34, "frame_num 1: 34");
	sh = mk_slice(H264_NAL_IDR, 1, 7);
	(void)poc_of(&st, &sps, &pps, &sh, &poc);
	is_int(poc, 0, "IDR again: 0");

	/* 2 * (FrameNumOffset + frame_num) must stay within 32 bits. */
	st.prev_frame_num_offset = (1 << 30) - 16;
	st.prev_frame_num = 15;
	saved = st;
	sh = mk_slice(H264_NAL_SLICE, 1, 0);
	sh.frame_num = 0;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "count 2^31: MALFORMED");
	ok(memcmp(&st, &saved, sizeof(st)) == 0, "state unchanged");
	sh.nal_ref_idc = 0;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_OK,
	       "non-reference count 2^31 - 1: OK");
	is_int(poc, 2147483647, "2^31 - 1");
	st.prev_frame_num_offset = 2147483647 - 15;
	st.prev_frame_num = 15;
	is_int(poc_of(&st, &sps, &pps, &sh, &poc), RTMP_ERR_MALFORMED,
	       "FrameNumOffset past 2^31: MALFORMED");
}

/* ---- reordering ------------------------------------------------------- */

/* Push every count, pop what is ready after each, flush at the end. The
 * number of offsets written, or -1 on an error. */
static int
reorder_all(unsigned depth, const int32_t *poc, const int *idr, unsigned n,
	    unsigned *off, unsigned *limits)
{
	struct h264_reorder r;
	unsigned i, got = 0;
	int rc;

	if (h264_reorder_init(&r, depth) != RTMP_OK)
		return -1;
	for (i = 0; i < n; i++) {
		rc = h264_reorder_push(&r, poc[i], idr ? idr[i] : i == 0);
		if (rc == RTMP_ERR_LIMIT && limits != NULL) {
			/* what rtmppush does: rank what waits, go on */
			(*limits)++;
			h264_reorder_flush(&r);
			while (h264_reorder_pop(&r, &off[got]))
				got++;
			rc = h264_reorder_push(&r, poc[i],
					       idr ? idr[i] : i == 0);
		}
		if (rc != RTMP_OK)
			return -1;
		while (h264_reorder_pop(&r, &off[got]))
			got++;
	}
	h264_reorder_flush(&r);
	while (h264_reorder_pop(&r, &off[got]))
		got++;
	return (int)got;
}

static void
test_reorder(void)
{
	/* sample.flv's composition times over 40 ms for its first GOP,
	 * which ffmpeg wrote from x264's own timestamps. */
	static const unsigned flv_cts[50] = {
	    2, 4, 1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1, 4,
	    1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1,
	    4, 1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1, 4, 1, 1, 2,
	};
	int32_t poc[200];
	int idr[200];
	unsigned off[200], i, k, good, done, limits = 0;
	struct h264_reorder r, z;
	uint32_t rnd = 1;

	is_int(reorder_all(2, gop_poc, NULL, 50, off, NULL), 50,
	       "sample GOP: 50 offsets");
	is_mem(off, flv_cts, sizeof(flv_cts),
	       "sample GOP: the offsets are sample.flv's CTS / 40");
	/* Two GOPs: the second starts again at 2 (the IDR flushes). */
	for (i = 0; i < 100; i++) {
		poc[i] = gop_poc[i % 50];
		idr[i] = i % 50 == 0;
	}
	is_int(reorder_all(2, poc, idr, 100, off, NULL), 100, "two GOPs");
	is_mem(off + 50, flv_cts, sizeof(flv_cts), "second GOP: the same");
	/* Presentation order from the offsets: rank = i + off - depth. */
	good = 1;
	for (i = 0; i < 100; i++) {
		for (k = 0; k < 100; k++) {
			if (k != i &&
			    (i + off[i] == k + off[k] ||
			     (i / 50 == k / 50 &&
			      (poc[i] < poc[k]) != (i + off[i] < k + off[k]))))
				good = 0;
		}
	}
	ok(good, "two GOPs: ranks distinct and in count order");

	/* Depth 0: no reordering, offset 0 at once. */
	memset(&z, 0, sizeof(z));
	is_int(h264_reorder_push(&z, 5, 0), RTMP_OK, "zeroed: push");
	ok(h264_reorder_pop(&z, &off[0]) == 1 && off[0] == 0,
	   "zeroed (depth 0): offset 0 at once");
	is_int(h264_reorder_pop(&z, &off[0]), 0, "nothing more");

	/* Depth 2 holds the first frame until the third arrives. */
	h264_reorder_init(&r, 2);
	h264_reorder_push(&r, 0, 1);
	is_int(h264_reorder_pop(&r, &off[0]), 0, "depth 2: 1 frame: wait");
	h264_reorder_push(&r, 4, 0);
	is_int(h264_reorder_pop(&r, &off[0]), 0, "depth 2: 2 frames: wait");
	h264_reorder_push(&r, 2, 0);
	ok(h264_reorder_pop(&r, &off[0]) == 1 && off[0] == 2,
	   "depth 2: third frame ranks the IDR: offset 2");
	is_int(h264_reorder_pop(&r, &off[0]), 0, "depth 2: P waits");
	h264_reorder_flush(&r);
	ok(h264_reorder_pop(&r, &off[0]) == 1 && off[0] == 3,
	   "flush: P after B: offset 3");
	ok(h264_reorder_pop(&r, &off[0]) == 1 && off[0] == 1,
	   "flush: B offset 1");
	is_int(h264_reorder_pop(&r, &off[0]), 0, "flushed: empty");

	/* Equal counts keep decoding order. */
	for (i = 0; i < 5; i++)
		poc[i] = 7;
	is_int(reorder_all(1, poc, NULL, 5, off, NULL), 5, "equal counts");
	ok(off[0] == 1 && off[1] == 1 && off[4] == 1,
	   "equal counts: decoding order");

	/* Limits: depth 16 at most. */
	is_int(h264_reorder_init(&r, H264_REORDER_MAX_DEPTH), RTMP_OK,
	       "depth 16");
	is_int(h264_reorder_init(&r, H264_REORDER_MAX_DEPTH + 1),
	       RTMP_ERR_LIMIT, "depth 17: LIMIT");

	/* Lookahead: with depth 1, a P frame then 16 B frames before it in
	 * order, then the next P: the first P waits 17 frames, the most
	 * allowed (LOOKAHEAD + depth). */
	for (k = 16; k <= 17; k++) {
		int rc = RTMP_OK;

		h264_reorder_init(&r, 1);
		h264_reorder_push(&r, 0, 1);
		(void)h264_reorder_pop(&r, &off[0]);
		h264_reorder_push(&r, 100, 0);
		if (h264_reorder_pop(&r, &off[0]) != 1)
			rc = -100;
		for (i = 0; i < k && rc == RTMP_OK; i++) {
			rc = h264_reorder_push(&r, (int32_t)(1 + i), 0);
			/* the B frames are ranked but wait behind the P */
			if (h264_reorder_pop(&r, &off[0]) != 0)
				rc = -100;
		}
		if (rc == RTMP_OK)
			rc = h264_reorder_push(&r, 200, 0);
		if (k == 16) {
			is_int(rc, RTMP_OK, "16 B frames after a P: OK");
			ok(h264_reorder_pop(&r, &off[0]) == 1 &&
			       off[0] == 16 + 1,
			   "the P comes after 16 B frames: offset %u", off[0]);
		} else {
			is_int(rc, RTMP_ERR_LIMIT, "17 B frames: LIMIT");
			h264_reorder_flush(&r);
			good = 0;
			while (h264_reorder_pop(&r, &off[0]))
				good++;
			is_int(good, 18, "after LIMIT: flush hands out 18");
			is_int(h264_reorder_push(&r, 200, 0), RTMP_OK,
			       "after the flush: pushes again");
		}
	}
	/* Not popping is held against the same bound. */
	h264_reorder_init(&r, 0);
	for (i = 0; i < 1 + H264_REORDER_LOOKAHEAD; i++)
		(void)h264_reorder_push(&r, (int32_t)i, 0);
	is_int(h264_reorder_push(&r, 99, 0), RTMP_ERR_LIMIT,
	       "17 unpopped at depth 0: LIMIT");

	/* Any counts: offsets never negative, ranks a permutation. */
	good = 1;
	done = 0;
	for (k = 0; k < 200; k++) {
		unsigned depth = k % 17, n;
		int got;
		uint8_t seen[400];

		for (i = 0; i < 200; i++) {
			rnd = rnd * 1103515245u + 12345u;
			poc[i] = (int32_t)(rnd >> 8) % 64 - 32;
			idr[i] = (rnd >> 4) % 31 == 0;
		}
		n = 20 + k % 150;
		got = reorder_all(depth, poc, idr, n, off, &limits);
		if (got != (int)n) {
			good = 0;
			continue;
		}
		done++;
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			unsigned rank = i + off[i] - depth;

			if (i + off[i] < depth || rank >= n || seen[rank])
				good = 0;
			else
				seen[rank] = 1;
		}
	}
	ok(good && done == 200 && limits > 10,
	   "random counts: offsets >= 0, ranks a permutation (%u runs, "
	   "%u LIMIT recovered)",
	   done, limits);
}

static void
test_names(void)
{
	struct h264_sps s;

	ok(strcmp(h264_nal_name(H264_NAL_IDR), "IDR") == 0, "name IDR");
	ok(strcmp(h264_nal_name(H264_NAL_SPS), "SPS") == 0, "name SPS");
	ok(strcmp(h264_nal_name(H264_NAL_PPS), "PPS") == 0, "name PPS");
	ok(strcmp(h264_nal_name(H264_NAL_SEI), "SEI") == 0, "name SEI");
	ok(strcmp(h264_nal_name(H264_NAL_AUD), "AUD") == 0, "name AUD");
	ok(strcmp(h264_nal_name(H264_NAL_SLICE), "slice") == 0, "name slice");
	ok(strcmp(h264_nal_name(0), "NAL") == 0, "name 0: NAL");
	ok(strcmp(h264_nal_name(31), "NAL") == 0, "name 31: NAL");
	ok(strcmp(h264_nal_name(255), "NAL") == 0, "name 255: NAL");

	memset(&s, 0, sizeof(s));
	s.num_units_in_tick = 1;
	s.time_scale = 50;
	ok(h264_sps_fps(&s) == 0, "fps without has_timing: 0");
	s.has_timing = 1;
	ok(h264_sps_fps(&s) == 25, "fps 50 / (2 * 1) = 25");
}

int
main(void)
{
	test_real();
	test_generated();
	test_malformed();
	test_names();
	test_vui_tail();
	test_reorder_depth();
	test_pps();
	test_slice_real();
	test_slice_generated();
	test_poc_type0();
	test_poc_type1();
	test_poc_type2();
	test_reorder();
	return done_testing();
}
