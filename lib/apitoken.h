/*
 * apitoken: API tokens as records — checking a request for one, storing it, listing and
 * revoking. Used by the auth area (one's own tokens) and the iam area (service accounts'
 * tokens), so both apply the same rules: a name, 1..64 scopes that the owner holds, an expiry
 * of 1..365 days, and the token itself shown once and stored as SHA-256 only.
 */
#ifndef PORTICO_APITOKEN_H
#define PORTICO_APITOKEN_H

#include <json-c/json.h>

#include "arena.h"
#include "authz.h"
#include "db.h"
#include "problem.h"

#define APITOKEN_NAME_MAX 100
#define APITOKEN_MAX_DAYS 365
#define APITOKEN_MAX_SCOPES 64
#define APITOKEN_MAX_SECRET_PATHS 16
#define APITOKEN_TEXT_MAX 80     /* buffer for the token text */

struct apitoken_request {
    const char *name;
    json_object *scopes;         /* borrowed from the body */
    json_object *secret_paths;   /* borrowed; NULL: any path its scopes and owner allow */
    long long days;
};

/* Read {name, scopes, expires_in_days, secret_paths?} from body; every scope must be a permission
 * the owner holds (owner_grants), a governance one (authz_permission_global) from a global binding;
 * secret_paths (1..16 path prefixes, whole segments) limit the
 * secrets the token reaches. Field errors collect in p (422). */
int apitoken_parse(json_object *body, const struct authz_grants *owner_grants, struct apitoken_request *out,
                   struct problem *p);

/* Store a new token for owner_id inside the open transaction; token receives the text to
 * show once (wipe it after use), *id the new token's id. */
int apitoken_insert(struct db *db, struct arena *a, long long owner_id, const struct apitoken_request *t,
                    char token[APITOKEN_TEXT_MAX], unsigned long long *id, struct problem *p);

/* The audit details of a new token: name, scopes, expiry (never the token). Caller puts. */
json_object *apitoken_details(const struct apitoken_request *t);

#define TOKENS_PAGE 200   /* a page of a token list: the whole list answered before it paged */

/* Tokens of owner_id as a JSON array, newest first: token id alone, or (id 0) up to max of those
 * older than token before (0: from the newest). NULL with p on error. */
json_object *apitoken_list(struct db *db, struct arena *a, long long owner_id, unsigned long long id,
                           long long before, long max, struct problem *p);

/* Revoke token id of owner_id in the open transaction: 1 done, 0 no such live token, -1 error. */
int apitoken_revoke(struct db *db, struct arena *a, long long owner_id, long long id, struct problem *p);

#endif
