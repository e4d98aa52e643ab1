/* OpenSSL contexts for the outside: mutual TLS as server (gateways calling
 * in) and as client (calls out to gateways). */
#ifndef UMSBC_TLS_H
#define UMSBC_TLS_H

#include <time.h>
#include <openssl/ssl.h>

struct conf;

struct tls_ctx {
	SSL_CTX *server;
	SSL_CTX *client;
	char in_use[768];	/* the certificate's description, for status */
	char thumbprint[41];	/* SHA-1 of the certificate in use */
	time_t not_after;	/* for the daily expiry check */
};

/* Builds both contexts from the certificate the store selects (the seeds'
 * order) and the trust store. previous is the thumbprint in use so far, ""
 * at start-up. At start-up a self-signed certificate is generated when none
 * is valid, and a store file that cannot be used is logged (UMS1009); with a
 * certificate in use, either fails instead (the caller keeps the running
 * contexts). Logs the certificate when it is taken into use or changes.
 * Returns 0, or -1 with the reason in err. */
int tls_ctx_load(const struct conf *c, const char *previous, struct tls_ctx *t, char *err,
    size_t errlen);
void tls_ctx_free(struct tls_ctx *t);

/* For umsbcd -t: what the stores hold, without generating anything. Writes
 * which certificate would be used (or that one would be generated), and a
 * warning line for a store file that cannot be used, into out. Returns -1
 * with err when the trust store is unusable. */
int tls_check(const struct conf *c, char *out, size_t outlen, char *err, size_t errlen);

#define TLS_MAX_NAMES 8
#define TLS_NAME_LEN 256
/* SAN dNSNames of the peer certificate, or its CN when it has none. */
int tls_peer_names(SSL *ssl, char names[][TLS_NAME_LEN], int max);

/* Why the last handshake on ssl failed, for the log. */
const char *tls_failure_reason(SSL *ssl, unsigned long err, char *buf, size_t len);

/* That reason (or the worker's "handshake timeout", "closed by peer during
 * the handshake") as one of a fixed set, for a counter label. */
enum tls_failure {
	TLS_FAIL_TIMEOUT,	/* tls.handshake_timeout */
	TLS_FAIL_CLOSED,	/* the peer closed or reset during the handshake */
	TLS_FAIL_NO_CERTIFICATE,	/* the peer sent no certificate */
	TLS_FAIL_CERTIFICATE,	/* a certificate did not verify, either way */
	TLS_FAIL_PROTOCOL,	/* no common version or cipher suite */
	TLS_FAIL_OTHER,
	TLS_FAIL_COUNT
};
enum tls_failure tls_failure_kind(const char *why);
const char *tls_failure_name(enum tls_failure f);

#endif
