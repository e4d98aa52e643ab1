/* Encoding of a certificate for export. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "export.h"
#include "x509util.h"

unsigned char *
certs_export(X509 *x, int der, size_t *len)
{
	unsigned char *tmp = NULL, *out;
	int n;

	if (!der)
		return (unsigned char *)certs_pem_encode(x, NULL, NULL, len);
	if ((n = i2d_X509(x, &tmp)) <= 0)
		return NULL;
	if ((out = malloc((size_t)n))) {
		memcpy(out, tmp, (size_t)n);
		*len = (size_t)n;
	}
	OPENSSL_free(tmp);
	return out;
}
