#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "admission_limits.h"

#define TOKEN 1000		/* the bucket counts thousandths of a call */

struct alim {
	LIST_ENTRY(alim) link;
	enum alim_kind kind;
	char *name;
	struct conf_limit max;
	int configured;		/* in the config in use; else kept for its calls */
	unsigned calls;
	int64_t tokens, refilled_ms;
	int64_t sec;		/* the second n_sec counts */
	unsigned n_sec, n_prev;
	uint64_t refused;
};

static struct {
	LIST_HEAD(, alim) all;
	struct alim *node;
	struct alim **by;	/* the config's limits: node, gateways, UM servers, dial plans */
	struct alim **gw, **um, **dp;	/* into by, by config index; dp: 3 per dial plan */
	int n_gw, n_um, n_dp;
} A;

static struct alim *
find(enum alim_kind kind, const char *name)
{
	struct alim *l;

	LIST_FOREACH(l, &A.all, link)
		if (l->kind == kind && strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

struct want {
	enum alim_kind kind;
	const char *name;
	const struct conf_limit *max;
};

/* Every limit config c names, in the order of the index arrays. */
static struct want *
wanted(const struct conf *c, int *n)
{
	struct want *w = calloc(1 + (size_t)c->n_gateways + (size_t)c->n_um +
	    3 * (size_t)c->n_dialplans, sizeof(*w));
	int k = 0;

	if (!w)
		return NULL;
	w[k++] = (struct want){ ALIM_NODE, "", &c->node_limit };
	for (int i = 0; i < c->n_gateways; i++)
		w[k++] = (struct want){ ALIM_GATEWAY, c->gateways[i].name, &c->gateways[i].limit };
	for (int i = 0; i < c->n_um; i++)
		w[k++] = (struct want){ ALIM_UM, c->um[i].name, &c->um[i].limit };
	for (int i = 0; i < c->n_dialplans; i++) {
		const struct conf_dialplan *d = &c->dialplans[i];
		w[k++] = (struct want){ ALIM_DIALPLAN, d->name, &d->limit };
		w[k++] = (struct want){ ALIM_DIALPLAN_OUT, d->name, &d->dir[DIR_OUTBOUND].limit };
		w[k++] = (struct want){ ALIM_DIALPLAN_IN, d->name, &d->dir[DIR_INBOUND].limit };
	}
	*n = k;
	return w;
}

/* A new limit, not configured yet: its bucket is filled when it is. */
static struct alim *
create(const struct want *w, int64_t now)
{
	struct alim *l = calloc(1, sizeof(*l));

	if (!l || !(l->name = strdup(w->name))) {
		free(l);
		return NULL;
	}
	l->kind = w->kind;
	l->tokens = -1;
	l->refilled_ms = now;
	LIST_INSERT_HEAD(&A.all, l, link);
	return l;
}

static void
configure(struct alim *l, const struct conf_limit *max)
{
	int64_t cap = (int64_t)max->max_cps * TOKEN;

	l->max = *max;
	if (l->tokens < 0 || l->tokens > cap)
		l->tokens = cap;	/* new: full; smaller: no more than it holds */
	l->configured = 1;
}

static void
drop(struct alim *l)
{
	LIST_REMOVE(l, link);
	free(l->name);
	free(l);
}

/* Limits no config names any more go with their last call. */
static void
unbind(void)
{
	struct alim *l, *next;

	for (l = LIST_FIRST(&A.all); l; l = next) {
		next = LIST_NEXT(l, link);
		if (!l->configured && l->calls == 0)
			drop(l);
	}
}

/* All that can fail comes first (creating the limits the config adds), so
 * that a failure leaves the binding in use as it was. */
int
alim_apply(const struct conf *c, int64_t now)
{
	int n = 0, ok;
	struct want *w = wanted(c, &n);
	struct alim **by = calloc((size_t)n + 1, sizeof(*by));
	struct alim *l;

	ok = w && by;
	for (int i = 0; ok && i < n; i++)
		ok = (by[i] = find(w[i].kind, w[i].name)) || (by[i] = create(&w[i], now));
	if (!ok) {
		unbind();	/* what was created, never configured */
		free(w);
		free(by);
		return -1;
	}
	LIST_FOREACH(l, &A.all, link)
		l->configured = 0;
	for (int i = 0; i < n; i++)
		configure(by[i], w[i].max);
	free(A.by);
	A.by = by;
	A.node = by[0];
	A.gw = by + 1;
	A.um = A.gw + c->n_gateways;
	A.dp = A.um + c->n_um;
	A.n_gw = c->n_gateways;
	A.n_um = c->n_um;
	A.n_dp = c->n_dialplans;
	free(w);
	unbind();
	return 0;
}

struct alim *
alim_node(void)
{
	return A.node;
}

struct alim *
alim_gateway(int gw)
{
	return gw >= 0 && gw < A.n_gw ? A.gw[gw] : NULL;
}

struct alim *
alim_um(int um)
{
	return um >= 0 && um < A.n_um ? A.um[um] : NULL;
}

struct alim *
alim_dialplan(int dp, int dir)
{
	return dp >= 0 && dp < A.n_dp && dir >= -1 && dir <= 1 ? A.dp[3 * dp + 1 + dir] : NULL;
}

static void
refill(struct alim *l, int64_t now)
{
	int64_t cap = (int64_t)l->max.max_cps * TOKEN;

	if (now > l->refilled_ms) {
		l->tokens += (now - l->refilled_ms) * l->max.max_cps;
		l->refilled_ms = now;
	}
	if (l->tokens > cap)
		l->tokens = cap;
}

enum alim_room
alim_room(struct alim *l, int64_t now)
{
	if (l->max.max_calls && l->calls >= (unsigned)l->max.max_calls)
		return ALIM_FULL_CALLS;
	if (!l->max.max_cps)
		return ALIM_OK;
	refill(l, now);
	return l->tokens >= TOKEN ? ALIM_OK : ALIM_FULL_CPS;
}

/* Admitted calls per second: this second's and the last one's. */
static void
count_second(struct alim *l, int64_t now)
{
	int64_t s = now / 1000;

	if (s != l->sec) {
		l->n_prev = s == l->sec + 1 ? l->n_sec : 0;
		l->n_sec = 0;
		l->sec = s;
	}
}

void
alim_take(struct alim *l, int64_t now)
{
	l->calls++;
	if (l->max.max_cps) {
		refill(l, now);
		l->tokens -= TOKEN;
	}
	count_second(l, now);
	l->n_sec++;
}

void
alim_release(struct alim *l)
{
	if (l->calls > 0)
		l->calls--;
	if (!l->configured && l->calls == 0)
		drop(l);
}

void
alim_refused(struct alim *l)
{
	l->refused++;
}

void
alim_view(const struct alim *l, int64_t now, struct alim_view *v)
{
	int64_t s = now / 1000;

	v->kind = l->kind;
	v->name = l->name;
	v->max = l->max;
	v->calls = l->calls;
	v->cps = s == l->sec ? l->n_prev : s == l->sec + 1 ? l->n_sec : 0;
	v->refused = l->refused;
}

const char *
alim_describe(const struct alim *l, char *buf, size_t len)
{
	static const char *const kinds[] = {
		"node", "gateway", "UM server", "dial plan", "dial plan", "dial plan"
	};

	snprintf(buf, len, "%s%s%s%s", kinds[l->kind], l->name[0] ? " " : "", l->name,
	    l->kind == ALIM_DIALPLAN_OUT ? " outbound" : l->kind == ALIM_DIALPLAN_IN ? " inbound" : "");
	return buf;
}

void
alim_clear(void)
{
	while (!LIST_EMPTY(&A.all))
		drop(LIST_FIRST(&A.all));
	free(A.by);
	memset(&A, 0, sizeof(A));
}
