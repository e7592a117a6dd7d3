/*
 * problem: errors as values, and their one rendering as RFC 9457 problem+json.
 *
 * Library functions that can fail fill a struct problem and return -1; the caller either
 * handles it or passes it up. app.c is the one place that turns a problem into a response.
 * A problem owns fixed-size buffers, so setting one never allocates and never fails.
 * `internal` is for the log only: it is never sent to the client.
 */
#ifndef PORTICO_PROBLEM_H
#define PORTICO_PROBLEM_H

#include <json-c/json.h>
#include <stddef.h>

#define PROBLEM_MAX_FIELDS 32

struct problem_field {
    char field[128];    /* JSON path of the offending field, e.g. "spec.owner" */
    char message[160];
};

struct problem {
    int status;               /* HTTP status; 0 means "no problem" */
    const char *type;         /* problem type slug (see problem_type_uri); static string */
    const char *title;        /* short, static; NULL means the status' reason phrase */
    char detail[256];         /* human explanation for this occurrence */
    char internal[256];       /* logged, never sent: driver errors, errno text */
    int retry_after;          /* seconds; sent as Retry-After when > 0 */
    char allow[64];           /* for 405: the Allow header */
    size_t nfields;
    struct problem_field fields[PROBLEM_MAX_FIELDS];
    /* A refusal's particulars, for clients to put in words of their own (app_refuse sets them):
     * the permission (static), what it lets one do, and where it was refused. */
    const char *permission;   /* NULL: not a refusal */
    const char *permission_text;
    char scope_type[8];       /* "global", "team", "entity" */
    char scope_id[256];
    char owner_team[64];      /* an entity's owner team, when known */
    char needed[96];          /* the least built-in role that would allow it there: "developer on team web" */
};

/* Clear p. */
void problem_init(struct problem *p);

/* Set status, type slug and detail (printf format). Returns -1 so callers can write
 * `return problem_set(p, 404, "not-found", "no entity %s", name);`. */
int problem_set(struct problem *p, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record an internal (log-only) explanation. */
void problem_internal(struct problem *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Add a field error; the problem becomes a 422 "validation" problem if it was not one. One error
 * per field: a field that has one already keeps it (the route's declared query checks come first,
 * the handler's own check of the same parameter then adds nothing). */
void problem_field(struct problem *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The standard reason phrase for an HTTP status ("Not Found"); "Unknown" otherwise. */
const char *http_reason(int status);

/* "urn:portico:problem:<slug>", or "about:blank" for no slug; static storage. */
const char *problem_type_uri(const struct problem *p, char *buf, size_t len);

/* The problem+json document for p, with request_id (may be NULL). Caller puts it. */
json_object *problem_to_json(const struct problem *p, const char *request_id);

#endif
