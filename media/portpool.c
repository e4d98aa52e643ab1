#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/portpool.h"
#include "util/netaddr.h"

struct portpool {
	pthread_mutex_t mu;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint16_t min, max;
	uint32_t cursor;	/* offset of the next port to try */
	size_t in_use;
	uint8_t *used;		/* one byte per port of the range */
};

struct portpool *
media_portpool_new(const struct sockaddr *addr, socklen_t addrlen, uint16_t port_min,
    uint16_t port_max)
{
	struct portpool *p;

	if (port_min == 0 || port_min > port_max || addrlen > sizeof(p->addr) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	if (!(p->used = calloc((size_t)port_max - port_min + 1, 1))) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	memcpy(&p->addr, addr, addrlen);
	p->addrlen = addrlen;
	p->min = port_min;
	p->max = port_max;
	return p;
}

void
media_portpool_free(struct portpool *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p->used);
	free(p);
}

/* A bound non-blocking UDP socket, or -errno (-EADDRINUSE: someone else's). */
static int
bind_port(const struct portpool *p, uint16_t port)
{
	struct sockaddr_storage ss = p->addr;
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	netaddr_set_port((struct sockaddr *)&ss, port);
	if (bind(fd, (struct sockaddr *)&ss, p->addrlen) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Binds port (and port+1 for a pair); 0, -EADDRINUSE to try the next
 * candidate, or another -errno to give up. */
static int
take(struct portpool *p, uint16_t port, int pair, struct media_ports *out)
{
	int a = bind_port(p, port), b = -1;

	if (a < 0)
		return a;
	if (pair && (b = bind_port(p, (uint16_t)(port + 1))) < 0) {
		close(a);
		return b;
	}
	p->used[port - p->min] = 1;
	if (pair)
		p->used[port + 1 - p->min] = 1;
	p->in_use += pair ? 2 : 1;
	out->rtp_fd = a;
	out->rtp_port = port;
	out->rtcp_fd = b;
	out->rtcp_port = pair ? (uint16_t)(port + 1) : 0;
	return 0;
}

static int
reuseport(int fd, int on)
{
	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
}

/* SO_REUSEPORT is on only while the twin binds: once it is off on both, no
 * other socket can bind the port (and the kernel picks between the two by
 * their match alone, not by a reuseport hash). */
int
media_portpool_twin(int fd, const struct sockaddr *to, socklen_t tolen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int t = -1, e = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (reuseport(fd, 1) < 0)
		return -errno;
	if ((t = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    reuseport(t, 1) < 0 || bind(t, (struct sockaddr *)&ss, len) < 0 ||
	    reuseport(t, 0) < 0 || connect(t, to, tolen) < 0)
		e = errno;
	if (reuseport(fd, 0) < 0 && !e)
		e = errno;
	if (e) {
		if (t >= 0)
			close(t);
		return -e;
	}
	return t;
}

static int
candidate(const struct portpool *p, uint32_t off, int pair)
{
	uint32_t port = p->min + off;

	if (p->used[off])
		return 0;
	if (!pair)
		return 1;
	/* RTP even, RTCP the odd port above it (RFC 3550 11). */
	return port % 2 == 0 && port + 1 <= p->max && !p->used[off + 1];
}

int
media_portpool_get(struct portpool *p, int pair, struct media_ports *out)
{
	uint32_t n = (uint32_t)p->max - p->min + 1;
	int r = -ENOSPC;

	out->rtp_fd = out->rtcp_fd = -1;
	pthread_mutex_lock(&p->mu);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = (p->cursor + i) % n;
		if (!candidate(p, off, pair))
			continue;
		r = take(p, (uint16_t)(p->min + off), pair, out);
		if (r == 0) {
			p->cursor = (off + (pair ? 2 : 1)) % n;
			break;
		}
		if (r != -EADDRINUSE)
			break;
		r = -ENOSPC;	/* bound by another program: try further */
	}
	pthread_mutex_unlock(&p->mu);
	return r;
}

static void
release(struct portpool *p, int *fd, uint16_t port)
{
	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
	if (port >= p->min && port <= p->max && p->used[port - p->min]) {
		p->used[port - p->min] = 0;
		p->in_use--;
	}
}

void
media_portpool_put(struct portpool *p, struct media_ports *ports)
{
	pthread_mutex_lock(&p->mu);
	release(p, &ports->rtp_fd, ports->rtp_port);
	release(p, &ports->rtcp_fd, ports->rtcp_port);
	pthread_mutex_unlock(&p->mu);
}

size_t
media_portpool_in_use(struct portpool *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = p->in_use;
	pthread_mutex_unlock(&p->mu);
	return n;
}

const struct sockaddr *
media_portpool_addr(const struct portpool *p, socklen_t *len)
{
	*len = p->addrlen;
	return (const struct sockaddr *)&p->addr;
}
