/*
 * yamldoc: multi-document YAML to JSON, the core schema's scalars, and the limits.
 */
#include <CUnit/CUnit.h>
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

void suite_yamldoc(void)
{
    CU_pSuite s = CU_add_suite("yamldoc", NULL, NULL);
    CU_add_test(s, "documents, core-schema scalars, empty ones skipped", test_documents);
    CU_add_test(s, "malformed YAML: line and column; aliases; complex keys", test_malformed);
    CU_add_test(s, "limits: depth, nodes, documents", test_limits);
}
