#include "config.h"

#include <stdarg.h>
#include <stdio.h>

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
