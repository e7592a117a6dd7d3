/*
 * Integration suite, CI/CD uploads and deploys, through the web server and the runner:
 *   - a run's JUnit report and SARIF findings: who may upload, what is refused, a finding open
 *     until a later run of its tool no longer reports it
 *   - deploys: set up (the credential kept, never shown), refused by the gates unless a platform
 *     admin overrides them with a reason, approved by another than the requester, triggered by
 *     the runner against a deployer on loopback that checks the signature as Portico's own
 *     inbound check does, settled by the provider's deployment event
 *   - a rollback: the version before the current one, and the provider's deployment of it marked
 *     as rolling back the current one, which DORA then counts as a change failure
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/cicd_fixture.h"
#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"
#include "tests/loopback.h"

/* a member's text, "" when absent (so a failed check reads as one, not as a crash) */
static const char *js(json_object *o, const char *key)
{
    const char *s = jstr(o, key);
    return s ? s : "";
}

#define COMMIT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define COMMIT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The id of the entity's run with key run_key (made by a delivery first). */
static long long run_id(struct cicd_fixture *f, const char *key)
{
    char sql[400];
    snprintf(sql, sizeof(sql), "SELECT MAX(id) FROM cicd_runs WHERE entity_ref = '%s' AND run_key = '%s'", f->entity, key);
    return root_number(sql);
}

/* An upload with the session: POST body of ctype to path. */
static long upload(const char *cookie, const char *csrf, const char *path, const char *ctype, const char *body, struct resp *r)
{
    char hc[300], hx[200];
    snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", path, ctype, body, -1, h, r) < 0)
        return -1;
    return r->status;
}

static const char junit_red[] =
    "<testsuites><testsuite name=\"unit\"><testcase classname=\"api\" name=\"ok\" time=\"0.1\"/>"
    "<testcase classname=\"api\" name=\"breaks\"><failure message=\"expected 200, got 500\"/></testcase>"
    "</testsuite></testsuites>";
static const char junit_green[] =
    "<testsuite name=\"unit\"><testcase classname=\"api\" name=\"ok\"/><testcase classname=\"api\" name=\"breaks\"/>"
    "</testsuite>";

#define ANALYSIS_C "\"automationDetails\":{\"id\":\"c\"},"
#define ANALYSIS_D "\"automationDetails\":{\"id\":\"d\"},"

static const char *sarif(char *buf, size_t n, bool with_critical)
{
    snprintf(buf, n,
             "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"CodeQL\",\"rules\":[{\"id\":\"js/sql-injection\","
             "\"properties\":{\"security-severity\":\"9.8\"}},{\"id\":\"js/xss\",\"properties\":{\"security-severity\":"
             "\"6.1\"}}]}},\"results\":[%s{\"ruleId\":\"js/xss\",\"message\":{\"text\":\"<script>alert(1)</script> reaches "
             "the page\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"src/page.js\"},\"region\":"
             "{\"startLine\":7}}}],\"partialFingerprints\":{\"primaryLocationLineHash\":\"bb:1\"}}]}]}",
             with_critical ? "{\"ruleId\":\"js/sql-injection\",\"message\":{\"text\":\"user input in SQL\"},\"locations\":"
                             "[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"src/db.js\"},\"region\":{\"startLine\""
                             ":42}}}],\"partialFingerprints\":{\"primaryLocationLineHash\":\"aa:1\"}}," : "");
    return buf;
}

static void test_reports(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "r");
    char secret[65], path[160], body[4096];
    struct resp r;
    long long id = cicd_integration(&f, "generic", "ci", secret);
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "r-1", "{\"type\":\"run\",\"id\":\"b-1\",\"name\":\"test\",\"commit\":\""
                            COMMIT_A "\",\"status\":\"success\",\"started_at\":\"2026-12-01T10:00:00Z\",\"finished_at\":"
                            "\"2026-12-01T10:05:00Z\"}"), 200);
    long long run = run_id(&f, "b-1");
    CU_ASSERT_FATAL(run > 0);

    /* JUnit: the developer (cicd.report.write); not as JSON; not with a DOCTYPE */
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/junit", run);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/json", junit_red, &r), 415);
    resp_free(&r);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/xml", "<!DOCTYPE x><testsuite/>", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/xml", junit_red, &r), 201);
    if (r.status != 201 || !strstr(r.body, "breaks"))
        fprintf(stderr, "\n    junit: %ld %s\n", r.status, r.body);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "tests"), 2);
    CU_ASSERT_EQUAL(jint(o, "failures"), 1);
    CU_ASSERT_STRING_EQUAL(js(jpath(o, "failed/0"), "name"), "breaks");
    CU_ASSERT_STRING_EQUAL(js(jpath(o, "failed/0"), "message"), "expected 200, got 500");
    CU_ASSERT_STRING_EQUAL(js(o, "commit"), COMMIT_A);
    json_object_put(o);
    resp_free(&r);
    /* an outsider: the run is not there for them */
    char oc[256], ox[128], other[64];
    snprintf(other, sizeof(other), "%s-out", f.team);
    CU_ASSERT_EQUAL_FATAL(person_make(other, NULL, NULL, false, oc, sizeof(oc), ox, sizeof(ox), NULL), 0);
    CU_ASSERT_EQUAL(upload(oc, ox, path, "application/xml", junit_green, &r), 403);   /* they may upload nowhere */
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/tests", run);
    CU_ASSERT_EQUAL(get_as(f.dc, path, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(f.dc, "/api/v1/cicd/runs/999999999/tests", &r), 404);
    resp_free(&r);

    /* SARIF: two findings, one critical; a later run without the critical one fixes it */
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", run);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/sarif+json", sarif(body, sizeof(body), true), &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "reported"), 2);
    CU_ASSERT_EQUAL(jint(o, "new"), 2);
    CU_ASSERT_EQUAL(jint(o, "open"), 2);
    json_object_put(o);
    resp_free(&r);
    /* the same log again: no new finding */
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/json", body, &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "new"), 0);
    CU_ASSERT_EQUAL(jint(o, "open"), 2);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/json", "{\"version\":\"2.0.0\",\"runs\":[]}", &r), 422);
    resp_free(&r);
    char lp[300];
    snprintf(lp, sizeof(lp), "/api/v1/cicd/findings?entity=%s", f.enc);
    long st;
    o = get_json(f.dc, lp, &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL(jint(jpath(o, "open"), "critical"), 1);
    CU_ASSERT_EQUAL(jint(jpath(o, "open"), "medium"), 1);
    /* the message is kept as text, as sent: the page shows it as text */
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "<script>alert(1)<\\/script> reaches"));
    json_object_put(o);

    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "r-2", "{\"type\":\"run\",\"id\":\"b-2\",\"name\":\"test\",\"commit\":\""
                            COMMIT_B "\",\"status\":\"success\",\"started_at\":\"2026-12-02T10:00:00Z\",\"finished_at\":"
                            "\"2026-12-02T10:05:00Z\"}"), 200);
    long long run2 = run_id(&f, "b-2");
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", run2);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/sarif+json", sarif(body, sizeof(body), false), &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "fixed"), 1);
    CU_ASSERT_EQUAL(jint(o, "open"), 1);
    json_object_put(o);
    resp_free(&r);
    /* the first run's log, uploaded late again: older than the fix, it reopens nothing */
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", run);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/sarif+json", sarif(body, sizeof(body), true), &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "open"), 1);
    json_object_put(o);
    resp_free(&r);
    snprintf(lp, sizeof(lp), "/api/v1/cicd/findings?entity=%s&state=fixed", f.enc);
    o = get_json(f.dc, lp, &st);
    CU_ASSERT_STRING_EQUAL(js(jpath(o, "findings/0"), "rule"), "js/sql-injection");
    json_object_put(o);
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit_events WHERE action = 'cicd.findings.upload' AND target_id = '%lld'",
             run);
    CU_ASSERT_EQUAL(root_number(sql), 3);

    /* the other order: the later run's log (without the critical one) first, then the earlier
     * run's (with it): the finding is fixed all the same, under a tool of its own (analysis c) */
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "r-3", "{\"type\":\"run\",\"id\":\"b-3\",\"name\":\"scan\",\"status\":"
                                 "\"success\",\"started_at\":\"2026-12-01T08:00:00Z\",\"finished_at\":\"2026-12-01T08:05:00Z\"}"), 200);
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "r-4", "{\"type\":\"run\",\"id\":\"b-4\",\"name\":\"scan\",\"status\":"
                                 "\"success\",\"started_at\":\"2026-12-02T08:00:00Z\",\"finished_at\":\"2026-12-02T08:05:00Z\"}"), 200);
    long long early = run_id(&f, "b-3"), late = run_id(&f, "b-4");
    char log[4096];
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", late);
    snprintf(log, sizeof(log), "%s", sarif(body, sizeof(body), false));
    char *at = strstr(log, "\"results\"");   /* the same tool, another analysis: runs[0].automationDetails.id = c */
    CU_ASSERT_FATAL(at != NULL);
    memmove(at + strlen(ANALYSIS_C), at, strlen(at) + 1);
    memcpy(at, ANALYSIS_C, strlen(ANALYSIS_C));
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/sarif+json", log, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", early);
    snprintf(log, sizeof(log), "%s", sarif(body, sizeof(body), true));
    at = strstr(log, "\"results\"");
    memmove(at + strlen(ANALYSIS_C), at, strlen(at) + 1);
    memcpy(at, ANALYSIS_C, strlen(ANALYSIS_C));
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/sarif+json", log, &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "new"), 0);   /* it came as fixed */
    json_object_put(o);
    resp_free(&r);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM cicd_findings WHERE entity_ref = '%s' AND tool = 'CodeQL/c' AND "
                               "rule = 'js/sql-injection' AND state = 'fixed'", f.entity);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    /* fixed by a newer run, then a log between the two uploaded late: still fixed (the tool's latest
     * run, newer than it, did not report it) — analysis d */
    static const char *const times[4] = { "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", "2026-11-20T13:00:00Z",
                                          "2026-11-20T12:00:00Z" };
    static const bool with[4] = { true, false, false, true };
    for (int i = 0; i < 4; i++) {
        char rb[512], key[16];
        snprintf(key, sizeof(key), "e-%d", i);
        snprintf(rb, sizeof(rb), "{\"type\":\"run\",\"id\":\"%s\",\"name\":\"scan-d\",\"status\":\"success\","
                                 "\"started_at\":\"%s\",\"finished_at\":\"%s\"}", key, times[i], times[i]);
        CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", key, rb), 200);
        snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", run_id(&f, key));
        snprintf(log, sizeof(log), "%s", sarif(body, sizeof(body), with[i]));
        at = strstr(log, "\"results\"");
        memmove(at + strlen(ANALYSIS_D), at, strlen(at) + 1);
        memcpy(at, ANALYSIS_D, strlen(ANALYSIS_D));
        CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/sarif+json", log, &r), 201);
        resp_free(&r);
    }
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM cicd_findings WHERE entity_ref = '%s' AND tool = 'CodeQL/d' AND "
                               "rule = 'js/sql-injection' AND state = 'fixed'", f.entity);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    /* a log whose run has no results (the tool did not run) fixes nothing */
    snprintf(path, sizeof(path), "/api/v1/cicd/runs/%lld/sarif", late);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, path, "application/json",
                           "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"CodeQL\"}}}]}", &r), 201);
    o = json_tokener_parse(r.body);
    CU_ASSERT_EQUAL(jint(o, "fixed"), 0);
    json_object_put(o);
    resp_free(&r);
}

/* ---- a deployer on loopback ------------------------------------------------------------------- */

/* Serve one request in a child: check its signature with secret as the generic scheme says
 * ("<timestamp>.<body>"), answer 200 {"ref": ...} (or 401), and send "ok <body>" or why not
 * back through *fd. */
static pid_t deployer(const char *secret, int *port, int *fd)
{
    int p[2], s = loopback_listen(1, port);
    if (s < 0 || pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        alarm(60);
        int c = accept(s, NULL, NULL);
        static char req[16384], text[16500], out[600];
        loopback_read_request(c, req, sizeof(req));
        char *body = loopback_body(req), *ts = strcasestr(req, "\r\nX-Portico-Timestamp: "),
             *sig = strcasestr(req, "\r\nX-Portico-Signature: sha256=");
        char mac[65] = "", tsv[32] = "";
        if (ts)
            sscanf(ts + 23, "%31[0-9]", tsv);
        if (body)
            snprintf(text, sizeof(text), "%s.%s", tsv, body);
        cicd_test_hmac(secret, text, NULL, mac);
        bool ok = body && ts && sig && strncmp(sig + 30, mac, 64) == 0 && llabs(atoll(tsv) - (long long)time(NULL)) < 300;
        const char *answer = ok ? "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
                                  "Connection: close\r\n\r\n{\"ref\":\"run-1\"}"
                                : "HTTP/1.1 401 No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        ssize_t ignored = write(c, answer, strlen(answer));
        int k = snprintf(out, sizeof(out), "%s %.500s", ok ? "ok" : "bad-signature", body ? body : "");
        ignored = write(p[1], out, (size_t)k);
        (void)ignored;
        close(c);
        _exit(0);
    }
    close(s);
    close(p[1]);
    *fd = p[0];
    return pid;
}

static const char *deployer_said(pid_t pid, int fd)
{
    static char buf[700];
    ssize_t n, got = 0;
    while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
        got += n;
    buf[got > 0 ? got : 0] = '\0';
    close(fd);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return buf;
}

static json_object *deploy_get(struct cicd_fixture *f, long long id)
{
    char path[96];
    long st;
    snprintf(path, sizeof(path), "/api/v1/cicd/deploys/%lld", id);
    json_object *o = get_json(f->dc, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    return o;
}

static void test_deploys(void)
{
    struct cicd_fixture f;
    cicd_fixture(&f, "p");
    char secret[65], path[200], body[2048], cred[65];
    struct resp r;
    long st;
    long long id = cicd_integration(&f, "generic", "deployer", secret);
    int port, fd;
    /* the deployer's own secret: what it checks the runner's signature with */
    snprintf(cred, sizeof(cred), "%s", "5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e5a1e");

    /* not set up yet: 409 */
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"staging\",\"version\":\"v1\"}", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/cicd/deploys", body, &r), 409);
    json_object_put(assert_problem(&r, 409, "not-set-up"));
    resp_free(&r);

    /* setting up: the maintainer's; a plain-http public URL refused; the credential never shown */
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld/deploy", id);
    pid_t pid = deployer(cred, &port, &fd);
    CU_ASSERT_FATAL(pid > 0);
    snprintf(body, sizeof(body), "{\"api_url\":\"http://127.0.0.1:%d/deploy\",\"credential\":\"%s\",\"approvals\":"
                                 "[{\"environment\":\"production\",\"count\":1}]}", port, cred);
    CU_ASSERT_EQUAL(session_req(f.dc, f.dx, "PUT", path, body, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "PUT", path, "{\"api_url\":\"http://deployer.example/x\",\"credential\":\"c\","
                                                         "\"target\":\"x\"}", NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"api_url\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"target\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "PUT", path, body, NULL, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, cred));
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT(json_object_get_boolean(jpath(o, "deploys")));
    json_object_put(o);
    resp_free(&r);
    char sql[600];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM secrets WHERE path = 'entity/component/default/%s-web/cicd-deploy-%lld'",
             f.team, id);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    /* approvals null or left out: kept as they are (and no crash) */
    snprintf(body, sizeof(body), "{\"api_url\":\"http://127.0.0.1:%d/deploy\",\"approvals\":null}", port);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "PUT", path, body, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"environment\":\"production\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "PUT", path, "{\"api_url\":\"https://x.example\",\"approvals\":[{\"environment\":"
                                                         "\"production\",\"count\":1,\"role\":\"mantainer\"}]}", NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "approvals/0/role"));
    resp_free(&r);

    /* the gates: an open critical finding refuses a deploy; a developer cannot override them */
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "d-r1", "{\"type\":\"run\",\"id\":\"t-1\",\"name\":\"test\",\"commit\":\""
                            COMMIT_A "\",\"status\":\"success\",\"started_at\":\"2026-12-01T10:00:00Z\",\"finished_at\":"
                            "\"2026-12-01T10:05:00Z\"}"), 200);
    long long run = run_id(&f, "t-1");
    char up[96], sbuf[4096];
    snprintf(up, sizeof(up), "/api/v1/cicd/runs/%lld/sarif", run);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, up, "application/json", sarif(sbuf, sizeof(sbuf), true), &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v1\",\"commit\":\""
                                 COMMIT_A "\",\"reason\":\"first\"}", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/cicd/deploys", body, &r), 409);
    json_object_put(assert_problem(&r, 409, "gates-failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 open critical finding"));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v1\",\"commit\":\""
                                 COMMIT_A "\",\"override_reason\":\"hotfix\"}", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/cicd/deploys", body, &r), 403);
    resp_free(&r);
    /* a failing test report on the commit refuses too (the finding fixed by a later scan first) */
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "run", "d-r2", "{\"type\":\"run\",\"id\":\"t-2\",\"name\":\"test\",\"commit\":\""
                            COMMIT_A "\",\"status\":\"failure\",\"started_at\":\"2026-12-01T11:00:00Z\",\"finished_at\":"
                            "\"2026-12-01T11:05:00Z\"}"), 200);
    long long run2 = run_id(&f, "t-2");
    snprintf(up, sizeof(up), "/api/v1/cicd/runs/%lld/sarif", run2);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, up, "application/json", sarif(sbuf, sizeof(sbuf), false), &r), 201);
    resp_free(&r);
    snprintf(up, sizeof(up), "/api/v1/cicd/runs/%lld/junit", run2);
    CU_ASSERT_EQUAL(upload(f.dc, f.dx, up, "application/xml", junit_red, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v1\",\"commit\":\""
                                 COMMIT_A "\"}", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/cicd/deploys", body, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 failing test"));
    resp_free(&r);
    /* a short commit is not one the gates can look up */
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v1\",\"commit\":"
                                 "\"aaaaaaa\"}", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/cicd/deploys", body, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"commit\""));
    resp_free(&r);
    /* the platform admin overrides them, with a reason: recorded, audited */
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v1\",\"commit\":\""
                                 COMMIT_A "\",\"override_reason\":\"the failing test is the flaky one\"}", id);
    CU_ASSERT_EQUAL(post_session(f.acookie, f.acsrf, "POST", "/api/v1/cicd/deploys", body, &r), 201);
    o = json_tokener_parse(r.body);
    long long dep = jint(o, "id");
    CU_ASSERT_STRING_EQUAL(js(o, "state"), "pending_approval");
    CU_ASSERT_STRING_EQUAL(js(o, "override_by"), "admin");
    CU_ASSERT_EQUAL(jint(o, "approvals_needed"), 1);
    json_object_put(o);
    resp_free(&r);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit_events WHERE action = 'cicd.deploy.override' AND target_id = '%lld'",
             dep);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    /* approvals: not by a developer; the maintainer's queues it */
    snprintf(path, sizeof(path), "/api/v1/cicd/deploys/%lld/approve", dep);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", path, "{\"decision\":\"approve\"}", &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", path, "{\"decision\":\"reject\"}", &r), 422);   /* says why */
    resp_free(&r);
    /* the maintainer sees it waiting for them */
    o = get_json(f.mc, "/api/v1/cicd/deploys?pending=mine", &st);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), f.team));
    if (!strstr(json_object_to_json_string(o), f.team))
        fprintf(stderr, "\n    pending=mine: %ld %s\n", st, json_object_to_json_string(o));
    json_object_put(o);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", path, "{\"decision\":\"approve\",\"comment\":\"go\"}", &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_STRING_EQUAL(js(o, "state"), "queued");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", path, "{\"decision\":\"approve\"}", &r), 409);
    resp_free(&r);

    /* the runner triggers the deployer, signed with the credential */
    char out[8192];
    runner_pass(out, sizeof(out));
    const char *said = deployer_said(pid, fd);
    CU_ASSERT_EQUAL(strncmp(said, "ok ", 3), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "\"version\":\"v1\""));
    if (strncmp(said, "ok ", 3) != 0)
        fprintf(stderr, "\n    deployer: %s\n    runner: %s\n", said, out);
    CU_ASSERT_PTR_NULL(strstr(out, cred));
    o = deploy_get(&f, dep);
    CU_ASSERT_STRING_EQUAL(js(o, "state"), "triggered");
    CU_ASSERT_STRING_EQUAL(js(o, "provider_ref"), "run-1");
    json_object_put(o);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit_events WHERE action = 'secrets.reveal' AND target_id = "
                               "'entity/component/default/%s-web/cicd-deploy-%lld' AND actor_type = 'runner'", f.team, id);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    /* the deployer's deployment event settles it */
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "deployment", "d-1", "{\"type\":\"deployment\",\"id\":\"dep-1\",\"environment\":"
                            "\"production\",\"version\":\"v1\",\"commit\":\"" COMMIT_A "\",\"status\":\"success\","
                            "\"started_at\":\"2026-12-02T09:00:00Z\",\"finished_at\":\"2026-12-02T09:01:00Z\"}"), 200);
    o = deploy_get(&f, dep);
    CU_ASSERT_STRING_EQUAL(js(o, "state"), "succeeded");
    CU_ASSERT(jint(o, "deployment") > 0);
    json_object_put(o);

    /* v2 goes out (no approvals for staging here: to production, reported straight away) */
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "deployment", "d-2", "{\"type\":\"deployment\",\"id\":\"dep-2\",\"environment\":"
                            "\"production\",\"version\":\"v2\",\"commit\":\"" COMMIT_B "\",\"status\":\"success\","
                            "\"started_at\":\"2026-12-02T12:00:00Z\",\"finished_at\":\"2026-12-02T12:01:00Z\"}"), 200);
    /* roll back: v1 again, rolling back v2's deployment; its requester (the maintainer here) may
     * not approve it, another may (the platform admin) */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"environment\":\"production\",\"reason\":\"v2 broke checkout\"}",
             f.entity);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", "/api/v1/cicd/deploys/rollback", body, &r), 201);
    o = json_tokener_parse(r.body);
    long long rb = jint(o, "id");
    CU_ASSERT_STRING_EQUAL(js(o, "version"), "v1");
    snprintf(sql, sizeof(sql), "SELECT id FROM cicd_deployments WHERE integration_id = %lld AND deploy_key = 'dep-2'", id);
    long long v2 = root_number(sql);
    CU_ASSERT_EQUAL(jint(o, "rollback_of"), v2);
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/deploys/%lld/approve", rb);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", path, "{\"decision\":\"approve\"}", &r), 403);
    json_object_put(assert_problem(&r, 403, "self-approval"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.acookie, f.acsrf, "POST", path, "{\"decision\":\"approve\"}", &r), 200);
    resp_free(&r);
    pid = deployer(cred, &port, &fd);
    /* the deployer moved: the maintainer points the integration at it (the credential kept) */
    snprintf(body, sizeof(body), "{\"api_url\":\"http://127.0.0.1:%d/deploy\",\"approvals\":[{\"environment\":"
                                 "\"production\",\"count\":1}]}", port);
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld/deploy", id);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "PUT", path, body, NULL, &r), 200);
    resp_free(&r);
    runner_pass(out, sizeof(out));
    said = deployer_said(pid, fd);
    CU_ASSERT_EQUAL(strncmp(said, "ok ", 3), 0);
    if (strncmp(said, "ok ", 3) != 0)
        fprintf(stderr, "\n    deployer: %s\n    runner: %s\n", said, out);
    char want[64];
    snprintf(want, sizeof(want), "\"rollback_of\":%lld", v2);
    CU_ASSERT_PTR_NOT_NULL(strstr(said, want));
    CU_ASSERT_EQUAL(cicd_deliver(id, secret, "deployment", "d-3", "{\"type\":\"deployment\",\"id\":\"dep-3\",\"environment\":"
                            "\"production\",\"version\":\"v1\",\"commit\":\"" COMMIT_A "\",\"status\":\"success\","
                            "\"started_at\":\"2026-12-02T13:00:00Z\",\"finished_at\":\"2026-12-02T13:01:00Z\"}"), 200);
    snprintf(sql, sizeof(sql), "SELECT rollback_of FROM cicd_deployments WHERE integration_id = %lld AND deploy_key = 'dep-3'",
             id);
    CU_ASSERT_EQUAL(root_number(sql), v2);
    o = deploy_get(&f, rb);
    CU_ASSERT_STRING_EQUAL(js(o, "state"), "succeeded");
    json_object_put(o);

    /* a second rollback does not go back to v2, which the first undid: nothing earlier is left */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"environment\":\"production\"}", f.entity);
    CU_ASSERT_EQUAL(post_session(f.mc, f.mx, "POST", "/api/v1/cicd/deploys/rollback", body, &r), 409);
    json_object_put(assert_problem(&r, 409, "nothing-to-roll-back"));
    resp_free(&r);

    /* cancel: only while it waits; by its requester. Asked twice under one Idempotency-Key: one */
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v3\"}", id);
    char hc[300], hx[200];
    snprintf(hc, sizeof(hc), "Cookie: %s", f.dc);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", f.dx);
    const char *const idem[] = { hc, hx, "Idempotency-Key: deploy-v3-once", NULL };
    CU_ASSERT_EQUAL(request("POST", "/api/v1/cicd/deploys", "application/json", body, -1, idem, &r), 0);
    CU_ASSERT_EQUAL(r.status, 201);
    long long c3 = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(request("POST", "/api/v1/cicd/deploys", "application/json", body, -1, idem, &r), 0);
    CU_ASSERT_EQUAL(created_id(&r), c3);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"integration\":%lld,\"environment\":\"production\",\"version\":\"v4\"}", id);
    CU_ASSERT_EQUAL(request("POST", "/api/v1/cicd/deploys", "application/json", body, -1, idem, &r), 0);
    CU_ASSERT_EQUAL(r.status, 422);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/cicd/deploys/%lld/cancel", c3);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", path, NULL, &r), 409);
    resp_free(&r);
    /* the entity's deploys, newest first */
    snprintf(path, sizeof(path), "/api/v1/cicd/deploys?entity=%s", f.enc);
    o = get_json(f.dc, path, &(long){ 0 });
    json_object *list = jpath(o, "deploys");
    CU_ASSERT_EQUAL(json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0, 3);
    CU_ASSERT_STRING_EQUAL(js(jpath(o, "deploys/0"), "state"), "cancelled");
    json_object_put(o);
    /* a deploy the provider took and never reported is failed after cicd_deploy_settle_hours */
    snprintf(sql, sizeof(sql), "UPDATE cicd_deploys SET state = 'triggered', updated_at = UTC_TIMESTAMP(6) - INTERVAL 25 "
                               "HOUR WHERE id = %lld", c3);
    CU_ASSERT_EQUAL(as_root(sql), 0);
    runner_pass(out, sizeof(out));
    o = deploy_get(&f, c3);
    CU_ASSERT_STRING_EQUAL(js(o, "state"), "failed");
    CU_ASSERT_PTR_NOT_NULL(strstr(js(o, "error"), "reported no deployment of it in 24 h"));
    json_object_put(o);
    /* the integration gone, its deploy credential goes with it */
    snprintf(path, sizeof(path), "/api/v1/cicd/integrations/%lld", id);
    CU_ASSERT_EQUAL(session_req(f.mc, f.mx, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.path = "
                               "'entity/component/default/%s-web/cicd-deploy-%lld' AND v.ciphertext IS NOT NULL", f.team, id);
    CU_ASSERT_EQUAL(root_number(sql), 0);
}

void cicd_deploy_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;
    ADD(area, "cicd: JUnit and SARIF uploads; a finding open until a later run no longer reports it", test_reports);
    ADD(area, "cicd: deploys through gates, overrides, approvals, the runner and the provider's event; rollback",
        test_deploys);
}
