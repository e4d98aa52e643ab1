#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include "conf.h"
#include "confget.h"
#include "hub/hub.h"
#include "media/relay.h"
#include "media/sdes.h"
#include "log.h"
#include "resolve.h"

/* Validation context: the first error wins and carries file:line. */
struct ctx {
	struct conf *c;
	struct confget g;
};

#define fail(x, s, ...) confget_fail(&(x)->g, (s), __VA_ARGS__)

const char *
conf_security_name(enum security s)
{
	static const char *names[] = { "unsecured", "sip-secured", "secured" };
	return names[s];
}

const char *
conf_transport_name(enum transport t)
{
	static const char *names[] = { "udp", "tcp", "tls" };
	return names[t];
}

const char *
conf_side_name(enum side s)
{
	return s == SIDE_OUTSIDE ? "outside" : "inside";
}

static int
parse_enum(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	return -1;
}

static int
get_int(struct ctx *x, const config_setting_t *grp, const char *key, int *out,
    int min, int max)
{
	return confget_int(&x->g, grp, key, out, min, max);
}

static int
get_str(struct ctx *x, const config_setting_t *grp, const char *key,
    const char **out, int required)
{
	return confget_str(&x->g, grp, key, out, required ? CONFGET_REQUIRED | CONFGET_NONEMPTY : 0);
}

static config_setting_t *
get_list(struct ctx *x, const char *key, int *count)
{
	config_setting_t *s = config_lookup(&x->c->lc, key);

	*count = 0;
	if (!s)
		return NULL;
	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		fail(x, s, "%s: expected a list ( ... )", key);
		return NULL;
	}
	*count = config_setting_length(s);
	return s;
}

/* The root's group KEY (NULL if absent), its members checked against known. */
static config_setting_t *
get_group(struct ctx *x, const char *key, const char *const *known)
{
	config_setting_t *g = config_lookup(&x->c->lc, key);

	confget_known(&x->g, g, key, known);
	return g;
}

/* A list entry e as errors name it: kind and its name, or its 1-based
 * position when it has no name (yet). */
static const char *
entry_name(const config_setting_t *e, const char *kind, char *buf, size_t len)
{
	const char *n = NULL;

	if (config_setting_is_group(e) && config_setting_lookup_string(e, "name", &n))
		snprintf(buf, len, "%s \"%s\"", kind, n);
	else
		snprintf(buf, len, "%s %d", kind, config_setting_index(e) + 1);
	return buf;
}

/* A list entry must be a group of known keys, checked before any is read so
 * that a misspelled key is named rather than reported as missing. */
static int
check_entry(struct ctx *x, const config_setting_t *e, const char *kind, const char *const *known)
{
	char what[160];

	return confget_known(&x->g, e, entry_name(e, kind, what, sizeof(what)), known);
}

static const char *const security_names[] = { "unsecured", "sip-secured", "secured" };
static const char *const transport_names[] = { "udp", "tcp", "tls" };
static const char *const side_names[] = { "outside", "inside" };

/* The top level: every group below is read by its own loader. */
static int
load_root(struct ctx *x)
{
	static const char *const known[] = {
		"node", "control", "log", "listen", "tls", "start_secured", "sip", "limits",
		"um_servers", "dialplans", "gateways", "media", "hub_transport", "metrics", "dns", NULL
	};
	config_setting_t *root = config_root_setting(&x->c->lc);

	if (confget_known(&x->g, root, NULL, known))
		return -1;
	return get_int(x, root, "start_secured", &x->c->start_secured, 0, 1);
}

static int
load_node(struct ctx *x)
{
	static const char *const known[] = { "fqdn", "workers", POLICY_LIMIT_KEYS, NULL };
	struct conf *c = x->c;
	config_setting_t *node = get_group(x, "node", known);
	static char hostname[256];

	if (gethostname(hostname, sizeof(hostname) - 1) != 0)
		strcpy(hostname, "localhost");
	c->fqdn = hostname;
	c->workers = 0;
	get_str(x, node, "fqdn", &c->fqdn, 0);
	get_int(x, node, "workers", &c->workers, 0, 256);
	policy_conf_limit(&x->g, node, &c->node_limit);
	return x->g.failed ? -1 : 0;
}

static int
load_control(struct ctx *x)
{
	static const char *const known[] = { "socket", NULL };
	config_setting_t *ctl = get_group(x, "control", known);

	x->c->control_socket = "/run/umsbc/umsbcd.sock";
	get_str(x, ctl, "socket", &x->c->control_socket, 0);
	return x->g.failed ? -1 : 0;
}

/* "ADDRESS:PORT" or "[IPV6]:PORT" (netaddr's strict parser: libevent's
 * takes "1.2.3.4:95x") into sa, and the address and port apart for
 * evhttp_bind_socket; -1 if it is neither. */
static int
listen_addr(const char *s, struct netaddr *sa, char *host, size_t hostlen, uint16_t *port)
{
	if (netaddr_parse_hostport(s, 0, sa) != 0 || (*port = netaddr_port(netaddr_csa(sa))) == 0)
		return -1;
	netaddr_host_str(netaddr_csa(sa), host, hostlen);
	return 0;
}

/* The Prometheus endpoint: off without the group. */
static int
load_metrics(struct ctx *x)
{
	static const char *const known[] = { "listen", NULL };
	struct conf *c = x->c;
	config_setting_t *m = get_group(x, "metrics", known);

	if (x->g.failed)
		return -1;
	if (!m)
		return 0;
	c->metrics.enabled = 1;
	c->metrics.line = config_setting_source_line(m);
	if (get_str(x, m, "listen", &c->metrics.listen, 1))
		return -1;
	if (listen_addr(c->metrics.listen, &c->metrics.sa, c->metrics.host, sizeof(c->metrics.host),
	    &c->metrics.port) != 0)
		return fail(x, config_setting_get_member(m, "listen"),
		    "metrics.listen: \"%s\" is not ADDRESS:PORT (e.g. \"127.0.0.1:9561\" or \"[::1]:9561\")",
		    c->metrics.listen);
	return 0;
}

static int
load_log(struct ctx *x)
{
	static const char *const known[] = { "level", NULL };
	struct conf *c = x->c;
	config_setting_t *lg = get_group(x, "log", known);
	const char *level = "info";
	get_str(x, lg, "level", &level, 0);
	c->log_level = log_level_from_name(level);
	if (c->log_level < 0)
		fail(x, config_setting_get_member(lg, "level"),
		    "level: \"%s\" is not one of debug, info, notice, warning, err", level);
	return x->g.failed ? -1 : 0;
}

static int
load_listen(struct ctx *x)
{
	struct conf *c = x->c;
	config_setting_t *l = get_list(x, "listen", &c->n_listen);

	if (x->g.failed)
		return -1;
	if (c->n_listen == 0)
		return fail(x, l, "listen: at least one listener is needed");
	c->listen = calloc(c->n_listen, sizeof(*c->listen));
	for (int i = 0; i < c->n_listen && !x->g.failed; i++) {
		static const char *const known[] = { "side", "transport", "address", "port", NULL };
		config_setting_t *e = config_setting_get_elem(l, i);
		struct conf_listen *li = &c->listen[i];
		const char *side = NULL, *tp = NULL;
		int port = -1, v;

		li->line = config_setting_source_line(e);
		if (check_entry(x, e, "listener", known) ||
		    get_str(x, e, "side", &side, 1) || get_str(x, e, "transport", &tp, 1) ||
		    get_str(x, e, "address", &li->address, 1) ||
		    get_int(x, e, "port", &port, 1, 65535))
			break;
		if ((v = parse_enum(side, side_names, 2)) < 0)
			return fail(x, config_setting_get_member(e, "side"),
			    "side: \"%s\" is not outside or inside", side);
		li->side = v;
		if ((v = parse_enum(tp, transport_names, 3)) < 0)
			return fail(x, config_setting_get_member(e, "transport"),
			    "transport: \"%s\" is not udp, tcp or tls", tp);
		li->tp = v;
		if (li->tp == TP_TLS && li->side == SIDE_INSIDE)
			return fail(x, e, "transport tls is only for the outside: the UM servers speak plain SIP");
		li->port = port > 0 ? port : (li->tp == TP_TLS ? 5061 : 5060);
		if (netaddr_parse(li->address, li->port, &li->sa) != 0)
			return fail(x, config_setting_get_member(e, "address"),
			    "address: \"%s\" is not an IPv4 or IPv6 address", li->address);
		for (int j = 0; j < i; j++)
			if ((c->listen[j].tp == TP_UDP) == (li->tp == TP_UDP) &&
			    netaddr_equal((struct sockaddr *)&c->listen[j].sa.ss, (struct sockaddr *)&li->sa.ss))
				return fail(x, e, "listener %s %s:%u is given twice",
				    conf_transport_name(li->tp), li->address, li->port);
	}
	return x->g.failed ? -1 : 0;
}

static int
load_tls(struct ctx *x)
{
	static const char *const known[] = {
		"cert_store", "trust_store", "min_version", "handshake_timeout", "max_connections",
		"max_unauthenticated", "max_unauthenticated_per_address", NULL
	};
	struct conf *c = x->c;
	config_setting_t *t = get_group(x, "tls", known);
	const char *minv = "1.2";

	c->tls.cert_store = "/etc/umsbc/certs";
	c->tls.trust_store = "/etc/umsbc/trust";
	c->tls.handshake_timeout = 5;
	c->tls.max_connections = 1024;
	get_str(x, t, "cert_store", &c->tls.cert_store, 0);
	get_str(x, t, "trust_store", &c->tls.trust_store, 0);
	get_str(x, t, "min_version", &minv, 0);
	get_int(x, t, "handshake_timeout", &c->tls.handshake_timeout, 1, 300);
	get_int(x, t, "max_connections", &c->tls.max_connections, 2, 1000000);
	c->tls.max_unauthenticated = c->tls.max_connections / 4 > 0 ? c->tls.max_connections / 4 : 1;
	get_int(x, t, "max_unauthenticated", &c->tls.max_unauthenticated, 1,
	    c->tls.max_connections - 1);
	c->tls.max_unauthenticated_per_address = c->tls.max_unauthenticated < 8 ?
	    c->tls.max_unauthenticated : 8;
	get_int(x, t, "max_unauthenticated_per_address", &c->tls.max_unauthenticated_per_address,
	    1, c->tls.max_unauthenticated);
	if (x->g.failed)
		return -1;
	if (strcmp(minv, "1.2") == 0)
		c->tls.min_version = TLS1_2_VERSION;
	else if (strcmp(minv, "1.3") == 0)
		c->tls.min_version = TLS1_3_VERSION;
	else
		return fail(x, config_setting_get_member(t, "min_version"),
		    "min_version: \"%s\" is not \"1.2\" or \"1.3\"", minv);
	return 0;
}

/* Per-source budgets before admission (src_limit.h): sized so that a
 * gateway at hundreds of calls per second never trips them. */
static int
load_limits(struct ctx *x)
{
	static const char *const known[] = {
		"connection_rate", "connection_burst", "udp_rate", "udp_burst", "cooldown", NULL
	};
	struct conf *c = x->c;
	config_setting_t *l = get_group(x, "limits", known);

	c->limits.connection_rate = 50;
	c->limits.connection_burst = 100;
	c->limits.udp_rate = 2000;
	c->limits.udp_burst = 4000;
	c->limits.cooldown = 10;
	get_int(x, l, "connection_rate", &c->limits.connection_rate, 0, 1000000);
	get_int(x, l, "connection_burst", &c->limits.connection_burst, 1, 1000000);
	get_int(x, l, "udp_rate", &c->limits.udp_rate, 0, 10000000);
	get_int(x, l, "udp_burst", &c->limits.udp_burst, 1, 10000000);
	get_int(x, l, "cooldown", &c->limits.cooldown, 1, 3600);
	return x->g.failed ? -1 : 0;
}

static int
load_sip(struct ctx *x)
{
	static const char *const known[] = {
		"max_forwards", "failover_timeout", "max_message_size", "idle_timeout",
		"message_timeout", NULL
	};
	struct conf *c = x->c;
	config_setting_t *sip = get_group(x, "sip", known);

	c->sip.max_forwards = 70;
	c->sip.failover_timeout = 4;
	c->sip.max_message_size = 65535;
	get_int(x, sip, "max_forwards", &c->sip.max_forwards, 1, 255);
	get_int(x, sip, "failover_timeout", &c->sip.failover_timeout, 1, 32);
	get_int(x, sip, "max_message_size", &c->sip.max_message_size, 1500, 1 << 20);
	c->sip.idle_timeout = 300;
	c->sip.message_timeout = 5;
	get_int(x, sip, "idle_timeout", &c->sip.idle_timeout, 10, 86400);
	get_int(x, sip, "message_timeout", &c->sip.message_timeout, 1, 120);
	return x->g.failed ? -1 : 0;
}

static int
find_name(const config_setting_t *list, int upto, const char *name)
{
	for (int i = 0; i < upto; i++) {
		const char *n = NULL;
		config_setting_t *e = config_setting_get_elem(list, i);
		if (config_setting_lookup_string(e, "name", &n) && strcmp(n, name) == 0)
			return i;
	}
	return -1;
}

static int
load_um(struct ctx *x)
{
	struct conf *c = x->c;
	config_setting_t *l = get_list(x, "um_servers", &c->n_um);

	if (x->g.failed)
		return -1;
	c->um = calloc(c->n_um ? c->n_um : 1, sizeof(*c->um));
	for (int i = 0; i < c->n_um && !x->g.failed; i++) {
		static const char *const known[] = {
			"name", "uri", "probe_interval", "probe_failures", POLICY_LIMIT_KEYS, NULL
		};
		config_setting_t *e = config_setting_get_elem(l, i);
		struct conf_um *u = &c->um[i];

		u->probe_interval = 10;
		u->probe_failures = 3;
		if (check_entry(x, e, "UM server", known) ||
		    get_str(x, e, "name", &u->name, 1) || get_str(x, e, "uri", &u->uri, 1) ||
		    get_int(x, e, "probe_interval", &u->probe_interval, 0, 3600) ||
		    get_int(x, e, "probe_failures", &u->probe_failures, 1, 100) ||
		    policy_conf_limit(&x->g, e, &u->limit))
			break;
		if (find_name(l, i, u->name) >= 0)
			return fail(x, e, "um_servers: name \"%s\" is used twice", u->name);
		su_home_t home[1] = { SU_HOME_INIT(home) };
		url_t *url = url_make(home, u->uri);
		char tp[16] = "udp";
		int ok = url && url->url_type == url_sip && url->url_host &&
		    strlen(url->url_host) < sizeof(u->dns);
		if (ok) {
			snprintf(u->dns, sizeof(u->dns), "%s", url->url_host);
			u->srv = !url->url_port;
			u->port = url->url_port ? (uint16_t)atoi(url->url_port) : 5060;
			if (url->url_params)
				url_param(url->url_params, "transport", tp, sizeof(tp));
		}
		su_home_deinit(home);
		if (!ok)
			return fail(x, config_setting_get_member(e, "uri"),
			    "uri: \"%s\" is not sip:ADDRESS[:PORT][;transport=udp|tcp]", u->uri);
		int t = parse_enum(tp, transport_names, 2);
		if (t < 0)
			return fail(x, config_setting_get_member(e, "uri"),
			    "uri: transport \"%s\": UM servers are reached over udp or tcp", tp);
		u->tp = t;
		if (netaddr_parse(u->dns, u->port, &u->sa) == 0) {
			snprintf(u->host, sizeof(u->host), "%s", u->dns);
			u->dns[0] = '\0';	/* a literal: nothing to resolve */
		} else if (!resolve_name_valid(u->dns))
			return fail(x, config_setting_get_member(e, "uri"),
			    "uri: host \"%s\" is neither an IP address nor a DNS name", u->dns);
	}
	return x->g.failed ? -1 : 0;
}

static int
load_dialplans(struct ctx *x)
{
	struct conf *c = x->c;
	config_setting_t *l = get_list(x, "dialplans", &c->n_dialplans);
	config_setting_t *uml = config_lookup(&c->lc, "um_servers");

	if (x->g.failed)
		return -1;
	c->dialplans = calloc(c->n_dialplans ? c->n_dialplans : 1, sizeof(*c->dialplans));
	for (int i = 0; i < c->n_dialplans && !x->g.failed; i++) {
		static const char *const known[] = {
			"name", "security", "um_servers", "outbound", "inbound", POLICY_LIMIT_KEYS, NULL
		};
		config_setting_t *e = config_setting_get_elem(l, i);
		struct conf_dialplan *d = &c->dialplans[i];
		const char *sec = "unsecured";

		if (check_entry(x, e, "dial plan", known) ||
		    get_str(x, e, "name", &d->name, 1) || get_str(x, e, "security", &sec, 0))
			break;
		if (find_name(l, i, d->name) >= 0)
			return fail(x, e, "dialplans: name \"%s\" is used twice", d->name);
		int v = parse_enum(sec, security_names, 3);
		if (v < 0)
			return fail(x, config_setting_get_member(e, "security"),
			    "security: \"%s\" is not unsecured, sip-secured or secured", sec);
		d->security = v;
		char what[160];
		snprintf(what, sizeof(what), "dial plan \"%s\"", d->name);
		if (policy_conf_limit(&x->g, e, &d->limit) ||
		    policy_conf_direction(&x->g, e, "outbound", what, &d->dir[DIR_OUTBOUND]) ||
		    policy_conf_direction(&x->g, e, "inbound", what, &d->dir[DIR_INBOUND]))
			break;
		config_setting_t *ul = config_setting_get_member(e, "um_servers");
		if (!ul || !config_setting_is_aggregate(ul) || config_setting_length(ul) == 0)
			return fail(x, ul ? ul : e, "dial plan \"%s\": um_servers must list at least one UM server", d->name);
		d->n_um = config_setting_length(ul);
		d->um = calloc(d->n_um, sizeof(int));
		for (int j = 0; j < d->n_um; j++) {
			config_setting_t *ue = config_setting_get_elem(ul, j);
			const char *n = config_setting_get_string(ue);
			int k = n ? find_name(uml, c->n_um, n) : -1;
			if (k < 0)
				return fail(x, ue, "dial plan \"%s\": unknown UM server \"%s\"",
				    d->name, n ? n : "(not a string)");
			d->um[j] = k;
			if (!c->um[k].in_dialplan || c->um[k].mode < d->security)
				c->um[k].mode = d->security;
			c->um[k].in_dialplan = 1;
		}
	}
	for (int i = 0; i < c->n_um; i++)
		if (!c->um[i].in_dialplan)
			c->um[i].mode = c->start_secured ? SEC_SECURED : SEC_UNSECURED;
	return x->g.failed ? -1 : 0;
}

static int
load_gateways(struct ctx *x)
{
	struct conf *c = x->c;
	config_setting_t *l = get_list(x, "gateways", &c->n_gateways);
	config_setting_t *dpl = config_lookup(&c->lc, "dialplans");

	if (x->g.failed)
		return -1;
	c->gateways = calloc(c->n_gateways ? c->n_gateways : 1, sizeof(*c->gateways));
	for (int i = 0; i < c->n_gateways && !x->g.failed; i++) {
		static const char *const known[] = {
			"name", "fqdn", "addresses", "port", "dialplan", POLICY_LIMIT_KEYS, NULL
		};
		config_setting_t *e = config_setting_get_elem(l, i);
		struct conf_gateway *g = &c->gateways[i];
		const char *dp = NULL;
		int port = 0;

		if (check_entry(x, e, "gateway", known) ||
		    get_str(x, e, "name", &g->name, 1) || get_str(x, e, "fqdn", &g->fqdn, 1) ||
		    get_str(x, e, "dialplan", &dp, 0) || get_int(x, e, "port", &port, 1, 65535) ||
		    policy_conf_limit(&x->g, e, &g->limit))
			break;
		if (find_name(l, i, g->name) >= 0)
			return fail(x, e, "gateways: name \"%s\" is used twice", g->name);
		for (int j = 0; j < i; j++)
			if (strcasecmp(c->gateways[j].fqdn, g->fqdn) == 0)
				return fail(x, config_setting_get_member(e, "fqdn"),
				    "gateways: fqdn \"%s\" is used by \"%s\" too", g->fqdn, c->gateways[j].name);
		g->dialplan = -1;
		g->mode = c->start_secured ? SEC_SECURED : SEC_UNSECURED;
		if (dp) {
			g->dialplan = find_name(dpl, c->n_dialplans, dp);
			if (g->dialplan < 0)
				return fail(x, config_setting_get_member(e, "dialplan"),
				    "gateway \"%s\": unknown dial plan \"%s\"", g->name, dp);
			g->mode = c->dialplans[g->dialplan].security;
		}
		g->port = port ? port : (g->mode == SEC_UNSECURED ? 5060 : 5061);
		config_setting_t *al = config_setting_get_member(e, "addresses");
		g->n_addr = al ? config_setting_length(al) : 0;
		if (al && !config_setting_is_aggregate(al))
			return fail(x, al, "addresses: expected a list ( \"ADDRESS\", ... )");
		g->addr = calloc(g->n_addr ? g->n_addr : 1, sizeof(*g->addr));
		/* Without addresses: an fqdn that is an IP literal is the address;
		 * a name is resolved (resolve.c), SRV first when no port is given. */
		if (g->n_addr == 0 && g->addr && netaddr_parse(g->fqdn, g->port, &g->addr[0]) == 0) {
			g->n_addr = 1;
			continue;
		}
		g->by_name = g->n_addr == 0;
		g->srv = g->by_name && port == 0;
		if (g->by_name && !resolve_name_valid(g->fqdn))
			return fail(x, config_setting_get_member(e, "fqdn"),
			    "gateway \"%s\": fqdn \"%s\" is no DNS name to find its addresses by "
			    "(or list its addresses)", g->name, g->fqdn);
		for (int j = 0; j < g->n_addr; j++) {
			config_setting_t *ae = config_setting_get_elem(al, j);
			const char *a = config_setting_get_string(ae);
			if (!a || netaddr_parse(a, g->port, &g->addr[j]) != 0)
				return fail(x, ae, "gateway \"%s\": \"%s\" is not an IP address",
				    g->name, a ? a : "(not a string)");
		}
	}
	return x->g.failed ? -1 : 0;
}

/* The contract's suites, strongest first: the default preference. */
static const int default_suites[] = {
	SDES_AEAD_AES_256_GCM, SDES_AEAD_AES_128_GCM, SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_256_CM_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_32,
};

static int
load_suites(struct ctx *x, config_setting_t *m)
{
	struct conf *c = x->c;
	config_setting_t *l = config_setting_get_member(m, "srtp_suites");

	c->media.n_suites = (int)(sizeof(default_suites) / sizeof(default_suites[0]));
	memcpy(c->media.suites, default_suites, sizeof(default_suites));
	if (!l)
		return 0;
	if (!config_setting_is_aggregate(l) || config_setting_length(l) == 0)
		return fail(x, l, "srtp_suites: expected a list ( \"AEAD_AES_256_GCM\", ... )");
	if (config_setting_length(l) > CONF_MAX_SUITES)
		return fail(x, l, "srtp_suites: at most %d suites", CONF_MAX_SUITES);
	c->media.n_suites = 0;
	for (int i = 0; i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		const char *n = config_setting_get_string(e);
		enum sdes_suite s = n ? media_sdes_suite_from_name(n, strlen(n)) : SDES_NONE;
		if (s == SDES_NONE)
			return fail(x, e, "srtp_suites: \"%s\" is not one of AEAD_AES_256_GCM, AEAD_AES_128_GCM, "
			    "AES_256_CM_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_80, AES_256_CM_HMAC_SHA1_32, "
			    "AES_CM_128_HMAC_SHA1_32", n ? n : "(not a string)");
		c->media.suites[c->media.n_suites++] = (int)s;
	}
	return 0;
}

static int
load_media(struct ctx *x)
{
	static const char *const known[] = {
		"outside_address", "inside_address", "port_min", "port_max", "timeout",
		"hold_timeout", "workers", "io", "srtp_suites" /* load_suites */, NULL
	};
	struct conf *c = x->c;
	config_setting_t *m = get_group(x, "media", known);

	c->media.port_min = 30000;
	c->media.port_max = 39999;
	c->media.timeout = 60;
	c->media.hold_timeout = 3600;
	c->media.workers = 0;	/* one per CPU */
	memcpy(c->media.suites, default_suites, sizeof(default_suites));
	c->media.n_suites = (int)(sizeof(default_suites) / sizeof(default_suites[0]));
	if (x->g.failed)
		return -1;
	if (!m)
		return 0;
	c->media.enabled = 1;
	if (get_str(x, m, "outside_address", &c->media.outside_address, 1) ||
	    get_str(x, m, "inside_address", &c->media.inside_address, 1) ||
	    get_int(x, m, "port_min", &c->media.port_min, 1024, 65534) ||
	    get_int(x, m, "port_max", &c->media.port_max, 1025, 65535) ||
	    get_int(x, m, "timeout", &c->media.timeout, 5, 86400) ||
	    get_int(x, m, "hold_timeout", &c->media.hold_timeout, 5, 7 * 86400) ||
	    get_int(x, m, "workers", &c->media.workers, 0, 64))
		return -1;
	const char *io = "auto";
	enum media_io mio;
	if (get_str(x, m, "io", &io, 0))
		return -1;
	if (media_io_parse(io, &mio) != 0)
		return fail(x, config_setting_get_member(m, "io"),
		    "io: \"%s\" is not one of auto, uring, epoll", io);
	c->media.io = (int)mio;
	if (netaddr_parse(c->media.outside_address, 0, &c->media.outside) != 0)
		return fail(x, config_setting_get_member(m, "outside_address"),
		    "outside_address: \"%s\" is not an IP address", c->media.outside_address);
	if (netaddr_parse(c->media.inside_address, 0, &c->media.inside) != 0)
		return fail(x, config_setting_get_member(m, "inside_address"),
		    "inside_address: \"%s\" is not an IP address", c->media.inside_address);
	if (c->media.port_max - c->media.port_min < 3)
		return fail(x, config_setting_get_member(m, "port_max"),
		    "port_max %d: the range from port_min %d holds fewer than two RTP/RTCP pairs",
		    c->media.port_max, c->media.port_min);
	return load_suites(x, m);
}

int
conf_has_tls(const struct conf *c)
{
	for (int i = 0; i < c->n_listen; i++)
		if (c->listen[i].tp == TP_TLS)
			return 1;
	for (int i = 0; i < c->n_gateways; i++)
		if (c->gateways[i].mode != SEC_UNSECURED)
			return 1;
	return hub_conf_enabled(c->hub);	/* mutual TLS toward the Hub */
}

int
conf_um_index(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_um; i++)
		if (strcmp(c->um[i].name, name) == 0)
			return i;
	return -1;
}

int
conf_gateway_index(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_gateways; i++)
		if (strcmp(c->gateways[i].name, name) == 0)
			return i;
	return -1;
}

int
conf_dialplan_index(const struct conf *c, const char *name)
{
	for (int i = 0; i < c->n_dialplans; i++)
		if (strcmp(c->dialplans[i].name, name) == 0)
			return i;
	return -1;
}

struct conf *
conf_load(const char *file, char *err, size_t errlen)
{
	struct conf *c = calloc(1, sizeof(*c));
	struct ctx x = { c, { file, NULL, err, errlen, 0 } };

	if (!c) {
		snprintf(err, errlen, "%s:0: out of memory", file);
		return NULL;
	}
	c->file = strdup(file);
	config_init(&c->lc);
	if (!config_read_file(&c->lc, file)) {
		if (config_error_type(&c->lc) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s:0: cannot read: %s", file, strerror(errno));
		else
			snprintf(err, errlen, "%s:%d: %s",
			    config_error_file(&c->lc) ? config_error_file(&c->lc) : file,
			    config_error_line(&c->lc), config_error_text(&c->lc));
		conf_free(c);
		return NULL;
	}
	if (load_root(&x) || load_node(&x) || load_control(&x) || load_log(&x) ||
	    load_listen(&x) || load_tls(&x) || load_sip(&x) || load_limits(&x) || load_um(&x) ||
	    load_dialplans(&x) || load_gateways(&x) || load_media(&x) || load_metrics(&x) ||
	    resolve_conf_load(&x.g, &c->lc, c)) {
		conf_free(c);
		return NULL;
	}
	if (!(c->hub = hub_conf_new(&c->lc, err, errlen))) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n_dialplans && c->dialplans; i++) {
		free(c->dialplans[i].um);
		policy_conf_free(&c->dialplans[i].dir[DIR_OUTBOUND]);
		policy_conf_free(&c->dialplans[i].dir[DIR_INBOUND]);
	}
	for (int i = 0; i < c->n_gateways && c->gateways; i++)
		free(c->gateways[i].addr);
	for (int i = 0; i < c->n_um && c->um; i++)
		free(c->um[i].addr);
	free(c->dialplans);
	free(c->gateways);
	free(c->um);
	free(c->listen);
	hub_conf_free(c->hub);
	config_destroy(&c->lc);
	free(c->file);
	free(c);
}
