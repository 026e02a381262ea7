/*
 * rtmppush: publish an FLV file or stream, or raw H.264/AAC, to an RTMP
 * server. The conversation (dial, handshake, connect, releaseStream,
 * FCPublish, createStream, publish, acknowledgements, the polite end) is
 * common/client.c; the inputs are source.c; this file is the policy:
 * pacing against the monotonic clock, loops and timestamps, back-pressure,
 * reconnects, signals, progress and the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <zlib.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cli.h"
#include "client.h"
#include "load.h"
#include "log.h"
#include "tls.h"
#include "source.h"

/* Defaults and limits, each documented in rtmppush(1). */
#define PUSH_CHUNK_SIZE_DEFAULT	     4096
#define PUSH_CHUNK_SIZE_MAX	     (1u << 24)
#define PUSH_TIMEOUT_DEFAULT_MS	     10000
#define PUSH_TIMEOUT_MAX_MS	     86400000u	    /* a day */
#define PUSH_DURATION_MAX_MS	     31622400000ull /* a year */
#define PUSH_QUEUE_DEFAULT	     (1u << 20) /* bytes queued for the server */
#define PUSH_QUEUE_MIN		     (16u << 10)
#define PUSH_QUEUE_MAX		     (1u << 30)
#define PUSH_RECONNECT_MIN_MS	     500  /* first backoff, doubling */
#define PUSH_RECONNECT_MAX_MS	     8000 /* largest backoff */
#define PUSH_RECONNECT_TRIES_DEFAULT 10
#define PUSH_LOOP_MAX		     1000000
#define PUSH_SPEED_MIN		     0.01
#define PUSH_SPEED_MAX		     1000.0
#define PUSH_FPS_MIN		     0.01
#define PUSH_FPS_MAX		     1000.0
/* Largest gap between the first data message and the first media message
 * taken as it is; a larger one is skipped. */
#define PUSH_MEDIA_GAP_MS 1000
/* Messages sent per turn of the event loop, so signals and the socket are
 * served during an unpaced push. */
#define PUSH_BATCH 64
/* The session's own output bound: one message of the largest size the
 * sources make, chunked, on top of the queue bound. */
#define PUSH_SESS_MAX_OUT ((size_t)2 * SRC_MAX_MESSAGE + (1u << 20))

struct push_opts {
	const char *inputs[2];
	unsigned ninputs;
	const char *url_str;
	struct rtmp_url url;
	enum src_format format;
	double fps;
	double speed; /* 0 = unpaced */
	uint64_t loop;
	uint32_t start_ts;
	uint64_t duration_ms;
	uint32_t chunk_size;
	uint64_t timeout_ms;
	int reconnect;
	uint64_t reconnect_max;
	size_t max_queue;
	const char *send_log;
	int json, verbose, quiet;
	int insecure;	     /* rtmps://: no certificate checks */
	const char *ca_file; /* rtmps://: trust this PEM bundle */
	/* load mode (-N) */
	uint32_t connections;
	double ramp;
	uint64_t interval_ms;
	const char *load_only;	 /* a load-mode option given, for the error */
	const char *single_only; /* an option load mode does not take */
};

/* A sequence header or onMetaData as last sent, sent again first on a new
 * connection. */
struct cached {
	uint8_t *p;
	size_t len, cap;
};

/* A message on its way to the socket (--send-log). */
struct sent_rec {
	uint64_t end; /* the connection's output byte count once it is out */
	uint32_t crc, size;
	int video;
};

struct push {
	struct push_opts o;
	struct event_base *base;
	struct rtmp_client_cfg cfg;
	struct rtmp_client *client;
	struct src src;
	struct event *ev_int, *ev_term, *pace, *rd, *retry, *tick, *kick;

	/* The next message, read but not sent yet. */
	struct push_msg msg;
	int have_msg;
	int64_t msg_rel; /* ms since the first message, all loops */

	/* Time: rel = loop_offset + (t - loop_first_t). */
	int64_t loop_first_t, loop_offset;
	int have_loop_first, have_loop_media;
	uint64_t loops_done;
	uint64_t loop_msgs;
	int64_t last_rel; /* of the last message read */
	int64_t v_last, v_iv, a_last, a_iv;
	int have_v, have_a;
	uint64_t anchor_us;
	int64_t anchor_rel;
	int anchored;

	struct cached meta, vseq, aseq;
	int need_key;	    /* drop video until a key frame (new connection) */
	int resend_headers; /* send the cached headers first */

	int primed;	/* the first message was read: connect */
	int ready;	/* publishing on this connection */
	int ever_ready; /* publishing began at least once */
	int input_done; /* nothing more to send */
	int want_exit;
	int exit_code;
	int signals;
	unsigned attempts; /* failures in a row */
	uint64_t reconnects;
	char reason[32];

	/* --send-log: messages queued, logged once the socket took them. */
	FILE *send_log;
	struct sent_rec *recs; /* a ring */
	size_t rec_head, rec_n, rec_cap;

	/* Statistics. */
	uint64_t video, audio, data, headers, bytes, dropped;
	uint64_t started_ms;
	int have_ts;
	int64_t first_rel, max_rel; /* of the messages sent */
	uint64_t sec_bytes;	    /* bytes at the previous per-second line */
	uint64_t last_written;	    /* socket progress, for the stall check */
	uint64_t progress_ms;	    /* when it last moved */
	int progress_shown;
};

static void
usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: %s [options] INPUT... URL\n"
	    "\n"
	    "Publish an FLV file (.flv, .flv.gz, '-' for stdin), or raw "
	    "H.264 (.h264)\n"
	    "and/or AAC ADTS (.aac), to an RTMP server, paced in real time.\n"
	    "\n"
	    "  -f, --format FMT        input format: flv, h264 or aac "
	    "(default: by the\n"
	    "                          extension; stdin is flv)\n"
	    "      --fps N             raw H.264 frame rate (default: from "
	    "the SPS)\n"
	    "  -s, --speed X           pace at X times real time (default 1; "
	    "max or 0 =\n"
	    "                          as fast as the server reads)\n"
	    "  -l, --loop N            send the input N times (default 1; 0 = "
	    "forever)\n"
	    "      --start-ts MS       timestamp of the first message "
	    "(default 0)\n"
	    "  -d, --duration SEC      stop after SEC of stream time\n"
	    "  -c, --chunk-size N      outgoing chunk size (default 4096)\n"
	    "  -t, --timeout SEC       limit for each connection step and for "
	    "output\n"
	    "                          making no progress (default 10; 0 = "
	    "none)\n"
	    "  -r, --reconnect         reconnect when the connection fails, "
	    "timestamps\n"
	    "                          continuing\n"
	    "      --reconnect-max N   give up after N failed attempts in a "
	    "row\n"
	    "                          (default 10; 0 = never)\n"
	    "      --max-queue BYTES   bytes queued for the server before "
	    "reading pauses\n"
	    "                          (default 1M)\n"
	    "      --send-log FILE     append a line per audio/video message "
	    "once written\n"
	    "                          to the socket (for rtmppull "
	    "--latency-log)\n"
	    "      --ca-file FILE      rtmps://: trust the CAs in FILE (PEM) "
	    "instead of\n"
	    "                          the system's\n"
	    "      --insecure          rtmps://: skip the certificate and "
	    "host name checks\n"
	    "\n"
	    "Load mode (many publishers of the same input):\n"
	    "  -N, --connections N     N publishers in one process; {i} in "
	    "the URL\n"
	    "                          becomes 0..N-1\n"
	    "      --ramp PER_SEC      connections started per second "
	    "(default 200)\n"
	    "      --interval SEC      statistics every SEC (default 1; 0 = "
	    "summary only)\n"
	    "      --json              summary object on stdout (and "
	    "per-second stats\n"
	    "                          with -v); logs as JSON lines\n"
	    "  -q, --quiet             errors only on stderr\n"
	    "  -v, --verbose           more on stderr (repeatable)\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           version\n"
	    "\n"
	    "URL: rtmp[s]://host[:port]/app[/instance]/stream[?query]\n"
	    "Exit: 0 ok, 1 failure, 2 usage, 3 connection, 4 protocol or TLS, "
	    "5 refused,\n"
	    "      6 timeout, 7 invalid input.\n",
	    cli_prog());
}

enum {
	OPT_FPS = 256,
	OPT_START_TS,
	OPT_RECONNECT_MAX,
	OPT_MAX_QUEUE,
	OPT_JSON,
	OPT_SEND_LOG,
	OPT_CA_FILE,
	OPT_INSECURE,
	OPT_RAMP,
	OPT_INTERVAL,
};

static const struct option long_opts[] = {
    {"format", required_argument, NULL, 'f'},
    {"fps", required_argument, NULL, OPT_FPS},
    {"speed", required_argument, NULL, 's'},
    {"loop", required_argument, NULL, 'l'},
    {"start-ts", required_argument, NULL, OPT_START_TS},
    {"duration", required_argument, NULL, 'd'},
    {"chunk-size", required_argument, NULL, 'c'},
    {"timeout", required_argument, NULL, 't'},
    {"reconnect", no_argument, NULL, 'r'},
    {"reconnect-max", required_argument, NULL, OPT_RECONNECT_MAX},
    {"max-queue", required_argument, NULL, OPT_MAX_QUEUE},
    {"json", no_argument, NULL, OPT_JSON},
    {"send-log", required_argument, NULL, OPT_SEND_LOG},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"connections", required_argument, NULL, 'N'},
    {"ramp", required_argument, NULL, OPT_RAMP},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/*
 * rtmps://: a build without TLS refuses it as a usage error; a CA file
 * (or system store) that cannot be loaded is an error before dialling.
 * Generic: belongs in common/ (the same check is in rtmppull, rtmpprobe).
 */
static void
check_tls(const struct push_opts *o)
{
	rtmp_client_tls_precheck(&o->url, o->url_str, o->insecure, o->ca_file);
}

static void
parse_args(int argc, char **argv, struct push_opts *o)
{
	char err[160];
	int ch, i;

	memset(o, 0, sizeof(*o));
	o->speed = 1.0;
	o->loop = 1;
	o->chunk_size = PUSH_CHUNK_SIZE_DEFAULT;
	o->timeout_ms = PUSH_TIMEOUT_DEFAULT_MS;
	o->reconnect_max = PUSH_RECONNECT_TRIES_DEFAULT;
	o->max_queue = PUSH_QUEUE_DEFAULT;
	o->ramp = PLOAD_RAMP_DEFAULT;
	o->interval_ms = PLOAD_INTERVAL_DEFAULT_MS;
	while ((ch = getopt_long(argc, argv, "f:s:l:d:c:t:rN:qvhV", long_opts,
				 NULL)) != -1) {
		switch (ch) {
		case 'N':
			o->connections = (uint32_t)cli_uint(
			    "--connections", optarg, 1, PLOAD_MAX_CONNECTIONS);
			break;
		case OPT_RAMP:
			o->ramp =
			    cli_double("--ramp", optarg, 0.01, PLOAD_RAMP_MAX);
			o->load_only = "--ramp";
			break;
		case OPT_INTERVAL:
			o->interval_ms = cli_duration_ms(
			    "--interval", optarg, 0, PLOAD_INTERVAL_MAX_MS);
			o->load_only = "--interval";
			break;
		case 'f':
			if (strcmp(optarg, "flv") == 0)
				o->format = SRC_FMT_FLV;
			else if (strcmp(optarg, "h264") == 0)
				o->format = SRC_FMT_H264;
			else if (strcmp(optarg, "aac") == 0)
				o->format = SRC_FMT_AAC;
			else
				cli_usage_error("--format: '%s' is not one of "
						"flv, h264, aac",
						optarg);
			break;
		case OPT_FPS:
			o->fps = cli_double("--fps", optarg, PUSH_FPS_MIN,
					    PUSH_FPS_MAX);
			break;
		case 's':
			if (strcmp(optarg, "max") == 0)
				o->speed = 0;
			else if (strspn(optarg, "0.") == strlen(optarg) &&
				 strchr(optarg, '0'))
				o->speed = 0; /* "0", "0.0" */
			else
				o->speed =
				    cli_double("--speed", optarg,
					       PUSH_SPEED_MIN, PUSH_SPEED_MAX);
			break;
		case 'l':
			o->loop = cli_uint("--loop", optarg, 0, PUSH_LOOP_MAX);
			break;
		case OPT_START_TS:
			o->start_ts = (uint32_t)cli_uint("--start-ts", optarg,
							 0, UINT32_MAX);
			break;
		case 'd':
			o->duration_ms = cli_duration_ms(
			    "--duration", optarg, 1, PUSH_DURATION_MAX_MS);
			break;
		case 'c':
			o->chunk_size = (uint32_t)cli_uint(
			    "--chunk-size", optarg, CHUNK_SIZE_DEFAULT,
			    PUSH_CHUNK_SIZE_MAX);
			break;
		case 't':
			o->timeout_ms = cli_duration_ms("--timeout", optarg, 0,
							PUSH_TIMEOUT_MAX_MS);
			break;
		case 'r':
			o->reconnect = 1;
			o->single_only = "-r";
			break;
		case OPT_RECONNECT_MAX:
			o->reconnect_max =
			    cli_uint("--reconnect-max", optarg, 0, 1000000);
			o->single_only = "--reconnect-max";
			break;
		case OPT_MAX_QUEUE:
			o->max_queue =
			    (size_t)cli_bytes("--max-queue", optarg,
					      PUSH_QUEUE_MIN, PUSH_QUEUE_MAX);
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_SEND_LOG:
			o->send_log = optarg;
			break;
		case OPT_CA_FILE:
			if (optarg[0] == '\0')
				cli_usage_error("--ca-file: empty file name");
			o->ca_file = optarg;
			break;
		case OPT_INSECURE:
			o->insecure = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(RK_EXIT_OK);
		case 'V':
			cli_print_version();
			exit(RK_EXIT_OK);
		default:
			fprintf(stderr,
				"Try '%s --help' for more information.\n",
				cli_prog());
			exit(RK_EXIT_USAGE);
		}
	}
	if (argc - optind < 2)
		cli_usage_error(argc - optind == 0
				    ? "missing INPUT and URL"
				    : "missing URL (or INPUT) after '%s'",
				argc > optind ? argv[optind] : "");
	if (argc - optind > 3)
		cli_usage_error("too many arguments: at most two inputs (one "
				"H.264, one AAC) and a URL");
	for (i = optind; i < argc - 1; i++)
		o->inputs[o->ninputs++] = argv[i];
	o->url_str = argv[argc - 1];
	if (o->ninputs == 2 && strcmp(o->inputs[0], "-") == 0 &&
	    strcmp(o->inputs[1], "-") == 0)
		cli_usage_error("stdin ('-') can be only one of the inputs");
	if (o->ninputs == 2 && o->format != SRC_FMT_AUTO)
		cli_usage_error("--format applies to a single input (two "
				"inputs are told apart by their extensions)");
	for (i = 0; i < (int)o->ninputs; i++)
		if (strcmp(o->inputs[i], "-") == 0 && isatty(STDIN_FILENO))
			cli_usage_error("refusing to read media from a "
					"terminal: pipe it in ('-' is "
					"stdin)");
	if (o->quiet && o->verbose)
		cli_usage_error("-q and -v contradict each other");
	if (o->connections == 0 && o->load_only)
		cli_usage_error("%s needs -N (load mode)", o->load_only);
	if (o->connections > 0) {
		if (o->single_only)
			cli_usage_error("%s does not apply to load mode (-N)",
					o->single_only);
		for (i = 0; i < (int)o->ninputs; i++)
			if (strcmp(o->inputs[i], "-") == 0)
				cli_usage_error("-N reads its input into "
						"memory first: use a file, "
						"not stdin");
		/* Each publisher's URL ({i} expanded) is checked by
		 * pload_run; the first one here for TLS. */
		if (strstr(o->url_str, "{i}") == NULL &&
		    rtmp_url_parse(o->url_str, &o->url, err, sizeof(err)) !=
			RTMP_OK)
			cli_usage_error("bad URL '%s': %s", o->url_str, err);
		if (strstr(o->url_str, "{i}") == NULL) {
			check_tls(o);
			if (o->url.stream[0] == '\0')
				cli_usage_error("URL '%s' names no stream",
						o->url_str);
		}
		return;
	}
	if (strstr(o->url_str, "{i}"))
		cli_usage_error("'{i}' in the URL needs -N (load mode)");
	if (rtmp_url_parse(o->url_str, &o->url, err, sizeof(err)) != RTMP_OK)
		cli_usage_error("bad URL '%s': %s", o->url_str, err);
	check_tls(o);
	if (o->url.stream[0] == '\0')
		cli_usage_error("URL '%s' names no stream (rtmp://host/app/"
				"stream)",
				o->url_str);
}

/* ---- ending ---------------------------------------------------------- */

static void
clear_progress(struct push *p)
{
	if (p->progress_shown) {
		fputs("\r\033[K", stderr);
		p->progress_shown = 0;
	}
}

static void
report(struct push *p, int code, const char *why)
{
	clear_progress(p);
	if (p->o.json)
		LOG_EV(LOG_ERROR, "error", LKV_S("msg", why),
		       LKV_I("exit_code", code));
	else
		cli_warn("%s", why);
}

static void
set_reason(struct push *p, const char *reason)
{
	if (reason != p->reason)
		snprintf(p->reason, sizeof(p->reason), "%s", reason);
}

static const char *
code_reason(int code)
{
	switch (code) {
	case RK_EXIT_OK:
		return "closed";
	case RK_EXIT_REFUSED:
		return "refused";
	case RK_EXIT_TIMEOUT:
		return "timeout";
	case RK_EXIT_PROTOCOL:
		return "protocol_error";
	case RK_EXIT_INPUT:
		return "input_error";
	case RK_EXIT_FAIL:
		return "error";
	default:
		return "connection_error";
	}
}

/* The end is decided and no connection is up. */
static void
finish(struct push *p, int code, const char *why)
{
	p->want_exit = 1;
	p->exit_code = code;
	if (code != RK_EXIT_OK && why)
		report(p, code, why);
	else if (why)
		LOG_EV(LOG_INFO, "end", LKV_S("reason", why));
	event_base_loopexit(p->base, NULL);
}

/*
 * The end is decided: unpublish politely (FCUnpublish, deleteStream) when
 * a connection is up, and leave the loop once it is closed.
 */
static void
stop(struct push *p, int code, const char *why, const char *reason)
{
	if (p->want_exit)
		return;
	set_reason(p, reason);
	if (p->client == NULL) {
		finish(p, code, why);
		return;
	}
	p->want_exit = 1;
	p->exit_code = code;
	if (code != RK_EXIT_OK)
		report(p, code, why);
	else
		LOG_EV(LOG_INFO, "end", LKV_S("reason", why));
	/* on_end sees want_exit and leaves the loop. */
	rtmp_client_stop(p->client, code, why);
}

/* ---- sending --------------------------------------------------------- */

static int
cache_put(struct cached *c, const struct push_msg *m)
{
	if (m->len > c->cap) {
		uint8_t *n = realloc(c->p, m->len);

		if (n == NULL)
			return -1;
		c->p = n;
		c->cap = m->len;
	}
	memcpy(c->p, m->data, m->len);
	c->len = m->len;
	return 0;
}

static struct cached *
cache_of(struct push *p, const struct push_msg *m)
{
	return m->type == RTMP_MSG_VIDEO   ? &p->vseq
	       : m->type == RTMP_MSG_AUDIO ? &p->aseq
					   : &p->meta;
}

static uint32_t
out_ts(const struct push *p, int64_t rel)
{
	return (uint32_t)((uint64_t)p->o.start_ts + (uint64_t)rel);
}

/* Remember an audio or video message just queued, for --send-log. */
static int
sent_add(struct push *p, uint8_t type, const uint8_t *d, size_t n)
{
	struct sent_rec *r;

	if (p->rec_n == p->rec_cap) {
		size_t ncap = p->rec_cap ? 2 * p->rec_cap : 1024, i;
		struct sent_rec *nr = malloc(ncap * sizeof(*nr));

		if (nr == NULL)
			return -1;
		for (i = 0; i < p->rec_n; i++)
			nr[i] = p->recs[(p->rec_head + i) % p->rec_cap];
		free(p->recs);
		p->recs = nr;
		p->rec_cap = ncap;
		p->rec_head = 0;
	}
	r = &p->recs[(p->rec_head + p->rec_n) % p->rec_cap];
	/* rtmp_client_send moved the chunks to the socket buffer: the
	 * message is out once the connection's output count passes this. */
	r->end = p->client->conn->sess.bytes_out;
	r->crc = (uint32_t)crc32(0L, d, (uInt)n);
	r->size = (uint32_t)n;
	r->video = type == RTMP_MSG_VIDEO;
	p->rec_n++;
	return 0;
}

static uint64_t socket_written(const struct push *p);

/* Log the messages the socket has taken whole (CLOCK_MONOTONIC µs, the
 * format rtmppull's lat.h reads). */
static void
sent_flush(struct push *p)
{
	uint64_t w, now;
	int any = 0;

	if (p->send_log == NULL || p->rec_n == 0 || p->client == NULL)
		return;
	w = socket_written(p);
	now = clock_mono_us();
	while (p->rec_n > 0 && p->recs[p->rec_head].end <= w) {
		const struct sent_rec *r = &p->recs[p->rec_head];

		fprintf(p->send_log,
			"%" PRIu64 " %08" PRIx32 " %s %" PRIu32 " %s\n", now,
			r->crc, r->video ? "video" : "audio", r->size,
			p->o.url.stream);
		p->rec_head = (p->rec_head + 1) % p->rec_cap;
		p->rec_n--;
		any = 1;
	}
	if (any)
		fflush(p->send_log);
}

static int
send_raw(struct push *p, uint8_t type, int64_t rel, const uint8_t *d, size_t n)
{
	int rc = rtmp_client_send(p->client, type, out_ts(p, rel), d, n);

	if (rc != RTMP_OK)
		return rc;
	if (p->send_log && type != RTMP_MSG_DATA_AMF0) {
		if (sent_add(p, type, d, n) < 0)
			return RTMP_ERR_NOMEM;
		/* Written at once (the usual case): log it with the time of
		 * the write, not of a later loop turn. */
		sent_flush(p);
	}
	p->bytes += n;
	if (!p->have_ts) {
		p->first_rel = p->max_rel = rel;
		p->have_ts = 1;
	}
	if (rel > p->max_rel)
		p->max_rel = rel;
	return RTMP_OK;
}

/* A new connection: the stream's configuration before any media. */
static int
resend_headers(struct push *p)
{
	int64_t rel = p->have_msg ? p->msg_rel : p->max_rel;
	struct cached *c[3] = {&p->meta, &p->vseq, &p->aseq};
	static const uint8_t type[3] = {RTMP_MSG_DATA_AMF0, RTMP_MSG_VIDEO,
					RTMP_MSG_AUDIO};
	unsigned i;

	for (i = 0; i < 3; i++) {
		if (c[i]->len == 0)
			continue;
		if (send_raw(p, type[i], rel, c[i]->p, c[i]->len) != RTMP_OK)
			return -1;
	}
	p->need_key = p->vseq.len > 0;
	return 0;
}

/*
 * Send p->msg (or drop it while waiting for a key frame). Counts: frames
 * are audio and video messages other than sequence headers; data messages
 * are type 18 (onMetaData...).
 */
static int
send_msg(struct push *p)
{
	struct push_msg *m = &p->msg;
	struct flv_video_info vi;
	int rc;

	p->have_msg = 0;
	if (m->type == RTMP_MSG_VIDEO && !m->config && p->need_key) {
		if (!m->keyframe) {
			p->dropped++;
			return 0;
		}
		p->need_key = 0;
	}
	rc = send_raw(p, m->type, p->msg_rel, m->data, m->len);
	if (rc != RTMP_OK)
		return rc;
	if (m->type == RTMP_MSG_DATA_AMF0)
		p->data++;
	else if (m->config ||
		 (m->type == RTMP_MSG_VIDEO &&
		  flv_video_parse(m->data, m->len, &vi) == RTMP_OK &&
		  vi.is_seq_end))
		p->headers++;
	else if (m->type == RTMP_MSG_VIDEO)
		p->video++;
	else
		p->audio++;
	if (m->config && cache_put(cache_of(p, m), m) < 0)
		return RTMP_ERR_NOMEM;
	return 0;
}

/* ---- reading --------------------------------------------------------- */

static int
same_as_cache(const struct push *p, const struct push_msg *m)
{
	const struct cached *c = m->type == RTMP_MSG_VIDEO   ? &p->vseq
				 : m->type == RTMP_MSG_AUDIO ? &p->aseq
							     : &p->meta;

	return c->len > 0 && c->len == m->len &&
	       memcmp(c->p, m->data, m->len) == 0;
}

/*
 * Where the next loop starts: after the last frame of each stream plus
 * one frame interval of that stream, so that neither goes backwards.
 */
static int64_t
next_loop_offset(const struct push *p)
{
	int64_t end = p->last_rel + 1, e;

	if (p->have_v) {
		e = p->v_last + (p->v_iv > 0 ? p->v_iv : 1);
		if (e > end)
			end = e;
	}
	if (p->have_a) {
		e = p->a_last + (p->a_iv > 0 ? p->a_iv : 1);
		if (e > end)
			end = e;
	}
	return end;
}

/*
 * Read the next message into p->msg: SRC_MSG, SRC_END (nothing more to
 * send: input, loops or --duration done), SRC_WAIT (p->rd armed) or
 * SRC_ERROR.
 */
static int
fetch(struct push *p)
{
	struct push_msg *m = &p->msg;

	for (;;) {
		int r = src_next(&p->src, m);
		int64_t rel;

		if (r == SRC_WAIT) {
			event_del(p->rd);
			event_assign(p->rd, p->base, p->src.wait_fd, EV_READ,
				     event_get_callback(p->rd), p);
			event_add(p->rd, NULL);
			return SRC_WAIT;
		}
		if (r == SRC_ERROR)
			return r;
		if (r == SRC_END) {
			p->loops_done++;
			if ((p->o.loop != 0 && p->loops_done >= p->o.loop) ||
			    p->loop_msgs == 0)
				return SRC_END;
			p->loop_offset = next_loop_offset(p);
			p->have_loop_first = 0;
			p->loop_msgs = 0;
			LOG_EV(LOG_INFO, "loop",
			       LKV_U("loop", p->loops_done + 1),
			       LKV_I("offset_ms", p->loop_offset));
			if (src_rewind(&p->src) < 0)
				return SRC_ERROR;
			continue;
		}
		if (!p->have_loop_first) {
			p->loop_first_t = m->t;
			p->have_loop_first = 1;
			p->have_loop_media = 0;
		}
		/*
		 * Time starts at the first audio or video frame: a file
		 * recorded with absolute timestamps has its onMetaData and
		 * sequence headers at 0 and its frames hours later, which
		 * must not be waited for.
		 */
		if (!p->have_loop_media && m->type != RTMP_MSG_DATA_AMF0 &&
		    !m->config) {
			p->have_loop_media = 1;
			if (m->t - p->loop_first_t > PUSH_MEDIA_GAP_MS)
				p->loop_first_t = m->t;
		}
		p->loop_msgs++;
		rel = p->loop_offset + (m->t - p->loop_first_t);
		if (rel < 0)
			rel = 0;
		if (p->o.duration_ms && rel >= (int64_t)p->o.duration_ms) {
			set_reason(p, "duration");
			return SRC_END;
		}
		/* Later loops: the configuration is already out. */
		if (m->config && p->loops_done > 0 && same_as_cache(p, m))
			continue;
		if (m->type == RTMP_MSG_VIDEO && !m->config) {
			if (p->have_v && rel > p->v_last)
				p->v_iv = rel - p->v_last;
			p->v_last = rel;
			p->have_v = 1;
		} else if (m->type == RTMP_MSG_AUDIO && !m->config) {
			if (p->have_a && rel > p->a_last)
				p->a_iv = rel - p->a_last;
			p->a_last = rel;
			p->have_a = 1;
		}
		if (rel > p->last_rel)
			p->last_rel = rel;
		p->msg_rel = rel;
		p->have_msg = 1;
		return SRC_MSG;
	}
}

static void
input_error(struct push *p)
{
	int code = p->src.err_code ? p->src.err_code : RK_EXIT_INPUT;

	if (code == RK_EXIT_USAGE)
		cli_usage_error("%s", p->src.err);
	stop(p, code, p->src.err, "input_error");
}

static void start_client(struct push *p);

/* Nothing more to send: unpublish once the queued bytes are written. */
static void
input_done(struct push *p)
{
	if (!p->input_done) {
		p->input_done = 1;
		if (p->reason[0] == '\0')
			set_reason(p, "end_of_input");
	}
	if (p->client == NULL || !p->ready)
		return;
	if (rtmp_client_pending(p->client) > 0)
		return; /* on_drain comes back */
	sent_flush(p);
	stop(p, RK_EXIT_OK,
	     strcmp(p->reason, "duration") == 0 ? "duration reached"
						: "end of input",
	     p->reason);
}

static void
arm_timer(struct event *ev, uint64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	evtimer_add(ev, &tv);
}

/*
 * The heart: read, wait for the message's time, wait for room, send;
 * repeated until one of them has to wait for an event.
 */
static void
pump(struct push *p)
{
	unsigned n;
	int r;

	if (p->want_exit)
		return;
	if (!p->primed) {
		/* Read the first message before dialling: a bad input fails
		 * without touching the server. */
		r = fetch(p);
		if (r == SRC_WAIT)
			return;
		if (r == SRC_ERROR) {
			input_error(p);
			return;
		}
		if (r == SRC_END) {
			set_reason(p, "input_error");
			finish(p, RK_EXIT_INPUT,
			       "the input holds no audio, video or data");
			return;
		}
		p->primed = 1;
		start_client(p);
		return;
	}
	if (!p->ready || p->client == NULL)
		return;
	if (p->resend_headers) {
		p->resend_headers = 0;
		if (resend_headers(p) < 0) {
			stop(p, RK_EXIT_FAIL, "cannot queue the headers",
			     "error");
			return;
		}
	}
	for (n = 0; n < PUSH_BATCH; n++) {
		if (p->input_done) {
			input_done(p);
			return;
		}
		if (!p->have_msg) {
			r = fetch(p);
			if (r == SRC_WAIT)
				return;
			if (r == SRC_ERROR) {
				input_error(p);
				return;
			}
			if (r == SRC_END) {
				input_done(p);
				return;
			}
		}
		if (p->o.speed > 0) {
			uint64_t now = clock_mono_us(), due;

			if (!p->anchored) {
				p->anchor_us = now;
				p->anchor_rel = p->msg_rel;
				p->anchored = 1;
			}
			due = p->anchor_us;
			if (p->msg_rel > p->anchor_rel)
				due += (uint64_t)((double)(p->msg_rel -
							   p->anchor_rel) *
						  1000.0 / p->o.speed);
			if (due > now) {
				arm_timer(p->pace, due - now);
				return;
			}
		}
		if (rtmp_client_pending(p->client) >= p->o.max_queue)
			return; /* on_drain comes back */
		r = send_msg(p);
		if (r != RTMP_OK) {
			char why[96];

			snprintf(why, sizeof(why), "cannot send a message: %s",
				 rtmp_strerror(r));
			stop(p, RK_EXIT_FAIL, why, "error");
			return;
		}
	}
	/* More to do: after the loop has served the socket and signals. */
	event_active(p->kick, EV_TIMEOUT, 0);
}

static void
pump_cb(evutil_socket_t fd, short what, void *arg)
{
	pump(arg);
}

/* ---- the connection -------------------------------------------------- */

static void
on_ready(struct rtmp_client *c, void *arg)
{
	struct push *p = arg;

	p->ready = 1;
	p->attempts = 0;
	p->anchored = 0;
	p->progress_ms = clock_mono_ms();
	p->last_written = c->conn ? c->conn->sess.bytes_out : 0;
	LOG_EV(LOG_INFO, "publishing", LKV_S("url", p->o.url_str),
	       LKV_U("stream_id", c->stream_id),
	       LKV_U("reconnects", p->reconnects));
	if (p->ever_ready) {
		p->resend_headers = 1;
		p->reconnects++;
	}
	p->ever_ready = 1;
	/* With a send log every write is news (see sent_flush); pump checks
	 * the queue bound itself. */
	rtmp_client_set_drain(c, p->send_log ? SIZE_MAX : p->o.max_queue / 2);
	pump(p);
}

static void
on_drain(struct rtmp_client *c, void *arg)
{
	struct push *p = arg;

	sent_flush(p);
	if (p->input_done)
		input_done(p);
	else
		pump(p);
}

static void
on_status(struct rtmp_client *c, const struct rtmp_status *st, void *arg)
{
	struct push *p = arg;
	char code[128], desc[256], why[448];

	snprintf(code, sizeof(code), "%.*s",
		 (int)(st->code.len > 120 ? 120 : st->code.len),
		 st->code.p ? (const char *)st->code.p : "");
	snprintf(desc, sizeof(desc), "%.*s",
		 (int)(st->description.len > 240 ? 240 : st->description.len),
		 st->description.p ? (const char *)st->description.p : "");
	LOG_EV(LOG_DEBUG, "status", LKV_S("code", code),
	       LKV_S("description", desc));
	if (p->want_exit || !rtmp_str_eq(st->level, "error"))
		return;
	/* Publishing ended by the server (another publisher took over, an
	 * authorisation expired): reconnecting would fight over it. */
	snprintf(why, sizeof(why), "publish ended by the server: %s%s%s", code,
		 desc[0] ? ": " : "", desc);
	stop(p, RK_EXIT_REFUSED, why, "refused");
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct push *p = arg;

	if (!p->want_exit)
		start_client(p);
}

static void
schedule_retry(struct push *p, const char *why)
{
	unsigned delay = PUSH_RECONNECT_MIN_MS;

	for (unsigned i = 1; i < p->attempts && delay < PUSH_RECONNECT_MAX_MS;
	     i++)
		delay *= 2;
	if (delay > PUSH_RECONNECT_MAX_MS)
		delay = PUSH_RECONNECT_MAX_MS;
	clear_progress(p);
	LOG_EV(LOG_WARN, "reconnect", LKV_S("reason", why),
	       LKV_U("attempt", p->attempts),
	       LKV_U("max_attempts", p->o.reconnect_max),
	       LKV_U("delay_ms", delay));
	arm_timer(p->retry, (uint64_t)delay * 1000);
}

static void
on_end(struct rtmp_client *c, int code, const char *why,
       const struct rtmp_status *st, void *arg)
{
	struct push *p = arg;
	char buf[400];
	int was_ready = p->ready;

	p->client = NULL;
	p->ready = 0;
	p->rec_n = 0; /* what was not written is lost with the connection */
	evtimer_del(p->pace);
	event_del(p->kick);
	if (p->want_exit) {
		event_base_loopexit(p->base, NULL);
		return;
	}
	if (code == RK_EXIT_CONNECT && c->step == RTMP_STEP_TCP) {
		snprintf(buf, sizeof(buf), "cannot connect to %s:%u: %s",
			 p->o.url.host, p->o.url.port, why);
		why = buf;
	} else if (was_ready && code == RK_EXIT_CONNECT) {
		snprintf(buf, sizeof(buf), "connection lost: %s", why);
		why = buf;
	}
	if (code == RK_EXIT_OK) {
		/* Closed without our asking while publishing. */
		code = RK_EXIT_CONNECT;
		why = "the server closed the connection";
	}
	if (!p->o.reconnect) {
		set_reason(p, code_reason(code));
		finish(p, code, why);
		return;
	}
	p->attempts++;
	if (p->o.reconnect_max && p->attempts > p->o.reconnect_max) {
		char last[480];

		snprintf(last, sizeof(last),
			 "giving up after %u attempts: %.400s", p->attempts - 1,
			 why);
		set_reason(p, "reconnect_failed");
		finish(p, code, last);
		return;
	}
	schedule_retry(p, why);
	(void)st;
}

static const struct rtmp_client_ops push_ops = {
    .on_ready = on_ready,
    .on_status = on_status,
    .on_drain = on_drain,
    .on_end = on_end,
};

static void
start_client(struct push *p)
{
	char err[256];

	p->client =
	    rtmp_client_start(p->base, &p->cfg, &push_ops, p, err, sizeof(err));
	if (p->client != NULL)
		return;
	if (p->o.reconnect &&
	    (p->o.reconnect_max == 0 || ++p->attempts <= p->o.reconnect_max)) {
		schedule_retry(p, err);
		return;
	}
	set_reason(p, "connection_error");
	finish(p, RK_EXIT_CONNECT, err);
}

/* ---- signals, progress, statistics ------------------------------------- */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct push *p = arg;

	p->signals++;
	if (p->client == NULL) {
		set_reason(p, "signal");
		finish(p, RK_EXIT_OK, "interrupted");
		return;
	}
	if (p->signals > 1) {
		/* A second signal: no more politeness. */
		p->want_exit = 1;
		p->exit_code = RK_EXIT_OK;
		rtmp_client_abort(p->client, RK_EXIT_OK, "interrupted");
		return;
	}
	stop(p, RK_EXIT_OK,
	     sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)",
	     "signal");
}

static uint64_t
socket_written(const struct push *p)
{
	const struct net_conn *nc = p->client ? p->client->conn : NULL;

	if (nc == NULL)
		return 0;
	return net_conn_written(nc);
}

static double
kbps(uint64_t bytes, int64_t ms)
{
	return ms > 0 ? (double)bytes * 8.0 / (double)ms : 0;
}

static int64_t
stream_ms(const struct push *p)
{
	return p->have_ts ? p->max_rel - p->first_rel : 0;
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct push *p = arg;
	uint64_t now = clock_mono_ms(), elapsed = now - p->started_ms;
	size_t queued = p->client ? rtmp_client_pending(p->client) : 0;

	sent_flush(p);
	/* Output that makes no progress: the server stopped reading. */
	if (p->ready && p->client && !p->want_exit) {
		uint64_t w = socket_written(p);

		if (w != p->last_written || queued == 0) {
			p->last_written = w;
			p->progress_ms = now;
		} else if (p->o.timeout_ms &&
			   now - p->progress_ms >= p->o.timeout_ms) {
			char why[128];

			snprintf(why, sizeof(why),
				 "output stalled: the server read nothing "
				 "for %.1f s (%zu bytes queued)",
				 (double)p->o.timeout_ms / 1000.0, queued);
			if (p->o.reconnect) {
				LOG_EV(LOG_WARN, "stalled",
				       LKV_S("reason", why));
				rtmp_client_abort(p->client, RK_EXIT_TIMEOUT,
						  why);
			} else {
				set_reason(p, "stalled");
				p->want_exit = 1;
				p->exit_code = RK_EXIT_TIMEOUT;
				report(p, RK_EXIT_TIMEOUT, why);
				rtmp_client_abort(p->client, RK_EXIT_TIMEOUT,
						  why);
			}
			return;
		}
	}
	if (p->o.json && p->o.verbose && p->ever_ready) {
		printf("{\"event\":\"stats\",\"elapsed_ms\":%" PRIu64
		       ",\"timestamp\":%" PRIu32 ",\"video_frames\":%" PRIu64
		       ",\"audio_frames\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"bitrate_kbps\":%.1f,\"queued_bytes\":%zu"
		       ",\"dropped\":%" PRIu64 ",\"reconnects\":%" PRIu64
		       ",\"connected\":%s}\n",
		       elapsed, out_ts(p, p->max_rel), p->video, p->audio,
		       p->bytes, kbps(p->bytes - p->sec_bytes, 1000), queued,
		       p->dropped, p->reconnects, p->ready ? "true" : "false");
		fflush(stdout);
	}
	if (!p->o.quiet && isatty(STDERR_FILENO) && p->ever_ready &&
	    !p->want_exit) {
		fprintf(stderr,
			"\r\033[K%.1f s  stream %.1f s  %" PRIu64
			" video %" PRIu64 " audio frames  %.0f kbit/s  "
			"dropped %" PRIu64 "  queued %zu KiB%s",
			(double)elapsed / 1000.0, (double)stream_ms(p) / 1000.0,
			p->video, p->audio, kbps(p->bytes - p->sec_bytes, 1000),
			p->dropped + src_dropped(&p->src), queued / 1024,
			p->ready ? "" : "  (reconnecting)");
		fflush(stderr);
		p->progress_shown = 1;
	}
	p->sec_bytes = p->bytes;
}

static void
print_summary(struct push *p)
{
	uint64_t elapsed = clock_mono_ms() - p->started_ms;

	printf("{\"event\":\"summary\",\"url\":");
	json_put_cstr(stdout, p->o.url_str);
	printf(",\"exit_code\":%d,\"reason\":", p->exit_code);
	json_put_cstr(stdout, p->reason[0] ? p->reason : "closed");
	printf(",\"elapsed_ms\":%" PRIu64 ",\"video_frames\":%" PRIu64
	       ",\"audio_frames\":%" PRIu64 ",\"data_messages\":%" PRIu64
	       ",\"bytes\":%" PRIu64 ",\"duration_ms\":%" PRId64
	       ",\"bitrate_kbps\":%.1f,\"dropped\":%" PRIu64
	       ",\"loops\":%" PRIu64 ",\"reconnects\":%" PRIu64,
	       elapsed, p->video, p->audio, p->data, p->bytes, stream_ms(p),
	       kbps(p->bytes, stream_ms(p)), p->dropped + src_dropped(&p->src),
	       p->loops_done, p->reconnects);
	if (p->have_ts)
		printf(",\"first_timestamp\":%" PRIu32
		       ",\"last_timestamp\":%" PRIu32,
		       out_ts(p, p->first_rel), out_ts(p, p->max_rel));
	printf("}\n");
	fflush(stdout);
}

/* ---- main ------------------------------------------------------------ */

/* -N: the input is read once, then load.c publishes it N times. */
static int
run_load(struct push *p)
{
	struct pload_opts lo;
	int rc;

	memset(&lo, 0, sizeof(lo));
	lo.url = p->o.url_str;
	lo.n = p->o.connections;
	lo.ramp = p->o.ramp;
	lo.interval_ms = p->o.interval_ms;
	lo.speed = p->o.speed;
	lo.loop = p->o.loop;
	lo.start_ts = p->o.start_ts;
	lo.duration_ms = p->o.duration_ms;
	lo.chunk_size = p->o.chunk_size;
	lo.timeout_ms = p->o.timeout_ms;
	lo.max_queue = p->o.max_queue;
	lo.sess_max_out = PUSH_SESS_MAX_OUT;
	lo.send_log = p->o.send_log;
	lo.insecure = p->o.insecure;
	lo.ca_file = p->o.ca_file;
	lo.json = p->o.json;
	lo.quiet = p->o.quiet;
	lo.verbose = p->o.verbose;
	rc = pload_run(&lo, &p->src);
	src_close(&p->src);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct push pu;
	struct push *p = &pu;
	struct src_opts so;
	enum log_level lvl;
	struct timeval sec = {1, 0};

	cli_init(argv[0]);
	parse_args(argc, argv, &p->o);
	lvl = p->o.quiet ? LOG_ERROR : LOG_WARN;
	if (p->o.verbose)
		lvl = p->o.verbose >= 3	  ? LOG_TRACE
		      : p->o.verbose == 2 ? LOG_DEBUG
					  : LOG_INFO;
	log_setup(lvl, p->o.json);
	signal(SIGPIPE, SIG_IGN);

	memset(&so, 0, sizeof(so));
	so.paths[0] = p->o.inputs[0];
	so.paths[1] = p->o.inputs[1];
	so.n = p->o.ninputs;
	so.forced = p->o.format;
	so.fps = p->o.fps;
	p->started_ms = clock_mono_ms();
	if (src_open(&p->src, &so) < 0) {
		int code = p->src.err_code ? p->src.err_code : RK_EXIT_INPUT;

		if (code == RK_EXIT_USAGE)
			cli_usage_error("%s", p->src.err);
		report(p, code, p->src.err);
		p->exit_code = code;
		set_reason(p, code_reason(code));
		if (p->o.json)
			print_summary(p);
		src_close(&p->src);
		return code;
	}
	if (p->o.fps > 0 && p->src.v == NULL)
		cli_usage_error("--fps applies to raw H.264 input only");
	if (p->o.loop != 1 && !p->src.rewindable)
		cli_usage_error("--loop %" PRIu64 " needs regular files: %s "
				"cannot be rewound",
				p->o.loop,
				p->o.inputs[0][0] == '-' && !p->o.inputs[0][1]
				    ? "stdin"
				    : "a pipe");

	if (p->o.connections > 0)
		return run_load(p);

	if (p->o.send_log) {
		p->send_log = fopen(p->o.send_log, "a");
		if (p->send_log == NULL) {
			cli_warn("cannot open %s: %s", p->o.send_log,
				 strerror(errno));
			src_close(&p->src);
			return RK_EXIT_FAIL;
		}
	}

	memset(&p->cfg, 0, sizeof(p->cfg));
	p->cfg.mode = RTMP_CLIENT_PUBLISH;
	p->cfg.url = p->o.url;
	p->cfg.chunk_size = p->o.chunk_size;
	p->cfg.tls_insecure = p->o.insecure;
	p->cfg.tls_ca_file = p->o.ca_file;
	p->cfg.step_timeout_ms = p->o.timeout_ms ? (int)p->o.timeout_ms : -1;
	p->cfg.sess.max_out_bytes = PUSH_SESS_MAX_OUT;

	p->base = event_base_new();
	if (p->base == NULL) {
		cli_warn("cannot create the event loop");
		return RK_EXIT_FAIL;
	}
	p->ev_int = evsignal_new(p->base, SIGINT, signal_cb, p);
	p->ev_term = evsignal_new(p->base, SIGTERM, signal_cb, p);
	p->pace = evtimer_new(p->base, pump_cb, p);
	p->kick = evtimer_new(p->base, pump_cb, p);
	p->rd = event_new(p->base, -1, EV_READ, pump_cb, p);
	p->retry = evtimer_new(p->base, retry_cb, p);
	p->tick = event_new(p->base, -1, EV_PERSIST, tick_cb, p);
	if (!p->ev_int || !p->ev_term || !p->pace || !p->kick || !p->rd ||
	    !p->retry || !p->tick || evsignal_add(p->ev_int, NULL) ||
	    evsignal_add(p->ev_term, NULL) || event_add(p->tick, &sec)) {
		cli_warn("cannot set up events");
		return RK_EXIT_FAIL;
	}
	p->exit_code = RK_EXIT_OK;

	pump(p);
	if (!p->want_exit)
		event_base_dispatch(p->base);

	clear_progress(p);
	if (p->client) /* the loop left with a client (second signal) */
		rtmp_client_abort(p->client, p->exit_code, "exiting");
	if (p->o.json)
		print_summary(p);
	else if (p->ever_ready)
		LOG_EV(LOG_INFO, "summary", LKV_S("reason", p->reason),
		       LKV_U("video_frames", p->video),
		       LKV_U("audio_frames", p->audio),
		       LKV_U("bytes", p->bytes),
		       LKV_U("dropped", p->dropped + src_dropped(&p->src)),
		       LKV_U("reconnects", p->reconnects));
	src_close(&p->src);
	free(p->meta.p);
	free(p->vseq.p);
	free(p->aseq.p);
	free(p->recs);
	if (p->send_log && fclose(p->send_log) != 0 && p->exit_code == 0) {
		cli_warn("%s: %s", p->o.send_log, strerror(errno));
		p->exit_code = RK_EXIT_FAIL;
	}
	event_free(p->ev_int);
	event_free(p->ev_term);
	event_free(p->pace);
	event_free(p->kick);
	event_free(p->rd);
	event_free(p->retry);
	event_free(p->tick);
	event_base_free(p->base);
	return p->exit_code;
}
