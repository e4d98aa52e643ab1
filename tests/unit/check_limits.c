/* The connection budget (strangers' share, per-address cap, the listed
 * gateways' reserve) and the per-source token buckets. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "conn_budget.h"
#include "src_limit.h"
#include "suites.h"

static struct sockaddr_storage ss[4];

static const struct sockaddr *
addr(int i, const char *a)
{
	memset(&ss[i], 0, sizeof(ss[i]));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss[i];
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, a, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss[i];
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, a, &s4->sin_addr);
	}
	return (const struct sockaddr *)&ss[i];
}

static void
budget_setup(void)
{
	struct conn_budget_limits l = { 10, 4, 2 };

	conn_budget_clear();
	conn_budget_set(&l);
}

START_TEST(per_address_cap)
{
	const struct sockaddr *a = addr(0, "192.0.2.1"), *b = addr(1, "192.0.2.2");

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(conn_budget_check(a, 0, i), BUDGET_OK);
		conn_budget_hold(a);
	}
	ck_assert_int_eq(conn_budget_check(a, 0, 2), BUDGET_ADDRESS_FULL);
	ck_assert_int_eq(conn_budget_check(b, 0, 2), BUDGET_OK);
	conn_budget_release(a);
	ck_assert_int_eq(conn_budget_held_by(a), 1);
	ck_assert_int_eq(conn_budget_check(a, 0, 1), BUDGET_OK);
}
END_TEST

/* Strangers fill their share; a listed gateway still has the reserve, up to
 * the whole pool. */
START_TEST(strangers_share_and_reserve)
{
	for (int i = 0; i < 4; i++) {
		char a[32];
		snprintf(a, sizeof(a), "198.51.100.%d", i + 1);
		conn_budget_hold(addr(0, a));
	}
	ck_assert_int_eq(conn_budget_held(), 4);
	ck_assert_int_eq(conn_budget_check(addr(1, "198.51.100.99"), 0, 4), BUDGET_UNAUTH_FULL);
	ck_assert_int_eq(conn_budget_check(addr(2, "203.0.113.7"), 1, 4), BUDGET_OK);
	ck_assert_int_eq(conn_budget_check(addr(2, "203.0.113.7"), 1, 9), BUDGET_OK);
	ck_assert_int_eq(conn_budget_check(addr(2, "203.0.113.7"), 1, 10), BUDGET_FULL);
}
END_TEST

/* One IPv6 host has a /64: its addresses share one count. */
START_TEST(ipv6_counts_per_64)
{
	conn_budget_hold(addr(0, "2001:db8:1:2::1"));
	conn_budget_hold(addr(1, "2001:db8:1:2::ffff"));
	ck_assert_int_eq(conn_budget_check(addr(2, "2001:db8:1:2:abcd::9"), 0, 2), BUDGET_ADDRESS_FULL);
	ck_assert_int_eq(conn_budget_check(addr(3, "2001:db8:1:3::1"), 0, 2), BUDGET_OK);
}
END_TEST

static void
limit_setup(void)
{
	/* 1 token a second after a burst of 5 datagrams, no connection limit */
	struct src_limits l = { { 0, 1 }, { 1, 5 }, 10 };

	src_limit_clear();
	src_limit_set(&l);
}

START_TEST(burst_then_cooldown)
{
	const struct sockaddr *a = addr(0, "192.0.2.1"), *b = addr(1, "192.0.2.2");
	int tripped;

	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(src_limit_take(a, SRC_UDP, &tripped), 1);
		ck_assert_int_eq(tripped, 0);
	}
	ck_assert_int_eq(src_limit_take(a, SRC_UDP, &tripped), 0);
	ck_assert_int_eq(tripped, 1);		/* logged once ... */
	ck_assert_int_eq(src_limit_take(a, SRC_UDP, &tripped), 0);
	ck_assert_int_eq(tripped, 0);		/* ... not again while it cools down */
	ck_assert_int_eq(src_limit_take(b, SRC_UDP, &tripped), 1);	/* others go on */
	ck_assert_int_eq(src_limit_take(a, SRC_CONN, &tripped), 1);	/* rate 0: no limit */
}
END_TEST

Suite *
limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("conn_budget");

	tcase_add_checked_fixture(tc, budget_setup, conn_budget_clear);
	tcase_add_test(tc, per_address_cap);
	tcase_add_test(tc, strangers_share_and_reserve);
	tcase_add_test(tc, ipv6_counts_per_64);
	suite_add_tcase(s, tc);
	tc = tcase_create("src_limit");
	tcase_add_checked_fixture(tc, limit_setup, src_limit_clear);
	tcase_add_test(tc, burst_then_cooldown);
	suite_add_tcase(s, tc);
	return s;
}
