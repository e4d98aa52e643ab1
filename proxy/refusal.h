/* Why a peer was refused: a fixed set, so that a counter per reason is a
 * bounded label set (the metrics endpoint) while the log keeps the full
 * sentence. Counted where the refusal is logged. Core thread only. */
#ifndef UMSBC_REFUSAL_H
#define UMSBC_REFUSAL_H

#include <stdint.h>

enum refusal {
	REFUSAL_NONE,			/* admitted */
	REFUSAL_UNKNOWN_SOURCE,		/* address of no listed gateway / UM server */
	REFUSAL_UNKNOWN_CERTIFICATE,	/* certificate names no listed gateway */
	REFUSAL_WRONG_ADDRESS,		/* listed gateway's certificate, wrong source */
	REFUSAL_WRONG_PORT,		/* listed gateway on the port of the other mode */
	REFUSAL_CONNECTION_LIMIT,	/* tls.max_connections */
	REFUSAL_UNAUTHENTICATED_LIMIT,	/* tls.max_unauthenticated */
	REFUSAL_ADDRESS_LIMIT,		/* tls.max_unauthenticated_per_address */
	REFUSAL_FLOOD,			/* over its limits budget, cooling down */
	REFUSAL_COUNT
};

/* "unknown_source", ...: the metrics label. */
const char *refusal_name(enum refusal r);
void refusal_count(enum refusal r);
uint64_t refusal_total(enum refusal r);

#endif
