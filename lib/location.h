/*
 * location: where a catalog file lives, and reading it. A file on disk, a file in a git
 * repository on disk (read at a revision with `git show`, so the working tree's state does not
 * matter and bare repositories work), or an http(s) URL. Files and repositories must lie under
 * one of the configured roots (catalog_location_roots), checked on the resolved path — a
 * symbolic link out of a root is refused — when registered and again on every read.
 */
#ifndef PORTICO_LOCATION_H
#define PORTICO_LOCATION_H

#include <stddef.h>

#include "config.h"
#include "problem.h"

#define LOCATION_READ_MAX (64L * 1024 * 1024)   /* the most a location's file may hold */

struct location {
    const char *type;       /* "file", "git", "url" */
    const char *target;     /* path, repository directory, or URL */
    const char *path;       /* git: the file in the repository ("" -> catalog-info.yaml) */
    const char *revision;   /* git: branch, tag or commit ("" -> HEAD) */
};

/* Is l well formed and allowed by cfg? Field errors (type, target, path, revision) into p; 0 or -1. */
int location_check(const struct config *cfg, const struct location *l, struct problem *p);

/* A location's target as it may be shown and logged, into out (len bytes): a URL without its
 * user:password@ and with "?…" for its query (a location registered before credentials in URLs
 * were refused may still carry one); a path as it is. Returns out. */
const char *location_shown(const char *target, char *out, size_t len);

/* Read l's file: *out (malloc'd, NUL-terminated, caller frees) and *len; at most max bytes, within
 * timeout_seconds. 0, or -1 with p's detail saying what went wrong (502 for an upstream that
 * failed, 422 for a location no longer allowed). */
int location_read(const struct config *cfg, const struct location *l, size_t max, int timeout_seconds, char **out,
                  size_t *len, struct problem *p);

#endif
