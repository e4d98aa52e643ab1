/* Proxy transactions (RFC 3261 17, 16): the table keyed by our branch and
 * by the upstream branch, and the bookkeeping each one carries. */
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
	unsigned rtx_ms;		/* current retransmission interval */
	struct timeval started, last_try;
	int local;			/* a request of our own (BYE, probe): no upstream */
	char *verify;			/* dst.verify_name, owned (local only) */
	/* local: told how it ended, once (a status, 0 = no answer, -1 = the
	 * connection failed); timeout_ms replaces Timer B/F when set */
	void (*done)(void *arg, int status);
	void *done_arg;
	long timeout_ms;
	struct event timer;
};

/* loop: the request's loop_hash, which our branches carry (loop.c). */
struct txn *txn_new(struct event_base *base, event_callback_fn cb, uint32_t loop);
void txn_free(struct txn *t);
void txn_index(struct txn *t);		/* after branch/up_branch are set */
void txn_rebranch(struct txn *t);	/* new own branch (failover) */
/* Whether branch is one of our construction; *loop gets the hash it holds. */
int txn_branch_loop(const char *branch, uint32_t *loop);
struct txn *txn_by_branch(const char *ours);
struct txn *txn_by_upstream(const char *branch, sip_method_t method);
/* Calls fn for each transaction sent on connection conn. */
void txn_foreach_conn(uint64_t conn, void (*fn)(struct txn *t));
void txn_foreach(void (*fn)(struct txn *t));
unsigned txn_count(void);
void txn_free_all(void);

#endif
