#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "call.h"
#include "conn_budget.h"
#include "hub/hub.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "refusal.h"
#include "transport.h"
#include "um_health.h"

#define HTTP_TIMEOUT 10		/* s for a scraper to send its request */
#define HTTP_MAX_HEADERS 8192
#define HTTP_MAX_BODY 4096

static struct {
	struct event_base *base;
	const struct conf *conf;
	const struct tls_ctx *tls;
	struct evhttp *http;
	char bound[80];		/* "host:port" of http */
} M;

/* ---- rendering ---- */

const char *
metrics_escape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 3 < len; in++) {
		if (*in == '\\' || *in == '"') {
			out[n++] = '\\';
			out[n++] = *in;
		} else if (*in == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else
			out[n++] = *in;
	}
	out[n] = '\0';
	return out;
}

/* A label set: k="v",k="v" */
struct labels {
	char s[1024];
	size_t n;
};

static struct labels *
lbl(struct labels *l, const char *k, const char *v)
{
	char esc[512];

	if (l->n < sizeof(l->s))
		l->n += (size_t)snprintf(l->s + l->n, sizeof(l->s) - l->n, "%s%s=\"%s\"",
		    l->n ? "," : "", k, metrics_escape(v, esc, sizeof(esc)));
	if (l->n >= sizeof(l->s))
		l->n = sizeof(l->s) - 1;
	return l;
}

static void
family(struct evbuffer *o, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
put_u64(struct evbuffer *o, const char *name, const struct labels *l, uint64_t v)
{
	if (l && l->n)
		evbuffer_add_printf(o, "%s{%s} %llu\n", name, l->s, (unsigned long long)v);
	else
		evbuffer_add_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

static void
put_f(struct evbuffer *o, const char *name, const struct labels *l, double v)
{
	if (l && l->n)
		evbuffer_add_printf(o, "%s{%s} %.15g\n", name, l->s, v);
	else
		evbuffer_add_printf(o, "%s %.15g\n", name, v);
}

/* A family of one series without labels. */
static void
single(struct evbuffer *o, const char *name, const char *type, const char *help, uint64_t v)
{
	family(o, name, type, help);
	put_u64(o, name, NULL, v);
}

/* One series with one label. */
static void
put1(struct evbuffer *o, const char *name, const char *k, const char *v, uint64_t n)
{
	struct labels l = { "", 0 };
	put_u64(o, name, lbl(&l, k, v), n);
}

static void
render_info(struct evbuffer *o, const struct conf *c)
{
	family(o, "umsbc_build_info", "gauge", "The version of umsbcd running.");
	put1(o, "umsbc_build_info", "version", PACKAGE_VERSION, 1);
	family(o, "umsbc_dialplan_info", "gauge", "Each dial plan of the config and its mode.");
	for (int i = 0; i < c->n_dialplans; i++) {
		struct labels l = { "", 0 };
		lbl(lbl(&l, "dialplan", c->dialplans[i].name), "mode",
		    conf_security_name(c->dialplans[i].security));
		put_u64(o, "umsbc_dialplan_info", &l, 1);
	}
}

static uint64_t
ended(const struct call_count *k, int n, const char *gw, const char *dp, enum security mode)
{
	for (int i = 0; i < n; i++)
		if (k[i].mode == mode && strcmp(k[i].gateway, gw) == 0 && strcmp(k[i].dialplan, dp) == 0)
			return k[i].ended;
	return 0;
}

static int
gateway_listed(const struct conf *c, const struct call_count *k)
{
	for (int i = 0; i < c->n_gateways; i++) {
		const struct conf_gateway *g = &c->gateways[i];
		const char *dp = g->dialplan >= 0 ? c->dialplans[g->dialplan].name : "";
		if (g->mode == k->mode && strcmp(g->name, k->gateway) == 0 && strcmp(dp, k->dialplan) == 0)
			return 1;
	}
	return 0;
}

static void
put_calls(struct evbuffer *o, const char *gw, const char *dp, enum security mode, uint64_t n)
{
	struct labels l = { "", 0 };

	lbl(lbl(lbl(&l, "gateway", gw), "dialplan", dp), "mode", conf_security_name(mode));
	put_u64(o, "umsbc_calls_total", &l, n);
}

/* Every configured gateway has its series (0 before its first call); calls
 * of gateways a reload removed, or of none, follow. */
static void
render_calls(struct evbuffer *o, const struct conf *c)
{
	const struct call_count *k;
	int n = call_counts(&k);
	struct call_stats cs;

	family(o, "umsbc_calls_total", "counter",
	    "Calls ended (UMS5001), by gateway, its dial plan and mode (media group only).");
	for (int i = 0; i < c->n_gateways; i++) {
		const struct conf_gateway *g = &c->gateways[i];
		const char *dp = g->dialplan >= 0 ? c->dialplans[g->dialplan].name : "";
		put_calls(o, g->name, dp, g->mode, ended(k, n, g->name, dp, g->mode));
	}
	for (int i = 0; i < n; i++)
		if (!gateway_listed(c, &k[i]))
			put_calls(o, k[i].gateway, k[i].dialplan, k[i].mode, k[i].ended);
	call_stats(&cs);
	family(o, "umsbc_calls_started_total", "counter", "Calls started, by mode.");
	for (int m = SEC_UNSECURED; m <= SEC_SECURED; m++)
		put1(o, "umsbc_calls_started_total", "mode", conf_security_name(m), cs.total[m]);
	single(o, "umsbc_calls_active", "gauge", "Calls in progress.", cs.active);
	family(o, "umsbc_calls_refused_total", "counter",
	    "Calls refused by the media layer: offer (488), media_ports (503).");
	put1(o, "umsbc_calls_refused_total", "reason", "offer", cs.refused_488);
	put1(o, "umsbc_calls_refused_total", "reason", "media_ports", cs.refused_503);
	single(o, "umsbc_calls_media_timeout_total", "counter",
	    "Calls ended for media silence (UMS5002).", cs.media_timeouts);
}

static void
render_media(struct evbuffer *o)
{
	struct call_stats cs;
	const struct media_counters *m = &cs.media;

	call_stats(&cs);
	single(o, "umsbc_media_packets_received_total", "counter",
	    "RTP/RTCP packets accepted from the peers (after SRTP authentication).",
	    m->v[MEDIA_CTR_PACKETS_IN]);
	single(o, "umsbc_media_packets_relayed_total", "counter",
	    "RTP/RTCP packets relayed (sent).", m->v[MEDIA_CTR_PACKETS_OUT]);
	single(o, "umsbc_media_bytes_relayed_total", "counter",
	    "Bytes of the packets relayed.", m->v[MEDIA_CTR_BYTES_OUT]);
	family(o, "umsbc_media_packets_dropped_total", "counter",
	    "Media packets dropped: foreign (a source the SDP did not name), other.");
	put1(o, "umsbc_media_packets_dropped_total", "reason", "foreign", m->v[MEDIA_CTR_FOREIGN]);
	put1(o, "umsbc_media_packets_dropped_total", "reason", "other", m->v[MEDIA_CTR_DROPS]);
	single(o, "umsbc_srtp_auth_failures_total", "counter",
	    "SRTP/SRTCP packets that failed authentication.", m->v[MEDIA_CTR_SRTP_AUTH]);
	single(o, "umsbc_srtp_replays_total", "counter",
	    "SRTP/SRTCP packets refused as replays.", m->v[MEDIA_CTR_SRTP_REPLAY]);
	single(o, "umsbc_media_ports_in_use", "gauge",
	    "UDP media ports held, both sides.", cs.ports_in_use);
}

static void
render_peers(struct evbuffer *o, const struct conf *c)
{
	struct transport_tls_counts t;
	static const char *const dir[2] = { "in", "out" };

	family(o, "umsbc_refusals_total", "counter", "Peers refused (UMS2002, UMS2013), by reason.");
	for (int r = REFUSAL_NONE + 1; r < REFUSAL_COUNT; r++)
		put1(o, "umsbc_refusals_total", "reason", refusal_name(r), refusal_total(r));
	transport_tls_counts(&t);
	family(o, "umsbc_tls_handshakes_total", "counter", "TLS handshakes completed, by direction.");
	for (int d = 0; d < 2; d++)
		put1(o, "umsbc_tls_handshakes_total", "direction", dir[d], t.ok[d]);
	family(o, "umsbc_tls_handshake_failures_total", "counter",
	    "TLS handshakes failed (UMS2001), by direction and reason.");
	for (int d = 0; d < 2; d++)
		for (int f = 0; f < TLS_FAIL_COUNT; f++) {
			struct labels l = { "", 0 };
			lbl(lbl(&l, "direction", dir[d]), "reason", tls_failure_name(f));
			put_u64(o, "umsbc_tls_handshake_failures_total", &l, t.failed[d][f]);
		}
	single(o, "umsbc_connections", "gauge",
	    "TCP and TLS connections open.", (uint64_t)transport_conn_count());
	single(o, "umsbc_connections_unauthenticated", "gauge",
	    "Of those, unlisted sources not admitted yet.", (uint64_t)conn_budget_held());
	single(o, "umsbc_connections_max", "gauge",
	    "tls.max_connections.", (uint64_t)c->tls.max_connections);
	single(o, "umsbc_transactions", "gauge",
	    "SIP transactions in flight.", proxy_transactions());
}

static void
render_um(struct evbuffer *o, const struct conf *c)
{
	family(o, "umsbc_um_server_up", "gauge", "1 when new calls may go to the UM server.");
	for (int i = 0; i < c->n_um; i++) {
		struct um_health_view v;
		um_health_view(i, &v);
		put1(o, "umsbc_um_server_up", "um_server", c->um[i].name, v.up ? 1 : 0);
	}
	family(o, "umsbc_um_server_probe_rtt_seconds", "gauge",
	    "Round trip of the last answered OPTIONS probe.");
	for (int i = 0; i < c->n_um; i++) {
		struct um_health_view v;
		struct labels l = { "", 0 };
		um_health_view(i, &v);
		if (v.probing && v.rtt_ms >= 0)
			put_f(o, "umsbc_um_server_probe_rtt_seconds", lbl(&l, "um_server", c->um[i].name),
			    (double)v.rtt_ms / 1000.0);
	}
	family(o, "umsbc_um_server_probe_failures", "gauge", "Unanswered probes in a row.");
	for (int i = 0; i < c->n_um; i++) {
		struct um_health_view v;
		um_health_view(i, &v);
		put1(o, "umsbc_um_server_probe_failures", "um_server", c->um[i].name, v.failures);
	}
}

static void
render_tls_hub(struct evbuffer *o, const struct tls_ctx *tls, time_t now)
{
	uint64_t hub[HUB_MSG_COUNT];

	family(o, "umsbc_certificate_expiry_seconds", "gauge",
	    "Seconds until our certificate expires (negative: expired).");
	if (tls && tls->thumbprint[0])
		put_f(o, "umsbc_certificate_expiry_seconds", NULL, difftime(tls->not_after, now));
	hub_outcomes(hub);
	family(o, "umsbc_hub_messages_total", "counter",
	    "Messages relayed to the Hub Transport, by its reply: accepted (2xx), tempfail (4xx), refused (5xx).");
	for (int i = 0; i < HUB_MSG_COUNT; i++)
		put1(o, "umsbc_hub_messages_total", "result", hub_outcome_name(i), hub[i]);
}

void
metrics_render(struct evbuffer *out, const struct conf *c, const struct tls_ctx *tls, time_t now)
{
	render_info(out, c);
	render_calls(out, c);
	render_media(out);
	render_peers(out, c);
	render_um(out, c);
	render_tls_hub(out, tls, now);
}

/* ---- serving ---- */

static int
is_metrics_get(struct evhttp_request *req)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;

	return evhttp_request_get_command(req) == EVHTTP_REQ_GET && path &&
	    strcmp(path, "/metrics") == 0;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body;

	(void)arg;
	if (!is_metrics_get(req) || !(body = evbuffer_new())) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	metrics_render(body, M.conf, M.tls, time(NULL));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* An evhttp bound to c's metrics.listen, or NULL with err. */
static struct evhttp *
bind_http(const struct conf *c, char *err, size_t errlen)
{
	struct evhttp *h = evhttp_new(M.base);

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Every method reaches on_request, which says 404 to all but GET /metrics. */
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(h, HTTP_TIMEOUT);
	evhttp_set_max_headers_size(h, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h, HTTP_MAX_BODY);
	evhttp_set_gencb(h, on_request, NULL);
	if (!evhttp_bind_socket_with_handle(h, c->metrics.host, c->metrics.port)) {
		snprintf(err, errlen, "%s:%d: metrics.listen %s: cannot listen (%s)", c->file,
		    c->metrics.line, c->metrics.listen, strerror(errno));
		evhttp_free(h);
		return NULL;
	}
	log_event(LOG_INFO, EV_METRICS, "metrics endpoint listening: http://%s/metrics",
	    c->metrics.listen);
	return h;
}

int
metrics_start(struct event_base *base, const struct conf *c, const struct tls_ctx *tls,
    char *err, size_t errlen)
{
	M.base = base;
	M.conf = c;
	M.tls = tls;
	if (!c->metrics.enabled)
		return 0;
	if (!(M.http = bind_http(c, err, errlen)))
		return -1;
	snprintf(M.bound, sizeof(M.bound), "%s", c->metrics.listen);
	return 0;
}

void
metrics_reconf(const struct conf *c)
{
	char err[600];
	struct evhttp *h;

	M.conf = c;
	if (!c->metrics.enabled) {
		if (M.http)
			log_event(LOG_INFO, EV_METRICS, "metrics endpoint stopped (no metrics group)");
		metrics_stop();
		return;
	}
	if (M.http && strcmp(M.bound, c->metrics.listen) == 0)
		return;
	if (M.http) {	/* the same port on another address may need it free first */
		evhttp_free(M.http);
		M.http = NULL;
	}
	if (!(h = bind_http(c, err, sizeof(err)))) {
		log_event(LOG_ERR, EV_METRICS, "metrics endpoint off: %s", err);
		M.bound[0] = '\0';
		return;
	}
	M.http = h;
	snprintf(M.bound, sizeof(M.bound), "%s", c->metrics.listen);
}

void
metrics_stop(void)
{
	if (M.http)
		evhttp_free(M.http);
	M.http = NULL;
	M.bound[0] = '\0';
}
