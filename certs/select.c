/* The selection order of the seeds, and select-or-generate. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "select.h"

int
certs_entry_cmp(const void *pa, const void *pb)
{
	const struct certs_entry *a = pa, *b = pb;

	if (a->valid != b->valid)
		return a->valid ? -1 : 1;
	if (a->info.kind != b->info.kind)
		return a->info.kind == CERTS_CA_ISSUED ? -1 : 1;
	if (a->info.na != b->info.na)
		return a->info.na > b->info.na ? -1 : 1;
	if (a->info.nb != b->info.nb)
		return a->info.nb > b->info.nb ? -1 : 1;
	return strcmp(a->info.thumbprint, b->info.thumbprint);
}

void
certs_order(struct certs_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), certs_entry_cmp);
	l->selected = l->n > 0 && l->v[0].valid ? 0 : -1;
}

void
certs_why(const struct certs_list *l, char *out, size_t len)
{
	const struct certs_entry *s = certs_selected(l);
	size_t same_kind = 0;

	if (!s) {
		if (l->n == 0)
			snprintf(out, len, "the certificate store holds no certificate");
		else
			snprintf(out, len, "none of the %zu certificates is valid; the first: %s: %s",
			    l->n, l->v[0].path, l->v[0].reason);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		same_kind += l->v[i].valid && l->v[i].info.kind == s->info.kind;
	snprintf(out, len, "%s, the longest time left (%ld days) of %zu valid %s certificate%s",
	    s->info.kind == CERTS_CA_ISSUED ? "CA-issued" : "self-signed (no CA-issued certificate is valid)",
	    s->info.days_left, same_kind, certs_kind_name(s->info.kind), same_kind == 1 ? "" : "s");
}

size_t
certs_faults(const struct certs_list *l, char *out, size_t len)
{
	const struct certs_entry *first = NULL;
	size_t n = l->n_unreadable;

	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].faulty)
			continue;
		if (!first)
			first = &l->v[i];
		n++;
	}
	out[0] = '\0';
	if (l->n_unreadable)
		snprintf(out, len, "%s", l->unreadable);
	else if (first && strstr(first->reason, first->path))	/* the reason names the file */
		snprintf(out, len, "%s", first->reason);
	else if (first)
		snprintf(out, len, "%s: %s", first->path, first->reason);
	if (n > 1)
		snprintf(out + strlen(out), len - strlen(out), " (and %zu more)", n - 1);
	return n;
}

static void
take(struct certs_choice *out, struct certs_entry *e)
{
	out->id.cert = e->cert;
	out->id.chain = e->chain;
	out->id.key = e->key;
	snprintf(out->id.path, sizeof(out->id.path), "%s", e->path);
	out->info = e->info;
	e->cert = NULL;		/* ownership moves to out */
	e->chain = NULL;
	e->key = NULL;
}

int
certs_select_or_generate(const struct certs_stores *s, const struct certs_gen *gen,
    enum certs_when when, time_t now, struct certs_choice *out, char *err, size_t errlen)
{
	struct certs_list l;
	char why[512], path[1024];

	memset(out, 0, sizeof(*out));
	if (certs_scan(s, now, &l, err, errlen) != 0)
		return -1;
	certs_why(&l, why, sizeof(why));
	if (when == CERTS_ON_RELOAD && (certs_faults(&l, err, errlen) > 0 || l.selected < 0)) {
		if (!err[0])
			snprintf(err, errlen, "%s; a self-signed certificate is generated only at start-up",
			    why);
		certs_list_free(&l);
		return -1;
	}
	certs_faults(&l, out->faults, sizeof(out->faults));
	if (l.selected >= 0) {
		take(out, &l.v[l.selected]);
		snprintf(out->why, sizeof(out->why), "%s", why);
		certs_list_free(&l);
		return 0;
	}
	certs_list_free(&l);
	if (certs_generate_self_signed(s->cert_store, gen, now, path, sizeof(path), err, errlen) != 0)
		return -1;
	/* Read it back through the scan: what we use is what a restart would use. */
	if (certs_scan(s, now, &l, err, errlen) != 0)
		return -1;
	if (l.selected < 0 || strcmp(l.v[l.selected].path, path) != 0) {
		snprintf(err, errlen, "generated %s but it does not come out valid: %s", path,
		    l.n ? l.v[0].reason : "not found");
		certs_list_free(&l);
		return -1;
	}
	take(out, &l.v[l.selected]);
	out->generated = 1;
	snprintf(out->why, sizeof(out->why), "generated a self-signed certificate: %s", why);
	certs_list_free(&l);
	return 0;
}

void
certs_choice_free(struct certs_choice *c)
{
	certs_identity_free(&c->id);
	memset(c, 0, sizeof(*c));
}
