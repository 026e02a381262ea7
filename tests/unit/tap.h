/*
 * A small TAP harness for the unit tests: ok(), is_int(), done_testing().
 * Each test binary prints "ok N - name" / "not ok N - name" lines and exits
 * non-zero when any check failed, so ctest and prove both understand it.
 */
#ifndef RTMPKIT_TAP_H
#define RTMPKIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                           \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__))                          \
			printf("#   got %lld, want %lld\n", g_, w_);     \
	} while (0)

#define is_mem(got, want, n, ...) \
	ok(memcmp((got), (want), (n)) == 0, __VA_ARGS__)

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d checks failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

/* Copy into an exactly-sized heap block so ASan catches any over-read. */
static inline unsigned char *
tap_dup(const void *p, size_t n)
{
	unsigned char *q = malloc(n ? n : 1);

	if (q == NULL)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

#endif
