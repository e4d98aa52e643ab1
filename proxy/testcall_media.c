#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <event2/util.h>

#include "media/portpool.h"
#include "sdp_rewrite.h"
#include "testcall_media.h"
#include "util/netaddr.h"

#define PTIME_MS 20
#define SAMPLES (8000 * PTIME_MS / 1000)	/* G.711: one byte a sample */
#define RTP_HDR 12

struct testcall_media {
	struct event_base *base;
	struct portpool *pool;
	struct media_ports ports;
	char offer[512];
	size_t offer_len;
	struct netaddr remote;		/* where the answer wants our RTP */
	int pt;				/* the answered payload type, 0 or 8 */
	char codec[32];
	uint16_t seq;
	uint32_t ts, ssrc;
	unsigned sent, received;
	struct event *rx, *tx;
};

struct testcall_media *
testcall_media_new(struct event_base *base, struct portpool *pool, char *why, size_t whylen)
{
	struct testcall_media *m = calloc(1, sizeof(*m));
	char host[NETADDR_STRLEN];
	socklen_t alen;
	int r;

	if (!m) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if ((r = media_portpool_get(pool, 1, &m->ports)) < 0) {
		snprintf(why, whylen, "no media port: %s", strerror(-r));
		free(m);
		return NULL;
	}
	m->base = base;
	m->pool = pool;
	const struct sockaddr *a = media_portpool_addr(pool, &alen);
	netaddr_host_str(a, host, sizeof(host));
	const char *ipv = a->sa_family == AF_INET6 ? "IP6" : "IP4";
	evutil_secure_rng_get_bytes(&m->ssrc, sizeof(m->ssrc));
	evutil_secure_rng_get_bytes(&m->seq, sizeof(m->seq));
	int n = snprintf(m->offer, sizeof(m->offer), "v=0\r\no=umsbc %u 1 IN %s %s\r\n"
	    "s=umsbc test call\r\nc=IN %s %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0 8\r\n"
	    "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=ptime:%d\r\na=sendrecv\r\n",
	    m->ssrc, ipv, host, ipv, host, m->ports.rtp_port, PTIME_MS);
	m->offer_len = n > 0 && (size_t)n < sizeof(m->offer) ? (size_t)n : 0;
	return m;
}

const char *
testcall_media_offer(struct testcall_media *m, size_t *len)
{
	*len = m->offer_len;
	return m->offer;
}

/* The first rtpmap of the i-th m= line: the codec the answer chose. */
static const sdp_rtpmap_t *
answered_map(const struct sdpr *d, int i)
{
	const sdp_media_t *md = d->sess ? d->sess->sdp_media : NULL;

	for (; md && i > 0; i--)
		md = md->m_next;
	return md ? md->m_rtpmaps : NULL;
}

int
testcall_media_answer(struct testcall_media *m, const char *sdp, size_t len,
    char *why, size_t whylen)
{
	struct sdpr d;
	const char *err = NULL;
	int i, ok = -1;

	if (sdpr_read(&d, sdp, len, &err) != 0) {
		snprintf(why, whylen, "unreadable SDP answer: %s", err ? err : "?");
		goto done;
	}
	for (i = 0; i < d.n; i++)
		if (d.s[i].kind == SDPR_RTP && strcmp(d.s[i].media, "audio") == 0 && d.s[i].port)
			break;
	const sdp_rtpmap_t *rm = i < d.n ? answered_map(&d, i) : NULL;
	if (!rm) {
		snprintf(why, whylen, "the SDP answer has no audio stream");
		goto done;
	}
	if (rm->rm_pt != 0 && rm->rm_pt != 8) {
		snprintf(why, whylen, "the SDP answer chose payload type %u (%s), not offered",
		    (unsigned)rm->rm_pt, rm->rm_encoding ? rm->rm_encoding : "?");
		goto done;
	}
	if (netaddr_parse(d.s[i].addr, (uint16_t)d.s[i].port, &m->remote) != 0) {
		snprintf(why, whylen, "the SDP answer's address \"%s\" is no IP address", d.s[i].addr);
		goto done;
	}
	m->pt = (int)rm->rm_pt;
	snprintf(m->codec, sizeof(m->codec), "%s/%lu", rm->rm_pt == 0 ? "PCMU" : "PCMA",
	    rm->rm_rate ? rm->rm_rate : 8000UL);
	ok = 0;
done:
	sdpr_free(&d);
	return ok;
}

/* Every datagram waiting: RTP (version 2) from the UM's address counts. */
static void
on_rx(evutil_socket_t fd, short what, void *arg)
{
	struct testcall_media *m = arg;
	unsigned char buf[2048];
	struct netaddr from;
	ssize_t n;

	(void)what;
	for (;;) {
		from.len = sizeof(from.ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, netaddr_sa(&from), &from.len);
		if (n < 0)
			return;		/* EAGAIN: all read */
		if (n >= RTP_HDR && (buf[0] >> 6) == 2 &&
		    netaddr_same_host(netaddr_csa(&from), netaddr_csa(&m->remote)))
			m->received++;
	}
}

/* One packet of silence in the answered codec. */
static void
on_tx(evutil_socket_t fd, short what, void *arg)
{
	struct testcall_media *m = arg;
	unsigned char pkt[RTP_HDR + SAMPLES];

	(void)fd;
	(void)what;
	memset(pkt + RTP_HDR, m->pt == 0 ? 0xff : 0xd5, SAMPLES);
	pkt[0] = 0x80;
	pkt[1] = (unsigned char)m->pt | (m->sent == 0 ? 0x80 : 0);	/* marker: talkspurt */
	pkt[2] = (unsigned char)(m->seq >> 8);
	pkt[3] = (unsigned char)m->seq;
	uint32_t ts = htonl(m->ts), ssrc = htonl(m->ssrc);
	memcpy(pkt + 4, &ts, 4);
	memcpy(pkt + 8, &ssrc, 4);
	if (sendto(m->ports.rtp_fd, pkt, sizeof(pkt), 0, netaddr_csa(&m->remote),
	    m->remote.len) == (ssize_t)sizeof(pkt))
		m->sent++;
	m->seq++;
	m->ts += SAMPLES;
}

int
testcall_media_run(struct testcall_media *m)
{
	struct timeval tv = { 0, PTIME_MS * 1000 };

	if (!m->rx && !(m->rx = event_new(m->base, m->ports.rtp_fd, EV_READ | EV_PERSIST, on_rx, m)))
		return -1;
	if (!m->tx && !(m->tx = event_new(m->base, -1, EV_PERSIST, on_tx, m)))
		return -1;
	if (event_add(m->rx, NULL) != 0 || event_add(m->tx, &tv) != 0)
		return -1;
	on_tx(-1, 0, m);	/* the first packet now, not in 20 ms */
	return 0;
}

void
testcall_media_stop(struct testcall_media *m)
{
	if (m->rx)
		event_del(m->rx);
	if (m->tx)
		event_del(m->tx);
}

const char *
testcall_media_codec(const struct testcall_media *m)
{
	return m->codec;
}

void
testcall_media_counts(const struct testcall_media *m, unsigned *sent, unsigned *received)
{
	*sent = m->sent;
	*received = m->received;
}

void
testcall_media_free(struct testcall_media *m)
{
	if (!m)
		return;
	if (m->rx)
		event_free(m->rx);
	if (m->tx)
		event_free(m->tx);
	media_portpool_put(m->pool, &m->ports);
	free(m);
}
