/* SDES (RFC 4568): the value of an a=crypto attribute, parsed and printed,
 * key generation and the choice of a suite from a peer's offer. No SIP and
 * no SDP here: the proxy hands over the attribute value (what follows
 * "a=crypto:") and writes back what media_sdes_print makes. */
#ifndef UMSBC_MEDIA_SDES_H
#define UMSBC_MEDIA_SDES_H

#include <stddef.h>
#include <stdint.h>

/* The suites of the config contract. SDES_NONE means plain RTP. */
enum sdes_suite {
	SDES_NONE = 0,
	SDES_AEAD_AES_256_GCM,		/* RFC 7714 */
	SDES_AEAD_AES_128_GCM,		/* RFC 7714 */
	SDES_AES_256_CM_HMAC_SHA1_80,	/* RFC 6188 */
	SDES_AES_CM_128_HMAC_SHA1_80,	/* RFC 4568 */
	SDES_AES_256_CM_HMAC_SHA1_32,	/* RFC 6188 */
	SDES_AES_CM_128_HMAC_SHA1_32,	/* RFC 4568 */
	SDES_SUITE_COUNT
};

/* Largest master key + master salt: AES-256 key (32) + CM salt (14). */
#define SDES_MAX_KEY_SALT 46
/* Longest attribute value media_sdes_print writes, NUL included. */
#define SDES_PRINT_MAX 160

enum sdes_err {
	SDES_OK = 0,
	SDES_E_SYNTAX,		/* not "tag suite key-params [session-params]" */
	SDES_E_TAG,		/* tag not 1-9 digits */
	SDES_E_SUITE,		/* a suite we do not know or do not offer */
	SDES_E_METHOD,		/* key method other than inline: */
	SDES_E_BASE64,		/* key||salt not valid base64 */
	SDES_E_KEYLEN,		/* key||salt of the wrong length for the suite */
	SDES_E_LIFETIME,	/* lifetime not 2^n or decimal, zero or > 2^48 */
	SDES_E_MKI,		/* an MKI was given: not supported */
	SDES_E_MULTIKEY,	/* several key-params: needs MKI, not supported */
	SDES_E_PARAM,		/* a session parameter we cannot honour */
	SDES_E_NOSUITE,		/* media_sdes_choose: nothing acceptable offered */
	SDES_E_RANDOM,		/* RAND_bytes failed */
};

/* A suite's master key and salt, which is all libsrtp needs. */
struct sdes_key {
	enum sdes_suite suite;
	uint8_t key_salt[SDES_MAX_KEY_SALT];	/* key then salt */
};

struct sdes_crypto {
	unsigned tag;
	struct sdes_key key;
	uint64_t lifetime;	/* 0 = not given */
	int lifetime_log2;	/* >0: it was written 2^n, printed the same way */
};

const char *media_sdes_strerror(enum sdes_err e);
/* Name as in RFC 4568 / 6188 / 7714, or NULL for SDES_NONE / out of range. */
const char *media_sdes_suite_name(enum sdes_suite s);
/* SDES_NONE if the name is not one of ours (case matters, as in the RFCs). */
enum sdes_suite media_sdes_suite_from_name(const char *name, size_t len);
/* Bytes of master key, of master salt, and of the SRTP auth tag. */
size_t media_sdes_key_len(enum sdes_suite s);
size_t media_sdes_salt_len(enum sdes_suite s);

/* Parses an attribute value such as
 * "1 AES_CM_128_HMAC_SHA1_80 inline:KEYSALT|2^20 KDR=0". Trailing blanks and
 * CR/LF are ignored. On error *out is left zeroed. */
enum sdes_err media_sdes_parse(const char *value, struct sdes_crypto *out);
/* Writes the attribute value (no "a=crypto:", no CRLF) into buf; returns its
 * length, or -1 if it does not fit or c holds no valid suite. */
int media_sdes_print(const struct sdes_crypto *c, char *buf, size_t size);
/* A fresh random key for the suite, from OpenSSL's RNG; no lifetime. */
enum sdes_err media_sdes_generate(enum sdes_suite suite, unsigned tag, struct sdes_crypto *out);

/* Of the offered attribute values, the one whose suite comes first in our
 * preference list (ties: the first such line in the offer). Lines that do not
 * parse (MKI, unknown suite, bad key) are skipped, as RFC 4568 lets an
 * answerer do. Returns the index into offers and fills *chosen, or -1 with
 * SDES_E_NOSUITE in *why (the proxy answers 488). */
int media_sdes_choose(const enum sdes_suite *prefs, size_t n_prefs,
    const char *const *offers, size_t n_offers,
    struct sdes_crypto *chosen, enum sdes_err *why);

#endif
