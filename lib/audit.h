/*
 * audit: the tamper-evident audit log.
 *
 * audit_append writes one event inside the caller's transaction (it fails without one), so
 * the record and the change it describes commit or roll back together. Each event's hash is
 * SHA-256 over the previous event's hash and the event's canonical content; the chain head
 * row is locked while appending, so concurrent writers on any host produce one chain.
 * Details are a JSON object the caller builds; they must never hold a secret.
 */
#ifndef PORTICO_AUDIT_H
#define PORTICO_AUDIT_H

#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "problem.h"

#define AUDIT_HASH_HEX 65

struct audit_event {
    const char *actor_type;   /* "user", "token", "runner", "admin-tool", "anonymous" */
    const char *actor_id;     /* may be NULL */
    const char *actor_name;   /* may be NULL */
    const char *action;       /* "auth.login", ... */
    const char *target_type;  /* may be NULL */
    const char *target_id;    /* may be NULL */
    const char *outcome;      /* "success", "failure", "denied" */
    const char *remote_addr;  /* may be NULL */
    const char *user_agent;   /* may be NULL */
    const char *request_id;   /* may be NULL */
    const char *details;      /* a JSON object as text, or NULL */
};

/* An event of portico-admin, a success: the actor is the operating-system user who ran it
 * (SUDO_USER, else USER). */
struct audit_event audit_admin_event(const char *action, const char *target_type, const char *target_id,
                                     const char *details);

/* Append ev inside the open transaction. */
int audit_append(struct db *db, struct arena *a, const struct audit_event *ev, struct problem *p);

/* audit_append, then commit the transaction (the change and its record together); on any
 * failure roll back and return -1 with the problem set. */
int audit_commit(struct db *db, struct arena *a, const struct audit_event *ev, struct problem *p);

/* The hash of one event: SHA-256 (hex) of prev_hash and the canonical content, where
 * occurred_at is "YYYY-MM-DD HH:MM:SS.ffffff" (UTC). Exposed for verification and tests. */
void audit_hash(const char *prev_hash, const char *occurred_at, const struct audit_event *ev,
                char out[AUDIT_HASH_HEX]);

/* Walk the whole chain. Returns 0 when intact (*broken_id = 0), 1 when broken (*broken_id is
 * the first event whose link or content does not check; for a head that does not match the
 * last event, the head's last_id), -1 on error. *checked counts the events read. */
int audit_verify(struct db *db, unsigned long long *broken_id, unsigned long long *checked,
                 struct problem *p);

#endif
