#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confget.h"
#include "hub.h"

int
hub_conf_client_allowed(const struct hub_conf *c, const struct sockaddr *sa)
{
	for (int i = 0; i < c->n_clients; i++)
		if (netaddr_same_host((const struct sockaddr *)&c->clients[i].ss, sa))
			return 1;
	return 0;
}

/* A DNS name as a certificate would carry it: letters, digits, '-', '.'. */
static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HUB_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

/* The group's strings, checked once everything is read. */
struct strings {
	const char *listen, *upstream, *upstream_name, *helo_name;
};

static int
read_settings(struct confget *g, const config_setting_t *grp, struct strings *s,
    struct hub_conf *out)
{
	static const char *const known[] = {
		"listen", "clients", "upstream", "upstream_name", "helo_name", "timeout",
		"data_timeout", "max_sessions", "max_errors", NULL
	};
	const int req = CONFGET_NONEMPTY | CONFGET_REQUIRED;

	return confget_known(g, grp, NULL, known) ||	/* the prefix names the group */
	    confget_str(g, grp, "listen", &s->listen, req) ||
	    confget_str(g, grp, "upstream", &s->upstream, req) ||
	    confget_str(g, grp, "upstream_name", &s->upstream_name, req) ||
	    confget_str(g, grp, "helo_name", &s->helo_name, CONFGET_NONEMPTY) ||
	    confget_int(g, grp, "timeout", &out->timeout, 5, 3600) ||
	    confget_int(g, grp, "data_timeout", &out->data_timeout, 5, 3600) ||
	    confget_int(g, grp, "max_sessions", &out->max_sessions, 1, 10000) ||
	    confget_int(g, grp, "max_errors", &out->max_errors, 1, 1000) ? -1 : 0;
}

static int
check_addresses(struct confget *g, const config_setting_t *grp, const struct strings *s,
    struct hub_conf *out)
{
	if (netaddr_parse_hostport(s->listen, 25, &out->listen) != 0)
		return confget_fail(g, config_setting_get_member(grp, "listen"),
		    "listen: \"%s\" is not an IP address with an optional port", s->listen);
	if (netaddr_parse_hostport(s->upstream, 25, &out->upstream) != 0)
		return confget_fail(g, config_setting_get_member(grp, "upstream"),
		    "upstream: \"%s\" is not an IP address with an optional port "
		    "(names are not resolved: give the address, and the name in upstream_name)",
		    s->upstream);
	return 0;
}

/* upstream_name, and helo_name (node.fqdn, else "localhost", when unset). */
static int
check_names(struct confget *g, const config_t *lc, const config_setting_t *grp,
    const struct strings *s, struct hub_conf *out)
{
	const config_setting_t *helo_at = config_setting_get_member(grp, "helo_name");
	const char *helo = s->helo_name;

	if (!valid_name(s->upstream_name))
		return confget_fail(g, config_setting_get_member(grp, "upstream_name"),
		    "upstream_name: \"%s\" is not a DNS name", s->upstream_name);
	snprintf(out->upstream_name, sizeof(out->upstream_name), "%s", s->upstream_name);
	if (!helo && !config_lookup_string(lc, "node.fqdn", &helo))
		helo = "localhost";
	if (!valid_name(helo))
		return confget_fail(g, helo_at ? helo_at : grp,
		    "helo_name: \"%s\" is not a DNS name", helo);
	snprintf(out->helo_name, sizeof(out->helo_name), "%s", helo);
	return 0;
}

static int
load_clients(struct confget *g, const config_setting_t *grp, struct hub_conf *out)
{
	const config_setting_t *cl = config_setting_get_member(grp, "clients");

	if (!cl)
		return confget_fail(g, grp, "missing \"clients\"");
	if (!config_setting_is_array(cl) && !config_setting_is_list(cl))
		return confget_fail(g, cl, "clients: expected a list of addresses ( \"10.0.0.20\", ... )");
	if (config_setting_length(cl) == 0)
		return confget_fail(g, cl, "clients: must not be empty");
	if (config_setting_length(cl) > HUB_MAX_CLIENTS)
		return confget_fail(g, cl, "clients: at most %d addresses", HUB_MAX_CLIENTS);
	for (int i = 0; i < config_setting_length(cl); i++) {
		const config_setting_t *e = config_setting_get_elem(cl, (unsigned)i);
		const char *a = config_setting_get_string(e);
		if (!a || netaddr_parse(a, 0, &out->clients[i]) != 0)
			return confget_fail(g, e, "clients: \"%s\" is not an IPv4 or IPv6 address",
			    a ? a : "(not a string)");
		out->n_clients++;
	}
	return 0;
}

int
hub_conf_load(const config_t *lc, struct hub_conf *out, char *err, size_t errlen)
{
	struct confget g = { "(config)", "hub_transport: ", err, errlen, 0 };
	const config_setting_t *grp = config_lookup(lc, "hub_transport");
	struct strings s = { NULL, NULL, NULL, NULL };

	memset(out, 0, sizeof(*out));
	out->timeout = 300;
	out->data_timeout = 600;
	out->max_sessions = 100;
	out->max_errors = 10;
	if (!grp)
		return 0;
	if (read_settings(&g, grp, &s, out) || check_addresses(&g, grp, &s, out) ||
	    check_names(&g, lc, grp, &s, out) || load_clients(&g, grp, out))
		return -1;
	out->enabled = 1;
	return 0;
}

struct hub_conf *
hub_conf_new(const config_t *lc, char *err, size_t errlen)
{
	struct hub_conf *c = malloc(sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "(config):0: hub_transport: out of memory");
		return NULL;
	}
	if (hub_conf_load(lc, c, err, errlen) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

void
hub_conf_free(struct hub_conf *c)
{
	free(c);
}

int
hub_conf_enabled(const struct hub_conf *c)
{
	return c && c->enabled;
}
