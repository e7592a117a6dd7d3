/*
 * job: one provisioning job at hand, as the runner's job files share it: jobs.c (claiming, leases,
 * steps and the ends of a job), job_log.c (the job's log and its redaction) and job_outputs.c
 * (secrets a step is given and the outputs it leaves). Not for the rest of the runner.
 */
#ifndef PORTICO_RUNNER_JOB_H
#define PORTICO_RUNNER_JOB_H

#include <json-c/json.h>
#include <stdbool.h>

#include "lib/template.h"
#include "runner/runner.h"

#define LOG_BUFFER_LINES 16
#define LOG_FLUSH_SECONDS 0.2
#define LOG_LINE_MAX 4000
#define SECRETS_MAX 256

struct job {
    struct runner *r;
    long long id, resource_id, version_id, request_id;
    const char *kind, *uid, *team, *environment, *entity, *requester;
    const char *requester_id;         /* the requester's user id (NULL: a resource made without a request) */
    const char *name;                 /* the resource, as people call it */
    int attempts, max_attempts;
    const struct template *t;
    json_object *values;              /* the request's parameters */
    struct { char stream[8]; char *line; } buf[LOG_BUFFER_LINES];
    size_t nbuf;
    double buffered_at;
    char *secrets[SECRETS_MAX];       /* values to redact (guarded copies) */
    size_t secret_len[SECRETS_MAX];
    size_t nsecrets;
    bool secrets_overflow;
    double beat_at;                   /* the last heartbeat */
    long long started_us;             /* when this attempt began (monotime), for its duration */
    const char *traceparent;          /* this attempt's span: a child of the request's (lib/trace.h) */
    bool lost, cancelled;
    struct problem *p;
};

/* ---- job_log.c ---- */

/* A value the job handles as a secret: sealed if it is an output, redacted from the log when it
 * has 4 characters or more. Past SECRETS_MAX values, every output of the job is a secret. */
void job_secret(struct job *j, const char *value);

/* line with every secret replaced by "[redacted]", in the arena. */
char *job_redact(struct job *j, const char *line);

/* A line of the job's log: redacted, buffered, written within LOG_FLUSH_SECONDS (at once when
 * the buffer is full; outside a transaction only). */
void job_log(struct job *j, const char *stream, const char *line);
void job_logf(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write the buffered lines now. */
int job_log_flush(struct job *j);

/* ---- job_outputs.c ---- */

/* The master keyring (read again when again). NULL with j->p. */
const struct crypto_keyring *job_keyring(struct job *j, bool again);

/* The environment an exec step gets: each parameter as PORTICO_PARAM_<NAME>, a secret
 * reference as the secret's value (its reveal audited first, under the requester). */
json_object *job_exec_env(struct job *j);

/* The step's outputs as stored (JSON text in the arena): secret ones sealed in the secrets
 * store and stored as {"secret": path}. Inside the transaction. NULL with j->p. */
const char *job_outputs_store(struct job *j, const struct template_step *s, json_object *outputs);

/* Wipe the string values of an object before it is freed. */
void job_outputs_wipe(json_object *outputs);

/* The resource's outputs (a finished provision job): each template output from its step's
 * stored outputs. */
const char *job_resource_outputs(struct job *j);

#endif
