/* What the daemon has seen of each gateway, kept by name so that a reload
 * (which renumbers gateways) keeps it: when it last sent a message, and the
 * certificate it last showed. For "umsbcctl status". Core thread only. */
#ifndef UMSBC_GW_STATUS_H
#define UMSBC_GW_STATUS_H

#include <time.h>

#include "peercert.h"

struct gw_status {
	time_t last_seen;	/* 0 = never */
	struct peercert cert;	/* cert.sha1 "" = none seen */
	time_t failed_at;	/* last connection of ours that failed, 0 = none */
	char failure[160];	/* and why (TLS: the verification error) */
};

/* A message from gateway name (admitted). */
void gw_status_seen(const char *name, time_t now);
/* The certificate gateway name showed on a connection. */
void gw_status_cert(const char *name, const struct peercert *p);
/* A connection of ours to gateway name failed before it was up. */
void gw_status_failed(const char *name, const char *why, time_t now);
/* What is known of name (zeros when nothing). */
void gw_status_get(const char *name, struct gw_status *out);
void gw_status_free(void);

#endif
