/* Names of gateways and UM servers, resolved with libevent's evdns on the
 * core loop: SRV first (RFC 3263) when no port is given, then A and AAAA;
 * again when the records' TTL (held within dns.min_ttl..max_ttl) runs out,
 * or dns.retry s after a failure. Nothing here blocks.
 *
 * Results are written into the running config itself, so that admission and
 * routing read them as they read configured addresses: a UM server's host,
 * port, sa and addr[], a gateway's addr[] (and port, from SRV). What a name
 * resolved to is kept here by name, so a reload's new config gets it at once
 * and only then is resolved again. */
#ifndef UMSBC_RESOLVE_H
#define UMSBC_RESOLVE_H

#include <event2/buffer.h>
#include <event2/event.h>

#include "conf.h"
#include "confget.h"

/* The dns group of umsbc.conf into c->dns (conf_load). */
int resolve_conf_load(struct confget *g, config_t *lc, struct conf *c);

/* Whether s is a DNS name umsbcd can look up: labels of letters, digits,
 * '-' and '_', dot-separated, at most 253 characters. */
int resolve_name_valid(const char *s);

/* Starts the resolver on base for the names of c; -1 with err when evdns
 * cannot be set up. */
int resolve_start(struct event_base *base, struct conf *c, char *err, size_t errlen);
/* A new config is in use: its names get what is known of them now, and are
 * resolved again; names no longer in it are forgotten. */
void resolve_reconf(struct conf *c);
void resolve_stop(void);

/* Whether UM server u is at a (host only): its address or any resolved one. */
int resolve_um_at(const struct conf_um *u, const struct sockaddr *a);

/* " dns=NAME resolved=ADDR:PORT,... resolved_at=TIME ttl=S [dns_error=WHY]"
 * for a status line of a peer known by name; nothing for the others. */
void resolve_status_um(const struct conf *c, int um, struct evbuffer *out);
void resolve_status_gateway(const struct conf *c, int gw, struct evbuffer *out);

#endif
