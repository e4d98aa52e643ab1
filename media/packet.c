/* The packet path: read a batch, check the source, convert, send a batch.
 * It runs in the stream's worker only, takes no lock and allocates nothing
 * (libsrtp clones its stream template once per new SSRC, not per packet). */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "media/internal.h"
#include "util/netaddr.h"

/* Buffers of one batch, allocated with the worker: no allocation per packet. */
struct mbatch {
	struct mmsghdr rmsg[MEDIA_BATCH];
	struct iovec riov[MEDIA_BATCH];
	struct sockaddr_storage rsrc[MEDIA_BATCH];
	struct mmsghdr smsg[MEDIA_BATCH];
	struct iovec siov[MEDIA_BATCH];
	int sfd[MEDIA_BATCH];
	struct mside *sside[MEDIA_BATCH];
	uint64_t acc[MEDIA_CTR_COUNT];	/* global counts of this batch */
	uint8_t buf[MEDIA_BATCH][MEDIA_BUF];
	uint8_t scratch[MEDIA_BUF];
};

struct mbatch *
media_packet_batch_new(void)
{
	return calloc(1, sizeof(struct mbatch));
}

void
media_packet_batch_free(struct mbatch *b)
{
	free(b);
}

/* Batches per wake-up before yielding to the other sockets of the worker. */
#define ROUNDS 4

static void
count(struct mbatch *b, struct mside *sd, enum media_ctr k, uint64_t n)
{
	media_mctr_add(&sd->ctr, k, n);
	b->acc[k] += n;
}

/* Has the packet come from the address a (length 0: none yet)? */
static int
same_addr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return alen != 0 && blen != 0 &&
	    netaddr_equal((const struct sockaddr *)a, (const struct sockaddr *)b);
}

/* RTP or RTCP (RFC 5761 4: RTCP packet types 192-223 sit where RTP has its
 * marker bit and payload type); -1 for what is neither (STUN, garbage). */
static int
classify(const struct msock *k, const uint8_t *p, int len)
{
	if (k->side->s->raw)
		return len > 0 ? KIND_RTP : -1;
	if (len < 8 || (p[0] >> 6) != 2)
		return -1;
	if (k->kind == KIND_RTCP || (k->side->mux && p[1] >= 192 && p[1] <= 223))
		return KIND_RTCP;
	return len >= 12 ? KIND_RTP : -1;
}

static void
latch_to(struct mside *sd, int kind, const struct sockaddr_storage *src, socklen_t len)
{
	for (int k = 0; k < 2; k++)
		if (k == kind || sd->mux) {
			sd->remote[k] = *src;
			sd->remote_len[k] = len;
			sd->latched[k] = 1;
		}
}

/* Source check and SRTP decryption of packet i. 1 = accepted. */
static int
accept_in(struct mbatch *b, struct mside *in, int kind, int i, int *len)
{
	const struct sockaddr_storage *src = &b->rsrc[i];
	socklen_t slen = b->rmsg[i].msg_hdr.msg_namelen;
	int named = same_addr(src, slen, &in->remote[kind], in->remote_len[kind]);

	if (!named && !(in->latch && !in->latched[kind])) {
		count(b, in, MEDIA_CTR_FOREIGN, 1);
		return 0;
	}
	if (in->rx.cur) {
		enum srtpctx_result r = media_srtpctx_rx_unprotect(&in->rx, b->buf[i], len, kind,
		    b->scratch);
		/* A stranger's packet that does not authenticate is only foreign. */
		if (r != SRTPCTX_OK) {
			count(b, in, !named ? MEDIA_CTR_FOREIGN : r == SRTPCTX_AUTH ?
			    MEDIA_CTR_SRTP_AUTH : r == SRTPCTX_REPLAY ? MEDIA_CTR_SRTP_REPLAY :
			    MEDIA_CTR_DROPS, 1);
			return 0;
		}
	}
	if (!named)
		latch_to(in, kind, src, slen);
	return 1;
}

/* Queues packet i (already accepted) for the peer of the other leg. */
static void
forward(struct mbatch *b, struct mside *out, int kind, int i, int len, int *ns)
{
	if (out->remote_len[kind] == 0) {
		count(b, out, MEDIA_CTR_DROPS, 1);	/* its SDP has not come yet */
		return;
	}
	if (out->tx && media_srtpctx_protect(out->tx, b->buf[i], &len, kind) != SRTPCTX_OK) {
		count(b, out, MEDIA_CTR_DROPS, 1);
		return;
	}
	int j = (*ns)++;
	struct msghdr *h = &b->smsg[j].msg_hdr;
	b->siov[j].iov_base = b->buf[i];
	b->siov[j].iov_len = (size_t)len;
	memset(h, 0, sizeof(*h));
	h->msg_name = &out->remote[kind];
	h->msg_namelen = out->remote_len[kind];
	h->msg_iov = &b->siov[j];
	h->msg_iovlen = 1;
	b->sfd[j] = out->sock[out->mux ? KIND_RTP : kind].fd;
	b->sside[j] = out;
}

static void
handle(struct mbatch *b, struct msock *k, int i, int64_t now, int *ns)
{
	struct mside *in = k->side, *out = &in->s->side[!in->idx];
	int len = (int)b->rmsg[i].msg_len;
	int kind = classify(k, b->buf[i], len);

	if (kind < 0 || (b->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC)) {
		count(b, in, MEDIA_CTR_DROPS, 1);
		return;
	}
	int wire = len;
	if (!accept_in(b, in, kind, i, &len))
		return;
	count(b, in, MEDIA_CTR_PACKETS_IN, 1);
	count(b, in, MEDIA_CTR_BYTES_IN, (uint64_t)wire);
	atomic_store_explicit(&in->last_ms, now, memory_order_relaxed);
	forward(b, out, kind, i, len, ns);
}

/* sendmmsg per run of packets that leave by the same socket. */
static void
flush(struct mbatch *b, int ns)
{
	for (int i = 0; i < ns;) {
		int j = i;
		while (j < ns && b->sfd[j] == b->sfd[i])
			j++;
		int sent = sendmmsg(b->sfd[i], &b->smsg[i], (unsigned)(j - i), MSG_DONTWAIT);
		if (sent < 0)
			sent = 0;
		for (int m = i; m < j; m++) {
			if (m < i + sent) {
				count(b, b->sside[m], MEDIA_CTR_PACKETS_OUT, 1);
				count(b, b->sside[m], MEDIA_CTR_BYTES_OUT, b->smsg[m].msg_len);
			} else {
				count(b, b->sside[m], MEDIA_CTR_DROPS, 1);
			}
		}
		/* A short count means the rest could not go; UDP does not retry. */
		i = j;
	}
}

static void
prepare_read(struct mbatch *b)
{
	for (int i = 0; i < MEDIA_BATCH; i++) {
		struct msghdr *h = &b->rmsg[i].msg_hdr;
		b->riov[i].iov_base = b->buf[i];
		b->riov[i].iov_len = MEDIA_READ_MAX;
		h->msg_name = &b->rsrc[i];
		h->msg_namelen = sizeof(b->rsrc[i]);
		h->msg_iov = &b->riov[i];
		h->msg_iovlen = 1;
		h->msg_control = NULL;
		h->msg_controllen = 0;
		h->msg_flags = 0;
	}
}

static void
publish(struct mworker *w, struct mbatch *b)
{
	for (int k = 0; k < MEDIA_CTR_COUNT; k++)
		if (b->acc[k]) {
			media_mctr_add(&w->ctr, (enum media_ctr)k, b->acc[k]);
			b->acc[k] = 0;
		}
}

void
media_packet_readable(evutil_socket_t fd, short what, void *arg)
{
	struct msock *k = arg;
	struct mworker *w = k->side->s->w;
	struct mbatch *b = w->b;

	(void)what;
	for (int round = 0; round < ROUNDS; round++) {
		prepare_read(b);
		int n = recvmmsg(fd, b->rmsg, MEDIA_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		int64_t now = media_now_ms();
		int ns = 0;
		for (int i = 0; i < n; i++)
			handle(b, k, i, now, &ns);
		flush(b, ns);
		publish(w, b);
		if (n < MEDIA_BATCH)
			break;
	}
}
