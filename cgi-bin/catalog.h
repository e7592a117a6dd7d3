/*
 * The catalog handler's parts (catalog.c: entities, search, graph, import, export;
 * catalog_locations.c; catalog_discovery.c) and what they share: one binary, catalog.fcgi.
 */
#ifndef PORTICO_CGI_CATALOG_H
#define PORTICO_CGI_CATALOG_H

#include "lib/portico.h"

/* The entity a path names; 0, or -1 with 404 in c->problem. */
int catalog_path_ref(struct app_ctx *c, struct catalog_ref *ref);

/* May the caller use permission on an entity owned by team (NULL: nobody's)? app_may on the
 * entity as authz sees it. */
bool catalog_may(struct app_ctx *c, const char *permission, const char *team, const struct catalog_ref *ref,
                 struct authz_decision *d);

/* app_refuse for permission on that entity; returns -1. */
int catalog_refuse(struct app_ctx *c, const char *permission, const char *team, const struct catalog_ref *ref,
                   const struct authz_decision *d);

/* The path's entity when the caller may read it and use permission on it: *id and *team
 * (NULL: nobody's) filled; 0, or -1 with 404 (not there) or 403 (refused, in words). */
int catalog_path_entity(struct app_ctx *c, const char *permission, struct catalog_ref *ref, long long *id,
                        const char **team);

/* The writer for this request (lib/catalog_store.h): the caller's roles decide by owner. */
struct catalog_writer catalog_request_writer(struct app_ctx *c);

/* catalog_locations.c */
int catalog_locations_list(struct app_ctx *c);
int catalog_location_get(struct app_ctx *c);
int catalog_location_create(struct app_ctx *c);
int catalog_location_delete(struct app_ctx *c);
int catalog_location_sync(struct app_ctx *c);

/* catalog_discovery.c */
int catalog_instances_list(struct app_ctx *c);
int catalog_instance_put(struct app_ctx *c);
int catalog_instance_heartbeat(struct app_ctx *c);
int catalog_instance_delete(struct app_ctx *c);
int catalog_discover(struct app_ctx *c);

#endif
