#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectivity.h"
#include "control.h"
#include "gw_status.h"
#include "proxy.h"
#include "testcall.h"
#include "um_health.h"

enum want { WANT_ANY, WANT_SECURED, WANT_UNSECURED };
enum kind { HOP_UM, HOP_GW, HOP_CALL };

struct run;

struct hop {
	struct run *run;
	enum kind kind;
	int idx;			/* in the config of the start */
	char name[64];
	enum security mode;
	enum transport tp;
	struct timespec t0;
	time_t started;
	int pending;
};

struct run {
	struct event_base *base;
	char number[40];		/* --call: dialled by a test call per UM server */
	uint64_t client;
	int starting;			/* inside connectivity_start */
	int pending;
	int n;
	struct hop *hops;
	struct evbuffer *answer;
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

static const char *
kind_name(enum kind k)
{
	return k == HOP_UM ? "um" : k == HOP_GW ? "gw" : "call";
}

/* A double-quoted value stays one word for umsbcctl's reader. */
static void
quoted(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\n')
			*s = '\'';
}

/* The certificate figures of a TLS gateway: what its handshake showed. */
static void
cert_figures(const struct hop *h, struct evbuffer *out)
{
	struct gw_status st;

	gw_status_get(h->name, &st);
	if (!st.cert.sha1[0]) {
		evbuffer_add_printf(out, " cert_sha1=none");
		return;
	}
	double d = difftime(st.cert.not_after, time(NULL)) / 86400.0;
	quoted(st.cert.subject);
	evbuffer_add_printf(out, " verified=yes subject=\"%s\" cert_sha1=%s cert_days_left=%ld",
	    st.cert.subject, st.cert.sha1, (long)(d < 0 ? d - 1 : d));
}

static void
hop_line(const struct hop *h, int status, long rtt, struct evbuffer *out)
{
	int pass = status > 0;	/* any answer: the hop carries SIP (as um_health) */

	evbuffer_add_printf(out, "%s %s %s transport=%s mode=%s", kind_name(h->kind), h->name,
	    pass ? "pass" : "fail", conf_transport_name(h->tp), conf_security_name(h->mode));
	if (status > 0)
		evbuffer_add_printf(out, " status=%d rtt_ms=%ld", status, rtt);
	else
		evbuffer_add_printf(out, " status=none rtt_ms=%ld", rtt);
	if (pass && h->kind == HOP_GW && h->tp == TP_TLS)
		cert_figures(h, out);
	if (pass)
		evbuffer_add_printf(out, "\n");
	else if (status == 0)
		evbuffer_add_printf(out, " reason=\"no answer to OPTIONS within %d s\"\n",
		    CONNECTIVITY_TIMEOUT_MS / 1000);
	else {
		struct gw_status st = { 0 };
		if (h->kind == HOP_GW)
			gw_status_get(h->name, &st);
		if (st.failed_at >= h->started && st.failure[0]) {
			quoted(st.failure);
			evbuffer_add_printf(out, " reason=\"%s: %s\"\n", h->tp == TP_TLS ?
			    "TLS connection failed" : "connection failed", st.failure);
		} else
			evbuffer_add_printf(out, " reason=\"cannot reach it (connection failed)\"\n");
	}
}

/* A test call's line: its verdict and figures, the reason of a failure. */
static void
call_line(const struct hop *h, const struct testcall_result *t, struct evbuffer *out)
{
	char st[16] = "none", bye[16] = "none";

	if (t->status > 0)
		snprintf(st, sizeof(st), "%d", t->status);
	if (t->bye_status > 0)
		snprintf(bye, sizeof(bye), "%d", t->bye_status);
	evbuffer_add_printf(out, "call %s %s transport=%s mode=%s number=%s status=%s setup_ms=%ld "
	    "codec=%s rtp_sent=%u rtp_received=%u bye=%s", h->name, t->pass ? "pass" : "fail",
	    conf_transport_name(h->tp), conf_security_name(h->mode), h->run->number, st,
	    t->setup_ms, t->codec[0] ? t->codec : "none", t->rtp_sent, t->rtp_received, bye);
	if (t->pass)
		evbuffer_add_printf(out, "\n");
	else {
		char why[sizeof(t->reason)];
		snprintf(why, sizeof(why), "%s", t->reason);
		quoted(why);
		evbuffer_add_printf(out, " reason=\"%s\"\n", why);
	}
}

static void
run_finish(struct run *r)
{
	if (!r->starting)
		control_answer(r->client, r->answer);
	evbuffer_free(r->answer);
	free(r->hops);
	free(r);
}

static void
hop_done(void *arg, int status, msg_t *final)
{
	(void)final;
	struct hop *h = arg;
	struct run *r = h->run;

	h->pending = 0;
	hop_line(h, status, ms_since(&h->t0), r->answer);
	if (--r->pending == 0 && !r->starting)
		run_finish(r);
}

static void
call_done(void *arg, const struct testcall_result *t)
{
	struct hop *h = arg;
	struct run *r = h->run;

	h->pending = 0;
	call_line(h, t, r->answer);
	if (--r->pending == 0 && !r->starting)
		run_finish(r);
}

/* A mode asked for that is not the hop's: the seeds' mismatch, no traffic. */
static int
mismatch(const struct hop *h, enum want w, struct evbuffer *out)
{
	int secured = h->mode != SEC_UNSECURED;

	if (w == WANT_ANY || (w == WANT_SECURED) == secured)
		return 0;
	evbuffer_add_printf(out, "%s %s fail transport=%s mode=%s reason=\"mode mismatch: "
	    "tested %s, but %s is %s in the configuration\"\n", kind_name(h->kind), h->name,
	    conf_transport_name(h->tp), conf_security_name(h->mode),
	    w == WANT_SECURED ? "--secured" : "--unsecured", h->name, conf_security_name(h->mode));
	return 1;
}

static void
hop_start(struct hop *h, enum want w, const struct conf *c)
{
	struct run *r = h->run;

	clock_gettime(CLOCK_MONOTONIC, &h->t0);
	h->started = time(NULL);
	if (mismatch(h, w, r->answer))
		return;
	h->pending = 1;
	r->pending++;
	if (h->kind == HOP_CALL) {
		testcall_start(r->base, c, h->idx, r->number, call_done, h);
		return;
	}
	int sent = h->kind == HOP_UM ?
	    proxy_options_um(h->idx, CONNECTIVITY_TIMEOUT_MS, hop_done, h) :
	    proxy_options_gateway(h->idx, CONNECTIVITY_TIMEOUT_MS, hop_done, h);
	if (sent != 0) {
		h->pending = 0;
		r->pending--;
		evbuffer_add_printf(r->answer, "%s %s fail transport=%s mode=%s reason=\"cannot "
		    "send OPTIONS (no listener for its transport, or no address)\"\n",
		    kind_name(h->kind), h->name, conf_transport_name(h->tp), conf_security_name(h->mode));
	}
}

static void
add_hop(struct run *r, enum kind k, int idx, const struct conf *c)
{
	struct hop *h = &r->hops[r->n++];

	h->run = r;
	h->kind = k;
	h->idx = idx;
	if (k != HOP_GW) {
		snprintf(h->name, sizeof(h->name), "%s", c->um[idx].name);
		h->mode = c->um[idx].mode;
		h->tp = c->um[idx].tp == TP_TLS ? TP_TCP : c->um[idx].tp;
	} else {
		snprintf(h->name, sizeof(h->name), "%s", c->gateways[idx].name);
		h->mode = c->gateways[idx].mode;
		h->tp = h->mode == SEC_UNSECURED ? TP_UDP : TP_TLS;
	}
}

/* The hops of a target: "um NAME", "dialplan NAME" (its UM servers and its
 * gateways), "gateway NAME", or everything (what = NULL). 0, or -1 with
 * an error line in out. */
static int
add_target(struct run *r, const struct conf *c, const char *what, const char *name,
    struct evbuffer *out)
{
	int i;

	if (!what) {
		for (i = 0; i < c->n_um; i++)
			add_hop(r, HOP_UM, i, c);
		for (i = 0; i < c->n_gateways; i++)
			add_hop(r, HOP_GW, i, c);
	} else if (strcmp(what, "--um") == 0 && (i = conf_um_index(c, name)) >= 0)
		add_hop(r, HOP_UM, i, c);
	else if (strcmp(what, "--gateway") == 0 && (i = conf_gateway_index(c, name)) >= 0)
		add_hop(r, HOP_GW, i, c);
	else if (strcmp(what, "--dialplan") == 0 && (i = conf_dialplan_index(c, name)) >= 0) {
		for (int k = 0; k < c->dialplans[i].n_um; k++)
			add_hop(r, HOP_UM, c->dialplans[i].um[k], c);
		for (int g = 0; g < c->n_gateways; g++)
			if (c->gateways[g].dialplan == i)
				add_hop(r, HOP_GW, g, c);
	} else {
		evbuffer_add_printf(out, "error no %s \"%s\" in the configuration\n", what + 2, name);
		return -1;
	}
	/* --call: a test call to each UM server tested, after its OPTIONS line. */
	for (int n = r->n, k = 0; r->number[0] && k < n; k++)
		if (r->hops[k].kind == HOP_UM)
			add_hop(r, HOP_CALL, r->hops[k].idx, c);
	return 0;
}

/* Reads args into want, target and the number of --call; 0, or -1 with
 * an error line in out. */
static int
parse(char *args, enum want *w, char **what, char **name, const char **number,
    struct evbuffer *out)
{
	char *save = NULL;

	*w = WANT_ANY;
	*what = *name = NULL;
	*number = NULL;
	for (char *a = strtok_r(args, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		if (strcmp(a, "--call") == 0 && !*number) {
			if (!(*number = strtok_r(NULL, " ", &save)) || !testcall_number_ok(*number))
				goto bad;
		} else if (strcmp(a, "--secured") == 0 || strcmp(a, "--unsecured") == 0) {
			if (*w != WANT_ANY)
				goto bad;
			*w = a[2] == 's' ? WANT_SECURED : WANT_UNSECURED;
		} else if (!*what && (strcmp(a, "--um") == 0 || strcmp(a, "--dialplan") == 0 ||
		    strcmp(a, "--gateway") == 0)) {
			*what = a;
			if (!(*name = strtok_r(NULL, " ", &save)))
				goto bad;
		} else
			goto bad;
	}
	if (!*number || !*what || strcmp(*what, "--gateway") != 0)
		return 0;	/* a test call goes to UM servers, not to a gateway */
bad:
	evbuffer_add_printf(out, "error usage: test-connectivity [--secured|--unsecured] "
	    "[--um NAME | --dialplan NAME | --gateway NAME] [--call NUMBER]\n");
	return -1;
}

int
connectivity_start(struct event_base *base, const struct conf *c, const char *args,
    struct evbuffer *out, uint64_t client)
{
	char *copy = strdup(args ? args : "");
	struct run *r = calloc(1, sizeof(*r));
	enum want w;
	char *what, *name;
	const char *number;
	int later = 0;

	if (!copy || !r || !(r->answer = evbuffer_new()) ||
	    !(r->hops = calloc((size_t)(2 * c->n_um + c->n_gateways + 1), sizeof(*r->hops)))) {
		evbuffer_add_printf(out, "error out of memory\n");
		goto done;
	}
	r->base = base;
	if (parse(copy, &w, &what, &name, &number, out) != 0)
		goto done;
	snprintf(r->number, sizeof(r->number), "%s", number ? number : "");
	if (add_target(r, c, what, name, out) != 0)
		goto done;
	r->client = client;
	r->starting = 1;
	evbuffer_add_printf(r->answer, "ok\n");
	for (int i = 0; i < r->n; i++)
		hop_start(&r->hops[i], w, c);
	r->starting = 0;
	if (r->pending > 0) {
		later = 1;
		r = NULL;	/* hop_done finishes it */
	} else
		evbuffer_add_buffer(out, r->answer);
done:
	if (r) {
		if (r->answer)
			evbuffer_free(r->answer);
		free(r->hops);
		free(r);
	}
	free(copy);
	return later ? CONTROL_LATER : 0;
}
