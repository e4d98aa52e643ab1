/* umsbcctl test-connectivity, the daemon's side: OPTIONS to each UM server
 * and gateway asked for, over the daemon's own sockets, certificate and
 * trust store (a secured gateway: mutual TLS, its fqdn verified), in
 * parallel; one line per hop, "KIND NAME pass|fail key=value ...", values
 * with spaces in double quotes. Core thread only. */
#ifndef UMSBC_CONNECTIVITY_H
#define UMSBC_CONNECTIVITY_H

#include <stdint.h>
#include <event2/buffer.h>

#include "conf.h"

/* How long a hop may take to answer. */
#define CONNECTIVITY_TIMEOUT_MS 4000

/* args: "[--secured|--unsecured] [--um NAME | --dialplan NAME | --gateway NAME]".
 * Returns 0 with the whole answer in out (an "error ..." line for bad
 * arguments), or CONTROL_LATER: the answer goes to control_answer(client)
 * when every hop has finished. */
int connectivity_start(const struct conf *c, const char *args, struct evbuffer *out,
    uint64_t client);

#endif
