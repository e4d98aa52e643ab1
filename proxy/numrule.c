#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "numrule.h"

/* RFC 3966 visual separators, and the space that escaped numbers carry. */
static int
is_separator(char ch)
{
	return ch == '-' || ch == '.' || ch == '(' || ch == ')' || ch == ' ';
}

/* '+'?, then digits, '*', '#' and separators, with one digit at least. */
static int
is_phone_number(const char *s)
{
	int digits = 0;

	if (*s == '+')
		s++;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (*s != '*' && *s != '#' && !is_separator(*s))
			return 0;
	}
	return digits > 0;
}

static void
strip_separators(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (!is_separator(*s))
			*w++ = *s;
	*w = '\0';
}

/* The phone-context of the number: a parameter of a SIP user part, or of
 * the TEL URI itself. "" when there is none. */
static void
phone_context(url_t const *u, const char *user_params, char *out, size_t len)
{
	const char *params = user_params ? user_params : u->url_type == url_tel ? u->url_params : NULL;

	out[0] = '\0';
	if (!params || url_param(params, "phone-context", out, (isize_t)len) <= 0)
		out[0] = '\0';
	url_unescape(out, out);
}

char *
numrule_number(url_t const *u)
{
	const char *user = u ? u->url_user : NULL;

	if (!user)
		return strdup("");
	size_t n = strcspn(user, ";");
	char ctx[128], *num = malloc(n + sizeof(ctx));
	if (!num)
		return NULL;
	memcpy(num, user, n);
	num[n] = '\0';
	url_unescape(num, num);
	if (!is_phone_number(num))
		return num;
	strip_separators(num);
	phone_context(u, user[n] == ';' ? user + n + 1 : NULL, ctx, sizeof(ctx));
	/* A local number within a global context is that global number. */
	if (num[0] != '+' && ctx[0] == '+' && is_phone_number(ctx)) {
		strip_separators(ctx);
		memmove(num + strlen(ctx), num, strlen(num) + 1);
		memcpy(num, ctx, strlen(ctx));
	}
	return num;
}

int
numrule_compile(struct numrule *r, const char *pattern, int line, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code,
	    &off, NULL);

	memset(r, 0, sizeof(*r));
	if (!re) {
		PCRE2_UCHAR why[160];
		pcre2_get_error_message(code, why, sizeof(why));
		snprintf(err, errlen, "%s at offset %zu", (const char *)why, (size_t)off);
		return -1;
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	if (!md) {
		pcre2_code_free(re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r->pattern = pattern;
	r->line = line;
	r->re = re;
	r->md = md;
	return 0;
}

/* A match error (a pattern that backtracks past PCRE2's limits) counts as a
 * match of a deny rule and as no match of an allow rule: it fails closed. */
static int
matches(const struct numrule *r, const char *number, int on_error)
{
	int rc = pcre2_match(r->re, (PCRE2_SPTR)number, strlen(number), 0, 0, r->md, NULL);

	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : on_error;
}

enum numrule_verdict
numrules_check(const struct numrules *rs, const char *number, const struct numrule **rule)
{
	*rule = NULL;
	for (int i = 0; i < rs->n_deny; i++)
		if (matches(&rs->deny[i], number, 1)) {
			*rule = &rs->deny[i];
			return NUMRULE_DENIED;
		}
	for (int i = 0; i < rs->n_allow; i++)
		if (matches(&rs->allow[i], number, 0))
			return NUMRULE_PASS;
	return rs->n_allow > 0 ? NUMRULE_NOT_ALLOWED : NUMRULE_PASS;
}

static void
free_list(struct numrule *l, int n)
{
	for (int i = 0; l && i < n; i++) {
		pcre2_match_data_free(l[i].md);
		pcre2_code_free(l[i].re);
	}
	free(l);
}

void
numrules_free(struct numrules *rs)
{
	free_list(rs->allow, rs->n_allow);
	free_list(rs->deny, rs->n_deny);
	memset(rs, 0, sizeof(*rs));
}
