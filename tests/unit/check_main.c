#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
