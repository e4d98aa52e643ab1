#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_status.h"

struct entry {
	char *name;
	struct gw_status st;
};

/* Gateways are few (tens): a growing array searched by name is enough. */
static struct {
	struct entry *v;
	int n, cap;
} G;

static struct entry *
find(const char *name, int create)
{
	for (int i = 0; i < G.n; i++)
		if (strcmp(G.v[i].name, name) == 0)
			return &G.v[i];
	if (!create)
		return NULL;
	if (G.n == G.cap) {
		int cap = G.cap ? G.cap * 2 : 16;
		struct entry *v = realloc(G.v, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		G.v = v;
		G.cap = cap;
	}
	struct entry *e = &G.v[G.n];
	memset(e, 0, sizeof(*e));
	if (!(e->name = strdup(name)))
		return NULL;
	G.n++;
	return e;
}

void
gw_status_seen(const char *name, time_t now)
{
	struct entry *e = find(name, 1);

	if (e)
		e->st.last_seen = now;
}

void
gw_status_cert(const char *name, const struct peercert *p)
{
	struct entry *e = find(name, 1);

	if (e && p->sha1[0])
		e->st.cert = *p;
}

void
gw_status_failed(const char *name, const char *why, time_t now)
{
	struct entry *e = find(name, 1);

	if (!e)
		return;
	e->st.failed_at = now;
	snprintf(e->st.failure, sizeof(e->st.failure), "%s", why);
}

void
gw_status_get(const char *name, struct gw_status *out)
{
	struct entry *e = find(name, 0);

	if (e)
		*out = e->st;
	else
		memset(out, 0, sizeof(*out));
}

void
gw_status_free(void)
{
	for (int i = 0; i < G.n; i++)
		free(G.v[i].name);
	free(G.v);
	memset(&G, 0, sizeof(G));
}
