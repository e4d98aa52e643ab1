#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "route.h"
#include "resolve.h"

int
route_um_candidates(struct conf *c, int gw, int (*up)(int um), int *out, int max)
{
	int all[ROUTE_MAX_CANDIDATES], n_all = 0, n = 0;

	if (gw >= 0 && c->gateways[gw].dialplan >= 0) {
		const struct conf_dialplan *d = &c->dialplans[c->gateways[gw].dialplan];
		for (int i = 0; i < d->n_um && n_all < ROUTE_MAX_CANDIDATES; i++)
			all[n_all++] = d->um[i];
	} else {
		/* A gateway in no dial plan reaches the UM servers in no dial plan. */
		for (int i = 0; i < c->n_um && n_all < ROUTE_MAX_CANDIDATES; i++)
			if (!c->um[i].in_dialplan)
				all[n_all++] = i;
	}
	for (int i = 0; i < n_all; i++)
		if (up(all[i]))
			all[n++] = all[i];	/* keeps the configured order */
	if (n_all > 0 && n == 0)
		return -1;
	/* Round robin over the servers that are up: each is first in turn. */
	unsigned *next = gw >= 0 && c->gateways[gw].dialplan >= 0 ?
	    &c->dialplans[c->gateways[gw].dialplan].next : &c->no_dialplan_next;
	unsigned start = (*next)++ % (unsigned)(n ? n : 1);
	int k = 0;
	for (int i = 0; i < n && k < max; i++)
		out[k++] = all[(start + (unsigned)i) % (unsigned)n];
	return k;
}

static uint16_t
uri_port(url_t const *uri, uint16_t dflt)
{
	return uri && uri->url_port ? (uint16_t)atoi(uri->url_port) : dflt;
}

int
route_um_dest(const struct conf_um *u, url_t const *uri, struct dest *d)
{
	memset(d, 0, sizeof(*d));
	d->side = SIDE_INSIDE;
	d->tp = uri ? route_uri_transport(uri, u->tp) : u->tp;
	if (d->tp == TP_TLS)
		d->tp = TP_TCP;
	return netaddr_parse(u->host, uri_port(uri, u->port), &d->addr);
}

int
route_gateway_dest(const struct conf *c, int gw, url_t const *uri, struct dest *d)
{
	const struct conf_gateway *g = &c->gateways[gw];

	memset(d, 0, sizeof(*d));
	d->side = SIDE_OUTSIDE;
	if (g->mode == SEC_UNSECURED) {
		d->tp = uri ? route_uri_transport(uri, TP_UDP) : TP_UDP;
		if (d->tp == TP_TLS)
			d->tp = TP_TCP;
	} else {
		d->tp = TP_TLS;
		d->verify_name = g->fqdn;
		d->conn = transport_conn_for_gateway(gw);
	}
	/* An address in the URI is the one to use; a name is the gateway's. */
	if (uri && uri->url_host &&
	    netaddr_parse(uri->url_host, uri_port(uri, g->port), &d->addr) == 0)
		return 0;
	if (g->n_addr < 1)
		return -1;
	d->addr = g->addr[0];
	netaddr_set_port(netaddr_sa(&d->addr), g->port);
	return 0;
}

static void
nowhere(struct route_next *r, int status, const char *phrase, const char *extra)
{
	r->status = status;
	r->phrase = phrase;
	r->extra = extra;
}

static url_t const *
next_uri(sip_t const *sip)
{
	return sip->sip_route ? sip->sip_route->r_url : sip->sip_request->rq_url;
}

/* A new request from a gateway: its UM servers, round-robin. */
static void
to_um_servers(struct conf *c, int gw, int (*up)(int um), struct route_next *r)
{
	int n = route_um_candidates(c, gw, up, r->um, ROUTE_MAX_CANDIDATES);

	if (n < 0)	/* every UM server is down: say so now, not after time-outs */
		nowhere(r, 503, "Service Unavailable (every UM server is down)", "Retry-After: 10");
	else if (n == 0)
		nowhere(r, 503, "Service Unavailable (no UM server for this gateway)", NULL);
	else
		r->n_um = n;
}

/* A gateway's request inside a dialog (or routed): only to a UM server. */
static void
to_um_named(const struct conf *c, url_t const *next, struct route_next *r)
{
	int um = next && next->url_host ? route_um_by_host(c, next->url_host, 0) : -1;

	if (um < 0)
		nowhere(r, 403, "Forbidden (destination is no UM server)", NULL);
	else if (route_um_dest(&c->um[um], next, &r->dest) != 0)
		nowhere(r, 503, "Service Unavailable (UM server has no address)", NULL);
}

/* A request from the inside: only to a listed gateway. */
static void
to_gateway(const struct conf *c, url_t const *next, struct route_next *r)
{
	if (!next || !next->url_host) {
		nowhere(r, 400, "Bad Request (no host to route to)", NULL);
		return;
	}
	r->gateway = route_gateway_by_host(c, next->url_host);
	if (r->gateway < 0)
		nowhere(r, 404, "Not Found (no such gateway)", NULL);
	else if (route_gateway_dest(c, r->gateway, next, &r->dest) != 0)
		nowhere(r, 503, "Service Unavailable (gateway has no address; list its addresses)",
		    NULL);
}

void
route_request(struct conf *c, enum side side, int gw, sip_t const *sip,
    int (*up)(int um), struct route_next *r)
{
	memset(r, 0, sizeof(*r));
	r->gateway = side == SIDE_OUTSIDE ? gw : -1;
	if (side == SIDE_INSIDE)
		to_gateway(c, next_uri(sip), r);
	else if (!sip->sip_to->a_tag && !sip->sip_route &&
	    sip->sip_request->rq_method != sip_method_ack)
		to_um_servers(c, gw, up, r);
	else
		to_um_named(c, next_uri(sip), r);
}

int
route_gateway_by_host(const struct conf *c, const char *host)
{
	struct netaddr sa;
	int literal = netaddr_parse(host, 0, &sa) == 0;

	for (int i = 0; i < c->n_gateways; i++) {
		const struct conf_gateway *g = &c->gateways[i];
		if (strcasecmp(g->fqdn, host) == 0 || strcasecmp(g->name, host) == 0)
			return i;
		for (int j = 0; literal && j < g->n_addr; j++)
			if (netaddr_same_host((struct sockaddr *)&g->addr[j].ss, (struct sockaddr *)&sa.ss))
				return i;
	}
	return -1;
}

int
route_um_by_host(const struct conf *c, const char *host, uint16_t port)
{
	struct netaddr sa;

	if (netaddr_parse(host, 0, &sa) != 0)
		return -1;
	for (int i = 0; i < c->n_um; i++)
		if (resolve_um_at(&c->um[i], (struct sockaddr *)&sa.ss) &&
		    (port == 0 || port == c->um[i].port))
			return i;
	return -1;
}

const char *
route_listen_host(const struct conf *c, const struct conf_listen *li)
{
	return netaddr_is_any(netaddr_csa(&li->sa)) ? c->fqdn : li->address;
}

enum transport
route_uri_transport(url_t const *u, enum transport dflt)
{
	char tp[16];

	if (u->url_type == url_sips)
		return TP_TLS;
	if (u->url_params && url_param(u->url_params, "transport", tp, sizeof(tp)) > 0) {
		if (strcasecmp(tp, "udp") == 0)
			return TP_UDP;
		if (strcasecmp(tp, "tcp") == 0)
			return TP_TCP;
		if (strcasecmp(tp, "tls") == 0)
			return TP_TLS;
	}
	return dflt;
}

int
route_is_us(const struct conf *c, url_t const *u)
{
	if (!u || !u->url_host)
		return 0;
	uint16_t port = u->url_port ? (uint16_t)atoi(u->url_port) : 0;
	struct netaddr sa;
	int parsed = 0;		/* the host as an address: read once, at the first listener that needs it */
	for (int i = 0; i < c->n_listen; i++) {
		const struct conf_listen *li = &c->listen[i];
		uint16_t want = port ? port : (li->tp == TP_TLS ? 5061 : 5060);
		if (want != li->port)
			continue;
		if (strcasecmp(u->url_host, route_listen_host(c, li)) == 0)
			return 1;
		if (!parsed)
			parsed = netaddr_parse(u->url_host, 0, &sa) == 0 ? 1 : -1;
		if (parsed > 0 &&
		    netaddr_same_host((struct sockaddr *)&sa.ss, (struct sockaddr *)&li->sa.ss))
			return 1;
	}
	return strcasecmp(u->url_host, c->fqdn) == 0 && !u->url_user;
}
