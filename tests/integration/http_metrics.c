/*
 * Integration suite, metrics: who may scrape (a permission, a token's scope, an address of
 * metrics_allow), what is counted across the handler processes, both formats, promtool's lint,
 * and a real Prometheus (Debian's) scraping the stack on loopback and answering PromQL.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"

static const char metrics_path[] = "/api/v1/system/metrics";

/* The value of the sample written exactly name{labels} (-1: absent). */
static double sample(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return atof(p + n + 1);
    return -1;
}

static char token[128];   /* a token with system.metrics.read only, made by the first test */

/* A token of the admin's with these scopes (http_suites.h: http_monitor.c's scraper's too). */
void token_make(const char *scopes, char *out, size_t len)
{
    char cookie[256], csrf[128], body[256];
    struct resp r;
    out[0] = '\0';
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"name\":\"prometheus\",\"scopes\":[%s],\"expires_in_days\":1}", scopes);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(out, len, "%s", o && jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
}

static char *scrape(const char *accept, struct resp *r)
{
    char auth[200], acc[200];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    snprintf(acc, sizeof(acc), "Accept: %s", accept ? accept : "*/*");
    const char *h[] = { auth, acc, NULL };
    if (request("GET", metrics_path, NULL, NULL, 0, h, r) < 0 || r->status != 200) {
        fprintf(stderr, "\n    scrape: %ld %s\n", r->status, r->body ? r->body : "");
        return NULL;
    }
    return r->body;
}

static void test_who_may_scrape(void)
{
    struct resp r;
    token_make("\"system.metrics.read\"", token, sizeof(token));
    /* nobody, from an address not in metrics_allow: 401 */
    CU_ASSERT_EQUAL(request("GET", metrics_path, NULL, NULL, 0, NULL, &r), 0);
    json_object_put(assert_problem(&r, 401, "unauthenticated"));
    resp_free(&r);
    /* a developer: 403, in words */
    char dcookie[256], dcsrf[128];
    CU_ASSERT_EQUAL_FATAL(make_user("metrics-dev", "developer"), 0);
    CU_ASSERT_EQUAL_FATAL(login("metrics-dev", "metrics-dev-password-1", dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf)), 200);
    CU_ASSERT_EQUAL(get_as(dcookie, metrics_path, &r), 403);
    CU_ASSERT_PTR_NOT_NULL(r.body && strstr(r.body, "metrics"));
    resp_free(&r);
    /* a token without the scope: 403; with it: 200 */
    char other[128];
    token_make("\"catalog.entity.read\"", other, sizeof(other));
    CU_ASSERT_EQUAL(get_bearer(other, metrics_path, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(token, metrics_path, &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "text/plain; version=0.0.4"));
    resp_free(&r);
    /* an address of metrics_allow (the suites' stack lets 127.0.0.2 in) needs no credential */
    client_address = "127.0.0.2";
    CU_ASSERT_EQUAL(request("GET", metrics_path, NULL, NULL, 0, NULL, &r), 0);
    client_address = NULL;
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(r.body && strstr(r.body, "portico_http_requests_total{"));
    resp_free(&r);
    /* the denials above are audited as any other */
    CU_ASSERT_TRUE(root_number("SELECT COUNT(*) FROM audit_events WHERE action = 'http.denied' AND "
                               "target_id = '/api/v1/system/metrics'") >= 3);
}

static void test_counts_across_processes(void)
{
    struct resp r;
    const char *version = "portico_http_requests_total{area=\"system\",method=\"GET\",route=\"/api/v1/system/version\",code=\"2xx\"}";
    const char *unmatched = "portico_http_requests_total{area=\"catalog\",method=\"-\",route=\"unmatched\",code=\"4xx\"}";
    const char *refused = "portico_login_refusals_total{area=\"auth\",reason=\"credentials\"}";
    char *t = scrape(NULL, &r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    double v0 = sample(t, version), u0 = sample(t, unmatched), l0 = sample(t, refused);
    resp_free(&r);
    CU_ASSERT(v0 >= 0 && u0 >= 0 && l0 >= 0);
    /* 40 requests, served by whichever of the pool's processes is free: counted once each */
    for (int i = 0; i < 40; i++) {
        CU_ASSERT_EQUAL(request("GET", "/api/v1/system/version", NULL, NULL, 0, NULL, &r), 0);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(request("GET", "/api/v1/catalog/no-such-thing", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    char cookie[256], csrf[128];
    CU_ASSERT_EQUAL(login("admin", "not the password", cookie, sizeof(cookie), csrf, sizeof(csrf)), 401);
    /* one runner pass: its heartbeat and its slot file */
    char out[4096];
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);

    t = scrape(NULL, &r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(sample(t, version), v0 + 40);
    CU_ASSERT_EQUAL(sample(t, unmatched), u0 + 1);
    CU_ASSERT_EQUAL(sample(t, refused), l0 + 1);
    CU_ASSERT(sample(t, "portico_http_request_duration_seconds_count{area=\"system\",method=\"GET\",route=\"/api/v1/system/version\"}") >= v0 + 40);
    CU_ASSERT(sample(t, "portico_db_query_duration_seconds_count{area=\"auth\"}") > 0);
    CU_ASSERT(sample(t, "portico_processes{area=\"system\"}") >= 1);
    CU_ASSERT(sample(t, "portico_processes{area=\"runner\"}") >= 0);
    CU_ASSERT(sample(t, "portico_runner_jobs_total{kind=\"provision\",outcome=\"succeeded\"}") >= 0);
    double seen = sample(t, "portico_runner_last_seen_seconds");
    CU_ASSERT(seen >= 0 && seen < 60);
    CU_ASSERT(sample(t, "portico_jobs{state=\"queued\"}") >= 0);
    CU_ASSERT(sample(t, "portico_jobs_queue_lag_seconds") >= 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "portico_build_info{version=\""));
    /* each family once, its HELP and TYPE before its samples */
    const char *type = strstr(t, "# TYPE portico_http_request_duration_seconds histogram\n");
    CU_ASSERT_PTR_NOT_NULL(type);
    CU_ASSERT(type && type < strstr(t, "portico_http_request_duration_seconds_bucket{"));
    resp_free(&r);
}

static void test_openmetrics(void)
{
    struct resp r;
    char *t = scrape("application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5", &r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/openmetrics-text; version=1.0.0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "# TYPE portico_http_requests counter\n"));
    CU_ASSERT(r.len >= 6 && strcmp(r.body + r.len - 6, "# EOF\n") == 0);
    resp_free(&r);
}

/* promtool's lint of what a scrape says (a body in a file, checked as Prometheus reads it). */
static void test_promtool(void)
{
    struct resp r;
    char *t = scrape(NULL, &r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    char path[] = "/tmp/portico-scrape-XXXXXX", cmd[512], out[8192];
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, r.body, r.len), (ssize_t)r.len);
    close(fd);
    resp_free(&r);
    snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
    int rc = run(cmd, out, sizeof(out));
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    if (rc != 0 || out[0])
        fprintf(stderr, "\n    promtool: %s\n", out);
    unlink(path);
}

/* A free port on loopback (bound and let go: Prometheus takes it next). */
static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* Prometheus' instant query of expr: its first result's value (-1: none yet). */
double promql(int port, const char *expr)
{
    char cmd[1024], out[8192];
    snprintf(cmd, sizeof(cmd), "curl -s -G --max-time 5 'http://127.0.0.1:%d/api/v1/query' --data-urlencode 'query=%s'",
             port, expr);
    if (run(cmd, out, sizeof(out)) != 0)
        return -1;
    json_object *o = json_tokener_parse(out), *v = jpath(o, "data/result");
    double d = -1;
    if (v && json_object_array_length(v) > 0) {
        json_object *val = NULL;
        if (json_object_object_get_ex(json_object_array_get_idx(v, 0), "value", &val) &&
            json_object_array_length(val) == 2)
            d = atof(json_object_get_string(json_object_array_get_idx(val, 1)));
    }
    json_object_put(o);
    return d;
}

/* expr with the dashboard's variables given values, URL-encoded for a query string */
static void expr_encode(const char *expr, char *out, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const char *p = expr; *p && n + 8 < len; p++) {
        const char *put = NULL;
        if (strncmp(p, "$__rate_interval", 16) == 0) {
            put = "1m";
            p += 15;
        } else if (strncmp(p, "$area", 5) == 0) {
            put = ".*";
            p += 4;
        }
        for (const char *q = put; q && *q && n + 4 < len; q++) {
            out[n++] = '%';
            out[n++] = hex[(unsigned char)*q >> 4];
            out[n++] = hex[*q & 15];
        }
        if (put)
            continue;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') {
            out[n++] = *p;
        } else {
            out[n++] = '%';
            out[n++] = hex[(unsigned char)*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

/* The Grafana dashboard shipped for Portico's metrics (share/grafana/portico.json; Grafana is not
 * a Debian package): its form as Grafana reads it, and every panel's query accepted by the real
 * Prometheus and answered with series, so no panel names a metric Portico does not export. */
static void dashboard_check(int port)
{
    const char *sql = getenv("PORTICO_TEST_SQL");
    char path[1024];
    snprintf(path, sizeof(path), "%s/../share/grafana/portico.json", sql ? sql : ".");
    json_object *d = json_object_from_file(path), *panels, *vars;
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_NULL(jstr(d, "title"));
    CU_ASSERT_PTR_NOT_NULL(jstr(d, "uid"));
    CU_ASSERT(jint(d, "schemaVersion") >= 30);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(d, "panels", &panels) && json_object_array_length(panels) > 0);
    vars = jpath(d, "templating/list");
    bool datasource = false;
    for (size_t i = 0; vars && i < json_object_array_length(vars); i++) {
        json_object *v = json_object_array_get_idx(vars, i);
        datasource |= strcmp(jstr(v, "name") ? jstr(v, "name") : "", "datasource") == 0 &&
                      strcmp(jstr(v, "query") ? jstr(v, "query") : "", "prometheus") == 0;
    }
    CU_ASSERT_TRUE(datasource);
    int queries = 0, bad = 0;
    long long ids[128];
    size_t nids = 0;
    for (size_t i = 0; i < json_object_array_length(panels); i++) {
        json_object *p = json_object_array_get_idx(panels, i), *targets;
        const char *type = jstr(p, "type");
        CU_ASSERT_PTR_NOT_NULL_FATAL(type);
        long long id = jint(p, "id");
        for (size_t k = 0; k < nids; k++)
            CU_ASSERT_NOT_EQUAL(ids[k], id);   /* ids unique */
        if (nids < 128)
            ids[nids++] = id;
        json_object *g = jpath(p, "gridPos");
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        CU_ASSERT(jint(g, "w") > 0 && jint(g, "x") >= 0 && jint(g, "x") + jint(g, "w") <= 24 && jint(g, "h") > 0);
        if (strcmp(type, "row") == 0)
            continue;
        CU_ASSERT(strcmp(type, "timeseries") == 0 || strcmp(type, "stat") == 0 || strcmp(type, "table") == 0);
        CU_ASSERT_STRING_EQUAL(jstr(jpath(p, "datasource"), "uid") ? jstr(jpath(p, "datasource"), "uid") : "", "${datasource}");
        CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(p, "targets", &targets) && json_object_array_length(targets) > 0);
        for (size_t t = 0; t < json_object_array_length(targets); t++) {
            const char *expr = jstr(json_object_array_get_idx(targets, t), "expr");
            CU_ASSERT_PTR_NOT_NULL_FATAL(expr);
            char enc[4096], cmd[5000], out[65536];
            expr_encode(expr, enc, sizeof(enc));
            snprintf(cmd, sizeof(cmd), "curl -s --max-time 5 'http://127.0.0.1:%d/api/v1/query?query=%s'", port, enc);
            CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
            json_object *o = json_tokener_parse(out), *res = jpath(o, "data/result");
            bool ok = o && strcmp(jstr(o, "status") ? jstr(o, "status") : "", "success") == 0 && res &&
                      json_object_array_length(res) > 0;
            if (!ok) {
                bad++;
                fprintf(stderr, "\n    panel %s: %s: %.300s\n", jstr(p, "title"), expr, out);
            }
            json_object_put(o);
            queries++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(queries >= 15);
    json_object_put(d);
}

static void test_prometheus_scrapes(void)
{
    char dir[] = "/tmp/portico-prometheus-XXXXXX", conf[600], cmd[2048], log[600];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    int port = free_port();
    CU_ASSERT_FATAL(port > 0);
    const char *target = strstr(base_url, "://");
    snprintf(conf, sizeof(conf), "%s/prometheus.yml", dir);
    FILE *f = fopen(conf, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
               "scrape_configs:\n  - job_name: portico\n    metrics_path: %s\n"
               "    authorization:\n      credentials: %s\n    static_configs:\n      - targets: ['%s']\n",
            metrics_path, token, target ? target + 3 : "127.0.0.1:80");
    fclose(f);
    snprintf(log, sizeof(log), "%s/prometheus.log", dir);
    pid_t pid = fork();
    if (pid == 0) {
        char listen[64], storage[600];
        snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", port);
        snprintf(storage, sizeof(storage), "--storage.tsdb.path=%s/data", dir);
        char cfgarg[700];
        snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", conf);
        FILE *l = freopen(log, "w", stderr);
        (void)l;
        execlp("prometheus", "prometheus", cfgarg, storage, listen, (char *)NULL);
        _exit(127);
    }
    CU_ASSERT_FATAL(pid > 0);
    /* up, then Portico's own figures, as a dashboard asks for them */
    double up = -1, served = -1;
    for (int i = 0; i < 300 && (up != 1 || served <= 0); i++) {
        usleep(100000);
        up = promql(port, "up{job=\"portico\"}");
        served = promql(port, "sum(portico_http_requests_total{area=\"system\",code=\"2xx\"})");
    }
    CU_ASSERT_EQUAL(up, 1);
    CU_ASSERT(served > 0);
    /* a histogram's quantile over the scrapes it has */
    double p99 = -1;
    for (int i = 0; i < 100 && p99 < 0; i++) {
        struct resp r;
        request("GET", "/api/v1/system/version", NULL, NULL, 0, NULL, &r);
        resp_free(&r);
        usleep(100000);
        p99 = promql(port, "histogram_quantile(0.99, sum by (le) (rate(portico_http_request_duration_seconds_bucket[5s])))");
    }
    CU_ASSERT(p99 >= 0 && p99 < 10);
    if (up != 1 || served <= 0) {
        snprintf(cmd, sizeof(cmd), "tail -n 5 %s >&2; curl -s 'http://127.0.0.1:%d/api/v1/targets' >&2", log, port);
        if (system(cmd) != 0) {
            /* only a note */
        }
    }
    dashboard_check(port);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        /* a scratch directory left behind */
    }
}

/* The platform's status: for anyone logged in; the database, the runner heard from (the pass of
 * test_counts_across_processes), the queue, each area's processes. */
static void test_status(void)
{
    struct resp r;
    CU_ASSERT_EQUAL(request("GET", "/api/v1/system/status", NULL, NULL, 0, NULL, &r), 0);
    json_object_put(assert_problem(&r, 401, "unauthenticated"));
    resp_free(&r);
    char cookie[256], csrf[128];
    CU_ASSERT_EQUAL_FATAL(login("metrics-dev", "metrics-dev-password-1", cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    char out[4096];
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    long st;
    json_object *o = get_json(cookie, "/api/v1/system/status", &st);
    CU_ASSERT_EQUAL_FATAL(st, 200);
    CU_ASSERT_STRING_EQUAL(jstr(jpath(o, "database"), "status"), "ok");
    CU_ASSERT_EQUAL(jint(jpath(o, "database"), "schema"), jint(jpath(o, "database"), "schema_expected"));
    CU_ASSERT_STRING_EQUAL(jstr(jpath(o, "runner"), "status"), "ok");
    CU_ASSERT(jint(jpath(o, "runner"), "alive") >= 1);
    CU_ASSERT_PTR_NOT_NULL(jstr(jpath(o, "runner"), "last_seen_at"));
    CU_ASSERT(jint(jpath(o, "queue"), "queued") >= 0);
    CU_ASSERT_PTR_NOT_NULL(jpath(o, "queue/lag_seconds"));
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "pools_counted")));
    json_object *pools = jpath(o, "pools");
    bool system = false;
    for (size_t i = 0; pools && i < json_object_array_length(pools); i++) {
        json_object *p = json_object_array_get_idx(pools, i);
        if (strcmp(jstr(p, "area"), "system") == 0)
            system = jint(p, "processes") >= 1;
    }
    CU_ASSERT_TRUE(system);
    /* a runner not heard from for 3 minutes is stale, and the platform degraded */
    CU_ASSERT_EQUAL(as_root("UPDATE runner_heartbeats SET seen_at = seen_at - INTERVAL 10 MINUTE"), 0);
    json_object_put(o);
    o = get_json(cookie, "/api/v1/system/status", &st);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(jstr(jpath(o, "runner"), "status"), "stale");
    CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "degraded");
    CU_ASSERT(json_object_get_double(jpath(o, "runner/seconds_since")) >= 600);
    json_object_put(o);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    o = get_json(cookie, "/api/v1/system/status", &st);
    CU_ASSERT_STRING_EQUAL(jstr(jpath(o, "runner"), "status"), "ok");
    /* ok again, unless a job due long ago still waits (earlier suites' jobs, on a shared stack) */
    CU_ASSERT(strcmp(jstr(o, "status"), "ok") == 0 || json_object_get_double(jpath(o, "queue/lag_seconds")) > 300);
    json_object_put(o);
}

void metrics_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;
    ADD(area, "metrics: a permission, a token's scope or an address of metrics_allow", test_who_may_scrape);
    ADD(area, "metrics: requests, refusals, statements and the queue, summed over the processes", test_counts_across_processes);
    ADD(area, "metrics: OpenMetrics when asked", test_openmetrics);
    ADD(area, "metrics: promtool check metrics is clean", test_promtool);
    ADD(area, "metrics: a real Prometheus scrapes it and answers PromQL; the Grafana dashboard's queries", test_prometheus_scrapes);
    ADD(area, "status: database, runner (stale when not heard from), queue, processes by area", test_status);
}
