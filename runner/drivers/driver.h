/*
 * drivers: what a provisioning step does. One file per driver in runner/drivers/, each
 * exporting one struct driver; the runner (runner/jobs.c) claims a job, renders each step's
 * arguments through the driver's own escape function and calls apply.
 *
 * A driver is idempotent: apply checks before it acts, keyed by the resource's stable uid (and
 * the step's name), so a step run again after a crash or a lost lease never makes a second
 * resource, and a remove of what is already gone succeeds. It never runs a shell, never puts a
 * secret in a log line or in d->error, and registers every secret value it handles through
 * d->secret so the job log redacts it. Long work calls d->alive at least every few seconds: it
 * renews the runner's lease and answers -1 when the job must stop (its lease was lost or it was
 * cancelled); the driver then stops its work and returns -1.
 */
#ifndef PORTICO_DRIVER_H
#define PORTICO_DRIVER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/config.h"
#include "lib/template.h"

#define DRIVER_ERROR_MAX 512

struct driver_run {
    /* given */
    const struct config *cfg;
    struct arena *arena;              /* freed after the step */
    const char *resource_uid;         /* 16 characters [0-9a-f], stable for the resource's life */
    const char *team, *environment;
    const char *step_name;
    bool remove;                      /* a deprovision step: take away what the resource has */
    int timeout_seconds;              /* the step's, else provision_step_timeout_seconds */
    const char *traceparent;          /* this attempt's span (W3C): each outbound call sends a child of it,
                                         exec programs get it as TRACEPARENT; NULL: none */
    /* the step's arguments, each rendered through this driver's escape */
    const char *arg_names[TEMPLATE_ITEMS_MAX];
    const char *arg_values[TEMPLATE_ITEMS_MAX];
    size_t nargs;
    const char *program;              /* exec: the program (absolute path) */
    const char *argv[TEMPLATE_ITEMS_MAX];  /* exec: its arguments, program not included */
    size_t nargv;
    json_object *values;              /* the request's parameters, name -> value (secret refs as paths) */
    json_object *env;                 /* exec: name -> string, the environment the program gets (only this) */
    /* the runner's services */
    void (*log)(struct driver_run *d, const char *stream, const char *line);   /* one line of the job log */
    int (*alive)(struct driver_run *d);                                        /* heartbeat; -1: stop now */
    void (*secret)(struct driver_run *d, const char *value);                   /* redact this from the log */
    void *ctx;                        /* the runner's */
    /* what it gives back */
    json_object *outputs;             /* field -> string; a driver's secret fields (template.c) are sealed */
    char error[DRIVER_ERROR_MAX];     /* why it failed; never a secret */
};

struct driver {
    const char *name;
    /* A placeholder's value as this driver may use it (NULL: it may not, and the step fails
     * before doing anything); NULL: values are used as they are (exec: argv items, no shell). */
    const char *(*escape)(struct arena *a, const char *value, void *ctx);
    /* Do (or with d->remove, undo) the step: 0 done, -1 failed with d->error (retried later). */
    int (*apply)(struct driver_run *d);
};

extern const struct driver driver_mariadb_database, driver_git_repository, driver_exec, driver_webhook, driver_noop;

/* The driver called name, or NULL. */
const struct driver *driver_find(const char *name);

/* The value of argument name of the step, or NULL. */
const char *driver_arg(const struct driver_run *d, const char *name);

/* Is uid a resource's uid (16 lower-case hexadecimal digits)? Drivers put it in names and paths. */
bool driver_uid_ok(const char *uid);

/* printf into d->error; returns -1 (so `return driver_fail(d, ...)`). */
int driver_fail(struct driver_run *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* printf one line into the job log (stream "runner"). */
void driver_logf(struct driver_run *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
