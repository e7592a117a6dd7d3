/*
 * yamldoc: YAML streams (one or more documents, as catalog-info.yaml files are) read into
 * json-c values with libyaml's event parser, under limits: depth, nodes, documents. Aliases are
 * refused (an alias can multiply a small file into a huge tree); scalars follow YAML 1.2's core
 * schema (null, true/false, integers, floats; quoted scalars stay strings). A malformed stream
 * is a 400 naming the line and column.
 */
#ifndef PORTICO_YAMLDOC_H
#define PORTICO_YAMLDOC_H

#include <json-c/json.h>
#include <stddef.h>

#include "problem.h"

struct yamldoc_limits {
    int max_depth;          /* nesting of mappings and sequences */
    size_t max_nodes;       /* scalars, mappings and sequences in the whole stream */
    size_t max_documents;
};

/* The documents of buf as a JSON array (empty documents skipped); NULL with p set (400 for
 * malformed YAML, 413 past a limit). */
json_object *yamldoc_parse(const char *buf, size_t len, const struct yamldoc_limits *lim, struct problem *p);

/* The JSON values of docs (an array) as a YAML stream, one document each ("---"), written so
 * that yamldoc_parse reads them back as the same values (a string that would read as another
 * type is quoted). *out is malloc'd (the caller frees it). 0, or -1 with p set. */
int yamldoc_emit(json_object *docs, char **out, size_t *len, struct problem *p);

#endif
