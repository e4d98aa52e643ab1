/* The Hub Transport relay (proxy/hub/) as the rest of the daemon sees it:
 * the inside SMTP listener for the legacy UM servers and, per session, a
 * STARTTLS + mutual TLS session to the Hub Transport. Its settings (the
 * hub_transport group) stay opaque here; the relay runs on one event_base
 * (the daemon's core loop). */
#ifndef UMSBC_HUB_H
#define UMSBC_HUB_H

#include <stddef.h>
#include <stdint.h>
#include <event2/event.h>
#include <libconfig.h>
#include <openssl/ssl.h>

struct hub_conf;
struct hub_relay;

/* Reads the hub_transport group of lc into a new hub_conf; without the
 * group the relay is off (hub_conf_enabled 0). NULL with "FILE:LINE:
 * reason" in err. The result holds copies: it outlives lc. */
struct hub_conf *hub_conf_new(const config_t *lc, char *err, size_t errlen);
void hub_conf_free(struct hub_conf *c);
/* Is there a hub_transport group? (NULL: no.) */
int hub_conf_enabled(const struct hub_conf *c);

/* File descriptors the relay may hold at once under c: two per session
 * (0 when off). */
long hub_relay_fds(const struct hub_conf *c);
/* Listens on c's inside address. client_ctx is the daemon's TLS client
 * context (our certificate, the trust store, SSL_VERIFY_PEER); the relay
 * takes its own reference. NULL with the reason in err (e.g. the address is
 * in use). */
struct hub_relay *hub_relay_start(struct event_base *base, const struct hub_conf *c,
    SSL_CTX *client_ctx, char *err, size_t errlen);
/* New sessions use c and client_ctx; sessions in flight keep theirs. A new
 * listen address needs a restart (logged). A disabled c stops the relay. */
void hub_relay_reconf(struct hub_relay *r, const struct hub_conf *c, SSL_CTX *client_ctx);
/* Stops accepting; idle sessions get 421 now, busy ones at their next idle
 * point (the message in flight finishes first). */
void hub_relay_stop(struct hub_relay *r);
/* Sessions still open (after hub_relay_stop: wait for 0, or give up and
 * hub_relay_free). */
int hub_relay_active(const struct hub_relay *r);
/* Closes everything at once. */
void hub_relay_free(struct hub_relay *r);

/* Messages whose end of data the Hub answered, by its reply: 2xx accepted,
 * 4xx tempfail, 5xx refused; counted where UMS4001/4002 are logged (every
 * session, since start; core thread). */
enum hub_outcome { HUB_MSG_ACCEPTED, HUB_MSG_TEMPFAIL, HUB_MSG_REFUSED, HUB_MSG_COUNT };
void hub_outcomes(uint64_t out[HUB_MSG_COUNT]);
const char *hub_outcome_name(enum hub_outcome o);

#endif
