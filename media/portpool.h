/* UDP ports for media over [port_min, port_max] on one local address. A
 * port is handed out bound (so it is really ours) and comes back closed.
 * Ports are handed out round-robin, so a port just freed is the last to be
 * reused and late packets of an ended call do not land in a new one.
 * Thread-safe: the proxy allocates, the media workers release. */
#ifndef UMSBC_MEDIA_PORTPOOL_H
#define UMSBC_MEDIA_PORTPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct portpool;

/* One media line's local ports: RTP on an even port and RTCP on the next
 * one, or (rtcp-mux) RTP alone, rtcp_fd = -1. Sockets are non-blocking. */
struct media_ports {
	int rtp_fd, rtcp_fd;
	uint16_t rtp_port, rtcp_port;
};

/* addr: the local address (its port is ignored). NULL with errno on a bad
 * range or out of memory. */
struct portpool *media_portpool_new(const struct sockaddr *addr, socklen_t addrlen,
    uint16_t port_min, uint16_t port_max);
/* Every port must have been put back. */
void media_portpool_free(struct portpool *pool);

/* 0, or -ENOSPC when no (pair of) port(s) is free and bindable: the proxy
 * answers 503. Other -errno from socket(2). */
int media_portpool_get(struct portpool *pool, int pair, struct media_ports *out);
/* Closes the sockets and frees the ports; out-> fds become -1. */
void media_portpool_put(struct portpool *pool, struct media_ports *ports);
/* A second socket on fd's port, connected to to: the kernel delivers that
 * peer's datagrams to it (a connected socket is the better match) and keeps
 * the route on it, so a send skips the route lookup; everyone else's still
 * reach fd. The caller must read both. The new fd, or -errno. */
int media_portpool_twin(int fd, const struct sockaddr *to, socklen_t tolen);
/* Ports currently handed out. */
size_t media_portpool_in_use(struct portpool *pool);
/* The local address (port 0), for the proxy's c= line. */
const struct sockaddr *media_portpool_addr(const struct portpool *pool, socklen_t *len);

#endif
