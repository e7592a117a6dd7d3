/*
 * provision_state: the states of provisioning and the one function for each change of them.
 *
 * A request (provision_requests.state):
 *
 *     (POST /provision/requests)
 *         |  no approval needed: approved at once, its resource made
 *         v
 *   pending_approval --provision_request_approve--> approved   (the last approval needed)
 *         |--provision_request_reject--> rejected
 *         `--provision_request_cancel--> cancelled              (its requester takes it back)
 *
 * A resource (resources.state) and the jobs that move it (jobs.state):
 *
 *   provisioning  (provision_resource_create: the resource and its provision job, queued)
 *      |--provision_resource_ready--> ready                     (the provision job succeeded)
 *      `--provision_resource_fail--> failed                     (it failed, or was cancelled)
 *
 *   ready | failed | deprovision_failed
 *      `--provision_resource_deprovision--> deprovisioning      (a delete, or its expiry; a
 *                                                                deprovision job queued)
 *   deprovisioning
 *      |--provision_resource_deprovisioned--> deprovisioned     (secret outputs destroyed)
 *      `--provision_resource_fail--> deprovision_failed
 *   ready | failed --provision_resource_fail--> deprovision_failed
 *                                                               (expired, its template unreadable)
 *
 *   queued (provision_job_queue) --provision_job_claim--> running        (under a runner's lease;
 *   running, lease run out      --provision_job_claim--> running          an attempt more)
 *   running --provision_job_release--> queued                            (claimed, not begun)
 *   running --provision_job_retry--> queued, due later                   (an attempt failed)
 *   running --provision_job_succeed--> succeeded
 *   running | queued --provision_job_end--> failed | cancelled           (resource: _fail)
 *   running --provision_job_cancel_request--> running, cancel_requested  (its runner ends it)
 *
 * A job's steps (job_steps.state), each in turn, a retry resuming at the one that failed:
 *
 *   pending | failed --provision_step_start--> running
 *   running --provision_step_succeed--> succeeded, its outputs kept
 *   running --provision_step_fail--> failed
 *
 * Whether a change is allowed is the caller's to check, on the row it read FOR UPDATE in the same
 * transaction (a request still waiting, a resource not busy, the job's lease still held).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "provision.h"
#include "provision_state.h"
#include "secrets.h"

static int by_id(struct db *db, struct arena *a, const char *sql, long long id, struct problem *p)
{
    struct db_value v = DB_INTV(id);
    return db_query(db, a, sql, &v, 1, NULL, p);
}

/* ---- requests ------------------------------------------------------------------------------ */

int provision_request_approve(struct db *db, struct arena *a, long long id, long long resource_id, struct problem *p)
{
    struct db_value v[2] = { DB_INTV(resource_id), DB_INTV(id) };
    return db_query(db, a, "UPDATE provision_requests SET state = 'approved', resource_id = ?, decided_at = "
                           "UTC_TIMESTAMP(6) WHERE id = ?", v, 2, NULL, p);
}

int provision_request_reject(struct db *db, struct arena *a, long long id, struct problem *p)
{
    return by_id(db, a, "UPDATE provision_requests SET state = 'rejected', decided_at = UTC_TIMESTAMP(6) WHERE id = ?",
                 id, p);
}

int provision_request_cancel(struct db *db, struct arena *a, long long id, struct problem *p)
{
    return by_id(db, a, "UPDATE provision_requests SET state = 'cancelled', decided_at = UTC_TIMESTAMP(6) WHERE id = ?",
                 id, p);
}

/* ---- resources ----------------------------------------------------------------------------- */

int provision_resource_ready(struct db *db, struct arena *a, long long id, const char *outputs, struct problem *p)
{
    struct db_value v[2] = { DB_TEXTV(outputs), DB_INTV(id) };
    return db_query(db, a, "UPDATE resources SET state = 'ready', outputs = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
                    v, 2, NULL, p);
}

int provision_resource_fail(struct db *db, struct arena *a, long long id, bool deprovision, struct problem *p)
{
    return by_id(db, a, deprovision
                            ? "UPDATE resources SET state = 'deprovision_failed', updated_at = UTC_TIMESTAMP(6) WHERE id = ?"
                            : "UPDATE resources SET state = 'failed', updated_at = UTC_TIMESTAMP(6) WHERE id = ?",
                 id, p);
}

int provision_resource_deprovision(struct db *db, struct arena *a, long long id, const struct template *t,
                                   int max_attempts, const struct trace_origin *origin, long long *job_id,
                                   struct problem *p)
{
    if (provision_job_queue(db, a, id, t, "deprovision", max_attempts, origin, job_id, p) < 0)
        return -1;
    return by_id(db, a, "UPDATE resources SET state = 'deprovisioning', updated_at = UTC_TIMESTAMP(6) WHERE id = ?", id, p);
}

int provision_resource_deprovisioned(struct db *db, struct arena *a, long long id, struct problem *p)
{
    /* the secret outputs go with the resource: each is {"secret": path} in its outputs */
    struct db_value v = DB_INTV(id);
    struct db_result q;
    if (db_query(db, a, "SELECT outputs FROM resources WHERE id = ?", &v, 1, &q, p) < 0)
        return -1;
    json_object *o = q.nrows && db_cell(&q, 0, 0) ? json_tokener_parse(db_cell(&q, 0, 0)) : NULL;
    int rc = 0;
    json_object_object_foreach(o, name, val) {
        (void)name;
        json_object *path;
        if (json_object_is_type(val, json_type_object) && json_object_object_get_ex(val, "secret", &path) &&
            (rc = secrets_destroy(db, a, json_object_get_string(path), NULL, p)) < 0)
            break;
    }
    json_object_put(o);
    if (rc < 0)
        return -1;
    return by_id(db, a, "UPDATE resources SET state = 'deprovisioned', updated_at = UTC_TIMESTAMP(6) WHERE id = ?", id, p);
}

/* ---- jobs ---------------------------------------------------------------------------------- */

int provision_job_claim(struct db *db, struct arena *a, long long id, const char *owner, int lease_seconds,
                        struct problem *p)
{
    struct db_value v[3] = { DB_TEXTV(owner), DB_INTV(lease_seconds), DB_INTV(id) };
    return db_query(db, a, "UPDATE jobs SET state = 'running', lease_owner = ?, due_at = UTC_TIMESTAMP(6) + INTERVAL ? "
                           "SECOND, attempts = attempts + 1, started_at = COALESCE(started_at, UTC_TIMESTAMP(6)) WHERE id = ?",
                    v, 3, NULL, p);
}

int provision_job_release(struct db *db, struct arena *a, long long id, const char *owner, struct problem *p)
{
    struct db_value v[2] = { DB_INTV(id), DB_TEXTV(owner) };
    return db_query(db, a, "UPDATE jobs SET state = 'queued', due_at = UTC_TIMESTAMP(6), lease_owner = NULL, "
                           "attempts = attempts - 1 WHERE id = ? AND lease_owner = ?", v, 2, NULL, p);
}

int provision_job_retry(struct db *db, struct arena *a, long long id, int delay, const char *error, struct problem *p)
{
    struct db_value v[3] = { DB_INTV(delay), DB_TEXTV(error), DB_INTV(id) };
    return db_query(db, a, "UPDATE jobs SET state = 'queued', due_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND, "
                           "lease_owner = NULL, last_error = ? WHERE id = ?", v, 3, NULL, p);
}

int provision_job_succeed(struct db *db, struct arena *a, long long id, struct problem *p)
{
    return by_id(db, a, "UPDATE jobs SET state = 'succeeded', finished_at = UTC_TIMESTAMP(6), lease_owner = NULL, "
                        "last_error = NULL WHERE id = ?", id, p);
}

int provision_job_end(struct db *db, struct arena *a, long long id, long long resource_id, bool deprovision,
                      bool cancelled, const char *error, struct problem *p)
{
    struct db_value v[3] = { DB_TEXTV(cancelled ? "cancelled" : "failed"), DB_TEXTV(error), DB_INTV(id) };
    if (db_query(db, a, "UPDATE jobs SET state = ?, finished_at = UTC_TIMESTAMP(6), lease_owner = NULL, last_error = ? "
                        "WHERE id = ?", v, 3, NULL, p) < 0)
        return -1;
    return provision_resource_fail(db, a, resource_id, deprovision, p);
}

int provision_job_cancel_request(struct db *db, struct arena *a, long long id, struct problem *p)
{
    return by_id(db, a, "UPDATE jobs SET cancel_requested = 1 WHERE id = ?", id, p);
}

/* ---- steps --------------------------------------------------------------------------------- */

int provision_step_start(struct db *db, struct arena *a, long long job_id, int idx, const char *owner, bool *ours,
                         struct problem *p)
{
    struct db_value v[3] = { DB_INTV(job_id), DB_INTV(idx), DB_TEXTV(owner) };
    struct db_result q;
    if (db_query(db, a, "UPDATE job_steps s SET s.state = 'running', s.attempts = s.attempts + 1, s.started_at = "
                        "UTC_TIMESTAMP(6), s.error = NULL WHERE s.job_id = ? AND s.idx = ? AND EXISTS (SELECT 1 "
                        "FROM jobs j WHERE j.id = s.job_id AND j.lease_owner = ? AND j.state = 'running')",
                 v, 3, &q, p) < 0)
        return -1;
    *ours = q.affected > 0;
    return 0;
}

int provision_step_succeed(struct db *db, struct arena *a, long long job_id, int idx, const char *outputs,
                           struct problem *p)
{
    struct db_value v[3] = { DB_TEXTV(outputs), DB_INTV(job_id), DB_INTV(idx) };
    return db_query(db, a, "UPDATE job_steps SET state = 'succeeded', outputs = ?, finished_at = UTC_TIMESTAMP(6) "
                           "WHERE job_id = ? AND idx = ?", v, 3, NULL, p);
}

int provision_step_fail(struct db *db, struct arena *a, long long job_id, int idx, const char *error, struct problem *p)
{
    struct db_value v[3] = { DB_TEXTV(error), DB_INTV(job_id), DB_INTV(idx) };
    return db_query(db, a, "UPDATE job_steps SET state = 'failed', error = ?, finished_at = UTC_TIMESTAMP(6) "
                           "WHERE job_id = ? AND idx = ?", v, 3, NULL, p);
}
