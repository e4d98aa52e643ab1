#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "media/srtp_ctx.h"
#include "media/srtp_ossl.h"

/* A wider replay window than libsrtp's 128: media that crossed two relays
 * and a NAT arrives reordered more than a single hop's. */
#define REPLAY_WINDOW 1024

/* libsrtp2 clones a stream (a few hundred bytes) for every SSRC it sees:
 * outbound for any packet, inbound for one that authenticates. Without a
 * bound, whoever can spoof a UM server's address on the inside could grow
 * our memory one SSRC at a time; a real stream has one or two. */
#define MAX_SSRCS 16

/* What a packet reads (session, n_ssrc, ssrc[0]) and what media_srtpctx_warm
 * needs in the first cache line. */
struct srtpctx {
	srtp_t session;
	enum sdes_suite suite;
	int n_ssrc;
	struct srtp_ossl_regions mem;	/* the RTP cipher's and auth's states */
	uint32_t ssrc[MAX_SSRCS];	/* as on the wire, most recently used first */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -1;

/* Our OpenSSL ciphers replace the library's before any session exists. */
static void
global_init(void)
{
	init_status = srtp_init() == srtp_err_status_ok && media_srtp_ossl_install() == 0 ? 0 : -1;
}

int
media_srtpctx_global_init(void)
{
	pthread_once(&init_once, global_init);
	return init_status;
}

/* SRTCP keeps an 80-bit tag even for the _32 suites (RFC 4568 6.2.2,
 * RFC 6188 3); GCM uses its 16-byte tag for both (RFC 7714 12). */
int
media_srtpctx_suite_policy(enum sdes_suite s, srtp_crypto_policy_t *rtp, srtp_crypto_policy_t *rtcp)
{
	switch (s) {
	case SDES_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(rtcp);
		return 0;
	case SDES_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
		return 0;
	case SDES_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		return 0;
	case SDES_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		return 0;
	case SDES_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(rtcp);
		return 0;
	case SDES_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
		return 0;
	default:
		return -1;
	}
}

struct srtpctx *
media_srtpctx_new(const struct sdes_key *key, enum srtpctx_dir dir)
{
	srtp_policy_t p;
	uint8_t material[SDES_MAX_KEY_SALT];
	struct srtpctx *c;

	if (media_srtpctx_global_init() < 0)
		return NULL;
	memset(&p, 0, sizeof(p));
	if (media_srtpctx_suite_policy(key->suite, &p.rtp, &p.rtcp) < 0)
		return NULL;
	/* On a line of its own: the packet path reads its first. */
	if (!(c = aligned_alloc(64, (sizeof(*c) + 63) / 64 * 64)))
		return NULL;
	memset(c, 0, sizeof(*c));
	memcpy(material, key->key_salt, sizeof(material));
	p.key = material;
	p.ssrc.type = dir == SRTPCTX_INBOUND ? ssrc_any_inbound : ssrc_any_outbound;
	p.window_size = REPLAY_WINDOW;
	/* The inside peer may resend a sequence number (a UM server restarting a
	 * prompt); dropping it on the way out would only make a gap. */
	p.allow_repeat_tx = dir == SRTPCTX_OUTBOUND;
	c->suite = key->suite;
	media_srtp_ossl_note(&c->mem);
	srtp_err_status_t st = srtp_create(&c->session, &p);
	media_srtp_ossl_note(NULL);
	if (st != srtp_err_status_ok) {
		free(c);
		c = NULL;
	}
	OPENSSL_cleanse(material, sizeof(material));
	return c;
}

void
media_srtpctx_free(struct srtpctx *c)
{
	if (!c)
		return;
	srtp_dealloc(c->session);
	free(c);
}

static enum srtpctx_result
map_status(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok: return SRTPCTX_OK;
	/* cant_check: SRTCP sent in clear (E bit off) where our policy wants
	 * it encrypted and authenticated; as good as a forgery. */
	case srtp_err_status_auth_fail:
	case srtp_err_status_cant_check: return SRTPCTX_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old: return SRTPCTX_REPLAY;
	default: return SRTPCTX_ERROR;
	}
}

/* After a packet went through: a new SSRC beyond MAX_SSRCS makes libsrtp2
 * forget the least recently used one's stream (one that comes back starts
 * afresh), so a stream in use survives any number of passing SSRCs. Kept
 * most recent first: the usual packet matches slot 0 and moves nothing. */
static void
track_ssrc(struct srtpctx *c, const uint8_t *pkt, int rtcp)
{
	uint32_t s;
	int i;

	memcpy(&s, pkt + (rtcp ? 4 : 8), sizeof(s));	/* never encrypted */
	for (i = 0; i < c->n_ssrc && c->ssrc[i] != s; i++)
		;
	if (i == 0 && c->n_ssrc > 0)
		return;
	if (i == c->n_ssrc) {			/* new */
		if (c->n_ssrc < MAX_SSRCS)
			c->n_ssrc++;
		else
			(void)srtp_remove_stream(c->session, c->ssrc[--i]);
	}
	memmove(&c->ssrc[1], &c->ssrc[0], (size_t)i * sizeof(c->ssrc[0]));
	c->ssrc[0] = s;
}

enum srtpctx_result
media_srtpctx_protect(struct srtpctx *c, uint8_t *pkt, int *len, int rtcp)
{
	enum srtpctx_result r = map_status(rtcp ? srtp_protect_rtcp(c->session, pkt, len)
	    : srtp_protect(c->session, pkt, len));

	if (r == SRTPCTX_OK)
		track_ssrc(c, pkt, rtcp);
	return r;
}

enum srtpctx_result
media_srtpctx_unprotect(struct srtpctx *c, uint8_t *pkt, int *len, int rtcp)
{
	enum srtpctx_result r = map_status(rtcp ? srtp_unprotect_rtcp(c->session, pkt, len)
	    : srtp_unprotect(c->session, pkt, len));

	if (r == SRTPCTX_OK)
		track_ssrc(c, pkt, rtcp);
	return r;
}

static void
warm_region(const void *p, unsigned len)
{
	const char *b = p;

	for (unsigned off = 0; off < len; off += 64)
		__builtin_prefetch(b + off);
	__builtin_prefetch(b + len - 1);
}

void
media_srtpctx_warm(const struct srtpctx *c)
{
	__builtin_prefetch(c->session);
	for (int i = 0; i < SRTP_OSSL_REGIONS; i++)
		if (c->mem.p[i])
			warm_region(c->mem.p[i], c->mem.len[i]);
}

/* ---- inbound re-keying ---- */

void
media_srtpctx_rx_rekey(struct srtpctx_rx *rx, struct srtpctx *fresh)
{
	media_srtpctx_rx_reap(rx);
	if (!rx->cur) {
		rx->cur = fresh;
		return;
	}
	/* A second re-key before the first one was used: the unused key is gone
	 * from the SDP, so it goes. */
	media_srtpctx_free(rx->next);
	rx->next = fresh;
}

static void
promote_next(struct srtpctx_rx *rx)
{
	rx->retired = rx->cur;
	rx->cur = rx->next;
	rx->next = NULL;
}

enum srtpctx_result
media_srtpctx_rx_unprotect(struct srtpctx_rx *rx, uint8_t *pkt, int *len, int rtcp,
    uint8_t *scratch)
{
	if (!rx->next)
		return media_srtpctx_unprotect(rx->cur, pkt, len, rtcp);
	/* The old key first: until the peer switches, that is every packet. */
	int orig = *len;
	memcpy(scratch, pkt, (size_t)orig);
	enum srtpctx_result r = media_srtpctx_unprotect(rx->cur, pkt, len, rtcp);
	if (r == SRTPCTX_OK)
		return r;
	memcpy(pkt, scratch, (size_t)orig);
	*len = orig;
	enum srtpctx_result r2 = media_srtpctx_unprotect(rx->next, pkt, len, rtcp);
	if (r2 != SRTPCTX_OK)
		return r;	/* report what the key in force said */
	if (!rx->retired)
		promote_next(rx);
	return r2;
}

void
media_srtpctx_rx_reap(struct srtpctx_rx *rx)
{
	media_srtpctx_free(rx->retired);
	rx->retired = NULL;
}

void
media_srtpctx_rx_clear(struct srtpctx_rx *rx)
{
	media_srtpctx_free(rx->cur);
	media_srtpctx_free(rx->next);
	media_srtpctx_free(rx->retired);
	rx->cur = rx->next = rx->retired = NULL;
}
