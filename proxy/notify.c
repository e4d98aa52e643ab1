#include "config.h"

#include <stdlib.h>
#include <time.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "notify.h"

#ifdef HAVE_SYSTEMD

int
notify_active(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	return s && *s;
}

void
notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

/* MONOTONIC_USEC lets Type=notify-reload match the reload to its signal. */
void
notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL);
}

void
notify_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

void
notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

const char *
notify_support(void)
{
	return "yes (libsystemd)";
}

#else

int notify_active(void) { return 0; }
void notify_ready(const char *status) { (void)status; }
void notify_reloading(void) { }
void notify_stopping(const char *status) { (void)status; }
void notify_status(const char *status) { (void)status; }
const char *notify_support(void) { return "no"; }

#endif
