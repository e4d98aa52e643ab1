#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hub_session.h"

static const char *const state_names[] = {
	"connecting", "greeting", "ehlo", "starttls", "tls-handshake", "ehlo-tls",
	"ready", "command", "data", "end-of-data", "closed",
};

const char *
hub_session_state_name(enum hub_session_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

void
hub_session_init(struct hub_session *up, const struct hub_session_ops *ops, void *arg,
    const char *helo, int timeout, int data_timeout)
{
	memset(up, 0, sizeof(*up));
	up->state = HUB_UP_CONNECTING;
	up->ops = ops;
	up->arg = arg;
	snprintf(up->helo, sizeof(up->helo), "%s", helo);
	up->timeout = timeout;
	up->data_timeout = data_timeout;
	hub_smtp_reply_reset(&up->reply);
}

static void
down(struct hub_session *up, const char *fmt, const char *detail)
{
	char reason[512];

	if (up->state == HUB_UP_CLOSED)
		return;
	snprintf(reason, sizeof(reason), fmt, detail);
	up->state = HUB_UP_CLOSED;
	up->ops->down(up->arg, reason);
}

/* Before READY a failure also says goodbye, in clear if need be: QUIT is the
 * only thing besides EHLO and STARTTLS that goes out without TLS. */
static void
setup_failed(struct hub_session *up, const char *what, const struct hub_smtp_reply *r)
{
	char sum[256], why[400];

	snprintf(why, sizeof(why), "%s: %s", what, hub_smtp_reply_summary(r, sum, sizeof(sum)));
	if (r->code != 421)
		up->ops->send(up->arg, "QUIT\r\n", 6);
	down(up, "%s", why);
}

static void
send_ehlo(struct hub_session *up)
{
	char buf[HUB_NAME_MAX + 8];
	int n = snprintf(buf, sizeof(buf), "EHLO %s\r\n", up->helo);

	up->ops->send(up->arg, buf, (size_t)n);
}

void
hub_session_connected(struct hub_session *up)
{
	if (up->state == HUB_UP_CONNECTING)
		up->state = HUB_UP_GREETING;
}

static void
on_reply(struct hub_session *up, const struct hub_smtp_reply *r)
{
	switch (up->state) {
	case HUB_UP_GREETING:
		if (r->code != 220)
			{ setup_failed(up, "greeting", r); return; }
		up->state = HUB_UP_EHLO;
		send_ehlo(up);
		return;
	case HUB_UP_EHLO: {
		struct hub_smtp_caps c;
		if (r->code != 250 || hub_smtp_caps_parse(r, &c) != 0)
			{ setup_failed(up, "EHLO", r); return; }
		if (!c.starttls)
			{ setup_failed(up, "the Hub does not offer STARTTLS", r); return; }
		up->state = HUB_UP_STARTTLS;
		up->ops->send(up->arg, "STARTTLS\r\n", 10);
		return;
	}
	case HUB_UP_STARTTLS:
		if (r->code != 220)
			{ setup_failed(up, "STARTTLS", r); return; }
		up->state = HUB_UP_HANDSHAKE;
		up->ops->start_tls(up->arg);
		return;
	case HUB_UP_EHLO_TLS:
		if (r->code != 250 || hub_smtp_caps_parse(r, &up->caps) != 0)
			{ setup_failed(up, "EHLO after STARTTLS", r); return; }
		up->state = HUB_UP_READY;
		up->ops->ready(up->arg, &up->caps);
		return;
	case HUB_UP_CMD:
	case HUB_UP_DOT:
		if (up->state == HUB_UP_CMD && r->code == 354)
			up->state = HUB_UP_DATA;
		else
			up->state = r->code == 421 ? HUB_UP_CLOSED : HUB_UP_READY;
		up->ops->reply(up->arg, r);
		return;
	case HUB_UP_READY:
	case HUB_UP_DATA: {
		char sum[256];
		/* Unsolicited: typically 421 on the Hub's own timeout. */
		down(up, "unexpected reply from the Hub: %s", hub_smtp_reply_summary(r, sum, sizeof(sum)));
		return;
	}
	default:
		return;
	}
}

void
hub_session_line(struct hub_session *up, const char *line, size_t len)
{
	if (up->state == HUB_UP_CLOSED || up->state == HUB_UP_CONNECTING || up->state == HUB_UP_HANDSHAKE)
		return;
	int rc = hub_smtp_reply_feed(&up->reply, line, len);
	if (rc < 0) {
		down(up, "%s", "malformed reply from the Hub");
		return;
	}
	if (rc == 1) {
		struct hub_smtp_reply *r = &up->reply;
		on_reply(up, r);
	}
}

void
hub_session_tls_done(struct hub_session *up, int ok, const char *reason)
{
	if (up->state != HUB_UP_HANDSHAKE)
		return;
	if (!ok) {
		down(up, "TLS handshake with the Hub failed: %s", reason ? reason : "?");
		return;
	}
	up->state = HUB_UP_EHLO_TLS;
	hub_smtp_reply_reset(&up->reply);
	send_ehlo(up);
}

void
hub_session_error(struct hub_session *up, const char *reason)
{
	down(up, "%s", reason);
}

void
hub_session_command(struct hub_session *up, const char *buf, size_t len)
{
	if (up->state != HUB_UP_READY)
		return;
	up->state = HUB_UP_CMD;
	up->ops->send(up->arg, buf, len);
}

void
hub_session_data_end(struct hub_session *up)
{
	if (up->state == HUB_UP_DATA)
		up->state = HUB_UP_DOT;
}

void
hub_session_quit(struct hub_session *up)
{
	if (up->state == HUB_UP_CLOSED)
		return;
	if (up->state != HUB_UP_CONNECTING && up->state != HUB_UP_HANDSHAKE && up->state != HUB_UP_DATA)
		up->ops->send(up->arg, "QUIT\r\n", 6);
	up->state = HUB_UP_CLOSED;
}

void
hub_session_abort(struct hub_session *up)
{
	up->state = HUB_UP_CLOSED;
}

int
hub_session_timeout(const struct hub_session *up)
{
	switch (up->state) {
	case HUB_UP_READY:
	case HUB_UP_DATA:
	case HUB_UP_CLOSED:
		return 0;
	case HUB_UP_DOT:
		return up->data_timeout;
	default:
		return up->timeout;
	}
}
