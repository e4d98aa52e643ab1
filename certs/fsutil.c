/* Directory listings and atomic 0600 writes for the stores. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

int
certs_has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	return n > s && strcmp(name + n - s, suffix) == 0;
}

int
certs_list_files(const char *dir, const char *const *suffixes, struct dirent ***out)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), k = 0;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int keep = ents[i]->d_name[0] != '.';	/* our temporaries start with "." */
		int match = 0;
		for (const char *const *s = suffixes; *s; s++)
			match |= certs_has_suffix(ents[i]->d_name, *s);
		if (keep && match)
			ents[k++] = ents[i];
		else
			free(ents[i]);
	}
	*out = ents;
	return k;
}

void
certs_free_list(struct dirent **ents, int n)
{
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

int
certs_ensure_dir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if (mkdir(dir, mode) == 0 || errno == EEXIST)
		return 0;
	snprintf(err, errlen, "cannot create %s: %s (create it with: install -d -m 700 %s)",
	    dir, strerror(errno), dir);
	return -1;
}

/* New files take the directory's owner so that umsbcctl run as root leaves
 * files the daemon's user can read. Best effort: only root may chown. */
static void
own_like_dir(int fd, const char *path)
{
	char copy[1024];
	struct stat st;

	if (geteuid() != 0)
		return;
	snprintf(copy, sizeof(copy), "%s", path);
	if (stat(dirname(copy), &st) == 0 && fchown(fd, st.st_uid, st.st_gid) != 0)
		return;		/* keeps root's ownership; the daemon says so when it cannot read */
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

int
certs_write_file(const char *path, const void *data, size_t len, mode_t mode, int excl,
    char *err, size_t errlen)
{
	char tmp[1100], copy[1024];
	const char *slash = strrchr(path, '/');
	int fd;

	/* The temporary starts with "." so that a concurrent scan never sees it. */
	snprintf(copy, sizeof(copy), "%s", path);
	if (slash)
		snprintf(tmp, sizeof(tmp), "%.*s/.%s.%ld.tmp", (int)(slash - path), path, slash + 1,
		    (long)getpid());
	else
		snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", path, (long)getpid());
	if (excl && access(path, F_OK) == 0) {
		snprintf(err, errlen, "%s already exists", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	own_like_dir(fd, copy);
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	/* link() fails if the name exists: no race between check and rename. */
	if (excl ? link(tmp, path) : rename(tmp, path)) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (excl)
		unlink(tmp);
	return 0;
}

int
certs_check_key_mode(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s holds a private key but is readable by group or others; "
		    "fix with: chmod 600 %s", path, path);
		return -1;
	}
	return 0;
}
