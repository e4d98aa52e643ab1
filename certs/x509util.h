/* Small X.509 helpers shared inside certs/: reading bundles, times, kinds. */
#ifndef UMSBC_CERTS_X509UTIL_H
#define UMSBC_CERTS_X509UTIL_H

#include <stddef.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Every certificate of a PEM file (in file order), or of a DER file (one),
 * and the first private key of a PEM file (NULL if none; *key may be NULL
 * to not read it). Returns the number of certificates, -1 if unreadable. */
int certs_read_bundle(const char *path, STACK_OF(X509) **certs, EVP_PKEY **key, char *err,
    size_t errlen);

/* ASN1_TIME as seconds since the epoch; 0 if unparsable. */
time_t certs_asn1_time(const ASN1_TIME *t);

/* 1 if issuer == subject and the certificate verifies with its own key. */
int certs_is_self_signed(X509 *x);

/* 1 if usable for TLS server and client: EKU absent or holding both. */
int certs_eku_ok(X509 *x);

/* 1 if key is the private half of x's public key. */
int certs_key_matches(X509 *x, EVP_PKEY *key);

/* Writes a store file name "<CN>-<first 8 thumbprint digits>" (CN reduced to
 * [A-Za-z0-9._-]) into out. */
void certs_file_stem(X509 *x, char *out, size_t len);

/* PEM of certificates (and key if not NULL, unencrypted PKCS#8) in a malloc'd
 * buffer; NULL on failure. */
char *certs_pem_encode(X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key, size_t *len);

#endif
