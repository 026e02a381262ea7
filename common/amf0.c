/*
 * AMF0 decoding, skipping and encoding (AMF0 spec sections 2.1-2.18).
 *
 * Decode and skip share one iterative walker: each open container has a
 * frame on a fixed array on the C stack, so hostile nesting costs at most
 * AMF0_MAX_DEPTH_CAP frames and never deepens the call stack.
 */
#include <string.h>

#include "amf0.h"
#include "bytes.h"

struct amf0_frame {
	uint32_t node;	   /* index of the container in doc->v (decode only) */
	uint32_t count;	   /* children seen so far */
	uint32_t declared; /* strict array: children expected */
	uint8_t type;
};

static void
amf0_resolve_limits(const struct amf0_limits *lim, unsigned *depth,
		    unsigned *items)
{
	*depth = AMF0_DEFAULT_MAX_DEPTH;
	*items = AMF0_DEFAULT_MAX_ITEMS;
	if (lim != NULL && lim->max_depth != 0)
		*depth = lim->max_depth;
	if (lim != NULL && lim->max_items != 0)
		*items = lim->max_items;
	if (*depth > AMF0_MAX_DEPTH_CAP)
		*depth = AMF0_MAX_DEPTH_CAP;
}

/*
 * Walk one value at p. With doc, nodes are appended to it; without, the value
 * is only measured. Leaves doc->n wherever it got to on error: callers
 * restore it.
 */
static ssize_t
amf0_walk(struct amf0_doc *doc, const uint8_t *p, size_t len,
	  const struct amf0_limits *lim)
{
	struct amf0_frame st[AMF0_MAX_DEPTH_CAP];
	struct amf0_value *v;
	struct rtmp_str key;
	unsigned depth = 0, max_depth, max_items;
	size_t pos = 0, need, slen;
	uint8_t m;

	amf0_resolve_limits(lim, &max_depth, &max_items);
	for (;;) {
		key.p = NULL;
		key.len = 0;
		if (depth > 0) {
			struct amf0_frame *f = &st[depth - 1];
			int closing = 0;

			if (f->type == AMF0_STRICT_ARRAY) {
				closing = f->count == f->declared;
			} else {
				if (len - pos < 2)
					return RTMP_ERR_NEED_MORE;
				slen = rd_be16(p + pos);
				if (slen == 0) {
					if (len - pos < 3)
						return RTMP_ERR_NEED_MORE;
					/* 00 00 09 ends objects and ECMA
					 * arrays alike; the ECMA count is not
					 * trusted (ffmpeg, nginx-rtmp and
					 * encoders in the wild send wrong
					 * ones). */
					if (p[pos + 2] == AMF0_OBJECT_END) {
						pos += 3;
						closing = 1;
					}
				}
				if (!closing) {
					if (len - pos - 2 < slen)
						return RTMP_ERR_NEED_MORE;
					key.p = p + pos + 2;
					key.len = slen;
					pos += 2 + slen;
				}
			}
			if (closing) {
				depth--;
				if (doc != NULL) {
					v = &doc->v[f->node];
					v->span = (uint32_t)(doc->n - f->node);
					v->u.c.count = f->count;
				}
				if (depth == 0)
					return (ssize_t)pos;
				continue;
			}
			if (f->count >= max_items)
				return RTMP_ERR_LIMIT;
		}

		if (pos >= len)
			return RTMP_ERR_NEED_MORE;
		m = p[pos];
		switch (m) {
		case AMF0_NUMBER:
			need = 9;
			break;
		case AMF0_BOOLEAN:
			need = 2;
			break;
		case AMF0_STRING:
			if (len - pos < 3)
				return RTMP_ERR_NEED_MORE;
			need = 3 + (size_t)rd_be16(p + pos + 1);
			break;
		case AMF0_LONG_STRING:
		case AMF0_XML_DOCUMENT:
			if (len - pos < 5)
				return RTMP_ERR_NEED_MORE;
			slen = rd_be32(p + pos + 1);
			/* Compare without adding: 5 + 0xFFFFFFFF must not
			 * wrap a 32-bit size_t. */
			if (len - pos - 5 < slen)
				return RTMP_ERR_NEED_MORE;
			need = 5 + slen;
			break;
		case AMF0_NULL:
		case AMF0_UNDEFINED:
		case AMF0_UNSUPPORTED:
			need = 1;
			break;
		case AMF0_DATE:
			need = 11;
			break;
		case AMF0_OBJECT:
			need = 1;
			break;
		case AMF0_ECMA_ARRAY:
		case AMF0_STRICT_ARRAY:
			need = 5;
			break;
		case AMF0_MOVIECLIP:
		case AMF0_REFERENCE:
		case AMF0_RECORDSET:
		case AMF0_TYPED_OBJECT:
		case AMF0_AVMPLUS:
			/* References could build cycles; the rest are
			 * reserved or need AMF3, which no RTMP peer we
			 * talk to sends inside AMF0 command bodies. */
			return RTMP_ERR_UNSUPPORTED;
		default:
			/* OBJECT_END where a value belongs, or > 0x11. */
			return RTMP_ERR_MALFORMED;
		}
		if ((m == AMF0_OBJECT || m == AMF0_ECMA_ARRAY ||
		     m == AMF0_STRICT_ARRAY) &&
		    depth >= max_depth)
			return RTMP_ERR_LIMIT;
		if (len - pos < need)
			return RTMP_ERR_NEED_MORE;
		/* The declared count of a strict array is trusted only as far
		 * as the items limit: refuse before reading any element. */
		if (m == AMF0_STRICT_ARRAY && rd_be32(p + pos + 1) > max_items)
			return RTMP_ERR_LIMIT;

		if (doc != NULL) {
			if (doc->n >= doc->cap)
				return RTMP_ERR_NOSPACE;
			v = &doc->v[doc->n];
			memset(v, 0, sizeof(*v));
			v->type = m;
			v->key = key;
			v->span = 1;
			switch (m) {
			case AMF0_NUMBER:
				v->u.num = rd_f64(p + pos + 1);
				break;
			case AMF0_BOOLEAN:
				v->u.boolean = p[pos + 1] != 0;
				break;
			case AMF0_STRING:
				v->u.str.p = p + pos + 3;
				v->u.str.len = need - 3;
				break;
			case AMF0_LONG_STRING:
			case AMF0_XML_DOCUMENT:
				v->u.str.p = p + pos + 5;
				v->u.str.len = need - 5;
				break;
			case AMF0_DATE:
				v->u.date.ms = rd_f64(p + pos + 1);
				v->u.date.tz = (int16_t)rd_be16(p + pos + 9);
				break;
			case AMF0_ECMA_ARRAY:
			case AMF0_STRICT_ARRAY:
				v->u.c.declared = rd_be32(p + pos + 1);
				break;
			}
			doc->n++;
		}
		if (depth > 0)
			st[depth - 1].count++;
		if (m == AMF0_OBJECT || m == AMF0_ECMA_ARRAY ||
		    m == AMF0_STRICT_ARRAY) {
			struct amf0_frame *f = &st[depth++];

			f->node = doc != NULL ? (uint32_t)(doc->n - 1) : 0;
			f->count = 0;
			f->declared =
			    m == AMF0_STRICT_ARRAY ? rd_be32(p + pos + 1) : 0;
			f->type = m;
			pos += need;
			continue;
		}
		pos += need;
		if (depth == 0)
			return (ssize_t)pos;
	}
}

void
amf0_doc_init(struct amf0_doc *doc, struct amf0_value *storage, size_t cap,
	      const struct amf0_limits *lim)
{
	memset(doc, 0, sizeof(*doc));
	doc->v = storage;
	doc->cap = cap;
	if (lim != NULL)
		doc->lim = *lim;
}

ssize_t
amf0_decode(struct amf0_doc *doc, const uint8_t *p, size_t len)
{
	size_t saved = doc->n;
	ssize_t r;

	r = amf0_walk(doc, p, len, &doc->lim);
	if (r < 0)
		doc->n = saved;
	return r;
}

ssize_t
amf0_decode_all(struct amf0_doc *doc, const uint8_t *p, size_t len)
{
	size_t saved = doc->n, pos = 0;
	ssize_t r;

	while (pos < len) {
		r = amf0_walk(doc, p + pos, len - pos, &doc->lim);
		if (r < 0) {
			doc->n = saved;
			return r;
		}
		pos += (size_t)r;
	}
	return (ssize_t)pos;
}

ssize_t
amf0_skip(const uint8_t *p, size_t len, const struct amf0_limits *lim)
{
	return amf0_walk(NULL, p, len, lim);
}

static int
amf0_is_container(uint8_t type)
{
	return type == AMF0_OBJECT || type == AMF0_ECMA_ARRAY ||
	       type == AMF0_STRICT_ARRAY;
}

static int
amf0_valid_index(const struct amf0_doc *doc, long i)
{
	return doc != NULL && i >= 0 && (size_t)i < doc->n;
}

long
amf0_first_child(const struct amf0_doc *doc, long i)
{
	if (!amf0_valid_index(doc, i) || !amf0_is_container(doc->v[i].type) ||
	    doc->v[i].span < 2)
		return -1;
	return i + 1;
}

long
amf0_next_sibling(const struct amf0_doc *doc, long i, long parent)
{
	size_t j, end;

	if (!amf0_valid_index(doc, i))
		return -1;
	j = (size_t)i + doc->v[i].span;
	end = doc->n;
	if (amf0_valid_index(doc, parent))
		end = (size_t)parent + doc->v[parent].span;
	if (j >= end || j >= doc->n)
		return -1;
	return (long)j;
}

long
amf0_get(const struct amf0_doc *doc, long i, const char *name)
{
	long c;

	if (!amf0_valid_index(doc, i) || (doc->v[i].type != AMF0_OBJECT &&
					  doc->v[i].type != AMF0_ECMA_ARRAY))
		return -1;
	for (c = amf0_first_child(doc, i); c >= 0;
	     c = amf0_next_sibling(doc, c, i))
		if (rtmp_str_eq(doc->v[c].key, name))
			return c;
	return -1;
}

int
amf0_get_number(const struct amf0_doc *doc, long i, const char *name,
		double *out)
{
	long c = amf0_get(doc, i, name);

	if (c < 0 || doc->v[c].type != AMF0_NUMBER)
		return 0;
	*out = doc->v[c].u.num;
	return 1;
}

int
amf0_get_string(const struct amf0_doc *doc, long i, const char *name,
		struct rtmp_str *out)
{
	long c = amf0_get(doc, i, name);

	if (c < 0 || (doc->v[c].type != AMF0_STRING &&
		      doc->v[c].type != AMF0_LONG_STRING))
		return 0;
	*out = doc->v[c].u.str;
	return 1;
}

int
amf0_get_bool(const struct amf0_doc *doc, long i, const char *name, int *out)
{
	long c = amf0_get(doc, i, name);

	if (c < 0 || doc->v[c].type != AMF0_BOOLEAN)
		return 0;
	*out = doc->v[c].u.boolean;
	return 1;
}

uint8_t *
amf0_put_number(uint8_t *p, uint8_t *end, double v)
{
	p = put_u8(p, end, AMF0_NUMBER);
	return put_f64(p, end, v);
}

uint8_t *
amf0_put_bool(uint8_t *p, uint8_t *end, int v)
{
	p = put_u8(p, end, AMF0_BOOLEAN);
	return put_u8(p, end, v ? 1 : 0);
}

uint8_t *
amf0_put_string(uint8_t *p, uint8_t *end, const void *s, size_t len)
{
	if (len <= 0xFFFF) {
		p = put_u8(p, end, AMF0_STRING);
		p = put_be16(p, end, (uint16_t)len);
	} else {
		if ((uint64_t)len > 0xFFFFFFFFu)
			return NULL;
		p = put_u8(p, end, AMF0_LONG_STRING);
		p = put_be32(p, end, (uint32_t)len);
	}
	return put_bytes(p, end, s, len);
}

uint8_t *
amf0_put_cstr(uint8_t *p, uint8_t *end, const char *s)
{
	return amf0_put_string(p, end, s, strlen(s));
}

uint8_t *
amf0_put_null(uint8_t *p, uint8_t *end)
{
	return put_u8(p, end, AMF0_NULL);
}

uint8_t *
amf0_put_undefined(uint8_t *p, uint8_t *end)
{
	return put_u8(p, end, AMF0_UNDEFINED);
}

uint8_t *
amf0_put_object_begin(uint8_t *p, uint8_t *end)
{
	return put_u8(p, end, AMF0_OBJECT);
}

uint8_t *
amf0_put_ecma_begin(uint8_t *p, uint8_t *end, uint32_t count)
{
	p = put_u8(p, end, AMF0_ECMA_ARRAY);
	return put_be32(p, end, count);
}

uint8_t *
amf0_put_strict_array_begin(uint8_t *p, uint8_t *end, uint32_t n)
{
	p = put_u8(p, end, AMF0_STRICT_ARRAY);
	return put_be32(p, end, n);
}

static uint8_t *
amf0_put_key_n(uint8_t *p, uint8_t *end, const void *name, size_t len)
{
	if (len > 0xFFFF)
		return NULL;
	p = put_be16(p, end, (uint16_t)len);
	return put_bytes(p, end, name, len);
}

uint8_t *
amf0_put_key(uint8_t *p, uint8_t *end, const char *name)
{
	return amf0_put_key_n(p, end, name, strlen(name));
}

uint8_t *
amf0_put_object_end(uint8_t *p, uint8_t *end)
{
	p = put_be16(p, end, 0);
	return put_u8(p, end, AMF0_OBJECT_END);
}

uint8_t *
amf0_put_date(uint8_t *p, uint8_t *end, double ms, int16_t tz)
{
	p = put_u8(p, end, AMF0_DATE);
	p = put_f64(p, end, ms);
	return put_be16(p, end, (uint16_t)tz);
}

uint8_t *
amf0_put_prop_number(uint8_t *p, uint8_t *end, const char *k, double v)
{
	p = amf0_put_key(p, end, k);
	return amf0_put_number(p, end, v);
}

uint8_t *
amf0_put_prop_bool(uint8_t *p, uint8_t *end, const char *k, int v)
{
	p = amf0_put_key(p, end, k);
	return amf0_put_bool(p, end, v);
}

uint8_t *
amf0_put_prop_cstr(uint8_t *p, uint8_t *end, const char *k, const char *v)
{
	p = amf0_put_key(p, end, k);
	return amf0_put_cstr(p, end, v);
}

/* Direct children of container i, counted from the spans so a strict
 * array's count field always matches what is written after it. */
static uint32_t
amf0_children(const struct amf0_doc *doc, size_t i)
{
	size_t c, end = i + doc->v[i].span;
	uint32_t n = 0;

	for (c = i + 1; c < end && doc->v[c].span > 0; c += doc->v[c].span)
		n++;
	return n;
}

/* One node without its children (containers get only their header). */
static uint8_t *
amf0_encode_node(uint8_t *p, uint8_t *end, const struct amf0_value *v)
{
	switch (v->type) {
	case AMF0_NUMBER:
		return amf0_put_number(p, end, v->u.num);
	case AMF0_BOOLEAN:
		return amf0_put_bool(p, end, v->u.boolean);
	case AMF0_STRING:
		return amf0_put_string(p, end, v->u.str.p, v->u.str.len);
	case AMF0_LONG_STRING:
	case AMF0_XML_DOCUMENT:
		/* Kept long even when short, so a round trip is exact. */
		if ((uint64_t)v->u.str.len > 0xFFFFFFFFu)
			return NULL;
		p = put_u8(p, end, v->type);
		p = put_be32(p, end, (uint32_t)v->u.str.len);
		return put_bytes(p, end, v->u.str.p, v->u.str.len);
	case AMF0_NULL:
	case AMF0_UNDEFINED:
	case AMF0_UNSUPPORTED:
		return put_u8(p, end, v->type);
	case AMF0_DATE:
		return amf0_put_date(p, end, v->u.date.ms, v->u.date.tz);
	case AMF0_OBJECT:
		return amf0_put_object_begin(p, end);
	case AMF0_ECMA_ARRAY:
		return amf0_put_ecma_begin(p, end, v->u.c.declared);
	case AMF0_STRICT_ARRAY:
		/* The count field must match what follows. */
		return amf0_put_strict_array_begin(p, end, v->u.c.count);
	}
	return NULL;
}

uint8_t *
amf0_encode_value(uint8_t *p, uint8_t *end, const struct amf0_doc *doc, long i)
{
	struct {
		size_t end;
		uint8_t type;
	} st[AMF0_MAX_DEPTH_CAP];
	unsigned depth = 0;
	size_t j, last;

	if (p == NULL || !amf0_valid_index(doc, i) || doc->v[i].span == 0 ||
	    (size_t)i + doc->v[i].span > doc->n)
		return NULL;
	last = (size_t)i + doc->v[i].span;
	for (j = (size_t)i; j < last; j++) {
		struct amf0_value v = doc->v[j];

		if (amf0_is_container(v.type)) {
			if (v.span == 0 || depth >= AMF0_MAX_DEPTH_CAP ||
			    (depth > 0 && j + v.span > st[depth - 1].end))
				return NULL;
			if (v.type == AMF0_STRICT_ARRAY)
				v.u.c.count = amf0_children(doc, j);
		} else if (v.span != 1) {
			return NULL;
		}
		if (depth > 0 && st[depth - 1].type != AMF0_STRICT_ARRAY)
			p = amf0_put_key_n(p, end, v.key.p, v.key.len);
		p = amf0_encode_node(p, end, &v);
		if (p == NULL)
			return NULL;
		if (amf0_is_container(v.type)) {
			st[depth].end = j + v.span;
			st[depth].type = v.type;
			depth++;
		}
		/* Close every container whose subtree ends with node j. */
		while (depth > 0 && st[depth - 1].end == j + 1) {
			if (st[depth - 1].type != AMF0_STRICT_ARRAY)
				p = amf0_put_object_end(p, end);
			depth--;
		}
	}
	return p;
}

const char *
amf0_type_name(uint8_t type)
{
	static const char *const names[] = {
	    "number",	    "boolean",	   "string",	   "object",
	    "movieclip",    "null",	   "undefined",	   "reference",
	    "ecma-array",   "object-end",  "strict-array", "date",
	    "long-string",  "unsupported", "recordset",	   "xml-document",
	    "typed-object", "avmplus",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return "unknown";
}
