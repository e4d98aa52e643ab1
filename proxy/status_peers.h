/* The per-peer lines of the control socket's "status" answer: one line per
 * gateway and per UM server, "KIND NAME STATE key=value ..." (umsbcctl
 * --json makes each kind an array of objects). Core thread only. */
#ifndef UMSBC_STATUS_PEERS_H
#define UMSBC_STATUS_PEERS_H

#include <event2/buffer.h>

#include "conf.h"

/* "gw NAME connected|disconnected transport=T mode=M connections=N
 *  calls_active=N last_seen=TIME|never cert_sha1=HEX|none cert_days_left=N|none" */
void status_gateways(const struct conf *c, struct evbuffer *out);
/* "um NAME up|down since=TIME probe=Ns|off probe_status=N rtt_ms=N
 *  failures=N calls_active=N" */
void status_um_servers(const struct conf *c, struct evbuffer *out);

#endif
