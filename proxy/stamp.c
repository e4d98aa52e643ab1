#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/msg_parser.h>
#include <sofia-sip/sip_header.h>

#include "stamp.h"
#include "util/hashtab.h"

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

/* Our Via (without its branch) and Record-Route entries are the same text
 * for every request through a listener, so each is parsed once into a home
 * that lives as long as the process, and a request gets a shallow copy
 * (msg_header_copy_one shares the strings, so nothing may edit a stamp's
 * URL or host in place: replace the header instead). Parsing the text
 * again cost a Via about 1,000 and a Record-Route 1,500 instructions more
 * (callgrind).
 * A reload that changes the listeners adds entries; when the table is full,
 * stamps are parsed per request as before. Core thread only. */
#define TEMPLATES 32

static struct {
	su_home_t *home;
	int n;
	struct { char *text; msg_header_t *h; } t[TEMPLATES];
} T;

static msg_header_t *
template(msg_hclass_t *hc, const char *text, su_home_t *home)
{
	for (int i = 0; i < T.n; i++)
		if (T.t[i].h->sh_class == hc && strcmp(T.t[i].text, text) == 0)
			return msg_header_copy_one(home, T.t[i].h);
	if (!T.home && !(T.home = su_home_new(sizeof(*T.home))))
		return msg_header_make(home, hc, text);
	if (T.n == TEMPLATES)
		return msg_header_make(home, hc, text);
	msg_header_t *h = msg_header_make(T.home, hc, text);
	char *copy = su_strdup(T.home, text);
	if (!h || !copy)
		return msg_header_make(home, hc, text);
	T.t[T.n].text = copy;
	T.t[T.n++].h = h;
	return msg_header_copy_one(home, h);
}

static int
add_via(msg_t *msg, const struct listener *out, const char *branch)
{
	char buf[256];
	size_t n = 0;
	su_home_t *home = msg_home(msg);

	put(buf, sizeof(buf), &n, out->tp == TP_UDP ? "SIP/2.0/UDP " :
	    out->tp == TP_TCP ? "SIP/2.0/TCP " : "SIP/2.0/TLS ");
	put(buf, sizeof(buf), &n, out->hostport);
	msg_header_t *v = template(sip_via_class, buf, home);
	/* The branch and its one-entry parameter list in one block: each
	 * allocation more grows the home's table of blocks. */
	size_t blen = strlen(branch);
	msg_param_t *params = v ? su_alloc(home, 2 * sizeof(*params) + sizeof("branch=") + blen) : NULL;
	if (!params)
		return -1;
	char *param = (char *)(params + 2);
	memcpy(param, "branch=", sizeof("branch=") - 1);
	memcpy(param + sizeof("branch=") - 1, branch, blen + 1);
	params[0] = param;
	params[1] = NULL;
	((sip_via_t *)v)->v_params = params;
	if (msg_header_update_params(v->sh_common, 0) < 0)
		return -1;
	return add_header(msg, v);
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
	return add_header(msg, template(sip_record_route_class, buf, msg_home(msg)));
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
	char branch[48] = "z9hG4bK-a", hex[HASHTAB_U64_KEYLEN];
	size_t n = sizeof("z9hG4bK-a") - 1;

	/* "%08lx" without snprintf: this runs for every ACK forwarded. */
	hashtab_key_u64(msg_hash_string(up), hex);
	for (size_t d = strlen(hex); d < 8; d++)
		branch[n++] = '0';
	strcpy(branch + n, hex);
	return add_via(msg, out, branch);
}
