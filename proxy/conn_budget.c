#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conn_budget.h"

/* Held connections per source: a chained table; an address leaves it when
 * its last connection does, so it never holds more entries than held
 * connections. */
#define BUCKETS 4096

struct src {
	struct src *next;
	uint64_t key;
	int held;
};

static struct {
	struct conn_budget_limits lim;
	int held;
	struct src *bucket[BUCKETS];
} B = { { 1024, 256, 8 }, 0, { NULL } };

static struct src **
slot(uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	struct src **p = &B.bucket[(h >> 40) % BUCKETS];

	while (*p && (*p)->key != key)
		p = &(*p)->next;
	return p;
}

void
conn_budget_set(const struct conn_budget_limits *l)
{
	B.lim = *l;
}

int
conn_budget_held(void)
{
	return B.held;
}

int
conn_budget_held_by(const struct sockaddr *src)
{
	struct src *s = *slot(netaddr_source_key(src));
	return s ? s->held : 0;
}

enum conn_budget_verdict
conn_budget_check(const struct sockaddr *src, int listed, int n_open)
{
	if (n_open >= B.lim.total)
		return BUDGET_FULL;
	if (listed)
		return BUDGET_OK;
	if (B.held >= B.lim.unauth)
		return BUDGET_UNAUTH_FULL;
	if (conn_budget_held_by(src) >= B.lim.per_address)
		return BUDGET_ADDRESS_FULL;
	return BUDGET_OK;
}

const char *
conn_budget_reason(enum conn_budget_verdict v)
{
	switch (v) {
	case BUDGET_FULL: return "connection limit reached (tls.max_connections)";
	case BUDGET_UNAUTH_FULL: return "too many unauthenticated connections (tls.max_unauthenticated)";
	case BUDGET_ADDRESS_FULL: return "too many unauthenticated connections from this address "
		    "(tls.max_unauthenticated_per_address)";
	case BUDGET_OK: break;
	}
	return "ok";
}

void
conn_budget_hold(const struct sockaddr *src)
{
	uint64_t key = netaddr_source_key(src);
	struct src **p = slot(key);

	if (!*p) {
		if (!(*p = calloc(1, sizeof(**p))))
			return;	/* uncounted: the total pool still bounds it */
		(*p)->key = key;
	}
	(*p)->held++;
	B.held++;
}

void
conn_budget_release(const struct sockaddr *src)
{
	struct src **p = slot(netaddr_source_key(src)), *s = *p;

	if (!s)
		return;
	B.held--;
	if (--s->held == 0) {
		*p = s->next;
		free(s);
	}
}

void
conn_budget_clear(void)
{
	for (int i = 0; i < BUCKETS; i++)
		while (B.bucket[i]) {
			struct src *s = B.bucket[i];
			B.bucket[i] = s->next;
			free(s);
		}
	B.held = 0;
}
