/* SMTP replies, EHLO capabilities, commands, the end-of-data scanner and the
 * hub_transport config group. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_suites.h"
#include "hub/conf.h"
#include "hub/data_stream.h"
#include "hub/hub.h"
#include "hub/smtp_syntax.h"

static int
feed(struct hub_smtp_reply *r, const char *line)
{
	return hub_smtp_reply_feed(r, line, strlen(line));
}

START_TEST(reply_single)
{
	struct hub_smtp_reply r;
	hub_smtp_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "250 2.1.0 Ok"), 1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.esc, "2.1.0");
	ck_assert_str_eq(r.raw, "250 2.1.0 Ok\r\n");
	ck_assert_int_eq(feed(&r, "354"), 1);	/* a new reply after a complete one */
	ck_assert_int_eq(r.code, 354);
	ck_assert_str_eq(r.esc, "");
	ck_assert_str_eq(r.raw, "354\r\n");
}
END_TEST

START_TEST(reply_multiline)
{
	struct hub_smtp_reply r;
	hub_smtp_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "550-5.1.1 first"), 0);
	ck_assert_int_eq(feed(&r, "550-second"), 0);
	ck_assert_int_eq(feed(&r, "550 5.1.1 last"), 1);
	ck_assert_int_eq(r.nlines, 3);
	ck_assert_str_eq(r.esc, "5.1.1");
	ck_assert_str_eq(r.raw, "550-5.1.1 first\r\n550-second\r\n550 5.1.1 last\r\n");
	char sum[64];
	ck_assert_str_eq(hub_smtp_reply_summary(&r, sum, sizeof(sum)), "550-5.1.1 first");
}
END_TEST

START_TEST(reply_bad)
{
	struct hub_smtp_reply r;
	const char *bad[] = { "25", "abc", "650 x", "199 x", "2x0 x", "250x", "270 x", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hub_smtp_reply_reset(&r);
		ck_assert_msg(feed(&r, bad[i]) == -1, "accepted '%s'", bad[i]);
	}
	hub_smtp_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "250-a"), 0);
	ck_assert_int_eq(feed(&r, "251 b"), -1);	/* code changes mid-reply */
	/* class mismatch: not an enhanced code of this reply */
	hub_smtp_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "250 5.0.0 odd"), 1);
	ck_assert_str_eq(r.esc, "");
	hub_smtp_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "451 4.4.22x"), 1);
	ck_assert_str_eq(r.esc, "");
	/* too many lines */
	hub_smtp_reply_reset(&r);
	int rc = 0;
	for (int i = 0; i < HUB_SMTP_REPLY_LINES + 1 && rc == 0; i++)
		rc = feed(&r, "250-x");
	ck_assert_int_eq(rc, -1);
	/* a line over the limit */
	char big[HUB_SMTP_LINE_MAX + 10];
	memset(big, 'a', sizeof(big));
	memcpy(big, "250 ", 4);
	hub_smtp_reply_reset(&r);
	ck_assert_int_eq(hub_smtp_reply_feed(&r, big, HUB_SMTP_LINE_MAX - 1), -1);
	ck_assert_int_eq(hub_smtp_reply_feed(&r, big, HUB_SMTP_LINE_MAX - 2), 1);
}
END_TEST

START_TEST(caps_parse)
{
	struct hub_smtp_reply r;
	struct hub_smtp_caps c;
	hub_smtp_reply_reset(&r);
	feed(&r, "250-hub.example.test STARTTLS SIZE");	/* first line: no keywords */
	feed(&r, "250-PIPELINING");
	feed(&r, "250-size 10240000");
	feed(&r, "250-VRFY");
	feed(&r, "250-ETRN");
	feed(&r, "250-starttls");
	feed(&r, "250-ENHANCEDSTATUSCODES");
	feed(&r, "250-8BITMIME");
	feed(&r, "250 DSN");
	ck_assert_int_eq(hub_smtp_caps_parse(&r, &c), 0);
	ck_assert(c.starttls && c.size && c.pipelining && c.eightbitmime && c.enhancedstatuscodes);
	ck_assert_uint_eq(c.size_max, 10240000);

	hub_smtp_reply_reset(&r);
	feed(&r, "250-hub STARTTLS");
	feed(&r, "250 SIZE");
	ck_assert_int_eq(hub_smtp_caps_parse(&r, &c), 0);
	ck_assert(!c.starttls && c.size && !c.pipelining && c.size_max == 0);

	hub_smtp_reply_reset(&r);
	feed(&r, "250 hub");
	ck_assert_int_eq(hub_smtp_caps_parse(&r, &c), 0);
	ck_assert(!c.starttls && !c.size);

	hub_smtp_reply_reset(&r);
	feed(&r, "502 no");
	ck_assert_int_eq(hub_smtp_caps_parse(&r, &c), -1);
}
END_TEST

static enum hub_smtp_parse
parse(const char *l, const struct hub_smtp_caps *caps, struct hub_smtp_cmd *c)
{
	return hub_smtp_cmd_parse(l, strlen(l), caps, c);
}

START_TEST(cmd_parse)
{
	struct hub_smtp_caps all = { 1, 1, 1000, 1, 1, 1 }, none = { 0 };
	struct hub_smtp_cmd c;
	char buf[1100];

	ck_assert_int_eq(parse("ehlo um1.example.test", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(c.verb, HUB_SMTP_EHLO);
	ck_assert_str_eq(c.arg, "um1.example.test");
	ck_assert_int_eq(parse("HELO [10.0.0.20]  ", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(parse("EHLO", &all, &c), HUB_SMTP_ESYNTAX);
	ck_assert_int_eq(parse("EHLO a b", &all, &c), HUB_SMTP_ESYNTAX);

	ck_assert_int_eq(parse("MAIL FROM:<um@um1.example.test> SIZE=4000 BODY=8BITMIME", &all, &c), HUB_SMTP_OK);
	ck_assert_str_eq(c.path, "<um@um1.example.test>");
	ck_assert(c.has_size && c.size == 4000 && c.body == 8);
	hub_smtp_cmd_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "MAIL FROM:<um@um1.example.test> SIZE=4000 BODY=8BITMIME\r\n");
	ck_assert_int_eq(parse("mail from: <>", &none, &c), HUB_SMTP_OK);
	hub_smtp_cmd_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "MAIL FROM:<>\r\n");
	/* parameters the Hub did not offer, or nobody knows */
	ck_assert_int_eq(parse("MAIL FROM:<a@b> SIZE=10", &none, &c), HUB_SMTP_EPARAM);
	ck_assert_int_eq(parse("MAIL FROM:<a@b> BODY=8BITMIME", &none, &c), HUB_SMTP_EPARAM);
	ck_assert_int_eq(parse("MAIL FROM:<a@b> SMTPUTF8", &all, &c), HUB_SMTP_EPARAM);
	ck_assert_int_eq(parse("MAIL FROM:<a@b> BODY=BINARYMIME", &all, &c), HUB_SMTP_EPARAM);
	ck_assert_int_eq(parse("MAIL FROM:<a@b> SIZE=1x", &all, &c), HUB_SMTP_ESYNTAX);
	ck_assert_int_eq(parse("MAIL FROM:<a@b> SIZE=1 SIZE=2", &all, &c), HUB_SMTP_ESYNTAX);
	ck_assert_int_eq(parse("RCPT TO:<x@y> NOTIFY=NEVER", &all, &c), HUB_SMTP_EPARAM);
	/* bad paths */
	const char *bad[] = {
		"MAIL FROM:a@b", "MAIL FROM:<a@b", "MAIL <a@b>", "MAIL FROM:<a b@c>",
		"RCPT TO:<>", "RCPT TO:<nodomain>", "RCPT FROM:<a@b>", "MAILFROM:<a@b>",
		"MAIL FROM:<a@b>x", "RCPT TO:<a<b@c>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &all, &c) != HUB_SMTP_OK, "accepted '%s'", bad[i]);
	ck_assert_int_eq(parse("RCPT TO:<Postmaster>", &all, &c), HUB_SMTP_OK);
	char longpath[400] = "MAIL FROM:<";
	memset(longpath + 11, 'a', 300);
	strcpy(longpath + 311, "@b>");
	ck_assert_int_eq(parse(longpath, &all, &c), HUB_SMTP_ESYNTAX);
	/* verbs */
	ck_assert_int_eq(parse("DATA", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(parse("DATA x", &all, &c), HUB_SMTP_ESYNTAX);
	ck_assert_int_eq(parse("quit", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(c.verb, HUB_SMTP_QUIT);
	ck_assert_int_eq(parse("NOOP whatever", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(parse("VRFY", &all, &c), HUB_SMTP_ESYNTAX);
	ck_assert_int_eq(parse("STARTTLS", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(c.verb, HUB_SMTP_STARTTLS);
	ck_assert_int_eq(parse("ETRN x", &all, &c), HUB_SMTP_OK);
	ck_assert_int_eq(c.verb, HUB_SMTP_NOTIMPL);
	ck_assert_int_eq(parse("GET / HTTP/1.1", &all, &c), HUB_SMTP_EUNKNOWN);
	ck_assert_int_eq(parse("", &all, &c), HUB_SMTP_EUNKNOWN);
	ck_assert_int_eq(parse("MAIL1 FROM:<a@b>", &all, &c), HUB_SMTP_EUNKNOWN);
	ck_assert_int_eq(parse("\x16\x03\x01", &all, &c), HUB_SMTP_EUNKNOWN);
	ck_assert_int_eq(hub_smtp_cmd_parse("NOOP a\0b", 8, &all, &c), HUB_SMTP_ESYNTAX);
	ck_assert_int_eq(parse("MAIL FROM:<\xc3\xa9@b>", &all, &c), HUB_SMTP_ESYNTAX);
}
END_TEST

/* Scans text in pieces of len (every split), returns the octets it says
 * belong to the message up to and including the end line, -1 if none. */
static long
scan_split(const char *text, size_t n, size_t piece, enum hub_data_result *last)
{
	struct hub_data_scanner d;
	size_t off = 0, used;
	hub_data_init(&d, 0);
	while (off < n) {
		size_t k = n - off < piece ? n - off : piece;
		enum hub_data_result r = hub_data_scan(&d, (const unsigned char *)text + off, k, &used);
		off += used;
		if (r != HUB_DATA_MORE) {
			*last = r;
			return (long)off;
		}
	}
	*last = HUB_DATA_MORE;
	return -1;
}

START_TEST(data_end)
{
	const char *msg = "Subject: x\r\n\r\n..leading dot\r\n.\r\n"; /* stuffed */
	const char *text_then_cmd = "a\r\n.\r\nQUIT\r\n";
	enum hub_data_result r;
	for (size_t piece = 1; piece <= 40; piece++) {
		ck_assert_int_eq(scan_split(msg, strlen(msg), piece, &r), (long)strlen(msg));
		ck_assert_int_eq(r, HUB_DATA_END);
		ck_assert_int_eq(scan_split(text_then_cmd, strlen(text_then_cmd), piece, &r), 6);
	}
	/* an empty message, and lines that only look like the end */
	ck_assert_int_eq(scan_split(".\r\n", 3, 1, &r), 3);
	const char *notend[] = { "x.\r\n", "..\r\n", ". \r\n", ".\rx\r\n", "a\r\n.x\r\n" };
	for (size_t i = 0; i < sizeof(notend) / sizeof(notend[0]); i++)
		ck_assert_int_eq(scan_split(notend[i], strlen(notend[i]), 2, &r), -1);
}
END_TEST

START_TEST(data_rules)
{
	enum hub_data_result r;
	/* a bare LF is never passed: the octets before it are */
	ck_assert_int_eq(scan_split("ab\n.\n", 5, 3, &r), 2);
	ck_assert_int_eq(r, HUB_DATA_BARE_LF);
	ck_assert_int_eq(scan_split("ab\r\n.\n", 6, 1, &r), 5);
	ck_assert_int_eq(r, HUB_DATA_BARE_LF);
	/* 998 octets + CRLF is fine, 999 is not */
	char line[1100];
	memset(line, 'x', sizeof(line));
	memcpy(line + 998, "\r\n.\r\n", 5);
	ck_assert_int_eq(scan_split(line, 1003, 7, &r), 1003);
	ck_assert_int_eq(r, HUB_DATA_END);
	memset(line, 'x', sizeof(line));
	memcpy(line + 999, "\r\n.\r\n", 5);
	ck_assert_int_eq(scan_split(line, 1004, 100, &r), 999);
	ck_assert_int_eq(r, HUB_DATA_LONG);
	/* discarding: long lines and bare LFs only go by, the end is still found */
	struct hub_data_scanner d;
	size_t used;
	hub_data_init(&d, 1);
	ck_assert_int_eq(hub_data_scan(&d, (const unsigned char *)line, 1004, &used), HUB_DATA_END);
	ck_assert_uint_eq(used, 1004);
	hub_data_init(&d, 1);
	ck_assert_int_eq(hub_data_scan(&d, (const unsigned char *)"a\n.\r\n", 5, &used), HUB_DATA_END);
}
END_TEST

/* ---- config ---- */

static int
load_text(const char *text, struct hub_conf *hc, char *err, size_t errlen)
{
	char path[] = "/tmp/check-hub-XXXXXX";
	int fd = mkstemp(path);
	ck_assert(fd >= 0);
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	config_t lc;
	config_init(&lc);
	ck_assert_msg(config_read_file(&lc, path), "libconfig: %s", config_error_text(&lc));
	int rc = hub_conf_load(&lc, hc, err, errlen);
	/* the copy outlives the config */
	config_destroy(&lc);
	unlink(path);
	return rc;
}

START_TEST(conf_ok)
{
	struct hub_conf hc;
	char err[512] = "", a[NETADDR_STRLEN];
	ck_assert_int_eq(load_text("node = { fqdn = \"sbc.example.test\"; };\n", &hc, err, sizeof(err)), 0);
	ck_assert_int_eq(hc.enabled, 0);
	ck_assert(!hub_conf_enabled(&hc));
	ck_assert_int_eq(hub_relay_fds(&hc), 0);	/* fdlimit: the relay is off */
	ck_assert_int_eq(hub_relay_fds(NULL), 0);
	ck_assert_int_eq(load_text(
	    "node = { fqdn = \"sbc.example.test\"; };\n"
	    "hub_transport = { listen = \"10.0.0.5:25\";\n"
	    "  clients = ( \"10.0.0.20\", \"::1\" );\n"
	    "  upstream = \"[2001:db8::25]:587\"; upstream_name = \"hub.example.com\";\n"
	    "  timeout = 120; };\n", &hc, err, sizeof(err)), 0);
	ck_assert_int_eq(hc.enabled, 1);
	ck_assert_str_eq(netaddr_str((struct sockaddr *)&hc.listen.ss, a, sizeof(a)), "10.0.0.5:25");
	ck_assert_str_eq(netaddr_str((struct sockaddr *)&hc.upstream.ss, a, sizeof(a)), "[2001:db8::25]:587");
	ck_assert_str_eq(hc.upstream_name, "hub.example.com");
	ck_assert_str_eq(hc.helo_name, "sbc.example.test");	/* node.fqdn */
	ck_assert_int_eq(hc.timeout, 120);
	ck_assert_int_eq(hc.data_timeout, 600);
	ck_assert_int_eq(hc.n_clients, 2);
	ck_assert(hub_conf_enabled(&hc));
	ck_assert_int_eq(hub_relay_fds(&hc), 2 * 100);	/* max_sessions' default */
	struct netaddr x;
	netaddr_parse("10.0.0.20", 40000, &x);
	ck_assert(hub_conf_client_allowed(&hc, (struct sockaddr *)&x.ss));
	netaddr_parse("10.0.0.21", 25, &x);
	ck_assert(!hub_conf_client_allowed(&hc, (struct sockaddr *)&x.ss));
	ck_assert_int_eq(load_text(
	    "hub_transport = { listen = \"127.0.0.1\"; clients = [ \"127.0.0.1\" ];\n"
	    "  upstream = \"127.0.0.1:2525\"; upstream_name = \"hub\"; helo_name = \"relay.example\"; };\n",
	    &hc, err, sizeof(err)), 0);
	ck_assert_int_eq(netaddr_port((struct sockaddr *)&hc.listen.ss), 25);
	ck_assert_str_eq(hc.helo_name, "relay.example");
}
END_TEST

START_TEST(conf_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "hub_transport = 1;", ":1: hub_transport: expected a group" },
		{ "hub_transport = { clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    "missing \"listen\"" },
		{ "hub_transport = {\n listen = \"hub.example:25\"; clients = (\"1.2.3.4\");\n"
		  " upstream = \"1.2.3.4\"; upstream_name = \"h\"; };", ":2: hub_transport: listen:" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\");\n"
		  "upstream = \"hub.example.com:25\"; upstream_name = \"h\"; };", ":2: hub_transport: upstream:" },
		{ "hub_transport = { listen = \"1.2.3.4:0\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    "listen:" },
		{ "hub_transport = { listen = \"1.2.3.4:99999\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    "listen:" },
		/* the port in decimal digits only (util/netaddr's strict parser) */
		{ "hub_transport = { listen = \"1.2.3.4:+25\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    "listen:" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\"); upstream = \"[::1]: 25\"; upstream_name = \"h\"; };",
		    "upstream:" },
		{ "hub_transport = { listen = \"1.2.3.4\"; upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    "missing \"clients\"" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (); upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    "clients: must not be empty" },
		{ "hub_transport = { listen = \"1.2.3.4\";\n clients = (\"1.2.3.4\",\n \"um2\"); upstream = \"1.2.3.4\"; upstream_name = \"h\"; };",
		    ":3: hub_transport: clients: \"um2\"" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h b\"; };",
		    "upstream_name:" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; };",
		    "missing \"upstream_name\"" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\";\n timeout = 1; };",
		    ":2: hub_transport: timeout: 1 is out of range" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\"; timeout = \"5\"; };",
		    "timeout: expected an integer" },
		{ "hub_transport = { listen = \"1.2.3.4\"; clients = (\"1.2.3.4\"); upstream = \"1.2.3.4\"; upstream_name = \"h\";\n\n tls = 1; };",
		    ":3: hub_transport: unknown setting \"tls\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hub_conf hc;
		char err[512] = "";
		ck_assert_msg(load_text(cases[i].text, &hc, err, sizeof(err)) == -1, "case %zu loaded", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err,
		    cases[i].want);
		ck_assert_msg(strncmp(err, "/tmp/check-hub-", 15) == 0, "case %zu: no file in '%s'", i, err);
	}
}
END_TEST

/* What proxy/conf.c sees: hub_conf_new, opaque. */
START_TEST(conf_new)
{
	config_t lc;
	char err[512] = "";
	config_init(&lc);
	ck_assert(config_read_string(&lc, "hub_transport = { listen = \"127.0.0.1\"; "
	    "clients = ( \"127.0.0.1\" ); upstream = \"127.0.0.1:2525\"; upstream_name = \"hub\"; };"));
	struct hub_conf *c = hub_conf_new(&lc, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(hub_conf_enabled(c));
	hub_conf_free(c);
	config_destroy(&lc);

	config_init(&lc);
	ck_assert(config_read_string(&lc, "hub_transport = { listen = \"127.0.0.1\"; };"));
	ck_assert(hub_conf_new(&lc, err, sizeof(err)) == NULL);
	ck_assert_msg(strstr(err, "hub_transport: missing \"upstream\"") != NULL, "%s", err);
	config_destroy(&lc);

	config_init(&lc);
	ck_assert(config_read_string(&lc, "node = { fqdn = \"sbc\"; };"));
	ck_assert((c = hub_conf_new(&lc, err, sizeof(err))) != NULL);
	ck_assert(!hub_conf_enabled(c));	/* no group: off */
	hub_conf_free(c);
	config_destroy(&lc);
	ck_assert(!hub_conf_enabled(NULL));
}
END_TEST

Suite *
hub_proto_suite(void)
{
	Suite *s = suite_create("hub_proto");
	TCase *t = tcase_create("smtp");
	tcase_add_test(t, reply_single);
	tcase_add_test(t, reply_multiline);
	tcase_add_test(t, reply_bad);
	tcase_add_test(t, caps_parse);
	tcase_add_test(t, cmd_parse);
	tcase_add_test(t, data_end);
	tcase_add_test(t, data_rules);
	tcase_add_test(t, conf_ok);
	tcase_add_test(t, conf_errors);
	tcase_add_test(t, conf_new);
	suite_add_tcase(s, t);
	return s;
}
