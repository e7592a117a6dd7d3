/*
 * authn: sessions (cookie) and, later, API tokens (bearer). Lookups are by SHA-256, so the
 * database never holds a usable credential.
 */
#include "authn.h"

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "token.h"

static const char sql_session[] =
    "SELECT s.user_id, u.username, u.display_name, "
    "       TIMESTAMPDIFF(SECOND, s.last_seen_at, UTC_TIMESTAMP(6)) "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.id_hash = ? AND s.expires_at > UTC_TIMESTAMP(6) "
    "  AND s.last_seen_at > UTC_TIMESTAMP(6) - INTERVAL ? SECOND AND u.disabled_at IS NULL";
static const char sql_touch[] = "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(6) WHERE id_hash = ?";
static const char sql_start[] =
    "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, remote_addr, user_agent) "
    "VALUES (?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? SECOND, ?, ?)";

const char *authn_csrf_for(struct arena *a, const char *session_id)
{
    static const char label[] = "portico-csrf-v1:";
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)label, sizeof(label) - 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)session_id, strlen(session_id));
    crypto_hash_sha256_final(&st, h);
    size_t n = sodium_base64_ENCODED_LEN(sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = arena_alloc(a, n);
    if (out)
        sodium_bin2base64(out, n, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static int unauthorized(struct problem *p, const char *why)
{
    return problem_set(p, 401, "unauthenticated", "%s", why);
}

static const char sql_token[] =
    "SELECT t.id, t.user_id, u.username, u.display_name, t.scopes, "
    "       t.last_used_at IS NULL OR t.last_used_at < UTC_TIMESTAMP(6) - INTERVAL 60 SECOND "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id "
    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > UTC_TIMESTAMP(6) "
    "  AND u.disabled_at IS NULL";
static const char sql_token_used[] = "UPDATE api_tokens SET last_used_at = UTC_TIMESTAMP(6) WHERE id = ?";

static int authn_token(struct db *db, struct arena *a, const char *tok, struct identity *who, struct problem *p)
{
    while (*tok == ' ')
        tok++;
    if (!token_shape_ok(tok, strlen(tok), AUTHN_TOKEN_PREFIX, AUTHN_TOKEN_BYTES))
        return unauthorized(p, "this is not a Portico API token");
    char hash[TOKEN_HASH_HEX];
    token_sha256_hex(tok, strlen(tok), hash);
    struct db_value v = DB_TEXTV(hash);
    struct db_result r;
    if (db_query(db, a, sql_token, &v, 1, &r, p) < 0)
        return -1;
    if (r.nrows != 1)
        return unauthorized(p, "the token is unknown, expired or revoked");
    who->token_id = strtoll(db_cell(&r, 0, 0), NULL, 10);
    who->user_id = strtoll(db_cell(&r, 0, 1), NULL, 10);
    who->username = db_cell(&r, 0, 2);
    who->display_name = db_cell(&r, 0, 3);
    who->via = "token";
    json_object *scopes = json_tokener_parse(db_cell(&r, 0, 4));
    size_t n = scopes && json_object_is_type(scopes, json_type_array) ? json_object_array_length(scopes) : 0;
    who->scopes = arena_calloc(a, n + 1, sizeof(char *));
    for (size_t i = 0; who->scopes && i < n; i++) {
        json_object *s = json_object_array_get_idx(scopes, i);
        who->scopes[i] = arena_strdup(a, json_object_is_type(s, json_type_string) ? json_object_get_string(s) : "");
    }
    json_object_put(scopes);
    if (db_cell(&r, 0, 5) && strcmp(db_cell(&r, 0, 5), "1") == 0) {
        struct db_value t = DB_INTV(who->token_id);
        if (db_query(db, a, sql_token_used, &t, 1, NULL, p) < 0)
            return -1;
    }
    return 0;
}

bool authn_token_allows(const struct identity *who, const char *permission)
{
    if (!who->via || strcmp(who->via, "token") != 0)
        return true;
    for (const char **s = who->scopes; s && *s; s++)
        if (strcmp(*s, permission) == 0)
            return true;
    return false;
}

int authn_identify(struct db *db, struct arena *a, const struct config *cfg,
                   const struct http_request *req, struct identity *who, struct problem *p)
{
    memset(who, 0, sizeof(*who));
    const char *auth = http_header(req, "Authorization");
    if (auth && *auth) {
        /* A credential that is not a valid token is refused, never ignored: a script must
         * not run anonymously by mistake. */
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return unauthorized(p, "send an API token as Authorization: Bearer ptc_...");
        return authn_token(db, a, auth + 7, who, p);
    }
    const char *sid = http_cookie(req, AUTHN_COOKIE);
    if (!sid)
        return 0;
    if (!token_shape_ok(sid, strlen(sid), "", AUTHN_SESSION_BYTES))
        return unauthorized(p, "the session is not valid; log in again");

    char hash[TOKEN_HASH_HEX];
    token_sha256_hex(sid, strlen(sid), hash);
    struct db_value v[2] = { DB_TEXTV(hash), DB_INTV(cfg->session_idle_seconds) };
    struct db_result r;
    if (db_query(db, a, sql_session, v, 2, &r, p) < 0)
        return -1;
    if (r.nrows != 1)
        return unauthorized(p, "the session has ended; log in again");
    who->user_id = strtoll(db_cell(&r, 0, 0), NULL, 10);
    who->username = db_cell(&r, 0, 1);
    who->display_name = db_cell(&r, 0, 2);
    who->via = "session";
    who->session_hash = arena_strdup(a, hash);
    who->csrf_token = authn_csrf_for(a, sid);
    /* Record use at most once a minute: idle expiry needs no finer grain, and most requests
     * then cost no write. */
    const char *idle = db_cell(&r, 0, 3);
    if (idle && atol(idle) >= 60) {
        struct db_value t = DB_TEXTV(who->session_hash);
        if (db_query(db, a, sql_touch, &t, 1, NULL, p) < 0)
            return -1;
    }
    return 0;
}

static bool method_is_safe(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

int authn_check_csrf(const struct http_request *req, const struct identity *who, struct problem *p)
{
    if (!who->user_id || strcmp(who->via, "session") != 0 || method_is_safe(req->method))
        return 0;
    const char *sent = http_header(req, AUTHN_CSRF_HEADER);
    if (!sent || !who->csrf_token || !token_equal(sent, who->csrf_token))
        return problem_set(p, 403, "csrf", "this request needs the session's X-CSRF-Token header");
    return 0;
}

const char *authn_session_start(struct db *db, struct arena *a, const struct config *cfg,
                                long long user_id, const struct http_request *req, struct problem *p)
{
    char id[64], hash[TOKEN_HASH_HEX];
    if (token_new(id, sizeof(id), "", AUTHN_SESSION_BYTES) < 0) {
        problem_set(p, 500, "internal", "no randomness for a session id");
        return NULL;
    }
    token_sha256_hex(id, strlen(id), hash);
    const char *ua = http_utf8_clamp(a, http_header(req, "User-Agent"), 512);
    const char *addr = http_utf8_clamp(a, req->remote_addr, 64);
    struct db_value v[5] = {
        DB_TEXTV(hash), DB_INTV(user_id), DB_INTV(cfg->session_absolute_seconds),
        addr ? DB_TEXTV(addr) : DB_NULLV, ua ? DB_TEXTV(ua) : DB_NULLV,
    };
    if (db_query(db, a, sql_start, v, 5, NULL, p) < 0)
        return NULL;
    const char *out = arena_strdup(a, id);
    sodium_memzero(id, sizeof(id));
    return out;
}

const char *authn_cookie(struct arena *a, const struct config *cfg, const char *id)
{
    if (!id)
        return AUTHN_COOKIE "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0";
    return arena_printf(a, AUTHN_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%d", id,
                        cfg->session_absolute_seconds);
}
