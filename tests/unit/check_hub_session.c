/* Both session machines driven without sockets: lines in, outputs recorded. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "hub_suites.h"
#include "hub/hub.h"
#include "hub/hub_session.h"
#include "hub/um_session.h"

/* ---- the client session ---- */

static struct {
	struct evbuffer *in, *out, *up, *data;
	int room, data_end, aborted, quit;
	struct hub_um_session s;
	struct hub_conf c;
} T;

static void o_to_client(void *a, const char *b, size_t n) { (void)a; evbuffer_add(T.out, b, n); }
static void o_up_cmd(void *a, const char *b, size_t n) { (void)a; evbuffer_add(T.up, b, n); }
static int
o_up_data(void *a, struct evbuffer *src, size_t n)
{
	(void)a;
	evbuffer_remove_buffer(src, T.data, n);
	return T.room;
}
static void o_up_data_end(void *a) { (void)a; T.data_end++; }
static void o_up_abort(void *a) { (void)a; T.aborted++; }
static void o_up_quit(void *a) { (void)a; T.quit++; }
static const struct hub_um_ops ops = {
	o_to_client, o_up_cmd, o_up_data, o_up_data_end, o_up_abort, o_up_quit,
};

/* Takes what accumulated in b as a string (static, per buffer slot). */
static const char *
take(struct evbuffer *b)
{
	static char s[4][65536];
	static int k;
	char *p = s[k++ % 4];
	size_t n = evbuffer_get_length(b);
	ck_assert(n < sizeof(s[0]));
	evbuffer_remove(b, p, n);
	p[n] = '\0';
	return p;
}

static void
client(const char *text)
{
	evbuffer_add(T.in, text, strlen(text));
	hub_um_input(&T.s);
}

static void
hub(const char *lines)	/* a complete Hub reply, lines separated by \n */
{
	struct hub_smtp_reply r;
	hub_smtp_reply_reset(&r);
	const char *p = lines;
	int rc = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		rc = hub_smtp_reply_feed(&r, p, n);
		ck_assert_int_ge(rc, 0);
		p += n + (e ? 1 : 0);
	}
	ck_assert_int_eq(rc, 1);
	hub_um_up_reply(&T.s, &r);
}

static const struct hub_smtp_caps all_caps = { 1, 1, 10240000, 1, 1, 1 };

static void
setup(void)
{
	memset(&T, 0, sizeof(T));
	T.in = evbuffer_new();
	T.out = evbuffer_new();
	T.up = evbuffer_new();
	T.data = evbuffer_new();
	T.room = 1;
	snprintf(T.c.helo_name, sizeof(T.c.helo_name), "sbc.example.test");
	T.c.timeout = 300;
	T.c.max_errors = 3;
	hub_um_init(&T.s, &ops, NULL, T.in, "10.0.0.20:4000", &T.c);
}

static void
teardown(void)
{
	evbuffer_free(T.in);
	evbuffer_free(T.out);
	evbuffer_free(T.up);
	evbuffer_free(T.data);
}

/* Up to an open transaction with one accepted recipient. */
static void
to_rcpt(const struct hub_smtp_caps *caps)
{
	struct hub_tls_info tls = { "TLSv1.3", "TLS_AES_256_GCM_SHA384", "AB" };
	hub_um_up_ready(&T.s, caps, &tls);
	ck_assert_str_eq(take(T.out), "220 sbc.example.test ESMTP Hub Transport relay\r\n");
	client("EHLO um1\r\n");
	take(T.out);
	client("MAIL FROM:<um@um1.example.test>\r\n");
	ck_assert_str_eq(take(T.up), "MAIL FROM:<um@um1.example.test>\r\n");
	hub("250 2.1.0 Ok");
	client("RCPT TO:<a@hub.example.test>\r\n");
	ck_assert_str_eq(take(T.up), "RCPT TO:<a@hub.example.test>\r\n");
	hub("250 2.1.5 Ok");
	take(T.out);
}

START_TEST(session_happy)
{
	struct hub_tls_info tls = { "TLSv1.3", "TLS_AES_256_GCM_SHA384", "AB" };
	uint64_t before[HUB_MSG_COUNT], after[HUB_MSG_COUNT];
	hub_outcomes(before);
	client("EHLO early\r\n");	/* before our greeting: waits */
	ck_assert_str_eq(take(T.out), "");
	ck_assert_int_eq(hub_um_client_timeout(&T.s), 0);
	hub_um_up_ready(&T.s, &all_caps, &tls);
	ck_assert_str_eq(take(T.out),
	    "220 sbc.example.test ESMTP Hub Transport relay\r\n"
	    "250-sbc.example.test\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
	    "250 ENHANCEDSTATUSCODES\r\n");
	ck_assert_str_eq(take(T.up), "");	/* our EHLO to the Hub is not the client's */
	client("MAIL FROM:<um@um1.example.test> SIZE=120 BODY=8BITMIME\r\n");
	ck_assert_str_eq(take(T.up), "MAIL FROM:<um@um1.example.test> SIZE=120 BODY=8BITMIME\r\n");
	ck_assert_int_eq(hub_um_client_timeout(&T.s), 0);	/* waiting for the Hub */
	hub("250 2.1.0 Ok");
	ck_assert_str_eq(take(T.out), "250 2.1.0 Ok\r\n");
	client("RCPT TO:<a@hub.example.test>\r\n");
	hub("250-2.1.5 Ok\n250 2.1.5 really");
	ck_assert_str_eq(take(T.out), "250-2.1.5 Ok\r\n250 2.1.5 really\r\n");
	client("RCPT TO:<b@hub.example.test>\r\n");
	hub("550 5.1.1 <b@hub.example.test>: unknown");
	ck_assert_str_eq(take(T.out), "550 5.1.1 <b@hub.example.test>: unknown\r\n");
	take(T.up);
	client("DATA\r\n");
	ck_assert_str_eq(take(T.up), "DATA\r\n");
	hub("354 End data with <CR><LF>.<CR><LF>");
	ck_assert_str_eq(take(T.out), "354 End data with <CR><LF>.<CR><LF>\r\n");
	ck_assert_int_eq(T.s.state, HUB_UM_DATA);
	/* dot-stuffing passes untouched; the end line split over three reads */
	client("Subject: t\r\n\r\n..stuffed\r\n.");
	client("\r");
	ck_assert_int_eq(T.data_end, 0);
	client("\nQUIT\r\n");
	ck_assert_int_eq(T.data_end, 1);
	ck_assert_str_eq(take(T.data), "Subject: t\r\n\r\n..stuffed\r\n.\r\n");
	ck_assert_str_eq(take(T.out), "");	/* nothing before the Hub's reply */
	ck_assert_uint_eq(T.s.size, 25);
	hub("250 2.0.0 Ok: queued as ABC");
	ck_assert_str_eq(take(T.out), "250 2.0.0 Ok: queued as ABC\r\n221 2.0.0 Bye\r\n");
	ck_assert_int_eq(T.quit, 1);
	ck_assert(hub_um_done(&T.s));
	ck_assert_int_eq(T.s.messages, 1);
	ck_assert_int_eq(T.aborted, 0);
	hub_outcomes(after);	/* what /metrics shows */
	ck_assert_uint_eq(after[HUB_MSG_ACCEPTED], before[HUB_MSG_ACCEPTED] + 1);
	ck_assert_uint_eq(after[HUB_MSG_REFUSED], before[HUB_MSG_REFUSED]);
	ck_assert_str_eq(hub_outcome_name(HUB_MSG_ACCEPTED), "accepted");
}
END_TEST

START_TEST(session_pipelining)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	client("EHLO um1\r\nMAIL FROM:<>\r\nRCPT TO:<a@h.test>\r\nRCPT TO:<b@h.test>\r\nDATA\r\n");
	ck_assert_str_eq(take(T.up), "MAIL FROM:<>\r\n");	/* one at a time */
	hub("250 2.1.0 Ok");
	ck_assert_str_eq(take(T.up), "RCPT TO:<a@h.test>\r\n");
	hub("250 2.1.5 Ok");
	ck_assert_str_eq(take(T.up), "RCPT TO:<b@h.test>\r\n");
	hub("250 2.1.5 Ok");
	ck_assert_str_eq(take(T.up), "DATA\r\n");
	hub("354 go");
	const char *o = take(T.out);
	ck_assert_msg(strstr(o, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n") != NULL, "%s", o);
	ck_assert_int_eq(T.s.rcpts, 2);
}
END_TEST

START_TEST(session_no_esc)
{
	struct hub_smtp_caps c = { 1, 0, 0, 0, 0, 0 };
	hub_um_up_ready(&T.s, &c, NULL);
	take(T.out);
	client("EHLO um1\r\n");
	ck_assert_str_eq(take(T.out), "250 sbc.example.test\r\n");	/* nothing to offer */
	client("NOOP\r\n");
	ck_assert_str_eq(take(T.out), "250 Ok\r\n");
	client("MAIL FROM:<a@b> SIZE=10\r\n");	/* the Hub has no SIZE */
	ck_assert_str_eq(take(T.out), "555 Unsupported MAIL FROM or RCPT TO parameter\r\n");
	client("MAIL FROM:<a@b> BODY=8BITMIME\r\n");
	ck_assert_str_eq(take(T.out), "555 Unsupported MAIL FROM or RCPT TO parameter\r\n");
	ck_assert_str_eq(take(T.up), "");
}
END_TEST

START_TEST(session_helo)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	client("HELO um1\r\nNOOP\r\n");
	/* HELO does not negotiate enhanced status codes */
	ck_assert_str_eq(take(T.out), "250 sbc.example.test\r\n250 Ok\r\n");
}
END_TEST

START_TEST(session_sequence)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	T.c.max_errors = 100;
	T.s.max_errors = 100;
	client("MAIL FROM:<a@b>\r\n");
	ck_assert_str_eq(take(T.out), "503 Error: send HELO/EHLO first\r\n");
	client("EHLO x\r\n");
	take(T.out);
	client("RCPT TO:<a@b>\r\nDATA\r\n");
	ck_assert_str_eq(take(T.out), "503 5.5.1 Error: need MAIL command\r\n"
	    "503 5.5.1 Error: need MAIL command\r\n");
	client("MAIL FROM:<a@b>\r\n");
	hub("250 2.1.0 Ok");
	client("RCPT TO:<c@d>\r\n");
	hub("550 5.1.1 no");
	client("DATA\r\n");
	ck_assert_str_eq(take(T.out), "250 2.1.0 Ok\r\n550 5.1.1 no\r\n554 5.5.1 Error: no valid recipients\r\n");
	client("MAIL FROM:<a@b>\r\n");
	ck_assert_str_eq(take(T.out), "503 5.5.1 Error: nested MAIL command\r\n");
	client("RSET\r\n");
	hub("250 2.0.0 Ok");
	ck_assert_int_eq(T.s.in_mail, 0);
	client("VRFY x\r\nHELP\r\nEXPN x\r\nSTARTTLS\r\nAUTH PLAIN x\r\nBDAT 10 LAST\r\n");
	const char *o = take(T.out);
	ck_assert_msg(strstr(o, "252 2.0.0") && strstr(o, "214 2.0.0"), "%s", o);
	ck_assert_int_eq(T.s.errors, 9);
	ck_assert_str_eq(take(T.up), "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRSET\r\n");
}
END_TEST

START_TEST(session_ehlo_resets)
{
	to_rcpt(&all_caps);
	client("EHLO again\r\n");
	ck_assert_str_eq(take(T.up), "RSET\r\n");	/* the Hub forgets it too */
	hub("250 2.0.0 Ok");
	const char *o = take(T.out);
	ck_assert_msg(strncmp(o, "250-sbc.example.test\r\n", 22) == 0, "%s", o);
	ck_assert_int_eq(T.s.in_mail, 0);
	ck_assert_int_eq(T.s.rcpts, 0);
}
END_TEST

START_TEST(session_garbage)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	client("EHLO x\r\n");
	take(T.out);
	client("GET / HTTP/1.0\r\n");
	ck_assert_str_eq(take(T.out), "500 5.5.2 Error: command not recognized\r\n");
	client("MAIL FROM:broken\r\n");
	ck_assert_str_eq(take(T.out), "501 5.5.4 Syntax error in parameters or arguments\r\n");
	client("\x01\x02\r\nNOOP\r\n");
	ck_assert_str_eq(take(T.out), "500 5.5.2 Error: command not recognized\r\n"
	    "421 4.7.0 sbc.example.test Error: too many errors\r\n");
	ck_assert(hub_um_done(&T.s));
	ck_assert_int_eq(T.quit, 1);
}
END_TEST

START_TEST(session_long_line)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	char big[3000];
	memset(big, 'A', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	client("NOOP ");
	client(big);	/* no end of line in sight: refused once, then skipped */
	ck_assert_str_eq(take(T.out), "500 Error: line too long\r\n");
	client(big);
	client("\r\nNOOP\r\n");
	ck_assert_str_eq(take(T.out), "250 Ok\r\n");
	/* 999 octets + CRLF: too long; 998 + CRLF would be fine */
	memset(big, 'a', sizeof(big));
	memcpy(big, "NOOP ", 5);
	memcpy(big + 999, "\r\n", 3);
	client(big);
	ck_assert_str_eq(take(T.out), "500 Error: line too long\r\n");
	memcpy(big + 998, "\r\n", 3);
	client(big);
	ck_assert_str_eq(take(T.out), "250 Ok\r\n");
}
END_TEST

START_TEST(session_hub_unavailable)
{
	client("EHLO x\r\n");
	hub_um_up_down(&T.s, "the Hub does not offer STARTTLS");
	ck_assert_str_eq(take(T.out), "421 sbc.example.test Hub Transport not available, try again later\r\n");
	ck_assert(hub_um_done(&T.s));
	ck_assert_str_eq(take(T.up), "");
	ck_assert_int_eq(T.quit + T.aborted, 0);	/* the Hub side is already gone */
}
END_TEST

START_TEST(session_lost_idle)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	hub_um_up_down(&T.s, "the Hub closed the connection");
	ck_assert_str_eq(take(T.out), "421 sbc.example.test Hub Transport connection lost, try again later\r\n");
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_lost_waiting_reply)
{
	to_rcpt(&all_caps);
	client("RCPT TO:<b@h.test>\r\n");
	hub_um_up_down(&T.s, "timeout");
	ck_assert_str_eq(take(T.out), "421 4.4.2 sbc.example.test Hub Transport connection lost, try again later\r\n");
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_lost_in_data)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	take(T.out);
	client("line 1\r\n");
	hub_um_up_down(&T.s, "reset by peer");
	ck_assert_str_eq(take(T.out), "");	/* the client is still sending */
	client("line 2\r\n.\r\n");
	ck_assert_str_eq(take(T.out), "451 4.4.2 Hub Transport connection lost, message not accepted, try again later\r\n");
	ck_assert_str_eq(take(T.data), "line 1\r\n");
	ck_assert_int_eq(T.data_end, 0);
	client("MAIL FROM:<a@b>\r\n");
	ck_assert_str_eq(take(T.out), "421 4.4.2 sbc.example.test Hub Transport connection lost, try again later\r\n");
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_lost_before_final)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	take(T.out);
	client("x\r\n.\r\n");
	ck_assert_int_eq(T.data_end, 1);
	hub_um_up_down(&T.s, "reset by peer");
	ck_assert_str_eq(take(T.out), "451 4.4.2 Hub Transport connection lost before it confirmed the message, try again later\r\n");
	ck_assert_int_eq(T.s.messages, 0);
	client("QUIT\r\n");
	ck_assert_str_eq(take(T.out), "221 2.0.0 Bye\r\n");
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_hub_rejects_message)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	take(T.out);
	client("x\r\n.\r\n");
	uint64_t before[HUB_MSG_COUNT], after[HUB_MSG_COUNT];
	hub_outcomes(before);
	hub("552 5.3.4 Message size exceeds fixed limit");
	hub_outcomes(after);
	ck_assert_uint_eq(after[HUB_MSG_REFUSED], before[HUB_MSG_REFUSED] + 1);
	ck_assert_uint_eq(after[HUB_MSG_ACCEPTED], before[HUB_MSG_ACCEPTED]);
	ck_assert_str_eq(take(T.out), "552 5.3.4 Message size exceeds fixed limit\r\n");
	ck_assert_int_eq(T.s.messages, 0);
	ck_assert_int_eq(T.s.in_mail, 0);
	ck_assert_int_eq(T.s.state, HUB_UM_CMD);
}
END_TEST

START_TEST(session_hub_421)
{
	to_rcpt(&all_caps);
	client("RCPT TO:<b@h.test>\r\n");
	hub("421 4.3.2 hub shutting down");
	ck_assert_str_eq(take(T.out), "421 4.3.2 hub shutting down\r\n");
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_data_long_line)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	take(T.out);
	char big[1200];
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	client("ok line\r\n");
	client(big);
	ck_assert_int_eq(T.aborted, 1);	/* the Hub never sees an end to it */
	client("\r\nmore\r\n.\r\n");
	ck_assert_str_eq(take(T.out), "554 5.6.0 Message rejected: a text line is longer than 998 characters\r\n");
	ck_assert_int_eq(T.data_end, 0);
	const char *d = take(T.data);
	ck_assert_uint_eq(strlen(d), 9 + 999);
	client("MAIL FROM:<a@b>\r\n");
	ck_assert_str_eq(take(T.out), "421 4.4.2 sbc.example.test Hub Transport connection lost, try again later\r\n");
}
END_TEST

START_TEST(session_data_bare_lf)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	take(T.out);
	take(T.up);
	client("a\r\nb\n.\nMAIL FROM:<evil@x>\r\n.\r\n");
	ck_assert_int_eq(T.aborted, 1);
	ck_assert_str_eq(take(T.data), "a\r\nb");	/* stops before the bare LF */
	ck_assert_str_eq(take(T.out), "554 5.6.0 Message rejected: bare LF in message text (RFC 5321 2.3.8)\r\n");
	ck_assert_str_eq(take(T.up), "");
}
END_TEST

START_TEST(session_backpressure)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	T.room = 0;
	client("1\r\n");
	client("2\r\n");	/* a full Hub side: the rest waits */
	ck_assert_str_eq(take(T.data), "1\r\n");
	ck_assert_uint_eq(evbuffer_get_length(T.in), 3);
	T.room = 1;
	hub_um_resume(&T.s);
	ck_assert_str_eq(take(T.data), "2\r\n");
	client(".\r\n");
	ck_assert_str_eq(take(T.data), ".\r\n");
	ck_assert_int_eq(T.data_end, 1);
}
END_TEST

START_TEST(session_timeouts)
{
	to_rcpt(&all_caps);
	ck_assert_int_eq(hub_um_client_timeout(&T.s), 300);
	client("DATA\r\n");
	hub("354 go");
	client("x\r\n");
	hub_um_timeout(&T.s);
	ck_assert_int_eq(T.aborted, 1);
	ck_assert_int_eq(T.quit, 0);
	ck_assert_str_eq(take(T.out), "354 go\r\n421 4.4.2 sbc.example.test Error: timeout exceeded\r\n");
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_timeout_idle)
{
	hub_um_up_ready(&T.s, &all_caps, NULL);
	take(T.out);
	hub_um_timeout(&T.s);
	ck_assert_str_eq(take(T.out), "421 sbc.example.test Error: timeout exceeded\r\n");
	ck_assert_int_eq(T.quit, 1);
}
END_TEST

START_TEST(session_eof)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub("354 go");
	client("partial");
	hub_um_client_eof(&T.s);
	ck_assert_int_eq(T.aborted, 1);	/* never QUIT: that would not end DATA */
	ck_assert_int_eq(T.data_end, 0);
	ck_assert(hub_um_done(&T.s));
}
END_TEST

START_TEST(session_shutdown)
{
	to_rcpt(&all_caps);
	client("DATA\r\n");
	hub_um_shutdown(&T.s);	/* busy: the message finishes first */
	ck_assert(!hub_um_done(&T.s));
	hub("354 go");
	client("x\r\n.\r\n");
	hub("250 2.0.0 queued");
	ck_assert_str_eq(take(T.out), "354 go\r\n250 2.0.0 queued\r\n"
	    "421 4.3.0 sbc.example.test Service shutting down, try again later\r\n");
	ck_assert(hub_um_done(&T.s));
	ck_assert_int_eq(T.quit, 1);
}
END_TEST

/* ---- the upstream session ---- */

static struct {
	struct evbuffer *sent;
	int start_tls, ready, down, replies;
	struct hub_smtp_caps caps;
	char reason[512];
	int last_code;
	struct hub_session u;
} U;

static void u_send(void *a, const char *b, size_t n) { (void)a; evbuffer_add(U.sent, b, n); }
static void u_start_tls(void *a) { (void)a; U.start_tls++; }
static void u_ready(void *a, const struct hub_smtp_caps *c) { (void)a; U.ready++; U.caps = *c; }
static void
u_reply(void *a, const struct hub_smtp_reply *r)
{
	(void)a;
	U.replies++;
	U.last_code = r->code;
}
static void
u_down(void *a, const char *why)
{
	(void)a;
	U.down++;
	snprintf(U.reason, sizeof(U.reason), "%s", why);
}
static const struct hub_session_ops uops = { u_send, u_start_tls, u_ready, u_reply, u_down };

static void
line(const char *l)
{
	hub_session_line(&U.u, l, strlen(l));
}

static void
usetup(void)
{
	memset(&U, 0, sizeof(U));
	U.sent = evbuffer_new();
	hub_session_init(&U.u, &uops, NULL, "sbc.example.test", 300, 600);
}

static void
uteardown(void)
{
	evbuffer_free(U.sent);
}

static void
up_to_ready(void)
{
	hub_session_connected(&U.u);
	ck_assert_int_eq(hub_session_timeout(&U.u), 300);
	line("220 hub.example.test ESMTP");
	ck_assert_str_eq(take(U.sent), "EHLO sbc.example.test\r\n");
	line("250-hub.example.test");
	line("250-PIPELINING");
	line("250-STARTTLS");
	line("250 8BITMIME");
	ck_assert_str_eq(take(U.sent), "STARTTLS\r\n");
	line("220 2.0.0 Ready to start TLS");
	ck_assert_int_eq(U.start_tls, 1);
	ck_assert_int_eq(U.u.state, HUB_UP_HANDSHAKE);
	line("250 injected");	/* nothing counts while the handshake runs */
	hub_session_tls_done(&U.u, 1, NULL);
	ck_assert_str_eq(take(U.sent), "EHLO sbc.example.test\r\n");
	line("250-hub.example.test");
	line("250-SIZE 1000");
	line("250 ENHANCEDSTATUSCODES");
	ck_assert_int_eq(U.ready, 1);
	ck_assert(U.caps.size && U.caps.size_max == 1000 && U.caps.enhancedstatuscodes && !U.caps.starttls);
	ck_assert_int_eq(hub_session_timeout(&U.u), 0);
}

START_TEST(up_happy)
{
	up_to_ready();
	hub_session_command(&U.u, "MAIL FROM:<>\r\n", 14);
	ck_assert_str_eq(take(U.sent), "MAIL FROM:<>\r\n");
	line("250 2.1.0 Ok");
	ck_assert_int_eq(U.replies, 1);
	hub_session_command(&U.u, "DATA\r\n", 6);
	line("354 go");
	ck_assert_int_eq(U.u.state, HUB_UP_DATA);
	hub_session_data_end(&U.u);
	ck_assert_int_eq(hub_session_timeout(&U.u), 600);
	line("250 2.0.0 queued");
	ck_assert_int_eq(U.u.state, HUB_UP_READY);
	hub_session_quit(&U.u);
	take(U.sent);
	ck_assert_int_eq(U.down, 0);
}
END_TEST

START_TEST(up_no_starttls)
{
	hub_session_connected(&U.u);
	line("220 hub ESMTP");
	take(U.sent);
	line("250-hub");
	line("250 SIZE");
	ck_assert_int_eq(U.down, 1);
	ck_assert_msg(strstr(U.reason, "does not offer STARTTLS"), "%s", U.reason);
	ck_assert_str_eq(take(U.sent), "QUIT\r\n");	/* and nothing else in clear */
	ck_assert_int_eq(U.start_tls, 0);
}
END_TEST

START_TEST(up_setup_failures)
{
	static const char *const scripts[][4] = {
		{ "554 5.7.1 go away", NULL },
		{ "220 hub", "502 5.5.2 EHLO not understood", NULL },
		{ "220 hub", "250 STARTTLS-in-name-only", NULL },
		{ "220 hub", "250-hub", "250 STARTTLS", "454 4.7.0 TLS not available" },
		{ "220 hub", "garbage", NULL },
		{ "421 4.3.2 busy", NULL },
	};
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		uteardown();
		usetup();
		hub_session_connected(&U.u);
		for (int k = 0; k < 4 && scripts[i][k]; k++)
			line(scripts[i][k]);
		ck_assert_msg(U.down == 1, "script %zu: down %d", i, U.down);
		ck_assert_int_eq(U.start_tls, 0);
		ck_assert_int_eq(U.ready, 0);
		const char *s = take(U.sent);
		ck_assert_msg(!strstr(s, "MAIL") && !strstr(s, "RCPT"), "%s", s);
	}
}
END_TEST

START_TEST(up_tls_failure)
{
	hub_session_connected(&U.u);
	line("220 hub");
	line("250-hub");
	line("250 STARTTLS");
	line("220 go");
	take(U.sent);
	hub_session_tls_done(&U.u, 0, "certificate verification: unable to get local issuer certificate");
	ck_assert_int_eq(U.down, 1);
	ck_assert_msg(strstr(U.reason, "TLS handshake with the Hub failed: certificate"), "%s", U.reason);
	ck_assert_str_eq(take(U.sent), "");	/* not even QUIT */
	hub_session_error(&U.u, "EOF");
	ck_assert_int_eq(U.down, 1);	/* once */
}
END_TEST

START_TEST(up_after_ready)
{
	up_to_ready();
	line("421 4.4.2 hub timeout");	/* unsolicited */
	ck_assert_int_eq(U.down, 1);
	uteardown();
	usetup();
	up_to_ready();
	hub_session_command(&U.u, "RCPT TO:<a@b>\r\n", 15);
	line("421 4.3.2 bye");
	ck_assert_int_eq(U.replies, 1);	/* passed on, then closed */
	ck_assert_int_eq(U.u.state, HUB_UP_CLOSED);
	uteardown();
	usetup();
	up_to_ready();
	hub_session_command(&U.u, "DATA\r\n", 6);
	line("354 go");
	line("554 early");	/* a reply in the middle of the data */
	ck_assert_int_eq(U.down, 1);
	uteardown();
	usetup();
	up_to_ready();
	hub_session_command(&U.u, "RCPT TO:<a@b>\r\n", 15);
	line("250-a");
	line("251 b");
	ck_assert_int_eq(U.down, 1);
	ck_assert_str_eq(U.reason, "malformed reply from the Hub");
}
END_TEST

Suite *
hub_sessions_suite(void)
{
	Suite *s = suite_create("hub_sessions");
	TCase *t = tcase_create("um");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, session_happy);
	tcase_add_test(t, session_pipelining);
	tcase_add_test(t, session_no_esc);
	tcase_add_test(t, session_helo);
	tcase_add_test(t, session_sequence);
	tcase_add_test(t, session_ehlo_resets);
	tcase_add_test(t, session_garbage);
	tcase_add_test(t, session_long_line);
	tcase_add_test(t, session_hub_unavailable);
	tcase_add_test(t, session_lost_idle);
	tcase_add_test(t, session_lost_waiting_reply);
	tcase_add_test(t, session_lost_in_data);
	tcase_add_test(t, session_lost_before_final);
	tcase_add_test(t, session_hub_rejects_message);
	tcase_add_test(t, session_hub_421);
	tcase_add_test(t, session_data_long_line);
	tcase_add_test(t, session_data_bare_lf);
	tcase_add_test(t, session_backpressure);
	tcase_add_test(t, session_timeouts);
	tcase_add_test(t, session_timeout_idle);
	tcase_add_test(t, session_eof);
	tcase_add_test(t, session_shutdown);
	suite_add_tcase(s, t);
	TCase *u = tcase_create("hub");
	tcase_add_checked_fixture(u, usetup, uteardown);
	tcase_add_test(u, up_happy);
	tcase_add_test(u, up_no_starttls);
	tcase_add_test(u, up_setup_failures);
	tcase_add_test(u, up_tls_failure);
	tcase_add_test(u, up_after_ready);
	suite_add_tcase(s, u);
	return s;
}
