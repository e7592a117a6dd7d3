/*
 * ratelimit: how often a caller may call, shared by every process and host.
 *
 * GCRA (the generic cell rate algorithm): each key has a theoretical arrival time (TAT); a
 * request at time now is allowed when max(TAT, now) + T - now <= T * burst, where
 * T = 60 s / per_minute, and then TAT moves to max(TAT, now) + T. The check and the update are
 * one INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING on a MEMORY table that records its own
 * verdict: no race between processes or hosts. Keys (the caller's area first, so each area has
 * its own allowance): "<area>:u:<user id>" for sessions, "<area>:t:<token id>" for tokens,
 * "<area>:a:<address>" for anonymous callers.
 *
 * Leases. A MEMORY table is locked whole for every write, so a write per request makes every
 * process queue on one lock (measured: three times the cost of a read under load). A process
 * that used up its last grant for a key within RATELIMIT_LEASE_FAST_MS asks for twice as many
 * cells the next time (up to burst / 8 and a second's worth of the pace, at most 64) and hands
 * them out itself; cells it has not used after a second are dropped. So over any minute a caller
 * is never let through more than the limit, a quiet caller is counted exactly (its grants stay
 * at one cell), and a busy one may be counted up to a lease's worth of cells early per process
 * and second — while a busy key costs one write per lease instead of one per request. (Cells
 * are charged when leased and used within the second: at a burst's edge, up to a lease per
 * process more than the burst may pass at once.)
 */
#ifndef PORTICO_RATELIMIT_H
#define PORTICO_RATELIMIT_H

#include <stdbool.h>

#include "arena.h"
#include "db.h"
#include "problem.h"

#define RATELIMIT_LEASE_MAX 64
#define RATELIMIT_LEASE_FAST_MS 250
#define RATELIMIT_LEASE_SECONDS 1

struct ratelimit_result {
    bool allowed;
    bool leased;        /* served from a lease this process held (no statement) */
    int retry_after;    /* seconds, when not allowed */
};

/* What a process holds of the cells it was granted (a fixed number of slots). */
struct ratelimit_leases;
struct ratelimit_leases *ratelimit_leases_new(void);
void ratelimit_leases_free(struct ratelimit_leases *leases);

/* Take one request from key's allowance (per_minute > 0, burst >= 1): from a lease this process
 * holds (leases may be NULL: none), or by one statement. */
int ratelimit_take(struct db *db, struct arena *a, struct ratelimit_leases *leases, const char *key,
                   int per_minute, int burst, struct ratelimit_result *out, struct problem *p);

#endif
