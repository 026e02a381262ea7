/*
 * TLS for RTMPS: OpenSSL contexts for clients and servers, and what a
 * connection negotiated (for rtmpprobe). Part of the I/O layer; compiled
 * only when the build found OpenSSL (RTMPKIT_TLS). Without it every
 * function reports that TLS is not built in.
 */
#ifndef RTMP_TLS_H
#define RTMP_TLS_H

#include <stddef.h>

#include <event2/bufferevent.h>

/* 1 when this build has TLS. */
int tls_available(void);

struct tls_client_opts {
	int insecure;	     /* skip certificate and host name checks */
	const char *ca_file; /* PEM bundle to trust instead of the system's */
};

/* An SSL_CTX for clients: TLS 1.2 or later, the system's CA store (or
 * ca_file), peer verification unless insecure. NULL with a message. */
void *tls_client_ctx_new(const struct tls_client_opts *o, char *err,
			 size_t errlen);
/* An SSL_CTX for a server from PEM files. NULL with a message. */
void *tls_server_ctx_new(const char *cert_file, const char *key_file, char *err,
			 size_t errlen);
void tls_ctx_free(void *ctx);

/*
 * A bufferevent over fd (-1 to connect later) speaking TLS: a client one
 * sends SNI for host and checks the certificate names host unless the
 * context is insecure; a server one accepts. NULL on failure.
 */
struct bufferevent *tls_bev_client(struct event_base *base, void *ctx,
				   const char *host, int insecure);
struct bufferevent *tls_bev_server(struct event_base *base, void *ctx, int fd);

struct tls_info {
	char version[16]; /* "TLSv1.3" */
	char cipher[64];
	char subject[256]; /* peer certificate, one line */
	char issuer[256];
	char not_after[32]; /* "2027-11-21 05:30:00 GMT" */
	int verified;	    /* the chain and host name checked out */
};

/* What the TLS connection under bev negotiated: 0, or -1 when it is not a
 * TLS bufferevent. */
int tls_info(struct bufferevent *bev, struct tls_info *ti);

/* Why a TLS bufferevent failed, e.g. "certificate verify failed:
 * self-signed certificate in certificate chain"; "" when unknown. */
void tls_error(struct bufferevent *bev, char *buf, size_t len);

#endif
