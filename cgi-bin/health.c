/*
 * health: checks of catalog entities and their instances (HTTP, TCP, TTL heartbeats), what they
 * found, and what is failing now. The runner runs HTTP and TCP checks and marks late TTL checks
 * (runner/health.c); a service reports its TTL check itself (PUT .../status). A check is read
 * as its entity is (catalog.entity.read); made, reported and deleted with health.check.write on
 * the entity. Every change is audited; a TTL report that leaves the status as it was is not (it is
 * a heartbeat, every few seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/portico.h"

#define CHECK_COLUMNS                                                                                                  \
    "c.id, e.ref AS entity, c.environment, c.instance, c.name, c.kind, c.target, c.interval_seconds, c.timeout_ms, "   \
    "c.expect_status, c.body_contains, c.max_latency_ms, c.ttl_seconds, c.success_before_passing, "                   \
    "c.failures_before_critical, c.status, c.output, " DB_RFC3339("c.checked_at") " AS checked_at, "                \
    DB_RFC3339("c.changed_at") " AS changed_at, " DB_RFC3339("c.due_at") " AS due_at, c.team, c.created_by, "        \
    DB_RFC3339("c.created_at") " AS created_at"
/* (a row's owner_team, read after these, is left out of the answers: the types end before it) */
#define CHECK_TYPES "isnnsssiiiniiiissnsssss"

static const char sql_check[] =
    "SELECT " CHECK_COLUMNS ", e.owner_team FROM health_checks c JOIN entities e ON e.id = c.entity_id WHERE c.id = ?";

/* The check id, readable by the caller (404 otherwise) and, for perm, allowed (403): into r. */
static int check_load(struct app_ctx *c, const char *perm, struct db_result *r, bool lock)
{
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    if (id <= 0 || db_query(c->db, c->arena, lock ? arena_printf(c->arena, "%s FOR UPDATE", sql_check) : sql_check, &v, 1,
                            r, &c->problem) < 0)
        return id <= 0 ? problem_set(&c->problem, 404, "not-found", "no health check %s", app_param(c, "id")) : -1;
    if (r->nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no health check %lld", id);
    /* the check's environment too, so a policy on environments applies to it as at its making */
    struct authz_resource res = { db_cell(r, 0, 23), db_cell(r, 0, 1), db_cell(r, 0, 2), NULL };
    struct authz_decision d;
    if (!app_may(c, "catalog.entity.read", &res, &d)) {
        c->hidden_denial = true;
        return problem_set(&c->problem, 404, "not-found", "no health check %lld", id);
    }
    if (perm && !app_may(c, perm, &res, &d))
        return app_refuse(c, perm, &res, &d);
    return 0;
}

static json_object *check_json(const struct db_result *r, size_t row)
{
    json_object *rows = app_rows_json(r, r->nrows, CHECK_TYPES);
    json_object *o = json_object_get(json_object_array_get_idx(rows, row));
    json_object_put(rows);
    return o;
}

static int check_answer(struct app_ctx *c, long long id, int status)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_check, &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no health check %lld", id);
    return app_json(c, status, check_json(&r, 0));
}

static bool env_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* POST /health/checks */
static int health_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *entity_text = json_str(c->body, "entity", NULL), *env = json_str(c->body, "environment", NULL);
    const char *instance = json_str(c->body, "instance", NULL), *name = json_str(c->body, "name", NULL);
    const char *kind = json_str(c->body, "kind", NULL), *target = json_str(c->body, "target", "");
    const char *contains = json_str(c->body, "body_contains", NULL);
    long long interval = json_num(c->body, "interval_seconds", 30), timeout = json_num(c->body, "timeout_ms", 5000);
    long long expect = json_num(c->body, "expect_status", 0), latency = json_num(c->body, "max_latency_ms", 0);
    long long ttl = json_num(c->body, "ttl_seconds", 0);
    long long sbp = json_num(c->body, "success_before_passing", 2), fbc = json_num(c->body, "failures_before_critical", 3);
    if (!json_fields_ok(p))
        return -1;
    if (!catalog_name_ok(name))
        problem_field(p, "name", "is letters, digits and '-', '_' or '.' between them, at most 63");
    if ((env == NULL) != (instance == NULL))
        problem_field(p, env ? "instance" : "environment", "is needed with %s: a check is of an instance or of the entity",
                      env ? "environment" : "instance");
    else if (env && !env_ok(env))
        problem_field(p, "environment", "is lower-case letters, digits and '-'");
    bool ttl_kind = strcmp(kind, "ttl") == 0;
    if (strcmp(kind, "http") == 0) {
        if (strncmp(target, "http://", 7) != 0 && strncmp(target, "https://", 8) != 0)
            problem_field(p, "target", "is the http:// or https:// URL to call");
    } else if (strcmp(kind, "tcp") == 0) {
        if (!health_tcp_target_ok(target))
            problem_field(p, "target", "is host:port (a name or an address; [v6]:port)");
    } else if (*target) {
        problem_field(p, "target", "is for http and tcp checks; a ttl check is reported by the service");
    }
    if (ttl_kind && !ttl)
        problem_field(p, "ttl_seconds", "is needed for a ttl check: how long a report stays good");
    if (!ttl_kind && ttl)
        problem_field(p, "ttl_seconds", "is for ttl checks");
    if (strcmp(kind, "http") != 0 && (contains || expect || latency))
        problem_field(p, contains ? "body_contains" : expect ? "expect_status" : "max_latency_ms", "is for http checks");
    if (latency && latency >= timeout)
        problem_field(p, "max_latency_ms", "must be below timeout_ms (%lld)", timeout);
    struct catalog_ref ref;
    const char *why;
    if (!entity_text || catalog_ref_parse(entity_text, "Component", NULL, &ref, &why) < 0)
        problem_field(p, "entity", "%s", entity_text ? why : "is required: the entity's ref, e.g. component:default/web");
    if (!json_fields_ok(p))
        return -1;
    struct db_value ev = DB_TEXTV(ref.text);
    struct db_result e;
    if (db_query(c->db, c->arena, "SELECT id, owner_team FROM entities WHERE ref = ?", &ev, 1, &e, p) < 0)
        return -1;
    if (e.nrows == 0)
        return problem_set(p, 404, "not-found", "the catalog has no entity %s", ref.text);
    const char *team = db_cell(&e, 0, 1);
    struct authz_resource res = { team, ref.text, env, NULL };
    struct authz_decision d;
    if (!app_may(c, "catalog.entity.read", &res, &d)) {
        c->hidden_denial = true;
        return problem_set(p, 404, "not-found", "the catalog has no entity %s", ref.text);
    }
    if (!app_may(c, "health.check.write", &res, &d))
        return app_refuse(c, "health.check.write", &res, &d);
    if (!team)
        return problem_field(p, "entity", "%s has no owner team: give it one in the catalog first", ref.text), -1;
    struct db_value v[17] = { DB_INTV(atoll(db_cell(&e, 0, 0))), DB_OPTV(env), DB_OPTV(instance), DB_TEXTV(name),
                              DB_TEXTV(kind), DB_TEXTV(target), DB_INTV(interval), DB_INTV(timeout),
                              expect ? DB_INTV(expect) : DB_NULLV, DB_OPTV(contains), latency ? DB_INTV(latency) : DB_NULLV,
                              ttl ? DB_INTV(ttl) : DB_NULLV, DB_INTV(sbp), DB_INTV(fbc),
                              DB_INTV(ttl_kind ? ttl : 0), DB_TEXTV(team), DB_TEXTV(c->who.username) };
    struct db_result r;
    if (db_begin(c->db, p) < 0)
        return -1;
    /* due at once (http, tcp: the runner's next pass); a ttl check is late after its first ttl */
    if (db_query(c->db, c->arena,
                 "INSERT INTO health_checks (entity_id, environment, instance, name, kind, target, interval_seconds, "
                 "timeout_ms, expect_status, body_contains, max_latency_ms, ttl_seconds, success_before_passing, "
                 "failures_before_critical, output, changed_at, due_at, team, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "?, ?, ?, ?, ?, 'not checked yet', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ? SECOND, ?, ?)",
                 v, 17, &r, p) < 0) {
        if (db_errno(c->db) == 1062) {
            db_abort(c->db);
            problem_init(p);
            return problem_set(p, 409, "conflict", "%s has a check named %s already%s", ref.text, name,
                               instance ? arena_printf(c->arena, " on %s/%s", env, instance) : "");
        }
        return db_abort(c->db);
    }
    long long id = (long long)r.insert_id;
    json_object *details = json_object_new_object();
    json_object_object_add(details, "entity", json_object_new_string(ref.text));
    json_object_object_add(details, "kind", json_object_new_string(kind));
    json_object_object_add(details, "name", json_object_new_string(name));
    if (app_audited_json(c, "health.check.create", "health_check", arena_printf(c->arena, "%lld", id), details) < 0)
        return -1;
    http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/health/checks/%lld", id));
    return check_answer(c, id, 201);
}

/* GET /health/checks?entity= */
static int health_list(struct app_ctx *c)
{
    struct catalog_ref ref;
    const char *why, *text = http_query(&c->req, "entity");
    if (!text || catalog_ref_parse(text, "Component", NULL, &ref, &why) < 0)
        return problem_field(&c->problem, "entity", "%s", text ? why : "is required: the entity's ref"), -1;
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result e, r;
    if (db_query(c->db, c->arena, "SELECT id, owner_team FROM entities WHERE ref = ?", &v, 1, &e, &c->problem) < 0)
        return -1;
    struct authz_resource res = { e.nrows ? db_cell(&e, 0, 1) : NULL, ref.text, NULL, NULL };
    if (e.nrows == 0 || !app_may(c, "catalog.entity.read", &res, NULL)) {
        c->hidden_denial = e.nrows != 0;
        return problem_set(&c->problem, 404, "not-found", "the catalog has no entity %s", ref.text);
    }
    struct db_value id = DB_INTV(atoll(db_cell(&e, 0, 0)));
    if (db_query(c->db, c->arena,
                 "SELECT " CHECK_COLUMNS " FROM health_checks c JOIN entities e ON e.id = c.entity_id WHERE c.entity_id = ? "
                 "ORDER BY c.environment, c.instance, c.name LIMIT 500", &id, 1, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "checks", app_rows_json(&r, r.nrows, CHECK_TYPES));
    return app_json(c, 200, o);
}

static int health_get(struct app_ctx *c)
{
    struct db_result r;
    if (check_load(c, NULL, &r, false) < 0)
        return -1;
    return app_json(c, 200, check_json(&r, 0));
}

static int health_delete(struct app_ctx *c)
{
    struct db_result r;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (check_load(c, "health.check.write", &r, true) < 0)
        return db_abort(c->db);
    struct db_value v = DB_INTV(atoll(db_cell(&r, 0, 0)));
    if (db_query(c->db, c->arena, "DELETE FROM health_checks WHERE id = ?", &v, 1, NULL, &c->problem) < 0)
        return db_abort(c->db);
    if (app_audited(c, "health.check.delete", "health_check", db_cell(&r, 0, 0),
                    arena_printf(c->arena, "{\"entity\":\"%s\",\"name\":\"%s\"}", db_cell(&r, 0, 1), db_cell(&r, 0, 4))) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

/* PUT /health/checks/{id}/status {status, output?}: a TTL check's report (Consul's pass/warn/fail) */
static int health_report(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *status = json_str(c->body, "status", NULL), *output = json_str(c->body, "output", "");
    if (!json_fields_ok(p))
        return -1;
    struct db_result r;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (check_load(c, "health.check.write", &r, true) < 0)
        return db_abort(c->db);
    if (strcmp(db_cell(&r, 0, 5), "ttl") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "check %s is a %s check: the runner runs it; only ttl checks are reported",
                           db_cell(&r, 0, 0), db_cell(&r, 0, 5));
    }
    struct db_value v = DB_INTV(atoll(db_cell(&r, 0, 0)));
    struct db_result s;
    if (db_query(c->db, c->arena, "SELECT status, ok_streak, fail_streak, results FROM health_checks WHERE id = ?", &v, 1, &s,
                 p) < 0)
        return db_abort(c->db);
    struct health_state st = { HEALTH_CRITICAL, (unsigned)atoi(db_cell(&s, 0, 1)), (unsigned)atoi(db_cell(&s, 0, 2)),
                               strtoull(db_cell(&s, 0, 3), NULL, 10) };
    enum health_status result;
    health_status_parse(db_cell(&s, 0, 0), &st.status);
    health_status_parse(status, &result);
    bool changed = health_next(&st, result, (unsigned)atoi(db_cell(&r, 0, 13)), (unsigned)atoi(db_cell(&r, 0, 14)));
    const char *now_status = health_status_name(st.status);
    struct db_value u[7] = { DB_TEXTV(now_status), DB_TEXTV(output), DB_INTV(st.ok_streak), DB_INTV(st.fail_streak),
                             DB_INTV((long long)st.results), DB_INTV(changed), v };
    struct db_value hist[4] = { v, DB_TEXTV(status), DB_TEXTV(now_status), DB_TEXTV(output) };
    if (db_query(c->db, c->arena,
                 "UPDATE health_checks SET status = ?, output = ?, ok_streak = ?, fail_streak = ?, results = ?, "
                 "changed_at = IF(?, UTC_TIMESTAMP(6), changed_at), checked_at = UTC_TIMESTAMP(6), "
                 "due_at = UTC_TIMESTAMP(6) + INTERVAL ttl_seconds SECOND WHERE id = ?", u, 7, NULL, p) < 0 ||
        db_query(c->db, c->arena, "INSERT INTO health_results (check_id, at, result, status, output) VALUES "
                                  "(?, UTC_TIMESTAMP(6), ?, ?, ?)", hist, 4, NULL, p) < 0 ||
        db_query(c->db, c->arena, HEALTH_PRUNE_SQL, &v, 1, NULL, p) < 0)
        return db_abort(c->db);
    if (changed) {
        if (app_audited(c, "health.check.status", "health_check", db_cell(&r, 0, 0),
                        arena_printf(c->arena, "{\"from\":\"%s\",\"to\":\"%s\"}", db_cell(&s, 0, 0), now_status)) < 0)
            return -1;
    } else if (db_commit(c->db, p) < 0) {
        return -1;
    }
    return check_answer(c, atoll(db_cell(&r, 0, 0)), 200);
}

/* GET /health/checks/{id}/history: its results, newest first */
static int health_history(struct app_ctx *c)
{
    long limit = app_limit(c);
    long long after = app_cursor_id(c, "hr");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_result r, h;
    if (check_load(c, NULL, &r, false) < 0)
        return -1;
    struct db_value v[4] = { DB_INTV(atoll(db_cell(&r, 0, 0))), DB_INTV(after), DB_INTV(after), DB_INTV(limit + 1) };
    if (db_query(c->db, c->arena,
                 "SELECT id, " DB_RFC3339("at") " AS at, result, status, latency_ms, output FROM health_results "
                 "WHERE check_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?", v, 4, &h, &c->problem) < 0)
        return -1;
    return app_page(c, NULL, "results", &h, limit, 0, "isssis", "hr");
}

/* GET /health/failing: every check not passing now, of entities the caller may read */
static int health_failing(struct app_ctx *c)
{
    struct db_result r;
    if (db_query(c->db, c->arena,
                 "SELECT " CHECK_COLUMNS ", e.owner_team FROM health_checks c JOIN entities e ON e.id = c.entity_id "
                 "WHERE c.status <> 'passing' ORDER BY c.status = 'critical' DESC, c.changed_at DESC LIMIT 1000", NULL, 0, &r,
                 &c->problem) < 0)
        return -1;
    json_object *list = json_object_new_array();
    json_object *rows = app_rows_json(&r, r.nrows, CHECK_TYPES);
    for (size_t i = 0; i < r.nrows; i++) {
        struct authz_resource res = { db_cell(&r, i, 23), db_cell(&r, i, 1), db_cell(&r, i, 2), NULL };
        if (!app_may(c, "catalog.entity.read", &res, NULL))
            continue;
        json_object_array_add(list, json_object_get(json_object_array_get_idx(rows, i)));
    }
    json_object_put(rows);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "checks", list);
    return app_json(c, 200, o);
}

static const struct route health_routes[] = {
    { "POST", "/api/v1/health/checks", "health.check.write", health_create, ROUTE_BODY_JSON,
      "Add a health check",
      "A check of an entity (or of one of its instances: environment and instance): http (target a URL; passing on "
      "expect_status, else any 2xx; body_contains a text the body must hold; slower than max_latency_ms: warning), "
      "tcp (target host:port: passing when it connects) or ttl (the service reports it with PUT .../status; critical "
      "when no report came for ttl_seconds). interval_seconds (30) and timeout_ms (5000) for http and tcp. The status "
      "moves to passing after success_before_passing (2) passing results in a row, to warning or critical after "
      "failures_before_critical (3) failing ones; the first result counts at once. Needs health.check.write on the "
      "entity.", NULL,
      "entity:string(1..300) environment?:string(1..63) instance?:string(1..128) name:string(1..63) "
      "kind:enum(http|tcp|ttl) target?:string(0..1000) interval_seconds?:int(5..86400) timeout_ms?:int(100..10000) "
      "expect_status?:int(100..599) body_contains?:string(1..200) max_latency_ms?:int(1..10000) "
      "ttl_seconds?:int(5..86400) success_before_passing?:int(1..10) failures_before_critical?:int(1..10)",
      "201 HealthCheck" },
    { "GET", "/api/v1/health/checks", "catalog.entity.read", health_list, 0,
      "An entity's health checks", "Every check of the entity (and of its instances), with its status now.",
      "entity:string(300)", NULL, "200 checks:[HealthCheck]" },
    { "GET", "/api/v1/health/checks/{id}", "catalog.entity.read", health_get, 0,
      "A health check", "404 unless its entity is readable.", NULL, NULL, "200 HealthCheck" },
    { "DELETE", "/api/v1/health/checks/{id}", "health.check.write", health_delete, 0,
      "Delete a health check", "With its history. Audited.", NULL, NULL, "200 Status" },
    { "PUT", "/api/v1/health/checks/{id}/status", "health.check.write", health_report, ROUTE_BODY_JSON,
      "Report a ttl check",
      "The service's own word on a ttl check (Consul's pass, warn and fail): good for ttl_seconds. The status moves "
      "as a run's result would (damped). 409 for an http or tcp check. A report that changes the status is audited.",
      NULL, "status:enum(passing|warning|critical) output?:string(0..500)", "200 HealthCheck" },
    { "GET", "/api/v1/health/checks/{id}/history", "catalog.entity.read", health_history, 0,
      "A check's results", "Newest first, a week of them: what each run found, the status after it (damped), "
      "its latency and output.", "limit:int(1..500,50) cursor:cursor", NULL,
      "200 results:[{id:int at:string result:string status:string latency_ms?:int output:string}] next_cursor?:string" },
    { "GET", "/api/v1/health/failing", "catalog.entity.read", health_failing, 0,
      "What is failing now", "Every check not passing, critical first then the latest change first, of entities the "
      "caller may read (at most 1,000).", NULL, NULL, "200 checks:[HealthCheck]" },
};

static const struct app health_app = { "health", health_routes, sizeof(health_routes) / sizeof(health_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&health_app, argc, argv);
}
