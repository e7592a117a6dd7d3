/*
 * problem: setting problems, field errors, and the problem+json document.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/problem.h"
#include "tests/unit/suites.h"

static bool str_eq(const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
    return false;
}

/* The string member key of o, or NULL. */
static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void test_init(void)
{
    struct problem p;
    memset(&p, 0x5a, sizeof(p));
    problem_init(&p);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT_PTR_NULL(p.type);
    CU_ASSERT_PTR_NULL(p.title);
    CU_ASSERT_STRING_EQUAL(p.detail, "");
    CU_ASSERT_STRING_EQUAL(p.internal, "");
    CU_ASSERT_STRING_EQUAL(p.allow, "");
    CU_ASSERT_EQUAL(p.retry_after, 0);
    CU_ASSERT_EQUAL(p.nfields, 0);
}

static void test_set_returns_minus_one_and_fills(void)
{
    struct problem p;
    problem_init(&p);
    p.title = "Old title";
    CU_ASSERT_EQUAL(problem_set(&p, 404, "not-found", "no entity %s/%d", "kind", 7), -1);
    CU_ASSERT_EQUAL(p.status, 404);
    CU_ASSERT(str_eq(p.type, "not-found"));
    CU_ASSERT_STRING_EQUAL(p.detail, "no entity kind/7");
    CU_ASSERT_PTR_NULL(p.title);

    /* a second set replaces the first; a NULL format clears the detail */
    CU_ASSERT_EQUAL(problem_set(&p, 409, "conflict", NULL), -1);
    CU_ASSERT_EQUAL(p.status, 409);
    CU_ASSERT(str_eq(p.type, "conflict"));
    CU_ASSERT_STRING_EQUAL(p.detail, "");
}

static void test_set_long_detail_truncated(void)
{
    struct problem p;
    char big[1000];
    memset(big, 'd', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    problem_init(&p);
    problem_set(&p, 400, "x", "%s", big);
    CU_ASSERT_EQUAL(strlen(p.detail), sizeof(p.detail) - 1);
    problem_internal(&p, "%s", big);
    CU_ASSERT_EQUAL(strlen(p.internal), sizeof(p.internal) - 1);
}

static void test_internal_never_sent(void)
{
    struct problem p;
    problem_init(&p);
    problem_set(&p, 500, "internal", "something failed");
    problem_internal(&p, "mysql said: access denied for %s", "secret_user");
    CU_ASSERT_STRING_EQUAL(p.internal, "mysql said: access denied for secret_user");
    json_object *o = problem_to_json(&p, "rid");
    const char *text = json_object_to_json_string(o);
    CU_ASSERT_PTR_NULL(strstr(text, "secret_user"));
    CU_ASSERT_PTR_NULL(strstr(text, "internal\":"));
    json_object_put(o);
}

static void test_field_makes_422(void)
{
    struct problem p;
    problem_init(&p);
    problem_field(&p, "spec.owner", "must be %d to %d bytes", 1, 64);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT(str_eq(p.type, "validation"));
    CU_ASSERT_NOT_EQUAL(p.detail[0], '\0');
    CU_ASSERT_EQUAL(p.nfields, 1);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "spec.owner");
    CU_ASSERT_STRING_EQUAL(p.fields[0].message, "must be 1 to 64 bytes");

    problem_field(&p, "name", "is required");
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_EQUAL(p.nfields, 2);
    CU_ASSERT_STRING_EQUAL(p.fields[1].field, "name");

    /* a problem of another kind becomes a validation problem */
    problem_init(&p);
    problem_set(&p, 400, "bad-query", "bad");
    problem_field(&p, "limit", "must be a number");
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT(str_eq(p.type, "validation"));
    CU_ASSERT_EQUAL(p.nfields, 1);
}

static void test_field_caps(void)
{
    struct problem p;
    problem_init(&p);
    for (int i = 0; i < PROBLEM_MAX_FIELDS + 10; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        problem_field(&p, name, "bad %d", i);
    }
    CU_ASSERT_EQUAL(p.nfields, PROBLEM_MAX_FIELDS);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "f0");
    CU_ASSERT_STRING_EQUAL(p.fields[PROBLEM_MAX_FIELDS - 1].field, "f31");
    CU_ASSERT_EQUAL(p.status, 422);

    /* a very long field name or message is cut, not overflowed */
    char longname[500];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    problem_init(&p);
    problem_field(&p, longname, "%s", longname);
    CU_ASSERT_EQUAL(strlen(p.fields[0].field), sizeof(p.fields[0].field) - 1);
    CU_ASSERT_EQUAL(strlen(p.fields[0].message), sizeof(p.fields[0].message) - 1);
}

static void test_to_json(void)
{
    struct problem p;
    problem_init(&p);
    problem_set(&p, 404, "not-found", "no entity %s", "x");
    json_object *o = problem_to_json(&p, "0123abcd");
    CU_ASSERT(str_eq(jstr(o, "type"), "urn:portico:problem:not-found"));
    CU_ASSERT(str_eq(jstr(o, "title"), "Not Found"));
    CU_ASSERT(str_eq(jstr(o, "detail"), "no entity x"));
    CU_ASSERT(str_eq(jstr(o, "request_id"), "0123abcd"));
    json_object *st;
    CU_ASSERT_FATAL(json_object_object_get_ex(o, "status", &st));
    CU_ASSERT(json_object_is_type(st, json_type_int));
    CU_ASSERT_EQUAL(json_object_get_int(st), 404);
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "errors", NULL));
    json_object_put(o);
}

static void test_to_json_defaults(void)
{
    struct problem p;
    problem_init(&p);
    problem_set(&p, 503, NULL, NULL);
    json_object *o = problem_to_json(&p, NULL);
    CU_ASSERT(str_eq(jstr(o, "type"), "about:blank"));
    CU_ASSERT(str_eq(jstr(o, "title"), "Service Unavailable"));
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "detail", NULL));
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "request_id", NULL));
    json_object_put(o);

    /* an empty slug is no slug; an explicit title wins */
    problem_set(&p, 409, "", "d");
    p.title = "Version mismatch";
    o = problem_to_json(&p, "r");
    CU_ASSERT(str_eq(jstr(o, "type"), "about:blank"));
    CU_ASSERT(str_eq(jstr(o, "title"), "Version mismatch"));
    json_object_put(o);

    /* no status at all renders as a 500 */
    problem_init(&p);
    o = problem_to_json(&p, "r");
    json_object *st;
    CU_ASSERT_FATAL(json_object_object_get_ex(o, "status", &st));
    CU_ASSERT_EQUAL(json_object_get_int(st), 500);
    CU_ASSERT(str_eq(jstr(o, "title"), "Internal Server Error"));
    json_object_put(o);
}

static void test_to_json_errors(void)
{
    struct problem p;
    problem_init(&p);
    problem_field(&p, "name", "is required");
    problem_field(&p, "spec.\"q\"", "must be \"x\"\n");
    json_object *o = problem_to_json(&p, "rid");
    CU_ASSERT(str_eq(jstr(o, "type"), "urn:portico:problem:validation"));
    CU_ASSERT(str_eq(jstr(o, "title"), "Unprocessable Content"));
    json_object *errs;
    CU_ASSERT_FATAL(json_object_object_get_ex(o, "errors", &errs));
    CU_ASSERT_FATAL(json_object_is_type(errs, json_type_array));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(errs), 2);
    json_object *e0 = json_object_array_get_idx(errs, 0), *e1 = json_object_array_get_idx(errs, 1);
    CU_ASSERT(str_eq(jstr(e0, "field"), "name"));
    CU_ASSERT(str_eq(jstr(e0, "message"), "is required"));
    CU_ASSERT(str_eq(jstr(e1, "field"), "spec.\"q\""));
    CU_ASSERT(str_eq(jstr(e1, "message"), "must be \"x\"\n"));
    /* the document survives a round trip through text */
    json_object *back = json_tokener_parse(json_object_to_json_string(o));
    CU_ASSERT_PTR_NOT_NULL(back);
    CU_ASSERT(json_object_equal(o, back));
    json_object_put(back);
    json_object_put(o);
}

static void test_type_uri(void)
{
    struct problem p;
    char buf[128];
    problem_init(&p);
    CU_ASSERT(str_eq(problem_type_uri(&p, buf, sizeof(buf)), "about:blank"));
    p.type = "body-too-large";
    CU_ASSERT(str_eq(problem_type_uri(&p, buf, sizeof(buf)), "urn:portico:problem:body-too-large"));
}

static void test_http_reason(void)
{
    CU_ASSERT(str_eq(http_reason(200), "OK"));
    CU_ASSERT(str_eq(http_reason(201), "Created"));
    CU_ASSERT(str_eq(http_reason(204), "No Content"));
    CU_ASSERT(str_eq(http_reason(400), "Bad Request"));
    CU_ASSERT(str_eq(http_reason(404), "Not Found"));
    CU_ASSERT(str_eq(http_reason(405), "Method Not Allowed"));
    CU_ASSERT(str_eq(http_reason(411), "Length Required"));
    CU_ASSERT(str_eq(http_reason(413), "Content Too Large"));
    CU_ASSERT(str_eq(http_reason(414), "URI Too Long"));
    CU_ASSERT(str_eq(http_reason(415), "Unsupported Media Type"));
    CU_ASSERT(str_eq(http_reason(422), "Unprocessable Content"));
    CU_ASSERT(str_eq(http_reason(500), "Internal Server Error"));
    CU_ASSERT(str_eq(http_reason(503), "Service Unavailable"));
    CU_ASSERT(str_eq(http_reason(0), "Unknown"));
    CU_ASSERT(str_eq(http_reason(299), "Unknown"));
    CU_ASSERT(str_eq(http_reason(-1), "Unknown"));
}

void suite_problem(void)
{
    CU_pSuite s = CU_add_suite("problem", NULL, NULL);
    CU_add_test(s, "init clears", test_init);
    CU_add_test(s, "problem_set returns -1 and fills", test_set_returns_minus_one_and_fills);
    CU_add_test(s, "long detail and internal are truncated", test_set_long_detail_truncated);
    CU_add_test(s, "internal is never in the document", test_internal_never_sent);
    CU_add_test(s, "problem_field makes a 422 validation problem", test_field_makes_422);
    CU_add_test(s, "problem_field caps at PROBLEM_MAX_FIELDS", test_field_caps);
    CU_add_test(s, "problem_to_json fields", test_to_json);
    CU_add_test(s, "problem_to_json defaults", test_to_json_defaults);
    CU_add_test(s, "problem_to_json errors array", test_to_json_errors);
    CU_add_test(s, "problem_type_uri", test_type_uri);
    CU_add_test(s, "http_reason", test_http_reason);
}
