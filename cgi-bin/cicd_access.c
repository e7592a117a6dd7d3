/*
 * cicd_access: how cicd.c and cicd_dora.c find an entity and its owner, and ask whether the
 * caller may act on it (cicd.h). Apart, so that neither file calls into the other.
 */
#include <string.h>

#include "lib/json.h"

#include "cicd.h"

/* The entity named by ?entity= or a body's "entity" (a catalog ref), with its owner team: 0, or
 * -1 with a field error (or 404 when the catalog has no such entity). */
int cicd_entity_owner(struct app_ctx *c, const char *field, const char *text, struct catalog_ref *ref,
                      const char **team)
{
    const char *why;
    if (!text)
        return problem_field(&c->problem, field, "is required: the entity's ref, e.g. component:default/web"), -1;
    if (catalog_ref_parse(text, "Component", NULL, ref, &why) < 0)
        return problem_field(&c->problem, field, "%s", why), -1;
    struct db_value v = DB_TEXTV(ref->text);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT owner_team FROM entities WHERE ref = ?", &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "the catalog has no entity %s", ref->text);
    *team = db_cell(&r, 0, 0);
    if (!*team)
        return problem_field(&c->problem, field, "%s has no owner team: give it one in the catalog first", ref->text), -1;
    return 0;
}

bool cicd_may(struct app_ctx *c, const char *perm, const char *team, const char *entity, struct authz_resource *res,
              struct authz_decision *d)
{
    *res = (struct authz_resource){ team, entity, NULL, NULL };
    return app_may(c, perm, res, d);
}

int cicd_integration_load(struct app_ctx *c, const char *perm, long long id, struct db_result *r)
{
    if (id <= 0)
        return problem_set(&c->problem, 404, "not-found", "no integration %lld", id);
    struct db_value v = DB_INTV(id);
    /* the entity's owner now (a handover moves it; the integration's team is who made it) */
    if (db_query(c->db, c->arena, "SELECT i.entity_ref, COALESCE(e.owner_team, i.team), i.secret_path, i.provider, "
                                  "i.deploy_api, i.deploy_target, i.deploy_ref, i.deploy_user, i.deploy_secret_path, "
                                  "i.deploy_approvals FROM cicd_integrations i LEFT JOIN entities e ON "
                                  "e.ref = i.entity_ref WHERE i.id = ?", &v, 1, r, &c->problem) < 0)
        return -1;
    struct authz_resource res;
    struct authz_decision d;
    if (r->nrows == 0 || !cicd_may(c, "cicd.read", db_cell(r, 0, 1), db_cell(r, 0, 0), &res, &d)) {
        c->hidden_denial = r->nrows != 0;
        return problem_set(&c->problem, 404, "not-found", "no integration %lld", id);
    }
    if (strcmp(perm, "cicd.read") != 0 && !cicd_may(c, perm, db_cell(r, 0, 1), db_cell(r, 0, 0), &res, &d))
        return app_refuse(c, perm, &res, &d);
    return 0;
}
