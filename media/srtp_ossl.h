/* OpenSSL primitives for libsrtp2: AES-ICM (128, 256), AES-GCM (128, 256)
 * and HMAC-SHA1, registered through libsrtp2's own replacement hooks
 * (srtp_replace_cipher_type, srtp_replace_auth_type). libsrtp2 still does
 * SRTP and SRTCP (formats, key derivation, replay windows); only the
 * block-level crypto changes hands. Debian builds libsrtp2 on NSS, which
 * creates a context, takes locks and allocates for every packet; these keep
 * one preallocated OpenSSL context per key and allocate nothing per packet.
 * Internal to media/ (srtp_ctx.c installs them in media_srtpctx_global_init). */
#ifndef UMSBC_MEDIA_SRTP_OSSL_H
#define UMSBC_MEDIA_SRTP_OSSL_H

/* After srtp_init(), before any session exists. libsrtp2 runs its self-test
 * on each type (our known-answer vectors: RFC 3711 B.2, RFC 6188 7.1, the
 * GCM specification's test cases 4 and 16, RFC 2202) before it takes it.
 * 0, or -1 when a type was refused (the stock one stays). */
int media_srtp_ossl_install(void);

/* Where one session's RTP cipher and auth keep their state, so that the
 * packet path can prefetch it (srtp_ctx.h): regions of memory, in order. */
#define SRTP_OSSL_REGIONS 3
struct srtp_ossl_regions {
	const void *p[SRTP_OSSL_REGIONS];	/* NULL: none */
	unsigned len[SRTP_OSSL_REGIONS];
};

/* Until called again with NULL, the first cipher and the first auth that
 * libsrtp2 allocates through our types in this thread (srtp_create: the RTP
 * ones come before RTCP's and the key derivation's) are noted in r. */
void media_srtp_ossl_note(struct srtp_ossl_regions *r);

/* 1 once media_srtp_ossl_install succeeded in this process. */
int media_srtp_ossl_installed(void);

#endif
