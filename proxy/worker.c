#define _GNU_SOURCE	/* pthread_setname_np */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/thread.h>
#include <openssl/err.h>

#include "sipframe.h"
#include "tls_handshake.h"
#include "tls_stream.h"
#include "util/hashtab.h"
#include "util/jobq.h"
#include "worker.h"

enum job_kind { JOB_ADOPT, JOB_WRITE, JOB_CLOSE, JOB_IDLE, JOB_QUIT };

struct job {
	struct jobq_item item;
	enum job_kind kind;
	uint64_t id;
	evutil_socket_t fd;
	SSL *ssl;
	int connecting, seconds;	/* JOB_ADOPT; JOB_IDLE */
	int open;			/* JOB_ADOPT: a TLS handshake done elsewhere */
	struct worker_limits lim;	/* JOB_ADOPT */
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
	/* NOTE_UP of an accepted TLS connection: the socket and open SSL move
	 * to the inline worker, since only the handshake needed a thread. */
	evutil_socket_t fd;
	SSL *ssl;
	struct worker_limits lim;
	char why[200];
	char names[TLS_MAX_NAMES][TLS_NAME_LEN];
};

struct wconn {
	LIST_ENTRY(wconn) link;
	struct hashtab_node by_id;	/* in its worker's table */
	struct worker *w;
	uint64_t id;
	char id_key[HASHTAB_U64_KEYLEN];
	struct bufferevent *bev;	/* NULL while hs runs */
	struct tls_handshake *hs;	/* an accepted TLS handshake, on a thread */
	evutil_socket_t fd;
	SSL *ssl;			/* hs's */
	int established, closing, tls;
	int wired;			/* connected for sure: a byte went or came */
	int send_err;			/* errno of a flush that failed */
	struct evbuffer *pending;	/* plain TCP: to write at the flush */
	/* TLS records over a plain bufferevent (tls_stream.h): what was
	 * decrypted and waits to be framed; ciphertext to write at the flush. */
	struct evbuffer *plain, *sealed;
	TAILQ_ENTRY(wconn) flush_link;	/* in w->to_flush while queued */
	int flush_queued;
	struct worker_limits lim;
	struct event *deadline;		/* a message begun must end by then */
};

struct worker {
	pthread_t thread;
	struct event_base *base;
	int in_core;			/* the inline worker: no thread of its own */
	struct jobq jobs;		/* from the core */
	LIST_HEAD(, wconn) conns;
	TAILQ_HEAD(, wconn) to_flush;	/* connections with pending bytes */
	struct event *flush;		/* runs wconns_flush, later in this loop turn */
	struct hashtab by_id;		/* every job names its connection */
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

static int adopt(struct worker *w, struct job *j);

/* An accepted TLS connection whose handshake is done comes with its socket
 * and SSL: the inline worker takes it before the core hears it is up. */
static void
note_up(struct note *n)
{
	int moved = -1;

	if (n->ssl) {
		struct job j = { .kind = JOB_ADOPT, .id = n->id, .fd = n->fd, .ssl = n->ssl,
		    .open = 1, .lim = n->lim };
		if (adopt(&W.w[W.n], &j) != 0)
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

/* ---- connections, in the worker ---- */

static void
wconn_release(struct wconn *c)
{
	if (c->flush_queued)
		TAILQ_REMOVE(&c->w->to_flush, c, flush_link);
	if (c->pending)
		evbuffer_free(c->pending);
	if (c->plain)
		evbuffer_free(c->plain);
	if (c->sealed)
		evbuffer_free(c->sealed);
	if (c->deadline)
		event_free(c->deadline);
	tls_handshake_free(c->hs);
	if (c->bev)	/* closes the socket; OpenSSL's frees the SSL too */
		bufferevent_free(c->bev);
	else
		evutil_closesocket(c->fd);
	if (!c->bev || c->plain)
		SSL_free(c->ssl);
	free(c);
}

static void
wconn_free(struct wconn *c, const char *why)
{
	struct note *n = note_new(NOTE_DOWN, c->id);

	if (n) {
		n->established = c->established;
		snprintf(n->why, sizeof(n->why), "%s", why ? why : "closed");
		notify(n);
	}
	LIST_REMOVE(c, link);
	hashtab_remove(&c->w->by_id, &c->by_id);
	if (c->ssl)
		SSL_set_shutdown(c->ssl, SSL_RECEIVED_SHUTDOWN);
	wconn_release(c);
}

static const char *
wconn_key(const struct hashtab_node *n)
{
	return hashtab_entry(n, struct wconn, by_id)->id_key;
}

static struct wconn *
wconn_find(struct worker *w, uint64_t id)
{
	char key[HASHTAB_U64_KEYLEN];

	hashtab_key_u64(id, key);
	struct hashtab_node *n = hashtab_find(&w->by_id, key);
	return n ? hashtab_entry(n, struct wconn, by_id) : NULL;
}

static void
post_message(struct wconn *c, msg_t *msg, int status)
{
	/* Inline: the core handles it now. Nothing it does frees c under us: a
	 * close is deferred (worker_close), and a write waits for the flush
	 * (wconn_send). */
	if (c->w->in_core) {
		W.ops->message(c->id, msg, status);
		return;
	}
	struct note *n = note_new(NOTE_MESSAGE, c->id);

	if (!n) {
		if (msg)
			msg_destroy(msg);
		return;
	}
	n->msg = msg;
	n->status = status;
	notify(n);
}

/* The last message read: what the core gets, and nothing more is read. */
static void
wconn_read_last(struct wconn *c, msg_t *msg, int status)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (c->deadline)
		event_del(c->deadline);
	post_message(c, msg, status);
}

/* A message has begun: it must end within lim.message seconds, whatever
 * trickles in (a slowloris keeps the idle time-out from ever firing). */
static void
wconn_message_started(struct wconn *c)
{
	struct timeval tv = { c->lim.message, 0 };

	if (c->deadline && !evtimer_pending(c->deadline, NULL))
		evtimer_add(c->deadline, &tv);
}

static void wconn_queue_flush(struct wconn *c);

/* TLS records in: what they hold goes onto c->plain, what OpenSSL answers
 * (an alert, a key update) out with the next flush. 0, or 1 when the
 * connection is to go once what it holds is framed (why says why). */
static int
wconn_decrypt(struct wconn *c, struct evbuffer *in, char *why, size_t len)
{
	int r = tls_stream_open(c->ssl, in, c->plain, c->sealed, why, len);

	if (evbuffer_get_length(c->sealed) > 0)
		wconn_queue_flush(c);
	if (r == 1)
		snprintf(why, len, "closed by peer");
	return r != 0;
}

static void
wconn_read(struct bufferevent *bev, void *arg)
{
	struct wconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct sipframe f;
	char why[200];
	int gone = 0;

	c->wired = 1;
	if (c->plain) {
		gone = wconn_decrypt(c, in, why, sizeof(why));
		in = c->plain;
	}
	while (!c->closing) {
		switch (sipframe_next(in, c->lim.max_message, &f)) {
		case SIPFRAME_EMPTY:
			goto done;
		case SIPFRAME_BEGUN:
			wconn_message_started(c);
			goto done;
		case SIPFRAME_VERDICT:
			/* A stream cannot be resynchronised after garbage. */
			wconn_read_last(c, f.msg, f.status);
			return;
		case SIPFRAME_MESSAGE:
			if (c->deadline)
				event_del(c->deadline);	/* the next message starts its own */
			post_message(c, f.msg, 0);
			break;
		}
	}
done:
	if (gone && !c->closing)
		wconn_free(c, why);
}

static void
wconn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct wconn *c = arg;
	char why[80];

	(void)fd; (void)what;
	snprintf(why, sizeof(why), "incomplete message for %d s (sip.message_timeout)", c->lim.message);
	wconn_free(c, why);
}

static void
wconn_set_idle(struct wconn *c, int seconds)
{
	struct timeval tv = { seconds, 0 };

	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

static void
wconn_written(struct bufferevent *bev, void *arg)
{
	struct wconn *c = arg;

	c->wired = 1;
	if (c->closing == 2 && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		wconn_free(c, "closed by umsbcd");
}

static void
wconn_event(struct bufferevent *bev, short what, void *arg)
{
	struct wconn *c = arg;
	char why[200];

	if (what & BEV_EVENT_CONNECTED) {
		struct note *n = note_new(NOTE_UP, c->id);
		SSL *ssl = bufferevent_openssl_get_ssl(bev);
		c->established = 1;
		wconn_set_idle(c, c->lim.idle);
		if (n) {
			if (ssl) {
				n->n_names = tls_peer_names(ssl, n->names, TLS_MAX_NAMES);
				peercert_read(SSL_get0_peer_certificate(ssl), &n->cert);
			}
			notify(n);
		}
		return;
	}
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	if (what & BEV_EVENT_TIMEOUT && c->established)
		snprintf(why, sizeof(why), "idle for %d s (%s)", c->lim.idle,
		    what & BEV_EVENT_WRITING ? "nothing it was sent was read" : "nothing received");
	else if (what & BEV_EVENT_TIMEOUT)
		snprintf(why, sizeof(why), "handshake timeout");
	else if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), c->established ? "closed by peer" :
		    ssl ? "closed by peer during the handshake" : "closed by peer");
	else if (ssl && !c->established)
		tls_failure_reason(ssl, bufferevent_get_openssl_error(bev), why, sizeof(why));
	else if (c->send_err)
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(c->send_err));
	else
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	ERR_clear_error();
	wconn_free(c, why);
}

/* Bytes out. On plain TCP they wait in c->pending until the flush, later
 * in this turn of the loop, writes all that came meanwhile with one writev:
 * the bufferevent would arm EV_WRITE and disarm it after the write, two
 * epoll_ctl per batch. It gets only what the socket did not take. */
static void
wconn_queue_flush(struct wconn *c)
{
	if (!c->flush_queued) {
		c->flush_queued = 1;
		TAILQ_INSERT_TAIL(&c->w->to_flush, c, flush_link);
		event_active(c->w->flush, EV_WRITE, 0);
	}
}

static void
wconn_send(struct wconn *c, const char *buf, size_t len)
{
	if (c->plain) {		/* TLS: sealed at the flush, all in one record */
		if (!c->send_err) {
			evbuffer_add(c->pending, buf, len);
			wconn_queue_flush(c);
		}
		return;
	}
	if (!c->pending || !c->wired || c->send_err ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		bufferevent_write(c->bev, buf, len);
		return;
	}
	evbuffer_add(c->pending, buf, len);
	wconn_queue_flush(c);
}

/* A write that failed is reported from the loop, not inside our caller. */
static void
wconn_send_failed(struct wconn *c, int err, struct evbuffer *out)
{
	c->send_err = err;
	evbuffer_drain(out, evbuffer_get_length(out));
	bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR | BEV_EVENT_WRITING,
	    BEV_TRIG_DEFER_CALLBACKS);
}

static void
wconn_flush(struct wconn *c)
{
	if (c->flush_queued)
		TAILQ_REMOVE(&c->w->to_flush, c, flush_link);
	c->flush_queued = 0;
	if (!c->pending)
		return;
	struct evbuffer *out = c->pending;
	if (c->plain) {
		if (tls_stream_seal(c->ssl, c->pending, c->sealed) != 0) {
			wconn_send_failed(c, EPROTO, c->pending);
			return;
		}
		out = c->sealed;
	}
	if (evbuffer_get_length(out) == 0)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		bufferevent_write_buffer(c->bev, out);	/* behind what waits */
		return;
	}
	if (evbuffer_write(out, bufferevent_getfd(c->bev)) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		wconn_send_failed(c, errno, out);
		return;
	}
	if (evbuffer_get_length(out) > 0)
		bufferevent_write_buffer(c->bev, out);
}

static void
wconns_flush(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd; (void)what;
	while (!TAILQ_EMPTY(&w->to_flush))
		wconn_flush(TAILQ_FIRST(&w->to_flush));
}

/* The handshake of an accepted TLS connection is done: its socket and SSL
 * go to the inline worker with the "up" (note_up), since the records of an
 * authenticated peer cost less than the hand-offs a thread would need. */
static void
handshake_done(int ok, const char *why, void *arg)
{
	struct wconn *c = arg;
	struct note *n = ok ? note_new(NOTE_UP, c->id) : NULL;

	if (!n) {
		wconn_free(c, ok ? "out of memory" : why);
		return;
	}
	n->n_names = tls_peer_names(c->ssl, n->names, TLS_MAX_NAMES);
	peercert_read(SSL_get0_peer_certificate(c->ssl), &n->cert);
	n->fd = c->fd;
	n->ssl = c->ssl;
	n->lim = c->lim;
	LIST_REMOVE(c, link);
	hashtab_remove(&c->w->by_id, &c->by_id);
	tls_handshake_free(c->hs);
	event_free(c->deadline);
	free(c);
	notify(n);
}

/* Accepted TLS on a SIP worker thread: only the handshake is done here. */
static int
handshake_here(const struct worker *w, const struct job *j)
{
	return j->ssl && !j->connecting && !j->open && !w->in_core;
}

/* Plain TCP, and open TLS (its records sealed and opened by tls_stream),
 * go on a socket bufferevent; a TLS connection we open, on OpenSSL's. */
static struct bufferevent *
wconn_bev(struct wconn *c, const struct job *j)
{
	struct event_base *base = c->w->base;

	if (j->open && (!(c->plain = evbuffer_new()) || !(c->sealed = evbuffer_new()) ||
	    !(c->pending = evbuffer_new()) || tls_stream_attach(j->ssl) != 0))
		return NULL;
	if (!j->ssl || j->open)
		return bufferevent_socket_new(base, j->fd, BEV_OPT_CLOSE_ON_FREE);
	return bufferevent_openssl_socket_new(base, j->fd, j->ssl, j->connecting ?
	    BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void
adopt_failed(struct wconn *c, struct job *j)
{
	struct note *n = note_new(NOTE_DOWN, j->id);

	if (n) {
		snprintf(n->why, sizeof(n->why), "out of memory");
		notify(n);
	}
	if (c) {
		wconn_release(c);	/* frees the SSL and closes the socket */
		return;
	}
	SSL_free(j->ssl);
	evutil_closesocket(j->fd);
}

static int
adopt(struct worker *w, struct job *j)
{
	struct wconn *c = calloc(1, sizeof(*c));
	struct timeval hs = { j->lim.handshake, 0 };

	if (c) {
		c->w = w;
		c->id = j->id;
		c->fd = j->fd;
		c->ssl = j->ssl;
		c->tls = j->ssl != NULL;
		c->wired = !j->connecting;
		c->lim = j->lim;
		c->deadline = evtimer_new(w->base, wconn_deadline, c);
		c->pending = j->ssl ? NULL : evbuffer_new();
		if (handshake_here(w, j))
			c->hs = tls_handshake_start(w->base, j->fd, j->ssl, j->lim.handshake,
			    handshake_done, c);
		else
			c->bev = wconn_bev(c, j);
	}
	if (!c || (!c->bev && !c->hs) || !c->deadline || (!j->ssl && !c->pending)) {
		adopt_failed(c, j);
		return -1;
	}
	LIST_INSERT_HEAD(&w->conns, c, link);
	hashtab_key_u64(c->id, c->id_key);
	hashtab_insert(&w->by_id, &c->by_id);	/* its buckets exist since workers_start */
	if (c->hs)
		return 0;
	bufferevent_setcb(c->bev, wconn_read, wconn_written, wconn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, c->lim.max_message * 4);
	if (j->open) {
		c->established = 1;
		wconn_set_idle(c, c->lim.idle);
	} else if (c->tls) {
		bufferevent_set_timeouts(c->bev, &hs, &hs);
	} else {	/* plain TCP: a failed connect shows as an error on the first write */
		wconn_event(c->bev, BEV_EVENT_CONNECTED, c);
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return 0;
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
			adopt(w, j);
			break;
		case JOB_WRITE:
			if (c && c->bev)	/* none before the handshake is done */
				wconn_send(c, j->data, j->len);
			break;
		case JOB_IDLE:
			if (c && c->established)
				wconn_set_idle(c, j->seconds);
			break;
		case JOB_CLOSE:
			if (c && c->hs) {
				wconn_free(c, "closed by umsbcd");
			} else if (c) {
				wconn_flush(c);	/* what waits goes first */
				c->closing = 2;
				bufferevent_disable(c->bev, EV_READ);
				wconn_written(c->bev, c);
			}
			break;
		case JOB_QUIT:
			event_base_loopbreak(w->base);
			break;
		}
		free(j);
	}
}

/* At shutdown, in the worker's thread: no note, the core reads none. */
static void
release_all(struct worker *w)
{
	while (!LIST_EMPTY(&w->conns)) {
		struct wconn *c = LIST_FIRST(&w->conns);
		LIST_REMOVE(c, link);
		hashtab_remove(&w->by_id, &c->by_id);
		wconn_release(c);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	release_all(w);
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
	if (W.w[w].in_core) {
		struct job jd = { .kind = JOB_ADOPT, .id = id, .fd = fd, .ssl = ssl,
		    .connecting = connecting, .lim = *lim };
		adopt(&W.w[w], &jd);	/* its "up" is a note: the caller's conn stays */
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
	j->fd = fd;
	j->ssl = ssl;
	j->connecting = connecting;
	j->lim = *lim;
	post(w, j);
}

void
worker_set_idle(int w, uint64_t id, int seconds)
{
	if (W.w[w].in_core) {
		struct wconn *c = wconn_find(&W.w[w], id);
		if (c && c->established)
			wconn_set_idle(c, seconds);
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
			wconn_send(c, buf, len);
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
			release_all(w);
		else
			pthread_join(w->thread, NULL);
		struct job *j;
		while ((j = next_job(w))) {
			if (j->kind == JOB_ADOPT) {
				SSL_free(j->ssl);
				evutil_closesocket(j->fd);
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
		if (n->ssl) {
			SSL_free(n->ssl);
			evutil_closesocket(n->fd);
		}
		free(n);
	}
	jobq_free(&W.notes);
	free(W.w);
	memset(&W, 0, sizeof(W));
}
