/*
 * A fixed-size log-linear histogram of microsecond values (latency, time to
 * first keyframe): exact below 32 us, then 32 buckets per power of two (a
 * value is reported within 3 % of what was recorded), up to 2^40 us. About
 * 4.6 KB, whatever the number of samples. Should move to common/ if a second
 * tool needs percentiles.
 */
#ifndef RTMPPULL_HIST_H
#define RTMPPULL_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_POW      40
#define HIST_BUCKETS  (HIST_SUB + (HIST_POW - HIST_SUB_BITS) * HIST_SUB)

struct hist {
	uint64_t n, max;
	uint32_t b[HIST_BUCKETS];
};

void hist_clear(struct hist *h);
void hist_add(struct hist *h, uint64_t us);
/* Merge src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/* The q-quantile (0 < q <= 1) in microseconds; 0 when empty. */
double hist_quantile(const struct hist *h, double q);

#endif
