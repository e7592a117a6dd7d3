/*
 * provision.fcgi: self-service requests, their approvals, the resources they make, and the
 * jobs the runner does for them (docs/provisioning.md; tables in sql/0016).
 *
 * A request names a published template version, its parameters (checked by lib/template, 422
 * field by field), an environment and an owner (a team, or a catalog entity and so its team).
 * The template's policy decides: who may request (a role on that team), and how many approvers
 * of which role an environment needs. A request that needs none is approved at once; the
 * others wait for N distinct approvers, none of them the requester. An approved request makes
 * a resource (with an expiry within the template's maximum) and its provision job in the same
 * transaction; the runner does the rest. Nothing long runs here. Every change is audited in
 * its own transaction; reads of another team's resources answer 404. This file: requests and
 * their decisions, and the route table; resources and jobs are in provision_resources.c, what
 * waits for the caller in provision_inbox.c (cgi-bin/provision.h).
 */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision.h"

#define IDEMPOTENCY_KEY_MAX 200

/* ---- small helpers ---------------------------------------------------------------------------- */

/* An environment's name, as templates spell them. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 63 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
            return false;
    return true;
}

/* Answer a page of list tag ordered by id descending (sql asks for limit + 1 rows; the id is
 * column 0): {member: rows typed as app_rows_json, next_cursor}. */
int provision_id_page(struct app_ctx *c, const char *sql, const struct db_value *v, size_t nv, long limit, const char *member,
                   const char *types)
{
    struct db_result q;
    if (db_query(c->db, c->arena, sql, v, nv, &q, &c->problem) < 0)
        return -1;
    return app_page(c, NULL, member, &q, limit, 0, types, member);
}



/* ---- requests ---------------------------------------------------------------------------------- */


static void request_from_row(const struct db_result *q, size_t i, struct request_row *r)
{
    r->id = atoll(db_cell(q, i, 0));
    r->state = db_cell(q, i, 1);
    r->team = db_cell(q, i, 2);
    r->entity = db_cell(q, i, 3);
    r->environment = db_cell(q, i, 4);
    r->requester = db_cell(q, i, 5);
    r->requester_id = atoll(db_cell(q, i, 6));
    r->approval_role = db_cell(q, i, 7);
    r->approvals_needed = atoi(db_cell(q, i, 8));
    r->resource_id = db_cell(q, i, 9) ? atoll(db_cell(q, i, 9)) : 0;
    r->version_id = atoll(db_cell(q, i, 10));
    r->parameters = db_cell(q, i, 11);
    r->ttl_days = atoi(db_cell(q, i, 12));
    r->name = db_cell(q, i, 13);
}

/* The request of the path, readable by the caller (404 otherwise); lock: FOR UPDATE. */
static int request_load(struct app_ctx *c, long long id, bool lock, struct request_row *out)
{
    struct db_value v = DB_INTV(id);
    struct db_result q;
    const char *sql = lock ? "SELECT r.id, r.state, r.team, r.entity_ref, r.environment, r.requester, r.requester_id, "
                             "r.approval_role, r.approvals_needed, r.resource_id, r.template_version_id, r.parameters, "
                             "r.ttl_days, r.name FROM provision_requests r WHERE r.id = ? FOR UPDATE"
                           : "SELECT r.id, r.state, r.team, r.entity_ref, r.environment, r.requester, r.requester_id, "
                             "r.approval_role, r.approvals_needed, r.resource_id, r.template_version_id, r.parameters, "
                             "r.ttl_days, r.name FROM provision_requests r WHERE r.id = ?";
    if (id <= 0)
        return problem_set(&c->problem, 404, "not-found", "no such request");
    if (db_query(c->db, c->arena, sql, &v, 1, &q, &c->problem) < 0)
        return -1;
    if (q.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no request %lld", id);
    request_from_row(&q, 0, out);
    struct authz_decision d;
    if (out->requester_id != c->who.user_id &&
        !app_may(c, "provision.request.read", RESOURCE(out->team, out->entity, out->environment), &d))
        return app_refuse(c, "provision.request.read", RESOURCE(out->team, out->entity, out->environment), &d);
    return 0;
}

/* The answer to a create (and to its replay under the same Idempotency-Key). */
static int request_answer(struct app_ctx *c, long long id, int status)
{
    struct db_value v = DB_INTV(id);
    struct db_result q;
    if (db_query(c->db, c->arena,
                 "SELECT r.id, r.state, r.resource_id, (SELECT MIN(j.id) FROM jobs j WHERE j.resource_id = r.resource_id) "
                 "AS job_id, r.approvals_needed, r.approval_role FROM provision_requests r WHERE r.id = ?",
                 &v, 1, &q, &c->problem) < 0)
        return -1;
    json_object *rows = app_rows_json(&q, 1, "isiiin");
    json_object *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return app_json(c, status, o);
}

/* The resource and its job for an approved request, inside the caller's transaction. */
static int request_fulfil(struct app_ctx *c, const struct request_row *rq, const struct provision_version *pv,
                          long long *resource_id, long long *job_id)
{
    struct trace_origin origin = app_origin(c);
    struct provision_resource_new n = { rq->id, pv->id, rq->environment, rq->team, rq->entity, rq->requester, rq->name,
                                        rq->parameters, rq->ttl_days, &origin };
    if (provision_resource_create(c->db, c->arena, &n, pv->t, c->cfg->runner_max_attempts, c->who.username, resource_id,
                                  job_id, &c->problem) < 0)
        return -1;
    return provision_request_approve(c->db, c->arena, rq->id, *resource_id, &c->problem);
}

/* The owner of a request: a team that exists, or a catalog entity and its owner's team. */
static int request_owner(struct app_ctx *c, const char *team, const char *entity, const char **out_team)
{
    struct problem *p = &c->problem;
    struct db_result q;
    if (entity) {
        struct db_value v = DB_TEXTV(entity);
        if (db_query(c->db, c->arena, "SELECT owner_team FROM entities WHERE ref = ?", &v, 1, &q, p) < 0)
            return -1;
        if (q.nrows == 0 || !db_cell(&q, 0, 0)) {
            problem_field(p, "entity", "no catalog entity %s with an owner team", entity);
            return -1;
        }
        *out_team = db_cell(&q, 0, 0);
        if (team && strcmp(team, *out_team) != 0) {
            problem_field(p, "team", "the entity is owned by %s", *out_team);
            return -1;
        }
        return 0;
    }
    if (!team) {
        problem_field(p, "team", "a team or a catalog entity owns the resource");
        return -1;
    }
    struct db_value v = DB_TEXTV(team);
    if (db_query(c->db, c->arena, "SELECT name FROM teams WHERE name = ?", &v, 1, &q, p) < 0)
        return -1;
    if (q.nrows == 0) {
        problem_field(p, "team", "no team %s", team);
        return -1;
    }
    *out_team = db_cell(&q, 0, 0);
    return 0;
}

/* An entity ref as the catalog reads it ("[kind:][namespace/]name": a Component by default, in the
 * namespace default), as its full ref "component:default/ledger-worker"; NULL for none, or with a
 * field error on field "entity". */
const char *provision_entity_ref(struct app_ctx *c, const char *text)
{
    struct catalog_ref ref;
    const char *why;
    if (!text)
        return NULL;
    if (catalog_ref_parse(text, "Component", NULL, &ref, &why) < 0) {
        problem_field(&c->problem, "entity", "%s", why);
        return NULL;
    }
    return arena_strdup(c->arena, ref.text);
}

/* Secret references a request passes must be secrets the requester may reveal. */
static int request_secret_refs(struct app_ctx *c, const struct template *t, json_object *values)
{
    for (size_t i = 0; i < t->nparams; i++) {
        json_object *v;
        if (t->params[i].type != TPARAM_SECRET_REF || !json_object_object_get_ex(values, t->params[i].name, &v))
            continue;
        struct secret_path sp;
        const char *why;
        if (secret_path_parse(json_object_get_string(v), &sp, &why) < 0)
            continue;   /* template_values refused it already */
        struct secret_scope held;   /* held by the team stored with it, as the secrets API decides */
        if (secrets_scope(c->db, c->arena, &sp, &held, &c->problem) < 0)
            return -1;
        struct authz_resource res = { held.team, sp.entity && !held.entity_gone ? sp.entity_ref : NULL,
                                      sp.environment[0] ? sp.environment : NULL, "secret" };
        /* the job will open it for the requester: as a reveal would, with the token's scopes */
        if (!app_may(c, "secrets.reveal", &res, NULL) || !authn_token_path_allows(&c->who, sp.text))
            problem_field(&c->problem, arena_printf(c->arena, "parameters/%s", t->params[i].name),
                          "you may not reveal the secret %s", sp.text);
    }
    return json_fields_ok(&c->problem) ? 0 : -1;
}

/* POST /provision/requests */
static int request_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *name = json_str(c->body, "template", NULL);
    const char *version = json_str(c->body, "version", "latest");
    const char *environment = json_str(c->body, "environment", NULL);
    const char *team = json_str(c->body, "team", NULL);
    const char *entity = provision_entity_ref(c, json_str(c->body, "entity", NULL));
    long long ttl = json_num(c->body, "ttl_days", 0);
    json_object *params = NULL;
    if (json_object_object_get_ex(c->body, "parameters", &params) && !json_object_is_type(params, json_type_object))
        problem_field(p, "parameters", "must be an object");
    const char *key = http_header(&c->req, "Idempotency-Key");
    if (key && (strlen(key) < 1 || strlen(key) > IDEMPOTENCY_KEY_MAX))
        problem_field(p, "Idempotency-Key", "must be 1 to %d characters", IDEMPOTENCY_KEY_MAX);
    if (!json_fields_ok(p))
        return -1;

    /* the same key again: the first answer, if the body is the same */
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hash[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(digest, (const unsigned char *)c->req.body, c->req.body_len);
    sodium_bin2hex(hash, sizeof(hash), digest, sizeof(digest));
    if (key) {
        struct db_value v[2] = { DB_INTV(c->who.user_id), DB_TEXTV(key) };
        struct db_result q;
        if (db_query(c->db, c->arena, "SELECT id, request_hash FROM provision_requests WHERE requester_id = ? AND "
                                      "idempotency_key = ?", v, 2, &q, p) < 0)
            return -1;
        if (q.nrows) {
            if (strcmp(db_cell(&q, 0, 1), hash) != 0)
                return problem_set(p, 422, "idempotency-key-reused", "this Idempotency-Key was used for another request");
            return request_answer(c, atoll(db_cell(&q, 0, 0)), 201);
        }
    }

    struct provision_version pv;
    if (provision_version_load(c->db, c->arena, name, version, &pv, p) < 0) {
        if (p->status == 404) {
            problem_init(p);
            problem_field(p, strcmp(version, "latest") == 0 ? "template" : "version", "no published version %s of template %s",
                          version, name);
        }
        return -1;
    }
    if (strcmp(pv.state, "published") != 0) {
        problem_field(p, "version", "version %s of %s is %s: only a published version takes requests", pv.version, name,
                      pv.state);
        return -1;
    }
    const struct template *t = pv.t;
    json_object *values = NULL;
    const char *owner_team = NULL;
    int days = 0;
    int vrc = template_values(t, params, c->arena, &values, p);
    values = app_keep(c, values);   /* the request's: no path below puts it */
    if (vrc == 0 && !values)
        return problem_set(p, 500, "internal", "out of memory");
    if (t->nenvironments) {
        bool ok = false;
        for (size_t i = 0; i < t->nenvironments; i++)
            ok = ok || strcmp(t->environments[i], environment) == 0;
        if (!ok) {
            const char *list = "";
            for (size_t i = 0; i < t->nenvironments; i++)
                list = arena_printf(c->arena, "%s%s%s", list, i ? ", " : "", t->environments[i]);
            problem_field(p, "environment", "must be one of %s", list);
        }
    } else if (!name_ok(environment)) {
        problem_field(p, "environment", "must be a name (lower-case letters, digits, '-' and '_')");
    }
    provision_ttl(t, ttl, &days, p);
    /* every field's fault in one answer: the owner is checked whatever came before */
    bool bad_entity = false;   /* a ref that is none: said already, no need to ask for an owner */
    for (size_t i = 0; i < p->nfields; i++)
        bad_entity = bad_entity || strcmp(p->fields[i].field, "entity") == 0;
    int orc = bad_entity ? -1 : request_owner(c, team, entity, &owner_team);
    if (p->status == 422 || vrc < 0 || orc < 0 || request_secret_refs(c, t, values) < 0)
        return -1;
    /* who may request: the permission on the owner, and the policy's role there */
    struct authz_decision d;
    if (!app_may(c, "provision.request.create", RESOURCE(owner_team, entity, environment), &d))
        return app_refuse(c, "provision.request.create", RESOURCE(owner_team, entity, environment), &d);
    struct authz_resource res = { owner_team, entity, environment, "resource" };
    if (t->requester_role && !authz_holds_role(&c->grants, t->requester_role, &res))
        return problem_set(p, 403, "forbidden", "template %s is requested by the role %s on the owning team", name,
                           t->requester_role);
    const struct template_approval *ap = NULL;
    for (size_t i = 0; i < t->napprovals; i++)
        if (strcmp(t->approvals[i].environment, environment) == 0)
            ap = &t->approvals[i];

    const char *params_json = arena_strdup(c->arena, json_object_to_json_string_ext(values, JSON_C_TO_STRING_PLAIN));
    const char *display = provision_display_name(c->arena, t, values, environment);
    struct request_row rq = { 0 };
    rq.team = owner_team;
    rq.entity = entity;
    rq.environment = environment;
    rq.requester = c->who.username;
    rq.parameters = params_json;
    rq.name = display;
    rq.ttl_days = days;
    struct db_value v[12] = {
        DB_INTV(c->who.user_id), DB_TEXTV(c->who.username), key ? DB_TEXTV(key) : DB_NULLV, DB_TEXTV(hash),
        DB_INTV(pv.id), DB_TEXTV(environment), DB_TEXTV(owner_team), entity ? DB_TEXTV(entity) : DB_NULLV,
        DB_TEXTV(params_json), DB_INTV(days), DB_TEXTV(ap ? "pending_approval" : "approved"), DB_INTV(ap ? ap->count : 0),
    };
    struct db_value all[14];
    memcpy(all, v, sizeof(v));
    all[12] = ap ? (struct db_value)DB_TEXTV(ap->role) : DB_NULLV;
    all[13] = (struct db_value)DB_TEXTV(display);
    struct db_result q;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena,
                 "INSERT INTO provision_requests (requester_id, requester, idempotency_key, request_hash, template_version_id, "
                 "environment, team, entity_ref, parameters, ttl_days, state, approvals_needed, approval_role, name) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 all, 14, &q, p) < 0) {
        if (key && db_errno(c->db) == 1062) {   /* the same key, at the same moment: answer as the first */
            db_abort(c->db);
            problem_init(p);
            return problem_set(p, 409, "conflict", "a request with this Idempotency-Key is being made; retry");
        }
        return db_abort(c->db);
    }
    rq.id = (long long)q.insert_id;
    long long resource_id = 0, job_id = 0;
    if (!ap && request_fulfil(c, &rq, &pv, &resource_id, &job_id) < 0)
        return db_abort(c->db);
    if (ap) {
        const char *subject = arena_printf(c->arena, "%s wants %s (%s %s) for team %s: %d approval%s by a %s needed",
                                           c->who.username, display, name, pv.version, owner_team, ap->count,
                                           ap->count == 1 ? "" : "s", ap->role);
        /* the team's people see it in their inbox (the approvals list says who may decide); not
         * the requester, who knows and cannot decide */
        if (provision_notify_except(c->db, c->arena, 0, NULL, owner_team, c->who.user_id, "approval-needed", subject,
                                    arena_printf(c->arena, "/resources/requests/%lld", rq.id), p) < 0)
            return db_abort(c->db);
    }
    const char *details = arena_printf(c->arena, "{\"template\":\"%s\",\"version\":\"%s\",\"environment\":\"%s\",\"team\":\"%s\","
                                                 "\"state\":\"%s\"}",
                                       name, pv.version, environment, owner_team, ap ? "pending_approval" : "approved");
    if (app_audited(c, "provision.request.create", "provision_request", arena_printf(c->arena, "%lld", rq.id),
                    details) < 0)
        return -1;
    return request_answer(c, rq.id, 201);
}

/* GET /provision/requests */
static int request_list(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long limit = app_limit(c);
    long long cursor = app_cursor_id(c, "requests");
    const char *mine = http_query(&c->req, "mine"), *state = http_query(&c->req, "state");
    if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0)
        problem_field(p, "mine", "must be true or false");
    if (state && strcmp(state, "pending_approval") != 0 && strcmp(state, "approved") != 0 && strcmp(state, "rejected") != 0 &&
        strcmp(state, "cancelled") != 0)
        problem_field(p, "state", "must be pending_approval, approved, rejected or cancelled");
    if (!json_fields_ok(p))
        return -1;
    struct db_value *v;
    size_t nv;
    const char *where = app_scope_where(c, "provision.request.read", &v, &nv);
    if (!where)
        return -1;
    if (mine && strcmp(mine, "true") == 0) {
        where = arena_printf(c->arena, "%s AND r.requester_id = ?", where);
        v[nv++] = (struct db_value)DB_INTV(c->who.user_id);
    }
    if (state) {
        where = arena_printf(c->arena, "%s AND r.state = ?", where);
        v[nv++] = (struct db_value)DB_TEXTV(state);
    }
    if (cursor) {
        where = arena_printf(c->arena, "%s AND r.id < ?", where);
        v[nv++] = (struct db_value)DB_INTV(cursor);
    }
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    const char *sql = arena_printf(c->arena,
        "SELECT r.id, t.name AS template, tv.version, r.environment, r.team, r.entity_ref AS entity, r.requester, r.state, "
        "r.approvals_needed, (SELECT COUNT(*) FROM provision_approvals a WHERE a.request_id = r.id AND a.decision = 'approve') "
        "AS approvals, r.approval_role, r.resource_id, " DB_RFC3339_PRINTF("r.created_at") " AS created_at, r.name "
        "FROM provision_requests r "
        "JOIN template_versions tv ON tv.id = r.template_version_id JOIN templates t ON t.id = tv.template_id "
        "WHERE %s ORDER BY r.id DESC LIMIT ?", where);
    return provision_id_page(c, sql, v, nv, limit, "requests", "issssnssiiniss");
}

/* GET /provision/requests/{id} */
static int request_get(struct app_ctx *c)
{
    struct request_row rq;
    if (request_load(c, app_path_id(c, "id"), false, &rq) < 0)
        return -1;
    struct db_value v = DB_INTV(rq.id);
    struct db_result q, a;
    if (db_query(c->db, c->arena,
                 "SELECT r.id, t.name AS template, tv.version, r.environment, r.team, r.entity_ref AS entity, r.requester, "
                 "r.state, r.approvals_needed, r.approval_role, r.resource_id, r.ttl_days, r.parameters, "
                 DB_RFC3339("r.created_at") " AS created_at, " DB_RFC3339("r.decided_at") " AS decided_at, r.name "
                 "FROM provision_requests r "
                 "JOIN template_versions tv ON tv.id = r.template_version_id JOIN templates t ON t.id = tv.template_id "
                 "WHERE r.id = ?", &v, 1, &q, &c->problem) < 0 ||
        db_query(c->db, c->arena, "SELECT approver, decision, comment, " DB_RFC3339("created_at") " AS created_at FROM "
                                  "provision_approvals WHERE request_id = ? ORDER BY created_at", &v, 1, &a, &c->problem) < 0)
        return -1;
    json_object *rows = app_rows_json(&q, 1, "issssnssiniijsns");
    json_object *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    json_object_object_add(o, "approvals", app_rows_json(&a, a.nrows, "ssss"));
    return app_json(c, 200, o);
}

/* May the caller decide on rq: not the requester, holds the policy's role and the permission. */
int provision_approver_check(struct app_ctx *c, const struct request_row *rq)
{
    struct authz_decision d;
    if (rq->requester_id == c->who.user_id)
        return problem_set(&c->problem, 403, "self-approval", "you made this request: someone else must decide on it");
    if (!app_may(c, "provision.request.approve", RESOURCE(rq->team, rq->entity, rq->environment), &d))
        return app_refuse(c, "provision.request.approve", RESOURCE(rq->team, rq->entity, rq->environment), &d);
    struct authz_resource res = { rq->team, rq->entity, rq->environment, "resource" };
    if (rq->approval_role && !authz_holds_role(&c->grants, rq->approval_role, &res))
        return problem_set(&c->problem, 403, "forbidden", "approvers of this request hold the role %s on team %s",
                           rq->approval_role, rq->team);
    return 0;
}

/* POST /provision/requests/{id}/approve and .../reject */
static int request_decide(struct app_ctx *c, bool approve)
{
    struct problem *p = &c->problem;
    const char *comment = "";
    if (c->body) {
        comment = json_str(c->body, "comment", "");
        if (!json_fields_ok(p))
            return -1;
    } else if (!approve) {
        problem_field(p, "comment", "a rejection says why");
        return -1;
    }
    struct request_row rq;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (request_load(c, app_path_id(c, "id"), true, &rq) < 0 || provision_approver_check(c, &rq) < 0)
        return db_abort(c->db);
    if (strcmp(rq.state, "pending_approval") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "request %lld is %s, not waiting for approval", rq.id, rq.state);
    }
    struct db_value v[5] = { DB_INTV(rq.id), DB_INTV(c->who.user_id), DB_TEXTV(c->who.username),
                             DB_TEXTV(approve ? "approve" : "reject"), DB_TEXTV(comment) };
    if (db_query(c->db, c->arena, "INSERT INTO provision_approvals (request_id, approver_id, approver, decision, comment) "
                                  "VALUES (?, ?, ?, ?, ?)", v, 5, NULL, p) < 0) {
        if (db_errno(c->db) == 1062) {
            db_abort(c->db);
            problem_init(p);
            return problem_set(p, 409, "conflict", "you have already decided on request %lld", rq.id);
        }
        return db_abort(c->db);
    }
    const char *state = "pending_approval";
    long long resource_id = 0, job_id = 0;
    struct db_value id = DB_INTV(rq.id);
    struct db_result q;
    if (!approve) {
        state = "rejected";
        if (provision_request_reject(c->db, c->arena, rq.id, p) < 0 ||
            provision_notify(c->db, c->arena, rq.requester_id, NULL, NULL, "request-rejected",
                             arena_printf(c->arena, "%s rejected your request for %s: %s", c->who.username, rq.name, comment),
                             arena_printf(c->arena, "/resources/requests/%lld", rq.id), p) < 0)
            return db_abort(c->db);
    } else {
        if (db_query(c->db, c->arena, "SELECT COUNT(*) FROM provision_approvals WHERE request_id = ? AND decision = 'approve'",
                     &id, 1, &q, p) < 0)
            return db_abort(c->db);
        if (atoi(db_cell(&q, 0, 0)) >= rq.approvals_needed) {
            struct provision_version pv;
            if (provision_version_load_id(c->db, c->arena, rq.version_id, &pv, p) < 0 ||
                request_fulfil(c, &rq, &pv, &resource_id, &job_id) < 0 ||
                provision_notify(c->db, c->arena, rq.requester_id, NULL, NULL, "request-approved",
                                 arena_printf(c->arena, "your request for %s was approved: it is being provisioned", rq.name),
                                 arena_printf(c->arena, "/resources/%lld", resource_id), p) < 0)
                return db_abort(c->db);
            state = "approved";
        }
    }
    const char *details = arena_printf(c->arena, "{\"state\":\"%s\"}", state);
    if (app_audited(c, approve ? "provision.request.approve" : "provision.request.reject", "provision_request",
                    arena_printf(c->arena, "%lld", rq.id), details) < 0)
        return -1;
    return request_answer(c, rq.id, 200);
}

static int request_approve(struct app_ctx *c)
{
    return request_decide(c, true);
}

static int request_reject(struct app_ctx *c)
{
    return request_decide(c, false);
}

/* POST /provision/requests/{id}/cancel: the requester takes back a request still waiting. */
static int request_cancel(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct request_row rq;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (request_load(c, app_path_id(c, "id"), true, &rq) < 0)
        return db_abort(c->db);
    if (rq.requester_id != c->who.user_id) {
        db_abort(c->db);
        return problem_set(p, 403, "forbidden", "only the requester cancels a request");
    }
    if (strcmp(rq.state, "pending_approval") != 0) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "request %lld is %s, not waiting for approval", rq.id, rq.state);
    }
    if (provision_request_cancel(c->db, c->arena, rq.id, p) < 0)
        return db_abort(c->db);
    if (app_audited(c, "provision.request.cancel", "provision_request", arena_printf(c->arena, "%lld", rq.id),
                    NULL) < 0)
        return -1;
    return request_answer(c, rq.id, 200);
}

static const struct route provision_routes[] = {
    { "POST", "/api/v1/provision/requests", "provision.request.create", request_create, ROUTE_BODY_JSON,
      "Request a resource", "{template, version (\"latest\" by default: the newest published), parameters {name: value}, "
                            "environment, team or entity (a catalog ref, [kind:][namespace/]name as the catalog reads it: "
                            "component:ledger-worker and ledger-worker are component:default/ledger-worker, the full ref "
                            "stored; its owner team owns the resource), ttl_days}. "
                            "Parameters are checked against the template (422 parameters/<name>); the template's policy "
                            "decides who may request and whether approvals are needed: 201 {id, state pending_approval or "
                            "approved, resource_id, job_id}. Idempotency-Key: the same key and body answer the first "
                            "request again; the same key with another body is 422.", NULL,
      "template:string(1..63) version?:string(1..16) parameters?:object environment:string(1..63) "
        "team?:string(1..63) entity?:string(1..144) ttl_days?:int(1..365)",
      "201 RequestState" },
    { "GET", "/api/v1/provision/requests", "provision.request.read", request_list, 0,
      "List requests", "Requests the caller may read (and its own), newest first, each with its name (\"orders_dev · "
                       "mariadb · dev\": the naming parameter's value, the template, the environment): mine=true, state, "
                       "limit 1..200 (50), cursor from next_cursor.",
      "limit:int(1..200,50) cursor:cursor mine:bool state:string(20)",
      NULL, "200 requests:[RequestLine] next_cursor?:string" },
    { "GET", "/api/v1/provision/requests/{id}", "provision.request.read", request_get, 0,
      "A request", "With its parameters and every approver's decision and comment.", NULL,
      NULL, "200 id:int template:string version:string environment:string team:string entity?:string "
        "requester:string state:string approvals_needed:int approval_role?:string resource_id?:int ttl_days:int "
        "parameters:object created_at:string decided_at?:string name:string approvals:[{approver:string "
        "decision:string comment:string created_at:string}]" },
    { "POST", "/api/v1/provision/requests/{id}/approve", "provision.request.approve", request_approve, ROUTE_BODY_JSON_OPTIONAL,
      "Approve a request", "Optional body {comment}. The approver holds the role the template's policy names on the owning "
                           "team and is not the requester (403 self-approval); one decision each (409). When the count is "
                           "reached the resource and its job are made.", NULL,
      "comment?:string(0..2000)", "200 RequestState" },
    { "POST", "/api/v1/provision/requests/{id}/reject", "provision.request.approve", request_reject, ROUTE_BODY_JSON,
      "Reject a request", "{comment}: why (required). The request ends; the requester is notified.", NULL,
      "comment:string(1..2000)", "200 RequestState" },
    { "POST", "/api/v1/provision/requests/{id}/cancel", "provision.request.create", request_cancel, 0,
      "Cancel a request", "The requester takes back a request that waits for approval.", NULL,
      NULL, "200 RequestState" },
    { "GET", "/api/v1/provision/approvals", "provision.request.approve", provision_approval_inbox, 0,
      "The approvals inbox", "Requests waiting for approval that the caller may decide on (holds the role on the team, "
                             "did not make them, has not decided yet), oldest first: limit 1..200 (50), cursor from "
                             "next_cursor (a page may hold fewer than limit with more to come).",
      "limit:int(1..200,50) cursor:cursor",
      NULL, "200 requests:[RequestLine] next_cursor?:string" },
    { "GET", "/api/v1/provision/resources", "provision.resource.read", provision_resource_list, 0,
      "List resources", "Resources the caller may read (and its own), newest first, each with its name (as its request's): "
                        "mine=true, state, team, entity (a ref, read as a request's), q (1..100 characters: found "
                        "anywhere, ignoring case and accents, in the template's name, the uid or a parameter's string "
                        "value), limit 1..200 (50), cursor from next_cursor.",
      "limit:int(1..200,50) cursor:cursor mine:bool state:string(20) team:string(63) entity:string(255) "
      "q:string(100)",
      NULL, "200 resources:[{id:int uid:string template:string version:string environment:string team:string "
        "entity?:string requester:string state:string expires_at?:string created_at:string name:string "
        "updated_at:string}] next_cursor?:string" },
    { "GET", "/api/v1/provision/resources/{id}", "provision.resource.read", provision_resource_get, 0,
      "A resource", "Its name, template version, owner, state, expiry, parameters, outputs (a secret output as {secret: path, "
                    "managed: the resource keeps it, reveal: the caller may reveal it (its requester, or secrets.reveal "
                    "there) with POST /api/v1/secrets/reveal/<path>}), jobs and history (newest first: requested by its "
                    "requester, approved by each approver, then what the runner did).", NULL,
      NULL, "200 id:int uid:string template:string version:string environment:string team:string entity?:string "
        "requester:string request_id:int state:string parameters:object outputs:map(any) expires_at?:string "
        "created_at:string updated_at:string name:string jobs:[{id:int kind:string state:string attempts:int "
        "max_attempts:int last_error?:string created_at:string finished_at?:string}] history:[{at:string "
        "actor:string event:string detail:string}]" },
    { "DELETE", "/api/v1/provision/resources/{id}", "provision.resource.delete", provision_resource_delete, 0,
      "Deprovision a resource", "Queues the template's deprovision steps: 202 {job_id}. 409 while it provisions or "
                                "after it was deprovisioned.", NULL,
      NULL, "202 id:int state:string job_id:int" },
    { "POST", "/api/v1/provision/resources/{id}/renew", "provision.resource.renew", provision_resource_renew, ROUTE_BODY_JSON_OPTIONAL,
      "Renew a resource", "Optional body {ttl_days} (default: the template's): it now expires ttl_days from now; past the "
                          "template's maximum is 422.", NULL,
      "ttl_days?:int(1..100000)", "200 id:int expires_at:string" },
    { "GET", "/api/v1/provision/jobs/{id}", "provision.resource.read", provision_job_get, 0,
      "A job", "State, attempts, the next time it is due, the last error, and each step's state.", NULL,
      NULL, "200 id:int resource_id:int kind:string state:string attempts:int max_attempts:int "
        "cancel_requested:bool due_at:string last_error?:string log_lines:int created_at:string started_at?:string "
        "finished_at?:string steps:[{idx:int name:string driver:string state:string attempts:int error?:string "
        "started_at?:string finished_at?:string}]" },
    { "GET", "/api/v1/provision/jobs/{id}/log", "provision.resource.read", provision_job_log, 0,
      "A job's log", "Lines after the line number after (0), limit 1..1000 (500): {lines, next, done}. Tail it by asking "
                     "again with after=next until done. Secret values are redacted by the runner.",
      "after:int(0..999999999999,0) limit:int(1..1000,500)",
      NULL, "200 lines:[{seq:int at:string stream:string line:string}] next:int state:string done:bool" },
    { "POST", "/api/v1/provision/jobs/{id}/cancel", "provision.resource.delete", provision_job_cancel, 0,
      "Cancel a job", "A queued job ends at once; a running one stops at its runner's next heartbeat.", NULL,
      NULL, "200 id:int state:string" },
    { "GET", "/api/v1/provision/notifications", PERM_AUTHENTICATED, provision_notification_list, 0,
      "The caller's inbox", "Notices (approvals wanted, decisions, resources ready, failed or about to expire), newest "
                            "first; unread=true for the unread only; with the unread count; limit 1..200 (50), cursor "
                            "from next_cursor.",
      "limit:int(1..200,50) cursor:cursor unread:bool",
      NULL, "200 unread:int notifications:[{id:int kind:string subject:string link:string created_at:string "
        "read_at?:string}] next_cursor?:string" },
    { "POST", "/api/v1/provision/notifications/{id}/read", PERM_AUTHENTICATED, provision_notification_read, 0,
      "Mark a notice read", "The caller's own notice (404 for anyone else's); marking one read again changes nothing. "
                            "Not audited: it changes only the caller's inbox.", NULL,
      NULL, "200 id:int read:bool" },
    { "POST", "/api/v1/provision/notifications/read-all", PERM_AUTHENTICATED, provision_notification_read_all,
      ROUTE_BODY_JSON_OPTIONAL,
      "Mark every notice read", "Optional body {up_to}: only notices up to that id (the newest one shown), so one that "
                                "came since stays unread. Answers {read: how many were marked now, unread: how many are "
                                "left}. Not audited, as marking one is not.", NULL,
      "up_to?:int(1..9223372036854775807)", "200 read:int unread:int" },
};

static const struct app provision_app = { "provision", provision_routes,
                                          sizeof(provision_routes) / sizeof(provision_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&provision_app, argc, argv);
}
