/* Certificate facts for listings, logs and JSON. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "info.h"
#include "store.h"
#include "x509util.h"

#define DAY 86400

long
certs_days_left(time_t t, time_t now)
{
	long long d = (long long)t - (long long)now;

	return (long)(d >= 0 ? d / DAY : -((-d + DAY - 1) / DAY));
}

const char *
certs_kind_name(enum certs_kind k)
{
	return k == CERTS_SELF_SIGNED ? "self-signed" : "ca-issued";
}

void
certs_format_time(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "?");
}

static void
name_str(X509_NAME *n, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int k = -1;

	/* RFC 2253 escaping, but UTF-8 kept readable. */
	if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		k = BIO_read(b, out, (int)len - 1);
	out[k > 0 ? k : 0] = '\0';
	BIO_free(b);
}

static void
sans_str(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; g && i < sk_GENERAL_NAME_num(g) && used < len; i++) {
		GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
		const char *sep = used ? ", " : "";
		if (n->type == GEN_DNS)
			used += snprintf(out + used, len - used, "%sDNS:%s", sep,
			    (const char *)ASN1_STRING_get0_data(n->d.dNSName));
		else if (n->type == GEN_IPADD && ASN1_STRING_length(n->d.iPAddress) == 4) {
			const unsigned char *a = ASN1_STRING_get0_data(n->d.iPAddress);
			used += snprintf(out + used, len - used, "%sIP:%u.%u.%u.%u", sep, a[0], a[1],
			    a[2], a[3]);
		}
	}
	GENERAL_NAMES_free(g);
}

static void
serial_str(X509 *x, char *out, size_t len)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(out, len, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
}

void
certs_info_get(X509 *x, time_t now, struct certs_info *out)
{
	memset(out, 0, sizeof(*out));
	name_str(X509_get_subject_name(x), out->subject, sizeof(out->subject));
	name_str(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
	serial_str(x, out->serial, sizeof(out->serial));
	certs_thumbprint(x, out->thumbprint);
	sans_str(x, out->sans, sizeof(out->sans));
	out->nb = certs_asn1_time(X509_get0_notBefore(x));
	out->na = certs_asn1_time(X509_get0_notAfter(x));
	certs_format_time(out->nb, out->not_before, sizeof(out->not_before));
	certs_format_time(out->na, out->not_after, sizeof(out->not_after));
	out->days_left = certs_days_left(out->na, now);
	out->kind = certs_is_self_signed(x) ? CERTS_SELF_SIGNED : CERTS_CA_ISSUED;
	ERR_clear_error();
}
