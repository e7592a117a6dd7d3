/* deploy: the deploy drivers' registry and what they share (deploy.h). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "runner/drivers/deploy.h"

const struct deploy_driver *deploy_driver_find(const char *provider)
{
    static const struct deploy_driver *const all[] = { &deploy_github, &deploy_gitlab, &deploy_jenkins,
                                                       &deploy_circleci, &deploy_generic };
    for (size_t i = 0; provider && i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(all[i]->provider, provider) == 0)
            return all[i];
    return NULL;
}

const char *deploy_escape(struct driver_run *d, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = arena_alloc(d->arena, n * 3 + 1), *o = out;
    if (!out)
        return "";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
            *c == '.' || *c == '_' || *c == '~' || (keep_slash && *c == '/')) {
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

int deploy_answered(struct driver_run *d, const char *what, const struct outbound_answer *an, const char *credential)
{
    if (an->status >= 200 && an->status <= 299)
        return DEPLOY_OK;
    /* the provider's own words, when it gives them as JSON {"message": ...}: plain ASCII (what
     * else it holds as '?'), at most 200 bytes */
    char said[204] = "";
    json_object *doc = an->len ? json_tokener_parse(an->body) : NULL, *m;
    if (doc && json_object_object_get_ex(doc, "message", &m) && json_object_is_type(m, json_type_string)) {
        const char *s = json_object_get_string(m);
        /* an echo of the credential taken out before the cut (a cut one would not match) */
        size_t ck = credential ? strlen(credential) : 0;
        for (const char *at; ck >= 4 && s && (at = strstr(s, credential));)
            s = arena_printf(d->arena, "%.*s[redacted]%s", (int)(at - s), s, at + ck);
        if (!s)
            s = "";
        size_t k = 0;
        for (; *s && k < 200; s++)
            said[k++] = (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ? ((unsigned char)*s < 0x80 ? ' ' : '?') : *s;
        said[k] = '\0';
    }
    json_object_put(doc);
    driver_fail(d, "%s answered %ld%s%s", what, an->status, *said ? ": " : "", said);
    return an->status == 408 || an->status == 429 || an->status >= 500 ? DEPLOY_RETRY : DEPLOY_REFUSED;
}

int deploy_unsent(struct driver_run *d, const struct outbound_answer *an)
{
    if (an->refused)
        return DEPLOY_REFUSED;
    if (!an->sent)
        return DEPLOY_RETRY;
    char why[DRIVER_ERROR_MAX];
    snprintf(why, sizeof(why), "%s", d->error);
    driver_fail(d, "%s, after the request was sent: the provider may have started it; look there before deploying again", why);
    return DEPLOY_UNSURE;
}

void deploy_output(struct driver_run *d, const char *ref)
{
    if (ref && *ref && d->outputs)
        json_object_object_add(d->outputs, "ref", json_object_new_string(ref));
}
