/* PKCS#10 requests with a pending key, and the import of what the CA issued. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "fsutil.h"
#include "gen_names.h"
#include "generate.h"
#include "request.h"
#include "store.h"
#include "x509util.h"

#define PENDING_SUFFIX ".request.key"

static int
add_req_exts(X509_REQ *r, const char *sans)
{
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans);
	X509_EXTENSION *eku = X509V3_EXT_conf_nid(NULL, NULL, NID_ext_key_usage, "serverAuth,clientAuth");
	int ok = exts && san && eku && sk_X509_EXTENSION_push(exts, san);

	if (ok)
		san = NULL;
	ok = ok && sk_X509_EXTENSION_push(exts, eku);
	if (ok)
		eku = NULL;
	ok = ok && X509_REQ_add_extensions(r, exts);
	X509_EXTENSION_free(san);
	X509_EXTENSION_free(eku);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return ok;
}

static X509_REQ *
build_req(const struct certs_gen *gen, EVP_PKEY *key)
{
	X509_REQ *r = X509_REQ_new();
	X509_NAME *name = NULL;
	char *sans = certs_san_value(gen);
	int ok = r && sans && (name = certs_cn_name(gen->cn)) &&
	    X509_REQ_set_version(r, X509_REQ_VERSION_1) && X509_REQ_set_subject_name(r, name) &&
	    X509_REQ_set_pubkey(r, key) && add_req_exts(r, sans) &&
	    X509_REQ_sign(r, key, EVP_sha256()) > 0;

	X509_NAME_free(name);
	free(sans);
	if (!ok) {
		X509_REQ_free(r);
		r = NULL;
	}
	return r;
}

/* "<cn>-<8 hex of the public key's SHA-1>" */
static void
pending_name(const struct certs_gen *gen, EVP_PKEY *key, char *out, size_t len)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int dlen = i2d_PUBKEY(key, &der);
	char cn[64];

	snprintf(cn, sizeof(cn), "%s", gen->cn);
	for (char *p = cn; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			*p = '_';
	if (dlen > 0)
		EVP_Digest(der, (size_t)dlen, md, &n, EVP_sha1(), NULL);
	OPENSSL_free(der);
	snprintf(out, len, "%s-%02X%02X%02X%02X", cn, n ? md[0] : 0, n ? md[1] : 0, n ? md[2] : 0,
	    n ? md[3] : 0);
}

int
certs_make_request(const char *store, const struct certs_gen *gen, X509_REQ **req,
    char *key_path, size_t key_path_len, char *err, size_t errlen)
{
	EVP_PKEY *key = certs_new_key(gen->key);
	char stem[128], *pem = NULL;
	size_t len = 0;
	BIO *b = NULL;
	long n;
	int r = -1;

	*req = key ? build_req(gen, key) : NULL;
	if (!*req) {
		snprintf(err, errlen, "cannot build a request for \"%s\" (names may not contain , : = or spaces)",
		    gen->cn ? gen->cn : "");
		goto out;
	}
	if (certs_ensure_dir(store, 0700, err, errlen) != 0)
		goto out;
	pending_name(gen, key, stem, sizeof(stem));
	snprintf(key_path, key_path_len, "%s/%s%s", store, stem, PENDING_SUFFIX);
	if ((b = BIO_new(BIO_s_mem())) && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) &&
	    (n = BIO_get_mem_data(b, &pem)) > 0)
		len = (size_t)n;
	if (!len)
		snprintf(err, errlen, "cannot encode the request key");
	else
		r = certs_write_file(key_path, pem, len, 0600, 1, err, errlen);
out:
	if (r != 0) {
		X509_REQ_free(*req);
		*req = NULL;
	}
	if (b && len)
		OPENSSL_cleanse(pem, len);
	BIO_free(b);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}

/* Index of the certificate in certs whose public key is key's, or -1. */
static int
match_key(STACK_OF(X509) *certs, EVP_PKEY *key)
{
	for (int i = 0; key && i < sk_X509_num(certs); i++)
		if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, i)), key) == 1)
			return i;
	ERR_clear_error();
	return -1;
}

/* Looks through the pending keys of store; on a match sets *key and pending. */
static int
find_pending(const char *store, STACK_OF(X509) *certs, EVP_PKEY **key, char *pending, size_t len)
{
	static const char *const sfx[] = { PENDING_SUFFIX, NULL };
	struct dirent **ents;
	int n = certs_list_files(store, sfx, &ents), found = -1;

	for (int i = 0; i < n && found < 0; i++) {
		STACK_OF(X509) *none;
		char err[512];
		snprintf(pending, len, "%s/%s", store, ents[i]->d_name);
		certs_read_bundle(pending, &none, key, err, sizeof(err));
		sk_X509_pop_free(none, X509_free);
		if ((found = match_key(certs, *key)) < 0) {
			EVP_PKEY_free(*key);
			*key = NULL;
		}
	}
	if (n >= 0)
		certs_free_list(ents, n);
	if (found < 0)
		pending[0] = '\0';
	return found;
}

int
certs_import(const char *store, const char *file, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	STACK_OF(X509) *certs;
	EVP_PKEY *key = NULL;
	char pending[1024] = "";
	int leaf, r = -1;

	if (certs_read_bundle(file, &certs, &key, err, errlen) <= 0) {
		if (certs)
			snprintf(err, errlen, "%s holds no certificate (PEM or DER)", file);
		goto out;
	}
	/* A key in the file itself (a bundle from elsewhere), else a pending one. */
	if ((leaf = match_key(certs, key)) < 0) {
		EVP_PKEY_free(key);
		key = NULL;
		leaf = find_pending(store, certs, &key, pending, sizeof(pending));
	}
	if (leaf < 0) {
		snprintf(err, errlen, "no certificate in %s matches a pending request key in %s "
		    "(make the request with: umsbcctl cert request --cn NAME, on this host)", file, store);
		goto out;
	}
	X509 *x = sk_X509_delete(certs, leaf);
	r = certs_store_write(store, x, certs, key, path, pathlen, err, errlen);
	X509_free(x);
	if (r == 0 && pending[0])
		unlink(pending);	/* the key now lives in the store file */
out:
	sk_X509_pop_free(certs, X509_free);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}
