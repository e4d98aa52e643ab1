/* certs/: selection order, validity, generation, requests, import/export,
 * trust store and the expiry schedule. Every certificate is made here with
 * the OpenSSL API; the clock is the fixed NOW, never the system's. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "check_run.h"
#include "certs/expiry.h"
#include "certs/export.h"
#include "certs/generate.h"
#include "certs/info.h"
#include "certs/request.h"
#include "certs/scan.h"
#include "certs/select.h"
#include "certs/store.h"
#include "certs/trust.h"

#define DAY 86400L
#define NOW ((time_t)1750000000)	/* 2025-06-15T15:06:40Z */

/* ---- fixtures: a temporary store and trust store ---- */

static char base[64], store[128], trustd[128];
static struct certs_stores stores;

static void
setup(void)
{
	snprintf(base, sizeof(base), "/tmp/umsbc-certs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(store, sizeof(store), "%s/store", base);
	snprintf(trustd, sizeof(trustd), "%s/trust", base);
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(mkdir(trustd, 0755), 0);
	/* No system roots: the outcome must not depend on the host. */
	stores = (struct certs_stores){ store, trustd, 0 };
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);	/* a mkdtemp name: no quoting issue */
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- certificates made with the OpenSSL API ---- */

struct mk {
	const char *cn;
	EVP_PKEY *key;		/* the subject's key */
	X509 *issuer;		/* NULL: self-signed */
	EVP_PKEY *issuer_key;
	time_t nb, na;
	const char *eku;	/* NULL: no EKU extension */
	int ca;
};

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ck_assert_ptr_nonnull(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *
mk_cert(const struct mk *m)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509 *iss = m->issuer ? m->issuer : x;
	X509_NAME *n = X509_NAME_new();
	char san[300];

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)m->cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, m->issuer ? X509_get_subject_name(m->issuer) : n);
	X509_NAME_free(n);
	ASN1_TIME_set(X509_getm_notBefore(x), m->nb);
	ASN1_TIME_set(X509_getm_notAfter(x), m->na);
	X509_set_pubkey(x, m->key);
	if (m->ca) {
		ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		snprintf(san, sizeof(san), "DNS:%s", m->cn);
		ext(x, iss, NID_subject_alt_name, san);
	}
	if (m->eku)
		ext(x, iss, NID_ext_key_usage, m->eku);
	ck_assert_int_gt(X509_sign(x, m->issuer_key ? m->issuer_key : m->key, EVP_sha256()), 0);
	return x;
}

static EVP_PKEY *
ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(k);
	return k;
}

/* A leaf valid from NOW-10d to NOW+days, serverAuth+clientAuth. */
static X509 *
leaf(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, long days)
{
	struct mk m = { cn, key, ca, ca_key, NOW - 10 * DAY, NOW + days * DAY,
		"serverAuth,clientAuth", 0 };
	return mk_cert(&m);
}

static X509 *
root_ca(const char *cn, EVP_PKEY *key)
{
	struct mk m = { cn, key, NULL, NULL, NOW - 3650 * DAY, NOW + 7300 * DAY, NULL, 1 };
	return mk_cert(&m);
}

static void
write_pem(const char *path, X509 *x, X509 *chain, EVP_PKEY *key, mode_t mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	PEM_write_X509(f, x);
	if (chain)
		PEM_write_X509(f, chain);
	if (key)
		PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Puts cert (+chain) and its key into the store as NAME.pem, 0600. */
static void
store_put(const char *name, X509 *x, X509 *chain, EVP_PKEY *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.pem", store, name);
	write_pem(path, x, chain, key, 0600);
}

static void
trust_put(const char *name, X509 *x)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.pem", trustd, name);
	write_pem(path, x, NULL, NULL, 0644);
}

static void
thumb(X509 *x, char out[41])
{
	certs_thumbprint(x, out);
}

static void
scan(struct certs_list *l)
{
	char err[512] = "";
	ck_assert_msg(certs_scan(&stores, NOW, l, err, sizeof(err)) == 0, "%s", err);
}

/* The entry of l for x, failing if absent. */
static const struct certs_entry *
entry_of(const struct certs_list *l, X509 *x)
{
	char t[41];
	const struct certs_entry *e;

	thumb(x, t);
	e = certs_find(l, t);
	ck_assert_msg(e != NULL, "certificate %s not in the list", t);
	return e;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Runs cmd and returns its first output line (static) and exit status. */
static const char *
run(const char *cmd, int *status)
{
	static char line[512];
	FILE *p = popen(cmd, "r");

	ck_assert_ptr_nonnull(p);
	line[0] = '\0';
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	while (fgetc(p) != EOF)
		;
	*status = pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* Shared CA for the selection tests. */
static EVP_PKEY *ca_key;
static X509 *ca;

static void
setup_ca(void)
{
	setup();
	ca_key = ec_key();
	ca = root_ca("Test Root CA", ca_key);
	trust_put("root", ca);
}

static void
teardown_ca(void)
{
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	teardown();
}

/* ---- selection order ---- */

/* Adds a store file with a fresh key; returns the certificate (caller frees). */
static X509 *
add_ca_issued(const char *name, long days)
{
	EVP_PKEY *k = ec_key();
	X509 *x = leaf(name, k, ca, ca_key, days);
	store_put(name, x, NULL, k);
	EVP_PKEY_free(k);
	return x;
}

static X509 *
add_self_signed(const char *name, long days)
{
	EVP_PKEY *k = ec_key();
	X509 *x = leaf(name, k, NULL, NULL, days);
	store_put(name, x, NULL, k);
	EVP_PKEY_free(k);
	return x;
}

START_TEST(order_is_ca_long_ca_short_ss_long_ss_short)
{
	/* File names in the opposite order of the expected result. */
	X509 *ss_short = add_self_signed("a-ss-300", 300);
	X509 *ss_long = add_self_signed("b-ss-400", 400);
	X509 *ca_short = add_ca_issued("c-ca-100", 100);
	X509 *ca_long = add_ca_issued("d-ca-200", 200);
	X509 *want[] = { ca_long, ca_short, ss_long, ss_short };
	struct certs_list l;

	scan(&l);
	ck_assert_int_eq(l.n, 4);
	ck_assert_int_eq(l.selected, 0);
	for (int i = 0; i < 4; i++) {
		char t[41];
		thumb(want[i], t);
		ck_assert_msg(l.v[i].valid, "%s: %s", l.v[i].path, l.v[i].reason);
		ck_assert_str_eq(l.v[i].info.thumbprint, t);
	}
	ck_assert_int_eq(l.v[0].info.kind, CERTS_CA_ISSUED);
	ck_assert_int_eq(l.v[2].info.kind, CERTS_SELF_SIGNED);
	certs_list_free(&l);
	for (int i = 0; i < 4; i++)
		X509_free(want[i]);
}
END_TEST

START_TEST(short_ca_issued_beats_long_self_signed)
{
	X509 *ss = add_self_signed("ss", 3000);
	X509 *c = add_ca_issued("ca", 2);
	struct certs_list l;
	char why[512];

	scan(&l);
	ck_assert_ptr_eq(certs_selected(&l), entry_of(&l, c));
	certs_why(&l, why, sizeof(why));
	ck_assert_msg(strstr(why, "CA-issued") != NULL, "%s", why);
	certs_list_free(&l);
	X509_free(ss);
	X509_free(c);
}
END_TEST

START_TEST(self_signed_longest_when_no_ca_issued_is_valid)
{
	X509 *s1 = add_self_signed("ss1", 50);
	X509 *s2 = add_self_signed("ss2", 60);
	EVP_PKEY *k = ec_key();
	struct mk m = { "expired-ca", k, ca, ca_key, NOW - 400 * DAY, NOW - DAY, NULL, 0 };
	X509 *old = mk_cert(&m);
	struct certs_list l;
	char why[512];

	store_put("expired-ca", old, NULL, k);
	scan(&l);
	ck_assert_int_eq(l.n, 3);
	ck_assert_ptr_eq(certs_selected(&l), entry_of(&l, s2));
	ck_assert_ptr_eq(&l.v[1], entry_of(&l, s1));
	ck_assert_ptr_eq(&l.v[2], entry_of(&l, old));	/* invalid ones last */
	ck_assert(!l.v[2].valid);
	certs_why(&l, why, sizeof(why));
	ck_assert_msg(strstr(why, "self-signed") != NULL, "%s", why);
	certs_list_free(&l);
	X509_free(s1);
	X509_free(s2);
	X509_free(old);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(self_signed_shorter_is_the_last_resort)
{
	X509 *s = add_self_signed("only", 1);
	struct certs_list l;

	scan(&l);
	ck_assert_ptr_eq(certs_selected(&l), entry_of(&l, s));
	certs_list_free(&l);
	X509_free(s);
}
END_TEST

START_TEST(tie_on_not_after_takes_the_newer_then_the_lower_thumbprint)
{
	EVP_PKEY *k[3] = { ec_key(), ec_key(), ec_key() };
	struct mk old = { "old", k[0], ca, ca_key, NOW - 20 * DAY, NOW + 90 * DAY, NULL, 0 };
	struct mk nw = { "new", k[1], ca, ca_key, NOW - 5 * DAY, NOW + 90 * DAY, NULL, 0 };
	struct mk twin = { "twin", k[2], ca, ca_key, NOW - 5 * DAY, NOW + 90 * DAY, NULL, 0 };
	X509 *xo = mk_cert(&old), *xn = mk_cert(&nw), *xt = mk_cert(&twin);
	char tn[41], tt[41];
	struct certs_list l;

	store_put("z-old", xo, NULL, k[0]);
	store_put("y-new", xn, NULL, k[1]);
	store_put("x-twin", xt, NULL, k[2]);
	thumb(xn, tn);
	thumb(xt, tt);
	scan(&l);
	ck_assert_int_eq(l.n, 3);
	/* new and twin tie on both dates: the lower thumbprint comes first. */
	ck_assert_str_eq(l.v[0].info.thumbprint, strcmp(tn, tt) < 0 ? tn : tt);
	ck_assert_str_eq(l.v[1].info.thumbprint, strcmp(tn, tt) < 0 ? tt : tn);
	ck_assert_ptr_eq(&l.v[2], entry_of(&l, xo));
	certs_list_free(&l);
	for (int i = 0; i < 3; i++)
		EVP_PKEY_free(k[i]);
	X509_free(xo);
	X509_free(xn);
	X509_free(xt);
}
END_TEST

START_TEST(tie_break_does_not_depend_on_file_names)
{
	EVP_PKEY *k[2] = { ec_key(), ec_key() };
	struct mk a = { "a", k[0], ca, ca_key, NOW - DAY, NOW + 90 * DAY, NULL, 0 };
	struct mk b = { "b", k[1], ca, ca_key, NOW - DAY, NOW + 90 * DAY, NULL, 0 };
	X509 *xa = mk_cert(&a), *xb = mk_cert(&b);
	char first[41], path[256];
	struct certs_list l;

	store_put("1", xa, NULL, k[0]);
	store_put("2", xb, NULL, k[1]);
	scan(&l);
	snprintf(first, sizeof(first), "%s", l.v[0].info.thumbprint);
	certs_list_free(&l);
	/* Swap the file names: the same certificate must win. */
	snprintf(path, sizeof(path), "%s/1.pem", store);
	unlink(path);
	snprintf(path, sizeof(path), "%s/2.pem", store);
	unlink(path);
	store_put("1", xb, NULL, k[1]);
	store_put("2", xa, NULL, k[0]);
	scan(&l);
	ck_assert_str_eq(l.v[0].info.thumbprint, first);
	certs_list_free(&l);
	EVP_PKEY_free(k[0]);
	EVP_PKEY_free(k[1]);
	X509_free(xa);
	X509_free(xb);
}
END_TEST

/* One invalid certificate beside a valid self-signed fallback: the fallback
 * is selected, and the invalid one's reason contains `why`. */
static void
expect_excluded(X509 *bad, const char *why)
{
	X509 *fallback = add_self_signed("fallback", 10);
	struct certs_list l;
	const struct certs_entry *e;

	scan(&l);
	e = entry_of(&l, bad);
	ck_assert_msg(!e->valid, "%s was accepted", e->path);
	ck_assert_msg(strstr(e->reason, why) != NULL, "reason \"%s\" lacks \"%s\"", e->reason, why);
	ck_assert_ptr_eq(certs_selected(&l), entry_of(&l, fallback));
	certs_list_free(&l);
	X509_free(fallback);
}

START_TEST(excluded_expired)
{
	EVP_PKEY *k = ec_key();
	struct mk m = { "expired", k, ca, ca_key, NOW - 400 * DAY, NOW - 1, NULL, 0 };
	X509 *x = mk_cert(&m);

	store_put("expired", x, NULL, k);
	expect_excluded(x, "expired on 2025-06-15T15:06:39Z");
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(excluded_not_yet_valid)
{
	EVP_PKEY *k = ec_key();
	struct mk m = { "future", k, ca, ca_key, NOW + 1, NOW + 400 * DAY, NULL, 0 };
	X509 *x = mk_cert(&m);

	store_put("future", x, NULL, k);
	expect_excluded(x, "not yet valid");
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(excluded_wrong_eku)
{
	EVP_PKEY *k = ec_key();
	struct mk m = { "server-only", k, ca, ca_key, NOW - DAY, NOW + 400 * DAY, "serverAuth", 0 };
	X509 *x = mk_cert(&m);

	store_put("server-only", x, NULL, k);
	expect_excluded(x, "serverAuth or clientAuth");
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(excluded_key_mismatch)
{
	EVP_PKEY *k = ec_key(), *other = ec_key();
	X509 *x = leaf("mismatch", k, ca, ca_key, 400);

	store_put("mismatch", x, NULL, other);
	expect_excluded(x, "does not match");
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(excluded_untrusted_chain)
{
	EVP_PKEY *k = ec_key(), *stranger_key = ec_key();
	X509 *stranger = root_ca("Stranger CA", stranger_key);
	X509 *x = leaf("untrusted", k, stranger, stranger_key, 400);

	store_put("untrusted", x, NULL, k);
	expect_excluded(x, "chain does not verify");
	X509_free(x);
	X509_free(stranger);
	EVP_PKEY_free(k);
	EVP_PKEY_free(stranger_key);
}
END_TEST

START_TEST(excluded_key_readable_by_others)
{
	X509 *x = add_ca_issued("loose", 400);
	char path[256], want[300];

	snprintf(path, sizeof(path), "%s/loose.pem", store);
	chmod(path, 0640);
	snprintf(want, sizeof(want), "chmod 600 %s", path);
	expect_excluded(x, want);
	X509_free(x);
}
END_TEST

START_TEST(no_eku_is_fine_and_intermediates_verify)
{
	EVP_PKEY *ik = ec_key(), *k = ec_key();
	struct mk im = { "Intermediate", ik, ca, ca_key, NOW - DAY, NOW + 3000 * DAY, NULL, 1 };
	X509 *inter = mk_cert(&im);
	X509 *x = leaf("via-intermediate", k, inter, ik, 200);
	struct mk noeku = { "no-eku", k, ca, ca_key, NOW - DAY, NOW + 100 * DAY, NULL, 0 };
	X509 *y = mk_cert(&noeku);
	struct certs_list l;

	store_put("chain", x, inter, k);
	store_put("no-eku", y, NULL, k);
	scan(&l);
	ck_assert_msg(entry_of(&l, x)->valid, "%s", entry_of(&l, x)->reason);
	ck_assert_msg(entry_of(&l, y)->valid, "%s", entry_of(&l, y)->reason);
	ck_assert_int_eq(sk_X509_num(entry_of(&l, x)->chain), 1);
	ck_assert_ptr_eq(certs_selected(&l), entry_of(&l, x));
	certs_list_free(&l);
	X509_free(inter);
	X509_free(x);
	X509_free(y);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(key_in_a_separate_file)
{
	EVP_PKEY *k = ec_key();
	X509 *x = leaf("split", k, ca, ca_key, 100);
	char crt[256], key[256];
	struct certs_list l;

	snprintf(crt, sizeof(crt), "%s/split.crt", store);
	snprintf(key, sizeof(key), "%s/split.key", store);
	write_pem(crt, x, NULL, NULL, 0644);	/* a certificate alone is public */
	{
		FILE *f = fopen(key, "w");
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
		chmod(key, 0600);
	}
	scan(&l);
	ck_assert_msg(entry_of(&l, x)->valid, "%s", entry_of(&l, x)->reason);
	ck_assert_str_eq(entry_of(&l, x)->key_path, key);
	certs_list_free(&l);
	chmod(key, 0644);
	expect_excluded(x, "chmod 600");
	unlink(key);
	expect_excluded(x, "no private key");
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(nothing_valid_selects_nothing)
{
	EVP_PKEY *k = ec_key();
	struct mk m = { "old", k, NULL, NULL, NOW - 400 * DAY, NOW - DAY, NULL, 0 };
	X509 *x = mk_cert(&m);
	struct certs_list l;
	char why[512];

	scan(&l);
	ck_assert_int_eq(l.n, 0);
	certs_why(&l, why, sizeof(why));
	ck_assert_msg(strstr(why, "no certificate") != NULL, "%s", why);
	certs_list_free(&l);
	store_put("old", x, NULL, k);
	scan(&l);
	ck_assert_int_eq(l.selected, -1);
	ck_assert_ptr_null(certs_selected(&l));
	certs_why(&l, why, sizeof(why));
	ck_assert_msg(strstr(why, "expired") != NULL, "%s", why);
	certs_list_free(&l);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(select_or_generate_takes_a_valid_one)
{
	X509 *x = add_ca_issued("good", 100);
	struct certs_gen g = { "sbc1", NULL, 0, CERTS_KEY_EC256 };
	struct certs_choice c;
	char err[512] = "", t[41];

	ck_assert_msg(certs_select_or_generate(&stores, &g, CERTS_AT_START, NOW, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.generated, 0);
	thumb(x, t);
	ck_assert_str_eq(c.info.thumbprint, t);
	ck_assert_int_eq(X509_cmp(c.id.cert, x), 0);
	ck_assert_int_eq(X509_check_private_key(c.id.cert, c.id.key), 1);
	ck_assert_msg(strstr(c.why, "CA-issued") != NULL, "%s", c.why);
	certs_choice_free(&c);
	X509_free(x);
}
END_TEST

START_TEST(select_or_generate_generates_into_an_empty_store)
{
	const char *sans[] = { "sbc1.example.test", NULL };
	struct certs_gen g = { "sbc1", sans, 0, CERTS_KEY_EC256 };
	struct certs_stores s = stores;
	struct certs_choice c, again;
	char err[512] = "", sub[160];

	/* The store directory does not even exist yet. */
	snprintf(sub, sizeof(sub), "%s/new", store);
	s.cert_store = sub;
	ck_assert_msg(certs_select_or_generate(&s, &g, CERTS_AT_START, NOW, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.generated, 1);
	ck_assert_int_eq(c.info.kind, CERTS_SELF_SIGNED);
	ck_assert_int_eq(mode_of(c.id.path), 0600);
	ck_assert_int_eq(mode_of(sub), 0700);
	/* A restart the next day finds and keeps it. */
	ck_assert_msg(certs_select_or_generate(&s, &g, CERTS_AT_START, NOW + DAY, &again, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(again.generated, 0);
	ck_assert_str_eq(again.info.thumbprint, c.info.thumbprint);
	certs_choice_free(&c);
	certs_choice_free(&again);
}
END_TEST

/* ---- reload: keep the certificate in use rather than take a lesser one ---- */

static int
store_files(void)
{
	char cmd[200];
	int st;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", store);
	return atoi(run(cmd, &st));
}

/* select_or_generate at `when`; returns its result, err or the choice in c. */
static int
pick(enum certs_when when, struct certs_choice *c, char *err, size_t len)
{
	const char *sans[] = { "sbc1.example.test", NULL };
	struct certs_gen g = { "sbc1", sans, 0, CERTS_KEY_EC256 };

	err[0] = '\0';
	return certs_select_or_generate(&stores, &g, when, NOW, c, err, len);
}

static void
expect_reload_fails(const char *why)
{
	struct certs_choice c;
	char err[1024];
	int before = store_files();

	ck_assert_int_eq(pick(CERTS_ON_RELOAD, &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, why) != NULL, "reload error \"%s\" lacks \"%s\"", err, why);
	ck_assert_int_eq(store_files(), before);	/* nothing generated */
}

START_TEST(reload_fails_on_a_loose_key_and_start_generates)
{
	X509 *x = add_ca_issued("sbc", 400);
	char path[256], want[300], err[1024];
	struct certs_choice c;

	snprintf(path, sizeof(path), "%s/sbc.pem", store);
	chmod(path, 0644);
	snprintf(want, sizeof(want), "%s holds a private key but is readable by group or others; "
	    "fix with: chmod 600 %s", path, path);
	expect_reload_fails(want);
	/* Start-up: the seeds' order generates, and reports the mistake. */
	ck_assert_msg(pick(CERTS_AT_START, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.generated, 1);
	ck_assert_str_eq(c.faults, want);
	certs_choice_free(&c);
	ck_assert_int_eq(store_files(), 2);
	/* Fixed: the reload takes the CA-issued one over the generated one. */
	chmod(path, 0600);
	ck_assert_msg(pick(CERTS_ON_RELOAD, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(X509_cmp(c.id.cert, x), 0);
	ck_assert_str_eq(c.faults, "");
	certs_choice_free(&c);
	X509_free(x);
}
END_TEST

START_TEST(reload_keeps_ca_issued_rather_than_a_valid_self_signed)
{
	X509 *x = add_ca_issued("sbc", 400), *ss = add_self_signed("old-ss", 300);
	char path[256], err[1024];
	struct certs_choice c;

	snprintf(path, sizeof(path), "%s/sbc.pem", store);
	chmod(path, 0640);
	expect_reload_fails("chmod 600");
	ck_assert_msg(pick(CERTS_AT_START, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(X509_cmp(c.id.cert, ss), 0);
	ck_assert_msg(strstr(c.faults, path) != NULL, "%s", c.faults);
	certs_choice_free(&c);
	X509_free(x);
	X509_free(ss);
}
END_TEST

START_TEST(reload_fails_on_mismatched_missing_or_unreadable_keys)
{
	EVP_PKEY *k = ec_key(), *other = ec_key();
	X509 *good = add_ca_issued("good", 400), *x = leaf("mismatch", k, ca, ca_key, 100);
	char crt[256], link[256];

	store_put("mismatch", x, NULL, other);
	expect_reload_fails("does not match");
	snprintf(crt, sizeof(crt), "%s/mismatch.pem", store);
	unlink(crt);
	snprintf(crt, sizeof(crt), "%s/keyless.crt", store);
	write_pem(crt, x, NULL, NULL, 0644);
	expect_reload_fails("no private key (neither in");
	unlink(crt);
	/* A dangling link stands for any file we cannot open. */
	snprintf(link, sizeof(link), "%s/gone.pem", store);
	ck_assert_int_eq(symlink("/nonexistent/umsbc.pem", link), 0);
	expect_reload_fails("gone.pem: cannot open: No such file or directory");
	unlink(link);
	X509_free(x);
	X509_free(good);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(reload_passes_old_and_future_certificates_by)
{
	EVP_PKEY *k = ec_key();
	struct mk old = { "old", k, ca, ca_key, NOW - 400 * DAY, NOW - DAY, NULL, 0 };
	struct mk next = { "next", k, ca, ca_key, NOW + DAY, NOW + 400 * DAY, NULL, 0 };
	X509 *x = add_ca_issued("sbc", 100), *xo = mk_cert(&old), *xn = mk_cert(&next);
	char path[256], err[1024];
	struct certs_choice c;

	store_put("old", xo, NULL, k);
	store_put("next", xn, NULL, k);
	snprintf(path, sizeof(path), "%s/old.pem", store);
	chmod(path, 0644);	/* outside its dates: only its dates count */
	ck_assert_msg(pick(CERTS_ON_RELOAD, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(X509_cmp(c.id.cert, x), 0);
	ck_assert_str_eq(c.faults, "");
	certs_choice_free(&c);
	X509_free(x);
	X509_free(xo);
	X509_free(xn);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(reload_never_generates)
{
	X509 *x;

	expect_reload_fails("holds no certificate; a self-signed certificate is generated only at start-up");
	x = add_ca_issued("short", 1);
	stores.trust_store = base;	/* its root no longer trusted: an untrusted chain */
	expect_reload_fails("chain does not verify");
	stores.trust_store = trustd;
	X509_free(x);
}
END_TEST

START_TEST(faults_name_the_first_and_count_the_rest)
{
	X509 *a = add_ca_issued("a", 100), *b = add_ca_issued("b", 200);
	char pa[256], pb[256], out[800];
	struct certs_list l;

	snprintf(pa, sizeof(pa), "%s/a.pem", store);
	snprintf(pb, sizeof(pb), "%s/b.pem", store);
	chmod(pa, 0644);
	chmod(pb, 0644);
	scan(&l);
	ck_assert_uint_eq(certs_faults(&l, out, sizeof(out)), 2);
	/* The first in selection order (b, longer): the one used once fixed. */
	ck_assert_msg(strncmp(out, pb, strlen(pb)) == 0, "%s", out);
	ck_assert_msg(strstr(out, " (and 1 more)") != NULL, "%s", out);
	certs_list_free(&l);
	X509_free(a);
	X509_free(b);
}
END_TEST

/* ---- generation, requests, import, export ---- */

static int
has_dns(X509 *x, const char *name)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int found = 0;

	for (int i = 0; g && i < sk_GENERAL_NAME_num(g); i++) {
		GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
		found |= n->type == GEN_DNS &&
		    strcmp((const char *)ASN1_STRING_get0_data(n->d.dNSName), name) == 0;
	}
	GENERAL_NAMES_free(g);
	return found;
}

static int
san_count(X509 *x)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = g ? sk_GENERAL_NAME_num(g) : 0;

	GENERAL_NAMES_free(g);
	return n;
}

/* Generates into the store and loads the result back through the scan. */
static struct certs_list
generate(const struct certs_gen *g, char *path, size_t len)
{
	struct certs_list l;
	char err[512] = "";

	ck_assert_msg(certs_generate_self_signed(store, g, NOW, path, len, err, sizeof(err)) == 0, "%s", err);
	scan(&l);
	ck_assert_int_eq(l.n, 1);
	return l;
}

START_TEST(self_signed_ec_names_dates_usage_mode)
{
	const char *sans[] = { "sbc1.example.test", "SBC1", "extra.example.test", NULL };
	struct certs_gen g = { "sbc1", sans, 0, CERTS_KEY_EC256 };
	char path[512], cn[64];
	struct certs_list l = generate(&g, path, sizeof(path));
	X509 *x = l.v[0].cert;

	ck_assert_msg(l.v[0].valid, "%s", l.v[0].reason);
	ck_assert_int_eq(l.v[0].info.kind, CERTS_SELF_SIGNED);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	ck_assert_str_eq(cn, "sbc1");
	ck_assert(has_dns(x, "sbc1") && has_dns(x, "sbc1.example.test") && has_dns(x, "extra.example.test"));
	ck_assert_int_eq(san_count(x), 3);	/* "SBC1" is the CN again */
	ck_assert_int_eq(l.v[0].info.nb, NOW - CERTS_BACKDATE);
	ck_assert_int_eq(l.v[0].info.na, NOW + 365 * DAY);
	ck_assert_uint_eq(X509_get_extended_key_usage(x), XKU_SSL_SERVER | XKU_SSL_CLIENT);
	ck_assert_int_eq(EVP_PKEY_get_base_id(l.v[0].key), EVP_PKEY_EC);
	{
		char group[32] = "";
		size_t glen;
		EVP_PKEY_get_utf8_string_param(l.v[0].key, "group", group, sizeof(group), &glen);
		ck_assert_str_eq(group, "prime256v1");
	}
	ck_assert_int_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	ck_assert_int_eq(mode_of(path), 0600);
	ck_assert_str_eq(l.v[0].path, path);
	certs_list_free(&l);
}
END_TEST

START_TEST(self_signed_rsa_with_days)
{
	struct certs_gen g = { "sbc2", NULL, 30, CERTS_KEY_RSA2048 };
	char path[512];
	struct certs_list l = generate(&g, path, sizeof(path));
	enum certs_key_type t;

	ck_assert_msg(l.v[0].valid, "%s", l.v[0].reason);
	ck_assert_int_eq(EVP_PKEY_get_base_id(l.v[0].key), EVP_PKEY_RSA);
	ck_assert_int_eq(EVP_PKEY_get_bits(l.v[0].key), 2048);
	ck_assert_int_eq(l.v[0].info.na, NOW + 30 * DAY);
	ck_assert_int_eq(san_count(l.v[0].cert), 1);
	ck_assert_int_eq(mode_of(path), 0600);
	ck_assert_int_eq(certs_key_type_parse("rsa2048", &t), 0);
	ck_assert_int_eq(t, CERTS_KEY_RSA2048);
	ck_assert_int_eq(certs_key_type_parse("ec256", &t), 0);
	ck_assert_int_eq(t, CERTS_KEY_EC256);
	ck_assert_int_eq(certs_key_type_parse("dsa", &t), -1);
	certs_list_free(&l);
}
END_TEST

START_TEST(generation_refuses_bad_names)
{
	const char *sans[] = { "a,DNS:evil", NULL };
	struct certs_gen g = { "sbc", sans, 0, CERTS_KEY_EC256 }, empty = { "", NULL, 0, CERTS_KEY_EC256 };
	char path[512], err[512] = "";

	ck_assert_int_eq(certs_generate_self_signed(store, &g, NOW, path, sizeof(path), err, sizeof(err)), -1);
	ck_assert_int_eq(certs_generate_self_signed(store, &empty, NOW, path, sizeof(path), err, sizeof(err)), -1);
}
END_TEST

START_TEST(thumbprint_equals_openssl_fingerprint)
{
	struct certs_gen g = { "sbc1", NULL, 0, CERTS_KEY_EC256 };
	char path[512], cmd[700], want[80] = "";
	struct certs_list l = generate(&g, path, sizeof(path));
	int status, k = 0;
	const char *out;

	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -fingerprint -sha1 -in '%s'", path);
	out = run(cmd, &status);
	ck_assert_int_eq(status, 0);
	ck_assert_msg(strncmp(out, "SHA1 Fingerprint=", 17) == 0 || strncmp(out, "sha1 Fingerprint=", 17) == 0, "%s", out);
	for (const char *p = out + 17; *p; p++)
		if (*p != ':')
			want[k++] = *p;
	ck_assert_str_eq(l.v[0].info.thumbprint, want);
	ck_assert_int_eq(strlen(l.v[0].info.thumbprint), 40);
	certs_list_free(&l);
}
END_TEST

/* The test CA issues a certificate for req, copying its extensions. */
static X509 *
ca_sign(X509_REQ *req, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	EVP_PKEY *pub = X509_REQ_get_pubkey(req);
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_set_subject_name(x, X509_REQ_get_subject_name(req));
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	ASN1_TIME_set(X509_getm_notBefore(x), NOW - DAY);
	ASN1_TIME_set(X509_getm_notAfter(x), NOW + 730 * DAY);
	X509_set_pubkey(x, pub);
	for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1);
	X509_sign(x, issuer_key, EVP_sha256());
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	EVP_PKEY_free(pub);
	return x;
}

static X509_REQ *
request(const char *cn, const char *const *sans, char *key_path, size_t len)
{
	struct certs_gen g = { cn, sans, 0, CERTS_KEY_EC256 };
	X509_REQ *req = NULL;
	char err[512] = "";

	ck_assert_msg(certs_make_request(store, &g, &req, key_path, len, err, sizeof(err)) == 0, "%s", err);
	return req;
}

START_TEST(request_verifies_and_keeps_its_key_pending)
{
	const char *sans[] = { "sbc1.example.test", NULL };
	char key_path[512], req_path[256], cmd[700];
	X509_REQ *req = request("sbc1", sans, key_path, sizeof(key_path));
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	struct certs_list l;
	int status;
	FILE *f;

	ck_assert_int_eq(mode_of(key_path), 0600);
	ck_assert_int_eq(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	ck_assert_int_eq(sk_X509_EXTENSION_num(exts), 2);	/* SAN and EKU */
	snprintf(req_path, sizeof(req_path), "%s/req.csr", base);
	f = fopen(req_path, "w");
	PEM_write_X509_REQ(f, req);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "openssl req -verify -noout -in '%s' 2>&1", req_path);
	const char *out = run(cmd, &status);
	ck_assert_msg(status == 0, "openssl req -verify: %s", out);
	snprintf(cmd, sizeof(cmd), "openssl req -noout -text -in '%s' | grep -c 'DNS:sbc1, DNS:sbc1.example.test'", req_path);
	ck_assert_str_eq(run(cmd, &status), "1");
	/* A pending key is not a certificate: the store lists nothing yet. */
	scan(&l);
	ck_assert_int_eq(l.n, 0);
	certs_list_free(&l);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
}
END_TEST

START_TEST(import_matches_the_pending_key)
{
	char key_path[512], other_key[512], issued[256], path[512], err[512] = "";
	X509_REQ *other = request("other", NULL, other_key, sizeof(other_key));
	X509_REQ *req = request("sbc1", NULL, key_path, sizeof(key_path));
	EVP_PKEY *ik = ec_key();
	struct mk im = { "Issuing CA", ik, ca, ca_key, NOW - DAY, NOW + 3000 * DAY, NULL, 1 };
	X509 *inter = mk_cert(&im);
	X509 *x = ca_sign(req, inter, ik);
	struct certs_list l;
	const struct certs_entry *e;

	/* The CA's answer: the certificate then its intermediate. */
	snprintf(issued, sizeof(issued), "%s/issued.pem", base);
	write_pem(issued, x, inter, NULL, 0644);
	ck_assert_msg(certs_import(store, issued, path, sizeof(path), err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(mode_of(path), 0600);
	ck_assert_int_eq(access(key_path, F_OK), -1);	/* pending key consumed */
	ck_assert_int_eq(access(other_key, F_OK), 0);	/* the other request's key stays */
	scan(&l);
	e = entry_of(&l, x);
	ck_assert_msg(e->valid, "%s", e->reason);
	ck_assert_int_eq(e->info.kind, CERTS_CA_ISSUED);
	ck_assert_int_eq(sk_X509_num(e->chain), 1);
	ck_assert_int_eq(X509_cmp(sk_X509_value(e->chain, 0), inter), 0);
	ck_assert_ptr_eq(certs_selected(&l), e);
	certs_list_free(&l);
	/* Importing it again: its key is gone, so nothing matches. */
	ck_assert_int_eq(certs_import(store, issued, path, sizeof(path), err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "pending request key") != NULL, "%s", err);
	X509_REQ_free(req);
	X509_REQ_free(other);
	X509_free(x);
	X509_free(inter);
	EVP_PKEY_free(ik);
}
END_TEST

START_TEST(import_der_and_bundles_with_their_key)
{
	char key_path[512], issued[256], path[512], err[512] = "";
	X509_REQ *req = request("sbc1", NULL, key_path, sizeof(key_path));
	X509 *x = ca_sign(req, ca, ca_key);
	EVP_PKEY *k = ec_key();
	X509 *y = leaf("bundle", k, ca, ca_key, 50);
	struct certs_list l;
	FILE *f;

	snprintf(issued, sizeof(issued), "%s/issued.der", base);
	f = fopen(issued, "wb");
	i2d_X509_fp(f, x);
	fclose(f);
	ck_assert_msg(certs_import(store, issued, path, sizeof(path), err, sizeof(err)) == 0, "%s", err);
	snprintf(issued, sizeof(issued), "%s/bundle.pem", base);
	write_pem(issued, y, NULL, k, 0600);
	ck_assert_msg(certs_import(store, issued, path, sizeof(path), err, sizeof(err)) == 0, "%s", err);
	scan(&l);
	ck_assert_int_eq(l.n, 2);
	ck_assert(entry_of(&l, x)->valid && entry_of(&l, y)->valid);
	certs_list_free(&l);
	X509_REQ_free(req);
	X509_free(x);
	X509_free(y);
	EVP_PKEY_free(k);
}
END_TEST

START_TEST(export_pem_and_der_round_trip)
{
	struct certs_gen g = { "sbc1", NULL, 0, CERTS_KEY_EC256 };
	char path[512];
	struct certs_list l = generate(&g, path, sizeof(path));
	size_t plen = 0, dlen = 0;
	unsigned char *pem = certs_export(l.v[0].cert, 0, &plen);
	unsigned char *der = certs_export(l.v[0].cert, 1, &dlen);
	const unsigned char *p = der;
	BIO *b = BIO_new_mem_buf(pem, (int)plen);
	X509 *from_pem = PEM_read_bio_X509(b, NULL, NULL, NULL);
	X509 *from_der = d2i_X509(NULL, &p, (long)dlen);

	ck_assert_ptr_nonnull(from_pem);
	ck_assert_ptr_nonnull(from_der);
	ck_assert_int_eq(X509_cmp(from_pem, l.v[0].cert), 0);
	ck_assert_int_eq(X509_cmp(from_der, l.v[0].cert), 0);
	{
		char *text = strndup((const char *)pem, plen);
		ck_assert_ptr_null(strstr(text, "PRIVATE"));	/* never the key */
		free(text);
	}
	ck_assert_int_eq(i2d_X509(l.v[0].cert, NULL), (int)dlen);
	BIO_free(b);
	X509_free(from_pem);
	X509_free(from_der);
	free(pem);
	free(der);
	certs_list_free(&l);
}
END_TEST

START_TEST(info_and_describe)
{
	EVP_PKEY *k = ec_key();
	X509 *x = leaf("sbc1.example.test", k, ca, ca_key, 100);
	struct certs_info i;
	char d[1024];

	certs_info_get(x, NOW, &i);
	ck_assert_str_eq(i.subject, "CN=sbc1.example.test");
	ck_assert_str_eq(i.issuer, "CN=Test Root CA");
	ck_assert_str_eq(i.sans, "DNS:sbc1.example.test");
	ck_assert_int_eq(i.days_left, 100);
	ck_assert_int_eq(i.kind, CERTS_CA_ISSUED);
	ck_assert_str_eq(certs_kind_name(i.kind), "ca-issued");
	ck_assert_str_eq(i.not_before, "2025-06-05T15:06:40Z");
	certs_describe(x, d, sizeof(d));
	ck_assert_msg(strstr(d, i.thumbprint) != NULL, "%s", d);
	ck_assert_int_eq(certs_days_left(NOW - 1, NOW), -1);
	ck_assert_int_eq(certs_days_left(NOW + DAY - 1, NOW), 0);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- trust store ---- */

START_TEST(trust_untrust_trusted)
{
	EVP_PKEY *k1 = ec_key(), *k2 = ec_key(), *lk = ec_key();
	X509 *c1 = root_ca("Corp Root", k1), *c2 = root_ca("Other Root", k2);
	X509 *x = leaf("sbc1", lk, c1, k1, 100);
	char bundle[256], t1[41], colons[80], err[512] = "";
	struct certs_list l;
	int already, k = 0;

	store_put("corp", x, NULL, lk);
	snprintf(bundle, sizeof(bundle), "%s/roots.pem", base);
	write_pem(bundle, c1, c2, NULL, 0644);
	ck_assert_msg(certs_trust_add(trustd, bundle, &already, err, sizeof(err)) == 2, "%s", err);
	ck_assert_int_eq(already, 0);
	ck_assert_int_eq(certs_trust_add(trustd, bundle, &already, err, sizeof(err)), 0);
	ck_assert_int_eq(already, 2);
	thumb(c1, t1);
	{
		char p[256];
		snprintf(p, sizeof(p), "%s/%s.pem", trustd, t1);
		ck_assert_int_eq(mode_of(p), 0644);
	}
	/* setup_ca's root plus the two. */
	ck_assert_int_eq(certs_trust_list(trustd, NOW, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l.n, 3);
	ck_assert_ptr_nonnull(certs_find(&l, t1));
	certs_list_free(&l);
	scan(&l);
	ck_assert_msg(entry_of(&l, x)->valid, "%s", entry_of(&l, x)->reason);
	certs_list_free(&l);

	/* Remove by thumbprint as an administrator pastes it: lower case, colons. */
	for (int i = 0; i < 40; i += 2)
		k += snprintf(colons + k, sizeof(colons) - k, "%s%c%c", i ? ":" : "", t1[i] | 0x20, t1[i + 1] | 0x20);
	ck_assert_msg(certs_trust_remove(trustd, colons, err, sizeof(err)) == 1, "%s", err);
	ck_assert_int_eq(certs_trust_remove(trustd, t1, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "no certificate with thumbprint") != NULL, "%s", err);
	ck_assert_int_eq(certs_trust_remove(trustd, "XYZ", err, sizeof(err)), -1);
	ck_assert_int_eq(certs_trust_list(trustd, NOW, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_ptr_null(certs_find(&l, t1));
	certs_list_free(&l);
	scan(&l);
	ck_assert(!entry_of(&l, x)->valid);
	certs_list_free(&l);
	X509_free(c1);
	X509_free(c2);
	X509_free(x);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(lk);
}
END_TEST

START_TEST(untrust_from_a_bundle_keeps_the_rest)
{
	EVP_PKEY *k1 = ec_key(), *k2 = ec_key();
	X509 *c1 = root_ca("One", k1), *c2 = root_ca("Two", k2);
	char path[256], t2[41], err[512] = "";
	struct certs_list l;

	snprintf(path, sizeof(path), "%s/bundle.crt", trustd);
	write_pem(path, c1, c2, NULL, 0644);
	thumb(c2, t2);
	ck_assert_msg(certs_trust_remove(trustd, t2, err, sizeof(err)) == 1, "%s", err);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(certs_trust_list(trustd, NOW, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l.n, 2);	/* the root of setup_ca and One */
	ck_assert_ptr_null(certs_find(&l, t2));
	certs_list_free(&l);
	X509_free(c1);
	X509_free(c2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}
END_TEST

START_TEST(trust_refuses_a_private_key)
{
	EVP_PKEY *k = ec_key();
	X509 *x = leaf("peer", k, NULL, NULL, 10);
	char path[256], err[512] = "";
	int already;

	snprintf(path, sizeof(path), "%s/peer-with-key.pem", base);
	write_pem(path, x, NULL, k, 0600);
	ck_assert_int_eq(certs_trust_add(trustd, path, &already, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "private key") != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/nothing.pem", base);
	write_pem(path, x, NULL, NULL, 0644);
	ck_assert_int_eq(truncate(path, 10), 0);
	ck_assert_int_eq(certs_trust_add(trustd, path, &already, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no certificate") != NULL, "%s", err);
	X509_free(x);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- expiry schedule ---- */

static enum certs_expiry_level
at(long days_before_expiry, time_t last)
{
	time_t na = NOW + days_before_expiry * DAY;
	return certs_expiry_check(na, NOW, last, NULL);
}

START_TEST(expiry_levels_by_days_left)
{
	long d;

	ck_assert_int_eq(at(31, 0), CERTS_EXPIRY_NONE);
	ck_assert_int_eq(certs_expiry_check(NOW + 30 * DAY + 1, NOW, 0, NULL), CERTS_EXPIRY_NONE);
	ck_assert_int_eq(at(30, 0), CERTS_EXPIRY_WARNING);
	ck_assert_int_eq(at(1, 0), CERTS_EXPIRY_WARNING);
	ck_assert_int_eq(at(0, 0), CERTS_EXPIRY_WARNING);	/* expires this very second */
	ck_assert_int_eq(certs_expiry_check(NOW - 1, NOW, 0, &d), CERTS_EXPIRY_ERROR);
	ck_assert_int_eq(d, -1);
	ck_assert_int_eq(certs_expiry_check(NOW - 5 * DAY, NOW, 0, &d), CERTS_EXPIRY_ERROR);
	ck_assert_int_eq(d, -5);
	certs_expiry_check(NOW + 30 * DAY, NOW, 0, &d);
	ck_assert_int_eq(d, 30);
}
END_TEST

START_TEST(expiry_once_a_day)
{
	long days[] = { 30, 1, 0, -5 };

	for (int i = 0; i < 4; i++) {
		long n = days[i];
		/* Logged an hour ago: not again today. */
		ck_assert_int_eq(at(n, NOW - 3600), CERTS_EXPIRY_NONE);
		ck_assert_int_eq(at(n, NOW), CERTS_EXPIRY_NONE);
		/* A day later (or a timer a few minutes early): again. */
		ck_assert_int_ne(at(n, NOW - DAY), CERTS_EXPIRY_NONE);
		ck_assert_int_ne(at(n, NOW - DAY + CERTS_EXPIRY_SLACK), CERTS_EXPIRY_NONE);
		ck_assert_int_eq(at(n, NOW - DAY + CERTS_EXPIRY_SLACK + 1), CERTS_EXPIRY_NONE);
		/* The clock went back past the last log: log rather than stay silent. */
		ck_assert_int_ne(at(n, NOW + 3600), CERTS_EXPIRY_NONE);
	}
	ck_assert_int_eq(at(-5, NOW - DAY), CERTS_EXPIRY_ERROR);
	ck_assert_int_eq(at(31, NOW - 10 * DAY), CERTS_EXPIRY_NONE);
}
END_TEST

START_TEST(expiry_walks_through_the_last_month)
{
	/* A daily timer from 40 days before to 10 days after notAfter. */
	time_t na = NOW + 40 * DAY, last = 0;
	int warnings = 0, errors = 0;

	for (time_t t = NOW; t <= na + 10 * DAY; t += DAY) {
		enum certs_expiry_level lv = certs_expiry_check(na, t, last, NULL);
		if (lv != CERTS_EXPIRY_NONE) {
			last = t;
			/* An extra check two hours later (a reload) adds no line. */
			ck_assert_int_eq(certs_expiry_check(na, t + 7200, last, NULL), CERTS_EXPIRY_NONE);
		}
		warnings += lv == CERTS_EXPIRY_WARNING;
		errors += lv == CERTS_EXPIRY_ERROR;
	}
	ck_assert_int_eq(warnings, 31);	/* days 30 .. 0 */
	ck_assert_int_eq(errors, 10);
}
END_TEST

/* ---- suites ---- */

static Suite *
select_suite(void)
{
	Suite *s = suite_create("certs-select");
	TCase *t = tcase_create("order");

	tcase_add_checked_fixture(t, setup_ca, teardown_ca);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, order_is_ca_long_ca_short_ss_long_ss_short);
	tcase_add_test(t, short_ca_issued_beats_long_self_signed);
	tcase_add_test(t, self_signed_longest_when_no_ca_issued_is_valid);
	tcase_add_test(t, self_signed_shorter_is_the_last_resort);
	tcase_add_test(t, tie_on_not_after_takes_the_newer_then_the_lower_thumbprint);
	tcase_add_test(t, tie_break_does_not_depend_on_file_names);
	tcase_add_test(t, excluded_expired);
	tcase_add_test(t, excluded_not_yet_valid);
	tcase_add_test(t, excluded_wrong_eku);
	tcase_add_test(t, excluded_key_mismatch);
	tcase_add_test(t, excluded_untrusted_chain);
	tcase_add_test(t, excluded_key_readable_by_others);
	tcase_add_test(t, no_eku_is_fine_and_intermediates_verify);
	tcase_add_test(t, key_in_a_separate_file);
	tcase_add_test(t, nothing_valid_selects_nothing);
	tcase_add_test(t, select_or_generate_takes_a_valid_one);
	tcase_add_test(t, select_or_generate_generates_into_an_empty_store);
	tcase_add_test(t, reload_fails_on_a_loose_key_and_start_generates);
	tcase_add_test(t, reload_keeps_ca_issued_rather_than_a_valid_self_signed);
	tcase_add_test(t, reload_fails_on_mismatched_missing_or_unreadable_keys);
	tcase_add_test(t, reload_passes_old_and_future_certificates_by);
	tcase_add_test(t, reload_never_generates);
	tcase_add_test(t, faults_name_the_first_and_count_the_rest);
	suite_add_tcase(s, t);
	return s;
}

static Suite *
generate_suite(void)
{
	Suite *s = suite_create("certs-generate");
	TCase *t = tcase_create("generate");

	tcase_add_checked_fixture(t, setup_ca, teardown_ca);
	tcase_set_timeout(t, 60);	/* RSA key generation under sanitizers */
	tcase_add_test(t, self_signed_ec_names_dates_usage_mode);
	tcase_add_test(t, self_signed_rsa_with_days);
	tcase_add_test(t, generation_refuses_bad_names);
	tcase_add_test(t, thumbprint_equals_openssl_fingerprint);
	tcase_add_test(t, request_verifies_and_keeps_its_key_pending);
	tcase_add_test(t, import_matches_the_pending_key);
	tcase_add_test(t, import_der_and_bundles_with_their_key);
	tcase_add_test(t, export_pem_and_der_round_trip);
	tcase_add_test(t, info_and_describe);
	suite_add_tcase(s, t);
	return s;
}

static Suite *
trust_suite(void)
{
	Suite *s = suite_create("certs-trust");
	TCase *t = tcase_create("trust");

	tcase_add_checked_fixture(t, setup_ca, teardown_ca);
	tcase_add_test(t, trust_untrust_trusted);
	tcase_add_test(t, untrust_from_a_bundle_keeps_the_rest);
	tcase_add_test(t, trust_refuses_a_private_key);
	suite_add_tcase(s, t);
	return s;
}

static Suite *
expiry_suite(void)
{
	Suite *s = suite_create("certs-expiry");
	TCase *t = tcase_create("expiry");

	tcase_add_test(t, expiry_levels_by_days_left);
	tcase_add_test(t, expiry_once_a_day);
	tcase_add_test(t, expiry_walks_through_the_last_month);
	suite_add_tcase(s, t);
	return s;
}

const struct check_run check_run_program = {
	.suites = { select_suite, generate_suite, trust_suite, expiry_suite, NULL },
};
