#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());

	srunner_add_suite(sr, admit_suite());
	srunner_add_suite(sr, route_suite());
	srunner_add_suite(sr, sipmsg_suite());
	srunner_add_suite(sr, sipframe_suite());
	srunner_add_suite(sr, control_suite());
	srunner_add_suite(sr, sdp_suite());
	srunner_add_suite(sr, call_suite());
	srunner_add_suite(sr, limits_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, policy_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
