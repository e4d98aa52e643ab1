#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>

#include "tls.h"
#include "tls_handshake.h"

struct tls_handshake {
	SSL *ssl;
	struct event *rd, *wr, *deadline;
	tls_handshake_fn done;
	void *arg;
};

void
tls_handshake_free(struct tls_handshake *hs)
{
	if (!hs)
		return;
	if (hs->rd)
		event_free(hs->rd);
	if (hs->wr)
		event_free(hs->wr);
	if (hs->deadline)
		event_free(hs->deadline);
	free(hs);
}

/* Last thing a step does: the callback may free hs. */
static void
finish(struct tls_handshake *hs, int ok, const char *why)
{
	event_del(hs->rd);
	event_del(hs->wr);
	event_del(hs->deadline);
	hs->done(ok, why, hs->arg);
}

static void
step(evutil_socket_t fd, short what, void *arg)
{
	struct tls_handshake *hs = arg;
	char why[200];

	(void)fd; (void)what;
	ERR_clear_error();
	int r = SSL_do_handshake(hs->ssl);
	if (r == 1) {
		finish(hs, 1, NULL);
		return;
	}
	int e = SSL_get_error(hs->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		event_add(e == SSL_ERROR_WANT_READ ? hs->rd : hs->wr, NULL);
		return;
	}
	/* A close_notify is the peer's choice; anything else is a failure,
	 * named by the first error OpenSSL queued (none: the peer hung up). */
	if (e == SSL_ERROR_ZERO_RETURN && (SSL_get_shutdown(hs->ssl) & SSL_RECEIVED_SHUTDOWN))
		snprintf(why, sizeof(why), "closed by peer during the handshake");
	else
		tls_failure_reason(hs->ssl, ERR_get_error(), why, sizeof(why));
	ERR_clear_error();
	finish(hs, 0, why);
}

static void
expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	finish(arg, 0, "handshake timeout");
}

struct tls_handshake *
tls_handshake_start(struct event_base *base, evutil_socket_t fd, SSL *ssl, int seconds,
    tls_handshake_fn done, void *arg)
{
	struct tls_handshake *hs = calloc(1, sizeof(*hs));
	struct timeval tv = { seconds, 0 };

	if (!hs || !SSL_set_fd(ssl, (int)fd)) {
		free(hs);
		return NULL;
	}
	hs->ssl = ssl;
	hs->done = done;
	hs->arg = arg;
	hs->rd = event_new(base, fd, EV_READ, step, hs);
	hs->wr = event_new(base, fd, EV_WRITE, step, hs);
	hs->deadline = evtimer_new(base, expired, hs);
	if (!hs->rd || !hs->wr || !hs->deadline) {
		tls_handshake_free(hs);
		return NULL;
	}
	SSL_set_accept_state(ssl);
	evtimer_add(hs->deadline, &tv);
	event_add(hs->rd, NULL);	/* the ClientHello comes first */
	return hs;
}
