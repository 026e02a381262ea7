#include <stdio.h>
#include <string.h>

#include "tls.h"

#ifdef RTMPKIT_TLS

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

int
tls_available(void)
{
	return 1;
}

static void
ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, e ? buf : "unknown error");
}

void *
tls_client_ctx_new(const struct tls_client_opts *o, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ssl_err(err, errlen, "TLS setup");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
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
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		ssl_err(err, errlen, cert_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
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

	if (ssl == NULL)
		return NULL;
	/* SNI only for names (RFC 6066 3: not for IP literals). */
	if (strchr(host, ':') == NULL &&
	    strspn(host, "0123456789.") != strlen(host))
		SSL_set_tlsext_host_name(ssl, host);
	if (!insecure && SSL_set1_host(ssl, host) != 1) {
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
		BIO *b = BIO_new(BIO_s_mem());

		x509_name(X509_get_subject_name(cert), ti->subject,
			  sizeof(ti->subject));
		x509_name(X509_get_issuer_name(cert), ti->issuer,
			  sizeof(ti->issuer));
		if (b && ASN1_TIME_print(b, X509_get0_notAfter(cert))) {
			char *p;
			long k = BIO_get_mem_data(b, &p);

			snprintf(ti->not_after, sizeof(ti->not_after), "%.*s",
				 (int)(k < 0 ? 0 : k), p);
		}
		BIO_free(b);
		X509_free(cert);
	}
	return 0;
}

void
tls_error(struct bufferevent *bev, char *buf, size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e = bufferevent_get_openssl_error(bev);
	char tmp[256] = "";

	buf[0] = '\0';
	if (ssl && SSL_get_verify_result(ssl) != X509_V_OK) {
		snprintf(
		    buf, len, "certificate verify failed: %s",
		    X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
		return;
	}
	if (e) {
		ERR_error_string_n(e, tmp, sizeof(tmp));
		snprintf(buf, len, "TLS error: %s", tmp);
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
