/*
 * Conventions shared by every tool: exit codes, range-checked option
 * parsing, JSON string output. I/O layer (it writes to stderr/stdio).
 */
#ifndef RTMP_CLI_H
#define RTMP_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Exit codes, listed in every man page. */
enum rk_exit {
	RK_EXIT_OK = 0,
	RK_EXIT_FAIL = 1,     /* runtime or I/O failure */
	RK_EXIT_USAGE = 2,    /* bad command line */
	RK_EXIT_CONNECT = 3,  /* could not connect, or connection lost */
	RK_EXIT_PROTOCOL = 4, /* handshake or protocol error */
	RK_EXIT_REFUSED = 5,  /* connect/publish/play rejected by the peer */
	RK_EXIT_TIMEOUT = 6,  /* timed out */
	RK_EXIT_INPUT = 7,    /* invalid input file, or a check failed */
};

/* Program name for messages (basename of argv[0]). */
void cli_init(const char *argv0);
const char *cli_prog(void);

/* "prog: message" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "prog: message\nTry 'prog --help' for more information." and exit 2. */
void cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Parse an option value: a whole decimal number in [min, max]. On error it
 * calls cli_usage_error naming the option and the value, so a tool can
 * write `x = cli_uint("--timeout", optarg, 1, 3600);`.
 */
uint64_t cli_uint(const char *opt, const char *s, uint64_t min, uint64_t max);
/* A decimal number (fractions allowed) in [min, max]. */
double cli_double(const char *opt, const char *s, double min, double max);
/* A duration: seconds, with optional fraction and suffix ms/s/m/h
 * ("1.5", "500ms", "2m"), in milliseconds within [min_ms, max_ms]. */
uint64_t cli_duration_ms(const char *opt, const char *s, uint64_t min_ms,
			 uint64_t max_ms);
/* A byte count with optional suffix k/K/m/M/g/G (powers of 1024). */
uint64_t cli_bytes(const char *opt, const char *s, uint64_t min, uint64_t max);

/* "--version" output: "prog (rtmpkit) X.Y.Z". */
void cli_print_version(void);

/* JSON string literal of n bytes (quotes included), escaping control
 * characters and invalid UTF-8 bytes as \u00XX. */
void json_put_str(FILE *fp, const void *s, size_t n);
void json_put_cstr(FILE *fp, const char *s);

/* Monotonic and wall clocks in milliseconds / microseconds. */
uint64_t clock_mono_ms(void);
uint64_t clock_mono_us(void);
uint64_t clock_wall_ms(void);

#endif
