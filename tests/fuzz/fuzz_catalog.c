/*
 * libFuzzer harness: catalog entity documents (JSON) through validation and relation reading.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/arena.h"
#include "lib/catalog.h"
#include "lib/json.h"
#include "lib/problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct arena a;
    static int ready;
    if (!ready) {
        arena_init(&a, 0);
        ready = 1;
    }
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse((const char *)data, size, 16, &p);
    if (o) {
        struct catalog_entity e;
        problem_init(&p);
        arena_reset(&a);
        (void)catalog_entity_read(o, &a, &e, &p);
        json_object *doc = problem_to_json(&p, "fuzz");
        json_object_put(doc);
        json_object_put(o);
    }
    struct catalog_ref r;
    const char *why;
    char text[256];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    for (size_t i = 0; i < n; i++)
        text[i] = data[i] ? (char)data[i] : 'x';
    text[n] = '\0';
    (void)catalog_ref_parse(text, "Group", "default", &r, &why);
    return 0;
}
