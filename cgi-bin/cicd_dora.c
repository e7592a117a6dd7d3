/*
 * cicd_dora: the four DORA metrics and the pipelines' figures, for an entity, a team (the
 * entities of its integrations) or the platform, over 7, 30 or 90 days, in SQL over the indexed
 * tables of migration 0025:
 *
 *   deployment frequency   successful deployments to the environment, a day
 *   lead time for changes  commit time (cicd_commits) to its successful deployment: median, p90
 *   change failure rate    deployments that failed, or that a later one rolled back (rollback_of),
 *                          of those that finished (cancelled ones are no change)
 *   time to restore        a failed deployment to the entity's next successful one there: median
 *                          (window functions in one pass; rollbacks found by index, 0026)
 *   pipelines              failed runs of those finished; a successful run's duration: median
 *
 * Medians and p90 are PERCENTILE_CONT (interpolated). A figure with nothing to measure is null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cicd.h"
#include "lib/json.h"

struct dora_scope {
    const char *where;         /* for alias %1$s: "x.entity_ref = ?" */
    struct db_value v;         /* its value (unused for the platform) */
    bool has_value;
};

/* The scope's condition on the table aliased a. */
static const char *scope_sql(struct app_ctx *c, const struct dora_scope *s, const char *a)
{
    if (strcmp(s->where, "entity") == 0)
        return arena_printf(c->arena, "%s.entity_ref = ?", a);
    if (strcmp(s->where, "team") == 0)
        return arena_printf(c->arena, "%s.integration_id IN (SELECT id FROM cicd_integrations WHERE team = ?)", a);
    return "1 = 1";
}

/* One row of sql with the scope's value (if any), then env (NULL: none), then days. */
static int dora_query(struct app_ctx *c, const struct dora_scope *s, const char *sql, const char *env, long long days,
                      struct db_result *r)
{
    struct db_value v[3];
    size_t n = 0;
    if (s->has_value)
        v[n++] = s->v;
    if (env)
        v[n++] = (struct db_value)DB_TEXTV(env);
    v[n++] = (struct db_value)DB_INTV(days);
    return db_query(c->db, c->arena, sql, v, n, r, &c->problem);
}

static json_object *number_or_null(const struct db_result *r, size_t col)
{
    const char *s = r->nrows ? db_cell(r, 0, col) : NULL;
    return s ? json_object_new_double(strtod(s, NULL)) : NULL;
}

static long long count(const struct db_result *r, size_t col)
{
    const char *s = r->nrows ? db_cell(r, 0, col) : NULL;
    return s ? atoll(s) : 0;
}

#define WINDOW(a) a ".finished_at >= UTC_TIMESTAMP(6) - INTERVAL ? DAY"

int cicd_dora(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *entity = http_query(&c->req, "entity"), *team = http_query(&c->req, "team");
    const char *env = http_query(&c->req, "environment");
    const char *days_text = http_query(&c->req, "days");
    long long days = days_text ? atoll(days_text) : 30;
    if (!env || !*env)
        env = "production";
    if (entity && team)
        problem_field(p, "team", "give entity or team, not both");
    if (!json_fields_ok(p))
        return -1;

    struct dora_scope s = { "platform", { 0 }, false };
    struct authz_resource res;
    struct authz_decision d;
    json_object *scope = app_keep(c, json_object_new_object());
    if (!scope)
        return problem_set(p, 500, "internal", "out of memory");
    if (entity) {
        struct catalog_ref ref;
        const char *owner;
        if (cicd_entity_owner(c, "entity", entity, &ref, &owner) < 0)
            return -1;
        if (!cicd_may(c, "cicd.read", owner, ref.text, &res, &d))
            return app_refuse(c, "cicd.read", &res, &d);
        s = (struct dora_scope){ "entity", DB_TEXTV(arena_strdup(c->arena, ref.text)), true };
        json_object_object_add(scope, "entity", json_object_new_string(ref.text));
    } else if (team) {
        struct db_value tv = DB_TEXTV(team);
        struct db_result t;
        if (db_query(c->db, c->arena, "SELECT 1 FROM teams WHERE name = ?", &tv, 1, &t, p) < 0)
            return -1;
        if (t.nrows == 0)
            return problem_set(p, 404, "not-found", "no team %s", team);
        if (!cicd_may(c, "cicd.read", team, NULL, &res, &d))
            return app_refuse(c, "cicd.read", &res, &d);
        s = (struct dora_scope){ "team", DB_TEXTV(team), true };
        json_object_object_add(scope, "team", json_object_new_string(team));
    } else {
        /* the whole platform: a global reader's */
        static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
        if (!app_may(c, "cicd.read", &nowhere, &d))
            return app_refuse(c, "cicd.read", NULL, &d);
    }

    struct db_result dep, lead, restore, runs, dur;
    const char *x = scope_sql(c, &s, "x"), *f = scope_sql(c, &s, "f");
    if (dora_query(c, &s, arena_printf(c->arena,
            "SELECT COUNT(*), COALESCE(SUM(x.status = 'success'), 0), COALESCE(SUM(x.status = 'failure' OR EXISTS "
            "(SELECT 1 FROM cicd_deployments r WHERE r.rollback_of = x.id)), 0) FROM cicd_deployments x WHERE %s AND "
            "x.environment = ? AND x.status IN ('success', 'failure') AND " WINDOW("x"), x), env, days, &dep) < 0 ||
        dora_query(c, &s, arena_printf(c->arena,
            "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY t) OVER (), PERCENTILE_CONT(0.9) WITHIN GROUP "
            "(ORDER BY t) OVER (), COUNT(*) OVER () FROM (SELECT TIMESTAMPDIFF(SECOND, k.committed_at, x.finished_at) "
            "AS t FROM cicd_deployments x JOIN cicd_commits k ON k.entity_ref = x.entity_ref AND k.sha = x.commit_sha "
            "WHERE %s AND x.environment = ? AND x.status = 'success' AND " WINDOW("x") ") q LIMIT 1", x),
            env, days, &lead) < 0 ||
        /* a failure's restore: the entity's next success there. Newest first, k counts the
         * successes seen so far, so a failure shares its k with the success right after it in
         * time; one pass, where a correlated MIN per failure took 60 s at 100,000 deployments */
        dora_query(c, &s, arena_printf(c->arena,
            "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY t) OVER (), COUNT(*) OVER () FROM (SELECT "
            "TIMESTAMPDIFF(SECOND, a.finished_at, MAX(IF(a.status = 'success', a.finished_at, NULL)) OVER (PARTITION "
            "BY a.entity_ref, a.k)) AS t, a.status FROM (SELECT f.entity_ref, f.status, f.finished_at, "
            "SUM(f.status = 'success') OVER (PARTITION BY f.entity_ref ORDER BY f.finished_at DESC, f.id DESC ROWS "
            "UNBOUNDED PRECEDING) AS k FROM cicd_deployments f WHERE %s AND f.environment = ? AND f.status IN ('success', "
            "'failure') AND " WINDOW("f") ") a) b WHERE b.status = 'failure' AND b.t IS NOT NULL LIMIT 1", f),
            env, days, &restore) < 0 ||
        dora_query(c, &s, arena_printf(c->arena,
            "SELECT COUNT(*), COALESCE(SUM(x.status = 'failure'), 0) FROM cicd_runs x WHERE %s AND x.status IN "
            "('success', 'failure') AND " WINDOW("x"), x), NULL, days, &runs) < 0 ||
        dora_query(c, &s, arena_printf(c->arena,
            "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY TIMESTAMPDIFF(SECOND, x.started_at, x.finished_at)) "
            "OVER () FROM cicd_runs x WHERE %s AND x.status = 'success' AND x.started_at IS NOT NULL AND "
            WINDOW("x") " LIMIT 1", x), NULL, days, &dur) < 0)
        return -1;

    long long changes = count(&dep, 0), ok = count(&dep, 1), failed = count(&dep, 2);
    long long nruns = count(&runs, 0), rfail = count(&runs, 1);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "scope", json_object_get(scope));
    json_object_object_add(o, "days", json_object_new_int64(days));
    json_object_object_add(o, "environment", json_object_new_string(env));
    json_object_object_add(o, "deployments", json_object_new_int64(ok));
    json_object_object_add(o, "deployment_frequency_per_day", json_object_new_double((double)ok / (double)days));
    json_object_object_add(o, "changes", json_object_new_int64(changes));
    json_object_object_add(o, "failures", json_object_new_int64(failed));
    json_object_object_add(o, "change_failure_rate", changes ? json_object_new_double((double)failed / (double)changes) : NULL);
    json_object *lt = json_object_new_object();
    json_object_object_add(lt, "median", number_or_null(&lead, 0));
    json_object_object_add(lt, "p90", number_or_null(&lead, 1));
    json_object_object_add(lt, "measured", json_object_new_int64(count(&lead, 2)));
    json_object_object_add(o, "lead_time_seconds", lt);
    json_object *tr = json_object_new_object();
    json_object_object_add(tr, "median", number_or_null(&restore, 0));
    json_object_object_add(tr, "measured", json_object_new_int64(count(&restore, 1)));
    json_object_object_add(o, "time_to_restore_seconds", tr);
    json_object *pl = json_object_new_object();
    json_object_object_add(pl, "runs", json_object_new_int64(nruns));
    json_object_object_add(pl, "failures", json_object_new_int64(rfail));
    json_object_object_add(pl, "failure_rate", nruns ? json_object_new_double((double)rfail / (double)nruns) : NULL);
    json_object_object_add(pl, "median_duration_seconds", number_or_null(&dur, 0));
    json_object_object_add(o, "pipelines", pl);
    return app_json(c, 200, o);
}

/* GET /cicd/dora/daily?team=|entity=&days=&environment=: the same scope's days, oldest first —
 * successful and failed deployments to the environment, finished and failed pipeline runs — for
 * the dashboard's charts. A day with nothing has no row. */
int cicd_dora_daily(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *entity = http_query(&c->req, "entity"), *team = http_query(&c->req, "team");
    const char *env = http_query(&c->req, "environment"), *days_text = http_query(&c->req, "days");
    long long days = days_text ? atoll(days_text) : 30;
    if (!env || !*env)
        env = "production";
    if (!entity == !team)
        problem_field(p, "team", "give entity or team");
    if (!json_fields_ok(p))
        return -1;
    struct authz_resource res;
    struct authz_decision d;
    struct dora_scope s;
    json_object *o = app_keep(c, json_object_new_object());
    if (!o)
        return problem_set(p, 500, "internal", "out of memory");
    if (entity) {
        struct catalog_ref ref;
        const char *owner;
        if (cicd_entity_owner(c, "entity", entity, &ref, &owner) < 0)
            return -1;
        if (!cicd_may(c, "cicd.read", owner, ref.text, &res, &d))
            return app_refuse(c, "cicd.read", &res, &d);
        s = (struct dora_scope){ "entity", DB_TEXTV(arena_strdup(c->arena, ref.text)), true };
        json_object_object_add(o, "entity", json_object_new_string(ref.text));
    } else {
        if (!cicd_may(c, "cicd.read", team, NULL, &res, &d))
            return app_refuse(c, "cicd.read", &res, &d);
        s = (struct dora_scope){ "team", DB_TEXTV(team), true };
        json_object_object_add(o, "team", json_object_new_string(team));
    }
    struct db_result dep, runs;
    if (dora_query(c, &s, arena_printf(c->arena,
            "SELECT DATE(x.finished_at) AS day, SUM(x.status = 'success'), SUM(x.status = 'failure') FROM "
            "cicd_deployments x WHERE %s AND x.environment = ? AND x.status IN ('success', 'failure') AND "
            WINDOW("x") " GROUP BY day ORDER BY day", scope_sql(c, &s, "x")), env, days, &dep) < 0 ||
        dora_query(c, &s, arena_printf(c->arena,
            "SELECT DATE(x.finished_at) AS day, COUNT(*), SUM(x.status = 'failure') FROM cicd_runs x WHERE %s AND "
            "x.status IN ('success', 'failure') AND " WINDOW("x") " GROUP BY day ORDER BY day", scope_sql(c, &s, "x")),
            NULL, days, &runs) < 0)
        return -1;
    /* the two lists merged by day */
    json_object *list = json_object_new_array();
    size_t i = 0, k = 0;
    while (i < dep.nrows || k < runs.nrows) {
        int cmp = i >= dep.nrows ? 1 : k >= runs.nrows ? -1 : strcmp(db_cell(&dep, i, 0), db_cell(&runs, k, 0));
        json_object *day = json_object_new_object();
        json_object_object_add(day, "day", json_object_new_string(cmp <= 0 ? db_cell(&dep, i, 0) : db_cell(&runs, k, 0)));
        json_object_object_add(day, "deployments", json_object_new_int64(cmp <= 0 ? atoll(db_cell(&dep, i, 1)) : 0));
        json_object_object_add(day, "failed_deployments", json_object_new_int64(cmp <= 0 ? atoll(db_cell(&dep, i, 2)) : 0));
        json_object_object_add(day, "runs", json_object_new_int64(cmp >= 0 ? atoll(db_cell(&runs, k, 1)) : 0));
        json_object_object_add(day, "failed_runs", json_object_new_int64(cmp >= 0 ? atoll(db_cell(&runs, k, 2)) : 0));
        json_object_array_add(list, day);
        i += cmp <= 0;
        k += cmp >= 0;
    }
    json_object_object_add(o, "days", json_object_new_int64(days));
    json_object_object_add(o, "environment", json_object_new_string(env));
    json_object_object_add(o, "daily", list);
    return app_json(c, 200, json_object_get(o));
}
