#define _GNU_SOURCE	/* pthread_setname_np */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/thread.h>

#include "media/internal.h"
#include "media/relay.h"

struct media_relay {
	int n;
	unsigned next;		/* round-robin, proxy thread only */
	struct mworker **w;
};

static const char *const ctr_names[MEDIA_CTR_COUNT] = {
	[MEDIA_CTR_PACKETS_IN] = "packets_in",
	[MEDIA_CTR_BYTES_IN] = "bytes_in",
	[MEDIA_CTR_PACKETS_OUT] = "packets_out",
	[MEDIA_CTR_BYTES_OUT] = "bytes_out",
	[MEDIA_CTR_SRTP_AUTH] = "srtp_auth_failures",
	[MEDIA_CTR_SRTP_REPLAY] = "srtp_replay_drops",
	[MEDIA_CTR_FOREIGN] = "foreign_source_drops",
	[MEDIA_CTR_DROPS] = "other_drops",
};

const char *
media_ctr_name(enum media_ctr c)
{
	return (unsigned)c < MEDIA_CTR_COUNT ? ctr_names[c] : "?";
}

void
media_mctr_read(const struct mctr *c, struct media_counters *out)
{
	for (int k = 0; k < MEDIA_CTR_COUNT; k++)
		out->v[k] = atomic_load_explicit(&c->v[k], memory_order_relaxed);
}

/* ---- the command queue: proxy -> worker ---- */

void
media_worker_post(struct mworker *w, struct mcmd *c)
{
	jobq_post(&w->cmds, &c->item);
}

static struct mcmd *
next_command(struct mworker *w)
{
	struct jobq_item *it = jobq_take(&w->cmds);

	return it ? jobq_entry(it, struct mcmd, item) : NULL;
}

static void
commands_run(evutil_socket_t fd, short what, void *arg)
{
	struct mworker *w = arg;
	struct mcmd *c;

	(void)fd; (void)what;
	while ((c = next_command(w))) {
		if (c->kind == MCMD_QUIT)
			event_base_loopbreak(w->base);
		else
			media_stream_command(w, c);
		free(c);
	}
}

/* ---- workers ---- */

static void *
worker_main(void *arg)
{
	struct mworker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void
worker_free(struct mworker *w)
{
	struct media_stream *s;
	struct mcmd *c;

	/* Commands posted after the quit first: they may name live streams. */
	while ((c = next_command(w))) {
		if (c->kind != MCMD_QUIT)
			media_stream_command(w, c);
		free(c);
	}
	while ((s = LIST_FIRST(&w->streams))) {
		LIST_REMOVE(s, link);
		media_stream_free(s);
	}
	jobq_free(&w->cmds);
	if (w->base)
		event_base_free(w->base);
	media_packet_batch_free(w->b);
	free(w);
}

static struct mworker *
worker_new(struct media_relay *r)
{
	struct mworker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->relay = r;
	LIST_INIT(&w->streams);
	if (!(w->b = media_packet_batch_new()) || !(w->base = event_base_new()) ||
	    jobq_init(&w->cmds, w->base, commands_run, w) != 0 ||
	    pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		worker_free(w);
		return NULL;
	}
	/* top -H and ps -L tell the threads apart. */
	pthread_setname_np(w->thread, "umsbcd-media");
	return w;
}

static void
worker_stop(struct mworker *w)
{
	struct mcmd *q = calloc(1, sizeof(*q));

	/* Without memory for the command, loopbreak is thread-safe too. */
	if (q) {
		q->kind = MCMD_QUIT;
		media_worker_post(w, q);
	} else {
		event_base_loopbreak(w->base);
	}
	pthread_join(w->thread, NULL);
	worker_free(w);
}

struct media_relay *
media_relay_new(int n_workers)
{
	struct media_relay *r;

	if (evthread_use_pthreads() < 0 || media_srtpctx_global_init() < 0)
		return NULL;
	if (n_workers <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n_workers = cpus > 0 ? (int)cpus : 1;
	}
	if (!(r = calloc(1, sizeof(*r))) || !(r->w = calloc((size_t)n_workers, sizeof(*r->w)))) {
		free(r);
		return NULL;
	}
	for (r->n = 0; r->n < n_workers; r->n++)
		if (!(r->w[r->n] = worker_new(r))) {
			media_relay_free(r);
			return NULL;
		}
	return r;
}

void
media_relay_free(struct media_relay *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		worker_stop(r->w[i]);
	free(r->w);
	free(r);
}

int
media_relay_workers(const struct media_relay *r)
{
	return r->n;
}

void
media_relay_counters(const struct media_relay *r, struct media_counters *out)
{
	struct media_counters one;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < r->n; i++) {
		media_mctr_read(&r->w[i]->ctr, &one);
		for (int k = 0; k < MEDIA_CTR_COUNT; k++)
			out->v[k] += one.v[k];
	}
}

struct mworker *
media_relay_pick(struct media_relay *r)
{
	return r->w[r->next++ % (unsigned)r->n];
}
