/*
 * The client side of an RTMP conversation, shared by rtmppush, rtmppull and
 * rtmpprobe: dial, handshake, connect, then
 *   publish: releaseStream, FCPublish, createStream, publish(name, "live")
 *            (the order ffmpeg and OBS use; some servers wait for them);
 *   play:    createStream, play(name, -1000) (ffmpeg's live mode, without
 *            getStreamLength), SetBufferLength;
 *   probe:   createStream only (a health check).
 * Refusals are classified once, here: an _error or an onStatus of level
 * "error" before the stream is ready is RK_EXIT_REFUSED with the server's
 * code and description; a failed dial or a lost connection RK_EXIT_CONNECT;
 * a malformed answer RK_EXIT_PROTOCOL; a step past its deadline
 * RK_EXIT_TIMEOUT naming the step.
 */
#ifndef RTMP_CLIENT_H
#define RTMP_CLIENT_H

#include "net.h"
#include "rtmp_url.h"

enum rtmp_client_mode {
	RTMP_CLIENT_PROBE,
	RTMP_CLIENT_PUBLISH,
	RTMP_CLIENT_PLAY,
};

enum rtmp_client_step {
	RTMP_STEP_TCP, /* dialling */
	RTMP_STEP_HANDSHAKE,
	RTMP_STEP_CONNECT, /* connect sent, waiting for _result */
	RTMP_STEP_CREATE_STREAM,
	RTMP_STEP_PUBLISH, /* publish sent, waiting for Publish.Start */
	RTMP_STEP_PLAY,	   /* play sent, waiting for Play.Start */
	RTMP_STEP_READY,   /* publishing / playing / probe done */
	RTMP_STEP_CLOSING,
};

#define RTMP_CLIENT_STEP_TIMEOUT_DEFAULT 10000 /* ms per step */
#define RTMP_CLIENT_BUFFER_MS_DEFAULT	 3000  /* SetBufferLength, as ffmpeg */
#define RTMP_CLIENT_FLASHVER_PUBLISH	 "FMLE/3.0 (compatible; rtmpkit)"
#define RTMP_CLIENT_FLASHVER_PLAY	 "LNX 9,0,124,2"

struct rtmp_client_cfg {
	enum rtmp_client_mode mode;
	struct rtmp_url url;
	const char *app;		/* override url.app (NULL = from URL) */
	const char *tcurl;		/* override url.tcurl */
	const char *flashver;		/* NULL = the default for the mode */
	const char *const *extra_props; /* name=value, see rtmp_msg.h */
	size_t nextra;
	int announce_fourcc;		/* send fourCcList (Enhanced RTMP) */
	const char *const *fourcc_list; /* NULL = av01 vp09 hvc1 avc1 Opus... */
	size_t nfourcc;
	uint32_t chunk_size; /* our chunk size, sent before connect; 0 = 128 */
	uint32_t buffer_ms;  /* play: SetBufferLength (0 = default) */
	int step_timeout_ms; /* 0 = default; -1 = none */
	struct sess_config sess;
	/* rtmps:// (tls.h): skip the certificate checks / trust this PEM
	 * bundle instead of the system's. A failed check ends the client with
	 * RK_EXIT_PROTOCOL and "certificate verify failed: ...". */
	int tls_insecure;
	const char *tls_ca_file;
};

struct rtmp_client;

struct rtmp_client_ops {
	/* Every session event, before the client acts on it (rtmpprobe). */
	void (*on_event)(struct rtmp_client *c, const struct sess_event *ev,
			 void *arg);
	/* A step began (rtmpprobe timing). */
	void (*on_step)(struct rtmp_client *c, enum rtmp_client_step step,
			void *arg);
	/* Publishing/playing started (or createStream answered, probe). */
	void (*on_ready)(struct rtmp_client *c, void *arg);
	/* Audio, video or data (onMetaData...) for the stream. */
	void (*on_media)(struct rtmp_client *c, const struct sess_event *ev,
			 void *arg);
	/* onStatus once ready (UnpublishNotify, Play.Stop...), and user
	 * control events for our stream (StreamEOF, StreamBegin...). */
	void (*on_status)(struct rtmp_client *c, const struct rtmp_status *st,
			  void *arg);
	void (*on_user_control)(struct rtmp_client *c,
				const struct rtmp_user_control *uc, void *arg);
	/* Output drained below the watermark set with rtmp_client_set_drain. */
	void (*on_drain)(struct rtmp_client *c, void *arg);
	/* Raw bytes as read (rtmpprobe -v). */
	void (*on_raw)(struct rtmp_client *c, const uint8_t *p, size_t n,
		       void *arg);
	/* Bytes as handed to the socket: everything we send, handshake and
	 * automatic acknowledgements included (rtmpprobe). */
	void (*on_send)(struct rtmp_client *c, const uint8_t *p, size_t n,
			void *arg);
	/*
	 * The conversation ended: code is an RK_EXIT_* value (0 after
	 * rtmp_client_stop), why a one-line reason, and for refusals the
	 * server's status. The client is freed right after this returns.
	 */
	void (*on_end)(struct rtmp_client *c, int code, const char *why,
		       const struct rtmp_status *st, void *arg);
};

struct rtmp_client {
	struct rtmp_client_cfg cfg;
	const struct rtmp_client_ops *ops;
	void *arg;
	struct event_base *base;
	struct net_conn *conn;
	enum rtmp_client_step step;
	double txid_connect, txid_create;
	uint32_t stream_id;
	char stream_name[RTMP_URL_MAX_STREAM + RTMP_URL_MAX_QUERY + 2];
	int ended;
	int in_cb;
	int free_pending;
	void *tls_ctx; /* rtmps:// */
	int stop_code; /* rtmp_client_stop's code and reason */
	char stop_why[128];
};

/* Dial and start. NULL with a message in err when the URL's host cannot be
 * resolved, TLS cannot be set up (no TLS in this build, a CA file that
 * cannot be read) or memory runs out. */
struct rtmp_client *rtmp_client_start(struct event_base *base,
				      const struct rtmp_client_cfg *cfg,
				      const struct rtmp_client_ops *ops,
				      void *arg, char *err, size_t errlen);

/* Publishing: a media or data message on our stream (csid 4 audio, 6 video,
 * 5 data). RTMP_OK or a negative code (LIMIT when the output is full). */
int rtmp_client_send(struct rtmp_client *c, uint8_t type, uint32_t timestamp,
		     const uint8_t *p, size_t n);
/* Output bytes not yet written to the socket. */
size_t rtmp_client_pending(const struct rtmp_client *c);
void rtmp_client_set_drain(struct rtmp_client *c, size_t below);
/*
 * End politely: a publisher sends FCUnpublish and deleteStream, a player
 * deleteStream; then the connection closes once that is written and
 * on_end(code, why) is called.
 */
void rtmp_client_stop(struct rtmp_client *c, int code, const char *why);
/* Abandon at once: on_end is called with code and why. */
void rtmp_client_abort(struct rtmp_client *c, int code, const char *why);

const char *rtmp_client_step_name(enum rtmp_client_step step);

/*
 * For the tools' option checks (exits, like cli.h): when u is rtmps://,
 * make sure TLS can be set up before dialling. A build without TLS is a
 * usage error (exit 2, naming url_str); a CA file or system store that
 * cannot be loaded exits 1 with the reason.
 */
void rtmp_client_tls_precheck(const struct rtmp_url *u, const char *url_str,
			      int insecure, const char *ca_file);

#endif
