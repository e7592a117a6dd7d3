/*
 * Integration suite, health checks: who may keep them; HTTP (status, a body's text, a latency
 * threshold), TCP and TTL checks run or marked by the real runner against a loopback service;
 * flapping damped; history; what is failing now; an instance's checks in discovery.
 */
#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/cicd_fixture.h"
#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"
#include "tests/loopback.h"

/* A service on loopback: /ok answers 200 "all good", /bad 503, /slow 200 after 300 ms, /flip
 * 200 and 503 in turns. Until killed. */
static pid_t service(int *port)
{
    int s = loopback_listen(16, port);
    if (s < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int flips = 0;
        for (;;) {
            int c = accept(s, NULL, NULL);
            if (c < 0)
                _exit(0);
            char req[8192];
            loopback_read_request(c, req, sizeof(req));
            int status = 200;
            const char *body = "all good";
            if (strncmp(req, "GET /bad", 8) == 0)
                status = 503, body = "down";
            else if (strncmp(req, "GET /slow", 9) == 0)
                usleep(300000);
            else if (strncmp(req, "GET /flip", 9) == 0 && flips++ % 2)
                status = 503, body = "down";
            char reply[256];
            int n = snprintf(reply, sizeof(reply), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                             status, strlen(body), body);
            ssize_t ignored = write(c, reply, (size_t)n);
            (void)ignored;
            close(c);
        }
    }
    close(s);
    return pid;
}

static struct cicd_fixture f;
static int port;

/* Make a check as the developer: its id (0 when refused; the status into *status). */
static long long check_make(const char *json_tail, long *status)
{
    char body[1024];
    struct resp r;
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",%s}", f.entity, json_tail);
    *status = post_session(f.dc, f.dx, "POST", "/api/v1/health/checks", body, &r);
    long long id = 0;
    if (*status == 201) {
        json_object *o = json_tokener_parse(r.body);
        id = jint(o, "id");
        json_object_put(o);
    } else if (*status >= 500) {
        fprintf(stderr, "\n    check: %ld %s\n", *status, r.body);
    }
    resp_free(&r);
    return id;
}

static json_object *check_get(long long id)
{
    char path[96];
    long st;
    snprintf(path, sizeof(path), "/api/v1/health/checks/%lld", id);
    return get_json(f.dc, path, &st);
}

/* Make every http and tcp check due, and run one runner pass. */
static void pass(void)
{
    char out[8192];
    CU_ASSERT_EQUAL(as_root("UPDATE health_checks SET due_at = UTC_TIMESTAMP(6) WHERE kind <> 'ttl'"), 0);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
}

static const char *status_of(long long id, char *buf, size_t len)
{
    json_object *o = check_get(id);
    snprintf(buf, len, "%s", o && jstr(o, "status") ? jstr(o, "status") : "?");
    json_object_put(o);
    return buf;
}

static void test_checks_kept_and_refused(void)
{
    cicd_fixture(&f, "hc");
    long st;
    struct resp r;
    /* the fields, each with its words */
    check_make("\"name\":\"x\",\"kind\":\"tcp\",\"target\":\"no-port\"", &st);
    CU_ASSERT_EQUAL(st, 422);
    check_make("\"name\":\"x\",\"kind\":\"ttl\"", &st);
    CU_ASSERT_EQUAL(st, 422);
    check_make("\"name\":\"x\",\"kind\":\"http\",\"target\":\"ftp://x/\"", &st);
    CU_ASSERT_EQUAL(st, 422);
    check_make("\"name\":\"x\",\"kind\":\"tcp\",\"target\":\"db:5432\",\"body_contains\":\"x\"", &st);
    CU_ASSERT_EQUAL(st, 422);
    check_make("\"name\":\"x\",\"kind\":\"http\",\"target\":\"http://x/\",\"environment\":\"production\"", &st);
    CU_ASSERT_EQUAL(st, 422);   /* an environment without an instance */
    check_make("\"name\":\"x\",\"kind\":\"http\",\"target\":\"http://x/\",\"timeout_ms\":200,\"max_latency_ms\":300", &st);
    CU_ASSERT_EQUAL(st, 422);
    /* another team's developer may read the entity, not add checks to it */
    char oc[256], ox[128], name[64], other[64], body[512];
    snprintf(other, sizeof(other), "%so", f.team);
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", other);
    CU_ASSERT_EQUAL_FATAL(post_session(f.acookie, f.acsrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(name, sizeof(name), "%s-dev", other);
    CU_ASSERT_EQUAL_FATAL(person_make(name, "developer", other, true, oc, sizeof(oc), ox, sizeof(ox), NULL), 0);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"x\",\"kind\":\"tcp\",\"target\":\"db:5432\"}", f.entity);
    CU_ASSERT_EQUAL(post_session(oc, ox, "POST", "/api/v1/health/checks", body, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(request("POST", "/api/v1/health/checks", "application/json", body, -1, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
    /* made, named once per entity, audited */
    long long id = check_make("\"name\":\"db\",\"kind\":\"tcp\",\"target\":\"db.internal:5432\"", &st);
    CU_ASSERT_EQUAL_FATAL(st, 201);
    check_make("\"name\":\"db\",\"kind\":\"tcp\",\"target\":\"db.internal:5432\"", &st);
    CU_ASSERT_EQUAL(st, 409);
    json_object *o = check_get(id);
    CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "critical");
    CU_ASSERT_STRING_EQUAL(jstr(o, "output"), "not checked yet");
    CU_ASSERT_EQUAL(jint(o, "success_before_passing"), 2);
    CU_ASSERT_EQUAL(jint(o, "failures_before_critical"), 3);
    json_object_put(o);
    char q[256];
    snprintf(q, sizeof(q), "SELECT COUNT(*) FROM audit_events WHERE action = 'health.check.create' AND target_id = '%lld'", id);
    CU_ASSERT_EQUAL(root_number(q), 1);
    /* deleted by the other developer: refused; by the team's: gone */
    snprintf(q, sizeof(q), "/api/v1/health/checks/%lld", id);
    CU_ASSERT_EQUAL(post_session(oc, ox, "DELETE", q, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "DELETE", q, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(f.dc, q, &r), 404);
    resp_free(&r);
}

static void test_runner_runs_checks(void)
{
    pid_t svc = service(&port);
    CU_ASSERT_FATAL(svc > 0);
    long st;
    char tail[512], buf[32];
    snprintf(tail, sizeof(tail), "\"name\":\"ok\",\"kind\":\"http\",\"target\":\"http://127.0.0.1:%d/ok\",\"body_contains\":\"good\"", port);
    long long ok = check_make(tail, &st);
    snprintf(tail, sizeof(tail), "\"name\":\"bad\",\"kind\":\"http\",\"target\":\"http://127.0.0.1:%d/bad\"", port);
    long long bad = check_make(tail, &st);
    snprintf(tail, sizeof(tail), "\"name\":\"text\",\"kind\":\"http\",\"target\":\"http://127.0.0.1:%d/ok\",\"body_contains\":\"missing\"", port);
    long long text = check_make(tail, &st);
    snprintf(tail, sizeof(tail), "\"name\":\"slow\",\"kind\":\"http\",\"target\":\"http://127.0.0.1:%d/slow\",\"max_latency_ms\":100", port);
    long long slow = check_make(tail, &st);
    snprintf(tail, sizeof(tail), "\"name\":\"flip\",\"kind\":\"http\",\"target\":\"http://127.0.0.1:%d/flip\","
                                 "\"success_before_passing\":1", port);
    long long flip = check_make(tail, &st);
    snprintf(tail, sizeof(tail), "\"name\":\"port\",\"kind\":\"tcp\",\"target\":\"127.0.0.1:%d\"", port);
    long long tcp = check_make(tail, &st);
    long long closed = check_make("\"name\":\"closed\",\"kind\":\"tcp\",\"target\":\"127.0.0.1:1\"", &st);
    CU_ASSERT_FATAL(ok && bad && text && slow && flip && tcp && closed);

    /* loopback is refused unless health_allow_loopback (the suites' stack sets it) */
    setenv("PORTICO_HEALTH_ALLOW_LOOPBACK", "0", 1);
    pass();
    unsetenv("PORTICO_HEALTH_ALLOW_LOOPBACK");
    json_object *o = check_get(ok);
    CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "critical");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "output"), "health_allow_loopback"));
    json_object_put(o);

    /* then every kind, its first real result at once (the refusal was its first: two passes) */
    pass();
    pass();
    CU_ASSERT_STRING_EQUAL(status_of(ok, buf, sizeof(buf)), "passing");
    CU_ASSERT_STRING_EQUAL(status_of(bad, buf, sizeof(buf)), "critical");
    CU_ASSERT_STRING_EQUAL(status_of(text, buf, sizeof(buf)), "critical");
    CU_ASSERT_STRING_EQUAL(status_of(tcp, buf, sizeof(buf)), "passing");
    CU_ASSERT_STRING_EQUAL(status_of(closed, buf, sizeof(buf)), "critical");
    o = check_get(bad);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "output"), "answered 503 (expected 2xx)"));
    json_object_put(o);
    o = check_get(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "output"), "without the text"));
    CU_ASSERT_PTR_NULL(strstr(jstr(o, "output"), "all good"));   /* an answer is never kept */
    json_object_put(o);
    /* slow: warning once three results in a row were (the default damping: 3) */
    pass();
    CU_ASSERT_STRING_EQUAL(status_of(slow, buf, sizeof(buf)), "warning");
    o = check_get(slow);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "output"), "slower than 100 ms"));
    json_object_put(o);
    /* flip: 200 and 503 in turns; never three failures in a row, so it stays passing */
    char path[128];
    for (int i = 0; i < 3; i++)
        pass();
    CU_ASSERT_STRING_EQUAL(status_of(flip, buf, sizeof(buf)), "passing");
    snprintf(path, sizeof(path), "/api/v1/health/checks/%lld/history?limit=10", flip);
    long hs;
    o = get_json(f.dc, path, &hs);
    CU_ASSERT_EQUAL(hs, 200);
    json_object *results = jpath(o, "results");
    int failed = 0, held = 0;
    /* newest first, back to when it became passing: each failure recorded, none moved the status */
    for (size_t i = 0; results && i < json_object_array_length(results); i++) {
        json_object *x = json_object_array_get_idx(results, i);
        if (strcmp(jstr(x, "status"), "passing") != 0)
            break;
        failed += strcmp(jstr(x, "result"), "critical") == 0;
        held++;
    }
    CU_ASSERT(failed >= 2);
    CU_ASSERT(held >= 5);
    json_object_put(o);

    /* what is failing now: bad, text, closed, slow; not ok, tcp, flip */
    o = get_json(f.dc, "/api/v1/health/failing", &hs);
    CU_ASSERT_EQUAL(hs, 200);
    const char *all = json_object_to_json_string(jpath(o, "checks"));
    char idtext[40];
    long long failing[] = { bad, text, closed, slow }, fine[] = { ok, tcp, flip };
    for (int i = 0; i < 4; i++) {
        snprintf(idtext, sizeof(idtext), "{ \"id\": %lld,", failing[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(all, idtext));
    }
    for (int i = 0; i < 3; i++) {
        snprintf(idtext, sizeof(idtext), "{ \"id\": %lld,", fine[i]);
        CU_ASSERT_PTR_NULL(strstr(all, idtext));
    }
    json_object_put(o);
    /* a change of status is audited as the runner's */
    snprintf(path, sizeof(path), "SELECT COUNT(*) FROM audit_events WHERE action = 'health.check.status' AND target_id = '%lld' "
                                 "AND actor_type = 'runner'", ok);
    CU_ASSERT(root_number(path) >= 1);
    kill(svc, SIGTERM);
    waitpid(svc, NULL, 0);
}

static void test_ttl_checks(void)
{
    long st;
    struct resp r;
    char path[128], buf[32];
    long long id = check_make("\"name\":\"beat\",\"kind\":\"ttl\",\"ttl_seconds\":30,\"success_before_passing\":1", &st);
    CU_ASSERT_EQUAL_FATAL(st, 201);
    snprintf(path, sizeof(path), "/api/v1/health/checks/%lld/status", id);
    CU_ASSERT_EQUAL(session_req(f.dc, f.dx, "PUT", path, "{\"status\":\"passing\",\"output\":\"queue empty\"}", NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"passing\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(f.dc, f.dx, "PUT", path, "{\"status\":\"fine\"}", NULL, &r), 422);
    resp_free(&r);
    /* the report is late: the runner marks it */
    char sql[200];
    snprintf(sql, sizeof(sql), "UPDATE health_checks SET due_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = %lld", id);
    CU_ASSERT_EQUAL(as_root(sql), 0);
    char out[8192];
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    json_object *o = check_get(id);
    CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "passing");   /* one late report of the default 3 moves nothing yet */
    json_object_put(o);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(as_root(sql), 0);
        CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    }
    CU_ASSERT_STRING_EQUAL(status_of(id, buf, sizeof(buf)), "critical");
    o = check_get(id);
    CU_ASSERT_STRING_EQUAL(jstr(o, "output"), "no report for 30 s");
    json_object_put(o);
    /* an http check is the runner's to run, not reported */
    char tail[256];
    snprintf(tail, sizeof(tail), "\"name\":\"web\",\"kind\":\"http\",\"target\":\"http://127.0.0.1:%d/ok\"", port);
    long long web = check_make(tail, &st);
    snprintf(path, sizeof(path), "/api/v1/health/checks/%lld/status", web);
    CU_ASSERT_EQUAL(session_req(f.dc, f.dx, "PUT", path, "{\"status\":\"passing\"}", NULL, &r), 409);
    resp_free(&r);
}

/* An instance's checks decide whether discovery gives it out. */
static void test_discovery_health(void)
{
    pid_t svc = service(&port);
    CU_ASSERT_FATAL(svc > 0);
    char path[512], body[512], tail[512], disc[256];
    struct resp r;
    const char *name = strchr(f.entity, '/') + 1;
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s/instances/production/i-1", name);
    snprintf(body, sizeof(body), "{\"url\":\"http://127.0.0.1:%d\",\"ttl_seconds\":600}", port);
    CU_ASSERT_EQUAL_FATAL(session_req(f.dc, f.dx, "PUT", path, body, NULL, &r), 201);
    resp_free(&r);
    snprintf(disc, sizeof(disc), "/api/v1/catalog/discover/%s?environment=production", name);
    CU_ASSERT_EQUAL(get_as(f.dc, disc, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"instance\":\"i-1\""));
    resp_free(&r);
    long st;
    snprintf(tail, sizeof(tail), "\"name\":\"i1-live\",\"environment\":\"production\",\"instance\":\"i-1\",\"kind\":\"http\","
                                 "\"target\":\"http://127.0.0.1:%d/bad\",\"failures_before_critical\":1", port);
    long long id = check_make(tail, &st);
    CU_ASSERT_EQUAL_FATAL(st, 201);
    pass();
    /* critical: out of discovery by default; there with its status when asked for every instance */
    CU_ASSERT_EQUAL(get_as(f.dc, disc, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"instance\":\"i-1\""));
    resp_free(&r);
    char any[300];
    snprintf(any, sizeof(any), "%s&health=any", disc);
    CU_ASSERT_EQUAL(get_as(f.dc, any, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"instance\":\"i-1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"critical\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s/instances", name);
    CU_ASSERT_EQUAL(get_as(f.dc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"critical\""));
    resp_free(&r);
    /* the check fixed: back in */
    snprintf(path, sizeof(path), "UPDATE health_checks SET target = 'http://127.0.0.1:%d/ok' WHERE id = %lld", port, id);
    CU_ASSERT_EQUAL(as_root(path), 0);
    pass();
    pass();
    CU_ASSERT_EQUAL(get_as(f.dc, disc, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"instance\":\"i-1\""));
    resp_free(&r);
    /* the entity's checks list has it, with the others */
    snprintf(path, sizeof(path), "/api/v1/health/checks?entity=%s", f.enc);
    CU_ASSERT_EQUAL(get_as(f.dc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"name\":\"i1-live\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"name\":\"flip\""));
    resp_free(&r);
    kill(svc, SIGTERM);
    waitpid(svc, NULL, 0);
}

void health_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;
    ADD(area, "health: checks made by the entity's team, each field checked, audited, deleted", test_checks_kept_and_refused);
    ADD(area, "health: the runner runs http and tcp checks; loopback refused by default; damping; failing now",
        test_runner_runs_checks);
    ADD(area, "health: ttl checks reported by the service, marked when late", test_ttl_checks);
    ADD(area, "health: an instance's checks decide discovery (health=any shows all)", test_discovery_health);
}
