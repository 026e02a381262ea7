/*
 * Script data (onMetaData...) as an indented tree or as JSON. The body is
 * decoded into the bounded node storage (--amf-nodes); when it does not
 * fit, or nests deeper than the AMF0 depth limit, each member of a
 * top-level object is decoded on its own so that everything that fits is
 * still shown, and what does not is named with its size.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "amfwalk.h"
#include "cli.h"
#include "dumpflv.h"

#define STR_SHOWN   200 /* bytes of a long string shown in text mode */
#define TREE_INDENT 14

static void
limits(const struct df_ctx *c, struct amf0_limits *lim)
{
	lim->max_depth = AMF0_DEFAULT_MAX_DEPTH;
	/* Items are bounded by the node storage, not by a per-container
	 * count: a one-hour file has thousands of keyframes entries. */
	lim->max_items = c->o.amf_nodes;
}

ssize_t
df_amf_decode(struct df_ctx *c, const struct df_tag *t, struct amf0_doc *doc)
{
	struct amf0_limits lim;

	limits(c, &lim);
	amf0_doc_init(doc, c->nodes, c->o.amf_nodes, &lim);
	return amf0_decode_all(doc, t->data, t->tag.size);
}

static const char *
amf_reason(const struct df_ctx *c, int rc, char *buf, size_t n)
{
	if (rc == RTMP_ERR_NOSPACE || rc == RTMP_ERR_LIMIT)
		snprintf(buf, n,
			 "more values than the node storage holds "
			 "(--amf-nodes %u) or nested deeper than %u",
			 c->o.amf_nodes, AMF0_DEFAULT_MAX_DEPTH);
	else if (rc == RTMP_ERR_NEED_MORE)
		snprintf(buf, n, "cut short");
	else
		snprintf(buf, n, "%s", rtmp_strerror(rc));
	return buf;
}

/* ---- text ------------------------------------------------------------ */

static void
text_bytes(FILE *fp, const uint8_t *p, size_t n, int quote)
{
	size_t i;

	if (quote)
		fputc('"', fp);
	for (i = 0; i < n && i < STR_SHOWN; i++) {
		uint8_t ch = p[i];

		if (quote && (ch == '"' || ch == '\\'))
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "\\x%02x", ch);
		else
			fputc(ch, fp);
	}
	if (quote)
		fputc('"', fp);
	if (n > STR_SHOWN)
		fprintf(fp, "... (%zu bytes)", n);
}

static int
is_fourcc_number(double d)
{
	uint32_t u;
	int i;

	if (!(d >= 0x20202020 && d <= 0x7e7e7e7e) || d != floor(d))
		return 0;
	u = (uint32_t)d;
	for (i = 0; i < 4; i++) {
		uint8_t ch = (uint8_t)(u >> (8 * i));

		if (ch < 0x20 || ch > 0x7e)
			return 0;
	}
	return 1;
}

static void
text_scalar(FILE *fp, const struct amf0_value *v)
{
	char num[40];

	switch (v->type) {
	case AMF0_NUMBER:
		df_fmt_double(num, sizeof(num), v->u.num);
		fputs(num, fp);
		if (is_fourcc_number(v->u.num)) {
			char fcc[5];

			fprintf(fp, " (%s)",
				flv_fourcc_str((uint32_t)v->u.num, fcc));
		}
		break;
	case AMF0_BOOLEAN:
		fputs(v->u.boolean ? "true" : "false", fp);
		break;
	case AMF0_STRING:
	case AMF0_LONG_STRING:
		text_bytes(fp, v->u.str.p, v->u.str.len, 1);
		break;
	case AMF0_XML_DOCUMENT:
		fputs("xml ", fp);
		text_bytes(fp, v->u.str.p, v->u.str.len, 1);
		break;
	case AMF0_DATE:
		df_fmt_double(num, sizeof(num), v->u.date.ms);
		fprintf(fp, "date %s ms tz %d", num, v->u.date.tz);
		break;
	default:
		fputs(amf0_type_name(v->type), fp);
		break;
	}
}

static int
is_container(uint8_t type)
{
	return type == AMF0_OBJECT || type == AMF0_ECMA_ARRAY ||
	       type == AMF0_STRICT_ARRAY;
}

static void
text_label(FILE *fp, int depth, const struct rtmp_str *key, long idx)
{
	fprintf(fp, "%*s", TREE_INDENT + 2 * depth, "");
	if (key != NULL) {
		text_bytes(fp, key->p, key->len, 0);
		fputs(" = ", fp);
	} else if (idx >= 0) {
		fprintf(fp, "[%ld] = ", idx);
	}
}

static void
text_node(struct df_ctx *c, const struct amf0_doc *d, long i, int depth,
	  const struct rtmp_str *key, long idx)
{
	FILE *fp = c->out;
	const struct amf0_value *v = &d->v[i];
	long j;
	uint32_t k, shown;

	text_label(fp, depth, key, idx);
	if (!is_container(v->type)) {
		text_scalar(fp, v);
		fputc('\n', fp);
		return;
	}
	fprintf(fp, "%s[%u]", amf0_type_name(v->type), v->u.c.count);
	if (v->type != AMF0_OBJECT && v->u.c.declared != v->u.c.count)
		fprintf(fp, " (declared %u)", v->u.c.declared);
	fputc('\n', fp);
	shown = v->u.c.count;
	if (v->type == AMF0_STRICT_ARRAY && c->o.verbose == 0 &&
	    shown > DF_PRINT_ITEMS)
		shown = DF_PRINT_ITEMS;
	for (j = amf0_first_child(d, i), k = 0; j >= 0 && k < shown;
	     j = amf0_next_sibling(d, j, i), k++) {
		if (v->type == AMF0_STRICT_ARRAY)
			text_node(c, d, j, depth + 1, NULL, (long)k);
		else
			text_node(c, d, j, depth + 1, &d->v[j].key, -1);
	}
	if (shown < v->u.c.count)
		fprintf(fp, "%*s... %u more\n", TREE_INDENT + 2 * depth + 2, "",
			v->u.c.count - shown);
}

/* Decode one value at p into the node storage; bytes consumed or error. */
static ssize_t
decode_one(struct df_ctx *c, struct amf0_doc *doc, const uint8_t *p, size_t len)
{
	struct amf0_limits lim;

	limits(c, &lim);
	amf0_doc_init(doc, c->nodes, c->o.amf_nodes, &lim);
	return amf0_decode(doc, p, len);
}

/*
 * Emit the members of the container at p one by one (text or JSON). Returns
 * bytes consumed or a negative code; *omitted counts members left out.
 */
static ssize_t walk_container(struct df_ctx *c, const uint8_t *p, size_t len,
			      int depth, int json, uint64_t *omitted, char *err,
			      size_t errlen);

static void json_node(struct df_ctx *c, const struct amf0_doc *d, long i);

static ssize_t
walk_container(struct df_ctx *c, const uint8_t *p, size_t len, int depth,
	       int json, uint64_t *omitted, char *err, size_t errlen)
{
	struct amf0_limits lim = {AMF0_DEFAULT_MAX_DEPTH, 0xFFFFFFFFu};
	struct amf0_walk w;
	struct rtmp_str key;
	const uint8_t *v;
	size_t vlen;
	int rc, first = 1;
	char why[128];

	rc = amf0_walk_begin(&w, p, len, &lim);
	if (rc != RTMP_OK)
		return rc;
	if (json)
		fputc('{', c->out);
	else
		fprintf(c->out, "%*s%s (partial)\n", TREE_INDENT + 2 * depth,
			"", amf0_type_name(p[0]));
	while ((rc = amf0_walk_next(&w, &key, &v, &vlen)) == 1) {
		struct amf0_doc doc;
		ssize_t n = decode_one(c, &doc, v, vlen);

		if (n >= 0) {
			if (json) {
				if (!first)
					fputc(',', c->out);
				json_put_str(c->out, key.p, key.len);
				fputc(':', c->out);
				json_node(c, &doc, 0);
			} else {
				text_node(c, &doc, 0, depth + 1, &key, -1);
			}
			first = 0;
			continue;
		}
		(*omitted)++;
		if (!json) {
			text_label(c->out, depth + 1, &key, -1);
			fprintf(c->out, "%s, %zu bytes, not shown: %s\n",
				amf0_type_name(v[0]), vlen,
				amf_reason(c, (int)n, why, sizeof(why)));
		}
	}
	if (json)
		fputc('}', c->out);
	if (rc < 0) {
		snprintf(err, errlen, "member at byte %zu: %s", (size_t)(v - p),
			 amf_reason(c, rc, why, sizeof(why)));
		return rc;
	}
	return (ssize_t)w.pos;
}

/* Name of the script tag: its first value when that is a string. */
static int
script_name(struct df_ctx *c, const struct df_tag *t, struct rtmp_str *name,
	    size_t *used)
{
	struct amf0_doc doc;
	ssize_t n = decode_one(c, &doc, t->data, t->tag.size);

	if (n < 0 ||
	    (doc.v[0].type != AMF0_STRING && doc.v[0].type != AMF0_LONG_STRING))
		return 0;
	*name = doc.v[0].u.str;
	*used = (size_t)n;
	return 1;
}

void
df_amf_text(struct df_ctx *c, const struct df_tag *t)
{
	struct amf0_doc doc;
	struct rtmp_str name;
	size_t used = 0, pos;
	ssize_t n;
	long i;
	uint64_t omitted = 0;
	char err[200], why[128];

	if (script_name(c, t, &name, &used)) {
		fputs("  name=", c->out);
		text_bytes(c->out, name.p, name.len, 0);
	}
	fputc('\n', c->out);
	n = df_amf_decode(c, t, &doc);
	if (n >= 0) {
		for (i = 0; i >= 0 && (size_t)i < doc.n; i += doc.v[i].span) {
			if (i == 0 && used > 0)
				continue;
			text_node(c, &doc, i, 0, NULL, -1);
		}
		return;
	}
	/* Fallback: value by value, members of big containers one by one. */
	for (pos = used; pos < t->tag.size;) {
		const uint8_t *p = t->data + pos;
		size_t left = t->tag.size - pos;

		n = decode_one(c, &doc, p, left);
		if (n >= 0) {
			text_node(c, &doc, 0, 0, NULL, -1);
			pos += (size_t)n;
			continue;
		}
		if ((n == RTMP_ERR_NOSPACE || n == RTMP_ERR_LIMIT) &&
		    (p[0] == AMF0_OBJECT || p[0] == AMF0_ECMA_ARRAY)) {
			n = walk_container(c, p, left, 0, 0, &omitted, err,
					   sizeof(err));
			if (n >= 0) {
				pos += (size_t)n;
				continue;
			}
		} else {
			snprintf(err, sizeof(err), "%s",
				 amf_reason(c, (int)n, why, sizeof(why)));
		}
		fprintf(c->out, "%*sAMF0 error at body byte %zu: %s\n",
			TREE_INDENT, "", pos, err);
		return;
	}
}

/* ---- JSON ------------------------------------------------------------ */

static void
json_node(struct df_ctx *c, const struct amf0_doc *d, long i)
{
	FILE *fp = c->out;
	const struct amf0_value *v = &d->v[i];
	char num[40];
	long j;
	int first = 1;

	switch (v->type) {
	case AMF0_NUMBER:
	case AMF0_DATE: {
		double x = v->type == AMF0_NUMBER ? v->u.num : v->u.date.ms;

		if (isnan(x) || isinf(x)) {
			fputs("null", fp);
		} else {
			df_fmt_double(num, sizeof(num), x);
			fputs(num, fp);
		}
		return;
	}
	case AMF0_BOOLEAN:
		fputs(v->u.boolean ? "true" : "false", fp);
		return;
	case AMF0_STRING:
	case AMF0_LONG_STRING:
	case AMF0_XML_DOCUMENT:
		json_put_str(fp, v->u.str.p, v->u.str.len);
		return;
	case AMF0_OBJECT:
	case AMF0_ECMA_ARRAY:
	case AMF0_STRICT_ARRAY:
		break;
	default:
		fputs("null", fp);
		return;
	}
	fputc(v->type == AMF0_STRICT_ARRAY ? '[' : '{', fp);
	for (j = amf0_first_child(d, i); j >= 0;
	     j = amf0_next_sibling(d, j, i)) {
		if (!first)
			fputc(',', fp);
		first = 0;
		if (v->type != AMF0_STRICT_ARRAY) {
			json_put_str(fp, d->v[j].key.p, d->v[j].key.len);
			fputc(':', fp);
		}
		json_node(c, d, j);
	}
	fputc(v->type == AMF0_STRICT_ARRAY ? ']' : '}', fp);
}

void
df_amf_json(struct df_ctx *c, const struct df_tag *t)
{
	FILE *fp = c->out;
	struct amf0_doc doc;
	struct rtmp_str name;
	size_t used = 0, pos;
	ssize_t n;
	long i;
	int first = 1;
	uint64_t omitted = 0;
	char err[200] = "", why[128];

	fputs(",\"name\":", fp);
	if (script_name(c, t, &name, &used))
		json_put_str(fp, name.p, name.len);
	else
		fputs("null", fp);
	fputs(",\"args\":[", fp);
	n = df_amf_decode(c, t, &doc);
	if (n >= 0) {
		for (i = 0; i >= 0 && (size_t)i < doc.n; i += doc.v[i].span) {
			if (i == 0 && used > 0)
				continue;
			if (!first)
				fputc(',', fp);
			first = 0;
			json_node(c, &doc, i);
		}
		fputs("],\"omitted\":0,\"amf_error\":null", fp);
		return;
	}
	for (pos = used; pos < t->tag.size;) {
		const uint8_t *p = t->data + pos;
		size_t left = t->tag.size - pos;

		n = decode_one(c, &doc, p, left);
		if (n >= 0) {
			if (!first)
				fputc(',', fp);
			first = 0;
			json_node(c, &doc, 0);
			pos += (size_t)n;
			continue;
		}
		if ((n == RTMP_ERR_NOSPACE || n == RTMP_ERR_LIMIT) &&
		    (p[0] == AMF0_OBJECT || p[0] == AMF0_ECMA_ARRAY)) {
			if (!first)
				fputc(',', fp);
			first = 0;
			n = walk_container(c, p, left, 0, 1, &omitted, err,
					   sizeof(err));
			if (n >= 0) {
				pos += (size_t)n;
				continue;
			}
		} else {
			snprintf(err, sizeof(err), "%s",
				 amf_reason(c, (int)n, why, sizeof(why)));
		}
		snprintf(why, sizeof(why), "at body byte %zu: ", pos);
		break;
	}
	fprintf(fp, "],\"omitted\":%llu,\"amf_error\":",
		(unsigned long long)omitted);
	if (err[0] != '\0') {
		char msg[340];

		snprintf(msg, sizeof(msg), "%s%s", why, err);
		json_put_cstr(fp, msg);
	} else if (omitted > 0) {
		json_put_cstr(
		    fp, amf_reason(c, RTMP_ERR_NOSPACE, why, sizeof(why)));
	} else {
		fputs("null", fp);
	}
}
