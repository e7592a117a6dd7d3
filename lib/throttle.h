/*
 * throttle: attempts counted in the database (table login_throttle), shared by every process and
 * host, with a lock that doubles. What logins, the password-change form's current-password check
 * and administrators' password resets are limited by.
 *
 * A key is a kind and a subject: "pair" "id:42@192.0.2.7" (an account from one address), "dev"
 * "id:42#<hash>" (an account from one known device), "user" "id:42" (an account from anywhere
 * unknown), "addr" "192.0.2.7" (an address, any account), "reset" "id:42" or "by:7". An attempt is
 * counted against every key it is made under before the work it guards (parallel attempts cannot
 * slip past the limit while their Argon2 runs); past a key's max attempts within an hour, that key
 * is locked for lockout seconds, doubling with each further attempt up to an hour. A success
 * clears a key or gives its attempt back, as the key says.
 */
#ifndef PORTICO_THROTTLE_H
#define PORTICO_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "problem.h"

#define THROTTLE_KEYS_MAX 4

struct throttle_key {
    const char *kind;      /* "pair", "dev", "user", "addr" or "reset" */
    const char *subject;   /* at most 255 characters */
    int max;               /* attempts before the lock */
    bool clear;            /* a success clears the count (else it gives its attempt back) */
};

/* Seconds until every one of the n (1..THROTTLE_KEYS_MAX) keys is unlocked (0: none is locked)
 * in *wait. 0, or -1 with p. */
int throttle_wait(struct db *db, struct arena *a, const struct throttle_key *keys, size_t n, int *wait,
                  struct problem *p);

/* Count an attempt against each of the n keys; *over is true when one of them has now had more
 * attempts than its max (a parallel attempt that slipped past throttle_wait). 0, or -1 with p. */
int throttle_take(struct db *db, struct arena *a, const struct throttle_key *keys, size_t n, int lockout_seconds,
                  bool *over, struct problem *p);

/* The attempt succeeded: each key is cleared or its attempt given back. 0, or -1 with p. */
int throttle_forgive(struct db *db, struct arena *a, const struct throttle_key *keys, size_t n, struct problem *p);

/* An account's part of a login key's subject: "id:<user_id>", or "name:<typed>" (cut to 170
 * bytes) when user_id is 0 (no account has that name). Then that account from one address
 * ("pair" key), or from one known device (hex SHA-256, "dev" key). The one place this grammar
 * lives: throttle_clear_account reads it back. NULL when the arena is out of memory. */
const char *throttle_account(struct arena *a, long long user_id, const char *typed);
const char *throttle_pair(struct arena *a, const char *account, const char *addr);
const char *throttle_device(struct arena *a, const char *account, const char *device_hash);

/* Clear one key (a password reset clears the account's logins). */
int throttle_clear(struct db *db, struct arena *a, const char *kind, const char *subject, long long *cleared,
                   struct problem *p);

/* Clear every login key of an account (throttle_account's subject): its "user" key and each of
 * its "pair" and "dev" keys (an administrator's unlock). *cleared gets how many. */
int throttle_clear_account(struct db *db, struct arena *a, const char *subject, long long *cleared,
                           struct problem *p);

#endif
