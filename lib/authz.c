/*
 * authz: the permission registry, the built-in roles and the decision.
 *
 * Built-in roles nest: viewer ⊂ developer ⊂ maintainer ⊂ admin. Each permission names the
 * least role that holds it, which keeps the whole matrix in one readable table.
 */
#include "authz.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum role_rank { RANK_NONE, RANK_VIEWER, RANK_DEVELOPER, RANK_MAINTAINER, RANK_ADMIN };

struct permission_def {
    const char *name;
    enum role_rank least;   /* the least built-in role that holds it */
    bool global;            /* only a global binding grants it (governance of the whole platform) */
    const char *verb;       /* what it lets one do, in words: "write" ... */
    const char *object;     /* ... to what: "secrets" */
};

static const struct permission_def permissions[] = {
    /* identity and governance */
    { "iam.user.read", RANK_VIEWER, true, "see", "users" },
    { "iam.team.read", RANK_VIEWER, true, "see", "teams" },
    { "iam.role.read", RANK_VIEWER, true, "see", "roles and bindings" },
    { "iam.explain", RANK_MAINTAINER, true, "explain", "permissions" },
    { "iam.user.write", RANK_ADMIN, true, "manage", "users" },
    { "iam.team.write", RANK_ADMIN, true, "manage", "teams" },
    { "iam.role.write", RANK_ADMIN, true, "manage", "roles" },
    { "iam.binding.write", RANK_ADMIN, true, "manage", "role bindings" },
    { "iam.policy.write", RANK_ADMIN, true, "manage", "policies" },
    { "iam.unlock", RANK_ADMIN, true, "unlock", "accounts" },
    { "audit.event.read", RANK_MAINTAINER, true, "read", "the audit log" },
    { "audit.event.export", RANK_MAINTAINER, true, "export", "the audit log" },
    /* catalog */
    { "catalog.entity.read", RANK_VIEWER, false, "read", "catalog entities" },
    { "catalog.entity.write", RANK_DEVELOPER, false, "write", "catalog entities" },
    { "catalog.import", RANK_DEVELOPER, false, "import", "catalog files" },
    { "catalog.instance.register", RANK_DEVELOPER, false, "register", "instances" },
    { "catalog.entity.delete", RANK_MAINTAINER, false, "delete", "catalog entities" },
    { "catalog.location.write", RANK_MAINTAINER, false, "manage", "catalog locations" },
    /* secrets: metadata is readable, values are revealed only with secrets.reveal */
    { "secrets.secret.read", RANK_VIEWER, false, "read", "secrets" },
    { "secrets.secret.write", RANK_DEVELOPER, false, "write", "secrets" },
    { "secrets.reveal", RANK_MAINTAINER, false, "reveal", "secrets" },
    { "secrets.secret.destroy", RANK_MAINTAINER, false, "destroy", "secrets" },
    /* templates and provisioning */
    { "templates.template.read", RANK_VIEWER, false, "read", "templates" },
    { "templates.template.write", RANK_DEVELOPER, false, "write", "templates" },
    { "templates.template.publish", RANK_MAINTAINER, false, "publish", "templates" },
    { "templates.template.trust", RANK_ADMIN, true, "trust", "templates" },
    { "provision.request.read", RANK_VIEWER, false, "read", "requests" },
    { "provision.resource.read", RANK_VIEWER, false, "read", "resources" },
    { "provision.request.create", RANK_DEVELOPER, false, "request", "resources" },
    { "provision.resource.renew", RANK_DEVELOPER, false, "renew", "resources" },
    { "provision.resource.delete", RANK_DEVELOPER, false, "delete", "resources" },
    { "provision.request.approve", RANK_MAINTAINER, false, "approve", "requests" },
    /* a requester's own: the secret outputs of the resources they requested (secrets.reveal is everyone's) */
    { "provision.output.reveal", RANK_DEVELOPER, false, "reveal", "secret outputs" },
    /* CI/CD: runs and deployments are read as the entity is; connecting a provider is a maintainer's */
    { "cicd.read", RANK_VIEWER, false, "read", "pipelines and deployments" },
    { "cicd.integration.write", RANK_MAINTAINER, false, "connect", "CI/CD integrations" },
    { "cicd.report.write", RANK_DEVELOPER, false, "upload", "test reports and security findings" },
    { "cicd.deploy", RANK_DEVELOPER, false, "deploy and roll back", "entities" },
    { "cicd.deploy.approve", RANK_MAINTAINER, false, "approve", "deploys" },
    /* the gates (open critical findings, failing tests) are stepped over by a platform admin only */
    { "cicd.gate.override", RANK_ADMIN, true, "override", "deploy gates" },
    /* health checks of an entity and its instances: read as the entity is (catalog.entity.read) */
    { "health.check.write", RANK_DEVELOPER, false, "manage", "health checks" },
    /* alerts and dashboards (cgi-bin/monitor.c): read, written and acknowledged on the entity's team;
     * where a team's alerts go is its maintainers' */
    { "monitor.read", RANK_VIEWER, false, "read", "alerts and services' metrics" },
    { "monitor.alert.write", RANK_DEVELOPER, false, "manage", "alert rules and silences" },
    { "monitor.receiver.write", RANK_MAINTAINER, false, "manage", "alert receivers" },
    /* the platform's own figures (every area's requests, the queue): a monitor's token, or by address */
    { "system.metrics.read", RANK_MAINTAINER, true, "read", "the platform's metrics" },
};
#define NPERMS (sizeof(permissions) / sizeof(permissions[0]))

static const char *const role_names[] = { "viewer", "developer", "maintainer", "admin", NULL };

/* Built-in roles outside the ladder: a fixed set of permissions each, which no ranked role
 * implies and which imply no ranked role. catalog-reader is what every member of a team holds
 * by default (the built-in binding of migration 0017): the whole catalog, and nothing else. */
struct fixed_role {
    const char *name;
    const char *about;
    const char *const *permissions;    /* NULL-terminated */
};
static const struct fixed_role fixed_roles[] = {
    { "catalog-reader", "reads the whole catalog (entities, relations, instances, locations) and nothing else",
      (const char *const[]){ "catalog.entity.read", NULL } },
};
#define NFIXED (sizeof(fixed_roles) / sizeof(fixed_roles[0]))

static const struct fixed_role *fixed_role(const char *role)
{
    for (size_t i = 0; role && i < NFIXED; i++)
        if (strcmp(fixed_roles[i].name, role) == 0)
            return &fixed_roles[i];
    return NULL;
}

static const char *const ranked_about[] = {
    "reads everything that is not secret", "viewer, and creates and changes what developers own",
    "developer, and approves, reveals secrets, reads the audit log", "everything, including who may do what",
};

static enum role_rank role_rank(const char *role)
{
    for (int i = 0; role_names[i]; i++)
        if (strcmp(role, role_names[i]) == 0)
            return (enum role_rank)(i + 1);
    return RANK_NONE;
}

/* Permissions by name: the table sorted once, then binary search (every check looks one up,
 * and a who-am-I answer checks every permission). */
static const struct permission_def *by_name[NPERMS];

static int def_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct permission_def *const *)a)->name, (*(const struct permission_def *const *)b)->name);
}

static int key_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, (*(const struct permission_def *const *)elem)->name);
}

static const struct permission_def *permission_find(const char *name)
{
    if (!name)
        return NULL;
    if (!by_name[0]) {
        for (size_t i = 0; i < NPERMS; i++)
            by_name[i] = &permissions[i];
        qsort(by_name, NPERMS, sizeof(by_name[0]), def_cmp);
    }
    const struct permission_def *const *hit = bsearch(name, by_name, NPERMS, sizeof(by_name[0]), key_cmp);
    return hit ? *hit : NULL;
}

bool authz_permission_global(const char *permission)
{
    const struct permission_def *p = permission ? permission_find(permission) : NULL;
    return p && p->global;
}

const char *authz_permission_verb(const char *permission)
{
    const struct permission_def *p = permission_find(permission);
    return p ? p->verb : "use";
}

const char *authz_permission_object(const char *permission)
{
    const struct permission_def *p = permission_find(permission);
    return p ? p->object : permission;
}

const char *authz_permission_least_role(const char *permission)
{
    const struct permission_def *p = permission_find(permission);
    return p && p->least != RANK_NONE ? role_names[p->least - 1] : NULL;
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
    static const char *names[sizeof(role_names) / sizeof(role_names[0]) + NFIXED];
    if (!names[0]) {
        size_t n = 0;
        for (; role_names[n]; n++)
            names[n] = role_names[n];
        for (size_t i = 0; i < NFIXED; i++)
            names[n++] = fixed_roles[i].name;
    }
    return names;
}

bool authz_role_builtin(const char *role)
{
    return role && (role_rank(role) != RANK_NONE || fixed_role(role) != NULL);
}

const char *authz_builtin_role_about(const char *role)
{
    enum role_rank r = role ? role_rank(role) : RANK_NONE;
    if (r != RANK_NONE)
        return ranked_about[r - 1];
    const struct fixed_role *f = fixed_role(role);
    return f ? f->about : NULL;
}

static const struct authz_role *custom_role(const struct authz_rules *rules, const char *role)
{
    for (size_t i = 0; rules && i < rules->nroles; i++)
        if (strcmp(rules->roles[i].name, role) == 0)
            return &rules->roles[i];
    return NULL;
}

bool authz_role_has(const struct authz_rules *rules, const char *role, const char *permission)
{
    const struct permission_def *p = permission_find(permission);
    if (!p || !role)
        return false;
    enum role_rank r = role_rank(role);
    if (r != RANK_NONE)
        return r >= p->least;
    const struct fixed_role *f = fixed_role(role);
    for (const char *const *q = f ? f->permissions : NULL; q && *q; q++)
        if (strcmp(*q, permission) == 0)
            return true;
    if (f)
        return false;
    const struct authz_role *c = custom_role(rules, role);
    for (const char **q = c ? c->permissions : NULL; q && *q; q++)
        if (strcmp(*q, permission) == 0)
            return true;
    return false;
}

bool authz_role_exists(const struct authz_rules *rules, const char *role)
{
    return authz_role_builtin(role) || custom_role(rules, role) != NULL;
}

/* Does role a hold every permission role b holds? */
static bool role_includes(const struct authz_rules *rules, const char *a, const char *b)
{
    for (size_t i = 0; i < NPERMS; i++)
        if (authz_role_has(rules, b, permissions[i].name) && !authz_role_has(rules, a, permissions[i].name))
            return false;
    return true;
}

bool authz_permission_pattern_ok(const char *pattern)
{
    if (!pattern)
        return false;
    if (strcmp(pattern, "*") == 0 || authz_permission_known(pattern))
        return true;
    size_t n = strlen(pattern);
    if (n < 3 || strcmp(pattern + n - 2, ".*") != 0)
        return false;
    for (size_t i = 0; i < NPERMS; i++)   /* "area.*" must name an area some permission is in */
        if (strncmp(permissions[i].name, pattern, n - 1) == 0)
            return true;
    return false;
}

static bool permission_matches(const char *pattern, const char *permission)
{
    size_t n = strlen(pattern);
    if (strcmp(pattern, "*") == 0 || strcmp(pattern, permission) == 0)
        return true;
    return n >= 2 && strcmp(pattern + n - 2, ".*") == 0 && strncmp(pattern, permission, n - 1) == 0;
}

/* Does a binding's scope cover the resource? NULL resource: the route-level question
 * "anywhere at all", which any scope answers. */
static bool scope_covers(const struct authz_binding *b, const struct authz_resource *res)
{
    if (strcmp(b->scope_type, "global") == 0 || !res)
        return true;
    if (strcmp(b->scope_type, "team") == 0)
        return res->owner_team && strcmp(res->owner_team, b->scope_id) == 0;
    /* without case: a binding made before entity scopes were stored in the catalog's spelling */
    if (strcmp(b->scope_type, "entity") == 0)
        return res->entity && strcasecmp(res->entity, b->scope_id) == 0;
    return false;
}

static const char *resource_attr(const struct authz_resource *res, const char *attr)
{
    if (strcmp(attr, "environment") == 0)
        return res->environment;
    if (strcmp(attr, "kind") == 0)
        return res->kind;
    if (strcmp(attr, "owner") == 0)
        return res->owner_team;
    return NULL;
}

static bool policy_applies(const struct authz_policy *pol, const char *permission, const struct authz_resource *res)
{
    if (!permission_matches(pol->permission, permission))
        return false;
    for (size_t i = 0; i < pol->nconds; i++) {
        const char *v = resource_attr(res, pol->cond_attr[i]);
        if (!v || (strcmp(pol->cond_value[i], "*") != 0 && strcmp(pol->cond_value[i], v) != 0))
            return false;
    }
    return true;
}

/* The owner requirement: a member of the owning team (or a team below it), a binding on that
 * team or on the entity itself, or a global admin. */
static bool owner_ok(const struct authz_grants *g, const struct authz_resource *res)
{
    for (size_t i = 0; i < g->n; i++) {
        const struct authz_binding *b = &g->bindings[i];
        if (strcmp(b->scope_type, "global") == 0 ? strcmp(b->role, "admin") == 0 : scope_covers(b, res))
            return true;
    }
    for (const char **t = g->teams; res->owner_team && t && *t; t++)
        if (strcmp(*t, res->owner_team) == 0)
            return true;
    return false;
}

/* Does role hold at least one permission? (A role that holds none, or is gone, cannot be
 * "included" by another: requiring it must not become requiring nothing.) */
static bool role_holds_any(const struct authz_rules *rules, const char *role)
{
    for (size_t i = 0; i < NPERMS; i++)
        if (authz_role_has(rules, role, permissions[i].name))
            return true;
    return false;
}

bool authz_holds_role(const struct authz_grants *g, const char *role, const struct authz_resource *res)
{
    bool comparable = role_holds_any(g->rules, role);
    for (size_t i = 0; i < g->n; i++) {
        const struct authz_binding *b = &g->bindings[i];
        if (scope_covers(b, res) && (strcmp(b->role, role) == 0 || (comparable && role_includes(g->rules, b->role, role))))
            return true;
    }
    return false;
}

static bool policy_satisfied(const struct authz_grants *g, const struct authz_policy *pol, const struct authz_resource *res)
{
    if (pol->require_owner && !owner_ok(g, res))
        return false;
    return !pol->require_role || authz_holds_role(g, pol->require_role, res);
}

static bool resource_empty(const struct authz_resource *r)
{
    return !r->owner_team && !r->entity && !r->environment && !r->kind;
}

bool authz_check(const struct authz_grants *g, const char *permission,
                 const struct authz_resource *resource, struct authz_decision *d)
{
    struct authz_decision none = { NULL, NULL };
    if (!d)
        d = &none;
    d->binding = NULL;
    d->policy = NULL;
    /* Prefer the broadest deciding binding, so explanations name the global one first. */
    const struct authz_binding *best = NULL;
    for (size_t i = 0; g && i < g->n; i++) {
        const struct authz_binding *b = &g->bindings[i];
        if (!authz_role_has(g->rules, b->role, permission) || !scope_covers(b, resource))
            continue;
        if (!best || (strcmp(b->scope_type, "global") == 0 && strcmp(best->scope_type, "global") != 0))
            best = b;
    }
    d->binding = best;
    /* Policies need a resource with something to match: not the route-level question, nor
     * the "nowhere" of governance permissions. */
    if (!best || !resource || resource_empty(resource) || !g->rules)
        return best != NULL;
    for (size_t i = 0; i < g->rules->npolicies; i++) {
        const struct authz_policy *pol = &g->rules->policies[i];
        if (policy_applies(pol, permission, resource) && !policy_satisfied(g, pol, resource)) {
            d->policy = pol;
            return false;
        }
    }
    return true;
}

bool authz_holds_everywhere(const struct authz_grants *g, const char *permission)
{
    bool global = false, admin = false;
    for (size_t i = 0; g && i < g->n; i++) {
        const struct authz_binding *b = &g->bindings[i];
        if (strcmp(b->scope_type, "global") != 0)
            continue;
        global |= authz_role_has(g->rules, b->role, permission);
        admin |= strcmp(b->role, "admin") == 0;
    }
    if (!global || !g->rules)
        return global;
    /* a policy on it that this identity meets whatever the resource: the owner requirement by a
     * global admin, the role by a global binding of it (or of one holding all of its permissions) */
    for (size_t i = 0; i < g->rules->npolicies; i++) {
        const struct authz_policy *pol = &g->rules->policies[i];
        if (!permission_matches(pol->permission, permission))
            continue;
        if (pol->require_owner && !admin)
            return false;
        bool met = !pol->require_role;
        bool comparable = pol->require_role && role_holds_any(g->rules, pol->require_role);
        for (size_t k = 0; !met && k < g->n; k++) {
            const struct authz_binding *b = &g->bindings[k];
            met = strcmp(b->scope_type, "global") == 0 &&
                  (strcmp(b->role, pol->require_role) == 0 || (comparable && role_includes(g->rules, b->role, pol->require_role)));
        }
        if (!met)
            return false;
    }
    return true;
}

json_object *authz_binding_json(const struct authz_binding *b)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "role", json_object_new_string(b->role));
    json_object_object_add(o, "scope_type", json_object_new_string(b->scope_type));
    json_object_object_add(o, "scope_id", json_object_new_string(b->scope_id));
    json_object_object_add(o, "via", json_object_new_string(b->via));
    return o;
}

int authz_scopes_of(const struct authz_grants *g, const char *permission, struct arena *a, struct authz_scopes *out)
{
    memset(out, 0, sizeof(*out));
    size_t n = g ? g->n : 0;
    out->teams = arena_calloc(a, n + 1, sizeof(char *));
    out->entities = arena_calloc(a, n + 1, sizeof(char *));
    if (!out->teams || !out->entities)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct authz_binding *b = &g->bindings[i];
        if (!authz_role_has(g->rules, b->role, permission))
            continue;
        if (strcmp(b->scope_type, "global") == 0)
            out->everywhere = true;
        else if (strcmp(b->scope_type, "team") == 0)
            out->teams[out->nteams++] = b->scope_id;
        else if (strcmp(b->scope_type, "entity") == 0)
            out->entities[out->nentities++] = b->scope_id;
    }
    return 0;
}

/* The user's own bindings, and those of every team the user is in and of the teams above
 * those (team_closure holds every ancestor pair, so this is one join); those every member of a
 * team holds (subject "members": the built-in catalog-reader binding), read by the unique key's
 * first column when the user is in some team (team_members_by_user); then the teams. */
static const char sql_bindings[] =
    "SELECT b.role, b.scope_type, b.scope_id, 'user' FROM role_bindings b "
    "WHERE b.subject_type = 'user' AND b.subject_id = ? "
    "UNION ALL "
    "SELECT DISTINCT b.role, b.scope_type, b.scope_id, CONCAT('team:', t.name) "
    "FROM team_members m JOIN team_closure tc ON tc.descendant_id = m.team_id "
    "JOIN teams t ON t.id = tc.ancestor_id "
    "JOIN role_bindings b ON b.subject_type = 'team' AND b.subject_id = tc.ancestor_id "
    "WHERE m.user_id = ? "
    "UNION ALL "
    "SELECT b.role, b.scope_type, b.scope_id, 'members' FROM role_bindings b "
    "WHERE b.subject_type = 'members' AND EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = ?) "
    "UNION ALL "
    "SELECT DISTINCT NULL, NULL, NULL, t.name "
    "FROM team_members m JOIN team_closure tc ON tc.descendant_id = m.team_id "
    "JOIN teams t ON t.id = tc.ancestor_id WHERE m.user_id = ?";

int authz_load(struct db *db, struct arena *a, long long user_id, const struct authz_rules *rules,
               struct authz_grants *out, struct problem *p)
{
    struct db_result r;
    struct db_value v[4] = { DB_INTV(user_id), DB_INTV(user_id), DB_INTV(user_id), DB_INTV(user_id) };
    memset(out, 0, sizeof(*out));
    out->rules = rules;
    if (db_query(db, a, sql_bindings, v, 4, &r, p) < 0)
        return -1;
    out->bindings = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*out->bindings));
    out->teams = arena_calloc(a, r.nrows + 1, sizeof(char *));
    if (!out->bindings || !out->teams)
        return problem_set(p, 500, "internal", "out of memory");
    size_t nteams = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        if (!db_cell(&r, i, 0)) {
            out->teams[nteams++] = db_cell(&r, i, 3);
            continue;
        }
        struct authz_binding *b = &out->bindings[out->n++];
        b->role = db_cell(&r, i, 0);
        b->scope_type = db_cell(&r, i, 1);
        b->scope_id = db_cell(&r, i, 2) ? db_cell(&r, i, 2) : "";
        b->via = db_cell(&r, i, 3);
    }
    return 0;
}

/* ---- the epoch, and the rules it versions ---------------------------------------------- */

static const char sql_epoch_bump[] = "UPDATE auth_epoch SET n = n + 1 WHERE id = 1";
static const char sql_epoch[] = "SELECT n FROM auth_epoch WHERE id = 1";
static const char sql_roles[] = "SELECT name, description, permissions FROM roles ORDER BY name";
static const char sql_policies[] =
    "SELECT id, name, description, permission, conditions, require_role, require_owner FROM policies ORDER BY id";

int authz_epoch_bump(struct db *db, struct arena *a, struct problem *p)
{
    return db_query(db, a, sql_epoch_bump, NULL, 0, NULL, p);
}

int authz_epoch_read(struct db *db, struct arena *a, long long *epoch, struct problem *p)
{
    struct db_result r;
    if (db_query(db, a, sql_epoch, NULL, 0, &r, p) < 0)
        return -1;
    *epoch = r.nrows == 1 && db_cell(&r, 0, 0) ? atoll(db_cell(&r, 0, 0)) : 0;
    return 0;
}

/* A JSON array of strings as a NULL-terminated list in a (unknown permissions dropped: a
 * permission that a newer version removed must not linger as a string nobody checks). */
static const char **permission_list(struct arena *a, const char *json)
{
    json_object *arr = json ? json_tokener_parse(json) : NULL;
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0, k = 0;
    const char **out = arena_calloc(a, n + 1, sizeof(char *));
    for (size_t i = 0; out && i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        if (authz_permission_known(s))
            out[k++] = arena_strdup(a, s);
    }
    json_object_put(arr);
    return out;
}

static void policy_conditions(struct arena *a, struct authz_policy *pol, const char *json)
{
    json_object *obj = json ? json_tokener_parse(json) : NULL;
    if (obj && json_object_is_type(obj, json_type_object)) {
        json_object_object_foreach(obj, key, val) {
            if (pol->nconds == AUTHZ_MAX_CONDITIONS)
                break;
            pol->cond_attr[pol->nconds] = arena_strdup(a, key);
            pol->cond_value[pol->nconds++] = arena_strdup(a, json_object_get_string(val));
        }
    }
    json_object_put(obj);
}

int authz_rules_refresh(struct db *db, struct authz_rules *rules, long long epoch, struct problem *p)
{
    if (rules->epoch == epoch && epoch != 0)
        return 0;
    if (rules->arena.chunk_size == 0)
        arena_init(&rules->arena, 4096);
    arena_reset(&rules->arena);
    rules->epoch = 0;
    rules->nroles = rules->npolicies = 0;
    struct arena *a = &rules->arena;
    struct db_result r, q;
    if (db_query(db, a, sql_roles, NULL, 0, &r, p) < 0 || db_query(db, a, sql_policies, NULL, 0, &q, p) < 0)
        return -1;
    rules->roles = arena_calloc(a, r.nrows + 1, sizeof(*rules->roles));
    rules->policies = arena_calloc(a, q.nrows + 1, sizeof(*rules->policies));
    if (!rules->roles || !rules->policies)
        return problem_set(p, 500, "internal", "out of memory");
    for (size_t i = 0; i < r.nrows; i++) {
        struct authz_role *role = &rules->roles[rules->nroles++];
        role->name = db_cell(&r, i, 0);
        role->description = db_cell(&r, i, 1);
        role->permissions = permission_list(a, db_cell(&r, i, 2));
    }
    for (size_t i = 0; i < q.nrows; i++) {
        struct authz_policy *pol = &rules->policies[rules->npolicies++];
        pol->id = atoll(db_cell(&q, i, 0));
        pol->name = db_cell(&q, i, 1);
        pol->description = db_cell(&q, i, 2);
        pol->permission = db_cell(&q, i, 3);
        policy_conditions(a, pol, db_cell(&q, i, 4));
        pol->require_role = db_cell(&q, i, 5);
        pol->require_owner = db_cell(&q, i, 6) && strcmp(db_cell(&q, i, 6), "0") != 0;
    }
    rules->epoch = epoch;
    return 0;
}

void authz_rules_free(struct authz_rules *rules)
{
    if (rules->arena.chunk_size)
        arena_free(&rules->arena);
    memset(rules, 0, sizeof(*rules));
}
