/* Config parsing and its errors: every error names file:line. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "resolve.h"
#include "media/relay.h"
#include "media/sdes.h"
#include "suites.h"

#define BASE \
	"node = { fqdn = \"sbc.example.test\"; workers = 0; };\n" \
	"listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n" \
	"           { side = \"outside\"; transport = \"tls\"; address = \"127.0.0.1\"; port = 5061; },\n" \
	"           { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n" \
	"um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.20:5060;transport=tcp\"; },\n" \
	"               { name = \"um2\"; uri = \"sip:10.0.0.21\"; },\n" \
	"               { name = \"um3\"; uri = \"sip:10.0.0.22\"; } );\n"

START_TEST(full_config_loads)
{
	char err[1024] = "";
	struct conf *c = load(BASE
	    "start_secured = 1;\n"
	    "dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\", \"um2\" ); },\n"
	    "              { name = \"branch\"; security = \"unsecured\"; um_servers = ( \"um2\" ); } );\n"
	    "gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\"; addresses = ( \"198.51.100.7\" ); dialplan = \"main\"; },\n"
	    "             { name = \"gw2\"; fqdn = \"gw2.example.test\"; addresses = ( \"198.51.100.8\" ); port = 5070; dialplan = \"branch\"; } );\n",
	    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->n_listen, 3);
	ck_assert_int_eq(c->listen[1].tp, TP_TLS);
	ck_assert_int_eq(c->listen[2].side, SIDE_INSIDE);
	ck_assert_int_eq(c->n_um, 3);
	ck_assert_int_eq(c->um[0].tp, TP_TCP);
	ck_assert_int_eq(c->um[1].tp, TP_UDP);
	ck_assert_int_eq(c->um[1].port, 5060);
	/* um2 serves a secured and an unsecured plan: the stronger mode shows. */
	ck_assert_int_eq(c->um[1].mode, SEC_SECURED);
	/* um3 is in no dial plan: start_secured decides. */
	ck_assert_int_eq(c->um[2].in_dialplan, 0);
	ck_assert_int_eq(c->um[2].mode, SEC_SECURED);
	ck_assert_int_eq(c->gateways[0].mode, SEC_SECURED);
	ck_assert_int_eq(c->gateways[0].port, 5061);	/* default for secured */
	ck_assert_int_eq(c->gateways[1].port, 5070);
	ck_assert_int_eq(c->dialplans[0].n_um, 2);
	ck_assert_int_eq(c->dialplans[0].um[1], 1);
	ck_assert_int_eq(c->tls.handshake_timeout, 5);
	ck_assert_int_eq(c->sip.max_forwards, 70);
	ck_assert(conf_has_tls(c));
	conf_free(c);
}
END_TEST

START_TEST(syntax_error_names_line)
{
	expect_error(BASE "gateways = ( { name = \"gw1\" \n", 9, "syntax error");
}
END_TEST

START_TEST(unknown_security)
{
	expect_error(BASE "dialplans = ( { name = \"d\";\n security = \"strong\"; um_servers = ( \"um1\" ); } );\n",
	    9, "security");
}
END_TEST

START_TEST(unknown_dialplan)
{
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" ); } );\n"
	    "gateways = ( { name = \"g\"; fqdn = \"g.test\"; addresses = ( \"1.2.3.4\" );\n"
	    "  dialplan = \"nope\"; } );\n", 10, "unknown dial plan \"nope\"");
}
END_TEST

START_TEST(unknown_um_server)
{
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = (\n \"um9\" ); } );\n",
	    9, "unknown UM server \"um9\"");
}
END_TEST

START_TEST(bad_address)
{
	expect_error(BASE "gateways = ( { name = \"g\"; fqdn = \"g.test\";\n addresses = ( \"not-an-ip\" ); } );\n",
	    9, "not an IP address");
}
END_TEST

/* Gateways and UM servers known by name (resolve.c looks them up): SRV
 * first where no port is given. */
START_TEST(peers_by_name)
{
	char err[1024] = "";
	struct conf *c = load("listen = ( { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\"; uri = \"sip:um.example.test;transport=tcp\"; },\n"
	    "  { name = \"um2\"; uri = \"sip:um2.example.test:5070\"; }, { name = \"um3\"; uri = \"sip:10.0.0.22\"; } );\n"
	    "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" ); } );\n"
	    "gateways = ( { name = \"g\"; fqdn = \"g.test\"; dialplan = \"d\"; },\n"
	    "  { name = \"h\"; fqdn = \"h.test\"; port = 5080; },\n"
	    "  { name = \"i\"; fqdn = \"i.test\"; addresses = ( \"192.0.2.9\" ); },\n"
	    "  { name = \"j\"; fqdn = \"192.0.2.10\"; } );\n"
	    "dns = { nameservers = ( \"127.0.0.53\", \"[::1]:5353\" ); min_ttl = 2; max_ttl = 60; retry = 5; timeout = 1; };\n",
	    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->um[0].dns, "um.example.test");
	ck_assert_int_eq(c->um[0].srv, 1);
	ck_assert_int_eq(c->um[0].tp, TP_TCP);
	ck_assert_int_eq(c->um[0].sa.ss.ss_family, AF_UNSPEC);	/* until resolved */
	ck_assert_str_eq(c->um[1].dns, "um2.example.test");
	ck_assert_int_eq(c->um[1].srv, 0);
	ck_assert_int_eq(c->um[1].port, 5070);
	ck_assert_str_eq(c->um[2].dns, "");	/* a literal */
	ck_assert_str_eq(c->um[2].host, "10.0.0.22");
	ck_assert_int_eq(c->gateways[0].by_name, 1);
	ck_assert_int_eq(c->gateways[0].srv, 1);
	ck_assert_int_eq(c->gateways[0].n_addr, 0);
	ck_assert_int_eq(c->gateways[1].by_name, 1);
	ck_assert_int_eq(c->gateways[1].srv, 0);
	ck_assert_int_eq(c->gateways[2].by_name, 0);
	/* An IP literal for a name is the address at once: nothing to resolve. */
	ck_assert_int_eq(c->gateways[3].by_name, 0);
	ck_assert_int_eq(c->gateways[3].n_addr, 1);
	ck_assert_int_eq(netaddr_port(netaddr_csa(&c->gateways[3].addr[0])), 5060);
	ck_assert_int_eq(c->dns.n_nameservers, 2);
	ck_assert_str_eq(c->dns.nameservers[1], "[::1]:5353");
	ck_assert_int_eq(c->dns.min_ttl, 2);
	ck_assert_int_eq(c->dns.max_ttl, 60);
	ck_assert_int_eq(c->dns.retry, 5);
	ck_assert_int_eq(c->dns.timeout, 1);
	conf_free(c);
	/* Defaults without the group. */
	c = load(BASE, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->dns.n_nameservers, 0);
	ck_assert_str_eq(c->dns.resolv_conf, "/etc/resolv.conf");
	ck_assert_int_eq(c->dns.min_ttl, 10);
	ck_assert_int_eq(c->dns.max_ttl, 3600);
	conf_free(c);
}
END_TEST

/* What is looked up in DNS, and a UM server's resolved addresses as
 * admission and routing ask about them. */
START_TEST(names_and_resolved_addresses)
{
	ck_assert(resolve_name_valid("um1.example.test"));
	ck_assert(resolve_name_valid("um1.example.test."));
	ck_assert(resolve_name_valid("um_1"));
	ck_assert(!resolve_name_valid("192.0.2.1"));	/* an address */
	ck_assert(!resolve_name_valid("a..b"));
	ck_assert(!resolve_name_valid(".a"));
	ck_assert(!resolve_name_valid("a b"));
	ck_assert(!resolve_name_valid(""));
	ck_assert(!resolve_name_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b"));

	struct conf_um u;
	struct netaddr addr[2], probe;
	memset(&u, 0, sizeof(u));
	snprintf(u.dns, sizeof(u.dns), "um.example.test");
	netaddr_parse("192.0.2.20", 5070, &addr[0]);
	netaddr_parse("2001:db8::20", 5070, &addr[1]);
	ck_assert(netaddr_parse("192.0.2.20", 9, &probe) == 0);
	ck_assert(!resolve_um_at(&u, (struct sockaddr *)&probe.ss));	/* not resolved */
	u.addr = addr;
	u.n_addr = 2;
	u.sa = addr[0];
	ck_assert(resolve_um_at(&u, (struct sockaddr *)&probe.ss));	/* any port */
	netaddr_parse("2001:db8::20", 5060, &probe);
	ck_assert(resolve_um_at(&u, (struct sockaddr *)&probe.ss));	/* the second address */
	netaddr_parse("192.0.2.21", 5070, &probe);
	ck_assert(!resolve_um_at(&u, (struct sockaddr *)&probe.ss));
	/* A literal: its address, whatever else is there. */
	u.dns[0] = '\0';
	u.n_addr = 0;
	netaddr_parse("192.0.2.20", 9, &probe);
	ck_assert(resolve_um_at(&u, (struct sockaddr *)&probe.ss));
}
END_TEST

START_TEST(bad_names)
{
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" ); } );\n"
	    "gateways = ( { name = \"g\";\n fqdn = \"g..test\"; dialplan = \"d\"; } );\n", 10, "no DNS name");
	expect_error(BASE "dns = {\n nameservers = ( \"ns.example.test\" ); };\n", 9, "is not ADDRESS");
	expect_error(BASE "dns = {\n nameservers = ( \"127.0.0.53:53x\" ); };\n", 9, "is not ADDRESS");
	expect_error(BASE "dns = {\n nameserver = ( \"127.0.0.1\" ); };\n", 9, "did you mean \"nameservers\"");
	expect_error(BASE "dns = { min_ttl = 60;\n max_ttl = 30; };\n", 9, "max_ttl");
}
END_TEST

START_TEST(tls_inside_refused)
{
	expect_error("listen = ( { side = \"inside\"; transport = \"tls\"; address = \"127.0.0.1\"; port = 5061; } );\n",
	    1, "only for the outside");
}
END_TEST

START_TEST(bad_um_uri)
{
	expect_error("listen = ( { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\";\n uri = \"http://x\"; } );\n", 3, "uri");
	expect_error("listen = ( { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\";\n uri = \"sip:um..example.test\"; } );\n", 3, "nor a DNS name");
}
END_TEST

START_TEST(out_of_range)
{
	expect_error(BASE "tls = {\n handshake_timeout = 0; };\n", 9, "out of range");
	expect_error(BASE "tls = {\n min_version = \"1.0\"; };\n", 9, "min_version");
}
END_TEST

START_TEST(duplicate_names)
{
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" ); },\n"
	    " { name = \"d\"; um_servers = ( \"um1\" ); } );\n", 9, "used twice");
}
END_TEST

START_TEST(media_group)
{
	char err[1024] = "";
	struct conf *c = load(BASE
	    "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\";\n"
	    "          port_min = 30000; port_max = 30099; timeout = 30; hold_timeout = 600;\n"
	    "          srtp_suites = ( \"AES_CM_128_HMAC_SHA1_80\", \"AEAD_AES_256_GCM\" ); };\n",
	    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(c->media.enabled);
	ck_assert_int_eq(c->media.port_max, 30099);
	ck_assert_int_eq(c->media.timeout, 30);
	ck_assert_int_eq(c->media.n_suites, 2);
	ck_assert_int_eq(c->media.suites[0], SDES_AES_CM_128_HMAC_SHA1_80);
	ck_assert_int_eq(c->media.suites[1], SDES_AEAD_AES_256_GCM);
	ck_assert_int_eq(c->media.io, MEDIA_IO_AUTO);
	conf_free(c);

	c = load(BASE "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\";"
	    " io = \"epoll\"; };\n", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->media.io, MEDIA_IO_EPOLL);
	conf_free(c);

	/* Without the group: defaults, every suite strongest first. */
	c = load(BASE, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(!c->media.enabled);
	ck_assert_int_eq(c->media.n_suites, 6);
	ck_assert_int_eq(c->media.suites[0], SDES_AEAD_AES_256_GCM);
	ck_assert_int_eq(c->media.port_min, 30000);
	conf_free(c);
}
END_TEST

START_TEST(media_errors)
{
	expect_error(BASE "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\";\n"
	    "  srtp_suites = ( \"AES_CM_128_HMAC_SHA1_80\",\n \"NULL_CIPHER\" ); };\n", 10, "\"NULL_CIPHER\" is not one of");
	expect_error(BASE "media = { outside_address = \"203.0.113.5\";\n inside_address = \"inside\"; };\n",
	    9, "inside_address");
	expect_error(BASE "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\";\n"
	    "  port_min = 30000;\n port_max = 30001; };\n", 10, "fewer than two");
	expect_error(BASE "media = {\n inside_address = \"10.0.0.5\"; };\n", 8, "missing \"outside_address\"");
	expect_error(BASE "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\";\n"
	    "  io = \"io_uring\"; };\n", 9, "io: \"io_uring\" is not one of auto, uring, epoll");
}
END_TEST

/* Issue 12: a misspelled key used to be ignored, and its default used. */
START_TEST(unknown_root_key)
{
	expect_error(BASE "\nstart_secure = 1;\n", 9,
	    "unknown setting \"start_secure\" (did you mean \"start_secured\"?)");
	/* Nothing close: no suggestion. */
	char err[1024] = "";
	ck_assert_ptr_null(load(BASE "frobnicate = 1;\n", err, sizeof(err)));
	ck_assert_msg(strstr(err, ":8: unknown setting \"frobnicate\"") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "did you mean") == NULL, "%s", err);
}
END_TEST

/* Without addresses, gw1's certificate would be admitted from anywhere. */
START_TEST(unknown_gateway_key)
{
	expect_error(BASE "dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\" ); } );\n"
	    "gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\";\n"
	    "  adresses = ( \"198.51.100.7\" ); dialplan = \"main\"; } );\n", 10,
	    "unknown setting \"adresses\" in gateway \"gw1\" (did you mean \"addresses\"?)");
	/* Keys are case-sensitive; the suggestion is not. */
	expect_error(BASE "gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\";\n"
	    "  Addresses = ( \"198.51.100.7\" ); } );\n", 9,
	    "unknown setting \"Addresses\" in gateway \"gw1\" (did you mean \"addresses\"?)");
}
END_TEST

START_TEST(unknown_entry_key)
{
	expect_error("listen = ( { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n"
	    "  { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.2\";\n prot = 5060; } );\n", 3,
	    "unknown setting \"prot\" in listener 2 (did you mean \"port\"?)");
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" );\n securty = \"secured\"; } );\n",
	    9, "unknown setting \"securty\" in dial plan \"d\" (did you mean \"security\"?)");
	/* A misspelled name is named as such, not reported as missing. */
	expect_error(BASE "gateways = ( { nmae = \"gw1\"; fqdn = \"gw1.example.test\"; } );\n",
	    8, "unknown setting \"nmae\" in gateway 1 (did you mean \"name\"?)");
	expect_error("listen = ( { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\";\n url = \"sip:10.0.0.20\"; } );\n", 3,
	    "unknown setting \"url\" in UM server \"um1\" (did you mean \"uri\"?)");
	expect_error(BASE "tls = {\n  handshake_timout = 5; };\n", 9,
	    "unknown setting \"handshake_timout\" in tls (did you mean \"handshake_timeout\"?)");
	expect_error(BASE "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\";\n"
	    "  srtp_suite = ( \"AEAD_AES_256_GCM\" ); };\n", 9,
	    "unknown setting \"srtp_suite\" in media (did you mean \"srtp_suites\"?)");
}
END_TEST

START_TEST(unknown_hub_key)
{
	expect_error(BASE "hub_transport = { listen = \"127.0.0.2:25\"; clients = ( \"10.0.0.20\" );\n"
	    "  upstream = \"192.0.2.25\"; upstream_name = \"hub.example.test\";\n  tiemout = 60; };\n", 10,
	    "hub_transport: unknown setting \"tiemout\" (did you mean \"timeout\"?)");
}
END_TEST

START_TEST(group_not_a_group)
{
	expect_error(BASE "\ntls = 5;\n", 9, "tls: expected a group { ... }");
	expect_error(BASE "control = \"/run/umsbcd.sock\";\n", 8, "control: expected a group");
	expect_error(BASE "media = ( 1 );\n", 8, "media: expected a group");
	expect_error(BASE "hub_transport = 1;\n", 8, "hub_transport: expected a group");
	expect_error(BASE "gateways = ( \"gw1\" );\n", 8, "gateway 1: expected a group");
}
END_TEST

/* Keys that another change reads (the connection budget) load already. */
START_TEST(every_known_key_loads)
{
	char err[1024] = "";
	struct conf *c = load(BASE
	    "tls = { cert_store = \"/c\"; trust_store = \"/t\"; min_version = \"1.3\"; handshake_timeout = 5;\n"
	    "  max_connections = 10; max_unauthenticated = 5; max_unauthenticated_per_address = 2; };\n"
	    "sip = { max_forwards = 70; failover_timeout = 4; max_message_size = 65535;\n"
	    "  idle_timeout = 60; message_timeout = 10; };\n"
	    "control = { socket = \"\"; };\n"
	    "log = { level = \"debug\"; };\n"
	    "start_secured = 0;\n"
	    "media = { outside_address = \"203.0.113.5\"; inside_address = \"10.0.0.5\"; port_min = 30000;\n"
	    "  port_max = 30099; timeout = 30; hold_timeout = 600; workers = 1;\n"
	    "  srtp_suites = ( \"AEAD_AES_256_GCM\" ); };\n"
	    "hub_transport = { listen = \"10.0.0.5:25\"; clients = ( \"10.0.0.20\" ); upstream = \"192.0.2.25\";\n"
	    "  upstream_name = \"hub.example.test\"; helo_name = \"sbc.example.test\"; timeout = 300;\n"
	    "  data_timeout = 600; max_sessions = 10; max_errors = 5; };\n"
	    "dialplans = ( { name = \"d\"; security = \"unsecured\"; um_servers = ( \"um1\" );\n"
	    "  max_calls = 9; max_cps = 9;\n"
	    "  outbound = { allow = ( \"^1\" ); deny = ( \"^2\" ); number_from = \"to\"; max_calls = 8; max_cps = 8; };\n"
	    "  inbound = { allow = ( \"^3\" ); deny = ( \"^4\" ); number_from = \"request-uri\"; max_calls = 7; max_cps = 7; }; } );\n"
	    "gateways = ( { name = \"g\"; fqdn = \"g.test\"; addresses = ( \"1.2.3.4\" ); port = 5060; dialplan = \"d\";\n"
	    "  max_calls = 6; max_cps = 6; } );\n"
	    "dns = { nameservers = ( \"127.0.0.53\" ); resolv_conf = \"/r\"; min_ttl = 5; max_ttl = 60; retry = 5;\n"
	    "  timeout = 2; };\n",
	    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	conf_free(c);
	/* The node's and UM servers' limit keys (BASE has no room for them). */
	c = load("node = { fqdn = \"x\"; workers = 1; max_calls = 5; max_cps = 5; };\n"
	    "listen = ( { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n"
	    "um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.20\"; probe_interval = 0; probe_failures = 1;\n"
	    "  max_calls = 4; max_cps = 4; } );\n", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	conf_free(c);
}
END_TEST

START_TEST(missing_file)
{
	char err[512];
	ck_assert_ptr_null(conf_load("/nonexistent/umsbc.conf", err, sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent/umsbc.conf:0: cannot read") != NULL, "%s", err);
}
END_TEST

Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, full_config_loads);
	tcase_add_test(tc, syntax_error_names_line);
	tcase_add_test(tc, unknown_security);
	tcase_add_test(tc, unknown_dialplan);
	tcase_add_test(tc, unknown_um_server);
	tcase_add_test(tc, bad_address);
	tcase_add_test(tc, peers_by_name);
	tcase_add_test(tc, bad_names);
	tcase_add_test(tc, names_and_resolved_addresses);
	tcase_add_test(tc, tls_inside_refused);
	tcase_add_test(tc, bad_um_uri);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, duplicate_names);
	tcase_add_test(tc, media_group);
	tcase_add_test(tc, media_errors);
	tcase_add_test(tc, unknown_root_key);
	tcase_add_test(tc, unknown_gateway_key);
	tcase_add_test(tc, unknown_entry_key);
	tcase_add_test(tc, unknown_hub_key);
	tcase_add_test(tc, group_not_a_group);
	tcase_add_test(tc, every_known_key_loads);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	return s;
}
