/*
 * libFuzzer harness: a pipeline's upload (lib/cicd_report) — the bytes as a JUnit report
 * (libxml2 under the reader's options), and, when they parse as JSON, as a SARIF log.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cicd_report.h"
#include "lib/json.h"
#include "lib/problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    static struct cicd_tests t;
    const char *why;
    (void)cicd_junit_read((const char *)data, size, &a, &t, &why);
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse((const char *)data, size, 32, &p);
    if (o) {
        struct cicd_findings f;
        (void)cicd_sarif_read(o, &a, &f, &why);
        json_object_put(o);
    }
    arena_free(&a);
    return 0;
}
