/*
 * ratelimit: GCRA in one INSERT ... ON DUPLICATE KEY UPDATE. MariaDB reports 1 affected row
 * for an insert, 2 for a changed row and 0 for an unchanged one: unchanged means refused.
 */
#include "ratelimit.h"

#include <stdlib.h>
#include <time.h>

static const char sql_take[] =
    "INSERT INTO rate_limits (k, tat) VALUES (?, ? + ?) "
    "ON DUPLICATE KEY UPDATE tat = IF(GREATEST(tat, ?) + ? - ? <= ?, GREATEST(tat, ?) + ?, tat)";
static const char sql_tat[] = "SELECT tat FROM rate_limits WHERE k = ?";

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
    if (db_query(db, a, sql_take, v, 9, &r, p) < 0)
        return -1;
    if (r.affected != 0)
        return 0;
    /* Refused: when will one request fit again? */
    out->allowed = false;
    struct db_value k = DB_TEXTV(key);
    if (db_query(db, a, sql_tat, &k, 1, &r, p) < 0)
        return -1;
    long long tat = db_cell(&r, 0, 0) ? atoll(db_cell(&r, 0, 0)) : now;
    long long wait = tat + t - limit - now;
    out->retry_after = (int)((wait + 999999) / 1000000);
    if (out->retry_after < 1)
        out->retry_after = 1;
    return 0;
}
