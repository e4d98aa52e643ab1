/* Just enough JSON output for umsbcctl's listings. */
#ifndef UMSBC_CTL_JSON_H
#define UMSBC_CTL_JSON_H

#include <stdio.h>

/* s as a JSON string, quotes included; NULL gives null. */
void json_str(FILE *f, const char *s);

/* "key": "value" with a leading comma unless first. */
void json_kv(FILE *f, int first, const char *key, const char *value);

#endif
