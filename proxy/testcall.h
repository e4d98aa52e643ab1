/* umsbcctl test-connectivity --call: one real call of our own to a UM
 * server, as a gateway's call reaches it: INVITE with a plain RTP offer
 * (PCMU, PCMA) on a port of the inside media pool, ACK, RTP both ways for
 * TESTCALL_MEDIA_MS, then BYE. Core thread only. */
#ifndef UMSBC_TESTCALL_H
#define UMSBC_TESTCALL_H

#include <event2/event.h>

#include "conf.h"

#define TESTCALL_ANSWER_MS 4000		/* a final answer within this, else CANCEL */
#define TESTCALL_MEDIA_MS 2000		/* RTP sent (20 ms packets) and counted */
#define TESTCALL_MIN_RTP 5		/* packets from the UM for a pass: 100 ms of audio */
#define TESTCALL_BYE_MS 2000		/* the BYE's answer within this */

struct testcall_result {
	int pass;
	int status;		/* the INVITE's final status; 0 none, -1 unreachable */
	long setup_ms;		/* INVITE to its final answer */
	char codec[32];		/* "PCMA/8000" as answered, "" none */
	unsigned rtp_sent, rtp_received;
	int bye_status;		/* the BYE's, 0 none, -1 not sent (no dialog) */
	char reason[200];	/* why it failed, "" on a pass */
};

typedef void (*testcall_done_fn)(void *arg, const struct testcall_result *r);

/* A test call to UM server um of c with the dialled number (a SIP URI user
 * part). done is called exactly once, maybe before this returns. */
void testcall_start(struct event_base *base, const struct conf *c, int um,
    const char *number, testcall_done_fn done, void *arg);

/* Whether number may be dialled: RFC 3261 user characters we accept. */
int testcall_number_ok(const char *number);

#endif
