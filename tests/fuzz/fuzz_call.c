/* libFuzzer target: peers' SDP through the call layer (call_request and
 * call_response), as offers and answers cross a secured or plain call with
 * a real media relay behind: streams opened, keys chosen, bodies rewritten,
 * the call ended. The input is up to three SDP bodies separated by a NUL
 * byte: the offer, the answer and a re-offer; the first byte picks who
 * offers and the gateway's dial plan. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sofia-sip/sip_header.h>

#include "call.h"
#include "conf.h"
#include "log.h"
#include "sipmsg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf_text[] =
	"node = { fqdn = \"sbc.example.test\"; };\n"
	"listen = ( { side = \"outside\"; transport = \"udp\"; address = \"127.0.0.1\"; port = 5060; },\n"
	"           { side = \"inside\"; transport = \"udp\"; address = \"127.0.0.2\"; port = 5060; } );\n"
	"um_servers = ( { name = \"um1\"; uri = \"sip:127.0.0.20\"; } );\n"
	"dialplans = ( { name = \"main\"; security = \"secured\"; um_servers = ( \"um1\" ); },\n"
	"              { name = \"plain\"; security = \"unsecured\"; um_servers = ( \"um1\" ); } );\n"
	"gateways = ( { name = \"gw1\"; fqdn = \"gw1.example.test\"; addresses = ( \"127.0.0.7\" ); dialplan = \"main\"; },\n"
	"             { name = \"gw2\"; fqdn = \"gw2.example.test\"; addresses = ( \"127.0.0.8\" ); dialplan = \"plain\"; } );\n"
	"control = { socket = \"\"; };\n"
	"media = { outside_address = \"127.0.0.1\"; inside_address = \"127.0.0.2\"; workers = 1;\n"
	"          port_min = 50000; port_max = 59999; };\n";

static struct conf *conf;
static unsigned long seq;

static void
drop_bye(msg_t *req, const struct dest *d)
{
	(void)d;
	msg_destroy(req);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[] = "/tmp/umsbc-fuzz-call-XXXXXX", err[512];
	int fd = mkstemp(path);

	(void)argc;
	(void)argv;
	if (fd < 0 || write(fd, conf_text, sizeof(conf_text) - 1) != (ssize_t)sizeof(conf_text) - 1)
		abort();
	close(fd);
	conf = conf_load(path, err, sizeof(err));
	unlink(path);
	log_open(1);
	log_set_level(LOG_CRIT);	/* one UMS5001 line per input is noise here */
	if (!conf || call_init(event_base_new(), conf, drop_bye, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_call: %s\n", err);
		abort();
	}
	return 0;
}

static struct inbound
peer(enum side side, int gw)
{
	struct inbound in;

	memset(&in, 0, sizeof(in));
	in.side = side;
	in.tp = TP_UDP;
	netaddr_parse(side == SIDE_INSIDE ? "127.0.0.20" : gw ? "127.0.0.8" : "127.0.0.7", 5060, &in.peer);
	in.adm.verdict = ADMIT_OK;
	in.adm.gateway = side == SIDE_OUTSIDE ? gw : -1;
	return in;
}

/* A request or response of call `id` carrying body (may be empty). */
static msg_t *
message(const char *first, const char *method, unsigned cseq, int tagged, const char *body,
    size_t len)
{
	static char buf[10240];
	size_t used;
	msg_t *m = NULL;
	int n = snprintf(buf, sizeof(buf),
	    "%s\r\nVia: SIP/2.0/UDP 127.0.0.7:5060;branch=z9hG4bK-f%lu\r\n"
	    "From: <sip:a@127.0.0.7>;tag=a\r\nTo: <sip:b@127.0.0.1>%s\r\nCall-ID: fuzz-%lu\r\n"
	    "CSeq: %u %s\r\nContact: <sip:a@127.0.0.7>\r\nContent-Type: application/sdp\r\n"
	    "Content-Length: %zu\r\n\r\n", first, seq, tagged ? ";tag=b" : "", seq, cseq, method, len);

	if (n < 0 || (size_t)n + len > sizeof(buf))
		return NULL;
	memcpy(buf + n, body, len);
	if (sipmsg_parse(buf, (size_t)n + len, 1, sizeof(buf), &m, &used) != SIPMSG_OK) {
		if (m)
			msg_destroy(m);
		return NULL;
	}
	return m;
}

/* The next NUL-separated piece of the input. */
static const char *
piece(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *start = *p, *nul = memchr(start, 0, (size_t)(end - start));

	*len = (size_t)((nul ? nul : end) - start);
	*p = nul ? nul + 1 : end;
	return (const char *)start;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *phrase;
	size_t n;

	if (size < 1)
		return 0;
	seq++;
	int gw = data[0] & 1, from_um = (data[0] >> 1) & 1;
	enum side caller = from_um ? SIDE_INSIDE : SIDE_OUTSIDE;
	struct inbound a = peer(caller, gw), b = peer(caller == SIDE_INSIDE ? SIDE_OUTSIDE : SIDE_INSIDE, gw);
	const uint8_t *p = data + 1, *end = data + size;
	const char *body = piece(&p, end, &n);

	msg_t *m = message("INVITE sip:b@127.0.0.1 SIP/2.0", "INVITE", 1, 0, body, n);
	if (!m)
		return 0;
	int refused = call_request(m, &a, gw, &phrase) != 0;
	msg_destroy(m);
	if (refused)
		return 0;
	body = piece(&p, end, &n);
	if ((m = message("SIP/2.0 200 OK", "INVITE", 1, 1, body, n))) {
		call_response(m, &b);
		msg_destroy(m);
	}
	body = piece(&p, end, &n);
	if (n && (m = message("INVITE sip:a@127.0.0.7 SIP/2.0", "INVITE", 2, 1, body, n))) {
		call_request(m, &b, -1, &phrase);
		msg_destroy(m);
		body = piece(&p, end, &n);
		if ((m = message("SIP/2.0 200 OK", "INVITE", 2, 1, body, n))) {
			call_response(m, &a);
			msg_destroy(m);
		}
	}
	if ((m = message("BYE sip:b@127.0.0.1 SIP/2.0", "BYE", 3, 1, "", 0))) {
		call_request(m, &a, -1, &phrase);
		msg_destroy(m);
	}
	return 0;
}
