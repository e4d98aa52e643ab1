/* Routing decisions: the next hop of a request, which UM server, which
 * gateway, whether a URI is us. Core thread only. */
#ifndef UMSBC_ROUTE_H
#define UMSBC_ROUTE_H

#include <sofia-sip/sip.h>
#include <sofia-sip/url.h>

#include "conf.h"
#include "transport.h"

#define ROUTE_MAX_CANDIDATES 16

/* Where a request goes: one hop, or (a new request from a gateway) UM
 * servers in the order to try; or nowhere, with the answer to give. */
struct route_next {
	int status;			/* 0, or the answer: 4xx/5xx */
	const char *phrase;
	const char *extra;		/* header lines for that answer, or NULL */
	int gateway;			/* the request's gateway (from or to), -1 = none */
	int n_um;			/* > 0: these UM servers, else dest */
	int um[ROUTE_MAX_CANDIDATES];
	struct dest dest;
};

/* The next hop of request sip (our own Route entries popped already) that
 * came in on side, from gateway gw when outside. From a gateway: a new
 * request goes to its dial plan's UM servers that up() says are up, any
 * other to the UM server its Route or Request-URI names; from the inside:
 * to the gateway the Route or Request-URI names. */
void route_request(struct conf *c, enum side side, int gw, sip_t const *sip,
    int (*up)(int um), struct route_next *out);

/* The way to UM server u: its address, with the port and transport of uri
 * when given (TLS becomes TCP: the inside speaks plain SIP). 0, or -1
 * when it has no address. */
int route_um_dest(const struct conf_um *u, url_t const *uri, struct dest *d);

/* The way to gateway gw: to the address uri's host is, else to its first
 * address; unsecured over uri's transport (TLS becomes TCP), else TLS
 * verifying its fqdn, on the connection it last used. uri may be NULL.
 * 0, or -1 when it has no address. */
int route_gateway_dest(const struct conf *c, int gw, url_t const *uri, struct dest *d);

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
