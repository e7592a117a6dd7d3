/*
 * monitor_routing: where a team's alerts go (receivers: webhooks whose URLs live in the secrets
 * store) and what holds them back (silences). Audited, every change.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "lib/crypto.h"
#include "lib/secret_path.h"
#include "lib/secrets.h"
#include "runner/drivers/outbound.h"

#define RECEIVER_COLUMNS                                                                                               \
    "c.id, c.team, c.name, c.format, c.url_shown, c.min_severity, c.created_by, " DB_RFC3339("c.created_at")        \
    " AS created_at, (SELECT COUNT(*) FROM alert_deliveries d WHERE d.receiver_id = c.id AND d.state = 'sent') AS "   \
    "sent, (SELECT COUNT(*) FROM alert_deliveries d WHERE d.receiver_id = c.id AND d.state = 'queued') AS queued, "    \
    "(SELECT COUNT(*) FROM alert_deliveries d WHERE d.receiver_id = c.id AND d.state = 'failed') AS failed, "          \
    "(SELECT d.error FROM alert_deliveries d WHERE d.receiver_id = c.id AND d.error IS NOT NULL ORDER BY d.id DESC "   \
    "LIMIT 1) AS last_error"
#define RECEIVER_TYPES "isssssssiiin"

static struct crypto_keyring *ring;   /* the master keys, loaded once per process */

static int receiver_answer(struct app_ctx *c, long long id, int status)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT " RECEIVER_COLUMNS " FROM alert_receivers c WHERE c.id = ?", &v, 1, &r,
                 &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no alert receiver %lld", id);
    json_object *rows = app_rows_json(&r, 1, RECEIVER_TYPES), *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return app_json(c, status, o);
}

/* POST /monitor/receivers */
int monitor_receiver_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *team = json_str(c->body, "team", NULL), *name = json_str(c->body, "name", NULL);
    const char *format = json_str(c->body, "format", NULL), *url = json_str(c->body, "url", NULL);
    const char *min = json_str(c->body, "min_severity", "info");
    if (!json_fields_ok(p))
        return -1;
    if (!catalog_name_ok(name))
        problem_field(p, "name", "is letters, digits and '-', '_' or '.' between them, at most 63");
    /* the URL as a webhook may go to (its addresses are checked again when sending) */
    struct driver_run d = { .cfg = c->cfg, .arena = c->arena, .step_name = "receiver" };
    char shown[300];
    if (outbound_url_check(&d, outbound_alert_places(c->cfg), url, shown, sizeof(shown)) < 0)
        problem_field(p, "url", "%s", d.error);
    if (!json_fields_ok(p) || monitor_team(c, team, "monitor.receiver.write") < 0)
        return -1;
    const struct crypto_keyring *k = secrets_keyring(c->cfg->master_key_file, &ring, false, p);
    if (!k)
        return -1;
    struct db_value v[6] = { DB_TEXTV(team), DB_TEXTV(name), DB_TEXTV(format), DB_TEXTV(shown), DB_TEXTV(min),
                             DB_TEXTV(c->who.username) };
    struct db_result r;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, "INSERT INTO alert_receivers (team, name, format, url_secret_path, url_shown, "
                                  "min_severity, created_by, created_at) VALUES (?, ?, ?, '', ?, ?, ?, UTC_TIMESTAMP(6))",
                 v, 6, &r, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        if (dup) {
            problem_init(p);
            return problem_set(p, 409, "conflict", "team %s has a receiver named %s already", team, name);
        }
        return -1;
    }
    long long id = (long long)r.insert_id;
    struct secret_path sp;
    const char *why, *path = arena_printf(c->arena, "team/%s/alert-receiver-%lld", team, id);
    int version;
    if (secret_path_parse(path, &sp, &why) < 0) {
        db_abort(c->db);
        return problem_set(p, 500, "internal", "the receiver's secret path is not one: %s", why);
    }
    struct db_value u[2] = { DB_TEXTV(sp.text), DB_INTV(id) };
    int rc = secrets_write(c->db, c->arena, k, &sp, team, url, strlen(url), 0, 1, 1, c->actor, &version, p);
    sodium_memzero((char *)url, strlen(url));
    sodium_memzero((char *)c->req.body, c->req.body_len);
    if (rc < 0 || db_query(c->db, c->arena, "UPDATE alert_receivers SET url_secret_path = ? WHERE id = ?", u, 2, NULL, p) < 0)
        return db_abort(c->db);
    json_object *details = json_object_new_object();
    json_object_object_add(details, "team", json_object_new_string(team));
    json_object_object_add(details, "name", json_object_new_string(name));
    json_object_object_add(details, "format", json_object_new_string(format));
    json_object_object_add(details, "url", json_object_new_string(shown));
    json_object_object_add(details, "secret_path", json_object_new_string(sp.text));
    if (app_audited_json(c, "monitor.receiver.create", "alert_receiver", arena_printf(c->arena, "%lld", id), details) < 0)
        return -1;
    http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/monitor/receivers/%lld", id));
    return receiver_answer(c, id, 201);
}

/* GET /monitor/receivers?team= */
int monitor_receiver_list(struct app_ctx *c)
{
    const char *team = http_query(&c->req, "team");
    if (!team)
        return problem_field(&c->problem, "team", "is required"), -1;
    if (monitor_team(c, team, "monitor.read") < 0)
        return -1;
    struct db_value v = DB_TEXTV(team);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT " RECEIVER_COLUMNS " FROM alert_receivers c WHERE c.team = ? ORDER BY c.name",
                 &v, 1, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "receivers", app_rows_json(&r, r.nrows, RECEIVER_TYPES));
    return app_json(c, 200, o);
}

/* DELETE /monitor/receivers/{id} */
int monitor_receiver_delete(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (id <= 0)
        return problem_set(p, 404, "not-found", "no alert receiver %s", app_param(c, "id"));
    if (db_begin(c->db, p) < 0 ||
        db_query(c->db, c->arena, "SELECT team, name, url_secret_path FROM alert_receivers WHERE id = ? FOR UPDATE", &v, 1,
                 &r, p) < 0)
        return db_in_transaction(c->db) ? db_abort(c->db) : -1;
    if (r.nrows == 0) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no alert receiver %lld", id);
    }
    struct authz_resource res = { db_cell(&r, 0, 0), NULL, NULL, NULL };
    struct authz_decision d;
    if (!app_may(c, "monitor.receiver.write", &res, &d)) {
        db_abort(c->db);
        return app_refuse(c, "monitor.receiver.write", &res, &d);
    }
    if (db_query(c->db, c->arena, "DELETE FROM alert_receivers WHERE id = ?", &v, 1, NULL, p) < 0 ||
        (*db_cell(&r, 0, 2) && secrets_destroy(c->db, c->arena, db_cell(&r, 0, 2), NULL, p) < 0))
        return db_abort(c->db);
    if (app_audited(c, "monitor.receiver.delete", "alert_receiver", arena_printf(c->arena, "%lld", id),
                    arena_printf(c->arena, "{\"team\":\"%s\",\"name\":\"%s\"}", db_cell(&r, 0, 0), db_cell(&r, 0, 1))) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

#define SILENCE_COLUMNS                                                                                                \
    "s.id, s.team, e.ref AS entity, s.rule_id AS rule, " DB_RFC3339("s.starts_at") " AS starts_at, "                 \
    DB_RFC3339("s.ends_at") " AS ends_at, s.comment, s.created_by, " DB_RFC3339("s.created_at") " AS created_at, "  \
    "s.starts_at <= UTC_TIMESTAMP(6) AND s.ends_at > UTC_TIMESTAMP(6) AS active"
#define SILENCE_TYPES "isnisssssb"

static int silence_answer(struct app_ctx *c, long long id, int status)
{
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT " SILENCE_COLUMNS " FROM alert_silences s LEFT JOIN entities e ON e.id = "
                                  "s.entity_id WHERE s.id = ?", &v, 1, &r, &c->problem) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no silence %lld", id);
    json_object *rows = app_rows_json(&r, 1, SILENCE_TYPES), *o = json_object_get(json_object_array_get_idx(rows, 0));
    json_object_put(rows);
    return app_json(c, status, o);
}

/* An RFC 3339 UTC time ("2026-12-03T10:00:00Z", fractions allowed) as MariaDB's DATETIME text. */
static const char *utc_time(struct app_ctx *c, const char *text)
{
    int y, mo, d, h, mi, s, n = 0;
    if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6)
        return NULL;
    const char *rest = text + n;
    if (*rest == '.')
        for (rest++; *rest >= '0' && *rest <= '9'; rest++)
            ;
    if (strcmp(rest, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
        return NULL;
    return arena_printf(c->arena, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
}

#define SILENCE_DAYS_MAX "30"   /* a silence's longest, and how far ahead it may start */

/* POST /monitor/silences */
int monitor_silence_create(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *team = json_str(c->body, "team", NULL), *entity = json_str(c->body, "entity", NULL);
    const char *starts_text = json_str(c->body, "starts_at", NULL), *ends_text = json_str(c->body, "ends_at", NULL);
    const char *comment = json_str(c->body, "comment", NULL);
    long long rule = json_num(c->body, "rule", 0), duration = json_num(c->body, "duration_seconds", 0);
    if (!json_fields_ok(p))
        return -1;
    const char *starts = starts_text ? utc_time(c, starts_text) : NULL, *ends = ends_text ? utc_time(c, ends_text) : NULL;
    if (starts_text && !starts)
        problem_field(p, "starts_at", "is an RFC 3339 time in UTC (2026-12-03T10:00:00Z)");
    if (ends_text && !ends)
        problem_field(p, "ends_at", "is an RFC 3339 time in UTC (2026-12-03T10:00:00Z)");
    if ((ends_text != NULL) == (duration != 0))
        problem_field(p, "duration_seconds", "give duration_seconds or ends_at (one of them)");
    if (!team && !entity && !rule)
        problem_field(p, "team", "give team, entity or rule: what the silence holds back");
    if (!json_fields_ok(p))
        return -1;
    long long entity_id = 0;
    const char *owner = NULL;
    if (rule) {
        struct db_value rv = DB_INTV(rule);
        struct db_result r;
        if (db_query(c->db, c->arena, "SELECT COALESCE(e.owner_team, a.team), e.ref, a.entity_id FROM alert_rules a JOIN entities e ON e.id = "
                                      "a.entity_id WHERE a.id = ?", &rv, 1, &r, p) < 0)
            return -1;
        if (r.nrows == 0)
            return problem_set(p, 404, "not-found", "no alert rule %lld", rule);
        struct catalog_ref ref;
        if (monitor_entity(c, "rule", db_cell(&r, 0, 1), "monitor.alert.write", &entity_id, &owner, &ref) < 0)
            return -1;
        owner = db_cell(&r, 0, 0);   /* the rule's team (its entity's owner): whom it notifies */
        entity_id = entity ? entity_id : 0;
    }
    if (entity) {
        struct catalog_ref ref;
        const char *eteam;
        if (monitor_entity(c, "entity", entity, "monitor.alert.write", &entity_id, &eteam, &ref) < 0)
            return -1;
        if (!owner)
            owner = eteam;
    }
    if (!owner)
        owner = team;
    if (team && strcmp(team, owner) != 0)
        return problem_field(p, "team", "is %s's: the team its %s notifies", owner, rule ? "rule" : "entity"), -1;
    if (monitor_team(c, owner, "monitor.alert.write") < 0)
        return -1;
    struct db_value v[9] = { DB_TEXTV(owner), entity_id ? DB_INTV(entity_id) : DB_NULLV, rule ? DB_INTV(rule) : DB_NULLV,
                             DB_OPTV(starts), DB_OPTV(ends), DB_OPTV(starts), DB_INTV(duration), DB_TEXTV(comment),
                             DB_TEXTV(c->who.username) };
    struct db_result r;
    if (db_begin(c->db, p) < 0 ||
        db_query(c->db, c->arena, "INSERT INTO alert_silences (team, entity_id, rule_id, starts_at, ends_at, comment, "
                                  "created_by, created_at) VALUES (?, ?, ?, COALESCE(?, UTC_TIMESTAMP(6)), COALESCE(?, "
                                  "COALESCE(?, UTC_TIMESTAMP(6)) + INTERVAL ? SECOND), ?, ?, UTC_TIMESTAMP(6))", v, 9, &r,
                 p) < 0)
        return db_in_transaction(c->db) ? db_abort(c->db) : -1;
    long long id = (long long)r.insert_id;
    struct db_value iv = DB_INTV(id);
    struct db_result chk;
    if (db_query(c->db, c->arena, "SELECT ends_at > starts_at, ends_at <= starts_at + INTERVAL " SILENCE_DAYS_MAX
                                  " DAY, starts_at <= UTC_TIMESTAMP(6) + INTERVAL " SILENCE_DAYS_MAX " DAY FROM "
                                  "alert_silences WHERE id = ?", &iv, 1, &chk, p) < 0)
        return db_abort(c->db);
    const char *bad = chk.nrows == 0 || atoi(db_cell(&chk, 0, 0)) == 0 ? "is after starts_at"
                      : atoi(db_cell(&chk, 0, 1)) == 0                 ? "is at most " SILENCE_DAYS_MAX " days after starts_at"
                      : atoi(db_cell(&chk, 0, 2)) == 0                 ? NULL : "";
    if (!bad || *bad) {
        db_abort(c->db);
        if (!bad)
            return problem_field(p, "starts_at", "is at most " SILENCE_DAYS_MAX " days from now"), -1;
        return problem_field(p, ends_text ? "ends_at" : "duration_seconds", "%s", bad), -1;
    }
    json_object *d = json_object_new_object();
    json_object_object_add(d, "team", json_object_new_string(owner));
    if (entity)
        json_object_object_add(d, "entity", json_object_new_string(entity));
    if (rule)
        json_object_object_add(d, "rule", json_object_new_int64(rule));
    json_object_object_add(d, "comment", json_object_new_string(comment));
    if (app_audited_json(c, "monitor.silence.create", "alert_silence", arena_printf(c->arena, "%lld", id), d) < 0)
        return -1;
    http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/monitor/silences/%lld", id));
    return silence_answer(c, id, 201);
}

/* GET /monitor/silences?team=&all= */
int monitor_silence_list(struct app_ctx *c)
{
    const char *team = http_query(&c->req, "team"), *all = http_query(&c->req, "all");
    if (!team)
        return problem_field(&c->problem, "team", "is required"), -1;
    if (monitor_team(c, team, "monitor.read") < 0)
        return -1;
    struct db_value v[2] = { DB_TEXTV(team), DB_INTV(all && strcmp(all, "true") == 0) };
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT " SILENCE_COLUMNS " FROM alert_silences s LEFT JOIN entities e ON e.id = "
                                  "s.entity_id WHERE s.team = ? AND (? OR s.ends_at > UTC_TIMESTAMP(6)) ORDER BY s.ends_at "
                                  "DESC LIMIT 200", v, 2, &r, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "silences", app_rows_json(&r, r.nrows, SILENCE_TYPES));
    return app_json(c, 200, o);
}

/* DELETE /monitor/silences/{id}: it ends now */
int monitor_silence_expire(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    long long id = app_path_id(c, "id");
    struct db_value v = DB_INTV(id);
    struct db_result r;
    if (id <= 0)
        return problem_set(p, 404, "not-found", "no silence %s", app_param(c, "id"));
    if (db_begin(c->db, p) < 0 ||
        db_query(c->db, c->arena, "SELECT team FROM alert_silences WHERE id = ? FOR UPDATE", &v, 1, &r, p) < 0)
        return db_in_transaction(c->db) ? db_abort(c->db) : -1;
    if (r.nrows == 0) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no silence %lld", id);
    }
    struct authz_resource res = { db_cell(&r, 0, 0), NULL, NULL, NULL };
    struct authz_decision d;
    if (!app_may(c, "monitor.alert.write", &res, &d)) {
        db_abort(c->db);
        return app_refuse(c, "monitor.alert.write", &res, &d);
    }
    if (db_query(c->db, c->arena, "UPDATE alert_silences SET ends_at = LEAST(ends_at, GREATEST(starts_at, "
                                  "UTC_TIMESTAMP(6))) WHERE id = ?", &v, 1, NULL, p) < 0)
        return db_abort(c->db);
    if (app_audited(c, "monitor.silence.expire", "alert_silence", arena_printf(c->arena, "%lld", id), NULL) < 0)
        return -1;
    return silence_answer(c, id, 200);
}
