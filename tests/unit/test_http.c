/*
 * http: request parsing from CGI parameters (path, query, cookies, headers), the capped
 * body read through a callback, and the CGI response.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/http.h"
#include "tests/unit/suites.h"

static bool str_eq(const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
    return false;
}

static bool type_is(const struct problem *p, const char *slug)
{
    return p->type && strcmp(p->type, slug) == 0;
}

/* --- a body reader over memory ------------------------------------------------------------ */

struct membuf {
    const char *data;
    size_t len, pos;
    size_t piece;      /* most bytes per call; 0 for no limit */
    bool fail;         /* answer -1 once the data is used up */
};

static long mem_read(void *ctx, char *buf, size_t n)
{
    struct membuf *m = ctx;
    size_t left = m->len - m->pos;
    if (left == 0)
        return m->fail ? -1 : 0;
    if (n > left)
        n = left;
    if (m->piece && n > m->piece)
        n = m->piece;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (long)n;
}

/* --- a response writer into memory --------------------------------------------------------- */

struct outbuf {
    char data[8192];
    size_t len;
    int fail_after;    /* number of writes to accept before failing; < 0 never fails */
};

static int out_write(void *ctx, const char *buf, size_t n)
{
    struct outbuf *o = ctx;
    if (o->fail_after == 0)
        return -1;
    if (o->fail_after > 0)
        o->fail_after--;
    if (n > sizeof(o->data) - 1 - o->len)
        return -1;
    memcpy(o->data + o->len, buf, n);
    o->len += n;
    o->data[o->len] = '\0';
    return 0;
}

/* --- request parsing ----------------------------------------------------------------------- */

static int parse(struct http_request *req, struct arena *a, char **env, struct problem *p)
{
    problem_init(p);
    return http_request_parse(req, a, env, NULL, NULL, p);
}

/* Parse a request whose only interesting parameter is QUERY_STRING. */
static int parse_query(struct http_request *req, struct arena *a, const char *qs, struct problem *p)
{
    char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/q", arena_printf(a, "QUERY_STRING=%s", qs), NULL };
    return parse(req, a, env, p);
}

static void test_http_env(void)
{
    char *env[] = { "REQUEST_METHODX=bad", "REQUEST_METHOD=POST", "EMPTY=", "A=b=c", NULL };
    CU_ASSERT(str_eq(http_env(env, "REQUEST_METHOD"), "POST"));
    CU_ASSERT(str_eq(http_env(env, "EMPTY"), ""));
    CU_ASSERT(str_eq(http_env(env, "A"), "b=c"));
    CU_ASSERT_PTR_NULL(http_env(env, "REQUEST"));
    CU_ASSERT_PTR_NULL(http_env(env, "MISSING"));
    CU_ASSERT_PTR_NULL(http_env(NULL, "A"));
}

static void test_parse_basic(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    char *env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/a/b?x=1", "QUERY_STRING=x=1",
                    "REMOTE_ADDR=192.0.2.1", "SCRIPT_NAME=/ignored", "PATH_INFO=/ignored", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env, &p), 0);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT(str_eq(req.method, "GET"));
    CU_ASSERT(str_eq(req.path, "/a/b"));
    CU_ASSERT(str_eq(req.query_string, "x=1"));
    CU_ASSERT(str_eq(http_query(&req, "x"), "1"));
    CU_ASSERT(str_eq(req.remote_addr, "192.0.2.1"));
    CU_ASSERT_PTR_NULL(req.content_type);
    CU_ASSERT_EQUAL(req.content_length, -1);
    CU_ASSERT_PTR_NULL(req.body);
    CU_ASSERT_EQUAL(req.ncookies, 0);
    CU_ASSERT_PTR_NULL(http_cookie(&req, "x"));
    CU_ASSERT_PTR_EQUAL(req.arena, &a);
    arena_free(&a);
}

static void test_parse_defaults(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    /* no method, no URI, no query: GET of "" with no parameters */
    char *env[] = { "CONTENT_TYPE=", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env, &p), 0);
    CU_ASSERT(str_eq(req.method, "GET"));
    CU_ASSERT(str_eq(req.path, ""));
    CU_ASSERT(str_eq(req.query_string, ""));
    CU_ASSERT_EQUAL(req.nquery, 0);
    CU_ASSERT_PTR_NULL(req.content_type);
    CU_ASSERT_PTR_NULL(req.remote_addr);
    /* a URI with an empty query */
    char *env2[] = { "REQUEST_METHOD=DELETE", "REQUEST_URI=/x?", "CONTENT_TYPE=text/plain", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env2, &p), 0);
    CU_ASSERT(str_eq(req.method, "DELETE"));
    CU_ASSERT(str_eq(req.path, "/x"));
    CU_ASSERT(str_eq(req.content_type, "text/plain"));
    arena_free(&a);
}

static void test_query_decoding(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL_FATAL(
        parse_query(&req, &a, "a=%20b&c=+x+&d=%2B&e=&f&&g=1=2&h=%41%62%2f&na%6De=v&&", &p), 0);
    CU_ASSERT_EQUAL(req.nquery, 8);
    CU_ASSERT(str_eq(http_query(&req, "a"), " b"));
    CU_ASSERT(str_eq(http_query(&req, "c"), " x "));
    CU_ASSERT(str_eq(http_query(&req, "d"), "+"));
    CU_ASSERT(str_eq(http_query(&req, "e"), ""));
    CU_ASSERT(str_eq(http_query(&req, "f"), ""));
    CU_ASSERT(str_eq(http_query(&req, "g"), "1=2"));
    CU_ASSERT(str_eq(http_query(&req, "h"), "Ab/"));
    CU_ASSERT(str_eq(http_query(&req, "name"), "v"));
    CU_ASSERT_PTR_NULL(http_query(&req, "na%6De"));
    CU_ASSERT_PTR_NULL(http_query(&req, "missing"));
    /* parameters keep their order */
    CU_ASSERT(str_eq(req.query[0].name, "a"));
    CU_ASSERT(str_eq(req.query[4].name, "f"));
    CU_ASSERT(str_eq(req.query[7].name, "name"));
    /* the raw query string is kept as sent */
    CU_ASSERT(str_eq(req.query_string, "a=%20b&c=+x+&d=%2B&e=&f&&g=1=2&h=%41%62%2f&na%6De=v&&"));

    /* only separators: no parameters */
    CU_ASSERT_EQUAL_FATAL(parse_query(&req, &a, "&&&", &p), 0);
    CU_ASSERT_EQUAL(req.nquery, 0);
    /* a name may be empty */
    CU_ASSERT_EQUAL_FATAL(parse_query(&req, &a, "=v", &p), 0);
    CU_ASSERT_EQUAL(req.nquery, 1);
    CU_ASSERT(str_eq(http_query(&req, ""), "v"));
    /* UTF-8 escapes decode to bytes */
    CU_ASSERT_EQUAL_FATAL(parse_query(&req, &a, "q=%C3%A9", &p), 0);
    CU_ASSERT(str_eq(http_query(&req, "q"), "\xc3\xa9"));
    arena_free(&a);
}

static void test_query_repeated_names(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL_FATAL(parse_query(&req, &a, "a=1&b=x&a=2", &p), 0);
    CU_ASSERT_EQUAL(req.nquery, 3);
    CU_ASSERT(str_eq(http_query(&req, "a"), "1"));
    CU_ASSERT(str_eq(req.query[2].value, "2"));
    arena_free(&a);
}

static void test_query_bad_escapes(void)
{
    static const char *const bad[] = {
        "a=%", "a=%4", "a=%zz", "a=%4g", "a=%g4", "a=%00", "a=x%", "a=%%", "%zz=1", "%=1", "a%00=1",
        "ok=1&a=%2", "a=1&b=%0",
    };
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_query(&req, &a, bad[i], &p);
        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT_EQUAL(p.status, 400);
        CU_ASSERT(type_is(&p, "bad-query"));
        if (rc != -1)
            fprintf(stderr, "\n    accepted: %s\n", bad[i]);
    }
    /* an escape at the very end that is complete is fine */
    CU_ASSERT_EQUAL(parse_query(&req, &a, "a=%41", &p), 0);
    CU_ASSERT(str_eq(http_query(&req, "a"), "A"));
    arena_free(&a);
}

/* A query string of n parameters "p0=0&p1=1&...", with extra "&" between them if sep. */
static const char *many_params(struct arena *a, int n, const char *sep)
{
    char *s = arena_strdup(a, "");
    for (int i = 0; i < n; i++)
        s = arena_printf(a, "%s%sp%d=%d", s, i ? sep : "", i, i);
    return s;
}

static void test_query_too_many_params(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(parse_query(&req, &a, many_params(&a, HTTP_MAX_QUERY_PARAMS, "&"), &p), 0);
    CU_ASSERT_EQUAL(req.nquery, HTTP_MAX_QUERY_PARAMS);
    CU_ASSERT(str_eq(http_query(&req, "p63"), "63"));
    /* empty segments do not count */
    CU_ASSERT_EQUAL(parse_query(&req, &a, many_params(&a, HTTP_MAX_QUERY_PARAMS, "&&&"), &p), 0);
    CU_ASSERT_EQUAL(req.nquery, HTTP_MAX_QUERY_PARAMS);
    /* one more is refused */
    CU_ASSERT_EQUAL(parse_query(&req, &a, many_params(&a, HTTP_MAX_QUERY_PARAMS + 1, "&"), &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT(type_is(&p, "bad-query"));
    CU_ASSERT_EQUAL(parse_query(&req, &a, many_params(&a, 200, "&"), &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    arena_free(&a);
}

static char *repeat(struct arena *a, const char *prefix, char c, size_t n, const char *suffix)
{
    size_t pl = strlen(prefix), sl = strlen(suffix);
    char *s = arena_alloc(a, pl + n + sl + 1);
    memcpy(s, prefix, pl);
    memset(s + pl, c, n);
    memcpy(s + pl + n, suffix, sl + 1);
    return s;
}

static void test_query_too_long(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    /* "q=" plus x's: exactly the limit, then one more */
    CU_ASSERT_EQUAL(parse_query(&req, &a, repeat(&a, "q=", 'x', HTTP_MAX_QUERY - 2, ""), &p), 0);
    CU_ASSERT_EQUAL(strlen(http_query(&req, "q")), HTTP_MAX_QUERY - 2);
    CU_ASSERT_EQUAL(parse_query(&req, &a, repeat(&a, "q=", 'x', HTTP_MAX_QUERY - 1, ""), &p), -1);
    CU_ASSERT_EQUAL(p.status, 414);
    CU_ASSERT(type_is(&p, "uri-too-long"));
    arena_free(&a);
}

static void test_path_too_long(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    char *ok = repeat(&a, "REQUEST_URI=/", 'p', HTTP_MAX_PATH - 1, "?a=1");
    char *env_ok[] = { ok, NULL };
    CU_ASSERT_EQUAL(parse(&req, &a, env_ok, &p), 0);
    CU_ASSERT_EQUAL(strlen(req.path), HTTP_MAX_PATH);

    char *bad = repeat(&a, "REQUEST_URI=/", 'p', HTTP_MAX_PATH, "");
    char *env_bad[] = { bad, NULL };
    CU_ASSERT_EQUAL(parse(&req, &a, env_bad, &p), -1);
    CU_ASSERT_EQUAL(p.status, 414);
    CU_ASSERT(type_is(&p, "uri-too-long"));

    /* the same limit holds for SCRIPT_NAME + PATH_INFO */
    char *pi_ok = repeat(&a, "PATH_INFO=/", 'p', HTTP_MAX_PATH - 8, "");
    char *env_pi_ok[] = { "SCRIPT_NAME=/x.fcgi", pi_ok, NULL };
    CU_ASSERT_EQUAL(parse(&req, &a, env_pi_ok, &p), 0);
    CU_ASSERT_EQUAL(strlen(req.path), HTTP_MAX_PATH);
    char *pi = repeat(&a, "PATH_INFO=/", 'p', HTTP_MAX_PATH - 7, "");
    char *env_pi[] = { "SCRIPT_NAME=/x.fcgi", pi, NULL };
    CU_ASSERT_EQUAL(parse(&req, &a, env_pi, &p), -1);
    CU_ASSERT_EQUAL(p.status, 414);
    arena_free(&a);
}

static void test_path_fallback(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    char *env[] = { "SCRIPT_NAME=/api/v1/system", "PATH_INFO=/health", "QUERY_STRING=v=2", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env, &p), 0);
    CU_ASSERT(str_eq(req.path, "/api/v1/system/health"));
    CU_ASSERT(str_eq(http_query(&req, "v"), "2"));
    /* an empty REQUEST_URI does not count */
    char *env2[] = { "REQUEST_URI=", "SCRIPT_NAME=/s", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env2, &p), 0);
    CU_ASSERT(str_eq(req.path, "/s"));
    char *env3[] = { "PATH_INFO=/only-info", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env3, &p), 0);
    CU_ASSERT(str_eq(req.path, "/only-info"));
    arena_free(&a);
}

static int parse_cookies(struct http_request *req, struct arena *a, const char *cookie)
{
    struct problem p;
    char *env[] = { "REQUEST_URI=/", arena_printf(a, "HTTP_COOKIE=%s", cookie), NULL };
    return parse(req, a, env, &p);
}

static void test_cookies(void)
{
    struct arena a;
    struct http_request req;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL_FATAL(parse_cookies(&req, &a, "a=1; b=2"), 0);
    CU_ASSERT_EQUAL(req.ncookies, 2);
    CU_ASSERT(str_eq(http_cookie(&req, "a"), "1"));
    CU_ASSERT(str_eq(http_cookie(&req, "b"), "2"));
    CU_ASSERT_PTR_NULL(http_cookie(&req, "A"));
    CU_ASSERT_PTR_NULL(http_cookie(&req, "c"));

    /* spaces and tabs around names and values; no space after ';' */
    CU_ASSERT_EQUAL_FATAL(parse_cookies(&req, &a, "  a = 1 ;\tb=2  ;c=3;"), 0);
    CU_ASSERT_EQUAL(req.ncookies, 3);
    CU_ASSERT(str_eq(http_cookie(&req, "a"), "1"));
    CU_ASSERT(str_eq(http_cookie(&req, "b"), "2"));
    CU_ASSERT(str_eq(http_cookie(&req, "c"), "3"));

    /* quoted value; '=' inside a value; empty value */
    CU_ASSERT_EQUAL_FATAL(parse_cookies(&req, &a, "s=\"quoted val\"; t=a=b; e="), 0);
    CU_ASSERT(str_eq(http_cookie(&req, "s"), "quoted val"));
    CU_ASSERT(str_eq(http_cookie(&req, "t"), "a=b"));
    CU_ASSERT(str_eq(http_cookie(&req, "e"), ""));

    /* missing '=' and empty names are skipped, the rest still parsed */
    CU_ASSERT_EQUAL_FATAL(parse_cookies(&req, &a, "flag; =x; d=4; ; ;"), 0);
    CU_ASSERT_EQUAL(req.ncookies, 1);
    CU_ASSERT(str_eq(http_cookie(&req, "d"), "4"));
    CU_ASSERT_PTR_NULL(http_cookie(&req, "flag"));
    CU_ASSERT_PTR_NULL(http_cookie(&req, ""));

    /* an empty header gives no cookies */
    CU_ASSERT_EQUAL_FATAL(parse_cookies(&req, &a, ""), 0);
    CU_ASSERT_EQUAL(req.ncookies, 0);
    arena_free(&a);
}

static void test_cookies_cap(void)
{
    struct arena a;
    struct http_request req;
    arena_init(&a, 0);
    char *c = arena_strdup(&a, "");
    for (int i = 0; i < HTTP_MAX_COOKIES + 8; i++)
        c = arena_printf(&a, "%s%sc%d=%d", c, i ? "; " : "", i, i);
    CU_ASSERT_EQUAL_FATAL(parse_cookies(&req, &a, c), 0);
    CU_ASSERT_EQUAL(req.ncookies, HTTP_MAX_COOKIES);
    CU_ASSERT(str_eq(http_cookie(&req, "c0"), "0"));
    CU_ASSERT(str_eq(http_cookie(&req, "c31"), "31"));
    CU_ASSERT_PTR_NULL(http_cookie(&req, "c32"));
    arena_free(&a);
}

static void test_headers(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    char *env[] = { "REQUEST_URI=/", "HTTP_AUTHORIZATION=Bearer abc", "HTTP_IF_MATCH=\"v1\"",
                    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=5", "HTTP_X_FORWARDED_FOR=192.0.2.9",
                    "HTTP_CONTENT_TYPE=wrong", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env, &p), 0);
    CU_ASSERT(str_eq(http_header(&req, "Authorization"), "Bearer abc"));
    CU_ASSERT(str_eq(http_header(&req, "authorization"), "Bearer abc"));
    CU_ASSERT(str_eq(http_header(&req, "If-Match"), "\"v1\""));
    CU_ASSERT(str_eq(http_header(&req, "if-match"), "\"v1\""));
    CU_ASSERT(str_eq(http_header(&req, "Content-Type"), "application/json"));
    CU_ASSERT(str_eq(http_header(&req, "content-type"), "application/json"));
    CU_ASSERT(str_eq(http_header(&req, "Content-Length"), "5"));
    CU_ASSERT(str_eq(http_header(&req, "X-Forwarded-For"), "192.0.2.9"));
    CU_ASSERT_PTR_NULL(http_header(&req, "If-None-Match"));
    CU_ASSERT_PTR_NULL(http_header(&req, "Cookie"));
    arena_free(&a);
}

static void test_header_authorization_redirect(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    /* Without CGIPassAuth the .htaccess passes it as REDIRECT_HTTP_AUTHORIZATION. */
    char *env[] = { "REQUEST_URI=/", "REDIRECT_HTTP_AUTHORIZATION=Bearer r", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env, &p), 0);
    CU_ASSERT(str_eq(http_header(&req, "Authorization"), "Bearer r"));
    /* the real header wins */
    char *env2[] = { "REDIRECT_HTTP_AUTHORIZATION=Bearer r", "HTTP_AUTHORIZATION=Bearer h", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env2, &p), 0);
    CU_ASSERT(str_eq(http_header(&req, "Authorization"), "Bearer h"));
    char *env3[] = { "REQUEST_URI=/", NULL };
    CU_ASSERT_EQUAL_FATAL(parse(&req, &a, env3, &p), 0);
    CU_ASSERT_PTR_NULL(http_header(&req, "Authorization"));
    arena_free(&a);
}

static void test_content_type_is_json(void)
{
    static const char *const yes[] = {
        "application/json", "APPLICATION/JSON; charset=utf-8", "application/json;charset=utf-8",
        "application/json ; charset=UTF-8", "application/merge-patch+json", "application/problem+json",
        "Application/Vnd.Api+JSON", " application/json", "application/json\t; q=1",
    };
    static const char *const no[] = {
        "text/plain", "application/jsonp", "application/json+", "application/json-seq", "",
        "application/+json", "text/json", "application/xml", "application/x-json", "json",
        "text/plain+json", "application/jsonx; charset=utf-8", "multipart/form-data",
        "application/x-www-form-urlencoded", "application/", "application/merge-patch+jsonp",
    };
    CU_ASSERT_FALSE(http_content_type_is_json(NULL));
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        bool r = http_content_type_is_json(yes[i]);
        CU_ASSERT_TRUE(r);
        if (!r)
            fprintf(stderr, "\n    refused: %s\n", yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        bool r = http_content_type_is_json(no[i]);
        CU_ASSERT_FALSE(r);
        if (r)
            fprintf(stderr, "\n    accepted: %s\n", no[i]);
    }
}

/* --- body ------------------------------------------------------------------------------------ */

/* Parse a request with CONTENT_LENGTH cl (NULL: none) and body data, then read the body. */
static int body_read(struct arena *a, struct http_request *req, const char *cl, struct membuf *m,
                     size_t cap, bool required, struct problem *p)
{
    char *env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/b", cl ? arena_printf(a, "CONTENT_LENGTH=%s", cl) : NULL,
                    NULL };
    problem_init(p);
    if (http_request_parse(req, a, env, m ? mem_read : NULL, m, p) < 0)
        return -2;
    return http_body_read(req, cap, required, p);
}

static void test_body_missing_length(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    struct membuf m = { "{}", 2, 0, 0, false };
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(body_read(&a, &req, NULL, &m, 100, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 411);
    CU_ASSERT(type_is(&p, "length-required"));
    CU_ASSERT_EQUAL(body_read(&a, &req, "", &m, 100, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 411);
    /* not required: an empty body */
    CU_ASSERT_EQUAL(body_read(&a, &req, NULL, &m, 100, false, &p), 0);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT(str_eq(req.body, ""));
    CU_ASSERT_EQUAL(req.body_len, 0);
    arena_free(&a);
}

static void test_body_bad_length(void)
{
    static const char *const bad[] = {
        "abc", "-1", "+5", " 5", "5 ", "99999999999999999999999", "0x10", "1e3", "5.0", "5,0",
        "9223372036854775808",
    };
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct membuf m = { "hello", 5, 0, 0, false };
        int rc = body_read(&a, &req, bad[i], &m, 100, true, &p);
        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT_EQUAL(p.status, 400);
        CU_ASSERT(type_is(&p, "bad-content-length"));
        if (p.status != 400)
            fprintf(stderr, "\n    Content-Length \"%s\" gave %d\n", bad[i], p.status);
    }
    arena_free(&a);
}

static void test_body_too_large(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    struct membuf m = { "0123456789A", 11, 0, 0, false };
    CU_ASSERT_EQUAL(body_read(&a, &req, "11", &m, 10, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 413);
    CU_ASSERT(type_is(&p, "body-too-large"));
    /* refused by its announced length: nothing was read */
    CU_ASSERT_EQUAL(m.pos, 0);
    /* a huge announced length is a 413 too, not an allocation */
    m.pos = 0;
    CU_ASSERT_EQUAL(body_read(&a, &req, "9223372036854775000", &m, 10, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 413);
    arena_free(&a);
}

static void test_body_short(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    struct membuf m = { "hello", 5, 0, 0, false };
    CU_ASSERT_EQUAL(body_read(&a, &req, "10", &m, 100, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT(type_is(&p, "incomplete-body"));
    CU_ASSERT_PTR_NULL(req.body);
    /* a read error is a short body */
    struct membuf f = { "hel", 3, 0, 1, true };
    CU_ASSERT_EQUAL(body_read(&a, &req, "5", &f, 100, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT(type_is(&p, "incomplete-body"));
    /* no reader at all */
    CU_ASSERT_EQUAL(body_read(&a, &req, "5", NULL, 100, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    arena_free(&a);
}

static void test_body_exact_cap(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    struct membuf m = { "0123456789trailing", 18, 0, 0, false };
    CU_ASSERT_EQUAL_FATAL(body_read(&a, &req, "10", &m, 10, true, &p), 0);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT_EQUAL(req.body_len, 10);
    CU_ASSERT_EQUAL(req.content_length, 10);
    CU_ASSERT_EQUAL(memcmp(req.body, "0123456789", 10), 0);
    CU_ASSERT_EQUAL(req.body[10], '\0');
    /* no more than Content-Length bytes are read */
    CU_ASSERT_EQUAL(m.pos, 10);
    arena_free(&a);
}

static void test_body_one_byte_pieces(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    const char text[] = "{\"name\": \"a long enough body\"}";
    struct membuf m = { text, sizeof(text) - 1, 0, 1, false };
    char cl[16];
    snprintf(cl, sizeof(cl), "%zu", sizeof(text) - 1);
    CU_ASSERT_EQUAL_FATAL(body_read(&a, &req, cl, &m, 1000, true, &p), 0);
    CU_ASSERT(str_eq(req.body, text));
    CU_ASSERT_EQUAL(req.body_len, sizeof(text) - 1);
    arena_free(&a);
}

static void test_body_binary_and_empty(void)
{
    struct arena a;
    struct http_request req;
    struct problem p;
    arena_init(&a, 0);
    /* bytes after a NUL are kept; body_len tells the real length */
    struct membuf m = { "ab\0cd", 5, 0, 2, false };
    CU_ASSERT_EQUAL_FATAL(body_read(&a, &req, "5", &m, 100, false, &p), 0);
    CU_ASSERT_EQUAL(req.body_len, 5);
    CU_ASSERT_EQUAL(memcmp(req.body, "ab\0cd", 6), 0);
    /* Content-Length 0: an error only when a body is required */
    struct membuf e = { "", 0, 0, 0, false };
    CU_ASSERT_EQUAL(body_read(&a, &req, "0", &e, 100, false, &p), 0);
    CU_ASSERT_EQUAL(req.body_len, 0);
    CU_ASSERT(str_eq(req.body, ""));
    CU_ASSERT_EQUAL(body_read(&a, &req, "0", &e, 100, true, &p), -1);
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT(type_is(&p, "empty-body"));
    arena_free(&a);
}

/* --- percent decoding ------------------------------------------------------------------------ */

static void test_percent_decode(void)
{
    struct arena a;
    arena_init(&a, 0);
    CU_ASSERT(str_eq(http_percent_decode(&a, "a%2Fb%2fc", 9, false), "a/b/c"));
    CU_ASSERT(str_eq(http_percent_decode(&a, "a+b", 3, false), "a+b"));
    CU_ASSERT(str_eq(http_percent_decode(&a, "a+b", 3, true), "a b"));
    CU_ASSERT(str_eq(http_percent_decode(&a, "", 0, true), ""));
    /* only n bytes are looked at */
    CU_ASSERT(str_eq(http_percent_decode(&a, "abc%zz", 3, false), "abc"));
    CU_ASSERT_PTR_NULL(http_percent_decode(&a, "%41%4", 5, false));
    CU_ASSERT_PTR_NULL(http_percent_decode(&a, "%2F", 2, false));
    CU_ASSERT_PTR_NULL(http_percent_decode(&a, "%00", 3, false));
    CU_ASSERT_PTR_NULL(http_percent_decode(&a, "a\0b", 3, false));
    CU_ASSERT(str_eq(http_percent_decode(&a, "%ff", 3, false), "\xff"));
    arena_free(&a);
}

/* --- response -------------------------------------------------------------------------------- */

static void test_response_write(void)
{
    struct arena a;
    struct http_response res;
    struct outbuf out = { .fail_after = -1 };
    arena_init(&a, 0);
    http_response_init(&res);
    CU_ASSERT_EQUAL(res.status, 200);
    CU_ASSERT_EQUAL(res.nheaders, 0);
    res.content_type = "application/json";
    res.body = "{\"a\":1}";
    res.body_len = 7;
    CU_ASSERT_EQUAL(http_response_header(&res, "X-Request-Id", "abc"), 0);
    CU_ASSERT_EQUAL(http_response_header(&res, "Cache-Control", "no-store"), 0);
    CU_ASSERT_EQUAL(http_response_write(&res, &a, false, out_write, &out), 0);
    CU_ASSERT(str_eq(out.data, "Status: 200 OK\r\n"
                               "Content-Type: application/json\r\n"
                               "X-Request-Id: abc\r\n"
                               "Cache-Control: no-store\r\n"
                               "Content-Length: 7\r\n"
                               "\r\n"
                               "{\"a\":1}"));

    /* HEAD: the same head, Content-Length included, and no body */
    out.len = 0;
    out.data[0] = '\0';
    CU_ASSERT_EQUAL(http_response_write(&res, &a, true, out_write, &out), 0);
    CU_ASSERT(str_eq(out.data, "Status: 200 OK\r\n"
                               "Content-Type: application/json\r\n"
                               "X-Request-Id: abc\r\n"
                               "Cache-Control: no-store\r\n"
                               "Content-Length: 7\r\n"
                               "\r\n"));
    arena_free(&a);
}

static void test_response_write_minimal(void)
{
    struct arena a;
    struct http_response res;
    struct outbuf out = { .fail_after = -1 };
    arena_init(&a, 0);
    http_response_init(&res);
    res.status = 204;
    CU_ASSERT_EQUAL(http_response_write(&res, &a, false, out_write, &out), 0);
    CU_ASSERT(str_eq(out.data, "Status: 204 No Content\r\nContent-Length: 0\r\n\r\n"));

    out.len = 0;
    res.status = 414;
    CU_ASSERT_EQUAL(http_response_write(&res, &a, false, out_write, &out), 0);
    CU_ASSERT_EQUAL(strncmp(out.data, "Status: 414 URI Too Long\r\n", 26), 0);
    arena_free(&a);
}

static void test_response_header_injection(void)
{
    struct arena a;
    struct http_response res;
    struct outbuf out = { .fail_after = -1 };
    arena_init(&a, 0);
    http_response_init(&res);
    res.status = 404;
    http_response_header(&res, "X-Good", "1");
    http_response_header(&res, "X-Evil", "x\r\nSet-Cookie: session=stolen");
    http_response_header(&res, "X-Evil-Lf", "x\nLocation: /");
    http_response_header(&res, "X-Evil-Cr", "x\r");
    http_response_header(&res, "X-Null", NULL);
    http_response_header(&res, "X-Also-Good", "2");
    CU_ASSERT_EQUAL(http_response_write(&res, &a, false, out_write, &out), 0);
    CU_ASSERT(str_eq(out.data, "Status: 404 Not Found\r\n"
                               "X-Good: 1\r\n"
                               "X-Also-Good: 2\r\n"
                               "Content-Length: 0\r\n"
                               "\r\n"));
    CU_ASSERT_PTR_NULL(strstr(out.data, "Set-Cookie"));
    CU_ASSERT_PTR_NULL(strstr(out.data, "Location"));
    arena_free(&a);
}

static void test_response_write_failure(void)
{
    struct arena a;
    struct http_response res;
    arena_init(&a, 0);
    http_response_init(&res);
    res.body = "body";
    res.body_len = 4;
    struct outbuf head_fails = { .fail_after = 0 };
    CU_ASSERT_EQUAL(http_response_write(&res, &a, false, out_write, &head_fails), -1);
    struct outbuf body_fails = { .fail_after = 1 };
    CU_ASSERT_EQUAL(http_response_write(&res, &a, false, out_write, &body_fails), -1);
    /* HEAD writes no body, so a failing second write does not matter */
    struct outbuf head_only = { .fail_after = 1 };
    CU_ASSERT_EQUAL(http_response_write(&res, &a, true, out_write, &head_only), 0);
    arena_free(&a);
}

static void test_response_header_replace_and_cap(void)
{
    struct http_response res;
    http_response_init(&res);
    CU_ASSERT_EQUAL(http_response_header(&res, "X-A", "1"), 0);
    CU_ASSERT_EQUAL(http_response_header(&res, "x-a", "2"), 0);
    CU_ASSERT_EQUAL(res.nheaders, 1);
    CU_ASSERT(str_eq(res.headers[0].value, "2"));
    CU_ASSERT(str_eq(res.headers[0].name, "X-A"));

    static char names[HTTP_MAX_HEADERS + 1][16];
    for (int i = 1; i < HTTP_MAX_HEADERS; i++) {
        snprintf(names[i], sizeof(names[i]), "X-H%d", i);
        CU_ASSERT_EQUAL(http_response_header(&res, names[i], "v"), 0);
    }
    CU_ASSERT_EQUAL(res.nheaders, HTTP_MAX_HEADERS);
    /* full: a new name is refused, a known one is still replaced */
    CU_ASSERT_EQUAL(http_response_header(&res, "X-One-Too-Many", "v"), -1);
    CU_ASSERT_EQUAL(res.nheaders, HTTP_MAX_HEADERS);
    CU_ASSERT_EQUAL(http_response_header(&res, "X-H5", "new"), 0);
    CU_ASSERT(str_eq(res.headers[5].value, "new"));
    CU_ASSERT_EQUAL(res.nheaders, HTTP_MAX_HEADERS);
}

static void test_response_set_cookie_each(void)
{
    /* RFC 6265 4.1: one Set-Cookie field per cookie, never replaced by the next */
    struct http_response res;
    http_response_init(&res);
    CU_ASSERT_EQUAL(http_response_header(&res, "Set-Cookie", "a=1; Path=/"), 0);
    CU_ASSERT_EQUAL(http_response_header(&res, "set-cookie", "b=2; Path=/api/v1/auth"), 0);
    CU_ASSERT_EQUAL(http_response_header(&res, "X-A", "1"), 0);
    CU_ASSERT_EQUAL(http_response_header(&res, "X-A", "2"), 0);
    CU_ASSERT_EQUAL(res.nheaders, 3);
    CU_ASSERT(str_eq(res.headers[0].value, "a=1; Path=/"));
    CU_ASSERT(str_eq(res.headers[1].value, "b=2; Path=/api/v1/auth"));
    CU_ASSERT(str_eq(res.headers[2].value, "2"));
}

static void test_response_json(void)
{
    struct arena a;
    struct http_response res;
    arena_init(&a, 0);
    http_response_init(&res);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string("/a/b"));
    CU_ASSERT_EQUAL(http_response_json(&res, &a, 201, o), 0);
    CU_ASSERT_EQUAL(res.status, 201);
    CU_ASSERT(str_eq(res.content_type, "application/json"));
    /* compact, slashes not escaped */
    CU_ASSERT(str_eq(res.body, "{\"path\":\"/a/b\"}"));
    CU_ASSERT_EQUAL(res.body_len, strlen("{\"path\":\"/a/b\"}"));
    /* a content type set before is kept */
    http_response_init(&res);
    res.content_type = "application/problem+json";
    CU_ASSERT_EQUAL(http_response_json(&res, &a, 404, json_object_new_array()), 0);
    CU_ASSERT(str_eq(res.content_type, "application/problem+json"));
    CU_ASSERT(str_eq(res.body, "[]"));
    arena_free(&a);
}

void suite_http(void)
{
    CU_pSuite s = CU_add_suite("http", NULL, NULL);
    CU_add_test(s, "http_env", test_http_env);
    CU_add_test(s, "parse: method, path without query, remote address", test_parse_basic);
    CU_add_test(s, "parse: defaults when parameters are missing", test_parse_defaults);
    CU_add_test(s, "query decoding", test_query_decoding);
    CU_add_test(s, "query: repeated names give the first", test_query_repeated_names);
    CU_add_test(s, "query: bad escapes are 400", test_query_bad_escapes);
    CU_add_test(s, "query: too many parameters is 400", test_query_too_many_params);
    CU_add_test(s, "query: too long is 414", test_query_too_long);
    CU_add_test(s, "path: too long is 414", test_path_too_long);
    CU_add_test(s, "path: SCRIPT_NAME + PATH_INFO without REQUEST_URI", test_path_fallback);
    CU_add_test(s, "cookies", test_cookies);
    CU_add_test(s, "cookies: capped at HTTP_MAX_COOKIES", test_cookies_cap);
    CU_add_test(s, "http_header", test_headers);
    CU_add_test(s, "http_header: Authorization from REDIRECT_", test_header_authorization_redirect);
    CU_add_test(s, "http_content_type_is_json", test_content_type_is_json);
    CU_add_test(s, "body: missing Content-Length", test_body_missing_length);
    CU_add_test(s, "body: malformed Content-Length is 400", test_body_bad_length);
    CU_add_test(s, "body: over the cap is 413", test_body_too_large);
    CU_add_test(s, "body: shorter than announced is 400", test_body_short);
    CU_add_test(s, "body: exactly the cap, NUL-terminated", test_body_exact_cap);
    CU_add_test(s, "body: read in 1-byte pieces", test_body_one_byte_pieces);
    CU_add_test(s, "body: binary and empty", test_body_binary_and_empty);
    CU_add_test(s, "http_percent_decode", test_percent_decode);
    CU_add_test(s, "response: format, HEAD", test_response_write);
    CU_add_test(s, "response: no body, no content type", test_response_write_minimal);
    CU_add_test(s, "response: CR/LF in a header value drops it", test_response_header_injection);
    CU_add_test(s, "response: write failure", test_response_write_failure);
    CU_add_test(s, "response: header replace and cap", test_response_header_replace_and_cap);
    CU_add_test(s, "response: one Set-Cookie per cookie", test_response_set_cookie_each);
    CU_add_test(s, "response: json body", test_response_json);
}
