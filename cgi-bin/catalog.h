/*
 * The catalog handler's parts and what they share: one binary, catalog.fcgi. catalog.c: entities
 * (read, write, delete, relations, import), the route table and what the others share;
 * catalog_search.c: search and export; catalog_graph.c: the dependency graph and the report;
 * catalog_locations.c; catalog_discovery.c. The parts call catalog.c, never one another.
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

/* Does the caller read every entity there may be? Only then may an answer tell a ref that is not
 * in the catalog from one the caller may not read: to anyone else both look alike (hidden). */
bool catalog_reads_everything(struct app_ctx *c);

#define SEARCH_PARAMS_MAX 160

/* A WHERE clause and its parameters, grown by the filters. */
struct catalog_where {
    const char *sql;
    struct db_value v[SEARCH_PARAMS_MAX];
    size_t n;
    bool full;          /* a clause did not fit: the query must not run without it */
};

/* Adds clause (with its ? for each of values) to w, joined by AND; w->full when they would not
 * fit (with room kept for a page's cursor and limit). */
void catalog_where_add(struct app_ctx *c, struct catalog_where *w, const char *clause, const char *const *values,
                       size_t nvalues);

/* "column IN (?, ?, ...)" over n values, or a clause that is false when there are none. */
const char *catalog_in_list(struct app_ctx *c, const char *column, size_t n);

/* Only what the caller may read: the read scopes (everywhere, or teams and entities) as SQL on
 * the entities table aliased by prefix ("" or "e."); 422 when they do not fit in one query. */
int catalog_where_readable(struct app_ctx *c, struct catalog_where *w, const char *prefix);

/* catalog_search.c */
int catalog_search(struct app_ctx *c);
int catalog_export(struct app_ctx *c);

/* catalog_graph.c */
int catalog_graph(struct app_ctx *c);
int catalog_report(struct app_ctx *c);

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
