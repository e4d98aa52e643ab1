/* The control socket: a local (AF_UNIX) line protocol for umsbcctl.
 * One command per line, the answer ends with a line "." alone. */
#ifndef UMSBC_CONTROL_H
#define UMSBC_CONTROL_H

#include <event2/buffer.h>
#include <event2/event.h>

/* The longest command line (without its CRLF or LF) a client may send. */
#define CONTROL_LINE_MAX 256

/* Writes the answer to cmd into out (lines, without the final "."). */
typedef void (*control_fn)(const char *cmd, struct evbuffer *out);

enum control_verb { CONTROL_UNKNOWN, CONTROL_STATUS, CONTROL_RELOAD };

/* What a command line asks for: the exact word, nothing around it. */
enum control_verb control_verb(const char *cmd);

/* Answers every complete line buffered in in: fn's answer and a "." line go
 * to out. -1 when the client is no command writer and is to be closed. */
int control_lines(struct evbuffer *in, struct evbuffer *out, control_fn fn);

/* Listens on path (mode 0600). Returns 0, or -1 with errno set. */
int control_start(struct event_base *base, const char *path, control_fn fn);
void control_stop(void);

#endif
