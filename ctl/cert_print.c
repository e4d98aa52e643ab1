/* Text and JSON views of certificate entries. */
#include "config.h"

#include <string.h>

#include "ctl/cert_print.h"
#include "ctl/json.h"

void
cert_print_text(FILE *f, const struct certs_entry *e, int selected, int has_key)
{
	const struct certs_info *i = &e->info;

	fprintf(f, "%s%s\n", selected ? "[selected] " : "", e->path);
	fprintf(f, "  subject:    %s\n", i->subject);
	fprintf(f, "  SANs:       %s\n", i->sans[0] ? i->sans : "(none)");
	fprintf(f, "  issuer:     %s\n", i->issuer);
	fprintf(f, "  serial:     %s\n", i->serial);
	fprintf(f, "  thumbprint: %s\n", i->thumbprint);
	fprintf(f, "  kind:       %s\n", certs_kind_name(i->kind));
	fprintf(f, "  notBefore:  %s\n", i->not_before);
	fprintf(f, "  notAfter:   %s (%ld days left)\n", i->not_after, i->days_left);
	if (has_key && e->key_path[0])
		fprintf(f, "  key:        %s\n", e->key_path);
	fprintf(f, "  status:     %s%s\n", e->valid ? "valid" : "invalid: ", e->valid ? "" : e->reason);
}

void
cert_print_json(FILE *f, const struct certs_entry *e, int selected, int has_key)
{
	const struct certs_info *i = &e->info;

	fputc('{', f);
	json_kv(f, 1, "path", e->path);
	if (has_key)
		json_kv(f, 0, "key_path", e->key_path[0] ? e->key_path : NULL);
	json_kv(f, 0, "subject", i->subject);
	fputs(",\"sans\":[", f);
	/* i->sans is "DNS:a, DNS:b": split on ", ". */
	for (const char *p = i->sans, *q; *p; p = q[0] ? q + 2 : q) {
		char one[256];
		q = strstr(p, ", ");
		if (!q)
			q = p + strlen(p);
		snprintf(one, sizeof(one), "%.*s", (int)(q - p), p);
		if (p != i->sans)
			fputc(',', f);
		json_str(f, one);
	}
	fputc(']', f);
	json_kv(f, 0, "issuer", i->issuer);
	json_kv(f, 0, "serial", i->serial);
	json_kv(f, 0, "thumbprint", i->thumbprint);
	json_kv(f, 0, "kind", certs_kind_name(i->kind));
	json_kv(f, 0, "not_before", i->not_before);
	json_kv(f, 0, "not_after", i->not_after);
	fprintf(f, ",\"days_left\":%ld,\"valid\":%s", i->days_left, e->valid ? "true" : "false");
	json_kv(f, 0, "reason", e->valid ? NULL : e->reason);
	fprintf(f, ",\"selected\":%s}", selected ? "true" : "false");
}

void
cert_print_list(FILE *f, const struct certs_list *l, const char *dir, int json, int has_key)
{
	if (json) {
		fputc('{', f);
		json_kv(f, 1, "store", dir);
		json_kv(f, 0, "selected", l->selected >= 0 ? l->v[l->selected].info.thumbprint : NULL);
		fputs(",\"certificates\":[", f);
		for (size_t i = 0; i < l->n; i++) {
			if (i)
				fputc(',', f);
			cert_print_json(f, &l->v[i], (int)i == l->selected, has_key);
		}
		fputs("]}\n", f);
		return;
	}
	if (l->n == 0)
		fprintf(f, "%s holds no certificate\n", dir);
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputc('\n', f);
		cert_print_text(f, &l->v[i], (int)i == l->selected, has_key);
	}
}
