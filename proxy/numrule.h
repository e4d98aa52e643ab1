/* Dialled numbers and the allow/deny rules of a dial plan: a number is
 * normalised from its URI (RFC 3966: visual separators removed, a local
 * number made global by a global phone-context), then matched against
 * PCRE2 patterns compiled once, when the config is loaded. Pure: no state
 * beyond the compiled patterns. */
#ifndef UMSBC_NUMRULE_H
#define UMSBC_NUMRULE_H

#include <stddef.h>
#include <sofia-sip/url.h>

struct numrule {
	const char *pattern;	/* as written (the config owns it) */
	int line;		/* in the config, for refusals and errors */
	void *re;		/* pcre2_code */
	void *md;		/* pcre2_match_data, one per rule: core thread only */
};

struct numrules {
	int n_allow, n_deny;
	struct numrule *allow, *deny;
};

enum numrule_verdict {
	NUMRULE_PASS,		/* no deny matched; allow absent or matched */
	NUMRULE_DENIED,		/* a deny rule matched: *rule names it */
	NUMRULE_NOT_ALLOWED,	/* allow rules exist and none matched */
};

/* The number of a SIP, SIPS or TEL URI as the rules see it, malloc'ed
 * ("" when the URI has no user part, NULL when out of memory). A user part
 * that is no telephone number (letters, say) is returned unescaped but
 * otherwise as it is. */
char *numrule_number(url_t const *u);

/* Compiles pattern into r. 0, or -1 with PCRE2's reason and offset in err. */
int numrule_compile(struct numrule *r, const char *pattern, int line, char *err, size_t errlen);
/* Deny wins over allow; a list with allow rules refuses what none matches.
 * *rule: the deny rule that matched, else NULL. */
enum numrule_verdict numrules_check(const struct numrules *rs, const char *number,
    const struct numrule **rule);
void numrules_free(struct numrules *rs);

#endif
