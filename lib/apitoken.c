/*
 * apitoken: the token table's rules in one place.
 */
#include "apitoken.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authn.h"
#include "json.h"
#include "token.h"

static const char sql_insert[] =
    "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, secret_paths, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6) + INTERVAL ? DAY)";
static const char sql_get[] =
    "SELECT id, name, prefix, scopes, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), "
    "       DATE_FORMAT(expires_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(last_used_at, '%Y-%m-%dT%H:%i:%sZ'), "
    "       DATE_FORMAT(revoked_at, '%Y-%m-%dT%H:%i:%sZ'), secret_paths "
    "FROM api_tokens WHERE user_id = ? AND (? IS NULL OR id = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?";
static const char sql_revoke[] =
    "UPDATE api_tokens SET revoked_at = UTC_TIMESTAMP(6) WHERE id = ? AND user_id = ? AND revoked_at IS NULL";

int apitoken_parse(json_object *body, const struct authz_grants *owner_grants, struct apitoken_request *out,
                   struct problem *p)
{
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    json_object *scopes = NULL, *paths = NULL;

    out->name = json_str(body, "name", NULL);
    out->days = json_num(body, "expires_in_days", 0);
    if (!json_object_object_get_ex(body, "scopes", &scopes) || !json_object_is_type(scopes, json_type_array) ||
        json_object_array_length(scopes) < 1 || json_object_array_length(scopes) > APITOKEN_MAX_SCOPES) {
        problem_field(p, "scopes", "must be a list of 1 to %d permission names", APITOKEN_MAX_SCOPES);
    } else {
        for (size_t i = 0; i < json_object_array_length(scopes); i++) {
            json_object *sc = json_object_array_get_idx(scopes, i);
            const char *perm = json_object_is_type(sc, json_type_string) ? json_object_get_string(sc) : NULL;
            char field[32];
            snprintf(field, sizeof(field), "scopes/%zu", i);
            if (!perm || !authz_permission_known(perm))
                problem_field(p, field, "is not a permission");
            else if (!authz_check(owner_grants, perm, NULL, NULL))
                problem_field(p, field, "is a permission the owner does not hold (%s)", perm);
            else if (authz_permission_global(perm) && !authz_check(owner_grants, perm, &nowhere, NULL))
                /* as authorization decides: governance counts only from a global binding, so a
                 * team-scoped role's iam.* or audit.* would make a token that answers 403 */
                problem_field(p, field, "is held by the owner only through a team- or entity-scoped binding, and %s "
                                        "needs a global one", perm);
        }
    }
    out->scopes = scopes;
    out->secret_paths = NULL;
    if (json_object_object_get_ex(body, "secret_paths", &paths) && !json_object_is_type(paths, json_type_null)) {
        size_t n = json_object_is_type(paths, json_type_array) ? json_object_array_length(paths) : 0;
        if (n < 1 || n > APITOKEN_MAX_SECRET_PATHS)
            problem_field(p, "secret_paths", "must be a list of 1 to %d secret path prefixes", APITOKEN_MAX_SECRET_PATHS);
        for (size_t i = 0; i < n && n <= APITOKEN_MAX_SECRET_PATHS; i++) {
            json_object *e = json_object_array_get_idx(paths, i);
            const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
            size_t len = s ? strlen(s) : 0;
            char field[32];
            snprintf(field, sizeof(field), "secret_paths/%zu", i);
            if (!s || len == 0 || len > 300 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") != len ||
                s[0] == '/' || s[len - 1] == '/' || strstr(s, "//"))
                problem_field(p, field, "must be the start of a secret path, whole segments (team/payments/prod)");
        }
        out->secret_paths = paths;
    }
    return json_fields_ok(p) ? 0 : -1;
}

int apitoken_insert(struct db *db, struct arena *a, long long owner_id, const struct apitoken_request *t,
                    char token[APITOKEN_TEXT_MAX], unsigned long long *id, struct problem *p)
{
    char hash[TOKEN_HASH_HEX], prefix[13];
    if (token_new(token, APITOKEN_TEXT_MAX, AUTHN_TOKEN_PREFIX, AUTHN_TOKEN_BYTES) < 0)
        return problem_set(p, 500, "internal", "no randomness for a token");
    token_sha256_hex(token, strlen(token), hash);
    snprintf(prefix, sizeof(prefix), "%.8s", token);
    struct db_value v[7] = { DB_INTV(owner_id), DB_TEXTV(t->name), DB_TEXTV(hash), DB_TEXTV(prefix),
                             DB_TEXTV(json_object_to_json_string_ext(t->scopes, JSON_C_TO_STRING_PLAIN)),
                             t->secret_paths ? DB_TEXTV(json_object_to_json_string_ext(t->secret_paths, JSON_C_TO_STRING_PLAIN))
                                             : DB_NULLV,
                             DB_INTV(t->days) };
    struct db_result r;
    if (db_query(db, a, sql_insert, v, 7, &r, p) < 0) {
        sodium_memzero(token, APITOKEN_TEXT_MAX);
        return -1;
    }
    *id = r.insert_id;
    return 0;
}

json_object *apitoken_details(const struct apitoken_request *t)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "name", json_object_new_string(t->name));
    json_object_object_add(d, "scopes", json_object_get(t->scopes));
    json_object_object_add(d, "expires_in_days", json_object_new_int64(t->days));
    if (t->secret_paths)
        json_object_object_add(d, "secret_paths", json_object_get(t->secret_paths));
    return d;
}

json_object *apitoken_list(struct db *db, struct arena *a, long long owner_id, unsigned long long id,
                           long long before, long max, struct problem *p)
{
    struct db_result r;
    struct db_value v[6] = { DB_INTV(owner_id), id ? DB_INTV((long long)id) : DB_NULLV,
                             id ? DB_INTV((long long)id) : DB_NULLV, DB_INTV(before), DB_INTV(before), DB_INTV(max) };
    if (db_query(db, a, sql_get, v, 6, &r, p) < 0)
        return NULL;
    static const char *const times[] = { "created_at", "expires_at", "last_used_at", "revoked_at" };
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < r.nrows; i++) {
        json_object *t = json_object_new_object();
        json_object_object_add(t, "id", json_object_new_int64(strtoll(db_cell(&r, i, 0), NULL, 10)));
        json_object_object_add(t, "name", json_object_new_string(db_cell(&r, i, 1)));
        json_object_object_add(t, "prefix", json_object_new_string(db_cell(&r, i, 2)));
        json_object_object_add(t, "scopes", json_tokener_parse(db_cell(&r, i, 3)));
        for (size_t k = 0; k < 4; k++)
            json_object_object_add(t, times[k], db_cell(&r, i, 4 + k) ? json_object_new_string(db_cell(&r, i, 4 + k)) : NULL);
        json_object_object_add(t, "secret_paths", db_cell(&r, i, 8) ? json_tokener_parse(db_cell(&r, i, 8)) : NULL);
        json_object_array_add(list, t);
    }
    return list;
}

int apitoken_revoke(struct db *db, struct arena *a, long long owner_id, long long id, struct problem *p)
{
    struct db_value v[2] = { DB_INTV(id), DB_INTV(owner_id) };
    struct db_result r;
    if (db_query(db, a, sql_revoke, v, 2, &r, p) < 0)
        return -1;
    if (r.affected != 1)
        return 0;
    /* every process forgets the token on its next request */
    return authz_epoch_bump(db, a, p) < 0 ? -1 : 1;
}
