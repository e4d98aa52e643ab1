/* The call table: which dialog has which media, from the first INVITE to
 * the end, and what is said about it when it ends. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include "call_priv.h"
#include "log.h"
#include "sipmsg.h"

#define CALL_BUCKETS 256		/* to begin with: the table grows */
#define TICK_S 1

/* Media settings outlive a reload while calls use them; they go at exit. */
struct media_gen {
	struct call_media m;
	struct media_gen *older;
};

static struct {
	struct event_base *base;
	call_send_fn send;
	const struct conf *conf;
	struct hashtab calls;		/* by Call-ID */
	struct media_relay *relay;
	struct media_gen *gen;		/* newest first; gen->m in use when media is on */
	int media_on;
	struct event *tick;
	struct call_stats stats;
	struct call_count *counts;	/* calls ended, by gateway, dial plan, mode */
	int n_counts, cap_counts;
} C;

#define CALL_OF(n) hashtab_entry((n), struct call, node)

static const char *
call_key(const struct hashtab_node *n)
{
	return CALL_OF(n)->id;
}

static struct call *
call_find(const char *id)
{
	struct hashtab_node *n = hashtab_find(&C.calls, id);

	return n ? CALL_OF(n) : NULL;
}

/* The first call and the one after c (walks may end the call they stand on
 * once they hold the next). */
static struct call *
call_first(void)
{
	struct hashtab_node *n = hashtab_first(&C.calls);

	return n ? CALL_OF(n) : NULL;
}

static struct call *
call_next(const struct call *c)
{
	struct hashtab_node *n = hashtab_next(&C.calls, &c->node);

	return n ? CALL_OF(n) : NULL;
}

/* ---- media settings ---- */

/* A port pool on addr, tried once so a wrong address stops start-up. */
static struct portpool *
pool_open(const char *what, const char *text, const struct netaddr *a, int lo, int hi,
    char *err, size_t errlen)
{
	struct portpool *p = media_portpool_new(netaddr_csa(a), a->len, (uint16_t)lo, (uint16_t)hi);
	struct media_ports probe;
	int r;

	if (!p) {
		snprintf(err, errlen, "media.%s %s: %s", what, text, strerror(errno));
		return NULL;
	}
	if ((r = media_portpool_get(p, 1, &probe)) < 0) {
		snprintf(err, errlen, "media.%s %s: no port of %d-%d can be bound (%s); "
		    "is it an address of this host?", what, text, lo, hi, strerror(-r));
		media_portpool_free(p);
		return NULL;
	}
	media_portpool_put(p, &probe);
	return p;
}

static int
same_ports(const struct call_media *m, const struct conf *c)
{
	return strcmp(m->addr[SIDE_OUTSIDE], c->media.outside_address) == 0 &&
	    strcmp(m->addr[SIDE_INSIDE], c->media.inside_address) == 0 &&
	    m->lo == c->media.port_min && m->hi == c->media.port_max;
}

static void
call_media_settings(struct call_media *m, const struct conf *c)
{
	m->timeout = (unsigned)c->media.timeout;
	m->hold_timeout = (unsigned)c->media.hold_timeout;
	m->n_suites = c->media.n_suites;
	for (int i = 0; i < c->media.n_suites; i++)
		m->suites[i] = (enum sdes_suite)c->media.suites[i];
}

/* The relay threads, and one line saying how they move packets. */
static int
call_media_start(const struct conf *c, char *err, size_t errlen)
{
	char why[256];

	if (!(C.relay = media_relay_new(c->media.workers, (enum media_io)c->media.io, why,
	    sizeof(why)))) {
		snprintf(err, errlen, "media: cannot start the relay threads (io = %s): %s",
		    media_io_name((enum media_io)c->media.io), why);
		return -1;
	}
	enum media_io io = media_relay_io(C.relay);
	log_event(why[0] ? LOG_WARNING : LOG_INFO, EV_MEDIA_IO, "media relay: %d workers, io=%s%s%s",
	    media_relay_workers(C.relay), media_io_name(io), why[0] ? ": " : "", why);
	return 0;
}

static int
call_media_apply(const struct conf *c, char *err, size_t errlen)
{
	if (!c->media.enabled) {
		C.media_on = 0;
		return 0;
	}
	if (!C.relay && call_media_start(c, err, errlen) != 0)
		return -1;
	if (C.gen && same_ports(&C.gen->m, c)) {
		call_media_settings(&C.gen->m, c);	/* timeouts and suites: calls follow */
		C.media_on = 1;
		return 0;
	}
	struct media_gen *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "media: out of memory");
		return -1;
	}
	g->m.relay = C.relay;
	if (!(g->m.pool[SIDE_OUTSIDE] = pool_open("outside_address", c->media.outside_address,
	    &c->media.outside, c->media.port_min, c->media.port_max, err, errlen)) ||
	    !(g->m.pool[SIDE_INSIDE] = pool_open("inside_address", c->media.inside_address,
	    &c->media.inside, c->media.port_min, c->media.port_max, err, errlen))) {
		if (g->m.pool[SIDE_OUTSIDE])
			media_portpool_free(g->m.pool[SIDE_OUTSIDE]);
		free(g);
		return -1;
	}
	snprintf(g->m.addr[SIDE_OUTSIDE], sizeof(g->m.addr[0]), "%s", c->media.outside_address);
	snprintf(g->m.addr[SIDE_INSIDE], sizeof(g->m.addr[0]), "%s", c->media.inside_address);
	g->m.lo = c->media.port_min;
	g->m.hi = c->media.port_max;
	call_media_settings(&g->m, c);
	g->older = C.gen;
	C.gen = g;
	C.media_on = 1;
	return 0;
}

/* ---- a call's life ---- */

static char *
header_text(su_home_t *home, const void *h)
{
	char *s = h ? sip_header_as_string(home, (sip_header_t const *)h) : NULL;
	char *out = s ? strdup(s) : NULL;

	su_free(home, s);
	return out;
}

/* The URI of a Contact: where requests within the dialog go. */
static char *
contact_text(su_home_t *home, sip_contact_t const *m)
{
	char *s = m ? url_as_string(home, m->m_url) : NULL;
	char *out = s ? strdup(s) : NULL;

	su_free(home, s);
	return out;
}

static void
set_text(char **dst, char *s)
{
	if (s) {
		free(*dst);
		*dst = s;
	}
}

static void
dest_from(struct call *c, enum side side, const struct inbound *in)
{
	struct dest *d = &c->dst[side];

	memset(d, 0, sizeof(*d));
	d->side = in->side;
	d->tp = in->tp;
	d->addr = in->peer;
	d->conn = in->conn;
	if (side == SIDE_OUTSIDE && in->tp == TP_TLS) {
		d->verify_name = c->gw_fqdn;
		if (c->gw_known)
			d->addr = c->gw_addr;	/* if its connection is gone */
	}
	c->have_dst[side] = 1;
}

static struct call *
call_new(msg_t *msg, const struct inbound *in, int gw)
{
	sip_t *sip = sip_object(msg);
	struct call *c = calloc(1, sizeof(*c));

	if (!c || !(c->id = strdup(sip->sip_call_id->i_id))) {
		free(c);
		return NULL;
	}
	c->media = &C.gen->m;
	c->offer_from = -1;
	c->caller = in->side;
	c->invite_cseq = sip->sip_cseq->cs_seq;
	c->cseq[in->side] = sip->sip_cseq->cs_seq;
	c->mode = SEC_UNSECURED;
	if (gw >= 0 && gw < C.conf->n_gateways) {
		const struct conf_gateway *g = &C.conf->gateways[gw];
		c->gw_known = 1;
		c->mode = g->mode;
		snprintf(c->gw_name, sizeof(c->gw_name), "%s", g->name);
		snprintf(c->gw_fqdn, sizeof(c->gw_fqdn), "%s", g->fqdn);
		if (g->dialplan >= 0)
			snprintf(c->dialplan, sizeof(c->dialplan), "%s",
			    C.conf->dialplans[g->dialplan].name);
		if (g->n_addr > 0) {
			c->gw_addr = g->addr[0];
			netaddr_set_port(netaddr_sa(&c->gw_addr), g->port);
		}
	}
	c->secure_out = c->mode == SEC_SECURED;
	c->from = header_text(msg_home(msg), sip->sip_from);
	c->to = header_text(msg_home(msg), sip->sip_to);
	if (sip->sip_contact)
		c->target[in->side] = contact_text(msg_home(msg), sip->sip_contact);
	dest_from(c, in->side, in);
	hashtab_insert(&C.calls, &c->node);
	C.stats.active++;
	C.stats.total[c->mode]++;
	return c;
}

static void
call_free(struct call *c)
{
	call_sdp_free(c);
	hashtab_remove(&C.calls, &c->node);
	C.stats.active--;
	free(c->id);
	free(c->from);
	free(c->to);
	free(c->callee_tag);
	free(c->target[0]);
	free(c->target[1]);
	free(c);
}

/* One more ended call of its gateway, dial plan and mode: names from the
 * config, so the set stays as small as the config. */
static void
count_end(const struct call *c)
{
	const char *gw = c->gw_known ? c->gw_name : "";
	struct call_count *k;

	for (int i = 0; i < C.n_counts; i++) {
		k = &C.counts[i];
		if (k->mode == c->mode && strcmp(k->gateway, gw) == 0 &&
		    strcmp(k->dialplan, c->dialplan) == 0) {
			k->ended++;
			return;
		}
	}
	if (C.n_counts == C.cap_counts) {
		int cap = C.cap_counts ? C.cap_counts * 2 : 16;
		struct call_count *n = realloc(C.counts, (size_t)cap * sizeof(*n));
		if (!n)
			return;
		C.counts = n;
		C.cap_counts = cap;
	}
	k = &C.counts[C.n_counts++];
	memset(k, 0, sizeof(*k));
	snprintf(k->gateway, sizeof(k->gateway), "%s", gw);
	snprintf(k->dialplan, sizeof(k->dialplan), "%s", c->dialplan);
	k->mode = c->mode;
	k->ended = 1;
}

static void
call_end(struct call *c, const char *reason)
{
	struct media_counters k[2];
	double secs = c->answered_ms ? (double)(media_now_ms() - c->answered_ms) / 1000.0 : 0.0;

	call_sdp_counters(c, k);
	log_event(LOG_INFO, EV_CALL_ENDED, "call ended: call-id=%s gateway=%s mode=%s reason=%s "
	    "duration=%.1fs suite=%s outside_pkts_in=%llu outside_pkts_out=%llu "
	    "inside_pkts_in=%llu inside_pkts_out=%llu srtp_auth_failures=%llu srtp_replays=%llu "
	    "foreign=%llu drops=%llu", c->id, c->gw_known ? c->gw_name : "-",
	    conf_security_name(c->mode), reason, secs,
	    c->suite != SDES_NONE ? media_sdes_suite_name(c->suite) : "none",
	    (unsigned long long)k[SIDE_OUTSIDE].v[MEDIA_CTR_PACKETS_IN],
	    (unsigned long long)k[SIDE_OUTSIDE].v[MEDIA_CTR_PACKETS_OUT],
	    (unsigned long long)k[SIDE_INSIDE].v[MEDIA_CTR_PACKETS_IN],
	    (unsigned long long)k[SIDE_INSIDE].v[MEDIA_CTR_PACKETS_OUT],
	    (unsigned long long)(k[0].v[MEDIA_CTR_SRTP_AUTH] + k[1].v[MEDIA_CTR_SRTP_AUTH]),
	    (unsigned long long)(k[0].v[MEDIA_CTR_SRTP_REPLAY] + k[1].v[MEDIA_CTR_SRTP_REPLAY]),
	    (unsigned long long)(k[0].v[MEDIA_CTR_FOREIGN] + k[1].v[MEDIA_CTR_FOREIGN]),
	    (unsigned long long)(k[0].v[MEDIA_CTR_DROPS] + k[1].v[MEDIA_CTR_DROPS]));
	count_end(c);
	call_free(c);
}

/* Our own BYE to the party on side `to`, in its dialog's terms. */
static void
bye_side(struct call *c, enum side to, const char *reason)
{
	enum side callee = !c->caller;
	char *callee_hdr = NULL;
	msg_t *bye;

	if (!c->have_dst[to] || !c->target[to] || !c->callee_tag || !c->from || !c->to)
		return;
	size_t n = strlen(c->to) + strlen(c->callee_tag) + 8;
	if (!(callee_hdr = malloc(n)))
		return;
	snprintf(callee_hdr, n, "%s;tag=%s", c->to, c->callee_tag);
	if (to == callee)
		bye = sipmsg_bye(c->target[to], c->from, callee_hdr, c->id, c->cseq[c->caller] + 1,
		    reason);
	else
		bye = sipmsg_bye(c->target[to], callee_hdr, c->from, c->id, c->cseq[callee] + 1,
		    reason);
	free(callee_hdr);
	if (bye)
		C.send(bye, &c->dst[to]);
}

static void
call_hang_up(struct call *c, const char *why, const char *reason_hdr)
{
	bye_side(c, SIDE_OUTSIDE, reason_hdr);
	bye_side(c, SIDE_INSIDE, reason_hdr);
	call_end(c, why);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	int64_t now = media_now_ms();

	(void)fd; (void)what; (void)arg;
	for (struct call *c = call_first(), *next; c; c = next) {
		next = call_next(c);
		if (!c->confirmed || !call_sdp_expired(c, now))
			continue;
		log_event(LOG_NOTICE, EV_MEDIA_TIMEOUT, "call %s: no media for %u s "
		    "(%u s on hold): BYE sent to both sides", c->id, c->media->timeout,
		    c->media->hold_timeout);
		C.stats.media_timeouts++;
		call_hang_up(c, "media-timeout", "SIP;cause=408;text=\"media timeout\"");
	}
}

/* ---- the proxy's hooks ---- */

static void
note_request(struct call *c, enum side side, sip_t const *sip)
{
	if (sip->sip_cseq->cs_seq > c->cseq[side])
		c->cseq[side] = sip->sip_cseq->cs_seq;
}

int
call_request(msg_t *msg, const struct inbound *in, int gw, const char **phrase)
{
	sip_t *sip = sip_object(msg);
	sip_method_t m = sip->sip_request->rq_method;
	struct call *c = call_find(sip->sip_call_id->i_id);
	int status;

	if (!c) {
		if (m != sip_method_invite || sip->sip_to->a_tag || !C.media_on)
			return 0;
		if (!(c = call_new(msg, in, gw))) {
			*phrase = "Server Internal Error (out of memory)";
			return 500;
		}
	}
	/* Another gateway naming this Call-ID must not steer its media. */
	if (in->side == SIDE_OUTSIDE && c->gw_known && (in->adm.gateway < 0 ||
	    in->adm.gateway >= C.conf->n_gateways ||
	    strcmp(C.conf->gateways[in->adm.gateway].name, c->gw_name) != 0)) {
		*phrase = "Forbidden (not a party to this call)";
		return 403;
	}
	note_request(c, in->side, sip);
	if (m == sip_method_bye) {
		call_end(c, in->side == SIDE_OUTSIDE ? "bye-from-outside" : "bye-from-inside");
		return 0;
	}
	if ((m == sip_method_invite || m == sip_method_update) && sip->sip_contact)
		set_text(&c->target[in->side], contact_text(msg_home(msg), sip->sip_contact));
	if (m == sip_method_invite || m == sip_method_update)
		status = call_sdp(c, in->side, msg, 1, 0, 1, phrase);
	else if (m == sip_method_ack || m == sip_method_prack)
		status = call_sdp(c, in->side, msg, 0, 1, m == sip_method_prack, phrase);
	else
		return 0;
	if (status == 488) {
		C.stats.refused_488++;
		log_event(LOG_WARNING, EV_MEDIA_REFUSED, "call %s: %s refused 488: %s", c->id,
		    sip->sip_request->rq_method_name, *phrase);
	} else if (status == 503) {
		C.stats.refused_503++;
		log_event(LOG_ERR, EV_MEDIA_PORTS, "call %s: media ports %d-%d exhausted: %s "
		    "refused 503 (widen media.port_min/port_max)", c->id, c->media->lo,
		    c->media->hi, sip->sip_request->rq_method_name);
	}
	if (status && !c->confirmed && m == sip_method_invite &&
	    sip->sip_cseq->cs_seq == c->invite_cseq) {
		char why[16];
		snprintf(why, sizeof(why), "refused-%d", status);
		call_end(c, why);
	}
	return status;
}

/* An SDP we could not rewrite never crosses as it came: it would carry the
 * peer's own addresses (and a secured gateway's key) to the other side. */
static void
strip_body(msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	if (sip->sip_content_type)
		msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_content_type);
	sipmsg_set_body(msg, "", 0);
}

void
call_response(msg_t *msg, const struct inbound *in)
{
	sip_t *sip = sip_object(msg);
	struct call *c = call_find(sip->sip_call_id->i_id);
	const char *phrase;
	size_t len;

	if (!c)
		return;
	int status = sip->sip_status->st_status;
	sip_method_t m = sip->sip_cseq->cs_method;
	int initial = m == sip_method_invite && !c->confirmed &&
	    sip->sip_cseq->cs_seq == c->invite_cseq;
	if (status >= 300) {
		if (initial) {
			char why[24];
			snprintf(why, sizeof(why), status == 487 ? "cancelled" : "failed-%d", status);
			call_end(c, why);
		} else if (m == sip_method_invite || m == sip_method_update)
			c->offer_from = -1;	/* that offer is void; the last one stands */
		return;
	}
	if (m != sip_method_invite && m != sip_method_update && m != sip_method_prack)
		return;
	if (status > 100 && sipmsg_sdp(sip, &len) &&
	    call_sdp(c, in->side, msg, 0, status >= 200 || sip->sip_rseq != NULL, 0, &phrase) != 0) {
		log_event(LOG_WARNING, EV_MEDIA_REFUSED, "call %s: SDP of a %d response not "
		    "carried (%s): body removed", c->id, status, phrase);
		strip_body(msg);
	}
	if (initial && status >= 200) {
		c->confirmed = 1;
		c->answered_ms = media_now_ms();
		if (sip->sip_to->a_tag)
			set_text(&c->callee_tag, strdup(sip->sip_to->a_tag));
		if (sip->sip_contact)
			set_text(&c->target[in->side], contact_text(msg_home(msg),
			    sip->sip_contact));
		dest_from(c, in->side, in);
	}
}

void
call_local_failure(msg_t *req, int status)
{
	sip_t *sip = sip_object(req);
	struct call *c = sip && sip->sip_call_id ? call_find(sip->sip_call_id->i_id) : NULL;

	if (!c)
		return;
	if (!c->confirmed && sip->sip_cseq && sip->sip_cseq->cs_seq == c->invite_cseq) {
		char why[16];
		snprintf(why, sizeof(why), "failed-%d", status);
		call_end(c, why);
	} else
		c->offer_from = -1;
}

/* ---- start, reload, stop ---- */

int
call_init(struct event_base *base, const struct conf *c, call_send_fn send, char *err,
    size_t errlen)
{
	C.base = base;
	C.send = send;
	C.conf = c;
	if (hashtab_init(&C.calls, CALL_BUCKETS, call_key, 0) != 0) {
		snprintf(err, errlen, "media: out of memory");
		return -1;
	}
	if (call_media_apply(c, err, errlen) != 0)
		return -1;
	struct timeval tv = { TICK_S, 0 };
	C.tick = event_new(base, -1, EV_PERSIST, tick, NULL);
	if (!C.tick || event_add(C.tick, &tv) != 0) {
		snprintf(err, errlen, "media: no timer");
		return -1;
	}
	return 0;
}

int
call_reconf(const struct conf *c, char *err, size_t errlen)
{
	if (call_media_apply(c, err, errlen) != 0)
		return -1;
	C.conf = c;
	for (struct call *x = call_first(), *next; x; x = next) {
		next = call_next(x);
		if (x->gw_known && conf_gateway_index(c, x->gw_name) < 0)
			call_hang_up(x, "gateway-removed",
			    "SIP;cause=503;text=\"gateway removed from the configuration\"");
	}
	return 0;
}

void
call_drain(void)
{
	struct call *c;

	while ((c = call_first()))
		call_hang_up(c, "shutdown", "SIP;cause=503;text=\"umsbcd is stopping\"");
}

void
call_shutdown(void)
{
	struct call *c;

	while ((c = call_first()))
		call_end(c, "shutdown");
	hashtab_free(&C.calls);
	if (C.tick)
		event_free(C.tick);
	C.tick = NULL;
	if (C.relay)
		media_relay_free(C.relay);	/* every port back in its pool */
	C.relay = NULL;
	while (C.gen) {
		struct media_gen *g = C.gen;
		C.gen = g->older;
		media_portpool_free(g->m.pool[SIDE_OUTSIDE]);
		media_portpool_free(g->m.pool[SIDE_INSIDE]);
		free(g);
	}
	C.media_on = 0;
	free(C.counts);
	C.counts = NULL;
	C.n_counts = C.cap_counts = 0;
}

int
call_counts(const struct call_count **out)
{
	*out = C.counts;
	return C.n_counts;
}

/* A reload's new pool does not free the old one, so the test call's port
 * goes back to the pool it came from. */
struct portpool *
call_media_pool(enum side side)
{
	return C.media_on && C.gen ? C.gen->m.pool[side] : NULL;
}

void
call_stats(struct call_stats *out)
{
	*out = C.stats;
	memset(&out->media, 0, sizeof(out->media));
	if (C.relay)
		media_relay_counters(C.relay, &out->media);
	out->ports_in_use = 0;
	for (struct media_gen *g = C.gen; g; g = g->older)
		out->ports_in_use += (unsigned)(media_portpool_in_use(g->m.pool[SIDE_OUTSIDE]) +
		    media_portpool_in_use(g->m.pool[SIDE_INSIDE]));
}
