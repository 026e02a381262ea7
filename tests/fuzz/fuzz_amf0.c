/*
 * AMF0 fuzz target: decode_all, then re-encode every top-level value and
 * decode the result, which must give the identical node tree; decode and
 * skip must agree on every value's length and error; the command and data
 * message parsers run on the same bytes. The last input byte also picks
 * small limits for a second decode/skip pass so the LIMIT paths get hit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amf0.h"
#include "rtmp_msg.h"

#define NODES 4096

static struct amf0_value nodes_a[NODES], nodes_b[NODES];

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

static void
roundtrip(const uint8_t *data, size_t size)
{
	struct amf0_doc a, b;
	uint8_t *out, *p;
	ssize_t r;
	size_t k;
	long i;

	amf0_doc_init(&a, nodes_a, NODES, NULL);
	if (amf0_decode_all(&a, data, size) != (ssize_t)size)
		return;
	/* Re-encoding keeps every length field and marker, so the output is
	 * exactly as long as the input: a heap block of that size lets ASan
	 * catch any write past it. */
	out = malloc(size ? size : 1);
	if (out == NULL)
		abort();
	p = out;
	for (i = a.n ? 0 : -1; i >= 0; i = amf0_next_sibling(&a, i, -1))
		p = amf0_encode_value(p, out + size, &a, i);
	if (p == NULL || (size_t)(p - out) != size)
		abort();
	amf0_doc_init(&b, nodes_b, NODES, NULL);
	r = amf0_decode_all(&b, out, size);
	if (r != (ssize_t)size || b.n != a.n)
		abort();
	for (k = 0; k < a.n; k++)
		if (!value_eq(&a.v[k], &b.v[k]))
			abort();
	free(out);
}

/* Value by value, decode and skip must agree (NOSPACE aside). */
static void
decode_vs_skip(const uint8_t *data, size_t size, const struct amf0_limits *lim)
{
	struct amf0_doc doc;
	size_t pos = 0;
	ssize_t r, s;

	amf0_doc_init(&doc, nodes_a, NODES, lim);
	while (pos < size) {
		size_t before = doc.n;

		r = amf0_decode(&doc, data + pos, size - pos);
		s = amf0_skip(data + pos, size - pos, lim);
		if (r == RTMP_ERR_NOSPACE)
			return;
		if (r != s)
			abort();
		if (r < 0) {
			if (doc.n != before)
				abort();
			return;
		}
		if (r == 0 || doc.v[before].span != doc.n - before)
			abort();
		pos += (size_t)r;
	}
}

static void
commands(const uint8_t *data, size_t size, int amf3)
{
	struct amf0_doc doc;
	struct rtmp_cmd cmd;
	struct rtmp_status st;
	struct rtmp_connect_info ci;
	struct rtmp_str s;
	double d;
	unsigned k;

	amf0_doc_init(&doc, nodes_b, NODES, NULL);
	if (rtmp_cmd_parse(data, size, amf3, &doc, &cmd) != RTMP_OK)
		return;
	if (cmd.nargs > RTMP_CMD_MAX_ARGS || cmd.obj >= (long)doc.n ||
	    cmd.name.p < data || cmd.name.p + cmd.name.len > data + size)
		abort();
	for (k = 0; k < cmd.nargs; k++) {
		if (cmd.args[k] <= cmd.obj || cmd.args[k] >= (long)doc.n)
			abort();
		(void)rtmp_cmd_arg_string(&cmd, k, &s);
		(void)rtmp_cmd_arg_number(&cmd, k, &d);
	}
	(void)rtmp_cmd_arg_string(&cmd, k, &s);
	if (rtmp_cmd_status(&cmd, &st) == RTMP_OK && st.code.len > 0 &&
	    (st.code.p < data || st.code.p + st.code.len > data + size))
		abort();
	(void)rtmp_cmd_connect_info(&cmd, &ci);
}

static void
data_messages(const uint8_t *data, size_t size)
{
	struct rtmp_str name;
	size_t off = 0;

	if (rtmp_data_setdataframe(data, size, &off) == 1) {
		if (off == 0 || off > size)
			abort();
		(void)rtmp_data_name(data + off, size - off, &name);
	}
	(void)rtmp_data_name(data, size, &name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amf0_limits small;

	roundtrip(data, size);
	decode_vs_skip(data, size, NULL);
	if (size > 0) {
		/* Depth 1..4 and items 1..8 (low and high nibble). */
		small.max_depth = (data[size - 1] & 0x03) + 1;
		small.max_items = (data[size - 1] >> 4 & 0x07) + 1;
		decode_vs_skip(data, size, &small);
	}
	commands(data, size, 0);
	commands(data, size, 1);
	data_messages(data, size);
	return 0;
}
