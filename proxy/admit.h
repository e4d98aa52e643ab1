/* The trusted-device list: who may talk to us, decided from the transport,
 * the source address and the verified certificate names alone. */
#ifndef UMSBC_ADMIT_H
#define UMSBC_ADMIT_H

#include "conf.h"
#include "refusal.h"

enum admit_verdict {
	ADMIT_OK,
	ADMIT_DROP,		/* say nothing (UDP from strangers) */
	ADMIT_CLOSE,		/* close the connection (a stranger, after its handshake) */
	ADMIT_FORBIDDEN,	/* a listed gateway on the wrong port: 403, then close */
};

struct admission {
	enum admit_verdict verdict;
	const char *reason;
	int gateway;		/* index, outside peers */
	int um;			/* index, inside peers */
	enum refusal refusal;	/* why not ADMIT_OK, as a counter label */
};

/* names: SAN dNSNames of the verified client certificate, else its CN. */
struct admission admit_outside(const struct conf *c, enum transport tp,
    const struct sockaddr *src, const char *const *names, int n_names);
struct admission admit_inside(const struct conf *c, const struct sockaddr *src);

/* A gateway whose addresses include src, or -1. */
int admit_gateway_by_address(const struct conf *c, const struct sockaddr *src);

#endif
