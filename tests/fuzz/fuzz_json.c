/*
 * libFuzzer harness: JSON bodies through the depth-limited parser and the typed getters.
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/json.h"
#include "lib/problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const allowed[] = { "message", "repeat", "flag", NULL };
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse_object((const char *)data, size, 16, &p);
    if (o) {
        problem_init(&p);
        (void)json_get_string(o, "message", true, NULL, 1, 100, &p);
        (void)json_get_int(o, "repeat", false, 1, 1, 10, &p);
        (void)json_get_bool(o, "flag", false, false, &p);
        json_reject_unknown(o, allowed, &p);
        json_object *doc = problem_to_json(&p, "fuzz");
        json_object_put(doc);
        json_object_put(o);
    }
    return 0;
}
