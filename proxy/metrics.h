/* The Prometheus endpoint (the metrics group, off without it): libevent's
 * evhttp on the core loop answers GET /metrics with every counter of the
 * daemon in the text exposition format (version 0.0.4); any other request
 * gets 404. It only renders: each module keeps its own counters behind a
 * narrow function (call_counts, refusal_total, transport_tls_counts, ...).
 * Label values come from fixed sets or from the config, so the series stay
 * as few as the config. Core thread only. */
#ifndef UMSBC_METRICS_H
#define UMSBC_METRICS_H

#include <stddef.h>
#include <time.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "conf.h"
#include "tls.h"

/* Listens on c->metrics when enabled (else does nothing). tls: the daemon's
 * contexts (our certificate's expiry), read at every scrape. 0, or -1 with
 * err (the address cannot be bound). */
int metrics_start(struct event_base *base, const struct conf *c, const struct tls_ctx *tls,
    char *err, size_t errlen);
/* A reload: the new config is rendered; a changed or new metrics.listen is
 * bound (when it cannot be, the endpoint is off and UMS1013 says why), a
 * removed group stops it. */
void metrics_reconf(const struct conf *c);
void metrics_stop(void);

/* The whole exposition, as GET /metrics answers it. */
void metrics_render(struct evbuffer *out, const struct conf *c, const struct tls_ctx *tls,
    time_t now);
/* A label value escaped for the exposition format: \ " and newline. */
const char *metrics_escape(const char *in, char *out, size_t len);

#endif
