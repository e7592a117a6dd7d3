/*
 * portico-runner's parts: the pass (portico-runner.c) and the catalog's upkeep (catalog_sync.c).
 */
#ifndef PORTICO_RUNNER_H
#define PORTICO_RUNNER_H

#include "lib/portico.h"

struct runner {
    const struct config *cfg;
    struct db *db;
    struct arena *arena;          /* reset after each unit of work */
    const char *name;             /* "portico-runner@host:pid", the audit actor's id */
};

/* The audit event the runner writes as (actor "runner"). */
struct audit_event runner_event(const struct runner *r, const char *action, const char *outcome);

/* Sync the next location that is due, claimed so that no other runner takes it. 1 when one was
 * synced (whatever its outcome, recorded on the location), 0 when none was due, -1 when the
 * database failed (p says why). */
int catalog_sync_next(struct runner *r, struct problem *p);

/* Deregister instances critical for longer than their deregister time, audited. The number
 * deregistered, or -1. */
int catalog_deregister_expired(struct runner *r, struct problem *p);

#endif
