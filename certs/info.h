/* What an administrator wants to know about a certificate. */
#ifndef UMSBC_CERTS_INFO_H
#define UMSBC_CERTS_INFO_H

#include <time.h>
#include <openssl/x509.h>

enum certs_kind { CERTS_CA_ISSUED, CERTS_SELF_SIGNED };

struct certs_info {
	char subject[256];	/* RFC 2253, e.g. "CN=sbc1,O=Example" */
	char issuer[256];
	char serial[80];	/* uppercase hex */
	char thumbprint[41];	/* SHA-1, 40 uppercase hex digits */
	char sans[512];		/* "DNS:a, DNS:b, IP:192.0.2.1" */
	char not_before[32];	/* "2025-01-31T12:00:00Z" */
	char not_after[32];
	time_t nb, na;
	long days_left;		/* whole days to notAfter, negative once expired */
	enum certs_kind kind;
};

void certs_info_get(X509 *x, time_t now, struct certs_info *out);

/* Whole days from now to t, rounded toward minus infinity. */
long certs_days_left(time_t t, time_t now);

const char *certs_kind_name(enum certs_kind k);	/* "ca-issued" / "self-signed" */

/* "2025-01-31T12:00:00Z" */
void certs_format_time(time_t t, char *out, size_t len);

#endif
