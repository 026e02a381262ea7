/*
 * Session state machine on an in-memory transport. The input is what the
 * peer sends after a valid handshake (generated here, so the fuzzer starts
 * at chunk parsing). It goes to a server-role and a client-role session,
 * split into feeds chosen by the trailing bytes:
 *
 *	body | split bytes (0..7) | count of split bytes (low 3 bits)
 *
 * Every command is answered so the writer and output buffer are exercised,
 * and the server's output is fed to a client session, which must decode it
 * without error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keep the output bound small so LIMIT paths are reached. */
#define FUZZ_MAX_OUT (64u << 10)

static void
check(struct sess *mirror, const uint8_t *p, size_t n)
{
	struct sess_event ev;
	size_t pos = 0;
	ssize_t r;

	while (pos < n) {
		r = sess_feed(mirror, p + pos, n - pos, &ev);
		if (r < 0)
			abort(); /* we produced bytes we cannot read back */
		if (r == 0 && ev.type == SESS_EV_NONE)
			abort();
		pos += (size_t)r;
	}
}

static void
drain(struct sess *s, struct sess *mirror)
{
	const uint8_t *p;
	size_t n;

	p = sess_output(s, &n);
	if (mirror != NULL && n > 0) {
		/* Half now, half later: exercises compaction. */
		check(mirror, p, n / 2);
		sess_output_done(s, n / 2);
		p = sess_output(s, &n);
		check(mirror, p, n);
	}
	sess_output_done(s, n);
	/* Drain the mirror's own acks and pongs. */
	if (mirror != NULL) {
		sess_output(mirror, &n);
		sess_output_done(mirror, n);
	}
}

static void
answer(struct sess *s, const struct sess_event *ev)
{
	uint8_t body[256], *p;
	struct rtmp_status st;
	struct rtmp_connect_info ci;
	size_t off;

	switch (ev->type) {
	case SESS_EV_COMMAND:
		if (rtmp_str_eq(ev->cmd.name, "connect")) {
			(void)rtmp_cmd_connect_info(&ev->cmd, &ci);
			(void)sess_accept_connect(s, ev->cmd.txid, 2500000,
						  4096, 0);
			return;
		}
		if (rtmp_str_eq(ev->cmd.name, "publish")) {
			(void)sess_send_status(s, ev->h.stream_id, "status",
					       "NetStream.Publish.Start",
					       "Start publishing");
			return;
		}
		(void)rtmp_cmd_status(&ev->cmd, &st);
		p = rtmp_build_result(body, body + sizeof(body), ev->cmd.txid,
				      1, 1);
		if (p != NULL)
			(void)sess_send_command(s, ev->h.stream_id, body,
						(size_t)(p - body));
		break;
	case SESS_EV_DATA:
		off = 0;
		(void)rtmp_data_setdataframe(ev->payload, ev->len, &off);
		if (off <= ev->len)
			(void)sess_send_data(s, 1, ev->h.timestamp,
					     ev->payload + off, ev->len - off);
		break;
	case SESS_EV_AUDIO:
	case SESS_EV_VIDEO:
		/* Echo media back, like a relay would. */
		(void)sess_send(s, &ev->h, ev->payload);
		break;
	default:
		break;
	}
}

static void
run(enum sess_role role, const uint8_t *body, size_t len, const uint8_t *splits,
    size_t nsplits)
{
	struct sess_config cfg = {.role = role, .max_out_bytes = FUZZ_MAX_OUT};
	struct sess_config mcfg = {.role = SESS_CLIENT};
	static uint8_t hs[1 + 2 * HS_SIG_SIZE];
	static struct sess s, mirror;
	struct sess_event ev;
	size_t off = 0, k, pos, i = 0;
	uint8_t *piece;
	ssize_t r;
	int use_mirror = role == SESS_SERVER;

	/* A version byte and two zeroed signatures: echo mismatches are
	 * tolerated, so this completes the handshake for either role. */
	memset(hs, 0, sizeof(hs));
	hs[0] = HS_VERSION;
	if (sess_init(&s, &cfg) != RTMP_OK)
		return;
	if (use_mirror && sess_init(&mirror, &mcfg) != RTMP_OK) {
		sess_free(&s);
		return;
	}
	for (pos = 0; pos < sizeof(hs); pos += (size_t)r) {
		r = sess_feed(&s, hs + pos, sizeof(hs) - pos, &ev);
		if (r < 0)
			abort();
	}
	if (!s.hs_complete)
		abort();
	drain(&s, use_mirror ? &mirror : NULL);

	while (off < len) {
		k = len - off;
		if (nsplits > 0 && splits[i % nsplits] != 0 &&
		    splits[i % nsplits] < k)
			k = splits[i % nsplits];
		i++;
		piece = malloc(k);
		if (piece == NULL)
			break;
		memcpy(piece, body + off, k);
		for (pos = 0; pos < k;) {
			r = sess_feed(&s, piece + pos, k - pos, &ev);
			if (r < 0)
				break;
			if (ev.type == SESS_EV_NONE && (size_t)r != k - pos)
				abort(); /* the feed contract */
			pos += (size_t)r;
			answer(&s, &ev);
			drain(&s, use_mirror ? &mirror : NULL);
		}
		free(piece);
		off += k;
		if (s.dead) {
			/* Sticky: the same code again, nothing consumed. */
			if (sess_feed(&s, body, len, &ev) != s.dead)
				abort();
			break;
		}
	}
	sess_free(&s);
	if (use_mirror)
		sess_free(&mirror);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nsplits = 0;
	const uint8_t *splits = NULL;

	if (size > 0) {
		nsplits = data[size - 1] & 7;
		size--;
		if (nsplits > size)
			nsplits = size;
		splits = data + size - nsplits;
		size -= nsplits;
	}
	run(SESS_SERVER, data, size, splits, nsplits);
	run(SESS_CLIENT, data, size, splits, nsplits);
	return 0;
}
