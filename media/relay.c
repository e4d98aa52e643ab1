#define _GNU_SOURCE	/* pthread_setname_np */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/thread.h>

#include "media/internal.h"
#include "media/relay.h"

struct media_relay {
	int n;
	enum media_io io;	/* URING or EPOLL */
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

static const char *const io_names[] = {
	[MEDIA_IO_AUTO] = "auto", [MEDIA_IO_URING] = "uring", [MEDIA_IO_EPOLL] = "epoll",
};

const char *
media_io_name(enum media_io io)
{
	return (unsigned)io <= MEDIA_IO_EPOLL ? io_names[io] : "?";
}

int
media_io_parse(const char *name, enum media_io *out)
{
	for (int i = 0; i <= MEDIA_IO_EPOLL; i++)
		if (strcmp(name, io_names[i]) == 0) {
			*out = (enum media_io)i;
			return 0;
		}
	return -1;
}

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
	/* An io_uring worker does not run its event_base: its ring reads this. */
	if (w->cmd_fd >= 0)
		eventfd_write(w->cmd_fd, 1);
}

static struct mcmd *
next_command(struct mworker *w)
{
	struct jobq_item *it = jobq_take(&w->cmds);

	return it ? jobq_entry(it, struct mcmd, item) : NULL;
}

int
media_worker_commands(struct mworker *w)
{
	struct mcmd *c;
	int quit = 0;

	while ((c = next_command(w))) {
		if (c->kind == MCMD_QUIT)
			quit = 1;
		else
			media_stream_command(w, c);
		free(c);
	}
	return quit;
}

static void
commands_run(evutil_socket_t fd, short what, void *arg)
{
	struct mworker *w = arg;

	(void)fd; (void)what;
	if (w->u)
		return;		/* its ring's command read runs them */
	if (media_worker_commands(w))
		event_base_loopbreak(w->base);
}

/* ---- workers ---- */

static void *
worker_main(void *arg)
{
	struct mworker *w = arg;

	if (w->u)
		media_uring_run(w);
	else
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
	media_uring_free(w);
	if (w->cmd_fd >= 0)
		close(w->cmd_fd);
	if (w->base)
		event_base_free(w->base);
	media_packet_batch_free(w->b);
	free(w);
}

static struct mworker *
worker_new(struct media_relay *r, char *why, size_t whylen)
{
	struct mworker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->relay = r;
	w->cmd_fd = -1;
	LIST_INIT(&w->streams);
	if (!(w->b = media_packet_batch_new()) || !(w->base = event_base_new()) ||
	    jobq_init(&w->cmds, w->base, commands_run, w) != 0 ||
	    (r->io == MEDIA_IO_URING && media_uring_new(w, why, whylen) != 0) ||
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

/* URING or EPOLL for what was asked; -1 when io_uring was required and
 * cannot be had. */
static int
choose_io(enum media_io io, char *why, size_t whylen)
{
	char probe[160];

	if (io == MEDIA_IO_EPOLL)
		return MEDIA_IO_EPOLL;
	if (media_uring_probe(probe, sizeof(probe)) == 0)
		return MEDIA_IO_URING;
	snprintf(why, whylen, "io_uring cannot be used (%s)", probe);
	return io == MEDIA_IO_URING ? -1 : MEDIA_IO_EPOLL;
}

struct media_relay *
media_relay_new(int n_workers, enum media_io io, char *why, size_t whylen)
{
	struct media_relay *r;
	int chosen;

	why[0] = '\0';
	if (evthread_use_pthreads() < 0 || media_srtpctx_global_init() < 0) {
		snprintf(why, whylen, "libevent threads or libsrtp did not start");
		return NULL;
	}
	if ((chosen = choose_io(io, why, whylen)) < 0)
		return NULL;
	if (n_workers <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n_workers = cpus > 0 ? (int)cpus : 1;
	}
	if (!(r = calloc(1, sizeof(*r))) || !(r->w = calloc((size_t)n_workers, sizeof(*r->w)))) {
		free(r);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	r->io = (enum media_io)chosen;
	for (r->n = 0; r->n < n_workers; r->n++)
		if (!(r->w[r->n] = worker_new(r, why, whylen))) {
			if (!why[0])
				snprintf(why, whylen, "cannot start a relay thread");
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

enum media_io
media_relay_io(const struct media_relay *r)
{
	return r->io;
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
