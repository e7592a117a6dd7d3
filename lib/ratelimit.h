/*
 * ratelimit: how often a caller may call, shared by every process and host.
 *
 * GCRA (the generic cell rate algorithm): each key has a theoretical arrival time (TAT); a
 * request at time now is allowed when max(TAT, now) + T - now <= T * burst, where
 * T = 60 s / per_minute, and then TAT moves to max(TAT, now) + T. The check and the update are
 * one INSERT ... ON DUPLICATE KEY UPDATE ... RETURNING on a MEMORY table that records its own
 * verdict, so one round trip per request and no race between processes. Keys (the caller's
 * area first, so each area has its own allowance): "<area>:u:<user id>" for sessions,
 * "<area>:t:<token id>" for tokens, "<area>:a:<address>" for anonymous callers.
 */
#ifndef PORTICO_RATELIMIT_H
#define PORTICO_RATELIMIT_H

#include <stdbool.h>

#include "arena.h"
#include "db.h"
#include "problem.h"

struct ratelimit_result {
    bool allowed;
    int retry_after;    /* seconds, when not allowed */
    long long epoch;    /* the authorization epoch, read by the same statement (see authz.h) */
};

/* Take one request from key's allowance (per_minute > 0, burst >= 1): one statement, which
 * also reads the authorization epoch so a request needs no second round trip for it. */
int ratelimit_take(struct db *db, struct arena *a, const char *key, int per_minute, int burst,
                   struct ratelimit_result *out, struct problem *p);

#endif
