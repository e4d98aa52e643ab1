/* File descriptors: the soft RLIMIT_NOFILE raised as far as the config can
 * need, so that tls.max_connections is not a promise the kernel breaks. */
#ifndef UMSBC_FDLIMIT_H
#define UMSBC_FDLIMIT_H

#include "conf.h"

/* Descriptors the config can hold at once: connections, media ports, SMTP
 * sessions (two sockets each) and a margin for listeners, logs and pipes. */
long fdlimit_need(const struct conf *c);
/* Raises the soft limit toward fdlimit_need (never above the hard limit)
 * and logs both figures. Returns 0, or -1 when the need is out of reach. */
int fdlimit_raise(const struct conf *c);

#endif
