/* What we write on a request we forward (RFC 3261 16.6): Max-Forwards, our
 * Via, and Record-Route on both sides (RFC 5658); and taking our stamps off
 * again when it goes to another hop. */
#ifndef UMSBC_STAMP_H
#define UMSBC_STAMP_H

#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>

#include "transport.h"

/* Whether the request may create a dialog: then we Record-Route it. */
int stamp_creates_dialog(sip_t const *sip);
/* Max-Forwards one less, or max_forwards when there is none. */
void stamp_hop_count(msg_t *msg, int max_forwards);
/* Our Via (branch, sent from out) on top; with record_route, Record-Route
 * for in, where it came in, and out. 0, or -1 (out of memory). */
int stamp_request(msg_t *msg, const char *branch, const struct listener *in,
    const struct listener *out, int record_route);
/* Takes off the stamps of stamp_request(msg, branch, ...), if there.
 * Returns whether they were. */
int stamp_remove(msg_t *msg, const char *branch);
/* Our Via on an ACK forwarded without a transaction: its branch derived
 * from the upstream one, so the same ACK gets the same branch. */
int stamp_ack(msg_t *msg, const struct listener *out);

#endif
