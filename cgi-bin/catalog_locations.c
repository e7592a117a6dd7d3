/*
 * catalog locations: catalog-info.yaml files the runner re-reads on a schedule (a file, a git
 * repository on disk, an http(s) URL). Registering, deleting and asking for a sync are requests;
 * the reading is the runner's (runner/catalog_sync.c), so no request waits on an upstream.
 *
 * A location registered for a team may only bring entities owned by that team (or a team
 * below it), and needs catalog.location.write on that team; one without a team needs it
 * globally. A sync that would orphan or delete more than catalog_orphan_guard_percent of the
 * location's entities waits: POST .../sync?confirm=true lets exactly that many go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

#define LOCATION_COLUMNS                                                                                                 \
    "l.id, l.type, l.target, l.path, l.revision, l.team, l.on_orphan, l.interval_seconds, l.status, l.message, "        \
    "l.pending_removals, l.confirm_removals, l.last_added, l.last_changed, l.last_removed, "                            \
    "DATE_FORMAT(l.last_sync_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS last_sync_at, "                                             \
    "DATE_FORMAT(l.next_sync_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS next_sync_at, l.registered_by, "                            \
    "DATE_FORMAT(l.created_at, '%Y-%m-%dT%H:%i:%sZ') AS created_at, "                                                    \
    "(SELECT COUNT(*) FROM entities e WHERE e.location_id = l.id AND e.orphaned_at IS NULL) AS entities, "             \
    "(SELECT COUNT(*) FROM entities e WHERE e.location_id = l.id AND e.orphaned_at IS NOT NULL) AS orphans"
#define LOCATION_TYPES "issssnsissiiiiinnssii"

static const char sql_locations[] =
    "SELECT " LOCATION_COLUMNS " FROM catalog_locations l WHERE l.id > ? ORDER BY l.id LIMIT ?";
static const char sql_location[] = "SELECT " LOCATION_COLUMNS " FROM catalog_locations l WHERE l.id = ?";
static const char sql_location_locked[] = "SELECT id, team, pending_removals FROM catalog_locations WHERE id = ? FOR UPDATE";
static const char sql_location_insert[] =
    "INSERT INTO catalog_locations (type, target, path, revision, team, on_orphan, interval_seconds, message, "
    "registered_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting for the runner', ?)";
static const char sql_location_due[] =
    "UPDATE catalog_locations SET next_sync_at = UTC_TIMESTAMP(6), confirm_removals = ? WHERE id = ?";
static const char sql_location_orphan_all[] =
    "UPDATE entities SET orphaned_at = UTC_TIMESTAMP(6) WHERE location_id = ? AND orphaned_at IS NULL";
static const char sql_location_entities[] = "SELECT id, ref, owner_team FROM entities WHERE location_id = ? FOR UPDATE";
static const char sql_location_delete[] = "DELETE FROM catalog_locations WHERE id = ?";

/* May the caller manage locations of team (NULL: a location without a team: globally)? */
static int location_allowed(struct app_ctx *c, const char *team)
{
    struct authz_resource res = { team, NULL, NULL, NULL };
    struct authz_decision d;
    return app_may(c, "catalog.location.write", &res, &d) ? 0 : app_refuse(c, "catalog.location.write", &res, &d);
}

/* May the caller read a location of team (NULL: one without a team)? The team's members (and
 * those of the teams below it), and whoever may manage the team's locations (or, for a location
 * without a team, manage locations globally): a target can name a host, a path or a repository
 * that is no business of another team. */
static bool location_readable(struct app_ctx *c, const char *team)
{
    for (size_t i = 0; team && c->grants.teams && c->grants.teams[i]; i++)
        if (strcmp(c->grants.teams[i], team) == 0)
            return true;
    struct authz_resource res = { team, NULL, NULL, NULL };
    return app_may(c, "catalog.location.write", &res, NULL);
}

static int location_answer(struct app_ctx *c, int status, long long id)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_location, &v, 1, &r, &c->problem) < 0)
        return -1;
    /* one the caller may not read is answered as one that is not there */
    if (r.nrows > 0 && status == 200 && !location_readable(c, db_cell(&r, 0, 5))) {
        c->hidden_denial = true;
        r.nrows = 0;
    }
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no location %lld", id);
    json_object *rows = app_rows_json(&r, 1, LOCATION_TYPES);
    json_object *one = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    if (status != 200)
        http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/catalog/locations/%lld", id));
    return app_json(c, status, one);
}

/* GET /catalog/locations: those the caller may read (location_readable). */
static bool readable_row(struct app_ctx *c, const struct db_result *r, size_t i, void *ctx)
{
    (void)ctx;
    return location_readable(c, db_cell(r, i, 5));
}

/* GET /catalog/locations?limit=&cursor=: those the caller may read, by id. Readability is decided
 * here, row by row, so a page reads up to LOCATIONS_SCAN rows after the cursor and may hold fewer
 * than limit with more to come (next_cursor says so). By default up to the old whole (1,000: the
 * row's limit). */
#define LOCATIONS_SCAN 1000
int catalog_locations_list(struct app_ctx *c)
{
    long limit = app_limit(c);
    long long after = app_cursor_id(c, "locations");
    if (!json_fields_ok(&c->problem))
        return -1;
    struct db_value v[2] = { DB_INTV(after), DB_INTV(LOCATIONS_SCAN) };
    struct db_result r;
    if (db_query(c->db, c->arena, sql_locations, v, 2, &r, &c->problem) < 0)
        return -1;
    return app_page_kept(c, NULL, "locations", &r, limit, LOCATIONS_SCAN, 0, LOCATION_TYPES, "locations", readable_row, NULL);
}

int catalog_location_get(struct app_ctx *c)
{
    long long id = app_path_id(c, "id");
    if (!id)
        return problem_set(&c->problem, 404, "not-found", "no such location");
    return location_answer(c, 200, id);
}

static int location_audit(struct app_ctx *c, const char *action, long long id, const char *details)
{
    return app_audited(c, action, "location", arena_printf(c->arena, "%lld", id), details);
}

/* POST /catalog/locations: {type, target, path, revision, team, on_orphan, interval_seconds}. */
int catalog_location_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct location l;
    l.type = json_str(c->body, "type", NULL);
    l.target = json_str(c->body, "target", NULL);
    l.path = json_str(c->body, "path", "");
    l.revision = json_str(c->body, "revision", "");
    const char *team = json_str(c->body, "team", NULL);
    const char *on_orphan = json_str(c->body, "on_orphan", "keep");
    long long interval = json_num(c->body, "interval_seconds", c->cfg->catalog_sync_seconds);
    if (on_orphan && strcmp(on_orphan, "keep") != 0 && strcmp(on_orphan, "delete") != 0)
        problem_field(p, "on_orphan", "must be keep (orphans stay, listed) or delete");
    if (!json_fields_ok(p))
        return -1;
    if (location_allowed(c, team) < 0)
        return -1;
    if (location_check(c->cfg, &l, p) < 0)
        return -1;
    if (team) {
        struct db_value t = DB_TEXTV(team);
        struct db_result r;
        if (db_query(c->db, c->arena, "SELECT 1 FROM teams WHERE name = ?", &t, 1, &r, p) < 0)
            return -1;
        if (r.nrows == 0) {
            problem_field(p, "team", "no team %s", team);
            json_fields_ok(p);
            return -1;
        }
    }
    struct db_value v[8] = { DB_TEXTV(l.type), DB_TEXTV(l.target), DB_TEXTV(l.path), DB_TEXTV(l.revision),
                             team ? DB_TEXTV(team) : DB_NULLV, DB_TEXTV(on_orphan), DB_INTV(interval),
                             DB_TEXTV(c->actor ? c->actor : "") };
    struct db_result ins;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_location_insert, v, 8, &ins, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        if (dup)
            return problem_set(p, 409, "conflict", "that location is registered already");
        return -1;
    }
    long long id = (long long)ins.insert_id;
    json_object *d = json_object_new_object();
    json_object_object_add(d, "type", json_object_new_string(l.type));
    json_object_object_add(d, "target", json_object_new_string(l.target));
    json_object_object_add(d, "team", json_string_or_null(team));
    const char *details = arena_strdup(c->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    if (location_audit(c, "catalog.location.create", id, details) < 0)
        return -1;
    return location_answer(c, 201, id);
}

/* A transaction holding the location's row, when the caller may manage it: 0 with *team and
 * *pending, or -1 with the problem and nothing open. */
static int location_begin(struct app_ctx *c, long long id, const char **team, long long *pending)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_location_locked, &v, 1, &r, &c->problem) < 0)
        return db_abort(c->db);
    if (r.nrows == 0) {
        db_abort(c->db);
        return problem_set(&c->problem, 404, "not-found", "no location %lld", id);
    }
    *team = db_cell(&r, 0, 1) ? arena_strdup(c->arena, db_cell(&r, 0, 1)) : NULL;
    *pending = atoll(db_cell(&r, 0, 2));
    if (!location_readable(c, *team)) {
        db_abort(c->db);
        c->hidden_denial = true;
        return problem_set(&c->problem, 404, "not-found", "no location %lld", id);
    }
    if (location_allowed(c, *team) < 0) {
        db_abort(c->db);
        return -1;
    }
    return 0;
}

/* POST /catalog/locations/{id}/sync[?confirm=true]: the runner reads it at its next pass. With
 * confirm, the removals the guard held back at the last sync may go ahead (that many, no more). */
int catalog_location_sync(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id"), pending;
    const char *team, *confirm = http_query(&c->req, "confirm");
    bool confirmed = confirm && strcmp(confirm, "true") == 0;
    if (!id)
        return problem_set(p, 404, "not-found", "no such location");
    if (location_begin(c, id, &team, &pending) < 0)
        return -1;
    if (confirmed && pending == 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "location %lld has no removals waiting for a confirmation", id);
    }
    struct db_value v[2] = { DB_INTV(confirmed ? pending : 0), DB_INTV(id) };
    if (db_query(c->db, c->arena, sql_location_due, v, 2, NULL, p) < 0)
        return db_abort(c->db);
    if (location_audit(c, confirmed ? "catalog.location.confirm" : "catalog.location.refresh", id,
                       confirmed ? arena_printf(c->arena, "{\"removals\":%lld}", pending) : NULL) < 0)
        return -1;
    return location_answer(c, 202, id);
}

/* DELETE /catalog/locations/{id}[?entities=delete]: its entities stay as orphans (written by
 * hand from now on), or are deleted with it (each audited; needs catalog.entity.delete). */
int catalog_location_delete(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id"), pending;
    const char *team, *ents = http_query(&c->req, "entities");
    bool delete_entities = ents && strcmp(ents, "delete") == 0;
    if (!id)
        return problem_set(p, 404, "not-found", "no such location");
    if (ents && !delete_entities && strcmp(ents, "keep") != 0) {
        problem_field(p, "entities", "must be keep (they stay, as orphans) or delete");
        json_fields_ok(p);
        return -1;
    }
    if (location_begin(c, id, &team, &pending) < 0)
        return -1;
    struct db_value v = DB_INTV(id);
    size_t removed = 0;
    if (delete_entities) {
        struct db_result r;
        struct catalog_writer w = catalog_request_writer(c);
        if (db_query(c->db, c->arena, sql_location_entities, &v, 1, &r, p) < 0)
            return db_abort(c->db);
        for (size_t i = 0; i < r.nrows; i++) {
            struct catalog_ref ref;
            struct authz_decision d;
            const char *why;
            if (catalog_ref_parse(db_cell(&r, i, 1), NULL, NULL, &ref, &why) == 0 &&
                !catalog_may(c, "catalog.entity.delete", db_cell(&r, i, 2), &ref, &d)) {
                db_abort(c->db);
                return catalog_refuse(c, "catalog.entity.delete", db_cell(&r, i, 2), &ref, &d);
            }
            if (catalog_remove(&w, atoll(db_cell(&r, i, 0)), db_cell(&r, i, 1),
                               arena_printf(c->arena, "{\"location\":%lld}", id)) < 0)
                return db_abort(c->db);
            removed++;
        }
    } else if (db_query(c->db, c->arena, sql_location_orphan_all, &v, 1, NULL, p) < 0) {
        return db_abort(c->db);
    }
    if (db_query(c->db, c->arena, sql_location_delete, &v, 1, NULL, p) < 0)
        return db_abort(c->db);
    if (location_audit(c, "catalog.location.delete", id,
                       arena_printf(c->arena, "{\"entities\":\"%s\",\"deleted\":%zu}", delete_entities ? "delete" : "keep",
                                    removed)) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("deleted"));
    json_object_object_add(o, "entities_deleted", json_object_new_int64((int64_t)removed));
    return app_json(c, 200, o);
}
