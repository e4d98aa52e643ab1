#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media_suites.h"
#include "media/srtp_ctx.h"
#include "media/stream.h"

/* Bounded waits: a relay that does not deliver fails, it does not hang. */
#define WAIT_MS 2000

/* Every relay test runs once per I/O path (the tcase's fixture sets it). */
static enum media_io test_io = MEDIA_IO_EPOLL;

static void io_epoll(void) { test_io = MEDIA_IO_EPOLL; }
static void io_uring(void) { test_io = MEDIA_IO_URING; }

static struct media_relay *
relay_new(int workers)
{
	char why[256];
	struct media_relay *r = media_relay_new(workers, test_io, why, sizeof(why));

	ck_assert_msg(r != NULL, "relay (io %s): %s", media_io_name(test_io), why);
	ck_assert_int_eq(media_relay_io(r), test_io);
	return r;
}

/* A test peer: one UDP socket on loopback, ephemeral port. */
struct peer {
	int fd;
	struct sockaddr_in addr;
};

static void
peer_open(struct peer *p)
{
	socklen_t len = sizeof(p->addr);

	memset(&p->addr, 0, sizeof(p->addr));
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(p->fd, 0);
	ck_assert_int_eq(bind(p->fd, (struct sockaddr *)&p->addr, sizeof(p->addr)), 0);
	ck_assert_int_eq(getsockname(p->fd, (struct sockaddr *)&p->addr, &len), 0);
}

static void
peer_send(const struct peer *p, uint16_t port, const uint8_t *buf, int len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(p->fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)), len);
}

/* A datagram within ms, or -1. */
static int
peer_recv(const struct peer *p, uint8_t *buf, int cap, int ms)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };

	if (poll(&pf, 1, ms) != 1)
		return -1;
	return (int)recv(p->fd, buf, (size_t)cap, 0);
}

static void
as_peer(struct media_peer *mp, const struct peer *rtp, const struct peer *rtcp)
{
	memset(mp, 0, sizeof(*mp));
	if (rtp) {
		memcpy(&mp->rtp, &rtp->addr, sizeof(rtp->addr));
		mp->rtp_len = sizeof(rtp->addr);
	}
	if (rtcp) {
		memcpy(&mp->rtcp, &rtcp->addr, sizeof(rtcp->addr));
		mp->rtcp_len = sizeof(rtcp->addr);
	}
}

static struct portpool *
pool_at(uint16_t min, uint16_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct portpool *p = media_portpool_new((struct sockaddr *)&a, sizeof(a), min, (uint16_t)(min + n - 1));
	ck_assert_ptr_nonnull(p);
	return p;
}

static uint64_t
ctr(struct media_stream *s, enum media_side side, enum media_ctr k)
{
	struct media_counters c;

	media_stream_counters(s, side, &c);
	return c.v[k];
}

/* Counters are published by the worker after it sent the batch: poll. */
static int
ctr_reaches(struct media_stream *s, enum media_side side, enum media_ctr k, uint64_t want)
{
	int64_t end = media_now_ms() + WAIT_MS;
	struct pollfd none = { .fd = -1 };

	while (ctr(s, side, k) < want && media_now_ms() < end)
		poll(&none, 0, 1);
	return ctr(s, side, k) == want;
}

static int
pool_drains(struct portpool *p)
{
	int64_t end = media_now_ms() + WAIT_MS;
	struct pollfd none = { .fd = -1 };

	while (media_portpool_in_use(p) > 0 && media_now_ms() < end)
		poll(&none, 0, 1);
	return media_portpool_in_use(p) == 0;
}

/* The fixture of a secured call: gateway outside (SRTP, rtcp-mux), UM server
 * inside (plain RTP, RTCP on its own port), plus a stranger. */
struct call {
	struct media_relay *relay;
	struct portpool *out_pool, *in_pool;
	struct media_stream *s;
	struct peer gw, um_rtp, um_rtcp, stranger;
	struct sdes_key gw_key, our_key;
	srtp_t gw_send, gw_recv;	/* the gateway's own libsrtp sessions */
	uint16_t out_port, in_port, in_rtcp_port;
};

static void
call_open(struct call *c, enum sdes_suite suite, int latch)
{
	struct sdes_crypto k;
	struct media_stream_conf conf = { { NULL, NULL }, { 1, 0 }, 0 };
	struct media_peer gw, um;
	uint16_t base = test_port_base(1, 12);

	memset(c, 0, sizeof(*c));
	ck_assert_ptr_nonnull(c->relay = relay_new(2));
	c->out_pool = conf.pool[MEDIA_OUTSIDE] = pool_at(base, 6);
	c->in_pool = conf.pool[MEDIA_INSIDE] = pool_at((uint16_t)(base + 6), 6);
	ck_assert_int_eq(media_stream_new(c->relay, &conf, &c->s), 0);
	c->out_port = media_stream_port(c->s, MEDIA_OUTSIDE, 0);
	c->in_port = media_stream_port(c->s, MEDIA_INSIDE, 0);
	c->in_rtcp_port = media_stream_port(c->s, MEDIA_INSIDE, 1);
	ck_assert_int_eq(media_stream_port(c->s, MEDIA_OUTSIDE, 1), 0);
	ck_assert_int_eq(c->in_rtcp_port, c->in_port + 1);
	peer_open(&c->gw);
	peer_open(&c->um_rtp);
	peer_open(&c->um_rtcp);
	peer_open(&c->stranger);
	ck_assert_int_eq(media_sdes_generate(suite, 1, &k), SDES_OK);
	c->gw_key = k.key;
	ck_assert_int_eq(media_sdes_generate(suite, 1, &k), SDES_OK);
	c->our_key = k.key;
	ck_assert_ptr_nonnull(c->gw_send = test_srtp_session(&c->gw_key, 0));
	ck_assert_ptr_nonnull(c->gw_recv = test_srtp_session(&c->our_key, 1));

	as_peer(&gw, latch ? NULL : &c->gw, NULL);
	gw.latch = latch;
	gw.rx = c->gw_key;
	gw.tx = c->our_key;
	ck_assert_int_eq(media_stream_update(c->s, MEDIA_OUTSIDE, &gw), 0);
	as_peer(&um, &c->um_rtp, &c->um_rtcp);
	ck_assert_int_eq(media_stream_update(c->s, MEDIA_INSIDE, &um), 0);
	/* Ordering: the update commands are queued and the worker's wake event is
	 * activated before any test packet is sent, so they run first. */
}

static void
call_close(struct call *c)
{
	media_stream_destroy(c->s);
	ck_assert_msg(pool_drains(c->out_pool), "outside ports not returned");
	ck_assert_msg(pool_drains(c->in_pool), "inside ports not returned");
	media_relay_free(c->relay);
	media_portpool_free(c->out_pool);
	media_portpool_free(c->in_pool);
	srtp_dealloc(c->gw_send);
	srtp_dealloc(c->gw_recv);
	close(c->gw.fd);
	close(c->um_rtp.fd);
	close(c->um_rtcp.fd);
	close(c->stranger.fd);
}

/* Gateway -> UM: SRTP in, plain RTP out, payload intact. */
static void
gw_to_um(struct call *c, const struct peer *from, uint16_t seq, int expect)
{
	uint8_t pkt[512], orig[512], got[512];
	int len = test_rtp(pkt, seq, 0x6a7e, (uint8_t)seq, 160), plain = len;

	memcpy(orig, pkt, (size_t)len);
	ck_assert_int_eq(srtp_protect(c->gw_send, pkt, &len), srtp_err_status_ok);
	peer_send(from, c->out_port, pkt, len);
	if (!expect)
		return;
	int n = peer_recv(&c->um_rtp, got, sizeof(got), WAIT_MS);
	ck_assert_int_eq(n, plain);
	ck_assert_mem_eq(got, orig, (size_t)plain);
}

/* UM -> gateway: plain RTP in, SRTP out that the gateway's key opens. */
static void
um_to_gw(struct call *c, uint16_t seq)
{
	uint8_t pkt[512], got[512];
	int len = test_rtp(pkt, seq, 0x0c0de, (uint8_t)(seq + 1), 160);

	peer_send(&c->um_rtp, c->in_port, pkt, len);
	int n = peer_recv(&c->gw, got, sizeof(got), WAIT_MS);
	ck_assert_int_gt(n, len);
	ck_assert(memcmp(got + 12, pkt + 12, 160) != 0);	/* not plain on the wire */
	ck_assert_int_eq(srtp_unprotect(c->gw_recv, got, &n), srtp_err_status_ok);
	ck_assert_int_eq(n, len);
	ck_assert_mem_eq(got, pkt, (size_t)len);
}

static const enum sdes_suite relay_suites[] = {
	SDES_AES_CM_128_HMAC_SHA1_80, SDES_AEAD_AES_256_GCM, SDES_AES_256_CM_HMAC_SHA1_32,
};

START_TEST(rtp_both_ways)
{
	struct call c;

	call_open(&c, relay_suites[_i], 0);
	for (uint16_t seq = 1; seq <= 20; seq++) {
		um_to_gw(&c, seq);
		gw_to_um(&c, &c.gw, seq, 1);
	}
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_PACKETS_IN, 20));
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_PACKETS_OUT, 20));
	ck_assert(ctr_reaches(c.s, MEDIA_INSIDE, MEDIA_CTR_PACKETS_IN, 20));
	ck_assert(ctr_reaches(c.s, MEDIA_INSIDE, MEDIA_CTR_PACKETS_OUT, 20));
	ck_assert_uint_eq(ctr(c.s, MEDIA_INSIDE, MEDIA_CTR_BYTES_IN), 20 * 172);
	ck_assert_uint_gt(ctr(c.s, MEDIA_OUTSIDE, MEDIA_CTR_BYTES_OUT), 20 * 172);
	struct media_counters g;
	media_relay_counters(c.relay, &g);
	ck_assert_uint_eq(g.v[MEDIA_CTR_PACKETS_IN], 40);
	ck_assert_uint_eq(g.v[MEDIA_CTR_FOREIGN] + g.v[MEDIA_CTR_SRTP_AUTH], 0);
	call_close(&c);
}
END_TEST

/* RTCP: plain on the UM's RTCP port <-> SRTCP multiplexed on the gateway's. */
START_TEST(rtcp_both_ways)
{
	struct call c;
	uint8_t pkt[256], orig[256], got[256];

	call_open(&c, relay_suites[_i], 0);
	int len = test_rtcp(pkt, 0x0c0de, 0x11);
	memcpy(orig, pkt, (size_t)len);
	peer_send(&c.um_rtcp, c.in_rtcp_port, pkt, len);
	int n = peer_recv(&c.gw, got, sizeof(got), WAIT_MS);
	ck_assert_int_gt(n, len);
	ck_assert_int_eq(srtp_unprotect_rtcp(c.gw_recv, got, &n), srtp_err_status_ok);
	ck_assert_int_eq(n, len);
	ck_assert_mem_eq(got, orig, (size_t)len);

	len = test_rtcp(pkt, 0x6a7e, 0x22);
	memcpy(orig, pkt, (size_t)len);
	ck_assert_int_eq(srtp_protect_rtcp(c.gw_send, pkt, &len), srtp_err_status_ok);
	peer_send(&c.gw, c.out_port, pkt, len);
	n = peer_recv(&c.um_rtcp, got, sizeof(got), WAIT_MS);
	ck_assert_int_eq(n, 28);
	ck_assert_mem_eq(got, orig, 28);
	call_close(&c);
}
END_TEST

/* A valid SRTP packet from an address the SDP did not name is dropped and
 * counted; a tampered packet and a replay from the right address are counted
 * apart; none reaches the UM server, the next good packet does. */
START_TEST(drops_counted)
{
	struct call c;
	uint8_t pkt[512], got[512];

	call_open(&c, relay_suites[_i], 0);
	gw_to_um(&c, &c.gw, 1, 1);
	gw_to_um(&c, &c.stranger, 2, 0);
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_FOREIGN, 1));

	int len = test_rtp(pkt, 3, 0x6a7e, 3, 160);
	ck_assert_int_eq(srtp_protect(c.gw_send, pkt, &len), srtp_err_status_ok);
	uint8_t copy[512];
	memcpy(copy, pkt, (size_t)len);
	pkt[30] ^= 0x80;
	peer_send(&c.gw, c.out_port, pkt, len);
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_SRTP_AUTH, 1));
	peer_send(&c.gw, c.out_port, copy, len);		/* the genuine one */
	ck_assert_int_eq(peer_recv(&c.um_rtp, got, sizeof(got), WAIT_MS), 172);
	ck_assert_uint_eq(got[12], 3);
	peer_send(&c.gw, c.out_port, copy, len);		/* and its replay */
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_SRTP_REPLAY, 1));
	uint8_t junk[4] = { 1, 2, 3, 4 };
	peer_send(&c.gw, c.out_port, junk, 4);
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_DROPS, 1));

	gw_to_um(&c, &c.gw, 4, 1);
	ck_assert_uint_eq(got[12], 3);
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_PACKETS_IN, 3));
	ck_assert_uint_eq(ctr(c.s, MEDIA_OUTSIDE, MEDIA_CTR_FOREIGN), 1);
	ck_assert_uint_eq(ctr(c.s, MEDIA_OUTSIDE, MEDIA_CTR_SRTP_AUTH), 1);
	ck_assert_uint_eq(ctr(c.s, MEDIA_OUTSIDE, MEDIA_CTR_SRTP_REPLAY), 1);
	/* Plain RTP from a stranger on the inside leg: dropped too. */
	len = test_rtp(pkt, 9, 1, 9, 160);
	peer_send(&c.stranger, c.in_port, pkt, len);
	ck_assert(ctr_reaches(c.s, MEDIA_INSIDE, MEDIA_CTR_FOREIGN, 1));
	ck_assert_int_eq(peer_recv(&c.gw, got, sizeof(got), 0), -1);
	struct media_counters g;
	media_relay_counters(c.relay, &g);
	ck_assert_uint_eq(g.v[MEDIA_CTR_FOREIGN], 2);
	ck_assert_uint_eq(g.v[MEDIA_CTR_SRTP_AUTH], 1);
	call_close(&c);
}
END_TEST

/* A send the kernel refuses (to the limited broadcast address: EACCES
 * without SO_BROADCAST, in a bare network namespace too) is a drop of the
 * side it leaves by, not a packet out. On the io_uring path the twin cannot
 * connect there either (EACCES), so the port sends by address. Once the
 * peer is reachable again its packets go out and are counted. */
START_TEST(failed_send_counted)
{
	struct call c;
	struct media_peer um;
	struct peer nowhere = { .fd = -1 };

	call_open(&c, SDES_AES_CM_128_HMAC_SHA1_80, 0);
	nowhere.addr.sin_family = AF_INET;
	nowhere.addr.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	nowhere.addr.sin_port = htons(9);
	as_peer(&um, &nowhere, &c.um_rtcp);
	ck_assert_int_eq(media_stream_update(c.s, MEDIA_INSIDE, &um), 0);
	gw_to_um(&c, &c.gw, 1, 0);
	ck_assert(ctr_reaches(c.s, MEDIA_INSIDE, MEDIA_CTR_DROPS, 1));
	ck_assert_uint_eq(ctr(c.s, MEDIA_INSIDE, MEDIA_CTR_PACKETS_OUT), 0);
	ck_assert_uint_eq(ctr(c.s, MEDIA_INSIDE, MEDIA_CTR_BYTES_OUT), 0);

	as_peer(&um, &c.um_rtp, &c.um_rtcp);
	ck_assert_int_eq(media_stream_update(c.s, MEDIA_INSIDE, &um), 0);
	gw_to_um(&c, &c.gw, 2, 1);
	ck_assert(ctr_reaches(c.s, MEDIA_INSIDE, MEDIA_CTR_PACKETS_OUT, 1));
	ck_assert(ctr_reaches(c.s, MEDIA_INSIDE, MEDIA_CTR_BYTES_OUT, 172));
	ck_assert_uint_eq(ctr(c.s, MEDIA_INSIDE, MEDIA_CTR_DROPS), 1);
	call_close(&c);
}
END_TEST

/* NAT: no address from the SDP; a stranger's garbage does not latch, the
 * first authenticated packet does, and the return path follows it. */
START_TEST(latch_on_authenticated)
{
	struct call c;
	uint8_t junk[200];

	call_open(&c, SDES_AES_CM_128_HMAC_SHA1_80, 1);
	int len = test_rtp(junk, 1, 5, 5, 160) + 10;		/* a fake tag */
	peer_send(&c.stranger, c.out_port, junk, len);
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_FOREIGN, 1));
	gw_to_um(&c, &c.gw, 1, 1);				/* latches */
	um_to_gw(&c, 1);					/* goes to the latched source */
	gw_to_um(&c, &c.stranger, 2, 0);			/* now foreign */
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_FOREIGN, 2));
	gw_to_um(&c, &c.gw, 3, 1);
	call_close(&c);
}
END_TEST

/* A re-INVITE with a new gateway key: no packet is lost across the switch. */
START_TEST(rekey_through_relay)
{
	struct call c;
	struct media_peer gw;
	struct sdes_crypto k;

	call_open(&c, relay_suites[_i], 0);
	gw_to_um(&c, &c.gw, 1, 1);
	ck_assert_int_eq(media_sdes_generate(relay_suites[_i], 1, &k), SDES_OK);
	as_peer(&gw, &c.gw, NULL);
	gw.rx = k.key;
	gw.tx = c.our_key;
	ck_assert_int_eq(media_stream_update(c.s, MEDIA_OUTSIDE, &gw), 0);
	gw_to_um(&c, &c.gw, 2, 1);				/* still the old key */
	srtp_t fresh = test_srtp_session(&k.key, 0);
	srtp_dealloc(c.gw_send);
	c.gw_send = fresh;
	gw_to_um(&c, &c.gw, 3, 1);				/* the new key */
	um_to_gw(&c, 1);					/* our key unchanged */
	ck_assert_uint_eq(ctr(c.s, MEDIA_OUTSIDE, MEDIA_CTR_SRTP_AUTH), 0);
	call_close(&c);
}
END_TEST

static int
port_binds(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* A re-INVITE moves the gateway: the UM's packets follow it (on the io_uring
 * path the port's connected twin is connected anew), and the old address,
 * whose packets now reach the port's other socket, is a stranger. */
START_TEST(peer_moves)
{
	struct call c;
	struct media_peer gw;
	uint8_t got[512];

	call_open(&c, relay_suites[_i], 0);
	um_to_gw(&c, 1);
	gw_to_um(&c, &c.gw, 1, 1);
	as_peer(&gw, &c.stranger, NULL);
	gw.rx = c.gw_key;
	gw.tx = c.our_key;
	ck_assert_int_eq(media_stream_update(c.s, MEDIA_OUTSIDE, &gw), 0);
	struct peer old = c.gw;
	c.gw = c.stranger;				/* um_to_gw reads c.gw */
	for (uint16_t seq = 2; seq <= 4; seq++)
		um_to_gw(&c, seq);
	ck_assert_int_eq(peer_recv(&old, got, sizeof(got), 0), -1);
	gw_to_um(&c, &old, 2, 0);
	ck_assert(ctr_reaches(c.s, MEDIA_OUTSIDE, MEDIA_CTR_FOREIGN, 1));
	gw_to_um(&c, &c.gw, 3, 1);
	c.stranger = old;				/* call_close closes both */
	call_close(&c);
	/* The twins went with their ports: both bind again. */
	ck_assert(port_binds(c.out_port));
	ck_assert(port_binds(c.in_port));
}
END_TEST

START_TEST(silence_and_hold)
{
	struct call c;

	call_open(&c, SDES_AES_CM_128_HMAC_SHA1_80, 0);
	int64_t t0 = media_stream_last_activity(c.s);
	ck_assert(!media_stream_expired(c.s, t0 + 60000, 60, 3600));
	ck_assert(media_stream_expired(c.s, t0 + 60001, 60, 3600));
	media_stream_hold(c.s, 1);
	ck_assert(!media_stream_expired(c.s, t0 + 60001, 60, 3600));
	ck_assert(media_stream_expired(c.s, t0 + 3600001, 60, 3600));
	media_stream_hold(c.s, 0);
	int64_t before = media_now_ms();
	um_to_gw(&c, 1);
	ck_assert_int_ge(media_stream_last_activity(c.s), before);
	call_close(&c);
}
END_TEST

/* Exhaustion while creating a stream: -ENOSPC, and the leg already
 * allocated is given back. */
START_TEST(exhaustion_gives_back)
{
	struct media_relay *r = relay_new(1);
	uint16_t base = test_port_base(1, 12);
	struct portpool *out = pool_at(base, 2), *in = pool_at((uint16_t)(base + 2), 2);
	struct media_stream_conf conf = { { out, in }, { 0, 0 }, 0 };
	struct media_stream *s1, *s2;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(media_stream_new(r, &conf, &s1), 0);
	conf.pool[MEDIA_OUTSIDE] = pool_at((uint16_t)(base + 4), 2);
	ck_assert_int_eq(media_stream_new(r, &conf, &s2), -ENOSPC);
	ck_assert_ptr_null(s2);
	ck_assert_uint_eq(media_portpool_in_use(conf.pool[MEDIA_OUTSIDE]), 0);
	media_stream_destroy(s1);
	ck_assert(pool_drains(out));
	ck_assert(pool_drains(in));
	media_relay_free(r);
	media_portpool_free(out);
	media_portpool_free(in);
	media_portpool_free(conf.pool[MEDIA_OUTSIDE]);
}
END_TEST

/* Streams left when the relay stops are destroyed and their ports freed. */
/* T.38 over UDPTL: one port per leg, any datagram relayed as it is, both
 * ways, never taken for RTP (a UDPTL packet's first bits are a sequence). */
START_TEST(raw_udptl_both_ways)
{
	struct media_relay *r = relay_new(1);
	uint16_t base = test_port_base(2, 8);
	struct media_stream_conf conf = { { pool_at(base, 4), pool_at((uint16_t)(base + 4), 4) },
	    { 1, 1 }, 1 };
	struct media_stream *s;
	struct peer gw, um;
	struct media_peer p;
	uint8_t udptl[3] = { 0x00, 0x01, 0x02 }, got[64];

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(media_stream_new(r, &conf, &s), 0);
	ck_assert_int_eq(media_stream_port(s, MEDIA_OUTSIDE, 1), 0);
	peer_open(&gw);
	peer_open(&um);
	as_peer(&p, &gw, NULL);
	ck_assert_int_eq(media_stream_update(s, MEDIA_OUTSIDE, &p), 0);
	as_peer(&p, &um, NULL);
	ck_assert_int_eq(media_stream_update(s, MEDIA_INSIDE, &p), 0);
	peer_send(&gw, media_stream_port(s, MEDIA_OUTSIDE, 0), udptl, sizeof(udptl));
	ck_assert_int_eq(peer_recv(&um, got, sizeof(got), WAIT_MS), 3);
	ck_assert_mem_eq(got, udptl, 3);
	udptl[0] = 0xff;
	peer_send(&um, media_stream_port(s, MEDIA_INSIDE, 0), udptl, sizeof(udptl));
	ck_assert_int_eq(peer_recv(&gw, got, sizeof(got), WAIT_MS), 3);
	ck_assert_mem_eq(got, udptl, 3);
	ck_assert(ctr_reaches(s, MEDIA_OUTSIDE, MEDIA_CTR_PACKETS_IN, 1));
	ck_assert_uint_eq(ctr(s, MEDIA_OUTSIDE, MEDIA_CTR_DROPS), 0);
	media_stream_destroy(s);
	ck_assert(pool_drains(conf.pool[0]) && pool_drains(conf.pool[1]));
	media_relay_free(r);
	media_portpool_free(conf.pool[0]);
	media_portpool_free(conf.pool[1]);
	close(gw.fd);
	close(um.fd);
}
END_TEST

/* The worker keeps a peer's address in 28 bytes: an update takes IPv4 and
 * IPv6 of their full length (or longer, as a sockaddr_storage), no other. */
START_TEST(update_checks_address)
{
	struct media_relay *r = relay_new(1);
	uint16_t base = test_port_base(2, 8);
	struct media_stream_conf conf = { { pool_at(base, 4), pool_at((uint16_t)(base + 4), 4) },
	    { 1, 1 }, 0 };
	struct media_stream *s;
	struct media_peer p;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&p.rtp;

	ck_assert_int_eq(media_stream_new(r, &conf, &s), 0);
	memset(&p, 0, sizeof(p));
	p.rtp.ss_family = AF_UNIX;
	p.rtp_len = sizeof(struct sockaddr_in);
	ck_assert_int_eq(media_stream_update(s, MEDIA_OUTSIDE, &p), -EINVAL);
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons(4000);
	v6->sin6_addr = in6addr_loopback;
	p.rtp_len = sizeof(struct sockaddr_in);	/* shorter than its family's */
	ck_assert_int_eq(media_stream_update(s, MEDIA_OUTSIDE, &p), -EINVAL);
	p.rtp_len = sizeof(*v6);
	ck_assert_int_eq(media_stream_update(s, MEDIA_OUTSIDE, &p), 0);
	p.rtp.ss_family = AF_INET;
	p.rtp_len = sizeof(p.rtp);
	ck_assert_int_eq(media_stream_update(s, MEDIA_INSIDE, &p), 0);
	media_stream_destroy(s);
	ck_assert(pool_drains(conf.pool[0]) && pool_drains(conf.pool[1]));
	media_relay_free(r);
	media_portpool_free(conf.pool[0]);
	media_portpool_free(conf.pool[1]);
}
END_TEST

START_TEST(relay_free_cleans_up)
{
	struct media_relay *r = relay_new(3);
	uint16_t base = test_port_base(1, 12);
	struct portpool *p = pool_at(base, 12);
	struct media_stream_conf conf = { { p, p }, { 1, 1 }, 0 };
	struct media_stream *s;

	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(media_stream_new(r, &conf, &s), 0);
	ck_assert_uint_eq(media_portpool_in_use(p), 12);
	media_relay_free(r);
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	media_portpool_free(p);
}
END_TEST

/* Many plain calls in one worker, every peer sending at once: what arrives
 * together on many sockets is relayed together (the io_uring path sends
 * the packets of all of them with one kernel entry), each to its own peer,
 * each counted on its own stream. */
#define MANY 16
#define BURST 8

START_TEST(many_calls_at_once)
{
	struct media_relay *r = relay_new(1);
	uint16_t base = test_port_base(3, 2 * MANY);
	struct media_stream_conf conf = { { pool_at(base, MANY), pool_at((uint16_t)(base + MANY), MANY) },
	    { 1, 1 }, 0 };
	struct media_stream *s[MANY];
	struct peer gw[MANY], um[MANY];
	struct media_peer p;
	uint8_t pkt[200], got[256];

	for (int i = 0; i < MANY; i++) {
		ck_assert_int_eq(media_stream_new(r, &conf, &s[i]), 0);
		peer_open(&gw[i]);
		peer_open(&um[i]);
		as_peer(&p, &gw[i], NULL);
		ck_assert_int_eq(media_stream_update(s[i], MEDIA_OUTSIDE, &p), 0);
		as_peer(&p, &um[i], NULL);
		ck_assert_int_eq(media_stream_update(s[i], MEDIA_INSIDE, &p), 0);
	}
	for (int n = 0; n < BURST; n++)
		for (int i = 0; i < MANY; i++) {
			int len = test_rtp(pkt, (uint16_t)n, (uint32_t)i, (uint8_t)i, 160);
			peer_send(&gw[i], media_stream_port(s[i], MEDIA_OUTSIDE, 0), pkt, len);
			peer_send(&um[i], media_stream_port(s[i], MEDIA_INSIDE, 0), pkt, len);
		}
	for (int i = 0; i < MANY; i++)
		for (int n = 0; n < BURST; n++) {
			ck_assert_int_eq(peer_recv(&um[i], got, sizeof(got), WAIT_MS), 172);
			ck_assert_uint_eq(got[12], (unsigned)i);	/* its own call's */
			ck_assert_int_eq(peer_recv(&gw[i], got, sizeof(got), WAIT_MS), 172);
			ck_assert_uint_eq(got[12], (unsigned)i);
		}
	for (int i = 0; i < MANY; i++) {
		ck_assert(ctr_reaches(s[i], MEDIA_OUTSIDE, MEDIA_CTR_PACKETS_OUT, BURST));
		ck_assert(ctr_reaches(s[i], MEDIA_INSIDE, MEDIA_CTR_PACKETS_OUT, BURST));
		ck_assert_uint_eq(ctr(s[i], MEDIA_INSIDE, MEDIA_CTR_BYTES_OUT), BURST * 172);
		media_stream_destroy(s[i]);
		close(gw[i].fd);
		close(um[i].fd);
	}
	ck_assert(pool_drains(conf.pool[0]) && pool_drains(conf.pool[1]));
	media_relay_free(r);
	media_portpool_free(conf.pool[0]);
	media_portpool_free(conf.pool[1]);
}
END_TEST

/* A stream destroyed while its peer still sends, and new streams on the
 * ports it gave back: completions of the closed sockets that are still on
 * their way must not reach the freed stream (AddressSanitizer watches), and
 * the new streams relay. */
START_TEST(destroy_under_traffic)
{
	struct media_relay *r = relay_new(1);
	uint16_t base = test_port_base(3, 2 * MANY);
	struct media_stream_conf conf = { { pool_at(base, 2), pool_at((uint16_t)(base + 2), 2) },
	    { 1, 1 }, 0 };
	struct peer gw, um;
	struct media_peer p;
	uint8_t pkt[200], got[256];
	int len = test_rtp(pkt, 1, 1, 0x55, 160);

	peer_open(&gw);
	peer_open(&um);
	for (int round = 0; round < 20; round++) {
		struct media_stream *s;
		ck_assert_int_eq(media_stream_new(r, &conf, &s), 0);
		as_peer(&p, &gw, NULL);
		ck_assert_int_eq(media_stream_update(s, MEDIA_OUTSIDE, &p), 0);
		as_peer(&p, &um, NULL);
		ck_assert_int_eq(media_stream_update(s, MEDIA_INSIDE, &p), 0);
		uint16_t port = media_stream_port(s, MEDIA_OUTSIDE, 0);
		peer_send(&gw, port, pkt, len);
		ck_assert_int_eq(peer_recv(&um, got, sizeof(got), WAIT_MS), len);
		for (int n = 0; n < 30; n++)
			peer_send(&gw, port, pkt, len);
		media_stream_destroy(s);
		ck_assert(pool_drains(conf.pool[0]) && pool_drains(conf.pool[1]));
		while (peer_recv(&um, got, sizeof(got), 0) > 0)
			;
	}
	media_relay_free(r);
	media_portpool_free(conf.pool[0]);
	media_portpool_free(conf.pool[1]);
	close(gw.fd);
	close(um.fd);
}
END_TEST

/* Where io_uring is refused (a seccomp filter, as container runtimes
 * install: io_uring_setup fails with EPERM), auto falls back to epoll and
 * says why, uring refuses to start. In a child of its own: the filter
 * cannot be taken off again. */
static int
io_refused_child(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(f) / sizeof(f[0])), f };
	char why[256];
	struct media_relay *r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 10;
	if (media_relay_new(1, MEDIA_IO_URING, why, sizeof(why)) != NULL)
		return 11;
	if (!strstr(why, "io_uring_queue_init") || !strstr(why, "not permitted"))
		return 12;
	if (!(r = media_relay_new(1, MEDIA_IO_AUTO, why, sizeof(why))))
		return 13;
	int ok = media_relay_io(r) == MEDIA_IO_EPOLL && strstr(why, "io_uring_queue_init");
	media_relay_free(r);
	return ok ? 0 : 14;
}

START_TEST(io_refused_falls_back)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(io_refused_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}
END_TEST

/* Here (kernel 6.0 or later, no filter) auto takes io_uring. */
START_TEST(io_auto_takes_uring)
{
	char why[256];
	struct media_relay *r = media_relay_new(1, MEDIA_IO_AUTO, why, sizeof(why));
	enum media_io io;

	ck_assert_msg(r != NULL, "%s", why);
	ck_assert_msg(media_relay_io(r) == MEDIA_IO_URING, "auto: %s", why);
	ck_assert_str_eq(why, "");
	media_relay_free(r);
	ck_assert_int_eq(media_io_parse("epoll", &io), 0);
	ck_assert_int_eq(io, MEDIA_IO_EPOLL);
	ck_assert_int_eq(media_io_parse("iouring", &io), -1);
	ck_assert_str_eq(media_io_name(MEDIA_IO_URING), "uring");
}
END_TEST

static TCase *
io_choice_tcase(void)
{
	TCase *tc = tcase_create("io_choice");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, io_refused_falls_back);
	tcase_add_test(tc, io_auto_takes_uring);
	return tc;
}

static TCase *
relay_tcase(const char *name, void (*io)(void))
{
	TCase *tc = tcase_create(name);
	int n = (int)(sizeof(relay_suites) / sizeof(relay_suites[0]));

	tcase_add_checked_fixture(tc, io, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, rtp_both_ways, 0, n);
	tcase_add_loop_test(tc, rtcp_both_ways, 0, n);
	tcase_add_loop_test(tc, drops_counted, 0, n);
	tcase_add_test(tc, failed_send_counted);
	tcase_add_test(tc, latch_on_authenticated);
	tcase_add_loop_test(tc, rekey_through_relay, 0, n);
	tcase_add_loop_test(tc, peer_moves, 0, n);
	tcase_add_test(tc, silence_and_hold);
	tcase_add_test(tc, exhaustion_gives_back);
	tcase_add_test(tc, raw_udptl_both_ways);
	tcase_add_test(tc, update_checks_address);
	tcase_add_test(tc, relay_free_cleans_up);
	tcase_add_test(tc, many_calls_at_once);
	tcase_add_test(tc, destroy_under_traffic);
	return tc;
}

Suite *
media_relay_suite(void)
{
	Suite *s = suite_create("media_relay");

	suite_add_tcase(s, relay_tcase("relay_epoll", io_epoll));
	suite_add_tcase(s, relay_tcase("relay_uring", io_uring));
	suite_add_tcase(s, io_choice_tcase());
	return s;
}
