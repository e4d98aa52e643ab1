/* The trust store: CA roots and imported peer certificates, one per file
 * (NAME = thumbprint), managed by umsbcctl cert trust/untrust/trusted. */
#ifndef UMSBC_CERTS_TRUST_H
#define UMSBC_CERTS_TRUST_H

#include <stddef.h>
#include <time.h>

#include "scan.h"

/* Adds every certificate of file (PEM bundle or DER) to dir as
 * dir/THUMBPRINT.pem (0644). Already present ones are counted in *already.
 * Refuses a file that holds a private key: that belongs in no trust store.
 * Returns the number added, or -1 with err. */
int certs_trust_add(const char *dir, const char *file, int *already, char *err, size_t errlen);

/* Removes the certificate with thumbprint t from every file of dir (a file
 * left without certificates is deleted). Returns the number removed (0 if
 * none: err says so), -1 on failure. */
int certs_trust_remove(const char *dir, const char *t, char *err, size_t errlen);

/* Every certificate of dir as a list (valid = within its dates at now; key
 * NULL), in file and then file order; selected is -1. A missing dir is empty. */
int certs_trust_list(const char *dir, time_t now, struct certs_list *out, char *err, size_t errlen);

#endif
