/* Private to media/: the worker, the stream pair and the commands between
 * them. Field groups say which thread may touch them. */
#ifndef UMSBC_MEDIA_INTERNAL_H
#define UMSBC_MEDIA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "media/counters.h"
#include "media/portpool.h"
#include "media/srtp_ctx.h"
#include "media/stream.h"
#include "util/jobq.h"

#define MEDIA_BATCH 32		/* datagrams per recvmmsg/sendmmsg */
#define MEDIA_BUF 2048		/* per datagram: MTU-sized media + SRTP trailer */
#define MEDIA_READ_MAX (MEDIA_BUF - SRTPCTX_TRAILER)

struct mctr {
	_Atomic uint64_t v[MEDIA_CTR_COUNT];
};

/* Single writer: a plain load and store, no locked add. */
static inline void
media_mctr_add(struct mctr *c, enum media_ctr k, uint64_t n)
{
	atomic_store_explicit(&c->v[k],
	    atomic_load_explicit(&c->v[k], memory_order_relaxed) + n, memory_order_relaxed);
}

void media_mctr_read(const struct mctr *c, struct media_counters *out);

enum { KIND_RTP = 0, KIND_RTCP = 1 };

/* A peer's address where one is kept per stream, per send or per received
 * datagram: IPv4 or IPv6 only, 28 bytes where a sockaddr_storage takes 128
 * (0.4 KiB per call in the stream pair alone). */
union maddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct mside;

/* One local port: its socket and, on the io_uring path, its twin, a second
 * socket on the port connected to where this one sends (portpool.c:
 * media_portpool_twin), each with its slot in the worker's socket table
 * (packet_uring.c). 32 bytes: both of a side's sockets share one cache
 * line. */
struct msock {
	struct mside *side;
	int fd;
	uint32_t slot;		/* MSOCK_NO_SLOT: not armed */
	int tfd;		/* the twin: -1 until the first send */
	uint32_t tslot;
	uint8_t kind;		/* what arrives here (RTP socket + mux: both) */
	int8_t twin;		/* TWIN_* */
};

#define MSOCK_NO_SLOT UINT32_MAX

/* msock.twin: is tfd connected to where the port sends now? */
enum {
	TWIN_FAILED = -1,	/* no (it could not be): send from fd until the address moves */
	TWIN_STALE = 0,		/* no: (re)connect it at the next send */
	TWIN_READY = 1,
};

/* A cache line; the packet path's fields are grouped in whole lines. */
#define MEDIA_LINE 64

/* Laid out for the packet path: a relayed packet touches four cache lines of
 * each side (the line of flags and keys, its peer address, its socket, the
 * counters), where thousands of calls' sides do not stay in the cache; what
 * only the proxy thread or set-up reads comes after them. */
struct mside {
	/* worker only, read by every packet: one line */
	_Alignas(MEDIA_LINE) struct media_stream *s;
	uint8_t idx, mux;
	uint8_t raw;			/* the stream's, here to save a line */
	uint8_t latch, latched[2];
	socklen_t remote_len[2];	/* 0: unknown */
	struct srtpctx_rx rx;		/* NULL cur: plain */
	struct srtpctx *tx;		/* NULL: plain */
	/* written by the worker, read by anyone */
	_Atomic int64_t last_ms;

	/* worker only: one line */
	_Alignas(MEDIA_LINE) union maddr remote[2];
	_Alignas(MEDIA_LINE) struct msock sock[2];	/* sock[KIND_RTCP].fd = -1 with rtcp-mux */

	/* written by the worker, read by anyone: one line */
	_Alignas(MEDIA_LINE) struct mctr ctr;

	/* set-up only */
	struct event *ev[2];		/* recvmmsg path: sock[i]'s */
	struct portpool *pool;
	struct media_ports ports;
	/* proxy thread only: to see whether an update changes the keys */
	struct sdes_key rx_key, tx_key;
};

struct mworker;

/* Allocated aligned to MEDIA_LINE (media_stream_new). */
struct media_stream {
	struct mworker *w;
	LIST_ENTRY(media_stream) link;	/* worker only */
	int hold;			/* proxy thread only */
	struct mside side[2];
};

enum mcmd_kind { MCMD_ADD, MCMD_UPDATE, MCMD_DEL, MCMD_QUIT };

struct mcmd {
	struct jobq_item item;
	enum mcmd_kind kind;
	struct media_stream *s;
	int side;
	/* MCMD_UPDATE: */
	union maddr remote[2];
	socklen_t remote_len[2];
	int latch;
	int set_rx, set_tx;		/* the key changed: install rx/tx (NULL = plain) */
	struct srtpctx *rx, *tx;
};

/* The batch buffers of a worker (packet.c): reused for every wake-up. */
struct mbatch;
/* A worker's io_uring, buffers and socket table (packet_uring.c). */
struct muring;

struct mworker {
	struct media_relay *relay;
	pthread_t thread;
	struct event_base *base;
	struct jobq cmds;		/* from the proxy thread */
	LIST_HEAD(, media_stream) streams;	/* worker only */
	struct mctr ctr;		/* totals of this worker */
	struct mbatch *b;		/* recvmmsg path */
	struct muring *u;		/* io_uring path: NULL when not used */
	int cmd_fd;			/* io_uring path: eventfd that wakes it for cmds */
};

/* relay.c */
struct mworker *media_relay_pick(struct media_relay *r);
void media_worker_post(struct mworker *w, struct mcmd *c);
/* Runs the queued commands; 1 when one of them was MCMD_QUIT. */
int media_worker_commands(struct mworker *w);

/* stream.c, run in the worker */
void media_stream_command(struct mworker *w, struct mcmd *c);
void media_stream_free(struct media_stream *s);

/* packet_handle.c: the per-packet decision, shared by both I/O paths.
 * Counts go to the stream's counters at once and to the tally, which
 * media_tally_publish adds to the worker's totals once per batch. */
struct mtally {
	uint64_t acc[MEDIA_CTR_COUNT];
};

/* A datagram received on a socket of the worker. buf has SRTPCTX_TRAILER
 * spare bytes beyond len (SRTP protect grows it in place). */
struct mpkt {
	uint8_t *buf;
	int len;
	int trunc;		/* longer than MEDIA_READ_MAX */
	const union maddr *src;
	socklen_t srclen;
};

/* Where an accepted packet goes: p->len bytes of p->buf, out of via. */
struct mdest {
	struct msock *via;
	const union maddr *to;
	socklen_t tolen;
	int own;		/* to is via's own peer (not RTCP muxed onto RTP's port) */
};

/* 1: send it as d says; 0: dropped (and counted). scratch: MEDIA_BUF bytes. */
int media_packet_handle(struct msock *k, struct mpkt *p, int64_t now, uint8_t *scratch,
    struct mtally *t, struct mdest *d);
/* Prefetching what media_packet_handle will read for a packet, in stages:
 * each stage loads only lines the stage before asked for, so a worker can
 * run a stage over a whole round of packets before the next one and the
 * cache misses of many calls overlap instead of coming one after another. */
struct mwarm {
	const struct mside *in, *out;
};
void media_warm_1(struct mwarm *m, const struct msock *k);	/* k's line */
void media_warm_2(struct mwarm *m);
void media_warm_3(struct mwarm *m);
void media_warm_4(struct mwarm *m);
void media_tally_count(struct mtally *t, struct mside *sd, enum media_ctr k, uint64_t n);
/* The side's peer address of kind moved: its twin must follow. */
void media_side_retarget(struct mside *sd, int kind);
/* A send's outcome: bytes sent, or -1 (dropped: UDP does not retry). */
void media_tally_sent(struct mtally *t, struct mside *out, int bytes);
void media_tally_publish(struct mworker *w, struct mtally *t);

/* packet.c: the recvmmsg/sendmmsg path under libevent */
struct mbatch *media_packet_batch_new(void);
void media_packet_batch_free(struct mbatch *b);
void media_packet_readable(evutil_socket_t fd, short what, void *arg);

/* packet_uring.c: the io_uring path. probe: can this process use it (a ring,
 * a provided-buffer ring, a multishot recvmsg that delivers)? 0, or -1 with
 * the reason in why. */
int media_uring_probe(char *why, size_t whylen);
int media_uring_new(struct mworker *w, char *why, size_t whylen);
void media_uring_free(struct mworker *w);
/* The worker's loop until MCMD_QUIT. */
void media_uring_run(struct mworker *w);
/* Arms the multishot receive of a socket / cancels it (k->slot). */
int media_uring_sock_add(struct mworker *w, struct msock *k);
void media_uring_sock_del(struct mworker *w, struct msock *k);

#endif
