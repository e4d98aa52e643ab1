/* Our certificate, for the gateways' trust stores. */
#ifndef UMSBC_CERTS_EXPORT_H
#define UMSBC_CERTS_EXPORT_H

#include <stddef.h>
#include <openssl/x509.h>

/* The certificate alone (never its key) as PEM or DER in a malloc'd buffer. */
unsigned char *certs_export(X509 *x, int der, size_t *len);

#endif
