#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "src_limit.h"

/* A fixed table: nothing is allocated per source, so spoofed UDP sources
 * cannot grow it. A slot that holds another source is taken over once that
 * source's buckets are full again and it is not cooling down; until then
 * the two share it, which can only make a flooder's neighbour stricter. */
#define SLOTS 16384

struct slot {
	uint64_t key;
	double tokens[SRC_KINDS];
	int64_t last_ms[SRC_KINDS];
	int64_t quiet_until_ms[SRC_KINDS];
};

static struct {
	struct src_limits lim;
	struct slot slot[SLOTS];
} S;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
src_limit_set(const struct src_limits *l)
{
	S.lim = *l;
}

void
src_limit_clear(void)
{
	memset(S.slot, 0, sizeof(S.slot));
}

/* Tokens of kind k after refilling to now. */
static double
refill(struct slot *s, int k, int64_t now)
{
	double t = s->tokens[k] + (double)(now - s->last_ms[k]) * S.lim.rate[k] / 1000.0;

	s->last_ms[k] = now;
	return s->tokens[k] = t > S.lim.burst[k] ? S.lim.burst[k] : t;
}

static int
idle(struct slot *s, int64_t now)
{
	for (int k = 0; k < SRC_KINDS; k++)
		if (now < s->quiet_until_ms[k] || (S.lim.rate[k] > 0 && refill(s, k, now) < S.lim.burst[k]))
			return 0;
	return 1;
}

static struct slot *
slot_of(uint64_t key, int64_t now)
{
	struct slot *s = &S.slot[(key * 0x9e3779b97f4a7c15ull) >> 50];

	if (s->key != key && (s->key == 0 || idle(s, now))) {
		memset(s, 0, sizeof(*s));
		s->key = key;
		for (int k = 0; k < SRC_KINDS; k++) {
			s->tokens[k] = S.lim.burst[k];
			s->last_ms[k] = now;
		}
	}
	return s;
}

int
src_limit_take(const struct sockaddr *src, enum src_kind k, int *tripped)
{
	*tripped = 0;
	if (S.lim.rate[k] <= 0)
		return 1;
	int64_t now = now_ms();
	struct slot *s = slot_of(netaddr_source_key(src), now);
	if (now < s->quiet_until_ms[k])
		return 0;
	if (refill(s, k, now) >= 1.0) {
		s->tokens[k] -= 1.0;
		return 1;
	}
	s->quiet_until_ms[k] = now + 1000L * S.lim.cooldown;
	*tripped = 1;
	return 0;
}
