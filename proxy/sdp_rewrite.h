/* SDP offers and answers through sofia-sip's sdp parser and printer: what a
 * body asks for (per m= line), and the same body as one leg must see it
 * (our addresses and ports, RTP/AVP or RTP/SAVP with our a=crypto). The
 * numbers come from media/; this file only reads and writes SDP. */
#ifndef UMSBC_SDP_REWRITE_H
#define UMSBC_SDP_REWRITE_H

#include <stddef.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#define SDPR_MAX_STREAMS 8
#define SDPR_MAX_CRYPTO 8
#define SDPR_CRYPTO_LEN 200

enum sdpr_kind { SDPR_RTP, SDPR_UDPTL, SDPR_OTHER };

struct sdpr_stream {
	enum sdpr_kind kind;
	char media[16];		/* audio, image, ... */
	unsigned port;		/* 0: rejected */
	int secure;		/* offered as RTP/SAVP */
	char addr[64];		/* where the peer wants media (c=) */
	int rtcp_mux;
	unsigned rtcp_port;	/* a=rtcp, 0 = port + 1 */
	int mode;		/* sdp_mode_t: inactive 0, sendonly 1, recvonly 2, sendrecv 3 */
	int n_crypto;
	char crypto[SDPR_MAX_CRYPTO][SDPR_CRYPTO_LEN];	/* a=crypto values, in order */
};

struct sdpr {
	su_home_t home[1];
	sdp_parser_t *parser;
	sdp_session_t *sess;
	unsigned long o_version;
	int n;
	struct sdpr_stream s[SDPR_MAX_STREAMS];
};

/* Parses body into d (d needs no set-up). Returns 0, or -1 with *why, which
 * may point into d: read it before sdpr_free(). Call sdpr_free() in both
 * cases. */
int sdpr_read(struct sdpr *d, const char *body, size_t len, const char **why);
void sdpr_free(struct sdpr *d);

/* How one leg must see the session. */
struct sdpr_leg {
	const char *addr;			/* our media address on that leg */
	unsigned long o_version;		/* that leg's own o= version */
	int secure;				/* RTP/SAVP with crypto[] below */
	unsigned port[SDPR_MAX_STREAMS];	/* ours; 0 rejects (or keeps rejected) */
	int rtcp_mux[SDPR_MAX_STREAMS];
	const char *crypto[SDPR_MAX_STREAMS][SDPR_MAX_CRYPTO + 1];	/* NULL-ended */
};

/* The session of d as leg sees it. malloc'ed text, *len its length. */
char *sdpr_write(struct sdpr *d, const struct sdpr_leg *leg, size_t *len);

#endif
