/*
 * What the portal's Home and header read: the activity on a person's things (GET
 * /api/v1/audit/activity) — what appears, what never appears of another team's things, what a
 * permission leaves out, and its pages; the bell's inbox (marking every notice read, up to the
 * newest one seen) and who is told of a request waiting for approval (not its requester); the
 * search's text filters on resources and secrets' paths, within what the caller may read.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

static char team_a[64], team_b[64], tmpl[64];
static char acookie[256], acsrf[128];          /* admin */
static char dcookie[256], dcsrf[128];          /* developer of team A, a member */
static char bcookie[256], bcsrf[128];          /* developer of team B, a member */
static char lcookie[256], lcsrf[128];          /* maintainer of team A, a member */
static char mcookie[256], mcsrf[128];          /* maintainer bound on team A, not a member */
static char dev_a[80];

static long as_admin(const char *method, const char *path, const char *body, struct resp *r)
{
    return post_session(acookie, acsrf, method, path, body, r);
}

/* A noop template of team A: dev takes requests at once, prod waits for a maintainer. */
static const char home_template[] =
    "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\">"
    "<title>Home %s</title><description>Says hello.</description><owner team=\"%s\"/>"
    "<parameters><parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z][a-z0-9-]{1,30}\"/></parameters>"
    "<policy><environments><environment>dev</environment><environment>prod</environment></environments>"
    "<approvals environment=\"prod\" count=\"1\" role=\"maintainer\"/><ttl default-days=\"7\" max-days=\"30\"/></policy>"
    "<steps><step name=\"hello\" driver=\"noop\"><arg name=\"message\">hello {{name}}</arg></step></steps>"
    "<deprovision><step name=\"bye\" driver=\"noop\"><arg name=\"message\">bye</arg></step></deprovision>"
    "</template>";

static int home_init(void)
{
    struct resp r;
    char body[2048], name[80];
    snprintf(team_a, sizeof(team_a), "homea%d", (int)getpid());
    snprintf(team_b, sizeof(team_b), "homeb%d", (int)getpid());
    snprintf(tmpl, sizeof(tmpl), "home-%d", (int)getpid());
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? team_b : team_a);
        if (as_admin("POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    snprintf(dev_a, sizeof(dev_a), "%s-dev", team_a);
    if (person_make(dev_a, "developer", team_a, true, dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf), NULL) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s-dev", team_b);
    if (person_make(name, "developer", team_b, true, bcookie, sizeof(bcookie), bcsrf, sizeof(bcsrf), NULL) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s-lead", team_a);
    if (person_make(name, "maintainer", team_a, true, lcookie, sizeof(lcookie), lcsrf, sizeof(lcsrf), NULL) < 0)
        return -1;
    snprintf(name, sizeof(name), "%s-bound", team_a);
    if (person_make(name, "maintainer", team_a, false, mcookie, sizeof(mcookie), mcsrf, sizeof(mcsrf), NULL) < 0)
        return -1;
    /* the template, of team A (B's developer may request it for B: the template's team is not the owner's) */
    char xml[2048], hc[300], hx[200], path[256];
    snprintf(xml, sizeof(xml), home_template, tmpl, tmpl, team_a);
    snprintf(hc, sizeof(hc), "Cookie: %s", acookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", acsrf);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", "/api/v1/templates", "application/xml", xml, -1, h, &r) < 0 || r.status != 201)
        return -1;
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", tmpl);
    long st = as_admin("POST", path, NULL, &r);
    resp_free(&r);
    return st == 200 ? 0 : -1;
}

/* ---- helpers ---------------------------------------------------------------------------------- */

/* An entity of team t, written by the admin: its ref into ref. */
static void entity_of(const char *t, const char *name, char *ref, size_t len)
{
    char body[512], path[256];
    struct resp r;
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}",
             name, t);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    CU_ASSERT_EQUAL(as_admin("PUT", path, body, &r), 201);
    resp_free(&r);
    snprintf(ref, len, "component:default/%s", name);
}

static void secret_at(const char *path)
{
    char url[512];
    struct resp r;
    snprintf(url, sizeof(url), "/api/v1/secrets/data/%s", path);
    CU_ASSERT_EQUAL(as_admin("PUT", url, "{\"value\":\"home\"}", &r), 201);
    resp_free(&r);
}

/* A request of the template as the user of cookie; its id, and its resource's in *resource (0: none). */
static long long request_as(const char *cookie, const char *csrf, const char *t, const char *env, const char *name,
                            long long *resource)
{
    char body[512];
    struct resp r;
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"%s\",\"team\":\"%s\",\"parameters\":{\"name\":\"%s\"}}",
             tmpl, env, t, name);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/provision/requests", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    long long id = jint(o, "id");
    if (resource)
        *resource = json_object_object_get(o, "resource_id") ? jint(o, "resource_id") : 0;
    json_object_put(o);
    resp_free(&r);
    return id;
}

/* The activity of the user of cookie, one page of up to 100: parsed (the caller puts it). */
static json_object *activity(const char *cookie)
{
    long st;
    json_object *o = get_json(cookie, "/api/v1/audit/activity?limit=100", &st);
    CU_ASSERT_EQUAL_FATAL(st, 200);
    return o;
}

/* Does the page hold an event of target (type, id), of the action when not NULL? */
static bool has_event(json_object *page, const char *type, const char *id, const char *action)
{
    json_object *events = json_object_object_get(page, "events");
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        const char *t = jstr(e, "target_type"), *tid = jstr(e, "target_id"), *act = jstr(e, "action");
        if (t && tid && strcmp(t, type) == 0 && strcmp(tid, id) == 0 && (!action || (act && strcmp(act, action) == 0)))
            return true;
    }
    return false;
}

static size_t count_events(json_object *page)
{
    return json_object_array_length(json_object_object_get(page, "events"));
}

/* ---- the activity on my things ------------------------------------------------------------------ */

static char ent_a[128], ent_b[128], sec_a[160], sec_b[160], sec_ea[256];
static long long req_a, res_a, req_b, res_b;

static void test_activity_shows_my_things(void)
{
    char name[80], id[32];
    struct resp r;
    snprintf(name, sizeof(name), "%s-svc", team_a);
    entity_of(team_a, name, ent_a, sizeof(ent_a));
    snprintf(name, sizeof(name), "%s-svc", team_b);
    entity_of(team_b, name, ent_b, sizeof(ent_b));
    snprintf(sec_a, sizeof(sec_a), "team/%s/dev/db-password", team_a);
    snprintf(sec_b, sizeof(sec_b), "team/%s/dev/db-password", team_b);
    snprintf(sec_ea, sizeof(sec_ea), "entity/component/default/%s-svc/api-key", team_a);
    secret_at(sec_a);
    secret_at(sec_b);
    secret_at(sec_ea);
    req_a = request_as(dcookie, dcsrf, team_a, "dev", "alpha", &res_a);
    req_b = request_as(bcookie, bcsrf, team_b, "dev", "beta", &res_b);
    CU_ASSERT_TRUE_FATAL(res_a > 0 && res_b > 0);
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld/renew", res_a);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld/renew", res_b);
    CU_ASSERT_EQUAL(post_session(bcookie, bcsrf, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* A's developer: every kind of thing of team A, whoever did it */
    json_object *o = activity(dcookie);
    CU_ASSERT_TRUE(has_event(o, "entity", ent_a, "catalog.entity.create"));
    CU_ASSERT_TRUE(has_event(o, "secret", sec_a, "secrets.write"));
    CU_ASSERT_TRUE(has_event(o, "secret", sec_ea, "secrets.write"));
    snprintf(id, sizeof(id), "%lld", req_a);
    CU_ASSERT_TRUE(has_event(o, "provision_request", id, "provision.request.create"));
    snprintf(id, sizeof(id), "%lld", res_a);
    CU_ASSERT_TRUE(has_event(o, "resource", id, "provision.resource.renew"));
    char target[128];
    snprintf(target, sizeof(target), "%s@1.0.0", tmpl);
    CU_ASSERT_TRUE(has_event(o, "template", target, "templates.publish"));
    /* never a thing of team B, and never where a request came from or with what */
    CU_ASSERT_FALSE(has_event(o, "entity", ent_b, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_b, NULL));
    snprintf(id, sizeof(id), "%lld", req_b);
    CU_ASSERT_FALSE(has_event(o, "provision_request", id, NULL));
    snprintf(id, sizeof(id), "%lld", res_b);
    CU_ASSERT_FALSE(has_event(o, "resource", id, NULL));
    json_object *events = json_object_object_get(o, "events");
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        const char *team = jstr(e, "team"), *tid = jstr(e, "target_id");
        CU_ASSERT_TRUE(team && strcmp(team, team_a) == 0);
        CU_ASSERT_TRUE(tid && !strstr(tid, team_b));
        CU_ASSERT_FALSE(json_object_object_get_ex(e, "remote_addr", NULL));
        CU_ASSERT_FALSE(json_object_object_get_ex(e, "user_agent", NULL));
        CU_ASSERT_PTR_NOT_NULL(jstr(e, "time"));
        CU_ASSERT_PTR_NOT_NULL(jstr(e, "actor_name"));
    }
    json_object_put(o);

    /* B's developer: B's things and not A's (nor A's template: B only requested it) */
    o = activity(bcookie);
    CU_ASSERT_TRUE(has_event(o, "entity", ent_b, NULL));
    CU_ASSERT_TRUE(has_event(o, "secret", sec_b, NULL));
    snprintf(id, sizeof(id), "%lld", res_b);
    CU_ASSERT_TRUE(has_event(o, "resource", id, "provision.resource.renew"));
    CU_ASSERT_FALSE(has_event(o, "entity", ent_a, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_a, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_ea, NULL));
    CU_ASSERT_FALSE(has_event(o, "template", target, NULL));
    json_object_put(o);

    /* anonymous: 401 */
    CU_ASSERT_EQUAL(get_as(NULL, "/api/v1/audit/activity", &r), 401);
    resp_free(&r);
}

static void test_activity_honours_permissions(void)
{
    char name[80], cookie[256], csrf[128], id[32];
    struct resp r;
    /* a role that reads the catalog and nothing else: a member of A holding it sees A's entities' events only */
    char body[512];
    snprintf(body, sizeof(body), "{\"name\":\"%s-catalog\",\"description\":\"catalog only\",\"permissions\":"
                                 "[\"catalog.entity.read\"]}", team_a);
    CU_ASSERT_EQUAL(as_admin("POST", "/api/v1/iam/roles", body, &r), 201);
    resp_free(&r);
    snprintf(name, sizeof(name), "%s-reader", team_a);
    char role[80];
    snprintf(role, sizeof(role), "%s-catalog", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(name, role, team_a, true, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 0);
    json_object *o = activity(cookie);
    CU_ASSERT_TRUE(has_event(o, "entity", ent_a, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_a, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_ea, NULL));
    snprintf(id, sizeof(id), "%lld", req_a);
    CU_ASSERT_FALSE(has_event(o, "provision_request", id, NULL));
    snprintf(id, sizeof(id), "%lld", res_a);
    CU_ASSERT_FALSE(has_event(o, "resource", id, NULL));
    json_object_put(o);

    /* bound on A but in no team: A's things are not theirs; what they requested is */
    snprintf(name, sizeof(name), "%s-guest", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(name, "developer", team_a, false, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 0);
    long long mine_res, mine = request_as(cookie, csrf, team_a, "dev", "gamma", &mine_res);
    o = activity(cookie);
    snprintf(id, sizeof(id), "%lld", mine);
    CU_ASSERT_TRUE(has_event(o, "provision_request", id, "provision.request.create"));
    CU_ASSERT_FALSE(has_event(o, "entity", ent_a, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_a, NULL));
    snprintf(id, sizeof(id), "%lld", req_a);
    CU_ASSERT_FALSE(has_event(o, "provision_request", id, NULL));
    json_object_put(o);

    /* a new member of nothing: nothing */
    snprintf(name, sizeof(name), "%s-new", team_a);
    CU_ASSERT_EQUAL_FATAL(person_make(name, NULL, NULL, false, cookie, sizeof(cookie), csrf, sizeof(csrf), NULL), 0);
    o = activity(cookie);
    CU_ASSERT_EQUAL(count_events(o), 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "next_cursor", NULL) && !json_object_object_get(o, "next_cursor"));
    json_object_put(o);

    /* a token of A's developer kept to one secret path sees that path's events, and no other secret's */
    char tbody[512], tok[128];
    snprintf(tbody, sizeof(tbody), "{\"name\":\"home\",\"scopes\":[\"secrets.secret.read\",\"catalog.entity.read\"],"
                                   "\"expires_in_days\":1,\"secret_paths\":[\"team/%s/dev\"]}", team_a);
    CU_ASSERT_EQUAL_FATAL(post_session(dcookie, dcsrf, "POST", "/api/v1/auth/tokens", tbody, &r), 201);
    json_object *t = json_tokener_parse(r.body);
    snprintf(tok, sizeof(tok), "%s", jstr(t, "token") ? jstr(t, "token") : "");
    json_object_put(t);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_bearer(tok, "/api/v1/audit/activity?limit=100", &r), 200);
    o = json_tokener_parse(r.body);
    resp_free(&r);
    CU_ASSERT_TRUE(has_event(o, "secret", sec_a, NULL));
    CU_ASSERT_FALSE(has_event(o, "secret", sec_ea, NULL));
    CU_ASSERT_TRUE(has_event(o, "entity", ent_a, NULL));
    /* its scopes leave provisioning out */
    snprintf(id, sizeof(id), "%lld", req_a);
    CU_ASSERT_FALSE(has_event(o, "provision_request", id, NULL));
    json_object_put(o);
}

static void test_activity_pages(void)
{
    /* one event a page to the end: newest first, each once, the same as one long page */
    json_object *all = activity(dcookie);
    size_t total = count_events(all);
    CU_ASSERT_TRUE_FATAL(total >= 6);
    char url[512], cursor[256] = "";
    long long last = 0;
    size_t n = 0;
    for (int page = 0; page < 200; page++) {
        snprintf(url, sizeof(url), "/api/v1/audit/activity?limit=1%s%s", cursor[0] ? "&cursor=" : "", cursor);
        long st;
        json_object *o = get_json(dcookie, url, &st), *next = NULL;
        CU_ASSERT_EQUAL_FATAL(st, 200);
        json_object *events = json_object_object_get(o, "events");
        CU_ASSERT_TRUE(json_object_array_length(events) <= 1);
        if (json_object_array_length(events) == 1) {
            json_object *e = json_object_array_get_idx(events, 0);
            long long id = jint(e, "id");
            CU_ASSERT_TRUE(last == 0 || id < last);
            json_object *same = json_object_array_get_idx(json_object_object_get(all, "events"), n);
            CU_ASSERT_TRUE(same && jint(same, "id") == id);
            last = id;
            n++;
        }
        CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "next_cursor", &next));
        if (!next) {
            json_object_put(o);
            break;
        }
        CU_ASSERT_TRUE(strcmp(json_object_get_string(next), "1") != 0);
        snprintf(cursor, sizeof(cursor), "%s", json_object_get_string(next));
        json_object_put(o);
    }
    CU_ASSERT_EQUAL(n, total);
    json_object_put(all);
    /* the kit's contract: a bad limit or a cursor of another list is a field error */
    static const char *const bad[] = { "limit=5abc", "limit=0", "limit=101", "cursor=42", "cursor=dXNlcnM6MQ" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct resp r;
        snprintf(url, sizeof(url), "/api/v1/audit/activity?%s", bad[i]);
        CU_ASSERT_EQUAL(get_as(dcookie, url, &r), 422);
        json_object *p = json_tokener_parse(r.body), *errs = NULL;
        CU_ASSERT_TRUE(p && json_object_object_get_ex(p, "errors", &errs) && json_object_array_length(errs) == 1);
        const char *field = errs ? jstr(json_object_array_get_idx(errs, 0), "field") : NULL;
        CU_ASSERT_TRUE(field && strncmp(field, bad[i], strlen(field)) == 0);
        json_object_put(p);
        resp_free(&r);
    }
}

/* ---- the inbox: who is told, marking every notice read -------------------------------------------- */

/* The unread notices of the user of cookie (up to 200): parsed. */
static json_object *unread(const char *cookie)
{
    long st;
    json_object *o = get_json(cookie, "/api/v1/provision/notifications?unread=true&limit=200", &st);
    CU_ASSERT_EQUAL_FATAL(st, 200);
    return o;
}

/* Does the inbox page hold a notice linking to request id? */
static bool told_of(json_object *page, long long id)
{
    char link[64];
    snprintf(link, sizeof(link), "/resources/requests/%lld", id);
    json_object *list = json_object_object_get(page, "notifications");
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        const char *l = jstr(json_object_array_get_idx(list, i), "link");
        if (l && strcmp(l, link) == 0)
            return true;
    }
    return false;
}

static void test_requester_not_told_own_request_waits(void)
{
    /* the lead asks for prod, which waits for a maintainer: the team's developer and the maintainer
     * bound on the team are told; the lead, who asked and may not decide, is not */
    long long id = request_as(lcookie, lcsrf, team_a, "prod", "delta", NULL);
    json_object *o = unread(lcookie);
    CU_ASSERT_FALSE(told_of(o, id));
    json_object_put(o);
    o = unread(dcookie);
    CU_ASSERT_TRUE(told_of(o, id));
    json_object_put(o);
    o = unread(mcookie);
    CU_ASSERT_TRUE(told_of(o, id));
    json_object_put(o);
    /* the lead is told when someone else decides on it */
    char path[128];
    struct resp r;
    snprintf(path, sizeof(path), "/api/v1/provision/requests/%lld/reject", id);
    CU_ASSERT_EQUAL(post_session(mcookie, mcsrf, "POST", path, "{\"comment\":\"not now\"}", &r), 200);
    resp_free(&r);
    o = unread(lcookie);
    CU_ASSERT_TRUE(told_of(o, id));
    json_object_put(o);
}

static void test_read_all(void)
{
    /* three requests of the lead waiting: three notices for A's developer */
    long long ids[3];
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "wait%d", i);
        ids[i] = request_as(lcookie, lcsrf, team_a, "prod", name, NULL);
    }
    json_object *o = unread(dcookie);
    long long before = jint(o, "unread");
    CU_ASSERT_TRUE_FATAL(before >= 3);
    /* the newest notice is the third request's; the one before it the second's */
    json_object *list = json_object_object_get(o, "notifications");
    long long newest = jint(json_object_array_get_idx(list, 0), "id"), second = jint(json_object_array_get_idx(list, 1), "id");
    CU_ASSERT_TRUE(told_of(o, ids[2]));
    json_object_put(o);
    o = unread(mcookie);
    long long others = jint(o, "unread");
    json_object_put(o);

    /* up to the second newest: all but the newest are read */
    struct resp r;
    char body[64];
    snprintf(body, sizeof(body), "{\"up_to\":%lld}", second);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", "/api/v1/provision/notifications/read-all", body, &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "read"), before - 1);
    CU_ASSERT_EQUAL(jint(o, "unread"), 1);
    json_object_put(o);
    resp_free(&r);
    o = unread(dcookie);
    list = json_object_object_get(o, "notifications");
    CU_ASSERT_EQUAL(json_object_array_length(list), 1);
    CU_ASSERT_EQUAL(jint(json_object_array_get_idx(list, 0), "id"), newest);
    json_object_put(o);
    /* no body: every one; again: nothing more to mark */
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", "/api/v1/provision/notifications/read-all", NULL, &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "read"), 1);
    CU_ASSERT_EQUAL(jint(o, "unread"), 0);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", "/api/v1/provision/notifications/read-all", "{}", &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "read"), 0);
    json_object_put(o);
    resp_free(&r);
    /* read, they are still in the inbox; someone else's are untouched */
    long st;
    o = get_json(dcookie, "/api/v1/provision/notifications?limit=200", &st);
    CU_ASSERT_TRUE(told_of(o, ids[0]) && told_of(o, ids[2]));
    json_object_put(o);
    o = unread(mcookie);
    CU_ASSERT_EQUAL(jint(o, "unread"), others);
    json_object_put(o);
    /* a bad body, a token, nobody */
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", "/api/v1/provision/notifications/read-all", "{\"up_to\":0}", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", "/api/v1/provision/notifications/read-all", "{\"all\":true}", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", "/api/v1/provision/notifications/read-all", "[]", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(request("POST", "/api/v1/provision/notifications/read-all", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
}

/* ---- the search's filters ------------------------------------------------------------------------ */

/* Does GET path as cookie (200) list a row whose member key is want? */
static bool lists(const char *cookie, const char *path, const char *member, const char *key, const char *want)
{
    long st;
    json_object *o = get_json(cookie, path, &st), *rows = NULL;
    CU_ASSERT_EQUAL(st, 200);
    if (st != 200)
        fprintf(stderr, "\n    %s: %ld\n", path, st);
    bool found = false;
    if (o && json_object_object_get_ex(o, member, &rows))
        for (size_t i = 0; i < json_object_array_length(rows); i++) {
            json_object *v = json_object_object_get(json_object_array_get_idx(rows, i), key);
            found = found || (v && strcmp(json_object_get_string(v), want) == 0);
        }
    json_object_put(o);
    return found;
}

static void test_resources_q(void)
{
    char path[512], a[32], b[32], uid[32];
    snprintf(a, sizeof(a), "%lld", res_a);
    snprintf(b, sizeof(b), "%lld", res_b);
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res_a);
    json_object *o = get_json(dcookie, path, &(long){ 0 });
    snprintf(uid, sizeof(uid), "%.6s", jstr(o, "uid") ? jstr(o, "uid") + 4 : "");
    json_object_put(o);
    /* a parameter's value, whatever its case; the template's name; part of the uid */
    CU_ASSERT_TRUE(lists(dcookie, "/api/v1/provision/resources?q=alpha", "resources", "id", a));
    CU_ASSERT_TRUE(lists(dcookie, "/api/v1/provision/resources?q=LPH", "resources", "id", a));
    snprintf(path, sizeof(path), "/api/v1/provision/resources?q=%s", tmpl);
    CU_ASSERT_TRUE(lists(dcookie, path, "resources", "id", a));
    snprintf(path, sizeof(path), "/api/v1/provision/resources?q=%s", uid);
    CU_ASSERT_TRUE(lists(dcookie, path, "resources", "id", a));
    /* not a parameter's name, not what is not there, and a wildcard is a character */
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/provision/resources?q=name", "resources", "id", a));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/provision/resources?q=beta", "resources", "id", a));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/provision/resources?q=%25", "resources", "id", a));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/provision/resources?q=_", "resources", "id", a));
    /* another team's resource matches the same template's name: not for A's developer; for the admin */
    CU_ASSERT_FALSE(lists(dcookie, path, "resources", "id", b));
    snprintf(path, sizeof(path), "/api/v1/provision/resources?q=%s", tmpl);
    CU_ASSERT_FALSE(lists(dcookie, path, "resources", "id", b));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/provision/resources?q=beta", "resources", "id", b));
    CU_ASSERT_TRUE(lists(acookie, "/api/v1/provision/resources?q=beta", "resources", "id", b));
    CU_ASSERT_TRUE(lists(bcookie, "/api/v1/provision/resources?q=beta", "resources", "id", b));
    /* with the other filters, and paged by the kit's contract */
    CU_ASSERT_TRUE(lists(dcookie, "/api/v1/provision/resources?q=alpha&state=provisioning&mine=true", "resources", "id", a)
                   || lists(dcookie, "/api/v1/provision/resources?q=alpha&state=ready&mine=true", "resources", "id", a));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/provision/resources?q=alpha&state=deprovisioned", "resources", "id", a));
    snprintf(path, sizeof(path), "/api/v1/provision/resources?q=%s&limit=1", tmpl);
    long st;
    o = get_json(acookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    const char *next = jstr(o, "next_cursor");
    CU_ASSERT_PTR_NOT_NULL(next);   /* A's two, B's one: more than one page */
    char again[768];
    snprintf(again, sizeof(again), "%s&cursor=%s", path, next ? next : "");
    json_object *second = get_json(acookie, again, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *r1 = json_object_array_get_idx(json_object_object_get(o, "resources"), 0);
    json_object *r2 = json_object_array_get_idx(json_object_object_get(second, "resources"), 0);
    CU_ASSERT_TRUE(r1 && r2 && jint(r2, "id") < jint(r1, "id"));
    json_object_put(second);
    json_object_put(o);
    /* bounds */
    struct resp r;
    char longq[160];
    memset(longq, 'x', 101);
    longq[101] = '\0';
    snprintf(path, sizeof(path), "/api/v1/provision/resources?q=%s", longq);
    CU_ASSERT_EQUAL(get_as(dcookie, path, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(dcookie, "/api/v1/provision/resources?q=", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(dcookie, "/api/v1/provision/resources?q=caf%C3%A9", &r), 200);   /* any text: no error */
    resp_free(&r);
}

static void test_secrets_q(void)
{
    /* part of a path, anywhere, whatever its case; only what the caller may read */
    CU_ASSERT_TRUE(lists(dcookie, "/api/v1/secrets/metadata?q=db-pass", "items", "path", sec_a));
    CU_ASSERT_TRUE(lists(dcookie, "/api/v1/secrets/metadata?q=DB-PASS", "items", "path", sec_a));
    CU_ASSERT_TRUE(lists(dcookie, "/api/v1/secrets/metadata?q=api-key", "items", "path", sec_ea));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/secrets/metadata?q=db-pass", "items", "path", sec_b));
    CU_ASSERT_TRUE(lists(bcookie, "/api/v1/secrets/metadata?q=db-pass", "items", "path", sec_b));
    CU_ASSERT_FALSE(lists(dcookie, "/api/v1/secrets/metadata?q=db_pass", "items", "path", sec_a));   /* '_' is itself */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?q=db-pass&prefix=team/%s/", team_b);
    CU_ASSERT_FALSE(lists(acookie, path, "items", "path", sec_a));
    CU_ASSERT_TRUE(lists(acookie, path, "items", "path", sec_b));
    struct resp r;
    CU_ASSERT_EQUAL(get_as(dcookie, "/api/v1/secrets/metadata?q=caf%C3%A9", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(dcookie, "/api/v1/secrets/metadata?q=", &r), 422);
    resp_free(&r);
}

void suite_home(void)
{
    if (!suite_wanted("home"))
        return;
    CU_pSuite s = CU_add_suite("home", home_init, NULL);
    CU_add_test(s, "activity: every kind of my teams' things, never another team's", test_activity_shows_my_things);
    CU_add_test(s, "activity: only the kinds I may read; what I requested; nothing for a new member; a token's paths",
                test_activity_honours_permissions);
    CU_add_test(s, "activity: pages to the end by the kit's contract", test_activity_pages);
    CU_add_test(s, "a requester is not told their own request waits for approval; the others are",
                test_requester_not_told_own_request_waits);
    CU_add_test(s, "read-all: every unread notice up to the newest seen, mine only", test_read_all);
    CU_add_test(s, "resources: q finds a parameter's value, the template, the uid; only readable ones", test_resources_q);
    CU_add_test(s, "secrets: q finds part of a path, only readable ones", test_secrets_q);
}
