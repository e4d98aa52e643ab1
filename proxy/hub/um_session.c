#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hub.h"
#include "log.h"
#include "um_session.h"

static const char *const state_names[] = {
	"wait-hub", "command", "wait-reply", "data", "discard", "wait-end-reply", "closed",
};

const char *
hub_um_state_name(enum hub_um_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

void
hub_um_init(struct hub_um_session *s, const struct hub_um_ops *ops, void *arg,
    struct evbuffer *in, const char *client, const struct hub_conf *c)
{
	memset(s, 0, sizeof(*s));
	s->state = HUB_UM_WAIT_UP;
	s->ops = ops;
	s->arg = arg;
	s->in = in;
	snprintf(s->client, sizeof(s->client), "%s", client);
	snprintf(s->name, sizeof(s->name), "%s", c->helo_name);
	s->timeout = c->timeout;
	s->max_errors = c->max_errors;
	s->pending = HUB_SMTP_UNKNOWN;
}

/* A reply of ours: with the enhanced code only once EHLO negotiated it. */
__attribute__((format(printf, 4, 5)))
static void
reply(struct hub_um_session *s, int code, const char *esc, const char *fmt, ...)
{
	char buf[600];
	int n;
	va_list ap;

	if (s->esc && esc)
		n = snprintf(buf, sizeof(buf), "%03d %s ", code, esc);
	else
		n = snprintf(buf, sizeof(buf), "%03d ", code);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if ((size_t)n > sizeof(buf) - 3)
		n = (int)sizeof(buf) - 3;
	memcpy(buf + n, "\r\n", 2);
	s->ops->to_client(s->arg, buf, (size_t)n + 2);
}

static void
close_session(struct hub_um_session *s, int quit_upstream)
{
	if (s->state == HUB_UM_CLOSED)
		return;
	if (!s->up_gone) {
		if (quit_upstream)
			s->ops->up_quit(s->arg);
		else
			s->ops->up_abort(s->arg);
		s->up_gone = 1;
	}
	s->state = HUB_UM_CLOSED;
}

static void
reset_transaction(struct hub_um_session *s)
{
	s->in_mail = 0;
	s->rcpts = 0;
	s->sender[0] = '\0';
	s->size = 0;
}

static void
log_failed(struct hub_um_session *s, const char *what)
{
	log_event(LOG_WARNING, EV_HUB_FAILED,
	    "message not relayed: client=%s from=%s rcpts=%d size=%llu %s",
	    s->client, s->sender[0] ? s->sender : "-", s->rcpts, s->size, what);
}

static uint64_t outcomes[HUB_MSG_COUNT];

void
hub_outcomes(uint64_t out[HUB_MSG_COUNT])
{
	memcpy(out, outcomes, sizeof(outcomes));
}

const char *
hub_outcome_name(enum hub_outcome o)
{
	static const char *const names[HUB_MSG_COUNT] = { "accepted", "tempfail", "refused" };
	return (unsigned)o < HUB_MSG_COUNT ? names[o] : "refused";
}

static void
log_final(struct hub_um_session *s, const struct hub_smtp_reply *r)
{
	char sum[256], what[300];

	hub_smtp_reply_summary(r, sum, sizeof(sum));
	outcomes[r->code / 100 == 2 ? HUB_MSG_ACCEPTED :
	    r->code / 100 == 4 ? HUB_MSG_TEMPFAIL : HUB_MSG_REFUSED]++;
	if (r->code / 100 == 2) {
		s->messages++;
		log_event(LOG_INFO, EV_HUB_RELAYED,
		    "message relayed: client=%s from=%s rcpts=%d size=%llu tls=%s cipher=%s "
		    "hub_sha1=%s hub_reply=\"%s\"", s->client, s->sender[0] ? s->sender : "-",
		    s->rcpts, s->size, s->tls.version, s->tls.cipher, s->tls.thumb, sum);
	} else {
		snprintf(what, sizeof(what), "hub_reply=\"%s\"", sum);
		log_failed(s, what);
	}
}

static void
send_ehlo_reply(struct hub_um_session *s, int ehlo)
{
	char buf[1024];
	int n;

	if (!ehlo) {
		n = snprintf(buf, sizeof(buf), "250 %s\r\n", s->name);
		s->ops->to_client(s->arg, buf, (size_t)n);
		return;
	}
	/* What the Hub offers and we can carry through. */
	const char *caps[5];
	char size[40];
	int k = 0;
	if (s->caps.size) {
		if (s->caps.size_max)
			snprintf(size, sizeof(size), "SIZE %lu", s->caps.size_max);
		else
			snprintf(size, sizeof(size), "SIZE");
		caps[k++] = size;
	}
	if (s->caps.eightbitmime)
		caps[k++] = "8BITMIME";
	if (s->caps.pipelining)
		caps[k++] = "PIPELINING";
	if (s->caps.enhancedstatuscodes)
		caps[k++] = "ENHANCEDSTATUSCODES";
	n = snprintf(buf, sizeof(buf), "250%c%s\r\n", k ? '-' : ' ', s->name);
	for (int i = 0; i < k; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "250%c%s\r\n",
		    i == k - 1 ? ' ' : '-', caps[i]);
	s->ops->to_client(s->arg, buf, (size_t)n);
}

void
hub_um_up_ready(struct hub_um_session *s, const struct hub_smtp_caps *caps,
    const struct hub_tls_info *tls)
{
	if (s->state != HUB_UM_WAIT_UP)
		return;
	s->caps = *caps;
	if (tls)
		s->tls = *tls;
	s->state = HUB_UM_CMD;
	reply(s, 220, NULL, "%s ESMTP Hub Transport relay", s->name);
	if (s->draining) {
		hub_um_shutdown(s);
		return;
	}
	hub_um_input(s);
}

void
hub_um_up_down(struct hub_um_session *s, const char *reason)
{
	char what[600];

	if (s->up_gone || s->state == HUB_UM_CLOSED)
		return;
	s->up_gone = 1;
	switch (s->state) {
	case HUB_UM_WAIT_UP:
		log_event(LOG_WARNING, EV_HUB_FAILED, "relay failed: client=%s no Hub session: %s",
		    s->client, reason);
		reply(s, 421, NULL, "%s Hub Transport not available, try again later", s->name);
		s->state = HUB_UM_CLOSED;
		return;
	case HUB_UM_CMD:
	case HUB_UM_WAIT_REPLY:
		if (s->in_mail) {
			snprintf(what, sizeof(what), "reason=\"Hub session lost: %s\"", reason);
			log_failed(s, what);
		}
		reply(s, 421, "4.4.2", "%s Hub Transport connection lost, try again later", s->name);
		s->state = HUB_UM_CLOSED;
		return;
	case HUB_UM_DATA:
		/* Read the rest of the message, then say 451: the client keeps it. */
		s->state = HUB_UM_DISCARD;
		s->scan.lenient = 1;
		s->bad_code = 451;
		s->bad_esc = "4.4.2";
		s->bad_text = "Hub Transport connection lost, message not accepted, try again later";
		snprintf(what, sizeof(what), "reason=\"Hub session lost during DATA: %s\"", reason);
		log_failed(s, what);
		return;
	case HUB_UM_WAIT_DOT:
		snprintf(what, sizeof(what), "reason=\"Hub session lost before its reply: %s\"", reason);
		log_failed(s, what);
		reply(s, 451, "4.4.2", "Hub Transport connection lost before it confirmed the message, try again later");
		reset_transaction(s);
		s->state = HUB_UM_CMD;
		hub_um_input(s);
		return;
	default:
		return;
	}
}

void
hub_um_up_reply(struct hub_um_session *s, const struct hub_smtp_reply *r)
{
	if (s->state == HUB_UM_WAIT_DOT) {
		log_final(s, r);
		s->ops->to_client(s->arg, r->raw, r->len);
		reset_transaction(s);
	} else if (s->state == HUB_UM_WAIT_REPLY) {
		switch (s->pending) {
		case HUB_SMTP_EHLO:
		case HUB_SMTP_HELO:	/* the Hub's reply to our RSET stays with us */
			reset_transaction(s);
			send_ehlo_reply(s, s->pending == HUB_SMTP_EHLO);
			break;
		case HUB_SMTP_MAIL:
			if (r->code / 100 == 2) {
				reset_transaction(s);
				s->in_mail = 1;
				memcpy(s->sender, s->pending_sender, sizeof(s->sender));
			}
			s->ops->to_client(s->arg, r->raw, r->len);
			break;
		case HUB_SMTP_RCPT:
			if (r->code / 100 == 2)
				s->rcpts++;
			s->ops->to_client(s->arg, r->raw, r->len);
			break;
		case HUB_SMTP_RSET:
			reset_transaction(s);
			s->ops->to_client(s->arg, r->raw, r->len);
			break;
		case HUB_SMTP_DATA:
			s->ops->to_client(s->arg, r->raw, r->len);
			if (r->code == 354) {
				s->state = HUB_UM_DATA;
				s->paused = 0;
				s->size = 0;
				hub_data_init(&s->scan, 0);
				hub_um_input(s);
				return;
			}
			break;
		default:
			s->ops->to_client(s->arg, r->raw, r->len);
			break;
		}
	} else {
		return;
	}
	s->pending = HUB_SMTP_UNKNOWN;
	if (r->code == 421) {	/* the Hub is closing: so are we */
		s->up_gone = 1;
		s->state = HUB_UM_CLOSED;
		return;
	}
	s->state = HUB_UM_CMD;
	if (s->draining)
		hub_um_shutdown(s);
	else
		hub_um_input(s);
}

static void
protocol_error(struct hub_um_session *s, int code, const char *esc, const char *text)
{
	reply(s, code, esc, "%s", text);
	if (++s->errors >= s->max_errors) {
		log_limited(LOG_NOTICE, EV_HUB_PROTOCOL,
		    "client %s closed after %d protocol errors", s->client, s->errors);
		reply(s, 421, "4.7.0", "%s Error: too many errors", s->name);
		close_session(s, 1);
	}
}

static void
forward(struct hub_um_session *s, enum hub_smtp_verb v, const char *buf, size_t len)
{
	s->pending = v;
	s->state = HUB_UM_WAIT_REPLY;
	s->ops->up_cmd(s->arg, buf, len);
}

static void
command(struct hub_um_session *s, const char *line, size_t len)
{
	struct hub_smtp_cmd cmd;
	char buf[HUB_SMTP_LINE_MAX + 64];
	size_t n;

	switch (hub_smtp_cmd_parse(line, len, &s->caps, &cmd)) {
	case HUB_SMTP_EUNKNOWN:
		protocol_error(s, 500, "5.5.2", "Error: command not recognized");
		return;
	case HUB_SMTP_ESYNTAX:
		protocol_error(s, 501, "5.5.4", "Syntax error in parameters or arguments");
		return;
	case HUB_SMTP_EPARAM:
		protocol_error(s, 555, "5.5.4", "Unsupported MAIL FROM or RCPT TO parameter");
		return;
	case HUB_SMTP_OK:
		break;
	}
	if (s->up_gone && cmd.verb != HUB_SMTP_QUIT) {
		reply(s, 421, "4.4.2", "%s Hub Transport connection lost, try again later", s->name);
		close_session(s, 0);
		return;
	}
	switch (cmd.verb) {
	case HUB_SMTP_EHLO:
	case HUB_SMTP_HELO:
		s->greeted = 1;
		s->esc = cmd.verb == HUB_SMTP_EHLO && s->caps.enhancedstatuscodes;
		if (s->in_mail)
			forward(s, cmd.verb, "RSET\r\n", 6);	/* EHLO resets the transaction */
		else
			send_ehlo_reply(s, cmd.verb == HUB_SMTP_EHLO);
		return;
	case HUB_SMTP_MAIL:
		if (!s->greeted)
			protocol_error(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		else if (s->in_mail)
			protocol_error(s, 503, "5.5.1", "Error: nested MAIL command");
		else {
			memcpy(s->pending_sender, cmd.path, sizeof(s->pending_sender));
			n = hub_smtp_cmd_format(&cmd, buf, sizeof(buf));
			forward(s, HUB_SMTP_MAIL, buf, n);
		}
		return;
	case HUB_SMTP_RCPT:
		if (!s->in_mail)
			protocol_error(s, 503, "5.5.1", "Error: need MAIL command");
		else {
			n = hub_smtp_cmd_format(&cmd, buf, sizeof(buf));
			forward(s, HUB_SMTP_RCPT, buf, n);
		}
		return;
	case HUB_SMTP_DATA:
		if (!s->in_mail)
			protocol_error(s, 503, "5.5.1", "Error: need MAIL command");
		else if (s->rcpts == 0)
			protocol_error(s, 554, "5.5.1", "Error: no valid recipients");
		else
			forward(s, HUB_SMTP_DATA, "DATA\r\n", 6);
		return;
	case HUB_SMTP_RSET:
		forward(s, HUB_SMTP_RSET, "RSET\r\n", 6);
		return;
	case HUB_SMTP_NOOP:
		reply(s, 250, "2.0.0", "Ok");
		return;
	case HUB_SMTP_QUIT:
		reply(s, 221, "2.0.0", "Bye");
		close_session(s, 1);
		return;
	case HUB_SMTP_VRFY:
		reply(s, 252, "2.0.0", "Cannot VRFY user; try RCPT to attempt delivery");
		return;
	case HUB_SMTP_HELP:
		reply(s, 214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY");
		return;
	case HUB_SMTP_EXPN:
	case HUB_SMTP_STARTTLS:
	case HUB_SMTP_AUTH:
	case HUB_SMTP_BDAT:
	case HUB_SMTP_NOTIMPL:
	default:
		protocol_error(s, 502, "5.5.1", "Error: command not implemented");
		return;
	}
}

/* One command line from the client: 1 handled, 0 need more bytes. */
static int
read_command(struct hub_um_session *s)
{
	size_t eol_len = 0;
	struct evbuffer_ptr p = evbuffer_search_eol(s->in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
	size_t have = evbuffer_get_length(s->in);

	if (p.pos < 0) {
		if (have >= HUB_SMTP_LINE_MAX) {
			evbuffer_drain(s->in, have);
			if (!s->skip_line) {
				s->skip_line = 1;
				protocol_error(s, 500, "5.5.2", "Error: line too long");
			}
		}
		return 0;
	}
	size_t n = (size_t)p.pos;
	if (s->skip_line) {
		evbuffer_drain(s->in, n + eol_len);
		s->skip_line = 0;
		return 1;
	}
	if (n + 2 > HUB_SMTP_LINE_MAX) {
		evbuffer_drain(s->in, n + eol_len);
		protocol_error(s, 500, "5.5.2", "Error: line too long");
		return 1;
	}
	char line[HUB_SMTP_LINE_MAX];
	evbuffer_remove(s->in, line, n);
	evbuffer_drain(s->in, eol_len);
	line[n] = '\0';
	command(s, line, n);
	return 1;
}

/* Message text: to the Hub as it came (DATA) or into the void (DISCARD).
 * Returns 1 to go on, 0 to wait for bytes or room. */
static int
read_data(struct hub_um_session *s)
{
	struct evbuffer_iovec v[16];
	int nv = evbuffer_peek(s->in, -1, NULL, v, 16);
	size_t take = 0, used;
	enum hub_data_result res = HUB_DATA_MORE;

	if (nv > 16)
		nv = 16;
	for (int i = 0; i < nv && res == HUB_DATA_MORE; i++) {
		res = hub_data_scan(&s->scan, v[i].iov_base, v[i].iov_len, &used);
		take += used;
	}
	if (take == 0 && res == HUB_DATA_MORE)
		return 0;
	s->size += take;
	if (res == HUB_DATA_END)
		s->size -= 3;	/* ".\r\n" is not the message */
	if (s->state == HUB_UM_DISCARD) {
		evbuffer_drain(s->in, take);
		if (res != HUB_DATA_END)
			return 1;
		reply(s, s->bad_code, s->bad_esc, "%s", s->bad_text);
		if (s->bad_code / 100 == 5) {
			char what[200];
			snprintf(what, sizeof(what), "reason=\"%s\"", s->bad_text);
			log_failed(s, what);
		}
		reset_transaction(s);
		s->state = HUB_UM_CMD;
		return 1;
	}
	int room = take ? s->ops->up_data(s->arg, s->in, take) : 1;
	switch (res) {
	case HUB_DATA_END:
		s->ops->up_data_end(s->arg);
		s->state = HUB_UM_WAIT_DOT;
		return 0;
	case HUB_DATA_LONG:
	case HUB_DATA_BARE_LF:
		/* Never let the Hub complete this message: drop its session. */
		s->ops->up_abort(s->arg);
		s->up_gone = 1;
		s->state = HUB_UM_DISCARD;
		s->scan.lenient = 1;
		s->bad_code = 554;
		s->bad_esc = "5.6.0";
		s->bad_text = res == HUB_DATA_LONG ?
		    "Message rejected: a text line is longer than 998 characters" :
		    "Message rejected: bare LF in message text (RFC 5321 2.3.8)";
		return 1;
	default:
		s->paused = !room;
		return room;
	}
}

void
hub_um_input(struct hub_um_session *s)
{
	for (;;) {
		int more;
		switch (s->state) {
		case HUB_UM_CMD:
			more = read_command(s);
			break;
		case HUB_UM_DATA:
			more = s->paused ? 0 : read_data(s);
			break;
		case HUB_UM_DISCARD:
			more = read_data(s);
			break;
		default:
			return;
		}
		if (!more)
			return;
	}
}

void
hub_um_resume(struct hub_um_session *s)
{
	s->paused = 0;
	hub_um_input(s);
}

int
hub_um_paused(const struct hub_um_session *s)
{
	return s->state == HUB_UM_DATA && s->paused;
}

void
hub_um_timeout(struct hub_um_session *s)
{
	if (s->state == HUB_UM_CLOSED)
		return;
	if (s->state == HUB_UM_DATA || s->state == HUB_UM_DISCARD)
		log_failed(s, "reason=\"client timed out during DATA\"");
	reply(s, 421, "4.4.2", "%s Error: timeout exceeded", s->name);
	close_session(s, s->state != HUB_UM_DATA);
}

void
hub_um_client_eof(struct hub_um_session *s)
{
	if (s->state == HUB_UM_CLOSED)
		return;
	if (s->state == HUB_UM_DATA || s->state == HUB_UM_DISCARD)
		log_failed(s, "reason=\"client closed the connection during DATA\"");
	else if (s->state == HUB_UM_WAIT_DOT)
		log_failed(s, "reason=\"client closed the connection before the Hub's reply\"");
	close_session(s, s->state != HUB_UM_DATA && s->state != HUB_UM_WAIT_DOT);
}

void
hub_um_shutdown(struct hub_um_session *s)
{
	s->draining = 1;
	if (s->state == HUB_UM_CMD || s->state == HUB_UM_WAIT_UP) {
		if (s->state == HUB_UM_WAIT_UP)
			reply(s, 421, NULL, "%s Service shutting down, try again later", s->name);
		else
			reply(s, 421, "4.3.0", "%s Service shutting down, try again later", s->name);
		close_session(s, s->state == HUB_UM_CMD);
	}
}

int
hub_um_client_timeout(const struct hub_um_session *s)
{
	return s->state == HUB_UM_CMD || s->state == HUB_UM_DATA || s->state == HUB_UM_DISCARD ? s->timeout : 0;
}

int
hub_um_done(const struct hub_um_session *s)
{
	return s->state == HUB_UM_CLOSED;
}
