/* File-system helpers of the certs library: directory listings and
 * crash-safe, permission-safe writes. Internal to certs/. */
#ifndef UMSBC_CERTS_FSUTIL_H
#define UMSBC_CERTS_FSUTIL_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

int certs_has_suffix(const char *name, const char *suffix);

/* Entries of dir ending in one of suffixes (NULL-terminated), sorted by
 * name. Returns the count or -1 (errno set). Free with certs_free_list. */
int certs_list_files(const char *dir, const char *const *suffixes, struct dirent ***out);
void certs_free_list(struct dirent **ents, int n);

/* Creates dir (mode) if it does not exist; the parent must exist. */
int certs_ensure_dir(const char *dir, mode_t mode, char *err, size_t errlen);

/* Writes data to path atomically: a temporary file beside it, created with
 * O_EXCL at `mode` from the start (a key is never readable by others, not even
 * for a moment), fsync, then rename. With excl the final name must not exist
 * yet. The file gets the owner of its directory when we may chown (root
 * writing into the daemon's store). Returns 0, or -1 with err. */
int certs_write_file(const char *path, const void *data, size_t len, mode_t mode, int excl,
    char *err, size_t errlen);

/* 0 if path is not readable by group or others, else -1 with the message
 * naming the file and the chmod that fixes it. */
int certs_check_key_mode(const char *path, char *err, size_t errlen);

#endif
