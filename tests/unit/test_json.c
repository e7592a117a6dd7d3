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

/* --- getters ---------------------------------------------------------------------------------- */

static json_object *obj(const char *s)
{
    struct problem p;
    problem_init(&p);
    json_object *o = json_parse_object(s, strlen(s), 32, &p);
    CU_ASSERT_PTR_NOT_NULL(o);
    return o;
}

static void test_get_required_missing(void)
{
    struct problem p;
    json_object *o = obj("{\"other\":1,\"nul\":null}");
    problem_init(&p);
    CU_ASSERT(str_eq(json_get_string(o, "name", true, "dflt", 0, 10, &p), "dflt"));
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_EQUAL(p.nfields, 1);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "name");
    CU_ASSERT(strstr(p.fields[0].message, "required") != NULL);
    CU_ASSERT_FALSE(json_fields_ok(&p));

    /* null counts as missing */
    problem_init(&p);
    CU_ASSERT_EQUAL(json_get_int(o, "nul", true, -5, 0, 10, &p), -5);
    CU_ASSERT_EQUAL(p.nfields, 1);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "nul");
    problem_init(&p);
    CU_ASSERT_EQUAL(json_get_bool(o, "flag", true, true, &p), true);
    CU_ASSERT_EQUAL(p.nfields, 1);
    json_object_put(o);
}

static void test_get_defaults_when_optional(void)
{
    struct problem p;
    json_object *o = obj("{\"nul\":null}");
    problem_init(&p);
    CU_ASSERT(str_eq(json_get_string(o, "s", false, "dflt", 1, 10, &p), "dflt"));
    CU_ASSERT_PTR_NULL(json_get_string(o, "s", false, NULL, 1, 10, &p));
    CU_ASSERT_EQUAL(json_get_int(o, "i", false, 7, 0, 10, &p), 7);
    CU_ASSERT_EQUAL(json_get_bool(o, "b", false, true, &p), true);
    CU_ASSERT_EQUAL(json_get_bool(o, "nul", false, false, &p), false);
    CU_ASSERT_EQUAL(json_get_int(o, "nul", false, 3, 0, 10, &p), 3);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT_EQUAL(p.nfields, 0);
    CU_ASSERT(json_fields_ok(&p));
    json_object_put(o);
}

static void test_get_wrong_type(void)
{
    struct problem p;
    json_object *o = obj("{\"s\":5,\"i\":\"5\",\"b\":1,\"o\":{},\"a\":[]}");
    problem_init(&p);
    CU_ASSERT(str_eq(json_get_string(o, "s", true, "d", 0, 10, &p), "d"));
    CU_ASSERT(str_eq(json_get_string(o, "o", true, "d", 0, 10, &p), "d"));
    CU_ASSERT_EQUAL(json_get_int(o, "i", true, 9, 0, 10, &p), 9);
    CU_ASSERT_EQUAL(json_get_int(o, "a", true, 9, 0, 10, &p), 9);
    CU_ASSERT_EQUAL(json_get_bool(o, "b", true, false, &p), false);
    CU_ASSERT_EQUAL(json_get_bool(o, "s", false, true, &p), true);
    CU_ASSERT_EQUAL(p.nfields, 5);   /* one error per field: "s" read again adds none */
    CU_ASSERT(strstr(p.fields[0].message, "string") != NULL);
    CU_ASSERT(strstr(p.fields[2].message, "whole number") != NULL);
    CU_ASSERT(strstr(p.fields[4].message, "true or false") != NULL);
    json_object_put(o);
}

static void test_get_string_bounds(void)
{
    struct problem p;
    json_object *o = obj("{\"e\":\"\",\"a\":\"a\",\"ab\":\"ab\",\"abcd\":\"abcd\",\"abcde\":\"abcde\","
                         "\"e2\":\"\xc3\xa9\xc3\xa9\",\"e3\":\"\\u00e9\\u00e9\\u00e9\"}");
    problem_init(&p);
    CU_ASSERT(str_eq(json_get_string(o, "ab", true, NULL, 2, 4, &p), "ab"));
    CU_ASSERT(str_eq(json_get_string(o, "abcd", true, NULL, 2, 4, &p), "abcd"));
    CU_ASSERT(str_eq(json_get_string(o, "e", true, NULL, 0, 4, &p), ""));
    /* length is in bytes: two e-acute are 4 bytes, three are 6 */
    CU_ASSERT(str_eq(json_get_string(o, "e2", true, NULL, 2, 4, &p), "\xc3\xa9\xc3\xa9"));
    CU_ASSERT(json_fields_ok(&p));

    CU_ASSERT_PTR_NULL(json_get_string(o, "a", true, NULL, 2, 4, &p));
    CU_ASSERT_PTR_NULL(json_get_string(o, "abcde", true, NULL, 2, 4, &p));
    CU_ASSERT_PTR_NULL(json_get_string(o, "e", true, NULL, 1, 4, &p));
    CU_ASSERT_PTR_NULL(json_get_string(o, "e3", true, NULL, 2, 4, &p));
    CU_ASSERT_EQUAL(p.nfields, 4);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "a");
    CU_ASSERT(strstr(p.fields[0].message, "2 to 4") != NULL);
    CU_ASSERT_STRING_EQUAL(p.fields[3].field, "e3");
    json_object_put(o);
}

static void test_get_string_embedded_nul(void)
{
    struct problem p;
    json_object *o = obj("{\"s\":\"ab\\u0000cd\",\"t\":\"\\u0000\"}");
    problem_init(&p);
    CU_ASSERT(str_eq(json_get_string(o, "s", true, "d", 0, 100, &p), "d"));
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_EQUAL(p.nfields, 1);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "s");
    CU_ASSERT(strstr(p.fields[0].message, "NUL") != NULL);
    CU_ASSERT_PTR_NULL(json_get_string(o, "t", false, NULL, 0, 100, &p));
    CU_ASSERT_EQUAL(p.nfields, 2);
    json_object_put(o);
}

static void test_get_int_bounds(void)
{
    struct problem p;
    json_object *o = obj("{\"zero\":0,\"one\":1,\"ten\":10,\"eleven\":11,\"neg\":-3,"
                         "\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                         "\"f\":1.5,\"f0\":1.0,\"e\":1e2,\"big\":123456789012345678901234567890}");
    problem_init(&p);
    CU_ASSERT_EQUAL(json_get_int(o, "one", true, -1, 1, 10, &p), 1);
    CU_ASSERT_EQUAL(json_get_int(o, "ten", true, -1, 1, 10, &p), 10);
    CU_ASSERT_EQUAL(json_get_int(o, "neg", true, -1, -5, 0, &p), -3);
    CU_ASSERT_EQUAL(json_get_int(o, "max", true, -1, LLONG_MIN, LLONG_MAX, &p), LLONG_MAX);
    CU_ASSERT_EQUAL(json_get_int(o, "min", true, -1, LLONG_MIN, LLONG_MAX, &p), LLONG_MIN);
    CU_ASSERT(json_fields_ok(&p));

    CU_ASSERT_EQUAL(json_get_int(o, "zero", true, -1, 1, 10, &p), -1);
    CU_ASSERT_EQUAL(json_get_int(o, "eleven", true, -1, 1, 10, &p), -1);
    CU_ASSERT_EQUAL(json_get_int(o, "neg", true, -1, 0, 10, &p), -1);
    CU_ASSERT_EQUAL(p.nfields, 3);
    CU_ASSERT(strstr(p.fields[0].message, "between 1 and 10") != NULL);

    /* numbers with a fraction or an exponent are not whole numbers, even 1.0 */
    problem_init(&p);
    CU_ASSERT_EQUAL(json_get_int(o, "f", true, -1, 0, 10, &p), -1);
    CU_ASSERT_EQUAL(json_get_int(o, "f0", true, -1, 0, 10, &p), -1);
    CU_ASSERT_EQUAL(json_get_int(o, "e", true, -1, 0, 1000, &p), -1);
    CU_ASSERT_EQUAL(p.nfields, 3);
    /* a number past the 64-bit range is refused, not wrapped into the range */
    problem_init(&p);
    CU_ASSERT_EQUAL(json_get_int(o, "big", true, -1, 0, 1000000, &p), -1);
    CU_ASSERT_EQUAL(p.nfields, 1);
    json_object_put(o);
}

static void test_get_bool(void)
{
    struct problem p;
    json_object *o = obj("{\"t\":true,\"f\":false,\"s\":\"true\",\"n\":0}");
    problem_init(&p);
    CU_ASSERT_EQUAL(json_get_bool(o, "t", true, false, &p), true);
    CU_ASSERT_EQUAL(json_get_bool(o, "f", true, true, &p), false);
    CU_ASSERT(json_fields_ok(&p));
    CU_ASSERT_EQUAL(json_get_bool(o, "s", true, false, &p), false);
    CU_ASSERT_EQUAL(json_get_bool(o, "n", true, false, &p), false);
    CU_ASSERT_EQUAL(p.nfields, 2);
    json_object_put(o);
}

static void test_multiple_errors_collected(void)
{
    struct problem p;
    json_object *o = obj("{\"name\":\"\",\"count\":\"x\",\"enabled\":\"yes\",\"ok\":\"fine\"}");
    problem_init(&p);
    json_get_string(o, "name", true, NULL, 1, 64, &p);
    json_get_int(o, "count", true, 0, 0, 100, &p);
    json_get_bool(o, "enabled", false, false, &p);
    json_get_string(o, "ok", true, NULL, 1, 64, &p);
    json_get_string(o, "missing", true, NULL, 1, 64, &p);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT(type_is(&p, "validation"));
    CU_ASSERT_EQUAL(p.nfields, 4);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "name");
    CU_ASSERT_STRING_EQUAL(p.fields[1].field, "count");
    CU_ASSERT_STRING_EQUAL(p.fields[2].field, "enabled");
    CU_ASSERT_STRING_EQUAL(p.fields[3].field, "missing");
    CU_ASSERT_FALSE(json_fields_ok(&p));

    /* the whole list appears in the problem document */
    json_object *doc = problem_to_json(&p, "rid"), *errs;
    CU_ASSERT(json_object_object_get_ex(doc, "errors", &errs) && json_object_array_length(errs) == 4);
    json_object_put(doc);
    json_object_put(o);
}

static void test_reject_unknown(void)
{
    static const char *const allowed[] = { "name", "count", NULL };
    struct problem p;
    json_object *o = obj("{\"name\":\"x\",\"nmae\":\"typo\",\"count\":1,\"extra\":true}");
    problem_init(&p);
    json_reject_unknown(o, allowed, &p);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT_EQUAL(p.nfields, 2);
    CU_ASSERT_STRING_EQUAL(p.fields[0].field, "nmae");
    CU_ASSERT_STRING_EQUAL(p.fields[1].field, "extra");
    json_object_put(o);

    o = obj("{\"name\":\"x\"}");
    problem_init(&p);
    json_reject_unknown(o, allowed, &p);
    CU_ASSERT(json_fields_ok(&p));
    json_object_put(o);

    static const char *const none[] = { NULL };
    o = obj("{}");
    problem_init(&p);
    json_reject_unknown(o, none, &p);
    CU_ASSERT(json_fields_ok(&p));
    json_object_put(o);
}

static void test_fields_ok(void)
{
    struct problem p;
    problem_init(&p);
    CU_ASSERT_TRUE(json_fields_ok(&p));
    problem_set(&p, 400, "x", "y");
    CU_ASSERT_FALSE(json_fields_ok(&p));
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
    CU_add_test(s, "getters: required and missing", test_get_required_missing);
    CU_add_test(s, "getters: defaults when optional and absent", test_get_defaults_when_optional);
    CU_add_test(s, "getters: wrong type", test_get_wrong_type);
    CU_add_test(s, "json_get_string: length bounds in bytes", test_get_string_bounds);
    CU_add_test(s, "json_get_string: embedded NUL", test_get_string_embedded_nul);
    CU_add_test(s, "json_get_int: bounds, fractions", test_get_int_bounds);
    CU_add_test(s, "json_get_bool", test_get_bool);
    CU_add_test(s, "errors are collected in one 422", test_multiple_errors_collected);
    CU_add_test(s, "json_reject_unknown", test_reject_unknown);
    CU_add_test(s, "json_fields_ok", test_fields_ok);
}
