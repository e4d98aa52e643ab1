/* Strict base64 (RFC 4648 alphabet) for SDES keys: OpenSSL's EVP_DecodeBlock
 * accepts blanks and returns padding as zero bytes, which would let a short
 * key pass as a long one. */
#ifndef UMSBC_MEDIA_B64_H
#define UMSBC_MEDIA_B64_H

#include <stddef.h>
#include <stdint.h>

/* Decodes len characters; '=' padding is optional (some SDES peers drop it)
 * but, when present, must be right. Returns the byte count, or -1 on a bad
 * character, bad padding, non-zero trailing bits or more than cap bytes. */
int media_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);
/* Padded encoding, NUL-terminated; returns its length or -1 if cap is short. */
int media_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
