/*
 * catalog: names, refs, and reading entity documents (validation paths, relations).
 */
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <string.h>

#include "lib/catalog.h"
#include "tests/unit/suites.h"

static void test_names(void)
{
    CU_ASSERT_TRUE(catalog_name_ok("payments"));
    CU_ASSERT_TRUE(catalog_name_ok("Payments_API.v2-x"));
    CU_ASSERT_TRUE(catalog_name_ok("a"));
    CU_ASSERT_FALSE(catalog_name_ok(""));
    CU_ASSERT_FALSE(catalog_name_ok(NULL));
    CU_ASSERT_FALSE(catalog_name_ok("-payments"));
    CU_ASSERT_FALSE(catalog_name_ok("payments-"));
    CU_ASSERT_FALSE(catalog_name_ok("pay--ments"));
    CU_ASSERT_FALSE(catalog_name_ok("pay ments"));
    CU_ASSERT_FALSE(catalog_name_ok("paymënts"));
    char long_name[65];
    memset(long_name, 'a', 64);
    long_name[64] = '\0';
    CU_ASSERT_FALSE(catalog_name_ok(long_name));
    long_name[63] = '\0';
    CU_ASSERT_TRUE(catalog_name_ok(long_name));
    CU_ASSERT_TRUE(catalog_namespace_ok("team-a"));
    CU_ASSERT_FALSE(catalog_namespace_ok("Team"));
    CU_ASSERT_FALSE(catalog_namespace_ok("team_a"));
    CU_ASSERT_STRING_EQUAL(catalog_kind("component"), "Component");
    CU_ASSERT_STRING_EQUAL(catalog_kind("api"), "API");
    CU_ASSERT_PTR_NULL(catalog_kind("Template"));
}

static void test_refs(void)
{
    struct catalog_ref r;
    const char *why = NULL;
    CU_ASSERT_EQUAL(catalog_ref_parse("component:default/payments", NULL, NULL, &r, &why), 0);
    CU_ASSERT_STRING_EQUAL(r.kind, "Component");
    CU_ASSERT_STRING_EQUAL(r.text, "component:default/payments");
    /* the kind and namespace from where the ref stands; text is lower-case */
    CU_ASSERT_EQUAL(catalog_ref_parse("Team-Payments", "Group", "finance", &r, &why), 0);
    CU_ASSERT_STRING_EQUAL(r.text, "group:finance/team-payments");
    CU_ASSERT_STRING_EQUAL(r.name, "Team-Payments");
    CU_ASSERT_EQUAL(catalog_ref_parse("other/billing", "System", "finance", &r, &why), 0);
    CU_ASSERT_STRING_EQUAL(r.text, "system:other/billing");
    CU_ASSERT_EQUAL(catalog_ref_parse("API:default/pay-api", "Component", NULL, &r, &why), 0);
    CU_ASSERT_STRING_EQUAL(r.kind, "API");
    /* refs compare without case, the namespace's too: one spelling */
    CU_ASSERT_EQUAL(catalog_ref_parse("COMPONENT:DEFAULT/A-SVC", NULL, NULL, &r, &why), 0);
    CU_ASSERT_STRING_EQUAL(r.text, "component:default/a-svc");
    CU_ASSERT_STRING_EQUAL(r.ns, "default");
    /* refused, with a reason */
    CU_ASSERT_EQUAL(catalog_ref_parse("payments", NULL, NULL, &r, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "kind"));
    CU_ASSERT_EQUAL(catalog_ref_parse("template:default/x", NULL, NULL, &r, &why), -1);
    CU_ASSERT_EQUAL(catalog_ref_parse("component:Bad_NS/x", NULL, NULL, &r, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "namespace"));
    CU_ASSERT_EQUAL(catalog_ref_parse("component:default/", NULL, NULL, &r, &why), -1);
    CU_ASSERT_EQUAL(catalog_ref_parse("", "Group", NULL, &r, &why), -1);
    CU_ASSERT_EQUAL(catalog_ref_parse("component:a/b/c", NULL, NULL, &r, &why), -1);
    CU_ASSERT_EQUAL(catalog_ref_parse("averyveryveryverylongkindname:default/x", NULL, NULL, &r, &why), -1);
}

static json_object *doc(const char *text)
{
    json_object *o = json_tokener_parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    return o;
}

static void test_entity_relations(void)
{
    struct arena a;
    struct problem p;
    struct catalog_entity e;
    arena_init(&a, 0);
    problem_init(&p);
    json_object *o = doc("{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\","
                         "\"metadata\":{\"name\":\"payments\",\"namespace\":\"finance\",\"title\":\"Payments\","
                         "\"tags\":[\"java\",\"pci\"],\"links\":[{\"url\":\"https://pay.example\"}]},"
                         "\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"team-pay\","
                         "\"system\":\"billing\",\"dependsOn\":[\"resource:default/pay-db\",\"component:ledger\"],"
                         "\"providesApis\":[\"pay-api\"],\"consumesApis\":[\"api:default/fx\"],\"subcomponentOf\":\"money\"}}");
    CU_ASSERT_EQUAL_FATAL(catalog_entity_read(o, &a, &e, &p), 0);
    CU_ASSERT_STRING_EQUAL(e.ref.text, "component:finance/payments");
    CU_ASSERT_STRING_EQUAL(e.title, "Payments");
    CU_ASSERT_STRING_EQUAL(e.type, "service");
    CU_ASSERT_STRING_EQUAL(e.lifecycle, "production");
    CU_ASSERT_STRING_EQUAL(e.owner, "group:finance/team-pay");
    const char *want[][3] = {
        { "ownedBy", "ownerOf", "group:finance/team-pay" },
        { "partOf", "hasPart", "system:finance/billing" },
        { "partOf", "hasPart", "component:finance/money" },
        { "dependsOn", "dependencyOf", "resource:default/pay-db" },
        { "dependsOn", "dependencyOf", "component:finance/ledger" },
        { "providesApi", "apiProvidedBy", "api:finance/pay-api" },
        { "consumesApi", "apiConsumedBy", "api:default/fx" },
    };
    CU_ASSERT_EQUAL_FATAL(e.nrelations, 7);
    for (size_t i = 0; i < 7; i++) {
        CU_ASSERT_STRING_EQUAL(e.relations[i].type, want[i][0]);
        CU_ASSERT_STRING_EQUAL(e.relations[i].inverse, want[i][1]);
        CU_ASSERT_STRING_EQUAL(e.relations[i].target.text, want[i][2]);
    }
    json_object_put(o);

    /* groups and users: parent, children, members, memberOf; no owner needed */
    arena_reset(&a);
    o = doc("{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Group\",\"metadata\":{\"name\":\"team-pay\"},"
            "\"spec\":{\"type\":\"team\",\"parent\":\"finance\",\"children\":[\"pay-web\"],\"members\":[\"alice\"]}}");
    CU_ASSERT_EQUAL_FATAL(catalog_entity_read(o, &a, &e, &p), 0);
    CU_ASSERT_EQUAL_FATAL(e.nrelations, 3);
    CU_ASSERT_STRING_EQUAL(e.relations[0].type, "childOf");
    CU_ASSERT_STRING_EQUAL(e.relations[2].target.text, "user:default/alice");
    CU_ASSERT_PTR_NULL(e.owner);
    json_object_put(o);
    arena_free(&a);
}

static void test_terms(void)
{
    struct arena a;
    const char *t[8];
    size_t n = 0;
    arena_init(&a, 0);
    catalog_terms("Seed-svc_00042: Payments, payments & Müller.x", &a, t, &n, 8);
    CU_ASSERT_EQUAL_FATAL(n, 6);   /* repeats once; UTF-8 stays inside its word */
    CU_ASSERT_STRING_EQUAL(t[0], "seed");
    CU_ASSERT_STRING_EQUAL(t[1], "svc");
    CU_ASSERT_STRING_EQUAL(t[2], "00042");
    CU_ASSERT_STRING_EQUAL(t[3], "payments");
    CU_ASSERT_STRING_EQUAL(t[4], "m\xc3\xbcller");
    CU_ASSERT_STRING_EQUAL(t[5], "x");
    catalog_terms("more words than room", &a, t, &n, 8);   /* adds up to max, no further */
    CU_ASSERT_EQUAL(n, 8);
    n = 0;
    char longword[200];
    memset(longword, 'a', sizeof(longword) - 1);
    longword[sizeof(longword) - 1] = '\0';
    catalog_terms(longword, &a, t, &n, 8);                  /* a run past 63 bytes is no term */
    CU_ASSERT_EQUAL(n, 0);
    catalog_terms(NULL, &a, t, &n, 8);
    catalog_terms("", &a, t, &n, 8);
    CU_ASSERT_EQUAL(n, 0);
    arena_free(&a);
}

static void test_entity_errors(void)
{
    struct arena a;
    struct problem p;
    struct catalog_entity e;
    arena_init(&a, 0);
    problem_init(&p);
    json_object *o = doc("{\"apiVersion\":\"v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"-bad\",\"namespace\":\"X\"}}");
    CU_ASSERT_EQUAL(catalog_entity_read(o, &a, &e, &p), -1);
    CU_ASSERT_EQUAL(p.status, 422);
    const char *paths[] = { "apiVersion", "kind", "metadata/name", "metadata/namespace" };
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (size_t k = 0; k < p.nfields; k++)
            found |= strcmp(p.fields[k].field, paths[i]) == 0;
        CU_ASSERT_TRUE(found);
    }
    json_object_put(o);

    /* every bad field by its path: a dependsOn ref without a kind, a bad tag, a bad link, no owner */
    problem_init(&p);
    arena_reset(&a);
    o = doc("{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"x\","
            "\"tags\":[\"ok\",\"Not OK\"],\"links\":[{\"url\":\"javascript:alert(1)\"}]},"
            "\"spec\":{\"dependsOn\":[\"resource:default/db\",\"nokind\"],\"lifecycle\":7}}");
    CU_ASSERT_EQUAL(catalog_entity_read(o, &a, &e, &p), -1);
    const char *paths2[] = { "metadata/tags/1", "metadata/links/0/url", "spec/dependsOn/1", "spec/lifecycle", "spec/owner" };
    for (size_t i = 0; i < 5; i++) {
        bool found = false;
        for (size_t k = 0; k < p.nfields; k++)
            found |= strcmp(p.fields[k].field, paths2[i]) == 0;
        CU_ASSERT_TRUE(found);
        if (!found)
            fprintf(stderr, "\n    missing field error %s\n", paths2[i]);
    }
    json_object_put(o);
    arena_free(&a);
}

void suite_catalog(void)
{
    CU_pSuite s = CU_add_suite("catalog", NULL, NULL);
    CU_add_test(s, "names, namespaces, kinds", test_names);
    CU_add_test(s, "refs: defaults, canonical text, refusals", test_refs);
    CU_add_test(s, "an entity's relations from its spec", test_entity_relations);
    CU_add_test(s, "every bad field by its path", test_entity_errors);
    CU_add_test(s, "search terms: split, lower-cased, repeats and long runs left out", test_terms);
}
