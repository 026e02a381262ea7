/*
 * rtmpd: options, listeners, signals and the event loop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "cli.h"
#include "log.h"
#include "rtmpd.h"
#include "tls.h"

#define MAX_LISTENERS	  16
#define ACCEPT_RETRY_MS	  100 /* after running out of descriptors */
#define SHUTDOWN_GRACE_MS 3000

static void
usage(void)
{
	printf(
	    "usage: %s [-l [addr:]port]... [--tls-listen [addr:]port]... [options]\n"
	    "\n"
	    "A minimal RTMP relay: one publisher per stream (app/name), any number\n"
	    "of players, with a GOP cache so new players start at once.\n"
	    "\n"
	    "  -l, --listen [ADDR:]PORT   listen there (repeatable; IPv6 as [::1]:1935;\n"
	    "                             default 0.0.0.0:1935 without -l, --tls-listen)\n"
	    "      --tls-listen [ADDR:]PORT\n"
	    "                             accept RTMPS (RTMP over TLS) there\n"
	    "                             (repeatable; needs --tls-cert, --tls-key)\n"
	    "      --tls-cert FILE        PEM certificate chain, server's first\n"
	    "      --tls-key FILE         PEM private key of that certificate\n"
	    "      --max-connections N    refuse connections beyond N (default %u)\n"
	    "      --handshake-timeout T  close a handshake not done in T (default 5s)\n"
	    "      --start-timeout T      close a connection that neither publishes nor\n"
	    "                             plays within T of its handshake (default 30s)\n"
	    "      --idle-timeout T       drop a publisher silent for T (default 10s)\n"
	    "      --send-timeout T       drop a player that reads nothing for T while\n"
	    "                             data waits for it (default 10s)\n"
	    "      --chunk-size N         outgoing chunk size (default %u)\n"
	    "      --max-message-size B   largest incoming message (default 1M, max 16M)\n"
	    "      --max-chunk-size B     largest Set Chunk Size accepted (default 16M)\n"
	    "      --window N             Window Ack Size announced (default %u)\n"
	    "      --no-gop-cache         new players wait for the next keyframe\n"
	    "      --gop-max-bytes B      GOP cache bound per stream (default 8M)\n"
	    "      --gop-max-frames N     GOP cache bound per stream (default %u)\n"
	    "      --audio-window T       audio-only streams: cached window (default 1s)\n"
	    "      --queue-bytes B        per-player queue bound (default 2M)\n"
	    "      --write-delay T|auto   write new messages T after the first, several\n"
	    "                             per syscall; 0: at the end of each loop turn;\n"
	    "                             auto: as long as the last writes took, up to\n"
	    "                             %ums (default auto)\n"
	    "      --takeover             a new publisher replaces the current one\n"
	    "                             (default: it is refused with BadName)\n"
	    "      --play-not-found       refuse play of an unpublished stream with\n"
	    "                             NetStream.Play.StreamNotFound (default: wait)\n"
	    "\n"
	    "Access control (checked in this order: IP rules, keys, hooks):\n"
	    "      --allow-publish CIDR   allow (or deny) publishing from CIDR: an\n"
	    "      --deny-publish CIDR    address, a network (10.0.0.0/8, ::1/128), all\n"
	    "      --allow-play CIDR      the same for playing; rules are repeatable and\n"
	    "      --deny-play CIDR       the first that matches wins; none: allowed\n"
	    "      --publish-key KEY      publishers need a key: ?key=KEY after the\n"
	    "                             stream name, or KEY as the name (repeatable)\n"
	    "      --play-key KEY         players need a key, the same way (repeatable)\n"
	    "      --key-file FILE        keys, one a line: KEY, app/stream KEY,\n"
	    "                             play [app/stream] KEY (reloaded on SIGHUP)\n"
	    "      --on-publish URL       POST to URL before a publish: 2xx allows\n"
	    "      --on-play URL          POST to URL before a play: 2xx allows\n"
	    "      --on-done URL          POST to URL when a publisher or player leaves\n"
	    "      --hook-timeout T       a hook not answered in T denies (default 5s)\n"
	    "\n"
	    "      --log-file FILE        log there instead of stderr (SIGHUP reopens)\n"
	    "      --log-level LEVEL      error, warn, info (default), debug, trace\n"
	    "      --json                 log JSON lines\n"
	    "  -q, --quiet                log errors only\n"
	    "  -v, --verbose              log more (repeatable)\n"
	    "  -h, --help                 show this help\n"
	    "  -V, --version              show the version\n"
	    "\n"
	    "Times take a suffix (500ms, 10s, 2m); sizes k/M/G. See rtmpd(8).\n",
	    cli_prog(), RTMPD_MAX_CONNECTIONS, RTMPD_CHUNK_SIZE, RTMPD_WINDOW,
	    RTMPD_GOP_MAX_FRAMES, RTMPD_WRITE_DELAY_AUTO_MAX_MS);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
	  int salen, void *arg)
{
	server_accept(arg, fd, sa, salen, 0);
}

static void
accept_tls_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
	      int salen, void *arg)
{
	server_accept(arg, fd, sa, salen, 1);
}

/*
 * --tls-cert/--tls-key: a file that cannot be read is named with the
 * system's reason (OpenSSL's own message for it is cryptic); the rest
 * (not PEM, key of another certificate) comes from tls.c.
 */
static void *
tls_setup(const char *cert, const char *key, char *err, size_t errlen)
{
	const char *files[2] = {cert, key};
	const char *opts[2] = {"--tls-cert", "--tls-key"};
	char why[480];
	void *ctx;
	int i;

	for (i = 0; i < 2; i++) {
		FILE *fp = fopen(files[i], "r");

		if (fp == NULL) {
			snprintf(err, errlen, "%s: cannot read %s: %s", opts[i],
				 files[i], strerror(errno));
			return NULL;
		}
		fclose(fp);
	}
	ctx = tls_server_ctx_new(cert, key, why, sizeof(why));
	if (ctx == NULL)
		snprintf(err, errlen, "TLS: %s", why);
	return ctx;
}

static void
accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rtmpd *d = arg;
	size_t i;

	if (d->stopping)
		return;
	for (i = 0; i < d->nlisteners; i++)
		evconnlistener_enable(d->listeners[i]);
	LOG_EV(LOG_INFO, "accept_resumed", LKV_U("connections", d->nclients));
}

/* Out of descriptors (or memory): pause accepting instead of spinning, and
 * try again shortly; existing streams keep flowing. */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct rtmpd *d = arg;
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval tv = {0, ACCEPT_RETRY_MS * 1000};
	size_t i;

	if (e == EINTR || e == EAGAIN || e == ECONNABORTED)
		return;
	for (i = 0; i < d->nlisteners; i++)
		evconnlistener_disable(d->listeners[i]);
	LOG_EV(LOG_WARN, "accept_paused", LKV_S("reason", strerror(e)),
	       LKV_U("connections", d->nclients));
	evtimer_add(d->accept_retry, &tv);
}

/* SIGHUP: a key file that cannot be used leaves the old keys in force. */
static void
reload_keys(struct rtmpd *d)
{
	char err[512];

	if (d->access.key_file == NULL)
		return;
	if (access_load_key_file(&d->access, err, sizeof(err)) != 0) {
		LOG_EV(LOG_ERROR, "key_file_reload", LKV_S("reason", err),
		       LKV_S("result", "old keys kept"));
		return;
	}
	LOG_EV(LOG_INFO, "key_file_reloaded", LKV_S("file", d->access.key_file),
	       LKV_U("publish_keys",
		     access_keys_count(&d->access.file, ACCESS_PUBLISH)),
	       LKV_U("play_keys",
		     access_keys_count(&d->access.file, ACCESS_PLAY)));
}

/* SIGHUP: a renewed certificate is used for new connections; one that
 * cannot be used leaves the old one in force. Connections keep theirs
 * (the context is reference counted by OpenSSL). */
static void
reload_tls(struct rtmpd *d)
{
	char err[512];
	void *ctx;

	if (d->tls_ctx == NULL)
		return;
	ctx = tls_setup(d->tls_cert, d->tls_key, err, sizeof(err));
	if (ctx == NULL) {
		LOG_EV(LOG_ERROR, "tls_reload", LKV_S("reason", err),
		       LKV_S("result", "old certificate kept"));
		return;
	}
	tls_ctx_free(d->tls_ctx);
	d->tls_ctx = ctx;
	LOG_EV(LOG_INFO, "tls_reloaded", LKV_S("cert", d->tls_cert),
	       LKV_S("key", d->tls_key));
}

/* --allow-publish and friends: in command-line order, per action. */
static void
add_rule(struct rtmpd *d, const char *opt, enum access_action act, int allow,
	 const char *arg)
{
	struct access_cidr net;
	char err[160];

	if (access_cidr_parse(arg, &net, err, sizeof(err)) < 0)
		cli_usage_error("%s: %s", opt, err);
	if (access_rules_add(&d->access.rules[act], allow, &net) < 0) {
		cli_warn("out of memory");
		exit(RK_EXIT_FAIL);
	}
}

static void
add_key(struct rtmpd *d, const char *opt, enum access_action act,
	const char *arg)
{
	char err[160];

	/* The key itself is not echoed: it is a secret. */
	if (access_keys_add(&d->access.cli, act, NULL, 0, arg, strlen(arg), err,
			    sizeof(err)) < 0)
		cli_usage_error("%s: %s", opt, err);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct rtmpd *d = arg;
	struct timeval grace = {SHUTDOWN_GRACE_MS / 1000,
				(SHUTDOWN_GRACE_MS % 1000) * 1000};
	size_t i;

	if (sig == SIGHUP) {
		if (log_reopen() != 0)
			LOG_EV(LOG_ERROR, "log_reopen",
			       LKV_S("reason", strerror(errno)));
		else
			LOG_EV(LOG_INFO, "log_reopened");
		reload_keys(d);
		reload_tls(d);
		return;
	}
	if (d->stopping) {
		event_base_loopexit(d->base, NULL);
		return;
	}
	LOG_EV(LOG_INFO, "shutdown",
	       LKV_S("signal", sig == SIGINT ? "SIGINT" : "SIGTERM"),
	       LKV_U("connections", d->nclients));
	for (i = 0; i < d->nlisteners; i++)
		evconnlistener_disable(d->listeners[i]);
	server_shutdown(d);
	/* Players that never read must not hold the exit back. */
	event_base_loopexit(d->base, &grace);
}

enum {
	OPT_MAX_CONN = 256,
	OPT_HS_TIMEOUT,
	OPT_START_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_SEND_TIMEOUT,
	OPT_CHUNK_SIZE,
	OPT_MAX_MESSAGE,
	OPT_MAX_CHUNK,
	OPT_WINDOW,
	OPT_NO_GOP,
	OPT_GOP_BYTES,
	OPT_GOP_FRAMES,
	OPT_AUDIO_WINDOW,
	OPT_QUEUE,
	OPT_WRITE_DELAY,
	OPT_TAKEOVER,
	OPT_NOT_FOUND,
	OPT_LOG_FILE,
	OPT_LOG_LEVEL,
	OPT_JSON,
	OPT_ALLOW_PUBLISH,
	OPT_DENY_PUBLISH,
	OPT_ALLOW_PLAY,
	OPT_DENY_PLAY,
	OPT_PUBLISH_KEY,
	OPT_PLAY_KEY,
	OPT_KEY_FILE,
	OPT_ON_PUBLISH,
	OPT_ON_PLAY,
	OPT_ON_DONE,
	OPT_HOOK_TIMEOUT,
	OPT_TLS_LISTEN,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
};

static const struct option longopts[] = {
    {"listen", required_argument, NULL, 'l'},
    {"tls-listen", required_argument, NULL, OPT_TLS_LISTEN},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"handshake-timeout", required_argument, NULL, OPT_HS_TIMEOUT},
    {"start-timeout", required_argument, NULL, OPT_START_TIMEOUT},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"send-timeout", required_argument, NULL, OPT_SEND_TIMEOUT},
    {"chunk-size", required_argument, NULL, OPT_CHUNK_SIZE},
    {"max-message-size", required_argument, NULL, OPT_MAX_MESSAGE},
    {"max-chunk-size", required_argument, NULL, OPT_MAX_CHUNK},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"no-gop-cache", no_argument, NULL, OPT_NO_GOP},
    {"gop-max-bytes", required_argument, NULL, OPT_GOP_BYTES},
    {"gop-max-frames", required_argument, NULL, OPT_GOP_FRAMES},
    {"audio-window", required_argument, NULL, OPT_AUDIO_WINDOW},
    {"queue-bytes", required_argument, NULL, OPT_QUEUE},
    {"write-delay", required_argument, NULL, OPT_WRITE_DELAY},
    {"takeover", no_argument, NULL, OPT_TAKEOVER},
    {"play-not-found", no_argument, NULL, OPT_NOT_FOUND},
    {"log-file", required_argument, NULL, OPT_LOG_FILE},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"json", no_argument, NULL, OPT_JSON},
    {"allow-publish", required_argument, NULL, OPT_ALLOW_PUBLISH},
    {"deny-publish", required_argument, NULL, OPT_DENY_PUBLISH},
    {"allow-play", required_argument, NULL, OPT_ALLOW_PLAY},
    {"deny-play", required_argument, NULL, OPT_DENY_PLAY},
    {"publish-key", required_argument, NULL, OPT_PUBLISH_KEY},
    {"play-key", required_argument, NULL, OPT_PLAY_KEY},
    {"key-file", required_argument, NULL, OPT_KEY_FILE},
    {"on-publish", required_argument, NULL, OPT_ON_PUBLISH},
    {"on-play", required_argument, NULL, OPT_ON_PLAY},
    {"on-done", required_argument, NULL, OPT_ON_DONE},
    {"hook-timeout", required_argument, NULL, OPT_HOOK_TIMEOUT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
	struct rtmpd d;
	const char *listen_specs[MAX_LISTENERS];
	int listen_tls[MAX_LISTENERS];
	size_t nspecs = 0, ntls = 0, i;
	const char *tls_cert = NULL, *tls_key = NULL;
	const char *log_file = NULL;
	int level = LOG_INFO, json = 0, ch, rc = RK_EXIT_OK;
	struct event *sigs[3];
	const int signums[3] = {SIGINT, SIGTERM, SIGHUP};
	const char *hook_urls[HOOK_NKINDS] = {NULL, NULL, NULL};
	static const char *const hook_opts[HOOK_NKINDS] = {
	    "--on-publish", "--on-play", "--on-done"};
	uint32_t hook_timeout_ms = HOOKS_TIMEOUT_MS;

	cli_init(argv[0]);
	memset(&d, 0, sizeof(d));
	d.cfg.max_connections = RTMPD_MAX_CONNECTIONS;
	d.cfg.handshake_timeout_ms = RTMPD_HANDSHAKE_TIMEOUT_MS;
	d.cfg.start_timeout_ms = RTMPD_START_TIMEOUT_MS;
	d.cfg.idle_timeout_ms = RTMPD_IDLE_TIMEOUT_MS;
	d.cfg.send_timeout_ms = RTMPD_SEND_TIMEOUT_MS;
	d.cfg.chunk_size = RTMPD_CHUNK_SIZE;
	d.cfg.max_message_size = CHUNK_MAX_MESSAGE_DEFAULT;
	d.cfg.max_chunk_size = CHUNK_MAX_CHUNK_SIZE_DEFAULT;
	d.cfg.window = RTMPD_WINDOW;
	d.cfg.gop_cache = 1;
	d.cfg.gop_max_bytes = RTMPD_GOP_MAX_BYTES;
	d.cfg.gop_max_frames = RTMPD_GOP_MAX_FRAMES;
	d.cfg.audio_window_ms = RTMPD_AUDIO_WINDOW_MS;
	d.cfg.queue_bytes = RTMPD_QUEUE_BYTES;
	d.cfg.write_delay_auto = 1;

	while ((ch = getopt_long(argc, argv, "l:qvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
		case OPT_TLS_LISTEN:
			if (nspecs == MAX_LISTENERS)
				cli_usage_error("%s: at most %d listeners",
						ch == 'l' ? "-l"
							  : "--tls-listen",
						MAX_LISTENERS);
			listen_tls[nspecs] = ch == OPT_TLS_LISTEN;
			ntls += ch == OPT_TLS_LISTEN;
			listen_specs[nspecs++] = optarg;
			break;
		case OPT_TLS_CERT:
			if (optarg[0] == '\0')
				cli_usage_error("--tls-cert: empty file name");
			tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			if (optarg[0] == '\0')
				cli_usage_error("--tls-key: empty file name");
			tls_key = optarg;
			break;
		case OPT_MAX_CONN:
			d.cfg.max_connections = (uint32_t)cli_uint(
			    "--max-connections", optarg, 1, 1000000);
			break;
		case OPT_HS_TIMEOUT:
			d.cfg.handshake_timeout_ms = (uint32_t)cli_duration_ms(
			    "--handshake-timeout", optarg, 100, 3600000);
			break;
		case OPT_START_TIMEOUT:
			d.cfg.start_timeout_ms = (uint32_t)cli_duration_ms(
			    "--start-timeout", optarg, 100, 86400000);
			break;
		case OPT_IDLE_TIMEOUT:
			d.cfg.idle_timeout_ms = (uint32_t)cli_duration_ms(
			    "--idle-timeout", optarg, 100, 86400000);
			break;
		case OPT_SEND_TIMEOUT:
			d.cfg.send_timeout_ms = (uint32_t)cli_duration_ms(
			    "--send-timeout", optarg, 100, 86400000);
			break;
		case OPT_CHUNK_SIZE:
			d.cfg.chunk_size = (uint32_t)cli_uint(
			    "--chunk-size", optarg, 128, 65536);
			break;
		case OPT_MAX_MESSAGE:
			d.cfg.max_message_size =
			    (uint32_t)cli_bytes("--max-message-size", optarg,
						4096, CHUNK_MAX_MESSAGE_HARD);
			break;
		case OPT_MAX_CHUNK:
			d.cfg.max_chunk_size = (uint32_t)cli_bytes(
			    "--max-chunk-size", optarg, 128, 0x7FFFFFFF);
			break;
		case OPT_WINDOW:
			d.cfg.window = (uint32_t)cli_uint("--window", optarg,
							  4096, 0x7FFFFFFF);
			break;
		case OPT_NO_GOP:
			d.cfg.gop_cache = 0;
			break;
		case OPT_GOP_BYTES:
			d.cfg.gop_max_bytes = cli_bytes(
			    "--gop-max-bytes", optarg, 0, (uint64_t)1 << 32);
			break;
		case OPT_GOP_FRAMES:
			d.cfg.gop_max_frames = (uint32_t)cli_uint(
			    "--gop-max-frames", optarg, 1, 1000000);
			break;
		case OPT_AUDIO_WINDOW:
			d.cfg.audio_window_ms = (uint32_t)cli_duration_ms(
			    "--audio-window", optarg, 0, 60000);
			break;
		case OPT_QUEUE:
			d.cfg.queue_bytes = cli_bytes("--queue-bytes", optarg,
						      16384, (uint64_t)1 << 32);
			break;
		case OPT_WRITE_DELAY:
			d.cfg.write_delay_auto = strcmp(optarg, "auto") == 0;
			d.cfg.write_delay_ms = 0;
			if (!d.cfg.write_delay_auto &&
			    (optarg[0] < '0' || optarg[0] > '9'))
				cli_usage_error(
				    "--write-delay: '%s' is neither "
				    "a time (200ms) nor 'auto'",
				    optarg);
			if (!d.cfg.write_delay_auto)
				d.cfg.write_delay_ms =
				    (uint32_t)cli_duration_ms(
					"--write-delay", optarg, 0,
					RTMPD_WRITE_DELAY_MAX_MS);
			break;
		case OPT_TAKEOVER:
			d.cfg.takeover = 1;
			break;
		case OPT_NOT_FOUND:
			d.cfg.play_not_found = 1;
			break;
		case OPT_LOG_FILE:
			log_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			level = log_level_parse(optarg);
			if (level < 0)
				cli_usage_error("--log-level: '%s' is not one "
						"of error, warn, info, debug, "
						"trace",
						optarg);
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_ALLOW_PUBLISH:
			add_rule(&d, "--allow-publish", ACCESS_PUBLISH, 1,
				 optarg);
			break;
		case OPT_DENY_PUBLISH:
			add_rule(&d, "--deny-publish", ACCESS_PUBLISH, 0,
				 optarg);
			break;
		case OPT_ALLOW_PLAY:
			add_rule(&d, "--allow-play", ACCESS_PLAY, 1, optarg);
			break;
		case OPT_DENY_PLAY:
			add_rule(&d, "--deny-play", ACCESS_PLAY, 0, optarg);
			break;
		case OPT_PUBLISH_KEY:
			add_key(&d, "--publish-key", ACCESS_PUBLISH, optarg);
			break;
		case OPT_PLAY_KEY:
			add_key(&d, "--play-key", ACCESS_PLAY, optarg);
			break;
		case OPT_KEY_FILE:
			if (optarg[0] == '\0')
				cli_usage_error("--key-file: empty file name");
			d.access.key_file = optarg;
			break;
		case OPT_ON_PUBLISH:
			hook_urls[HOOK_PUBLISH] = optarg;
			break;
		case OPT_ON_PLAY:
			hook_urls[HOOK_PLAY] = optarg;
			break;
		case OPT_ON_DONE:
			hook_urls[HOOK_DONE] = optarg;
			break;
		case OPT_HOOK_TIMEOUT:
			hook_timeout_ms = (uint32_t)cli_duration_ms(
			    "--hook-timeout", optarg, 100, 600000);
			break;
		case 'q':
			level = LOG_ERROR;
			break;
		case 'v':
			if (level < LOG_TRACE)
				level++;
			break;
		case 'h':
			usage();
			return RK_EXIT_OK;
		case 'V':
			cli_print_version();
			return RK_EXIT_OK;
		default:
			fprintf(stderr,
				"Try '%s --help' for more information.\n",
				cli_prog());
			return RK_EXIT_USAGE;
		}
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (ntls > 0 && !tls_available()) {
		char why[160];

		tls_server_ctx_new(NULL, NULL, why, sizeof(why));
		cli_usage_error("--tls-listen: %s", why);
	}
	if (ntls > 0 && (tls_cert == NULL || tls_key == NULL))
		cli_usage_error("--tls-listen needs %s",
				tls_cert  ? "--tls-key (the certificate's "
					    "private key)"
				: tls_key ? "--tls-cert (the certificate "
					    "chain)"
					  : "--tls-cert and --tls-key");
	if (ntls == 0 && (tls_cert || tls_key))
		cli_usage_error("%s without --tls-listen: no TLS listener "
				"would use it",
				tls_cert ? "--tls-cert" : "--tls-key");
	if (nspecs == 0) {
		listen_tls[0] = 0;
		listen_specs[nspecs++] = "0.0.0.0:1935";
	}
	d.base = event_base_new();
	d.hooks = d.base ? hooks_new(d.base) : NULL;
	if (d.hooks == NULL) {
		cli_warn("out of memory");
		rc = RK_EXIT_FAIL;
		goto out;
	}
	hooks_set_timeout(d.hooks, hook_timeout_ms);
	hooks_set_idle_cb(d.hooks, server_hooks_idle, &d);
	for (i = 0; i < HOOK_NKINDS; i++) {
		char err[512];

		if (hook_urls[i] &&
		    hooks_set_url(d.hooks, (enum hook_kind)i, hook_urls[i], err,
				  sizeof(err)) < 0)
			cli_usage_error("%s: %s", hook_opts[i], err);
	}
	if (d.access.key_file) {
		char err[512];

		if (access_load_key_file(&d.access, err, sizeof(err)) < 0) {
			cli_warn("%s", err);
			rc = RK_EXIT_FAIL;
			goto out;
		}
	}
	d.tls_cert = tls_cert;
	d.tls_key = tls_key;
	if (ntls > 0) {
		char err[512];

		d.tls_ctx = tls_setup(tls_cert, tls_key, err, sizeof(err));
		if (d.tls_ctx == NULL) {
			cli_warn("%s", err);
			rc = RK_EXIT_FAIL;
			goto out;
		}
	}
	log_setup((enum log_level)level, json);
	if (log_file && log_open_file(log_file) != 0) {
		cli_warn("cannot open log file %s: %s", log_file,
			 strerror(errno));
		rc = RK_EXIT_FAIL;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);

	d.relay = relay_new(&d);
	d.listeners = calloc(nspecs, sizeof(*d.listeners));
	d.accept_retry =
	    d.base ? evtimer_new(d.base, accept_retry_cb, &d) : NULL;
	if (d.relay == NULL || d.listeners == NULL || d.accept_retry == NULL) {
		cli_warn("out of memory");
		rc = RK_EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < nspecs; i++) {
		char err[256];
		int fd = net_listen(listen_specs[i], RTMPD_PORT, 511, err,
				    sizeof(err));

		if (fd < 0) {
			cli_warn("%s", err);
			rc = RK_EXIT_FAIL;
			goto out;
		}
		d.listeners[i] = evconnlistener_new(
		    d.base, listen_tls[i] ? accept_tls_cb : accept_cb, &d,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (d.listeners[i] == NULL) {
			close(fd);
			cli_warn("cannot listen on %s", listen_specs[i]);
			rc = RK_EXIT_FAIL;
			goto out;
		}
		evconnlistener_set_error_cb(d.listeners[i], accept_error_cb);
		d.nlisteners++;
		LOG_EV(LOG_INFO, "listen", LKV_S("addr", listen_specs[i]),
		       LKV_B("tls", listen_tls[i]));
	}
	LOG_EV(LOG_INFO, "access",
	       LKV_B("publish_key",
		     access_key_required(&d.access, ACCESS_PUBLISH)),
	       LKV_B("play_key", access_key_required(&d.access, ACCESS_PLAY)),
	       LKV_U("publish_rules", d.access.rules[ACCESS_PUBLISH].n),
	       LKV_U("play_rules", d.access.rules[ACCESS_PLAY].n),
	       LKV_B("on_publish", hooks_enabled(d.hooks, HOOK_PUBLISH)),
	       LKV_B("on_play", hooks_enabled(d.hooks, HOOK_PLAY)),
	       LKV_B("on_done", hooks_enabled(d.hooks, HOOK_DONE)));
	for (i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(d.base, signums[i], signal_cb, &d);
		evsignal_add(sigs[i], NULL);
	}
	event_base_dispatch(d.base);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	LOG_EV(LOG_INFO, "exit",
	       LKV_U("connections_total", d.stats.connections));
out:
	server_free_all(&d);
	for (i = 0; i < d.nlisteners; i++)
		evconnlistener_free(d.listeners[i]);
	free(d.listeners);
	if (d.accept_retry)
		event_free(d.accept_retry);
	relay_free(d.relay);
	access_free(&d.access);
	if (d.tls_ctx)
		tls_ctx_free(d.tls_ctx);
	if (d.base)
		event_base_free(d.base);
	return rc;
}
