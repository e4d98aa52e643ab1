#include "config.h"

/* HMAC over the low-level SHA-1 API: its SHA_CTX is a plain struct, so the
 * keyed inner and outer states are copied per packet without allocating.
 * OpenSSL 3.0's EVP_MAC_init and EVP_MD_CTX_copy_ex allocate on every call
 * (2 and 1 allocations per packet, counted with CRYPTO_set_mem_functions). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>

#include "media/srtp_ossl.h"

#define ICM_SALT 14
#define GCM_IV 12
#define HMAC_BLOCK 64

/* The state of both AES modes: one OpenSSL context per key, kept. */
struct aes {
	EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *evp;
	int key_size;		/* ICM: where the salt starts in the key */
	int tag_len;		/* GCM */
	uint8_t salt[16];	/* ICM: the 14-byte salt, two zero bytes: the block counter */
};

/* ---- where a session's states are, for prefetching (srtp_ossl.h) ---- */

/* OpenSSL's EVP_CIPHER_CTX is opaque: the lines its per-packet fields sit
 * in, as far as an address tells (3.x: about 170 bytes). */
#define EVP_CTX_GUESS 192

static _Thread_local struct srtp_ossl_regions *noting;
static _Thread_local int noted_cipher, noted_auth;

void
media_srtp_ossl_note(struct srtp_ossl_regions *r)
{
	noting = r;
	noted_cipher = noted_auth = 0;
}

static void
note(int slot, const void *p, size_t len)
{
	noting->p[slot] = p;
	noting->len[slot] = (unsigned)len;
}

/* A cipher_t or auth_t and its state in one block, so dealloc frees one. */
static void *
alloc_with_state(size_t outer, size_t state)
{
	return calloc(1, outer + state);
}

static srtp_err_status_t
aes_alloc(srtp_cipher_pointer_t *cp, const srtp_cipher_type_t *type, int algorithm,
    const EVP_CIPHER *evp, int key_len, int key_size, int tag_len)
{
	srtp_cipher_t *c;
	struct aes *s;

	if (!(c = alloc_with_state(sizeof(*c), sizeof(*s))))
		return srtp_err_status_alloc_fail;
	s = c->state = c + 1;
	if (!(s->ctx = EVP_CIPHER_CTX_new())) {
		free(c);
		return srtp_err_status_alloc_fail;
	}
	s->evp = evp;
	s->key_size = key_size;
	s->tag_len = tag_len;
	c->type = type;
	c->algorithm = algorithm;
	c->key_len = key_len;
	if (noting && !noted_cipher++) {
		note(0, c, sizeof(*c) + sizeof(*s));
		note(1, s->ctx, EVP_CTX_GUESS);
	}
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t
aes_dealloc(srtp_cipher_pointer_t c)
{
	struct aes *s = c->state;

	EVP_CIPHER_CTX_free(s->ctx);
	OPENSSL_cleanse(c, sizeof(*c) + sizeof(*s));
	free(c);
	return srtp_err_status_ok;
}

/* ---- AES-ICM (RFC 3711 4.1.1): AES-CTR from a counter of salt ^ iv ---- */

static const srtp_cipher_type_t icm128_type, icm256_type;

static srtp_err_status_t
icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	(void)tag_len;
	if (key_len == SRTP_AES_ICM_128_KEY_LEN_WSALT)
		return aes_alloc(cp, &icm128_type, SRTP_AES_ICM_128, EVP_aes_128_ctr(), key_len,
		    SRTP_AES_128_KEY_LEN, 0);
	if (key_len == SRTP_AES_ICM_256_KEY_LEN_WSALT)
		return aes_alloc(cp, &icm256_type, SRTP_AES_ICM_256, EVP_aes_256_ctr(), key_len,
		    SRTP_AES_256_KEY_LEN, 0);
	return srtp_err_status_bad_param;
}

/* key is the session key followed by the 14-byte session salt. */
static srtp_err_status_t
icm_init(void *state, const uint8_t *key)
{
	struct aes *s = state;

	memset(s->salt, 0, sizeof(s->salt));
	memcpy(s->salt, key + s->key_size, ICM_SALT);
	if (EVP_EncryptInit_ex(s->ctx, s->evp, NULL, key, NULL) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct aes *s = state;
	uint8_t ctr[16];

	(void)dir;	/* a key stream: the same both ways */
	for (int i = 0; i < 16; i++)
		ctr[i] = iv[i] ^ s->salt[i];
	/* Cipher and key kept: only the counter is loaded, nothing allocated. */
	if (EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, ctr) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* In place, in the direction set_iv chose: ICM both ways, GCM encryption. */
static srtp_err_status_t
aes_update(void *state, uint8_t *buf, unsigned int *len)
{
	struct aes *s = state;
	int out;

	if (*len > INT_MAX || EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* ---- AES-GCM (RFC 7714): the IV arrives whole, salt applied by libsrtp2 ---- */

static const srtp_cipher_type_t gcm128_type, gcm256_type;

static srtp_err_status_t
gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len)
{
	if (tag_len != 8 && tag_len != 16)
		return srtp_err_status_bad_param;
	if (key_len == SRTP_AES_GCM_128_KEY_LEN_WSALT)
		return aes_alloc(cp, &gcm128_type, SRTP_AES_GCM_128, EVP_aes_128_gcm(), key_len,
		    0, tag_len);
	if (key_len == SRTP_AES_GCM_256_KEY_LEN_WSALT)
		return aes_alloc(cp, &gcm256_type, SRTP_AES_GCM_256, EVP_aes_256_gcm(), key_len,
		    0, tag_len);
	return srtp_err_status_bad_param;
}

/* OpenSSL's default GCM IV length is the 12 bytes SRTP uses. */
static srtp_err_status_t
gcm_init(void *state, const uint8_t *key)
{
	struct aes *s = state;

	if (EVP_CipherInit_ex(s->ctx, s->evp, NULL, key, NULL, 1) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct aes *s = state;

	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	if (EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, dir == srtp_direction_encrypt) != 1)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t
gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct aes *s = state;
	int out;

	if (len > INT_MAX || EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len) != 1)
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

/* After encrypt: the tag of what was encrypted. */
static srtp_err_status_t
gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct aes *s = state;
	uint8_t none[16];
	int out;

	if (EVP_CipherFinal_ex(s->ctx, none, &out) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len, tag) != 1)
		return srtp_err_status_algo_fail;
	*len = (uint32_t)s->tag_len;
	return srtp_err_status_ok;
}

/* buf holds the ciphertext and then the tag; on success *len loses the tag. */
static srtp_err_status_t
gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct aes *s = state;
	uint8_t none[16];
	int out;

	if (*len < (unsigned)s->tag_len || *len > INT_MAX)
		return srtp_err_status_bad_param;
	int body = (int)*len - s->tag_len;
	if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len, buf + body) != 1 ||
	    EVP_CipherUpdate(s->ctx, buf, &out, buf, body) != 1)
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, none, &out) != 1)
		return srtp_err_status_auth_fail;
	*len = (unsigned)body;
	return srtp_err_status_ok;
}

/* ---- HMAC-SHA1 (RFC 2104), keyed pads absorbed once per key ---- */

struct hmac {
	SHA_CTX inner, outer, work;
};

static const srtp_auth_type_t hmac_type;

static srtp_err_status_t
hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	srtp_auth_t *a;
	struct hmac *s;

	if (key_len < 0 || key_len > HMAC_BLOCK || out_len < 0 || out_len > SHA_DIGEST_LENGTH)
		return srtp_err_status_bad_param;
	if (!(a = alloc_with_state(sizeof(*a), sizeof(*s))))
		return srtp_err_status_alloc_fail;
	a->state = a + 1;
	a->type = &hmac_type;
	a->key_len = key_len;
	a->out_len = out_len;
	a->prefix_len = 0;
	if (noting && !noted_auth++)
		note(2, a, sizeof(*a) + sizeof(*s));
	*ap = a;
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_dealloc(srtp_auth_pointer_t a)
{
	OPENSSL_cleanse(a, sizeof(*a) + sizeof(struct hmac));
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct hmac *s = state;
	uint8_t pad[HMAC_BLOCK];

	if (key_len < 0 || key_len > HMAC_BLOCK)
		return srtp_err_status_bad_param;
	for (int k = 0; k < 2; k++) {
		SHA_CTX *h = k == 0 ? &s->inner : &s->outer;
		memset(pad, k == 0 ? 0x36 : 0x5c, sizeof(pad));
		for (int i = 0; i < key_len; i++)
			pad[i] ^= key[i];
		if (SHA1_Init(h) != 1 || SHA1_Update(h, pad, sizeof(pad)) != 1)
			return srtp_err_status_init_fail;
	}
	OPENSSL_cleanse(pad, sizeof(pad));
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_start(void *state)
{
	struct hmac *s = state;

	s->work = s->inner;
	return srtp_err_status_ok;
}

static srtp_err_status_t
hmac_update(void *state, const uint8_t *buf, int len)
{
	struct hmac *s = state;

	if (len < 0 || SHA1_Update(&s->work, buf, (size_t)len) != 1)
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

/* The last bytes (libsrtp2 passes the ROC here), then the tag's first
 * tag_len bytes. */
static srtp_err_status_t
hmac_compute(void *state, const uint8_t *buf, int len, int tag_len, uint8_t *tag)
{
	struct hmac *s = state;
	uint8_t d[SHA_DIGEST_LENGTH];
	SHA_CTX outer;

	if (tag_len < 0 || tag_len > SHA_DIGEST_LENGTH || hmac_update(s, buf, len) != srtp_err_status_ok)
		return srtp_err_status_auth_fail;
	outer = s->outer;
	if (SHA1_Final(d, &s->work) != 1 || SHA1_Update(&outer, d, sizeof(d)) != 1 ||
	    SHA1_Final(d, &outer) != 1)
		return srtp_err_status_auth_fail;
	memcpy(tag, d, (size_t)tag_len);
	OPENSSL_cleanse(d, sizeof(d));
	return srtp_err_status_ok;
}

/* ---- known answers, for libsrtp2's self-test at registration ---- */

/* Decoded from hex when installing; the hex is what the RFCs print. */
static uint8_t v_icm128_key[30], v_icm256_key[46], v_zero_iv[16], v_zero32[32];
static uint8_t v_icm128_ks[32], v_icm256_ks[32];
static uint8_t v_gcm128_key[28], v_gcm256_key[44], v_gcm_iv[12], v_gcm_pt[60], v_gcm_aad[20];
static uint8_t v_gcm128_ct[76], v_gcm256_ct[76];
static uint8_t v_hmac_key[20], v_hmac_tag[20];

static const struct {
	uint8_t *buf;
	size_t len;
	const char *hex;
} vectors[] = {
	/* RFC 3711 B.2: session key, then salt; the first two key-stream blocks */
	{ v_icm128_key, 30, "2b7e151628aed2a6abf7158809cf4f3c" "f0f1f2f3f4f5f6f7f8f9fafbfcfd" },
	{ v_icm128_ks, 32, "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab" },
	/* RFC 6188 7.1 */
	{ v_icm256_key, 46, "57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98"
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfd" },
	{ v_icm256_ks, 32, "92bdd28a93c3f52511c677d08b5515a49da71b2378a854f67050756ded165bac" },
	/* The GCM specification (McGrew, Viega), test cases 4 and 16; the
	 * 12 bytes after each key are an SRTP salt the cipher does not use. */
	{ v_gcm128_key, 28, "feffe9928665731c6d6a8f9467308308" "000102030405060708090a0b" },
	{ v_gcm256_key, 44, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
	    "000102030405060708090a0b" },
	{ v_gcm_iv, 12, "cafebabefacedbaddecaf888" },
	{ v_gcm_pt, 60, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39" },
	{ v_gcm_aad, 20, "feedfacedeadbeeffeedfacedeadbeefabaddad2" },
	{ v_gcm128_ct, 76, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	    "5bc94fbc3221a5db94fae95ae7121a47" },
	{ v_gcm256_ct, 76, "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
	    "76fc6ece0f4e1768cddf8853bb2d551b" },
	/* RFC 2202, HMAC-SHA-1 test case 1 ("Hi There") */
	{ v_hmac_key, 20, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b" },
	{ v_hmac_tag, 20, "b617318655057264e28bc0b6fb378c8ef146be00" },
};

static const srtp_cipher_test_case_t icm128_test = {
	30, v_icm128_key, v_zero_iv, 32, v_zero32, 32, v_icm128_ks, 0, NULL, 0, NULL
};
static const srtp_cipher_test_case_t icm256_test = {
	46, v_icm256_key, v_zero_iv, 32, v_zero32, 32, v_icm256_ks, 0, NULL, 0, NULL
};
static const srtp_cipher_test_case_t gcm128_test = {
	28, v_gcm128_key, v_gcm_iv, 60, v_gcm_pt, 76, v_gcm128_ct, 20, v_gcm_aad, 16, NULL
};
static const srtp_cipher_test_case_t gcm256_test = {
	44, v_gcm256_key, v_gcm_iv, 60, v_gcm_pt, 76, v_gcm256_ct, 20, v_gcm_aad, 16, NULL
};
static const srtp_auth_test_case_t hmac_test = {
	20, v_hmac_key, 8, (const uint8_t *)"Hi There", 20, v_hmac_tag, NULL
};

#define ICM_TYPE(name, desc, test, id)						\
	static const srtp_cipher_type_t name = {				\
		icm_alloc, aes_dealloc, icm_init, NULL, aes_update, aes_update,	\
		icm_set_iv, NULL, desc, &test, id				\
	}
#define GCM_TYPE(name, desc, test, id)						\
	static const srtp_cipher_type_t name = {				\
		gcm_alloc, aes_dealloc, gcm_init, gcm_set_aad, aes_update,	\
		gcm_decrypt, gcm_set_iv, gcm_get_tag, desc, &test, id		\
	}
ICM_TYPE(icm128_type, "AES-128 ICM (umsbc, OpenSSL)", icm128_test, SRTP_AES_ICM_128);
ICM_TYPE(icm256_type, "AES-256 ICM (umsbc, OpenSSL)", icm256_test, SRTP_AES_ICM_256);
GCM_TYPE(gcm128_type, "AES-128 GCM (umsbc, OpenSSL)", gcm128_test, SRTP_AES_GCM_128);
GCM_TYPE(gcm256_type, "AES-256 GCM (umsbc, OpenSSL)", gcm256_test, SRTP_AES_GCM_256);

static const srtp_auth_type_t hmac_type = {
	hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
	"HMAC-SHA1 (umsbc, OpenSSL)", &hmac_test, SRTP_HMAC_SHA1
};

static int installed;

static int
decode_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t n = 0;
		if (OPENSSL_hexstr2buf_ex(vectors[i].buf, vectors[i].len, &n, vectors[i].hex, '\0') != 1 ||
		    n != vectors[i].len)
			return -1;
	}
	return 0;
}

int
media_srtp_ossl_install(void)
{
	static const srtp_cipher_type_t *const ciphers[] = {
		&icm128_type, &icm256_type, &gcm128_type, &gcm256_type,
	};

	if (decode_vectors() < 0)
		return -1;
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (srtp_replace_cipher_type(ciphers[i], ciphers[i]->id) != srtp_err_status_ok)
			return -1;
	if (srtp_replace_auth_type(&hmac_type, SRTP_HMAC_SHA1) != srtp_err_status_ok)
		return -1;
	installed = 1;
	return 0;
}

int
media_srtp_ossl_installed(void)
{
	return installed;
}
