/*
 * yamldoc: multi-document YAML to JSON, the core schema's scalars, and the limits.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "lib/yamldoc.h"
#include "tests/unit/suites.h"

static const struct yamldoc_limits lim = { 16, 10000, 100 };

static json_object *parse(const char *text, struct problem *p)
{
    problem_init(p);
    return yamldoc_parse(text, strlen(text), &lim, p);
}

static void test_documents(void)
{
    struct problem p;
    json_object *d = parse("apiVersion: backstage.io/v1alpha1\n"
                           "kind: Component\n"
                           "metadata:\n  name: payments\n  tags: [java, pci]\n"
                           "spec:\n  owner: team-pay\n  replicas: 3\n  ratio: 0.5\n  public: true\n  note: ~\n"
                           "  version: \"3\"\n"
                           "---\n"
                           "kind: Group\nmetadata: {name: team-pay}\n"
                           "---\n", &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(json_object_array_length(d), 2);   /* the empty third document is skipped */
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(json_object_array_get_idx(d, 0), JSON_C_TO_STRING_PLAIN),
                           "{\"apiVersion\":\"backstage.io\\/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                           "\"payments\",\"tags\":[\"java\",\"pci\"]},\"spec\":{\"owner\":\"team-pay\",\"replicas\":3,"
                           "\"ratio\":0.5,\"public\":true,\"note\":null,\"version\":\"3\"}}");
    json_object_put(d);
}

static void test_malformed(void)
{
    struct problem p;
    CU_ASSERT_PTR_NULL(parse("kind: Component\nmetadata:\n  name: [unclosed\n", &p));
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "line "));
    CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "column "));
    CU_ASSERT_PTR_NULL(parse("a: &x [1, 2]\nb: *x\n", &p));   /* aliases are refused */
    CU_ASSERT_EQUAL(p.status, 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "aliases"));
    CU_ASSERT_PTR_NULL(parse("? [a, b]\n: c\n", &p));          /* a key that is not a scalar */
    CU_ASSERT_EQUAL(p.status, 400);
}

static void test_limits(void)
{
    struct problem p;
    char deep[200] = "";
    for (int i = 0; i < 20; i++)
        strcat(deep, "[");
    for (int i = 0; i < 20; i++)
        strcat(deep, "]");
    CU_ASSERT_PTR_NULL(parse(deep, &p));
    CU_ASSERT_EQUAL(p.status, 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, "deeper"));
    static char many[40000];
    strcpy(many, "[");
    for (int i = 0; i < 10001; i++)
        strcat(many, "1,");
    strcat(many, "1]");
    CU_ASSERT_PTR_NULL(parse(many, &p));
    CU_ASSERT_EQUAL(p.status, 413);
    static char docs[2000];
    docs[0] = '\0';
    for (int i = 0; i < 101; i++)
        strcat(docs, "--- a\n");
    CU_ASSERT_PTR_NULL(parse(docs, &p));
    CU_ASSERT_EQUAL(p.status, 413);
}

/* What is written reads back as the same values: strings that look like numbers, booleans or
 * null stay strings; unicode, colons and newlines survive. */
static void test_round_trip(void)
{
    struct problem p;
    problem_init(&p);
    json_object *docs = json_tokener_parse(
        "[{\"kind\":\"Component\",\"metadata\":{\"name\":\"pay\",\"title\":\"Pay: the \\\"best\\\"\\nservice\","
        "\"labels\":{\"v\":\"3\",\"b\":\"true\",\"n\":\"null\",\"e\":\"\",\"u\":\"k\u00f6ln\"},\"tags\":[\"a\",\"-x\"]},"
        "\"spec\":{\"replicas\":3,\"ratio\":0.5,\"on\":true,\"none\":null,\"list\":[],\"map\":{}}},"
        "{\"kind\":\"Group\",\"metadata\":{\"name\":\"team\"}}]");
    CU_ASSERT_PTR_NOT_NULL_FATAL(docs);
    char *yaml;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(yamldoc_emit(docs, &yaml, &len, &p), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(yaml, "---"));
    json_object *back = yamldoc_parse(yaml, len, &lim, &p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_STRING_EQUAL(json_object_to_json_string_ext(back, JSON_C_TO_STRING_PLAIN),
                           json_object_to_json_string_ext(docs, JSON_C_TO_STRING_PLAIN));
    free(yaml);
    json_object_put(back);
    json_object_put(docs);
}

void suite_yamldoc(void)
{
    CU_pSuite s = CU_add_suite("yamldoc", NULL, NULL);
    CU_add_test(s, "documents, core-schema scalars, empty ones skipped", test_documents);
    CU_add_test(s, "malformed YAML: line and column; aliases; complex keys", test_malformed);
    CU_add_test(s, "limits: depth, nodes, documents", test_limits);
    CU_add_test(s, "emitted YAML reads back as the same values", test_round_trip);
}
