#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "confget.h"

int
confget_fail(struct confget *x, const config_setting_t *s, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (x->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	const char *file = s ? config_setting_source_file(s) : NULL;
	snprintf(x->err, x->errlen, "%s:%d: %s%s", file ? file : x->file,
	    s ? config_setting_source_line(s) : 0, x->prefix ? x->prefix : "", reason);
	x->failed = 1;
	return -1;
}

int
confget_int(struct confget *x, const config_setting_t *grp, const char *key, int *out,
    int min, int max)
{
	config_setting_t *s = grp ? config_setting_get_member(grp, key) : NULL;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT)
		return confget_fail(x, s, "%s: expected an integer", key);
	int v = config_setting_get_int(s);
	if (v < min || v > max)
		return confget_fail(x, s, "%s: %d is out of range %d..%d", key, v, min, max);
	*out = v;
	return 0;
}

int
confget_str(struct confget *x, const config_setting_t *grp, const char *key,
    const char **out, int flags)
{
	config_setting_t *s = grp ? config_setting_get_member(grp, key) : NULL;

	if (!s)
		return (flags & CONFGET_REQUIRED) ? confget_fail(x, grp, "missing \"%s\"", key) : 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return confget_fail(x, s, "%s: expected a string", key);
	*out = config_setting_get_string(s);
	if ((flags & CONFGET_NONEMPTY) && **out == '\0')
		return confget_fail(x, s, "%s: must not be empty", key);
	return 0;
}

/* Levenshtein distance between a and b, ignoring ASCII case; SIZE_MAX when
 * either is too long to be a key worth suggesting. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= sizeof(row) / sizeof(row[0]) || lb >= sizeof(row) / sizeof(row[0]))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];	/* row[i-1][j-1] */
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The known key nearest to name, if a typo (two edits at most) explains it. */
static const char *
closest_key(const char *name, const char *const *known)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (; *known; known++) {
		size_t d = edit_distance(name, *known);
		if (d < best_d) {
			best_d = d;
			best = *known;
		}
	}
	return best;
}

static int
is_known(const char *name, const char *const *known)
{
	for (; *known; known++)
		if (strcmp(name, *known) == 0)
			return 1;
	return 0;
}

int
confget_known(struct confget *x, const config_setting_t *grp, const char *what,
    const char *const *known)
{
	if (!grp)
		return 0;
	if (!config_setting_is_group(grp))
		return confget_fail(x, grp, "%s%sexpected a group { ... }", what ? what : "",
		    what ? ": " : "");
	for (int i = 0; i < config_setting_length(grp); i++) {
		const config_setting_t *m = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(m);
		if (is_known(name, known))
			continue;
		const char *hint = closest_key(name, known);
		char in[160] = "", mean[96] = "";
		if (what)
			snprintf(in, sizeof(in), " in %s", what);
		if (hint)
			snprintf(mean, sizeof(mean), " (did you mean \"%s\"?)", hint);
		return confget_fail(x, m, "unknown setting \"%s\"%s%s", name, in, mean);
	}
	return 0;
}
