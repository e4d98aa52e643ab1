/* Helpers every command group uses: errors, the config, simple options. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl.h"
#include "proxy/conf.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("umsbcctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct conf *
ctl_conf(struct ctl *c)
{
	char err[1024] = "";

	if (c->conf)
		return c->conf;
	if (!(c->conf = conf_load(c->conf_file, err, sizeof(err))))
		ctl_err("%s (the store locations come from the config; give another with -c FILE)", err);
	return c->conf;
}

int
ctl_stores(struct ctl *c, struct certs_stores *s)
{
	struct conf *cf = ctl_conf(c);

	if (!cf)
		return -1;
	s->cert_store = cf->tls.cert_store;
	s->trust_store = cf->tls.trust_store;
	s->system_roots = 1;	/* as umsbcd: commercial CAs are in the system store */
	return 0;
}

int
ctl_simple_opts(struct ctl *c, int argc, char **argv, const char *usage)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': c->json = 1; break;
		case 'h': printf("usage: umsbcctl [-c FILE] cert %s\n", usage); return CTL_OK;
		default:
			fprintf(stderr, "usage: umsbcctl [-c FILE] cert %s\n", usage);
			return CTL_USAGE;
		}
	}
	return -1;
}
