/* Proxy transactions (RFC 3261 17, 16): the table keyed by our branch and
 * by the upstream branch, the bookkeeping each one carries, and the client
 * transaction's clock: retransmission (Timer A/E), failover, time-out
 * (Timer B/F, Timer C) and the linger of a completed one (in place of
 * Timer D/K). What the clock decides is done by the owner (proxy.c)
 * through struct txn_ops. Core thread only. */
#ifndef UMSBC_TXN_H
#define UMSBC_TXN_H

#include <sys/queue.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>

#include "route.h"
#include "transport.h"
#include "util/hashtab.h"

enum txn_state { TXN_CALLING, TXN_PROCEEDING, TXN_COMPLETED };

struct txn {
	LIST_ENTRY(txn) all;
	struct hashtab_node by_ours, by_theirs;	/* txn.c's two tables */
	char branch[48];		/* ours, toward downstream (txn_branch_loop) */
	uint32_t loop;			/* the request's loop hash, kept in the branch */
	char *up_branch;		/* the upstream top Via branch */
	sip_method_t method;
	struct inbound in;		/* where responses go */
	msg_t *req;			/* as forwarded (our Via on top) */
	char *out;			/* its text, for UDP retransmission */
	size_t out_len;
	struct dest dst;
	int64_t conn;			/* connection it went on, 0 = UDP */
	int um[ROUTE_MAX_CANDIDATES];	/* failover list, new requests to UM servers */
	int n_um, cur_um;
	enum txn_state state;
	int best;			/* highest status forwarded upstream */
	char *last;			/* last final response sent upstream */
	size_t last_len;
	char *ack;			/* our ACK of an INVITE's non-2xx final: */
	size_t ack_len;			/* sent again for each retransmission of it */
	unsigned rtx_ms;		/* current retransmission interval */
	int64_t rtx_at_ms;		/* last (re)transmission (txn_now_ms) */
	int64_t tried_ms;		/* sent to the current hop: time-outs count from here */
	int local;			/* a request of our own (BYE, probe): no upstream */
	char *verify;			/* dst.verify_name, owned (local only) */
	/* local: told how it ended, once (a status, 0 = no answer, -1 = the
	 * connection failed); timeout_ms replaces Timer B/F when set */
	void (*done)(void *arg, int status, msg_t *final);
	void *done_arg;
	long timeout_ms;
	struct event timer;
};

/* What the clock asks of the owner. */
struct txn_ops {
	/* Send t->out to t->dst again (UDP, no response yet). */
	void (*retransmit)(struct txn *t);
	/* Nothing heard for the failover time, and txn_can_fail_over(t). */
	void (*fail_over)(struct txn *t);
	/* Timer B/F, Timer C (an INVITE ringing too long) or t->timeout_ms
	 * ran out: the owner ends t (txn_complete) or sends it on afresh. */
	void (*time_out)(struct txn *t);
};

/* failover_ms: silence after which a request goes to the next UM server. */
void txn_init(struct event_base *base, const struct txn_ops *ops, long failover_ms);
void txn_set_failover(long failover_ms);
/* The clock (CLOCK_MONOTONIC, ms); tests put a fake one in (NULL: the real). */
int64_t txn_now_ms(void);
void txn_set_clock(int64_t (*now_ms)(void));

/* loop: the request's loop_hash, which our branches carry (loop.c). */
struct txn *txn_new(uint32_t loop);
void txn_free(struct txn *t);
void txn_index(struct txn *t);		/* after branch/up_branch are set */
/* A new own branch (failover); the old one lingers with our ACK of its
 * final, to ACK that final again if it is retransmitted (UDP). */
void txn_rebranch(struct txn *t);
/* Whether branch is one of our construction; *loop gets the hash it holds. */
int txn_branch_loop(const char *branch, uint32_t *loop);
struct txn *txn_by_branch(const char *ours);
struct txn *txn_by_upstream(const char *branch, sip_method_t method);
/* t->out has just gone to a new hop: Calling, Timer A/E from T1, the
 * time-outs from now. */
void txn_sent(struct txn *t);
/* A provisional response: Calling becomes Proceeding. */
void txn_provisional(struct txn *t);
/* Final: the request goes, the answer and branches linger to absorb
 * retransmissions (and relay 2xx ones, RFC 6026), then t is freed. */
void txn_complete(struct txn *t);
/* Whether a request to UM servers may still go to the next one: there is
 * one, nothing but 100 went upstream, and it is not completed. */
int txn_can_fail_over(const struct txn *t);
/* One step of the clock (its timer calls it; so may tests). */
void txn_tick(struct txn *t);

/* Calls fn for each transaction sent on connection conn. */
void txn_foreach_conn(uint64_t conn, void (*fn)(struct txn *t));
void txn_foreach(void (*fn)(struct txn *t));
unsigned txn_count(void);
void txn_free_all(void);

#endif
