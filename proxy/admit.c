#include "config.h"

#include <strings.h>

#include "admit.h"
#include "resolve.h"

int
admit_gateway_by_address(const struct conf *c, const struct sockaddr *src)
{
	for (int i = 0; i < c->n_gateways; i++)
		for (int j = 0; j < c->gateways[i].n_addr; j++)
			if (netaddr_same_host((const struct sockaddr *)&c->gateways[i].addr[j].ss, src))
				return i;
	return -1;
}

static int
gateway_by_names(const struct conf *c, const char *const *names, int n)
{
	for (int i = 0; i < c->n_gateways; i++)
		for (int k = 0; k < n; k++)
			if (strcasecmp(c->gateways[i].fqdn, names[k]) == 0)
				return i;
	return -1;
}

static int
address_listed(const struct conf_gateway *g, const struct sockaddr *src)
{
	for (int j = 0; j < g->n_addr; j++)
		if (netaddr_same_host((const struct sockaddr *)&g->addr[j].ss, src))
			return 1;
	return 0;
}

static struct admission
verdict(enum admit_verdict v, enum refusal r, const char *reason, int gw)
{
	struct admission a = { v, reason, gw, -1, r };
	return a;
}

struct admission
admit_outside(const struct conf *c, enum transport tp, const struct sockaddr *src,
    const char *const *names, int n_names)
{
	if (tp == TP_TLS) {
		/* The chain was verified in the handshake; here only the identity. */
		int g = gateway_by_names(c, names, n_names);
		if (g < 0)
			return verdict(ADMIT_CLOSE, REFUSAL_UNKNOWN_CERTIFICATE, "certificate names no listed gateway", -1);
		if (c->gateways[g].mode == SEC_UNSECURED)
			return verdict(ADMIT_FORBIDDEN, REFUSAL_WRONG_PORT, "unsecured gateway on the TLS port", g);
		if (c->gateways[g].n_addr > 0 && !address_listed(&c->gateways[g], src))
			return verdict(ADMIT_CLOSE, REFUSAL_WRONG_ADDRESS, "source address not among the gateway's addresses", g);
		return verdict(ADMIT_OK, REFUSAL_NONE, NULL, g);
	}
	int g = admit_gateway_by_address(c, src);
	if (g < 0)
		return verdict(tp == TP_UDP ? ADMIT_DROP : ADMIT_CLOSE, REFUSAL_UNKNOWN_SOURCE,
		    "source address is no listed gateway", -1);
	if (c->gateways[g].mode != SEC_UNSECURED)
		return verdict(ADMIT_FORBIDDEN, REFUSAL_WRONG_PORT, "secured gateway on the plain SIP port (it must use TLS)", g);
	return verdict(ADMIT_OK, REFUSAL_NONE, NULL, g);
}

struct admission
admit_inside(const struct conf *c, const struct sockaddr *src)
{
	struct admission a = { ADMIT_DROP, "source address is no configured UM server", -1, -1,
	    REFUSAL_UNKNOWN_SOURCE };

	for (int i = 0; i < c->n_um; i++)
		if (resolve_um_at(&c->um[i], src)) {
			a.verdict = ADMIT_OK;
			a.reason = NULL;
			a.refusal = REFUSAL_NONE;
			a.um = i;
			break;
		}
	return a;
}
