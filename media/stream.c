#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "media/internal.h"
#include "media/stream.h"
#include "util/netaddr.h"

int64_t
media_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- creation and teardown ---- */

/* Zeroed, and aligned as its sides' cache-line groups say (internal.h). */
static struct media_stream *
stream_alloc(void)
{
	size_t size = (sizeof(struct media_stream) + MEDIA_LINE - 1) / MEDIA_LINE * MEDIA_LINE;
	struct media_stream *s = aligned_alloc(_Alignof(struct media_stream), size);

	if (s)
		memset(s, 0, sizeof(*s));
	return s;
}

static int
side_init(struct media_stream *s, int idx, const struct media_stream_conf *conf, int64_t now)
{
	struct mside *sd = &s->side[idx];
	int r;

	sd->s = s;
	sd->idx = idx;
	sd->mux = conf->rtcp_mux[idx] != 0;
	sd->pool = conf->pool[idx];
	if ((r = media_portpool_get(sd->pool, !sd->mux, &sd->ports)) < 0)
		return r;
	sd->sock[KIND_RTP] = (struct msock){ .side = sd, .kind = KIND_RTP, .fd = sd->ports.rtp_fd,
	    .slot = MSOCK_NO_SLOT, .tfd = -1, .tslot = MSOCK_NO_SLOT };
	sd->sock[KIND_RTCP] = (struct msock){ .side = sd, .kind = KIND_RTCP, .fd = sd->ports.rtcp_fd,
	    .slot = MSOCK_NO_SLOT, .tfd = -1, .tslot = MSOCK_NO_SLOT };
	atomic_store_explicit(&sd->last_ms, now, memory_order_relaxed);
	return 0;
}

int
media_stream_new(struct media_relay *r, const struct media_stream_conf *conf,
    struct media_stream **out)
{
	struct media_stream *s = stream_alloc();
	struct mcmd *c = calloc(1, sizeof(*c));
	int64_t now = media_now_ms();
	int err;

	*out = NULL;
	if (!s || !c) {
		free(s);
		free(c);
		return -ENOMEM;
	}
	if ((err = side_init(s, MEDIA_OUTSIDE, conf, now)) == 0 &&
	    (err = side_init(s, MEDIA_INSIDE, conf, now)) < 0)
		media_portpool_put(s->side[MEDIA_OUTSIDE].pool, &s->side[MEDIA_OUTSIDE].ports);
	if (err < 0) {
		free(s);
		free(c);
		return err;
	}
	/* set before the worker sees it */
	s->side[MEDIA_OUTSIDE].raw = s->side[MEDIA_INSIDE].raw = conf->raw != 0;
	s->w = media_relay_pick(r);
	c->kind = MCMD_ADD;
	c->s = s;
	media_worker_post(s->w, c);
	*out = s;
	return 0;
}

static void
sock_close(struct mworker *w, struct msock *k)
{
	struct event **ev = &k->side->ev[k->kind];

	if (w->u)
		media_uring_sock_del(w, k);
	if (k->tfd >= 0)
		close(k->tfd);	/* the port's own fd is the pool's */
	k->tfd = -1;
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

/* In the owning worker (or after it has stopped). */
void
media_stream_free(struct media_stream *s)
{
	for (int i = 0; i < 2; i++) {
		struct mside *sd = &s->side[i];
		sock_close(s->w, &sd->sock[KIND_RTP]);
		sock_close(s->w, &sd->sock[KIND_RTCP]);
		media_srtpctx_rx_clear(&sd->rx);
		media_srtpctx_free(sd->tx);
		media_portpool_put(sd->pool, &sd->ports);
	}
	free(s);
}

void
media_stream_destroy(struct media_stream *s)
{
	struct mcmd *c = calloc(1, sizeof(*c));

	if (!s)
		return;
	/* Without memory for the command the stream stays until the relay is
	 * freed, which destroys whatever is left. */
	if (!c)
		return;
	c->kind = MCMD_DEL;
	c->s = s;
	media_worker_post(s->w, c);
}

/* ---- updates ---- */

static int
key_equal(const struct sdes_key *a, const struct sdes_key *b)
{
	size_t n = media_sdes_key_len(a->suite) + media_sdes_salt_len(a->suite);

	return a->suite == b->suite && memcmp(a->key_salt, b->key_salt, n) == 0;
}

/* An SDP's address as the worker keeps it (length 0: not known). -1: not
 * IPv4 or IPv6, or shorter than its family's. */
static int
compact(const struct sockaddr_storage *ss, socklen_t len, union maddr *out, socklen_t *outlen)
{
	socklen_t need = ss->ss_family == AF_INET ? sizeof(out->in) :
	    ss->ss_family == AF_INET6 ? sizeof(out->in6) : 0;

	memset(out, 0, sizeof(*out));
	*outlen = 0;
	if (len == 0)
		return 0;
	if (need == 0 || len < need)
		return -1;
	memcpy(out, ss, need);
	*outlen = need;
	return 0;
}

/* The addresses to accept from and send to; RTCP defaults per RFC 3605 /
 * RFC 5761. -1 on an address compact refuses. */
static int
fill_remotes(const struct mside *sd, const struct media_peer *p, struct mcmd *c)
{
	if (compact(&p->rtp, p->rtp_len, &c->remote[KIND_RTP], &c->remote_len[KIND_RTP]) < 0)
		return -1;
	if (sd->mux || (p->rtcp_len == 0 && p->rtp_len > 0)) {
		c->remote[KIND_RTCP] = c->remote[KIND_RTP];
		c->remote_len[KIND_RTCP] = c->remote_len[KIND_RTP];
		if (!sd->mux)
			netaddr_set_port(&c->remote[KIND_RTCP].sa,
			    (uint16_t)(netaddr_port(&c->remote[KIND_RTP].sa) + 1));
		return 0;
	}
	return compact(&p->rtcp, p->rtcp_len, &c->remote[KIND_RTCP], &c->remote_len[KIND_RTCP]);
}

/* A libsrtp context for a changed key (NULL for plain). */
static int
prepare_key(const struct sdes_key *now, const struct sdes_key *want,
    enum srtpctx_dir dir, int *set, struct srtpctx **ctx)
{
	*set = !key_equal(now, want);
	*ctx = NULL;
	if (!*set || want->suite == SDES_NONE)
		return 0;
	return (*ctx = media_srtpctx_new(want, dir)) ? 0 : -EINVAL;
}

int
media_stream_update(struct media_stream *s, enum media_side side, const struct media_peer *p)
{
	struct mside *sd = &s->side[side];
	struct mcmd *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (fill_remotes(sd, p, c) < 0 ||
	    prepare_key(&sd->rx_key, &p->rx, SRTPCTX_INBOUND, &c->set_rx, &c->rx) < 0 ||
	    prepare_key(&sd->tx_key, &p->tx, SRTPCTX_OUTBOUND, &c->set_tx, &c->tx) < 0) {
		media_srtpctx_free(c->rx);
		free(c);
		return -EINVAL;
	}
	c->kind = MCMD_UPDATE;
	c->s = s;
	c->side = side;
	c->latch = p->latch;
	sd->rx_key = p->rx;
	sd->tx_key = p->tx;
	media_worker_post(s->w, c);
	return 0;
}

/* ---- in the worker ---- */

static int
sock_open(struct mworker *w, struct msock *k)
{
	if (k->fd < 0)
		return 0;
	if (w->u)
		return media_uring_sock_add(w, k);
	struct event **ev = &k->side->ev[k->kind];

	*ev = event_new(w->base, k->fd, EV_READ | EV_PERSIST, media_packet_readable, k);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -1;
}

static void
apply_add(struct mworker *w, struct media_stream *s)
{
	/* Without its events the stream only stays silent and times out. */
	for (int i = 0; i < 2; i++) {
		sock_open(w, &s->side[i].sock[KIND_RTP]);
		sock_open(w, &s->side[i].sock[KIND_RTCP]);
	}
	LIST_INSERT_HEAD(&w->streams, s, link);
}

static void
apply_update(struct mside *sd, struct mcmd *c)
{
	for (int k = 0; k < 2; k++) {
		if (sd->remote_len[k] == c->remote_len[k] &&
		    memcmp(&sd->remote[k], &c->remote[k], c->remote_len[k]) == 0)
			continue;
		/* A new address from the SDP: latching starts over. */
		sd->remote[k] = c->remote[k];
		sd->remote_len[k] = c->remote_len[k];
		sd->latched[k] = 0;
		media_side_retarget(sd, k);
	}
	sd->latch = c->latch != 0;
	if (c->set_rx && c->rx)
		media_srtpctx_rx_rekey(&sd->rx, c->rx);
	else if (c->set_rx)
		media_srtpctx_rx_clear(&sd->rx);
	else
		media_srtpctx_rx_reap(&sd->rx);
	if (c->set_tx) {
		media_srtpctx_free(sd->tx);
		sd->tx = c->tx;
	}
}

void
media_stream_command(struct mworker *w, struct mcmd *c)
{
	switch (c->kind) {
	case MCMD_ADD:
		apply_add(w, c->s);
		break;
	case MCMD_UPDATE:
		apply_update(&c->s->side[c->side], c);
		break;
	case MCMD_DEL:
		LIST_REMOVE(c->s, link);
		media_stream_free(c->s);
		break;
	case MCMD_QUIT:
		break;
	}
}

/* ---- read by the proxy ---- */

uint16_t
media_stream_port(const struct media_stream *s, enum media_side side, int rtcp)
{
	const struct media_ports *p = &s->side[side].ports;

	return rtcp ? p->rtcp_port : p->rtp_port;
}

void
media_stream_hold(struct media_stream *s, int on)
{
	s->hold = on != 0;
}

int64_t
media_stream_last_activity(const struct media_stream *s)
{
	int64_t a = atomic_load_explicit(&s->side[0].last_ms, memory_order_relaxed);
	int64_t b = atomic_load_explicit(&s->side[1].last_ms, memory_order_relaxed);

	return a > b ? a : b;
}

int
media_stream_expired(const struct media_stream *s, int64_t now_ms,
    unsigned timeout_s, unsigned hold_timeout_s)
{
	int64_t limit = (int64_t)(s->hold ? hold_timeout_s : timeout_s) * 1000;

	return now_ms - media_stream_last_activity(s) > limit;
}

void
media_stream_counters(const struct media_stream *s, enum media_side side,
    struct media_counters *out)
{
	media_mctr_read(&s->side[side].ctr, out);
}
