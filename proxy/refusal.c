#include "config.h"

#include "refusal.h"

static uint64_t totals[REFUSAL_COUNT];

const char *
refusal_name(enum refusal r)
{
	static const char *const names[REFUSAL_COUNT] = {
		"none", "unknown_source", "unknown_certificate", "wrong_address", "wrong_port",
		"connection_limit", "unauthenticated_limit", "address_limit", "flood",
	};
	return (unsigned)r < REFUSAL_COUNT ? names[r] : "none";
}

void
refusal_count(enum refusal r)
{
	if ((unsigned)r < REFUSAL_COUNT)
		totals[r]++;
}

uint64_t
refusal_total(enum refusal r)
{
	return (unsigned)r < REFUSAL_COUNT ? totals[r] : 0;
}
