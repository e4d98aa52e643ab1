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

#define ANSWER_MAX 16384

/* Sends cmd and reads the answer up to the line ".". Returns the answer
 * (without that line) in buf, or -1 after printing why. */
static int
ask(struct ctl *c, const char *cmd, char *buf, size_t size)
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

static void
status_json(char *answer)
{
	int first = 1, dialplans = 0;

	printf("{");
	for (char *line = strtok(answer, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;	/* "ok" */
		*sp = '\0';
		if (strcmp(line, "dialplan") != 0) {
			json_kv(stdout, first, line, sp + 1);
			first = 0;
			continue;
		}
		char *mode = strchr(sp + 1, ' ');
		if (mode)
			*mode++ = '\0';
		printf("%s", dialplans++ ? ",{" : first ? "\"dialplans\":[{" : ",\"dialplans\":[{");
		json_kv(stdout, 1, "name", sp + 1);
		json_kv(stdout, 0, "security", mode ? mode : "");
		printf("}");
		first = 0;
	}
	printf("%s}\n", dialplans ? "]" : "");
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
	if (ask(c, "status", answer, sizeof(answer)) != 0)
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
	if (ask(c, "reload", answer, sizeof(answer)) != 0)
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
	    "                                     certificate in use, dial plans and modes\n"
	    "  reload                             reload umsbcd's configuration, certificate and\n"
	    "                                     trust store, and say how it went (FILE:LINE: reason)\n");
}
