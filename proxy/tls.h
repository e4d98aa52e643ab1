/* OpenSSL contexts for the outside: mutual TLS as server (gateways calling
 * in) and as client (calls out to gateways). */
#ifndef UMSBC_TLS_H
#define UMSBC_TLS_H

#include <openssl/ssl.h>

#include "conf.h"

struct tls_ctx {
	SSL_CTX *server;
	SSL_CTX *client;
	char in_use[768];	/* the certificate's description, for status */
};

/* Builds both contexts from the config's cert store and trust store. Logs the
 * certificate in use. Returns 0, or -1 with the reason in err. */
int tls_ctx_load(const struct conf *c, struct tls_ctx *t, char *err, size_t errlen);
void tls_ctx_free(struct tls_ctx *t);

#define TLS_MAX_NAMES 8
#define TLS_NAME_LEN 256
/* SAN dNSNames of the peer certificate, or its CN when it has none. */
int tls_peer_names(SSL *ssl, char names[][TLS_NAME_LEN], int max);

/* Why the last handshake on ssl failed, for the log. */
const char *tls_failure_reason(SSL *ssl, unsigned long err, char *buf, size_t len);

#endif
