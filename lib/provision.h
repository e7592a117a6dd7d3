/*
 * provision: what the provisioning handler and the runner share (sql/0016): a template version
 * read and parsed, a resource and its job made, a resource's history, the portal's inbox, and
 * where a secret output is kept.
 *
 * A job is a list of steps (the template's steps for "provision", its deprovision steps for
 * "deprovision"), written with the job so that a retry resumes at the step that failed and the
 * API shows each step's state. A resource's uid is random and never changes: drivers key their
 * work by it, which is what makes a step run twice harmless.
 */
#ifndef PORTICO_PROVISION_H
#define PORTICO_PROVISION_H

#include <json-c/json.h>
#include <stdbool.h>

#include "arena.h"
#include "db.h"
#include "problem.h"
#include "template.h"
#include "trace.h"

#define PROVISION_UID_LEN 16
#define PROVISION_TTL_DEFAULT_DAYS 30    /* a template without <ttl> */
#define PROVISION_TTL_MAX_DAYS 365

struct provision_version {
    long long id, template_id;
    const char *name, *version, *state, *owner_team;
    bool trusted;
    struct template *t;                 /* parsed, in the arena */
};

/* A template version by name and version ("latest": the newest published one). 404 when there
 * is none; 500 when a stored version no longer parses (logged). */
int provision_version_load(struct db *db, struct arena *a, const char *name, const char *version,
                           struct provision_version *out, struct problem *p);

/* The same by the version's id. */
int provision_version_load_id(struct db *db, struct arena *a, long long id, struct provision_version *out,
                              struct problem *p);

/* The TTL a request gets: ttl_days (0: the template's default) checked against the template's
 * maximum; -1 with a field error "ttl_days" past it. */
int provision_ttl(const struct template *t, long long ttl_days, int *days, struct problem *p);

#define PROVISION_NAME_MAX 200        /* provision_requests.name, resources.name */

/* What a request and its resource are called: "orders_dev · mariadb · dev", the value of the
 * parameter that names-resource (else of the first required string parameter, else of the first
 * string parameter given), the template's name and the environment; "mariadb · dev" when no
 * parameter has a value. values: the checked parameters (template_values). In the arena. */
const char *provision_display_name(struct arena *a, const struct template *t, json_object *values, const char *environment);

struct provision_resource_new {
    long long request_id;               /* 0: none */
    long long version_id;
    const char *environment, *team, *entity_ref, *requester;
    const char *name;                   /* provision_display_name */
    const char *parameters;             /* JSON text */
    int ttl_days;
    const struct trace_origin *origin;  /* the request that queues its job (NULL: none) */
};

/* Inside the caller's transaction: a resource (state provisioning, a fresh uid) and its
 * provision job; its history starts with the request (by its requester) and each approval (by
 * its approver), at their times. *resource_id and *job_id: the new rows. */
int provision_resource_create(struct db *db, struct arena *a, const struct provision_resource_new *r,
                              const struct template *t, int max_attempts, const char *actor, long long *resource_id,
                              long long *job_id, struct problem *p);

/* Inside the caller's transaction: a job of kind "provision" or "deprovision" for the resource,
 * with one step row per step of the template's list for that kind, and the request that queued
 * it (origin; NULL: the runner's own). */
int provision_job_queue(struct db *db, struct arena *a, long long resource_id, const struct template *t,
                        const char *kind, int max_attempts, const struct trace_origin *origin, long long *job_id,
                        struct problem *p);

/* A line of the resource's history (inside the caller's transaction, or on its own). */
int provision_event(struct db *db, struct arena *a, long long resource_id, const char *actor, const char *event,
                    const char *detail, struct problem *p);

/* A notice in the inbox of the user (user_id, or username; 0 and NULL: none) and of the team's
 * people (NULL: none): its members (and its subteams'), and whoever holds a role on it through a
 * binding; each once. */
int provision_notify(struct db *db, struct arena *a, long long user_id, const char *username, const char *team,
                     const char *kind, const char *subject, const char *link, struct problem *p);

/* The same, leaving out the user except_id (0: nobody): whoever's doing the notice is about is not
 * told of it (a requester, that their own request waits for approval). */
int provision_notify_except(struct db *db, struct arena *a, long long user_id, const char *username, const char *team,
                            long long except_id, const char *kind, const char *subject, const char *link,
                            struct problem *p);

/* Where a resource's secret output is kept: team/<team>/<environment>/res-<uid>-<output> (the
 * output's index in place of its name when the name would not fit). */
const char *provision_output_path(struct arena *a, const char *team, const char *environment, const char *uid,
                                  const char *output, size_t index);

/* Inside the caller's transaction: the secret at path is an output of resource_id (sql/0020).
 * Its requester may reveal it, and the secrets API asks before a plain write or delete of it. */
int provision_secret_managed(struct db *db, struct arena *a, const char *path, long long resource_id, struct problem *p);

#endif
