#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "resolve_lookup.h"
#include "resolve_srv.h"

struct host {
	char name[256];
	uint16_t port;
	int n;
	struct netaddr a[RESOLVE_MAX_ADDR];
	int ttl;		/* lowest of its answers, -1 = none */
	int err[2];		/* DNS_ERR_* of A, AAAA */
};

struct query {
	struct query *next;
	struct resolve_lookup *l;
	int host, v6;
};

struct resolve_lookup {
	struct resolve_lookup *next;	/* every lookup, for resolve_lookup_free_all */
	struct evdns_base *dns;
	char name[256];
	uint16_t port;
	resolve_lookup_cb cb;	/* NULL: abandoned */
	void *arg;
	struct resolve_srv *srvq;
	int pending;		/* SRV and evdns queries in flight, +1 while asking */
	int srv_err, srv_ttl, from_srv;
	int n_hosts;
	struct host h[RESOLVE_MAX_TARGETS];
	struct query *queries;	/* evdns queries in flight */
	struct event *later;	/* every query failed at once: the answer from the loop */
};

static struct resolve_lookup *lookups;

static const char *
err_word(int err)
{
	switch (err) {
	case DNS_ERR_NOTEXIST: return "nxdomain";
	case DNS_ERR_NODATA: return "no-data";
	case DNS_ERR_TIMEOUT: return "timeout";
	case DNS_ERR_SERVERFAILED: return "servfail";
	case DNS_ERR_REFUSED: return "refused";
	case DNS_ERR_FORMAT: return "format-error";
	default: return "error";
	}
}

static int
negative(int err)
{
	return err == DNS_ERR_NOTEXIST || err == DNS_ERR_NODATA;
}

static void
lookup_free(struct resolve_lookup *l)
{
	for (struct resolve_lookup **p = &lookups; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	while (l->queries) {
		struct query *q = l->queries;
		l->queries = q->next;
		free(q);
	}
	resolve_srv_cancel(l->srvq);
	if (l->later)
		event_free(l->later);
	free(l);
}

/* Every query has ended: the addresses of each host in turn (SRV order, IPv4
 * first), the lowest TTL, or the most telling error. */
static void
finish(struct resolve_lookup *l)
{
	struct resolve_lookup_result r;
	int err = DNS_ERR_NONE;

	memset(&r, 0, sizeof(r));
	r.ttl = l->from_srv ? l->srv_ttl : -1;
	r.from_srv = l->from_srv;
	r.negative = 1;
	for (int i = 0; i < l->n_hosts; i++) {
		const struct host *h = &l->h[i];
		for (int k = 0; k < h->n && r.n < RESOLVE_MAX_ADDR; k++)
			r.addr[r.n++] = h->a[k];
		if (h->n && h->ttl >= 0 && (r.ttl < 0 || h->ttl < r.ttl))
			r.ttl = h->ttl;
		for (int v = 0; v < 2; v++) {
			r.negative &= negative(h->err[v]) || h->err[v] == DNS_ERR_NONE;
			if (h->err[v] != DNS_ERR_NONE && (err == DNS_ERR_NONE || negative(err)))
				err = h->err[v];
		}
	}
	if (l->n_hosts == 0) {	/* SRV records, all of them "." */
		r.error = "no-service";
		r.negative = 1;
	} else
		r.error = err_word(err == DNS_ERR_NONE ? DNS_ERR_NODATA : err);
	if (r.n)
		r.error = NULL;
	resolve_lookup_cb cb = l->cb;
	void *arg = l->arg;
	lookup_free(l);
	if (cb)
		cb(&r, arg);
}

static void
query_done(struct resolve_lookup *l)
{
	if (--l->pending == 0)
		finish(l);
}

static void
on_addr(int result, char type, int count, int ttl, void *addresses, void *arg)
{
	struct query *q = arg, **p;
	struct resolve_lookup *l = q->l;
	struct host *h = &l->h[q->host];
	int v6 = q->v6;

	for (p = &l->queries; *p; p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			break;
		}
	free(q);
	h->err[v6] = result == DNS_ERR_NONE && count == 0 ? DNS_ERR_NODATA : result;
	if (result == DNS_ERR_NONE) {
		for (int i = 0; i < count && h->n < RESOLVE_MAX_ADDR; i++) {
			struct netaddr *a = &h->a[h->n];
			memset(a, 0, sizeof(*a));
			if (type == DNS_IPv4_A && !v6) {
				struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
				in->sin_family = AF_INET;
				in->sin_port = htons(h->port);
				memcpy(&in->sin_addr, (const char *)addresses + 4 * i, 4);
				a->len = sizeof(*in);
			} else if (type == DNS_IPv6_AAAA && v6) {
				struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons(h->port);
				memcpy(&in6->sin6_addr, (const char *)addresses + 16 * i, 16);
				a->len = sizeof(*in6);
			} else
				continue;
			h->n++;
		}
		if (count > 0 && (h->ttl < 0 || ttl < h->ttl))
			h->ttl = ttl;
	}
	query_done(l);
}

/* A and AAAA of host i (names as written: no search list). */
static void
ask_host(struct resolve_lookup *l, int i)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct query *q = calloc(1, sizeof(*q));
		l->h[i].err[v6] = DNS_ERR_UNKNOWN;
		if (!q)
			continue;
		q->l = l;
		q->host = i;
		q->v6 = v6;
		q->next = l->queries;
		l->queries = q;
		l->pending++;
		struct evdns_request *r = v6 ?
		    evdns_base_resolve_ipv6(l->dns, l->h[i].name, DNS_QUERY_NO_SEARCH, on_addr, q) :
		    evdns_base_resolve_ipv4(l->dns, l->h[i].name, DNS_QUERY_NO_SEARCH, on_addr, q);
		if (!r) {
			l->queries = q->next;
			free(q);
			l->pending--;
		}
	}
}

static void
add_host(struct resolve_lookup *l, const char *name, uint16_t port)
{
	struct host *h = &l->h[l->n_hosts++];

	snprintf(h->name, sizeof(h->name), "%s", name);
	h->port = port;
	h->ttl = -1;
}

/* RFC 2782: lowest priority first; within a priority, a weighted random
 * order (each next one chosen with a chance proportional to its weight). */
static void
srv_order(struct resolve_srv_rec *r, int n)
{
	for (int i = 1; i < n; i++)	/* by priority, stable */
		for (int k = i; k > 0 && r[k].prio < r[k - 1].prio; k--) {
			struct resolve_srv_rec tmp = r[k];
			r[k] = r[k - 1];
			r[k - 1] = tmp;
		}
	for (int i = 0; i < n; i++) {
		unsigned total = 0, pick;
		int end = i;
		while (end < n && r[end].prio == r[i].prio)
			total += r[end++].weight;
		evutil_secure_rng_get_bytes(&pick, sizeof(pick));
		pick = total ? pick % (total + 1) : 0;
		for (int k = i; k < end; k++) {
			if (r[k].weight >= pick || k == end - 1) {
				struct resolve_srv_rec tmp = r[i];
				r[i] = r[k];
				r[k] = tmp;
				break;
			}
			pick -= r[k].weight;
		}
	}
}

static void
on_srv(int err, const struct resolve_srv_rec *recs, int n, void *arg)
{
	struct resolve_lookup *l = arg;
	struct resolve_srv_rec r[RESOLVE_SRV_MAX];

	l->srvq = NULL;
	l->srv_err = err;
	if (n > 0)
		memcpy(r, recs, (size_t)n * sizeof(r[0]));
	srv_order(r, n);
	l->srv_ttl = -1;
	for (int i = 0; i < n; i++) {
		if (l->srv_ttl < 0 || (int)r[i].ttl < l->srv_ttl)
			l->srv_ttl = (int)r[i].ttl;
		/* "." says there is no such service here (RFC 2782). */
		if (r[i].target[0] && strcmp(r[i].target, ".") != 0 && l->n_hosts < RESOLVE_MAX_TARGETS)
			add_host(l, r[i].target, r[i].port);
	}
	l->from_srv = n > 0;
	if (n == 0)
		add_host(l, l->name, l->port);	/* no SRV: A/AAAA (RFC 3263 4.2) */
	for (int i = 0; i < l->n_hosts && l->cb; i++)
		ask_host(l, i);
	query_done(l);
}

static void
on_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	query_done(arg);
}

struct resolve_lookup *
resolve_lookup_start(struct event_base *base, struct evdns_base *dns, const char *name,
    const char *srv_service, uint16_t port, int timeout_s, resolve_lookup_cb cb, void *arg)
{
	struct resolve_lookup *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->dns = dns;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->port = port;
	l->cb = cb;
	l->arg = arg;
	l->next = lookups;
	lookups = l;
	l->pending = 1;		/* held until every query is asked */
	if (srv_service) {
		char q[300];
		snprintf(q, sizeof(q), "%s.%s", srv_service, name);
		if ((l->srvq = resolve_srv_query(base, dns, q, timeout_s, on_srv, l)))
			return l;	/* on_srv asks the rest */
	}
	add_host(l, name, port);
	ask_host(l, 0);
	if (l->pending == 1) {
		/* Every query failed at once: the caller still gets its answer
		 * from the loop, never from inside this call. */
		struct timeval now = { 0, 0 };
		if (!(l->later = evtimer_new(base, on_later, l)) || evtimer_add(l->later, &now) != 0) {
			lookup_free(l);
			return NULL;
		}
		return l;
	}
	query_done(l);
	return l;
}

void
resolve_lookup_abandon(struct resolve_lookup *l)
{
	if (!l)
		return;
	l->cb = NULL;
	if (l->srvq) {
		resolve_srv_cancel(l->srvq);
		l->srvq = NULL;
		query_done(l);	/* frees it unless evdns queries are in flight */
	}
}

void
resolve_lookup_free_all(void)
{
	while (lookups)
		lookup_free(lookups);
}
