/*
 * system: is Portico up? Liveness (no database), readiness (database reachable and the
 * schema migrated far enough for this build), the version, and an echo for checking that a
 * client or proxy passes JSON bodies through intact.
 */
#include "build.h"   /* autoconf: PACKAGE_VERSION */

#include <stdlib.h>
#include <string.h>

#include "lib/portico.h"
#include "lib/schema_version.h"
#include "lib/monotime.h"

static int system_health(struct app_ctx *c)
{
    return app_status(c, 200, "ok");
}

static const char sql_schema_version[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

static int system_ready(struct app_ctx *c)
{
    struct db_result r;
    if (db_query(c->db, c->arena, sql_schema_version, NULL, 0, &r, &c->problem) < 0)
        return -1;
    long current = db_cell(&r, 0, 0) ? strtol(db_cell(&r, 0, 0), NULL, 10) : 0;
    if (current < PORTICO_SCHEMA_VERSION) {
        c->problem.retry_after = c->cfg->retry_after;
        return problem_set(&c->problem, 503, "schema-outdated",
                           "the database schema is at migration %ld; this build needs %d: run portico-admin migrate",
                           current, PORTICO_SCHEMA_VERSION);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ready"));
    json_object *schema = json_object_new_object();
    json_object_object_add(schema, "current", json_object_new_int64(current));
    json_object_object_add(schema, "expected", json_object_new_int(PORTICO_SCHEMA_VERSION));
    json_object_object_add(o, "schema", schema);
    return app_json(c, 200, o);
}

static int system_version(struct app_ctx *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string("portico"));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    json_object_object_add(o, "api", json_object_new_string("v1"));
    json_object_object_add(o, "schema", json_object_new_int(PORTICO_SCHEMA_VERSION));
    return app_json(c, 200, o);
}

/* What the database knows of the runner's queue, as gauges: jobs by state that is not an end, the
 * oldest due job's wait, and the seconds since any runner was last seen (its heartbeat). */
static const char sql_queue[] =
    "SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'queued'), "
    "(SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6)), "
    "(SELECT COUNT(*) FROM jobs WHERE state = 'running'), "
    "(SELECT COUNT(*) FROM jobs WHERE state = 'running' AND due_at <= UTC_TIMESTAMP(6)), "
    "COALESCE(TIMESTAMPDIFF(MICROSECOND, (SELECT MIN(due_at) FROM jobs WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6)), "
    "UTC_TIMESTAMP(6)), 0), "
    "(SELECT COUNT(*) FROM cicd_deploys WHERE state = 'queued'), "
    "TIMESTAMPDIFF(MICROSECOND, (SELECT MAX(seen_at) FROM runner_heartbeats), UTC_TIMESTAMP(6))";

static const char *cell_or(const struct db_result *r, size_t col, const char *def)
{
    const char *v = db_cell(r, 0, col);
    return v ? v : def;
}

/* microseconds as text, in seconds */
static const char *seconds(struct app_ctx *c, const char *us)
{
    long long v = atoll(us);
    return arena_printf(c->arena, "%lld.%06lld", v / 1000000, v % 1000000 < 0 ? -(v % 1000000) : v % 1000000);
}

static int system_metrics(struct app_ctx *c)
{
    struct db_result q;
    if (db_query(c->db, c->arena, sql_queue, NULL, 0, &q, &c->problem) < 0)
        return -1;
    const char *heard = db_cell(&q, 0, 6);
    struct metrics_extra extra[] = {
        { "portico_jobs", "gauge", "Provisioning jobs by state: queued (due: may start now) and running (expired: its "
                                   "runner's lease ran out).",
          arena_printf(c->arena,
                       "portico_jobs{state=\"queued\"} %s\nportico_jobs{state=\"queued_due\"} %s\n"
                       "portico_jobs{state=\"running\"} %s\nportico_jobs{state=\"running_expired\"} %s\n",
                       cell_or(&q, 0, "0"), cell_or(&q, 1, "0"), cell_or(&q, 2, "0"), cell_or(&q, 3, "0")) },
        { "portico_jobs_queue_lag_seconds", "gauge", "How long the oldest due queued job has waited for a runner.",
          arena_printf(c->arena, "portico_jobs_queue_lag_seconds %s\n", seconds(c, cell_or(&q, 4, "0"))) },
        { "portico_deploys_queued", "gauge", "Deploys waiting for the runner to trigger them.",
          arena_printf(c->arena, "portico_deploys_queued %s\n", cell_or(&q, 5, "0")) },
        { "portico_runner_last_seen_seconds", "gauge", "Seconds since a runner last said it was alive (none: absent).",
          heard ? arena_printf(c->arena, "portico_runner_last_seen_seconds %s\n", seconds(c, heard)) : NULL },
        { "portico_build_info", "gauge", "This build: its version and the schema migration it expects.",
          arena_printf(c->arena, "portico_build_info{version=\"%s\",schema=\"%d\"} 1\n", PACKAGE_VERSION,
                       PORTICO_SCHEMA_VERSION) },
    };
    const char *accept = http_header(&c->req, "Accept");
    bool om = accept && strstr(accept, "application/openmetrics-text");
    size_t len = 0;
    char err[512];
    const char *text = metrics_scrape(c->arena, c->cfg->metrics_dir, om, extra, sizeof(extra) / sizeof(extra[0]), &len,
                                      err, sizeof(err));
    if (!text) {
        problem_internal(&c->problem, "%s", err);
        return problem_set(&c->problem, 500, "internal", "the metrics could not be read; see the server log");
    }
    http_response_body(&c->res, 200,
                       om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                          : "text/plain; version=0.0.4; charset=utf-8", text, len);
    return 0;
}

/* ---- the platform's status ------------------------------------------------------------------ */

/* A runner not heard from for this long has stopped (a cron pass says so every minute, a looping
 * runner every runner_poll_seconds). */
#define RUNNER_STALE_SECONDS "180"

static const char sql_runners[] =
    "SELECT COUNT(*), " DB_RFC3339("MAX(seen_at)") ", "
    "COUNT(DISTINCT IF(seen_at >= UTC_TIMESTAMP(6) - INTERVAL " RUNNER_STALE_SECONDS " SECOND, host, NULL)) "
    "FROM runner_heartbeats";

static int system_status(struct app_ctx *c)
{
    json_object *o = app_keep(c, json_object_new_object());
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    /* the database: one statement's round trip, and the schema */
    long long t0 = monotime_us();
    struct db_result v, q, rn;
    struct problem dbp;
    problem_init(&dbp);
    bool db_up = db_query(c->db, c->arena, sql_schema_version, NULL, 0, &v, &dbp) == 0;
    double db_ms = (double)(monotime_us() - t0) / 1000.0;
    json_object *db = json_object_new_object();
    long current = db_up && db_cell(&v, 0, 0) ? strtol(db_cell(&v, 0, 0), NULL, 10) : 0;
    bool schema_ok = current >= PORTICO_SCHEMA_VERSION;
    json_object_object_add(db, "status", json_object_new_string(!db_up ? "down" : schema_ok ? "ok" : "schema-outdated"));
    json_object_object_add(db, "latency_ms", db_up ? json_object_new_double(db_ms) : NULL);
    json_object_object_add(db, "schema", json_object_new_int64(current));
    json_object_object_add(db, "schema_expected", json_object_new_int(PORTICO_SCHEMA_VERSION));
    json_object_object_add(o, "database", db);
    bool reads = db_up && schema_ok && db_query(c->db, c->arena, sql_queue, NULL, 0, &q, &dbp) == 0 &&
                 db_query(c->db, c->arena, sql_runners, NULL, 0, &rn, &dbp) == 0;
    /* the runner: its heartbeats */
    json_object *runner = json_object_new_object();
    const char *ago = reads ? db_cell(&q, 0, 6) : NULL;
    int alive = reads && db_cell(&rn, 0, 2) ? atoi(db_cell(&rn, 0, 2)) : 0;
    const char *rstate = !reads ? "unknown" : !ago ? "none" : alive > 0 ? "ok" : "stale";
    json_object_object_add(runner, "status", json_object_new_string(rstate));
    json_object_object_add(runner, "alive", json_object_new_int(alive));
    json_object_object_add(runner, "last_seen_at", reads && db_cell(&rn, 0, 1) ? json_object_new_string(db_cell(&rn, 0, 1)) : NULL);
    json_object_object_add(runner, "seconds_since", ago ? json_object_new_double(atof(ago) / 1e6) : NULL);
    json_object_object_add(o, "runner", runner);
    /* the queue */
    json_object *queue = json_object_new_object();
    static const char *const names[] = { "queued", "due", "running", "expired" };
    for (int i = 0; i < 4; i++)
        json_object_object_add(queue, names[i], reads ? json_object_new_int64(atoll(db_cell(&q, 0, (size_t)i))) : NULL);
    json_object_object_add(queue, "lag_seconds", reads ? json_object_new_double(atof(db_cell(&q, 0, 4)) / 1e6) : NULL);
    json_object_object_add(queue, "deploys_queued", reads ? json_object_new_int64(atoll(db_cell(&q, 0, 5))) : NULL);
    json_object_object_add(o, "queue", queue);
    /* each area's processes, from the metrics slots (none known without metrics_dir) */
    const char *areas[64];
    int procs[64];
    int n = metrics_processes(c->arena, c->cfg->metrics_dir, areas, procs, 64);
    json_object *pools = json_object_new_array();
    for (int i = 0; i < n; i++) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "area", json_object_new_string(areas[i]));
        json_object_object_add(a, "processes", json_object_new_int(procs[i]));
        json_object_array_add(pools, a);
    }
    json_object_object_add(o, "pools", pools);
    json_object_object_add(o, "pools_counted", json_object_new_boolean(n >= 0 && c->cfg->metrics_dir[0]));
    /* the whole: down without the database, degraded when the runner or the queue is behind */
    double lag = reads ? atof(db_cell(&q, 0, 4)) / 1e6 : 0;
    const char *state = !db_up || !schema_ok ? "down" : !reads || strcmp(rstate, "ok") != 0 || lag > 300 ? "degraded" : "ok";
    json_object_object_add(o, "status", json_object_new_string(state));
    char now[40];
    log_time_rfc3339(now, sizeof(now));
    json_object_object_add(o, "checked_at", json_object_new_string(now));
    if (!db_up)
        http_response_header(&c->res, "Retry-After", arena_printf(c->arena, "%d", c->cfg->retry_after));
    return app_json(c, db_up ? 200 : 503, json_object_get(o));
}

static int system_echo(struct app_ctx *c)
{
    struct problem *p = &c->problem;

    const char *message = json_str(c->body, "message", NULL);
    long long repeat = json_num(c->body, "repeat", 1);
    if (!json_fields_ok(p))
        return -1;

    json_object *o = json_object_new_object();
    json_object_object_add(o, "message", json_object_new_string(message));
    json_object_object_add(o, "repeat", json_object_new_int64(repeat));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)c->req.body_len));
    /* whether an Authorization header reached the handler (never its value): web server
     * configurations drop it unless told not to, and bearer tokens depend on it */
    json_object_object_add(o, "authorization", json_object_new_boolean(http_header(&c->req, "Authorization") != NULL));
    return app_json(c, 200, o);
}

static const struct route system_routes[] = {
    { "GET", "/api/v1/system/health", PERM_PUBLIC, system_health, ROUTE_NO_RATELIMIT,
      "Liveness", "200 while the handler process runs; does not touch the database.", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/system/ready", PERM_PUBLIC, system_ready, ROUTE_NO_RATELIMIT,
      "Readiness", "200 when the database answers and its schema is at the migration this build "
                   "expects; 503 with Retry-After otherwise.", NULL,
      NULL, "200 status:string schema:{current:int expected:int}" },
    { "GET", "/api/v1/system/version", PERM_PUBLIC, system_version, ROUTE_NO_RATELIMIT,
      "Version", "Portico's version, the API version and the schema migration this build expects.", NULL,
      NULL, "200 name:string version:string api:string schema:int" },
    { "GET", "/api/v1/system/metrics", "system.metrics.read", system_metrics, ROUTE_ADDRESS_ALLOWED,
      "Metrics for Prometheus", "Every area's requests by route and status class with their durations, database "
      "statements and errors, rate-limit and login refusals, secret reveals, the runner's jobs by outcome with their "
      "durations and lease expiries (summed over every process of this host, from metrics_dir), and from the database "
      "the queue by state, its lag and the runner's heartbeat. Prometheus text format 0.0.4; OpenMetrics 1.0.0 when "
      "Accept asks for application/openmetrics-text. Callers from metrics_allow need no credential; others need "
      "system.metrics.read (a token for the scraper).", NULL,
      NULL, "200 text/plain" },
    { "GET", "/api/v1/system/status", PERM_AUTHENTICATED, system_status, 0,
      "The platform's status", "The database (a round trip's time, the schema), the runner (its heartbeats: ok when one "
      "was heard within 180 s, stale when none was, none when none ever ran; alive: the hosts heard from), the queue (jobs queued, due, running, "
      "expired leases, the oldest due job's wait, deploys queued) and each area's processes now (from metrics_dir). "
      "status: ok; degraded when the runner is stale or missing, or a due job has waited over 5 minutes; down without "
      "the database (503, the rest unknown).", NULL,
      NULL, "200|503 status:string checked_at:string database:{status:string latency_ms?:number schema:int "
      "schema_expected:int} runner:{status:string alive:int last_seen_at?:string seconds_since?:number} "
      "queue:{queued?:int due?:int running?:int expired?:int lag_seconds?:number deploys_queued?:int} "
      "pools:[{area:string processes:int}] pools_counted:bool" },
    { "POST", "/api/v1/system/echo", PERM_PUBLIC, system_echo, ROUTE_BODY_JSON,
      "Echo a JSON body", "Validates {message: string (1..1000 bytes), repeat: integer 1..10} and "
                          "answers it back with the body's size and whether an Authorization header arrived (not "
                          "its value), to check that clients and proxies pass bodies and credentials intact.", NULL,
      "message:string(1..1000) repeat?:int(1..10)", "200 message:string repeat:int bytes:int authorization:bool" },
};

static const struct app system_app = { "system", system_routes, sizeof(system_routes) / sizeof(system_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&system_app, argc, argv);
}
