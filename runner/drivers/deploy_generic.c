/*
 * deploy_generic: a signed webhook to a deployer of the platform team's own, signed as Portico
 * checks the generic deliveries it receives (lib/cicd.h), so one verifier serves both ways:
 *
 *   POST {api}
 *   X-Portico-Event: deploy, X-Portico-Delivery: deploy-<id>, X-Portico-Timestamp: <unix seconds>,
 *   X-Portico-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the credential>
 *   {"deploy": <id>, "entity": ..., "environment": ..., "version": ..., "commit": ...,
 *    "rollback_of": <deployment id> | null}
 *
 * The delivery id is the same on every attempt: a receiver that remembers it deploys once.
 * Any 2xx is accepted; its JSON "ref", when given, is the deploy's ref.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/cicd.h"
#include "runner/drivers/deploy.h"

static int generic_trigger(struct driver_run *d, const struct deploy_call *k)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "deploy", json_object_new_int64(k->deploy));
    json_object_object_add(body, "entity", json_object_new_string(k->entity));
    json_object_object_add(body, "environment", json_object_new_string(k->environment));
    json_object_object_add(body, "version", json_object_new_string(k->version));
    json_object_object_add(body, "commit", json_object_new_string(k->commit));
    json_object_object_add(body, "rollback_of", k->rollback_of ? json_object_new_int64(k->rollback_of) : NULL);
    const char *text = arena_strdup(d->arena, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
    json_object_put(body);
    d->secret(d, k->credential);
    long long now = (long long)time(NULL);
    const char *signed_text = arena_printf(d->arena, "%lld.%s", now, text ? text : "");
    char mac[65];
    if (!text || !signed_text)
        return driver_fail(d, "out of memory"), DEPLOY_RETRY;
    cicd_hmac_hex(k->credential, signed_text, strlen(signed_text), mac);
    struct outbound_request rq = {
        "POST", k->api, { "Content-Type: application/json", "X-Portico-Event: deploy",
                          arena_printf(d->arena, "X-Portico-Delivery: deploy-%lld", k->deploy),
                          arena_printf(d->arena, "X-Portico-Timestamp: %lld", now),
                          arena_printf(d->arena, "X-Portico-Signature: sha256=%s", mac) },
        text, strlen(text), NULL, 0, 0, false, 0 };
    struct outbound_answer an;
    int rc = outbound_once(d, outbound_deploy_places(d->cfg), &rq, &an);
    if (rc < 0)
        return deploy_unsent(d, &an);
    if ((rc = deploy_answered(d, "The deployer", &an, k->credential)) != DEPLOY_OK)
        return rc;
    json_object *doc = an.len ? json_tokener_parse(an.body) : NULL, *ref;
    if (doc && json_object_object_get_ex(doc, "ref", &ref) && json_object_is_type(ref, json_type_string) &&
        strlen(json_object_get_string(ref)) <= 200 && strspn(json_object_get_string(ref),
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/ #") == strlen(json_object_get_string(ref)))
        deploy_output(d, json_object_get_string(ref));
    json_object_put(doc);
    return DEPLOY_OK;
}

const struct deploy_driver deploy_generic = { "generic", generic_trigger };
