/* Socket addresses: the one place that parses, prints and compares them
 * (IPv4 and IPv6 literals; names are never resolved here). libc and
 * libevent's evutil only. */
#ifndef UMSBC_UTIL_NETADDR_H
#define UMSBC_UTIL_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address of either family with its length, as bind/connect/sendto and
 * recvfrom take it. */
struct netaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Room for any netaddr_str / netaddr_hostport of an address:
 * "[" INET6_ADDRSTRLEN "]:65535". */
#define NETADDR_STRLEN 64

static inline struct sockaddr *
netaddr_sa(struct netaddr *a)
{
	return (struct sockaddr *)&a->ss;
}

static inline const struct sockaddr *
netaddr_csa(const struct netaddr *a)
{
	return (const struct sockaddr *)&a->ss;
}

/* An IP literal ("192.0.2.1", "2001:db8::1" or "[2001:db8::1]") and a port
 * into out. 0, or -1 (out zeroed) if host is no literal. */
/* (libc inet_pton: libevent's own takes " 1.2.3.4".) */
int netaddr_parse(const char *host, uint16_t port, struct netaddr *out);
/* "ADDR:PORT", "[V6]:PORT", "ADDR" or "V6" (port dflt) into out. Strict,
 * unlike evutil_parse_sockaddr_port: the port is 1 to 65535 in decimal
 * digits and nothing follows it ("1.2.3.4:95x" is -1). */
int netaddr_parse_hostport(const char *s, uint16_t dflt, struct netaddr *out);

uint16_t netaddr_port(const struct sockaddr *a);
void netaddr_set_port(struct sockaddr *a, uint16_t port);
/* Same family and address (any port). */
int netaddr_same_host(const struct sockaddr *a, const struct sockaddr *b);
/* Same family, address and port. */
int netaddr_equal(const struct sockaddr *a, const struct sockaddr *b);
/* 0.0.0.0 or :: */
int netaddr_is_any(const struct sockaddr *a);
/* A source's key for per-source tables: its IPv4 address, or the /64 of an
 * IPv6 one (a host usually has a whole /64: single addresses count nothing). */
uint64_t netaddr_source_key(const struct sockaddr *a);

/* "192.0.2.1:5060" or "[2001:db8::1]:5060" ("?" for another family);
 * returns buf. */
const char *netaddr_str(const struct sockaddr *a, char *buf, size_t len);
/* The address alone, IPv6 without brackets ("2001:db8::1"), as
 * evhttp_bind_socket or an SDP c= line take it; "?" for another family. */
const char *netaddr_host_str(const struct sockaddr *a, char *buf, size_t len);
/* host (a name, an IPv4 literal, or an IPv6 literal with or without
 * brackets) and port as a SIP sent-by or hostport (RFC 3261 25.1):
 * "host:5060", "[2001:db8::1]:5060". Returns buf, or NULL if it did not fit. */
const char *netaddr_hostport(const char *host, uint16_t port, char *buf, size_t len);

#endif
