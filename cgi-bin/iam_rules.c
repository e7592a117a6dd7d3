/*
 * iam_rules: who may do what — role bindings (a subject, a role, a scope), custom roles (named
 * sets of permissions) and policies (approvals a permission needs, attribute conditions). Each
 * change is audited and raises the authorization epoch (iam_audited). A role in use is not
 * deleted; a binding or policy names only a role that exists, checked under a shared lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam.h"

/* ---- bindings ------------------------------------------------------------------------------ */

/* Inside the change's transaction: is role still a role? A custom one is read with a shared
 * lock, so a concurrent delete either waits for this change (and then sees it use the role) or
 * has already removed it (and this change is refused). 1 yes, 0 no (422 in c->problem), -1 error. */
static int role_still_exists(struct app_ctx *c, const char *role, const char *field)
{
    if (authz_role_builtin(role))
        return 1;
    struct db_value v = DB_TEXTV(role);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT name FROM roles WHERE name = ? LOCK IN SHARE MODE", &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 1)
        return 1;
    problem_field(&c->problem, field, "is not a role (any more)");
    json_fields_ok(&c->problem);
    return 0;
}

/* ---- role bindings ------------------------------------------------------------------------ */

/* The built-in binding (migration 0017): every member of any team reads the catalog. */
#define SQL_BUILTIN_BINDING "(b.subject_type = 'members' AND b.role = 'catalog-reader' AND b.scope_type = 'global')"

static const char sql_bindings[] =
    "SELECT b.id, b.subject_type, COALESCE(u.username, t.name) AS subject, b.role, b.scope_type, b.scope_id, "
    "       " SQL_BUILTIN_BINDING " AS builtin "
    "FROM role_bindings b LEFT JOIN users u ON b.subject_type = 'user' AND u.id = b.subject_id "
    "LEFT JOIN teams t ON b.subject_type = 'team' AND t.id = b.subject_id WHERE b.id > ? ORDER BY b.id LIMIT ?";
static const char sql_binding_locked[] =
    "SELECT b.subject_type, COALESCE(u.username, t.name), b.role, b.scope_type, b.scope_id, " SQL_BUILTIN_BINDING " "
    "FROM role_bindings b LEFT JOIN users u ON b.subject_type = 'user' AND u.id = b.subject_id "
    "LEFT JOIN teams t ON b.subject_type = 'team' AND t.id = b.subject_id WHERE b.id = ? FOR UPDATE";
static const char sql_binding_add[] =
    "INSERT INTO role_bindings (subject_type, subject_id, role, scope_type, scope_id) VALUES (?, ?, ?, ?, ?)";
static const char sql_binding_del[] = "DELETE FROM role_bindings WHERE id = ?";
static const char sql_user_by_name[] = "SELECT id FROM users WHERE username = ?";

int iam_bindings_list(struct app_ctx *c)
{
    /* up to the old whole (5,000) by default: a client that never paged gets every row it got */
    long limit = app_limit(c);
    long long after = app_cursor_id(c, "bindings");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_value v[2] = { DB_INTV(after), DB_INTV(limit + 1) };
    struct db_result q;
    if (db_query(c->db, c->arena, sql_bindings, v, 2, &q, &c->problem) < 0)
        return -1;
    return app_page(c, NULL, "bindings", &q, limit, 0, "isnsssb", "bindings");
}

int iam_binding_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *stype = json_str(c->body, "subject_type", NULL);
    bool members = stype && strcmp(stype, "members") == 0;   /* every member of any team: no subject */
    const char *subject = json_str(c->body, "subject", NULL);
    const char *role = json_str(c->body, "role", NULL);
    const char *scope = json_str(c->body, "scope_type", "global");
    const char *scope_id = json_str(c->body, "scope_id", "");
    if (stype && !members && strcmp(stype, "user") != 0 && strcmp(stype, "team") != 0)
        problem_field(p, "subject_type", "must be user, team or members (every member of any team)");
    if (stype && !members && !subject)
        problem_field(p, "subject", "is required");
    if (members && subject)
        problem_field(p, "subject", "is not given for members: the binding applies to every member of any team");
    if (role && !authz_role_exists(c->rules, role))
        problem_field(p, "role", "must be a built-in role (viewer, developer, maintainer, admin, catalog-reader) or a custom one");
    if (scope && strcmp(scope, "global") != 0 && strcmp(scope, "team") != 0 && strcmp(scope, "entity") != 0)
        problem_field(p, "scope_type", "must be global, team or entity");
    if (scope && scope_id && (strcmp(scope, "global") == 0) != (scope_id[0] == '\0'))
        problem_field(p, "scope_id", "is empty for a global scope and names the team or entity otherwise");
    if (!json_fields_ok(p))
        return -1;
    long long sid = 0;
    if (members) {
        sid = 0;
    } else if (strcmp(stype, "team") == 0) {
        sid = iam_team_id(c, subject);
    } else {
        struct db_result r;
        struct db_value v = DB_TEXTV(subject);
        if (db_query(c->db, c->arena, sql_user_by_name, &v, 1, &r, p) < 0)
            return -1;
        sid = r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
    }
    if (sid < 0)
        return -1;
    if (sid == 0 && !members) {
        problem_field(p, "subject", "is not a %s", stype);
        return -1;
    }
    if (strcmp(scope, "team") == 0) {
        long long t = iam_team_id(c, scope_id);
        if (t <= 0)
            return t < 0 ? -1 : (problem_field(p, "scope_id", "is not a team"), -1);
    }
    if (strcmp(scope, "entity") == 0) {
        /* stored, answered and compared in the catalog's one spelling: component:default/payments */
        struct catalog_ref ref;
        const char *why;
        if (catalog_ref_parse(scope_id, NULL, NULL, &ref, &why) < 0) {
            problem_field(p, "scope_id", "%s", why);
            return -1;
        }
        scope_id = arena_strdup(c->arena, ref.text);
    }
    struct db_value v[5] = { DB_TEXTV(stype), DB_INTV(sid), DB_TEXTV(role), DB_TEXTV(scope), DB_TEXTV(scope_id) };
    struct db_result ins;
    if (db_begin(c->db, p) < 0)
        return -1;
    int live = role_still_exists(c, role, "role");
    if (live <= 0) {
        db_abort(c->db);
        return -1;
    }
    if (db_query(c->db, c->arena, sql_binding_add, v, 5, &ins, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        return dup ? problem_set(p, 409, "conflict", "that binding exists") : -1;
    }
    const char *id = arena_printf(c->arena, "%llu", ins.insert_id);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "subject_type", json_object_new_string(stype));
    json_object_object_add(d, "subject", json_string_or_null(subject));
    json_object_object_add(d, "role", json_object_new_string(role));
    json_object_object_add(d, "scope_type", json_object_new_string(scope));
    json_object_object_add(d, "scope_id", json_object_new_string(scope_id));
    json_object_object_add(d, "builtin", json_object_new_boolean(members && strcmp(role, "catalog-reader") == 0 &&
                                                                  strcmp(scope, "global") == 0));
    json_object *o = json_object_get(d);
    if (iam_audited(c, "iam.binding.create", "binding", id, d) < 0) {
        json_object_put(o);
        return -1;
    }
    json_object_object_add(o, "id", json_object_new_int64((int64_t)ins.insert_id));
    return app_json(c, 201, o);
}

/* Delete the row whose id is the path's {id} with sql, audited as action on a target_type:
 * 404 when there is none. (Bindings and policies.) */
static int delete_by_id(struct app_ctx *c, const char *sql, const char *target_type, const char *action)
{
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such %s", target_type);
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql, &v, 1, &r, &c->problem) < 0)
        return db_abort(c->db);
    if (r.affected != 1) {
        db_abort(c->db);
        return problem_set(&c->problem, 404, "not-found", "no such %s", target_type);
    }
    if (iam_audited(c, action, target_type, app_param(c, "id"), NULL) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

/* A binding goes with what it was in the audit event (the built-in one can be made again). */
int iam_binding_delete(struct app_ctx *c)
{
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    struct db_result r, del;
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such binding");
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_binding_locked, &v, 1, &r, &c->problem) < 0 ||
        (r.nrows == 1 && db_query(c->db, c->arena, sql_binding_del, &v, 1, &del, &c->problem) < 0))
        return db_abort(c->db);
    if (r.nrows != 1) {
        db_abort(c->db);
        return problem_set(&c->problem, 404, "not-found", "no such binding");
    }
    json_object *d = json_object_new_object();
    json_object_object_add(d, "subject_type", json_object_new_string(db_cell(&r, 0, 0)));
    json_object_object_add(d, "subject", json_string_or_null(db_cell(&r, 0, 1)));
    json_object_object_add(d, "role", json_object_new_string(db_cell(&r, 0, 2)));
    json_object_object_add(d, "scope_type", json_object_new_string(db_cell(&r, 0, 3)));
    json_object_object_add(d, "scope_id", json_object_new_string(db_cell(&r, 0, 4)));
    bool builtin = strcmp(db_cell(&r, 0, 5), "1") == 0;
    json_object_object_add(d, "builtin", json_object_new_boolean(builtin));
    if (iam_audited(c, "iam.binding.delete", "binding", app_param(c, "id"), d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("deleted"));
    json_object_object_add(o, "builtin", json_object_new_boolean(builtin));
    return app_json(c, 200, o);
}

/* ---- roles and policies -------------------------------------------------------------------- */

static json_object *role_json(const struct authz_rules *rules, const char *name, const char *description, bool builtin)
{
    json_object *role = json_object_new_object(), *perms = json_object_new_array();
    json_object_object_add(role, "name", json_object_new_string(name));
    json_object_object_add(role, "description", json_object_new_string(description));
    json_object_object_add(role, "builtin", json_object_new_boolean(builtin));
    for (const char *const *p = authz_permissions(); *p; p++)
        if (authz_role_has(rules, name, *p))
            json_object_array_add(perms, json_object_new_string(*p));
    json_object_object_add(role, "permissions", perms);
    return role;
}

/* Served from the rules the request was authorized with (as of the current epoch): no query. */
int iam_roles(struct app_ctx *c)
{
    json_object *roles = json_object_new_array();
    for (const char *const *r = authz_builtin_roles(); *r; r++)
        json_object_array_add(roles, role_json(c->rules, *r, authz_builtin_role_about(*r), true));
    for (size_t k = 0; c->rules && k < c->rules->nroles; k++)
        json_object_array_add(roles, role_json(c->rules, c->rules->roles[k].name, c->rules->roles[k].description, false));
    json_object *all = json_object_new_array();
    for (const char *const *p = authz_permissions(); *p; p++)
        json_object_array_add(all, json_object_new_string(*p));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "roles", roles);
    json_object_object_add(o, "permissions", all);
    return app_json(c, 200, o);
}

/* A role or policy name: [a-z][a-z0-9-]*, up to 64. */
static bool rule_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

static const char sql_role_add[] = "INSERT INTO roles (name, description, permissions) VALUES (?, ?, ?)";
static const char sql_role_del[] = "DELETE FROM roles WHERE name = ?";
static const char sql_role_used[] =
    "SELECT (SELECT COUNT(*) FROM role_bindings WHERE role = ?), (SELECT COUNT(*) FROM policies WHERE require_role = ?)";

int iam_role_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *name = json_str(c->body, "name", NULL);
    const char *description = json_str(c->body, "description", "");
    json_object *perms = json_object_object_get(c->body, "permissions");
    size_t n = json_object_is_type(perms, json_type_array) ? json_object_array_length(perms) : 0;
    if (name && !rule_name_ok(name))
        problem_field(p, "name", "must be lower-case letters, digits and '-', starting with a letter");
    else if (name && authz_role_exists(c->rules, name))
        problem_field(p, "name", "is a role already");
    if (!json_object_is_type(perms, json_type_array) || n == 0 || n > 64)
        problem_field(p, "permissions", "must be an array of 1 to 64 permission names");
    json_object *clean = json_object_new_array();
    for (size_t i = 0; i < n && json_object_is_type(perms, json_type_array); i++) {
        json_object *e = json_object_array_get_idx(perms, i);
        const char *perm = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
        if (!authz_permission_known(perm))
            problem_field(p, arena_printf(c->arena, "permissions/%zu", i), "is not a permission Portico knows");
        else
            json_object_array_add(clean, json_object_new_string(perm));
    }
    if (!json_fields_ok(p)) {
        json_object_put(clean);
        return -1;
    }
    const char *pj = arena_strdup(c->arena, json_object_to_json_string_ext(clean, JSON_C_TO_STRING_PLAIN));
    struct db_value v[3] = { DB_TEXTV(name), DB_TEXTV(description), DB_TEXTV(pj) };
    if (db_begin(c->db, p) < 0) {
        json_object_put(clean);
        return -1;
    }
    if (db_query(c->db, c->arena, sql_role_add, v, 3, NULL, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        json_object_put(clean);
        db_abort(c->db);
        return dup ? problem_set(p, 409, "conflict", "role %s exists", name) : -1;
    }
    json_object *d = json_object_new_object();
    json_object_object_add(d, "description", json_object_new_string(description));
    json_object_object_add(d, "permissions", clean);
    if (iam_audited(c, "iam.role.create", "role", name, d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "description", json_object_new_string(description));
    json_object_object_add(o, "builtin", json_object_new_boolean(0));
    json_object_object_add(o, "permissions", json_tokener_parse(pj));
    return app_json(c, 201, o);
}

int iam_role_delete(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *name = app_param(c, "name");
    if (authz_role_builtin(name))
        return problem_set(p, 409, "conflict", "%s is a built-in role", name);
    struct db_value v[2] = { DB_TEXTV(name), DB_TEXTV(name) };
    struct db_result used, del;
    if (db_begin(c->db, p) < 0)
        return -1;
    /* A role in use stays: deleting it would silently take permissions away. The delete goes
     * first: it waits for bindings and policies being made with the role (they hold its row
     * shared, role_still_exists) and makes later ones wait for this decision. The count then
     * reads after the delete (the transaction's first plain read), so it sees every use that
     * was committed. */
    if (db_query(c->db, c->arena, sql_role_del, v, 1, &del, p) < 0 ||
        db_query(c->db, c->arena, sql_role_used, v, 2, &used, p) < 0)
        return db_abort(c->db);
    if (del.affected != 1) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no custom role %s", name);
    }
    long long nb = db_cell(&used, 0, 0) ? atoll(db_cell(&used, 0, 0)) : 0;
    long long np = db_cell(&used, 0, 1) ? atoll(db_cell(&used, 0, 1)) : 0;
    if (nb || np) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "role %s is used by %lld binding(s) and %lld policy(ies); remove those first",
                           name, nb, np);
    }
    if (iam_audited(c, "iam.role.delete", "role", name, NULL) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

static json_object *policy_json(const struct authz_policy *pol)
{
    json_object *o = json_object_new_object(), *conds = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(pol->id));
    json_object_object_add(o, "name", json_object_new_string(pol->name));
    json_object_object_add(o, "description", json_object_new_string(pol->description));
    json_object_object_add(o, "permission", json_object_new_string(pol->permission));
    for (size_t i = 0; i < pol->nconds; i++)
        json_object_object_add(conds, pol->cond_attr[i], json_object_new_string(pol->cond_value[i]));
    json_object_object_add(o, "conditions", conds);
    json_object_object_add(o, "require_role", json_string_or_null(pol->require_role));
    json_object_object_add(o, "require_owner", json_object_new_boolean(pol->require_owner));
    return o;
}

int iam_policies_list(struct app_ctx *c)
{
    json_object *list = json_object_new_array();
    for (size_t i = 0; c->rules && i < c->rules->npolicies; i++)
        json_object_array_add(list, policy_json(&c->rules->policies[i]));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "policies", list);
    return app_json(c, 200, o);
}

static const char sql_policy_add[] =
    "INSERT INTO policies (name, description, permission, conditions, require_role, require_owner) VALUES (?, ?, ?, ?, ?, ?)";
static const char sql_policy_del[] = "DELETE FROM policies WHERE id = ?";

int iam_policy_create(struct app_ctx *c)
{
    static const char *const attrs[] = { "environment", "kind", "owner", NULL };
    struct problem *p = &c->problem;
    const char *name = json_str(c->body, "name", NULL);
    const char *description = json_str(c->body, "description", "");
    const char *perm = json_str(c->body, "permission", NULL);
    const char *role = json_str(c->body, "require_role", NULL);
    json_object *owner_j = json_object_object_get(c->body, "require_owner");
    json_object *conds = json_object_object_get(c->body, "conditions");
    bool owner = json_object_get_boolean(owner_j);
    if (name && !rule_name_ok(name))
        problem_field(p, "name", "must be lower-case letters, digits and '-', starting with a letter");
    if (perm && !authz_permission_pattern_ok(perm))
        problem_field(p, "permission", "must be a permission, \"<area>.*\" or \"*\"");
    if (role && !authz_role_exists(c->rules, role))
        problem_field(p, "require_role", "is not a role");
    if (owner_j && !json_object_is_type(owner_j, json_type_boolean))
        problem_field(p, "require_owner", "must be true or false");
    if (!role && !owner)
        problem_field(p, "require_role", "a policy needs require_role, require_owner or both");
    if (conds && !json_object_is_type(conds, json_type_object))
        problem_field(p, "conditions", "must be an object of attribute: value");
    else if (conds && json_object_object_length(conds) > AUTHZ_MAX_CONDITIONS)
        problem_field(p, "conditions", "may hold at most %d attributes", AUTHZ_MAX_CONDITIONS);
    else if (conds) {
        json_object_object_foreach(conds, key, val) {
            bool known = false;
            for (const char *const *a = attrs; *a; a++)
                known |= strcmp(*a, key) == 0;
            const char *field = arena_printf(c->arena, "conditions/%.64s", key);
            if (!known)
                problem_field(p, field, "is not an attribute (environment, kind, owner)");
            else if (!json_object_is_type(val, json_type_string) || json_object_get_string_len(val) < 1 ||
                     json_object_get_string_len(val) > 64)
                problem_field(p, field, "must be a string of 1 to 64 characters (\"*\": any value)");
        }
    }
    if (!json_fields_ok(p))
        return -1;
    const char *cj = conds ? arena_strdup(c->arena, json_object_to_json_string_ext(conds, JSON_C_TO_STRING_PLAIN)) : "{}";
    struct db_value v[6] = { DB_TEXTV(name), DB_TEXTV(description), DB_TEXTV(perm), DB_TEXTV(cj),
                             role ? DB_TEXTV(role) : DB_NULLV, DB_INTV(owner ? 1 : 0) };
    struct db_result ins;
    if (db_begin(c->db, p) < 0)
        return -1;
    int live = role ? role_still_exists(c, role, "require_role") : 1;
    if (live <= 0) {
        db_abort(c->db);
        return -1;
    }
    if (db_query(c->db, c->arena, sql_policy_add, v, 6, &ins, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        return dup ? problem_set(p, 409, "conflict", "policy %s exists", name) : -1;
    }
    struct authz_policy pol = { (long long)ins.insert_id, name, description, perm, { 0 }, { 0 }, 0, role, owner };
    json_object *o = policy_json(&pol);
    json_object_object_add(o, "conditions", json_tokener_parse(cj));
    if (iam_audited(c, "iam.policy.create", "policy", arena_printf(c->arena, "%llu", ins.insert_id), json_object_get(o)) < 0) {
        json_object_put(o);
        return -1;
    }
    return app_json(c, 201, o);
}

int iam_policy_delete(struct app_ctx *c)
{
    return delete_by_id(c, sql_policy_del, "policy", "iam.policy.delete");
}
