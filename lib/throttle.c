/*
 * throttle: counted attempts and doubling locks (see throttle.h).
 */
#include "throttle.h"

#include <stdlib.h>

static const char sql_locked[] =
    "SELECT CEILING(GREATEST(1, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MAX(locked_until)) / 1000000)) "
    "FROM login_throttle WHERE ((kind = ? AND subject = ?) OR (kind = ? AND subject = ?)) "
    "AND locked_until > UTC_TIMESTAMP(6)";
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

int throttle_wait(struct db *db, struct arena *a, const struct throttle_key keys[2], int *wait, struct problem *p)
{
    struct db_result r;
    struct db_value v[4] = { DB_TEXTV(keys[0].kind), DB_TEXTV(keys[0].subject), DB_TEXTV(keys[1].kind),
                             DB_TEXTV(keys[1].subject) };
    if (db_query(db, a, sql_locked, v, 4, &r, p) < 0)
        return -1;
    *wait = db_cell(&r, 0, 0) ? atoi(db_cell(&r, 0, 0)) : 0;
    return 0;
}

int throttle_take(struct db *db, struct arena *a, const struct throttle_key keys[2], int lockout_seconds, long *count,
                  struct problem *p)
{
    struct db_result r;
    for (int i = 0; i < 2; i++) {
        struct db_value v[7] = {
            DB_TEXTV(keys[i].kind), DB_TEXTV(keys[i].subject), DB_INTV(keys[i].max), DB_INTV(lockout_seconds),
            DB_INTV(keys[i].max), DB_INTV(lockout_seconds), DB_INTV(keys[i].max),
        };
        if (db_query(db, a, sql_take, v, 7, NULL, p) < 0)
            return -1;
    }
    struct db_value k[2] = { DB_TEXTV(keys[0].kind), DB_TEXTV(keys[0].subject) };
    if (db_query(db, a, sql_count, k, 2, &r, p) < 0)
        return -1;
    *count = db_cell(&r, 0, 0) ? atol(db_cell(&r, 0, 0)) : 0;
    return 0;
}

int throttle_forgive(struct db *db, struct arena *a, const struct throttle_key keys[2], struct problem *p)
{
    struct db_value c[2] = { DB_TEXTV(keys[0].kind), DB_TEXTV(keys[0].subject) };
    struct db_value g[2] = { DB_TEXTV(keys[1].kind), DB_TEXTV(keys[1].subject) };
    return db_query(db, a, sql_clear, c, 2, NULL, p) < 0 || db_query(db, a, sql_give_back, g, 2, NULL, p) < 0 ? -1 : 0;
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
