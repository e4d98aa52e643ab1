/* The transaction clock (txn.c) on a fake clock: UDP retransmission
 * (Timer A doubles, Timer E stops at T2), Timer B/F and C, failover after
 * the failover time, a local time-out, and the linger after the final. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <check.h>
#include <event2/event.h>
#include <sofia-sip/sip.h>

#include "check_run.h"
#include "txn.h"

#define TICK 250	/* how often txn.c's timer calls txn_tick */

static int64_t fake_now;
static struct event_base *base;
static int64_t rtx_at[64];
static int n_rtx, n_fail_over, n_time_out;
static int64_t time_out_at;

static int64_t fake_clock(void) { return fake_now; }

static void
rec_retransmit(struct txn *t)
{
	(void)t;
	if (n_rtx < 64)
		rtx_at[n_rtx] = fake_now;
	n_rtx++;
}

/* As proxy.c does: the next UM server, sent afresh. */
static void
rec_fail_over(struct txn *t)
{
	n_fail_over++;
	t->cur_um++;
	txn_sent(t);
}

static void
rec_time_out(struct txn *t)
{
	n_time_out++;
	time_out_at = fake_now;
	txn_complete(t);
}

static const struct txn_ops ops = { rec_retransmit, rec_fail_over, rec_time_out };

static void
setup(void)
{
	base = event_base_new();
	ck_assert(base != NULL);
	txn_init(base, &ops, 5000);
	txn_set_clock(fake_clock);
	fake_now = 1000000;
	n_rtx = n_fail_over = n_time_out = 0;
	time_out_at = -1;
}

static void
teardown(void)
{
	txn_free_all();
	txn_set_clock(NULL);
	event_base_free(base);
}

/* A transaction just sent over tp. */
static struct txn *
sent(sip_method_t method, enum transport tp)
{
	struct txn *t = txn_new(0);

	ck_assert(t != NULL);
	t->method = method;
	t->dst.tp = tp;
	txn_sent(t);
	return t;
}

/* Ticks as the timer would until ms have passed since the send or t timed
 * out (then t lingers: it is still there, completed). */
static void
run(struct txn *t, int64_t ms)
{
	int64_t start = fake_now;

	while (fake_now - start < ms && t->state != TXN_COMPLETED) {
		fake_now += TICK;
		txn_tick(t);
	}
}

/* The gaps between the send and the retransmissions, and between them. */
static void
expect_gaps(int64_t sent_at, const int64_t *gaps, int n)
{
	ck_assert_int_eq(n_rtx, n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(rtx_at[i] - (i ? rtx_at[i - 1] : sent_at) == gaps[i],
		    "retransmission %d after %lld ms, expected %lld", i + 1,
		    (long long)(rtx_at[i] - (i ? rtx_at[i - 1] : sent_at)), (long long)gaps[i]);
}

START_TEST(timer_e_doubles_up_to_t2_then_timer_f)
{
	int64_t at = fake_now;
	struct txn *t = sent(sip_method_options, TP_UDP);
	/* 500, 1000, 2000, then T2 (4000) until Timer F at 64*T1 = 32 s. */
	static const int64_t gaps[] = { 500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000 };

	run(t, 40000);
	expect_gaps(at, gaps, 10);
	ck_assert_int_eq(n_time_out, 1);
	ck_assert_int_eq(time_out_at - at, 32000);
	ck_assert_int_eq(t->state, TXN_COMPLETED);
}
END_TEST

START_TEST(timer_a_doubles_without_cap_then_timer_b)
{
	int64_t at = fake_now;
	struct txn *t = sent(sip_method_invite, TP_UDP);
	static const int64_t gaps[] = { 500, 1000, 2000, 4000, 8000, 16000 };

	run(t, 40000);
	expect_gaps(at, gaps, 6);
	ck_assert_int_eq(n_time_out, 1);
	ck_assert_int_eq(time_out_at - at, 32000);
}
END_TEST

/* A 1xx stops an INVITE's retransmissions; then Timer C (180 s), not B. */
START_TEST(provisional_invite_waits_for_timer_c)
{
	int64_t at = fake_now;
	struct txn *t = sent(sip_method_invite, TP_UDP);

	run(t, 600);
	ck_assert_int_eq(n_rtx, 1);
	txn_provisional(t);
	ck_assert_int_eq(t->state, TXN_PROCEEDING);
	run(t, 60000);
	ck_assert_int_eq(n_rtx, 1);
	ck_assert_int_eq(n_time_out, 0);
	run(t, 200000);
	ck_assert_int_eq(n_time_out, 1);
	ck_assert_int_eq(time_out_at - at, 180000);
}
END_TEST

/* A non-INVITE's 1xx does not stop Timer E (RFC 3261 17.1.2.2). */
START_TEST(provisional_non_invite_goes_on)
{
	struct txn *t = sent(sip_method_bye, TP_UDP);

	run(t, 600);
	txn_provisional(t);
	int before = n_rtx;
	run(t, 10000);
	ck_assert_int_gt(n_rtx, before);
	ck_assert_int_eq(n_time_out, 0);
}
END_TEST

START_TEST(streams_are_not_retransmitted)
{
	int64_t at = fake_now;
	struct txn *t = sent(sip_method_invite, TP_TCP);

	run(t, 40000);
	ck_assert_int_eq(n_rtx, 0);
	ck_assert_int_eq(time_out_at - at, 32000);
}
END_TEST

/* Silence for the failover time moves to the next UM server (its own
 * clock from then on); on the last one Timer B ends it. */
START_TEST(silence_fails_over_then_times_out)
{
	int64_t at = fake_now;
	struct txn *t = sent(sip_method_invite, TP_TCP);

	t->n_um = 2;
	run(t, 4750);
	ck_assert_int_eq(n_fail_over, 0);
	run(t, 250);
	ck_assert_int_eq(n_fail_over, 1);
	ck_assert_int_eq(t->cur_um, 1);
	ck_assert_int_eq(t->tried_ms - at, 5000);
	run(t, 40000);
	ck_assert_int_eq(n_fail_over, 1);	/* no third server */
	ck_assert_int_eq(time_out_at - at, 5000 + 32000);
}
END_TEST

/* Once a provisional went upstream, the call stays on its server. */
START_TEST(no_failover_after_a_response_went_upstream)
{
	struct txn *t = sent(sip_method_invite, TP_TCP);

	t->n_um = 2;
	t->best = 180;
	run(t, 10000);
	ck_assert_int_eq(n_fail_over, 0);
	ck_assert(!txn_can_fail_over(t));
	t->best = 100;
	ck_assert(txn_can_fail_over(t));
}
END_TEST

START_TEST(own_timeout_replaces_timer_b)
{
	int64_t at = fake_now;
	struct txn *t = sent(sip_method_options, TP_TCP);

	t->timeout_ms = 2000;
	run(t, 40000);
	ck_assert_int_eq(n_time_out, 1);
	ck_assert_int_eq(time_out_at - at, 2000);
}
END_TEST

/* Seconds until t's timer fires. */
static double
armed_for(struct txn *t)
{
	struct timeval when, now;

	ck_assert(event_pending(&t->timer, EV_TIMEOUT, &when));
	gettimeofday(&now, NULL);
	return (double)(when.tv_sec - now.tv_sec) + (double)(when.tv_usec - now.tv_usec) / 1e6;
}

/* A completed transaction lingers (INVITE 64*T1, others 2*T2), without
 * its request; the timer's next tick frees it. */
START_TEST(linger_then_freed)
{
	struct txn *inv = sent(sip_method_invite, TP_UDP), *opt = sent(sip_method_options, TP_UDP);

	inv->out = malloc(8);
	ck_assert_uint_eq(txn_count(), 2);
	txn_complete(inv);
	txn_complete(opt);
	ck_assert_ptr_null(inv->out);
	ck_assert_int_eq(inv->state, TXN_COMPLETED);
	ck_assert(armed_for(inv) > 31.5 && armed_for(inv) < 32.01);
	ck_assert(armed_for(opt) > 7.5 && armed_for(opt) < 8.01);
	txn_tick(inv);
	ck_assert_uint_eq(txn_count(), 1);
	ck_assert_int_eq(n_rtx + n_time_out + n_fail_over, 0);
}
END_TEST

/* A failover after a final we ACKed: the old branch stays findable, as a
 * completed local transaction holding that ACK (its hop may retransmit the
 * final over UDP), for the INVITE linger; over TCP nothing is left. */
START_TEST(rebranch_leaves_the_ack_behind)
{
	struct txn *t = sent(sip_method_invite, TP_UDP), *s;
	char old[sizeof(t->branch)];

	t->up_branch = strdup("z9hG4bK-up1");
	txn_index(t);
	memcpy(old, t->branch, sizeof(old));
	t->ack = strdup("ACK");
	t->ack_len = 3;
	txn_rebranch(t);
	ck_assert_str_ne(t->branch, old);
	ck_assert_ptr_null(t->ack);
	ck_assert_ptr_eq(txn_by_branch(t->branch), t);
	s = txn_by_branch(old);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_ne(s, t);
	ck_assert_str_eq(s->ack, "ACK");
	ck_assert(s->local && s->state == TXN_COMPLETED && s->dst.tp == TP_UDP);
	ck_assert(armed_for(s) > 31.5 && armed_for(s) < 32.01);
	ck_assert_uint_eq(txn_count(), 2);
	txn_tick(s);
	ck_assert_ptr_null(txn_by_branch(old));
	ck_assert_uint_eq(txn_count(), 1);

	struct txn *c = sent(sip_method_invite, TP_TCP);
	c->up_branch = strdup("z9hG4bK-up2");
	txn_index(c);
	memcpy(old, c->branch, sizeof(old));
	c->ack = strdup("ACK");
	txn_rebranch(c);
	ck_assert_ptr_null(txn_by_branch(old));
	ck_assert_uint_eq(txn_count(), 2);
}
END_TEST

static Suite *
txn_suite(void)
{
	Suite *s = suite_create("txn");
	TCase *tc = tcase_create("clock");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, timer_e_doubles_up_to_t2_then_timer_f);
	tcase_add_test(tc, timer_a_doubles_without_cap_then_timer_b);
	tcase_add_test(tc, provisional_invite_waits_for_timer_c);
	tcase_add_test(tc, provisional_non_invite_goes_on);
	tcase_add_test(tc, streams_are_not_retransmitted);
	tcase_add_test(tc, silence_fails_over_then_times_out);
	tcase_add_test(tc, no_failover_after_a_response_went_upstream);
	tcase_add_test(tc, own_timeout_replaces_timer_b);
	tcase_add_test(tc, linger_then_freed);
	tcase_add_test(tc, rebranch_leaves_the_ack_behind);
	suite_add_tcase(s, tc);
	return s;
}

const struct check_run check_run_program = {
	.suites = { txn_suite, NULL },
};
