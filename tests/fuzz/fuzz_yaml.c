/*
 * libFuzzer harness: YAML streams to JSON under limits, then each document through the catalog's
 * entity rules (what an import does with an uploaded catalog-info.yaml).
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/arena.h"
#include "lib/catalog.h"
#include "lib/problem.h"
#include "lib/yamldoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct arena a;
    static int ready;
    static const struct yamldoc_limits lim = { 32, 20000, 200 };
    if (!ready) {
        arena_init(&a, 0);
        ready = 1;
    }
    struct problem p;
    problem_init(&p);
    json_object *docs = yamldoc_parse((const char *)data, size, &lim, &p);
    for (size_t i = 0; docs && i < json_object_array_length(docs); i++) {
        struct catalog_entity e;
        problem_init(&p);
        arena_reset(&a);
        (void)catalog_entity_read(json_object_array_get_idx(docs, i), &a, &e, &p);
    }
    json_object_put(docs);
    return 0;
}
