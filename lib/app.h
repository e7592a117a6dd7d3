/*
 * app: the life of a request in a handler process, shared by every cgi-bin/<area>.c.
 *
 * A handler's main() is one call: app_main(&area). app_main loads the configuration, then
 * serves requests (one as plain CGI; many under FastCGI) in this order: parse, route
 * (404/405), identity for routes that are not public (401, CSRF 403, permission 403 — each
 * denial audited), body checks for JSON routes (415/411/413/400), the route's function, then the
 * one place where a problem becomes a problem+json response, the response headers every
 * answer carries (X-Request-Id, Cache-Control), and the log line. The request arena is
 * reset between requests; the database handle lives as long as the process.
 */
#ifndef PORTICO_APP_H
#define PORTICO_APP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "authn.h"
#include "authz.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "problem.h"
#include "ratelimit.h"
#include "router.h"
#include "trace.h"

struct app {
    const char *area;            /* "system", "catalog", ... */
    const struct route *routes;
    size_t nroutes;
    route_fn prefetch;           /* optional: for the matched route (c->match.route), its read and
                                    the authorization epoch in one statement (below); NULL: none */
};

/* What a route function gets. It fills res through app_json (or sets problem and returns -1). */
struct app_ctx {
    struct arena *arena;
    const struct config *cfg;
    struct db *db;               /* process-wide; connects on first use */
    struct http_request req;
    struct http_response res;
    struct problem problem;
    struct router_match match;
    const char *request_id;
    struct trace trace;          /* W3C trace context: the caller's traceparent continued, or a new trace */
    const char *actor;           /* who made the request, once known (for the log) */
    struct authn_cache *cache;   /* process-wide: credentials seen before (may be NULL) */
    struct authz_rules *rules;   /* process-wide: custom roles and policies at rules->epoch */
    struct ratelimit_leases *leases; /* process-wide: rate-limit cells granted ahead (may be NULL) */
    long long epoch;             /* the authorization epoch read by this request (0: not read) */
    struct identity who;         /* filled for every route that is not public */
    struct authz_grants grants;  /* the identity's role bindings, for routes with a named permission */
    const char *ratelimit_policy; /* the RateLimit-Policy header, once a limit was applied */
    bool wipe_response;          /* the answer holds a secret: zeroed once written */
    bool hidden_denial;          /* a 404 that stands for a refusal (no read on the scope): audited as one */
    bool params_truncated;       /* FastCGI: the web server sent more parameters than are kept (fcgi.h) */
    int ratelimit_reset;          /* seconds until a refused caller may try again */
    json_object *body;           /* the parsed body of a ROUTE_BODY_JSON route */
    struct db_result prefetched; /* what the route's prefetch read (valid when has_prefetched) */
    bool has_prefetched;
    bool config_pending;         /* PORTICO_CONFIG is expected in the first request's parameters */
    const char *config_error;    /* set when the configuration did not load: all answer 503 */
};

/* A prefetch saves a round trip on hot reads. When an area has one, app_main runs it in place
 * of the separate read of the authorization epoch; for the routes it serves it runs one statement that selects
 * the epoch (auth_epoch.n where id = 1) first and the route's data after it (always one row), into c->prefetched,
 * setting has_prefetched. The epoch and the data come from one consistent read. It runs before
 * the credential is confirmed and the permission checked, so it must change nothing and the
 * handler must answer from it only after its own checks (it returns 0 without prefetching when
 * the path names nothing it can read; the epoch is then read as usual). */

/* This request as the origin of work it queues (jobs, deploys): its id and its span. */
struct trace_origin app_origin(const struct app_ctx *c);

/* Answer status with json (takes ownership). Returns 0, or -1 with a 500 problem. */
int app_json(struct app_ctx *c, int status, json_object *json);

/* Answer status with {"status": word} ("deleted", "revoked", ...), as app_json. */
int app_status(struct app_ctx *c, int status, const char *word);

/* An audit event for this request: actor (user, token or anonymous), address, user agent and
 * request id filled in; the caller sets target and details. */
struct audit_event app_audit_event(struct app_ctx *c, const char *action, const char *outcome);

/* The change this request made in the open transaction, audited as a success (app_audit_event
 * with the target and details, JSON text; each may be NULL) and committed with it: 0, or -1 with
 * the problem and the transaction rolled back. The one way a handler ends a change. */
int app_audited(struct app_ctx *c, const char *action, const char *target_type, const char *target_id,
                const char *details);

/* The same with details as a JSON value (NULL: none), which it releases. */
int app_audited_json(struct app_ctx *c, const char *action, const char *target_type, const char *target_id,
                     json_object *details);

/* o (a json-c value, may be NULL) is the request's now: released with the request's arena (when
 * the next request begins, or the process ends), whatever path the handler takes, so an error
 * path has nothing to put. Hand it on (to a parent, or to
 * app_json) with json_object_get(o). NULL, with o released, only when out of memory. */
json_object *app_keep(struct app_ctx *c, json_object *o);

/* o as compact JSON text, in the request's arena (NULL when out of memory). o stays the caller's. */
const char *app_json_text(struct app_ctx *c, json_object *o);

/* The first nrows rows of r as a JSON array of objects, members named by the columns (the
 * SQL's aliases) and typed by one letter a column of types: i integer, b boolean ("0" false),
 * s string, n string or null, j JSON text embedded as its value, d a number (double) or null. */
json_object *app_rows_json(const struct db_result *r, size_t nrows, const char *types);

/* Path parameter of the matched route. */
const char *app_param(const struct app_ctx *c, const char *name);

/* ---- the handler kit: the checks and the lists every area writes the same way -------------- */

/* May the caller use permission on res (NULL: anywhere at all, the route-level question)? A
 * binding whose scope covers res, no attribute policy refusing, and, for a token, its scopes.
 * d (may be NULL) says why. The one permission check on a resource every handler makes. */
bool app_may(const struct app_ctx *c, const char *permission, const struct authz_resource *res,
             struct authz_decision *d);

/* Refuse permission on res (NULL: anywhere): 403 forbidden, in words a person can act on ("you
 * can't write team platform's secrets: it takes developer on team platform"; the policy that
 * refused; or the token's scopes that leave it out), with the permission, its words, the scope
 * and the role needed as members of the problem for clients. d: app_may's decision (may be
 * NULL). Returns -1. */
int app_refuse(struct app_ctx *c, const char *permission, const struct authz_resource *res,
               const struct authz_decision *d);

/* Lists: one paging contract. ?limit= is a whole number within the bounds and default the route's
 * row declares ("limit:int(1..500,50)", lib/router.h: the API document says the same); ?cursor= an
 * opaque token the list gave out as next_cursor (null on the last page). Mistakes are field errors
 * in c->problem: check json_fields_ok before using the answers. */
long app_limit(struct app_ctx *c);

/* The route's declared query parameters (lib/router.h): a field error for each given one that
 * is malformed (an int, bool or enum that is not one; a string past its bound); 0, or -1 when the
 * query has a fault (other field errors, a body's, may be recorded too). (app.c calls it before
 * the route's function.) */
int app_query_check(struct app_ctx *c, const struct route *r);

/* The whole number in query parameter name (digits only), from min to max; absent gives def; else
 * a field error on name. The one parser of numbers in queries (app_limit is one). */
long long app_query_int(struct app_ctx *c, const char *name, long long def, long long min, long long max);

/* The key carried by ?cursor= of the list tagged tag (NULL: the first page, or a field error).
 * A cursor is the tag and the last row's key, base64url: one of another list is refused. */
const char *app_cursor(struct app_ctx *c, const char *tag);

/* The same, for lists keyed by a positive id (0: the first page, or a field error). */
long long app_cursor_id(struct app_ctx *c, const char *tag);

/* Where the caller holds permission, as a SQL condition on rows aliased r with team, entity_ref and
 * requester columns (the caller's own rows always count). *v: room for the statement's values
 * (DB_PARAMS_MAX), the condition's first, leaving 16 for the list's filters; NULL with a 500
 * problem when out of memory. */
const char *app_scope_where(struct app_ctx *c, const char *permission, struct db_value **v, size_t *nv);

/* The cursor that resumes list tag after key. */
const char *app_cursor_make(struct app_ctx *c, const char *tag, const char *key);

/* The positive id in path parameter name, in its one spelling (decimal digits, no sign, space or
 * leading zero), or 0 when it is not one. */
long long app_path_id(const struct app_ctx *c, const char *name);

/* The same from list, a JSON array of up to limit + 1 items (which it takes): the first limit go
 * in as member, next_cursor resumes after the key member of the last of them. */
int app_page_array(struct app_ctx *c, json_object *o, const char *member, json_object *list, long limit,
                   const char *key, const char *tag);

/* A page of list tag from r, the rows a scan of at most scan rows read after the cursor, keeping
 * those keep says yes to (a check made row by row, not in SQL): up to limit of them go in as member
 * (typed as app_rows_json); next_cursor resumes after the last row looked at, and is given too
 * when the scan stopped at its bound (a page may then hold fewer than limit with more to come). */
int app_page_kept(struct app_ctx *c, json_object *o, const char *member, const struct db_result *r, long limit,
                  size_t scan, size_t key_col, const char *types, const char *tag,
                  bool (*keep)(struct app_ctx *c, const struct db_result *r, size_t i, void *ctx), void *ctx);

/* A page of list tag: adds to o (NULL: a new object) member = the first limit rows of r (the
 * query asked for limit + 1, to know whether there are more) typed as app_rows_json, and
 * next_cursor, resuming after the key in column key_col of the last row shown; answers 200. */
int app_page(struct app_ctx *c, json_object *o, const char *member, const struct db_result *r, long limit,
             size_t key_col, const char *types, const char *tag);

/* Serve requests until the web server stops the process. argv: `--routes` prints the route
 * table as JSON and exits (for the API document and for tests). */
int app_main(const struct app *app, int argc, char **argv);

/* Load the configuration (path NULL: the usual search) for app's handler, open the log it names
 * and take the area's metrics slot (lib/metrics.h); a fault of the configuration is kept in c and
 * answered 503 by every request. */
void app_config_load(const struct app *app, struct app_ctx *c, struct config *cfg, const char *path);

/* Serve one request given as parameters and I/O callbacks (used by app_main; exposed so the
 * unit tests can drive the whole request path without a web server). */
void app_serve(const struct app *app, struct app_ctx *c, char **env, http_read_fn read,
               void *read_ctx, http_write_fn write, void *write_ctx);

/* router_table_check, plus: every permission is public, authenticated or a known one.
 * `<area>.fcgi --check` runs it; dev.sh test runs that for every handler. */
int app_table_check(const struct app *app, char *err, size_t errlen);

/* The route table as a JSON array (method, path, permission, summary, description, body). */
json_object *app_routes_json(const struct app *app);

#endif
