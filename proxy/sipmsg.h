/* SIP messages through sofia-sip: framing, validation (RFC 3261 16.3),
 * locally generated responses and serialisation. No socket in here. */
#ifndef UMSBC_SIPMSG_H
#define UMSBC_SIPMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>

enum sipmsg_parse {
	SIPMSG_INCOMPLETE = 0,	/* stream: wait for more bytes */
	SIPMSG_OK = 1,
	SIPMSG_BAD = -1,	/* unparsable: *out may still hold what was read */
	SIPMSG_TOO_LARGE = -2,	/* announces more than max bytes: 413; *out likewise */
};

/* Parses the first message in buf. eos = 1 for a datagram (all of it is one
 * message). A message announcing more than max bytes is SIPMSG_TOO_LARGE. On
 * SIPMSG_OK, *used is the number of bytes the message took. */
enum sipmsg_parse sipmsg_parse(const void *buf, size_t len, int eos, size_t max,
    msg_t **out, size_t *used);

/* Checks a request per RFC 3261 16.3 (and 8.2.2). Returns 0 when it may be
 * proxied, else the status code to answer with and *phrase. *unsupported gets
 * the option tags of a 420 (a static buffer, valid until the next call). */
int sipmsg_check_request(sip_t const *sip, int has_errors, const char **phrase,
    const char **unsupported);

/* Whether msg (parsed or not) is a response: its first line is a status
 * line. A response that does not parse is dropped, never answered. */
int sipmsg_is_response_text(msg_t *msg);

/* Checks a response enough to route it: Via, CSeq, Call-ID present. */
int sipmsg_check_response(sip_t const *sip);

/* Builds the text of a response to req. extra: a header line without CRLF,
 * or NULL. Returns a malloc'ed string (caller frees) or NULL (req is a
 * response, an ACK, or not even a request line). A request sofia-sip could
 * not read in full (no request line, or Via, From, To, Call-ID or CSeq in
 * error) is answered with those headers copied from its raw text. */
char *sipmsg_response(msg_t *req, int status, const char *phrase,
    const char *extra, size_t *len);

/* The ACK for a non-2xx final response (rsp) to the INVITE we forwarded
 * (req), and the CANCEL of it: same Request-URI, top Via, Route, Call-ID
 * and CSeq number (RFC 3261 9.1, 17.1.1.3). malloc'ed text. */
char *sipmsg_ack(msg_t *req, sip_t const *rsp, size_t *len);
char *sipmsg_cancel(msg_t *req, size_t *len);

/* Replaces the body (and Content-Length) of msg; Content-Type stays. 0/-1. */
int sipmsg_set_body(msg_t *msg, const char *body, size_t len);
/* The SDP body of msg (Content-Type application/sdp), or NULL. */
const char *sipmsg_sdp(sip_t const *sip, size_t *len);

/* A BYE of our own, within a dialog we proxy (media timeout, gateway removed
 * by a reload): no Via yet, the caller stamps it. NULL on bad input. */
msg_t *sipmsg_bye(const char *target, const char *from, const char *to,
    const char *call_id, uint32_t cseq, const char *reason);

/* An OPTIONS of our own to target (a probe), To = the target, no Via yet.
 * NULL on bad input. */
msg_t *sipmsg_options(const char *target, const char *from, const char *call_id);

/* umsbcctl's test call: its INVITE with an SDP offer, and the ACK of the
 * 2xx (a transaction of its own, RFC 3261 13.2.2.4). No Via yet. NULL on
 * bad input. */
msg_t *sipmsg_invite(const char *target, const char *from, const char *to,
    const char *call_id, const char *contact, const char *sdp, size_t len);
msg_t *sipmsg_ack_2xx(const char *target, const char *from, const char *to,
    const char *call_id, uint32_t cseq);

/* Serialises msg after edits. Returns memory of msg's home (freed with it). */
char *sipmsg_print(msg_t *msg, size_t *len);

/* Whether the branch of the top Via carries the RFC 3261 magic cookie. */
const char *sipmsg_top_branch(sip_t const *sip);

#endif
