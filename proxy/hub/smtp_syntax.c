#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_syntax.h"

void
smtp_reply_reset(struct smtp_reply *r)
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
smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len)
{
	if (r->complete)
		smtp_reply_reset(r);
	if (len < 3 || len > SMTP_LINE_MAX - 2 || r->nlines >= SMTP_REPLY_LINES ||
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
smtp_reply_summary(const struct smtp_reply *r, char *buf, size_t len)
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
smtp_caps_parse(const struct smtp_reply *r, struct smtp_caps *caps)
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
	enum smtp_verb verb;
} verbs[] = {
	{ "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "MAIL", SMTP_MAIL },
	{ "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA }, { "RSET", SMTP_RSET },
	{ "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT }, { "VRFY", SMTP_VRFY },
	{ "EXPN", SMTP_EXPN }, { "HELP", SMTP_HELP }, { "STARTTLS", SMTP_STARTTLS },
	{ "AUTH", SMTP_AUTH }, { "BDAT", SMTP_BDAT }, { "TURN", SMTP_NOTIMPL },
	{ "ETRN", SMTP_NOTIMPL }, { "ATRN", SMTP_NOTIMPL }, { "SEND", SMTP_NOTIMPL },
	{ "SOML", SMTP_NOTIMPL }, { "SAML", SMTP_NOTIMPL },
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
	if (n > SMTP_PATH_MAX || (n == 2 && !allow_empty))
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (n > 2 && !memchr(out, '@', n) && strcasecmp(out, "<postmaster>") != 0)
		return -1;
	*pp = q + 1;
	return 0;
}

static enum smtp_parse
parse_mail_params(const char *p, const char *end, const struct smtp_caps *caps,
    struct smtp_cmd *cmd)
{
	while (p < end) {
		if (*p != ' ')
			return SMTP_ESYNTAX;
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
		if (cmd->verb == SMTP_MAIL && caps && caps->size && kn == 4 &&
		    strncasecmp(w, "SIZE", 4) == 0) {
			if (cmd->has_size || !v || vn == 0 || vn > 11)
				return SMTP_ESYNTAX;
			unsigned long s = 0;
			for (size_t i = 0; i < vn; i++) {
				if (!isdigit((unsigned char)v[i]))
					return SMTP_ESYNTAX;
				s = s * 10 + (unsigned long)(v[i] - '0');
			}
			cmd->has_size = 1;
			cmd->size = s;
		} else if (cmd->verb == SMTP_MAIL && caps && caps->eightbitmime && kn == 4 &&
		    strncasecmp(w, "BODY", 4) == 0) {
			if (cmd->body || !v)
				return SMTP_ESYNTAX;
			if (vn == 4 && strncasecmp(v, "7BIT", 4) == 0)
				cmd->body = 7;
			else if (vn == 8 && strncasecmp(v, "8BITMIME", 8) == 0)
				cmd->body = 8;
			else
				return SMTP_EPARAM;
		} else {
			return SMTP_EPARAM;
		}
	}
	return SMTP_OK;
}

enum smtp_parse
smtp_cmd_parse(const char *line, size_t len, const struct smtp_caps *caps,
    struct smtp_cmd *cmd)
{
	const char *p = line, *end = line + len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->verb = SMTP_UNKNOWN;
	cmd->name = "?";
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return i < 4 ? SMTP_EUNKNOWN : SMTP_ESYNTAX;
	}
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;		/* trailing blanks are tolerated */
	const char *w = p;
	while (p < end && isalpha((unsigned char)*p))
		p++;
	size_t wn = (size_t)(p - w);
	if (p < end && *p != ' ')
		return SMTP_EUNKNOWN;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == wn && strncasecmp(w, verbs[i].name, wn) == 0) {
			cmd->verb = verbs[i].verb;
			cmd->name = verbs[i].name;
		}
	if (cmd->verb == SMTP_UNKNOWN)
		return SMTP_EUNKNOWN;
	const char *a = p;
	while (a < end && *a == ' ')
		a++;
	size_t an = (size_t)(end - a);

	switch (cmd->verb) {
	case SMTP_HELO:
	case SMTP_EHLO:
		if (an == 0 || memchr(a, ' ', an) || memchr(a, '\t', an))
			return SMTP_ESYNTAX;
		memcpy(cmd->arg, a, an);
		cmd->arg[an] = '\0';
		return SMTP_OK;
	case SMTP_MAIL:
	case SMTP_RCPT: {
		const char *kw = cmd->verb == SMTP_MAIL ? "FROM:" : "TO:";
		size_t kl = strlen(kw);
		if (p >= end || *p != ' ' || an < kl || strncasecmp(a, kw, kl) != 0)
			return SMTP_ESYNTAX;
		a += kl;
		while (a < end && *a == ' ')	/* "MAIL FROM: <a@b>" is common */
			a++;
		if (parse_path(&a, end, cmd->path, cmd->verb == SMTP_MAIL) != 0)
			return SMTP_ESYNTAX;
		return parse_mail_params(a, end, caps, cmd);
	}
	case SMTP_DATA:
	case SMTP_RSET:
	case SMTP_QUIT:
	case SMTP_STARTTLS:
		return an == 0 ? SMTP_OK : SMTP_ESYNTAX;
	case SMTP_VRFY:
	case SMTP_EXPN:
		if (an == 0)
			return SMTP_ESYNTAX;
		/* fall through */
	default:
		memcpy(cmd->arg, a, an);
		cmd->arg[an] = '\0';
		return SMTP_OK;
	}
}

size_t
smtp_cmd_format(const struct smtp_cmd *cmd, char *buf, size_t len)
{
	int n;

	if (cmd->verb == SMTP_MAIL) {
		char size[32] = "";
		if (cmd->has_size)
			snprintf(size, sizeof(size), " SIZE=%lu", cmd->size);
		n = snprintf(buf, len, "MAIL FROM:%s%s%s\r\n", cmd->path, size,
		    cmd->body == 8 ? " BODY=8BITMIME" : cmd->body == 7 ? " BODY=7BIT" : "");
	} else if (cmd->verb == SMTP_RCPT) {
		n = snprintf(buf, len, "RCPT TO:%s\r\n", cmd->path);
	} else {
		n = snprintf(buf, len, "%s\r\n", cmd->name);
	}
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}
