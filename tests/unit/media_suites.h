#ifndef UMSBC_MEDIA_SUITES_H
#define UMSBC_MEDIA_SUITES_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include <srtp2/srtp.h>

#include "media/sdes.h"

Suite *media_sdes_suite(void);
Suite *media_srtp_suite(void);
Suite *media_pool_suite(void);
Suite *media_relay_suite(void);
Suite *media_ossl_suite(void);
Suite *media_uring_suite(void);

/* Before OpenSSL's first allocation (first thing in main): counts them. */
void test_count_openssl_allocations(void);

/* A stock libsrtp2 session (libsrtp2's own ciphers when called before
 * media_srtp_ossl_install) with the policies of media_srtpctx_suite_policy,
 * which check_media_srtp's suite_policy holds to the RFCs' parameters. */
srtp_t test_srtp_session(const struct sdes_key *key, int inbound);
/* An RTP packet: V=2, PT 0, the given seq/ssrc, payload of fill bytes. */
int test_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, uint8_t fill, int payload);
/* An RTCP sender report without report blocks (28 bytes). */
int test_rtcp(uint8_t *buf, uint32_t ssrc, uint8_t fill);
/* First port of a block of n for this test run: below Linux's ephemeral
 * range, varied by pid so that parallel runs rarely collide. */
uint16_t test_port_base(unsigned block, unsigned n);

#endif
