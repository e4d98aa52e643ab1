#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>

#include "certs/expiry.h"
#include "certs/store.h"
#include "log.h"
#include "peercert.h"

/* Peers are few (the configured gateways and one Hub): a small table with
 * the oldest entry replaced is enough. */
#define PEERCERT_SLOTS 128

static struct {
	char sha1[41];
	time_t last_logged, seen;
} table[PEERCERT_SLOTS];

void
peercert_read(X509 *x, struct peercert *out)
{
	struct tm tm;

	memset(out, 0, sizeof(*out));
	if (!x)
		return;
	certs_thumbprint(x, out->sha1);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		out->not_after = timegm(&tm);
	X509_NAME_oneline(X509_get_subject_name(x), out->subject, sizeof(out->subject));
}

static int
slot(const char *sha1, time_t now)
{
	int oldest = 0;

	for (int i = 0; i < PEERCERT_SLOTS; i++) {
		if (strcmp(table[i].sha1, sha1) == 0)
			return i;
		if (table[i].seen < table[oldest].seen)
			oldest = i;
	}
	snprintf(table[oldest].sha1, sizeof(table[oldest].sha1), "%s", sha1);
	table[oldest].last_logged = 0;
	table[oldest].seen = now;
	return oldest;
}

void
peercert_seen(const struct peercert *p, const char *who, time_t now)
{
	long days;

	if (!p->sha1[0] || !p->not_after)
		return;
	int i = slot(p->sha1, now);
	table[i].seen = now;
	switch (certs_expiry_check(p->not_after, now, table[i].last_logged, &days)) {
	case CERTS_EXPIRY_WARNING:
		log_event(LOG_WARNING, EV_PEER_CERT_EXPIRING,
		    "peer certificate expires in %ld days: %s subject=\"%s\" sha1=%s; "
		    "ask its owner for a new one", days, who, p->subject, p->sha1);
		table[i].last_logged = now;
		break;
	case CERTS_EXPIRY_ERROR:
		log_event(LOG_ERR, EV_PEER_CERT_EXPIRED,
		    "peer certificate expired %ld days ago: %s subject=\"%s\" sha1=%s",
		    -days, who, p->subject, p->sha1);
		table[i].last_logged = now;
		break;
	case CERTS_EXPIRY_NONE:
		break;
	}
}
