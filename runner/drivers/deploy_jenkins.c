/*
 * deploy_jenkins: a parameterized build (Jenkins remote access API), with CSRF protection's crumb:
 *
 *   GET  {api}/crumbIssuer/api/json            -> {"crumb": ..., "crumbRequestField": "Jenkins-Crumb"}
 *   POST {api}/job/{a}/job/{b}/buildWithParameters
 *        <crumbRequestField>: <crumb>, the session cookie the crumb came with
 *        application/x-www-form-urlencoded: PORTICO_ENVIRONMENT=...&PORTICO_VERSION=...
 *          &PORTICO_COMMIT=...&PORTICO_DEPLOY=<id>
 *
 * Both as the integration's user with its API token (HTTP basic). A Jenkins without CSRF
 * protection answers the crumb request 404: the build is asked for without one. Jenkins answers
 * 201 with Location: its queue item, which is the deploy's ref. The job declares the parameters.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "runner/drivers/deploy.h"

/* {api}/job/a/job/b for the path a/b */
static const char *job_url(struct driver_run *d, const char *api, const char *path)
{
    const char *url = api;
    for (const char *s = path; url && *s;) {
        size_t n = strcspn(s, "/");
        url = arena_printf(d->arena, "%s/job/%s", url, deploy_escape(d, arena_printf(d->arena, "%.*s", (int)n, s), false));
        s += n + (s[n] == '/');
    }
    return url;
}

static int jenkins_trigger(struct driver_run *d, const struct deploy_call *k)
{
    d->secret(d, k->credential);
    const char *userpwd = arena_printf(d->arena, "%s:%s", k->user ? k->user : "", k->credential);
    struct outbound *o = outbound_open(d, outbound_deploy_places(d->cfg));
    if (!o || !userpwd)
        return driver_fail(d, "out of memory"), DEPLOY_RETRY;
    struct outbound_request crumb_rq = { "GET", arena_printf(d->arena, "%s/crumbIssuer/api/json", k->api), { NULL }, NULL, 0,
                                         userpwd, 0, 0, false, 0 };
    struct outbound_answer an;
    const char *crumb_header = NULL;
    int rc = outbound_send(o, &crumb_rq, &an);
    if (rc < 0) {
        outbound_close(o);
        return an.refused ? DEPLOY_REFUSED : DEPLOY_RETRY;   /* a crumb asked twice starts nothing */
    }
    if (an.status == 200) {
        json_object *doc = json_tokener_parse(an.body), *crumb, *field;
        if (doc && json_object_object_get_ex(doc, "crumb", &crumb) && json_object_object_get_ex(doc, "crumbRequestField", &field) &&
            json_object_is_type(crumb, json_type_string) && json_object_is_type(field, json_type_string) &&
            strspn(json_object_get_string(field), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                strlen(json_object_get_string(field)) && !strpbrk(json_object_get_string(crumb), "\r\n"))
            crumb_header = arena_printf(d->arena, "%s: %s", json_object_get_string(field), json_object_get_string(crumb));
        json_object_put(doc);
        if (!crumb_header) {
            outbound_close(o);
            return driver_fail(d, "Jenkins' crumb issuer answered something that is not a crumb"), DEPLOY_REFUSED;
        }
    } else if (an.status != 404) {   /* 404: no CSRF protection, so no crumb */
        outbound_close(o);
        return deploy_answered(d, "Jenkins (its crumb issuer)", &an, k->credential);
    }
    const char *body = arena_printf(d->arena, "PORTICO_ENVIRONMENT=%s&PORTICO_VERSION=%s&PORTICO_COMMIT=%s&PORTICO_DEPLOY=%lld",
                                    deploy_escape(d, k->environment, false), deploy_escape(d, k->version, false),
                                    deploy_escape(d, k->commit, false), k->deploy);
    const char *url = job_url(d, k->api, k->target);
    struct outbound_request rq = { "POST", url ? arena_printf(d->arena, "%s/buildWithParameters", url) : NULL,
                                   { "Content-Type: application/x-www-form-urlencoded", crumb_header }, body,
                                   body ? strlen(body) : 0, userpwd, 0, 0, false, 0 };
    if (!rq.url || !body) {
        outbound_close(o);
        return driver_fail(d, "out of memory"), DEPLOY_RETRY;
    }
    rc = outbound_send(o, &rq, &an);
    outbound_close(o);
    if (rc < 0)
        return deploy_unsent(d, &an);
    if ((rc = deploy_answered(d, "Jenkins", &an, k->credential)) != DEPLOY_OK)
        return rc;
    deploy_output(d, an.location);
    return DEPLOY_OK;
}

const struct deploy_driver deploy_jenkins = { "jenkins", jenkins_trigger };
