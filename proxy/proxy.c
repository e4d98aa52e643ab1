#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>

#include "admission_limits.h"
#include "call.h"
#include "dialogs.h"
#include "log.h"
#include "loop.h"
#include "policy.h"
#include "proxy.h"
#include "route.h"
#include "screen.h"
#include "sipmsg.h"
#include "stamp.h"
#include "txn.h"
#include "um_health.h"

/* What we carry end to end (the UM servers' and gateways' own methods). */
#define PROXY_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, PRACK, UPDATE, REFER, NOTIFY, SUBSCRIBE, MESSAGE"

static struct {
	struct event_base *base;
	struct conf *conf;
	int draining;
	uint64_t probes;	/* Call-IDs of our probes */
} P;

/* ---- sending ---- */

/* Sends t->req (already stamped) to t->dst and starts its timers. */
static int
send_out(struct txn *t)
{
	free(t->out);
	t->out = NULL;
	char *text = sipmsg_print(t->req, &t->out_len);
	if (!text || !(t->out = malloc(t->out_len)))
		return -1;
	memcpy(t->out, text, t->out_len);
	txn_sent(t);
	t->conn = transport_send(&t->dst, t->out, t->out_len);
	return t->conn < 0 ? -1 : 0;
}

/* ---- responses toward upstream ---- */

/* A local transaction ends: its owner learns how, once (final: the final
 * response, when there is one). */
static void
local_end(struct txn *t, int status, msg_t *final)
{
	proxy_done_fn done = t->done;

	t->done = NULL;
	txn_complete(t);
	if (done)
		done(t->done_arg, status, final);
}

static void
answer_upstream(struct txn *t, int status, const char *phrase)
{
	size_t n;
	msg_t *orig = t->req;

	if (t->local) {
		local_end(t, status == 408 ? PROBE_NO_ANSWER : PROBE_UNREACHABLE, NULL);
		return;
	}
	if (!orig) {
		txn_complete(t);
		return;
	}
	if (t->method == sip_method_invite && status >= 300) {
		call_local_failure(orig, status);
		dialogs_final(sip_object(orig), status);
	}
	/* Build the answer against the request as it came in: drop our Via first. */
	sip_t *sip = sip_object(orig);
	if (sip->sip_via && sip->sip_via->v_branch && strcmp(sip->sip_via->v_branch, t->branch) == 0)
		msg_header_remove(orig, (msg_pub_t *)sip, (msg_header_t *)sip->sip_via);
	char *text = sipmsg_response(orig, status, phrase, NULL, &n);
	if (text) {
		transport_reply(&t->in, text, n);
		free(t->last);
		t->last = text;
		t->last_len = n;
	}
	t->best = status;
	txn_complete(t);
}

/* A request of a call did not get through to UM server um: logged (rate
 * limited), and unless the server answered (503), it is down now. */
static void
um_failed(int um, int answered, const char *why)
{
	if (um < 0 || um >= P.conf->n_um)
		return;
	log_limited(LOG_WARNING, EV_UM_UNREACHABLE, "UM server %s (%s) did not take a request: %s",
	    P.conf->um[um].name, P.conf->um[um].uri, why);
	if (!answered)
		um_health_failed(um, why);
}

/* Sends to the current UM candidate; moves on while sending fails. */
static int
forward_to_um(struct txn *t)
{
	msg_t *msg = t->req;
	sip_t *sip = sip_object(msg);

	for (; t->cur_um < t->n_um; t->cur_um++) {
		const struct conf_um *u = &P.conf->um[t->um[t->cur_um]];
		struct dest d;
		if (route_um_dest(u, NULL, &d) != 0)
			continue;
		const struct listener *out = transport_listener(SIDE_INSIDE, d.tp);
		if (!out)
			continue;
		/* A new call counts against the UM server it goes to; one at its
		 * limit is passed over like one that is down. */
		if (t->method == sip_method_invite && dialogs_use_um(sip->sip_call_id->i_id,
		    alim_um(t->um[t->cur_um]), policy_now_ms()) != 0)
			continue;
		if (stamp_remove(msg, t->branch))
			txn_rebranch(t);	/* failover: a new branch for the new hop */
		t->dst = d;		/* after the rebranch: the old hop keeps its own */
		if (stamp_request(msg, t->branch, t->in.li, out, stamp_creates_dialog(sip)) == 0 &&
		    send_out(t) == 0)
			return 0;
		um_failed(t->um[t->cur_um], 0, "cannot send");
	}
	return -1;
}

static void
fail_over(struct txn *t, int answered, const char *why)
{
	um_failed(t->um[t->cur_um], answered, why);
	t->cur_um++;
	if (forward_to_um(t) != 0)
		answer_upstream(t, 503, "Service Unavailable (no UM server reachable)");
}

/* ---- what the transaction clock asks (txn.c) ---- */

static void
retransmit(struct txn *t)
{
	transport_send(&t->dst, t->out, t->out_len);
}

static void
no_response(struct txn *t)
{
	fail_over(t, 0, "no response");
}

/* CANCEL downstream for a ringing INVITE (its 487 is not waited for). */
static void
cancel_downstream(struct txn *t)
{
	size_t n;
	char *c = sipmsg_cancel(t->req, &n);

	if (c)
		transport_send(&t->dst, c, n);
	free(c);
}

static void
timed_out(struct txn *t)
{
	if (t->local) {
		local_end(t, PROBE_NO_ANSWER, NULL);
		return;
	}
	if (t->method == sip_method_invite && t->state == TXN_PROCEEDING)
		cancel_downstream(t);
	if (t->n_um)
		um_failed(t->um[t->cur_um], 0, "request timed out");
	answer_upstream(t, 408, "Request Timeout");
}

static const struct txn_ops clock_ops = { retransmit, no_response, timed_out };

/* ---- requests: each stage lets the request on (0) or has dealt with it (1) ---- */

/* Where a request leaves from toward d: a TLS hop without a TLS listener on
 * that side goes from the TCP one (and TLS is started on the connection). */
static const struct listener *
listener_for(const struct dest *d)
{
	const struct listener *out = transport_listener(d->side, d->tp);

	return out || d->tp != TP_TLS ? out : transport_listener(d->side, TP_TCP);
}

/* An ACK is never answered (RFC 3261 17.2.1). */
static void
answer(const struct inbound *in, msg_t *msg, int status, const char *phrase, const char *extra)
{
	if (sip_object(msg)->sip_request->rq_method != sip_method_ack)
		transport_answer(in, msg, status, phrase, extra);
}

/* A retransmission of a request we have: our last answer again (or 100).
 * An ACK of a non-2xx final is ours to absorb: we acked downstream. So is an
 * INVITE after its 2xx (RFC 6026 Accepted): the UAS retransmits the 2xx
 * itself, end to end, so we keep no copy of it. */
static int
retransmitted(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	sip_method_t m = sip->sip_request->rq_method;
	struct txn *t = txn_by_upstream(sip->sip_via->v_branch,
	    m == sip_method_ack ? sip_method_invite : m);

	if (!t)
		return 0;
	if (m == sip_method_ack)
		return t->best >= 300;
	if (m == sip_method_invite && t->best >= 200 && t->best < 300)
		return 1;
	if (t->last)
		transport_reply(in, t->last, t->last_len);
	else if (m == sip_method_invite)
		transport_answer(in, msg, 100, "Trying", NULL);
	return 1;
}

/* CANCEL is hop by hop: 200 here, and our own CANCEL downstream while the
 * INVITE has no final answer. */
static int
cancelled(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	struct txn *t;

	if (sip->sip_request->rq_method != sip_method_cancel)
		return 0;
	if (!(t = txn_by_upstream(sip->sip_via->v_branch, sip_method_invite))) {
		transport_answer(in, msg, 481, "Call/Transaction Does Not Exist", NULL);
		return 1;
	}
	transport_answer(in, msg, 200, "OK", NULL);
	if (t->state != TXN_COMPLETED && t->best < 200)
		cancel_downstream(t);
	return 1;
}

/* Shutting down: in-dialog requests still pass, so calls can end. */
static int
draining(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	if (!P.draining || sip->sip_to->a_tag || sip->sip_request->rq_method == sip_method_ack)
		return 0;
	transport_answer(in, msg, 503, "Service Unavailable (shutting down)", "Retry-After: 30");
	return 1;
}

/* Pops the Route entries that name us (both of a double Record-Route). */
static void
pop_own_routes(msg_t *msg, sip_t *sip)
{
	while (sip->sip_route && route_is_us(P.conf, sip->sip_route->r_url))
		msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_route);
}

/* A keep-alive to us (gateways ask their proxy this): ours to answer. */
static int
options_to_us(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	if (sip->sip_request->rq_method != sip_method_options || sip->sip_route ||
	    sip->sip_request->rq_url->url_user || !route_is_us(P.conf, sip->sip_request->rq_url))
		return 0;
	transport_answer(in, msg, 200, "OK", "Allow: " PROXY_ALLOW "\r\nAccept: application/sdp\r\n"
	    "Supported: 100rel, timer, replaces");
	return 1;
}

static int
unroutable(const struct inbound *in, msg_t *msg, const struct route_next *r)
{
	if (!r->status)
		return 0;
	answer(in, msg, r->status, r->phrase, r->extra);
	return 1;
}

static int
new_call(sip_t const *sip)
{
	return sip->sip_request->rq_method == sip_method_invite && !sip->sip_to->a_tag;
}

/* A new call: the dial plan's number rules, then the admission limits
 * (UM servers without room leave r's list). */
static int
policy_refused(const struct inbound *in, msg_t *msg, struct route_next *r,
    struct dialog_ticket *ticket)
{
	struct policy_refusal refusal;

	if (!new_call(sip_object(msg)) ||
	    !policy_new_call(P.conf, in, msg, r->gateway, r->um, &r->n_um, ticket, &refusal))
		return 0;
	transport_answer(in, msg, refusal.status, refusal.phrase, refusal.extra);
	return 1;
}

/* Max-Forwards, then the media: the SDP as the next hop must see it, or a
 * refusal (an ACK whose SDP cannot be carried is not forwarded with the
 * peer's own). */
static int
media_refused(const struct inbound *in, msg_t *msg, int gw)
{
	const char *phrase;
	int status;

	stamp_hop_count(msg, P.conf->sip.max_forwards);
	if ((status = call_request(msg, in, gw, &phrase)) == 0)
		return 0;
	answer(in, msg, status, phrase, NULL);
	return 1;
}

/* A request without a transaction of ours: ACK for a 2xx (RFC 3261 16.7). */
static void
forward_stateless(msg_t *msg, const struct dest *d)
{
	const struct listener *out = listener_for(d);
	size_t n;

	if (!out)
		return;
	stamp_ack(msg, out);
	char *text = sipmsg_print(msg, &n);
	if (text)
		transport_send(d, text, n);
}

/* The server side of a new transaction for msg (taken). */
static struct txn *
open_txn(const struct inbound *in, msg_t *msg, uint32_t loop)
{
	sip_t *sip = sip_object(msg);
	const char *branch = sip->sip_via->v_branch;
	struct txn *t = txn_new(loop);

	if (!t || !(t->up_branch = strdup(branch ? branch : sip->sip_call_id->i_id))) {
		if (t)
			txn_free(t);
		msg_destroy(msg);
		return NULL;
	}
	t->method = sip->sip_request->rq_method;
	t->in = *in;
	t->req = msg;
	txn_index(t);
	if (t->method == sip_method_invite)
		transport_answer(in, msg, 100, "Trying", NULL);
	return t;
}

/* Sends t to its one next hop d. */
static void
forward_to(struct txn *t, const struct dest *d)
{
	const struct listener *out = listener_for(d);

	t->dst = *d;
	if (!out || stamp_request(t->req, t->branch, t->in.li, out,
	    stamp_creates_dialog(sip_object(t->req))) != 0)
		answer_upstream(t, 500, "Server Internal Error (no listener for that transport)");
	else if (send_out(t) != 0)
		answer_upstream(t, 503, "Service Unavailable (next hop unreachable)");
}

/* Forwards msg (taken) statefully where r says. */
static void
forward(const struct inbound *in, msg_t *msg, const struct route_next *r,
    const struct dialog_ticket *ticket, uint32_t loop)
{
	struct txn *t = open_txn(in, msg, loop);

	if (!t)
		return;
	sip_t *sip = sip_object(t->req);
	if (new_call(sip) && dialogs_start(sip, ticket, policy_now_ms()) != 0) {
		answer_upstream(t, 500, "Server Internal Error (out of memory)");
		return;
	}
	if (r->n_um == 0) {
		forward_to(t, &r->dest);
		return;
	}
	memcpy(t->um, r->um, sizeof(int) * (size_t)r->n_um);
	t->n_um = r->n_um;
	if (forward_to_um(t) != 0)
		answer_upstream(t, 503, "Service Unavailable (no UM server reachable)");
}

/* The stages of a request, in order (docs/ARCHITECTURE.md "The way of a SIP
 * message"): admitted, well-formed, not one we know already, routed, within
 * the call policy and with media we can carry, then forwarded. */
static void
handle_request(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	struct route_next r;
	struct dialog_ticket ticket = { .n = 0 };
	uint32_t loop;

	if (screen_refused(in, msg) || screen_malformed(in, msg) || retransmitted(in, msg) ||
	    cancelled(in, msg) || draining(in, msg))
		goto done;
	pop_own_routes(msg, sip);
	if (options_to_us(in, msg) || screen_looped(P.conf, in, msg, loop = loop_hash(sip)))
		goto done;
	route_request(P.conf, in->side, in->adm.gateway, sip, um_health_up, &r);
	if (unroutable(in, msg, &r) || policy_refused(in, msg, &r, &ticket) ||
	    media_refused(in, msg, r.gateway))
		goto done;
	dialogs_request(sip);
	if (sip->sip_request->rq_method != sip_method_ack) {
		forward(in, msg, &r, &ticket, loop);
		return;
	}
	forward_stateless(msg, &r.dest);
done:
	msg_destroy(msg);
}

/* ---- responses ---- */

/* The transaction a response belongs to, or NULL: not ours to route
 * (RFC 3261 16.7 drops it). */
static struct txn *
our_txn(const struct inbound *in, sip_t const *sip)
{
	struct txn *t;

	if (in->adm.verdict != ADMIT_OK || sipmsg_check_response(sip) != 0 ||
	    !(t = txn_by_branch(sip->sip_via->v_branch)) || sip->sip_cseq->cs_method != t->method)
		return NULL;
	return t;
}

/* We ACK a non-2xx final to an INVITE hop by hop (RFC 3261 17.1.1.3), and
 * again for each retransmission of it (17.1.1.2): the ACK is kept, because
 * the request is gone once the transaction completes. */
static void
ack_downstream(struct txn *t, sip_t const *sip)
{
	if (!t->ack && t->req)
		t->ack = sipmsg_ack(t->req, sip, &t->ack_len);
	if (t->ack)
		transport_send(&t->dst, t->ack, t->ack_len);
}

static int
non_2xx_to_invite(const struct txn *t, int status)
{
	return t->method == sip_method_invite && status >= 300;
}

/* Ours: it stops here; a final one ends the local transaction. */
static int
for_us(struct txn *t, msg_t *msg, int status)
{
	if (!t->local)
		return 0;
	if (non_2xx_to_invite(t, status))
		ack_downstream(t, sip_object(msg));
	if (status >= 200 && t->state != TXN_COMPLETED)
		local_end(t, status, msg);
	return 1;
}

/* After the final, only an INVITE's 2xx retransmissions are relayed
 * (RFC 6026); the others stop here, a non-2xx with our ACK again. */
static int
late(struct txn *t, sip_t const *sip, int status)
{
	if (t->state != TXN_COMPLETED ||
	    (status >= 200 && status < 300 && t->method == sip_method_invite))
		return 0;
	if (non_2xx_to_invite(t, status))
		ack_downstream(t, sip);
	return 1;
}

/* A 1xx: Proceeding; a 100 goes no further (hop by hop: we sent our own). */
static int
provisional_absorbed(struct txn *t, int status)
{
	if (status >= 200)
		return 0;
	txn_provisional(t);
	return status == 100;
}

/* 503 from a UM server before anything but 100 went upstream: the next one. */
static int
failed_over(struct txn *t, sip_t const *sip, int status)
{
	if (non_2xx_to_invite(t, status))
		ack_downstream(t, sip);
	if (status != 503 || !txn_can_fail_over(t))
		return 0;
	fail_over(t, 1, "503 Service Unavailable");
	return 1;
}

/* To where the request came from, without our Via; a final completes t and,
 * but for an INVITE's 2xx, is kept for retransmissions of the request. */
static void
relay_upstream(struct txn *t, msg_t *msg, const struct inbound *in, int status)
{
	sip_t *sip = sip_object(msg);
	size_t n;

	msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_via);
	call_response(msg, in);
	if (status >= 200)
		dialogs_final(sip, status);
	char *text = sipmsg_print(msg, &n);
	if (text) {
		transport_reply(&t->in, text, n);
		if (status >= 200 && t->state != TXN_COMPLETED &&
		    !(t->method == sip_method_invite && status < 300)) {
			free(t->last);
			t->last = malloc(n);
			if (t->last)
				memcpy(t->last, text, n);
			t->last_len = t->last ? n : 0;
		}
	}
	if (status > t->best)
		t->best = status;
	if (status >= 200 && t->state != TXN_COMPLETED)
		txn_complete(t);
}

/* The stages of a response, in order. */
static void
handle_response(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	struct txn *t = our_txn(in, sip);
	int status = sip->sip_status->st_status;

	if (t && !for_us(t, msg, status) && !late(t, sip, status) && !provisional_absorbed(t, status) &&
	    !failed_over(t, sip, status))
		relay_upstream(t, msg, in, status);
	msg_destroy(msg);
}

void
proxy_rx(const struct inbound *in, msg_t *msg)
{
	sip_t *sip = sip_object(msg);

	if (sip && sip->sip_status)
		handle_response(in, msg);
	else
		handle_request(in, msg);
}

static void
conn_lost(struct txn *t)
{
	if (t->state == TXN_COMPLETED)
		return;
	if (t->local)
		local_end(t, PROBE_UNREACHABLE, NULL);
	else if (txn_can_fail_over(t))
		fail_over(t, 0, "connection failed");
	else {
		if (t->n_um)
			um_failed(t->um[t->cur_um], 0, "connection failed");
		answer_upstream(t, 503, "Service Unavailable (next hop unreachable)");
	}
}

void
proxy_conn_down(uint64_t conn, int failed)
{
	(void)failed;
	txn_foreach_conn(conn, conn_lost);
}

/* A request of our own (the BYEs that end a call, probes): a client
 * transaction like a forwarded one, whose responses stop here. Takes req.
 * done (may be NULL) learns how it ended, unless -1 is returned. */
static int
send_local_txn(msg_t *req, const struct dest *d, long timeout_ms,
    proxy_done_fn done, void *done_arg)
{
	struct txn *t = txn_new(loop_hash(sip_object(req)));
	const struct listener *out = listener_for(d);

	if (!t || !out) {
		if (t)
			txn_free(t);
		msg_destroy(req);
		return -1;
	}
	t->local = 1;
	t->timeout_ms = timeout_ms;
	t->method = sip_object(req)->sip_request->rq_method;
	t->req = req;
	t->dst = *d;
	if (d->verify_name) {
		t->verify = strdup(d->verify_name);
		t->dst.verify_name = t->verify;
	}
	char up[40];
	snprintf(up, sizeof(up), "local-%s", t->branch);
	if (!(t->up_branch = strdup(up))) {
		txn_free(t);		/* frees req too */
		return -1;
	}
	txn_index(t);
	if (stamp_request(req, t->branch, NULL, out, 0) != 0) {
		txn_complete(t);
		return -1;
	}
	t->done = done;
	t->done_arg = done_arg;
	if (send_out(t) != 0 && t->state != TXN_COMPLETED)
		local_end(t, PROBE_UNREACHABLE, NULL);
	return 0;
}

static void
send_local(msg_t *req, const struct dest *d)
{
	dialogs_request(sip_object(req));	/* our BYE ends the call */
	send_local_txn(req, d, 0, NULL, NULL);
}

/* OPTIONS of our own to target over d: a local transaction. */
static int
send_options(const char *target, const struct dest *d, long timeout_ms,
    proxy_done_fn done, void *arg)
{
	char from[300], call_id[64];

	snprintf(from, sizeof(from), "<sip:umsbc@%s>;tag=probe%llx", P.conf->fqdn,
	    (unsigned long long)P.probes);
	snprintf(call_id, sizeof(call_id), "probe-%llx-%ld@%s", (unsigned long long)P.probes++,
	    (long)getpid(), P.conf->fqdn);
	msg_t *req = sipmsg_options(target, from, call_id);
	if (!req)
		return -1;
	return send_local_txn(req, d, timeout_ms, done, arg);
}

/* An OPTIONS probe to UM server um (um_health.c). */
static int
send_probe(int um, long timeout_ms, proxy_done_fn done, void *arg)
{
	const struct conf_um *u = &P.conf->um[um];
	struct dest d;

	if (route_um_dest(u, NULL, &d) != 0)
		return -1;
	return send_options(u->uri, &d, timeout_ms, done, arg);
}

int
proxy_options_um(int um, long timeout_ms, proxy_done_fn done, void *arg)
{
	if (um < 0 || um >= P.conf->n_um)
		return -1;
	return send_probe(um, timeout_ms, done, arg);
}

int
proxy_options_gateway(int gw, long timeout_ms, proxy_done_fn done, void *arg)
{
	struct dest d;
	char target[300];

	if (gw < 0 || gw >= P.conf->n_gateways || route_gateway_dest(P.conf, gw, NULL, &d) != 0)
		return -1;
	const struct conf_gateway *g = &P.conf->gateways[gw];
	snprintf(target, sizeof(target), "sip:%s:%u;transport=%s", g->fqdn, g->port,
	    conf_transport_name(d.tp));
	return send_options(target, &d, timeout_ms, done, arg);
}

int
proxy_local_request(msg_t *req, const struct dest *d, long timeout_ms, proxy_done_fn done,
    void *arg)
{
	return send_local_txn(req, d, timeout_ms, done, arg);
}

int
proxy_init(struct event_base *base, struct conf *c, char *err, size_t errlen)
{
	P.base = base;
	P.conf = c;
	txn_init(base, &clock_ops, c->sip.failover_timeout * 1000L);
	if (alim_apply(c, policy_now_ms()) != 0 || dialogs_init(base) != 0) {
		snprintf(err, errlen, "call limits: out of memory");
		return -1;
	}
	if (call_init(base, c, send_local, err, errlen) != 0)
		return -1;
	if (um_health_start(base, c, send_probe) != 0) {
		snprintf(err, errlen, "UM server probes: out of memory");
		return -1;
	}
	return 0;
}

static void
forget_failover(struct txn *t)
{
	t->n_um = 0;
}

int
proxy_reconf(struct conf *c, char *err, size_t errlen)
{
	/* New calls count against the new limits; calls up keep theirs. */
	if (alim_apply(c, policy_now_ms()) != 0) {
		snprintf(err, errlen, "call limits: out of memory");
		return -1;
	}
	if (call_reconf(c, err, errlen) != 0) {
		alim_apply(P.conf, policy_now_ms());
		return -1;
	}
	/* UM indexes of transactions in flight belong to the old config: those
	 * requests finish where they are, without failover. */
	txn_foreach(forget_failover);
	txn_set_failover(c->sip.failover_timeout * 1000L);
	P.conf = c;
	um_health_reconf(c);
	return 0;
}

unsigned
proxy_transactions(void)
{
	return txn_count();
}

unsigned
proxy_drain(void)
{
	P.draining = 1;
	return txn_count();
}

void
proxy_shutdown(void)
{
	call_shutdown();
	um_health_stop();
	txn_free_all();
	dialogs_clear();
	alim_clear();
}
