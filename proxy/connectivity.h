/* umsbcctl test-connectivity, the daemon's side: OPTIONS to each UM server
 * and gateway asked for (with --call, a test call to each UM server too),
 * over the daemon's own sockets, certificate and trust store (a secured
 * gateway: mutual TLS, its fqdn verified), in parallel; one line per hop,
 * "KIND NAME pass|fail key=value ...", values with spaces in double
 * quotes. Core thread only. */
#ifndef UMSBC_CONNECTIVITY_H
#define UMSBC_CONNECTIVITY_H

#include <stdint.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "conf.h"

/* How long a hop may take to answer. */
#define CONNECTIVITY_TIMEOUT_MS 4000

/* args: "[--secured|--unsecured] [--um NAME | --dialplan NAME | --gateway NAME]
 * [--call NUMBER]"; --call adds a test call (testcall.h) to each UM server
 * tested, "call NAME pass|fail ..." after the OPTIONS lines. Returns 0 with the whole answer in out (an "error ..." line for bad
 * arguments), or CONTROL_LATER: the answer goes to control_answer(client)
 * when every hop has finished. */
int connectivity_start(struct event_base *base, const struct conf *c, const char *args,
    struct evbuffer *out, uint64_t client);

#endif
