#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>

#include "stamp.h"

static int
add_header(msg_t *msg, msg_header_t *h)
{
	return h ? msg_header_insert(msg, msg_object(msg), h) : -1;
}

/* Appends s to buf (cap bytes, *n used), cut short as snprintf would: these
 * run twice or three times per request, and vfprintf showed in profiles. */
static void
put(char *buf, size_t cap, size_t *n, const char *s)
{
	size_t len = strlen(s);

	if (len > cap - 1 - *n)
		len = cap - 1 - *n;
	memcpy(buf + *n, s, len);
	*n += len;
	buf[*n] = '\0';
}

static int
add_via(msg_t *msg, const struct listener *out, const char *branch)
{
	char buf[256];
	size_t n = 0;

	put(buf, sizeof(buf), &n, out->tp == TP_UDP ? "SIP/2.0/UDP " :
	    out->tp == TP_TCP ? "SIP/2.0/TCP " : "SIP/2.0/TLS ");
	put(buf, sizeof(buf), &n, out->hostport);
	put(buf, sizeof(buf), &n, ";branch=");
	put(buf, sizeof(buf), &n, branch);
	return add_header(msg, (msg_header_t *)sip_via_make(msg_home(msg), buf));
}

static int
add_record_route(msg_t *msg, const struct listener *li)
{
	char buf[256];
	size_t n = 0;

	put(buf, sizeof(buf), &n, "<sip:");
	put(buf, sizeof(buf), &n, li->hostport);
	put(buf, sizeof(buf), &n, ";transport=");
	put(buf, sizeof(buf), &n, conf_transport_name(li->tp));
	put(buf, sizeof(buf), &n, ";lr>");
	return add_header(msg, (msg_header_t *)sip_record_route_make(msg_home(msg), buf));
}

int
stamp_creates_dialog(sip_t const *sip)
{
	sip_method_t m = sip->sip_request->rq_method;

	return !sip->sip_to->a_tag && (m == sip_method_invite || m == sip_method_subscribe ||
	    m == sip_method_refer || m == sip_method_notify);
}

void
stamp_hop_count(msg_t *msg, int max_forwards)
{
	sip_t *sip = sip_object(msg);
	char mf[16];

	if (sip->sip_max_forwards) {
		sip->sip_max_forwards->mf_count--;
		sip_fragment_clear(sip->sip_max_forwards->mf_common);
		return;
	}
	snprintf(mf, sizeof(mf), "%d", max_forwards);
	msg_header_insert(msg, (msg_pub_t *)sip,
	    (msg_header_t *)sip_max_forwards_make(msg_home(msg), mf));
}

int
stamp_request(msg_t *msg, const char *branch, const struct listener *in,
    const struct listener *out, int record_route)
{
	if (add_via(msg, out, branch) < 0)
		return -1;
	if (!record_route)
		return 0;
	/* RFC 5658: the entry the next hop reads (out) on top. */
	if (add_record_route(msg, in) < 0)
		return -1;
	return add_record_route(msg, out);
}

int
stamp_remove(msg_t *msg, const char *branch)
{
	sip_t *sip = sip_object(msg);
	const char *top = sip->sip_via && sip->sip_via->v_branch ? sip->sip_via->v_branch : "";

	if (!sip->sip_via || strcmp(top, branch) != 0)
		return 0;
	msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_via);
	for (int i = 0; i < 2 && stamp_creates_dialog(sip) && sip->sip_record_route; i++)
		msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_record_route);
	return 1;
}

int
stamp_ack(msg_t *msg, const struct listener *out)
{
	sip_t *sip = sip_object(msg);
	const char *up = sip->sip_via->v_branch ? sip->sip_via->v_branch : sip->sip_call_id->i_id;
	char branch[48];

	snprintf(branch, sizeof(branch), "z9hG4bK-a%08lx", msg_hash_string(up));
	return add_via(msg, out, branch);
}
