/* check_media: the media/ suites (media_suites.h) and their helpers. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "media_suites.h"
#include "media/srtp_ctx.h"

/* A stock libsrtp2 session with the media library's policy table (which
 * check_media_srtp's suite_policies holds to the RFCs). */
srtp_t
test_srtp_session(const struct sdes_key *key, int inbound)
{
	srtp_policy_t p;
	srtp_t s = NULL;
	uint8_t k[SDES_MAX_KEY_SALT];

	memset(&p, 0, sizeof(p));
	if (media_srtpctx_suite_policy(key->suite, &p.rtp, &p.rtcp) != 0)
		return NULL;
	memcpy(k, key->key_salt, sizeof(k));
	p.key = k;
	p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p.window_size = 128;
	if (srtp_create(&s, &p) != srtp_err_status_ok)
		return NULL;
	return s;
}

int
test_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, uint8_t fill, int payload)
{
	uint32_t ts = htonl((uint32_t)seq * 160), ss = htonl(ssrc);
	uint16_t sq = htons(seq);

	buf[0] = 0x80;
	buf[1] = 0;	/* PCMU */
	memcpy(buf + 2, &sq, 2);
	memcpy(buf + 4, &ts, 4);
	memcpy(buf + 8, &ss, 4);
	memset(buf + 12, fill, (size_t)payload);
	return 12 + payload;
}

int
test_rtcp(uint8_t *buf, uint32_t ssrc, uint8_t fill)
{
	uint32_t ss = htonl(ssrc);

	buf[0] = 0x80;
	buf[1] = 200;	/* SR */
	buf[2] = 0;
	buf[3] = 6;	/* length in words - 1 */
	memcpy(buf + 4, &ss, 4);
	memset(buf + 8, fill, 20);
	return 28;
}

uint16_t
test_port_base(unsigned block, unsigned n)
{
	return (uint16_t)(20000 + ((unsigned)getpid() % 500) * 24 + block * n);
}

const struct check_run check_run_program = {
	/* Before OpenSSL's first allocation, so that all of them are counted. */
	.setup = test_count_openssl_allocations,
	.suites = { media_sdes_suite, media_srtp_suite, media_pool_suite, media_relay_suite,
		media_ossl_suite, media_uring_suite, NULL },
};
