#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "certs/info.h"
#include "certs/scan.h"
#include "certs/select.h"
#include "certs/store.h"
#include "conf.h"
#include "log.h"
#include "tls.h"
#include "tls_keylog.h"

/* Modern AEAD suites only for TLS 1.2; TLS 1.3 suites are OpenSSL's defaults. */
static const char cipher_list[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

static SSL_CTX *
make_ctx(const SSL_METHOD *m, const struct conf *c, struct cert_identity *id,
    X509_STORE *trust)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, c->tls.min_version);
	SSL_CTX_set_cipher_list(ctx, cipher_list);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_use_certificate(ctx, id->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, id->key) != 1 ||
	    SSL_CTX_set1_chain(ctx, id->chain) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	X509_STORE_up_ref(trust);
	SSL_CTX_set_cert_store(ctx, trust);
	SSL_CTX_set_verify_depth(ctx, 8);
	tls_keylog_attach(ctx);
	return ctx;
}

/* The selected certificate, or at start a self-signed one made for us.
 * previous: the thumbprint in use, "" if none. */
static int
choose(const struct conf *c, const char *previous, struct certs_choice *ch, char *err,
    size_t errlen)
{
	char host[256], why[900];
	const char *sans[] = { c->fqdn, NULL };
	struct certs_stores st = { c->tls.cert_store, c->tls.trust_store, 1 };
	struct certs_gen gen = { host, sans, 0, CERTS_KEY_EC256 };
	enum certs_when when = previous[0] ? CERTS_ON_RELOAD : CERTS_AT_START;

	if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "%s", c->fqdn);
	host[sizeof(host) - 1] = '\0';
	if (certs_select_or_generate(&st, &gen, when, time(NULL), ch, why, sizeof(why)) != 0) {
		if (when == CERTS_ON_RELOAD)
			snprintf(err, errlen, "certificate store: %s; certificate in use kept (sha1=%s)",
			    why, previous);
		else
			snprintf(err, errlen, "%s", why);
		return -1;
	}
	/* Start-up goes on (the seeds' order), but the mistake is the
	 * operator's to fix, and a reload refuses the store until then. */
	if (ch->faults[0])
		log_event(LOG_ERR, EV_CERT_FAULT, "certificate store %s: %s; not used, and "
		    "reloads fail until this is fixed", c->tls.cert_store, ch->faults);
	if (ch->generated)
		log_event(LOG_NOTICE, EV_CERT_GENERATED,
		    "no valid certificate in %s: generated a self-signed one (%s) file=%s; "
		    "export it for the gateways with: umsbcctl cert export",
		    c->tls.cert_store, ch->why, ch->id.path);
	return 0;
}

int
tls_ctx_load(const struct conf *c, const char *previous, struct tls_ctx *t, char *err,
    size_t errlen)
{
	struct certs_choice ch;
	X509_STORE *trust;
	char before[41];

	/* previous may point into *t (start-up loads into the live context). */
	snprintf(before, sizeof(before), "%s", previous ? previous : "");
	memset(t, 0, sizeof(*t));
	if (choose(c, before, &ch, err, errlen) != 0)
		return -1;
	if (!(trust = certs_load_trust(c->tls.trust_store, err, errlen))) {
		certs_choice_free(&ch);
		return -1;
	}
	t->server = make_ctx(TLS_server_method(), c, &ch.id, trust);
	t->client = make_ctx(TLS_client_method(), c, &ch.id, trust);
	if (t->server) {
		/* Mutual TLS: a gateway without a certificate never gets in. */
		SSL_CTX_set_verify(t->server, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_session_id_context(t->server, (const unsigned char *)"umsbc", 5);
	}
	if (t->client)
		SSL_CTX_set_verify(t->client, SSL_VERIFY_PEER, NULL);
	if (t->server && t->client) {
		char desc[1024];
		certs_describe(ch.id.cert, desc, sizeof(desc));
		snprintf(t->in_use, sizeof(t->in_use), "%s file=%s", desc, ch.id.path);
		snprintf(t->thumbprint, sizeof(t->thumbprint), "%s", ch.info.thumbprint);
		t->not_after = ch.info.na;
		/* The seeds log the certificate when taken into use or changed. */
		if (strcmp(before, t->thumbprint) != 0)
			log_event(LOG_INFO, EV_CERT_IN_USE, "certificate in use: %s kind=%s file=%s (%s)",
			    desc, certs_kind_name(ch.info.kind), ch.id.path, ch.why);
	} else {
		snprintf(err, errlen, "%s: OpenSSL refused the certificate or key: %s", ch.id.path,
		    ERR_reason_error_string(ERR_peek_last_error()));
		tls_ctx_free(t);
	}
	X509_STORE_free(trust);
	certs_choice_free(&ch);
	ERR_clear_error();
	return t->server ? 0 : -1;
}

int
tls_check(const struct conf *c, char *out, size_t outlen, char *err, size_t errlen)
{
	struct certs_stores st = { c->tls.cert_store, c->tls.trust_store, 1 };
	struct certs_list l;
	X509_STORE *trust = certs_load_trust(c->tls.trust_store, err, errlen);
	char why[512];

	if (!trust)
		return -1;
	X509_STORE_free(trust);
	if (certs_scan(&st, time(NULL), &l, why, sizeof(why)) != 0) {
		snprintf(out, outlen, "certificate store: %s; umsbcd will generate a self-signed "
		    "certificate at start", why);
		return 0;
	}
	const struct certs_entry *e = certs_selected(&l);
	char faults[800];
	certs_why(&l, why, sizeof(why));
	snprintf(out, outlen, "%s%s", e ? "certificate: " : "certificate store: ", why);
	if (!e)
		snprintf(out + strlen(out), outlen - strlen(out), "; umsbcd will generate a self-signed one at start");
	if (certs_faults(&l, faults, sizeof(faults)) > 0)	/* start goes on: not an error */
		snprintf(out + strlen(out), outlen - strlen(out), "\nwarning: %s; not used, and "
		    "reloads fail until this is fixed", faults);
	certs_list_free(&l);
	return 0;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	SSL_CTX_free(t->server);
	SSL_CTX_free(t->client);
	t->server = t->client = NULL;
}

int
tls_peer_names(SSL *ssl, char names[][TLS_NAME_LEN], int max)
{
	X509 *x = SSL_get0_peer_certificate(ssl);
	int n = 0;

	if (!x)
		return 0;
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && n < max; i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
		int len = ASN1_STRING_length(g->d.dNSName);
		if (len <= 0 || len >= TLS_NAME_LEN || memchr(s, '\0', len))
			continue;
		memcpy(names[n], s, len);
		names[n++][len] = '\0';
	}
	GENERAL_NAMES_free(sans);
	if (n == 0 && max > 0 &&
	    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
	    names[0], TLS_NAME_LEN) > 0)
		n = 1;
	return n;
}

const char *
tls_failure_reason(SSL *ssl, unsigned long err, char *buf, size_t len)
{
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;

	if (v != X509_V_OK)
		snprintf(buf, len, "certificate verification: %s", X509_verify_cert_error_string(v));
	else if (err)
		snprintf(buf, len, "%s", ERR_reason_error_string(err) ? ERR_reason_error_string(err) : "TLS error");
	else
		snprintf(buf, len, "connection closed during the handshake");
	return buf;
}

static int
has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

enum tls_failure
tls_failure_kind(const char *why)
{
	if (!why)
		return TLS_FAIL_OTHER;
	if (has(why, "timeout"))
		return TLS_FAIL_TIMEOUT;
	if (has(why, "did not return a certificate") || has(why, "certificate required"))
		return TLS_FAIL_NO_CERTIFICATE;
	if (has(why, "certificate") || has(why, "unknown ca"))
		return TLS_FAIL_CERTIFICATE;
	if (has(why, "protocol") || has(why, "version") || has(why, "cipher"))
		return TLS_FAIL_PROTOCOL;
	if (has(why, "closed") || has(why, "reset") || has(why, "Broken pipe"))
		return TLS_FAIL_CLOSED;
	return TLS_FAIL_OTHER;
}

const char *
tls_failure_name(enum tls_failure f)
{
	static const char *const names[TLS_FAIL_COUNT] = {
		"timeout", "closed", "no_certificate", "certificate", "protocol", "other",
	};
	return (unsigned)f < TLS_FAIL_COUNT ? names[f] : "other";
}
