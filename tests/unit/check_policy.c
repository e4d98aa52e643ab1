/* Call policy: number normalisation and rule matching (numrule.c), the
 * policy keys of the config (policy_conf.c), the admission limits and their
 * buckets (admission_limits.c), the calls they count (dialogs.c) and loop
 * detection (loop.c, txn.c's branches). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include "admission_limits.h"
#include "conf.h"
#include "dialogs.h"
#include "loop.h"
#include "numrule.h"
#include "sipmsg.h"
#include "suites.h"
#include "txn.h"

/* ---- numbers ---- */

static void
expect_number(const char *uri, const char *want)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	url_t *u = url_make(home, uri);

	ck_assert_msg(u != NULL, "%s does not parse", uri);
	char *n = numrule_number(u);
	ck_assert_msg(n && strcmp(n, want) == 0, "%s: number \"%s\", expected \"%s\"", uri,
	    n ? n : "(null)", want);
	free(n);
	su_home_deinit(home);
}

START_TEST(normalise_separators)
{
	expect_number("tel:+1-425-555-0100", "+14255550100");
	expect_number("sip:+1.425.555.0100@gw1.example.test;user=phone", "+14255550100");
	expect_number("sip:(425)555-0100@gw", "4255550100");
	expect_number("sip:%2B44%2020%207946%200000@gw", "+442079460000");	/* escaped '+', spaces */
	expect_number("sips:*123#@gw", "*123#");
	expect_number("sip:2345@10.0.0.1:5060;transport=tcp", "2345");
}
END_TEST

START_TEST(normalise_phone_context)
{
	/* A local number in a global context is that global number. */
	expect_number("sip:555-0100;phone-context=+1-425@gw;user=phone", "+14255550100");
	expect_number("tel:5550100;phone-context=+1425", "+14255550100");
	/* A domain context leaves it local; a global number ignores the context. */
	expect_number("tel:5550100;phone-context=example.com", "5550100");
	expect_number("tel:+442079460000;phone-context=+1", "+442079460000");
}
END_TEST

START_TEST(normalise_no_number)
{
	expect_number("sip:gw1.example.test", "");
	expect_number("sip:alice@example.test", "alice");
	expect_number("sip:al-ice@example.test", "al-ice");	/* no number: as it is */
	expect_number("sip:+@gw", "+");
	char *none = numrule_number(NULL);
	ck_assert_str_eq(none, "");
	free(none);
}
END_TEST

/* The issue's example: in-country E.164 and extensions allowed; premium
 * and international denied. */
static const char *const allow[] = { "^\\+1425[0-9]{7}$", "^[2-9][0-9]{3}$" };
static const char *const deny[] = { "^\\+1(900|976)", "^\\+(?!1)" };

static void
rules(struct numrules *rs, int with_allow)
{
	char err[200];

	memset(rs, 0, sizeof(*rs));
	rs->allow = calloc(2, sizeof(*rs->allow));
	rs->deny = calloc(2, sizeof(*rs->deny));
	for (int i = 0; with_allow && i < 2; i++, rs->n_allow++)
		ck_assert_int_eq(numrule_compile(&rs->allow[i], allow[i], 10 + i, err, sizeof(err)), 0);
	for (int i = 0; i < 2; i++, rs->n_deny++)
		ck_assert_int_eq(numrule_compile(&rs->deny[i], deny[i], 20 + i, err, sizeof(err)), 0);
}

static enum numrule_verdict
verdict(const struct numrules *rs, const char *number, int *deny_line)
{
	const struct numrule *r;
	enum numrule_verdict v = numrules_check(rs, number, &r);

	*deny_line = r ? r->line : 0;
	return v;
}

START_TEST(rules_deny_wins)
{
	struct numrules rs;
	int line;

	rules(&rs, 1);
	ck_assert_int_eq(verdict(&rs, "+14255550100", &line), NUMRULE_PASS);
	ck_assert_int_eq(verdict(&rs, "2345", &line), NUMRULE_PASS);
	ck_assert_int_eq(verdict(&rs, "+442079460000", &line), NUMRULE_DENIED);
	ck_assert_int_eq(line, 21);
	ck_assert_int_eq(verdict(&rs, "+19005550100", &line), NUMRULE_DENIED);
	ck_assert_int_eq(line, 20);
	/* allowed by no rule: in-country but another area, a short code, nothing */
	ck_assert_int_eq(verdict(&rs, "+12065550100", &line), NUMRULE_NOT_ALLOWED);
	ck_assert_int_eq(verdict(&rs, "1234", &line), NUMRULE_NOT_ALLOWED);
	ck_assert_int_eq(verdict(&rs, "", &line), NUMRULE_NOT_ALLOWED);
	numrules_free(&rs);
}
END_TEST

START_TEST(rules_deny_only)
{
	struct numrules rs;
	int line;

	rules(&rs, 0);
	ck_assert_int_eq(verdict(&rs, "+12065550100", &line), NUMRULE_PASS);
	ck_assert_int_eq(verdict(&rs, "alice", &line), NUMRULE_PASS);
	ck_assert_int_eq(verdict(&rs, "+33142685300", &line), NUMRULE_DENIED);
	numrules_free(&rs);

	struct numrules none = { 0 };
	ck_assert_int_eq(verdict(&none, "+33142685300", &line), NUMRULE_PASS);
}
END_TEST

START_TEST(rule_compile_error)
{
	struct numrule r;
	char err[200] = "";

	ck_assert_int_eq(numrule_compile(&r, "^\\+1(900", 3, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "missing closing parenthesis") && strstr(err, "offset 8"), "%s", err);
}
END_TEST

/* ---- the config ---- */

#define BASE \
	"listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n" \
	"           { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n" \
	"um_servers = ( { name = \"um1\"; uri = \"sip:10.0.0.20\"; max_calls = 30; max_cps = 3; } );\n"

#define ISSUE_DIALPLAN \
	"dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\" );\n" \
	"  max_calls = 40;\n" \
	"  outbound = {\n" \
	"    allow = ( \"^\\\\+1425[0-9]{7}$\", \"^[2-9][0-9]{3}$\" );\n" \
	"    deny  = ( \"^\\\\+1(900|976)\", \"^\\\\+(?!1)\" );\n" \
	"    number_from = \"to\";\n" \
	"    max_calls = 20; max_cps = 2;\n" \
	"  };\n" \
	"  inbound = { max_calls = 200; max_cps = 20; };\n" \
	"} );\n"

START_TEST(policy_keys_load)
{
	char err[1024] = "";
	struct conf *c = load("node = { max_calls = 500; max_cps = 50; };\n" BASE ISSUE_DIALPLAN
	    "gateways = ( { name = \"g\"; fqdn = \"g.test\"; dialplan = \"main\"; max_calls = 10; max_cps = 1; } );\n",
	    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->node_limit.max_calls, 500);
	ck_assert_int_eq(c->node_limit.max_cps, 50);
	ck_assert_int_eq(c->um[0].limit.max_calls, 30);
	ck_assert_int_eq(c->gateways[0].limit.max_cps, 1);
	const struct conf_dialplan *d = &c->dialplans[0];
	ck_assert_int_eq(d->limit.max_calls, 40);
	ck_assert_int_eq(d->limit.max_cps, 0);
	ck_assert_int_eq(d->dir[DIR_OUTBOUND].rules.n_allow, 2);
	ck_assert_int_eq(d->dir[DIR_OUTBOUND].rules.n_deny, 2);
	ck_assert_int_eq(d->dir[DIR_OUTBOUND].rules.deny[1].line, 9);
	ck_assert_str_eq(d->dir[DIR_OUTBOUND].rules.deny[1].pattern, "^\\+(?!1)");
	ck_assert_int_eq(d->dir[DIR_OUTBOUND].number_from, NUMBER_FROM_TO);
	ck_assert_int_eq(d->dir[DIR_OUTBOUND].limit.max_calls, 20);
	ck_assert_int_eq(d->dir[DIR_INBOUND].limit.max_cps, 20);
	ck_assert_int_eq(d->dir[DIR_INBOUND].rules.n_allow, 0);
	ck_assert_int_eq(d->dir[DIR_INBOUND].number_from, NUMBER_FROM_RURI);
	conf_free(c);
}
END_TEST

START_TEST(policy_key_errors)
{
	/* A pattern that does not compile: its line, PCRE2's reason. */
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" );\n"
	    "  outbound = { deny = ( \"^\\\\+1\",\n \"^(900\" ); }; } );\n", 6,
	    "dial plan \"d\" outbound: deny: pattern \"^(900\" does not compile: missing closing parenthesis");
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" );\n"
	    "  inbound = { alow = ( \"^1\" ); }; } );\n", 5, "(did you mean \"allow\"?)");
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" );\n"
	    "  outbound = { number_from = \"from\"; }; } );\n", 5, "number_from: \"from\"");
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" );\n"
	    "  outbound = { allow = \"^1\"; }; } );\n", 5, "expected a list");
	expect_error(BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" );\n"
	    "  outbound = ( 1 ); } );\n", 5, "expected a group");
	expect_error("node = {\n max_calls = 0; };\n" BASE, 2, "max_calls: 0 is out of range");
	expect_error(BASE "gateways = ( { name = \"g\"; fqdn = \"g.test\"; addresses = ( \"1.2.3.4\" );\n"
	    " max_cps = -1; } );\n", 5, "max_cps");
}
END_TEST

/* ---- the limits ---- */

#define LIMITS_CONF(gw_calls) \
	BASE "dialplans = ( { name = \"d\"; um_servers = ( \"um1\" ); outbound = { max_cps = 2; }; } );\n" \
	"gateways = ( { name = \"g\"; fqdn = \"g.test\"; addresses = ( \"1.2.3.4\" ); dialplan = \"d\";\n" \
	"  max_calls = " #gw_calls "; } );\n"

START_TEST(limit_max_calls)
{
	char err[1024] = "";
	struct conf *c = load(LIMITS_CONF(2), err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(alim_apply(c, 1000), 0);
	struct alim *g = alim_gateway(0);
	ck_assert_int_eq(alim_room(g, 1000), ALIM_OK);
	alim_take(g, 1000);
	alim_take(g, 1000);
	ck_assert_int_eq(alim_room(g, 1000), ALIM_FULL_CALLS);
	ck_assert_int_eq(alim_room(g, 99000), ALIM_FULL_CALLS);	/* time frees no call */
	alim_release(g);
	ck_assert_int_eq(alim_room(g, 1000), ALIM_OK);
	ck_assert_int_eq(alim_room(alim_node(), 1000), ALIM_OK);	/* none set */
	alim_clear();
	conf_free(c);
}
END_TEST

START_TEST(limit_max_cps_bucket)
{
	char err[1024] = "";
	struct conf *c = load(LIMITS_CONF(2), err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(alim_apply(c, 5000), 0);
	struct alim *out = alim_dialplan(0, DIR_OUTBOUND);
	/* max_cps = 2: two at once, then one every 500 ms. */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(alim_room(out, 5000), ALIM_OK);
		alim_take(out, 5000);
		alim_release(out);	/* calls end; the rate still holds */
	}
	ck_assert_int_eq(alim_room(out, 5000), ALIM_FULL_CPS);
	ck_assert_int_eq(alim_room(out, 5499), ALIM_FULL_CPS);
	ck_assert_int_eq(alim_room(out, 5500), ALIM_OK);
	alim_take(out, 5500);
	ck_assert_int_eq(alim_room(out, 5500), ALIM_FULL_CPS);
	/* A long pause refills to max_cps, no more. */
	ck_assert_int_eq(alim_room(out, 60000), ALIM_OK);
	alim_take(out, 60000);
	alim_take(out, 60000);
	ck_assert_int_eq(alim_room(out, 60000), ALIM_FULL_CPS);
	struct alim_view v;
	alim_view(out, 61000, &v);
	ck_assert_uint_eq(v.cps, 2);	/* admitted in the last whole second */
	alim_clear();
	conf_free(c);
}
END_TEST

START_TEST(limit_survives_reload)
{
	char err[1024] = "";
	struct conf *a = load(LIMITS_CONF(2), err, sizeof(err));
	struct conf *b = load(LIMITS_CONF(3), err, sizeof(err));
	struct conf *none = load(BASE, err, sizeof(err));

	ck_assert(a && b && none);
	ck_assert_int_eq(alim_apply(a, 0), 0);
	struct alim *g = alim_gateway(0);
	alim_take(g, 0);
	alim_take(g, 0);
	/* The same gateway in the new config: its calls still count. */
	ck_assert_int_eq(alim_apply(b, 0), 0);
	ck_assert_ptr_eq(alim_gateway(0), g);
	ck_assert_int_eq(alim_room(g, 0), ALIM_OK);
	alim_take(g, 0);
	ck_assert_int_eq(alim_room(g, 0), ALIM_FULL_CALLS);
	/* Removed: it lives on for its calls, and goes with the last one. */
	ck_assert_int_eq(alim_apply(none, 0), 0);
	ck_assert_ptr_null(alim_gateway(0));
	for (int i = 0; i < 3; i++)
		alim_release(g);	/* ASan: the last one frees it, once */
	alim_clear();
	conf_free(a);
	conf_free(b);
	conf_free(none);
}
END_TEST

/* ---- the calls the limits count ---- */

static msg_t *
mk(const char *first, const char *method, unsigned cseq, const char *to_tag)
{
	char buf[2048];
	size_t used;
	msg_t *m = NULL;
	int n = snprintf(buf, sizeof(buf),
	    "%s\r\nVia: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bK-%s%u\r\n"
	    "From: <sip:um@10.0.0.20>;tag=caller\r\nTo: <sip:+14255550100@g.test>%s%s\r\n"
	    "Call-ID: dlg-1\r\nCSeq: %u %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
	    first, method, cseq, to_tag ? ";tag=" : "", to_tag ? to_tag : "", cseq, method);
	ck_assert_int_eq(sipmsg_parse(buf, (size_t)n, 1, sizeof(buf), &m, &used), SIPMSG_OK);
	return m;
}

static unsigned
calls_of(struct alim *l)
{
	struct alim_view v;

	alim_view(l, 0, &v);
	return v.calls;
}

START_TEST(dialog_ends)
{
	char err[1024] = "";
	struct conf *c = load(LIMITS_CONF(2), err, sizeof(err));

	ck_assert(c);
	ck_assert_int_eq(alim_apply(c, 0), 0);
	struct alim *g = alim_gateway(0);
	struct dialog_ticket t = { { g, alim_node() }, 2 };
	msg_t *inv = mk("INVITE sip:+14255550100@g.test SIP/2.0", "INVITE", 1, NULL);
	msg_t *busy = mk("SIP/2.0 486 Busy Here", "INVITE", 1, "callee");
	msg_t *ok = mk("SIP/2.0 200 OK", "INVITE", 1, "callee");
	msg_t *reinv_fail = mk("SIP/2.0 491 Request Pending", "INVITE", 2, "callee");
	msg_t *bye = mk("BYE sip:um@10.0.0.20 SIP/2.0", "BYE", 3, "callee");

	/* A failed INVITE ends the call. */
	ck_assert_int_eq(dialogs_start(sip_object(inv), &t, 0), 0);
	ck_assert_int_eq(dialogs_start(sip_object(inv), &t, 0), 0);	/* counted once */
	ck_assert_uint_eq(calls_of(g), 1);
	ck_assert_uint_eq(dialogs_count_held(g), 1);	/* status's calls_active */
	ck_assert_uint_eq(dialogs_count_held(alim_um(0)), 0);
	ck_assert_uint_eq(dialogs_count_held(NULL), 0);
	ck_assert(dialogs_known("dlg-1"));
	dialogs_final(sip_object(busy), 486);
	ck_assert_uint_eq(calls_of(g), 0);
	ck_assert_uint_eq(dialogs_count_held(g), 0);
	ck_assert(!dialogs_known("dlg-1"));
	/* An answered one lasts through a failed re-INVITE, until the BYE. */
	ck_assert_int_eq(dialogs_start(sip_object(inv), &t, 0), 0);
	dialogs_final(sip_object(ok), 200);
	dialogs_final(sip_object(reinv_fail), 491);
	ck_assert_uint_eq(calls_of(g), 1);
	dialogs_request(sip_object(bye));
	ck_assert_uint_eq(calls_of(g), 0);
	ck_assert_uint_eq(dialogs_count(), 0);
	/* A gateway's call moves with failover from UM server to UM server. */
	struct dialog_ticket none = { { NULL }, 0 };
	ck_assert_int_eq(dialogs_start(sip_object(inv), &none, 0), 0);
	ck_assert_int_eq(dialogs_use_um("dlg-1", alim_um(0), 0), 0);
	ck_assert_uint_eq(calls_of(alim_um(0)), 1);
	ck_assert_uint_eq(dialogs_count_held(alim_um(0)), 1);	/* the UM server it went to */
	ck_assert_int_eq(dialogs_use_um("no-such-call", alim_um(0), 0), 0);
	dialogs_clear();
	ck_assert_uint_eq(calls_of(alim_um(0)), 0);
	msg_destroy(inv);
	msg_destroy(busy);
	msg_destroy(ok);
	msg_destroy(reinv_fail);
	msg_destroy(bye);
	alim_clear();
	conf_free(c);
}
END_TEST

/* ---- loops ---- */

START_TEST(loop_by_branch_hash)
{
	char err[1024] = "", text[2048];
	struct conf *c = load(BASE, err, sizeof(err));
	struct event_base *base = event_base_new();
	msg_t *m = mk("INVITE sip:+14255550100@g.test SIP/2.0", "INVITE", 1, NULL);
	msg_t *spiral = mk("INVITE sip:+14255550199@g.test SIP/2.0", "INVITE", 1, NULL);
	uint32_t h = loop_hash(sip_object(m)), had = 0;

	ck_assert(c && base);
	ck_assert_uint_ne(h, loop_hash(sip_object(spiral)));
	txn_init(base, NULL, 0);	/* no clock: nothing is sent */
	struct txn *t = txn_new(h);
	ck_assert(txn_branch_loop(t->branch, &had));
	ck_assert_uint_eq(had, h);
	ck_assert(!txn_branch_loop("z9hG4bK-abc", &had));
	ck_assert(!loop_detected(c, sip_object(m), h));
	/* The same request again, under our own Via (as the inside listener
	 * wrote it) and a gateway's: a loop. */
	snprintf(text, sizeof(text), "INVITE sip:+14255550100@g.test SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 1.2.3.4:5060;branch=z9hG4bK-gw1\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.2:5060;branch=%s\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bK-INVITE1\r\n"
	    "From: <sip:um@10.0.0.20>;tag=caller\r\nTo: <sip:+14255550100@g.test>\r\n"
	    "Call-ID: dlg-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 68\r\nContent-Length: 0\r\n\r\n",
	    t->branch);
	msg_t *back = NULL;
	size_t used;
	ck_assert_int_eq(sipmsg_parse(text, strlen(text), 1, sizeof(text), &back, &used), SIPMSG_OK);
	ck_assert_uint_eq(loop_hash(sip_object(back)), h);
	ck_assert(loop_detected(c, sip_object(back), h));
	/* The same Via on a request with another Request-URI: a spiral. */
	ck_assert(!loop_detected(c, sip_object(back), loop_hash(sip_object(spiral))));
	/* Our branch under a sent-by that is not ours: not our Via. */
	char *at = strstr(text, "127.0.0.2:5060");
	memcpy(at, "127.0.0.9", 9);
	msg_t *other = NULL;
	ck_assert_int_eq(sipmsg_parse(text, strlen(text), 1, sizeof(text), &other, &used), SIPMSG_OK);
	ck_assert(!loop_detected(c, sip_object(other), h));
	ck_assert_uint_eq(loop_count(), 1);
	txn_free(t);
	msg_destroy(m);
	msg_destroy(spiral);
	msg_destroy(back);
	msg_destroy(other);
	event_base_free(base);
	conf_free(c);
}
END_TEST

Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, normalise_separators);
	tcase_add_test(tc, normalise_phone_context);
	tcase_add_test(tc, normalise_no_number);
	tcase_add_test(tc, rules_deny_wins);
	tcase_add_test(tc, rules_deny_only);
	tcase_add_test(tc, rule_compile_error);
	tcase_add_test(tc, policy_keys_load);
	tcase_add_test(tc, policy_key_errors);
	tcase_add_test(tc, limit_max_calls);
	tcase_add_test(tc, limit_max_cps_bucket);
	tcase_add_test(tc, limit_survives_reload);
	tcase_add_test(tc, dialog_ends);
	tcase_add_test(tc, loop_by_branch_hash);
	suite_add_tcase(s, tc);
	return s;
}
