#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "dialogs.h"
#include "log.h"

#define BUCKETS 4096
#define SWEEP_S 10

struct dlg {
	LIST_ENTRY(dlg) link;
	char *id;
	uint32_t invite_cseq;
	int answered;
	time_t since;			/* the INVITE, then the answer */
	struct dialog_ticket held;
	struct alim *um;		/* a gateway's call: the UM server it went to */
};

static struct {
	LIST_HEAD(, dlg) bucket[BUCKETS];
	unsigned count;
	struct event *sweep;
} D;

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

static struct dlg *
find(const char *id)
{
	struct dlg *d;

	if (!id)
		return NULL;
	LIST_FOREACH(d, &D.bucket[hash(id)], link)
		if (strcmp(d->id, id) == 0)
			return d;
	return NULL;
}

static void
end(struct dlg *d)
{
	for (int i = 0; i < d->held.n; i++)
		alim_release(d->held.lim[i]);
	if (d->um)
		alim_release(d->um);
	LIST_REMOVE(d, link);
	D.count--;
	free(d->id);
	free(d);
}

static void
sweep(evutil_socket_t fd, short what, void *arg)
{
	time_t now = time(NULL);

	(void)fd; (void)what; (void)arg;
	for (int b = 0; b < BUCKETS; b++) {
		struct dlg *d, *next;
		for (d = LIST_FIRST(&D.bucket[b]); d; d = next) {
			next = LIST_NEXT(d, link);
			if (now - d->since < (d->answered ? DIALOG_MAX_S : DIALOG_UNANSWERED_S))
				continue;
			log_event(LOG_NOTICE, EV_CALL_LIMIT, "call %s: no end seen %d s after its %s: "
			    "no longer counted against its limits", d->id,
			    d->answered ? DIALOG_MAX_S : DIALOG_UNANSWERED_S,
			    d->answered ? "answer" : "INVITE");
			end(d);
		}
	}
}

int
dialogs_init(struct event_base *base)
{
	struct timeval tv = { SWEEP_S, 0 };

	for (int b = 0; b < BUCKETS; b++)
		LIST_INIT(&D.bucket[b]);
	D.sweep = event_new(base, -1, EV_PERSIST, sweep, NULL);
	return D.sweep && event_add(D.sweep, &tv) == 0 ? 0 : -1;
}

int
dialogs_known(const char *call_id)
{
	return find(call_id) != NULL;
}

int
dialogs_start(sip_t const *sip, const struct dialog_ticket *t, int64_t now)
{
	const char *id = sip->sip_call_id->i_id;
	struct dlg *d;

	if (find(id))
		return 0;
	if (!(d = calloc(1, sizeof(*d))) || !(d->id = strdup(id))) {
		free(d);
		return -1;
	}
	d->invite_cseq = sip->sip_cseq->cs_seq;
	d->since = time(NULL);
	d->held = *t;
	for (int i = 0; i < t->n; i++)
		alim_take(t->lim[i], now);
	LIST_INSERT_HEAD(&D.bucket[hash(id)], d, link);
	D.count++;
	return 0;
}

int
dialogs_use_um(const char *call_id, struct alim *um, int64_t now)
{
	struct dlg *d = find(call_id);

	if (!d || !um || d->um == um)
		return 0;
	if (alim_room(um, now) != ALIM_OK) {
		alim_refused(um);
		return -1;
	}
	if (d->um)
		alim_release(d->um);
	alim_take(um, now);
	d->um = um;
	return 0;
}

void
dialogs_request(sip_t const *sip)
{
	struct dlg *d;

	if (sip->sip_request->rq_method == sip_method_bye && (d = find(sip->sip_call_id->i_id)))
		end(d);
}

void
dialogs_final(sip_t const *sip, int status)
{
	struct dlg *d = sip->sip_call_id ? find(sip->sip_call_id->i_id) : NULL;

	if (!d || d->answered || !sip->sip_cseq || sip->sip_cseq->cs_method != sip_method_invite ||
	    sip->sip_cseq->cs_seq != d->invite_cseq || status < 200)
		return;
	if (status >= 300) {
		end(d);
		return;
	}
	d->answered = 1;
	d->since = time(NULL);
}

unsigned
dialogs_count(void)
{
	return D.count;
}

static int
holds(const struct dlg *d, const struct alim *l)
{
	for (int i = 0; i < d->held.n; i++)
		if (d->held.lim[i] == l)
			return 1;
	return d->um == l;
}

/* Status asks rarely: a walk is cheaper than counters kept per limit. */
unsigned
dialogs_count_held(const struct alim *l)
{
	unsigned n = 0;
	struct dlg *d;

	if (!l)
		return 0;
	for (int b = 0; b < BUCKETS; b++)
		LIST_FOREACH(d, &D.bucket[b], link)
			n += holds(d, l);
	return n;
}

void
dialogs_clear(void)
{
	for (int b = 0; b < BUCKETS; b++)
		while (!LIST_EMPTY(&D.bucket[b]))
			end(LIST_FIRST(&D.bucket[b]));
	if (D.sweep)
		event_free(D.sweep);
	D.sweep = NULL;
}
