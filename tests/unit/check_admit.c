/* The trusted-device list: every admission case of the design. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "suites.h"

static struct conf *c;

static void
setup(void)
{
	char err[512];
	const char *path = write_temp(
	    "listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.20\"; } );\n"
	    "dialplans = ( { name = \"sec\"; security = \"secured\"; um_servers = ( \"um1\" ); },\n"
	    "              { name = \"sip\"; security = \"sip-secured\"; um_servers = ( \"um1\" ); },\n"
	    "              { name = \"open\"; security = \"unsecured\"; um_servers = ( \"um1\" ); } );\n"
	    "gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\"; addresses = ( \"127.0.0.7\" ); dialplan = \"sec\"; },\n"
	    "             { name = \"gw2\"; fqdn = \"gw2.example.test\"; addresses = ( \"127.0.0.8\" ); dialplan = \"open\"; },\n"
	    "             { name = \"gw3\"; fqdn = \"gw3.example.test\"; dialplan = \"sip\"; } );\n");
	c = conf_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(c != NULL, "%s", err);
}

static void
teardown(void)
{
	conf_free(c);
}

static struct sockaddr *
addr(const char *ip)
{
	static struct netaddr sa;
	netaddr_parse(ip, 40000, &sa);
	return (struct sockaddr *)&sa.ss;
}

static struct admission
tls(const char *ip, const char *name)
{
	const char *names[] = { name };
	return admit_outside(c, TP_TLS, addr(ip), names, name ? 1 : 0);
}

START_TEST(tls_listed_secured_gateway)
{
	struct admission a = tls("127.0.0.7", "gw1.example.test");
	ck_assert_int_eq(a.verdict, ADMIT_OK);
	ck_assert_int_eq(a.gateway, 0);
	/* Names compare without regard to case, as DNS does. */
	ck_assert_int_eq(tls("127.0.0.7", "GW1.Example.Test").verdict, ADMIT_OK);
}
END_TEST

START_TEST(tls_sip_secured_without_addresses_any_source)
{
	struct admission a = tls("192.0.2.55", "gw3.example.test");
	ck_assert_int_eq(a.verdict, ADMIT_OK);
	ck_assert_int_eq(a.gateway, 2);
}
END_TEST

/* Strangers are closed right after the handshake: nothing to wait for. */
START_TEST(tls_unknown_name_closed)
{
	struct admission a = tls("127.0.0.7", "stranger.example.test");
	ck_assert_int_eq(a.verdict, ADMIT_CLOSE);
	ck_assert_ptr_nonnull(strstr(a.reason, "no listed gateway"));
	ck_assert_int_eq(tls("127.0.0.7", NULL).verdict, ADMIT_CLOSE);
}
END_TEST

START_TEST(tls_wrong_source_closed)
{
	struct admission a = tls("127.0.0.9", "gw1.example.test");
	ck_assert_int_eq(a.verdict, ADMIT_CLOSE);
	ck_assert_ptr_nonnull(strstr(a.reason, "source address"));
}
END_TEST

START_TEST(tls_unsecured_gateway_forbidden)
{
	struct admission a = tls("127.0.0.8", "gw2.example.test");
	ck_assert_int_eq(a.verdict, ADMIT_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(a.reason, "unsecured gateway"));
}
END_TEST

START_TEST(plain_unsecured_gateway_ok)
{
	ck_assert_int_eq(admit_outside(c, TP_UDP, addr("127.0.0.8"), NULL, 0).verdict, ADMIT_OK);
	ck_assert_int_eq(admit_outside(c, TP_TCP, addr("127.0.0.8"), NULL, 0).verdict, ADMIT_OK);
}
END_TEST

START_TEST(plain_unknown_source)
{
	ck_assert_int_eq(admit_outside(c, TP_UDP, addr("127.0.0.99"), NULL, 0).verdict, ADMIT_DROP);
	ck_assert_int_eq(admit_outside(c, TP_TCP, addr("127.0.0.99"), NULL, 0).verdict, ADMIT_CLOSE);
}
END_TEST

START_TEST(plain_secured_gateway_forbidden)
{
	struct admission a = admit_outside(c, TP_UDP, addr("127.0.0.7"), NULL, 0);
	ck_assert_int_eq(a.verdict, ADMIT_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(a.reason, "must use TLS"));
}
END_TEST

START_TEST(inside_only_um_servers)
{
	struct admission a = admit_inside(c, addr("10.0.0.20"));
	ck_assert_int_eq(a.verdict, ADMIT_OK);
	ck_assert_int_eq(a.um, 0);
	ck_assert_int_eq(admit_inside(c, addr("10.0.0.21")).verdict, ADMIT_DROP);
	ck_assert_int_eq(admit_inside(c, addr("127.0.0.8")).verdict, ADMIT_DROP);
}
END_TEST

Suite *
admit_suite(void)
{
	Suite *s = suite_create("admit");
	TCase *tc = tcase_create("decisions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tls_listed_secured_gateway);
	tcase_add_test(tc, tls_sip_secured_without_addresses_any_source);
	tcase_add_test(tc, tls_unknown_name_closed);
	tcase_add_test(tc, tls_wrong_source_closed);
	tcase_add_test(tc, tls_unsecured_gateway_forbidden);
	tcase_add_test(tc, plain_unsecured_gateway_ok);
	tcase_add_test(tc, plain_unknown_source);
	tcase_add_test(tc, plain_secured_gateway_forbidden);
	tcase_add_test(tc, inside_only_um_servers);
	suite_add_tcase(s, tc);
	return s;
}
