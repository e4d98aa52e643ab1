/* Logging with stable event IDs (docs/EVENTS.md): syslog, or stderr in the foreground. */
#ifndef UMSBC_LOG_H
#define UMSBC_LOG_H

#include <syslog.h>

enum log_event {
	EV_STARTING = 1000,
	EV_DIALPLAN_MODE = 1001,
	EV_UM_DEFAULT_MODE = 1002,
	EV_LISTENING = 1003,
	EV_CERT_IN_USE = 1004,
	EV_READY = 1005,
	EV_CERT_EXPIRING = 1006,
	EV_CERT_EXPIRED = 1007,
	EV_CERT_GENERATED = 1008,
	EV_CERT_FAULT = 1009,		/* a store file we cannot use within its dates */
	EV_RELOAD_DONE = 1010,
	EV_RELOAD_FAILED = 1011,
	EV_FD_LIMIT = 1012,		/* file descriptors needed and the limits */
	EV_METRICS = 1013,		/* the metrics endpoint listening, stopped, failed */
	EV_STOPPING = 1020,
	EV_STOPPED = 1021,
	EV_TLS_FAILED = 2001,
	EV_PEER_REFUSED = 2002,
	EV_REFUSALS_SUPPRESSED = 2003,
	EV_PEER_CERT_EXPIRING = 2004,
	EV_PEER_CERT_EXPIRED = 2005,
	EV_TLS_KEYLOG = 2006,		/* SSLKEYLOGFILE set: TLS secrets written to a file */
	EV_MALFORMED = 2010,
	EV_CONN_TIMEOUT = 2011,		/* a connection closed: idle, or a message never ended */
	EV_ACCEPT_FAILED = 2012,	/* accept() failed (out of descriptors): accepts paused */
	EV_SOURCE_FLOOD = 2013,		/* a source over its per-second budget: ignored a while */
	EV_UM_UNREACHABLE = 3001,	/* a call's request did not get through to a UM server */
	EV_GW_UNREACHABLE = 3003,
	EV_UM_DOWN = 3004,		/* a UM server marked down: new calls skip it */
	EV_UM_UP = 3005,		/* a UM server answered a probe again */
	EV_DNS_FAILED = 3010,		/* a peer's name does not resolve (or no longer) */
	EV_DNS_RESOLVED = 3011,	/* a peer's name resolved to new addresses */
	EV_HUB_RELAYED = 4001,		/* a message the Hub accepted */
	EV_HUB_FAILED = 4002,		/* a message or session not relayed */
	EV_HUB_REFUSED = 4003,		/* a client not in hub_transport.clients */
	EV_HUB_LISTENING = 4004,	/* relay listening / stopped */
	EV_HUB_LIMIT = 4005,		/* max_sessions reached */
	EV_HUB_PROTOCOL = 4006,		/* a client closed after repeated errors */
	EV_CALL_ENDED = 5001,		/* a call's end: duration, mode, suite, packets per leg */
	EV_MEDIA_TIMEOUT = 5002,	/* no media for media.timeout: BYE sent both ways */
	EV_MEDIA_REFUSED = 5003,	/* an offer or answer we could not carry (488) */
	EV_MEDIA_PORTS = 5004,		/* media port range exhausted (503) */
	EV_MEDIA_IO = 5005,		/* the relay's I/O path: io_uring, or epoll and why */
	EV_NUMBER_REFUSED = 5010,	/* a dial plan's rules refused the number (403) */
	EV_CALL_LIMIT = 5011,		/* a call over max_calls / max_cps (503) */
	EV_LOOP_DETECTED = 5012,	/* a request that has been here before (482) */
	EV_CONFIG_ERROR = 9001,
	EV_INTERNAL = 9002,
};

void log_open(int foreground);
void log_set_level(int prio);
int log_level_from_name(const char *name);	/* -1 when unknown */
void log_event(int prio, enum log_event id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Refusal and malformed-message events go through a rate limit so that a
 * flood cannot flood the log: at most LOG_BURST lines per LOG_WINDOW s of
 * each event ID, then one UMS2003 line with the count of those suppressed. */
#define LOG_BURST 10
#define LOG_WINDOW 10
void log_limited(int prio, enum log_event id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
