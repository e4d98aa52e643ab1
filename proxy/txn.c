#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>
#include <sofia-sip/msg.h>

#include "txn.h"

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

/* The magic cookie, 80 random bits (unique), then the loop hash of the
 * request (RFC 3261 16.6 step 8), so a request that comes back with the
 * same fields is known for a loop (loop.c). */
static void
new_branch(char out[48], uint32_t loop)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[BRANCH_RANDOM];
	size_t n = sizeof(BRANCH_PREFIX) - 1;

	RAND_bytes(r, sizeof(r));
	memcpy(out, BRANCH_PREFIX, n);
	for (int i = 0; i < BRANCH_RANDOM; i++) {
		out[n++] = hex[r[i] >> 4];
		out[n++] = hex[r[i] & 15];
	}
	snprintf(out + n, 48 - n, "%08x", (unsigned)loop);
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

struct txn *
txn_new(struct event_base *base, event_callback_fn cb, uint32_t loop)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->loop = loop;
	new_branch(t->branch, loop);
	evtimer_assign(&t->timer, base, cb, t);
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

void
txn_rebranch(struct txn *t)
{
	hashtab_remove(&ours, &t->by_ours);
	new_branch(t->branch, t->loop);
	hashtab_insert(&ours, &t->by_ours);
}

void
txn_free(struct txn *t)
{
	evtimer_del(&t->timer);
	if (t->up_branch) {
		hashtab_remove(&ours, &t->by_ours);
		hashtab_remove(&theirs, &t->by_theirs);
	}
	LIST_REMOVE(t, all);
	n_txn--;
	if (t->req)
		msg_destroy(t->req);
	free(t->up_branch);
	free(t->verify);
	free(t->out);
	free(t->last);
	free(t);
}

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
