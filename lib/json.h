/*
 * json: parsing request bodies with limits, and typed field getters.
 *
 * json_body_parse refuses bodies that are not one well-formed JSON value (400), that nest
 * deeper than the limit (400), that are not valid UTF-8 (400), or that are not an object
 * when one is required (422). The getters read one field each; a missing or wrong field is
 * recorded in the problem as a field error and the getter returns a safe default, so a
 * handler reads every field, then checks json_fields_ok() once and answers a single 422
 * that lists every mistake.
 */
#ifndef PORTICO_JSON_H
#define PORTICO_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "problem.h"

/* Parse exactly one JSON value from buf[0..len) (trailing whitespace allowed).
 * Returns a new object (caller puts it) or NULL with 400 in p. */
json_object *json_parse(const char *buf, size_t len, int max_depth, struct problem *p);

/* json_parse that also requires an object at the top (422 otherwise). */
json_object *json_parse_object(const char *buf, size_t len, int max_depth, struct problem *p);

/* String field: required or optional (absent -> def), length in bytes within [minlen,maxlen]. */
const char *json_get_string(json_object *obj, const char *name, bool required, const char *def,
                            size_t minlen, size_t maxlen, struct problem *p);

/* Integer field within [min,max]. JSON numbers with a fraction are refused. */
long long json_get_int(json_object *obj, const char *name, bool required, long long def,
                       long long min, long long max, struct problem *p);

/* Boolean field. */
bool json_get_bool(json_object *obj, const char *name, bool required, bool def, struct problem *p);

/* Field errors for every member of obj not named in allowed (NULL-terminated). */
void json_reject_unknown(json_object *obj, const char *const *allowed, struct problem *p);

/* A request body must be an object with only the allowed members: -1 with a 422 in p when it
 * is not an object; otherwise 0, with a field error for each unknown member. */
int json_expect_object(json_object *body, const char *const *allowed, struct problem *p);

/* True when no getter recorded an error. */
bool json_fields_ok(const struct problem *p);

/* A JSON string of s, or NULL (JSON null) when s is NULL. */
json_object *json_string_or_null(const char *s);

#endif
