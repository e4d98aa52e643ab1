/* Printing certificate entries as text blocks or JSON objects. */
#ifndef UMSBC_CTL_CERT_PRINT_H
#define UMSBC_CTL_CERT_PRINT_H

#include <stdio.h>

#include "certs/scan.h"

/* One entry. selected marks the one umsbcd uses; has_key says whether the
 * list is of our certificates (validity reasons) or the trust store. */
void cert_print_text(FILE *f, const struct certs_entry *e, int selected, int has_key);
void cert_print_json(FILE *f, const struct certs_entry *e, int selected, int has_key);

/* A whole list: text blocks, or {"store":..., "selected":..., "certificates":[...]}. */
void cert_print_list(FILE *f, const struct certs_list *l, const char *dir, int json, int has_key);

#endif
