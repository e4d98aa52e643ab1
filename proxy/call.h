/* Calls: the media of every dialog the proxy carries, anchored on our own
 * ports when the config has a media group. Each SDP offer and answer
 * (INVITE, 18x/2xx, ACK, PRACK, UPDATE, re-INVITE) is rewritten on its way
 * so that both legs point at us; the gateway leg of a secured dial plan is
 * SRTP keyed by our own a=crypto, the inside leg always plain RTP. A call
 * ends on BYE, on a failed initial INVITE, on media silence (BYE to both
 * sides), or when a reload removes its gateway. Core thread only. */
#ifndef UMSBC_CALL_H
#define UMSBC_CALL_H

#include <stdint.h>
#include <event2/event.h>
#include <sofia-sip/msg.h>

#include "conf.h"
#include "media/counters.h"
#include "transport.h"

/* How a BYE of ours leaves: the proxy sends it as a transaction of its own. */
typedef void (*call_send_fn)(msg_t *req, const struct dest *d);

/* Starts the media relay when c has a media group. 0, or -1 with err. */
int call_init(struct event_base *base, const struct conf *c, call_send_fn send,
    char *err, size_t errlen);
/* New config: new calls use its media addresses and ports; calls whose
 * gateway it no longer lists are ended. 0, or -1 with err (old config kept). */
int call_reconf(const struct conf *c, char *err, size_t errlen);
/* SIGTERM: every call ends now, with BYE to both sides (their transactions
 * are what the drain then waits for). */
void call_drain(void);
/* Ends every call left (no BYE) and stops the relay. */
void call_shutdown(void);

/* A request about to be forwarded. gw: the gateway of a new call (from the
 * admission outside, from routing inside), -1 if not known. Rewrites the
 * SDP in msg. 0, or the status to refuse it with (*phrase). */
int call_request(msg_t *msg, const struct inbound *in, int gw, const char **phrase);
/* A response about to be forwarded upstream. */
void call_response(msg_t *msg, const struct inbound *in);
/* The proxy itself answered a forwarded INVITE with status >= 300. */
void call_local_failure(msg_t *req, int status);

/* The port pool of the media settings in use on side, NULL without a media
 * group: umsbcctl's test call takes its ports where a call would. */
struct portpool;
struct portpool *call_media_pool(enum side side);

struct call_stats {
	unsigned active;
	uint64_t total[3];		/* by enum security */
	uint64_t refused_488, refused_503, media_timeouts;
	unsigned ports_in_use;		/* UDP ports held, both sides, every generation */
	struct media_counters media;	/* every stream since start */
};
void call_stats(struct call_stats *out);

/* Calls ended since start, by their gateway (its config name, "" when the
 * call had none), its dial plan ("" = none) and mode: counted where UMS5001
 * is logged. The array is valid until the next call ends. */
struct call_count {
	char gateway[64];
	char dialplan[64];
	enum security mode;
	uint64_t ended;
};
int call_counts(const struct call_count **out);

#endif
