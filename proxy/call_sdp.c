/* Offer/answer (RFC 3264) across the two legs of a call: each SDP is read,
 * its streams set up or changed in media/, and written again as the other
 * leg must see it. Keys stay per leg: what the gateway sends with is never
 * what we send to it with, and the inside never sees a key. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <sofia-sip/sip_header.h>

#include "call_priv.h"
#include "log.h"
#include "sipmsg.h"

/* Room for the a=crypto lines of one SDP we write. */
struct crypto_text {
	char line[SDPR_MAX_STREAMS][SDPR_MAX_CRYPTO][SDES_PRINT_MAX];
};

static char phrase_buf[200];

static void
ctr_add(struct media_counters *acc, const struct media_counters *x)
{
	for (int k = 0; k < MEDIA_CTR_COUNT; k++)
		acc->v[k] += x->v[k];
}

static void
stream_drop(struct call *c, struct cstream *st)
{
	struct media_counters x;

	if (!st || !st->ms)
		return;
	for (int side = 0; side < 2; side++) {
		media_stream_counters(st->ms, (enum media_side)side, &x);
		ctr_add(&c->ctr[side], &x);
	}
	media_stream_destroy(st->ms);
	st->ms = NULL;
}

static int
secure_leg(const struct call *c, enum side side, const struct cstream *st)
{
	return side == SIDE_OUTSIDE && c->secure_out && st->kind == SDPR_RTP;
}

/* Where the peer wants its media. -1: c= is no IP address. A c= of 0.0.0.0
 * (RFC 2543 hold) keeps the address we had. */
static int
peer_addr(const struct call *c, enum side side, const struct sdpr_stream *s,
    struct media_peer *p)
{
	struct netaddr a;
	unsigned rtcp = s->rtcp_mux ? s->port : s->rtcp_port ? s->rtcp_port : s->port + 1;

	if (netaddr_parse(s->addr, (uint16_t)s->port, &a) != 0 || rtcp > 65535)
		return -1;
	if (netaddr_is_any(netaddr_csa(&a)))
		return 0;
	memcpy(&p->rtp, &a.ss, sizeof(a.ss));
	p->rtp_len = a.len;
	netaddr_parse(s->addr, (uint16_t)rtcp, &a);
	memcpy(&p->rtcp, &a.ss, sizeof(a.ss));
	p->rtcp_len = a.len;
	/* A gateway whose media address is not the one it signals from sits
	 * behind NAT: take the first packet that authenticates. */
	p->latch = side == SIDE_OUTSIDE && c->gw_known &&
	    !netaddr_same_host((const struct sockaddr *)&p->rtp, (const struct sockaddr *)&c->gw_addr.ss);
	return 0;
}

/* The a=crypto of a secured gateway's offer we take. 0 or -1. */
static int
choose(const struct call *c, const struct sdpr_stream *s, struct sdes_crypto *out)
{
	const char *offers[SDPR_MAX_CRYPTO];
	enum sdes_err why;

	if (!s->secure || s->n_crypto == 0)
		return -1;
	for (int k = 0; k < s->n_crypto; k++)
		offers[k] = s->crypto[k];
	return media_sdes_choose(c->media->suites, (size_t)c->media->n_suites, offers,
	    (size_t)s->n_crypto, out, &why) < 0 ? -1 : 0;
}

static int
stream_open(struct call *c, struct cstream *st, const struct sdpr_stream *s, enum side o,
    const char **phrase)
{
	int raw = s->kind == SDPR_UDPTL;

	memset(st, 0, sizeof(*st));
	st->kind = s->kind;
	/* The offerer gets rtcp-mux if it asked; we offer the other leg a
	 * classic RTP/RTCP pair, which every answerer understands. */
	st->mux[o] = raw || s->rtcp_mux;
	st->mux[!o] = raw;
	struct media_stream_conf mc = {
		.pool = { c->media->pool[0], c->media->pool[1] },
		.rtcp_mux = { st->mux[0], st->mux[1] },
		.raw = raw,
	};
	int r = media_stream_new(c->media->relay, &mc, &st->ms);
	if (r == 0)
		return 0;
	if (r == -ENOSPC) {
		*phrase = "Service Unavailable (no free media ports)";
		return 503;
	}
	*phrase = "Server Internal Error (media ports)";
	return 500;
}

static void
set_hold(struct cstream *st, enum side side, int mode)
{
	st->hold[side] = mode == 0 || mode == 1;	/* inactive, sendonly */
	media_stream_hold(st->ms, st->hold[0] || st->hold[1]);
}

/* An offer from side o: streams opened or changed, o's addresses and key
 * taken, the offer to the other side prepared in leg. */
static int
offer(struct call *c, enum side o, struct sdpr *d, int refuse, struct sdpr_leg *leg,
    struct crypto_text *ct, const char **phrase)
{
	enum side a = !o;
	int status;

	for (int i = 0; i < d->n; i++) {
		const struct sdpr_stream *s = &d->s[i];
		struct cstream *st = c->st[i] ? c->st[i] : (c->st[i] = calloc(1, sizeof(*st)));
		struct sdes_crypto chosen;

		leg->port[i] = 0;
		if (!st) {
			*phrase = "Server Internal Error (out of memory)";
			return 500;
		}
		if (st->ms && st->kind != s->kind)
			stream_drop(c, st);
		if (s->port == 0 || s->kind == SDPR_OTHER) {
			stream_drop(c, st);
			continue;
		}
		int gw_srtp = o == SIDE_OUTSIDE && c->secure_out && s->kind == SDPR_RTP;
		if (gw_srtp && choose(c, s, &chosen) != 0) {
			if (refuse) {
				*phrase = "Not Acceptable Here (secured dial plan: RTP/SAVP with an "
				    "a=crypto suite of ours is required)";
				return 488;
			}
			stream_drop(c, st);
			continue;
		}
		if (!st->ms && (status = stream_open(c, st, s, o, phrase)) != 0)
			return status;
		struct media_peer p = st->peer[o];
		if (peer_addr(c, o, s, &p) < 0) {
			if (refuse) {
				*phrase = "Not Acceptable Here (c= must be an IP address)";
				return 488;
			}
			stream_drop(c, st);
			continue;
		}
		if (gw_srtp) {
			p.rx = chosen.key;
			/* Our own key stays across re-offers unless the suite changes. */
			if (st->answer.key.suite != chosen.key.suite && media_sdes_generate(
			    chosen.key.suite, chosen.tag, &st->answer) != SDES_OK) {
				*phrase = "Server Internal Error (no random key)";
				return 500;
			}
			st->answer.tag = chosen.tag;
		}
		if (media_stream_update(st->ms, (enum media_side)o, &p) < 0) {
			if (refuse) {
				*phrase = "Not Acceptable Here (SRTP key refused)";
				return 488;
			}
			stream_drop(c, st);
			continue;
		}
		st->peer[o] = p;
		set_hold(st, o, s->mode);
		if (secure_leg(c, a, st)) {
			/* Every suite of ours, a fresh key each, in our order. */
			st->n_offered = 0;
			for (int k = 0; k < c->media->n_suites && k < SDPR_MAX_CRYPTO; k++) {
				struct sdes_crypto *x = &st->offered[st->n_offered];
				enum sdes_suite su = c->media->suites[k];
				if (media_sdes_generate(su, (unsigned)k + 1, x) != SDES_OK ||
				    media_sdes_print(x, ct->line[i][k], SDES_PRINT_MAX) < 0) {
					*phrase = "Server Internal Error (no random key)";
					return 500;
				}
				leg->crypto[i][st->n_offered++] = ct->line[i][k];
			}
		}
		leg->port[i] = media_stream_port(st->ms, (enum media_side)a, 0);
		leg->rtcp_mux[i] = 0;
	}
	for (int i = d->n; i < c->n; i++)
		stream_drop(c, c->st[i]);
	c->n = d->n;
	return 0;
}

/* The gateway's answer to the a=crypto lines we offered it: our key with
 * the tag it took, its own key. -1 when it took none of them. */
static int
gateway_answer_keys(const struct cstream *st, const struct sdpr_stream *s, struct media_peer *p)
{
	struct sdes_crypto got;

	if (!s->secure || s->n_crypto < 1 || media_sdes_parse(s->crypto[0], &got) != SDES_OK)
		return -1;
	for (int k = 0; k < st->n_offered; k++)
		if (st->offered[k].tag == got.tag && st->offered[k].key.suite == got.key.suite) {
			p->rx = got.key;
			p->tx = st->offered[k].key;
			return 0;
		}
	return -1;
}

/* An answer from side a to the offer side o made. */
static int
answer(struct call *c, enum side a, struct sdpr *d, struct sdpr_leg *leg,
    struct crypto_text *ct)
{
	enum side o = !a;

	for (int i = 0; i < d->n; i++) {
		const struct sdpr_stream *s = &d->s[i];
		struct cstream *st = c->st[i];

		leg->port[i] = 0;
		if (i >= c->n || !st || !st->ms)
			continue;	/* rejected in the offer */
		if (s->port == 0 || s->kind != st->kind) {
			stream_drop(c, st);
			continue;
		}
		struct media_peer p = st->peer[a];
		if (peer_addr(c, a, s, &p) < 0) {
			stream_drop(c, st);
			continue;
		}
		if (secure_leg(c, a, st) && gateway_answer_keys(st, s, &p) < 0) {
			log_event(LOG_WARNING, EV_MEDIA_REFUSED, "call %s: the gateway answered "
			    "m=%s without one of our a=crypto lines: stream rejected", c->id, s->media);
			stream_drop(c, st);
			continue;
		}
		if (secure_leg(c, a, st))
			c->suite = p.rx.suite;
		if (media_stream_update(st->ms, (enum media_side)a, &p) < 0) {
			stream_drop(c, st);
			continue;
		}
		st->peer[a] = p;
		set_hold(st, a, s->mode);
		if (secure_leg(c, o, st)) {
			struct media_peer q = st->peer[o];
			q.tx = st->answer.key;
			if (media_stream_update(st->ms, (enum media_side)o, &q) < 0 ||
			    media_sdes_print(&st->answer, ct->line[i][0], SDES_PRINT_MAX) < 0) {
				stream_drop(c, st);
				continue;
			}
			st->peer[o] = q;
			c->suite = q.tx.suite;
			leg->crypto[i][0] = ct->line[i][0];
		}
		leg->port[i] = media_stream_port(st->ms, (enum media_side)o, 0);
		leg->rtcp_mux[i] = st->kind == SDPR_RTP && st->mux[o];
	}
	return 0;
}

static char *
dup_text(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* Writes d for side `to` into msg; the o= version of that leg moves only
 * when what it sees changes (RFC 3264 8). */
static int
write_body(struct call *c, enum side to, struct sdpr *d, struct sdpr_leg *leg, msg_t *msg,
    const char **phrase)
{
	size_t n;
	char *text;

	if (!c->sent[to])
		c->o_ver[to] = d->o_version;
	leg->addr = c->media->addr[to];
	leg->secure = to == SIDE_OUTSIDE && c->secure_out;
	leg->o_version = c->o_ver[to];
	if (!(text = sdpr_write(d, leg, &n)))
		goto fail;
	if (c->sent[to] && strcmp(text, c->sent[to]) != 0) {
		free(text);
		leg->o_version = ++c->o_ver[to];
		if (!(text = sdpr_write(d, leg, &n)))
			goto fail;
	}
	if (sipmsg_set_body(msg, text, n) != 0) {
		free(text);
		goto fail;
	}
	free(c->sent[to]);
	c->sent[to] = text;
	return 0;
fail:
	*phrase = "Server Internal Error (SDP)";
	return 500;
}

int
call_sdp(struct call *c, enum side from, msg_t *msg, int is_offer, int final, int refuse,
    const char **phrase)
{
	size_t len;
	const char *body = sipmsg_sdp(sip_object(msg), &len);
	enum side to = !from;
	struct sdpr d;
	struct sdpr_leg leg;
	struct crypto_text ct;
	const char *why;
	int status;

	if (!body)
		return 0;
	/* The same SDP in the same transaction again (a 2xx retransmitted): the
	 * same rewrite again. The same SDP in a new one is a new offer. */
	sip_cseq_t const *cs = sip_object(msg)->sip_cseq;
	if (!is_offer && c->got[from] && c->sent[to] && cs->cs_seq == c->got_cseq[from] &&
	    (int)cs->cs_method == c->got_method[from] && strlen(c->got[from]) == len &&
	    memcmp(c->got[from], body, len) == 0) {
		if (final && c->offer_from == (int)to)
			c->offer_from = -1;	/* 18x then 2xx with the same answer */
		return sipmsg_set_body(msg, c->sent[to], strlen(c->sent[to])) == 0 ? 0 : 500;
	}
	if (sdpr_read(&d, body, len, &why) != 0) {
		/* why may live in the parser: use it before freeing that. */
		snprintf(phrase_buf, sizeof(phrase_buf), "Bad Request (SDP: %s)", why);
		sdpr_free(&d);
		*phrase = phrase_buf;
		return 400;
	}
	memset(&leg, 0, sizeof(leg));
	int is_answer = !is_offer && c->offer_from == (int)to;
	status = is_answer ? answer(c, from, &d, &leg, &ct) :
	    offer(c, from, &d, refuse, &leg, &ct, phrase);
	if (status == 0)
		status = write_body(c, to, &d, &leg, msg, phrase);
	if (status == 0) {
		char *copy = dup_text(body, len);
		free(c->got[from]);
		c->got[from] = copy;
		c->got_cseq[from] = cs->cs_seq;
		c->got_method[from] = (int)cs->cs_method;
		if (!is_answer)
			c->offer_from = from;
		else if (final)
			c->offer_from = -1;
	}
	sdpr_free(&d);
	return status;
}

void
call_sdp_free(struct call *c)
{
	for (int i = 0; i < SDPR_MAX_STREAMS; i++) {
		stream_drop(c, c->st[i]);
		free(c->st[i]);
		c->st[i] = NULL;
	}
	for (int side = 0; side < 2; side++) {
		free(c->sent[side]);
		free(c->got[side]);
		c->sent[side] = c->got[side] = NULL;
	}
}

int
call_sdp_expired(const struct call *c, int64_t now_ms)
{
	int any = 0;

	for (int i = 0; i < c->n; i++) {
		if (!c->st[i] || !c->st[i]->ms)
			continue;
		any = 1;
		if (!media_stream_expired(c->st[i]->ms, now_ms, c->media->timeout,
		    c->media->hold_timeout))
			return 0;
	}
	return any;
}

void
call_sdp_counters(const struct call *c, struct media_counters out[2])
{
	struct media_counters x;

	for (int side = 0; side < 2; side++) {
		out[side] = c->ctr[side];
		for (int i = 0; i < c->n; i++)
			if (c->st[i] && c->st[i]->ms) {
				media_stream_counters(c->st[i]->ms, (enum media_side)side, &x);
				ctr_add(&out[side], &x);
			}
	}
}
