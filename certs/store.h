/* Certificate store and trust store on disk (PEM). No SIP in here. */
#ifndef UMSBC_CERTS_STORE_H
#define UMSBC_CERTS_STORE_H

#include <stddef.h>
#include <openssl/x509.h>

struct cert_identity {
	X509 *cert;
	STACK_OF(X509) *chain;	/* intermediates found after the leaf, may be empty */
	EVP_PKEY *key;
	char path[512];
};

/* Loads the first *.pem of dir (in name order) that holds a certificate and
 * the private key matching it. Refuses key files readable by group or others.
 * Returns 0, or -1 with a message in err. */
int certs_load_identity(const char *dir, struct cert_identity *id, char *err, size_t errlen);
void certs_identity_free(struct cert_identity *id);

/* A verification store of every *.pem and *.crt in dir. NULL and err on failure. */
X509_STORE *certs_load_trust(const char *dir, char *err, size_t errlen);

/* Writes leaf, its chain (may be NULL) and key to store/<stem>.pem (stem
 * from the leaf's CN), mode 0600, never overwriting; creates store (0700)
 * when missing. The path goes to path. 0, or -1 with a message in err. */
int certs_store_write(const char *store, X509 *leaf, STACK_OF(X509) *chain, EVP_PKEY *key,
    char *path, size_t pathlen, char *err, size_t errlen);

/* SHA-1 thumbprint: 40 uppercase hex digits. */
void certs_thumbprint(X509 *x, char out[41]);

/* "subject=... issuer=... serial=... sha1=... notAfter=..." for the log. */
void certs_describe(X509 *x, char *out, size_t len);

#endif
