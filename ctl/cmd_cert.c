/* umsbcctl cert ...: the certificate store, offline (umsbcd need not run).
 * Changes take effect in umsbcd at its next reload or start. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "certs/export.h"
#include "certs/generate.h"
#include "certs/request.h"
#include "certs/select.h"
#include "ctl/cert_print.h"
#include "ctl/ctl.h"
#include "ctl/json.h"
#include "proxy/conf.h"

#define MAX_SANS 32
#define RELOAD_HINT "umsbcd takes it at its next reload (systemctl reload umsbcd) or start"

void
cmd_cert_usage(FILE *f)
{
	fprintf(f,
	    "cert commands:\n"
	    "  cert list [--json]                 every certificate of the store, valid or why not\n"
	    "  cert selected [--json]             the one umsbcd uses, and why\n"
	    "  cert new-self-signed [--cn NAME] [--san DNS]... [--days N] [--key ec256|rsa2048]\n"
	    "                                     generate one into the store (default CN: host name)\n"
	    "  cert request --cn NAME [--san DNS]... [--key ec256|rsa2048] [--out FILE]\n"
	    "                                     a PKCS#10 request for your CA; the key stays in the store\n"
	    "  cert import FILE                   the certificate your CA issued (with its chain)\n"
	    "  cert export [--thumbprint T] [--der] [--out FILE]\n"
	    "                                     our certificate (default: the selected one) for the gateways\n"
	    "  cert trust FILE                    add a CA root or peer certificate to the trust store\n"
	    "  cert untrust THUMBPRINT            remove one from the trust store\n"
	    "  cert trusted [--json]              list the trust store\n");
}

/* The store scanned at c->now; -1 after printing why. */
static int
scan_store(struct ctl *c, struct certs_stores *s, struct certs_list *l)
{
	char err[1024] = "";

	if (ctl_stores(c, s) != 0)
		return -1;
	if (certs_scan(s, c->now, l, err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return -1;
	}
	return 0;
}

static int
cert_list(struct ctl *c, int argc, char **argv)
{
	struct certs_stores s;
	struct certs_list l;
	int r = ctl_simple_opts(c, argc, argv, "list [--json]");

	if (r >= 0)
		return r;
	if (optind < argc) {
		ctl_err("cert list takes no arguments");
		return CTL_USAGE;
	}
	if (scan_store(c, &s, &l) != 0)
		return CTL_FAIL;
	cert_print_list(stdout, &l, s.cert_store, c->json, 1);
	certs_list_free(&l);
	return CTL_OK;
}

static int
cert_selected(struct ctl *c, int argc, char **argv)
{
	struct certs_stores s;
	struct certs_list l;
	char why[512];
	int r = ctl_simple_opts(c, argc, argv, "selected [--json]");

	if (r >= 0)
		return r;
	if (optind < argc) {
		ctl_err("cert selected takes no arguments");
		return CTL_USAGE;
	}
	if (scan_store(c, &s, &l) != 0)
		return CTL_FAIL;
	certs_why(&l, why, sizeof(why));
	if (c->json) {
		fputs("{\"why\":", stdout);
		json_str(stdout, why);
		fputs(",\"certificate\":", stdout);
		if (certs_selected(&l))
			cert_print_json(stdout, certs_selected(&l), 1, 1);
		else
			fputs("null", stdout);
		fputs("}\n", stdout);
	} else if (certs_selected(&l)) {
		cert_print_text(stdout, certs_selected(&l), 1, 1);
		printf("  why:        %s\n", why);
	}
	if (!certs_selected(&l))
		ctl_err("no valid certificate in %s: %s. umsbcd generates a self-signed one when it starts "
		    "with TLS; or run: umsbcctl cert new-self-signed, or cert request and cert import",
		    s.cert_store, why);
	r = certs_selected(&l) ? CTL_OK : CTL_FAIL;
	certs_list_free(&l);
	return r;
}

struct gen_opts {
	struct certs_gen gen;
	const char *sans[MAX_SANS + 3];
	int n_sans;
	const char *out;
	char host[256];
};

/* Options shared by new-self-signed and request. Returns -1 to go on. */
static int
parse_gen(struct ctl *c, int argc, char **argv, struct gen_opts *o, const char *usage, int allow_days)
{
	static const struct option opts[] = {
		{ "cn", required_argument, NULL, 'n' },
		{ "san", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': o->gen.cn = optarg; break;
		case 's':
			if (o->n_sans == MAX_SANS) {
				ctl_err("at most %d --san", MAX_SANS);
				return CTL_USAGE;
			}
			o->sans[o->n_sans++] = optarg;
			break;
		case 'd':
			o->gen.days = (int)strtol(optarg, &end, 10);
			if (!allow_days || *end || o->gen.days < 1 || o->gen.days > 3650) {
				ctl_err("--days: \"%s\" is not a number of days from 1 to 3650", optarg);
				return CTL_USAGE;
			}
			break;
		case 'k':
			if (certs_key_type_parse(optarg, &o->gen.key) != 0) {
				ctl_err("--key: \"%s\" is not ec256 or rsa2048", optarg);
				return CTL_USAGE;
			}
			break;
		case 'o': o->out = optarg; break;
		case 'j': c->json = 1; break;
		case 'h': printf("usage: umsbcctl [-c FILE] cert %s\n", usage); return CTL_OK;
		default: fprintf(stderr, "usage: umsbcctl [-c FILE] cert %s\n", usage); return CTL_USAGE;
		}
	}
	if (optind < argc) {
		ctl_err("unexpected argument \"%s\"", argv[optind]);
		return CTL_USAGE;
	}
	return -1;
}

/* Prints the entry of the store file path, as scanned. */
static void
show_stored(struct ctl *c, const struct certs_stores *s, const char *path)
{
	struct certs_list l;
	char err[512];

	if (certs_scan(s, c->now, &l, err, sizeof(err)) != 0)
		return;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].path, path) != 0)
			continue;
		if (c->json) {
			cert_print_json(stdout, &l.v[i], (int)i == l.selected, 1);
			putchar('\n');
		} else {
			cert_print_text(stdout, &l.v[i], (int)i == l.selected, 1);
			printf("%s\n", (int)i == l.selected ? "This is now the selected certificate: " RELOAD_HINT "." :
			    "Not selected: a certificate ahead of it in the selection order stays in use (see: umsbcctl cert list).");
		}
	}
	certs_list_free(&l);
}

static int
cert_new_self_signed(struct ctl *c, int argc, char **argv)
{
	struct gen_opts o = { .gen = { .key = CERTS_KEY_EC256 } };
	struct certs_stores s;
	char path[1024], err[1024] = "";
	int r = parse_gen(c, argc, argv, &o,
	    "new-self-signed [--cn NAME] [--san DNS]... [--days N] [--key ec256|rsa2048]", 1);

	if (r >= 0)
		return r;
	if (o.out) {
		ctl_err("new-self-signed writes into the store; --out is for request and export");
		return CTL_USAGE;
	}
	if (ctl_stores(c, &s) != 0)
		return CTL_FAIL;
	/* As umsbcd would: CN the host name, SANs it and node.fqdn. */
	if (gethostname(o.host, sizeof(o.host) - 1) != 0)
		snprintf(o.host, sizeof(o.host), "localhost");
	if (!o.gen.cn)
		o.gen.cn = o.host;
	o.sans[o.n_sans++] = o.host;
	o.sans[o.n_sans++] = c->conf->fqdn;
	o.gen.sans = o.sans;
	if (certs_generate_self_signed(s.cert_store, &o.gen, c->now, path, sizeof(path), err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	show_stored(c, &s, path);
	return CTL_OK;
}

static int
write_out(const char *out, const void *data, size_t len)
{
	FILE *f = out ? fopen(out, "w") : stdout;

	if (!f) {
		ctl_err("cannot write %s: %m", out);
		return CTL_FAIL;
	}
	if (fwrite(data, 1, len, f) != len || (out ? fclose(f) : fflush(f)) != 0) {
		ctl_err("cannot write %s: %m", out ? out : "standard output");
		return CTL_FAIL;
	}
	return CTL_OK;
}

static int
cert_request(struct ctl *c, int argc, char **argv)
{
	struct gen_opts o = { .gen = { .key = CERTS_KEY_EC256 } };
	struct certs_stores s;
	X509_REQ *req = NULL;
	char key_path[1024], err[1024] = "", *data;
	BIO *b;
	long n;
	int r = parse_gen(c, argc, argv, &o,
	    "request --cn NAME [--san DNS]... [--key ec256|rsa2048] [--out FILE]", 0);

	if (r >= 0)
		return r;
	if (!o.gen.cn) {
		ctl_err("request needs --cn NAME (the name the gateways will see, e.g. node.fqdn)");
		return CTL_USAGE;
	}
	if (ctl_stores(c, &s) != 0)
		return CTL_FAIL;
	o.gen.sans = o.sans;
	if (certs_make_request(s.cert_store, &o.gen, &req, key_path, sizeof(key_path), err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	b = BIO_new(BIO_s_mem());
	if (b && PEM_write_bio_X509_REQ(b, req) && (n = BIO_get_mem_data(b, &data)) > 0)
		r = write_out(o.out, data, (size_t)n);
	else
		r = CTL_FAIL;
	BIO_free(b);
	X509_REQ_free(req);
	if (r == CTL_OK)
		fprintf(stderr, "The key waits in %s. Send the request to your CA, then: umsbcctl cert import ISSUED.pem "
		    "(and, unless the CA is a commercial one, umsbcctl cert trust ROOT.pem).\n", key_path);
	return r;
}

static int
cert_import(struct ctl *c, int argc, char **argv)
{
	struct certs_stores s;
	char path[1024], err[1024] = "";
	int r = ctl_simple_opts(c, argc, argv, "import FILE");

	if (r >= 0)
		return r;
	if (optind != argc - 1) {
		ctl_err("import takes one FILE: the certificate your CA issued (PEM with its chain, or DER)");
		return CTL_USAGE;
	}
	if (ctl_stores(c, &s) != 0)
		return CTL_FAIL;
	if (certs_import(s.cert_store, argv[optind], path, sizeof(path), err, sizeof(err)) != 0) {
		ctl_err("%s", err);
		return CTL_FAIL;
	}
	show_stored(c, &s, path);
	return CTL_OK;
}

static int
cert_export(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "thumbprint", required_argument, NULL, 't' },
		{ "der", no_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "export [--thumbprint T] [--der] [--out FILE]";
	const char *thumb = NULL, *out = NULL;
	const struct certs_entry *e;
	struct certs_stores s;
	struct certs_list l;
	unsigned char *data;
	size_t len;
	int ch, der = 0, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't': thumb = optarg; break;
		case 'd': der = 1; break;
		case 'o': out = optarg; break;
		case 'h': printf("usage: umsbcctl [-c FILE] cert %s\n", usage); return CTL_OK;
		default: fprintf(stderr, "usage: umsbcctl [-c FILE] cert %s\n", usage); return CTL_USAGE;
		}
	}
	if (optind < argc) {
		ctl_err("unexpected argument \"%s\"", argv[optind]);
		return CTL_USAGE;
	}
	if (der && !out && isatty(STDOUT_FILENO)) {
		ctl_err("--der is binary: give --out FILE or redirect the output");
		return CTL_USAGE;
	}
	if (scan_store(c, &s, &l) != 0)
		return CTL_FAIL;
	e = thumb ? certs_find(&l, thumb) : certs_selected(&l);
	if (!e) {
		if (thumb)
			ctl_err("no certificate with thumbprint %s in %s (see: umsbcctl cert list)", thumb, s.cert_store);
		else
			ctl_err("no valid certificate is selected in %s; give --thumbprint T (see: umsbcctl cert list)",
			    s.cert_store);
		certs_list_free(&l);
		return CTL_FAIL;
	}
	if (!(data = certs_export(e->cert, der, &len))) {
		ctl_err("cannot encode %s", e->path);
		r = CTL_FAIL;
	} else
		r = write_out(out, data, len);
	free(data);
	certs_list_free(&l);
	return r;
}

struct sub {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv);
};

static const struct sub subs[] = {
	{ "list", cert_list },
	{ "selected", cert_selected },
	{ "new-self-signed", cert_new_self_signed },
	{ "request", cert_request },
	{ "import", cert_import },
	{ "export", cert_export },
	{ "trust", cmd_cert_trust },
	{ "untrust", cmd_cert_untrust },
	{ "trusted", cmd_cert_trusted },
};

int
cmd_cert(struct ctl *c, int argc, char **argv)
{
	if (argc < 1) {
		ctl_err("cert needs a subcommand");
		cmd_cert_usage(stderr);
		return CTL_USAGE;
	}
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
		cmd_cert_usage(stdout);
		return CTL_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[0], subs[i].name) == 0)
			return subs[i].run(c, argc, argv);
	ctl_err("unknown cert subcommand \"%s\" (see: umsbcctl cert -h)", argv[0]);
	return CTL_USAGE;
}
