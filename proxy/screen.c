#include "config.h"

#include <stdio.h>

#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "log.h"
#include "loop.h"
#include "refusal.h"
#include "screen.h"
#include "sipmsg.h"

static const char *
peer_str(const struct inbound *in, char *buf)
{
	return netaddr_str(netaddr_csa(&in->peer), buf, NETADDR_STRLEN);
}

static int
is_ack(sip_t const *sip)
{
	return sip->sip_request && sip->sip_request->rq_method == sip_method_ack;
}

int
screen_refused(const struct inbound *in, msg_t *msg)
{
	char p[NETADDR_STRLEN], l[NETADDR_STRLEN];

	if (in->adm.verdict == ADMIT_OK)
		return 0;
	refusal_count(in->adm.refusal);
	log_limited(LOG_WARNING, EV_PEER_REFUSED,
	    "peer refused: peer=%s local=%s transport=%s reason=%s", peer_str(in, p),
	    netaddr_str(netaddr_csa(&in->li->sa), l, sizeof(l)),
	    conf_transport_name(in->tp), in->adm.reason);
	if (sip_object(msg)->sip_request && !is_ack(sip_object(msg)))
		transport_answer(in, msg, 403, "Forbidden", NULL);
	return 1;
}

/* The log says what was done: an answer that could not be built or sent
 * is not "answered". */
static void
answer_malformed(const struct inbound *in, msg_t *msg, int status, const char *phrase,
    const char *unsupported)
{
	char p[NETADDR_STRLEN], extra[300];
	const char *x = NULL;

	if (status == 420) {
		snprintf(extra, sizeof(extra), "Unsupported: %s", unsupported);
		x = extra;
	}
	if (transport_answer(in, msg, status, phrase, x))
		log_limited(LOG_NOTICE, EV_MALFORMED, "malformed SIP from peer=%s answered %d (%s)",
		    peer_str(in, p), status, phrase);
	else
		log_limited(LOG_NOTICE, EV_MALFORMED,
		    "malformed SIP from peer=%s could not be answered (%d %s)",
		    peer_str(in, p), status, phrase);
}

int
screen_malformed(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	const char *phrase, *unsupported;
	char p[NETADDR_STRLEN];
	int status = sipmsg_check_request(sip, msg_has_error(msg), &phrase, &unsupported);

	if (!status)
		return 0;
	if (!sip->sip_request && sipmsg_is_response_text(msg))
		log_limited(LOG_NOTICE, EV_MALFORMED,
		    "malformed SIP response from peer=%s dropped", peer_str(in, p));
	else if (is_ack(sip))
		log_limited(LOG_NOTICE, EV_MALFORMED,
		    "malformed SIP from peer=%s not answered (an ACK): %d (%s)",
		    peer_str(in, p), status, phrase);
	else
		answer_malformed(in, msg, status, phrase, unsupported);
	return 1;
}

int
screen_looped(const struct conf *c, const struct inbound *in, msg_t *msg, uint32_t loop)
{
	sip_t *sip = sip_object(msg);
	char p[NETADDR_STRLEN];

	if (!loop_detected(c, sip, loop))
		return 0;
	log_limited(LOG_WARNING, EV_LOOP_DETECTED, "loop detected: %s from peer=%s carries "
	    "our own Via with the same branch hash: %s", sip->sip_request->rq_method_name,
	    peer_str(in, p), is_ack(sip) ? "dropped" : "answered 482");
	if (!is_ack(sip))
		transport_answer(in, msg, 482, "Loop Detected", NULL);
	return 1;
}
