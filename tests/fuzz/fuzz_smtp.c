/* libFuzzer target: the Hub relay's readers of peers' bytes (proxy/hub/):
 * SMTP command lines from the UM servers (hub_smtp_cmd_parse), reply lines
 * from the Hub (hub_smtp_reply_feed, hub_smtp_caps_parse, the summary for
 * the log) and the DATA stream (hub_data_scan). Properties beyond "no
 * crash": a MAIL or RCPT we accept and write again (hub_smtp_cmd_format,
 * what goes to the Hub) reads back the same; a reply never holds more than
 * HUB_SMTP_REPLY_MAX bytes; the DATA scanner gives the same verdict at the
 * same place however the stream is cut into reads.
 *
 * Input: byte 0 picks the Hub's capabilities (bits) and byte 1 the size of
 * the DATA reads (b % 64 + 1); the rest, split at LF, are command lines and
 * reply lines, and as a whole the DATA stream. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/data_stream.h"
#include "hub/smtp_syntax.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_smtp: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/* What we send on must mean what we accepted. */
static void
round_trip(const struct hub_smtp_cmd *cmd, const struct hub_smtp_caps *caps)
{
	static struct hub_smtp_cmd again;
	char out[HUB_SMTP_LINE_MAX + 64];
	size_t n = hub_smtp_cmd_format(cmd, out, sizeof(out));

	CHECK(n >= 2 && out[n - 2] == '\r' && out[n - 1] == '\n');
	CHECK(hub_smtp_cmd_parse(out, n - 2, caps, &again) == HUB_SMTP_OK);
	CHECK(again.verb == cmd->verb);
	CHECK(strcmp(again.path, cmd->path) == 0);
	CHECK(again.has_size == cmd->has_size && again.size == cmd->size);
	CHECK(again.body == cmd->body);
}

static void
command_line(const char *line, size_t len, const struct hub_smtp_caps *caps)
{
	static struct hub_smtp_cmd cmd;

	if (hub_smtp_cmd_parse(line, len, caps, &cmd) != HUB_SMTP_OK)
		return;
	if (cmd.verb == HUB_SMTP_MAIL || cmd.verb == HUB_SMTP_RCPT)
		round_trip(&cmd, caps);
}

static void
reply_line(struct hub_smtp_reply *r, const char *line, size_t len)
{
	char sum[200];
	struct hub_smtp_caps caps;

	if (r->complete)
		hub_smtp_reply_reset(r);
	int rc = hub_smtp_reply_feed(r, line, len);
	CHECK(r->len <= sizeof(r->raw));
	if (rc < 0) {
		hub_smtp_reply_reset(r);
		return;
	}
	if (rc == 1) {
		CHECK(r->code >= 100 && r->code <= 999);
		(void)hub_smtp_caps_parse(r, &caps);
		CHECK(strlen(hub_smtp_reply_summary(r, sum, sizeof(sum))) < sizeof(sum));
	}
}

/* The scanner's verdict on the whole stream, read in pieces of `step`:
 * what it said and after how many octets. */
static void
scan(const uint8_t *p, size_t n, size_t step, enum hub_data_result *res, size_t *at)
{
	struct hub_data_scanner d;
	size_t off = 0;

	hub_data_init(&d, 0);
	*res = HUB_DATA_MORE;
	while (off < n) {
		size_t len = n - off < step ? n - off : step, used = len;
		*res = hub_data_scan(&d, p + off, len, &used);
		CHECK(used <= len);
		off += used;
		if (*res != HUB_DATA_MORE)
			break;
	}
	*at = off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hub_smtp_reply reply;
	struct hub_smtp_caps caps = { 0 };

	if (size < 2)
		return 0;
	caps.starttls = data[0] & 1;
	caps.size = (data[0] >> 1) & 1;
	caps.size_max = caps.size ? 1000000 : 0;
	caps.eightbitmime = (data[0] >> 2) & 1;
	caps.pipelining = (data[0] >> 3) & 1;
	caps.enhancedstatuscodes = (data[0] >> 4) & 1;
	size_t step = data[1] % 64 + 1;
	const uint8_t *body = data + 2;
	size_t n = size - 2;

	/* Lines as the sessions hand them over: without CRLF, possibly with NULs. */
	char *copy = malloc(n + 1);
	if (!copy)
		return 0;
	memcpy(copy, body, n);
	copy[n] = '\0';
	hub_smtp_reply_reset(&reply);
	for (size_t start = 0; start <= n;) {
		const char *nl = memchr(copy + start, '\n', n - start);
		size_t end = nl ? (size_t)(nl - copy) : n, len = end - start;
		if (len > 0 && copy[start + len - 1] == '\r')
			len--;
		if (len <= HUB_SMTP_LINE_MAX) {
			command_line(copy + start, len, &caps);
			reply_line(&reply, copy + start, len);
		}
		start = end + 1;
	}
	free(copy);

	enum hub_data_result whole, cut;
	size_t whole_at, cut_at;
	scan(body, n, n ? n : 1, &whole, &whole_at);
	scan(body, n, step, &cut, &cut_at);
	CHECK(whole == cut && whole_at == cut_at);
	return 0;
}
