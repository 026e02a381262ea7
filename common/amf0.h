/*
 * AMF0 (Action Message Format 0, see AMF0 spec) values: decode, skip, encode.
 *
 * Decoding fills a caller-owned array of nodes, in preorder: a container
 * (object, ECMA array, strict array) is followed by its children, and its
 * `span` is the number of nodes in its subtree (itself included), so the next
 * sibling of node i is i + v[i].span. Strings point into the input buffer,
 * which must outlive the document. Nothing is allocated: an ECMA or strict
 * array's declared count is reported but never used to size anything.
 *
 * Limits: nesting depth (default 16) and items per container (default
 * 1024), both checked before a node is stored; running out of nodes in the
 * caller's array is RTMP_ERR_NOSPACE.
 *
 * Markers: number, boolean, string, object, null, undefined, ECMA array,
 * strict array, date, long string, unsupported (0x0D, no payload) and XML
 * document (stored like a long string) decode. Reference (0x07, rejected so
 * no cycles can be built), movieclip, recordset, typed object and the AMF3
 * switch (0x11) give RTMP_ERR_UNSUPPORTED; a marker above 0x11, or an object
 * end marker where a value is expected, gives RTMP_ERR_MALFORMED.
 */
#ifndef RTMP_AMF0_H
#define RTMP_AMF0_H

#include "rtmp_err.h"

enum amf0_marker {
	AMF0_NUMBER = 0x00,
	AMF0_BOOLEAN = 0x01,
	AMF0_STRING = 0x02,
	AMF0_OBJECT = 0x03,
	AMF0_MOVIECLIP = 0x04,
	AMF0_NULL = 0x05,
	AMF0_UNDEFINED = 0x06,
	AMF0_REFERENCE = 0x07,
	AMF0_ECMA_ARRAY = 0x08,
	AMF0_OBJECT_END = 0x09,
	AMF0_STRICT_ARRAY = 0x0A,
	AMF0_DATE = 0x0B,
	AMF0_LONG_STRING = 0x0C,
	AMF0_UNSUPPORTED = 0x0D,
	AMF0_RECORDSET = 0x0E,
	AMF0_XML_DOCUMENT = 0x0F,
	AMF0_TYPED_OBJECT = 0x10,
	AMF0_AVMPLUS = 0x11, /* switch to AMF3 */
};

#define AMF0_DEFAULT_MAX_DEPTH 16
#define AMF0_DEFAULT_MAX_ITEMS 1024
/*
 * Hard ceiling on max_depth: decode, skip and encode keep one small frame per
 * open container on the C stack instead of recursing, so a larger configured
 * depth is clamped to this.
 */
#define AMF0_MAX_DEPTH_CAP 64

struct amf0_limits {
	unsigned max_depth; /* containers nested deeper fail with LIMIT */
	unsigned max_items; /* children of one container, ditto */
};

/* Zero fields mean the defaults above. */
struct amf0_value {
	uint8_t type;	     /* enum amf0_marker; LONG_STRING is kept as such */
	struct rtmp_str key; /* property name inside object/ECMA array */
	uint32_t span;	     /* nodes in this subtree, itself included */
	union {
		double num;	     /* NUMBER */
		int boolean;	     /* BOOLEAN: 0 or 1 */
		struct rtmp_str str; /* STRING, LONG_STRING, XML_DOCUMENT */
		struct {
			double ms;  /* DATE: ms since epoch */
			int16_t tz; /* DATE: reserved timezone field */
		} date;
		struct {
			uint32_t count;	   /* children stored */
			uint32_t declared; /* ECMA/strict array count field */
		} c;
	} u;
};

struct amf0_doc {
	struct amf0_value *v; /* caller-owned node storage */
	size_t cap;	      /* its length */
	size_t n;	      /* nodes used */
	struct amf0_limits lim;
};

/* Point doc at storage; lim may be NULL for defaults. */
void amf0_doc_init(struct amf0_doc *doc, struct amf0_value *storage, size_t cap,
		   const struct amf0_limits *lim);

/*
 * Decode one value at p, appending its nodes to doc. Returns bytes consumed
 * or a negative code; on error doc->n is restored to its value on entry.
 */
ssize_t amf0_decode(struct amf0_doc *doc, const uint8_t *p, size_t len);

/*
 * Decode values until len is exhausted (a command or data message body).
 * The top-level values are siblings starting at the first node appended.
 * Returns bytes consumed (== len) or a negative code.
 */
ssize_t amf0_decode_all(struct amf0_doc *doc, const uint8_t *p, size_t len);

/* Length of the value at p without storing it; same limits and codes. */
ssize_t amf0_skip(const uint8_t *p, size_t len, const struct amf0_limits *lim);

/* Tree navigation. Indexes are node positions; -1 means none. */
long amf0_first_child(const struct amf0_doc *doc, long i);
long amf0_next_sibling(const struct amf0_doc *doc, long i, long parent);
/* Child of object/ECMA array i whose key equals name, or -1. */
long amf0_get(const struct amf0_doc *doc, long i, const char *name);
/* Typed lookups: return 1 and set *out when key exists with that type. */
int amf0_get_number(const struct amf0_doc *doc, long i, const char *name,
		    double *out);
int amf0_get_string(const struct amf0_doc *doc, long i, const char *name,
		    struct rtmp_str *out);
int amf0_get_bool(const struct amf0_doc *doc, long i, const char *name,
		  int *out);

/* Encoders (see rtmp_err.h for the contract). */
uint8_t *amf0_put_number(uint8_t *p, uint8_t *end, double v);
uint8_t *amf0_put_bool(uint8_t *p, uint8_t *end, int v);
/* STRING, or LONG_STRING when len > 0xFFFF. */
uint8_t *amf0_put_string(uint8_t *p, uint8_t *end, const void *s, size_t len);
uint8_t *amf0_put_cstr(uint8_t *p, uint8_t *end, const char *s);
uint8_t *amf0_put_null(uint8_t *p, uint8_t *end);
uint8_t *amf0_put_undefined(uint8_t *p, uint8_t *end);
uint8_t *amf0_put_object_begin(uint8_t *p, uint8_t *end);
uint8_t *amf0_put_ecma_begin(uint8_t *p, uint8_t *end, uint32_t count);
uint8_t *amf0_put_strict_array_begin(uint8_t *p, uint8_t *end, uint32_t n);
/* A property name (UTF-8 without marker), used inside object/ECMA array. */
uint8_t *amf0_put_key(uint8_t *p, uint8_t *end, const char *name);
/* 00 00 09: closes an object or ECMA array. */
uint8_t *amf0_put_object_end(uint8_t *p, uint8_t *end);
uint8_t *amf0_put_date(uint8_t *p, uint8_t *end, double ms, int16_t tz);
/* Shorthands for key + value pairs. */
uint8_t *amf0_put_prop_number(uint8_t *p, uint8_t *end, const char *k,
			      double v);
uint8_t *amf0_put_prop_bool(uint8_t *p, uint8_t *end, const char *k, int v);
uint8_t *amf0_put_prop_cstr(uint8_t *p, uint8_t *end, const char *k,
			    const char *v);

/* Re-encode node i (and its subtree) of a decoded document. */
uint8_t *amf0_encode_value(uint8_t *p, uint8_t *end, const struct amf0_doc *doc,
			   long i);

/* "number", "object", ...: for printing. */
const char *amf0_type_name(uint8_t type);

#endif
