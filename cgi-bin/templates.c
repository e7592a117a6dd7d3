/*
 * templates.fcgi: provisioning templates and their versions (docs/provisioning.md, "Templates").
 *
 * A template is XML (lib/template: schema, checks, the security scan). Versions move draft ->
 * published -> deprecated; a draft is replaced or deleted at will, a published version's XML
 * never changes, and publishing takes a scan that finds nothing. Templates form one gallery for
 * the whole platform: reading needs templates.template.read anywhere; writing and publishing
 * need their permission on the template's owner team; trust is an administrator's. Every change
 * is audited in its own transaction. This file does not render or run templates (provision.c
 * and the runner do).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/app.h"
#include "lib/audit.h"
#include "lib/authz.h"
#include "lib/json.h"
#include "lib/template.h"
#include "lib/template_examples.h"
#include "lib/textdiff.h"
#include "templates.h"

#define TAGS_MAX 2000        /* template_versions.tags */

/* ---- small helpers ---------------------------------------------------------------------------- */


#define version_order template_version_order

static const char *now_rfc3339(struct arena *a)
{
    time_t now = time(NULL);
    struct tm tm;
    char buf[32];
    gmtime_r(&now, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return arena_strdup(a, buf);
}

/* The scan of t as strings "rule: where: what" (the stored form and the API's). */
static json_object *scan_run(const struct template *t, bool trusted)
{
    json_object *report = json_object_new_array(), *lines = json_object_new_array();
    template_scan(t, trusted, report);
    for (size_t i = 0; i < json_object_array_length(report); i++) {
        json_object *f = json_object_array_get_idx(report, i), *rule, *where, *msg;
        json_object_object_get_ex(f, "rule", &rule);
        json_object_object_get_ex(f, "where", &where);
        json_object_object_get_ex(f, "message", &msg);
        char line[512];
        snprintf(line, sizeof(line), "%s: %s: %s", json_object_get_string(rule), json_object_get_string(where),
                 json_object_get_string(msg));
        json_object_array_add(lines, json_object_new_string(line));
    }
    json_object_put(report);
    return lines;
}

/* {"findings": [...], "scanned_at": "..."}: stored in template_versions.scan and answered. */
static json_object *scan_doc(struct arena *a, json_object *findings)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "findings", json_object_get(findings));
    json_object_object_add(o, "scanned_at", json_object_new_string(now_rfc3339(a)));
    return o;
}

static const char *json_text(struct arena *a, json_object *o)
{
    return arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static const char *target_of(struct app_ctx *c, const char *name, const char *version)
{
    return arena_printf(c->arena, "%s@%s", name, version);
}

/* ---- the template as JSON --------------------------------------------------------------------- */

/* ---- the XML body ----------------------------------------------------------------------------- */

static bool content_type_is_xml(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, "; \t");
    return (n == 15 && strncasecmp(ct, "application/xml", n) == 0) || (n == 8 && strncasecmp(ct, "text/xml", n) == 0);
}

/* The request's template: 415 unless XML, 413 past TEMPLATE_XML_MAX, 400 for bytes that are not
 * UTF-8 text (the columns are utf8mb4; other encodings are refused rather than converted), then
 * template_parse's 400 and 422. */
static int xml_body(struct app_ctx *c, struct template **t)
{
    struct problem *p = &c->problem;
    *t = NULL;
    if (!content_type_is_xml(c->req.content_type))
        return problem_set(p, 415, "unsupported-media-type", "send the template as application/xml");
    if (http_body_read(&c->req, TEMPLATE_XML_MAX, true, p) < 0)
        return -1;
    if (strlen(c->req.body) != c->req.body_len ||
        strcmp(http_utf8_clamp(c->arena, c->req.body, c->req.body_len), c->req.body) != 0)
        return problem_set(p, 400, "malformed-xml", "a template is UTF-8 text with no NUL byte");
    /* struct template is large: the arena, not the stack */
    if (!(*t = arena_calloc(c->arena, 1, sizeof(**t))))
        return problem_set(p, 500, "internal", "out of memory");
    return template_parse(c->req.body, c->req.body_len, c->arena, *t, p);
}

static const char *tags_text(struct arena *a, const struct template *t)
{
    const char *s = "";
    for (size_t i = 0; i < t->ntags; i++)
        s = arena_printf(a, "%s%s%s", s, i ? " " : "", t->tags[i]);
    return s;
}

/* ---- create and replace a draft --------------------------------------------------------------- */

static const char sql_template_get[] = "SELECT id, owner_team FROM templates WHERE name = ?";
static const char sql_template_lock[] = "SELECT id, owner_team FROM templates WHERE name = ? FOR UPDATE";
static const char sql_template_add[] =
    "INSERT INTO templates (name, owner_team, created_by) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id";
static const char sql_version_lock[] = "SELECT id, state FROM template_versions WHERE template_id = ? AND version = ? FOR UPDATE";
static const char sql_version_add[] =
    "INSERT INTO template_versions (template_id, version, version_order, title, description, tags, xml, scan, created_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_version_replace[] =
    "UPDATE template_versions SET title = ?, description = ?, tags = ?, xml = ?, scan = ?, updated_at = UTC_TIMESTAMP(6) "
    "WHERE id = ?";

/* POST /templates and PUT /templates/{name}/versions/{version}: the XML as a draft. */
static int version_store(struct app_ctx *c, bool put)
{
    struct problem *p = &c->problem;
    struct template *t = NULL;
    if (xml_body(c, &t) < 0)
        return -1;
    if (put) {
        if (strcmp(t->name, app_param(c, "name")) != 0)
            problem_field(p, "name", "the XML names %s, the path %s", t->name, app_param(c, "name"));
        if (strcmp(t->version, app_param(c, "version")) != 0)
            problem_field(p, "version", "the XML is version %s, the path %s", t->version, app_param(c, "version"));
        if (!json_fields_ok(p))
            return -1;
    }
    const char *tags = tags_text(c->arena, t);
    if (strlen(tags) > TAGS_MAX)
        problem_field(p, "tags", "all tags together are at most %d characters", TAGS_MAX);
    if (!json_fields_ok(p))
        return -1;
    struct db_value name = DB_TEXTV(t->name);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_template_get, &name, 1, &r, p) < 0)
        return -1;
    if (put && r.nrows == 0)
        return problem_set(p, 404, "not-found", "no template %s", t->name);
    const char *team = r.nrows ? db_cell(&r, 0, 1) : t->owner_team;
    struct authz_decision d;
    if (!app_may(c, "templates.template.write", TEMPLATE_RESOURCE(team), &d))
        return app_refuse(c, "templates.template.write", TEMPLATE_RESOURCE(team), &d);
    if (r.nrows && strcmp(team, t->owner_team) != 0) {
        problem_field(p, "owner", "%s belongs to team %s; an administrator changes a template's owner, not its XML", t->name, team);
        return -1;
    }
    if (r.nrows == 0) {
        struct db_value v = DB_TEXTV(t->owner_team);
        if (db_query(c->db, c->arena, "SELECT 1 FROM teams WHERE name = ?", &v, 1, &r, p) < 0)
            return -1;
        if (r.nrows == 0) {
            problem_field(p, "owner", "there is no team %s", t->owner_team);
            return -1;
        }
    }

    if (db_begin(c->db, p) < 0)
        return -1;
    struct db_value add[] = { name, DB_TEXTV(t->owner_team), DB_TEXTV(c->who.username) };
    if (db_query(c->db, c->arena, sql_template_add, add, 3, &r, p) < 0)
        return db_abort(c->db);
    bool created_template = r.affected == 1;
    if (db_query(c->db, c->arena, sql_template_lock, &name, 1, &r, p) < 0)
        return db_abort(c->db);
    if (r.nrows != 1) {   /* deleted between the two statements: cannot happen today, say so if it does */
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "%s changed meanwhile: try again", t->name);
    }
    if (strcmp(db_cell(&r, 0, 1), t->owner_team) != 0) {   /* made by someone else meanwhile */
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "%s was just created for team %s", t->name, db_cell(&r, 0, 1));
    }
    long long tid = atoll(db_cell(&r, 0, 0));
    /* Trust covers the XML an administrator saw: it is a hash of one version's XML, so new XML
     * (another version, or this draft replaced) is not trusted until trust is given to it. */
    json_object *findings = scan_run(t, false), *scan = scan_doc(c->arena, findings);
    const char *scan_text = json_text(c->arena, scan);
    struct db_value lock[] = { DB_INTV(tid), DB_TEXTV(t->version) };
    if (db_query(c->db, c->arena, sql_version_lock, lock, 2, &r, p) < 0)
        goto fail;
    if (r.nrows && strcmp(db_cell(&r, 0, 1), "draft") != 0) {
        problem_set(p, 409, "not-a-draft", "%s %s is %s: its XML never changes; make a new version", t->name, t->version,
                    db_cell(&r, 0, 1));
        goto fail;
    }
    if (put && r.nrows == 0) {
        problem_set(p, 404, "not-found", "no version %s of %s (POST /api/v1/templates creates one)", t->version, t->name);
        goto fail;
    }
    bool replaced = r.nrows == 1;
    struct db_value body = DB_BLOBV(c->req.body, c->req.body_len);
    if (replaced) {
        struct db_value v[] = { DB_TEXTV(t->title), DB_TEXTV(t->description ? t->description : ""), DB_TEXTV(tags), body,
                                DB_TEXTV(scan_text), DB_INTV(atoll(db_cell(&r, 0, 0))) };
        if (db_query(c->db, c->arena, sql_version_replace, v, 6, NULL, p) < 0)
            goto fail;
    } else {
        struct db_value v[] = { DB_INTV(tid), DB_TEXTV(t->version), DB_INTV(version_order(t->version)), DB_TEXTV(t->title),
                                DB_TEXTV(t->description ? t->description : ""), DB_TEXTV(tags), body, DB_TEXTV(scan_text),
                                DB_TEXTV(c->who.username) };
        if (db_query(c->db, c->arena, sql_version_add, v, 9, NULL, p) < 0)
            goto fail;
    }
    json_object *details = json_object_new_object();
    json_object_object_add(details, "owner_team", json_object_new_string(t->owner_team));
    json_object_object_add(details, "new_template", json_object_new_boolean(created_template));
    json_object_object_add(details, "findings", json_object_new_int((int)json_object_array_length(findings)));
    if (app_audited_json(c, replaced ? "templates.update" : "templates.create", "template",
                         target_of(c, t->name, t->version), details) < 0)
        goto out;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(t->name));
    json_object_object_add(o, "version", json_object_new_string(t->version));
    json_object_object_add(o, "state", json_object_new_string("draft"));
    json_object_object_add(o, "scan", scan);
    json_object_put(findings);
    return app_json(c, replaced ? 200 : 201, o);
fail:
    db_abort(c->db);
out:
    json_object_put(findings);
    json_object_put(scan);
    return -1;
}

static int template_create(struct app_ctx *c)
{
    return version_store(c, false);
}

static int version_replace(struct app_ctx *c)
{
    return version_store(c, true);
}

/* ---- one version ------------------------------------------------------------------------------ */

struct tversion {
    long long tid, vid;
    const char *name, *owner_team, *version, *state, *xml, *scan;
    bool trusted;
    struct db_result r;            /* the whole row, for the answer */
};

/* version NULL: the newest published one ("latest") */
static const char sql_version_get[] =
    "SELECT t.id, t.owner_team, " VERSION_TRUSTED("v") ", v.id, v.version, v.state, v.xml, v.scan, t.name, "
    "       " DB_RFC3339("v.created_at") ", v.created_by, " DB_RFC3339("v.updated_at") ", " DB_RFC3339("v.published_at") ", v.published_by, "
    "       " DB_RFC3339("v.deprecated_at") " "
    "FROM templates t JOIN template_versions v ON v.template_id = t.id "
    "WHERE t.name = ? AND ((? IS NULL AND v.state = 'published') OR v.version = ?) "
    "ORDER BY v.version_order DESC LIMIT 1";
static const char sql_version_get_lock[] =
    "SELECT t.id, t.owner_team, " VERSION_TRUSTED("v") ", v.id, v.version, v.state, v.xml, v.scan, t.name "
    "FROM templates t JOIN template_versions v ON v.template_id = t.id "
    "WHERE t.name = ? AND v.version = ? FOR UPDATE";

/* The version the path names (param: the path parameter; "latest" when allow_latest), with the
 * caller's permission checked on its owner team (read is checked by the route: anywhere). With
 * lock, inside an open transaction, the rows are locked until it ends. */
static int version_load(struct app_ctx *c, const char *param, const char *permission, bool allow_latest, bool lock,
                        struct tversion *tv)
{
    struct problem *p = &c->problem;
    const char *name = app_param(c, "name"), *version = app_param(c, param);
    bool latest = allow_latest && strcmp(version, "latest") == 0;
    if (!latest && version_order(version) < 0)
        return problem_set(p, 404, "not-found", "no version %s of %s (a version is x.y.z%s)", version, name,
                           allow_latest ? " or latest" : "");
    struct db_value v[] = { DB_TEXTV(name), latest ? DB_NULLV : (struct db_value)DB_TEXTV(version),
                            latest ? DB_NULLV : (struct db_value)DB_TEXTV(version) };
    if (lock) {
        v[1] = v[2];
        if (db_query(c->db, c->arena, sql_version_get_lock, v, 2, &tv->r, p) < 0)
            return -1;
    } else if (db_query(c->db, c->arena, sql_version_get, v, 3, &tv->r, p) < 0) {
        return -1;
    }
    if (tv->r.nrows == 0)
        return problem_set(p, 404, "not-found", latest ? "%s has no published version" : "no version %s of %s",
                           latest ? name : version, name);
    const struct db_result *r = &tv->r;
    tv->tid = atoll(db_cell(r, 0, 0));
    tv->owner_team = db_cell(r, 0, 1);
    tv->trusted = strcmp(db_cell(r, 0, 2), "0") != 0;
    tv->vid = atoll(db_cell(r, 0, 3));
    tv->version = db_cell(r, 0, 4);
    tv->state = db_cell(r, 0, 5);
    tv->xml = db_cell(r, 0, 6);
    tv->scan = db_cell(r, 0, 7);
    tv->name = db_cell(r, 0, 8);
    struct authz_decision d;
    if (strcmp(permission, "templates.template.read") != 0 && !app_may(c, permission, TEMPLATE_RESOURCE(tv->owner_team), &d))
        return app_refuse(c, permission, TEMPLATE_RESOURCE(tv->owner_team), &d);
    return 0;
}

/* The stored XML parsed again (it passed when stored: a failure here is the server's). */
static struct template *version_parse(struct app_ctx *c, const struct tversion *tv)
{
    struct template *t = arena_calloc(c->arena, 1, sizeof(*t));
    if (!t) {
        problem_set(&c->problem, 500, "internal", "out of memory");
        return NULL;
    }
    if (template_parse(tv->xml, strlen(tv->xml), c->arena, t, &c->problem) < 0) {
        problem_internal(&c->problem, "stored template %s %s does not parse: %s", tv->name, tv->version, c->problem.detail);
        problem_set(&c->problem, 500, "internal", "the stored template cannot be read");
        c->problem.nfields = 0;
        return NULL;
    }
    return t;
}

/* GET /templates/{name}/versions/{version} */
static int version_get(struct app_ctx *c)
{
    struct tversion tv;
    if (version_load(c, "version", "templates.template.read", true, false, &tv) < 0)
        return -1;
    struct template *t = version_parse(c, &tv);
    if (!t)
        return -1;
    static const char *const times[] = { "created_at", "created_by", "updated_at", "published_at", "published_by",
                                          "deprecated_at" };
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(tv.name));
    json_object_object_add(o, "version", json_object_new_string(tv.version));
    json_object_object_add(o, "state", json_object_new_string(tv.state));
    for (size_t i = 0; i < 6; i++)
        json_object_object_add(o, times[i], json_string_or_null(db_cell(&tv.r, 0, 9 + i)));
    json_object_object_add(o, "xml", json_object_new_string(tv.xml));
    json_object_object_add(o, "scan", tv.scan ? json_tokener_parse(tv.scan) : NULL);
    json_object_object_add(o, "template", templates_json(c->arena, t));
    return app_json(c, 200, o);
}

/* DELETE /templates/{name}/versions/{version}: a draft only. The template stays (its owner and
 * trust), with no version. */
static int version_delete(struct app_ctx *c)
{
    struct tversion tv;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (version_load(c, "version", "templates.template.write", false, true, &tv) < 0)
        return db_abort(c->db);
    if (strcmp(tv.state, "draft") != 0) {
        db_abort(c->db);
        return problem_set(&c->problem, 409, "not-a-draft", "%s %s is %s: only a draft is deleted (deprecate it instead)",
                           tv.name, tv.version, tv.state);
    }
    struct db_value v = DB_INTV(tv.vid);
    if (db_query(c->db, c->arena, "DELETE FROM template_versions WHERE id = ?", &v, 1, NULL, &c->problem) < 0)
        return db_abort(c->db);
    if (app_audited_json(c, "templates.delete", "template", target_of(c, tv.name, tv.version), NULL) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

/* ---- scan, publish, deprecate ----------------------------------------------------------------- */

static const char sql_scan_store[] = "UPDATE template_versions SET scan = ? WHERE id = ?";

/* The scan of a locked version, stored. *findings: the lines (caller puts). */
static int scan_store(struct app_ctx *c, const struct tversion *tv, json_object **findings)
{
    struct template *t = version_parse(c, tv);
    if (!t)
        return -1;
    *findings = scan_run(t, tv->trusted);
    json_object *scan = scan_doc(c->arena, *findings);
    struct db_value v[] = { DB_TEXTV(json_text(c->arena, scan)), DB_INTV(tv->vid) };
    json_object_put(scan);
    if (db_query(c->db, c->arena, sql_scan_store, v, 2, NULL, &c->problem) < 0) {
        json_object_put(*findings);
        *findings = NULL;
        return -1;
    }
    return 0;
}

static json_object *count_details(json_object *findings)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "findings", json_object_new_int((int)json_object_array_length(findings)));
    return d;
}

/* POST /templates/{name}/versions/{version}/scan */
static int version_scan(struct app_ctx *c)
{
    struct tversion tv;
    json_object *findings;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (version_load(c, "version", "templates.template.write", false, true, &tv) < 0 || scan_store(c, &tv, &findings) < 0)
        return db_abort(c->db);
    if (app_audited_json(c, "templates.scan", "template", target_of(c, tv.name, tv.version),
                         count_details(findings)) < 0) {
        json_object_put(findings);
        return -1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "passed", json_object_new_boolean(json_object_array_length(findings) == 0));
    json_object_object_add(o, "findings", findings);
    return app_json(c, 200, o);
}

/* 422 scan-failed: a problem document with the findings as a member of its own. */
static int scan_failed(struct app_ctx *c, const struct tversion *tv, json_object *findings)
{
    struct problem sp;
    problem_init(&sp);
    problem_set(&sp, 422, "scan-failed", "%s %s was not published: the scan found %zu problem(s)", tv->name, tv->version,
                json_object_array_length(findings));
    sp.title = "The template's security scan failed";
    json_object *doc = problem_to_json(&sp, c->request_id);
    json_object_object_add(doc, "findings", findings);
    if (app_json(c, 422, doc) < 0)
        return -1;
    c->res.content_type = "application/problem+json";
    return 0;
}

/* POST /templates/{name}/versions/{version}/publish: scan, then publish; a failed scan is stored
 * (and audited as a scan) and nothing is published. */
static int version_publish(struct app_ctx *c)
{
    struct tversion tv;
    json_object *findings;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (version_load(c, "version", "templates.template.publish", false, true, &tv) < 0)
        return db_abort(c->db);
    if (strcmp(tv.state, "draft") != 0) {
        db_abort(c->db);
        return problem_set(&c->problem, 409, "not-a-draft", "%s %s is %s already", tv.name, tv.version, tv.state);
    }
    if (scan_store(c, &tv, &findings) < 0)
        return db_abort(c->db);
    const char *target = target_of(c, tv.name, tv.version);
    if (json_object_array_length(findings) > 0) {
        if (app_audited_json(c, "templates.scan", "template", target, count_details(findings)) < 0) {
            json_object_put(findings);
            return -1;
        }
        return scan_failed(c, &tv, findings);
    }
    json_object_put(findings);
    struct db_value v[] = { DB_TEXTV(c->who.username), DB_INTV(tv.vid) };
    if (db_query(c->db, c->arena, "UPDATE template_versions SET state = 'published', published_at = UTC_TIMESTAMP(6), "
                                  "published_by = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?", v, 2, NULL, &c->problem) < 0)
        return db_abort(c->db);
    if (app_audited_json(c, "templates.publish", "template", target, NULL) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(tv.name));
    json_object_object_add(o, "version", json_object_new_string(tv.version));
    json_object_object_add(o, "state", json_object_new_string("published"));
    return app_json(c, 200, o);
}

/* POST /templates/{name}/versions/{version}/deprecate */
static int version_deprecate(struct app_ctx *c)
{
    struct tversion tv;
    if (db_begin(c->db, &c->problem) < 0)
        return -1;
    if (version_load(c, "version", "templates.template.publish", false, true, &tv) < 0)
        return db_abort(c->db);
    if (strcmp(tv.state, "published") != 0) {
        db_abort(c->db);
        return problem_set(&c->problem, 409, "not-published", "%s %s is %s: only a published version is deprecated",
                           tv.name, tv.version, tv.state);
    }
    struct db_value v = DB_INTV(tv.vid);
    if (db_query(c->db, c->arena, "UPDATE template_versions SET state = 'deprecated', deprecated_at = UTC_TIMESTAMP(6), "
                                  "updated_at = UTC_TIMESTAMP(6) WHERE id = ?", &v, 1, NULL, &c->problem) < 0)
        return db_abort(c->db);
    if (app_audited_json(c, "templates.deprecate", "template", target_of(c, tv.name, tv.version), NULL) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(tv.name));
    json_object_object_add(o, "version", json_object_new_string(tv.version));
    json_object_object_add(o, "state", json_object_new_string("deprecated"));
    return app_json(c, 200, o);
}

/* ---- the template, trust ---------------------------------------------------------------------- */

/* GET /templates/{name} */
static int template_get(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct db_value name = DB_TEXTV(app_param(c, "name"));
    struct db_result r;
    if (db_query(c->db, c->arena, "SELECT t.id, t.name, t.owner_team, " TEMPLATE_TRUSTED("t") ", " DB_RFC3339("t.created_at")
                                  ", t.created_by FROM templates t WHERE t.name = ?", &name, 1, &r, p) < 0)
        return -1;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", "no template %s", app_param(c, "name"));
    struct db_value id = DB_INTV(atoll(db_cell(&r, 0, 0)));
    struct db_result vr;
    if (db_query(c->db, c->arena, "SELECT version, state, title, " DB_RFC3339("created_at") " AS created_at, created_by, "
                                  DB_RFC3339("published_at") " AS published_at, " DB_RFC3339("deprecated_at") " AS deprecated_at, "
                                  VERSION_TRUSTED("template_versions") " AS trusted "
                                  "FROM template_versions WHERE template_id = ? ORDER BY version_order DESC",
                 &id, 1, &vr, p) < 0)
        return -1;
    static const char *const names[] = { "name", "owner_team", "trusted", "created_at", "created_by" };
    json_object *out = json_object_new_object();
    for (size_t i = 0; i < 5; i++) {
        const char *cell = db_cell(&r, 0, i + 1);
        json_object_object_add(out, names[i], i == 2 ? json_object_new_boolean(strcmp(cell, "0") != 0) : json_string_or_null(cell));
    }
    json_object_object_add(out, "versions", app_rows_json(&vr, vr.nrows, "sssssnnb"));
    return app_json(c, 200, out);
}

/* PUT /templates/{name}/trust: {"trusted": bool, "version": "x.y.z"}. Trust lets that version's
 * exec steps run a shell: it is the hash of the version's XML now, so other versions and later
 * XML are not covered; it applies to the next scan (a version already published stays as it is). */
static int template_trust(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    bool trusted = json_flag(c->body, "trusted", false);
    const char *version = json_str(c->body, "version", NULL);
    if (version && version_order(version) < 0)
        problem_field(p, "version", "is a version x.y.z");
    if (!json_fields_ok(p))
        return -1;
    const char *name = app_param(c, "name");
    struct db_value k[] = { DB_TEXTV(name), DB_TEXTV(version) };
    struct db_result r;
    if (db_begin(c->db, p) < 0 ||
        db_query(c->db, c->arena, "SELECT v.id, " VERSION_TRUSTED("v") ", SHA2(v.xml, 256) FROM templates t "
                                  "JOIN template_versions v ON v.template_id = t.id WHERE t.name = ? AND v.version = ? "
                                  "FOR UPDATE", k, 2, &r, p) < 0)
        return db_abort(c->db);
    if (r.nrows == 0) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no version %s of template %s", version, name);
    }
    const char *sha = db_cell(&r, 0, 2);
    struct db_value v[] = { trusted ? (struct db_value)DB_TEXTV(sha) : DB_NULLV,
                            trusted ? (struct db_value)DB_TEXTV(c->who.username) : DB_NULLV, DB_INTV(trusted),
                            DB_INTV(atoll(db_cell(&r, 0, 0))) };
    if (db_query(c->db, c->arena, "UPDATE template_versions SET trusted_sha256 = ?, trusted_by = ?, "
                                  "trusted_at = IF(?, UTC_TIMESTAMP(), NULL) WHERE id = ?", v, 4, NULL, p) < 0)
        return db_abort(c->db);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "trusted", json_object_new_boolean(trusted));
    json_object_object_add(d, "was", json_object_new_boolean(strcmp(db_cell(&r, 0, 1), "0") != 0));
    json_object_object_add(d, "sha256", json_object_new_string(sha));
    if (app_audited_json(c, "templates.trust", "template", target_of(c, name, version), d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "version", json_object_new_string(version));
    json_object_object_add(o, "trusted", json_object_new_boolean(trusted));
    json_object_object_add(o, "sha256", json_object_new_string(sha));
    return app_json(c, 200, o);
}

/* GET /templates/{name}/versions/{a}/diff/{b} */
static int version_diff(struct app_ctx *c)
{
    struct tversion va, vb;
    struct template *ta, *tb;
    if (version_load(c, "a", "templates.template.read", true, false, &va) < 0 ||
        version_load(c, "b", "templates.template.read", true, false, &vb) < 0 || !(ta = version_parse(c, &va)) ||
        !(tb = version_parse(c, &vb)))
        return -1;
    const char *text = textdiff_unified(c->arena, target_of(c, va.name, va.version), va.xml,
                                        target_of(c, vb.name, vb.version), vb.xml);
    if (!text)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object *diff = json_object_new_string(text);
    json_object *changes = templates_changes(c->arena, ta, tb);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "from", json_object_new_string(va.version));
    json_object_object_add(o, "to", json_object_new_string(vb.version));
    json_object_object_add(o, "diff", diff);
    json_object_object_add(o, "changes", changes);
    return app_json(c, 200, o);
}

/* ---- the route table -------------------------------------------------------------------------- */

#define V "/api/v1/templates/{name}/versions/{version}"

static const struct route templates_routes[] = {
    { "GET", "/api/v1/templates", "templates.template.read", templates_list, 0,
      "The template gallery",
      "One row per template with a published version, by name (trusted: its newest published version is trusted): "
      "{templates: [{name, owner_team, trusted, latest: "
      "{version, state, title, description, tags[]}, versions}], next_cursor}; versions counts every version. q: words "
      "(at most 8) that must all appear in the name, title, description or tags; tag: one tag, exactly; include=drafts "
      "also lists templates with no published version (their newest draft in latest); limit 1..200 (50), cursor from "
      "next_cursor.",
      "limit:int(1..200,50) cursor:cursor q:string(200) tag:string(63) include:enum(drafts)",
      NULL, "200 templates:[{name:string owner_team:string trusted:bool latest?:{version:string state:string "
        "title:string description:string tags:[string]} versions:int}] next_cursor?:string" },
    { "POST", "/api/v1/templates", "templates.template.write", template_create, 0,
      "Create a draft from XML",
      "Body: the template XML (Content-Type: application/xml, at most 256 KiB; 415, 413 otherwise). A new name creates "
      "the template, owned by <owner team=...> (the caller needs templates.template.write on that team). The version is "
      "stored as a draft and scanned: 201 {name, version, state: \"draft\", scan: {findings, scanned_at}}; a draft of the "
      "same version is replaced (200). 400 malformed-xml with the line and column (a DOCTYPE or entity is refused), "
      "422 schema errors by element path, 422 owner when the XML names another team than the template's, 409 when "
      "that version is published or deprecated.", NULL,
      "application/xml", "200|201 VersionState" },
    { "POST", "/api/v1/templates/examples", "templates.template.publish", templates_examples_install, 0,
      "Install the example templates",
      "The stock set Portico ships (share/templates/: a MariaDB database, a git repository, an API token made by an "
      "exec step, a webhook, a noop trial), published for the team platform: needs templates.template.publish on "
      "that team (409 no-platform-team when it does not exist, unless an administrator asks: then it is made). "
      "A version already there, in any state, is left as it is, and so is a template of that name another team owns: "
      "{team, team_created, installed, templates: [{name, version, outcome: installed|present|kept}]}, 201 when "
      "something was installed, 200 when nothing was. Every change audited.", NULL,
      NULL, "200|201 team:string team_created:bool installed:int templates:[{name:string version:string "
        "outcome:string}]" },
    { "GET", "/api/v1/templates/{name}", "templates.template.read", template_get, 0,
      "A template and its versions",
      "{name, owner_team, trusted, created_at, created_by, versions: [{version, state, title, created_at, created_by, "
      "published_at, deprecated_at, trusted}]}, newest version first. A version's trusted: an administrator trusted "
      "its XML as it is now; the template's trusted: its newest published version is trusted.", NULL,
      NULL, "200 name:string owner_team:string trusted:bool created_at:string created_by:string "
        "versions:[{version:string state:string title:string created_at:string created_by:string "
        "published_at?:string deprecated_at?:string trusted:bool}]" },
    { "PUT", "/api/v1/templates/{name}/trust", "templates.template.trust", template_trust, ROUTE_BODY_JSON,
      "Trust a template (administrators)",
      "{\"trusted\": true|false, \"version\": \"x.y.z\"} (version required: 422 otherwise; 404 when there is no such "
      "version). Trust is given to that version's XML as it is now (its SHA-256 is stored): its exec steps may run a "
      "shell; other versions, and the draft's XML once replaced, are not trusted until trust is given to them. The "
      "scan of the next publish (or scan) of that version applies it, and the runner checks it again. Answer {name, "
      "version, trusted, sha256}. Audited with the hash, target <name>@<version>.", NULL,
      "trusted:bool version:string(1..32)", "200 name:string version:string trusted:bool sha256:string" },
    { "GET", V, "templates.template.read", version_get, 0,
      "A version, parsed",
      "version: x.y.z, or latest (the newest published). {name, version, state, created_at, created_by, updated_at, "
      "published_at, published_by, deprecated_at, xml, scan: {findings, scanned_at}, template: {title, description, "
      "owner_team, tags, parameters, policy, steps, outputs, deprovision}}.", NULL,
      NULL, "200 name:string version:string state:string created_at:string created_by:string updated_at:string "
        "published_at?:string published_by?:string deprecated_at?:string xml:string scan?:Scan template:object" },
    { "PUT", V, "templates.template.write", version_replace, 0,
      "Replace a draft's XML",
      "Body: the template XML (application/xml), whose name and version match the path (else 422). 409 when the version "
      "is not a draft: a published version never changes. Scanned again: {name, version, state, scan}.", NULL,
      "application/xml", "200 VersionState" },
    { "DELETE", V, "templates.template.write", version_delete, 0,
      "Delete a draft", "409 when the version is not a draft (deprecate a published one). The template stays.", NULL,
      NULL, "200 Status" },
    { "POST", V "/scan", "templates.template.write", version_scan, 0,
      "Scan a version now",
      "Runs the security scan with the version's current trust and stores it: {findings: [\"rule: where: what\"], "
      "passed}. Rules: unknown-driver, exec-shell (unless trusted), exec-unchecked-parameter, secret-to-plain-output, "
      "webhook-not-https, webhook-url-placeholder (a placeholder in a webhook url's scheme, host or port).", NULL,
      NULL, "200 passed:bool findings:[string]" },
    { "POST", V "/publish", "templates.template.publish", version_publish, 0,
      "Publish a draft",
      "Scans, then publishes: 200 {name, version, state: \"published\"}. 422 scan-failed with findings when the scan "
      "finds anything (the scan is stored; nothing is published); 409 when not a draft. Needs "
      "templates.template.publish on the owner team.", NULL,
      NULL, "200 name:string version:string state:string" },
    { "POST", V "/deprecate", "templates.template.publish", version_deprecate, 0,
      "Deprecate a published version",
      "published -> deprecated: no new requests; resources made from it keep working. 409 otherwise.", NULL,
      NULL, "200 name:string version:string state:string" },
    { "GET", "/api/v1/templates/{name}/versions/{a}/diff/{b}", "templates.template.read", version_diff, 0,
      "Compare two versions",
      "a and b: x.y.z or latest. {from, to, diff: unified diff of the XML (coarse past about 1,400 differing lines a side), "
      "changes: {parameters, steps, outputs, deprovision: {added[], removed[], changed[]} by name, policy_changed}}.", NULL,
      NULL, "200 from:string to:string diff:string changes:{parameters:Changes steps:Changes outputs:Changes "
        "deprovision:Changes policy_changed:bool}" },
};

static const struct app templates_app = { "templates", templates_routes,
                                           sizeof(templates_routes) / sizeof(templates_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&templates_app, argc, argv);
}
