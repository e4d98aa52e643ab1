/* A job queue from any thread to the thread of one event_base: a mutex, a
 * TAILQ and an event made active on every post (libevent's pthreads locking
 * must be on: evthread_use_pthreads). The job embeds a struct jobq_item. */
#ifndef UMSBC_UTIL_JOBQ_H
#define UMSBC_UTIL_JOBQ_H

#include <pthread.h>
#include <stddef.h>
#include <sys/queue.h>

#include <event2/event.h>

struct jobq_item {
	TAILQ_ENTRY(jobq_item) link;
};

struct jobq {
	pthread_mutex_t mu;		/* guards items only */
	TAILQ_HEAD(, jobq_item) items;
	struct event *wake;		/* in the consumer's base */
};

/* The job of type `type` whose member `member` is item i. */
#define jobq_entry(i, type, member) \
	((type *)(void *)((char *)(i) - offsetof(type, member)))

/* An empty queue whose posts run cb(-1, EV_READ, arg) on base's thread;
 * cb takes the jobs with jobq_take until it gets NULL. 0, or -1 (no event;
 * jobq_free is still right). jobq_free is also right on a zeroed queue. */
int jobq_init(struct jobq *q, struct event_base *base, event_callback_fn cb, void *arg);
/* Appends it and wakes the consumer. Any thread. */
void jobq_post(struct jobq *q, struct jobq_item *it);
/* The oldest job, out of the queue, or NULL. Any thread. */
struct jobq_item *jobq_take(struct jobq *q);
/* Frees the event and the mutex: take the jobs left first. */
void jobq_free(struct jobq *q);

#endif
