/*
 * rtmpdump-flv: inspect, check and dump FLV files (legacy and Enhanced
 * RTMP), the offline companion to rtmppull. Options and policy here; the
 * parts are in desc.c (decode a tag), print.c/amfprint.c (listing),
 * check.c, summary.c and extract.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dumpflv.h"
#include "flvio.h"

static void
usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: %s [-cjqsVvx] [--strict] [--max-gap duration]\n"
	    "       [--max-tag-size bytes] [--max-skip bytes] [--amf-nodes n]\n"
	    "       [--extract-video file] [--extract-audio file] file | -\n"
	    "\n"
	    "Inspect, check and dump an FLV file (.flv, .flv.gz or a stream on\n"
	    "stdin), Enhanced RTMP codecs included. By default one line per\n"
	    "tag.\n"
	    "\n"
	    "  -s, --summary           duration, tag counts, codecs, rates,\n"
	    "                          keyframe intervals, gaps\n"
	    "  -c, --check             report every problem with its offset;\n"
	    "                          exit 7 when an error was found\n"
	    "      --strict            warnings fail too (exit 7)\n"
	    "      --max-gap DURATION  timestamp jump reported as a gap\n"
	    "                          (default 5s; 0 = never)\n"
	    "      --extract-video FILE  H.264 as Annex B (- = stdout)\n"
	    "      --extract-audio FILE  AAC as ADTS (- = stdout)\n"
	    "  -x, --hexdump           first bytes of each tag's data\n"
	    "                          (16; -v 64; -vv 256)\n"
	    "  -j, --json              JSON lines instead of text\n"
	    "      --max-tag-size BYTES  larger tags are corrupt\n"
	    "                          (default 16M)\n"
	    "      --max-skip BYTES    give up after this much data without\n"
	    "                          a tag (default 64M; 0 = never)\n"
	    "      --amf-nodes N       AMF0 values decoded per script tag\n"
	    "                          (default %u)\n"
	    "  -q, --quiet             no diagnostics; with --check, no output\n"
	    "  -v, --verbose           more detail (repeatable)\n"
	    "  -V, --version           print the version and exit\n"
	    "  -h, --help              print this help and exit\n"
	    "\n"
	    "Exit status: 0 ok, 1 I/O failure, 2 usage, 7 invalid input or\n"
	    "check failed.\n",
	    cli_prog(), DF_AMF_NODES_DEFAULT);
}

enum {
	OPT_STRICT = 256,
	OPT_MAX_GAP,
	OPT_MAX_TAG,
	OPT_AMF_NODES,
	OPT_MAX_SKIP,
	OPT_XVIDEO,
	OPT_XAUDIO,
};

static const struct option longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, 'j'},
    {"summary", no_argument, NULL, 's'},
    {"check", no_argument, NULL, 'c'},
    {"hexdump", no_argument, NULL, 'x'},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"max-gap", required_argument, NULL, OPT_MAX_GAP},
    {"max-tag-size", required_argument, NULL, OPT_MAX_TAG},
    {"amf-nodes", required_argument, NULL, OPT_AMF_NODES},
    {"max-skip", required_argument, NULL, OPT_MAX_SKIP},
    {"extract-video", required_argument, NULL, OPT_XVIDEO},
    {"extract-audio", required_argument, NULL, OPT_XAUDIO},
    {NULL, 0, NULL, 0},
};

static void
parse_args(struct df_opts *o, int argc, char **argv)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->gap_ms = DF_GAP_MS_DEFAULT;
	o->max_tag = FLV_READER_MAX_TAG_DEFAULT;
	o->amf_nodes = DF_AMF_NODES_DEFAULT;
	o->max_skip = DF_MAX_SKIP_DEFAULT;
	while ((ch = getopt_long(argc, argv, "hVqvjscx", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			exit(RK_EXIT_OK);
		case 'V':
			cli_print_version();
			exit(RK_EXIT_OK);
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'j':
			o->json = 1;
			break;
		case 's':
			o->summary = 1;
			break;
		case 'c':
			o->check = 1;
			break;
		case 'x':
			o->hexdump = 1;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_MAX_GAP:
			o->gap_ms =
			    cli_duration_ms("--max-gap", optarg, 0, UINT32_MAX);
			break;
		case OPT_MAX_TAG:
			/* Below 1 KiB nothing real fits; FLV's DataSize is
			 * 24 bits. */
			o->max_tag = (uint32_t)cli_bytes(
			    "--max-tag-size", optarg, 1024, FLV_MAX_TAG_DATA);
			break;
		case OPT_AMF_NODES:
			o->amf_nodes = (uint32_t)cli_uint("--amf-nodes", optarg,
							  16, 1u << 20);
			break;
		case OPT_MAX_SKIP:
			o->max_skip =
			    cli_bytes("--max-skip", optarg, 0, UINT64_MAX);
			break;
		case OPT_XVIDEO:
			o->video_out = optarg;
			break;
		case OPT_XAUDIO:
			o->audio_out = optarg;
			break;
		default:
			fprintf(stderr,
				"Try '%s --help' for more information.\n",
				cli_prog());
			exit(RK_EXIT_USAGE);
		}
	}
	if (optind >= argc)
		cli_usage_error("missing input file (use - for stdin)");
	if (optind + 1 < argc)
		cli_usage_error("one input file only, got '%s' and '%s'",
				argv[optind], argv[optind + 1]);
	o->path = argv[optind];
	if (o->path[0] == '\0')
		cli_usage_error("empty input file name");
	if (o->video_out != NULL && o->audio_out != NULL &&
	    strcmp(o->video_out, o->audio_out) == 0)
		cli_usage_error("--extract-video and --extract-audio both "
				"write to '%s'",
				o->video_out);
	if ((o->video_out != NULL && strcmp(o->video_out, "-") == 0) ||
	    (o->audio_out != NULL && strcmp(o->audio_out, "-") == 0)) {
		if (o->summary || o->check)
			cli_usage_error("--extract-%s -: stdout is taken by "
					"--%s",
					o->video_out &&
						strcmp(o->video_out, "-") == 0
					    ? "video"
					    : "audio",
					o->summary ? "summary" : "check");
	}
	if (o->hexdump &&
	    (o->summary || o->check || o->video_out || o->audio_out))
		cli_usage_error("--hexdump goes with the tag listing, not with "
				"--summary, --check or --extract-*");
	o->list = !o->summary && !o->check && o->video_out == NULL &&
		  o->audio_out == NULL;
}

/* The codec reader's structural findings, with their severity. */
static void
reader_problem(struct df_ctx *c, const struct flv_event *ev)
{
	uint64_t off = ev->offset;

	switch (ev->problem) {
	case FLV_PROB_BAD_SIGNATURE:
		df_problem(c, off, DF_ERROR, "bad_signature",
			   "not an FLV file: it does not start with 'FLV'");
		break;
	case FLV_PROB_BAD_VERSION:
		df_problem(c, off, DF_WARNING, "bad_version",
			   "FLV version %u, expected 1", ev->header.version);
		break;
	case FLV_PROB_BAD_HEADER_SIZE:
		df_problem(c, off, DF_ERROR, "bad_header_size",
			   "header DataOffset %lu is not between %u and %u + "
			   "--max-tag-size; %u assumed",
			   (unsigned long)ev->header.data_offset,
			   FLV_HEADER_SIZE, FLV_HEADER_SIZE, FLV_HEADER_SIZE);
		break;
	case FLV_PROB_PREV_SIZE:
		/* Before the header event it is PreviousTagSize0 (E.3: always
		 * 0); otherwise it follows the tag in ev->tag. */
		df_problem(
		    c, off, DF_ERROR, "prev_tag_size",
		    "PreviousTagSize is %lu, expected %lu",
		    (unsigned long)ev->prev_size,
		    c->have_header
			? (unsigned long)(FLV_TAG_HEADER_SIZE + ev->tag.size)
			: 0ul);
		break;
	case FLV_PROB_BAD_TAG_TYPE:
		df_problem(c, off, DF_ERROR, "bad_tag_type",
			   "unknown tag type %u (not 8, 9 or 18)",
			   ev->tag.type);
		break;
	case FLV_PROB_TAG_TOO_BIG:
		df_problem(c, off, DF_ERROR, "tag_too_big",
			   "tag DataSize %lu is more than %lu (--max-tag-size)",
			   (unsigned long)ev->tag.size,
			   (unsigned long)c->o.max_tag);
		break;
	case FLV_PROB_STREAM_ID:
		df_problem(c, off, DF_WARNING, "stream_id",
			   "tag StreamID is %lu, not 0",
			   (unsigned long)ev->tag.stream_id);
		break;
	case FLV_PROB_RESERVED_BITS:
		df_problem(c, off, DF_WARNING, "reserved_bits",
			   "reserved bits set in the tag header (0x%02x)",
			   (unsigned)(ev->tag.reserved << 6));
		break;
	case FLV_PROB_ENCRYPTED:
		df_problem(
		    c, off, DF_WARNING, "encrypted",
		    "the tag's Filter bit is set (encrypted); its data is not "
		    "decoded");
		break;
	case FLV_PROB_TRUNCATED:
		df_problem(c, off, DF_ERROR, "truncated",
			   "the input ends inside a tag");
		break;
	case FLV_PROB_TRAILING:
		df_problem(c, off, DF_WARNING, "trailing",
			   "the input ends inside the last PreviousTagSize");
		break;
	case FLV_PROB_GARBAGE:
		/* One event per window of skipped bytes: counted here and
		 * reported once, by the resync or at the end. */
		c->garbage = ev->skipped;
		c->garbage_offset = off;
		break;
	default:
		df_problem(c, off, DF_ERROR, "reader", "%s",
			   flv_problem_name(ev->problem));
		break;
	}
}

static int progress_shown;

void
df_progress_clear(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = 0;
	}
}

/* "name: N MB read" on a terminal, redrawn at most every 250 ms and
 * cleared before any other output line. */
static void
progress(struct df_ctx *c, struct flv_src *in)
{
	static uint64_t last;
	uint64_t now = clock_mono_ms(), size = in->size;
	uint64_t off = flv_src_offset(in);

	if (now - last < 250)
		return;
	last = now;
	fprintf(stderr, "\r%s: %llu MB read", c->name,
		(unsigned long long)(off >> 20));
	if (size > 0)
		fprintf(stderr, " (file: %llu MB)",
			(unsigned long long)(size >> 20));
	fflush(stderr);
	progress_shown = 1;
}

static void
handle_tag(struct df_ctx *c, const struct flv_event *ev, int *stop)
{
	struct df_tag t;

	df_describe(&t, ev);
	c->tags_bytes +=
	    FLV_TAG_HEADER_SIZE + (uint64_t)ev->tag.size + FLV_PREV_TAG_SIZE;
	c->last_tag_total = FLV_TAG_HEADER_SIZE + ev->tag.size;
	df_summary_tag(c, &t);
	df_print_tag(c, &t);
	if (t.encrypted)
		return;
	df_check_tag(c, &t);
	if (df_extract_tag(c, &t) < 0)
		*stop = 1;
}

static int
finish(struct df_ctx *c)
{
	int rc = RK_EXIT_OK;

	if (c->o.check && !c->o.quiet) {
		if (c->o.json) {
			fputs("{\"event\":\"check\",\"file\":", c->out);
			json_put_cstr(c->out, c->name);
			fprintf(
			    c->out,
			    ",\"errors\":%llu,\"warnings\":%llu,\"ok\":%s}\n",
			    (unsigned long long)c->errors,
			    (unsigned long long)c->warnings,
			    c->errors == 0 && (!c->o.strict || c->warnings == 0)
				? "true"
				: "false");
		} else if (c->errors + c->warnings == 0) {
			fprintf(c->out,
				"%s: ok: %llu tags (video %llu, audio %llu, "
				"script %llu)\n",
				c->name, (unsigned long long)c->n_tags,
				(unsigned long long)c->v.tags,
				(unsigned long long)c->a.tags,
				(unsigned long long)c->n_script);
		} else {
			fprintf(c->out, "%s: %llu error(s), %llu warning(s)\n",
				c->name, (unsigned long long)c->errors,
				(unsigned long long)c->warnings);
		}
	}
	if (c->o.summary)
		df_summary_print(c);
	if (c->errors > 0 || (c->o.strict && c->warnings > 0))
		rc = RK_EXIT_INPUT;
	if (df_extract_exit != RK_EXIT_OK)
		rc = df_extract_exit;
	return rc;
}

int
main(int argc, char **argv)
{
	struct df_ctx ctx, *c = &ctx;
	struct flv_src in;
	struct flv_event ev;
	int stop = 0, rc, show_progress, read_failed = 0;

	cli_init(argv[0]);
	memset(c, 0, sizeof(*c));
	parse_args(&c->o, argc, argv);
	c->out = stdout;
	/* Live input (rtmppull URL | rtmpdump-flv -) shows each line as it
	 * comes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	c->nodes = calloc(c->o.amf_nodes, sizeof(*c->nodes));
	if (c->nodes == NULL) {
		cli_warn("out of memory");
		return RK_EXIT_FAIL;
	}
	if (flv_src_open(&in, c->o.path, c->o.max_tag) < 0) {
		cli_warn("%s", in.err);
		free(c->nodes);
		return RK_EXIT_FAIL;
	}
	c->name = in.name;
	if (df_extract_open(c) < 0) {
		df_extract_close(c, 1);
		flv_src_close(&in);
		free(c->nodes);
		return df_extract_exit;
	}
	show_progress = !c->o.quiet && isatty(STDERR_FILENO) &&
			!(c->o.list && isatty(STDOUT_FILENO));
	while (!stop) {
		rc = flv_src_next(&in, &ev);
		if (rc == 0)
			break;
		if (rc < 0) {
			df_progress_clear();
			cli_warn("%s", in.err);
			read_failed =
			    in.bad_data ? RK_EXIT_INPUT : RK_EXIT_FAIL;
			break;
		}
		switch (ev.type) {
		case FLV_EV_HEADER:
			c->have_header = 1;
			c->header = ev.header;
			c->tags_bytes +=
			    (uint64_t)ev.header.data_offset + FLV_PREV_TAG_SIZE;
			df_print_header(c, &ev);
			df_check_header(c, &ev.header);
			break;
		case FLV_EV_TAG:
			handle_tag(c, &ev, &stop);
			break;
		case FLV_EV_PROBLEM:
			if (ev.problem == FLV_PROB_TRUNCATED && !c->have_header)
				df_problem(c, 0, DF_ERROR, "truncated", "%s",
					   flv_src_offset(&in) == 0
					       ? "the input is empty"
					       : "the input ends inside "
						 "the FLV header");
			else
				reader_problem(c, &ev);
			if (c->o.max_skip > 0 && c->garbage > c->o.max_skip) {
				uint64_t at = flv_src_offset(&in) - c->garbage;

				df_problem(c, at, DF_ERROR, "no_tag",
					   "no FLV tag in the %llu bytes from "
					   "here; giving up (--max-skip)",
					   (unsigned long long)c->garbage);
				c->garbage = 0;
				stop = 1;
			}
			break;
		case FLV_EV_RESYNC:
			c->resyncs++;
			c->skipped += ev.skipped;
			c->garbage = 0;
			df_print_resync(c, &ev);
			break;
		default:
			break;
		}
		if (show_progress)
			progress(c, &in);
	}
	df_progress_clear();
	c->end_offset = flv_src_offset(&in);
	if (c->garbage > 0) {
		c->skipped += c->garbage;
		df_problem(c, c->end_offset - c->garbage, DF_NOTE, "garbage",
			   "the last %llu bytes hold no FLV tag",
			   (unsigned long long)c->garbage);
	}
	if (!c->have_header && c->errors == 0 && !read_failed)
		df_problem(c, 0, DF_ERROR, "bad_signature",
			   "not an FLV file: %s",
			   c->end_offset == 0 ? "the input is empty"
					      : "no FLV header");
	df_check_end(c);
	df_extract_close(c, stop || read_failed);
	rc = finish(c);
	if (read_failed)
		rc = read_failed;
	flv_src_close(&in);
	free(c->nodes);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warn("stdout: write error");
		return RK_EXIT_FAIL;
	}
	return rc;
}
