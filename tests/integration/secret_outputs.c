/*
 * Secret outputs (issue 13): the requester of a resource reveals its secret outputs, as do the
 * maintainers of its team, and nobody else (a developer of the same team who did not request it
 * is refused in words, another team's people too, the requester is refused everything else of
 * the team); a token reveals as the requester only with provision.output.reveal. A secret a
 * resource manages says so in its metadata; a plain write or delete of it is 409 managed-secret
 * (audited) until the caller confirms it, and the runner's own writes (a step run again,
 * deprovisioning) go on as before.
 *
 * Environment: as tests/integration/provision.c (PORTICO_TEST_FIXTURES for the exec program).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

static char team[64], other[64], tmpl[64];
static char acookie[256], acsrf[128];   /* admin */
static char rcookie[256], rcsrf[128];   /* the requester: a developer of team */
static char dcookie[256], dcsrf[128];   /* another developer of team */
static char mcookie[256], mcsrf[128];   /* a maintainer of team */
static char ocookie[256], ocsrf[128];   /* a developer of the other team */
static char requester[64];
static long long res_a, res_b;          /* the requester's resource; the other developer's */
static char path_a[400], path_b[400], word_a[40];

/* The team, its people, and a published template whose exec step hands out a secret output
 * (tests/fixtures/bin/say-secret prints "::portico-secret token=<word>"). */
static int outputs_init(void)
{
    struct resp r;
    char body[4096], u[96], hc[300], hx[200], p[256];
    snprintf(team, sizeof(team), "sout%d", (int)getpid());
    snprintf(other, sizeof(other), "souto%d", (int)getpid());
    snprintf(tmpl, sizeof(tmpl), "sayout%d", (int)getpid());
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? other : team);
        if (post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    snprintf(requester, sizeof(requester), "%s-req", team);
    snprintf(u, sizeof(u), "%s-dev", team);
    if (person_make(requester, "developer", team, true, rcookie, sizeof(rcookie), rcsrf, sizeof(rcsrf), NULL) < 0 ||
        person_make(u, "developer", team, true, dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf), NULL) < 0)
        return -1;
    snprintf(u, sizeof(u), "%s-mnt", team);
    if (person_make(u, "maintainer", team, true, mcookie, sizeof(mcookie), mcsrf, sizeof(mcsrf), NULL) < 0)
        return -1;
    snprintf(u, sizeof(u), "%s-dev", other);
    if (person_make(u, "developer", other, true, ocookie, sizeof(ocookie), ocsrf, sizeof(ocsrf), NULL) < 0)
        return -1;
    snprintf(body, sizeof(body),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Hands out a token</title>"
             "<owner team=\"%s\"/><parameters><parameter name=\"word\" type=\"string\" required=\"true\" "
             "pattern=\"[a-z0-9]{8,32}\"/></parameters>"
             "<steps><step name=\"say\" driver=\"exec\"><program>%s/bin/say-secret</program>"
             "<argv><item>{{word}}</item></argv></step></steps>"
             "<outputs><output name=\"token\" from=\"say.token\" secret=\"true\"/></outputs>"
             "<deprovision><step name=\"none\" driver=\"noop\"/></deprovision></template>",
             tmpl, team, getenv("PORTICO_TEST_FIXTURES"));
    snprintf(hc, sizeof(hc), "Cookie: %s", acookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", acsrf);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", "/api/v1/templates", "application/xml", body, -1, h, &r) < 0 || r.status != 201) {
        fprintf(stderr, "\n    template: %ld %s\n", r.status, r.body);
        resp_free(&r);
        return -1;
    }
    resp_free(&r);
    snprintf(p, sizeof(p), "/api/v1/templates/%s/versions/1.0.0/publish", tmpl);
    long st = post_session(acookie, acsrf, "POST", p, NULL, &r);
    resp_free(&r);
    return st == 200 ? 0 : -1;
}

/* ---- helpers ---------------------------------------------------------------------------------- */

/* GET path as cookie, parsed (asserting 200). */
static json_object *get_ok(const char *cookie, const char *path)
{
    long st;
    json_object *o = get_json(cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    if (st != 200)
        fprintf(stderr, "\n    GET %s: %ld %s\n", path, st, json_object_to_json_string(o));
    return o;
}

/* Runner passes until the resource is in state want (at most tries). */
static bool resource_becomes(long long id, const char *want, int tries)
{
    char p[128], out[8192];
    snprintf(p, sizeof(p), "/api/v1/provision/resources/%lld", id);
    for (int i = 0; i < tries; i++) {
        runner_pass(out, sizeof(out));
        long st;
        json_object *o = get_json(acookie, p, &st);
        bool done = o && jstr(o, "state") && strcmp(jstr(o, "state"), want) == 0;
        json_object_put(o);
        if (done)
            return true;
        usleep(200 * 1000);
    }
    return false;
}

/* Request the template as cookie with word; the new resource, provisioned; its output's path. */
static long long request_ready(const char *cookie, const char *csrf, const char *word, char *path, size_t len)
{
    char body[512], p[128];
    struct resp r;
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"word\":\"%s\"}}",
             tmpl, team, word);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/provision/requests", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    long long id = jint(o, "resource_id");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_TRUE_FATAL(id > 0);
    CU_ASSERT_TRUE_FATAL(resource_becomes(id, "ready", 20));
    snprintf(p, sizeof(p), "/api/v1/provision/resources/%lld", id);
    o = get_ok(cookie, p);
    json_object *token = json_object_object_get(json_object_object_get(o, "outputs"), "token");
    CU_ASSERT_PTR_NOT_NULL_FATAL(jstr(token, "secret"));
    snprintf(path, len, "%s", jstr(token, "secret"));
    json_object_put(o);
    return id;
}

/* POST reveal of path as cookie: the status, and the value (or the problem's detail) into out. */
static long reveal_as(const char *cookie, const char *csrf, const char *path, char *out, size_t len)
{
    char p[512];
    struct resp r;
    snprintf(p, sizeof(p), "/api/v1/secrets/reveal/%s", path);
    long st = post_session(cookie, csrf, "POST", p, NULL, &r);
    json_object *o = json_tokener_parse(r.body ? r.body : "");
    const char *v = st == 200 ? jstr(o, "value") : jstr(o, "detail");
    snprintf(out, len, "%s", v ? v : "");
    json_object_put(o);
    resp_free(&r);
    return st;
}

/* The reveal output of the resource's GET as cookie ("token": {secret, managed, reveal}). */
static json_object *token_output(const char *cookie, long long id)
{
    char p[128];
    snprintf(p, sizeof(p), "/api/v1/provision/resources/%lld", id);
    json_object *o = get_ok(cookie, p), *t = NULL;
    if (o)
        t = json_object_get(json_object_object_get(json_object_object_get(o, "outputs"), "token"));
    json_object_put(o);
    return t;
}

static bool jbool(json_object *o, const char *key)
{
    json_object *v;
    return o && json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* How many audit events of action on target with outcome (as the admin). */
static int audit_count(const char *action, const char *target, const char *outcome)
{
    char p[700];
    snprintf(p, sizeof(p), "/api/v1/audit/events?action=%s&target=%s&outcome=%s&limit=200", action, target, outcome);
    long st;
    json_object *o = get_json(acookie, p, &st), *events = NULL;
    CU_ASSERT_EQUAL(st, 200);
    int n = o && json_object_object_get_ex(o, "events", &events) ? (int)json_object_array_length(events) : -1;
    json_object_put(o);
    return n;
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_requester_reveals(void)
{
    char value[256];
    snprintf(word_a, sizeof(word_a), "w%dreq%ld", (int)getpid(), (long)time(NULL) % 100000);
    res_a = request_ready(rcookie, rcsrf, word_a, path_a, sizeof(path_a));
    /* the resource says the requester may reveal its output, which it manages */
    json_object *t = token_output(rcookie, res_a);
    CU_ASSERT_TRUE(jbool(t, "managed"));
    CU_ASSERT_TRUE(jbool(t, "reveal"));
    json_object_put(t);
    CU_ASSERT_EQUAL(reveal_as(rcookie, rcsrf, path_a, value, sizeof(value)), 200);
    CU_ASSERT_STRING_EQUAL(value, word_a);
    /* audited as the requester's reveal */
    CU_ASSERT_EQUAL(audit_count("secrets.reveal", path_a, "success"), 1);
}

static void test_teammate_refused(void)
{
    char value[512];
    json_object *t = token_output(dcookie, res_a);
    CU_ASSERT_TRUE(jbool(t, "managed"));
    CU_ASSERT_FALSE(jbool(t, "reveal"));
    json_object_put(t);
    CU_ASSERT_EQUAL(reveal_as(dcookie, dcsrf, path_a, value, sizeof(value)), 403);
    char want[160];
    snprintf(want, sizeof(want), "you can't reveal team %s's secrets", team);
    CU_ASSERT_PTR_NOT_NULL(strstr(value, want));
    snprintf(want, sizeof(want), "it is an output of resource %lld", res_a);
    CU_ASSERT_PTR_NOT_NULL(strstr(value, want));
    if (!strstr(value, want))
        fprintf(stderr, "\n    refusal: %s\n", value);
    /* and the requester reveals only what its resources manage: not the teammate's resource's
     * output, not a secret written by hand */
    char word[40];
    snprintf(word, sizeof(word), "w%ddev%ld", (int)getpid(), (long)time(NULL) % 100000);
    res_b = request_ready(dcookie, dcsrf, word, path_b, sizeof(path_b));
    CU_ASSERT_EQUAL(reveal_as(rcookie, rcsrf, path_b, value, sizeof(value)), 403);
    CU_ASSERT_EQUAL(reveal_as(dcookie, dcsrf, path_b, value, sizeof(value)), 200);
    CU_ASSERT_STRING_EQUAL(value, word);
    char p[256];
    struct resp r;
    snprintf(p, sizeof(p), "/api/v1/secrets/data/team/%s/dev/by-hand", team);
    CU_ASSERT_EQUAL(session_req(acookie, acsrf, "PUT", p, "{\"value\":\"written by hand\"}", NULL, &r), 201);
    resp_free(&r);
    snprintf(p, sizeof(p), "team/%s/dev/by-hand", team);
    CU_ASSERT_EQUAL(reveal_as(rcookie, rcsrf, p, value, sizeof(value)), 403);
}

static void test_maintainer_and_other_team(void)
{
    char value[512];
    json_object *t = token_output(mcookie, res_a);
    CU_ASSERT_TRUE(jbool(t, "reveal"));
    json_object_put(t);
    CU_ASSERT_EQUAL(reveal_as(mcookie, mcsrf, path_a, value, sizeof(value)), 200);
    CU_ASSERT_STRING_EQUAL(value, word_a);
    /* another team's developer does not even read the scope */
    CU_ASSERT_EQUAL(reveal_as(ocookie, ocsrf, path_a, value, sizeof(value)), 403);
    char want[160];
    snprintf(want, sizeof(want), "you can't read team %s's secrets", team);
    CU_ASSERT_PTR_NOT_NULL(strstr(value, want));
    long st;
    char p[128];
    snprintf(p, sizeof(p), "/api/v1/provision/resources/%lld", res_a);
    json_object_put(get_json(ocookie, p, &st));
    CU_ASSERT_EQUAL(st, 403);
}

/* A token reveals as the requester with provision.output.reveal among its scopes, not without. */
static void test_requester_tokens(void)
{
    const char *scopes[2] = { "[\"secrets.secret.read\"]", "[\"secrets.secret.read\",\"provision.output.reveal\"]" };
    for (int i = 0; i < 2; i++) {
        char body[256], token[256], auth[300], p[512];
        struct resp r;
        snprintf(body, sizeof(body), "{\"name\":\"outputs-%d\",\"scopes\":%s,\"expires_in_days\":1}", i, scopes[i]);
        CU_ASSERT_EQUAL_FATAL(post_session(rcookie, rcsrf, "POST", "/api/v1/auth/tokens", body, &r), 201);
        json_object *o = json_tokener_parse(r.body);
        snprintf(token, sizeof(token), "%s", jstr(o, "token") ? jstr(o, "token") : "");
        json_object_put(o);
        resp_free(&r);
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        const char *const h[] = { auth, NULL };
        snprintf(p, sizeof(p), "/api/v1/secrets/reveal/%s", path_a);
        CU_ASSERT_EQUAL_FATAL(request("POST", p, NULL, NULL, 0, h, &r), 0);
        CU_ASSERT_EQUAL(r.status, i ? 200 : 403);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, i ? word_a : "provision.output.reveal"));
        resp_free(&r);
    }
}

static void test_metadata_says_managed(void)
{
    char p[512];
    snprintf(p, sizeof(p), "/api/v1/secrets/metadata/%s", path_a);
    json_object *o = get_ok(rcookie, p), *by = json_object_object_get(o, "managed_by");
    CU_ASSERT_EQUAL(jint(by, "resource"), res_a);
    CU_ASSERT_PTR_NOT_NULL(jstr(by, "name"));
    json_object_put(o);
    /* the list too; a secret written by hand is managed by nothing */
    snprintf(p, sizeof(p), "/api/v1/secrets/metadata?prefix=team/%s/dev/", team);
    o = get_ok(mcookie, p);
    json_object *items = json_object_object_get(o, "items");
    int managed = 0, plain = 0;
    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object *it = json_object_array_get_idx(items, i), *m;
        if (json_object_object_get_ex(it, "managed_by", &m) && m)
            managed++;
        else
            plain++;
    }
    CU_ASSERT_EQUAL(managed, 2);
    CU_ASSERT_EQUAL(plain, 1);
    json_object_put(o);
}

static void test_managed_write_needs_confirmation(void)
{
    char p[512], meta[512];
    struct resp r;
    snprintf(meta, sizeof(meta), "/api/v1/secrets/metadata/%s", path_a);
    /* a plain write: 409 managed-secret naming the resource, audited, nothing written */
    snprintf(p, sizeof(p), "/api/v1/secrets/data/%s", path_a);
    CU_ASSERT_EQUAL(session_req(mcookie, mcsrf, "PUT", p, "{\"value\":\"by hand\"}", NULL, &r), 409);
    json_object *o = assert_problem(&r, 409, "managed-secret");
    CU_ASSERT_EQUAL(jint(json_object_object_get(o, "managed_by"), "resource"), res_a);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(audit_count("secrets.write", path_a, "failure"), 1);
    o = get_ok(mcookie, meta);
    CU_ASSERT_EQUAL(jint(o, "current_version"), 1);
    json_object_put(o);
    /* a confirmation that is not one is refused as a field */
    snprintf(p, sizeof(p), "/api/v1/secrets/data/%s?confirm=yes", path_a);
    CU_ASSERT_EQUAL(session_req(mcookie, mcsrf, "PUT", p, "{\"value\":\"by hand\"}", NULL, &r), 422);
    resp_free(&r);
    /* confirmed: written, and audited as confirmed */
    snprintf(p, sizeof(p), "/api/v1/secrets/data/%s?confirm=managed", path_a);
    CU_ASSERT_EQUAL(session_req(mcookie, mcsrf, "PUT", p, "{\"value\":\"by hand\"}", NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(audit_count("secrets.write", path_a, "success"), 1);
    o = get_ok(mcookie, meta);
    CU_ASSERT_EQUAL(jint(o, "current_version"), 2);
    json_object_put(o);
    /* soft delete, destroy and deleting the secret: the same */
    const char *const verbs[] = { "delete", "destroy" };
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof(p), "/api/v1/secrets/%s/%s", verbs[i], path_b);
        CU_ASSERT_EQUAL(post_session(mcookie, mcsrf, "POST", p, "{\"versions\":[1]}", &r), 409);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(session_req(mcookie, mcsrf, "DELETE", meta, NULL, NULL, &r), 409);
    resp_free(&r);
    snprintf(p, sizeof(p), "/api/v1/secrets/delete/%s?confirm=managed", path_b);
    CU_ASSERT_EQUAL(post_session(mcookie, mcsrf, "POST", p, "{\"versions\":[1]}", &r), 200);
    resp_free(&r);
    snprintf(p, sizeof(p), "/api/v1/secrets/undelete/%s", path_b);   /* giving back is no danger */
    CU_ASSERT_EQUAL(post_session(mcookie, mcsrf, "POST", p, "{\"versions\":[1]}", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(audit_count("secrets.delete", path_b, "failure"), 1);
    CU_ASSERT_EQUAL(audit_count("secrets.destroy", path_b, "failure"), 1);
    CU_ASSERT_EQUAL(audit_count("secrets.remove", path_a, "failure"), 1);
}

/* The runner writes and removes the secrets it manages as before: a step run again writes a new
 * version; deprovisioning removes the secret. */
static void test_runner_writes_still_work(void)
{
    char sql[512], p[512];
    struct resp r;
    snprintf(sql, sizeof(sql), "UPDATE job_steps s JOIN jobs j ON j.id = s.job_id SET s.state = 'pending' WHERE "
                               "j.resource_id = %lld; UPDATE jobs SET state = 'queued', due_at = UTC_TIMESTAMP(6), "
                               "finished_at = NULL WHERE resource_id = %lld; UPDATE resources SET state = 'provisioning' "
                               "WHERE id = %lld", res_a, res_a, res_a);
    CU_ASSERT_EQUAL_FATAL(as_root(sql), 0);
    CU_ASSERT_TRUE(resource_becomes(res_a, "ready", 20));
    snprintf(p, sizeof(p), "/api/v1/secrets/metadata/%s", path_a);
    json_object *o = get_ok(mcookie, p);
    CU_ASSERT_EQUAL(jint(o, "current_version"), 3);
    CU_ASSERT_EQUAL(jint(json_object_object_get(o, "managed_by"), "resource"), res_a);
    json_object_put(o);
    char value[256];
    CU_ASSERT_EQUAL(reveal_as(rcookie, rcsrf, path_a, value, sizeof(value)), 200);
    CU_ASSERT_STRING_EQUAL(value, word_a);
    /* deprovisioning takes the secret away */
    snprintf(p, sizeof(p), "/api/v1/provision/resources/%lld", res_a);
    CU_ASSERT_EQUAL(session_req(rcookie, rcsrf, "DELETE", p, NULL, NULL, &r), 202);
    resp_free(&r);
    CU_ASSERT_TRUE(resource_becomes(res_a, "deprovisioned", 20));
    snprintf(p, sizeof(p), "/api/v1/secrets/metadata/%s", path_a);
    long st;
    json_object_put(get_json(mcookie, p, &st));
    CU_ASSERT_EQUAL(st, 404);
}

void suite_secret_outputs(void)
{
    if (!suite_wanted("secret-outputs"))
        return;
    CU_pSuite s = CU_add_suite("secret-outputs", outputs_init, NULL);
    CU_add_test(s, "the requester reveals its resource's secret output", test_requester_reveals);
    CU_add_test(s, "a developer of the team who did not request it is refused in words; the requester reveals nothing else",
                test_teammate_refused);
    CU_add_test(s, "a maintainer of the team reveals it; another team is refused", test_maintainer_and_other_team);
    CU_add_test(s, "a requester's token reveals with provision.output.reveal only", test_requester_tokens);
    CU_add_test(s, "metadata names the resource that manages a secret", test_metadata_says_managed);
    CU_add_test(s, "a managed secret's plain write or delete is 409 until confirmed, audited either way",
                test_managed_write_needs_confirmation);
    CU_add_test(s, "the runner's own writes and removal still work", test_runner_writes_still_work);
}
