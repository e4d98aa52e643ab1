/* JSON string escaping (RFC 8259). */
#include "config.h"

#include "ctl/json.h"

void
json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);	/* UTF-8 passes through */
	}
	fputc('"', f);
}

void
json_kv(FILE *f, int first, const char *key, const char *value)
{
	if (!first)
		fputc(',', f);
	json_str(f, key);
	fputc(':', f);
	json_str(f, value);
}
