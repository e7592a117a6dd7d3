/*
 * throttle: attempts counted in the database (table login_throttle), shared by every process and
 * host, with a lock that doubles. What logins, the password-change form's current-password check
 * and administrators' password resets are limited by.
 *
 * A key is a kind ("user", "addr", "reset") and a subject ("id:42", an address). Each attempt is
 * counted before the work it guards (parallel attempts cannot slip past the limit while their
 * Argon2 runs); past max attempts within an hour, the key is locked for lockout seconds, doubling
 * with each further attempt up to an hour. A success may give the attempt back.
 */
#ifndef PORTICO_THROTTLE_H
#define PORTICO_THROTTLE_H

#include "arena.h"
#include "db.h"
#include "problem.h"

struct throttle_key {
    const char *kind;      /* "user", "addr" or "reset" */
    const char *subject;   /* at most 255 characters */
    int max;               /* attempts before the lock */
};

/* Seconds until both keys are unlocked (0: neither is locked) in *wait. 0, or -1 with p. */
int throttle_wait(struct db *db, struct arena *a, const struct throttle_key keys[2], int *wait, struct problem *p);

/* Count an attempt against both keys; *count gets keys[0]'s count now. 0, or -1 with p. */
int throttle_take(struct db *db, struct arena *a, const struct throttle_key keys[2], int lockout_seconds, long *count,
                  struct problem *p);

/* The attempt succeeded: keys[0]'s count is cleared and keys[1]'s attempt given back. */
int throttle_forgive(struct db *db, struct arena *a, const struct throttle_key keys[2], struct problem *p);

/* Clear one key (an administrator's unlock; a password reset clears the account's logins). */
int throttle_clear(struct db *db, struct arena *a, const char *kind, const char *subject, long long *cleared,
                   struct problem *p);

#endif
