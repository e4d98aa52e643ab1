#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "admit.h"
#include "conns.h"
#include "transport.h"

/* The connections counting for one gateway: those it spoke on, the one it
 * spoke on last first, then ours toward it that it has not spoken on yet. */
struct conns_gw {
	struct hashtab_node node;	/* in G.gws by key */
	int gateway;
	char key[12];			/* its number, as the table's key */
	TAILQ_HEAD(, conn) list;
	int n, established;
};

static const char *id_key(const struct hashtab_node *n);
static const char *peer_key(const struct hashtab_node *n);
static const char *gw_key(const struct hashtab_node *n);

static struct {
	struct hashtab by_id, by_peer, gws;
	uint64_t next_id;
} G = { { .key = id_key }, { .key = peer_key }, { .key = gw_key }, 0 };

#define CONN_OF(n, member) hashtab_entry((n), struct conn, member)

static const char *
id_key(const struct hashtab_node *n)
{
	return CONN_OF(n, by_id)->id_key;
}

static const char *
peer_key(const struct hashtab_node *n)
{
	return CONN_OF(n, by_peer)->peer_key;
}

static const char *
gw_key(const struct hashtab_node *n)
{
	return hashtab_entry(n, struct conns_gw, node)->key;
}

/* The by_peer key: side, transport, then the port and address bytes in
 * hex. Every send toward a peer looks it up, so no inet_ntop or snprintf;
 * the lookup compares the addresses themselves, the key only spreads them. */
static void
format_peer(enum side side, enum transport tp, const struct netaddr *a, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
	const unsigned char *port, *addr;
	size_t n, o = 0;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		port = (const unsigned char *)&s6->sin6_port;
		addr = s6->sin6_addr.s6_addr;
		n = 16;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		port = (const unsigned char *)&s4->sin_port;
		addr = (const unsigned char *)&s4->sin_addr;
		n = sa->sa_family == AF_INET ? 4 : 0;
	}
	out[o++] = (char)('0' + (int)side);
	out[o++] = (char)('0' + (int)tp);
	for (size_t i = 0; i < 2 + n && o + 3 <= len; i++) {
		unsigned char b = i < 2 ? port[i] : addr[i - 2];
		out[o++] = hex[b >> 4];
		out[o++] = hex[b & 15];
	}
	out[o] = '\0';
}

struct conn *
conns_new(struct listener *li, enum transport tp, const struct netaddr *peer, int outbound)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = ++G.next_id;
	c->li = li;
	c->tp = tp;
	c->peer = *peer;
	c->outbound = outbound;
	c->gateway = -1;
	hashtab_key_u64(c->id, c->id_key);
	format_peer(li->side, tp, peer, c->peer_key, sizeof(c->peer_key));
	if (hashtab_insert(&G.by_id, &c->by_id) != 0) {
		free(c);
		return NULL;
	}
	if (hashtab_insert(&G.by_peer, &c->by_peer) != 0) {
		hashtab_remove(&G.by_id, &c->by_id);
		free(c);
		return NULL;
	}
	return c;
}

struct conn *
conns_find(uint64_t id)
{
	char key[HASHTAB_U64_KEYLEN];

	hashtab_key_u64(id, key);
	struct hashtab_node *n = hashtab_find(&G.by_id, key);
	return n ? CONN_OF(n, by_id) : NULL;
}

int
conns_count(void)
{
	return (int)hashtab_count(&G.by_id);
}

struct conn *
conns_first(void)
{
	struct hashtab_node *n = hashtab_first(&G.by_id);

	return n ? CONN_OF(n, by_id) : NULL;
}

struct conn *
conns_next(const struct conn *c)
{
	struct hashtab_node *n = hashtab_next(&G.by_id, &c->by_id);

	return n ? CONN_OF(n, by_id) : NULL;
}

/* ---- by gateway ---- */

static struct conns_gw *
gw_find(int gateway)
{
	char key[12];

	snprintf(key, sizeof(key), "%d", gateway);
	struct hashtab_node *n = hashtab_find(&G.gws, key);
	return n ? hashtab_entry(n, struct conns_gw, node) : NULL;
}

static struct conns_gw *
gw_get(int gateway)
{
	struct conns_gw *g = gw_find(gateway);

	if (g || !(g = calloc(1, sizeof(*g))))
		return g;
	g->gateway = gateway;
	snprintf(g->key, sizeof(g->key), "%d", gateway);
	TAILQ_INIT(&g->list);
	if (hashtab_insert(&G.gws, &g->node) != 0) {
		free(g);
		return NULL;
	}
	return g;
}

static void
gw_leave(struct conn *c)
{
	struct conns_gw *g = c->gw;

	if (!g)
		return;
	TAILQ_REMOVE(&g->list, c, gw_link);
	g->n--;
	g->established -= c->established;
	c->gw = NULL;
	if (g->n == 0) {
		hashtab_remove(&G.gws, &g->node);
		free(g);
	}
}

void
conns_set_gateway(struct conn *c, int gateway, int admitted)
{
	struct conns_gw *g = c->gw;

	if (admitted)
		c->gateway = gateway;
	if (g && g->gateway == gateway) {
		TAILQ_REMOVE(&g->list, c, gw_link);	/* only its place changes */
	} else {
		gw_leave(c);
		if (gateway < 0 || c->closing || !(g = gw_get(gateway)))
			return;
		g->n++;
		g->established += c->established;
		c->gw = g;
	}
	if (admitted)
		TAILQ_INSERT_HEAD(&g->list, c, gw_link);
	else
		TAILQ_INSERT_TAIL(&g->list, c, gw_link);
}

void
conns_reconf(const struct conf *conf)
{
	for (struct conn *c = conns_first(); c; c = conns_next(c)) {
		int gw = -1;
		if (c->outbound && c->li->side == SIDE_OUTSIDE)
			gw = admit_gateway_by_address(conf, (const struct sockaddr *)&c->peer.ss);
		c->gateway = -1;
		conns_set_gateway(c, gw, 0);
	}
}

struct conn *
conns_gateway_last(int gateway)
{
	struct conns_gw *g = gw_find(gateway);
	struct conn *c = g ? TAILQ_FIRST(&g->list) : NULL;

	return c && c->gateway == gateway ? c : NULL;
}

int
conns_gateway_count(int gateway, int *established)
{
	struct conns_gw *g = gw_find(gateway);

	*established = g ? g->established : 0;
	return g ? g->n : 0;
}

/* ---- state ---- */

void
conns_set_established(struct conn *c)
{
	if (c->established)
		return;
	c->established = 1;
	if (c->gw)
		c->gw->established++;
}

void
conns_closing(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	gw_leave(c);
	hashtab_remove(&G.by_peer, &c->by_peer);
}

void
conns_free(struct conn *c)
{
	conns_closing(c);
	hashtab_remove(&G.by_id, &c->by_id);
	free(c);
}

void
conns_release(void)
{
	if (hashtab_count(&G.by_id) != 0)
		return;
	hashtab_free(&G.by_id);
	hashtab_free(&G.by_peer);
	hashtab_free(&G.gws);
}

/* ---- by peer ---- */

static int
reusable(const struct conn *c, const char *verify_name)
{
	return c->tp != TP_TLS || !c->outbound ||
	    strcasecmp(c->verify_name, verify_name ? verify_name : "") == 0;
}

struct conn *
conns_reusable(enum side side, enum transport tp, const struct netaddr *addr,
    const char *verify_name)
{
	char key[NETADDR_STRLEN + 8];
	struct conn *best = NULL;

	format_peer(side, tp, addr, key, sizeof(key));
	for (struct hashtab_node *n = hashtab_find(&G.by_peer, key); n;
	    n = hashtab_find_next(&G.by_peer, n)) {
		struct conn *c = CONN_OF(n, by_peer);
		if (netaddr_equal((const struct sockaddr *)&c->peer.ss,
		    (const struct sockaddr *)&addr->ss) && reusable(c, verify_name) &&
		    (!best || c->id < best->id))
			best = c;
	}
	return best;
}
