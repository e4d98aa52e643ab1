/* Worker threads, one event_base each (the dispatcher/worker pattern): they
 * own the TLS connections, do the handshakes, the TLS records and the
 * framing/parsing of SIP on them. The core thread owns all SIP state; the two
 * talk only through the job and event queues below, so no SIP object is ever
 * touched by two threads at once. Plain TCP connections belong to the inline
 * worker, the same code run by the core thread itself (workers_inline). */
#ifndef UMSBC_WORKER_H
#define UMSBC_WORKER_H

#include <stdint.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>

#include "peercert.h"
#include "tls.h"

/* What a worker reports, delivered in the core thread. */
struct worker_ops {
	/* TLS handshake done (names and cert: the peer certificate's), or TCP
	 * connected (no names, cert->sha1 ""). moved_to: the worker that holds
	 * the connection from now on (an accepted TLS one moves to the inline
	 * worker once its handshake is done), or -1: where it was. */
	void (*up)(uint64_t id, int moved_to, char names[][TLS_NAME_LEN], int n_names,
	    const struct peercert *cert);
	/* A message; status 0 = parsed, 400 = unparsable, 413 = too large. After
	 * a non-zero status the worker reads no more from that connection. */
	void (*message)(uint64_t id, msg_t *msg, int status);
	/* Closed; established = it got past connect/handshake; why for the log. */
	void (*down)(uint64_t id, int established, const char *why);
};

int workers_start(int n, struct event_base *core, const struct worker_ops *ops);
void workers_stop(void);
int workers_count(void);
/* Round-robin choice of a worker thread for a new connection. */
int workers_pick(void);
/* The inline worker: it runs in the core thread, on the core's event_base,
 * so what it reads is handled and answered there, with no queue between.
 * For plain TCP, where no crypto is worth another core. Its "up" and "down"
 * still arrive as notes from the loop; its messages arrive directly. */
int workers_inline(void);

/* What a worker enforces on a connection, in seconds: the TLS handshake,
 * silence once established (no byte read, or written bytes not taken), and
 * a stream message that has begun but not ended. */
struct worker_limits {
	int handshake, idle, message;
	size_t max_message;
};

/* Hands a socket to worker w. ssl: NULL for plain TCP; else in accept or
 * connect state already. The worker frees both. */
void worker_adopt(int w, uint64_t id, evutil_socket_t fd, SSL *ssl, int connecting,
    const struct worker_limits *lim);
/* A new idle time-out for an established connection (a refused peer gets a
 * short one). */
void worker_set_idle(int w, uint64_t id, int seconds);
void worker_write(int w, uint64_t id, const char *buf, size_t len);
/* Closes once what was written has gone out. */
void worker_close(int w, uint64_t id);

#endif
