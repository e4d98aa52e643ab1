/* Sockets: UDP listeners, TCP/TLS listeners and connections (libevent,
 * bufferevent_openssl), message framing and sending. Hands every parsed,
 * admitted message to the proxy through one callback. */
#ifndef UMSBC_TRANSPORT_H
#define UMSBC_TRANSPORT_H

#include <stdint.h>
#include <event2/event.h>
#include <sofia-sip/msg.h>

#include "admit.h"
#include "conf.h"
#include "tls.h"

struct listener {
	enum side side;
	enum transport tp;
	struct netaddr sa;
	char host[64];		/* our address or name as peers see it */
	uint16_t port;
	char hostport[80];	/* host:port for Via and Record-Route, IPv6 in brackets */
	int fd;			/* UDP */
	struct event *ev;	/* UDP */
	struct evconnlistener *el;	/* TCP, TLS */
	struct event *resume;		/* TCP, TLS: accepts paused after a failure */
};

struct inbound {
	struct listener *li;
	enum side side;
	enum transport tp;
	struct netaddr peer;
	uint64_t conn;			/* 0 for UDP */
	struct admission adm;
};

struct dest {
	enum side side;
	enum transport tp;
	struct netaddr addr;
	const char *verify_name;	/* TLS: name the peer certificate must carry */
	uint64_t conn;			/* a connection to prefer, 0 for none */
};

typedef void (*transport_rx_fn)(const struct inbound *in, msg_t *msg);
/* A connection went away; failed = it never got established. */
typedef void (*transport_down_fn)(uint64_t conn, int failed);

int transport_start(struct event_base *base, const struct conf *c, struct tls_ctx *tls,
    transport_rx_fn rx, transport_down_fn down);
/* New config (and TLS contexts) for new connections; existing ones stay. */
void transport_reconf(const struct conf *c, struct tls_ctx *tls);
void transport_stop_listening(void);
void transport_shutdown(void);

/* The listener of a side and transport, or NULL. */
struct listener *transport_listener(enum side side, enum transport tp);

/* Sends a response to where the request came from. */
int transport_reply(const struct inbound *in, const char *buf, size_t len);
/* Answers request req (sipmsg_response) where it came from. 1 when the
 * answer went out, 0 when none could be built (req is no request) or sent. */
int transport_answer(const struct inbound *in, msg_t *req, int status, const char *phrase,
    const char *extra);
/* Sends to d, reusing or opening a connection. Returns the connection id,
 * 0 for UDP, or -1 on failure. */
int64_t transport_send(const struct dest *d, const char *buf, size_t len);
/* The connection a gateway last used (TLS or TCP), or 0. */
uint64_t transport_conn_for_gateway(int gateway);
/* Connections of a gateway (ours to it, and its to us); *established
 * of them are past the TCP/TLS handshake. */
int transport_gateway_conns(int gateway, int *established);
/* Open TCP/TLS connections. */
int transport_conn_count(void);

/* TLS handshakes since start, [0] inbound, [1] outbound: completed, and
 * failed by kind (tls.h). Counted where UMS2001 is logged. */
struct transport_tls_counts {
	uint64_t ok[2];
	uint64_t failed[2][TLS_FAIL_COUNT];
};
void transport_tls_counts(struct transport_tls_counts *out);

#endif
