/*
 * People and access (issue 13): the built-in binding that lets every member of any team read the
 * whole catalog and nothing more; users edited, their page, a password reset that must be changed
 * at first login; teams' pages, renames and deletes; teams kept in step with their Group entities;
 * explain naming the owner and the binding that would be needed. Names carry the process id, so
 * runs on the same stack do not meet.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

struct who {
    char cookie[256], csrf[128];
    long long id;
};

static struct who admin;
static char team_a[64], team_b[64];

static long as_admin(const char *method, const char *path, const char *body, struct resp *r)
{
    return post_session(admin.cookie, admin.csrf, method, path, body, r);
}

static long as(const struct who *w, const char *method, const char *path, const char *body, struct resp *r)
{
    if (strcmp(method, "GET") == 0)
        return get_as(w->cookie, path, r);
    return post_session(w->cookie, w->csrf, method, path, body, r);
}

/* The status of one request, its answer dropped. */
static long status_of(const struct who *w, const char *method, const char *path, const char *body)
{
    struct resp r;
    long st = as(w, method, path, body, &r);
    resp_free(&r);
    return st;
}

/* A JSON member by path ("a/b/0/c": objects by key, arrays by index), or NULL. */
static json_object *member(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, "/", &save); k && o; k = strtok_r(NULL, "/", &save)) {
        json_object *next = NULL;
        if (json_object_is_type(o, json_type_array))
            next = json_object_array_get_idx(o, (size_t)atoi(k));
        else if (!json_object_object_get_ex(o, k, &next))
            next = NULL;
        o = next;
    }
    return o;
}

static const char *mstr(json_object *o, const char *path)
{
    json_object *m = member(o, path);
    return m && json_object_is_type(m, json_type_string) ? json_object_get_string(m) : NULL;
}

static bool str_is(const char *got, const char *want)
{
    if (got && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want);
    return false;
}

/* A person named name (password name + "-password-1"), logged in; member of team (NULL: of none). */
static int person(const char *name, const char *team, struct who *w)
{
    char body[512], path[256], pw[96];
    struct resp r;
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":\"%s@example.org\",\"password\":\"%s\"}", name, name, pw);
    if (as_admin("POST", "/api/v1/iam/users", body, &r) != 201) {
        fprintf(stderr, "\n    user %s: %s\n", name, r.body ? r.body : "");
        resp_free(&r);
        return -1;
    }
    w->id = created_id(&r);
    resp_free(&r);
    if (team) {
        snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", team, w->id);
        if (as_admin("PUT", path, NULL, &r) != 200) {
            resp_free(&r);
            return -1;
        }
        resp_free(&r);
    }
    return login(name, pw, w->cookie, sizeof(w->cookie), w->csrf, sizeof(w->csrf)) == 200 ? 0 : -1;
}

static const char component_doc[] =
    "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"%s\"},"
    "\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}";

/* A Component name owned by team, written by the admin. */
static int component(const char *name, const char *team)
{
    char body[512], path[256];
    struct resp r;
    snprintf(body, sizeof(body), component_doc, name, team);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    long st = as_admin("PUT", path, body, &r);
    resp_free(&r);
    return st == 201 || st == 200 ? 0 : -1;
}

static int people_init(void)
{
    struct resp r;
    char body[128];
    snprintf(team_a, sizeof(team_a), "ppla%d", (int)getpid());
    snprintf(team_b, sizeof(team_b), "pplb%d", (int)getpid());
    if (login("admin", admin_password(), admin.cookie, sizeof(admin.cookie), admin.csrf, sizeof(admin.csrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? team_b : team_a);
        if (as_admin("POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    return 0;
}

/* The id of the built-in binding, 0 when there is none. */
static long long builtin_binding(void)
{
    long st;
    json_object *o = get_json(admin.cookie, "/api/v1/iam/bindings", &st), *list = member(o, "bindings");
    long long id = 0;
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *b = json_object_array_get_idx(list, i), *builtin = member(b, "builtin");
        if (builtin && json_object_get_boolean(builtin)) {
            CU_ASSERT_TRUE(str_is(mstr(b, "subject_type"), "members"));
            CU_ASSERT_TRUE(str_is(mstr(b, "role"), "catalog-reader"));
            CU_ASSERT_TRUE(str_is(mstr(b, "scope_type"), "global"));
            CU_ASSERT_PTR_NULL(member(b, "subject"));
            id = jint(b, "id");
        }
    }
    json_object_put(o);
    return id;
}

static const char default_binding[] = "{\"subject_type\":\"members\",\"role\":\"catalog-reader\"}";

/* Whatever a test did, the stack keeps its default for the suites after this one. */
static int people_cleanup(void)
{
    struct resp r;
    as_admin("POST", "/api/v1/iam/bindings", default_binding, &r);
    resp_free(&r);
    return 0;
}

/* The total of a catalog search as who; -1 when it is refused (403). */
static long long search_total(const struct who *w, const char *q)
{
    char path[256];
    long st;
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s", q);
    json_object *o = get_json(w->cookie, path, &st);
    CU_ASSERT_TRUE(st == 200 || st == 403);
    long long n = o && st == 200 ? jint(o, "total") : -1;
    json_object_put(o);
    return n;
}

/* ---- 1. every member of a team reads the whole catalog, and nothing more ---------------------- */

static void test_default_catalog_access(void)
{
    struct who m, n;
    char name[80], ledger[80], path[256], want[512];
    struct resp r;
    snprintf(name, sizeof(name), "%s-m", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, team_a, &m), 0);
    snprintf(name, sizeof(name), "%s-n", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, NULL, &n), 0);
    snprintf(ledger, sizeof(ledger), "%s-ledger", team_b);
    CU_ASSERT_EQUAL_FATAL(component(ledger, team_b), 0);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/api-key", team_b);
    CU_ASSERT_EQUAL(status_of(&admin, "PUT", path, "{\"value\":\"people-secret\"}"), 201);
    CU_ASSERT_TRUE_FATAL(builtin_binding() != 0);

    /* a member of team A reads team B's entity, its relations, and finds it by search */
    char epath[256];
    snprintf(epath, sizeof(epath), "/api/v1/catalog/entities/component/default/%s", ledger);
    CU_ASSERT_EQUAL(status_of(&m, "GET", epath, NULL), 200);
    snprintf(path, sizeof(path), "%s/relations", epath);
    CU_ASSERT_EQUAL(status_of(&m, "GET", path, NULL), 200);
    CU_ASSERT_EQUAL(search_total(&m, ledger), 1);
    /* and nothing beyond the catalog: no secrets, no template writes, no users or teams, no emails */
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=team/%s/", team_b);
    CU_ASSERT_EQUAL(status_of(&m, "GET", path, NULL), 403);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/api-key", team_b);
    CU_ASSERT_EQUAL(status_of(&m, "GET", path, NULL), 403);
    CU_ASSERT_EQUAL(status_of(&m, "GET", "/api/v1/templates", NULL), 403);
    CU_ASSERT_EQUAL(status_of(&m, "GET", "/api/v1/iam/users", NULL), 403);
    CU_ASSERT_EQUAL(status_of(&m, "GET", "/api/v1/iam/teams", NULL), 403);
    CU_ASSERT_EQUAL(status_of(&m, "GET", "/api/v1/iam/bindings", NULL), 403);
    CU_ASSERT_EQUAL(status_of(&m, "GET", "/api/v1/audit/events", NULL), 403);
    snprintf(path, sizeof(path), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}",
             ledger, team_b);
    CU_ASSERT_EQUAL(status_of(&m, "PUT", epath, path), 403);
    /* who-am-I: catalog reads alone, held as a member of a team */
    long st;
    json_object *s = get_json(m.cookie, "/api/v1/auth/session", &st), *perms = member(s, "permissions");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_TRUE(perms && json_object_array_length(perms) == 1);
    CU_ASSERT_TRUE(str_is(mstr(s, "permissions/0"), "catalog.entity.read"));
    CU_ASSERT_TRUE(str_is(mstr(s, "roles/0/via"), "members"));
    CU_ASSERT_TRUE(str_is(mstr(s, "roles/0/role"), "catalog-reader"));
    json_object_put(s);
    /* a user in no team does not (reading the catalog nowhere, the search itself is refused) */
    CU_ASSERT_EQUAL(status_of(&n, "GET", epath, NULL), 403);
    CU_ASSERT_EQUAL(search_total(&n, ledger), -1);

    /* the admin withdraws the binding: refused at once, in words, and audited */
    long long id = builtin_binding();
    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", id);
    CU_ASSERT_EQUAL_FATAL(as_admin("DELETE", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"builtin\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL(builtin_binding(), 0);
    CU_ASSERT_EQUAL(get_as(m.cookie, epath, &r), 403);
    json_object *o = assert_problem(&r, 403, "forbidden");
    CU_ASSERT_TRUE(o && str_is(jstr(o, "detail"), "you can't read catalog entities: it takes viewer or above on a team"));
    CU_ASSERT_TRUE(o && str_is(jstr(o, "permission"), "catalog.entity.read"));
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(search_total(&m, ledger), -1);
    /* with a binding of their own on team A, the member reads team A's and still not team B's */
    snprintf(want, sizeof(want), "{\"subject_type\":\"user\",\"subject\":\"%s-m\",\"role\":\"viewer\",\"scope_type\":"
                                 "\"team\",\"scope_id\":\"%s\"}", team_a, team_a);
    CU_ASSERT_EQUAL(status_of(&admin, "POST", "/api/v1/iam/bindings", want), 201);
    CU_ASSERT_EQUAL(get_as(m.cookie, epath, &r), 403);
    o = assert_problem(&r, 403, "forbidden");
    snprintf(want, sizeof(want), "you can't read component:default/%s (owned by team %s): it takes viewer or above on team %s",
             ledger, team_b, team_b);
    CU_ASSERT_TRUE(o && str_is(jstr(o, "detail"), want));
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(search_total(&m, ledger), 0);
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=iam.binding.delete&target=%lld", id);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/target_type"), "binding"));
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/details/role"), "catalog-reader"));
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/details/subject_type"), "members"));
    json_object_put(o);

    /* a non-admin cannot give it back; an admin can, once; it cannot name a subject */
    CU_ASSERT_EQUAL(status_of(&m, "POST", "/api/v1/iam/bindings", default_binding), 403);
    CU_ASSERT_EQUAL(status_of(&admin, "POST", "/api/v1/iam/bindings",
                              "{\"subject_type\":\"members\",\"subject\":\"x\",\"role\":\"catalog-reader\"}"), 422);
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", "/api/v1/iam/bindings", default_binding, &r), 201);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"builtin\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL(status_of(&admin, "POST", "/api/v1/iam/bindings", default_binding), 409);
    CU_ASSERT_TRUE(builtin_binding() != 0);
    CU_ASSERT_EQUAL(status_of(&m, "GET", epath, NULL), 200);
    CU_ASSERT_EQUAL(search_total(&m, ledger), 1);
    CU_ASSERT_EQUAL(status_of(&n, "GET", epath, NULL), 403);

    /* the built-in role is listed with its one permission, and cannot be deleted */
    o = get_json(admin.cookie, "/api/v1/iam/roles", &st);
    json_object *roles = member(o, "roles");
    bool seen = false;
    for (size_t i = 0; roles && i < json_object_array_length(roles); i++) {
        json_object *role = json_object_array_get_idx(roles, i);
        if (mstr(role, "name") && strcmp(mstr(role, "name"), "catalog-reader") == 0) {
            seen = true;
            CU_ASSERT_EQUAL(json_object_array_length(member(role, "permissions")), 1);
            CU_ASSERT_TRUE(json_object_get_boolean(member(role, "builtin")));
        }
    }
    CU_ASSERT_TRUE(seen);
    json_object_put(o);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", "/api/v1/iam/roles/catalog-reader", NULL), 409);
}

void suite_people(void)
{
    if (!suite_wanted("people"))
        return;
    CU_pSuite s = CU_add_suite("people", people_init, people_cleanup);
    CU_add_test(s, "team members read the whole catalog by default, and nothing more", test_default_catalog_access);
}
