/* The connection table (conns.c): found by id, by gateway and by peer, kept
 * right through admission, closing, freeing during a walk and a reload
 * that renumbers gateways; 10,000 connections. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "admit.h"
#include "conf.h"
#include "conns.h"
#include "suites.h"
#include "transport.h"

static struct listener outside_tls = { .side = SIDE_OUTSIDE, .tp = TP_TLS };
static struct listener inside_tcp = { .side = SIDE_INSIDE, .tp = TP_TCP };

static struct netaddr
addr(const char *ip, uint16_t port)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	a.len = sizeof(*in);
	return a;
}

static struct conn *
add(struct listener *li, const char *ip, uint16_t port, int outbound)
{
	struct netaddr a = addr(ip, port);
	struct conn *c = conns_new(li, li->tp, &a, outbound);

	ck_assert_ptr_nonnull(c);
	return c;
}

static void
teardown(void)
{
	for (struct conn *c = conns_first(), *next; c; c = next) {
		next = conns_next(c);
		conns_free(c);
	}
	conns_release();
	ck_assert_int_eq(conns_count(), 0);
}

static int
count(int gateway)
{
	int up;

	return conns_gateway_count(gateway, &up);
}

START_TEST(by_id)
{
	struct conn *a = add(&outside_tls, "192.0.2.1", 40000, 0);
	struct conn *b = add(&outside_tls, "192.0.2.2", 40000, 0);
	struct conn *c = add(&inside_tcp, "10.0.0.1", 5060, 1);

	ck_assert(a->id != b->id && b->id != c->id);
	ck_assert_int_eq(conns_count(), 3);
	ck_assert_ptr_eq(conns_find(a->id), a);
	ck_assert_ptr_eq(conns_find(b->id), b);
	ck_assert_ptr_eq(conns_find(c->id), c);
	uint64_t gone = b->id;
	conns_closing(b);
	ck_assert_ptr_eq(conns_find(gone), b);	/* closing: its "down" note must find it */
	conns_free(b);
	ck_assert_ptr_null(conns_find(gone));
	ck_assert_ptr_eq(conns_find(a->id), a);
	ck_assert_ptr_null(conns_find(0));
	ck_assert_int_eq(conns_count(), 2);
	teardown();
}
END_TEST

START_TEST(by_gateway)
{
	struct conn *a = add(&outside_tls, "192.0.2.1", 40000, 0);
	struct conn *b = add(&outside_tls, "192.0.2.1", 40001, 0);
	struct conn *ours = add(&outside_tls, "192.0.2.1", 5061, 1);
	int up;

	ck_assert_ptr_null(conns_gateway_last(3));
	conns_set_gateway(ours, 3, 0);	/* ours toward it: counted, not "spoken on" */
	ck_assert_int_eq(count(3), 1);
	ck_assert_ptr_null(conns_gateway_last(3));
	conns_set_gateway(a, 3, 1);
	conns_set_gateway(b, 3, 1);
	ck_assert_ptr_eq(conns_gateway_last(3), b);
	conns_set_gateway(a, 3, 1);	/* a message on a: a is the last used */
	ck_assert_ptr_eq(conns_gateway_last(3), a);
	ck_assert_int_eq(count(3), 3);
	conns_set_established(a);
	conns_set_established(ours);
	conns_set_established(ours);
	ck_assert_int_eq(conns_gateway_count(3, &up), 3);
	ck_assert_int_eq(up, 2);
	conns_set_gateway(b, 4, 1);	/* admitted as another gateway */
	ck_assert_int_eq(count(3), 2);
	ck_assert_ptr_eq(conns_gateway_last(4), b);
	conns_closing(a);
	ck_assert_int_eq(conns_gateway_count(3, &up), 1);
	ck_assert_int_eq(up, 1);
	ck_assert_ptr_null(conns_gateway_last(3));
	conns_set_gateway(a, 3, 1);	/* a late message on a closing one */
	ck_assert_int_eq(count(3), 1);
	conns_free(ours);
	ck_assert_int_eq(count(3), 0);
	conns_set_gateway(b, -1, 1);
	ck_assert_int_eq(count(4), 0);
	ck_assert_int_eq(b->gateway, -1);
	teardown();
}
END_TEST

START_TEST(by_peer)
{
	struct netaddr gw = addr("192.0.2.1", 5061), um = addr("10.0.0.1", 5060);
	struct conn *theirs = add(&outside_tls, "192.0.2.1", 5061, 0);
	struct conn *ours = add(&outside_tls, "192.0.2.1", 5061, 1);
	struct conn *in = add(&inside_tcp, "10.0.0.1", 5060, 1);

	snprintf(ours->verify_name, sizeof(ours->verify_name), "gw1.example.test");
	ck_assert_ptr_eq(conns_reusable(SIDE_OUTSIDE, TP_TLS, &gw, "GW1.example.test"), theirs);
	conns_closing(theirs);
	ck_assert_ptr_eq(conns_reusable(SIDE_OUTSIDE, TP_TLS, &gw, "GW1.example.test"), ours);
	ck_assert_ptr_null(conns_reusable(SIDE_OUTSIDE, TP_TLS, &gw, "gw2.example.test"));
	ck_assert_ptr_null(conns_reusable(SIDE_OUTSIDE, TP_TCP, &gw, NULL));
	ck_assert_ptr_null(conns_reusable(SIDE_INSIDE, TP_TLS, &gw, "gw1.example.test"));
	ck_assert_ptr_eq(conns_reusable(SIDE_INSIDE, TP_TCP, &um, NULL), in);
	struct netaddr other_port = addr("10.0.0.1", 5062);
	ck_assert_ptr_null(conns_reusable(SIDE_INSIDE, TP_TCP, &other_port, NULL));
	conns_free(in);
	ck_assert_ptr_null(conns_reusable(SIDE_INSIDE, TP_TCP, &um, NULL));
	teardown();
}
END_TEST

#define RELOAD_BASE \
	"node = { fqdn = \"sbc.example.test\"; };\n" \
	"listen = ( { side = \"outside\"; transport = \"tls\"; address = \"127.0.0.1\"; port = 5061; },\n" \
	"  { side = \"inside\"; transport = \"tcp\"; address = \"127.0.0.2\"; port = 5060; } );\n" \
	"um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.1;transport=tcp\"; } );\n" \
	"dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\" ); } );\n"
#define GW1 "{ name = \"gw1\"; fqdn = \"gw1.test\"; addresses = ( \"192.0.2.1\" ); dialplan = \"main\"; }"
#define GW2 "{ name = \"gw2\"; fqdn = \"gw2.test\"; addresses = ( \"192.0.2.2\" ); dialplan = \"main\"; }"

static struct conf *
load_ok(const char *text)
{
	char err[512] = "";
	struct conf *c = load(text, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

/* A reload that swaps gw1 and gw2 renumbers them: nothing may still count
 * for the old numbers. */
START_TEST(reload_renumbers)
{
	struct conf *before = load_ok(RELOAD_BASE "gateways = ( " GW1 ", " GW2 " );\n");
	struct conf *after = load_ok(RELOAD_BASE "gateways = ( " GW2 ", " GW1 " );\n");
	struct conn *to_gw2 = add(&outside_tls, "192.0.2.2", 5061, 1);
	struct conn *from_gw1 = add(&outside_tls, "192.0.2.1", 40000, 0);
	struct conn *to_um = add(&inside_tcp, "10.0.0.1", 5060, 1);

	ck_assert_int_eq(admit_gateway_by_address(before, (struct sockaddr *)&to_gw2->peer.ss), 1);
	conns_set_gateway(to_gw2, 1, 0);
	conns_set_gateway(from_gw1, 0, 1);
	conns_set_established(from_gw1);
	ck_assert_int_eq(count(0), 1);
	ck_assert_int_eq(count(1), 1);
	conns_reconf(after);
	ck_assert_int_eq(count(0), 1);		/* gw2 now: ours toward it */
	ck_assert_ptr_null(conns_gateway_last(0));
	ck_assert_int_eq(count(1), 0);		/* gw1 now: it must speak again */
	ck_assert_ptr_null(conns_gateway_last(1));
	ck_assert_int_eq(from_gw1->gateway, -1);
	conns_set_gateway(from_gw1, 1, 1);	/* its next message */
	ck_assert_ptr_eq(conns_gateway_last(1), from_gw1);
	int up;
	ck_assert_int_eq(conns_gateway_count(1, &up), 1);
	ck_assert_int_eq(up, 1);
	ck_assert_int_eq(count(2), 0);
	(void)to_um;
	teardown();
	conf_free(before);
	conf_free(after);
}
END_TEST

#define MANY 10000
#define GATEWAYS 100

/* 10,000 connections of 100 gateways; every other freed during a walk. */
START_TEST(many)
{
	static struct conn *all[MANY];
	static uint64_t ids[MANY];
	char ip[32];

	for (int i = 0; i < MANY; i++) {
		snprintf(ip, sizeof(ip), "198.51.%d.%d", i / 250, i % 250 + 1);
		all[i] = add(&outside_tls, ip, (uint16_t)(40000 + i % 7), 0);
		ids[i] = all[i]->id;
		conns_set_gateway(all[i], i % GATEWAYS, 1);
		if (i % 2)
			conns_set_established(all[i]);
	}
	ck_assert_int_eq(conns_count(), MANY);
	for (int i = 0; i < MANY; i++) {
		ck_assert_ptr_eq(conns_find(ids[i]), all[i]);
		ck_assert_ptr_eq(conns_reusable(SIDE_OUTSIDE, TP_TLS, &all[i]->peer, NULL), all[i]);
	}
	for (int g = 0; g < GATEWAYS; g++) {
		int up;
		ck_assert_int_eq(conns_gateway_count(g, &up), MANY / GATEWAYS);
		ck_assert_int_eq(up, g % 2 ? MANY / GATEWAYS : 0);
		ck_assert_ptr_eq(conns_gateway_last(g), all[MANY - GATEWAYS + g]);
	}
	int seen = 0;
	for (struct conn *c = conns_first(), *next; c; c = next) {
		next = conns_next(c);
		seen++;
		if (c->id % 2 == 0)
			conns_free(c);
	}
	ck_assert_int_eq(seen, MANY);
	ck_assert_int_eq(conns_count(), MANY / 2);
	for (int i = 0; i < MANY; i++) {
		if (ids[i] % 2 == 0) {
			ck_assert_ptr_null(conns_find(ids[i]));
			continue;
		}
		ck_assert_ptr_eq(conns_find(ids[i]), all[i]);
		ck_assert_ptr_eq(conns_reusable(SIDE_OUTSIDE, TP_TLS, &all[i]->peer, NULL), all[i]);
	}
	for (int g = 0; g < GATEWAYS; g++)
		ck_assert_int_eq(count(g), (ids[g] % 2) ? MANY / GATEWAYS : 0);
	teardown();
}
END_TEST

Suite *
conns_suite(void)
{
	Suite *s = suite_create("conns");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, by_id);
	tcase_add_test(tc, by_gateway);
	tcase_add_test(tc, by_peer);
	tcase_add_test(tc, reload_renumbers);
	tcase_add_test(tc, many);
	suite_add_tcase(s, tc);
	return s;
}
