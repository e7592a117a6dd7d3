/*
 * provision_resources: the resources requests made (list, read with their outputs and history,
 * delete: deprovisioning queued, renew) and their jobs (read, the log, cancel). Reads of another
 * team's resources answer as the request's do; the states change through lib/provision_state.
 */
#define RESOURCE_Q_MAX 100
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision.h"

/* ---- resources ----------------------------------------------------------------------------------- */

struct resource_row {
    long long id, version_id;
    const char *uid, *state, *team, *entity, *environment, *requester;
};

static int resource_load(struct app_ctx *c, long long id, const char *permission, bool lock, struct resource_row *out)
{
    struct db_value v = DB_INTV(id);
    struct db_result q;
    const char *sql = lock ? "SELECT id, uid, state, team, entity_ref, environment, requester, template_version_id "
                             "FROM resources WHERE id = ? FOR UPDATE"
                           : "SELECT id, uid, state, team, entity_ref, environment, requester, template_version_id "
                             "FROM resources WHERE id = ?";
    if (id <= 0)
        return problem_set(&c->problem, 404, "not-found", "no such resource");
    if (db_query(c->db, c->arena, sql, &v, 1, &q, &c->problem) < 0)
        return -1;
    if (q.nrows) {
        out->id = atoll(db_cell(&q, 0, 0));
        out->uid = db_cell(&q, 0, 1);
        out->state = db_cell(&q, 0, 2);
        out->team = db_cell(&q, 0, 3);
        out->entity = db_cell(&q, 0, 4);
        out->environment = db_cell(&q, 0, 5);
        out->requester = db_cell(&q, 0, 6);
        out->version_id = atoll(db_cell(&q, 0, 7));
    }
    if (q.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no resource %lld", id);
    bool own = strcmp(out->requester, c->who.username) == 0;
    struct authz_decision d;
    const struct authz_resource *res = RESOURCE(out->team, out->entity, out->environment);
    if (!own && !app_may(c, "provision.resource.read", res, &d))
        return app_refuse(c, "provision.resource.read", res, &d);
    if (strcmp(permission, "provision.resource.read") != 0 && !app_may(c, permission, res, &d))
        return app_refuse(c, permission, res, &d);
    return 0;
}

/* GET /provision/resources */
int provision_resource_list(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long limit = app_limit(c);
    long long cursor = app_cursor_id(c, "resources");
    const char *mine = http_query(&c->req, "mine"), *state = http_query(&c->req, "state");
    const char *team = http_query(&c->req, "team"), *entity = provision_entity_ref(c, http_query(&c->req, "entity"));
    const char *text = http_query(&c->req, "q");
    if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0)
        problem_field(p, "mine", "must be true or false");
    if (text && (strlen(text) < 1 || strlen(text) > RESOURCE_Q_MAX))
        problem_field(p, "q", "must be 1 to %d characters", RESOURCE_Q_MAX);
    if (state && strlen(state) > 20)
        problem_field(p, "state", "is not a state");
    if (team && strlen(team) > 63)
        problem_field(p, "team", "is not a team");
    if (!json_fields_ok(p))
        return -1;
    struct db_value *v;
    size_t nv;
    const char *where = app_scope_where(c, "provision.resource.read", &v, &nv);
    if (!where)
        return -1;
    if (mine && strcmp(mine, "true") == 0) {
        where = arena_printf(c->arena, "%s AND r.requester = ?", where);
        v[nv++] = (struct db_value)DB_TEXTV(c->who.username);
    }
    const char *const filters[][2] = { { "r.state", state }, { "r.team", team }, { "r.entity_ref", entity } };
    for (size_t i = 0; i < 3; i++)
        if (filters[i][1]) {
            where = arena_printf(c->arena, "%s AND %s = ?", where, filters[i][0]);
            v[nv++] = (struct db_value)DB_TEXTV(filters[i][1]);
        }
    if (text) {
        /* the text anywhere in the template's name, the uid or a parameter's (string) value: a
         * scan of the rows the scope and the other filters leave, newest first, to the page */
        const char *like = db_like(c->arena, text, strlen(text), true);
        if (!like)
            return problem_set(p, 500, "internal", "out of memory");
        where = arena_printf(c->arena, "%s AND (t.name LIKE ? ESCAPE '!' OR CONVERT(r.uid USING utf8mb4) LIKE ? ESCAPE '!' "
                                       "OR JSON_SEARCH(r.parameters, 'one', ?, '!') IS NOT NULL)", where);
        for (int k = 0; k < 3; k++)
            v[nv++] = (struct db_value)DB_TEXTV(like);
    }
    if (cursor) {
        where = arena_printf(c->arena, "%s AND r.id < ?", where);
        v[nv++] = (struct db_value)DB_INTV(cursor);
    }
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    const char *sql = arena_printf(c->arena,
        "SELECT r.id, r.uid, t.name AS template, tv.version, r.environment, r.team, r.entity_ref AS entity, r.requester, "
        "r.state, " DB_RFC3339_PRINTF("r.expires_at") " AS expires_at, " DB_RFC3339_PRINTF("r.created_at") " AS created_at, "
        "r.name, " DB_RFC3339_PRINTF("r.updated_at") " AS updated_at FROM resources r "
        "JOIN template_versions tv ON tv.id = r.template_version_id JOIN templates t ON t.id = tv.template_id "
        "WHERE %s ORDER BY r.id DESC LIMIT ?", where);
    return provision_id_page(c, sql, v, nv, limit, "resources", "isssssnssssss");
}

/* Each secret output of the resource says whether the resource manages it (the runner sealed it
 * for it: sql/0020) and whether the caller may reveal it: with secrets.reveal there, or as the
 * resource's requester with provision.output.reveal (what the secrets API decides too). */
static int outputs_mark(struct app_ctx *c, const struct resource_row *rs, json_object *outputs)
{
    struct db_value v = DB_INTV(rs->id);
    struct db_result q;
    if (!json_object_is_type(outputs, json_type_object))
        return 0;
    if (db_query(c->db, c->arena, "SELECT path FROM secrets WHERE resource_id = ?", &v, 1, &q, &c->problem) < 0)
        return -1;
    const struct authz_resource res = { rs->team, NULL, rs->environment, "secret" };
    bool anyone = app_may(c, "secrets.reveal", &res, NULL);
    bool requester = strcmp(rs->requester, c->who.username) == 0 && app_may(c, "provision.output.reveal", &res, NULL);
    json_object_object_foreach(outputs, name, val) {
        (void)name;
        json_object *path;
        if (!json_object_is_type(val, json_type_object) || !json_object_object_get_ex(val, "secret", &path))
            continue;
        bool managed = false;
        for (size_t i = 0; i < q.nrows && !managed; i++)
            managed = strcmp(db_cell(&q, i, 0), json_object_get_string(path)) == 0;
        json_object_object_add(val, "managed", json_object_new_boolean(managed));
        json_object_object_add(val, "reveal", json_object_new_boolean(anyone || (managed && requester)));
    }
    return 0;
}

/* GET /provision/resources/{id} */
int provision_resource_get(struct app_ctx *c)
{
    struct resource_row rs;
    if (resource_load(c, app_path_id(c, "id"), "provision.resource.read", false, &rs) < 0)
        return -1;
    struct db_value v = DB_INTV(rs.id);
    struct db_result q, j, h;
    if (db_query(c->db, c->arena,
                 "SELECT r.id, r.uid, t.name AS template, tv.version, r.environment, r.team, r.entity_ref AS entity, "
                 "r.requester, r.request_id, r.state, r.parameters, r.outputs, " DB_RFC3339("r.expires_at") " AS expires_at, "
                 DB_RFC3339("r.created_at") " AS created_at, " DB_RFC3339("r.updated_at") " AS updated_at, r.name "
                 "FROM resources r "
                 "JOIN template_versions tv ON tv.id = r.template_version_id JOIN templates t ON t.id = tv.template_id "
                 "WHERE r.id = ?", &v, 1, &q, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT id, kind, state, attempts, max_attempts, last_error, " DB_RFC3339("created_at")
                                  " AS created_at, " DB_RFC3339("finished_at") " AS finished_at FROM jobs WHERE resource_id = ? "
                                  "ORDER BY id DESC LIMIT 50", &v, 1, &j, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT " DB_RFC3339("at") " AS at, actor, event, detail FROM resource_events WHERE resource_id = ? "
                                  "ORDER BY at DESC, id DESC LIMIT 200", &v, 1, &h, &c->problem) < 0)
        return -1;
    json_object *rows = app_rows_json(&q, 1, "isssssnsisjjssss");
    json_object *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    if (outputs_mark(c, &rs, json_object_object_get(o, "outputs")) < 0) {
        json_object_put(o);
        return -1;
    }
    json_object_object_add(o, "jobs", app_rows_json(&j, j.nrows, "issiinsn"));
    json_object_object_add(o, "history", app_rows_json(&h, h.nrows, "ssss"));
    return app_json(c, 200, o);
}

/* DELETE /provision/resources/{id}: queue deprovisioning. */
int provision_resource_delete(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct resource_row rs;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (resource_load(c, app_path_id(c, "id"), "provision.resource.delete", true, &rs) < 0)
        return db_abort(c->db);
    if (strcmp(rs.state, "ready") != 0 && strcmp(rs.state, "failed") != 0 && strcmp(rs.state, "deprovision_failed") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "resource %lld is %s%s", rs.id, rs.state,
                           strcmp(rs.state, "provisioning") == 0 ? ": cancel its job first, or wait for it" : "");
    }
    struct provision_version pv;
    long long job_id;
    struct trace_origin origin = app_origin(c);
    if (provision_version_load_id(c->db, c->arena, rs.version_id, &pv, p) < 0 ||
        provision_resource_deprovision(c->db, c->arena, rs.id, pv.t, c->cfg->runner_max_attempts, &origin, &job_id, p) < 0 ||
        provision_event(c->db, c->arena, rs.id, c->who.username, "delete", "deprovisioning queued", p) < 0)
        return db_abort(c->db);
    if (app_audited(c, "provision.resource.delete", "resource", arena_printf(c->arena, "%lld", rs.id),
                    arena_printf(c->arena, "{\"job_id\":%lld}", job_id)) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(rs.id));
    json_object_object_add(o, "state", json_object_new_string("deprovisioning"));
    json_object_object_add(o, "job_id", json_object_new_int64(job_id));
    return app_json(c, 202, o);
}

/* POST /provision/resources/{id}/renew */
int provision_resource_renew(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long ttl = 0;
    if (c->body) {
        ttl = json_num(c->body, "ttl_days", 0);
        if (!json_fields_ok(p))
            return -1;
    }
    struct resource_row rs;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (resource_load(c, app_path_id(c, "id"), "provision.resource.renew", true, &rs) < 0)
        return db_abort(c->db);
    if (strcmp(rs.state, "ready") != 0 && strcmp(rs.state, "provisioning") != 0 && strcmp(rs.state, "failed") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "resource %lld is %s", rs.id, rs.state);
    }
    struct provision_version pv;
    int days;
    if (provision_version_load_id(c->db, c->arena, rs.version_id, &pv, p) < 0)
        return db_abort(c->db);
    if (provision_ttl(pv.t, ttl, &days, p) < 0) {
        db_abort(c->db);
        return -1;
    }
    struct db_value v[2] = { DB_INTV(days), DB_INTV(rs.id) };
    struct db_result q;
    if (db_query(c->db, c->arena, "UPDATE resources SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? DAY, notified_before = 0, "
                                  "updated_at = UTC_TIMESTAMP(6) WHERE id = ?", v, 2, NULL, p) < 0 ||
        provision_event(c->db, c->arena, rs.id, c->who.username, "renew", arena_printf(c->arena, "%d days from now", days), p) < 0 ||
        db_query(c->db, c->arena, "SELECT " DB_RFC3339("expires_at") " FROM resources WHERE id = ?", &v[1], 1, &q, p) < 0)
        return db_abort(c->db);
    const char *expires = db_cell(&q, 0, 0);
    if (app_audited(c, "provision.resource.renew", "resource", arena_printf(c->arena, "%lld", rs.id),
                    arena_printf(c->arena, "{\"ttl_days\":%d}", days)) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(rs.id));
    json_object_object_add(o, "expires_at", json_object_new_string(expires));
    return app_json(c, 200, o);
}

/* ---- jobs -------------------------------------------------------------------------------------- */

/* The job of the path, whose resource the caller may read (with permission beyond reading). */
static int job_load(struct app_ctx *c, const char *permission, bool lock, struct resource_row *rs, long long *job_id,
                    const char **state, const char **kind)
{
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    struct db_result q;
    if (id <= 0 || db_query(c->db, c->arena, lock ? "SELECT resource_id, state, kind FROM jobs WHERE id = ? FOR UPDATE"
                                                  : "SELECT resource_id, state, kind FROM jobs WHERE id = ?",
                            &v, 1, &q, &c->problem) < 0)
        return id <= 0 ? problem_set(&c->problem, 404, "not-found", "no such job") : -1;
    if (q.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no job %lld", id);
    if (resource_load(c, atoll(db_cell(&q, 0, 0)), permission, false, rs) < 0) {
        if (c->problem.status == 404)
            return problem_set(&c->problem, 404, "not-found", "no job %lld", id);
        return -1;
    }
    *job_id = id;
    *state = db_cell(&q, 0, 1);
    *kind = db_cell(&q, 0, 2);
    return 0;
}

/* GET /provision/jobs/{id} */
int provision_job_get(struct app_ctx *c)
{
    struct resource_row rs;
    long long id;
    const char *state, *kind;
    if (job_load(c, "provision.resource.read", false, &rs, &id, &state, &kind) < 0)
        return -1;
    struct db_value v = DB_INTV(id);
    struct db_result q, s;
    if (db_query(c->db, c->arena, "SELECT id, resource_id, kind, state, attempts, max_attempts, cancel_requested, "
                                  DB_RFC3339("due_at") " AS due_at, last_error, (SELECT COUNT(*) FROM job_logs l WHERE l.job_id = jobs.id) AS log_lines, "
                                  DB_RFC3339("created_at") " AS created_at, "
                                  DB_RFC3339("started_at") " AS started_at, " DB_RFC3339("finished_at") " AS finished_at FROM jobs WHERE id = ?",
                 &v, 1, &q, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT idx, name, driver, state, attempts, error, " DB_RFC3339("started_at") " AS started_at, "
                                  DB_RFC3339("finished_at") " AS finished_at FROM job_steps WHERE job_id = ? ORDER BY idx",
                 &v, 1, &s, &c->problem) < 0)
        return -1;
    json_object *rows = app_rows_json(&q, 1, "iissiibsnisnn");
    json_object *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    json_object_object_add(o, "steps", app_rows_json(&s, s.nrows, "isssinnn"));
    return app_json(c, 200, o);
}

/* GET /provision/jobs/{id}/log?after=N&limit= */
int provision_job_log(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long after = app_query_int(c, "after", 0, 0, 999999999999LL);   /* a line number */
    long limit = app_limit(c);
    if (!json_fields_ok(p))
        return -1;
    struct resource_row rs;
    long long id;
    const char *state, *kind;
    if (job_load(c, "provision.resource.read", false, &rs, &id, &state, &kind) < 0)
        return -1;
    struct db_value v[3] = { DB_INTV(id), DB_INTV(after), DB_INTV(limit) };
    struct db_result q;
    if (db_query(c->db, c->arena, "SELECT id AS seq, " DB_RFC3339("at") " AS at, stream, line FROM job_logs WHERE job_id = ? AND id > ? "
                                  "ORDER BY id LIMIT ?", v, 3, &q, p) < 0)
        return -1;
    long long next = q.nrows ? atoll(db_cell(&q, q.nrows - 1, 0)) : after;
    /* finished, and this answer reached the end (the state was read before the lines) */
    bool finished = strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 || strcmp(state, "cancelled") == 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "lines", app_rows_json(&q, q.nrows, "isss"));
    json_object_object_add(o, "next", json_object_new_int64(next));
    json_object_object_add(o, "state", json_object_new_string(state));
    json_object_object_add(o, "done", json_object_new_boolean(finished && q.nrows < (size_t)limit));
    return app_json(c, 200, o);
}

/* POST /provision/jobs/{id}/cancel */
int provision_job_cancel(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct resource_row rs;
    long long id;
    const char *state, *kind;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (job_load(c, "provision.resource.delete", true, &rs, &id, &state, &kind) < 0)
        return db_abort(c->db);
    if (strcmp(state, "queued") == 0) {
        /* no runner has it: it ends here */
        if (provision_job_end(c->db, c->arena, id, rs.id, strcmp(kind, "provision") != 0, true, "cancelled", p) < 0 ||
            provision_event(c->db, c->arena, rs.id, c->who.username, "cancel", arena_printf(c->arena, "job %lld cancelled", id), p) < 0)
            return db_abort(c->db);
        state = "cancelled";
    } else if (strcmp(state, "running") == 0) {
        /* its runner stops at the next heartbeat */
        if (provision_job_cancel_request(c->db, c->arena, id, p) < 0)
            return db_abort(c->db);
        state = "cancelling";
    } else {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "job %lld has ended (%s)", id, state);
    }
    if (app_audited(c, "provision.job.cancel", "job", arena_printf(c->arena, "%lld", id), NULL) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "state", json_object_new_string(state));
    return app_json(c, 200, o);
}
