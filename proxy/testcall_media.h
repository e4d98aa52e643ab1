/* The test call's media (testcall.c): a port pair of the inside pool, our
 * SDP offer on it (RTP/AVP, PCMU and PCMA), the UM's answer read with
 * sofia-sip, then 20 ms RTP packets of silence sent to the answered address
 * and the RTP packets from the UM's address counted. Test traffic only: a
 * socket on the core loop, not the relay. Core thread only. */
#ifndef UMSBC_TESTCALL_MEDIA_H
#define UMSBC_TESTCALL_MEDIA_H

#include <stddef.h>
#include <event2/event.h>

struct portpool;
struct testcall_media;

/* NULL with why (no port free, out of memory). */
struct testcall_media *testcall_media_new(struct event_base *base, struct portpool *pool,
    char *why, size_t whylen);
/* Our offer: SDP text (valid while m lives), *len its length. */
const char *testcall_media_offer(struct testcall_media *m, size_t *len);
/* Reads the answer: 0, or -1 with why (no audio stream, a codec not
 * offered, an address that is no IP literal). */
int testcall_media_answer(struct testcall_media *m, const char *sdp, size_t len,
    char *why, size_t whylen);
/* RTP both ways from now until testcall_media_stop. 0/-1. */
int testcall_media_run(struct testcall_media *m);
void testcall_media_stop(struct testcall_media *m);
/* "PCMA/8000" once answered, else "". */
const char *testcall_media_codec(const struct testcall_media *m);
void testcall_media_counts(const struct testcall_media *m, unsigned *sent, unsigned *received);
/* Stops, closes the socket and gives the ports back. */
void testcall_media_free(struct testcall_media *m);

#endif
