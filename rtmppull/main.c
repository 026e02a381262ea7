/*
 * rtmppull: play an RTMP stream and write it as FLV, or describe it one line
 * per frame. The conversation (dial, handshake, connect, createStream,
 * play, SetBufferLength, acknowledgements) is common/client.c; this file is
 * the policy: when to stop, when to reconnect, what exit code to give.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli.h"
#include "client.h"
#include "flv.h"
#include "load.h"
#include "log.h"
#include "sink.h"
#include "tls.h"

/* Defaults and limits, each documented in rtmppull(1). */
#define PULL_TIMEOUT_DEFAULT_MS	     10000 /* no data, and each setup step */
#define PULL_TIMEOUT_MAX_MS	     86400000u	    /* a day */
#define PULL_DURATION_MAX_MS	     31622400000ull /* a year */
#define PULL_RECONNECT_MIN_MS	     500  /* first backoff, doubling */
#define PULL_RECONNECT_MAX_MS	     8000 /* largest backoff */
#define PULL_RECONNECT_TRIES_DEFAULT 10
#define PULL_BUFFER_MAX_MS	     3600000u
/* Largest RTMP message accepted: a 4K keyframe may exceed the library's
 * 1 MiB default, and the length field allows 16 MiB. */
#define PULL_MAX_MESSAGE CHUNK_MAX_MESSAGE_HARD
#define PULL_MAX_PARTIAL (2 * CHUNK_MAX_MESSAGE_HARD)

struct pull_opts {
	const char *url_str;
	struct rtmp_url url;
	const char *out_path;
	int info, json, keep_ts, wait, reconnect, no_audio, no_video;
	int verbose, quiet;
	uint64_t frames, duration_ms;
	uint64_t timeout_ms;
	int timeout_given;
	uint64_t reconnect_max;
	int reconnect_max_given;
	uint32_t buffer_ms;
	/* load mode (-N) */
	uint32_t connections;
	double ramp;
	const char *latency_log;
	long server_pid;
	uint64_t interval_ms, warmup_ms, behind_ms;
	const char *load_only;	 /* a load-mode option given, for the error */
	const char *single_only; /* an option load mode does not take */
	int insecure;		 /* rtmps://: no certificate checks */
	const char *ca_file;	 /* rtmps://: trust this PEM bundle */
};

struct pull {
	struct pull_opts o;
	struct event_base *base;
	struct rtmp_client *client;
	struct rtmp_client_cfg cfg;
	struct sink sink;
	FILE *out;
	struct event *ev_int, *ev_term, *idle, *retry, *progress;
	uint64_t started_ms;
	unsigned attempts; /* failures since media last arrived */
	int ever_ready;	   /* play started at least once */
	int ready;	   /* this connection is playing */
	int want_exit;	   /* no reconnect: the end is decided */
	int exit_code;
	char reason[32]; /* --info summary: why it ended */
	int signals;
	int progress_shown;
};

static void
usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: %s [options] URL\n"
	    "\n"
	    "Play an RTMP stream; write it as FLV (default) or one line per "
	    "frame.\n"
	    "\n"
	    "  -o, --output FILE       write to FILE ('-' = stdout, the "
	    "default when\n"
	    "                          stdout is not a terminal)\n"
	    "  -i, --info              one line per frame instead of FLV\n"
	    "      --json              JSON lines (implies --info; logs as "
	    "JSON too)\n"
	    "  -n, --frames N          stop after N audio/video frames\n"
	    "  -d, --duration SEC      stop after SEC of stream time\n"
	    "  -t, --timeout SEC       give up when no data arrives for SEC "
	    "(default 10;\n"
	    "                          0 = never; none with --wait unless "
	    "given)\n"
	    "  -w, --wait              when the publisher ends, wait for it to "
	    "return\n"
	    "                          (implies --reconnect)\n"
	    "  -r, --reconnect         reconnect after a failure, keep one "
	    "continuous output\n"
	    "      --reconnect-max N   give up after N failed attempts in a "
	    "row\n"
	    "                          (default 10; 0 = never; with --wait "
	    "0)\n"
	    "  -k, --keep-timestamps   keep the server's timestamps (default: "
	    "start at 0)\n"
	    "      --no-audio          drop audio (and clear the FLV audio "
	    "flag)\n"
	    "      --no-video          drop video (and clear the FLV video "
	    "flag)\n"
	    "  -b, --buffer MS         SetBufferLength sent after play "
	    "(default 3000)\n"
	    "      --ca-file FILE      rtmps://: trust the CAs in FILE (PEM) "
	    "instead of\n"
	    "                          the system's\n"
	    "      --insecure          rtmps://: skip the certificate and "
	    "host name checks\n"
	    "\n"
	    "Load mode (many players, statistics instead of output):\n"
	    "  -N, --connections N     open N players in one process; {i} "
	    "in the URL\n"
	    "                          becomes 0..N-1; -d is then the run's "
	    "wall time\n"
	    "      --ramp PER_SEC      connections started per second "
	    "(default 200)\n"
	    "      --interval SEC      statistics every SEC (default 1; 0 = "
	    "summary only)\n"
	    "      --warmup SEC        measure from SEC after the last "
	    "connection starts\n"
	    "                          (default 2)\n"
	    "      --behind SEC        lag growth that counts as behind "
	    "(default 1)\n"
	    "      --latency-log FILE  match video against rtmppush "
	    "--send-log FILE\n"
	    "      --server-pid PID    report that process's CPU, write "
	    "syscalls, RSS\n"
	    "  -q, --quiet             errors only on stderr\n"
	    "  -v, --verbose           more on stderr (repeatable)\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           version\n"
	    "\n"
	    "URL: rtmp[s]://host[:port]/app[/instance]/stream[?query]\n"
	    "Exit: 0 ok/publisher ended, 1 failure, 2 usage, 3 connection, "
	    "4 protocol/TLS,\n"
	    "      5 refused, 6 timeout.\n",
	    cli_prog());
}

enum {
	OPT_JSON = 256,
	OPT_RECONNECT_MAX,
	OPT_NO_AUDIO,
	OPT_NO_VIDEO,
	OPT_RAMP,
	OPT_LATENCY_LOG,
	OPT_SERVER_PID,
	OPT_INTERVAL,
	OPT_WARMUP,
	OPT_BEHIND,
	OPT_CA_FILE,
	OPT_INSECURE,
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"info", no_argument, NULL, 'i'},
    {"json", no_argument, NULL, OPT_JSON},
    {"frames", required_argument, NULL, 'n'},
    {"duration", required_argument, NULL, 'd'},
    {"timeout", required_argument, NULL, 't'},
    {"wait", no_argument, NULL, 'w'},
    {"reconnect", no_argument, NULL, 'r'},
    {"reconnect-max", required_argument, NULL, OPT_RECONNECT_MAX},
    {"keep-timestamps", no_argument, NULL, 'k'},
    {"no-audio", no_argument, NULL, OPT_NO_AUDIO},
    {"no-video", no_argument, NULL, OPT_NO_VIDEO},
    {"buffer", required_argument, NULL, 'b'},
    {"connections", required_argument, NULL, 'N'},
    {"ramp", required_argument, NULL, OPT_RAMP},
    {"latency-log", required_argument, NULL, OPT_LATENCY_LOG},
    {"server-pid", required_argument, NULL, OPT_SERVER_PID},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"behind", required_argument, NULL, OPT_BEHIND},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/*
 * rtmps://: a build without TLS refuses it as a usage error; a CA file
 * (or system store) that cannot be loaded is an error before dialling.
 * Generic: belongs in common/ (the same check is in rtmppush, rtmpprobe).
 */
static void
check_tls(const struct pull_opts *o)
{
	rtmp_client_tls_precheck(&o->url, o->url_str, o->insecure, o->ca_file);
}

static void
parse_args(int argc, char **argv, struct pull_opts *o)
{
	char err[160];
	int ch;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = PULL_TIMEOUT_DEFAULT_MS;
	o->reconnect_max = PULL_RECONNECT_TRIES_DEFAULT;
	o->ramp = LOAD_RAMP_DEFAULT;
	o->interval_ms = LOAD_INTERVAL_DEFAULT_MS;
	o->warmup_ms = LOAD_WARMUP_DEFAULT_MS;
	o->behind_ms = LOAD_BEHIND_DEFAULT_MS;
	while ((ch = getopt_long(argc, argv, "o:in:d:t:wrkb:N:qvhV", long_opts,
				 NULL)) != -1) {
		switch (ch) {
		case 'o':
			o->out_path = optarg;
			o->single_only = "-o";
			break;
		case 'i':
			o->info = 1;
			o->single_only = "-i";
			break;
		case 'N':
			o->connections = (uint32_t)cli_uint(
			    "--connections", optarg, 1, LOAD_MAX_CONNECTIONS);
			break;
		case OPT_RAMP:
			o->ramp =
			    cli_double("--ramp", optarg, 0.01, LOAD_RAMP_MAX);
			o->load_only = "--ramp";
			break;
		case OPT_LATENCY_LOG:
			o->latency_log = optarg;
			o->load_only = "--latency-log";
			break;
		case OPT_SERVER_PID:
			o->server_pid =
			    (long)cli_uint("--server-pid", optarg, 1, 4194304);
			o->load_only = "--server-pid";
			break;
		case OPT_INTERVAL:
			o->interval_ms = cli_duration_ms(
			    "--interval", optarg, 0, LOAD_INTERVAL_MAX_MS);
			o->load_only = "--interval";
			break;
		case OPT_WARMUP:
			o->warmup_ms = cli_duration_ms("--warmup", optarg, 0,
						       PULL_TIMEOUT_MAX_MS);
			o->load_only = "--warmup";
			break;
		case OPT_BEHIND:
			o->behind_ms = cli_duration_ms("--behind", optarg, 1,
						       PULL_TIMEOUT_MAX_MS);
			o->load_only = "--behind";
			break;
		case OPT_JSON:
			o->json = 1;
			o->info = 1;
			break;
		case 'n':
			o->frames =
			    cli_uint("--frames", optarg, 1, UINT64_MAX / 2);
			break;
		case 'd':
			o->duration_ms = cli_duration_ms(
			    "--duration", optarg, 1, PULL_DURATION_MAX_MS);
			break;
		case 't':
			o->timeout_ms = cli_duration_ms("--timeout", optarg, 0,
							PULL_TIMEOUT_MAX_MS);
			o->timeout_given = 1;
			break;
		case 'w':
			o->wait = 1;
			o->reconnect = 1;
			o->single_only = "-w";
			break;
		case 'r':
			o->reconnect = 1;
			o->single_only = "-r";
			break;
		case OPT_RECONNECT_MAX:
			o->reconnect_max =
			    cli_uint("--reconnect-max", optarg, 0, 1000000);
			o->reconnect_max_given = 1;
			o->single_only = "--reconnect-max";
			break;
		case 'k':
			o->keep_ts = 1;
			o->single_only = "-k";
			break;
		case OPT_NO_AUDIO:
			o->no_audio = 1;
			o->single_only = "--no-audio";
			break;
		case OPT_NO_VIDEO:
			o->no_video = 1;
			o->single_only = "--no-video";
			break;
		case 'b':
			o->buffer_ms = (uint32_t)cli_uint("--buffer", optarg, 1,
							  PULL_BUFFER_MAX_MS);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_CA_FILE:
			if (optarg[0] == '\0')
				cli_usage_error("--ca-file: empty file name");
			o->ca_file = optarg;
			break;
		case OPT_INSECURE:
			o->insecure = 1;
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
	if (optind >= argc)
		cli_usage_error("missing URL");
	if (optind + 1 < argc)
		cli_usage_error("unexpected argument '%s' after the URL",
				argv[optind + 1]);
	o->url_str = argv[optind];
	if (o->connections == 0 && o->load_only)
		cli_usage_error("%s needs -N (load mode)", o->load_only);
	if (o->connections > 0) {
		if (o->single_only)
			cli_usage_error("%s does not apply to load mode (-N)",
					o->single_only);
		if (o->quiet && o->verbose)
			cli_usage_error("-q and -v contradict each other");
		/* Each player's URL is checked by load_run ({i} expanded);
		 * a plain one here for TLS too. */
		if (strstr(o->url_str, "{i}") == NULL &&
		    rtmp_url_parse(o->url_str, &o->url, err, sizeof(err)) ==
			RTMP_OK)
			check_tls(o);
		return;
	}
	if (strstr(o->url_str, "{i}"))
		cli_usage_error("'{i}' in the URL needs -N (load mode)");
	if (o->no_audio && o->no_video)
		cli_usage_error("--no-audio and --no-video leave nothing to "
				"play");
	if (o->quiet && o->verbose)
		cli_usage_error("-q and -v contradict each other");
	if (rtmp_url_parse(o->url_str, &o->url, err, sizeof(err)) != RTMP_OK)
		cli_usage_error("bad URL '%s': %s", o->url_str, err);
	check_tls(o);
	if (o->url.stream[0] == '\0')
		cli_usage_error("URL '%s' names no stream (rtmp://host/app/"
				"stream)",
				o->url_str);
	/* --wait is for waiting: by default neither the silence before a
	 * republish nor the number of attempts ends it. */
	if (o->wait && !o->timeout_given)
		o->timeout_ms = 0;
	if (o->wait && !o->reconnect_max_given)
		o->reconnect_max = 0;
}

/* ---- ending ---------------------------------------------------------- */

/* The one error line: "rtmppull: why", or a JSON log line with --json so
 * that stderr stays machine-readable. */
static void
report(const struct pull *p, int code, const char *why)
{
	if (p->o.json)
		LOG_EV(LOG_ERROR, "error", LKV_S("msg", why),
		       LKV_I("exit_code", code));
	else
		cli_warn("%s", why);
}

static void
set_reason(struct pull *p, const char *reason)
{
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
}

static void
clear_progress(struct pull *p)
{
	if (p->progress_shown) {
		fputs("\r\033[K", stderr);
		p->progress_shown = 0;
	}
}

/* The end is decided: no reconnect, leave the loop once the client is
 * gone. */
static void
finish(struct pull *p, int code, const char *why)
{
	p->want_exit = 1;
	p->exit_code = code;
	if (p->retry)
		evtimer_del(p->retry);
	if (p->idle)
		evtimer_del(p->idle);
	clear_progress(p);
	if (code != RK_EXIT_OK && why)
		report(p, code, why);
	else if (why)
		LOG_EV(LOG_INFO, "end", LKV_S("reason", why));
	if (p->client == NULL)
		event_base_loopexit(p->base, NULL);
}

/*
 * The end is decided while a connection is up: close it politely
 * (deleteStream, then close) and exit with code once it is gone.
 */
static void
stop(struct pull *p, int code, const char *why, const char *reason)
{
	if (p->want_exit)
		return; /* already ending */
	set_reason(p, reason);
	if (p->client == NULL) {
		finish(p, code, why);
		return;
	}
	p->exit_code = code;
	p->want_exit = 1;
	clear_progress(p);
	if (code != RK_EXIT_OK)
		report(p, code, why);
	else
		LOG_EV(LOG_INFO, "end", LKV_S("reason", why));
	/* on_end will see want_exit and leave the loop. */
	rtmp_client_stop(p->client, code, why);
}

/* ---- the connection -------------------------------------------------- */

static void start_client(struct pull *p);

static void
arm_idle(struct pull *p)
{
	struct timeval tv;

	if (p->o.timeout_ms == 0 || p->idle == NULL)
		return;
	tv.tv_sec = (time_t)(p->o.timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(p->o.timeout_ms % 1000) * 1000;
	evtimer_add(p->idle, &tv);
}

static void
idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pull *p = arg;
	char why[96];

	if (p->client == NULL || p->want_exit)
		return;
	snprintf(why, sizeof(why), "no data for %.1f s",
		 (double)p->o.timeout_ms / 1000.0);
	if (p->o.reconnect) {
		/* A stalled connection: try a fresh one (on_end retries). */
		LOG_EV(LOG_WARN, "stalled", LKV_S("reason", why));
		rtmp_client_stop(p->client, RK_EXIT_TIMEOUT, why);
		return;
	}
	stop(p, RK_EXIT_TIMEOUT, why, "timeout");
}

static void
publisher_ended(struct pull *p, const char *what)
{
	if (p->o.wait) {
		LOG_EV(LOG_INFO, "unpublished", LKV_S("status", what),
		       LKV_S("action", "waiting"));
		sink_segment(&p->sink);
		return;
	}
	stop(p, RK_EXIT_OK, "the publisher ended the stream", "unpublished");
}

static void
on_ready(struct rtmp_client *c, void *arg)
{
	struct pull *p = arg;

	p->ready = 1;
	LOG_EV(LOG_INFO, "playing", LKV_S("url", p->o.url_str),
	       LKV_U("stream_id", c->stream_id));
	if (!p->ever_ready) {
		p->ever_ready = 1;
		if (sink_begin(&p->sink) < 0) {
			char why[160];

			snprintf(why, sizeof(why), "cannot write output: %s",
				 strerror(p->sink.err));
			stop(p,
			     p->sink.err == EPIPE ? RK_EXIT_OK : RK_EXIT_FAIL,
			     why, "output_error");
			return;
		}
	}
	arm_idle(p);
}

static void
on_media(struct rtmp_client *c, const struct sess_event *ev, void *arg)
{
	struct pull *p = arg;
	enum sink_rc rc;
	char why[160];
	uint8_t type;

	if (p->want_exit || c->step != RTMP_STEP_READY)
		return;
	type = ev->type == SESS_EV_AUDIO   ? RTMP_MSG_AUDIO
	       : ev->type == SESS_EV_VIDEO ? RTMP_MSG_VIDEO
					   : RTMP_MSG_DATA_AMF0;
	arm_idle(p);
	if (type != RTMP_MSG_DATA_AMF0)
		p->attempts = 0;
	rc = sink_msg(&p->sink, type, ev->h.timestamp, ev->payload, ev->len);
	switch (rc) {
	case SINK_OK:
		return;
	case SINK_STOP_FRAMES:
		stop(p, RK_EXIT_OK, "frame limit reached", "frames");
		return;
	case SINK_STOP_DURATION:
		stop(p, RK_EXIT_OK, "duration reached", "duration");
		return;
	case SINK_ERR_WRITE:
		if (p->sink.err == EPIPE) {
			/* The reader went away (ffplay closed, ffprobe had
			 * enough): the consumer decided, not a failure. */
			stop(p, RK_EXIT_OK, "output closed by the reader",
			     "output_closed");
			return;
		}
		snprintf(why, sizeof(why), "cannot write %s: %s",
			 p->o.out_path && strcmp(p->o.out_path, "-")
			     ? p->o.out_path
			     : "to stdout",
			 strerror(p->sink.err));
		stop(p, RK_EXIT_FAIL, why, "output_error");
		return;
	}
}

/* Aggregate messages (type 22, sent by FMS/Wowza-style servers): FLV tags
 * back to back, timestamps relative to the first, shifted to the
 * message's. */
static void
on_event(struct rtmp_client *c, const struct sess_event *ev, void *arg)
{
	struct pull *p = arg;
	const uint8_t *q = ev->payload, *end = ev->payload + ev->len;
	uint32_t first = 0;
	int have_first = 0;

	if (ev->type != SESS_EV_OTHER || ev->h.type != RTMP_MSG_AGGREGATE ||
	    c->step != RTMP_STEP_READY)
		return;
	while (!p->want_exit && (size_t)(end - q) >= FLV_TAG_HEADER_SIZE) {
		struct flv_tag t;
		struct sess_event sub;

		if (flv_tag_header_parse(q, (size_t)(end - q), &t) < 0 ||
		    t.size > (size_t)(end - q) - FLV_TAG_HEADER_SIZE) {
			LOG_EV(LOG_WARN, "bad_aggregate",
			       LKV_U("length", ev->len));
			return;
		}
		if (!have_first) {
			first = t.timestamp;
			have_first = 1;
		}
		memset(&sub, 0, sizeof(sub));
		sub.h = ev->h;
		sub.h.timestamp = ev->h.timestamp + (t.timestamp - first);
		sub.payload = q + FLV_TAG_HEADER_SIZE;
		sub.len = t.size;
		sub.type = t.type == FLV_TAG_AUDIO   ? SESS_EV_AUDIO
			   : t.type == FLV_TAG_VIDEO ? SESS_EV_VIDEO
						     : SESS_EV_DATA;
		if (t.type == FLV_TAG_AUDIO || t.type == FLV_TAG_VIDEO ||
		    t.type == FLV_TAG_SCRIPT)
			on_media(c, &sub, arg);
		q += FLV_TAG_HEADER_SIZE + t.size;
		q += (size_t)(end - q) >= FLV_PREV_TAG_SIZE ? FLV_PREV_TAG_SIZE
							    : (size_t)(end - q);
	}
}

static void
on_status(struct rtmp_client *c, const struct rtmp_status *st, void *arg)
{
	struct pull *p = arg;
	char code[128], desc[256], why[400];

	snprintf(code, sizeof(code), "%.*s",
		 (int)(st->code.len > 120 ? 120 : st->code.len),
		 st->code.p ? (const char *)st->code.p : "");
	snprintf(desc, sizeof(desc), "%.*s",
		 (int)(st->description.len > 240 ? 240 : st->description.len),
		 st->description.p ? (const char *)st->description.p : "");
	LOG_EV(LOG_DEBUG, "status", LKV_S("code", code),
	       LKV_S("description", desc));
	if (p->want_exit)
		return;
	/* ffmpeg's end of stream for a player. */
	if (rtmp_str_eq(st->code, "NetStream.Play.UnpublishNotify") ||
	    rtmp_str_eq(st->code, "NetStream.Play.Stop") ||
	    rtmp_str_eq(st->code, "NetStream.Play.Complete")) {
		publisher_ended(p, code);
		return;
	}
	if (rtmp_str_eq(st->code, "NetStream.Play.PublishNotify")) {
		LOG_EV(LOG_INFO, "published", LKV_S("status", code));
		return;
	}
	if (rtmp_str_eq(st->level, "error")) {
		snprintf(why, sizeof(why), "play refused: %s%s%s", code,
			 desc[0] ? ": " : "", desc);
		if (p->o.reconnect) {
			LOG_EV(LOG_WARN, "refused", LKV_S("msg", why));
			rtmp_client_stop(c, RK_EXIT_REFUSED, why);
			return;
		}
		stop(p, RK_EXIT_REFUSED, why, "refused");
	}
}

static void
on_user_control(struct rtmp_client *c, const struct rtmp_user_control *uc,
		void *arg)
{
	struct pull *p = arg;

	LOG_EV(LOG_DEBUG, "user_control",
	       LKV_S("event", rtmp_uc_event_name(uc->event)),
	       LKV_U("stream_id", uc->stream_id));
	if (p->want_exit || c->step != RTMP_STEP_READY)
		return;
	if (uc->event == RTMP_UC_STREAM_EOF && uc->stream_id == c->stream_id)
		publisher_ended(p, "StreamEOF");
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pull *p = arg;

	if (!p->want_exit)
		start_client(p);
}

static void
on_end(struct rtmp_client *c, int code, const char *why,
       const struct rtmp_status *st, void *arg)
{
	struct pull *p = arg;
	char buf[400];
	int was_ready = p->ready;
	unsigned delay;
	struct timeval tv;

	p->client = NULL;
	p->ready = 0;
	if (p->idle)
		evtimer_del(p->idle);
	if (p->want_exit) {
		/* stop() decided the code; the close itself is news only when
		 * it failed before the polite end was written. */
		event_base_loopexit(p->base, NULL);
		return;
	}
	if (code == RK_EXIT_CONNECT && c->step == RTMP_STEP_TCP) {
		snprintf(buf, sizeof(buf), "cannot connect to %s:%u: %s",
			 p->o.url.host, p->o.url.port, why);
		why = buf;
	}
	/*
	 * A server that closes the connection while we play has ended the
	 * stream (nginx-rtmp when its publisher goes with drop_idle_publisher,
	 * relays that close players on unpublish): the end, not a failure.
	 * "connection closed by peer" is net.c's reason for an orderly EOF.
	 */
	if (was_ready && code == RK_EXIT_CONNECT &&
	    strcmp(why, "connection closed by peer") == 0) {
		code = RK_EXIT_OK;
		why = "the server closed the connection";
	}
	if (!p->o.reconnect || code == RK_EXIT_USAGE) {
		set_reason(p, code == RK_EXIT_OK	 ? "closed"
			      : code == RK_EXIT_REFUSED	 ? "refused"
			      : code == RK_EXIT_TIMEOUT	 ? "timeout"
			      : code == RK_EXIT_PROTOCOL ? "protocol_error"
							 : "connection_error");
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
		finish(p, code == RK_EXIT_OK ? RK_EXIT_CONNECT : code, last);
		return;
	}
	delay = PULL_RECONNECT_MIN_MS;
	for (unsigned i = 1; i < p->attempts && delay < PULL_RECONNECT_MAX_MS;
	     i++)
		delay *= 2;
	if (delay > PULL_RECONNECT_MAX_MS)
		delay = PULL_RECONNECT_MAX_MS;
	clear_progress(p);
	LOG_EV(LOG_WARN, "reconnect", LKV_S("reason", why),
	       LKV_U("attempt", p->attempts),
	       LKV_U("max_attempts", p->o.reconnect_max),
	       LKV_U("delay_ms", delay));
	if (was_ready || p->ever_ready)
		sink_segment(&p->sink);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	evtimer_add(p->retry, &tv);
	(void)st;
}

static const struct rtmp_client_ops pull_ops = {
    .on_event = on_event,
    .on_ready = on_ready,
    .on_media = on_media,
    .on_status = on_status,
    .on_user_control = on_user_control,
    .on_end = on_end,
};

static void
start_client(struct pull *p)
{
	char err[256], why[400];

	p->client =
	    rtmp_client_start(p->base, &p->cfg, &pull_ops, p, err, sizeof(err));
	if (p->client != NULL)
		return;
	snprintf(why, sizeof(why), "%s", err);
	/* Resolution failures are worth retrying too (DNS blips). */
	if (p->o.reconnect &&
	    (p->o.reconnect_max == 0 || ++p->attempts <= p->o.reconnect_max)) {
		struct timeval tv = {PULL_RECONNECT_MAX_MS / 1000, 0};

		LOG_EV(LOG_WARN, "reconnect", LKV_S("reason", why),
		       LKV_U("attempt", p->attempts));
		evtimer_add(p->retry, &tv);
		return;
	}
	set_reason(p, "connection_error");
	finish(p, RK_EXIT_CONNECT, why);
}

/* ---- signals and progress -------------------------------------------- */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct pull *p = arg;

	p->signals++;
	set_reason(p, "signal");
	if (p->client == NULL) {
		/* Between two connection attempts: nothing to close. */
		finish(p, RK_EXIT_OK, "interrupted");
		return;
	}
	if (p->signals > 1) {
		/* A second signal: no more politeness. on_end sees want_exit
		 * and leaves the loop. */
		p->want_exit = 1;
		p->exit_code = RK_EXIT_OK;
		rtmp_client_abort(p->client, RK_EXIT_OK, "interrupted");
		return;
	}
	/* Everything written so far is whole tags: ending here leaves a
	 * valid FLV. */
	stop(p, RK_EXIT_OK,
	     sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)",
	     "signal");
}

static void
progress_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pull *p = arg;
	char line[160];

	if (!p->ever_ready || p->want_exit)
		return;
	sink_progress(&p->sink, line, sizeof(line),
		      clock_mono_ms() - p->started_ms);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->progress_shown = 1;
}

/* ---- main ------------------------------------------------------------ */

static FILE *
open_output(const struct pull_opts *o)
{
	FILE *fp;

	if (o->out_path == NULL || strcmp(o->out_path, "-") == 0) {
		if (!o->info && isatty(STDOUT_FILENO))
			cli_usage_error(
			    "refusing to write binary FLV to a terminal: use "
			    "-o FILE, pipe the output, or --info");
		return stdout;
	}
	fp = fopen(o->out_path, "wb");
	if (fp == NULL) {
		cli_warn("cannot open %s: %s", o->out_path, strerror(errno));
		exit(RK_EXIT_FAIL);
	}
	return fp;
}

static int
run_load(const struct pull_opts *o)
{
	struct load_opts lo;

	memset(&lo, 0, sizeof(lo));
	lo.url = o->url_str;
	lo.n = o->connections;
	lo.ramp = o->ramp;
	lo.duration_ms = o->duration_ms;
	lo.frames = o->frames;
	lo.timeout_ms = o->timeout_ms;
	lo.step_timeout_ms =
	    o->timeout_given && o->timeout_ms ? (int)o->timeout_ms : 0;
	lo.buffer_ms = o->buffer_ms;
	lo.interval_ms = o->interval_ms;
	lo.warmup_ms = o->warmup_ms;
	lo.behind_ms = o->behind_ms;
	lo.latency_log = o->latency_log;
	lo.server_pid = o->server_pid;
	lo.insecure = o->insecure;
	lo.ca_file = o->ca_file;
	lo.json = o->json;
	lo.quiet = o->quiet;
	lo.verbose = o->verbose;
	return load_run(&lo);
}

int
main(int argc, char **argv)
{
	static struct pull pl;
	struct pull *p = &pl;
	enum log_level lvl;
	int rc;

	cli_init(argv[0]);
	parse_args(argc, argv, &p->o);
	lvl = p->o.quiet ? LOG_ERROR : LOG_WARN;
	if (p->o.verbose)
		lvl = p->o.verbose >= 3	  ? LOG_TRACE
		      : p->o.verbose == 2 ? LOG_DEBUG
					  : LOG_INFO;
	log_setup(lvl, p->o.json);
	if (p->o.connections > 0)
		return run_load(&p->o);
	p->out = open_output(&p->o);
	/* A closed pipe is an EPIPE from fwrite, handled, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	sink_init(&p->sink, p->o.info ? SINK_INFO : SINK_FLV, p->out,
		  p->o.keep_ts);
	p->sink.json = p->o.json;
	p->sink.no_audio = p->o.no_audio;
	p->sink.no_video = p->o.no_video;
	p->sink.max_frames = p->o.frames;
	p->sink.max_duration_ms = p->o.duration_ms;

	memset(&p->cfg, 0, sizeof(p->cfg));
	p->cfg.mode = RTMP_CLIENT_PLAY;
	p->cfg.url = p->o.url;
	p->cfg.tls_insecure = p->o.insecure;
	p->cfg.tls_ca_file = p->o.ca_file;
	/* Servers forward Enhanced RTMP codecs only to players that ask. */
	p->cfg.announce_fourcc = 1;
	p->cfg.buffer_ms = p->o.buffer_ms;
	p->cfg.step_timeout_ms =
	    p->o.timeout_given && p->o.timeout_ms ? (int)p->o.timeout_ms : 0;
	p->cfg.sess.chunk.max_message_size = PULL_MAX_MESSAGE;
	p->cfg.sess.chunk.max_partial_bytes = PULL_MAX_PARTIAL;

	p->base = event_base_new();
	if (p->base == NULL) {
		cli_warn("cannot create the event loop");
		return RK_EXIT_FAIL;
	}
	p->ev_int = evsignal_new(p->base, SIGINT, signal_cb, p);
	p->ev_term = evsignal_new(p->base, SIGTERM, signal_cb, p);
	p->idle = evtimer_new(p->base, idle_cb, p);
	p->retry = evtimer_new(p->base, retry_cb, p);
	if (!p->ev_int || !p->ev_term || !p->idle || !p->retry ||
	    evsignal_add(p->ev_int, NULL) || evsignal_add(p->ev_term, NULL)) {
		cli_warn("cannot set up events");
		return RK_EXIT_FAIL;
	}
	/* A progress line only for a person watching a terminal, and not on
	 * top of --info lines going to that same terminal. */
	if (!p->o.quiet && isatty(STDERR_FILENO) &&
	    !(p->out == stdout && isatty(STDOUT_FILENO))) {
		struct timeval sec = {1, 0};

		p->progress =
		    event_new(p->base, -1, EV_PERSIST, progress_cb, p);
		if (p->progress)
			event_add(p->progress, &sec);
	}
	p->started_ms = clock_mono_ms();
	p->exit_code = RK_EXIT_OK;
	set_reason(p, "closed");

	start_client(p);
	if (!p->want_exit || p->client)
		event_base_dispatch(p->base);

	clear_progress(p);
	if (p->client) /* the loop left with a client (second signal) */
		rtmp_client_abort(p->client, RK_EXIT_OK, "exiting");
	if (p->ever_ready && sink_summary(&p->sink, p->reason) < 0 &&
	    p->sink.err != EPIPE && p->exit_code == RK_EXIT_OK) {
		cli_warn("cannot write the summary: %s", strerror(p->sink.err));
		p->exit_code = RK_EXIT_FAIL;
	}
	rc = p->exit_code;
	if (p->out != stdout) {
		if (fclose(p->out) != 0 && rc == RK_EXIT_OK) {
			cli_warn("cannot close %s: %s", p->o.out_path,
				 strerror(errno));
			rc = RK_EXIT_FAIL;
		}
	} else if (fflush(stdout) != 0 && errno != EPIPE && rc == RK_EXIT_OK) {
		cli_warn("cannot write to stdout: %s", strerror(errno));
		rc = RK_EXIT_FAIL;
	}
	sink_free(&p->sink);
	if (p->progress)
		event_free(p->progress);
	event_free(p->ev_int);
	event_free(p->ev_term);
	event_free(p->idle);
	event_free(p->retry);
	event_base_free(p->base);
	return rc;
}
