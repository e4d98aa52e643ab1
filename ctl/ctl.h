/* umsbcctl: shared state of one invocation and the command groups. */
#ifndef UMSBC_CTL_H
#define UMSBC_CTL_H

#include <stdio.h>
#include <time.h>

#include "certs/scan.h"

#define DEFAULT_CONF SYSCONFDIR "/umsbc/umsbc.conf"

/* Exit codes. */
enum { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2 };

struct conf;

struct ctl {
	const char *conf_file;
	int json;		/* --json given (before or after the command) */
	struct conf *conf;	/* loaded on first use */
	time_t now;		/* one clock reading for the whole run */
};

/* "umsbcctl: ..." on stderr. */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The config, loaded once; NULL after printing why. */
struct conf *ctl_conf(struct ctl *c);

/* The store locations of the config, with the system CAs trusted. */
int ctl_stores(struct ctl *c, struct certs_stores *s);

/* Command groups: argv[0] is the group's subcommand. */
int cmd_cert(struct ctl *c, int argc, char **argv);
void cmd_cert_usage(FILE *f);

/* status and reload: the running daemon (cmd_daemon.c). */
int cmd_status(struct ctl *c, int argc, char **argv);
int cmd_reload(struct ctl *c, int argc, char **argv);
void cmd_daemon_usage(FILE *f);
/* Sends cmd over the control socket; the answer (without the final ".")
 * in buf. 0, or -1 after printing why. */
int ctl_ask(struct ctl *c, const char *cmd, char *buf, size_t size);

/* test-connectivity (cmd_test.c). */
int cmd_test_connectivity(struct ctl *c, int argc, char **argv);

/* cert trust / untrust / trusted (cmd_trust.c). */
int cmd_cert_trust(struct ctl *c, int argc, char **argv);
int cmd_cert_untrust(struct ctl *c, int argc, char **argv);
int cmd_cert_trusted(struct ctl *c, int argc, char **argv);

/* Parses the options common to every subcommand without other options:
 * --json and -h. Returns -1 to go on, or an exit code. Positional
 * arguments are left at argv[optind..]. */
int ctl_simple_opts(struct ctl *c, int argc, char **argv, const char *usage);

#endif
