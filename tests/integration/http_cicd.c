/*
 * Integration suite, CI/CD: integrations (who may connect one, the secret shown once), and the
 * providers' deliveries through the web server as the providers send them: signed or refused,
 * once only, ignored when not read, capped, and the same stored state whatever the order.
 * Signatures here are made with libsodium directly, not with lib/cicd, so the test checks the
 * server against the providers' rules rather than against itself.
 */
#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"
#include "tests/integration/cicd_fixture.h"

void cicd_test_hmac(const char *key, const char *a, const char *b, char out[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)a, strlen(a));
    if (b)
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)b, strlen(b));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
}

/* POST a GitHub delivery of event with body, signed with key (NULL: unsigned) */
static long github(long long id, const char *key, const char *event, const char *delivery, const char *body, struct resp *r)
{
    char path[96], sig[96], ev[96], dl[128], mac[65];
    const char *extra[4] = { ev, dl, NULL, NULL };
    snprintf(path, sizeof(path), "/api/v1/cicd/hooks/%lld", id);
    snprintf(ev, sizeof(ev), "X-GitHub-Event: %s", event);
    snprintf(dl, sizeof(dl), "X-GitHub-Delivery: %s", delivery);
    if (key) {
        cicd_test_hmac(key, body, NULL, mac);
        snprintf(sig, sizeof(sig), "X-Hub-Signature-256: sha256=%s", mac);
        extra[2] = sig;
    }
    CU_ASSERT_EQUAL(request("POST", path, "application/json", body, -1, extra, r), 0);
    return r->status;
}

/* A signed generic delivery (event, body) to integration id. */
long cicd_deliver(long long id, const char *secret, const char *event, const char *delivery, const char *body)
{
    char path[96], sig[128], ts[48], dl[128], ev[64], text[4096], mac[65], now[24];
    struct resp r;
    snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
    snprintf(text, sizeof(text), "%s.%s", now, body);
    cicd_test_hmac(secret, text, NULL, mac);
    snprintf(path, sizeof(path), "/api/v1/cicd/hooks/%lld", id);
    snprintf(sig, sizeof(sig), "X-Portico-Signature: sha256=%s", mac);
    snprintf(ts, sizeof(ts), "X-Portico-Timestamp: %s", now);
    snprintf(dl, sizeof(dl), "X-Portico-Delivery: %s", delivery);
    snprintf(ev, sizeof(ev), "X-Portico-Event: %s", event);
    const char *h[] = { sig, ts, dl, ev, NULL };
    CU_ASSERT_EQUAL(request("POST", path, "application/json", body, -1, h, &r), 0);
    long st = r.status;
    if (st != 200)
        fprintf(stderr, "\n    delivery %s: %ld %s\n", delivery, st, r.body);
    resp_free(&r);
    return st;
}

static long long number(const char *sql)
{
    return root_number(sql);
}

void cicd_fixture(struct cicd_fixture *f, const char *tag)
{
    char body[1024];
    struct resp r;
    snprintf(f->team, sizeof(f->team), "ci%s%d", tag, (int)getpid());
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), f->acookie, sizeof(f->acookie), f->acsrf, sizeof(f->acsrf)), 200);
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", f->team);
    CU_ASSERT_EQUAL_FATAL(post_session(f->acookie, f->acsrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    char name[80], owner[96], path[256];
    snprintf(name, sizeof(name), "%s-web", f->team);
    snprintf(owner, sizeof(owner), "group:%s", f->team);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    component_json(body, sizeof(body), name, owner, "component:default/nothing-here");
    CU_ASSERT_EQUAL_FATAL(session_req(f->acookie, f->acsrf, "PUT", path, body, NULL, &r), 201);
    resp_free(&r);
    snprintf(f->entity, sizeof(f->entity), "component:default/%s", name);
    snprintf(f->enc, sizeof(f->enc), "component%%3Adefault%%2F%s", name);
    char m[64], d[64];
    snprintf(m, sizeof(m), "%s-lead", f->team);
    snprintf(d, sizeof(d), "%s-dev", f->team);
    CU_ASSERT_EQUAL_FATAL(person_make(m, "maintainer", f->team, true, f->mc, sizeof(f->mc), f->mx, sizeof(f->mx), NULL), 0);
    CU_ASSERT_EQUAL_FATAL(person_make(d, "developer", f->team, true, f->dc, sizeof(f->dc), f->dx, sizeof(f->dx), NULL), 0);
}

/* make an integration as the maintainer: its id, and its secret into secret */
long long cicd_integration(struct cicd_fixture *f, const char *provider, const char *name, char secret[65])
{
    char body[512];
    struct resp r;
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"provider\":\"%s\",\"name\":\"%s\"}", f->entity, provider, name);
    CU_ASSERT_EQUAL_FATAL(post_session(f->mc, f->mx, "POST", "/api/v1/cicd/integrations", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    long long id = jint(o, "id");
    snprintf(secret, 65, "%s", jstr(o, "secret") ? jstr(o, "secret") : "");
    CU_ASSERT_EQUAL(strlen(secret), 64);
    json_object_put(o);
    resp_free(&r);
    return id;
}

static void test_integrations(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "a");
    char body[512], path[256], secret[65];
    struct resp r;
    /* a developer may not connect one; a maintainer may */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"provider\":\"github\",\"name\":\"actions\"}", f.entity);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/cicd/integrations", body, &r), 403);
    json_object_put(assert_problem(&r, 403, "forbidden"));
    resp_free(&r);
    long long id = cicd_integration(&f, "github", "actions", secret);
    CU_ASSERT(id > 0);
    /* the same name again is a conflict; bad input names its fields */
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", "/api/v1/cicd/integrations", body, &r), 409);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", "/api/v1/cicd/integrations",
                                 "{\"entity\":\"component:default/x\",\"provider\":\"travis\",\"name\":\"Bad Name\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"provider\""));
    resp_free(&r);
    /* read back: the setup steps and URL, never the secret */
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld", id);
    CU_ASSERT_EQUAL(get_as(f.dc, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, secret));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "Settings"));
    char want[96];
    snprintf(want, sizeof(want), "/api/v1/cicd/hooks/%lld", id);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations?entity=%s", f.enc);
    CU_ASSERT_EQUAL(get_as(f.dc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"provider\":\"github\""));
    resp_free(&r);
    /* the secret is in the secrets store, under the entity */
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM secrets WHERE path = (SELECT secret_path FROM cicd_integrations "
                               "WHERE id = %lld) AND path LIKE 'entity/component/default/%%'", id);
    CU_ASSERT_EQUAL(number(sql), 1);
    /* the creation is audited, without the secret */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit_events WHERE action = 'cicd.integration.create' AND target_id = '%lld' "
                               "AND details NOT LIKE '%%%s%%'", id, secret);
    CU_ASSERT_EQUAL(number(sql), 1);
    /* disconnecting: the developer may not; the maintainer may, and the hooks are gone */
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld", id);
    CU_ASSERT_EQUAL(session_req(f.dc, f.dx, "DELETE", path, NULL, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(github(id, secret, "ping", "gone-1", "{\"zen\":\"x\"}", &r), 404);
    resp_free(&r);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM secrets WHERE path LIKE 'entity/component/default/%s-web/cicd-hook-%lld'",
             f.team, id);
    CU_ASSERT_EQUAL(number(sql), 0);
}

static const char *run_body(char *buf, size_t n, const char *status, const char *conclusion, const char *updated)
{
    snprintf(buf, n, "{\"action\":\"x\",\"workflow_run\":{\"id\":9001,\"run_attempt\":1,\"name\":\"Build\",\"head_branch\":\"main\","
                     "\"head_sha\":\"acb5820ced9479c074f688cc328bf03f341a511d\",\"status\":\"%s\",\"conclusion\":%s,"
                     "\"run_started_at\":\"2026-12-03T10:00:00Z\",\"updated_at\":\"%s\",\"html_url\":\"https://github.com/o/r/actions/runs/9001\"}}",
             status, conclusion, updated);
    return buf;
}

static void test_deliveries(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "b");
    char secret[65], body[2048], path[256], sql[256];
    struct resp r;
    long long id = cicd_integration(&f, "github", "actions", secret);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM cicd_deliveries WHERE integration_id = %lld", id);

    /* unsigned, or signed with another secret: 401, nothing stored */
    run_body(body, sizeof(body), "completed", "\"success\"", "2026-12-03T10:05:00Z");
    CU_ASSERT_EQUAL(github(id, NULL, "workflow_run", "d-0", body, &r), 401);
    json_object_put(assert_problem(&r, 401, "bad-signature"));
    resp_free(&r);
    CU_ASSERT_EQUAL(github(id, "0000000000000000000000000000000000000000000000000000000000000000", "workflow_run", "d-0", body, &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(number(sql), 0);

    /* out of order: completed, then in progress, then queued: the run stays finished */
    CU_ASSERT_EQUAL(github(id, secret, "workflow_run", "d-1", body, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"outcome\":\"applied\""));
    resp_free(&r);
    run_body(body, sizeof(body), "in_progress", "null", "2026-12-03T10:01:00Z");
    CU_ASSERT_EQUAL(github(id, secret, "workflow_run", "d-2", body, &r), 200);
    resp_free(&r);
    run_body(body, sizeof(body), "queued", "null", "2026-12-03T09:59:00Z");
    CU_ASSERT_EQUAL(github(id, secret, "workflow_run", "d-3", body, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/runs?entity=%s", f.enc);
    long st;
    json_object *o = get_json(f.dc, path, &st), *run = jpath(o, "runs/0");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "runs")), 1);
    CU_ASSERT(jstr(run, "status") && strcmp(jstr(run, "status"), "success") == 0);
    CU_ASSERT(jstr(run, "finished_at") && strcmp(jstr(run, "finished_at"), "2026-12-03T10:05:00.000000Z") == 0);
    CU_ASSERT(jstr(run, "started_at") && strcmp(jstr(run, "started_at"), "2026-12-03T10:00:00.000000Z") == 0);
    CU_ASSERT(jstr(run, "run") && strcmp(jstr(run, "run"), "9001:1") == 0);
    json_object_put(o);

    /* the same delivery again: 200, duplicate, nothing changes */
    CU_ASSERT_EQUAL(github(id, secret, "workflow_run", "d-3", body, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"outcome\":\"duplicate\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(number(sql), 3);

    /* an event type not read is recorded as ignored */
    CU_ASSERT_EQUAL(github(id, secret, "star", "d-4", "{\"action\":\"created\"}", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"outcome\":\"ignored\""));
    resp_free(&r);
    char sql2[256];
    snprintf(sql2, sizeof(sql2), "SELECT COUNT(*) FROM cicd_deliveries WHERE integration_id = %lld AND outcome = 'ignored' "
                                 "AND event = 'star'", id);
    CU_ASSERT_EQUAL(number(sql2), 1);

    /* a payload its event says it is not: 422 */
    CU_ASSERT_EQUAL(github(id, secret, "workflow_run", "d-5", "{\"workflow_run\":{\"status\":\"completed\"}}", &r), 422);
    resp_free(&r);

    /* past cicd_hook_max_bytes: 413 */
    char cap[32];
    if (config_value("cicd_hook_max_bytes", cap, sizeof(cap)) != 0)
        snprintf(cap, sizeof(cap), "1048576");   /* the default */
    size_t big = (size_t)atol(cap) + 16;
    char *huge = malloc(big + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    memset(huge, ' ', big);
    memcpy(huge, "{\"a\":1}", 7);
    huge[big] = '\0';
    CU_ASSERT_EQUAL(github(id, secret, "push", "d-6", huge, &r), 413);
    resp_free(&r);
    free(huge);

    /* a deployment, then its statuses out of order */
#define DEPLOYMENT "{\"deployment\":{\"id\":555,\"sha\":\"acb5820ced9479c074f688cc328bf03f341a511d\",\"ref\":\"v1.2.0\"," \
                   "\"environment\":\"production\",\"created_at\":\"2026-12-03T11:00:00Z\",\"creator\":{\"login\":\"octocat\"}}," \
                   "\"deployment_status\":{\"state\":\"%s\",\"created_at\":\"%s\"}}"
    snprintf(body, sizeof(body), DEPLOYMENT, "success", "2026-12-03T11:03:00Z");
    CU_ASSERT_EQUAL(github(id, secret, "deployment_status", "d-7", body, &r), 200);
    resp_free(&r);
    snprintf(body, sizeof(body), DEPLOYMENT, "in_progress", "2026-12-03T11:01:00Z");
    CU_ASSERT_EQUAL(github(id, secret, "deployment_status", "d-8", body, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/deployments?entity=%s&environment=production", f.enc);
    o = get_json(f.dc, path, &st);
    json_object *d = jpath(o, "deployments/0");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT(jstr(d, "status") && strcmp(jstr(d, "status"), "success") == 0);
    CU_ASSERT(jstr(d, "version") && strcmp(jstr(d, "version"), "v1.2.0") == 0);
    CU_ASSERT(jstr(d, "actor") && strcmp(jstr(d, "actor"), "octocat") == 0);
    json_object_put(o);

    /* every applied delivery is audited; the integration counts them */
    snprintf(sql2, sizeof(sql2), "SELECT COUNT(*) FROM audit_events WHERE action = 'cicd.delivery' AND target_id = '%lld'", id);
    CU_ASSERT_EQUAL(number(sql2), 6);
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld", id);
    o = get_json(f.dc, path, &st);
    CU_ASSERT_EQUAL(jint(o, "deliveries"), 6);
    CU_ASSERT(jstr(o, "last_event") && strcmp(jstr(o, "last_event"), "deployment_status") == 0);
    json_object_put(o);
}

/* GitLab's token, CircleCI's v1 signature, the generic scheme's timestamp window */
static void test_other_providers(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "c");
    char secret[65], path[96], hdr[160], hdr2[160], hdr3[160], hdr4[160], mac[65];
    struct resp r;
    long long gl = cicd_integration(&f, "gitlab", "gitlab", secret);
    snprintf(path, sizeof(path), "/api/v1/cicd/hooks/%lld", gl);
    const char *pipeline = "{\"object_kind\":\"pipeline\",\"object_attributes\":{\"id\":31,\"ref\":\"main\",\"sha\":\"bcbb5ec3\","
                           "\"status\":\"running\",\"created_at\":\"2026-12-03 10:00:00 UTC\"},\"project\":{\"web_url\":\"https://gl.example/g/w\"}}";
    snprintf(hdr, sizeof(hdr), "X-Gitlab-Token: %s", secret);
    const char *ok[] = { hdr, "X-Gitlab-Event: Pipeline Hook", "X-Gitlab-Event-UUID: 11111111-2222", NULL };
    CU_ASSERT_EQUAL(request("POST", path, "application/json", pipeline, -1, ok, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    const char *bad[] = { "X-Gitlab-Token: not-it", "X-Gitlab-Event: Pipeline Hook", NULL };
    CU_ASSERT_EQUAL(request("POST", path, "application/json", pipeline, -1, bad, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);

    long long cc = cicd_integration(&f, "circleci", "circleci", secret);
    snprintf(path, sizeof(path), "/api/v1/cicd/hooks/%lld", cc);
    const char *wf = "{\"type\":\"workflow-completed\",\"id\":\"ev-1\",\"workflow\":{\"id\":\"wf-1\",\"name\":\"build\",\"status\":\"failed\","
                     "\"created_at\":\"2026-12-03T10:00:00Z\",\"stopped_at\":\"2026-12-03T10:02:00Z\",\"url\":\"https://app.circleci.com/x\"},"
                     "\"pipeline\":{\"vcs\":{\"branch\":\"main\",\"revision\":\"abc123\"}}}";
    cicd_test_hmac(secret, wf, NULL, mac);
    snprintf(hdr, sizeof(hdr), "circleci-signature: v1=%s", mac);
    const char *cok[] = { hdr, "circleci-event-type: workflow-completed", NULL };
    CU_ASSERT_EQUAL(request("POST", path, "application/json", wf, -1, cok, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);

    long long gn = cicd_integration(&f, "generic", "deployer", secret);
    snprintf(path, sizeof(path), "/api/v1/cicd/hooks/%lld", gn);
    const char *run = "{\"type\":\"run\",\"id\":\"r-1\",\"name\":\"nightly\",\"status\":\"success\"}";
    char ts[32];
    for (int off = 0; off < 2; off++) {
        long long t = (long long)time(NULL) - (off ? 301 + 60 : 0);
        snprintf(ts, sizeof(ts), "%lld", t);
        char text[512];   /* what is signed: "<timestamp>.<body>" */
        snprintf(text, sizeof(text), "%s.%s", ts, run);
        cicd_test_hmac(secret, text, NULL, mac);
        snprintf(hdr, sizeof(hdr), "X-Portico-Signature: sha256=%s", mac);
        snprintf(hdr2, sizeof(hdr2), "X-Portico-Timestamp: %s", ts);
        snprintf(hdr3, sizeof(hdr3), "X-Portico-Delivery: g-%d", off);
        snprintf(hdr4, sizeof(hdr4), "X-Portico-Event: run");
        const char *g[] = { hdr, hdr2, hdr3, hdr4, NULL };
        CU_ASSERT_EQUAL(request("POST", path, "application/json", run, -1, g, &r), 0);
        CU_ASSERT_EQUAL(r.status, off ? 401 : 200);   /* six minutes old: refused */
        resp_free(&r);
    }
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM cicd_runs r JOIN cicd_integrations i ON i.id = r.integration_id "
                               "WHERE i.entity_ref = '%s'", f.entity);
    CU_ASSERT_EQUAL(number(sql), 3);
    /* an outsider reads nothing of the entity's runs */
    char oc[256], ox[128], other[64];
    snprintf(other, sizeof(other), "%s-out", f.team);
    CU_ASSERT_EQUAL_FATAL(person_make(other, NULL, NULL, false, oc, sizeof(oc), ox, sizeof(ox), NULL), 0);
    char lp[256];
    snprintf(lp, sizeof(lp), "/api/v1/cicd/runs?entity=%s", f.enc);
    CU_ASSERT_EQUAL(get_as(oc, lp, &r), 403);
    resp_free(&r);
}

/* DORA against a constructed history whose answers are known, relative to now, sent as the
 * provider would (generic deliveries, with their times), some out of order:
 *   production: d1 ok (5 d ago; its commit 2 h before), d2 failed (4 d), d3 ok 30 min after d2
 *   (commit 3 h before d2), d4 ok (2 d; commit 4 h before), d5 ok 40 days ago; staging: s1 ok,
 *   then a hotfix (sent first), which makes s1 a change failure
 *   runs: 10 and 20 minutes successes, one failure (7 d window)
 * 7 days: 3 deployments, frequency 3/7, changes 4, failures 1 (CFR 0.25), lead times 7200,
 * 12600, 14400 (median 12600, p90 14040), restore 1800; pipelines 3 runs, 1 failure, median 900 s.
 * Durations are kept in 2% buckets (lib/dora): their figures are checked within 1%. The same
 * figures after cicd_dora_rebuild() (the counts kept as deliveries came agree with the rows), and
 * none once the integration is gone. */
static void test_dora(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "d");
    char secret[65], body[1024], path[256], t1[32], t2[32], t3[32];
    long long id = cicd_integration(&f, "generic", "history", secret);
    time_t t0 = time(NULL) - 60;
#define AT(buf, secs) (strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&(time_t){ t0 - (secs) }, &(struct tm){ 0 })), buf)
#define DAY 86400L
#define DEP(key, env, status, fin, sha)                                                                          \
    snprintf(body, sizeof(body), "{\"type\":\"deployment\",\"id\":\"%s\",\"environment\":\"%s\",\"version\":\"v-%s\"," \
             "\"commit\":\"%s\",\"status\":\"%s\",\"started_at\":\"%s\",\"finished_at\":\"%s\"}", key, env, key, sha, \
             status, AT(t1, (fin) + 300), AT(t2, fin));                                                           \
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "deployment", "dep-" key, body), 200)
#define COMMIT(sha, when)                                                                                         \
    snprintf(body, sizeof(body), "{\"type\":\"push\",\"branch\":\"main\",\"commits\":[{\"sha\":\"%s\",\"time\":\"%s\"}]}", \
             sha, AT(t3, when));                                                                                  \
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "push", "push-" sha, body), 200)
#define RUN(key, status, start, fin)                                                                              \
    snprintf(body, sizeof(body), "{\"type\":\"run\",\"id\":\"%s\",\"name\":\"build\",\"branch\":\"main\",\"status\":" \
             "\"%s\",\"started_at\":\"%s\",\"finished_at\":\"%s\"}", key, status, AT(t1, start), AT(t2, fin));      \
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "run-" key, body), 200)
    COMMIT("c1", 5 * DAY + 7200);
    DEP("d1", "production", "success", 5 * DAY, "c1");
    DEP("d3", "production", "success", 4 * DAY - 1800, "c3");   /* the success before the failure it restores */
    DEP("d2", "production", "failure", 4 * DAY, "c2");
    COMMIT("c2", 4 * DAY + 3600);
    DEP("d4", "production", "success", 2 * DAY, "c4");
    COMMIT("c3", 4 * DAY + 3 * 3600);                            /* a commit's time after its deployment */
    COMMIT("c4", 2 * DAY + 4 * 3600);
    DEP("d5", "production", "success", 40 * DAY, "c5");
    DEP("hotfix1", "staging", "success", DAY / 2, "c6");           /* a hotfix: s1 before it failed */
    DEP("s1", "staging", "success", 1 * DAY, "c4");
    RUN("r1", "success", 3 * DAY, 3 * DAY - 600);
    RUN("r2", "failure", 3 * DAY, 3 * DAY - 60);
    RUN("r3", "success", 1 * DAY, 1 * DAY - 1200);
    /* r3's finish told again (a new delivery id): counted once */
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "run-r3-again", body), 200);

    for (int pass = 0; pass < 2; pass++) {
        long st;
        snprintf(path, sizeof(path), "/api/v1/cicd/dora?entity=%s&days=7", f.enc);
        json_object *o = get_json(f.dc, path, &st);
        CU_ASSERT_EQUAL_FATAL(st, 200);
        CU_ASSERT_EQUAL(jint(o, "deployments"), 3);
        CU_ASSERT_EQUAL(jint(o, "changes"), 4);
        CU_ASSERT_EQUAL(jint(o, "failures"), 1);
        json_object *v;
#define NEAR(path_, want, tol)                                                                                    \
    v = jpath(o, path_);                                                                                          \
    CU_ASSERT(v && fabs(json_object_get_double(v) - (want)) <= (tol) * (want) + 1e-6);                            \
    if (!v || fabs(json_object_get_double(v) - (want)) > (tol) * (want) + 1e-6)                                   \
        fprintf(stderr, "\n    %s: %s, want %g\n", path_, v ? json_object_get_string(v) : "absent", (double)(want))
        NEAR("deployment_frequency_per_day", 3.0 / 7.0, 0);
        NEAR("change_failure_rate", 0.25, 0);
        NEAR("lead_time_seconds/median", 12600, 0.01);
        NEAR("lead_time_seconds/p90", 14040, 0.01);
        NEAR("time_to_restore_seconds/median", 1800, 0.01);
        NEAR("pipelines/failure_rate", 1.0 / 3.0, 0);
        NEAR("pipelines/median_duration_seconds", 900, 0.01);
        CU_ASSERT_EQUAL(jint(jpath(o, "lead_time_seconds"), "measured"), 3);
        CU_ASSERT_EQUAL(jint(jpath(o, "time_to_restore_seconds"), "measured"), 1);
        json_object_put(o);
        /* 90 days take d5 too; staging is its own environment */
        snprintf(path, sizeof(path), "/api/v1/cicd/dora?entity=%s&days=90", f.enc);
        o = get_json(f.dc, path, &st);
        CU_ASSERT_EQUAL(jint(o, "deployments"), 4);
        json_object_put(o);
        snprintf(path, sizeof(path), "/api/v1/cicd/dora?entity=%s&days=7&environment=staging", f.enc);
        o = get_json(f.dc, path, &st);
        CU_ASSERT_EQUAL(jint(o, "deployments"), 2);
        CU_ASSERT_EQUAL(jint(o, "failures"), 1);   /* s1, which a hotfix followed */
        CU_ASSERT(jpath(o, "time_to_restore_seconds/median") == NULL);   /* nothing to measure: null */
        json_object_put(o);
        /* the team's figures are its entities'; by day, for the charts */
        snprintf(path, sizeof(path), "/api/v1/cicd/dora?team=%s&days=7", f.team);
        o = get_json(f.dc, path, &st);
        CU_ASSERT_EQUAL(st, 200);
        CU_ASSERT_EQUAL(jint(o, "deployments"), 3);
        json_object_put(o);
        snprintf(path, sizeof(path), "/api/v1/cicd/dora/daily?team=%s&days=7", f.team);
        o = get_json(f.dc, path, &st);
        CU_ASSERT_EQUAL(st, 200);
        long long ok = 0, failed = 0, runs = 0;
        json_object *daily = jpath(o, "daily");
        for (size_t i = 0; daily && i < json_object_array_length(daily); i++) {
            json_object *d = json_object_array_get_idx(daily, i);
            ok += jint(d, "deployments"), failed += jint(d, "failed_deployments"), runs += jint(d, "runs");
        }
        CU_ASSERT_EQUAL(ok, 3);
        CU_ASSERT_EQUAL(failed, 1);
        CU_ASSERT_EQUAL(runs, 3);
        json_object_put(o);
        /* again, from the rows: the counts kept as they came are the ones the rows make */
        if (pass == 0)
            CU_ASSERT_EQUAL(as_root("CALL cicd_dora_rebuild()"), 0);
    }
    struct resp r;
    snprintf(path, sizeof(path), "/api/v1/cicd/dora?team=%s&days=8", f.team);
    CU_ASSERT_EQUAL(get_as(f.dc, path, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(f.dc, "/api/v1/cicd/dora", &r), 403);   /* the platform's: a global reader's */
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(f.acookie, "/api/v1/cicd/dora?days=90", &r), 200);
    resp_free(&r);
    /* a failure of this integration restored by another's success: that one gone, the failure's
     * restore is recounted to what the rows say (the rebuild agrees) */
    char other_secret[65];
    long long other = cicd_integration(&f, "generic", "other", other_secret);
    DEP("f9", "production", "failure", DAY + DAY / 2, "c9");
    snprintf(body, sizeof(body), "{\"type\":\"deployment\",\"id\":\"b9\",\"environment\":\"production\",\"version\":"
             "\"v-b9\",\"status\":\"success\",\"finished_at\":\"%s\"}", AT(t2, DAY + DAY / 2 - 600));
    CU_ASSERT_EQUAL(cicd_deliver(other, other_secret, "deployment", "dep-b9", body), 200);
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld", other);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    char before[2048], after[2048];
    snprintf(path, sizeof(path), "/api/v1/cicd/dora?entity=%s&days=7", f.enc);
    json_object *o = get_json(f.dc, path, &(long){ 0 });
    snprintf(before, sizeof(before), "%s", json_object_to_json_string(o));
    json_object_put(o);
    CU_ASSERT_EQUAL(as_root("CALL cicd_dora_rebuild()"), 0);
    o = get_json(f.dc, path, &(long){ 0 });
    snprintf(after, sizeof(after), "%s", json_object_to_json_string(o));
    json_object_put(o);
    CU_ASSERT_STRING_EQUAL(before, after);
    /* the integration gone, what it reported counts no more */
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld", id);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/dora?entity=%s&days=90", f.enc);
    o = get_json(f.dc, path, &(long){ 0 });
    CU_ASSERT_EQUAL(jint(o, "deployments"), 0);
    CU_ASSERT_EQUAL(jint(o, "changes"), 0);
    CU_ASSERT_EQUAL(jint(jpath(o, "pipelines"), "runs"), 0);
    json_object_put(o);
}

/* One integration's allowance (the test stack's cicd_hook_per_minute 120, burst 20): 30 authentic
 * deliveries at once, and the ones past the burst are 429 with Retry-After, stored nowhere;
 * forged ones do not spend it. */
static void test_integration_limit(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "e");
    char secret[65], cap[32], id_text[32], sql[256];
    struct resp r;
    if (config_value("cicd_hook_burst", cap, sizeof(cap)) != 0 || atoi(cap) > 25) {
        fprintf(stderr, "\n    the stack's cicd_hook_burst is %s: this test needs the test stacks' 20\n", cap);
        CU_FAIL("cicd_hook_burst is not the test stacks'");
        return;
    }
    long long id = cicd_integration(&f, "github", "busy", secret);
    for (int i = 0; i < 40; i++) {   /* forged: refused before the allowance is looked at */
        CU_ASSERT_EQUAL(github(id, "not-the-secret", "ping", "forged", "{\"zen\":\"x\"}", &r), 401);
        resp_free(&r);
    }
    int ok = 0, limited = 0;
    for (int i = 0; i < 30; i++) {
        char dl[32];
        snprintf(dl, sizeof(dl), "busy-%d", i);
        long st = github(id, secret, "ping", dl, "{\"zen\":\"x\"}", &r);
        if (st == 200)
            ok++;
        if (st == 429) {
            limited++;
            char ra[16];
            CU_ASSERT_PTR_NOT_NULL(header(&r, "Retry-After", ra, sizeof(ra)));
            json_object_put(assert_problem(&r, 429, "rate-limited"));
        }
        resp_free(&r);
    }
    CU_ASSERT(ok >= 18 && ok <= 24);   /* the burst, give or take a lease */
    CU_ASSERT_EQUAL(ok + limited, 30);
    snprintf(id_text, sizeof(id_text), "%lld", id);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM cicd_deliveries WHERE integration_id = %s", id_text);
    CU_ASSERT_EQUAL(number(sql), ok);
    if (ok < 18 || ok > 24)
        fprintf(stderr, "\n    %d allowed, %d limited\n", ok, limited);
}

void cicd_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;
    ADD(area, "cicd: integrations, who may connect one, the secret once and in the secrets store", test_integrations);
    ADD(area, "cicd: GitHub deliveries signed, once only, ignored, capped, and in any order the same", test_deliveries);
    ADD(area, "cicd: GitLab's token, CircleCI's signature, the generic scheme's five minutes", test_other_providers);
    ADD(area, "cicd: DORA metrics of a constructed history, for an entity, a team and the platform", test_dora);
    ADD(area, "cicd: each integration its own allowance; forged deliveries do not spend it", test_integration_limit);
}
