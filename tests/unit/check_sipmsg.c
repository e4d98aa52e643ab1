/* Framing and validation responses (RFC 3261 16.3), locally built messages. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/sip_header.h>

#include "sipmsg.h"
#include "stamp.h"
#include "suites.h"

#define HDRS(method, extra) \
	method " sip:123@127.0.0.1 SIP/2.0\r\n" \
	"Via: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n" \
	"From: <sip:gw@127.0.0.8>;tag=a\r\n" \
	"To: <sip:123@127.0.0.1>\r\n" \
	"Call-ID: c1@test\r\n" \
	"CSeq: 1 " method "\r\n" extra

static const char invite[] = HDRS("INVITE", "Max-Forwards: 70\r\nContent-Length: 4\r\n\r\nv=0\n");

/* Parses a datagram and returns the validation status (0 = proxy it). */
static int
check(const char *text, const char **phrase, const char **unsup)
{
	msg_t *msg;
	size_t used;
	int status;

	if (sipmsg_parse(text, strlen(text), 1, 65535, &msg, &used) != SIPMSG_OK) {
		if (msg)
			msg_destroy(msg);
		return 400;
	}
	status = sipmsg_check_request(sip_object(msg), msg_has_error(msg), phrase, unsup);
	msg_destroy(msg);
	return status;
}

START_TEST(good_invite_passes)
{
	const char *ph, *un;
	ck_assert_int_eq(check(invite, &ph, &un), 0);
}
END_TEST

START_TEST(validation_codes)
{
	const char *ph, *un;

	ck_assert_int_eq(check(HDRS("INVITE", "Max-Forwards: 0\r\nContent-Length: 0\r\n\r\n"), &ph, &un), 483);
	ck_assert_str_eq(ph, "Too Many Hops");
	ck_assert_int_eq(check("INVITE foo:bar SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\nFrom: <sip:a@b>;tag=a\r\n"
	    "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", &ph, &un), 416);
	ck_assert_int_eq(check(HDRS("INVITE", "Proxy-Require: foo, bar\r\nContent-Length: 0\r\n\r\n"), &ph, &un), 420);
	ck_assert_str_eq(un, "foo, bar");
	/* An unknown method is forwarded (RFC 3261 16.6): the UM server answers. */
	ck_assert_int_eq(check(HDRS("FOO", "Content-Length: 0\r\n\r\n"), &ph, &un), 0);
	/* Missing Call-ID. */
	ck_assert_int_eq(check("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-2\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", &ph, &un), 400);
	/* CSeq method differs from the request method. */
	ck_assert_int_eq(check("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-2\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: y\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", &ph, &un), 400);
	/* Garbage. */
	ck_assert_int_eq(check("\x01\x02 hello there\r\n\r\n", &ph, &un), 400);
}
END_TEST

START_TEST(stream_framing)
{
	char two[2048];
	msg_t *msg;
	size_t used;

	snprintf(two, sizeof(two), "%s%s", invite, invite);
	/* A partial message waits for more. */
	ck_assert_int_eq(sipmsg_parse(two, 40, 0, 65535, &msg, &used), SIPMSG_INCOMPLETE);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(sipmsg_parse(two, strlen(invite) - 2, 0, 65535, &msg, &used), SIPMSG_INCOMPLETE);
	/* Two pipelined messages: the first one and its exact length. */
	ck_assert_int_eq(sipmsg_parse(two, strlen(two), 0, 65535, &msg, &used), SIPMSG_OK);
	ck_assert_uint_eq(used, strlen(invite));
	ck_assert_uint_eq(sip_object(msg)->sip_payload->pl_len, 4);
	ck_assert_int_eq(memcmp(sip_object(msg)->sip_payload->pl_data, "v=0\n", 4), 0);
	msg_destroy(msg);
	ck_assert_int_eq(sipmsg_parse(two + used, strlen(two) - used, 0, 65535, &msg, &used), SIPMSG_OK);
	ck_assert_uint_eq(used, strlen(invite));
	msg_destroy(msg);
}
END_TEST

START_TEST(huge_content_length_refused)
{
	/* Found by fuzz_sipmsg: sofia-sip asserted trying to allocate the body. */
	static const char big[] = HDRS("INVITE", "Content-Length: 4111111111\r\n\r\nv=0\n");
	msg_t *msg;
	size_t used;

	ck_assert_int_eq(sipmsg_parse(big, strlen(big), 1, 65535, &msg, &used), SIPMSG_BAD);
	if (msg)
		msg_destroy(msg);
	ck_assert_int_eq(sipmsg_parse(big, strlen(big), 0, 65535, &msg, &used), SIPMSG_TOO_LARGE);
	if (msg)
		msg_destroy(msg);
}
END_TEST

/* Issue 12 item 10: a well-formed message over the limit is 413 material,
 * told apart from garbage, from the first max bytes a stream reader has. */
START_TEST(oversized_message_is_too_large)
{
	enum { BODY = 70000, MAX = 65535 };
	char hdr[128];
	int n = snprintf(hdr, sizeof(hdr), "Content-Length: %d\r\n\r\n", BODY);
	static const char head[] = HDRS("INVITE", "");
	size_t hl = strlen(head);
	char *big = malloc(hl + (size_t)n + BODY);
	msg_t *msg;
	size_t used;

	memcpy(big, head, hl);
	memcpy(big + hl, hdr, (size_t)n);
	memset(big + hl + n, 'x', BODY);
	ck_assert_int_eq(sipmsg_parse(big, MAX + 1, 0, MAX, &msg, &used), SIPMSG_TOO_LARGE);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(sip_object(msg)->sip_call_id);	/* enough to answer 413 */
	msg_destroy(msg);
	free(big);
}
END_TEST

START_TEST(response_copies_dialog_headers)
{
	msg_t *msg;
	size_t used, n;

	ck_assert_int_eq(sipmsg_parse(invite, strlen(invite), 1, 65535, &msg, &used), SIPMSG_OK);
	char *r = sipmsg_response(msg, 420, "Bad Extension", "Unsupported: foo", &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, "SIP/2.0 420 Bad Extension\r\n", 27) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "Via: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Call-ID: c1@test\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "CSeq: 1 INVITE\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Unsupported: foo\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "To: <sip:123@127.0.0.1>;tag="));
	/* Ends with the empty line: on a stream the next message follows. */
	ck_assert_msg(n > 4 && strcmp(r + n - 4, "\r\n\r\n") == 0, "no empty line after headers: %s", r);
	free(r);
	r = sipmsg_response(msg, 100, "Trying", NULL, &n);
	ck_assert_ptr_nonnull(strstr(r, "To: <sip:123@127.0.0.1>\r\n"));	/* no tag on 100 */
	free(r);
	msg_destroy(msg);
}
END_TEST

/* A 100 Trying is written straight from the request: the same text as the
 * general path gives (it takes the extra header line), headers folded,
 * compact, in lists or oddly spaced as sofia-sip writes them. */
START_TEST(trying_as_the_general_path_writes_it)
{
	static const char *reqs[] = {
		"INVITE sip:123@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n"
		"Via:  SIP/2.0/TCP 10.0.0.1 ;branch=z9hG4bK-2 ;received=10.0.0.2, SIP/2.0/UDP h;rport\r\n"
		"From:<sip:gw@127.0.0.8>  ;tag=a\r\nt: \"Mr. X\" <sip:123@127.0.0.1;user=phone>\r\n"
		"i: c1@test\r\nCSeq:   7\r\n  INVITE\r\nMax-Forwards: 70\r\nl: 0\r\n\r\n",
		"INVITE sip:123@127.0.0.1 SIP/2.0\r\n"
		"v: SIP/2.0/UDP [::1]:5070;branch=z9hG4bK-3\r\nf: sip:gw@h;tag=b\r\n"
		"To: sip:123@h;tag=already\r\nCall-ID: x\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		msg_t *msg;
		size_t used, n, m;
		ck_assert_int_eq(sipmsg_parse(reqs[i], strlen(reqs[i]), 1, 65535, &msg, &used), SIPMSG_OK);
		char *fast = sipmsg_response(msg, 100, "Trying", NULL, &n);
		char *general = sipmsg_response(msg, 100, "Trying", "X-Extra: 1", &m);
		ck_assert_ptr_nonnull(fast);
		ck_assert_ptr_nonnull(general);
		char *x = strstr(general, "X-Extra: 1\r\n");
		ck_assert_ptr_nonnull(x);
		memmove(x, x + 12, strlen(x + 12) + 1);
		ck_assert_uint_eq(n, strlen(fast));
		ck_assert_uint_eq(m - 12, n);
		ck_assert_msg(strcmp(fast, general) == 0, "%zu:\n%s---\n%s", i, fast, general);
		free(fast);
		free(general);
		msg_destroy(msg);
	}
}
END_TEST

START_TEST(bad_request_still_answered)
{
	static const char nocallid[] = "INVITE sip:a@b SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-2\r\nFrom: <sip:a@b>;tag=1\r\n"
	    "To: <sip:a@b>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
	msg_t *msg;
	size_t used, n;

	sipmsg_parse(nocallid, strlen(nocallid), 1, 65535, &msg, &used);
	ck_assert_ptr_nonnull(msg);
	char *r = sipmsg_response(msg, 400, "Bad Request", NULL, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, "SIP/2.0 400 Bad Request\r\n", 25) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "CSeq: 1 INVITE\r\n"));
	free(r);
	msg_destroy(msg);
}
END_TEST

START_TEST(ack_and_cancel_follow_the_invite)
{
	msg_t *msg, *rsp;
	size_t used, n;
	static const char busy[] = "SIP/2.0 486 Busy Here\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n"
	    "From: <sip:gw@127.0.0.8>;tag=a\r\nTo: <sip:123@127.0.0.1>;tag=um\r\n"
	    "Call-ID: c1@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

	ck_assert_int_eq(sipmsg_parse(invite, strlen(invite), 1, 65535, &msg, &used), SIPMSG_OK);
	ck_assert_int_eq(sipmsg_parse(busy, strlen(busy), 1, 65535, &rsp, &used), SIPMSG_OK);
	char *ack = sipmsg_ack(msg, sip_object(rsp), &n);
	ck_assert_msg(strncmp(ack, "ACK sip:123@127.0.0.1 SIP/2.0\r\n", 31) == 0, "%s", ack);
	ck_assert_ptr_nonnull(strstr(ack, "CSeq: 1 ACK\r\n"));
	ck_assert_ptr_nonnull(strstr(ack, ";tag=um"));
	ck_assert_ptr_nonnull(strstr(ack, "branch=z9hG4bK-1"));
	char *cancel = sipmsg_cancel(msg, &n);
	ck_assert_msg(strncmp(cancel, "CANCEL sip:123@127.0.0.1 SIP/2.0\r\n", 34) == 0, "%s", cancel);
	ck_assert_ptr_nonnull(strstr(cancel, "CSeq: 1 CANCEL\r\n"));
	ck_assert_ptr_null(strstr(cancel, ";tag=um"));
	free(ack);
	free(cancel);
	msg_destroy(rsp);
	msg_destroy(msg);
}
END_TEST

/* ---- RFC 4475 (the whole corpus runs in tests/integration/t-rfc4475.sh) ---- */

/* Parses len bytes as a datagram; the check status (0 = proxy it) and the
 * answer sipmsg_response() builds for status (NULL: none). */
static int
check_n(const char *text, size_t len, int status, char **answer, size_t *alen)
{
	msg_t *msg;
	size_t used;
	const char *ph, *un;
	int st;

	sipmsg_parse(text, len, 1, 65535, &msg, &used);
	ck_assert_ptr_nonnull(msg);
	st = sipmsg_check_request(sip_object(msg), msg_has_error(msg), &ph, &un);
	if (answer)
		*answer = sipmsg_response(msg, status ? status : st, "Bad Request", NULL, alen);
	msg_destroy(msg);
	return st;
}

/* 3.1.1.2: every token character in the method (and the CSeq method), a
 * quoted NUL in To, UTF-8 in parameters and header names. */
static const char intmeth[] =
    "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
    "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n"
    "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
    "\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E\xD1\x89\xD0\xB8\xD0\xB9\";tag=_token~1'+`*%!-.\r\n"
    "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
    "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
    "Max-Forwards: 255\r\n"
    "extensionHeader-!.%*+_`'~:\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB\r\n"
    "Content-Length: 0\r\n\r\n";

START_TEST(rfc4475_intmeth_is_proxied)
{
	msg_t *msg;
	size_t used, n;
	const char *ph, *un;
	static const char nul[] = "NUL:\\0 DEL";

	ck_assert_int_eq(sipmsg_parse(intmeth, sizeof(intmeth) - 1, 1, 65535, &msg, &used), SIPMSG_OK);
	sip_t *sip = sip_object(msg);
	ck_assert_int_eq(sipmsg_check_request(sip, msg_has_error(msg), &ph, &un), 0);
	ck_assert_int_eq(sip->sip_request->rq_method, sip_method_unknown);
	ck_assert_str_eq(sip->sip_request->rq_method_name, "!interesting-Method0123456789_*+`.%indeed'~");
	ck_assert_str_eq(sip->sip_cseq->cs_method_name, sip->sip_request->rq_method_name);
	ck_assert_ptr_nonnull(sip->sip_to);
	ck_assert_ptr_null(sip->sip_error);
	/* Forwarded as it came, where the NUL is now a '0'. */
	char *text = sipmsg_print(msg, &n);
	ck_assert_ptr_nonnull(text);
	int found = 0;
	for (size_t i = 0; i + sizeof(nul) - 1 <= n && !found; i++)
		found = memcmp(text + i, nul, sizeof(nul) - 1) == 0;
	ck_assert_msg(found, "the quoted NUL of To is not forwarded as \\0");
	/* The same on a stream, where sofia-sip frames header lines. */
	msg_destroy(msg);
	ck_assert_int_eq(sipmsg_parse(intmeth, sizeof(intmeth) - 1, 0, 65535, &msg, &used), SIPMSG_OK);
	ck_assert_uint_eq(used, sizeof(intmeth) - 1);
	msg_destroy(msg);
	/* Not a token: still refused. */
	static const char bad[] = "IN\"VITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 IN\"VITE\r\n"
	    "Content-Length: 0\r\n\r\n";
	ck_assert_int_eq(check_n(bad, sizeof(bad) - 1, 0, NULL, NULL), 400);
	/* A NUL outside a quoted string is not hidden. */
	static const char nul_out[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "From: <sip:a@b>;tag=1\r\nTo: <sip:a\\\x00@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n"
	    "Content-Length: 0\r\n\r\n";
	ck_assert_int_eq(check_n(nul_out, sizeof(nul_out) - 1, 0, NULL, NULL), 400);
}
END_TEST

/* sipmsg_print copies what did not change as it came (To's odd casing
 * stays) and encodes what did (the top Via taken from a line of two, the
 * Max-Forwards counted down) or is not in the normal form (the compact
 * "f:", a folded Expires, a comma list of Contacts). */
static const char two_vias[] =
    "INVITE sip:123@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-top, SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n"
    "f: <sip:gw@127.0.0.8>;tag=a\r\n"
    "TO: <sip:123@127.0.0.1>\r\nCall-ID: c1@test\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
    "Expires:\r\n  60\r\n"
    "Contact: <sip:a@127.0.0.8>, <sip:b@127.0.0.8>\r\n"
    "Content-Length: 0\r\n\r\n";

START_TEST(print_copies_what_did_not_change)
{
	msg_t *msg, *again;
	size_t used, n;

	ck_assert_int_eq(sipmsg_parse(two_vias, sizeof(two_vias) - 1, 1, 65535, &msg, &used), SIPMSG_OK);
	sip_t *sip = sip_object(msg);
	msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_via);
	stamp_hop_count(msg, 70);
	char *text = sipmsg_print(msg, &n);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(strlen(text), n);
	ck_assert_ptr_null(strstr(text, "z9hG4bK-top"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nVia: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nFrom: <sip:gw@127.0.0.8>;tag=a\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nTO: <sip:123@127.0.0.1>\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nExpires: 60\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nContact: <sip:a@127.0.0.8>\r\nContact: <sip:b@127.0.0.8>\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nMax-Forwards: 69\r\n"));
	ck_assert_int_eq(strncmp(text, "INVITE sip:123@127.0.0.1 SIP/2.0\r\n", 34), 0);
	ck_assert_int_eq(sipmsg_parse(text, n, 1, 65535, &again, &used), SIPMSG_OK);
	ck_assert_uint_eq(used, n);
	msg_destroy(again);
	msg_destroy(msg);
}
END_TEST

/* stamp_request's Via and Record-Route come from one parsed copy per
 * listener text, shared: each request still gets its own branch, the
 * entries print as the text they stand for, and taking one request's stamps
 * off (a failover) leaves the next request's as they were. */
START_TEST(stamps_shared_per_listener_print_alike)
{
	struct listener in = { .side = SIDE_OUTSIDE, .tp = TP_TLS, .hostport = "127.0.0.1:5061" };
	struct listener out = { .side = SIDE_INSIDE, .tp = TP_UDP, .hostport = "127.0.0.2:5060" };
	msg_t *a, *b;
	size_t used, n;

	ck_assert_int_eq(sipmsg_parse(two_vias, sizeof(two_vias) - 1, 1, 65535, &a, &used), SIPMSG_OK);
	ck_assert_int_eq(sipmsg_parse(two_vias, sizeof(two_vias) - 1, 1, 65535, &b, &used), SIPMSG_OK);
	ck_assert_int_eq(stamp_request(a, "z9hG4bK-first", &in, &out, 1), 0);
	ck_assert_int_eq(stamp_request(b, "z9hG4bK-second", &in, &out, 1), 0);
	ck_assert_str_eq(sip_object(a)->sip_via->v_branch, "z9hG4bK-first");
	ck_assert_str_eq(sip_object(b)->sip_via->v_branch, "z9hG4bK-second");
	ck_assert_int_eq(stamp_remove(a, "z9hG4bK-first"), 1);
	ck_assert_int_eq(stamp_request(a, "z9hG4bK-third", &out, &in, 1), 0);
	char *text = sipmsg_print(b, &n);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK-second\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nRecord-Route: <sip:127.0.0.2:5060;transport=udp;lr>\r\n"
	    "Record-Route: <sip:127.0.0.1:5061;transport=tls;lr>\r\n"));
	ck_assert_ptr_null(strstr(text, "z9hG4bK-third"));
	text = sipmsg_print(a, &n);
	ck_assert_ptr_nonnull(strstr(text, "\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-third\r\n"));
	ck_assert_ptr_null(strstr(text, "z9hG4bK-first"));
	ck_assert_ptr_nonnull(strstr(text, "\r\nRecord-Route: <sip:127.0.0.1:5061;transport=tls;lr>\r\n"
	    "Record-Route: <sip:127.0.0.2:5060;transport=udp;lr>\r\n"));
	/* An ACK's branch: "z9hG4bK-a" and at least 8 hex digits. */
	msg_t *ack;
	static const char ack_text[] = "ACK sip:123@127.0.0.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.8:5070;branch=z9hG4bK-1\r\n"
	    "From: <sip:gw@127.0.0.8>;tag=a\r\nTo: <sip:123@127.0.0.1>;tag=b\r\n"
	    "Call-ID: c1@test\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
	ck_assert_int_eq(sipmsg_parse(ack_text, sizeof(ack_text) - 1, 1, 65535, &ack, &used), SIPMSG_OK);
	ck_assert_int_eq(stamp_ack(ack, &out), 0);
	char want[48];
	snprintf(want, sizeof(want), "z9hG4bK-a%08lx", msg_hash_string("z9hG4bK-1"));
	ck_assert_str_eq(sip_object(ack)->sip_via->v_branch, want);
	msg_destroy(ack);
	msg_destroy(a);
	msg_destroy(b);
}
END_TEST

/* sipmsg_print writes the first line itself: byte for byte what sofia-sip's
 * own encoder (msg_header_e) writes for it, whatever parts the URI has. */
static const char *const first_lines[] = {
	"INVITE sip:123@127.0.0.1 SIP/2.0",
	"INVITE sips:+4420@um.example.test:5061;transport=tls;user=phone SIP/2.0",
	"OPTIONS sip:user:secret@[2001:db8::1]:5060;lr?Subject=x&Priority=urgent SIP/2.0",
	"REGISTER sip:example.test SIP/2.0",
	"MESSAGE tel:+358-555-1234567;postd=pp22 SIP/2.0",
	"INFO http://www.example.test/a/b?c=d#frag SIP/2.0",
	"BYE im:user@example.test SIP/2.0",
	"SIP/2.0 200 OK",
	"SIP/2.0 183 Session Progress",
	"SIP/2.0 486 Busy Here",
	"SIP/2.0 699 ",
	"SIP/2.0 100 Trying with a long phrase, commas, and \"quotes\"",
};

START_TEST(print_first_line_as_sofia_encodes_it)
{
	const char *line = first_lines[_i];
	char text[1024], want[1024];
	msg_t *msg;
	size_t used, n;

	snprintf(text, sizeof(text), "%s\r\nVia: SIP/2.0/UDP 127.0.0.8;branch=z9hG4bK-1\r\n"
	    "From: <sip:gw@127.0.0.8>;tag=a\r\nTo: <sip:123@127.0.0.1>\r\nCall-ID: c1@test\r\n"
	    "CSeq: 1 %s\r\nContent-Length: 0\r\n\r\n", line,
	    strncmp(line, "SIP/2.0", 7) == 0 ? "INVITE" : strtok(strcpy(want, line), " "));
	ck_assert_int_eq(sipmsg_parse(text, strlen(text), 1, 65535, &msg, &used), SIPMSG_OK);
	msg_header_t *first = *msg_chain_head(msg);
	issize_t m = msg_header_e(want, sizeof(want), first, 0);
	ck_assert_int_gt(m, 0);
	char *out = sipmsg_print(msg, &n);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_ge(n, (size_t)m);
	ck_assert_msg(memcmp(out, want, (size_t)m) == 0, "first line %.*s, sofia-sip writes %s",
	    (int)m, out, want);
	ck_assert_msg(memcmp(want + m - 2, "\r\n", 2) == 0, "sofia-sip's line ends in CRLF");
	msg_destroy(msg);
}
END_TEST

/* 3.1.2.1 badinv01: the Via does not parse; the 400 still carries it. */
START_TEST(rfc4475_broken_via_answered)
{
	static const char badinv01[] = "INVITE sip:user@example.com SIP/2.0\r\n"
	    "To: sip:j.user@example.com\r\n"
	    "From: sip:caller@example.net;tag=134161461246\r\n"
	    "Max-Forwards: 7\r\n"
	    "Call-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n"
	    "CSeq: 8 INVITE\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
	    "Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n"
	    "Content-Length: 0\r\n\r\n";
	char *r;
	size_t n;

	ck_assert_int_eq(check_n(badinv01, sizeof(badinv01) - 1, 0, &r, &n), 400);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, "SIP/2.0 400 Bad Request\r\n", 25) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\r\nVia: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nFrom: sip:caller@example.net;tag=134161461246\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nTo: sip:j.user@example.com;tag="));
	ck_assert_ptr_nonnull(strstr(r, "\r\nCall-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nCSeq: 8 INVITE\r\n"));
	ck_assert_ptr_null(strstr(r, "Contact"));
	ck_assert_msg(n > 4 && strcmp(r + n - 4, "\r\n\r\n") == 0, "%s", r);
	ck_assert_uint_eq(strlen(r), n);
	free(r);
}
END_TEST

/* 3.1.2.8 lwsruri: no request line sofia-sip reads; compact and folded
 * headers, a To that has its tag already, two Vias. */
START_TEST(rfc4475_no_request_line_answered)
{
	static const char lwsruri[] = "INVITE sip:user@example.com; lr SIP/2.0\r\n"
	    "t: sip:user@example.com ; TAG = x1\r\n"
	    "f: sip:caller@example.net;tag=234\r\n"
	    "v: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n"
	    "Via:\r\n SIP/2.0/UDP 192.0.2.26;branch=z9hG4bK2\r\n"
	    "i: lwsruri.asdfasdoeoi2323-asdfwrs\r\n"
	    "cseq  : 23 INVITE\r\n"
	    "l: 0\r\n\r\n";
	char *r;
	size_t n;

	ck_assert_int_eq(check_n(lwsruri, sizeof(lwsruri) - 1, 0, &r, &n), 400);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(r, "\r\nVia: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.26;branch=z9hG4bK2\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nTo: sip:user@example.com ; TAG = x1\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nFrom: sip:caller@example.net;tag=234\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nCall-ID: lwsruri.asdfasdoeoi2323-asdfwrs\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nCSeq: 23 INVITE\r\n"));
	free(r);
	/* The same bytes on a stream. */
	msg_t *msg;
	size_t used;
	ck_assert_int_eq(sipmsg_parse(lwsruri, sizeof(lwsruri) - 1, 0, 65535, &msg, &used), SIPMSG_BAD);
	r = sipmsg_response(msg, 400, "Bad Request", NULL, &n);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(strstr(r, "\r\nCSeq: 23 INVITE\r\n"));
	free(r);
	msg_destroy(msg);
}
END_TEST

/* What is not a request is never answered: a response whose status line does
 * not parse (3.1.2.19 bigcode), an ACK, garbage. */
START_TEST(rfc4475_not_answered)
{
	static const char bigcode[] = "SIP/2.0 4294967301 better not break the receiver\r\n"
	    "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
	    "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\n"
	    "CSeq: 353494 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char ack[] = "ACK sip:a@b; lr SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
	    "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
	static const char garbage[] = "\x01\x02 hello there\r\nVia: SIP/2.0/UDP h\r\n\r\n";
	msg_t *msg;
	size_t used, n;
	char *r;

	sipmsg_parse(bigcode, sizeof(bigcode) - 1, 1, 65535, &msg, &used);
	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(sipmsg_is_response_text(msg), 1);
	ck_assert_ptr_null(sipmsg_response(msg, 400, "Bad Request", NULL, &n));
	msg_destroy(msg);
	ck_assert_int_eq(check_n(ack, sizeof(ack) - 1, 400, &r, &n), 400);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(check_n(garbage, sizeof(garbage) - 1, 400, &r, &n), 400);
	ck_assert_ptr_null(r);
}
END_TEST

/* 3.1.2.7 ltgtruri, 3.1.2.11 escruri: 400; 3.3.2 unkscm: 416. */
START_TEST(rfc4475_request_uri)
{
#define RURI(u) "INVITE " u " SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" \
	"From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n" \
	"Content-Length: 0\r\n\r\n"
	static const char ltgt[] = RURI("<sip:user@example.com>");
	static const char esc[] = RURI("sip:user@example.com?Route=%3Csip:example.com%3E");
	static const char unk[] = RURI("nobodyKnowsThisScheme:totallyopaquecontent");
	static const char tel[] = RURI("tel:+4912345");

	ck_assert_int_eq(check_n(ltgt, sizeof(ltgt) - 1, 0, NULL, NULL), 400);
	ck_assert_int_eq(check_n(esc, sizeof(esc) - 1, 0, NULL, NULL), 400);
	ck_assert_int_eq(check_n(unk, sizeof(unk) - 1, 0, NULL, NULL), 416);
	ck_assert_int_eq(check_n(tel, sizeof(tel) - 1, 0, NULL, NULL), 0);
#undef RURI
}
END_TEST

Suite *
sipmsg_suite(void)
{
	Suite *s = suite_create("sipmsg");
	TCase *tc = tcase_create("messages");

	tcase_add_test(tc, good_invite_passes);
	tcase_add_test(tc, validation_codes);
	tcase_add_test(tc, stream_framing);
	tcase_add_test(tc, huge_content_length_refused);
	tcase_add_test(tc, oversized_message_is_too_large);
	tcase_add_test(tc, response_copies_dialog_headers);
	tcase_add_test(tc, trying_as_the_general_path_writes_it);
	tcase_add_test(tc, bad_request_still_answered);
	tcase_add_test(tc, ack_and_cancel_follow_the_invite);
	tcase_add_test(tc, rfc4475_intmeth_is_proxied);
	tcase_add_test(tc, print_copies_what_did_not_change);
	tcase_add_test(tc, stamps_shared_per_listener_print_alike);
	tcase_add_loop_test(tc, print_first_line_as_sofia_encodes_it, 0,
	    (int)(sizeof(first_lines) / sizeof(first_lines[0])));
	tcase_add_test(tc, rfc4475_broken_via_answered);
	tcase_add_test(tc, rfc4475_no_request_line_answered);
	tcase_add_test(tc, rfc4475_not_answered);
	tcase_add_test(tc, rfc4475_request_uri);
	suite_add_tcase(s, tc);
	return s;
}
