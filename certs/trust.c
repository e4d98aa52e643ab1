/* Trust store management: add, remove, list. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "fsutil.h"
#include "store.h"
#include "trust.h"
#include "x509util.h"

static const char *const trust_sfx[] = { ".pem", ".crt", NULL };

static int
refuse_key(const char *file, STACK_OF(X509) *certs, EVP_PKEY *key, char *err, size_t errlen)
{
	if (!key)
		return 0;
	snprintf(err, errlen, "%s holds a private key: give only the certificate to trust "
	    "(openssl x509 -in %s -out CERT.pem)", file, file);
	sk_X509_pop_free(certs, X509_free);
	EVP_PKEY_free(key);
	return -1;
}

int
certs_trust_add(const char *dir, const char *file, int *already, char *err, size_t errlen)
{
	STACK_OF(X509) *certs;
	EVP_PKEY *key = NULL;
	int added = 0;

	*already = 0;
	if (certs_read_bundle(file, &certs, &key, err, errlen) <= 0) {
		if (certs)
			snprintf(err, errlen, "%s holds no certificate (PEM or DER)", file);
		sk_X509_pop_free(certs, X509_free);
		EVP_PKEY_free(key);
		return -1;
	}
	if (refuse_key(file, certs, key, err, errlen) != 0)
		return -1;
	if (certs_ensure_dir(dir, 0755, err, errlen) != 0)
		added = -1;
	for (int i = 0; added >= 0 && i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		char thumb[41], path[1024];
		size_t len;
		char *pem = certs_pem_encode(x, NULL, NULL, &len);

		certs_thumbprint(x, thumb);
		snprintf(path, sizeof(path), "%s/%s.pem", dir, thumb);
		if (access(path, F_OK) == 0)
			(*already)++;
		else if (!pem || certs_write_file(path, pem, len, 0644, 1, err, errlen) != 0)
			added = -1;
		else
			added++;
		free(pem);
	}
	sk_X509_pop_free(certs, X509_free);
	return added;
}

/* Rewrites path without the certificates whose thumbprint is want. */
static int
remove_from_file(const char *path, const char *want, char *err, size_t errlen)
{
	STACK_OF(X509) *certs, *keep = sk_X509_new_null();
	int removed = 0, r = 0;

	certs_read_bundle(path, &certs, NULL, err, errlen);
	for (int i = 0; keep && certs && i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		char thumb[41];
		certs_thumbprint(x, thumb);
		if (strcmp(thumb, want) == 0)
			removed++;
		else
			sk_X509_push(keep, x);
	}
	if (removed && sk_X509_num(keep) == 0) {
		if (unlink(path) != 0) {
			snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
			r = -1;
		}
	} else if (removed) {
		size_t len;
		X509 *first = sk_X509_shift(keep);
		char *pem = certs_pem_encode(first, keep, NULL, &len);
		r = pem ? certs_write_file(path, pem, len, 0644, 0, err, errlen) : -1;
		free(pem);
	}
	sk_X509_free(keep);	/* the certificates belong to certs */
	sk_X509_pop_free(certs, X509_free);
	return r < 0 ? -1 : removed;
}

int
certs_trust_remove(const char *dir, const char *t, char *err, size_t errlen)
{
	struct dirent **ents;
	char want[41];
	int n, total = 0;

	if (certs_thumbprint_parse(t, want) != 0) {
		snprintf(err, errlen, "\"%s\" is not a SHA-1 thumbprint (40 hex digits, colons allowed)", t);
		return -1;
	}
	if ((n = certs_list_files(dir, trust_sfx, &ents)) < 0) {
		snprintf(err, errlen, "trust store %s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n && total >= 0; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		int k = remove_from_file(path, want, err, errlen);
		total = k < 0 ? -1 : total + k;
	}
	certs_free_list(ents, n);
	if (total == 0)
		snprintf(err, errlen, "no certificate with thumbprint %s in the trust store %s "
		    "(see: umsbcctl cert trusted)", want, dir);
	return total;
}

static int
append(struct certs_list *l, X509 *x, const char *path, time_t now)
{
	struct certs_entry *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	struct certs_entry *e;
	char t[32];

	if (!v)
		return -1;
	l->v = v;
	e = &v[l->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->cert = x;
	certs_info_get(x, now, &e->info);
	e->valid = now >= e->info.nb && now <= e->info.na;
	if (now < e->info.nb) {
		certs_format_time(e->info.nb, t, sizeof(t));
		snprintf(e->reason, sizeof(e->reason), "not yet valid (notBefore %s)", t);
	} else if (now > e->info.na) {
		certs_format_time(e->info.na, t, sizeof(t));
		snprintf(e->reason, sizeof(e->reason), "expired on %s", t);
	}
	return 0;
}

int
certs_trust_list(const char *dir, time_t now, struct certs_list *out, char *err, size_t errlen)
{
	struct dirent **ents;
	int n, r = 0;

	memset(out, 0, sizeof(*out));
	out->selected = -1;
	if ((n = certs_list_files(dir, trust_sfx, &ents)) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "trust store %s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n && r == 0; i++) {
		STACK_OF(X509) *certs;
		char path[1024], e[512];
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		certs_read_bundle(path, &certs, NULL, e, sizeof(e));
		X509 *x;
		while (r == 0 && certs && (x = sk_X509_shift(certs)))
			if ((r = append(out, x, path, now)) != 0)
				X509_free(x);
		sk_X509_pop_free(certs, X509_free);
	}
	certs_free_list(ents, n);
	if (r != 0)
		snprintf(err, errlen, "out of memory");
	return r;
}
