/* umsbcctl test-connectivity: asks the running umsbcd to test its hops
 * (proxy/connectivity.c), so that its own sockets, certificate and trust
 * store are what is tested, and with --call places a test call to UM
 * servers (proxy/testcall.c). Prints one line per hop; exit 0 only when
 * every one passed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "json.h"

#define ANSWER_MAX 65536
#define USAGE "test-connectivity [--secured|--unsecured] [--um NAME | --dialplan NAME | " \
	"--gateway NAME] [--call NUMBER] [--json]"

/* The next word of a line: key=value, key="value with spaces", or a bare
 * word; NULL at the end. The quotes are removed in place. */
static char *
next_word(char **p)
{
	char *s = *p, *w, *o;
	int q = 0;

	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	for (w = o = s; *s && (q || *s != ' '); s++) {
		if (*s == '"')
			q = !q;
		else
			*o++ = *s;
	}
	*p = *s ? s + 1 : s;
	*o = '\0';
	return w;
}

/* "KIND NAME VERDICT key=value ..." as {"kind":..,"name":..,"verdict":..,..} */
static void
json_hop(char *line, int first)
{
	const char *head[3] = { "kind", "name", "verdict" };
	char *p = line, *w;

	printf("%s{", first ? "" : ",");
	for (int i = 0; i < 3; i++) {
		w = next_word(&p);
		json_kv(stdout, i == 0, head[i], w ? w : "");
	}
	while ((w = next_word(&p))) {
		char *eq = strchr(w, '=');
		if (!eq)
			continue;
		*eq = '\0';
		json_kv(stdout, 0, w, eq + 1);
	}
	printf("}");
}

/* 1 when a hop line's verdict (third word) is "fail". */
static int
failed(const char *line)
{
	const char *sp = strchr(line, ' ');

	sp = sp ? strchr(sp + 1, ' ') : NULL;
	return sp && strncmp(sp + 1, "fail", 4) == 0 && (sp[5] == ' ' || !sp[5]);
}

static void
print_result(struct ctl *c, char *lines, int ok)
{
	int first = 1;
	char *save = NULL;

	if (!c->json) {
		fputs(lines, stdout);
		printf("result %s\n", ok ? "pass" : "fail");
		return;
	}
	printf("{\"result\":\"%s\",\"hops\":[", ok ? "pass" : "fail");
	for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_hop(l, first);
		first = 0;
	}
	printf("]}\n");
}

/* A number the daemon will dial (as proxy/testcall.c checks it). */
static int
dialable(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "0123456789+*.-_abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

/* The command line for the daemon, checked here for a usage error
 * (exit 2) before anything is sent. */
static int
build(struct ctl *c, int argc, char **argv, char *cmd, size_t size)
{
	int mode = 0, target = 0, call = 0, gateway = 0;

	snprintf(cmd, size, "test-connectivity");
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			c->json = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			printf("usage: umsbcctl [-c FILE] " USAGE "\n");
			return CTL_OK;
		}
		if (strcmp(a, "--call") == 0) {
			if (call++ || i + 1 >= argc || !dialable(argv[i + 1]))
				goto usage;
			size_t n = strlen(cmd);
			snprintf(cmd + n, size - n, " --call %s", argv[++i]);
			continue;
		}
		int is_mode = strcmp(a, "--secured") == 0 || strcmp(a, "--unsecured") == 0;
		int is_target = strcmp(a, "--um") == 0 || strcmp(a, "--dialplan") == 0 ||
		    strcmp(a, "--gateway") == 0;
		gateway |= strcmp(a, "--gateway") == 0;
		if ((!is_mode && !is_target) || (is_mode && mode++) || (is_target && target++) ||
		    (is_target && (i + 1 >= argc || strchr(argv[i + 1], ' ') || !argv[i + 1][0])))
			goto usage;
		size_t n = strlen(cmd);
		snprintf(cmd + n, size - n, " %s%s%s", a, is_target ? " " : "",
		    is_target ? argv[++i] : "");
	}
	if (!(call && gateway))	/* a test call goes to UM servers */
		return -1;
usage:
	fprintf(stderr, "usage: umsbcctl [-c FILE] " USAGE "\n"
	    "(--call NUMBER: 1 to 32 of 0-9 A-Z a-z + * . - _; not with --gateway)\n");
	return CTL_USAGE;
}

int
cmd_test_connectivity(struct ctl *c, int argc, char **argv)
{
	char cmd[512], *answer = malloc(ANSWER_MAX);
	int r = build(c, argc, argv, cmd, sizeof(cmd));

	if (r >= 0 || !answer) {
		free(answer);
		return r >= 0 ? r : CTL_FAIL;
	}
	if (ctl_ask(c, cmd, answer, ANSWER_MAX) != 0) {
		free(answer);
		return CTL_FAIL;
	}
	if (strncmp(answer, "ok\n", 3) != 0) {
		ctl_err("umsbcd answered: %s", answer);
		free(answer);
		return CTL_FAIL;
	}
	int ok = 1;
	char *copy = strdup(answer + 3), *save = NULL;
	for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		ok &= !failed(l);
	free(copy);
	if (!answer[3]) {
		ctl_err("nothing to test: the configuration has no UM server or gateway");
		ok = 0;
	}
	print_result(c, answer + 3, ok);
	free(answer);
	return ok ? CTL_OK : CTL_FAIL;
}
