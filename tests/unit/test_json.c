/*
 * json: parsing with limits, and the typed getters that collect field errors.
 */
#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
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

/* Parse s (its strlen) with max_depth 32; on success the object is put and true returned. */
static bool parses(const char *s)
{
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse(s, strlen(s), 32, &p);
    bool ok = o != NULL && p.status == 0;
    if (!ok)
        fprintf(stderr, "\n    refused %s: %s\n", s, p.detail);
    json_object_put(o);
    return ok;
}

/* True when s is refused as malformed JSON (400). */
static bool refused(const char *buf, size_t len)
{
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse(buf, len, 32, &p);
    bool ok = o == NULL && p.status == 400 && type_is(&p, "malformed-json") && p.detail[0];
    if (!ok)
        fprintf(stderr, "\n    not refused as malformed: %.*s (status %d)\n", (int)len, buf, p.status);
    json_object_put(o);
    return ok;
}
#define REFUSED(s) refused((s), strlen(s))

static void test_parse_ok(void)
{
    struct problem p;
    problem_init(&p);
    const char *s = "{\"name\":\"widget\",\"n\":3,\"tags\":[\"a\",\"b\"],\"spec\":{\"x\":null,\"ok\":true}}";
    json_object *o = json_parse(s, strlen(s), 32, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT(json_object_is_type(o, json_type_object));
    json_object *v;
    CU_ASSERT(json_object_object_get_ex(o, "name", &v) && str_eq(json_object_get_string(v), "widget"));
    CU_ASSERT(json_object_object_get_ex(o, "tags", &v) && json_object_array_length(v) == 2);
    json_object_put(o);

    CU_ASSERT(parses("[]"));
    CU_ASSERT(parses("[1, 2.5, \"x\", null, false]"));
    CU_ASSERT(parses(" \n\t{ }"));
    CU_ASSERT(parses("\"caf\xc3\xa9 \xe2\x82\xac\""));
    CU_ASSERT(parses("{\"a\":\"\\u00e9\\n\\\"\"}"));
}

static void test_parse_top_level_scalars(void)
{
    /* one JSON value, whatever its kind, with or without whitespace after it */
    CU_ASSERT(parses("42"));
    CU_ASSERT(parses("42 "));
    CU_ASSERT(parses("-1.5e3"));
    CU_ASSERT(parses("true"));
    CU_ASSERT(parses("false\n"));
    CU_ASSERT(parses("\"s\""));

    struct problem p;
    problem_init(&p);
    json_object *o = json_parse("42", 2, 32, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(json_object_is_type(o, json_type_int));
    CU_ASSERT_EQUAL(json_object_get_int(o), 42);
    json_object_put(o);
    /* only len bytes count: "4" of "42" */
    o = json_parse("42", 1, 32, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(json_object_get_int(o), 4);
    json_object_put(o);
}

static void test_parse_malformed(void)
{
    CU_ASSERT(REFUSED("{"));
    CU_ASSERT(REFUSED("{\"a\":}"));
    CU_ASSERT(REFUSED("{\"a\" 1}"));
    CU_ASSERT(REFUSED("[1,]"));
    CU_ASSERT(REFUSED("{\"a\":1,}"));
    CU_ASSERT(REFUSED("[1 2]"));
    CU_ASSERT(REFUSED("tru"));
    CU_ASSERT(REFUSED("True"));
    CU_ASSERT(REFUSED("'x'"));
    CU_ASSERT(REFUSED("[01]"));
    CU_ASSERT(REFUSED("\"a\\x\""));
    CU_ASSERT(REFUSED("\"unterminated"));
    CU_ASSERT(REFUSED("{\"a\":1"));
    CU_ASSERT(REFUSED("-"));
    CU_ASSERT(REFUSED("/* comment */ {}"));
    /* a raw NUL is never JSON, not even inside a string */
    CU_ASSERT(refused("\"a\0b\"", 5));
    CU_ASSERT(refused("\0{}", 3));
}

static void test_parse_trailing(void)
{
    CU_ASSERT(REFUSED("{} x"));
    CU_ASSERT(REFUSED("{}{}"));
    CU_ASSERT(REFUSED("[1]]"));
    CU_ASSERT(REFUSED("1 2"));
    CU_ASSERT(REFUSED("{\"a\":1}\n,"));
    CU_ASSERT(refused("{}\0", 3));
    CU_ASSERT(refused("{} \0 ", 4));
    /* trailing whitespace is fine */
    CU_ASSERT(parses("{} \n\t\r"));
    CU_ASSERT(parses("[1]\r\n"));

    struct problem p;
    problem_init(&p);
    json_object *o = json_parse("{\"a\":1} x", 9, 32, &p);
    CU_ASSERT_PTR_NULL(o);
    CU_ASSERT_EQUAL(p.status, 400);
}

/* n nested arrays: "[[[...]]]", with inner inside the innermost one. */
static char *nested(int n, const char *inner)
{
    size_t il = strlen(inner);
    char *s = malloc((size_t)n * 2 + il + 1);
    memset(s, '[', (size_t)n);
    memcpy(s + n, inner, il);
    memset(s + n + il, ']', (size_t)n);
    s[2 * n + il] = '\0';
    return s;
}

static void test_parse_depth(void)
{
    struct problem p;
    for (int depth = 2; depth <= 64; depth *= 2) {
        char *ok = nested(depth, ""), *deep = nested(depth + 1, "");
        problem_init(&p);
        json_object *o = json_parse(ok, strlen(ok), depth, &p);
        CU_ASSERT_PTR_NOT_NULL(o);
        CU_ASSERT_EQUAL(p.status, 0);
        json_object_put(o);

        problem_init(&p);
        o = json_parse(deep, strlen(deep), depth, &p);
        CU_ASSERT_PTR_NULL(o);
        CU_ASSERT_EQUAL(p.status, 400);
        CU_ASSERT(type_is(&p, "malformed-json"));
        CU_ASSERT(strstr(p.detail, "deeper") != NULL);
        json_object_put(o);
        free(ok);
        free(deep);
    }
    /* objects count like arrays, and a deep document far past the limit is refused too */
    const char *objs = "{\"a\":{\"b\":{\"c\":{}}}}";
    problem_init(&p);
    CU_ASSERT_PTR_NULL(json_parse(objs, strlen(objs), 3, &p));
    CU_ASSERT_EQUAL(p.status, 400);
    char *huge = nested(100000, "1");
    problem_init(&p);
    CU_ASSERT_PTR_NULL(json_parse(huge, strlen(huge), 32, &p));
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT(strstr(p.detail, "deeper") != NULL);
    free(huge);
}

static void test_parse_invalid_utf8(void)
{
    CU_ASSERT(REFUSED("\"\xff\""));
    CU_ASSERT(REFUSED("\"\xc0\xaf\""));        /* overlong '/' */
    CU_ASSERT(REFUSED("\"\xe2\x82\""));        /* truncated sequence */
    CU_ASSERT(REFUSED("{\"\x80\":1}"));        /* in a key */
    CU_ASSERT(REFUSED("[\"ok\", \"\xed\xa0\x80\"]")); /* UTF-16 surrogate */
    CU_ASSERT(REFUSED("\"\xf4\x90\x80\x80\""));    /* past U+10FFFF */
    CU_ASSERT(REFUSED("\"\xe0\x80\xaf\""));        /* overlong, 3 bytes */
    CU_ASSERT(REFUSED("\"\xf0\x80\x80\xaf\""));    /* overlong, 4 bytes */
    CU_ASSERT(REFUSED("\"\xf8\x88\x80\x80\x80\""));  /* 5-byte form */
    CU_ASSERT(REFUSED("\"\x80\""));                /* lone continuation byte */
    CU_ASSERT(REFUSED("\"\xc3\""));                /* cut at the end of the string */
    CU_ASSERT(REFUSED("[1] \xc3"));                /* after the value */
    /* the edges of the valid ranges are accepted */
    CU_ASSERT(parses("\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf\""));
    CU_ASSERT(parses("\"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf \xf3\xbf\xbf\xbf\""));
    /* lone surrogate escapes become U+FFFD, never invalid bytes */
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse("\"\\ud800\"", 8, 32, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(str_eq(json_object_get_string(o), "\xef\xbf\xbd"));
    json_object_put(o);
}

static void test_parse_null_and_empty(void)
{
    CU_ASSERT(REFUSED("null"));
    CU_ASSERT(REFUSED("null "));
    CU_ASSERT(REFUSED(" null\n"));
    CU_ASSERT(refused("", 0));
    CU_ASSERT(REFUSED("   "));
    CU_ASSERT(REFUSED("\n"));
    /* an object that contains null is fine */
    CU_ASSERT(parses("{\"a\":null}"));
}

static void test_parse_object(void)
{
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse_object("[1,2]", 5, 32, &p);
    CU_ASSERT_PTR_NULL(o);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT(type_is(&p, "validation"));

    problem_init(&p);
    CU_ASSERT_PTR_NULL(json_parse_object("\"x\"", 3, 32, &p));
    CU_ASSERT_EQUAL(p.status, 422);
    problem_init(&p);
    CU_ASSERT_PTR_NULL(json_parse_object("7", 1, 32, &p));
    CU_ASSERT_EQUAL(p.status, 422);

    /* malformed stays 400 */
    problem_init(&p);
    CU_ASSERT_PTR_NULL(json_parse_object("[", 1, 32, &p));
    CU_ASSERT_EQUAL(p.status, 400);

    problem_init(&p);
    o = json_parse_object("{\"a\":1}", 7, 32, &p);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_EQUAL(p.status, 0);
    json_object_put(o);
}

/* --- reading a checked body ------------------------------------------------------------------ */










static void test_fields_ok(void)
{
    struct problem p;
    problem_init(&p);
    CU_ASSERT_TRUE(json_fields_ok(&p));
    problem_set(&p, 400, "x", "y");
    CU_ASSERT_FALSE(json_fields_ok(&p));
}

/* the readers of a body its route's shape has checked: the value, or the default */
static void test_readers(void)
{
    json_object *o = json_tokener_parse("{\"s\":\"x\",\"n\":7,\"b\":true,\"z\":null,\"w\":\"7\"}");
    CU_ASSERT_STRING_EQUAL(json_str(o, "s", NULL), "x");
    CU_ASSERT_PTR_NULL(json_str(o, "z", NULL));
    CU_ASSERT_STRING_EQUAL(json_str(o, "absent", "def"), "def");
    CU_ASSERT_STRING_EQUAL(json_str(o, "n", "def"), "def");
    CU_ASSERT_EQUAL(json_num(o, "n", 0), 7);
    CU_ASSERT_EQUAL(json_num(o, "w", -1), -1);
    CU_ASSERT_TRUE(json_flag(o, "b", false));
    CU_ASSERT_TRUE(json_flag(o, "z", true));
    json_object_put(o);
}

void suite_json(void)
{
    CU_pSuite s = CU_add_suite("json", NULL, NULL);
    CU_add_test(s, "parse ok", test_parse_ok);
    CU_add_test(s, "parse: a scalar at the top", test_parse_top_level_scalars);
    CU_add_test(s, "parse: malformed is 400", test_parse_malformed);
    CU_add_test(s, "parse: trailing data is 400, whitespace ok", test_parse_trailing);
    CU_add_test(s, "parse: depth limit", test_parse_depth);
    CU_add_test(s, "parse: invalid UTF-8 is 400", test_parse_invalid_utf8);
    CU_add_test(s, "parse: null and empty are 400", test_parse_null_and_empty);
    CU_add_test(s, "json_parse_object: not an object is 422", test_parse_object);
    CU_add_test(s, "json_fields_ok", test_fields_ok);
    CU_add_test(s, "json_str, json_num, json_flag: a checked body's members", test_readers);
}
