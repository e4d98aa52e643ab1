/* The core's table of TCP/TLS connections: what the core knows of each
 * (peer, side, names, owning worker; the bytes live in a worker) and three
 * indexes, so that no lookup walks the table: by id (every note a worker
 * sends), by peer (a connection transport_send may reuse) and by gateway
 * (status, metrics, the connection a gateway's requests go out on).
 * Core thread only, like everything it indexes. */
#ifndef UMSBC_CONNS_H
#define UMSBC_CONNS_H

#include <stdint.h>
#include <sys/queue.h>

#include "conf.h"
#include "peercert.h"
#include "tls.h"
#include "util/hashtab.h"
#include "util/netaddr.h"

struct listener;
struct conns_gw;

struct conn {
	uint64_t id;
	int worker;		/* the thread that owns its socket */
	struct listener *li;	/* local side */
	enum transport tp;
	struct netaddr peer;
	int outbound;
	int established;	/* set by conns_set_established */
	int closing;		/* set by conns_closing */
	int held;		/* counted in conn_budget: not admitted yet, unlisted source */
	int gateway;		/* last admitted gateway, -1 (conns_set_gateway) */
	char verify_name[TLS_NAME_LEN];	/* outbound TLS */
	int n_names;
	char names[TLS_MAX_NAMES][TLS_NAME_LEN];
	struct peercert cert;	/* TLS: what the peer showed */
	/* conns.c's own: its places in the indexes */
	struct hashtab_node by_id, by_peer;
	char id_key[HASHTAB_U64_KEYLEN];
	char peer_key[NETADDR_STRLEN + 8];
	struct conns_gw *gw;	/* the gateway it counts for, or NULL */
	TAILQ_ENTRY(conn) gw_link;
};

/* A new connection with the next id, indexed by id and peer, counting for
 * no gateway; NULL without memory. */
struct conn *conns_new(struct listener *li, enum transport tp, const struct netaddr *peer,
    int outbound);
/* Out of every index, and freed. */
void conns_free(struct conn *c);
/* Frees the indexes themselves once the table is empty (shutdown). */
void conns_release(void);

struct conn *conns_find(uint64_t id);
int conns_count(void);
/* Every connection; the current one may be freed once its next is taken. */
struct conn *conns_first(void);
struct conn *conns_next(const struct conn *c);

/* A closing connection stays findable by id until it is down, but is no
 * longer reused nor counted for its gateway. */
void conns_closing(struct conn *c);
void conns_set_established(struct conn *c);
/* c counts for gateway (-1: for none). admitted: the gateway spoke on it
 * (c->gateway is set, and it becomes the gateway's last used connection);
 * else it is only ours toward the gateway's address, not spoken on yet. */
void conns_set_gateway(struct conn *c, int gateway, int admitted);
/* A reload renumbers gateways: what was admitted is forgotten (the next
 * message admits again) and ours toward a gateway count for its new number. */
void conns_reconf(const struct conf *conf);

/* The connection gateway spoke on last, or NULL. */
struct conn *conns_gateway_last(int gateway);
/* Connections counting for gateway; *established of them past the handshake. */
int conns_gateway_count(int gateway, int *established);
/* The oldest open connection to addr from side over tp; an outbound TLS one
 * only when it verified verify_name. */
struct conn *conns_reusable(enum side side, enum transport tp, const struct netaddr *addr,
    const char *verify_name);

#endif
