/* The io_uring packet path. One ring per worker: a multishot recvmsg on
 * every socket of the worker picks buffers from one provided-buffer ring;
 * each accepted packet leaves as a sendmsg SQE from the buffer it came in,
 * and all of them go to the kernel with the next wait, so one
 * io_uring_enter carries the packets of many calls both ways. The decision
 * per packet is packet_handle.c's, as on the recvmmsg path.
 *
 * A completion names its socket by slot and generation, never by pointer: a
 * late completion of a socket that was closed finds another generation and
 * only gives its buffer back. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <liburing.h>

#include "media/internal.h"

#define U_SQ 512		/* submission queue entries */
#define U_CQ 8192		/* completion queue: many multishot CQEs per wait */
#define U_NBUF 512		/* provided buffers per worker at most (a power of two) */
/* Of those, the ring gets one per four sockets (one per call: a call's RTCP
 * ports carry a hundredth of its packets, and a buffer is back as soon as
 * its send completes), U_MIN_BUF at least, as the sockets come: a buffer's
 * pages are touched once the ring has cycled through it, so each costs its
 * 2 KiB of RSS (at one per two sockets, 4.2 KiB per call at 400 calls). */
#define U_MIN_BUF 128
#define U_BGID 7
/* Completions prefetched and handled together (reap): enough for the cache
 * misses of that many packets to overlap, few enough that their lines (some
 * 40 per packet) are still in the cache when the packet is handled. */
#define U_WARM 16
/* A receive that ends in an error is armed again at once this many times in
 * a row; after that once per U_RETRY_MS, so that a socket in a persistent
 * error state does not spin the worker, nor goes deaf for good. */
#define U_FAST_RETRIES 4
#define U_RETRY_MS 100
/* recvmsg_out header + the source address + a datagram as on the other path */
#define U_NAME ((unsigned)sizeof(union maddr))
#define U_BUF ((unsigned)sizeof(struct io_uring_recvmsg_out) + U_NAME + MEDIA_BUF)

/* user_data: operation, socket generation, slot or buffer id. */
enum { OP_RECV = 1, OP_SEND, OP_CMD, OP_CANCEL };
#define UD(op, gen, idx) \
	((uint64_t)(op) << 56 | (uint64_t)((gen) & 0xffffffu) << 32 | (uint32_t)(idx))
#define UD_OP(u) ((unsigned)((u) >> 56))
#define UD_GEN(u) ((uint32_t)((u) >> 32) & 0xffffffu)
#define UD_IDX(u) ((uint32_t)(u))

struct uslot {
	struct msock *k;	/* NULL: free */
	int fd;			/* k->fd, or k->tfd for its twin */
	uint32_t gen;
	uint32_t next_free;
	int rearm;		/* on the rearm list */
	int cancel;		/* closed, its receive's cancel still to be queued */
	unsigned errs;		/* receives ended in an error since the last packet */
	int64_t retry_ms;	/* not armed again before this */
};

/* A packet on its way out; its buffer is given back when the send completes. */
struct usend {
	struct msghdr h;
	struct iovec iov;
	union maddr to;
	uint32_t slot, gen;	/* the socket it leaves by, for the counters */
	struct mside *side;	/* its side while slot and gen say it is live */
};

struct muring {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	size_t br_size;
	uint8_t *bufs;		/* U_NBUF * U_BUF */
	int nret;		/* buffers given back, not yet published */
	unsigned nbuf;		/* buffers in the ring's rotation: 0 .. nbuf-1 */
	uint32_t nsock;		/* live ports' own sockets (not twins: a twin takes over
				 * its port's peer, it brings no more packets) */
	int inring;		/* published, not yet seen taken by a receive */
	struct usend send[U_NBUF];	/* by buffer id */
	unsigned sends;		/* send CQEs still to come */
	struct msghdr rhdr;	/* what the multishot recvmsg fills in */
	struct uslot *slot;
	uint32_t nslot, free_head;
	uint32_t *rearm, nrearm;
	uint64_t cmd_val;
	int cmd_armed;
	int quit;
	struct mtally t;
	uint8_t scratch[MEDIA_BUF];
};

static uint8_t *
buf_of(struct muring *u, unsigned bid)
{
	return u->bufs + (size_t)bid * U_BUF;
}

static void
buf_give_back(struct muring *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, buf_of(u, bid), U_BUF, (unsigned short)bid,
	    io_uring_buf_ring_mask(U_NBUF), u->nret++);
}

static void
buf_publish(struct muring *u)
{
	if (u->nret)
		io_uring_buf_ring_advance(u->br, u->nret);
	u->inring += u->nret;
	u->nret = 0;
}

/* An SQE, submitting what is queued when the ring is full. */
static struct io_uring_sqe *
sqe_get(struct muring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

/* ---- setup ---- */

static int
ring_init(struct io_uring *ring, unsigned sq, unsigned cq)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = cq;
	return io_uring_queue_init_params(sq, ring, &p);
}

static int
bufring_init(struct io_uring *ring, struct io_uring_buf_ring **br, size_t *size)
{
	struct io_uring_buf_reg reg;
	int r;

	*size = U_NBUF * sizeof(struct io_uring_buf);
	*br = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*br == MAP_FAILED) {
		*br = NULL;
		return -errno;
	}
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)(uintptr_t)*br;
	reg.ring_entries = U_NBUF;
	reg.bgid = U_BGID;
	if ((r = io_uring_register_buf_ring(ring, &reg, 0)) < 0) {
		munmap(*br, *size);
		*br = NULL;
		return r;
	}
	io_uring_buf_ring_init(*br);
	return 0;
}

/* More buffers into the rotation as the sockets grow in number (never
 * fewer: the pages stay touched anyway). */
static void
buf_fit(struct muring *u)
{
	unsigned want = u->nsock / 4;

	want = want < U_MIN_BUF ? U_MIN_BUF : want > U_NBUF ? U_NBUF : want;
	if (want <= u->nbuf)
		return;
	for (unsigned i = u->nbuf; i < want; i++)
		buf_give_back(u, i);
	u->nbuf = want;
	buf_publish(u);
}

/* Without an SQE (the ring refused a submit) it is tried again after the
 * next round of completions. */
static void
arm_cmd(struct muring *u, int fd)
{
	struct io_uring_sqe *sqe = sqe_get(u);

	if (!(u->cmd_armed = sqe != NULL))
		return;
	io_uring_prep_read(sqe, fd, &u->cmd_val, sizeof(u->cmd_val), 0);
	io_uring_sqe_set_data64(sqe, UD(OP_CMD, 0, 0));
}

int
media_uring_new(struct mworker *w, char *why, size_t whylen)
{
	struct muring *u = calloc(1, sizeof(*u));
	int r;

	if (!u) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if ((r = ring_init(&u->ring, U_SQ, U_CQ)) < 0) {
		snprintf(why, whylen, "io_uring_queue_init: %s", strerror(-r));
		free(u);
		return -1;
	}
	w->u = u;	/* from here on media_uring_free cleans up */
	if ((r = bufring_init(&u->ring, &u->br, &u->br_size)) < 0) {
		snprintf(why, whylen, "io_uring_register_buf_ring: %s", strerror(-r));
		return -1;
	}
	u->bufs = mmap(NULL, (size_t)U_NBUF * U_BUF, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->bufs == MAP_FAILED || (w->cmd_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		if (u->bufs == MAP_FAILED)
			u->bufs = NULL;
		snprintf(why, whylen, "buffers: %s", strerror(errno));
		return -1;
	}
	buf_fit(u);
	u->rhdr.msg_namelen = U_NAME;
	u->free_head = UINT32_MAX;
	arm_cmd(u, w->cmd_fd);
	return 0;
}

void
media_uring_free(struct mworker *w)
{
	struct muring *u = w->u;

	if (!u)
		return;
	io_uring_queue_exit(&u->ring);	/* cancels what is armed */
	if (u->br)
		munmap(u->br, u->br_size);
	if (u->bufs)
		munmap(u->bufs, (size_t)U_NBUF * U_BUF);
	free(u->slot);
	free(u->rearm);
	free(u);
	w->u = NULL;
}

/* ---- the socket table ---- */

static int
slot_grow(struct muring *u)
{
	uint32_t n = u->nslot ? u->nslot * 2 : 64;
	struct uslot *s = realloc(u->slot, n * sizeof(*s));
	uint32_t *r;

	if (!s)
		return -1;
	u->slot = s;
	if (!(r = realloc(u->rearm, n * sizeof(*r))))
		return -1;
	u->rearm = r;
	for (uint32_t i = n; i-- > u->nslot;) {
		s[i] = (struct uslot){ .next_free = u->free_head };
		u->free_head = i;
	}
	u->nslot = n;
	return 0;
}

static void
want_rearm(struct muring *u, uint32_t idx)
{
	if (!u->slot[idx].rearm) {
		u->slot[idx].rearm = 1;
		u->rearm[u->nrearm++] = idx;
	}
}

static void
arm_recv(struct muring *u, uint32_t idx)
{
	struct io_uring_sqe *sqe = sqe_get(u);

	if (!sqe) {
		want_rearm(u, idx);
		return;
	}
	io_uring_prep_recvmsg_multishot(sqe, u->slot[idx].fd, &u->rhdr, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = U_BGID;
	io_uring_sqe_set_data64(sqe, UD(OP_RECV, u->slot[idx].gen, idx));
}

/* A slot receiving on fd for k, armed; MSOCK_NO_SLOT without memory. */
static uint32_t
slot_take(struct muring *u, struct msock *k, int fd)
{
	if (u->free_head == UINT32_MAX && slot_grow(u) < 0)
		return MSOCK_NO_SLOT;
	uint32_t idx = u->free_head;
	u->free_head = u->slot[idx].next_free;
	u->slot[idx].k = k;
	u->slot[idx].fd = fd;
	u->slot[idx].errs = 0;
	u->slot[idx].retry_ms = 0;
	/* Still on the rearm list from its previous socket (closed within this
	 * round of completions): rearm_all arms it, and only once. */
	if (!u->slot[idx].rearm)
		arm_recv(u, idx);
	return idx;
}

int
media_uring_sock_add(struct mworker *w, struct msock *k)
{
	k->slot = MSOCK_NO_SLOT;
	if (k->fd < 0)
		return 0;
	if ((k->slot = slot_take(w->u, k, k->fd)) == MSOCK_NO_SLOT)
		return -1;
	w->u->nsock++;
	buf_fit(w->u);
	return 0;
}

/* Queued SQEs the kernel has not taken that name fd become no-ops with the
 * same user_data (a send's buffer still comes back): once the caller closes
 * fd, the process may give its number to another file. */
static void
sqes_forget_fd(struct muring *u, int fd)
{
	struct io_uring_sq *sq = &u->ring.sq;

	for (unsigned i = io_uring_smp_load_acquire(sq->khead); i != sq->sqe_tail; i++) {
		struct io_uring_sqe *sqe = &sq->sqes[sq->array[i & sq->ring_mask]];
		if (sqe->fd == fd && !(sqe->flags & IOSQE_FIXED_FILE)) {
			uint64_t ud = sqe->user_data;
			io_uring_prep_nop(sqe);
			io_uring_sqe_set_data64(sqe, ud);
		}
	}
}

/* Queues the cancel of a slot's multishot receive (by its user_data, not
 * its fd: the number may be reused). -1 without an SQE. */
static int
cancel_recv(struct muring *u, uint32_t idx)
{
	struct io_uring_sqe *sqe = sqe_get(u);

	if (!sqe)
		return -1;
	io_uring_prep_cancel64(sqe, UD(OP_RECV, u->slot[idx].gen, idx), 0);
	io_uring_sqe_set_data64(sqe, UD(OP_CANCEL, 0, 0));
	return 0;
}

static void
slot_free(struct muring *u, uint32_t idx)
{
	u->slot[idx].cancel = 0;
	u->slot[idx].gen++;
	u->slot[idx].next_free = u->free_head;
	u->free_head = idx;
}

/* The receive must let go of the socket, or it stays armed on it, holding
 * the port, after the caller has closed the descriptor. Without an SQE (the
 * ring refused a submit) the slot stays taken with its generation and the
 * cancel is queued by the next round (rearm_all). */
static void
slot_drop(struct muring *u, uint32_t *idx)
{
	uint32_t i = *idx;

	if (i == MSOCK_NO_SLOT)
		return;
	u->slot[i].k = NULL;
	*idx = MSOCK_NO_SLOT;
	if (cancel_recv(u, i) == 0) {
		slot_free(u, i);
	} else {
		u->slot[i].cancel = 1;
		want_rearm(u, i);
	}
}

void
media_uring_sock_del(struct mworker *w, struct msock *k)
{
	struct muring *u = w->u;

	if (k->slot == MSOCK_NO_SLOT && k->tslot == MSOCK_NO_SLOT)
		return;
	if (k->slot != MSOCK_NO_SLOT)
		u->nsock--;
	slot_drop(u, &k->slot);
	slot_drop(u, &k->tslot);
	/* Before the caller closes the descriptors: a send queued for them is
	 * not issued on a number the process may already have given to another
	 * file. */
	if (io_uring_submit(&u->ring) < 0) {
		sqes_forget_fd(u, k->fd);
		if (k->tfd >= 0)
			sqes_forget_fd(u, k->tfd);
	}
}

/* The socket of a completion, or NULL when it has been closed since. */
static struct msock *
slot_live(struct muring *u, uint32_t idx, uint32_t gen)
{
	if (idx >= u->nslot || !u->slot[idx].k || (u->slot[idx].gen & 0xffffffu) != gen)
		return NULL;
	return u->slot[idx].k;
}

/* ---- the twin: a port's sends to its own peer ---- */

/* Connects k's twin to where k sends now (opening and arming it the first
 * time). A port without one sends from its own socket, by address. */
static void
twin_follow(struct muring *u, struct msock *k, const union maddr *to, socklen_t tolen)
{
	k->twin = TWIN_FAILED;
	if (k->tfd >= 0) {
		if (connect(k->tfd, &to->sa, tolen) == 0)
			k->twin = TWIN_READY;
		return;
	}
	if ((k->tfd = media_portpool_twin(k->fd, &to->sa, tolen)) < 0) {
		k->tfd = -1;
		return;
	}
	/* Its peer's datagrams now reach it: unread, they would be lost. */
	if ((k->tslot = slot_take(u, k, k->tfd)) == MSOCK_NO_SLOT) {
		close(k->tfd);
		k->tfd = -1;
		return;
	}
	k->twin = TWIN_READY;
}

/* The descriptor to send d's packet from; *named: the address must go
 * with it. */
static int
send_fd(struct muring *u, const struct mdest *d, int *named)
{
	struct msock *k = d->via;

	if (d->own && k->twin == TWIN_STALE)
		twin_follow(u, k, d->to, d->tolen);
	*named = !(d->own && k->twin == TWIN_READY);
	return *named ? k->fd : k->tfd;
}

/* ---- completions ---- */

static int
queue_send(struct muring *u, unsigned bid, const struct mpkt *p, const struct mdest *d)
{
	struct usend *s = &u->send[bid];
	struct io_uring_sqe *sqe;
	int named;

	if (d->via->slot == MSOCK_NO_SLOT)
		return 0;
	int fd = send_fd(u, d, &named);
	if (!(sqe = sqe_get(u)))
		return 0;
	s->slot = d->via->slot;
	s->gen = u->slot[s->slot].gen & 0xffffffu;
	s->side = d->via->side;
	/* MSG_DONTWAIT: a full socket buffer fails the send at once, as on the
	 * other path, instead of parking it until the socket is writable.
	 * Without an address a plain send: no msghdr for the kernel to copy. */
	if (!named) {
		io_uring_prep_send(sqe, fd, p->buf, (size_t)p->len, MSG_DONTWAIT);
	} else {
		s->iov.iov_base = p->buf;
		s->iov.iov_len = (size_t)p->len;
		memset(&s->h, 0, sizeof(s->h));
		memcpy(&s->to, d->to, d->tolen);
		s->h.msg_name = &s->to;
		s->h.msg_namelen = d->tolen;
		s->h.msg_iov = &s->iov;
		s->h.msg_iovlen = 1;
		io_uring_prep_sendmsg(sqe, fd, &s->h, MSG_DONTWAIT);
	}
	io_uring_sqe_set_data64(sqe, UD(OP_SEND, 0, bid));
	u->sends++;
	return 1;
}

/* Buffer bid holds a datagram for k: relay it. 1 when its send is queued
 * (the buffer comes back with the send's completion). */
static int
deliver(struct muring *u, struct msock *k, unsigned bid, int res, int64_t now)
{
	struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buf_of(u, bid), res, &u->rhdr);
	struct mdest d;

	if (!o) {
		media_tally_count(&u->t, k->side, MEDIA_CTR_DROPS, 1);
		return 0;
	}
	unsigned len = io_uring_recvmsg_payload_length(o, res, &u->rhdr);
	struct mpkt p = {
		.buf = io_uring_recvmsg_payload(o, &u->rhdr), .len = (int)len,
		.trunc = (o->flags & MSG_TRUNC) || len > MEDIA_READ_MAX,
		.src = io_uring_recvmsg_name(o),
		.srclen = o->namelen < U_NAME ? o->namelen : U_NAME,
	};
	if (!media_packet_handle(k, &p, now, u->scratch, &u->t, &d))
		return 0;
	if (queue_send(u, bid, &p, &d))
		return 1;
	media_tally_sent(&u->t, d.via->side, -1);
	return 0;
}

/* The multishot receive of a live socket ended. Out of buffers (-ENOBUFS)
 * or a full CQ (res >= 0): armed again once the buffers of this round are
 * back. Any other error (e.g. a pending socket error, -ECONNREFUSED): armed
 * again too, counted as a drop, and after U_FAST_RETRIES in a row without a
 * packet only every U_RETRY_MS. */
static void
recv_ended(struct muring *u, uint32_t idx, int res, int64_t now)
{
	struct uslot *sl = &u->slot[idx];

	if (res < 0 && res != -ENOBUFS) {
		media_tally_count(&u->t, sl->k->side, MEDIA_CTR_DROPS, 1);
		if (++sl->errs > U_FAST_RETRIES)
			sl->retry_ms = now + U_RETRY_MS;
	}
	want_rearm(u, idx);
}

static void
on_recv(struct muring *u, const struct io_uring_cqe *cqe, int64_t now)
{
	uint32_t idx = UD_IDX(cqe->user_data);
	struct msock *k = slot_live(u, idx, UD_GEN(cqe->user_data));

	if (cqe->flags & IORING_CQE_F_BUFFER) {
		unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		u->inring--;
		if (k && cqe->res > 0)
			u->slot[idx].errs = 0;
		if (!(k && cqe->res > 0 && deliver(u, k, bid, cqe->res, now)))
			buf_give_back(u, bid);
	}
	if (k && !(cqe->flags & IORING_CQE_F_MORE))
		recv_ended(u, idx, cqe->res, now);
}

static void
on_send(struct muring *u, const struct io_uring_cqe *cqe)
{
	unsigned bid = UD_IDX(cqe->user_data);
	struct usend *s = &u->send[bid];

	if (slot_live(u, s->slot, s->gen))	/* then s->side is the socket's */
		media_tally_sent(&u->t, s->side, cqe->res);
	u->sends--;
	buf_give_back(u, bid);
}

static void
on_cmd(struct mworker *w, struct muring *u)
{
	/* Sends queued before a command that may close their sockets go now. */
	if (io_uring_sq_ready(&u->ring))
		io_uring_submit(&u->ring);
	arm_cmd(u, w->cmd_fd);
	if (media_worker_commands(w))
		u->quit = 1;
}

/* Arms the receives that ended, but those waiting out a retry delay, and no
 * more of them than there are buffers in the ring (the rest wait for the next
 * round). A receive ends mostly for want of buffers, with packets waiting:
 * arming every one of them ended most again at once (-ENOBUFS), round after
 * round, before this round's sends gave their buffers back, and a worker
 * that had woken 30 ms late kept packets queued for up to a second. */
static void
rearm_all(struct mworker *w, struct muring *u, int64_t now)
{
	uint32_t n = u->nrearm;
	int budget = u->inring;

	/* Entries kept or put back go to indexes not above the one read. */
	u->nrearm = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx = u->rearm[i];
		u->slot[idx].rearm = 0;
		if (u->slot[idx].cancel) {
			if (cancel_recv(u, idx) == 0)
				slot_free(u, idx);
			else
				want_rearm(u, idx);
			continue;
		}
		if (!u->slot[idx].k)
			continue;
		if (u->slot[idx].retry_ms > now || budget <= 0) {
			want_rearm(u, idx);
		} else {
			arm_recv(u, idx);	/* may put it back on the list */
			budget--;
		}
	}
	if (!u->cmd_armed)
		arm_cmd(u, w->cmd_fd);
}

/* ---- prefetching a chunk of completions (media_warm_* in internal.h) ---- */

/* The socket of a receive that carries a datagram, or NULL. */
static struct msock *
warm_sock(struct muring *u, const struct io_uring_cqe *cqe)
{
	if (UD_OP(cqe->user_data) != OP_RECV || !(cqe->flags & IORING_CQE_F_BUFFER) ||
	    cqe->res <= 0)
		return NULL;
	return slot_live(u, UD_IDX(cqe->user_data), UD_GEN(cqe->user_data));
}

/* The send slot of a send's completion, or NULL. */
static struct usend *
warm_send(struct muring *u, const struct io_uring_cqe *cqe)
{
	uint32_t idx = UD_IDX(cqe->user_data);

	return UD_OP(cqe->user_data) == OP_SEND && idx < U_NBUF ? &u->send[idx] : NULL;
}

/* Each stage over the whole chunk before the next: a stage reads only what
 * the one before asked for, and the chunk's misses overlap. Everything read
 * is live now (a command that frees a stream runs later, while the chunk is
 * handled); an address that goes stale by then was only prefetched. */
static void
warm(struct muring *u, struct io_uring_cqe **c, unsigned n)
{
	struct mwarm m[U_WARM];
	struct msock *k[U_WARM];
	struct usend *s;

	for (unsigned i = 0; i < n; i++) {
		uint32_t idx = UD_IDX(c[i]->user_data);
		if (UD_OP(c[i]->user_data) == OP_RECV && idx < u->nslot)
			__builtin_prefetch(&u->slot[idx]);
		else if ((s = warm_send(u, c[i])))
			__builtin_prefetch(&s->side);
	}
	for (unsigned i = 0; i < n; i++) {
		m[i].in = NULL;
		if ((k[i] = warm_sock(u, c[i])))
			__builtin_prefetch(k[i]);
		else if ((s = warm_send(u, c[i])))
			__builtin_prefetch(&s->side->ctr);
	}
	for (unsigned i = 0; i < n; i++)
		if (k[i])
			media_warm_1(&m[i], k[i]);
	for (unsigned i = 0; i < n; i++)
		media_warm_2(&m[i]);
	for (unsigned i = 0; i < n; i++)
		media_warm_3(&m[i]);
	for (unsigned i = 0; i < n; i++)
		media_warm_4(&m[i]);
}

static void
dispatch(struct mworker *w, struct muring *u, const struct io_uring_cqe *cqe, int64_t now)
{
	switch (UD_OP(cqe->user_data)) {
	case OP_RECV:
		on_recv(u, cqe, now);
		break;
	case OP_SEND:
		on_send(u, cqe);
		break;
	case OP_CMD:
		on_cmd(w, u);
		break;
	default:	/* OP_CANCEL */
		break;
	}
}

/* In chunks of U_WARM completions, each prefetched before it is handled. */
static void
reap(struct mworker *w, struct muring *u)
{
	struct io_uring_cqe *c[U_WARM];
	unsigned n;
	int64_t now = media_now_ms();

	while ((n = io_uring_peek_batch_cqe(&u->ring, c, U_WARM)) > 0) {
		warm(u, c, n);
		for (unsigned i = 0; i < n; i++)
			dispatch(w, u, c[i], now);
		io_uring_cq_advance(&u->ring, n);
	}
	media_tally_publish(w, &u->t);
	buf_publish(u);
	rearm_all(w, u, now);
}

void
media_uring_run(struct mworker *w)
{
	struct muring *u = w->u;

	while (!u->quit) {
		struct io_uring_cqe *cqe;
		/* The sends go in with the wait and complete inline (MSG_DONTWAIT),
		 * so waiting for one completion more than them sleeps until a
		 * packet or a command comes. The timeout guards the count and
		 * brings back the receives that wait to be armed again. */
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = U_RETRY_MS * 1000 * 1000 };
		io_uring_submit_and_wait_timeout(&u->ring, &cqe, u->sends + 1,
		    u->sends || u->nrearm ? &ts : NULL, NULL);
		reap(w, u);
	}
}
