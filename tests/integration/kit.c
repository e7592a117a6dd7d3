/*
 * The handler kit, across every area (lib/app.h): one paging contract for every list (limit and
 * an opaque cursor, answered with next_cursor), one permission-and-scope check (a token's scopes
 * count wherever a permission does, a secret named for a job included), and refusals in words
 * that carry the permission, the scope and the role that would allow it.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

static char team_a[64], team_b[64];
static char acookie[256], acsrf[128];

static long as_admin(const char *method, const char *path, const char *body, struct resp *r)
{
    return post_session(acookie, acsrf, method, path, body, r);
}

static int kit_init(void)
{
    struct resp r;
    char body[128];
    snprintf(team_a, sizeof(team_a), "kita%d", (int)getpid());
    snprintf(team_b, sizeof(team_b), "kitb%d", (int)getpid());
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? team_b : team_a);
        if (as_admin("POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    return 0;
}

/* ---- one paging contract ---------------------------------------------------------------------- */

/* The one field error of a 422 answer to GET path as the admin. */
static void assert_field_error(const char *path, const char *field)
{
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, path, &r), 422);
    json_object *o = json_tokener_parse(r.body), *errs = NULL;
    CU_ASSERT_TRUE(o && json_object_object_get_ex(o, "errors", &errs) && json_object_array_length(errs) == 1);
    const char *got = errs ? jstr(json_object_array_get_idx(errs, 0), "field") : NULL;
    CU_ASSERT_TRUE(got && strcmp(got, field) == 0);
    if (!got || strcmp(got, field) != 0)
        fprintf(stderr, "\n    %s: %s\n", path, r.body);
    json_object_put(o);
    resp_free(&r);
}

/* Walk list path (with a query of its own, or none) a page of one at a time by next_cursor: the
 * rows' key members seen, each once, in the list's order, as far as max pages. */
static int walk_as(const char *cookie, const char *path, const char *member, const char *key, int max, char seen[][128])
{
    char url[1024], cursor[512] = "";
    int n = 0;
    for (int page = 0; page < max; page++) {
        snprintf(url, sizeof(url), "%s%slimit=1%s%s", path, strchr(path, '?') ? "&" : "?", cursor[0] ? "&cursor=" : "", cursor);
        long st;
        json_object *o = get_json(cookie, url, &st), *items = NULL, *next = NULL;
        CU_ASSERT_EQUAL_FATAL(st, 200);
        CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, member, &items));
        CU_ASSERT_TRUE(json_object_array_length(items) <= 1);
        if (json_object_array_length(items) == 1) {
            json_object *it = json_object_array_get_idx(items, 0), *k = NULL;
            json_object_object_get_ex(it, key, &k);
            snprintf(seen[n], 128, "%s", k ? json_object_get_string(k) : "?");
            for (int i = 0; i < n; i++)
                CU_ASSERT_STRING_NOT_EQUAL(seen[i], seen[n]);   /* no row twice */
            n++;
        }
        CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "next_cursor", &next));
        if (!next) {
            json_object_put(o);
            return n;
        }
        /* opaque: a cursor is not a row's key */
        CU_ASSERT_TRUE(n == 0 || strcmp(json_object_get_string(next), seen[n - 1]) != 0);
        snprintf(cursor, sizeof(cursor), "%s", json_object_get_string(next));
        json_object_put(o);
    }
    return n;
}

static int walk(const char *path, const char *member, const char *key, int max, char seen[][128])
{
    return walk_as(acookie, path, member, key, max, seen);
}

static void test_one_paging_contract(void)
{
    /* every list refuses a limit that is not a whole number in its bounds, and a cursor it did not give */
    static const char *const lists[] = {
        "/api/v1/iam/users", "/api/v1/audit/events", "/api/v1/catalog/entities", "/api/v1/secrets/metadata",
        "/api/v1/templates", "/api/v1/provision/requests", "/api/v1/provision/resources", "/api/v1/provision/approvals",
        "/api/v1/provision/notifications", "/api/v1/audit/activity", "/api/v1/iam/teams", "/api/v1/iam/bindings",
        "/api/v1/catalog/locations", "/api/v1/auth/tokens", "/api/v1/iam/teams/{team}/members",
        "/api/v1/catalog/entities/group/default/{team}/instances",
    };
    char path[256], list[160];
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        static const char *const bad_limits[] = { "5abc", "0", "-1", "", "2.5", "99999999999999999999" };
        const char *hole = strstr(lists[i], "{team}");   /* a team's members, its Group's instances */
        if (hole)
            snprintf(list, sizeof(list), "%.*s%s%s", (int)(hole - lists[i]), lists[i], team_a, hole + 6);
        else
            snprintf(list, sizeof(list), "%s", lists[i]);
        for (size_t k = 0; k < sizeof(bad_limits) / sizeof(bad_limits[0]); k++) {
            snprintf(path, sizeof(path), "%s?limit=%s", list, bad_limits[k]);
            assert_field_error(path, "limit");
        }
        snprintf(path, sizeof(path), "%s?cursor=42", list);
        assert_field_error(path, "cursor");
        /* "users:1", another list's cursor, is no cursor of the others */
        if (strcmp(list, "/api/v1/iam/users") != 0) {
            snprintf(path, sizeof(path), "%s?cursor=dXNlcnM6MQ", list);
            assert_field_error(path, "cursor");
        }
    }
    /* iam pages as every other list does: no after= of its own */
    assert_field_error("/api/v1/catalog/entities/component/default/x/graph?depth=2x", "depth");

    /* paging to the end, one row a page: users (by id), catalog entities (by ref), secrets (by path),
     * audit events (newest first) */
    char body[512], name[64];
    struct resp r;
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "%s-u%d", team_a, i);
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s-password-1\"}", name, name);
        CU_ASSERT_EQUAL(as_admin("POST", "/api/v1/iam/users", body, &r), 201);
        resp_free(&r);
        snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                     "\"%s-c%d\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}",
                 team_a, i, team_a);
        snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c%d", team_a, i);
        CU_ASSERT_EQUAL(as_admin("PUT", path, body, &r), 201);
        resp_free(&r);
        snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/s%d", team_a, i);
        CU_ASSERT_EQUAL(as_admin("PUT", path, "{\"value\":\"paging\"}", &r), 201);
        resp_free(&r);
    }
    static char seen[64][128];
    snprintf(path, sizeof(path), "/api/v1/iam/users?username=%s-u1", team_a);
    CU_ASSERT_EQUAL(walk(path, "users", "username", 5, seen), 1);
    int users = walk("/api/v1/iam/users", "users", "id", 60, seen);
    CU_ASSERT_TRUE(users >= 4);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&kind=Component", team_a);   /* not the team's Group */
    CU_ASSERT_EQUAL(walk(path, "items", "ref", 10, seen), 3);
    CU_ASSERT_TRUE(strcmp(seen[0], seen[1]) < 0 && strcmp(seen[1], seen[2]) < 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s", team_a);
    CU_ASSERT_EQUAL(walk(path, "items", "ref", 10, seen), 3);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=team/%s/", team_a);
    CU_ASSERT_EQUAL(walk(path, "items", "path", 10, seen), 3);
    CU_ASSERT_TRUE(strcmp(seen[0], seen[1]) < 0 && strcmp(seen[1], seen[2]) < 0);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=team/%s/s1", team_a);
    CU_ASSERT_EQUAL(walk(path, "events", "id", 10, seen), 1);
    CU_ASSERT_TRUE(walk("/api/v1/audit/events?action=secrets.write", "events", "id", 5, seen) >= 3);
    CU_ASSERT_TRUE(atoll(seen[0]) > atoll(seen[1]));   /* newest first */

    /* the lists that answered whole until they paged: teams and members (by name), bindings (by
     * id), tokens (newest first), an entity's instances (by environment and instance), locations
     * (by id, only those the caller may read) */
    int teams = walk("/api/v1/iam/teams", "teams", "name", 2000, seen);
    CU_ASSERT_TRUE(teams >= 2);
    for (int i = 1; i < teams && i < 64; i++)
        CU_ASSERT_TRUE(strcmp(seen[i - 1], seen[i]) < 0);
    char uname[64], cookie[256], csrf[128];
    for (int i = 0; i < 3; i++) {
        snprintf(uname, sizeof(uname), "%s-m%d", team_a, i);
        CU_ASSERT_EQUAL(person_make(uname, "viewer", team_a, true, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 0);
    }
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members", team_a);
    CU_ASSERT_EQUAL(walk(path, "members", "username", 10, seen), 3);
    CU_ASSERT_TRUE(strcmp(seen[0], seen[1]) < 0 && strcmp(seen[1], seen[2]) < 0);
    int bindings = walk("/api/v1/iam/bindings", "bindings", "id", 2000, seen);
    CU_ASSERT_TRUE(bindings >= 3);
    CU_ASSERT_TRUE(atoll(seen[0]) < atoll(seen[1]));
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"kit-page-%d\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", i);
        CU_ASSERT_EQUAL(as_admin("POST", "/api/v1/auth/tokens", body, &r), 201);
        resp_free(&r);
    }
    CU_ASSERT_TRUE(walk("/api/v1/auth/tokens", "tokens", "id", 300, seen) >= 3);
    CU_ASSERT_TRUE(atoll(seen[0]) > atoll(seen[1]) && atoll(seen[1]) > atoll(seen[2]));   /* newest first */
    static const char *const instances[] = { "prod/b", "dev/z", "dev/a" };
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c0/instances/%s", team_a, instances[i]);
        CU_ASSERT_EQUAL(as_admin("PUT", path, "{\"url\":\"http://127.0.0.1:9/\"}", &r), 201);
        resp_free(&r);
    }
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c0/instances", team_a);
    CU_ASSERT_EQUAL(walk(path, "instances", "instance", 10, seen), 3);
    CU_ASSERT_TRUE(strcmp(seen[0], "a") == 0 && strcmp(seen[1], "z") == 0 && strcmp(seen[2], "b") == 0);
    /* team_a's maintainer pages through team_a's two locations, never team_b's between them */
    long long loc[3] = { 0 };
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:9/kit-%d.yaml\",\"team\":\"%s\"}", i,
                 i == 1 ? team_b : team_a);
        CU_ASSERT_EQUAL(as_admin("POST", "/api/v1/catalog/locations", body, &r), 201);
        json_object *o = json_tokener_parse(r.body);
        loc[i] = o ? atoll(json_object_get_string(json_object_object_get(o, "id"))) : 0;
        json_object_put(o);
        resp_free(&r);
    }
    snprintf(uname, sizeof(uname), "%s-lm", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(uname, "maintainer", team_a, true, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 0);
    CU_ASSERT_EQUAL(walk_as(cookie, "/api/v1/catalog/locations", "locations", "id", 10, seen), 2);
    CU_ASSERT_EQUAL(atoll(seen[0]), loc[0]);
    CU_ASSERT_EQUAL(atoll(seen[1]), loc[2]);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", loc[i]);
        CU_ASSERT_EQUAL(as_admin("DELETE", path, NULL, &r), 200);
        resp_free(&r);
    }
}

/* ---- a token's scopes count wherever a permission does -------------------------------------------- */

static const char kit_template[] =
    "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\">"
    "<title>Kit</title><description>Names a secret for its step.</description><owner team=\"%s\"/>"
    "<parameters><parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z]{1,20}\"/>"
    "<parameter name=\"credential\" type=\"secret-ref\" required=\"true\"/></parameters>"
    "<policy><environments><environment>dev</environment></environments><ttl default-days=\"1\" max-days=\"2\"/></policy>"
    "<steps><step name=\"hello\" driver=\"noop\"><arg name=\"message\">hello {{name}}</arg></step></steps>"
    "<deprovision><step name=\"bye\" driver=\"noop\"><arg name=\"message\">bye</arg></step></deprovision>"
    "</template>";

/* A token of the session's user with scopes (a JSON array's items). */
static void make_token(const char *cookie, const char *csrf, const char *scopes, char *out, size_t len)
{
    char body[512];
    struct resp r;
    snprintf(body, sizeof(body), "{\"name\":\"kit\",\"scopes\":[%s],\"expires_in_days\":1}", scopes);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(out, len, "%s", jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
}

static long request_bearer(const char *token, const char *body, struct resp *r)
{
    char auth[256];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    const char *const h[] = { auth, NULL };
    if (request("POST", "/api/v1/provision/requests", "application/json", body, -1, h, r) < 0)
        return -1;
    return r->status;
}

static void test_token_scopes_reach_secret_refs(void)
{
    char mcookie[256], mcsrf[128], user[80], xml[2048], tname[64], path[256], body[512];
    struct resp r;
    snprintf(user, sizeof(user), "%s-m", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(user, "maintainer", team_a, true, mcookie, sizeof(mcookie), mcsrf, sizeof(mcsrf), NULL), 0);
    /* a secret of the team the maintainer may reveal, and a template whose step is given it */
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/dev/db-password", team_a);
    CU_ASSERT_EQUAL(post_session(mcookie, mcsrf, "PUT", path, "{\"value\":\"kit-db-password\"}", &r), 201);
    resp_free(&r);
    snprintf(tname, sizeof(tname), "kit-%d", (int)getpid());
    snprintf(xml, sizeof(xml), kit_template, tname, team_a);
    char hc[300], hx[200];
    snprintf(hc, sizeof(hc), "Cookie: %s", acookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", acsrf);
    const char *const h[] = { hc, hx, NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/templates", "application/xml", xml, -1, h, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.status, 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", tname);
    CU_ASSERT_EQUAL_FATAL(as_admin("POST", path, NULL, &r), 200);
    resp_free(&r);

    /* a token that may request but not reveal cannot have a job open the secret for it */
    char narrow[128], wide[128];
    make_token(mcookie, mcsrf, "\"provision.request.create\",\"templates.template.read\"", narrow, sizeof(narrow));
    make_token(mcookie, mcsrf, "\"provision.request.create\",\"templates.template.read\",\"secrets.reveal\"", wide, sizeof(wide));
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"name\":\"abc\","
                                 "\"credential\":\"team/%s/dev/db-password\"}}", tname, team_a, team_a);
    CU_ASSERT_EQUAL(request_bearer(narrow, body, &r), 422);
    json_object *o = json_tokener_parse(r.body), *errs = NULL;
    CU_ASSERT_TRUE(o && json_object_object_get_ex(o, "errors", &errs) && json_object_array_length(errs) == 1);
    const char *field = errs ? jstr(json_object_array_get_idx(errs, 0), "field") : NULL;
    CU_ASSERT_TRUE(field && strcmp(field, "parameters/credential") == 0);
    json_object_put(o);
    resp_free(&r);
    /* the same request with a token that may reveal, and from the session itself, is taken */
    CU_ASSERT_EQUAL(request_bearer(wide, body, &r), 201);
    if (r.status != 201)
        fprintf(stderr, "\n    wide token: %s\n", r.body);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mcookie, mcsrf, "POST", "/api/v1/provision/requests", body, &r), 201);
    resp_free(&r);
}

/* ---- refusals in words ------------------------------------------------------------------------- */

/* Assert r is a 403 whose detail is detail and whose members name permission and scope. */
static void assert_refusal(struct resp *r, const char *detail, const char *permission, const char *scope_type,
                           const char *scope_id)
{
    json_object *o = assert_problem(r, 403, "forbidden"), *scope = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    const char *d = jstr(o, "detail"), *perm = jstr(o, "permission");
    CU_ASSERT_TRUE(d && strcmp(d, detail) == 0);
    if (!d || strcmp(d, detail) != 0)
        fprintf(stderr, "\n    detail \"%s\", want \"%s\"\n", d ? d : "", detail);
    CU_ASSERT_TRUE(perm && strcmp(perm, permission) == 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "scope", &scope));
    CU_ASSERT_TRUE(jstr(scope, "type") && strcmp(jstr(scope, "type"), scope_type) == 0);
    CU_ASSERT_TRUE(jstr(scope, "id") && strcmp(jstr(scope, "id"), scope_id) == 0);
    CU_ASSERT_PTR_NOT_NULL(jstr(o, "permission_text"));
    json_object_put(o);
}

static void test_refusals_in_words(void)
{
    char dcookie[256], dcsrf[128], vcookie[256], vcsrf[128], user[80], path[256], want[512], body[512];
    struct resp r;
    /* a developer of team A (a member) and a viewer bound on team A who is in no team */
    snprintf(user, sizeof(user), "%s-d", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(user, "developer", team_a, true, dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf), NULL), 0);
    snprintf(user, sizeof(user), "%s-v", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(user, "viewer", team_a, false, vcookie, sizeof(vcookie), vcsrf, sizeof(vcsrf), NULL), 0);

    /* a new secret in another team's scope: not "no secret there", but who may not do what where */
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/api-key", team_b);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "PUT", path, "{\"value\":\"x\"}", &r), 403);
    snprintf(want, sizeof(want), "you can't read team %s's secrets: it takes viewer or above on team %s", team_b, team_b);
    assert_refusal(&r, want, "secrets.secret.read", "team", team_b);
    resp_free(&r);
    /* an entity that is there but not the viewer's to read: refused naming its owner, not "no such entity" */
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s-ledger\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}",
             team_b, team_b);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-ledger", team_b);
    CU_ASSERT_EQUAL(as_admin("PUT", path, body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(vcookie, path, &r), 403);
    char ref[128];
    snprintf(ref, sizeof(ref), "component:default/%s-ledger", team_b);
    snprintf(want, sizeof(want), "you can't read %s (owned by team %s): it takes viewer or above on team %s", ref, team_b, team_b);
    assert_refusal(&r, want, "catalog.entity.read", "entity", ref);
    resp_free(&r);
    /* one that is not there is still 404 */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-none", team_b);
    CU_ASSERT_EQUAL(get_as(vcookie, path, &r), 404);
    resp_free(&r);

    /* in its own scope, the next permission up: the viewer of team A is a maintainer of team B */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"maintainer\",\"scope_type\":"
                                 "\"team\",\"scope_id\":\"%s\"}", user, team_b);
    CU_ASSERT_EQUAL(as_admin("POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/s1", team_a);
    CU_ASSERT_EQUAL(post_session(vcookie, vcsrf, "POST", path, NULL, &r), 403);
    snprintf(want, sizeof(want), "you can't reveal team %s's secrets: it takes maintainer or above on team %s", team_a, team_a);
    assert_refusal(&r, want, "secrets.reveal", "team", team_a);
    resp_free(&r);
    /* a developer of the team reads the scope, and is told it takes a maintainer to reveal there
     * (the requester of a resource reveals its outputs: secret_outputs.c) */
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 403);
    assert_refusal(&r, want, "secrets.reveal", "team", team_a);
    resp_free(&r);
    /* a permission held nowhere at all is refused before any scope is known: still in words */
    snprintf(path, sizeof(path), "/api/v1/secrets/destroy/team/%s/s1", team_a);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 403);
    json_object *o = assert_problem(&r, 403, "forbidden");
    CU_ASSERT_TRUE(o && jstr(o, "detail") && strcmp(jstr(o, "detail"), "you can't destroy secrets: it takes maintainer or above on a team") == 0);
    CU_ASSERT_TRUE(o && jstr(o, "needed") && strcmp(jstr(o, "needed"), "maintainer on a team") == 0);
    json_object_put(o);
    resp_free(&r);

    /* a route's own permission, held nowhere: in words, never a raw permission alone */
    CU_ASSERT_EQUAL(get_as(dcookie, "/api/v1/audit/events", &r), 403);
    assert_refusal(&r, "you can't read the audit log: it takes maintainer or above everywhere", "audit.event.read", "global", "");
    resp_free(&r);
    /* a token whose scopes leave the permission out */
    char tok[128];
    make_token(dcookie, dcsrf, "\"catalog.entity.read\"", tok, sizeof(tok));
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/s1", team_a);
    CU_ASSERT_EQUAL(get_bearer(tok, path, &r), 403);
    json_object *t = assert_problem(&r, 403, "forbidden");
    CU_ASSERT_TRUE(t && jstr(t, "detail") && strstr(jstr(t, "detail"), "this token may not read secrets"));
    json_object_put(t);
    resp_free(&r);
}

void suite_kit(void)
{
    if (!suite_wanted("handler kit"))
        return;
    CU_pSuite s = CU_add_suite("handler kit", kit_init, NULL);
    CU_add_test(s, "every list: one limit parser, opaque cursors, pages to the end", test_one_paging_contract);
    CU_add_test(s, "a token's scopes count for the secrets a request names", test_token_scopes_reach_secret_refs);
    CU_add_test(s, "refusals say who may not do what where, with the role needed", test_refusals_in_words);
}
