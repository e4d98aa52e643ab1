#define _GNU_SOURCE	/* pthread_setname_np */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/thread.h>

#include "wconn.h"

enum job_kind { JOB_ADOPT, JOB_WRITE, JOB_CLOSE, JOB_IDLE, JOB_QUIT };

struct job {
	struct jobq_item item;
	enum job_kind kind;
	uint64_t id;
	struct adoption a;		/* JOB_ADOPT */
	int seconds;			/* JOB_IDLE */
	size_t len;
	char data[];			/* JOB_WRITE bytes */
};

enum note_kind { NOTE_UP, NOTE_MESSAGE, NOTE_DOWN };

struct note {
	struct jobq_item item;
	enum note_kind kind;
	uint64_t id;
	int status, established, n_names;
	struct peercert cert;
	msg_t *msg;
	/* NOTE_UP of an accepted TLS connection: its socket and open SSL move
	 * to the inline worker, since only the handshake needed a thread. */
	int moves;
	struct adoption a;
	char why[200];
	char names[TLS_MAX_NAMES][TLS_NAME_LEN];
};

/* W.w[W.n] is the inline worker: its connections live on the core's own
 * event_base, so a message read there is handled and answered in the core
 * thread without crossing threads. */
static struct {
	int n;
	unsigned next;
	struct worker *w;
	const struct worker_ops *ops;
	struct jobq notes;		/* to the core, woken in the core base */
} W;

/* ---- worker -> core ---- */

static void
notify(struct note *n)
{
	jobq_post(&W.notes, &n->item);
}

static struct note *
next_note(void)
{
	struct jobq_item *it = jobq_take(&W.notes);

	return it ? jobq_entry(it, struct note, item) : NULL;
}

/* An accepted TLS connection whose handshake is done comes with its socket
 * and SSL: the inline worker takes it before the core hears it is up. */
static void
note_up(struct note *n)
{
	int moved = -1;

	if (n->moves) {
		if (wconn_adopt(&W.w[W.n], &n->a) != 0)
			return;	/* its "down" is on the way */
		moved = W.n;
	}
	W.ops->up(n->id, moved, n->names, n->n_names, &n->cert);
}

static void
notes_run(evutil_socket_t fd, short what, void *arg)
{
	struct note *n;

	(void)fd; (void)what; (void)arg;
	while ((n = next_note())) {
		switch (n->kind) {
		case NOTE_UP: note_up(n); break;
		case NOTE_MESSAGE: W.ops->message(n->id, n->msg, n->status); break;
		case NOTE_DOWN: W.ops->down(n->id, n->established, n->why); break;
		}
		free(n);
	}
}

static struct note *
note_new(enum note_kind kind, uint64_t id)
{
	struct note *n = calloc(1, sizeof(*n));
	if (n) {
		n->kind = kind;
		n->id = id;
	}
	return n;
}

int
worker_tell_up(uint64_t id, SSL *ssl, const struct adoption *move)
{
	struct note *n = note_new(NOTE_UP, id);

	if (!n)
		return -1;
	if (ssl) {
		n->n_names = tls_peer_names(ssl, n->names, TLS_MAX_NAMES);
		peercert_read(SSL_get0_peer_certificate(ssl), &n->cert);
	}
	if (move) {
		n->moves = 1;
		n->a = *move;
	}
	notify(n);
	return 0;
}

void
worker_tell_message(const struct worker *w, uint64_t id, msg_t *msg, int status)
{
	/* Inline: the core handles it now. Nothing it does frees the connection
	 * under its reader: a close is deferred (worker_close), and a write
	 * waits for the flush (wconn_write). */
	if (w->in_core) {
		W.ops->message(id, msg, status);
		return;
	}
	struct note *n = note_new(NOTE_MESSAGE, id);

	if (!n) {
		if (msg)
			msg_destroy(msg);
		return;
	}
	n->msg = msg;
	n->status = status;
	notify(n);
}

void
worker_tell_down(uint64_t id, int established, const char *why)
{
	struct note *n = note_new(NOTE_DOWN, id);

	if (n) {
		n->established = established;
		snprintf(n->why, sizeof(n->why), "%s", why ? why : "closed");
		notify(n);
	}
}

static struct job *
next_job(struct worker *w)
{
	struct jobq_item *it = jobq_take(&w->jobs);

	return it ? jobq_entry(it, struct job, item) : NULL;
}

static void
jobs_run(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct job *j;

	(void)fd; (void)what;
	while ((j = next_job(w))) {
		struct wconn *c = j->kind == JOB_ADOPT || j->kind == JOB_QUIT ? NULL : wconn_find(w, j->id);
		switch (j->kind) {
		case JOB_ADOPT:
			wconn_adopt(w, &j->a);
			break;
		case JOB_WRITE:
			if (c)
				wconn_write(c, j->data, j->len);
			break;
		case JOB_IDLE:
			if (c)
				wconn_idle(c, j->seconds);
			break;
		case JOB_CLOSE:
			if (c)
				wconn_close(c);
			break;
		case JOB_QUIT:
			event_base_loopbreak(w->base);
			break;
		}
		free(j);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	wconns_release(w);
	return NULL;
}

/* ---- core -> worker ---- */

static void
post(int wi, struct job *j)
{
	jobq_post(&W.w[wi].jobs, &j->item);
}

void
worker_adopt(int w, uint64_t id, evutil_socket_t fd, SSL *ssl, int connecting,
    const struct worker_limits *lim)
{
	struct adoption a = { id, fd, ssl, connecting, 0, *lim };

	if (W.w[w].in_core) {
		wconn_adopt(&W.w[w], &a);	/* its "up" is a note: the caller's conn stays */
		return;
	}
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		return;
	}
	j->kind = JOB_ADOPT;
	j->id = id;
	j->a = a;
	post(w, j);
}

void
worker_set_idle(int w, uint64_t id, int seconds)
{
	if (W.w[w].in_core) {
		struct wconn *c = wconn_find(&W.w[w], id);
		if (c)
			wconn_idle(c, seconds);
		return;
	}
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return;
	j->kind = JOB_IDLE;
	j->id = id;
	j->seconds = seconds;
	post(w, j);
}

void
worker_write(int w, uint64_t id, const char *buf, size_t len)
{
	if (W.w[w].in_core) {
		struct wconn *c = wconn_find(&W.w[w], id);
		if (c)
			wconn_write(c, buf, len);
		return;
	}
	struct job *j = malloc(sizeof(*j) + len);

	if (!j)
		return;
	memset(j, 0, sizeof(*j));
	j->kind = JOB_WRITE;
	j->id = id;
	j->len = len;
	memcpy(j->data, buf, len);
	post(w, j);
}

void
worker_close(int w, uint64_t id)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return;
	j->kind = JOB_CLOSE;
	j->id = id;
	post(w, j);
}

int
workers_count(void)
{
	return W.n;
}

int
workers_pick(void)
{
	return (int)(W.next++ % (unsigned)W.n);
}

int
workers_inline(void)
{
	return W.n;
}

int
workers_start(int n, struct event_base *core, const struct worker_ops *ops)
{
	W.n = n;
	W.ops = ops;
	W.w = calloc((size_t)n + 1, sizeof(*W.w));
	if (jobq_init(&W.notes, core, notes_run, NULL) != 0 || !W.w)
		return -1;
	for (int i = 0; i <= n; i++) {
		struct worker *w = &W.w[i];
		LIST_INIT(&w->conns);
		TAILQ_INIT(&w->to_flush);
		w->in_core = i == n;
		w->base = w->in_core ? core : event_base_new();
		if (!w->base || hashtab_init(&w->by_id, 0, wconn_key, 0) != 0 || jobq_init(&w->jobs, w->base, jobs_run, w) != 0 ||
		    !(w->flush = event_new(w->base, -1, 0, wconns_flush, w)))
			return -1;
		if (w->in_core)
			continue;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
			return -1;
		pthread_setname_np(w->thread, "umsbcd-sip");
	}
	return 0;
}

void
workers_stop(void)
{
	for (int i = 0; i < W.n; i++) {
		struct job *j = calloc(1, sizeof(*j));
		if (j) {
			j->kind = JOB_QUIT;
			post(i, j);
		}
	}
	for (int i = 0; i <= W.n; i++) {
		struct worker *w = &W.w[i];
		if (w->in_core)
			wconns_release(w);
		else
			pthread_join(w->thread, NULL);
		struct job *j;
		while ((j = next_job(w))) {
			if (j->kind == JOB_ADOPT) {
				SSL_free(j->a.ssl);
				evutil_closesocket(j->a.fd);
			}
			free(j);
		}
		jobq_free(&w->jobs);
		if (w->flush)
			event_free(w->flush);
		hashtab_free(&w->by_id);
		if (!w->in_core)
			event_base_free(w->base);
	}
	/* Notes nobody will read any more. */
	struct note *n;
	while ((n = next_note())) {
		if (n->msg)
			msg_destroy(n->msg);
		if (n->moves) {
			SSL_free(n->a.ssl);
			evutil_closesocket(n->a.fd);
		}
		free(n);
	}
	jobq_free(&W.notes);
	free(W.w);
	memset(&W, 0, sizeof(W));
}
