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
	for (int i = 0; i < c->n_listen; i++) {
		const struct conf_listen *li = &c->listen[i];
		uint16_t want = port ? port : (li->tp == TP_TLS ? 5061 : 5060);
		if (want != li->port)
			continue;
		if (strcasecmp(u->url_host, route_listen_host(c, li)) == 0)
			return 1;
		struct netaddr sa;
		if (netaddr_parse(u->url_host, 0, &sa) == 0 &&
		    netaddr_same_host((struct sockaddr *)&sa.ss, (struct sockaddr *)&li->sa.ss))
			return 1;
	}
	return strcasecmp(u->url_host, c->fqdn) == 0 && !u->url_user;
}
