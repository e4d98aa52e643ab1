#ifndef UMSBC_HUB_SUITES_H
#define UMSBC_HUB_SUITES_H

#include <check.h>

Suite *hub_proto_suite(void);
Suite *hub_sessions_suite(void);

#endif
