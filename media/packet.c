/* The recvmmsg/sendmmsg packet path: libevent says a socket is readable, we
 * read a batch from it, decide (packet_handle.c) and send a batch. It runs
 * in the stream's worker only, takes no lock and allocates nothing (libsrtp
 * clones its stream template once per new SSRC, not per packet). */
#define _GNU_SOURCE
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "media/internal.h"

/* Buffers of one batch, allocated with the worker: no allocation per packet. */
struct mbatch {
	struct mmsghdr rmsg[MEDIA_BATCH];
	struct iovec riov[MEDIA_BATCH];
	union maddr rsrc[MEDIA_BATCH];
	struct mmsghdr smsg[MEDIA_BATCH];
	struct iovec siov[MEDIA_BATCH];
	struct msock *svia[MEDIA_BATCH];
	struct mtally t;
	uint8_t buf[MEDIA_BATCH][MEDIA_BUF];
	uint8_t scratch[MEDIA_BUF];
};

struct mbatch *
media_packet_batch_new(void)
{
	return calloc(1, sizeof(struct mbatch));
}

void
media_packet_batch_free(struct mbatch *b)
{
	free(b);
}

/* Batches per wake-up before yielding to the other sockets of the worker. */
#define ROUNDS 4

static void
handle(struct mbatch *b, struct msock *k, int i, int64_t now, int *ns)
{
	struct mpkt p = {
		.buf = b->buf[i], .len = (int)b->rmsg[i].msg_len,
		.trunc = (b->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0,
		.src = &b->rsrc[i], .srclen = b->rmsg[i].msg_hdr.msg_namelen,
	};
	struct mdest d;

	if (!media_packet_handle(k, &p, now, b->scratch, &b->t, &d))
		return;
	int j = (*ns)++;
	struct msghdr *h = &b->smsg[j].msg_hdr;
	b->siov[j].iov_base = b->buf[i];
	b->siov[j].iov_len = (size_t)p.len;
	memset(h, 0, sizeof(*h));
	h->msg_name = (void *)d.to;
	h->msg_namelen = d.tolen;
	h->msg_iov = &b->siov[j];
	h->msg_iovlen = 1;
	b->svia[j] = d.via;
}

/* sendmmsg per run of packets that leave by the same socket. */
static void
flush(struct mbatch *b, int ns)
{
	for (int i = 0; i < ns;) {
		int j = i, fd = b->svia[i]->fd;
		while (j < ns && b->svia[j]->fd == fd)
			j++;
		int sent = sendmmsg(fd, &b->smsg[i], (unsigned)(j - i), MSG_DONTWAIT);
		if (sent < 0)
			sent = 0;
		/* A short count means the rest could not go. */
		for (int m = i; m < j; m++)
			media_tally_sent(&b->t, b->svia[m]->side,
			    m < i + sent ? (int)b->smsg[m].msg_len : -1);
		i = j;
	}
}

static void
prepare_read(struct mbatch *b)
{
	for (int i = 0; i < MEDIA_BATCH; i++) {
		struct msghdr *h = &b->rmsg[i].msg_hdr;
		b->riov[i].iov_base = b->buf[i];
		b->riov[i].iov_len = MEDIA_READ_MAX;
		h->msg_name = &b->rsrc[i];
		h->msg_namelen = sizeof(b->rsrc[i]);
		h->msg_iov = &b->riov[i];
		h->msg_iovlen = 1;
		h->msg_control = NULL;
		h->msg_controllen = 0;
		h->msg_flags = 0;
	}
}

void
media_packet_readable(evutil_socket_t fd, short what, void *arg)
{
	struct msock *k = arg;
	struct mworker *w = k->side->s->w;
	struct mbatch *b = w->b;

	(void)what;
	for (int round = 0; round < ROUNDS; round++) {
		prepare_read(b);
		int n = recvmmsg(fd, b->rmsg, MEDIA_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		int64_t now = media_now_ms();
		int ns = 0;
		for (int i = 0; i < n; i++)
			handle(b, k, i, now, &ns);
		flush(b, ns);
		media_tally_publish(w, &b->t);
		if (n < MEDIA_BATCH)
			break;
	}
}
