#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "control.h"

static struct {
	struct evconnlistener *el;
	control_fn fn;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} C;

enum control_verb
control_verb(const char *cmd)
{
	if (strcmp(cmd, "status") == 0)
		return CONTROL_STATUS;
	if (strcmp(cmd, "reload") == 0)
		return CONTROL_RELOAD;
	return CONTROL_UNKNOWN;
}

int
control_lines(struct evbuffer *in, struct evbuffer *out, control_fn fn)
{
	char *line;
	size_t n;

	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
		/* Too long, or cut short by a NUL: not a command, however it came
		 * (fuzz_control: both were answered when they came in one read). */
		if (n > CONTROL_LINE_MAX || memchr(line, '\0', n)) {
			free(line);
			return -1;
		}
		fn(line, out);
		evbuffer_add(out, ".\n", 2);
		free(line);
	}
	/* A runaway writer: this line cannot end within the limit (the +1 is
	 * the CR that may precede its LF). */
	return evbuffer_get_length(in) > CONTROL_LINE_MAX + 1 ? -1 : 0;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (control_lines(bufferevent_get_input(bev), bufferevent_get_output(bev), C.fn) != 0)
		bufferevent_free(bev);
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what; (void)arg;
	bufferevent_free(bev);
}

static void
client_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(el), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	struct timeval idle = { 30, 0 };

	(void)sa; (void)len; (void)arg;
	if (!bev) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, client_read, NULL, client_event, NULL);
	bufferevent_set_timeouts(bev, &idle, &idle);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* A socket file left by a daemon that died is replaced; one that answers is
 * another umsbcd, and we must not steal it. */
static int
stale(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), r;

	if (fd < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return r != 0 && errno == ECONNREFUSED;
}

int
control_start(struct event_base *base, const char *path, control_fn fn)
{
	struct sockaddr_un sun;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	/* /run/umsbc does not survive a reboot: make it (only the last level). */
	char dir[sizeof(sun.sun_path)];
	strcpy(dir, path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -1;
	}
	if (access(path, F_OK) == 0) {
		if (!stale(&sun)) {
			errno = EADDRINUSE;
			return -1;
		}
		unlink(path);
	}
	mode_t old = umask(0177);
	C.el = evconnlistener_new_bind(base, client_accept, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 8,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (!C.el)
		return -1;
	C.fn = fn;
	strcpy(C.path, path);
	return 0;
}

void
control_stop(void)
{
	if (!C.el)
		return;
	evconnlistener_free(C.el);
	unlink(C.path);
	C.el = NULL;
}
