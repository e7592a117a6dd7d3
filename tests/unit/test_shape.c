/*
 * shape: one line of text declares a JSON value's form; bodies and answers are checked by it,
 * and the API document's schemas are made from it.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/shape.h"
#include "tests/unit/suites.h"

static json_object *parse(const char *s)
{
    json_object *o = json_tokener_parse(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

/* The request check of text against spec: 0 or -1, with p filled. */
static int request(const char *spec, const char *text, struct problem *p)
{
    json_object *o = parse(text);
    problem_init(p);
    int rc = shape_check_request(spec, o, p);
    json_object_put(o);
    return rc;
}

static bool has_field(const struct problem *p, const char *field, const char *message)
{
    for (size_t i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i].field, field) == 0 && (!message || strstr(p->fields[i].message, message)))
            return true;
    fprintf(stderr, "\n    no error on %s (%s); %zu errors:", field, message ? message : "any", p->nfields);
    for (size_t i = 0; i < p->nfields; i++)
        fprintf(stderr, " [%s: %s]", p->fields[i].field, p->fields[i].message);
    return false;
}

static int answer(const char *spec, const char *text, char *why, size_t n)
{
    json_object *o = parse(text);
    why[0] = '\0';
    int rc = shape_check_answer(spec, o, why, n);
    json_object_put(o);
    return rc;
}

static void test_syntax(void)
{
    char err[160];
    static const char *const good[] = {
        "name:string(1..63) display_name?:string(0..200)", "Status", "[Token]", "map(int)", "any", "object",
        "a:{b:[{c:int(1..5)}](0..3)} d?:enum(x|y)", "n:number f:bool", "m:{name:string ...}", "s:string(5)",
        "t:[string(1..300)](1..16)", "e:Entity",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (shape_spec_check(good[i], err, sizeof(err)) != 0)
            fprintf(stderr, "\n    %s: %s", good[i], err);
        CU_ASSERT_EQUAL(shape_spec_check(good[i], err, sizeof(err)), 0);
    }
    static const char *const bad[] = {
        "", "name:", "name:text", "name:string(5..1)", "a:[int", "a:{}", "a:{b:int", "Nope", "a:int b",
        "a:enum()", "a:int(1)", "a:map(int", "a:{b:int ... c:int}", "a:string(0)",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (shape_spec_check(bad[i], err, sizeof(err)) == 0)
            fprintf(stderr, "\n    accepted: \"%s\"", bad[i]);
        CU_ASSERT_EQUAL(shape_spec_check(bad[i], err, sizeof(err)), -1);
        CU_ASSERT(err[0] != '\0');
    }
}

static void test_request(void)
{
    struct problem p;
    const char *spec = "name:string(1..8) n?:int(1..10) on?:bool tags?:[string(1..3)](0..2) kind?:enum(a|b)";
    CU_ASSERT_EQUAL(request(spec, "{\"name\":\"x\"}", &p), 0);
    CU_ASSERT_EQUAL(p.status, 0);
    CU_ASSERT_EQUAL(request(spec, "{\"name\":\"x\",\"n\":null,\"tags\":[],\"kind\":\"b\",\"on\":false}", &p), 0);
    /* every mistake, each on its field, in the words lib/json used */
    CU_ASSERT_EQUAL(request(spec, "{\"n\":11,\"on\":1,\"tags\":[\"long\",2,\"a\"],\"kind\":\"c\",\"x\":1}", &p), -1);
    CU_ASSERT_EQUAL(p.status, 422);
    CU_ASSERT(has_field(&p, "name", "is required"));
    CU_ASSERT(has_field(&p, "n", "must be between 1 and 10"));
    CU_ASSERT(has_field(&p, "on", "must be true or false"));
    CU_ASSERT(has_field(&p, "tags", "must be a list of 0 to 2 items"));
    CU_ASSERT(has_field(&p, "tags/0", "must be 1 to 3 bytes long"));
    CU_ASSERT(has_field(&p, "tags/1", "must be a string"));
    CU_ASSERT(has_field(&p, "kind", "must be one of a, b"));
    CU_ASSERT(has_field(&p, "x", "is not a known field"));
    CU_ASSERT_EQUAL(request(spec, "{\"name\":\"too long!!\"}", &p), -1);
    CU_ASSERT(has_field(&p, "name", "must be 1 to 8 bytes long"));
    CU_ASSERT_EQUAL(request(spec, "{\"name\":7}", &p), -1);
    CU_ASSERT(has_field(&p, "name", "must be a string"));
    CU_ASSERT_EQUAL(request(spec, "{\"name\":\"x\",\"n\":1.5}", &p), -1);
    CU_ASSERT(has_field(&p, "n", "must be a whole number"));
    /* nested objects and maps name the path */
    const char *nested = "c:{env:string(1..4)} m?:map(int(0..9))";
    CU_ASSERT_EQUAL(request(nested, "{\"c\":{\"env\":\"prod\"},\"m\":{\"a\":1}}", &p), 0);
    CU_ASSERT_EQUAL(request(nested, "{\"c\":{\"env\":\"staging\",\"z\":1},\"m\":{\"a\":10,\"b\":\"x\"}}", &p), -1);
    CU_ASSERT(has_field(&p, "c/env", "bytes long"));
    CU_ASSERT(has_field(&p, "c/z", "is not a known field"));
    CU_ASSERT(has_field(&p, "m/a", "between 0 and 9"));
    CU_ASSERT(has_field(&p, "m/b", "whole number"));
    CU_ASSERT_EQUAL(request(nested, "{\"c\":[]}", &p), -1);
    CU_ASSERT(has_field(&p, "c", "must be an object"));
    /* an open object keeps what it does not name; a NUL inside a string is refused */
    CU_ASSERT_EQUAL(request("m:{name:string ...}", "{\"m\":{\"name\":\"a\",\"uid\":\"u\"}}", &p), 0);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string_len("a\0b", 3));
    problem_init(&p);
    CU_ASSERT_EQUAL(shape_check_request("name:string", o, &p), -1);
    CU_ASSERT(has_field(&p, "name", "NUL"));
    json_object_put(o);
    o = json_object_new_object();   /* nor is "a\0b" the word a */
    json_object_object_add(o, "kind", json_object_new_string_len("a\0b", 3));
    problem_init(&p);
    CU_ASSERT_EQUAL(shape_check_request("kind:enum(a|b)", o, &p), -1);
    CU_ASSERT(has_field(&p, "kind", "one of a, b"));
    json_object_put(o);
    /* a named shape is read where it is used */
    CU_ASSERT_EQUAL(request("TokenRequest", "{\"name\":\"ci\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":30}", &p), 0);
    CU_ASSERT_EQUAL(request("TokenRequest", "{\"name\":\"ci\",\"scopes\":[],\"expires_in_days\":400}", &p), -1);
    CU_ASSERT(has_field(&p, "scopes", "1 to 64 items"));
    CU_ASSERT(has_field(&p, "expires_in_days", "between 1 and 365"));
}

static void test_answer(void)
{
    char why[256];
    const char *spec = "teams:[{id:int name:string parent?:string}] next_cursor?:string";
    CU_ASSERT_EQUAL(answer(spec, "{\"teams\":[{\"id\":1,\"name\":\"a\",\"parent\":null}],\"next_cursor\":null}", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(answer(spec, "{\"teams\":[]}", why, sizeof(why)), 0);
    /* strict: an undeclared member is a mismatch, and the first one is named by its path */
    CU_ASSERT_EQUAL(answer(spec, "{\"teams\":[{\"id\":1,\"name\":\"a\"},{\"id\":2,\"name\":\"b\",\"extra\":1}]}", why, sizeof(why)), -1);
    CU_ASSERT(strstr(why, "/teams/1/extra") != NULL && strstr(why, "not declared") != NULL);
    CU_ASSERT_EQUAL(answer(spec, "{\"teams\":[{\"id\":\"1\",\"name\":\"a\"}]}", why, sizeof(why)), -1);
    CU_ASSERT(strstr(why, "/teams/0/id: must be a whole number") != NULL);
    CU_ASSERT_EQUAL(answer(spec, "{}", why, sizeof(why)), -1);
    CU_ASSERT(strstr(why, "/teams: is required") != NULL);
    /* a named shape that contains itself is read as deep as the value goes */
    CU_ASSERT_EQUAL(answer("Status", "{\"status\":\"deleted\"}", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(answer("[Status]", "[{\"status\":\"a\"},{\"state\":\"b\"}]", why, sizeof(why)), -1);
    CU_ASSERT(strstr(why, "/1") != NULL);
}

static const char *member_text(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_object *v = o;
    for (char *k = strtok(buf, "/"); k && v; k = strtok(NULL, "/"))
        if (!json_object_object_get_ex(v, k, &v))
            v = NULL;
    return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(none)";
}

static void test_schema(void)
{
    json_object *s = shape_schema("name:string(1..63) n?:int(1..10) tags:[string](0..4) kind?:enum(a|b) m:map(int) t:Token "
                                  "o:{x:bool ...} v?:any");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(member_text(s, "type"), "\"object\"");
    CU_ASSERT_STRING_EQUAL(member_text(s, "required"), "[\"name\",\"tags\",\"m\",\"t\",\"o\"]");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/name"), "{\"type\":\"string\",\"minLength\":1,\"maxLength\":63}");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/n"), "{\"type\":[\"integer\",\"null\"],\"minimum\":1,\"maximum\":10}");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/tags"), "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":4}");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/kind"),
                           "{\"anyOf\":[{\"type\":\"string\",\"enum\":[\"a\",\"b\"]},{\"type\":\"null\"}]}");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/m"), "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"}}");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/t"), "{\"$ref\":\"#\\/components\\/schemas\\/Token\"}");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/o/required"), "[\"x\"]");
    /* a closed object says what it refuses; an open one ("...") does not */
    CU_ASSERT_STRING_EQUAL(member_text(s, "additionalProperties"), "false");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/o/additionalProperties"), "(none)");
    CU_ASSERT_STRING_EQUAL(member_text(s, "properties/v"), "{}");
    json_object_put(s);
    CU_ASSERT_PTR_NULL(shape_schema("a:{b:int"));
    /* every named shape reads, and makes a schema */
    const char *spec, *name;
    char err[160];
    for (size_t i = 0; (name = shape_each(i, &spec)); i++) {
        if (shape_spec_check(spec, err, sizeof(err)) != 0)
            fprintf(stderr, "\n    %s: %s", name, err);
        CU_ASSERT_EQUAL(shape_spec_check(spec, err, sizeof(err)), 0);
        json_object *o = shape_schema(spec);
        CU_ASSERT_PTR_NOT_NULL(o);
        json_object_put(o);
        CU_ASSERT_PTR_EQUAL(shape_named(name), spec);
    }
}

void suite_shape(void)
{
    CU_pSuite s = CU_add_suite("shape", NULL, NULL);
    CU_add_test(s, "declarations: what reads and what does not", test_syntax);
    CU_add_test(s, "request bodies: every mistake a field error, in lib/json's words", test_request);
    CU_add_test(s, "answers: exactly the declared shape, the first mismatch by path", test_answer);
    CU_add_test(s, "schemas: JSON Schema for the API document, named shapes by $ref", test_schema);
}
