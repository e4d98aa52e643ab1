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
#ifndef UMSBC_HUB_HUB_SESSION_H
#define UMSBC_HUB_HUB_SESSION_H

#include "conf.h"
#include "smtp_syntax.h"

enum hub_up_state {
	UP_CONNECTING, UP_GREETING, UP_EHLO, UP_STARTTLS, UP_HANDSHAKE, UP_EHLO_TLS,
	UP_READY, UP_CMD, UP_DATA, UP_DOT, UP_CLOSED,
};

struct hub_up_ops {
	void (*send)(void *arg, const char *buf, size_t len);
	void (*start_tls)(void *arg);	/* the 220 to STARTTLS arrived: handshake now */
	void (*ready)(void *arg, const struct smtp_caps *caps);	/* after EHLO over TLS */
	void (*reply)(void *arg, const struct smtp_reply *r);	/* to a relayed command */
	void (*down)(void *arg, const char *reason);	/* failed or lost: once */
};

struct hub_upstream {
	enum hub_up_state state;
	const struct hub_up_ops *ops;
	void *arg;
	char helo[HUB_NAME_MAX];
	int timeout, data_timeout;
	struct smtp_reply reply;
	struct smtp_caps caps;	/* after EHLO over TLS */
};

void hub_up_init(struct hub_upstream *up, const struct hub_up_ops *ops, void *arg,
    const char *helo, int timeout, int data_timeout);
void hub_up_connected(struct hub_upstream *up);
void hub_up_line(struct hub_upstream *up, const char *line, size_t len);
void hub_up_tls_done(struct hub_upstream *up, int ok, const char *reason);
void hub_up_error(struct hub_upstream *up, const char *reason);	/* EOF, error, timeout */
/* From the client session: one command line with CRLF (state READY). */
void hub_up_command(struct hub_upstream *up, const char *buf, size_t len);
void hub_up_data_end(struct hub_upstream *up);	/* the end-of-data line went out */
void hub_up_quit(struct hub_upstream *up);	/* polite end: QUIT, no down */
void hub_up_abort(struct hub_upstream *up);	/* end without QUIT, no down */
/* Seconds to wait for the Hub in the current state; 0 = not waiting. */
int hub_up_timeout(const struct hub_upstream *up);
const char *hub_up_state_name(enum hub_up_state s);

#endif
