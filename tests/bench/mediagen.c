/* mediagen -- media load generator for tests/bench/media.sh.
 *
 * Plays both ends of N bridged G.711 calls through a media relay (umsbcd or
 * rtpengine): "the gateway" sends SRTP to each call's outside relay port and
 * "the UM server" sends plain RTP to each call's inside relay port, 160-byte
 * PCMU payloads every 20 ms each way, and both check what the relay delivers
 * (the gateway side decrypts and authenticates it with the relay's key).
 * One UDP socket per end serves every call, because a relay accepts media only
 * from the address:port its SDP names and every call's SDP names the same one.
 *
 *   mediagen run [-g ADDR:PORT] [-u ADDR:PORT] [-n CALLS] [-w WARMUP_S] [-d SECS]
 *                [-p RELAY_PID] [-l LOSS_LIMIT_PCT] [-R RT_PRIO] [-N LABEL] MAPFILE
 *       Plays the first CALLS calls of MAPFILE (default: all) for WARMUP_S
 *       (default 1) + SECS (default 10) seconds and prints one row of figures
 *       measured over the last SECS seconds (see "mediagen header"); loss% =
 *       packets sent in the window that did not come back by 1 s after it.
 *       Exit: 0, 10 = loss above LOSS_LIMIT_PCT (default 1), 11 = the generator
 *       could not keep up (it then says why), 1 = error.
 *       -R: run the two end threads SCHED_FIFO at that priority, so that the
 *       packets leave on time however busy the machine is (a NIC does not
 *       wait for the scheduler either).
 *       SRTP is the media library's (media/srtp_ctx.c: libsrtp2 with the
 *       OpenSSL ciphers of media/srtp_ossl.c, which the relay uses too), as
 *       are the suite names, key lengths and base64 of the keys.
 *   mediagen header        the column names of the rows "run" prints
 *   mediagen ng-setup -s NG_ADDR:PORT -n CALLS -o MAPFILE [-c CALLID_PREFIX]
 *                [-g ADDR:PORT] [-u ADDR:PORT] [-D DIR1,DIR2] [-S SUITE]
 *       rtpengine's NG protocol (bencode over UDP): per call an "offer" from
 *       the gateway (RTP/SAVP, a=crypto with a fresh random key, asking for
 *       transport-protocol RTP/AVP toward the UM server; -D sets the offer's
 *       "direction" list, i.e. rtpengine's logical interfaces) and an "answer"
 *       from the UM server (plain RTP/AVP); writes the mapping file.
 *   mediagen ng-delete -s NG_ADDR:PORT -n CALLS [-c CALLID_PREFIX]
 *
 * MAPFILE, one call per line (blank lines and # comments ignored):
 *   OUTSIDE_IP:PORT INSIDE_IP:PORT GW_SUITE GW_KEY RELAY_SUITE RELAY_KEY
 * OUTSIDE = the relay's port for the gateway leg (from the SDP the gateway
 * got), INSIDE = its port for the UM leg (from the SDP the UM server got),
 * GW_* = the a=crypto suite and inline key the gateway sends with (gateway ->
 * relay), RELAY_* = the ones the relay sends with (relay -> gateway). A key is
 * the base64 key||salt of the inline: parameter, without |lifetime or |MKI.
 *
 * Built by make (tests/bench/mediagen), linked with media/libmedia.la.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include "media/b64.h"
#include "media/sdes.h"
#include "media/srtp_ctx.h"

#define PAYLOAD 160		/* PCMU, 20 ms at 8 kHz */
#define RTP_HDR 12
#define PKT_MAX (RTP_HDR + PAYLOAD + SRTPCTX_TRAILER)
#define RBUF 2048
#define PTIME_NS 20000000LL
#define SLOTS 20		/* calls are spread over 20 send slots of 1 ms */
#define SLOT_NS (PTIME_NS / SLOTS)
#define BATCH 64
#define SSRC_GW 0x47570000u	/* "GW" + call index: gateway -> UM */
#define SSRC_UM 0x554d0000u	/* "UM" + call index: UM -> gateway */
#define HIST_US 10		/* latency histogram: 10 us buckets ... */
#define HIST_N 100001		/* ... up to 1 s */
#define MAX_CALLS 65535
/* After the window: packets of the window that come later than this are lost
 * (a relay that queues for seconds is as useless for a call as one that drops;
 * the detail line tells the two apart with the kernel's drop counters). */
#define DRAIN_NS 1000000000LL

static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mediagen: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* RTP header length with CSRCs and extension; -1 if it overruns len. */
static int
rtp_hdr_len(const uint8_t *p, int len)
{
	int hl = RTP_HDR + 4 * (p[0] & 0x0f);
	if ((p[0] & 0x10) && len >= hl + 4)
		hl += 4 + 4 * ((p[hl + 2] << 8) | p[hl + 3]);
	return hl <= len ? hl : -1;
}

static void
parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *c = strrchr(s, ':');
	if (!c || (size_t)(c - s) >= sizeof(host))
		die("bad address '%s' (want IPV4:PORT)", s);
	memcpy(host, s, (size_t)(c - s));
	host[c - s] = 0;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	long port = strtol(c + 1, NULL, 10);
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || port <= 0 || port > 65535)
		die("bad address '%s' (want IPV4:PORT)", s);
	a->sin_port = htons((uint16_t)port);
}

/* ------------------------------------------------------------------------ */
/* SRTP keys: the media library's suites, base64 and contexts               */

static enum sdes_suite
suite_named(const char *name)
{
	return media_sdes_suite_from_name(name, strlen(name));
}

/* A context for the suite and base64 key||salt of a map line. */
static struct srtpctx *
map_srtpctx(const char *suite, const char *key, enum srtpctx_dir dir, const char *path, int line)
{
	struct sdes_key k = { .suite = suite_named(suite) };
	if (k.suite == SDES_NONE)
		die("%s line %d: unknown SRTP suite '%s'", path, line, suite);
	size_t want = media_sdes_key_len(k.suite) + media_sdes_salt_len(k.suite);
	int n = media_b64_decode(key, strlen(key), k.key_salt, sizeof(k.key_salt));
	if (n != (int)want)
		die("%s line %d: key '%s' decodes to %d bytes, %s needs %zu", path, line, key, n,
		    suite, want);
	struct srtpctx *c = media_srtpctx_new(&k, dir);
	if (!c)
		die("%s line %d: no SRTP context for %s", path, line, suite);
	return c;
}

/* ------------------------------------------------------------------------ */
/* the run                                                                   */

enum { GW = 0, UM = 1 };	/* the two ends, and the direction each sends */

struct call {
	struct sockaddr_in relay[2];	/* [GW] outside leg port, [UM] inside leg port */
	struct srtpctx *tx;		/* gateway -> relay */
	struct srtpctx *rx;		/* relay -> gateway */
	uint16_t seq[2];
	uint32_t ts[2];
	uint32_t rx_win[2];		/* received in the window, by the receiving end */
};

struct end {
	int side;			/* GW or UM: what this thread plays */
	int fd;
	pthread_t th;
	int32_t *port2call;		/* relay source port -> call index */
	/* sender */
	uint64_t tx_win, tx_all, tx_err;
	int64_t late_max_ns;
	uint64_t late_slots;		/* slots sent more than one ptime late */
	uint64_t skipped;		/* slots not sent at all: too late (> 200 ms) */
	/* receiver */
	uint64_t rx_win, rx_all, rx_auth, rx_replay, rx_unknown, rx_corrupt, rx_ssrc, rx_rtcp,
	    rx_trunc;
	uint64_t lat_sum_us;
	uint32_t lat_max_us;
	uint32_t *hist;
	/* buffers */
	struct mmsghdr smsg[BATCH], rmsg[BATCH];
	struct iovec siov[BATCH], riov[BATCH];
	struct sockaddr_in rsrc[BATCH];
	uint8_t rctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	uint8_t sbuf[BATCH][PKT_MAX];
	uint8_t rbuf[BATCH][RBUF];
};

static struct call *calls;
static int ncalls;
static int rt_prio;		/* -R: SCHED_FIFO priority of the two end threads */
static int64_t t_first, t_start, t_end, t_stop;
static int64_t rt_off;		/* CLOCK_REALTIME - CLOCK_MONOTONIC, for SO_TIMESTAMPNS */
static struct end ends[2];

static int
open_sock(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	int big = 64 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0) {
		char h[32];
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		die("bind %s:%d: %s", h, ntohs(a->sin_port), strerror(errno));
	}
	return fd;
}

/* payload: [0..7] send time (ns, CLOCK_MONOTONIC), [8..11] call index,
 * [12..159] one byte derived from call and sequence number */
static uint8_t
fill_byte(int i, uint16_t seq)
{
	return (uint8_t)(seq * 7u + (unsigned)i * 13u + 0x55u);
}

static int
build(struct end *e, int i, uint8_t *p)
{
	struct call *c = &calls[i];
	int d = e->side;
	uint16_t seq = c->seq[d]++;
	uint32_t ts = c->ts[d];
	c->ts[d] += PAYLOAD;
	p[0] = 0x80;
	p[1] = 0;	/* PCMU */
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	put32(p + 4, ts);
	put32(p + 8, (d == GW ? SSRC_GW : SSRC_UM) + (uint32_t)i);
	uint8_t *pl = p + RTP_HDR;
	int64_t now = mono_ns();
	memcpy(pl, &now, 8);
	put32(pl + 8, (uint32_t)i);
	memset(pl + 12, fill_byte(i, seq), PAYLOAD - 12);
	int len = RTP_HDR + PAYLOAD;
	if (d == GW && media_srtpctx_protect(c->tx, p, &len, 0) != SRTPCTX_OK)
		return -1;
	if (now >= t_start && now < t_end)
		e->tx_win++;
	e->tx_all++;
	return len;
}

static void
send_slot(struct end *e, int slot)
{
	int n = 0;
	for (int i = slot; i < ncalls; i += SLOTS) {
		int len = build(e, i, e->sbuf[n]);
		if (len < 0) {
			e->tx_err++;
			continue;
		}
		e->siov[n].iov_base = e->sbuf[n];
		e->siov[n].iov_len = (size_t)len;
		struct msghdr *h = &e->smsg[n].msg_hdr;
		memset(h, 0, sizeof(*h));
		h->msg_name = &calls[i].relay[e->side];
		h->msg_namelen = sizeof(struct sockaddr_in);
		h->msg_iov = &e->siov[n];
		h->msg_iovlen = 1;
		if (++n == BATCH || i + SLOTS >= ncalls) {
			int off = 0;
			while (off < n) {
				int s = sendmmsg(e->fd, e->smsg + off, (unsigned)(n - off), 0);
				if (s < 0) {
					if (errno == EAGAIN || errno == ENOBUFS) {
						struct pollfd pf = { .fd = e->fd, .events = POLLOUT };
						poll(&pf, 1, 5);
						continue;
					}
					/* e.g. ECONNREFUSED from an earlier ICMP: skip one */
					e->tx_err++;
					off++;
					continue;
				}
				off += s;
			}
			n = 0;
		}
	}
}

/* arrival (CLOCK_MONOTONIC ns): the kernel's receive timestamp, so the
 * latency does not depend on when this thread got round to reading */
static int64_t
arrival(struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - rt_off;
		}
	return mono_ns();
}

static void
receive_one(struct end *e, uint8_t *p, int len, const struct sockaddr_in *src, int64_t at)
{
	e->rx_all++;
	int32_t i = e->port2call[ntohs(src->sin_port)];
	if (i < 0 || i >= ncalls || calls[i].relay[e->side].sin_addr.s_addr != src->sin_addr.s_addr) {
		e->rx_unknown++;
		return;
	}
	struct call *c = &calls[i];
	if (len < RTP_HDR || (p[0] >> 6) != 2) {
		e->rx_corrupt++;
		return;
	}
	if (p[1] >= 192 && p[1] <= 223) {	/* RTCP (SR, RR, SDES, BYE, APP, ...) */
		e->rx_rtcp++;
		return;
	}
	if (e->side == GW) {
		enum srtpctx_result r = media_srtpctx_unprotect(c->rx, p, &len, 0);
		if (r != SRTPCTX_OK) {
			if (r == SRTPCTX_REPLAY)
				e->rx_replay++;
			else
				e->rx_auth++;
			return;
		}
	}
	int d = !e->side;	/* the direction this end receives */
	int hl = rtp_hdr_len(p, len);
	if (hl < 0) {
		e->rx_corrupt++;
		return;
	}
	if (p[0] & 0x20)	/* padding */
		len -= p[len - 1];
	if (len - hl != PAYLOAD) {
		e->rx_corrupt++;
		return;
	}
	uint32_t ssrc = get32(p + 8);
	if (ssrc != (d == GW ? SSRC_GW : SSRC_UM) + (uint32_t)i)
		e->rx_ssrc++;
	const uint8_t *pl = p + hl;
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	uint8_t fb = fill_byte(i, seq);
	if (get32(pl + 8) != (uint32_t)i || pl[12] != fb || pl[PAYLOAD / 2] != fb ||
	    pl[PAYLOAD - 1] != fb) {
		e->rx_corrupt++;
		return;
	}
	int64_t sent;
	memcpy(&sent, pl, 8);
	if (sent < t_start || sent >= t_end)
		return;
	e->rx_win++;
	c->rx_win[d]++;
	int64_t lat = (at - sent) / 1000;
	if (lat < 0)
		lat = 0;
	e->lat_sum_us += (uint64_t)lat;
	if (lat > e->lat_max_us)
		e->lat_max_us = (uint32_t)(lat > UINT32_MAX ? UINT32_MAX : lat);
	int64_t b = lat / HIST_US;
	e->hist[b < HIST_N - 1 ? b : HIST_N - 1]++;
}

/* Reads what has come, at most max_batches batches (0 = until empty): sending
 * on time comes first, the socket's buffer (64 MB) keeps the rest. */
static void
drain(struct end *e, int max_batches)
{
	for (int b = 0; max_batches == 0 || b < max_batches; b++) {
		for (int j = 0; j < BATCH; j++) {
			e->riov[j].iov_base = e->rbuf[j];
			e->riov[j].iov_len = RBUF;
			struct msghdr *h = &e->rmsg[j].msg_hdr;
			memset(h, 0, sizeof(*h));
			h->msg_name = &e->rsrc[j];
			h->msg_namelen = sizeof(e->rsrc[j]);
			h->msg_iov = &e->riov[j];
			h->msg_iovlen = 1;
			h->msg_control = e->rctl[j];
			h->msg_controllen = sizeof(e->rctl[j]);
		}
		int n = recvmmsg(e->fd, e->rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int j = 0; j < n; j++) {
			if (e->rmsg[j].msg_hdr.msg_flags & MSG_TRUNC) {
				e->rx_trunc++;
				continue;
			}
			receive_one(e, e->rbuf[j], (int)e->rmsg[j].msg_len, &e->rsrc[j],
			    arrival(&e->rmsg[j].msg_hdr));
		}
		if (n < BATCH)
			return;
	}
}

#define SKIP_NS 200000000LL	/* a sender this late skips slots instead of bursting */

static void *
end_thread(void *arg)
{
	struct end *e = arg;
	int64_t next = t_first;
	int slot = 0;

	if (rt_prio > 0) {
		struct sched_param sp = { .sched_priority = rt_prio };
		int r = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
		if (r != 0 && e->side == GW)
			fprintf(stderr, "mediagen: SCHED_FIFO %d refused (%s): normal priority\n", rt_prio,
			    strerror(r));
	}

	for (;;) {
		int64_t now = mono_ns();
		if (now >= t_stop)
			break;
		while (next <= now && next < t_end) {
			int64_t late = now - next;
			if (late > SKIP_NS) {	/* descheduled or overloaded: give up these slots */
				while (next < now - PTIME_NS && next < t_end) {
					if (next >= t_start)
						e->skipped++;
					/* the skipped calls' clocks move on as if they had sent */
					for (int i = slot; i < ncalls; i += SLOTS) {
						calls[i].seq[e->side]++;
						calls[i].ts[e->side] += PAYLOAD;
					}
					slot = (slot + 1) % SLOTS;
					next += SLOT_NS;
				}
				continue;
			}
			if (next >= t_start) {
				if (late > e->late_max_ns)
					e->late_max_ns = late;
				if (late > PTIME_NS)
					e->late_slots++;
			}
			send_slot(e, slot);
			slot = (slot + 1) % SLOTS;
			next += SLOT_NS;
			drain(e, 4);
			now = mono_ns();
		}
		drain(e, 0);
		/* Sleep to the next slot, not until a packet comes: one wake-up
		 * per millisecond reads what came meanwhile in a few recvmmsg
		 * (a wake-up per packet cost more CPU than the SRTP). */
		now = mono_ns();
		if (now >= t_stop)
			break;
		int64_t until = next < t_end ? next : now + SLOT_NS;
		sleep_until(until < t_stop ? until : t_stop);
	}
	return NULL;
}

/* Udp RcvbufErrors of this network namespace (/proc/net/snmp): datagrams
 * dropped because a socket's receive buffer was full, ours or the relay's */
static long long
udp_rcvbuf_errors(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	if (!f)
		return -1;
	char names[512], vals[512];
	long long r = -1;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Udp:", 4) != 0 || !fgets(vals, sizeof(vals), f))
			continue;
		char *sn, *sv, *n = strtok_r(names + 4, " \n", &sn), *v = strtok_r(vals + 4, " \n", &sv);
		for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
			if (strcmp(n, "RcvbufErrors") == 0)
				r = atoll(v);
		break;
	}
	fclose(f);
	return r;
}

/* packets the kernel dropped at this socket (its receive buffer was full) */
static uint64_t
sock_drops(int fd)
{
	uint32_t mi[SK_MEMINFO_VARS] = { 0 };
	socklen_t l = sizeof(mi);
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &l) < 0 || l <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return 0;
	return mi[SK_MEMINFO_DROPS];
}

static int
read_map(const char *path, int want)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	char line[1024];
	int n = 0, ln = 0;
	calls = calloc(MAX_CALLS, sizeof(*calls));
	if (!calls)
		die("out of memory");
	while (fgets(line, sizeof(line), f) && (want <= 0 || n < want)) {
		ln++;
		char *h = strchr(line, '#');
		if (h)
			*h = 0;
		char o[64], in[64], gs[64], gk[128], rs[64], rk[128];
		int k = sscanf(line, "%63s %63s %63s %127s %63s %127s", o, in, gs, gk, rs, rk);
		if (k <= 0)
			continue;
		if (k != 6)
			die("%s line %d: want OUTSIDE_IP:PORT INSIDE_IP:PORT GW_SUITE GW_KEY RELAY_SUITE RELAY_KEY",
			    path, ln);
		if (n == MAX_CALLS)
			die("too many calls");
		struct call *c = &calls[n];
		parse_addr(o, &c->relay[GW]);
		parse_addr(in, &c->relay[UM]);
		char *bar;
		if ((bar = strchr(gk, '|')))
			*bar = 0;
		if ((bar = strchr(rk, '|')))
			*bar = 0;
		c->tx = map_srtpctx(gs, gk, SRTPCTX_OUTBOUND, path, ln);
		c->rx = map_srtpctx(rs, rk, SRTPCTX_INBOUND, path, ln);
		c->seq[GW] = (uint16_t)(n * 7919u);
		c->seq[UM] = (uint16_t)(n * 104729u);
		c->ts[GW] = (uint32_t)n * 1000003u;
		c->ts[UM] = (uint32_t)n * 2000003u;
		n++;
	}
	fclose(f);
	if (want > 0 && n < want)
		die("%s holds %d calls, %d wanted", path, n, want);
	return n;
}

static long
proc_ticks(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime(14) stime(15) */
	unsigned long ut, st;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* idle + iowait jiffies of the whole machine (all cores). With a tickless
 * kernel these come from the idle clock, exact, while user/system are
 * sampled at each tick and miss the many short runs of a packet relay. */
static unsigned long long
host_idle(void)
{
	unsigned long long v[5] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4]);
	fclose(f);
	return n == 5 ? v[3] + v[4] : 0;
}

/* CPU ticks of each thread of a process: /proc/PID/task/TID/stat */
#define MAX_THR 256
struct thr {
	int tid;
	long ticks;
	char name[20];
};

static int
proc_threads(int pid, struct thr *t)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < MAX_THR) {
		int tid = atoi(de->d_name);
		if (tid <= 0)
			continue;
		char buf[1024];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t l = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[l] = 0;
		char *o = strchr(buf, '('), *c = strrchr(buf, ')');
		unsigned long ut, st;
		if (!o || !c || sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
		    &st) != 2)
			continue;
		t[n].tid = tid;
		t[n].ticks = (long)(ut + st);
		snprintf(t[n].name, sizeof(t[n].name), "%.*s", (int)(c - o - 1), o + 1);
		n++;
	}
	closedir(d);
	return n;
}

static int
thr_cmp(const void *a, const void *b)
{
	const struct thr *x = a, *y = b;
	return (y->ticks > x->ticks) - (y->ticks < x->ticks);
}

/* "name 55%, name 40%, ..." the busiest threads over the window */
static void
thread_report(const struct thr *t0, int n0, struct thr *t1, int n1, double wall, long hz,
    char *out, size_t size)
{
	for (int i = 0; i < n1; i++) {
		long base = 0;
		for (int j = 0; j < n0; j++)
			if (t0[j].tid == t1[i].tid)
				base = t0[j].ticks;
		t1[i].ticks -= base;
	}
	qsort(t1, (size_t)n1, sizeof(*t1), thr_cmp);
	size_t len = 0;
	out[0] = 0;
	int shown = 0;
	for (int i = 0; i < n1 && shown < 4 && len < size; i++) {
		double pct = 100.0 * (double)t1[i].ticks / (double)hz / wall;
		if (pct < 1 && shown > 0)
			break;
		len += (size_t)snprintf(out + len, size - len, "%s%s %.0f%%", shown ? ", " : "",
		    t1[i].name, pct);
		shown++;
	}
	if (n1 > shown && len < size)
		snprintf(out + len, size - len, " (%d threads)", n1);
}

static double
thread_cpu(pthread_t th)
{
	clockid_t cid;
	struct timespec ts;
	if (pthread_getcpuclockid(th, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
pctile(const uint32_t *h, uint64_t total, double q)
{
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(q * (double)total), acc = 0;
	for (int b = 0; b < HIST_N; b++) {
		acc += h[b];
		if (acc > want)
			return (b + 1) * HIST_US / 1000.0;
	}
	return HIST_N * HIST_US / 1000.0;
}

static const char header_text[] =
    "calls  pkt/s-relayed  pkt/s/core   loss%%  relay-CPU%%  gen-CPU%%(gw+um)  host(other)-CPU%%  lat-ms(avg/p99/max)  note\n";

static int
cmd_run(int argc, char **argv)
{
	struct sockaddr_in gwa, uma;
	parse_addr("127.0.0.7:20000", &gwa);
	parse_addr("127.0.0.20:22000", &uma);
	int want = 0, pid = 0, opt;
	double warm = 1, dur = 10, limit = 1;
	const char *label = NULL;
	while ((opt = getopt(argc, argv, "g:u:n:w:d:p:l:N:R:")) != -1) {
		switch (opt) {
		case 'R': rt_prio = atoi(optarg); break;
		case 'g': parse_addr(optarg, &gwa); break;
		case 'u': parse_addr(optarg, &uma); break;
		case 'n': want = atoi(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'd': dur = atof(optarg); break;
		case 'p': pid = atoi(optarg); break;
		case 'l': limit = atof(optarg); break;
		case 'N': label = optarg; break;
		default: die("usage: mediagen run [-g ADDR:PORT] [-u ADDR:PORT] [-n CALLS] [-w S] [-d S] [-p PID] [-l PCT] MAPFILE");
		}
	}
	if (optind != argc - 1)
		die("run: the mapping file is missing");
	if (media_srtpctx_global_init() != 0)
		die("the media library's SRTP (libsrtp2 with OpenSSL ciphers) did not start");
	ncalls = read_map(argv[optind], want);
	if (ncalls == 0)
		die("no calls in %s", argv[optind]);

	for (int s = 0; s < 2; s++) {
		struct end *e = &ends[s];
		e->side = s;
		e->fd = open_sock(s == GW ? &gwa : &uma);
		e->port2call = malloc(65536 * sizeof(int32_t));
		e->hist = calloc(HIST_N, sizeof(uint32_t));
		if (!e->port2call || !e->hist)
			die("out of memory");
		for (int p = 0; p < 65536; p++)
			e->port2call[p] = -1;
		for (int i = 0; i < ncalls; i++) {
			int port = ntohs(calls[i].relay[s].sin_port);
			if (e->port2call[port] >= 0)
				die("two calls share the relay's %s port %d", s == GW ? "outside" : "inside",
				    port);
			e->port2call[port] = i;
		}
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	rt_off = (int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec - mono_ns();
	t_first = mono_ns() + 20000000LL;
	t_start = t_first + (int64_t)(warm * 1e9);
	t_end = t_start + (int64_t)(dur * 1e9);
	t_stop = t_end + DRAIN_NS;	/* what is still in flight */
	for (int s = 0; s < 2; s++)
		if (pthread_create(&ends[s].th, NULL, end_thread, &ends[s]) != 0)
			die("pthread_create failed");

	long hz = sysconf(_SC_CLK_TCK);
	sleep_until(t_start);
	unsigned long long hi0 = host_idle(), hi1;
	uint64_t d0 = sock_drops(ends[GW].fd) + sock_drops(ends[UM].fd);
	long long k0 = udp_rcvbuf_errors();
	long r0 = pid ? proc_ticks(pid) : -1;
	static struct thr th0[MAX_THR], th1[MAX_THR];
	int nth0 = pid ? proc_threads(pid, th0) : 0, nth1 = 0;
	double g0 = thread_cpu(ends[GW].th), u0 = thread_cpu(ends[UM].th);
	int64_t w0 = mono_ns();
	sleep_until(t_end);
	long r1 = pid ? proc_ticks(pid) : -1;
	if (pid)
		nth1 = proc_threads(pid, th1);
	hi1 = host_idle();
	double g1 = thread_cpu(ends[GW].th), u1 = thread_cpu(ends[UM].th);
	double wall = (mono_ns() - w0) / 1e9;
	for (int s = 0; s < 2; s++)
		pthread_join(ends[s].th, NULL);
	/* window + drain: packets of the window that our own sockets dropped */
	uint64_t gen_drops = sock_drops(ends[GW].fd) + sock_drops(ends[UM].fd) - d0;
	long long k1 = udp_rcvbuf_errors();
	long long relay_drops = k0 >= 0 && k1 >= 0 ? k1 - k0 - (long long)gen_drops : -1;

	struct end *G = &ends[GW], *U = &ends[UM];
	uint64_t tx = G->tx_win + U->tx_win, rx = G->rx_win + U->rx_win;
	double loss = tx ? 100.0 * (double)(tx - (rx < tx ? rx : tx)) / (double)tx : 100;
	double pps = (double)rx / dur;
	double relay_cpu = (r0 >= 0 && r1 >= 0) ? (double)(r1 - r0) / (double)hz : -1;
	double relay_pct = relay_cpu >= 0 ? 100.0 * relay_cpu / wall : -1;
	double per_core = relay_cpu > 0 ? pps / (relay_cpu / wall) : 0;
	double host_pct = 100.0 * ((double)sysconf(_SC_NPROCESSORS_ONLN) -
	    (double)(hi1 - hi0) / (double)hz / wall);
	double gpct = 100.0 * (g1 - g0) / wall, upct = 100.0 * (u1 - u0) / wall;
	uint64_t nlat = rx;
	uint32_t *hist = G->hist;
	for (int b = 0; b < HIST_N; b++)
		hist[b] += U->hist[b];
	double lat_avg = nlat ? (double)(G->lat_sum_us + U->lat_sum_us) / (double)nlat / 1000.0 : 0;
	double lat_p99 = pctile(hist, nlat, 0.99);
	double lat_max = (G->lat_max_us > U->lat_max_us ? G->lat_max_us : U->lat_max_us) / 1000.0;
	/* the generator kept up if it sent (nearly) every packet on time */
	uint64_t expect = (uint64_t)((double)ncalls * 2 * (1e9 / PTIME_NS) * dur);
	int64_t late_max = G->late_max_ns > U->late_max_ns ? G->late_max_ns : U->late_max_ns;
	char note[320] = "";
	int rc = 0;
	uint64_t slots = (uint64_t)(dur * 1e9 / SLOT_NS) * 2, late = G->late_slots + U->late_slots;
	if (tx < expect * 99 / 100 || late * 100 > slots || gpct > 90 || upct > 90 ||
	    gen_drops * 1000 > tx) {
		snprintf(note, sizeof(note), "GENERATOR BEHIND: sent %.1f%% of schedule, %" PRIu64
		    " of %" PRIu64 " slots >20 ms late (worst %.0f ms), threads %.0f/%.0f%% CPU, %" PRIu64
		    " dropped at its sockets%s", 100.0 * (double)tx / (double)expect, late, slots,
		    late_max / 1e6, gpct, upct, gen_drops, loss > limit ? "; LOSS too" : "");
		rc = 11;
	} else if (loss > limit) {
		snprintf(note, sizeof(note), "LOSS > %g%%", limit);
		rc = 10;
	} else if (lat_p99 > 50) {	/* not lost, but queued: no good for a call either */
		snprintf(note, sizeof(note), "queueing: p99 delay > 50 ms");
	}
	char core_s[24] = "?", relay_s[24] = "?";
	if (per_core > 0)
		snprintf(core_s, sizeof(core_s), "%.0f", per_core);
	if (relay_pct >= 0)
		snprintf(relay_s, sizeof(relay_s), "%.1f", relay_pct);
	char lat_s[48];
	if (lat_p99 >= HIST_N * HIST_US / 1000.0 - 0.01)	/* in the overflow bucket */
		snprintf(lat_s, sizeof(lat_s), "%.2f/>%d/%.1f", lat_avg, (HIST_N - 1) * HIST_US / 1000,
		    lat_max);
	else
		snprintf(lat_s, sizeof(lat_s), "%.2f/%.2f/%.1f", lat_avg, lat_p99, lat_max);
	char host_s[32];
	snprintf(host_s, sizeof(host_s), "%.0f(%.0f)", host_pct,
	    host_pct - gpct - upct - (relay_pct > 0 ? relay_pct : 0));
	printf("%-6d %14.0f %11s %7.3f %11s  %7.1f+%-7.1f  %17s  %-19s  %s%s%s\n", ncalls,
	    pps, core_s, loss, relay_s, gpct, upct, host_s, lat_s,
	    label ? label : "", label && *note ? " " : "", note);
	if (nth1) {
		char tr[256];
		thread_report(th0, nth0, th1, nth1, wall, hz, tr, sizeof(tr));
		printf("        relay threads: %s\n", tr);
	}
	/* what went wrong, if anything */
	int dead[2] = { 0, 0 };
	for (int i = 0; i < ncalls; i++)
		for (int d = 0; d < 2; d++)
			dead[d] += calls[i].rx_win[d] == 0;
	if (dead[0] || dead[1] || G->rx_auth || G->rx_replay || G->rx_unknown + U->rx_unknown ||
	    G->rx_corrupt + U->rx_corrupt || G->rx_ssrc + U->rx_ssrc || G->tx_err + U->tx_err ||
	    G->rx_trunc + U->rx_trunc || gen_drops || rc)
		printf("        detail: sent gw->um %" PRIu64 " um->gw %" PRIu64 ", delivered gw->um %" PRIu64
		    " um->gw %" PRIu64 "; calls with nothing delivered gw->um %d um->gw %d;"
		    " gw side: SRTP auth failures %" PRIu64 ", replays %" PRIu64 ";"
		    " unknown source %" PRIu64 ", corrupt %" PRIu64 ", other SSRC %" PRIu64
		    ", RTCP %" PRIu64 ", send errors %" PRIu64 "; generator: %" PRIu64 " of %" PRIu64
		    " send slots >20 ms late (worst %.0f ms), %" PRIu64 " skipped, %" PRIu64
		    " packets dropped at its own sockets; kernel: %lld datagrams dropped at the relay's"
		    " full receive buffers\n",
		    G->tx_win, U->tx_win, U->rx_win, G->rx_win, dead[GW], dead[UM], G->rx_auth,
		    G->rx_replay, G->rx_unknown + U->rx_unknown, G->rx_corrupt + U->rx_corrupt,
		    G->rx_ssrc + U->rx_ssrc, G->rx_rtcp + U->rx_rtcp, G->tx_err + U->tx_err, late, slots,
		    late_max / 1e6, G->skipped + U->skipped, gen_drops, relay_drops);
	fflush(stdout);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* rtpengine NG client                                                       */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_add(struct sbuf *b, const void *d, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void
sb_str(struct sbuf *b, const char *s)	/* a bencoded string */
{
	char n[24];
	int k = snprintf(n, sizeof(n), "%zu:", strlen(s));
	sb_add(b, n, (size_t)k);
	sb_add(b, s, strlen(s));
}

static void
sb_kv(struct sbuf *b, const char *k, const char *v)
{
	sb_str(b, k);
	sb_str(b, v);
}

/* Skips one bencoded value at p; NULL if malformed. */
static const char *
bskip(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p == 'i') {
		const char *e = memchr(p, 'e', (size_t)(end - p));
		return e ? e + 1 : NULL;
	}
	if (*p == 'l' || *p == 'd') {
		p++;
		while (p < end && *p != 'e')
			if (!(p = bskip(p, end)))
				return NULL;
		return p < end ? p + 1 : NULL;
	}
	if (*p >= '0' && *p <= '9') {
		char *c;
		unsigned long n = strtoul(p, &c, 10);
		if (c >= end || *c != ':' || n > (size_t)(end - c - 1))
			return NULL;
		return c + 1 + n;
	}
	return NULL;
}

/* The string value of key k in the top-level dict d (malloc'd) or NULL. */
static char *
bget(const char *d, size_t n, const char *k)
{
	const char *p = d, *end = d + n;
	if (p >= end || *p != 'd')
		return NULL;
	p++;
	while (p < end && *p != 'e') {
		char *c;
		unsigned long kl = strtoul(p, &c, 10);
		if (c >= end || *c != ':' || kl > (size_t)(end - c - 1))
			return NULL;
		const char *key = c + 1, *v = key + kl;
		int match = kl == strlen(k) && memcmp(key, k, kl) == 0;
		if (match && v < end && *v >= '0' && *v <= '9') {
			unsigned long vl = strtoul(v, &c, 10);
			if (c >= end || *c != ':' || vl > (size_t)(end - c - 1))
				return NULL;
			char *r = malloc(vl + 1);
			memcpy(r, c + 1, vl);
			r[vl] = 0;
			return r;
		}
		if (!(p = bskip(v, end)))
			return NULL;
	}
	return NULL;
}

static int ng_fd;
static unsigned ng_seq;

/* Sends one command (a bencoded dict), returns the reply dict (malloc'd). */
static char *
ng_cmd(const struct sbuf *dict, size_t *rlen)
{
	char cookie[32];
	int cl = snprintf(cookie, sizeof(cookie), "mg%u_%d ", ++ng_seq, (int)getpid());
	struct sbuf m = { 0 };
	sb_add(&m, cookie, (size_t)cl);
	sb_add(&m, dict->p, dict->len);
	static char buf[65536];
	for (int attempt = 0; attempt < 4; attempt++) {
		if (send(ng_fd, m.p, m.len, 0) < 0)
			die("NG send: %s", strerror(errno));
		int64_t until = mono_ns() + 2000000000LL;
		for (;;) {
			int64_t left = (until - mono_ns()) / 1000000;
			if (left <= 0)
				break;
			struct pollfd pf = { .fd = ng_fd, .events = POLLIN };
			if (poll(&pf, 1, (int)left) <= 0)
				continue;
			ssize_t r = recv(ng_fd, buf, sizeof(buf) - 1, 0);
			if (r < 0) {
				if (errno == ECONNREFUSED)
					die("NG: connection refused (rtpengine not listening?)");
				continue;
			}
			if ((size_t)r > (size_t)cl && memcmp(buf, cookie, (size_t)cl) == 0) {
				free(m.p);
				*rlen = (size_t)r - (size_t)cl;
				char *out = malloc(*rlen + 1);
				memcpy(out, buf + cl, *rlen);
				out[*rlen] = 0;
				return out;
			}
		}
	}
	die("NG: no reply after 4 attempts");
	return NULL;
}

static char *
ng_sdp(const struct sbuf *dict, const char *what, int i)
{
	size_t n;
	char *r = ng_cmd(dict, &n);
	char *res = bget(r, n, "result");
	if (!res || strcmp(res, "ok") != 0) {
		char *why = bget(r, n, "error-reason");
		die("NG %s of call %d: result %s (%s)", what, i, res ? res : "?", why ? why : "?");
	}
	char *sdp = bget(r, n, "sdp");
	if (!sdp)
		die("NG %s of call %d: no sdp in the reply", what, i);
	free(res);
	free(r);
	return sdp;
}

/* c= address (media level wins), m=audio port, first usable a=crypto */
static void
sdp_media(const char *sdp, char *addr, size_t asize, int *port, char *suite, char *key)
{
	*addr = 0;
	*port = 0;
	*suite = *key = 0;
	char sess_c[64] = "", media_c[64] = "";
	int in_audio = 0;
	for (const char *l = sdp; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char a[64];
		if (sscanf(l, "c=IN IP4 %63[0-9.]", a) == 1)
			strcpy(in_audio ? media_c : sess_c, a);
		else if (strncmp(l, "m=", 2) == 0) {
			in_audio = strncmp(l, "m=audio ", 8) == 0 && !*port;
			if (in_audio)
				*port = atoi(l + 8);
		} else if (in_audio && !*suite && strncmp(l, "a=crypto:", 9) == 0) {
			char s[64], k[128];
			if (sscanf(l, "a=crypto:%*d %63s inline:%127[A-Za-z0-9+/=]", s, k) == 2 &&
			    suite_named(s) != SDES_NONE) {
				strcpy(suite, s);
				strcpy(key, k);
			}
		}
	}
	snprintf(addr, asize, "%s", *media_c ? media_c : sess_c);
}

static void
ng_open(const char *ng)
{
	struct sockaddr_in a;
	parse_addr(ng, &a);
	ng_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ng_fd < 0 || connect(ng_fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("NG socket: %s", strerror(errno));
}

static int
cmd_ng(int argc, char **argv, int setup)
{
	const char *ng = NULL, *out = NULL, *prefix = "mediagen-", *dirs = NULL;
	const char *suite = "AES_CM_128_HMAC_SHA1_80";
	struct sockaddr_in gwa, uma;
	parse_addr("127.0.0.7:20000", &gwa);
	parse_addr("127.0.0.20:22000", &uma);
	int n = 0, opt;
	while ((opt = getopt(argc, argv, "s:n:o:c:g:u:D:S:")) != -1) {
		switch (opt) {
		case 's': ng = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 'c': prefix = optarg; break;
		case 'g': parse_addr(optarg, &gwa); break;
		case 'u': parse_addr(optarg, &uma); break;
		case 'D': dirs = optarg; break;
		case 'S': suite = optarg; break;
		default: die("usage: mediagen ng-setup|ng-delete -s NG_ADDR:PORT -n CALLS [-o MAP] [-c PREFIX]");
		}
	}
	if (!ng || n <= 0 || (setup && !out))
		die("ng-setup needs -s NG_ADDR:PORT -n CALLS -o MAPFILE; ng-delete -s and -n");
	ng_open(ng);
	char gwip[32], umip[32];
	inet_ntop(AF_INET, &gwa.sin_addr, gwip, sizeof(gwip));
	inet_ntop(AF_INET, &uma.sin_addr, umip, sizeof(umip));
	enum sdes_suite su = suite_named(suite);
	if (su == SDES_NONE)
		die("unknown suite %s", suite);
	FILE *f = NULL;
	if (setup && !(f = fopen(out, "w")))
		die("%s: %s", out, strerror(errno));
	for (int i = 0; i < n; i++) {
		char cid[96], ftag[32] = "gw-tag", ttag[32] = "um-tag";
		snprintf(cid, sizeof(cid), "%s%d", prefix, i);
		struct sbuf d = { 0 };
		if (!setup) {
			sb_add(&d, "d", 1);
			sb_kv(&d, "command", "delete");
			sb_kv(&d, "call-id", cid);
			sb_kv(&d, "from-tag", ftag);
			sb_add(&d, "e", 1);
			size_t rl;
			char *r = ng_cmd(&d, &rl);
			free(r);	/* "not found" is fine: nothing to delete */
			free(d.p);
			continue;
		}
		struct sdes_crypto cr;
		char kb[96];
		if (media_sdes_generate(su, 1, &cr) != SDES_OK ||
		    media_b64_encode(cr.key.key_salt, media_sdes_key_len(su) + media_sdes_salt_len(su),
		    kb, sizeof(kb)) < 0)
			die("cannot make a %s key", suite);
		char sdp[1024];
		snprintf(sdp, sizeof(sdp),
		    "v=0\r\no=gw %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		    "m=audio %d RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n"
		    "a=crypto:1 %s inline:%s\r\na=sendrecv\r\n",
		    i + 1, gwip, gwip, ntohs(gwa.sin_port), suite, kb);
		sb_add(&d, "d", 1);
		sb_kv(&d, "command", "offer");
		sb_kv(&d, "call-id", cid);
		sb_kv(&d, "from-tag", ftag);
		sb_kv(&d, "sdp", sdp);
		sb_kv(&d, "transport-protocol", "RTP/AVP");
		if (dirs) {	/* "outside,inside" -> direction: [outside, inside] */
			char tmp[128];
			snprintf(tmp, sizeof(tmp), "%s", dirs);
			char *comma = strchr(tmp, ',');
			if (!comma)
				die("-D wants two interface names: DIR1,DIR2");
			*comma = 0;
			sb_str(&d, "direction");
			sb_add(&d, "l", 1);
			sb_str(&d, tmp);
			sb_str(&d, comma + 1);
			sb_add(&d, "e", 1);
		}
		sb_add(&d, "e", 1);
		char *inside_sdp = ng_sdp(&d, "offer", i);
		d.len = 0;
		snprintf(sdp, sizeof(sdp),
		    "v=0\r\no=um %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		    "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n",
		    i + 1, umip, umip, ntohs(uma.sin_port));
		sb_add(&d, "d", 1);
		sb_kv(&d, "command", "answer");
		sb_kv(&d, "call-id", cid);
		sb_kv(&d, "from-tag", ftag);
		sb_kv(&d, "to-tag", ttag);
		sb_kv(&d, "sdp", sdp);
		sb_add(&d, "e", 1);
		char *outside_sdp = ng_sdp(&d, "answer", i);
		free(d.p);
		char ia[64], oa[64], s1[64], k1[128], s2[64], k2[128];
		int ip, op;
		sdp_media(inside_sdp, ia, sizeof(ia), &ip, s1, k1);
		sdp_media(outside_sdp, oa, sizeof(oa), &op, s2, k2);
		if (!*ia || !ip || !*oa || !op || !*s2)
			die("call %d: cannot read the rewritten SDPs:\n--- toward the UM:\n%s--- toward the gateway:\n%s",
			    i, inside_sdp, outside_sdp);
		if (*s1)
			die("call %d: the SDP toward the UM server still has a=crypto:\n%s", i, inside_sdp);
		fprintf(f, "%s:%d %s:%d %s %s %s %s\n", oa, op, ia, ip, suite, kb, s2, k2);
		if (i == 0) {	/* show what the relay made of the first call */
			fprintf(stderr, "  call 0, SDP to the UM server: %s",
			    strstr(inside_sdp, "m=audio") ? strstr(inside_sdp, "m=audio") : "?");
			fprintf(stderr, "  call 0, SDP to the gateway:   %s",
			    strstr(outside_sdp, "m=audio") ? strstr(outside_sdp, "m=audio") : "?");
		}
		free(inside_sdp);
		free(outside_sdp);
	}
	if (f && fclose(f) != 0)
		die("%s: write error", out);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		die("usage: mediagen run|header|ng-setup|ng-delete ... (see the comment at the top of mediagen.c)");
	if (strcmp(argv[1], "header") == 0) {
		printf(header_text);
		return 0;
	}
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "ng-setup") == 0)
		return cmd_ng(argc - 1, argv + 1, 1);
	if (strcmp(argv[1], "ng-delete") == 0)
		return cmd_ng(argc - 1, argv + 1, 0);
	die("unknown command %s", argv[1]);
	return 1;
}
