/*
 * rtmpprobe: show each step of an RTMP conversation with timing, say where
 * it failed, and exit with a status that names the failure, for a person
 * debugging "OBS can't connect" and for health checks in CI.
 *
 * The client conversation is common/client.c (the same one rtmppush and
 * rtmppull have); its hooks hand every event to wire.c before the client
 * acts, and every byte we send, which wire.c decodes back into messages.
 * This file holds the options, the policy for each mode (when the probe
 * has succeeded) and the exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "bytes.h"
#include "cli.h"
#include "client.h"
#include "flv.h"
#include "flvio.h"
#include "log.h"
#include "probe.h"
#include "tls.h"

#define MAX_PROPS  32 /* --connect-prop */
#define MAX_FOURCC 32 /* --fourcc-list */

enum probe_mode { MODE_PROBE, MODE_PLAY, MODE_PUBLISH, MODE_LISTEN };

struct opts {
	enum probe_mode mode;
	const char *url_str;
	struct rtmp_url url;
	const char *publish_file;
	uint64_t frames;
	int frames_given;
	const char *listen;
	int once;
	const char *app, *tcurl, *flashver;
	const char *props[MAX_PROPS];
	size_t nprops;
	char fourcc[MAX_FOURCC][5];
	const char *fourcc_ptr[MAX_FOURCC];
	size_t nfourcc; /* 0 with announce_fourcc: client.c's list */
	int announce_fourcc;
	uint32_t chunk_size;
	uint64_t timeout_ms, step_timeout_ms;
	int json, quiet, verbose;
	int insecure;	     /* rtmps://: no certificate checks */
	const char *ca_file; /* rtmps://: trust this PEM bundle */
};

struct probe {
	struct opts o;
	struct event_base *base;
	struct rtmp_client *client;
	struct wire w;
	struct event *overall, *media_timer, *ev_int, *ev_term;
	enum rtmp_client_step step;
	uint64_t step_us;
	const char *phase; /* step name for messages, "media" once playing */
	int stopping;	   /* success decided, the polite close is under way */
	int code;
	/* --publish */
	struct synth syn;
	struct flv_src src;
	int have_src, src_done;
	uint64_t sent_frames;
	uint8_t *tagbuf;
	size_t tagcap;
};

static void
usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: %s [options] URL\n"
	    "       %s --listen [ADDR:]PORT [--once] [options]\n"
	    "\n"
	    "Show each step of an RTMP conversation with timing and exit with "
	    "a status\n"
	    "that says where it stopped. Default: connect + createStream "
	    "(health check).\n"
	    "\n"
	    "      --play               then play: status, metadata, "
	    "sequence headers,\n"
	    "                           the first frames and the first "
	    "keyframe\n"
	    "      --publish            then publish a short built-in H.264+AAC "
	    "stream\n"
	    "      --publish-file FILE  publish FILE (.flv, .flv.gz, - for "
	    "stdin) instead\n"
	    "  -n, --frames N           frames shown (--play: then stop) or "
	    "sent (--publish)\n"
	    "                           (default 10; --publish-file: the whole "
	    "file)\n"
	    "  -l, --listen [ADDR:]PORT be a server and log what clients "
	    "send\n"
	    "      --once               with --listen: exit when the first "
	    "client leaves\n"
	    "      --app NAME           connect's app (default: from the URL)\n"
	    "      --tcurl URL          connect's tcUrl (default: from the URL)\n"
	    "      --flashver STR       connect's flashVer\n"
	    "      --connect-prop N=V   add a connect property (repeatable)\n"
	    "      --fourcc-list LIST   send fourCcList, e.g. av01,hvc1,avc1 "
	    "(or 'default')\n"
	    "      --chunk-size N       send Set Chunk Size N before connect\n"
	    "      --ca-file FILE       rtmps://: trust the CAs in FILE (PEM) "
	    "instead of\n"
	    "                           the system's\n"
	    "      --insecure           rtmps://: skip the certificate and host "
	    "name checks\n"
	    "  -t, --timeout SEC        give up after SEC in all (default: "
	    "none)\n"
	    "      --step-timeout SEC   give up when one step takes SEC "
	    "(default 10)\n"
	    "      --json               JSON lines instead of text\n"
	    "  -q, --quiet              no log; only the error on stderr\n"
	    "  -v, --verbose            hex dumps of the raw bytes (-vv: "
	    "whole)\n"
	    "  -h, --help               this help\n"
	    "  -V, --version            version\n"
	    "\n"
	    "URL: rtmp[s]://host[:port]/app[/instance][/stream][?query]\n"
	    "Exit: 0 ok, 1 failure, 2 usage, 3 TCP connect failed or "
	    "connection lost,\n"
	    "      4 handshake/protocol/TLS error, 5 refused, 6 timeout, 7 "
	    "check failed.\n",
	    cli_prog(), cli_prog());
}

enum {
	OPT_PLAY = 256,
	OPT_PUBLISH,
	OPT_PUBLISH_FILE,
	OPT_ONCE,
	OPT_APP,
	OPT_TCURL,
	OPT_FLASHVER,
	OPT_PROP,
	OPT_FOURCC,
	OPT_CHUNK,
	OPT_STEP_TIMEOUT,
	OPT_JSON,
	OPT_CA_FILE,
	OPT_INSECURE,
};

static const struct option long_opts[] = {
    {"play", no_argument, NULL, OPT_PLAY},
    {"publish", no_argument, NULL, OPT_PUBLISH},
    {"publish-file", required_argument, NULL, OPT_PUBLISH_FILE},
    {"frames", required_argument, NULL, 'n'},
    {"listen", required_argument, NULL, 'l'},
    {"once", no_argument, NULL, OPT_ONCE},
    {"app", required_argument, NULL, OPT_APP},
    {"tcurl", required_argument, NULL, OPT_TCURL},
    {"flashver", required_argument, NULL, OPT_FLASHVER},
    {"connect-prop", required_argument, NULL, OPT_PROP},
    {"fourcc-list", required_argument, NULL, OPT_FOURCC},
    {"chunk-size", required_argument, NULL, OPT_CHUNK},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"timeout", required_argument, NULL, 't'},
    {"step-timeout", required_argument, NULL, OPT_STEP_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
set_mode(struct opts *o, enum probe_mode m, const char *opt)
{
	if (o->mode != MODE_PROBE && o->mode != m)
		cli_usage_error("%s cannot be combined with --play, --publish "
				"or --listen",
				opt);
	o->mode = m;
}

static void
parse_fourcc(struct opts *o, const char *list)
{
	const char *p = list, *comma;
	size_t n;

	o->nfourcc = 0;
	if (strcmp(list, "default") == 0)
		return; /* client.c's list */
	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n != 4)
			cli_usage_error(
			    "--fourcc-list: '%.*s' in '%s' is not a "
			    "FourCC (4 characters)",
			    (int)n, p, list);
		for (size_t i = 0; i < 4; i++)
			if (p[i] < 0x20 || p[i] > 0x7E)
				cli_usage_error("--fourcc-list: '%s' holds a "
						"non-printable character",
						list);
		if (o->nfourcc == MAX_FOURCC)
			cli_usage_error("--fourcc-list: at most %d FourCCs",
					MAX_FOURCC);
		memcpy(o->fourcc[o->nfourcc], p, 4);
		o->fourcc[o->nfourcc][4] = '\0';
		o->fourcc_ptr[o->nfourcc] = o->fourcc[o->nfourcc];
		o->nfourcc++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
}

/*
 * rtmps://: a build without TLS refuses it as a usage error; a CA file
 * (or system store) that cannot be loaded is an error before dialling.
 * Generic: belongs in common/ (the same check is in rtmppush and rtmppull).
 */
static void
check_tls(const struct opts *o)
{
	rtmp_client_tls_precheck(&o->url, o->url_str, o->insecure, o->ca_file);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	char err[160];
	int ch, fourcc = 0;

	memset(o, 0, sizeof(*o));
	o->frames = PROBE_FRAMES_DEFAULT;
	o->step_timeout_ms = PROBE_STEP_TIMEOUT_MS;
	while ((ch = getopt_long(argc, argv, "n:l:t:qvhV", long_opts, NULL)) !=
	       -1) {
		switch (ch) {
		case OPT_PLAY:
			set_mode(o, MODE_PLAY, "--play");
			break;
		case OPT_PUBLISH:
			set_mode(o, MODE_PUBLISH, "--publish");
			break;
		case OPT_PUBLISH_FILE:
			set_mode(o, MODE_PUBLISH, "--publish-file");
			o->publish_file = optarg;
			break;
		case 'n':
			o->frames =
			    cli_uint("--frames", optarg, 0, PROBE_FRAMES_MAX);
			o->frames_given = 1;
			break;
		case 'l':
			set_mode(o, MODE_LISTEN, "--listen");
			o->listen = optarg;
			break;
		case OPT_ONCE:
			o->once = 1;
			break;
		case OPT_APP:
			o->app = optarg;
			break;
		case OPT_TCURL:
			o->tcurl = optarg;
			break;
		case OPT_FLASHVER:
			o->flashver = optarg;
			break;
		case OPT_PROP:
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				cli_usage_error("--connect-prop: '%s' is not "
						"NAME=VALUE",
						optarg);
			if (o->nprops == MAX_PROPS)
				cli_usage_error("--connect-prop: at most %d",
						MAX_PROPS);
			o->props[o->nprops++] = optarg;
			break;
		case OPT_FOURCC:
			parse_fourcc(o, optarg);
			fourcc = 1;
			break;
		case OPT_CHUNK:
			o->chunk_size = (uint32_t)cli_uint(
			    "--chunk-size", optarg, CHUNK_SIZE_DEFAULT,
			    CHUNK_MAX_CHUNK_SIZE_DEFAULT);
			break;
		case 't':
			o->timeout_ms = cli_duration_ms("--timeout", optarg, 0,
							PROBE_TIMEOUT_MAX_MS);
			break;
		case OPT_STEP_TIMEOUT:
			o->step_timeout_ms = cli_duration_ms(
			    "--step-timeout", optarg, 1, PROBE_TIMEOUT_MAX_MS);
			break;
		case OPT_JSON:
			o->json = 1;
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
	if (o->quiet && o->verbose)
		cli_usage_error("-q and -v contradict each other");
	if (o->once && o->mode != MODE_LISTEN)
		cli_usage_error("--once needs --listen");
	if (o->mode == MODE_LISTEN) {
		if (optind < argc)
			cli_usage_error("--listen takes no URL (got '%s')",
					argv[optind]);
		if (o->app || o->tcurl || o->flashver || o->nprops || fourcc ||
		    o->chunk_size || o->ca_file || o->insecure)
			cli_usage_error(
			    "--app, --tcurl, --flashver, "
			    "--connect-prop, --fourcc-list, "
			    "--chunk-size, --ca-file and --insecure "
			    "are for the client side, not --listen");
		return;
	}
	if (optind >= argc)
		cli_usage_error("missing URL");
	if (optind + 1 < argc)
		cli_usage_error("unexpected argument '%s' after the URL",
				argv[optind + 1]);
	o->url_str = argv[optind];
	if (rtmp_url_parse(o->url_str, &o->url, err, sizeof(err)) != RTMP_OK)
		cli_usage_error("bad URL '%s': %s", o->url_str, err);
	check_tls(o);
	if ((o->mode == MODE_PLAY || o->mode == MODE_PUBLISH) &&
	    o->url.stream[0] == '\0')
		cli_usage_error("URL '%s' names no stream (rtmp://host/app/"
				"stream), which --play and --publish need",
				o->url_str);
	o->announce_fourcc = fourcc;
}

const char *
probe_status_name(int code)
{
	switch (code) {
	case RK_EXIT_OK:
		return "ok";
	case RK_EXIT_USAGE:
		return "usage";
	case RK_EXIT_CONNECT:
		return "connection_error";
	case RK_EXIT_PROTOCOL:
		return "protocol_error";
	case RK_EXIT_REFUSED:
		return "refused";
	case RK_EXIT_TIMEOUT:
		return "timeout";
	case RK_EXIT_INPUT:
		return "check_failed";
	}
	return "failed";
}

/* ---- ending ---------------------------------------------------------------- */

static void
report_error(const struct probe *p, int code, const char *why)
{
	if (p->o.json)
		LOG_EV(LOG_ERROR, "error", LKV_S("msg", why),
		       LKV_I("exit_code", code));
	else
		cli_warn("%s", why);
}

/* The requested steps are done: close politely, exit 0. */
static void
succeed(struct probe *p, const char *why)
{
	if (p->stopping || p->client == NULL)
		return;
	p->stopping = 1;
	if (p->media_timer)
		evtimer_del(p->media_timer);
	rtmp_client_stop(p->client, RK_EXIT_OK, why);
}

static void
fail(struct probe *p, int code, const char *why)
{
	if (p->client)
		rtmp_client_abort(p->client, code, why);
}

static void
on_end(struct rtmp_client *c, int code, const char *why,
       const struct rtmp_status *st, void *arg)
{
	struct probe *p = arg;
	char buf[640], hs[160];
	const char *step = p->phase;

	p->client = NULL;
	if (p->overall)
		evtimer_del(p->overall);
	if (p->media_timer)
		evtimer_del(p->media_timer);
	if (code == RK_EXIT_PROTOCOL && p->step == RTMP_STEP_TCP &&
	    p->o.url.tls) {
		/* TCP connected, the TLS handshake failed (client.h). */
		ev_begin(0, "*", "tls_failed");
		ev_s("reason", why);
		ev_end();
		snprintf(buf, sizeof(buf), "%s:%u: %s", p->o.url.host,
			 p->o.url.port, why);
		why = buf;
	} else if (code == RK_EXIT_CONNECT && p->step == RTMP_STEP_TCP) {
		snprintf(buf, sizeof(buf), "cannot connect to %s:%u: %s",
			 p->o.url.host, p->o.url.port, why);
		why = buf;
	} else if (p->step == RTMP_STEP_HANDSHAKE &&
		   (code == RK_EXIT_PROTOCOL || code == RK_EXIT_CONNECT) &&
		   wire_hs_explain(&p->w, hs, sizeof(hs)) != NULL) {
		snprintf(buf, sizeof(buf), "handshake failed: %s (%s)", hs,
			 why);
		why = buf;
	} else if (code == RK_EXIT_PROTOCOL || code == RK_EXIT_CONNECT) {
		snprintf(buf, sizeof(buf), "%s (in step %s)", why, step);
		why = buf;
	}
	if (p->o.mode == MODE_PLAY)
		wire_summary(&p->w, "<");
	else if (p->o.mode == MODE_PUBLISH)
		wire_summary(&p->w, ">");
	ev_begin(0, "*", "end");
	ev_i("exit_code", code);
	ev_s("status", probe_status_name(code));
	ev_s("step", step);
	ev_s("reason", why);
	if (st && st->code.len) {
		ev_sn("level", st->level.p, st->level.len);
		ev_sn("code", st->code.p, st->code.len);
		ev_mode(OUT_JSON);
		ev_sn("description", st->description.p, st->description.len);
	}
	ev_ms("ms", out_now_ms());
	ev_end();
	if (code != RK_EXIT_OK)
		report_error(p, code, why);
	p->code = code;
	event_base_loopexit(p->base, NULL);
}

/* ---- client hooks ------------------------------------------------------------ */

/* rtmps://: what the TLS handshake (done before "connected") agreed on. */
static void
log_tls(struct rtmp_client *c)
{
	struct tls_info ti;

	if (tls_info(c->conn->bev, &ti) != 0)
		return;
	ev_begin(0, "*", "tls");
	ev_s("version", ti.version);
	ev_s("cipher", ti.cipher);
	ev_s("subject", ti.subject);
	ev_s("issuer", ti.issuer);
	ev_s("not_after", ti.not_after);
	ev_b("verified", ti.verified);
	ev_end();
}

static void
on_step(struct rtmp_client *c, enum rtmp_client_step step, void *arg)
{
	struct probe *p = arg;
	uint64_t now = clock_mono_us();
	double prev_ms = (double)(now - p->step_us) / 1000.0;

	if (step == RTMP_STEP_TCP) {
		ev_begin(0, "*", "connecting");
		ev_s("url", p->o.url_str);
		ev_s("host", p->o.url.host);
		ev_u("port", p->o.url.port);
		ev_s("mode", p->o.mode == MODE_PLAY	 ? "play"
			     : p->o.mode == MODE_PUBLISH ? "publish"
							 : "probe");
		ev_end();
	} else {
		if (step == RTMP_STEP_HANDSHAKE && c->conn) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			char local[64] = "?";

			if (getsockname(bufferevent_getfd(c->conn->bev),
					(struct sockaddr *)&ss, &sl) == 0)
				net_addr_str((struct sockaddr *)&ss, local,
					     sizeof(local));
			ev_begin(0, "*", "tcp_connect");
			ev_s("local", local);
			ev_s("peer", c->conn->peer);
			ev_ms("ms", prev_ms);
			ev_end();
			if (p->o.url.tls)
				log_tls(c);
			p->w.hs_start_us = now;
		}
		ev_begin(0, "*", "step");
		ev_mode(OUT_BARE);
		ev_s("step", rtmp_client_step_name(step));
		ev_s("prev", rtmp_client_step_name(p->step));
		ev_ms("prev_ms", prev_ms);
		ev_end();
	}
	if (step == RTMP_STEP_PLAY || step == RTMP_STEP_PUBLISH)
		p->w.media_t0_us = now;
	p->step = step;
	p->step_us = now;
	p->phase = rtmp_client_step_name(step);
}

static void
check_play_done(struct probe *p)
{
	const struct media_stats *ms = &p->w.rx;
	char why[96];

	if (ms->video_frames + ms->audio_frames < p->o.frames)
		return;
	/* A player can only start at a keyframe: with video, wait for one
	 * too (the media step's timeout bounds the wait). */
	if ((ms->video_frames > 0 || ms->have_video_cfg || ms->meta_video) &&
	    ms->keyframes == 0)
		return;
	snprintf(why, sizeof(why), "played %llu frames",
		 (unsigned long long)(ms->video_frames + ms->audio_frames));
	succeed(p, why);
}

static void
on_event(struct rtmp_client *c, const struct sess_event *ev, void *arg)
{
	struct probe *p = arg;

	wire_received(&p->w, &c->conn->sess, ev);
	/* C2 is queued: out before connect, so the log reads in wire order. */
	if (ev->type == SESS_EV_HANDSHAKE)
		net_conn_flush(c->conn);
	if (p->o.mode == MODE_PLAY && c->step == RTMP_STEP_READY &&
	    (ev->type == SESS_EV_VIDEO || ev->type == SESS_EV_AUDIO))
		check_play_done(p);
}

static void
on_raw(struct rtmp_client *c, const uint8_t *b, size_t n, void *arg)
{
	struct probe *p = arg;

	wire_raw_in(&p->w, b, n);
}

static void
on_send(struct rtmp_client *c, const uint8_t *b, size_t n, void *arg)
{
	struct probe *p = arg;

	wire_sent(&p->w, &c->conn->sess, b, n);
}

static void pump(struct probe *p);

static void
arm(struct event *ev, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

static void
on_ready(struct rtmp_client *c, void *arg)
{
	struct probe *p = arg;

	switch (p->o.mode) {
	case MODE_PROBE:
		succeed(p, "connect and createStream succeeded");
		return;
	case MODE_PLAY:
		p->phase = "media";
		if (p->o.frames == 0) {
			succeed(p, "play started");
			return;
		}
		arm(p->media_timer, p->o.step_timeout_ms);
		check_play_done(p);
		return;
	case MODE_PUBLISH:
		p->phase = "publishing";
		pump(p);
		return;
	case MODE_LISTEN:
		return;
	}
}

static void
on_drain(struct rtmp_client *c, void *arg)
{
	pump(arg);
}

static const struct rtmp_client_ops probe_ops = {
    .on_event = on_event,
    .on_step = on_step,
    .on_ready = on_ready,
    .on_drain = on_drain,
    .on_raw = on_raw,
    .on_send = on_send,
    .on_end = on_end,
};

/* ---- --publish ---------------------------------------------------------------- */

static int
grow_tagbuf(struct probe *p, size_t need)
{
	uint8_t *n;

	if (need <= p->tagcap)
		return 0;
	n = realloc(p->tagbuf, need);
	if (n == NULL)
		return -1;
	p->tagbuf = n;
	p->tagcap = need;
	return 0;
}

/*
 * The next message from --publish-file: 1 with type/ts/body, 0 at the end,
 * -1 on an error (why set). Script data named onMetaData gets the
 * @setDataFrame prefix an encoder sends (FLV files store it without).
 */
static int
file_next(struct probe *p, uint8_t *type, uint32_t *ts, const uint8_t **body,
	  size_t *len, char *why, size_t whylen)
{
	struct flv_event fe;
	int rc;

	for (;;) {
		rc = flv_src_next(&p->src, &fe);
		if (rc < 0) {
			snprintf(why, whylen, "%s: %s", p->o.publish_file,
				 p->src.err);
			return -1;
		}
		if (rc == 0)
			return 0;
		if (fe.type == FLV_EV_PROBLEM || fe.type == FLV_EV_RESYNC) {
			ev_begin(0, "*", "file_problem");
			ev_u("offset", fe.offset);
			ev_s("problem", fe.type == FLV_EV_RESYNC
					    ? "resync"
					    : flv_problem_name(fe.problem));
			if (fe.type == FLV_EV_RESYNC)
				ev_u("skipped", fe.skipped);
			ev_end();
			if (fe.type == FLV_EV_PROBLEM &&
			    fe.problem == FLV_PROB_BAD_SIGNATURE) {
				snprintf(why, whylen, "%s: not an FLV file",
					 p->o.publish_file);
				return -1;
			}
			continue;
		}
		if (fe.type != FLV_EV_TAG)
			continue;
		if (fe.tag.type != FLV_TAG_AUDIO &&
		    fe.tag.type != FLV_TAG_VIDEO &&
		    fe.tag.type != FLV_TAG_SCRIPT)
			continue;
		*type = fe.tag.type;
		*ts = fe.tag.timestamp;
		*body = fe.data;
		*len = fe.tag.size;
		if (fe.tag.type == FLV_TAG_SCRIPT) {
			struct rtmp_str name;
			size_t off;
			uint8_t *e;

			if (rtmp_data_setdataframe(fe.data, fe.tag.size,
						   &off) != 0 ||
			    rtmp_data_name(fe.data, fe.tag.size, &name) !=
				RTMP_OK ||
			    !rtmp_str_eq(name, "onMetaData"))
				return 1;
			if (grow_tagbuf(p, fe.tag.size + 32) < 0) {
				snprintf(why, whylen, "out of memory");
				return -1;
			}
			e = rtmp_build_setdataframe_prefix(
			    p->tagbuf, p->tagbuf + p->tagcap);
			e = put_bytes(e, p->tagbuf + p->tagcap, fe.data,
				      fe.tag.size);
			if (e == NULL)
				return 1;
			*body = p->tagbuf;
			*len = (size_t)(e - p->tagbuf);
		}
		return 1;
	}
}

/* Send until the output backs up, the stream ends or enough frames went. */
static void
pump(struct probe *p)
{
	uint64_t limit =
	    p->have_src && !p->o.frames_given ? UINT64_MAX : p->o.frames;
	char why[512];

	while (p->client && !p->stopping &&
	       rtmp_client_pending(p->client) < PROBE_SEND_HIGH) {
		const uint8_t *body;
		uint8_t type;
		uint32_t ts;
		size_t len;
		int is_frame, key, rc;

		if (p->sent_frames >= limit) {
			snprintf(why, sizeof(why), "published %llu frames",
				 (unsigned long long)p->sent_frames);
			succeed(p, why);
			return;
		}
		if (p->have_src) {
			struct sess_event fake;

			rc = file_next(p, &type, &ts, &body, &len, why,
				       sizeof(why));
			if (rc < 0) {
				fail(p,
				     p->src.bad_data ||
					     strstr(why, "not an FLV")
					 ? RK_EXIT_INPUT
					 : RK_EXIT_FAIL,
				     why);
				return;
			}
			if (rc == 0) {
				snprintf(why, sizeof(why),
					 "published %llu frames (end of %s)",
					 (unsigned long long)p->sent_frames,
					 p->o.publish_file);
				succeed(p, why);
				return;
			}
			memset(&fake, 0, sizeof(fake));
			fake.type = type == FLV_TAG_VIDEO   ? SESS_EV_VIDEO
				    : type == FLV_TAG_AUDIO ? SESS_EV_AUDIO
							    : SESS_EV_DATA;
			fake.payload = body;
			fake.len = len;
			is_frame = wire_is_frame(&fake, &key);
		} else {
			if (grow_tagbuf(p, SYNTH_MAX_TAG) < 0) {
				fail(p, RK_EXIT_FAIL, "out of memory");
				return;
			}
			len = synth_next(&p->syn, &type, &ts, p->tagbuf,
					 p->tagcap, &is_frame);
			if (len == 0) {
				fail(p, RK_EXIT_FAIL,
				     "internal error: built-in stream");
				return;
			}
			body = p->tagbuf;
		}
		rc = rtmp_client_send(p->client, type, ts, body, len);
		if (rc != RTMP_OK) {
			snprintf(why, sizeof(why), "cannot send: %s",
				 rtmp_strerror(rc));
			fail(p, RK_EXIT_FAIL, why);
			return;
		}
		if (is_frame)
			p->sent_frames++;
	}
	if (p->client && !p->stopping)
		rtmp_client_set_drain(p->client, PROBE_SEND_LOW);
}

/* Read up to the file header before connecting: a file that is no FLV at
 * all is refused at once (exit 7), not after the server said yes. */
static int
check_file_header(struct probe *p)
{
	struct flv_event fe;
	int rc;

	for (;;) {
		rc = flv_src_next(&p->src, &fe);
		if (rc < 0) {
			cli_warn("%s: %s", p->o.publish_file, p->src.err);
			return -1;
		}
		if (rc == 0) {
			cli_warn("%s: empty file", p->o.publish_file);
			return -1;
		}
		if (fe.type == FLV_EV_HEADER)
			return 0;
		if (fe.type == FLV_EV_PROBLEM &&
		    fe.problem == FLV_PROB_BAD_SIGNATURE) {
			cli_warn("%s: not an FLV file (no FLV signature)",
				 p->o.publish_file);
			return -1;
		}
		if (fe.type == FLV_EV_TAG)
			return 0; /* cannot happen before the header */
		if (fe.type == FLV_EV_PROBLEM) {
			ev_begin(0, "*", "file_problem");
			ev_u("offset", fe.offset);
			ev_s("problem", flv_problem_name(fe.problem));
			ev_end();
		}
	}
}

/* ---- timers and signals ------------------------------------------------------- */

static void
overall_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	char why[160];

	snprintf(why, sizeof(why), "timed out after %.1f s in step %s",
		 (double)p->o.timeout_ms / 1000.0, p->phase);
	fail(p, RK_EXIT_TIMEOUT, why);
}

static void
media_cb(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	const struct media_stats *ms = &p->w.rx;
	char why[200];

	snprintf(why, sizeof(why),
		 "timed out in step media: %llu of %llu frames in %.1f s%s",
		 (unsigned long long)(ms->video_frames + ms->audio_frames),
		 (unsigned long long)p->o.frames,
		 (double)p->o.step_timeout_ms / 1000.0,
		 ms->video_frames && !ms->keyframes ? ", no keyframe" : "");
	fail(p, RK_EXIT_TIMEOUT, why);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct probe *p = arg;
	char why[96];

	snprintf(why, sizeof(why), "interrupted (%s) in step %s",
		 sig == SIGINT ? "SIGINT" : "SIGTERM", p->phase);
	fail(p, RK_EXIT_FAIL, why);
}

/* ---- main ---------------------------------------------------------------------- */

static int
run_client(struct probe *p)
{
	struct rtmp_client_cfg cfg;
	char err[256], why[600];

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = p->o.mode == MODE_PLAY      ? RTMP_CLIENT_PLAY
		   : p->o.mode == MODE_PUBLISH ? RTMP_CLIENT_PUBLISH
					       : RTMP_CLIENT_PROBE;
	cfg.url = p->o.url;
	cfg.app = p->o.app;
	cfg.tcurl = p->o.tcurl;
	cfg.flashver = p->o.flashver;
	cfg.extra_props = p->o.props;
	cfg.nextra = p->o.nprops;
	cfg.announce_fourcc = p->o.announce_fourcc;
	if (p->o.nfourcc) {
		cfg.fourcc_list = p->o.fourcc_ptr;
		cfg.nfourcc = p->o.nfourcc;
	}
	cfg.chunk_size = p->o.chunk_size;
	cfg.tls_insecure = p->o.insecure;
	cfg.tls_ca_file = p->o.ca_file;
	cfg.step_timeout_ms = (int)p->o.step_timeout_ms;
	cfg.sess.chunk.max_message_size = PROBE_MAX_MESSAGE;
	cfg.sess.chunk.max_partial_bytes = PROBE_MAX_PARTIAL;

	if (wire_init(&p->w, 0, 0, p->o.frames) < 0) {
		cli_warn("out of memory");
		return RK_EXIT_FAIL;
	}
	p->overall = evtimer_new(p->base, overall_cb, p);
	p->media_timer = evtimer_new(p->base, media_cb, p);
	p->ev_int = evsignal_new(p->base, SIGINT, signal_cb, p);
	p->ev_term = evsignal_new(p->base, SIGTERM, signal_cb, p);
	if (!p->overall || !p->media_timer || !p->ev_int || !p->ev_term ||
	    evsignal_add(p->ev_int, NULL) || evsignal_add(p->ev_term, NULL)) {
		cli_warn("cannot set up events");
		return RK_EXIT_FAIL;
	}
	if (p->o.timeout_ms)
		arm(p->overall, p->o.timeout_ms);
	p->step = RTMP_STEP_TCP;
	p->step_us = clock_mono_us();
	p->phase = rtmp_client_step_name(RTMP_STEP_TCP);
	p->code = RK_EXIT_FAIL;
	p->client =
	    rtmp_client_start(p->base, &cfg, &probe_ops, p, err, sizeof(err));
	if (p->client == NULL) {
		/* Resolution failed (or memory ran out): nothing was dialled. */
		snprintf(why, sizeof(why), "cannot connect to %s:%u: %s",
			 p->o.url.host, p->o.url.port, err);
		ev_begin(0, "*", "end");
		ev_i("exit_code", RK_EXIT_CONNECT);
		ev_s("status", probe_status_name(RK_EXIT_CONNECT));
		ev_s("step", p->phase);
		ev_s("reason", why);
		ev_ms("ms", out_now_ms());
		ev_end();
		report_error(p, RK_EXIT_CONNECT, why);
		return RK_EXIT_CONNECT;
	}
	event_base_dispatch(p->base);
	if (p->client) /* cannot happen: on_end leaves the loop */
		rtmp_client_abort(p->client, RK_EXIT_FAIL, "exiting");
	return p->code;
}

int
main(int argc, char **argv)
{
	static struct probe pr;
	struct probe *p = &pr;
	int rc;

	cli_init(argv[0]);
	parse_args(argc, argv, &p->o);
	log_setup(LOG_WARN, p->o.json);
	signal(SIGPIPE, SIG_IGN);
	out_init(p->o.json, p->o.quiet, p->o.verbose);

	if (p->o.mode == MODE_LISTEN) {
		struct listen_opts lo;

		memset(&lo, 0, sizeof(lo));
		lo.spec = p->o.listen;
		lo.once = p->o.once;
		lo.timeout_ms = p->o.timeout_ms;
		lo.step_timeout_ms = p->o.step_timeout_ms;
		lo.log_frames = p->o.frames;
		lo.json = p->o.json;
		return listen_run(&lo);
	}
	if (p->o.publish_file) {
		if (flv_src_open(&p->src, p->o.publish_file, 0) < 0) {
			cli_warn("%s", p->src.err);
			return RK_EXIT_FAIL;
		}
		p->have_src = 1;
		if (check_file_header(p) < 0)
			return RK_EXIT_INPUT;
	}
	p->base = event_base_new();
	if (p->base == NULL) {
		cli_warn("cannot create the event loop");
		return RK_EXIT_FAIL;
	}
	rc = run_client(p);
	wire_free(&p->w);
	if (p->have_src)
		flv_src_close(&p->src);
	free(p->tagbuf);
	if (p->overall)
		event_free(p->overall);
	if (p->media_timer)
		event_free(p->media_timer);
	if (p->ev_int)
		event_free(p->ev_int);
	if (p->ev_term)
		event_free(p->ev_term);
	event_base_free(p->base);
	if (fflush(stdout) != 0 && errno != EPIPE && rc == RK_EXIT_OK) {
		cli_warn("cannot write to stdout: %s", strerror(errno));
		rc = RK_EXIT_FAIL;
	}
	return rc;
}
