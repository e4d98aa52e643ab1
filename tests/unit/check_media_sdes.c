#include "config.h"

#include <stdio.h>
#include <string.h>

#include "media_suites.h"

static const enum sdes_suite all[] = {
	SDES_AEAD_AES_256_GCM, SDES_AEAD_AES_128_GCM, SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_256_CM_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_32,
};
#define N_ALL (sizeof(all) / sizeof(all[0]))

/* RFC 4568's example key (30 bytes: AES_CM_128 key + salt). */
#define KEY30 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

START_TEST(lengths_per_rfc)
{
	ck_assert_uint_eq(media_sdes_key_len(SDES_AEAD_AES_256_GCM) + media_sdes_salt_len(SDES_AEAD_AES_256_GCM), 44);
	ck_assert_uint_eq(media_sdes_key_len(SDES_AEAD_AES_128_GCM) + media_sdes_salt_len(SDES_AEAD_AES_128_GCM), 28);
	ck_assert_uint_eq(media_sdes_key_len(SDES_AES_256_CM_HMAC_SHA1_80) + media_sdes_salt_len(SDES_AES_256_CM_HMAC_SHA1_80), 46);
	ck_assert_uint_eq(media_sdes_key_len(SDES_AES_256_CM_HMAC_SHA1_32) + media_sdes_salt_len(SDES_AES_256_CM_HMAC_SHA1_32), 46);
	ck_assert_uint_eq(media_sdes_key_len(SDES_AES_CM_128_HMAC_SHA1_80) + media_sdes_salt_len(SDES_AES_CM_128_HMAC_SHA1_80), 30);
	ck_assert_uint_eq(media_sdes_key_len(SDES_AES_CM_128_HMAC_SHA1_32) + media_sdes_salt_len(SDES_AES_CM_128_HMAC_SHA1_32), 30);
	ck_assert_uint_eq(media_sdes_key_len(SDES_NONE), 0);
}
END_TEST

/* Generate, print, parse back: every suite, the key bytes survive. */
START_TEST(roundtrip_every_suite)
{
	for (size_t i = 0; i < N_ALL; i++) {
		struct sdes_crypto a, b;
		char line[SDES_PRINT_MAX], again[SDES_PRINT_MAX];
		ck_assert_int_eq(media_sdes_generate(all[i], (unsigned)i + 1, &a), SDES_OK);
		int n = media_sdes_print(&a, line, sizeof(line));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(media_sdes_parse(line, &b), SDES_OK);
		ck_assert_uint_eq(b.tag, i + 1);
		ck_assert_int_eq(b.key.suite, all[i]);
		ck_assert_mem_eq(a.key.key_salt, b.key.key_salt,
		    media_sdes_key_len(all[i]) + media_sdes_salt_len(all[i]));
		ck_assert_uint_eq(b.lifetime, 0);
		ck_assert_int_eq(media_sdes_print(&b, again, sizeof(again)), n);
		ck_assert_str_eq(line, again);
		ck_assert_ptr_nonnull(strstr(line, media_sdes_suite_name(all[i])));
	}
}
END_TEST

START_TEST(generate_is_random)
{
	struct sdes_crypto a, b;

	ck_assert_int_eq(media_sdes_generate(SDES_AEAD_AES_256_GCM, 1, &a), SDES_OK);
	ck_assert_int_eq(media_sdes_generate(SDES_AEAD_AES_256_GCM, 1, &b), SDES_OK);
	ck_assert(memcmp(a.key.key_salt, b.key.key_salt, 44) != 0);
	ck_assert_int_eq(media_sdes_generate(SDES_NONE, 1, &a), SDES_E_SUITE);
}
END_TEST

START_TEST(rfc4568_example)
{
	struct sdes_crypto c;
	char out[SDES_PRINT_MAX];

	ck_assert_int_eq(media_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20\r\n", &c), SDES_OK);
	ck_assert_uint_eq(c.tag, 1);
	ck_assert_int_eq(c.key.suite, SDES_AES_CM_128_HMAC_SHA1_80);
	ck_assert_uint_eq(c.lifetime, 1u << 20);
	ck_assert_int_eq(c.key.key_salt[0], 0x3d);	/* 'PS1u' = 3d 2d 6e */
	ck_assert_int_eq(c.key.key_salt[1], 0x2d);
	ck_assert_int_gt(media_sdes_print(&c, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20");
}
END_TEST

START_TEST(lifetimes)
{
	struct sdes_crypto c;
	char out[SDES_PRINT_MAX];
	const char *pre = "7 AES_CM_128_HMAC_SHA1_32 inline:" KEY30;
	char line[200];

	snprintf(line, sizeof(line), "%s|2^31", pre);
	ck_assert_int_eq(media_sdes_parse(line, &c), SDES_OK);
	ck_assert_uint_eq(c.lifetime, 1ull << 31);
	snprintf(line, sizeof(line), "%s|1048576", pre);
	ck_assert_int_eq(media_sdes_parse(line, &c), SDES_OK);
	ck_assert_uint_eq(c.lifetime, 1048576);
	ck_assert_int_gt(media_sdes_print(&c, out, sizeof(out)), 0);
	ck_assert_str_eq(out, line);	/* decimal stays decimal */
	snprintf(line, sizeof(line), "%s|2^48", pre);
	ck_assert_int_eq(media_sdes_parse(line, &c), SDES_OK);
	static const char *const bad[] = { "|2^49", "|2^0", "|0", "|2^", "|", "|abc",
	    "|2^20|2^20", "|281474976710657" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s%s", pre, bad[i]);
		enum sdes_err e = media_sdes_parse(line, &c);
		ck_assert_msg(e == SDES_E_LIFETIME || e == SDES_E_SYNTAX, "%s: %d", bad[i], e);
		ck_assert_int_eq(c.key.suite, SDES_NONE);	/* nothing half-parsed */
	}
}
END_TEST

START_TEST(mki_refused)
{
	struct sdes_crypto c;

	ck_assert_int_eq(media_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4", &c),
	    SDES_E_MKI);
	ck_assert_int_eq(media_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:4", &c),
	    SDES_E_MKI);
	ck_assert_int_eq(media_sdes_parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4;"
	    "inline:" KEY30 "|2^20|2:4", &c), SDES_E_MULTIKEY);
	ck_assert_str_eq(media_sdes_strerror(SDES_E_MKI), "MKI is not supported");
}
END_TEST

START_TEST(malformed)
{
	struct { const char *line; enum sdes_err want; } t[] = {
		{ "", SDES_E_SYNTAX },
		{ "1", SDES_E_SYNTAX },
		{ "1 AES_CM_128_HMAC_SHA1_80", SDES_E_SYNTAX },
		{ "x AES_CM_128_HMAC_SHA1_80 inline:" KEY30, SDES_E_TAG },
		{ "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, SDES_E_TAG },
		{ "1 F8_128_HMAC_SHA1_80 inline:" KEY30, SDES_E_SUITE },
		{ "1 aes_cm_128_hmac_sha1_80 inline:" KEY30, SDES_E_SUITE },
		{ "1 AES_CM_128_HMAC_SHA1_80 uri:http://x/" , SDES_E_METHOD },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!", SDES_E_BASE64 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB", SDES_E_BASE64 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR===", SDES_E_BASE64 },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0m", SDES_E_KEYLEN },
		{ "1 AES_256_CM_HMAC_SHA1_80 inline:" KEY30, SDES_E_KEYLEN },
		{ "1 AEAD_AES_128_GCM inline:" KEY30, SDES_E_KEYLEN },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " UNENCRYPTED_SRTP", SDES_E_PARAM },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=4", SDES_E_PARAM },
		{ "1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " KDR=0 WSH=128", SDES_OK },
		{ "  1\tAES_CM_128_HMAC_SHA1_80  inline:" KEY30 "  \r\n", SDES_OK },
	};
	struct sdes_crypto c;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum sdes_err e = media_sdes_parse(t[i].line, &c);
		ck_assert_msg(e == t[i].want, "'%s': got %d (%s), want %d", t[i].line, e,
		    media_sdes_strerror(e), t[i].want);
	}
	for (int e = SDES_OK; e <= SDES_E_RANDOM; e++)
		ck_assert_str_ne(media_sdes_strerror((enum sdes_err)e), "unknown SDES error");
}
END_TEST

/* 28 bytes of GCM-128 key||salt: padded "...==" and unpadded both accepted. */
START_TEST(padding_optional)
{
	struct sdes_crypto a, b;
	char line[SDES_PRINT_MAX];

	ck_assert_int_eq(media_sdes_generate(SDES_AEAD_AES_128_GCM, 3, &a), SDES_OK);
	int n = media_sdes_print(&a, line, sizeof(line));
	ck_assert_str_eq(line + n - 2, "==");	/* 28 = 9 * 3 + 1 */
	line[n - 1] = '\0';			/* half the padding: wrong */
	ck_assert_int_eq(media_sdes_parse(line, &b), SDES_E_BASE64);
	line[n - 2] = '\0';			/* none: fine */
	ck_assert_int_eq(media_sdes_parse(line, &b), SDES_OK);
	ck_assert_mem_eq(a.key.key_salt, b.key.key_salt, 28);
}
END_TEST

START_TEST(print_too_small)
{
	struct sdes_crypto a;
	char small[20];

	ck_assert_int_eq(media_sdes_generate(SDES_AES_CM_128_HMAC_SHA1_80, 1, &a), SDES_OK);
	ck_assert_int_eq(media_sdes_print(&a, small, sizeof(small)), -1);
	a.key.suite = SDES_NONE;
	char big[SDES_PRINT_MAX];
	ck_assert_int_eq(media_sdes_print(&a, big, sizeof(big)), -1);
}
END_TEST

static void
line_for(enum sdes_suite s, unsigned tag, char *buf)
{
	struct sdes_crypto c;

	ck_assert_int_eq(media_sdes_generate(s, tag, &c), SDES_OK);
	ck_assert_int_gt(media_sdes_print(&c, buf, SDES_PRINT_MAX), 0);
}

/* Our order decides, not the offer's; unusable lines are skipped. */
START_TEST(choose_in_our_order)
{
	char l1[SDES_PRINT_MAX], l2[SDES_PRINT_MAX], l4[SDES_PRINT_MAX];
	char l3[] = "3 AEAD_AES_256_GCM inline:" KEY30 "|1:4";	/* MKI: unusable */
	const char *offer[] = { l1, l2, l3, l4 };
	struct sdes_crypto got;
	enum sdes_err why;

	line_for(SDES_AES_CM_128_HMAC_SHA1_80, 1, l1);
	line_for(SDES_AES_CM_128_HMAC_SHA1_32, 2, l2);
	line_for(SDES_AES_256_CM_HMAC_SHA1_80, 4, l4);
	ck_assert_int_eq(media_sdes_choose(all, N_ALL, offer, 4, &got, &why), 3);
	ck_assert_int_eq(why, SDES_OK);
	ck_assert_uint_eq(got.tag, 4);
	ck_assert_int_eq(got.key.suite, SDES_AES_256_CM_HMAC_SHA1_80);

	/* A config preferring the 32-bit tag (odd, but ours to choose). */
	enum sdes_suite short_first[] = { SDES_AES_CM_128_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_80 };
	ck_assert_int_eq(media_sdes_choose(short_first, 2, offer, 4, &got, &why), 1);
	ck_assert_uint_eq(got.tag, 2);

	enum sdes_suite gcm_only[] = { SDES_AEAD_AES_256_GCM, SDES_AEAD_AES_128_GCM };
	ck_assert_int_eq(media_sdes_choose(gcm_only, 2, offer, 4, &got, &why), -1);
	ck_assert_int_eq(why, SDES_E_NOSUITE);
	ck_assert_int_eq(got.key.suite, SDES_NONE);
	ck_assert_int_eq(media_sdes_choose(all, N_ALL, offer, 0, &got, &why), -1);
}
END_TEST

START_TEST(names)
{
	for (size_t i = 0; i < N_ALL; i++) {
		const char *n = media_sdes_suite_name(all[i]);
		ck_assert_int_eq(media_sdes_suite_from_name(n, strlen(n)), all[i]);
	}
	ck_assert_ptr_null(media_sdes_suite_name(SDES_NONE));
	ck_assert_ptr_null(media_sdes_suite_name(SDES_SUITE_COUNT));
	ck_assert_int_eq(media_sdes_suite_from_name("AES_CM_128_HMAC_SHA1_8", 22), SDES_NONE);
}
END_TEST

Suite *
media_sdes_suite(void)
{
	Suite *s = suite_create("media_sdes");
	TCase *tc = tcase_create("sdes");

	tcase_add_test(tc, lengths_per_rfc);
	tcase_add_test(tc, roundtrip_every_suite);
	tcase_add_test(tc, generate_is_random);
	tcase_add_test(tc, rfc4568_example);
	tcase_add_test(tc, lifetimes);
	tcase_add_test(tc, mki_refused);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, padding_optional);
	tcase_add_test(tc, print_too_small);
	tcase_add_test(tc, choose_in_our_order);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}
