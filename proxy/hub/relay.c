/* The relay's sockets: the inside listener, and per UM server a pair of
 * bufferevents (plain toward the UM server; plain, then OpenSSL after
 * STARTTLS toward the Hub) that feed the two session machines,
 * um_session.h and hub_session.h, and carry out what they ask. */
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
#include "conf.h"
#include "hub.h"
#include "hub_session.h"
#include "log.h"
#include "peercert.h"
#include "tls.h"
#include "um_session.h"

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
	struct bufferevent *um_bev, *hub_bev;
	int hub_tls;		/* c->hub_bev is the bufferevent_openssl */
	int hub_dead;		/* the Hub's side is gone: free c->hub_bev now */
	struct hub_um_session um;
	struct hub_session hub;
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
close_hub(struct hub_conn *c)
{
	if (!c->hub_bev)
		return;
	evutil_socket_t fd = c->hub_tls ? -1 : bufferevent_getfd(c->hub_bev);
	bufferevent_disable(c->hub_bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->hub_bev, NULL, NULL, NULL, NULL);
	bufferevent_free(c->hub_bev);	/* the TLS one closes its socket and SSL */
	if (fd >= 0)
		evutil_closesocket(fd);
	c->hub_bev = NULL;
}

static void
conn_free(struct hub_conn *c)
{
	close_hub(c);
	if (c->um_bev) {
		bufferevent_setcb(c->um_bev, NULL, NULL, NULL, NULL);
		bufferevent_free(c->um_bev);
	}
	TAILQ_REMOVE(&c->relay->conns, c, link);
	c->relay->n--;
	snap_unref(c->snap);
	free(c);
}

/* ---- what the Hub session (hub_session.h) asks of the relay ---- */

static void
send_to_hub(void *arg, const char *buf, size_t len)
{
	struct hub_conn *c = arg;

	if (c->hub_bev)
		bufferevent_write(c->hub_bev, buf, len);
}

static void hub_read(struct bufferevent *bev, void *arg);
static void hub_write(struct bufferevent *bev, void *arg);
static void hub_event(struct bufferevent *bev, short what, void *arg);

static void
start_tls(void *arg)
{
	struct hub_conn *c = arg;
	struct event_base *base = c->relay->base;

	/* Anything after the 220 came in clear and is not to be trusted
	 * (RFC 3207 5, CVE-2011-0411): refuse rather than mix it in. */
	if (evbuffer_get_length(bufferevent_get_input(c->hub_bev)) > 0) {
		c->hub_dead = 1;
		hub_session_tls_done(&c->hub, 0, "the Hub sent data after its 220 to STARTTLS");
		return;
	}
	evutil_socket_t fd = bufferevent_getfd(c->hub_bev);
	bufferevent_disable(c->hub_bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->hub_bev, NULL, NULL, NULL, NULL);
	bufferevent_free(c->hub_bev);	/* no BEV_OPT_CLOSE_ON_FREE: fd stays open */
	c->hub_bev = NULL;

	SSL *ssl = SSL_new(c->snap->ctx);
	if (!ssl || SSL_set1_host(ssl, c->snap->c.upstream_name) != 1 ||
	    SSL_set_tlsext_host_name(ssl, c->snap->c.upstream_name) != 1) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		c->hub_dead = 1;
		hub_session_tls_done(&c->hub, 0, "cannot set up TLS");
		return;
	}
	/* Wildcards only as the whole left-most label; no partial ones. */
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	c->hub_bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (!c->hub_bev) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		c->hub_dead = 1;
		hub_session_tls_done(&c->hub, 0, "cannot set up TLS");
		return;
	}
	c->hub_tls = 1;
	bufferevent_setcb(c->hub_bev, hub_read, hub_write, hub_event, c);
	bufferevent_enable(c->hub_bev, EV_READ | EV_WRITE);
}

static void
on_hub_ready(void *arg, const struct hub_smtp_caps *caps)
{
	struct hub_conn *c = arg;
	struct hub_tls_info t;
	SSL *ssl = bufferevent_openssl_get_ssl(c->hub_bev);

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
	hub_um_up_ready(&c->um, caps, &t);
}

static void
on_hub_reply(void *arg, const struct hub_smtp_reply *r)
{
	struct hub_conn *c = arg;

	hub_um_up_reply(&c->um, r);
}

static void
on_hub_down(void *arg, const char *reason)
{
	struct hub_conn *c = arg;

	hub_um_up_down(&c->um, reason);
}

static const struct hub_session_ops hub_ops = { send_to_hub, start_tls, on_hub_ready, on_hub_reply, on_hub_down };

/* ---- what the UM server's session (um_session.h) asks of the relay ---- */

static void
send_to_um(void *arg, const char *buf, size_t len)
{
	struct hub_conn *c = arg;

	if (c->um_bev)
		bufferevent_write(c->um_bev, buf, len);
}

static void
command_to_hub(void *arg, const char *buf, size_t len)
{
	struct hub_conn *c = arg;

	hub_session_command(&c->hub, buf, len);
}

static int
data_to_hub(void *arg, struct evbuffer *src, size_t n)
{
	struct hub_conn *c = arg;

	if (!c->hub_bev) {
		evbuffer_drain(src, n);
		return 1;
	}
	struct evbuffer *out = bufferevent_get_output(c->hub_bev);
	evbuffer_remove_buffer(src, out, n);
	return evbuffer_get_length(out) < HUB_HIGH;
}

static void
data_end_to_hub(void *arg)
{
	struct hub_conn *c = arg;

	hub_session_data_end(&c->hub);
}

static void
abort_hub(void *arg)
{
	struct hub_conn *c = arg;

	hub_session_abort(&c->hub);
	c->hub_dead = 1;
	close_hub(c);
}

static void
quit_hub(void *arg)
{
	struct hub_conn *c = arg;

	hub_session_quit(&c->hub);	/* c->hub_bev goes once QUIT is out (settle) */
}

static const struct hub_um_ops um_ops = {
	send_to_um, command_to_hub, data_to_hub, data_end_to_hub, abort_hub, quit_hub,
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

	if (c->hub_bev && c->hub.state == HUB_UP_CLOSED &&
	    (c->hub_dead || evbuffer_get_length(bufferevent_get_output(c->hub_bev)) == 0))
		close_hub(c);
	if (hub_um_done(&c->um)) {
		if (c->hub_bev && c->hub.state != HUB_UP_CLOSED) {
			hub_session_abort(&c->hub);
			close_hub(c);
		}
		if (c->um_bev)
			bufferevent_disable(c->um_bev, EV_READ);
		if ((!c->um_bev || evbuffer_get_length(bufferevent_get_output(c->um_bev)) == 0) && !c->hub_bev) {
			conn_free(c);
			return;
		}
		if (c->um_bev)
			set_read_timeout(c->um_bev, 0, timeout);
		if (c->hub_bev) {
			bufferevent_setwatermark(c->hub_bev, EV_WRITE, 0, 0);
			set_read_timeout(c->hub_bev, 0, timeout);
		}
		return;
	}
	set_read_timeout(c->um_bev, hub_um_client_timeout(&c->um), timeout);
	if (c->hub_bev && c->hub.state != HUB_UP_CLOSED)
		set_read_timeout(c->hub_bev, hub_session_timeout(&c->hub), timeout);
	else if (c->hub_bev)
		set_read_timeout(c->hub_bev, 0, timeout);
	int full = hub_um_paused(&c->um);
	if (full || c->um.state == HUB_UM_WAIT_UP)
		bufferevent_disable(c->um_bev, EV_READ);
	else
		bufferevent_enable(c->um_bev, EV_READ);
}

/* ---- bufferevent callbacks ---- */

static void
um_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct hub_conn *c = arg;

	hub_um_input(&c->um);
	settle(c);
}

static void
um_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	settle(arg);
}

static void
um_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct hub_conn *c = arg;

	if (what & BEV_EVENT_TIMEOUT && what & BEV_EVENT_READING) {
		hub_um_timeout(&c->um);
		settle(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		hub_um_client_eof(&c->um);
		/* The client is gone; a QUIT may still be on its way to the Hub. */
		bufferevent_setcb(c->um_bev, NULL, NULL, NULL, NULL);
		bufferevent_free(c->um_bev);
		c->um_bev = NULL;
		settle(c);
	}
}

static void
hub_read(struct bufferevent *bev, void *arg)
{
	struct hub_conn *c = arg;
	char line[HUB_SMTP_LINE_MAX];

	while (bev == c->hub_bev && c->hub.state != HUB_UP_CLOSED && c->hub.state != HUB_UP_HANDSHAKE) {
		struct evbuffer *in = bufferevent_get_input(bev);
		size_t eol_len = 0;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
		if (p.pos < 0) {
			if (evbuffer_get_length(in) >= HUB_SMTP_LINE_MAX) {
				c->hub_dead = 1;
				hub_session_error(&c->hub, "reply line from the Hub too long");
			}
			break;
		}
		if ((size_t)p.pos + 2 > HUB_SMTP_LINE_MAX) {
			c->hub_dead = 1;
			hub_session_error(&c->hub, "reply line from the Hub too long");
			break;
		}
		size_t n = (size_t)p.pos;
		evbuffer_remove(in, line, n);
		evbuffer_drain(in, eol_len);
		hub_session_line(&c->hub, line, n);
	}
	settle(c);
}

static void
hub_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct hub_conn *c = arg;

	if (hub_um_paused(&c->um))
		hub_um_resume(&c->um);	/* room again at the Hub */
	settle(c);
}

static void
hub_event(struct bufferevent *bev, short what, void *arg)
{
	struct hub_conn *c = arg;
	char reason[300];

	if (what & BEV_EVENT_CONNECTED) {
		if (!c->hub_tls) {
			hub_session_connected(&c->hub);
		} else {
			SSL *ssl = bufferevent_openssl_get_ssl(bev);
			long v = SSL_get_verify_result(ssl);
			if (v != X509_V_OK || !SSL_get0_peer_certificate(ssl)) {
				snprintf(reason, sizeof(reason), "certificate verification: %s",
				    X509_verify_cert_error_string(v));
				c->hub_dead = 1;
				hub_session_tls_done(&c->hub, 0, reason);
			} else {
				hub_session_tls_done(&c->hub, 1, NULL);
			}
		}
		settle(c);
		return;
	}
	c->hub_dead = 1;
	if (c->hub_tls && c->hub.state == HUB_UP_HANDSHAKE) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		tls_failure_reason(bufferevent_openssl_get_ssl(bev), e, reason, sizeof(reason));
		ERR_clear_error();
		hub_session_tls_done(&c->hub, 0, reason);
	} else if (what & BEV_EVENT_TIMEOUT) {
		snprintf(reason, sizeof(reason), "no answer from the Hub within %d s (%s)",
		    hub_session_timeout(&c->hub), hub_session_state_name(c->hub.state));
		hub_session_error(&c->hub, reason);
	} else if (what & BEV_EVENT_EOF) {
		snprintf(reason, sizeof(reason), "the Hub closed the connection (%s)",
		    hub_session_state_name(c->hub.state));
		hub_session_error(&c->hub, reason);
	} else {
		int e = EVUTIL_SOCKET_ERROR();
		unsigned long se = c->hub_tls ? bufferevent_get_openssl_error(bev) : 0;
		snprintf(reason, sizeof(reason), "connection to the Hub failed (%s): %s",
		    hub_session_state_name(c->hub.state),
		    se ? ERR_reason_error_string(se) : e ? evutil_socket_error_to_string(e) : "error");
		ERR_clear_error();
		hub_session_error(&c->hub, reason);
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
	if (!hub_conf_client_allowed(hc, sa)) {
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
	c->um_bev = bufferevent_socket_new(r->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->hub_bev = bufferevent_socket_new(r->base, -1, 0);
	if (!c->um_bev || !c->hub_bev) {
		if (!c->um_bev)
			evutil_closesocket(fd);
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->um_bev, um_read, um_write, um_event, c);
	bufferevent_setwatermark(c->um_bev, EV_READ, 0, HUB_CLIENT_READ);
	bufferevent_setcb(c->hub_bev, hub_read, hub_write, hub_event, c);
	bufferevent_setwatermark(c->hub_bev, EV_WRITE, HUB_LOW, 0);
	hub_um_init(&c->um, &um_ops, c, bufferevent_get_input(c->um_bev), who, hc);
	hub_session_init(&c->hub, &hub_ops, c, hc->helo_name, hc->timeout, hc->data_timeout);
	set_read_timeout(c->hub_bev, hc->timeout, hc->timeout);
	bufferevent_enable(c->hub_bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(c->hub_bev, (struct sockaddr *)&hc->upstream.ss,
	    (int)hc->upstream.len) != 0) {
		char reason[200];
		snprintf(reason, sizeof(reason), "cannot connect to the Hub: %s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		c->hub_dead = 1;
		hub_session_error(&c->hub, reason);
	}
	settle(c);
}

long
hub_relay_fds(const struct hub_conf *c)
{
	return c && c->enabled ? 2L * c->max_sessions : 0;	/* the UM server's and the Hub's */
}

struct hub_relay *
hub_relay_start(struct event_base *base, const struct hub_conf *c, SSL_CTX *client_ctx,
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
hub_relay_reconf(struct hub_relay *r, const struct hub_conf *c, SSL_CTX *client_ctx)
{
	if (!c->enabled) {
		hub_relay_stop(r);
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
hub_relay_stop(struct hub_relay *r)
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
		hub_um_shutdown(&c->um);
		settle(c);
	}
}

int
hub_relay_active(const struct hub_relay *r)
{
	return r ? r->n : 0;
}

void
hub_relay_free(struct hub_relay *r)
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
