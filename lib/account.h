/*
 * account: what an administrator does to a person's account — a password reset.
 *
 * A reset gives the person a random temporary password, shown once to whoever asked, that must
 * be changed at the first login: until then the account's sessions answer only who-am-I, logout
 * and the password change (403 password-change-required elsewhere), and its API tokens nothing but
 * who-am-I (lib/app.c). Every session of the person ends, their failed-login counts are cleared and
 * their known devices forgotten (lib/device), and the authorization epoch moves, so every process
 * forgets what it kept about them. The caller opens the transaction, audits and commits (the iam
 * handler, portico-admin reset-password).
 */
#ifndef PORTICO_ACCOUNT_H
#define PORTICO_ACCOUNT_H

#include "arena.h"
#include "db.h"
#include "problem.h"

#define ACCOUNT_TEMP_PASSWORD_MAX 48

/* Reset the password of user_id inside the open transaction: temp gets the temporary password,
 * *sessions how many sessions ended. 0; -1 with p (404 no such user, 409 a service account, which
 * has no password, or an error). The caller wipes temp once it has been shown. */
int account_password_reset(struct db *db, struct arena *a, long long user_id, char temp[ACCOUNT_TEMP_PASSWORD_MAX],
                           long long *sessions, struct problem *p);

#endif
