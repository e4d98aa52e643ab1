/* The control socket's lines (control_lines) and command words (control_verb). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "suites.h"

static char seen[1024];	/* the lines dispatched, each followed by '|' */

static int
record(const char *cmd, struct evbuffer *out, uint64_t client)
{
	size_t off = strlen(seen);

	(void)client;
	snprintf(seen + off, sizeof(seen) - off, "%s|", cmd);
	evbuffer_add_printf(out, "ok %s\n", cmd);
	return 0;
}

/* Feeds text (len bytes) in reads of step bytes (0: at once) until the
 * client is closed; returns -1 if it was. */
static int
feed(const char *text, size_t len, size_t step, struct evbuffer *in, struct evbuffer *out)
{
	seen[0] = '\0';
	for (size_t off = 0; off < len;) {
		size_t n = step && step < len - off ? step : len - off;
		evbuffer_add(in, text + off, n);
		off += n;
		if (control_lines(in, out, record, 1) != 0)
			return -1;
	}
	return 0;
}

START_TEST(lines_across_reads)
{
	static const char text[] = "status\r\nreload\n\nfrob";

	for (size_t step = 0; step <= 3; step++) {
		struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
		ck_assert_int_eq(feed(text, strlen(text), step, in, out), 0);
		ck_assert_str_eq(seen, "status|reload||");
		size_t n = evbuffer_get_length(out);
		ck_assert_int_eq(n, strlen("ok status\n.\nok reload\n.\nok \n.\n"));
		ck_assert_int_eq(memcmp(evbuffer_pullup(out, -1), "ok status\n.\nok reload\n.\nok \n.\n", n), 0);
		ck_assert_uint_eq(evbuffer_get_length(in), 4);	/* "frob" waits for its end */
		evbuffer_free(in);
		evbuffer_free(out);
	}
}
END_TEST

/* Found by fuzz_control: a line over the limit was answered when it came in
 * one read, and closed when it came in pieces. Now closed either way; one of
 * CONTROL_LINE_MAX bytes is answered either way, with LF or CRLF. */
START_TEST(line_limit_however_read)
{
	char text[CONTROL_LINE_MAX + 8];

	for (size_t step = 0; step <= 1; step++) {
		struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
		memset(text, 'x', CONTROL_LINE_MAX + 1);
		memcpy(text + CONTROL_LINE_MAX + 1, "\n", 2);
		ck_assert_int_eq(feed(text, strlen(text), step, in, out), -1);
		ck_assert_str_eq(seen, "");
		memcpy(text + CONTROL_LINE_MAX, "\r\n", 3);
		evbuffer_drain(in, evbuffer_get_length(in));
		ck_assert_int_eq(feed(text, strlen(text), step, in, out), 0);
		ck_assert_uint_eq(strlen(seen), CONTROL_LINE_MAX + 1);
		evbuffer_free(in);
		evbuffer_free(out);
	}
}
END_TEST

/* Found by fuzz_control: "status\0..." ran status, the rest unseen. */
START_TEST(nul_closes)
{
	static const char text[] = "reload\nstatus\0garbage\nstatus\n";
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();

	ck_assert_int_eq(feed(text, sizeof(text) - 1, 0, in, out), -1);
	ck_assert_str_eq(seen, "reload|");
	evbuffer_free(in);
	evbuffer_free(out);
}
END_TEST

START_TEST(verbs_are_exact)
{
	ck_assert_int_eq(control_verb("status"), CONTROL_STATUS);
	ck_assert_int_eq(control_verb("reload"), CONTROL_RELOAD);
	ck_assert_int_eq(control_verb("status "), CONTROL_UNKNOWN);
	ck_assert_int_eq(control_verb("STATUS"), CONTROL_UNKNOWN);
	ck_assert_int_eq(control_verb("reloa"), CONTROL_UNKNOWN);
	ck_assert_int_eq(control_verb(""), CONTROL_UNKNOWN);
	ck_assert_int_eq(control_verb("test-connectivity"), CONTROL_TEST);
	ck_assert_int_eq(control_verb("test-connectivity --um um1"), CONTROL_TEST);
	ck_assert_int_eq(control_verb("test-connectivityx"), CONTROL_UNKNOWN);
}
END_TEST

Suite *
control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, lines_across_reads);
	tcase_add_test(tc, line_limit_however_read);
	tcase_add_test(tc, nul_closes);
	tcase_add_test(tc, verbs_are_exact);
	suite_add_tcase(s, tc);
	return s;
}
