/* libFuzzer target: the control socket's framing (control_lines, the loop
 * client_read runs) and command words (control_verb), with a dispatcher in
 * place of the daemon's. However the bytes are cut into reads, the same lines
 * must be dispatched, each one the stream's next line whole (no NUL cutting it
 * short), none longer than CONTROL_LINE_MAX, and the client closed alike.
 *
 * Input: bytes 0..3 are the sizes of the reads in turn (b + 1), the rest is
 * what the client writes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD 4

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_control: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

struct run {
	int lines, closed;
	uint64_t seen;		/* the lines dispatched, hashed in order */
	size_t cursor;		/* where the next line starts in the stream */
	size_t left;		/* bytes buffered at the end */
	uint64_t out;		/* the answers written */
};

/* control_fn has no argument: the stream and run being fed. */
static struct {
	const uint8_t *s;
	size_t fed;
	struct run *run;
} S;

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

/* The dispatcher: cmd must be the stream's next line, without its LF or
 * CRLF, all of it. It answers as on_control does, without the daemon. */
static int
dispatch(const char *cmd, struct evbuffer *out, uint64_t client)
{
	struct run *run = S.run;
	const uint8_t *start = S.s + run->cursor;
	const uint8_t *nl = memchr(start, '\n', S.fed - run->cursor);

	CHECK(nl);
	size_t n = (size_t)(nl - start);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	CHECK(strlen(cmd) == n);	/* no NUL inside */
	CHECK(memcmp(cmd, start, n) == 0);
	CHECK(n <= CONTROL_LINE_MAX);
	run->cursor = (size_t)(nl + 1 - S.s);
	run->lines++;
	run->seen = mix(run->seen, cmd, n + 1);
	switch (control_verb(cmd)) {
	case CONTROL_STATUS:
		CHECK(strcmp(cmd, "status") == 0);
		evbuffer_add_printf(out, "ok\nversion fuzz\n");
		break;
	case CONTROL_RELOAD:
		CHECK(strcmp(cmd, "reload") == 0);
		evbuffer_add_printf(out, "ok reload done\n");
		break;
	case CONTROL_TEST:
		/* Answered at once here: the daemon's late answer is
		 * control_answer's business, not the framing's. */
		CHECK(strncmp(cmd, "test-connectivity", 17) == 0);
		evbuffer_add_printf(out, "result pass\n");
		break;
	case CONTROL_UNKNOWN:
		evbuffer_add_printf(out, "error unknown command \"%s\" (try: status, reload)\n", cmd);
		break;
	}
	(void)client;
	return 0;
}

/* Feeds s in reads of the sizes cycling through sizes[] (NULL: one read),
 * running control_lines after each as client_read does, until it closes. */
static void
feed(const uint8_t *s, size_t len, const uint8_t *sizes, struct run *run)
{
	struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();

	CHECK(in && out);
	memset(run, 0, sizeof(*run));
	S.s = s;
	S.fed = 0;
	S.run = run;
	for (unsigned k = 0; S.fed < len && !run->closed; k++) {
		size_t n = sizes ? (size_t)sizes[k % HEAD] + 1 : len;
		if (n > len - S.fed)
			n = len - S.fed;
		CHECK(evbuffer_add(in, s + S.fed, n) == 0);
		S.fed += n;
		run->closed = control_lines(in, out, dispatch, 1) != 0;
		/* What is buffered is the stream after the lines dispatched (a
		 * closed client's bad line was read, and the rest is dropped). */
		CHECK(run->closed || run->cursor + evbuffer_get_length(in) == S.fed);
	}
	run->left = evbuffer_get_length(in);
	CHECK(run->closed || run->left == 0 ||
	    memcmp(evbuffer_pullup(in, -1), s + run->cursor, run->left) == 0);
	size_t olen = evbuffer_get_length(out);
	run->out = olen ? mix(olen, evbuffer_pullup(out, -1), olen) : 0;
	evbuffer_free(in);
	evbuffer_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run whole, cut;

	if (size < HEAD)
		return 0;
	feed(data + HEAD, size - HEAD, NULL, &whole);
	feed(data + HEAD, size - HEAD, data, &cut);
	if (cut.lines != whole.lines || cut.seen != whole.seen || cut.closed != whole.closed) {
		fprintf(stderr, "fuzz_control: in one read %d lines%s, in reads %d lines%s%s\n",
		    whole.lines, whole.closed ? " then closed" : "", cut.lines,
		    cut.closed ? " then closed" : "", cut.seen != whole.seen ? ", other lines" : "");
		abort();
	}
	CHECK(cut.out == whole.out);
	if (!whole.closed)
		CHECK(cut.left == whole.left);
	return 0;
}
