/* PKCS#10 requests for a CA, with a pending key, and the import of what the
 * CA issued. Everything lands in the store at 0600. */
#ifndef UMSBC_CERTS_REQUEST_H
#define UMSBC_CERTS_REQUEST_H

#include <stddef.h>
#include <openssl/x509.h>

#include "generate.h"

/* A PKCS#10 request (CN, SANs as for self-signed, EKU serverAuth + clientAuth
 * asked for) with a new key kept pending in store/NAME.request.key (0600)
 * until certs_import. The caller frees *req. */
int certs_make_request(const char *store, const struct certs_gen *gen, X509_REQ **req,
    char *key_path, size_t key_path_len, char *err, size_t errlen);

/* Imports the issued certificate in file (PEM with its chain, or DER): the
 * leaf is the certificate whose public key matches a pending request key in
 * store (or a key in file itself); the others are stored after it as its
 * chain. Writes store/NAME.pem at 0600 and removes the pending key. */
int certs_import(const char *store, const char *file, char *path, size_t pathlen, char *err,
    size_t errlen);

#endif
