/*
 * ratelimit: GCRA in one INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING. The update sets
 * `ok` first and then moves `tat` only if ok (MariaDB evaluates the assignments left to
 * right, each seeing the ones before), and RETURNING hands back the verdict, the TAT (for
 * Retry-After) and the authorization epoch: one round trip whatever the outcome.
 */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char sql_take[] =
    "INSERT INTO rate_limits (k, tat, ok) VALUES (?, ? + ?, 1) "
    "ON DUPLICATE KEY UPDATE ok = (GREATEST(tat, ?) + ? - ? <= ?), tat = IF(ok, GREATEST(tat, ?) + ?, tat) "
    "RETURNING ok, tat, (SELECT n FROM auth_epoch WHERE id = 1)";

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int ratelimit_take(struct db *db, struct arena *a, const char *key, int per_minute, int burst,
                   struct ratelimit_result *out, struct problem *p)
{
    long long now = now_us(), t = 60000000LL / per_minute, limit = t * (burst < 1 ? 1 : burst);
    struct db_value v[9] = { DB_TEXTV(key), DB_INTV(now), DB_INTV(t), DB_INTV(now), DB_INTV(t),
                             DB_INTV(now), DB_INTV(limit), DB_INTV(now), DB_INTV(t) };
    struct db_result r;
    out->allowed = true;
    out->retry_after = 0;
    out->epoch = 0;
    if (db_query(db, a, sql_take, v, 9, &r, p) < 0)
        return -1;
    if (r.nrows != 1 || !db_cell(&r, 0, 0) || !db_cell(&r, 0, 1)) {
        problem_internal(p, "rate limit: the statement returned %zu rows", r.nrows);
        return -1;
    }
    out->epoch = db_cell(&r, 0, 2) ? atoll(db_cell(&r, 0, 2)) : 0;
    if (strcmp(db_cell(&r, 0, 0), "0") != 0)
        return 0;
    /* Refused: when will one request fit again? */
    out->allowed = false;
    long long wait = atoll(db_cell(&r, 0, 1)) + t - limit - now;
    out->retry_after = (int)((wait + 999999) / 1000000);
    if (out->retry_after < 1)
        out->retry_after = 1;
    return 0;
}
