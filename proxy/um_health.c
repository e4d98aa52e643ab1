#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/util.h>

#include "log.h"
#include "um_health.h"

/* While a server is down it is probed every second, so that a restarted UM
 * server is back in rotation at once rather than a probe_interval later. */
#define DOWN_PROBE_S 1

struct um_state {
	char name[64];
	const struct conf_um *u;
	int probing, up, in_flight;
	time_t since;
	long rtt_ms;
	int last_status;
	unsigned failures;
	struct timeval sent;
	struct event *timer;
};

static struct {
	struct event_base *base;
	const struct conf *conf;
	um_probe_send_fn send;
	int n;
	struct um_state *s;
	uint32_t gen;		/* a probe of an older generation is stale */
} H;

static void
schedule(struct um_state *s)
{
	struct timeval tv = { s->up ? s->u->probe_interval : DOWN_PROBE_S, 0 };

	if (s->probing)
		evtimer_add(s->timer, &tv);
}

static void
set_down(struct um_state *s, const char *why)
{
	if (!s->up)
		return;
	s->up = 0;
	s->since = time(NULL);
	log_event(LOG_ERR, EV_UM_DOWN, "UM server %s (%s) down: %s; new calls skip it until it "
	    "answers a probe", s->u->name, s->u->uri, why);
	if (s->probing && !s->in_flight) {
		evtimer_del(s->timer);
		schedule(s);	/* the next probe comes sooner now */
	}
}

static void
set_up(struct um_state *s, const char *how)
{
	if (s->up)
		return;
	log_event(LOG_INFO, EV_UM_UP, "UM server %s (%s) up again: %s, after %ld s down",
	    s->u->name, s->u->uri, how, (long)(time(NULL) - s->since));
	s->up = 1;
	s->since = time(NULL);
}

/* The probe's ticket is its server and generation, not a pointer: a reload
 * may replace the table while a probe is out. */
static void *
ticket(int um)
{
	return (void *)(uintptr_t)(((uint64_t)H.gen << 16) | (uint64_t)um);
}

static void
probe_done(void *arg, int status, msg_t *final)
{
	(void)final;
	uint64_t t = (uint64_t)(uintptr_t)arg;
	int um = (int)(t & 0xffff);
	char how[80];

	if ((uint32_t)(t >> 16) != H.gen || um >= H.n)
		return;
	struct um_state *s = &H.s[um];
	s->in_flight = 0;
	if (status > 0) {
		s->failures = 0;
		struct timeval now, rtt;
		gettimeofday(&now, NULL);
		evutil_timersub(&now, &s->sent, &rtt);
		s->rtt_ms = rtt.tv_sec * 1000L + rtt.tv_usec / 1000L;
		s->last_status = status;
		snprintf(how, sizeof(how), "probe answered %d in %ld ms", status, s->rtt_ms);
		set_up(s, how);
	} else if (status == PROBE_UNREACHABLE) {
		s->failures++;
		set_down(s, "it refuses connections");
	} else if (++s->failures >= (unsigned)s->u->probe_failures) {
		snprintf(how, sizeof(how), "%u probes in a row unanswered", s->failures);
		set_down(s, how);
	}
	schedule(s);
}

static void
probe(evutil_socket_t fd, short what, void *arg)
{
	struct um_state *s = arg;
	int um = (int)(s - H.s);
	long timeout = 1000L * (s->u->probe_interval < H.conf->sip.failover_timeout ?
	    s->u->probe_interval : H.conf->sip.failover_timeout);

	(void)fd; (void)what;
	if (s->in_flight)
		return;
	gettimeofday(&s->sent, NULL);
	s->in_flight = 1;
	if (H.send(um, timeout, probe_done, ticket(um)) != 0)
		probe_done(ticket(um), PROBE_NO_ANSWER, NULL);	/* could not even send it */
}

static void
free_states(void)
{
	for (int i = 0; i < H.n; i++)
		if (H.s[i].timer)
			event_free(H.s[i].timer);
	free(H.s);
	H.s = NULL;
	H.n = 0;
	H.gen++;
}

/* Builds the table for c, taking over the state of servers that keep their
 * name, and starts the probes. */
static int
load(const struct conf *c, struct um_state *old, int n_old)
{
	struct um_state *s = calloc(c->n_um ? (size_t)c->n_um : 1, sizeof(*s));

	if (!s)
		return -1;
	for (int i = 0; i < c->n_um; i++) {
		s[i].u = &c->um[i];
		snprintf(s[i].name, sizeof(s[i].name), "%s", c->um[i].name);
		s[i].probing = c->um[i].probe_interval > 0;
		s[i].up = 1;
		s[i].since = time(NULL);
		s[i].rtt_ms = -1;
		for (int j = 0; j < n_old; j++)
			if (strcmp(old[j].name, s[i].name) == 0) {
				s[i].up = old[j].up || !s[i].probing;
				s[i].since = old[j].since;
				s[i].rtt_ms = old[j].rtt_ms;
				s[i].last_status = old[j].last_status;
				s[i].failures = old[j].failures;
			}
		s[i].timer = evtimer_new(H.base, probe, &s[i]);
	}
	H.s = s;
	H.n = c->n_um;
	H.conf = c;
	/* The first probes as soon as the loop runs (the listeners they are
	 * sent from may open after this), to know before the first call. */
	struct timeval now = { 0, 0 };
	for (int i = 0; i < H.n; i++)
		if (H.s[i].probing)
			evtimer_add(H.s[i].timer, &now);
	return 0;
}

int
um_health_start(struct event_base *base, const struct conf *c, um_probe_send_fn send)
{
	H.base = base;
	H.send = send;
	return load(c, NULL, 0);
}

void
um_health_reconf(const struct conf *c)
{
	struct um_state *old = H.s;
	int n_old = H.n;

	for (int i = 0; i < n_old; i++)
		if (old[i].timer)
			event_free(old[i].timer);
	H.s = NULL;
	H.n = 0;
	H.gen++;
	load(c, old, n_old);
	free(old);
}

void
um_health_stop(void)
{
	free_states();
}

int
um_health_up(int um)
{
	if (um < 0 || um >= H.n)
		return 1;
	return H.s[um].up && H.s[um].u->sa.ss.ss_family != AF_UNSPEC;
}

void
um_health_failed(int um, const char *why)
{
	if (um >= 0 && um < H.n && H.s[um].probing)
		set_down(&H.s[um], why);
}

void
um_health_view(int um, struct um_health_view *v)
{
	memset(v, 0, sizeof(*v));
	v->up = 1;
	v->rtt_ms = -1;
	if (um < 0 || um >= H.n)
		return;
	const struct um_state *s = &H.s[um];
	v->probing = s->probing;
	v->up = um_health_up(um);
	v->since = s->since;
	v->rtt_ms = s->rtt_ms;
	v->last_status = s->last_status;
	v->failures = s->failures;
}
