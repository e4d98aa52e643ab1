/* Private to media/: the worker, the stream pair and the commands between
 * them. Field groups say which thread may touch them. */
#ifndef UMSBC_MEDIA_INTERNAL_H
#define UMSBC_MEDIA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
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

struct mside;

/* One local socket and its event. */
struct msock {
	struct mside *side;
	int kind;		/* what arrives here (RTP socket + mux: both) */
	int fd;
	struct event *ev;
};

struct mside {
	struct media_stream *s;
	int idx, mux;
	struct portpool *pool;
	struct media_ports ports;
	struct msock sock[2];	/* sock[KIND_RTCP].fd = -1 with rtcp-mux */

	/* worker only */
	struct sockaddr_storage remote[2];
	socklen_t remote_len[2];	/* 0: unknown */
	int latch, latched[2];
	struct srtpctx_rx rx;	/* NULL cur: plain */
	struct srtpctx *tx;	/* NULL: plain */

	/* written by the worker, read by anyone */
	struct mctr ctr;
	_Atomic int64_t last_ms;

	/* proxy thread only: to see whether an update changes the keys */
	struct sdes_key rx_key, tx_key;
};

struct mworker;

struct media_stream {
	struct mworker *w;
	LIST_ENTRY(media_stream) link;	/* worker only */
	struct mside side[2];
	int raw;			/* set before the worker sees it */
	int hold;			/* proxy thread only */
};

enum mcmd_kind { MCMD_ADD, MCMD_UPDATE, MCMD_DEL, MCMD_QUIT };

struct mcmd {
	struct jobq_item item;
	enum mcmd_kind kind;
	struct media_stream *s;
	int side;
	/* MCMD_UPDATE: */
	struct sockaddr_storage remote[2];
	socklen_t remote_len[2];
	int latch;
	int set_rx, set_tx;		/* the key changed: install rx/tx (NULL = plain) */
	struct srtpctx *rx, *tx;
};

/* The batch buffers of a worker (packet.c): reused for every wake-up. */
struct mbatch;

struct mworker {
	struct media_relay *relay;
	pthread_t thread;
	struct event_base *base;
	struct jobq cmds;		/* from the proxy thread */
	LIST_HEAD(, media_stream) streams;	/* worker only */
	struct mctr ctr;		/* totals of this worker */
	struct mbatch *b;
};

/* relay.c */
struct mworker *media_relay_pick(struct media_relay *r);
void media_worker_post(struct mworker *w, struct mcmd *c);

/* stream.c, run in the worker */
void media_stream_command(struct mworker *w, struct mcmd *c);
void media_stream_free(struct media_stream *s);

/* packet.c */
struct mbatch *media_packet_batch_new(void);
void media_packet_batch_free(struct mbatch *b);
void media_packet_readable(evutil_socket_t fd, short what, void *arg);

#endif
