#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>

#include <openssl/rand.h>
#include <sofia-sip/msg.h>

#include "txn.h"

#define TICK_MS 250
#define T1_MS 500
#define T2_MS 4000
#define TIMER_B_MS (64 * T1_MS)		/* no answer at all (Timer B and F) */
#define TIMER_C_MS (180 * 1000)		/* INVITE ringing too long */
#define LINGER_INVITE_MS (64 * T1_MS)	/* absorb retransmissions, relay 2xx ones (RFC 6026) */
#define LINGER_OTHER_MS (2 * T2_MS)	/* two retransmission intervals, shorter than Timer J to save memory */

/* The only durations a transaction's timer is set to. */
enum { WAIT_TICK, WAIT_LINGER_INVITE, WAIT_LINGER_OTHER, N_WAITS };
static const long wait_ms[N_WAITS] = { TICK_MS, LINGER_INVITE_MS, LINGER_OTHER_MS };

static struct {
	struct event_base *base;
	const struct txn_ops *ops;
	long failover_ms;
	int64_t (*now_ms)(void);	/* NULL: CLOCK_MONOTONIC */
	/* libevent's common timeouts: a queue per duration, O(1) to add and
	 * delete, where its heap costs log n with 64,000 lingering at 2,000
	 * calls/s. NULL: the plain duration. */
	const struct timeval *wait[N_WAITS];
} T;

static const char *
our_branch(const struct hashtab_node *n)
{
	return hashtab_entry(n, struct txn, by_ours)->branch;
}

static const char *
their_branch(const struct hashtab_node *n)
{
	return hashtab_entry(n, struct txn, by_theirs)->up_branch;
}

LIST_HEAD(txn_list, txn);
static struct txn_list everyone;
/* Branches compare case-insensitively (RFC 3261 20.42 token) upstream. */
static struct hashtab ours = { .key = our_branch }, theirs = { .key = their_branch, .nocase = 1 };
static unsigned n_txn;

#define BRANCH_PREFIX "z9hG4bK-u"
#define BRANCH_RANDOM 10	/* bytes, hex-encoded */

/* Random bytes for branches, drawn from OpenSSL a pool at a time: each
 * RAND_bytes call checks for a fork with getpid(), a system call per new
 * branch otherwise. The bytes go out in branches; the pool ahead of them is
 * as secret as OpenSSL's state. The core thread's, as all of txn.c is. */
static unsigned char pool[4096];
static size_t pool_used = sizeof(pool);

static void
random_bytes(unsigned char *out, size_t n)
{
	if (pool_used + n > sizeof(pool)) {
		if (RAND_bytes(pool, sizeof(pool)) != 1) {
			RAND_bytes(out, (int)n);
			return;
		}
		pool_used = 0;
	}
	memcpy(out, pool + pool_used, n);
	pool_used += n;
}

/* The magic cookie, 80 random bits (unique), then the loop hash of the
 * request (RFC 3261 16.6 step 8), so a request that comes back with the
 * same fields is known for a loop (loop.c). */
static void
new_branch(char out[48], uint32_t loop)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[BRANCH_RANDOM];
	size_t n = sizeof(BRANCH_PREFIX) - 1;

	random_bytes(r, sizeof(r));
	memcpy(out, BRANCH_PREFIX, n);
	for (int i = 0; i < BRANCH_RANDOM; i++) {
		out[n++] = hex[r[i] >> 4];
		out[n++] = hex[r[i] & 15];
	}
	for (int shift = 28; shift >= 0; shift -= 4)
		out[n++] = hex[(loop >> shift) & 15];
	out[n] = '\0';
}

int
txn_branch_loop(const char *b, uint32_t *loop)
{
	size_t n = sizeof(BRANCH_PREFIX) - 1, len = n + 2 * BRANCH_RANDOM + 8;
	char *end;

	if (!b || strlen(b) != len || strncmp(b, BRANCH_PREFIX, n) != 0 ||
	    strspn(b + n, "0123456789abcdef") != len - n)
		return 0;
	*loop = (uint32_t)strtoul(b + len - 8, &end, 16);
	return 1;
}

void
txn_init(struct event_base *base, const struct txn_ops *ops, long failover_ms)
{
	T.base = base;
	T.ops = ops;
	T.failover_ms = failover_ms;
	for (int i = 0; i < N_WAITS; i++) {
		struct timeval tv = { wait_ms[i] / 1000, (wait_ms[i] % 1000) * 1000 };
		T.wait[i] = base ? event_base_init_common_timeout(base, &tv) : NULL;
	}
}

void
txn_set_failover(long failover_ms)
{
	T.failover_ms = failover_ms;
}

void
txn_set_clock(int64_t (*now_ms)(void))
{
	T.now_ms = now_ms;
}

int64_t
txn_now_ms(void)
{
	struct timespec ts;

	if (T.now_ms)
		return T.now_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	txn_tick(arg);
}

struct txn *
txn_new(uint32_t loop)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->loop = loop;
	new_branch(t->branch, loop);
	evtimer_assign(&t->timer, T.base, on_timer, t);
	LIST_INSERT_HEAD(&everyone, t, all);
	n_txn++;
	return t;
}

void
txn_index(struct txn *t)
{
	hashtab_insert(&ours, &t->by_ours);
	hashtab_insert(&theirs, &t->by_theirs);
}

static void arm(struct txn *t, int wait);

/* The hop we leave may retransmit the final we ACKed, our ACK lost (RFC 3261
 * 17.1.1.2; only over UDP). A stand-in under the old branch holds the ACK
 * for the linger: a completed local transaction with no owner to tell, so
 * proxy.c ACKs each retransmission again and lets nothing through. */
static void
leave_stand_in(struct txn *t)
{
	struct txn *s;

	if (!t->ack || t->dst.tp != TP_UDP || !(s = txn_new(t->loop)))
		return;
	memcpy(s->branch, t->branch, sizeof(s->branch));
	s->method = t->method;
	s->dst = t->dst;
	s->dst.verify_name = NULL;
	s->ack = t->ack;
	s->ack_len = t->ack_len;
	t->ack = NULL;
	s->local = 1;
	s->state = TXN_COMPLETED;
	hashtab_insert(&ours, &s->by_ours);
	arm(s, WAIT_LINGER_INVITE);
}

void
txn_rebranch(struct txn *t)
{
	hashtab_remove(&ours, &t->by_ours);
	leave_stand_in(t);
	new_branch(t->branch, t->loop);
	hashtab_insert(&ours, &t->by_ours);
	free(t->ack);		/* it answered the last hop's final */
	t->ack = NULL;
}

void
txn_free(struct txn *t)
{
	evtimer_del(&t->timer);
	hashtab_remove(&ours, &t->by_ours);	/* nothing if never indexed */
	if (t->up_branch)
		hashtab_remove(&theirs, &t->by_theirs);
	LIST_REMOVE(t, all);
	n_txn--;
	if (t->req)
		msg_destroy(t->req);
	free(t->up_branch);
	free(t->verify);
	free(t->out);
	free(t->last);
	free(t->ack);
	free(t);
}

/* ---- the clock ---- */

static void
arm(struct txn *t, int wait)
{
	struct timeval tv = { wait_ms[wait] / 1000, (wait_ms[wait] % 1000) * 1000 };

	evtimer_add(&t->timer, T.wait[wait] ? T.wait[wait] : &tv);
}

void
txn_sent(struct txn *t)
{
	t->tried_ms = t->rtx_at_ms = txn_now_ms();
	t->rtx_ms = T1_MS;
	t->state = TXN_CALLING;
	arm(t, WAIT_TICK);
}

void
txn_provisional(struct txn *t)
{
	if (t->state == TXN_CALLING)
		t->state = TXN_PROCEEDING;
}

void
txn_complete(struct txn *t)
{
	/* What lingers needs only the last answer and the branches: the request
	 * itself (kilobytes in sofia's allocator) goes now, not in 32 s. */
	if (t->req) {
		msg_destroy(t->req);
		t->req = NULL;
	}
	free(t->out);
	t->out = NULL;
	t->state = TXN_COMPLETED;
	arm(t, t->method == sip_method_invite ? WAIT_LINGER_INVITE : WAIT_LINGER_OTHER);
}

int
txn_can_fail_over(const struct txn *t)
{
	return t->n_um > 0 && t->cur_um + 1 < t->n_um && t->best <= 100 &&
	    t->state != TXN_COMPLETED;
}

/* How long t may go unanswered on its hop. */
static long
time_limit(const struct txn *t)
{
	if (t->timeout_ms)
		return t->timeout_ms;
	if (t->state == TXN_PROCEEDING && t->method == sip_method_invite)
		return TIMER_C_MS;
	return TIMER_B_MS;
}

/* UDP is retransmitted until a response arrives; an INVITE's 1xx stops it
 * (Timer A), a non-INVITE goes on at T2 until its final (Timer E). */
static int
retransmits(const struct txn *t)
{
	return t->dst.tp == TP_UDP && (t->state == TXN_CALLING ||
	    (t->state == TXN_PROCEEDING && t->method != sip_method_invite));
}

static unsigned
next_interval(const struct txn *t)
{
	unsigned twice = t->rtx_ms * 2;

	return t->method == sip_method_invite || twice < T2_MS ? twice : T2_MS;
}

void
txn_tick(struct txn *t)
{
	if (t->state == TXN_COMPLETED) {
		txn_free(t);	/* the linger is over */
		return;
	}
	int64_t now = txn_now_ms(), since_try = now - t->tried_ms;
	if (t->state == TXN_CALLING && since_try >= T.failover_ms && txn_can_fail_over(t)) {
		T.ops->fail_over(t);
		return;
	}
	if (since_try >= time_limit(t)) {
		T.ops->time_out(t);
		return;
	}
	if (retransmits(t) && now - t->rtx_at_ms >= (int64_t)t->rtx_ms) {
		t->rtx_at_ms = now;
		t->rtx_ms = next_interval(t);
		T.ops->retransmit(t);
	}
	arm(t, WAIT_TICK);
}

/* ---- the table ---- */

struct txn *
txn_by_branch(const char *b)
{
	struct hashtab_node *n = hashtab_find(&ours, b);

	return n ? hashtab_entry(n, struct txn, by_ours) : NULL;
}

struct txn *
txn_by_upstream(const char *b, sip_method_t method)
{
	for (struct hashtab_node *n = hashtab_find(&theirs, b); n; n = hashtab_find_next(&theirs, n))
		if (hashtab_entry(n, struct txn, by_theirs)->method == method)
			return hashtab_entry(n, struct txn, by_theirs);
	return NULL;
}

void
txn_foreach_conn(uint64_t conn, void (*fn)(struct txn *t))
{
	struct txn *t, *next;

	for (t = LIST_FIRST(&everyone); t; t = next) {
		next = LIST_NEXT(t, all);
		if (t->conn > 0 && (uint64_t)t->conn == conn)
			fn(t);
	}
}

void
txn_foreach(void (*fn)(struct txn *t))
{
	struct txn *t, *next;

	for (t = LIST_FIRST(&everyone); t; t = next) {
		next = LIST_NEXT(t, all);
		fn(t);
	}
}

unsigned
txn_count(void)
{
	return n_txn;
}

void
txn_free_all(void)
{
	while (!LIST_EMPTY(&everyone))
		txn_free(LIST_FIRST(&everyone));
	hashtab_free(&ours);
	hashtab_free(&theirs);
}
