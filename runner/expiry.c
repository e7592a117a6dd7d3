/*
 * expiry: resources live until their expiry (a lease the owners renew). Before it, the owners
 * hear of it in the portal's inbox at each lead time of provision_notify_before (the nearest
 * one only, when several have passed at once); at it, the runner queues the template's
 * deprovision steps, as a DELETE would. Rows are claimed FOR UPDATE SKIP LOCKED, so runners
 * side by side never notify twice or queue two deprovisionings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/provision.h"
#include "lib/provision_state.h"
#include "runner/runner.h"

#define EXPIRY_BATCH 50
#define LEADS_MAX 8

/* provision_notify_before as seconds, smallest first. */
static size_t leads(const char *spec, long *out)
{
    size_t n = 0;
    for (const char *s = spec; *s && n < LEADS_MAX;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s)
            break;
        if (v > 0)
            out[n++] = v;
        s = *end == ',' ? end + 1 : end;
        if (*end != ',')
            break;
    }
    for (size_t i = 1; i < n; i++)   /* few: insertion sort */
        for (size_t k = i; k > 0 && out[k] < out[k - 1]; k--) {
            long t = out[k];
            out[k] = out[k - 1];
            out[k - 1] = t;
        }
    return n;
}

static const char *in_words(struct arena *a, long seconds)
{
    if (seconds >= 86400 && seconds % 86400 == 0)
        return arena_printf(a, "%ld day%s", seconds / 86400, seconds == 86400 ? "" : "s");
    if (seconds >= 3600)
        return arena_printf(a, "%ld hour%s", seconds / 3600, seconds < 7200 ? "" : "s");
    return arena_printf(a, "%ld minute%s", seconds / 60 ? seconds / 60 : 1, seconds < 120 ? "" : "s");
}

/* One batch of notices for lead (seconds): the number sent, or -1. */
static int notify_batch(struct runner *r, long lead, struct problem *p)
{
    struct db_value v[3] = { DB_INTV(lead), DB_INTV(lead), DB_INTV(EXPIRY_BATCH) };
    struct db_result q;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT id, team, environment, requester, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), expires_at), "
                                  "name FROM resources WHERE state = 'ready' AND expires_at <= UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
                                  "AND expires_at > UTC_TIMESTAMP(6) AND (notified_before = 0 OR notified_before > ?) "
                                  "LIMIT ? FOR UPDATE SKIP LOCKED", v, 3, &q, p) < 0)
        return db_abort(r->db);
    for (size_t i = 0; i < q.nrows; i++) {
        long long id = atoll(db_cell(&q, i, 0));
        long left = atol(db_cell(&q, i, 4));
        struct db_value u[2] = { DB_INTV(lead), DB_INTV(id) };
        const char *subject = arena_printf(r->arena, "%s (team %s) expires in %s: renew it to keep it", db_cell(&q, i, 5),
                                           db_cell(&q, i, 1), in_words(r->arena, left));
        if (provision_notify(r->db, r->arena, 0, db_cell(&q, i, 3), db_cell(&q, i, 1), "resource-expiring", subject,
                             arena_printf(r->arena, "/resources/%lld", id), p) < 0 ||
            db_query(r->db, r->arena, "UPDATE resources SET notified_before = ? WHERE id = ?", u, 2, NULL, p) < 0 ||
            provision_event(r->db, r->arena, id, r->name, "expiry-notice", subject, p) < 0)
            return db_abort(r->db);
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    return (int)q.nrows;
}

/* One batch of expired resources, deprovisioning queued: the number, or -1. */
static int expire_batch(struct runner *r, struct problem *p)
{
    struct db_value lim = DB_INTV(EXPIRY_BATCH);
    struct db_result q;
    if (db_begin(r->db, p) < 0 ||
        db_query(r->db, r->arena, "SELECT id, team, environment, requester, template_version_id, name FROM resources "
                                  "WHERE state IN ('ready', 'failed') AND expires_at <= UTC_TIMESTAMP(6) LIMIT ? "
                                  "FOR UPDATE SKIP LOCKED", &lim, 1, &q, p) < 0)
        return db_abort(r->db);
    for (size_t i = 0; i < q.nrows; i++) {
        long long id = atoll(db_cell(&q, i, 0)), job;
        const struct template *t = runner_template(r, atoll(db_cell(&q, i, 4)), p);
        if (!t) {
            /* one unreadable template must not hold up every other expiry: this one is set aside */
            fprintf(stderr, "portico-runner: resource %lld expired, but %s\n", id, p->detail);
            const char *why = arena_printf(r->arena, "expired, but its template version cannot be read: %s", p->detail);
            problem_init(p);
            if (provision_resource_fail(r->db, r->arena, id, true, p) < 0 ||
                provision_event(r->db, r->arena, id, r->name, "expired", why, p) < 0)
                return db_abort(r->db);
            continue;
        }
        struct audit_event ev = runner_event(r, "provision.resource.expire", "success");
        ev.target_type = "resource";
        ev.target_id = arena_printf(r->arena, "%lld", id);
        if (provision_resource_deprovision(r->db, r->arena, id, t, r->cfg->runner_max_attempts, NULL, &job, p) < 0 ||
            provision_event(r->db, r->arena, id, r->name, "expired", "deprovisioning queued", p) < 0 ||
            provision_notify(r->db, r->arena, 0, db_cell(&q, i, 3), db_cell(&q, i, 1), "resource-expired",
                             arena_printf(r->arena, "%s (team %s) expired: it is being deprovisioned", db_cell(&q, i, 5),
                                          db_cell(&q, i, 1)),
                             arena_printf(r->arena, "/resources/%lld", id), p) < 0 ||
            audit_append(r->db, r->arena, &ev, p) < 0)
            return db_abort(r->db);
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    return (int)q.nrows;
}

int expiry_pass(struct runner *r, struct problem *p)
{
    long l[LEADS_MAX];
    size_t n = leads(r->cfg->provision_notify_before, l);
    int done = 0, rc;
    for (size_t i = 0; i < n; i++) {
        while ((rc = notify_batch(r, l[i], p)) > 0 && !*r->stopping) {
            done += rc;
            arena_reset(r->arena);
        }
        if (rc < 0)
            return -1;
    }
    while ((rc = expire_batch(r, p)) > 0 && !*r->stopping) {
        done += rc;
        arena_reset(r->arena);
    }
    return rc < 0 ? -1 : done;
}
