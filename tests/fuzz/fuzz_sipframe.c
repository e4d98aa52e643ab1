/* libFuzzer target: SIP stream framing (proxy/sipframe.c) as wconn_read
 * drives it. The input is a byte stream cut into reads; the messages and
 * verdicts must be those of one read of the whole stream, and every byte must
 * be accounted for exactly once (keep-alives, messages, what is left).
 *
 * Input: byte 0 picks the size limit (200 + 32 * b), bytes 1..4 the sizes of
 * the reads in turn (b + 1, so 0 is byte by byte), the rest is the stream. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/sip_header.h>

#include "sipframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD 5
#define MAX_EVENTS 4096

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_sipframe: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

struct event {
	enum sipframe_result r;
	int status;
	size_t keepalive;	/* since the previous event */
	size_t used;
	uint64_t sig;		/* what the message was parsed into */
};

struct run {
	struct event ev[MAX_EVENTS];
	int n;
	enum sipframe_result last;
	size_t keepalive, consumed, left;
};

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211u;
	return h;
}

static uint64_t
mix_str(uint64_t h, const char *s)
{
	return s ? mix(h, s, strlen(s) + 1) : mix(h, "", 1);
}

/* The start line, Call-ID, CSeq, body length and errors of a message. */
static uint64_t
signature(msg_t *msg)
{
	sip_t const *sip = sip_object(msg);
	uint64_t h = 14695981039346656037u;
	int err = msg_has_error(msg);

	h = mix(h, &err, sizeof(err));
	if (!sip)
		return h;
	if (sip->sip_request) {
		h = mix_str(h, sip->sip_request->rq_method_name);
		h = mix_str(h, sip->sip_request->rq_version);
	}
	if (sip->sip_status)
		h = mix(h, &sip->sip_status->st_status, sizeof(sip->sip_status->st_status));
	h = mix_str(h, sip->sip_call_id ? sip->sip_call_id->i_id : NULL);
	if (sip->sip_cseq)
		h = mix(h, &sip->sip_cseq->cs_seq, sizeof(sip->sip_cseq->cs_seq));
	size_t pl = sip->sip_payload ? sip->sip_payload->pl_len : 0;
	return mix(h, &pl, sizeof(pl));
}

/* Frames what in holds, as wconn_read does after a read; 0 after a verdict. */
static int
frame(struct evbuffer *in, size_t max, const uint8_t *s, size_t fed, struct run *run)
{
	struct sipframe f;
	enum sipframe_result r;

	do {
		r = sipframe_next(in, max, &f);
		/* Keep-alives are CR and LF only; a message starts with neither. */
		for (size_t i = 0; i < f.keepalive; i++)
			CHECK(s[run->consumed + i] == '\r' || s[run->consumed + i] == '\n');
		run->keepalive += f.keepalive;
		run->consumed += f.keepalive + f.used;
		CHECK(run->consumed + evbuffer_get_length(in) == fed);
		switch (r) {
		case SIPFRAME_EMPTY:
			CHECK(evbuffer_get_length(in) == 0 && !f.msg);
			break;
		case SIPFRAME_BEGUN:
			CHECK(evbuffer_get_length(in) > 0 && evbuffer_get_length(in) <= max && !f.msg);
			break;
		case SIPFRAME_MESSAGE:
		case SIPFRAME_VERDICT:
			if (r == SIPFRAME_MESSAGE) {
				CHECK(f.msg && f.status == 0 && f.used > 0);
				CHECK(f.used <= max);
				CHECK(s[run->consumed - f.used] != '\r' && s[run->consumed - f.used] != '\n');
			} else
				CHECK((f.status == 400 || f.status == 413) && f.used == 0);
			CHECK(run->n < MAX_EVENTS);
			run->ev[run->n++] = (struct event){ r, f.status, run->keepalive, f.used,
			    r == SIPFRAME_MESSAGE ? signature(f.msg) : 0 };
			run->keepalive = 0;
			break;
		}
		if (f.msg)
			msg_destroy(f.msg);
	} while (r == SIPFRAME_MESSAGE);
	run->last = r;
	return r != SIPFRAME_VERDICT;
}

/* Feeds s in reads of the sizes cycling through sizes[] (NULL: one read). */
static void
feed(const uint8_t *s, size_t len, size_t max, const uint8_t *sizes, struct run *run)
{
	struct evbuffer *in = evbuffer_new();
	size_t fed = 0;

	CHECK(in);
	memset(run, 0, sizeof(*run));
	for (unsigned k = 0; fed < len; k++) {
		size_t n = sizes ? (size_t)sizes[k % 4] + 1 : len;
		if (n > len - fed)
			n = len - fed;
		CHECK(evbuffer_add(in, s + fed, n) == 0);
		fed += n;
		if (!frame(in, max, s, fed, run))
			break;
	}
	/* What is left is exactly the stream after the bytes consumed. */
	run->left = evbuffer_get_length(in);
	CHECK(run->left == fed - run->consumed);
	CHECK(run->left == 0 || memcmp(evbuffer_pullup(in, -1), s + run->consumed, run->left) == 0);
	evbuffer_free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, cut;

	if (size < HEAD)
		return 0;
	size_t max = 200 + 32 * (size_t)data[0];
	const uint8_t *s = data + HEAD;
	size_t len = size - HEAD;

	feed(s, len, max, NULL, &whole);
	feed(s, len, max, data + 1, &cut);
	CHECK(cut.n == whole.n);
	for (int i = 0; i < whole.n; i++) {
		const struct event *a = &whole.ev[i], *b = &cut.ev[i];
		if (a->r != b->r || a->status != b->status || a->keepalive != b->keepalive ||
		    a->used != b->used || a->sig != b->sig) {
			fprintf(stderr, "fuzz_sipframe: event %d: %s %d after %zu keep-alives, %zu bytes "
			    "in one read; %s %d after %zu, %zu bytes in reads\n", i,
			    a->r == SIPFRAME_MESSAGE ? "message" : "verdict", a->status, a->keepalive, a->used,
			    b->r == SIPFRAME_MESSAGE ? "message" : "verdict", b->status, b->keepalive, b->used);
			abort();
		}
	}
	CHECK(cut.last == whole.last);
	if (whole.last != SIPFRAME_VERDICT)
		CHECK(cut.keepalive == whole.keepalive && cut.left == whole.left);
	return 0;
}
