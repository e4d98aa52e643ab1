/* The io_uring path where it differs from the other: a multishot receive
 * that the kernel ends, with an error or for want of buffers, must be armed
 * again, or its socket goes deaf. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media_suites.h"
#include "media/stream.h"

#define WAIT_MS 2000

struct upeer {
	int fd;
	struct sockaddr_in addr;
};

static void
upeer_open(struct upeer *p)
{
	socklen_t len = sizeof(p->addr);

	memset(&p->addr, 0, sizeof(p->addr));
	p->addr.sin_family = AF_INET;
	p->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(p->fd = socket(AF_INET, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(bind(p->fd, (struct sockaddr *)&p->addr, sizeof(p->addr)), 0);
	ck_assert_int_eq(getsockname(p->fd, (struct sockaddr *)&p->addr, &len), 0);
}

static void
upeer_send(const struct upeer *p, uint16_t port, const uint8_t *buf, int len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(p->fd, buf, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to)), len);
}

static int
upeer_recv(const struct upeer *p, uint8_t *buf, int cap)
{
	struct pollfd pf = { .fd = p->fd, .events = POLLIN };

	return poll(&pf, 1, WAIT_MS) == 1 ? (int)recv(p->fd, buf, (size_t)cap, 0) : -1;
}

static struct media_peer
as_peer(const struct sockaddr_in *a, int latch)
{
	struct media_peer mp;

	memset(&mp, 0, sizeof(mp));
	memcpy(&mp.rtp, a, sizeof(*a));
	mp.rtp_len = sizeof(*a);
	mp.latch = latch;
	return mp;
}

static uint64_t
drops(struct media_stream *s, enum media_side side)
{
	struct media_counters c;

	media_stream_counters(s, side, &c);
	return c.v[MEDIA_CTR_DROPS];
}

/* The gateway's address in the SDP is a closed port: what the relay sends
 * there comes back as ICMP port unreachable, which leaves a socket error on
 * the port's twin (connected to that address) that ends its multishot
 * receive with -ECONNREFUSED. The gateway, latched from its real address,
 * must still be heard, on the port's own socket and, once the twin has
 * followed the latch, on the twin whose receive ended. */
START_TEST(receive_error_rearmed)
{
	char why[256];
	struct media_relay *r = media_relay_new(1, MEDIA_IO_URING, why, sizeof(why));
	uint16_t base = test_port_base(1, 12);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct portpool *pool = media_portpool_new((struct sockaddr *)&a, sizeof(a), base,
	    (uint16_t)(base + 3));
	struct media_stream_conf conf = { { pool, pool }, { 1, 1 }, 0 };
	struct media_stream *s;
	struct upeer gw, um, gone;
	uint8_t pkt[200], got[256];
	int len = test_rtp(pkt, 1, 1, 0x42, 160);

	ck_assert_msg(r != NULL, "%s", why);
	ck_assert_ptr_nonnull(pool);
	upeer_open(&gw);
	upeer_open(&um);
	upeer_open(&gone);
	close(gone.fd);
	ck_assert_int_eq(media_stream_new(r, &conf, &s), 0);
	struct media_peer p = as_peer(&gone.addr, 1);
	ck_assert_int_eq(media_stream_update(s, MEDIA_OUTSIDE, &p), 0);
	p = as_peer(&um.addr, 0);
	ck_assert_int_eq(media_stream_update(s, MEDIA_INSIDE, &p), 0);
	uint16_t out_port = media_stream_port(s, MEDIA_OUTSIDE, 0);

	/* UM -> the closed port: the error lands on the outside port's twin. */
	upeer_send(&um, media_stream_port(s, MEDIA_INSIDE, 0), pkt, len);
	int64_t end = media_now_ms() + WAIT_MS;
	while (drops(s, MEDIA_OUTSIDE) == 0 && media_now_ms() < end)
		poll(NULL, 0, 1);
	for (int i = 0; i < 3; i++) {
		upeer_send(&gw, out_port, pkt, len);
		ck_assert_int_eq(upeer_recv(&um, got, sizeof(got)), len);
	}
	ck_assert_uint_eq(drops(s, MEDIA_OUTSIDE), 1);	/* the ended receive, counted */
	upeer_send(&um, media_stream_port(s, MEDIA_INSIDE, 0), pkt, len);
	ck_assert_int_eq(upeer_recv(&gw, got, sizeof(got)), len);	/* the latched gateway */
	for (int i = 0; i < 3; i++) {
		upeer_send(&gw, out_port, pkt, len);
		ck_assert_int_eq(upeer_recv(&um, got, sizeof(got)), len);
	}
	ck_assert_uint_eq(drops(s, MEDIA_OUTSIDE), 1);
	media_stream_destroy(s);
	end = media_now_ms() + WAIT_MS;
	while (media_portpool_in_use(pool) > 0 && media_now_ms() < end)
		poll(NULL, 0, 1);
	ck_assert_int_eq(media_portpool_in_use(pool), 0);
	media_relay_free(r);
	media_portpool_free(pool);
	close(gw.fd);
	close(um.fd);
}
END_TEST

/* More packets waiting on more sockets than the worker has buffers (512):
 * the relay, in a child, is stopped while the peers send, so that when it
 * goes on its receives run out of buffers (-ENOBUFS) and must be armed
 * again as buffers come back; every packet of every call still comes
 * through. */
#define CALLS 48
#define BURST 24

/* The child: the relay and its streams; tells the ports, waits for the end. */
static int
relay_child(struct upeer *gw, struct upeer *um, int to_parent, int from_parent)
{
	char why[256];
	struct media_relay *r = media_relay_new(1, MEDIA_IO_URING, why, sizeof(why));
	uint16_t base = test_port_base(4, 2 * CALLS);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct portpool *pool = media_portpool_new((struct sockaddr *)&a, sizeof(a), base,
	    (uint16_t)(base + 2 * CALLS - 1));
	struct media_stream_conf conf = { { pool, pool }, { 1, 1 }, 0 };
	struct media_stream *s[CALLS];
	uint16_t ports[2 * CALLS];
	char done;

	if (!r || !pool)
		return 10;
	for (int i = 0; i < CALLS; i++) {
		if (media_stream_new(r, &conf, &s[i]) != 0)
			return 11;
		struct media_peer p = as_peer(&gw[i].addr, 0);
		media_stream_update(s[i], MEDIA_OUTSIDE, &p);
		p = as_peer(&um[i].addr, 0);
		media_stream_update(s[i], MEDIA_INSIDE, &p);
		ports[2 * i] = media_stream_port(s[i], MEDIA_OUTSIDE, 0);
		ports[2 * i + 1] = media_stream_port(s[i], MEDIA_INSIDE, 0);
	}
	if (write(to_parent, ports, sizeof(ports)) != (ssize_t)sizeof(ports) ||
	    read(from_parent, &done, 1) != 1)
		return 12;
	media_relay_free(r);
	media_portpool_free(pool);
	return 0;
}

START_TEST(out_of_buffers_recovers)
{
	struct upeer gw[CALLS], um[CALLS];
	uint16_t ports[2 * CALLS];
	uint8_t pkt[200], got[256];
	int up[2], down[2], status;

	for (int i = 0; i < CALLS; i++) {
		upeer_open(&gw[i]);
		upeer_open(&um[i]);
	}
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Gone with the test, even stopped or waiting. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(up[0]);
		close(down[1]);
		_exit(relay_child(gw, um, up[1], down[0]));
	}
	close(up[1]);
	close(down[0]);
	ck_assert_int_eq(read(up[0], ports, sizeof(ports)), (ssize_t)sizeof(ports));
	/* A first packet through every call: its receives are armed. */
	int len = test_rtp(pkt, 0, 0, 0, 160);
	for (int i = 0; i < CALLS; i++) {
		upeer_send(&gw[i], ports[2 * i], pkt, len);
		ck_assert_int_eq(upeer_recv(&um[i], got, sizeof(got)), len);
	}
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
	for (int n = 1; n <= BURST; n++)
		for (int i = 0; i < CALLS; i++) {
			len = test_rtp(pkt, (uint16_t)n, (uint32_t)i, (uint8_t)i, 160);
			upeer_send(&gw[i], ports[2 * i], pkt, len);
		}
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	for (int i = 0; i < CALLS; i++)
		for (int n = 1; n <= BURST; n++) {
			ck_assert_int_eq(upeer_recv(&um[i], got, sizeof(got)), len);
			ck_assert_uint_eq(got[12], (unsigned)i);
		}
	ck_assert_int_eq(write(down[1], "x", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	close(up[0]);
	close(down[1]);
	for (int i = 0; i < CALLS; i++) {
		close(gw[i].fd);
		close(um[i].fd);
	}
}
END_TEST

Suite *
media_uring_suite(void)
{
	Suite *s = suite_create("media_uring");
	TCase *tc = tcase_create("uring");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, receive_error_rearmed);
	tcase_add_test(tc, out_of_buffers_recovers);
	suite_add_tcase(s, tc);
	return s;
}
