/*
 * iam: one user — the page (the person, their teams, every binding they hold and how, what their
 * teams own in the catalog, the resources they requested, a service account's tokens), the edit
 * (display name, email) and an administrator's password reset (lib/account). Each change is
 * audited in its own transaction and raises the authorization epoch.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam.h"
#include "lib/account.h"
#include "lib/apitoken.h"
#include "lib/throttle.h"

#define USER_PAGE_ROWS 100

static const char sql_user[] =
    "SELECT id, username, email, display_name, kind, " DB_RFC3339("disabled_at") " AS disabled_at, "
    DB_RFC3339("created_at") " AS created_at, " DB_RFC3339("password_changed_at") " AS password_changed_at, "
    "must_change_password FROM users WHERE id = ?";
static const char sql_user_teams[] =
    "SELECT t.name, t.display_name, " DB_RFC3339("m.added_at") " AS added_at FROM team_members m "
    "JOIN teams t ON t.id = m.team_id WHERE m.user_id = ? ORDER BY t.name LIMIT 1000";
/* what the user's teams own: the teams they are a member of, not the ones above; a team's own
 * Group (lib/team_group) is the team, not something it owns */
static const char sql_user_entities[] =
    "SELECT e.ref, e.kind, e.title, e.owner_team AS team FROM entities e "
    "WHERE e.owner_team IN (SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ?) "
    "AND NOT e.managed_by <=> 'team' ORDER BY e.ref LIMIT 101";
static const char sql_user_entities_total[] =
    "SELECT COUNT(*) FROM entities e "
    "WHERE e.owner_team IN (SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ?) "
    "AND NOT e.managed_by <=> 'team'";
static const char sql_user_resources[] =
    "SELECT r.id, r.uid, t.name AS template, tv.version, r.environment, r.team, r.state, "
    DB_RFC3339("r.expires_at") " AS expires_at, r.name FROM provision_requests q JOIN resources r ON r.id = q.resource_id "
    "JOIN template_versions tv ON tv.id = r.template_version_id JOIN templates t ON t.id = tv.template_id "
    "WHERE q.requester_id = ? AND r.state <> 'deprovisioned' ORDER BY r.id DESC LIMIT 101";

/* The user row of the path's {id} (sql_user's columns): 0, or -1 with 404. */
static int user_row(struct app_ctx *c, long long id, struct db_result *r)
{
    struct db_value v = DB_INTV(id);
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such user");
    if (db_query(c->db, c->arena, sql_user, &v, 1, r, &c->problem) < 0)
        return -1;
    return r->nrows == 1 ? 0 : problem_set(&c->problem, 404, "not-found", "no such user");
}

static json_object *user_json(const struct db_result *r)
{
    json_object *rows = app_rows_json(r, 1, "isnssnsnb");
    json_object *u = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return u;
}

/* Rows up to USER_PAGE_ROWS under member, and whether there were more. */
static void add_capped(json_object *o, const char *member, const struct db_result *r, const char *types)
{
    json_object_object_add(o, member, app_rows_json(r, r->nrows > USER_PAGE_ROWS ? USER_PAGE_ROWS : r->nrows, types));
}

/* GET /iam/users/{id}: what a person's page shows. Resources and tokens only for a caller who
 * reads them everywhere (iam.user.read is not a licence to see every team's resources). */
int iam_user_get(struct app_ctx *c)
{
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    long long id = app_path_id(c, "id");
    struct db_result u, t, e, n, res;
    struct db_value v = DB_INTV(id);
    struct authz_grants g;
    if (user_row(c, id, &u) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_user_teams, &v, 1, &t, &c->problem) < 0 ||
        db_query(c->db, c->arena, sql_user_entities, &v, 1, &e, &c->problem) < 0 ||
        db_query(c->db, c->arena, sql_user_entities_total, &v, 1, &n, &c->problem) < 0 ||
        authz_load(c->db, c->arena, id, c->rules, &g, &c->problem) < 0)
        return -1;
    json_object *o = app_keep(c, json_object_new_object());   /* the request's: error paths leave it */
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object_object_add(o, "user", user_json(&u));
    json_object_object_add(o, "teams", app_rows_json(&t, t.nrows, "sss"));
    json_object *bindings = json_object_new_array();
    for (size_t i = 0; i < g.n; i++)
        json_object_array_add(bindings, authz_binding_json(&g.bindings[i]));
    json_object_object_add(o, "bindings", bindings);
    json_object *owns = json_object_new_object();
    add_capped(owns, "entities", &e, "sssn");
    json_object_object_add(owns, "entities_total", json_object_new_int64(atoll(db_cell(&n, 0, 0))));
    if (app_may(c, "provision.resource.read", &nowhere, NULL)) {
        if (db_query(c->db, c->arena, sql_user_resources, &v, 1, &res, &c->problem) < 0) {
            json_object_put(owns);
            return -1;
        }
        add_capped(owns, "resources", &res, "isssssssn");
        json_object_object_add(owns, "resources_truncated", json_object_new_boolean(res.nrows > USER_PAGE_ROWS));
    }
    json_object_object_add(o, "owns", owns);
    if (strcmp(db_cell(&u, 0, 4), "service") == 0) {
        json_object *tokens = apitoken_list(c->db, c->arena, id, 0, 0, TOKENS_PAGE, &c->problem);
        if (!tokens)
            return -1;
        json_object_object_add(o, "tokens", tokens);
    }
    return app_json(c, 200, json_object_get(o));
}

static const char sql_user_set[] =
    "UPDATE users SET display_name = IF(?, ?, display_name), email = IF(?, ?, email) WHERE id = ?";

/* PATCH /iam/users/{id}: {display_name, email (null or "" clears it)}. */
int iam_user_update(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id");
    struct db_result u;
    json_object *ej = json_object_object_get(c->body, "email");
    bool has_display = json_object_object_get_ex(c->body, "display_name", NULL);
    bool has_email = json_object_object_get_ex(c->body, "email", NULL);
    const char *display = json_str(c->body, "display_name", NULL);
    const char *email = ej && !json_object_is_type(ej, json_type_null) ? json_str(c->body, "email", NULL)
                                                                     : NULL;
    if (email && !*email)
        email = NULL;
    if (email && (strlen(email) < 3 || !strchr(email, '@')))
        problem_field(p, "email", "is not an email address");
    if (has_display && !display && !p->nfields)
        problem_field(p, "display_name", "must be a string of at most 200 characters");
    if (!has_display && !has_email)
        problem_field(p, "display_name", "give display_name, email or both");
    if (!json_fields_ok(p))
        return -1;
    if (user_row(c, id, &u) < 0)
        return -1;
    struct db_value v[5] = { DB_INTV(has_display), display ? DB_TEXTV(display) : DB_NULLV, DB_INTV(has_email),
                             email ? DB_TEXTV(email) : DB_NULLV, DB_INTV(id) };
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_user_set, v, 5, NULL, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        return dup ? problem_set(p, 409, "conflict", "another user has the email %s", email) : -1;
    }
    json_object *d = json_object_new_object();
    json_object_object_add(d, "username", json_object_new_string(db_cell(&u, 0, 1)));
    if (has_display) {
        json_object_object_add(d, "display_name_was", json_object_new_string(db_cell(&u, 0, 3)));
        json_object_object_add(d, "display_name", json_object_new_string(display));
    }
    if (has_email) {
        json_object_object_add(d, "email_was", json_string_or_null(db_cell(&u, 0, 2)));
        json_object_object_add(d, "email", json_string_or_null(email));
    }
    if (iam_audited(c, "iam.user.update", "user", app_param(c, "id"), d) < 0)
        return -1;
    if (user_row(c, id, &u) < 0)
        return -1;
    return app_json(c, 200, user_json(&u));
}

/* POST /iam/users/{id}/password-reset: a temporary password, answered once. Limited like logins:
 * per account (login_max_failures within an hour) and per administrator (login_max_failures_address). */
int iam_user_password_reset(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id");
    struct db_result u;
    if (c->who.token_id)
        return problem_set(p, 403, "forbidden", "a password reset needs a logged-in session, not a token");
    if (user_row(c, id, &u) < 0)
        return -1;
    if (id == c->who.user_id)
        return problem_set(p, 409, "conflict", "this is your own account: change your password on the password page "
                                               "(it asks for the current one)");
    if (strcmp(db_cell(&u, 0, 4), "human") != 0)
        return problem_set(p, 409, "conflict", "%s is a service account: it has no password, only tokens", db_cell(&u, 0, 1));
    struct throttle_key keys[2] = {
        { "reset", throttle_account(c->arena, id, NULL), c->cfg->login_max_failures, false },
        { "reset", arena_printf(c->arena, "by:%lld", c->who.user_id), c->cfg->login_max_failures_address, false },
    };
    int wait = 0;
    bool over = false;
    if (throttle_wait(c->db, c->arena, keys, 2, &wait, p) < 0)
        return -1;
    if (!wait) {
        if (throttle_take(c->db, c->arena, keys, 2, c->cfg->login_lockout_seconds, &over, p) < 0)
            return -1;
        if (over)
            wait = c->cfg->login_lockout_seconds;
    }
    if (wait) {
        p->retry_after = wait;
        return problem_set(p, 429, "too-many-attempts", "too many password resets of %s; try again in %d s",
                           db_cell(&u, 0, 1), wait);
    }
    char temp[ACCOUNT_TEMP_PASSWORD_MAX];
    long long sessions = 0;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (account_password_reset(c->db, c->arena, id, temp, &sessions, p) < 0)
        return db_abort(c->db);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "username", json_object_new_string(db_cell(&u, 0, 1)));
    json_object_object_add(d, "sessions_ended", json_object_new_int64(sessions));
    json_object_object_add(d, "must_change_password", json_object_new_boolean(1));
    if (iam_audited(c, "iam.user.password_reset", "user", app_param(c, "id"), d) < 0) {
        sodium_memzero(temp, sizeof(temp));
        return -1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "username", json_object_new_string(db_cell(&u, 0, 1)));
    json_object_object_add(o, "temporary_password", json_object_new_string(temp));   /* shown this once */
    json_object_object_add(o, "must_change_password", json_object_new_boolean(1));
    json_object_object_add(o, "sessions_ended", json_object_new_int64(sessions));
    sodium_memzero(temp, sizeof(temp));
    c->wipe_response = true;
    return app_json(c, 200, o);
}
