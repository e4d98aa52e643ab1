/* The media relay: worker threads, one event_base each, that own stream
 * pairs (see stream.h) and move their packets. Called from the proxy's core
 * thread only. */
#ifndef UMSBC_MEDIA_RELAY_H
#define UMSBC_MEDIA_RELAY_H

#include "media/counters.h"

struct media_relay;

/* How the workers move packets: io_uring (multishot receives on all of a
 * worker's sockets, sends batched across them: one kernel entry for many
 * packets of many calls), or recvmmsg/sendmmsg per readable socket under
 * libevent (epoll). AUTO: io_uring when this process can use it. */
enum media_io { MEDIA_IO_AUTO, MEDIA_IO_URING, MEDIA_IO_EPOLL };

/* "auto", "uring", "epoll"; media_io_parse: 0, or -1 for another name. */
const char *media_io_name(enum media_io io);
int media_io_parse(const char *name, enum media_io *out);

/* n_workers: 0 = one per online CPU. Turns on libevent's pthreads locking
 * (idempotent) and libsrtp. NULL on failure (with io = URING also when
 * io_uring cannot be used), with the reason in why. With AUTO and no
 * io_uring, why says why the relay runs on epoll (else it is ""). */
struct media_relay *media_relay_new(int n_workers, enum media_io io, char *why, size_t whylen);
/* MEDIA_IO_URING or MEDIA_IO_EPOLL: what the workers run. */
enum media_io media_relay_io(const struct media_relay *r);
/* Stops the workers; streams still alive are destroyed, their ports put back. */
void media_relay_free(struct media_relay *r);
int media_relay_workers(const struct media_relay *r);
/* Totals over every stream since start (destroyed ones included). */
void media_relay_counters(const struct media_relay *r, struct media_counters *out);

#endif
