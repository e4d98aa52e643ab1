/* check_run.c -- main() of every unit test program: runs the suites of its
 * check_run_program table in one SRunner (CK_RUN_SUITE / CK_RUN_CASE pick
 * some, as check allows) and exits non-zero when a test failed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "check_run.h"

int
main(void)
{
	const struct check_run *p = &check_run_program;

	if (p->setup != NULL)
		p->setup();
	if (p->suites[0] == NULL) {
		fprintf(stderr, "check_run: the program names no suite\n");
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(p->suites[0]());
	for (size_t i = 1; p->suites[i] != NULL; i++)
		srunner_add_suite(sr, p->suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
