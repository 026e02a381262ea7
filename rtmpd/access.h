/*
 * rtmpd access control, the policy half: IP rules (CIDR lists evaluated in
 * order, first match wins, no match allows: nginx's allow/deny) and
 * publish/play keys (--publish-key, --play-key, --key-file).
 *
 * The parsers take text and never do I/O, so tests/unit/rtmpd_access_test.c
 * checks them byte by byte; access_load_key_file() is the one function that
 * reads a file. This file uses libc only (no libevent, no logging) because
 * it is compiled into that unit test as well.
 */
#ifndef RTMPD_ACCESS_H
#define RTMPD_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ACCESS_MAX_KEY	    255	       /* bytes in one key */
#define ACCESS_MAX_STREAM   1023       /* bytes of app/stream in a key line */
#define ACCESS_MAX_KEY_FILE (1u << 20) /* bytes in a key file */
#define ACCESS_REDACT_MIN   8 /* names this long keep 2 bytes when redacted */

enum access_action { ACCESS_PUBLISH, ACCESS_PLAY };

/* ---- IP rules -------------------------------------------------------- */

struct access_cidr {
	int family;	  /* AF_INET, AF_INET6, or 0 for "all" */
	uint8_t addr[16]; /* network, host bits zero (4 bytes for IPv4) */
	unsigned prefix;  /* 0..32 or 0..128 */
};

/*
 * "all", an address ("10.1.2.3", "::1", "[::1]") or a network
 * ("10.0.0.0/8", "2001:db8::/32"). An IPv4-mapped IPv6 network
 * (::ffff:a.b.c.d/96 or longer) becomes the IPv4 one. Host bits set past
 * the prefix are an error (10.1.2.3/8 is probably a typo). 0, or -1 with a
 * reason in err.
 */
int access_cidr_parse(const char *s, struct access_cidr *out, char *err,
		      size_t errlen);
/* 1 when sa (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts as
 * IPv4) is inside n. */
int access_cidr_match(const struct access_cidr *n, const struct sockaddr *sa);

struct access_rule {
	int allow;
	struct access_cidr net;
};

struct access_rules {
	struct access_rule *v;
	size_t n, cap;
};

/* Append a rule (rules keep their command-line order). 0 or -1 (memory). */
int access_rules_add(struct access_rules *r, int allow,
		     const struct access_cidr *net);
/* 1 allowed, 0 denied: the first rule matching sa decides; none allows. */
int access_rules_check(const struct access_rules *r, const struct sockaddr *sa);
void access_rules_free(struct access_rules *r);

/* ---- keys ------------------------------------------------------------ */

struct access_key {
	enum access_action action;
	char *stream; /* "app/stream" the key is bound to; NULL: any stream */
	char *key;
	size_t key_len;
};

struct access_keys {
	struct access_key *v;
	size_t n, cap;
};

/* A key is 1 to ACCESS_MAX_KEY bytes, none of them a space, a control
 * character, '/', '?', '&' or '#'. 0, or -1 with a reason. */
int access_key_valid(const char *key, size_t len, char *err, size_t errlen);
/* Append a key (stream may be NULL). 0, or -1 with a reason. */
int access_keys_add(struct access_keys *ks, enum access_action action,
		    const char *stream, size_t stream_len, const char *key,
		    size_t key_len, char *err, size_t errlen);
/*
 * Parse a key file's text into ks (appending). One entry a line:
 *
 *   KEY                        publish, any stream
 *   APP/STREAM KEY             publish, that stream only
 *   publish [APP/STREAM] KEY   the same, spelt out
 *   play [APP/STREAM] KEY      a play key
 *
 * Fields are separated by spaces or tabs; blank lines and lines whose
 * first non-blank character is '#' are ignored; CRLF line ends are
 * accepted. Returns 0, or -1 with *line (1-based) and a reason in err;
 * ks is then unchanged.
 */
int access_keys_parse(struct access_keys *ks, const char *text, size_t len,
		      size_t *line, char *err, size_t errlen);
size_t access_keys_count(const struct access_keys *ks,
			 enum access_action action);
void access_keys_free(struct access_keys *ks);

/* Constant-time comparison: every byte is compared whatever differs
 * first; only a difference in length returns early. */
int access_key_eq(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The value of parameter name in a query string ("a=1&key=S"): 1 with
 * val and vlen set (raw, not percent-decoded), or 0 when it is absent.
 */
int access_query_param(const char *q, size_t qlen, const char *name,
		       const char **val, size_t *vlen);

/* ---- everything rtmpd checks ---------------------------------------- */

struct access {
	struct access_rules rules[2]; /* by enum access_action */
	struct access_keys cli;	      /* --publish-key, --play-key */
	struct access_keys file;      /* --key-file, replaced on reload */
	const char *key_file;	      /* NULL: none */
};

/*
 * Whether action needs a key: publishing does as soon as --publish-key or
 * --key-file is given (a key file without publish keys then refuses every
 * publisher: it fails closed); playing does when there is a --play-key or
 * the key file holds a play line.
 */
int access_key_required(const struct access *a, enum access_action action);

/*
 * The key check for stream "app/name" (no query; app is its first app_len
 * bytes) whose command carried query (NULL or "" when none). A key is
 * accepted
 *   - as ?key=KEY in the query, when the key is unbound or bound to this
 *     very stream;
 *   - as the name itself (OBS's "stream key"), when the key is unbound
 *     (the stream is then app/KEY) or bound to a stream of this app (the
 *     stream is then the one it is bound to: *mapped is set to it, valid
 *     until the keys are next replaced).
 * Returns 1 (allowed, *mapped NULL or the stream to use) or 0.
 */
int access_key_check(const struct access *a, enum access_action action,
		     const char *stream, size_t app_len, const char *query,
		     const char **mapped);

/* 1 when name equals one of the keys (any action): such a name is a
 * secret and is logged redacted. */
int access_name_is_key(const struct access *a, const char *name, size_t len);

/* "app/name" for logs with name cut to its first 2 bytes and "…" (just "…"
 * when it is shorter than ACCESS_REDACT_MIN bytes). */
void access_redact(const char *stream, size_t app_len, char *out,
		   size_t outlen);

/*
 * (Re)load a->key_file: on success the file's keys replace the old ones;
 * on failure (cannot read it, too large, a malformed line) the old keys
 * stay and err says why, naming the file and the line. 0 or -1.
 */
int access_load_key_file(struct access *a, char *err, size_t errlen);

void access_free(struct access *a);

#endif
