#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_foreground;
static int log_max = LOG_INFO;

/* One window per event ID, so that a flood of one kind of line (refusals)
 * cannot hide the others (time-outs, malformed messages). */
#define LIMITERS 16
static struct limiter {
	enum log_event id;
	time_t window_start;
	unsigned shown;
	unsigned suppressed;
} limiters[LIMITERS];

static const struct {
	const char *name;
	int prio;
} levels[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO }, { "notice", LOG_NOTICE },
	{ "warning", LOG_WARNING }, { "err", LOG_ERR }, { "error", LOG_ERR },
	{ "crit", LOG_CRIT },
};

void
log_open(int foreground)
{
	log_foreground = foreground;
	if (!foreground)
		openlog("umsbcd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int prio)
{
	log_max = prio;
}

int
log_level_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(name, levels[i].name) == 0)
			return levels[i].prio;
	return -1;
}

static const char *
prio_name(int prio)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i].prio == prio)
			return levels[i].name;
	return "info";
}

static void
log_vemit(int prio, enum log_event id, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (!log_foreground) {
		syslog(prio, "%s UMS%04d %s", prio_name(prio), (int)id, text);
		return;
	}
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf per line keeps lines whole when threads log at once. */
	fprintf(stderr, "%s umsbcd[%d]: %s UMS%04d %s\n", stamp, (int)getpid(),
	    prio_name(prio), (int)id, text);
}

void
log_event(int prio, enum log_event id, const char *fmt, ...)
{
	va_list ap;

	if (prio > log_max)
		return;
	va_start(ap, fmt);
	log_vemit(prio, id, fmt, ap);
	va_end(ap);
}

/* The window of id; ids beyond the table share the last one. */
static struct limiter *
limiter_of(enum log_event id)
{
	int i;

	for (i = 0; i < LIMITERS - 1 && limiters[i].id && limiters[i].id != id; i++)
		;
	limiters[i].id = id;
	return &limiters[i];
}

void
log_limited(int prio, enum log_event id, const char *fmt, ...)
{
	time_t now = time(NULL);
	va_list ap;

	if (prio > log_max)
		return;
	struct limiter *l = limiter_of(id);
	if (now - l->window_start >= LOG_WINDOW) {
		if (l->suppressed > 0)
			log_event(LOG_WARNING, EV_REFUSALS_SUPPRESSED,
			    "%u further UMS%d lines suppressed in the last %d s",
			    l->suppressed, (int)id, LOG_WINDOW);
		l->window_start = now;
		l->shown = 0;
		l->suppressed = 0;
	}
	if (l->shown >= LOG_BURST) {
		l->suppressed++;
		return;
	}
	l->shown++;
	va_start(ap, fmt);
	log_vemit(prio, id, fmt, ap);
	va_end(ap);
}
