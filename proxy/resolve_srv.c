#include "config.h"

#include <sys/socket.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/util.h>

#include "resolve_srv.h"

/* Each server is asked twice at most, and no more than this in all. */
#define MAX_ATTEMPTS 6

struct resolve_srv {
	struct event_base *base;
	struct evdns_base *dns;
	char qname[NS_MAXDNAME];
	unsigned char q[NS_PACKETSZ];
	int qlen;
	int timeout_s;
	int attempt, attempts;
	int last_err;		/* the most telling failure so far */
	evutil_socket_t fd;
	struct event *ev;
	resolve_srv_cb cb;
	void *arg;
};

static void on_event(evutil_socket_t fd, short what, void *arg);

static void
close_attempt(struct resolve_srv *q)
{
	if (q->ev) {
		event_free(q->ev);
		q->ev = NULL;
	}
	if (q->fd >= 0) {
		evutil_closesocket(q->fd);
		q->fd = -1;
	}
}

static void
finish(struct resolve_srv *q, int err, const struct resolve_srv_rec *r, int n)
{
	resolve_srv_cb cb = q->cb;
	void *arg = q->arg;

	resolve_srv_cancel(q);
	cb(err, r, n, arg);
}

/* A fresh socket (and port) and a fresh ID for each attempt, connected so
 * that only the server's datagrams (and its ICMP errors) come back. */
static int
send_attempt(struct resolve_srv *q)
{
	struct sockaddr_storage ss;
	int n_ns = evdns_base_count_nameservers(q->dns);
	struct timeval tv = { q->timeout_s, 0 };

	close_attempt(q);
	if (n_ns <= 0)
		return -1;
	int len = evdns_base_get_nameserver_addr(q->dns, q->attempt % n_ns,
	    (struct sockaddr *)&ss, sizeof(ss));
	if (len <= 0)
		return -1;
	unsigned char id[2];
	evutil_secure_rng_get_bytes(id, sizeof(id));
	memcpy(q->q, id, 2);
	q->fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (q->fd < 0 || evutil_make_socket_nonblocking(q->fd) != 0 ||
	    evutil_make_socket_closeonexec(q->fd) != 0 ||
	    connect(q->fd, (struct sockaddr *)&ss, (socklen_t)len) != 0 ||
	    send(q->fd, q->q, (size_t)q->qlen, 0) != q->qlen)
		return -1;
	q->ev = event_new(q->base, q->fd, EV_READ | EV_PERSIST, on_event, q);
	if (!q->ev || event_add(q->ev, &tv) != 0)
		return -1;
	return 0;
}

/* The next server, or the end when every attempt is spent. */
static void
next_attempt(struct resolve_srv *q, int err)
{
	if (err != DNS_ERR_TIMEOUT || q->last_err == DNS_ERR_NONE)
		q->last_err = err;
	while (++q->attempt < q->attempts)
		if (send_attempt(q) == 0)
			return;
	close_attempt(q);
	finish(q, q->last_err, NULL, 0);
}

static int
rcode_err(int rcode)
{
	switch (rcode) {
	case ns_r_nxdomain: return DNS_ERR_NOTEXIST;
	case ns_r_servfail: return DNS_ERR_SERVERFAILED;
	case ns_r_refused: return DNS_ERR_REFUSED;
	case ns_r_formerr: return DNS_ERR_FORMAT;
	case ns_r_notimpl: return DNS_ERR_NOTIMPL;
	default: return DNS_ERR_UNKNOWN;
	}
}

/* 1: the answer to our question (records in r, count in *n, or *err);
 * 0: a datagram that is not it (ignored). */
static int
parse(struct resolve_srv *q, const unsigned char *buf, int len, struct resolve_srv_rec *r,
    int *n, int *err)
{
	ns_msg m;
	ns_rr rr;

	if (ns_initparse(buf, len, &m) != 0 || memcmp(buf, q->q, 2) != 0 ||
	    !ns_msg_getflag(m, ns_f_qr) || ns_msg_count(m, ns_s_qd) != 1 ||
	    ns_parserr(&m, ns_s_qd, 0, &rr) != 0 || ns_rr_type(rr) != ns_t_srv ||
	    strcasecmp(ns_rr_name(rr), q->qname) != 0)
		return 0;
	*n = 0;
	if (ns_msg_getflag(m, ns_f_rcode) != ns_r_noerror) {
		*err = rcode_err(ns_msg_getflag(m, ns_f_rcode));
		return 1;
	}
	for (int i = 0; i < ns_msg_count(m, ns_s_an) && *n < RESOLVE_SRV_MAX; i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) != 0)
			break;		/* a truncated answer: what came whole */
		if (ns_rr_type(rr) != ns_t_srv || ns_rr_class(rr) != ns_c_in ||
		    ns_rr_rdlen(rr) < 7 || strcasecmp(ns_rr_name(rr), q->qname) != 0)
			continue;
		const unsigned char *d = ns_rr_rdata(rr);
		struct resolve_srv_rec *e = &r[*n];
		e->prio = ns_get16(d);
		e->weight = ns_get16(d + 2);
		e->port = ns_get16(d + 4);
		e->ttl = ns_rr_ttl(rr);
		if (dn_expand(ns_msg_base(m), ns_msg_end(m), d + 6, e->target, sizeof(e->target)) < 0)
			continue;
		(*n)++;
	}
	*err = *n ? DNS_ERR_NONE : DNS_ERR_NODATA;
	return 1;
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	struct resolve_srv *q = arg;
	unsigned char buf[NS_PACKETSZ * 4];
	struct resolve_srv_rec r[RESOLVE_SRV_MAX];
	int n, err;

	if (what & EV_TIMEOUT) {
		next_attempt(q, DNS_ERR_TIMEOUT);
		return;
	}
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			next_attempt(q, DNS_ERR_TIMEOUT);	/* ICMP unreachable: nobody there */
			return;
		}
		if (!parse(q, buf, (int)got, r, &n, &err))
			continue;
		if (err == DNS_ERR_SERVERFAILED || err == DNS_ERR_REFUSED) {
			next_attempt(q, err);	/* another server may know */
			return;
		}
		finish(q, err, r, n);
		return;
	}
}

/* A deferred first failure: the callback never runs inside the query call. */
static void
on_no_server(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	next_attempt(arg, DNS_ERR_TIMEOUT);
}

struct resolve_srv *
resolve_srv_query(struct event_base *base, struct evdns_base *dns, const char *qname,
    int timeout_s, resolve_srv_cb cb, void *arg)
{
	struct resolve_srv *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->base = base;
	q->dns = dns;
	q->fd = -1;
	q->cb = cb;
	q->arg = arg;
	q->timeout_s = timeout_s > 0 ? timeout_s : 1;
	q->last_err = DNS_ERR_NONE;
	snprintf(q->qname, sizeof(q->qname), "%s", qname);
	q->qlen = res_mkquery(ns_o_query, q->qname, ns_c_in, ns_t_srv, NULL, 0, NULL, q->q,
	    sizeof(q->q));
	int n_ns = evdns_base_count_nameservers(dns);
	q->attempts = n_ns > 0 ? 2 * n_ns : 1;
	if (q->attempts > MAX_ATTEMPTS)
		q->attempts = MAX_ATTEMPTS;
	if (q->qlen <= 0) {
		free(q);
		return NULL;
	}
	if (send_attempt(q) != 0) {
		/* Try the rest from the loop, so that cb is never called from here. */
		close_attempt(q);
		struct timeval now = { 0, 0 };
		q->ev = evtimer_new(base, on_no_server, q);
		if (!q->ev || evtimer_add(q->ev, &now) != 0) {
			resolve_srv_cancel(q);
			return NULL;
		}
	}
	return q;
}

void
resolve_srv_cancel(struct resolve_srv *q)
{
	if (!q)
		return;
	close_attempt(q);
	free(q);
}
