/* The expiry warning schedule. */
#include "config.h"

#include "expiry.h"
#include "info.h"

enum certs_expiry_level
certs_expiry_check(time_t not_after, time_t now, time_t last_logged, long *days_left)
{
	long long left = (long long)not_after - (long long)now;
	enum certs_expiry_level level;

	if (days_left)
		*days_left = certs_days_left(not_after, now);
	if (left > CERTS_EXPIRY_WINDOW)
		return CERTS_EXPIRY_NONE;
	/* notAfter itself is still valid (RFC 5280 4.1.2.5). */
	level = left >= 0 ? CERTS_EXPIRY_WARNING : CERTS_EXPIRY_ERROR;
	if (last_logged == 0 || now < last_logged ||
	    now - last_logged >= CERTS_EXPIRY_INTERVAL - CERTS_EXPIRY_SLACK)
		return level;
	return CERTS_EXPIRY_NONE;
}
