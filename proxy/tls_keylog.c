#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "tls_keylog.h"

static int keylog_fd = -1;
static pthread_once_t keylog_once = PTHREAD_ONCE_INIT;

static void
keylog_open(void)
{
	const char *path = getenv("SSLKEYLOGFILE");

	if (!path || !*path)
		return;
	keylog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (keylog_fd < 0)
		log_event(LOG_ERR, EV_TLS_KEYLOG, "SSLKEYLOGFILE=%s cannot be opened (%s): "
		    "TLS secrets are not written", path, strerror(errno));
	else
		log_event(LOG_WARNING, EV_TLS_KEYLOG, "SSLKEYLOGFILE=%s: the secrets of every TLS "
		    "connection are written there, and with them anyone can read the calls' "
		    "signaling; unset it unless you are debugging", path);
}

/* One line and its newline in one O_APPEND write: lines of handshakes on
 * different threads do not interleave. */
static void
keylog_line(const SSL *ssl, const char *line)
{
	struct iovec iov[2] = { { (void *)line, strlen(line) }, { "\n", 1 } };

	(void)ssl;
	if (writev(keylog_fd, iov, 2) < 0)
		return;		/* a debugging aid: the connection goes on */
}

void
tls_keylog_attach(SSL_CTX *ctx)
{
	pthread_once(&keylog_once, keylog_open);
	if (ctx && keylog_fd >= 0)
		SSL_CTX_set_keylog_callback(ctx, keylog_line);
}
