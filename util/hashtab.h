/* An intrusive hash table of string keys: FNV-1a, chained, doubling when it
 * holds more entries than buckets. The entry embeds a struct hashtab_node and
 * says where its key is; the table allocates only its bucket array. Not
 * thread-safe (each table belongs to one thread). */
#ifndef UMSBC_UTIL_HASHTAB_H
#define UMSBC_UTIL_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

struct hashtab_node {
	struct hashtab_node *next;
	uint32_t hash;
};

/* The key of the entry holding n (a NUL-terminated string). */
typedef const char *(*hashtab_key_fn)(const struct hashtab_node *n);

struct hashtab {
	struct hashtab_node **bucket;
	size_t n_buckets;	/* a power of two */
	size_t n;
	hashtab_key_fn key;
	int nocase;		/* keys hash and compare ASCII case-insensitively */
};

/* The entry of type `type` whose member `member` is node n. */
#define hashtab_entry(n, type, member) \
	((type *)(void *)((char *)(n) - offsetof(type, member)))

/* Room for hashtab_key_u64's key: up to 16 hex digits and the NUL. */
#define HASHTAB_U64_KEYLEN 17
/* A number as a key, in hex without snprintf (it runs on every lookup). */
void hashtab_key_u64(uint64_t v, char out[HASHTAB_U64_KEYLEN]);

/* FNV-1a over s (lowercased when nocase). */
uint32_t hashtab_fnv1a(const char *s, int nocase);

/* An empty table of at least `buckets` buckets. 0, or -1 without memory.
 * A table with only key (and nocase) set, the rest zero, is empty and
 * valid too: it gets its buckets at its first insert. */
int hashtab_init(struct hashtab *t, size_t buckets, hashtab_key_fn key, int nocase);
/* Frees the bucket array (the table is empty again, key and nocase kept);
 * the entries are the caller's. */
void hashtab_free(struct hashtab *t);

/* Adds n (its key must stay as it is while it is in the table). Keys need
 * not be unique. When the table cannot grow it just gets longer chains; -1
 * only when it has no bucket at all (n is then not in it). */
int hashtab_insert(struct hashtab *t, struct hashtab_node *n);
/* Takes n out; nothing if n is not in t. */
void hashtab_remove(struct hashtab *t, struct hashtab_node *n);
/* The first entry with this key, then the next one with the same key, or
 * NULL. */
struct hashtab_node *hashtab_find(const struct hashtab *t, const char *key);
struct hashtab_node *hashtab_find_next(const struct hashtab *t, const struct hashtab_node *n);

/* Walks every entry: first, then next of the one before. The current entry
 * may be removed once its next has been taken (the table never shrinks),
 * but nothing may be inserted during a walk. */
struct hashtab_node *hashtab_first(const struct hashtab *t);
struct hashtab_node *hashtab_next(const struct hashtab *t, const struct hashtab_node *n);

static inline size_t
hashtab_count(const struct hashtab *t)
{
	return t->n;
}

#endif
