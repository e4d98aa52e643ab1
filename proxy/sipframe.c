#include "config.h"

#include <string.h>
#include <strings.h>

#include "sipframe.h"
#include "sipmsg.h"

/* CR and LF between messages are keep-alives (RFC 5626 4.4.1), not a start. */
static size_t
drain_keepalives(struct evbuffer *in)
{
	size_t n = 0;
	unsigned char ch;

	while (evbuffer_copyout(in, &ch, 1) == 1 && (ch == '\r' || ch == '\n')) {
		evbuffer_drain(in, 1);
		n++;
	}
	return n;
}

/* The Content-Length of the header section p[0..n), if one line gives it
 * plainly ("Content-Length" or "l", blanks, ':', blanks, digits, CRLF);
 * -1 when there is none, more than one, or any other form. */
static long
content_length(const char *p, size_t n)
{
	long cl = -1;

	for (const char *line = p, *end = p + n; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *q = line;
		size_t left = (size_t)((eol ? eol : end) - line);
		if (left >= 14 && strncasecmp(q, "Content-Length", 14) == 0)
			q += 14;
		else if (left >= 1 && (*q == 'l' || *q == 'L'))
			q += 1;
		else
			q = NULL;
		if (q) {
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
		}
		if (q && q < end && *q == ':') {
			if (cl >= 0)
				return -1;
			for (q++; q < end && (*q == ' ' || *q == '\t'); q++)
				;
			const char *d = q;
			for (cl = 0; q < end && *q >= '0' && *q <= '9' && q - d < 9; q++)
				cl = cl * 10 + (*q - '0');
			if (q == d || q + 1 >= end || q[0] != '\r' || q[1] != '\n' ||
			    (q + 2 < end && (q[2] == ' ' || q[2] == '\t')))
				return -1;	/* not plain, or folded onto the next line */
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	return cl;
}

/* Where the first message of p[0..n) plainly ends (its header section, the
 * empty line and Content-Length bytes), or 0 when that takes more reading
 * than this. Parsing only that much spares sofia-sip a copy of all that
 * follows into a next message, made and freed again for each message of a
 * read; what it decides otherwise, the full parse decides as before. */
/* The first CRLF CRLF of s[0..n), or NULL. */
static const char *
empty_line(const char *s, size_t n)
{
	for (const char *q = s, *end = s + n; (q = memchr(q, '\r', (size_t)(end - q))); q++)
		if (end - q >= 4 && q[1] == '\n' && q[2] == '\r' && q[3] == '\n')
			return q;
		else if (end - q < 4)
			return NULL;
	return NULL;
}

static size_t
first_message_end(const unsigned char *p, size_t n)
{
	const char *s = (const char *)p;
	const char *blank = empty_line(s, n);

	if (!blank || memchr(s, '\0', (size_t)(blank - s)))
		return 0;
	size_t head = (size_t)(blank - s) + 4;
	long cl = content_length(s, head - 2);
	if (cl < 0 || (size_t)cl > n - head)
		return 0;
	return head + (size_t)cl;
}

enum sipframe_result
sipframe_next(struct evbuffer *in, size_t max, struct sipframe *f)
{
	f->msg = NULL;
	f->status = 0;
	f->used = 0;
	f->keepalive = drain_keepalives(in);

	size_t len = evbuffer_get_length(in);
	if (len == 0)
		return SIPFRAME_EMPTY;
	/* One byte over max tells "too large" from "not ended yet". */
	size_t take = len < max + 1 ? len : max + 1;
	unsigned char *p = evbuffer_pullup(in, (ssize_t)take);
	if (!p) {	/* out of memory: as sipmsg_parse's own failure, 400 */
		f->status = 400;
		return SIPFRAME_VERDICT;
	}
	enum sipmsg_parse r = SIPMSG_BAD;
	size_t one = first_message_end(p, take);
	if (one && one < take &&
	    ((r = sipmsg_parse(p, one, 0, max, &f->msg, &f->used)) != SIPMSG_OK || f->used != one)) {
		if (f->msg)
			msg_destroy(f->msg);
		f->msg = NULL;
		one = 0;
	}
	if (!one || one >= take)
		r = sipmsg_parse(p, take, 0, max, &f->msg, &f->used);
	if (r == SIPMSG_INCOMPLETE && take <= max)
		return SIPFRAME_BEGUN;
	if (r == SIPMSG_INCOMPLETE) {
		/* No end in max bytes: the headers we have let the core answer 413. */
		sipmsg_parse(p, take, 1, max, &f->msg, &f->used);
		f->used = 0;
		r = SIPMSG_TOO_LARGE;
	}
	if (r != SIPMSG_OK) {
		f->status = r == SIPMSG_TOO_LARGE ? 413 : 400;
		return SIPFRAME_VERDICT;
	}
	evbuffer_drain(in, f->used);
	return SIPFRAME_MESSAGE;
}
