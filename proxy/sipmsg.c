#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pthread.h>

#include <sofia-sip/bnf.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/msg_parser.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_alloc.h>

#include "sipmsg.h"
#include "sipmsg_raw.h"

/* sofia-sip reads an unknown method as RFC 2396 "unreserved" characters, but
 * RFC 3261's Method is a token, which has "%", "+" and "`" too (RFC 4475
 * intmeth: a proxy forwards it). So the request line and CSeq are decoded as
 * sofia's sip_request_d and sip_cseq_d do, with the method read as a token;
 * the URI, version and number are still sofia's. */
static int
method_d(char *s, sip_method_t *code, const char **name)
{
	if (!*s || s[span_token(s)] != '\0')
		return -1;
	/* sip_method_code() calls a token it does not know invalid, too. */
	*code = sip_method_code(s);
	if (*code == sip_method_invalid)
		*code = sip_method_unknown;
	*name = sip_method_name(*code, s);
	return *name ? 0 : -1;
}

static issize_t
request_d(su_home_t *home, msg_header_t *h, char *s, isize_t slen)
{
	sip_request_t *rq = (sip_request_t *)h;
	char *uri, *version;

	(void)home;
	(void)slen;
	if (msg_firstline_d(s, &uri, &version) < 0 || !uri || !version ||
	    method_d(s, &rq->rq_method, &rq->rq_method_name) < 0 ||
	    url_d(rq->rq_url, uri) < 0 ||
	    sip_version_d(&version, &rq->rq_version) < 0 || *version)
		return -1;
	return 0;
}

static issize_t
cseq_d(su_home_t *home, msg_header_t *h, char *s, isize_t slen)
{
	sip_cseq_t *cs = (sip_cseq_t *)h;
	size_t n;

	(void)home;
	(void)slen;
	if (msg_uint32_d(&s, &cs->cs_seq) < 0 || !(n = (size_t)span_token(s)))
		return -1;
	if (s[n]) {
		if (!IS_LWS(s[n]))
			return -1;
		s[n] = '\0';
		for (n++; IS_LWS(s[n]); n++)
			;
		if (s[n])
			return -1;
	}
	return method_d(s, &cs->cs_method, &cs->cs_method_name);
}

/* A message whose Content-Length (the one critical header) did not parse
 * stops before its body: otherwise a later Content-Length could make it too
 * large, and a stream's verdict (400 or 413) would depend on how much of it
 * had arrived (found by fuzz_sipframe). */
static issize_t
extract_body(msg_t *msg, msg_pub_t *mo, char b[], isize_t bsiz, int eos)
{
	if (mo->msg_flags & MSG_FLG_ERROR)
		return -1;
	return sip_default_mclass()->mc_extract_body(msg, mo, b, bsiz, eos);
}

static struct msg_hclass_s request_class[1], cseq_class[1];
static msg_mclass_t *parse_mclass;
static pthread_once_t parse_once = PTHREAD_ONCE_INIT;

static void
parse_mclass_init(void)
{
	msg_mclass_t *mc = msg_mclass_clone(sip_default_mclass(), 0, 0);
	int found = 0;

	if (!mc)
		return;
	request_class[0] = sip_request_class[0];
	request_class[0].hc_parse = request_d;
	mc->mc_request->hr_class = request_class;
	cseq_class[0] = sip_cseq_class[0];
	cseq_class[0].hc_parse = cseq_d;
	for (int i = 0; i < mc->mc_hash_size; i++)
		if (mc->mc_hash[i].hr_class == sip_cseq_class) {
			mc->mc_hash[i].hr_class = cseq_class;
			found = 1;
		}
	if (!found) {
		free(mc);
		return;
	}
	mc->mc_extract_body = extract_body;
	parse_mclass = mc;
}

/* The message class messages are parsed with (workers call it too). */
static msg_mclass_t const *
parser(void)
{
	pthread_once(&parse_once, parse_mclass_init);
	return parse_mclass ? parse_mclass : sip_default_mclass();
}

/* A message's home gets one preloaded area that its text, headers and
 * parameters are carved from (su_alloc.c), instead of a malloc each: a
 * typical INVITE with SDP, parsed, stamped and printed, fits. Not under
 * AddressSanitizer: there each allocation stays its own, so that the tests
 * and fuzzers still catch a read past a header's end. */
#if defined(__SANITIZE_ADDRESS__)
#define SIPMSG_PRELOAD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIPMSG_PRELOAD 0
#endif
#endif
#ifndef SIPMSG_PRELOAD
#define SIPMSG_PRELOAD 4096
#endif

static msg_t *
new_msg(msg_mclass_t const *mc, int flags)
{
	msg_t *msg = msg_create(mc, flags);

	if (msg && SIPMSG_PRELOAD)
		su_home_preload(msg_home(msg), 1, SIPMSG_PRELOAD);
	return msg;
}

/* A NUL is legal in a header only as a quoted-pair in a quoted string (RFC
 * 3261 25.1; RFC 4475 intmeth has "\\<NUL>" in To), but sofia-sip frames
 * header lines as C strings and would cut the line there. Such a NUL is read
 * as '0', in the text itself: a forwarded To then says "\\0" (the text that is
 * copied out, or sofia-sip's encoding of what it parsed; a C string cannot
 * hold the NUL). Only the header section is looked at. */
static void
hide_quoted_nuls(char *p, size_t len)
{
	int quoted = 0, bol = 1;

	if (!memchr(p, '\0', len))
		return;		/* the common case, at memchr's speed */
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (bol) {
			if (c == '\r' || c == '\n')
				break;		/* the empty line: a body follows */
			if (c != ' ' && c != '\t')
				quoted = 0;	/* a new header, not a folded line */
			bol = 0;
		}
		if (c == '\n')
			bol = 1;
		else if (c == '"')
			quoted = !quoted;
		else if (c == '\\' && quoted && i + 1 < len && p[i + 1] != '\r' && p[i + 1] != '\n') {
			if (p[i + 1] == '\0')
				p[i + 1] = '0';
			i++;
		}
	}
}

enum sipmsg_parse
sipmsg_parse(const void *buf, size_t len, int eos, size_t max, msg_t **out, size_t *used)
{
	msg_t *msg = new_msg(parser(), MSG_FLG_EXTRACT_COPY);
	char *p;
	int r;

	*out = NULL;
	*used = 0;
	if (!msg || !(p = msg_buf_alloc(msg, len + 1))) {
		if (msg)
			msg_destroy(msg);
		return SIPMSG_BAD;
	}
	/* Without a limit sofia-sip believes any Content-Length and asserts when
	 * the allocation fails: a remote abort found by fuzz_sipmsg. */
	msg_maxsize(msg, (usize_t)max);
	memcpy(p, buf, len);
	msg_buf_commit(msg, len, eos);
	hide_quoted_nuls(msg_buf_committed_data(msg), len);	/* committing may move it */
	r = msg_extract(msg);
	if (r == 0 && !eos) {
		msg_destroy(msg);
		return SIPMSG_INCOMPLETE;
	}
	if (r <= 0) {
		*out = msg;	/* may hold the headers read before the error */
		return msg_get_flags(msg, MSG_FLG_TOOLARGE) ? SIPMSG_TOO_LARGE : SIPMSG_BAD;
	}
	msg_t *next = msg_next(msg);
	size_t rest = 0;
	if (next) {
		/* The parser's copy of the rest; the caller keeps its own. */
		rest = msg_buf_committed(next);
		msg_set_next(msg, NULL);
		msg_destroy(next);
	}
	*out = msg;
	/* A body with no room under max is too large, yet complete to sofia-sip
	 * (cut short, all the bytes given taken). And max is checked only against
	 * bodies, with a byte to spare: a message of max + 1 bytes came whole out
	 * of a stream reader's look-ahead. Both found by fuzz_sipframe. */
	if (msg_get_flags(msg, MSG_FLG_TOOLARGE) || len - rest > max)
		return SIPMSG_TOO_LARGE;
	*used = len - rest;
	return SIPMSG_OK;
}

static int
scheme_ok(url_t const *u)
{
	return u && (u->url_type == url_sip || u->url_type == url_sips ||
	    u->url_type == url_tel);
}

/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). A
 * Request-URI whose scheme is not even that is malformed (400), not of an
 * unsupported scheme (416): RFC 4475 ltgtruri, "INVITE <sip:...> SIP/2.0". */
static int
scheme_wellformed(url_t const *u)
{
	const char *s = u ? u->url_scheme : NULL;

	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '+' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

int
sipmsg_check_request(sip_t const *sip, int has_errors, const char **phrase,
    const char **unsupported)
{
	static char tags[256];

	*unsupported = NULL;
	if (!sip->sip_request) {
		*phrase = "Bad Request";
		return 400;
	}
	if (has_errors || sip->sip_error || !sip->sip_via || !sip->sip_from ||
	    !sip->sip_to || !sip->sip_call_id || !sip->sip_cseq) {
		*phrase = "Bad Request";
		return 400;
	}
	if (sip->sip_cseq->cs_method != sip->sip_request->rq_method ||
	    (sip->sip_cseq->cs_method == sip_method_unknown &&
	    strcmp(sip->sip_cseq->cs_method_name, sip->sip_request->rq_method_name) != 0)) {
		*phrase = "Bad Request (CSeq method does not match)";
		return 400;
	}
	if (sip->sip_request->rq_version && strcmp(sip->sip_request->rq_version, "SIP/2.0") != 0) {
		*phrase = "Version Not Supported";
		return 505;
	}
	/* A method we do not know is forwarded all the same (RFC 3261 16.6;
	 * RFC 4475 intmeth): the UM server answers it. */
	url_t const *ruri = sip->sip_request->rq_url;
	if (!scheme_wellformed(ruri)) {
		*phrase = "Bad Request (malformed Request-URI)";
		return 400;
	}
	if (!scheme_ok(ruri)) {
		*phrase = "Unsupported URI Scheme";
		return 416;
	}
	/* Headers are not allowed in a Request-URI (RFC 3261 19.1.1, table 1;
	 * RFC 4475 escruri): answered rather than forwarded with them. */
	if ((ruri->url_type == url_sip || ruri->url_type == url_sips) && ruri->url_headers) {
		*phrase = "Bad Request (headers in the Request-URI)";
		return 400;
	}
	if (sip->sip_max_forwards && sip->sip_max_forwards->mf_count == 0) {
		*phrase = "Too Many Hops";
		return 483;
	}
	if (sip->sip_proxy_require && sip->sip_request->rq_method != sip_method_cancel &&
	    sip->sip_request->rq_method != sip_method_ack) {
		/* We support no extension that a proxy must understand. */
		size_t off = 0;
		msg_param_t const *k = sip->sip_proxy_require->k_items;
		for (; k && *k && off < sizeof(tags) - 2; k++)
			off += snprintf(tags + off, sizeof(tags) - off, "%s%s",
			    off ? ", " : "", *k);
		*unsupported = tags;
		*phrase = "Bad Extension";
		return 420;
	}
	*phrase = NULL;
	return 0;
}

int
sipmsg_check_response(sip_t const *sip)
{
	return sip->sip_status && sip->sip_via && sip->sip_cseq && sip->sip_call_id &&
	    sip->sip_from && sip->sip_to ? 0 : -1;
}

/* Appends h as msg_header_e writes it to the malloc'd b (*cap, *n used). */
static int
put_encoded(char **b, size_t *cap, size_t *n, msg_header_t const *h)
{
	for (;;) {
		issize_t m = msg_header_e(*b + *n, (isize_t)(*cap - *n), h, 0);
		if (m < 0)
			return -1;
		if ((size_t)m < *cap - *n) {
			*n += (size_t)m;
			return 0;
		}
		char *bigger = realloc(*b, 2 * (*n + (size_t)m + 1));
		if (!bigger)
			return -1;
		*b = bigger;
		*cap = 2 * (*n + (size_t)m + 1);
	}
}

/* The 100 Trying each INVITE gets, written straight from the request's
 * parsed headers: the same text as the message sipmsg_response builds and
 * prints (each header as sofia-sip encodes it), without a message made and
 * five headers copied into it for each INVITE. */
static char *
trying(sip_t const *sip, const char *phrase, size_t *len)
{
	static const char tail[] = "Server: umsbc/" PACKAGE_VERSION "\r\nContent-Length: 0\r\n\r\n";
	size_t cap = 1024, n = 0, plen = strlen(phrase);
	char *b = malloc(cap);

	if (!b || plen > 256) {
		free(b);
		return NULL;
	}
	memcpy(b, "SIP/2.0 100 ", 12);
	memcpy(b + 12, phrase, plen);
	memcpy(b + 12 + plen, "\r\n", 2);
	n = 14 + plen;
	int bad = 0;
	for (sip_via_t const *v = sip->sip_via; v && !bad; v = v->v_next)
		bad = put_encoded(&b, &cap, &n, (msg_header_t const *)v);
	msg_header_t const *h[] = { (msg_header_t const *)sip->sip_from,
	    (msg_header_t const *)sip->sip_to, (msg_header_t const *)sip->sip_call_id,
	    (msg_header_t const *)sip->sip_cseq };
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]) && !bad; i++)
		bad = put_encoded(&b, &cap, &n, h[i]);
	char *room = bad || cap - n >= sizeof(tail) ? b : realloc(b, n + sizeof(tail));
	if (bad || !room) {
		free(b);
		return NULL;
	}
	b = room;
	memcpy(b + n, tail, sizeof(tail));
	*len = n + sizeof(tail) - 1;
	return b;
}

char *
sipmsg_response(msg_t *req, int status, const char *phrase, const char *extra,
    size_t *len)
{
	sip_t const *sip = sip_object(req);
	msg_t *rsp;
	sip_t *rs;
	char *text = NULL, *out = NULL;

	if (sip && sip->sip_status)
		return NULL;
	/* A request sofia-sip read in full enough is answered from its parsed
	 * headers; else from the raw text (a Via, From, To, Call-ID or CSeq in
	 * error, or no request line at all: RFC 4475 badinv01, lwsruri). */
	if (!sip || !sip->sip_request || !sip->sip_via || !sip->sip_from ||
	    !sip->sip_to || !sip->sip_call_id || !sip->sip_cseq)
		return sipmsg_raw_response(req, status, phrase, extra, len);
	if (status == 100 && phrase && !extra)
		return trying(sip, phrase, len);
	if (!(rsp = new_msg(sip_default_mclass(), 0)))
		return NULL;
	rs = sip_object(rsp);
	su_home_t *home = msg_home(rsp);
	if (sip_add_tl(rsp, rs, SIPTAG_STATUS(sip_status_create(home, status, phrase, NULL)),
	    SIPTAG_VIA(sip->sip_via), SIPTAG_FROM(sip->sip_from),
	    SIPTAG_TO(sip->sip_to), SIPTAG_CALL_ID(sip->sip_call_id),
	    SIPTAG_CSEQ(sip->sip_cseq), TAG_END()) < 0)
		goto done;
	if (status > 100 && rs->sip_to && !rs->sip_to->a_tag) {
		char tag[24];
		msg_random_token(tag, 16, NULL, 0);
		sip_to_tag(home, rs->sip_to, tag);
	}
	if (extra && sip_add_tl(rsp, rs, SIPTAG_HEADER_STR(extra), TAG_END()) < 0)
		goto done;
	if (sip_add_tl(rsp, rs, SIPTAG_SERVER_STR("umsbc/" PACKAGE_VERSION),
	    SIPTAG_CONTENT_LENGTH_STR("0"), TAG_END()) < 0)
		goto done;
	text = sipmsg_print(rsp, len);
	if (text && (out = malloc(*len + 1)))
		memcpy(out, text, *len + 1);
done:
	msg_destroy(rsp);
	return out;
}

/* Room for m more bytes at b + n; *cap grows by doubling. */
static char *
reserve(su_home_t *home, char *b, size_t *cap, size_t n, size_t m)
{
	if (n + m < *cap)
		return b;
	*cap = 2 * (n + m);
	return su_realloc(home, b, (isize_t)*cap);
}

/* Whether h goes out as it came: it came in and was not changed since
 * (sh_data: the text MSG_FLG_EXTRACT_COPY kept; an edit through sofia-sip
 * clears it), and its text is already in the form sofia-sip writes: one
 * header a line, the full name, no folding. A compact name, a comma list or
 * a folded line is written afresh, so the legacy servers behind us see the
 * same normal form as before. The first line always is (RFC 4475 lwsstart,
 * trws: blanks it may have come with). */
static int
as_it_came(msg_header_t const *h, msg_header_t const *first)
{
	msg_hclass_t const *hc = h->sh_class;
	msg_header_t const *next = h->sh_succ;
	const char *s = h->sh_data;
	size_t len = h->sh_len;

	if (!s || !len || h == first)
		return 0;
	if (hc == sip_payload_class)
		return 1;
	if (next && next->sh_data && !next->sh_len)
		return 0;	/* the first of a comma list */
	if (hc->hc_name && hc->hc_name[0] && (len < (size_t)hc->hc_len + 3 ||
	    strncasecmp(s, hc->hc_name, hc->hc_len) != 0 || s[hc->hc_len] != ':'))
		return 0;
	const char *lf = memchr(s, '\n', len);
	return !lf || lf == s + len - 1;
}

/* Writes the strings p[0..np) one after another into b when they fit with
 * a NUL (cap), and returns their length either way, as snprintf does. */
static size_t
put_pieces(char *b, size_t cap, const char *const *p, size_t np)
{
	size_t total = 0;

	for (size_t i = 0; i < np; i++)
		total += strlen(p[i]);
	if (total >= cap)
		return total;
	for (size_t i = 0; i < np; i++)
		b = stpcpy(b, p[i]);
	return total;
}

/* The request or status line, as sofia-sip's encoder writes it (the same
 * pieces: its own URL_PRINT_ARGS, the status as three digits, 000 out of
 * range), without its snprintf of some twenty %s for each message we
 * forward (1.4 % of umsbcd in the UDP profile). Anything else, or a
 * part missing, goes to msg_header_e. */
static issize_t
first_line_e(char *b, size_t cap, msg_header_t const *h)
{
	/* By encoder: parsed requests have a class of ours (request_d). */
	if (h->sh_class->hc_print == sip_request_class->hc_print) {
		sip_request_t const *rq = (sip_request_t const *)h;
		url_t const *u = rq->rq_url;
		if (rq->rq_method_name && rq->rq_version) {
			const char *const p[] = { rq->rq_method_name, " ", URL_PRINT_ARGS(u), " ",
			    rq->rq_version, "\r\n" };
			return (issize_t)put_pieces(b, cap, p, sizeof(p) / sizeof(p[0]));
		}
	} else if (h->sh_class->hc_print == sip_status_class->hc_print) {
		sip_status_t const *st = (sip_status_t const *)h;
		int code = st->st_status > 999 || st->st_status < 100 ? 0 : st->st_status;
		char digits[4] = { (char)('0' + code / 100), (char)('0' + code / 10 % 10),
		    (char)('0' + code % 10), '\0' };
		if (st->st_version && st->st_phrase) {
			const char *const p[] = { st->st_version, " ", digits, " ", st->st_phrase,
			    "\r\n" };
			return (issize_t)put_pieces(b, cap, p, sizeof(p) / sizeof(p[0]));
		}
	}
	return msg_header_e(b, (isize_t)cap, h, 0);
}

/* Headers as they came where as_it_came says so, the others encoded:
 * msg_as_string would encode them all again (a CSeq or a Max-Forwards
 * through snprintf). */
char *
sipmsg_print(msg_t *msg, size_t *len)
{
	msg_pub_t *pub = msg_object(msg);
	sip_t *sip = sip_object(msg);
	su_home_t *home = msg_home(msg);
	size_t cap = 512, n = 0;
	char *b;

	/* Messages we build have no empty line yet; streams need it. */
	if (sip && !sip->sip_separator &&
	    msg_header_insert(msg, pub, (msg_header_t *)sip_separator_create(home)) < 0)
		return NULL;
	if (msg_serialize(msg, pub) < 0)
		return NULL;
	for (msg_header_t *h = *msg_chain_head(msg); h; h = h->sh_succ)
		cap += h->sh_data ? h->sh_len : 0;
	if (!(b = su_alloc(home, (isize_t)cap)))
		return NULL;
	msg_header_t *first = *msg_chain_head(msg);
	for (msg_header_t *h = first; h; h = h->sh_succ) {
		if (as_it_came(h, first)) {
			if (!(b = reserve(home, b, &cap, n, h->sh_len)))
				return NULL;
			memcpy(b + n, h->sh_data, h->sh_len);
			n += h->sh_len;
			continue;
		}
		issize_t m;
		while ((m = h == first ? first_line_e(b + n, cap - n, h) :
		    msg_header_e(b + n, (isize_t)(cap - n), h, 0)) >= 0 &&
		    (size_t)m >= cap - n)
			if (!(b = reserve(home, b, &cap, n, (size_t)m)))
				return NULL;
		if (m < 0) {
			su_free(home, b);
			return NULL;
		}
		n += (size_t)m;
	}
	b[n] = '\0';
	*len = n;
	return b;
}

const char *
sipmsg_top_branch(sip_t const *sip)
{
	return sip && sip->sip_via ? sip->sip_via->v_branch : NULL;
}

static char *
hop_request(msg_t *req, sip_method_t method, const char *name, sip_to_t const *to, size_t *len)
{
	sip_t const *sip = sip_object(req);
	msg_t *m = new_msg(sip_default_mclass(), 0);
	char *text, *out = NULL;

	if (!m)
		return NULL;
	su_home_t *home = msg_home(m);
	sip_t *s = sip_object(m);
	if (sip_add_tl(m, s,
	    SIPTAG_REQUEST(sip_request_create(home, method, name,
	    (url_string_t const *)sip->sip_request->rq_url, NULL)),
	    SIPTAG_VIA((sip_via_t *)msg_header_copy_one(home, (msg_header_t const *)sip->sip_via)),
	    SIPTAG_ROUTE(sip->sip_route),
	    SIPTAG_MAX_FORWARDS_STR("70"),
	    SIPTAG_FROM(sip->sip_from), SIPTAG_TO(to),
	    SIPTAG_CALL_ID(sip->sip_call_id),
	    SIPTAG_CSEQ(sip_cseq_create(home, sip->sip_cseq->cs_seq, method, name)),
	    SIPTAG_CONTENT_LENGTH_STR("0"), TAG_END()) >= 0 &&
	    (text = sipmsg_print(m, len)) && (out = malloc(*len + 1)))
		memcpy(out, text, *len + 1);
	msg_destroy(m);
	return out;
}

char *
sipmsg_ack(msg_t *req, sip_t const *rsp, size_t *len)
{
	return hop_request(req, sip_method_ack, NULL, rsp->sip_to, len);
}

char *
sipmsg_cancel(msg_t *req, size_t *len)
{
	return hop_request(req, sip_method_cancel, NULL, sip_object(req)->sip_to, len);
}

int
sipmsg_set_body(msg_t *msg, const char *body, size_t len)
{
	sip_t *sip = sip_object(msg);
	su_home_t *home = msg_home(msg);
	sip_payload_t *pl = sip_payload_create(home, body, (isize_t)len);
	sip_content_length_t *cl = sip_content_length_create(home, (uint32_t)len);

	if (!pl || !cl)
		return -1;
	if (sip->sip_payload)
		msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_payload);
	if (msg_header_insert(msg, (msg_pub_t *)sip, (msg_header_t *)pl) < 0)
		return -1;
	if (sip->sip_content_length)
		return msg_header_replace(msg, (msg_pub_t *)sip,
		    (msg_header_t *)sip->sip_content_length, (msg_header_t *)cl);
	return msg_header_insert(msg, (msg_pub_t *)sip, (msg_header_t *)cl);
}

const char *
sipmsg_sdp(sip_t const *sip, size_t *len)
{
	if (!sip->sip_payload || !sip->sip_payload->pl_len || !sip->sip_content_type ||
	    !sip->sip_content_type->c_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0)
		return NULL;
	*len = sip->sip_payload->pl_len;
	return sip->sip_payload->pl_data;
}

/* A request of our own: no Via yet (the transaction stamps it), no body.
 * extra: one more header (NULL = none). */
static msg_t *
own_request(sip_method_t method, const char *target, const char *from, const char *to,
    const char *call_id, uint32_t cseq, const char *extra)
{
	msg_t *m = new_msg(sip_default_mclass(), 0);

	if (!m)
		return NULL;
	su_home_t *home = msg_home(m);
	if (sip_add_tl(m, sip_object(m),
	    SIPTAG_REQUEST(sip_request_create(home, method, NULL, (url_string_t const *)target, NULL)),
	    SIPTAG_MAX_FORWARDS_STR("70"),
	    SIPTAG_FROM_STR(from), SIPTAG_TO_STR(to),
	    SIPTAG_CALL_ID_STR(call_id),
	    SIPTAG_CSEQ(sip_cseq_create(home, cseq, method, NULL)),
	    TAG_IF(extra, SIPTAG_HEADER_STR(extra)),
	    SIPTAG_USER_AGENT_STR("umsbc/" PACKAGE_VERSION),
	    SIPTAG_CONTENT_LENGTH_STR("0"), TAG_END()) < 0 ||
	    !sip_object(m)->sip_request || !sip_object(m)->sip_from ||
	    !sip_object(m)->sip_to || !sip_object(m)->sip_call_id) {
		msg_destroy(m);
		return NULL;
	}
	return m;
}

msg_t *
sipmsg_bye(const char *target, const char *from, const char *to, const char *call_id,
    uint32_t cseq, const char *reason)
{
	char extra[512];

	if (reason)
		snprintf(extra, sizeof(extra), "Reason: %s", reason);
	return own_request(sip_method_bye, target, from, to, call_id, cseq, reason ? extra : NULL);
}

msg_t *
sipmsg_options(const char *target, const char *from, const char *call_id)
{
	char to[300];

	snprintf(to, sizeof(to), "<%s>", target);
	return own_request(sip_method_options, target, from, to, call_id, 1,
	    "Accept: application/sdp");
}

msg_t *
sipmsg_invite(const char *target, const char *from, const char *to, const char *call_id,
    const char *contact, const char *sdp, size_t len)
{
	char extra[300];

	snprintf(extra, sizeof(extra), "Contact: %s", contact);
	msg_t *m = own_request(sip_method_invite, target, from, to, call_id, 1, extra);
	if (m && (msg_header_insert(m, msg_object(m), (msg_header_t *)sip_content_type_make(
	    msg_home(m), "application/sdp")) < 0 || sipmsg_set_body(m, sdp, len) != 0)) {
		msg_destroy(m);
		m = NULL;
	}
	return m;
}

msg_t *
sipmsg_ack_2xx(const char *target, const char *from, const char *to, const char *call_id,
    uint32_t cseq)
{
	return own_request(sip_method_ack, target, from, to, call_id, cseq, NULL);
}
