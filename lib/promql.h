/*
 * promql: a PromQL expression scoped to one entity's series. Every vector selector of it —
 * `metric`, `metric{...}` or `{...}` — gets the matcher label="value" (the entity's ref, under
 * the label the platform team names, prometheus_entity_label), so whatever it computes it reads
 * only series that carry the entity's label: what a team may see of the configured Prometheus.
 *
 * It reads PromQL's tokens (strings, numbers and durations, ranges, keywords, aggregations and
 * their label lists, functions, comments) without building a tree, and refuses what it cannot
 * read for certain rather than let a selector past: a matcher on the label itself, `or` between
 * matchers (Prometheus 3's), bytes that are not PromQL's, an unterminated string, a keyword
 * used as a function, a word where an operator belongs, info() (it joins target_info, which has
 * no entity label). A keyword where an operand belongs is a metric's name to PromQL, and is
 * scoped like one. Prometheus still parses the result: this only guarantees that whatever
 * parses is scoped.
 */
#ifndef PORTICO_PROMQL_H
#define PORTICO_PROMQL_H

#include <stdbool.h>

#include "arena.h"

#define PROMQL_MAX 2000          /* an expression's bytes */
#define PROMQL_SELECTORS_MAX 64  /* vector selectors in one expression */

/* Is name a label name Prometheus accepts ([a-zA-Z_][a-zA-Z0-9_]*, not __reserved)? */
bool promql_label_ok(const char *name);

/* expr with label="value" added to each vector selector: 0 with *out (in a), or -1 with *why. */
int promql_scope(struct arena *a, const char *expr, const char *label, const char *value, const char **out,
                 const char **why);

#endif
