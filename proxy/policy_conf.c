#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_conf.h"

const char *
direction_name(enum direction d)
{
	return d == DIR_OUTBOUND ? "outbound" : "inbound";
}

int
policy_conf_limit(struct confget *g, const config_setting_t *grp, struct conf_limit *out)
{
	out->max_calls = 0;
	out->max_cps = 0;
	if (confget_int(g, grp, "max_calls", &out->max_calls, 1, 10000000) ||
	    confget_int(g, grp, "max_cps", &out->max_cps, 1, 100000))
		return -1;
	return 0;
}

/* A list of patterns (key of grp) compiled into *out; each error names its
 * line and PCRE2's reason. */
static int
load_rules(struct confget *g, const config_setting_t *grp, const char *key, const char *what,
    struct numrule **out, int *n)
{
	config_setting_t *l = grp ? config_setting_get_member(grp, key) : NULL;

	*out = NULL;
	*n = 0;
	if (!l)
		return 0;
	if (!config_setting_is_aggregate(l) || config_setting_is_group(l))
		return confget_fail(g, l, "%s: %s: expected a list ( \"PATTERN\", ... )", what, key);
	int count = config_setting_length(l);
	if (!(*out = calloc(count ? (size_t)count : 1, sizeof(**out))))
		return confget_fail(g, l, "%s: out of memory", what);
	for (int i = 0; i < count; i++) {
		config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
		const char *p = config_setting_get_string(e);
		char why[200];
		if (!p)
			return confget_fail(g, e, "%s: %s: expected a string", what, key);
		if (numrule_compile(&(*out)[i], p, config_setting_source_line(e), why, sizeof(why)))
			return confget_fail(g, e, "%s: %s: pattern \"%s\" does not compile: %s",
			    what, key, p, why);
		(*n)++;
	}
	return 0;
}

int
policy_conf_direction(struct confget *g, const config_setting_t *dp, const char *key,
    const char *what, struct conf_direction *out)
{
	static const char *const known[] = {
		"allow", "deny", "number_from", POLICY_LIMIT_KEYS, NULL
	};
	config_setting_t *grp = config_setting_get_member(dp, key);
	char in[200];
	const char *from = "request-uri";

	memset(out, 0, sizeof(*out));
	snprintf(in, sizeof(in), "%s %s", what, key);
	if (confget_known(g, grp, in, known) || policy_conf_limit(g, grp, &out->limit) ||
	    confget_str(g, grp, "number_from", &from, 0) ||
	    load_rules(g, grp, "allow", in, &out->rules.allow, &out->rules.n_allow) ||
	    load_rules(g, grp, "deny", in, &out->rules.deny, &out->rules.n_deny))
		return -1;
	if (strcmp(from, "request-uri") == 0)
		out->number_from = NUMBER_FROM_RURI;
	else if (strcmp(from, "to") == 0)
		out->number_from = NUMBER_FROM_TO;
	else
		return confget_fail(g, config_setting_get_member(grp, "number_from"),
		    "%s: number_from: \"%s\" is not \"request-uri\" or \"to\"", in, from);
	return 0;
}

void
policy_conf_free(struct conf_direction *d)
{
	numrules_free(&d->rules);
}
