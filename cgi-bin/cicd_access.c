/*
 * cicd_access: what cicd.fcgi's parts share (cicd.h): how an entity and its owner are found and
 * asked whether the caller may act on it, an integration loaded and checked, and an integration
 * as the API answers it. Apart, so that no part calls into another.
 */
#include <string.h>

#include "lib/cicd.h"
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
    return cicd_row_visible(c, perm, r, 0, 1, arena_printf(c->arena, "no integration %lld", id));
}

int cicd_row_visible(struct app_ctx *c, const char *perm, const struct db_result *r, size_t entity_col, size_t owner_col,
                     const char *none)
{
    struct authz_resource res;
    struct authz_decision d;
    /* what the caller may not read is not there for them */
    if (r->nrows == 0 || !cicd_may(c, "cicd.read", db_cell(r, 0, owner_col), db_cell(r, 0, entity_col), &res, &d)) {
        c->hidden_denial = r->nrows != 0;
        return problem_set(&c->problem, 404, "not-found", "%s", none);
    }
    if (strcmp(perm, "cicd.read") != 0 &&
        !cicd_may(c, perm, db_cell(r, 0, owner_col), db_cell(r, 0, entity_col), &res, &d))
        return app_refuse(c, perm, &res, &d);
    return 0;
}

/* ---- an integration as the API answers it ------------------------------------------------------ */

/* How to set the delivery up at the provider, step by step, with the inbound URL. */
static json_object *setup_steps(struct app_ctx *c, enum cicd_provider pv, long long id)
{
    const char *host = http_header(&c->req, "Host");
    const char *https = http_env(c->req.env, "HTTPS");
    const char *url = arena_printf(c->arena, "%s://%s/api/v1/cicd/hooks/%lld",
                                   https && strcmp(https, "on") == 0 ? "https" : "http", host ? host : "portico.example", id);
    static const char *const steps[CICD_PROVIDERS][6] = {
        [CICD_GITHUB] = { "In the repository (or organization): Settings → Webhooks → Add webhook.",
                          "Payload URL: %s", "Content type: application/json.",
                          "Secret: the secret shown once when this integration was made.",
                          "Events: Workflow runs, Check runs, Pushes, Pull requests, Deployments and Deployment statuses.",
                          NULL },
        [CICD_GITLAB] = { "In the project: Settings → Webhooks → Add new webhook.", "URL: %s",
                          "Secret token: the secret shown once when this integration was made.",
                          "Triggers: Push events, Tag push events, Merge request events, Pipeline events, Job events and "
                          "Deployment events.", NULL, NULL },
        [CICD_CIRCLECI] = { "In the project: Project Settings → Webhooks → Add Webhook.", "Receiver URL: %s",
                            "Secret: the secret shown once when this integration was made.",
                            "Events: Workflow Completed and Job Completed.", NULL, NULL },
        [CICD_JENKINS] = { "Post a JSON notification from the pipeline for each run and deployment (docs/cicd.md gives "
                           "the body), to %s",
                           "Headers: X-Portico-Event (run, deployment or push), X-Portico-Delivery (unique per "
                           "notification), X-Portico-Timestamp (unix seconds) and X-Portico-Signature: sha256=<hex "
                           "HMAC-SHA256 of \"<timestamp>.<body>\" with the secret>.",
                           "Keep the secret in Jenkins' credentials store; it was shown once when this integration was made.",
                           NULL, NULL, NULL },
        [CICD_GENERIC] = { "POST each run, deployment or push as JSON (docs/cicd.md gives the body) to %s",
                           "Headers: X-Portico-Event, X-Portico-Delivery, X-Portico-Timestamp (unix seconds) and "
                           "X-Portico-Signature: sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\" with the secret>; a "
                           "timestamp more than 5 minutes off is refused.", NULL, NULL, NULL, NULL },
    };
    json_object *o = json_object_new_object(), *list = json_object_new_array();
    json_object_object_add(o, "url", json_object_new_string(url));
    for (size_t i = 0; i < 6 && steps[pv][i]; i++) {
        /* "%s" in a step is where the URL goes */
        const char *s = steps[pv][i], *mark = strstr(s, "%s");
        json_object_array_add(list, json_object_new_string(
            mark ? arena_printf(c->arena, "%.*s%s%s", (int)(mark - s), s, url, mark + 2) : s));
    }
    json_object_object_add(o, "steps", list);
    return o;
}

int cicd_integration_answer_with(struct app_ctx *c, long long id, int status, const char *secret)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT " INTEGRATION_COLUMNS " FROM cicd_integrations i WHERE i.id = ?", &v, 1, &r,
                 &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no integration %lld", id);
    int pv = cicd_provider_parse(db_cell(&r, 0, 3));
    json_object *rows = app_keep(c, app_rows_json(&r, 1, INTEGRATION_TYPES));
    json_object *o = rows ? json_object_get(json_object_array_get_idx(rows, 0)) : NULL;
    if (!o || pv < 0) {
        json_object_put(o);
        return problem_set(&c->problem, 500, "internal", "integration %lld could not be answered", id);
    }
    json_object_object_add(o, "setup", setup_steps(c, (enum cicd_provider)pv, id));
    if (secret) {
        json_object_object_add(o, "secret", json_object_new_string(secret));
        c->wipe_response = true;
    }
    return app_json(c, status, o);
}

int cicd_integration_answer(struct app_ctx *c, long long id, int status)
{
    return cicd_integration_answer_with(c, id, status, NULL);
}
