/* UM server health. Each UM server with a probe_interval is sent OPTIONS
 * that often; probe_failures unanswered probes in a row, a refused
 * connection, or a call's request it never answered mark it down, and new
 * calls skip it. Only an answered probe (any status, as in Kamailio's
 * dispatcher) marks it up again, so that the stragglers of an outage cannot
 * make the state flap. A server without probes is never marked down:
 * nothing would tell that it is back. A server known by name is not up
 * while the name has no address. Core thread only. */
#ifndef UMSBC_UM_HEALTH_H
#define UMSBC_UM_HEALTH_H

#include <time.h>
#include <event2/event.h>
#include <sofia-sip/msg_types.h>

#include "conf.h"

/* How a probe ended: a SIP status, or one of these. */
enum { PROBE_NO_ANSWER = 0, PROBE_UNREACHABLE = -1 };

/* As proxy_done_fn: the final response, when there is one, is not used. */
typedef void (*um_probe_done_fn)(void *arg, int status, msg_t *final);
/* Sends OPTIONS to UM server um; done is called exactly once, unless the
 * send fails at once (-1 returned, done not called). timeout_ms bounds it. */
typedef int (*um_probe_send_fn)(int um, long timeout_ms, um_probe_done_fn done, void *arg);

struct um_health_view {
	int probing;		/* probe_interval > 0 */
	int up;
	time_t since;		/* of the current state */
	long rtt_ms;		/* of the last answered probe, -1 = none yet */
	int last_status;	/* of the last answered probe */
	unsigned failures;	/* unanswered probes in a row */
};

int um_health_start(struct event_base *base, const struct conf *c, um_probe_send_fn send);
/* A new config: servers keep their state by name; new ones start up. */
void um_health_reconf(const struct conf *c);
void um_health_stop(void);

/* Whether new calls may go to um: not marked down, and its address known
 * (a server known by name is not up while the name is not resolved). */
int um_health_up(int um);
/* A call's request to um failed (no answer, cannot send, connection lost):
 * a probed server is down now. */
void um_health_failed(int um, const char *why);
void um_health_view(int um, struct um_health_view *v);

#endif
