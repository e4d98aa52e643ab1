#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admission_limits.h"
#include "dialogs.h"
#include "gw_status.h"
#include "policy.h"
#include "resolve.h"
#include "status_peers.h"
#include "transport.h"
#include "um_health.h"

/* A UDP gateway has no connection: it counts as connected while it has
 * sent something this recently. */
#define UDP_SEEN_SECONDS 120

static void
utc(time_t t, char *buf, size_t len)
{
	if (!t)
		snprintf(buf, len, "never");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
}

static void
status_gateway(const struct conf *c, int i, time_t now, struct evbuffer *out)
{
	const struct conf_gateway *g = &c->gateways[i];
	struct gw_status st;
	char seen[32], days[24] = "none";
	int up, conns = transport_gateway_conns(i, &up);
	int tls = g->mode != SEC_UNSECURED;

	gw_status_get(g->name, &st);
	utc(st.last_seen, seen, sizeof(seen));
	if (st.cert.sha1[0] && st.cert.not_after) {
		double d = difftime(st.cert.not_after, now) / 86400.0;
		snprintf(days, sizeof(days), "%ld", (long)(d < 0 ? d - 1 : d));
	}
	int connected = up > 0 || (!tls && st.last_seen && now - st.last_seen <= UDP_SEEN_SECONDS);
	evbuffer_add_printf(out, "gw %s %s transport=%s mode=%s connections=%d calls_active=%u "
	    "last_seen=%s cert_sha1=%s cert_days_left=%s", g->name,
	    connected ? "connected" : "disconnected", tls ? "tls" : "udp", conf_security_name(g->mode),
	    conns, dialogs_count_held(alim_gateway(i)), seen,
	    st.cert.sha1[0] ? st.cert.sha1 : "none", days);
	status_limit_fields(out, "", alim_gateway(i), 0);
	resolve_status_gateway(c, i, out);
	evbuffer_add_printf(out, "\n");
}

void
status_gateways(const struct conf *c, struct evbuffer *out)
{
	time_t now = time(NULL);

	for (int i = 0; i < c->n_gateways; i++)
		status_gateway(c, i, now, out);
}

void
status_um_servers(const struct conf *c, struct evbuffer *out)
{
	for (int i = 0; i < c->n_um; i++) {
		struct um_health_view v;
		um_health_view(i, &v);
		char probe[16] = "off", since[32];
		if (v.probing)
			snprintf(probe, sizeof(probe), "%ds", c->um[i].probe_interval);
		utc(v.since, since, sizeof(since));
		evbuffer_add_printf(out, "um %s %s since=%s probe=%s probe_status=%d rtt_ms=%ld "
		    "failures=%u calls_active=%u", c->um[i].name, v.up ? "up" : "down", since, probe,
		    v.last_status, v.rtt_ms, v.failures, dialogs_count_held(alim_um(i)));
		status_limit_fields(out, "", alim_um(i), 0);
		resolve_status_um(c, i, out);
		evbuffer_add_printf(out, "\n");
	}
}

void
status_limit_fields(struct evbuffer *out, const char *prefix, const struct alim *l, int lines)
{
	struct alim_view v;
	char val[5][24];
	static const char *const keys[5] = { "calls", "max_calls", "max_cps", "cps", "refused" };

	if (!l)
		return;
	alim_view(l, policy_now_ms(), &v);
	snprintf(val[0], sizeof(val[0]), "%u", v.calls);
	snprintf(val[1], sizeof(val[1]), "%d", v.max.max_calls);
	snprintf(val[2], sizeof(val[2]), "%d", v.max.max_cps);
	for (int i = 1; i <= 2; i++)
		if (strcmp(val[i], "0") == 0)
			strcpy(val[i], "none");
	snprintf(val[3], sizeof(val[3]), "%u", v.cps);
	snprintf(val[4], sizeof(val[4]), "%llu", (unsigned long long)v.refused);
	for (int i = 0; i < 5; i++)
		evbuffer_add_printf(out, lines ? "%s%s %s\n" : " %s%s=%s", prefix, keys[i], val[i]);
}
