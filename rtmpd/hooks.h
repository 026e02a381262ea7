/*
 * HTTP hooks, like nginx-rtmp's on_publish / on_play / on_done: an
 * asynchronous POST (libevent's evhttp) with an
 * application/x-www-form-urlencoded body. For publish and play, a 2xx
 * answer allows; any other status, a connection error, or no answer
 * within the timeout denies. on_done is a notification whose answer is
 * ignored.
 *
 * Lifetime: the callback of a call is never run from inside evhttp or
 * from hooks_call() itself, but from the event loop, and never after
 * hooks_cancel(); so a connection that goes away cancels its call and is
 * not touched again.
 */
#ifndef RTMPD_HOOKS_H
#define RTMPD_HOOKS_H

#include <stdint.h>

#include <event2/event.h>

#define HOOKS_TIMEOUT_MS  5000	      /* --hook-timeout default */
#define HOOKS_MAX_BODY	  (64u << 10) /* answer body bytes read */
#define HOOKS_MAX_HEADERS (16u << 10) /* answer header bytes */
#define HOOKS_MAX_PENDING 1024	      /* calls in flight */

enum hook_kind { HOOK_PUBLISH, HOOK_PLAY, HOOK_DONE, HOOK_NKINDS };

/* The form fields; NULL strings are sent empty, role only for done. */
struct hook_fields {
	const char *app;
	const char *name;  /* stream name without query */
	const char *query; /* raw query after '?' ("" when none) */
	const char *addr;  /* peer IP, no port */
	const char *role;  /* done: "publish" or "play" */
	uint64_t clientid;
};

/*
 * allowed: 1 or 0; status: the HTTP status, 0 when there was none;
 * why: a short reason ("HTTP 403", "timed out", "connection failed").
 */
typedef void (*hook_cb)(void *arg, int allowed, int status, const char *why);

struct hooks;
struct hook_call;

struct hooks *hooks_new(struct event_base *base);
/* Set the URL for a kind: http://host[:port]/path[?query]. 0, or -1 with
 * a reason in err. */
int hooks_set_url(struct hooks *h, enum hook_kind kind, const char *url,
		  char *err, size_t errlen);
void hooks_set_timeout(struct hooks *h, uint32_t ms);
int hooks_enabled(const struct hooks *h, enum hook_kind kind);

/*
 * Start a call. cb (may be NULL for done) runs later, once, unless the call
 * is cancelled first. Returns NULL when the call cannot start (no URL for
 * kind, too many pending, out of memory): the caller decides at once.
 */
struct hook_call *hooks_call(struct hooks *h, enum hook_kind kind,
			     const struct hook_fields *f, hook_cb cb,
			     void *arg);
/* Abandon a call: its HTTP connection is closed and cb never runs. */
void hooks_cancel(struct hook_call *hc);
/* Calls in flight. */
size_t hooks_pending(const struct hooks *h);
/* Called (from the loop) each time the last call in flight finishes. */
void hooks_set_idle_cb(struct hooks *h, void (*cb)(void *), void *arg);
/* Cancel everything and free. */
void hooks_free(struct hooks *h);

#endif
