/*
 * cicd.fcgi's parts: cicd.c (integrations, deliveries, runs and deployments), cicd_dora.c (the
 * DORA metrics), and cicd_access.c, which both use: how an entity and its owner are found and asked.
 */
#ifndef PORTICO_CGI_CICD_H
#define PORTICO_CGI_CICD_H

#include <stdbool.h>

#include "lib/app.h"
#include "lib/catalog.h"

/* The entity text names (a catalog ref; field: where it came from) and its owner team: 0, or -1
 * with a field error (or 404 when the catalog has no such entity). */
int cicd_entity_owner(struct app_ctx *c, const char *field, const char *text, struct catalog_ref *ref, const char **team);

/* May the caller use perm on the entity (or, entity NULL, the team)? res and d for app_refuse. */
bool cicd_may(struct app_ctx *c, const char *perm, const char *team, const char *entity, struct authz_resource *res,
              struct authz_decision *d);

/* GET /cicd/dora */
int cicd_dora(struct app_ctx *c);

#endif
