/*
 * authz: the built-in role matrix, scope matching, the deciding binding, and the check that
 * keeps unknown permissions out of route tables.
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/app.h"
#include "lib/authz.h"
#include "tests/unit/suites.h"

static void test_role_matrix(void)
{
    CU_ASSERT_TRUE(authz_role_has(NULL, "viewer", "catalog.entity.read"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "viewer", "catalog.entity.write"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "viewer", "audit.event.read"));
    CU_ASSERT_TRUE(authz_role_has(NULL, "developer", "catalog.entity.write"));
    CU_ASSERT_TRUE(authz_role_has(NULL, "developer", "catalog.entity.read"));   /* roles nest */
    CU_ASSERT_FALSE(authz_role_has(NULL, "developer", "secrets.reveal"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "developer", "provision.request.approve"));
    CU_ASSERT_TRUE(authz_role_has(NULL, "maintainer", "secrets.reveal"));
    CU_ASSERT_TRUE(authz_role_has(NULL, "maintainer", "provision.request.approve"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "maintainer", "iam.binding.write"));
    for (const char *const *p = authz_permissions(); *p; p++)
        CU_ASSERT_TRUE(authz_role_has(NULL, "admin", *p));
    CU_ASSERT_FALSE(authz_role_has(NULL, "superuser", "catalog.entity.read"));  /* unknown role */
    CU_ASSERT_FALSE(authz_role_has(NULL, "admin", "catalog.entity.raed"));      /* unknown permission */
    CU_ASSERT_FALSE(authz_role_has(NULL, "admin", ""));
}

/* catalog-reader: the catalog's read and nothing else, outside the ladder (no ranked role is
 * "included" by it, and it by none but those holding catalog reads). */
static void test_catalog_reader(void)
{
    size_t held = 0;
    for (const char *const *p = authz_permissions(); *p; p++)
        held += authz_role_has(NULL, "catalog-reader", *p);
    CU_ASSERT_EQUAL(held, 1);
    CU_ASSERT_TRUE(authz_role_has(NULL, "catalog-reader", "catalog.entity.read"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "catalog-reader", "iam.user.read"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "catalog-reader", "secrets.secret.read"));
    CU_ASSERT_TRUE(authz_role_builtin("catalog-reader"));
    CU_ASSERT_TRUE(authz_role_exists(NULL, "catalog-reader"));
    CU_ASSERT_PTR_NOT_NULL(authz_builtin_role_about("catalog-reader"));
    bool listed = false;
    for (const char *const *r = authz_builtin_roles(); *r; r++)
        listed |= strcmp(*r, "catalog-reader") == 0;
    CU_ASSERT_TRUE(listed);
    /* held as a member of a team: it answers catalog reads everywhere, viewer's other reads nowhere */
    struct authz_binding b[] = { { "catalog-reader", "global", "", "members" } };
    struct authz_grants g = { b, 1, NULL, NULL };
    struct authz_resource other = { "payments", "component:default/ledger", NULL, "component" };
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &other, NULL));
    CU_ASSERT_FALSE(authz_check(&g, "secrets.secret.read", &other, NULL));
    CU_ASSERT_FALSE(authz_check(&g, "iam.user.read", NULL, NULL));
    CU_ASSERT_FALSE(authz_holds_role(&g, "viewer", &other));
    CU_ASSERT_TRUE(authz_holds_role(&g, "catalog-reader", &other));
}

static void test_permission_names(void)
{
    size_t n = 0;
    for (const char *const *p = authz_permissions(); *p; p++, n++) {
        CU_ASSERT_TRUE(authz_permission_known(*p));
        CU_ASSERT_PTR_NOT_NULL(strchr(*p, '.'));
        for (const char *c = *p; *c; c++)
            CU_ASSERT_TRUE(islower((unsigned char)*c) || *c == '.');
        for (const char *const *q = p + 1; *q; q++)
            CU_ASSERT_STRING_NOT_EQUAL(*p, *q);
    }
    CU_ASSERT_TRUE(n >= 20);
    CU_ASSERT_FALSE(authz_permission_known("public"));
    CU_ASSERT_FALSE(authz_permission_known(NULL));
}

static void test_scopes(void)
{
    struct authz_binding b[] = {
        { "maintainer", "team", "payments", "user" },
        { "viewer", "global", "", "user" },
        { "developer", "entity", "component:default/search", "user" },
    };
    struct authz_grants g = { b, 3, NULL, NULL };
    struct authz_resource pay = { "payments", "component:default/billing", NULL, NULL };
    struct authz_resource search = { "search", "component:default/search", NULL, NULL };
    struct authz_resource other = { "search", "component:default/indexer", NULL, NULL };
    struct authz_decision why;

    /* a team binding covers what that team owns, and only that */
    CU_ASSERT_TRUE(authz_check(&g, "secrets.reveal", &pay, &why));
    CU_ASSERT_PTR_EQUAL(why.binding, &b[0]);
    CU_ASSERT_FALSE(authz_check(&g, "secrets.reveal", &search, &why));
    CU_ASSERT_PTR_NULL(why.binding);
    /* an entity binding covers that entity */
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.write", &search, &why));
    CU_ASSERT_PTR_EQUAL(why.binding, &b[2]);
    CU_ASSERT_FALSE(authz_check(&g, "catalog.entity.write", &other, NULL));
    /* global reads everywhere, and is named first when it decides */
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &other, &why));
    CU_ASSERT_PTR_EQUAL(why.binding, &b[1]);
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &pay, &why));
    CU_ASSERT_STRING_EQUAL(why.binding->scope_type, "global");
    /* route level: held anywhere */
    CU_ASSERT_TRUE(authz_check(&g, "secrets.reveal", NULL, NULL));
    CU_ASSERT_FALSE(authz_check(&g, "iam.binding.write", NULL, NULL));
    /* a resource without an owner is covered by global bindings only */
    struct authz_resource orphan = { NULL, NULL, NULL, NULL };
    CU_ASSERT_FALSE(authz_check(&g, "secrets.reveal", &orphan, NULL));
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.read", &orphan, NULL));
    /* nobody: nothing */
    struct authz_grants none = { NULL, 0, NULL, NULL };
    CU_ASSERT_FALSE(authz_check(&none, "catalog.entity.read", NULL, &why));
    CU_ASSERT_PTR_NULL(why.binding);
    CU_ASSERT_FALSE(authz_check(NULL, "catalog.entity.read", NULL, NULL));
}

static void test_global_only(void)
{
    /* governance cannot be delegated by a narrower scope: admin of one team is not an admin */
    struct authz_binding b[] = { { "admin", "team", "payments", "user" } };
    struct authz_grants g = { b, 1, NULL, NULL };
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    CU_ASSERT_TRUE(authz_permission_global("iam.binding.write"));
    CU_ASSERT_TRUE(authz_permission_global("audit.event.read"));
    CU_ASSERT_FALSE(authz_permission_global("catalog.entity.write"));
    CU_ASSERT_FALSE(authz_permission_global("nope"));
    CU_ASSERT_FALSE(authz_check(&g, "iam.binding.write", &nowhere, NULL));
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.write", NULL, NULL));
    struct authz_binding gb[] = { { "admin", "global", "", "user" } };
    struct authz_grants gg = { gb, 1, NULL, NULL };
    CU_ASSERT_TRUE(authz_check(&gg, "iam.binding.write", &nowhere, NULL));
}

/* Custom roles hold exactly their permissions, next to the built-in ones. */
static void test_custom_roles(void)
{
    const char *auditor_perms[] = { "audit.event.read", "catalog.entity.read", NULL };
    struct authz_role roles[] = { { "auditor", "reads the audit log", auditor_perms } };
    struct authz_rules rules = { .epoch = 1, .roles = roles, .nroles = 1 };
    CU_ASSERT_TRUE(authz_role_has(&rules, "auditor", "audit.event.read"));
    CU_ASSERT_FALSE(authz_role_has(&rules, "auditor", "audit.event.export"));
    CU_ASSERT_FALSE(authz_role_has(NULL, "auditor", "audit.event.read"));   /* without the rules: unknown */
    CU_ASSERT_TRUE(authz_role_has(&rules, "viewer", "catalog.entity.read")); /* built-ins unchanged */
    CU_ASSERT_TRUE(authz_role_exists(&rules, "auditor"));
    CU_ASSERT_TRUE(authz_role_exists(&rules, "maintainer"));
    CU_ASSERT_FALSE(authz_role_exists(&rules, "root"));

    struct authz_binding b[] = { { "auditor", "global", "", "team:sec" } };
    struct authz_grants g = { b, 1, &rules, NULL };
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    struct authz_decision d;
    CU_ASSERT_TRUE(authz_check(&g, "audit.event.read", &nowhere, &d));
    CU_ASSERT_PTR_EQUAL(d.binding, &b[0]);
    CU_ASSERT_FALSE(authz_check(&g, "catalog.entity.write", NULL, &d));

    CU_ASSERT_TRUE(authz_permission_pattern_ok("*"));
    CU_ASSERT_TRUE(authz_permission_pattern_ok("secrets.*"));
    CU_ASSERT_TRUE(authz_permission_pattern_ok("provision.request.create"));
    CU_ASSERT_FALSE(authz_permission_pattern_ok("nosuch.*"));
    CU_ASSERT_FALSE(authz_permission_pattern_ok("secrets."));
    CU_ASSERT_FALSE(authz_permission_pattern_ok(".*"));
    CU_ASSERT_FALSE(authz_permission_pattern_ok("secrets.rev*"));
    CU_ASSERT_FALSE(authz_permission_pattern_ok(NULL));
}

/* Attribute policies: bindings × scopes × conditions. */
static void test_policies(void)
{
    struct authz_policy pols[] = {
        /* production provisioning needs maintainer where it happens */
        { 1, "prod-needs-maintainer", "", "provision.*", { "environment" }, { "production" }, 1, "maintainer", false },
        /* only the owning team writes catalog entities */
        { 2, "owners-write", "", "catalog.entity.write", { "owner" }, { "*" }, 1, NULL, true },
    };
    struct authz_rules rules = { .epoch = 1, .policies = pols, .npolicies = 2 };
    struct authz_binding dev[] = { { "developer", "global", "", "user" }, { "maintainer", "team", "payments", "team:payments" } };
    const char *dev_teams[] = { "payments-web", "payments", NULL };
    struct authz_grants g = { dev, 2, &rules, dev_teams };
    struct authz_resource prod_pay = { "payments", NULL, "production", "database" };
    struct authz_resource prod_search = { "search", NULL, "production", "database" };
    struct authz_resource staging_search = { "search", NULL, "staging", "database" };
    struct authz_decision d;

    /* the condition matches and maintainer is held on payments: allowed, by the team binding's role */
    CU_ASSERT_TRUE(authz_check(&g, "provision.request.create", &prod_pay, &d));
    CU_ASSERT_PTR_NULL(d.policy);
    /* production elsewhere: developer holds the permission globally, the policy refuses */
    CU_ASSERT_FALSE(authz_check(&g, "provision.request.create", &prod_search, &d));
    CU_ASSERT_PTR_EQUAL(d.policy, &pols[0]);
    CU_ASSERT_PTR_NOT_NULL(d.binding);   /* the role allowed it; the policy decided */
    /* staging: the condition does not match */
    CU_ASSERT_TRUE(authz_check(&g, "provision.request.create", &staging_search, &d));
    CU_ASSERT_PTR_NULL(d.policy);
    /* the route-level check (no resource) does not apply policies */
    CU_ASSERT_TRUE(authz_check(&g, "provision.request.create", NULL, &d));
    /* a resource without the attribute does not match the condition */
    struct authz_resource no_env = { "search", NULL, NULL, NULL };
    CU_ASSERT_TRUE(authz_check(&g, "provision.request.create", &no_env, &d));

    /* ownership: a member of the owning team (or a team below it) passes, others do not */
    struct authz_resource pay_entity = { "payments", "component:default/billing", NULL, "component" };
    struct authz_resource search_entity = { "search", "component:default/search", NULL, "component" };
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.write", &pay_entity, &d));
    CU_ASSERT_FALSE(authz_check(&g, "catalog.entity.write", &search_entity, &d));
    CU_ASSERT_PTR_EQUAL(d.policy, &pols[1]);
    /* a binding on the entity itself counts as ownership */
    struct authz_binding ent[] = { { "developer", "entity", "component:default/search", "user" } };
    struct authz_grants ge = { ent, 1, &rules, NULL };
    CU_ASSERT_TRUE(authz_check(&ge, "catalog.entity.write", &search_entity, &d));
    /* a global admin passes the owner requirement */
    struct authz_binding adm[] = { { "admin", "global", "", "user" } };
    struct authz_grants ga = { adm, 1, &rules, NULL };
    CU_ASSERT_TRUE(authz_check(&ga, "catalog.entity.write", &search_entity, &d));
    /* a resource without an owner matches no "owner" condition */
    struct authz_resource unowned = { NULL, "component:default/x", NULL, NULL };
    CU_ASSERT_TRUE(authz_check(&g, "catalog.entity.write", &unowned, &d));
    /* a custom role holding all of maintainer's permissions satisfies require_role too */
    const char *const *all = authz_permissions();
    size_t n = 0;
    while (all[n])
        n++;
    const char **perms = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        perms[i] = all[i];
    struct authz_role big[] = { { "platform", "", perms } };
    struct authz_rules rules2 = { .epoch = 2, .roles = big, .nroles = 1, .policies = pols, .npolicies = 1 };
    struct authz_binding plat[] = { { "platform", "global", "", "user" } };
    struct authz_grants gp = { plat, 1, &rules2, NULL };
    CU_ASSERT_TRUE(authz_check(&gp, "provision.request.create", &prod_search, &d));
    struct authz_binding viewer[] = { { "viewer", "global", "", "user" } };
    struct authz_grants gv = { viewer, 1, &rules2, NULL };
    CU_ASSERT_FALSE(authz_check(&gv, "provision.request.create", &prod_search, &d));
    CU_ASSERT_PTR_NULL(d.policy);   /* refused by the roles, before any policy */
    free(perms);

    /* a required role that is gone requires itself, not nothing */
    struct authz_policy ghost[] = { { 3, "ghost", "", "*", { "environment" }, { "*" }, 1, "deleted-role", false } };
    struct authz_rules rules3 = { .epoch = 3, .policies = ghost, .npolicies = 1 };
    struct authz_grants g3 = { adm, 1, &rules3, NULL };
    CU_ASSERT_FALSE(authz_check(&g3, "catalog.entity.read", &prod_pay, &d));
    CU_ASSERT_PTR_EQUAL(d.policy, &ghost[0]);
    /* a policy without conditions applies to resources, not to the route-level "nowhere" */
    struct authz_policy everywhere[] = { { 4, "owners-only", "", "*", { NULL }, { NULL }, 0, NULL, true } };
    struct authz_rules rules4 = { .epoch = 4, .policies = everywhere, .npolicies = 1 };
    struct authz_binding gm[] = { { "maintainer", "global", "", "user" } };
    struct authz_grants g4 = { gm, 1, &rules4, NULL };
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    CU_ASSERT_TRUE(authz_check(&g4, "audit.event.read", &nowhere, &d));
    CU_ASSERT_FALSE(authz_check(&g4, "catalog.entity.read", &search_entity, &d));
    CU_ASSERT_PTR_EQUAL(d.policy, &everywhere[0]);
}

static int dummy(struct app_ctx *c)
{
    (void)c;
    return 0;
}

static void test_route_tables(void)
{
    char err[256];
    const struct route good[] = {
        { "GET", "/api/v1/x", PERM_PUBLIC, dummy, 0, "x", NULL, NULL, NULL, "200 any" },
        { "GET", "/api/v1/y", PERM_AUTHENTICATED, dummy, 0, "y", NULL, NULL, NULL, "200 any" },
        { "GET", "/api/v1/z", "catalog.entity.read", dummy, 0, "z", NULL, NULL, NULL, "200 any" },
    };
    const struct route typo[] = { { "GET", "/api/v1/z", "catalog.entity.raed", dummy, 0, "z", NULL, NULL, NULL, "200 any" } };
    const struct route none[] = { { "GET", "/api/v1/z", "", dummy, 0, "z", NULL, NULL, NULL, "200 any" } };
    struct app a = { "t", good, 3, NULL };
    CU_ASSERT_EQUAL(app_table_check(&a, err, sizeof(err)), 0);
    a.routes = typo;
    a.nroutes = 1;
    CU_ASSERT_EQUAL(app_table_check(&a, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "catalog.entity.raed"));
    a.routes = none;
    CU_ASSERT_EQUAL(app_table_check(&a, err, sizeof(err)), -1);
}

void suite_authz(void)
{
    CU_pSuite s = CU_add_suite("authz", NULL, NULL);
    CU_add_test(s, "built-in roles nest and hold what the matrix says", test_role_matrix);
    CU_add_test(s, "catalog-reader holds the catalog's read alone", test_catalog_reader);
    CU_add_test(s, "permission names are well formed and unique", test_permission_names);
    CU_add_test(s, "team, entity and global scopes; the deciding binding", test_scopes);
    CU_add_test(s, "route tables name known permissions only", test_route_tables);
    CU_add_test(s, "governance permissions need a global binding", test_global_only);
    CU_add_test(s, "custom roles; permission patterns", test_custom_roles);
    CU_add_test(s, "attribute policies: bindings x scopes x conditions", test_policies);
}
