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
#include <time.h>

#include "token.h"
#include "monotime.h"

/* Facts come with the seconds left (absolute expiry) and since the last recorded use, so the
 * process can keep time by its own clock; and with the authorization epoch, read by the same
 * statement, so what it keeps is never newer than the epoch it is filed under. */
static const char sql_session[] =
    "SELECT s.user_id, u.username, u.display_name, "
    "       TIMESTAMPDIFF(SECOND, s.last_seen_at, UTC_TIMESTAMP(6)), "
    "       TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), s.expires_at), "
    "       (SELECT n FROM auth_epoch WHERE id = 1), u.must_change_password "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.id_hash = ? AND s.expires_at > UTC_TIMESTAMP(6) "
    "  AND s.last_seen_at > UTC_TIMESTAMP(6) - INTERVAL ? SECOND AND u.disabled_at IS NULL";
static const char sql_touch[] = "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(6) WHERE id_hash = ?";
static const char sql_start[] =
    "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, remote_addr, user_agent) "
    "VALUES (?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? SECOND, ?, ?)";
static const char sql_token[] =
    "SELECT t.id, t.user_id, u.username, u.display_name, t.scopes, t.secret_paths, "
    "       COALESCE(TIMESTAMPDIFF(SECOND, t.last_used_at, UTC_TIMESTAMP(6)), 1000000), "
    "       TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), t.expires_at), "
    "       (SELECT n FROM auth_epoch WHERE id = 1), u.must_change_password "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id "
    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > UTC_TIMESTAMP(6) "
    "  AND u.disabled_at IS NULL";
static const char sql_token_used[] =
    "UPDATE api_tokens SET last_used_at = UTC_TIMESTAMP(6) WHERE id = ? AND revoked_at IS NULL";

/* Use is recorded at most once a minute (or each half of a shorter idle limit): idle expiry and
 * "last used" need no finer grain, and most requests then cost no write. */
#define AUTHN_TOUCH_SECONDS 60

static double touch_seconds(const struct config *cfg, const struct identity *who)
{
    double half_idle = cfg->session_idle_seconds / 2.0;
    return !who->token_id && half_idle < AUTHN_TOUCH_SECONDS ? half_idle : AUTHN_TOUCH_SECONDS;
}

/* A number cell; 0 for NULL (an epoch of 0 is never trusted). */
static long long cell_ll(const struct db_result *r, size_t col)
{
    const char *v = db_cell(r, 0, col);
    return v ? atoll(v) : 0;
}
#define AUTHN_CACHE_SLOTS 256

struct authn_entry {
    char key[TOKEN_HASH_HEX];      /* SHA-256 (hex) of the credential; "" = free */
    struct arena arena;            /* the facts' strings */
    struct identity who;           /* user, names, token id and scopes */
    long long epoch;
    double expires;                /* local clock: when the session or token ends */
    double touched;                /* local clock: the last recorded use */
    struct authz_grants grants;
    long long grants_epoch;        /* 0: none kept */
    const char *memo;              /* authn_memo_keep's document */
    long long memo_epoch;          /* 0: none kept */
};

struct authn_cache {
    struct authn_entry slots[AUTHN_CACHE_SLOTS];
};

struct authn_cache *authn_cache_new(void)
{
    struct authn_cache *c = calloc(1, sizeof(*c));
    for (size_t i = 0; c && i < AUTHN_CACHE_SLOTS; i++)
        arena_init(&c->slots[i].arena, 1024);
    return c;
}

void authn_cache_free(struct authn_cache *cache)
{
    for (size_t i = 0; cache && i < AUTHN_CACHE_SLOTS; i++)
        arena_free(&cache->slots[i].arena);
    free(cache);
}

static struct authn_entry *cache_slot(struct authn_cache *cache, const char *hash)
{
    char head[9];
    if (!cache)
        return NULL;
    memcpy(head, hash, 8);
    head[8] = '\0';
    return &cache->slots[strtoul(head, NULL, 16) % AUTHN_CACHE_SLOTS];
}

static void entry_forget(struct authn_entry *e)
{
    if (!e)
        return;
    arena_reset(&e->arena);
    e->key[0] = '\0';
    e->grants_epoch = 0;
    e->memo = NULL;
    e->memo_epoch = 0;
}

/* A NULL-terminated list copied into a (NULL stays NULL). */
static const char **strings_dup(struct arena *a, const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    const char **out = list ? arena_calloc(a, n + 1, sizeof(char *)) : NULL;
    for (size_t i = 0; out && i < n; i++)
        out[i] = arena_strdup(a, list[i]);
    return out;
}

/* Keep a freshly looked-up identity: copy its strings into the slot's arena. */
static void entry_keep(struct authn_entry *e, const char *hash, struct identity *who, double expires, double touched)
{
    if (!e)
        return;
    entry_forget(e);
    struct arena *a = &e->arena;
    e->who = *who;
    e->who.username = arena_strdup(a, who->username);
    e->who.display_name = arena_strdup(a, who->display_name ? who->display_name : "");
    e->who.session_hash = who->session_hash ? arena_strdup(a, who->session_hash) : NULL;
    e->who.csrf_token = NULL;   /* derived from the session id, which is not kept */
    e->who.entry = e;
    e->who.scopes = strings_dup(a, who->scopes);
    e->who.secret_paths = strings_dup(a, who->secret_paths);
    e->epoch = who->epoch;
    e->expires = expires;
    e->touched = touched;
    if (!e->who.username || !e->who.display_name || (who->scopes && !e->who.scopes) ||
        (who->secret_paths && !e->who.secret_paths))
        return;   /* out of memory: not kept */
    memcpy(e->key, hash, TOKEN_HASH_HEX);
    who->entry = e;
}

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

/* Record that who used its credential now (the session's last_seen_at, the token's last_used_at). */
static int record_use(struct db *db, struct arena *a, const struct identity *who, struct problem *p)
{
    struct db_value t = who->token_id ? DB_INTV(who->token_id) : DB_TEXTV(who->session_hash);
    return db_query(db, a, who->token_id ? sql_token_used : sql_touch, &t, 1, NULL, p);
}

/* A JSON array of strings as a NULL-terminated list in the arena (never NULL but out of memory). */
static const char **strings_of(struct arena *a, const char *json)
{
    json_object *list = json_tokener_parse(json);
    size_t n = list && json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
    const char **out = arena_calloc(a, n + 1, sizeof(char *));
    for (size_t i = 0; out && i < n; i++) {
        json_object *s = json_object_array_get_idx(list, i);
        out[i] = arena_strdup(a, json_object_is_type(s, json_type_string) ? json_object_get_string(s) : "");
    }
    json_object_put(list);
    return out;
}

static int token_lookup(struct db *db, struct arena *a, const struct config *cfg, const char *hash,
                        struct authn_entry *e, struct identity *who, struct problem *p)
{
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
    who->epoch = cell_ll(&r, 8);
    who->must_change_password = cell_ll(&r, 9) != 0;
    who->scopes = strings_of(a, db_cell(&r, 0, 4));
    who->secret_paths = db_cell(&r, 0, 5) ? strings_of(a, db_cell(&r, 0, 5)) : NULL;
    if (!who->scopes || (db_cell(&r, 0, 5) && !who->secret_paths))   /* never a token wider than it is */
        return problem_set(p, 500, "internal", "out of memory");
    double now = monotime_s(), since = (double)cell_ll(&r, 6);
    if (since >= touch_seconds(cfg, who)) {
        if (record_use(db, a, who, p) < 0)
            return -1;
        since = 0;
    }
    entry_keep(e, hash, who, now + (double)cell_ll(&r, 7), now - since);
    return 0;
}

static int session_lookup(struct db *db, struct arena *a, const struct config *cfg, const char *hash,
                          struct authn_entry *e, struct identity *who, struct problem *p)
{
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
    who->epoch = cell_ll(&r, 5);
    who->must_change_password = cell_ll(&r, 6) != 0;
    double now = monotime_s(), idle = (double)cell_ll(&r, 3);
    if (idle >= touch_seconds(cfg, who)) {
        if (record_use(db, a, who, p) < 0)
            return -1;
        idle = 0;
    }
    entry_keep(e, hash, who, now + (double)cell_ll(&r, 4), now - idle);
    return 0;
}

/* A kept entry for hash that is still good by the clock, recording use when a minute has passed
 * since the last record; NULL when there is none (or it must be looked up again). */
static struct authn_entry *entry_find(struct db *db, struct arena *a, const struct config *cfg,
                                      struct authn_entry *e, const char *hash, struct problem *p, int *rc)
{
    *rc = 0;
    if (!e || strcmp(e->key, hash) != 0)
        return NULL;
    double now = monotime_s();
    /* Past its end, or idle for longer than allowed by this process's record (another process
     * may have seen it since): ask the database. */
    if (now >= e->expires || (!e->who.token_id && now - e->touched > cfg->session_idle_seconds)) {
        entry_forget(e);
        return NULL;
    }
    if (now - e->touched >= touch_seconds(cfg, &e->who)) {
        if (record_use(db, a, &e->who, p) < 0) {
            *rc = -1;
            return NULL;
        }
        e->touched = now;
    }
    return e;
}

/* The request's credential: a bearer token, or the session cookie. hash gets its SHA-256;
 * *is_token which it is. 0: none; 1: one; -1: a malformed one (401 in p). */
static int credential(const struct http_request *req, char hash[TOKEN_HASH_HEX], bool *is_token,
                      const char **sid, struct problem *p)
{
    const char *auth = http_header(req, "Authorization");
    *sid = NULL;
    if (auth && *auth) {
        /* A credential that is not a valid token is refused, never ignored: a script must
         * not run anonymously by mistake. */
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return unauthorized(p, "send an API token as Authorization: Bearer ptc_...");
        const char *tok = auth + 7;
        while (*tok == ' ')
            tok++;
        if (!token_shape_ok(tok, strlen(tok), AUTHN_TOKEN_PREFIX, AUTHN_TOKEN_BYTES))
            return unauthorized(p, "this is not a Portico API token");
        token_sha256_hex(tok, strlen(tok), hash);
        *is_token = true;
        return 1;
    }
    *sid = http_cookie(req, AUTHN_COOKIE);
    if (!*sid)
        return 0;
    if (!token_shape_ok(*sid, strlen(*sid), "", AUTHN_SESSION_BYTES))
        return unauthorized(p, "the session is not valid; log in again");
    token_sha256_hex(*sid, strlen(*sid), hash);
    *is_token = false;
    return 1;
}

static int identify(struct db *db, struct arena *a, const struct config *cfg, struct authn_cache *cache,
                    const struct http_request *req, bool use_kept, struct identity *who, struct problem *p)
{
    char hash[TOKEN_HASH_HEX];
    bool is_token = false;
    const char *sid;
    memset(who, 0, sizeof(*who));
    int has = credential(req, hash, &is_token, &sid, p);
    if (has <= 0)
        return has;
    struct authn_entry *slot = cache_slot(cache, hash);
    int rc;
    struct authn_entry *e = use_kept ? entry_find(db, a, cfg, slot, hash, p, &rc) : NULL;
    if (use_kept && rc < 0)
        return -1;
    if (e) {
        *who = e->who;
    } else {
        if (!use_kept)
            entry_forget(slot);
        if ((is_token ? token_lookup(db, a, cfg, hash, slot, who, p) : session_lookup(db, a, cfg, hash, slot, who, p)) < 0) {
            if (p->status == 401)
                entry_forget(slot);
            return -1;
        }
    }
    if (sid)
        who->csrf_token = authn_csrf_for(a, sid);
    return 0;
}

int authn_identify(struct db *db, struct arena *a, const struct config *cfg, struct authn_cache *cache,
                   const struct http_request *req, struct identity *who, struct problem *p)
{
    return identify(db, a, cfg, cache, req, true, who, p);
}

int authn_confirm(struct db *db, struct arena *a, const struct config *cfg, struct authn_cache *cache,
                  const struct http_request *req, long long epoch, struct identity *who, struct problem *p)
{
    if (!who->user_id || (who->epoch == epoch && epoch != 0))
        return 0;
    return identify(db, a, cfg, cache, req, false, who, p);
}

const char *authn_memo(const struct identity *who, long long epoch)
{
    const struct authn_entry *e = who->entry;
    return e && epoch != 0 && e->memo_epoch == epoch ? e->memo : NULL;
}

void authn_memo_keep(const struct identity *who, long long epoch, const char *text)
{
    struct authn_entry *e = who->entry;
    /* once per entry: an entry is looked up afresh (its arena emptied) when the epoch moves */
    if (!e || epoch == 0 || e->memo_epoch != 0 || e->epoch != epoch)
        return;
    e->memo = arena_strdup(&e->arena, text);
    e->memo_epoch = e->memo ? epoch : 0;
}

int authn_grants(struct db *db, struct arena *a, const struct identity *who, const struct authz_rules *rules,
                 long long epoch, struct authz_grants *out, struct problem *p)
{
    struct authn_entry *e = who->entry;
    if (e && e->grants_epoch == epoch && epoch != 0) {
        *out = e->grants;
        out->rules = rules;
        return 0;
    }
    if (!e)
        return authz_load(db, a, who->user_id, rules, out, p);
    /* Load into the entry's arena so the next request at this epoch finds them. */
    if (authz_load(db, &e->arena, who->user_id, rules, &e->grants, p) < 0)
        return -1;
    e->grants_epoch = epoch;
    *out = e->grants;
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

bool authn_token_path_allows(const struct identity *who, const char *path)
{
    if (!who->via || strcmp(who->via, "token") != 0 || !who->secret_paths)
        return true;
    for (const char **s = who->secret_paths; *s; s++) {
        size_t n = strlen(*s);
        if (strncmp(path, *s, n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
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
