/*
 * router: linear matching over a small table. Areas have tens of routes, so a scan that
 * compares segment by segment is faster than building anything cleverer per request.
 */
#include "router.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "shape.h"

/* Compare one pattern with a path. Returns 1 on a match (filling params), 0 otherwise,
 * -1 on a malformed escape in a parameter. */
static int pattern_match(const char *pat, const char *path, struct arena *a, struct router_match *m)
{
    size_t np = 0;
    while (*pat && *path) {
        if (*pat != '/' || *path != '/')
            return 0;
        pat++, path++;
        const char *pe = strchr(pat, '/'), *se = strchr(path, '/');
        size_t plen = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t slen = se ? (size_t)(se - path) : strlen(path);
        bool rest = plen >= 3 && pat[0] == '{' && pat[plen - 2] == '*' && pat[plen - 1] == '}' && !pe;
        if (rest) {
            /* {name*}, the last segment: the rest of the path, one or more whole segments */
            slen = strlen(path);
            if (strstr(path, "//") || path[slen - 1] == '/')
                return 0;
        }
        if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
            if (slen == 0 || np == sizeof(m->params) / sizeof(m->params[0]))
                return 0;
            if (a) {
                char *v = http_percent_decode(a, path, slen, false);
                if (!v)
                    return -1;
                m->params[np].name = arena_strndup(a, pat + 1, plen - 2 - rest);
                m->params[np].value = v;
            }
            np++;
        } else if (plen != slen || memcmp(pat, path, plen) != 0) {
            return 0;
        }
        pat += plen;
        path += slen;
    }
    if (*pat || *path)
        return 0;
    if (m)
        m->nparams = np;
    return 1;
}

enum router_result router_match(const struct route *routes, size_t n, const char *method,
                                const char *path, struct arena *a, struct router_match *m)
{
    bool path_known = false;
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    size_t alen = 0;

    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < n; i++) {
        int r = pattern_match(routes[i].pattern, path, NULL, NULL);
        if (r <= 0)
            continue;
        if (strcmp(routes[i].method, want) == 0) {
            if (pattern_match(routes[i].pattern, path, a, m) < 0)
                return ROUTER_BAD_PATH;
            m->route = &routes[i];
            return ROUTER_FOUND;
        }
        /* Collect the Allow list, each method once. */
        path_known = true;
        if (!strstr(m->allow, routes[i].method)) {
            int w = snprintf(m->allow + alen, sizeof(m->allow) - alen, "%s%s", alen ? ", " : "", routes[i].method);
            if (w > 0 && (size_t)w < sizeof(m->allow) - alen)
                alen += (size_t)w;
            if (strcmp(routes[i].method, "GET") == 0 && !strstr(m->allow, "HEAD")) {
                w = snprintf(m->allow + alen, sizeof(m->allow) - alen, ", HEAD");
                if (w > 0 && (size_t)w < sizeof(m->allow) - alen)
                    alen += (size_t)w;
            }
        }
    }
    return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

const char *router_param(const struct router_match *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return m->params[i].value;
    return NULL;
}

static bool method_known(const char *m)
{
    static const char *const known[] = { "GET", "POST", "PUT", "PATCH", "DELETE" };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return true;
    return false;
}

int router_query_next(const char *spec, size_t *at, struct route_query *q, char *err, size_t errlen)
{
    const char *s = spec + *at;
    while (*s == ' ')
        s++;
    if (!*s)
        return 0;
    size_t n = strcspn(s, " ");
    const char *colon = memchr(s, ':', n);
    memset(q, 0, sizeof(*q));
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof(q->name)) {
        snprintf(err, errlen, "query item %.*s: name:type", (int)n, s);
        return -1;
    }
    memcpy(q->name, s, (size_t)(colon - s));
    const char *type = colon + 1;
    size_t tn = n - (size_t)(type - s);
    char text[200];
    if (tn >= sizeof(text)) {
        snprintf(err, errlen, "query item %s: too long", q->name);
        return -1;
    }
    memcpy(text, type, tn);
    text[tn] = '\0';
    int used = 0;
    if (strcmp(text, "bool") == 0) {
        q->type = RQ_BOOL;
    } else if (strcmp(text, "cursor") == 0) {
        q->type = RQ_CURSOR;
    } else if (sscanf(text, "int(%lld..%lld,%lld)%n", &q->min, &q->max, &q->def, &used) == 3 && used == (int)tn) {
        q->type = RQ_INT;
        q->has_def = true;
    } else if ((used = 0, sscanf(text, "int(%lld..%lld)%n", &q->min, &q->max, &used)) == 2 && used == (int)tn) {
        q->type = RQ_INT;
    } else if ((used = 0, sscanf(text, "string(%lld)%n", &q->max, &used)) == 1 && used == (int)tn && q->max > 0) {
        q->type = RQ_STRING;
    } else if (strncmp(text, "enum(", 5) == 0 && tn > 6 && text[tn - 1] == ')' && tn - 6 < sizeof(q->choices)) {
        q->type = RQ_ENUM;
        memcpy(q->choices, text + 5, tn - 6);
        q->choices[tn - 6] = '\0';
    } else {
        snprintf(err, errlen, "query item %s: unknown type %s", q->name, text);
        return -1;
    }
    if (q->type == RQ_INT && (q->min > q->max || (q->has_def && (q->def < q->min || q->def > q->max)))) {
        snprintf(err, errlen, "query item %s: bounds out of order", q->name);
        return -1;
    }
    *at = (size_t)(s + n - spec);
    return 1;
}

bool router_query_find(const struct route *r, const char *name, struct route_query *q)
{
    char err[128];
    size_t at = 0;
    if (!r || !r->query)
        return false;
    while (router_query_next(r->query, &at, q, err, sizeof(err)) == 1)
        if (strcmp(q->name, name) == 0)
            return true;
    return false;
}

int router_table_check(const struct route *routes, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const struct route *r = &routes[i];
        if (!r->method || !method_known(r->method)) {
            snprintf(err, errlen, "route %zu: unknown method", i);
            return -1;
        }
        if (!r->pattern || r->pattern[0] != '/' || strstr(r->pattern, "//") ||
            (strlen(r->pattern) > 1 && r->pattern[strlen(r->pattern) - 1] == '/')) {
            snprintf(err, errlen, "route %zu: pattern must start with / and have no empty segment", i);
            return -1;
        }
        size_t nparams = 0;
        for (const char *s = r->pattern; *s; s++) {
            if (*s == '{') {
                const char *e = strchr(s, '}');
                if (!e || e == s + 1 || s[-1] != '/' || (e[1] != '/' && e[1] != '\0') ||
                    memchr(s, '/', (size_t)(e - s))) {
                    snprintf(err, errlen, "%s %s: a {param} must be a whole segment", r->method, r->pattern);
                    return -1;
                }
                if (memchr(s, '*', (size_t)(e - s)) && (e[-1] != '*' || e == s + 2 || e[1] != '\0')) {
                    snprintf(err, errlen, "%s %s: a {param*} is the last segment", r->method, r->pattern);
                    return -1;
                }
                nparams++;
            }
        }
        if (nparams > sizeof(((struct router_match *)0)->params) / sizeof(struct http_param)) {
            snprintf(err, errlen, "%s %s: too many {params}", r->method, r->pattern);
            return -1;
        }
        if (!r->permission || !*r->permission) {
            snprintf(err, errlen, "%s %s: no permission", r->method, r->pattern);
            return -1;
        }
        if (r->query) {
            struct route_query q;
            size_t at = 0;
            int rc;
            while ((rc = router_query_next(r->query, &at, &q, err, errlen)) == 1)
                ;
            if (rc < 0)
                return -1;
        }
        /* a description that says a list's bounds in words says the declared ones: the row's
         * query is their one source, the words must not drift from it */
        const char *said = r->description ? strstr(r->description, "limit 1..") : NULL;
        if (said) {
            struct route_query q;
            long long max = 0, def = 0;
            if (sscanf(said, "limit 1..%lld (%lld)", &max, &def) != 2 || !router_query_find(r, "limit", &q) ||
                q.type != RQ_INT || q.min != 1 || q.max != max || !q.has_def || q.def != def) {
                snprintf(err, errlen, "%s %s: the description's \"limit 1..%lld (%lld)\" is not the declared limit",
                         r->method, r->pattern, max, def);
                return -1;
            }
        }
        bool json = (r->flags & (ROUTE_BODY_JSON | ROUTE_BODY_JSON_OPTIONAL)) != 0;
        if (json != (r->body && !router_media(r->body))) {
            snprintf(err, errlen, "%s %s: a JSON body is declared by a shape, with ROUTE_BODY_JSON(_OPTIONAL)",
                     r->method, r->pattern);
            return -1;
        }
        char why[160];
        if (r->body && !router_media(r->body) && shape_spec_check(r->body, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s %s: body: %s", r->method, r->pattern, why);
            return -1;
        }
        int statuses[3];
        const char *spec;
        if (!r->answer || router_answer(r, statuses, &spec) == 0) {
            snprintf(err, errlen, "%s %s: no answer declared (\"[STATUS] shape\", or \"204\")", r->method, r->pattern);
            return -1;
        }
        if (spec && !router_media(spec) && shape_spec_check(spec, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s %s: answer: %s", r->method, r->pattern, why);
            return -1;
        }
        if (!r->handler || !r->summary || !*r->summary) {
            snprintf(err, errlen, "%s %s: no handler or summary", r->method, r->pattern);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(routes[j].method, r->method) == 0 && strcmp(routes[j].pattern, r->pattern) == 0) {
                snprintf(err, errlen, "%s %s: listed twice", r->method, r->pattern);
                return -1;
            }
        }
    }
    return 0;
}

bool router_media(const char *spec)
{
    size_t n = strcspn(spec, " ");
    return memchr(spec, '/', n) != NULL;
}

int router_answer(const struct route *r, int statuses[3], const char **spec)
{
    const char *s = r->answer;
    int n = 0;
    *spec = NULL;
    if (!s)
        return 0;
    while (s[0] >= '1' && s[0] <= '5' && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
           (s[3] == ' ' || s[3] == '|' || s[3] == '\0')) {
        if (n == 3)
            return 0;
        statuses[n++] = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
        s += 3;
        if (*s == '|')
            s++;
        else
            break;
    }
    while (*s == ' ')
        s++;
    if (n == 0)
        statuses[n++] = 200;
    bool none = statuses[0] == 204 || statuses[0] == 304;
    if (none != (*s == '\0'))
        return 0;   /* 204 has no body; any other answer names what it sends */
    *spec = *s ? s : NULL;
    return n;
}
