/*
 * AMF0 decode/skip/encode: valid vectors, every strict prefix, malformed and
 * unsupported markers, limits at the boundary and one past, and the AMF
 * abuse cases (deep nesting, huge lengths and counts, missing end markers).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "amf0.h"
#include "tap.h"

#define NODES 8192

static struct amf0_value nodes[NODES];

/* A growable byte buffer for building big hostile inputs. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void
buf_byte(struct buf *b, uint8_t c)
{
	buf_add(b, &c, 1);
}

static int
str_is(struct rtmp_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

/* Decode from an exact-size heap copy; the copy is returned in *keep. */
static ssize_t
decode_dup(struct amf0_doc *doc, const uint8_t *in, size_t len,
	   const struct amf0_limits *lim, uint8_t **keep)
{
	uint8_t *d = tap_dup(in, len);

	amf0_doc_init(doc, nodes, NODES, lim);
	*keep = d;
	return amf0_decode(doc, d, len);
}

static ssize_t
result_of(const uint8_t *in, size_t len, const struct amf0_limits *lim)
{
	struct amf0_doc doc;
	uint8_t *d;
	ssize_t r = decode_dup(&doc, in, len, lim, &d);

	if (r < 0 && doc.n != 0)
		r = -100; /* doc->n not restored */
	free(d);
	return r;
}

static ssize_t
skip_of(const uint8_t *in, size_t len, const struct amf0_limits *lim)
{
	uint8_t *d = tap_dup(in, len);
	ssize_t r = amf0_skip(d, len, lim);

	free(d);
	return r;
}

/*
 * Every strict prefix of a valid value is NEED_MORE for decode and skip, and
 * leaves an already-used document exactly as it was.
 */
static void
check_prefixes(const char *name, const uint8_t *in, size_t len)
{
	struct amf0_doc doc;
	size_t k, bad = (size_t)-1;
	ssize_t r = 0, s = 0;

	for (k = 0; k < len && bad == (size_t)-1; k++) {
		uint8_t *d = tap_dup(in, k);

		amf0_doc_init(&doc, nodes, NODES, NULL);
		doc.n = 3; /* pretend earlier values are stored */
		r = amf0_decode(&doc, d, k);
		s = amf0_skip(d, k, NULL);
		if (r != RTMP_ERR_NEED_MORE || s != RTMP_ERR_NEED_MORE ||
		    doc.n != 3)
			bad = k;
		free(d);
	}
	ok(bad == (size_t)-1, "%s: every strict prefix is NEED_MORE", name);
	if (bad != (size_t)-1)
		printf("#   prefix of %zu bytes gave %zd/%zd\n", bad, r, s);
}

static int
value_eq(const struct amf0_value *a, const struct amf0_value *b)
{
	if (a->type != b->type || a->span != b->span ||
	    a->key.len != b->key.len ||
	    (a->key.len && memcmp(a->key.p, b->key.p, a->key.len) != 0))
		return 0;
	switch (a->type) {
	case AMF0_NUMBER:
		return memcmp(&a->u.num, &b->u.num, sizeof(double)) == 0;
	case AMF0_BOOLEAN:
		return a->u.boolean == b->u.boolean;
	case AMF0_STRING:
	case AMF0_LONG_STRING:
	case AMF0_XML_DOCUMENT:
		return a->u.str.len == b->u.str.len &&
		       (a->u.str.len == 0 ||
			memcmp(a->u.str.p, b->u.str.p, a->u.str.len) == 0);
	case AMF0_DATE:
		return memcmp(&a->u.date.ms, &b->u.date.ms, sizeof(double)) ==
			   0 &&
		       a->u.date.tz == b->u.date.tz;
	case AMF0_OBJECT:
	case AMF0_ECMA_ARRAY:
	case AMF0_STRICT_ARRAY:
		return a->u.c.count == b->u.c.count &&
		       a->u.c.declared == b->u.c.declared;
	}
	return 1;
}

/*
 * Decode, re-encode every top-level value, decode again: the node trees must
 * be identical, and for canonical input the bytes too.
 */
static void
check_roundtrip(const char *name, const uint8_t *in, size_t len, int same_bytes)
{
	static struct amf0_value again_nodes[NODES];
	struct amf0_doc doc, again;
	uint8_t *d = tap_dup(in, len), *out = malloc(len + 64), *p;
	ssize_t r;
	long i;
	size_t k;
	int same = 1;

	amf0_doc_init(&doc, nodes, NODES, NULL);
	r = amf0_decode_all(&doc, d, len);
	is_int(r, (ssize_t)len, "%s: decodes", name);
	p = out;
	for (i = 0; r >= 0 && i >= 0; i = amf0_next_sibling(&doc, i, -1))
		p = amf0_encode_value(p, out + len + 64, &doc, i);
	ok(p != NULL, "%s: re-encodes", name);
	if (p == NULL) {
		free(d);
		free(out);
		return;
	}
	if (same_bytes) {
		ok((size_t)(p - out) == len && memcmp(out, in, len) == 0,
		   "%s: re-encoding gives the same bytes", name);
	}
	amf0_doc_init(&again, again_nodes, NODES, NULL);
	r = amf0_decode_all(&again, out, (size_t)(p - out));
	same = r == p - out && again.n == doc.n;
	for (k = 0; same && k < doc.n; k++)
		same = value_eq(&doc.v[k], &again.v[k]);
	ok(same, "%s: decode-encode-decode gives the same tree", name);
	free(d);
	free(out);
}

static void
test_scalars(void)
{
	static const uint8_t num[] = {0x00, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
	static const uint8_t t[] = {0x01, 0x01}, f[] = {0x01, 0x00};
	static const uint8_t t2[] = {0x01, 0x7f};
	static const uint8_t str[] = {0x02, 0x00, 0x03, 'a', 'b', 'c'};
	static const uint8_t estr[] = {0x02, 0x00, 0x00};
	static const uint8_t nul[] = {0x05}, undef[] = {0x06};
	static const uint8_t unsup[] = {0x0d};
	/* 2011-01-01 00:00:00 UTC = 1293840000000 ms, tz -60 */
	static const uint8_t date[] = {0x0b, 0x42, 0x72, 0xd3, 0xed, 0xfa,
				       0x40, 0x00, 0x00, 0xff, 0xc4};
	static const uint8_t lstr[] = {0x0c, 0, 0, 0, 2, 'h', 'i'};
	static const uint8_t xml[] = {0x0f, 0, 0, 0, 3, '<', 'a', '>'};
	struct amf0_doc doc;
	uint8_t *d;
	ssize_t r;

	r = decode_dup(&doc, num, sizeof(num), NULL, &d);
	is_int(r, 9, "number: 9 bytes");
	ok(doc.n == 1 && doc.v[0].type == AMF0_NUMBER &&
	       doc.v[0].u.num == 1.5 && doc.v[0].span == 1,
	   "number: 1.5");
	free(d);

	r = decode_dup(&doc, t, sizeof(t), NULL, &d);
	ok(r == 2 && doc.v[0].type == AMF0_BOOLEAN && doc.v[0].u.boolean == 1,
	   "boolean true");
	free(d);
	r = decode_dup(&doc, f, sizeof(f), NULL, &d);
	ok(r == 2 && doc.v[0].u.boolean == 0, "boolean false");
	free(d);
	r = decode_dup(&doc, t2, sizeof(t2), NULL, &d);
	ok(r == 2 && doc.v[0].u.boolean == 1, "boolean byte 0x7f reads as 1");
	free(d);

	r = decode_dup(&doc, str, sizeof(str), NULL, &d);
	ok(r == 6 && doc.v[0].type == AMF0_STRING &&
	       str_is(doc.v[0].u.str, "abc") && doc.v[0].u.str.p == d + 3,
	   "string points into the input");
	free(d);
	r = decode_dup(&doc, estr, sizeof(estr), NULL, &d);
	ok(r == 3 && doc.v[0].u.str.len == 0, "empty string");
	free(d);

	ok(result_of(nul, 1, NULL) == 1 && nodes[0].type == AMF0_NULL, "null");
	ok(result_of(undef, 1, NULL) == 1 && nodes[0].type == AMF0_UNDEFINED,
	   "undefined");
	ok(result_of(unsup, 1, NULL) == 1 && nodes[0].type == AMF0_UNSUPPORTED,
	   "unsupported marker 0x0d decodes, no payload");

	r = decode_dup(&doc, date, sizeof(date), NULL, &d);
	ok(r == 11 && doc.v[0].type == AMF0_DATE &&
	       doc.v[0].u.date.ms == 1293840000000.0 &&
	       doc.v[0].u.date.tz == -60,
	   "date with negative timezone");
	free(d);

	r = decode_dup(&doc, lstr, sizeof(lstr), NULL, &d);
	ok(r == 7 && doc.v[0].type == AMF0_LONG_STRING &&
	       str_is(doc.v[0].u.str, "hi"),
	   "long string stays LONG_STRING");
	free(d);
	r = decode_dup(&doc, xml, sizeof(xml), NULL, &d);
	ok(r == 8 && doc.v[0].type == AMF0_XML_DOCUMENT &&
	       str_is(doc.v[0].u.str, "<a>"),
	   "XML document stored like a long string");
	free(d);

	check_prefixes("number", num, sizeof(num));
	check_prefixes("boolean", t, sizeof(t));
	check_prefixes("string", str, sizeof(str));
	check_prefixes("empty string", estr, sizeof(estr));
	check_prefixes("null", nul, sizeof(nul));
	check_prefixes("date", date, sizeof(date));
	check_prefixes("long string", lstr, sizeof(lstr));
	check_prefixes("xml", xml, sizeof(xml));
	check_roundtrip("number", num, sizeof(num), 1);
	check_roundtrip("boolean", t, sizeof(t), 1);
	check_roundtrip("string", str, sizeof(str), 1);
	check_roundtrip("date", date, sizeof(date), 1);
	check_roundtrip("long string", lstr, sizeof(lstr), 1);
	check_roundtrip("xml", xml, sizeof(xml), 1);
	check_roundtrip("unsupported", unsup, sizeof(unsup), 1);
	check_roundtrip("undefined", undef, sizeof(undef), 1);
	/* 0x7f is not canonical: the tree survives, the byte becomes 01. */
	check_roundtrip("boolean 0x7f", t2, sizeof(t2), 0);
}

/*
 * { "a": 1.0, "s": "x", "e": ECMA[declared 2] { "b": true, "n": null },
 *   "k": [ "x", 2.0 ], "z": {} }
 */
static const uint8_t nested[] = {
    0x03,						     /* object */
    0x00, 0x01, 'a',  0x00, 0x3f, 0xf0, 0,    0, 0, 0, 0, 0, /* a: 1.0 */
    0x00, 0x01, 's',  0x02, 0x00, 0x01, 'x',		     /* s: "x" */
    0x00, 0x01, 'e',  0x08, 0,	  0,	0,    2,	     /* e: ECMA 2 */
    0x00, 0x01, 'b',  0x01, 0x01,			     /*   b: true */
    0x00, 0x01, 'n',  0x05,				     /*   n: null */
    0x00, 0x00, 0x09,					     /*   end */
    0x00, 0x01, 'k',  0x0a, 0,	  0,	0,    2,	     /* k: [2] */
    0x02, 0x00, 0x01, 'x',				     /*   "x" */
    0x00, 0x40, 0x00, 0,    0,	  0,	0,    0, 0,	     /*   2.0 */
    0x00, 0x01, 'z',  0x03, 0x00, 0x00, 0x09,		     /* z: {} */
    0x00, 0x00, 0x09,					     /* end */
};

static void
test_containers(void)
{
	struct amf0_doc doc;
	struct rtmp_str s;
	uint8_t *d;
	ssize_t r;
	double num;
	int b;
	long e, k, c;

	r = decode_dup(&doc, nested, sizeof(nested), NULL, &d);
	is_int(r, sizeof(nested), "nested object: whole input consumed");
	is_int(amf0_skip(d, sizeof(nested), NULL), sizeof(nested),
	       "nested object: skip length equals decode length");
	is_int(doc.n, 10, "nested object: 10 nodes");
	ok(doc.v[0].type == AMF0_OBJECT && doc.v[0].span == 10 &&
	       doc.v[0].u.c.count == 5,
	   "root: span 10, 5 children");
	e = amf0_get(&doc, 0, "e");
	is_int(e, 3, "e is node 3");
	ok(e >= 0 && doc.v[e].type == AMF0_ECMA_ARRAY && doc.v[e].span == 3 &&
	       doc.v[e].u.c.count == 2 && doc.v[e].u.c.declared == 2,
	   "ECMA array: span 3, count 2, declared 2");
	k = amf0_get(&doc, 0, "k");
	ok(k == 6 && doc.v[k].type == AMF0_STRICT_ARRAY && doc.v[k].span == 3 &&
	       doc.v[k].u.c.count == 2 && doc.v[k].u.c.declared == 2,
	   "strict array: span 3, count 2");
	ok(doc.v[7].key.len == 0 && doc.v[7].key.p == NULL,
	   "strict array elements have no key");
	c = amf0_get(&doc, 0, "z");
	ok(c == 9 && doc.v[c].span == 1 && doc.v[c].u.c.count == 0,
	   "empty object: span 1");
	is_int(amf0_first_child(&doc, c), -1, "empty object has no child");
	is_int(amf0_first_child(&doc, 0), 1, "first child of root is 1");
	is_int(amf0_next_sibling(&doc, 1, 0), 2, "next sibling of 1 is 2");
	is_int(amf0_next_sibling(&doc, 3, 0), 6, "sibling skips a subtree");
	is_int(amf0_next_sibling(&doc, 4, 3), 5, "sibling inside ECMA");
	is_int(amf0_next_sibling(&doc, 5, 3), -1, "last child of ECMA");
	is_int(amf0_next_sibling(&doc, 9, 0), -1, "last child of root");
	is_int(amf0_next_sibling(&doc, 0, -1), -1, "single top-level value");
	is_int(amf0_first_child(&doc, 1), -1, "a number has no children");
	is_int(amf0_first_child(&doc, -1), -1, "index -1");
	is_int(amf0_first_child(&doc, 10), -1, "index past the end");
	is_int(amf0_get(&doc, 0, "nope"), -1, "missing key");
	is_int(amf0_get(&doc, k, "x"), -1, "get on a strict array is -1");
	ok(amf0_get_number(&doc, 0, "a", &num) && num == 1.0, "get_number a");
	ok(!amf0_get_number(&doc, 0, "s", &num), "get_number on a string");
	ok(amf0_get_string(&doc, 0, "s", &s) && str_is(s, "x"), "get_string s");
	ok(!amf0_get_string(&doc, 0, "a", &s), "get_string on a number");
	ok(amf0_get_bool(&doc, e, "b", &b) && b == 1, "get_bool in ECMA");
	ok(!amf0_get_bool(&doc, e, "n", &b), "get_bool on null");
	ok(!amf0_get_number(&doc, -1, "a", &num), "typed get on index -1");
	free(d);

	check_prefixes("nested object", nested, sizeof(nested));
	check_roundtrip("nested object", nested, sizeof(nested), 1);
}

static void
test_ecma_interop(void)
{
	/* nginx-rtmp / ffmpeg metadata with a count that does not match. */
	static const uint8_t wrong_count[] = {
	    0x08, 0,	0,    0,   0,	 0x00, 0x01, 'a',
	    0x05, 0x00, 0x01, 'b', 0x05, 0x00, 0x00, 0x09};
	static const uint8_t huge_count_empty[] = {0x08, 0xff, 0xff, 0xff,
						   0xff, 0x00, 0x00, 0x09};
	static const uint8_t no_end[] = {0x08, 0,    0,	  0,   1,
					 0x00, 0x01, 'a', 0x05};
	/* Empty property names are legal (UTF-8 may be empty, AMF0 2.5). */
	static const uint8_t empty_key[] = {0x03, 0x00, 0x00, 0x05,
					    0x00, 0x00, 0x09};
	struct amf0_doc doc;
	uint8_t *d;
	ssize_t r;

	r = decode_dup(&doc, wrong_count, sizeof(wrong_count), NULL, &d);
	ok(r == sizeof(wrong_count) && doc.v[0].u.c.count == 2 &&
	       doc.v[0].u.c.declared == 0,
	   "ECMA count 0 with 2 items: read to the end marker");
	free(d);
	r = decode_dup(&doc, huge_count_empty, sizeof(huge_count_empty), NULL,
		       &d);
	ok(r == sizeof(huge_count_empty) && doc.n == 1 &&
	       doc.v[0].u.c.count == 0 && doc.v[0].u.c.declared == 0xffffffffu,
	   "ECMA count 0xFFFFFFFF with end marker: empty, count reported");
	free(d);
	is_int(result_of(no_end, sizeof(no_end), NULL), RTMP_ERR_NEED_MORE,
	       "ECMA array without end marker at end of input: NEED_MORE");
	r = decode_dup(&doc, empty_key, sizeof(empty_key), NULL, &d);
	ok(r == sizeof(empty_key) && doc.n == 2 && doc.v[1].key.len == 0 &&
	       doc.v[1].type == AMF0_NULL,
	   "property with an empty name");
	free(d);
	check_prefixes("ECMA wrong count", wrong_count, sizeof(wrong_count));
	check_prefixes("empty key", empty_key, sizeof(empty_key));
	check_roundtrip("ECMA wrong count", wrong_count, sizeof(wrong_count),
			1);
	check_roundtrip("ECMA huge count", huge_count_empty,
			sizeof(huge_count_empty), 1);
	check_roundtrip("empty key", empty_key, sizeof(empty_key), 1);
}

static void
test_malformed(void)
{
	static const struct {
		const char *why;
		uint8_t in[16];
		size_t len;
		int want;
	} v[] = {
	    {"object end marker as a top-level value",
	     {0x09},
	     1,
	     RTMP_ERR_MALFORMED},
	    {"object end marker as a strict array element",
	     {0x0a, 0, 0, 0, 1, 0x09},
	     6,
	     RTMP_ERR_MALFORMED},
	    {"object end marker as a property value",
	     {0x03, 0x00, 0x01, 'a', 0x09},
	     5,
	     RTMP_ERR_MALFORMED},
	    {"marker 0x12 (past AMF3 switch)", {0x12}, 1, RTMP_ERR_MALFORMED},
	    {"marker 0xff", {0xff, 0, 0, 0}, 4, RTMP_ERR_MALFORMED},
	    {"marker 0x12 inside an object",
	     {0x03, 0x00, 0x01, 'a', 0x12},
	     5,
	     RTMP_ERR_MALFORMED},
	    {"movieclip (reserved)", {0x04}, 1, RTMP_ERR_UNSUPPORTED},
	    {"reference", {0x07, 0x00, 0x00}, 3, RTMP_ERR_UNSUPPORTED},
	    {"reference inside an object",
	     {0x03, 0x00, 0x01, 'r', 0x07, 0x00, 0x00},
	     7,
	     RTMP_ERR_UNSUPPORTED},
	    {"recordset (reserved)", {0x0e}, 1, RTMP_ERR_UNSUPPORTED},
	    {"typed object",
	     {0x10, 0x00, 0x01, 'T', 0x00, 0x00, 0x09},
	     7,
	     RTMP_ERR_UNSUPPORTED},
	    {"AMF3 switch", {0x11, 0x06, 0x03, 'a'}, 4, RTMP_ERR_UNSUPPORTED},
	    {"AMF3 switch in a strict array",
	     {0x0a, 0, 0, 0, 1, 0x11, 0x01},
	     7,
	     RTMP_ERR_UNSUPPORTED},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		is_int(result_of(v[i].in, v[i].len, NULL), v[i].want, "%s",
		       v[i].why);
		is_int(skip_of(v[i].in, v[i].len, NULL), v[i].want, "skip: %s",
		       v[i].why);
	}
}

/* Case 14: n nested containers of the given kind (object or strict). */
static void
build_nested(struct buf *b, unsigned n, uint8_t kind)
{
	static const uint8_t obj[] = {0x03, 0x00, 0x01, 'a'};
	static const uint8_t arr[] = {0x0a, 0, 0, 0, 1};
	static const uint8_t end[] = {0x00, 0x00, 0x09};
	unsigned i;

	b->len = 0;
	for (i = 0; i < n; i++) {
		if (kind == AMF0_OBJECT)
			buf_add(b, obj, i + 1 < n ? 4 : 1);
		else
			buf_add(b, arr, 5);
	}
	if (kind == AMF0_STRICT_ARRAY) {
		b->p[b->len - 1] = 0; /* innermost array is empty */
		return;
	}
	for (i = 0; i < n; i++)
		buf_add(b, end, 3);
}

static void
test_depth(void)
{
	struct amf0_limits huge = {1000000, 0}, three = {3, 0};
	struct buf b = {0};
	ssize_t r;

	build_nested(&b, AMF0_DEFAULT_MAX_DEPTH, AMF0_OBJECT);
	is_int(result_of(b.p, b.len, NULL), b.len, "16 nested objects: ok");
	is_int(skip_of(b.p, b.len, NULL), b.len, "skip: 16 nested objects");
	check_roundtrip("16 nested objects", b.p, b.len, 1);
	build_nested(&b, AMF0_DEFAULT_MAX_DEPTH + 1, AMF0_OBJECT);
	is_int(result_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "17 nested objects: LIMIT");
	is_int(skip_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "skip: 17 nested objects: LIMIT");

	build_nested(&b, AMF0_DEFAULT_MAX_DEPTH, AMF0_STRICT_ARRAY);
	is_int(result_of(b.p, b.len, NULL), b.len, "16 nested arrays: ok");
	check_roundtrip("16 nested arrays", b.p, b.len, 1);
	build_nested(&b, AMF0_DEFAULT_MAX_DEPTH + 1, AMF0_STRICT_ARRAY);
	is_int(result_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "17 nested arrays: LIMIT");

	build_nested(&b, 3, AMF0_OBJECT);
	is_int(result_of(b.p, b.len, &three), b.len, "max_depth 3: 3 ok");
	build_nested(&b, 4, AMF0_OBJECT);
	is_int(result_of(b.p, b.len, &three), RTMP_ERR_LIMIT,
	       "max_depth 3: 4 is LIMIT");
	is_int(skip_of(b.p, b.len, &three), RTMP_ERR_LIMIT,
	       "skip max_depth 3: 4 is LIMIT");

	/* Case 14: 100,000 levels, with and without their closing bytes. */
	build_nested(&b, 100000, AMF0_OBJECT);
	is_int(result_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "100,000 nested objects: LIMIT");
	is_int(skip_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "skip: 100,000 nested objects: LIMIT");
	is_int(result_of(b.p, 100000 * 4 - 3, NULL), RTMP_ERR_LIMIT,
	       "100,000 open objects, no end markers: LIMIT");
	r = result_of(b.p, b.len, &huge);
	is_int(r, RTMP_ERR_LIMIT,
	       "max_depth 1,000,000 is clamped to AMF0_MAX_DEPTH_CAP");
	is_int(skip_of(b.p, b.len, &huge), RTMP_ERR_LIMIT,
	       "skip: max_depth 1,000,000 clamped");
	build_nested(&b, AMF0_MAX_DEPTH_CAP, AMF0_OBJECT);
	is_int(result_of(b.p, b.len, &huge), b.len,
	       "AMF0_MAX_DEPTH_CAP levels decode with a raised limit");
	build_nested(&b, 100000, AMF0_STRICT_ARRAY);
	is_int(result_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "100,000 nested strict arrays: LIMIT");
	free(b.p);
}

/* An object, ECMA array or strict array with n null children. */
static void
build_wide(struct buf *b, unsigned n, uint8_t kind)
{
	static const uint8_t end[] = {0x00, 0x00, 0x09};
	uint8_t hdr[5] = {kind, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			  (uint8_t)(n >> 8), (uint8_t)n};
	unsigned i;

	b->len = 0;
	buf_add(b, hdr, kind == AMF0_OBJECT ? 1 : 5);
	for (i = 0; i < n; i++) {
		if (kind != AMF0_STRICT_ARRAY) {
			uint8_t k[6] = {0x00,
					0x04,
					(uint8_t)('a' + i % 26),
					(uint8_t)('a' + i / 26 % 26),
					(uint8_t)('a' + i / 676 % 26),
					(uint8_t)('a' + i / 17576 % 26)};
			buf_add(b, k, 6);
		}
		buf_byte(b, AMF0_NULL);
	}
	if (kind != AMF0_STRICT_ARRAY)
		buf_add(b, end, 3);
}

static void
test_items(void)
{
	static const uint8_t kinds[] = {AMF0_OBJECT, AMF0_ECMA_ARRAY,
					AMF0_STRICT_ARRAY};
	static const char *const names[] = {"object", "ECMA array",
					    "strict array"};
	struct amf0_limits two = {0, 2};
	struct buf b = {0};
	struct amf0_doc doc;
	clock_t t0;
	uint8_t *d;
	size_t i;
	ssize_t r;

	for (i = 0; i < 3; i++) {
		build_wide(&b, AMF0_DEFAULT_MAX_ITEMS, kinds[i]);
		r = decode_dup(&doc, b.p, b.len, NULL, &d);
		ok(r == (ssize_t)b.len &&
		       doc.v[0].u.c.count == AMF0_DEFAULT_MAX_ITEMS &&
		       doc.n == AMF0_DEFAULT_MAX_ITEMS + 1,
		   "%s with 1024 items: ok", names[i]);
		free(d);
		is_int(skip_of(b.p, b.len, NULL), b.len, "skip: %s 1024",
		       names[i]);
		build_wide(&b, AMF0_DEFAULT_MAX_ITEMS + 1, kinds[i]);
		is_int(result_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
		       "%s with 1025 items: LIMIT", names[i]);
		is_int(skip_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
		       "skip: %s with 1025 items: LIMIT", names[i]);
		build_wide(&b, 2, kinds[i]);
		is_int(result_of(b.p, b.len, &two), b.len,
		       "max_items 2: %s with 2 ok", names[i]);
		build_wide(&b, 3, kinds[i]);
		is_int(result_of(b.p, b.len, &two), RTMP_ERR_LIMIT,
		       "max_items 2: %s with 3 is LIMIT", names[i]);
	}

	/* Case 20: 100,000 properties, refused after the 1025th, fast. */
	build_wide(&b, 100000, AMF0_OBJECT);
	t0 = clock();
	r = result_of(b.p, b.len, NULL);
	is_int(r, RTMP_ERR_LIMIT, "100,000 properties: LIMIT");
	is_int(skip_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "skip: 100,000 properties: LIMIT");
	ok(clock() - t0 < CLOCKS_PER_SEC / 2,
	   "100,000 properties refused in under 0.5 s");
	build_wide(&b, 100000, AMF0_ECMA_ARRAY);
	is_int(result_of(b.p, b.len, NULL), RTMP_ERR_LIMIT,
	       "ECMA array with 100,000 entries: LIMIT");
	free(b.p);
}

static void
test_hostile_lengths(void)
{
	uint8_t s[3 + 5] = {0x02, 0xff, 0xff, 'a', 'b', 'c', 'd', 'e'};
	static const uint8_t ls[] = {0x0c, 0xff, 0xff, 0xff, 0xff, 'a', 'b'};
	static const uint8_t xml[] = {0x0f, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t ecma[] = {0x08, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t strict[] = {0x0a, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t strict_small_cap[] = {0x0a, 0, 0, 0x04, 0x01};
	static const uint8_t obj_no_end[] = {0x03, 0x00, 0x01, 'a', 0x05};
	static const uint8_t in_key[] = {0x03, 0x00, 0x05, 'a', 'b'};
	static const uint8_t key_in_ecma[] = {0x08, 0,	  0,	0,
					      1,    0x00, 0x09, 'x'};
	static const uint8_t half_end[] = {0x03, 0x00, 0x00};
	struct amf0_doc doc;
	uint8_t *d;
	ssize_t r;

	is_int(result_of(s, sizeof(s), NULL), RTMP_ERR_NEED_MORE,
	       "string length 0xFFFF with 5 bytes: NEED_MORE");
	is_int(skip_of(s, sizeof(s), NULL), RTMP_ERR_NEED_MORE,
	       "skip: string length 0xFFFF with 5 bytes: NEED_MORE");
	is_int(result_of(ls, sizeof(ls), NULL), RTMP_ERR_NEED_MORE,
	       "long string length 0xFFFFFFFF: NEED_MORE");
	is_int(skip_of(ls, sizeof(ls), NULL), RTMP_ERR_NEED_MORE,
	       "skip: long string length 0xFFFFFFFF: NEED_MORE");
	is_int(result_of(xml, sizeof(xml), NULL), RTMP_ERR_NEED_MORE,
	       "XML length 0xFFFFFFFF: NEED_MORE");

	/* Case 17: a tiny node array proves nothing is sized by the count. */
	d = tap_dup(ecma, sizeof(ecma));
	amf0_doc_init(&doc, nodes, 1, NULL);
	r = amf0_decode(&doc, d, sizeof(ecma));
	ok(r == RTMP_ERR_NEED_MORE && doc.n == 0,
	   "ECMA count 0xFFFFFFFF, no elements: NEED_MORE, nothing stored");
	free(d);
	d = tap_dup(strict, sizeof(strict));
	amf0_doc_init(&doc, nodes, 1, NULL);
	r = amf0_decode(&doc, d, sizeof(strict));
	ok(r == RTMP_ERR_LIMIT && doc.n == 0,
	   "strict count 0xFFFFFFFF, no elements: LIMIT before storing");
	free(d);
	is_int(result_of(strict_small_cap, sizeof(strict_small_cap), NULL),
	       RTMP_ERR_LIMIT, "strict count 1025: LIMIT from the header");

	/* Case 18. */
	is_int(result_of(obj_no_end, sizeof(obj_no_end), NULL),
	       RTMP_ERR_NEED_MORE, "object without end marker: NEED_MORE");
	is_int(result_of(in_key, sizeof(in_key), NULL), RTMP_ERR_NEED_MORE,
	       "truncated inside a key: NEED_MORE");
	is_int(result_of(half_end, sizeof(half_end), NULL), RTMP_ERR_NEED_MORE,
	       "object cut between 00 00 and 09: NEED_MORE");
	is_int(result_of(key_in_ecma, sizeof(key_in_ecma), NULL),
	       RTMP_ERR_NEED_MORE,
	       "ECMA key of length 9 cut short: NEED_MORE (00 09 is a length)");
}

static void
test_nospace(void)
{
	static const uint8_t obj[] = {0x03, 0x00, 0x01, 'a',  0x05, 0x00,
				      0x01, 'b',  0x05, 0x00, 0x00, 0x09};
	struct amf0_doc doc;
	struct amf0_value small[3];
	uint8_t *d = tap_dup(obj, sizeof(obj));

	amf0_doc_init(&doc, small, 2, NULL);
	is_int(amf0_decode(&doc, d, sizeof(obj)), RTMP_ERR_NOSPACE,
	       "3 nodes into 2: NOSPACE");
	is_int(doc.n, 0, "NOSPACE restores doc->n");
	amf0_doc_init(&doc, small, 3, NULL);
	is_int(amf0_decode(&doc, d, sizeof(obj)), sizeof(obj),
	       "3 nodes into exactly 3: ok");
	is_int(amf0_decode(&doc, d, sizeof(obj)), RTMP_ERR_NOSPACE,
	       "second value into a full array: NOSPACE");
	is_int(doc.n, 3, "first value kept after NOSPACE");
	free(d);
}

static void
test_decode_all(void)
{
	static const uint8_t two[] = {0x02, 0x00, 0x01, 'x', 0x05, 0x01, 0x01};
	static const uint8_t bad_tail[] = {0x02, 0x00, 0x01, 'x', 0x05, 0x09};
	struct amf0_doc doc;
	uint8_t *d = tap_dup(two, sizeof(two));
	ssize_t r;

	amf0_doc_init(&doc, nodes, NODES, NULL);
	r = amf0_decode_all(&doc, d, sizeof(two));
	ok(r == sizeof(two) && doc.n == 3 && doc.v[2].type == AMF0_BOOLEAN,
	   "decode_all: three top-level values");
	is_int(amf0_next_sibling(&doc, 0, -1), 1, "top-level sibling 0 -> 1");
	is_int(amf0_next_sibling(&doc, 2, -1), -1, "last top-level value");
	r = amf0_decode_all(&doc, d, 5);
	ok(r == 5 && doc.n == 5, "decode_all appends to the document");
	r = amf0_decode_all(&doc, d, 6);
	ok(r == RTMP_ERR_NEED_MORE && doc.n == 5,
	   "decode_all: value cut short is NEED_MORE, doc->n restored");
	free(d);
	d = tap_dup(bad_tail, sizeof(bad_tail));
	r = amf0_decode_all(&doc, d, sizeof(bad_tail));
	ok(r == RTMP_ERR_MALFORMED && doc.n == 5,
	   "decode_all: malformed third value, doc->n restored");
	is_int(amf0_decode_all(&doc, d, 0), 0, "decode_all of nothing is 0");
	free(d);
}

static void
test_encoders(void)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0x00, 0x40, 0x59, 0, 0, 0, 0, 0, 0,		/* 100.0 */
		0x01, 0x01,					/* true */
		0x02, 0x00, 0x02, 'h', 'i',			/* "hi" */
		0x05,						/* null */
		0x06,						/* undefined */
		0x03,						/* { */
		0x00, 0x01, 'n', 0x00, 0xbf, 0xf0, 0, 0, 0, 0, 0, 0, /* n: -1 */
		0x00, 0x01, 'b', 0x01, 0x00,			/* b: false */
		0x00, 0x01, 's', 0x02, 0x00, 0x01, 'v',		/* s: "v" */
		0x00, 0x00, 0x09,				/* } */
		0x08, 0, 0, 0, 7, 0x00, 0x00, 0x09,		/* ECMA 7 {} */
		0x0a, 0, 0, 0, 0,				/* [] */
		0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x3c,	/* date 0 tz 60 */
	};
	/* clang-format on */
	uint8_t out[sizeof(want)], *p, *end = out + sizeof(want);
	static uint8_t big[0x10000 + 8], src[0x10000];
	uint8_t *bp;
	size_t n, fails;

	p = amf0_put_number(out, end, 100.0);
	p = amf0_put_bool(p, end, 5);
	p = amf0_put_cstr(p, end, "hi");
	p = amf0_put_null(p, end);
	p = amf0_put_undefined(p, end);
	p = amf0_put_object_begin(p, end);
	p = amf0_put_prop_number(p, end, "n", -1.0);
	p = amf0_put_prop_bool(p, end, "b", 0);
	p = amf0_put_prop_cstr(p, end, "s", "v");
	p = amf0_put_object_end(p, end);
	p = amf0_put_ecma_begin(p, end, 7);
	p = amf0_put_object_end(p, end);
	p = amf0_put_strict_array_begin(p, end, 0);
	p = amf0_put_date(p, end, 0.0, 60);
	ok(p == end && memcmp(out, want, sizeof(want)) == 0,
	   "encoders write the expected bytes");

	/* Out of room at every length: NULL, and NULL passes through. */
	fails = 0;
	for (n = 0; n < sizeof(want); n++) {
		end = out + n;
		p = amf0_put_number(out, end, 100.0);
		p = amf0_put_bool(p, end, 5);
		p = amf0_put_cstr(p, end, "hi");
		p = amf0_put_null(p, end);
		p = amf0_put_undefined(p, end);
		p = amf0_put_object_begin(p, end);
		p = amf0_put_prop_number(p, end, "n", -1.0);
		p = amf0_put_prop_bool(p, end, "b", 0);
		p = amf0_put_prop_cstr(p, end, "s", "v");
		p = amf0_put_object_end(p, end);
		p = amf0_put_ecma_begin(p, end, 7);
		p = amf0_put_object_end(p, end);
		p = amf0_put_strict_array_begin(p, end, 0);
		p = amf0_put_date(p, end, 0.0, 60);
		if (p != NULL)
			fails++;
	}
	is_int(fails, 0, "every short buffer gives NULL at the end");
	ok(amf0_put_null(NULL, out + 4) == NULL, "NULL p passes through");

	memset(src, 'y', sizeof(src));
	bp = amf0_put_string(big, big + sizeof(big), src, 0xFFFF);
	ok(bp == big + 3 + 0xFFFF && big[0] == AMF0_STRING && big[1] == 0xff &&
	       big[2] == 0xff,
	   "0xFFFF bytes: STRING");
	bp = amf0_put_string(big, big + 0x10000 + 4, src, 0x10000);
	ok(bp == NULL, "long string one byte short of room: NULL");
	bp = amf0_put_string(big, big + 0x10000 + 5, src, 0x10000);
	ok(bp == big + 0x10000 + 5 && big[0] == AMF0_LONG_STRING &&
	       big[1] == 0 && big[2] == 1 && big[3] == 0 && big[4] == 0,
	   "0x10000 bytes: LONG_STRING");
	check_roundtrip("64 KiB long string", big, 0x10000 + 5, 1);
	{
		char key[0x10001];

		memset(key, 'k', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		ok(amf0_put_key(big, big + sizeof(big), key) == NULL,
		   "key longer than 0xFFFF: NULL");
	}
}

static void
test_encode_value(void)
{
	static const uint8_t obj[] = {0x03, 0x00, 0x01, 'a',  0x0a, 0,	 0,
				      0,    1,	  0x05, 0x00, 0x00, 0x09};
	struct amf0_doc doc;
	uint8_t out[64], *p;
	uint8_t *d;
	size_t n, fails = 0;

	decode_dup(&doc, obj, sizeof(obj), NULL, &d);
	p = amf0_encode_value(out, out + sizeof(out), &doc, 1);
	ok(p == out + 6 && memcmp(out, obj + 4, 6) == 0,
	   "encode_value of an inner node writes no key");
	for (n = 0; n < sizeof(obj); n++)
		if (amf0_encode_value(out, out + n, &doc, 0) != NULL)
			fails++;
	is_int(fails, 0, "encode_value: every short buffer gives NULL");
	ok(amf0_encode_value(out, out + sizeof(out), &doc, 3) == NULL,
	   "encode_value of a missing node: NULL");
	ok(amf0_encode_value(NULL, out + sizeof(out), &doc, 0) == NULL,
	   "encode_value passes NULL through");
	/* A hand-made doc whose strict array count disagrees with its
	 * children: the written count follows the children. */
	doc.v[1].u.c.count = 9;
	p = amf0_encode_value(out, out + sizeof(out), &doc, 0);
	ok(p == out + sizeof(obj) && memcmp(out, obj, sizeof(obj)) == 0,
	   "strict array count written from the children");
	free(d);
}

static void
test_type_names(void)
{
	ok(strcmp(amf0_type_name(AMF0_NUMBER), "number") == 0, "number");
	ok(strcmp(amf0_type_name(AMF0_ECMA_ARRAY), "ecma-array") == 0,
	   "ecma-array");
	ok(strcmp(amf0_type_name(AMF0_AVMPLUS), "avmplus") == 0, "avmplus");
	ok(strcmp(amf0_type_name(0x12), "unknown") == 0, "0x12 unknown");
}

int
main(void)
{
	test_scalars();
	test_containers();
	test_ecma_interop();
	test_malformed();
	test_depth();
	test_items();
	test_hostile_lengths();
	test_nospace();
	test_decode_all();
	test_encoders();
	test_encode_value();
	test_type_names();
	return done_testing();
}
