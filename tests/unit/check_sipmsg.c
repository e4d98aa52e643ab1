/* Framing and validation responses (RFC 3261 16.3), locally built messages. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/sip_header.h>

#include "sipmsg.h"
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
	ck_assert_int_eq(check(HDRS("FOO", "Content-Length: 0\r\n\r\n"), &ph, &un), 501);
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
	tcase_add_test(tc, bad_request_still_answered);
	tcase_add_test(tc, ack_and_cancel_follow_the_invite);
	suite_add_tcase(s, tc);
	return s;
}
