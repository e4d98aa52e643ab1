/* TLS records over a connection whose socket a plain bufferevent owns, as a
 * plain TCP one's does: the SSL (open, its handshake done) reads and writes
 * memory BIOs, so the ciphertext goes the plain TCP way (one read for all
 * that came, one write per loop turn for all that goes) and a record holds
 * every message of a turn. */
#ifndef UMSBC_TLS_STREAM_H
#define UMSBC_TLS_STREAM_H

#include <stddef.h>
#include <event2/buffer.h>
#include <openssl/ssl.h>

/* Gives ssl memory BIOs in place of its socket's. 0, or -1 out of memory. */
int tls_stream_attach(SSL *ssl);
/* Decrypts all of cipher (drained) onto plain. What OpenSSL has to send
 * back meanwhile (an alert, a key update) goes onto out. 0 when all is
 * read; 1 when the peer closed with close_notify; -1 on a TLS error, why
 * names it. */
int tls_stream_open(SSL *ssl, struct evbuffer *cipher, struct evbuffer *plain,
    struct evbuffer *out, char *why, size_t len);
/* Encrypts all of plain (drained) onto out. 0, or -1 on a TLS error. */
int tls_stream_seal(SSL *ssl, struct evbuffer *plain, struct evbuffer *out);

#endif
