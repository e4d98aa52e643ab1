#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdlimit.h"
#include "hub/hub.h"
#include "log.h"

#define FD_MARGIN 64

long
fdlimit_need(const struct conf *c)
{
	long n = (long)c->tls.max_connections + c->n_listen + FD_MARGIN;

	/* Two sockets a media port: its own and its connected twin
	 * (media/portpool.h, io_uring path). */
	if (c->media.enabled)
		n += 2L * (c->media.port_max - c->media.port_min + 1);
	n += hub_relay_fds(c->hub);
	return n;
}

int
fdlimit_raise(const struct conf *c)
{
	struct rlimit rl;
	long need = fdlimit_need(c);

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	rlim_t was = rl.rlim_cur;
	if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max > need ?
		    (rlim_t)need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_event(LOG_WARNING, EV_FD_LIMIT, "file descriptors: cannot raise the soft "
			    "limit from %lu: %s", (unsigned long)was, strerror(errno));
			rl.rlim_cur = was;
		}
	}
	int enough = rl.rlim_cur == RLIM_INFINITY || (long)rl.rlim_cur >= need;
	log_event(enough ? LOG_INFO : LOG_WARNING, EV_FD_LIMIT,
	    "file descriptors: %ld needed (tls.max_connections %d, media ports %d), soft limit %lu "
	    "(was %lu), hard limit %lu%s", need, c->tls.max_connections,
	    c->media.enabled ? c->media.port_max - c->media.port_min + 1 : 0,
	    (unsigned long)rl.rlim_cur, (unsigned long)was, (unsigned long)rl.rlim_max,
	    enough ? "" : ": raise the hard limit (LimitNOFILE= in the unit, ulimit -Hn) "
	    "or lower tls.max_connections");
	return enough ? 0 : -1;
}

static int spare = -1;

void
fdlimit_spare_keep(void)
{
	if (spare < 0)
		spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void
fdlimit_spare_release(void)
{
	if (spare >= 0)
		close(spare);
	spare = -1;
}

int
fdlimit_refuse_with_spare(int lfd)
{
	if (spare < 0)
		return -1;
	close(spare);
	int fd = accept(lfd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? 0 : -1;
}
