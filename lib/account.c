/*
 * account: the password reset (see account.h).
 */
#include "account.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "device.h"
#include "password.h"
#include "throttle.h"
#include "token.h"

static const char sql_kind[] = "SELECT kind FROM users WHERE id = ? FOR UPDATE";
static const char sql_reset[] =
    "UPDATE users SET password_hash = ?, must_change_password = 1, password_changed_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_end_sessions[] = "DELETE FROM sessions WHERE user_id = ?";

int account_password_reset(struct db *db, struct arena *a, long long user_id, char temp[ACCOUNT_TEMP_PASSWORD_MAX],
                           long long *sessions, struct problem *p)
{
    struct db_value id = DB_INTV(user_id);
    struct db_result r, del;
    char hash[PASSWORD_HASH_MAX];
    temp[0] = '\0';
    if (db_query(db, a, sql_kind, &id, 1, &r, p) < 0)
        return -1;
    if (r.nrows != 1)
        return problem_set(p, 404, "not-found", "no such user");
    if (strcmp(db_cell(&r, 0, 0), "human") != 0)
        return problem_set(p, 409, "conflict", "a service account has no password: it uses tokens");
    /* 18 random bytes: 24 characters a person can type, past the 12 of the policy */
    if (token_new(temp, ACCOUNT_TEMP_PASSWORD_MAX, "", 18) < 0)
        return problem_set(p, 500, "internal", "no randomness for a temporary password");
    if (password_hash(temp, strlen(temp), &password_default, hash) < 0) {
        sodium_memzero(temp, ACCOUNT_TEMP_PASSWORD_MAX);
        return problem_set(p, 500, "internal", "the password could not be hashed");
    }
    struct db_value v[2] = { DB_TEXTV(hash), DB_INTV(user_id) };
    if (db_query(db, a, sql_reset, v, 2, NULL, p) < 0 || db_query(db, a, sql_end_sessions, &id, 1, &del, p) < 0 ||
        throttle_clear_account(db, a, throttle_account(a, user_id, NULL), NULL, p) < 0 || device_forget(db, a, user_id, p) < 0 ||
        authz_epoch_bump(db, a, p) < 0) {
        sodium_memzero(temp, ACCOUNT_TEMP_PASSWORD_MAX);
        return -1;
    }
    *sessions = (long long)del.affected;
    return 0;
}
