/*
 * app: whole requests through app_serve, without a web server: routing, body checks, the
 * problem+json answers, the headers every answer carries, HEAD, and a steady arena over
 * many requests. The routes here never touch the database, so the context has no db.
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/app.h"
#include "lib/json.h"
#include "lib/log.h"
#include "tests/unit/suites.h"

static bool str_eq(const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
    return false;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* --- the routes ------------------------------------------------------------------------------ */

static int r_ok(struct app_ctx *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    http_response_header(&c->res, "ETag", "\"v1\"");
    return app_json(c, 200, o);
}

static int r_item(struct app_ctx *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(app_param(c, "id")));
    return app_json(c, 200, o);
}

static int r_create(struct app_ctx *c)
{
    const char *name = json_str(c->body, "name", NULL);   /* the row's shape checked it */
    if (!json_fields_ok(&c->problem))
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)c->req.body_len));
    return app_json(c, 201, o);
}

static int r_conflict(struct app_ctx *c)
{
    return problem_set(&c->problem, 409, "conflict", "item %s already exists", app_param(c, "id"));
}

static int r_internal(struct app_ctx *c)
{
    problem_internal(&c->problem, "mysql: access denied for user secret_account");
    return problem_set(&c->problem, 500, "internal", "the item could not be read");
}

static int r_bare_failure(struct app_ctx *c)
{
    (void)c;
    return -1;   /* a handler bug: failure without a problem */
}

static int r_sloppy(struct app_ctx *c)
{
    /* records a field error but returns 0: still an error answer */
    problem_field(&c->problem, "limit", "must be a number");
    return 0;
}

/* The kit: a list of five rows keyed "k1".."k5" paged by app_limit/app_cursor/app_page. */
static int r_page(struct app_ctx *c)
{
    long limit = app_limit(c);   /* its bounds from the row: 1..5, 2 */
    const char *after = app_cursor(c, "things");
    (void)app_query_int(c, "depth", 3, 1, 6);
    if (!json_fields_ok(&c->problem))
        return -1;
    static const char *names[] = { "key", "n" };
    static struct db_cell cells[5][2];
    static char keys[5][4], nums[5][4];
    struct db_result r = { .ncols = 2, .names = names, .cells = &cells[0][0] };
    for (int i = 0; i < 5; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i + 1);
        snprintf(nums[i], sizeof(nums[i]), "%d", i + 1);
        if (after && strcmp(keys[i], after) <= 0)
            continue;
        if (r.nrows == (size_t)limit + 1)
            break;
        cells[r.nrows][0] = (struct db_cell){ keys[i], 2 };
        cells[r.nrows][1] = (struct db_cell){ nums[i], 1 };
        r.nrows++;
    }
    return app_page(c, NULL, "things", &r, limit, 0, "si", "things");
}

/* The kit: app_may/app_refuse for a caller bound as developer on team web (through team web),
 * by session, or by a token scoped to ?scope=, asking ?perm= on ?team= or ?entity=. */
static int r_refuse(struct app_ctx *c)
{
    static struct authz_binding b = { "developer", "team", "web", "team:web" };
    static const char *teams[] = { "web", NULL };
    c->grants = (struct authz_grants){ &b, 1, NULL, teams };
    c->who.user_id = 7;
    c->who.username = "dev";
    const char *scope = http_query(&c->req, "scope");
    static const char *scopes[2];
    if (scope) {
        scopes[0] = arena_strdup(c->arena, scope);
        c->who.via = "token";
        c->who.token_id = 9;
        c->who.scopes = scopes;
    }
    const char *perm = http_query(&c->req, "perm");
    struct authz_resource res = { http_query(&c->req, "team"), http_query(&c->req, "entity"), NULL, "secret" };
    bool nowhere = !res.owner_team && !res.entity;
    struct authz_decision d;
    if (app_may(c, perm, nowhere ? NULL : &res, &d))
        return r_ok(c);
    return app_refuse(c, perm, nowhere ? NULL : &res, &d);
}

/* says it answers {ok} and answers more: what check_answers is for */
static int r_liar(struct app_ctx *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "extra", json_object_new_int(1));
    return app_json(c, 200, o);
}

static const struct route test_routes[] = {
    { "GET", "/api/v1/page", PERM_PUBLIC, r_page, 0, "A paged list", NULL,
      "limit:int(1..5,2) cursor:cursor depth:int(1..6,3) mode:enum(a|b) flag:bool",
      NULL, "things:[{key:string n:int}] next_cursor?:string" },
    { "GET", "/api/v1/refuse", PERM_PUBLIC, r_refuse, 0, "A refusal in words", NULL, NULL, NULL, "ok:bool" },
    { "GET", "/api/v1/ok", PERM_PUBLIC, r_ok, 0, "OK", NULL, NULL, NULL, "ok:bool" },
    { "POST", "/api/v1/items", PERM_PUBLIC, r_create, ROUTE_BODY_JSON, "Create an item", "Needs a name.", NULL,
      "name:string(1..16) pad?:string tags?:[any]", "201 name:string bytes:int" },
    { "GET", "/api/v1/items/{id}", PERM_PUBLIC, r_item, 0, "Get an item", NULL, NULL, NULL, "id:string" },
    { "PUT", "/api/v1/items/{id}", PERM_PUBLIC, r_conflict, 0, "Always a conflict", NULL, NULL, NULL, "204" },
    { "GET", "/api/v1/mine", PERM_AUTHENTICATED, r_ok, 0, "Anyone logged in", NULL, NULL, NULL, "ok:bool" },
    { "DELETE", "/api/v1/items/{id}", "catalog.entity.delete", r_ok, 0, "Needs a named permission", NULL, NULL, NULL, "ok:bool" },
    { "GET", "/api/v1/internal", PERM_PUBLIC, r_internal, 0, "Fails with a secret", NULL, NULL, NULL, "204" },
    { "GET", "/api/v1/bare", PERM_PUBLIC, r_bare_failure, 0, "Fails without a problem", NULL, NULL, NULL, "204" },
    { "GET", "/api/v1/liar", PERM_PUBLIC, r_liar, 0, "Answers more than it declares", NULL, NULL, NULL, "ok:bool" },
    { "GET", "/api/v1/sloppy", PERM_PUBLIC, r_sloppy, 0, "Field error and 0", NULL, NULL, NULL, "204" },
};
static const struct app test_app = { "test", test_routes, sizeof(test_routes) / sizeof(test_routes[0]), NULL };

/* --- I/O --------------------------------------------------------------------------------------- */

struct membuf {
    const char *data;
    size_t len, pos;
};

static long mem_read(void *ctx, char *buf, size_t n)
{
    struct membuf *m = ctx;
    size_t left = m->len - m->pos;
    if (n > left)
        n = left;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (long)n;
}

struct outbuf {
    char data[16384];
    size_t len;
};

static int out_write(void *ctx, const char *buf, size_t n)
{
    struct outbuf *o = ctx;
    if (n > sizeof(o->data) - 1 - o->len)
        return -1;
    memcpy(o->data + o->len, buf, n);
    o->len += n;
    o->data[o->len] = '\0';
    return 0;
}

/* A response as read back from the output. */
struct resp {
    bool well_formed;
    int status;
    char reason[64];
    size_t nheaders;
    char names[24][64];
    char values[24][512];
    const char *body;       /* into the output buffer */
    size_t body_len;
    json_object *json;      /* the body parsed, when it is JSON */
};

static void resp_parse(const struct outbuf *o, struct resp *r)
{
    json_object_put(r->json);
    memset(r, 0, sizeof(*r));
    const char *s = o->data, *end = o->data + o->len;
    if (sscanf(s, "Status: %d %63[^\r]", &r->status, r->reason) != 2)
        return;
    const char *line = strstr(s, "\r\n");
    while (line && line + 2 <= end) {
        line += 2;
        if (strncmp(line, "\r\n", 2) == 0) {
            r->body = line + 2;
            r->body_len = (size_t)(end - r->body);
            r->well_formed = true;
            break;
        }
        const char *eol = strstr(line, "\r\n"), *colon = strstr(line, ": ");
        if (!eol || !colon || colon > eol || r->nheaders == 24)
            return;
        snprintf(r->names[r->nheaders], sizeof(r->names[0]), "%.*s", (int)(colon - line), line);
        snprintf(r->values[r->nheaders], sizeof(r->values[0]), "%.*s", (int)(eol - colon - 2), colon + 2);
        r->nheaders++;
        line = eol;
    }
    if (r->well_formed && r->body_len)
        r->json = json_tokener_parse(r->body);
}

static const char *resp_header(const struct resp *r, const char *name)
{
    const char *found = NULL;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->names[i], name) == 0) {
            if (found)
                return "(header sent twice)";
            found = r->values[i];
        }
    }
    return found;
}

/* --- the fixture ------------------------------------------------------------------------------ */

struct fixture {
    struct arena arena;
    struct config cfg;
    struct app_ctx c;
    struct outbuf out;
    struct resp r;
    struct membuf in;
};

static void fx_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    arena_init(&f->arena, 0);
    config_defaults(&f->cfg);
    f->cfg.body_max_bytes = 1024;
    f->c.arena = &f->arena;
    f->c.cfg = &f->cfg;
    f->c.db = NULL;   /* db_end_request(NULL) is false; no route here queries */
}

static void fx_free(struct fixture *f)
{
    json_object_put(f->r.json);
    f->r.json = NULL;
    arena_free(&f->arena);
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

#define NO_LENGTH ((const char *)-1)

/* Serve one request. ctype NULL: no Content-Type. clen NULL: the body's length when there is
 * a body, none otherwise; NO_LENGTH: none; else sent as is. extra: one more parameter. */
static void serve_ex(struct fixture *f, const char *method, const char *uri, const char *ctype,
                     const char *clen, const char *body, const char *extra)
{
    char *env[12];
    size_t n = 0;
    const char *q = strchr(uri, '?');
    env[n++] = xprintf("REQUEST_METHOD=%s", method);
    env[n++] = xprintf("REQUEST_URI=%s", uri);
    env[n++] = xprintf("QUERY_STRING=%s", q ? q + 1 : "");
    env[n++] = xprintf("REMOTE_ADDR=192.0.2.1");
    if (ctype)
        env[n++] = xprintf("CONTENT_TYPE=%s", ctype);
    if (clen != NO_LENGTH && (clen || body))
        env[n++] = clen ? xprintf("CONTENT_LENGTH=%s", clen) : xprintf("CONTENT_LENGTH=%zu", strlen(body));
    if (extra)
        env[n++] = xprintf("%s", extra);
    env[n] = NULL;

    f->in.data = body ? body : "";
    f->in.len = body ? strlen(body) : 0;
    f->in.pos = 0;
    f->out.len = 0;
    f->out.data[0] = '\0';
    app_serve(&test_app, &f->c, env, mem_read, &f->in, out_write, &f->out);
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    resp_parse(&f->out, &f->r);
}

static void serve(struct fixture *f, const char *method, const char *uri, const char *ctype,
                  const char *clen, const char *body)
{
    serve_ex(f, method, uri, ctype, clen, body, NULL);
}

static void get(struct fixture *f, const char *uri)
{
    serve(f, "GET", uri, NULL, NULL, NULL);
}

static void post_json(struct fixture *f, const char *uri, const char *body)
{
    serve(f, "POST", uri, "application/json", NULL, body);
}

static bool is_request_id(const char *s)
{
    if (!s || strlen(s) != 32)
        return false;
    for (size_t i = 0; i < 32; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* What every answer carries, and the declared length matching the body. */
static void check_common(const struct fixture *f, bool head)
{
    const struct resp *r = &f->r;
    CU_ASSERT_FATAL(r->well_formed);
    CU_ASSERT(str_eq(r->reason, http_reason(r->status)));
    CU_ASSERT(is_request_id(resp_header(r, "X-Request-Id")));
    CU_ASSERT(str_eq(resp_header(r, "Cache-Control"), "no-store"));
    CU_ASSERT(str_eq(resp_header(r, "X-Content-Type-Options"), "nosniff"));
    const char *cl = resp_header(r, "Content-Length");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cl);
    if (head) {
        CU_ASSERT_EQUAL(r->body_len, 0);
    } else {
        CU_ASSERT_EQUAL(strtoul(cl, NULL, 10), r->body_len);
    }
}

/* An error answer: problem+json with the slug, the status and the request id of the header. */
static void check_problem(const struct fixture *f, int status, const char *slug)
{
    const struct resp *r = &f->r;
    check_common(f, false);
    CU_ASSERT_EQUAL(r->status, status);
    if (r->status != status)
        fprintf(stderr, "\n    status %d, want %d: %s\n", r->status, status, r->body ? r->body : "");
    CU_ASSERT(str_eq(resp_header(r, "Content-Type"), "application/problem+json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->json);
    char type[128];
    snprintf(type, sizeof(type), "urn:portico:problem:%s", slug);
    CU_ASSERT(str_eq(jstr(r->json, "type"), type));
    CU_ASSERT(str_eq(jstr(r->json, "title"), http_reason(status)));
    json_object *st;
    CU_ASSERT(json_object_object_get_ex(r->json, "status", &st) && json_object_get_int(st) == status);
    CU_ASSERT(str_eq(jstr(r->json, "request_id"), resp_header(r, "X-Request-Id")));
    CU_ASSERT_PTR_NOT_NULL(jstr(r->json, "detail"));
}

static int suite_init(void)
{
    return log_open("/dev/null") == 0 ? 0 : -1;
}

static int suite_clean(void)
{
    log_open(NULL);
    return 0;
}

/* --- tests -------------------------------------------------------------------------------------- */

static void test_table_passes_check(void)
{
    char err[256] = "";
    CU_ASSERT_EQUAL(router_table_check(test_app.routes, test_app.nroutes, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
}

static void test_get_ok(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/ok");
    check_common(&f, false);
    CU_ASSERT_EQUAL(f.r.status, 200);
    CU_ASSERT(str_eq(f.r.reason, "OK"));
    CU_ASSERT(str_eq(resp_header(&f.r, "Content-Type"), "application/json"));
    CU_ASSERT(str_eq(resp_header(&f.r, "ETag"), "\"v1\""));
    CU_ASSERT(str_eq(f.r.body, "{\"ok\":true}"));
    CU_ASSERT_PTR_NULL(resp_header(&f.r, "Allow"));
    /* a query string does not change the route */
    get(&f, "/api/v1/ok?verbose=1");
    CU_ASSERT_EQUAL(f.r.status, 200);
    fx_free(&f);
}

static void test_path_param(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/items/a%2Fb%20c");
    check_common(&f, false);
    CU_ASSERT_EQUAL(f.r.status, 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.r.json);
    CU_ASSERT(str_eq(jstr(f.r.json, "id"), "a/b c"));
    fx_free(&f);
}

static void test_not_found(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/nope");
    check_problem(&f, 404, "not-found");
    get(&f, "/api/v1/ok/");
    check_problem(&f, 404, "not-found");
    /* the path in the detail is data, not markup: it comes back JSON-escaped and intact */
    get(&f, "/api/v1/\"x\"");
    check_problem(&f, 404, "not-found");
    CU_ASSERT_PTR_NOT_NULL(f.r.json ? strstr(jstr(f.r.json, "detail"), "/api/v1/\"x\"") : NULL);
    fx_free(&f);
}

static void test_method_not_allowed(void)
{
    struct fixture f;
    fx_init(&f);
    serve(&f, "DELETE", "/api/v1/ok", NULL, NULL, NULL);
    check_problem(&f, 405, "method-not-allowed");
    CU_ASSERT(str_eq(resp_header(&f.r, "Allow"), "GET, HEAD"));
    serve(&f, "PATCH", "/api/v1/items/7", NULL, NULL, NULL);
    check_problem(&f, 405, "method-not-allowed");
    CU_ASSERT(str_eq(resp_header(&f.r, "Allow"), "GET, HEAD, PUT, DELETE"));
    serve(&f, "GET", "/api/v1/items", NULL, NULL, NULL);
    check_problem(&f, 405, "method-not-allowed");
    CU_ASSERT(str_eq(resp_header(&f.r, "Allow"), "POST"));
    fx_free(&f);
}

static void test_unsupported_media_type(void)
{
    struct fixture f;
    fx_init(&f);
    serve(&f, "POST", "/api/v1/items", "text/plain", NULL, "{\"name\":\"x\"}");
    check_problem(&f, 415, "unsupported-media-type");
    serve(&f, "POST", "/api/v1/items", NULL, NULL, "{\"name\":\"x\"}");
    check_problem(&f, 415, "unsupported-media-type");
    serve(&f, "POST", "/api/v1/items", "application/jsonp", NULL, "{\"name\":\"x\"}");
    check_problem(&f, 415, "unsupported-media-type");
    /* +json types and parameters are fine */
    serve(&f, "POST", "/api/v1/items", "application/merge-patch+json; charset=utf-8", NULL, "{\"name\":\"x\"}");
    CU_ASSERT_EQUAL(f.r.status, 201);
    fx_free(&f);
}

static void test_length_required(void)
{
    struct fixture f;
    fx_init(&f);
    serve(&f, "POST", "/api/v1/items", "application/json", NO_LENGTH, "{\"name\":\"x\"}");
    check_problem(&f, 411, "length-required");
    serve(&f, "POST", "/api/v1/items", "application/json", "abc", "{\"name\":\"x\"}");
    check_problem(&f, 400, "bad-content-length");
    serve(&f, "POST", "/api/v1/items", "application/json", "0", "");
    check_problem(&f, 400, "empty-body");
    serve(&f, "POST", "/api/v1/items", "application/json", "50", "{\"name\":\"x\"}");
    check_problem(&f, 400, "incomplete-body");
    fx_free(&f);
}

static void test_too_large(void)
{
    struct fixture f;
    fx_init(&f);
    /* exactly body_max_bytes is accepted */
    static char body[1100];
    const char *head = "{\"name\":\"big\",\"pad\":\"";
    size_t hl = strlen(head);
    memcpy(body, head, hl);
    memset(body + hl, 'p', 1024 - hl - 2);
    memcpy(body + 1024 - 2, "\"}", 3);
    CU_ASSERT_EQUAL_FATAL(strlen(body), 1024);
    post_json(&f, "/api/v1/items", body);
    CU_ASSERT_EQUAL(f.r.status, 201);
    json_object *b;
    CU_ASSERT(f.r.json && json_object_object_get_ex(f.r.json, "bytes", &b) && json_object_get_int(b) == 1024);

    /* one byte more is 413, refused before the body is read */
    memcpy(body + 1024 - 2, "p\"}", 4);
    post_json(&f, "/api/v1/items", body);
    check_problem(&f, 413, "body-too-large");
    CU_ASSERT_EQUAL(f.in.pos, 0);
    serve(&f, "POST", "/api/v1/items", "application/json", "99999999", "{}");
    check_problem(&f, 413, "body-too-large");
    fx_free(&f);
}

static void test_malformed_json(void)
{
    struct fixture f;
    fx_init(&f);
    static const char *const bad[] = { "{", "{\"name\":}", "{} x", "null", "[1,]", "\"\xff\"" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        post_json(&f, "/api/v1/items", bad[i]);
        check_problem(&f, 400, "malformed-json");
    }
    /* too deep for json_max_depth */
    f.cfg.json_max_depth = 4;
    post_json(&f, "/api/v1/items", "{\"name\":\"x\",\"a\":[[[[[1]]]]]}");
    check_problem(&f, 400, "malformed-json");
    fx_free(&f);
}

/* check_answers: an answer that is not its route's declared shape (a member it does not
 * declare, a status it does not name) is a 500 that says where; off, it goes out as it is */
static void test_answer_check(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/liar");
    CU_ASSERT_EQUAL(f.r.status, 200);
    f.cfg.check_answers = 1;
    get(&f, "/api/v1/liar");
    check_problem(&f, 500, "answer-shape");
    CU_ASSERT(f.r.json && strstr(jstr(f.r.json, "detail"), "/extra: is not declared") != NULL);
    get(&f, "/api/v1/ok");
    CU_ASSERT_EQUAL(f.r.status, 200);
    post_json(&f, "/api/v1/items", "{\"name\":\"widget\"}");
    CU_ASSERT_EQUAL(f.r.status, 201);
    fx_free(&f);
}

/* a body its shape refuses is wiped: the bytes received and the strings parsed from them */
static void test_refused_body_wiped(void)
{
    struct fixture f;
    fx_init(&f);
    post_json(&f, "/api/v1/items", "{\"name\":\"sekrit-value\",\"unknown\":1}");
    check_problem(&f, 422, "validation");
    CU_ASSERT(f.c.req.body && f.c.req.body_len > 0);
    bool kept = false;
    for (size_t i = 0; f.c.req.body && i + 6 <= f.c.req.body_len; i++)
        kept |= memcmp(f.c.req.body + i, "sekrit", 6) == 0;
    CU_ASSERT_FALSE(kept);
    fx_free(&f);
}

static void test_validation(void)
{
    struct fixture f;
    fx_init(&f);
    post_json(&f, "/api/v1/items", "{\"name\":5}");
    check_problem(&f, 422, "validation");
    json_object *errs = NULL, *e0;
    CU_ASSERT_FATAL(f.r.json && json_object_object_get_ex(f.r.json, "errors", &errs));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(errs), 1);
    e0 = json_object_array_get_idx(errs, 0);
    CU_ASSERT(str_eq(jstr(e0, "field"), "name"));
    CU_ASSERT_PTR_NOT_NULL(jstr(e0, "message"));

    post_json(&f, "/api/v1/items", "{}");
    check_problem(&f, 422, "validation");
    post_json(&f, "/api/v1/items", "{\"name\":\"seventeen-chars-xx\"}");
    check_problem(&f, 422, "validation");
    /* a body that is not an object has no fields either */
    post_json(&f, "/api/v1/items", "[\"name\"]");
    check_problem(&f, 422, "validation");
    /* a handler that records field errors and returns 0 still answers 422 */
    get(&f, "/api/v1/sloppy");
    check_problem(&f, 422, "validation");
    fx_free(&f);
}

static void test_post_ok(void)
{
    struct fixture f;
    fx_init(&f);
    post_json(&f, "/api/v1/items", " {\"name\": \"widget\"} \n");
    check_common(&f, false);
    CU_ASSERT_EQUAL(f.r.status, 201);
    CU_ASSERT(str_eq(f.r.reason, "Created"));
    CU_ASSERT(str_eq(resp_header(&f.r, "Content-Type"), "application/json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.r.json);
    CU_ASSERT(str_eq(jstr(f.r.json, "name"), "widget"));
    fx_free(&f);
}

static void test_conflict_from_handler(void)
{
    struct fixture f;
    fx_init(&f);
    serve(&f, "PUT", "/api/v1/items/7", NULL, NULL, NULL);
    check_problem(&f, 409, "conflict");
    CU_ASSERT(str_eq(f.r.json ? jstr(f.r.json, "detail") : NULL, "item 7 already exists"));
    fx_free(&f);
}

static void test_head(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/ok");
    char get_len[32];
    snprintf(get_len, sizeof(get_len), "%s", resp_header(&f.r, "Content-Length"));
    serve(&f, "HEAD", "/api/v1/ok", NULL, NULL, NULL);
    check_common(&f, true);
    CU_ASSERT_EQUAL(f.r.status, 200);
    CU_ASSERT_EQUAL(f.r.body_len, 0);
    CU_ASSERT(str_eq(resp_header(&f.r, "Content-Length"), get_len));
    CU_ASSERT(str_eq(resp_header(&f.r, "Content-Type"), "application/json"));

    /* errors to HEAD have no body either */
    serve(&f, "HEAD", "/api/v1/nope", NULL, NULL, NULL);
    check_common(&f, true);
    CU_ASSERT_EQUAL(f.r.status, 404);
    CU_ASSERT_EQUAL(f.r.body_len, 0);
    CU_ASSERT(str_eq(resp_header(&f.r, "Content-Type"), "application/problem+json"));
    fx_free(&f);
}

static void test_internal_not_sent(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/internal");
    check_problem(&f, 500, "internal");
    CU_ASSERT_PTR_NULL(strstr(f.out.data, "secret_account"));
    CU_ASSERT(str_eq(f.r.json ? jstr(f.r.json, "detail") : NULL, "the item could not be read"));
    fx_free(&f);
}

static void test_bare_failure_is_500(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/bare");
    check_common(&f, false);
    CU_ASSERT_EQUAL(f.r.status, 500);
    CU_ASSERT(str_eq(resp_header(&f.r, "Content-Type"), "application/problem+json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.r.json);
    CU_ASSERT(str_eq(jstr(f.r.json, "title"), "Internal Server Error"));
    CU_ASSERT(str_eq(jstr(f.r.json, "request_id"), resp_header(&f.r, "X-Request-Id")));
    fx_free(&f);
}

static void test_bad_requests(void)
{
    struct fixture f;
    fx_init(&f);
    get(&f, "/api/v1/ok?a=%zz");
    check_problem(&f, 400, "bad-query");
    get(&f, "/api/v1/items/%zz");
    check_problem(&f, 400, "bad-path");

    char *uri = malloc(HTTP_MAX_PATH + 2);
    memset(uri, 'a', HTTP_MAX_PATH + 1);
    uri[0] = '/';
    uri[HTTP_MAX_PATH + 1] = '\0';
    get(&f, uri);
    check_problem(&f, 414, "uri-too-long");
    CU_ASSERT(str_eq(f.r.reason, "URI Too Long"));
    free(uri);
    fx_free(&f);
}

static void test_config_error_is_503(void)
{
    struct fixture f;
    fx_init(&f);
    f.c.config_error = "configuration did not load";
    get(&f, "/api/v1/ok");
    check_problem(&f, 503, "misconfigured");
    CU_ASSERT(str_eq(resp_header(&f.r, "Retry-After"), "60"));
    post_json(&f, "/api/v1/items", "{\"name\":\"x\"}");
    check_problem(&f, 503, "misconfigured");
    fx_free(&f);
}

static void test_config_from_first_request(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/portico-app-test-XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    const char *text = "body_max_bytes = 2048\nlog_file = /dev/null\n";
    CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);

    /* PORTICO_CONFIG (here as REDIRECT_, after a rewrite) arrives with the first request */
    struct fixture f;
    fx_init(&f);
    f.c.config_pending = true;
    char *extra = xprintf("REDIRECT_PORTICO_CONFIG=%s", path);
    serve_ex(&f, "GET", "/api/v1/ok", NULL, NULL, NULL, extra);
    free(extra);
    CU_ASSERT_EQUAL(f.r.status, 200);
    CU_ASSERT_FALSE(f.c.config_pending);
    CU_ASSERT_PTR_NULL(f.c.config_error);
    CU_ASSERT_EQUAL(f.cfg.body_max_bytes, 2048);
    fx_free(&f);

    /* a file that does not load: every request answers 503 */
    fx_init(&f);
    f.c.config_pending = true;
    unlink(path);
    extra = xprintf("PORTICO_CONFIG=%s", path);
    serve_ex(&f, "GET", "/api/v1/ok", NULL, NULL, NULL, extra);
    free(extra);
    check_problem(&f, 503, "misconfigured");
    get(&f, "/api/v1/ok");
    check_problem(&f, 503, "misconfigured");
    fx_free(&f);
    log_open("/dev/null");
}

static void test_request_ids_differ(void)
{
    struct fixture f;
    fx_init(&f);
    char first[40];
    get(&f, "/api/v1/ok");
    snprintf(first, sizeof(first), "%s", resp_header(&f.r, "X-Request-Id"));
    get(&f, "/api/v1/ok");
    CU_ASSERT(is_request_id(first));
    CU_ASSERT(is_request_id(resp_header(&f.r, "X-Request-Id")));
    CU_ASSERT_STRING_NOT_EQUAL(first, resp_header(&f.r, "X-Request-Id"));
    fx_free(&f);
}

static void test_arena_steady_over_many_requests(void)
{
    struct fixture f;
    fx_init(&f);
    enum { KINDS = 5, ROUNDS = 2000 };
    size_t first[KINDS] = { 0 }, last[KINDS] = { 0 };
    int want[KINDS] = { 200, 201, 404, 422, 405 };
    size_t wrong = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < KINDS; k++) {
            switch (k) {
            case 0: get(&f, "/api/v1/ok"); break;
            case 1: post_json(&f, "/api/v1/items", "{\"name\":\"widget\",\"tags\":[1,2,3]}"); break;
            case 2: get(&f, "/api/v1/nope?x=1&y=2"); break;
            case 3: post_json(&f, "/api/v1/items", "{\"name\":\"\"}"); break;
            default: serve(&f, "DELETE", "/api/v1/items", NULL, NULL, NULL); break;
            }
            wrong += f.r.status != want[k];
            if (round == 0)
                first[k] = f.arena.total;
            last[k] = f.arena.total;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    for (int k = 0; k < KINDS; k++) {
        CU_ASSERT(first[k] > 0);
        CU_ASSERT_EQUAL(last[k], first[k]);
        /* a request fits in the one kept chunk: no malloc per request */
        CU_ASSERT(last[k] < 16 * 1024);
    }
    fx_free(&f);
}

static void test_protected_routes_need_identity(void)
{
    /* No credentials: 401 with WWW-Authenticate, before the handler runs; a forged bearer
     * credential: 401 too (it is never ignored). No database is needed to refuse. */
    struct fixture f;
    const char *paths[][2] = { { "GET", "/api/v1/mine" }, { "DELETE", "/api/v1/items/7" } };
    for (size_t i = 0; i < 2; i++) {
        fx_init(&f);
        serve(&f, paths[i][0], paths[i][1], NULL, NULL, NULL);
        check_problem(&f, 401, "unauthenticated");
        CU_ASSERT(str_eq(resp_header(&f.r, "WWW-Authenticate"), "Bearer realm=\"portico\""));
        fx_free(&f);
    }
    fx_init(&f);
    serve_ex(&f, "GET", "/api/v1/mine", NULL, NULL, NULL, "HTTP_AUTHORIZATION=Bearer ptc_whatever");
    check_problem(&f, 401, "unauthenticated");
    fx_free(&f);
}

/* --- the handler kit ------------------------------------------------------------------------ */

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void test_kit_pages(void)
{
    /* every page by its cursor, to the end: each row once, in order, next_cursor null at the end */
    struct fixture f;
    fx_init(&f);
    char uri[256] = "/api/v1/page?limit=2";
    char seen[64] = "";
    for (int pages = 0; pages < 5; pages++) {
        get(&f, uri);
        CU_ASSERT_EQUAL_FATAL(f.r.status, 200);
        json_object *things = jget(f.r.json, "things"), *next = jget(f.r.json, "next_cursor");
        for (size_t i = 0; i < json_object_array_length(things); i++)
            strcat(seen, jstr(json_object_array_get_idx(things, i), "key"));
        if (!next)
            break;
        CU_ASSERT_PTR_NULL(strstr(json_object_get_string(next), "k"));   /* opaque, not the key */
        snprintf(uri, sizeof(uri), "/api/v1/page?limit=2&cursor=%s", json_object_get_string(next));
    }
    CU_ASSERT(str_eq(seen, "k1k2k3k4k5"));
    /* the default and the bound */
    get(&f, "/api/v1/page");
    CU_ASSERT_EQUAL(json_object_array_length(jget(f.r.json, "things")), 2);
    get(&f, "/api/v1/page?limit=5");
    CU_ASSERT_EQUAL(json_object_array_length(jget(f.r.json, "things")), 5);
    CU_ASSERT_PTR_NULL(jget(f.r.json, "next_cursor"));
    fx_free(&f);
}

static void test_kit_refuses_bad_limits_and_cursors(void)
{
    /* one parser: digits only, within the bounds; a cursor is one this list gave out */
    static const char *const bad[][2] = {
        { "limit=5abc", "limit" }, { "limit=0", "limit" }, { "limit=6", "limit" }, { "limit=-1", "limit" },
        { "limit=", "limit" }, { "limit=%202", "limit" }, { "limit=2.0", "limit" }, { "limit=99999999999999999999", "limit" },
        { "depth=7", "depth" }, { "depth=3x", "depth" },
        { "mode=c", "mode" }, { "mode=", "mode" }, { "flag=yes", "flag" },   /* checked from the row's declaration */
        { "cursor=k2", "cursor" },                  /* a raw key is not a cursor */
        { "cursor=%21%21", "cursor" },              /* not base64url */
        { "cursor=b3RoZXI6azI", "cursor" },         /* "other:k2": another list's */
        { "cursor=dGhpbmdzOg", "cursor" },          /* "things:": no key */
    };
    struct fixture f;
    fx_init(&f);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char uri[128];
        snprintf(uri, sizeof(uri), "/api/v1/page?%s", bad[i][0]);
        get(&f, uri);
        check_problem(&f, 422, "validation");
        json_object *errs = jget(f.r.json, "errors");
        CU_ASSERT_FATAL(errs && json_object_array_length(errs) == 1);
        if (!str_eq(jstr(json_object_array_get_idx(errs, 0), "field"), bad[i][1]))
            fprintf(stderr, "    for %s\n", bad[i][0]);
    }
    /* a cursor of this list, made by the kit, is taken */
    get(&f, "/api/v1/page?cursor=dGhpbmdzOmsz");   /* "things:k3" */
    CU_ASSERT_EQUAL(f.r.status, 200);
    CU_ASSERT(str_eq(jstr(json_object_array_get_idx(jget(f.r.json, "things"), 0), "key"), "k4"));
    fx_free(&f);
}

static void test_kit_refusals_in_words(void)
{
    struct fixture f;
    fx_init(&f);
    /* allowed where the binding reaches */
    get(&f, "/api/v1/refuse?perm=secrets.secret.write&team=web");
    CU_ASSERT_EQUAL(f.r.status, 200);
    /* another team's scope: the words, the permission, the scope and the role needed */
    get(&f, "/api/v1/refuse?perm=secrets.secret.read&team=platform");
    check_problem(&f, 403, "forbidden");
    CU_ASSERT(str_eq(jstr(f.r.json, "detail"), "you can't read team platform's secrets: it takes viewer or above on team platform"));
    CU_ASSERT(str_eq(jstr(f.r.json, "permission"), "secrets.secret.read"));
    CU_ASSERT(str_eq(jstr(f.r.json, "permission_text"), "read secrets"));
    CU_ASSERT(str_eq(jstr(jget(f.r.json, "scope"), "type"), "team"));
    CU_ASSERT(str_eq(jstr(jget(f.r.json, "scope"), "id"), "platform"));
    CU_ASSERT(str_eq(jstr(f.r.json, "needed"), "viewer on team platform"));
    /* more than the role holds, on its own team */
    get(&f, "/api/v1/refuse?perm=secrets.reveal&team=web");
    CU_ASSERT(str_eq(jstr(f.r.json, "detail"), "you can't reveal team web's secrets: it takes maintainer or above on team web"));
    /* an entity, with its owner */
    get(&f, "/api/v1/refuse?perm=secrets.secret.read&team=platform&entity=component:default/ledger");
    CU_ASSERT(str_eq(jstr(f.r.json, "detail"), "you can't read secrets of component:default/ledger (owned by team platform): "
                                               "it takes viewer or above on team platform"));
    CU_ASSERT(str_eq(jstr(jget(f.r.json, "scope"), "owner_team"), "platform"));
    /* governance: everywhere */
    get(&f, "/api/v1/refuse?perm=iam.user.write");
    CU_ASSERT(str_eq(jstr(f.r.json, "detail"), "you can't manage users: it takes admin or above everywhere"));
    CU_ASSERT(str_eq(jstr(jget(f.r.json, "scope"), "type"), "global"));
    /* a token whose scopes leave the permission out, though its owner holds it */
    get(&f, "/api/v1/refuse?perm=secrets.secret.write&team=web&scope=secrets.secret.read");
    check_problem(&f, 403, "forbidden");
    CU_ASSERT(str_eq(jstr(f.r.json, "detail"), "this token may not write secrets: its scopes leave out secrets.secret.write"));
    get(&f, "/api/v1/refuse?perm=secrets.secret.write&team=web&scope=secrets.secret.write");
    CU_ASSERT_EQUAL(f.r.status, 200);
    fx_free(&f);
}

static void test_routes_json(void)
{
    json_object *arr = app_routes_json(&test_app);
    CU_ASSERT_FATAL(json_object_is_type(arr, json_type_array));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(arr), test_app.nroutes);
    json_object *r1 = json_object_array_get_idx(arr, 3), *jb;
    CU_ASSERT(str_eq(jstr(r1, "method"), "POST"));
    CU_ASSERT(str_eq(jstr(r1, "path"), "/api/v1/items"));
    CU_ASSERT(str_eq(jstr(r1, "permission"), "public"));
    CU_ASSERT(str_eq(jstr(r1, "summary"), "Create an item"));
    CU_ASSERT(str_eq(jstr(r1, "description"), "Needs a name."));
    CU_ASSERT(json_object_object_get_ex(r1, "json_body", &jb) && json_object_get_boolean(jb));
    json_object *r0 = json_object_array_get_idx(arr, 2);
    CU_ASSERT(json_object_object_get_ex(r0, "json_body", &jb) && !json_object_get_boolean(jb));
    CU_ASSERT_FALSE(json_object_object_get_ex(r0, "description", NULL));
    json_object_put(arr);
}

void suite_app(void)
{
    CU_pSuite s = CU_add_suite("app", suite_init, suite_clean);
    CU_add_test(s, "the test table passes router_table_check", test_table_passes_check);
    CU_add_test(s, "GET 200 with JSON and the common headers", test_get_ok);
    CU_add_test(s, "path parameters reach the handler decoded", test_path_param);
    CU_add_test(s, "404 problem+json", test_not_found);
    CU_add_test(s, "405 with Allow", test_method_not_allowed);
    CU_add_test(s, "415 for a body that is not JSON", test_unsupported_media_type);
    CU_add_test(s, "411 and other Content-Length errors", test_length_required);
    CU_add_test(s, "413 past body_max_bytes, exactly the cap is fine", test_too_large);
    CU_add_test(s, "400 for malformed JSON", test_malformed_json);
    CU_add_test(s, "422 for a bad field", test_validation);
    CU_add_test(s, "check_answers: an answer beyond its declared shape is a 500", test_answer_check);
    CU_add_test(s, "a body its shape refuses is wiped", test_refused_body_wiped);
    CU_add_test(s, "POST 201", test_post_ok);
    CU_add_test(s, "409 from the handler", test_conflict_from_handler);
    CU_add_test(s, "HEAD has no body", test_head);
    CU_add_test(s, "internal explanations are not sent", test_internal_not_sent);
    CU_add_test(s, "a failure without a problem is 500", test_bare_failure_is_500);
    CU_add_test(s, "bad query, bad path, long URI", test_bad_requests);
    CU_add_test(s, "a configuration error answers 503", test_config_error_is_503);
    CU_add_test(s, "configuration from the first request's parameters", test_config_from_first_request);
    CU_add_test(s, "request ids differ", test_request_ids_differ);
    CU_add_test(s, "the arena stays the same over 10,000 requests", test_arena_steady_over_many_requests);
    CU_add_test(s, "protected routes answer 401 without an identity", test_protected_routes_need_identity);
    CU_add_test(s, "app_routes_json", test_routes_json);
    CU_add_test(s, "kit: pages by opaque cursors, to the end", test_kit_pages);
    CU_add_test(s, "kit: one parser for limits, numbers and cursors", test_kit_refuses_bad_limits_and_cursors);
    CU_add_test(s, "kit: refusals in words, with permission, scope and role", test_kit_refusals_in_words);
}
