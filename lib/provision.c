/*
 * provision: template versions, resources, jobs, history and the inbox (provision.h).
 */
#include "provision.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "secret_path.h"

/* The row of one of the queries below (same columns) into out, the XML parsed. */
static int version_from_row(struct arena *a, const struct db_result *r, struct provision_version *out, struct problem *p)
{
    out->id = atoll(db_cell(r, 0, 0));
    out->template_id = atoll(db_cell(r, 0, 1));
    out->name = db_cell(r, 0, 2);
    out->version = db_cell(r, 0, 3);
    out->state = db_cell(r, 0, 4);
    out->owner_team = db_cell(r, 0, 5);
    out->trusted = strcmp(db_cell(r, 0, 6), "0") != 0;
    const char *xml = db_cell(r, 0, 7);
    out->t = arena_calloc(a, 1, sizeof(*out->t));
    struct problem why;
    problem_init(&why);
    if (!out->t || template_parse(xml, strlen(xml), a, out->t, &why) < 0) {
        /* it parsed when it was stored: a newer Portico reads it differently, or the row was changed */
        log_event("error", "provisioning: a stored template version no longer parses");
        problem_internal(p, "template %s %s: %s", out->name, out->version, why.detail);
        return problem_set(p, 500, "internal", "the template version %s %s cannot be read", out->name, out->version);
    }
    return 0;
}

int provision_version_load(struct db *db, struct arena *a, const char *name, const char *version,
                           struct provision_version *out, struct problem *p)
{
    static const char sql_latest[] =
        "SELECT v.id, t.id, t.name, v.version, v.state, t.owner_team, (v.trusted_sha256 IS NOT NULL AND v.trusted_sha256 = SHA2(v.xml, 256)), v.xml FROM template_versions v "
        "JOIN templates t ON t.id = v.template_id WHERE t.name = ? AND v.state = 'published' "
        "ORDER BY v.version_order DESC LIMIT 1";
    static const char sql_one[] =
        "SELECT v.id, t.id, t.name, v.version, v.state, t.owner_team, (v.trusted_sha256 IS NOT NULL AND v.trusted_sha256 = SHA2(v.xml, 256)), v.xml FROM template_versions v "
        "JOIN templates t ON t.id = v.template_id WHERE t.name = ? AND v.version = ?";
    bool latest = !version || strcmp(version, "latest") == 0;
    struct db_value v[2] = { DB_TEXTV(name), DB_TEXTV(latest ? "" : version) };
    struct db_result r;
    if (db_query(db, a, latest ? sql_latest : sql_one, v, latest ? 1 : 2, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return latest ? problem_set(p, 404, "not-found", "template %s has no published version", name)
                      : problem_set(p, 404, "not-found", "template %s has no version %s", name, version);
    return version_from_row(a, &r, out, p);
}

int provision_version_load_id(struct db *db, struct arena *a, long long id, struct provision_version *out,
                              struct problem *p)
{
    static const char sql[] =
        "SELECT v.id, t.id, t.name, v.version, v.state, t.owner_team, (v.trusted_sha256 IS NOT NULL AND v.trusted_sha256 = SHA2(v.xml, 256)), v.xml FROM template_versions v "
        "JOIN templates t ON t.id = v.template_id WHERE v.id = ?";
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(db, a, sql, &v, 1, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", "no template version %lld", id);
    return version_from_row(a, &r, out, p);
}

int provision_ttl(const struct template *t, long long ttl_days, int *days, struct problem *p)
{
    int max = t->ttl_max_days ? t->ttl_max_days : PROVISION_TTL_MAX_DAYS;
    int def = t->ttl_default_days ? t->ttl_default_days : (max < PROVISION_TTL_DEFAULT_DAYS ? max : PROVISION_TTL_DEFAULT_DAYS);
    if (ttl_days == 0)
        ttl_days = def;
    if (ttl_days < 1 || ttl_days > max) {
        problem_field(p, "ttl_days", "must be 1 to %d days (the template's maximum)", max);
        return -1;
    }
    *days = (int)ttl_days;
    return 0;
}

int provision_job_queue(struct db *db, struct arena *a, long long resource_id, const struct template *t,
                        const char *kind, int max_attempts, const struct trace_origin *origin, long long *job_id,
                        struct problem *p)
{
    bool deprovision = strcmp(kind, "deprovision") == 0;
    struct db_value v[5] = { DB_INTV(resource_id), DB_TEXTV(kind), DB_INTV(max_attempts),
                             DB_OPTV(origin ? origin->request_id : NULL),
                             DB_OPTV(origin && origin->traceparent[0] ? origin->traceparent : NULL) };
    struct db_result r;
    if (db_query(db, a, "INSERT INTO jobs (resource_id, kind, max_attempts, request_id, traceparent) VALUES (?, ?, ?, ?, ?)",
                 v, 5, &r, p) < 0)
        return -1;
    *job_id = (long long)r.insert_id;
    const struct template_step *steps = deprovision ? t->deprovision : t->steps;
    size_t n = deprovision ? t->ndeprovision : t->nsteps;
    for (size_t i = 0; i < n; i++) {
        struct db_value s[4] = { DB_INTV(*job_id), DB_INTV((long long)i), DB_TEXTV(steps[i].name), DB_TEXTV(steps[i].driver) };
        if (db_query(db, a, "INSERT INTO job_steps (job_id, idx, name, driver) VALUES (?, ?, ?, ?)", s, 4, NULL, p) < 0)
            return -1;
    }
    return 0;
}

int provision_event(struct db *db, struct arena *a, long long resource_id, const char *actor, const char *event,
                    const char *detail, struct problem *p)
{
    char cut[2001];
    snprintf(cut, sizeof(cut), "%s", detail ? detail : "");
    struct db_value v[4] = { DB_INTV(resource_id), DB_TEXTV(actor), DB_TEXTV(event), DB_TEXTV(cut) };
    return db_query(db, a, "INSERT INTO resource_events (resource_id, actor, event, detail) VALUES (?, ?, ?, ?)", v, 4,
                    NULL, p);
}

const char *provision_display_name(struct arena *a, const struct template *t, json_object *values, const char *environment)
{
    const struct template_param *by = NULL;
    for (size_t i = 0; i < t->nparams && !by; i++)
        if (t->params[i].names_resource)
            by = &t->params[i];
    for (size_t i = 0; i < t->nparams && !by; i++)
        if (t->params[i].type == TPARAM_STRING && t->params[i].required)
            by = &t->params[i];
    for (size_t i = 0; i < t->nparams && !by; i++)
        if (t->params[i].type == TPARAM_STRING && json_object_object_get_ex(values, t->params[i].name, NULL))
            by = &t->params[i];
    json_object *v = NULL;
    const char *value = NULL;
    if (by && json_object_object_get_ex(values, by->name, &v) && !json_object_is_type(v, json_type_null))
        value = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                         : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    const char *rest = arena_printf(a, "%s · %s", t->name, environment);
    if (!value || !*value)
        return rest;
    /* the value is cut (on a character) so that the template and the environment always show */
    size_t room = PROVISION_NAME_MAX > strlen(rest) + 4 ? PROVISION_NAME_MAX - strlen(rest) - 4 : 1;
    return arena_printf(a, "%s · %s", http_utf8_clamp(a, value, room), rest);
}

/* The request's part of a new resource's history: asked for by its requester, approved by each
 * approver, each at its own time. */
static int request_history(struct db *db, struct arena *a, long long resource_id, long long request_id, struct problem *p)
{
    struct db_value v[2] = { DB_INTV(resource_id), DB_INTV(request_id) };
    return db_query(db, a, "INSERT INTO resource_events (resource_id, at, actor, event, detail) SELECT ?, created_at, "
                           "requester, 'requested', CONCAT('request ', id) FROM provision_requests WHERE id = ?",
                    v, 2, NULL, p) < 0 ||
                   db_query(db, a, "INSERT INTO resource_events (resource_id, at, actor, event, detail) SELECT ?, created_at, "
                                   "approver, 'approved', comment FROM provision_approvals WHERE request_id = ? AND "
                                   "decision = 'approve' ORDER BY created_at", v, 2, NULL, p) < 0
               ? -1
               : 0;
}

int provision_resource_create(struct db *db, struct arena *a, const struct provision_resource_new *n,
                              const struct template *t, int max_attempts, const char *actor, long long *resource_id,
                              long long *job_id, struct problem *p)
{
    unsigned char raw[PROVISION_UID_LEN / 2];
    char uid[PROVISION_UID_LEN + 1];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(uid, sizeof(uid), raw, sizeof(raw));
    struct db_value v[10] = {
        DB_TEXTV(uid), n->request_id ? DB_INTV(n->request_id) : DB_NULLV, DB_INTV(n->version_id), DB_TEXTV(n->environment),
        DB_TEXTV(n->team), n->entity_ref ? DB_TEXTV(n->entity_ref) : DB_NULLV, DB_TEXTV(n->name ? n->name : ""),
        DB_TEXTV(n->requester), DB_TEXTV(n->parameters), DB_INTV(n->ttl_days),
    };
    struct db_result r;
    if (db_query(db, a,
                 "INSERT INTO resources (uid, request_id, template_version_id, environment, team, entity_ref, name, requester, "
                 "parameters, state, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'provisioning', "
                 "UTC_TIMESTAMP(6) + INTERVAL ? DAY)",
                 v, 10, &r, p) < 0)
        return -1;
    *resource_id = (long long)r.insert_id;
    if ((n->request_id && request_history(db, a, *resource_id, n->request_id, p) < 0) ||
        provision_event(db, a, *resource_id, actor, "created", "provisioning queued", p) < 0)
        return -1;
    return provision_job_queue(db, a, *resource_id, t, "provision", max_attempts, n->origin, job_id, p);
}

int provision_notify(struct db *db, struct arena *a, long long user_id, const char *username, const char *team,
                     const char *kind, const char *subject, const char *link, struct problem *p)
{
    return provision_notify_except(db, a, user_id, username, team, 0, kind, subject, link, p);
}

int provision_notify_except(struct db *db, struct arena *a, long long user_id, const char *username, const char *team,
                            long long except_id, const char *kind, const char *subject, const char *link,
                            struct problem *p)
{
    /* the user; the members of the team and of the teams below it; and whoever holds a role on
     * the team without being a member (bound on it, or a member of a team bound on it): each once */
    static const char sql[] =
        "INSERT INTO notifications (user_id, kind, subject, link) "
        "SELECT u.id, ?, ?, ? FROM users u WHERE u.disabled_at IS NULL AND u.id <> ? AND (u.id = ? OR u.username = ? OR u.id IN ("
        "SELECT m.user_id FROM team_members m JOIN team_closure c ON c.descendant_id = m.team_id "
        "JOIN teams t ON t.id = c.ancestor_id WHERE t.name = ?) OR u.id IN ("
        "SELECT b.subject_id FROM role_bindings b WHERE b.subject_type = 'user' AND b.scope_type = 'team' AND b.scope_id = ?) "
        "OR u.id IN (SELECT m.user_id FROM role_bindings b JOIN team_members m ON m.team_id = b.subject_id "
        "WHERE b.subject_type = 'team' AND b.scope_type = 'team' AND b.scope_id = ?))";
    char cut[401];
    snprintf(cut, sizeof(cut), "%s", subject);
    struct db_value v[9] = { DB_TEXTV(kind), DB_TEXTV(cut), DB_TEXTV(link ? link : ""), DB_INTV(except_id), DB_INTV(user_id),
                             username ? DB_TEXTV(username) : DB_NULLV, DB_TEXTV(team ? team : ""),
                             DB_TEXTV(team ? team : ""), DB_TEXTV(team ? team : "") };
    return db_query(db, a, sql, v, 9, NULL, p);
}

const char *provision_output_path(struct arena *a, const char *team, const char *environment, const char *uid,
                                  const char *output, size_t index)
{
    const char *name = arena_printf(a, "res-%s-%s", uid, output);
    if (strlen(name) > SECRET_NAME_MAX)
        name = arena_printf(a, "res-%s-%zu", uid, index);
    return arena_printf(a, "team/%s/%s/%s", team, environment, name);
}

int provision_secret_managed(struct db *db, struct arena *a, const char *path, long long resource_id, struct problem *p)
{
    struct db_value v[2] = { DB_INTV(resource_id), DB_TEXTV(path) };
    return db_query(db, a, "UPDATE secrets SET resource_id = ? WHERE path = ?", v, 2, NULL, p);
}
