/* The control socket: a local (AF_UNIX) line protocol for umsbcctl.
 * One command per line, the answer ends with a line "." alone. */
#ifndef UMSBC_CONTROL_H
#define UMSBC_CONTROL_H

#include <event2/buffer.h>
#include <event2/event.h>

#include <stdint.h>

/* The longest command line (without its CRLF or LF) a client may send. */
#define CONTROL_LINE_MAX 256

/* An answer that comes later (control_fn returned CONTROL_LATER). */
#define CONTROL_LATER 1

/* Writes the answer to cmd into out (lines, without the final ".") and
 * returns 0; or returns CONTROL_LATER and answers later with
 * control_answer(client, ...): that client's next command waits till then. */
typedef int (*control_fn)(const char *cmd, struct evbuffer *out, uint64_t client);

/* The late answer to client (lines, without the final "."); dropped when
 * the client has gone. */
void control_answer(uint64_t client, struct evbuffer *answer);

enum control_verb { CONTROL_UNKNOWN, CONTROL_STATUS, CONTROL_RELOAD, CONTROL_TEST };

/* What a command line asks for: the exact word, nothing around it (but
 * test-connectivity, which takes arguments). */
enum control_verb control_verb(const char *cmd);

/* Answers the complete lines buffered in in: fn's answer and a "." line go
 * to out, until fn answers one later (CONTROL_LATER: the rest stays in in).
 * -1 when the client is no command writer and is to be closed, else 0. */
int control_lines(struct evbuffer *in, struct evbuffer *out, control_fn fn, uint64_t client);

/* Listens on path (mode 0600). Returns 0, or -1 with errno set. */
int control_start(struct event_base *base, const char *path, control_fn fn);
void control_stop(void);

#endif
