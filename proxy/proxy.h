/* The stateful proxy (RFC 3261 16): what happens to each admitted message. */
#ifndef UMSBC_PROXY_H
#define UMSBC_PROXY_H

#include <event2/event.h>

#include "conf.h"
#include "transport.h"

/* 0, or -1 with err (the media relay or its ports could not start). */
int proxy_init(struct event_base *base, struct conf *c, char *err, size_t errlen);
/* 0, or -1 with err: the running configuration stays. */
int proxy_reconf(struct conf *c, char *err, size_t errlen);
void proxy_rx(const struct inbound *in, msg_t *msg);
void proxy_conn_down(uint64_t conn, int failed);
/* Transactions in flight or lingering. */
unsigned proxy_transactions(void);
/* Stop taking new requests (503); returns transactions still in flight. */
unsigned proxy_drain(void);
void proxy_shutdown(void);

/* How a request of our own ended, told exactly once: the final status (0 =
 * no answer within the time-out, -1 = no connection) and, while status > 0,
 * the final response (valid during the call only; NULL otherwise). */
typedef void (*proxy_done_fn)(void *arg, int status, msg_t *final);

/* OPTIONS of our own (umsbcctl test-connectivity) to UM server um, or to
 * gateway gw over its mode's transport (TLS: its fqdn verified, an open
 * connection reused). done is called as above, unless -1 is returned
 * (nothing sent, done not called). */
int proxy_options_um(int um, long timeout_ms, proxy_done_fn done, void *arg);
int proxy_options_gateway(int gw, long timeout_ms, proxy_done_fn done, void *arg);

/* A request of our own (umsbcctl's test call: INVITE, BYE; no ACK, which
 * has no response) to d, as a local client transaction: req is taken, our
 * Via stamped on it; a non-2xx final to an INVITE is ACKed here (and again
 * for its retransmissions). done as above, unless -1 is returned. */
int proxy_local_request(msg_t *req, const struct dest *d, long timeout_ms,
    proxy_done_fn done, void *arg);

#endif
