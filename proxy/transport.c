#define _GNU_SOURCE	/* recvmmsg */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/listener.h>
#include <openssl/err.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include "conn_budget.h"
#include "conns.h"
#include "fdlimit.h"
#include "gw_status.h"
#include "log.h"
#include "peercert.h"
#include "route.h"
#include "sipmsg.h"
#include "src_limit.h"
#include "transport.h"
#include "worker.h"

static struct {
	struct event_base *base;
	const struct conf *conf;
	struct tls_ctx *tls;
	transport_rx_fn rx;
	transport_down_fn down;
	int n_listeners;
	struct listener *listeners;
	int stopped;		/* no more accepts: draining */
	struct transport_tls_counts tls_counts;
} T;

#define UDP_BATCH 32
#define UDP_MAX 65535
#define UDP_RCVBUF (4 << 20)

static const char *
peer_str(const struct netaddr *sa, char *buf)
{
	return netaddr_str((const struct sockaddr *)&sa->ss, buf, NETADDR_STRLEN);
}

static void
log_refusal(const struct listener *li, const struct netaddr *peer, struct admission adm)
{
	char p[NETADDR_STRLEN], l[NETADDR_STRLEN];

	refusal_count(adm.refusal);
	log_limited(LOG_WARNING, EV_PEER_REFUSED,
	    "peer refused: peer=%s local=%s transport=%s reason=%s", peer_str(peer, p),
	    peer_str(&li->sa, l), conf_transport_name(li->tp), adm.reason);
}

static struct admission
admit(const struct listener *li, const struct netaddr *peer, const struct conn *c)
{
	const char *names[TLS_MAX_NAMES] = { NULL };
	int n = 0;

	if (li->side == SIDE_INSIDE)
		return admit_inside(T.conf, (const struct sockaddr *)&peer->ss);
	if (c)
		for (n = 0; n < c->n_names; n++)
			names[n] = c->names[n];
	return admit_outside(T.conf, li->tp, (const struct sockaddr *)&peer->ss, names, n);
}

/* The outside's per-source budgets: 0 = ignore this one (the source is
 * cooling down); the trip itself is logged once. */
static int
within_budget(const struct listener *li, const struct netaddr *peer, enum src_kind k)
{
	char p[NETADDR_STRLEN];
	int tripped;

	if (li->side != SIDE_OUTSIDE ||
	    src_limit_take((const struct sockaddr *)&peer->ss, k, &tripped))
		return 1;
	refusal_count(REFUSAL_FLOOD);
	if (tripped)
		log_limited(LOG_WARNING, EV_SOURCE_FLOOD, "source flooding: peer=%s sent more than %d %s "
		    "per second (burst %d): ignored for %d s (limits)", peer_str(peer, p),
		    k == SRC_CONN ? T.conf->limits.connection_rate : T.conf->limits.udp_rate,
		    k == SRC_CONN ? "connections" : "datagrams",
		    k == SRC_CONN ? T.conf->limits.connection_burst : T.conf->limits.udp_burst,
		    T.conf->limits.cooldown);
	return 0;
}

static enum refusal
budget_refusal(enum conn_budget_verdict b)
{
	switch (b) {
	case BUDGET_FULL: return REFUSAL_CONNECTION_LIMIT;
	case BUDGET_UNAUTH_FULL: return REFUSAL_UNAUTHENTICATED_LIMIT;
	case BUDGET_ADDRESS_FULL: return REFUSAL_ADDRESS_LIMIT;
	case BUDGET_OK: break;
	}
	return REFUSAL_NONE;
}

/* One parsed message, or a malformed one, to the proxy. */
static void
deliver(struct listener *li, const struct netaddr *peer, struct conn *c,
    struct admission adm, msg_t *msg)
{
	struct inbound in = { li, li->side, li->tp, *peer, c ? c->id : 0, adm };

	if (li->side == SIDE_OUTSIDE && adm.verdict == ADMIT_OK && adm.gateway >= 0 &&
	    adm.gateway < T.conf->n_gateways) {
		const char *name = T.conf->gateways[adm.gateway].name;
		gw_status_seen(name, time(NULL));
		if (c) {
			conns_set_gateway(c, adm.gateway, 1);
			gw_status_cert(name, &c->cert);
		}
	}
	T.rx(&in, msg);
}

/* ---- UDP ---- */

/* One datagram of a batch: refused, a keep-alive, too large, or parsed and
 * handed on. */
static void
udp_datagram(struct listener *li, const struct netaddr *peer, char *buf, size_t n)
{
	if (!within_budget(li, peer, SRC_UDP))
		return;
	/* Strangers are dropped before a byte of theirs is parsed. */
	struct admission adm = admit(li, peer, NULL);
	if (adm.verdict == ADMIT_DROP) {
		log_refusal(li, peer, adm);
		return;
	}
	if (n <= 4 && strspn(buf, "\r\n") == n)
		return;	/* RFC 5626 keep-alive */
	if (n > (size_t)T.conf->sip.max_message_size) {
		log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s dropped (%zu bytes, over max_message_size)",
		    peer_str(peer, (char[NETADDR_STRLEN]){0}), n);
		return;
	}
	msg_t *msg;
	size_t used;
	sipmsg_parse(buf, n, 1, (size_t)T.conf->sip.max_message_size, &msg, &used);
	if (msg)
		deliver(li, peer, NULL, adm, msg);
	else
		log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s dropped",
		    peer_str(peer, (char[NETADDR_STRLEN]){0}));
}

/* Up to UDP_BATCH datagrams in one recvmmsg: a wake-up at load finds
 * several, and a short batch says the queue is empty without the extra
 * call that would return EAGAIN. Core thread only (static buffers). */
static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	static char buf[UDP_BATCH][UDP_MAX + 1];
	static struct netaddr peer[UDP_BATCH];
	static struct iovec iov[UDP_BATCH];
	static struct mmsghdr mm[UDP_BATCH];
	static int ready;
	struct listener *li = arg;

	(void)what;
	for (int i = 0; !ready && i < UDP_BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], UDP_MAX };
		mm[i].msg_hdr = (struct msghdr){ .msg_name = &peer[i].ss,
		    .msg_namelen = sizeof(peer[i].ss), .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	ready = 1;
	int got = recvmmsg(fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL);
	for (int i = 0; i < got; i++) {
		peer[i].len = mm[i].msg_hdr.msg_namelen;
		mm[i].msg_hdr.msg_namelen = sizeof(peer[i].ss);	/* the kernel's to write */
		buf[i][mm[i].msg_len] = '\0';
		udp_datagram(li, &peer[i], buf[i], mm[i].msg_len);
	}
}

/* ---- connections: the core's view; the bytes live in a worker ---- */

static void
conn_unhold(struct conn *c)
{
	if (c->held)
		conn_budget_release((const struct sockaddr *)&c->peer.ss);
	c->held = 0;
}

static void
conn_free(struct conn *c)
{
	conn_unhold(c);
	conns_free(c);
}

/* Closes once what was written has gone out; nothing more is delivered. */
static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	conns_closing(c);
	worker_close(c->worker, c->id);
}

void
transport_tls_counts(struct transport_tls_counts *out)
{
	*out = T.tls_counts;
}

int
transport_conn_count(void)
{
	return conns_count();
}

uint64_t
transport_conn_for_gateway(int gateway)
{
	struct conn *c = conns_gateway_last(gateway);

	return c ? c->id : 0;
}

int
transport_gateway_conns(int gateway, int *established)
{
	return conns_gateway_count(gateway, established);
}

/* Whom a TLS peer's certificate names is known now, so a stranger is not
 * kept waiting for a request it may never send. */
static void
admit_handshake(struct conn *c)
{
	struct admission adm = admit(c->li, &c->peer, c);

	switch (adm.verdict) {
	case ADMIT_OK:
		conn_unhold(c);
		conns_set_gateway(c, adm.gateway, 1);
		if (adm.gateway >= 0 && adm.gateway < T.conf->n_gateways)
			gw_status_cert(T.conf->gateways[adm.gateway].name, &c->cert);
		break;
	case ADMIT_FORBIDDEN:	/* a known peer on the wrong port: its 403, then close */
		worker_set_idle(c->worker, c->id, T.conf->tls.handshake_timeout);
		break;
	case ADMIT_CLOSE:
	case ADMIT_DROP:
		log_refusal(c->li, &c->peer, adm);
		conn_close(c);
		break;
	}
}

static void
on_up(uint64_t id, int moved_to, char names[][TLS_NAME_LEN], int n_names,
    const struct peercert *cert)
{
	struct conn *c = conns_find(id);
	char p[NETADDR_STRLEN], who[NETADDR_STRLEN + 16];

	if (moved_to >= 0 && (!c || c->closing)) {
		worker_close(moved_to, id);	/* the close went to where it was */
		return;
	}
	if (!c)
		return;
	if (moved_to >= 0)
		c->worker = moved_to;
	conns_set_established(c);
	if (c->tp == TP_TLS)
		T.tls_counts.ok[c->outbound ? 1 : 0]++;
	snprintf(who, sizeof(who), "peer=%s", peer_str(&c->peer, p));
	peercert_seen(cert, who, time(NULL));
	c->cert = *cert;
	c->n_names = n_names;
	for (int i = 0; i < n_names; i++)
		memcpy(c->names[i], names[i], TLS_NAME_LEN);
	if (!c->outbound && c->tp == TP_TLS)
		admit_handshake(c);
}

static void
on_message(uint64_t id, msg_t *msg, int status)
{
	struct conn *c = conns_find(id);
	char p[NETADDR_STRLEN];

	if (!c || c->closing) {
		if (msg)
			msg_destroy(msg);
		return;
	}
	if (status) {
		/* Garbage or an over-long message: answer what we can, then close.
		 * sipmsg_response() answers a request even when sofia-sip could
		 * not read its first line, never a response; the log says which. */
		const char *phrase = status == 413 ? "Request Entity Too Large" : "Bad Request";
		size_t n;
		char *rsp = msg ? sipmsg_response(msg, status, phrase, NULL, &n) : NULL;
		if (rsp)
			worker_write(c->worker, c->id, rsp, n);
		if (msg && sipmsg_is_response_text(msg))
			log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP response from peer=%s dropped, connection closed",
			    peer_str(&c->peer, p));
		else if (rsp)
			log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s answered %d (%s), "
			    "connection closed", peer_str(&c->peer, p), status, phrase);
		else
			log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s could not be "
			    "answered (%d %s), connection closed", peer_str(&c->peer, p), status, phrase);
		free(rsp);
		if (msg)
			msg_destroy(msg);
		conn_close(c);
		return;
	}
	struct admission adm = admit(c->li, &c->peer, c);
	deliver(c->li, &c->peer, c, adm, msg);
	if (adm.verdict != ADMIT_OK)
		conn_close(c);	/* after the 403, already queued */
}

static void
on_down(uint64_t id, int established, const char *why)
{
	struct conn *c = conns_find(id);
	char p[NETADDR_STRLEN];

	if (!c)
		return;
	if (c->tp == TP_TLS && !established)
		T.tls_counts.failed[c->outbound ? 1 : 0][tls_failure_kind(why)]++;
	if (c->tp == TP_TLS && !established)
		log_limited(LOG_WARNING, EV_TLS_FAILED, "TLS negotiation failed: peer=%s direction=%s reason=%s",
		    peer_str(&c->peer, p), c->outbound ? "out" : "in", why);
	else if (c->outbound && !established)
		log_limited(LOG_WARNING, EV_GW_UNREACHABLE, "connection to peer=%s failed: %s",
		    peer_str(&c->peer, p), why);
	if (c->outbound && !established && c->li->side == SIDE_OUTSIDE) {
		int gw = admit_gateway_by_address(T.conf, (const struct sockaddr *)&c->peer.ss);
		if (gw >= 0)
			gw_status_failed(T.conf->gateways[gw].name, why, time(NULL));
	}
	else if (strncmp(why, "idle ", 5) == 0 || strncmp(why, "incomplete ", 11) == 0)
		log_limited(LOG_NOTICE, EV_CONN_TIMEOUT, "connection closed: peer=%s transport=%s "
		    "direction=%s reason=%s", peer_str(&c->peer, p), conf_transport_name(c->tp),
		    c->outbound ? "out" : "in", why);
	conn_free(c);
	if (T.down)
		T.down(id, !established);
}

static const struct worker_ops ops = { on_up, on_message, on_down };

/* SIP messages are small and answered at once: Nagle plus delayed ACKs would
 * hold a 180 behind a 100 for 40 ms. */
static void
no_delay(evutil_socket_t fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static struct worker_limits
conn_limits(void)
{
	struct worker_limits l = { T.conf->tls.handshake_timeout, T.conf->sip.idle_timeout,
	    T.conf->sip.message_timeout, (size_t)T.conf->sip.max_message_size };
	return l;
}

static struct conn *
conn_new(struct listener *li, enum transport tp, const struct netaddr *peer, int outbound)
{
	struct conn *c = conns_new(li, tp, peer, outbound);

	/* Plain TCP stays in the core thread: a hand-off per message would cost
	 * more than the framing and parsing it moves away. */
	if (c)
		c->worker = tp == TP_TCP ? workers_inline() : workers_pick();
	return c;
}

/* A source the reserve is kept for: a listed gateway's or UM server's address. */
static int
listed_source(const struct listener *li, const struct netaddr *peer)
{
	const struct sockaddr *sa = (const struct sockaddr *)&peer->ss;

	if (li->side == SIDE_INSIDE)
		return admit_inside(T.conf, sa).verdict == ADMIT_OK;
	return admit_gateway_by_address(T.conf, sa) >= 0;
}

static void
stream_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listener *li = arg;
	struct netaddr peer;
	SSL *ssl = NULL;

	(void)el;
	memset(&peer, 0, sizeof(peer));
	memcpy(&peer.ss, sa, (size_t)salen);
	peer.len = (socklen_t)salen;
	if (!within_budget(li, &peer, SRC_CONN)) {
		evutil_closesocket(fd);
		return;
	}
	/* TCP is admitted by address now; TLS once its certificate is known. */
	struct admission adm = { ADMIT_OK, NULL, -1, -1, REFUSAL_NONE };
	if (li->tp == TP_TCP)
		adm = admit(li, &peer, NULL);
	if (adm.verdict == ADMIT_CLOSE || adm.verdict == ADMIT_DROP) {
		log_refusal(li, &peer, adm);
		evutil_closesocket(fd);
		return;
	}
	int listed = listed_source(li, &peer);
	enum conn_budget_verdict b = conn_budget_check((struct sockaddr *)&peer.ss, listed, conns_count());
	if (b != BUDGET_OK) {
		struct admission full = { ADMIT_CLOSE, conn_budget_reason(b), -1, -1, budget_refusal(b) };
		log_refusal(li, &peer, full);
		evutil_closesocket(fd);
		return;
	}
	if (li->tp == TP_TLS && (!T.tls->server || !(ssl = SSL_new(T.tls->server)))) {
		evutil_closesocket(fd);
		return;
	}
	struct conn *c = conn_new(li, li->tp, &peer, 0);
	if (!c) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		return;
	}
	if (!listed && li->tp == TP_TLS) {
		c->held = 1;
		conn_budget_hold((struct sockaddr *)&peer.ss);
	}
	no_delay(fd);
	struct worker_limits lim = conn_limits();
	worker_adopt(c->worker, c->id, fd, ssl, 0, &lim);
	if (adm.verdict == ADMIT_FORBIDDEN)	/* its 403, then close */
		worker_set_idle(c->worker, c->id, T.conf->tls.handshake_timeout);
}

/* Opens a connection toward d from the listener's address of that side. */
static struct conn *
conn_open(const struct dest *d)
{
	struct listener *li = transport_listener(d->side, d->tp);
	char p[NETADDR_STRLEN];
	SSL *ssl = NULL;

	if (!li && d->tp == TP_TLS)
		li = transport_listener(d->side, TP_TCP);
	if (!li || (d->tp == TP_TLS && (!T.tls->client || !d->verify_name)))
		return NULL;
	int fd = socket(d->addr.ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return NULL;
	struct netaddr local = li->sa;
	netaddr_set_port(netaddr_sa(&local), 0);
	if (local.ss.ss_family == d->addr.ss.ss_family)
		(void)bind(fd, (struct sockaddr *)&local.ss, local.len);
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	no_delay(fd);
	if (connect(fd, (struct sockaddr *)&d->addr.ss, d->addr.len) != 0 && errno != EINPROGRESS) {
		log_limited(LOG_WARNING, EV_GW_UNREACHABLE, "connection to peer=%s failed: %s",
		    peer_str(&d->addr, p), strerror(errno));
		close(fd);
		return NULL;
	}
	if (d->tp == TP_TLS) {
		if (!(ssl = SSL_new(T.tls->client))) {
			close(fd);
			return NULL;
		}
		/* The gateway's certificate must name its fqdn. */
		SSL_set1_host(ssl, d->verify_name);
		SSL_set_tlsext_host_name(ssl, d->verify_name);
	}
	struct conn *c = conn_new(li, d->tp, &d->addr, 1);
	if (!c) {
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	if (d->verify_name)
		snprintf(c->verify_name, sizeof(c->verify_name), "%s", d->verify_name);
	/* Ours toward a gateway counts for it before its first answer names it. */
	if (li->side == SIDE_OUTSIDE)
		conns_set_gateway(c, admit_gateway_by_address(T.conf, (struct sockaddr *)&d->addr.ss), 0);
	struct worker_limits lim = conn_limits();
	worker_adopt(c->worker, c->id, fd, ssl, 1, &lim);
	return c;
}

static struct conn *
conn_reuse(const struct dest *d)
{
	struct conn *c;

	if (d->conn && (c = conns_find(d->conn)) && !c->closing)
		return c;
	return conns_reusable(d->side, d->tp, &d->addr, d->verify_name);
}

int64_t
transport_send(const struct dest *d, const char *buf, size_t len)
{
	if (d->tp == TP_UDP) {
		struct listener *li = transport_listener(d->side, TP_UDP);
		if (!li || sendto(li->fd, buf, len, 0, (const struct sockaddr *)&d->addr.ss, d->addr.len) < 0)
			return -1;
		return 0;
	}
	struct conn *c = conn_reuse(d);
	if (!c && !(c = conn_open(d)))
		return -1;
	worker_write(c->worker, c->id, buf, len);
	return (int64_t)c->id;
}

int
transport_reply(const struct inbound *in, const char *buf, size_t len)
{
	if (in->tp == TP_UDP)
		return sendto(in->li->fd, buf, len, 0, (const struct sockaddr *)&in->peer.ss,
		    in->peer.len) < 0 ? -1 : 0;
	struct conn *c = conns_find(in->conn);
	if (!c || c->closing)
		return -1;
	worker_write(c->worker, c->id, buf, len);
	return 0;
}

int
transport_answer(const struct inbound *in, msg_t *req, int status, const char *phrase,
    const char *extra)
{
	size_t n;
	char *text = sipmsg_response(req, status, phrase, extra, &n);
	int sent = text && transport_reply(in, text, n) == 0;

	free(text);
	return sent;
}

/* ---- listeners ---- */

struct listener *
transport_listener(enum side side, enum transport tp)
{
	for (int i = 0; i < T.n_listeners; i++)
		if (T.listeners[i].side == side && T.listeners[i].tp == tp)
			return &T.listeners[i];
	return NULL;
}

static int
listen_udp(struct listener *li)
{
	int one = 1;

	li->fd = socket(li->sa.ss.ss_family, SOCK_DGRAM, 0);
	if (li->fd < 0)
		return -1;
	setsockopt(li->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Room for a burst (a flood, a storm of retransmissions) while the core
	 * is busy, so that a gateway's datagrams are not the ones the kernel
	 * drops; FORCE passes net.core.rmem_max when we may. */
	int rcvbuf = UDP_RCVBUF;
	if (setsockopt(li->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		setsockopt(li->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(li->fd, (struct sockaddr *)&li->sa.ss, li->sa.len) != 0) {
		close(li->fd);
		li->fd = -1;
		return -1;
	}
	evutil_make_socket_nonblocking(li->fd);
	evutil_make_socket_closeonexec(li->fd);
	li->ev = event_new(T.base, li->fd, EV_READ | EV_PERSIST, udp_read, li);
	return event_add(li->ev, NULL);
}

static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener *li = arg;

	(void)fd; (void)what;
	if (!T.stopped)
		evconnlistener_enable(li->el);
}

/* accept() failed: refuse the connection if descriptors ran out, else pause
 * (retrying at once would spin); the open connections are served. */
static void
accept_failed(struct evconnlistener *el, void *arg)
{
	struct listener *li = arg;
	struct timeval pause = { 1, 0 };
	char l[NETADDR_STRLEN];
	int err = EVUTIL_SOCKET_ERROR();
	int refused = (err == EMFILE || err == ENFILE) &&
	    fdlimit_refuse_with_spare(evconnlistener_get_fd(el)) == 0;

	log_limited(LOG_ERR, EV_ACCEPT_FAILED, "cannot accept on local=%s transport=%s: %s "
	    "(%d connections open); %s", peer_str(&li->sa, l), conf_transport_name(li->tp),
	    evutil_socket_error_to_string(err), conns_count(),
	    refused ? "the new connection was closed" : "new connections paused for 1 s");
	if (refused)
		return;
	evconnlistener_disable(el);
	evtimer_add(li->resume, &pause);
}

static int
listen_stream(struct listener *li)
{
	li->fd = -1;
	li->el = evconnlistener_new_bind(T.base, stream_accept, li,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (struct sockaddr *)&li->sa.ss, (int)li->sa.len);
	li->resume = evtimer_new(T.base, accept_resume, li);
	if (!li->el || !li->resume)
		return -1;
	evconnlistener_set_error_cb(li->el, accept_failed);
	return 0;
}

static int
cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void
set_limits(const struct conf *c)
{
	struct conn_budget_limits l = { c->tls.max_connections, c->tls.max_unauthenticated,
	    c->tls.max_unauthenticated_per_address };
	struct src_limits s = { { c->limits.connection_rate, c->limits.udp_rate },
	    { c->limits.connection_burst, c->limits.udp_burst }, c->limits.cooldown };
	conn_budget_set(&l);
	src_limit_set(&s);
}

int
transport_start(struct event_base *base, const struct conf *c, struct tls_ctx *tls,
    transport_rx_fn rx, transport_down_fn down)
{
	T.base = base;
	T.conf = c;
	T.tls = tls;
	T.rx = rx;
	T.down = down;
	set_limits(c);
	fdlimit_spare_keep();
	if (workers_start(c->workers > 0 ? c->workers : cores(), base, &ops) != 0) {
		log_event(LOG_ERR, EV_INTERNAL, "cannot start worker threads");
		return -1;
	}
	T.listeners = calloc((size_t)c->n_listen, sizeof(*T.listeners));
	if (!T.listeners)
		return -1;
	for (int i = 0; i < c->n_listen; i++) {
		const struct conf_listen *cl = &c->listen[i];
		struct listener *li = &T.listeners[T.n_listeners++];
		li->side = cl->side;
		li->tp = cl->tp;
		li->sa = cl->sa;
		li->port = cl->port;
		snprintf(li->host, sizeof(li->host), "%s", route_listen_host(c, cl));
		netaddr_hostport(li->host, li->port, li->hostport, sizeof(li->hostport));
		int r = li->tp == TP_UDP ? listen_udp(li) : listen_stream(li);
		if (r != 0) {
			log_event(LOG_ERR, EV_CONFIG_ERROR, "%s:%d: cannot listen on %s %s: %s",
			    c->file, cl->line, conf_transport_name(cl->tp), li->hostport,
			    strerror(errno));
			return -1;
		}
		log_event(LOG_INFO, EV_LISTENING, "listening side=%s transport=%s address=%s port=%u",
		    conf_side_name(li->side), conf_transport_name(li->tp), cl->address, li->port);
	}
	return 0;
}

void
transport_reconf(const struct conf *c, struct tls_ctx *tls)
{
	/* Gateway indexes belong to the old config; the next message re-admits. */
	conns_reconf(c);
	T.conf = c;
	T.tls = tls;
	set_limits(c);
}

void
transport_stop_listening(void)
{
	/* UDP stays open: responses to transactions in flight still arrive there. */
	T.stopped = 1;
	for (int i = 0; i < T.n_listeners; i++)
		if (T.listeners[i].el)
			evconnlistener_disable(T.listeners[i].el);
}

void
transport_shutdown(void)
{
	workers_stop();
	for (struct conn *c = conns_first(), *next; c; c = next) {
		next = conns_next(c);
		conn_free(c);
	}
	conns_release();
	conn_budget_clear();
	for (int i = 0; i < T.n_listeners; i++) {
		struct listener *li = &T.listeners[i];
		if (li->ev)
			event_free(li->ev);
		if (li->fd >= 0 && li->tp == TP_UDP)
			close(li->fd);
		if (li->el)
			evconnlistener_free(li->el);
		if (li->resume)
			event_free(li->resume);
	}
	free(T.listeners);
	T.listeners = NULL;
	T.n_listeners = 0;
	fdlimit_spare_release();
}
