/* Routing choice: round-robin and failover order, gateways by name, us,
 * and the next hop of a request. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/su_alloc.h>

#include "route.h"
#include "sipmsg.h"
#include "suites.h"
#include "um_health.h"

static struct conf *c;

static void
setup(void)
{
	char err[512];
	const char *path = write_temp(
	    "node = { fqdn = \"sbc.example.test\"; };\n"
	    "listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n"
	    "           { side = \"outside\"; transport = \"tls\"; address = \"127.0.0.1\"; port = 5061; },\n"
	    "           { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.20\"; }, { name = \"um2\"; uri = \"sip:10.0.0.21\"; },\n"
	    "               { name = \"um3\"; uri = \"sip:10.0.0.22:5070;transport=tcp\"; }, { name = \"lone\"; uri = \"sip:10.0.0.30\"; } );\n"
	    "dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\", \"um2\", \"um3\" ); },\n"
	    "              { name = \"branch\"; um_servers = ( \"um2\" ); } );\n"
	    "gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\"; addresses = ( \"127.0.0.7\" ); dialplan = \"main\"; },\n"
	    "             { name = \"gw2\"; fqdn = \"gw2.example.test\"; addresses = ( \"127.0.0.8\" ); dialplan = \"branch\"; },\n"
	    "             { name = \"gw9\"; fqdn = \"gw9.example.test\"; addresses = ( \"127.0.0.9\" ); },\n"
	    "             { name = \"gw5\"; fqdn = \"gw5.example.test\"; } );\n");
	c = conf_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(c != NULL, "%s", err);
}

static void
teardown(void)
{
	conf_free(c);
}

static int all_up(int um) { (void)um; return 1; }
static int um2_down(int um) { return um != 1; }
static int all_down(int um) { (void)um; return 0; }

START_TEST(round_robin_with_failover_order)
{
	int out[ROUTE_MAX_CANDIDATES];

	ck_assert_int_eq(route_um_candidates(c, 0, all_up, out, ROUTE_MAX_CANDIDATES), 3);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], 1);
	ck_assert_int_eq(out[2], 2);
	route_um_candidates(c, 0, all_up, out, ROUTE_MAX_CANDIDATES);
	ck_assert_int_eq(out[0], 1);
	ck_assert_int_eq(out[1], 2);
	ck_assert_int_eq(out[2], 0);
	route_um_candidates(c, 0, all_up, out, ROUTE_MAX_CANDIDATES);
	ck_assert_int_eq(out[0], 2);
	ck_assert_int_eq(out[2], 1);
	route_um_candidates(c, 0, all_up, out, ROUTE_MAX_CANDIDATES);
	ck_assert_int_eq(out[0], 0);
}
END_TEST

START_TEST(dialplan_limits_candidates)
{
	int out[ROUTE_MAX_CANDIDATES];

	ck_assert_int_eq(route_um_candidates(c, 1, all_up, out, ROUTE_MAX_CANDIDATES), 1);
	ck_assert_int_eq(out[0], 1);
	/* A gateway in no dial plan reaches only UM servers in no dial plan. */
	ck_assert_int_eq(route_um_candidates(c, 2, all_up, out, ROUTE_MAX_CANDIDATES), 1);
	ck_assert_int_eq(out[0], 3);
}
END_TEST

/* A server that is down is neither first nor failover; round robin goes on
 * over the others; a dial plan with none up says so (-1: 503 at once). */
START_TEST(down_servers_skipped)
{
	int out[ROUTE_MAX_CANDIDATES], first[2];

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(route_um_candidates(c, 0, um2_down, out, ROUTE_MAX_CANDIDATES), 2);
		ck_assert_int_ne(out[0], 1);
		ck_assert_int_ne(out[1], 1);
		first[i] = out[0];
	}
	ck_assert_int_ne(first[0], first[1]);	/* both up servers take turns */
	ck_assert_int_eq(route_um_candidates(c, 1, um2_down, out, ROUTE_MAX_CANDIDATES), -1);
	ck_assert_int_eq(route_um_candidates(c, 0, all_down, out, ROUTE_MAX_CANDIDATES), -1);
}
END_TEST

START_TEST(gateway_by_fqdn_name_or_address)
{
	ck_assert_int_eq(route_gateway_by_host(c, "gw1.example.test"), 0);
	ck_assert_int_eq(route_gateway_by_host(c, "GW2.EXAMPLE.TEST"), 1);
	ck_assert_int_eq(route_gateway_by_host(c, "gw1"), 0);
	ck_assert_int_eq(route_gateway_by_host(c, "127.0.0.8"), 1);
	ck_assert_int_eq(route_gateway_by_host(c, "gw7.example.test"), -1);
	ck_assert_int_eq(route_gateway_by_host(c, "127.0.0.99"), -1);
}
END_TEST

START_TEST(um_by_host)
{
	ck_assert_int_eq(route_um_by_host(c, "10.0.0.22", 0), 2);
	ck_assert_int_eq(route_um_by_host(c, "10.0.0.22", 5070), 2);
	ck_assert_int_eq(route_um_by_host(c, "10.0.0.22", 5060), -1);
	ck_assert_int_eq(route_um_by_host(c, "um3", 0), -1);
}
END_TEST

static int
is_us(const char *uri)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	url_t *u = url_make(home, uri);
	int r = route_is_us(c, u);
	su_home_deinit(home);
	return r;
}

START_TEST(recognises_own_uris)
{
	ck_assert(is_us("sip:127.0.0.1:5060;transport=udp;lr"));
	ck_assert(is_us("sip:127.0.0.1:5061;transport=tls;lr"));
	ck_assert(is_us("sip:127.0.0.2;lr"));
	ck_assert(is_us("sip:sbc.example.test"));
	ck_assert(!is_us("sip:127.0.0.2:5070;lr"));
	ck_assert(!is_us("sip:10.0.0.20;lr"));
	ck_assert(!is_us("sip:user@sbc.example.test"));
}
END_TEST

START_TEST(uri_transport)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	ck_assert_int_eq(route_uri_transport(url_make(home, "sip:a@b;transport=TCP"), TP_UDP), TP_TCP);
	ck_assert_int_eq(route_uri_transport(url_make(home, "sips:a@b"), TP_UDP), TP_TLS);
	ck_assert_int_eq(route_uri_transport(url_make(home, "sip:a@b"), TP_UDP), TP_UDP);
	su_home_deinit(home);
}
END_TEST

/* ---- the next hop of a request ---- */

static msg_t *msg;

static sip_t *
req(const char *ruri, const char *method, const char *to_tag, const char *route)
{
	char buf[2048];
	size_t used;
	int n = snprintf(buf, sizeof(buf),
	    "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bK-r1\r\n"
	    "%s%s%s"
	    "From: <sip:a@10.0.0.20>;tag=caller\r\nTo: <sip:b@b.test>%s%s\r\n"
	    "Call-ID: route-1\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
	    method, ruri, route ? "Route: " : "", route ? route : "", route ? "\r\n" : "",
	    to_tag ? ";tag=" : "", to_tag ? to_tag : "", method);

	if (msg)
		msg_destroy(msg);
	msg = NULL;
	ck_assert_int_eq(sipmsg_parse(buf, (size_t)n, 1, sizeof(buf), &msg, &used), SIPMSG_OK);
	return sip_object(msg);
}

static void
free_req(void)
{
	if (msg)
		msg_destroy(msg);
	msg = NULL;
}

static void
expect_dest(const struct route_next *r, enum side side, enum transport tp, const char *addr)
{
	char got[NETADDR_STRLEN];

	ck_assert_int_eq(r->status, 0);
	ck_assert_int_eq(r->n_um, 0);
	ck_assert_int_eq(r->dest.side, side);
	ck_assert_int_eq(r->dest.tp, tp);
	netaddr_str(netaddr_csa(&r->dest.addr), got, sizeof(got));
	ck_assert_str_eq(got, addr);
}

START_TEST(new_call_from_gateway_to_its_um_servers)
{
	struct route_next r;

	route_request(c, SIDE_OUTSIDE, 0, req("sip:+1@sbc.example.test", "INVITE", NULL, NULL),
	    all_up, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.gateway, 0);
	ck_assert_int_eq(r.n_um, 3);
	ck_assert_int_eq(r.um[0], 0);
	ck_assert_int_eq(r.um[2], 2);
	/* Every one of them down: 503 at once, with Retry-After. */
	route_request(c, SIDE_OUTSIDE, 0, req("sip:+1@sbc.example.test", "OPTIONS", NULL, NULL),
	    all_down, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_int_eq(r.n_um, 0);
	ck_assert_str_eq(r.extra, "Retry-After: 10");
	free_req();
}
END_TEST

/* In a dialog, or routed, or an ACK: the UM server named, nothing else. */
START_TEST(gateway_in_dialog_to_named_um_only)
{
	struct route_next r;

	route_request(c, SIDE_OUTSIDE, 1, req("sip:um@10.0.0.22:5072;transport=tcp", "BYE", "t1",
	    NULL), all_up, &r);
	expect_dest(&r, SIDE_INSIDE, TP_TCP, "10.0.0.22:5072");	/* the URI's port */
	ck_assert_int_eq(r.gateway, 1);
	route_request(c, SIDE_OUTSIDE, 0, req("sip:+1@sbc.example.test", "INVITE", NULL,
	    "<sip:10.0.0.21;lr>"), all_up, &r);
	expect_dest(&r, SIDE_INSIDE, TP_UDP, "10.0.0.21:5060");
	/* sips: the inside speaks plain SIP: TCP. */
	route_request(c, SIDE_OUTSIDE, 0, req("sips:um@10.0.0.20", "ACK", NULL, NULL), all_up, &r);
	expect_dest(&r, SIDE_INSIDE, TP_TCP, "10.0.0.20:5060");
	route_request(c, SIDE_OUTSIDE, 0, req("sip:x@10.9.9.9", "BYE", "t1", NULL), all_up, &r);
	ck_assert_int_eq(r.status, 403);
	/* A server that is down still gets its dialogs' requests. */
	route_request(c, SIDE_OUTSIDE, 0, req("sip:um@10.0.0.21", "BYE", "t1", NULL), all_down, &r);
	expect_dest(&r, SIDE_INSIDE, TP_UDP, "10.0.0.21:5060");
	free_req();
}
END_TEST

START_TEST(inside_to_the_gateway_named)
{
	struct route_next r;

	/* gw1 is secured (its dial plan): TLS to its fqdn's certificate. */
	route_request(c, SIDE_INSIDE, -1, req("sip:+1@gw1.example.test", "INVITE", NULL, NULL),
	    all_up, &r);
	expect_dest(&r, SIDE_OUTSIDE, TP_TLS, "127.0.0.7:5061");
	ck_assert_int_eq(r.gateway, 0);
	ck_assert_str_eq(r.dest.verify_name, "gw1.example.test");
	/* gw2 is unsecured: the URI's transport (TLS made TCP), an address in
	 * the URI with its port. */
	route_request(c, SIDE_INSIDE, -1, req("sip:+1@127.0.0.8:5080;transport=tcp", "INVITE", NULL,
	    NULL), all_up, &r);
	expect_dest(&r, SIDE_OUTSIDE, TP_TCP, "127.0.0.8:5080");
	ck_assert_int_eq(r.gateway, 1);
	ck_assert_ptr_null(r.dest.verify_name);
	route_request(c, SIDE_INSIDE, -1, req("sips:+1@gw2", "INVITE", NULL, NULL), all_up, &r);
	expect_dest(&r, SIDE_OUTSIDE, TP_TCP, "127.0.0.8:5060");
	/* The Route set first. */
	route_request(c, SIDE_INSIDE, -1, req("sip:+1@gw1.example.test", "BYE", "t1",
	    "<sip:gw9.example.test;lr>"), all_up, &r);
	ck_assert_int_eq(r.gateway, 2);
	free_req();
}
END_TEST

START_TEST(inside_refusals)
{
	struct route_next r;

	route_request(c, SIDE_INSIDE, -1, req("sip:+1@gw7.example.test", "INVITE", NULL, NULL),
	    all_up, &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq(r.gateway, -1);
	/* Known by name, not resolved: no address to send to. */
	route_request(c, SIDE_INSIDE, -1, req("sip:+1@gw5.example.test", "INVITE", NULL, NULL),
	    all_up, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_int_eq(r.gateway, 3);
	route_request(c, SIDE_INSIDE, -1, req("tel:+14255550100", "INVITE", NULL, NULL), all_up,
	    &r);
	ck_assert_int_eq(r.status, 400);
	free_req();
}
END_TEST

static int never_sent(int um, long ms, um_probe_done_fn done, void *arg)
{
	(void)um; (void)ms; (void)done; (void)arg;
	return -1;
}

/* A UM server known by name and not resolved yet is not up (um_health),
 * so a new call does not go to it. */
START_TEST(unresolved_um_not_up)
{
	char err[512];
	struct event_base *base = event_base_new();
	struct conf *d = load(
	    "node = { fqdn = \"sbc.example.test\"; };\n"
	    "listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n"
	    "           { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"byname\"; uri = \"sip:um.example.test:5060\"; },\n"
	    "               { name = \"literal\"; uri = \"sip:10.0.0.20\"; } );\n"
	    "gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\"; addresses = ( \"127.0.0.7\" ); } );\n",
	    err, sizeof(err));
	int out[ROUTE_MAX_CANDIDATES];

	ck_assert_msg(d != NULL, "%s", err);
	ck_assert(base != NULL);
	ck_assert_int_eq(um_health_start(base, d, never_sent), 0);
	ck_assert(!um_health_up(0));
	ck_assert(um_health_up(1));
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(route_um_candidates(d, 0, um_health_up, out, ROUTE_MAX_CANDIDATES), 1);
		ck_assert_int_eq(out[0], 1);
	}
	um_health_stop();
	conf_free(d);
	event_base_free(base);
}
END_TEST

Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("choice");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_robin_with_failover_order);
	tcase_add_test(tc, dialplan_limits_candidates);
	tcase_add_test(tc, down_servers_skipped);
	tcase_add_test(tc, gateway_by_fqdn_name_or_address);
	tcase_add_test(tc, um_by_host);
	tcase_add_test(tc, recognises_own_uris);
	tcase_add_test(tc, uri_transport);
	tcase_add_test(tc, new_call_from_gateway_to_its_um_servers);
	tcase_add_test(tc, gateway_in_dialog_to_named_um_only);
	tcase_add_test(tc, inside_to_the_gateway_named);
	tcase_add_test(tc, inside_refusals);
	tcase_add_test(tc, unresolved_um_not_up);
	suite_add_tcase(s, tc);
	return s;
}
