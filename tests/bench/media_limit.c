/* media_limit [SECONDS] -- what one relayed packet must cost on this
 * machine at the least: the system calls and the SRTP a relay cannot avoid,
 * measured in thread CPU time (as media.sh's packets per core are):
 *
 *   recv     recvmmsg, 32 datagrams per call, per datagram
 *   send     sendmmsg, 32 per call, to a loopback socket (the delivery into
 *            the receiver's queue runs in the sender's system call), per datagram
 *   protect, unprotect   SRTP AES_CM_128_HMAC_SHA1_80 of a 172-byte RTP packet
 *            with the relay's own contexts (libmedia: libsrtp2 on OpenSSL)
 *
 * A bridged call relays half its packets SRTP -> RTP (unprotect) and half
 * RTP -> SRTP (protect), so the limit per packet is recv + send + the mean of
 * protect and unprotect; its inverse is the packets/s per core no relay on
 * this machine beats with these system calls. One line of figures, then
 * "limit_pps_per_core N" for scripts. */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media/sdes.h"
#include "media/srtp_ctx.h"

#define BATCH 32
#define PKT 182			/* 12 RTP + 160 PCMU + 10 tag */
#define RTP_LEN 172

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
udp_on_loopback(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fd;
}

/* Microseconds of CPU per datagram for send and receive, over secs. */
static void
syscalls(double secs, double *send_us, double *recv_us)
{
	struct sockaddr_in to, from;
	int rx = udp_on_loopback(&to), tx = udp_on_loopback(&from);
	static uint8_t out[BATCH][PKT], in[BATCH][2048];
	struct mmsghdr sm[BATCH], rm[BATCH];
	struct iovec si[BATCH], ri[BATCH];
	struct sockaddr_in src[BATCH];
	double t_send = 0, t_recv = 0;
	long n = 0;

	memset(sm, 0, sizeof(sm));
	for (int i = 0; i < BATCH; i++) {
		memset(out[i], 0x80 + i, PKT);
		si[i] = (struct iovec){ out[i], PKT };
		sm[i].msg_hdr.msg_name = &to;
		sm[i].msg_hdr.msg_namelen = sizeof(to);
		sm[i].msg_hdr.msg_iov = &si[i];
		sm[i].msg_hdr.msg_iovlen = 1;
	}
	while (t_send + t_recv < secs) {
		for (int i = 0; i < BATCH; i++) {
			ri[i] = (struct iovec){ in[i], sizeof(in[i]) };
			memset(&rm[i], 0, sizeof(rm[i]));
			rm[i].msg_hdr.msg_name = &src[i];
			rm[i].msg_hdr.msg_namelen = sizeof(src[i]);
			rm[i].msg_hdr.msg_iov = &ri[i];
			rm[i].msg_hdr.msg_iovlen = 1;
		}
		double t0 = cpu_now();
		if (sendmmsg(tx, sm, BATCH, 0) != BATCH)
			die("sendmmsg");
		double t1 = cpu_now();
		if (recvmmsg(rx, rm, BATCH, MSG_DONTWAIT, NULL) != BATCH)
			die("recvmmsg");
		double t2 = cpu_now();
		t_send += t1 - t0;
		t_recv += t2 - t1;
		n += BATCH;
	}
	*send_us = t_send * 1e6 / (double)n;
	*recv_us = t_recv * 1e6 / (double)n;
	close(rx);
	close(tx);
}

/* Microseconds of CPU per packet for SRTP protect and unprotect, timed
 * over runs of SRUN packets (a thread CPU clock read is a system call). */
#define SRUN 1024

static void
srtp(double secs, double *prot_us, double *unprot_us)
{
	static uint8_t pkt[SRUN][RTP_LEN + SRTPCTX_TRAILER];
	static int len[SRUN];
	struct sdes_crypto k;
	struct srtpctx *o, *i;
	double t_p = 0, t_u = 0;
	long n = 0;

	if (media_srtpctx_global_init() < 0 ||
	    media_sdes_generate(SDES_AES_CM_128_HMAC_SHA1_80, 1, &k) != SDES_OK ||
	    !(o = media_srtpctx_new(&k.key, SRTPCTX_OUTBOUND)) ||
	    !(i = media_srtpctx_new(&k.key, SRTPCTX_INBOUND)))
		die("srtp contexts");
	while (t_p + t_u < secs) {
		for (int j = 0; j < SRUN; j++) {
			uint16_t seq = htons((uint16_t)(n + j));
			memset(pkt[j], 0x55, RTP_LEN);
			pkt[j][0] = 0x80;
			pkt[j][1] = 0;
			memcpy(pkt[j] + 2, &seq, 2);
			memcpy(pkt[j] + 8, "\x12\x34\x56\x78", 4);
			len[j] = RTP_LEN;
		}
		double t0 = cpu_now();
		for (int j = 0; j < SRUN; j++)
			if (media_srtpctx_protect(o, pkt[j], &len[j], 0) != SRTPCTX_OK)
				die("protect");
		double t1 = cpu_now();
		for (int j = 0; j < SRUN; j++)
			if (media_srtpctx_unprotect(i, pkt[j], &len[j], 0) != SRTPCTX_OK ||
			    len[j] != RTP_LEN)
				die("unprotect");
		double t2 = cpu_now();
		t_p += t1 - t0;
		t_u += t2 - t1;
		n += SRUN;
	}
	*prot_us = t_p * 1e6 / (double)n;
	*unprot_us = t_u * 1e6 / (double)n;
	media_srtpctx_free(o);
	media_srtpctx_free(i);
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0, send_us, recv_us, p_us, u_us;

	if (secs <= 0)
		secs = 1.0;
	syscalls(secs, &send_us, &recv_us);
	srtp(secs / 2, &p_us, &u_us);
	double per = recv_us + send_us + (p_us + u_us) / 2;
	printf("limit: recvmmsg %.2f us + sendmmsg with loopback delivery %.2f us (batches of %d) + "
	    "SRTP %.2f us (protect %.2f, unprotect %.2f) = %.2f us per relayed packet = %.0f packets/s per core\n",
	    recv_us, send_us, BATCH, (p_us + u_us) / 2, p_us, u_us, per, 1e6 / per);
	printf("limit_pps_per_core %.0f\n", 1e6 / per);
	return 0;
}
