/* The call policy settings of umsbc.conf: max_calls / max_cps of node, UM
 * servers, gateways and dial plans, and a dial plan's outbound and inbound
 * groups (allow / deny rules, where the number is read, their own limits).
 * Read by conf.c's loaders; the patterns are compiled here, once. */
#ifndef UMSBC_POLICY_CONF_H
#define UMSBC_POLICY_CONF_H

#include <libconfig.h>

#include "confget.h"
#include "numrule.h"

struct conf_limit {
	int max_calls;		/* concurrent calls, 0 = no limit */
	int max_cps;		/* new calls per second, 0 = no limit */
};

enum direction { DIR_OUTBOUND, DIR_INBOUND };	/* UM server -> gateway, and back */
enum number_from { NUMBER_FROM_RURI, NUMBER_FROM_TO };

struct conf_direction {
	struct numrules rules;
	enum number_from number_from;
	struct conf_limit limit;
};

/* The limit keys of a group, for its list of known keys. */
#define POLICY_LIMIT_KEYS "max_calls", "max_cps"

/* max_calls and max_cps of grp (NULL: none) into out. 0, or -1 (g has the error). */
int policy_conf_limit(struct confget *g, const config_setting_t *grp, struct conf_limit *out);
/* The group key ("outbound", "inbound") of dial plan entry dp into out;
 * absent leaves everything open. what names the dial plan in errors. */
int policy_conf_direction(struct confget *g, const config_setting_t *dp, const char *key,
    const char *what, struct conf_direction *out);
void policy_conf_free(struct conf_direction *d);
const char *direction_name(enum direction d);

#endif
