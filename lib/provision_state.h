/*
 * provision_state: every change of state of a provisioning request, resource, job or job step
 * (sql/0016), one function per transition, shared by the provisioning handler and the runner.
 * The diagram is at the top of provision_state.c. Each runs inside the caller's transaction,
 * which has already read (and locked) the row and checked that the transition is allowed: these
 * functions write, they do not decide. History lines, notices and audit records are the
 * caller's, who knows who did it and why.
 */
#ifndef PORTICO_PROVISION_STATE_H
#define PORTICO_PROVISION_STATE_H

#include <stdbool.h>

#include "arena.h"
#include "db.h"
#include "problem.h"
#include "template.h"
#include "trace.h"

/* ---- requests: pending_approval -> approved | rejected | cancelled ---- */

/* The request has its resource (resource_id): approved, decided now. */
int provision_request_approve(struct db *db, struct arena *a, long long id, long long resource_id, struct problem *p);
int provision_request_reject(struct db *db, struct arena *a, long long id, struct problem *p);
int provision_request_cancel(struct db *db, struct arena *a, long long id, struct problem *p);

/* ---- resources ---- */

/* provisioning -> ready, with its outputs (JSON text). */
int provision_resource_ready(struct db *db, struct arena *a, long long id, const char *outputs, struct problem *p);

/* A job of the resource ended without success: provisioning -> failed when it was to provision
 * (deprovision false), else -> deprovision_failed. */
int provision_resource_fail(struct db *db, struct arena *a, long long id, bool deprovision, struct problem *p);

/* ready | failed | deprovision_failed -> deprovisioning, with its deprovision job queued (*job_id):
 * a delete, or the end of its time. t: its template version, parsed. */
int provision_resource_deprovision(struct db *db, struct arena *a, long long id, const struct template *t,
                                   int max_attempts, const struct trace_origin *origin, long long *job_id,
                                   struct problem *p);

/* deprovisioning -> deprovisioned: its secret outputs are destroyed with it. */
int provision_resource_deprovisioned(struct db *db, struct arena *a, long long id, struct problem *p);

/* ---- jobs: queued -> running -> succeeded | failed | cancelled, running -> queued ---- */

/* queued (or running, its lease run out) -> running under owner's lease of lease_seconds: one
 * attempt more. */
int provision_job_claim(struct db *db, struct arena *a, long long id, const char *owner, int lease_seconds,
                        struct problem *p);

/* running -> queued, due now, the attempt given back: claimed, but not begun (the runner stops).
 * Only while owner holds its lease. */
int provision_job_release(struct db *db, struct arena *a, long long id, const char *owner, struct problem *p);

/* running -> queued, due in delay seconds: an attempt failed and another is worth making. */
int provision_job_retry(struct db *db, struct arena *a, long long id, int delay, const char *error, struct problem *p);

/* running -> succeeded. */
int provision_job_succeed(struct db *db, struct arena *a, long long id, struct problem *p);

/* running | queued -> failed, or cancelled (cancelled true), and its resource with it
 * (provision_resource_fail). error: why, kept as the job's last error. */
int provision_job_end(struct db *db, struct arena *a, long long id, long long resource_id, bool deprovision,
                      bool cancelled, const char *error, struct problem *p);

/* running: its runner is asked to stop at its next heartbeat (and then ends it, cancelled). */
int provision_job_cancel_request(struct db *db, struct arena *a, long long id, struct problem *p);

/* ---- job steps: pending | failed -> running -> succeeded | failed ---- */

/* Step idx of the job -> running, one attempt more, while owner holds the job's lease; *ours
 * false (nothing changed) when the lease is another runner's now. */
int provision_step_start(struct db *db, struct arena *a, long long job_id, int idx, const char *owner, bool *ours,
                         struct problem *p);
int provision_step_succeed(struct db *db, struct arena *a, long long job_id, int idx, const char *outputs,
                           struct problem *p);
int provision_step_fail(struct db *db, struct arena *a, long long job_id, int idx, const char *error, struct problem *p);

#endif
