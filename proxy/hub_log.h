/* Event IDs of the Hub Transport relay (docs/EVENTS.md, UMS4xxx). They
 * extend enum log_event of log.h. */
#ifndef UMSBC_HUB_LOG_H
#define UMSBC_HUB_LOG_H

#include "log.h"

/* The UMS4xxx IDs live in log.h's enum log_event with the others. */

#endif
