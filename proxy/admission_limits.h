/* Call admission limits: for the node, each gateway, each UM server and
 * each dial plan (both directions together, and outbound / inbound on their
 * own), the calls up now against max_calls and a token bucket against
 * max_cps (max_cps calls at once, refilled at max_cps per second). A limit
 * outlives a reload under its name, so the calls it counts stay counted; one
 * the new config drops goes with its last call. Core thread only. */
#ifndef UMSBC_ADMISSION_LIMITS_H
#define UMSBC_ADMISSION_LIMITS_H

#include <stdint.h>

#include "conf.h"

enum alim_kind { ALIM_NODE, ALIM_GATEWAY, ALIM_UM, ALIM_DIALPLAN, ALIM_DIALPLAN_OUT,
	ALIM_DIALPLAN_IN };

enum alim_room { ALIM_OK, ALIM_FULL_CALLS, ALIM_FULL_CPS };

struct alim;

struct alim_view {
	enum alim_kind kind;
	const char *name;	/* "" for the node */
	struct conf_limit max;
	unsigned calls;		/* up now */
	unsigned cps;		/* calls admitted in the last whole second */
	uint64_t refused;	/* calls refused because of this limit */
};

/* Binds the limits to config c (start, reload): same names keep their
 * counts and buckets, new ones start empty with a full bucket. 0, or -1
 * when out of memory (the old binding stays). */
int alim_apply(const struct conf *c, int64_t now_ms);
/* The limits of config c's objects (NULL before alim_apply). */
struct alim *alim_node(void);
struct alim *alim_gateway(int gw);
struct alim *alim_um(int um);
/* dir: -1 for the dial plan as a whole, else an enum direction. */
struct alim *alim_dialplan(int dp, int dir);

/* Whether one more call fits now. */
enum alim_room alim_room(struct alim *l, int64_t now_ms);
/* A call is admitted: counted until alim_release, and a token taken. */
void alim_take(struct alim *l, int64_t now_ms);
void alim_release(struct alim *l);
void alim_refused(struct alim *l);
void alim_view(const struct alim *l, int64_t now_ms, struct alim_view *v);
/* "gateway gw1", "dial plan main outbound", "node": for logs. */
const char *alim_describe(const struct alim *l, char *buf, size_t len);
/* Forgets every limit (shutdown, tests). */
void alim_clear(void);

#endif
