/*
 * RTMP handshake (RTMP 1.0 section 5.2), simple form, for both roles, no I/O.
 *
 *   client: sends C0+C1, reads S0+S1, sends C2 (echo of S1), reads S2.
 *   server: reads C0+C1, sends S0+S1+S2 (S2 echoes C1), reads C2.
 *
 * Our C1/S1 carry the time given to hs_init and zero version bytes (an
 * ffmpeg player validates a digest when S1[4] >= 3). The peer's bytes may
 * arrive split anywhere. Echo mismatches in C2/S2 are tolerated (ffmpeg
 * tolerates them too) and reported in echo_ok. A version byte other than 3
 * is MALFORMED, except 6 (RTMPE) and 8/9 (encrypted variants), which are
 * UNSUPPORTED. The peer's C1/S1 time and version fields are reported, and
 * whether its C1/S1 carries a valid Flash-style HMAC-SHA256 digest (either
 * scheme 0 or 1), which rtmpprobe shows.
 */
#ifndef RTMP_HANDSHAKE_H
#define RTMP_HANDSHAKE_H

#include "rtmp_err.h"

#define HS_VERSION  3
#define HS_SIG_SIZE 1536

enum hs_role { HS_CLIENT, HS_SERVER };

enum hs_state {
	HS_WAIT_0_1, /* waiting for the peer's version byte and C1/S1 */
	HS_WAIT_2,   /* waiting for the peer's C2/S2 */
	HS_DONE,
};

struct hs_peer_info {
	uint8_t version;     /* C0/S0 byte */
	uint32_t time;	     /* C1/S1 bytes 0..3 */
	uint8_t zero[4];     /* C1/S1 bytes 4..7 (version in Flash terms) */
	int has_digest;	     /* 1 when a Flash-style digest validates */
	int echo_ok;	     /* C2/S2 equals our C1/S1 (random part) */
	uint32_t echo_time;  /* C2/S2 bytes 0..3 */
	uint32_t echo_time2; /* C2/S2 bytes 4..7 */
};

struct hs {
	enum hs_role role;
	enum hs_state state;
	uint8_t ours[HS_SIG_SIZE];     /* our C1 or S1 */
	uint8_t peer[1 + HS_SIG_SIZE]; /* peer's C0+C1 or S0+S1 */
	size_t peer_have;
	size_t echo_have; /* bytes of C2/S2 seen */
	uint8_t echo[HS_SIG_SIZE];
	uint8_t out[1 + 2 * HS_SIG_SIZE]; /* bytes to send */
	size_t out_len, out_off;
	struct hs_peer_info info;
};

/*
 * Start a handshake. epoch is written into C1/S1's time field; seed fills the
 * random part (any value; the codec layer has no entropy source of its own).
 * A client has C0+C1 to send at once.
 */
void hs_init(struct hs *h, enum hs_role role, uint32_t epoch, uint64_t seed);

/*
 * Consume the peer's bytes. Returns bytes consumed: it stops at the end of
 * the handshake, so the rest of the input (the first chunks) is the caller's.
 * Negative on a bad version byte.
 */
ssize_t hs_feed(struct hs *h, const uint8_t *p, size_t len);

/* Pending output: pointer and length; mark n of them sent. */
const uint8_t *hs_output(const struct hs *h, size_t *len);
void hs_output_done(struct hs *h, size_t n);

static inline int
hs_done(const struct hs *h)
{
	return h->state == HS_DONE;
}

/* Flash-style digest check of a 1536-byte C1 or S1 (key: the well-known
 * "Genuine Adobe Flash Player 001" for C1, "Genuine Adobe Flash Media Server
 * 001" for S1). Returns 1 when valid under scheme 0 or 1. */
int hs_digest_valid(const uint8_t sig[HS_SIG_SIZE], int is_server_sig);

#endif
