/*
 * Log-linear histogram, see hist.h.
 */
#include <string.h>

#include "hist.h"

void
hist_clear(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned
bucket_of(uint64_t v)
{
	unsigned p;

	if (v < HIST_SUB)
		return (unsigned)v;
	p = 63u - (unsigned)__builtin_clzll(v); /* floor(log2 v) >= 5 */
	if (p >= HIST_POW)
		return HIST_BUCKETS - 1;
	return HIST_SUB + (p - HIST_SUB_BITS) * HIST_SUB +
	       (unsigned)((v >> (p - HIST_SUB_BITS)) - HIST_SUB);
}

/* The middle of a bucket's range. */
static double
bucket_mid(unsigned i)
{
	unsigned p, sub;
	double lo, width;

	if (i < HIST_SUB)
		return (double)i;
	p = (i - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	sub = (i - HIST_SUB) % HIST_SUB;
	width = (double)(1ull << (p - HIST_SUB_BITS));
	lo = (double)(HIST_SUB + sub) * width;
	return lo + (width - 1) / 2;
}

void
hist_add(struct hist *h, uint64_t us)
{
	h->b[bucket_of(us)]++;
	h->n++;
	if (us > h->max)
		h->max = us;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->n += src->n;
	if (src->max > dst->max)
		dst->max = src->max;
}

double
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned i;
	double v;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->n + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bucket_mid(i);
			/* Never report more than was seen. */
			return v > (double)h->max ? (double)h->max : v;
		}
	}
	return (double)h->max;
}
