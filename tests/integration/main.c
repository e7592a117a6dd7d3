/*
 * Integration suite: real HTTP (libcurl) against the stack dev.sh started — a real web
 * server, real FastCGI handlers, a real MariaDB. Nothing is mocked.
 *
 * Environment (dev.sh test sets it):
 *   PORTICO_TEST_URL       base URL, e.g. http://127.0.0.1:18080
 *   PORTICO_TEST_SERVER    apache | apache-fcgid | apache-htaccess | lighttpd
 *   PORTICO_TEST_DB_STOP   command that stops this stack's MariaDB
 *   PORTICO_TEST_DB_START  command that starts it again
 *   PORTICO_TEST_CGI       the system handler binary, to run once as plain CGI
 *   PORTICO_TEST_ADMIN     portico-admin; PORTICO_TEST_SQL the migrations
 *   PORTICO_CONFIG         the stack's configuration (read for the database socket)
 *   PORTICO_TEST_LOG       the request log file
 *   PORTICO_TEST_SUMMARY   file to append "passed failed" to
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tests/integration/client.h"

#define BODY_MAX 1048576L  /* body_max_bytes of the test stack (the default) */






/* One request. body may be NULL; body_len < 0 means strlen. extra: more header lines. */








/* ---------------------------------------------------------------------------------------- */

static void test_health(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/health", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/json"));
    CU_ASSERT_TRUE(header_is(&r, "Cache-Control", "no-store"));
    char buf[128];
    const char *id = header(&r, "X-Request-Id", buf, sizeof(buf));
    CU_ASSERT_PTR_NOT_NULL(id);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "ok");
    json_object_put(o);
    resp_free(&r);
}

static void test_ready(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/ready", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    json_object *o = json_tokener_parse(r.body), *schema;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "ready");
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "schema", &schema));
    CU_ASSERT_TRUE(jint(schema, "current") >= 1);
    CU_ASSERT_EQUAL(jint(schema, "current"), jint(schema, "expected"));
    json_object_put(o);
    resp_free(&r);
}

/* The README at the checkout's top (beside sql/, PORTICO_TEST_SQL), malloc'd; NULL if unreadable. */
static char *readme_text(void)
{
    const char *sql = getenv("PORTICO_TEST_SQL");
    char path[1024];
    snprintf(path, sizeof(path), "%s/../README.md", sql ? sql : "sql");
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The README's figures are the code's: the /ready answer it quotes is the stack's, and the areas
 * it lists are the handlers built (one <area>.fcgi each, beside PORTICO_TEST_CGI). */
static void test_readme_matches(void)
{
    char *readme = readme_text();
    CU_ASSERT_PTR_NOT_NULL_FATAL(readme);
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/ready", NULL, NULL, 0, NULL, &r), 0);
    char quoted[256];
    snprintf(quoted, sizeof(quoted), "`%.*s`", (int)r.len, r.body);
    CU_ASSERT_PTR_NOT_NULL(strstr(readme, quoted));
    if (!strstr(readme, quoted))
        fprintf(stderr, "\n    README does not quote /ready's answer %s\n", quoted);
    resp_free(&r);

    /* "Areas: `system`, `auth`, ..." lists exactly the handlers there are */
    const char *line = strstr(readme, "\nAreas: ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    const char *end = strchr(line + 1, '\n');
    char listed[1024] = "", built[1024] = "", cmd[1024];
    for (const char *q = line + 8; q < end && (q = strchr(q, '`')) && q < end;) {
        const char *close = strchr(q + 1, '`');
        if (!close || close > end)
            break;
        strncat(listed, q + 1, (size_t)(close - q - 1));
        strcat(listed, " ");
        q = close + 1;
    }
    const char *cgi = getenv("PORTICO_TEST_CGI");
    snprintf(cmd, sizeof(cmd), "for f in \"$(dirname '%s')\"/*.fcgi; do basename \"$f\" .fcgi; done | sort | tr '\\n' ' '",
             cgi ? cgi : "cgi-bin/x");
    CU_ASSERT_EQUAL(run(cmd, built, sizeof(built)), 0);
    char sorted[1024];
    snprintf(cmd, sizeof(cmd), "printf '%%s\\n' %s | sort | tr '\\n' ' '", listed);
    CU_ASSERT_EQUAL(run(cmd, sorted, sizeof(sorted)), 0);
    CU_ASSERT_STRING_EQUAL(sorted, built);
    if (strcmp(sorted, built) != 0)
        fprintf(stderr, "\n    README's areas \"%s\", the handlers \"%s\"\n", sorted, built);
    free(readme);
}

static void test_version(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/version", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(jstr(o, "name"), "portico");
    CU_ASSERT_PTR_NOT_NULL(jstr(o, "version"));
    CU_ASSERT_STRING_EQUAL(jstr(o, "api"), "v1");
    CU_ASSERT_TRUE(jint(o, "schema") >= 1);
    json_object_put(o);
    resp_free(&r);
}

static void test_head(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("HEAD", "/api/v1/system/health", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_EQUAL(r.len, 0);
    resp_free(&r);
}

static void test_not_found_in_area(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/no-such-thing", NULL, NULL, 0, NULL, &r), 0);
    json_object *o = assert_problem(&r, 404, "not-found");
    assert_request_id(&r, o);
    json_object_put(o);
    resp_free(&r);
}

static void test_not_found_area(void)
{
    struct resp r;
    const char *paths[] = { "/api/v1/nosuch/thing", "/api/v1/", "/api/", "/api/v2/system/health", NULL };
    for (const char **p = paths; *p; p++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", *p, NULL, NULL, 0, NULL, &r), 0);
        json_object_put(assert_problem(&r, 404, "not-found"));
        resp_free(&r);
    }
}

static void test_method_not_allowed(void)
{
    struct resp r;
    char buf[128];
    CU_ASSERT_EQUAL_FATAL(request("DELETE", "/api/v1/system/health", NULL, NULL, 0, NULL, &r), 0);
    json_object *o = assert_problem(&r, 405, "method-not-allowed");
    assert_request_id(&r, o);
    const char *allow = header(&r, "Allow", buf, sizeof(buf));
    CU_ASSERT_PTR_NOT_NULL(allow);
    if (allow)
        CU_ASSERT_PTR_NOT_NULL(strstr(allow, "GET"));
    json_object_put(o);
    resp_free(&r);

    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/echo", NULL, NULL, 0, NULL, &r), 0);
    json_object_put(assert_problem(&r, 405, "method-not-allowed"));
    CU_ASSERT_TRUE(header_is(&r, "Allow", "POST"));
    resp_free(&r);
}

static void test_echo_ok(void)
{
    struct resp r;
    const char *body = "{\"message\":\"héllo \\u2603\",\"repeat\":3}";
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json; charset=utf-8", body, -1, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(jstr(o, "message"), "h\xc3\xa9llo \xe2\x98\x83");
    CU_ASSERT_EQUAL(jint(o, "repeat"), 3);
    CU_ASSERT_EQUAL(jint(o, "bytes"), (long long)strlen(body));
    json_object *auth;
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "authorization", &auth) && !json_object_get_boolean(auth));
    json_object_put(o);
    resp_free(&r);

    /* Authorization reaches the handler through every server configuration */
    const char *const bearer[] = { "Authorization: Bearer ptc_integration_probe", NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", body, -1, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "authorization", &auth) && json_object_get_boolean(auth));
    CU_ASSERT_PTR_NULL(strstr(r.body, "ptc_integration_probe"));
    json_object_put(o);
    resp_free(&r);
}

static void test_body_at_cap(void)
{
    /* A body of exactly body_max_bytes is read (and found invalid), not refused. */
    struct resp r;
    char *big = malloc(BODY_MAX);
    memset(big, ' ', BODY_MAX);
    memcpy(big, "{\"message\":\"x\"}", 15);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", big, BODY_MAX, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    free(big);
}

static void test_body_too_large(void)
{
    struct resp r;
    long sizes[] = { BODY_MAX + 1, 3 * BODY_MAX };
    for (size_t i = 0; i < 2; i++) {
        char *big = malloc((size_t)sizes[i]);
        memset(big, ' ', (size_t)sizes[i]);
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", big, sizes[i], NULL, &r), 0);
        json_object_put(assert_problem(&r, 413, "body-too-large"));
        resp_free(&r);
        free(big);
    }
}

static void test_malformed_json(void)
{
    struct resp r;
    const char *bad[] = { "{\"message\":", "{message:1}", "[1,2", "{\"message\":\"x\"} trailing", "\xff\xfe", NULL };
    for (const char **b = bad; *b; b++) {
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", *b, -1, NULL, &r), 0);
        json_object *o = assert_problem(&r, 400, "malformed-json");
        assert_request_id(&r, o);
        json_object_put(o);
        resp_free(&r);
    }
    /* deeper than json_max_depth (32) */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", deep, 200, NULL, &r), 0);
    json_object_put(assert_problem(&r, 400, "malformed-json"));
    resp_free(&r);
}

static void test_empty_body(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", "", 0, NULL, &r), 0);
    json_object_put(assert_problem(&r, 400, NULL));
    resp_free(&r);
}

static void test_wrong_content_type(void)
{
    struct resp r;
    const char *types[] = { "text/plain", "application/x-www-form-urlencoded", "application/jsonp", NULL };
    for (const char **t = types; *t; t++) {
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", *t, "{\"message\":\"x\"}", -1, NULL, &r), 0);
        json_object_put(assert_problem(&r, 415, "unsupported-media-type"));
        resp_free(&r);
    }
    /* and no content type at all */
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", NULL, "{\"message\":\"x\"}", -1,
                                  (const char *const[]){ "Content-Type:", NULL }, &r), 0);
    json_object_put(assert_problem(&r, 415, "unsupported-media-type"));
    resp_free(&r);
}

static void test_chunked_body(void)
{
    /* A chunked body has no Content-Length. Apache's proxy and mod_fcgid and lighttpd buffer
     * it and pass the length on, so such clients work. Plain CGI (the shared-hosting
     * variant) passes no length: there the handler must answer 411 problem+json. */
    struct resp r;
    const char *const chunked[] = { "Transfer-Encoding: chunked", NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", "{\"message\":\"x\"}", -1, chunked, &r), 0);
    if (strcmp(server, "apache-htaccess") == 0) {
        json_object *o = assert_problem(&r, 411, "length-required");
        assert_request_id(&r, o);
        json_object_put(o);
    } else {
        CU_ASSERT_EQUAL(r.status, 200);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"message\":\"x\""));
    }
    resp_free(&r);
}

static void test_validation(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json",
                                  "{\"repeat\":99,\"extra\":true}", -1, NULL, &r), 0);
    json_object *o = assert_problem(&r, 422, "validation"), *errs;
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "errors", &errs));
    CU_ASSERT_EQUAL(json_object_array_length(errs), 3); /* extra, message, repeat */
    bool saw_message = false;
    for (size_t i = 0; i < json_object_array_length(errs); i++)
        if (strcmp(jstr(json_object_array_get_idx(errs, i), "field"), "message") == 0)
            saw_message = true;
    CU_ASSERT_TRUE(saw_message);
    json_object_put(o);
    resp_free(&r);

    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/system/echo", "application/json", "[1]", -1, NULL, &r), 0);
    json_object_put(assert_problem(&r, 422, "validation"));
    resp_free(&r);
}

static void test_static_and_headers(void)
{
    struct resp r, spa;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "text/html"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "<title>Portico</title>"));
    CU_ASSERT_TRUE(header_is(&r, "X-Content-Type-Options", "nosniff"));
    CU_ASSERT_TRUE(header_is(&r, "X-Frame-Options", "DENY"));
    CU_ASSERT_TRUE(header_is(&r, "Content-Security-Policy", "default-src 'self'"));
    /* a portal path that is not a file is the single-page app */
    CU_ASSERT_EQUAL_FATAL(request("GET", "/catalog/default/component/payments", NULL, NULL, 0, NULL, &spa), 0);
    CU_ASSERT_EQUAL(spa.status, 200);
    CU_ASSERT_TRUE(spa.len == r.len && memcmp(spa.body, r.body, r.len) == 0);
    resp_free(&spa);
    /* the page's script (built by Vite under /assets/) is served as JavaScript */
    char script[256] = "";
    const char *src = strstr(r.body, "src=\"/assets/");
    if (src)
        sscanf(src + 5, "%255[^\"]", script);
    resp_free(&r);
    CU_ASSERT_FATAL(script[0] != '\0');
    CU_ASSERT_EQUAL_FATAL(request("GET", script, NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "text/javascript"));
    resp_free(&r);
    /* API answers carry the security headers too */
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/health", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_TRUE(header_is(&r, "X-Content-Type-Options", "nosniff"));
    resp_free(&r);
}

/* The API document: a static file the web server serves at /api/v1/openapi.json, without
 * credentials, cacheable, and revalidated with a 304 (ETag and Last-Modified are the server's). */
static void test_api_document(void)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/openapi.json", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/json"));
    char cc[128] = "", etag[128] = "", modified[128] = "";
    header(&r, "Cache-Control", cc, sizeof(cc));
    CU_ASSERT_PTR_NOT_NULL(strstr(cc, "public"));
    const char *age = strstr(cc, "max-age=");
    CU_ASSERT_TRUE(age && atoi(age + 8) > 0);
    CU_ASSERT_PTR_NULL(strstr(cc, "no-store"));
    CU_ASSERT_PTR_NOT_NULL(header(&r, "ETag", etag, sizeof(etag)));
    CU_ASSERT_PTR_NOT_NULL(header(&r, "Last-Modified", modified, sizeof(modified)));
    CU_ASSERT_TRUE(header_is(&r, "X-Content-Type-Options", "nosniff"));
    json_object *doc = json_tokener_parse(r.body), *paths, *ops, *op, *perm;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_TRUE(jstr(doc, "openapi") && strncmp(jstr(doc, "openapi"), "3.", 2) == 0);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(doc, "paths", &paths) && json_object_is_type(paths, json_type_object));
    CU_ASSERT_TRUE(json_object_object_length(paths) >= 40);
    /* every operation names its permission; the document is the one the route tables make */
    CU_ASSERT_TRUE(json_object_object_get_ex(paths, "/api/v1/catalog/locations", &ops) &&
                   json_object_object_get_ex(ops, "post", &op) && json_object_object_get_ex(op, "x-permission", &perm) &&
                   strcmp(json_object_get_string(perm), "catalog.location.write") == 0);
    json_object_put(doc);
    resp_free(&r);

    /* a conditional GET, by each validator, answers 304 with no body */
    char h1[200], h2[200];
    snprintf(h1, sizeof(h1), "If-None-Match: %s", etag);
    snprintf(h2, sizeof(h2), "If-Modified-Since: %s", modified);
    const char *const by_etag[] = { h1, NULL }, *const by_date[] = { h2, NULL };
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/openapi.json", NULL, NULL, 0, by_etag, &r), 0);
    CU_ASSERT_EQUAL(r.status, 304);
    CU_ASSERT_EQUAL(r.len, 0);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/openapi.json", NULL, NULL, 0, by_date, &r), 0);
    CU_ASSERT_EQUAL(r.status, 304);
    resp_free(&r);
    /* a stale validator gets the document again */
    const char *const stale[] = { "If-None-Match: \"stale\"", NULL };
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/openapi.json", NULL, NULL, 0, stale, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(r.len > 1000);
    resp_free(&r);
}

static void test_request_log(void)
{
    const char *logf = getenv("PORTICO_TEST_LOG");
    CU_ASSERT_PTR_NOT_NULL_FATAL(logf);
    struct resp r;
    char idbuf[128];
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/no-such-log-probe", NULL, NULL, 0, NULL, &r), 0);
    const char *id = header(&r, "X-Request-Id", idbuf, sizeof(idbuf));
    CU_ASSERT_PTR_NOT_NULL_FATAL(id);
    bool found = false;
    for (int tries = 0; tries < 20 && !found; tries++) {
        FILE *f = fopen(logf, "r");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        char line[8192];
        while (fgets(line, sizeof(line), f)) {
            if (!strstr(line, id))
                continue;
            json_object *o = json_tokener_parse(line);
            CU_ASSERT_PTR_NOT_NULL(o);
            if (o) {
                CU_ASSERT_STRING_EQUAL(jstr(o, "method"), "GET");
                CU_ASSERT_STRING_EQUAL(jstr(o, "path"), "/api/v1/system/no-such-log-probe");
                CU_ASSERT_EQUAL(jint(o, "status"), 404);
                CU_ASSERT_PTR_NOT_NULL(jstr(o, "time"));
                json_object *d;
                CU_ASSERT_TRUE(json_object_object_get_ex(o, "duration_ms", &d));
                json_object_put(o);
            }
            found = true;
        }
        fclose(f);
        if (!found)
            usleep(50000);
    }
    CU_ASSERT_TRUE(found);
    resp_free(&r);
}

/* The request log's line for a request id, into line (0), or -1 when none came within 1 s. */
static int log_line_for(const char *id, char *line, size_t len)
{
    const char *logf = getenv("PORTICO_TEST_LOG");
    for (int tries = 0; logf && tries < 20; tries++) {
        FILE *f = fopen(logf, "r");
        bool found = false;
        while (f && !found && fgets(line, (int)len, f))
            found = strstr(line, id) != NULL;
        if (f)
            fclose(f);
        if (found)
            return 0;
        usleep(50000);
    }
    return -1;
}

/* n header fields of 1,000 bytes each, every one far under the servers' per-field limits. */
static const char **many_headers(int n)
{
    const char **h = calloc((size_t)n + 1, sizeof(*h));
    for (int i = 0; h && i < n; i++) {
        char *line = malloc(1100);
        int o = snprintf(line, 1100, "X-Portico-Probe-%02d: ", i);
        memset(line + o, 'a' + i % 26, 1000);
        line[o + 1000] = '\0';
        h[i] = line;
    }
    return h;
}

static void many_headers_free(const char **h)
{
    for (size_t i = 0; h && h[i]; i++)
        free((char *)h[i]);
    free(h);
}

/* Many legal header fields, together past what the handler takes (48 KiB): 431 problem+json,
 * logged, and the stack serves the next request. They once made the handler close the FastCGI
 * connection past 64 KiB of parameters, and the web server answered 503. */
static void test_large_headers(void)
{
    bool lighttpd = strcmp(server, "lighttpd") == 0, fcgid = strcmp(server, "apache-fcgid") == 0;
    int counts[] = { 55, 90 };   /* 55 KB: past the handler's limit; 90 KB: past 64 KiB of parameters */
    for (size_t k = 0; k < 2; k++) {
        const char **h = many_headers(counts[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        struct resp r;
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/health", NULL, NULL, 0, h, &r), 0);
        many_headers_free(h);
        CU_ASSERT_NOT_EQUAL(r.status, 503);
        if (fcgid && counts[k] == 90) {
            /* mod_fcgid sends every parameter in one record of at most 64 KiB: past that it
             * refuses the request itself, with its 500 (README, "HTTP API conventions") */
            json_object_put(assert_problem(&r, 500, "internal"));
        } else if (lighttpd) {
            /* lighttpd refuses header fields past 8 KiB together itself, with our document */
            json_object_put(assert_problem(&r, 431, "headers-too-large"));
        } else {
            json_object *o = assert_problem(&r, 431, "headers-too-large");
            const char *title = jstr(o, "title");
            CU_ASSERT_TRUE(title && strcmp(title, "Request Header Fields Too Large") == 0);
            assert_request_id(&r, o);
            char line[8192];
            const char *id = jstr(o, "request_id");
            CU_ASSERT_FATAL(id != NULL);
            CU_ASSERT_EQUAL_FATAL(log_line_for(id, line, sizeof(line)), 0);
            json_object *l = json_tokener_parse(line);
            CU_ASSERT_PTR_NOT_NULL(l);
            CU_ASSERT_EQUAL(jint(l, "status"), 431);
            const char *path = l ? jstr(l, "path") : NULL;
            CU_ASSERT_TRUE(path && strcmp(path, "/api/v1/system/health") == 0);
            json_object_put(l);
            json_object_put(o);
        }
        resp_free(&r);
        /* and the next request is served */
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/health", NULL, NULL, 0, NULL, &r), 0);
        CU_ASSERT_EQUAL(r.status, 200);
        resp_free(&r);
    }
    /* under the limit, many fields are fine (lighttpd: under its 8 KiB) */
    const char **h = many_headers(lighttpd ? 6 : 40);
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/health", NULL, NULL, 0, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    many_headers_free(h);
}

/* The web servers' own answers: problem+json, never their HTML pages, and no version in Server;
 * HTTP/0.9 is refused. */
static void assert_server_header_plain(const struct resp *r)
{
    char sv[256];
    if (header(r, "Server", sv, sizeof(sv))) {
        CU_ASSERT_PTR_NULL(strpbrk(sv, "0123456789"));
        if (strpbrk(sv, "0123456789"))
            fprintf(stderr, "\n    Server: %s\n", sv);
    }
}

static void test_server_error_pages(void)
{
    static char long_uri[10300], long_field[10400];
    int o = snprintf(long_uri, sizeof(long_uri), "GET /api/v1/system/");
    memset(long_uri + o, 'u', 10240);
    snprintf(long_uri + o + 10240, sizeof(long_uri) - (size_t)o - 10240, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    o = snprintf(long_field, sizeof(long_field), "GET /api/v1/system/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ");
    memset(long_field + o, 'h', 10240);
    snprintf(long_field + o + 10240, sizeof(long_field) - (size_t)o - 10240, "\r\nConnection: close\r\n\r\n");
    struct {
        const char *what, *req;
    } cases[] = {
        { "a NUL in the path", "GET /%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" },
        { "a NUL in an API path", "GET /api/v1/system/%00 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" },
        { "a 10 KB URI", long_uri },
        { "a 10 KB header field", long_field },
        { "TRACE", "TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" },
        { "TRACE in the API", "TRACE /api/v1/system/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" },
        /* Apache's HttpProtocolOptions Strict (lighttpd takes two spaces, and serves the page) */
        { "two spaces in the request line", "GET /  HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" },
    };
    size_t ncases = sizeof(cases) / sizeof(cases[0]) - (strcmp(server, "lighttpd") == 0);
    for (size_t i = 0; i < ncases; i++) {
        struct resp r;
        CU_ASSERT_EQUAL_FATAL(raw_request(cases[i].req, strlen(cases[i].req), &r), 0);
        bool ok = r.status >= 400 && r.status < 600 && header_is(&r, "Content-Type", "application/problem+json");
        if (!ok)
            fprintf(stderr, "\n    %s: %ld %.200s\n", cases[i].what, r.status, r.body ? r.body : "");
        CU_ASSERT_TRUE((r.status >= 400 && r.status < 500) || r.status == 501);   /* lighttpd: TRACE is 501 */
        if (r.status)
            json_object_put(assert_problem(&r, r.status, NULL));
        assert_server_header_plain(&r);
        resp_free(&r);
    }
    /* HTTP/0.9: a bare request line would be answered with a body and no status line. It is
     * refused (400 problem+json) or the connection closed, never answered with the page. */
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(raw_request("GET /\r\n", 7, &r), 0);
    if (r.status == 0) {
        CU_ASSERT_EQUAL(r.raw_len, 0);
    } else {
        json_object_put(assert_problem(&r, 400, NULL));
        assert_server_header_plain(&r);
    }
    CU_ASSERT_PTR_NULL(r.body ? strstr(r.body, "<title>Portico</title>") : NULL);
    resp_free(&r);
    /* ordinary answers, static and proxied, name no version either */
    const char *paths[] = { "/", "/api/v1/system/health", "/api/v1/system/no-such-thing" };
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", paths[i], NULL, NULL, 0, NULL, &r), 0);
        assert_server_header_plain(&r);
        resp_free(&r);
    }
}

/* ---------------------------------------------------------------------------------------- */


static void test_cgi_mode(void)
{
    const char *bin = getenv("PORTICO_TEST_CGI");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char cmd[1024], out[8192];
    /* stdin is not a socket: the handler serves one request as plain CGI and exits */
    snprintf(cmd, sizeof(cmd), "REQUEST_METHOD=GET REQUEST_URI=/api/v1/system/ready PORTICO_LOG_FILE=/dev/null %s </dev/null", bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"status\":\"ready\""));
    snprintf(cmd, sizeof(cmd),
             "printf '{\"message\":\"cgi\"}' | REQUEST_METHOD=POST REQUEST_URI=/api/v1/system/echo "
             "CONTENT_TYPE=application/json CONTENT_LENGTH=17 PORTICO_LOG_FILE=/dev/null %s", bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"message\":\"cgi\""));
}

static void test_migrate_idempotent(void)
{
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *sql = getenv("PORTICO_TEST_SQL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sql);
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof(cmd), "%s migrate --sql-dir %s 2>&1", admin, sql);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "nothing to do"));
    snprintf(cmd, sizeof(cmd), "%s migrate --status --sql-dir %s 2>&1", admin, sql);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0001"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "applied"));
    CU_ASSERT_PTR_NULL(strstr(out, "pending"));
}

static void test_migrate_concurrent(void)
{
    /* Two runs at once against a fresh database, as from two hosts: both succeed, each
     * migration is applied exactly once. */
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *sql = getenv("PORTICO_TEST_SQL");
    char db[64], cmd[4096], out[8192];
    snprintf(db, sizeof(db), "portico_mt_%d_%s", (int)getpid(), server);
    for (char *s = db; *s; s++)
        if (*s == '-')
            *s = '_';
    snprintf(cmd, sizeof(cmd),
             "export PORTICO_DB_NAME=%s; (%s migrate --create-database --sql-dir %s >/dev/null 2>&1; echo a$?) & "
             "(%s migrate --create-database --sql-dir %s >/dev/null 2>&1; echo b$?) & wait",
             db, admin, sql, admin, sql);
    run(cmd, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "a0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "b0"));
    snprintf(cmd, sizeof(cmd), "PORTICO_DB_NAME=%s %s migrate --status --sql-dir %s 2>&1", db, admin, sql);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "applied"));
}


static void test_least_privilege(void)
{
    /* The handlers' account reads what it needs and can change nothing else. */
    char sock[512], pw[256], cmd[2048];
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    CU_ASSERT_EQUAL_FATAL(config_value("db_password", pw, sizeof(pw)), 0);
#define AS_APP(sql) snprintf(cmd, sizeof(cmd), \
        "mariadb --no-defaults -S '%s' -u portico_app -p'%s' portico -e '%s' >/dev/null 2>&1", sock, pw, sql)
    AS_APP("SELECT MAX(version) FROM schema_migrations");
    CU_ASSERT_EQUAL(run(cmd, NULL, 0), 0);
    AS_APP("DELETE FROM schema_migrations");
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);
    AS_APP("CREATE TABLE intruder (i INT)");
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);
    AS_APP("CALL portico_grant(\"ALL\", \"schema_migrations\")");
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);
#undef AS_APP
}


/* ---- auth: sessions, CSRF, throttling, expiry ---------------------------------------------- */




static void test_login_session_logout(void)
{
    char cookie[256], csrf[128], hdr_cookie[300], hdr_csrf[200], sc[512];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_TRUE(strncmp(cookie, "portico_session=", 16) == 0);
    CU_ASSERT_TRUE(strlen(cookie) >= 16 + 43);   /* 32 random bytes, base64url */
    CU_ASSERT_TRUE(strlen(csrf) >= 43);

    /* the cookie's attributes */
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", "{\"username\":\"admin\",\"password\":\"x\"}", -1, NULL, &r), 0);
    resp_free(&r);
    char body[512];
    snprintf(body, sizeof(body), "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r), 0);
    const char *set = header(&r, "Set-Cookie", sc, sizeof(sc));
    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "HttpOnly"));
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "Secure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "SameSite=Strict"));
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "Path=/"));
    /* a new id on every login (no fixation) */
    CU_ASSERT_TRUE(strncmp(set, cookie, strlen(cookie)) != 0);
    resp_free(&r);

    snprintf(hdr_cookie, sizeof(hdr_cookie), "Cookie: %s", cookie);
    snprintf(hdr_csrf, sizeof(hdr_csrf), "X-CSRF-Token: %s", csrf);
    const char *const with_cookie[] = { hdr_cookie, NULL };
    const char *const with_both[] = { hdr_cookie, hdr_csrf, NULL };

    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    json_object *o = json_tokener_parse(r.body), *user, *roles;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "user", &user));
    CU_ASSERT_STRING_EQUAL(jstr(user, "username"), "admin");
    CU_ASSERT_STRING_EQUAL(jstr(o, "csrf_token"), csrf);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "roles", &roles));
    CU_ASSERT_TRUE(json_object_array_length(roles) >= 1);
    CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(roles, 0), "role"), "admin");
    json_object_put(o);
    resp_free(&r);

    /* a state-changing request with the cookie but without the CSRF token: 403 (an empty
     * body, sent as browsers send it: Content-Length: 0) */
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, "", 0, with_cookie, &r), 0);
    json_object_put(assert_problem(&r, 403, "csrf"));
    resp_free(&r);
    const char *bad_csrf[] = { hdr_cookie, "X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, "", 0, bad_csrf, &r), 0);
    json_object_put(assert_problem(&r, 403, "csrf"));
    resp_free(&r);

    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, "", 0, with_both, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(header_is(&r, "Set-Cookie", "portico_session=;"));
    resp_free(&r);
    /* the session is gone on the server, not just in the browser */
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
    json_object_put(assert_problem(&r, 401, "unauthenticated"));
    resp_free(&r);
}

static void test_login_failures_look_alike(void)
{
    struct resp a, b;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json",
                                  "{\"username\":\"admin\",\"password\":\"not the password\"}", -1, NULL, &a), 0);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json",
                                  "{\"username\":\"nobody-at-all\",\"password\":\"not the password\"}", -1, NULL, &b), 0);
    json_object *pa = assert_problem(&a, 401, "invalid-credentials"), *pb = assert_problem(&b, 401, "invalid-credentials");
    CU_ASSERT_STRING_EQUAL(jstr(pa, "detail"), jstr(pb, "detail"));
    CU_ASSERT_PTR_NULL(header(&a, "Set-Cookie", (char[8]){ 0 }, 8));
    json_object_put(pa);
    json_object_put(pb);
    resp_free(&a);
    resp_free(&b);
    /* and no password in the log */
    const char *logf = getenv("PORTICO_TEST_LOG");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "grep -c 'not the password' '%s'", logf ? logf : "/dev/null");
    char out[64];
    run(cmd, out, sizeof(out));
    CU_ASSERT_EQUAL(atoi(out), 0);
}

static void test_post_without_length(void)
{
    /* A POST with no Content-Length at all: lighttpd refuses it itself (411), the others pass
     * it on (and the route wants a login: 401). Either way the answer is problem+json. */
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_TRUE(r.status == 401 || r.status == 411);
    json_object_put(assert_problem(&r, r.status, NULL));
    resp_free(&r);
}

static void test_no_credentials_or_bad_ones(void)
{
    struct resp r;
    const char *const junk[] = { "Cookie: portico_session=attacker-chosen-value", NULL };
    const char *const forged[] = { "Cookie: portico_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };
    const char *const bearer[] = { "Authorization: Bearer ptc_notatoken", NULL };
    const char *const *cases[] = { NULL, junk, forged, bearer };
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, cases[i], &r), 0);
        json_object *o = assert_problem(&r, 401, "unauthenticated");
        assert_request_id(&r, o);
        CU_ASSERT_TRUE(header_is(&r, "WWW-Authenticate", "Bearer"));
        json_object_put(o);
        resp_free(&r);
    }
}

static void test_session_expiry_and_disabled_user(void)
{
    char cookie[256], csrf[128], hdr[300];
    struct resp r;
    const char *const with_cookie[] = { hdr, NULL };
    /* Time is moved by editing the rows. The handlers keep time by their own clock from what
     * they last read, so a change made behind their back raises the authorization epoch, as
     * every change through the API does (README: "Changing the database by hand"). */
    const char *expire[] = {
        "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR; "
        "UPDATE auth_epoch SET n = n + 1",                                          /* idle */
        "UPDATE sessions SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND; "
        "UPDATE auth_epoch SET n = n + 1",                                          /* absolute */
        "UPDATE users SET disabled_at = UTC_TIMESTAMP(6) WHERE username = 'admin'; "
        "UPDATE auth_epoch SET n = n + 1",                                          /* disabled */
    };
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
        snprintf(hdr, sizeof(hdr), "Cookie: %s", cookie);
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
        CU_ASSERT_EQUAL(r.status, 200);
        resp_free(&r);
        CU_ASSERT_EQUAL_FATAL(as_root(expire[i]), 0);
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
        json_object_put(assert_problem(&r, 401, "unauthenticated"));
        resp_free(&r);
    }
    /* a disabled user cannot log in either, and gets the same answer as a wrong password */
    CU_ASSERT_EQUAL(login("admin", admin_password(), NULL, 0, NULL, 0), 401);
    CU_ASSERT_EQUAL(as_root("UPDATE users SET disabled_at = NULL WHERE username = 'admin'"), 0);
    CU_ASSERT_EQUAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
}

static void test_login_throttle(void)
{
    /* a fresh account name per run: failures of one account lock it, with a growing wait */
    char name[64];
    snprintf(name, sizeof(name), "throttle-%d-%s", (int)getpid(), server);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login(name, "wrong password!!", NULL, 0, NULL, 0), 401);
    struct resp r;
    char body[256], buf[32];
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"wrong password!!\"}", name);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r), 0);
    json_object_put(assert_problem(&r, 429, "too-many-attempts"));
    const char *ra = header(&r, "Retry-After", buf, sizeof(buf));
    CU_ASSERT_PTR_NOT_NULL(ra);
    if (ra)
        CU_ASSERT_TRUE(atoi(ra) >= 1 && atoi(ra) <= 30);
    resp_free(&r);
    /* other accounts from the same address are not locked by it */
    CU_ASSERT_EQUAL(login("admin", admin_password(), NULL, 0, NULL, 0), 200);
}

/* A login from a loopback address (NULL: 127.0.0.1) with a device cookie ("portico_device=..."
 * or NULL); the device cookie it gives back goes into dev_out when that is not NULL. */
static long login_at(const char *addr, const char *user, const char *pw, const char *device, char *dev_out,
                     size_t dlen)
{
    struct resp r;
    char body[512], hdr[256];
    const char *const h[] = { hdr, NULL };
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    snprintf(hdr, sizeof(hdr), "Cookie: %s", device ? device : "x=1");
    client_address = addr;
    int rc = request("POST", "/api/v1/auth/login", "application/json", body, -1, h, &r);
    client_address = NULL;
    if (rc < 0)
        return -1;
    long status = r.status;
    if (dev_out)
        set_cookie(&r, "portico_device", dev_out, dlen);
    resp_free(&r);
    return status;
}

/* Five wrong passwords from addr (with the device cookie, or NULL), each 401; then the right one
 * is refused there, 429. */
static void guess_until_locked(const char *addr, const char *name, const char *pw, const char *device)
{
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login_at(addr, name, "wrong password!!", device, NULL, 0), 401);
    CU_ASSERT_EQUAL(login_at(addr, name, pw, device, NULL, 0), 429);
}

/* Issue 14 #10: five wrong passwords from anyone used to lock the account for everyone. They lock
 * the (account, address) pair; the owner from another address, or with the device cookie of a
 * login before, still gets in; the account-wide count spares known devices and addresses. */
static void test_login_lock_per_pair(void)
{
    char name[64], pw[96], dev[128], other[128], sql[512], cookie[256], csrf[128], body[256];
    snprintf(name, sizeof(name), "pair%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    CU_ASSERT_EQUAL_FATAL(make_user(name, "viewer"), 0);

    /* the owner logs in from 127.0.0.3: a device cookie, and the address is known */
    CU_ASSERT_EQUAL_FATAL(login_at("127.0.0.3", name, pw, NULL, dev, sizeof(dev)), 200);
    CU_ASSERT_EQUAL_FATAL(strncmp(dev, "portico_device=", 15), 0);
    /* only its SHA-256 is stored, and no address as it is */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id "
                               "WHERE u.username = '%s' AND d.kind = 'dev' AND d.hash = SHA2('%s', 256)", name, dev + 15);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices WHERE hash = '%s' OR hash LIKE '127.0.0.%%'", dev + 15);
    CU_ASSERT_EQUAL(root_number(sql), 0);

    /* someone at 127.0.0.2 guesses: locked there, the right password included */
    guess_until_locked("127.0.0.2", name, pw, NULL);
    /* the owner elsewhere is not locked out: from the known address, from a new one */
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, NULL, NULL, 0), 200);
    CU_ASSERT_EQUAL(login_at("127.0.0.4", name, pw, NULL, other, sizeof(other)), 200);
    CU_ASSERT_EQUAL(strncmp(other, "portico_device=", 15), 0);
    CU_ASSERT_NOT_EQUAL(strcmp(other, dev), 0);
    /* a login with its device cookie keeps the cookie (no new one) */
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, dev, other, sizeof(other)), 200);
    CU_ASSERT_STRING_EQUAL(other, "");

    /* the guesser moves to the owner's own address: that pair locks, the owner's browser does not */
    guess_until_locked("127.0.0.3", name, pw, NULL);
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, dev, NULL, 0), 200);
    /* a cookie of another shape, or made up, is no device */
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, "portico_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 0), 429);
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, "portico_device=x'); DROP TABLE users; --", NULL, 0), 429);

    /* guessing spread over many addresses (the test plays its history: past the account-wide
     * limit) refuses unknown devices and addresses only */
    snprintf(sql, sizeof(sql), "INSERT INTO login_throttle (kind, subject, failures, last_failure_at, locked_until) "
                               "SELECT 'user', CONCAT('id:', id), 100, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 600 SECOND "
                               "FROM users WHERE username = '%s' ON DUPLICATE KEY UPDATE failures = 100, "
                               "locked_until = UTC_TIMESTAMP(6) + INTERVAL 600 SECOND", name);
    CU_ASSERT_EQUAL_FATAL(as_root(sql), 0);
    CU_ASSERT_EQUAL(login_at("127.0.0.5", name, pw, NULL, NULL, 0), 429);
    CU_ASSERT_EQUAL(login_at("127.0.0.4", name, pw, NULL, NULL, 0), 200);   /* a known address */
    CU_ASSERT_EQUAL(login_at("127.0.0.5", name, pw, dev, NULL, 0), 200);    /* a known device */

    /* the device's own wrong passwords lock the device */
    guess_until_locked("127.0.0.6", name, pw, dev);

    /* an administrator's unlock clears every count of the account */
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    struct resp r;
    snprintf(body, sizeof(body), "{\"username\":\"%s\"}", name);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/unlock", body, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"unlocked\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL(login_at("127.0.0.2", name, pw, NULL, NULL, 0), 200);
    CU_ASSERT_EQUAL(login_at("127.0.0.5", name, pw, NULL, NULL, 0), 200);
    CU_ASSERT_EQUAL(login_at("127.0.0.6", name, pw, dev, NULL, 0), 200);

    /* an account keeps the 32 devices seen last and none unseen for login_device_days: 40 more,
     * one of them stale (the test plays their history), then a login prunes */
    snprintf(sql, sizeof(sql), "INSERT INTO login_devices (user_id, kind, hash, first_seen_at, last_seen_at) "
                               "SELECT u.id, 'dev', SHA2(CONCAT('old', n.seq), 256), UTC_TIMESTAMP(6) - INTERVAL 200 DAY, "
                               "UTC_TIMESTAMP(6) - INTERVAL IF(n.seq = 1, 100, 1) DAY - INTERVAL n.seq MINUTE "
                               "FROM users u JOIN seq_1_to_40 n WHERE u.username = '%s'", name);
    CU_ASSERT_EQUAL_FATAL(as_root(sql), 0);
    CU_ASSERT_EQUAL(login_at("127.0.0.7", name, pw, dev, NULL, 0), 200);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id "
                               "WHERE u.username = '%s' AND d.kind = 'dev'", name);
    CU_ASSERT_EQUAL(root_number(sql), 32);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = '%s' "
                               "AND d.kind = 'dev' AND (d.hash = SHA2('%s', 256) OR d.hash = SHA2('old1', 256))", name, dev + 15);
    CU_ASSERT_EQUAL(root_number(sql), 1);   /* the one in use stays; the stale one went */

    /* disabling forgets the account's devices and addresses */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = '%s'", name);
    CU_ASSERT_TRUE(root_number(sql) >= 4);
    char path[128];
    snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE username = '%s'", name);
    long long id = root_number(sql);
    CU_ASSERT_TRUE_FATAL(id > 0);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = '%s'", name);
    CU_ASSERT_EQUAL(root_number(sql), 0);
}

static void test_hostile_user_agent(void)
{
    /* a 2 KiB User-Agent with invalid UTF-8 must not break logins, their auditing or the chain */
    char ua[2200], body[512];
    memcpy(ua, "User-Agent: ", 12);
    for (size_t i = 12; i < sizeof(ua) - 1; i++)
        ua[i] = (i % 7 == 0) ? '\xff' : 'a';
    ua[sizeof(ua) - 1] = '\0';
    const char *const h[] = { ua, NULL };
    struct resp r;
    snprintf(body, sizeof(body), "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json",
                                  "{\"username\":\"admin\",\"password\":\"wrong wrong wrong\"}", -1, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
}


static void test_audit_trail(void)
{
    /* every login outcome above is in the audit log, and the chain is intact */
    const char *admin = getenv("PORTICO_TEST_ADMIN");
    char cmd[1024], out[512], sock[512];
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    snprintf(cmd, sizeof(cmd), "%s audit verify", admin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "intact"));
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    const char *queries[] = {
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'success'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'denied'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.logout'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'http.denied'",
    };
    for (size_t i = 0; i < 5; i++) {
        snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e \"%s\"", sock, queries[i]);
        CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
        CU_ASSERT_TRUE(atoi(out) >= 1);
    }
    /* no password, of any attempt, in the audit details */
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e "
                               "\"SELECT COUNT(*) FROM audit_events WHERE details LIKE '%%password!!%%' OR details LIKE '%%not the password%%'\"", sock);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(atoi(out), 0);
}


/* ---- authorization by role, and the audit log API ------------------------------------------ */



static void test_authorization_by_role(void)
{
    char viewer[64], maint[64], pw[96], cookie[256], csrf[128], admin_cookie[256];
    struct resp r;
    snprintf(viewer, sizeof(viewer), "viewer%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(maint, sizeof(maint), "maint%d%c", (int)getpid(), server[strlen(server) - 1]);
    CU_ASSERT_EQUAL_FATAL(make_user(viewer, "viewer"), 0);
    CU_ASSERT_EQUAL_FATAL(make_user(maint, "maintainer"), 0);

    /* anonymous: 401; viewer: 403 (audit.event.read is a maintainer's); maintainer, admin: 200 */
    CU_ASSERT_EQUAL(get_as(NULL, "/api/v1/audit/events", &r), 401);
    resp_free(&r);
    snprintf(pw, sizeof(pw), "%s-password-1", viewer);
    CU_ASSERT_EQUAL_FATAL(login(viewer, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/audit/events", &r), 403);
    json_object_put(assert_problem(&r, 403, "forbidden"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "audit.event.read"));
    resp_free(&r);
    snprintf(pw, sizeof(pw), "%s-password-1", maint);
    CU_ASSERT_EQUAL_FATAL(login(maint, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/audit/events", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), admin_cookie, sizeof(admin_cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_EQUAL(get_as(admin_cookie, "/api/v1/audit/events", &r), 200);
    resp_free(&r);

    /* the viewer's denial is in the log, with who, what and where */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=http.denied&actor=%s", viewer);
    CU_ASSERT_EQUAL_FATAL(get_as(admin_cookie, path, &r), 200);
    json_object *o = json_tokener_parse(r.body), *events;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "events", &events));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(events), 1);
    json_object *e = json_object_array_get_idx(events, 0);
    CU_ASSERT_STRING_EQUAL(jstr(e, "outcome"), "denied");
    CU_ASSERT_STRING_EQUAL(jstr(e, "target_id"), "/api/v1/audit/events");
    json_object_put(o);
    resp_free(&r);
}

static void test_audit_events_api(void)
{
    char cookie[256], csrf[128];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* keyset pages, newest first, each cursor leading strictly further back */
    char path[512];
    long long last = 0;
    const char *cursor = NULL;
    char cur[128] = "";
    for (int page = 0; page < 3; page++) {
        snprintf(path, sizeof(path), "/api/v1/audit/events?limit=2%s%s", cursor ? "&cursor=" : "", cursor ? cursor : "");
        CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
        json_object *o = json_tokener_parse(r.body), *events;
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "events", &events));
        CU_ASSERT_EQUAL(json_object_array_length(events), 2);
        for (size_t i = 0; i < json_object_array_length(events); i++) {
            long long id = jint(json_object_array_get_idx(events, i), "id");
            if (last)
                CU_ASSERT_TRUE(id < last);
            last = id;
        }
        const char *next = jstr(o, "next_cursor");
        CU_ASSERT_PTR_NOT_NULL_FATAL(next);
        snprintf(cur, sizeof(cur), "%s", next);
        cursor = cur;
        json_object_put(o);
        resp_free(&r);
    }
    /* filters */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?action=auth.login&outcome=failure&limit=5", &r), 200);
    json_object *o = json_tokener_parse(r.body), *events;
    CU_ASSERT_TRUE_FATAL(o && json_object_object_get_ex(o, "events", &events));
    CU_ASSERT_TRUE(json_object_array_length(events) >= 1);
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(events, i), "action"), "auth.login");
        CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(events, i), "outcome"), "failure");
    }
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?since=2999-01-01T00:00:00Z", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"events\":[]"));
    resp_free(&r);
    /* export */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?limit=3&format=jsonl", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/x-ndjson"));
    size_t lines = 0;
    for (const char *s = r.body; *s; s++)
        lines += *s == '\n';
    CU_ASSERT_EQUAL(lines, 3);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?limit=3&format=csv", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "text/csv"));
    CU_ASSERT_TRUE(strncmp(r.body, "\"id\",\"time\",", 12) == 0);
    lines = 0;
    for (const char *s = r.body; *s; s++)
        lines += *s == '\n';
    CU_ASSERT_EQUAL(lines, 4);
    resp_free(&r);
    /* bad input: one 422 naming each field */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?limit=5000&cursor=forged&format=xml", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"limit\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"cursor\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"format\""));
    resp_free(&r);
}

/* The name typed at a failed login goes into the log, and from there into a CSV export that
 * someone opens in a spreadsheet: a cell led by a TAB or a CR before the formula is still a
 * formula there. Each such cell is exported with a leading ' (and quoted). */
static void test_audit_csv_formulas(void)
{
    char cookie[256], csrf[128], body[256], path[256], want[64];
    static const char *const leads[][2] = { { "\\t", "%09" }, { "\\r", "%0D" }, { "\\n", "%0A" }, { "=", "%3D" } };
    static const char raw[] = { '\t', '\r', '\n', '=' };
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    for (size_t i = 0; i < sizeof(raw); i++) {
        /* anonymous: a failed login with the name "<lead>=cmd<n>" */
        snprintf(body, sizeof(body), "{\"username\":\"%s=cmd%d%c%zu\",\"password\":\"wrong password!!\"}", leads[i][0],
                 (int)getpid(), server[strlen(server) - 1], i);
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r), 0);
        CU_ASSERT_EQUAL(r.status, 401);
        resp_free(&r);
        /* the newest login events, not a filter on the name: lighttpd refuses control characters
         * in a URL, even encoded, before the handler sees it */
        snprintf(path, sizeof(path), "/api/v1/audit/events?action=auth.login&limit=20&format=csv");
        CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
        snprintf(want, sizeof(want), ",\"'%c=cmd%d%c%zu\",", raw[i], (int)getpid(), server[strlen(server) - 1], i);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
        /* and never the bare cell */
        snprintf(want, sizeof(want), ",\"%c=cmd%d%c%zu\",", raw[i], (int)getpid(), server[strlen(server) - 1], i);
        CU_ASSERT_PTR_NULL(strstr(r.body, want));
        resp_free(&r);
    }
    /* a cell led by anything else is left as it is */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?action=auth.login&outcome=success&limit=1&format=csv", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, ",\"auth.login\","));
    resp_free(&r);
}


/* ---- API tokens ------------------------------------------------------------------------------ */



static void test_api_tokens(void)
{
    char cookie[256], csrf[128], tok[128], tok2[128], viewer[64], pw[96], vcookie[256], vcsrf[128];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* create: shown once, ptc_ prefix */
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"ci\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":30}", &r), 201);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE_FATAL(jstr(o, "token") && strncmp(jstr(o, "token"), "ptc_", 4) == 0);
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token"));
    long long id = jint(o, "id");
    CU_ASSERT_TRUE(header_is(&r, "Location", "/api/v1/auth/tokens/"));
    json_object_put(o);
    resp_free(&r);
    /* a narrower one */
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"narrow\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", &r), 201);
    o = json_tokener_parse(r.body);
    snprintf(tok2, sizeof(tok2), "%s", jstr(o, "token"));
    long long id2 = jint(o, "id");
    json_object_put(o);
    resp_free(&r);

    /* use: Bearer works; scopes narrow what the owner may do */
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/audit/events?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"via\":\"token\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok2, "/api/v1/audit/events", &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "scopes"));
    resp_free(&r);
    /* a token only reads what concerns the account itself: no password change, no revoking */
    {
        char ah[200];
        snprintf(ah, sizeof(ah), "Authorization: Bearer %s", tok);
        const char *const hh[] = { ah, NULL };
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/password", "application/json",
                                      "{\"current_password\":\"x\",\"new_password\":\"yyyyyyyyyyyyyy\"}", -1, hh, &r), 0);
        json_object_put(assert_problem(&r, 403, "forbidden"));
        resp_free(&r);
    }
    /* a token cannot mint tokens */
    char h[200];
    snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
    const char *const hb[] = { h, NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/tokens", "application/json",
                                  "{\"name\":\"x\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":1}", -1, hb, &r), 0);
    json_object_put(assert_problem(&r, 403, "forbidden"));
    resp_free(&r);

    /* list: metadata and last use, never the token */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/auth/tokens", &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, tok));
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"token\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"last_used_at\":\""));
    resp_free(&r);

    /* validation: too long, unknown scope, a scope not held */
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"x\",\"scopes\":[\"nope.nope\"],\"expires_in_days\":366}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "expires_in_days"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "scopes/0"));
    resp_free(&r);
    snprintf(viewer, sizeof(viewer), "tokviewer%d%c", (int)getpid(), server[strlen(server) - 1]);
    CU_ASSERT_EQUAL_FATAL(make_user(viewer, "viewer"), 0);
    snprintf(pw, sizeof(pw), "%s-password-1", viewer);
    CU_ASSERT_EQUAL_FATAL(login(viewer, pw, vcookie, sizeof(vcookie), vcsrf, sizeof(vcsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(post_session(vcookie, vcsrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"x\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":1}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "does not hold"));
    resp_free(&r);

    /* revoke: it stops at once; someone else's token cannot be revoked */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/auth/tokens/%lld", id2);
    CU_ASSERT_EQUAL(post_session(vcookie, vcsrf, "DELETE", path, NULL, &r), 404);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok2, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    /* expiry, as the clock would have it */
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE api_tokens SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = %lld; "
                               "UPDATE auth_epoch SET n = n + 1", id);
    CU_ASSERT_EQUAL(as_root(sql), 0);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    /* the tokens are nowhere in the database, the log or the audit details */
    char sock[512], cmd[1024], out[64];
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e \"SELECT COUNT(*) FROM api_tokens "
                               "WHERE token_hash = '%s' OR prefix = '%s'\" ; grep -c -F -e '%s' '%s'", sock, tok, tok, tok + 4,
             getenv("PORTICO_TEST_LOG"));
    run(cmd, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0\n0"));
}


/* ---- iam: users, teams, bindings, explain, disable, unlock ---------------------------------- */

/* Disabling a user is not a pause: it ends the sessions and revokes the tokens, so enabling the
 * account again gives nothing back to whoever held one of them. Audited with the counts. */
static void test_disable_ends_sessions_and_tokens(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[256], path[256], u[64], pw[96], tok[128];
    struct resp r;
    snprintf(u, sizeof(u), "disabled%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    long long uid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"viewer\"}", u);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"script\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/catalog/entities?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 200);
    resp_free(&r);

    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"sessions_ended\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tokens_revoked\":1"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/enable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* enabled again: the old session and the old token are gone for good */
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/catalog/entities?limit=1", &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    /* the person logs in afresh; the token's page says it was revoked */
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/tokens", &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"revoked_at\":null"));
    resp_free(&r);
    /* the audit record of the disable holds the counts */
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=iam.user.disable&target=%lld&limit=1", uid);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "sessions_ended"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "tokens_revoked"));
    resp_free(&r);
}

static void test_iam_teams_and_explain(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[512], path[256], u[64], org[64], pay[64];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(u, sizeof(u), "iamuser%d%c", (int)getpid(), sfx);
    snprintf(org, sizeof(org), "org%d%c", (int)getpid(), sfx);
    snprintf(pay, sizeof(pay), "payments%d%c", (int)getpid(), sfx);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* a user, created by the API */
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"display_name\":\"Iam User\",\"password\":\"%s-password-1\"}", u, u);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    long long uid = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 409);   /* twice */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users",
                                 "{\"username\":\"Bad Name\",\"password\":\"short\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"username\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"password\""));
    resp_free(&r);

    /* teams: payments inside org; org holds maintainer; the user joins payments */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", org);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"parent\":\"%s\"}", pay, org);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"team\",\"subject\":\"%s\",\"role\":\"maintainer\"}", org);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    o = json_tokener_parse(r.body);
    long long binding = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", pay, uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "PUT", path, NULL, &r), 200);
    resp_free(&r);
    /* the team's members, and the user found by name */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members", pay);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(body, sizeof(body), "\"username\":\"%s\"", u);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, body));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members", org);   /* only its own members */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, body));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/iam/teams/no-such-team/members", &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users?username=%s", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    json_object *found = o ? json_object_object_get(o, "users") : NULL;
    CU_ASSERT_EQUAL(found ? json_object_array_length(found) : 0, 1);
    CU_ASSERT_EQUAL(found && json_object_array_length(found) == 1 ? jint(json_object_array_get_idx(found, 0), "id") : 0, uid);
    json_object_put(o);
    resp_free(&r);

    /* the user now reads the audit log through org, and explain says so */
    char pw[96];
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=audit.event.read", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    json_object *allowed, *by;
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "allowed", &allowed) && json_object_get_boolean(allowed));
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "decided_by", &by));
    CU_ASSERT_STRING_EQUAL(jstr(by, "role"), "maintainer");
    char via[80];
    snprintf(via, sizeof(via), "team:%s", org);
    CU_ASSERT_STRING_EQUAL(jstr(by, "via"), via);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "reason"), org));
    json_object_put(o);
    resp_free(&r);

    /* leaving the team, or losing the binding, takes effect at once */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", pay, uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 403);
    resp_free(&r);
    /* a team-scoped role covers that team's resources only (the org's role is gone with the
     * membership) */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\","
                                 "\"scope_type\":\"team\",\"scope_id\":\"%s\"}", u, pay);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&team=%s", u, pay);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&team=search", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "no binding"));
    resp_free(&r);

    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", binding);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 404);
    resp_free(&r);

    /* admin of one team is not an administrator: no bindings, no users, no audit log */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"admin\","
                                 "\"scope_type\":\"team\",\"scope_id\":\"%s\"}", u, pay);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"admin\"}", u);
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/iam/bindings", body, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 403);
    resp_free(&r);
    /* nor can its tokens carry what a team admin holds only for the team's things: governance
     * scopes are refused at creation (the token would answer 403), each one named */
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                 "{\"name\":\"gov\",\"scopes\":[\"catalog.entity.write\",\"audit.event.read\",\"iam.user.write\"],"
                                 "\"expires_in_days\":1}", &r), 422);
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"scopes/0\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"field\":\"scopes/1\",\"message\":\"is held by the owner only through a "
                                          "team- or entity-scoped binding, and audit.event.read needs a global one\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"field\":\"scopes/2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "iam.user.write needs a global one"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                 "{\"name\":\"team\",\"scopes\":[\"catalog.entity.write\"],\"expires_in_days\":1}", &r), 201);
    resp_free(&r);

    /* a user without iam permissions cannot manage anyone */
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/iam/users", "{\"username\":\"x\"}", &r), 403);
    resp_free(&r);

    /* disabling ends the user's session at once; enabling lets them log in again (the old
     * session stays ended: test_disable_ends_sessions_and_tokens) */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", uid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(login(u, pw, NULL, 0, NULL, 0), 401);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/enable", uid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);

    /* a service account: no password, tokens made by an administrator within its own roles */
    char svc[64];
    snprintf(svc, sizeof(svc), "svc%d%c", (int)getpid(), sfx);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"kind\":\"service\"}", svc);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    o = json_tokener_parse(r.body);
    long long sid = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"viewer\"}", svc);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens", sid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "{\"name\":\"ci\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":7}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "does not hold"));   /* the account's roles, not the admin's */
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, "{\"name\":\"ci\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":7}", &r), 201);
    o = json_tokener_parse(r.body);
    char stok[128];
    snprintf(stok, sizeof(stok), "%s", jstr(o, "token") ? jstr(o, "token") : "");
    long long stid = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(stok, "/api/v1/auth/session", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, svc));
    resp_free(&r);
    CU_ASSERT_EQUAL(login(svc, "any password at all", NULL, 0, NULL, 0), 401);   /* no password login */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens", uid);      /* a person: 409 */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "{\"name\":\"x\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", &r), 409);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens/%lld", sid, stid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(stok, "/api/v1/auth/session", &r), 401);
    resp_free(&r);

    /* throttled, then unlocked by an admin */
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login(u, "wrong password!!", NULL, 0, NULL, 0), 401);
    CU_ASSERT_EQUAL(login(u, pw, NULL, 0, NULL, 0), 429);
    snprintf(body, sizeof(body), "{\"username\":\"%s\"}", u);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/unlock", body, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"unlocked\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL(login(u, pw, NULL, 0, NULL, 0), 200);
}


/* ---- custom roles, attribute policies, and what processes keep ----------------------------- */


/* n requests in a row with a bearer token, each answering want: with several FastCGI processes
 * behind the server, a run like this reaches most of them. */
static int bearer_run(const char *token, const char *path, int n, long want)
{
    int wrong = 0;
    for (int i = 0; i < n; i++) {
        struct resp r;
        if (get_bearer(token, path, &r) != want)
            wrong++;
        resp_free(&r);
    }
    return wrong;
}

/* n requests in a row with a bearer token, each answering 200 with want in its body. */
static int bearer_body_run(const char *token, const char *path, int n, const char *want)
{
    int wrong = 0;
    for (int i = 0; i < n; i++) {
        struct resp r;
        if (get_bearer(token, path, &r) != 200 || !strstr(r.body, want))
            wrong++;
        resp_free(&r);
    }
    return wrong;
}

static void test_custom_roles_and_policies(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[768], path[256], u[64], role[64], pol[64], pw[96];
    char tok[128];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(u, sizeof(u), "ruser%d%c", (int)getpid(), sfx);
    snprintf(role, sizeof(role), "auditor-%d%c", (int)getpid(), sfx);
    snprintf(pol, sizeof(pol), "prod-needs-maintainer-%d%c", (int)getpid(), sfx);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    long long uid = created_id(&r);
    resp_free(&r);

    /* a custom role: validated, listed next to the built-in ones */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles",
                                 "{\"name\":\"Bad Name\",\"permissions\":[\"audit.event.read\",\"nope.nope\"]}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"name\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "permissions/1"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles", "{\"name\":\"viewer\",\"permissions\":[\"audit.event.read\"]}", &r), 422);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"reads the audit log\","
                                 "\"permissions\":[\"audit.event.read\",\"iam.user.read\"]}", role);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles", body, &r), 422);   /* twice */
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/iam/roles", &r), 200);
    snprintf(body, sizeof(body), "\"name\":\"%s\",\"description\":\"reads the audit log\",\"builtin\":false,"
                                 "\"permissions\":[\"iam.user.read\",\"audit.event.read\"]", role);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, body));
    resp_free(&r);

    /* bound to the user, it holds exactly its permissions */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\"}", u, role);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    long long binding = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/iam/users?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/iam/teams", &r), 403);
    resp_free(&r);
    /* reading is not exporting: the role lacks audit.event.export */
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1&format=csv", &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "audit.event.export"));
    resp_free(&r);
    /* who am I: the permissions the portal uses to decide what to show */
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"permissions\":[\"iam.user.read\",\"audit.event.read\"]"));
    resp_free(&r);
    /* in use: not deletable; built-in: never */
    snprintf(path, sizeof(path), "/api/v1/iam/roles/%s", role);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 binding"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", "/api/v1/iam/roles/viewer", NULL, &r), 409);
    resp_free(&r);
    /* the user may not write policies */
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/iam/policies",
                                 "{\"name\":\"x\",\"permission\":\"*\",\"require_owner\":true}", &r), 403);
    resp_free(&r);

    /* What processes keep is dropped on the next request after a change: a token used many
     * times (reaching most processes) stops at once when the binding behind it goes. */
    snprintf(body, sizeof(body), "{\"name\":\"cache\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":1}");
    CU_ASSERT_EQUAL_FATAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 24, 200), 0);
    CU_ASSERT_EQUAL(bearer_body_run(tok, "/api/v1/auth/session", 24, "\"permissions\":[\"audit.event.read\"]"), 0);
    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", binding);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 12, 403), 0);
    /* the who-am-I answer a process keeps goes with the rest */
    CU_ASSERT_EQUAL(bearer_body_run(tok, "/api/v1/auth/session", 12, "\"permissions\":[]"), 0);
    /* and comes back when it does */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\"}", u, role);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    binding = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 24, 200), 0);
    /* a disabled user's token stops at once, everywhere */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 12, 401), 0);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/enable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    /* and enabling does not bring it back: disabling revoked it */
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 12, 401), 0);

    /* Policies: validated; where the condition matches they refuse what the roles allow, and
     * explain names them. */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/policies",
                                 "{\"name\":\"p\",\"permission\":\"nope.*\",\"conditions\":{\"color\":\"red\"}}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"permission\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "conditions/color"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "require_role"));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"production needs a maintainer\","
                                 "\"permission\":\"provision.*\",\"conditions\":{\"environment\":\"production\"},"
                                 "\"require_role\":\"maintainer\"}", pol);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/policies", body, &r), 201);
    long long pid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\"}", u);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=provision.request.create&environment=production", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_FALSE(json_object_get_boolean(json_object_object_get(o, "allowed")));
    json_object *pj = json_object_object_get(o, "policy");
    CU_ASSERT_STRING_EQUAL(pj ? jstr(pj, "name") : "", pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "reason") ? jstr(o, "reason") : "", "needs role maintainer"));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=provision.request.create&environment=staging", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/iam/policies", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, pol));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/policies/%lld", pid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=provision.request.create&environment=production", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    resp_free(&r);

    /* the role goes once nothing uses it; every change was audited */
    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", binding);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/roles/%s", role);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 404);
    resp_free(&r);
    const char *actions[] = { "iam.role.create", "iam.role.delete", "iam.policy.create", "iam.policy.delete" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/api/v1/audit/events?action=%s&limit=5", actions[i]);
        CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, actions[i]));
        resp_free(&r);
    }
}


/* ---- catalog: entities, ETags, owners, relations ------------------------------------------------ */


static const char *component_doc(char *buf, size_t len, const char *name, const char *owner, const char *depends)
{
    snprintf(buf, len, "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"%s\","
                       "\"title\":\"Payments\",\"tags\":[\"java\"]},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\","
                       "\"owner\":\"%s\",\"dependsOn\":[\"%s\"]}}", name, owner, depends);
    return buf;
}

static void test_catalog_entities(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[1024], path[256], other[256], team[64], u[64], pw[96];
    char etag[32], name[64];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(team, sizeof(team), "cat%d%c", (int)getpid(), sfx);
    snprintf(name, sizeof(name), "pay-%d%c", (int)getpid(), sfx);
    snprintf(u, sizeof(u), "catdev%d%c", (int)getpid(), sfx);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* create: 201, version 1 as the ETag, the document as given */
    component_doc(body, sizeof(body), name, team, "resource:default/db-dangling");
    CU_ASSERT_EQUAL_FATAL(session_req(cookie, csrf, "PUT", path, body, NULL, &r), 201);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"1\""));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"title\":\"Payments\""));
    resp_free(&r);
    /* If-Match: a stale version is 412, the current one moves it on */
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, "\"7\"", &r), 412);
    resp_free(&r);
    char *title = strstr(body, "\"title\":\"Payments\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(title);
    memcpy(title, "\"title\":\"Paywall!\"", 18);      /* a changed document; the same one changes nothing */
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, "\"1\"", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"2\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, "\"2\"", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"2\""));
    resp_free(&r);
    /* every bad field by its path; a document for another entity than the path's */
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, component_doc(other, sizeof(other), name, team, "no-kind"),
                                NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "spec/dependsOn/0"));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, component_doc(other, sizeof(other), "someone-else", team,
                                                                          "resource:default/x"), NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "metadata/name"));
    resp_free(&r);
    /* relations both ways; an unresolved target is kept, dangling */
    snprintf(other, sizeof(other), "%s/relations", path);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, other, &r), 200);
    snprintf(etag, sizeof(etag), "group:default/%s", team);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, etag));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"type\":\"dependsOn\",\"target\":\"resource:default/db-dangling\",\"dangling\":true,\"hidden\":false}"));
    resp_free(&r);

    /* a developer of the owning team writes its entities, and no other team's */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", team);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\",\"scope_type\":\"team\","
                                 "\"scope_id\":\"%s\"}", u, team);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    component_doc(body, sizeof(body), name, team, "resource:default/db-dangling");
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, body, "\"2\"", &r), 200);
    resp_free(&r);
    component_doc(body, sizeof(body), name, "someone-else", "resource:default/db-dangling");   /* give it away */
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, body, NULL, &r), 403);
    resp_free(&r);
    snprintf(other, sizeof(other), "/api/v1/catalog/entities/component/default/%s-x", name);
    char named[96];
    snprintf(named, sizeof(named), "%s-x", name);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", other, component_doc(body, sizeof(body), named, "someone-else",
                                                                           "resource:default/x"), NULL, &r), 403);
    resp_free(&r);
    /* reading needs a binding that covers it: this developer holds nothing global */
    CU_ASSERT_EQUAL(get_as(ucookie, path, &r), 200);
    resp_free(&r);
    /* deleting is a maintainer's: refused to the developer, then done by the admin, audited */
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "DELETE", path, NULL, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, "\"1\"", &r), 412);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, "\"3\"", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    snprintf(other, sizeof(other), "/api/v1/audit/events?target=component:default/%s&limit=10", name);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, other, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.create"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.update"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.delete"));
    resp_free(&r);
    /* a path that is no entity's */
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities/widget/default/x", &r), 404);
    resp_free(&r);
}


#define IMPORT_MAX_BYTES (32L << 20)   /* catalog_import_max_bytes in the test configuration (its default) */

static long import_yaml(const char *cookie, const char *csrf, const char *query, const char *yaml, struct resp *r)
{
    char hc[300], hx[200], path[128];
    snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
    snprintf(path, sizeof(path), "/api/v1/catalog/import%s", query);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", path, "application/yaml", yaml, -1, h, r) < 0)
        return -1;
    return r->status;
}

static void test_catalog_import(void)
{
    char cookie[256], csrf[128], yaml[2048], t[64], path[256], want[256];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "imp%d%c", (int)getpid(), sfx);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(yaml, sizeof(yaml),
             "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: %s\nspec:\n  type: team\n"
             "---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-web\n  tags: [web]\n"
             "spec:\n  type: website\n  lifecycle: production\n  owner: %s\n  dependsOn: [component:%s-api]\n"
             "---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-api\n"
             "spec:\n  type: service\n  lifecycle: production\n  owner: %s\n", t, t, t, t, t, t);
    /* dry run: the diff, and nothing stored */
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "?dry_run=true", yaml, &r), 200);
    snprintf(want, sizeof(want), "\"dry_run\":true,\"added\":[\"group:default/%s\",\"component:default/%s-web\","
                                 "\"component:default/%s-api\"],\"changed\":[]", t, t, t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-web", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    /* applied; again: unchanged; one document changed: changed */
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"dry_run\":false"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"added\":[],\"changed\":[],\"removed\":[],\"unchanged\":3"));
    resp_free(&r);
    char *tags = strstr(yaml, "tags: [web]");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tags);
    memcpy(tags, "tags: [ui] ", 11);
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    snprintf(want, sizeof(want), "\"changed\":[\"component:default/%s-web\"]", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* the relation stored both ways: the api is a dependency of the web site, resolved */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-api/relations", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(want, sizeof(want), "{\"type\":\"dependencyOf\",\"target\":\"component:default/%s-web\",\"dangling\":false,\"hidden\":false}", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* malformed YAML: 400 with where; a bad field: 422 under its document; nothing applied */
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", "kind: Component\nmetadata: [unclosed\n", &r), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "YAML line "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, ", column "));
    resp_free(&r);
    snprintf(yaml, sizeof(yaml),
             "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: %s-new}\n"
             "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: -bad-}\nspec: {owner: %s}\n", t, t);
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", yaml, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "documents/1/metadata/name"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/group/default/%s-new", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    /* aliases are refused (a small file must not become a huge tree) */
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", "a: &x [1, 2]\nb: *x\n", &r), 400);
    resp_free(&r);
    /* deeply nested, more documents than an import holds, more bytes than it may have: each
     * refused with what the limit is, nothing applied */
    char *big = malloc(IMPORT_MAX_BYTES + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    snprintf(big, 400, "metadata:\n  name: %s-deep\n  x: ", t);
    size_t at = strlen(big);
    for (int i = 0; i < 100; i++)
        big[at++] = '[';
    memset(big + at, ']', 100);
    big[at + 100] = 0;
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", big, &r), 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "nested deeper than an import may be"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "YAML line 3"));
    resp_free(&r);
    at = 0;
    for (int i = 0; i <= 20000; i++)
        at += (size_t)sprintf(big + at, "--- {}\n");
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", big, &r), 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "more documents than an import may hold"));
    resp_free(&r);
    memset(big, ' ', IMPORT_MAX_BYTES + 1);
    big[IMPORT_MAX_BYTES + 1] = 0;
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", big, &r), 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "body-too-large"));
    resp_free(&r);
    free(big);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-deep", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);

    /* Search: words, facets, pages; what a user may read is part of the query, so two users of
     * different teams count differently. */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"kind\":{\"Component\":2,\"Group\":1}"));
    resp_free(&r);
    /* tags and "mine" are facets too: the web site's tag was changed from web to ui above, and
     * the admin is in none of the team's members */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":0,\"false\":3}"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&tag=ui", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":1"));
    snprintf(want, sizeof(want), "\"ref\":\"component:default/%s-web\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&tag=web", t);   /* the old tag is gone */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    resp_free(&r);
    /* without words the database counts: the same facets */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":0,\"false\":2}"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s&tag=ui", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities?tag=Not%20a%20tag", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities?mine=perhaps", &r), 422);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&kind=component&limit=1", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    json_object *o = json_tokener_parse(r.body);
    const char *next = o ? jstr(o, "next_cursor") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(next);
    snprintf(want, sizeof(want), "component:default/%s-api", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));   /* the first page's one row; the cursor is opaque */
    CU_ASSERT_STRING_NOT_EQUAL(next, want);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&kind=component&limit=1&cursor=%s", t, next);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(want, sizeof(want), "\"ref\":\"component:default/%s-web\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"next_cursor\":null"));
    resp_free(&r);
    char ua[64], ub[64], body[512], ca[256], xa[128], cb[256], xb[128], pw[96];
    snprintf(ua, sizeof(ua), "srcha%d%c", (int)getpid(), sfx);
    snprintf(ub, sizeof(ub), "srchb%d%c", (int)getpid(), sfx);
    const char *users[] = { ua, ub }, *teams[] = { t, "nobody-owns-this" };
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s-password-1\"}", users[i], users[i]);
        CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
        long long uid = created_id(&r);
        resp_free(&r);
        if (i == 0) {   /* a member of the team (for mine=true) */
            snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t);
            CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
            resp_free(&r);
            snprintf(body, sizeof(body), "/api/v1/iam/teams/%s/members/%lld", t, uid);
            CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "PUT", body, NULL, &r), 200);
            resp_free(&r);
        }
        snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\","
                                     "\"scope_type\":\"%s\",\"scope_id\":\"%s\"}", users[i], i == 0 ? "team" : "entity",
                 i == 0 ? teams[0] : "component:default/elsewhere");
        CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
        resp_free(&r);
    }
    snprintf(pw, sizeof(pw), "%s-password-1", ua);
    CU_ASSERT_EQUAL_FATAL(login(ua, pw, ca, sizeof(ca), xa, sizeof(xa)), 200);
    snprintf(pw, sizeof(pw), "%s-password-1", ub);
    CU_ASSERT_EQUAL_FATAL(login(ub, pw, cb, sizeof(cb), xb, sizeof(xb)), 200);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":3"));          /* the team's two components and its own Group */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"kind\":{\"Component\":2,\"Group\":1}"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cb, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"items\":[]"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?mine=true&q=%s", t);   /* owned by my teams */
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":3,\"false\":0}"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?mine=false&q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":2,\"false\":0}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cb, path, &r), 200);               /* nothing of it readable */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{}"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities?kind=widget", &r), 422);
    resp_free(&r);

    /* The graph: a -> b -> c -> a is a cycle, c also depends on a resource not in the catalog. */
    snprintf(yaml, sizeof(yaml),
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s-a}\n"
             "spec: {owner: %s, dependsOn: [component:%s-b]}\n---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s-b}\n"
             "spec: {owner: %s, dependsOn: [component:%s-c]}\n---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s-c}\n"
             "spec: {owner: %s, dependsOn: [component:%s-a, resource:%s-missing]}\n", t, t, t, t, t, t, t, t, t, t);
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-a/graph?depth=6", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    json_object *nodes = o ? json_object_object_get(o, "nodes") : NULL, *edges = o ? json_object_object_get(o, "edges") : NULL;
    CU_ASSERT_EQUAL(nodes ? json_object_array_length(nodes) : 0, 4);
    CU_ASSERT_EQUAL(edges ? json_object_array_length(edges) : 0, 4);
    int cycles = 0, dangling = 0;
    for (size_t i = 0; edges && i < json_object_array_length(edges); i++)
        cycles += json_object_get_boolean(json_object_object_get(json_object_array_get_idx(edges, i), "cycle"));
    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++)
        dangling += json_object_get_boolean(json_object_object_get(json_object_array_get_idx(nodes, i), "dangling"));
    CU_ASSERT_EQUAL(cycles, 1);      /* c -> a closes it */
    CU_ASSERT_EQUAL(dangling, 1);    /* the missing resource, kept */
    json_object_put(o);
    resp_free(&r);
    /* upstream from c: what breaks if it goes down (b at depth 1, a at 2) */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c/graph?direction=upstream&depth=2", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(want, sizeof(want), "{\"ref\":\"component:default/%s-b\",\"depth\":1", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    snprintf(want, sizeof(want), "{\"ref\":\"component:default/%s-a\",\"depth\":2", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* bounds; and not readable (refused in words), not there */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-a/graph?depth=7", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 422);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-a/graph", t);
    CU_ASSERT_EQUAL(get_as(cb, path, &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-none/graph", t);
    CU_ASSERT_EQUAL(get_as(cb, path, &r), 404);
    resp_free(&r);
    /* explain with resource=: the owner's team comes from the catalog */
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&resource=component:default/%s-a", ua, t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    snprintf(want, sizeof(want), "\"team\":\"%s\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&resource=component:default/%s-a", ub, t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":false"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/iam/explain?user=admin&permission=catalog.entity.read&resource=not-a-ref", &r), 422);
    resp_free(&r);

    /* Export: YAML as stored; importing it changes nothing (6 entities: group, web, api, a, b, c) */
    snprintf(path, sizeof(path), "/api/v1/catalog/export?q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/yaml"));
    char *exported = strdup(r.body);
    resp_free(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(exported);
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", exported, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"added\":[],\"changed\":[],\"removed\":[],\"unchanged\":6"));
    resp_free(&r);
    free(exported);
    snprintf(path, sizeof(path), "/api/v1/catalog/export?q=%s&format=json", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cb, path, &r), 200);   /* nothing of it is the other user's to read */
    CU_ASSERT_STRING_EQUAL(r.body, "[]");
    resp_free(&r);
    (void)xa;
    (void)xb;
}



/* ---- catalog locations (synced by the runner) and discovery --------------------------------- */


static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* The location's member as a string, read again from the API. */
static const char *location_field(const char *cookie, long long id, const char *member, char *out, size_t len)
{
    char path[128];
    struct resp r;
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", id);
    out[0] = '\0';
    if (get_as(cookie, path, &r) == 200) {
        json_object *o = json_tokener_parse(r.body), *v;
        if (o && json_object_object_get_ex(o, member, &v))
            snprintf(out, len, "%s", json_object_get_string(v));
        json_object_put(o);
    }
    resp_free(&r);
    return out;
}

/* A catalog file: a Group and n Components owned by it (names <t>-c0..), c0 depending on a
 * resource that is not in the catalog. */
static void location_yaml(char *buf, size_t len, const char *t, int n, const char *title)
{
    size_t o = (size_t)snprintf(buf, len, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: %s\n"
                                          "spec:\n  type: team\n", t);
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o,
                              "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-c%d\n"
                              "  title: %s\nspec:\n  type: service\n  lifecycle: production\n  owner: %s\n%s",
                              t, i, title, t, i == 0 ? "  dependsOn: [resource:gone-db]\n" : "");
}

/* A one-shot HTTP server on loopback for URL locations: answers each of n connections with
 * status and body, then exits. Returns its port (the child runs until served or killed). */
static int serve_once(int n, int status, const char *body, pid_t *pid)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) < 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        for (int i = 0; i < n; i++) {
            int c = accept(s, NULL, NULL);
            if (c < 0)
                _exit(1);
            char req[4096], head[256];
            ssize_t got = read(c, req, sizeof(req));
            (void)got;
            int hl = snprintf(head, sizeof(head), "HTTP/1.0 %d X\r\nContent-Type: application/yaml\r\n"
                                                  "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
            if (write(c, head, (size_t)hl) < 0 || write(c, body, strlen(body)) < 0)
                _exit(1);
            close(c);
        }
        _exit(0);
    }
    close(s);
    return ntohs(a.sin_port);
}

static void test_catalog_locations(void)
{
    const char *dir = getenv("PORTICO_TEST_LOCATIONS");
    char cookie[256], csrf[128], t[64], file[512], body[1536], path[512], buf[1024], out[8192];
    static char yaml[16384];
    struct resp r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "loc%d%c", (int)getpid(), sfx);
    snprintf(file, sizeof(file), "%s/%s.yaml", dir, t);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    location_yaml(yaml, sizeof(yaml), t, 5, "first");
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);

    /* what may not be registered: outside the roots, relative, credentials in a URL, unknown type */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"file\",\"target\":\"/etc/passwd\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog_location_roots"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"file\",\"target\":\"catalog-info.yaml\"}", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"url\",\"target\":\"https://user:secret@example.com/c.yaml\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "credentials"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"ftp\",\"target\":\"ftp://x/y\"}", &r), 422);
    resp_free(&r);

    /* registered: pending until the runner reads it */
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"%s\",\"interval_seconds\":3600}", file);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long id = created_id(&r);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"pending\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 409);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "6");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c1", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(buf, sizeof(buf), "\"location\":%lld,\"orphaned_at\":null", id);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    resp_free(&r);
    /* the file, not the catalog, is where a location's entities change */
    component_doc(body, sizeof(body), "x", t, "resource:default/x");
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s-c1\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}", t, t);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "comes from location"));
    resp_free(&r);

    /* one of six gone (under the 20% guard) and one changed: synced, the gone one an orphan */
    location_yaml(yaml, sizeof(yaml), t, 4, "second");
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld/sync", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "orphans", buf, sizeof(buf)), "1");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "last_changed", buf, sizeof(buf)), "4");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?orphan=true&location=%lld", id);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(buf, sizeof(buf), "\"ref\":\"component:default/%s-c4\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":1"));
    resp_free(&r);
    /* the report: the orphan, the dangling dependency, and a Group without a Portico team */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/catalog/report", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    snprintf(buf, sizeof(buf), "{\"source\":\"component:default/%s-c0\",\"type\":\"dependsOn\",\"target\":\"resource:default/gone-db\",\"hidden\":false}", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    snprintf(buf, sizeof(buf), "\"group:default/%s\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    resp_free(&r);

    /* the deletion guard: an emptied file changes nothing and says why */
    CU_ASSERT_EQUAL_FATAL(write_text(file, ""), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld/sync", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "guarded");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, id, "message", buf, sizeof(buf)), "nothing was changed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "5 of the location's 5"));
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "5");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c1", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"orphaned_at\":null"));
    resp_free(&r);
    /* a broken file changes nothing either, and names the line */
    CU_ASSERT_EQUAL_FATAL(write_text(file, "kind: Component\nmetadata: [unclosed\n"), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld/sync", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "error");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, id, "message", buf, sizeof(buf)), "line"));
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "5");
    /* nothing waits for a confirmation now; after an emptied file, a confirmation lets exactly that go */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations/999999/sync?confirm=true", "", &r), 404);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(write_text(file, ""), 0);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "pending_removals", buf, sizeof(buf)), "5");
    snprintf(buf, sizeof(buf), "%s?confirm=true", path);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", buf, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "0");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "orphans", buf, sizeof(buf)), "6");
    snprintf(buf, sizeof(buf), "%s?confirm=true", path);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", buf, "", &r), 409);
    resp_free(&r);
    /* the file back: its entities are adopted again */
    location_yaml(yaml, sizeof(yaml), t, 5, "second");
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "6");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "orphans", buf, sizeof(buf)), "0");

    /* a git repository: the committed file is read, not the working tree */
    char repo[512], cmd[2048];
    snprintf(repo, sizeof(repo), "%s/%s-repo", dir, t);
    location_yaml(yaml, sizeof(yaml), t, 0, "git");      /* the Group alone... */
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: %s-git-api\n"
                                 "spec:\n  type: openapi\n  lifecycle: production\n  owner: %s\n  definition: x\n", t, t);
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/sub && cd %s && git init -q && git config user.email t@example.com && "
                               "git config user.name t && cat > sub/catalog-info.yaml && git add sub && "
                               "git commit -qm one && echo 'broken: [' > sub/catalog-info.yaml && chmod -R a+rX %s",
             repo, repo, repo);
    FILE *g = popen(cmd, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    fputs(yaml, g);
    CU_ASSERT_EQUAL_FATAL(pclose(g), 0);
    snprintf(body, sizeof(body), "{\"type\":\"git\",\"target\":\"%s\",\"path\":\"sub/catalog-info.yaml\"}", repo);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long gid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"type\":\"git\",\"target\":\"%s\",\"path\":\"../etc/passwd\"}", repo);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, gid, "status", buf, sizeof(buf)), "ok");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/api/default/%s-git-api", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    resp_free(&r);

    /* a URL: read over HTTP; an upstream that fails is an error that changes nothing */
    pid_t srv;
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: %s-url-db\n"
                                 "spec:\n  type: database\n  owner: %s\n", t, t);
    int port = serve_once(1, 200, yaml, &srv);
    CU_ASSERT_TRUE_FATAL(port > 0);
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:%d/catalog-info.yaml\"}", port);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long uid = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    waitpid(srv, NULL, 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, uid, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, uid, "entities", buf, sizeof(buf)), "1");
    port = serve_once(1, 500, "oops", &srv);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", uid);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:%d/catalog-info.yaml\"}", port);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    uid = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    waitpid(srv, NULL, 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, uid, "status", buf, sizeof(buf)), "error");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, uid, "message", buf, sizeof(buf)), "answered 500"));
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/resource/default/%s-url-db", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);      /* kept, an orphan of a deleted location */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"location\":null"));
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"orphaned_at\":null"));
    resp_free(&r);

    /* a team's location brings only that team's entities */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(file, sizeof(file), "%s/%s-team.yaml", dir, t);
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-stranger\n"
                                 "spec:\n  type: service\n  lifecycle: production\n  owner: somebody-else\n", t);
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"%s\",\"team\":\"%s\"}", file, t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long tid = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, tid, "status", buf, sizeof(buf)), "error");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, tid, "message", buf, sizeof(buf)), "is not owned by team"));

    /* deleting a location with its entities: each deleted, audited */
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld?entities=delete", id);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"entities_deleted\":6"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c1", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=%lld&limit=50", id);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.create"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.guard"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.confirm"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.sync"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.delete"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=component:default/%s-c4&limit=50", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.orphan"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.delete"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=component:default/%s-c1&limit=50", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.adopt"));     /* orphaned, then back unchanged */
    resp_free(&r);
}


static void test_catalog_discovery(void)
{
    char cookie[256], csrf[128], t[64], u[64], pw[96], ucookie[256], ucsrf[128], body[1024], base[256], path[512];
    char out[4096], order1[1024], order2[1024];
    struct resp r;
    long st;
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "disc%d%c", (int)getpid(), sfx);
    snprintf(u, sizeof(u), "discdev%d%c", (int)getpid(), sfx);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(base, sizeof(base), "/api/v1/catalog/entities/component/default/%s-svc", t);
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s-svc\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}", t, t);
    CU_ASSERT_EQUAL_FATAL(session_req(cookie, csrf, "PUT", base, body, NULL, &r), 201);
    resp_free(&r);
    /* a developer of the owning team registers, with a token as CI would */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\",\"scope_type\":\"team\","
                                 "\"scope_id\":\"%s\"}", u, t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"ci\",\"scopes\":[\"catalog.instance.register\",\"catalog.entity.read\"],"
                                       "\"expires_in_days\":1}", &r), 201);
    json_object *o = json_tokener_parse(r.body);
    char tok[128], hauth[200];
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token"));
    json_object_put(o);
    resp_free(&r);
    snprintf(hauth, sizeof(hauth), "Authorization: Bearer %s", tok);
    const char *const bearer[] = { hauth, NULL };

    /* register: 201, again unchanged: 200 (a heartbeat) */
    static const char *const names[] = { "a-1:8080", "b-2:8080", "c-3:8080", "d-4:8080" };
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/instances/production/%s", base, names[i]);
        snprintf(body, sizeof(body), "{\"url\":\"http://10.0.0.%d:8080\",\"version\":\"1.%d\",\"region\":\"eu\","
                                     "\"metadata\":{\"zone\":\"z%d\"},\"ttl_seconds\":%d}", i + 1, i, i, i == 0 ? 2 : 600);
        CU_ASSERT_EQUAL(request("PUT", path, "application/json", body, -1, bearer, &r), 0);
        CU_ASSERT_EQUAL(r.status, 201);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(request("PUT", path, "application/json", body, -1, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"passing\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/staging/s-1", base);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"https://staging.example/\"}", NULL, &r), 201);
    resp_free(&r);
    /* bad input */
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"ftp://x\",\"ttl_seconds\":0}", NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"url\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "ttl_seconds"));
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/Not_An_Env/x", base);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"http://x\"}", NULL, &r), 404);
    resp_free(&r);
    /* discover: the passing ones, each caller's order stable */
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production", t);
    o = get_json(cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *eps = NULL;
    CU_ASSERT_TRUE_FATAL(o && json_object_object_get_ex(o, "endpoints", &eps));
    CU_ASSERT_EQUAL(json_object_array_length(eps), 4);
    snprintf(order1, sizeof(order1), "%s", json_object_to_json_string(eps));
    json_object_put(o);
    o = get_json(cookie, path, &st);
    json_object_object_get_ex(o, "endpoints", &eps);
    snprintf(order2, sizeof(order2), "%s", json_object_to_json_string(eps));
    CU_ASSERT_STRING_EQUAL(order1, order2);
    json_object_put(o);
    int differs = 0;   /* seeds spread callers: of a few seeds, some order differs */
    for (int s = 0; s < 8; s++) {
        snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production&seed=s%d", t, s);
        o = get_json(cookie, path, &st);
        json_object_object_get_ex(o, "endpoints", &eps);
        differs += strcmp(order1, json_object_to_json_string(eps)) != 0;
        json_object_put(o);
    }
    CU_ASSERT_TRUE(differs > 0);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/discover/nothing-here?environment=production", &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 422);
    resp_free(&r);

    /* a missed TTL: critical, and gone from discover; a heartbeat brings it back */
    sleep(3);
    snprintf(path, sizeof(path), "%s/instances", base);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"instance\":\"a-1:8080\",\"url\":\"http://10.0.0.1:8080\",\"version\":\"1.0\","
                                          "\"region\":\"eu\",\"metadata\":{\"zone\":\"z0\"},\"ttl_seconds\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"critical\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "a-1:8080"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "b-2:8080"));
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/production/a-1:8080/heartbeat", base);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "a-1:8080"));
    resp_free(&r);

    /* the runner deregisters what stayed critical past its deregister time, audited */
    snprintf(path, sizeof(path), "%s/instances/production/short-lived", base);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"http://x:1\",\"ttl_seconds\":1,"
                                                             "\"deregister_seconds\":1}", NULL, &r), 201);
    resp_free(&r);
    sleep(3);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "deregistered"));
    snprintf(path, sizeof(path), "%s/instances", base);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "short-lived"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "b-2:8080"));     /* critical, but not yet for its deregister time */
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/production/short-lived/heartbeat", base);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=component:default/%s-svc/production/short-lived&limit=10", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.instance.register"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"actor_type\":\"runner\""));
    resp_free(&r);

    /* deregister by hand; someone of another team may not register */
    snprintf(path, sizeof(path), "%s/instances/production/b-2:8080", base);
    CU_ASSERT_EQUAL(request("DELETE", path, NULL, NULL, 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(request("DELETE", path, NULL, NULL, 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    char other[64];
    snprintf(other, sizeof(other), "discx%d%c", (int)getpid(), sfx);
    CU_ASSERT_EQUAL_FATAL(make_user(other, "developer"), 0);   /* a developer everywhere, but... */
    snprintf(body, sizeof(body), "%s-password-1", other);
    char ocookie[256], ocsrf[128];
    CU_ASSERT_EQUAL_FATAL(login(other, body, ocookie, sizeof(ocookie), ocsrf, sizeof(ocsrf)), 200);
    snprintf(path, sizeof(path), "/api/v1/iam/policies");
    snprintf(body, sizeof(body), "{\"name\":\"%s-own\",\"permission\":\"catalog.instance.register\",\"conditions\":"
                                 "{\"owner\":\"%s\"},\"require_owner\":true}", t, t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, body, &r), 201);
    long long pol = created_id(&r);
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/production/intruder", base);
    CU_ASSERT_EQUAL(session_req(ocookie, ocsrf, "PUT", path, "{\"url\":\"http://evil:1\"}", NULL, &r), 403);  /* ...not its owner */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "policy"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/policies/%lld", pol);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
}

/* ---- the authorization matrix: every route of every handler, for every built-in role -------- */

struct matrix_id {
    const char *role;          /* NULL: anonymous */
    char user[64];
    json_object *perms;        /* the role's permissions, from /iam/roles */
};

static bool role_holds(const struct matrix_id *id, const char *perm)
{
    for (size_t i = 0; id->perms && i < json_object_array_length(id->perms); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(id->perms, i)), perm) == 0)
            return true;
    return false;
}

/* The route's path with every {param} replaced by a value that names nothing real, so that an
 * allowed mutation finds nothing to change (404) or nothing valid to do (422). */
/* ---- secrets ---------------------------------------------------------------------------------- */

/* A user bound with role on team (scope team), logged in: cookie and CSRF token. */
static void secrets_user(const char *acookie, const char *acsrf, const char *user, const char *role, const char *team,
                         char *cookie, size_t clen, char *csrf, size_t xlen)
{
    char body[512], pw[96];
    struct resp r;
    snprintf(pw, sizeof(pw), "%s-password-1", user);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\",\"scope_type\":\"team\","
                                 "\"scope_id\":\"%s\"}", user, role, team);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(user, pw, cookie, clen, csrf, xlen), 200);
}

static void test_secrets(void)
{
    char acookie[256], acsrf[128], mc[256], mx[128], dc[256], dx[128], oc[256], ox[128];
    char t[64], o[64], u[64], path[512], body[1024], canary[64], want[512];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "sec%d%c", (int)getpid(), sfx);
    snprintf(o, sizeof(o), "seco%d%c", (int)getpid(), sfx);
    snprintf(canary, sizeof(canary), "canary-%d-%c-%ld", (int)getpid(), sfx, (long)time(NULL));
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)), 200);
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? o : t);
        CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r), 201);
        resp_free(&r);
    }
    snprintf(u, sizeof(u), "%s-m", t);   /* a maintainer of the team: writes, reveals, destroys */
    secrets_user(acookie, acsrf, u, "maintainer", t, mc, sizeof(mc), mx, sizeof(mx));
    snprintf(u, sizeof(u), "%s-d", t);   /* a developer of the team: writes, does not reveal */
    secrets_user(acookie, acsrf, u, "developer", t, dc, sizeof(dc), dx, sizeof(dx));
    snprintf(u, sizeof(u), "%s-m", o);   /* a maintainer of another team: sees nothing here */
    secrets_user(acookie, acsrf, u, "maintainer", o, oc, sizeof(oc), ox, sizeof(ox));

    /* the first version; metadata never holds the value */
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/prod/stripe-key", t);
    snprintf(body, sizeof(body), "{\"value\":\"%s\",\"cas\":0}", canary);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "PUT", path, body, &r), 201);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":1"));
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"value\":\"second-%s\",\"cas\":0}", canary);   /* cas 0: must be new */
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, body, &r), 409);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"value\":\"second-%s\",\"cas\":1}", canary);
    CU_ASSERT_EQUAL(post_session(dc, dx, "PUT", path, body, &r), 200);        /* a developer writes */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":2"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, body, &r), 409);        /* cas 1 is stale now */
    resp_free(&r);
    /* fewer versions kept drops versions for good: a developer may not, a maintainer may */
    snprintf(body, sizeof(body), "{\"value\":\"third-%s\",\"max_versions\":5}", canary);
    CU_ASSERT_EQUAL(post_session(dc, dx, "PUT", path, body, &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.secret.destroy"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL_FATAL(get_as(dc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"current_version\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"environment\":\"prod\""));
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);

    /* reveal: the current version, or one named; a developer may not; another team sees nothing */
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    snprintf(want, sizeof(want), "\"version\":2,\"encoding\":\"utf-8\",\"value\":\"second-%s\"", canary);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 200);
    snprintf(want, sizeof(want), "\"value\":\"%s\"", canary);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* From here on no answer but a reveal may hold it, and dev.sh searches every log and the
     * database's files for it after the run (the canaries file). It is used, the way a leaked
     * value would be tried: as a password and as a bearer token. */
    snprintf(canary_watch, sizeof(canary_watch), "%s", canary);
    const char *state = getenv("PORTICO_STATE");
    if (state) {
        char cf[512];
        snprintf(cf, sizeof(cf), "%s/canaries", state);
        FILE *cfile = fopen(cf, "a");
        CU_ASSERT_PTR_NOT_NULL(cfile);
        if (cfile) {
            fprintf(cfile, "%s\n", canary);
            fclose(cfile);
        }
    }
    {
        char lb[256], bh[200];
        snprintf(lb, sizeof(lb), "{\"username\":\"%s-m\",\"password\":\"%s\"}", t, canary);
        CU_ASSERT_EQUAL(request("POST", "/api/v1/auth/login", "application/json", lb, -1, NULL, &r), 0);
        CU_ASSERT_EQUAL(r.status, 401);
        resp_free(&r);
        snprintf(bh, sizeof(bh), "Authorization: Bearer %s", canary);
        const char *const hh[] = { bh, NULL };
        CU_ASSERT_EQUAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, hh, &r), 0);
        CU_ASSERT_EQUAL(r.status, 401);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, NULL, &r), 403);
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(oc, ox, "POST", path, NULL, &r), 403);   /* another team's scope: refused in words */
    snprintf(want, sizeof(want), "\"detail\":\"you can't read team %s's secrets", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(get_as(oc, path, &r), 403);
    resp_free(&r);
    /* that refusal is in the audit log */
    snprintf(want, sizeof(want), "/api/v1/audit/events?action=http.denied&target=/api/v1/secrets/metadata/team/%s/prod/stripe-key"
                                 "&limit=5", t);
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, want, &r), 200);
    snprintf(want, sizeof(want), "%s-m", o);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":403"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(oc, ox, "PUT", path, "{\"value\":\"x\"}", &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=team/%s/", t);
    CU_ASSERT_EQUAL_FATAL(get_as(mc, path, &r), 200);
    snprintf(want, sizeof(want), "\"path\":\"team/%s/prod/stripe-key\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(oc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"items\":[]"));
    resp_free(&r);

    /* soft delete, undelete, destroy */
    snprintf(path, sizeof(path), "/api/v1/secrets/delete/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, "{\"versions\":[1]}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 410);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/undelete/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, "{\"versions\":[1]}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/destroy/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, "{\"versions\":[1]}", &r), 403);   /* maintainers destroy */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"versions\":[1]}", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"changed\":1"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 410);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "destroyed"));
    resp_free(&r);

    /* bytes as base64; the oldest versions go past max_versions */
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/blob", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, "{\"value_base64\":\"AAEC/w==\",\"max_versions\":2}", &r), 201);
    resp_free(&r);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, "{\"value_base64\":\"AAEC/w==\"}", &r), 200);
        resp_free(&r);
    }
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/blob", t);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":3,\"encoding\":\"base64\",\"value\":\"AAEC/w==\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 404);      /* pruned */
    resp_free(&r);

    /* refusals: a malformed path, a team that does not exist, a value too large */
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", "/api/v1/secrets/data/team/x", "{\"value\":\"v\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"path\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(acookie, acsrf, "PUT", "/api/v1/secrets/data/team/no-such-team-here/k", "{\"value\":\"v\"}", &r),
                    422);
    resp_free(&r);
    char *big = malloc(70000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    int n = sprintf(big, "{\"value\":\"");
    memset(big + n, 'a', 65537);
    strcpy(big + n + 65537, "\"}");
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/big", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, big, &r), 422);
    resp_free(&r);
    free(big);

    /* an entity's secrets: its owner team's (the maintainer), and whoever is bound on the entity
     * (a developer of the other team bound on it writes there, and nowhere else of ours); a
     * global viewer reads metadata everywhere and nothing more */
    char ename[64], epath[512];
    snprintf(ename, sizeof(ename), "svc-%s", t);
    snprintf(epath, sizeof(epath), "/api/v1/catalog/entities/component/default/%s", ename);
    CU_ASSERT_EQUAL_FATAL(session_req(acookie, acsrf, "PUT", epath, component_doc(body, sizeof(body), ename, t, "resource:default/x"),
                                      NULL, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, "{\"value\":\"entity value\"}", &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(oc, ox, "PUT", path, "{\"value\":\"not theirs\"}", &r), 403);
    resp_free(&r);
    char eu[64], ec[256], ex[128], vu[64], vc[256], vx[128];
    snprintf(eu, sizeof(eu), "%s-e", o);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s-password-1\"}", eu, eu);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\","
                                 "\"scope_type\":\"entity\",\"scope_id\":\"component:default/%s\"}", eu, ename);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "%s-password-1", eu);
    CU_ASSERT_EQUAL_FATAL(login(eu, body, ec, sizeof(ec), ex, sizeof(ex)), 200);
    CU_ASSERT_EQUAL(post_session(ec, ex, "PUT", path, "{\"value\":\"entity value 2\",\"cas\":1}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(post_session(ec, ex, "POST", path, NULL, &r), 403);           /* developers do not reveal */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"value\":\"entity value 2\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(get_as(ec, path, &r), 403);                                     /* not the team's */
    resp_free(&r);
    /* the list says the same: the owner team's maintainer and the developer bound on the entity
     * see it, the other team does not */
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=entity/component/default/%s/", ename);
    snprintf(want, sizeof(want), "\"path\":\"entity/component/default/%s/db-password\"", ename);
    CU_ASSERT_EQUAL_FATAL(get_as(mc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(ec, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(oc, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/entity/component/default/no-such-%s/k", t);
    CU_ASSERT_EQUAL(post_session(acookie, acsrf, "PUT", path, "{\"value\":\"v\"}", &r), 422);   /* no such entity */
    resp_free(&r);
    snprintf(vu, sizeof(vu), "%s-v", t);
    CU_ASSERT_EQUAL_FATAL(make_user(vu, "viewer"), 0);
    snprintf(body, sizeof(body), "%s-password-1", vu);
    CU_ASSERT_EQUAL_FATAL(login(vu, body, vc, sizeof(vc), vx, sizeof(vx)), 200);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(get_as(vc, path, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(post_session(vc, vx, "PUT", path, "{\"value\":\"x\"}", &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(vc, vx, "POST", path, NULL, &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/destroy/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(vc, vx, "POST", path, "{\"versions\":[2]}", &r), 403);
    resp_free(&r);

    /* the master key file gone: 503 and a log line, never garbage; back: served again */
    const char *st = getenv("PORTICO_STATE");
    char key[512], moved[520];
    snprintf(key, sizeof(key), "%s/master.key", st ? st : "/nonexistent");
    snprintf(moved, sizeof(moved), "%s.away", key);
    CU_ASSERT_EQUAL_FATAL(rename(key, moved), 0);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 503);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets-unavailable"));
    CU_ASSERT_PTR_NOT_NULL(header(&r, "Retry-After", body, sizeof(body)));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(rename(moved, key), 0);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* a token limited to one path prefix (a CI job's): that subtree and nothing else */
    snprintf(body, sizeof(body), "{\"name\":\"ci\",\"scopes\":[\"secrets.reveal\",\"secrets.secret.read\"],"
                                 "\"expires_in_days\":1,\"secret_paths\":[\"team/%s/prod\"]}", t);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *tok = json_tokener_parse(r.body);
    char bearer[200];
    snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", tok ? jstr(tok, "token") : "none");
    snprintf(want, sizeof(want), "\"secret_paths\":[\"team/%s/prod\"]", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    json_object_put(tok);
    resp_free(&r);
    const char *const bh[] = { bearer, NULL };
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bh, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/blob", t);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bh, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=team/%s/", t);
    CU_ASSERT_EQUAL(request("GET", path, NULL, NULL, 0, bh, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    snprintf(want, sizeof(want), "\"path\":\"team/%s/prod/stripe-key\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    snprintf(want, sizeof(want), "\"path\":\"team/%s/blob\"", t);
    CU_ASSERT_PTR_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", "/api/v1/auth/tokens",
                                 "{\"name\":\"bad\",\"scopes\":[\"secrets.reveal\"],\"expires_in_days\":1,"
                                 "\"secret_paths\":[\"/team\",\"a//b\"]}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secret_paths/0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secret_paths/1"));
    resp_free(&r);

    /* audited: writes and reveals, by path and version, never the value */
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=team/%s/prod/stripe-key&limit=50", t);
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.write"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.reveal"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.destroy"));
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);

    /* rotation while reveals run: every one answers, and the versions move to the new key */
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *conf = getenv("PORTICO_CONFIG");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s rotate-master-key > /tmp/portico-rotate-%d.out 2>&1 &", conf, admin,
             (int)getpid());
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    int ok = 0;
    for (int i = 0; i < 40; i++) {
        if (post_session(mc, mx, "POST", path, NULL, &r) == 200)
            ok++;
        resp_free(&r);
        usleep(100000);
    }
    CU_ASSERT_EQUAL(ok, 40);
    snprintf(cmd, sizeof(cmd), "/tmp/portico-rotate-%d.out", (int)getpid());
    FILE *f = fopen(cmd, "r");
    char out[2048] = "";
    size_t got = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
    out[got] = 0;
    if (f)
        fclose(f);
    unlink(cmd);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "wrapped"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "dropped"));
    char newkey[64] = "";
    const char *nk = strstr(out, "new master key ");
    if (nk)
        sscanf(nk, "new master key %63s", newkey);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL_FATAL(get_as(mc, path, &r), 200);
    snprintf(want, sizeof(want), "\"master_key\":\"%s\"", newkey);
    CU_ASSERT_TRUE(newkey[0] && strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* export: sealed whole (no value, no path in clear); a deleted secret comes back by import */
    char file[128];
    snprintf(file, sizeof(file), "/tmp/portico-export-%d-%c.json", (int)getpid(), sfx);
    unlink(file);
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s secrets export %s > /dev/null 2>&1", conf, admin, file);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    f = fopen(file, "r");
    static char exported[1 << 20];
    size_t elen = f ? fread(exported, 1, sizeof(exported) - 1, f) : 0;
    exported[elen] = 0;
    if (f)
        fclose(f);
    CU_ASSERT_TRUE(elen > 0);
    CU_ASSERT_PTR_NULL(strstr(exported, canary));
    CU_ASSERT_PTR_NULL(strstr(exported, t));
    CU_ASSERT_PTR_NOT_NULL(strstr(exported, "portico-secrets-export-1"));
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/blob", t);
    CU_ASSERT_EQUAL(session_req(mc, mx, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/blob", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 404);
    resp_free(&r);
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s secrets import %s 2>&1", conf, admin, file);
    FILE *imp = popen(cmd, "r");
    got = imp ? fread(out, 1, sizeof(out) - 1, imp) : 0;
    out[got] = 0;
    CU_ASSERT_EQUAL(imp ? pclose(imp) : -1, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "imported 1 secrets (2 versions)"));
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":3,\"encoding\":\"base64\",\"value\":\"AAEC/w==\""));
    resp_free(&r);
    /* an altered export is refused whole */
    char *mid = exported + elen / 2;
    *mid = *mid == 'A' ? 'B' : 'A';
    f = fopen(file, "w");
    if (f) {
        fputs(exported, f);
        fclose(f);
    }
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
    unlink(file);
}

static void matrix_path(const char *pattern, char *out, size_t len)
{
    size_t o = 0;
    for (const char *s = pattern; *s && o + 12 < len; s++) {
        if (*s == '{') {
            o += (size_t)snprintf(out + o, len - o, "999999999");
            s = strchr(s, '}');
            if (!s)
                break;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* Last: since the canary was armed, no answer but a reveal carried it. */
static void test_canary_in_answers(void)
{
    CU_ASSERT_TRUE(canary_watch[0] != 0);
    CU_ASSERT_EQUAL(canary_leaks, 0);
}

static void test_authorization_matrix(void)
{
    const char *cgi = getenv("PORTICO_TEST_CGI");
    char dir[512], cmd[1024], cookie[256], csrf[128], acookie[256], acsrf[128];
    CU_ASSERT_PTR_NOT_NULL_FATAL(cgi);
    snprintf(dir, sizeof(dir), "%s", cgi);
    *strrchr(dir, '/') = '\0';

    /* every route of every handler, from the tables themselves */
    json_object *routes = json_object_new_array();
    snprintf(cmd, sizeof(cmd), "ls %s/*.fcgi", dir);
    FILE *ls = popen(cmd, "r");
    char bin[512];
    while (ls && fgets(bin, sizeof(bin), ls)) {
        bin[strcspn(bin, "\n")] = '\0';
        char rc[600];
        snprintf(rc, sizeof(rc), "%s --routes", bin);
        FILE *f = popen(rc, "r");
        static char buf[262144];
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        buf[n] = '\0';
        if (f)
            pclose(f);
        json_object *t = json_tokener_parse(buf);
        for (size_t i = 0; t && i < json_object_array_length(t); i++)
            json_object_array_add(routes, json_object_get(json_object_array_get_idx(t, i)));
        json_object_put(t);
    }
    if (ls)
        pclose(ls);
    CU_ASSERT_TRUE_FATAL(json_object_array_length(routes) >= 20);

    /* the roles, and one user per built-in role */
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)), 200);
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, "/api/v1/iam/roles", &r), 200);
    json_object *roles_doc = json_tokener_parse(r.body), *roles;
    resp_free(&r);
    CU_ASSERT_TRUE_FATAL(roles_doc && json_object_object_get_ex(roles_doc, "roles", &roles));
    struct matrix_id ids[5] = { { NULL, "", NULL } };
    size_t nids = 1;
    for (size_t i = 0; i < json_object_array_length(roles) && nids < 5; i++) {
        json_object *role = json_object_array_get_idx(roles, i), *perms;
        ids[nids].role = jstr(role, "name");
        json_object_object_get_ex(role, "permissions", &perms);
        ids[nids].perms = perms;
        snprintf(ids[nids].user, sizeof(ids[nids].user), "mx%s%d%c", ids[nids].role, (int)getpid(), server[strlen(server) - 1]);
        CU_ASSERT_EQUAL_FATAL(make_user(ids[nids].user, ids[nids].role), 0);
        nids++;
    }
    CU_ASSERT_EQUAL_FATAL(nids, 5);

    size_t checked = 0, wrong = 0;
    for (size_t i = 0; i < json_object_array_length(routes); i++) {
        json_object *route = json_object_array_get_idx(routes, i), *jb;
        const char *method = jstr(route, "method"), *perm = jstr(route, "permission");
        char path[512];
        matrix_path(jstr(route, "path"), path, sizeof(path));
        bool json_body = json_object_object_get_ex(route, "json_body", &jb) && json_object_get_boolean(jb);
        /* logging out would end the very session the matrix uses: it gets a session of its own */
        for (size_t k = 0; k < nids; k++) {
            const struct matrix_id *id = &ids[k];
            char hc[300], hx[200];
            const char *h[3] = { NULL, NULL, NULL };
            if (id->role) {
                char pw[96];
                snprintf(pw, sizeof(pw), "%s-password-1", id->user);
                CU_ASSERT_EQUAL_FATAL(login(id->user, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
                snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
                snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
                h[0] = hc;
                h[1] = hx;
            }
            const char *body = strcmp(method, "GET") == 0 ? NULL : (json_body ? "{}" : "");
            CU_ASSERT_EQUAL_FATAL(request(method, path, json_body ? "application/json" : NULL, body, body ? (long)strlen(body) : 0, h, &r), 0);
            long want_class;   /* 0: allowed (anything but 401/403), 401, 403 */
            if (strcmp(perm, "public") == 0)
                want_class = 0;
            else if (!id->role)
                want_class = 401;
            else if (strcmp(perm, "authenticated") == 0 || role_holds(id, perm))
                want_class = 0;
            else
                want_class = 403;
            bool ok = want_class ? r.status == want_class : (r.status != 401 && r.status != 403 && r.status < 500);
            checked++;
            if (!ok) {
                wrong++;
                fprintf(stderr, "\n    matrix: %s %s as %s: %ld, want %s\n", method, path,
                        id->role ? id->role : "anonymous", r.status,
                        want_class == 0 ? "allowed (not 401/403/5xx)" : want_class == 401 ? "401" : "403");
            }
            resp_free(&r);
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_TRUE(checked >= 100);
    json_object_put(roles_doc);
    json_object_put(routes);
}


/* ---- rate limits, shared through the database by separate processes -------------------------- */

static void test_rate_limits(void)
{
    /* Each run of the CGI program is a new process: a limit that holds across them is held by
     * the database, as it is across FastCGI processes and hosts. 2 a minute, burst 2, set for
     * the system area only (the general setting stays far higher). */
    const char *bin = getenv("PORTICO_TEST_CGI");
    char cmd[1024], out[4096], addr[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    snprintf(addr, sizeof(addr), "198.51.100.%d", (int)(getpid() % 250) + 1);
#define RL_ECHO "printf '{\"message\":\"rl\"}' | PORTICO_SYSTEM_RATELIMIT_ANONYMOUS_PER_MINUTE=2 PORTICO_SYSTEM_RATELIMIT_BURST=2 " \
                "PORTICO_RATELIMIT_ANONYMOUS_PER_MINUTE=1000 PORTICO_RATELIMIT_BURST=1000 " \
                "REQUEST_METHOD=POST REQUEST_URI=/api/v1/system/echo REMOTE_ADDR=%s CONTENT_TYPE=application/json " \
                "CONTENT_LENGTH=16 PORTICO_LOG_FILE=/dev/null %s"
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), RL_ECHO, addr, bin);
        CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "RateLimit-Policy: \"system\";q=2;w=60;burst=2"));
    }
    snprintf(cmd, sizeof(cmd), RL_ECHO, addr, bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 429 Too Many Requests"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "urn:portico:problem:rate-limited"));
    const char *ra = strstr(out, "Retry-After: ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
    int secs = atoi(ra + 13);
    CU_ASSERT_TRUE(secs >= 25 && secs <= 31);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "RateLimit: \"system\";r=0;t="));
    /* another address is not affected; probes are never limited */
    char other[64];
    snprintf(other, sizeof(other), "203.0.113.%d", (int)(getpid() % 250) + 1);
    snprintf(cmd, sizeof(cmd), RL_ECHO, other, bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK"));
    snprintf(cmd, sizeof(cmd), "PORTICO_RATELIMIT_ANONYMOUS_PER_MINUTE=2 PORTICO_RATELIMIT_BURST=2 REQUEST_METHOD=GET "
                               "REQUEST_URI=/api/v1/system/ready REMOTE_ADDR=%s PORTICO_LOG_FILE=/dev/null %s </dev/null", addr, bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK"));
#undef RL_ECHO
}

static void test_login_throttle_shared_and_parallel(void)
{
    /* username and email are one account: their failures count together */
    char name[64], email[96], cookie[256], csrf[128], body[512];
    struct resp r;
    snprintf(name, sizeof(name), "thr%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(email, sizeof(email), "%s@example.org", name);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s-password-1\"}", name, email, name);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login(i % 2 ? email : name, "wrong password!!", NULL, 0, NULL, 0), 401);
    CU_ASSERT_EQUAL(login(email, "wrong password!!", NULL, 0, NULL, 0), 429);
    char pw[96];
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    CU_ASSERT_EQUAL(login(name, pw, NULL, 0, NULL, 0), 429);   /* locked, even with the right one */

    /* ten attempts at once on a fresh name: no more than the limit reach the password check */
    char cmd[2048], out[256];
    snprintf(cmd, sizeof(cmd),
             "for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null -w '%%{http_code}\\n' -H 'Content-Type: application/json' "
             "-d '{\"username\":\"par-%s\",\"password\":\"wrong password!!\"}' %s/api/v1/auth/login & done; wait",
             name, base_url);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    int n401 = 0, n429 = 0;
    for (const char *s = out; *s; s++) {
        if (strncmp(s, "401", 3) == 0)
            n401++;
        if (strncmp(s, "429", 3) == 0)
            n429++;
    }
    CU_ASSERT_EQUAL(n401 + n429, 10);
    CU_ASSERT_TRUE(n401 <= 5);
    CU_ASSERT_TRUE(n429 >= 5);
}

/* ---- hostile inputs, as the assessment sent them (the suite runs on the sanitizer build) ------ */

/* What injection, traversal, template and encoding probes look like in a URL (percent-encoded). */
static const char *const url_probes[] = {
    "%27", "%22", "%27%20OR%20%271%27%3D%271", "1%3B%20DROP%20TABLE%20users%3B%20--", "%5C", "%00", "a%00b",
    "admin%27--", "1%20UNION%20SELECT%20password_hash%20FROM%20users", "%24%7Bjndi%3Aldap%3A%2F%2Fx%7D",
    "%7B%7B7*7%7D%7D", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f",
    "%ff%fe%fd", "%C0%AF", "%F0%9F%92%A9", "%E2%80%AE", "a%0d%0aSet-Cookie%3A%20x%3D1", "*", "%25", "_", "NULL",
    "-1", "99999999999999999999999", "1e308", "0x7fffffff", "%20", "", "SLEEP(5)", "1%27%20AND%20SLEEP(5)--%20",
};

/* Where they go: every query a list or search reads, and path segments. */
static const char *const url_targets[] = {
    "/api/v1/catalog/entities?q={}", "/api/v1/catalog/entities?kind={}&namespace={}", "/api/v1/catalog/entities?tag={}&owned={}",
    "/api/v1/catalog/entities?orphan={}&location={}", "/api/v1/catalog/entities?cursor={}&limit={}",
    "/api/v1/catalog/entities/component/default/{}", "/api/v1/catalog/entities/{}/{}/x/graph?depth={}",
    "/api/v1/catalog/entities/component/default/x/relations?direction={}&include={}", "/api/v1/catalog/discover/{}",
    "/api/v1/catalog/locations/{}", "/api/v1/audit/events?actor={}&action={}", "/api/v1/audit/events?cursor={}&format={}",
    "/api/v1/audit/events?after={}&limit={}", "/api/v1/audit/activity?cursor={}", "/api/v1/secrets/metadata?prefix={}",
    "/api/v1/secrets/metadata?cursor={}&environment={}", "/api/v1/secrets/metadata/{}", "/api/v1/iam/users?username={}",
    "/api/v1/iam/users/{}", "/api/v1/iam/teams/{}/members", "/api/v1/iam/explain?user={}&permission={}",
    "/api/v1/iam/explain?user=admin&permission=catalog.entity.read&entity={}&team={}",
    "/api/v1/provision/resources?entity={}&state={}", "/api/v1/provision/resources?team={}&mine={}",
    "/api/v1/provision/requests?state={}&team={}", "/api/v1/provision/notifications?unread={}",
    "/api/v1/templates?q={}", "/api/v1/templates/{}/versions/{}/diff/{}", "/api/v1/catalog/export?format={}",
};

/* target with every {} replaced by value */
static void fill(char *out, size_t len, const char *target, const char *value)
{
    size_t n = 0, vl = strlen(value);
    for (const char *t = target; *t && n + 1 < len; t++) {
        if (t[0] == '{' && t[1] == '}' && n + vl + 1 < len) {
            memcpy(out + n, value, vl);
            n += vl;
            t++;
        } else {
            out[n++] = *t;
        }
    }
    out[n] = '\0';
}

/* The same probes as text a JSON field carries (decoded), stored and echoed as data. */
static const char *const text_probes[] = {
    "'", "\"", "' OR '1'='1", "1; DROP TABLE users; --", "\\", "admin'--", "${jndi:ldap://x}", "{{7*7}}",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "../../../../etc/passwd",
    "\xe2\x80\xae", "\xf0\x9f\x92\xa9", "a\r\nSet-Cookie: x=1", "=cmd|' /C calc'!A0", "%s%s%s%n", "1' AND SLEEP(5)-- ",
};

static void test_hostile_inputs(void)
{
    char cookie[256], csrf[128], path[1024], name[64];
    struct resp r;
    int fivexx = 0, sent = 0;
    long long users = root_number("SELECT COUNT(*) FROM users");
    CU_ASSERT_TRUE_FATAL(users > 0);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* every probe in every place, as the administrator (who reaches every query): never a 5xx */
    for (size_t t = 0; t < sizeof(url_targets) / sizeof(url_targets[0]); t++) {
        for (size_t i = 0; i < sizeof(url_probes) / sizeof(url_probes[0]); i++) {
            const char *v = url_probes[i];
            fill(path, sizeof(path), url_targets[t], v);
            CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r) > 0, 1);
            sent++;
            if (r.status >= 500) {
                fivexx++;
                fprintf(stderr, "\n    hostile: GET %s answered %ld", path, r.status);
            }
            resp_free(&r);
        }
    }
    /* anonymous too: 401 or a public answer, never more */
    for (size_t i = 0; i < sizeof(url_probes) / sizeof(url_probes[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s", url_probes[i]);
        long st = get_as(NULL, path, &r);
        /* 401; or 400 for a query refused as malformed before anyone is asked who they are (a NUL
         * by the handler; invalid UTF-8 and CR LF by lighttpd too) */
        bool nul = strstr(url_probes[i], "%00") != NULL;
        CU_ASSERT_TRUE(nul ? st == 400 : st == 401 || st == 400);
        if (st != 401 && st != 400)
            fprintf(stderr, "\n    hostile: anonymous GET %s answered %ld", path, st);
        resp_free(&r);
    }

    /* as JSON text: logins, an entity's fields; stored and given back as the same data */
    for (size_t i = 0; i < sizeof(text_probes) / sizeof(text_probes[0]); i++) {
        json_object *b = json_object_new_object();
        json_object_object_add(b, "username", json_object_new_string(text_probes[i]));
        json_object_object_add(b, "password", json_object_new_string(text_probes[i]));
        const char *txt = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", txt, -1, NULL, &r), 0);
        CU_ASSERT_TRUE(r.status == 401 || r.status == 422 || r.status == 400);
        sent++;
        fivexx += r.status >= 500;
        resp_free(&r);
        json_object_put(b);

        snprintf(name, sizeof(name), "hostile-%d-%zu%c", (int)getpid(), i, server[strlen(server) - 1]);
        json_object *e = json_tokener_parse("{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\","
                                            "\"metadata\":{},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\","
                                            "\"owner\":\"group:default/nobody\"}}");
        json_object *md = json_object_object_get(e, "metadata");
        json_object_object_add(md, "name", json_object_new_string(name));
        json_object_object_add(md, "title", json_object_new_string(text_probes[i]));
        json_object_object_add(md, "description", json_object_new_string(text_probes[i]));
        json_object *ann = json_object_new_object();
        json_object_object_add(ann, "example.com/probe", json_object_new_string(text_probes[i]));
        json_object_object_add(md, "annotations", ann);
        snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
        long st = post_session(cookie, csrf, "PUT", path, json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN), &r);
        sent++;
        fivexx += st >= 500;
        CU_ASSERT_TRUE(st == 201 || st == 422);   /* 422: a field the catalog refuses, said as such */
        resp_free(&r);
        json_object_put(e);
        if (st == 201) {
            CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
            json_object *got = json_tokener_parse(r.body), *ent = NULL, *gm = NULL, *d = NULL;
            CU_ASSERT_TRUE(got && json_object_object_get_ex(got, "entity", &ent) &&
                           json_object_object_get_ex(ent, "metadata", &gm) &&
                           json_object_object_get_ex(gm, "description", &d) &&
                           strcmp(json_object_get_string(d), text_probes[i]) == 0);
            json_object_put(got);
            resp_free(&r);
        }
    }
    CU_ASSERT_EQUAL(fivexx, 0);
    CU_ASSERT_TRUE(sent > 900);

    /* nothing was dropped or added behind the API's back, and the stack still answers */
    CU_ASSERT_EQUAL(root_number("SELECT COUNT(*) FROM users"), users);
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/ready", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    char out[512], cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s audit verify", getenv("PORTICO_TEST_ADMIN"));
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "intact"));
}

/* ---------------------------------------------------------------------------------------- */

static void test_database_down(void)
{
    const char *stop = getenv("PORTICO_TEST_DB_STOP"), *start = getenv("PORTICO_TEST_DB_START");
    CU_ASSERT_PTR_NOT_NULL_FATAL(stop);
    CU_ASSERT_PTR_NOT_NULL_FATAL(start);
    struct resp r;
    char buf[64];

    /* warm: every handler process has a live connection */
    for (int i = 0; i < 8; i++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/ready", NULL, NULL, 0, NULL, &r), 0);
        CU_ASSERT_EQUAL(r.status, 200);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL_FATAL(run(stop, NULL, 0), 0);

    for (int i = 0; i < 8; i++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/ready", NULL, NULL, 0, NULL, &r), 0);
        json_object *o = assert_problem(&r, 503, "database-unavailable");
        assert_request_id(&r, o);
        const char *ra = header(&r, "Retry-After", buf, sizeof(buf));
        CU_ASSERT_PTR_NOT_NULL(ra);
        if (ra)
            CU_ASSERT_TRUE(atoi(ra) > 0);
        json_object_put(o);
        resp_free(&r);
    }
    /* liveness does not depend on the database */
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/health", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);

    CU_ASSERT_EQUAL_FATAL(run(start, NULL, 0), 0);
    /* ready recovers without restarting the web server or the handlers */
    int ok = 0;
    for (int i = 0; i < 100 && ok < 8; i++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/system/ready", NULL, NULL, 0, NULL, &r), 0);
        if (r.status == 200)
            ok++;
        else
            usleep(100000);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(ok, 8);
}

int main(void)
{
    int rc = client_start("integration-tests");
    if (rc)
        return rc;
    char name[128];
    snprintf(name, sizeof(name), "http (%s)", server);
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    CU_add_test(s, "health answers 200 JSON without the database", test_health);
    CU_add_test(s, "ready answers 200 with the schema version", test_ready);
    CU_add_test(s, "version", test_version);
    CU_add_test(s, "the README quotes /ready and lists the areas as they are", test_readme_matches);
    CU_add_test(s, "HEAD has no body", test_head);
    CU_add_test(s, "unknown path in an area is 404 problem+json", test_not_found_in_area);
    CU_add_test(s, "unknown area is 404 problem+json", test_not_found_area);
    CU_add_test(s, "wrong method is 405 with Allow", test_method_not_allowed);
    CU_add_test(s, "JSON body and Authorization reach the handler", test_echo_ok);
    CU_add_test(s, "body of exactly the cap is accepted", test_body_at_cap);
    CU_add_test(s, "body over the cap is 413 problem+json", test_body_too_large);
    CU_add_test(s, "malformed JSON is 400", test_malformed_json);
    CU_add_test(s, "empty body is 400", test_empty_body);
    CU_add_test(s, "wrong content type is 415", test_wrong_content_type);
    CU_add_test(s, "chunked body: passed on with its length, or 411", test_chunked_body);
    CU_add_test(s, "invalid fields are one 422", test_validation);
    CU_add_test(s, "static files, SPA fallback, security headers", test_static_and_headers);
    CU_add_test(s, "the API document: public, cacheable, 304 when unchanged", test_api_document);
    CU_add_test(s, "one JSON log line per request", test_request_log);
    CU_add_test(s, "many legal header fields: 431 problem+json, logged, not 503", test_large_headers);
    CU_add_test(s, "the web server's own errors are problem+json; no version; no HTTP/0.9", test_server_error_pages);

    CU_pSuite t = CU_add_suite("tools", NULL, NULL);
    CU_add_test(t, "the handler runs as plain CGI", test_cgi_mode);
    CU_add_test(t, "migrate twice is harmless", test_migrate_idempotent);
    CU_add_test(t, "migrate from two hosts at once", test_migrate_concurrent);
    CU_add_test(t, "the handlers' account has least privilege", test_least_privilege);
    CU_add_test(t, "rate limits hold across processes, with Retry-After", test_rate_limits);

    CU_pSuite au = CU_add_suite("auth", NULL, NULL);
    CU_add_test(au, "login, who am I, CSRF, logout", test_login_session_logout);
    CU_add_test(au, "wrong password and unknown user look alike", test_login_failures_look_alike);
    CU_add_test(au, "no, forged or unsupported credentials: 401", test_no_credentials_or_bad_ones);
    CU_add_test(au, "a POST without Content-Length gets problem+json", test_post_without_length);
    CU_add_test(au, "idle, absolute expiry and disabled user end sessions", test_session_expiry_and_disabled_user);
    CU_add_test(au, "failed logins lock the account with Retry-After", test_login_throttle);
    CU_add_test(au, "throttle: one count per account, parallel attempts bounded", test_login_throttle_shared_and_parallel);
    CU_add_test(au, "wrong passwords lock the (account, address) pair; known devices still log in", test_login_lock_per_pair);
    CU_add_test(au, "hostile inputs: injection, traversal, XSS and encoding probes; never a 5xx, stored as data",
                test_hostile_inputs);
    CU_add_test(au, "a hostile User-Agent breaks neither logins nor the audit chain", test_hostile_user_agent);
    CU_add_test(au, "every outcome is audited, chain intact, no secrets", test_audit_trail);
    CU_add_test(au, "roles decide: anonymous 401, viewer 403, maintainer and admin 200", test_authorization_by_role);
    CU_add_test(au, "audit events: pages, filters, JSON Lines, CSV, validation", test_audit_events_api);
    CU_add_test(au, "audit CSV: cells led by a formula, TAB, CR or LF are neutralised", test_audit_csv_formulas);
    CU_add_test(au, "API tokens: once, bearer, scopes, list, revoke, expiry", test_api_tokens);
    CU_add_test(au, "iam: users, nested teams, bindings, explain, disable, unlock", test_iam_teams_and_explain);
    CU_add_test(au, "disabling ends sessions and revokes tokens; enabling brings neither back",
                test_disable_ends_sessions_and_tokens);
    CU_add_test(au, "custom roles, policies, and changes seen at once by every process", test_custom_roles_and_policies);
    CU_add_test(au, "catalog: entities, ETag and If-Match, owners' teams, relations", test_catalog_entities);
    CU_add_test(au, "catalog import: YAML, dry run, unchanged and changed, all or nothing", test_catalog_import);
    CU_add_test(au, "catalog locations: file, git, URL; orphans, the deletion guard, teams", test_catalog_locations);
    CU_add_test(au, "catalog discovery: register, TTL to critical, discover, runner deregisters", test_catalog_discovery);
    CU_add_test(au, "secrets: versions, CAS, reveal, delete and destroy, scopes, audit, rotation", test_secrets);
    CU_add_test(au, "authorization matrix: every route x anonymous and each role", test_authorization_matrix);
    CU_add_test(au, "canary: after the secret was revealed, no other answer held its value", test_canary_in_answers);

    CU_pSuite d = CU_add_suite("database down", NULL, NULL);
    CU_add_test(d, "503 with Retry-After, then recovery without restart", test_database_down);

    return client_finish();
}
