/*
 * device: known browsers and addresses of an account (see device.h).
 */
#include "device.h"

#include <sodium.h>
#include <string.h>

#define DEVICE_TOKEN_BYTES 32

static const char sql_recall[] =
    "SELECT kind FROM login_devices WHERE user_id = ? AND last_seen_at > UTC_TIMESTAMP(6) - INTERVAL ? DAY "
    "AND ((kind = 'dev' AND hash = ?) OR (kind = 'addr' AND hash = ?))";
static const char sql_seen[] =
    "INSERT INTO login_devices (user_id, kind, hash, first_seen_at, last_seen_at) "
    "VALUES (?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)) "
    "ON DUPLICATE KEY UPDATE first_seen_at = IF(last_seen_at > UTC_TIMESTAMP(6) - INTERVAL ? DAY, first_seen_at, "
    "UTC_TIMESTAMP(6)), last_seen_at = UTC_TIMESTAMP(6)";
/* the stale, and those past the DEVICE_MAX most recently seen of their kind */
static const char sql_prune[] =
    "DELETE FROM login_devices WHERE user_id = ? AND (last_seen_at <= UTC_TIMESTAMP(6) - INTERVAL ? DAY "
    "OR (kind = ? AND last_seen_at < (SELECT s FROM (SELECT last_seen_at AS s FROM login_devices "
    "WHERE user_id = ? AND kind = ? ORDER BY last_seen_at DESC LIMIT 1 OFFSET ?) AS nth)))";
static const char sql_forget[] = "DELETE FROM login_devices WHERE user_id = ?";

/* The address's SHA-256, or "" when there is none to remember. */
static void address_hash(const struct http_request *req, char out[TOKEN_HASH_HEX])
{
    out[0] = '\0';
    if (req->remote_addr && *req->remote_addr)
        token_sha256_hex(req->remote_addr, strlen(req->remote_addr), out);
}

int device_recall(struct db *db, struct arena *a, const struct config *cfg, long long user_id,
                  const struct http_request *req, struct device_seen *seen, struct problem *p)
{
    char addr[TOKEN_HASH_HEX];
    memset(seen, 0, sizeof(*seen));
    const char *cookie = http_cookie(req, DEVICE_COOKIE);
    if (cookie && token_shape_ok(cookie, strlen(cookie), "", DEVICE_TOKEN_BYTES))
        token_sha256_hex(cookie, strlen(cookie), seen->hash);
    address_hash(req, addr);
    if (!seen->hash[0] && !addr[0])
        return 0;
    struct db_result r;
    struct db_value v[4] = { DB_INTV(user_id), DB_INTV(cfg->login_device_days), DB_TEXTV(seen->hash),
                             DB_TEXTV(addr) };
    if (db_query(db, a, sql_recall, v, 4, &r, p) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *kind = db_cell(&r, i, 0);
        if (kind && strcmp(kind, "dev") == 0)
            seen->device = true;
        else if (kind && strcmp(kind, "addr") == 0)
            seen->address = true;
    }
    if (!seen->device)
        seen->hash[0] = '\0';
    return 0;
}

static int seen_again(struct db *db, struct arena *a, const struct config *cfg, long long user_id, const char *kind,
                      const char *hash, struct problem *p)
{
    struct db_value v[4] = { DB_INTV(user_id), DB_TEXTV(kind), DB_TEXTV(hash), DB_INTV(cfg->login_device_days) };
    struct db_value q[6] = { DB_INTV(user_id), DB_INTV(cfg->login_device_days), DB_TEXTV(kind), DB_INTV(user_id),
                             DB_TEXTV(kind), DB_INTV(DEVICE_MAX - 1) };
    if (db_query(db, a, sql_seen, v, 4, NULL, p) < 0 || db_query(db, a, sql_prune, q, 6, NULL, p) < 0)
        return -1;
    return 0;
}

int device_remember(struct db *db, struct arena *a, const struct config *cfg, long long user_id,
                    const struct http_request *req, const struct device_seen *seen, const char **set_cookie,
                    struct problem *p)
{
    char addr[TOKEN_HASH_HEX], token[64], hash[TOKEN_HASH_HEX];
    *set_cookie = NULL;
    address_hash(req, addr);
    if (addr[0] && seen_again(db, a, cfg, user_id, "addr", addr, p) < 0)
        return -1;
    if (seen->device)
        return seen_again(db, a, cfg, user_id, "dev", seen->hash, p);
    if (token_new(token, sizeof(token), "", DEVICE_TOKEN_BYTES) < 0)
        return problem_set(p, 500, "internal", "no randomness for a device cookie");
    token_sha256_hex(token, strlen(token), hash);
    if (seen_again(db, a, cfg, user_id, "dev", hash, p) < 0) {
        sodium_memzero(token, sizeof(token));
        return -1;
    }
    *set_cookie = arena_printf(a, DEVICE_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth; Max-Age=%d",
                               token, cfg->login_device_days * 86400);
    sodium_memzero(token, sizeof(token));
    return *set_cookie ? 0 : problem_set(p, 500, "internal", "out of memory");
}

int device_forget(struct db *db, struct arena *a, long long user_id, struct problem *p)
{
    struct db_value v = DB_INTV(user_id);
    return db_query(db, a, sql_forget, &v, 1, NULL, p) < 0 ? -1 : 0;
}
