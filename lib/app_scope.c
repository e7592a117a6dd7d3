/* app_scope: where the caller holds a permission, as SQL on a list's rows (app.h). */
#include "app.h"

/* Where the caller holds permission, as a SQL condition on rows r with team, entity_ref and
 * requester columns (the caller's own rows always count). *v: room for the statement's values
 * (DB_PARAMS_MAX), the condition's first, leaving 16 for the list's filters after it; NULL with a
 * 500 problem when out of memory. */
const char *app_scope_where(struct app_ctx *c, const char *permission, struct db_value **v, size_t *nv)
{
    struct authz_scopes sc;
    *nv = 0;
    *v = arena_calloc(c->arena, DB_PARAMS_MAX, sizeof(**v));
    if (!*v || authz_scopes_of(&c->grants, permission, c->arena, &sc) < 0) {
        problem_set(&c->problem, 500, "internal", "out of memory");
        return NULL;
    }
    if (sc.everywhere)
        return "TRUE";
    const char *w = "r.requester = ?";
    (*v)[(*nv)++] = (struct db_value)DB_TEXTV(c->who.username);
    for (size_t i = 0; i < sc.nteams && *nv < DB_PARAMS_MAX - 16; i++) {
        w = arena_printf(c->arena, "%s OR r.team = ?", w);
        (*v)[(*nv)++] = (struct db_value)DB_TEXTV(sc.teams[i]);
    }
    for (size_t i = 0; i < sc.nentities && *nv < DB_PARAMS_MAX - 16; i++) {
        w = arena_printf(c->arena, "%s OR r.entity_ref = ?", w);
        (*v)[(*nv)++] = (struct db_value)DB_TEXTV(sc.entities[i]);
    }
    return arena_printf(c->arena, "(%s)", w);
}
