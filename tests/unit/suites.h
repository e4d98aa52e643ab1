#ifndef UMSBC_TEST_SUITES_H
#define UMSBC_TEST_SUITES_H

#include <check.h>

Suite *conf_suite(void);
Suite *admit_suite(void);
Suite *route_suite(void);
Suite *sipmsg_suite(void);
Suite *sipframe_suite(void);
Suite *control_suite(void);
Suite *sdp_suite(void);
Suite *call_suite(void);
Suite *limits_suite(void);
Suite *metrics_suite(void);
Suite *policy_suite(void);
Suite *conns_suite(void);

/* Writes text to a fresh temporary file; returns its path (static buffer). */
const char *write_temp(const char *text);

struct conf;
/* conf_load of text (through a temporary file, removed again). */
struct conf *load(const char *text, char *err, size_t n);
/* Expects a load failure at line `line` of the file, whose reason contains
 * `what`. */
void expect_error(const char *text, int line, const char *what);

#endif
