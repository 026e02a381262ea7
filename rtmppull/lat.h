/*
 * Relay latency for load mode: match what players receive against the send
 * log a publisher writes (rtmppush --send-log), one text line per audio or
 * video message as it was fully handed to the publisher's socket:
 *
 *	SEND_US CRC32 TYPE SIZE STREAM
 *
 * SEND_US is CLOCK_MONOTONIC in microseconds (system-wide on one machine,
 * so both ends share the clock), CRC32 zlib's CRC-32 of the whole message
 * body in 8 hex digits, TYPE "audio" or "video", SIZE the body's bytes and
 * STREAM the stream name (without app and query). Lines starting with '#'
 * are comments. A CRC survives the relay's timestamp rebasing and chunking,
 * so a video message received by a player is matched to the newest record
 * of its stream with the same CRC sent no later than it was received and
 * at most LAT_HORIZON_US earlier. Audio records only count published bytes
 * (identical silent AAC frames would match anything).
 *
 * The stream-name table maps names to small indexes shared by players and
 * records. Memory is fixed: a ring of the last LAT_RING records and a hash
 * index over it.
 */
#ifndef RTMPPULL_LAT_H
#define RTMPPULL_LAT_H

#include <stddef.h>
#include <stdint.h>

#define LAT_RING_BITS	18 /* records kept: 262144 (~10 s of 1000 streams) */
#define LAT_HORIZON_US	5000000u /* older than this: not the same send */
#define LAT_PENDING_MAX 65536	 /* received, waiting for their record */
#define LAT_PENDING_US	1000000u /* then counted as unmatched */
/* A record stamped after the arrival: the publisher stamps once its write
 * returned, and may lose the CPU in between (to the player, on the same
 * machine). Up to this much later it is the same send, latency 0. */
#define LAT_SKEW_US    20000u
#define LAT_LINE_MAX   4096
#define LAT_READ_CHUNK 65536
#define LAT_TAIL_BYTES (16u << 20) /* of an existing log read at the start */

/* Names to indexes (open addressing). */
struct strtab {
	char **names;
	size_t n, cap;
	uint32_t *slots; /* index + 1; 0 = empty */
	size_t nslots;
};

/* The index of name, added when new: -1 when out of memory. */
int strtab_add(struct strtab *t, const char *name);
/* The index of the len bytes at name, or -1. */
int strtab_find(const struct strtab *t, const char *name, size_t len);
void strtab_free(struct strtab *t);

struct lat_rec {
	uint64_t seq,
	    next; /* this record's number; the previous in its chain */
	uint64_t t_us;
	uint32_t crc, stream;
};

struct lat_pend {
	uint64_t t_recv;
	void *who;
	uint32_t crc, stream, len;
};

struct lat {
	const char *path;
	int fd;		  /* -1 until the file exists */
	int skip_partial; /* opened mid-file: drop up to the first newline */
	char *buf;	  /* a line being read */
	size_t have;
	struct lat_rec *ring;
	uint64_t next_seq; /* from 1 */
	uint64_t *heads;   /* hash bucket -> newest record's seq */
	const struct strtab *streams;
	uint64_t *pub_bytes; /* per stream: audio + video bytes published */
	/* per stream: video bytes sent between t_from and t_cut (0 = not
	 * counting yet) */
	uint64_t *pub_vwin, t_from, t_cut;
	struct lat_pend *pend; /* grows up to LAT_PENDING_MAX */
	size_t npend, pend_cap;
	uint64_t records, bad_lines, unmatched;
	/* A received video message matched to its send record. */
	void (*on_match)(void *arg, void *who, uint64_t t_send, uint64_t t_recv,
			 uint32_t len);
	void *arg;
};

/* Open (or wait for) path; records for streams not in streams are only
 * skipped. -1 when out of memory. */
int lat_init(struct lat *l, const char *path, const struct strtab *streams,
	     void (*on_match)(void *arg, void *who, uint64_t t_send,
			      uint64_t t_recv, uint32_t len),
	     void *arg);
void lat_free(struct lat *l);
/* Read what the publisher appended, then retry the pending matches (those
 * older than LAT_PENDING_US become unmatched). */
void lat_poll(struct lat *l, uint64_t now_us);
/*
 * A video message of len bytes of stream with CRC crc was read whole at
 * t_recv by who: on_match(who, ...) now or, once its record is read, from
 * lat_poll.
 */
void lat_match(struct lat *l, uint32_t crc, uint32_t stream, uint64_t t_recv,
	       void *who, uint32_t len);

#endif
