/*
 * Access control policy: CIDR rules and publish/play keys (see access.h
 * and rtmpd(8), ACCESS CONTROL). libc only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"

/* ---- IP rules -------------------------------------------------------- */

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
					    0, 0, 0, 0, 0xFF, 0xFF};

static int
host_bits_zero(const uint8_t *a, unsigned nbytes, unsigned prefix)
{
	unsigned i;

	for (i = 0; i < nbytes; i++) {
		unsigned first = i * 8;
		uint8_t keep;

		if (first + 8 <= prefix)
			continue;
		keep = first >= prefix
			   ? 0
			   : (uint8_t)(0xFF << (8 - (prefix - first)));
		if (a[i] & (uint8_t)~keep)
			return 0;
	}
	return 1;
}

int
access_cidr_parse(const char *s, struct access_cidr *out, char *err,
		  size_t errlen)
{
	char host[64];
	const char *slash, *a = s, *ae;
	unsigned maxp, prefix = 0;
	uint8_t buf[16];
	int family, has_prefix = 0;

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "all") == 0)
		return 0;
	slash = strchr(s, '/');
	ae = slash ? slash : s + strlen(s);
	if (*a == '[') {
		/* "[::1]" as in -l; the prefix goes after the bracket. */
		if (ae - a < 2 || ae[-1] != ']')
			goto bad;
		a++;
		ae--;
	}
	if (ae == a || (size_t)(ae - a) >= sizeof(host))
		goto bad;
	memcpy(host, a, (size_t)(ae - a));
	host[ae - a] = '\0';
	if (inet_pton(AF_INET, host, buf) == 1) {
		family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, host, buf) == 1) {
		family = AF_INET6;
		maxp = 128;
	} else {
		goto bad;
	}
	if (slash) {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) > 3)
			goto bad_prefix;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				goto bad_prefix;
			prefix = prefix * 10 + (unsigned)(*p - '0');
		}
		if (prefix > maxp)
			goto bad_prefix;
		has_prefix = 1;
	}
	if (!has_prefix)
		prefix = maxp;
	if (!host_bits_zero(buf, maxp / 8, prefix)) {
		snprintf(err, errlen,
			 "'%s' has host bits set past the /%u prefix", s,
			 prefix);
		return -1;
	}
	if (family == AF_INET6 && prefix >= 96 &&
	    memcmp(buf, v4mapped_prefix, 12) == 0) {
		/* ::ffff:10.0.0.0/104 is 10.0.0.0/8: peers are matched the
		 * same way (see access_cidr_match). */
		family = AF_INET;
		memmove(buf, buf + 12, 4);
		prefix -= 96;
	}
	out->family = family;
	out->prefix = prefix;
	memcpy(out->addr, buf, family == AF_INET ? 4 : 16);
	return 0;
bad_prefix:
	snprintf(err, errlen, "'%s' has a bad prefix length (0 to %u)", s,
		 maxp);
	return -1;
bad:
	snprintf(err, errlen,
		 "'%s' is not an IPv4 or IPv6 address or network, or 'all'", s);
	return -1;
}

/* The peer's family and address bytes, IPv4-mapped IPv6 as IPv4. */
static int
peer_addr(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		memcpy(out, &in->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const uint8_t *b = (const uint8_t *)&in6->sin6_addr;

		if (memcmp(b, v4mapped_prefix, 12) == 0) {
			memcpy(out, b + 12, 4);
			return AF_INET;
		}
		memcpy(out, b, 16);
		return AF_INET6;
	}
	return 0;
}

int
access_cidr_match(const struct access_cidr *n, const struct sockaddr *sa)
{
	uint8_t a[16];
	int family = peer_addr(sa, a);
	unsigned full, rest;

	if (n->family == 0)
		return 1;
	if (family != n->family)
		return 0;
	full = n->prefix / 8;
	rest = n->prefix % 8;
	if (memcmp(a, n->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ n->addr[full]) & (uint8_t)(0xFF << (8 - rest))) == 0;
}

int
access_rules_add(struct access_rules *r, int allow,
		 const struct access_cidr *net)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		struct access_rule *nv = realloc(r->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n].allow = allow;
	r->v[r->n].net = *net;
	r->n++;
	return 0;
}

int
access_rules_check(const struct access_rules *r, const struct sockaddr *sa)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (access_cidr_match(&r->v[i].net, sa))
			return r->v[i].allow;
	return 1;
}

void
access_rules_free(struct access_rules *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- keys ------------------------------------------------------------ */

int
access_key_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	volatile uint8_t d = 0;
	size_t i;

	if (alen != blen)
		return 0; /* the length is not a secret (rtmpd(8)) */
	for (i = 0; i < alen; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

int
access_key_valid(const char *key, size_t len, char *err, size_t errlen)
{
	size_t i;

	if (len == 0) {
		snprintf(err, errlen, "empty key");
		return -1;
	}
	if (len > ACCESS_MAX_KEY) {
		snprintf(err, errlen, "key longer than %d bytes",
			 ACCESS_MAX_KEY);
		return -1;
	}
	for (i = 0; i < len; i++) {
		uint8_t ch = (uint8_t)key[i];

		if (ch <= 0x20 || ch == 0x7F) {
			snprintf(err, errlen,
				 "key contains a space or a control character");
			return -1;
		}
		/* '/' keeps "play app/stream" from being read as a key;
		 * '?', '&' and '#' would not survive the ?key= form. */
		if (strchr("/?&#", ch) != NULL) {
			snprintf(err, errlen, "key contains '%c'", ch);
			return -1;
		}
	}
	return 0;
}

static int
stream_valid(const char *s, size_t len, char *err, size_t errlen)
{
	const char *slash = memchr(s, '/', len);
	size_t i;

	if (slash == NULL || slash == s || slash == s + len - 1) {
		/* Not echoed: the field may be a key put in the wrong place. */
		snprintf(err, errlen,
			 "the field before the key is not app/stream");
		return -1;
	}
	if (len > ACCESS_MAX_STREAM) {
		snprintf(err, errlen, "app/stream longer than %d bytes",
			 ACCESS_MAX_STREAM);
		return -1;
	}
	for (i = 0; i < len; i++) {
		uint8_t ch = (uint8_t)s[i];

		if (ch <= 0x20 || ch == 0x7F || ch == '?') {
			snprintf(err, errlen,
				 "app/stream contains '?', a space or a "
				 "control character");
			return -1;
		}
	}
	return 0;
}

static void
key_clear(struct access_key *k)
{
	free(k->stream);
	if (k->key) {
		/* Keys do not linger in freed memory. */
		volatile char *p = k->key;
		size_t i;

		for (i = 0; i < k->key_len; i++)
			p[i] = 0;
	}
	free(k->key);
}

int
access_keys_add(struct access_keys *ks, enum access_action action,
		const char *stream, size_t stream_len, const char *key,
		size_t key_len, char *err, size_t errlen)
{
	struct access_key k;

	if (access_key_valid(key, key_len, err, errlen) < 0)
		return -1;
	if (stream && stream_valid(stream, stream_len, err, errlen) < 0)
		return -1;
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 16;
		struct access_key *nv = realloc(ks->v, ncap * sizeof(*nv));

		if (nv == NULL)
			goto nomem;
		ks->v = nv;
		ks->cap = ncap;
	}
	memset(&k, 0, sizeof(k));
	k.action = action;
	k.key_len = key_len;
	k.key = malloc(key_len + 1);
	if (stream)
		k.stream = malloc(stream_len + 1);
	if (k.key == NULL || (stream && k.stream == NULL)) {
		free(k.key);
		free(k.stream);
		goto nomem;
	}
	memcpy(k.key, key, key_len);
	k.key[key_len] = '\0';
	if (stream) {
		memcpy(k.stream, stream, stream_len);
		k.stream[stream_len] = '\0';
	}
	ks->v[ks->n++] = k;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
access_keys_free(struct access_keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		key_clear(&ks->v[i]);
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

size_t
access_keys_count(const struct access_keys *ks, enum access_action action)
{
	size_t i, n = 0;

	for (i = 0; i < ks->n; i++)
		n += ks->v[i].action == action;
	return n;
}

#define MAX_FIELDS 3

/* One line (no line end): 0 with *nf fields, -1 with a reason. */
static int
split_fields(const char *p, size_t len, const char **f, size_t *flen,
	     size_t *nf, char *err, size_t errlen)
{
	size_t i = 0;

	*nf = 0;
	while (i < len) {
		size_t start;

		while (i < len && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		if (*nf == MAX_FIELDS) {
			snprintf(err, errlen,
				 "too many fields (at most: play|publish "
				 "app/stream key)");
			return -1;
		}
		f[*nf] = p + start;
		flen[*nf] = i - start;
		(*nf)++;
	}
	return 0;
}

static int
field_is(const char *f, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(f, word, len) == 0;
}

int
access_keys_parse(struct access_keys *ks, const char *text, size_t len,
		  size_t *line, char *err, size_t errlen)
{
	struct access_keys nk;
	size_t off = 0, lineno = 0, i;

	memset(&nk, 0, sizeof(nk));
	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl ? (size_t)(nl - p) : len - off;
		const char *f[MAX_FIELDS], *stream = NULL;
		size_t flen[MAX_FIELDS], nf, k = 0, slen = 0;
		enum access_action action = ACCESS_PUBLISH;

		lineno++;
		off += n + (nl != NULL);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL) {
			snprintf(err, errlen, "NUL byte in the line");
			goto fail;
		}
		for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (i == n || p[i] == '#')
			continue;
		if (split_fields(p, n, f, flen, &nf, err, errlen) < 0)
			goto fail;
		if (nf >= 2 && (field_is(f[0], flen[0], "play") ||
				field_is(f[0], flen[0], "publish"))) {
			action = field_is(f[0], flen[0], "play")
				     ? ACCESS_PLAY
				     : ACCESS_PUBLISH;
			k = 1;
		}
		if (nf - k == 2) {
			stream = f[k];
			slen = flen[k];
			k++;
		} else if (nf - k != 1) {
			snprintf(err, errlen,
				 "expected [play|publish] [app/stream] key");
			goto fail;
		}
		if (access_keys_add(&nk, action, stream, slen, f[k], flen[k],
				    err, errlen) < 0)
			goto fail;
	}
	/* All or nothing: append only once every line parsed. */
	for (i = 0; i < nk.n; i++) {
		if (ks->n == ks->cap) {
			size_t ncap = ks->cap ? ks->cap * 2 : 16;
			struct access_key *nv =
			    realloc(ks->v, ncap * sizeof(*nv));

			if (nv == NULL) {
				/* Take back what was moved: unchanged. */
				ks->n -= i;
				snprintf(err, errlen, "out of memory");
				lineno = 0;
				goto fail;
			}
			ks->v = nv;
			ks->cap = ncap;
		}
		ks->v[ks->n++] = nk.v[i];
	}
	free(nk.v);
	return 0;
fail:
	*line = lineno;
	access_keys_free(&nk);
	return -1;
}

int
access_query_param(const char *q, size_t qlen, const char *name,
		   const char **val, size_t *vlen)
{
	size_t nlen = strlen(name), off = 0;

	while (q && off < qlen) {
		const char *p = q + off, *amp = memchr(p, '&', qlen - off);
		size_t n = amp ? (size_t)(amp - p) : qlen - off;

		if (n > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			*val = p + nlen + 1;
			*vlen = n - nlen - 1;
			return 1;
		}
		off += n + 1;
	}
	return 0;
}

/* ---- the checks rtmpd makes ------------------------------------------ */

int
access_key_required(const struct access *a, enum access_action action)
{
	if (access_keys_count(&a->cli, action) > 0)
		return 1;
	if (action == ACCESS_PUBLISH)
		return a->key_file != NULL;
	return access_keys_count(&a->file, action) > 0;
}

/*
 * Every key of the action is compared (no early exit on a match either),
 * so the time taken does not depend on which key matched.
 */
static void
check_set(const struct access_keys *ks, enum access_action action,
	  const char *stream, size_t app_len, const char *qkey, size_t qlen,
	  int *query_ok, const struct access_key **bare)
{
	const char *name = stream + app_len + 1;
	size_t nlen = strlen(name), i;

	for (i = 0; i < ks->n; i++) {
		const struct access_key *k = &ks->v[i];
		int q, b;

		if (k->action != action)
			continue;
		q = qkey && access_key_eq(qkey, qlen, k->key, k->key_len);
		b = access_key_eq(name, nlen, k->key, k->key_len);
		if (k->stream) {
			q = q && strcmp(k->stream, stream) == 0;
			b = b && strncmp(k->stream, stream, app_len) == 0 &&
			    k->stream[app_len] == '/';
		}
		*query_ok |= q;
		if (b && *bare == NULL)
			*bare = k;
	}
}

int
access_key_check(const struct access *a, enum access_action action,
		 const char *stream, size_t app_len, const char *query,
		 const char **mapped)
{
	const struct access_key *bare = NULL;
	const char *qkey = NULL;
	size_t qlen = 0;
	int query_ok = 0;

	*mapped = NULL;
	if (query &&
	    !access_query_param(query, strlen(query), "key", &qkey, &qlen))
		qkey = NULL;
	check_set(&a->cli, action, stream, app_len, qkey, qlen, &query_ok,
		  &bare);
	check_set(&a->file, action, stream, app_len, qkey, qlen, &query_ok,
		  &bare);
	if (query_ok)
		return 1;
	if (bare == NULL)
		return 0;
	*mapped = bare->stream;
	return 1;
}

static int
set_has_key(const struct access_keys *ks, const char *name, size_t len)
{
	int found = 0;
	size_t i;

	for (i = 0; i < ks->n; i++)
		found |=
		    access_key_eq(name, len, ks->v[i].key, ks->v[i].key_len);
	return found;
}

int
access_name_is_key(const struct access *a, const char *name, size_t len)
{
	return set_has_key(&a->cli, name, len) |
	       set_has_key(&a->file, name, len);
}

void
access_redact(const char *stream, size_t app_len, char *out, size_t outlen)
{
	const char *name = stream + app_len + 1;
	size_t keep = strlen(name) >= ACCESS_REDACT_MIN ? 2 : 0;

	snprintf(out, outlen, "%.*s/%.*s\xE2\x80\xA6", (int)app_len, stream,
		 (int)keep, name);
}

int
access_load_key_file(struct access *a, char *err, size_t errlen)
{
	struct access_keys nk;
	char *buf = NULL, reason[160];
	size_t len = 0, line = 0;
	FILE *fp;
	int rc = -1;

	if (a->key_file == NULL)
		return 0;
	fp = fopen(a->key_file, "r");
	if (fp == NULL) {
		snprintf(err, errlen, "cannot read key file %s: %s",
			 a->key_file, strerror(errno));
		return -1;
	}
	buf = malloc(ACCESS_MAX_KEY_FILE + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = fread(buf, 1, ACCESS_MAX_KEY_FILE + 1, fp);
	if (ferror(fp)) {
		snprintf(err, errlen, "cannot read key file %s: %s",
			 a->key_file, strerror(errno));
		goto out;
	}
	if (len > ACCESS_MAX_KEY_FILE) {
		snprintf(err, errlen, "key file %s is larger than %u bytes",
			 a->key_file, ACCESS_MAX_KEY_FILE);
		goto out;
	}
	memset(&nk, 0, sizeof(nk));
	if (access_keys_parse(&nk, buf, len, &line, reason, sizeof(reason)) <
	    0) {
		snprintf(err, errlen, "%s:%zu: %s", a->key_file, line, reason);
		goto out;
	}
	access_keys_free(&a->file);
	a->file = nk;
	rc = 0;
out:
	if (buf) {
		volatile char *p = buf;
		size_t i;

		for (i = 0; i < len && i <= ACCESS_MAX_KEY_FILE; i++)
			p[i] = 0;
	}
	free(buf);
	fclose(fp);
	return rc;
}

void
access_free(struct access *a)
{
	access_rules_free(&a->rules[ACCESS_PUBLISH]);
	access_rules_free(&a->rules[ACCESS_PLAY]);
	access_keys_free(&a->cli);
	access_keys_free(&a->file);
}
