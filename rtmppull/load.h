/*
 * rtmppull -N: many players in one process and one event loop, for load
 * tests and benchmarks. Each player is a common/client.c conversation;
 * what is kept per player beyond it is a few counters (struct load_player).
 * Statistics are aggregated every interval and at the end.
 */
#ifndef RTMPPULL_LOAD_H
#define RTMPPULL_LOAD_H

#include <stdint.h>

/* Defaults and limits, each documented in rtmppull(1). */
#define LOAD_MAX_CONNECTIONS	 100000
#define LOAD_RAMP_DEFAULT	 200 /* connections started per second */
#define LOAD_RAMP_MAX		 100000
#define LOAD_INTERVAL_DEFAULT_MS 1000
#define LOAD_INTERVAL_MAX_MS	 3600000u
#define LOAD_WARMUP_DEFAULT_MS	 2000 /* after the last connection starts */
#define LOAD_BEHIND_DEFAULT_MS	 1000 /* lag growth that counts as behind */
#define LOAD_KEEPUP_RATIO	 0.98 /* of the bytes published in the window */
#define LOAD_INFLIGHT_MS \
	1000		   /* sends this close to the end are not
					 expected yet */
#define LOAD_FD_RESERVE 32 /* descriptors beyond one per player */
#define LOAD_TICK_MS	10 /* ramp, send-log polling */

struct load_opts {
	const char *url; /* may hold {i} */
	uint32_t n;
	double ramp;	      /* connections per second */
	uint64_t duration_ms; /* wall clock; 0 = until every player ends */
	uint64_t frames;      /* per player; 0 = no limit */
	uint64_t timeout_ms;  /* no data for a playing player; 0 = none */
	int step_timeout_ms;  /* each setup step; 0 = the client default */
	uint32_t buffer_ms;   /* SetBufferLength; 0 = the client default */
	uint64_t interval_ms; /* statistics; 0 = only the summary */
	uint64_t warmup_ms;
	uint64_t behind_ms;
	const char *latency_log; /* rtmppush --send-log file, or NULL */
	long server_pid;	 /* 0 = none */
	int insecure;		 /* rtmps://: no certificate checks */
	const char *ca_file;	 /* rtmps://: trust this PEM bundle */
	int json, quiet, verbose;
};

/* Run to the end; returns the exit code. */
int load_run(const struct load_opts *o);

#endif
