/* The checks a request passes before it is routed. Each may end it here
 * (answered or dropped, and logged why) and then returns 1; 0 lets it on:
 * admission (a refused peer: 403), RFC 3261 16.3 validation (400, 416,
 * 420, 483, 505; a malformed response or ACK is dropped), and loops (482).
 * Core thread only. */
#ifndef UMSBC_SCREEN_H
#define UMSBC_SCREEN_H

#include <stdint.h>
#include <sofia-sip/msg.h>

#include "conf.h"
#include "transport.h"

int screen_refused(const struct inbound *in, msg_t *msg);
int screen_malformed(const struct inbound *in, msg_t *msg);
/* loop: the request's loop_hash (loop.c). */
int screen_looped(const struct conf *c, const struct inbound *in, msg_t *msg, uint32_t loop);

#endif
