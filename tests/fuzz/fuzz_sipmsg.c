/* libFuzzer target: every byte a peer sends goes through sipmsg_parse, then,
 * as in the proxy, validation, a locally built answer (from the raw text when
 * sofia-sip could not read the request), ACK/CANCEL building and
 * re-serialisation after our edits. Seeds: corpus/fuzz_sipmsg/ and the RFC 4475
 * messages of tests/integration/rfc4475/. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>

#include "sipmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(msg_t *msg)
{
	sip_t *sip = sip_object(msg);
	const char *phrase, *unsup;
	size_t n;
	char *r;

	if (!sip)
		return;
	if (sip->sip_status) {
		if (sipmsg_check_response(sip) == 0 && sip->sip_via) {
			msg_header_remove(msg, (msg_pub_t *)sip, (msg_header_t *)sip->sip_via);
			sipmsg_print(msg, &n);
		}
		return;
	}
	int status = sipmsg_check_request(sip, msg_has_error(msg), &phrase, &unsup);
	r = sipmsg_response(msg, status ? status : 100, status ? phrase : "Trying", NULL, &n);
	free(r);
	if (status)
		return;
	if (sip->sip_max_forwards) {
		sip->sip_max_forwards->mf_count--;
		sip_fragment_clear(sip->sip_max_forwards->mf_common);
	}
	msg_header_insert(msg, (msg_pub_t *)sip, (msg_header_t *)sip_via_make(msg_home(msg),
	    "SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK-fuzz"));
	msg_header_insert(msg, (msg_pub_t *)sip, (msg_header_t *)sip_record_route_make(msg_home(msg),
	    "<sip:127.0.0.2:5060;transport=udp;lr>"));
	sipmsg_print(msg, &n);
	if (sip->sip_request->rq_method == sip_method_invite) {
		free(sipmsg_cancel(msg, &n));
		free(sipmsg_ack(msg, sip, &n));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msg_t *msg;
	size_t used;

	/* As a datagram. */
	sipmsg_parse(data, size, 1, 65535, &msg, &used);
	if (msg) {
		exercise(msg);
		msg_destroy(msg);
	}
	/* As a stream: every complete message in it, as conn_read does; what
	 * does not parse is answered (or not) from its raw text, as the core
	 * does before it closes the connection. */
	size_t off = 0;
	while (off < size) {
		enum sipmsg_parse r = sipmsg_parse(data + off, size - off, 0, 65535, &msg, &used);
		if (msg) {
			if (r == SIPMSG_OK)
				exercise(msg);
			else {
				size_t n;
				(void)sipmsg_is_response_text(msg);
				free(sipmsg_response(msg, 400, "Bad Request", NULL, &n));
			}
			msg_destroy(msg);
		}
		if (r != SIPMSG_OK || used == 0)
			break;
		off += used;
	}
	return 0;
}
