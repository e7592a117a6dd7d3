/*
 * monitor: alert rules of entities, their acknowledgement and history, what is firing now; the
 * area's route table (monitor.h says what else it holds). Every change is audited.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "lib/alert.h"
#include "lib/promql.h"
#include "lib/provision.h"

#define RULE_COLUMNS                                                                                                   \
    "a.id, e.ref AS entity, COALESCE(e.owner_team, a.team) AS team, a.name, a.kind, a.metric, a.environment, a.expr, a.op, a.threshold, "             \
    "a.window_seconds, a.for_seconds, a.interval_seconds, a.repeat_seconds, a.severity, a.summary, a.enabled, "       \
    "a.state, a.value, a.error, " DB_RFC3339("a.pending_since") " AS pending_since, "                                  \
    DB_RFC3339("a.firing_since") " AS firing_since, a.acked_by, " DB_RFC3339("a.acked_at") " AS acked_at, "         \
    "a.ack_comment, " DB_RFC3339("a.evaluated_at") " AS evaluated_at, " DB_RFC3339("a.due_at") " AS due_at, "       \
    "a.created_by, " DB_RFC3339("a.created_at") " AS created_at, " DB_RFC3339("a.updated_at") " AS updated_at"
#define RULE_TYPES "issssnnnndiiiissbsdnnnnnnnssss"
enum { C_ID, C_ENTITY, C_TEAM, C_NAME, C_KIND, C_METRIC, C_ENV, C_EXPR, C_OP, C_THRESHOLD, C_WINDOW, C_FOR,
       C_INTERVAL, C_REPEAT, C_SEVERITY, C_SUMMARY, C_ENABLED, C_STATE };

#define ALERTS_NOW_MAX 1000     /* alerts a GET /monitor/alerts answers */
#define ALERTS_NOW_SCAN 20000   /* rules it reads at most to find them */

static const char sql_rule[] = "SELECT " RULE_COLUMNS " FROM alert_rules a JOIN entities e ON e.id = a.entity_id WHERE a.id = ?";

int monitor_entity(struct app_ctx *c, const char *field, const char *text, const char *perm, long long *id,
                   const char **team, struct catalog_ref *ref)
{
    struct problem *p = &c->problem;
    const char *why;
    if (!text || catalog_ref_parse(text, "Component", NULL, ref, &why) < 0)
        return problem_field(p, field, "%s", text ? why : "is required: the entity's ref, e.g. component:default/web"), -1;
    struct db_value v = DB_TEXTV(ref->text);
    struct db_result e;
    if (db_query(c->db, c->arena, "SELECT id, owner_team FROM entities WHERE ref = ?", &v, 1, &e, p) < 0)
        return -1;
    struct authz_resource res = { e.nrows ? db_cell(&e, 0, 1) : NULL, ref->text, NULL, NULL };
    struct authz_decision d;
    if (e.nrows == 0 || !app_may(c, "catalog.entity.read", &res, &d)) {
        c->hidden_denial = e.nrows != 0;
        return problem_set(p, 404, "not-found", "the catalog has no entity %s", ref->text);
    }
    if (perm && !app_may(c, perm, &res, &d))
        return app_refuse(c, perm, &res, &d);
    *id = atoll(db_cell(&e, 0, 0));
    *team = db_cell(&e, 0, 1);
    if (!*team)
        return problem_field(p, field, "%s has no owner team: give it one in the catalog first", ref->text), -1;
    return 0;
}

int monitor_team(struct app_ctx *c, const char *team, const char *perm)
{
    struct db_value v = DB_TEXTV(team);
    struct db_result t;
    if (db_query(c->db, c->arena, "SELECT 1 FROM teams WHERE name = ?", &v, 1, &t, &c->problem) < 0)
        return -1;
    if (t.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no team %s", team);
    struct authz_resource res = { team, NULL, NULL, NULL };
    struct authz_decision d;
    if (!app_may(c, perm, &res, &d))
        return app_refuse(c, perm, &res, &d);
    return 0;
}

/* Rule id of the path: readable (monitor.read on its entity, 404 when the entity is not
 * readable) and, for perm, allowed (403); into r. */
static int rule_load(struct app_ctx *c, const char *perm, struct db_result *r, bool lock)
{
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    if (id <= 0)
        return problem_set(&c->problem, 404, "not-found", "no alert rule %s", app_param(c, "id"));
    if (db_query(c->db, c->arena, lock ? arena_printf(c->arena, "%s FOR UPDATE", sql_rule) : sql_rule, &v, 1, r,
                 &c->problem) < 0)
        return -1;
    if (r->nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no alert rule %lld", id);
    struct authz_resource res = { db_cell(r, 0, C_TEAM), db_cell(r, 0, C_ENTITY), NULL, NULL };
    struct authz_decision d;
    if (!app_may(c, "catalog.entity.read", &res, &d)) {
        c->hidden_denial = true;
        return problem_set(&c->problem, 404, "not-found", "no alert rule %lld", id);
    }
    if (!app_may(c, "monitor.read", &res, &d))
        return app_refuse(c, "monitor.read", &res, &d);
    if (perm && !app_may(c, perm, &res, &d))
        return app_refuse(c, perm, &res, &d);
    return 0;
}

static int rule_answer(struct app_ctx *c, long long id, int status)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_rule, &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no alert rule %lld", id);
    json_object *rows = app_rows_json(&r, 1, RULE_TYPES), *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return app_json(c, status, o);
}

/* A rule's definition from the body, checked (the entity's ref is for error messages). */
struct rule_def {
    const char *name, *kind, *metric, *env, *expr, *op, *severity, *summary;
    double threshold;
    long long window, for_s, interval, repeat;
    bool enabled;
};

static int rule_parse(struct app_ctx *c, const char *entity_ref, struct rule_def *r)
{
    struct problem *p = &c->problem;
    json_object *b = c->body, *t;
    r->name = json_str(b, "name", NULL);
    r->kind = json_str(b, "kind", NULL);
    r->metric = json_str(b, "metric", NULL);
    r->env = json_str(b, "environment", NULL);
    r->expr = json_str(b, "expr", NULL);
    r->op = json_str(b, "op", NULL);
    r->severity = json_str(b, "severity", "warning");
    r->summary = json_str(b, "summary", "");
    r->threshold = json_object_object_get_ex(b, "threshold", &t) ? json_object_get_double(t) : 0;
    r->window = json_num(b, "window_seconds", 3600);
    r->for_s = json_num(b, "for_seconds", 0);
    r->interval = json_num(b, "interval_seconds", 60);
    r->repeat = json_num(b, "repeat_seconds", 0);
    r->enabled = json_flag(b, "enabled", true);
    if (!json_fields_ok(p))
        return -1;
    if (!catalog_name_ok(r->name))
        problem_field(p, "name", "is letters, digits and '-', '_' or '.' between them, at most 63");
    if (!isfinite(r->threshold))
        problem_field(p, "threshold", "is a finite number");
    if (r->repeat && r->repeat < r->interval)
        problem_field(p, "repeat_seconds", "is 0 (never) or at least interval_seconds (%lld)", r->interval);
    const char *field, *why = alert_rule_check(r->kind, r->metric, r->op, r->window, r->expr != NULL, &field);
    if (why)
        problem_field(p, field, "%s", why);
    if (r->env && strcmp(r->kind, "dora") != 0 && !(strcmp(r->kind, "failures") == 0 && r->metric &&
                                                     strcmp(r->metric, "deploys") == 0))
        problem_field(p, "environment", "is for dora rules and failures of deploys");
    if (!why && r->expr) {
        const char *scoped, *err;
        if (promql_scope(c->arena, r->expr, c->cfg->prometheus_entity_label, entity_ref, &scoped, &err) < 0)
            problem_field(p, "expr", "%s", err);
        else if (!*c->cfg->prometheus_url)
            problem_field(p, "expr", "cannot be evaluated: this platform has no Prometheus (prometheus_url)");
    }
    return json_fields_ok(p) ? 0 : -1;
}

static json_object *rule_details(const char *entity, const struct rule_def *r)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "entity", json_object_new_string(entity));
    json_object_object_add(d, "name", json_object_new_string(r->name));
    json_object_object_add(d, "kind", json_object_new_string(r->kind));
    json_object_object_add(d, "severity", json_object_new_string(r->severity));
    if (r->expr)
        json_object_object_add(d, "expr", json_object_new_string(r->expr));
    return d;
}

/* POST /monitor/rules */
static int rule_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    const char *team;
    long long entity_id;
    struct rule_def r;
    if (monitor_entity(c, "entity", json_str(c->body, "entity", NULL), "monitor.alert.write", &entity_id, &team, &ref) < 0 ||
        rule_parse(c, ref.text, &r) < 0)
        return -1;
    const char *threshold = arena_printf(c->arena, "%.17g", r.threshold);
    struct db_value v[17] = { DB_INTV(entity_id), DB_TEXTV(team), DB_TEXTV(r.name), DB_TEXTV(r.kind), DB_OPTV(r.metric),
                              DB_OPTV(r.env), DB_OPTV(r.expr), DB_OPTV(r.op), DB_TEXTV(threshold), DB_INTV(r.window),
                              DB_INTV(r.for_s), DB_INTV(r.interval), DB_INTV(r.repeat), DB_TEXTV(r.severity),
                              DB_TEXTV(r.summary), DB_INTV(r.enabled), DB_TEXTV(c->who.username) };
    struct db_result res;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena,
                 "INSERT INTO alert_rules (entity_id, team, name, kind, metric, environment, expr, op, threshold, "
                 "window_seconds, for_seconds, interval_seconds, repeat_seconds, severity, summary, enabled, created_by, "
                 "due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", v, 17, &res, p) < 0) {
        if (db_errno(c->db) == 1062) {
            db_abort(c->db);
            problem_init(p);
            return problem_set(p, 409, "conflict", "%s has an alert rule named %s already", ref.text, r.name);
        }
        return db_abort(c->db);
    }
    long long id = (long long)res.insert_id;
    if (app_audited_json(c, "monitor.rule.create", "alert_rule", arena_printf(c->arena, "%lld", id),
                         rule_details(ref.text, &r)) < 0)
        return -1;
    http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/monitor/rules/%lld", id));
    return rule_answer(c, id, 201);
}

/* PUT /monitor/rules/{id}: the whole definition again (the entity stays); evaluated at once */
static int rule_update(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct db_result cur;
    struct rule_def r;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (rule_load(c, "monitor.alert.write", &cur, true) < 0 || rule_parse(c, db_cell(&cur, 0, C_ENTITY), &r) < 0)
        return db_abort(c->db);
    const char *threshold = arena_printf(c->arena, "%.17g", r.threshold);
    struct db_value v[15] = { DB_TEXTV(r.name), DB_TEXTV(r.kind), DB_OPTV(r.metric), DB_OPTV(r.env), DB_OPTV(r.expr),
                              DB_OPTV(r.op), DB_TEXTV(threshold), DB_INTV(r.window), DB_INTV(r.for_s),
                              DB_INTV(r.interval), DB_INTV(r.repeat), DB_TEXTV(r.severity), DB_TEXTV(r.summary),
                              DB_INTV(r.enabled), DB_INTV(atoll(db_cell(&cur, 0, C_ID))) };
    /* disabled while pending or firing: the state stays until the runner's next pass (due now)
     * resolves it, so the receivers hear that it ended */
    if (db_query(c->db, c->arena,
                 "UPDATE alert_rules SET name = ?, kind = ?, metric = ?, environment = ?, expr = ?, op = ?, threshold = ?, "
                 "window_seconds = ?, for_seconds = ?, interval_seconds = ?, repeat_seconds = ?, severity = ?, summary = ?, "
                 "enabled = ?, due_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6) WHERE id = ?", v, 15, NULL, p) < 0) {
        if (db_errno(c->db) == 1062) {
            db_abort(c->db);
            problem_init(p);
            return problem_set(p, 409, "conflict", "%s has an alert rule named %s already", db_cell(&cur, 0, C_ENTITY),
                               r.name);
        }
        return db_abort(c->db);
    }
    if (app_audited_json(c, "monitor.rule.update", "alert_rule", db_cell(&cur, 0, C_ID),
                         rule_details(db_cell(&cur, 0, C_ENTITY), &r)) < 0)
        return -1;
    return rule_answer(c, atoll(db_cell(&cur, 0, C_ID)), 200);
}

static int rule_get(struct app_ctx *c)
{
    struct db_result r;
    if (rule_load(c, NULL, &r, false) < 0)
        return -1;
    return rule_answer(c, atoll(db_cell(&r, 0, C_ID)), 200);
}

static int rule_delete(struct app_ctx *c)
{
    struct db_result r;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (rule_load(c, "monitor.alert.write", &r, true) < 0)
        return db_abort(c->db);
    if (strcmp(db_cell(&r, 0, C_STATE), "inactive") != 0) {
        /* gone while firing, its receivers would never hear that it ended */
        db_abort(c->db);
        return problem_set(&c->problem, 409, "conflict",
                           "alert rule %s is %s: disable it first (enabled false), and delete it once it is inactive",
                           db_cell(&r, 0, C_ID), db_cell(&r, 0, C_STATE));
    }
    struct db_value v = DB_INTV(atoll(db_cell(&r, 0, C_ID)));
    if (db_query(c->db, c->arena, "DELETE FROM alert_rules WHERE id = ?", &v, 1, NULL, &c->problem) < 0)
        return db_abort(c->db);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "entity", json_object_new_string(db_cell(&r, 0, C_ENTITY)));
    json_object_object_add(d, "name", json_object_new_string(db_cell(&r, 0, C_NAME)));
    if (app_audited_json(c, "monitor.rule.delete", "alert_rule", db_cell(&r, 0, C_ID), d) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

/* GET /monitor/rules?entity= */
static int rule_list(struct app_ctx *c)
{
    struct catalog_ref ref;
    const char *team;
    long long id;
    struct db_result r;
    if (monitor_entity(c, "entity", http_query(&c->req, "entity"), "monitor.read", &id, &team, &ref) < 0)
        return -1;
    struct db_value v = DB_INTV(id);
    if (db_query(c->db, c->arena, "SELECT " RULE_COLUMNS " FROM alert_rules a JOIN entities e ON e.id = a.entity_id "
                                  "WHERE a.entity_id = ? ORDER BY a.name LIMIT 500", &v, 1, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "rules", app_rows_json(&r, r.nrows, RULE_TYPES));
    return app_json(c, 200, o);
}

/* POST /monitor/rules/{id}/ack {comment?}: someone is on it. Only a firing rule; until it resolves. */
static int rule_ack(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *comment = json_str(c->body, "comment", "");
    if (!json_fields_ok(p))
        return -1;
    struct db_result r;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (rule_load(c, "monitor.alert.write", &r, true) < 0)
        return db_abort(c->db);
    if (strcmp(db_cell(&r, 0, C_STATE), "firing") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "alert rule %s is %s, not firing: there is nothing to acknowledge",
                           db_cell(&r, 0, C_ID), db_cell(&r, 0, C_STATE));
    }
    const char *who = c->who.username;
    struct db_value u[3] = { DB_TEXTV(who), DB_TEXTV(comment), DB_INTV(atoll(db_cell(&r, 0, C_ID))) };
    struct db_value e[4] = { u[2], DB_TEXTV(who), DB_TEXTV(comment) };
    const char *subject = arena_printf(c->arena, "%s acknowledged %s on %s", who, db_cell(&r, 0, C_NAME),
                                       db_cell(&r, 0, C_ENTITY));
    if (db_query(c->db, c->arena, "UPDATE alert_rules SET acked_by = ?, acked_at = UTC_TIMESTAMP(6), ack_comment = ? "
                                  "WHERE id = ?", u, 3, NULL, p) < 0 ||
        db_query(c->db, c->arena, "INSERT INTO alert_events (rule_id, at, event, actor, detail) VALUES (?, UTC_TIMESTAMP(6), "
                                  "'acknowledged', ?, ?)", e, 3, NULL, p) < 0 ||
        provision_notify_except(c->db, c->arena, 0, NULL, db_cell(&r, 0, C_TEAM), c->who.user_id, "alert", subject,
                                arena_printf(c->arena, "/alerts/rules/%s", db_cell(&r, 0, C_ID)), p) < 0)
        return db_abort(c->db);
    if (app_audited(c, "monitor.alert.ack", "alert_rule", db_cell(&r, 0, C_ID),
                    arena_printf(c->arena, "{\"entity\":\"%s\",\"name\":\"%s\"}", db_cell(&r, 0, C_ENTITY),
                                 db_cell(&r, 0, C_NAME))) < 0)
        return -1;
    return rule_answer(c, atoll(db_cell(&r, 0, C_ID)), 200);
}

/* GET /monitor/rules/{id}/events: its history, newest first */
static int rule_events(struct app_ctx *c)
{
    long limit = app_limit(c);
    long long after = app_cursor_id(c, "ae");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_result r, h;
    if (rule_load(c, NULL, &r, false) < 0)
        return -1;
    struct db_value v[4] = { DB_INTV(atoll(db_cell(&r, 0, C_ID))), DB_INTV(after), DB_INTV(after), DB_INTV(limit + 1) };
    if (db_query(c->db, c->arena,
                 "SELECT v.id, " DB_RFC3339("v.at") " AS at, v.event, v.value, v.actor, v.detail, v.silence_id, "
                 "(SELECT COUNT(*) FROM alert_deliveries d WHERE d.event_id = v.id AND d.state = 'sent') AS delivered, "
                 "(SELECT COUNT(*) FROM alert_deliveries d WHERE d.event_id = v.id AND d.state = 'failed') AS undelivered "
                 "FROM alert_events v WHERE v.rule_id = ? AND (? = 0 OR v.id < ?) ORDER BY v.id DESC LIMIT ?", v, 4, &h,
                 &c->problem) < 0)
        return -1;
    return app_page(c, NULL, "events", &h, limit, 0, "issdssiii", "ae");
}

/* GET /monitor/alerts?state=&team=: rules pending or firing now, of entities the caller may read
 * alerts of; firing first, critical first, the latest first */
static int alerts_now(struct app_ctx *c)
{
    const char *state = http_query(&c->req, "state"), *team = http_query(&c->req, "team");
    if (state && strcmp(state, "firing") != 0 && strcmp(state, "pending") != 0)
        return problem_field(&c->problem, "state", "is firing or pending (neither: both)"), -1;
    /* read in pages, the caller's own kept, so rules they may not see do not crowd out theirs:
     * ALERTS_NOW_MAX kept, ALERTS_NOW_SCAN read at most */
    json_object *list = json_object_new_array();
    for (long long offset = 0; offset < ALERTS_NOW_SCAN && json_object_array_length(list) < ALERTS_NOW_MAX;
         offset += ALERTS_NOW_MAX) {
        struct db_value v[6] = { DB_OPTV(state), DB_OPTV(state), DB_OPTV(team), DB_OPTV(team), DB_INTV(ALERTS_NOW_MAX),
                                 DB_INTV(offset) };
        struct db_result r;
        if (db_query(c->db, c->arena,
                     "SELECT " RULE_COLUMNS " FROM alert_rules a JOIN entities e ON e.id = a.entity_id WHERE a.state <> "
                     "'inactive' AND (? IS NULL OR a.state = ?) AND (? IS NULL OR COALESCE(e.owner_team, a.team) = ?) "
                     "ORDER BY a.state = 'firing' DESC, FIELD(a.severity, 'critical', 'warning', 'info'), "
                     "COALESCE(a.firing_since, a.pending_since) DESC, a.id LIMIT ? OFFSET ?", v, 6, &r, &c->problem) < 0) {
            json_object_put(list);
            return -1;
        }
        json_object *rows = app_rows_json(&r, r.nrows, RULE_TYPES);
        for (size_t i = 0; i < r.nrows && json_object_array_length(list) < ALERTS_NOW_MAX; i++) {
            struct authz_resource res = { db_cell(&r, i, C_TEAM), db_cell(&r, i, C_ENTITY), NULL, NULL };
            if (app_may(c, "catalog.entity.read", &res, NULL) && app_may(c, "monitor.read", &res, NULL))
                json_object_array_add(list, json_object_get(json_object_array_get_idx(rows, i)));
        }
        json_object_put(rows);
        if (r.nrows < ALERTS_NOW_MAX)
            break;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "alerts", list);
    return app_json(c, 200, o);
}

#define RULE_BODY                                                                                                      \
    "name:string(1..63) kind:enum(health|failures|dora|promql) metric?:string(1..24) environment?:string(1..63) "      \
    "expr?:string(1..2000) op?:enum(>|>=|<|<=|==|!=) threshold?:number window_seconds?:int(60..7776000) "            \
    "for_seconds?:int(0..86400) interval_seconds?:int(15..86400) repeat_seconds?:int(0..604800) "                     \
    "severity?:enum(info|warning|critical) summary?:string(0..300) enabled?:bool"

static const struct route monitor_routes[] = {
    { "POST", "/api/v1/monitor/rules", "monitor.alert.write", rule_create, ROUTE_BODY_JSON,
      "Add an alert rule",
      "A rule of an entity, evaluated by the runner every interval_seconds (60): kind health (metric critical or "
      "warning: its checks at or worse than that are counted), failures (metric jobs, pipelines or deploys: failed "
      "provisioning jobs, pipeline runs, or deployments (environment: of one) in window_seconds), dora (metric "
      "deployment_frequency per day, lead_time or time_to_restore in seconds (medians), change_failure_rate 0..1, over "
      "window_seconds of 7, 30 or 90 days, environment production unless named), or promql (expr, scoped to the "
      "entity's series: true when a sample of the answer satisfies op threshold, or with no op when there is any). "
      "The figure is compared with op threshold (0); true for for_seconds (0) it fires, with severity (warning), and "
      "is notified to the team in the portal and to its receivers; false again, it resolves. repeat_seconds: notify "
      "again while firing and unacknowledged. Needs monitor.alert.write on the entity.", NULL,
      "entity:string(1..300) " RULE_BODY, "201 AlertRule" },
    { "GET", "/api/v1/monitor/rules", "monitor.read", rule_list, 0, "An entity's alert rules",
      "Each with its state now (inactive, pending, firing), its last value and error.", "entity:string(300)", NULL,
      "200 rules:[AlertRule]" },
    { "GET", "/api/v1/monitor/rules/{id}", "monitor.read", rule_get, 0, "An alert rule",
      "404 unless its entity is readable.", NULL, NULL, "200 AlertRule" },
    { "PUT", "/api/v1/monitor/rules/{id}", "monitor.alert.write", rule_update, ROUTE_BODY_JSON, "Change an alert rule",
      "Its whole definition, as made (the entity stays); evaluated again at the runner's next pass. Disabled "
      "while pending or firing, it resolves at that pass and its receivers are told. Audited.", NULL, RULE_BODY, "200 AlertRule" },
    { "DELETE", "/api/v1/monitor/rules/{id}", "monitor.alert.write", rule_delete, 0, "Delete an alert rule",
      "With its history. 409 while pending or firing: disable it first. Audited.", NULL, NULL, "200 Status" },
    { "POST", "/api/v1/monitor/rules/{id}/ack", "monitor.alert.write", rule_ack, ROUTE_BODY_JSON,
      "Acknowledge a firing alert",
      "Someone is on it: kept until it resolves, stops its repeated notices, told to the team. 409 unless firing.",
      NULL, "comment?:string(0..300)", "200 AlertRule" },
    { "GET", "/api/v1/monitor/rules/{id}/events", "monitor.read", rule_events, 0, "An alert rule's history",
      "Newest first, 90 days: pending, firing, resolved, acknowledged, repeated; the value then; the silence that held "
      "its notices back; its deliveries sent and given up.", "limit:int(1..500,50) cursor:cursor", NULL,
      "200 events:[{id:int at:string event:string value?:number actor:string detail:string silence_id?:int "
      "delivered:int undelivered:int}] next_cursor?:string" },
    { "GET", "/api/v1/monitor/alerts", "monitor.read", alerts_now, 0, "Alerts now",
      "Rules pending or firing (state: one of them), of entities whose alerts the caller may read (team: one "
      "team's): firing first, then by severity, the latest first; at most 1,000.",
      "state:enum(firing|pending) team:string(63)", NULL, "200 alerts:[AlertRule]" },
    { "POST", "/api/v1/monitor/receivers", "monitor.receiver.write", monitor_receiver_create, ROUTE_BODY_JSON,
      "Add an alert receiver",
      "Where a team's alerts go besides the portal: a webhook sent Slack-compatible JSON (format slack) or the "
      "Alertmanager webhook format (alertmanager), for severity min_severity (info) and above. The URL (https; a "
      "Slack URL is a credential) is kept in the secrets store under the team, and shown as scheme://host. Needs "
      "monitor.receiver.write on the team.", NULL,
      "team:string(1..63) name:string(1..63) format:enum(slack|alertmanager) url:string(1..1000) "
      "min_severity?:enum(info|warning|critical)", "201 AlertReceiver" },
    { "GET", "/api/v1/monitor/receivers", "monitor.read", monitor_receiver_list, 0, "A team's alert receivers",
      "With their recent deliveries' counts.", "team:string(63)", NULL, "200 receivers:[AlertReceiver]" },
    { "DELETE", "/api/v1/monitor/receivers/{id}", "monitor.receiver.write", monitor_receiver_delete, 0,
      "Delete an alert receiver", "Its URL destroyed in the secrets store, its queued deliveries dropped. Audited.",
      NULL, NULL, "200 Status" },
    { "POST", "/api/v1/monitor/silences", "monitor.alert.write", monitor_silence_create, ROUTE_BODY_JSON,
      "Silence alerts",
      "Holds back the notices (portal and receivers) of a team's alerts: all of them (team), one entity's (entity) or "
      "one rule's (rule), from starts_at (now) for duration_seconds or until ends_at. Rules still change state and "
      "their history says what was held back. Needs monitor.alert.write on the team.", NULL,
      "team?:string(1..63) entity?:string(1..300) rule?:int(1..999999999999) starts_at?:string(20..32) ends_at?:string(20..32) "
      "duration_seconds?:int(60..2592000) comment:string(1..300)", "201 AlertSilence" },
    { "GET", "/api/v1/monitor/silences", "monitor.read", monitor_silence_list, 0, "A team's silences",
      "Active and to come (all: those that ended too, the latest 200).", "team:string(63) all:bool", NULL,
      "200 silences:[AlertSilence]" },
    { "DELETE", "/api/v1/monitor/silences/{id}", "monitor.alert.write", monitor_silence_expire, 0, "Expire a silence",
      "It ends now (kept, for the history). Audited.", NULL, NULL, "200 AlertSilence" },
    { "GET", "/api/v1/monitor/query_range", "monitor.read", monitor_query_range, 0, "An entity's series",
      "query (PromQL) scoped to the entity's series (every selector given prometheus_entity_label=\"<ref>\"), asked "
      "of the configured Prometheus from start to end (unix seconds; an hour ago to now) every step (at least "
      "(end-start)/1000; 31 days at most): Prometheus' data as it answers it (resultType matrix, result), at most 50 "
      "series. 422 for an expression it cannot scope or Prometheus refuses; 502 when Prometheus fails; 503 with "
      "none configured.", "entity:string(300) query:string(2000) start:int(0..4102444800) end:int(0..4102444800) step:int(1..86400)", NULL,
      "200 query:string resultType:string result:[any] truncated:bool" },
    { "GET", "/api/v1/monitor/dashboards", "monitor.read", monitor_dashboard_get, 0, "My dashboard of an entity",
      "The caller's own panels of the entity in their order (none yet: an empty list).", "entity:string(300)", NULL,
      "200 Dashboard" },
    { "PUT", "/api/v1/monitor/dashboards", "monitor.read", monitor_dashboard_put, ROUTE_BODY_JSON,
      "Arrange my dashboard of an entity",
      "The caller's panels of the entity, in their order, each a title, a PromQL query (scoped as query_range scopes "
      "it: checked now) and a unit; at most 24. Audited.", "entity:string(300)",
      "panels:[{title:string(1..100) query:string(1..2000) unit?:enum(none|seconds|bytes|percent|requests)}](0..24)",
      "200 Dashboard" },
};

static const struct app monitor_app = { "monitor", monitor_routes, sizeof(monitor_routes) / sizeof(monitor_routes[0]),
                                        NULL };

int main(int argc, char **argv)
{
    return app_main(&monitor_app, argc, argv);
}
