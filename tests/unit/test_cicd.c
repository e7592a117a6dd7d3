/*
 * cicd: each provider's signature, times in their spellings, and payloads in the shapes the
 * providers' documentation gives, read into runs, deployments and commits.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "lib/cicd.h"
#include "tests/unit/suites.h"

static const char SECRET[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void test_signatures(void)
{
    const char body[] = "{\"zen\":\"Keep it logically awesome.\"}";
    size_t n = strlen(body);
    char mac[65], hdr[80];
    const char *why = NULL;
    cicd_hmac_hex(SECRET, body, n, mac);
    /* GitHub */
    snprintf(hdr, sizeof(hdr), "sha256=%s", mac);
    struct cicd_headers h = { .github_signature = hdr };
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_GITHUB, &h, SECRET, body, n, 0, &why));
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITHUB, &h, SECRET, body, n - 1, 0, &why));   /* one byte less */
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITHUB, &h, "another secret", body, n, 0, &why));
    for (char *s = hdr + 7; *s; s++)   /* hex in upper case is the same signature */
        *s = (char)(*s >= 'a' && *s <= 'f' ? *s - 32 : *s);
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_GITHUB, &h, SECRET, body, n, 0, &why));
    h.github_signature = mac;   /* no "sha256=" */
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITHUB, &h, SECRET, body, n, 0, &why));
    h.github_signature = NULL;
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITHUB, &h, SECRET, body, n, 0, &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "X-Hub-Signature-256"));
    /* a secret that is not one Portico made (emptied, replaced) signs nothing, not even with "" */
    char empty_mac[65], empty_hdr[80];
    cicd_hmac_hex("", body, n, empty_mac);
    snprintf(empty_hdr, sizeof(empty_hdr), "sha256=%s", empty_mac);
    struct cicd_headers e = { .github_signature = empty_hdr, .gitlab_token = "" };
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITHUB, &e, "", body, n, 0, &why));
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITLAB, &e, "", body, n, 0, &why));
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITLAB, &e, "short", body, n, 0, &why));
    /* GitLab: the token itself */
    struct cicd_headers g = { .gitlab_token = SECRET };
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_GITLAB, &g, SECRET, body, n, 0, &why));
    g.gitlab_token = "0123456789abcdef";
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GITLAB, &g, SECRET, body, n, 0, &why));
    /* CircleCI: v1=, possibly one of several */
    char cc[200];
    snprintf(cc, sizeof(cc), "v1=%s", mac);
    struct cicd_headers ci = { .circleci_signature = cc };
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_CIRCLECI, &ci, SECRET, body, n, 0, &why));
    snprintf(cc, sizeof(cc), "v1=%064d,v1=%s", 0, mac);
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_CIRCLECI, &ci, SECRET, body, n, 0, &why));
    snprintf(cc, sizeof(cc), "v2=%s", mac);
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_CIRCLECI, &ci, SECRET, body, n, 0, &why));
    /* Jenkins and generic: "<timestamp>.<body>", within five minutes */
    char signed_text[200], sig[80];
    snprintf(signed_text, sizeof(signed_text), "1700000000.%s", body);
    cicd_hmac_hex(SECRET, signed_text, strlen(signed_text), mac);
    snprintf(sig, sizeof(sig), "sha256=%s", mac);
    struct cicd_headers p = { .portico_signature = sig, .portico_timestamp = "1700000000" };
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_GENERIC, &p, SECRET, body, n, 1700000000, &why));
    CU_ASSERT_TRUE(cicd_signature_ok(CICD_JENKINS, &p, SECRET, body, n, 1700000000 + CICD_SKEW_SECONDS, &why));
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GENERIC, &p, SECRET, body, n, 1700000000 + CICD_SKEW_SECONDS + 1, &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "5 minutes"));
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GENERIC, &p, SECRET, body, n, 1700000000 - CICD_SKEW_SECONDS - 1, &why));
    p.portico_timestamp = "1700000001";   /* another timestamp: the signature no longer holds */
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GENERIC, &p, SECRET, body, n, 1700000000, &why));
    p.portico_timestamp = "17e8";
    CU_ASSERT_FALSE(cicd_signature_ok(CICD_GENERIC, &p, SECRET, body, n, 1700000000, &why));
}

static void test_times(void)
{
    char out[20];
    CU_ASSERT_TRUE(cicd_time("2026-12-03T10:00:00Z", out) && strcmp(out, "2026-12-03 10:00:00") == 0);
    CU_ASSERT_TRUE(cicd_time("2026-12-03T10:00:00.123Z", out) && strcmp(out, "2026-12-03 10:00:00") == 0);
    CU_ASSERT_TRUE(cicd_time("2015-05-05T19:40:15-04:00", out) && strcmp(out, "2015-05-05 23:40:15") == 0);
    CU_ASSERT_TRUE(cicd_time("2026-01-01T01:30:00+02:00", out) && strcmp(out, "2025-12-31 23:30:00") == 0);
    CU_ASSERT_TRUE(cicd_time("2016-08-12 15:23:28 UTC", out) && strcmp(out, "2016-08-12 15:23:28") == 0);
    CU_ASSERT_TRUE(cicd_time("2021-04-28 21:50:00 +0200", out) && strcmp(out, "2021-04-28 19:50:00") == 0);
    static const char *const bad[] = { "", "yesterday", "2026-02-30T00:00:00Z", "2026-12-03T10:00:00", "2026-12-03T25:00:00Z",
                                       "2026-12-03T10:00:00+2", "2026-12-03 10:00:00 CET", "1969-12-31T23:59:59Z",
                                       "9999-12-31T23:00:00-05:00", "2026-12-03T10:00:00+-9:-9" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CU_ASSERT_FALSE(cicd_time(bad[i], out));
    CU_ASSERT_FALSE(cicd_time(NULL, out));
}

static int read_event(enum cicd_provider pv, const struct cicd_headers *h, const char *json, struct arena *a,
                      struct cicd_event *ev, const char **why)
{
    json_object *o = json_tokener_parse(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    int rc = cicd_event_read(pv, h, o, a, ev, why);
    /* strings point into the payload: copy what the tests compare before it goes */
    if (rc == 0 && ev->kind != CICD_IGNORED) {
        ev->key = ev->key ? arena_strdup(a, ev->key) : NULL;
        ev->name = ev->name ? arena_strdup(a, ev->name) : NULL;
        ev->branch = ev->branch ? arena_strdup(a, ev->branch) : NULL;
        ev->commit = ev->commit ? arena_strdup(a, ev->commit) : NULL;
        ev->url = ev->url ? arena_strdup(a, ev->url) : NULL;
        ev->environment = ev->environment ? arena_strdup(a, ev->environment) : NULL;
        ev->version = ev->version ? arena_strdup(a, ev->version) : NULL;
        ev->actor = ev->actor ? arena_strdup(a, ev->actor) : NULL;
        for (size_t i = 0; i < ev->ncommits; i++)
            ev->commits[i].sha = arena_strdup(a, ev->commits[i].sha);
    }
    ev->event = ev->event ? arena_strdup(a, ev->event) : NULL;
    ev->delivery = ev->delivery ? arena_strdup(a, ev->delivery) : NULL;
    json_object_put(o);
    return rc;
}

#define EQ(a, b) CU_ASSERT((a) && strcmp((a), (b)) == 0)

static void test_github(void)
{
    struct arena a;
    arena_init(&a, 0);
    struct cicd_event ev;
    const char *why;
    struct cicd_headers h = { .github_event = "workflow_run", .github_delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958" };
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h,
        "{\"action\":\"completed\",\"workflow_run\":{\"id\":30433642,\"name\":\"Build\",\"head_branch\":\"main\","
        "\"head_sha\":\"acb5820ced9479c074f688cc328bf03f341a511d\",\"status\":\"completed\",\"conclusion\":\"failure\","
        "\"run_attempt\":2,\"run_started_at\":\"2026-12-03T10:00:00Z\",\"created_at\":\"2026-12-03T09:59:00Z\","
        "\"updated_at\":\"2026-12-03T10:04:30Z\",\"html_url\":\"https://github.com/octo/web/actions/runs/30433642\"},"
        "\"repository\":{\"full_name\":\"octo/web\"}}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_RUN);
    EQ(ev.key, "30433642:2");
    EQ(ev.name, "Build");
    EQ(ev.branch, "main");
    EQ(ev.status, "failure");
    CU_ASSERT_EQUAL(ev.rank, 3);
    EQ(ev.started_at, "2026-12-03 10:00:00");
    EQ(ev.finished_at, "2026-12-03 10:04:30");
    EQ(ev.delivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    /* the same run in progress: running, not finished */
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h,
        "{\"action\":\"in_progress\",\"workflow_run\":{\"id\":30433642,\"name\":\"Build\",\"status\":\"in_progress\","
        "\"conclusion\":null,\"run_attempt\":2,\"updated_at\":\"2026-12-03T10:01:00Z\"}}", &a, &ev, &why), 0);
    EQ(ev.status, "running");
    CU_ASSERT_EQUAL(ev.rank, 2);
    EQ(ev.finished_at, "");
    /* a conclusion GitHub does not send is refused, with why */
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h, "{\"workflow_run\":{\"id\":1,\"status\":\"completed\",\"conclusion\":\"meh\"}}",
                               &a, &ev, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(why);
    /* deployment_status */
    h.github_event = "deployment_status";
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h,
        "{\"action\":\"created\",\"deployment_status\":{\"state\":\"success\",\"created_at\":\"2026-12-03T11:00:00Z\","
        "\"target_url\":\"https://ci.example/d/1\"},\"deployment\":{\"id\":145988746,\"sha\":\"a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\","
        "\"ref\":\"v1.4.0\",\"environment\":\"production\",\"created_at\":\"2026-12-03T10:55:00Z\",\"creator\":{\"login\":\"octocat\"}}}",
        &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_DEPLOYMENT);
    EQ(ev.key, "145988746");
    EQ(ev.environment, "production");
    EQ(ev.version, "v1.4.0");
    EQ(ev.actor, "octocat");
    EQ(ev.status, "success");
    EQ(ev.started_at, "2026-12-03 10:55:00");
    EQ(ev.finished_at, "2026-12-03 11:00:00");
    EQ(ev.url, "https://ci.example/d/1");
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h,
        "{\"deployment_status\":{\"state\":\"inactive\"},\"deployment\":{\"id\":1,\"environment\":\"production\"}}",
        &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_IGNORED);
    /* push: its commits with their times */
    h.github_event = "push";
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h,
        "{\"ref\":\"refs/heads/main\",\"commits\":[{\"id\":\"aaa1\",\"timestamp\":\"2026-12-03T08:00:00-02:00\"},"
        "{\"id\":\"bbb2\",\"timestamp\":\"2026-12-03T10:30:00Z\"},{\"id\":\"ccc3\",\"timestamp\":\"not a time\"}]}",
        &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_PUSH);
    EQ(ev.branch, "main");
    CU_ASSERT_EQUAL(ev.ncommits, 2);
    EQ(ev.commits[0].time, "2026-12-03 10:00:00");
    /* a pull request counts when merged; any other event is ignored */
    h.github_event = "pull_request";
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h, "{\"action\":\"closed\",\"pull_request\":{\"merged\":false}}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_IGNORED);
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h,
        "{\"action\":\"closed\",\"pull_request\":{\"merged\":true,\"merge_commit_sha\":\"ddd4\",\"created_at\":\"2026-12-01T09:00:00Z\","
        "\"base\":{\"ref\":\"main\"}}}", &a, &ev, &why), 0);
    CU_ASSERT(ev.kind == CICD_PUSH && ev.ncommits == 1);
    EQ(ev.commits[0].time, "2026-12-01 09:00:00");
    h.github_event = "ping";
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h, "{\"zen\":\"Design for failure.\"}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_IGNORED);
    h.github_event = NULL;
    CU_ASSERT_EQUAL(read_event(CICD_GITHUB, &h, "{}", &a, &ev, &why), -1);
    arena_free(&a);
}

static void test_gitlab_circleci_generic(void)
{
    struct arena a;
    arena_init(&a, 0);
    struct cicd_event ev;
    const char *why;
    struct cicd_headers g = { .gitlab_event = "Pipeline Hook", .gitlab_event_uuid = "b4f1-uuid" };
    CU_ASSERT_EQUAL(read_event(CICD_GITLAB, &g,
        "{\"object_kind\":\"pipeline\",\"object_attributes\":{\"id\":31,\"ref\":\"main\",\"sha\":\"bcbb5ec396a2c0f828686f14fac9b80b780504f2\","
        "\"status\":\"failed\",\"created_at\":\"2016-08-12 15:23:28 UTC\",\"finished_at\":\"2016-08-12 15:26:29 UTC\"},"
        "\"project\":{\"web_url\":\"https://gitlab.example/group/web\"}}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_RUN);
    EQ(ev.key, "31");
    EQ(ev.status, "failure");
    EQ(ev.url, "https://gitlab.example/group/web/-/pipelines/31");
    EQ(ev.finished_at, "2016-08-12 15:26:29");
    EQ(ev.delivery, "b4f1-uuid");
    g.gitlab_event = "Deployment Hook";
    g.gitlab_delivery = "idem-1";
    CU_ASSERT_EQUAL(read_event(CICD_GITLAB, &g,
        "{\"object_kind\":\"deployment\",\"status\":\"success\",\"status_changed_at\":\"2021-04-28 21:50:00 +0200\","
        "\"deployment_id\":15,\"environment\":\"staging\",\"short_sha\":\"279484c0\",\"ref\":\"1.0.0\","
        "\"commit_url\":\"https://gitlab.example/group/web/-/commit/279484c09fbe69ededfced8c1bb6e6d24616b468\","
        "\"user\":{\"username\":\"root\"},\"deployable_url\":\"https://gitlab.example/group/web/-/jobs/796\"}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_DEPLOYMENT);
    EQ(ev.commit, "279484c09fbe69ededfced8c1bb6e6d24616b468");
    EQ(ev.finished_at, "2021-04-28 19:50:00");
    EQ(ev.actor, "root");
    EQ(ev.delivery, "idem-1");
    g.gitlab_event = "Merge Request Hook";
    CU_ASSERT_EQUAL(read_event(CICD_GITLAB, &g, "{\"object_attributes\":{\"action\":\"open\"}}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_IGNORED);

    struct cicd_headers c = { .circleci_event = "workflow-completed" };
    CU_ASSERT_EQUAL(read_event(CICD_CIRCLECI, &c,
        "{\"type\":\"workflow-completed\",\"id\":\"3888f21b-eaa7-38e3-8f3d-75a63bba8895\",\"happened_at\":\"2026-12-03T10:10:00Z\","
        "\"workflow\":{\"id\":\"fda08377-fe7e-46b1-8992-3a7aaecac9c3\",\"name\":\"build-test-deploy\",\"status\":\"success\","
        "\"created_at\":\"2026-12-03T10:00:00Z\",\"stopped_at\":\"2026-12-03T10:09:00Z\",\"url\":\"https://app.circleci.com/pipelines/x\"},"
        "\"pipeline\":{\"vcs\":{\"branch\":\"main\",\"revision\":\"1dc6aa69429bc1a2d3e4f5a6b7c8d9e0f1a2b3c4\"}}}", &a, &ev, &why), 0);
    EQ(ev.key, "wf:fda08377-fe7e-46b1-8992-3a7aaecac9c3");
    EQ(ev.delivery, "3888f21b-eaa7-38e3-8f3d-75a63bba8895");
    EQ(ev.status, "success");
    EQ(ev.commit, "1dc6aa69429bc1a2d3e4f5a6b7c8d9e0f1a2b3c4");

    struct cicd_headers p = { .portico_event = "deployment", .portico_delivery = "j-1" };
    CU_ASSERT_EQUAL(read_event(CICD_JENKINS, &p,
        "{\"type\":\"deployment\",\"id\":\"deploy-77\",\"environment\":\"production\",\"version\":\"2.0.1\",\"commit\":\"abc\","
        "\"status\":\"running\",\"started_at\":\"2026-12-03T10:00:00Z\"}", &a, &ev, &why), 0);
    CU_ASSERT_EQUAL(ev.kind, CICD_DEPLOYMENT);
    EQ(ev.status, "running");
    CU_ASSERT_EQUAL(read_event(CICD_GENERIC, &p, "{\"type\":\"deployment\",\"id\":\"d\",\"status\":\"done\",\"environment\":\"x\"}",
                               &a, &ev, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "pending, running"));
    CU_ASSERT_EQUAL(read_event(CICD_GENERIC, &p, "[1]", &a, &ev, &why), -1);
    /* what the tables cannot keep is refused in words (a 422), not left to the database */
    CU_ASSERT_EQUAL(read_event(CICD_GENERIC, &p, "{\"type\":\"run\",\"id\":\"r\",\"status\":\"success\",\"commit\":"
                               "\"0123456789012345678901234567890123456789012345678901234567890123456789\"}", &a, &ev, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "commit"));
    CU_ASSERT_EQUAL(read_event(CICD_GENERIC, &p, "{\"type\":\"run\",\"id\":\"r \u00e9\",\"status\":\"success\"}",
                               &a, &ev, &why), -1);
    arena_free(&a);
}

void suite_cicd(void)
{
    CU_pSuite s = CU_add_suite("cicd", NULL, NULL);
    CU_add_test(s, "signatures: GitHub, GitLab, CircleCI, Jenkins and generic (with the time window)", test_signatures);
    CU_add_test(s, "times: RFC 3339 with offsets and GitLab's spellings, to UTC", test_times);
    CU_add_test(s, "GitHub: workflow_run, deployment_status, push, merged pull requests, others ignored", test_github);
    CU_add_test(s, "GitLab, CircleCI, Jenkins and generic payloads", test_gitlab_circleci_generic);
}
