/* Store scanning and the validity of each certificate. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "fsutil.h"
#include "scan.h"
#include "select.h"
#include "x509util.h"

X509_STORE *
certs_trust_open(const char *dir, int system_roots)
{
	static const char *const sfx[] = { ".pem", ".crt", NULL };
	X509_STORE *st = X509_STORE_new();
	struct dirent **ents;
	int n;

	if (!st)
		return NULL;
	if (system_roots)
		X509_STORE_set_default_paths(st);
	n = dir ? certs_list_files(dir, sfx, &ents) : -1;
	for (int i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		X509_STORE_load_file(st, path);	/* a file without certificates is no harm */
	}
	if (n >= 0)
		certs_free_list(ents, n);
	ERR_clear_error();
	return st;
}

static int
check_chain(struct certs_entry *e, X509_STORE *trust, time_t now)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0, code = X509_V_ERR_UNSPECIFIED;

	if (ctx && X509_STORE_CTX_init(ctx, trust, e->cert, e->chain) == 1) {
		/* Judge at the injected time, never at the system clock. */
		X509_STORE_CTX_set_time(ctx, 0, now);
		ok = X509_verify_cert(ctx) == 1;
		code = X509_STORE_CTX_get_error(ctx);
	}
	if (!ok)
		snprintf(e->reason, sizeof(e->reason),
		    "chain does not verify: %s (the issuing CA's root must be in the trust store "
		    "or the system store: umsbcctl cert trust ROOT.pem)",
		    X509_verify_cert_error_string(code));
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static void
judge(struct certs_entry *e, X509_STORE *trust, time_t now)
{
	char t[32];

	e->valid = 0;
	if (e->reason[0])	/* already refused while loading (key file mode, no key) */
		return;
	if (!certs_key_matches(e->cert, e->key)) {
		snprintf(e->reason, sizeof(e->reason), "the private key in %s does not match the certificate",
		    e->key_path);
		return;
	}
	if (now < e->info.nb) {
		certs_format_time(e->info.nb, t, sizeof(t));
		snprintf(e->reason, sizeof(e->reason), "not yet valid (notBefore %s)", t);
		return;
	}
	if (now > e->info.na) {
		certs_format_time(e->info.na, t, sizeof(t));
		snprintf(e->reason, sizeof(e->reason), "expired on %s", t);
		return;
	}
	if (!certs_eku_ok(e->cert)) {
		snprintf(e->reason, sizeof(e->reason),
		    "extended key usage lacks serverAuth or clientAuth (mutual TLS needs both)");
		return;
	}
	/* A self-signed certificate is its own anchor: the peers import it. */
	if (e->info.kind == CERTS_CA_ISSUED && !check_chain(e, trust, now))
		return;
	e->valid = 1;
}

void
certs_judge(struct certs_entry *e, X509_STORE *trust, time_t now)
{
	judge(e, trust, now);
	/* A store keeps old and future certificates: only one refused within
	 * its dates (key, usage, chain) is a mistake to fix. */
	e->faulty = !e->valid && now >= e->info.nb && now <= e->info.na;
}

/* Key of the entry: in its own file, else NAME.key beside NAME.pem/.crt. */
static void
find_key(struct certs_entry *e, EVP_PKEY *inline_key)
{
	char err[512];

	if (inline_key) {
		e->key = inline_key;
		snprintf(e->key_path, sizeof(e->key_path), "%s", e->path);
	} else {
		STACK_OF(X509) *none;
		size_t n = strlen(e->path) - 4;	/* strip ".pem" / ".crt" */
		snprintf(e->key_path, sizeof(e->key_path), "%.*s.key", (int)n, e->path);
		if (access(e->key_path, F_OK) != 0) {
			e->key_path[0] = '\0';
			snprintf(e->reason, sizeof(e->reason), "no private key (neither in %s nor in NAME.key beside it)",
			    e->path);
			return;
		}
		int r = certs_read_bundle(e->key_path, &none, &e->key, err, sizeof(err));
		sk_X509_pop_free(none, X509_free);
		if (!e->key) {
			if (r >= 0)
				snprintf(err, sizeof(err), "%s holds no readable private key", e->key_path);
			snprintf(e->reason, sizeof(e->reason), "%s", err);
			return;
		}
	}
	if (certs_check_key_mode(e->key_path, err, sizeof(err)) != 0) {
		snprintf(e->reason, sizeof(e->reason), "%s", err);
		EVP_PKEY_free(e->key);
		e->key = NULL;
	}
}

/* Fills e from path; 0 if it holds a certificate, -1 if not, -2 with err
 * if it cannot be opened. */
static int
load_entry(const char *path, struct certs_entry *e, time_t now, char *err, size_t errlen)
{
	STACK_OF(X509) *certs;
	EVP_PKEY *key = NULL;
	int n;

	memset(e, 0, sizeof(*e));
	if ((n = certs_read_bundle(path, &certs, &key, err, errlen)) <= 0) {
		sk_X509_pop_free(certs, X509_free);
		EVP_PKEY_free(key);
		return n < 0 ? -2 : -1;
	}
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->cert = sk_X509_shift(certs);
	e->chain = certs;
	certs_info_get(e->cert, now, &e->info);
	find_key(e, key);
	return 0;
}

int
certs_scan(const struct certs_stores *s, time_t now, struct certs_list *out, char *err,
    size_t errlen)
{
	static const char *const sfx[] = { ".pem", ".crt", NULL };
	struct dirent **ents;
	X509_STORE *trust;
	int n;

	memset(out, 0, sizeof(*out));
	out->selected = -1;
	if ((n = certs_list_files(s->cert_store, sfx, &ents)) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "certificate store %s: %s", s->cert_store, strerror(errno));
		return -1;
	}
	trust = certs_trust_open(s->trust_store, s->system_roots);
	out->v = calloc((size_t)n + 1, sizeof(*out->v));
	for (int i = 0; out->v && trust && i < n; i++) {
		char path[1024], why[600];
		snprintf(path, sizeof(path), "%s/%s", s->cert_store, ents[i]->d_name);
		switch (load_entry(path, &out->v[out->n], now, why, sizeof(why))) {
		case 0:
			certs_judge(&out->v[out->n++], trust, now);
			break;
		case -2:
			if (out->n_unreadable++ == 0)
				snprintf(out->unreadable, sizeof(out->unreadable), "%s", why);
			break;
		}
	}
	certs_free_list(ents, n);
	X509_STORE_free(trust);
	if (!out->v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	certs_order(out);
	return 0;
}

void
certs_list_free(struct certs_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		X509_free(l->v[i].cert);
		sk_X509_pop_free(l->v[i].chain, X509_free);
		EVP_PKEY_free(l->v[i].key);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
	l->selected = -1;
}

const struct certs_entry *
certs_selected(const struct certs_list *l)
{
	return l->selected >= 0 ? &l->v[l->selected] : NULL;
}

int
certs_thumbprint_parse(const char *in, char out[41])
{
	size_t k = 0;

	for (; *in; in++) {
		if (*in == ':' || *in == ' ')
			continue;
		if (!isxdigit((unsigned char)*in) || k == 40)
			return -1;
		out[k++] = (char)toupper((unsigned char)*in);
	}
	out[k] = '\0';
	return k == 40 ? 0 : -1;
}

const struct certs_entry *
certs_find(const struct certs_list *l, const char *t)
{
	char want[41];

	if (certs_thumbprint_parse(t, want) != 0)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].info.thumbprint, want) == 0)
			return &l->v[i];
	return NULL;
}
