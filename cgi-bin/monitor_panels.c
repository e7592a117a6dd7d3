/*
 * monitor_panels: an entity's series from the configured Prometheus (query_range, every selector
 * scoped to the entity by lib/promql, so a team reads only what it may read alerts of), and each
 * person's dashboard of an entity: panels in their order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"
#include "lib/promql.h"
#include "runner/drivers/prometheus.h"

#define PANELS_MAX 24
#define SERIES_MAX 50
#define RANGE_MAX (31 * 86400LL)
#define POINTS_MAX 1000

/* GET /monitor/query_range?entity=&query=&start=&end=&step= */
int monitor_query_range(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long now = (long long)time(NULL);
    long long end = app_query_int(c, "end", now, 0, 4102444800LL);
    long long start = app_query_int(c, "start", end - 3600, 0, 4102444800LL);
    long long step = app_query_int(c, "step", 0, 1, 86400);
    const char *query = http_query(&c->req, "query");
    if (!query)
        problem_field(p, "query", "is required: a PromQL expression");
    if (end <= start)
        problem_field(p, "end", "is after start");
    else if (end - start > RANGE_MAX)
        problem_field(p, "start", "is at most 31 days before end");
    long long least = (end - start + POINTS_MAX - 1) / POINTS_MAX;
    if (!step)
        step = least > 15 ? least : 15 < end - start ? 15 : 1;
    if (step < least)
        problem_field(p, "step", "is at least %lld s for this range (1,000 points at most)", least);
    if (!json_fields_ok(p))
        return -1;
    struct catalog_ref ref;
    const char *team, *scoped, *why;
    long long id;
    if (monitor_entity(c, "entity", http_query(&c->req, "entity"), "monitor.read", &id, &team, &ref) < 0)
        return -1;
    if (promql_scope(c->arena, query, c->cfg->prometheus_entity_label, ref.text, &scoped, &why) < 0)
        return problem_field(p, "query", "%s", why), -1;
    if (!*c->cfg->prometheus_url)
        return problem_set(p, 503, "unavailable", "this platform has no Prometheus (prometheus_url)");
    char tp[TRACE_HEADER_LEN + 1];
    trace_header(&c->trace, tp);
    struct driver_run d = { .cfg = c->cfg, .arena = c->arena, .step_name = "query",
                            .timeout_seconds = c->cfg->prometheus_timeout_seconds, .traceparent = tp };
    json_object *data, *result, *type;
    bool bad;
    if (prometheus_query_range(&d, scoped, start, end, step, &data, &bad) < 0) {
        if (bad)
            return problem_field(p, "query", "%s", d.error), -1;
        return problem_set(p, 502, "bad-gateway", "%s", d.error);
    }
    if (!app_keep(c, data))
        return problem_set(p, 500, "internal", "out of memory");
    json_object *o = json_object_new_object(), *list = json_object_new_array();
    bool truncated = false;
    if (json_object_object_get_ex(data, "result", &result) && json_object_is_type(result, json_type_array)) {
        size_t n = json_object_array_length(result);
        truncated = n > SERIES_MAX;
        for (size_t i = 0; i < n && i < SERIES_MAX; i++)
            json_object_array_add(list, json_object_get(json_object_array_get_idx(result, i)));
    }
    json_object_object_add(o, "query", json_object_new_string(scoped));
    json_object_object_add(o, "resultType", json_object_new_string(json_object_object_get_ex(data, "resultType", &type)
                                                                        ? json_object_get_string(type) : ""));
    json_object_object_add(o, "result", list);
    json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
    return app_json(c, 200, o);   /* (data is the request's: app_keep) */
}

static int dashboard_answer(struct app_ctx *c, long long entity_id, const char *ref)
{
    struct db_value v[2] = { DB_INTV(c->who.user_id), DB_INTV(entity_id) };
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT panels, " DB_RFC3339("updated_at") " FROM dashboards WHERE user_id = ? AND "
                                  "entity_id = ?", v, 2, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "entity", json_object_new_string(ref));
    json_object *panels = r.nrows ? json_tokener_parse(db_cell(&r, 0, 0)) : NULL;
    json_object_object_add(o, "panels", panels ? panels : json_object_new_array());
    json_object_object_add(o, "updated_at", r.nrows ? json_object_new_string(db_cell(&r, 0, 1)) : NULL);
    json_object_object_add(o, "prometheus", json_object_new_boolean(*c->cfg->prometheus_url != '\0'));
    return app_json(c, 200, o);
}

/* GET /monitor/dashboards?entity= */
int monitor_dashboard_get(struct app_ctx *c)
{
    struct catalog_ref ref;
    const char *team;
    long long id;
    if (monitor_entity(c, "entity", http_query(&c->req, "entity"), "monitor.read", &id, &team, &ref) < 0)
        return -1;
    return dashboard_answer(c, id, ref.text);
}

/* PUT /monitor/dashboards?entity= {panels} */
int monitor_dashboard_put(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    json_object *panels;
    if (!json_object_object_get_ex(c->body, "panels", &panels) || !json_object_is_type(panels, json_type_array))
        return problem_field(p, "panels", "is required: a list"), -1;
    struct catalog_ref ref;
    const char *team;
    long long id;
    if (monitor_entity(c, "entity", http_query(&c->req, "entity"), "monitor.read", &id, &team, &ref) < 0)
        return -1;
    size_t n = json_object_array_length(panels);
    for (size_t i = 0; i < n; i++) {
        json_object *q;
        const char *scoped, *why;
        json_object_object_get_ex(json_object_array_get_idx(panels, i), "query", &q);
        if (promql_scope(c->arena, json_object_get_string(q), c->cfg->prometheus_entity_label, ref.text, &scoped, &why) < 0)
            problem_field(p, arena_printf(c->arena, "panels/%zu/query", i), "%s", why);
    }
    if (!json_fields_ok(p))
        return -1;
    const char *text = app_json_text(c, panels);
    if (!text)
        return problem_set(p, 500, "internal", "out of memory");
    struct db_value v[3] = { DB_INTV(c->who.user_id), DB_INTV(id), DB_TEXTV(text) };
    if (db_begin(c->db, p) < 0 ||
        db_query(c->db, c->arena, "INSERT INTO dashboards (user_id, entity_id, panels, updated_at) VALUES (?, ?, ?, "
                                  "UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE panels = VALUES(panels), updated_at = "
                                  "VALUES(updated_at)", v, 3, NULL, p) < 0)
        return db_in_transaction(c->db) ? db_abort(c->db) : -1;
    if (app_audited(c, "monitor.dashboard.update", "entity", ref.text,
                    arena_printf(c->arena, "{\"panels\":%zu}", n)) < 0)
        return -1;
    return dashboard_answer(c, id, ref.text);
}
