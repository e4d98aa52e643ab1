/* The Hub Transport relay: the inside SMTP listener for the legacy UM
 * servers and, per client session, a STARTTLS + mutual TLS session to the
 * Hub Transport (hub_upstream.h), joined by the client session machine
 * (hub_session.h). Runs on one event_base (the daemon's core loop). */
#ifndef UMSBC_HUB_RELAY_H
#define UMSBC_HUB_RELAY_H

#include <stddef.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "conf.h"

struct hub_relay;

/* Listens on c->listen. client_ctx is the daemon's TLS client context (our
 * certificate, the trust store, SSL_VERIFY_PEER); the relay takes its own
 * reference. NULL with the reason in err (e.g. the address is in use). */
struct hub_relay *hub_relay_start(struct event_base *base, const struct hub_conf *c,
    SSL_CTX *client_ctx, char *err, size_t errlen);
/* New sessions use c and client_ctx; sessions in flight keep theirs. A new
 * listen address needs a restart (logged). c->enabled == 0 stops the relay. */
void hub_relay_reconf(struct hub_relay *r, const struct hub_conf *c, SSL_CTX *client_ctx);
/* Stops accepting; idle sessions get 421 now, busy ones at their next idle
 * point (the message in flight finishes first). */
void hub_relay_stop(struct hub_relay *r);
/* Sessions still open (after hub_stop: wait for 0, or give up and hub_free). */
int hub_relay_active(const struct hub_relay *r);
/* Closes everything at once. */
void hub_relay_free(struct hub_relay *r);

#endif
