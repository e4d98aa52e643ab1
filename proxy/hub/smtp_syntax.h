/* SMTP wire syntax for the Hub Transport relay: replies (multi-line, codes,
 * enhanced status codes), EHLO capabilities, and client commands. Pure
 * functions over strings: no sockets, no state beyond the structs. */
#ifndef UMSBC_HUB_SMTP_SYNTAX_H
#define UMSBC_HUB_SMTP_SYNTAX_H

#include <stddef.h>

/* RFC 5321 4.5.3.1: command lines and text lines are at most 1000 octets
 * including the CRLF. */
#define HUB_SMTP_LINE_MAX 1000
#define HUB_SMTP_PATH_MAX 256
#define HUB_SMTP_REPLY_MAX 8192	/* whole (multi-line) reply, as relayed */
#define HUB_SMTP_REPLY_LINES 64

/* One reply, accumulated line by line. */
struct hub_smtp_reply {
	int code;		/* 3 digits, 0 until the first line */
	char esc[16];		/* enhanced status code of the first line, "" if none */
	int nlines;
	int complete;
	size_t len;
	char raw[HUB_SMTP_REPLY_MAX];	/* every line with its CRLF, relayable as is */
};

void hub_smtp_reply_reset(struct hub_smtp_reply *r);
/* Adds one line (without its CRLF). Returns 1 when the reply is complete,
 * 0 when more lines follow, -1 when the line is not a valid reply line
 * (bad code, a code that changes within the reply, too long, too many). */
int hub_smtp_reply_feed(struct hub_smtp_reply *r, const char *line, size_t len);
/* The text of the first line after code and separator, without the CRLF,
 * with non-printable bytes replaced: for the log. */
const char *hub_smtp_reply_summary(const struct hub_smtp_reply *r, char *buf, size_t len);

/* What a server offers in its EHLO reply, as far as the relay cares. */
struct hub_smtp_caps {
	int starttls;
	int size;		/* SIZE offered */
	unsigned long size_max;	/* its limit, 0 = none given */
	int eightbitmime;
	int pipelining;
	int enhancedstatuscodes;
};

/* Parses a complete 250 reply to EHLO. Returns 0, or -1 if it is not one. */
int hub_smtp_caps_parse(const struct hub_smtp_reply *r, struct hub_smtp_caps *caps);

enum hub_smtp_verb {
	HUB_SMTP_UNKNOWN, HUB_SMTP_HELO, HUB_SMTP_EHLO, HUB_SMTP_MAIL, HUB_SMTP_RCPT, HUB_SMTP_DATA,
	HUB_SMTP_RSET, HUB_SMTP_NOOP, HUB_SMTP_QUIT, HUB_SMTP_VRFY, HUB_SMTP_EXPN, HUB_SMTP_HELP,
	HUB_SMTP_STARTTLS, HUB_SMTP_AUTH, HUB_SMTP_BDAT, HUB_SMTP_NOTIMPL,
};

/* The result of parsing one command line. */
enum hub_smtp_parse {
	HUB_SMTP_OK = 0,
	HUB_SMTP_ESYNTAX,		/* 501: arguments wrong */
	HUB_SMTP_EUNKNOWN,		/* 500: not a command */
	HUB_SMTP_EPARAM,		/* 555: MAIL/RCPT parameter not recognised */
};

struct hub_smtp_cmd {
	enum hub_smtp_verb verb;
	const char *name;	/* the verb as we know it, "MAIL" ... */
	char arg[HUB_SMTP_LINE_MAX];	/* HELO/EHLO domain, VRFY argument */
	char path[HUB_SMTP_PATH_MAX + 1];	/* MAIL/RCPT path with its <>, e.g. "<>" */
	int has_size;
	unsigned long size;	/* MAIL SIZE= */
	int body;		/* MAIL BODY=: 0 none, 7 7BIT, 8 8BITMIME */
};

/* Parses one command line (without CRLF). caps says which MAIL parameters
 * are allowed (those of the Hub, since they are relayed). */
enum hub_smtp_parse hub_smtp_cmd_parse(const char *line, size_t len, const struct hub_smtp_caps *caps,
    struct hub_smtp_cmd *cmd);
/* Writes the canonical form of a MAIL or RCPT command with CRLF into buf.
 * Returns its length. */
size_t hub_smtp_cmd_format(const struct hub_smtp_cmd *cmd, char *buf, size_t len);

#endif
