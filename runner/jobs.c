/*
 * jobs: the runner's provisioning work (sql/0016, lib/provision, runner/drivers/).
 *
 * Claiming: a transaction selects due jobs FOR UPDATE SKIP LOCKED — queued ones whose time has
 * come, and running ones whose lease ended (their runner died) — in index order, so that it
 * locks only what it takes, and marks them running under this process's lease. Any number of
 * runners on any number of hosts claim side by side; none ever holds a job another holds.
 *
 * Holding: every write about a job checks that the lease is still this process's, in the same
 * transaction as the write; a heartbeat (the drivers' alive callback, and between steps)
 * renews the leases of every job this process holds, and learns of a cancel. A runner that
 * lost a lease stops working on the job and writes nothing more about it.
 *
 * Running: a job is a list of steps with their own state; the steps already done are passed
 * over, so a retry resumes at the step that failed. A step is done when its outputs and its
 * state are committed; a crash before that runs the step again, which drivers make harmless
 * (driver.h). A failed step is retried with exponential backoff and jitter until the job's
 * attempts are spent, then the job and its resource fail with the reason, and the owners hear
 * of it. Every change of state is lib/provision_state's; the job's log and its redaction are
 * runner/job_log.c's, the secrets a step is given and the outputs it leaves runner/job_outputs.c's.
 */
#include <json-c/json.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/http.h"
#include "lib/monotime.h"
#include "lib/provision.h"
#include "lib/provision_state.h"
#include "lib/secrets.h"
#include "runner/drivers/driver.h"
#include "runner/job.h"

#define JOB_BATCH_MAX 100

/* Renew every lease this process holds; learn whether this job was lost or cancelled. -1: stop. */
static int heartbeat(struct job *j, bool now)
{
    struct runner *r = j->r;
    if (j->lost || j->cancelled)
        return -1;
    if (!now && monotime_s() - j->beat_at < r->cfg->runner_lease_seconds / 3.0) {
        if (j->nbuf && monotime_s() - j->buffered_at >= LOG_FLUSH_SECONDS)
            job_log_flush(j);
        return 0;
    }
    struct db_value v[2] = { DB_INTV(r->cfg->runner_lease_seconds), DB_TEXTV(r->lease_owner) };
    struct db_value me[2] = { DB_TEXTV(r->lease_owner), DB_INTV(j->id) };
    struct db_result q;
    if (job_log_flush(j) < 0 ||
        db_query(r->db, r->arena, "UPDATE jobs SET due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE lease_owner = ? AND "
                                  "state = 'running'", v, 2, NULL, j->p) < 0 ||
        db_query(r->db, r->arena, "SELECT lease_owner = ? AND state = 'running', cancel_requested FROM jobs WHERE id = ?", me, 2,
                 &q, j->p) < 0) {
        /* the database is away: keep working while the lease may still hold */
        problem_init(j->p);
        return monotime_s() - j->beat_at < r->cfg->runner_lease_seconds * 0.8 ? 0 : -1;
    }
    j->beat_at = monotime_s();
    if (q.nrows == 0 || strcmp(db_cell(&q, 0, 0), "1") != 0) {
        j->lost = true;
        fprintf(stderr, "portico-runner: job %lld: the lease was lost; leaving it to its new runner\n", j->id);
        return -1;
    }
    if (strcmp(db_cell(&q, 0, 1), "0") != 0) {
        j->cancelled = true;
        return -1;
    }
    return 0;
}

/* Inside a transaction: is the job still ours? Locks its row. */
static int lease_held(struct job *j)
{
    struct db_value v[2] = { DB_INTV(j->id), DB_TEXTV(j->r->lease_owner) };
    struct db_result q;
    if (db_query(j->r->db, j->r->arena, "SELECT cancel_requested FROM jobs WHERE id = ? AND lease_owner = ? AND "
                                        "state = 'running' FOR UPDATE", v, 2, &q, j->p) < 0)
        return -1;
    if (q.nrows == 0) {
        j->lost = true;
        return problem_set(j->p, 409, "lease-lost", "job %lld is no longer this runner's", j->id);
    }
    if (strcmp(db_cell(&q, 0, 0), "0") != 0)
        j->cancelled = true;
    return 0;
}

/* ---- the drivers' view of the runner ---------------------------------------------------------- */

static void run_log(struct driver_run *d, const char *stream, const char *line)
{
    job_log(d->ctx, stream, line);
}

static int run_alive(struct driver_run *d)
{
    return heartbeat(d->ctx, false);
}

static void run_secret(struct driver_run *d, const char *value)
{
    job_secret(d->ctx, value);
}

/* ---- ends of a job ------------------------------------------------------------------------------ */

/* A notice for the resource's requester and its team. */
static int notify(struct job *j, const char *kind, const char *subject)
{
    return provision_notify(j->r->db, j->r->arena, 0, j->requester, j->team, kind, subject,
                            arena_printf(j->r->arena, "/resources/%lld", j->resource_id), j->p);
}

static int audit_runner(struct job *j, const char *action, const char *outcome, const char *details)
{
    struct audit_event ev = runner_event(j->r, action, outcome);
    ev.target_type = "resource";
    ev.target_id = arena_printf(j->r->arena, "%lld", j->resource_id);
    ev.details = details;
    return audit_append(j->r->db, j->r->arena, &ev, j->p);
}

/* Every step done: the job succeeded, the resource is ready (or gone). Inside the transaction
 * that holds the lease (the last step's, or its own); no commit. */
static int job_succeed_here(struct job *j)
{
    struct runner *r = j->r;
    bool provision = strcmp(j->kind, "provision") == 0;
    job_logf(j, "%s succeeded", provision ? "provisioning" : "deprovisioning");
    if (job_log_flush(j) < 0)
        return -1;
    if (provision) {
        const char *outputs = j->t->noutputs ? job_resource_outputs(j) : "{}";
        if (!outputs || provision_resource_ready(r->db, r->arena, j->resource_id, outputs, j->p) < 0)
            return -1;
    } else if (provision_resource_deprovisioned(r->db, r->arena, j->resource_id, j->p) < 0) {
        return -1;
    }
    if (provision_job_succeed(r->db, r->arena, j->id, j->p) < 0 ||
        provision_event(r->db, r->arena, j->resource_id, r->name, provision ? "ready" : "deprovisioned",
                        arena_printf(r->arena, "job %lld", j->id), j->p) < 0 ||
        notify(j, provision ? "resource-ready" : "resource-deprovisioned",
               arena_printf(r->arena, "%s (team %s) is %s", j->name, j->team, provision ? "ready" : "deprovisioned")) < 0 ||
        audit_runner(j, provision ? "provision.resource.ready" : "provision.resource.deprovisioned", "success",
                     arena_printf(r->arena, "{\"job_id\":%lld}", j->id)) < 0)
        return -1;
    return 0;
}

/* The attempt's end, counted once it is recorded. */
static void job_counted(const struct job *j, const char *outcome)
{
    metrics_job(j->kind, outcome, monotime_us() - j->started_us);
}

static int job_succeed(struct job *j)
{
    if (db_begin(j->r->db, j->p) < 0 || lease_held(j) < 0 || job_succeed_here(j) < 0)
        return db_abort(j->r->db);
    if (db_commit(j->r->db, j->p) < 0)
        return -1;
    job_counted(j, "succeeded");
    return 0;
}

/* A step failed (why): again later, or (no attempts left, or not worth retrying) the end. */
static int job_fail(struct job *j, int step, const char *why, bool retry)
{
    struct runner *r = j->r;
    bool provision = strcmp(j->kind, "provision") == 0;
    /* the lease first: it also says whether the job was cancelled meanwhile (then no retry) */
    if (db_begin(r->db, j->p) < 0 || lease_held(j) < 0)
        return db_abort(r->db);
    bool again = retry && !j->cancelled && j->attempts < j->max_attempts;
    int delay = 0;
    if (again) {
        /* exponential, capped, and jittered over its upper half so that failures do not march in step */
        double d = r->cfg->runner_backoff_seconds;
        for (int i = 1; i < j->attempts && d < r->cfg->runner_backoff_max_seconds; i++)
            d *= 2;
        if (d > r->cfg->runner_backoff_max_seconds)
            d = r->cfg->runner_backoff_max_seconds;
        delay = (int)(d / 2 + (double)randombytes_uniform((uint32_t)(d / 2 * 1000) + 1) / 1000.0);
        if (delay < 1)
            delay = 1;
        job_logf(j, "attempt %d of %d failed; the next in %d s", j->attempts, j->max_attempts, delay);
    } else if (j->cancelled) {
        job_logf(j, "cancelled");
    } else {
        job_logf(j, "attempt %d of %d failed; giving up", j->attempts, j->max_attempts);
    }
    char cut[2001];
    snprintf(cut, sizeof(cut), "%s", http_utf8_clamp(r->arena, job_redact(j, why), 2000));
    if (job_log_flush(j) < 0 || (step >= 0 && provision_step_fail(r->db, r->arena, j->id, step, cut, j->p) < 0))
        return db_abort(r->db);
    if (again) {
        if (provision_job_retry(r->db, r->arena, j->id, delay, cut, j->p) < 0)
            return db_abort(r->db);
        if (db_commit(r->db, j->p) < 0)
            return -1;
        job_counted(j, "retried");
        return 0;
    }
    if (provision_job_end(r->db, r->arena, j->id, j->resource_id, !provision, j->cancelled, cut, j->p) < 0 ||
        provision_event(r->db, r->arena, j->resource_id, r->name, j->cancelled ? "cancelled" : "failed", cut, j->p) < 0 ||
        notify(j, provision ? "resource-failed" : "deprovision-failed",
               arena_printf(r->arena, "%s of %s %s: %s", provision ? "provisioning" : "deprovisioning",
                            j->name, j->cancelled ? "was cancelled" : "failed", cut)) < 0 ||
        audit_runner(j, provision ? "provision.resource.failed" : "provision.resource.deprovision_failed",
                     "failure", NULL) < 0)
        return db_abort(r->db);
    if (db_commit(r->db, j->p) < 0)
        return -1;
    job_counted(j, j->cancelled ? "cancelled" : "failed");
    return 0;
}

/* ---- a step ---------------------------------------------------------------------------------- */

/* Run step idx of the job: 0 done (committed), 2 done and, being the last, the job with it (one
 * transaction, one commit fewer per job), 1 failed (recorded), -1 the database failed or the
 * lease was lost (nothing more to write). */
static int step_run(struct job *j, int idx, const struct template_step *s, bool last)
{
    struct runner *r = j->r;
    const struct driver *drv = driver_find(s->driver);
    bool ours;
    if (provision_step_start(r->db, r->arena, j->id, idx, r->lease_owner, &ours, j->p) < 0)
        return -1;
    if (!ours) {   /* the lease is another runner's now */
        j->lost = true;
        return -1;
    }
    job_logf(j, "step %s (%s) started", s->name, s->driver);
    if (!drv)
        return job_fail(j, idx, arena_printf(r->arena, "step %s: this runner has no driver %s", s->name, s->driver), false) < 0
                   ? -1 : 1;
    struct driver_run d;
    memset(&d, 0, sizeof(d));
    d.cfg = r->cfg;
    d.arena = r->arena;
    d.resource_uid = j->uid;
    d.team = j->team;
    d.environment = j->environment;
    d.step_name = s->name;
    d.remove = strcmp(j->kind, "deprovision") == 0;
    d.timeout_seconds = s->timeout_seconds ? s->timeout_seconds : r->cfg->provision_step_timeout_seconds;
    d.traceparent = j->traceparent;
    d.values = j->values;
    d.log = run_log;
    d.alive = run_alive;
    d.secret = run_secret;
    d.ctx = j;
    const char *why = NULL;
    for (size_t i = 0; i < s->nargs && !why; i++) {
        d.arg_names[i] = s->args[i].name;
        d.arg_values[i] = template_render(r->arena, s->args[i].value, j->values, drv->escape, NULL, &why);
        d.nargs = i + 1;
    }
    if (s->program && !why)
        d.program = template_render(r->arena, s->program, j->values, drv->escape, NULL, &why);
    for (size_t i = 0; i < s->nargv && !why; i++) {
        d.argv[i] = template_render(r->arena, s->argv[i], j->values, drv->escape, NULL, &why);
        d.nargv = i + 1;
    }
    if (why)   /* the same values will not render better next time */
        return job_fail(j, idx, arena_printf(r->arena, "step %s: %s", s->name, why), false) < 0 ? -1 : 1;
    if (strcmp(s->driver, "exec") == 0 && !(d.env = job_exec_env(j)))
        return job_fail(j, idx, arena_printf(r->arena, "step %s: %s", s->name, j->p->detail), true) < 0 ? -1 : 1;
    d.outputs = json_object_new_object();
    int rc = drv->apply(&d);
    job_outputs_wipe(d.env);   /* revealed secret references among them */
    json_object_put(d.env);
    if (rc < 0 || j->lost || j->cancelled) {
        job_outputs_wipe(d.outputs);
        json_object_put(d.outputs);
        if (j->lost)
            return -1;
        problem_init(j->p);
        return job_fail(j, idx, arena_printf(r->arena, "step %s: %s", s->name, j->cancelled ? "cancelled" : d.error), true) < 0
                   ? -1 : 1;
    }
    /* done: its outputs and its state together, while the lease is ours; a rotated keyring
     * (503 keyring-stale) is read again once */
    for (int attempt = 0; attempt < 2; attempt++) {
        problem_init(j->p);
        const char *stored;
        if (db_begin(r->db, j->p) < 0 || lease_held(j) < 0 || !(stored = job_outputs_store(j, s, d.outputs))) {
            db_abort(r->db);
            if (attempt == 0 && j->p->status == 503 && strcmp(j->p->type, "keyring-stale") == 0 && job_keyring(j, true))
                continue;
            rc = -1;
            break;
        }
        job_logf(j, "step %s succeeded", s->name);
        if (provision_step_succeed(r->db, r->arena, j->id, idx, stored, j->p) < 0 ||
            (last && job_succeed_here(j) < 0) || job_log_flush(j) < 0 || db_commit(r->db, j->p) < 0) {
            db_abort(r->db);
            rc = -1;
        } else if (last) {
            rc = 2;
        }
        break;
    }
    job_outputs_wipe(d.outputs);
    json_object_put(d.outputs);
    if (rc < 0 && !j->lost && j->p->status != 409) {
        /* the outputs could not be kept (secrets unavailable, ...): the step runs again later */
        const char *detail = arena_strdup(r->arena, j->p->detail);
        problem_init(j->p);
        return job_fail(j, idx, arena_printf(r->arena, "step %s: its outputs could not be kept: %s", s->name, detail), true) < 0
                   ? -1 : 1;
    }
    return rc;
}

/* ---- a job -------------------------------------------------------------------------------------- */

static int job_run(struct runner *r, long long id, struct problem *p)
{
    struct job j;
    memset(&j, 0, sizeof(j));
    j.r = r;
    j.id = id;
    j.p = p;
    j.beat_at = monotime_s();
    j.started_us = monotime_us();
    struct db_value v[2] = { DB_INTV(id), DB_TEXTV(r->lease_owner) };
    struct db_result q, steps;
    if (db_query(r->db, r->arena,
                 "SELECT j.kind, j.attempts, j.max_attempts, r.id, r.uid, r.team, r.environment, r.entity_ref, r.parameters, "
                 "r.requester, r.template_version_id, j.cancel_requested, r.name, "
                 "(SELECT q.requester_id FROM provision_requests q WHERE q.id = r.request_id), j.traceparent "
                 "FROM jobs j JOIN resources r ON r.id = j.resource_id WHERE j.id = ? AND j.lease_owner = ? AND "
                 "j.state = 'running'", v, 2, &q, p) < 0)
        return -1;
    if (q.nrows == 0)
        return 0;   /* no longer ours */
    j.kind = db_cell(&q, 0, 0);
    j.attempts = atoi(db_cell(&q, 0, 1));
    j.max_attempts = atoi(db_cell(&q, 0, 2));
    j.resource_id = atoll(db_cell(&q, 0, 3));
    j.uid = db_cell(&q, 0, 4);
    j.team = db_cell(&q, 0, 5);
    j.environment = db_cell(&q, 0, 6);
    j.entity = db_cell(&q, 0, 7);
    j.values = json_tokener_parse(db_cell(&q, 0, 8));
    j.requester = db_cell(&q, 0, 9);
    j.version_id = atoll(db_cell(&q, 0, 10));
    j.cancelled = strcmp(db_cell(&q, 0, 11), "0") != 0;
    j.name = db_cell(&q, 0, 12);
    j.requester_id = db_cell(&q, 0, 13);
    j.traceparent = runner_span(r, db_cell(&q, 0, 14));
    int rc = 0;
    if (j.cancelled) {   /* cancelled while it waited, or after its runner died */
        rc = job_fail(&j, -1, "cancelled", false);
        goto done;
    }
    if (!j.values) {
        rc = job_fail(&j, -1, "the resource's parameters cannot be read", false);
        goto done;
    }
    if (j.attempts > j.max_attempts) {   /* its last runners died in it */
        rc = job_fail(&j, -1, arena_printf(r->arena, "gave up after %d attempts (the runner stopped)", j.max_attempts), false);
        goto done;
    }
    if (!(j.t = runner_template(r, j.version_id, p))) {
        const char *why = arena_strdup(r->arena, p->detail);
        problem_init(p);
        rc = job_fail(&j, -1, why, true);
        goto done;
    }
    job_logf(&j, "attempt %d of %d by %s (trace %.32s)", j.attempts, j.max_attempts, r->name,
             j.traceparent ? j.traceparent + 3 : "-");
    struct db_value jid = DB_INTV(id);
    if (db_query(r->db, r->arena, "SELECT idx, state FROM job_steps WHERE job_id = ? ORDER BY idx", &jid, 1, &steps, p) < 0) {
        rc = -1;
        goto done;
    }
    bool deprovision = strcmp(j.kind, "deprovision") == 0;
    const struct template_step *list = deprovision ? j.t->deprovision : j.t->steps;
    size_t n = deprovision ? j.t->ndeprovision : j.t->nsteps;
    for (size_t i = 0; i < steps.nrows; i++) {
        int idx = atoi(db_cell(&steps, i, 0));
        if (strcmp(db_cell(&steps, i, 1), "succeeded") == 0 || idx < 0 || (size_t)idx >= n)
            continue;
        if (heartbeat(&j, false) < 0) {
            rc = j.lost ? 0 : job_fail(&j, idx, "cancelled", false);
            goto done;
        }
        int s = step_run(&j, idx, &list[idx], i + 1 == steps.nrows);
        if (s != 0) {
            rc = s < 0 && !j.lost ? -1 : 0;
            goto done;
        }
    }
    rc = job_succeed(&j);   /* (no step was left to run) */
done:
    if (rc < 0 && j.lost) {
        problem_init(p);
        rc = 0;
    }
    json_object_put(j.values);
    for (size_t i = 0; i < j.nsecrets; i++)
        sodium_free(j.secrets[i]);
    return rc;
}

/* ---- claiming ----------------------------------------------------------------------------------- */

/* Take up to max due jobs under this process's lease: queued ones first, then those whose
 * runner's lease ran out. Each SELECT walks jobs_due in order and stops at what it takes. */
static int claim(struct runner *r, long long *ids, int max, struct problem *p)
{
    static const char *const sql[2] = {
        "SELECT id FROM jobs WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ? "
        "FOR UPDATE SKIP LOCKED",
        "SELECT id FROM jobs WHERE state = 'running' AND due_at <= UTC_TIMESTAMP(6) ORDER BY due_at LIMIT ? "
        "FOR UPDATE SKIP LOCKED",
    };
    int n = 0, expired = 0;
    if (db_begin(r->db, p) < 0)
        return -1;
    for (int k = 0; k < 2 && n < max; k++) {
        struct db_value lim = DB_INTV(max - n);
        struct db_result q;
        if (db_query(r->db, r->arena, sql[k], &lim, 1, &q, p) < 0)
            return db_abort(r->db);
        for (size_t i = 0; i < q.nrows; i++)
            ids[n++] = atoll(db_cell(&q, i, 0));
        if (k == 1)
            expired = (int)q.nrows;
    }
    for (int i = 0; i < n; i++)
        if (provision_job_claim(r->db, r->arena, ids[i], r->lease_owner, r->cfg->runner_lease_seconds, p) < 0)
            return db_abort(r->db);
    if (db_commit(r->db, p) < 0)
        return -1;
    while (expired-- > 0)
        metrics_event(METRICS_LEASE_EXPIRED);
    return n;
}

int jobs_due(struct runner *r, struct problem *p)
{
    struct db_result q;
    if (db_query(r->db, r->arena, "SELECT (SELECT 1 FROM jobs WHERE state = 'queued' AND due_at <= UTC_TIMESTAMP(6) LIMIT 1) "
                                  "OR (SELECT 1 FROM jobs WHERE state = 'running' AND due_at <= UTC_TIMESTAMP(6) LIMIT 1)",
                 NULL, 0, &q, p) < 0)
        return -1;
    return db_cell(&q, 0, 0) && strcmp(db_cell(&q, 0, 0), "1") == 0;
}

int jobs_drain(struct runner *r, double deadline, struct problem *p)
{
    long long ids[JOB_BATCH_MAX];
    int done = 0;
    int batch = r->cfg->runner_batch < JOB_BATCH_MAX ? r->cfg->runner_batch : JOB_BATCH_MAX;
    while (!*r->stopping && (deadline == 0 || monotime_s() < deadline)) {
        int n = claim(r, ids, batch, p);
        arena_reset(r->arena);
        if (n <= 0)
            return n < 0 ? -1 : done;
        for (int i = 0; i < n; i++) {
            if (*r->stopping || (deadline && monotime_s() >= deadline)) {
                /* the rest go back at once rather than waiting for the lease to run out */
                if (provision_job_release(r->db, r->arena, ids[i], r->lease_owner, p) < 0)
                    return -1;
                continue;
            }
            if (job_run(r, ids[i], p) < 0) {
                fprintf(stderr, "portico-runner: job %lld: %s%s%s\n", ids[i], p->detail, p->internal[0] ? ": " : "",
                        p->internal);
                if (db_in_transaction(r->db))
                    db_abort(r->db);
                problem_init(p);
            }
            arena_reset(r->arena);
            done++;
        }
    }
    return done;
}
