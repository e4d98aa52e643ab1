/* When to tell the administrator that our certificate runs out. Pure: the
 * daemon's daily timer passes the time, so tests need no clock games. */
#ifndef UMSBC_CERTS_EXPIRY_H
#define UMSBC_CERTS_EXPIRY_H

#include <time.h>

enum certs_expiry_level {
	CERTS_EXPIRY_NONE,	/* nothing to log now */
	CERTS_EXPIRY_WARNING,	/* expires within CERTS_EXPIRY_WINDOW */
	CERTS_EXPIRY_ERROR,	/* expired */
};

#define CERTS_EXPIRY_WINDOW (30L * 86400)	/* warn from 30 days before notAfter */
#define CERTS_EXPIRY_INTERVAL 86400L		/* once a day */
/* A daily timer may fire a little early; this much early still counts as a day. */
#define CERTS_EXPIRY_SLACK 600L

/* Whether to log now about a certificate that expires at not_after, given
 * when we last logged about it (0 = never, or since it was taken into use).
 * A log is due when at least a day (less the slack) has passed since the last
 * one, or the clock went backwards, or never logged. *days_left gets the whole
 * days to not_after (negative after it) when not NULL. */
enum certs_expiry_level certs_expiry_check(time_t not_after, time_t now, time_t last_logged,
    long *days_left);

#endif
