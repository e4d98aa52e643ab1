/* The daemon's configuration (libconfig), validated as a whole: a loaded
 * struct conf is always consistent, so a reload either swaps in a complete
 * new one or keeps the old one. */
#ifndef UMSBC_CONF_H
#define UMSBC_CONF_H

#include <stdint.h>
#include <sys/socket.h>
#include <libconfig.h>

#include "policy_conf.h"
#include "util/netaddr.h"

enum security { SEC_UNSECURED, SEC_SIP_SECURED, SEC_SECURED };
enum side { SIDE_OUTSIDE, SIDE_INSIDE };
enum transport { TP_UDP, TP_TCP, TP_TLS };

struct conf_listen {
	enum side side;
	enum transport tp;
	const char *address;
	uint16_t port;
	struct netaddr sa;
	int line;
};

struct conf_um {
	const char *name;
	const char *uri;
	enum transport tp;
	char host[64];		/* literal address from the URI, or the resolved one */
	uint16_t port;
	struct netaddr sa;	/* AF_UNSPEC while a name is not resolved */
	char dns[256];		/* the URI's host when it is a name ("" = a literal) */
	int srv;		/* a name without a port: SRV first (RFC 3263) */
	int n_addr;		/* a name's addresses, in the order to try: sa = addr[0] */
	struct netaddr *addr;	/* (resolve.c writes host, port, sa and these) */
	enum security mode;	/* strongest mode of its dial plans, or start_secured */
	int in_dialplan;
	int probe_interval;	/* s between OPTIONS probes, 0 = none */
	int probe_failures;	/* probes failed in a row before it is down */
	struct conf_limit limit;	/* calls it makes and takes */
};

struct conf_dialplan {
	const char *name;
	enum security security;
	int n_um;
	int *um;		/* indexes into conf.um */
	unsigned next;		/* round-robin position */
	struct conf_limit limit;	/* both directions together */
	struct conf_direction dir[2];	/* by enum direction */
};

struct conf_gateway {
	const char *name;
	const char *fqdn;
	int n_addr;
	struct netaddr *addr;
	uint16_t port;
	int dialplan;		/* index into conf.dialplans, -1 = none */
	enum security mode;
	struct conf_limit limit;
	int by_name;		/* no addresses: fqdn is resolved into addr (resolve.c) */
	int srv;		/* by name without a port: SRV first (RFC 3263) */
};

struct hub_conf;

#define CONF_MAX_SUITES 8
#define CONF_MAX_NAMESERVERS 4

struct conf {
	config_t lc;		/* owns every string below */
	char *file;
	const char *fqdn;
	int workers;
	struct conf_limit node_limit;	/* every call of this node */
	int n_listen;
	struct conf_listen *listen;
	struct {
		const char *cert_store;
		const char *trust_store;
		int min_version;	/* TLS1_2_VERSION or TLS1_3_VERSION */
		int handshake_timeout;
		int max_connections;	/* every TCP and TLS connection */
		int max_unauthenticated;	/* of those, not yet admitted, unlisted sources */
		int max_unauthenticated_per_address;
	} tls;
	int start_secured;
	struct {
		int max_forwards;
		int failover_timeout;
		int max_message_size;
		int idle_timeout;	/* s without a byte before a connection is closed */
		int message_timeout;	/* s for a stream message to arrive whole */
	} sip;
	struct {
		int connection_rate, connection_burst;	/* per source, per second; 0 = none */
		int udp_rate, udp_burst;
		int cooldown;		/* s a source over a budget is ignored */
	} limits;
	int log_level;
	const char *control_socket;	/* "" = none */
	struct {
		int enabled;		/* the metrics group is there */
		const char *listen;	/* "ADDRESS:PORT" as written */
		char host[64];		/* ADDRESS, without brackets */
		uint16_t port;
		struct netaddr sa;
		int line;
	} metrics;
	int n_um, n_dialplans, n_gateways;
	unsigned no_dialplan_next;	/* round-robin position, gateways in no dial plan */
	struct conf_um *um;
	struct conf_dialplan *dialplans;
	struct conf_gateway *gateways;
	struct hub_conf *hub;	/* the SMTP relay (opaque: hub/hub.h); NULL or disabled: off */
	struct {		/* names of gateways and UM servers (resolve.c) */
		int n_nameservers;	/* 0: those of resolv_conf */
		const char *nameservers[CONF_MAX_NAMESERVERS];	/* "ADDRESS[:PORT]" */
		const char *resolv_conf;
		int min_ttl, max_ttl;	/* s: a record's TTL is held within these */
		int retry;		/* s before a name that failed is tried again */
		int timeout;		/* s per query and server */
	} dns;
	struct {
		int enabled;		/* the media group is there */
		const char *outside_address, *inside_address;
		struct netaddr outside, inside;
		int port_min, port_max;
		int timeout, hold_timeout;	/* seconds without packets */
		int workers;		/* relay threads, 0 = one per CPU */
		int io;			/* enum media_io */
		int n_suites;
		int suites[CONF_MAX_SUITES];	/* enum sdes_suite, our preference order */
	} media;
};

/* Loads and validates FILE. On error returns NULL and writes
 * "FILE:LINE: reason" into err. */
struct conf *conf_load(const char *file, char *err, size_t errlen);
void conf_free(struct conf *c);

int conf_has_tls(const struct conf *c);
/* The index of the UM server, gateway or dial plan of that name, or -1. */
int conf_um_index(const struct conf *c, const char *name);
int conf_gateway_index(const struct conf *c, const char *name);
int conf_dialplan_index(const struct conf *c, const char *name);
const char *conf_security_name(enum security s);
const char *conf_transport_name(enum transport t);
const char *conf_side_name(enum side s);

#endif
