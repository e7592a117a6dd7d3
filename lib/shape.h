/*
 * shape: the form of a JSON value, declared in one line of text; checked against a value and
 * turned into a JSON Schema. A route row declares its request body and its answer with one
 * (lib/router.h); the API's named shapes are in lib/shapes.c. One line of text serves the check
 * before the handler, the check of every answer in a test stack (check_answers) and the API
 * document, so the three cannot disagree.
 *
 *   spec   := fields | type
 *   fields := field (' ' field)* [' ...']  an object with those members ("...": and any others)
 *   field  := name['?'] ':' type          '?': the member may be absent (or null)
 *   type   := string | string(MAX) | string(MIN..MAX)    text of MIN (1 with MAX alone) to MAX bytes
 *           | int | int(MIN..MAX) | number | bool
 *           | enum(a|b|c)                 one of the words
 *           | object                      any object
 *           | any                         any value
 *           | [type] | [type](MIN..MAX)   a list (of MIN to MAX items)
 *           | map(type)                   an object whose every member is a type
 *           | {fields}                    an object with those members
 *           | Name                        a named shape (an upper-case first letter)
 *
 *   "name:string(1..63) display_name?:string(0..200) members:[{user:string role:enum(a|b)}](0..50)"
 *
 * A request body is checked as the handlers' own checks were (lib/json: "is required", "must be
 * a string", "must be 1 to 63 bytes long", "is not a known field"): every mistake a field error.
 * Fields are named by JSON Pointer without the leading slash ("conditions/env", "scopes/0").
 * An answer is checked strictly: a member the shape does not declare is a mismatch too.
 */
#ifndef PORTICO_SHAPE_H
#define PORTICO_SHAPE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "problem.h"

/* The text of the named shape, or NULL (lib/shapes.c). */
const char *shape_named(const char *name);

/* The i-th named shape (0, 1, ...): its name, with its text in *spec; NULL past the last. */
const char *shape_each(size_t i, const char **spec);

/* Is spec well formed, every name it uses a named shape? 0, or -1 with why in err. */
int shape_spec_check(const char *spec, char *err, size_t errlen);

/* Check a request body: a field error in p for each mistake (the problem becomes a 422).
 * Returns 0 when v has the shape, -1 otherwise. */
int shape_check_request(const char *spec, json_object *v, struct problem *p);

/* Check an answer: 0 when v has the shape exactly, or -1 with the first mismatch in err
 * ("/teams/2/name: must be a string", a JSON Pointer). */
int shape_check_answer(const char *spec, json_object *v, char *err, size_t errlen);

/* spec as a JSON Schema (a named shape as a $ref to #/components/schemas/<Name>), or NULL when
 * it is malformed. The caller puts it. */
json_object *shape_schema(const char *spec);

#endif
