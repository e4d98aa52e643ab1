#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/sip_header.h>

#include "loop.h"
#include "route.h"
#include "txn.h"

static uint64_t loops;

static uint32_t
fnv(uint32_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ 0xff) * 16777619u;	/* a field boundary: "ab","c" is not "a","bc" */
}

static uint32_t
fnv_url(uint32_t h, url_t const *u)
{
	char buf[1024];
	issize_t n = u ? url_e(buf, sizeof(buf), u) : -1;

	if (n >= 0 && n < (issize_t)sizeof(buf))
		return fnv(h, buf);
	return fnv(h, u ? u->url_host : NULL);
}

/* v in decimal, as "%u" would write it (loop_hash runs per request). */
static void
decimal(char out[16], unsigned v)
{
	char tmp[16];
	int n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[i++] = tmp[--n];
	out[i] = '\0';
}

uint32_t
loop_hash(sip_t const *sip)
{
	uint32_t h = 2166136261u;
	char cseq[16];

	h = fnv_url(h, sip->sip_request->rq_url);
	h = fnv(h, sip->sip_from ? sip->sip_from->a_tag : NULL);
	h = fnv(h, sip->sip_to ? sip->sip_to->a_tag : NULL);
	h = fnv(h, sip->sip_call_id ? sip->sip_call_id->i_id : NULL);
	decimal(cseq, sip->sip_cseq ? (unsigned)sip->sip_cseq->cs_seq : 0);
	h = fnv(h, cseq);
	for (sip_route_t const *r = sip->sip_route; r; r = r->r_next)
		h = fnv_url(h, r->r_url);
	for (msg_param_t const *k = sip->sip_proxy_require ? sip->sip_proxy_require->k_items : NULL;
	    k && *k; k++)
		h = fnv(h, *k);
	return h;
}

/* A Via sent-by of one of our listeners (we always write the port). */
static int
sent_by_us(const struct conf *c, sip_via_t const *v)
{
	if (!v->v_host || !v->v_port)
		return 0;
	const char *host = v->v_host;
	size_t n = strlen(host);
	if (n > 2 && host[0] == '[')	/* an IPv6 reference; listeners hold the bare address */
		host++, n -= 2;
	int port = atoi(v->v_port);	/* once, not per listener: this runs per Via of each request */
	for (int i = 0; i < c->n_listen; i++) {
		const struct conf_listen *li = &c->listen[i];
		if (port != li->port)
			continue;
		const char *ours = route_listen_host(c, li);
		if (strlen(ours) == n && strncasecmp(host, ours, n) == 0)
			return 1;
	}
	return 0;
}

int
loop_detected(const struct conf *c, sip_t const *sip, uint32_t hash)
{
	uint32_t had;

	for (sip_via_t const *v = sip->sip_via; v; v = v->v_next)
		if (sent_by_us(c, v) && txn_branch_loop(v->v_branch, &had) && had == hash) {
			loops++;
			return 1;
		}
	return 0;
}

uint64_t
loop_count(void)
{
	return loops;
}
