/* Private to call.c and call_sdp.c: a call and its streams. */
#ifndef UMSBC_CALL_PRIV_H
#define UMSBC_CALL_PRIV_H

#include "call.h"
#include "media/relay.h"
#include "media/stream.h"
#include "sdp_rewrite.h"
#include "util/hashtab.h"

/* The media settings a call was set up with (a reload makes a new one). */
struct call_media {
	struct media_relay *relay;
	struct portpool *pool[2];	/* by enum side */
	char addr[2][64];		/* our c= address on each leg */
	int lo, hi;			/* the port range */
	unsigned timeout, hold_timeout;
	int n_suites;
	enum sdes_suite suites[CONF_MAX_SUITES];
};

/* One m= line. Sides are enum side (outside = gateway). */
struct cstream {
	struct media_stream *ms;	/* NULL: rejected, or no media yet */
	enum sdpr_kind kind;
	int mux[2];			/* one local port on that leg */
	struct media_peer peer[2];	/* as last given to the relay */
	int hold[2];			/* that side's last SDP holds */
	struct sdes_crypto answer;	/* ours, answering a secured gateway's offer */
	int n_offered;			/* ours, offered to a secured gateway */
	struct sdes_crypto offered[SDES_SUITE_COUNT];
};

struct call {
	struct hashtab_node node;	/* in the table by id */
	char *id;
	enum security mode;
	int secure_out;			/* the gateway leg is SRTP */
	int gw_known;
	char gw_name[64], gw_fqdn[256];
	char dialplan[64];		/* the gateway's, "" = none */
	struct netaddr gw_addr;	/* configured, port included */
	const struct call_media *media;
	int confirmed;
	enum side caller;
	uint32_t invite_cseq;

	/* offer/answer */
	int offer_from;			/* -1: none pending */
	int n;
	/* Allocated when an m= line first needs one: most calls have one, and
	 * eight in place made a call 12 KiB (issue 15's RSS per call). */
	struct cstream *st[SDPR_MAX_STREAMS];
	unsigned long o_ver[2];
	char *sent[2];			/* last SDP we sent each side */
	char *got[2];			/* last SDP each side sent */
	uint32_t got_cseq[2];		/* and the CSeq it came with */
	int got_method[2];
	enum sdes_suite suite;		/* on the gateway leg; SDES_NONE = plain */

	/* the dialog, to send our own BYE */
	char *from, *to, *callee_tag;
	char *target[2];		/* each side's Contact */
	uint32_t cseq[2];		/* highest CSeq each side used */
	struct dest dst[2];		/* how to reach each side */
	int have_dst[2];

	int64_t answered_ms;		/* 0 until the 2xx */
	struct media_counters ctr[2];	/* of streams already gone */
};

/* call_sdp.c: the SDP of msg, travelling from side `from`, as the other
 * side must see it. offer: it is an offer whatever is pending (INVITE,
 * UPDATE). final: an answer in it settles the offer (2xx, ACK, reliable
 * 18x). refuse: a refusal can be answered (a request) -- else what cannot
 * be carried is rejected (port 0). 0, or a status with *phrase. */
int call_sdp(struct call *c, enum side from, msg_t *msg, int offer, int final, int refuse,
    const char **phrase);
/* Frees the streams, adding their counters to c->ctr. */
void call_sdp_free(struct call *c);
/* 1 when every stream of c has been silent too long (and c has one). */
int call_sdp_expired(const struct call *c, int64_t now_ms);
/* Per leg: counters of streams alive and gone. */
void call_sdp_counters(const struct call *c, struct media_counters out[2]);

#endif
