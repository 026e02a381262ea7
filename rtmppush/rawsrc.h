/* Raw H.264 / AAC sources; internal to source.c. */
#ifndef PUSH_RAWSRC_H
#define PUSH_RAWSRC_H

#include "source.h"

int raw_open(struct src *s, const struct src_opts *o,
	     const enum src_format f[2]);
int raw_next(struct src *s, struct push_msg *m);
int raw_rewind(struct src *s);
void raw_close(struct src *s);

/* Set s->err and s->err_code; returns SRC_ERROR. */
int src_fail(struct src *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
