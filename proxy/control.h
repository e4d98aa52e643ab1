/* The control socket: a local (AF_UNIX) line protocol for umsbcctl.
 * One command per line, the answer ends with a line "." alone. */
#ifndef UMSBC_CONTROL_H
#define UMSBC_CONTROL_H

#include <event2/buffer.h>
#include <event2/event.h>

/* Writes the answer to cmd into out (lines, without the final "."). */
typedef void (*control_fn)(const char *cmd, struct evbuffer *out);

/* Listens on path (mode 0600). Returns 0, or -1 with errno set. */
int control_start(struct event_base *base, const char *path, control_fn fn);
void control_stop(void);

#endif
