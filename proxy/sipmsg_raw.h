/* sipmsg.c's answer from the raw text (sipmsg_raw.c); not for other rooms. */
#ifndef UMSBC_SIPMSG_RAW_H
#define UMSBC_SIPMSG_RAW_H

#include <stddef.h>

#include <sofia-sip/msg.h>

/* A response to a request sofia-sip could not read far enough (its first line,
 * Via, From, To, Call-ID or CSeq): malloc'd text, or NULL for none (an ACK,
 * what looks like a response). */
char *sipmsg_raw_response(msg_t *req, int status, const char *phrase,
    const char *extra, size_t *len);

#endif
