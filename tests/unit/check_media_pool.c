#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media_suites.h"
#include "media/portpool.h"

static struct portpool *
loopback_pool(uint16_t min, uint16_t max)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return media_portpool_new((struct sockaddr *)&a, sizeof(a), min, max);
}

static uint16_t
bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/* 12 ports from an even base: 6 pairs, then 503, then all come back. */
START_TEST(pairs_exhaust_and_return)
{
	uint16_t base = test_port_base(0, 12);
	struct portpool *p = loopback_pool(base, (uint16_t)(base + 11));
	struct media_ports got[7];

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(media_portpool_get(p, 1, &got[i]), 0);
		ck_assert_int_eq(got[i].rtp_port % 2, 0);
		ck_assert_int_eq(got[i].rtcp_port, got[i].rtp_port + 1);
		ck_assert_int_eq(bound_port(got[i].rtp_fd), got[i].rtp_port);
		ck_assert_int_eq(bound_port(got[i].rtcp_fd), got[i].rtcp_port);
	}
	ck_assert_uint_eq(media_portpool_in_use(p), 12);
	ck_assert_int_eq(media_portpool_get(p, 1, &got[6]), -ENOSPC);
	ck_assert_int_eq(media_portpool_get(p, 0, &got[6]), -ENOSPC);
	ck_assert_int_eq(got[6].rtp_fd, -1);
	for (int i = 0; i < 6; i++) {
		media_portpool_put(p, &got[i]);
		ck_assert_int_eq(got[i].rtp_fd, -1);
	}
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	/* Really closed: every port binds again. */
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(media_portpool_get(p, 1, &got[i]), 0);
	for (int i = 0; i < 6; i++)
		media_portpool_put(p, &got[i]);
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	media_portpool_free(p);
}
END_TEST

START_TEST(singles_for_rtcp_mux)
{
	uint16_t base = test_port_base(0, 12);
	struct portpool *p = loopback_pool((uint16_t)(base + 1), (uint16_t)(base + 4));
	struct media_ports a, b, c, d;

	/* Odd start: only base+2/base+3 make a pair. */
	ck_assert_int_eq(media_portpool_get(p, 1, &a), 0);
	ck_assert_int_eq(a.rtp_port, base + 2);
	ck_assert_int_eq(media_portpool_get(p, 1, &b), -ENOSPC);
	ck_assert_int_eq(media_portpool_get(p, 0, &b), 0);
	ck_assert_int_eq(b.rtcp_fd, -1);
	ck_assert_int_eq(b.rtcp_port, 0);
	ck_assert_int_eq(media_portpool_get(p, 0, &c), 0);
	ck_assert_int_ne(b.rtp_port, c.rtp_port);
	ck_assert_int_eq(media_portpool_get(p, 0, &d), -ENOSPC);
	media_portpool_put(p, &a);
	media_portpool_put(p, &b);
	media_portpool_put(p, &c);
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	media_portpool_free(p);
}
END_TEST

/* A port some other program holds is passed over, not counted as ours. */
START_TEST(skips_foreign_ports)
{
	uint16_t base = test_port_base(0, 12);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(base) };
	int squatter = socket(AF_INET, SOCK_DGRAM, 0);
	struct media_ports x, y;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(squatter, (struct sockaddr *)&a, sizeof(a)), 0);
	struct portpool *p = loopback_pool(base, (uint16_t)(base + 3));
	ck_assert_int_eq(media_portpool_get(p, 1, &x), 0);
	ck_assert_int_eq(x.rtp_port, base + 2);
	ck_assert_int_eq(media_portpool_get(p, 1, &y), -ENOSPC);
	ck_assert_uint_eq(media_portpool_in_use(p), 2);
	media_portpool_put(p, &x);
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	media_portpool_free(p);
	close(squatter);
}
END_TEST

/* Many calls come and go in random order: nothing leaks. */
START_TEST(churn_leaks_nothing)
{
	uint16_t base = test_port_base(0, 12);
	struct portpool *p = loopback_pool(base, (uint16_t)(base + 11));
	struct media_ports held[8];
	int n = 0;
	unsigned seed = 1;

	for (int i = 0; i < 2000; i++) {
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 2 && n < 8) {
			int r = media_portpool_get(p, (int)((seed >> 20) % 2), &held[n]);
			ck_assert(r == 0 || r == -ENOSPC);
			if (r == 0)
				n++;
		} else if (n > 0) {
			int k = (int)((seed >> 18) % (unsigned)n);
			media_portpool_put(p, &held[k]);
			held[k] = held[--n];
		}
	}
	while (n > 0)
		media_portpool_put(p, &held[--n]);
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	media_portpool_free(p);
}
END_TEST

static int
udp_at(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void
send_to_port(int from, uint16_t port, char tag)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(sendto(from, &tag, 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
}

/* The tag waiting on fd (loopback delivers within the sendto), or 0. */
static char
tag_on(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) == 1 ? c : 0;
}

/* The twin gets its peer's datagrams, the port's own socket everyone
 * else's; its sends leave from the port; reconnected, it follows; and no
 * other socket can bind the port, SO_REUSEPORT or not. */
START_TEST(twin_takes_its_peer_only)
{
	uint16_t base = test_port_base(0, 12);
	struct portpool *p = loopback_pool(base, (uint16_t)(base + 1));
	struct media_ports x;
	struct sockaddr_in pa;
	socklen_t len = sizeof(pa);
	int peer = udp_at((uint16_t)(base + 4)), stranger = udp_at((uint16_t)(base + 5));

	ck_assert_int_eq(media_portpool_get(p, 0, &x), 0);
	ck_assert_int_eq(getsockname(peer, (struct sockaddr *)&pa, &len), 0);
	int t = media_portpool_twin(x.rtp_fd, (struct sockaddr *)&pa, len);
	ck_assert_int_ge(t, 0);
	ck_assert_int_eq(bound_port(t), x.rtp_port);
	send_to_port(peer, x.rtp_port, 'p');
	send_to_port(stranger, x.rtp_port, 's');
	ck_assert_int_eq(tag_on(t), 'p');
	ck_assert_int_eq(tag_on(x.rtp_fd), 's');
	ck_assert_int_eq(tag_on(t) | tag_on(x.rtp_fd), 0);
	ck_assert_int_eq(send(t, "o", 1, 0), 1);
	struct sockaddr_in from;
	len = sizeof(from);
	char c = 0;
	ck_assert_int_eq(recvfrom(peer, &c, 1, MSG_DONTWAIT, (struct sockaddr *)&from, &len), 1);
	ck_assert_int_eq(ntohs(from.sin_port), x.rtp_port);

	len = sizeof(pa);
	ck_assert_int_eq(getsockname(stranger, (struct sockaddr *)&pa, &len), 0);
	ck_assert_int_eq(connect(t, (struct sockaddr *)&pa, len), 0);
	send_to_port(peer, x.rtp_port, 'p');
	send_to_port(stranger, x.rtp_port, 's');
	ck_assert_int_eq(tag_on(t), 's');
	ck_assert_int_eq(tag_on(x.rtp_fd), 'p');

	int on = 1, squat = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(x.rtp_port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(setsockopt(squat, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)), 0);
	ck_assert_int_eq(bind(squat, (struct sockaddr *)&a, sizeof(a)), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	close(squat);
	squat = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(bind(squat, (struct sockaddr *)&a, sizeof(a)), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	close(squat);
	close(t);
	media_portpool_put(p, &x);
	ck_assert_uint_eq(media_portpool_in_use(p), 0);
	media_portpool_free(p);
	close(peer);
	close(stranger);
}
END_TEST

START_TEST(bad_ranges)
{
	ck_assert_ptr_null(loopback_pool(30001, 30000));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(loopback_pool(0, 10));
}
END_TEST

Suite *
media_pool_suite(void)
{
	Suite *s = suite_create("media_portpool");
	TCase *tc = tcase_create("portpool");

	tcase_add_test(tc, pairs_exhaust_and_return);
	tcase_add_test(tc, singles_for_rtcp_mux);
	tcase_add_test(tc, skips_foreign_ports);
	tcase_add_test(tc, churn_leaks_nothing);
	tcase_add_test(tc, twin_takes_its_peer_only);
	tcase_add_test(tc, bad_ranges);
	suite_add_tcase(s, tc);
	return s;
}
