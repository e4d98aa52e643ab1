/* Which certificate umsbcd uses: the seeds' order, and the entry point the
 * daemon calls at start-up and on every reload. */
#ifndef UMSBC_CERTS_SELECT_H
#define UMSBC_CERTS_SELECT_H

#include <stddef.h>
#include <time.h>

#include "generate.h"
#include "scan.h"
#include "store.h"

/* Selection order, as a qsort comparator:
 *   1. valid before invalid;
 *   2. CA-issued (PKI or commercial) before self-signed;
 *   3. later notAfter first (longest time left);
 * ties, so that every host and every run picks the same one:
 *   4. later notBefore first (the newer of two renewals);
 *   5. thumbprint in ascending byte order (unique per certificate). */
int certs_entry_cmp(const void *a, const void *b);

/* Sorts l into selection order and sets l->selected. */
void certs_order(struct certs_list *l);

/* One line on why l->selected was chosen, or why none could be. */
void certs_why(const struct certs_list *l, char *out, size_t len);

/* The mistakes in l that the operator must fix: files that cannot be opened
 * and certificates refused within their dates (key file mode, unreadable or
 * missing key, key mismatch, usage, chain). Writes the first (an unreadable
 * file, else in selection order: the one that would win once fixed) as
 * "FILE: reason" and how many more into out; returns how many, 0 if none. */
size_t certs_faults(const struct certs_list *l, char *out, size_t len);

struct certs_choice {
	struct cert_identity id;	/* what tls.c puts into its SSL_CTX */
	struct certs_info info;		/* for the UMS1004 line and the expiry timer */
	int generated;			/* 1: none was valid, this one was just generated */
	char why[512];			/* why this one */
	char faults[800];		/* certs_faults() of the store, "" if none */
};

enum certs_when {
	CERTS_AT_START,		/* nothing in use yet */
	CERTS_ON_RELOAD,	/* a certificate is in use and serving */
};

/* The start-up and reload entry point: scans s at now and takes the selected
 * certificate. At start, if none is valid, generates a self-signed one per
 * gen into s->cert_store (creating the directory, mode 0700, if missing) and
 * takes that; faults only go to out->faults. On reload a fault or the lack
 * of a valid certificate fails instead: a permission mistake must not turn
 * the certificate in use into a generated or lesser one. Returns 0, or -1
 * with err (on reload: the fault or why none is valid). */
int certs_select_or_generate(const struct certs_stores *s, const struct certs_gen *gen,
    enum certs_when when, time_t now, struct certs_choice *out, char *err, size_t errlen);
void certs_choice_free(struct certs_choice *c);

#endif
