#include "config.h"

#include <string.h>

#include "util/jobq.h"

int
jobq_init(struct jobq *q, struct event_base *base, event_callback_fn cb, void *arg)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	TAILQ_INIT(&q->items);
	q->wake = event_new(base, -1, 0, cb, arg);
	return q->wake ? 0 : -1;
}

void
jobq_post(struct jobq *q, struct jobq_item *it)
{
	pthread_mutex_lock(&q->mu);
	TAILQ_INSERT_TAIL(&q->items, it, link);
	pthread_mutex_unlock(&q->mu);
	event_active(q->wake, EV_READ, 0);
}

struct jobq_item *
jobq_take(struct jobq *q)
{
	struct jobq_item *it;

	pthread_mutex_lock(&q->mu);
	if ((it = TAILQ_FIRST(&q->items)))
		TAILQ_REMOVE(&q->items, it, link);
	pthread_mutex_unlock(&q->mu);
	return it;
}

void
jobq_free(struct jobq *q)
{
	if (q->wake)
		event_free(q->wake);
	q->wake = NULL;
	pthread_mutex_destroy(&q->mu);
}
