#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include "log.h"
#include "route.h"
#include "sipmsg.h"
#include "transport.h"

struct conn {
	TAILQ_ENTRY(conn) link;
	uint64_t id;
	struct listener *li;	/* local side and transport */
	enum transport tp;
	struct sockaddr_any peer;
	struct bufferevent *bev;
	int outbound;
	int established;
	int gateway;		/* last admitted gateway, -1 */
	char verify_name[TLS_NAME_LEN];	/* outbound TLS */
	int n_names;
	char names[TLS_MAX_NAMES][TLS_NAME_LEN];
};

static struct {
	struct event_base *base;
	const struct conf *conf;
	struct tls_ctx *tls;
	transport_rx_fn rx;
	transport_down_fn down;
	int n_listeners;
	struct listener *listeners;
	TAILQ_HEAD(, conn) conns;
	int n_conns;
	uint64_t next_id;
} T;

#define UDP_BATCH 32
#define UDP_MAX 65535

static const char *
peer_str(const struct sockaddr_any *sa, char *buf)
{
	return sockaddr_str((const struct sockaddr *)&sa->ss, buf, SOCKADDR_STRLEN);
}

static void
log_refusal(const struct listener *li, const struct sockaddr_any *peer, const char *reason)
{
	char p[SOCKADDR_STRLEN], l[SOCKADDR_STRLEN];

	log_limited(LOG_WARNING, EV_PEER_REFUSED,
	    "peer refused: peer=%s local=%s transport=%s reason=%s", peer_str(peer, p),
	    peer_str(&li->sa, l), transport_name(li->tp), reason);
}

static struct admission
admit(const struct listener *li, const struct sockaddr_any *peer, const struct conn *c)
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

/* One parsed message, or a malformed one, to the proxy. */
static void
deliver(struct listener *li, const struct sockaddr_any *peer, struct conn *c,
    struct admission adm, msg_t *msg)
{
	struct inbound in = { li, li->side, li->tp, *peer, c ? c->id : 0, adm };

	if (c && li->side == SIDE_OUTSIDE && adm.verdict == ADMIT_OK)
		c->gateway = adm.gateway;
	T.rx(&in, msg);
}

/* ---- UDP ---- */

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	static char buf[UDP_MAX + 1];
	struct listener *li = arg;

	(void)what;
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sockaddr_any peer;
		peer.len = sizeof(peer.ss);
		ssize_t n = recvfrom(fd, buf, UDP_MAX, 0, (struct sockaddr *)&peer.ss, &peer.len);
		if (n < 0)
			return;
		/* Strangers are dropped before a byte of theirs is parsed. */
		struct admission adm = admit(li, &peer, NULL);
		if (adm.verdict == ADMIT_DROP) {
			log_refusal(li, &peer, adm.reason);
			continue;
		}
		if (n <= 4 && strspn(buf, "\r\n") == (size_t)n)
			continue;	/* RFC 5626 keep-alive */
		if (n > T.conf->sip.max_message_size) {
			log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s dropped (%zd bytes, over max_message_size)",
			    peer_str(&peer, (char[SOCKADDR_STRLEN]){0}), n);
			continue;
		}
		msg_t *msg;
		size_t used;
		sipmsg_parse(buf, (size_t)n, 1, &msg, &used);
		if (msg)
			deliver(li, &peer, NULL, adm, msg);
		else
			log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s dropped",
			    peer_str(&peer, (char[SOCKADDR_STRLEN]){0}));
	}
}

/* ---- connections ---- */

static void
conn_free(struct conn *c, int notify)
{
	int failed = !c->established;
	uint64_t id = c->id;

	TAILQ_REMOVE(&T.conns, c, link);
	T.n_conns--;
	if (c->bev) {
		SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
		if (ssl)
			SSL_set_shutdown(ssl, SSL_RECEIVED_SHUTDOWN);
		bufferevent_free(c->bev);
	}
	free(c);
	if (notify && T.down)
		T.down(id, failed);
}

static struct conn *
conn_find(uint64_t id)
{
	struct conn *c;

	TAILQ_FOREACH(c, &T.conns, link)
		if (c->id == id)
			return c;
	return NULL;
}

int
transport_conn_alive(uint64_t id)
{
	return conn_find(id) != NULL;
}

uint64_t
transport_conn_for_gateway(int gateway)
{
	struct conn *c;

	TAILQ_FOREACH(c, &T.conns, link)
		if (c->gateway == gateway && c->li->side == SIDE_OUTSIDE)
			return c->id;
	return 0;
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t max = (size_t)T.conf->sip.max_message_size;

	for (;;) {
		size_t len = evbuffer_get_length(in);
		/* CRLF keep-alives (RFC 5626) between messages. */
		while (len > 0) {
			unsigned char ch;
			evbuffer_copyout(in, &ch, 1);
			if (ch != '\r' && ch != '\n')
				break;
			evbuffer_drain(in, 1);
			len--;
		}
		if (len == 0)
			return;
		size_t take = len < max + 1 ? len : max + 1;
		unsigned char *p = evbuffer_pullup(in, (ssize_t)take);
		msg_t *msg;
		size_t used;
		enum sipmsg_parse r = sipmsg_parse(p, take, 0, &msg, &used);
		if (r == SIPMSG_INCOMPLETE) {
			if (take > max) {
				/* Too large: answer 413 where we can, then close. */
				log_limited(LOG_NOTICE, EV_MALFORMED,
				    "malformed SIP from peer=%s: message over %zu bytes, connection closed",
				    peer_str(&c->peer, (char[SOCKADDR_STRLEN]){0}), max);
				sipmsg_parse(p, take, 1, &msg, &used);
				if (msg) {
					size_t n;
					char *rsp = sipmsg_response(msg, 413, "Request Entity Too Large", NULL, &n);
					if (rsp && sip_object(msg)->sip_request)
						bufferevent_write(bev, rsp, n);
					free(rsp);
					msg_destroy(msg);
				}
				conn_free(c, 1);
			}
			return;
		}
		struct admission adm = admit(c->li, &c->peer, c);
		if (r == SIPMSG_BAD) {
			/* The stream cannot be resynchronised: answer what we can, then close. */
			if (msg)
				deliver(c->li, &c->peer, c, adm, msg);
			conn_free(c, 1);
			return;
		}
		evbuffer_drain(in, used);
		deliver(c->li, &c->peer, c, adm, msg);
	}
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char p[SOCKADDR_STRLEN];

	if (what & BEV_EVENT_CONNECTED) {
		c->established = 1;
		SSL *ssl = bufferevent_openssl_get_ssl(bev);
		if (ssl)
			c->n_names = tls_peer_names(ssl, c->names, TLS_MAX_NAMES);
		/* Past the handshake: idle connections stay (RFC 5923 reuse). */
		bufferevent_set_timeouts(bev, NULL, NULL);
		return;
	}
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	if (ssl && !c->established) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		char why[256];
		if (what & BEV_EVENT_TIMEOUT)
			snprintf(why, sizeof(why), "handshake timeout");
		else
			tls_failure_reason(ssl, e, why, sizeof(why));
		log_limited(LOG_WARNING, EV_TLS_FAILED, "TLS negotiation failed: peer=%s %s reason=%s",
		    peer_str(&c->peer, p), c->outbound ? "direction=out" : "direction=in", why);
	} else if (c->outbound && !c->established) {
		log_limited(LOG_WARNING, EV_GW_UNREACHABLE, "connection to peer=%s failed: %s",
		    peer_str(&c->peer, p), (what & BEV_EVENT_TIMEOUT) ? "timeout" :
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	conn_free(c, 1);
}

static struct conn *
conn_new(struct listener *li, const struct sockaddr_any *peer, int outbound)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = ++T.next_id;
	c->li = li;
	c->tp = li->tp;
	c->peer = *peer;
	c->outbound = outbound;
	c->gateway = -1;
	TAILQ_INSERT_TAIL(&T.conns, c, link);
	T.n_conns++;
	return c;
}

static void
conn_arm(struct conn *c)
{
	struct timeval hs = { T.conf->tls.handshake_timeout, 0 };

	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	if (c->tp == TP_TLS || c->outbound)
		bufferevent_set_timeouts(c->bev, &hs, &hs);
	bufferevent_setwatermark(c->bev, EV_READ, 0, (size_t)T.conf->sip.max_message_size * 4);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
stream_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listener *li = arg;
	struct sockaddr_any peer;

	(void)el;
	memset(&peer, 0, sizeof(peer));
	memcpy(&peer.ss, sa, (size_t)salen);
	peer.len = (socklen_t)salen;
	if (T.n_conns >= T.conf->tls.max_connections) {
		log_refusal(li, &peer, "connection limit reached (tls.max_connections)");
		evutil_closesocket(fd);
		return;
	}
	if (li->tp == TP_TCP) {
		struct admission adm = admit(li, &peer, NULL);
		if (adm.verdict == ADMIT_CLOSE || adm.verdict == ADMIT_DROP) {
			log_refusal(li, &peer, adm.reason);
			evutil_closesocket(fd);
			return;
		}
	}
	struct conn *c = conn_new(li, &peer, 0);
	if (!c) {
		evutil_closesocket(fd);
		return;
	}
	if (li->tp == TP_TLS) {
		SSL *ssl = SSL_new(T.tls->server);
		c->bev = ssl ? bufferevent_openssl_socket_new(T.base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE) : NULL;
	} else {
		c->bev = bufferevent_socket_new(T.base, fd, BEV_OPT_CLOSE_ON_FREE);
		c->established = 1;
	}
	if (!c->bev) {
		evutil_closesocket(fd);
		conn_free(c, 0);
		return;
	}
	conn_arm(c);
}

/* Opens a connection toward d from the listener's address of that side. */
static struct conn *
conn_open(const struct dest *d)
{
	struct listener *li = transport_listener(d->side, d->tp);
	char p[SOCKADDR_STRLEN];

	if (!li && d->tp == TP_TLS)
		li = transport_listener(d->side, TP_TCP);
	if (!li || (d->tp == TP_TLS && !T.tls->client))
		return NULL;
	int fd = socket(d->addr.ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return NULL;
	struct sockaddr_any local = li->sa;
	if (local.ss.ss_family == AF_INET)
		((struct sockaddr_in *)&local.ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&local.ss)->sin6_port = 0;
	if (local.ss.ss_family == d->addr.ss.ss_family)
		(void)bind(fd, (struct sockaddr *)&local.ss, local.len);
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	if (connect(fd, (struct sockaddr *)&d->addr.ss, d->addr.len) != 0 && errno != EINPROGRESS) {
		log_limited(LOG_WARNING, EV_GW_UNREACHABLE, "connection to peer=%s failed: %s",
		    peer_str(&d->addr, p), strerror(errno));
		close(fd);
		return NULL;
	}
	struct conn *c = conn_new(li, &d->addr, 1);
	if (!c) {
		close(fd);
		return NULL;
	}
	c->tp = d->tp;
	if (d->tp == TP_TLS) {
		SSL *ssl = SSL_new(T.tls->client);
		if (ssl) {
			snprintf(c->verify_name, sizeof(c->verify_name), "%s", d->verify_name);
			SSL_set1_host(ssl, c->verify_name);
			SSL_set_tlsext_host_name(ssl, c->verify_name);
			c->bev = bufferevent_openssl_socket_new(T.base, fd, ssl,
			    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		}
	} else {
		c->bev = bufferevent_socket_new(T.base, fd, BEV_OPT_CLOSE_ON_FREE);
		/* TCP: a failed connect shows up as an error event on first write. */
		c->established = 1;
	}
	if (!c->bev) {
		close(fd);
		conn_free(c, 0);
		return NULL;
	}
	conn_arm(c);
	return c;
}

static struct conn *
conn_reuse(const struct dest *d)
{
	struct conn *c;

	if (d->conn && (c = conn_find(d->conn)))
		return c;
	TAILQ_FOREACH(c, &T.conns, link)
		if (c->li->side == d->side && c->tp == d->tp &&
		    sockaddr_equal((struct sockaddr *)&c->peer.ss, (struct sockaddr *)&d->addr.ss) &&
		    (d->tp != TP_TLS || !c->outbound ||
		    strcasecmp(c->verify_name, d->verify_name ? d->verify_name : "") == 0))
			return c;
	return NULL;
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
	if (bufferevent_write(c->bev, buf, len) != 0)
		return -1;
	return (int64_t)c->id;
}

int
transport_reply(const struct inbound *in, const char *buf, size_t len)
{
	if (in->tp == TP_UDP)
		return sendto(in->li->fd, buf, len, 0, (const struct sockaddr *)&in->peer.ss,
		    in->peer.len) < 0 ? -1 : 0;
	struct conn *c = conn_find(in->conn);
	if (!c)
		return -1;
	return bufferevent_write(c->bev, buf, len);
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

static int
listen_stream(struct listener *li)
{
	li->fd = -1;
	li->el = evconnlistener_new_bind(T.base, stream_accept, li,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (struct sockaddr *)&li->sa.ss, (int)li->sa.len);
	return li->el ? 0 : -1;
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
	TAILQ_INIT(&T.conns);
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
		int r = li->tp == TP_UDP ? listen_udp(li) : listen_stream(li);
		if (r != 0) {
			log_event(LOG_ERR, EV_CONFIG_ERROR, "%s:%d: cannot listen on %s %s:%u: %s",
			    c->file, cl->line, transport_name(cl->tp), cl->address, cl->port,
			    strerror(errno));
			return -1;
		}
		log_event(LOG_INFO, EV_LISTENING, "listening side=%s transport=%s address=%s port=%u",
		    side_name(li->side), transport_name(li->tp), cl->address, li->port);
	}
	return 0;
}

void
transport_reconf(const struct conf *c, struct tls_ctx *tls)
{
	struct conn *k;

	/* Gateway indexes belong to the old config; the next message re-admits. */
	TAILQ_FOREACH(k, &T.conns, link)
		k->gateway = -1;
	T.conf = c;
	T.tls = tls;
}

void
transport_stop_listening(void)
{
	/* UDP stays open: responses to transactions in flight still arrive there. */
	for (int i = 0; i < T.n_listeners; i++)
		if (T.listeners[i].el)
			evconnlistener_disable(T.listeners[i].el);
}

void
transport_shutdown(void)
{
	while (!TAILQ_EMPTY(&T.conns))
		conn_free(TAILQ_FIRST(&T.conns), 0);
	for (int i = 0; i < T.n_listeners; i++) {
		struct listener *li = &T.listeners[i];
		if (li->ev)
			event_free(li->ev);
		if (li->fd >= 0 && li->tp == TP_UDP)
			close(li->fd);
		if (li->el)
			evconnlistener_free(li->el);
	}
	free(T.listeners);
	T.listeners = NULL;
	T.n_listeners = 0;
}
