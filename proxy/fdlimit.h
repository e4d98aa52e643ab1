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

/* One descriptor kept in reserve (on /dev/null) for the day they run out. */
void fdlimit_spare_keep(void);
void fdlimit_spare_release(void);
/* Out of descriptors, a connection would stay in the backlog, its peer
 * waiting and the listener firing again at once: the spare is given up for
 * long enough to accept the connection on lfd and close it. 0, or -1 (no
 * spare, or the accept failed). */
int fdlimit_refuse_with_spare(int lfd);

#endif
