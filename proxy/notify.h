/* Telling the service manager how we are (sd_notify(3), Type=notify):
 * READY=1 once every listener is bound, RELOADING=1 / READY=1 around a
 * reload, STOPPING=1 at SIGTERM, STATUS= a one-line summary. Built without
 * libsystemd, or started without NOTIFY_SOCKET, every call does nothing. */
#ifndef UMSBC_NOTIFY_H
#define UMSBC_NOTIFY_H

/* Whether anyone listens: built with libsystemd and NOTIFY_SOCKET set. */
int notify_active(void);
void notify_ready(const char *status);
void notify_reloading(void);
void notify_stopping(const char *status);
void notify_status(const char *status);
/* "yes (libsystemd)" or "no": for umsbcd -V. */
const char *notify_support(void);

#endif
