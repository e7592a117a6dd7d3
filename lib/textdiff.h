/*
 * textdiff: the unified diff of two texts, line by line, as diff -u writes it (3 lines of
 * context). The edit script is the common head and tail and, between them, a longest common
 * subsequence while its table stays within TEXTDIFF_CELLS_MAX cells; past that the middle is
 * coarse (every old line out, every new one in), still a correct diff, so a hostile input costs
 * bounded time and memory. Used for template versions (GET .../diff).
 */
#ifndef PORTICO_TEXTDIFF_H
#define PORTICO_TEXTDIFF_H

#include "arena.h"

#define TEXTDIFF_CONTEXT 3
#define TEXTDIFF_CELLS_MAX 2000000

/* "--- from_label\n+++ to_label\n" and the hunks, in the arena; NULL when out of memory. */
const char *textdiff_unified(struct arena *a, const char *from_label, const char *from, const char *to_label,
                             const char *to);

#endif
