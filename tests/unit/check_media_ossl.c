#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "media_suites.h"
#include "media/srtp_ctx.h"
#include "media/srtp_ossl.h"

/* Our OpenSSL ciphers inside libsrtp2 (media/srtp_ossl.c) against the ones
 * Debian's libsrtp2 ships (NSS): the same key must give the same bytes on the
 * wire, and the packet path must not make OpenSSL allocate. Each test runs in
 * a process of its own (check's fork mode), so the stock ciphers are still in
 * place when it starts. */

static const enum sdes_suite all[] = {
	SDES_AEAD_AES_256_GCM, SDES_AEAD_AES_128_GCM, SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_256_CM_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_32,
};
#define N_ALL ((int)(sizeof(all) / sizeof(all[0])))

/* ---- OpenSSL's allocations, counted from before its first one ---- */

static size_t n_allocs;
static int counting;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	__atomic_fetch_add(&n_allocs, 1, __ATOMIC_RELAXED);
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	__atomic_fetch_add(&n_allocs, 1, __ATOMIC_RELAXED);
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

void
test_count_openssl_allocations(void)
{
	counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
}

static size_t
openssl_allocs(void)
{
	return __atomic_load_n(&n_allocs, __ATOMIC_RELAXED);
}

/* ---- helpers ---- */

static struct sdes_key
key_for(enum sdes_suite s)
{
	struct sdes_crypto c;

	ck_assert_int_eq(media_sdes_generate(s, 1, &c), SDES_OK);
	return c.key;
}

#define N_RTP 12
#define N_RTCP 4
#define N_PKT (N_RTP + N_RTCP)

/* Packet i: RTP whose sequence numbers cross 65535 (the ROC moves, and it
 * is authenticated), then RTCP sender reports. */
static int
plain_packet(int i, uint8_t *buf)
{
	if (i < N_RTP)
		return test_rtp(buf, (uint16_t)(65530 + i), 0x5eed, (uint8_t)(0x11 * i), 160);
	return test_rtcp(buf, 0x5eed, (uint8_t)i);
}

static int
is_rtcp(int i)
{
	return i >= N_RTP;
}

START_TEST(same_bytes_as_stock_libsrtp2)
{
	enum sdes_suite suite = all[_i];
	uint8_t wire[N_PKT][256], pkt[256], plain[256];
	int wire_len[N_PKT];

	ck_assert_msg(!media_srtp_ossl_installed(), "our ciphers are in already: run in check's fork mode");
	ck_assert_int_eq(srtp_init(), srtp_err_status_ok);
	struct sdes_key k = key_for(suite);
	srtp_t stock = test_srtp_session(&k, 0);
	ck_assert_ptr_nonnull(stock);
	for (int i = 0; i < N_PKT; i++) {
		wire_len[i] = plain_packet(i, wire[i]);
		srtp_err_status_t st = is_rtcp(i) ? srtp_protect_rtcp(stock, wire[i], &wire_len[i]) :
		    srtp_protect(stock, wire[i], &wire_len[i]);
		ck_assert_int_eq(st, srtp_err_status_ok);
	}
	srtp_dealloc(stock);
	/* media_srtpctx_global_init starts libsrtp2 itself (a second srtp_init fails) */
	ck_assert_int_eq(srtp_shutdown(), srtp_err_status_ok);

	ck_assert_int_eq(media_srtpctx_global_init(), 0);
	ck_assert(media_srtp_ossl_installed());
	struct srtpctx *out = media_srtpctx_new(&k, SRTPCTX_OUTBOUND), *in = media_srtpctx_new(&k, SRTPCTX_INBOUND);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(in);
	for (int i = 0; i < N_PKT; i++) {
		int len = plain_packet(i, pkt), plain_len = len;
		memcpy(plain, pkt, (size_t)len);
		ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, is_rtcp(i)), SRTPCTX_OK);
		ck_assert_int_eq(len, wire_len[i]);
		ck_assert_mem_eq(pkt, wire[i], (size_t)len);

		ck_assert_int_eq(media_srtpctx_unprotect(in, wire[i], &wire_len[i], is_rtcp(i)), SRTPCTX_OK);
		ck_assert_int_eq(wire_len[i], plain_len);
		ck_assert_mem_eq(wire[i], plain, (size_t)plain_len);
	}
	media_srtpctx_free(out);
	media_srtpctx_free(in);
}
END_TEST

/* Forged tags and replays are still told apart through our ciphers. */
START_TEST(forgery_refused)
{
	enum sdes_suite suite = all[_i];
	uint8_t pkt[256], copy[256];

	ck_assert_int_eq(media_srtpctx_global_init(), 0);
	struct sdes_key k = key_for(suite);
	struct srtpctx *out = media_srtpctx_new(&k, SRTPCTX_OUTBOUND), *in = media_srtpctx_new(&k, SRTPCTX_INBOUND);
	for (int rtcp = 0; rtcp < 2; rtcp++) {
		int len = rtcp ? test_rtcp(pkt, 9, 3) : test_rtp(pkt, 40, 9, 3, 160);
		ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, rtcp), SRTPCTX_OK);
		const int where[] = { 12, len / 2, len - 1 };	/* payload ... tag */
		for (int w = 0; w < 3; w++) {
			int l2 = len;
			memcpy(copy, pkt, (size_t)len);
			copy[where[w]] ^= 0x40;
			ck_assert_int_eq(media_srtpctx_unprotect(in, copy, &l2, rtcp), SRTPCTX_AUTH);
		}
		int l2 = len;
		memcpy(copy, pkt, (size_t)len);
		ck_assert_int_eq(media_srtpctx_unprotect(in, copy, &l2, rtcp), SRTPCTX_OK);
		l2 = len;
		memcpy(copy, pkt, (size_t)len);
		ck_assert_int_eq(media_srtpctx_unprotect(in, copy, &l2, rtcp), SRTPCTX_REPLAY);
	}
	media_srtpctx_free(out);
	media_srtpctx_free(in);
}
END_TEST

/* Once a stream carries packets, protect and unprotect (RTP and RTCP) make
 * OpenSSL allocate nothing (NSS, the stock backend, is off this path). */
START_TEST(no_openssl_allocation_per_packet)
{
	enum sdes_suite suite = all[_i];
	uint8_t pkt[256];

	ck_assert_msg(counting, "OpenSSL allocated before main(): its allocations cannot be counted");
	ck_assert_int_eq(media_srtpctx_global_init(), 0);
	struct sdes_key k = key_for(suite);
	struct srtpctx *out = media_srtpctx_new(&k, SRTPCTX_OUTBOUND), *in = media_srtpctx_new(&k, SRTPCTX_INBOUND);
	size_t before = 0;
	for (int i = 0; i < 400; i++) {
		if (i == 1)	/* the first packet makes libsrtp2 set its stream up */
			before = openssl_allocs();
		int rtcp = i % 4 == 3, len = rtcp ? test_rtcp(pkt, 77, 1) :
		    test_rtp(pkt, (uint16_t)(65000 + i), 77, 1, 160);
		ck_assert_int_eq(media_srtpctx_protect(out, pkt, &len, rtcp), SRTPCTX_OK);
		ck_assert_int_eq(media_srtpctx_unprotect(in, pkt, &len, rtcp), SRTPCTX_OK);
	}
	ck_assert_uint_eq(openssl_allocs(), before);
	/* and the counter counts: a new key does allocate */
	struct srtpctx *more = media_srtpctx_new(&k, SRTPCTX_OUTBOUND);
	ck_assert_uint_gt(openssl_allocs(), before);
	media_srtpctx_free(more);
	media_srtpctx_free(out);
	media_srtpctx_free(in);
}
END_TEST

Suite *
media_ossl_suite(void)
{
	Suite *s = suite_create("media_ossl");
	TCase *tc = tcase_create("ossl");

	tcase_add_loop_test(tc, same_bytes_as_stock_libsrtp2, 0, N_ALL);
	tcase_add_loop_test(tc, forgery_refused, 0, N_ALL);
	tcase_add_loop_test(tc, no_openssl_allocation_per_packet, 0, N_ALL);
	suite_add_tcase(s, tc);
	return s;
}
