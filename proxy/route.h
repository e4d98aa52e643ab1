/* Routing decisions: which UM server, which gateway, whether a URI is us. */
#ifndef UMSBC_ROUTE_H
#define UMSBC_ROUTE_H

#include <sofia-sip/url.h>

#include "conf.h"

#define ROUTE_MAX_CANDIDATES 16

/* UM servers for a new request from gateway gw, in the order to try them:
 * round-robin over those of its dial plan that up() says are up, the rest
 * of them as failover. Returns the count, or -1 when there are servers but
 * none is up. */
int route_um_candidates(struct conf *c, int gw, int (*up)(int um), int *out, int max);

/* The gateway a URI host names: its fqdn, its name or one of its addresses. */
int route_gateway_by_host(const struct conf *c, const char *host);

/* The UM server at this address (any port when port is 0), or -1. */
int route_um_by_host(const struct conf *c, const char *host, uint16_t port);

/* Whether the URI points at one of our listeners (or our fqdn). */
int route_is_us(const struct conf *c, url_t const *u);

/* Transport named by ;transport= (or sips:), defaulting to dflt. */
enum transport route_uri_transport(url_t const *u, enum transport dflt);

/* The host part for our Via and Record-Route on a listener. */
const char *route_listen_host(const struct conf *c, const struct conf_listen *li);

#endif
