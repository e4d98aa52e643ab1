#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include <openssl/err.h>

#include "tls_stream.h"

#define CHUNK 4096

int
tls_stream_attach(SSL *ssl)
{
	BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());

	if (!r || !w) {
		BIO_free(r);
		BIO_free(w);
		return -1;
	}
	BIO_set_mem_eof_return(r, -1);	/* empty is "more later", not EOF */
	SSL_set_bio(ssl, r, w);
	return 0;
}

/* What OpenSSL wrote to its memory BIO, onto out. */
static int
drain_wbio(SSL *ssl, struct evbuffer *out)
{
	BIO *w = SSL_get_wbio(ssl);
	char *data;
	long n = BIO_get_mem_data(w, &data);

	if (n <= 0)
		return 0;
	if (evbuffer_add(out, data, (size_t)n) != 0)
		return -1;
	(void)BIO_reset(w);
	return 0;
}

static int
feed(SSL *ssl, struct evbuffer *cipher)
{
	BIO *r = SSL_get_rbio(ssl);
	struct evbuffer_iovec v[8];
	int n;

	while ((n = evbuffer_peek(cipher, -1, NULL, v, 8)) > 0) {
		size_t took = 0;
		for (int i = 0; i < n && i < 8; i++) {
			if (BIO_write(r, v[i].iov_base, (int)v[i].iov_len) != (int)v[i].iov_len)
				return -1;
			took += v[i].iov_len;
		}
		evbuffer_drain(cipher, took);
	}
	return 0;
}

int
tls_stream_open(SSL *ssl, struct evbuffer *cipher, struct evbuffer *plain,
    struct evbuffer *out, char *why, size_t len)
{
	int r, ret = 0;

	ERR_clear_error();
	if (feed(ssl, cipher) != 0) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (;;) {
		struct evbuffer_iovec v;
		if (evbuffer_reserve_space(plain, CHUNK, &v, 1) != 1) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		r = SSL_read(ssl, v.iov_base, (int)v.iov_len);
		v.iov_len = r > 0 ? (size_t)r : 0;
		evbuffer_commit_space(plain, &v, 1);
		if (r <= 0)
			break;
	}
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		break;
	case SSL_ERROR_ZERO_RETURN:
		ret = 1;
		break;
	default: {
		unsigned long e = ERR_get_error();
		const char *s = e ? ERR_reason_error_string(e) : NULL;
		snprintf(why, len, "TLS: %s", s ? s : "error");
		ret = -1;
	}
	}
	ERR_clear_error();
	if (drain_wbio(ssl, out) != 0 && ret == 0) {
		snprintf(why, len, "out of memory");
		ret = -1;
	}
	return ret;
}

int
tls_stream_seal(SSL *ssl, struct evbuffer *plain, struct evbuffer *out)
{
	size_t n = evbuffer_get_length(plain);
	unsigned char *p = evbuffer_pullup(plain, -1);

	if (n == 0)
		return 0;
	ERR_clear_error();
	/* Memory BIOs take all: no partial write, no retry. */
	if (!p || n > INT32_MAX || SSL_write(ssl, p, (int)n) != (int)n) {
		ERR_clear_error();
		return -1;
	}
	evbuffer_drain(plain, n);
	return drain_wbio(ssl, out);
}
