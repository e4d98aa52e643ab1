#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/hashtab.h"

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

void
hashtab_key_u64(uint64_t v, char out[HASHTAB_U64_KEYLEN])
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
}

uint32_t
hashtab_fnv1a(const char *s, int nocase)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (nocase ? lower((unsigned char)*s) : (unsigned char)*s)) * 16777619u;
	return h;
}

int
hashtab_init(struct hashtab *t, size_t buckets, hashtab_key_fn key, int nocase)
{
	size_t nb = 16;

	while (nb < buckets)
		nb <<= 1;
	memset(t, 0, sizeof(*t));
	t->key = key;
	t->nocase = nocase;
	if (!(t->bucket = calloc(nb, sizeof(*t->bucket))))
		return -1;
	t->n_buckets = nb;
	return 0;
}

void
hashtab_free(struct hashtab *t)
{
	free(t->bucket);
	t->bucket = NULL;
	t->n_buckets = t->n = 0;
}

/* Doubles the bucket array; on failure the table stays as it is. */
static void
grow(struct hashtab *t)
{
	size_t nb = t->n_buckets ? t->n_buckets * 2 : 16;
	struct hashtab_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct hashtab_node *n, *next;
		for (n = t->bucket[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->bucket);
	t->bucket = b;
	t->n_buckets = nb;
}

int
hashtab_insert(struct hashtab *t, struct hashtab_node *n)
{
	if (t->n >= t->n_buckets)
		grow(t);
	if (!t->n_buckets)
		return -1;
	n->hash = hashtab_fnv1a(t->key(n), t->nocase);
	n->next = t->bucket[n->hash & (t->n_buckets - 1)];
	t->bucket[n->hash & (t->n_buckets - 1)] = n;
	t->n++;
	return 0;
}

void
hashtab_remove(struct hashtab *t, struct hashtab_node *n)
{
	struct hashtab_node **p;

	if (!t->n_buckets)
		return;
	for (p = &t->bucket[n->hash & (t->n_buckets - 1)]; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			n->next = NULL;
			t->n--;
			return;
		}
}

static int
same_key(const struct hashtab *t, const char *a, const char *b)
{
	return (t->nocase ? strcasecmp(a, b) : strcmp(a, b)) == 0;
}

static struct hashtab_node *
match_from(const struct hashtab *t, struct hashtab_node *n, uint32_t h, const char *key)
{
	for (; n; n = n->next)
		if (n->hash == h && same_key(t, t->key(n), key))
			return n;
	return NULL;
}

struct hashtab_node *
hashtab_find(const struct hashtab *t, const char *key)
{
	uint32_t h;

	if (!key || !t->n_buckets)
		return NULL;
	h = hashtab_fnv1a(key, t->nocase);
	return match_from(t, t->bucket[h & (t->n_buckets - 1)], h, key);
}

struct hashtab_node *
hashtab_find_next(const struct hashtab *t, const struct hashtab_node *n)
{
	return match_from(t, n->next, n->hash, t->key(n));
}

static struct hashtab_node *
first_from(const struct hashtab *t, size_t b)
{
	for (; b < t->n_buckets; b++)
		if (t->bucket[b])
			return t->bucket[b];
	return NULL;
}

struct hashtab_node *
hashtab_first(const struct hashtab *t)
{
	return first_from(t, 0);
}

struct hashtab_node *
hashtab_next(const struct hashtab *t, const struct hashtab_node *n)
{
	return n->next ? n->next : first_from(t, (n->hash & (t->n_buckets - 1)) + 1);
}
