#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/sip_header.h>

#include "admission_limits.h"
#include "log.h"
#include "numrule.h"
#include "policy.h"

static struct policy_stats S;

int64_t
policy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
policy_stats(struct policy_stats *out)
{
	*out = S;
}

/* What a log line may show of text from the network: printable ASCII. */
static const char *
printable(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++)
		buf[i++] = *s > ' ' && *s < 127 ? *s : '?';
	buf[i] = '\0';
	return buf;
}

/* s inside a quoted-string (RFC 3261 25.1): '"' and '\' escaped, and a
 * control character (a pattern may hold one) made '?' so the header stays
 * one line. */
static void
quoted(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; *s && i + 2 < len; s++) {
		if (*s == '"' || *s == '\\')
			buf[i++] = '\\';
		buf[i++] = (unsigned char)*s < ' ' || *s == 127 ? '?' : *s;
	}
	buf[i] = '\0';
}

static const char *
um_name(const struct conf *c, const struct inbound *in)
{
	return in->side == SIDE_INSIDE && in->adm.um >= 0 && in->adm.um < c->n_um ?
	    c->um[in->adm.um].name : "-";
}

/* The dial plan's rules for this direction: 0, or 403 in *r. */
static int
check_number(const struct conf *c, const struct inbound *in, sip_t const *sip, int gw, int dp,
    enum direction dir, struct policy_refusal *r)
{
	const struct conf_direction *cd = &c->dialplans[dp].dir[dir];
	const struct numrule *rule;

	if (cd->rules.n_allow == 0 && cd->rules.n_deny == 0)
		return 0;
	url_t const *u = cd->number_from == NUMBER_FROM_TO ? sip->sip_to->a_url :
	    sip->sip_request->rq_url;
	char *number = numrule_number(u), shown[80], why[300], q[400];
	enum numrule_verdict v = number ? numrules_check(&cd->rules, number, &rule) :
	    NUMRULE_NOT_ALLOWED;
	if (v == NUMRULE_PASS) {
		free(number);
		return 0;
	}
	if (v == NUMRULE_DENIED)
		snprintf(why, sizeof(why), "deny \"%s\" (line %d)", rule->pattern, rule->line);
	else
		snprintf(why, sizeof(why), "no allow rule matches");
	S.refused_number++;
	log_limited(LOG_WARNING, EV_NUMBER_REFUSED, "call refused 403: dialplan=%s direction=%s "
	    "um=%s gateway=%s number=%s rule=%s call-id=%s", c->dialplans[dp].name,
	    direction_name(dir), um_name(c, in), c->gateways[gw].name,
	    printable(number ? number : "", shown, sizeof(shown)), why,
	    printable(sip->sip_call_id->i_id, q, 80));
	free(number);
	quoted(v == NUMRULE_DENIED ? rule->pattern : "", q, sizeof(q));
	r->status = 403;
	r->phrase = "Forbidden (number refused by the dial plan)";
	if (v == NUMRULE_DENIED)
		snprintf(r->extra, sizeof(r->extra), "Reason: SIP;cause=403;text=\"dial plan %s %s "
		    "deny %s\"", c->dialplans[dp].name, direction_name(dir), q);
	else
		snprintf(r->extra, sizeof(r->extra), "Reason: SIP;cause=403;text=\"dial plan %s %s: "
		    "no allow rule matches\"", c->dialplans[dp].name, direction_name(dir));
	return 403;
}

/* The 503 for limit l (full as room says), logged at most LOG_BURST times
 * per LOG_WINDOW: a refusal storm must not become a log storm. */
static int
over_limit(struct alim *l, enum alim_room room, sip_t const *sip, struct policy_refusal *r)
{
	char what[160], q[80];
	const char *key = room == ALIM_FULL_CALLS ? "max_calls" : "max_cps";
	struct alim_view v;

	alim_view(l, policy_now_ms(), &v);
	alim_refused(l);
	S.refused_limit++;
	alim_describe(l, what, sizeof(what));
	log_limited(LOG_WARNING, EV_CALL_LIMIT, "call refused 503: %s %s=%d reached (calls=%u) "
	    "call-id=%s", what, key, room == ALIM_FULL_CALLS ? v.max.max_calls : v.max.max_cps,
	    v.calls, printable(sip->sip_call_id->i_id, q, sizeof(q)));
	r->status = 503;
	r->phrase = "Service Unavailable (call limit reached)";
	snprintf(r->extra, sizeof(r->extra), "Retry-After: %d\r\nReason: SIP;cause=503;text=\"%s %s\"",
	    room == ALIM_FULL_CALLS ? POLICY_RETRY_CALLS : POLICY_RETRY_CPS, what, key);
	return 503;
}

static void
add(struct dialog_ticket *t, struct alim *l)
{
	if (l && t->n < DIALOG_MAX_LIMITS)
		t->lim[t->n++] = l;
}

/* A gateway's call goes to a UM server with room: the others are removed
 * from the candidates. 0, or 503 when none is left. */
static int
um_with_room(int *cands, int *n_cands, int64_t now, sip_t const *sip, struct policy_refusal *r)
{
	int k = 0;
	struct alim *full = NULL;
	enum alim_room room = ALIM_OK;

	for (int i = 0; i < *n_cands; i++) {
		struct alim *l = alim_um(cands[i]);
		enum alim_room rm = l ? alim_room(l, now) : ALIM_OK;
		if (rm == ALIM_OK)
			cands[k++] = cands[i];
		else if (!full) {
			full = l;
			room = rm;
		}
	}
	if (*n_cands > 0 && k == 0)
		return over_limit(full, room, sip, r);
	*n_cands = k;
	return 0;
}

/* The limits the call would hold, each with room: 0, or 503 in *r. */
static int
check_limits(const struct inbound *in, sip_t const *sip, int gw, int dp, enum direction dir,
    int *cands, int *n_cands, struct dialog_ticket *t, struct policy_refusal *r)
{
	int64_t now = policy_now_ms();

	add(t, alim_node());
	add(t, alim_gateway(gw));
	if (dp >= 0) {
		add(t, alim_dialplan(dp, -1));
		add(t, alim_dialplan(dp, (int)dir));
	}
	if (dir == DIR_OUTBOUND)
		add(t, alim_um(in->adm.um));
	for (int i = 0; i < t->n; i++) {
		enum alim_room room = alim_room(t->lim[i], now);
		if (room != ALIM_OK)
			return over_limit(t->lim[i], room, sip, r);
	}
	return dir == DIR_INBOUND ? um_with_room(cands, n_cands, now, sip, r) : 0;
}

int
policy_new_call(const struct conf *c, const struct inbound *in, msg_t *msg, int gw,
    int *cands, int *n_cands, struct dialog_ticket *t, struct policy_refusal *r)
{
	sip_t const *sip = sip_object(msg);
	enum direction dir = in->side == SIDE_OUTSIDE ? DIR_INBOUND : DIR_OUTBOUND;
	int dp = gw >= 0 && gw < c->n_gateways ? c->gateways[gw].dialplan : -1;

	memset(t, 0, sizeof(*t));
	memset(r, 0, sizeof(*r));
	if (dp >= 0 && check_number(c, in, sip, gw, dp, dir, r))
		return r->status;
	/* Another INVITE of a call already counted (a new CSeq) is not a new call. */
	if (dialogs_known(sip->sip_call_id->i_id))
		return 0;
	return check_limits(in, sip, gw, dp, dir, cands, n_cands, t, r);
}
