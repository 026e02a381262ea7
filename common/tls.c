#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tls.h"

#ifdef RTMPKIT_TLS

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* The build accepts OpenSSL 1.1.1 (CMakeLists.txt). */
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#define SSL_get1_peer_certificate SSL_get_peer_certificate
#endif

int
tls_available(void)
{
	return 1;
}

/* "what: reason" from the first queued error; the reason alone ("no
 * start line", "No such file or directory") reads better than
 * "error:0480006C:PEM routines::no start line". */
static void
ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	char buf[256];

#ifdef ERR_SYSTEM_ERROR
	/* OpenSSL 3: errno, e.g. a CA file that does not exist. */
	if (e && ERR_SYSTEM_ERROR(e))
		r = strerror(ERR_GET_REASON(e));
#endif
	if (r == NULL) {
		ERR_error_string_n(e, buf, sizeof(buf));
		r = e ? buf : "unknown error";
	}
	snprintf(err, errlen, "%s: %s", what, r);
	ERR_clear_error();
}

/* Never prompt on the terminal for a key's passphrase (a daemon has none):
 * an encrypted key fails to load instead. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* OpenSSL 3 reports a peer that closes without close_notify as an error
 * ("unexpected eof while reading"); most RTMPS peers do (ffmpeg, us), and
 * RTMP frames its own messages, so it is an ordinary end of stream. */
static void
ctx_common(SSL_CTX *ctx)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	/* TLS 1.2 renegotiation: a client could make the server redo the
	 * expensive part at will; nothing here needs it. */
#ifdef SSL_OP_NO_RENEGOTIATION
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
#endif
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
}

void *
tls_client_ctx_new(const struct tls_client_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ssl_err(err, errlen, "TLS setup");
		return NULL;
	}
	ctx_common(ctx);
	if (!o->insecure) {
		if (o->ca_file) {
			if (SSL_CTX_load_verify_locations(ctx, o->ca_file,
							  NULL) != 1) {
				ssl_err(err, errlen, o->ca_file);
				SSL_CTX_free(ctx);
				return NULL;
			}
		} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
			ssl_err(err, errlen, "system CA store");
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	return ctx;
}

void *
tls_server_ctx_new(const char *cert_file, const char *key_file, char *err,
		   size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		ssl_err(err, errlen, "TLS setup");
		return NULL;
	}
	ctx_common(ctx);
	/* No TLS 1.3 session tickets: librtmp with GnuTLS (rtmpdump) fails
	 * its handshake on them, and RTMP clients do not resume sessions. */
	SSL_CTX_set_num_tickets(ctx, 0);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		ssl_err(err, errlen, cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		/* OpenSSL 3 checks the pair here already. */
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			snprintf(err, errlen, "%s does not match %s", key_file,
				 cert_file);
			ERR_clear_error();
		} else
			ssl_err(err, errlen, key_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "%s does not match %s", key_file,
			 cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

void
tls_ctx_free(void *ctx)
{
	SSL_CTX_free(ctx);
}

struct bufferevent *
tls_bev_client(struct event_base *base, void *ctx, const char *host,
	       int insecure)
{
	SSL *ssl = SSL_new(ctx);
	struct bufferevent *bev;
	int ip = strchr(host, ':') != NULL ||
		 strspn(host, "0123456789.") == strlen(host);

	if (ssl == NULL)
		return NULL;
	/* SNI only for names (RFC 6066 3: not for IP literals). */
	if (!ip)
		SSL_set_tlsext_host_name(ssl, host);
	/* An IP literal is matched against the certificate's IP addresses
	 * (1.1.1's SSL_set1_host takes it for a name). */
	if (!insecure &&
	    (ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
		: SSL_set1_host(ssl, host)) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		SSL_free(ssl);
	else
		/* A peer that closes without close_notify is just EOF. */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

struct bufferevent *
tls_bev_server(struct event_base *base, void *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	struct bufferevent *bev;

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(
	    base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		SSL_free(ssl);
	else
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void
x509_name(X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	long k;
	char *p;

	buf[0] = '\0';
	if (b == NULL || n == NULL) {
		BIO_free(b);
		return;
	}
	X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	k = BIO_get_mem_data(b, &p);
	snprintf(buf, len, "%.*s", (int)(k < 0 ? 0 : k), p);
	BIO_free(b);
}

int
tls_info(struct bufferevent *bev, struct tls_info *ti)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *cert;

	memset(ti, 0, sizeof(*ti));
	if (ssl == NULL)
		return -1;
	snprintf(ti->version, sizeof(ti->version), "%s", SSL_get_version(ssl));
	snprintf(ti->cipher, sizeof(ti->cipher), "%s",
		 SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
	ti->verified = SSL_get_verify_result(ssl) == X509_V_OK &&
		       SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE;
	cert = SSL_get1_peer_certificate(ssl);
	if (cert) {
		struct tm tm;

		x509_name(X509_get_subject_name(cert), ti->subject,
			  sizeof(ti->subject));
		x509_name(X509_get_issuer_name(cert), ti->issuer,
			  sizeof(ti->issuer));
		/* The format tls.h promises, not ASN1_TIME_print's
		 * "Nov 21 05:30:00 2027 GMT". */
		if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1)
			strftime(ti->not_after, sizeof(ti->not_after),
				 "%Y-%m-%d %H:%M:%S GMT", &tm);
		X509_free(cert);
	}
	return 0;
}

void
tls_error(struct bufferevent *bev, char *buf, size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e;
	const char *r;
	char tmp[256] = "";

	buf[0] = '\0';
	if (ssl && SSL_get_verify_result(ssl) != X509_V_OK) {
		snprintf(
		    buf, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
		return;
	}
	/* libevent queues its SSL_ERROR_* code (library 0) next to OpenSSL's
	 * errors: alone, it means a socket error (refused, reset), which the
	 * caller reports as such. */
	while ((e = bufferevent_get_openssl_error(bev)) != 0) {
		if (ERR_GET_LIB(e) == 0)
			continue;
		r = ERR_reason_error_string(e);
		if (r == NULL) {
			ERR_error_string_n(e, tmp, sizeof(tmp));
			r = tmp;
		}
		snprintf(buf, len, "TLS error: %s", r);
		return;
	}
}

#else /* !RTMPKIT_TLS */

int
tls_available(void)
{
	return 0;
}

void *
tls_client_ctx_new(const struct tls_client_opts *o, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "this build has no TLS support (rebuild with "
		 "OpenSSL: apt-get install libssl-dev)");
	return NULL;
}

void *
tls_server_ctx_new(const char *cert_file, const char *key_file, char *err,
		   size_t errlen)
{
	return tls_client_ctx_new(NULL, err, errlen);
}

void
tls_ctx_free(void *ctx)
{
}

struct bufferevent *
tls_bev_client(struct event_base *base, void *ctx, const char *host,
	       int insecure)
{
	return NULL;
}

struct bufferevent *
tls_bev_server(struct event_base *base, void *ctx, int fd)
{
	return NULL;
}

int
tls_info(struct bufferevent *bev, struct tls_info *ti)
{
	memset(ti, 0, sizeof(*ti));
	return -1;
}

void
tls_error(struct bufferevent *bev, char *buf, size_t len)
{
	buf[0] = '\0';
}

#endif
