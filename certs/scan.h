/* The certificate store as a list of candidates, each judged valid or not. */
#ifndef UMSBC_CERTS_SCAN_H
#define UMSBC_CERTS_SCAN_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "info.h"

struct certs_stores {
	const char *cert_store;		/* tls.cert_store */
	const char *trust_store;	/* tls.trust_store; may be missing or empty */
	int system_roots;		/* also trust the system CAs (commercial certificates) */
};

struct certs_entry {
	char path[512];		/* file holding the certificate */
	char key_path[512];	/* file holding its key: path itself or NAME.key; "" if none */
	X509 *cert;
	STACK_OF(X509) *chain;	/* certificates after the leaf in its file */
	EVP_PKEY *key;		/* NULL if absent or refused */
	struct certs_info info;
	int valid;
	int faulty;		/* refused within its dates (key, usage, chain): a
				 * mistake in the store that the operator must fix */
	char reason[384];	/* why not valid; "" when valid */
};

struct certs_list {
	struct certs_entry *v;	/* in selection order (see select.h) */
	size_t n;
	int selected;		/* index of the one to use, -1 if none is valid */
	size_t n_unreadable;	/* store files that could not be opened */
	char unreadable[640];	/* the first of them: "FILE: cannot open: reason" */
};

/* Reads every *.pem and *.crt of s->cert_store that holds a certificate.
 * The key is the first private key in the same file, else in NAME.key
 * beside it. Each entry is judged at `now`, then the list is put in selection
 * order. A file that cannot be opened is counted in n_unreadable (its
 * certificate, if any, is unknown). An empty or missing store gives an empty
 * list (not an error); -1 only if the store cannot be read. */
int certs_scan(const struct certs_stores *s, time_t now, struct certs_list *out, char *err,
    size_t errlen);
void certs_list_free(struct certs_list *l);

/* The selected entry or NULL. */
const struct certs_entry *certs_selected(const struct certs_list *l);

/* Entry whose thumbprint is t (case and colons ignored), or NULL. */
const struct certs_entry *certs_find(const struct certs_list *l, const char *t);

/* Judges one certificate (with the key and chain of its entry) at now and
 * sets e->valid and e->reason. trust is the verification store. */
void certs_judge(struct certs_entry *e, X509_STORE *trust, time_t now);

/* The trust store (every certificate in dir, which may be missing) plus the
 * system CAs if system_roots. NULL only on allocation failure. */
X509_STORE *certs_trust_open(const char *dir, int system_roots);

/* Normalises a thumbprint written by a person: uppercase, no colons or
 * spaces. Returns 0 if the result is 40 hex digits. */
int certs_thumbprint_parse(const char *in, char out[41]);

#endif
