/*
 * RTMP handshake, RTMP 1.0 section 5.2. See handshake.h for the contract.
 */
#include <string.h>

#include "bytes.h"
#include "handshake.h"
#include "sha256.h"

/* Layout of C1/S1 and C2/S2 (RTMP 1.0 sections 5.2.3 and 5.2.4). */
#define HS_TIME_OFF   0
#define HS_TIME2_OFF  4
#define HS_RANDOM_OFF 8

/*
 * The Flash digest scheme (not in the spec; as implemented by Flash Player,
 * FMS, librtmp, ffmpeg and nginx-rtmp): a 32-byte HMAC-SHA256 sits at an
 * offset derived from four bytes of the signature, and covers everything
 * else. Scheme 0 reads the offset at bytes 8..11, scheme 1 at 772..775.
 */
#define HS_DIGEST_LEN	  SHA256_DIGEST_SIZE
#define HS_DIGEST_MOD	  728
#define HS_DIGEST_BASE0	  8
#define HS_DIGEST_BASE1	  772
#define HS_DIGEST_KEY_FP  "Genuine Adobe Flash Player 001"
#define HS_DIGEST_KEY_FMS "Genuine Adobe Flash Media Server 001"

/* splitmix64 (Steele, Lea, Flood 2014): enough to make C1/S1 unpredictable
 * to a peer as long as the caller's seed is. */
static uint64_t
hs_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
hs_init(struct hs *h, enum hs_role role, uint32_t epoch, uint64_t seed)
{
	uint64_t s = seed, r = 0;
	size_t i;

	memset(h, 0, sizeof(*h));
	h->role = role;
	h->state = HS_WAIT_0_1;
	/* bytes 4..7 stay zero: a simple handshake (see handshake.h) */
	wr_be32(h->ours + HS_TIME_OFF, epoch);
	for (i = HS_RANDOM_OFF; i < HS_SIG_SIZE; i++) {
		if ((i - HS_RANDOM_OFF) % 8 == 0)
			r = hs_splitmix64(&s);
		h->ours[i] = (uint8_t)r;
		r >>= 8;
	}
	if (role == HS_CLIENT) {
		h->out[0] = HS_VERSION;
		memcpy(h->out + 1, h->ours, HS_SIG_SIZE);
		h->out_len = 1 + HS_SIG_SIZE;
	}
}

static int
hs_check_version(uint8_t v)
{
	/* RTMP 1.0 section 5.2.2 lets a server answer 3 to other versions,
	 * but no peer sends 0-2 or 4-31 today, and 32-255 means the peer is
	 * not speaking RTMP (HTTP, TLS): refuse rather than guess. */
	if (v == HS_VERSION)
		return RTMP_OK;
	/* 6 is RTMPE, 8 and 9 its later XTEA/Blowfish variants */
	if (v == 6 || v == 8 || v == 9)
		return RTMP_ERR_UNSUPPORTED;
	return RTMP_ERR_MALFORMED;
}

/* Append to the pending output, dropping what was already sent. */
static void
hs_queue(struct hs *h, const uint8_t *p, size_t n)
{
	if (h->out_off > 0) {
		memmove(h->out, h->out + h->out_off, h->out_len - h->out_off);
		h->out_len -= h->out_off;
		h->out_off = 0;
	}
	memcpy(h->out + h->out_len, p, n);
	h->out_len += n;
}

/* The peer's C0+C1 (server) or S0+S1 (client) is complete. */
static void
hs_got_peer_sig(struct hs *h)
{
	const uint8_t *sig = h->peer + 1;
	uint8_t v = HS_VERSION;

	h->info.time = rd_be32(sig + HS_TIME_OFF);
	memcpy(h->info.zero, sig + HS_TIME2_OFF, sizeof(h->info.zero));
	h->info.has_digest = hs_digest_valid(sig, h->role == HS_CLIENT);
	if (h->role == HS_SERVER) {
		/* S0+S1+S2 in one write; S2 is a verbatim copy of C1, as
		 * librtmp-style simple servers send and every client accepts */
		hs_queue(h, &v, 1);
		hs_queue(h, h->ours, HS_SIG_SIZE);
		hs_queue(h, sig, HS_SIG_SIZE);
	} else {
		hs_queue(h, sig, HS_SIG_SIZE);
	}
	h->state = HS_WAIT_2;
}

static void
hs_got_echo(struct hs *h)
{
	h->info.echo_time = rd_be32(h->echo + HS_TIME_OFF);
	h->info.echo_time2 = rd_be32(h->echo + HS_TIME2_OFF);
	h->info.echo_ok =
	    memcmp(h->echo + HS_RANDOM_OFF, h->ours + HS_RANDOM_OFF,
		   HS_SIG_SIZE - HS_RANDOM_OFF) == 0;
	h->state = HS_DONE;
}

ssize_t
hs_feed(struct hs *h, const uint8_t *p, size_t len)
{
	size_t used = 0, n;
	int rc;

	/* A bad version byte is final: report it on every call, before
	 * reading the 1536 bytes that follow it. */
	if (h->peer_have > 0 && (rc = hs_check_version(h->peer[0])) != RTMP_OK)
		return rc;
	if (h->state == HS_WAIT_0_1 && used < len) {
		if (h->peer_have == 0) {
			h->peer[0] = p[used++];
			h->peer_have = 1;
			h->info.version = h->peer[0];
			rc = hs_check_version(h->peer[0]);
			if (rc != RTMP_OK)
				return rc;
		}
		n = sizeof(h->peer) - h->peer_have;
		if (n > len - used)
			n = len - used;
		memcpy(h->peer + h->peer_have, p + used, n);
		h->peer_have += n;
		used += n;
		if (h->peer_have == sizeof(h->peer))
			hs_got_peer_sig(h);
	}
	if (h->state == HS_WAIT_2 && used < len) {
		n = HS_SIG_SIZE - h->echo_have;
		if (n > len - used)
			n = len - used;
		memcpy(h->echo + h->echo_have, p + used, n);
		h->echo_have += n;
		used += n;
		if (h->echo_have == HS_SIG_SIZE)
			hs_got_echo(h);
	}
	return (ssize_t)used;
}

const uint8_t *
hs_output(const struct hs *h, size_t *len)
{
	*len = h->out_len - h->out_off;
	return h->out + h->out_off;
}

void
hs_output_done(struct hs *h, size_t n)
{
	if (n > h->out_len - h->out_off)
		n = h->out_len - h->out_off;
	h->out_off += n;
	if (h->out_off == h->out_len)
		h->out_off = h->out_len = 0;
}

static int
hs_digest_check(const uint8_t *sig, size_t base, size_t first, const char *key)
{
	uint8_t msg[HS_SIG_SIZE - HS_DIGEST_LEN], mac[HS_DIGEST_LEN];
	size_t off;

	off = ((size_t)sig[base] + sig[base + 1] + sig[base + 2] +
	       sig[base + 3]) %
		  HS_DIGEST_MOD +
	      first;
	memcpy(msg, sig, off);
	memcpy(msg + off, sig + off + HS_DIGEST_LEN,
	       HS_SIG_SIZE - off - HS_DIGEST_LEN);
	hmac_sha256(key, strlen(key), msg, sizeof(msg), mac);
	return memcmp(mac, sig + off, HS_DIGEST_LEN) == 0;
}

int
hs_digest_valid(const uint8_t sig[HS_SIG_SIZE], int is_server_sig)
{
	const char *key = is_server_sig ? HS_DIGEST_KEY_FMS : HS_DIGEST_KEY_FP;

	/* the digest follows the four offset bytes of its scheme */
	return hs_digest_check(sig, HS_DIGEST_BASE0, HS_DIGEST_BASE0 + 4,
			       key) ||
	       hs_digest_check(sig, HS_DIGEST_BASE1, HS_DIGEST_BASE1 + 4, key);
}
