/*
 * http: CGI/FastCGI parameters in, CGI response out.
 */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

const char *http_env(char *const *env, const char *name)
{
    size_t n = strlen(name);
    if (!env)
        return NULL;
    for (; *env; env++)
        if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
            return *env + n + 1;
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *http_percent_decode(struct arena *a, const char *src, size_t n, bool plus_is_space)
{
    char *out = arena_alloc(a, n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            if (i + 2 >= n) /* fewer than two characters follow */
                return NULL;
            int hi = hexval((unsigned char)src[i + 1]), lo = hexval((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return NULL; /* an encoded NUL would cut the string short: refuse it */
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return NULL;
        }
        *o++ = c;
    }
    *o = '\0';
    return out;
}

static int http_query_parse(struct http_request *req, struct problem *p)
{
    const char *q = req->query_string;
    size_t cap = 0;

    for (const char *s = q; *s; s++)
        if (*s == '&')
            cap++;
    cap++;
    if (cap > HTTP_MAX_QUERY_PARAMS)
        cap = HTTP_MAX_QUERY_PARAMS + 1;
    req->query = arena_calloc(req->arena, cap, sizeof(*req->query));
    req->nquery = 0;
    if (!req->query)
        return problem_set(p, 500, "out-of-memory", "out of memory");

    while (*q) {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);
        if (len > 0) {
            if (req->nquery == HTTP_MAX_QUERY_PARAMS)
                return problem_set(p, 400, "bad-query", "more than %d query parameters", HTTP_MAX_QUERY_PARAMS);
            const char *eq = memchr(q, '=', len);
            size_t nlen = eq ? (size_t)(eq - q) : len;
            char *name = http_percent_decode(req->arena, q, nlen, true);
            char *value = eq ? http_percent_decode(req->arena, eq + 1, len - nlen - 1, true)
                             : arena_strdup(req->arena, "");
            if (!name || !value)
                return problem_set(p, 400, "bad-query", "the query string has a malformed percent-escape");
            req->query[req->nquery].name = name;
            req->query[req->nquery].value = value;
            req->nquery++;
        }
        if (!end)
            break;
        q = end + 1;
    }
    return 0;
}

static void http_cookies_parse(struct http_request *req)
{
    const char *c = http_env(req->env, "HTTP_COOKIE");
    req->cookies = NULL;
    req->ncookies = 0;
    if (!c || !*c)
        return;
    req->cookies = arena_calloc(req->arena, HTTP_MAX_COOKIES, sizeof(*req->cookies));
    if (!req->cookies)
        return;
    while (*c && req->ncookies < HTTP_MAX_COOKIES) {
        while (*c == ' ' || *c == '\t' || *c == ';')
            c++;
        const char *end = strchr(c, ';');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        const char *eq = memchr(c, '=', len);
        if (eq && eq > c) {
            size_t nlen = (size_t)(eq - c);
            while (nlen && (c[nlen - 1] == ' ' || c[nlen - 1] == '\t'))
                nlen--;
            const char *v = eq + 1;
            size_t vlen = len - (size_t)(v - c);
            while (vlen && (*v == ' ' || *v == '\t'))
                v++, vlen--;
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
                v++, vlen -= 2;
            req->cookies[req->ncookies].name = arena_strndup(req->arena, c, nlen);
            req->cookies[req->ncookies].value = arena_strndup(req->arena, v, vlen);
            if (req->cookies[req->ncookies].name && req->cookies[req->ncookies].value)
                req->ncookies++;
        }
        if (!end)
            break;
        c = end + 1;
    }
}

int http_request_parse(struct http_request *req, struct arena *a, char **env,
                       http_read_fn read, void *read_ctx, struct problem *p)
{
    memset(req, 0, sizeof(*req));
    req->arena = a;
    req->env = env;
    req->read = read;
    req->read_ctx = read_ctx;
    req->content_length = -1;

    const char *m = http_env(env, "REQUEST_METHOD");
    req->method = (m && *m) ? m : "GET";
    req->remote_addr = http_env(env, "REMOTE_ADDR");

    const char *uri = http_env(env, "REQUEST_URI");
    if (uri && *uri) {
        const char *qm = strchr(uri, '?');
        size_t len = qm ? (size_t)(qm - uri) : strlen(uri);
        if (len > HTTP_MAX_PATH)
            return problem_set(p, 414, "uri-too-long", "the path is longer than %d bytes", HTTP_MAX_PATH);
        req->path = arena_strndup(a, uri, len);
    } else {
        const char *sn = http_env(env, "SCRIPT_NAME"), *pi = http_env(env, "PATH_INFO");
        req->path = arena_printf(a, "%s%s", sn ? sn : "", pi ? pi : "");
        if (req->path && strlen(req->path) > HTTP_MAX_PATH)
            return problem_set(p, 414, "uri-too-long", "the path is longer than %d bytes", HTTP_MAX_PATH);
    }
    if (!req->path)
        return problem_set(p, 500, "out-of-memory", "out of memory");

    /* Checked after the path so that the request log names it. */
    size_t header_bytes = 0;
    for (char **e = env; e && *e; e++)
        if (strncmp(*e, "HTTP_", 5) == 0)
            header_bytes += strlen(*e + 5);
    if (header_bytes > HTTP_MAX_HEADER_BYTES)
        return problem_set(p, 431, "headers-too-large", "the header fields are %zu bytes together; the limit is %d",
                           header_bytes, HTTP_MAX_HEADER_BYTES);

    const char *qs = http_env(env, "QUERY_STRING");
    req->query_string = qs ? qs : "";
    if (strlen(req->query_string) > HTTP_MAX_QUERY)
        return problem_set(p, 414, "uri-too-long", "the query string is longer than %d bytes", HTTP_MAX_QUERY);
    if (http_query_parse(req, p) < 0)
        return -1;

    http_cookies_parse(req);
    const char *ct = http_env(env, "CONTENT_TYPE");
    req->content_type = (ct && *ct) ? ct : NULL;
    return 0;
}

bool http_content_type_is_json(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t len = strcspn(ct, "; \t");
    if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return true;
    /* application/<subtype>+json, e.g. application/merge-patch+json */
    return len > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + len - 5, "+json", 5) == 0;
}

/* Parses a Content-Length: decimal digits only, no sign, no spaces, no overflow. */
static int content_length_parse(const char *s, long long *out)
{
    long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v > (0x7fffffffffffffffLL - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

int http_body_read(struct http_request *req, size_t cap, bool required, struct problem *p)
{
    const char *cl = http_env(req->env, "CONTENT_LENGTH");
    long long len;

    if (!cl || !*cl) {
        if (required)
            return problem_set(p, 411, "length-required", "this request needs a body with a Content-Length");
        req->body = "";
        req->body_len = 0;
        return 0;
    }
    if (content_length_parse(cl, &len) < 0)
        return problem_set(p, 400, "bad-content-length", "Content-Length is not a non-negative whole number");
    req->content_length = len;
    if ((unsigned long long)len > cap)
        return problem_set(p, 413, "body-too-large", "the body is %lld bytes; the limit is %zu", len, cap);

    char *buf = arena_alloc(req->arena, (size_t)len + 1);
    if (!buf)
        return problem_set(p, 500, "out-of-memory", "out of memory");
    size_t got = 0;
    while (got < (size_t)len) {
        long n = req->read ? req->read(req->read_ctx, buf + got, (size_t)len - got) : 0;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < (size_t)len)
        return problem_set(p, 400, "incomplete-body", "the body ended after %zu of %lld bytes", got, len);
    buf[got] = '\0';
    req->body = buf;
    req->body_len = got;
    if (required && got == 0)
        return problem_set(p, 400, "empty-body", "this request needs a body");
    return 0;
}

const char *http_header(const struct http_request *req, const char *name)
{
    char var[128];
    size_t n = 0;

    if (strcasecmp(name, "Content-Type") == 0)
        return req->content_type;
    if (strcasecmp(name, "Content-Length") == 0)
        return http_env(req->env, "CONTENT_LENGTH");
    if (strcasecmp(name, "Authorization") == 0) {
        /* Hosts without CGIPassAuth: the .htaccess carries it as an environment variable,
         * which becomes REDIRECT_HTTP_AUTHORIZATION after the internal rewrite. */
        const char *v = http_env(req->env, "HTTP_AUTHORIZATION");
        return v ? v : http_env(req->env, "REDIRECT_HTTP_AUTHORIZATION");
    }
    memcpy(var, "HTTP_", 5);
    n = 5;
    for (; *name && n < sizeof(var) - 1; name++)
        var[n++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
    var[n] = '\0';
    return http_env(req->env, var);
}

static const char *param_find(const struct http_param *ps, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ps[i].name, name) == 0)
            return ps[i].value;
    return NULL;
}

const char *http_query(const struct http_request *req, const char *name)
{
    return param_find(req->query, req->nquery, name);
}

const char *http_cookie(const struct http_request *req, const char *name)
{
    return param_find(req->cookies, req->ncookies, name);
}

char *http_utf8_clamp(struct arena *a, const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = arena_alloc(a, (len < max ? len : max) + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    const unsigned char *end = (const unsigned char *)s + len;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq(p, (size_t)(end - p));
        if (n == 0) {
            if (o + 1 > max)
                break;
            out[o++] = '?';
            p++;
            continue;
        }
        if (o + n > max)
            break;
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    out[o] = '\0';
    return out;
}

void http_response_init(struct http_response *res)
{
    memset(res, 0, sizeof(*res));
    res->status = 200;
}

int http_response_header(struct http_response *res, const char *name, const char *value)
{
    /* one Set-Cookie per cookie (RFC 6265 4.1: never folded into one field) */
    for (size_t i = 0; i < res->nheaders && strcasecmp(name, "Set-Cookie") != 0; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0) {
            res->headers[i].value = value;
            return 0;
        }
    }
    if (res->nheaders == HTTP_MAX_HEADERS)
        return -1;
    res->headers[res->nheaders].name = name;
    res->headers[res->nheaders].value = value;
    res->nheaders++;
    return 0;
}

void http_response_body(struct http_response *res, int status, const char *content_type,
                        const char *body, size_t len)
{
    res->status = status;
    res->content_type = content_type;
    res->body = body;
    res->body_len = body ? len : 0;
}

int http_response_json(struct http_response *res, struct arena *a, int status, json_object *json)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        json, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *copy = s ? arena_alloc(a, len + 1) : NULL;
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    json_object_put(json);
    if (!copy)
        return -1;
    res->status = status;
    if (!res->content_type)
        res->content_type = "application/json";
    res->body = copy;
    res->body_len = len;
    return 0;
}

/* Header values must not split the response: refuse CR and LF. */
static bool header_value_ok(const char *v)
{
    return v && !strpbrk(v, "\r\n");
}

int http_response_write(const struct http_response *res, struct arena *a, bool head_only,
                        http_write_fn write, void *ctx)
{
    size_t cap = 256 + (res->content_type ? strlen(res->content_type) : 0);
    for (size_t i = 0; i < res->nheaders; i++)
        cap += strlen(res->headers[i].name) + (res->headers[i].value ? strlen(res->headers[i].value) : 0) + 4;
    char *head = arena_alloc(a, cap);
    if (!head)
        return -1;
    int n = snprintf(head, cap, "Status: %d %s\r\n", res->status, http_reason(res->status));
    if (res->content_type)
        n += snprintf(head + n, cap - (size_t)n, "Content-Type: %s\r\n", res->content_type);
    for (size_t i = 0; i < res->nheaders; i++)
        if (header_value_ok(res->headers[i].value))
            n += snprintf(head + n, cap - (size_t)n, "%s: %s\r\n", res->headers[i].name, res->headers[i].value);
    n += snprintf(head + n, cap - (size_t)n, "Content-Length: %zu\r\n\r\n", res->body ? res->body_len : 0);
    if (write(ctx, head, (size_t)n) < 0)
        return -1;
    if (!head_only && res->body && res->body_len && write(ctx, res->body, res->body_len) < 0)
        return -1;
    return 0;
}
