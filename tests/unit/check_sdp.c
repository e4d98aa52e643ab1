/* SDP rewriting: secured / plain legs, hold, several m= lines, T.38,
 * rejected streams, ICE and a=rtcp stripped, o= version per leg. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sdp_rewrite.h"
#include "suites.h"

static const char gw_offer[] =
    "v=0\r\n"
    "o=gw 1000 7 IN IP4 198.51.100.7\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\n"
    "a=ice-lite\r\n"
    "m=audio 40000 RTP/SAVP 0 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
    "a=rtcp:40001\r\n"
    "a=candidate:1 1 UDP 2130706431 198.51.100.7 40000 typ host\r\n"
    "a=sendonly\r\n"
    "m=image 40002 udptl t38\r\n"
    "a=T38FaxVersion:0\r\n"
    "m=video 0 RTP/AVP 31\r\n"
    "m=application 40004 UDP/BFCP *\r\n";

static char *
rewrite(struct sdpr *d, int secure, unsigned long version)
{
	struct sdpr_leg leg;
	size_t len;

	memset(&leg, 0, sizeof(leg));
	leg.addr = "203.0.113.5";
	leg.o_version = version;
	leg.secure = secure;
	leg.port[0] = 30000;
	leg.port[1] = 30002;
	leg.port[2] = 30004;
	leg.port[3] = 30006;
	leg.crypto[0][0] = "1 AEAD_AES_256_GCM inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	char *out = sdpr_write(d, &leg, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

START_TEST(reads_every_stream)
{
	struct sdpr d;
	const char *why = NULL;

	ck_assert_msg(sdpr_read(&d, gw_offer, strlen(gw_offer), &why) == 0, "%s", why);
	ck_assert_int_eq(d.n, 4);
	ck_assert_uint_eq(d.o_version, 7);
	ck_assert_int_eq(d.s[0].kind, SDPR_RTP);
	ck_assert(d.s[0].secure);
	ck_assert_uint_eq(d.s[0].port, 40000);
	ck_assert_uint_eq(d.s[0].rtcp_port, 40001);
	ck_assert_str_eq(d.s[0].addr, "198.51.100.7");
	ck_assert_int_eq(d.s[0].mode, 1);	/* sendonly: on hold */
	ck_assert_int_eq(d.s[0].n_crypto, 2);
	ck_assert_msg(strncmp(d.s[0].crypto[0], "1 AES_CM_128_HMAC_SHA1_80 inline:", 33) == 0, "%s", d.s[0].crypto[0]);
	ck_assert_int_eq(d.s[1].kind, SDPR_UDPTL);
	ck_assert_str_eq(d.s[1].media, "image");
	ck_assert_uint_eq(d.s[2].port, 0);	/* rejected */
	ck_assert_int_eq(d.s[3].kind, SDPR_OTHER);
	sdpr_free(&d);
}
END_TEST

START_TEST(secured_leg)
{
	struct sdpr d;
	const char *why;

	ck_assert_int_eq(sdpr_read(&d, gw_offer, strlen(gw_offer), &why), 0);
	char *out = rewrite(&d, 1, 42);
	ck_assert_msg(strstr(out, "o=gw 1000 42 IN IP4 203.0.113.5\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "c=IN IP4 203.0.113.5\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "m=audio 30000 RTP/SAVP 0 101\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "a=crypto:1 AEAD_AES_256_GCM inline:AAAA") != NULL, "%s", out);
	/* Exactly our one crypto line: the gateway's keys never cross. */
	ck_assert_ptr_null(strstr(out, "AES_CM_128_HMAC_SHA1_80"));
	ck_assert_ptr_null(strstr(out, "198.51.100.7"));
	ck_assert_ptr_null(strstr(out, "a=candidate"));
	ck_assert_ptr_null(strstr(out, "a=ice-lite"));
	ck_assert_ptr_null(strstr(out, "a=rtcp:"));
	ck_assert_msg(strstr(out, "a=sendonly\r\n") != NULL, "hold lost: %s", out);
	ck_assert_msg(strstr(out, "m=image 30002 udptl t38\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "a=T38FaxVersion:0\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "m=video 0 RTP/AVP 31\r\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "m=application 0 UDP/BFCP *\r\n") != NULL, "%s", out);
	free(out);
	sdpr_free(&d);
}
END_TEST

START_TEST(plain_leg)
{
	struct sdpr d;
	const char *why;

	ck_assert_int_eq(sdpr_read(&d, gw_offer, strlen(gw_offer), &why), 0);
	char *out = rewrite(&d, 0, 3);
	ck_assert_msg(strstr(out, "m=audio 30000 RTP/AVP 0 101\r\n") != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "a=crypto"));
	ck_assert_ptr_null(strstr(out, "RTP/SAVP"));
	ck_assert_msg(strstr(out, "a=rtpmap:101 telephone-event/8000\r\n") != NULL, "%s", out);
	free(out);
	sdpr_free(&d);
}
END_TEST

START_TEST(bad_sdp)
{
	static const char *const bad[] = {
		"v=0\r\nthis is not sdp\r\n",
		/* fuzz_sdp: sofia-sip allocates 512 MB for such a format. */
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 2 X /\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 2 RTP/AVP 0 :\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio two RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 2 RTP/AVP\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 2  RTP/AVP 0\r\n",
	};
	struct sdpr d;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(sdpr_read(&d, bad[i], strlen(bad[i]), &why) == -1, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(why);
		sdpr_free(&d);
	}
	/* Port counts and RTP/AVP stay fine. */
	static const char good[] = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\n"
	    "t=0 0\r\nm=audio 4000/2 RTP/AVP 0 101\r\n";
	ck_assert_int_eq(sdpr_read(&d, good, strlen(good), &why), 0);
	sdpr_free(&d);
}
END_TEST

Suite *
sdp_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc = tcase_create("rewrite");

	tcase_add_test(tc, reads_every_stream);
	tcase_add_test(tc, secured_leg);
	tcase_add_test(tc, plain_leg);
	tcase_add_test(tc, bad_sdp);
	suite_add_tcase(s, tc);
	return s;
}
