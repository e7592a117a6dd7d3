/*
 * cicd_dora: the four DORA metrics and the pipelines' figures, for an entity, a team (the
 * entities of its integrations) or the platform, over the last 7, 30 or 90 days (UTC days, today
 * the last), read from the day counts cicd_rollup.c keeps (sql/0029) — one indexed range per
 * answer, however many deployments there were:
 *
 *   deployment frequency   successful deployments to the environment, a day
 *   lead time for changes  commit time (cicd_commits) to its successful deployment: median, p90
 *   change failure rate    deployments that failed, that a later one rolled back (rollback_of), or
 *                          that a hotfix followed, of those that finished (cancelled: no change)
 *   time to restore        a failed deployment to the entity's next successful one there: median
 *   pipelines              failed runs of those finished; a successful run's duration: median
 *
 * Counts are exact. Medians and p90 interpolate between ranks as PERCENTILE_CONT does, over
 * durations kept in 2% buckets (lib/dora): within 1% of the exact figure. A figure with nothing
 * to measure is null.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cicd.h"
#include "lib/dora.h"
#include "lib/json.h"

/* The scope asked for (?entity=, ?team= or neither), checked: its key in cicd_dora_days ("e:<ref>",
 * "t:<team>", "p:") and its description in *scope. 0, or -1 with the problem. */
static int dora_scope(struct app_ctx *c, bool platform_allowed, const char **key, json_object *scope)
{
    struct problem *p = &c->problem;
    const char *entity = http_query(&c->req, "entity"), *team = http_query(&c->req, "team");
    struct authz_resource res;
    struct authz_decision d;
    if (entity && team)
        problem_field(p, "team", "give entity or team, not both");
    else if (!platform_allowed && !entity && !team)
        problem_field(p, "team", "give entity or team");
    if (!json_fields_ok(p))
        return -1;
    if (entity) {
        struct catalog_ref ref;
        const char *owner;
        if (cicd_entity_owner(c, "entity", entity, &ref, &owner) < 0)
            return -1;
        if (!cicd_may(c, "cicd.read", owner, ref.text, &res, &d))
            return app_refuse(c, "cicd.read", &res, &d);
        *key = arena_printf(c->arena, "e:%s", ref.text);
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
        *key = arena_printf(c->arena, "t:%s", team);
        json_object_object_add(scope, "team", json_object_new_string(team));
    } else {
        /* the whole platform: a global reader's */
        static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
        if (!app_may(c, "cicd.read", &nowhere, &d))
            return app_refuse(c, "cicd.read", NULL, &d);
        *key = "p:";
    }
    return 0;
}

/* The window's rows of the scope: the environment's deployment metrics (1-5) and the runs' (6-8),
 * each (metric, bucket) summed over the days (DORA_WINDOW_SQL), or by day too (daily). */
static int dora_rows(struct app_ctx *c, const char *key, const char *env, long long days, bool daily, struct db_result *r)
{
    struct db_value v[4] = { DB_TEXTV(key), DB_TEXTV(env), DB_INTV(days - 1) };
    return db_query(c->db, c->arena, daily
        ? "SELECT DATE_FORMAT(day, '%Y-%m-%d'), metric, SUM(n) FROM cicd_dora_days WHERE scope = ? AND ((environment = ? "
          "AND metric IN (1, 2)) OR (environment = '' AND metric IN (6, 7))) AND day >= UTC_DATE() - INTERVAL ? DAY "
          "GROUP BY day, metric HAVING SUM(n) <> 0 ORDER BY day, metric"
        : DORA_WINDOW_SQL, v, 3, r, &c->problem);
}

static const char *window_env(struct app_ctx *c, long long *days)
{
    const char *env = http_query(&c->req, "environment"), *days_text = http_query(&c->req, "days");
    *days = days_text ? atoll(days_text) : 30;
    return env && *env ? env : "production";
}

/* A percentile as a JSON number, or null when it counts nothing (-1). */
static json_object *figure(double v)
{
    return v < 0 ? NULL : json_object_new_double(round(v));
}

int cicd_dora(struct app_ctx *c)
{
    long long days;
    const char *env = window_env(c, &days), *key;
    json_object *scope = app_keep(c, json_object_new_object());
    if (!scope)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    struct db_result r;
    if (dora_scope(c, true, &key, scope) < 0 || dora_rows(c, key, env, days, false, &r) < 0)
        return -1;
    struct dora_figures f;
    if (dora_figures_of_result(c->arena, &r, &f) < 0)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "scope", json_object_get(scope));
    json_object_object_add(o, "days", json_object_new_int64(days));
    json_object_object_add(o, "environment", json_object_new_string(env));
    json_object_object_add(o, "deployments", json_object_new_int64(f.deployments));
    json_object_object_add(o, "deployment_frequency_per_day", json_object_new_double((double)f.deployments / (double)days));
    json_object_object_add(o, "changes", json_object_new_int64(f.changes));
    json_object_object_add(o, "failures", json_object_new_int64(f.failures));
    json_object_object_add(o, "change_failure_rate",
                           f.changes ? json_object_new_double((double)f.failures / (double)f.changes) : NULL);
    json_object *lt = json_object_new_object();
    json_object_object_add(lt, "median", figure(f.lead_median));
    json_object_object_add(lt, "p90", figure(f.lead_p90));
    json_object_object_add(lt, "measured", json_object_new_int64(f.lead_measured));
    json_object_object_add(o, "lead_time_seconds", lt);
    json_object *tr = json_object_new_object();
    json_object_object_add(tr, "median", figure(f.restore_median));
    json_object_object_add(tr, "measured", json_object_new_int64(f.restore_measured));
    json_object_object_add(o, "time_to_restore_seconds", tr);
    json_object *pl = json_object_new_object();
    json_object_object_add(pl, "runs", json_object_new_int64(f.runs));
    json_object_object_add(pl, "failures", json_object_new_int64(f.run_failures));
    json_object_object_add(pl, "failure_rate", f.runs ? json_object_new_double((double)f.run_failures / (double)f.runs) : NULL);
    json_object_object_add(pl, "median_duration_seconds", figure(f.run_median));
    json_object_object_add(o, "pipelines", pl);
    return app_json(c, 200, o);
}

/* GET /cicd/dora/daily?team=|entity=&days=&environment=: the same scope's days, oldest first —
 * successful and failed deployments to the environment, finished and failed pipeline runs — for
 * the dashboard's charts. A day with nothing has no row. */
int cicd_dora_daily(struct app_ctx *c)
{
    long long days;
    const char *env = window_env(c, &days), *key;
    json_object *o = app_keep(c, json_object_new_object());
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    struct db_result r;
    if (dora_scope(c, false, &key, o) < 0 || dora_rows(c, key, env, days, true, &r) < 0)
        return -1;
    json_object *list = json_object_new_array(), *day = NULL;
    const char *current = "";
    long long m1 = 0, m2 = 0;
    for (size_t i = 0; i <= r.nrows; i++) {
        const char *d = i < r.nrows ? db_cell(&r, i, 0) : "";
        if (day && strcmp(d, current) != 0) {   /* the day before is whole */
            json_object_object_add(day, "deployments", json_object_new_int64(m2));
            json_object_object_add(day, "failed_deployments", json_object_new_int64(m1 - m2));
            json_object_array_add(list, day);
            day = NULL;
        }
        if (i == r.nrows)
            break;
        if (!day) {
            day = json_object_new_object();
            json_object_object_add(day, "day", json_object_new_string(d));
            json_object_object_add(day, "runs", json_object_new_int64(0));
            json_object_object_add(day, "failed_runs", json_object_new_int64(0));
            current = d;
            m1 = m2 = 0;
        }
        int m = atoi(db_cell(&r, i, 1));
        long long k = atoll(db_cell(&r, i, 2));
        if (m == 1)
            m1 = k;
        else if (m == 2)
            m2 = k;
        else
            json_object_object_add(day, m == 6 ? "runs" : "failed_runs", json_object_new_int64(k));
    }
    json_object_object_add(o, "days", json_object_new_int64(days));
    json_object_object_add(o, "environment", json_object_new_string(env));
    json_object_object_add(o, "daily", list);
    return app_json(c, 200, json_object_get(o));
}
