/*
 * router: the route table and its matching.
 *
 * A handler is a table of struct route rows. Each row is the single source of truth for one
 * operation: dispatch reads method and pattern, authorization reads permission, and the
 * OpenAPI generator reads summary/description, the query, the body and the answer
 * (`<area>.fcgi --routes` prints the table).
 * Patterns are absolute paths whose segments are literals or `{name}`; a `{name}` segment
 * matches one non-empty segment, percent-decoded. A last segment `{name*}` matches the rest of
 * the path, one or more non-empty segments, percent-decoded as one (the value holds the
 * slashes). HEAD matches GET rows.
 */
#ifndef PORTICO_ROUTER_H
#define PORTICO_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "http.h"

struct app_ctx;
typedef int (*route_fn)(struct app_ctx *c);

/* Route flags */
#define ROUTE_BODY_JSON 0x1u   /* needs a JSON body: 411/413/415/400 are checked before the call */
#define ROUTE_NO_RATELIMIT 0x2u /* probes (health, ready): monitors call them often, from one address */
#define ROUTE_BODY_JSON_OPTIONAL 0x4u /* a JSON body may be sent (then checked as ROUTE_BODY_JSON's); none: c->body NULL */
#define ROUTE_BEFORE_PASSWORD_CHANGE 0x8u /* answers an account whose reset password must be changed first
                                             (who-am-I, logout, the change itself); every other route is 403 */
#define ROUTE_ADDRESS_ALLOWED 0x10u /* a caller without credentials from an address of metrics_allow (a scraper)
                                       needs no identity; others need the route's permission as usual */

/* The permission of routes anyone may call, with or without an identity. */
#define PERM_PUBLIC "public"
/* Any authenticated identity may call the route (its own session, its own tokens). */
#define PERM_AUTHENTICATED "authenticated"

struct route {
    const char *method;       /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern;      /* "/api/v1/catalog/entities/{kind}/{name}" */
    const char *permission;   /* named permission; PERM_PUBLIC for none */
    route_fn handler;
    unsigned flags;
    const char *summary;      /* one line, for the API document */
    const char *description;  /* longer text, for the API document */
    const char *query;        /* the query parameters it reads (NULL: none), see below */
    const char *body;         /* the request body: a shape (lib/shape.h) for a JSON body, checked
                                 before the call; a media type ("application/yaml") for another;
                                 NULL: none */
    const char *answer;       /* the answer on success: "[STATUS[|STATUS]] shape" (200 when no
                                 status is given), "204" for none, or "[STATUS] media/type" */
};

/* The statuses (up to 3, into statuses; returns how many, 0 when malformed) and the shape or media
 * type (*spec; NULL for none) of r's declared answer. */
int router_answer(const struct route *r, int statuses[3], const char **spec);

/* Is spec a media type ("text/csv") rather than a shape? */
bool router_media(const char *spec);

/*
 * A route's query parameters, declared in its row: space-separated items name:type, where type is
 *   int(MIN..MAX[,DEFAULT])   a whole number (digits only) within bounds
 *   string(MAX)               text of 1..MAX bytes
 *   bool                      true or false
 *   enum(a|b|c)               one of the words
 *   cursor                    a list's opaque cursor (next_cursor)
 * "limit:int(1..500,50) cursor:cursor q:string(200) mine:bool". The API document lists them with
 * their schemas; before the handler runs, a declared int, bool or enum that is malformed is a 422
 * on its field; app_limit reads the limit's bounds from here.
 */
enum route_query_type { RQ_INT, RQ_STRING, RQ_BOOL, RQ_ENUM, RQ_CURSOR };

struct route_query {
    char name[32];
    enum route_query_type type;
    long long min, max, def;  /* int: bounds and default (def 0: none); string: max length in max */
    bool has_def;
    char choices[160];        /* enum: "a|b|c" */
};

/* The next declaration of spec at *at (start: 0): 1 with q filled, 0 at the end, -1 when it is
 * malformed (err says why). */
int router_query_next(const char *spec, size_t *at, struct route_query *q, char *err, size_t errlen);

/* The declaration of name in r's query, or false. */
bool router_query_find(const struct route *r, const char *name, struct route_query *q);

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED, ROUTER_BAD_PATH };

struct router_match {
    const struct route *route;
    struct http_param params[8];
    size_t nparams;
    char allow[64];            /* for ROUTER_METHOD_NOT_ALLOWED: "GET, POST" */
};

/* Find the route for method and path. Path parameters are decoded into the arena.
 * ROUTER_BAD_PATH: the path has a malformed percent-escape (answer 400). */
enum router_result router_match(const struct route *routes, size_t n, const char *method,
                                const char *path, struct arena *a, struct router_match *m);

/* The value of path parameter name after a match, or NULL. */
const char *router_param(const struct router_match *m, const char *name);

/* Check a table: patterns well formed, no duplicate method+pattern, permission set, query
 * declarations readable, a description's "limit 1..MAX (DEFAULT)" the declared limit, a body
 * declared exactly for the routes that take one and an answer for every route, both well formed.
 * Returns 0 or -1 with the first mistake in err. Unit tests run it on every table. */
int router_table_check(const struct route *routes, size_t n, char *err, size_t errlen);

#endif
