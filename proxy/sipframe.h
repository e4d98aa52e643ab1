/* SIP over a stream (TCP, TLS): where one message ends and the next begins,
 * on the bytes buffered so far. No socket, no timer: the worker owns those. */
#ifndef UMSBC_SIPFRAME_H
#define UMSBC_SIPFRAME_H

#include <stddef.h>
#include <event2/buffer.h>
#include <sofia-sip/msg.h>

enum sipframe_result {
	SIPFRAME_EMPTY,		/* nothing buffered but keep-alives (drained) */
	SIPFRAME_BEGUN,		/* a message has begun and not ended: wait */
	SIPFRAME_MESSAGE,	/* f->msg, its bytes drained */
	SIPFRAME_VERDICT,	/* f->status 400 or 413, f->msg what could be parsed
				 * (or NULL); nothing after the keep-alives drained */
};

struct sipframe {
	msg_t *msg;		/* the caller's to destroy */
	int status;		/* 0 with a message, else 400 or 413 */
	size_t keepalive;	/* CR and LF bytes drained before it */
	size_t used;		/* bytes of the message drained */
};

/* Drains CRLF keep-alives (RFC 5626) from in, then frames the next message
 * of at most max bytes. */
enum sipframe_result sipframe_next(struct evbuffer *in, size_t max, struct sipframe *f);

#endif
