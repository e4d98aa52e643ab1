/* Answering a request that sofia-sip could not read far enough: the headers
 * a response needs are copied from the message's raw text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/bnf.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>

#include "sipmsg.h"
#include "sipmsg_raw.h"

struct outbuf {
	char *b;
	size_t n, cap;
};

static int
out_add(struct outbuf *o, const char *s, size_t n)
{
	if (o->n + n >= o->cap)
		return -1;
	memcpy(o->b + o->n, s, n);
	o->n += n;
	o->b[o->n] = '\0';
	return 0;
}

static int
out_str(struct outbuf *o, const char *s)
{
	return out_add(o, s, strlen(s));
}

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* The bytes of a message whose first line sofia-sip could not read,
 * [*start, *end): the extraction stopped there, so nothing was consumed. */
static int
raw_text(msg_t *msg, const char **start, const char **end)
{
	sip_t const *sip = sip_object(msg);
	const char *s = msg_buf_committed_data(msg);

	if (!s || (sip && (sip->sip_request || sip->sip_status)))
		return -1;
	*start = s;
	*end = s + msg_buf_committed(msg);
	return 0;
}

/* One header line of the raw text at *p (folded lines included): its name
 * [*name, *name + *nlen) and value [*val, *vend). Moves *p past it. Returns
 * 0, or -1 at the empty line or the end of the text. */
static int
raw_header(const char **p, const char *end, const char **name, size_t *nlen,
    const char **val, const char **vend)
{
	const char *s = *p, *e;

	if (s >= end || *s == '\r' || *s == '\n')
		return -1;
	/* The logical line ends at a line break not followed by SP/HT. */
	for (e = s; e < end; e++)
		if (*e == '\n' && !(e + 1 < end && is_wsp(e[1])))
			break;
	*p = e < end ? e + 1 : end;
	*name = s;
	while (s < e && *s != ':')
		s++;
	*nlen = 0;
	*val = *vend = s;
	if (s == e)
		return 0;	/* no colon: not a header we copy */
	*nlen = (size_t)(s - *name);
	while (*nlen && is_wsp((*name)[*nlen - 1]))
		(*nlen)--;
	for (s++; s < e && (is_wsp(*s) || *s == '\r' || *s == '\n'); s++)
		;
	while (e > s && (e[-1] == '\r' || e[-1] == '\n' || is_wsp(e[-1])))
		e--;
	*val = s;
	*vend = e;
	return 0;
}

static int
name_is(const char *name, size_t n, const char *full, const char *compact)
{
	return (n == strlen(full) && strncasecmp(name, full, n) == 0) ||
	    (compact && n == 1 && (name[0] | 0x20) == compact[0]);
}

/* Copies a raw header value, each fold (line break and the blanks after it)
 * made one SP. A value with a NUL or another control character but HT is
 * not copied. */
static int
copy_value(struct outbuf *o, const char *name, const char *v, const char *e, int add_tag)
{
	size_t mark = o->n;
	int tagged = 0;

	if (v == e)
		return 0;
	for (const char *c = v; c < e; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r' && *c != '\n') || *c == 0x7f)
			return 0;
	if (out_str(o, name) < 0 || out_str(o, ": ") < 0)
		return -1;
	for (const char *c = v; c < e; c++) {
		if (*c == '\r' || *c == '\n') {
			while (c + 1 < e && (c[1] == '\r' || c[1] == '\n' || is_wsp(c[1])))
				c++;
			if (out_add(o, " ", 1) < 0)
				return -1;
			continue;
		}
		if (out_add(o, c, 1) < 0)
			return -1;
	}
	if (add_tag) {
		/* ";tag=" in any case, blanks allowed around ";" and "=". */
		for (const char *c = o->b + mark; *c; c++) {
			if (*c != ';')
				continue;
			const char *t = c + 1;
			while (is_wsp(*t))
				t++;
			if (strncasecmp(t, "tag", 3) != 0)
				continue;
			for (t += 3; is_wsp(*t); t++)
				;
			if (*t == '=')
				tagged = 1;
		}
		if (!tagged) {
			char tag[24];
			msg_random_token(tag, 16, NULL, 0);
			if (out_str(o, ";tag=") < 0 || out_str(o, tag) < 0)
				return -1;
		}
	}
	return out_str(o, "\r\n");
}

/* The header lines of a request as they came: from the raw text after the
 * first line when sofia-sip could not read that one, else from the raw text
 * sofia-sip keeps of each header it parsed or failed to (sh_data, sh_len;
 * the header chain is in the order of the message). */
struct rawit {
	const char *p, *end;		/* no request line: the text */
	msg_header_t const *h;		/* else: the next in the chain */
	msg_header_t const *skip;	/* the request line */
};

static int
raw_next(struct rawit *it, const char **name, size_t *nlen, const char **v, const char **ve)
{
	if (!it->skip)
		return raw_header(&it->p, it->end, name, nlen, v, ve);
	while (it->h) {
		msg_header_t const *h = it->h;
		it->h = h->sh_succ;
		if (h == it->skip || !h->sh_data || !h->sh_len ||
		    h->sh_class == sip_payload_class || h->sh_class == sip_separator_class)
			continue;
		const char *q = h->sh_data;
		if (raw_header(&q, q + h->sh_len, name, nlen, v, ve) == 0)
			return 0;
	}
	return -1;
}

/* A response to a request that sofia-sip could not read far enough (its first
 * line, its Via...): Via(s), From, To (with our tag), Call-ID and CSeq copied
 * as raw text where they are (RFC 3261 8.2.6.2: the peer matches by them).
 * Not for what looks like a response, nor for an ACK. */
char *
sipmsg_raw_response(msg_t *req, int status, const char *phrase, const char *extra, size_t *len)
{
	static const struct {
		const char *name, *compact;
		int many, tag;
	} copy[] = {
		{ "Via", "v", 1, 0 }, { "From", "f", 0, 0 }, { "To", "t", 0, 1 },
		{ "Call-ID", "i", 0, 0 }, { "CSeq", NULL, 0, 0 },
	};
	sip_t const *sip = sip_object(req);
	struct rawit first = { NULL, NULL, NULL, NULL };
	size_t size = 0;
	char line[128];
	struct outbuf o = { NULL, 0, 0 };

	if (sip && sip->sip_request) {
		if (sip->sip_request->rq_method == sip_method_ack)
			return NULL;
		first.skip = (msg_header_t const *)sip->sip_request;
		first.h = *msg_chain_head(req);
		for (msg_header_t const *h = first.h; h; h = h->sh_succ)
			size += h->sh_len;
	} else {
		const char *s, *end;
		if (raw_text(req, &s, &end) < 0)
			return NULL;
		while (s < end && (*s == '\r' || *s == '\n'))
			s++;
		/* The request line: Method SP ... SP SIP-Version. */
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			return NULL;
		const char *le = eol;
		while (le > s && (le[-1] == '\r' || is_wsp(le[-1])))
			le--;
		const char *ver = le;
		while (ver > s && !is_wsp(ver[-1]))
			ver--;
		size_t mlen = 0;
		while (s + mlen < le && IS_TOKEN(s[mlen]))
			mlen++;
		if (mlen == 0 || s[mlen] != ' ' || ver <= s + mlen + 1 || le - ver < 5 ||
		    strncasecmp(ver, "SIP/", 4) != 0 || (mlen == 3 && strncmp(s, "ACK", 3) == 0))
			return NULL;
		first.p = eol + 1;
		first.end = end;
		size = (size_t)(end - s);
	}
	/* Each copied line grows at most by its name's long form, ": " and CRLF. */
	o.cap = size * 4 + 1024 + (extra ? strlen(extra) : 0);
	if (size > 1024 * 1024 || !(o.b = malloc(o.cap)))
		return NULL;
	snprintf(line, sizeof(line), "SIP/2.0 %d %s\r\n", status, phrase ? phrase : "");
	if (out_str(&o, line) < 0)
		goto fail;
	for (size_t k = 0; k < sizeof(copy) / sizeof(copy[0]); k++) {
		struct rawit it = first;
		const char *name, *v, *ve;
		size_t nlen;
		int found = 0;
		while (raw_next(&it, &name, &nlen, &v, &ve) == 0) {
			if (!nlen || !name_is(name, nlen, copy[k].name, copy[k].compact) ||
			    (found && !copy[k].many))
				continue;
			found = 1;
			if (copy_value(&o, copy[k].name, v, ve, copy[k].tag && status > 100) < 0)
				goto fail;
		}
	}
	if ((extra && (out_str(&o, extra) < 0 || out_str(&o, "\r\n") < 0)) ||
	    out_str(&o, "Server: umsbc/" PACKAGE_VERSION "\r\nContent-Length: 0\r\n\r\n") < 0)
		goto fail;
	*len = o.n;
	return o.b;
fail:
	free(o.b);
	return NULL;
}

int
sipmsg_is_response_text(msg_t *msg)
{
	sip_t const *sip = sip_object(msg);
	const char *s, *end;

	if (sip && (sip->sip_status || sip->sip_request))
		return sip->sip_status != NULL;
	if (raw_text(msg, &s, &end) < 0)
		return 0;
	while (s < end && (*s == '\r' || *s == '\n'))
		s++;
	return end - s >= 4 && strncasecmp(s, "SIP/", 4) == 0;
}
