/* Call policy for a new call (an initial INVITE about to be forwarded):
 * the dial plan's number rules, then the admission limits. Which dial plan:
 * the gateway's, both ways -- a gateway's call goes to its own dial plan's
 * UM servers, and a UM server's call leaves through the gateway its
 * Request-URI names, whose dial plan says what may be dialled through it
 * (a UM server may serve several dial plans; the gateway has one). A
 * gateway in no dial plan has neither rules nor dial plan limits. Core
 * thread only. */
#ifndef UMSBC_POLICY_H
#define UMSBC_POLICY_H

#include <stdint.h>
#include <sofia-sip/msg.h>

#include "conf.h"
#include "dialogs.h"
#include "transport.h"

#define POLICY_RETRY_CPS 1	/* Retry-After for a call over max_cps */
#define POLICY_RETRY_CALLS 5	/* and over max_calls */

struct policy_refusal {
	int status;		/* 403 or 503 */
	const char *phrase;
	char extra[600];	/* header lines for the answer (Reason, Retry-After) */
};

struct policy_stats {
	uint64_t refused_number, refused_limit;
};

/* The new call msg from in (gw: the gateway, outside the source, inside the
 * destination; cands: a gateway's call's UM servers, those without room
 * removed). 0 with *t (the limits it will hold), or the refusal in *r. */
int policy_new_call(const struct conf *c, const struct inbound *in, msg_t *msg, int gw,
    int *cands, int *n_cands, struct dialog_ticket *t, struct policy_refusal *r);
void policy_stats(struct policy_stats *out);
/* A monotonic clock in ms, for the limits' buckets. */
int64_t policy_now_ms(void);

#endif
