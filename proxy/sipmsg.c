#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/msg_buffer.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/msg_mclass.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_parser.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_alloc.h>

#include "sipmsg.h"

/* Not in sofia-sip's public headers, exported by the library. */
msg_t *msg_next(msg_t *msg);
void msg_set_next(msg_t *msg, msg_t *next);

/* SIP as sofia-sip parses it, but a message whose Content-Length (the one
 * critical header) did not parse stops before its body: otherwise a later
 * Content-Length could make it too large, and a stream's verdict (400 or 413)
 * would depend on how much of it had arrived (found by fuzz_sipframe). */
static issize_t
extract_body(msg_t *msg, msg_pub_t *mo, char b[], isize_t bsiz, int eos)
{
	if (mo->msg_flags & MSG_FLG_ERROR)
		return -1;
	return sip_default_mclass()->mc_extract_body(msg, mo, b, bsiz, eos);
}

static msg_mclass_t *parse_class;

static void
parse_class_init(void)
{
	parse_class = msg_mclass_clone(sip_default_mclass(), 0, 0);
	if (parse_class)
		parse_class->mc_extract_body = extract_body;
}

/* Workers parse too: the class is made once, by whichever thread comes first. */
static msg_mclass_t const *
sipmsg_class(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, parse_class_init);
	return parse_class ? parse_class : sip_default_mclass();
}

enum sipmsg_parse
sipmsg_parse(const void *buf, size_t len, int eos, size_t max, msg_t **out, size_t *used)
{
	msg_t *msg = msg_create(sipmsg_class(), MSG_FLG_EXTRACT_COPY);
	void *p;
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
	if (sip->sip_request->rq_method == sip_method_unknown) {
		*phrase = "Not Implemented";
		return 501;
	}
	if (!scheme_ok(sip->sip_request->rq_url)) {
		*phrase = "Unsupported URI Scheme";
		return 416;
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

char *
sipmsg_response(msg_t *req, int status, const char *phrase, const char *extra,
    size_t *len)
{
	sip_t const *sip = sip_object(req);
	msg_t *rsp;
	sip_t *rs;
	char *text = NULL, *out = NULL;

	/* Only the Via is needed to send it; a 400 for a request missing other
	 * headers copies what there is. */
	if (!sip || !sip->sip_via)
		return NULL;
	if (!(rsp = msg_create(sip_default_mclass(), 0)))
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

char *
sipmsg_print(msg_t *msg, size_t *len)
{
	msg_pub_t *pub = msg_object(msg);
	sip_t *sip = sip_object(msg);

	/* Messages we build have no empty line yet; streams need it. */
	if (sip && !sip->sip_separator &&
	    msg_header_insert(msg, pub, (msg_header_t *)sip_separator_create(msg_home(msg))) < 0)
		return NULL;
	if (msg_serialize(msg, pub) < 0)
		return NULL;
	return msg_as_string(msg_home(msg), msg, pub, 0, len);
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
	msg_t *m = msg_create(sip_default_mclass(), 0);
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

msg_t *
sipmsg_bye(const char *target, const char *from, const char *to, const char *call_id,
    uint32_t cseq, const char *reason)
{
	msg_t *m = msg_create(sip_default_mclass(), 0);

	if (!m)
		return NULL;
	su_home_t *home = msg_home(m);
	if (sip_add_tl(m, sip_object(m),
	    SIPTAG_REQUEST(sip_request_create(home, sip_method_bye, NULL,
	    (url_string_t const *)target, NULL)),
	    SIPTAG_MAX_FORWARDS_STR("70"),
	    SIPTAG_FROM_STR(from), SIPTAG_TO_STR(to),
	    SIPTAG_CALL_ID_STR(call_id),
	    SIPTAG_CSEQ(sip_cseq_create(home, cseq, sip_method_bye, NULL)),
	    SIPTAG_REASON_STR(reason),
	    SIPTAG_USER_AGENT_STR("umsbc/" PACKAGE_VERSION),
	    SIPTAG_CONTENT_LENGTH_STR("0"), TAG_END()) < 0 ||
	    !sip_object(m)->sip_request || !sip_object(m)->sip_from ||
	    !sip_object(m)->sip_to || !sip_object(m)->sip_call_id) {
		msg_destroy(m);
		return NULL;
	}
	return m;
}
