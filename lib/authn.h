/*
 * authn: who is making this request.
 *
 * A request is identified by its session cookie (portico_session) or, for scripts, by an
 * `Authorization: Bearer ptc_...` API token (stored by SHA-256; revocable; with an expiry and
 * scopes that narrow what its owner may do). Sessions are stored by the SHA-256 of their id and end after
 * session_idle_seconds without use or session_absolute_seconds after login; a disabled user's
 * sessions stop working at once. A cookie-authenticated request that changes state must carry
 * the session's CSRF token in X-CSRF-Token: the token is derived from the session id
 * (SHA-256 of a label and the id), so only a page that was given it can send it.
 */
#ifndef PORTICO_AUTHN_H
#define PORTICO_AUTHN_H

#include <stdbool.h>

#include "arena.h"
#include "authz.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "problem.h"

#define AUTHN_COOKIE "portico_session"
#define AUTHN_CSRF_HEADER "X-CSRF-Token"
#define AUTHN_SESSION_BYTES 32

struct authn_entry;
struct authn_cache;

struct identity {
    long long user_id;           /* 0: anonymous */
    const char *username;
    const char *display_name;
    const char *via;             /* "session" or "token" */
    const char *session_hash;    /* for "session": the stored key */
    const char *csrf_token;      /* for "session": what the page must send back */
    long long token_id;          /* for "token" */
    const char **scopes;         /* for "token": the permissions it may use, NULL-terminated */
    const char **secret_paths;   /* for "token": the secret path prefixes it reaches; NULL: any */
    bool must_change_password;   /* an administrator reset the password: it must be changed first */
    long long epoch;             /* the authorization epoch these facts are from (authz.h) */
    struct authn_entry *entry;   /* where the process keeps them (NULL: not kept) */
};

#define AUTHN_TOKEN_PREFIX "ptc_"
#define AUTHN_TOKEN_BYTES 32

/* For a token identity: may it use permission? (Sessions: always true; the roles decide.) */
bool authn_token_allows(const struct identity *who, const char *permission);

/* For a token limited to secret paths: is path (or a secret under it) within one of them, whole
 * segments? (Sessions and unlimited tokens: always true.) */
bool authn_token_path_allows(const struct identity *who, const char *path);

/* What a process remembers about the credentials it has seen (a fixed number of slots; the
 * facts are only used while the authorization epoch stands still). */
struct authn_cache *authn_cache_new(void);
void authn_cache_free(struct authn_cache *cache);

/* Identify the request. Anonymous (user_id 0) when it carries no credentials; 401 in p when
 * it carries credentials that are not valid (expired, revoked, malformed). With a cache (may
 * be NULL), a credential seen before costs no query: its facts are from who->epoch, and the
 * caller must then call authn_confirm with the current epoch before trusting them. */
int authn_identify(struct db *db, struct arena *a, const struct config *cfg, struct authn_cache *cache,
                   const struct http_request *req, struct identity *who, struct problem *p);

/* The current authorization epoch is epoch: if who's facts are older, look the credential up
 * again (which may now answer 401). */
int authn_confirm(struct db *db, struct arena *a, const struct config *cfg, struct authn_cache *cache,
                  const struct http_request *req, long long epoch, struct identity *who, struct problem *p);

/* A document made from who's facts alone (the who-am-I answer), kept with them while the epoch
 * stands still: authn_memo gives it (NULL: none kept at epoch), authn_memo_keep keeps one. */
const char *authn_memo(const struct identity *who, long long epoch);
void authn_memo_keep(const struct identity *who, long long epoch, const char *text);

/* who's role bindings and teams at epoch (kept from an earlier request, or loaded now), with
 * rules attached. */
int authn_grants(struct db *db, struct arena *a, const struct identity *who, const struct authz_rules *rules,
                 long long epoch, struct authz_grants *out, struct problem *p);

/* For a session identity and a state-changing method: 403 unless X-CSRF-Token matches. */
int authn_check_csrf(const struct http_request *req, const struct identity *who, struct problem *p);

/* The CSRF token of a session id (base64url, in the arena). */
const char *authn_csrf_for(struct arena *a, const char *session_id);

/* Start a session for user_id: store it, return the id to put in the cookie (arena). */
const char *authn_session_start(struct db *db, struct arena *a, const struct config *cfg,
                                long long user_id, const struct http_request *req, struct problem *p);

/* The Set-Cookie value for a new session id, or (id NULL) one that clears the cookie. */
const char *authn_cookie(struct arena *a, const struct config *cfg, const char *id);

#endif
