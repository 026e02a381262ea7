/*
 * h264_sps_parse: real SPS NAL units written by libx264 (through ffmpeg,
 * one per profile / chroma format / scan / VUI variant, with the values
 * ffprobe reports for them), and SPS built field by field to reach every
 * branch of 7.3.2.1.1 and every range limit exactly at and one past it.
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

/* Build the RBSP, add rbsp_trailing_bits, escape it (7.4.1) and prefix the
 * NAL header. Returns the NAL size. */
static size_t
gen_sps(const struct gen *g, uint8_t *out)
{
	struct bw w;
	size_t i, n, o = 0;
	unsigned zeros = 0;

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
	}
	bw_u(&w, 1, 1); /* rbsp_stop_one_bit */
	n = (w.bits + 7) / 8;
	out[o++] = 0x67;
	for (i = 0; i < n; i++) {
		if (zeros >= 2 && w.b[i] <= 3) {
			out[o++] = 3;
			zeros = 0;
		}
		zeros = w.b[i] == 0 ? zeros + 1 : 0;
		out[o++] = w.b[i];
	}
	return o;
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
	return done_testing();
}
