/*
 * libFuzzer harness: bytes as a provisioning template (libxml2 under Portico's options, the
 * schema, the checks beyond it), then the security scan of what parsed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/arena.h"
#include "lib/problem.h"
#include "lib/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct arena a;
    static struct template t;
    static int ready;
    if (!ready) {
        arena_init(&a, 0);
        ready = 1;
    }
    struct problem p;
    problem_init(&p);
    arena_reset(&a);
    if (template_parse((const char *)data, size, &a, &t, &p) == 0) {
        json_object *report = json_object_new_array();
        (void)template_scan(&t, false, report);
        json_object_put(report);
    }
    return 0;
}
