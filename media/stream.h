/* A stream pair: the media of one SDP m= line, relayed between the outside
 * (gateway) leg and the inside (UM server) leg, each leg with its own local
 * ports, its own remote address and its own SRTP keys (or none). A call is
 * one stream pair per m= line; the proxy keeps that list.
 *
 * Threading: every function here is for the proxy's core thread. A stream
 * pair lives in one media worker; create, update and destroy reach it through
 * that worker's command queue, so they return before the worker has acted
 * (commands keep their order). Counters and activity times are read without
 * a lock. */
#ifndef UMSBC_MEDIA_STREAM_H
#define UMSBC_MEDIA_STREAM_H

#include <stdint.h>
#include <sys/socket.h>

#include "media/counters.h"
#include "media/portpool.h"
#include "media/relay.h"
#include "media/sdes.h"

enum media_side { MEDIA_OUTSIDE = 0, MEDIA_INSIDE = 1 };

struct media_stream;

/* Where each leg's local ports come from, and whether the leg multiplexes
 * RTCP on the RTP port (RFC 5761: then one port, else an even/odd pair). */
struct media_stream_conf {
	struct portpool *pool[2];
	int rtcp_mux[2];
	/* Not RTP (T.38 over UDPTL): every datagram is relayed as it is, never
	 * SRTP; give rtcp_mux 1 on both legs for a single port. */
	int raw;
};

/* What the SDP of one leg says about its peer. A zero length = not known yet
 * (e.g. the answer has not come): nothing is accepted from or sent to it,
 * unless latch is set. rtcp unknown and no mux: the RTP port + 1. */
struct media_peer {
	struct sockaddr_storage rtp, rtcp;
	socklen_t rtp_len, rtcp_len;
	/* NAT: accept the first packet from anywhere that authenticates (any
	 * packet on a plain leg) and stick to its source. */
	int latch;
	struct sdes_key rx;	/* the peer's a=crypto key: it -> us */
	struct sdes_key tx;	/* our a=crypto key on this leg: us -> it */
};

/* 0, -ENOSPC (port pool exhausted: answer 503) or another -errno. */
int media_stream_new(struct media_relay *r, const struct media_stream_conf *conf,
    struct media_stream **out);
/* Local port of a leg (rtcp: 0 with rtcp-mux), for the rewritten SDP. */
uint16_t media_stream_port(const struct media_stream *s, enum media_side side, int rtcp);
/* New SDP for one leg: addresses, latch and keys. A changed rx key re-keys
 * without a gap (the old key stays until a packet authenticates with the new
 * one); a changed tx key applies to the next packet. 0, -EINVAL (libsrtp
 * refused the key) or -ENOMEM. */
int media_stream_update(struct media_stream *s, enum media_side side, const struct media_peer *p);
/* sendonly / inactive: silence is then judged by hold_timeout. */
void media_stream_hold(struct media_stream *s, int on);
/* CLOCK_MONOTONIC ms of the last packet accepted on either leg (creation
 * time before any). */
int64_t media_stream_last_activity(const struct media_stream *s);
/* 1 when silent for longer than timeout_s (hold_timeout_s when on hold). */
int media_stream_expired(const struct media_stream *s, int64_t now_ms,
    unsigned timeout_s, unsigned hold_timeout_s);
/* Counters of one leg: *_in = from that leg's peer, *_out = sent to it. */
void media_stream_counters(const struct media_stream *s, enum media_side side,
    struct media_counters *out);
/* The worker stops relaying, closes the sockets and returns the ports; s
 * must not be used after this call. */
void media_stream_destroy(struct media_stream *s);

int64_t media_now_ms(void);

#endif
