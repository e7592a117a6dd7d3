/*
 * cicd_rollup: the DORA figures kept by day (sql/0029). Each deployment and run stores what it
 * counts for; when that changes, its old counts are taken away from cicd_dora_days and its new
 * ones added, for its entity, its team and the platform, in the caller's transaction. Recounting
 * a row that did not change writes nothing, so a delivery that repeats what is known costs a
 * read. What can change a row's counts, and who recounts:
 *
 *   a deployment finishes, or its status moves    cicd.c, after the upsert: the deployment, and
 *                                                  (a success) the success before it (a hotfix
 *                                                  next makes that one a change failure) and the
 *                                                  failures before it that it restores
 *   a deploy of Portico's rolls a deployment back  cicd_deploys.c: the one rolled back
 *   a commit's time arrives                        cicd.c: the successful deployments of it
 *   a run finishes                                 cicd.c: the run
 *   an integration goes                            cicd.c: its rows' counts, taken away at once
 *
 * The rebuild (cicd_dora_rebuild() in sql/0029) makes the same counts from the rows; the
 * integration suite checks that the two agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dora.h"

#include "cicd.h"

struct count {
    const char *environment;
    int metric;
    const char *day;
    int bucket;
    int n;
};

#define COUNTS_MAX 16

/* Add counts (some negative) to the entity's, the team's and the platform's rows. */
static int counts_apply(struct app_ctx *c, const char *entity, const char *team, const struct count *k, size_t nk)
{
    struct db_value v[COUNTS_MAX * 3 * 6];
    size_t nv = 0, rows = 0;
    /* in key order (scope, environment, metric, day, bucket; "e:" < "p:" < "t:"), as the forget's
     * and the rebuild's GROUP BY write them: concurrent writers lock alike */
    const char *scopes[3] = { arena_printf(c->arena, "e:%s", entity), "p:", arena_printf(c->arena, "t:%s", team) };
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < nk; i++) {
            if (k[i].n == 0)
                continue;
            v[nv++] = (struct db_value)DB_TEXTV(scopes[s]);
            v[nv++] = (struct db_value)DB_TEXTV(k[i].environment);
            v[nv++] = (struct db_value)DB_INTV(k[i].metric);
            v[nv++] = (struct db_value)DB_TEXTV(k[i].day);
            v[nv++] = (struct db_value)DB_INTV(k[i].bucket);
            v[nv++] = (struct db_value)DB_INTV(k[i].n);
            rows++;
        }
    if (rows == 0)
        return 0;
    const char *sql = "INSERT INTO cicd_dora_days (scope, environment, metric, day, bucket, n) VALUES (?, ?, ?, ?, ?, ?)";
    for (size_t i = 1; i < rows; i++)
        sql = arena_printf(c->arena, "%s, (?, ?, ?, ?, ?, ?)", sql);
    sql = arena_printf(c->arena, "%s ON DUPLICATE KEY UPDATE n = n + VALUES(n)", sql);
    return db_query(c->db, c->arena, sql, v, nv, NULL, &c->problem);
}

/* Merge equal keys, so that one statement names each row once. */
static size_t counts_merge(struct count *k, size_t nk)
{
    size_t out = 0;
    for (size_t i = 0; i < nk; i++) {
        size_t j = 0;
        for (; j < out; j++)
            if (k[j].metric == k[i].metric && k[j].bucket == k[i].bucket && strcmp(k[j].day, k[i].day) == 0 &&
                strcmp(k[j].environment, k[i].environment) == 0)
                break;
        if (j < out)
            k[j].n += k[i].n;
        else
            k[out++] = k[i];
    }
    /* sorted by (metric, day, bucket) within the one environment */
    for (size_t i = 1; i < out; i++)
        for (size_t j = i; j > 0; j--) {
            struct count *a = &k[j - 1], *b = &k[j];
            int cmp = a->metric != b->metric ? a->metric - b->metric : strcmp(a->day, b->day);
            if (cmp == 0)
                cmp = a->bucket - b->bucket;
            if (cmp <= 0)
                break;
            struct count t = *a;
            *a = *b, *b = t;
        }
    return out;
}

static int opt_int(const char *s)
{
    return s ? atoi(s) : -1;
}

int cicd_dora_deployment(struct app_ctx *c, long long id)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    /* its counts now, beside what it counted for until now */
    if (db_query(c->db, c->arena,
            "SELECT d.entity_ref, d.team, d.environment, d.dora_day, d.dora_ok, d.dora_failed, d.dora_lead, d.dora_restore, "
            "IF(d.status IN ('success', 'failure') AND d.finished_at IS NOT NULL, DATE(d.finished_at), NULL), "
            "d.status = 'success' AND d.finished_at IS NOT NULL, "
            "d.finished_at IS NOT NULL AND (d.status = 'failure' OR (d.status = 'success' AND (EXISTS (SELECT 1 FROM "
            "cicd_deployments b WHERE b.rollback_of = d.id) OR COALESCE((SELECT h.version LIKE '%hotfix%' FROM "
            "cicd_deployments h WHERE h.entity_ref = d.entity_ref AND h.environment = d.environment AND h.status = "
            "'success' AND (h.finished_at > d.finished_at OR (h.finished_at = d.finished_at AND h.id > d.id)) ORDER BY "
            "h.finished_at, h.id LIMIT 1), 0)))), "
            "IF(d.status = 'success' AND d.finished_at IS NOT NULL, (SELECT TIMESTAMPDIFF(SECOND, k.committed_at, "
            "d.finished_at) FROM cicd_commits k WHERE k.entity_ref = d.entity_ref AND k.sha = d.commit_sha AND "
            "d.commit_sha <> ''), NULL), "
            "IF(d.status = 'failure' AND d.finished_at IS NOT NULL, (SELECT TIMESTAMPDIFF(SECOND, d.finished_at, "
            "s.finished_at) FROM cicd_deployments s WHERE s.entity_ref = d.entity_ref AND s.environment = "
            "d.environment AND s.status = 'success' AND (s.finished_at > d.finished_at OR (s.finished_at = "
            "d.finished_at AND s.id > d.id)) ORDER BY s.finished_at, s.id LIMIT 1), NULL) "
            "FROM cicd_deployments d WHERE d.id = ? FOR UPDATE", &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return 0;
    const char *env = db_cell(&r, 0, 2), *old_day = db_cell(&r, 0, 3), *day = db_cell(&r, 0, 8);
    int old_ok = atoi(db_cell(&r, 0, 4)), old_failed = atoi(db_cell(&r, 0, 5));
    int old_lead = opt_int(db_cell(&r, 0, 6)), old_restore = opt_int(db_cell(&r, 0, 7));
    int ok = day && atoi(db_cell(&r, 0, 9)), failed = day && atoi(db_cell(&r, 0, 10));
    const char *lead_s = db_cell(&r, 0, 11), *restore_s = db_cell(&r, 0, 12);
    int lead = day && lead_s ? dora_bucket(atoll(lead_s)) : -1, restore = day && restore_s ? dora_bucket(atoll(restore_s)) : -1;
    if (((!old_day && !day) || (old_day && day && strcmp(old_day, day) == 0)) && old_ok == ok && old_failed == failed &&
        old_lead == lead && old_restore == restore)
        return 0;   /* it counts as it did */
    struct count k[COUNTS_MAX];
    size_t nk = 0;
    for (int side = 0; side < 2; side++) {
        const char *dd = side ? day : old_day;
        int sign = side ? 1 : -1, o = side ? ok : old_ok, f = side ? failed : old_failed;
        int l = side ? lead : old_lead, rs = side ? restore : old_restore;
        if (!dd)
            continue;
        k[nk++] = (struct count){ env, 1, dd, 0, sign };
        if (o)
            k[nk++] = (struct count){ env, 2, dd, 0, sign };
        if (f)
            k[nk++] = (struct count){ env, 3, dd, 0, sign };
        if (l >= 0)
            k[nk++] = (struct count){ env, 4, dd, l, sign };
        if (rs >= 0)
            k[nk++] = (struct count){ env, 5, dd, rs, sign };
    }
    nk = counts_merge(k, nk);
    struct db_value u[6] = { DB_OPTV(day), DB_INTV(ok), DB_INTV(failed), lead >= 0 ? DB_INTV(lead) : DB_NULLV,
                             restore >= 0 ? DB_INTV(restore) : DB_NULLV, DB_INTV(id) };
    if (counts_apply(c, db_cell(&r, 0, 0), db_cell(&r, 0, 1), k, nk) < 0 ||
        db_query(c->db, c->arena, "UPDATE cicd_deployments SET dora_day = ?, dora_ok = ?, dora_failed = ?, dora_lead = ?, "
                                  "dora_restore = ? WHERE id = ?", u, 6, NULL, &c->problem) < 0)
        return -1;
    return 0;
}

int cicd_dora_after_deployment(struct app_ctx *c, long long id)
{
    if (cicd_dora_deployment(c, id) < 0)
        return -1;
    /* the success before it: whether a hotfix came next may have changed */
    struct db_value w = DB_INTV(id);
    struct db_result b;
    if (db_query(c->db, c->arena,
            "SELECT p.id FROM cicd_deployments d JOIN cicd_deployments p ON p.entity_ref = d.entity_ref AND "
            "p.environment = d.environment AND p.status = 'success' AND (p.finished_at < d.finished_at OR "
            "(p.finished_at = d.finished_at AND p.id < d.id)) WHERE d.id = ? AND d.status = 'success' AND d.finished_at "
            "IS NOT NULL ORDER BY p.finished_at DESC, p.id DESC LIMIT 1", &w, 1, &b, &c->problem) < 0 ||
        (b.nrows && cicd_dora_deployment(c, atoll(db_cell(&b, 0, 0))) < 0))
        return -1;
    /* a success: the failures since the success before it are restored by it (or sooner); a
     * page at a time, however many */
    for (long long after = 0;;) {
        struct db_value v[2] = { DB_INTV(id), DB_INTV(after) };
        struct db_result f;
        if (db_query(c->db, c->arena,
                "SELECT x.id FROM cicd_deployments d JOIN cicd_deployments x ON x.entity_ref = d.entity_ref AND "
                "x.environment = d.environment AND x.status = 'failure' AND x.finished_at <= d.finished_at AND "
                "x.id <> d.id WHERE d.id = ? AND d.status = 'success' AND d.finished_at IS NOT NULL AND "
                "x.finished_at >= COALESCE((SELECT MAX(p.finished_at) FROM cicd_deployments p WHERE p.entity_ref = "
                "d.entity_ref AND p.environment = d.environment AND p.status = 'success' AND p.finished_at < "
                "d.finished_at), '1000-01-01') AND x.id > ? ORDER BY x.id LIMIT 500", v, 2, &f, &c->problem) < 0)
            return -1;
        for (size_t i = 0; i < f.nrows; i++)
            if (cicd_dora_deployment(c, after = atoll(db_cell(&f, i, 0))) < 0)
                return -1;
        if (f.nrows < 500)
            return 0;
    }
}

int cicd_dora_commit(struct app_ctx *c, const char *entity, const char *sha)
{
    for (long long after = 0;;) {
        struct db_value v[3] = { DB_TEXTV(entity), DB_TEXTV(sha), DB_INTV(after) };
        struct db_result r;
        if (db_query(c->db, c->arena, "SELECT id FROM cicd_deployments WHERE entity_ref = ? AND commit_sha = ? AND "
                                      "status = 'success' AND id > ? ORDER BY id LIMIT 500", v, 3, &r, &c->problem) < 0)
            return -1;
        for (size_t i = 0; i < r.nrows; i++)
            if (cicd_dora_deployment(c, after = atoll(db_cell(&r, i, 0))) < 0)
                return -1;
        if (r.nrows < 500)
            return 0;
    }
}

int cicd_dora_lock(struct app_ctx *c, const char *entity)
{
    struct db_value v = DB_TEXTV(entity);
    return db_query(c->db, c->arena, "INSERT INTO cicd_dora_locks (entity_ref) VALUES (?) ON DUPLICATE KEY UPDATE "
                                     "entity_ref = entity_ref", &v, 1, NULL, &c->problem);
}

int cicd_dora_run(struct app_ctx *c, long long integration, const char *key)
{
    struct db_value v[2] = { DB_INTV(integration), DB_TEXTV(key) };
    struct db_result r;
    /* by its key, as the upsert just wrote it: one read for the delivery's hot path */
    if (db_query(c->db, c->arena,
            "SELECT entity_ref, team, dora_day, dora_failed, dora_duration, "
            "IF(status IN ('success', 'failure') AND finished_at IS NOT NULL, DATE(finished_at), NULL), "
            "status = 'failure' AND finished_at IS NOT NULL, "
            "IF(status = 'success' AND finished_at IS NOT NULL AND started_at IS NOT NULL, TIMESTAMPDIFF(SECOND, "
            "started_at, finished_at), NULL), id FROM cicd_runs WHERE integration_id = ? AND run_key = ? FOR UPDATE",
            v, 2, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return 0;
    long long id = atoll(db_cell(&r, 0, 8));
    const char *old_day = db_cell(&r, 0, 2), *day = db_cell(&r, 0, 5);
    int old_failed = atoi(db_cell(&r, 0, 3)), old_duration = opt_int(db_cell(&r, 0, 4));
    int failed = day && atoi(db_cell(&r, 0, 6));
    int duration = day && db_cell(&r, 0, 7) ? dora_bucket(atoll(db_cell(&r, 0, 7))) : -1;
    if (((!old_day && !day) || (old_day && day && strcmp(old_day, day) == 0)) && old_failed == failed &&
        old_duration == duration)
        return 0;
    struct count k[COUNTS_MAX];
    size_t nk = 0;
    for (int side = 0; side < 2; side++) {
        const char *dd = side ? day : old_day;
        int sign = side ? 1 : -1, f = side ? failed : old_failed, du = side ? duration : old_duration;
        if (!dd)
            continue;
        k[nk++] = (struct count){ "", 6, dd, 0, sign };
        if (f)
            k[nk++] = (struct count){ "", 7, dd, 0, sign };
        if (du >= 0)
            k[nk++] = (struct count){ "", 8, dd, du, sign };
    }
    nk = counts_merge(k, nk);
    struct db_value u[4] = { DB_OPTV(day), DB_INTV(failed), duration >= 0 ? DB_INTV(duration) : DB_NULLV, DB_INTV(id) };
    if (counts_apply(c, db_cell(&r, 0, 0), db_cell(&r, 0, 1), k, nk) < 0 ||
        db_query(c->db, c->arena, "UPDATE cicd_runs SET dora_day = ?, dora_failed = ?, dora_duration = ? WHERE id = ?", u, 4,
                 NULL, &c->problem) < 0)
        return -1;
    return 0;
}

/* After the integration's rows are gone: the other integrations' deployments whose counts leaned
 * on them — in each (entity, environment) it deployed to, from the last remaining success
 * before its first deployment on (a restore, a hotfix next, a rollback are read across
 * integrations). pairs: its (entity, environment, first finish) from before the deletion. */
int cicd_dora_recount_after(struct app_ctx *c, const struct db_result *pairs)
{
    for (size_t i = 0; i < pairs->nrows; i++)
        for (long long after = 0;;) {
            struct db_value v[6] = { DB_TEXTV(db_cell(pairs, i, 0)), DB_TEXTV(db_cell(pairs, i, 1)),
                                     DB_TEXTV(db_cell(pairs, i, 0)), DB_TEXTV(db_cell(pairs, i, 1)),
                                     DB_TEXTV(db_cell(pairs, i, 2)), DB_INTV(after) };
            struct db_result r;
            if (db_query(c->db, c->arena,
                    "SELECT id FROM cicd_deployments WHERE entity_ref = ? AND environment = ? AND finished_at >= "
                    "COALESCE((SELECT MAX(p.finished_at) FROM cicd_deployments p WHERE p.entity_ref = ? AND "
                    "p.environment = ? AND p.status = 'success' AND p.finished_at < ?), '1000-01-01') AND id > ? "
                    "ORDER BY id LIMIT 500", v, 6, &r, &c->problem) < 0)
                return -1;
            for (size_t k = 0; k < r.nrows; k++)
                if (cicd_dora_deployment(c, after = atoll(db_cell(&r, k, 0))) < 0)
                    return -1;
            if (r.nrows < 500)
                break;
        }
    return 0;
}

int cicd_dora_forget(struct app_ctx *c, long long integration)
{
    /* what the integration's rows count for, taken away for each scope in one statement (the
     * shape of the rebuild's, with the sign turned) */
    struct db_value v[16];
    for (size_t i = 0; i < 16; i++)
        v[i] = (struct db_value)DB_INTV(integration);
    return db_query(c->db, c->arena,
        "INSERT INTO cicd_dora_days (scope, environment, metric, day, bucket, n) "
        "SELECT CASE s.k WHEN 1 THEN CONCAT('e:', q.entity_ref) WHEN 2 THEN CONCAT('t:', q.team) ELSE 'p:' END AS scope, "
        "q.environment, q.metric, q.day, q.bucket, -SUM(q.cnt) FROM ("
        "SELECT entity_ref, team, environment, 1 AS metric, dora_day AS day, 0 AS bucket, 1 AS cnt FROM cicd_deployments WHERE integration_id = ? AND dora_day IS NOT NULL "
        "UNION ALL SELECT entity_ref, team, environment, 2, dora_day, 0, 1 FROM cicd_deployments WHERE integration_id = ? AND dora_day IS NOT NULL AND dora_ok = 1 "
        "UNION ALL SELECT entity_ref, team, environment, 3, dora_day, 0, 1 FROM cicd_deployments WHERE integration_id = ? AND dora_day IS NOT NULL AND dora_failed = 1 "
        "UNION ALL SELECT entity_ref, team, environment, 4, dora_day, dora_lead, 1 FROM cicd_deployments WHERE integration_id = ? AND dora_day IS NOT NULL AND dora_lead IS NOT NULL "
        "UNION ALL SELECT entity_ref, team, environment, 5, dora_day, dora_restore, 1 FROM cicd_deployments WHERE integration_id = ? AND dora_day IS NOT NULL AND dora_restore IS NOT NULL "
        "UNION ALL SELECT entity_ref, team, '', 6, dora_day, 0, 1 FROM cicd_runs WHERE integration_id = ? AND dora_day IS NOT NULL "
        "UNION ALL SELECT entity_ref, team, '', 7, dora_day, 0, 1 FROM cicd_runs WHERE integration_id = ? AND dora_day IS NOT NULL AND dora_failed = 1 "
        "UNION ALL SELECT entity_ref, team, '', 8, dora_day, dora_duration, 1 FROM cicd_runs WHERE integration_id = ? AND dora_day IS NOT NULL AND dora_duration IS NOT NULL"
        ") q CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) s "
        "GROUP BY scope, q.environment, q.metric, q.day, q.bucket ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
        v, 8, NULL, &c->problem);
}
