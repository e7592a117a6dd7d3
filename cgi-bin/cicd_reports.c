/*
 * cicd_reports: what a pipeline uploads about its run (sql/0027, lib/cicd_report) — a JUnit
 * test report, kept as the run's counts and failing tests (a later upload for the run replaces
 * it), and a SARIF log, whose findings belong to the entity: one row per fingerprint, open while
 * the latest run of its tool reports it, fixed once a later run of that tool does not. Uploads
 * need cicd.report.write on the run's entity (a developer, or a pipeline's API token); reading
 * is cicd.read. Nothing uploaded is ever HTML: the answers are JSON, the portal shows text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/cicd_report.h"
#include "lib/json.h"

#include "cicd.h"

/* The run at {id}, asked perm of on its entity: 0 with r's row (entity_ref, owner, commit_sha,
 * the run's time); -1 (404 when there is none or the caller may not read it). */
static int run_load(struct app_ctx *c, const char *perm, long long *id, struct db_result *r)
{
    *id = app_path_id(c, "id");
    if (*id <= 0)
        return problem_set(&c->problem, 404, "not-found", "no such pipeline run");
    struct db_value v = DB_INTV(*id);
    if (db_query(c->db, c->arena, "SELECT x.entity_ref, COALESCE(e.owner_team, i.team), x.commit_sha, "
                                  "COALESCE(x.started_at, x.finished_at, x.updated_at) FROM cicd_runs x JOIN "
                                  "cicd_integrations i ON i.id = x.integration_id LEFT JOIN entities e ON "
                                  "e.ref = x.entity_ref WHERE x.id = ?", &v, 1, r, &c->problem) < 0)
        return -1;
    return cicd_row_visible(c, perm, r, 0, 1, arena_printf(c->arena, "no pipeline run %lld", *id));
}

static bool media_is(const char *ct, const char *const *types)
{
    size_t n = ct ? strcspn(ct, "; \t") : 0;
    for (size_t i = 0; ct && types[i]; i++)
        if (n == strlen(types[i]) && strncasecmp(ct, types[i], n) == 0)
            return true;
    return false;
}

/* The upload's bytes: 415 unless one of types, 413 past cicd_report_max_bytes, 400 for what is
 * not UTF-8 text. */
static int upload_body(struct app_ctx *c, const char *const *types, const char *what)
{
    struct problem *p = &c->problem;
    if (!media_is(c->req.content_type, types))
        return problem_set(p, 415, "unsupported-media-type", "send the %s as %s", what, types[0]);
    if (http_body_read(&c->req, (size_t)c->cfg->cicd_report_max_bytes, true, p) < 0)
        return -1;
    const char *clamped = strlen(c->req.body) == c->req.body_len ? http_utf8_clamp(c->arena, c->req.body, c->req.body_len)
                                                                 : NULL;
    if (strlen(c->req.body) == c->req.body_len && !clamped)
        return problem_set(p, 500, "internal", "out of memory");
    if (!clamped || strcmp(clamped, c->req.body) != 0)
        return problem_set(p, 400, "malformed", "a %s is UTF-8 text with no NUL byte", what);
    return 0;
}

/* ---- JUnit ------------------------------------------------------------------------------------- */

static int tests_answer(struct app_ctx *c, long long run, int status)
{
    struct db_value v = DB_INTV(run);
    struct db_result r, f;
    if (db_query(c->db, c->arena, "SELECT run_id AS run, entity_ref AS entity, commit_sha AS `commit`, tests, failures, "
                                  "errors, skipped, duration_ms, uploaded_by, " DB_RFC3339("uploaded_at") " AS uploaded_at "
                                  "FROM cicd_test_reports WHERE run_id = ?", &v, 1, &r, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT suite, classname, name, kind, message FROM cicd_test_failures WHERE run_id = ? "
                                  "ORDER BY idx", &v, 1, &f, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "pipeline run %lld has no test report", run);
    json_object *rows = app_keep(c, app_rows_json(&r, 1, "issiiiiiss"));
    json_object *o = rows ? json_object_get(json_object_array_get_idx(rows, 0)) : NULL;
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object_object_add(o, "failed", app_rows_json(&f, f.nrows, "sssss"));
    return app_json(c, status, o);
}

struct junit_tx {
    struct app_ctx *c;
    long long run;
    const char *entity, *commit;
    const struct cicd_tests *t;
};

static int junit_store(void *ctx, struct problem *p)
{
    struct junit_tx *x = ctx;
    struct app_ctx *c = x->c;
    const struct cicd_tests *t = x->t;
    struct db_value v[9] = { DB_INTV(x->run), DB_TEXTV(x->entity), DB_TEXTV(x->commit), DB_INTV(t->tests),
                             DB_INTV(t->failures), DB_INTV(t->errors), DB_INTV(t->skipped), DB_INTV(t->duration_ms),
                             DB_TEXTV(c->actor ? c->actor : "") };
    /* a later upload for the run replaces the report and its failures (the cascade) */
    if (db_query(c->db, c->arena, "DELETE FROM cicd_test_reports WHERE run_id = ?", v, 1, NULL, p) < 0 ||
        db_query(c->db, c->arena, "INSERT INTO cicd_test_reports (run_id, entity_ref, commit_sha, tests, failures, errors, "
                                  "skipped, duration_ms, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  "UTC_TIMESTAMP(6))", v, 9, NULL, p) < 0)
        return -1;
    for (size_t i = 0; i < t->nfailed; i++) {
        const struct cicd_failed_test *f = &t->failed[i];
        struct db_value w[7] = { DB_INTV(x->run), DB_INTV((long long)i), DB_TEXTV(f->suite), DB_TEXTV(f->classname),
                                 DB_TEXTV(f->name), DB_TEXTV(f->kind), DB_TEXTV(f->message) };
        if (db_query(c->db, c->arena, "INSERT INTO cicd_test_failures (run_id, idx, suite, classname, name, kind, message) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)", w, 7, NULL, p) < 0)
            return -1;
    }
    json_object *details = json_object_new_object();
    json_object_object_add(details, "entity", json_object_new_string(x->entity));
    json_object_object_add(details, "tests", json_object_new_int64(t->tests));
    json_object_object_add(details, "failures", json_object_new_int64(t->failures));
    json_object_object_add(details, "errors", json_object_new_int64(t->errors));
    return app_audited_json(c, "cicd.tests.upload", "cicd_run", arena_printf(c->arena, "%lld", x->run), details);
}

/* POST /cicd/runs/{id}/junit: the run's JUnit XML */
int cicd_junit_upload(struct app_ctx *c)
{
    static const char *const types[] = { "application/xml", "text/xml", NULL };
    long long run;
    struct db_result r;
    if (run_load(c, "cicd.report.write", &run, &r) < 0 || upload_body(c, types, "JUnit report") < 0)
        return -1;
    struct cicd_tests *t = arena_calloc(c->arena, 1, sizeof(*t));
    const char *why;
    if (!t)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    if (cicd_junit_read(c->req.body, c->req.body_len, c->arena, t, &why) < 0)
        return problem_set(&c->problem, 422, "validation", "the JUnit report is not one Portico reads: %s", why);
    struct junit_tx x = { c, run, db_cell(&r, 0, 0), db_cell(&r, 0, 2), t };
    if (db_run_transaction(c->db, &c->problem, junit_store, &x) < 0)
        return -1;
    return tests_answer(c, run, 201);
}

/* GET /cicd/runs/{id}/tests */
int cicd_tests_get(struct app_ctx *c)
{
    long long run;
    struct db_result r;
    if (run_load(c, "cicd.read", &run, &r) < 0)
        return -1;
    return tests_answer(c, run, 200);
}

/* ---- SARIF ------------------------------------------------------------------------------------- */

struct sarif_tx {
    struct app_ctx *c;
    long long run;
    const char *entity, *run_at;
    const struct cicd_findings *f;
    long long opened, fixed;
};

/* The latest run time of tool for the entity, locked (NULL: none yet). */
static const char *tool_latest(struct app_ctx *c, const char *entity, const char *tool, struct problem *p, int *rc)
{
    struct db_value v[2] = { DB_TEXTV(entity), DB_TEXTV(tool) };
    struct db_result r;
    *rc = db_query(c->db, c->arena, "SELECT last_run_at FROM cicd_finding_tools WHERE entity_ref = ? AND tool = ? FOR UPDATE",
                   v, 2, &r, p);
    return *rc == 0 && r.nrows ? db_cell(&r, 0, 0) : NULL;
}

static int sarif_store(void *ctx, struct problem *p)
{
    struct sarif_tx *x = ctx;
    struct app_ctx *c = x->c;
    const struct cicd_findings *f = x->f;
    x->opened = x->fixed = 0;
    const char *latest[CICD_TOOLS_MAX];
    int rc;
    for (size_t t = 0; t < f->ntools; t++) {
        latest[t] = tool_latest(c, x->entity, f->tools[t], p, &rc);
        if (rc < 0)
            return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        const struct cicd_finding *g = &f->items[i];
        /* the tool ran later than this run and did not report it (or its row would be there):
         * a new row is fixed as of that run */
        const char *newer = NULL;
        for (size_t t = 0; t < f->ntools; t++)
            if (strcmp(f->tools[t], g->tool) == 0 && latest[t] && strcmp(latest[t], x->run_at) > 0)
                newer = latest[t];
        struct db_value v[14] = { DB_TEXTV(x->entity), DB_TEXTV(g->fingerprint), DB_TEXTV(g->tool), DB_TEXTV(g->rule),
                                  DB_TEXTV(g->severity), DB_TEXTV(g->message), DB_TEXTV(g->uri), DB_INTV(g->line),
                                  DB_TEXTV(newer ? "fixed" : "open"), DB_INTV(x->run), DB_INTV(x->run),
                                  DB_TEXTV(x->run_at), DB_OPTV(newer), DB_INTV(newer != NULL) };
        struct db_result ins;
        /* a run no older than the one that found it fixed reopens it; an older one's upload (late)
         * changes neither its state nor its latest run */
        if (db_query(c->db, c->arena,
                "INSERT INTO cicd_findings (entity_ref, fingerprint, tool, rule, severity, message, uri, line, state, "
                "first_run_id, last_run_id, last_run_at, fixed_run_at, first_seen_at, fixed_at) VALUES (?, ?, ?, ?, ?, ?, "
                "?, NULLIF(?, 0), ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), IF(?, UTC_TIMESTAMP(6), NULL)) ON DUPLICATE KEY UPDATE "
                /* reopened by a run as new as its fix, unless the tool has a newer run still (that
                 * did not report it: VALUES(fixed_run_at) says when) */
                "state = IF(VALUES(fixed_run_at) IS NULL AND (fixed_run_at IS NULL OR VALUES(last_run_at) >= "
                "fixed_run_at), 'open', state), "
                "fixed_at = IF(state = 'open', NULL, fixed_at), "
                "fixed_run_at = IF(state = 'open', NULL, fixed_run_at), "
                "severity = IF(VALUES(last_run_at) >= last_run_at, VALUES(severity), severity), "
                "message = IF(VALUES(last_run_at) >= last_run_at, VALUES(message), message), "
                "uri = IF(VALUES(last_run_at) >= last_run_at, VALUES(uri), uri), "
                "line = IF(VALUES(last_run_at) >= last_run_at, VALUES(line), line), "
                "last_run_id = IF(VALUES(last_run_at) >= last_run_at, VALUES(last_run_id), last_run_id), "
                "last_run_at = GREATEST(last_run_at, VALUES(last_run_at))", v, 14, &ins, p) < 0)
            return -1;
        x->opened += ins.affected == 1 && !newer;   /* 1: a new row (2: one updated) */
    }
    for (size_t t = 0; t < f->ntools; t++) {
        struct db_value v[3] = { DB_TEXTV(x->entity), DB_TEXTV(f->tools[t]), DB_TEXTV(x->run_at) };
        if (db_query(c->db, c->arena, "INSERT INTO cicd_finding_tools (entity_ref, tool, last_run_at) VALUES (?, ?, ?) "
                                      "ON DUPLICATE KEY UPDATE last_run_at = GREATEST(last_run_at, VALUES(last_run_at))",
                     v, 3, NULL, p) < 0)
            return -1;
    }
    /* what this run's tools found before and no longer report: fixed, as of this run */
    for (size_t t = 0; t < f->ntools; t++) {
        struct db_value v[4] = { DB_TEXTV(x->run_at), DB_TEXTV(x->entity), DB_TEXTV(f->tools[t]), DB_TEXTV(x->run_at) };
        struct db_result up;
        if (db_query(c->db, c->arena, "UPDATE cicd_findings SET state = 'fixed', fixed_at = UTC_TIMESTAMP(6), "
                                      "fixed_run_at = ? WHERE entity_ref = ? AND tool = ? AND state = 'open' AND "
                                      "last_run_at < ?", v, 4, &up, p) < 0)
            return -1;
        x->fixed += (long long)up.affected;
    }
    json_object *details = json_object_new_object();
    json_object_object_add(details, "entity", json_object_new_string(x->entity));
    json_object_object_add(details, "reported", json_object_new_int64((long long)f->n));
    json_object_object_add(details, "new", json_object_new_int64(x->opened));
    json_object_object_add(details, "fixed", json_object_new_int64(x->fixed));
    return app_audited_json(c, "cicd.findings.upload", "cicd_run", arena_printf(c->arena, "%lld", x->run), details);
}

/* POST /cicd/runs/{id}/sarif: the run's SARIF 2.1.0 log */
int cicd_sarif_upload(struct app_ctx *c)
{
    static const char *const types[] = { "application/sarif+json", "application/json", NULL };
    long long run;
    struct db_result r;
    if (run_load(c, "cicd.report.write", &run, &r) < 0 || upload_body(c, types, "SARIF log") < 0)
        return -1;
    json_object *log = app_keep(c, json_parse(c->req.body, c->req.body_len, c->cfg->json_max_depth, &c->problem));
    if (!log)
        return -1;
    struct cicd_findings f;
    const char *why;
    if (cicd_sarif_read(log, c->arena, &f, &why) < 0)
        return problem_set(&c->problem, 422, "validation", "the SARIF log is not one Portico reads: %s", why);
    struct sarif_tx x = { c, run, db_cell(&r, 0, 0), db_cell(&r, 0, 3), &f, 0, 0 };
    if (db_run_transaction(c->db, &c->problem, sarif_store, &x) < 0)
        return -1;
    struct db_value v = DB_TEXTV(x.entity);
    struct db_result open;
    if (db_query(c->db, c->arena, "SELECT COUNT(*) FROM cicd_findings WHERE entity_ref = ? AND state = 'open'", &v, 1,
                 &open, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "run", json_object_new_int64(run));
    json_object_object_add(o, "entity", json_object_new_string(x.entity));
    json_object_object_add(o, "reported", json_object_new_int64((long long)f.n));
    json_object_object_add(o, "new", json_object_new_int64(x.opened));
    json_object_object_add(o, "fixed", json_object_new_int64(x.fixed));
    json_object_object_add(o, "open", json_object_new_int64(atoll(db_cell(&open, 0, 0))));
    return app_json(c, 201, o);
}

/* GET /cicd/findings?entity=[&state=open|fixed][&severity=] */
int cicd_findings_list(struct app_ctx *c)
{
    struct catalog_ref ref;
    const char *team, *state = http_query(&c->req, "state"), *severity = http_query(&c->req, "severity");
    long limit = app_limit(c);
    long long before = app_cursor_id(c, "findings");
    if (cicd_entity_owner(c, "entity", http_query(&c->req, "entity"), &ref, &team) < 0 || !json_fields_ok(&c->problem))
        return -1;
    struct authz_resource res;
    struct authz_decision d;
    if (!cicd_may(c, "cicd.read", team, ref.text, &res, &d))
        return app_refuse(c, "cicd.read", &res, &d);
    struct db_value v[5] = { DB_TEXTV(ref.text), DB_TEXTV(state ? state : "open"),
                             DB_INTV(before > 0 ? before : (long long)(~0ULL >> 1)) };
    size_t nv = 3;
    if (severity)
        v[nv++] = (struct db_value)DB_TEXTV(severity);
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    /* the worst first within a page would break the cursor: newest first, with the severity to sort by */
    const char *sql = arena_printf(c->arena,
        "SELECT id, tool, rule, severity, message, uri, line, state, first_run_id AS first_run, last_run_id AS last_run, "
        DB_RFC3339_PRINTF("first_seen_at") " AS first_seen_at, " DB_RFC3339_PRINTF("fixed_at") " AS fixed_at FROM cicd_findings "
        "WHERE entity_ref = ? AND state = ? AND id < ?%s ORDER BY id DESC LIMIT ?", severity ? " AND severity = ?" : "");
    struct db_result r, counts;
    if (db_query(c->db, c->arena, sql, v, nv, &r, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT COALESCE(SUM(severity = 'critical'), 0), COALESCE(SUM(severity = 'high'), 0), "
                                  "COALESCE(SUM(severity = 'medium'), 0), COALESCE(SUM(severity = 'low'), 0) FROM "
                                  "cicd_findings WHERE entity_ref = ? AND state = 'open'", v, 1, &counts, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object(), *open = json_object_new_object();
    static const char *const sev[] = { "critical", "high", "medium", "low" };
    for (size_t i = 0; i < 4; i++)
        json_object_object_add(open, sev[i], json_object_new_int64(atoll(db_cell(&counts, 0, i))));
    json_object_object_add(o, "entity", json_object_new_string(ref.text));
    json_object_object_add(o, "open", open);
    return app_page(c, o, "findings", &r, limit, 0, "isssssisiisn", "findings");
}

/* GET /cicd/failing: the pipelines failing now (a pipeline's latest finished run failed) of the
 * entities the caller's teams own now, or that the caller holds a role on; newest first. */
int cicd_failing(struct app_ctx *c)
{
    struct db_value *v;
    size_t nv;
    long limit = app_limit(c);
    /* app_scope_where reads rows r with team, entity_ref and requester: a run has no requester */
    const char *where = app_scope_where(c, "cicd.read", &v, &nv);
    if (!where)
        return -1;
    v[nv++] = (struct db_value)DB_INTV(limit);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena,
            "SELECT r.id, r.entity_ref AS entity, r.name, r.branch, r.commit_sha AS `commit`, r.url, "
            DB_RFC3339_PRINTF("r.finished_at") " AS finished_at, r.provider FROM (SELECT x.id, x.entity_ref, x.name, "
            "x.branch, x.commit_sha, x.url, x.finished_at, x.status, COALESCE(e.owner_team, i.team) AS team, i.provider, "
            "'' AS requester, ROW_NUMBER() OVER (PARTITION BY x.entity_ref, x.name, x.branch ORDER BY x.finished_at DESC, "
            "x.id DESC) AS latest FROM cicd_runs x JOIN cicd_integrations i ON i.id = x.integration_id LEFT JOIN entities e "
            "ON e.ref = x.entity_ref WHERE x.status IN ('success', 'failure') "
            "AND x.finished_at >= UTC_TIMESTAMP(6) - INTERVAL 30 DAY) r WHERE r.latest = 1 AND r.status = 'failure' "
            "AND %s ORDER BY r.finished_at DESC LIMIT ?", where), v, nv, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "runs", app_rows_json(&r, r.nrows, "isssssss"));
    return app_json(c, 200, o);
}
