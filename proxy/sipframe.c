#include "config.h"

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
	enum sipmsg_parse r = sipmsg_parse(p, take, 0, max, &f->msg, &f->used);
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
