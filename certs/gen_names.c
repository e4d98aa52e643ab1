/* CN and subjectAltName values for generated certificates and requests. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen_names.h"

/* A DNS name may not carry the separators of the extension syntax. */
static int
name_ok(const char *s)
{
	return s && *s && strlen(s) < 254 && strpbrk(s, ",:= \t\r\n") == NULL;
}

static int
seen(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return 1;
	return 0;
}

char *
certs_san_value(const struct certs_gen *gen)
{
	const char *names[64];
	size_t n = 0, len = 1;
	char *out;

	if (!name_ok(gen->cn))
		return NULL;
	names[n++] = gen->cn;
	for (size_t i = 0; gen->sans && gen->sans[i] && n < 64; i++) {
		if (!name_ok(gen->sans[i]))
			return NULL;
		if (!seen(names, n, gen->sans[i]))
			names[n++] = gen->sans[i];
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 5;
	if (!(out = malloc(len)))
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, "DNS:");
		strcat(out, names[i]);
	}
	return out;
}

X509_NAME *
certs_cn_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	if (n && !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
	    -1, 0)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}
