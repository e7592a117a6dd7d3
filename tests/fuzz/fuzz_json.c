/*
 * libFuzzer harness: JSON bodies through the depth-limited parser, then a route row's declared
 * shape (lib/shape: the request check every JSON route runs, and the strict answer check).
 */
#include <stdint.h>
#include <stdlib.h>

#include "lib/json.h"
#include "lib/problem.h"
#include "lib/shape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const specs[] = {
        "message:string(1..100) repeat?:int(1..10) flag?:bool",
        "name:string(1..64) conditions?:map(string(1..64)) permissions:[string(1..128)](1..64) kind?:enum(a|b)",
        "TokenRequest", "EntityRecord",
    };
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse_object((const char *)data, size, 16, &p);
    if (o) {
        for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
            char why[160];
            problem_init(&p);
            (void)shape_check_request(specs[i], o, &p);
            json_object *doc = problem_to_json(&p, "fuzz");
            json_object_put(doc);
            (void)shape_check_answer(specs[i], o, why, sizeof(why));
        }
        (void)json_str(o, "message", NULL);
        (void)json_num(o, "repeat", 1);
        json_object_put(o);
    }
    return 0;
}
