/* One direction of SRTP/SRTCP keyed by one SDES key: a libsrtp2 session with
 * a single any-SSRC stream template. Inbound contexts also carry the re-key
 * logic: a new key waits beside the old one until a packet authenticates
 * with it, so a re-INVITE with a new key loses no packet. */
#ifndef UMSBC_MEDIA_SRTP_CTX_H
#define UMSBC_MEDIA_SRTP_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "media/sdes.h"

/* Room a packet buffer needs beyond the payload for protect: the SRTP tag,
 * plus the SRTCP index word (libsrtp2's SRTP_MAX_TRAILER_LEN + 4). */
#define SRTPCTX_TRAILER 160

enum srtpctx_dir { SRTPCTX_INBOUND, SRTPCTX_OUTBOUND };

enum srtpctx_result {
	SRTPCTX_OK = 0,
	SRTPCTX_AUTH,		/* authentication failed */
	SRTPCTX_REPLAY,		/* replayed or too old for the window */
	SRTPCTX_ERROR,		/* anything else: malformed, too short, ... */
};

struct srtpctx;
struct srtp_crypto_policy_t;	/* libsrtp2's srtp_crypto_policy_t */

/* The one table of SDES suite to libsrtp2 RTP and RTCP policies (for the
 * tests and tests/bench/mediagen.c too). 0, or -1 for no such suite. */
int media_srtpctx_suite_policy(enum sdes_suite s, struct srtp_crypto_policy_t *rtp,
    struct srtp_crypto_policy_t *rtcp);

/* libsrtp2's srtp_init and our OpenSSL ciphers in it (srtp_ossl.h), once
 * per process; safe from any thread. */
int media_srtpctx_global_init(void);

/* NULL on error (bad suite, libsrtp failure, out of memory). */
struct srtpctx *media_srtpctx_new(const struct sdes_key *key, enum srtpctx_dir dir);
void media_srtpctx_free(struct srtpctx *c);

/* In place; *len is updated. protect needs SRTPCTX_TRAILER spare bytes.
 * A context keeps the state (ROC, replay window) of its 16 most recent
 * SSRCs; a 17th makes it forget the oldest, so memory stays bounded. */
enum srtpctx_result media_srtpctx_protect(struct srtpctx *c, uint8_t *pkt, int *len, int rtcp);
enum srtpctx_result media_srtpctx_unprotect(struct srtpctx *c, uint8_t *pkt, int *len, int rtcp);

/* Asks the CPU for the lines a packet's protect or unprotect will read
 * first: libsrtp2's session and our OpenSSL states of its RTP cipher and
 * auth (srtp_ossl.c). Reads c's first line; nothing else is loaded. */
void media_srtpctx_warm(const struct srtpctx *c);

/* Inbound keys of one peer: cur decrypts; next, once set, is tried first and
 * replaces cur at its first success; the replaced context is parked in
 * retired so the packet path never frees. Owned by one thread. */
struct srtpctx_rx {
	struct srtpctx *cur, *next, *retired;
};

/* Installs a new key (takes ownership). Without a current key it takes effect
 * at once. Frees whatever was retired before. */
void media_srtpctx_rx_rekey(struct srtpctx_rx *rx, struct srtpctx *fresh);
/* Unprotects with next, then cur. scratch (at least *len bytes) keeps a copy
 * when both are tried: a failed AEAD decryption may have scribbled on the
 * packet. SRTPCTX_OK also when rx holds no key at all is NOT the case:
 * callers check rx->cur first. */
enum srtpctx_result media_srtpctx_rx_unprotect(struct srtpctx_rx *rx, uint8_t *pkt, int *len,
    int rtcp, uint8_t *scratch);
/* Frees the retired context (call outside the packet path). */
void media_srtpctx_rx_reap(struct srtpctx_rx *rx);
void media_srtpctx_rx_clear(struct srtpctx_rx *rx);

#endif
