/* Names shared by self-signed certificates and requests. Internal to certs/. */
#ifndef UMSBC_CERTS_GEN_NAMES_H
#define UMSBC_CERTS_GEN_NAMES_H

#include <openssl/x509.h>

#include "generate.h"

/* "DNS:cn,DNS:san1,..." without duplicates (malloc'd), NULL if cn is empty
 * or a name holds a character that would change the meaning of the list. */
char *certs_san_value(const struct certs_gen *gen);

/* A subject of one CN. */
X509_NAME *certs_cn_name(const char *cn);

#endif
