#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include "sipframe.h"
#include "tls.h"
#include "tls_handshake.h"
#include "tls_stream.h"
#include "wconn.h"

struct wconn {
	LIST_ENTRY(wconn) link;
	struct hashtab_node by_id;	/* in its worker's table */
	struct worker *w;
	uint64_t id;
	char id_key[HASHTAB_U64_KEYLEN];
	struct bufferevent *bev;	/* NULL while hs runs */
	/* A socket bufferevent's connection reads on its own event into in,
	 * with the idle time-out (wconn_readable); OpenSSL's reads itself. */
	struct event *rd;
	struct evbuffer *in;
	struct tls_handshake *hs;	/* an accepted TLS handshake, on a thread */
	evutil_socket_t fd;
	SSL *ssl;			/* NULL: plain TCP */
	int established, closing;
	int wired;			/* connected for sure: a byte went or came */
	int send_err;			/* errno of a flush that failed */
	struct evbuffer *pending;	/* to write (TLS: to seal) at the flush */
	/* TLS records over a plain bufferevent (tls_stream.h): what was
	 * decrypted and waits to be framed; ciphertext to write at the flush. */
	struct evbuffer *plain, *sealed;
	int busy;			/* a record came or went since the sweep */
	TAILQ_ENTRY(wconn) flush_link;	/* in w->to_flush while queued */
	int flush_queued;
	struct worker_limits lim;
	struct event *deadline;		/* a message begun must end by then */
};

static void
wconn_release(struct wconn *c)
{
	if (c->flush_queued)
		TAILQ_REMOVE(&c->w->to_flush, c, flush_link);
	if (c->pending)
		evbuffer_free(c->pending);
	if (c->plain)
		evbuffer_free(c->plain);
	if (c->in)
		evbuffer_free(c->in);
	if (c->rd)
		event_free(c->rd);
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
	worker_tell_down(c->id, c->established, why);
	LIST_REMOVE(c, link);
	hashtab_remove(&c->w->by_id, &c->by_id);
	if (c->ssl)
		SSL_set_shutdown(c->ssl, SSL_RECEIVED_SHUTDOWN);
	wconn_release(c);
}

const char *
wconn_key(const struct hashtab_node *n)
{
	return hashtab_entry(n, struct wconn, by_id)->id_key;
}

struct wconn *
wconn_find(struct worker *w, uint64_t id)
{
	char key[HASHTAB_U64_KEYLEN];

	hashtab_key_u64(id, key);
	struct hashtab_node *n = hashtab_find(&w->by_id, key);
	return n ? hashtab_entry(n, struct wconn, by_id) : NULL;
}

static void
wconn_stop_reading(struct wconn *c)
{
	if (c->rd)
		event_del(c->rd);
	else
		bufferevent_disable(c->bev, EV_READ);
}

/* The last message read: what the core gets, and nothing more is read. */
static void
wconn_read_last(struct wconn *c, msg_t *msg, int status)
{
	c->closing = 1;
	wconn_stop_reading(c);
	if (c->deadline)
		event_del(c->deadline);
	worker_tell_message(c->w, c->id, msg, status);
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

/* What came in: decrypted if it is TLS on a socket bufferevent, then
 * framed, each message to the core. */
static void
wconn_frame(struct wconn *c, struct evbuffer *in)
{
	struct sipframe f;
	char why[200];
	int gone = 0;

	c->wired = 1;
	c->busy = 1;
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
			worker_tell_message(c->w, c->id, f.msg, 0);
			break;
		}
	}
done:
	if (gone && !c->closing)
		wconn_free(c, why);
}

static void
wconn_read(struct bufferevent *bev, void *arg)
{
	wconn_frame(arg, bufferevent_get_input(bev));
}

static void wconn_event(struct bufferevent *bev, short what, void *arg);

/* Reads of our own on a socket bufferevent's connection: libevent's ask the
 * kernel (FIONREAD) how much waits before every read. One read takes what
 * fits READ_CHUNK; the event is level-triggered, so the rest comes next. */
#define READ_CHUNK 8192

static void
wconn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct wconn *c = arg;
	struct evbuffer_iovec v[2];
	struct iovec io[2];

	if (what & EV_TIMEOUT) {
		wconn_event(c->bev, BEV_EVENT_TIMEOUT | BEV_EVENT_READING, c);
		return;
	}
	int n = evbuffer_reserve_space(c->in, READ_CHUNK, v, 2);
	for (int i = 0; i < n; i++) {
		io[i].iov_base = v[i].iov_base;
		io[i].iov_len = v[i].iov_len;
	}
	ssize_t r = n > 0 ? readv(fd, io, n) : -1;
	if (r > 0) {
		size_t left = (size_t)r;
		int used = 0;
		for (; used < n && left > 0; used++) {
			v[used].iov_len = left < v[used].iov_len ? left : v[used].iov_len;
			left -= v[used].iov_len;
		}
		evbuffer_commit_space(c->in, v, used);
		struct worker *w = c->w;	/* c may be gone after framing */
		wconn_frame(c, c->in);
		/* What this read's messages produced goes now, not after the
		 * loop turn's other reads have been handled too. */
		wconns_flush(-1, 0, w);
		return;
	}
	if (r < 0 && n > 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	wconn_event(c->bev, BEV_EVENT_READING | (r == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), c);
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

	if (!c->rd) {
		bufferevent_set_timeouts(c->bev, &tv, &tv);
		return;
	}
	if (!c->closing)	/* reading: a new read time-out */
		event_add(c->rd, &tv);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
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
		c->established = 1;
		wconn_set_idle(c, c->lim.idle);
		(void)worker_tell_up(c->id, bufferevent_openssl_get_ssl(bev), NULL);
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
	c->busy = 1;
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

void
wconns_flush(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd; (void)what;
	while (!TAILQ_EMPTY(&w->to_flush))
		wconn_flush(TAILQ_FIRST(&w->to_flush));
}

/* A gateway's TLS connection is idle most of its life: one that sent and
 * received nothing since the last sweep gives back OpenSSL's record buffers
 * (about 11 KiB); the next record takes new ones. A busy one keeps them, so
 * records do not allocate and free them each (SSL_MODE_RELEASE_BUFFERS
 * would: about 0.36 us per record in and out, measured). */
#define SWEEP_SECONDS 10

static void
wconns_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct wconn *c;

	(void)fd; (void)what;
	LIST_FOREACH(c, &w->conns, link) {
		if (c->plain && !c->busy)
			(void)SSL_free_buffers(c->ssl);	/* 0: a record is half read */
		c->busy = 0;
	}
}

static int
wconns_sweep_start(struct worker *w)
{
	struct timeval tv = { SWEEP_SECONDS, 0 };

	if (w->sweep)
		return 0;
	w->sweep = event_new(w->base, -1, EV_PERSIST, wconns_sweep, w);
	return w->sweep ? event_add(w->sweep, &tv) : -1;
}

/* The handshake of an accepted TLS connection is done: its socket and SSL
 * go to the inline worker with the "up" (worker.c note_up), since the records of an
 * authenticated peer cost less than the hand-offs a thread would need. */
static void
handshake_done(int ok, const char *why, void *arg)
{
	struct wconn *c = arg;
	struct adoption move = { c->id, c->fd, c->ssl, 0, 1, c->lim };

	if (!ok || worker_tell_up(c->id, c->ssl, &move) != 0) {
		wconn_free(c, ok ? "out of memory" : why);
		return;
	}
	LIST_REMOVE(c, link);
	hashtab_remove(&c->w->by_id, &c->by_id);
	tls_handshake_free(c->hs);
	event_free(c->deadline);
	free(c);
}

/* Accepted TLS on a SIP worker thread: only the handshake is done here. */
static int
handshake_here(const struct worker *w, const struct adoption *a)
{
	return a->ssl && !a->connecting && !a->open && !w->in_core;
}

/* Plain TCP, and open TLS (its records sealed and opened by tls_stream),
 * go on a socket bufferevent; a TLS connection we open, on OpenSSL's. */
static struct bufferevent *
wconn_bev(struct wconn *c, const struct adoption *a)
{
	struct event_base *base = c->w->base;

	if (a->open && (!(c->plain = evbuffer_new()) || !(c->sealed = evbuffer_new()) ||
	    !(c->pending = evbuffer_new()) || tls_stream_attach(a->ssl) != 0))
		return NULL;
	if (!a->ssl || a->open)
		return bufferevent_socket_new(base, a->fd, BEV_OPT_CLOSE_ON_FREE);
	return bufferevent_openssl_socket_new(base, a->fd, a->ssl, a->connecting ?
	    BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void
adopt_failed(struct wconn *c, const struct adoption *a)
{
	worker_tell_down(a->id, 0, "out of memory");
	if (c) {
		wconn_release(c);	/* frees the SSL and closes the socket */
		return;
	}
	SSL_free(a->ssl);
	evutil_closesocket(a->fd);
}

int
wconn_adopt(struct worker *w, const struct adoption *a)
{
	struct wconn *c = calloc(1, sizeof(*c));
	struct timeval hs = { a->lim.handshake, 0 };

	if (c) {
		c->w = w;
		c->id = a->id;
		c->fd = a->fd;
		c->ssl = a->ssl;
		c->wired = !a->connecting;
		c->lim = a->lim;
		c->deadline = evtimer_new(w->base, wconn_deadline, c);
		c->pending = a->ssl ? NULL : evbuffer_new();
		if (handshake_here(w, a))
			c->hs = tls_handshake_start(w->base, a->fd, a->ssl, a->lim.handshake,
			    handshake_done, c);
		else
			c->bev = wconn_bev(c, a);
	}
	if (!c || (!c->bev && !c->hs) || !c->deadline || (!a->ssl && !c->pending)) {
		adopt_failed(c, a);
		return -1;
	}
	LIST_INSERT_HEAD(&w->conns, c, link);
	hashtab_key_u64(c->id, c->id_key);
	hashtab_insert(&w->by_id, &c->by_id);	/* its buckets exist since workers_start */
	if (c->hs)
		return 0;
	bufferevent_setcb(c->bev, wconn_read, wconn_written, wconn_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, c->lim.max_message * 4);
	if (!bufferevent_openssl_get_ssl(c->bev) &&
	    (!(c->in = evbuffer_new()) || !(c->rd = event_new(w->base, a->fd, EV_READ | EV_PERSIST,
	    wconn_readable, c)))) {
		wconn_free(c, "out of memory");
		return -1;
	}
	if (a->open) {
		c->established = 1;
		wconn_set_idle(c, c->lim.idle);
		if (wconns_sweep_start(w) == 0)
			(void)SSL_free_buffers(c->ssl);	/* the handshake's; it may idle now */
	} else if (c->ssl) {
		bufferevent_set_timeouts(c->bev, &hs, &hs);
	} else {	/* plain TCP: a failed connect shows as an error on the first write */
		wconn_event(c->bev, BEV_EVENT_CONNECTED, c);
	}
	bufferevent_enable(c->bev, c->rd ? EV_WRITE : EV_READ | EV_WRITE);
	return 0;
}

void
wconn_write(struct wconn *c, const char *buf, size_t len)
{
	if (c->bev)
		wconn_send(c, buf, len);
}

void
wconn_idle(struct wconn *c, int seconds)
{
	if (c->established)
		wconn_set_idle(c, seconds);
}

void
wconn_close(struct wconn *c)
{
	if (c->hs) {
		wconn_free(c, "closed by umsbcd");
		return;
	}
	wconn_flush(c);	/* what waits goes first */
	c->closing = 2;
	wconn_stop_reading(c);
	wconn_written(c->bev, c);
}

void
wconns_release(struct worker *w)
{
	if (w->sweep)
		event_free(w->sweep);
	w->sweep = NULL;
	while (!LIST_EMPTY(&w->conns)) {
		struct wconn *c = LIST_FIRST(&w->conns);
		LIST_REMOVE(c, link);
		hashtab_remove(&w->by_id, &c->by_id);
		wconn_release(c);
	}
}
