#include "config.h"

#include "media/b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strips correct padding: only to a multiple of 4, at most two '='. */
static int
unpad(const char *in, size_t *len)
{
	size_t pad = 0;

	while (*len > 0 && in[*len - 1] == '=') {
		(*len)--;
		pad++;
	}
	if (pad == 0)
		return 0;
	if (pad > 2 || (*len + pad) % 4 != 0)
		return -1;
	return (*len % 4) + pad == 4 ? 0 : -1;
}

int
media_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	if (unpad(in, &len) < 0 || len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, or two encodings map to one key. */
	if (acc & ((1u << bits) - 1))
		return -1;
	return (int)n;
}

int
media_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need = (len + 2) / 3 * 4 + 1, o = 0;

	if (cap < need)
		return -1;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}
