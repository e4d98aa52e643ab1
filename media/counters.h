/* Media counters. Each is written by one media worker only (relaxed atomic
 * stores, no lock, no read-modify-write bus cycle) and summed when read. */
#ifndef UMSBC_MEDIA_COUNTERS_H
#define UMSBC_MEDIA_COUNTERS_H

#include <stdint.h>

enum media_ctr {
	MEDIA_CTR_PACKETS_IN,	/* accepted from the peer (after auth) */
	MEDIA_CTR_BYTES_IN,	/* their size on the wire */
	MEDIA_CTR_PACKETS_OUT,	/* sent to the peer */
	MEDIA_CTR_BYTES_OUT,
	MEDIA_CTR_SRTP_AUTH,	/* SRTP/SRTCP authentication failures */
	MEDIA_CTR_SRTP_REPLAY,	/* SRTP/SRTCP replay-window rejects */
	MEDIA_CTR_FOREIGN,	/* from an address the SDP did not name */
	MEDIA_CTR_DROPS,	/* anything else: not RTP, no destination yet, send failed */
	MEDIA_CTR_COUNT
};

struct media_counters {
	uint64_t v[MEDIA_CTR_COUNT];
};

/* "packets_in", ... for logs and the metrics endpoint. */
const char *media_ctr_name(enum media_ctr c);

#endif
