/*
 * deploy_gitlab: a pipeline trigger (GitLab REST API, "Trigger a pipeline with a token"):
 *
 *   POST {api}/api/v4/projects/{id or URL-encoded path}/trigger/pipeline
 *   application/x-www-form-urlencoded: token=<trigger token>&ref=<ref>
 *     &variables[PORTICO_ENVIRONMENT]=...&variables[PORTICO_VERSION]=...
 *     &variables[PORTICO_COMMIT]=...&variables[PORTICO_DEPLOY]=<id>
 *
 * GitLab answers 201 with the pipeline ({"id": ..., "web_url": ...}): its id is the deploy's ref.
 * The token goes in the body, not the URL (URLs reach logs).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "runner/drivers/deploy.h"

static int gitlab_trigger(struct driver_run *d, const struct deploy_call *k)
{
    const char *url = arena_printf(d->arena, "%s/api/v4/projects/%s/trigger/pipeline", k->api,
                                   deploy_escape(d, k->target, false));
    d->secret(d, k->credential);
    const char *body = arena_printf(d->arena, "token=%s&ref=%s&variables%%5BPORTICO_ENVIRONMENT%%5D=%s"
                                    "&variables%%5BPORTICO_VERSION%%5D=%s&variables%%5BPORTICO_COMMIT%%5D=%s"
                                    "&variables%%5BPORTICO_DEPLOY%%5D=%lld",
                                    deploy_escape(d, k->credential, false), deploy_escape(d, k->ref, false),
                                    deploy_escape(d, k->environment, false), deploy_escape(d, k->version, false),
                                    deploy_escape(d, k->commit, false), k->deploy);
    struct outbound_request rq = { "POST", url, { "Content-Type: application/x-www-form-urlencoded" }, body,
                                   body ? strlen(body) : 0, NULL, 0, 0, false, 0 };
    struct outbound_answer an;
    if (!url || !body)
        return driver_fail(d, "out of memory"), DEPLOY_RETRY;
    int rc = outbound_once(d, outbound_deploy_places(d->cfg), &rq, &an);
    if (rc < 0)
        return deploy_unsent(d, &an);
    if ((rc = deploy_answered(d, "GitLab", &an, k->credential)) != DEPLOY_OK)
        return rc;
    json_object *doc = json_tokener_parse(an.body), *id;
    if (doc && json_object_object_get_ex(doc, "id", &id) && json_object_is_type(id, json_type_int))
        deploy_output(d, arena_printf(d->arena, "pipeline %lld", (long long)json_object_get_int64(id)));
    json_object_put(doc);
    return DEPLOY_OK;
}

const struct deploy_driver deploy_gitlab = { "gitlab", gitlab_trigger };
