/* util/: netaddr, hashtab, jobq. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "check_run.h"
#include "util/hashtab.h"
#include "util/jobq.h"
#include "util/netaddr.h"

/* ---- netaddr ---- */

static const char *
str(const struct netaddr *a)
{
	static char buf[NETADDR_STRLEN];
	return netaddr_str(netaddr_csa(a), buf, sizeof(buf));
}

START_TEST(netaddr_parses_literals)
{
	struct netaddr a;

	ck_assert_int_eq(netaddr_parse("192.0.2.1", 5060, &a), 0);
	ck_assert_int_eq(a.ss.ss_family, AF_INET);
	ck_assert_int_eq(a.len, sizeof(struct sockaddr_in));
	ck_assert_str_eq(str(&a), "192.0.2.1:5060");
	ck_assert_int_eq(netaddr_parse("2001:db8::1", 5061, &a), 0);
	ck_assert_int_eq(a.ss.ss_family, AF_INET6);
	ck_assert_int_eq(a.len, sizeof(struct sockaddr_in6));
	ck_assert_str_eq(str(&a), "[2001:db8::1]:5061");
	ck_assert_int_eq(netaddr_parse("[::1]", 0, &a), 0);
	ck_assert_int_eq(netaddr_port(netaddr_csa(&a)), 0);
	ck_assert_str_eq(str(&a), "[::1]:0");
	/* Names, partial and malformed literals are refused, out zeroed. */
	static const char *const bad[] = { "gw.example.com", "192.0.2", "192.0.2.256", "",
	    "[::1", "::1]", "[192.0.2.1]x", "1.2.3.4 ", " 1.2.3.4", "2001:db8:::1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0xff, sizeof(a));
		ck_assert_msg(netaddr_parse(bad[i], 5060, &a) == -1, "\"%s\" was taken", bad[i]);
		ck_assert_int_eq(a.ss.ss_family, 0);
		ck_assert_int_eq(a.len, 0);
	}
}
END_TEST

START_TEST(netaddr_parses_hostport_strictly)
{
	struct netaddr a;

	ck_assert_int_eq(netaddr_parse_hostport("192.0.2.1:9100", 25, &a), 0);
	ck_assert_str_eq(str(&a), "192.0.2.1:9100");
	ck_assert_int_eq(netaddr_parse_hostport("192.0.2.1", 25, &a), 0);
	ck_assert_str_eq(str(&a), "192.0.2.1:25");
	ck_assert_int_eq(netaddr_parse_hostport("[2001:db8::25]:587", 25, &a), 0);
	ck_assert_str_eq(str(&a), "[2001:db8::25]:587");
	ck_assert_int_eq(netaddr_parse_hostport("[2001:db8::25]", 25, &a), 0);
	ck_assert_str_eq(str(&a), "[2001:db8::25]:25");
	ck_assert_int_eq(netaddr_parse_hostport("2001:db8::25", 25, &a), 0);
	ck_assert_str_eq(str(&a), "[2001:db8::25]:25");
	ck_assert_int_eq(netaddr_parse_hostport("127.0.0.1:65535", 0, &a), 0);
	ck_assert_int_eq(netaddr_port(netaddr_csa(&a)), 65535);
	/* evutil_parse_sockaddr_port takes the first; none of them is an address. */
	static const char *const bad[] = { "1.2.3.4:95x", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
	    "1.2.3.4: 25", "1.2.3.4:+25", "1.2.3.4:-1", "1.2.3.4:0000025", "gw.example.com:25",
	    "[::1]x", "[::1]:", "[::1]:x", "[::1", "::1]:25", "[1.2.3.4:25", "", ":25",
	    "1.2.3.4:25:26" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(netaddr_parse_hostport(bad[i], 25, &a) == -1, "\"%s\" was taken", bad[i]);
}
END_TEST

START_TEST(netaddr_formats_with_brackets)
{
	char buf[NETADDR_STRLEN], tiny[8];
	struct netaddr a;

	/* A Via sent-by or a Record-Route hostport (RFC 3261 25.1): an IPv6
	 * literal is bracketed, "::1:5060" would be an address, not a port. */
	ck_assert_str_eq(netaddr_hostport("::1", 5060, buf, sizeof(buf)), "[::1]:5060");
	ck_assert_str_eq(netaddr_hostport("[::1]", 5060, buf, sizeof(buf)), "[::1]:5060");
	ck_assert_str_eq(netaddr_hostport("2001:db8::5", 5061, buf, sizeof(buf)), "[2001:db8::5]:5061");
	ck_assert_str_eq(netaddr_hostport("192.0.2.1", 5060, buf, sizeof(buf)), "192.0.2.1:5060");
	ck_assert_str_eq(netaddr_hostport("sbc.example.com", 5061, buf, sizeof(buf)),
	    "sbc.example.com:5061");
	ck_assert_ptr_null(netaddr_hostport("2001:db8::5", 5061, tiny, sizeof(tiny)));
	ck_assert_int_eq(netaddr_parse("2001:db8::5", 5061, &a), 0);
	ck_assert_str_eq(netaddr_host_str(netaddr_csa(&a), buf, sizeof(buf)), "2001:db8::5");
	ck_assert_int_eq(netaddr_parse("192.0.2.7", 1, &a), 0);
	ck_assert_str_eq(netaddr_host_str(netaddr_csa(&a), buf, sizeof(buf)), "192.0.2.7");
	memset(&a, 0, sizeof(a));
	a.ss.ss_family = AF_UNIX;
	ck_assert_str_eq(netaddr_str(netaddr_csa(&a), buf, sizeof(buf)), "?");
	ck_assert_str_eq(netaddr_host_str(netaddr_csa(&a), buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(netaddr_compares)
{
	struct netaddr a, b, c, v6, v6b;

	netaddr_parse("192.0.2.1", 5060, &a);
	netaddr_parse("192.0.2.1", 5070, &b);
	netaddr_parse("192.0.2.2", 5060, &c);
	ck_assert(netaddr_same_host(netaddr_csa(&a), netaddr_csa(&b)));
	ck_assert(!netaddr_equal(netaddr_csa(&a), netaddr_csa(&b)));
	ck_assert(!netaddr_same_host(netaddr_csa(&a), netaddr_csa(&c)));
	netaddr_set_port(netaddr_sa(&b), 5060);
	ck_assert_int_eq(netaddr_port(netaddr_csa(&b)), 5060);
	ck_assert(netaddr_equal(netaddr_csa(&a), netaddr_csa(&b)));

	/* ::ffff:192.0.2.1 is another family: not the same host. */
	netaddr_parse("::ffff:192.0.2.1", 5060, &v6);
	ck_assert(!netaddr_same_host(netaddr_csa(&a), netaddr_csa(&v6)));
	ck_assert(!netaddr_equal(netaddr_csa(&v6), netaddr_csa(&a)));
	netaddr_parse("[::ffff:192.0.2.1]", 5060, &v6b);
	ck_assert(netaddr_equal(netaddr_csa(&v6), netaddr_csa(&v6b)));
	netaddr_set_port(netaddr_sa(&v6b), 1);
	ck_assert(netaddr_same_host(netaddr_csa(&v6), netaddr_csa(&v6b)));
	ck_assert(!netaddr_equal(netaddr_csa(&v6), netaddr_csa(&v6b)));

	/* Two of one /64 share a key; IPv4 keys are the address. */
	netaddr_parse("2001:db8:1:2::1", 0, &v6);
	netaddr_parse("2001:db8:1:2:ffff::9", 0, &v6b);
	ck_assert(netaddr_source_key(netaddr_csa(&v6)) == netaddr_source_key(netaddr_csa(&v6b)));
	netaddr_parse("2001:db8:1:3::1", 0, &v6b);
	ck_assert(netaddr_source_key(netaddr_csa(&v6)) != netaddr_source_key(netaddr_csa(&v6b)));
	ck_assert(netaddr_source_key(netaddr_csa(&a)) == netaddr_source_key(netaddr_csa(&b)));
	ck_assert(netaddr_source_key(netaddr_csa(&a)) != netaddr_source_key(netaddr_csa(&c)));

	netaddr_parse("0.0.0.0", 5060, &a);
	netaddr_parse("::", 5060, &v6);
	ck_assert(netaddr_is_any(netaddr_csa(&a)) && netaddr_is_any(netaddr_csa(&v6)));
	ck_assert(!netaddr_is_any(netaddr_csa(&c)) && !netaddr_is_any(netaddr_csa(&v6b)));
}
END_TEST

/* ---- hashtab ---- */

struct item {
	char key[16];
	int value;
	struct hashtab_node node;
};

static const char *
item_key(const struct hashtab_node *n)
{
	return hashtab_entry(n, struct item, node)->key;
}

static struct item *
lookup(const struct hashtab *t, const char *key)
{
	struct hashtab_node *n = hashtab_find(t, key);
	return n ? hashtab_entry(n, struct item, node) : NULL;
}

START_TEST(hashtab_grows_finds_removes)
{
	enum { N = 3000 };
	struct item *it = calloc(N, sizeof(*it));
	struct hashtab t;
	char key[16];

	ck_assert_ptr_nonnull(it);
	ck_assert_int_eq(hashtab_init(&t, 10, item_key, 0), 0);
	ck_assert_uint_eq(t.n_buckets, 16);
	ck_assert_ptr_null(hashtab_find(&t, "x"));
	ck_assert_ptr_null(hashtab_first(&t));
	for (int i = 0; i < N; i++) {
		snprintf(it[i].key, sizeof(it[i].key), "k%d", i);
		it[i].value = i;
		hashtab_insert(&t, &it[i].node);
	}
	ck_assert_uint_eq(hashtab_count(&t), N);
	ck_assert_uint_ge(t.n_buckets, N);	/* grew: at most one entry per bucket on average */
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		struct item *x = lookup(&t, key);
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq(x->value, i);
	}
	ck_assert_ptr_null(lookup(&t, "K1"));	/* case matters */
	ck_assert_ptr_null(lookup(&t, "k3000"));
	for (int i = 0; i < N; i += 2)
		hashtab_remove(&t, &it[i].node);
	ck_assert_uint_eq(hashtab_count(&t), N / 2);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_msg((lookup(&t, key) != NULL) == (i % 2 == 1), "%s", key);
	}
	/* A walk sees every entry once, and may remove the one it stands on. */
	int seen = 0, sum = 0;
	struct hashtab_node *n, *next;
	for (n = hashtab_first(&t); n; n = next) {
		next = hashtab_next(&t, n);
		seen++;
		sum += hashtab_entry(n, struct item, node)->value % 7;
		hashtab_remove(&t, n);
	}
	int want = 0;
	for (int i = 1; i < N; i += 2)
		want += i % 7;
	ck_assert_int_eq(seen, N / 2);
	ck_assert_int_eq(sum, want);
	ck_assert_uint_eq(hashtab_count(&t), 0);
	ck_assert_ptr_null(hashtab_first(&t));
	hashtab_free(&t);
	free(it);
}
END_TEST

START_TEST(hashtab_u64_keys)
{
	char k[HASHTAB_U64_KEYLEN];

	hashtab_key_u64(0, k);
	ck_assert_str_eq(k, "0");
	hashtab_key_u64(0x2a, k);
	ck_assert_str_eq(k, "2a");
	hashtab_key_u64(UINT64_MAX, k);
	ck_assert_str_eq(k, "ffffffffffffffff");
}
END_TEST

START_TEST(hashtab_nocase_and_duplicates)
{
	struct item a = { .key = "z9hG4bK-AbC", .value = 1 }, b = { .key = "Z9HG4BK-abc", .value = 2 },
	    c = { .key = "other", .value = 3 };
	struct hashtab t;

	ck_assert_int_eq(hashtab_init(&t, 0, item_key, 1), 0);
	ck_assert_uint_eq(hashtab_fnv1a("AbC", 1), hashtab_fnv1a("abc", 0));
	ck_assert_uint_ne(hashtab_fnv1a("AbC", 0), hashtab_fnv1a("abc", 0));
	/* FNV-1a's published value for "a" (32 bits). */
	ck_assert_uint_eq(hashtab_fnv1a("a", 0), 0xe40c292cu);
	hashtab_insert(&t, &a.node);
	hashtab_insert(&t, &c.node);
	hashtab_insert(&t, &b.node);
	struct hashtab_node *n = hashtab_find(&t, "z9hg4bk-abc");
	ck_assert_ptr_nonnull(n);
	int mask = hashtab_entry(n, struct item, node)->value;
	n = hashtab_find_next(&t, n);
	ck_assert_ptr_nonnull(n);
	mask |= hashtab_entry(n, struct item, node)->value;
	ck_assert_int_eq(mask, 3);
	ck_assert_ptr_null(hashtab_find_next(&t, n));
	hashtab_remove(&t, &a.node);
	ck_assert_int_eq(lookup(&t, "Z9hG4bK-ABC")->value, 2);
	ck_assert_ptr_null(hashtab_find_next(&t, &b.node));
	hashtab_free(&t);
}
END_TEST

START_TEST(hashtab_zeroed_gets_buckets_at_first_insert)
{
	static struct hashtab t = { .key = item_key };
	struct item a = { .key = "a", .value = 1 };

	ck_assert_ptr_null(hashtab_find(&t, "a"));
	ck_assert_ptr_null(hashtab_first(&t));
	hashtab_remove(&t, &a.node);		/* not in it: nothing */
	ck_assert_int_eq(hashtab_insert(&t, &a.node), 0);
	ck_assert_uint_eq(t.n_buckets, 16);
	ck_assert_int_eq(lookup(&t, "a")->value, 1);
	ck_assert_ptr_null(hashtab_find(&t, NULL));
	hashtab_free(&t);
	ck_assert_ptr_null(hashtab_find(&t, "a"));
	ck_assert_int_eq(hashtab_insert(&t, &a.node), 0);	/* usable again */
	ck_assert_int_eq(lookup(&t, "a")->value, 1);
	hashtab_free(&t);
}
END_TEST

/* ---- jobq ---- */

enum { PRODUCERS = 4, JOBS = 2000 };

struct job {
	struct jobq_item item;
	int producer, seq;
};

static struct {
	struct jobq q;
	struct event_base *base;
	pthread_t consumer_thread;
	int taken, out_of_order, wrong_thread;
	int last[PRODUCERS];
} J;

static void
jobs_run(evutil_socket_t fd, short what, void *arg)
{
	struct jobq_item *it;

	(void)fd; (void)what; (void)arg;
	if (!pthread_equal(pthread_self(), J.consumer_thread))
		J.wrong_thread++;
	while ((it = jobq_take(&J.q))) {
		struct job *j = jobq_entry(it, struct job, item);
		if (j->seq != J.last[j->producer] + 1)
			J.out_of_order++;
		J.last[j->producer] = j->seq;
		free(j);
		if (++J.taken == PRODUCERS * JOBS)
			event_base_loopbreak(J.base);
	}
}

static void *
consumer(void *arg)
{
	(void)arg;
	event_base_loop(J.base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void *
producer(void *arg)
{
	int p = (int)(intptr_t)arg;

	for (int i = 1; i <= JOBS; i++) {
		struct job *j = calloc(1, sizeof(*j));
		j->producer = p;
		j->seq = i;
		jobq_post(&J.q, &j->item);
	}
	return NULL;
}

START_TEST(jobq_crosses_threads_in_order)
{
	pthread_t prod[PRODUCERS];

	ck_assert_int_eq(evthread_use_pthreads(), 0);
	memset(&J, 0, sizeof(J));
	J.base = event_base_new();
	ck_assert_ptr_nonnull(J.base);
	ck_assert_int_eq(jobq_init(&J.q, J.base, jobs_run, NULL), 0);
	ck_assert_ptr_null(jobq_take(&J.q));
	ck_assert_int_eq(pthread_create(&J.consumer_thread, NULL, consumer, NULL), 0);
	for (int i = 0; i < PRODUCERS; i++)
		ck_assert_int_eq(pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	pthread_join(J.consumer_thread, NULL);
	ck_assert_int_eq(J.taken, PRODUCERS * JOBS);
	ck_assert_int_eq(J.out_of_order, 0);
	ck_assert_int_eq(J.wrong_thread, 0);
	for (int i = 0; i < PRODUCERS; i++)
		ck_assert_int_eq(J.last[i], JOBS);
	ck_assert_ptr_null(jobq_take(&J.q));
	jobq_free(&J.q);
	event_base_free(J.base);
}
END_TEST

START_TEST(jobq_free_is_safe_on_a_zeroed_queue)
{
	struct jobq q;

	memset(&q, 0, sizeof(q));
	ck_assert_ptr_null(jobq_take(&q));
	jobq_free(&q);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("netaddr");

	tcase_add_test(tc, netaddr_parses_literals);
	tcase_add_test(tc, netaddr_parses_hostport_strictly);
	tcase_add_test(tc, netaddr_formats_with_brackets);
	tcase_add_test(tc, netaddr_compares);
	suite_add_tcase(s, tc);
	tc = tcase_create("hashtab");
	tcase_add_test(tc, hashtab_grows_finds_removes);
	tcase_add_test(tc, hashtab_nocase_and_duplicates);
	tcase_add_test(tc, hashtab_u64_keys);
	tcase_add_test(tc, hashtab_zeroed_gets_buckets_at_first_insert);
	suite_add_tcase(s, tc);
	tc = tcase_create("jobq");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, jobq_crosses_threads_in_order);
	tcase_add_test(tc, jobq_free_is_safe_on_a_zeroed_queue);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_run check_run_program = {
	.suites = { util_suite, NULL },
};
