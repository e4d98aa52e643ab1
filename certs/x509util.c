/* X.509 helpers: bundles, times, self-signed check, EKU, file names. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "store.h"
#include "x509util.h"

static int
read_pem(BIO *b, STACK_OF(X509) *certs, EVP_PKEY **key)
{
	STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);

	if (!infos)
		return -1;
	for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 && sk_X509_push(certs, xi->x509))
			xi->x509 = NULL;	/* now owned by certs */
		if (key && !*key && xi->x_pkey && xi->x_pkey->dec_pkey) {
			*key = xi->x_pkey->dec_pkey;
			xi->x_pkey->dec_pkey = NULL;
		}
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return 0;
}

int
certs_read_bundle(const char *path, STACK_OF(X509) **certs, EVP_PKEY **key, char *err,
    size_t errlen)
{
	BIO *b = BIO_new_file(path, "rb");
	X509 *der;

	*certs = NULL;
	if (key)
		*key = NULL;
	if (!b) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		ERR_clear_error();
		return -1;
	}
	*certs = sk_X509_new_null();
	if (read_pem(b, *certs, key) != 0 || sk_X509_num(*certs) == 0) {
		/* Not PEM (or a PEM key only): try a single DER certificate. */
		(void)BIO_reset(b);
		if ((der = d2i_X509_bio(b, NULL)))
			sk_X509_push(*certs, der);
	}
	BIO_free(b);
	ERR_clear_error();
	return sk_X509_num(*certs);
}

time_t
certs_asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

int
certs_is_self_signed(X509 *x)
{
	int r = X509_self_signed(x, 1) == 1;

	ERR_clear_error();
	return r;
}

int
certs_eku_ok(X509 *x)
{
	uint32_t eku = X509_get_extended_key_usage(x);

	/* UINT32_MAX means the extension is absent: any usage. */
	return eku == UINT32_MAX || ((eku & XKU_SSL_SERVER) && (eku & XKU_SSL_CLIENT));
}

int
certs_key_matches(X509 *x, EVP_PKEY *key)
{
	int r = key && X509_check_private_key(x, key) == 1;

	ERR_clear_error();
	return r;
}

void
certs_file_stem(X509 *x, char *out, size_t len)
{
	char cn[64] = "", thumb[41], *p;

	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	ERR_clear_error();
	for (p = cn; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			*p = '_';
	certs_thumbprint(x, thumb);
	snprintf(out, len, "%s%s%.8s", cn[0] && cn[0] != '.' ? cn : "cert", "-", thumb);
}

char *
certs_pem_encode(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int ok = b && PEM_write_bio_X509(b, leaf);
	char *data, *out = NULL;
	long n;

	for (int i = 0; ok && chain && i < sk_X509_num(chain); i++)
		ok = PEM_write_bio_X509(b, sk_X509_value(chain, i));
	if (ok && key)
		ok = PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	if (ok && (n = BIO_get_mem_data(b, &data)) > 0 && (out = malloc((size_t)n))) {
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(b);
	ERR_clear_error();
	return out;
}
