/*
 * secret_path: where a secret lives, "team/<team>/[<environment>/]<name>" or
 * "entity/<kind>/<namespace>/<entity>/[<environment>/]<name>" (lib/secrets). Apart from the
 * store, so that what only checks a path (a template's secret-ref parameter) needs no database.
 */
#ifndef PORTICO_SECRET_PATH_H
#define PORTICO_SECRET_PATH_H

#include <stdbool.h>

#include "catalog.h"

#define SECRET_NAME_MAX 63
#define SECRET_PATH_MAX 300

struct secret_path {
    char text[SECRET_PATH_MAX + 1];     /* as parsed, canonical */
    bool entity;                        /* an entity's (else a team's) */
    char team[SECRET_NAME_MAX + 1];     /* a team scope's team */
    char entity_ref[CATALOG_REF_MAX + 1];
    char environment[SECRET_NAME_MAX + 1];
    char name[SECRET_NAME_MAX + 1];
};

/* Parses a path (segments of letters, digits, '.', '_', '-'; an entity's kind as the catalog
 * spells kinds) into its canonical spelling (sp->text): the scope and environment in lower
 * case, the name as given. -1 with why. */
int secret_path_parse(const char *text, struct secret_path *sp, const char **why);

#endif
