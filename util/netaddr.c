#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "util/netaddr.h"

int
netaddr_parse(const char *host, uint16_t port, struct netaddr *out)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
	char buf[64];
	size_t n = strlen(host);

	memset(out, 0, sizeof(*out));
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		out->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		out->len = sizeof(*in6);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}

int
netaddr_parse_hostport(const char *s, uint16_t dflt, struct netaddr *out)
{
	char host[80];
	const char *colon;
	unsigned long port = dflt;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || (rb[1] != '\0' && rb[1] != ':'))
			return -1;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		n = (size_t)(rb - s) + 1;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;	/* a bare IPv6 address has no port */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n + 1 > sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (colon) {
		const char *p = colon + 1;
		size_t digits = strspn(p, "0123456789");
		if (digits == 0 || digits > 5 || p[digits] != '\0')
			return -1;
		port = strtoul(p, NULL, 10);
		if (port == 0 || port > 65535)
			return -1;
	}
	return netaddr_parse(host, (uint16_t)port, out);
}

uint16_t
netaddr_port(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

void
netaddr_set_port(struct sockaddr *a, uint16_t port)
{
	if (a->sa_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else if (a->sa_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

int
netaddr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	return (a->sa_family == AF_INET || a->sa_family == AF_INET6) &&
	    evutil_sockaddr_cmp(a, b, 0) == 0;
}

int
netaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	return (a->sa_family == AF_INET || a->sa_family == AF_INET6) &&
	    evutil_sockaddr_cmp(a, b, 1) == 0;
}

int
netaddr_is_any(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)a)->sin6_addr);
	return 0;
}

uint64_t
netaddr_source_key(const struct sockaddr *a)
{
	uint64_t k = 0;

	if (a->sa_family == AF_INET)
		k = 0x100000000ull | ((const struct sockaddr_in *)a)->sin_addr.s_addr;
	else if (a->sa_family == AF_INET6)
		memcpy(&k, &((const struct sockaddr_in6 *)a)->sin6_addr, sizeof(k));
	return k;
}

const char *
netaddr_host_str(const struct sockaddr *a, char *buf, size_t len)
{
	const void *p = NULL;

	if (a->sa_family == AF_INET)
		p = &((const struct sockaddr_in *)a)->sin_addr;
	else if (a->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)a)->sin6_addr;
	if (!p || !inet_ntop(a->sa_family, p, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *
netaddr_hostport(const char *host, uint16_t port, char *buf, size_t len)
{
	/* A colon is in no name and no IPv4 literal: it is an IPv6 literal. */
	int bracket = host[0] != '[' && strchr(host, ':') != NULL;
	int n = snprintf(buf, len, "%s%s%s:%u", bracket ? "[" : "", host, bracket ? "]" : "",
	    (unsigned)port);

	return n >= 0 && (size_t)n < len ? buf : NULL;
}

const char *
netaddr_str(const struct sockaddr *a, char *buf, size_t len)
{
	char host[NETADDR_STRLEN];

	if (a->sa_family != AF_INET && a->sa_family != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	netaddr_host_str(a, host, sizeof(host));
	if (!netaddr_hostport(host, netaddr_port(a), buf, len))
		snprintf(buf, len, "?");
	return buf;
}
