#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sofia-sip/su_alloc.h>

#include "sdp_rewrite.h"

/* Attributes that describe the peer's own transport: they must not cross us. */
static const char *const transport_attrs[] = {
	"crypto", "rtcp", "candidate", "remote-candidates", "ice-ufrag", "ice-pwd",
	"ice-options", "ice-lite", "end-of-candidates", "fingerprint", "setup", NULL,
};

static void
copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void
read_stream(const sdp_session_t *sess, const sdp_media_t *m, struct sdpr_stream *s)
{
	const sdp_connection_t *c = m->m_connections ? m->m_connections : sess->sdp_connection;
	const sdp_attribute_t *a;

	copy(s->media, sizeof(s->media), m->m_type_name);
	s->kind = m->m_proto == sdp_proto_rtp || m->m_proto == sdp_proto_srtp ? SDPR_RTP :
	    m->m_proto == sdp_proto_udptl ? SDPR_UDPTL : SDPR_OTHER;
	s->secure = m->m_proto == sdp_proto_srtp;
	s->port = m->m_rejected ? 0 : (unsigned)m->m_port;
	s->mode = (int)m->m_mode;
	if (c)
		copy(s->addr, sizeof(s->addr), c->c_address);
	for (a = m->m_attributes; a; a = a->a_next) {
		if (strcasecmp(a->a_name, "rtcp-mux") == 0)
			s->rtcp_mux = 1;
		else if (strcasecmp(a->a_name, "rtcp") == 0 && a->a_value)
			s->rtcp_port = (unsigned)strtoul(a->a_value, NULL, 10);
		else if (strcasecmp(a->a_name, "crypto") == 0 && a->a_value &&
		    s->n_crypto < SDPR_MAX_CRYPTO)
			copy(s->crypto[s->n_crypto++], SDPR_CRYPTO_LEN, a->a_value);
	}
}

/* RFC 4566 token characters. */
static int
token_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    (ch && strchr("!#$%&'*+-.^_`{|}~", ch) != NULL);
}

/* One field of an m= line: 0 media (token), 1 port[/count] (digits),
 * 2 proto (tokens joined by '/'), 3+ fmt (token). */
static int
media_field_ok(int field, const char *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		char ch = p[k];
		int slash_ok = (field == 1 || field == 2) && k > 0 && k + 1 < n && p[k - 1] != '/';
		if (ch == '/' && slash_ok)
			continue;
		if (field == 1 ? !(ch >= '0' && ch <= '9') : !token_char(ch))
			return 0;
	}
	return 1;
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... with RFC 4566 characters:
 * sofia-sip allocates gigabytes for a format like "/" or ":" of an unknown
 * protocol (found by fuzz_sdp). */
static int
media_line_ok(const char *p, size_t len)
{
	size_t i = 0;
	int fields = 0;

	while (i < len && p[i] != '\r' && p[i] != '\n') {
		size_t start = i;
		while (i < len && p[i] != ' ' && p[i] != '\r' && p[i] != '\n')
			i++;
		if (i == start || !media_field_ok(fields, p + start, i - start))
			return 0;	/* an empty field (two spaces) or a stray character */
		fields++;
		if (i < len && p[i] == ' ')
			i++;
	}
	return fields >= 4;
}

/* Fields of a line up to its end, for the lines whose shape is fixed. */
static size_t
count_fields(const char *p, size_t len)
{
	size_t n = 0, i = 0;

	while (i < len && p[i] != '\r' && p[i] != '\n') {
		if (p[i] == ' ')
			return 0;	/* empty field */
		n++;
		while (i < len && p[i] != ' ' && p[i] != '\r' && p[i] != '\n')
			i++;
		if (i < len && p[i] == ' ')
			i++;
	}
	return n;
}

static int
line_shape_ok(char type, const char *p, size_t len)
{
	switch (type) {
	case 'm': return media_line_ok(p, len);
	case 'o': return count_fields(p, len) == 6;
	case 'c': return count_fields(p, len) == 3;
	case 't': return count_fields(p, len) == 2;
	default: return 1;
	}
}

/* RFC 4566 lines only, before sofia-sip sees them: fuzz_sdp found a body
 * (stray lines, bytes >= 0x80 in m= and c=) on which sdp_parse allocates
 * gigabytes. Text other than s=, i= and a= values is ASCII. */
static int
lines_ok(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (len - i < 2 || body[i] < 'a' || body[i] > 'z' || body[i + 1] != '=')
			return 0;
		int utf8 = body[i] == 's' || body[i] == 'i' || body[i] == 'a';
		if (!line_shape_ok(body[i], body + i + 2, len - i - 2))
			return 0;
		for (i += 2; i < len && body[i] != '\n'; i++) {
			unsigned char ch = (unsigned char)body[i];
			if ((ch < 0x20 && ch != '\r' && ch != '\t') || ch == 0x7f || (ch >= 0x80 && !utf8))
				return 0;
			if (ch == '\r' && i + 1 < len && body[i + 1] != '\n')
				return 0;	/* a CR only ends a line */
		}
		i++;
	}
	return 1;
}

int
sdpr_read(struct sdpr *d, const char *body, size_t len, const char **why)
{
	memset(d, 0, sizeof(*d));
	su_home_init(d->home);
	if (!lines_ok(body, len)) {
		*why = "not RFC 4566 lines";
		return -1;
	}
	/* sdp_parse reads past msgsize on some bodies (fuzz_sdp: an unterminated
	 * buffer made it allocate gigabytes): give it a terminated copy. */
	char *copy0 = su_alloc(d->home, len + 1);
	if (!copy0) {
		*why = "out of memory";
		return -1;
	}
	memcpy(copy0, body, len);
	copy0[len] = '\0';
	d->parser = sdp_parse(d->home, copy0, (issize_t)len, sdp_f_insane);
	if (sdp_parsing_error(d->parser)) {
		*why = sdp_parsing_error(d->parser);
		return -1;
	}
	d->sess = sdp_session(d->parser);
	if (!d->sess || !d->sess->sdp_origin) {
		*why = "no session";
		return -1;
	}
	d->o_version = d->sess->sdp_origin->o_version;
	for (sdp_media_t *m = d->sess->sdp_media; m; m = m->m_next) {
		if (d->n == SDPR_MAX_STREAMS) {
			*why = "too many m= lines";
			return -1;
		}
		read_stream(d->sess, m, &d->s[d->n++]);
	}
	return 0;
}

void
sdpr_free(struct sdpr *d)
{
	if (d->parser)
		sdp_parser_free(d->parser);
	su_home_deinit(d->home);
	d->parser = NULL;
	d->sess = NULL;
}

static sdp_connection_t *
connection(su_home_t *home, const char *addr)
{
	sdp_connection_t *c = su_zalloc(home, sizeof(*c));

	if (!c)
		return NULL;
	c->c_size = sizeof(*c);
	c->c_nettype = sdp_net_in;
	c->c_addrtype = strchr(addr, ':') ? sdp_addr_ip6 : sdp_addr_ip4;
	c->c_address = su_strdup(home, addr);
	return c;
}

static int
add_attr(su_home_t *home, sdp_attribute_t **list, const char *name, const char *value)
{
	sdp_attribute_t *a = su_zalloc(home, sizeof(*a));

	if (!a)
		return -1;
	a->a_size = sizeof(*a);
	a->a_name = name;
	a->a_value = value ? su_strdup(home, value) : NULL;
	sdp_attribute_append(list, a);
	return 0;
}

static void
strip_transport(sdp_attribute_t **list)
{
	for (const char *const *n = transport_attrs; *n; n++)
		while (sdp_attribute_remove(list, *n))
			;
	while (sdp_attribute_remove(list, "rtcp-mux"))
		;
}

static int
write_stream(su_home_t *home, sdp_media_t *m, const struct sdpr_stream *s,
    const struct sdpr_leg *leg, int i)
{
	m->m_connections = NULL;	/* the session's c= (ours) applies */
	strip_transport(&m->m_attributes);
	if (s->kind == SDPR_OTHER || leg->port[i] == 0 || s->port == 0) {
		m->m_port = 0;		/* rejected stays rejected; what we cannot relay is */
		m->m_rejected = 1;
		return 0;
	}
	m->m_port = leg->port[i];
	if (s->kind == SDPR_RTP) {
		m->m_proto = leg->secure ? sdp_proto_srtp : sdp_proto_rtp;
		m->m_proto_name = leg->secure ? "RTP/SAVP" : "RTP/AVP";
		for (int k = 0; leg->secure && leg->crypto[i][k]; k++)
			if (add_attr(home, &m->m_attributes, "crypto", leg->crypto[i][k]) < 0)
				return -1;
	}
	if (leg->rtcp_mux[i] && add_attr(home, &m->m_attributes, "rtcp-mux", NULL) < 0)
		return -1;
	return 0;
}

char *
sdpr_write(struct sdpr *d, const struct sdpr_leg *leg, size_t *len)
{
	sdp_session_t *sess = d->sess;
	sdp_connection_t *c = connection(d->home, leg->addr);
	sdp_media_t *m;
	int i = 0;

	if (!sess || !c)
		return NULL;
	sess->sdp_connection = c;
	sess->sdp_origin->o_address = c;
	sess->sdp_origin->o_version = leg->o_version;
	strip_transport(&sess->sdp_attributes);
	for (m = sess->sdp_media; m; m = m->m_next, i++)
		if (write_stream(d->home, m, &d->s[i], leg, i) < 0)
			return NULL;

	sdp_printer_t *p = sdp_print(d->home, sess, NULL, 0, 0);
	char *out = NULL;
	if (p && sdp_message(p)) {
		*len = (size_t)sdp_message_size(p);
		if ((out = malloc(*len + 1)))
			memcpy(out, sdp_message(p), *len + 1);
	}
	if (p)
		sdp_printer_free(p);
	return out;
}
