/*
 * auth: logging in and out, who am I, and changing one's password.
 *
 * Login answers the same 401 after the same Argon2 work whether the account is unknown,
 * disabled or the password wrong. Failures are counted in the database (so every process and
 * host sees them) per (account, address) pair, or per known device when the browser shows the
 * account's device cookie (lib/device); those from unknown devices and addresses also count for
 * the account as a whole (login_max_failures_account), and every failure for its address. Past a
 * limit, that key's logins are refused with 429 and Retry-After for a period that doubles with
 * each further failure (lib/throttle): someone guessing from elsewhere locks out only themselves,
 * never the owner on a device or address that has logged in before. The password form's
 * current-password check counts on the same keys. Every outcome is audited in the transaction
 * that records it. After an administrator's reset (lib/account), the session
 * says must_change_password and only who-am-I, logout and the change answer (lib/app.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/apitoken.h"
#include "lib/device.h"
#include "lib/password.h"
#include "lib/portico.h"
#include "lib/throttle.h"
#include "lib/token.h"

/* ---- shared pieces ------------------------------------------------------------------------ */

/* An audit event about the caller's own account. */
static struct audit_event audit_base(struct app_ctx *c, const char *action, const char *outcome)
{
    struct audit_event ev = app_audit_event(c, action, outcome);
    ev.target_type = "user";
    ev.target_id = ev.actor_id;
    return ev;
}

static json_object *user_json(long long id, const char *username, const char *display_name)
{
    json_object *u = json_object_new_object();
    json_object_object_add(u, "id", json_object_new_int64(id));
    json_object_object_add(u, "username", json_object_new_string(username ? username : ""));
    json_object_object_add(u, "display_name", json_object_new_string(display_name ? display_name : ""));
    return u;
}

/* ---- login -------------------------------------------------------------------------------- */

static const char sql_find_user[] =
    "SELECT id, username, display_name, password_hash, disabled_at IS NOT NULL, must_change_password "
    "FROM users WHERE username = ? OR email = ? LIMIT 1";
static const char sql_rehash[] = "UPDATE users SET password_hash = ? WHERE id = ?";

/* What a password attempt counts against (lib/throttle), for the account subject ("id:<n>", or
 * "name:<typed>" when there is none): from a known device, that device alone; else the account
 * from this address, and the account as a whole unless this address is a known one; always the
 * address. Logins and the password form's current-password check share them, so guessing on
 * either counts for both. Returns how many keys. */
static size_t password_keys(struct app_ctx *c, const char *subject, const struct device_seen *seen,
                            struct throttle_key keys[THROTTLE_KEYS_MAX])
{
    const struct config *cfg = c->cfg;
    const char *addr = c->req.remote_addr && *c->req.remote_addr ? c->req.remote_addr : "unknown";
    size_t n = 0;
    if (seen->device) {
        keys[n++] = (struct throttle_key){ "dev", throttle_device(c->arena, subject, seen->hash),
                                           cfg->login_max_failures, true };
    } else {
        keys[n++] = (struct throttle_key){ "pair", throttle_pair(c->arena, subject, addr),
                                           cfg->login_max_failures, true };
        if (!seen->address)
            keys[n++] = (struct throttle_key){ "user", subject, cfg->login_max_failures_account, false };
    }
    keys[n++] = (struct throttle_key){ "addr", addr, cfg->login_max_failures_address, false };
    return n;
}

/* Before any password work: 0 to go on (the attempt counted), 1 when it is throttled (*wait
 * seconds), -1 on error. A success clears or gives back the attempt (throttle_forgive). */
static int password_attempt(struct app_ctx *c, const struct throttle_key *keys, size_t n, int *wait)
{
    bool over = false;
    if (throttle_wait(c->db, c->arena, keys, n, wait, &c->problem) < 0)
        return -1;
    if (*wait > 0)
        return 1;
    if (throttle_take(c->db, c->arena, keys, n, c->cfg->login_lockout_seconds, &over, &c->problem) < 0)
        return -1;
    *wait = c->cfg->login_lockout_seconds;
    return over ? 1 : 0;
}

static int login_refuse(struct app_ctx *c, const char *login, int wait)
{
    struct problem *p = &c->problem;
    if (db_begin(c->db, p) < 0)
        return -1;
    struct audit_event ev = audit_base(c, "auth.login", "denied");
    ev.actor_name = login;
    ev.details = "{\"reason\":\"throttled\"}";
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
        return -1;
    metrics_event(METRICS_LOGIN_THROTTLED);
    p->retry_after = wait > 0 ? wait : 1;
    return problem_set(p, 429, "too-many-attempts", "too many failed logins from here; try again in %d s", p->retry_after);
}

static int login_record_failure(struct app_ctx *c, const char *login, const char *reason)
{
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    struct audit_event ev = audit_base(c, "auth.login", "failure");
    ev.actor_name = login;
    ev.target_id = NULL;
    ev.details = arena_printf(c->arena, "{\"reason\":\"%s\"}", reason);
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
        return -1;
    metrics_event(METRICS_LOGIN_FAILED);
    return problem_set(&c->problem, 401, "invalid-credentials", "the username or password is wrong");
}

static int auth_login(struct app_ctx *c)
{
    struct problem *p = &c->problem;

    const char *login = json_str(c->body, "username", NULL);
    const char *pw = json_str(c->body, "password", NULL);
    if (!json_fields_ok(p))
        return -1;
    size_t pwlen = strlen(pw);

    /* The account, if any: its throttle is keyed by id, so username and email share one count. */
    struct db_result r;
    struct db_value fv[2] = { DB_TEXTV(login), DB_TEXTV(login) };
    if (db_query(c->db, c->arena, sql_find_user, fv, 2, &r, p) < 0)
        return -1;
    long long uid = r.nrows ? strtoll(db_cell(&r, 0, 0), NULL, 10) : 0;
    const char *subject = throttle_account(c->arena, uid, login);
    struct device_seen seen = { 0 };
    if (uid && device_recall(c->db, c->arena, c->cfg, uid, &c->req, &seen, p) < 0)
        return -1;
    struct throttle_key keys[THROTTLE_KEYS_MAX];
    size_t nkeys = password_keys(c, subject, &seen, keys);
    /* Throttled? Refuse before any password work. */
    int wait = 0, throttled = password_attempt(c, keys, nkeys, &wait);
    if (throttled < 0)
        return -1;
    if (throttled)
        return login_refuse(c, login, wait);

    const char *hash = r.nrows ? db_cell(&r, 0, 3) : NULL;
    bool disabled = r.nrows && db_cell(&r, 0, 4) && strcmp(db_cell(&r, 0, 4), "1") == 0;
    if (!hash || disabled) {
        /* unknown, service account (no password) or disabled: the same work, the same answer */
        password_verify_dummy(pw, pwlen);
        return login_record_failure(c, login, !r.nrows ? "unknown account" : disabled ? "disabled" : "no password");
    }
    if (!password_verify(hash, pw, pwlen))
        return login_record_failure(c, login, "wrong password");

    c->who.user_id = uid;
    c->who.username = db_cell(&r, 0, 1);
    c->who.display_name = db_cell(&r, 0, 2);
    c->who.via = "session";
    c->actor = c->who.username;

    bool must_change = strcmp(db_cell(&r, 0, 5), "0") != 0;
    if (db_begin(c->db, p) < 0)
        return -1;
    const char *device_cookie = NULL;
    if (throttle_forgive(c->db, c->arena, keys, nkeys, p) < 0 ||
        device_remember(c->db, c->arena, c->cfg, uid, &c->req, &seen, &device_cookie, p) < 0)
        goto fail;
    if (password_needs_rehash(hash, &password_default)) {
        char fresh[PASSWORD_HASH_MAX];
        if (password_hash(pw, pwlen, &password_default, fresh) == 0) {
            struct db_value rv[2] = { DB_TEXTV(fresh), DB_INTV(uid) };
            if (db_query(c->db, c->arena, sql_rehash, rv, 2, NULL, p) < 0)
                goto fail;
        }
    }
    const char *sid = authn_session_start(c->db, c->arena, c->cfg, uid, &c->req, p);
    if (!sid)
        goto fail;
    struct audit_event ev = audit_base(c, "auth.login", "success");
    ev.details = must_change ? "{\"method\":\"password\",\"must_change_password\":true}" : "{\"method\":\"password\"}";
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
        return -1;

    http_response_header(&c->res, "Set-Cookie", authn_cookie(c->arena, c->cfg, sid));
    if (device_cookie)
        http_response_header(&c->res, "Set-Cookie", device_cookie);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user", user_json(uid, c->who.username, c->who.display_name));
    json_object_object_add(o, "csrf_token", json_object_new_string(authn_csrf_for(c->arena, sid)));
    json_object_object_add(o, "idle_timeout_seconds", json_object_new_int(c->cfg->session_idle_seconds));
    json_object_object_add(o, "absolute_timeout_seconds", json_object_new_int(c->cfg->session_absolute_seconds));
    /* a temporary password from an administrator's reset: the portal goes to the password page */
    json_object_object_add(o, "must_change_password", json_object_new_boolean(must_change));
    return app_json(c, 200, o);
fail:
    return db_abort(c->db);
}

/* ---- logout, session ---------------------------------------------------------------------- */

static const char sql_end_session[] = "DELETE FROM sessions WHERE id_hash = ?";

static int auth_logout(struct app_ctx *c)
{
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (c->who.session_hash) {
        struct db_value v = DB_TEXTV(c->who.session_hash);
        if (db_query(c->db, c->arena, sql_end_session, &v, 1, NULL, &c->problem) < 0 ||
            authz_epoch_bump(c->db, c->arena, &c->problem) < 0)
            return db_abort(c->db);
    }
    struct audit_event ev = audit_base(c, "auth.logout", "success");
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
        return -1;
    http_response_header(&c->res, "Set-Cookie", authn_cookie(c->arena, c->cfg, NULL));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("logged out"));
    return app_json(c, 200, o);
}

/* Who am I: the user, the teams (and the teams above them), every binding held and how, and
 * the permissions held somewhere (for a token: within its scopes) — what a portal needs to
 * decide what to show. The handlers decide per resource; this is a guide, not a grant. */
static int auth_session(struct app_ctx *c)
{
    /* Every portal page asks this: the answer is kept with the credential's facts. */
    const char *kept = authn_memo(&c->who, c->epoch);
    if (kept) {
        http_response_body(&c->res, 200, "application/json", kept, strlen(kept));
        return 0;
    }
    if (authn_grants(c->db, c->arena, &c->who, c->rules, c->epoch, &c->grants, &c->problem) < 0)
        return -1;
    const struct authz_grants g = c->grants;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user", user_json(c->who.user_id, c->who.username, c->who.display_name));
    json_object_object_add(o, "via", json_object_new_string(c->who.via));
    json_object_object_add(o, "must_change_password", json_object_new_boolean(c->who.must_change_password));
    if (c->who.csrf_token)
        json_object_object_add(o, "csrf_token", json_object_new_string(c->who.csrf_token));
    json_object *teams = json_object_new_array();
    for (const char **t = g.teams; t && *t; t++)
        json_object_array_add(teams, json_object_new_string(*t));
    json_object_object_add(o, "teams", teams);
    json_object *roles = json_object_new_array();
    for (size_t i = 0; i < g.n; i++)
        json_object_array_add(roles, authz_binding_json(&g.bindings[i]));
    json_object_object_add(o, "roles", roles);
    json_object *perms = json_object_new_array();
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    for (const char *const *q = authz_permissions(); *q; q++)
        if (app_may(c, *q, authz_permission_global(*q) ? &nowhere : NULL, NULL))
            json_object_array_add(perms, json_object_new_string(*q));
    json_object_object_add(o, "permissions", perms);
    authn_memo_keep(&c->who, c->epoch, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    return app_json(c, 200, o);
}

/* ---- password change ---------------------------------------------------------------------- */

static const char sql_current_hash[] = "SELECT password_hash FROM users WHERE id = ?";
static const char sql_set_password[] =
    "UPDATE users SET password_hash = ?, password_changed_at = UTC_TIMESTAMP(6), must_change_password = 0 WHERE id = ?";
static const char sql_end_other_sessions[] = "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?";

/* The current password is checked as a login is, against the same counts: a stolen session
 * cannot guess it without limit. */
static int auth_password(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    char why[128];

    const char *cur = json_str(c->body, "current_password", NULL);
    const char *next = json_str(c->body, "new_password", NULL);
    if (next && password_check_policy(next, strlen(next), why, sizeof(why)) < 0)
        problem_field(p, "new_password", "%s", why);
    else if (next && cur && strcmp(next, cur) == 0)
        problem_field(p, "new_password", "must differ from the current password");
    if (!json_fields_ok(p))
        return -1;

    struct device_seen seen;
    if (device_recall(c->db, c->arena, c->cfg, c->who.user_id, &c->req, &seen, p) < 0)
        return -1;
    struct throttle_key keys[THROTTLE_KEYS_MAX];
    size_t nkeys = password_keys(c, throttle_account(c->arena, c->who.user_id, NULL), &seen, keys);
    int wait = 0, throttled = password_attempt(c, keys, nkeys, &wait);
    if (throttled < 0)
        return -1;
    if (throttled) {
        if (db_begin(c->db, p) < 0)
            return -1;
        struct audit_event ev = audit_base(c, "auth.password.change", "denied");
        ev.details = "{\"reason\":\"throttled\"}";
        if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
            return -1;
        p->retry_after = wait > 0 ? wait : 1;
        return problem_set(p, 429, "too-many-attempts", "too many wrong passwords; try again in %d s", p->retry_after);
    }
    struct db_result r;
    struct db_value v = DB_INTV(c->who.user_id);
    if (db_query(c->db, c->arena, sql_current_hash, &v, 1, &r, p) < 0)
        return -1;
    const char *hash = db_cell(&r, 0, 0);
    if (!hash || !password_verify(hash, cur, strlen(cur))) {
        if (!hash)
            password_verify_dummy(cur, strlen(cur));
        if (db_begin(c->db, p) < 0)
            return -1;
        struct audit_event ev = audit_base(c, "auth.password.change", "failure");
        ev.details = "{\"reason\":\"current password wrong\"}";
        if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
            return -1;
        problem_field(p, "current_password", "is not your current password");
        return -1;
    }
    char fresh[PASSWORD_HASH_MAX];
    if (password_hash(next, strlen(next), &password_default, fresh) < 0)
        return problem_set(p, 500, "internal", "the password could not be hashed");
    if (db_begin(c->db, p) < 0)
        return -1;
    struct db_value sv[2] = { DB_TEXTV(fresh), DB_INTV(c->who.user_id) };
    struct db_value ov[2] = { DB_INTV(c->who.user_id), DB_TEXTV(c->who.session_hash ? c->who.session_hash : "") };
    if (db_query(c->db, c->arena, sql_set_password, sv, 2, NULL, p) < 0 ||
        db_query(c->db, c->arena, sql_end_other_sessions, ov, 2, NULL, p) < 0 ||
        throttle_forgive(c->db, c->arena, keys, nkeys, p) < 0 || authz_epoch_bump(c->db, c->arena, p) < 0) {
        return db_abort(c->db);
    }
    struct audit_event ev = audit_base(c, "auth.password.change", "success");
    ev.details = c->who.must_change_password ? "{\"other_sessions\":\"ended\",\"after_reset\":true}"
                                             : "{\"other_sessions\":\"ended\"}";
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("password changed; your other sessions have ended"));
    return app_json(c, 200, o);
}

/* ---- API tokens (one's own; lib/apitoken holds the rules) --------------------------------- */

static int auth_token_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct authz_grants g;
    struct apitoken_request t;
    char tok[APITOKEN_TEXT_MAX];
    unsigned long long id;

    /* A token cannot mint tokens: a leaked one must not outlive its own expiry. */
    if (strcmp(c->who.via, "token") == 0)
        return problem_set(p, 403, "forbidden", "tokens are created from a logged-in session, not with a token");
    if (authn_grants(c->db, c->arena, &c->who, c->rules, c->epoch, &g, p) < 0 || apitoken_parse(c->body, &g, &t, p) < 0)
        return -1;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (apitoken_insert(c->db, c->arena, c->who.user_id, &t, tok, &id, p) < 0) {
        return db_abort(c->db);
    }
    struct audit_event ev = audit_base(c, "auth.token.create", "success");
    ev.target_type = "token";
    ev.target_id = arena_printf(c->arena, "%llu", id);
    json_object *d = apitoken_details(&t);
    ev.details = arena_strdup(c->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    json_object *list = NULL;
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0 || !(list = apitoken_list(c->db, c->arena, c->who.user_id, id, 0, 1, p)) ||
        json_object_array_length(list) != 1) {
        json_object_put(list);
        sodium_memzero(tok, sizeof(tok));
        if (p->status)
            return -1;
        return problem_set(p, 500, "internal", "the token could not be read back");
    }
    json_object *o = json_object_get(json_object_array_get_idx(list, 0));
    json_object_put(list);
    /* The only time the token is ever shown. */
    json_object_object_add(o, "token", json_object_new_string(tok));
    sodium_memzero(tok, sizeof(tok));
    http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/auth/tokens/%llu", id));
    return app_json(c, 201, o);
}

static int auth_token_list(struct app_ctx *c)
{
    long limit = app_limit(c);
    long long before = app_cursor_id(c, "tokens");
    if (!json_fields_ok(&c->problem))
        return -1;
    json_object *list = apitoken_list(c->db, c->arena, c->who.user_id, 0, before, limit + 1, &c->problem);
    return list ? app_page_array(c, NULL, "tokens", list, limit, "id", "tokens") : -1;
}

static int auth_token_revoke(struct app_ctx *c)
{
    const char *ids = app_param(c, "id");
    long long id = app_path_id(c, "id");
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such token");
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    int rc = apitoken_revoke(c->db, c->arena, c->who.user_id, id, &c->problem);
    if (rc <= 0) {
        db_abort(c->db);
        return rc < 0 ? -1 : problem_set(&c->problem, 404, "not-found", "no such token of yours, or it is revoked already");
    }
    struct audit_event ev = audit_base(c, "auth.token.revoke", "success");
    ev.target_type = "token";
    ev.target_id = ids;
    if (audit_commit(c->db, c->arena, &ev, &c->problem) < 0)
        return -1;
    return app_status(c, 200, "revoked");
}

static const struct route auth_routes[] = {
    { "POST", "/api/v1/auth/login", PERM_PUBLIC, auth_login, ROUTE_BODY_JSON,
      "Log in", "Takes {username (or email), password}; answers the user, the CSRF token for "
                "state-changing requests, and sets the session cookie. 401 for any wrong "
                "credential; 429 with Retry-After after too many failures.", NULL,
      "username:string(1..254) password:string(1..1024)",
      "200 user:{id:int username:string display_name:string} csrf_token:string idle_timeout_seconds:int "
        "absolute_timeout_seconds:int must_change_password:bool" },
    { "POST", "/api/v1/auth/logout", PERM_AUTHENTICATED, auth_logout, ROUTE_BEFORE_PASSWORD_CHANGE,
      "Log out", "Ends this session and clears the cookie.", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/auth/session", PERM_AUTHENTICATED, auth_session, ROUTE_BEFORE_PASSWORD_CHANGE,
      "Who am I", "The current user, how it is authenticated, its CSRF token, its role bindings, and "
                  "must_change_password (after an administrator's reset: every other route but logout and the "
                  "password change answers 403 password-change-required until it is changed).", NULL,
      NULL, "200 user:{id:int username:string display_name:string} via:string must_change_password:bool "
        "csrf_token?:string teams:[string] roles:[Grant] permissions:[string]" },
    { "POST", "/api/v1/auth/password", PERM_AUTHENTICATED, auth_password, ROUTE_BODY_JSON | ROUTE_BEFORE_PASSWORD_CHANGE,
      "Change my password", "Takes {current_password, new_password} (at least 12 characters, not the current one); "
                            "ends every other session of the user and lifts must_change_password. Wrong current "
                            "passwords count as failed logins: 429 with Retry-After past the limit.", NULL,
      "current_password:string(1..1024) new_password:string(1..1024)", "200 Status" },
    { "POST", "/api/v1/auth/tokens", PERM_AUTHENTICATED, auth_token_create, ROUTE_BODY_JSON,
      "Create an API token", "Takes {name, scopes (permissions you hold; governance ones, iam.* and audit.*, from a "
                             "global binding: 422 naming each refused scope), expires_in_days (1..365), secret_paths "
                             "(optional: 1..16 secret path prefixes, whole segments, the only secrets it reaches)}; "
                             "answers the token once (ptc_...). Only from a logged-in session.", NULL,
      "TokenRequest", "201 TokenCreated" },
    { "GET", "/api/v1/auth/tokens", PERM_AUTHENTICATED, auth_token_list, 0,
      "My API tokens", "Name, prefix, scopes, expiry, last use and revocation of each; never the token. Newest "
                       "first: limit 1..200 (200), cursor from next_cursor.",
      "limit:int(1..200,200) cursor:cursor",
      NULL, "200 tokens:[Token] next_cursor?:string" },
    { "DELETE", "/api/v1/auth/tokens/{id}", PERM_AUTHENTICATED, auth_token_revoke, 0,
      "Revoke an API token", "It stops working at once.", NULL,
      NULL, "200 Status" },
};

static const struct app auth_app = { "auth", auth_routes, sizeof(auth_routes) / sizeof(auth_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&auth_app, argc, argv);
}
