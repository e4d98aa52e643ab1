/* Unit tests of the Hub Transport relay (issue 5): check_hub_proto.c for the
 * SMTP syntax, the end-of-data scanner and the config; check_hub_session.c
 * for both session state machines, driven without sockets. */
#include "config.h"

#include <stdlib.h>

#include "hub_suites.h"
#include "log.h"

int
main(void)
{
	log_open(1);
	log_set_level(LOG_ERR);		/* the machines log; keep the output readable */
	SRunner *sr = srunner_create(hub_proto_suite());
	srunner_add_suite(sr, hub_sessions_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
