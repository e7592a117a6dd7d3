/*
 * webhook: tells another system about the step with one HTTP request (libcurl).
 *
 * Arguments: url (https; http only to 127.0.0.1, ::1 or localhost; no credentials in it, since
 * URLs reach logs), method (POST, PUT, PATCH or DELETE; POST by default). The body is JSON:
 * {resource_uid, step, action, team, environment, parameters}; the header
 * Idempotency-Key: <uid>-<step>-<action> lets the receiver ignore a retry. TLS is verified,
 * redirects are not followed, the step's timeout bounds the whole exchange. A 2xx answer is
 * success (output "status"); anything else fails with the status only: the answer is never
 * shown, since the requester would read what a service the template reaches says.
 * Placeholders in the URL are percent-encoded (the scan keeps them out of scheme, host and port).
 *
 * The request is outbound.c's, as every request the runner makes: every address a connection
 * is opened to is checked after resolution (so a name that resolves to 127.0.0.1, or changes
 * between a check and the connection, is caught), plain http only to loopback.
 */
#include <stdio.h>
#include <string.h>

#include "runner/drivers/outbound.h"

/* A placeholder's value in a URL: everything but RFC 3986's unreserved characters encoded. */
static const char *webhook_escape(struct arena *a, const char *value, void *ctx)
{
    (void)ctx;
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(value);
    char *out = arena_alloc(a, n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
            *c == '_' || *c == '~') {
            *o++ = (char)*c;
        } else {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 15];
        }
    }
    *o = '\0';
    return out;
}

static json_object *webhook_body(const struct driver_run *d)
{
    json_object *body = json_object_new_object();
    if (!body)
        return NULL;
    json_object_object_add(body, "resource_uid", json_object_new_string(d->resource_uid ? d->resource_uid : ""));
    json_object_object_add(body, "step", json_object_new_string(d->step_name ? d->step_name : ""));
    json_object_object_add(body, "action", json_object_new_string(d->remove ? "remove" : "apply"));
    json_object_object_add(body, "team", json_object_new_string(d->team ? d->team : ""));
    json_object_object_add(body, "environment", json_object_new_string(d->environment ? d->environment : ""));
    json_object_object_add(body, "parameters", d->values ? json_object_get(d->values) : json_object_new_object());
    return body;
}

static int webhook_apply(struct driver_run *d)
{
    const char *url = driver_arg(d, "url");
    const char *method = driver_arg(d, "method");
    if (!url || !url[0])
        return driver_fail(d, "the argument url is required");
    if (!method || !method[0])
        method = "POST";
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 && strcmp(method, "PATCH") != 0 &&
        strcmp(method, "DELETE") != 0)
        return driver_fail(d, "the method must be POST, PUT, PATCH or DELETE");
    json_object *body = webhook_body(d);
    const char *action = d->remove ? "remove" : "apply";
    const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
    struct outbound_request rq = {
        method, url, { arena_printf(d->arena, "Idempotency-Key: %s-%s-%s", d->resource_uid, d->step_name ? d->step_name : "",
                                    action), "Content-Type: application/json" },
        text, text ? strlen(text) : 0, NULL, 0, 0, false, 0 };
    struct outbound_answer an;
    if (!text || !rq.headers[0]) {
        json_object_put(body);
        return driver_fail(d, "out of memory");
    }
    int rc = outbound_once(d, outbound_webhook_places(d->cfg), &rq, &an);
    json_object_put(body);
    if (rc < 0)
        return -1;
    /* the answer is not shown: the requester would read what a service the template reaches says */
    if (an.status < 200 || an.status > 299)
        return driver_fail(d, "the webhook answered %ld", an.status);
    char status_text[16];
    snprintf(status_text, sizeof(status_text), "%ld", an.status);
    json_object_object_add(d->outputs, "status", json_object_new_string(status_text));
    return 0;
}

const struct driver driver_webhook = { "webhook", webhook_escape, webhook_apply };
