/* Typed reads of libconfig settings whose errors name FILE:LINE, shared by
 * every loader of umsbc.conf groups (conf.c, hub/conf.c). */
#ifndef UMSBC_CONFGET_H
#define UMSBC_CONFGET_H

#include <stddef.h>
#include <libconfig.h>

struct confget {
	const char *file;	/* for settings that carry no file name */
	const char *prefix;	/* put before each reason, e.g. "hub_transport: " */
	char *err;
	size_t errlen;
	int failed;		/* the first error wins */
};

enum { CONFGET_REQUIRED = 1, CONFGET_NONEMPTY = 2 };

/* Writes "FILE:LINE: prefix reason" (the first time) and returns -1. */
int confget_fail(struct confget *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Absent keeps *out; present must be an integer in min..max. */
int confget_int(struct confget *x, const config_setting_t *grp, const char *key, int *out,
    int min, int max);
/* Absent keeps *out unless CONFGET_REQUIRED; present must be a string. */
int confget_str(struct confget *x, const config_setting_t *grp, const char *key,
    const char **out, int flags);
/* grp (NULL: absent, nothing to check) must be a group, and every member's
 * name must be in known (NULL-terminated): a misspelled key would otherwise
 * be ignored and its default used.  Fails with "unknown setting "KEY" in
 * WHAT" at the member's line, suggesting a known key that is close, or with
 * "WHAT: expected a group { ... }".  what NULL: the place goes unnamed (the
 * prefix, or the line, says it). */
int confget_known(struct confget *x, const config_setting_t *grp, const char *what,
    const char *const *known);

#endif
