/* Who may hold a TCP or TLS connection. One pool (tls.max_connections) for
 * every connection; of it, connections not yet admitted from addresses that
 * belong to no listed peer (a TLS handshake under way) may take only
 * tls.max_unauthenticated, and one source address (an IPv6 /64) only
 * tls.max_unauthenticated_per_address. The rest of the pool is the reserve of
 * the listed gateways' and UM servers' addresses, so strangers cannot lock
 * them out. Core thread only. */
#ifndef UMSBC_CONN_BUDGET_H
#define UMSBC_CONN_BUDGET_H

#include <sys/socket.h>

struct conn_budget_limits {
	int total, unauth, per_address;
};

enum conn_budget_verdict {
	BUDGET_OK,
	BUDGET_FULL,		/* the whole pool */
	BUDGET_UNAUTH_FULL,	/* the strangers' share */
	BUDGET_ADDRESS_FULL,	/* this address's share of it */
};

void conn_budget_set(const struct conn_budget_limits *l);
/* May a new connection from src open, with n_open connections open now?
 * listed: src is a listed gateway's or UM server's address. */
enum conn_budget_verdict conn_budget_check(const struct sockaddr *src, int listed, int n_open);
const char *conn_budget_reason(enum conn_budget_verdict v);
/* Counts / uncounts an unauthenticated connection from src. */
void conn_budget_hold(const struct sockaddr *src);
void conn_budget_release(const struct sockaddr *src);
/* Unauthenticated connections held now; from src. */
int conn_budget_held(void);
int conn_budget_held_by(const struct sockaddr *src);
/* Drops every count (shutdown, tests). */
void conn_budget_clear(void);

#endif
