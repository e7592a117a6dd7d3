/*
 * router: matching (literals, {params}, HEAD, 404/405, bad escapes) and the table check.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/router.h"
#include "tests/unit/suites.h"

static bool str_eq(const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
    return false;
}

static bool contains(const char *hay, const char *needle)
{
    if (hay && strstr(hay, needle))
        return true;
    fprintf(stderr, "\n    \"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
    return false;
}

static int handler(struct app_ctx *c)
{
    (void)c;
    return 0;
}

static const struct route sample[] = {
    { "GET", "/", PERM_PUBLIC, handler, 0, "Root", NULL, NULL, NULL, "200 any" },
    { "GET", "/api/v1/health", PERM_PUBLIC, handler, 0, "Health", NULL, NULL, NULL, "200 any" },
    { "GET", "/api/v1/items", "items.read", handler, 0, "List items", NULL, NULL, NULL, "200 any" },
    { "POST", "/api/v1/items", "items.write", handler, ROUTE_BODY_JSON, "Create an item", "Longer text.", NULL, "name:string", "201 id:int" },
    { "GET", "/api/v1/items/{id}", "items.read", handler, 0, "Get an item", NULL, NULL, NULL, "200 any" },
    { "PUT", "/api/v1/items/{id}", "items.write", handler, ROUTE_BODY_JSON, "Replace an item", NULL, NULL, "name:string", "201 id:int" },
    { "DELETE", "/api/v1/items/{id}", "items.write", handler, 0, "Delete an item", NULL, NULL, NULL, "200 any" },
    { "GET", "/api/v1/items/{id}/tags/{tag}", "items.read", handler, 0, "Get a tag", NULL, NULL, NULL, "200 any" },
    { "POST", "/api/v1/jobs", "jobs.run", handler, ROUTE_BODY_JSON, "Start a job", NULL, NULL, "name:string", "201 id:int" },
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

static enum router_result match(struct arena *a, const char *method, const char *path, struct router_match *m)
{
    return router_match(sample, NSAMPLE, method, path, a, m);
}

static void test_sample_table_passes(void)
{
    char err[256] = "";
    CU_ASSERT_EQUAL(router_table_check(sample, NSAMPLE, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    CU_ASSERT_EQUAL(router_table_check(sample, 0, err, sizeof(err)), 0);
}

static void test_exact_match(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[2]);
    CU_ASSERT_EQUAL(m.nparams, 0);
    CU_ASSERT_EQUAL(match(&a, "POST", "/api/v1/items", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[3]);
    CU_ASSERT_EQUAL(match(&a, "GET", "/", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[0]);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/health", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[1]);
    /* literals compare exactly: case and escapes matter */
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/Health", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/healt", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/healthz", &m), ROUTER_NOT_FOUND);
    /* methods compare exactly too */
    CU_ASSERT_EQUAL(match(&a, "get", "/api/v1/health", &m), ROUTER_METHOD_NOT_ALLOWED);
    arena_free(&a);
}

static void test_params(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL_FATAL(match(&a, "GET", "/api/v1/items/42", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[4]);
    CU_ASSERT_EQUAL(m.nparams, 1);
    CU_ASSERT(str_eq(router_param(&m, "id"), "42"));
    CU_ASSERT_PTR_NULL(router_param(&m, "tag"));

    CU_ASSERT_EQUAL_FATAL(match(&a, "GET", "/api/v1/items/x/tags/y%20z", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[7]);
    CU_ASSERT_EQUAL(m.nparams, 2);
    CU_ASSERT(str_eq(router_param(&m, "id"), "x"));
    CU_ASSERT(str_eq(router_param(&m, "tag"), "y z"));

    /* an encoded slash stays inside the one segment */
    CU_ASSERT_EQUAL_FATAL(match(&a, "GET", "/api/v1/items/a%2Fb", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[4]);
    CU_ASSERT(str_eq(router_param(&m, "id"), "a/b"));
    CU_ASSERT_EQUAL_FATAL(match(&a, "GET", "/api/v1/items/a%2fb/tags/c", &m), ROUTER_FOUND);
    CU_ASSERT(str_eq(router_param(&m, "id"), "a/b"));
    /* '+' is not a space in a path */
    CU_ASSERT_EQUAL_FATAL(match(&a, "DELETE", "/api/v1/items/a+b", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[6]);
    CU_ASSERT(str_eq(router_param(&m, "id"), "a+b"));
    arena_free(&a);
}

static void test_trailing_slash_and_empty_segment(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/health/", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/42/", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items//tags/x", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/x/tags/", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "//api/v1/health", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api//v1/health", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_PTR_NULL(m.route);
    arena_free(&a);
}

static void test_head_matches_get(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(match(&a, "HEAD", "/api/v1/items", &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &sample[2]);
    CU_ASSERT_EQUAL(match(&a, "HEAD", "/api/v1/items/7", &m), ROUTER_FOUND);
    CU_ASSERT(str_eq(router_param(&m, "id"), "7"));
    /* a path with no GET route does not answer HEAD */
    CU_ASSERT_EQUAL(match(&a, "HEAD", "/api/v1/jobs", &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT(str_eq(m.allow, "POST"));
    arena_free(&a);
}

static void test_method_not_allowed(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(match(&a, "PATCH", "/api/v1/items/42", &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT(str_eq(m.allow, "GET, HEAD, PUT, DELETE"));
    CU_ASSERT_PTR_NULL(m.route);
    CU_ASSERT_EQUAL(match(&a, "DELETE", "/api/v1/items", &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT(str_eq(m.allow, "GET, HEAD, POST"));
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/jobs", &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT(str_eq(m.allow, "POST"));
    CU_ASSERT_EQUAL(match(&a, "OPTIONS", "/", &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT(str_eq(m.allow, "GET, HEAD"));
    arena_free(&a);
}

static void test_allow_lists_each_method_once(void)
{
    /* several routes for one path and method, in an order where POST comes first */
    static const struct route overlap[] = {
        { "POST", "/x/{a}", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "GET", "/x/{a}", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "GET", "/x/lit", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "POST", "/x/lit", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "DELETE", "/x/{b}", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "GET", "/{c}/lit", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
    };
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(router_match(overlap, 6, "PUT", "/x/lit", &a, &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT(str_eq(m.allow, "POST, GET, HEAD, DELETE"));
    /* the first route in table order wins */
    CU_ASSERT_EQUAL(router_match(overlap, 6, "GET", "/x/lit", &a, &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &overlap[1]);
    CU_ASSERT(str_eq(router_param(&m, "a"), "lit"));
    arena_free(&a);
}

static void test_not_found(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(match(&a, "GET", "/nope", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/42/tags", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/42/tags/a/b", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "GET", "api/v1/health", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(match(&a, "POST", "/nope", &m), ROUTER_NOT_FOUND);
    CU_ASSERT_STRING_EQUAL(m.allow, "");
    CU_ASSERT_EQUAL(router_match(sample, 0, "GET", "/", &a, &m), ROUTER_NOT_FOUND);
    arena_free(&a);
}

static void test_bad_path(void)
{
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/%zz", &m), ROUTER_BAD_PATH);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/%4", &m), ROUTER_BAD_PATH);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/%", &m), ROUTER_BAD_PATH);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/a%00b", &m), ROUTER_BAD_PATH);
    CU_ASSERT_EQUAL(match(&a, "GET", "/api/v1/items/ok/tags/%zz", &m), ROUTER_BAD_PATH);
    arena_free(&a);
}

static void test_too_many_params(void)
{
    /* struct router_match holds 8 parameters; a pattern with more can never match, so the
     * table check refuses it */
    static const struct route nine[] = {
        { "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
    };
    static const struct route eight[] = {
        { "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
    };
    char err[256];
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL(router_table_check(eight, 1, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(router_match(eight, 1, "GET", "/1/2/3/4/5/6/7/8", &a, &m), ROUTER_FOUND);
    CU_ASSERT_EQUAL(m.nparams, 8);
    CU_ASSERT(str_eq(router_param(&m, "h"), "8"));
    CU_ASSERT_EQUAL(router_table_check(nine, 1, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, nine[0].pattern));
    arena_free(&a);
}

/* router_table_check on a one-route table (after a good route, so indexes show). */
static int check_one(struct route bad, char *err, size_t errlen)
{
    struct route t[2] = { { "GET", "/ok", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" }, bad };
    err[0] = '\0';
    return router_table_check(t, 2, err, errlen);
}

static void test_check_bad_patterns(void)
{
    static const char *const bad[] = {
        "no-slash", "", "/a//b", "/a/", "//", "/a{b}/c", "/{}", "/{a}b", "/a/{b", "/{a/b}", "/{a}{b}",
    };
    char err[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct route r = { "GET", bad[i], "p", handler, 0, "s", NULL, NULL, NULL, "200 any" };
        int rc = check_one(r, err, sizeof(err));
        CU_ASSERT_EQUAL(rc, -1);
        if (rc != -1)
            fprintf(stderr, "\n    pattern \"%s\" passed the check\n", bad[i]);
        else
            CU_ASSERT(strstr(err, bad[i]) || strstr(err, "route 1"));
    }
    struct route nopat = { "GET", NULL, "p", handler, 0, "s", NULL, NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(nopat, err, sizeof(err)), -1);
}

static void test_check_good_patterns(void)
{
    static const char *const good[] = { "/", "/a", "/a/b", "/{a}", "/a/{b}/c", "/{a}/{b}", "/a-b_c.d/{x_y}" };
    char err[256];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct route r = { "POST", good[i], "p", handler, 0, "s", NULL, NULL, NULL, "200 any" };
        int rc = check_one(r, err, sizeof(err));
        CU_ASSERT_EQUAL(rc, 0);
        if (rc != 0)
            fprintf(stderr, "\n    pattern \"%s\" failed: %s\n", good[i], err);
    }
}

static void test_check_duplicates(void)
{
    static const struct route dup[] = {
        { "GET", "/a", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "POST", "/a", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "GET", "/b", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" },
        { "GET", "/a", "q", handler, 0, "other", NULL, NULL, NULL, "200 any" },
    };
    char err[256];
    CU_ASSERT_EQUAL(router_table_check(dup, 4, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "GET /a"));
    CU_ASSERT(contains(err, "twice"));
    /* the same pattern with different methods is no duplicate */
    CU_ASSERT_EQUAL(router_table_check(dup, 3, err, sizeof(err)), 0);
}

static void test_check_missing_fields(void)
{
    char err[256];
    struct route noperm = { "GET", "/x", NULL, handler, 0, "s", NULL, NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(noperm, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "permission"));
    CU_ASSERT(contains(err, "GET /x"));
    struct route emptyperm = { "GET", "/x", "", handler, 0, "s", NULL, NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(emptyperm, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "permission"));

    struct route nosummary = { "GET", "/x", "p", handler, 0, NULL, "a description is not enough", NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(nosummary, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "summary"));
    struct route emptysummary = { "GET", "/x", "p", handler, 0, "", NULL, NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(emptysummary, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "summary"));

    struct route nohandler = { "GET", "/x", "p", NULL, 0, "s", NULL, NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(nohandler, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "handler"));

    static const char *const methods[] = { "HEAD", "get", "OPTIONS", "", "GETX" };
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        struct route badmethod = { methods[i], "/x", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" };
        CU_ASSERT_EQUAL(check_one(badmethod, err, sizeof(err)), -1);
        CU_ASSERT(contains(err, "method"));
    }
    struct route nomethod = { NULL, "/x", "p", handler, 0, "s", NULL, NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(nomethod, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "route 1"));
}

static void test_rest_of_path(void)
{
    static const struct route rest[] = {
        { "GET", "/api/v1/secrets/metadata", "s.read", handler, 0, "List", NULL, NULL, NULL, "200 any" },
        { "GET", "/api/v1/secrets/metadata/{path*}", "s.read", handler, 0, "Metadata", NULL, NULL, NULL, "200 any" },
        { "POST", "/api/v1/secrets/reveal/{path*}", "s.reveal", handler, 0, "Reveal", NULL, NULL, NULL, "200 any" },
    };
    char err[256] = "";
    CU_ASSERT_EQUAL(router_table_check(rest, 3, err, sizeof(err)), 0);
    struct arena a;
    struct router_match m;
    arena_init(&a, 0);
    CU_ASSERT_EQUAL_FATAL(router_match(rest, 3, "GET", "/api/v1/secrets/metadata/team/payments/prod/stripe-key", &a, &m),
                          ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &rest[1]);
    CU_ASSERT(str_eq(router_param(&m, "path"), "team/payments/prod/stripe-key"));
    CU_ASSERT_EQUAL_FATAL(router_match(rest, 3, "POST", "/api/v1/secrets/reveal/a%20b", &a, &m), ROUTER_FOUND);
    CU_ASSERT(str_eq(router_param(&m, "path"), "a b"));
    CU_ASSERT_EQUAL(router_match(rest, 3, "GET", "/api/v1/secrets/metadata", &a, &m), ROUTER_FOUND);
    CU_ASSERT_PTR_EQUAL(m.route, &rest[0]);
    /* no empty segment anywhere, none at the end */
    CU_ASSERT_EQUAL(router_match(rest, 3, "GET", "/api/v1/secrets/metadata/", &a, &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(router_match(rest, 3, "GET", "/api/v1/secrets/metadata/a//b", &a, &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(router_match(rest, 3, "GET", "/api/v1/secrets/metadata/a/b/", &a, &m), ROUTER_NOT_FOUND);
    CU_ASSERT_EQUAL(router_match(rest, 3, "POST", "/api/v1/secrets/metadata/a", &a, &m), ROUTER_METHOD_NOT_ALLOWED);
    CU_ASSERT_EQUAL(router_match(rest, 3, "POST", "/api/v1/secrets/reveal/a%zz", &a, &m), ROUTER_BAD_PATH);
    arena_free(&a);
    /* only as the last segment, and named */
    static const struct route bad[][1] = {
        { { "GET", "/api/v1/x/{path*}/more", "s.read", handler, 0, "Bad", NULL, NULL, NULL, "200 any" } },
        { { "GET", "/api/v1/x/{*}", "s.read", handler, 0, "Bad", NULL, NULL, NULL, "200 any" } },
        { { "GET", "/api/v1/x/{pa*th}", "s.read", handler, 0, "Bad", NULL, NULL, NULL, "200 any" } },
    };
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(router_table_check(bad[i], 1, err, sizeof(err)), -1);
}

static void test_query_declarations(void)
{
    /* each type read, in order */
    struct route_query q;
    char err[128];
    size_t at = 0;
    const char *spec = "limit:int(1..500,50) after:int(0..9) cursor:cursor q:string(200) mine:bool dir:enum(down|up)";
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 1);
    CU_ASSERT(str_eq(q.name, "limit") && q.type == RQ_INT && q.min == 1 && q.max == 500 && q.has_def && q.def == 50);
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 1);
    CU_ASSERT(str_eq(q.name, "after") && q.type == RQ_INT && q.max == 9 && !q.has_def);
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 1);
    CU_ASSERT(q.type == RQ_CURSOR);
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 1);
    CU_ASSERT(q.type == RQ_STRING && q.max == 200);
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 1);
    CU_ASSERT(q.type == RQ_BOOL);
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 1);
    CU_ASSERT(q.type == RQ_ENUM && str_eq(q.choices, "down|up"));
    CU_ASSERT_EQUAL(router_query_next(spec, &at, &q, err, sizeof(err)), 0);
    struct route r = { "GET", "/x", "p", handler, 0, "s", NULL, spec, NULL, "200 any" };
    CU_ASSERT_TRUE(router_query_find(&r, "dir", &q) && q.type == RQ_ENUM);
    CU_ASSERT_FALSE(router_query_find(&r, "nope", &q));
    /* a description's bounds in words are the declared ones */
    struct route same = { "GET", "/l", "p", handler, 0, "s", "Pages: limit 1..500 (50), cursor.", "limit:int(1..500,50)", NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(same, err, sizeof(err)), 0);
    struct route drift = { "GET", "/l", "p", handler, 0, "s", "Pages: limit 1..200 (50), cursor.", "limit:int(1..500,50)", NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(drift, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "not the declared limit"));
    struct route undeclared = { "GET", "/l", "p", handler, 0, "s", "limit 1..500 (50)", NULL, NULL, "200 any" };
    CU_ASSERT_EQUAL(check_one(undeclared, err, sizeof(err)), -1);
    /* the table check refuses a declaration it cannot read */
    static const char *const bad[] = { "limit", "limit:", ":int(1..2)", "limit:int(5..1)", "limit:int(1..5,9)",
                                       "q:string(0)", "q:text", "limit:int(1..5)x", "e:enum()" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct route b = { "GET", "/y", "p", handler, 0, "s", NULL, bad[i], NULL, "200 any" };
        CU_ASSERT_EQUAL(check_one(b, err, sizeof(err)), -1);
        if (!strstr(err, "query item"))
            fprintf(stderr, "\n    %s: %s\n", bad[i], err);
    }
}

void suite_router(void)
{
    CU_pSuite s = CU_add_suite("router", NULL, NULL);
    CU_add_test(s, "the sample table passes the check", test_sample_table_passes);
    CU_add_test(s, "exact match", test_exact_match);
    CU_add_test(s, "params are decoded, %2F stays in its segment", test_params);
    CU_add_test(s, "trailing slash and empty segments do not match", test_trailing_slash_and_empty_segment);
    CU_add_test(s, "HEAD matches GET", test_head_matches_get);
    CU_add_test(s, "405 with Allow", test_method_not_allowed);
    CU_add_test(s, "Allow lists each method once", test_allow_lists_each_method_once);
    CU_add_test(s, "404", test_not_found);
    CU_add_test(s, "bad escape in a param", test_bad_path);
    CU_add_test(s, "at most 8 params", test_too_many_params);
    CU_add_test(s, "check: bad patterns", test_check_bad_patterns);
    CU_add_test(s, "check: good patterns", test_check_good_patterns);
    CU_add_test(s, "check: duplicates", test_check_duplicates);
    CU_add_test(s, "{rest*}: the rest of the path, whole segments", test_rest_of_path);
    CU_add_test(s, "check: missing permission, summary, handler, method", test_check_missing_fields);
    CU_add_test(s, "query declarations: each type, and the check refusing what it cannot read", test_query_declarations);
}
