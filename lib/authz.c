/*
 * authz: the permission registry, the built-in roles and the decision.
 *
 * Built-in roles nest: viewer ⊂ developer ⊂ maintainer ⊂ admin. Each permission names the
 * least role that holds it, which keeps the whole matrix in one readable table.
 */
#include "authz.h"

#include <string.h>

enum role_rank { RANK_NONE, RANK_VIEWER, RANK_DEVELOPER, RANK_MAINTAINER, RANK_ADMIN };

struct permission_def {
    const char *name;
    enum role_rank least;   /* the least built-in role that holds it */
    bool global;            /* only a global binding grants it (governance of the whole platform) */
};

static const struct permission_def permissions[] = {
    /* identity and governance */
    { "iam.user.read", RANK_VIEWER, true },
    { "iam.team.read", RANK_VIEWER, true },
    { "iam.role.read", RANK_VIEWER, true },
    { "iam.explain", RANK_MAINTAINER, true },
    { "iam.user.write", RANK_ADMIN, true },
    { "iam.team.write", RANK_ADMIN, true },
    { "iam.role.write", RANK_ADMIN, true },
    { "iam.binding.write", RANK_ADMIN, true },
    { "iam.unlock", RANK_ADMIN, true },
    { "audit.event.read", RANK_MAINTAINER, true },
    { "audit.event.export", RANK_MAINTAINER, true },
    /* catalog */
    { "catalog.entity.read", RANK_VIEWER, false },
    { "catalog.entity.write", RANK_DEVELOPER, false },
    { "catalog.import", RANK_DEVELOPER, false },
    { "catalog.instance.register", RANK_DEVELOPER, false },
    { "catalog.entity.delete", RANK_MAINTAINER, false },
    { "catalog.location.write", RANK_MAINTAINER, false },
    /* secrets: metadata is readable, values are revealed only with secrets.reveal */
    { "secrets.secret.read", RANK_VIEWER, false },
    { "secrets.secret.write", RANK_DEVELOPER, false },
    { "secrets.reveal", RANK_MAINTAINER, false },
    { "secrets.secret.destroy", RANK_MAINTAINER, false },
    /* templates and provisioning */
    { "templates.template.read", RANK_VIEWER, false },
    { "templates.template.write", RANK_DEVELOPER, false },
    { "templates.template.publish", RANK_MAINTAINER, false },
    { "templates.template.trust", RANK_ADMIN, true },
    { "provision.request.read", RANK_VIEWER, false },
    { "provision.resource.read", RANK_VIEWER, false },
    { "provision.request.create", RANK_DEVELOPER, false },
    { "provision.resource.renew", RANK_DEVELOPER, false },
    { "provision.resource.delete", RANK_DEVELOPER, false },
    { "provision.request.approve", RANK_MAINTAINER, false },
};
#define NPERMS (sizeof(permissions) / sizeof(permissions[0]))

static const char *const role_names[] = { "viewer", "developer", "maintainer", "admin", NULL };

static enum role_rank role_rank(const char *role)
{
    for (int i = 0; role_names[i]; i++)
        if (strcmp(role, role_names[i]) == 0)
            return (enum role_rank)(i + 1);
    return RANK_NONE;
}

static const struct permission_def *permission_find(const char *name)
{
    for (size_t i = 0; i < NPERMS; i++)
        if (strcmp(permissions[i].name, name) == 0)
            return &permissions[i];
    return NULL;
}

bool authz_permission_global(const char *permission)
{
    const struct permission_def *p = permission ? permission_find(permission) : NULL;
    return p && p->global;
}

bool authz_permission_known(const char *permission)
{
    return permission && permission_find(permission) != NULL;
}

const char *const *authz_permissions(void)
{
    static const char *names[NPERMS + 1];
    if (!names[0])
        for (size_t i = 0; i < NPERMS; i++)
            names[i] = permissions[i].name;
    return names;
}

const char *const *authz_builtin_roles(void)
{
    return role_names;
}

bool authz_role_has(const char *role, const char *permission)
{
    const struct permission_def *p = permission_find(permission);
    enum role_rank r = role_rank(role);
    return p && r != RANK_NONE && r >= p->least;
}

/* Does a binding's scope cover the resource? NULL resource: the route-level question
 * "anywhere at all", which any scope answers. */
static bool scope_covers(const struct authz_binding *b, const struct authz_resource *res)
{
    if (strcmp(b->scope_type, "global") == 0 || !res)
        return true;
    if (strcmp(b->scope_type, "team") == 0)
        return res->owner_team && strcmp(res->owner_team, b->scope_id) == 0;
    if (strcmp(b->scope_type, "entity") == 0)
        return res->entity && strcmp(res->entity, b->scope_id) == 0;
    return false;
}

bool authz_check(const struct authz_grants *g, const char *permission,
                 const struct authz_resource *resource, const struct authz_binding **decided_by)
{
    /* Prefer the broadest deciding binding, so explanations name the global one first. */
    const struct authz_binding *best = NULL;
    for (size_t i = 0; g && i < g->n; i++) {
        const struct authz_binding *b = &g->bindings[i];
        if (!authz_role_has(b->role, permission) || !scope_covers(b, resource))
            continue;
        if (!best || (strcmp(b->scope_type, "global") == 0 && strcmp(best->scope_type, "global") != 0))
            best = b;
    }
    if (decided_by)
        *decided_by = best;
    return best != NULL;
}

/* The user's own bindings, and those of every team the user is in and of the teams above
 * those (team_closure holds every ancestor pair, so this is one join). */
static const char sql_bindings[] =
    "SELECT b.role, b.scope_type, b.scope_id, 'user' FROM role_bindings b "
    "WHERE b.subject_type = 'user' AND b.subject_id = ? "
    "UNION ALL "
    "SELECT DISTINCT b.role, b.scope_type, b.scope_id, CONCAT('team:', t.name) "
    "FROM team_members m JOIN team_closure tc ON tc.descendant_id = m.team_id "
    "JOIN teams t ON t.id = tc.ancestor_id "
    "JOIN role_bindings b ON b.subject_type = 'team' AND b.subject_id = tc.ancestor_id "
    "WHERE m.user_id = ?";

int authz_load(struct db *db, struct arena *a, long long user_id, struct authz_grants *out,
               struct problem *p)
{
    struct db_result r;
    struct db_value v[2] = { DB_INTV(user_id), DB_INTV(user_id) };
    out->bindings = NULL;
    out->n = 0;
    if (db_query(db, a, sql_bindings, v, 2, &r, p) < 0)
        return -1;
    out->bindings = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*out->bindings));
    if (!out->bindings)
        return problem_set(p, 500, "internal", "out of memory");
    for (size_t i = 0; i < r.nrows; i++) {
        out->bindings[i].role = db_cell(&r, i, 0);
        out->bindings[i].scope_type = db_cell(&r, i, 1);
        out->bindings[i].scope_id = db_cell(&r, i, 2) ? db_cell(&r, i, 2) : "";
        out->bindings[i].via = db_cell(&r, i, 3);
    }
    out->n = r.nrows;
    return 0;
}
