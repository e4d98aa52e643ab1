/* umsbcctl cert trust / untrust / trusted: the trust store (CA roots and
 * the gateways' imported certificates). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "certs/trust.h"
#include "ctl/cert_print.h"
#include "ctl/ctl.h"

#define RELOAD_HINT "umsbcd applies it at its next reload (systemctl reload umsbcd)"

/* One positional argument after the simple options; -1 to go on. */
static int
one_arg(struct ctl *c, int argc, char **argv, const char *usage, const char *what)
{
	int r = ctl_simple_opts(c, argc, argv, usage);

	if (r >= 0)
		return r;
	if (optind != argc - 1) {
		ctl_err("%s takes one %s", argv[0], what);
		return CTL_USAGE;
	}
	return -1;
}

int
cmd_cert_trust(struct ctl *c, int argc, char **argv)
{
	struct certs_stores s;
	char err[1024] = "";
	int already, n, r = one_arg(c, argc, argv, "trust FILE", "FILE (PEM, may hold several, or DER)");

	if (r >= 0)
		return r;
	if (ctl_stores(c, &s) != 0)
		return CTL_FAIL;
	if ((n = certs_trust_add(s.trust_store, argv[optind], &already, err, sizeof(err))) < 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	printf("%d certificate%s added to %s", n, n == 1 ? "" : "s", s.trust_store);
	if (already)
		printf(", %d already trusted", already);
	printf(n ? ". %s.\n" : ".%s\n", n ? RELOAD_HINT : "");
	return CTL_OK;
}

int
cmd_cert_untrust(struct ctl *c, int argc, char **argv)
{
	struct certs_stores s;
	char err[1024] = "";
	int n, r = one_arg(c, argc, argv, "untrust THUMBPRINT", "THUMBPRINT (see: umsbcctl cert trusted)");

	if (r >= 0)
		return r;
	if (ctl_stores(c, &s) != 0)
		return CTL_FAIL;
	if ((n = certs_trust_remove(s.trust_store, argv[optind], err, sizeof(err))) <= 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	printf("removed from %s. %s; established connections keep running.\n", s.trust_store, RELOAD_HINT);
	return CTL_OK;
}

int
cmd_cert_trusted(struct ctl *c, int argc, char **argv)
{
	struct certs_stores s;
	struct certs_list l;
	char err[1024] = "";
	int r = ctl_simple_opts(c, argc, argv, "trusted [--json]");

	if (r >= 0)
		return r;
	if (optind < argc) {
		ctl_err("trusted takes no arguments");
		return CTL_USAGE;
	}
	if (ctl_stores(c, &s) != 0)
		return CTL_FAIL;
	if (certs_trust_list(s.trust_store, c->now, &l, err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	cert_print_list(stdout, &l, s.trust_store, c->json, 0);
	certs_list_free(&l);
	return CTL_OK;
}
