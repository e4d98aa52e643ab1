/* Unit tests of the Hub Transport relay (issue 5): check_hub_proto.c for the
 * SMTP syntax, the end-of-data scanner and the config; check_hub_session.c
 * for both session state machines, driven without sockets. */
#include "config.h"

#include "check_run.h"
#include "hub_suites.h"
#include "log.h"

static void
quiet_log(void)
{
	log_open(1);
	log_set_level(LOG_ERR);		/* the machines log; keep the output readable */
}

const struct check_run check_run_program = {
	.setup = quiet_log,
	.suites = { hub_proto_suite, hub_sessions_suite, NULL },
};
