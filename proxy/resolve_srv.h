/* One DNS SRV query on the core loop: libevent 2.1's evdns asks only A,
 * AAAA and PTR, so the query is built and its answer read with libc's
 * resolver library (res_mkquery, ns_initparse, ns_parserr, dn_expand), and
 * sent over a non-blocking UDP socket to evdns's own nameservers in turn,
 * each given timeout s. */
#ifndef UMSBC_RESOLVE_SRV_H
#define UMSBC_RESOLVE_SRV_H

#include <stdint.h>

#include <event2/dns.h>
#include <event2/event.h>

#define RESOLVE_SRV_MAX 8

struct resolve_srv_rec {
	uint16_t prio, weight, port;
	uint32_t ttl;
	char target[256];
};

/* err is a DNS_ERR_* of event2/dns.h: NONE (n >= 1 records), NOTEXIST (no
 * such name), NODATA (the name has no SRV record), TIMEOUT (no server
 * answered), SERVERFAILED, REFUSED, FORMAT or UNKNOWN. */
typedef void (*resolve_srv_cb)(int err, const struct resolve_srv_rec *recs, int n, void *arg);

struct resolve_srv;

/* NULL when out of memory or qname cannot be encoded. cb is called once,
 * later, from the loop, unless resolve_srv_cancel comes first. */
struct resolve_srv *resolve_srv_query(struct event_base *base, struct evdns_base *dns,
    const char *qname, int timeout_s, resolve_srv_cb cb, void *arg);
void resolve_srv_cancel(struct resolve_srv *q);

#endif
