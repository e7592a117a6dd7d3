/*
 * portico-runner's parts: the pass (portico-runner.c), the catalog's upkeep (catalog_sync.c),
 * provisioning jobs (jobs.c with job_log.c and job_outputs.c, runner/job.h), resources' expiry
 * (expiry.c), deploys asked from Portico (deploys.c, runner/drivers/deploy*.c), health checks
 * (health.c), alert rules and their deliveries (alerts.c), and what they
 * all share (runner.c). portico-runner.c calls the parts; the parts
 * call runner.c and never portico-runner.c.
 */
#ifndef PORTICO_RUNNER_H
#define PORTICO_RUNNER_H

#include "lib/portico.h"

struct crypto_keyring;
struct template_cache;

struct runner {
    const struct config *cfg;
    struct db *db;
    struct arena *arena;          /* reset after each unit of work */
    const char *name;             /* "portico-runner@host:pid", the audit actor's id */
    const char *lease_owner;      /* name and a random part: what this process's job leases say */
    const volatile int *stopping; /* set by SIGTERM/SIGINT: finish the step at hand, claim no more */
    struct crypto_keyring *ring;  /* secrets: loaded when a job first needs it */
    struct template_cache *templates;   /* parsed template versions, by id */
};

/* The audit event the runner writes as (actor "runner"). */
struct audit_event runner_event(const struct runner *r, const char *action, const char *outcome);

/* A span for work that came from traceparent (the request's, kept with the job or deploy; NULL or
 * "": none, so a trace of its own): a child of it, as a traceparent value in r->arena. */
const char *runner_span(struct runner *r, const char *traceparent);

/* Say this runner is alive (runner_heartbeats), and forget runners not seen for a day. 0, or -1. */
int runner_heartbeat(struct runner *r, struct problem *p);

/* Sync the next location that is due, claimed so that no other runner takes it. 1 when one was
 * synced (whatever its outcome, recorded on the location), 0 when none was due, -1 when the
 * database failed (p says why). */
int catalog_sync_next(struct runner *r, struct problem *p);

/* Deregister instances critical for longer than their deregister time, audited. The number
 * deregistered, or -1. */
int catalog_deregister_expired(struct runner *r, struct problem *p);

/* Claim due jobs (a batch at a time, FOR UPDATE SKIP LOCKED) and run them, until none is due
 * or until deadline (a CLOCK_MONOTONIC time in seconds; 0: none) or a stop. The number of jobs
 * run (whatever their outcome, recorded on the job), or -1 when the database failed. */
int jobs_drain(struct runner *r, double deadline, struct problem *p);

/* Is any job due now? (A cheap look, for the idle loop.) 1, 0 or -1. */
int jobs_due(struct runner *r, struct problem *p);

/* Trigger the deploys that are due (runner/deploys.c), until none is or until deadline (0: none)
 * or a stop; first, fail those whose runner died while triggering. The number handled, or -1. */
int deploys_drain(struct runner *r, double deadline, struct problem *p);

/* Is a deploy due now? 1, 0 or -1. */
int deploys_due(struct runner *r, struct problem *p);

/* Mark late TTL checks and run a batch of the HTTP and TCP health checks that are due
 * (runner/health.c), for at most 10 s, deadline (0: none) or a stop. The number of results, or -1. */
int health_pass(struct runner *r, double deadline, struct problem *p);

/* Is a health check due now? 1, 0 or -1. */
int health_due(struct runner *r, struct problem *p);

/* Evaluate a batch of the alert rules that are due and send the alert deliveries that are due
 * (runner/alerts.c), until deadline (0: none) or a stop. The number of rules and deliveries, or -1. */
int alerts_pass(struct runner *r, double deadline, struct problem *p);

/* Is an alert rule or delivery due now? 1, 0 or -1. */
int alerts_due(struct runner *r, struct problem *p);

/* The parsed template version id, from the runner's cache (or read and parsed). NULL with p. */
const struct template *runner_template(struct runner *r, long long version_id, struct problem *p);

/* Notify the owners of resources about to expire (provision_notify_before), and queue the
 * deprovisioning of those that have expired. The number of resources handled, or -1. */
int expiry_pass(struct runner *r, struct problem *p);

/* The cache and the keyring, freed. */
void runner_free(struct runner *r);

#endif
