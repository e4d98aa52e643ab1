#include "config.h"

#include <string.h>

#include "data_stream.h"
#include "smtp_syntax.h"

void
hub_data_init(struct hub_data_scanner *d, int lenient)
{
	memset(d, 0, sizeof(*d));
	d->lenient = lenient;
}

enum hub_data_result
hub_data_scan(struct hub_data_scanner *d, const unsigned char *p, size_t n, size_t *used)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch == '\n') {
			int is_end = d->prev_cr && d->pos == 2 && d->first == '.';
			if (!d->prev_cr && !d->lenient) {
				/* A bare LF is a line end to some MTAs and not to
				 * others: never pass one (SMTP smuggling). */
				*used = i;
				return HUB_DATA_BARE_LF;
			}
			d->pos = 0;
			d->prev_cr = 0;
			if (is_end) {
				*used = i + 1;
				return HUB_DATA_END;
			}
			continue;
		}
		if (d->pos == 0)
			d->first = ch;
		d->pos++;
		d->prev_cr = ch == '\r';
		/* 998 text octets + CR so far; only the LF may follow. */
		if (d->pos > HUB_SMTP_LINE_MAX - 1 && !d->lenient) {
			*used = i;
			return HUB_DATA_LONG;
		}
		if (d->lenient && d->pos > HUB_SMTP_LINE_MAX)
			d->pos = HUB_SMTP_LINE_MAX;	/* no overflow, never an end line */
	}
	*used = n;
	return HUB_DATA_MORE;
}
