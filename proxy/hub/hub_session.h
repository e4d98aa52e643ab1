/* The upstream SMTP session to the Hub Transport as an explicit state
 * machine, without sockets: the relay feeds it connection events and reply
 * lines, it answers through ops.
 *
 *   CONNECTING -connected-> GREETING -220-> EHLO -250+STARTTLS-> STARTTLS
 *   -220-> HANDSHAKE -verified-> EHLO_TLS -250-> READY
 *   READY -command-> CMD -reply-> READY;  CMD -354-> DATA -data_end-> DOT
 *   -reply-> READY;  any failure -> CLOSED (ops->down, once).
 *
 * Nothing but EHLO, STARTTLS and QUIT is ever sent before HANDSHAKE ends. */
#ifndef UMSBC_HUB_SESSION_H
#define UMSBC_HUB_SESSION_H

#include "conf.h"
#include "smtp_syntax.h"

/* HUB_UP_: the upstream side, toward the Hub. */
enum hub_session_state {
	HUB_UP_CONNECTING, HUB_UP_GREETING, HUB_UP_EHLO, HUB_UP_STARTTLS, HUB_UP_HANDSHAKE,
	HUB_UP_EHLO_TLS, HUB_UP_READY, HUB_UP_CMD, HUB_UP_DATA, HUB_UP_DOT, HUB_UP_CLOSED,
};

struct hub_session_ops {
	void (*send)(void *arg, const char *buf, size_t len);
	void (*start_tls)(void *arg);	/* the 220 to STARTTLS arrived: handshake now */
	void (*ready)(void *arg, const struct hub_smtp_caps *caps);	/* after EHLO over TLS */
	void (*reply)(void *arg, const struct hub_smtp_reply *r);	/* to a relayed command */
	void (*down)(void *arg, const char *reason);	/* failed or lost: once */
};

struct hub_session {
	enum hub_session_state state;
	const struct hub_session_ops *ops;
	void *arg;
	char helo[HUB_NAME_MAX];
	int timeout, data_timeout;
	struct hub_smtp_reply reply;
	struct hub_smtp_caps caps;	/* after EHLO over TLS */
};

void hub_session_init(struct hub_session *up, const struct hub_session_ops *ops, void *arg,
    const char *helo, int timeout, int data_timeout);
void hub_session_connected(struct hub_session *up);
void hub_session_line(struct hub_session *up, const char *line, size_t len);
void hub_session_tls_done(struct hub_session *up, int ok, const char *reason);
void hub_session_error(struct hub_session *up, const char *reason);	/* EOF, error, timeout */
/* From the UM server's session: one command line with CRLF (state READY). */
void hub_session_command(struct hub_session *up, const char *buf, size_t len);
void hub_session_data_end(struct hub_session *up);	/* the end-of-data line went out */
void hub_session_quit(struct hub_session *up);	/* polite end: QUIT, no down */
void hub_session_abort(struct hub_session *up);	/* end without QUIT, no down */
/* Seconds to wait for the Hub in the current state; 0 = not waiting. */
int hub_session_timeout(const struct hub_session *up);
const char *hub_session_state_name(enum hub_session_state s);

#endif
