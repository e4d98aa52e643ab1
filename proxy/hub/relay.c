#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certs/store.h"
#include "log.h"
#include "relay.h"
#include "peercert.h"
#include "um_session.h"
#include "hub_session.h"
#include "tls.h"

/* Back-pressure while streaming DATA: stop reading the client while more
 * than HUB_HIGH octets wait for the Hub, resume below HUB_LOW. The client's
 * input buffer is capped by libevent at HUB_CLIENT_READ. */
#define HUB_HIGH (256 * 1024)
#define HUB_LOW (64 * 1024)
#define HUB_CLIENT_READ (64 * 1024)

/* The settings a session was born with (hub_reconf makes a new one). */
struct hub_snap {
	int refs;
	struct hub_conf c;
	SSL_CTX *ctx;
};

struct hub_conn {
	TAILQ_ENTRY(hub_conn) link;
	struct hub_relay *relay;
	struct hub_snap *snap;
	struct bufferevent *cli, *up;
	int up_tls;		/* c->up is the bufferevent_openssl */
	int up_dead;		/* the Hub's side is gone: free c->up now */
	struct hub_session s;
	struct hub_upstream u;
	char client[NETADDR_STRLEN];
};

struct hub_relay {
	struct event_base *base;
	struct evconnlistener *lst;
	struct hub_snap *snap;
	TAILQ_HEAD(, hub_conn) conns;
	int n;
};

static struct hub_snap *
snap_new(const struct hub_conf *c, SSL_CTX *ctx)
{
	struct hub_snap *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	s->c = *c;
	s->ctx = ctx;
	SSL_CTX_up_ref(ctx);
	return s;
}

static void
snap_unref(struct hub_snap *s)
{
	if (s && --s->refs == 0) {
		SSL_CTX_free(s->ctx);
		free(s);
	}
}

static void settle(struct hub_conn *c);

static void
up_free(struct hub_conn *c)
{
	if (!c->up)
		return;
	evutil_socket_t fd = c->up_tls ? -1 : bufferevent_getfd(c->up);
	bufferevent_disable(c->up, EV_READ | EV_WRITE);
	bufferevent_setcb(c->up, NULL, NULL, NULL, NULL);
	bufferevent_free(c->up);	/* the TLS one closes its socket and SSL */
	if (fd >= 0)
		evutil_closesocket(fd);
	c->up = NULL;
}

static void
conn_free(struct hub_conn *c)
{
	up_free(c);
	if (c->cli) {
		bufferevent_setcb(c->cli, NULL, NULL, NULL, NULL);
		bufferevent_free(c->cli);
	}
	TAILQ_REMOVE(&c->relay->conns, c, link);
	c->relay->n--;
	snap_unref(c->snap);
	free(c);
}

/* ---- the upstream machine's ops ---- */

static void
u_send(void *arg, const char *buf, size_t len)
{
	struct hub_conn *c = arg;

	if (c->up)
		bufferevent_write(c->up, buf, len);
}

static void up_read(struct bufferevent *bev, void *arg);
static void up_write(struct bufferevent *bev, void *arg);
static void up_event(struct bufferevent *bev, short what, void *arg);

static void
u_start_tls(void *arg)
{
	struct hub_conn *c = arg;
	struct event_base *base = c->relay->base;

	/* Anything after the 220 came in clear and is not to be trusted
	 * (RFC 3207 5, CVE-2011-0411): refuse rather than mix it in. */
	if (evbuffer_get_length(bufferevent_get_input(c->up)) > 0) {
		c->up_dead = 1;
		hub_up_tls_done(&c->u, 0, "the Hub sent data after its 220 to STARTTLS");
		return;
	}
	evutil_socket_t fd = bufferevent_getfd(c->up);
	bufferevent_disable(c->up, EV_READ | EV_WRITE);
	bufferevent_setcb(c->up, NULL, NULL, NULL, NULL);
	bufferevent_free(c->up);	/* no BEV_OPT_CLOSE_ON_FREE: fd stays open */
	c->up = NULL;

	SSL *ssl = SSL_new(c->snap->ctx);
	if (!ssl || SSL_set1_host(ssl, c->snap->c.upstream_name) != 1 ||
	    SSL_set_tlsext_host_name(ssl, c->snap->c.upstream_name) != 1) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		c->up_dead = 1;
		hub_up_tls_done(&c->u, 0, "cannot set up TLS");
		return;
	}
	/* Wildcards only as the whole left-most label; no partial ones. */
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	c->up = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (!c->up) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		c->up_dead = 1;
		hub_up_tls_done(&c->u, 0, "cannot set up TLS");
		return;
	}
	c->up_tls = 1;
	bufferevent_setcb(c->up, up_read, up_write, up_event, c);
	bufferevent_enable(c->up, EV_READ | EV_WRITE);
}

static void
u_ready(void *arg, const struct smtp_caps *caps)
{
	struct hub_conn *c = arg;
	struct hub_tls_info t;
	SSL *ssl = bufferevent_openssl_get_ssl(c->up);

	memset(&t, 0, sizeof(t));
	snprintf(t.version, sizeof(t.version), "%s", SSL_get_version(ssl));
	snprintf(t.cipher, sizeof(t.cipher), "%s", SSL_get_cipher_name(ssl));
	X509 *x = SSL_get0_peer_certificate(ssl);
	if (x) {
		struct peercert pc;
		certs_thumbprint(x, t.thumb);
		peercert_read(x, &pc);
		peercert_seen(&pc, "hub_transport upstream", time(NULL));
	} else
		snprintf(t.thumb, sizeof(t.thumb), "-");
	hub_session_up_ready(&c->s, caps, &t);
}

static void
u_reply(void *arg, const struct smtp_reply *r)
{
	struct hub_conn *c = arg;

	hub_session_up_reply(&c->s, r);
}

static void
u_down(void *arg, const char *reason)
{
	struct hub_conn *c = arg;

	hub_session_up_down(&c->s, reason);
}

static const struct hub_up_ops up_ops = { u_send, u_start_tls, u_ready, u_reply, u_down };

/* ---- the client session's ops ---- */

static void
s_to_client(void *arg, const char *buf, size_t len)
{
	struct hub_conn *c = arg;

	if (c->cli)
		bufferevent_write(c->cli, buf, len);
}

static void
s_up_cmd(void *arg, const char *buf, size_t len)
{
	struct hub_conn *c = arg;

	hub_up_command(&c->u, buf, len);
}

static int
s_up_data(void *arg, struct evbuffer *src, size_t n)
{
	struct hub_conn *c = arg;

	if (!c->up) {
		evbuffer_drain(src, n);
		return 1;
	}
	struct evbuffer *out = bufferevent_get_output(c->up);
	evbuffer_remove_buffer(src, out, n);
	return evbuffer_get_length(out) < HUB_HIGH;
}

static void
s_up_data_end(void *arg)
{
	struct hub_conn *c = arg;

	hub_up_data_end(&c->u);
}

static void
s_up_abort(void *arg)
{
	struct hub_conn *c = arg;

	hub_up_abort(&c->u);
	c->up_dead = 1;
	up_free(c);
}

static void
s_up_quit(void *arg)
{
	struct hub_conn *c = arg;

	hub_up_quit(&c->u);	/* c->up goes once QUIT is out (settle) */
}

static const struct hub_session_ops session_ops = {
	s_to_client, s_up_cmd, s_up_data, s_up_data_end, s_up_abort, s_up_quit,
};

/* ---- after every event: free what is finished, set timeouts, flow ---- */

static void
set_read_timeout(struct bufferevent *bev, int rd, int wr)
{
	struct timeval r = { rd, 0 }, w = { wr, 0 };

	bufferevent_set_timeouts(bev, rd ? &r : NULL, wr ? &w : NULL);
}

static void
settle(struct hub_conn *c)
{
	int timeout = c->snap->c.timeout;

	if (c->up && c->u.state == UP_CLOSED &&
	    (c->up_dead || evbuffer_get_length(bufferevent_get_output(c->up)) == 0))
		up_free(c);
	if (hub_session_done(&c->s)) {
		if (c->up && c->u.state != UP_CLOSED) {
			hub_up_abort(&c->u);
			up_free(c);
		}
		if (c->cli)
			bufferevent_disable(c->cli, EV_READ);
		if ((!c->cli || evbuffer_get_length(bufferevent_get_output(c->cli)) == 0) && !c->up) {
			conn_free(c);
			return;
		}
		if (c->cli)
			set_read_timeout(c->cli, 0, timeout);
		if (c->up) {
			bufferevent_setwatermark(c->up, EV_WRITE, 0, 0);
			set_read_timeout(c->up, 0, timeout);
		}
		return;
	}
	set_read_timeout(c->cli, hub_session_client_timeout(&c->s), timeout);
	if (c->up && c->u.state != UP_CLOSED)
		set_read_timeout(c->up, hub_up_timeout(&c->u), timeout);
	else if (c->up)
		set_read_timeout(c->up, 0, timeout);
	int full = hub_session_paused(&c->s);
	if (full || c->s.state == SS_WAIT_UP)
		bufferevent_disable(c->cli, EV_READ);
	else
		bufferevent_enable(c->cli, EV_READ);
}

/* ---- bufferevent callbacks ---- */

static void
cli_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct hub_conn *c = arg;

	hub_session_input(&c->s);
	settle(c);
}

static void
cli_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	settle(arg);
}

static void
cli_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct hub_conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT && what & BEV_EVENT_READING) {
		hub_session_timeout(&c->s);
		settle(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		hub_session_client_eof(&c->s);
		/* The client is gone; a QUIT may still be on its way to the Hub. */
		bufferevent_setcb(c->cli, NULL, NULL, NULL, NULL);
		bufferevent_free(c->cli);
		c->cli = NULL;
		settle(c);
	}
}

static void
up_read(struct bufferevent *bev, void *arg)
{
	struct hub_conn *c = arg;
	char line[SMTP_LINE_MAX];

	while (bev == c->up && c->u.state != UP_CLOSED && c->u.state != UP_HANDSHAKE) {
		struct evbuffer *in = bufferevent_get_input(bev);
		size_t eol_len = 0;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
		if (p.pos < 0) {
			if (evbuffer_get_length(in) >= SMTP_LINE_MAX) {
				c->up_dead = 1;
				hub_up_error(&c->u, "reply line from the Hub too long");
			}
			break;
		}
		if ((size_t)p.pos + 2 > SMTP_LINE_MAX) {
			c->up_dead = 1;
			hub_up_error(&c->u, "reply line from the Hub too long");
			break;
		}
		size_t n = (size_t)p.pos;
		evbuffer_remove(in, line, n);
		evbuffer_drain(in, eol_len);
		hub_up_line(&c->u, line, n);
	}
	settle(c);
}

static void
up_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct hub_conn *c = arg;

	if (hub_session_paused(&c->s))
		hub_session_resume(&c->s);	/* room again at the Hub */
	settle(c);
}

static void
up_event(struct bufferevent *bev, short what, void *arg)
{
	struct hub_conn *c = arg;
	char reason[300];

	if (what & BEV_EVENT_CONNECTED) {
		if (!c->up_tls) {
			hub_up_connected(&c->u);
		} else {
			SSL *ssl = bufferevent_openssl_get_ssl(bev);
			long v = SSL_get_verify_result(ssl);
			if (v != X509_V_OK || !SSL_get0_peer_certificate(ssl)) {
				snprintf(reason, sizeof(reason), "certificate verification: %s",
				    X509_verify_cert_error_string(v));
				c->up_dead = 1;
				hub_up_tls_done(&c->u, 0, reason);
			} else {
				hub_up_tls_done(&c->u, 1, NULL);
			}
		}
		settle(c);
		return;
	}
	c->up_dead = 1;
	if (c->up_tls && c->u.state == UP_HANDSHAKE) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		tls_failure_reason(bufferevent_openssl_get_ssl(bev), e, reason, sizeof(reason));
		ERR_clear_error();
		hub_up_tls_done(&c->u, 0, reason);
	} else if (what & BEV_EVENT_TIMEOUT) {
		snprintf(reason, sizeof(reason), "no answer from the Hub within %d s (%s)",
		    hub_up_timeout(&c->u), hub_up_state_name(c->u.state));
		hub_up_error(&c->u, reason);
	} else if (what & BEV_EVENT_EOF) {
		snprintf(reason, sizeof(reason), "the Hub closed the connection (%s)",
		    hub_up_state_name(c->u.state));
		hub_up_error(&c->u, reason);
	} else {
		int e = EVUTIL_SOCKET_ERROR();
		unsigned long se = c->up_tls ? bufferevent_get_openssl_error(bev) : 0;
		snprintf(reason, sizeof(reason), "connection to the Hub failed (%s): %s",
		    hub_up_state_name(c->u.state),
		    se ? ERR_reason_error_string(se) : e ? evutil_socket_error_to_string(e) : "error");
		ERR_clear_error();
		hub_up_error(&c->u, reason);
	}
	settle(c);
}

/* ---- accepting ---- */

static void
refuse(evutil_socket_t fd, const char *msg)
{
	if (msg)
		(void)!send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
	evutil_closesocket(fd);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	(void)l;
	(void)salen;
	struct hub_relay *r = arg;
	const struct hub_conf *hc = &r->snap->c;
	char who[NETADDR_STRLEN];

	netaddr_str(sa, who, sizeof(who));
	if (!hub_client_allowed(hc, sa)) {
		log_limited(LOG_NOTICE, EV_HUB_REFUSED,
		    "client %s refused: not in hub_transport.clients", who);
		refuse(fd, NULL);
		return;
	}
	if (r->n >= hc->max_sessions) {
		log_limited(LOG_WARNING, EV_HUB_LIMIT,
		    "client %s refused: %d sessions open (max_sessions)", who, r->n);
		refuse(fd, "421 4.3.2 Too many sessions, try again later\r\n");
		return;
	}
	struct hub_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		refuse(fd, "421 4.3.0 Out of memory, try again later\r\n");
		return;
	}
	c->relay = r;
	c->snap = r->snap;
	c->snap->refs++;
	snprintf(c->client, sizeof(c->client), "%s", who);
	TAILQ_INSERT_TAIL(&r->conns, c, link);
	r->n++;
	c->cli = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->up = bufferevent_socket_new(r->base, -1, 0);
	if (!c->cli || !c->up) {
		if (!c->cli)
			evutil_closesocket(fd);
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->cli, cli_read, cli_write, cli_event, c);
	bufferevent_setwatermark(c->cli, EV_READ, 0, HUB_CLIENT_READ);
	bufferevent_setcb(c->up, up_read, up_write, up_event, c);
	bufferevent_setwatermark(c->up, EV_WRITE, HUB_LOW, 0);
	hub_session_init(&c->s, &session_ops, c, bufferevent_get_input(c->cli), who, hc);
	hub_up_init(&c->u, &up_ops, c, hc->helo_name, hc->timeout, hc->data_timeout);
	set_read_timeout(c->up, hc->timeout, hc->timeout);
	bufferevent_enable(c->up, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->up, (struct sockaddr *)&hc->upstream.ss,
	    (int)hc->upstream.len) != 0) {
		char reason[200];
		snprintf(reason, sizeof(reason), "cannot connect to the Hub: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		c->up_dead = 1;
		hub_up_error(&c->u, reason);
	}
	settle(c);
}

struct hub_relay *
hub_start(struct event_base *base, const struct hub_conf *c, SSL_CTX *client_ctx,
    char *err, size_t errlen)
{
	struct hub_relay *r = calloc(1, sizeof(*r));
	char a[NETADDR_STRLEN], u[NETADDR_STRLEN];

	if (!r || !(r->snap = snap_new(c, client_ctx))) {
		free(r);
		snprintf(err, errlen, "hub_transport: out of memory");
		return NULL;
	}
	r->base = base;
	TAILQ_INIT(&r->conns);
	netaddr_str((const struct sockaddr *)&c->listen.ss, a, sizeof(a));
	r->lst = evconnlistener_new_bind(base, on_accept, r,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (const struct sockaddr *)&c->listen.ss, (int)c->listen.len);
	if (!r->lst) {
		snprintf(err, errlen, "hub_transport: cannot listen on %s: %s", a,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		snap_unref(r->snap);
		free(r);
		return NULL;
	}
	netaddr_str((const struct sockaddr *)&c->upstream.ss, u, sizeof(u));
	log_event(LOG_INFO, EV_HUB_LISTENING,
	    "Hub Transport relay listening on smtp %s for %d client(s), Hub %s (%s), timeout %d s",
	    a, c->n_clients, u, c->upstream_name, c->timeout);
	return r;
}

void
hub_reconf(struct hub_relay *r, const struct hub_conf *c, SSL_CTX *client_ctx)
{
	if (!c->enabled) {
		hub_stop(r);
		return;
	}
	struct hub_snap *s = snap_new(c, client_ctx);
	if (!s) {
		log_event(LOG_ERR, EV_INTERNAL, "hub_transport: out of memory, settings kept");
		return;
	}
	if (!netaddr_equal((const struct sockaddr *)&c->listen.ss,
	    (const struct sockaddr *)&r->snap->c.listen.ss))
		log_event(LOG_WARNING, EV_HUB_LISTENING,
		    "hub_transport.listen changed: takes effect after a restart");
	/* Keep listening where we are: the address stays that of the socket. */
	s->c.listen = r->snap->c.listen;
	snap_unref(r->snap);
	r->snap = s;
}

void
hub_stop(struct hub_relay *r)
{
	struct hub_conn *c, *next;

	if (r->lst) {
		evconnlistener_free(r->lst);
		r->lst = NULL;
		log_event(LOG_INFO, EV_HUB_LISTENING,
		    "Hub Transport relay stopped listening, %d session(s) finishing", r->n);
	}
	for (c = TAILQ_FIRST(&r->conns); c; c = next) {
		next = TAILQ_NEXT(c, link);
		hub_session_shutdown(&c->s);
		settle(c);
	}
}

int
hub_active(const struct hub_relay *r)
{
	return r ? r->n : 0;
}

void
hub_free(struct hub_relay *r)
{
	struct hub_conn *c;

	if (!r)
		return;
	if (r->lst)
		evconnlistener_free(r->lst);
	while ((c = TAILQ_FIRST(&r->conns)))
		conn_free(c);
	snap_unref(r->snap);
	free(r);
}
