/*
 * rtmppush -N: many publishers in one process and one event loop, for
 * load tests and benchmarks. The input is read into memory once; each
 * publisher replays it with its own clock (paced, looped, timestamps from
 * --start-ts), over its own common/client.c conversation, without
 * reconnecting.
 */
#ifndef PUSH_LOAD_H
#define PUSH_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Defaults and limits, each documented in rtmppush(1). */
#define PLOAD_MAX_CONNECTIONS	  100000
#define PLOAD_RAMP_DEFAULT	  200 /* connections started per second */
#define PLOAD_RAMP_MAX		  100000
#define PLOAD_INTERVAL_DEFAULT_MS 1000
#define PLOAD_INTERVAL_MAX_MS	  3600000u
#define PLOAD_MAX_INPUT		  (256u << 20) /* bytes of messages held */
#define PLOAD_FD_RESERVE	  32
#define PLOAD_TICK_MS		  10 /* ramp, send-log flushing */

struct pload_opts {
	const char *url; /* may hold {i} */
	uint32_t n;
	double ramp;
	uint64_t interval_ms; /* statistics; 0 = only the summary */
	double speed;	      /* 0 = as fast as the server reads */
	uint64_t loop;	      /* 0 = forever */
	uint32_t start_ts;
	uint64_t duration_ms; /* stream time per publisher; 0 = none */
	uint32_t chunk_size;
	uint64_t timeout_ms; /* setup steps and stalled output; 0 = none */
	size_t max_queue;
	size_t sess_max_out;
	const char *send_log;
	int insecure;
	const char *ca_file;
	int json, quiet, verbose;
};

/* Read the whole input from src (then closed by the caller), run, and
 * return the exit code. */
int pload_run(const struct pload_opts *o, struct src *src);

#endif
