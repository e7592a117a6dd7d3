/*
 * Request owners by entity ref (issue 13, point 5): a request names its owning entity in every
 * form the catalog accepts ("[kind:][namespace/]name": a Component by default, in the namespace
 * default, the kind's case as one likes), and the full ref is what is stored; a ref the catalog
 * would refuse is a field error on entity, as is a ref to no entity. The resources list filters by
 * a ref read the same way. And the runner's opening of a secret a request names is audited under
 * the requester (issue 14, finding 4).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

static char team[64], tmpl[64], entity[64], full[160];
static char acookie[256], acsrf[128];
static char dcookie[256], dcsrf[128];   /* a developer of team */

/* (The suite's init: no assertions here, a failure is the init's.) */
static int refs_init(void)
{
    struct resp r;
    char body[2048], user[96], path[256], hc[300], hx[200];
    snprintf(team, sizeof(team), "refs%d", (int)getpid());
    snprintf(tmpl, sizeof(tmpl), "refs%d", (int)getpid());
    snprintf(entity, sizeof(entity), "ledger-worker-%d", (int)getpid());
    snprintf(full, sizeof(full), "component:default/%s", entity);
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", team);
    if (post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r) != 201)
        return -1;
    resp_free(&r);
    snprintf(user, sizeof(user), "%s-dev", team);
    if (person_make(user, "developer", team, true, dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf), NULL) < 0)
        return -1;
    /* the entity, owned by the team (a bare owner is a Group, the team's) */
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"%s\"},"
                                 "\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}", entity, team);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", entity);
    long st = session_req(acookie, acsrf, "PUT", path, body, NULL, &r);
    resp_free(&r);
    if (st != 201)
        return -1;
    snprintf(body, sizeof(body),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>For an entity</title>"
             "<owner team=\"%s\"/><steps><step name=\"s\" driver=\"noop\"/></steps></template>", tmpl, team);
    snprintf(hc, sizeof(hc), "Cookie: %s", acookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", acsrf);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", "/api/v1/templates", "application/xml", body, -1, h, &r) < 0 || r.status != 201) {
        resp_free(&r);
        return -1;
    }
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", tmpl);
    st = post_session(acookie, acsrf, "POST", path, NULL, &r);
    resp_free(&r);
    return st == 200 ? 0 : -1;
}

/* A request for entity ref as the developer: the status, the answer parsed into *out. */
static long request_for(const char *ref, json_object **out)
{
    char body[512];
    struct resp r;
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"entity\":\"%s\"}", tmpl, ref);
    long st = post_session(dcookie, dcsrf, "POST", "/api/v1/provision/requests", body, &r);
    *out = json_tokener_parse(r.body ? r.body : "");
    if (st != 201 && st != 422)
        fprintf(stderr, "\n    request for %s: %ld %s\n", ref, st, r.body);
    resp_free(&r);
    return st;
}

static void test_every_ref_form(void)
{
    char forms[6][160], path[256];
    snprintf(forms[0], sizeof(forms[0]), "component:%s", entity);
    snprintf(forms[1], sizeof(forms[1]), "%s", entity);
    snprintf(forms[2], sizeof(forms[2]), "default/%s", entity);
    snprintf(forms[3], sizeof(forms[3]), "Component:default/%s", entity);
    snprintf(forms[4], sizeof(forms[4]), "%s", full);
    snprintf(forms[5], sizeof(forms[5]), "COMPONENT:Default/%s", entity);   /* refs compare without case */
    for (int i = 0; i < 6; i++) {
        json_object *o;
        CU_ASSERT_EQUAL_FATAL(request_for(forms[i], &o), 201);
        long long id = jint(o, "id"), res = jint(o, "resource_id");
        json_object_put(o);
        long st;
        snprintf(path, sizeof(path), "/api/v1/provision/requests/%lld", id);
        o = get_json(dcookie, path, &st);
        CU_ASSERT_EQUAL(st, 200);
        CU_ASSERT_STRING_EQUAL(jstr(o, "entity") ? jstr(o, "entity") : "", full);   /* stored as the full ref */
        json_object_put(o);
        snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
        o = get_json(dcookie, path, &st);
        CU_ASSERT_EQUAL(st, 200);
        CU_ASSERT_STRING_EQUAL(jstr(o, "entity") ? jstr(o, "entity") : "", full);
        CU_ASSERT_STRING_EQUAL(jstr(o, "team") ? jstr(o, "team") : "", team);   /* its owner's team owns it */
        json_object_put(o);
    }
}

static void test_refs_refused_as_the_catalog_would(void)
{
    char ref[200];
    json_object *o;
    struct { const char *before, *after, *words; } bad[] = {
        { "widget:", "", "kind" },                    /* a kind the catalog does not know */
        { "component:de_fault/", "", "namespace" },   /* a namespace is letters and digits joined by '-' */
        { "component:default/", "--x", "name" },      /* separators are single */
        { "component:", "-none", "no catalog entity component:default/" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(ref, sizeof(ref), "%s%s%s", bad[i].before, entity, bad[i].after);
        CU_ASSERT_EQUAL(request_for(ref, &o), 422);
        json_object *errs = json_object_object_get(o, "errors"), *e = errs ? json_object_array_get_idx(errs, 0) : NULL;
        CU_ASSERT_STRING_EQUAL(jstr(e, "field") ? jstr(e, "field") : "", "entity");
        CU_ASSERT_PTR_NOT_NULL(jstr(e, "message") ? strstr(jstr(e, "message"), bad[i].words) : NULL);
        if (!jstr(e, "message") || !strstr(jstr(e, "message"), bad[i].words))
            fprintf(stderr, "\n    %s: %s\n", ref, json_object_to_json_string(o));
        json_object_put(o);
    }
}

static void test_list_filter_reads_refs_too(void)
{
    char path[256];
    long st;
    snprintf(path, sizeof(path), "/api/v1/provision/resources?entity=component:%s&limit=50", entity);
    json_object *o = get_json(dcookie, path, &st), *list = json_object_object_get(o, "resources");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL(list ? json_object_array_length(list) : 0, 6);
    json_object_put(o);
    json_object_put(get_json(dcookie, "/api/v1/provision/resources?entity=widget:x", &st));
    CU_ASSERT_EQUAL(st, 422);
}

/* Issue 14, finding 4: the runner opens a secret a request names for its requester, and says so
 * in the audit log: secrets.reveal of the path, the requester as the actor, via the runner and
 * the job. (A token without secrets.reveal cannot name one at all: kit.c.) */
static void test_runner_reveal_audited(void)
{
    char mcookie[256], mcsrf[128], user[96], xml[4096], name[64], secret[160], path[512], body[512], out[8192];
    struct resp r;
    long long uid;
    snprintf(user, sizeof(user), "%s-mnt", team);
    CU_ASSERT_EQUAL_FATAL(person_make(user, "maintainer", team, true, mcookie, sizeof(mcookie), mcsrf, sizeof(mcsrf), &uid), 0);
    snprintf(secret, sizeof(secret), "team/%s/dev/ref-password", team);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/%s", secret);
    CU_ASSERT_EQUAL_FATAL(post_session(mcookie, mcsrf, "PUT", path, "{\"value\":\"refs-password\"}", &r), 201);
    resp_free(&r);
    snprintf(name, sizeof(name), "%s-exec", tmpl);
    snprintf(xml, sizeof(xml),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Is given a secret</title>"
             "<owner team=\"%s\"/><parameters><parameter name=\"credential\" type=\"secret-ref\" required=\"true\"/>"
             "</parameters><steps><step name=\"use\" driver=\"exec\"><program>%s/bin/say-secret</program><argv><item>"
             "refsword</item></argv></step></steps></template>", name, team, getenv("PORTICO_TEST_FIXTURES"));
    char hc[300], hx[200];
    snprintf(hc, sizeof(hc), "Cookie: %s", acookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", acsrf);
    const char *const h[] = { hc, hx, NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/templates", "application/xml", xml, -1, h, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.status, 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", name);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":"
                                 "{\"credential\":\"%s\"}}", name, team, secret);
    CU_ASSERT_EQUAL_FATAL(post_session(mcookie, mcsrf, "POST", "/api/v1/provision/requests", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    long long res = jint(o, "resource_id"), job = jint(o, "job_id");
    json_object_put(o);
    resp_free(&r);
    bool ready = false;
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    for (int i = 0; i < 20 && !ready; i++) {
        long st;
        runner_pass(out, sizeof(out));
        o = get_json(mcookie, path, &st);
        ready = jstr(o, "state") && strcmp(jstr(o, "state"), "ready") == 0;
        json_object_put(o);
        if (!ready)
            usleep(200 * 1000);
    }
    CU_ASSERT_TRUE_FATAL(ready);

    /* the log: one reveal of the path by the requester, through the runner's job */
    long st;
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=secrets.reveal&target=%s", secret);
    o = get_json(acookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *events = json_object_object_get(o, "events");
    size_t found = 0;
    for (size_t i = 0; events && i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i), *d = json_object_object_get(e, "details");
        char id[32];
        snprintf(id, sizeof(id), "%lld", uid);
        if (jstr(e, "actor_name") && strcmp(jstr(e, "actor_name"), user) == 0 && jstr(e, "actor_type") &&
            strcmp(jstr(e, "actor_type"), "user") == 0 && jstr(e, "actor_id") && strcmp(jstr(e, "actor_id"), id) == 0 &&
            jstr(e, "target_type") && strcmp(jstr(e, "target_type"), "secret") == 0 && jstr(e, "target_id") &&
            strcmp(jstr(e, "target_id"), secret) == 0 && jstr(e, "outcome") && strcmp(jstr(e, "outcome"), "success") == 0 &&
            jstr(d, "via") && strcmp(jstr(d, "via"), "runner") == 0 && jint(d, "job") == job && jint(d, "version") == 1)
            found++;
    }
    CU_ASSERT_EQUAL(found, 1);
    if (found != 1)
        fprintf(stderr, "\n    events: %s\n", json_object_to_json_string(o));
    json_object_put(o);
}

void suite_request_refs(void)
{
    if (!suite_wanted("request-refs"))
        return;
    CU_pSuite s = CU_add_suite("request-refs", refs_init, NULL);
    CU_add_test(s, "a request names its entity in every form the catalog accepts; the full ref is stored", test_every_ref_form);
    CU_add_test(s, "a ref the catalog would refuse, or of no entity, is a field error on entity",
                test_refs_refused_as_the_catalog_would);
    CU_add_test(s, "the resources list reads an entity ref the same way", test_list_filter_reads_refs_too);
    CU_add_test(s, "the runner's opening of a secret a request names is audited under the requester",
                test_runner_reveal_audited);
}
