/* libFuzzer target: media bytes from the network through our SRTP contexts
 * (libsrtp2 with the OpenSSL ciphers of media/srtp_ossl.c), as the relay
 * handles them. The first byte picks the suite (bits 0-2), RTCP (bit 3) and
 * what to do (the rest):
 *   unprotect: a gateway's datagram, as it arrives (almost all fail auth);
 *   round trip: an inside peer's plain RTP/RTCP, protected toward a gateway
 *     and unprotected again, which drives the ciphers through every length
 *     and header shape that passes the relay's classification;
 *   re-key: the same datagram through an inbound pair of keys.
 * A round trip that authenticates must give back the very bytes. Every new
 * SSRC makes libsrtp2 keep a stream; srtp_ctx.c keeps 16 per context, so
 * the run's memory stays flat only if that bound holds. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/srtp_ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_SUITES 6
#define BUF 2048
#define READ_MAX (BUF - SRTPCTX_TRAILER)	/* what the relay reads at most */

static const enum sdes_suite suites[N_SUITES] = {
	SDES_AEAD_AES_256_GCM, SDES_AEAD_AES_128_GCM, SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AES_256_CM_HMAC_SHA1_32, SDES_AES_CM_128_HMAC_SHA1_32,
};

/* One set of contexts per suite for the whole run (replay windows fill up,
 * as on a long call). */
static struct {
	struct srtpctx *in, *out;
	struct srtpctx_rx rx;
} ctx[N_SUITES];

static struct sdes_key
fixed_key(enum sdes_suite s, uint8_t salt)
{
	struct sdes_key k;

	k.suite = s;
	for (size_t i = 0; i < sizeof(k.key_salt); i++)
		k.key_salt[i] = (uint8_t)(i * 37 + salt);
	return k;
}

static void
setup(void)
{
	if (media_srtpctx_global_init() < 0)
		abort();
	for (int i = 0; i < N_SUITES; i++) {
		struct sdes_key a = fixed_key(suites[i], 1), b = fixed_key(suites[i], 2);
		ctx[i].in = media_srtpctx_new(&a, SRTPCTX_INBOUND);
		ctx[i].out = media_srtpctx_new(&a, SRTPCTX_OUTBOUND);
		media_srtpctx_rx_rekey(&ctx[i].rx, media_srtpctx_new(&a, SRTPCTX_INBOUND));
		media_srtpctx_rx_rekey(&ctx[i].rx, media_srtpctx_new(&b, SRTPCTX_INBOUND));
		if (!ctx[i].in || !ctx[i].out || !ctx[i].rx.cur || !ctx[i].rx.next)
			abort();
	}
}

/* The relay's test before it converts a packet (media/packet.c classify). */
static int
relayable(const uint8_t *p, int len, int rtcp)
{
	return len >= (rtcp ? 8 : 12) && (p[0] >> 6) == 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static uint8_t pkt[BUF], orig[BUF], scratch[BUF];

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size - 1 > READ_MAX)
		return 0;
	int s = (data[0] & 7) % N_SUITES, rtcp = (data[0] >> 3) & 1, mode = (data[0] >> 4) % 3;
	int len = (int)size - 1;
	memcpy(pkt, data + 1, (size_t)len);
	switch (mode) {
	case 0:
		(void)media_srtpctx_unprotect(ctx[s].in, pkt, &len, rtcp);
		break;
	case 1:
		if (!relayable(pkt, len, rtcp))
			break;
		memcpy(orig, pkt, (size_t)len);
		int plain = len;
		if (media_srtpctx_protect(ctx[s].out, pkt, &len, rtcp) != SRTPCTX_OK)
			break;
		if (len < plain || len > plain + SRTPCTX_TRAILER)
			abort();
		if (media_srtpctx_unprotect(ctx[s].in, pkt, &len, rtcp) == SRTPCTX_OK &&
		    (len != plain || memcmp(pkt, orig, (size_t)plain) != 0))
			abort();
		break;
	default:
		(void)media_srtpctx_rx_unprotect(&ctx[s].rx, pkt, &len, rtcp, scratch);
		break;
	}
	return 0;
}
