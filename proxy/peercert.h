/* Expiry warnings for the certificates peers (gateways, the Hub) present:
 * from 30 days before notAfter, once a day per certificate (core thread). */
#ifndef UMSBC_PEERCERT_H
#define UMSBC_PEERCERT_H

#include <time.h>
#include <openssl/x509.h>

/* What a handshake saw; filled where the X509 is (any thread). */
struct peercert {
	char sha1[41];		/* "" when the peer showed none */
	time_t not_after;
	char subject[160];
};

void peercert_read(X509 *x, struct peercert *out);
/* Logs UMS2004/UMS2005 when due; who says which peer it was. */
void peercert_seen(const struct peercert *p, const char *who, time_t now);

#endif
