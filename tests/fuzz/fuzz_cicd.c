/*
 * libFuzzer harness: a CI/CD delivery's body through the JSON parser and every provider's
 * reader (lib/cicd), under each event type the readers know, and its signature checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cicd.h"
#include "lib/json.h"
#include "lib/problem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const events[] = { "workflow_run", "check_run", "deployment", "deployment_status", "push",
                                          "pull_request", "Pipeline Hook", "Job Hook", "Deployment Hook", "Push Hook",
                                          "Merge Request Hook", "workflow-completed", "job-completed", "run", "deployment",
                                          "ping" };
    struct problem p;
    problem_init(&p);
    struct cicd_headers h = { .github_signature = "sha256=00", .gitlab_token = "t", .circleci_signature = "v1=00,v1=",
                              .portico_signature = "sha256=00", .portico_timestamp = "1700000000" };
    const char *why;
    for (int pv = 0; pv < CICD_PROVIDERS; pv++)
        (void)cicd_signature_ok((enum cicd_provider)pv, &h, "secret", (const char *)data, size, 1700000000, &why);
    json_object *o = json_parse((const char *)data, size, 32, &p);
    if (!o)
        return 0;
    struct arena a;
    arena_init(&a, 0);
    static struct cicd_event ev;
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        h.github_event = h.gitlab_event = h.circleci_event = h.portico_event = events[i];
        for (int pv = 0; pv < CICD_PROVIDERS; pv++)
            (void)cicd_event_read((enum cicd_provider)pv, &h, o, &a, &ev, &why);
    }
    char out[20], text[64];
    size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    (void)cicd_time(text, out);
    arena_free(&a);
    json_object_put(o);
    return 0;
}
