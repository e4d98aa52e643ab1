#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "fsutil.h"
#include "store.h"
#include "x509util.h"

static int
load_pem(const char *path, struct cert_identity *id, char *err, size_t errlen)
{
	struct stat st;
	BIO *b;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!(b = BIO_new_file(path, "r"))) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	id->cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	id->chain = sk_X509_new_null();
	X509 *x;
	while (id->cert && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		sk_X509_push(id->chain, x);
	ERR_clear_error();
	BIO_free(b);
	if (!id->cert) {
		snprintf(err, errlen, "%s: no certificate in it", path);
		return -1;
	}
	if (!(b = BIO_new_file(path, "r")))
		return -1;
	id->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!id->key) {
		snprintf(err, errlen, "%s: no private key in it (a store file holds the certificate followed by its key)", path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s holds a private key but is readable by group or others; fix with: chmod 600 %s",
		    path, path);
		return -1;
	}
	if (X509_check_private_key(id->cert, id->key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: the private key does not match the certificate", path);
		return -1;
	}
	snprintf(id->path, sizeof(id->path), "%s", path);
	return 0;
}

int
certs_load_identity(const char *dir, struct cert_identity *id, char *err, size_t errlen)
{
	static const char *const sfx[] = { ".pem", NULL };
	struct dirent **ents;
	int n = certs_list_files(dir, sfx, &ents);
	char first_err[512] = "";

	memset(id, 0, sizeof(*id));
	if (n < 0) {
		snprintf(err, errlen, "certificate store %s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		char e[512];
		if (load_pem(path, id, e, sizeof(e)) == 0) {
			certs_free_list(ents, n);
			return 0;
		}
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err), "%s", e);
		certs_identity_free(id);
	}
	certs_free_list(ents, n);
	if (first_err[0])
		snprintf(err, errlen, "certificate store %s: no usable certificate: %s", dir, first_err);
	else
		snprintf(err, errlen, "certificate store %s holds no *.pem (certificate followed by its private key)", dir);
	return -1;
}

void
certs_identity_free(struct cert_identity *id)
{
	X509_free(id->cert);
	if (id->chain)
		sk_X509_pop_free(id->chain, X509_free);
	EVP_PKEY_free(id->key);
	memset(id, 0, sizeof(*id));
}

X509_STORE *
certs_load_trust(const char *dir, char *err, size_t errlen)
{
	static const char *const sfx[] = { ".pem", ".crt", NULL };
	struct dirent **ents;
	int n = certs_list_files(dir, sfx, &ents), loaded = 0;
	X509_STORE *st;

	if (n < 0) {
		snprintf(err, errlen, "trust store %s: %s", dir, strerror(errno));
		return NULL;
	}
	st = X509_STORE_new();
	for (int i = 0; st && i < n; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (X509_STORE_load_file(st, path) == 1)
			loaded++;
		ERR_clear_error();
	}
	certs_free_list(ents, n);
	if (st && loaded == 0) {
		snprintf(err, errlen, "trust store %s holds no PEM certificate (*.pem, *.crt): no gateway could be verified", dir);
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

void
certs_thumbprint(X509 *x, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	X509_digest(x, EVP_sha1(), md, &n);
	for (unsigned i = 0; i < n && i < 20; i++)
		sprintf(out + 2 * i, "%02X", md[i]);
	out[40] = '\0';
}

void
certs_describe(X509 *x, char *out, size_t len)
{
	char subj[256], iss[256], serial[128] = "?", thumb[41], after[64] = "?";
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	BIO *b = BIO_new(BIO_s_mem());

	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	X509_NAME_oneline(X509_get_issuer_name(x), iss, sizeof(iss));
	if (hex)
		snprintf(serial, sizeof(serial), "%s", hex);
	if (b && ASN1_TIME_print(b, X509_get0_notAfter(x))) {
		int k = BIO_read(b, after, sizeof(after) - 1);
		after[k > 0 ? k : 0] = '\0';
	}
	certs_thumbprint(x, thumb);
	snprintf(out, len, "subject=\"%s\" issuer=\"%s\" serial=%s sha1=%s notAfter=\"%s\"",
	    subj, iss, serial, thumb, after);
	OPENSSL_free(hex);
	BN_free(bn);
	BIO_free(b);
}

/* Writes leaf (+chain) and key to store/<stem>.pem at 0600. */
int
certs_store_write(const char *store, X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	char stem[128];
	size_t len;
	char *pem;
	int r;

	if (certs_ensure_dir(store, 0700, err, errlen) != 0)
		return -1;
	if (!(pem = certs_pem_encode(leaf, chain, key, &len))) {
		snprintf(err, errlen, "cannot encode the certificate");
		return -1;
	}
	certs_file_stem(leaf, stem, sizeof(stem));
	snprintf(path, pathlen, "%s/%s.pem", store, stem);
	r = certs_write_file(path, pem, len, 0600, 1, err, errlen);
	OPENSSL_cleanse(pem, len);	/* the buffer held the private key */
	free(pem);
	return r;
}
