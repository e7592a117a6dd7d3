/*
 * deploy_github: a workflow_dispatch event (GitHub REST API, "Create a workflow dispatch event"):
 *
 *   POST {api}/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches
 *   Authorization: Bearer <token>, Accept: application/vnd.github+json,
 *   X-GitHub-Api-Version: 2022-11-28
 *   {"ref": "<ref>", "inputs": {"portico_environment": ..., "portico_version": ...,
 *                               "portico_commit": ..., "portico_deploy": "<id>"}}
 *
 * GitHub answers 204 with no body: the run it starts reports itself (workflow_run, deployment).
 * The workflow declares those inputs (on: workflow_dispatch: inputs:), each a string.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "runner/drivers/deploy.h"

static int github_trigger(struct driver_run *d, const struct deploy_call *k)
{
    /* target: owner/repo/workflow (lib/cicd checked its form) */
    const char *slash1 = strchr(k->target, '/'), *slash2 = slash1 ? strchr(slash1 + 1, '/') : NULL;
    if (!slash2)
        return driver_fail(d, "the target is owner/repository/workflow"), DEPLOY_REFUSED;
    const char *url = arena_printf(d->arena, "%s/repos/%.*s/actions/workflows/%s/dispatches", k->api,
                                   (int)(slash2 - k->target), k->target, deploy_escape(d, slash2 + 1, false));
    json_object *body = json_object_new_object(), *inputs = json_object_new_object();
    json_object_object_add(body, "ref", json_object_new_string(k->ref));
    json_object_object_add(inputs, "portico_environment", json_object_new_string(k->environment));
    json_object_object_add(inputs, "portico_version", json_object_new_string(k->version));
    if (*k->commit)
        json_object_object_add(inputs, "portico_commit", json_object_new_string(k->commit));
    json_object_object_add(inputs, "portico_deploy", json_object_new_string(arena_printf(d->arena, "%lld", k->deploy)));
    json_object_object_add(body, "inputs", inputs);
    const char *text = arena_strdup(d->arena, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
    json_object_put(body);
    d->secret(d, k->credential);
    struct outbound_request rq = {
        "POST", url, { arena_printf(d->arena, "Authorization: Bearer %s", k->credential),
                       "Accept: application/vnd.github+json", "X-GitHub-Api-Version: 2022-11-28",
                       "Content-Type: application/json" },
        text, text ? strlen(text) : 0, NULL, 0, 0, false, 0 };
    struct outbound_answer an;
    if (!url || !text || !rq.headers[0])
        return driver_fail(d, "out of memory"), DEPLOY_RETRY;
    if (outbound_once(d, outbound_deploy_places(d->cfg), &rq, &an) < 0)
        return deploy_unsent(d, &an);
    return deploy_answered(d, "GitHub", &an, k->credential);
}

const struct deploy_driver deploy_github = { "github", github_trigger };
