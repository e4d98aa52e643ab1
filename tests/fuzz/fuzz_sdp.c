/* libFuzzer target: SDP bodies from peers through sdpr_read and sdpr_write,
 * as the proxy will do for every offer and answer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdpr d;
	struct sdpr_leg leg;
	const char *why;
	size_t len;

	if (sdpr_read(&d, (const char *)data, size, &why) == 0) {
		memset(&leg, 0, sizeof(leg));
		leg.addr = "203.0.113.5";
		leg.o_version = 2;
		leg.secure = size & 1;
		for (int i = 0; i < SDPR_MAX_STREAMS; i++) {
			leg.port[i] = 30000 + 2 * i;
			leg.rtcp_mux[i] = i & 1;
			leg.crypto[i][0] = "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
		}
		free(sdpr_write(&d, &leg, &len));
	}
	sdpr_free(&d);
	return 0;
}
