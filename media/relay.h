/* The media relay: worker threads, one event_base each, that own stream
 * pairs (see stream.h) and move their packets. Called from the proxy's core
 * thread only. */
#ifndef UMSBC_MEDIA_RELAY_H
#define UMSBC_MEDIA_RELAY_H

#include "media/counters.h"

struct media_relay;

/* n_workers: 0 = one per online CPU. Turns on libevent's pthreads locking
 * (idempotent) and libsrtp. NULL on failure. */
struct media_relay *media_relay_new(int n_workers);
/* Stops the workers; streams still alive are destroyed, their ports put back. */
void media_relay_free(struct media_relay *r);
int media_relay_workers(const struct media_relay *r);
/* Totals over every stream since start (destroyed ones included). */
void media_relay_counters(const struct media_relay *r, struct media_counters *out);

#endif
