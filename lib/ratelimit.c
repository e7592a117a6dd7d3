/*
 * ratelimit: GCRA in one INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING. The update sets
 * `ok` (the cells granted: the n asked for if they fit, else one if it fits, else none) and
 * then moves `tat` by what was granted (MariaDB evaluates the assignments left to right, each
 * seeing the ones before); RETURNING hands back the grant and the TAT (for Retry-After): one
 * round trip whatever the outcome. (It reads no other table: a subquery there is a locking
 * read, which would queue every request behind any open change of that table.)
 */
#include "ratelimit.h"
#include "monotime.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The server's clock (NOW(6) is fixed for the statement): a request's time is when its turn
 * comes, not when a process that was then kept waiting read its own clock, and every host
 * shares one clock. */
#define NOW_US "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)"
static const char sql_take[] =
    "INSERT INTO rate_limits (k, tat, ok) VALUES (?, " NOW_US " + ? * ?, ?) "
    "ON DUPLICATE KEY UPDATE "
    "ok = IF(GREATEST(tat, " NOW_US ") + ? * ? - " NOW_US " <= ?, ?, "
    "        IF(GREATEST(tat, " NOW_US ") + ? - " NOW_US " <= ?, 1, 0)), "
    "tat = IF(ok > 0, GREATEST(tat, " NOW_US ") + ok * ?, tat) "
    "RETURNING ok, tat, " NOW_US;

#define LEASE_SLOTS 64
#define LEASE_KEY_MAX 176

struct lease {
    char key[LEASE_KEY_MAX];   /* "" = free */
    int left;                  /* cells not handed out yet */
    int size;                  /* cells of the last grant */
    long long granted_us;      /* when it was granted */
};

struct ratelimit_leases {
    struct lease slots[LEASE_SLOTS];
};

struct ratelimit_leases *ratelimit_leases_new(void)
{
    return calloc(1, sizeof(struct ratelimit_leases));
}

void ratelimit_leases_free(struct ratelimit_leases *leases)
{
    free(leases);
}

static struct lease *lease_slot(struct ratelimit_leases *leases, const char *key)
{
    if (!leases || strlen(key) >= LEASE_KEY_MAX)
        return NULL;
    unsigned h = 2166136261u;   /* FNV-1a */
    for (const char *s = key; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return &leases->slots[h % LEASE_SLOTS];
}

int ratelimit_take(struct db *db, struct arena *a, struct ratelimit_leases *leases, const char *key,
                   int per_minute, int burst, struct ratelimit_result *out, struct problem *p)
{
    long long now = monotime_us(), t = 60000000LL / per_minute, limit = t * (burst < 1 ? 1 : burst);
    out->allowed = true;
    out->leased = false;
    out->retry_after = 0;

    struct lease *l = lease_slot(leases, key);
    bool mine = l && strcmp(l->key, key) == 0;
    if (mine && l->left > 0 && now - l->granted_us < RATELIMIT_LEASE_SECONDS * 1000000LL) {
        l->left--;
        out->leased = true;
        return 0;
    }
    /* Ask for more only when the last grant went fast; never more than an eighth of the burst
     * or a second's worth of the pace. */
    long long n = 1, cap = burst / 8 < RATELIMIT_LEASE_MAX ? burst / 8 : RATELIMIT_LEASE_MAX;
    if (cap > per_minute / 60)
        cap = per_minute / 60;
    if (mine && now - l->granted_us < RATELIMIT_LEASE_FAST_MS * 1000LL)
        n = l->size * 2 > cap ? (cap < 1 ? 1 : cap) : l->size * 2;

    struct db_value v[11] = {
        DB_TEXTV(key), DB_INTV(n), DB_INTV(t), DB_INTV(n),
        DB_INTV(n), DB_INTV(t), DB_INTV(limit), DB_INTV(n),
        DB_INTV(t), DB_INTV(limit),
        DB_INTV(t),
    };
    struct db_result r;
    if (db_query(db, a, sql_take, v, 11, &r, p) < 0)
        return -1;
    if (r.nrows != 1 || !db_cell(&r, 0, 0) || !db_cell(&r, 0, 1) || !db_cell(&r, 0, 2)) {
        problem_internal(p, "rate limit: the statement returned %zu rows", r.nrows);
        return -1;
    }
    int granted = atoi(db_cell(&r, 0, 0));
    if (l) {
        if (!mine)
            strcpy(l->key, key);
        l->size = granted > 0 ? granted : 1;
        l->left = granted > 0 ? granted - 1 : 0;
        l->granted_us = now;
    }
    if (granted > 0)
        return 0;
    /* Refused: when will one request fit again? */
    out->allowed = false;
    long long wait = atoll(db_cell(&r, 0, 1)) + t - limit - atoll(db_cell(&r, 0, 2));
    out->retry_after = (int)((wait + 999999) / 1000000);
    if (out->retry_after < 1)
        out->retry_after = 1;
    return 0;
}
