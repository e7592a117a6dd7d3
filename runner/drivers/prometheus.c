/* prometheus: queries to the configured Prometheus (prometheus.h). */
#include <stdio.h>
#include <string.h>

#include "runner/drivers/outbound.h"
#include "runner/drivers/prometheus.h"

/* s percent-encoded for a form (RFC 3986 unreserved kept), appended to out at *n (room checked). */
static bool form_put(char *out, size_t cap, size_t *n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                     strchr("-._~", *c);
        if (*n + 4 >= cap)
            return false;
        if (plain) {
            out[(*n)++] = (char)*c;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hex[*c >> 4];
            out[(*n)++] = hex[*c & 15];
        }
    }
    out[*n] = '\0';
    return true;
}

static int prometheus_call(struct driver_run *d, const char *api, const char *expr, const char *rest, json_object **data,
                           bool *bad)
{
    const char *base = d->cfg->prometheus_url;
    *data = NULL;
    *bad = false;
    if (!*base)
        return driver_fail(d, "no Prometheus is configured (prometheus_url)");
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    const char *url = arena_printf(d->arena, "%.*s/api/v1/%s", (int)bl, base, api);
    size_t cap = 3 * strlen(expr) + strlen(rest) + 16, n = 6;
    char *body = arena_alloc(d->arena, cap);
    if (!url || !body)
        return driver_fail(d, "out of memory");
    memcpy(body, "query=", 7);
    if (!form_put(body, cap, &n, expr))
        return driver_fail(d, "the expression is too long");
    snprintf(body + n, cap - n, "%s", rest);
    struct outbound_request rq = { "POST", url, { "Content-Type: application/x-www-form-urlencoded",
                                                  "Accept: application/json" },
                                   body, strlen(body), NULL, d->cfg->prometheus_timeout_seconds, 0, false,
                                   PROMETHEUS_ANSWER_MAX };
    struct outbound_answer an;
    if (outbound_once(d, outbound_prometheus_places(), &rq, &an) < 0)
        return -1;
    if (an.truncated)
        return driver_fail(d, "Prometheus answered more than %d MiB: ask for fewer series or a longer step",
                           PROMETHEUS_ANSWER_MAX >> 20);
    json_object *o = an.len ? json_tokener_parse(an.body) : NULL, *v;
    const char *status = o && json_object_object_get_ex(o, "status", &v) ? json_object_get_string(v) : NULL;
    if (!status) {
        json_object_put(o);
        return driver_fail(d, "Prometheus answered %ld without its JSON", an.status);
    }
    if (strcmp(status, "success") != 0) {
        const char *type = json_object_object_get_ex(o, "errorType", &v) ? json_object_get_string(v) : "";
        const char *error = json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : "no reason given";
        *bad = type && strcmp(type, "bad_data") == 0;
        driver_fail(d, "Prometheus: %s", error);
        json_object_put(o);
        return -1;
    }
    if (!json_object_object_get_ex(o, "data", &v) || !json_object_is_type(v, json_type_object)) {
        json_object_put(o);
        return driver_fail(d, "Prometheus answered success without data");
    }
    *data = json_object_get(v);
    json_object_put(o);
    return 0;
}

int prometheus_query(struct driver_run *d, const char *expr, long long time, json_object **data, bool *bad)
{
    const char *rest = time > 0 ? arena_printf(d->arena, "&time=%lld", time) : "";
    return prometheus_call(d, "query", expr, rest ? rest : "", data, bad);
}

int prometheus_query_range(struct driver_run *d, const char *expr, long long start, long long end, long long step,
                           json_object **data, bool *bad)
{
    const char *rest = arena_printf(d->arena, "&start=%lld&end=%lld&step=%lld", start, end, step);
    if (!rest)
        return driver_fail(d, "out of memory");
    return prometheus_call(d, "query_range", expr, rest, data, bad);
}
