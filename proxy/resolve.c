#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "log.h"
#include "resolve.h"
#include "resolve_lookup.h"

/* One name as a peer uses it: the name, the transport its SRV service is
 * for, SRV or not, and the port (the default one when SRV finds nothing). */
struct target {
	struct target *next;
	char name[256];
	enum transport tp;
	int srv;
	uint16_t port;
	int used;		/* named by the config in use */
	int n_addr;
	struct netaddr addr[RESOLVE_MAX_ADDR];
	time_t resolved_at;	/* the last answer with addresses */
	int ttl;		/* s those addresses are held, after the bounds */
	int from_srv;
	char error[16];		/* why the last attempt failed, "" when it did not */
	struct resolve_lookup *lookup;	/* in flight */
	struct event *timer;	/* the next one */
};

static struct {
	struct event_base *base;
	struct evdns_base *dns;
	struct conf *conf;
	struct target *targets;
	char servers[CONF_MAX_NAMESERVERS * 64 + 300];	/* what dns was set up from */
} R;

static void start_lookup(struct target *t);

/* ---- the dns group ---- */

int
resolve_conf_load(struct confget *g, config_t *lc, struct conf *c)
{
	static const char *const known[] = {
		"nameservers", "resolv_conf", "min_ttl", "max_ttl", "retry", "timeout", NULL
	};
	config_setting_t *d = config_lookup(lc, "dns");

	c->dns.resolv_conf = "/etc/resolv.conf";
	c->dns.min_ttl = 10;
	c->dns.max_ttl = 3600;
	c->dns.retry = 30;
	c->dns.timeout = 2;
	if (confget_known(g, d, "dns", known))
		return -1;
	if (!d)
		return 0;
	if (confget_str(g, d, "resolv_conf", &c->dns.resolv_conf, CONFGET_NONEMPTY) ||
	    confget_int(g, d, "min_ttl", &c->dns.min_ttl, 1, 86400) ||
	    confget_int(g, d, "max_ttl", &c->dns.max_ttl, c->dns.min_ttl, 7 * 86400) ||
	    confget_int(g, d, "retry", &c->dns.retry, 1, 3600) ||
	    confget_int(g, d, "timeout", &c->dns.timeout, 1, 30))
		return -1;
	config_setting_t *l = config_setting_get_member(d, "nameservers");
	if (!l)
		return 0;
	if (!config_setting_is_aggregate(l) || config_setting_is_group(l))
		return confget_fail(g, l, "dns.nameservers: expected a list ( \"ADDRESS[:PORT]\", ... )");
	if (config_setting_length(l) > CONF_MAX_NAMESERVERS)
		return confget_fail(g, l, "dns.nameservers: at most %d", CONF_MAX_NAMESERVERS);
	for (int i = 0; i < config_setting_length(l); i++) {
		config_setting_t *e = config_setting_get_elem(l, i);
		const char *s = config_setting_get_string(e);
		struct netaddr na;
		if (!s || netaddr_parse_hostport(s, 53, &na) != 0)
			return confget_fail(g, e, "dns.nameservers: \"%s\" is not ADDRESS or ADDRESS:PORT "
			    "(e.g. \"192.0.2.53\", \"[2001:db8::53]:53\")", s ? s : "(not a string)");
		c->dns.nameservers[c->dns.n_nameservers++] = s;
	}
	return 0;
}

int
resolve_name_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	int alpha = 0;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_') || ++label > 63)
			return 0;
		alpha |= (ch < '0' || ch > '9') && ch != '-';
	}
	return alpha;		/* all digits and dots is an address, not a name */
}

/* ---- which peers use a target ---- */

/* "name." and "name" are one name: the answers never carry the dot. */
static void
key_name(struct target *k, const char *name)
{
	size_t n;

	snprintf(k->name, sizeof(k->name), "%s", name);
	n = strlen(k->name);
	if (n > 1 && k->name[n - 1] == '.')
		k->name[n - 1] = '\0';
}

static void
um_key(const struct conf_um *u, struct target *k)
{
	memset(k, 0, sizeof(*k));
	key_name(k, u->dns);
	k->tp = u->tp;
	k->srv = u->srv;
	k->port = u->srv ? 5060 : u->port;
}

static void
gw_key(const struct conf_gateway *g, struct target *k)
{
	memset(k, 0, sizeof(*k));
	key_name(k, g->fqdn);
	k->tp = g->mode == SEC_UNSECURED ? TP_UDP : TP_TLS;
	k->srv = g->srv;
	k->port = g->srv ? (g->mode == SEC_UNSECURED ? 5060 : 5061) : g->port;
}

static int
same(const struct target *a, const struct target *b)
{
	return strcasecmp(a->name, b->name) == 0 && a->tp == b->tp && a->srv == b->srv &&
	    a->port == b->port;
}

static int
uses(const struct conf *c, const struct target *t, int um, int i)
{
	struct target k;

	if (um) {
		if (!c->um[i].dns[0])
			return 0;
		um_key(&c->um[i], &k);
	} else {
		if (!c->gateways[i].by_name)
			return 0;
		gw_key(&c->gateways[i], &k);
	}
	return same(&k, t);
}

static struct target *
find(const struct target *k)
{
	for (struct target *t = R.targets; t; t = t->next)
		if (same(t, k))
			return t;
	return NULL;
}

/* "UM server um1, gateway gw3": who the log line is about. */
static const char *
users(const struct target *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int um = 1; um >= 0; um--)
		for (int i = 0; R.conf && i < (um ? R.conf->n_um : R.conf->n_gateways); i++)
			if (uses(R.conf, t, um, i) && o < len)
				o += (size_t)snprintf(buf + o, len - o, "%s%s %s", o ? ", " : "",
				    um ? "UM server" : "gateway", um ? R.conf->um[i].name : R.conf->gateways[i].name);
	return buf;
}

/* ---- results into the config ---- */

static void
put_um(struct conf_um *u, const struct target *t)
{
	free(u->addr);
	u->addr = NULL;
	u->n_addr = 0;
	memset(&u->sa, 0, sizeof(u->sa));
	u->host[0] = '\0';
	if (t->n_addr == 0 || !(u->addr = malloc(t->n_addr * sizeof(*u->addr))))
		return;
	memcpy(u->addr, t->addr, t->n_addr * sizeof(*u->addr));
	u->n_addr = t->n_addr;
	u->sa = u->addr[0];
	u->port = netaddr_port(netaddr_csa(&u->sa));
	/* The literal the send path parses (no brackets needed). */
	netaddr_host_str(netaddr_csa(&u->sa), u->host, sizeof(u->host));
}

static void
put_gateway(struct conf_gateway *g, const struct netaddr *addr, int n)
{
	struct netaddr *a = n ? malloc(n * sizeof(*a)) : NULL;

	if (n && !a)
		return;
	free(g->addr);
	g->addr = a;
	g->n_addr = n;
	if (n) {
		memcpy(a, addr, n * sizeof(*a));
		g->port = netaddr_port((struct sockaddr *)&a[0].ss);
	}
}

static void
apply(const struct target *t)
{
	struct conf *c = R.conf;

	for (int i = 0; c && i < c->n_um; i++)
		if (uses(c, t, 1, i))
			put_um(&c->um[i], t);
	for (int i = 0; c && i < c->n_gateways; i++)
		if (uses(c, t, 0, i))
			put_gateway(&c->gateways[i], t->addr, t->n_addr);
}

/* ---- timing ---- */

static int
bounded(int ttl)
{
	const struct conf *c = R.conf;

	if (ttl < c->dns.min_ttl)
		return c->dns.min_ttl;
	return ttl > c->dns.max_ttl ? c->dns.max_ttl : ttl;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	start_lookup(arg);
}

static void
schedule(struct target *t, int seconds)
{
	struct timeval tv = { seconds, 0 };

	if (t->timer)
		evtimer_add(t->timer, &tv);
}

/* ---- an answer ---- */

static void
addr_list(const struct target *t, char *buf, size_t len)
{
	size_t o = 0;
	char one[NETADDR_STRLEN];

	buf[0] = '\0';
	for (int i = 0; i < t->n_addr && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    netaddr_str((const struct sockaddr *)&t->addr[i].ss, one, sizeof(one)));
	if (!t->n_addr)
		snprintf(buf, len, "none");
}

static const char *
service(const struct target *t)
{
	return t->tp == TP_TLS ? "_sips._tcp" : t->tp == TP_TCP ? "_sip._tcp" : "_sip._udp";
}

/* What a failure means for each peer of the name. */
static const char *
consequence(const struct target *t)
{
	int um = 0, secured = 0, unsecured = 0;

	for (int i = 0; i < R.conf->n_um; i++)
		um |= uses(R.conf, t, 1, i);
	for (int i = 0; i < R.conf->n_gateways; i++)
		if (uses(R.conf, t, 0, i)) {
			secured |= R.conf->gateways[i].mode != SEC_UNSECURED;
			unsecured |= R.conf->gateways[i].mode == SEC_UNSECURED;
		}
	if (t->n_addr)
		return "the last addresses it had are used until it answers";
	if (um)
		return "new calls skip the UM server until it resolves";
	if (unsecured)
		return "the gateway is not admitted until it resolves (unsecured: its address is the only way it is recognised)";
	if (secured)
		return "the gateway is admitted by its certificate name only until it resolves";
	return "retrying";
}

static void
answered(const struct resolve_lookup_result *r, void *arg)
{
	struct target *t = arg;
	char users_buf[300], list[RESOLVE_MAX_ADDR * NETADDR_STRLEN];

	t->lookup = NULL;
	if (r->n > 0) {
		int changed = r->n != t->n_addr || t->error[0] ||
		    memcmp(r->addr, t->addr, (size_t)r->n * sizeof(r->addr[0])) != 0;
		memcpy(t->addr, r->addr, (size_t)r->n * sizeof(r->addr[0]));
		t->n_addr = r->n;
		t->resolved_at = time(NULL);
		t->ttl = bounded(r->ttl < 0 ? 0 : r->ttl);
		t->from_srv = r->from_srv;
		t->error[0] = '\0';
		apply(t);
		if (changed) {
			addr_list(t, list, sizeof(list));
			log_event(LOG_INFO, EV_DNS_RESOLVED, "%s resolved (%s%s): %s, held %d s; for %s",
			    t->name, t->from_srv ? "SRV " : "", t->from_srv ? service(t) : "A/AAAA", list,
			    t->ttl, users(t, users_buf, sizeof(users_buf)));
		}
		schedule(t, t->ttl);
		return;
	}
	int again = strcmp(t->error, r->error) == 0;
	snprintf(t->error, sizeof(t->error), "%s", r->error);
	/* The servers said there is no such address: believe them. Silence or a
	 * server failure keeps what was known (serve stale). */
	if (r->negative && t->n_addr) {
		t->n_addr = 0;
		again = 0;
	}
	apply(t);
	log_event(again ? LOG_DEBUG : LOG_WARNING, EV_DNS_FAILED,
	    "%s does not resolve (%sA/AAAA): %s; for %s; %s; again in %d s", t->name,
	    t->srv ? "SRV, then " : "", r->error,
	    users(t, users_buf, sizeof(users_buf)), consequence(t), R.conf->dns.retry);
	schedule(t, R.conf->dns.retry);
}

static void
start_lookup(struct target *t)
{
	if (t->lookup)
		return;
	t->lookup = resolve_lookup_start(R.base, R.dns, t->name, t->srv ? service(t) : NULL,
	    t->port, R.conf->dns.timeout, answered, t);
	if (!t->lookup)
		schedule(t, R.conf->dns.retry);	/* out of memory: later */
}

/* ---- life cycle ---- */

static void
target_free(struct target *t)
{
	resolve_lookup_abandon(t->lookup);	/* its answer is dropped */
	if (t->timer)
		event_free(t->timer);
	free(t);
}

/* nameservers, or resolv_conf: as text, to see whether a reload changed it */
static void
servers_key(const struct conf *c, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%d %s", c->dns.timeout, c->dns.resolv_conf);

	for (int i = 0; i < c->dns.n_nameservers && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " %s", c->dns.nameservers[i]);
}

static void
set_servers(const struct conf *c)
{
	char t[16];

	snprintf(t, sizeof(t), "%d", c->dns.timeout);
	evdns_base_set_option(R.dns, "timeout:", t);
	evdns_base_set_option(R.dns, "attempts:", "2");
	evdns_base_set_option(R.dns, "randomize-case:", "0");
	/* One server that cannot be used (e.g. IPv6 switched off) is no reason
	 * not to start: the others, or the next reload, may do. */
	for (int i = 0; i < c->dns.n_nameservers; i++)
		if (evdns_base_nameserver_ip_add(R.dns, c->dns.nameservers[i]) != 0)
			log_event(LOG_WARNING, EV_DNS_FAILED, "dns: cannot use nameserver %s",
			    c->dns.nameservers[i]);
	if (c->dns.n_nameservers == 0) {
		/* A small local file read; the addresses only, no search list:
		 * configured names are used as they are written. */
		int rc = evdns_base_resolv_conf_parse(R.dns, DNS_OPTION_NAMESERVERS, c->dns.resolv_conf);
		if (rc != 0 && rc != 6)	/* 6: no nameserver in it, 127.0.0.1 is used */
			log_event(LOG_WARNING, EV_DNS_FAILED, "dns: cannot read %s (error %d); "
			    "nameserver 127.0.0.1 is used", c->dns.resolv_conf, rc);
	}
	servers_key(c, R.servers, sizeof(R.servers));
}

static int
has_names(const struct conf *c)
{
	for (int i = 0; i < c->n_um; i++)
		if (c->um[i].dns[0])
			return 1;
	for (int i = 0; i < c->n_gateways; i++)
		if (c->gateways[i].by_name)
			return 1;
	return 0;
}

/* The config's names get what is known now, then are resolved anew. */
static void
adopt(struct conf *c)
{
	R.conf = c;
	for (struct target *t = R.targets; t; t = t->next)
		t->used = 0;
	for (int um = 1; um >= 0; um--)
		for (int i = 0; i < (um ? c->n_um : c->n_gateways); i++) {
			struct target k, *t;
			if (um && !c->um[i].dns[0])
				continue;
			if (!um && !c->gateways[i].by_name)
				continue;
			if (um)
				um_key(&c->um[i], &k);
			else
				gw_key(&c->gateways[i], &k);
			if (!(t = find(&k))) {
				if (!(t = calloc(1, sizeof(*t))))
					continue;
				*t = k;
				t->next = R.targets;
				R.targets = t;
				t->timer = evtimer_new(R.base, on_timer, t);
			}
			t->used = 1;
		}
	for (struct target **p = &R.targets; *p;) {
		struct target *t = *p;
		if (!t->used) {
			*p = t->next;
			target_free(t);
			continue;
		}
		apply(t);
		if (!t->lookup) {
			if (t->timer)
				evtimer_del(t->timer);
			start_lookup(t);
		}
		p = &t->next;
	}
}

int
resolve_start(struct event_base *base, struct conf *c, char *err, size_t errlen)
{
	R.base = base;
	/* Not initialised from resolv.conf here: set_servers does that, as a
	 * reload will. No DISABLE_WHEN_INACTIVE: the daemon stops with loopexit. */
	if (!(R.dns = evdns_base_new(base, 0))) {
		snprintf(err, errlen, "dns: out of memory");
		return -1;
	}
	set_servers(c);
	if (has_names(c) && evdns_base_count_nameservers(R.dns) == 0)
		log_event(LOG_WARNING, EV_DNS_FAILED, "dns: no nameserver (dns.nameservers, %s)",
		    c->dns.resolv_conf);
	adopt(c);
	return 0;
}

void
resolve_reconf(struct conf *c)
{
	char key[sizeof(R.servers)];

	if (!R.dns)
		return;
	servers_key(c, key, sizeof(key));
	if (strcmp(key, R.servers) != 0) {
		/* Queries in flight are sent again to the new servers. */
		evdns_base_clear_nameservers_and_suspend(R.dns);
		set_servers(c);
		evdns_base_resume(R.dns);
	}
	adopt(c);
}

void
resolve_stop(void)
{
	while (R.targets) {
		struct target *t = R.targets;
		R.targets = t->next;
		target_free(t);
	}
	/* Requests in flight are dropped without their callbacks (the loop has
	 * stopped); the lookups they belonged to are ours to free. */
	if (R.dns)
		evdns_base_free(R.dns, 0);
	R.dns = NULL;
	resolve_lookup_free_all();
	R.conf = NULL;
}

/* ---- questions ---- */

int
resolve_um_at(const struct conf_um *u, const struct sockaddr *a)
{
	if (!u->dns[0])		/* a literal */
		return netaddr_same_host(netaddr_csa(&u->sa), a);
	for (int i = 0; i < u->n_addr; i++)	/* sa is addr[0] */
		if (netaddr_same_host((const struct sockaddr *)&u->addr[i].ss, a))
			return 1;
	return 0;
}

static void
status_fields(const struct target *k, struct evbuffer *out)
{
	const struct target *t = find(k);
	char list[RESOLVE_MAX_ADDR * NETADDR_STRLEN], when[32] = "never";

	if (!t) {
		evbuffer_add_printf(out, " dns=%s resolved=none", k->name);
		return;
	}
	addr_list(t, list, sizeof(list));
	if (t->resolved_at)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t->resolved_at));
	evbuffer_add_printf(out, " dns=%s%s%s resolved=%s resolved_at=%s ttl=%d", t->srv ? service(t) : "",
	    t->srv ? "." : "", t->name, list, when, t->n_addr ? t->ttl : 0);
	if (t->error[0])
		evbuffer_add_printf(out, " dns_error=%s", t->error);
}

void
resolve_status_um(const struct conf *c, int um, struct evbuffer *out)
{
	struct target k;

	if (!c->um[um].dns[0])
		return;
	um_key(&c->um[um], &k);
	status_fields(&k, out);
}

void
resolve_status_gateway(const struct conf *c, int gw, struct evbuffer *out)
{
	struct target k;

	if (!c->gateways[gw].by_name)
		return;
	gw_key(&c->gateways[gw], &k);
	status_fields(&k, out);
}
