/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for checking the
 * Flash-style handshake digest without an external crypto library.
 */
#ifndef RTMP_SHA256_H
#define RTMP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_DIGEST_SIZE]);
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
		 uint8_t out[SHA256_DIGEST_SIZE]);

#endif
