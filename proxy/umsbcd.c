/* umsbcd: the daemon's start-up, signals and reload. */
#include "config.h"

#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>

#include "certs/expiry.h"
#include "admission_limits.h"
#include "call.h"
#include "conf.h"
#include "conn_budget.h"
#include "connectivity.h"
#include "control.h"
#include "fdlimit.h"
#include "gw_status.h"
#include "hub/hub.h"
#include "dialogs.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "notify.h"
#include "policy.h"
#include "proxy.h"
#include "resolve.h"
#include "status_peers.h"
#include "tls.h"
#include "transport.h"
#include "um_health.h"

#define DEFAULT_CONF SYSCONFDIR "/umsbc/umsbc.conf"
#define DRAIN_SECONDS 5
#define STATUS_SECONDS 10	/* STATUS= refresh under a service manager */

static struct {
	struct event_base *base;
	struct conf *conf;
	struct tls_ctx tls;
	const char *file;
	struct event *drain_timer;
	int drain_ticks;
	time_t started;
	struct hub_relay *hub;	/* the SMTP relay, NULL when off */
	struct event *expiry;
	time_t last_warned;	/* last expiry line for warned_for */
	char warned_for[41];
	struct event *status_timer;	/* NOTIFY_SOCKET only */
} D;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: umsbcd [-c FILE] [-f] [-t] [-V] [-h]\n"
	    "SIP session border controller in front of legacy unified-messaging servers.\n\n"
	    "  -c FILE  configuration file (default " DEFAULT_CONF ")\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration (and the certificate store) and exit:\n"
	    "           0 if it is good, 1 with FILE:LINE: reason if not\n"
	    "  -V       print the version (and whether systemd notification is built in) and exit\n"
	    "  -h       this help\n\n"
	    "Signals: HUP reloads the configuration without dropping calls or TLS\n"
	    "connections (a broken file, or a certificate store file that cannot be\n"
	    "used, is logged and the running configuration and certificate kept);\n"
	    "TERM/INT stop taking new calls, end calls in progress with BYE, finish\n"
	    "transactions (at most %d s), exit.\n"
	    "Under systemd (Type=notify) it reports READY=1, RELOADING=1, STOPPING=1\n"
	    "and a STATUS= line.\n"
	    "See umsbcd(8) and umsbc.conf(5).\n", DRAIN_SECONDS);
}

static void
announce_modes(const struct conf *c)
{
	for (int i = 0; i < c->n_dialplans; i++)
		log_event(LOG_INFO, EV_DIALPLAN_MODE, "dial plan %s started in %s mode (%d UM servers)",
		    c->dialplans[i].name, conf_security_name(c->dialplans[i].security), c->dialplans[i].n_um);
	for (int i = 0; i < c->n_um; i++)
		if (!c->um[i].in_dialplan)
			log_event(LOG_INFO, EV_UM_DEFAULT_MODE,
			    "UM server %s is in no dial plan: %s mode from start_secured=%d",
			    c->um[i].name, conf_security_name(c->um[i].mode), c->start_secured);
	for (int i = 0; i < c->n_gateways && !c->media.enabled; i++)
		if (c->gateways[i].mode == SEC_SECURED) {
			log_event(LOG_WARNING, EV_DIALPLAN_MODE, "no media group: SDP passes unchanged, "
			    "so secured gateways' SRTP keys reach the UM servers (add media = {...})");
			break;
		}
}

/* The config and the TLS contexts it names, loaded together or not at all. */
static struct conf *
load_all(const char *file, struct tls_ctx *tls, char *err, size_t errlen)
{
	struct conf *c = conf_load(file, err, errlen);

	memset(tls, 0, sizeof(*tls));
	if (!c)
		return NULL;
	if (conf_has_tls(c)) {
		char why[1200];
		if (tls_ctx_load(c, D.tls.thumbprint, tls, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:0: tls: %s", file, why);
			conf_free(c);
			return NULL;
		}
	}
	return c;
}

/* The one-line summary the service manager shows (STATUS=). */
static const char *
status_line(char *buf, size_t len)
{
	struct call_stats cs;
	int up = 0;

	call_stats(&cs);
	for (int i = 0; i < D.conf->n_um; i++)
		up += um_health_up(i);
	snprintf(buf, len, "%u calls, %d connections, %d/%d UM servers up, %u transactions",
	    cs.active, transport_conn_count(), up, D.conf->n_um, proxy_transactions());
	return buf;
}

static void
status_tick(evutil_socket_t fd, short what, void *arg)
{
	char line[256];

	(void)fd; (void)what; (void)arg;
	notify_status(status_line(line, sizeof(line)));
}

static int reload_now(char *err, size_t errlen);

/* A reload as the service manager sees it: RELOADING=1, then READY=1
 * whether or not it succeeded (the running configuration serves on). */
static int
reload(char *err, size_t errlen)
{
	char line[256];

	notify_reloading();
	int rc = reload_now(err, errlen);
	notify_ready(status_line(line, sizeof(line)));
	return rc;
}

/* Loads everything anew; swaps it in only when all of it loaded. */
static int
reload_now(char *err, size_t errlen)
{
	struct tls_ctx tls;
	struct conf *c = load_all(D.file, &tls, err, errlen);

	if (!c) {
		log_event(LOG_ERR, EV_RELOAD_FAILED, "reload failed: %s; running configuration kept", err);
		return -1;
	}
	for (int i = 0; i < c->n_listen; i++) {
		if (i >= D.conf->n_listen || c->listen[i].tp != D.conf->listen[i].tp ||
		    strcmp(c->listen[i].address, D.conf->listen[i].address) != 0 ||
		    c->listen[i].port != D.conf->listen[i].port) {
			log_event(LOG_WARNING, EV_RELOAD_DONE,
			    "listen changes take effect at the next restart (%s:%d)", c->file, c->listen[i].line);
			break;
		}
	}
	if (proxy_reconf(c, err, errlen) != 0) {
		log_event(LOG_ERR, EV_RELOAD_FAILED, "reload failed: %s; running configuration kept", err);
		tls_ctx_free(&tls);
		conf_free(c);
		return -1;
	}
	log_set_level(c->log_level);
	tls_ctx_free(&D.tls);
	D.tls = tls;
	transport_reconf(c, &D.tls);
	if (D.hub)
		hub_relay_reconf(D.hub, c->hub, D.tls.client);	/* disabled: stops it */
	else if (hub_conf_enabled(c->hub) &&
	    !(D.hub = hub_relay_start(D.base, c->hub, D.tls.client, err, errlen)))
		log_event(LOG_ERR, EV_HUB_FAILED, "SMTP relay not started: %s", err);
	metrics_reconf(c);
	resolve_reconf(c);
	conf_free(D.conf);
	D.conf = c;
	announce_modes(c);
	log_event(LOG_INFO, EV_RELOAD_DONE, "reload done: %d gateways, %d dial plans, %d UM servers",
	    c->n_gateways, c->n_dialplans, c->n_um);
	return 0;
}

static void
on_hup(evutil_socket_t fd, short what, void *arg)
{
	char err[1600];

	(void)fd; (void)what; (void)arg;
	reload(err, sizeof(err));
}

/* The call policy: totals, the node's limit, each dial plan with its mode and
 * limits (the gateways' and UM servers' are on their own lines). */
static void
status_policy(const struct conf *c, struct evbuffer *out)
{
	struct policy_stats ps;

	policy_stats(&ps);
	evbuffer_add_printf(out, "calls_counted %u\ncalls_refused_number %llu\n"
	    "calls_refused_limit %llu\nloops_detected %llu\n", dialogs_count(),
	    (unsigned long long)ps.refused_number, (unsigned long long)ps.refused_limit,
	    (unsigned long long)loop_count());
	status_limit_fields(out, "node_", alim_node(), 1);
	for (int i = 0; i < c->n_dialplans; i++) {
		evbuffer_add_printf(out, "dialplan %s %s", c->dialplans[i].name,
		    conf_security_name(c->dialplans[i].security));
		status_limit_fields(out, "", alim_dialplan(i, -1), 0);
		status_limit_fields(out, "outbound_", alim_dialplan(i, DIR_OUTBOUND), 0);
		status_limit_fields(out, "inbound_", alim_dialplan(i, DIR_INBOUND), 0);
		evbuffer_add_printf(out, "\n");
	}
}

/* "status": what runs, its counters, the dial plans and every peer. */
static void
control_status(struct evbuffer *out)
{
	const struct conf *c = D.conf;

	evbuffer_add_printf(out, "ok\nversion %s\nconfig %s\nuptime %ld\n"
	    "connections %d\ntransactions %u\ncertificate %s\n", PACKAGE_VERSION, c->file,
	    (long)(time(NULL) - D.started), transport_conn_count(), proxy_transactions(),
	    D.tls.in_use[0] ? D.tls.in_use : "none");
	evbuffer_add_printf(out, "connections_max %d\nconnections_unauthenticated %d\n"
	    "connections_unauthenticated_max %d\n", c->tls.max_connections,
	    conn_budget_held(), c->tls.max_unauthenticated);
	struct call_stats cs;
	call_stats(&cs);
	evbuffer_add_printf(out, "calls_active %u\ncalls_secured %llu\ncalls_sip_secured %llu\n"
	    "calls_unsecured %llu\ncalls_refused_488 %llu\ncalls_refused_503 %llu\n"
	    "calls_media_timeout %llu\nmedia_ports_in_use %u\n", cs.active,
	    (unsigned long long)cs.total[SEC_SECURED], (unsigned long long)cs.total[SEC_SIP_SECURED],
	    (unsigned long long)cs.total[SEC_UNSECURED], (unsigned long long)cs.refused_488,
	    (unsigned long long)cs.refused_503, (unsigned long long)cs.media_timeouts,
	    cs.ports_in_use);
	for (int k = 0; k < MEDIA_CTR_COUNT; k++)
		evbuffer_add_printf(out, "media_%s %llu\n", media_ctr_name((enum media_ctr)k),
		    (unsigned long long)cs.media.v[k]);
	status_policy(c, out);
	status_gateways(c, out);
	status_um_servers(c, out);
}

static int
on_control(const char *cmd, struct evbuffer *out, uint64_t client)
{
	char err[1600];

	switch (control_verb(cmd)) {
	case CONTROL_TEST:
		return connectivity_start(D.base, D.conf, cmd + 17, out, client);
	case CONTROL_RELOAD:
		if (reload(err, sizeof(err)) == 0)
			evbuffer_add_printf(out, "ok reload done\n");
		else
			evbuffer_add_printf(out, "error %s; running configuration kept\n", err);
		break;
	case CONTROL_STATUS:
		control_status(out);
		break;
	case CONTROL_UNKNOWN:
		evbuffer_add_printf(out, "error unknown command \"%s\" (try: status, reload, "
		    "test-connectivity)\n", cmd);
		break;
	}
	return 0;
}

/* umsbcd -t: the config and the stores, changing nothing on disk. */
static int
check_only(const char *file)
{
	char err[1024], info[2048] = "";
	struct conf *c = conf_load(file, err, sizeof(err));

	if (!c) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (conf_has_tls(c) && tls_check(c, info, sizeof(info), err, sizeof(err)) != 0) {
		fprintf(stderr, "%s:0: tls: %s\n", file, err);
		conf_free(c);
		return 1;
	}
	printf("%s: configuration OK\n", file);
	if (info[0])
		printf("%s\n", info);
	conf_free(c);
	return 0;
}

/* Hourly; certs_expiry_check says when a day has passed since the last line. */
static void
expiry_tick(evutil_socket_t fd, short what, void *arg)
{
	long days;

	(void)fd; (void)what; (void)arg;
	if (strcmp(D.warned_for, D.tls.thumbprint) != 0) {
		snprintf(D.warned_for, sizeof(D.warned_for), "%s", D.tls.thumbprint);
		D.last_warned = 0;	/* a new certificate starts afresh */
	}
	if (!D.tls.thumbprint[0])
		return;
	switch (certs_expiry_check(D.tls.not_after, time(NULL), D.last_warned, &days)) {
	case CERTS_EXPIRY_WARNING:
		log_event(LOG_WARNING, EV_CERT_EXPIRING, "certificate sha1=%s expires in %ld days: "
		    "replace it (umsbcctl cert request / import) and reload", D.tls.thumbprint, days);
		D.last_warned = time(NULL);
		break;
	case CERTS_EXPIRY_ERROR:
		log_event(LOG_ERR, EV_CERT_EXPIRED, "certificate sha1=%s expired %ld days ago: "
		    "gateways will refuse it; replace it and reload", D.tls.thumbprint, -days);
		D.last_warned = time(NULL);
		break;
	case CERTS_EXPIRY_NONE:
		break;
	}
}

static void
drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tick = { 0, 100000 };

	(void)fd; (void)what; (void)arg;
	int busy = proxy_drain() > 0 || (D.hub && hub_relay_active(D.hub) > 0);
	if (!busy || ++D.drain_ticks >= DRAIN_SECONDS * 10) {
		event_base_loopexit(D.base, NULL);
		return;
	}
	evtimer_add(D.drain_timer, &tick);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	(void)what; (void)arg;
	if (D.drain_timer) {
		event_base_loopexit(D.base, NULL);	/* second signal: now */
		return;
	}
	log_event(LOG_INFO, EV_STOPPING, "stopping (signal %s), %u transactions in flight",
	    sig == SIGINT ? "INT" : "TERM", proxy_drain());
	notify_stopping("stopping: ending calls, finishing transactions");
	transport_stop_listening();
	call_drain();
	if (D.hub)
		hub_relay_stop(D.hub);
	D.drain_timer = evtimer_new(D.base, drain_tick, NULL);
	drain_tick(-1, 0, NULL);
}

int
main(int argc, char **argv)
{
	int foreground = 0, check = 0, ch;
	char err[1600];

	D.file = DEFAULT_CONF;
	while ((ch = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (ch) {
		case 'c': D.file = optarg; break;
		case 'f': foreground = 1; break;
		case 't': check = 1; break;
		case 'V':
			printf("umsbcd %s\nsystemd notification: %s\n", PACKAGE_VERSION, notify_support());
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	log_open(foreground || check);
	if (check)
		log_set_level(LOG_WARNING);
	else
		log_event(LOG_INFO, EV_STARTING, "umsbcd %s starting, config %s", PACKAGE_VERSION, D.file);
	if (check)
		return check_only(D.file);
	D.conf = load_all(D.file, &D.tls, err, sizeof(err));
	if (!D.conf) {
		log_event(LOG_ERR, EV_CONFIG_ERROR, "configuration error: %s", err);
		return 1;
	}
	log_set_level(D.conf->log_level);
	if (!foreground && daemon(0, 0) != 0) {
		perror("daemon");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Workers and the core wake each other with event_active(). */
	evthread_use_pthreads();
	D.base = event_base_new();
	if (proxy_init(D.base, D.conf, err, sizeof(err)) != 0) {
		log_event(LOG_ERR, EV_CONFIG_ERROR, "%s: %s", D.file, err);
		return 1;
	}
	if (resolve_start(D.base, D.conf, err, sizeof(err)) != 0) {
		log_event(LOG_ERR, EV_CONFIG_ERROR, "%s: %s", D.file, err);
		return 1;
	}
	fdlimit_raise(D.conf);
	if (transport_start(D.base, D.conf, &D.tls, proxy_rx, proxy_conn_down) != 0)
		return 1;
	announce_modes(D.conf);
	if (hub_conf_enabled(D.conf->hub) &&
	    !(D.hub = hub_relay_start(D.base, D.conf->hub, D.tls.client, err, sizeof(err)))) {
		log_event(LOG_ERR, EV_CONFIG_ERROR, "SMTP relay: %s", err);
		return 1;
	}
	D.started = time(NULL);
	struct timeval hourly = { 3600, 0 };
	D.expiry = event_new(D.base, -1, EV_PERSIST, expiry_tick, NULL);
	event_add(D.expiry, &hourly);
	expiry_tick(-1, 0, NULL);
	if (D.conf->control_socket[0] &&
	    control_start(D.base, D.conf->control_socket, on_control) != 0) {
		log_event(LOG_ERR, EV_CONFIG_ERROR, "cannot open the control socket %s: %s "
		    "(set control.socket, or \"\" for none)", D.conf->control_socket, strerror(errno));
		return 1;
	}
	if (metrics_start(D.base, D.conf, &D.tls, err, sizeof(err)) != 0) {
		log_event(LOG_ERR, EV_CONFIG_ERROR, "%s", err);
		return 1;
	}
	struct event *hup = evsignal_new(D.base, SIGHUP, on_hup, NULL);
	struct event *term = evsignal_new(D.base, SIGTERM, on_term, NULL);
	struct event *intr = evsignal_new(D.base, SIGINT, on_term, NULL);
	event_add(hup, NULL);
	event_add(term, NULL);
	event_add(intr, NULL);
	log_event(LOG_INFO, EV_READY, "ready");
	char line[256];
	notify_ready(status_line(line, sizeof(line)));
	if (notify_active()) {
		struct timeval every = { STATUS_SECONDS, 0 };
		D.status_timer = event_new(D.base, -1, EV_PERSIST, status_tick, NULL);
		event_add(D.status_timer, &every);
	}
	event_base_dispatch(D.base);

	metrics_stop();
	if (D.status_timer)
		event_free(D.status_timer);
	control_stop();
	if (D.hub)
		hub_relay_free(D.hub);
	proxy_shutdown();
	transport_shutdown();
	resolve_stop();
	gw_status_free();
	event_free(hup);
	event_free(term);
	event_free(intr);
	if (D.drain_timer)
		event_free(D.drain_timer);
	event_free(D.expiry);
	event_base_free(D.base);
	tls_ctx_free(&D.tls);
	conf_free(D.conf);
	log_event(LOG_INFO, EV_STOPPED, "stopped");
	return 0;
}
