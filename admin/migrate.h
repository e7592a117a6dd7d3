/*
 * migrate: apply sql/NNNN_name.sql files in order and record them in schema_migrations.
 *
 * Safe to run twice (applied files are skipped) and from two hosts at once (a server-side
 * named lock serialises runs; the second one then finds nothing to do). A file that was
 * applied and has since changed is refused: migrations are append-only. Before each file,
 * the session variables @portico_db, @portico_app_user, @portico_app_host and
 * @portico_app_password are set from the configuration, so migrations can create and grant
 * the handlers' least-privilege account without any secret in the SQL files.
 */
#ifndef PORTICO_MIGRATE_H
#define PORTICO_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/config.h"
#include "lib/db.h"
#include "lib/problem.h"

/* Apply every pending migration from dir; progress lines go to out. */
int migrate_apply(struct db *db, const struct config *cfg, const char *dir, FILE *out, struct problem *p);

/* Print every migration in dir and in the table with its state. Returns 0, or 1 when some
 * are pending or changed (handy for scripts), or -1 on error. */
int migrate_status(struct db *db, const char *dir, FILE *out, struct problem *p);

#endif
