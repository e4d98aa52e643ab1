/* check_umsbc: the proxy/ suites (suites.h) and the helpers they share. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "conf.h"
#include "suites.h"

const char *
write_temp(const char *text)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/umsbc-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

struct conf *
load(const char *text, char *err, size_t n)
{
	const char *path = write_temp(text);
	struct conf *c = conf_load(path, err, n);

	unlink(path);
	return c;
}

void
expect_error(const char *text, int line, const char *what)
{
	char err[1024] = "", want[32];
	struct conf *c = load(text, err, sizeof(err));

	ck_assert_msg(c == NULL, "config was accepted, expected an error about %s", what);
	snprintf(want, sizeof(want), ":%d: ", line);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" does not name line %d", err, line);
	ck_assert_msg(strstr(err, what) != NULL, "error \"%s\" does not mention \"%s\"", err, what);
	ck_assert_msg(strncmp(err, "/tmp/umsbc-test-", 16) == 0, "error \"%s\" does not name the file", err);
}

const struct check_run check_run_program = {
	.suites = { conf_suite, admit_suite, route_suite, sipmsg_suite, sipframe_suite,
		control_suite, sdp_suite, call_suite, limits_suite, metrics_suite,
		policy_suite, conns_suite, NULL },
};
