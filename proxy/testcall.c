/* The test call's dialog: INVITE and BYE as local client transactions of
 * proxy.c (which also ACKs a non-2xx final), ACK of a 2xx sent on its own
 * (it has no response), CANCEL when no final answer comes within
 * TESTCALL_ANSWER_MS. Every path ends in
 * finish(), which gives back the port, the socket and the INVITE. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>
#include <event2/util.h>

#include "call.h"
#include "proxy.h"
#include "sipmsg.h"
#include "testcall.h"
#include "testcall_media.h"
#include "transport.h"

/* After our CANCEL, the INVITE transaction waits this long for its 487. */
#define CANCEL_GRACE_MS 2000

struct testcall {
	testcall_done_fn done;
	void *arg;
	struct testcall_result r;
	struct dest d;			/* the UM server: every request goes there */
	char via_host[80];		/* our inside listener, for the ACK's Via */
	struct testcall_media *media;
	msg_t *invite;			/* our reference: CANCEL copies its Via */
	struct event *timer;		/* the answer's deadline, then the media's end */
	struct timespec t0;
	int cancelled;
	char from[160], to[400], call_id[128], target[400];
};

static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

int
testcall_number_ok(const char *number)
{
	size_t n = number ? strlen(number) : 0;

	if (n == 0 || n > 32)
		return 0;
	return strspn(number, "0123456789+*.-_abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

static void
finish(struct testcall *tc, const char *why)
{
	if (why && !tc->r.reason[0])
		snprintf(tc->r.reason, sizeof(tc->r.reason), "%s", why);
	if (tc->media) {
		snprintf(tc->r.codec, sizeof(tc->r.codec), "%s", testcall_media_codec(tc->media));
		testcall_media_counts(tc->media, &tc->r.rtp_sent, &tc->r.rtp_received);
		testcall_media_free(tc->media);
	}
	if (tc->timer)
		event_free(tc->timer);
	if (tc->invite)
		msg_ref_destroy(tc->invite);
	tc->r.pass = !tc->r.reason[0];
	tc->done(tc->arg, &tc->r);
	free(tc);
}

/* Text of our own that needs no transaction (ACK, CANCEL). */
static void
send_text(struct testcall *tc, char *text, size_t n)
{
	if (text)
		transport_send(&tc->d, text, n);
	free(text);
}

/* The ACK of a 2xx: a transaction of its own, so a new branch of ours. */
static void
ack_2xx(struct testcall *tc)
{
	msg_t *ack = sipmsg_ack_2xx(tc->target, tc->from, tc->to, tc->call_id, 1);
	unsigned char rnd[10];
	char via[200], *text = NULL;
	size_t n = 0;

	if (!ack)
		return;
	evutil_secure_rng_get_bytes(rnd, sizeof(rnd));
	int k = snprintf(via, sizeof(via), "SIP/2.0/%s %s;branch=z9hG4bK", tc->d.tp == TP_UDP ?
	    "UDP" : "TCP", tc->via_host);
	for (size_t i = 0; i < sizeof(rnd) && k > 0 && (size_t)k + 3 < sizeof(via); i++)
		k += snprintf(via + k, sizeof(via) - (size_t)k, "%02x", rnd[i]);
	sip_via_t *v = sip_via_make(msg_home(ack), via);
	if (v && msg_header_insert(ack, msg_object(ack), (msg_header_t *)v) >= 0)
		text = sipmsg_print(ack, &n);
	if (text)
		transport_send(&tc->d, text, n);	/* text belongs to ack's home */
	msg_destroy(ack);
}

static void
on_bye(void *arg, int status, msg_t *resp)
{
	struct testcall *tc = arg;

	(void)resp;
	tc->r.bye_status = status;
	finish(tc, NULL);
}

/* The end of a dialog that was answered: BYE, on a pass or a failure. */
static void
hang_up(struct testcall *tc, const char *why)
{
	if (why && !tc->r.reason[0])
		snprintf(tc->r.reason, sizeof(tc->r.reason), "%s", why);
	msg_t *bye = sipmsg_bye(tc->target, tc->from, tc->to, tc->call_id, 2, NULL);
	if (!bye || proxy_local_request(bye, &tc->d, TESTCALL_BYE_MS, on_bye, tc) != 0) {
		tc->r.bye_status = -1;
		finish(tc, "cannot send the BYE");
	}
}

static void
on_media_end(evutil_socket_t fd, short what, void *arg)
{
	struct testcall *tc = arg;
	char why[160];

	(void)fd;
	(void)what;
	testcall_media_stop(tc->media);
	testcall_media_counts(tc->media, &tc->r.rtp_sent, &tc->r.rtp_received);
	if (tc->r.rtp_received >= TESTCALL_MIN_RTP) {
		hang_up(tc, NULL);
		return;
	}
	snprintf(why, sizeof(why), "no RTP from the UM server: %u packets in %d s, %d wanted",
	    tc->r.rtp_received, TESTCALL_MEDIA_MS / 1000, TESTCALL_MIN_RTP);
	hang_up(tc, why);
}

/* No final answer in time: CANCEL; the INVITE transaction then ends with
 * 487, or with no answer CANCEL_GRACE_MS later. */
static void
on_answer_late(evutil_socket_t fd, short what, void *arg)
{
	struct testcall *tc = arg;
	size_t n = 0;

	(void)fd;
	(void)what;
	tc->cancelled = 1;
	send_text(tc, sipmsg_cancel(tc->invite, &n), n);
}

/* The dialog of a 2xx: To tag, remote target, then the media. */
static void
answered(struct testcall *tc, msg_t *resp)
{
	sip_t const *sip = sip_object(resp);
	su_home_t home[1] = { SU_HOME_INIT(home) };
	char why[200];
	size_t len = 0;
	const char *sdp = sipmsg_sdp(sip, &len);
	char *to = sip->sip_to ? sip_header_as_string(home, (sip_header_t const *)sip->sip_to) : NULL;
	char *target = sip->sip_contact ? url_as_string(home, sip->sip_contact->m_url) : NULL;

	if (to)
		snprintf(tc->to, sizeof(tc->to), "%s", to);
	if (target)
		snprintf(tc->target, sizeof(tc->target), "%s", target);
	su_home_deinit(home);
	ack_2xx(tc);
	struct timeval tv = { TESTCALL_MEDIA_MS / 1000, (TESTCALL_MEDIA_MS % 1000) * 1000 };
	if (!sdp)
		hang_up(tc, "answered without SDP");
	else if (testcall_media_answer(tc->media, sdp, len, why, sizeof(why)) != 0)
		hang_up(tc, why);
	else if (testcall_media_run(tc->media) != 0 ||
	    event_assign(tc->timer, event_get_base(tc->timer), -1, 0, on_media_end, tc) != 0 ||
	    evtimer_add(tc->timer, &tv) != 0)
		hang_up(tc, "cannot start the media (out of memory)");
}

static void
on_invite(void *arg, int status, msg_t *resp)
{
	struct testcall *tc = arg;
	char why[200];

	evtimer_del(tc->timer);
	tc->r.status = status;
	tc->r.setup_ms = ms_since(&tc->t0);
	if (status >= 200 && status < 300 && resp) {
		answered(tc, resp);
		return;
	}
	if (tc->cancelled)
		snprintf(why, sizeof(why), "no answer to the INVITE within %d s (cancelled)",
		    TESTCALL_ANSWER_MS / 1000);
	else if (status >= 300 && resp && sip_object(resp)->sip_status->st_phrase)
		snprintf(why, sizeof(why), "answered %d %s", status,
		    sip_object(resp)->sip_status->st_phrase);
	else if (status > 0)
		snprintf(why, sizeof(why), "answered %d", status);
	else if (status == 0)
		snprintf(why, sizeof(why), "no answer to the INVITE within %d s",
		    (TESTCALL_ANSWER_MS + CANCEL_GRACE_MS) / 1000);
	else
		snprintf(why, sizeof(why), "cannot reach it (connection failed)");
	finish(tc, why);
}

/* What a call needs before the INVITE: NULL, or why not. */
static const char *
prepare(struct testcall *tc, struct event_base *base, const struct conf *c, int um,
    const char *number, char *why, size_t whylen)
{
	const struct conf_um *u = &c->um[um];
	struct portpool *pool = call_media_pool(SIDE_INSIDE);

	if (!pool)
		return "a test call needs the media group (its ports anchor the call)";
	memset(&tc->d, 0, sizeof(tc->d));
	tc->d.side = SIDE_INSIDE;
	tc->d.tp = u->tp == TP_TLS ? TP_TCP : u->tp;	/* the inside speaks plain SIP */
	if (netaddr_parse(u->host, u->port, &tc->d.addr) != 0)
		return "no address for it (its name is not resolved)";
	const struct listener *li = transport_listener(SIDE_INSIDE, tc->d.tp);
	if (!li)
		return "no inside listener for its transport";
	snprintf(tc->via_host, sizeof(tc->via_host), "%s", li->hostport);
	if (!(tc->timer = evtimer_new(base, on_answer_late, tc)))
		return "out of memory";
	if (!(tc->media = testcall_media_new(base, pool, why, whylen)))
		return why;
	unsigned char rnd[8];
	evutil_secure_rng_get_bytes(rnd, sizeof(rnd));
	unsigned long long id;
	memcpy(&id, rnd, sizeof(id));
	snprintf(tc->from, sizeof(tc->from), "<sip:umsbc-test@%s>;tag=tc%llx", c->fqdn, id);
	snprintf(tc->call_id, sizeof(tc->call_id), "testcall-%llx@%s", id, c->fqdn);
	/* As a gateway's call: the dialled number at our name (legacy UM
	 * servers key on the Request-URI's user). */
	snprintf(tc->target, sizeof(tc->target), "sip:%s@%s", number, c->fqdn);
	snprintf(tc->to, sizeof(tc->to), "<%s>", tc->target);
	return NULL;
}

void
testcall_start(struct event_base *base, const struct conf *c, int um, const char *number,
    testcall_done_fn done, void *arg)
{
	struct testcall *tc = calloc(1, sizeof(*tc));
	struct testcall_result oom = { .status = 0, .reason = "out of memory" };
	char why[200], contact[200];
	const char *err;

	if (!tc) {
		done(arg, &oom);
		return;
	}
	tc->done = done;
	tc->arg = arg;
	if (um < 0 || um >= c->n_um || !testcall_number_ok(number)) {
		finish(tc, "no such UM server, or a number that cannot be dialled");
		return;
	}
	if ((err = prepare(tc, base, c, um, number, why, sizeof(why)))) {
		finish(tc, err);
		return;
	}
	size_t len;
	const char *sdp = testcall_media_offer(tc->media, &len);
	snprintf(contact, sizeof(contact), "<sip:umsbc-test@%s;transport=%s>", tc->via_host,
	    conf_transport_name(tc->d.tp));
	msg_t *inv = sipmsg_invite(tc->target, tc->from, tc->to, tc->call_id, contact, sdp, len);
	if (!inv || !len) {
		if (inv)
			msg_destroy(inv);
		finish(tc, "cannot build the INVITE");
		return;
	}
	tc->invite = msg_ref_create(inv);
	clock_gettime(CLOCK_MONOTONIC, &tc->t0);
	struct timeval tv = { TESTCALL_ANSWER_MS / 1000, (TESTCALL_ANSWER_MS % 1000) * 1000 };
	evtimer_add(tc->timer, &tv);
	/* on_invite may run before this returns (a connection refused at once). */
	if (proxy_local_request(inv, &tc->d, TESTCALL_ANSWER_MS + CANCEL_GRACE_MS, on_invite,
	    tc) != 0)
		finish(tc, "cannot send the INVITE");
}
