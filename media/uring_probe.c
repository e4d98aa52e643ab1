/* Can this process relay through io_uring? The kernel may be too old (a
 * provided-buffer ring needs 5.19, a multishot recvmsg 6.0), io_uring may be
 * turned off (kernel.io_uring_disabled) or refused by a seccomp filter (many
 * container runtimes). Rather than guess from the version, the probe does
 * what the relay does: a multishot recvmsg with a provided buffer on a UDP
 * socket, and a datagram sent to it. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing.h>

#include "media/internal.h"

#define P_BGID 1
#define P_BUFSZ 256

/* 0 when a datagram sent to fd arrives through a multishot recvmsg. */
static int
try_receive(struct io_uring *ring, int fd, char *why, size_t whylen)
{
	struct msghdr hdr = { .msg_namelen = sizeof(struct sockaddr_in) };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = { .tv_sec = 1 };
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int r;

	io_uring_prep_recvmsg_multishot(sqe, fd, &hdr, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = P_BGID;
	if (getsockname(fd, (struct sockaddr *)&a, &alen) < 0 ||
	    sendto(fd, "probe", 5, 0, (struct sockaddr *)&a, alen) != 5) {
		snprintf(why, whylen, "probe datagram: %s", strerror(errno));
		return -1;
	}
	if ((r = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, NULL)) < 0) {
		snprintf(why, whylen, "multishot recvmsg: %s", strerror(-r));
		return -1;
	}
	r = cqe->res;
	int ok = r > 0 && (cqe->flags & IORING_CQE_F_BUFFER) && (cqe->flags & IORING_CQE_F_MORE);
	io_uring_cqe_seen(ring, cqe);
	if (!ok)
		snprintf(why, whylen, "multishot recvmsg: %s", r < 0 ? strerror(-r) :
		    "no buffer or ended at once (kernel older than 6.0?)");
	return ok ? 0 : -1;
}

static int
with_ring(struct io_uring *ring, char *why, size_t whylen)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct io_uring_buf_reg reg = { .ring_entries = 1, .bgid = P_BGID };
	size_t size = 4096;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = -1, r = -1;

	if (mem == MAP_FAILED) {
		snprintf(why, whylen, "mmap: %s", strerror(errno));
		return -1;
	}
	/* One page: the ring's single entry, then its buffer. */
	struct io_uring_buf_ring *br = mem;
	reg.ring_addr = (unsigned long)(uintptr_t)br;
	if ((r = io_uring_register_buf_ring(ring, &reg, 0)) < 0) {
		snprintf(why, whylen, "io_uring_register_buf_ring: %s", strerror(-r));
		goto out;
	}
	io_uring_buf_ring_init(br);
	io_uring_buf_ring_add(br, (uint8_t *)mem + 2048, P_BUFSZ, 0, io_uring_buf_ring_mask(1), 0);
	io_uring_buf_ring_advance(br, 1);
	r = -1;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&lo, sizeof(lo)) < 0) {
		snprintf(why, whylen, "probe socket on 127.0.0.1: %s", strerror(errno));
		goto out;
	}
	r = try_receive(ring, fd, why, whylen);
out:
	if (fd >= 0)
		close(fd);
	io_uring_queue_exit(ring);	/* before the buffer ring's memory goes */
	munmap(mem, size);
	return r;
}

int
media_uring_probe(char *why, size_t whylen)
{
	struct io_uring ring;
	int r = io_uring_queue_init(4, &ring, 0);

	if (r < 0) {
		snprintf(why, whylen, "io_uring_queue_init: %s", strerror(-r));
		return -1;
	}
	return with_ring(&ring, why, whylen);
}
