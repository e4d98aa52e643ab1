/* The DATA phase as a byte stream: finds the end-of-data line ".<CRLF>"
 * across arbitrary buffer boundaries and checks text line rules, without
 * changing or holding a byte (dot-stuffing passes through untouched). */
#ifndef UMSBC_HUB_DATA_STREAM_H
#define UMSBC_HUB_DATA_STREAM_H

#include <stddef.h>

struct hub_data_scanner {
	size_t pos;		/* octets of the current line so far, CR included */
	unsigned char first;	/* first octet of the current line */
	int prev_cr;
	int lenient;		/* discarding: only look for the end */
};

enum hub_data_result {
	HUB_DATA_MORE,		/* all n octets belong to the message */
	HUB_DATA_END,		/* *used octets end with the end-of-data line */
	HUB_DATA_LONG,		/* a line exceeds 1000 octets: *used octets are fine */
	HUB_DATA_BARE_LF,	/* an LF without CR: *used octets are fine */
};

void hub_data_init(struct hub_data_scanner *d, int lenient);
enum hub_data_result hub_data_scan(struct hub_data_scanner *d, const unsigned char *p, size_t n,
    size_t *used);

#endif
