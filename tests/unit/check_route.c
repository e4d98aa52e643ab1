/* Routing choice: round-robin and failover order, gateways by name, us. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <sofia-sip/su_alloc.h>

#include "route.h"
#include "suites.h"

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
	    "             { name = \"gw9\"; fqdn = \"gw9.example.test\"; addresses = ( \"127.0.0.9\" ); } );\n");
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
	suite_add_tcase(s, tc);
	return s;
}
