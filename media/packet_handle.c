/* What the relay does with one datagram, whichever I/O path brought it
 * (packet.c: recvmmsg/sendmmsg; packet_uring.c: io_uring): classify, check
 * the source (the NAT latch), SRTP unprotect, then protect for the other leg
 * and say where it goes. Worker only; no lock, no allocation. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "media/internal.h"
#include "util/netaddr.h"

void
media_tally_count(struct mtally *t, struct mside *sd, enum media_ctr k, uint64_t n)
{
	media_mctr_add(&sd->ctr, k, n);
	t->acc[k] += n;
}

void
media_tally_publish(struct mworker *w, struct mtally *t)
{
	for (int k = 0; k < MEDIA_CTR_COUNT; k++)
		if (t->acc[k]) {
			media_mctr_add(&w->ctr, (enum media_ctr)k, t->acc[k]);
			t->acc[k] = 0;
		}
}

void
media_tally_sent(struct mtally *t, struct mside *out, int bytes)
{
	if (bytes < 0) {
		media_tally_count(t, out, MEDIA_CTR_DROPS, 1);	/* UDP does not retry */
		return;
	}
	media_tally_count(t, out, MEDIA_CTR_PACKETS_OUT, 1);
	media_tally_count(t, out, MEDIA_CTR_BYTES_OUT, (uint64_t)bytes);
}

/* Has the packet come from the address a (length 0: none yet)? */
static int
same_addr(const union maddr *a, socklen_t alen, const union maddr *b, socklen_t blen)
{
	return alen != 0 && blen != 0 && netaddr_equal(&a->sa, &b->sa);
}

/* RTP or RTCP (RFC 5761 4: RTCP packet types 192-223 sit where RTP has its
 * marker bit and payload type); -1 for what is neither (STUN, garbage). */
static int
classify(const struct msock *k, const uint8_t *p, int len)
{
	if (k->side->raw)
		return len > 0 ? KIND_RTP : -1;
	if (len < 8 || (p[0] >> 6) != 2)
		return -1;
	if (k->kind == KIND_RTCP || (k->side->mux && p[1] >= 192 && p[1] <= 223))
		return KIND_RTCP;
	return len >= 12 ? KIND_RTP : -1;
}

void
media_side_retarget(struct mside *sd, int kind)
{
	/* With rtcp-mux the RTP port sends RTCP too, but its twin follows RTP. */
	if (kind == KIND_RTP || !sd->mux)
		sd->sock[kind].twin = TWIN_STALE;
}

static void
latch_to(struct mside *sd, int kind, const union maddr *src, socklen_t len)
{
	for (int k = 0; k < 2; k++)
		if (k == kind || sd->mux) {
			memset(&sd->remote[k], 0, sizeof(sd->remote[k]));
			memcpy(&sd->remote[k], src, len);
			sd->remote_len[k] = len;
			sd->latched[k] = 1;
			media_side_retarget(sd, k);
		}
}

/* Source check and SRTP decryption. 1 = accepted. */
static int
accept_in(struct mtally *t, struct mside *in, int kind, struct mpkt *p, uint8_t *scratch)
{
	int named = same_addr(p->src, p->srclen, &in->remote[kind], in->remote_len[kind]);

	if (!named && !(in->latch && !in->latched[kind])) {
		media_tally_count(t, in, MEDIA_CTR_FOREIGN, 1);
		return 0;
	}
	if (in->rx.cur) {
		enum srtpctx_result r = media_srtpctx_rx_unprotect(&in->rx, p->buf, &p->len, kind,
		    scratch);
		/* A stranger's packet that does not authenticate is only foreign. */
		if (r != SRTPCTX_OK) {
			media_tally_count(t, in, !named ? MEDIA_CTR_FOREIGN : r == SRTPCTX_AUTH ?
			    MEDIA_CTR_SRTP_AUTH : r == SRTPCTX_REPLAY ? MEDIA_CTR_SRTP_REPLAY :
			    MEDIA_CTR_DROPS, 1);
			return 0;
		}
	}
	if (!named)
		latch_to(in, kind, p->src, p->srclen);
	return 1;
}

/* Protects for the peer of the other leg and fills d. */
static int
forward(struct mtally *t, struct mside *out, int kind, struct mpkt *p, struct mdest *d)
{
	if (out->remote_len[kind] == 0) {
		media_tally_count(t, out, MEDIA_CTR_DROPS, 1);	/* its SDP has not come yet */
		return 0;
	}
	if (out->tx && media_srtpctx_protect(out->tx, p->buf, &p->len, kind) != SRTPCTX_OK) {
		media_tally_count(t, out, MEDIA_CTR_DROPS, 1);
		return 0;
	}
	d->via = &out->sock[out->mux ? KIND_RTP : kind];
	d->to = &out->remote[kind];
	d->tolen = out->remote_len[kind];
	d->own = d->via == &out->sock[kind];
	return 1;
}

/* ---- prefetching (internal.h): the lines of internal.h's struct mside ---- */

static void
warm_side(const struct mside *sd)
{
	__builtin_prefetch(sd);			/* flags, keys, last_ms */
	__builtin_prefetch(&sd->remote);
	__builtin_prefetch(&sd->sock);
	__builtin_prefetch(&sd->ctr);
}

/* k's line is there: its side. */
void
media_warm_1(struct mwarm *m, const struct msock *k)
{
	m->in = k->side;
	m->out = NULL;
	warm_side(m->in);
}

/* The side's first line is there: the other side and the inbound keys. */
void
media_warm_2(struct mwarm *m)
{
	if (!m->in)
		return;
	m->out = &m->in->s->side[!m->in->idx];
	warm_side(m->out);
	if (m->in->rx.cur)
		__builtin_prefetch(m->in->rx.cur);
}

void
media_warm_3(struct mwarm *m)
{
	if (!m->in)
		return;
	if (m->out->tx)
		__builtin_prefetch(m->out->tx);
	if (m->in->rx.cur)
		media_srtpctx_warm(m->in->rx.cur);
}

void
media_warm_4(struct mwarm *m)
{
	if (m->in && m->out->tx)
		media_srtpctx_warm(m->out->tx);
}

int
media_packet_handle(struct msock *k, struct mpkt *p, int64_t now, uint8_t *scratch,
    struct mtally *t, struct mdest *d)
{
	struct mside *in = k->side, *out = &in->s->side[!in->idx];
	int kind = classify(k, p->buf, p->len);

	if (kind < 0 || p->trunc) {
		media_tally_count(t, in, MEDIA_CTR_DROPS, 1);
		return 0;
	}
	int wire = p->len;
	if (!accept_in(t, in, kind, p, scratch))
		return 0;
	media_tally_count(t, in, MEDIA_CTR_PACKETS_IN, 1);
	media_tally_count(t, in, MEDIA_CTR_BYTES_IN, (uint64_t)wire);
	atomic_store_explicit(&in->last_ms, now, memory_order_relaxed);
	return forward(t, out, kind, p, d);
}
