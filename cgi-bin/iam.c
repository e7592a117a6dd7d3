/*
 * iam: users, teams, memberships, unlocking throttled logins and service accounts' tokens, and
 * the route table of the whole area. Every change is audited in its own transaction. Users are
 * disabled, never deleted, so the audit log keeps meaning. Bindings, roles and policies are in
 * iam_rules.c; a user's and a team's own pages, edits and resets in iam_users.c and iam_teams.c;
 * explain ("may this user do this, and why") in iam_explain.c.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam.h"
#include "lib/catalog.h"
#include "lib/apitoken.h"
#include "lib/password.h"
#include "lib/device.h"
#include "lib/throttle.h"

/* ---- shared pieces ------------------------------------------------------------------------ */

/* Audit one change (already made in the open transaction) and commit. Every change here may
 * change who may do what, so each raises the authorization epoch in the same transaction:
 * every process forgets what it kept on its next request. */
int iam_audited(struct app_ctx *c, const char *action, const char *target_type, const char *target_id,
                   json_object *details)
{
    if (authz_epoch_bump(c->db, c->arena, &c->problem) < 0) {
        json_object_put(details);
        return db_abort(c->db);
    }
    return app_audited_json(c, action, target_type, target_id, details);
}

int iam_groups_sync(struct app_ctx *c, const char *const *teams, size_t n, enum team_group_state *first)
{
    struct audit_event actor = app_audit_event(c, "", "success");
    for (size_t i = 0; i < n; i++) {
        bool again = !teams[i];
        for (size_t k = 0; k < i && !again; k++)
            again = teams[k] && strcmp(teams[k], teams[i]) == 0;
        enum team_group_state st = TEAM_GROUP_NONE;
        if (!again && team_group_sync(c->db, c->arena, &actor, teams[i], &st, &c->problem) < 0)
            return -1;
        if (i == 0 && first)
            *first = st;
    }
    return 0;
}

json_object *iam_group_json(struct app_ctx *c, const char *team, enum team_group_state state)
{
    static const char *const states[] = { "kept", "foreign", "none" };
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ref", state == TEAM_GROUP_NONE ? NULL
                                     : json_object_new_string(arena_printf(c->arena, "group:default/%s", team)));
    json_object_object_add(o, "state", json_object_new_string(states[state]));
    return o;
}

/* A name: [a-z0-9][a-z0-9._-]* up to max (usernames and team names). */
bool iam_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

/* ---- users -------------------------------------------------------------------------------- */

static const char sql_users[] =
    "SELECT id, username, email, display_name, kind, DATE_FORMAT(disabled_at, '%Y-%m-%dT%H:%i:%sZ') AS disabled_at, "
    "       DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at, must_change_password "
    "FROM users WHERE id > ? AND (? IS NULL OR username = ?) ORDER BY id LIMIT ?";
static const char sql_user_add[] =
    "INSERT INTO users (username, email, display_name, kind, password_hash, password_changed_at) "
    "VALUES (?, ?, ?, ?, ?, IF(? IS NULL, NULL, UTC_TIMESTAMP(6)))";
static const char sql_user_disable[] =
    "UPDATE users SET disabled_at = IF(?, COALESCE(disabled_at, UTC_TIMESTAMP(6)), NULL) WHERE id = ?";
/* Disabling ends what the user had: an account is often disabled because a session or a token
 * was taken, and enabling it again must not bring that back. */
static const char sql_user_sessions_end[] = "DELETE FROM sessions WHERE user_id = ?";
static const char sql_user_tokens_revoke[] =
    "UPDATE api_tokens SET revoked_at = UTC_TIMESTAMP(6) WHERE user_id = ? AND revoked_at IS NULL";

static int iam_users_list(struct app_ctx *c)
{
    const char *username = http_query(&c->req, "username");
    long limit = app_limit(c);
    long long after = app_cursor_id(c, "users");
    if (username && (!*username || strlen(username) > 64))
        problem_field(&c->problem, "username", "must be 1 to 64 characters");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_value name = username ? DB_TEXTV(username) : DB_NULLV;
    struct db_value v[4] = { DB_INTV(after), name, name, DB_INTV(limit + 1) };
    struct db_result r;
    if (db_query(c->db, c->arena, sql_users, v, 4, &r, &c->problem) < 0)
        return -1;
    return app_page(c, NULL, "users", &r, limit, 0, "isnssnsb", "users");
}

static int iam_user_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    char why[128], hash[PASSWORD_HASH_MAX];

    const char *username = json_str(c->body, "username", NULL);
    const char *email = json_str(c->body, "email", NULL);
    const char *display = json_str(c->body, "display_name", "");
    const char *kind = json_str(c->body, "kind", "human");
    const char *password = json_str(c->body, "password", NULL);
    if (username && !iam_name_ok(username, 64))
        problem_field(p, "username", "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
    if (email && !strchr(email, '@'))
        problem_field(p, "email", "is not an email address");
    if (kind && strcmp(kind, "human") != 0 && strcmp(kind, "service") != 0)
        problem_field(p, "kind", "must be human or service");
    if (kind && strcmp(kind, "service") == 0 && password)
        problem_field(p, "password", "service accounts have no password: they use tokens");
    if (password && password_check_policy(password, strlen(password), why, sizeof(why)) < 0)
        problem_field(p, "password", "%s", why);
    if (!json_fields_ok(p))
        return -1;
    if (password && password_hash(password, strlen(password), &password_default, hash) < 0)
        return problem_set(p, 500, "internal", "the password could not be hashed");

    struct db_value v[6] = { DB_TEXTV(username), email ? DB_TEXTV(email) : DB_NULLV, DB_TEXTV(display),
                             DB_TEXTV(kind), password ? DB_TEXTV(hash) : DB_NULLV,
                             password ? DB_TEXTV("1") : DB_NULLV };
    struct db_result ins;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_user_add, v, 6, &ins, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        if (dup)
            return problem_set(p, 409, "conflict", "a user with that username or email exists");
        return -1;
    }
    const char *id = arena_printf(c->arena, "%llu", ins.insert_id);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "username", json_object_new_string(username));
    json_object_object_add(d, "kind", json_object_new_string(kind));
    if (iam_audited(c, "iam.user.create", "user", id, d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64((int64_t)ins.insert_id));
    json_object_object_add(o, "username", json_object_new_string(username));
    json_object_object_add(o, "kind", json_object_new_string(kind));
    http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/iam/users/%s", id));
    return app_json(c, 201, o);
}

static int iam_user_set_disabled(struct app_ctx *c, bool disable)
{
    long long id = app_path_id(c, "id");
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such user");
    if (disable && id == c->who.user_id)
        return problem_set(&c->problem, 409, "conflict", "you cannot disable yourself");
    struct db_value v[2] = { DB_INTV(disable ? 1 : 0), DB_INTV(id) };
    struct db_result r;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_user_disable, v, 2, &r, &c->problem) < 0)
        return db_abort(c->db);
    if (r.affected == 0) {
        /* MariaDB counts only changed rows: tell "no such user" from "already so" */
        struct db_result e;
        struct db_value iv = DB_INTV(id);
        if (db_query(c->db, c->arena, "SELECT 1 FROM users WHERE id = ?", &iv, 1, &e, &c->problem) < 0)
            return db_abort(c->db);
        if (e.nrows == 0) {
            db_abort(c->db);
            return problem_set(&c->problem, 404, "not-found", "no such user");
        }
    }
    json_object *d = NULL;
    if (disable) {
        struct db_result ended, revoked;
        struct db_value iv = DB_INTV(id);
        if (db_query(c->db, c->arena, sql_user_sessions_end, &iv, 1, &ended, &c->problem) < 0 ||
            db_query(c->db, c->arena, sql_user_tokens_revoke, &iv, 1, &revoked, &c->problem) < 0 ||
            device_forget(c->db, c->arena, id, &c->problem) < 0)
            return db_abort(c->db);
        d = json_object_new_object();
        json_object_object_add(d, "sessions_ended", json_object_new_int64((int64_t)ended.affected));
        json_object_object_add(d, "tokens_revoked", json_object_new_int64((int64_t)revoked.affected));
    }
    json_object *counts = d ? json_object_get(d) : NULL;
    if (iam_audited(c, disable ? "iam.user.disable" : "iam.user.enable", "user", app_param(c, "id"), d) < 0) {
        json_object_put(counts);
        return -1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "disabled", json_object_new_boolean(disable));
    if (counts) {
        json_object_object_add(o, "sessions_ended", json_object_get(json_object_object_get(counts, "sessions_ended")));
        json_object_object_add(o, "tokens_revoked", json_object_get(json_object_object_get(counts, "tokens_revoked")));
        json_object_put(counts);
    }
    return app_json(c, 200, o);
}

static int iam_user_disable(struct app_ctx *c)
{
    return iam_user_set_disabled(c, true);
}

static int iam_user_enable(struct app_ctx *c)
{
    return iam_user_set_disabled(c, false);
}

/* ---- teams -------------------------------------------------------------------------------- */

static const char sql_teams[] =
    "SELECT t.id, t.name, t.display_name, p.name AS parent, "
    "       (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS members "
    "FROM teams t LEFT JOIN teams p ON p.id = t.parent_id WHERE (? IS NULL OR t.name > ?) ORDER BY t.name LIMIT ?";
static const char sql_team_id[] = "SELECT id FROM teams WHERE name = ?";
static const char sql_team_add[] = "INSERT INTO teams (name, display_name, parent_id) VALUES (?, ?, ?)";
/* The new team is its own ancestor, and has every ancestor of its parent. */
static const char sql_closure_add[] =
    "INSERT INTO team_closure (ancestor_id, descendant_id, depth) "
    "SELECT ?, ?, 0 UNION ALL "
    "SELECT ancestor_id, ?, depth + 1 FROM team_closure WHERE descendant_id = ?";
static const char sql_member_add[] = "INSERT IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)";
static const char sql_member_del[] = "DELETE FROM team_members WHERE team_id = ? AND user_id = ?";
static const char sql_user_exists[] = "SELECT 1 FROM users WHERE id = ?";

/* Lists that answered whole before they paged answer up to that whole by default (their rows
 * declare it), so a client that never paged still gets every row it got; beyond, next_cursor. */
static int iam_teams_list(struct app_ctx *c)
{
    long limit = app_limit(c);
    const char *after = app_cursor(c, "teams");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_value v[3] = { after ? DB_TEXTV(after) : DB_NULLV, after ? DB_TEXTV(after) : DB_NULLV, DB_INTV(limit + 1) };
    struct db_result q;
    if (db_query(c->db, c->arena, sql_teams, v, 3, &q, &c->problem) < 0)
        return -1;
    return app_page(c, NULL, "teams", &q, limit, 1, "issni", "teams");
}

/* The id of team name, 0 when there is none, -1 on error. */
long long iam_team_id(struct app_ctx *c, const char *name)
{
    struct db_result r;
    struct db_value v = DB_TEXTV(name);
    if (db_query(c->db, c->arena, sql_team_id, &v, 1, &r, &c->problem) < 0)
        return -1;
    return r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
}

static int iam_team_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *name = json_str(c->body, "name", NULL);
    const char *display = json_str(c->body, "display_name", "");
    const char *parent = json_str(c->body, "parent", NULL);
    if (name && !iam_name_ok(name, 63))
        problem_field(p, "name", "must be lower-case letters, digits, '.', '_' or '-'");
    long long parent_id = 0;
    if (parent && (parent_id = iam_team_id(c, parent)) == 0)
        problem_field(p, "parent", "is not a team");
    if (parent_id < 0)
        return -1;
    if (!json_fields_ok(p))
        return -1;
    struct db_value v[3] = { DB_TEXTV(name), DB_TEXTV(display), parent_id ? DB_INTV(parent_id) : DB_NULLV };
    struct db_result ins;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_team_add, v, 3, &ins, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        return dup ? problem_set(p, 409, "conflict", "a team named %s exists", name) : -1;
    }
    long long tid = (long long)ins.insert_id;
    struct db_value cv[4] = { DB_INTV(tid), DB_INTV(tid), DB_INTV(tid), DB_INTV(parent_id) };
    if (db_query(c->db, c->arena, sql_closure_add, cv, 4, NULL, p) < 0)
        return db_abort(c->db);
    /* its Group in the catalog, and the parent's (its children) */
    enum team_group_state gs;
    const char *teams[] = { name, parent };
    if (iam_groups_sync(c, teams, 2, &gs) < 0)
        return db_abort(c->db);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "parent", json_string_or_null(parent));
    if (iam_audited(c, "iam.team.create", "team", name, d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64((int64_t)ins.insert_id));
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "parent", json_string_or_null(parent));
    json_object_object_add(o, "group", iam_group_json(c, name, gs));
    return app_json(c, 201, o);
}

static int iam_member_change(struct app_ctx *c, bool add)
{
    const char *team = app_param(c, "team");
    long long uid = app_path_id(c, "user");
    long long tid = iam_team_id(c, team);
    if (tid < 0)
        return -1;
    struct db_result r;
    struct db_value uv = DB_INTV(uid);
    if (!tid || !uid || db_query(c->db, c->arena, sql_user_exists, &uv, 1, &r, &c->problem) < 0 || r.nrows == 0)
        return c->problem.status ? -1 : problem_set(&c->problem, 404, "not-found", "no such team or user");
    struct db_value v[2] = { DB_INTV(tid), DB_INTV(uid) };
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    enum team_group_state gs;
    if (db_query(c->db, c->arena, add ? sql_member_add : sql_member_del, v, 2, NULL, &c->problem) < 0 ||
        iam_groups_sync(c, &team, 1, &gs) < 0)
        return db_abort(c->db);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "user", json_object_new_int64(uid));
    if (iam_audited(c, add ? "iam.team.member.add" : "iam.team.member.remove", "team", team, d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "team", json_object_new_string(team));
    json_object_object_add(o, "user", json_object_new_int64(uid));
    json_object_object_add(o, "member", json_object_new_boolean(add));
    return app_json(c, 200, o);
}

static const char sql_members[] =
    "SELECT u.id, u.username, u.display_name, u.kind, DATE_FORMAT(m.added_at, '%Y-%m-%dT%H:%i:%sZ') AS added_at "
    "FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? AND (? IS NULL OR u.username > ?) "
    "ORDER BY u.username LIMIT ?";

static int iam_members_list(struct app_ctx *c)
{
    long limit = app_limit(c);
    const char *after = app_cursor(c, "members");
    if (!json_fields_ok(&c->problem))
        return -1;
    long long tid = iam_team_id(c, app_param(c, "team"));
    if (tid <= 0)
        return tid < 0 ? -1 : problem_set(&c->problem, 404, "not-found", "no such team");
    struct db_value v[4] = { DB_INTV(tid), after ? DB_TEXTV(after) : DB_NULLV, after ? DB_TEXTV(after) : DB_NULLV,
                             DB_INTV(limit + 1) };
    struct db_result r;
    if (db_query(c->db, c->arena, sql_members, v, 4, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "team", json_object_new_string(app_param(c, "team")));
    return app_page(c, o, "members", &r, limit, 1, "issss", "members");
}

static int iam_member_add(struct app_ctx *c)
{
    return iam_member_change(c, true);
}

static int iam_member_remove(struct app_ctx *c)
{
    return iam_member_change(c, false);
}

/* ---- unlock (explain: iam_explain.c) -------------------------------------------------------- */

static int iam_unlock(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *user = json_str(c->body, "username", NULL);
    if (!json_fields_ok(p))
        return -1;
    /* logins are throttled per account id (and per typed name when there is no account): the
     * account's own key and every (account, address) and (account, device) key go */
    struct db_result u;
    struct db_value uv = DB_TEXTV(user);
    if (db_query(c->db, c->arena, "SELECT id FROM users WHERE username = ? OR email = ?",
                 (struct db_value[]){ uv, uv }, 2, &u, p) < 0)
        return -1;
    const char *subject = throttle_account(c->arena, u.nrows ? strtoll(db_cell(&u, 0, 0), NULL, 10) : 0, user);
    long long cleared = 0;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (throttle_clear_account(c->db, c->arena, subject, &cleared, p) < 0)
        return db_abort(c->db);
    if (iam_audited(c, "iam.unlock", "user", user, NULL) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "username", json_object_new_string(user));
    json_object_object_add(o, "unlocked", json_object_new_boolean(cleared > 0));
    return app_json(c, 200, o);
}

/* ---- service accounts' tokens -------------------------------------------------------------- */

static const char sql_service_account[] = "SELECT kind = 'service' FROM users WHERE id = ? AND disabled_at IS NULL";

/* 1 when id is a live service account, 0 when not (problem set), -1 on error. */
static int service_account(struct app_ctx *c, long long id)
{
    struct db_result r;
    struct db_value v = DB_INTV(id);
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such user"), 0;
    if (db_query(c->db, c->arena, sql_service_account, &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no such user"), 0;
    if (strcmp(db_cell(&r, 0, 0), "1") != 0)
        return problem_set(&c->problem, 409, "conflict", "only service accounts get tokens from an administrator; people make their own"), 0;
    return 1;
}

static int iam_service_token_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long uid = app_path_id(c, "id");
    struct authz_grants g;
    struct apitoken_request t;
    char tok[APITOKEN_TEXT_MAX];
    unsigned long long id;

    if (service_account(c, uid) <= 0)
        return -1;
    /* the scopes must be held by the service account (its bindings), not by the administrator */
    if (authz_load(c->db, c->arena, uid, c->rules, &g, p) < 0 || apitoken_parse(c->body, &g, &t, p) < 0)
        return -1;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (apitoken_insert(c->db, c->arena, uid, &t, tok, &id, p) < 0)
        return db_abort(c->db);
    json_object *d = apitoken_details(&t);
    json_object_object_add(d, "service_account", json_object_new_int64(uid));
    if (iam_audited(c, "iam.service_token.create", "token", arena_printf(c->arena, "%llu", id), d) < 0) {
        sodium_memzero(tok, sizeof(tok));
        return -1;
    }
    json_object *list = apitoken_list(c->db, c->arena, uid, id, 0, 1, p);
    if (!list || json_object_array_length(list) != 1) {
        json_object_put(list);
        sodium_memzero(tok, sizeof(tok));
        return p->status ? -1 : problem_set(p, 500, "internal", "the token could not be read back");
    }
    json_object *o = json_object_get(json_object_array_get_idx(list, 0));
    json_object_put(list);
    json_object_object_add(o, "token", json_object_new_string(tok));   /* shown this once */
    sodium_memzero(tok, sizeof(tok));
    return app_json(c, 201, o);
}

static int iam_service_tokens(struct app_ctx *c)
{
    long long uid = app_path_id(c, "id");
    if (service_account(c, uid) <= 0)
        return -1;
    long limit = app_limit(c);
    long long before = app_cursor_id(c, "tokens");
    if (!json_fields_ok(&c->problem))
        return -1;
    json_object *list = apitoken_list(c->db, c->arena, uid, 0, before, limit + 1, &c->problem);
    return list ? app_page_array(c, NULL, "tokens", list, limit, "id", "tokens") : -1;
}

static int iam_service_token_revoke(struct app_ctx *c)
{
    long long uid = app_path_id(c, "id"), tid = app_path_id(c, "token");
    if (service_account(c, uid) <= 0)
        return -1;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    int rc = apitoken_revoke(c->db, c->arena, uid, tid, &c->problem);
    if (rc <= 0) {
        db_abort(c->db);
        return rc < 0 ? -1 : problem_set(&c->problem, 404, "not-found", "no such live token of this account");
    }
    if (iam_audited(c, "iam.service_token.revoke", "token", app_param(c, "token"), NULL) < 0)
        return -1;
    return app_status(c, 200, "revoked");
}

static const struct route iam_routes[] = {
    { "GET", "/api/v1/iam/roles", "iam.role.read", iam_roles, 0,
      "Roles and permissions", "Every role (built-in and custom) with the permissions it holds, and every permission Portico knows.",
      NULL,
      NULL, "200 roles:[Role] permissions:[string]" },
    { "POST", "/api/v1/iam/roles", "iam.role.write", iam_role_create, ROUTE_BODY_JSON,
      "Create a custom role", "Takes {name, description, permissions (known permission names)}.", NULL,
      "name:string(1..64) description?:string(0..500) permissions:[string](1..64)", "201 Role" },
    { "DELETE", "/api/v1/iam/roles/{name}", "iam.role.write", iam_role_delete, 0,
      "Delete a custom role", "Refused (409) while a binding or a policy uses it; built-in roles cannot be deleted.", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/iam/policies", "iam.role.read", iam_policies_list, 0,
      "Attribute policies", "Conditions on top of the role bindings, evaluated where a resource is known.", NULL,
      NULL, "200 policies:[Policy]" },
    { "POST", "/api/v1/iam/policies", "iam.policy.write", iam_policy_create, ROUTE_BODY_JSON,
      "Create a policy", "Takes {name, description, permission (a permission, \"<area>.*\" or \"*\"), conditions "
                         "({environment|kind|owner: value or \"*\"}), require_role, require_owner}: where the permission and "
                         "every condition match, the caller must also hold require_role there and/or belong to the owning team.",
      NULL,
      "name:string(1..64) description?:string(0..500) permission:string(1..128) conditions?:map(any) "
        "require_role?:string(1..64) require_owner?:bool",
      "201 Policy" },
    { "DELETE", "/api/v1/iam/policies/{id}", "iam.policy.write", iam_policy_delete, 0,
      "Delete a policy", "It stops applying at once.", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/iam/users", "iam.user.read", iam_users_list, 0,
      "Users", "By id; limit 1..500 (100), cursor from next_cursor; username = one user by name.",
      "limit:int(1..500,100) cursor:cursor username:string(254)",
      NULL, "200 users:[User] next_cursor?:string" },
    { "POST", "/api/v1/iam/users", "iam.user.write", iam_user_create, ROUTE_BODY_JSON,
      "Create a user", "Takes {username, email, display_name, kind (human|service), password (humans)}.", NULL,
      "username:string(1..64) email?:string(3..254) display_name?:string(0..200) kind?:string(1..16) "
        "password?:string(1..1024)",
      "201 id:int username:string kind:string" },
    { "POST", "/api/v1/iam/users/{id}/disable", "iam.user.write", iam_user_disable, 0,
      "Disable a user", "Ends its sessions and revokes its API tokens at once (answered and audited as "
                        "sessions_ended, tokens_revoked); nothing else is deleted.", NULL,
      NULL, "200 id:int disabled:bool sessions_ended:int tokens_revoked:int" },
    { "POST", "/api/v1/iam/users/{id}/enable", "iam.user.write", iam_user_enable, 0,
      "Enable a user", "Lets it log in again; its old sessions and tokens stay ended: it logs in, and is given new tokens.",
      NULL,
      NULL, "200 id:int disabled:bool" },
    { "POST", "/api/v1/iam/users/{id}/tokens", "iam.user.write", iam_service_token_create, ROUTE_BODY_JSON,
      "Create a service account's token", "For service accounts only: {name, scopes (held by the account), "
                                          "expires_in_days, secret_paths (optional, as for one's own tokens)}; the "
                                          "token is answered once.", NULL,
      "TokenRequest", "201 TokenCreated" },
    { "GET", "/api/v1/iam/users/{id}", "iam.user.read", iam_user_get, 0,
      "A user's page", "The user (with must_change_password), their teams, every binding they hold and how (directly, "
                       "through a team, as a member of a team), what their teams own in the catalog (entities, at most "
                       "100, and entities_total), the resources they requested (for a caller who reads resources "
                       "everywhere; at most 100), and a service account's tokens.", NULL,
      NULL, "200 user:User teams:[{name:string display_name:string added_at:string}] bindings:[Grant] "
        "owns:{entities:[{ref:string kind:string title:string team:string}] entities_total:int resources:[{id:int "
        "uid:string template:string version:string environment:string team:string state:string expires_at?:string "
        "name:string}] resources_truncated:bool} tokens?:[Token]" },
    { "PATCH", "/api/v1/iam/users/{id}", "iam.user.write", iam_user_update, ROUTE_BODY_JSON,
      "Edit a user", "Takes {display_name, email (null or \"\" clears it)}; 409 when the email is another user's. "
                     "Audited with the values before and after.", NULL,
      "display_name?:string(0..200) email?:string(0..254)", "200 User" },
    { "POST", "/api/v1/iam/users/{id}/password-reset", "iam.user.write", iam_user_password_reset, 0,
      "Reset a user's password", "From a logged-in session only (403 for a token). Answers a temporary password once "
                                 "(temporary_password); the person must change it at the first login: until then their "
                                 "sessions and tokens answer 403 password-change-required on every route but who-am-I, "
                                 "logout and the password change. Ends every session of the person and clears their "
                                 "failed logins. 409 for your own account or a service account; 429 with Retry-After "
                                 "past login_max_failures resets of one account within an hour.", NULL,
      NULL, "200 id:int username:string temporary_password:string must_change_password:bool sessions_ended:int" },
    { "GET", "/api/v1/iam/users/{id}/tokens", "iam.user.read", iam_service_tokens, 0,
      "A service account's tokens", "Metadata and last use; never the tokens. Newest first: limit 1..200 "
                                    "(200), cursor from next_cursor.",
      "limit:int(1..200,200) cursor:cursor",
      NULL, "200 tokens:[Token] next_cursor?:string" },
    { "DELETE", "/api/v1/iam/users/{id}/tokens/{token}", "iam.user.write", iam_service_token_revoke, 0,
      "Revoke a service account's token", "It stops working at once.", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/iam/teams", "iam.team.read", iam_teams_list, 0,
      "Teams", "Each with its parent and its member count, by name: limit 1..1000 (1000), cursor from "
               "next_cursor.",
      "limit:int(1..1000,1000) cursor:cursor",
      NULL, "200 teams:[{id:int name:string display_name:string parent?:string members:int}] next_cursor?:string" },
    { "POST", "/api/v1/iam/teams", "iam.team.write", iam_team_create, ROUTE_BODY_JSON,
      "Create a team", "Takes {name, display_name, parent}. Its Group in the catalog (group:default/<name>) is made "
                       "with it (group: {ref, state}: kept by Portico, or foreign when a Group of that name written by "
                       "hand or from a location was there: it is left alone).", NULL,
      "name:string(1..63) display_name?:string(0..200) parent?:string(1..63)",
      "201 id:int name:string parent?:string group:TeamGroup" },
    { "GET", "/api/v1/iam/teams/{team}", "iam.team.read", iam_team_get, 0,
      "A team's page", "The team, its members, sub-teams, the bindings it holds and those on it, the entities and "
                       "templates it owns (at most 100 each), its resources that are not deprovisioned (for a caller "
                       "who reads resources everywhere), and holds: how many members, sub-teams, entities, templates, "
                       "resources, requests waiting, secrets, locations and policies keep it from a rename or a delete.", NULL,
      NULL, "200 team:{id:int name:string display_name:string parent?:string created_at:string} members:[Member] "
        "subteams:[{name:string display_name:string}] bindings:[{id:int subject_type:string subject?:string "
        "role:string scope_type:string scope_id:string}] entities:[{ref:string kind:string title:string}] "
        "templates:[{name:string}] resources:[{id:int uid:string template:string version:string environment:string "
        "requester:string state:string expires_at?:string name:string}] holds:map(int) group:TeamGroup" },
    { "PATCH", "/api/v1/iam/teams/{team}", "iam.team.write", iam_team_update, ROUTE_BODY_JSON,
      "Edit, rename or move a team", "Takes {name, display_name, parent (a team, or null)}. Members and bindings follow "
                                     "a rename (bindings scoped on the team are rewritten); 409 naming what holds the "
                                     "name while catalog entities, templates, live resources, requests waiting, "
                                     "secrets, locations or policies name it. A parent cannot be the team or one below it.",
      NULL,
      "name?:string(1..63) display_name?:string(0..200) parent?:string(1..63)",
      "200 id:int name:string display_name:string parent?:string group:TeamGroup" },
    { "DELETE", "/api/v1/iam/teams/{team}", "iam.team.write", iam_team_delete, 0,
      "Delete a team", "409 saying what while it has members or sub-teams or anything names it (as for a rename); "
                       "the bindings it holds and those on it go with it.", NULL,
      NULL, "200 status:string bindings_removed:int" },
    { "GET", "/api/v1/iam/teams/{team}/members", "iam.team.read", iam_members_list, 0,
      "A team's members", "Its own members (not those of the teams below it), by username: limit 1..5000 "
                          "(5000), cursor from next_cursor.",
      "limit:int(1..5000,5000) cursor:cursor",
      NULL, "200 team:string members:[Member] next_cursor?:string" },
    { "PUT", "/api/v1/iam/teams/{team}/members/{user}", "iam.team.write", iam_member_add, 0,
      "Add a member", "The user (by id) joins the team (and its Group's members); harmless when it is a member already.", NULL,
      NULL, "200 team:string user:int member:bool" },
    { "DELETE", "/api/v1/iam/teams/{team}/members/{user}", "iam.team.write", iam_member_remove, 0,
      "Remove a member", "The user (by id) leaves the team.", NULL,
      NULL, "200 team:string user:int member:bool" },
    { "GET", "/api/v1/iam/bindings", "iam.role.read", iam_bindings_list, 0,
      "Role bindings", "Who holds which role in which scope; builtin marks the default one (subject members: every "
                       "member of any team holds catalog-reader everywhere), which may be deleted and created again. "
                       "By id: limit 1..5000 (5000), cursor from next_cursor.",
      "limit:int(1..5000,5000) cursor:cursor",
      NULL, "200 bindings:[Binding] next_cursor?:string" },
    { "POST", "/api/v1/iam/bindings", "iam.binding.write", iam_binding_create, ROUTE_BODY_JSON,
      "Bind a role", "Takes {subject_type (user|team|members), subject (a user's or a team's name; none for members: "
                     "every member of any team), role, scope_type (global|team|entity), scope_id}.", NULL,
      "subject_type:string(1..8) subject?:string(1..64) role:string(1..64) scope_type?:string(1..8) "
        "scope_id?:string(0..255)",
      "201 Binding" },
    { "DELETE", "/api/v1/iam/bindings/{id}", "iam.binding.write", iam_binding_delete, 0,
      "Remove a binding", "It stops applying at once (the built-in one too: team members then read only what "
                          "their other bindings allow).", NULL,
      NULL, "200 status:string builtin:bool" },
    { "GET", "/api/v1/iam/explain", "iam.explain", iam_explain, 0,
      "Explain a decision", "?user=&permission=[&resource=<catalog ref>][&team=][&entity=][&environment=][&kind=]: allowed or not "
                            "(resource= takes the entity's owner and kind from the catalog; owner_team names whose it is), "
                            "the binding that decided (or why none did), the policy that refused if one did, every binding "
                            "considered, and when not allowed, needed: the binding that would allow it {role, scope_type, "
                            "scope_id, team_membership, text}, e.g. \"a binding of developer (or a role holding "
                            "catalog.entity.write) on team payments\".",
      "user:string(254) permission:string(64) team:string(63) entity:string(255) environment:string(63) "
      "kind:string(63) resource:string(255)",
      NULL, "200 user:string permission:string resource:{team?:string entity?:string environment?:string "
        "kind?:string in_catalog?:bool} owner_team?:string allowed:bool reason:string decided_by?:Grant "
        "considered:[{role:string scope_type:string scope_id:string via:string role_has_permission:bool}] "
        "needed?:{role:string scope_type:string scope_id:string team_membership:bool text:string} policy?:{id:int "
        "name:string}" },
    { "POST", "/api/v1/iam/unlock", "iam.unlock", iam_unlock, ROUTE_BODY_JSON,
      "Unlock logins", "Takes {username}: clears the failed-login count that throttles the account.", NULL,
      "username:string(1..254)", "200 username:string unlocked:bool" },
};

static const struct app iam_app = { "iam", iam_routes, sizeof(iam_routes) / sizeof(iam_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&iam_app, argc, argv);
}
