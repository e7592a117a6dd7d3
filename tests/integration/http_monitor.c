/*
 * Integration suite, alerts and dashboards: who may read and write rules, receivers and
 * silences (and the denials); a health rule fired by the real runner, delivered to loopback
 * receivers in the Alertmanager and the Slack formats, notified in the portal, acknowledged,
 * silenced, resolved, with its history; a for-duration; a promql rule and the dashboards' series
 * asked of a real Prometheus (Debian's) started on the stack's port + 3 (dev.sh's
 * prometheus_url) scraping Portico with the fixture entity's label — and another entity's
 * series not reachable through the scoping.
 */
#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/cicd_fixture.h"
#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"
#include "tests/loopback.h"

static struct cicd_fixture f;
static char oc[256], ox[128];   /* a developer of another team */

/* o as text, '/' not escaped (refs hold them) */
static const char *text_of(json_object *o)
{
    return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE) : "";
}

/* a list's length (0 when it is none) */
static size_t len_of(json_object *a)
{
    return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static long long make(const char *cookie, const char *csrf, const char *path, const char *body, long want)
{
    struct resp r;
    long st = post_session(cookie, csrf, "POST", path, body, &r);
    if (st != want)
        fprintf(stderr, "\n    POST %s: %ld %s\n", path, st, r.body);
    CU_ASSERT_EQUAL(st, want);
    long long id = st == 201 ? created_id(&r) : 0;
    resp_free(&r);
    return id;
}

static json_object *rule_get(long long id)
{
    char path[96];
    long st;
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld", id);
    json_object *o = get_json(f.dc, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    return o;
}

static const char *rule_state(long long id, char *buf, size_t len)
{
    json_object *o = rule_get(id);
    snprintf(buf, len, "%s", jstr(o, "state") ? jstr(o, "state") : "?");
    json_object_put(o);
    return buf;
}

/* the runner's next pass evaluates the rule at once */
static void evaluate(void)
{
    char out[8192];
    CU_ASSERT_EQUAL(as_root("UPDATE alert_rules SET due_at = UTC_TIMESTAMP(6)"), 0);
    int rc = runner_pass(out, sizeof(out));
    if (rc != 0)
        fprintf(stderr, "\n    runner: %s\n", out);
    CU_ASSERT_EQUAL(rc, 0);
}

static void test_who_may(void)
{
    cicd_fixture(&f, "mon");
    char other[64];
    snprintf(other, sizeof(other), "%s-o", f.team);
    char tb[160];
    snprintf(tb, sizeof(tb), "{\"name\":\"%s\"}", other);
    make(f.acookie, f.acsrf, "/api/v1/iam/teams", tb, 201);
    char name[80];
    snprintf(name, sizeof(name), "%s-odev", f.team);
    CU_ASSERT_EQUAL_FATAL(person_make(name, "developer", other, true, oc, sizeof(oc), ox, sizeof(ox), NULL), 0);
    char body[512];
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"down\",\"kind\":\"health\",\"metric\":\"critical\","
                                 "\"op\":\">\",\"threshold\":0}", f.entity);
    /* another team's developer reads the catalog, not this team's alerts, and writes none */
    make(oc, ox, "/api/v1/monitor/rules", body, 403);
    long long id = make(f.dc, f.dx, "/api/v1/monitor/rules", body, 201);
    make(f.dc, f.dx, "/api/v1/monitor/rules", body, 409);
    char path[96];
    long st;
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld", id);
    json_object_put(get_json(oc, path, &st));
    CU_ASSERT_EQUAL(st, 403);
    struct resp r;
    CU_ASSERT_EQUAL(request("GET", path, NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(oc, ox, "DELETE", path, NULL, &r), 403);
    resp_free(&r);
    /* bad definitions, each on its field */
    static const char *const bad[][2] = {
        { "\"kind\":\"promql\"", "expr" },
        { "\"kind\":\"health\",\"metric\":\"jobs\",\"op\":\">\"", "metric" },
        { "\"kind\":\"dora\",\"metric\":\"lead_time\",\"op\":\">\",\"window_seconds\":3600", "window_seconds" },
        { "\"kind\":\"promql\",\"expr\":\"up{portico_entity=\\\"component:default/x\\\"}\"", "expr" },
        { "\"kind\":\"promql\",\"expr\":\"{a=\\\"1\\\" or b=\\\"2\\\"}\"", "expr" },
        { "\"kind\":\"health\",\"metric\":\"critical\"", "op" },
        { "\"kind\":\"failures\",\"metric\":\"jobs\",\"op\":\">\",\"environment\":\"production\"", "environment" },
        { "\"kind\":\"promql\",\"expr\":\"info(up)\"", "expr" },
        { "\"kind\":\"promql\",\"expr\":\"by(up)\"", "expr" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"bad%zu\",%s}", f.entity, i, bad[i][0]);
        CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/monitor/rules", body, &r), 422);
        json_object *o = json_tokener_parse(r.body), *errs = jpath(o, "errors");
        bool named = false;
        for (size_t k = 0; errs && k < json_object_array_length(errs); k++)
            named |= strcmp(jstr(json_object_array_get_idx(errs, k), "field"), bad[i][1]) == 0;
        if (!named)
            fprintf(stderr, "\n    %s: %s\n", bad[i][0], r.body);
        CU_ASSERT_TRUE(named);
        json_object_put(o);
        resp_free(&r);
    }
    /* a receiver is a maintainer's; its URL must be one a webhook may go to */
    snprintf(body, sizeof(body), "{\"team\":\"%s\",\"name\":\"x\",\"format\":\"slack\",\"url\":\"https://hooks.example/x\"}",
             f.team);
    make(f.dc, f.dx, "/api/v1/monitor/receivers", body, 403);
    snprintf(body, sizeof(body), "{\"team\":\"%s\",\"name\":\"x\",\"format\":\"slack\",\"url\":\"http://10.1.2.3/x\"}",
             f.team);
    make(f.mc, f.mx, "/api/v1/monitor/receivers", body, 422);
    /* the audit log has the rule */
    snprintf(path, sizeof(path), "SELECT COUNT(*) FROM audit_events WHERE action = 'monitor.rule.create' AND target_id = '%lld'",
             id);
    CU_ASSERT_EQUAL(root_number(path), 1);
    /* the entity given to the other team: its rules are that team's now, not the rule's maker's */
    char q[512];
    snprintf(q, sizeof(q), "UPDATE entities SET owner_team = '%s' WHERE ref = '%s'", other, f.entity);
    CU_ASSERT_EQUAL(as_root(q), 0);
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld", id);
    json_object *o = get_json(oc, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(jstr(o, "team"), other);
    json_object_put(o);
    json_object_put(get_json(f.dc, path, &st));
    CU_ASSERT_EQUAL(st, 403);
    snprintf(q, sizeof(q), "UPDATE entities SET owner_team = '%s' WHERE ref = '%s'", f.team, f.entity);
    CU_ASSERT_EQUAL(as_root(q), 0);
}

/* A loopback receiver: the request it gets, read into buf. */
static void receive(int fd, pid_t pid, char *buf, size_t len)
{
    ssize_t n = read(fd, buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    waitpid(pid, NULL, 0);
}

static void test_fires_and_routes(void)
{
    char body[1024], path[128], state[16], buf[16384];
    /* a ttl check reported critical by the service */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"alive\",\"kind\":\"ttl\",\"ttl_seconds\":600,"
                                 "\"success_before_passing\":1,\"failures_before_critical\":1}", f.entity);
    long long check = make(f.dc, f.dx, "/api/v1/health/checks", body, 201);
    char cpath[96];
    snprintf(cpath, sizeof(cpath), "/api/v1/health/checks/%lld/status", check);
    struct resp r;
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", cpath, "{\"status\":\"critical\",\"output\":\"db gone\"}", &r), 200);
    resp_free(&r);
    /* two receivers on loopback */
    int pa, pb, fa, fb;
    pid_t am = loopback_once(200, "{}", &pa, &fa), sl = loopback_once(200, "ok", &pb, &fb);
    CU_ASSERT_FATAL(am > 0 && sl > 0);
    snprintf(body, sizeof(body), "{\"team\":\"%s\",\"name\":\"am\",\"format\":\"alertmanager\",\"url\":\"http://127.0.0.1:%d/hook\"}",
             f.team, pa);
    long long ra = make(f.mc, f.mx, "/api/v1/monitor/receivers", body, 201);
    snprintf(body, sizeof(body), "{\"team\":\"%s\",\"name\":\"chat\",\"format\":\"slack\",\"url\":\"http://127.0.0.1:%d/s\","
                                 "\"min_severity\":\"critical\"}", f.team, pb);
    make(f.mc, f.mx, "/api/v1/monitor/receivers", body, 201);
    /* the URL is in the secrets store, not in the answer */
    long st;
    snprintf(path, sizeof(path), "/api/v1/monitor/receivers?team=%s", f.team);
    json_object *o = get_json(f.dc, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_PTR_NULL(strstr(text_of(o), "/hook"));
    json_object_put(o);
    snprintf(path, sizeof(path), "SELECT COUNT(*) FROM secrets WHERE path = 'team/%s/alert-receiver-%lld'", f.team, ra);
    CU_ASSERT_EQUAL(root_number(path), 1);
    /* the rule of test_who_may: critical checks > 0 */
    snprintf(path, sizeof(path), "SELECT a.id FROM alert_rules a JOIN entities e ON e.id = a.entity_id WHERE e.ref = '%s'",
             f.entity);
    long long id = root_number(path);
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", path, "{\"name\":\"down\",\"kind\":\"health\",\"metric\":\"critical\","
                                 "\"op\":\">\",\"threshold\":0,\"severity\":\"critical\",\"summary\":\"a check is critical\"}",
                                 &r), 200);
    resp_free(&r);
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(id, state, sizeof(state)), "firing");
    receive(fa, am, buf, sizeof(buf));
    json_object *w = json_tokener_parse(loopback_body(buf) ? loopback_body(buf) : "");
    CU_ASSERT_STRING_EQUAL(jstr(w, "version"), "4");
    CU_ASSERT_STRING_EQUAL(jstr(w, "status"), "firing");
    CU_ASSERT_STRING_EQUAL(jstr(w, "receiver"), "am");
    json_object *alert = json_object_array_get_idx(jpath(w, "alerts"), 0);
    CU_ASSERT_STRING_EQUAL(jstr(jpath(alert, "labels"), "alertname"), "down");
    CU_ASSERT_STRING_EQUAL(jstr(jpath(alert, "labels"), "entity"), f.entity);
    CU_ASSERT_STRING_EQUAL(jstr(jpath(alert, "labels"), "severity"), "critical");
    CU_ASSERT_STRING_EQUAL(jstr(jpath(alert, "annotations"), "summary"), "a check is critical");
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "traceparent: 00-"));
    json_object_put(w);
    receive(fb, sl, buf, sizeof(buf));
    w = json_tokener_parse(loopback_body(buf) ? loopback_body(buf) : "");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(w, "text") ? jstr(w, "text") : "", "FIRING: down on "));
    json_object_put(w);
    /* in the portal, for the team */
    o = get_json(f.dc, "/api/v1/provision/notifications", &st);
    CU_ASSERT_PTR_NOT_NULL(strstr(text_of(o), "critical firing: down"));
    json_object_put(o);
    /* acknowledged, told, audited; only while firing */
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld/ack", id);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", path, "{\"comment\":\"on it\"}", &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_STRING_EQUAL(jstr(o, "acked_by"), jstr(o, "created_by"));
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(oc, ox, "POST", path, "{}", &r), 403);
    resp_free(&r);
    /* the service is well again: resolved, the acknowledgement gone with it */
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", cpath, "{\"status\":\"passing\"}", &r), 200);
    resp_free(&r);
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(id, state, sizeof(state)), "inactive");
    o = rule_get(id);
    CU_ASSERT_PTR_NULL(jstr(o, "acked_by"));
    json_object_put(o);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", path, "{}", &r), 409);
    resp_free(&r);
    /* silenced: it fires, its history says so, nothing is delivered */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"duration_seconds\":3600,\"comment\":\"maintenance\"}", f.entity);
    long long sid = make(f.dc, f.dx, "/api/v1/monitor/silences", body, 201);
    make(oc, ox, "/api/v1/monitor/silences", body, 403);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", cpath, "{\"status\":\"critical\"}", &r), 200);
    resp_free(&r);
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(id, state, sizeof(state)), "firing");
    char q[256];
    snprintf(q, sizeof(q), "SELECT COUNT(*) FROM alert_events v WHERE v.rule_id = %lld AND v.event = 'firing' AND "
                           "v.silence_id = %lld AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.event_id = v.id)",
             id, sid);
    CU_ASSERT_EQUAL(root_number(q), 1);
    /* the history, newest first: firing (silenced), resolved, acknowledged, firing */
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld/events", id);
    o = get_json(f.dc, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *ev = jpath(o, "events");
    CU_ASSERT_FATAL(len_of(ev) >= 4);
    const char *want[] = { "firing", "resolved", "acknowledged", "firing" };
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(ev, i), "event"), want[i]);
    CU_ASSERT_EQUAL(jint(json_object_array_get_idx(ev, 0), "silence_id"), sid);
    CU_ASSERT_EQUAL(jint(json_object_array_get_idx(ev, 3), "delivered"), 2);
    json_object_put(o);
    /* firing now, for those who may see it */
    o = get_json(f.dc, "/api/v1/monitor/alerts?state=firing", &st);
    CU_ASSERT_PTR_NOT_NULL(strstr(text_of(o), f.entity));
    json_object_put(o);
    o = get_json(oc, "/api/v1/monitor/alerts", &st);
    CU_ASSERT_PTR_NULL(strstr(text_of(o), f.entity));
    json_object_put(o);
    /* the silence expired; the check passing; a for-duration holds it pending */
    snprintf(path, sizeof(path), "/api/v1/monitor/silences/%lld", sid);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "DELETE", path, NULL, &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "active")));
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", cpath, "{\"status\":\"passing\"}", &r), 200);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"slowly\",\"kind\":\"health\",\"metric\":\"warning\","
                                 "\"op\":\">=\",\"threshold\":1,\"for_seconds\":120}", f.entity);
    long long slow = make(f.dc, f.dx, "/api/v1/monitor/rules", body, 201);
    snprintf(q, sizeof(q), "DELETE FROM alert_receivers WHERE team = '%s'", f.team);
    CU_ASSERT_EQUAL(as_root(q), 0);   /* (their listeners are gone) */
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", cpath, "{\"status\":\"warning\"}", &r), 200);
    resp_free(&r);
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(slow, state, sizeof(state)), "pending");
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(slow, state, sizeof(state)), "pending");
    snprintf(q, sizeof(q), "UPDATE alert_rules SET pending_since = pending_since - INTERVAL 3 MINUTE WHERE id = %lld", slow);
    CU_ASSERT_EQUAL(as_root(q), 0);
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(slow, state, sizeof(state)), "firing");
    /* deleted while firing: refused, its receivers would never hear it ended; disabled, the
     * runner resolves it, and a receiver is told */
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld", slow);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "DELETE", path, NULL, &r), 409);
    resp_free(&r);
    am = loopback_once(200, "{}", &pa, &fa);
    CU_ASSERT_FATAL(am > 0);
    snprintf(body, sizeof(body), "{\"team\":\"%s\",\"name\":\"am2\",\"format\":\"alertmanager\",\"url\":"
                                 "\"http://127.0.0.1:%d/hook\"}", f.team, pa);
    make(f.mc, f.mx, "/api/v1/monitor/receivers", body, 201);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", path, "{\"name\":\"slowly\",\"kind\":\"health\",\"metric\":"
                                 "\"warning\",\"op\":\">=\",\"threshold\":1,\"for_seconds\":120,\"enabled\":false}", &r), 200);
    resp_free(&r);
    evaluate();
    CU_ASSERT_STRING_EQUAL(rule_state(slow, state, sizeof(state)), "inactive");
    receive(fa, am, buf, sizeof(buf));
    w = json_tokener_parse(loopback_body(buf) ? loopback_body(buf) : "");
    CU_ASSERT_STRING_EQUAL(jstr(w, "status"), "resolved");
    json_object_put(w);
    snprintf(q, sizeof(q), "SELECT COUNT(*) FROM alert_events WHERE rule_id = %lld AND event = 'resolved' AND detail = "
                           "'the rule was disabled'", slow);
    CU_ASSERT_EQUAL(root_number(q), 1);
    evaluate();   /* disabled and inactive: left alone */
    CU_ASSERT_EQUAL(root_number(q), 1);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    /* a silence is 30 days at most, and starts within 30 days */
    char later[32], sooner[32];
    time_t t = time(NULL) + 40 * 86400;
    strftime(later, sizeof(later), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    t = time(NULL) + 86400;
    strftime(sooner, sizeof(sooner), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"ends_at\":\"%s\",\"comment\":\"long\"}", f.entity, later);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/monitor/silences", body, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "ends_at"));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"starts_at\":\"%s\",\"duration_seconds\":3600,\"comment\":"
                                 "\"ahead\"}", f.entity, later);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "POST", "/api/v1/monitor/silences", body, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "starts_at"));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"ends_at\":\"%s\",\"comment\":\"a day\"}", f.entity, sooner);
    make(f.dc, f.dx, "/api/v1/monitor/silences", body, 201);
}

/* Prometheus on the stack's port + 3, scraping Portico's metrics as the fixture entity's series. */
static pid_t prometheus_start(int *port, char *dir)
{
    const char *colon = strrchr(base_url, ':');
    *port = colon ? atoi(colon + 1) + 3 : 0;
    char conf[600], token[128];
    token_make("\"system.metrics.read\"", token, sizeof(token));
    snprintf(conf, sizeof(conf), "%s/prometheus.yml", dir);
    FILE *fp = fopen(conf, "w");
    if (!fp)
        return -1;
    fprintf(fp, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: portico\n"
                "    metrics_path: /api/v1/system/metrics\n    authorization:\n      credentials: %s\n"
                "    static_configs:\n      - targets: ['%s']\n        labels:\n          portico_entity: '%s'\n",
            token, strstr(base_url, "://") + 3, f.entity);
    fclose(fp);
    pid_t pid = fork();
    if (pid == 0) {
        char listen[64], storage[600], cfgarg[700], log[600];
        snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", *port);
        snprintf(storage, sizeof(storage), "--storage.tsdb.path=%s/data", dir);
        snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", conf);
        snprintf(log, sizeof(log), "%s/prometheus.log", dir);
        if (!freopen(log, "w", stderr))
            _exit(126);
        execlp("prometheus", "prometheus", cfgarg, storage, listen, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void test_prometheus(void)
{
    char dir[] = "/tmp/portico-monitor-XXXXXX", path[512], body[1024], state[16];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    int port;
    pid_t pid = prometheus_start(&port, dir);
    CU_ASSERT_FATAL(pid > 0);
    double up = -1;
    for (int i = 0; i < 300 && up != 1; i++) {
        usleep(100000);
        up = promql(port, "up{job=\"portico\"}");
    }
    CU_ASSERT_EQUAL(up, 1);
    if (up != 1) {
        snprintf(path, sizeof(path), "tail -n 5 %s/prometheus.log >&2", dir);
        if (system(path) != 0) {
            /* only a note */
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return;
    }
    /* a promql rule: any series (scoped: the fixture's), and one of another entity: none */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"scraped\",\"kind\":\"promql\",\"expr\":\"up == 1\","
                                 "\"severity\":\"info\"}", f.entity);
    long long id = make(f.dc, f.dx, "/api/v1/monitor/rules", body, 201);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"many\",\"kind\":\"promql\",\"expr\":\"count(up)\","
                                 "\"op\":\">=\",\"threshold\":1}", f.entity);
    long long cnt = make(f.dc, f.dx, "/api/v1/monitor/rules", body, 201);
    char other[600], opath[200], oname[100], oteam[80];
    struct resp r;
    long st;
    snprintf(oname, sizeof(oname), "%s-o-web", f.team);
    snprintf(oteam, sizeof(oteam), "%s-o", f.team);
    snprintf(opath, sizeof(opath), "/api/v1/catalog/entities/component/default/%s", oname);
    CU_ASSERT_EQUAL(session_req(f.acookie, f.acsrf, "PUT", opath, component_json(other, sizeof(other), oname, oteam, f.entity),
                                NULL, &r), 201);
    resp_free(&r);
    char oref[160];
    snprintf(oref, sizeof(oref), "component:default/%s-o-web", f.team);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"peek\",\"kind\":\"promql\",\"expr\":\"up\"}", oref);
    long long peek = make(oc, ox, "/api/v1/monitor/rules", body, 201);
    /* NaN and +Inf samples: compared as Prometheus does, never kept as the figure */
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"nan\",\"kind\":\"promql\",\"expr\":\"up / 0 - up / 0\","
                                 "\"severity\":\"info\"}", f.entity);
    long long nan = make(f.dc, f.dx, "/api/v1/monitor/rules", body, 201);
    snprintf(body, sizeof(body), "{\"entity\":\"%s\",\"name\":\"inf\",\"kind\":\"promql\",\"expr\":\"up / 0\","
                                 "\"op\":\">\",\"threshold\":1,\"severity\":\"info\"}", f.entity);
    long long inf = make(f.dc, f.dx, "/api/v1/monitor/rules", body, 201);
    evaluate();
    for (int k = 0; k < 2; k++) {
        json_object *x = rule_get(k ? inf : nan);
        CU_ASSERT_STRING_EQUAL(jstr(x, "state"), "firing");
        CU_ASSERT_PTR_NULL(jstr(x, "error"));
        CU_ASSERT_PTR_NULL(jpath(x, "value"));
        json_object_put(x);
    }
    CU_ASSERT_STRING_EQUAL(rule_state(id, state, sizeof(state)), "firing");
    CU_ASSERT_STRING_EQUAL(rule_state(cnt, state, sizeof(state)), "firing");
    snprintf(path, sizeof(path), "/api/v1/monitor/rules/%lld", peek);
    json_object *o = get_json(oc, path, &st);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "inactive");
    CU_ASSERT_PTR_NULL(jstr(o, "error"));
    json_object_put(o);
    /* the dashboards' series: the entity's own, scoped */
    /* (the first scrape may be later than the second now is in: asked again until it is not) */
    long long now = 0;
    o = NULL;
    for (int i = 0; i < 50 && len_of(jpath(o, "result")) == 0; i++) {
        json_object_put(o);
        if (i)
            usleep(100000);
        now = (long long)time(NULL) + 1;
        snprintf(path, sizeof(path), "/api/v1/monitor/query_range?entity=%s&query=sum%%28up%%29&start=%lld&end=%lld&step=1",
                 f.entity, now - 60, now);
        o = get_json(f.dc, path, &st);
    }
    CU_ASSERT_EQUAL(st, 200);
    if (st != 200 || len_of(jpath(o, "result")) != 1)
        fprintf(stderr, "\n    query_range: %ld %s\n", st, text_of(o));
    CU_ASSERT_STRING_EQUAL(jstr(o, "resultType"), "matrix");
    CU_ASSERT(len_of(jpath(o, "result")) == 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "query"), "portico_entity=\""));
    json_object_put(o);
    /* the other team: its entity has no series; this one's it may not read */
    snprintf(path, sizeof(path), "/api/v1/monitor/query_range?entity=%s&query=up&start=%lld&end=%lld", oref, now - 60, now);
    o = get_json(oc, path, &st);
    if (st != 200)
        fprintf(stderr, "\n    query_range: %ld %s\n", st, text_of(o));
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL(len_of(jpath(o, "result")), 0);
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/monitor/query_range?entity=%s&query=up", f.entity);
    json_object_put(get_json(oc, path, &st));
    CU_ASSERT_EQUAL(st, 403);
    /* what cannot be scoped, and what Prometheus refuses: 422 on query */
    snprintf(path, sizeof(path), "/api/v1/monitor/query_range?entity=%s&query=up%%7Bportico_entity%%3D%%22x%%22%%7D", f.entity);
    json_object_put(get_json(f.dc, path, &st));
    CU_ASSERT_EQUAL(st, 422);
    snprintf(path, sizeof(path), "/api/v1/monitor/query_range?entity=%s&query=rate%%28up%%29", f.entity);
    json_object_put(get_json(f.dc, path, &st));
    CU_ASSERT_EQUAL(st, 422);
    /* a person's own dashboard */
    snprintf(path, sizeof(path), "/api/v1/monitor/dashboards?entity=%s", f.entity);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", path, "{\"panels\":[{\"title\":\"Up\",\"query\":\"up\"},{\"title\":"
                                 "\"Requests\",\"query\":\"sum(rate(portico_http_requests_total[1m]))\",\"unit\":\"requests\"}]}",
                                 &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(f.dc, f.dx, "PUT", path, "{\"panels\":[{\"title\":\"x\",\"query\":\"{a=\\\"1\\\" or b=\\\"2\\\"}\"}]}",
                                 &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "panels/0/query"));
    resp_free(&r);
    o = get_json(f.dc, path, &st);
    CU_ASSERT_EQUAL(len_of(jpath(o, "panels")), 2);
    CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(jpath(o, "panels"), 1), "title"), "Requests");
    json_object_put(o);
    o = get_json(f.mc, path, &st);
    CU_ASSERT_EQUAL(len_of(jpath(o, "panels")), 0);   /* the maintainer's own: none yet */
    json_object_put(o);
    /* Prometheus gone: the series 502, the rule keeps its state and says why */
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    snprintf(path, sizeof(path), "/api/v1/monitor/query_range?entity=%s&query=up", f.entity);
    json_object_put(get_json(f.dc, path, &st));
    CU_ASSERT_EQUAL(st, 502);
    evaluate();
    o = rule_get(id);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "firing");
    CU_ASSERT_PTR_NOT_NULL(jstr(o, "error"));
    json_object_put(o);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0) {
        /* a scratch directory left behind */
    }
}

void monitor_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;
    ADD(area, "alerts: who may read and write rules and receivers; bad definitions on their fields", test_who_may);
    ADD(area, "alerts: fired by the runner, delivered (Alertmanager, Slack), acknowledged, silenced, resolved",
        test_fires_and_routes);
    ADD(area, "alerts and dashboards: promql rules and series from a real Prometheus, scoped to the entity",
        test_prometheus);
}
