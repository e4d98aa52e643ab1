/* The server side of a TLS handshake, driven on an event_base with plain
 * events: no bufferevent holds the SSL or the socket, so once the handshake
 * is done both can be handed to another thread's loop as they are. */
#ifndef UMSBC_TLS_HANDSHAKE_H
#define UMSBC_TLS_HANDSHAKE_H

#include <event2/event.h>
#include <openssl/ssl.h>

struct tls_handshake;

/* ok = 1: done, the SSL is open. ok = 0: failed or timed out, why says how
 * (in the words tls_failure_kind() sorts). Either way the handshake object
 * may be freed in the callback; the socket and the SSL stay the caller's. */
typedef void (*tls_handshake_fn)(int ok, const char *why, void *arg);

/* Starts accepting on fd with ssl (fresh from SSL_new); it must end within
 * seconds. NULL when out of memory. */
struct tls_handshake *tls_handshake_start(struct event_base *base, evutil_socket_t fd,
    SSL *ssl, int seconds, tls_handshake_fn done, void *arg);
/* Stops it; touches neither the socket nor the SSL. */
void tls_handshake_free(struct tls_handshake *hs);

#endif
