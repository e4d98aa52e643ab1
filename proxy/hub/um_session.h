/* The inside SMTP session with a legacy UM server, as an explicit state
 * machine without sockets. The relay (or a unit test) feeds it: the Hub
 * session became ready or went down, a Hub reply, client bytes in the
 * evbuffer it was given, a timeout, the client's EOF, a shutdown. It acts
 * through ops. One command at a time is relayed, so a pipelining client is
 * served in order while the Hub sees a plain lock-step session.
 *
 *   WAIT_UP -ready-> CMD (220 sent) -MAIL/RCPT/RSET/DATA-> WAIT_REPLY -reply-> CMD
 *   WAIT_REPLY -354-> DATA -end-of-data-> WAIT_DOT -Hub's reply-> CMD
 *   DATA -bad line / Hub lost-> DISCARD -end-of-data-> CMD (554/451)
 *   any -QUIT/timeout/too many errors/Hub lost/shutdown-> CLOSED */
#ifndef UMSBC_HUB_UM_SESSION_H
#define UMSBC_HUB_UM_SESSION_H

#include <event2/buffer.h>

#include "conf.h"
#include "data_stream.h"
#include "smtp_syntax.h"

enum hub_um_state {
	HUB_UM_WAIT_UP, HUB_UM_CMD, HUB_UM_WAIT_REPLY, HUB_UM_DATA, HUB_UM_DISCARD, HUB_UM_WAIT_DOT,
	HUB_UM_CLOSED,
};

struct hub_um_ops {
	void (*to_client)(void *arg, const char *buf, size_t len);
	void (*up_cmd)(void *arg, const char *buf, size_t len);	/* one line with CRLF */
	/* Move n octets of message text from src to the Hub. Returns 0 when the
	 * Hub's side is full (the relay resumes with hub_um_input). */
	int (*up_data)(void *arg, struct evbuffer *src, size_t n);
	void (*up_data_end)(void *arg);	/* the end-of-data line was the last of it */
	void (*up_abort)(void *arg);	/* drop the Hub session: the message must not complete */
	void (*up_quit)(void *arg);	/* end the Hub session politely */
};

/* What the log says about the Hub session. */
struct hub_tls_info {
	char version[16];
	char cipher[64];
	char thumb[41];		/* SHA-1 of the Hub's certificate */
};

struct hub_um_session {
	enum hub_um_state state;
	enum hub_smtp_verb pending;		/* command waiting for the Hub's reply */
	const struct hub_um_ops *ops;
	void *arg;
	struct evbuffer *in;		/* the client's bytes */
	char client[NETADDR_STRLEN];
	char name[HUB_NAME_MAX];
	int timeout, max_errors;
	struct hub_smtp_caps caps;		/* the Hub's, after STARTTLS */
	struct hub_tls_info tls;
	int greeted, esc, errors;
	int up_gone;			/* no Hub session any more */
	int draining;			/* shutdown: close at the next idle point */
	int skip_line;			/* discarding the rest of an over-long line */
	int paused;			/* DATA: the Hub's side is full */
	/* the transaction */
	int in_mail, rcpts;
	char sender[HUB_SMTP_PATH_MAX + 1], pending_sender[HUB_SMTP_PATH_MAX + 1];
	unsigned long long size;
	struct hub_data_scanner scan;
	int bad_code;			/* DISCARD: the reply at the end of data */
	const char *bad_esc, *bad_text;
	unsigned messages;		/* relayed, for the record */
};

void hub_um_init(struct hub_um_session *s, const struct hub_um_ops *ops, void *arg,
    struct evbuffer *in, const char *client, const struct hub_conf *c);
void hub_um_up_ready(struct hub_um_session *s, const struct hub_smtp_caps *caps,
    const struct hub_tls_info *tls);
void hub_um_up_down(struct hub_um_session *s, const char *reason);
void hub_um_up_reply(struct hub_um_session *s, const struct hub_smtp_reply *r);
void hub_um_input(struct hub_um_session *s);	/* new client bytes */
void hub_um_resume(struct hub_um_session *s);	/* room again at the Hub */
int hub_um_paused(const struct hub_um_session *s);
void hub_um_timeout(struct hub_um_session *s);
void hub_um_client_eof(struct hub_um_session *s);
void hub_um_shutdown(struct hub_um_session *s);
/* Seconds the client may stay silent now; 0 = we are not waiting for it. */
int hub_um_client_timeout(const struct hub_um_session *s);
int hub_um_done(const struct hub_um_session *s);
const char *hub_um_state_name(enum hub_um_state s);


#endif
