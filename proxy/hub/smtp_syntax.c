#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_syntax.h"

void
hub_smtp_reply_reset(struct hub_smtp_reply *r)
{
	r->code = 0;
	r->esc[0] = '\0';
	r->nlines = 0;
	r->complete = 0;
	r->len = 0;
	r->raw[0] = '\0';
}

/* "D.DDD.DDD" with class 2, 4 or 5, followed by a space or the end. Returns
 * its length, 0 if the text does not start with one. */
static size_t
esc_len(const char *s, size_t n)
{
	size_t i = 0;

	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i]) && i - start < 3)
			i++;
		if (i == start)
			return 0;
		if (part == 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && s[i] != ' ')
		return 0;
	return i;
}

int
hub_smtp_reply_feed(struct hub_smtp_reply *r, const char *line, size_t len)
{
	if (r->complete)
		hub_smtp_reply_reset(r);
	if (len < 3 || len > HUB_SMTP_LINE_MAX - 2 || r->nlines >= HUB_SMTP_REPLY_LINES ||
	    r->len + len + 3 > sizeof(r->raw))
		return -1;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    !isdigit((unsigned char)line[2]))
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n')
			return -1;
	int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines == 0) {
		r->code = code;
		size_t e = len > 4 ? esc_len(line + 4, len - 4) : 0;
		/* The class of an enhanced code must agree with the reply code. */
		if (e && e < sizeof(r->esc) && line[4] == line[0]) {
			memcpy(r->esc, line + 4, e);
			r->esc[e] = '\0';
		}
	} else if (code != r->code) {
		return -1;
	}
	memcpy(r->raw + r->len, line, len);
	r->len += len;
	memcpy(r->raw + r->len, "\r\n", 3);
	r->len += 2;
	r->nlines++;
	r->complete = len == 3 || line[3] == ' ';
	return r->complete;
}

const char *
hub_smtp_reply_summary(const struct hub_smtp_reply *r, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return buf;
	for (size_t i = 0; i < r->len && r->raw[i] != '\r' && o + 1 < len; i++) {
		unsigned char ch = (unsigned char)r->raw[i];
		buf[o++] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? (char)ch : '?';
	}
	buf[o] = '\0';
	return buf;
}

int
hub_smtp_caps_parse(const struct hub_smtp_reply *r, struct hub_smtp_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	if (!r->complete || r->code != 250)
		return -1;
	const char *p = r->raw, *end = r->raw + r->len;
	/* The first line is the server's name and greeting, not a keyword. */
	for (int n = 0; p < end; n++) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol)
			break;
		if (n > 0 && eol - p > 4) {
			char kw[64];
			const char *t = p + 4;
			size_t k = 0;
			while (t < eol && *t != ' ' && *t != '=' && k + 1 < sizeof(kw))
				kw[k++] = *t++;
			kw[k] = '\0';
			while (t < eol && (*t == ' ' || *t == '='))
				t++;
			if (strcasecmp(kw, "STARTTLS") == 0)
				caps->starttls = 1;
			else if (strcasecmp(kw, "8BITMIME") == 0)
				caps->eightbitmime = 1;
			else if (strcasecmp(kw, "PIPELINING") == 0)
				caps->pipelining = 1;
			else if (strcasecmp(kw, "ENHANCEDSTATUSCODES") == 0)
				caps->enhancedstatuscodes = 1;
			else if (strcasecmp(kw, "SIZE") == 0) {
				caps->size = 1;
				caps->size_max = 0;
				while (t < eol && isdigit((unsigned char)*t) &&
				    caps->size_max < 100000000000UL)
					caps->size_max = caps->size_max * 10 + (unsigned long)(*t++ - '0');
			}
		}
		p = eol + 2;
	}
	return 0;
}

/* ---- commands ---- */

static const struct {
	const char *name;
	enum hub_smtp_verb verb;
} verbs[] = {
	{ "HELO", HUB_SMTP_HELO }, { "EHLO", HUB_SMTP_EHLO }, { "MAIL", HUB_SMTP_MAIL },
	{ "RCPT", HUB_SMTP_RCPT }, { "DATA", HUB_SMTP_DATA }, { "RSET", HUB_SMTP_RSET },
	{ "NOOP", HUB_SMTP_NOOP }, { "QUIT", HUB_SMTP_QUIT }, { "VRFY", HUB_SMTP_VRFY },
	{ "EXPN", HUB_SMTP_EXPN }, { "HELP", HUB_SMTP_HELP }, { "STARTTLS", HUB_SMTP_STARTTLS },
	{ "AUTH", HUB_SMTP_AUTH }, { "BDAT", HUB_SMTP_BDAT }, { "TURN", HUB_SMTP_NOTIMPL },
	{ "ETRN", HUB_SMTP_NOTIMPL }, { "ATRN", HUB_SMTP_NOTIMPL }, { "SEND", HUB_SMTP_NOTIMPL },
	{ "SOML", HUB_SMTP_NOTIMPL }, { "SAML", HUB_SMTP_NOTIMPL },
};

/* A path "<...>": printable ASCII without spaces or angle brackets inside. */
static int
parse_path(const char **pp, const char *end, char *out, int allow_empty)
{
	const char *p = *pp;

	if (p >= end || *p != '<')
		return -1;
	const char *q = p + 1;
	while (q < end && *q != '>') {
		if (*q <= 0x20 || *q >= 0x7f || *q == '<')
			return -1;
		q++;
	}
	if (q >= end)
		return -1;
	size_t n = (size_t)(q - p) + 1;
	if (n > HUB_SMTP_PATH_MAX || (n == 2 && !allow_empty))
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (n > 2 && !memchr(out, '@', n) && strcasecmp(out, "<postmaster>") != 0)
		return -1;
	*pp = q + 1;
	return 0;
}

static enum hub_smtp_parse
parse_mail_params(const char *p, const char *end, const struct hub_smtp_caps *caps,
    struct hub_smtp_cmd *cmd)
{
	while (p < end) {
		if (*p != ' ')
			return HUB_SMTP_ESYNTAX;
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		size_t n = (size_t)(p - w);
		const char *eq = memchr(w, '=', n);
		size_t kn = eq ? (size_t)(eq - w) : n;
		const char *v = eq ? eq + 1 : NULL;
		size_t vn = eq ? (size_t)(p - v) : 0;
		if (cmd->verb == HUB_SMTP_MAIL && caps && caps->size && kn == 4 &&
		    strncasecmp(w, "SIZE", 4) == 0) {
			if (cmd->has_size || !v || vn == 0 || vn > 11)
				return HUB_SMTP_ESYNTAX;
			unsigned long s = 0;
			for (size_t i = 0; i < vn; i++) {
				if (!isdigit((unsigned char)v[i]))
					return HUB_SMTP_ESYNTAX;
				s = s * 10 + (unsigned long)(v[i] - '0');
			}
			cmd->has_size = 1;
			cmd->size = s;
		} else if (cmd->verb == HUB_SMTP_MAIL && caps && caps->eightbitmime && kn == 4 &&
		    strncasecmp(w, "BODY", 4) == 0) {
			if (cmd->body || !v)
				return HUB_SMTP_ESYNTAX;
			if (vn == 4 && strncasecmp(v, "7BIT", 4) == 0)
				cmd->body = 7;
			else if (vn == 8 && strncasecmp(v, "8BITMIME", 8) == 0)
				cmd->body = 8;
			else
				return HUB_SMTP_EPARAM;
		} else {
			return HUB_SMTP_EPARAM;
		}
	}
	return HUB_SMTP_OK;
}

enum hub_smtp_parse
hub_smtp_cmd_parse(const char *line, size_t len, const struct hub_smtp_caps *caps,
    struct hub_smtp_cmd *cmd)
{
	const char *p = line, *end = line + len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = HUB_SMTP_UNKNOWN;
	cmd->name = "?";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return i < 4 ? HUB_SMTP_EUNKNOWN : HUB_SMTP_ESYNTAX;
	}
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;		/* trailing blanks are tolerated */
	const char *w = p;
	while (p < end && isalpha((unsigned char)*p))
		p++;
	size_t wn = (size_t)(p - w);
	if (p < end && *p != ' ')
		return HUB_SMTP_EUNKNOWN;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == wn && strncasecmp(w, verbs[i].name, wn) == 0) {
			cmd->verb = verbs[i].verb;
			cmd->name = verbs[i].name;
		}
	if (cmd->verb == HUB_SMTP_UNKNOWN)
		return HUB_SMTP_EUNKNOWN;
	const char *a = p;
	while (a < end && *a == ' ')
		a++;
	size_t an = (size_t)(end - a);

	switch (cmd->verb) {
	case HUB_SMTP_HELO:
	case HUB_SMTP_EHLO:
		if (an == 0 || memchr(a, ' ', an) || memchr(a, '\t', an))
			return HUB_SMTP_ESYNTAX;
		memcpy(cmd->arg, a, an);
		cmd->arg[an] = '\0';
		return HUB_SMTP_OK;
	case HUB_SMTP_MAIL:
	case HUB_SMTP_RCPT: {
		const char *kw = cmd->verb == HUB_SMTP_MAIL ? "FROM:" : "TO:";
		size_t kl = strlen(kw);
		if (p >= end || *p != ' ' || an < kl || strncasecmp(a, kw, kl) != 0)
			return HUB_SMTP_ESYNTAX;
		a += kl;
		while (a < end && *a == ' ')	/* "MAIL FROM: <a@b>" is common */
			a++;
		if (parse_path(&a, end, cmd->path, cmd->verb == HUB_SMTP_MAIL) != 0)
			return HUB_SMTP_ESYNTAX;
		return parse_mail_params(a, end, caps, cmd);
	}
	case HUB_SMTP_DATA:
	case HUB_SMTP_RSET:
	case HUB_SMTP_QUIT:
	case HUB_SMTP_STARTTLS:
		return an == 0 ? HUB_SMTP_OK : HUB_SMTP_ESYNTAX;
	case HUB_SMTP_VRFY:
	case HUB_SMTP_EXPN:
		if (an == 0)
			return HUB_SMTP_ESYNTAX;
		/* fall through */
	default:
		memcpy(cmd->arg, a, an);
		cmd->arg[an] = '\0';
		return HUB_SMTP_OK;
	}
}

size_t
hub_smtp_cmd_format(const struct hub_smtp_cmd *cmd, char *buf, size_t len)
{
	int n;

	if (cmd->verb == HUB_SMTP_MAIL) {
		char size[32] = "";
		if (cmd->has_size)
			snprintf(size, sizeof(size), " SIZE=%lu", cmd->size);
		n = snprintf(buf, len, "MAIL FROM:%s%s%s\r\n", cmd->path, size,
		    cmd->body == 8 ? " BODY=8BITMIME" : cmd->body == 7 ? " BODY=7BIT" : "");
	} else if (cmd->verb == HUB_SMTP_RCPT) {
		n = snprintf(buf, len, "RCPT TO:%s\r\n", cmd->path);
	} else {
		n = snprintf(buf, len, "%s\r\n", cmd->name);
	}
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}
