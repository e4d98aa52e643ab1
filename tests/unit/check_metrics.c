/* The metrics endpoint's pieces that need no socket: the metrics group,
 * label escaping, the fixed label sets, the rendered exposition. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "conf.h"
#include "metrics.h"
#include "refusal.h"
#include "tls.h"
#include "suites.h"

#define BASE \
	"listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; } );\n" \
	"um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.20\"; probe_interval = 0; } );\n" \
	"dialplans = ( { name = \"d\"; security = \"unsecured\"; um_servers = ( \"um1\" ); } );\n" \
	"gateways = ( { name = \"g\\\"w\"; fqdn = \"g.test\"; addresses = ( \"1.2.3.4\" ); dialplan = \"d\"; } );\n"

START_TEST(group_parsed)
{
	char err[1024] = "";
	struct conf *c = load(BASE, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->metrics.enabled, 0);	/* off by default */
	conf_free(c);
	c = load(BASE "metrics = { listen = \"[::1]:9561\"; };\n", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->metrics.enabled, 1);
	ck_assert_str_eq(c->metrics.host, "::1");
	ck_assert_int_eq(c->metrics.port, 9561);
	conf_free(c);
}
END_TEST

START_TEST(bad_listen)
{
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:", ":9561", "127.0.0.1:0", "127.0.0.1:65536", "[::1:9561",
		"::1:9561", "host.example:9561", "127.0.0.1:95x", NULL
	};
	char text[2048], err[1024];

	for (int i = 0; bad[i]; i++) {
		snprintf(text, sizeof(text), BASE "metrics = {\n listen = \"%s\"; };\n", bad[i]);
		err[0] = '\0';
		struct conf *c = load(text, err, sizeof(err));
		ck_assert_msg(c == NULL, "metrics.listen \"%s\" was accepted", bad[i]);
		ck_assert_msg(strstr(err, ":6: metrics.listen") != NULL, "\"%s\": %s", bad[i], err);
	}
}
END_TEST

START_TEST(escape)
{
	char out[64];

	ck_assert_str_eq(metrics_escape("plain", out, sizeof(out)), "plain");
	ck_assert_str_eq(metrics_escape("a\"b\\c\nd", out, sizeof(out)), "a\\\"b\\\\c\\nd");
	ck_assert_str_eq(metrics_escape("\\\\\\\\", out, 6), "\\\\\\\\");	/* cut whole */
}
END_TEST

START_TEST(fixed_labels)
{
	ck_assert_int_eq(tls_failure_kind("handshake timeout"), TLS_FAIL_TIMEOUT);
	ck_assert_int_eq(tls_failure_kind("closed by peer during the handshake"), TLS_FAIL_CLOSED);
	ck_assert_int_eq(tls_failure_kind("peer did not return a certificate"), TLS_FAIL_NO_CERTIFICATE);
	ck_assert_int_eq(tls_failure_kind("certificate verification: unable to get local issuer "
	    "certificate"), TLS_FAIL_CERTIFICATE);
	ck_assert_int_eq(tls_failure_kind("unsupported protocol"), TLS_FAIL_PROTOCOL);
	ck_assert_int_eq(tls_failure_kind("no shared cipher"), TLS_FAIL_PROTOCOL);
	ck_assert_int_eq(tls_failure_kind("something new"), TLS_FAIL_OTHER);
	for (int r = 0; r < REFUSAL_COUNT; r++)
		for (int q = r + 1; q < REFUSAL_COUNT; q++)
			ck_assert_str_ne(refusal_name(r), refusal_name(q));
}
END_TEST

/* Every configured gateway has its calls series, its name escaped. */
START_TEST(render)
{
	char err[1024] = "";
	struct conf *c = load(BASE, err, sizeof(err));
	struct evbuffer *b = evbuffer_new();

	ck_assert_msg(c != NULL, "%s", err);
	metrics_render(b, c, NULL, 0);
	evbuffer_add(b, "", 1);
	const char *text = (const char *)evbuffer_pullup(b, -1);
	ck_assert_msg(strstr(text, "umsbc_calls_total{gateway=\"g\\\"w\",dialplan=\"d\",mode=\"unsecured\"} 0\n"),
	    "%s", text);
	ck_assert_msg(strstr(text, "# TYPE umsbc_refusals_total counter\n"), "%s", text);
	ck_assert_msg(strstr(text, "umsbc_um_server_up{um_server=\"um1\"} 1\n"), "%s", text);
	evbuffer_free(b);
	conf_free(c);
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, group_parsed);
	tcase_add_test(tc, bad_listen);
	tcase_add_test(tc, escape);
	tcase_add_test(tc, fixed_labels);
	tcase_add_test(tc, render);
	suite_add_tcase(s, tc);
	return s;
}
