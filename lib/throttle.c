/*
 * throttle: counted attempts and doubling locks (see throttle.h).
 */
#include "throttle.h"

#include <stdlib.h>
#include <string.h>

/* One statement for 1..4 keys: the unused places repeat the last key. */
static const char sql_locked[] =
    "SELECT CEILING(GREATEST(1, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MAX(locked_until)) / 1000000)) "
    "FROM login_throttle WHERE ((kind = ? AND subject = ?) OR (kind = ? AND subject = ?) "
    "OR (kind = ? AND subject = ?) OR (kind = ? AND subject = ?)) AND locked_until > UTC_TIMESTAMP(6)";
/* Attempts older than an hour start the count again; past the limit, the lock doubles. */
static const char sql_take[] =
    "INSERT INTO login_throttle (kind, subject, failures, last_failure_at, locked_until) "
    "VALUES (?, ?, 1, UTC_TIMESTAMP(6), IF(1 >= ?, UTC_TIMESTAMP(6) + INTERVAL ? SECOND, NULL)) "
    "ON DUPLICATE KEY UPDATE "
    "  failures = IF(last_failure_at < UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, 1, failures + 1), "
    "  last_failure_at = UTC_TIMESTAMP(6), "
    "  locked_until = IF(failures >= ?, UTC_TIMESTAMP(6) + INTERVAL "
    "      LEAST(3600, ? * POW(2, LEAST(failures - ?, 20))) SECOND, locked_until)";
static const char sql_count[] = "SELECT failures FROM login_throttle WHERE kind = ? AND subject = ?";
static const char sql_clear[] = "DELETE FROM login_throttle WHERE kind = ? AND subject = ?";
static const char sql_give_back[] =
    "UPDATE login_throttle SET failures = GREATEST(CAST(failures AS SIGNED) - 1, 0) WHERE kind = ? AND subject = ?";
/* An account's keys: "user" <subject>, "pair" <subject>@..., "dev" <subject>#... (the subject's
 * own LIKE wildcards escaped; '@' and '#' end an account's part, see throttle_pair). */
static const char sql_clear_account[] =
    "DELETE FROM login_throttle WHERE (kind = 'user' AND subject = ?) "
    "OR (kind = 'pair' AND subject LIKE CONCAT(?, '@%') ESCAPE '!') "
    "OR (kind = 'dev' AND subject LIKE CONCAT(?, '#%') ESCAPE '!')";

const char *throttle_account(struct arena *a, long long user_id, const char *typed)
{
    return user_id ? arena_printf(a, "id:%lld", user_id) : arena_printf(a, "name:%.170s", typed ? typed : "");
}

/* subjects are VARCHAR(255): an account's part is at most 175 bytes, an address 64, a hash 64 */
const char *throttle_pair(struct arena *a, const char *account, const char *addr)
{
    return arena_printf(a, "%.180s@%.64s", account, addr);
}

const char *throttle_device(struct arena *a, const char *account, const char *device_hash)
{
    return arena_printf(a, "%.180s#%.64s", account, device_hash);
}

int throttle_wait(struct db *db, struct arena *a, const struct throttle_key *keys, size_t n, int *wait,
                  struct problem *p)
{
    struct db_result r;
    struct db_value v[2 * THROTTLE_KEYS_MAX];
    if (n < 1 || n > THROTTLE_KEYS_MAX)
        return problem_set(p, 500, "internal", "throttle: %zu keys", n);
    for (size_t i = 0; i < THROTTLE_KEYS_MAX; i++) {
        const struct throttle_key *k = &keys[i < n ? i : n - 1];
        v[2 * i] = DB_TEXTV(k->kind);
        v[2 * i + 1] = DB_TEXTV(k->subject);
    }
    if (db_query(db, a, sql_locked, v, 2 * THROTTLE_KEYS_MAX, &r, p) < 0)
        return -1;
    *wait = db_cell(&r, 0, 0) ? atoi(db_cell(&r, 0, 0)) : 0;
    return 0;
}

int throttle_take(struct db *db, struct arena *a, const struct throttle_key *keys, size_t n, int lockout_seconds,
                  bool *over, struct problem *p)
{
    struct db_result r;
    *over = false;
    for (size_t i = 0; i < n; i++) {
        struct db_value v[7] = {
            DB_TEXTV(keys[i].kind), DB_TEXTV(keys[i].subject), DB_INTV(keys[i].max), DB_INTV(lockout_seconds),
            DB_INTV(keys[i].max), DB_INTV(lockout_seconds), DB_INTV(keys[i].max),
        };
        struct db_value k[2] = { DB_TEXTV(keys[i].kind), DB_TEXTV(keys[i].subject) };
        if (db_query(db, a, sql_take, v, 7, NULL, p) < 0 || db_query(db, a, sql_count, k, 2, &r, p) < 0)
            return -1;
        if (db_cell(&r, 0, 0) && atol(db_cell(&r, 0, 0)) > keys[i].max)
            *over = true;
    }
    return 0;
}

int throttle_forgive(struct db *db, struct arena *a, const struct throttle_key *keys, size_t n, struct problem *p)
{
    for (size_t i = 0; i < n; i++) {
        struct db_value k[2] = { DB_TEXTV(keys[i].kind), DB_TEXTV(keys[i].subject) };
        if (db_query(db, a, keys[i].clear ? sql_clear : sql_give_back, k, 2, NULL, p) < 0)
            return -1;
    }
    return 0;
}

int throttle_clear(struct db *db, struct arena *a, const char *kind, const char *subject, long long *cleared,
                   struct problem *p)
{
    struct db_result r;
    struct db_value v[2] = { DB_TEXTV(kind), DB_TEXTV(subject) };
    if (db_query(db, a, sql_clear, v, 2, &r, p) < 0)
        return -1;
    if (cleared)
        *cleared = (long long)r.affected;
    return 0;
}

int throttle_clear_account(struct db *db, struct arena *a, const char *subject, long long *cleared,
                           struct problem *p)
{
    /* LIKE's wildcards and the escape character ('!') in a typed name match only themselves */
    size_t len = strlen(subject);
    char *esc = arena_alloc(a, 2 * len + 1), *o = esc;
    if (!esc)
        return problem_set(p, 500, "internal", "out of memory");
    for (const char *s = subject; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '!')
            *o++ = '!';
        *o++ = *s;
    }
    *o = '\0';
    struct db_result r;
    struct db_value v[3] = { DB_TEXTV(subject), DB_TEXTV(esc), DB_TEXTV(esc) };
    if (db_query(db, a, sql_clear_account, v, 3, &r, p) < 0)
        return -1;
    if (cleared)
        *cleared = (long long)r.affected;
    return 0;
}
