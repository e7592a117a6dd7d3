/*
 * The runner's health checks: HTTP and TCP checks run when due (claimed with SKIP LOCKED, so
 * runners on several hosts share them), TTL checks marked critical when their report is late;
 * each result kept, the status damped (lib/health), a change audited. A claim moves a check's due
 * time past the longest its batch can take, so no other runner takes it meanwhile; its result
 * sets the next run an interval on. A pass runs one batch, for at most HEALTH_PASS_SECONDS, so
 * jobs, deploys and upkeep get their turns however many checks there are. A check's answer is
 * never kept: only its status, latency and whether body_contains was found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/health.h"
#include "lib/monotime.h"
#include "runner/drivers/outbound.h"
#include "runner/runner.h"

#define HEALTH_BATCH 16
#define HEALTH_PASS_SECONDS 10.0

/* One run of check row i of q (id, kind, target, timeout_ms, expect_status, body_contains,
 * max_latency_ms): its result, latency (-1: none) and output. */
static enum health_status health_run(struct runner *r, const struct db_result *q, size_t i, long *latency, char *output,
                                     size_t outlen)
{
    const char *kind = db_cell(q, i, 1), *target = db_cell(q, i, 2);
    long timeout = atol(db_cell(q, i, 3));
    long expect = db_cell(q, i, 4) ? atol(db_cell(q, i, 4)) : 0;
    const char *contains = db_cell(q, i, 5);
    long slow = db_cell(q, i, 6) ? atol(db_cell(q, i, 6)) : 0;
    bool tcp = strcmp(kind, "tcp") == 0;
    struct driver_run d = { .cfg = r->cfg, .arena = r->arena, .step_name = "health", .timeout_seconds = 1 + (int)(timeout / 1000),
                            .traceparent = runner_span(r, NULL) };
    struct outbound_places places = outbound_health_places(r->cfg);
    char shown[300];
    const char *url = tcp ? arena_printf(r->arena, "http://%s/", target) : target;
    *latency = -1;
    if (outbound_url_check(&d, places, url, shown, sizeof(shown)) < 0) {
        snprintf(output, outlen, "%s", d.error);
        return HEALTH_CRITICAL;
    }
    struct outbound_request rq = { "GET", url, { "Accept: */*" }, NULL, 0, NULL, 0, timeout, tcp, 0 };
    struct outbound_answer an;
    long long t0 = monotime_us();
    int rc = outbound_once(&d, places, &rq, &an);
    *latency = (long)((monotime_us() - t0) / 1000);
    if (rc < 0) {
        /* a TCP check says what it is: no connection (the URL it was made with is ours, not the check's) */
        const char *why = tcp && !an.refused && strncmp(d.error, "the request to ", 15) == 0 && strstr(d.error, " failed: ")
                              ? strstr(d.error, " failed: ") + 9 : NULL;
        if (why)
            snprintf(output, outlen, "no connection to %s: %s", target, why);
        else
            snprintf(output, outlen, "%s", d.error);
        return HEALTH_CRITICAL;
    }
    if (tcp) {
        snprintf(output, outlen, "connected to %s in %ld ms", target, *latency);
        return HEALTH_PASSING;
    }
    bool status_ok = expect ? an.status == expect : an.status >= 200 && an.status <= 299;
    if (!status_ok) {
        snprintf(output, outlen, "answered %ld (expected %s) in %ld ms", an.status, expect ? arena_printf(r->arena, "%ld", expect) : "2xx",
                 *latency);
        return HEALTH_CRITICAL;
    }
    if (contains && (!an.body || !strstr(an.body, contains))) {
        snprintf(output, outlen, "answered %ld in %ld ms without the text it must hold", an.status, *latency);
        return HEALTH_CRITICAL;
    }
    if (slow && *latency > slow) {
        snprintf(output, outlen, "answered %ld in %ld ms, slower than %ld ms", an.status, *latency, slow);
        return HEALTH_WARNING;
    }
    snprintf(output, outlen, "answered %ld in %ld ms", an.status, *latency);
    return HEALTH_PASSING;
}

/* Record a result for check id: its status moved (damped), the result kept, a change audited;
 * the week-old results of the check pruned. In a transaction of its own. */
static int health_record(struct runner *r, long long id, enum health_status result, long latency, const char *output,
                         struct problem *p)
{
    struct db_value v = DB_INTV(id);
    struct db_result s;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT status, ok_streak, fail_streak, results, success_before_passing, "
                                  "failures_before_critical, kind FROM health_checks WHERE id = ? FOR UPDATE", &v, 1, &s, p) < 0)
        return db_abort(r->db);
    if (s.nrows == 0)
        return db_abort(r->db), 0;   /* deleted meanwhile */
    struct health_state st = { HEALTH_CRITICAL, (unsigned)atoi(db_cell(&s, 0, 1)), (unsigned)atoi(db_cell(&s, 0, 2)),
                               strtoull(db_cell(&s, 0, 3), NULL, 10) };
    health_status_parse(db_cell(&s, 0, 0), &st.status);
    bool changed = health_next(&st, result, (unsigned)atoi(db_cell(&s, 0, 4)), (unsigned)atoi(db_cell(&s, 0, 5)));
    const char *now_status = health_status_name(st.status);
    struct db_value u[7] = { DB_TEXTV(now_status), DB_TEXTV(output), DB_INTV(st.ok_streak), DB_INTV(st.fail_streak),
                             DB_INTV((long long)st.results), DB_INTV(changed), v };
    struct db_value h[5] = { v, DB_TEXTV(health_status_name(result)), DB_TEXTV(now_status),
                             latency >= 0 ? DB_INTV(latency) : DB_NULLV, DB_TEXTV(output) };
    if (db_query(r->db, r->arena,
                 "UPDATE health_checks SET status = ?, output = ?, ok_streak = ?, fail_streak = ?, results = ?, "
                 "changed_at = IF(?, UTC_TIMESTAMP(6), changed_at), checked_at = UTC_TIMESTAMP(6), "
                 "due_at = IF(kind = 'ttl', due_at, UTC_TIMESTAMP(6) + INTERVAL interval_seconds SECOND) WHERE id = ?", u, 7,
                 NULL, p) < 0 ||
        db_query(r->db, r->arena, "INSERT INTO health_results (check_id, at, result, status, latency_ms, output) VALUES "
                                  "(?, UTC_TIMESTAMP(6), ?, ?, ?, ?)", h, 5, NULL, p) < 0 ||
        db_query(r->db, r->arena, HEALTH_PRUNE_SQL, &v, 1, NULL, p) < 0)
        return db_abort(r->db);
    if (changed) {
        struct audit_event ev = runner_event(r, "health.check.status", st.status == HEALTH_PASSING ? "success" : "failure");
        ev.target_type = "health_check";
        ev.target_id = arena_printf(r->arena, "%lld", id);
        ev.details = arena_printf(r->arena, "{\"from\":\"%s\",\"to\":\"%s\"}", db_cell(&s, 0, 0), now_status);
        if (audit_append(r->db, r->arena, &ev, p) < 0)
            return db_abort(r->db);
    }
    return db_commit(r->db, p);
}

/* TTL checks whose report is late: critical, and late again after another ttl. */
static int health_ttl_late(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT id, ttl_seconds FROM health_checks WHERE kind = 'ttl' AND due_at <= UTC_TIMESTAMP(6) "
                                  "ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED", NULL, 0, &q, p) < 0)
        return db_abort(r->db);
    for (size_t i = 0; i < q.nrows; i++) {
        struct db_value v = DB_INTV(atoll(db_cell(&q, i, 0)));
        if (db_query(r->db, r->arena, "UPDATE health_checks SET due_at = UTC_TIMESTAMP(6) + INTERVAL ttl_seconds SECOND "
                                      "WHERE id = ?", &v, 1, NULL, p) < 0)
            return db_abort(r->db);
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    for (size_t i = 0; i < q.nrows; i++) {
        const char *why = arena_printf(r->arena, "no report for %s s", db_cell(&q, i, 1));
        if (health_record(r, atoll(db_cell(&q, i, 0)), HEALTH_CRITICAL, -1, why, p) < 0)
            return -1;
    }
    return (int)q.nrows;
}

int health_pass(struct runner *r, double deadline, struct problem *p)
{
    int done = health_ttl_late(r, p);
    if (done < 0)
        return -1;
    arena_reset(r->arena);
    if (*r->stopping)
        return done;
    /* one batch, claimed by moving its due times past the batch's longest run (each check's
     * timeout, in turn), so that no runner takes one of them while this one has it */
    struct db_value lim = DB_INTV(HEALTH_BATCH);
    struct db_result q;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT id, kind, target, timeout_ms, expect_status, body_contains, max_latency_ms "
                                  "FROM health_checks WHERE kind IN ('http', 'tcp') AND due_at <= UTC_TIMESTAMP(6) "
                                  "ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED", &lim, 1, &q, p) < 0)
        return db_abort(r->db);
    long long held_ms = 0;
    for (size_t i = 0; i < q.nrows; i++)
        held_ms += atoll(db_cell(&q, i, 3));
    for (size_t i = 0; i < q.nrows; i++) {
        struct db_value v[2] = { DB_INTV(held_ms + 60000), DB_INTV(atoll(db_cell(&q, i, 0))) };
        if (db_query(r->db, r->arena, "UPDATE health_checks SET due_at = UTC_TIMESTAMP(6) + INTERVAL ? * 1000 MICROSECOND "
                                      "WHERE id = ?", v, 2, NULL, p) < 0)
            return db_abort(r->db);
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    double until = monotime_s() + HEALTH_PASS_SECONDS;
    size_t i = 0;
    for (; i < q.nrows && !*r->stopping && monotime_s() < until && (deadline == 0 || monotime_s() < deadline); i++) {
        long latency;
        char output[HEALTH_OUTPUT_MAX + 1];
        enum health_status result = health_run(r, &q, i, &latency, output, sizeof(output));
        if (health_record(r, atoll(db_cell(&q, i, 0)), result, latency, output, p) < 0)
            return -1;
        done++;
    }
    /* what this pass had no time for goes back at once, for the next pass or another runner */
    for (; i < q.nrows; i++) {
        struct db_value v = DB_INTV(atoll(db_cell(&q, i, 0)));
        if (db_query(r->db, r->arena, "UPDATE health_checks SET due_at = UTC_TIMESTAMP(6) WHERE id = ?", &v, 1, NULL, p) < 0)
            return -1;
    }
    arena_reset(r->arena);
    return done;
}

int health_due(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_query(r->db, r->arena, "SELECT (SELECT 1 FROM health_checks WHERE kind IN ('http', 'tcp') AND due_at <= "
                                  "UTC_TIMESTAMP(6) LIMIT 1) OR (SELECT 1 FROM health_checks WHERE kind = 'ttl' AND due_at <= "
                                  "UTC_TIMESTAMP(6) LIMIT 1)", NULL, 0, &q, p) < 0)
        return -1;
    return db_cell(&q, 0, 0) && strcmp(db_cell(&q, 0, 0), "1") == 0;
}
