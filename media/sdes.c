#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "media/b64.h"
#include "media/sdes.h"

struct suite_info {
	const char *name;
	size_t key, salt;
};

/* Key and salt lengths: RFC 4568 6.2 (AES_CM_128), RFC 6188 (AES_256_CM),
 * RFC 7714 12 (GCM: 96-bit salt). */
static const struct suite_info suites[SDES_SUITE_COUNT] = {
	[SDES_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12 },
	[SDES_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12 },
	[SDES_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14 },
	[SDES_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14 },
	[SDES_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 32, 14 },
	[SDES_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14 },
};

#define MAX_LIFETIME_LOG2 48	/* SRTP's 2^48 packet limit (RFC 3711 9.2) */

static const char *const errors[] = {
	[SDES_OK] = "ok",
	[SDES_E_SYNTAX] = "malformed a=crypto (expected: tag suite inline:key [params])",
	[SDES_E_TAG] = "a=crypto tag is not 1-9 digits",
	[SDES_E_SUITE] = "unsupported crypto suite",
	[SDES_E_METHOD] = "unsupported key method (only inline:)",
	[SDES_E_BASE64] = "key is not valid base64",
	[SDES_E_KEYLEN] = "key||salt length does not match the suite",
	[SDES_E_LIFETIME] = "invalid key lifetime",
	[SDES_E_MKI] = "MKI is not supported",
	[SDES_E_MULTIKEY] = "several keys (MKI) are not supported",
	[SDES_E_PARAM] = "unsupported session parameter",
	[SDES_E_NOSUITE] = "no acceptable crypto suite offered",
	[SDES_E_RANDOM] = "random number generator failed",
};

const char *
media_sdes_strerror(enum sdes_err e)
{
	if ((size_t)e >= sizeof(errors) / sizeof(errors[0]) || !errors[e])
		return "unknown SDES error";
	return errors[e];
}

const char *
media_sdes_suite_name(enum sdes_suite s)
{
	return s > SDES_NONE && s < SDES_SUITE_COUNT ? suites[s].name : NULL;
}

enum sdes_suite
media_sdes_suite_from_name(const char *name, size_t len)
{
	for (int s = SDES_NONE + 1; s < SDES_SUITE_COUNT; s++)
		if (strlen(suites[s].name) == len && memcmp(suites[s].name, name, len) == 0)
			return (enum sdes_suite)s;
	return SDES_NONE;
}

size_t
media_sdes_key_len(enum sdes_suite s)
{
	return s > SDES_NONE && s < SDES_SUITE_COUNT ? suites[s].key : 0;
}

size_t
media_sdes_salt_len(enum sdes_suite s)
{
	return s > SDES_NONE && s < SDES_SUITE_COUNT ? suites[s].salt : 0;
}

/* ---- parsing: a cursor over [p, end) ---- */

struct cur {
	const char *p, *end;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated token; 0 if there is none. */
static int
next_token(struct cur *c, const char **tok, size_t *len)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	if (c->p == c->end)
		return 0;
	*tok = c->p;
	while (c->p < c->end && !is_blank(*c->p))
		c->p++;
	*len = (size_t)(c->p - *tok);
	return 1;
}

static int
all_digits(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static enum sdes_err
parse_tag(const char *s, size_t len, unsigned *tag)
{
	if (len > 9 || !all_digits(s, len))
		return SDES_E_TAG;
	*tag = (unsigned)strtoul(s, NULL, 10);
	return SDES_OK;
}

/* "2^n" or a decimal packet count. */
static enum sdes_err
parse_lifetime(const char *s, size_t len, struct sdes_crypto *out)
{
	if (len > 2 && s[0] == '2' && s[1] == '^') {
		if (len > 4 || !all_digits(s + 2, len - 2))
			return SDES_E_LIFETIME;
		int n = atoi(s + 2);
		if (n < 1 || n > MAX_LIFETIME_LOG2)
			return SDES_E_LIFETIME;
		out->lifetime_log2 = n;
		out->lifetime = (uint64_t)1 << n;
		return SDES_OK;
	}
	if (len > 15 || !all_digits(s, len))
		return SDES_E_LIFETIME;
	out->lifetime = strtoull(s, NULL, 10);
	if (out->lifetime == 0 || out->lifetime > ((uint64_t)1 << MAX_LIFETIME_LOG2))
		return SDES_E_LIFETIME;
	return SDES_OK;
}

static enum sdes_err
parse_key(const char *s, size_t len, struct sdes_crypto *out)
{
	size_t want = media_sdes_key_len(out->key.suite) + media_sdes_salt_len(out->key.suite);
	uint8_t buf[SDES_MAX_KEY_SALT + 3];
	int n = media_b64_decode(s, len, buf, sizeof(buf));

	if (n < 0)
		return SDES_E_BASE64;
	if ((size_t)n != want)
		return SDES_E_KEYLEN;
	memcpy(out->key.key_salt, buf, want);
	return SDES_OK;
}

/* "inline:KEY[|lifetime][|MKI:len]". An MKI field is recognised by its ':'
 * so that we can say why we refuse it. */
static enum sdes_err
parse_key_params(const char *s, size_t len, struct sdes_crypto *out)
{
	static const char method[] = "inline:";
	const size_t mlen = sizeof(method) - 1;

	if (memchr(s, ';', len))
		return SDES_E_MULTIKEY;
	if (len < mlen || memcmp(s, method, mlen) != 0)
		return memchr(s, ':', len) ? SDES_E_METHOD : SDES_E_SYNTAX;
	s += mlen;
	len -= mlen;
	const char *bar = memchr(s, '|', len);
	size_t klen = bar ? (size_t)(bar - s) : len;
	enum sdes_err e = parse_key(s, klen, out);
	if (e != SDES_OK || !bar)
		return e;
	const char *f = bar + 1, *end = s + len;
	while (f <= end) {
		const char *next = memchr(f, '|', (size_t)(end - f));
		size_t flen = next ? (size_t)(next - f) : (size_t)(end - f);
		if (memchr(f, ':', flen))
			return SDES_E_MKI;
		if (out->lifetime || (e = parse_lifetime(f, flen, out)) != SDES_OK)
			return e != SDES_OK ? e : SDES_E_SYNTAX;
		if (!next)
			break;
		f = next + 1;
	}
	return SDES_OK;
}

/* Session parameters (RFC 4568 6.3): an unknown one makes the line unusable.
 * Those we could only honour with features libsrtp or we lack (KDR != 0,
 * unencrypted or unauthenticated SRTP, FEC keys) are refused; the window
 * size hint and FEC order change nothing for a relay and are ignored. */
static enum sdes_err
check_session_param(const char *s, size_t len)
{
	if (len == 5 && memcmp(s, "KDR=0", 5) == 0)
		return SDES_OK;
	if (len > 4 && memcmp(s, "WSH=", 4) == 0 && all_digits(s + 4, len - 4))
		return SDES_OK;
	if (len > 10 && memcmp(s, "FEC_ORDER=", 10) == 0)
		return SDES_OK;
	return SDES_E_PARAM;
}

static enum sdes_err
parse_fields(struct cur *c, struct sdes_crypto *out)
{
	const char *t;
	size_t len;
	enum sdes_err e;

	if (!next_token(c, &t, &len))
		return SDES_E_SYNTAX;
	if ((e = parse_tag(t, len, &out->tag)) != SDES_OK)
		return e;
	if (!next_token(c, &t, &len))
		return SDES_E_SYNTAX;
	if ((out->key.suite = media_sdes_suite_from_name(t, len)) == SDES_NONE)
		return SDES_E_SUITE;
	if (!next_token(c, &t, &len))
		return SDES_E_SYNTAX;
	if ((e = parse_key_params(t, len, out)) != SDES_OK)
		return e;
	while (next_token(c, &t, &len))
		if ((e = check_session_param(t, len)) != SDES_OK)
			return e;
	return SDES_OK;
}

enum sdes_err
media_sdes_parse(const char *value, struct sdes_crypto *out)
{
	struct cur c = { value, value + strlen(value) };

	memset(out, 0, sizeof(*out));
	while (c.end > c.p && (c.end[-1] == '\r' || c.end[-1] == '\n' || is_blank(c.end[-1])))
		c.end--;
	enum sdes_err e = parse_fields(&c, out);
	if (e != SDES_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

int
media_sdes_print(const struct sdes_crypto *c, char *buf, size_t size)
{
	const char *name = media_sdes_suite_name(c->key.suite);
	char key[SDES_MAX_KEY_SALT * 4 / 3 + 4], life[32] = "";
	int n;

	size_t ks = media_sdes_key_len(c->key.suite) + media_sdes_salt_len(c->key.suite);
	if (!name || media_b64_encode(c->key.key_salt, ks, key, sizeof(key)) < 0)
		return -1;
	if (c->lifetime_log2 > 0)
		snprintf(life, sizeof(life), "|2^%d", c->lifetime_log2);
	else if (c->lifetime > 0)
		snprintf(life, sizeof(life), "|%llu", (unsigned long long)c->lifetime);
	n = snprintf(buf, size, "%u %s inline:%s%s", c->tag, name, key, life);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

enum sdes_err
media_sdes_generate(enum sdes_suite suite, unsigned tag, struct sdes_crypto *out)
{
	size_t len = media_sdes_key_len(suite) + media_sdes_salt_len(suite);

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return SDES_E_SUITE;
	if (RAND_bytes(out->key.key_salt, (int)len) != 1)
		return SDES_E_RANDOM;
	out->key.suite = suite;
	out->tag = tag;
	return SDES_OK;
}

int
media_sdes_choose(const enum sdes_suite *prefs, size_t n_prefs,
    const char *const *offers, size_t n_offers,
    struct sdes_crypto *chosen, enum sdes_err *why)
{
	struct sdes_crypto c;

	for (size_t p = 0; p < n_prefs; p++)
		for (size_t i = 0; i < n_offers; i++)
			if (media_sdes_parse(offers[i], &c) == SDES_OK && c.key.suite == prefs[p]) {
				*chosen = c;
				*why = SDES_OK;
				return (int)i;
			}
	memset(chosen, 0, sizeof(*chosen));
	*why = SDES_E_NOSUITE;
	return -1;
}
