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
#include "tests/integration/http_suites.h"

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
    /* what the web server passes on (headers, cookies, bodies, limits, its own errors) is tested
     * against every set-up; the areas behind it once, against Apache */
    bool areas = strcmp(server, "apache") == 0;
    char name[128];
    snprintf(name, sizeof(name), "transport (%s)", server);
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    CU_pSuite area = areas ? CU_add_suite("areas (apache)", NULL, NULL) : NULL;
    ADD(s, "health answers 200 JSON without the database", test_health);
    ADD(s, "ready answers 200 with the schema version", test_ready);
    ADD(s, "version", test_version);
    ADD(area, "the README quotes /ready and lists the areas as they are", test_readme_matches);
    ADD(s, "HEAD has no body", test_head);
    ADD(s, "unknown path in an area is 404 problem+json", test_not_found_in_area);
    ADD(s, "unknown area is 404 problem+json", test_not_found_area);
    ADD(s, "wrong method is 405 with Allow", test_method_not_allowed);
    ADD(s, "JSON body and Authorization reach the handler", test_echo_ok);
    ADD(s, "body of exactly the cap is accepted", test_body_at_cap);
    ADD(s, "body over the cap is 413 problem+json", test_body_too_large);
    ADD(s, "malformed JSON is 400", test_malformed_json);
    ADD(s, "empty body is 400", test_empty_body);
    ADD(s, "wrong content type is 415", test_wrong_content_type);
    ADD(s, "chunked body: passed on with its length, or 411", test_chunked_body);
    ADD(s, "invalid fields are one 422", test_validation);
    ADD(s, "static files, SPA fallback, security headers", test_static_and_headers);
    ADD(s, "the API document: public, cacheable, 304 when unchanged", test_api_document);
    ADD(s, "one JSON log line per request", test_request_log);
    ADD(s, "many legal header fields: 431 problem+json, logged, not 503", test_large_headers);
    ADD(s, "the web server's own errors are problem+json; no version; no HTTP/0.9", test_server_error_pages);
    ADD(s, "hostile inputs: injection, traversal, XSS and encoding probes; never a 5xx, stored as data",
        test_hostile_inputs);
    tools_tests(s, area);
    auth_tests(s, area);
    audit_tests(s, area);
    iam_tests(s, area);
    catalog_tests(s, area);
    secrets_tests(s, area);
    cicd_tests(s, area);
    cicd_deploy_tests(s, area);
    metrics_tests(s, area);
    logs_tests(s, area);
    health_tests(s, area);
    monitor_tests(s, area);
    canary_tests(area);

    CU_pSuite d = CU_add_suite("database down", NULL, NULL);
    ADD(d, "503 with Retry-After, then recovery without restart", test_database_down);

    return client_finish();
}
