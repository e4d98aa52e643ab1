/* The calls the admission limits count, with or without media anchoring:
 * from the initial INVITE we forward to the call's end -- a BYE either way
 * (ours too: media time-out, gateway removed, shutdown), a final failure of
 * the initial INVITE (CANCEL's 487 and our own 408/503 included). A call
 * that is never ended counts for at most DIALOG_MAX_S after its answer, or
 * DIALOG_UNANSWERED_S without one, since no limit may stay held for ever
 * by a lost BYE. Keyed by Call-ID. Core thread only. */
#ifndef UMSBC_DIALOGS_H
#define UMSBC_DIALOGS_H

#include <stdint.h>
#include <event2/event.h>
#include <sofia-sip/sip.h>

#include "admission_limits.h"

#define DIALOG_MAX_LIMITS 6
#define DIALOG_MAX_S (12 * 3600)	/* as Kamailio's dialog module's default */
#define DIALOG_UNANSWERED_S 200		/* Timer C (180 s) and a margin */

/* The limits a new call holds until it ends. */
struct dialog_ticket {
	struct alim *lim[DIALOG_MAX_LIMITS];
	int n;
};

int dialogs_init(struct event_base *base);
/* Whether the Call-ID is a call counted now. */
int dialogs_known(const char *call_id);
/* The call of this initial INVITE starts: each limit of the ticket counts
 * it (a call already known is not counted twice). 0, or -1 out of memory. */
int dialogs_start(sip_t const *invite, const struct dialog_ticket *t, int64_t now_ms);
/* The UM server a gateway's new call is sent to (again on failover): the
 * call moves to its limit. -1 when that server has no room (pass it over);
 * 0 also for a Call-ID that is no counted call. */
int dialogs_use_um(const char *call_id, struct alim *um, int64_t now_ms);
/* A request forwarded within a call: a BYE ends it. */
void dialogs_request(sip_t const *sip);
/* A final status for a request of the call (sip: that request or its
 * response): a failure of the initial INVITE ends it, a 2xx answers it. */
void dialogs_final(sip_t const *sip, int status);
unsigned dialogs_count(void);
/* Calls counted now against limit l (a gateway's, a UM server's): what
 * status shows as their calls_active. 0 for l = NULL. */
unsigned dialogs_count_held(const struct alim *l);
/* Forgets every call (shutdown, tests). */
void dialogs_clear(void);

#endif
