/*
 * SHA-256 against the FIPS 180-4 example messages (and the long-message
 * vector of the NIST validation examples), HMAC-SHA256 against RFC 4231.
 */
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "tap.h"

static void
hex_to_bin(const char *hex, uint8_t *out)
{
	size_t i;
	unsigned v;

	for (i = 0; hex[2 * i] != '\0'; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (uint8_t)v;
	}
}

static void
sha_oneshot(const void *p, size_t n, uint8_t out[SHA256_DIGEST_SIZE])
{
	struct sha256 c;
	uint8_t *copy = tap_dup(p, n);

	sha256_init(&c);
	sha256_update(&c, copy, n);
	sha256_final(&c, out);
	free(copy);
}

static void
check_sha(const char *name, const void *msg, size_t n, const char *hex)
{
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];

	hex_to_bin(hex, want);
	sha_oneshot(msg, n, got);
	is_mem(got, want, sizeof(want), "sha256 %s", name);
}

static void
check_hmac(const char *name, const void *key, size_t keylen, const void *msg,
	   size_t n, const char *hex)
{
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
	uint8_t *k = tap_dup(key, keylen), *m = tap_dup(msg, n);

	hex_to_bin(hex, want);
	hmac_sha256(k, keylen, m, n, got);
	is_mem(got, want, sizeof(want), "hmac-sha256 %s", name);
	free(k);
	free(m);
}

static const char abc896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void
test_fips(void)
{
	static const char m448[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
	uint8_t a[1000];
	struct sha256 c;
	int i;

	check_sha(
	    "\"abc\"", "abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_sha(
	    "empty string", "", 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_sha(
	    "448-bit message", m448, strlen(m448),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_sha(
	    "896-bit message", abc896, strlen(abc896),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

	/* one million 'a', fed 1000 bytes at a time */
	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	for (i = 0; i < 1000; i++)
		sha256_update(&c, a, sizeof(a));
	sha256_final(&c, got);
	hex_to_bin(
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    want);
	is_mem(got, want, sizeof(want), "sha256 one million 'a'");
}

/*
 * Lengths around the padding boundary (55 fits the length in one block, 56
 * spills into a second): answers from an independent implementation
 * (Python hashlib).
 */
static void
test_padding_edges(void)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
	    {55,
	     "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
	    {56,
	     "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
	    {63,
	     "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
	    {64,
	     "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
	    {65,
	     "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
	    {119,
	     "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
	    {120,
	     "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
	    {128,
	     "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
	};
	uint8_t a[128];
	char name[32];
	size_t i;

	memset(a, 'a', sizeof(a));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "%zu x 'a'", v[i].n);
		check_sha(name, a, v[i].n, v[i].hex);
	}
}

/* Feeding in two pieces split at every offset gives the one-shot digest. */
static void
test_splits(void)
{
	uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
	size_t n = strlen(abc896), i, bad = 0;
	struct sha256 c;

	hex_to_bin(
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
	    want);
	for (i = 0; i <= n; i++) {
		sha256_init(&c);
		sha256_update(&c, abc896, i);
		sha256_update(&c, NULL, 0);
		sha256_update(&c, abc896 + i, n - i);
		sha256_final(&c, got);
		if (memcmp(got, want, sizeof(want)) != 0)
			bad++;
	}
	is_int(bad, 0, "896-bit message split at each of %zu offsets", n + 1);
}

static void
test_rfc4231(void)
{
	uint8_t k20[20], k25[25], k131[131], d50[50];
	size_t i;

	memset(k20, 0x0b, sizeof(k20));
	check_hmac(
	    "RFC 4231 case 1", k20, sizeof(k20), "Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac(
	    "RFC 4231 case 2 (key shorter than output)", "Jefe", 4,
	    "what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k20, 0xaa, sizeof(k20));
	memset(d50, 0xdd, sizeof(d50));
	check_hmac(
	    "RFC 4231 case 3", k20, sizeof(k20), d50, sizeof(d50),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < sizeof(k25); i++)
		k25[i] = (uint8_t)(i + 1);
	memset(d50, 0xcd, sizeof(d50));
	check_hmac(
	    "RFC 4231 case 4", k25, sizeof(k25), d50, sizeof(d50),
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(k131, 0xaa, sizeof(k131));
	check_hmac(
	    "RFC 4231 case 6 (key longer than a block)", k131, sizeof(k131),
	    "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	{
		static const char m7[] =
		    "This is a test using a larger than block-size key and a "
		    "larger than block-size data. The key needs to be hashed "
		    "before being used by the HMAC algorithm.";

		check_hmac(
		    "RFC 4231 case 7 (long key and data)", k131, sizeof(k131),
		    m7, strlen(m7),
		    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	}
}

int
main(void)
{
	test_fips();
	test_padding_edges();
	test_splits();
	test_rfc4231();
	return done_testing();
}
