/* One lookup of one name, on the core loop: SRV (maybe), then A and AAAA of
 * each target with evdns; the answer is the addresses in the order to use
 * them, the lowest TTL among the records, or why there are none. */
#ifndef UMSBC_RESOLVE_LOOKUP_H
#define UMSBC_RESOLVE_LOOKUP_H

#include <stdint.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "conf.h"

/* Addresses kept for one name (SRV targets' addresses together), and SRV
 * targets whose addresses are asked. */
#define RESOLVE_MAX_ADDR 8
#define RESOLVE_MAX_TARGETS 4

struct resolve_lookup_result {
	int n;
	struct netaddr addr[RESOLVE_MAX_ADDR];
	int ttl;		/* s, the lowest of the records used; -1 = none given */
	int from_srv;		/* the addresses are SRV targets' */
	const char *error;	/* n == 0: nxdomain, no-data, timeout, servfail, refused,
				 * format-error, no-service (SRV target "."), error */
	int negative;		/* n == 0 because the servers said so (no such name or
				 * records), not because they were silent or failed */
};

typedef void (*resolve_lookup_cb)(const struct resolve_lookup_result *r, void *arg);

struct resolve_lookup;

/* Looks name up: with srv_service (e.g. "_sip._udp"), SRV of
 * SERVICE.NAME first, and without SRV records A/AAAA of name at port
 * (RFC 3263 4.2); without it, A/AAAA at port. cb is called once, later,
 * unless resolve_lookup_abandon comes first. NULL when out of memory. */
struct resolve_lookup *resolve_lookup_start(struct event_base *base, struct evdns_base *dns,
    const char *name, const char *srv_service, uint16_t port, int timeout_s,
    resolve_lookup_cb cb, void *arg);
/* cb is not called; what is in flight is freed when it ends. */
void resolve_lookup_abandon(struct resolve_lookup *l);
/* After evdns_base_free(dns, 0), which drops the queries in flight without
 * their callbacks: frees every lookup left. */
void resolve_lookup_free_all(void);

#endif
