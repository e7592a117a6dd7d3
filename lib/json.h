/*
 * json: parsing request bodies with limits, and reading the members of a checked one.
 *
 * json_parse refuses bodies that are not one well-formed JSON value (400), that nest deeper
 * than the limit (400), that are not valid UTF-8 (400), or that are not an object when one is
 * required (422). What a body's members must be is its route's declared shape (lib/shape.h),
 * checked before the handler runs, every mistake a field error; the handler reads members with
 * json_str/json_num/json_flag, adds the checks only it can make, and tests json_fields_ok()
 * once, so a single 422 lists every mistake.
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

/* True when no field error (and no other problem) is recorded. */
bool json_fields_ok(const struct problem *p);

/* A JSON string of s, or NULL (JSON null) when s is NULL. */
json_object *json_string_or_null(const char *s);

/* A member of a body its route's shape has checked (lib/shape.h: types and bounds are known): the
 * value, or def when the member is absent, null or (a handler's slip) of another type. */
const char *json_str(json_object *obj, const char *name, const char *def);
long long json_num(json_object *obj, const char *name, long long def);
bool json_flag(json_object *obj, const char *name, bool def);

#endif
