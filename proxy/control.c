#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "control.h"

/* A client is named by an id, never by pointer, so that an answer for one
 * that has gone is simply dropped. */
struct client {
	LIST_ENTRY(client) link;
	uint64_t id;
	struct bufferevent *bev;
	int waiting;		/* for a late answer: its next command waits */
};

static struct {
	struct evconnlistener *el;
	control_fn fn;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	LIST_HEAD(, client) clients;
	uint64_t next_id;
} C;

static void
client_free(struct client *cl)
{
	LIST_REMOVE(cl, link);
	bufferevent_free(cl->bev);
	free(cl);
}

enum control_verb
control_verb(const char *cmd)
{
	if (strcmp(cmd, "status") == 0)
		return CONTROL_STATUS;
	if (strcmp(cmd, "reload") == 0)
		return CONTROL_RELOAD;
	if (strncmp(cmd, "test-connectivity", 17) == 0 && (cmd[17] == ' ' || cmd[17] == '\0'))
		return CONTROL_TEST;
	return CONTROL_UNKNOWN;
}

int
control_lines(struct evbuffer *in, struct evbuffer *out, control_fn fn, uint64_t client)
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
		int later = fn(line, out, client) == CONTROL_LATER;
		free(line);
		if (later)
			return CONTROL_LATER;	/* the rest waits for that answer */
		evbuffer_add(out, ".\n", 2);
	}
	/* A runaway writer: this line cannot end within the limit (the +1 is
	 * the CR that may precede its LF). */
	return evbuffer_get_length(in) > CONTROL_LINE_MAX + 1 ? -1 : 0;
}

static void
client_read(struct bufferevent *bev, void *arg)
{
	struct client *cl = arg;

	if (cl->waiting)
		return;
	switch (control_lines(bufferevent_get_input(bev), bufferevent_get_output(bev), C.fn, cl->id)) {
	case CONTROL_LATER:
		cl->waiting = 1;
		bufferevent_disable(bev, EV_READ);	/* and its idle time-out */
		break;
	case -1:
		client_free(cl);
		break;
	}
}

static void
client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev; (void)what;
	client_free(arg);
}

void
control_answer(uint64_t client, struct evbuffer *answer)
{
	struct client *cl;

	LIST_FOREACH(cl, &C.clients, link)
		if (cl->id == client && cl->waiting) {
			struct evbuffer *out = bufferevent_get_output(cl->bev);
			evbuffer_add_buffer(out, answer);
			evbuffer_add(out, ".\n", 2);
			cl->waiting = 0;
			bufferevent_enable(cl->bev, EV_READ);
			client_read(cl->bev, cl);	/* a command sent meanwhile */
			return;
		}
}

static void
client_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(el), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	struct client *cl = calloc(1, sizeof(*cl));
	struct timeval idle = { 30, 0 };

	(void)sa; (void)len; (void)arg;
	if (!bev || !cl) {
		if (bev)
			bufferevent_free(bev);
		else
			close(fd);
		free(cl);
		return;
	}
	cl->id = ++C.next_id;
	cl->bev = bev;
	LIST_INSERT_HEAD(&C.clients, cl, link);
	bufferevent_setcb(bev, client_read, NULL, client_event, cl);
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
	while (!LIST_EMPTY(&C.clients))
		client_free(LIST_FIRST(&C.clients));
	C.el = NULL;
}
