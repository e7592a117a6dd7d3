/*
 * The catalog's safety (issue 14): a location is its team's to read and carries no credential
 * in its URL (nor tells where the roots are); a caller who may not read an entity learns nothing
 * of whether it exists from a conditional write, a relation, the graph or the report; a name
 * past its bound is refused, never cut; an id and an entity ref each have one spelling.
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

static char team_a[64], team_b[64];
static struct who admin;
static struct who amaint;   /* maintainer of team_a, a member of it */
static struct who bdev;     /* developer of team_b, a member of it: reads the whole catalog (catalog-reader) */
static struct who aout;     /* maintainer bound on team_a, a member of no team: reads, writes and deletes team_a's
                               entities alone, and manages its locations */

static long as(const struct who *w, const char *method, const char *path, const char *body, struct resp *r)
{
    if (strcmp(method, "GET") == 0)
        return get_as(w->cookie, path, r);
    return post_session(w->cookie, w->csrf, method, path, body, r);
}

static long status_of(const struct who *w, const char *method, const char *path, const char *body)
{
    struct resp r;
    long st = as(w, method, path, body, &r);
    resp_free(&r);
    return st;
}

static bool str_is(const char *got, const char *want)
{
    if (got && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want);
    return false;
}

static bool status_is(long got, long want, const char *what)
{
    if (got == want)
        return true;
    fprintf(stderr, "\n    %s: got %ld, want %ld\n", what, got, want);
    return false;
}

/* A member's boolean (false when absent), or -1 when it is not a boolean. */
static int jbool(json_object *o, const char *path)
{
    json_object *m = jpath(o, path);
    return m && json_object_is_type(m, json_type_boolean) ? json_object_get_boolean(m) : -1;
}

static const char component_doc[] =
    "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"%s\"},"
    "\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"%s}}";

/* PUT a Component name owned by team (with more of its spec, or ""), as w: the status. */
static long component_as(const struct who *w, const char *name, const char *team, const char *more, const char *if_match)
{
    char body[2048], path[512];
    struct resp r;
    snprintf(body, sizeof(body), component_doc, name, team, more);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    long st = session_req(w->cookie, w->csrf, "PUT", path, body, if_match, &r);
    if (st != 200 && st != 201 && !if_match)
        fprintf(stderr, "\n    PUT %s: %ld %s\n", name, st, r.body ? r.body : "");
    resp_free(&r);
    return st;
}

static int safety_init(void)
{
    struct resp r;
    char body[128], name[64];
    snprintf(team_a, sizeof(team_a), "safa%d", (int)getpid());
    snprintf(team_b, sizeof(team_b), "safb%d", (int)getpid());
    if (login("admin", admin_password(), admin.cookie, sizeof(admin.cookie), admin.csrf, sizeof(admin.csrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? team_b : team_a);
        if (as(&admin, "POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    snprintf(name, sizeof(name), "%s-maint", team_a);
    if (person_make(name, "maintainer", team_a, true, amaint.cookie, sizeof(amaint.cookie), amaint.csrf,
                    sizeof(amaint.csrf), &amaint.id) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s-dev", team_b);
    if (person_make(name, "developer", team_b, true, bdev.cookie, sizeof(bdev.cookie), bdev.csrf, sizeof(bdev.csrf),
                    &bdev.id) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s-out", team_a);
    if (person_make(name, "maintainer", team_a, false, aout.cookie, sizeof(aout.cookie), aout.csrf, sizeof(aout.csrf),
                    &aout.id) < 0)
        return -1;
    return 0;
}

/* ---- locations ------------------------------------------------------------------------------- */

/* Register a location as w: its id (0 when the answer was not a 201, said on stderr). */
static long long location_as(const struct who *w, const char *body)
{
    struct resp r;
    long st = as(w, "POST", "/api/v1/catalog/locations", body, &r);
    long long id = st == 201 ? created_id(&r) : 0;
    if (st != 201)
        fprintf(stderr, "\n    POST location %s: %ld %s\n", body, st, r.body ? r.body : "");
    resp_free(&r);
    return id;
}

/* Does w's list of locations hold id? */
static bool listed(const struct who *w, long long id)
{
    long st;
    json_object *o = get_json(w->cookie, "/api/v1/catalog/locations", &st), *list = jpath(o, "locations");
    bool found = false;
    CU_ASSERT_EQUAL(st, 200);
    for (size_t i = 0; list && i < json_object_array_length(list); i++)
        found |= jint(json_object_array_get_idx(list, i), "id") == id;
    json_object_put(o);
    return found;
}

static void test_locations_their_teams(void)
{
    char body[512], path[128], other[128];
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:9/%s/catalog-info.yaml?ref=main\","
                                 "\"team\":\"%s\"}", team_a, team_a);
    long long id = location_as(&amaint, body);
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:9/%s/nobodys.yaml\"}", team_a);
    long long gid = location_as(&admin, body);
    CU_ASSERT_FATAL(id > 0 && gid > 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", id);
    snprintf(other, sizeof(other), "/api/v1/catalog/locations/%lld", gid);

    /* the team's maintainer reads its location, not one without a team */
    struct resp r;
    CU_ASSERT_EQUAL(as(&amaint, "GET", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(r.body && strstr(r.body, "catalog-info.yaml?ref=main"));
    resp_free(&r);
    CU_ASSERT_TRUE(listed(&amaint, id));
    CU_ASSERT_FALSE(listed(&amaint, gid));
    CU_ASSERT_TRUE(status_is(status_of(&amaint, "GET", other, NULL), 404, "a location without a team, to a team's maintainer"));

    /* another team's developer (who reads the whole catalog) reads neither, nor acts on them:
     * each is answered as one that is not there */
    CU_ASSERT_FALSE(listed(&bdev, id));
    CU_ASSERT_FALSE(listed(&bdev, gid));
    CU_ASSERT_EQUAL(as(&bdev, "GET", path, NULL, &r), 404);
    json_object_put(assert_problem(&r, 404, "not-found"));
    CU_ASSERT_PTR_NULL(r.body ? strstr(r.body, team_a) : NULL);
    resp_free(&r);
    CU_ASSERT_EQUAL(as(&bdev, "GET", "/api/v1/catalog/locations/999999999", NULL, &r), 404);
    json_object_put(assert_problem(&r, 404, "not-found"));
    resp_free(&r);
    CU_ASSERT_TRUE(status_is(status_of(&bdev, "GET", other, NULL), 404, "a location without a team, to a developer"));
    /* one who manages the locations of a team of its own: another team's is not there for it */
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:9/%s/b.yaml\",\"team\":\"%s\"}", team_b,
             team_b);
    long long bid = location_as(&admin, body);
    CU_ASSERT_FATAL(bid > 0);
    char bpath[128], bsync[160];
    snprintf(bpath, sizeof(bpath), "/api/v1/catalog/locations/%lld", bid);
    snprintf(bsync, sizeof(bsync), "%s/sync", bpath);
    CU_ASSERT_TRUE(status_is(status_of(&amaint, "GET", bpath, NULL), 404, "another team's location"));
    CU_ASSERT_TRUE(status_is(status_of(&amaint, "POST", bsync, ""), 404, "another team's sync"));
    CU_ASSERT_TRUE(status_is(status_of(&amaint, "DELETE", bpath, NULL), 404, "another team's delete"));
    CU_ASSERT_FALSE(listed(&amaint, bid));
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", bpath, NULL), 200);
    /* holding catalog.location.write on the team, without being a member, reads them */
    CU_ASSERT_TRUE(status_is(status_of(&aout, "GET", path, NULL), 200, "team_a's locations' manager, not a member"));
    CU_ASSERT_TRUE(listed(&aout, id));

    /* the administrator reads both */
    CU_ASSERT_TRUE(listed(&admin, id));
    CU_ASSERT_TRUE(listed(&admin, gid));
    CU_ASSERT_EQUAL(status_of(&admin, "GET", other, NULL), 200);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", other, NULL), 200);
}

/* Does the file at env's path hold needle? */
static bool file_holds(const char *env, const char *needle)
{
    const char *name = getenv(env);
    FILE *f = name ? fopen(name, "r") : NULL;
    if (!f)
        return false;
    char line[16384];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

static void test_location_urls_carry_no_credentials(void)
{
    char canary[64], body[1024], target[512];
    snprintf(canary, sizeof(canary), "cred%dcanary", (int)getpid());
    static const char *const queries[] = { "access_token", "ref=main&private_token", "Access%5FToken", "token", "key",
                                           "apikey", "api_key", "password", "secret", "client_secret", "sig",
                                           "signature", "X-Amz-Signature", "X-Goog-Credential", NULL };
    for (int i = 0; queries[i]; i++) {
        snprintf(target, sizeof(target), "https://git.example.org/%s/raw/catalog-info.yaml?%s=%s", team_a, queries[i],
                 canary);
        snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"%s\",\"team\":\"%s\"}", target, team_a);
        struct resp r;
        long st = as(&amaint, "POST", "/api/v1/catalog/locations", body, &r);
        CU_ASSERT_TRUE(status_is(st, 422, queries[i]));
        json_object *o = assert_problem(&r, 422, "validation");
        CU_ASSERT_TRUE(str_is(jstr(jpath(o, "errors/0"), "field"), "target"));
        const char *msg = jstr(jpath(o, "errors/0"), "message");
        CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "secret reference"));
        CU_ASSERT_PTR_NULL(r.body ? strstr(r.body, canary) : NULL);
        json_object_put(o);
        resp_free(&r);
    }
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"https://robot:%s@git.example.org/x.yaml\"}", canary);
    struct resp r;
    CU_ASSERT_EQUAL(as(&admin, "POST", "/api/v1/catalog/locations", body, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(r.body && strstr(r.body, "secret reference"));
    resp_free(&r);
    /* a query without credentials is a query */
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:9/%s/x.yaml?ref=main&keyword=a"
                                 "&monkey=b\",\"team\":\"%s\"}", team_a, team_a);
    long long ok = location_as(&amaint, body);
    CU_ASSERT_TRUE(ok > 0);
    if (ok) {
        snprintf(target, sizeof(target), "/api/v1/catalog/locations/%lld", ok);
        CU_ASSERT_EQUAL(status_of(&admin, "DELETE", target, NULL), 200);
    }

    /* one registered before the refusal (written into the table here) is read, and logged and
     * told without its query */
    char sql[1024], out[65536] = "";
    snprintf(sql, sizeof(sql), "INSERT INTO catalog_locations (type, target, team, interval_seconds, message, registered_by) "
                               "VALUES ('url', 'http://127.0.0.1:9/%s/old.yaml?access_token=%s', '%s', 300, '', 'admin')",
             team_a, canary, team_a);
    CU_ASSERT_EQUAL_FATAL(as_root(sql), 0);
    runner_pass(out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "/old.yaml?…"));
    CU_ASSERT_PTR_NULL(strstr(out, canary));
    long st;
    json_object *list = get_json(admin.cookie, "/api/v1/catalog/locations", &st), *ls = jpath(list, "locations");
    bool seen = false;
    for (size_t i = 0; ls && i < json_object_array_length(ls); i++) {
        json_object *l = json_object_array_get_idx(ls, i);
        const char *t = jstr(l, "target"), *m = jstr(l, "message");
        if (!t || !strstr(t, canary))
            continue;
        seen = true;
        CU_ASSERT_PTR_NOT_NULL(m && strstr(m, "old.yaml?…"));
        CU_ASSERT_PTR_NULL(m ? strstr(m, canary) : NULL);
        char path[128];
        snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", jint(l, "id"));
        CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);
    }
    json_object_put(list);
    CU_ASSERT_TRUE(seen);
    /* the request log names paths without their queries */
    snprintf(target, sizeof(target), "/api/v1/catalog/locations?access_token=%s", canary);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", target, NULL), 200);
    CU_ASSERT_TRUE(file_holds("PORTICO_TEST_LOG", "\"path\":\"/api/v1/catalog/locations\""));
    CU_ASSERT_FALSE(file_holds("PORTICO_TEST_LOG", canary));
}

/* The message of the one field error of POST location body as w. */
static const char *location_refusal(const struct who *w, const char *body, char *out, size_t len, struct resp *whole)
{
    long st = as(w, "POST", "/api/v1/catalog/locations", body, whole);
    json_object *o = json_tokener_parse(whole->body ? whole->body : "");
    CU_ASSERT_TRUE(status_is(st, 422, body));
    snprintf(out, len, "%s", jstr(jpath(o, "errors/0"), "message") ? jstr(jpath(o, "errors/0"), "message") : "");
    json_object_put(o);
    return out;
}

static void test_location_roots_untold(void)
{
    const char *state = getenv("PORTICO_STATE");
    CU_ASSERT_PTR_NOT_NULL_FATAL(state);
    char roots[512], body[1024], outside[512], missing[512];
    snprintf(roots, sizeof(roots), "%s/locations", state);
    struct resp r1, r2;
    /* a file outside the roots that exists, and one that does not: told alike, roots unnamed */
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"/etc/passwd\",\"team\":\"%s\"}", team_a);
    location_refusal(&amaint, body, outside, sizeof(outside), &r1);
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"/nonexistent-%d/catalog-info.yaml\",\"team\":\"%s\"}",
             (int)getpid(), team_a);
    location_refusal(&amaint, body, missing, sizeof(missing), &r2);
    CU_ASSERT_TRUE(str_is(missing, outside));
    CU_ASSERT_PTR_NOT_NULL(strstr(outside, "catalog_location_roots"));
    CU_ASSERT_PTR_NULL(r1.body ? strstr(r1.body, roots) : NULL);
    CU_ASSERT_PTR_NULL(r2.body ? strstr(r2.body, roots) : NULL);
    resp_free(&r1);
    resp_free(&r2);
    /* under a root, a file that is not there is said so */
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"%s/none-%d.yaml\",\"team\":\"%s\"}", roots, (int)getpid(),
             team_a);
    location_refusal(&amaint, body, missing, sizeof(missing), &r1);
    CU_ASSERT_PTR_NOT_NULL(strstr(missing, "cannot be read"));
    resp_free(&r1);
}

/* ---- hidden and missing look alike ------------------------------------------------------------ */

static char hidden_name[64], missing_name[64], mine_name[64];

/* The relation (or graph node) whose target (ref) is ref, in list at member. */
static json_object *find_ref(json_object *o, const char *member, const char *key, const char *ref)
{
    json_object *list = jpath(o, member);
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *one = json_object_array_get_idx(list, i);
        if (jstr(one, key) && strcmp(jstr(one, key), ref) == 0)
            return one;
    }
    return NULL;
}

static void test_conditional_writes_hidden_as_missing(void)
{
    snprintf(hidden_name, sizeof(hidden_name), "%s-hidden", team_b);
    snprintf(missing_name, sizeof(missing_name), "%s-missing", team_b);
    CU_ASSERT_EQUAL_FATAL(component_as(&admin, hidden_name, team_b, "", NULL), 201);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", hidden_name);
    CU_ASSERT_TRUE(status_is(status_of(&aout, "GET", path, NULL), 403, "team_a's reader reads team_b's entity"));

    /* PUT with If-Match over an entity the caller may not read, and over none: one answer */
    static const char *const conditions[] = { "*", "\"1\"", "\"2\"", NULL };
    for (int i = 0; conditions[i]; i++) {
        long hidden = component_as(&aout, hidden_name, team_a, "", conditions[i]);
        long missing = component_as(&aout, missing_name, team_a, "", conditions[i]);
        CU_ASSERT_TRUE(status_is(hidden, 412, conditions[i]));
        CU_ASSERT_TRUE(status_is(missing, 412, conditions[i]));
    }
    /* DELETE with If-Match: one answer too */
    char mpath[256];
    snprintf(mpath, sizeof(mpath), "/api/v1/catalog/entities/component/default/%s", missing_name);
    for (int i = 0; conditions[i]; i++) {
        struct resp h, m;
        long hs = session_req(aout.cookie, aout.csrf, "DELETE", path, NULL, conditions[i], &h);
        long ms = session_req(aout.cookie, aout.csrf, "DELETE", mpath, NULL, conditions[i], &m);
        CU_ASSERT_TRUE(status_is(hs, 412, conditions[i]));
        CU_ASSERT_TRUE(status_is(ms, 412, conditions[i]));
        json_object *ho = json_tokener_parse(h.body ? h.body : ""), *mo = json_tokener_parse(m.body ? m.body : "");
        CU_ASSERT_TRUE(str_is(jstr(ho, "type"), jstr(mo, "type") ? jstr(mo, "type") : "(none)"));
        json_object_put(ho);
        json_object_put(mo);
        resp_free(&h);
        resp_free(&m);
    }
    /* nothing was written: the entity is team_b's, at version 1; the missing one is not there */
    struct resp r;
    CU_ASSERT_EQUAL(as(&admin, "GET", path, NULL, &r), 200);
    json_object *o = json_tokener_parse(r.body ? r.body : "");
    CU_ASSERT_EQUAL(jint(o, "version"), 1);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", mpath, NULL), 404);
    /* one the caller may read still answers its condition as ever */
    snprintf(mine_name, sizeof(mine_name), "%s-mine", team_a);
    char more[512];
    snprintf(more, sizeof(more), ",\"dependsOn\":[\"component:default/%s\",\"component:default/%s\"]", hidden_name,
             missing_name);
    CU_ASSERT_EQUAL(component_as(&aout, mine_name, team_a, more, NULL), 201);
    CU_ASSERT_EQUAL(component_as(&aout, mine_name, team_a, more, "\"1\""), 200);
    CU_ASSERT_EQUAL(component_as(&aout, mine_name, team_a, more, "\"7\""), 412);
}

static void test_relations_hidden_as_missing(void)
{
    char path[256], hidden[128], missing[128];
    snprintf(hidden, sizeof(hidden), "component:default/%s", hidden_name);
    snprintf(missing, sizeof(missing), "component:default/%s", missing_name);
    CU_ASSERT_FATAL(mine_name[0] != '\0');

    /* the relations: to a caller who reads only team_a's, both targets look alike */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s/relations", mine_name);
    long st;
    json_object *o = get_json(aout.cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *h = find_ref(o, "relations", "target", hidden), *m = find_ref(o, "relations", "target", missing);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(jbool(h, "dangling"), jbool(m, "dangling"));
    CU_ASSERT_EQUAL(jbool(h, "hidden"), 1);
    CU_ASSERT_EQUAL(jbool(m, "hidden"), 1);
    json_object_put(o);
    /* to one who reads the whole catalog, the truth */
    o = get_json(bdev.cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    h = find_ref(o, "relations", "target", hidden), m = find_ref(o, "relations", "target", missing);
    CU_ASSERT_TRUE(h && jbool(h, "dangling") == 0 && jbool(h, "hidden") == 0);
    CU_ASSERT_TRUE(m && jbool(m, "dangling") == 1 && jbool(m, "hidden") == 0);
    json_object_put(o);

    /* the graph: two nodes alike, neither named */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s/graph?depth=1", mine_name);
    o = get_json(aout.cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *nodes = jpath(o, "nodes");
    CU_ASSERT_TRUE_FATAL(nodes && json_object_array_length(nodes) == 3);
    for (size_t i = 1; i < 3; i++) {
        json_object *n = json_object_array_get_idx(nodes, i);
        CU_ASSERT_TRUE(str_is(jstr(n, "ref"), "(hidden)"));
        CU_ASSERT_EQUAL(jbool(n, "hidden"), 1);
        CU_ASSERT_EQUAL(jbool(n, "dangling"), 0);
    }
    json_object_put(o);
    o = get_json(bdev.cookie, path, &st);
    CU_ASSERT_TRUE(find_ref(o, "nodes", "ref", missing) && jbool(find_ref(o, "nodes", "ref", missing), "dangling") == 1);
    CU_ASSERT_TRUE(find_ref(o, "nodes", "ref", hidden) && jbool(find_ref(o, "nodes", "ref", hidden), "dangling") == 0);
    json_object_put(o);

    /* the report: both listed, alike, to the caller who reads team_a's alone; the missing one
     * alone to one who reads everything */
    o = get_json(aout.cookie, "/api/v1/catalog/report", &st);
    CU_ASSERT_EQUAL(st, 200);
    h = find_ref(o, "dangling", "target", hidden), m = find_ref(o, "dangling", "target", missing);
    CU_ASSERT_TRUE(h && m && jbool(h, "hidden") == 1 && jbool(m, "hidden") == 1);
    json_object_put(o);
    o = get_json(bdev.cookie, "/api/v1/catalog/report", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_PTR_NULL(find_ref(o, "dangling", "target", hidden));
    m = find_ref(o, "dangling", "target", missing);
    CU_ASSERT_TRUE(m && jbool(m, "hidden") == 0);
    json_object_put(o);
}

/* ---- bounds and spellings --------------------------------------------------------------------- */

static void test_names_past_their_bound(void)
{
    char name63[64], name64[66], path[512], body[1024];
    snprintf(name63, sizeof(name63), "%s-%0*d", team_a, (int)(62 - strlen(team_a)), 0);
    CU_ASSERT_EQUAL_FATAL(strlen(name63), 63);
    snprintf(name64, sizeof(name64), "%sx", name63);
    CU_ASSERT_EQUAL(component_as(&admin, name63, team_a, "", NULL), 201);

    /* a name of 64 is no entity: not the one of 63 it starts with */
    static const char *const methods[] = { "GET", "PUT", "DELETE", NULL };
    static const char *const tails[] = { "", "/relations", "/graph", NULL };
    for (int t = 0; tails[t]; t++)
        for (int i = 0; methods[i] && (t == 0 || i == 0); i++) {
            snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s%s", name64, tails[t]);
            snprintf(body, sizeof(body), component_doc, name64, team_a, "");
            struct resp r;
            long st = as(&admin, methods[i], path, strcmp(methods[i], "PUT") == 0 ? body : NULL, &r);
            CU_ASSERT_TRUE(status_is(st, 400, path));
            json_object *o = assert_problem(&r, 400, "bad-path");
            CU_ASSERT_TRUE(str_is(jstr(jpath(o, "errors/0"), "field"), "name"));
            const char *msg = jstr(jpath(o, "errors/0"), "message");
            CU_ASSERT_PTR_NOT_NULL(msg && strstr(msg, "63"));
            json_object_put(o);
            resp_free(&r);
        }
    /* a namespace past its bound, likewise */
    char ns64[66];
    snprintf(ns64, sizeof(ns64), "%0*d", 64, 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/%s/%s", ns64, name63);
    struct resp r;
    CU_ASSERT_EQUAL(as(&admin, "GET", path, NULL, &r), 400);
    json_object *o = assert_problem(&r, 400, "bad-path");
    CU_ASSERT_TRUE(str_is(jstr(jpath(o, "errors/0"), "field"), "namespace"));
    json_object_put(o);
    resp_free(&r);
    /* discovery names a service by its name too */
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s?environment=production", name64);
    CU_ASSERT_EQUAL(as(&admin, "GET", path, NULL, &r), 422);
    o = assert_problem(&r, 422, "validation");
    CU_ASSERT_TRUE(str_is(jstr(jpath(o, "errors/0"), "field"), "name"));
    json_object_put(o);
    resp_free(&r);
    /* the one of 63 is there still, at version 1 */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name63);
    CU_ASSERT_EQUAL(as(&admin, "GET", path, NULL, &r), 200);
    o = json_tokener_parse(r.body ? r.body : "");
    CU_ASSERT_EQUAL(jint(o, "version"), 1);
    json_object_put(o);
    resp_free(&r);
}

static void test_one_spelling_of_ids_and_refs(void)
{
    char body[512], path[256];
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:9/%s/ids.yaml\"}", team_a);
    long long id = location_as(&admin, body);
    CU_ASSERT_FATAL(id > 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", id);
    CU_ASSERT_EQUAL(status_of(&admin, "GET", path, NULL), 200);
    /* the id with something before or after it */
    static const char *const spellings[][2] = { { "0", "" }, { "00", "" }, { "%2B", "" }, { "+", "" }, { "%20", "" },
                                                { "", "%20" }, { "-", "" }, { "", ".0" }, { "0x0", "" }, { NULL, NULL } };
    for (int i = 0; spellings[i][0]; i++) {
        snprintf(path, sizeof(path), "/api/v1/catalog/locations/%s%lld%s", spellings[i][0], id, spellings[i][1]);
        CU_ASSERT_TRUE(status_is(status_of(&admin, "GET", path, NULL), 404, path));
    }
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?location=0%lld", id);
    CU_ASSERT_TRUE(status_is(status_of(&admin, "GET", path, NULL), 422, path));
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", id);
    CU_ASSERT_EQUAL(status_of(&admin, "DELETE", path, NULL), 200);

    /* an entity scope is stored and answered in the catalog's spelling, and it works */
    char name[64], upper[64], person[64];
    snprintf(name, sizeof(name), "%s-spelt", team_b);
    for (size_t i = 0; i <= strlen(name); i++)
        upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    CU_ASSERT_EQUAL_FATAL(component_as(&admin, name, team_b, "", NULL), 201);
    struct who reader;
    snprintf(person, sizeof(person), "%s-spell", team_b);
    CU_ASSERT_EQUAL_FATAL(person_make(person, NULL, NULL, false, reader.cookie, sizeof(reader.cookie), reader.csrf,
                                      sizeof(reader.csrf), &reader.id), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    CU_ASSERT_EQUAL(status_of(&reader, "GET", path, NULL), 403);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"viewer\",\"scope_type\":\"entity\","
                                 "\"scope_id\":\"COMPONENT:DEFAULT/%s\"}", person, upper);
    struct resp r;
    CU_ASSERT_EQUAL(as(&admin, "POST", "/api/v1/iam/bindings", body, &r), 201);
    json_object *o = json_tokener_parse(r.body ? r.body : "");
    char want[128];
    snprintf(want, sizeof(want), "component:default/%s", name);
    CU_ASSERT_TRUE(str_is(jstr(o, "scope_id"), want));
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_TRUE(status_is(status_of(&reader, "GET", path, NULL), 200, "the entity its binding names, spelt otherwise"));
    /* a scope that is no ref is refused, not kept to match nothing */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"viewer\",\"scope_type\":\"entity\","
                                 "\"scope_id\":\"%s\"}", person, name);
    CU_ASSERT_EQUAL(as(&admin, "POST", "/api/v1/iam/bindings", body, &r), 422);
    o = assert_problem(&r, 422, "validation");
    CU_ASSERT_TRUE(str_is(jstr(jpath(o, "errors/0"), "field"), "scope_id"));
    json_object_put(o);
    resp_free(&r);
}

void suite_catalog_safety(void)
{
    if (!suite_wanted("catalog safety"))
        return;
    CU_pSuite s = CU_add_suite("catalog safety", safety_init, NULL);
    CU_add_test(s, "locations are their teams' to read: list, one, sync and delete", test_locations_their_teams);
    CU_add_test(s, "location URLs carry no credentials; logs and messages show none", test_location_urls_carry_no_credentials);
    CU_add_test(s, "a location's 422 names no roots and tells no file's existence", test_location_roots_untold);
    CU_add_test(s, "If-Match: a hidden entity is answered as a missing one", test_conditional_writes_hidden_as_missing);
    CU_add_test(s, "relations, graph and report: a hidden target looks like a missing one", test_relations_hidden_as_missing);
    CU_add_test(s, "a name past 63 characters is a 400, never the entity it starts with", test_names_past_their_bound);
    CU_add_test(s, "one spelling of an id and of an entity ref", test_one_spelling_of_ids_and_refs);
}
