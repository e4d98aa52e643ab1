/* umsbcctl status / reload: talk to the running umsbcd over its control
 * socket (control.socket of the config). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "json.h"

#define ANSWER_MAX 65536	/* a line per dial plan, gateway and UM server */

/* Sends cmd and reads the answer up to the line ".". Returns the answer
 * (without that line) in buf, or -1 after printing why. */
int
ctl_ask(struct ctl *c, const char *cmd, char *buf, size_t size)
{
	struct conf *conf = ctl_conf(c);
	struct sockaddr_un sun;
	size_t got = 0;
	int fd;

	if (!conf)
		return -1;
	if (!conf->control_socket[0]) {
		ctl_err("control.socket is \"\" in %s: umsbcd has no control socket", c->conf_file);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", conf->control_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		ctl_err("cannot reach umsbcd at %s: %s (is it running? as root?)",
		    conf->control_socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) || write(fd, "\n", 1) != 1) {
		ctl_err("cannot send to umsbcd: %s", strerror(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, size - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if ((got >= 2 && strcmp(buf + got - 2, ".\n") == 0 && (got == 2 || buf[got - 3] == '\n')) ||
		    got == size - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	char *end = got >= 2 ? buf + got - 2 : NULL;
	if (!end || strcmp(end, ".\n") != 0) {
		ctl_err("umsbcd closed the control socket without a full answer");
		return -1;
	}
	*end = '\0';
	return 0;
}

/* "KIND NAME [WORD] key=value ..." lines: {"name":..,[second:WORD,]"key":"value",..} */
static void
json_named(char *rest, int first, const char *second)
{
	char *save = NULL, *w = strtok_r(rest, " ", &save);

	printf("%s{", first ? "" : ",");
	json_kv(stdout, 1, "name", w ? w : "");
	if (second)
		json_kv(stdout, 0, second, (w = strtok_r(NULL, " ", &save)) ? w : "");
	while ((w = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(w, '=');
		if (!eq)
			continue;
		*eq = '\0';
		json_kv(stdout, 0, w, eq + 1);
	}
	printf("}");
}

/* "dialplan NAME MODE key=value ..." */
static void
json_dialplan(char *rest, int first)
{
	json_named(rest, first, "security");
}

/* "um|gw NAME STATE key=value ..." */
static void
json_stated(char *rest, int first)
{
	json_named(rest, first, "state");
}

/* The answer's "key value" lines as one object; the repeated kinds of line
 * (dialplan, gw, um) as arrays after the scalars. */
static void
status_json(char *answer)
{
	static const struct {
		const char *kind, *array;
		void (*print)(char *rest, int first);
	} lists[] = {
		{ "dialplan", "dialplans", json_dialplan }, { "gw", "gateways", json_stated },
		{ "um", "um_servers", json_stated },
	};
	size_t n = strlen(answer);
	int first = 1;

	printf("{");
	for (int pass = -1; pass < (int)(sizeof(lists) / sizeof(lists[0])); pass++) {
		char *copy = strndup(answer, n), *save = NULL;
		int items = 0;
		for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');
			if (!sp)
				continue;	/* "ok" */
			*sp = '\0';
			int kind = -1;
			for (int k = 0; k < (int)(sizeof(lists) / sizeof(lists[0])); k++)
				if (strcmp(line, lists[k].kind) == 0)
					kind = k;
			if (kind != pass)
				continue;
			if (pass < 0) {
				json_kv(stdout, first, line, sp + 1);
				first = 0;
				continue;
			}
			if (items++ == 0) {
				printf("%s", first ? "" : ",");
				json_str(stdout, lists[pass].array);
				printf(":[");
				first = 0;
			}
			lists[pass].print(sp + 1, items == 1);
		}
		if (items)
			printf("]");
		free(copy);
	}
	printf("}\n");
}

/* --json and -h, nothing else. Returns -1 to go on, or an exit code. */
static int
daemon_opts(struct ctl *c, int argc, char **argv, const char *usage)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c->json = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: umsbcctl [-c FILE] %s\n", usage);
			return CTL_OK;
		} else {
			fprintf(stderr, "usage: umsbcctl [-c FILE] %s\n", usage);
			return CTL_USAGE;
		}
	}
	return -1;
}

int
cmd_status(struct ctl *c, int argc, char **argv)
{
	char answer[ANSWER_MAX];
	int r = daemon_opts(c, argc, argv, "status [--json]");

	if (r >= 0)
		return r;
	if (ctl_ask(c, "status", answer, sizeof(answer)) != 0)
		return CTL_FAIL;
	if (strncmp(answer, "ok\n", 3) != 0) {
		ctl_err("umsbcd answered: %s", answer);
		return CTL_FAIL;
	}
	if (c->json)
		status_json(answer);
	else
		fputs(answer + 3, stdout);
	return CTL_OK;
}

int
cmd_reload(struct ctl *c, int argc, char **argv)
{
	char answer[ANSWER_MAX];
	int r = daemon_opts(c, argc, argv, "reload");

	if (r >= 0)
		return r;
	if (ctl_ask(c, "reload", answer, sizeof(answer)) != 0)
		return CTL_FAIL;
	fputs(answer, strncmp(answer, "ok", 2) == 0 ? stdout : stderr);
	return strncmp(answer, "ok", 2) == 0 ? CTL_OK : CTL_FAIL;
}

void
cmd_daemon_usage(FILE *f)
{
	fprintf(f,
	    "daemon commands (over umsbcd's control socket, control.socket of the config):\n"
	    "  status [--json]                    version, uptime, connections, transactions,\n"
	    "                                     certificate in use, dial plans and modes,\n"
	    "                                     call limits and their use\n"
	    "  reload                             reload umsbcd's configuration, certificate and\n"
	    "                                     trust store, and say how it went (FILE:LINE: reason)\n"
	    "  test-connectivity [--secured|--unsecured] [--um NAME | --dialplan NAME | --gateway NAME]\n"
	    "                                     OPTIONS from umsbcd to each UM server and gateway\n"
	    "                                     (mutual TLS to secured gateways): one line per hop,\n"
	    "                                     exit 0 only when every hop passes\n");
}
