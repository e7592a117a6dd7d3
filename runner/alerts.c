/*
 * The runner's alerts: rules evaluated when due (claimed with SKIP LOCKED, a batch a pass, so
 * runners on several hosts share them), their state moved (lib/alert: pending for for_seconds,
 * then firing; resolved when false), each firing and resolving kept, audited, notified in the
 * portal to the rule's team and queued for the team's receivers unless a silence covers it; then
 * the queued deliveries sent (their URL opened from the secrets store, retried with backoff).
 *
 * What a rule measures: health, the entity's checks at or worse than its metric; failures, the
 * entity's failed provisioning jobs, pipeline runs or deployments in its window; dora, a DORA
 * figure of the entity (cicd_dora_days); promql, its expression scoped to the entity's series
 * (lib/promql) asked of the configured Prometheus — true when a sample of the answer satisfies
 * op threshold, or, with no op, when there is any sample (Prometheus' own alerting rule).
 * A rule that cannot be evaluated (Prometheus away, a bad expression) keeps its state and says
 * why in its error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/alert.h"
#include "lib/dora.h"
#include "lib/monotime.h"
#include "lib/promql.h"
#include "lib/provision.h"
#include "lib/secrets.h"
#include "runner/drivers/outbound.h"
#include "runner/drivers/prometheus.h"
#include "runner/runner.h"

#define ALERT_BATCH 16
#define DELIVERY_BATCH 16

enum { R_ID, R_ENTITY_ID, R_REF, R_TEAM, R_NAME, R_KIND, R_METRIC, R_ENV, R_EXPR, R_OP, R_THRESHOLD, R_WINDOW,
       R_FOR, R_SEVERITY, R_SUMMARY, R_INTERVAL, R_REPEAT, R_ENABLED };
#define RULE_COLUMNS                                                                                                   \
    "a.id, a.entity_id, e.ref, COALESCE(e.owner_team, a.team), a.name, a.kind, a.metric, a.environment, a.expr, a.op, a.threshold, "          \
    "a.window_seconds, a.for_seconds, a.severity, a.summary, a.interval_seconds, a.repeat_seconds, a.enabled"

/* One count of the database as the rule's value. */
static int count_value(struct runner *r, const char *sql, struct db_value *v, size_t nv, double *value,
                       struct problem *p)
{
    struct db_result q;
    if (db_query(r->db, r->arena, sql, v, nv, &q, p) < 0)
        return -1;
    *value = q.nrows ? atof(db_cell(&q, 0, 0) ? db_cell(&q, 0, 0) : "0") : 0;
    return 0;
}

/* A DORA figure of the entity over its window (production unless the rule names another). */
static int dora_value(struct runner *r, const char *ref, const char *env, const char *metric, long long days,
                      bool *has, double *value, struct problem *p)
{
    struct db_value v[3] = { DB_TEXTV(arena_printf(r->arena, "e:%s", ref)), DB_TEXTV(env ? env : "production"),
                             DB_INTV(days - 1) };
    struct db_result q;
    if (db_query(r->db, r->arena, DORA_WINDOW_SQL, v, 3, &q, p) < 0)
        return -1;
    struct dora_figures f;
    if (dora_figures_of_result(r->arena, &q, &f) < 0)
        return problem_set(p, 500, "internal", "out of memory");
    *has = true;
    if (strcmp(metric, "deployment_frequency") == 0)
        *value = (double)f.deployments / (double)days;
    else if (strcmp(metric, "change_failure_rate") == 0)
        *has = f.changes > 0, *value = f.changes ? (double)f.failures / (double)f.changes : 0;
    else if (strcmp(metric, "lead_time") == 0)
        *has = f.lead_median >= 0, *value = round(f.lead_median);
    else
        *has = f.restore_median >= 0, *value = round(f.restore_median);
    return 0;
}

/* A promql rule's answer: *cond when a sample satisfies op threshold (any sample, with no op);
 * *value the first finite sample that does, else the largest (NaN and ±Inf compare, are never
 * kept). 0, or -1 with why (the rule's error). */
static int promql_value(struct runner *r, const struct db_result *q, size_t i, bool *has, double *value, bool *cond,
                        char *why, size_t wl)
{
    const char *scoped, *err, *op = db_cell(q, i, R_OP);
    double threshold = atof(db_cell(q, i, R_THRESHOLD));
    if (promql_scope(r->arena, db_cell(q, i, R_EXPR), r->cfg->prometheus_entity_label, db_cell(q, i, R_REF), &scoped,
                     &err) < 0)
        return snprintf(why, wl, "the expression: %s", err), -1;
    struct driver_run d = { .cfg = r->cfg, .arena = r->arena, .step_name = "alert",
                            .timeout_seconds = r->cfg->prometheus_timeout_seconds, .traceparent = runner_span(r, NULL) };
    json_object *data, *result, *type;
    bool bad;
    if (prometheus_query(&d, scoped, 0, &data, &bad) < 0)
        return snprintf(why, wl, "%s", d.error), -1;
    const char *rt = json_object_object_get_ex(data, "resultType", &type) ? json_object_get_string(type) : "";
    json_object_object_get_ex(data, "result", &result);
    *has = false;
    *cond = false;
    int rc = 0;
    if (strcmp(rt, "scalar") == 0 || strcmp(rt, "vector") == 0) {
        bool scalar = strcmp(rt, "scalar") == 0;
        size_t n = scalar ? 1 : json_object_array_length(result);
        bool taken = false;   /* *value is the first sample that satisfies the rule */
        for (size_t k = 0; k < n; k++) {
            /* a native histogram's sample has "histogram", not "value": no figure to compare */
            json_object *pair = scalar ? result : json_object_object_get(json_object_array_get_idx(result, k), "value");
            if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) < 2)
                continue;
            const char *text = json_object_get_string(json_object_array_get_idx(pair, 1));
            if (!text)
                continue;
            double x = strtod(text, NULL);
            bool ok = op ? alert_compare(x, op, threshold) : true;
            if (!isfinite(x)) {
                *cond = *cond || ok;   /* compared as Prometheus does, but not a figure to keep */
                continue;
            }
            if (ok && !taken)
                *cond = true, *value = x, *has = true, taken = true;
            else if (!taken && (!*has || x > *value))
                *value = x, *has = true;
        }
    } else {
        snprintf(why, wl, "the expression gives a %s; an alert needs an instant vector or a scalar", rt);
        rc = -1;
    }
    json_object_put(data);
    return rc;
}

/* Rule i's value and condition now: 0; 1 when it cannot be evaluated (why says); -1: the database. */
static int rule_eval(struct runner *r, const struct db_result *q, size_t i, bool *has, double *value, bool *cond,
                     char *why, size_t wl, struct problem *p)
{
    const char *kind = db_cell(q, i, R_KIND), *metric = db_cell(q, i, R_METRIC), *env = db_cell(q, i, R_ENV);
    long long window = atoll(db_cell(q, i, R_WINDOW));
    struct db_value v[4] = { DB_TEXTV(db_cell(q, i, R_REF)), DB_INTV(window), DB_OPTV(env), DB_OPTV(env) };
    int rc = 0;
    *has = true;
    *value = 0;
    if (strcmp(kind, "promql") == 0) {
        if (promql_value(r, q, i, has, value, cond, why, wl) < 0)
            return 1;
        return 0;
    }
    if (strcmp(kind, "health") == 0) {
        v[0] = (struct db_value)DB_INTV(atoll(db_cell(q, i, R_ENTITY_ID)));
        rc = count_value(r, strcmp(metric, "warning") == 0
                                ? "SELECT COUNT(*) FROM health_checks WHERE entity_id = ? AND status <> 'passing' AND results > 0"
                                : "SELECT COUNT(*) FROM health_checks WHERE entity_id = ? AND status = 'critical' AND results > 0",
                         v, 1, value, p);
    } else if (strcmp(kind, "failures") == 0 && strcmp(metric, "jobs") == 0) {
        rc = count_value(r, "SELECT COUNT(*) FROM jobs j JOIN resources s ON s.id = j.resource_id WHERE s.entity_ref = ? "
                            "AND j.state = 'failed' AND j.finished_at >= UTC_TIMESTAMP(6) - INTERVAL ? SECOND", v, 2, value, p);
    } else if (strcmp(kind, "failures") == 0 && strcmp(metric, "pipelines") == 0) {
        rc = count_value(r, "SELECT COUNT(*) FROM cicd_runs WHERE entity_ref = ? AND status = 'failure' AND finished_at >= "
                            "UTC_TIMESTAMP(6) - INTERVAL ? SECOND", v, 2, value, p);
    } else if (strcmp(kind, "failures") == 0) {
        /* deployments the providers reported failed, and deploys asked of Portico whose trigger failed */
        struct db_value w[8] = { v[0], v[1], v[2], v[3], v[0], v[1], v[2], v[3] };
        rc = count_value(r, "SELECT (SELECT COUNT(*) FROM cicd_deployments WHERE entity_ref = ? AND status = 'failure' AND "
                            "finished_at >= UTC_TIMESTAMP(6) - INTERVAL ? SECOND AND (? IS NULL OR environment = ?)) + "
                            "(SELECT COUNT(*) FROM cicd_deploys WHERE entity_ref = ? AND state = 'failed' AND updated_at >= "
                            "UTC_TIMESTAMP(6) - INTERVAL ? SECOND AND (? IS NULL OR environment = ?))", w, 8, value, p);
    } else {
        rc = dora_value(r, db_cell(q, i, R_REF), env, metric, window / 86400, has, value, p);
    }
    if (rc < 0)
        return -1;
    *cond = *has && alert_compare(*value, db_cell(q, i, R_OP), atof(db_cell(q, i, R_THRESHOLD)));
    return 0;
}

/* The notice of event (firing, resolved, repeated) of rule i, for the portal and the receivers. */
static struct alert_notice notice_of(struct runner *r, const struct db_result *q, size_t i, const char *status,
                                     bool has, double value, const char *starts, const char *ends)
{
    const char *path = arena_printf(r->arena, "/alerts/rules/%s", db_cell(q, i, R_ID));
    size_t bl = strlen(r->cfg->public_url);
    while (bl && r->cfg->public_url[bl - 1] == '/')
        bl--;
    struct alert_notice n = { atoll(db_cell(q, i, R_ID)), db_cell(q, i, R_NAME), db_cell(q, i, R_REF),
                              db_cell(q, i, R_TEAM), db_cell(q, i, R_SEVERITY), db_cell(q, i, R_SUMMARY),
                              db_cell(q, i, R_KIND), status, has, value, starts, ends,
                              arena_printf(r->arena, "%.*s%s", (int)bl, r->cfg->public_url, path),
                              arena_printf(r->arena, "%.*s", (int)bl, r->cfg->public_url), NULL };
    return n;
}

/* Route event id of rule i (in the caller's transaction): held back by a silence (kept on the
 * event), else a notice in the portal to the team and a delivery to each receiver of the team
 * whose min_severity the rule reaches. */
static int route(struct runner *r, const struct db_result *q, size_t i, long long event_id, const struct alert_notice *n,
                 struct problem *p)
{
    struct db_value sv[3] = { DB_TEXTV(n->team), DB_INTV(atoll(db_cell(q, i, R_ENTITY_ID))), DB_INTV(n->rule_id) };
    struct db_result s, rcv;
    if (db_query(r->db, r->arena, "SELECT id FROM alert_silences WHERE team = ? AND starts_at <= UTC_TIMESTAMP(6) AND "
                                  "ends_at > UTC_TIMESTAMP(6) AND (entity_id IS NULL OR entity_id = ?) AND (rule_id IS NULL "
                                  "OR rule_id = ?) ORDER BY id LIMIT 1", sv, 3, &s, p) < 0)
        return -1;
    if (s.nrows) {
        struct db_value u[2] = { DB_INTV(atoll(db_cell(&s, 0, 0))), DB_INTV(event_id) };
        return db_query(r->db, r->arena, "UPDATE alert_events SET silence_id = ? WHERE id = ?", u, 2, NULL, p);
    }
    const char *subject = arena_printf(r->arena, "%s %s: %s on %s", n->severity,
                                       strcmp(n->status, "resolved") == 0 ? "resolved" : "firing", n->rule, n->entity);
    if (provision_notify(r->db, r->arena, 0, NULL, n->team, "alert", subject,
                         arena_printf(r->arena, "/alerts/rules/%lld", n->rule_id), p) < 0)
        return -1;
    struct db_value tv = DB_TEXTV(n->team);
    if (db_query(r->db, r->arena, "SELECT id, name, format, min_severity FROM alert_receivers WHERE team = ? ORDER BY id",
                 &tv, 1, &rcv, p) < 0)
        return -1;
    int rank = alert_severity_rank(n->severity);
    for (size_t k = 0; k < rcv.nrows; k++) {
        if (alert_severity_rank(db_cell(&rcv, k, 3)) > rank)
            continue;
        struct alert_notice m = *n;
        m.receiver = db_cell(&rcv, k, 1);
        json_object *o = strcmp(db_cell(&rcv, k, 2), "slack") == 0 ? alert_slack_payload(&m) : alert_manager_payload(&m);
        const char *payload = o ? arena_strdup(r->arena, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : NULL;
        json_object_put(o);
        if (!payload)
            return problem_set(p, 500, "internal", "out of memory");
        struct db_value dv[4] = { DB_INTV(atoll(db_cell(&rcv, k, 0))), DB_INTV(event_id), DB_TEXTV(payload),
                                  DB_TEXTV(runner_span(r, NULL)) };
        if (db_query(r->db, r->arena, "INSERT INTO alert_deliveries (receiver_id, event_id, payload, due_at, traceparent, "
                                      "created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?, UTC_TIMESTAMP(6))", dv, 4, NULL, p) < 0)
            return -1;
    }
    return 0;
}

static long long event_add(struct runner *r, long long rule, const char *event, bool has, double value, const char *detail,
                           struct problem *p)
{
    struct db_value v[4] = { DB_INTV(rule), DB_TEXTV(event), has && isfinite(value) ? DB_TEXTV(arena_printf(r->arena, "%.17g", value)) : DB_NULLV, DB_TEXTV(detail) };
    struct db_result res;
    if (db_query(r->db, r->arena, "INSERT INTO alert_events (rule_id, at, event, value, detail) VALUES "
                                  "(?, UTC_TIMESTAMP(6), ?, ?, ?)", v, 4, &res, p) < 0)
        return -1;
    return (long long)res.insert_id;
}

/* Record rule i's evaluation (in a transaction of its own): its state moved, events kept and routed. */
static int rule_record(struct runner *r, const struct db_result *q, size_t i, int evaluated, bool has, double value,
                       bool cond, const char *why, struct problem *p)
{
    long long id = atoll(db_cell(q, i, R_ID));
    struct db_value v = DB_INTV(id);
    struct db_result s;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT state, UNIX_TIMESTAMP(COALESCE(IF(state = 'firing', firing_since, pending_since), "
                                  "UTC_TIMESTAMP(6))), acked_by IS NOT NULL, UNIX_TIMESTAMP(notified_at), "
                                  "UNIX_TIMESTAMP(UTC_TIMESTAMP(6)), " DB_RFC3339("firing_since") ", "
                                  DB_RFC3339("UTC_TIMESTAMP(6)") " FROM alert_rules WHERE id = ? AND (enabled = 1 OR state <> 'inactive') FOR UPDATE", &v, 1, &s, p) < 0)
        return db_abort(r->db);
    if (s.nrows == 0)
        return db_abort(r->db), 0;   /* deleted or disabled meanwhile */
    struct db_value due[2] = { DB_INTV(atoll(db_cell(q, i, R_INTERVAL))), v };
    if (evaluated != 0) {
        struct db_value e[3] = { DB_TEXTV(why), due[0], v };
        if (db_query(r->db, r->arena, "UPDATE alert_rules SET error = ?, evaluated_at = UTC_TIMESTAMP(6), due_at = "
                                      "UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ?", e, 3, NULL, p) < 0)
            return db_abort(r->db);
        return db_commit(r->db, p);
    }
    enum alert_state st = ALERT_INACTIVE, before;
    alert_state_parse(db_cell(&s, 0, 0), &st);
    before = st;
    long long since = (long long)atof(db_cell(&s, 0, 1)), now = (long long)atof(db_cell(&s, 0, 4));
    bool acked = atoi(db_cell(&s, 0, 2)) != 0;
    enum alert_change ch = alert_step(&st, &since, cond, now, atoll(db_cell(q, i, R_FOR)));
    long long repeat = atoll(db_cell(q, i, R_REPEAT));
    bool again = ch == ALERT_SAME && st == ALERT_FIRING && !acked && repeat > 0 && db_cell(&s, 0, 3) &&
                 now - (long long)atof(db_cell(&s, 0, 3)) >= repeat;
    const char *nowtext = db_cell(&s, 0, 6);
    struct db_value u[7] = { DB_TEXTV(alert_state_name(st)), has && isfinite(value) ? DB_TEXTV(arena_printf(r->arena, "%.17g", value)) : DB_NULLV,
                             DB_INTV(ch), DB_INTV(ch), DB_INTV(ch == ALERT_FIRED || ch == ALERT_RESOLVED || again), due[0], v };
    if (db_query(r->db, r->arena,
                 "UPDATE alert_rules SET state = ?, value = ?, error = NULL, evaluated_at = UTC_TIMESTAMP(6), "
                 "pending_since = CASE ? WHEN 1 THEN UTC_TIMESTAMP(6) WHEN 2 THEN COALESCE(pending_since, "
                 "UTC_TIMESTAMP(6)) WHEN 0 THEN pending_since ELSE NULL END, "
                 "firing_since = CASE ? WHEN 2 THEN UTC_TIMESTAMP(6) WHEN 3 THEN NULL ELSE firing_since END, "
                 "notified_at = IF(?, UTC_TIMESTAMP(6), notified_at), "
                 "due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ?", u, 7, NULL, p) < 0)
        return db_abort(r->db);
    if (ch == ALERT_FIRED || ch == ALERT_RESOLVED || ch == ALERT_BECAME_PENDING || again) {
        const char *event = ch == ALERT_FIRED ? "firing" : ch == ALERT_RESOLVED ? "resolved" : ch == ALERT_BECAME_PENDING
                            ? "pending" : "repeated";
        long long ev = event_add(r, id, event, has, value, why, p);
        if (ev < 0)
            return db_abort(r->db);
        if (ch != ALERT_BECAME_PENDING) {
            const char *starts = ch == ALERT_FIRED ? nowtext : db_cell(&s, 0, 5) ? db_cell(&s, 0, 5) : nowtext;
            struct alert_notice n = notice_of(r, q, i, ch == ALERT_RESOLVED ? "resolved" : "firing", has, value, starts,
                                              ch == ALERT_RESOLVED ? nowtext : NULL);
            if (route(r, q, i, ev, &n, p) < 0)
                return db_abort(r->db);
        }
    }
    if (ch == ALERT_RESOLVED) {
        /* a firing's acknowledgement ends with it */
        if (db_query(r->db, r->arena, "UPDATE alert_rules SET acked_by = NULL, acked_at = NULL, ack_comment = NULL "
                                      "WHERE id = ?", &v, 1, NULL, p) < 0)
            return db_abort(r->db);
    }
    if (ch == ALERT_FIRED || ch == ALERT_RESOLVED) {
        struct audit_event a = runner_event(r, "monitor.alert.state", ch == ALERT_FIRED ? "failure" : "success");
        a.target_type = "alert_rule";
        a.target_id = db_cell(q, i, R_ID);
        a.details = arena_printf(r->arena, "{\"from\":\"%s\",\"to\":\"%s\"}", alert_state_name(before), alert_state_name(st));
        if (audit_append(r->db, r->arena, &a, p) < 0)
            return db_abort(r->db);
    }
    return db_commit(r->db, p);
}

/* Send one claimed delivery: 1 sent, 0 failed (retried or given up), -1 the database. */
static int deliver(struct runner *r, const struct db_result *q, size_t i, struct problem *p)
{
    long long id = atoll(db_cell(q, i, 0));
    int attempts = atoi(db_cell(q, i, 3)) + 1;
    const char *path = db_cell(q, i, 1);
    struct driver_run d = { .cfg = r->cfg, .arena = r->arena, .step_name = "alert", .timeout_seconds = 10,
                            .traceparent = runner_span(r, db_cell(q, i, 4)) };
    unsigned char *value = NULL;
    size_t len = 0;
    int version = 0, rc = -1;
    long status = 0;
    const struct crypto_keyring *k = secrets_keyring(r->cfg->master_key_file, &r->ring, false, p);
    if (!k || secrets_reveal(r->db, r->arena, k, path, 0, &value, &len, &version, p) < 0) {
        snprintf(d.error, sizeof(d.error), "the receiver's URL cannot be opened: %s", p->detail);
        problem_init(p);
    } else {
        struct audit_event rev = runner_event(r, "secrets.reveal", "success");
        rev.target_type = "secret";
        rev.target_id = path;
        rev.details = arena_printf(r->arena, "{\"version\":%d,\"via\":\"runner\",\"alert_delivery\":%lld}", version, id);
        char *url = arena_alloc(r->arena, len + 1);
        if (url) {
            memcpy(url, value, len);
            url[len] = '\0';
        }
        secrets_value_free(value, len);
        if (db_begin(r->db, p) < 0 || audit_commit(r->db, r->arena, &rev, p) < 0) {
            if (url)
                sodium_memzero(url, len);
            return -1;
        }
        if (!url || strlen(url) != len) {
            snprintf(d.error, sizeof(d.error), "the receiver's URL is not text");
        } else {
            const char *payload = db_cell(q, i, 2);
            struct outbound_request rq = { "POST", url, { "Content-Type: application/json" }, payload, strlen(payload),
                                           NULL, 10, 0, false, 0 };
            struct outbound_answer an = { 0 };
            rc = outbound_once(&d, outbound_alert_places(r->cfg), &rq, &an);
            status = an.status;
            if (rc == 0 && (an.status < 200 || an.status > 299)) {
                snprintf(d.error, sizeof(d.error), "the receiver answered %ld", an.status);
                rc = -1;
            }
            /* the URL is a credential (Slack's): never in an error kept */
            if (len >= 8) {
                char *at;
                while ((at = strstr(d.error, url)))
                    memset(at, '*', len);
            }
        }
        if (url)
            sodium_memzero(url, len);
    }
    bool give_up = rc < 0 && attempts >= ALERT_DELIVERY_ATTEMPTS;
    /* backoff: 30 s, 2 min, 8 min, 32 min */
    long long wait = 30LL << (2 * (attempts - 1 < 4 ? attempts - 1 : 4));
    struct db_value v[6] = { DB_TEXTV(rc == 0 ? "sent" : give_up ? "failed" : "queued"), DB_INTV(attempts),
                             status ? DB_INTV(status) : DB_NULLV, rc == 0 ? DB_NULLV : DB_TEXTV(d.error), DB_INTV(wait),
                             DB_INTV(id) };
    if (db_query(r->db, r->arena, "UPDATE alert_deliveries SET state = ?, attempts = ?, status_code = ?, error = ?, "
                                  "due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, sent_at = IF(state = 'sent', "
                                  "UTC_TIMESTAMP(6), NULL) WHERE id = ?", v, 6, NULL, p) < 0)
        return -1;
    return rc == 0;
}

static int deliveries_pass(struct runner *r, struct problem *p)
{
    struct db_value lim = DB_INTV(DELIVERY_BATCH);
    struct db_result q;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT d.id, c.url_secret_path, d.payload, d.attempts, d.traceparent FROM "
                                  "alert_deliveries d JOIN alert_receivers c ON c.id = d.receiver_id WHERE d.state = 'queued' "
                                  "AND d.due_at <= UTC_TIMESTAMP(6) ORDER BY d.due_at LIMIT ? FOR UPDATE SKIP LOCKED",
                 &lim, 1, &q, p) < 0)
        return db_abort(r->db);
    /* claimed: each a minute on, past its longest send, so no other runner sends it meanwhile */
    for (size_t i = 0; i < q.nrows; i++) {
        struct db_value v = DB_INTV(atoll(db_cell(&q, i, 0)));
        if (db_query(r->db, r->arena, "UPDATE alert_deliveries SET due_at = UTC_TIMESTAMP(6) + INTERVAL 10 MINUTE WHERE id = ?",
                     &v, 1, NULL, p) < 0)
            return db_abort(r->db);
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    int done = 0;
    for (size_t i = 0; i < q.nrows && !*r->stopping; i++) {
        if (deliver(r, &q, i, p) < 0)
            return -1;
        done++;
    }
    return done;
}

int alerts_pass(struct runner *r, double deadline, struct problem *p)
{
    struct db_value lim = DB_INTV(ALERT_BATCH);
    struct db_result c, q;
    /* claimed (the rules' rows only) past the longest the batch can take: each rule a Prometheus
     * timeout at most */
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT id FROM alert_rules WHERE (enabled = 1 OR state <> 'inactive') AND due_at <= UTC_TIMESTAMP(6) "
                                  "ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED", &lim, 1, &c, p) < 0)
        return db_abort(r->db);
    if (c.nrows == 0) {
        if (db_commit(r->db, p) < 0)
            return -1;
        q.nrows = 0;
    } else {
        struct db_value hold = DB_INTV((long long)(c.nrows * (size_t)r->cfg->prometheus_timeout_seconds) + 60);
        const char *ids = "";
        for (size_t i = 0; i < c.nrows; i++)
            ids = arena_printf(r->arena, "%s%s%lld", ids, i ? "," : "", atoll(db_cell(&c, i, 0)));
        if (!ids)
            return db_abort(r->db), problem_set(p, 500, "internal", "out of memory");
        if (db_query(r->db, r->arena, arena_printf(r->arena, "UPDATE alert_rules SET due_at = UTC_TIMESTAMP(6) + INTERVAL "
                                                             "? SECOND WHERE id IN (%s)", ids), &hold, 1, NULL, p) < 0 ||
            db_commit(r->db, p) < 0 ||
            db_query(r->db, r->arena, arena_printf(r->arena, "SELECT " RULE_COLUMNS " FROM alert_rules a JOIN entities e "
                                                             "ON e.id = a.entity_id WHERE a.id IN (%s) ORDER BY a.due_at",
                                                   ids), NULL, 0, &q, p) < 0)
            return db_in_transaction(r->db) ? db_abort(r->db) : -1;
    }
    int done = 0;
    size_t i = 0;
    for (; i < q.nrows && !*r->stopping && (deadline == 0 || monotime_s() < deadline); i++) {
        bool has = false, cond = false;
        double value = 0;
        char why[500] = "";
        /* a rule disabled while pending or firing is read once more, as false: it resolves (its
         * receivers are told) or drops, and is left inactive */
        int ev = atoi(db_cell(&q, i, R_ENABLED)) ? rule_eval(r, &q, i, &has, &value, &cond, why, sizeof(why), p)
                                                 : (snprintf(why, sizeof(why), "the rule was disabled"), 0);
        if (ev < 0 || rule_record(r, &q, i, ev, has, value, cond, why, p) < 0)
            return -1;
        done++;
    }
    for (; i < q.nrows; i++) {
        struct db_value v = DB_INTV(atoll(db_cell(&q, i, R_ID)));
        if (db_query(r->db, r->arena, "UPDATE alert_rules SET due_at = UTC_TIMESTAMP(6) WHERE id = ?", &v, 1, NULL, p) < 0)
            return -1;
    }
    int sent = deliveries_pass(r, p);
    if (sent < 0)
        return -1;
    /* history older than ALERT_KEEP_DAYS, a bounded batch a pass */
    if (db_query(r->db, r->arena, "DELETE FROM alert_events WHERE at < UTC_TIMESTAMP(6) - INTERVAL 90 DAY ORDER BY id "
                                  "LIMIT 500", NULL, 0, NULL, p) < 0)
        return -1;
    return done + sent;
}

int alerts_due(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_query(r->db, r->arena, "SELECT (SELECT 1 FROM alert_rules WHERE (enabled = 1 OR state <> 'inactive') AND due_at <= UTC_TIMESTAMP(6) "
                                  "LIMIT 1) OR (SELECT 1 FROM alert_deliveries WHERE state = 'queued' AND due_at <= "
                                  "UTC_TIMESTAMP(6) LIMIT 1)", NULL, 0, &q, p) < 0)
        return -1;
    return q.nrows && db_cell(&q, 0, 0) && atoi(db_cell(&q, 0, 0)) ? 1 : 0;
}
