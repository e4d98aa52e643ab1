/* Keys and self-signed certificates. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "generate.h"
#include "gen_names.h"
#include "store.h"

int
certs_key_type_parse(const char *s, enum certs_key_type *out)
{
	if (strcmp(s, "ec256") == 0)
		*out = CERTS_KEY_EC256;
	else if (strcmp(s, "rsa2048") == 0)
		*out = CERTS_KEY_RSA2048;
	else
		return -1;
	return 0;
}

EVP_PKEY *
certs_new_key(enum certs_key_type t)
{
	return t == CERTS_KEY_RSA2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

/* 128 random bits, top bit clear: positive, unique without a counter. */
static int
random_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	b[0] &= 0x7f;
	b[0] |= 0x40;		/* keeps 16 significant bytes */
	bn = BN_bin2bn(b, sizeof(b), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!(e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

X509 *
certs_make_self_signed(const struct certs_gen *gen, EVP_PKEY *key, time_t now)
{
	X509 *x = X509_new();
	X509_NAME *name = NULL;
	char *sans = certs_san_value(gen);
	long days = gen->days > 0 ? gen->days : CERTS_DEFAULT_DAYS;
	int ok = x && sans && (name = certs_cn_name(gen->cn));

	/* No keyUsage: with it, keyCertSign would be needed for peers to accept
	 * the certificate as its own trust anchor, and that is for CAs only. */
	ok = ok && X509_set_version(x, X509_VERSION_3) && random_serial(x) &&
	    X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -CERTS_BACKDATE, &now) &&
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &now) &&
	    X509_set_pubkey(x, key) &&
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	    add_ext(x, NID_ext_key_usage, "serverAuth,clientAuth") &&
	    add_ext(x, NID_subject_alt_name, sans) &&
	    add_ext(x, NID_subject_key_identifier, "hash") &&
	    add_ext(x, NID_authority_key_identifier, "keyid:always") &&
	    X509_sign(x, key, EVP_sha256()) > 0;
	X509_NAME_free(name);
	free(sans);
	ERR_clear_error();
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
certs_generate_self_signed(const char *store, const struct certs_gen *gen, time_t now,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	EVP_PKEY *key = certs_new_key(gen->key);
	X509 *x = key ? certs_make_self_signed(gen, key, now) : NULL;
	int r = -1;

	if (!x)
		snprintf(err, errlen, "cannot generate a self-signed certificate for \"%s\"",
		    gen->cn ? gen->cn : "");
	else
		r = certs_store_write(store, x, NULL, key, path, pathlen, err, errlen);
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}
