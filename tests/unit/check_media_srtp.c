#include "config.h"

#include <string.h>

#include <srtp2/crypto_types.h>

#include "media_suites.h"
#include "media/srtp_ctx.h"

static const enum sdes_suite all[] = {
	SDES_AEAD_AES_256_GCM, SDES_AEAD_AES_128_GCM, SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_256_CM_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_32,
};
#define N_ALL ((int)(sizeof(all) / sizeof(all[0])))

/* Wire overhead of SRTP per suite: the auth tag (RFC 3711, RFC 7714). */
static int
tag_len(enum sdes_suite s)
{
	return s == SDES_AES_256_CM_HMAC_SHA1_32 || s == SDES_AES_CM_128_HMAC_SHA1_32 ? 4 :
	    s == SDES_AEAD_AES_256_GCM || s == SDES_AEAD_AES_128_GCM ? 16 : 10;
}

static struct sdes_key
key_for(enum sdes_suite s)
{
	struct sdes_crypto c;

	ck_assert_int_eq(media_sdes_generate(s, 1, &c), SDES_OK);
	return c.key;
}

static void
setup(void)
{
	ck_assert_int_eq(media_srtpctx_global_init(), 0);
}

/* The test's session protects, the wrapper unprotects; and back. */
START_TEST(rtp_roundtrip)
{
	enum sdes_suite suite = all[_i];
	struct sdes_key k = key_for(suite);
	srtp_t ref_out = test_srtp_session(&k, 0), ref_in = test_srtp_session(&k, 1);
	struct srtpctx *in = media_srtpctx_new(&k, SRTPCTX_INBOUND);
	struct srtpctx *out = media_srtpctx_new(&k, SRTPCTX_OUTBOUND);
	uint8_t pkt[512], orig[512];

	ck_assert_ptr_nonnull(ref_out);
	ck_assert_ptr_nonnull(ref_in);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	for (uint16_t seq = 100; seq < 110; seq++) {
		int len = test_rtp(pkt, seq, 0x1234, (uint8_t)seq, 160), plain = len;
		memcpy(orig, pkt, (size_t)len);
		ck_assert_int_eq(srtp_protect(ref_out, pkt, &len), srtp_err_status_ok);
		ck_assert_int_eq(len, plain + tag_len(suite));
		ck_assert(memcmp(pkt + 12, orig + 12, 160) != 0);	/* really encrypted */
		ck_assert_int_eq(media_srtpctx_unprotect(in, pkt, &len, 0), SRTPCTX_OK);
		ck_assert_int_eq(len, plain);
		ck_assert_mem_eq(pkt, orig, (size_t)plain);

		ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, 0), SRTPCTX_OK);
		ck_assert_int_eq(len, plain + tag_len(suite));
		ck_assert_int_eq(srtp_unprotect(ref_in, pkt, &len), srtp_err_status_ok);
		ck_assert_mem_eq(pkt, orig, (size_t)plain);
	}
	srtp_dealloc(ref_out);
	srtp_dealloc(ref_in);
	media_srtpctx_free(in);
	media_srtpctx_free(out);
}
END_TEST

START_TEST(rtcp_roundtrip)
{
	enum sdes_suite suite = all[_i];
	struct sdes_key k = key_for(suite);
	srtp_t ref_out = test_srtp_session(&k, 0), ref_in = test_srtp_session(&k, 1);
	struct srtpctx *in = media_srtpctx_new(&k, SRTPCTX_INBOUND);
	struct srtpctx *out = media_srtpctx_new(&k, SRTPCTX_OUTBOUND);
	uint8_t pkt[256], orig[256];
	/* SRTCP: E flag + 31-bit index, then the tag; 80 bits even for _32. */
	int trailer = 4 + (tag_len(suite) == 4 ? 10 : tag_len(suite));

	for (int i = 0; i < 5; i++) {
		int len = test_rtcp(pkt, 0x4321, (uint8_t)i), plain = len;
		memcpy(orig, pkt, (size_t)len);
		ck_assert_int_eq(srtp_protect_rtcp(ref_out, pkt, &len), srtp_err_status_ok);
		ck_assert_int_eq(len, plain + trailer);
		ck_assert_int_eq(media_srtpctx_unprotect(in, pkt, &len, 1), SRTPCTX_OK);
		ck_assert_mem_eq(pkt, orig, (size_t)plain);
		ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, 1), SRTPCTX_OK);
		ck_assert_int_eq(len, plain + trailer);
		ck_assert_int_eq(srtp_unprotect_rtcp(ref_in, pkt, &len), srtp_err_status_ok);
		ck_assert_mem_eq(pkt, orig, (size_t)plain);
	}
	srtp_dealloc(ref_out);
	srtp_dealloc(ref_in);
	media_srtpctx_free(in);
	media_srtpctx_free(out);
}
END_TEST

/* A flipped bit is an auth failure, a second copy a replay: told apart. */
START_TEST(auth_and_replay_apart)
{
	enum sdes_suite suite = all[_i];
	struct sdes_key k = key_for(suite), other = key_for(suite);
	srtp_t ref_out = test_srtp_session(&k, 0);
	struct srtpctx *in = media_srtpctx_new(&k, SRTPCTX_INBOUND);
	struct srtpctx *wrong = media_srtpctx_new(&other, SRTPCTX_INBOUND);
	uint8_t pkt[512], copy[512];
	int len = test_rtp(pkt, 7, 99, 0x55, 160);

	ck_assert_int_eq(srtp_protect(ref_out, pkt, &len), srtp_err_status_ok);
	memcpy(copy, pkt, (size_t)len);
	int l2 = len;
	ck_assert_int_eq(media_srtpctx_unprotect(wrong, copy, &l2, 0), SRTPCTX_AUTH);
	memcpy(copy, pkt, (size_t)len);
	copy[20] ^= 1;
	l2 = len;
	ck_assert_int_eq(media_srtpctx_unprotect(in, copy, &l2, 0), SRTPCTX_AUTH);
	memcpy(copy, pkt, (size_t)len);
	l2 = len;
	ck_assert_int_eq(media_srtpctx_unprotect(in, copy, &l2, 0), SRTPCTX_OK);
	memcpy(copy, pkt, (size_t)len);
	l2 = len;
	ck_assert_int_eq(media_srtpctx_unprotect(in, copy, &l2, 0), SRTPCTX_REPLAY);
	l2 = 5;
	ck_assert_int_ne(media_srtpctx_unprotect(in, copy, &l2, 0), SRTPCTX_OK);
	srtp_dealloc(ref_out);
	media_srtpctx_free(in);
	media_srtpctx_free(wrong);
}
END_TEST

static int
send_with(srtp_t s, uint16_t seq, uint8_t *pkt)
{
	int len = test_rtp(pkt, seq, 0xabc, (uint8_t)seq, 160);
	ck_assert_int_eq(srtp_protect(s, pkt, &len), srtp_err_status_ok);
	return len;
}

/* Re-key: packets under the old key still pass after the new key is
 * installed, until the first one under the new key authenticates; then the
 * old key is refused. */
START_TEST(rekey_without_gap)
{
	enum sdes_suite suite = all[_i];
	struct sdes_key ka = key_for(suite), kb = key_for(suite);
	srtp_t a = test_srtp_session(&ka, 0), b = test_srtp_session(&kb, 0);
	struct srtpctx_rx rx = { 0 };
	uint8_t pkt[512], scratch[512];
	int len;

	media_srtpctx_rx_rekey(&rx, media_srtpctx_new(&ka, SRTPCTX_INBOUND));
	ck_assert_ptr_nonnull(rx.cur);
	ck_assert_ptr_null(rx.next);
	len = send_with(a, 1, pkt);
	ck_assert_int_eq(media_srtpctx_rx_unprotect(&rx, pkt, &len, 0, scratch), SRTPCTX_OK);

	media_srtpctx_rx_rekey(&rx, media_srtpctx_new(&kb, SRTPCTX_INBOUND));
	ck_assert_ptr_nonnull(rx.next);
	len = send_with(a, 2, pkt);		/* peer has not switched yet */
	ck_assert_int_eq(media_srtpctx_rx_unprotect(&rx, pkt, &len, 0, scratch), SRTPCTX_OK);
	ck_assert_uint_eq(pkt[12], 2);
	len = send_with(b, 3, pkt);		/* first packet under the new key */
	ck_assert_int_eq(media_srtpctx_rx_unprotect(&rx, pkt, &len, 0, scratch), SRTPCTX_OK);
	ck_assert_uint_eq(pkt[12], 3);
	ck_assert_ptr_null(rx.next);
	ck_assert_ptr_nonnull(rx.retired);
	len = send_with(a, 4, pkt);		/* the old key is over */
	ck_assert_int_eq(media_srtpctx_rx_unprotect(&rx, pkt, &len, 0, scratch), SRTPCTX_AUTH);
	len = send_with(b, 5, pkt);
	ck_assert_int_eq(media_srtpctx_rx_unprotect(&rx, pkt, &len, 0, scratch), SRTPCTX_OK);
	media_srtpctx_rx_reap(&rx);
	ck_assert_ptr_null(rx.retired);
	media_srtpctx_rx_clear(&rx);
	srtp_dealloc(a);
	srtp_dealloc(b);
}
END_TEST

/* Protect SSRC a's packet seq on both sessions; 1 when they agree. */
static int
same_as_ref(struct srtpctx *out, srtp_t ref, uint16_t seq)
{
	uint8_t pkt[512], want[512];
	int len = test_rtp(pkt, seq, 0xa, 1, 160), wlen = test_rtp(want, seq, 0xa, 1, 160);

	ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, 0), SRTPCTX_OK);
	ck_assert_int_eq(srtp_protect(ref, want, &wlen), srtp_err_status_ok);
	return len == wlen && memcmp(pkt, want, (size_t)len) == 0;
}

/* SSRC a wraps its sequence numbers (ROC 1), then `others` SSRCs pass (with
 * a sending between each when busy), then a sends again. 1 when its packet
 * still equals a reference session's (its ROC was kept), 0 when it differs
 * (its stream was forgotten: ROC 0). */
static int
roc_kept_after(int others, int busy)
{
	struct sdes_key k = key_for(SDES_AES_CM_128_HMAC_SHA1_80);
	srtp_t ref = test_srtp_session(&k, 0);
	struct srtpctx *out = media_srtpctx_new(&k, SRTPCTX_OUTBOUND);
	uint8_t pkt[512];
	int len;

	ck_assert_ptr_nonnull(ref);
	ck_assert_ptr_nonnull(out);
	for (uint16_t seq = 65534; seq != 2; seq++)
		ck_assert(same_as_ref(out, ref, seq));
	uint16_t next = 2;
	for (int i = 0; i < others; i++) {
		len = test_rtp(pkt, 5, 0x100 + (uint32_t)i, 1, 160);
		ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, 0), SRTPCTX_OK);
		if (busy)
			ck_assert(same_as_ref(out, ref, next++));
	}
	int kept = same_as_ref(out, ref, next);
	srtp_dealloc(ref);
	media_srtpctx_free(out);
	return kept;
}

/* 15 other SSRCs leave an idle stream alone; the 16th other one evicts it.
 * A stream in use is never the one evicted, however many SSRCs pass. */
START_TEST(ssrcs_bounded)
{
	ck_assert_int_eq(roc_kept_after(15, 0), 1);
	ck_assert_int_eq(roc_kept_after(16, 0), 0);
	ck_assert_int_eq(roc_kept_after(64, 1), 1);
}
END_TEST

/* The one policy table, against the RFCs: cipher, key + salt, tag, for RTP
 * and RTCP (SRTCP keeps an 80-bit tag for the _32 suites: RFC 4568 6.2.2,
 * RFC 6188 3; GCM's 16-byte tag for both: RFC 7714 12). */
START_TEST(suite_policy)
{
	static const struct {
		enum sdes_suite s;
		srtp_cipher_type_id_t cipher;
		int key_salt, auth, rtp_tag, rtcp_tag;
	} want[] = {
		{ SDES_AEAD_AES_256_GCM, SRTP_AES_GCM_256, 44, SRTP_NULL_AUTH, 16, 16 },
		{ SDES_AEAD_AES_128_GCM, SRTP_AES_GCM_128, 28, SRTP_NULL_AUTH, 16, 16 },
		{ SDES_AES_256_CM_HMAC_SHA1_80, SRTP_AES_ICM_256, 46, SRTP_HMAC_SHA1, 10, 10 },
		{ SDES_AES_CM_128_HMAC_SHA1_80, SRTP_AES_ICM_128, 30, SRTP_HMAC_SHA1, 10, 10 },
		{ SDES_AES_256_CM_HMAC_SHA1_32, SRTP_AES_ICM_256, 46, SRTP_HMAC_SHA1, 4, 10 },
		{ SDES_AES_CM_128_HMAC_SHA1_32, SRTP_AES_ICM_128, 30, SRTP_HMAC_SHA1, 4, 10 },
	};
	srtp_crypto_policy_t rtp, rtcp;

	ck_assert_int_eq(sizeof(want) / sizeof(want[0]), N_ALL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(media_srtpctx_suite_policy(want[i].s, &rtp, &rtcp), 0);
		ck_assert_int_eq(rtp.cipher_type, want[i].cipher);
		ck_assert_int_eq(rtcp.cipher_type, want[i].cipher);
		ck_assert_int_eq(rtp.cipher_key_len, want[i].key_salt);
		ck_assert_int_eq(rtcp.cipher_key_len, want[i].key_salt);
		ck_assert_int_eq(rtp.auth_type, want[i].auth);
		ck_assert_int_eq(rtp.auth_tag_len, want[i].rtp_tag);
		ck_assert_int_eq(rtcp.auth_tag_len, want[i].rtcp_tag);
		ck_assert_int_eq(rtp.auth_tag_len, tag_len(want[i].s));
		ck_assert_int_eq(rtp.sec_serv, sec_serv_conf_and_auth);
		ck_assert_int_eq(rtcp.sec_serv, sec_serv_conf_and_auth);
	}
	ck_assert_int_eq(media_srtpctx_suite_policy(SDES_NONE, &rtp, &rtcp), -1);
	ck_assert_int_eq(media_srtpctx_suite_policy(SDES_SUITE_COUNT, &rtp, &rtcp), -1);
}
END_TEST

START_TEST(bad_suite_refused)
{
	struct sdes_key k = { .suite = SDES_NONE };

	ck_assert_ptr_null(media_srtpctx_new(&k, SRTPCTX_INBOUND));
	k.suite = SDES_SUITE_COUNT;
	ck_assert_ptr_null(media_srtpctx_new(&k, SRTPCTX_OUTBOUND));
}
END_TEST

Suite *
media_srtp_suite(void)
{
	Suite *s = suite_create("media_srtp");
	TCase *tc = tcase_create("srtp");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, rtp_roundtrip, 0, N_ALL);
	tcase_add_loop_test(tc, rtcp_roundtrip, 0, N_ALL);
	tcase_add_loop_test(tc, auth_and_replay_apart, 0, N_ALL);
	tcase_add_loop_test(tc, rekey_without_gap, 0, N_ALL);
	tcase_add_test(tc, ssrcs_bounded);
	tcase_add_test(tc, suite_policy);
	tcase_add_test(tc, bad_suite_refused);
	suite_add_tcase(s, tc);
	return s;
}
