/*
 * iam: explain — may this user do this (on this team, entity, environment or kind), and why: the
 * binding that decided, the policy that refused, every binding considered; for a catalog entity
 * (resource=), whose it is; and when it is not allowed, the binding that would allow it, in words
 * a person can act on ("a binding of developer (or a role holding catalog.entity.write) on team
 * payments"), as the refusals of lib/app say it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam.h"
#include "lib/utf8.h"

/* How a binding reaches the user, in words: "directly", "through team web", "as a member of a team". */
static const char *held_text(struct app_ctx *c, const char *via)
{
    if (strcmp(via, "user") == 0)
        return "directly";
    if (strcmp(via, "members") == 0)
        return "as a member of a team (every team member holds it)";
    return arena_printf(c->arena, "through team %s", strncmp(via, "team:", 5) == 0 ? via + 5 : via);
}

/* What would allow permission on res (NULL: a governance permission, or no resource named), or
 * what the refusing policy asks: {role, scope_type, scope_id, team_membership, text}. */
static json_object *needed_json(struct app_ctx *c, const char *perm, const struct authz_resource *res,
                                const struct authz_policy *pol)
{
    json_object *o = json_object_new_object();
    bool global = authz_permission_global(perm);
    const char *scope_type, *scope_id = "", *place;
    if (global) {
        scope_type = "global";
        place = "everywhere (a global binding)";
    } else if (res && res->owner_team) {
        scope_type = "team";
        scope_id = res->owner_team;
        place = arena_printf(c->arena, "on team %s", res->owner_team);
    } else if (res && res->entity) {
        scope_type = "entity";
        scope_id = res->entity;
        place = arena_printf(c->arena, "on %s", res->entity);
    } else {
        scope_type = "any";
        place = "anywhere (globally, on a team or on an entity)";
    }
    const char *role = pol && pol->require_role ? pol->require_role : authz_permission_least_role(perm);
    const char *text;
    if (pol && !pol->require_role)
        text = arena_printf(c->arena, "membership of team %s (or a binding on it), as policy %s asks",
                            res && res->owner_team ? res->owner_team : "that owns it", pol->name);
    else if (pol)
        text = arena_printf(c->arena, "a binding of %s (or a role holding all of its permissions) %s%s, as policy %s asks",
                            role, place, pol->require_owner ? ", and membership of the owning team" : "", pol->name);
    else
        text = arena_printf(c->arena, "a binding of %s (or a role holding %s) %s", role ? role : "a role", perm, place);
    json_object_object_add(o, "role", json_string_or_null(pol && !pol->require_role ? NULL : role));
    json_object_object_add(o, "scope_type", json_object_new_string(scope_type));
    json_object_object_add(o, "scope_id", json_object_new_string(scope_id));
    json_object_object_add(o, "team_membership", json_object_new_boolean(pol && pol->require_owner));
    json_object_object_add(o, "text", json_object_new_string(text));
    return o;
}

/* The attributes of a catalog entity for explain: its ref, kind and owning team (when it is in
 * the catalog). -1 with a 422 for a ref that is not one. */
static int resource_from_catalog(struct app_ctx *c, const char *text, struct authz_resource *res, bool *found)
{
    struct catalog_ref ref;
    const char *why;
    if (catalog_ref_parse(text, NULL, NULL, &ref, &why) < 0) {
        problem_field(&c->problem, "resource", "%s", why);
        json_fields_ok(&c->problem);
        return -1;
    }
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT owner_team FROM entities WHERE ref = ?", &v, 1, &r, &c->problem) < 0)
        return -1;
    res->entity = arena_strdup(c->arena, ref.text);
    res->kind = arena_strndup(c->arena, ref.text, (size_t)(strchr(ref.text, ':') - ref.text));
    if (r.nrows == 1 && db_cell(&r, 0, 0))
        res->owner_team = db_cell(&r, 0, 0);
    *found = r.nrows == 1;
    return 0;
}


int iam_explain(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *user = http_query(&c->req, "user"), *perm = http_query(&c->req, "permission");
    struct authz_resource res = { http_query(&c->req, "team"), http_query(&c->req, "entity"),
                                  http_query(&c->req, "environment"), http_query(&c->req, "kind") };
    /* what the answer echoes is JSON's: UTF-8 text (a prefix elsewhere may match bytes; these
     * are names, and go back out) */
    static const char *const echoed[] = { "user", "permission", "team", "entity", "environment", "kind", "resource" };
    for (size_t i = 0; i < sizeof(echoed) / sizeof(echoed[0]); i++) {
        const char *v = http_query(&c->req, echoed[i]);
        if (v && !utf8_valid((const unsigned char *)v, strlen(v)))
            problem_field(p, echoed[i], "must be UTF-8 text");
    }
    if (!json_fields_ok(p))
        return -1;
    /* resource=<catalog ref>: the entity's owner and kind as the catalog has them */
    const char *resource = http_query(&c->req, "resource");
    bool in_catalog = false;
    if (resource && resource_from_catalog(c, resource, &res, &in_catalog) < 0)
        return -1;
    bool has_res = res.owner_team || res.entity || res.environment || res.kind;
    if (!user)
        problem_field(p, "user", "is required (a username)");
    if (!perm || !authz_permission_known(perm))
        problem_field(p, "permission", "must be a permission Portico knows");
    if (!json_fields_ok(p))
        return -1;
    struct db_result r;
    struct db_value v = DB_TEXTV(user);
    if (db_query(c->db, c->arena, "SELECT id, disabled_at IS NOT NULL FROM users WHERE username = ?", &v, 1, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", "no user %s", user);
    long long uid = strtoll(db_cell(&r, 0, 0), NULL, 10);
    bool disabled = strcmp(db_cell(&r, 0, 1), "1") == 0;
    struct authz_grants g;
    if (authz_load(c->db, c->arena, uid, c->rules, &g, p) < 0)
        return -1;
    struct authz_decision d;
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    /* as the routes decide: governance permissions only from a global binding, whatever the resource */
    const struct authz_resource *where = authz_permission_global(perm) ? &nowhere : has_res ? &res : NULL;
    bool allowed = authz_check(&g, perm, where, &d) && !disabled;
    const struct authz_binding *by = d.binding;

    json_object *o = json_object_new_object();
    json_object_object_add(o, "user", json_object_new_string(user));
    json_object_object_add(o, "permission", json_object_new_string(perm));
    json_object *rj = json_object_new_object();
    json_object_object_add(rj, "team", json_string_or_null(res.owner_team));
    json_object_object_add(rj, "entity", json_string_or_null(res.entity));
    json_object_object_add(rj, "environment", json_string_or_null(res.environment));
    json_object_object_add(rj, "kind", json_string_or_null(res.kind));
    if (resource)
        json_object_object_add(rj, "in_catalog", json_object_new_boolean(in_catalog));
    json_object_object_add(o, "resource", rj);
    /* whose it is: the team that owns the entity (or that the question named) */
    json_object_object_add(o, "owner_team", json_string_or_null(res.owner_team));
    json_object_object_add(o, "allowed", json_object_new_boolean(allowed));
    const char *reason;
    if (disabled)
        reason = "the user is disabled";
    else if (d.policy)
        reason = arena_printf(c->arena, "policy %s refuses: it needs %s%s%s%s", d.policy->name,
                              d.policy->require_role ? "role " : "", d.policy->require_role ? d.policy->require_role : "",
                              d.policy->require_role && d.policy->require_owner ? " and " : "",
                              d.policy->require_owner ? "membership of the owning team" : "");
    else if (by)
        reason = arena_printf(c->arena, "role %s, held %s, in scope %s%s%s, includes %s", by->role, held_text(c, by->via),
                              by->scope_type, by->scope_id[0] ? " " : "", by->scope_id, perm);
    else if (where == &nowhere)
        reason = "this permission governs the whole platform: only a global binding of a role holding it grants it";
    else
        reason = arena_printf(c->arena, "no binding of the user or its teams gives a role with this permission in a scope "
                                        "covering %s%s%s%s", res.entity ? res.entity : "the resource",
                              res.owner_team ? (res.entity ? " (owned by team " : " (team ") : "",
                              res.owner_team ? res.owner_team : "", res.owner_team ? ")" : "");
    json_object_object_add(o, "reason", json_object_new_string(reason));
    if (!allowed && !disabled)
        json_object_object_add(o, "needed", needed_json(c, perm, where == &nowhere ? NULL : where, d.policy));
    if (by)
        json_object_object_add(o, "decided_by", authz_binding_json(by));
    if (d.policy) {
        json_object *pj = json_object_new_object();
        json_object_object_add(pj, "id", json_object_new_int64(d.policy->id));
        json_object_object_add(pj, "name", json_object_new_string(d.policy->name));
        json_object_object_add(o, "policy", pj);
    }
    json_object *considered = json_object_new_array();
    for (size_t i = 0; i < g.n; i++) {
        json_object *b = authz_binding_json(&g.bindings[i]);
        json_object_object_add(b, "role_has_permission",
                               json_object_new_boolean(authz_role_has(c->rules, g.bindings[i].role, perm)));
        json_object_array_add(considered, b);
    }
    json_object_object_add(o, "considered", considered);
    return app_json(c, 200, o);
}

