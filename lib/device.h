/*
 * device: the browsers and addresses an account has logged in from (table login_devices), so that
 * wrong passwords typed elsewhere do not lock its owner out (cgi-bin/auth.c, lib/throttle).
 *
 * A successful login gives the browser a device cookie (portico_device: a random token, only its
 * SHA-256 stored, path /api/v1/auth, login_device_days long) and remembers the address (its
 * SHA-256). One cookie per browser: the last account to log in there holds it. Rows not seen for
 * login_device_days are ignored and pruned; an account keeps at most DEVICE_MAX of each kind.
 */
#ifndef PORTICO_DEVICE_H
#define PORTICO_DEVICE_H

#include <stdbool.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "problem.h"
#include "token.h"

#define DEVICE_COOKIE "portico_device"
#define DEVICE_MAX 32

struct device_seen {
    bool device;                   /* the request carries this account's device cookie */
    bool address;                  /* the account logged in from this address */
    char hash[TOKEN_HASH_HEX];     /* the device's SHA-256 (hex) when device */
};

/* What the request shows of user_id's known devices and addresses. 0, or -1 with p. */
int device_recall(struct db *db, struct arena *a, const struct config *cfg, long long user_id,
                  const struct http_request *req, struct device_seen *seen, struct problem *p);

/* After user_id logged in (in its transaction): the address remembered, the device seen again or,
 * when the request had none of this account's, a new one. *set_cookie gets the Set-Cookie value
 * for a new device (arena), NULL when the browser keeps its cookie. 0, or -1 with p. */
int device_remember(struct db *db, struct arena *a, const struct config *cfg, long long user_id,
                    const struct http_request *req, const struct device_seen *seen, const char **set_cookie,
                    struct problem *p);

/* Forget every device and address of user_id (disabled, or a password reset). 0, or -1 with p. */
int device_forget(struct db *db, struct arena *a, long long user_id, struct problem *p);

#endif
