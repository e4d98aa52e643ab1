/* Flood protection before admission: per source address (an IPv6 /64), a
 * token bucket on new TCP/TLS connections (each TLS one a full handshake)
 * and one on SIP datagrams to the outside; a source over a budget is ignored
 * for limits.cooldown seconds, so one address flooding 5060/5061 cannot take
 * the daemon's CPU from the other gateways. Core thread only. */
#ifndef UMSBC_SRC_LIMIT_H
#define UMSBC_SRC_LIMIT_H

#include <sys/socket.h>

enum src_kind { SRC_CONN, SRC_UDP, SRC_KINDS };

struct src_limits {
	int rate[SRC_KINDS];	/* per second, 0 = no limit */
	int burst[SRC_KINDS];
	int cooldown;		/* seconds */
};

void src_limit_set(const struct src_limits *l);
/* Takes one token of kind k for src: 1 = go on, 0 = ignore it. *tripped is
 * set when this call put the source into its cool-down (log it then: once
 * a period). */
int src_limit_take(const struct sockaddr *src, enum src_kind k, int *tripped);
/* Forgets every source (tests, reload of the limits keeps them). */
void src_limit_clear(void);

#endif
