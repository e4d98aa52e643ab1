/* New keys and self-signed certificates (requests for a CA and the import of
 * what it issued: request.h). Everything lands in the store at 0600. */
#ifndef UMSBC_CERTS_GENERATE_H
#define UMSBC_CERTS_GENERATE_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

enum certs_key_type { CERTS_KEY_EC256, CERTS_KEY_RSA2048 };

struct certs_gen {
	const char *cn;			/* the host name */
	const char *const *sans;	/* more DNS names (node.fqdn, ...), NULL-terminated; may be NULL */
	int days;			/* validity; 0 means 365 */
	enum certs_key_type key;	/* CERTS_KEY_EC256 unless asked otherwise */
};

#define CERTS_DEFAULT_DAYS 365
/* notBefore is this far before now, so that peers whose clock is a little
 * behind accept a certificate generated a moment ago. */
#define CERTS_BACKDATE (60 * 60)

/* Parses "ec256" / "rsa2048"; -1 if neither. */
int certs_key_type_parse(const char *s, enum certs_key_type *out);

EVP_PKEY *certs_new_key(enum certs_key_type t);

/* Builds a self-signed certificate for key: CN = gen->cn, SANs = cn and
 * gen->sans (duplicates dropped), notBefore = now - CERTS_BACKDATE,
 * notAfter = now + days, EKU serverAuth + clientAuth, CA:FALSE, SHA-256. */
X509 *certs_make_self_signed(const struct certs_gen *gen, EVP_PKEY *key, time_t now);

/* New key + self-signed certificate written to store/NAME.pem (certificate
 * then key, mode 0600, never overwriting). The path goes to path. */
int certs_generate_self_signed(const char *store, const struct certs_gen *gen, time_t now,
    char *path, size_t pathlen, char *err, size_t errlen);

#endif
