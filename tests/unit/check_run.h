/* check_run.h -- the one main() of the unit test programs (check_run.c).
 * Each program defines check_run_program: its suites, in the order they
 * run, and what must happen before the first one is built. */
#ifndef UMSBC_CHECK_RUN_H
#define UMSBC_CHECK_RUN_H

#include <check.h>

#define CHECK_RUN_MAX_SUITES 16

struct check_run {
	void (*setup)(void);	/* first thing in main(), or NULL */
	Suite *(*suites[CHECK_RUN_MAX_SUITES + 1])(void);	/* NULL-terminated */
};

extern const struct check_run check_run_program;

#endif
