#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char *prog = "rtmpkit";

void
cli_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	prog = slash ? slash + 1 : argv0;
}

const char *
cli_prog(void)
{
	return prog;
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	exit(RK_EXIT_USAGE);
}

uint64_t
cli_uint(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		cli_usage_error("%s: '%s' is not a whole number", opt,
				s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		cli_usage_error("%s: '%s' is not a whole number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		cli_usage_error("%s: %s is out of range (%llu to %llu)", opt, s,
				(unsigned long long)min,
				(unsigned long long)max);
	return v;
}

static double
parse_number(const char *opt, const char *s, char **end)
{
	double v;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t')
		cli_usage_error("%s: missing number", opt);
	errno = 0;
	v = strtod(s, end);
	if (*end == s || errno == ERANGE || !isfinite(v))
		cli_usage_error("%s: '%s' is not a number", opt, s);
	return v;
}

double
cli_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v = parse_number(opt, s, &end);

	if (*end != '\0')
		cli_usage_error("%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		cli_usage_error("%s: %s is out of range (%g to %g)", opt, s,
				min, max);
	return v;
}

uint64_t
cli_duration_ms(const char *opt, const char *s, uint64_t min_ms,
		uint64_t max_ms)
{
	char *end;
	double v = parse_number(opt, s, &end), mult;

	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60000;
	else if (strcmp(end, "h") == 0)
		mult = 3600000;
	else
		cli_usage_error("%s: '%s' is not a duration (e.g. 5, 1.5s, "
				"500ms, 2m)",
				opt, s);
	v *= mult;
	if (v < (double)min_ms || v > (double)max_ms)
		cli_usage_error("%s: %s is out of range (%llums to %llums)",
				opt, s, (unsigned long long)min_ms,
				(unsigned long long)max_ms);
	return (uint64_t)(v + 0.5);
}

uint64_t
cli_bytes(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	double v = parse_number(opt, s, &end), mult = 1;

	if (*end != '\0') {
		switch (*end) {
		case 'k':
		case 'K':
			mult = 1024.0;
			break;
		case 'm':
		case 'M':
			mult = 1024.0 * 1024;
			break;
		case 'g':
		case 'G':
			mult = 1024.0 * 1024 * 1024;
			break;
		default:
			cli_usage_error("%s: '%s' is not a size (e.g. 4096, "
					"64k, 2M)",
					opt, s);
		}
		if (end[1] != '\0' && !(end[1] == 'B' && end[2] == '\0') &&
		    !(end[1] == 'i' && end[2] == 'B' && end[3] == '\0'))
			cli_usage_error("%s: '%s' is not a size", opt, s);
	}
	v *= mult;
	if (v < (double)min || v > (double)max)
		cli_usage_error("%s: %s is out of range (%llu to %llu bytes)",
				opt, s, (unsigned long long)min,
				(unsigned long long)max);
	return (uint64_t)v;
}

void
cli_print_version(void)
{
	printf("%s (rtmpkit) %s\n", prog, RTMPKIT_VERSION);
}

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t k, i;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		k = 2, cp = p[0] & 0x1F;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		k = 3, cp = p[0] & 0x0F;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		k = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return k;
}

void
json_put_str(FILE *fp, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, k;

	fputc('"', fp);
	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fputc('\\', fp);
			fputc(c, fp);
			i++;
		} else if (c == '\n') {
			fputs("\\n", fp);
			i++;
		} else if (c == '\t') {
			fputs("\\t", fp);
			i++;
		} else if (c == '\r') {
			fputs("\\r", fp);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			fprintf(fp, "\\u%04x", c);
			i++;
		} else if ((k = utf8_len(p + i, n - i)) == 0) {
			/* Not UTF-8: keep the byte visible, stay valid JSON. */
			fprintf(fp, "\\u%04x", c);
			i++;
		} else {
			fwrite(p + i, 1, k, fp);
			i += k;
		}
	}
	fputc('"', fp);
}

void
json_put_cstr(FILE *fp, const char *s)
{
	json_put_str(fp, s, strlen(s));
}

uint64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

uint64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000;
}
