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

static const char *mstr(json_object *o, const char *path)
{
    json_object *m = jpath(o, path);
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
    return person_make(name, NULL, team, team != NULL, w->cookie, sizeof(w->cookie), w->csrf, sizeof(w->csrf), &w->id);
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
    json_object *o = get_json(admin.cookie, "/api/v1/iam/bindings", &st), *list = jpath(o, "bindings");
    long long id = 0;
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *b = json_object_array_get_idx(list, i), *builtin = jpath(b, "builtin");
        if (builtin && json_object_get_boolean(builtin)) {
            CU_ASSERT_TRUE(str_is(mstr(b, "subject_type"), "members"));
            CU_ASSERT_TRUE(str_is(mstr(b, "role"), "catalog-reader"));
            CU_ASSERT_TRUE(str_is(mstr(b, "scope_type"), "global"));
            CU_ASSERT_PTR_NULL(jpath(b, "subject"));
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
    json_object *s = get_json(m.cookie, "/api/v1/auth/session", &st), *perms = jpath(s, "permissions");
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
    json_object *roles = jpath(o, "roles");
    bool seen = false;
    for (size_t i = 0; roles && i < json_object_array_length(roles); i++) {
        json_object *role = json_object_array_get_idx(roles, i);
        if (mstr(role, "name") && strcmp(mstr(role, "name"), "catalog-reader") == 0) {
            seen = true;
            CU_ASSERT_EQUAL(json_object_array_length(jpath(role, "permissions")), 1);
            CU_ASSERT_TRUE(json_object_get_boolean(jpath(role, "builtin")));
        }
    }
    CU_ASSERT_TRUE(seen);
    json_object_put(o);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", "/api/v1/iam/roles/catalog-reader", NULL), 409);
}

/* ---- 2. users: edited, a page, a password reset that must be changed first ------------------- */

static const char people_template[] =
    "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\">"
    "<title>People</title><description>Something to request.</description><owner team=\"%s\"/>"
    "<parameters><parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z]{1,20}\"/></parameters>"
    "<policy><environments><environment>dev</environment></environments><ttl default-days=\"1\" max-days=\"2\"/></policy>"
    "<steps><step name=\"hello\" driver=\"noop\"><arg name=\"message\">hello {{name}}</arg></step></steps>"
    "<deprovision><step name=\"bye\" driver=\"noop\"><arg name=\"message\">bye</arg></step></deprovision>"
    "</template>";

/* A published template of team's that needs no approval, named after the team. */
static int publish_template(const char *team)
{
    char xml[2048], path[256], hc[300], hx[200];
    struct resp r;
    snprintf(xml, sizeof(xml), people_template, team, team);
    snprintf(hc, sizeof(hc), "Cookie: %s", admin.cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", admin.csrf);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", "/api/v1/templates", "application/xml", xml, -1, h, &r) < 0 || r.status != 201) {
        resp_free(&r);
        return -1;
    }
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", team);
    return status_of(&admin, "POST", path, NULL) == 200 ? 0 : -1;
}

static long bind(const char *subject_type, const char *subject, const char *role, const char *scope, const char *scope_id)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"subject_type\":\"%s\",\"subject\":\"%s\",\"role\":\"%s\",\"scope_type\":\"%s\","
                                 "\"scope_id\":\"%s\"}", subject_type, subject, role, scope, scope_id);
    return status_of(&admin, "POST", "/api/v1/iam/bindings", body);
}

/* The array at path in o holds an object whose key is want. */
static bool holds(json_object *o, const char *path, const char *key, const char *want)
{
    json_object *list = jpath(o, path);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        const char *v = mstr(json_object_array_get_idx(list, i), key);
        if (v && strcmp(v, want) == 0)
            return true;
    }
    return false;
}

static void test_user_edit_and_page(void)
{
    struct who u, other;
    char name[80], path[256], body[512], ent[80], email[120];
    struct resp r;
    long st;
    snprintf(name, sizeof(name), "%s-edit", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, team_a, &u), 0);
    snprintf(name, sizeof(name), "%s-other", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, team_a, &other), 0);

    /* an administrator edits the display name and the email; audited with before and after */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld", u.id);
    snprintf(email, sizeof(email), "%s-edit.new@example.org", team_a);
    snprintf(body, sizeof(body), "{\"display_name\":\"Edith Editor\",\"email\":\"%s\"}", email);
    CU_ASSERT_EQUAL(as_admin("PATCH", path, body, &r), 200);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_TRUE(str_is(mstr(o, "display_name"), "Edith Editor"));
    CU_ASSERT_TRUE(str_is(mstr(o, "email"), email));
    json_object_put(o);
    resp_free(&r);
    snprintf(body, sizeof(body), "/api/v1/audit/events?action=iam.user.update&target=%lld", u.id);
    o = get_json(admin.cookie, body, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/details/display_name"), "Edith Editor"));
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/details/display_name_was"), ""));
    json_object_put(o);
    /* the email is cleared with null; another user's email is 409; a bad one and unknown members 422 */
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"email\":null}"), 200);
    snprintf(body, sizeof(body), "{\"email\":\"%s-other@example.org\"}", team_a);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, body), 409);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"email\":\"not-an-address\"}"), 422);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"username\":\"renamed\"}"), 422);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{}"), 422);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", "/api/v1/iam/users/999999999", "{\"display_name\":\"x\"}"), 404);
    /* the user session reads it back: who-am-I has the new name */
    o = get_json(u.cookie, "/api/v1/auth/session", &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "user/display_name"), "Edith Editor"));
    json_object_put(o);
    /* non-administrators edit nobody, themselves included, and read no user's page */
    CU_ASSERT_EQUAL(status_of(&other, "PATCH", path, "{\"display_name\":\"Mallory\"}"), 403);
    CU_ASSERT_EQUAL(status_of(&u, "PATCH", path, "{\"display_name\":\"Me\"}"), 403);
    CU_ASSERT_EQUAL(status_of(&other, "GET", path, NULL), 403);

    /* the page: teams, bindings and how they are held, what the teams own, the resources requested */
    snprintf(ent, sizeof(ent), "%s-owned", team_a);
    CU_ASSERT_EQUAL_FATAL(component(ent, team_a), 0);
    snprintf(name, sizeof(name), "%s-edit", team_a);
    CU_ASSERT_EQUAL_FATAL(bind("user", name, "developer", "team", team_a), 201);
    CU_ASSERT_EQUAL_FATAL(publish_template(team_a), 0);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"name\":\"abc\"}}",
             team_a, team_a);
    CU_ASSERT_EQUAL(as(&u, "POST", "/api/v1/provision/requests", body, &r), 201);
    if (r.status != 201)
        fprintf(stderr, "\n    request: %s\n", r.body);
    resp_free(&r);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_EQUAL_FATAL(st, 200);
    CU_ASSERT_TRUE(str_is(mstr(o, "user/username"), name));
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "user/must_change_password")) == 0);
    CU_ASSERT_TRUE(holds(o, "teams", "name", team_a));
    CU_ASSERT_TRUE(holds(o, "bindings", "via", "members"));
    CU_ASSERT_TRUE(holds(o, "bindings", "role", "developer"));
    snprintf(body, sizeof(body), "component:default/%s", ent);
    CU_ASSERT_TRUE(holds(o, "owns/entities", "ref", body));
    CU_ASSERT_TRUE(jint(jpath(o, "owns"), "entities_total") >= 1);
    CU_ASSERT_TRUE(holds(o, "owns/resources", "template", team_a));
    CU_ASSERT_PTR_NULL(jpath(o, "tokens"));   /* a person's tokens are their own business */
    json_object_put(o);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", "/api/v1/iam/users/999999999", NULL), 404);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", "/api/v1/iam/users/abc", NULL), 404);

    /* a service account's page lists its tokens */
    snprintf(body, sizeof(body), "{\"username\":\"%s-svc\",\"kind\":\"service\"}", team_a);
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", "/api/v1/iam/users", body, &r), 201);
    long long sid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "%s-svc", team_a);
    CU_ASSERT_EQUAL_FATAL(bind("user", body, "viewer", "global", ""), 201);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens", sid);
    CU_ASSERT_EQUAL(status_of(&admin, "POST", path, "{\"name\":\"ci-page\",\"scopes\":[\"catalog.entity.read\"],"
                                                     "\"expires_in_days\":1}"), 201);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld", sid);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(holds(o, "tokens", "name", "ci-page"));
    json_object_put(o);
}

/* A token of who's with scopes (a JSON array's items), or "" */
static void make_token(const struct who *w, const char *scopes, char *out, size_t len)
{
    char body[512];
    struct resp r;
    snprintf(body, sizeof(body), "{\"name\":\"people\",\"scopes\":[%s],\"expires_in_days\":1}", scopes);
    CU_ASSERT_EQUAL(as(w, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(out, len, "%s", o && jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
}

/* POST /auth/password for who; the status. */
static long change_password(const struct who *w, const char *current, const char *next)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"current_password\":\"%s\",\"new_password\":\"%s\"}", current, next);
    return status_of(w, "POST", "/api/v1/auth/password", body);
}

/* The reset of user id by the admin: the temporary password into temp; the status. */
static long reset(long long id, char *temp, size_t len)
{
    char path[128];
    struct resp r;
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/password-reset", id);
    long st = as_admin("POST", path, NULL, &r);
    json_object *o = json_tokener_parse(r.body ? r.body : "");
    if (temp)
        snprintf(temp, len, "%s", o && jstr(o, "temporary_password") ? jstr(o, "temporary_password") : "");
    json_object_put(o);
    resp_free(&r);
    return st;
}

static void test_password_reset(void)
{
    struct who p, p2, fresh, other;
    char name[80], path[256], temp[64], tok[128], atok[128], pw[96], cmd[1024], out[512];
    struct resp r;
    long st;
    snprintf(name, sizeof(name), "%s-reset", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, team_a, &p), 0);
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    CU_ASSERT_EQUAL_FATAL(login(name, pw, p2.cookie, sizeof(p2.cookie), p2.csrf, sizeof(p2.csrf)), 200);
    make_token(&p, "\"catalog.entity.read\"", tok, sizeof(tok));   /* a token made before the reset */
    snprintf(path, sizeof(path), "%s-other2", team_a);
    CU_ASSERT_EQUAL_FATAL(person(path, team_a, &other), 0);

    /* who may not: another person, a token (even an administrator's), the administrator on
     * their own account, anyone on a service account or a user that is not there */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/password-reset", p.id);
    CU_ASSERT_EQUAL(status_of(&other, "POST", path, NULL), 403);
    make_token(&admin, "\"iam.user.write\",\"iam.user.read\"", atok, sizeof(atok));
    {
        char auth[200];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", atok);
        const char *const h[] = { auth, NULL };
        CU_ASSERT_EQUAL_FATAL(request("POST", path, NULL, NULL, 0, h, &r), 0);
        json_object *o = assert_problem(&r, 403, "forbidden");
        CU_ASSERT_TRUE(o && jstr(o, "detail") && strstr(jstr(o, "detail"), "not a token"));
        json_object_put(o);
        resp_free(&r);
    }
    long st2;
    json_object *me = get_json(admin.cookie, "/api/v1/auth/session", &st2);
    long long admin_id = jint(jpath(me, "user"), "id");
    json_object_put(me);
    CU_ASSERT_EQUAL(reset(admin_id, NULL, 0), 409);
    CU_ASSERT_EQUAL(reset(999999999, NULL, 0), 404);
    snprintf(cmd, sizeof(cmd), "{\"username\":\"%s-rsvc\",\"kind\":\"service\"}", team_a);
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", "/api/v1/iam/users", cmd, &r), 201);
    long long svc = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(reset(svc, NULL, 0), 409);

    /* the reset: a temporary password once, every session of the person ended, audited */
    CU_ASSERT_EQUAL_FATAL(reset(p.id, temp, sizeof(temp)), 200);
    CU_ASSERT_TRUE_FATAL(strlen(temp) >= 12);
    CU_ASSERT_EQUAL(status_of(&p, "GET", "/api/v1/auth/session", NULL), 401);
    CU_ASSERT_EQUAL(status_of(&p2, "GET", "/api/v1/auth/session", NULL), 401);
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=iam.user.password_reset&target=%lld", p.id);
    CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"sessions_ended\":2"));
    CU_ASSERT_PTR_NULL(strstr(r.body, temp));
    resp_free(&r);
    CU_ASSERT_EQUAL(login(name, pw, NULL, 0, NULL, 0), 401);   /* the old password is gone */

    /* the first login with it: the session says a change is needed, and nothing else answers */
    CU_ASSERT_EQUAL_FATAL(login(name, temp, fresh.cookie, sizeof(fresh.cookie), fresh.csrf, sizeof(fresh.csrf)), 200);
    json_object *s = get_json(fresh.cookie, "/api/v1/auth/session", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(s, "must_change_password")));
    json_object_put(s);
    CU_ASSERT_EQUAL(get_as(fresh.cookie, "/api/v1/catalog/entities", &r), 403);
    json_object_put(assert_problem(&r, 403, "password-change-required"));
    resp_free(&r);
    CU_ASSERT_EQUAL(status_of(&fresh, "GET", "/api/v1/auth/tokens", NULL), 403);
    CU_ASSERT_EQUAL(status_of(&fresh, "POST", "/api/v1/auth/tokens",
                              "{\"name\":\"x\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}"), 403);
    /* nor does a token made before: it answers who-am-I alone until the password is changed */
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/catalog/entities", &r), 403);
    json_object *t = assert_problem(&r, 403, "password-change-required");
    CU_ASSERT_TRUE(t && jstr(t, "detail") && strstr(jstr(t, "detail"), "tokens work again"));
    json_object_put(t);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 200);
    resp_free(&r);

    /* the change: not the temporary password again, not without it */
    CU_ASSERT_EQUAL(change_password(&fresh, temp, temp), 422);
    CU_ASSERT_EQUAL(change_password(&fresh, "not the temporary one", "a brand new password 1"), 422);
    CU_ASSERT_EQUAL(change_password(&fresh, temp, "a brand new password 1"), 200);
    s = get_json(fresh.cookie, "/api/v1/auth/session", &st);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(s, "must_change_password")));
    json_object_put(s);
    CU_ASSERT_EQUAL(status_of(&fresh, "GET", "/api/v1/catalog/entities", NULL), 200);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/catalog/entities", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(login(name, "a brand new password 1", NULL, 0, NULL, 0), 200);

    /* portico-admin reset-password: the operator's way back, audited the same */
    snprintf(cmd, sizeof(cmd), "%s reset-password %s 2>&1", getenv("PORTICO_TEST_ADMIN"), name);
    CU_ASSERT_EQUAL_FATAL(run(cmd, out, sizeof(out)), 0);
    const char *at = strstr(out, "temporary password: ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(temp, sizeof(temp), "%.*s", (int)strcspn(at + 20, "\n"), at + 20);
    CU_ASSERT_EQUAL(status_of(&fresh, "GET", "/api/v1/auth/session", NULL), 401);
    CU_ASSERT_EQUAL_FATAL(login(name, temp, fresh.cookie, sizeof(fresh.cookie), fresh.csrf, sizeof(fresh.csrf)), 200);
    CU_ASSERT_EQUAL(status_of(&fresh, "GET", "/api/v1/catalog/entities", NULL), 403);
    CU_ASSERT_EQUAL(change_password(&fresh, temp, "another new password 2"), 200);
    snprintf(cmd, sizeof(cmd), "%s reset-password no-such-user-%d >/dev/null 2>&1", getenv("PORTICO_TEST_ADMIN"), (int)getpid());
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);

    /* limited like logins: login_max_failures (5) resets of one account within an hour */
    struct who q;
    snprintf(name, sizeof(name), "%s-limit", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, NULL, &q), 0);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(reset(q.id, NULL, 0), 200);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/password-reset", q.id);
    CU_ASSERT_EQUAL(as_admin("POST", path, NULL, &r), 429);
    char ra[32];
    CU_ASSERT_PTR_NOT_NULL(header(&r, "Retry-After", ra, sizeof(ra)));
    json_object_put(assert_problem(&r, 429, "too-many-attempts"));
    resp_free(&r);
}

/* The current password on the change form is guessed no more freely than at the login. */
static void test_password_change_throttled(void)
{
    struct who q;
    char name[80], pw[96], body[256];
    struct resp r;
    snprintf(name, sizeof(name), "%s-guess", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, NULL, &q), 0);
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(change_password(&q, "a wrong guess!!", "a brand new password 1"), 422);
    snprintf(body, sizeof(body), "{\"current_password\":\"%s\",\"new_password\":\"a brand new password 1\"}", pw);
    CU_ASSERT_EQUAL(as(&q, "POST", "/api/v1/auth/password", body, &r), 429);   /* even the right one, for now */
    char ra[32];
    CU_ASSERT_PTR_NOT_NULL(header(&r, "Retry-After", ra, sizeof(ra)));
    json_object_put(assert_problem(&r, 429, "too-many-attempts"));
    resp_free(&r);
    CU_ASSERT_EQUAL(login(name, pw, NULL, 0, NULL, 0), 429);   /* one count with the logins */
    snprintf(body, sizeof(body), "{\"username\":\"%s\"}", name);
    CU_ASSERT_EQUAL(status_of(&admin, "POST", "/api/v1/iam/unlock", body), 200);
    CU_ASSERT_EQUAL(change_password(&q, pw, "a brand new password 1"), 200);
}

/* ---- 2. teams: a page, renamed, moved, deleted --------------------------------------------------- */

/* Does user hold permission on team's resources, by explain? */
static bool explained(const char *user, const char *permission, const char *team)
{
    char path[256];
    long st;
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=%s&team=%s", user, permission, team);
    json_object *o = get_json(admin.cookie, path, &st);
    bool allowed = st == 200 && json_object_get_boolean(jpath(o, "allowed"));
    json_object_put(o);
    return allowed;
}

static void test_team_page_rename_delete(void)
{
    struct who m, x;
    char t[64], t2[64], sub[64], path[256], body[512], name[80], ent[80], want[512];
    struct resp r;
    long st;
    snprintf(t, sizeof(t), "pplt%d", (int)getpid());
    snprintf(t2, sizeof(t2), "pplr%d", (int)getpid());
    snprintf(sub, sizeof(sub), "ppls%d", (int)getpid());
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"display_name\":\"Tea\"}", t);
    CU_ASSERT_EQUAL_FATAL(status_of(&admin, "POST", "/api/v1/iam/teams", body), 201);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"parent\":\"%s\"}", sub, t);
    CU_ASSERT_EQUAL_FATAL(status_of(&admin, "POST", "/api/v1/iam/teams", body), 201);
    snprintf(name, sizeof(name), "%s-m", sub);
    CU_ASSERT_EQUAL_FATAL(person(name, sub, &m), 0);                 /* in the sub-team */
    snprintf(name, sizeof(name), "%s-x", t);
    CU_ASSERT_EQUAL_FATAL(person(name, NULL, &x), 0);                /* bound on the team, in none */
    CU_ASSERT_EQUAL_FATAL(bind("user", name, "developer", "team", t), 201);
    CU_ASSERT_EQUAL_FATAL(bind("team", t, "maintainer", "team", t), 201);
    snprintf(ent, sizeof(ent), "%s-svc", t);
    CU_ASSERT_EQUAL_FATAL(component(ent, t), 0);

    /* the page */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", t);
    json_object *o = get_json(admin.cookie, path, &st);
    CU_ASSERT_EQUAL_FATAL(st, 200);
    CU_ASSERT_TRUE(str_is(mstr(o, "team/display_name"), "Tea"));
    CU_ASSERT_TRUE(holds(o, "subteams", "name", sub));
    CU_ASSERT_TRUE(holds(o, "bindings", "role", "developer"));
    CU_ASSERT_TRUE(holds(o, "bindings", "role", "maintainer"));
    snprintf(want, sizeof(want), "component:default/%s", ent);
    CU_ASSERT_TRUE(holds(o, "entities", "ref", want));
    CU_ASSERT_EQUAL(jint(jpath(o, "holds"), "subteams"), 1);
    CU_ASSERT_TRUE(jint(jpath(o, "holds"), "entities") >= 1);
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", sub);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "team/parent"), t));
    snprintf(name, sizeof(name), "%s-m", sub);
    CU_ASSERT_TRUE(holds(o, "members", "username", name));
    json_object_put(o);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", "/api/v1/iam/teams/no-such-team", NULL), 404);
    CU_ASSERT_EQUAL(status_of(&m, "GET", path, NULL), 403);
    /* the sub-team's member holds the team's maintainer through it */
    snprintf(name, sizeof(name), "%s-m", sub);
    CU_ASSERT_TRUE(explained(name, "secrets.reveal", t));

    /* non-administrators rename and delete nothing */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", t);
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t2);
    CU_ASSERT_EQUAL(status_of(&m, "PATCH", path, body), 403);
    CU_ASSERT_EQUAL(status_of(&x, "PATCH", path, body), 403);
    CU_ASSERT_EQUAL(status_of(&m, "DELETE", path, NULL), 403);

    /* a rename is refused while something outside the identity tables names the team */
    CU_ASSERT_EQUAL(as_admin("PATCH", path, body, &r), 409);
    o = assert_problem(&r, 409, "conflict");
    CU_ASSERT_TRUE(o && jstr(o, "detail") && strstr(jstr(o, "detail"), "1 catalog entity names it"));
    json_object_put(o);
    resp_free(&r);
    snprintf(want, sizeof(want), "/api/v1/catalog/entities/component/default/%s", ent);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", want, NULL), 200);
    snprintf(want, sizeof(want), "/api/v1/secrets/data/team/%s/db", t);
    CU_ASSERT_EQUAL(status_of(&admin, "PUT", want, "{\"value\":\"team-secret\"}"), 201);
    CU_ASSERT_EQUAL(as_admin("PATCH", path, body, &r), 409);   /* a secret's scope never changes hands */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 secret names it"));
    resp_free(&r);
    snprintf(want, sizeof(want), "/api/v1/secrets/metadata/team/%s/db", t);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", want, NULL), 200);
    snprintf(want, sizeof(want), "{\"name\":\"%s\"}", sub);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, want), 409);   /* a name that is taken */
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"name\":\"Not A Name\"}"), 422);

    /* renamed: members, sub-teams and bindings (held and scoped) follow; the old name is gone */
    CU_ASSERT_EQUAL_FATAL(as_admin("PATCH", path, body, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", path, NULL), 404);
    snprintf(name, sizeof(name), "%s-x", t);
    CU_ASSERT_TRUE(explained(name, "catalog.entity.write", t2));
    CU_ASSERT_FALSE(explained(name, "catalog.entity.write", t));
    snprintf(name, sizeof(name), "%s-m", sub);
    CU_ASSERT_TRUE(explained(name, "secrets.reveal", t2));
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", sub);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "team/parent"), t2));
    json_object_put(o);
    snprintf(want, sizeof(want), "/api/v1/audit/events?action=iam.team.update&target=%s", t2);
    o = get_json(admin.cookie, want, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/details/name_was"), t));
    json_object_put(o);

    /* moved out and back: what the parent holds comes and goes with it; no team inside itself */
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"parent\":null}"), 200);
    CU_ASSERT_FALSE(explained(name, "secrets.reveal", t2));
    snprintf(body, sizeof(body), "{\"parent\":\"%s\"}", t2);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, body), 200);
    CU_ASSERT_TRUE(explained(name, "secrets.reveal", t2));
    snprintf(want, sizeof(want), "/api/v1/iam/teams/%s", t2);
    snprintf(body, sizeof(body), "{\"parent\":\"%s\"}", sub);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", want, body), 422);
    snprintf(body, sizeof(body), "{\"parent\":\"%s\"}", t2);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", want, body), 422);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", want, "{\"parent\":\"no-such-team\"}"), 422);

    /* deleted: refused while it has a sub-team (which has a member), then allowed */
    CU_ASSERT_EQUAL(as_admin("DELETE", want, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 sub-team"));
    resp_free(&r);
    CU_ASSERT_EQUAL(as_admin("DELETE", path, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 member"));
    resp_free(&r);
    snprintf(body, sizeof(body), "/api/v1/iam/teams/%s/members/%lld", sub, m.id);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", body, NULL), 200);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);
    CU_ASSERT_EQUAL(as_admin("DELETE", want, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"bindings_removed\":2"));
    resp_free(&r);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", want, NULL), 404);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", want, NULL), 404);
    snprintf(name, sizeof(name), "%s-x", t);
    CU_ASSERT_FALSE(explained(name, "catalog.entity.write", t2));
    /* a new team of the old name inherits nothing */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t2);
    CU_ASSERT_EQUAL(status_of(&admin, "POST", "/api/v1/iam/teams", body), 201);
    CU_ASSERT_FALSE(explained(name, "catalog.entity.write", t2));
    snprintf(want, sizeof(want), "/api/v1/audit/events?action=iam.team.delete&target=%s", t2);
    o = get_json(admin.cookie, want, &st);
    CU_ASSERT_EQUAL(jint(jpath(o, "events/0/details"), "bindings_removed"), 2);
    json_object_put(o);
}

/* ---- 3. a team is shown as its Group in the catalog ------------------------------------------ */

/* GET a Group entity as the admin (status into *st); the caller puts it. */
static json_object *group_get(const char *team, long *st)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/group/default/%s", team);
    return get_json(admin.cookie, path, st);
}

/* Does the string array at path of o hold want? */
static bool lists(json_object *o, const char *path, const char *want)
{
    json_object *list = jpath(o, path);
    for (size_t i = 0; list && i < json_object_array_length(list); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)), want) == 0)
            return true;
    return false;
}

static const char group_doc[] =
    "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Group\",\"metadata\":{\"name\":\"%s\",\"title\":\"By hand\"},"
    "\"spec\":{\"type\":\"team\",\"children\":[],\"members\":[]}}";

static void test_team_groups(void)
{
    char g[64], g2[64], h[64], path[256], body[512], want[256];
    struct who u;
    struct resp r;
    long st;
    snprintf(g, sizeof(g), "pplg%d", (int)getpid());
    snprintf(g2, sizeof(g2), "pplh%d", (int)getpid());
    snprintf(h, sizeof(h), "pplk%d", (int)getpid());

    /* created with the team: titled, under its parent, owned by the team itself, searchable, audited */
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"display_name\":\"Gee Team\",\"parent\":\"%s\"}", g, team_a);
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", "/api/v1/iam/teams", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_TRUE(str_is(mstr(o, "group/state"), "kept"));
    json_object_put(o);
    resp_free(&r);
    o = group_get(g, &st);
    CU_ASSERT_EQUAL_FATAL(st, 200);
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/metadata/title"), "Gee Team"));
    json_object *ann = jpath(o, "entity/metadata/annotations"), *tv = NULL;
    CU_ASSERT_TRUE(ann && json_object_object_get_ex(ann, "portico.dev/team", &tv) && str_is(json_object_get_string(tv), g));
    snprintf(want, sizeof(want), "group:default/%s", team_a);
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/spec/parent"), want));
    CU_ASSERT_TRUE(str_is(mstr(o, "maps_to/team"), g));
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "maps_to/kept_by_portico")));
    json_object_put(o);
    o = group_get(team_a, &st);   /* the parent's Group lists it among its children */
    snprintf(want, sizeof(want), "group:default/%s", g);
    CU_ASSERT_TRUE(lists(o, "entity/spec/children", want));
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?kind=Group&q=%s", g);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_EQUAL(jint(o, "total"), 1);
    json_object_put(o);
    /* a Group names no owner: "services of my teams" (owned=true) leave it out */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?kind=Group&owned=true&q=%s", g);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_EQUAL(jint(o, "total"), 0);
    json_object_put(o);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", "/api/v1/catalog/entities?owned=perhaps", NULL), 422);
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=catalog.entity.create&target=group:default/%s", g);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "events/0/details/managed_by"), "team"));
    json_object_put(o);

    /* members: in step, linked to their users, not loose ends in the report */
    snprintf(body, sizeof(body), "%s-gm", g);
    CU_ASSERT_EQUAL_FATAL(person(body, g, &u), 0);
    o = group_get(g, &st);
    snprintf(want, sizeof(want), "user:default/%s-gm", g);
    CU_ASSERT_TRUE(lists(o, "entity/spec/members", want));
    CU_ASSERT_TRUE(str_is(mstr(o, "maps_to/users/0/member"), want));
    CU_ASSERT_EQUAL(jint(jpath(o, "maps_to/users/0"), "id"), u.id);
    json_object_put(o);
    CU_ASSERT_EQUAL(get_as(admin.cookie, "/api/v1/catalog/report", &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, want));
    resp_free(&r);
    /* the member's own page links back to the team (the portal makes it the Group's link) */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld", u.id);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(holds(o, "teams", "name", g));
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", g, u.id);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);
    o = group_get(g, &st);
    CU_ASSERT_FALSE(lists(o, "entity/spec/members", want));
    json_object_put(o);
    CU_ASSERT_EQUAL(status_of(&admin, "PUT", path, NULL), 200);

    /* renamed, retitled, moved: the Group follows (the old ref goes, the parent's children change) */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", g);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"display_name\":\"Aitch\"}", g2);
    CU_ASSERT_EQUAL_FATAL(status_of(&admin, "PATCH", path, body), 200);   /* its own Group does not hold the name */
    o = group_get(g, &st);
    CU_ASSERT_EQUAL(st, 404);
    json_object_put(o);
    o = group_get(g2, &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/metadata/title"), "Aitch"));
    snprintf(want, sizeof(want), "user:default/%s-gm", g);
    CU_ASSERT_TRUE(lists(o, "entity/spec/members", want));
    json_object_put(o);
    o = group_get(team_a, &st);
    snprintf(want, sizeof(want), "group:default/%s", g2);
    CU_ASSERT_TRUE(lists(o, "entity/spec/children", want));
    snprintf(want, sizeof(want), "group:default/%s", g);
    CU_ASSERT_FALSE(lists(o, "entity/spec/children", want));
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", g2);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"parent\":null}"), 200);
    o = group_get(g2, &st);
    CU_ASSERT_PTR_NULL(jpath(o, "entity/spec/parent"));
    json_object_put(o);
    o = group_get(team_a, &st);
    snprintf(want, sizeof(want), "group:default/%s", g2);
    CU_ASSERT_FALSE(lists(o, "entity/spec/children", want));
    json_object_put(o);

    /* Portico's Group is not deleted by hand; a Group written over it takes its place, and Portico
     * leaves that one alone */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/group/default/%s", g2);
    CU_ASSERT_EQUAL(as_admin("DELETE", path, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "kept in step by Portico"));
    resp_free(&r);
    snprintf(body, sizeof(body), group_doc, g2);
    CU_ASSERT_EQUAL(status_of(&admin, "PUT", path, body), 200);
    o = group_get(g2, &st);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "maps_to/kept_by_portico")));
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/metadata/title"), "By hand"));
    long long version = jint(o, "version");
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", g2);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, "{\"display_name\":\"Not written to the Group\"}"), 200);
    o = group_get(g2, &st);
    CU_ASSERT_EQUAL(jint(o, "version"), version);
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/metadata/title"), "By hand"));
    json_object_put(o);
    o = get_json(admin.cookie, path, &st);
    CU_ASSERT_TRUE(str_is(mstr(o, "group/state"), "foreign"));
    json_object_put(o);
    /* someone's Group names the team: it holds the name, as any entity would */
    snprintf(body, sizeof(body), "{\"name\":\"%s-x\"}", g2);
    CU_ASSERT_EQUAL(status_of(&admin, "PATCH", path, body), 409);

    /* a Group written by hand before the team: left as it is */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/group/default/%s", h);
    snprintf(body, sizeof(body), group_doc, h);
    CU_ASSERT_EQUAL_FATAL(status_of(&admin, "PUT", path, body), 201);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"display_name\":\"Kay\"}", h);
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", "/api/v1/iam/teams", body, &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_TRUE(str_is(mstr(o, "group/state"), "foreign"));
    json_object_put(o);
    resp_free(&r);
    o = group_get(h, &st);
    CU_ASSERT_EQUAL(jint(o, "version"), 1);
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/metadata/title"), "By hand"));
    json_object_put(o);

    /* deleted with the team; a team made before Groups were gets one from portico-admin */
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);   /* someone's own Group may go */
    char cmd[512], out[512];
    snprintf(cmd, sizeof(cmd), "%s sync-team-groups 2>&1", getenv("PORTICO_TEST_ADMIN"));
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    o = group_get(h, &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_TRUE(str_is(mstr(o, "entity/metadata/title"), "Kay"));
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "maps_to/kept_by_portico")));
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s", h);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);
    o = group_get(h, &st);
    CU_ASSERT_EQUAL(st, 404);
    json_object_put(o);
}

/* ---- explain names the owner and the binding that would be needed ---------------------------- */

/* GET explain as the admin for user, permission and resource; the caller puts it. */
static json_object *explain(const char *user, const char *permission, const char *resource)
{
    char path[512];
    long st;
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=%s%s%s", user, permission,
             resource ? "&resource=" : "", resource ? resource : "");
    json_object *o = get_json(admin.cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    return o;
}

static void test_explain_needed(void)
{
    struct who e;
    char name[80], ent[80], ref[128], want[512], body[512], policy[64];
    snprintf(name, sizeof(name), "%s-explained", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, team_a, &e), 0);
    snprintf(ent, sizeof(ent), "%s-explained", team_b);
    CU_ASSERT_EQUAL_FATAL(component(ent, team_b), 0);
    snprintf(ref, sizeof(ref), "component:default/%s", ent);

    /* allowed: whose it is, and the binding that decided (the built-in one) */
    json_object *o = explain(name, "catalog.entity.read", ref);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "allowed")));
    CU_ASSERT_TRUE(str_is(mstr(o, "owner_team"), team_b));
    CU_ASSERT_TRUE(str_is(mstr(o, "decided_by/role"), "catalog-reader"));
    CU_ASSERT_TRUE(str_is(mstr(o, "decided_by/via"), "members"));
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "resource/in_catalog")));
    CU_ASSERT_PTR_NULL(jpath(o, "needed"));
    json_object_put(o);

    /* not allowed: the owner team, and the binding that would allow it */
    o = explain(name, "catalog.entity.write", ref);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "allowed")));
    CU_ASSERT_TRUE(str_is(mstr(o, "owner_team"), team_b));
    snprintf(want, sizeof(want), "a binding of developer (or a role holding catalog.entity.write) on team %s", team_b);
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/text"), want));
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/role"), "developer"));
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/scope_type"), "team"));
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/scope_id"), team_b));
    snprintf(want, sizeof(want), "(owned by team %s)", team_b);
    CU_ASSERT_TRUE(mstr(o, "reason") && strstr(mstr(o, "reason"), want));
    json_object_put(o);
    /* governance: a global binding */
    o = explain(name, "audit.event.read", NULL);
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/text"), "a binding of maintainer (or a role holding audit.event.read) everywhere "
                                                  "(a global binding)"));
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/scope_type"), "global"));
    json_object_put(o);
    /* an entity that is not in the catalog: nobody's, so a binding on it */
    snprintf(ref, sizeof(ref), "component:default/%s-nowhere", team_b);
    o = explain(name, "catalog.entity.write", ref);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "resource/in_catalog")));
    CU_ASSERT_PTR_NULL(jpath(o, "owner_team"));
    snprintf(want, sizeof(want), "a binding of developer (or a role holding catalog.entity.write) on %s", ref);
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/text"), want));
    json_object_put(o);

    /* a policy that refuses: what it asks for */
    snprintf(ref, sizeof(ref), "component:default/%s", ent);
    CU_ASSERT_EQUAL_FATAL(bind("user", name, "developer", "team", team_b), 201);
    snprintf(policy, sizeof(policy), "pplpol%d", (int)getpid());
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"permission\":\"catalog.entity.write\",\"conditions\":{\"owner\":\"%s\"},"
                                 "\"require_role\":\"maintainer\"}", policy, team_b);
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", "/api/v1/iam/policies", body, &r), 201);
    long long pid = created_id(&r);
    resp_free(&r);
    o = explain(name, "catalog.entity.write", ref);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "allowed")));
    CU_ASSERT_TRUE(str_is(mstr(o, "policy/name"), policy));
    snprintf(want, sizeof(want), "a binding of maintainer (or a role holding all of its permissions) on team %s, as policy %s "
                                 "asks", team_b, policy);
    CU_ASSERT_TRUE(str_is(mstr(o, "needed/text"), want));
    json_object_put(o);
    snprintf(body, sizeof(body), "/api/v1/iam/policies/%lld", pid);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", body, NULL), 200);
    o = explain(name, "catalog.entity.write", ref);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "allowed")));
    json_object_put(o);
    /* explain is not for those it explains */
    snprintf(body, sizeof(body), "/api/v1/iam/explain?user=%s&permission=catalog.entity.read", name);
    CU_ASSERT_EQUAL(status_of(&e, "GET", body, NULL), 403);
}

/* ---- the seed's teams are teams like any other --------------------------------------------------- */

static void test_seeded_teams(void)
{
    /* portico-admin seed made its teams without their place in the hierarchy (team_closure), so
     * their members held no team: nothing was theirs, and the bench measured a team-less caller */
    char cmd[512], out[4096], name[64];
    snprintf(cmd, sizeof(cmd), "%s seed --entities 100 --replace 2>&1", getenv("PORTICO_TEST_ADMIN"));
    CU_ASSERT_EQUAL_FATAL(run(cmd, out, sizeof(out)), 0);
    struct who w;
    snprintf(name, sizeof(name), "%s-seeded", team_a);
    CU_ASSERT_EQUAL_FATAL(person(name, "seed-team-000", &w), 0);
    long st;
    json_object *o = get_json(w.cookie, "/api/v1/auth/session", &st), *teams = jpath(o, "teams");
    CU_ASSERT_EQUAL(st, 200);
    bool found = false;
    for (size_t i = 0; teams && i < json_object_array_length(teams); i++)
        found |= strcmp(json_object_get_string(json_object_array_get_idx(teams, i)), "seed-team-000") == 0;
    CU_ASSERT_TRUE(found);
    json_object_put(o);
    o = get_json(w.cookie, "/api/v1/catalog/entities?namespace=seed&mine=true&limit=1", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_TRUE(o && jint(o, "total") > 0);
    json_object_put(o);
}

void suite_people(void)
{
    if (!suite_wanted("people"))
        return;
    CU_pSuite s = CU_add_suite("people", people_init, people_cleanup);
    CU_add_test(s, "team members read the whole catalog by default, and nothing more", test_default_catalog_access);
    CU_add_test(s, "users: edited by administrators, audited; a page of teams, bindings, what they own",
                test_user_edit_and_page);
    CU_add_test(s, "a password reset: once, sessions ended, changed before anything else, tokens too, limited",
                test_password_reset);
    CU_add_test(s, "the password form's current password is throttled as logins are", test_password_change_throttled);
    CU_add_test(s, "teams: a page, a rename that bindings follow or a 409 saying what holds the name, a move, "
                   "a delete refused then allowed", test_team_page_rename_delete);
    CU_add_test(s, "a team is its Group in the catalog: made, kept in step, renamed, deleted; someone's own Group wins",
                test_team_groups);
    CU_add_test(s, "explain names the entity's owner team and the binding that would be needed", test_explain_needed);
    CU_add_test(s, "the seed's teams hold their members, as any team does", test_seeded_teams);
}
