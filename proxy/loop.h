/* Loop detection (RFC 3261 16.3 item 4): a request that carries a Via of
 * ours whose branch holds the loop hash of the request's own fields has been
 * forwarded by us before unchanged -- a loop, answered 482. Our Via with
 * another hash is a spiral (the request came back with a new Request-URI,
 * say), which goes on. Max-Forwards bounds what this misses. */
#ifndef UMSBC_LOOP_H
#define UMSBC_LOOP_H

#include <stdint.h>
#include <sofia-sip/sip.h>

#include "conf.h"

/* RFC 3261 16.6 step 8's fields: Request-URI, From and To tags, Call-ID,
 * CSeq, the Route set left after our own entries are popped, and
 * Proxy-Require. No Via: a looped request's top Via is not the one we saw. */
uint32_t loop_hash(sip_t const *sip);
/* Whether sip (its own Route entries popped) has been here before as it is. */
int loop_detected(const struct conf *c, sip_t const *sip, uint32_t hash);
/* Loops detected since start. */
uint64_t loop_count(void);

#endif
