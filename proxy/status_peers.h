/* The per-peer lines of the control socket's "status" answer: one line per
 * gateway and per UM server, "KIND NAME STATE key=value ..." (umsbcctl
 * --json makes each kind an array of objects). Core thread only. */
#ifndef UMSBC_STATUS_PEERS_H
#define UMSBC_STATUS_PEERS_H

#include <event2/buffer.h>

#include "conf.h"

struct alim;

/* "gw NAME connected|disconnected transport=T mode=M connections=N
 *  calls_active=N last_seen=TIME|never cert_sha1=HEX|none cert_days_left=N|none"
 *  and the gateway's call limit, if any (status_limit_fields) */
void status_gateways(const struct conf *c, struct evbuffer *out);
/* "um NAME up|down since=TIME probe=Ns|off probe_status=N rtt_ms=N
 *  failures=N calls_active=N" and the server's call limit, if any */
void status_um_servers(const struct conf *c, struct evbuffer *out);
/* A call limit's use: " PREFIXcalls=N PREFIXmax_calls=N|none PREFIXmax_cps=N|none
 * PREFIXcps=N PREFIXrefused=N" on its object's line, or (lines) one
 * "PREFIXKEY VALUE" line each; nothing when l is NULL (no limit). */
void status_limit_fields(struct evbuffer *out, const char *prefix, const struct alim *l, int lines);

#endif
