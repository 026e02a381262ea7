/*
 * HTTP hooks over libevent's evhttp (see hooks.h).
 *
 * One HTTP connection per call ("Connection: close"): hooks are rare next
 * to media, and a fresh connection per call cannot mix two answers up.
 * Each call has one timer. It first serves as the deadline; when evhttp
 * reports the answer (or an error), the timer is made active instead, and
 * its callback delivers the result from the event loop. So evhttp's
 * connection is only ever freed from our own callbacks, never from inside
 * evhttp's (where freeing it is unsafe), and the owner's callback never
 * runs re-entrantly from hooks_call().
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cli.h"
#include "hooks.h"
#include "log.h"

struct hook_url {
	char *host;	/* to connect to: no brackets */
	char *host_hdr; /* Host header */
	char *path;	/* path[?query] */
	uint16_t port;
	int numeric; /* no DNS needed */
};

struct hooks {
	struct event_base *base;
	struct evdns_base *dns; /* only when a host is a name */
	struct hook_url url[HOOK_NKINDS];
	int set[HOOK_NKINDS];
	struct timeval timeout;
	struct timeval io_timeout; /* timeout + 1 s */
	struct hook_call *calls;   /* in flight (doubly linked) */
	size_t npending;
	void (*idle_cb)(void *);
	void *idle_arg;
};

enum call_state { CALL_PENDING, CALL_ANSWERED };

struct hook_call {
	struct hook_call *prev, *next;
	struct hooks *h;
	enum hook_kind kind;
	enum call_state state;
	struct evhttp_connection *evcon;
	struct event *ev; /* the deadline, then the result delivery */
	int status;	  /* HTTP status, 0 none */
	int error;	  /* evhttp_request_error + 1, 0 none */
	uint64_t clientid;
	uint64_t t0;
	hook_cb cb;
	void *arg;
};

static const char *const kind_name[HOOK_NKINDS] = {"publish", "play", "done"};

struct hooks *
hooks_new(struct event_base *base)
{
	struct hooks *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->base = base;
	hooks_set_timeout(h, HOOKS_TIMEOUT_MS);
	return h;
}

void
hooks_set_timeout(struct hooks *h, uint32_t ms)
{
	h->timeout.tv_sec = ms / 1000;
	h->timeout.tv_usec = (ms % 1000) * 1000;
	h->io_timeout = h->timeout;
	h->io_timeout.tv_sec += 1;
}

int
hooks_enabled(const struct hooks *h, enum hook_kind kind)
{
	return h != NULL && h->set[kind];
}

static void
url_clear(struct hook_url *u)
{
	free(u->host);
	free(u->host_hdr);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

int
hooks_set_url(struct hooks *h, enum hook_kind kind, const char *url, char *err,
	      size_t errlen)
{
	struct evhttp_uri *uri = evhttp_uri_parse(url);
	struct hook_url u;
	const char *scheme, *host, *path, *query;
	unsigned char tmp[16];
	size_t hlen;
	int port;

	memset(&u, 0, sizeof(u));
	if (uri == NULL) {
		snprintf(err, errlen, "'%s' is not a URL", url);
		return -1;
	}
	scheme = evhttp_uri_get_scheme(uri);
	host = evhttp_uri_get_host(uri);
	port = evhttp_uri_get_port(uri);
	if (scheme == NULL || strcasecmp(scheme, "http") != 0) {
		snprintf(err, errlen,
			 "'%s' is not an http:// URL (https is not supported "
			 "for hooks)",
			 url);
		goto fail;
	}
	if (host == NULL || host[0] == '\0' ||
	    evhttp_uri_get_userinfo(uri) != NULL || port == 0) {
		snprintf(err, errlen,
			 "'%s' needs a host (and no user), as in "
			 "http://127.0.0.1:8080/auth",
			 url);
		goto fail;
	}
	hlen = strlen(host);
	if (host[0] == '[' && hlen > 2) {
		u.host = strndup(host + 1, hlen - 2);
	} else {
		u.host = strdup(host);
	}
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	if (path == NULL || path[0] == '\0')
		path = "/";
	u.port = port < 0 ? 80 : (uint16_t)port;
	u.host_hdr = malloc(hlen + 8);
	u.path = malloc(strlen(path) + (query ? strlen(query) + 2 : 1));
	if (u.host == NULL || u.host_hdr == NULL || u.path == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (u.port == 80)
		snprintf(u.host_hdr, hlen + 8, "%s", host);
	else
		snprintf(u.host_hdr, hlen + 8, "%s:%u", host, u.port);
	strcpy(u.path, path);
	if (query) {
		strcat(u.path, "?");
		strcat(u.path, query);
	}
	u.numeric = inet_pton(AF_INET, u.host, tmp) == 1 ||
		    inet_pton(AF_INET6, u.host, tmp) == 1;
	if (!u.numeric && h->dns == NULL) {
		/* Asynchronous resolution: a slow DNS server must not
		 * stall the relay (evdns reads resolv.conf and hosts). */
		h->dns =
		    evdns_base_new(h->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (h->dns == NULL) {
			snprintf(err, errlen,
				 "cannot set up name resolution for '%s'", url);
			goto fail;
		}
	}
	evhttp_uri_free(uri);
	url_clear(&h->url[kind]);
	h->url[kind] = u;
	h->set[kind] = 1;
	return 0;
fail:
	url_clear(&u);
	evhttp_uri_free(uri);
	return -1;
}

size_t
hooks_pending(const struct hooks *h)
{
	return h ? h->npending : 0;
}

void
hooks_set_idle_cb(struct hooks *h, void (*cb)(void *), void *arg)
{
	h->idle_cb = cb;
	h->idle_arg = arg;
}

static void
call_unlink_free(struct hook_call *hc)
{
	struct hooks *h = hc->h;

	if (hc->prev)
		hc->prev->next = hc->next;
	else
		h->calls = hc->next;
	if (hc->next)
		hc->next->prev = hc->prev;
	h->npending--;
	/* Outside evhttp's callbacks (see the top of this file). */
	if (hc->evcon)
		evhttp_connection_free(hc->evcon);
	if (hc->ev)
		event_free(hc->ev);
	free(hc);
}

static const char *
error_text(int error)
{
	switch (error - 1) {
	case EVREQ_HTTP_TIMEOUT:
		return "timed out";
	case EVREQ_HTTP_EOF:
		return "connection closed before an answer";
	case EVREQ_HTTP_INVALID_HEADER:
		return "invalid HTTP answer";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "connection failed";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "answer too long";
	default:
		return "connection failed";
	}
}

/* The deadline fired, or the answer is in: deliver. */
static void
call_fire(evutil_socket_t fd, short what, void *arg)
{
	struct hook_call *hc = arg;
	struct hooks *h = hc->h;
	hook_cb cb = hc->cb;
	void *cb_arg = hc->arg;
	char why[64];
	int allowed, status = 0;
	enum log_level lvl;

	if (hc->state == CALL_PENDING) {
		snprintf(why, sizeof(why), "timed out");
		allowed = 0;
		lvl = LOG_WARN;
	} else if (hc->status > 0) {
		status = hc->status;
		snprintf(why, sizeof(why), "HTTP %d", status);
		allowed = status >= 200 && status <= 299;
		lvl = hc->kind == HOOK_DONE && allowed ? LOG_DEBUG : LOG_INFO;
	} else {
		snprintf(why, sizeof(why), "%s", error_text(hc->error));
		allowed = 0;
		lvl = LOG_WARN;
	}
	LOG_EV(lvl, "hook", LKV_S("call", kind_name[hc->kind]),
	       LKV_U("id", hc->clientid), LKV_I("status", status),
	       LKV_S("result", hc->kind == HOOK_DONE ? "sent"
			       : allowed	     ? "allow"
						     : "deny"),
	       LKV_S("reason", why),
	       LKV_U("duration_ms", clock_mono_ms() - hc->t0));
	call_unlink_free(hc);
	if (cb)
		cb(cb_arg, allowed, status, why);
	if (h->npending == 0 && h->idle_cb)
		h->idle_cb(h->idle_arg);
}

/* From evhttp (maybe from inside evhttp_make_request): only record. */
static void
req_done(struct evhttp_request *req, void *arg)
{
	struct hook_call *hc = arg;

	hc->status = req ? evhttp_request_get_response_code(req) : 0;
	hc->state = CALL_ANSWERED;
	event_del(hc->ev);
	event_active(hc->ev, EV_TIMEOUT, 1);
}

static void
req_error(enum evhttp_request_error e, void *arg)
{
	struct hook_call *hc = arg;

	hc->error = (int)e + 1;
}

static int
add_field(struct evbuffer *b, const char *name, const char *val, int first)
{
	char *enc = evhttp_uriencode(val ? val : "", -1, 1);
	int rc;

	if (enc == NULL)
		return -1;
	rc = evbuffer_add_printf(b, "%s%s=%s", first ? "" : "&", name, enc);
	free(enc);
	return rc < 0 ? -1 : 0;
}

static int
build_body(struct evbuffer *b, enum hook_kind kind, const struct hook_fields *f)
{
	char id[24];

	snprintf(id, sizeof(id), "%llu", (unsigned long long)f->clientid);
	/* nginx-rtmp's field names, so its hook scripts work unchanged. */
	if (add_field(b, "call", kind_name[kind], 1) < 0 ||
	    add_field(b, "app", f->app, 0) < 0 ||
	    add_field(b, "name", f->name, 0) < 0 ||
	    add_field(b, "query", f->query, 0) < 0 ||
	    add_field(b, "addr", f->addr, 0) < 0 ||
	    add_field(b, "clientid", id, 0) < 0)
		return -1;
	if (kind == HOOK_DONE && add_field(b, "role", f->role, 0) < 0)
		return -1;
	return 0;
}

struct hook_call *
hooks_call(struct hooks *h, enum hook_kind kind, const struct hook_fields *f,
	   hook_cb cb, void *arg)
{
	const struct hook_url *u;
	struct hook_call *hc;
	struct evhttp_request *req;
	struct evkeyvalq *hdr;

	if (!hooks_enabled(h, kind) || h->npending >= HOOKS_MAX_PENDING)
		return NULL;
	u = &h->url[kind];
	hc = calloc(1, sizeof(*hc));
	if (hc == NULL)
		return NULL;
	hc->h = h;
	hc->kind = kind;
	hc->cb = cb;
	hc->arg = arg;
	hc->clientid = f->clientid;
	hc->t0 = clock_mono_ms();
	hc->next = h->calls;
	if (h->calls)
		h->calls->prev = hc;
	h->calls = hc;
	h->npending++;
	hc->ev = evtimer_new(h->base, call_fire, hc);
	hc->evcon = evhttp_connection_base_new(
	    h->base, u->numeric ? NULL : h->dns, u->host, u->port);
	req = evhttp_request_new(req_done, hc);
	if (hc->ev == NULL || hc->evcon == NULL || req == NULL)
		goto fail;
	/* evhttp's own timeout (45 s by default) only backs ours up. */
	evhttp_connection_set_timeout_tv(hc->evcon, &h->io_timeout);
	evhttp_connection_set_max_body_size(hc->evcon, HOOKS_MAX_BODY);
	evhttp_connection_set_max_headers_size(hc->evcon, HOOKS_MAX_HEADERS);
	evhttp_request_set_error_cb(req, req_error);
	hdr = evhttp_request_get_output_headers(req);
	if (evhttp_add_header(hdr, "Host", u->host_hdr) != 0 ||
	    evhttp_add_header(hdr, "Content-Type",
			      "application/x-www-form-urlencoded") != 0 ||
	    evhttp_add_header(hdr, "Connection", "close") != 0 ||
	    evhttp_add_header(hdr, "User-Agent",
			      "rtmpd (rtmpkit) " RTMPKIT_VERSION) != 0 ||
	    build_body(evhttp_request_get_output_buffer(req), kind, f) < 0)
		goto fail;
	evtimer_add(hc->ev, &h->timeout);
	if (evhttp_make_request(hc->evcon, req, EVHTTP_REQ_POST, u->path) !=
	    0) {
		/* evhttp has disposed of req. */
		req = NULL;
		goto fail;
	}
	return hc;
fail:
	if (req)
		evhttp_request_free(req);
	LOG_EV(LOG_WARN, "hook", LKV_S("call", kind_name[kind]),
	       LKV_U("id", f->clientid), LKV_S("reason", "cannot start"));
	call_unlink_free(hc);
	return NULL;
}

void
hooks_cancel(struct hook_call *hc)
{
	if (hc == NULL)
		return;
	LOG_EV(LOG_DEBUG, "hook_cancel", LKV_S("call", kind_name[hc->kind]),
	       LKV_U("id", hc->clientid));
	call_unlink_free(hc);
}

void
hooks_free(struct hooks *h)
{
	int i;

	if (h == NULL)
		return;
	while (h->calls)
		call_unlink_free(h->calls);
	for (i = 0; i < HOOK_NKINDS; i++)
		url_clear(&h->url[i]);
	if (h->dns)
		evdns_base_free(h->dns, 1);
	free(h);
}
