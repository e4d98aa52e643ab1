/* media_rss [CALLS] [uring|epoll] -- the memory of the media relay alone per
 * bridged call, step by step, as media.sh's calls use it: CALLS stream pairs
 * (RTP and RTCP ports on both legs), then the SDP of both legs with SRTP
 * AES_CM_128_HMAC_SHA1_80 on the outside (two libsrtp sessions), then one
 * packet each way per call (libsrtp clones a stream per SSRC; the io_uring
 * path's provided buffers get touched), then a second packet each way.
 * Prints, per step, VmRSS and glibc's bytes in use (mallinfo2, all arenas)
 * per call. What media.sh's RSS per call has beyond this is signaling.
 * It binds 127.0.0.1 and 127.0.0.2 on ports 30000-39999: run it in a network
 * namespace of its own (unshare -rn, with lo up). */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#include "media/srtp_ctx.h"
#include "media/stream.h"

#define SUITE SDES_AES_CM_128_HMAC_SHA1_80

static int ncalls;
static long last_rss;
static size_t last_used;

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = atol(line + 6);
	if (f)
		fclose(f);
	return v;
}

static size_t
malloc_used(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/* The step's growth per call since the last mark. */
static void
mark(const char *step)
{
	long r = rss_kib();
	size_t u = malloc_used();

	if (step)
		printf("%-34s RSS %+6ld B/call   malloc in use %+6ld B/call\n", step,
		    (r - last_rss) * 1024 / ncalls, ((long)u - (long)last_used) / ncalls);
	last_rss = r;
	last_used = u;
}

static void
die(const char *what)
{
	fprintf(stderr, "media_rss: %s\n", what);
	exit(1);
}

static int
udp_at(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) != 0)
		die("cannot bind a peer socket (run it in a network namespace with lo up)");
	return fd;
}

/* Waits for the relay to empty the queue and drops what came back. */
static void
settle(int gw, int um)
{
	char d[512];

	poll(NULL, 0, 300);
	while (recv(gw, d, sizeof(d), MSG_DONTWAIT) > 0 || recv(um, d, sizeof(d), MSG_DONTWAIT) > 0)
		;
}

static void
send_to(int fd, struct sockaddr_in to, uint16_t port, const uint8_t *p, int len)
{
	to.sin_port = htons(port);
	sendto(fd, p, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
}

/* One RTP packet each way per call: SRTP from the gateway's key, plain from the UM. */
static void
one_round(struct media_stream **s, const struct sdes_key *gw_keys, int gw, int um,
    struct sockaddr_in out, struct sockaddr_in in, uint16_t seq)
{
	uint8_t p[400];

	for (int i = 0; i < ncalls; i++) {
		srtp_policy_t pol;
		srtp_t gs;
		int len = 172;
		memset(&pol, 0, sizeof(pol));
		media_srtpctx_suite_policy(SUITE, &pol.rtp, &pol.rtcp);
		pol.key = (uint8_t *)gw_keys[i].key_salt;
		pol.ssrc.type = ssrc_any_outbound;
		if (srtp_create(&gs, &pol) != srtp_err_status_ok)
			die("srtp_create");
		for (uint16_t q = 1; q <= seq; q++) {	/* the gateway's session starts at 1 */
			memset(p, 0, sizeof(p));
			p[0] = 0x80, p[2] = (uint8_t)(q >> 8), p[3] = (uint8_t)q, p[11] = 7;
			len = 172;
			srtp_protect(gs, p, &len);
		}
		srtp_dealloc(gs);
		send_to(gw, out, media_stream_port(s[i], MEDIA_OUTSIDE, 0), p, len);
		memset(p, 0, sizeof(p));
		p[0] = 0x80, p[3] = (uint8_t)seq, p[11] = 9;
		send_to(um, in, media_stream_port(s[i], MEDIA_INSIDE, 0), p, 172);
		if (i % 64 == 63)
			settle(gw, um);	/* within the peers' receive buffers */
	}
	settle(gw, um);
}

int
main(int argc, char **argv)
{
	enum media_io io = MEDIA_IO_URING;
	struct rlimit nofile;
	char why[256];

	ncalls = argc > 1 ? atoi(argv[1]) : 800;
	if (ncalls <= 0 || ncalls > 2400 || (argc > 2 && media_io_parse(argv[2], &io) != 0))
		die("usage: media_rss [CALLS (1-2400)] [uring|epoll]");
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	struct media_relay *r = media_relay_new(2, io, why, sizeof(why));
	if (!r)
		die(why);
	struct sockaddr_in out = { .sin_family = AF_INET }, in = out;
	out.sin_addr.s_addr = htonl(0x7f000001);
	in.sin_addr.s_addr = htonl(0x7f000002);
	struct portpool *po = media_portpool_new((struct sockaddr *)&out, sizeof(out), 30000, 39999);
	struct portpool *pi = media_portpool_new((struct sockaddr *)&in, sizeof(in), 30000, 39999);
	struct media_stream_conf conf = { { po, pi }, { 0, 0 }, 0 };
	struct media_stream **s = calloc((size_t)ncalls, sizeof(*s));
	struct sdes_key *gw_keys = calloc((size_t)ncalls, sizeof(*gw_keys));
	struct sockaddr_in gwa = out, uma = in;
	int gw = udp_at(&gwa), um = udp_at(&uma);

	if (!po || !pi || !s || !gw_keys)
		die("out of memory or bad port range");
	printf("media_rss: %d calls, 2 workers, io=%s\n", ncalls, media_io_name(media_relay_io(r)));
	mark(NULL);
	for (int i = 0; i < ncalls; i++)
		if (media_stream_new(r, &conf, &s[i]) != 0)
			die("media_stream_new (ports or descriptors)");
	poll(NULL, 0, 300);
	mark("stream pairs (4 sockets each)");
	for (int i = 0; i < ncalls; i++) {
		struct sdes_crypto gk, ok;
		struct media_peer p;
		media_sdes_generate(SUITE, 1, &gk);
		media_sdes_generate(SUITE, 1, &ok);
		gw_keys[i] = gk.key;
		memset(&p, 0, sizeof(p));
		memcpy(&p.rtp, &gwa, sizeof(gwa));
		p.rtp_len = sizeof(gwa);
		p.rx = gk.key;
		p.tx = ok.key;
		media_stream_update(s[i], MEDIA_OUTSIDE, &p);
		memset(&p, 0, sizeof(p));
		memcpy(&p.rtp, &uma, sizeof(uma));
		p.rtp_len = sizeof(uma);
		media_stream_update(s[i], MEDIA_INSIDE, &p);
	}
	poll(NULL, 0, 300);
	mark("SDP both legs, 2 SRTP sessions");
	one_round(s, gw_keys, gw, um, out, in, 1);
	mark("first packet each way");
	one_round(s, gw_keys, gw, um, out, in, 2);
	mark("second packet each way");
	struct media_counters c;
	media_relay_counters(r, &c);
	printf("relayed %llu of %d packets\n", (unsigned long long)c.v[MEDIA_CTR_PACKETS_OUT],
	    4 * ncalls);
	media_relay_free(r);
	return 0;
}
