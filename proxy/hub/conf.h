/* The optional hub_transport group of umsbc.conf: the SMTP relay from the
 * legacy UM servers (inside, plain SMTP) to the Hub Transport (STARTTLS with
 * mutual TLS). A loaded struct hub_conf holds copies of everything, so it
 * outlives the config_t it came from and can be copied by value. Inside
 * proxy/hub/ only: the rest of the daemon sees it through hub.h. */
#ifndef UMSBC_HUB_CONF_H
#define UMSBC_HUB_CONF_H

#include <stddef.h>
#include <libconfig.h>

#include "util/netaddr.h"

#define HUB_MAX_CLIENTS 64
#define HUB_NAME_MAX 256

struct hub_conf {
	int enabled;			/* 0: no hub_transport group */
	struct netaddr listen;	/* inside address for the UM servers */
	int n_clients;
	struct netaddr clients[HUB_MAX_CLIENTS];	/* addresses only, port 0 */
	struct netaddr upstream;	/* the Hub Transport */
	char upstream_name[HUB_NAME_MAX];	/* name its certificate must carry */
	char helo_name[HUB_NAME_MAX];	/* our name in EHLO and greetings */
	int timeout;			/* s, RFC 5321 4.5.3.2: 300 */
	int data_timeout;		/* s, reply to the end of data: 600 */
	int max_sessions;
	int max_errors;			/* bad commands before 421 and close */
};

/* Reads the hub_transport group of lc (absent: out->enabled = 0, returns 0).
 * Returns 0, or -1 with "FILE:LINE: reason" in err. */
int hub_conf_load(const config_t *lc, struct hub_conf *out, char *err, size_t errlen);

/* Is sa (any port) one of the listed clients? */
int hub_conf_client_allowed(const struct hub_conf *c, const struct sockaddr *sa);

#endif
