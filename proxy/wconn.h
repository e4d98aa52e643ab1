/* A worker's two halves: its thread, queues and notes to the core
 * (worker.c), and the connections it holds (wconn.c: read, frame, write,
 * time-outs, the TLS handshake and records). Only those two include this;
 * the rest of proxy/ sees worker.h. */
#ifndef UMSBC_WCONN_H
#define UMSBC_WCONN_H

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <sofia-sip/msg.h>

#include "util/hashtab.h"
#include "util/jobq.h"
#include "worker.h"

struct wconn;

struct worker {
	pthread_t thread;
	struct event_base *base;
	int in_core;			/* the inline worker: no thread of its own */
	struct jobq jobs;		/* from the core */
	LIST_HEAD(, wconn) conns;
	TAILQ_HEAD(, wconn) to_flush;	/* connections with pending bytes */
	struct event *flush;		/* runs wconns_flush, later in this loop turn */
	struct hashtab by_id;		/* every job names its connection */
	struct event *sweep;		/* wconn.c: idle TLS buffers given back */
};

/* A socket given to a worker. open: a TLS handshake done by another worker
 * (ssl is open), so no "up" follows: the note that moved it was the "up". */
struct adoption {
	uint64_t id;
	evutil_socket_t fd;
	SSL *ssl;
	int connecting, open;
	struct worker_limits lim;
};

/* ---- wconn.c, in the worker's thread ---- */
/* 0, or -1: the socket and SSL are freed and a "down" is on the way. */
int wconn_adopt(struct worker *w, const struct adoption *a);
struct wconn *wconn_find(struct worker *w, uint64_t id);
const char *wconn_key(const struct hashtab_node *n);
/* Nothing is written before a handshake is done. */
void wconn_write(struct wconn *c, const char *buf, size_t len);
/* A new idle time-out, for an established connection only. */
void wconn_idle(struct wconn *c, int seconds);
/* Closes once what was written has gone out. */
void wconn_close(struct wconn *c);
/* The event that runs once a loop turn to write what waits. */
void wconns_flush(evutil_socket_t fd, short what, void *arg);
/* At shutdown: every connection freed, with no note. */
void wconns_release(struct worker *w);

/* ---- worker.c: what a connection tells the core ---- */
/* ssl: the names and certificate to report, or NULL. move: the connection
 * goes to the inline worker with this note. -1 when out of memory. */
int worker_tell_up(uint64_t id, SSL *ssl, const struct adoption *move);
void worker_tell_message(const struct worker *w, uint64_t id, msg_t *msg, int status);
void worker_tell_down(uint64_t id, int established, const char *why);

#endif
