/* The stateful proxy (RFC 3261 16): what happens to each admitted message. */
#ifndef UMSBC_PROXY_H
#define UMSBC_PROXY_H

#include <event2/event.h>

#include "conf.h"
#include "transport.h"

void proxy_init(struct event_base *base, struct conf *c);
void proxy_reconf(struct conf *c);
void proxy_rx(const struct inbound *in, msg_t *msg);
void proxy_conn_down(uint64_t conn, int failed);
/* Transactions in flight or lingering. */
unsigned proxy_transactions(void);
/* Stop taking new requests (503); returns transactions still in flight. */
unsigned proxy_drain(void);
void proxy_shutdown(void);

#endif
