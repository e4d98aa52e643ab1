/* Calls: offer/answer across the legs through call_request/call_response,
 * with a real media relay on loopback ports. What each leg's SDP says. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sofia-sip/sip_header.h>

#include "call.h"
#include "conf.h"
#include "sipmsg.h"
#include "suites.h"

static const char conf_text[] =
	"node = { fqdn = \"sbc.example.test\"; };\n"
	"listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n"
	"           { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n"
	"um_servers = ( { name = \"um1\"; uri = \"sip:127.0.0.20\"; } );\n"
	"dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\" ); },\n"
	"              { name = \"tls\"; security = \"sip-secured\"; um_servers = ( \"um1\" ); } );\n"
	"gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\"; addresses = ( \"127.0.0.7\" ); dialplan = \"main\"; },\n"
	"             { name = \"gw3\"; fqdn = \"gw3.example.test\"; addresses = ( \"127.0.0.9\" ); dialplan = \"tls\"; } );\n"
	"control = { socket = \"\"; };\n"
	"media = { outside_address = \"127.0.0.1\"; inside_address = \"127.0.0.2\"; workers = 1;\n"
	"          port_min = %u; port_max = %u; };\n";

static struct event_base *base;
static struct conf *conf;
static int byes;

static void
count_bye(msg_t *req, const struct dest *d)
{
	(void)d;
	byes++;
	msg_destroy(req);
}

static void
setup(void)
{
	char text[sizeof(conf_text) + 32], err[512] = "";
	unsigned lo = 43000 + (unsigned)getpid() % 400 * 20;

	snprintf(text, sizeof(text), conf_text, lo, lo + 19);
	const char *path = write_temp(text);
	conf = conf_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(conf != NULL, "%s", err);
	base = event_base_new();
	ck_assert_int_eq(call_init(base, conf, count_bye, err, sizeof(err)), 0);
}

static void
teardown(void)
{
	call_shutdown();
	event_base_free(base);
	conf_free(conf);
}

static struct inbound
from(enum side side)
{
	struct inbound in;

	memset(&in, 0, sizeof(in));
	in.side = side;
	in.tp = TP_UDP;
	netaddr_parse(side == SIDE_OUTSIDE ? "127.0.0.7" : "127.0.0.20", 5060, &in.peer);
	in.adm.verdict = ADMIT_OK;
	in.adm.gateway = side == SIDE_OUTSIDE ? 0 : -1;
	return in;
}

/* A message with an SDP body (NULL: none); first = request or status line. */
static msg_t *
mk(const char *first, const char *method, unsigned cseq, const char *to_tag, const char *sdp)
{
	char buf[4096];
	size_t used;
	msg_t *m = NULL;
	int n = snprintf(buf, sizeof(buf),
	    "%s\r\nVia: SIP/2.0/UDP 127.0.0.7:5060;branch=z9hG4bK-%s%u\r\n"
	    "From: <sip:gw@127.0.0.7>;tag=caller\r\nTo: <sip:123@sbc.example.test>%s%s\r\n"
	    "Call-ID: call-1\r\nCSeq: %u %s\r\nContact: <sip:x@127.0.0.7:5060>\r\n"
	    "%sContent-Length: %zu\r\n\r\n%s", first, method, cseq,
	    to_tag ? ";tag=" : "", to_tag ? to_tag : "", cseq, method,
	    sdp ? "Content-Type: application/sdp\r\n" : "", sdp ? strlen(sdp) : 0, sdp ? sdp : "");
	ck_assert_int_eq(sipmsg_parse(buf, (size_t)n, 1, sizeof(buf), &m, &used), SIPMSG_OK);
	return m;
}

static char *
body(msg_t *m)
{
	size_t len;
	const char *b = sipmsg_sdp(sip_object(m), &len);

	ck_assert_ptr_nonnull(b);
	char *s = malloc(len + 1);
	memcpy(s, b, len);
	s[len] = '\0';
	msg_destroy(m);
	return s;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The value after "prefix" up to the end of its line. */
static char *
line_of(const char *sdp, const char *prefix)
{
	const char *p = strstr(sdp, prefix);

	ck_assert_msg(p != NULL, "no \"%s\" in\n%s", prefix, sdp);
	size_t n = strcspn(p, "\r\n");
	char *s = malloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

#define K30 "WVNfX19aWGsrK0tpZXJVaFpLNFk1eTNxdnN0b3ZR"
#define K30B "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"

static const char gw_offer[] =
	"v=0\r\no=gw 10 1 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\n"
	"m=audio 7000 RTP/SAVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" K30 "\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" K30 "\r\n"
	"m=image 7002 udptl t38\r\n"
	"m=video 0 RTP/SAVP 31\r\n";

static const char um_answer[] =
	"v=0\r\no=um 5 5 IN IP4 127.0.0.20\r\ns=-\r\nc=IN IP4 127.0.0.20\r\nt=0 0\r\n"
	"m=audio 6000 RTP/AVP 0 101\r\n"
	"m=image 6002 udptl t38\r\n"
	"m=video 0 RTP/AVP 31\r\n";

/* gw1's INVITE with gw_offer, forwarded. */
static void
gateway_invites(struct inbound *gw)
{
	const char *phrase = NULL;
	msg_t *m = mk("INVITE sip:123@sbc.example.test SIP/2.0", "INVITE", 1, NULL, gw_offer);

	ck_assert_int_eq(call_request(m, gw, 0, &phrase), 0);
	msg_destroy(m);
}

/* ... and the UM's 200 with um_answer: the SDP gw1 gets (caller frees). */
static char *
gateway_call_answered(struct inbound *gw, struct inbound *um)
{
	gateway_invites(gw);
	msg_t *m = mk("SIP/2.0 200 OK", "INVITE", 1, "callee", um_answer);
	call_response(m, um);
	return body(m);
}

/* A secured gateway's offer: the UM sees plain RTP and T.38 on our inside
 * address, the rejected line stays rejected; the gateway's answer has one
 * a=crypto (tag 2, the suite we prefer), our key, and T.38 plain. */
START_TEST(secured_gateway_offer)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	const char *phrase = NULL;
	msg_t *m = mk("INVITE sip:123@sbc.example.test SIP/2.0", "INVITE", 1, NULL, gw_offer);

	ck_assert_int_eq(call_request(m, &gw, 0, &phrase), 0);
	char *in = body(m);
	ck_assert_msg(strstr(in, "c=IN IP4 127.0.0.2\r\n") != NULL, "%s", in);
	ck_assert_msg(strstr(in, " RTP/AVP 0 101\r\n") != NULL, "%s", in);
	ck_assert_msg(strstr(in, "crypto") == NULL && strstr(in, K30) == NULL, "%s", in);
	ck_assert_msg(strstr(in, "m=image 0") == NULL && strstr(in, " udptl t38\r\n"), "%s", in);
	ck_assert_msg(strstr(in, "m=video 0 ") != NULL, "%s", in);
	ck_assert_msg(strstr(in, "7000") == NULL, "the gateway's port reached the UM:\n%s", in);

	m = mk("SIP/2.0 200 OK", "INVITE", 1, "callee", um_answer);
	call_response(m, &um);
	char *out = body(m);
	ck_assert_msg(strstr(out, "c=IN IP4 127.0.0.1\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, " RTP/SAVP 0 101\r\n") != NULL, "%s", out);
	ck_assert_int_eq(count(out, "a=crypto:"), 1);
	ck_assert_msg(strstr(out, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") != NULL, "%s", out);
	ck_assert_msg(strstr(out, K30) == NULL, "our answer reused the gateway's key:\n%s", out);
	ck_assert_msg(strstr(out, " udptl t38\r\n") && !strstr(out, "m=image 0"), "%s", out);
	ck_assert_msg(strstr(out, "m=video 0 ") != NULL, "%s", out);
	char *key1 = line_of(out, "a=crypto:");
	char *ver_in = line_of(in, "o=");

	/* Re-INVITE: the gateway re-keys and holds. The UM's o= moves (its
	 * view changed: sendonly); our key toward the gateway stays. */
	char reoffer[sizeof(gw_offer) + 32];
	snprintf(reoffer, sizeof(reoffer), "%s", gw_offer);
	memcpy(strstr(reoffer, "o=gw 10 1"), "o=gw 10 2", 9);
	char *k = strstr(reoffer, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:") + 42;
	memcpy(k, K30B, strlen(K30B));
	char *t = strstr(reoffer, "m=image");
	memmove(t + 12, t, strlen(t) + 1);
	memcpy(t, "a=sendonly\r\n", 12);
	m = mk("INVITE sip:x@127.0.0.2 SIP/2.0", "INVITE", 2, "callee", reoffer);
	ck_assert_int_eq(call_request(m, &gw, -1, &phrase), 0);
	char *in2 = body(m);
	ck_assert_msg(strstr(in2, "a=sendonly") != NULL, "%s", in2);
	ck_assert_msg(strstr(in2, K30B) == NULL && strstr(in2, "crypto") == NULL, "%s", in2);
	char *ver_in2 = line_of(in2, "o=");
	ck_assert_str_ne(ver_in, ver_in2);
	m = mk("SIP/2.0 200 OK", "INVITE", 2, "callee", um_answer);
	call_response(m, &um);
	char *out2 = body(m);
	char *key2 = line_of(out2, "a=crypto:");
	ck_assert_str_eq(key1, key2);

	/* The same re-INVITE's 2xx again (a retransmission): the same SDP. */
	m = mk("SIP/2.0 200 OK", "INVITE", 2, "callee", um_answer);
	call_response(m, &um);
	char *out3 = body(m);
	ck_assert_str_eq(out2, out3);

	struct call_stats st;
	call_stats(&st);
	ck_assert_uint_eq(st.active, 1);
	m = mk("BYE sip:x@127.0.0.2 SIP/2.0", "BYE", 3, "callee", NULL);
	ck_assert_int_eq(call_request(m, &gw, -1, &phrase), 0);
	msg_destroy(m);
	call_stats(&st);
	ck_assert_uint_eq(st.active, 0);
	ck_assert_uint_eq(st.total[SEC_SECURED], 1);
	free(in); free(out); free(key1); free(ver_in); free(in2); free(ver_in2);
	free(out2); free(key2); free(out3);
}
END_TEST

/* No acceptable a=crypto from a secured gateway: 488, and the call is gone. */
START_TEST(secured_gateway_plain_offer_refused)
{
	struct inbound gw = from(SIDE_OUTSIDE);
	const char *phrase = NULL;
	msg_t *m = mk("INVITE sip:123@sbc.example.test SIP/2.0", "INVITE", 1, NULL,
	    "v=0\r\no=gw 1 1 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/AVP 0\r\n");
	struct call_stats st;

	ck_assert_int_eq(call_request(m, &gw, 0, &phrase), 488);
	ck_assert_ptr_nonnull(phrase);
	msg_destroy(m);
	call_stats(&st);
	ck_assert_uint_eq(st.active, 0);
	ck_assert_uint_eq(st.refused_488, 1);
}
END_TEST

/* A UM's plain offer to a secured gateway: six lines, tags 1-6, in our
 * order; the gateway's answer with tag 4 reaches the UM without keys. */
START_TEST(um_offer_to_secured_gateway)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	const char *phrase = NULL;
	msg_t *m = mk("INVITE sip:123@gw1.example.test SIP/2.0", "INVITE", 1, NULL,
	    "v=0\r\no=um 1 1 IN IP4 127.0.0.20\r\ns=-\r\nc=IN IP4 127.0.0.20\r\nt=0 0\r\n"
	    "m=audio 6000 RTP/AVP 8\r\n");

	ck_assert_int_eq(call_request(m, &um, 0, &phrase), 0);
	char *out = body(m);
	static const char *const order[] = { "a=crypto:1 AEAD_AES_256_GCM ",
		"a=crypto:2 AEAD_AES_128_GCM ", "a=crypto:3 AES_256_CM_HMAC_SHA1_80 ",
		"a=crypto:4 AES_CM_128_HMAC_SHA1_80 ", "a=crypto:5 AES_256_CM_HMAC_SHA1_32 ",
		"a=crypto:6 AES_CM_128_HMAC_SHA1_32 " };
	const char *prev = out;
	for (int i = 0; i < 6; i++) {
		const char *p = strstr(out, order[i]);
		ck_assert_msg(p != NULL && p >= prev, "line %d out of order in\n%s", i + 1, out);
		prev = p;
	}
	ck_assert_msg(strstr(out, " RTP/SAVP 8\r\n") != NULL, "%s", out);
	m = mk("SIP/2.0 200 OK", "INVITE", 1, "gwtag",
	    "v=0\r\no=gw 1 1 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/SAVP 8\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" K30 "\r\n");
	call_response(m, &gw);
	char *in = body(m);
	ck_assert_msg(strstr(in, " RTP/AVP 8\r\n") && !strstr(in, "crypto") && !strstr(in, K30), "%s", in);
	ck_assert_msg(strstr(in, "c=IN IP4 127.0.0.2\r\n") != NULL, "%s", in);
	free(out);
	free(in);
}
END_TEST

/* UPDATE from the UM inside an established secured call: the gateway gets
 * a fresh offer with our six lines; its 200 (tag 4) reaches the UM plain. */
START_TEST(update_from_um_reoffers_keys)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	const char *phrase = NULL;
	char *first = gateway_call_answered(&gw, &um);
	msg_t *m = mk("UPDATE sip:x@127.0.0.7 SIP/2.0", "UPDATE", 7, "callee",
	    "v=0\r\no=um 5 6 IN IP4 127.0.0.20\r\ns=-\r\nc=IN IP4 127.0.0.20\r\nt=0 0\r\n"
	    "m=audio 6010 RTP/AVP 0 101\r\nm=image 6002 udptl t38\r\nm=video 0 RTP/AVP 31\r\n");
	ck_assert_int_eq(call_request(m, &um, -1, &phrase), 0);
	char *offer = body(m);
	ck_assert_int_eq(count(offer, "a=crypto:"), 6);
	ck_assert_msg(strstr(offer, " RTP/SAVP 0 101\r\n") != NULL, "%s", offer);
	char *o1 = line_of(first, "o="), *o2 = line_of(offer, "o=");
	ck_assert_str_ne(o1, o2);	/* the gateway's view changed: its version moves */
	m = mk("SIP/2.0 200 OK", "UPDATE", 7, "callee",
	    "v=0\r\no=gw 10 3 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/SAVP 0 101\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" K30B "\r\n"
	    "m=image 7002 udptl t38\r\nm=video 0 RTP/SAVP 31\r\n");
	call_response(m, &gw);
	char *ans = body(m);
	ck_assert_msg(strstr(ans, " RTP/AVP 0 101\r\n") && !strstr(ans, "crypto"), "%s", ans);
	ck_assert_msg(strstr(ans, "c=IN IP4 127.0.0.2\r\n") != NULL, "%s", ans);
	free(first); free(offer); free(o1); free(o2); free(ans);
}
END_TEST

/* A re-INVITE without SDP (a session refresh): the UM's 2xx repeats its
 * SDP, which is now an offer; the gateway gets our six lines and answers
 * in the ACK, which reaches the UM without keys. */
START_TEST(late_offer_reinvite)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	const char *phrase = NULL;
	free(gateway_call_answered(&gw, &um));
	msg_t *m = mk("INVITE sip:x@127.0.0.2 SIP/2.0", "INVITE", 2, "callee", NULL);
	ck_assert_int_eq(call_request(m, &gw, -1, &phrase), 0);
	msg_destroy(m);
	m = mk("SIP/2.0 200 OK", "INVITE", 2, "callee", um_answer);
	call_response(m, &um);
	char *offer = body(m);
	ck_assert_int_eq(count(offer, "a=crypto:"), 6);
	m = mk("ACK sip:x@127.0.0.2 SIP/2.0", "ACK", 2, "callee",
	    "v=0\r\no=gw 10 3 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/SAVP 0 101\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" K30B "\r\n"
	    "m=image 7002 udptl t38\r\nm=video 0 RTP/SAVP 31\r\n");
	ck_assert_int_eq(call_request(m, &gw, -1, &phrase), 0);
	char *ans = body(m);
	ck_assert_msg(strstr(ans, " RTP/AVP 0 101\r\n") && !strstr(ans, "crypto"), "%s", ans);
	free(offer);
	free(ans);
}
END_TEST

/* sip-secured: TLS signaling, plain RTP on both legs, relayed through us. */
START_TEST(sip_secured_is_plain)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	const char *phrase = NULL;
	struct call_stats st;

	gw.adm.gateway = 1;
	netaddr_parse("127.0.0.9", 5061, &gw.peer);
	msg_t *m = mk("INVITE sip:123@sbc.example.test SIP/2.0", "INVITE", 1, NULL,
	    "v=0\r\no=gw 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/AVP 8\r\n");
	ck_assert_int_eq(call_request(m, &gw, 1, &phrase), 0);
	char *in = body(m);
	ck_assert_msg(strstr(in, "c=IN IP4 127.0.0.2\r\n") && strstr(in, " RTP/AVP 8\r\n"), "%s", in);
	m = mk("SIP/2.0 200 OK", "INVITE", 1, "callee", "v=0\r\no=um 1 1 IN IP4 127.0.0.20\r\ns=-\r\n"
	    "c=IN IP4 127.0.0.20\r\nt=0 0\r\nm=audio 6000 RTP/AVP 8\r\n");
	call_response(m, &um);
	char *out = body(m);
	ck_assert_msg(strstr(out, "c=IN IP4 127.0.0.1\r\n") && strstr(out, " RTP/AVP 8\r\n") &&
	    !strstr(out, "crypto"), "%s", out);
	call_stats(&st);
	ck_assert_uint_eq(st.total[SEC_SIP_SECURED], 1);
	free(in);
	free(out);
}
END_TEST

/* A reliable 183 carries the answer (RFC 3262); the 200 repeats it and
 * gets the same rewrite: one a=crypto line, the same key. */
START_TEST(reliable_183_answer)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	const char *phrase = NULL;
	gateway_invites(&gw);
	msg_t *m = mk("SIP/2.0 183 Session Progress\r\nRSeq: 1\r\nRequire: 100rel", "INVITE", 1, "callee",
	    um_answer);
	call_response(m, &um);
	char *early = body(m);
	ck_assert_int_eq(count(early, "a=crypto:"), 1);
	m = mk("PRACK sip:x@127.0.0.2 SIP/2.0\r\nRAck: 1 1 INVITE", "PRACK", 2, "callee", NULL);
	ck_assert_int_eq(call_request(m, &gw, -1, &phrase), 0);
	msg_destroy(m);
	m = mk("SIP/2.0 200 OK", "INVITE", 1, "callee", um_answer);
	call_response(m, &um);
	char *final = body(m);
	ck_assert_str_eq(early, final);
	free(early);
	free(final);
}
END_TEST

/* SDP that sofia-sip refuses gets 400 with its reason (fuzz_call found the
 * reason read after the parser holding it was freed). */
START_TEST(bad_sdp_400)
{
	struct inbound gw = from(SIDE_OUTSIDE);
	const char *phrase = NULL;
	msg_t *m = mk("INVITE sip:123@sbc.example.test SIP/2.0", "INVITE", 1, NULL,
	    "v=0\r\no=gw 1 1 IN IP4 127.0.0.7\r\ns=-\r\nc=IN IP4 127.0.0.7\r\nt=0 0\r\n"
	    "m=audio 7000 RTP/SAVP 0!101\r\n");

	ck_assert_int_eq(call_request(m, &gw, 0, &phrase), 400);
	ck_assert_msg(strncmp(phrase, "Bad Request (SDP: ", 18) == 0 && strlen(phrase) > 20, "%s", phrase);
	msg_destroy(m);
}
END_TEST

/* A failed initial INVITE ends the call and gives its ports back. */
START_TEST(failure_ends_call)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	struct call_stats st;
	gateway_invites(&gw);
	call_stats(&st);
	ck_assert_uint_eq(st.active, 1);
	msg_t *m = mk("SIP/2.0 486 Busy Here", "INVITE", 1, "callee", NULL);
	call_response(m, &um);
	msg_destroy(m);
	call_stats(&st);
	ck_assert_uint_eq(st.active, 0);
	ck_assert_int_eq(byes, 0);
}
END_TEST

/* The media workers close a call's sockets and put its ports back
 * asynchronously: wait (up to 5 s) until every port is back. */
static void
ports_back(void)
{
	struct call_stats st;

	for (int i = 0; i < 500; i++) {
		call_stats(&st);
		if (st.ports_in_use == 0)
			return;
		usleep(10000);
	}
	ck_abort_msg("%u media ports still in use 5 s after the call ended", st.ports_in_use);
}

/* Calls that fail (CANCEL then 487, busy, our own 408), after early media
 * took ports with a 183: three times more of them than the port range holds
 * calls, so a single leaked port would end in 503. */
START_TEST(failed_calls_give_ports_back)
{
	struct inbound gw = from(SIDE_OUTSIDE), um = from(SIDE_INSIDE);
	struct call_stats st;

	for (int i = 0; i < 15; i++) {
		const char *phrase = NULL;
		msg_t *inv = mk("INVITE sip:123@sbc.example.test SIP/2.0", "INVITE", 1, NULL, gw_offer);
		ck_assert_msg(call_request(inv, &gw, 0, &phrase) == 0, "call %d refused: %s", i,
		    phrase ? phrase : "");
		msg_t *m = mk("SIP/2.0 183 Session Progress", "INVITE", 1, "callee", um_answer);
		call_response(m, &um);
		msg_destroy(m);
		if (i % 3 == 2) {
			call_local_failure(inv, 408);
		} else {
			m = mk(i % 3 ? "SIP/2.0 486 Busy Here" : "SIP/2.0 487 Request Terminated",
			    "INVITE", 1, "callee", NULL);
			call_response(m, &um);
			msg_destroy(m);
		}
		msg_destroy(inv);
		call_stats(&st);
		ck_assert_uint_eq(st.active, 0);
		ports_back();
	}
	ck_assert_uint_eq(st.refused_503, 0);
	ck_assert_int_eq(byes, 0);
}
END_TEST

Suite *
call_suite(void)
{
	Suite *s = suite_create("call");
	TCase *tc = tcase_create("offer_answer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, secured_gateway_offer);
	tcase_add_test(tc, secured_gateway_plain_offer_refused);
	tcase_add_test(tc, um_offer_to_secured_gateway);
	tcase_add_test(tc, update_from_um_reoffers_keys);
	tcase_add_test(tc, late_offer_reinvite);
	tcase_add_test(tc, sip_secured_is_plain);
	tcase_add_test(tc, reliable_183_answer);
	tcase_add_test(tc, bad_sdp_400);
	tcase_add_test(tc, failure_ends_call);
	tcase_add_test(tc, failed_calls_give_ports_back);
	suite_add_tcase(s, tc);
	return s;
}
