/* umsbcctl: the administrator's tool for umsbcd. main() reads the global
 * options and hands the rest to a command group (cert now; reload and
 * status, which talk to the daemon's control socket, come later). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "proxy/conf.h"

struct group {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
	void (*usage)(FILE *f);
};

static const struct group groups[] = {
	{ "cert", cmd_cert, cmd_cert_usage },
	{ "status", cmd_status, cmd_daemon_usage },
	{ "reload", cmd_reload, NULL },		/* listed with status */
	{ "test-connectivity", cmd_test_connectivity, NULL },	/* likewise */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: umsbcctl [-c FILE] [--json] COMMAND ...\n"
	    "       umsbcctl -h | -V\n"
	    "\n"
	    "  -c, --config FILE  configuration of umsbcd (default %s);\n"
	    "                     the certificate and trust store locations come from it\n"
	    "      --json         listings as JSON\n"
	    "  -h, --help         this help; \"umsbcctl cert -h\" for the cert commands\n"
	    "  -V, --version      version\n"
	    "\n", DEFAULT_CONF);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].usage)
			groups[i].usage(f);
	fprintf(f, "\nExit status: 0 success, 1 failure, 2 usage error.  See umsbcctl(8).\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { .conf_file = DEFAULT_CONF, .now = time(NULL) };
	int ch, r = CTL_USAGE;

	/* "+": stop at the command, its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c.conf_file = optarg; break;
		case 'j': c.json = 1; break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': printf("umsbcctl %s\n", PACKAGE_VERSION); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		ctl_err("no command given");
		usage(stderr);
		return CTL_USAGE;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(argv[optind], groups[i].name) == 0) {
			r = groups[i].run(&c, argc - optind - 1, argv + optind + 1);
			goto done;
		}
	ctl_err("unknown command \"%s\" (see umsbcctl -h)", argv[optind]);
done:
	conf_free(c.conf);
	return r;
}
