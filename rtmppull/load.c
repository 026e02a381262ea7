/*
 * rtmppull -N: many players in one event loop (see load.h and rtmppull(1)).
 *
 * Per player we keep struct load_player (about 120 bytes) next to the
 * client conversation itself; messages are counted and dropped as they
 * arrive, nothing is buffered. Aggregates: bytes and frames per interval,
 * lag growth per player (arrival time minus media time, against its
 * smallest value: a player that falls behind sees it grow), time from dial
 * to the first video keyframe, and, with a send log, the relay latency of
 * every video message.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <zlib.h>

#include "cli.h"
#include "client.h"
#include "flv.h"
#include "hist.h"
#include "lat.h"
#include "load.h"
#include "loadgen.h"
#include "log.h"
#include "rtmp_msg.h"

/* The JSON key naming each statistics line: {"type":"stats",...}. */
#define LOAD_KV_NAME "type"
/* Per stream, the CRCs of the last few video messages (see msg_crc). */
#define LOAD_CRC_MEMO 8

enum lp_state { LP_IDLE, LP_SETUP, LP_PLAYING, LP_DONE, LP_FAILED };

struct load;

struct load_player {
	struct load *L;
	struct rtmp_client *c;
	uint64_t t_dial, t_ready, t0, t_last; /* us, CLOCK_MONOTONIC */
	int64_t lag_min, lag_m;		      /* us */
	uint64_t bytes, bytes_m, frames;
	uint64_t vwin; /* video bytes received that were sent in the window */
	uint32_t ts0, ts_last, stream;
	uint8_t state, played, have_media, have_key, in_window;
};

/* A process's counters from /proc (the server under test). */
struct proc_sample {
	int ok;
	uint64_t t_us, ticks, syscw, wchar, rss_kib;
};

struct crc_memo {
	uint64_t key;
	uint32_t len, crc;
};

struct load_summary {
	double window_s;
	uint64_t wbytes, kept_up, behind, counted;
	uint64_t frames_min, frames_max, bytes_min, bytes_max;
	struct proc_sample s0, s1;	 /* the server */
	struct proc_sample self0, self1; /* this process */
};

struct load {
	const struct load_opts *o;
	struct loadgen_loop loop;
	struct rtmp_client_cfg cfg;
	int expand; /* the URL holds {i} */
	struct load_player *pl;
	uint32_t n, started, playing, failed, ended;
	struct strtab streams;
	struct lat lat;
	int have_lat;
	uint64_t t_start, t_last_dial, t_window, t_iv, t_scan, t_end;
	int window, finishing;
	int by_send; /* kept up: from send times (send log and -d) */
	uint64_t replayed;
	int exit_code;
	int first_fail_logged;
	struct hist lat_iv, lat_win, lat_all, ttfk;
	uint64_t iv_bytes, iv_frames;
	struct proc_sample srv_iv, srv_w0, self_w0;
	uint64_t *pub_m; /* per stream: published bytes at the window start */
	struct crc_memo *memo; /* LOAD_CRC_MEMO per stream */
	struct load_summary sum;
	char reason[32];
	long clk_tck;
};

/* ---- output ------------------------------------------------------------ */

/* Percentiles in milliseconds, null when there is no sample. */
static void
kv_hist(struct kv *k, const char *prefix, const struct hist *h, int with_max)
{
	char key[48];

	snprintf(key, sizeof(key), "%s_p50_ms", prefix);
	if (h->n)
		kv_d(k, key, hist_quantile(h, 0.50) / 1000.0, 3);
	else
		kv_null(k, key);
	snprintf(key, sizeof(key), "%s_p99_ms", prefix);
	if (h->n)
		kv_d(k, key, hist_quantile(h, 0.99) / 1000.0, 3);
	else
		kv_null(k, key);
	if (!with_max)
		return;
	snprintf(key, sizeof(key), "%s_max_ms", prefix);
	if (h->n)
		kv_d(k, key, (double)h->max / 1000.0, 3);
	else
		kv_null(k, key);
}

/* ---- /proc ------------------------------------------------------------- */

static int
proc_read(long pid, struct proc_sample *s)
{
	char path[64], buf[1024], *p;
	FILE *fp;
	unsigned long long ut, st, v;
	size_t n;
	int field;

	memset(s, 0, sizeof(*s));
	s->t_us = clock_mono_us();
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields are
	 * counted after the last ')'. utime and stime are fields 14 and 15. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (field = 2; field < 14 && p; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu %llu", &ut, &st) != 2)
		return -1;
	s->ticks = ut + st;
	snprintf(path, sizeof(path), "/proc/%ld/io", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), fp))
			if (sscanf(buf, "syscw: %llu", &v) == 1)
				s->syscw = v;
			else if (sscanf(buf, "wchar: %llu", &v) == 1)
				s->wchar = v;
		fclose(fp);
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), fp))
			if (sscanf(buf, "VmRSS: %llu", &v) == 1)
				s->rss_kib = v;
		fclose(fp);
	}
	s->ok = 1;
	return 0;
}

/* ---- players ----------------------------------------------------------- */

static void load_finish(struct load *L, const char *reason);

static int64_t
lag_at(const struct load_player *p, uint64_t now)
{
	return (int64_t)(now - p->t0) -
	       (int64_t)(int32_t)(p->ts_last - p->ts0) * 1000;
}

static int
is_behind(const struct load *L, const struct load_player *p, uint64_t now)
{
	return p->state == LP_PLAYING && p->have_media &&
	       lag_at(p, now) - p->lag_min > (int64_t)L->o->behind_ms * 1000;
}

static void
player_failed(struct load *L, struct load_player *p, int code, const char *why)
{
	p->state = LP_FAILED;
	L->failed++;
	if (L->exit_code == RK_EXIT_OK)
		L->exit_code = code ? code : RK_EXIT_FAIL;
	loadgen_log_failure(&L->first_fail_logged, "player_failed", "player",
			    (uint64_t)(p - L->pl), why, code);
}

static void
check_all_done(struct load *L)
{
	if (!L->finishing && L->started == L->n && L->ended + L->failed == L->n)
		load_finish(L, "ended");
}

/* A cheap fingerprint: the length and 80 bytes from the start, the middle
 * and the end of the body. */
static uint64_t
msg_key(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;
	size_t offs[10], i, k = 0;

	if (n < 80) {
		for (i = 0; i < n; i++)
			h = (h ^ p[i]) * 0x100000001B3ull;
		return h;
	}
	for (i = 0; i < 4; i++)
		offs[k++] = i * 8;
	offs[k++] = n / 2 - 8;
	offs[k++] = n / 2;
	for (i = 0; i < 4; i++)
		offs[k++] = n - 32 + i * 8;
	for (i = 0; i < k; i++) {
		memcpy(&w, p + offs[i], sizeof(w));
		h = (h ^ w) * 0x100000001B3ull;
		h ^= h >> 29;
	}
	return h;
}

/*
 * Every player of a stream receives the same bodies: compute the CRC once
 * per message, not once per player. A body is recognised by its length
 * and a fingerprint of 80 of its bytes among the stream's last
 * LOAD_CRC_MEMO video messages (two different frames agreeing on all of
 * that would be matched to the wrong send record: never seen in
 * practice).
 */
static uint32_t
msg_crc(struct load *L, uint32_t stream, const uint8_t *p, size_t n)
{
	struct crc_memo *m = &L->memo[(size_t)stream * LOAD_CRC_MEMO];
	uint64_t key = msg_key(p, n);
	uint32_t crc;
	unsigned i;

	for (i = 0; i < LOAD_CRC_MEMO; i++)
		if (m[i].key == key && m[i].len == n)
			return m[i].crc;
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
	memmove(m + 1, m, (LOAD_CRC_MEMO - 1) * sizeof(*m));
	m[0].key = key;
	m[0].len = (uint32_t)n;
	m[0].crc = crc;
	return crc;
}

static void
on_ready(struct rtmp_client *c, void *arg)
{
	struct load_player *p = arg;

	p->state = LP_PLAYING;
	p->played = 1;
	p->t_ready = clock_mono_us();
	p->L->playing++;
}

static void
player_stop(struct load_player *p, int code, const char *why)
{
	if (p->c && p->c->step != RTMP_STEP_CLOSING)
		rtmp_client_stop(p->c, code, why);
}

static void
on_media(struct rtmp_client *c, const struct sess_event *ev, void *arg)
{
	struct load_player *p = arg;
	struct load *L = p->L;
	uint64_t now;
	int video, frame, key = 0;
	int64_t lag;

	if (ev->type != SESS_EV_AUDIO && ev->type != SESS_EV_VIDEO)
		return; /* onMetaData, |RtmpSampleAccess: not media bytes */
	if (p->state != LP_PLAYING)
		return;
	now = net_read_time_us(); /* the read's time: one clock call each */
	video = ev->type == SESS_EV_VIDEO;
	/* Frames as in single mode: not sequence headers, sequence ends or
	 * video command frames; what does not parse still counts. */
	if (video) {
		struct flv_video_info vi;

		frame = 1;
		if (flv_video_parse(ev->payload, ev->len, &vi) == RTMP_OK) {
			frame = !vi.is_seq_header && !vi.is_seq_end &&
				!vi.is_command;
			key = vi.is_keyframe;
		}
	} else {
		struct flv_audio_info ai;

		frame = 1;
		if (flv_audio_parse(ev->payload, ev->len, &ai) == RTMP_OK)
			frame = !ai.is_seq_header && !ai.is_seq_end;
	}
	p->bytes += ev->len;
	L->iv_bytes += ev->len;
	if (frame) {
		p->frames++;
		L->iv_frames++;
	}
	p->t_last = now;
	p->ts_last = ev->h.timestamp;
	if (!p->have_media) {
		p->have_media = 1;
		p->t0 = now;
		p->ts0 = ev->h.timestamp;
		p->lag_min = 0;
	} else if ((lag = lag_at(p, now)) < p->lag_min) {
		p->lag_min = lag;
	}
	if (video && frame) {
		if (!p->have_key && key) {
			p->have_key = 1;
			hist_add(&L->ttfk, now - p->t_dial);
		}
		if (L->have_lat)
			lat_match(&L->lat,
				  msg_crc(L, p->stream, ev->payload, ev->len),
				  p->stream, now, p, (uint32_t)ev->len);
	}
	if (L->o->frames && p->frames >= L->o->frames && frame)
		player_stop(p, RK_EXIT_OK, "frame limit reached");
}

static void
on_status(struct rtmp_client *c, const struct rtmp_status *st, void *arg)
{
	struct load_player *p = arg;
	char why[300];

	if (rtmp_str_eq(st->code, "NetStream.Play.UnpublishNotify") ||
	    rtmp_str_eq(st->code, "NetStream.Play.Stop") ||
	    rtmp_str_eq(st->code, "NetStream.Play.Complete")) {
		player_stop(p, RK_EXIT_OK, "the publisher ended the stream");
		return;
	}
	if (rtmp_str_eq(st->level, "error")) {
		snprintf(why, sizeof(why), "play refused: %.*s",
			 (int)(st->code.len > 200 ? 200 : st->code.len),
			 st->code.p ? (const char *)st->code.p : "");
		player_stop(p, RK_EXIT_REFUSED, why);
	}
}

static void
on_user_control(struct rtmp_client *c, const struct rtmp_user_control *uc,
		void *arg)
{
	struct load_player *p = arg;

	if (c->step == RTMP_STEP_READY && uc->event == RTMP_UC_STREAM_EOF &&
	    uc->stream_id == c->stream_id)
		player_stop(p, RK_EXIT_OK, "the publisher ended the stream");
}

static void
on_end(struct rtmp_client *c, int code, const char *why,
       const struct rtmp_status *st, void *arg)
{
	struct load_player *p = arg;
	struct load *L = p->L;

	p->c = NULL;
	if (p->state == LP_PLAYING)
		L->playing--;
	/* "closed by peer" after playing: the server ended the stream. */
	if (code == RK_EXIT_CONNECT && p->state == LP_PLAYING &&
	    strcmp(why, "connection closed by peer") == 0)
		code = RK_EXIT_OK;
	if (code == RK_EXIT_OK || L->finishing) {
		p->state = LP_DONE;
		L->ended++;
	} else {
		player_failed(L, p, code, why);
	}
	(void)st;
	check_all_done(L);
}

static const struct rtmp_client_ops load_ops = {
    .on_ready = on_ready,
    .on_media = on_media,
    .on_status = on_status,
    .on_user_control = on_user_control,
    .on_end = on_end,
};

static void
dial(struct load *L, struct load_player *p)
{
	struct rtmp_client_cfg cfg;
	char err[256];
	uint32_t i = (uint32_t)(p - L->pl);

	L->started++;
	p->t_dial = clock_mono_us();
	p->state = LP_SETUP;
	if (L->expand) {
		cfg = L->cfg;
		/* Checked for every index at startup. */
		if (loadgen_url_parse(L->o->url, i, &cfg.url) < 0) {
			player_failed(L, p, RK_EXIT_USAGE, "bad URL");
			check_all_done(L);
			return;
		}
		p->c = rtmp_client_start(L->loop.base, &cfg, &load_ops, p, err,
					 sizeof(err));
	} else {
		p->c = rtmp_client_start(L->loop.base, &L->cfg, &load_ops, p,
					 err, sizeof(err));
	}
	if (p->c == NULL) {
		player_failed(L, p, RK_EXIT_CONNECT, err);
		check_all_done(L);
	}
}

/* ---- the window and the statistics ------------------------------------- */

/* A video message matched to its send record (lat.c). */
static void
on_match(void *arg, void *who, uint64_t t_send, uint64_t t_recv, uint32_t len)
{
	struct load *L = arg;
	struct load_player *p = who;
	uint64_t us = t_recv > t_send ? t_recv - t_send : 0;

	if (L->lat.t_from && t_send >= L->lat.t_from && t_send <= L->lat.t_cut)
		p->vwin += len;
	/* Sent before the player asked: a GOP cache replayed to it, not
	 * relay latency. */
	if (t_send < p->t_dial) {
		L->replayed++;
		return;
	}
	hist_add(&L->lat_iv, us);
	hist_add(&L->lat_all, us);
	if (L->window)
		hist_add(&L->lat_win, us);
}

static void
window_start(struct load *L, uint64_t now)
{
	uint32_t i;

	L->window = 1;
	L->t_window = now;
	for (i = 0; i < L->n; i++) {
		struct load_player *p = &L->pl[i];

		p->bytes_m = p->bytes;
		p->in_window = p->state == LP_PLAYING && p->have_media;
		p->lag_m = p->in_window ? lag_at(p, now) : 0;
	}
	if (L->o->server_pid)
		proc_read(L->o->server_pid, &L->srv_w0);
	proc_read((long)getpid(), &L->self_w0);
	if (L->have_lat) {
		lat_poll(&L->lat, now);
		memcpy(L->pub_m, L->lat.pub_bytes,
		       L->streams.n * sizeof(*L->pub_m));
		/*
		 * With a known end, what each player should get is what was
		 * sent from now to LOAD_INFLIGHT_MS before the end, counted
		 * by send time on both sides: a server that batches (or
		 * keyframes in flight at the end) then costs nothing.
		 */
		if (L->o->duration_ms) {
			uint64_t cut = L->t_start + L->o->duration_ms * 1000 -
				       (uint64_t)LOAD_INFLIGHT_MS * 1000;

			if (cut > now + (uint64_t)LOAD_INFLIGHT_MS * 1000) {
				L->lat.t_from = now;
				L->lat.t_cut = cut;
				L->by_send = 1;
			}
		}
	}
	LOG_EV(LOG_INFO, "window_start",
	       LKV_D("t", (double)(now - L->t_start) / 1e6),
	       LKV_U("connected", L->playing));
}

static void
print_stats(struct load *L, uint64_t now)
{
	struct kv k = {stdout, L->o->json, LOAD_KV_NAME};
	double dt = (double)(now - L->t_iv) / 1e6;
	uint64_t behind = 0;
	int64_t lag_max = 0;
	uint32_t i;

	for (i = 0; i < L->n; i++) {
		const struct load_player *p = &L->pl[i];

		behind += (uint64_t)is_behind(L, p, now);
		if (p->state == LP_PLAYING && p->have_media &&
		    lag_at(p, now) - p->lag_min > lag_max)
			lag_max = lag_at(p, now) - p->lag_min;
	}
	if (dt <= 0)
		dt = 1e-6;
	kv_begin(&k, "stats");
	kv_d(&k, "t", (double)(now - L->t_start) / 1e6, 1);
	kv_u(&k, "started", L->started);
	kv_u(&k, "connected", L->playing);
	kv_u(&k, "failed", L->failed);
	kv_u(&k, "ended", L->ended);
	kv_u(&k, "behind", behind);
	kv_d(&k, "lag_max_ms", (double)lag_max / 1000.0, 1);
	kv_d(&k, "bytes_per_s", (double)L->iv_bytes / dt, 0);
	kv_d(&k, "kbps", (double)L->iv_bytes * 8 / dt / 1000, 1);
	kv_d(&k, "frames_per_s", (double)L->iv_frames / dt, 1);
	kv_hist(&k, "ttfk", &L->ttfk, 0);
	kv_hist(&k, "latency", &L->lat_iv, 1);
	kv_u(&k, "latency_samples", L->lat_iv.n);
	kv_u(&k, "unmatched", L->have_lat ? L->lat.unmatched : 0);
	kv_u(&k, "rss_kib", loadgen_self_rss_kib());
	if (L->o->server_pid) {
		struct proc_sample s;

		if (proc_read(L->o->server_pid, &s) == 0 && L->srv_iv.ok &&
		    s.t_us > L->srv_iv.t_us) {
			kv_d(&k, "server_cpu_pct",
			     (double)(s.ticks - L->srv_iv.ticks) /
				 (double)L->clk_tck /
				 ((double)(s.t_us - L->srv_iv.t_us) / 1e6) *
				 100,
			     1);
			kv_u(&k, "server_rss_kib", s.rss_kib);
		} else {
			kv_null(&k, "server_cpu_pct");
			kv_null(&k, "server_rss_kib");
		}
		L->srv_iv = s;
	}
	kv_end(&k);
	L->iv_bytes = L->iv_frames = 0;
	hist_clear(&L->lat_iv);
	L->t_iv = now;
}

/* Players that receive nothing for --timeout fail with exit code 6. */
static void
scan_timeouts(struct load *L, uint64_t now)
{
	uint64_t lim = L->o->timeout_ms * 1000;
	char why[64];
	uint32_t i;

	if (lim == 0)
		return;
	snprintf(why, sizeof(why), "no data for %.1f s",
		 (double)L->o->timeout_ms / 1000.0);
	for (i = 0; i < L->n && !L->finishing; i++) {
		struct load_player *p = &L->pl[i];
		uint64_t last = p->have_media ? p->t_last : p->t_ready;

		if (p->state == LP_PLAYING && now - last > lim)
			player_stop(p, RK_EXIT_TIMEOUT, why);
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct load *L = arg;
	uint64_t now = clock_mono_us();

	while (L->started < L->n && !L->finishing &&
	       loadgen_ramp_due(L->t_start, L->o->ramp, L->started, now)) {
		dial(L, &L->pl[L->started]);
		L->t_last_dial = now;
	}
	if (L->finishing)
		return;
	if (L->have_lat)
		lat_poll(&L->lat, now);
	if (!L->window && L->started == L->n &&
	    now >= L->t_last_dial + L->o->warmup_ms * 1000)
		window_start(L, now);
	if (now - L->t_scan >= 1000000) {
		L->t_scan = now;
		scan_timeouts(L, now);
	}
	if (L->o->interval_ms && now - L->t_iv >= L->o->interval_ms * 1000)
		print_stats(L, now);
	if (L->o->duration_ms && now - L->t_start >= L->o->duration_ms * 1000)
		load_finish(L, "duration");
}

/* The end: figures are taken now, then every connection is dropped. */
static void
load_finish(struct load *L, const char *reason)
{
	struct load_summary *S = &L->sum;
	uint64_t now = clock_mono_us(), *expect;
	uint32_t i;

	if (L->finishing)
		return;
	L->finishing = 1;
	L->t_end = now;
	snprintf(L->reason, sizeof(L->reason), "%s", reason);
	if (L->have_lat)
		lat_poll(&L->lat, now);
	if (L->o->server_pid) {
		proc_read(L->o->server_pid, &S->s1);
		/* The window's start, or the run's when it never began. */
		S->s0 = L->srv_w0;
	}
	S->self0 = L->self_w0;
	proc_read((long)getpid(), &S->self1);
	S->window_s =
	    (double)(now - (L->window ? L->t_window : L->t_start)) / 1e6;
	/* What each player should have received in the window: what its
	 * publisher sent (send log), or else the best of its stream's
	 * players. */
	expect = calloc(L->streams.n ? L->streams.n : 1, sizeof(*expect));
	for (i = 0; i < L->n && expect && !L->by_send; i++) {
		struct load_player *p = &L->pl[i];
		uint64_t wb;

		if (!L->window) {
			p->bytes_m = 0;
			p->in_window = p->played && p->have_media;
			p->lag_m = p->lag_min;
		}
		wb = p->bytes - p->bytes_m;
		if (!L->have_lat && p->in_window && wb > expect[p->stream])
			expect[p->stream] = wb;
	}
	if (L->have_lat && expect)
		for (i = 0; i < L->streams.n; i++)
			expect[i] = L->by_send
					? L->lat.pub_vwin[i]
					: L->lat.pub_bytes[i] - L->pub_m[i];
	S->frames_min = S->bytes_min = UINT64_MAX;
	for (i = 0; i < L->n; i++) {
		struct load_player *p = &L->pl[i];
		uint64_t wb = L->by_send ? p->vwin : p->bytes - p->bytes_m;
		uint64_t end = p->state == LP_PLAYING ? now : p->t_last;
		int64_t growth = p->have_media ? lag_at(p, end) - p->lag_m : 0;

		if (p->played) {
			S->counted++;
			if (p->frames < S->frames_min)
				S->frames_min = p->frames;
			if (p->frames > S->frames_max)
				S->frames_max = p->frames;
			if (p->bytes < S->bytes_min)
				S->bytes_min = p->bytes;
			if (p->bytes > S->bytes_max)
				S->bytes_max = p->bytes;
		}
		S->behind += (uint64_t)is_behind(L, p, now);
		if (p->in_window)
			S->wbytes += p->bytes - p->bytes_m;
		if (p->in_window && p->state != LP_FAILED && expect &&
		    (double)wb >=
			LOAD_KEEPUP_RATIO * (double)expect[p->stream] &&
		    growth <= (int64_t)L->o->behind_ms * 1000)
			S->kept_up++;
	}
	if (S->counted == 0)
		S->frames_min = S->bytes_min = 0;
	free(expect);
	/* Drop everyone at once: a load run ends when it ends. */
	for (i = 0; i < L->n; i++)
		if (L->pl[i].c)
			rtmp_client_abort(L->pl[i].c, RK_EXIT_OK,
					  "end of the run");
	event_base_loopexit(L->loop.base, NULL);
}

static void
print_summary(struct load *L)
{
	struct load_summary *S = &L->sum;
	struct kv k = {stdout, L->o->json, LOAD_KV_NAME};
	const struct hist *lh = L->window ? &L->lat_win : &L->lat_all;

	kv_begin(&k, "summary");
	kv_u(&k, "players", L->n);
	kv_u(&k, "started", L->started);
	kv_u(&k, "connected", S->counted);
	kv_u(&k, "failed", L->failed);
	kv_u(&k, "kept_up", S->kept_up);
	kv_u(&k, "behind", S->behind);
	kv_d(&k, "window_s", S->window_s, 3);
	kv_u(&k, "bytes", S->wbytes);
	kv_d(&k, "kbps",
	     S->window_s > 0 ? (double)S->wbytes * 8 / S->window_s / 1000 : 0,
	     1);
	kv_u(&k, "frames_min", S->frames_min);
	kv_u(&k, "frames_max", S->frames_max);
	kv_u(&k, "bytes_min", S->bytes_min);
	kv_u(&k, "bytes_max", S->bytes_max);
	kv_hist(&k, "ttfk", &L->ttfk, 1);
	kv_hist(&k, "latency", lh, 1);
	kv_u(&k, "latency_samples", lh->n);
	kv_u(&k, "unmatched", L->have_lat ? L->lat.unmatched : 0);
	kv_u(&k, "rss_kib", loadgen_self_rss_kib());
	if (S->self0.ok && S->self1.ok && S->self1.t_us > S->self0.t_us)
		kv_d(&k, "cpu_pct",
		     (double)(S->self1.ticks - S->self0.ticks) /
			 (double)L->clk_tck /
			 ((double)(S->self1.t_us - S->self0.t_us) / 1e6) * 100,
		     1);
	else
		kv_null(&k, "cpu_pct");
	if (L->o->server_pid) {
		if (S->s0.ok && S->s1.ok && S->s1.t_us > S->s0.t_us) {
			double cpu = (double)(S->s1.ticks - S->s0.ticks) /
				     (double)L->clk_tck;
			double secs = (double)(S->s1.t_us - S->s0.t_us) / 1e6;
			uint64_t w = S->s1.syscw - S->s0.syscw;

			kv_d(&k, "server_cpu_s", cpu, 2);
			kv_d(&k, "server_cpu_pct", cpu / secs * 100, 1);
			kv_u(&k, "server_syscw", w);
			kv_u(&k, "server_wchar", S->s1.wchar - S->s0.wchar);
			kv_u(&k, "server_rss_kib", S->s1.rss_kib);
			if (S->wbytes) {
				kv_d(&k, "server_cpu_s_per_gb",
				     cpu / ((double)S->wbytes / 1e9), 3);
				kv_d(&k, "server_syscw_per_mb",
				     (double)w / ((double)S->wbytes / 1e6), 2);
			} else {
				kv_null(&k, "server_cpu_s_per_gb");
				kv_null(&k, "server_syscw_per_mb");
			}
		} else {
			kv_null(&k, "server_cpu_s");
			kv_null(&k, "server_cpu_pct");
			kv_null(&k, "server_syscw");
			kv_null(&k, "server_wchar");
			kv_null(&k, "server_rss_kib");
			kv_null(&k, "server_cpu_s_per_gb");
			kv_null(&k, "server_syscw_per_mb");
		}
	}
	kv_s(&k, "reason", L->reason);
	kv_end(&k);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct load *L = arg;

	load_finish(L, "signal");
}

/* Parse every player's URL once: errors now, and the stream table. */
static int
map_streams(struct load *L)
{
	struct rtmp_url *u = malloc(sizeof(*u));
	uint32_t i;
	int idx = 0;

	if (u == NULL)
		return -1;
	for (i = 0; i < L->n; i++) {
		if (i == 0 || L->expand) {
			loadgen_url_check(L->o->url, i, "player", u);
			if ((idx = strtab_add(&L->streams, u->stream)) < 0) {
				free(u);
				return -1;
			}
			if (i == 0)
				L->cfg.url = *u;
		}
		L->pl[i].stream = (uint32_t)idx;
	}
	free(u);
	return 0;
}

int
load_run(const struct load_opts *o)
{
	static struct load ld;
	struct load *L = &ld;
	int rc;

	memset(L, 0, sizeof(*L));
	L->o = o;
	L->n = o->n;
	L->exit_code = RK_EXIT_OK;
	L->clk_tck = sysconf(_SC_CLK_TCK);
	if (L->clk_tck <= 0)
		L->clk_tck = 100;
	L->expand = strstr(o->url, "{i}") != NULL;
	L->pl = calloc(L->n, sizeof(*L->pl));
	if (L->pl == NULL) {
		cli_warn("out of memory for %" PRIu32 " players", L->n);
		return RK_EXIT_FAIL;
	}
	for (uint32_t i = 0; i < L->n; i++)
		L->pl[i].L = L;
	L->cfg.mode = RTMP_CLIENT_PLAY;
	L->cfg.announce_fourcc = 1;
	L->cfg.buffer_ms = o->buffer_ms;
	L->cfg.tls_insecure = o->insecure;
	L->cfg.tls_ca_file = o->ca_file;
	L->cfg.step_timeout_ms = o->step_timeout_ms;
	L->cfg.sess.chunk.max_message_size = CHUNK_MAX_MESSAGE_HARD;
	L->cfg.sess.chunk.max_partial_bytes = 2 * CHUNK_MAX_MESSAGE_HARD;
	if (map_streams(L) < 0) {
		cli_warn("out of memory");
		return RK_EXIT_FAIL;
	}
	if (loadgen_raise_nofile(L->n, LOAD_FD_RESERVE) < 0)
		return RK_EXIT_FAIL;
	if (o->latency_log) {
		L->pub_m = calloc(L->streams.n, sizeof(*L->pub_m));
		L->memo =
		    calloc(L->streams.n * LOAD_CRC_MEMO, sizeof(*L->memo));
		if (L->pub_m == NULL || L->memo == NULL ||
		    lat_init(&L->lat, o->latency_log, &L->streams, on_match,
			     L) < 0) {
			cli_warn("out of memory");
			return RK_EXIT_FAIL;
		}
		L->have_lat = 1;
		/* Bytes published are counted from here (or the window). */
		lat_poll(&L->lat, clock_mono_us());
		memcpy(L->pub_m, L->lat.pub_bytes,
		       L->streams.n * sizeof(*L->pub_m));
	}
	signal(SIGPIPE, SIG_IGN);
	if (loadgen_loop_init(&L->loop, LOAD_TICK_MS, tick_cb, signal_cb, L) <
	    0)
		return RK_EXIT_FAIL;
	L->t_start = L->t_iv = L->t_scan = clock_mono_us();
	proc_read((long)getpid(), &L->self_w0);
	if (o->server_pid) {
		if (proc_read(o->server_pid, &L->srv_iv) < 0) {
			cli_warn("cannot read /proc/%ld/stat: no such process",
				 o->server_pid);
			return RK_EXIT_FAIL;
		}
		L->srv_w0 = L->srv_iv;
	}
	LOG_EV(LOG_INFO, "load_start", LKV_U("players", L->n),
	       LKV_D("ramp", o->ramp), LKV_U("streams", L->streams.n));
	tick_cb(-1, 0, L);
	if (!L->finishing)
		event_base_dispatch(L->loop.base);
	print_summary(L);
	rc = L->exit_code;
	loadgen_loop_free(&L->loop);
	if (L->have_lat)
		lat_free(&L->lat);
	free(L->pub_m);
	free(L->memo);
	strtab_free(&L->streams);
	free(L->pl);
	return rc;
}
