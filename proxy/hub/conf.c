#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confget.h"
#include "hub.h"

struct hctx {
	const config_t *lc;
	struct confget g;
};

#define hfail(x, s, ...) confget_fail(&(x)->g, (s), __VA_ARGS__)

int
hub_conf_client_allowed(const struct hub_conf *c, const struct sockaddr *sa)
{
	for (int i = 0; i < c->n_clients; i++)
		if (netaddr_same_host((const struct sockaddr *)&c->clients[i].ss, sa))
			return 1;
	return 0;
}

static int
get_int(struct hctx *x, const config_setting_t *g, const char *key, int *out, int min, int max)
{
	return confget_int(&x->g, g, key, out, min, max);
}

static int
get_str(struct hctx *x, const config_setting_t *g, const char *key, const char **out,
    int required)
{
	return confget_str(&x->g, g, key, out, CONFGET_NONEMPTY | (required ? CONFGET_REQUIRED : 0));
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

int
hub_conf_load(const config_t *lc, struct hub_conf *out, char *err, size_t errlen)
{
	static const char *const known[] = {
		"listen", "clients", "upstream", "upstream_name", "helo_name", "timeout",
		"data_timeout", "max_sessions", "max_errors", NULL
	};
	struct hctx x = { lc, { "(config)", "hub_transport: ", err, errlen, 0 } };
	const config_setting_t *g = config_lookup(lc, "hub_transport");
	const char *listen = NULL, *upstream = NULL, *uname = NULL, *helo = NULL;

	memset(out, 0, sizeof(*out));
	out->timeout = 300;
	out->data_timeout = 600;
	out->max_sessions = 100;
	out->max_errors = 10;
	if (!g)
		return 0;
	if (confget_known(&x.g, g, NULL, known) ||	/* the prefix names the group */
	    get_str(&x, g, "listen", &listen, 1) || get_str(&x, g, "upstream", &upstream, 1) ||
	    get_str(&x, g, "upstream_name", &uname, 1) || get_str(&x, g, "helo_name", &helo, 0) ||
	    get_int(&x, g, "timeout", &out->timeout, 5, 3600) ||
	    get_int(&x, g, "data_timeout", &out->data_timeout, 5, 3600) ||
	    get_int(&x, g, "max_sessions", &out->max_sessions, 1, 10000) ||
	    get_int(&x, g, "max_errors", &out->max_errors, 1, 1000))
		return -1;
	if (netaddr_parse_hostport(listen, 25, &out->listen) != 0)
		return hfail(&x, config_setting_get_member(g, "listen"),
		    "listen: \"%s\" is not an IP address with an optional port", listen);
	if (netaddr_parse_hostport(upstream, 25, &out->upstream) != 0)
		return hfail(&x, config_setting_get_member(g, "upstream"),
		    "upstream: \"%s\" is not an IP address with an optional port "
		    "(names are not resolved: give the address, and the name in upstream_name)",
		    upstream);
	if (!valid_name(uname))
		return hfail(&x, config_setting_get_member(g, "upstream_name"),
		    "upstream_name: \"%s\" is not a DNS name", uname);
	snprintf(out->upstream_name, sizeof(out->upstream_name), "%s", uname);
	if (!helo && !config_lookup_string(lc, "node.fqdn", &helo))
		helo = "localhost";
	if (!valid_name(helo))
		return hfail(&x, config_setting_get_member(g, "helo_name") ?
		    config_setting_get_member(g, "helo_name") : g,
		    "helo_name: \"%s\" is not a DNS name", helo);
	snprintf(out->helo_name, sizeof(out->helo_name), "%s", helo);

	const config_setting_t *cl = config_setting_get_member(g, "clients");
	if (!cl)
		return hfail(&x, g, "missing \"clients\"");
	if (!config_setting_is_array(cl) && !config_setting_is_list(cl))
		return hfail(&x, cl, "clients: expected a list of addresses ( \"10.0.0.20\", ... )");
	if (config_setting_length(cl) == 0)
		return hfail(&x, cl, "clients: must not be empty");
	if (config_setting_length(cl) > HUB_MAX_CLIENTS)
		return hfail(&x, cl, "clients: at most %d addresses", HUB_MAX_CLIENTS);
	for (int i = 0; i < config_setting_length(cl); i++) {
		const config_setting_t *e = config_setting_get_elem(cl, (unsigned)i);
		const char *a = config_setting_get_string(e);
		if (!a || netaddr_parse(a, 0, &out->clients[i]) != 0)
			return hfail(&x, e, "clients: \"%s\" is not an IPv4 or IPv6 address",
			    a ? a : "(not a string)");
		out->n_clients++;
	}
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
