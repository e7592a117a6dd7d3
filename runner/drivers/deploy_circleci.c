/*
 * deploy_circleci: a new pipeline (CircleCI API v2, "Trigger a new pipeline"):
 *
 *   POST {api}/api/v2/project/{project-slug}/pipeline
 *   Circle-Token: <personal API token>
 *   {"branch": "<ref>", "parameters": {"portico_environment": ..., "portico_version": ...,
 *                                      "portico_commit": ..., "portico_deploy": "<id>"}}
 *
 * CircleCI answers 201 with {"id", "number", "state", "created_at"}: the number is the ref. The
 * configuration declares the pipeline parameters (strings).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "runner/drivers/deploy.h"

static int circleci_trigger(struct driver_run *d, const struct deploy_call *k)
{
    const char *url = arena_printf(d->arena, "%s/api/v2/project/%s/pipeline", k->api, deploy_escape(d, k->target, true));
    json_object *body = json_object_new_object(), *params = json_object_new_object();
    json_object_object_add(body, "branch", json_object_new_string(k->ref));
    json_object_object_add(params, "portico_environment", json_object_new_string(k->environment));
    json_object_object_add(params, "portico_version", json_object_new_string(k->version));
    json_object_object_add(params, "portico_commit", json_object_new_string(k->commit));
    json_object_object_add(params, "portico_deploy", json_object_new_string(arena_printf(d->arena, "%lld", k->deploy)));
    json_object_object_add(body, "parameters", params);
    const char *text = arena_strdup(d->arena, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
    json_object_put(body);
    d->secret(d, k->credential);
    struct outbound_request rq = {
        "POST", url, { arena_printf(d->arena, "Circle-Token: %s", k->credential), "Content-Type: application/json",
                       "Accept: application/json" },
        text, text ? strlen(text) : 0, NULL, 0, 0, false, 0 };
    struct outbound_answer an;
    if (!url || !text || !rq.headers[0])
        return driver_fail(d, "out of memory"), DEPLOY_RETRY;
    int rc = outbound_once(d, outbound_deploy_places(d->cfg), &rq, &an);
    if (rc < 0)
        return deploy_unsent(d, &an);
    if ((rc = deploy_answered(d, "CircleCI", &an, k->credential)) != DEPLOY_OK)
        return rc;
    json_object *doc = json_tokener_parse(an.body), *n;
    if (doc && json_object_object_get_ex(doc, "number", &n) && json_object_is_type(n, json_type_int))
        deploy_output(d, arena_printf(d->arena, "pipeline %lld", (long long)json_object_get_int64(n)));
    json_object_put(doc);
    return DEPLOY_OK;
}

const struct deploy_driver deploy_circleci = { "circleci", circleci_trigger };
