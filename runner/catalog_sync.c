/*
 * The runner's catalog upkeep: syncing locations, and deregistering instances that stopped
 * sending heartbeats.
 *
 * A sync reads the location's file, parses and validates every document, and only then, in one
 * transaction, stores what changed and orphans (or deletes) what disappeared. Anything wrong —
 * the upstream unreachable, a YAML error, an invalid entity, an entity of another team or
 * another location — changes nothing and is recorded on the location with the reason. The
 * deletion guard: a sync that would remove more than catalog_orphan_guard_percent of the
 * location's entities (an emptied or truncated file) changes nothing either, until someone
 * confirms that many removals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/yamldoc.h"
#include "runner.h"

#define SYNC_TIMEOUT_SECONDS 60
#define SYNC_DOCUMENTS_MAX 100000
#define DEREGISTER_BATCH 500

static const char sql_claim[] =
    "SELECT id FROM catalog_locations WHERE next_sync_at <= UTC_TIMESTAMP(6) ORDER BY next_sync_at LIMIT 1 "
    "FOR UPDATE SKIP LOCKED";
static const char sql_schedule[] =
    "UPDATE catalog_locations SET next_sync_at = UTC_TIMESTAMP(6) + INTERVAL interval_seconds SECOND WHERE id = ?";
static const char sql_location[] =
    "SELECT type, target, path, revision, team, on_orphan, confirm_removals FROM catalog_locations WHERE id = ? "
    "FOR UPDATE";
static const char sql_team_tree[] =
    "WITH RECURSIVE t AS (SELECT id, name FROM teams WHERE name = ? "
    "UNION ALL SELECT c.id, c.name FROM teams c JOIN t ON c.parent_id = t.id) SELECT name FROM t";
static const char sql_current[] =
    "SELECT id, ref FROM entities WHERE location_id = ? AND orphaned_at IS NULL FOR UPDATE";
static const char sql_orphan[] = "UPDATE entities SET orphaned_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_status[] =
    "UPDATE catalog_locations SET status = ?, message = ?, pending_removals = ?, last_sync_at = UTC_TIMESTAMP(6) "
    "WHERE id = ?";
static const char sql_done[] =
    "UPDATE catalog_locations SET status = 'ok', message = ?, pending_removals = 0, confirm_removals = 0, "
    "last_sync_at = UTC_TIMESTAMP(6), last_added = ?, last_changed = ?, last_removed = ? WHERE id = ?";
static const char sql_expired[] =
    "SELECT i.id, e.ref, i.environment, i.instance FROM instances i JOIN entities e ON e.id = i.entity_id "
    "WHERE i.expires_at < UTC_TIMESTAMP(6) AND i.expires_at + INTERVAL i.deregister_seconds SECOND < UTC_TIMESTAMP(6) "
    "ORDER BY i.expires_at LIMIT 500 FOR UPDATE SKIP LOCKED";
static const char sql_instance_delete[] = "DELETE FROM instances WHERE id = ?";

struct sync {
    struct runner *r;
    struct problem *p;
    long long id;
    char target[1024];
};

static int no_check(void *ctx, const char *team, const struct catalog_ref *ref)
{
    (void)ctx, (void)team, (void)ref;
    return 0;   /* the location's team was checked for every entity before the transaction */
}

/* Record an outcome that changed no entity (status error or guarded), audited, in its own
 * transaction. Returns 1 (a location was handled) or -1 when the database failed. */
static int record(struct sync *s, const char *status, long long pending, const char *message)
{
    struct runner *r = s->r;
    fprintf(stderr, "portico-runner: location %lld (%s): %s: %s\n", s->id, s->target, status, message);
    struct db_value v[4] = { DB_TEXTV(status), DB_TEXTV(message), DB_INTV(pending), DB_INTV(s->id) };
    struct audit_event ev = runner_event(r, strcmp(status, "guarded") == 0 ? "catalog.location.guard" : "catalog.location.sync",
                                         "failure");
    ev.target_type = "location";
    ev.target_id = arena_printf(r->arena, "%lld", s->id);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "status", json_object_new_string(status));
    json_object_object_add(d, "message", json_object_new_string(message));
    ev.details = arena_strdup(r->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    if (db_in_transaction(r->db))
        db_abort(r->db);
    if (db_begin(r->db, s->p) < 0 || db_query(r->db, r->arena, sql_status, v, 4, NULL, s->p) < 0 ||
        audit_commit(r->db, r->arena, &ev, s->p) < 0) {
        db_abort(r->db);
        return -1;
    }
    return 1;
}

static int ref_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first field errors of a problem as one line. */
static const char *problem_line(struct arena *a, const struct problem *p)
{
    const char *out = p->detail[0] ? p->detail : "invalid";
    for (size_t i = 0; i < p->nfields && i < 5; i++)
        out = arena_printf(a, "%s%s %s: %s", out, i ? ";" : ":", p->fields[i].field, p->fields[i].message);
    if (p->nfields > 5)
        out = arena_printf(a, "%s; and %zu more", out, p->nfields - 5);
    return out;
}

/* Sync location s->id, whose row the caller has just claimed (and rescheduled). */
static int sync_location(struct sync *s)
{
    struct runner *r = s->r;
    struct arena *a = r->arena;
    struct problem *p = s->p, err;
    struct db_value key = DB_INTV(s->id);
    struct db_result loc;

    /* 1. read and validate, outside any transaction: nothing is locked while the upstream answers */
    if (db_query(r->db, a, "SELECT type, target, path, revision, team FROM catalog_locations WHERE id = ?", &key, 1,
                 &loc, p) < 0)
        return -1;
    if (loc.nrows == 0)
        return 1;   /* deleted meanwhile */
    struct location l = { arena_strdup(a, db_cell(&loc, 0, 0)), arena_strdup(a, db_cell(&loc, 0, 1)),
                          arena_strdup(a, db_cell(&loc, 0, 2)), arena_strdup(a, db_cell(&loc, 0, 3)) };
    const char *team = db_cell(&loc, 0, 4) ? arena_strdup(a, db_cell(&loc, 0, 4)) : NULL;
    location_shown(l.target, s->target, sizeof(s->target));   /* for the log: never a query's values */
    char *text;
    size_t len;
    problem_init(&err);
    if (location_read(r->cfg, &l, LOCATION_READ_MAX, SYNC_TIMEOUT_SECONDS, &text, &len, &err) < 0)
        return record(s, "error", 0, arena_printf(a, "reading it failed, nothing was changed: %s", problem_line(a, &err)));
    static const struct yamldoc_limits lim = { 32, 20000000, SYNC_DOCUMENTS_MAX };
    json_object *docs = yamldoc_parse(text, len, &lim, &err);
    free(text);
    if (!docs)
        return record(s, "error", 0, arena_printf(a, "the file is not valid YAML, nothing was changed: %s", err.detail));
    size_t n = json_object_array_length(docs);
    struct catalog_entity *ents = arena_calloc(a, n + 1, sizeof(*ents));
    const char **refs = arena_calloc(a, n + 1, sizeof(char *));
    if (!ents || !refs) {
        json_object_put(docs);
        return record(s, "error", 0, "out of memory");
    }
    const char **teams = NULL;
    size_t nteams = 0;
    if (team) {
        struct db_value t = DB_TEXTV(team);
        struct db_result tr;
        if (db_query(r->db, a, sql_team_tree, &t, 1, &tr, p) < 0) {
            json_object_put(docs);
            return -1;
        }
        teams = arena_calloc(a, tr.nrows + 1, sizeof(char *));
        for (size_t i = 0; teams && i < tr.nrows; i++)
            teams[nteams++] = arena_strdup(a, db_cell(&tr, i, 0));
    }
    for (size_t i = 0; i < n; i++) {
        problem_init(&err);
        if (catalog_entity_read(json_object_array_get_idx(docs, i), a, &ents[i], &err) < 0) {
            json_object_put(docs);
            return record(s, "error", 0, arena_printf(a, "document %zu is not a valid entity, nothing was changed: %s", i,
                                                      problem_line(a, &err)));
        }
        refs[i] = ents[i].ref.text;
        if (team) {
            const char *owner = catalog_owner_team(a, strcmp(ents[i].ref.kind, "Group") == 0 ? ents[i].ref.text : ents[i].owner);
            bool ok = false;
            for (size_t k = 0; owner && k < nteams && !ok; k++)
                ok = strcmp(owner, teams[k]) == 0;
            if (!ok) {
                json_object_put(docs);
                return record(s, "error", 0, arena_printf(a, "%s is not owned by team %s (or a team below it), as this "
                                                             "location requires; nothing was changed", refs[i], team));
            }
        }
    }
    const char **sorted = arena_calloc(a, n + 1, sizeof(char *));
    if (!sorted) {
        json_object_put(docs);
        return record(s, "error", 0, "out of memory");
    }
    memcpy(sorted, refs, n * sizeof(char *));
    qsort(sorted, n, sizeof(char *), ref_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            json_object_put(docs);
            return record(s, "error", 0, arena_printf(a, "%s appears twice; nothing was changed", sorted[i]));
        }

    /* 2. apply, in one transaction, under the location's row lock */
    struct db_result cur;
    if (db_begin(r->db, p) < 0 || db_query(r->db, a, sql_location, &key, 1, &loc, p) < 0) {
        json_object_put(docs);
        db_abort(r->db);
        return -1;
    }
    if (loc.nrows == 0) {
        json_object_put(docs);
        db_abort(r->db);
        return 1;
    }
    bool delete_orphans = strcmp(db_cell(&loc, 0, 5), "delete") == 0;
    long long confirmed = atoll(db_cell(&loc, 0, 6));
    if (db_query(r->db, a, sql_current, &key, 1, &cur, p) < 0) {
        json_object_put(docs);
        db_abort(r->db);
        return -1;
    }
    size_t vanished = 0;
    for (size_t i = 0; i < cur.nrows; i++) {
        const char *ref = db_cell(&cur, i, 1);
        if (!bsearch(&ref, sorted, n, sizeof(char *), ref_cmp))
            vanished++;
    }
    int guard = r->cfg->catalog_orphan_guard_percent;
    if (vanished > 0 && vanished * 100 > (size_t)guard * cur.nrows && (long long)vanished > confirmed) {
        json_object_put(docs);
        return record(s, "guarded", (long long)vanished,
                      arena_printf(a, "the file no longer has %zu of the location's %zu entities (%zu%%), more than the "
                                      "%d%% a sync may %s on its own; nothing was changed. If that is right, confirm "
                                      "with POST /api/v1/catalog/locations/%lld/sync?confirm=true",
                                   vanished, cur.nrows, vanished * 100 / cur.nrows, guard,
                                   delete_orphans ? "delete" : "orphan", s->id));
    }
    struct catalog_writer w = { r->db, a, p, runner_event(r, "", "success"), s->id, no_check, NULL, NULL, NULL };
    w.event.details = NULL;
    size_t added = 0, changed = 0, removed = 0;
    struct catalog_current known;
    int rc = catalog_current_read(&w, ents, n, false, &known);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        enum catalog_outcome outcome;
        long long version;
        rc = catalog_store(&w, &ents[i], json_object_array_get_idx(docs, i), NULL, false, &known, &outcome, &version);
        added += rc == 0 && outcome == CATALOG_ADDED;
        changed += rc == 0 && outcome == CATALOG_CHANGED;
    }
    json_object_put(docs);
    if (rc < 0) {
        if (p->status >= 500)
            return -1;
        return record(s, "error", 0, arena_printf(a, "nothing was changed: %s", p->detail));
    }
    for (size_t i = 0; rc == 0 && i < cur.nrows; i++) {
        const char *ref = db_cell(&cur, i, 1);
        if (bsearch(&ref, sorted, n, sizeof(char *), ref_cmp))
            continue;
        struct db_value id = DB_INTV(atoll(db_cell(&cur, i, 0)));
        const char *details = arena_printf(a, "{\"location\":%lld}", s->id);
        if (delete_orphans) {
            rc = catalog_remove(&w, id.i, ref, details);
        } else if ((rc = db_query(r->db, a, sql_orphan, &id, 1, NULL, p)) == 0) {
            struct audit_event ev = runner_event(r, "catalog.entity.orphan", "success");
            ev.target_type = "entity";
            ev.target_id = ref;
            ev.details = details;
            rc = audit_append(r->db, a, &ev, p);
        }
        removed++;
    }
    const char *message = arena_printf(a, "%zu entities: %zu added, %zu changed, %zu %s", n, added, changed, removed,
                                       delete_orphans ? "deleted" : "orphaned");
    struct db_value v[5] = { DB_TEXTV(message), DB_INTV((long long)added), DB_INTV((long long)changed),
                             DB_INTV((long long)removed), DB_INTV(s->id) };
    if (rc == 0)
        rc = db_query(r->db, a, sql_done, v, 5, NULL, p);
    if (rc < 0) {
        db_abort(r->db);
        return -1;
    }
    struct audit_event ev = runner_event(r, "catalog.location.sync", "success");
    ev.target_type = "location";
    ev.target_id = arena_printf(a, "%lld", s->id);
    ev.details = arena_printf(a, "{\"entities\":%zu,\"added\":%zu,\"changed\":%zu,\"removed\":%zu}", n, added, changed,
                              removed);
    if (audit_commit(r->db, a, &ev, p) < 0)
        return -1;
    fprintf(stderr, "portico-runner: location %lld (%s): ok: %s\n", s->id, s->target, message);
    return 1;
}

int catalog_sync_next(struct runner *r, struct problem *p)
{
    struct db_result claim;
    if (db_begin(r->db, p) < 0)
        return -1;
    if (db_query(r->db, r->arena, sql_claim, NULL, 0, &claim, p) < 0) {
        db_abort(r->db);
        return -1;
    }
    if (claim.nrows == 0) {
        db_rollback(r->db, p);
        return 0;
    }
    struct sync s = { r, p, atoll(db_cell(&claim, 0, 0)), "" };
    struct db_value key = DB_INTV(s.id);
    if (db_query(r->db, r->arena, sql_schedule, &key, 1, NULL, p) < 0 || db_commit(r->db, p) < 0) {
        db_abort(r->db);
        return -1;
    }
    return sync_location(&s);
}

int catalog_deregister_expired(struct runner *r, struct problem *p)
{
    struct db_result rows;
    if (db_begin(r->db, p) < 0)
        return -1;
    if (db_query(r->db, r->arena, sql_expired, NULL, 0, &rows, p) < 0) {
        db_abort(r->db);
        return -1;
    }
    if (rows.nrows == 0) {
        db_rollback(r->db, p);
        return 0;
    }
    for (size_t i = 0; i < rows.nrows; i++) {
        struct db_value id = DB_INTV(atoll(db_cell(&rows, i, 0)));
        struct audit_event ev = runner_event(r, "catalog.instance.deregister", "success");
        ev.target_type = "instance";
        ev.target_id = arena_printf(r->arena, "%s/%s/%s", db_cell(&rows, i, 1), db_cell(&rows, i, 2), db_cell(&rows, i, 3));
        ev.details = "{\"reason\":\"critical past its deregister time\"}";
        if (db_query(r->db, r->arena, sql_instance_delete, &id, 1, NULL, p) < 0 ||
            audit_append(r->db, r->arena, &ev, p) < 0) {
            db_abort(r->db);
            return -1;
        }
    }
    if (db_commit(r->db, p) < 0)
        return -1;
    fprintf(stderr, "portico-runner: deregistered %zu instance(s) past their deregister time\n", rows.nrows);
    return (int)rows.nrows;
}
