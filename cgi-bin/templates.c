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

#define TAGS_MAX 2000        /* template_versions.tags */
#define QUERY_WORDS_MAX 8

/* ---- small helpers ---------------------------------------------------------------------------- */

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* A template as authz sees it: its owner team's. */
#define TEMPLATE_RESOURCE(team) (&(struct authz_resource){ (team), NULL, NULL, "template" })

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

static json_object *strings_json(const char *const *s, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(s[i]));
    return a;
}

static json_object *param_json(const struct template_param *p)
{
    static const char *const types[] = { "string", "integer", "boolean", "enum", "secret-ref" };
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(p->name));
    json_object_object_add(o, "type", json_object_new_string(types[p->type]));
    json_object_object_add(o, "label", str_or_null(p->label));
    json_object_object_add(o, "help", str_or_null(p->help));
    json_object_object_add(o, "required", json_object_new_boolean(p->required));
    json_object_object_add(o, "names_resource", json_object_new_boolean(p->names_resource));
    json_object_object_add(o, "pattern", str_or_null(p->pattern));
    json_object_object_add(o, "min", p->has_min ? json_object_new_int64(p->min) : NULL);
    json_object_object_add(o, "max", p->has_max ? json_object_new_int64(p->max) : NULL);
    json_object_object_add(o, "default", str_or_null(p->def));
    json_object_object_add(o, "choices", strings_json(p->choices, p->nchoices));
    return o;
}

static json_object *step_json(const struct template_step *s)
{
    json_object *o = json_object_new_object(), *args = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "driver", json_object_new_string(s->driver));
    json_object_object_add(o, "timeout_seconds", s->timeout_seconds ? json_object_new_int(s->timeout_seconds) : NULL);
    for (size_t i = 0; i < s->nargs; i++)
        json_object_object_add(args, s->args[i].name, json_object_new_string(s->args[i].value));
    json_object_object_add(o, "args", args);
    json_object_object_add(o, "program", str_or_null(s->program));
    json_object_object_add(o, "argv", strings_json(s->argv, s->nargv));
    return o;
}

static json_object *output_json(struct arena *a, const struct template_output *out)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(out->name));
    json_object_object_add(o, "from", json_object_new_string(arena_printf(a, "%s.%s", out->step, out->field)));
    json_object_object_add(o, "secret", json_object_new_boolean(out->secret));
    return o;
}

static json_object *policy_json(const struct template *t)
{
    json_object *o = json_object_new_object(), *approvals = json_object_new_array(), *ttl = NULL;
    json_object_object_add(o, "environments", strings_json(t->environments, t->nenvironments));
    json_object_object_add(o, "requester_role", str_or_null(t->requester_role));
    for (size_t i = 0; i < t->napprovals; i++) {
        json_object *a = json_object_new_object();
        json_object_object_add(a, "environment", json_object_new_string(t->approvals[i].environment));
        json_object_object_add(a, "count", json_object_new_int(t->approvals[i].count));
        json_object_object_add(a, "role", json_object_new_string(t->approvals[i].role));
        json_object_array_add(approvals, a);
    }
    json_object_object_add(o, "approvals", approvals);
    if (t->ttl_max_days) {
        ttl = json_object_new_object();
        json_object_object_add(ttl, "default_days", json_object_new_int(t->ttl_default_days));
        json_object_object_add(ttl, "max_days", json_object_new_int(t->ttl_max_days));
    }
    json_object_object_add(o, "ttl", ttl);
    return o;
}

static json_object *steps_json(const struct template_step *s, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, step_json(&s[i]));
    return a;
}

static json_object *template_json(struct arena *a, const struct template *t)
{
    json_object *o = json_object_new_object(), *params = json_object_new_array(), *outputs = json_object_new_array();
    json_object_object_add(o, "title", json_object_new_string(t->title));
    json_object_object_add(o, "description", json_object_new_string(t->description ? t->description : ""));
    json_object_object_add(o, "owner_team", json_object_new_string(t->owner_team));
    json_object_object_add(o, "tags", strings_json(t->tags, t->ntags));
    for (size_t i = 0; i < t->nparams; i++)
        json_object_array_add(params, param_json(&t->params[i]));
    json_object_object_add(o, "parameters", params);
    json_object_object_add(o, "policy", policy_json(t));
    json_object_object_add(o, "steps", steps_json(t->steps, t->nsteps));
    for (size_t i = 0; i < t->noutputs; i++)
        json_object_array_add(outputs, output_json(a, &t->outputs[i]));
    json_object_object_add(o, "outputs", outputs);
    json_object_object_add(o, "deprovision", steps_json(t->deprovision, t->ndeprovision));
    return o;
}

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

/* A version is trusted while the hash an administrator trusted is its XML's hash now. A template
 * is "trusted" (list, get) when its newest published version is. */
#define VERSION_TRUSTED(v) "(" v ".trusted_sha256 IS NOT NULL AND " v ".trusted_sha256 = SHA2(" v ".xml, 256))"
#define TEMPLATE_TRUSTED(t) "COALESCE((SELECT " VERSION_TRUSTED("lv") " FROM template_versions lv WHERE lv.template_id = " t \
    ".id AND lv.state = 'published' ORDER BY lv.version_order DESC LIMIT 1), 0)"
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
        json_object_object_add(o, times[i], str_or_null(db_cell(&tv.r, 0, 9 + i)));
    json_object_object_add(o, "xml", json_object_new_string(tv.xml));
    json_object_object_add(o, "scan", tv.scan ? json_tokener_parse(tv.scan) : NULL);
    json_object_object_add(o, "template", template_json(c->arena, t));
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
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("deleted"));
    return app_json(c, 200, o);
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
        json_object_object_add(out, names[i], i == 2 ? json_object_new_boolean(strcmp(cell, "0") != 0) : str_or_null(cell));
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
    static const char *const allowed[] = { "trusted", "version", NULL };
    if (json_expect_object(c->body, allowed, p) < 0)
        return -1;
    bool trusted = json_get_bool(c->body, "trusted", true, false, p);
    const char *version = json_get_string(c->body, "version", true, NULL, 1, 32, p);
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

/* ---- the gallery ------------------------------------------------------------------------------ */

/* Cursors are opaque to clients: base64url of "g1:<name>". */
/* A word for LIKE: '!' escapes the wildcards (and itself), whatever the SQL mode. */
static const char *like_word(struct arena *a, const char *w, size_t n)
{
    return db_like(a, w, n, true);
}

/* The row shown per template: its newest published version; with drafts, the newest draft of a
 * template that has none published. Only counts and ? marks are added to the SQL text. */
static const char sql_gallery[] =
    "SELECT t.name, t.owner_team, " TEMPLATE_TRUSTED("t") ", v.version, v.state, v.title, v.description, v.tags, "
    "       (SELECT COUNT(*) FROM template_versions n WHERE n.template_id = t.id) "
    "FROM templates t JOIN template_versions v ON v.id = "
    "  (SELECT x.id FROM template_versions x WHERE x.template_id = t.id AND (x.state = 'published' OR (? AND x.state = 'draft')) "
    "   ORDER BY x.state = 'published' DESC, x.version_order DESC LIMIT 1) "
    "WHERE (? IS NULL OR t.name > ?) AND (? IS NULL OR FIND_IN_SET(?, REPLACE(v.tags, ' ', ',')) > 0)";

/* GET /templates?q=&tag=&include=drafts&limit=&cursor= */
static int template_list(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *q = http_query(&c->req, "q"), *tag = http_query(&c->req, "tag"), *include = http_query(&c->req, "include");
    long limit = app_limit(c, 50, 200);
    const char *after = app_cursor(c, "templates");
    if (include && strcmp(include, "drafts") != 0)
        problem_field(p, "include", "may only be drafts");
    if (tag && (strlen(tag) > 63 || strchr(tag, ',')))
        problem_field(p, "tag", "is a tag's name");
    if (q && strlen(q) > 200)
        problem_field(p, "q", "is at most 200 characters");
    if (!json_fields_ok(p))
        return -1;
    struct db_value v[6 + 4 * QUERY_WORDS_MAX];
    size_t nv = 0;
    v[nv++] = (struct db_value)DB_INTV(include != NULL);
    v[nv++] = after ? (struct db_value)DB_TEXTV(after) : DB_NULLV;
    v[nv++] = v[1];
    v[nv++] = tag && *tag ? (struct db_value)DB_TEXTV(tag) : DB_NULLV;
    v[nv++] = v[3];
    const char *sql = sql_gallery;
    size_t words = 0;
    for (const char *s = q ? q : ""; *(s += strspn(s, " \t")); words++) {
        size_t n = strcspn(s, " \t");
        if (words == QUERY_WORDS_MAX)
            return problem_field(p, "q", "has at most %d words", QUERY_WORDS_MAX), -1;
        const char *w = like_word(c->arena, s, n);
        if (!w)
            return problem_set(p, 500, "internal", "out of memory");
        sql = arena_printf(c->arena, "%s AND (t.name LIKE ? ESCAPE '!' OR v.title LIKE ? ESCAPE '!' OR "
                                     "v.description LIKE ? ESCAPE '!' OR v.tags LIKE ? ESCAPE '!')", sql);
        for (int k = 0; k < 4; k++)
            v[nv++] = (struct db_value)DB_TEXTV(w);
        s += n;
    }
    v[nv++] = (struct db_value)DB_INTV(limit + 1);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "%s ORDER BY t.name LIMIT ?", sql), v, nv, &r, p) < 0)
        return -1;
    bool more = r.nrows > (size_t)limit;
    size_t rows = more ? (size_t)limit : r.nrows;
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < rows; i++) {
        json_object *o = json_object_new_object(), *latest = json_object_new_object(), *tags = json_object_new_array();
        json_object_object_add(o, "name", json_object_new_string(db_cell(&r, i, 0)));
        json_object_object_add(o, "owner_team", json_object_new_string(db_cell(&r, i, 1)));
        json_object_object_add(o, "trusted", json_object_new_boolean(strcmp(db_cell(&r, i, 2), "0") != 0));
        json_object_object_add(latest, "version", json_object_new_string(db_cell(&r, i, 3)));
        json_object_object_add(latest, "state", json_object_new_string(db_cell(&r, i, 4)));
        json_object_object_add(latest, "title", json_object_new_string(db_cell(&r, i, 5)));
        json_object_object_add(latest, "description", json_object_new_string(db_cell(&r, i, 6)));
        for (const char *s = db_cell(&r, i, 7); *(s += strspn(s, " "));) {
            size_t n = strcspn(s, " ");
            json_object_array_add(tags, json_object_new_string_len(s, (int)n));
            s += n;
        }
        json_object_object_add(latest, "tags", tags);
        json_object_object_add(o, "latest", latest);
        json_object_object_add(o, "versions", json_object_new_int(atoi(db_cell(&r, i, 8))));
        json_object_array_add(list, o);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "templates", list);
    json_object_object_add(o, "next_cursor", more ? json_object_new_string(app_cursor_make(c, "templates", db_cell(&r, rows - 1, 0))) : NULL);
    return app_json(c, 200, o);
}

/* ---- diff ------------------------------------------------------------------------------------- */

/* {added: [names], removed: [names], changed: [names]} of two named lists, compared as JSON. */
typedef json_object *(*item_json_fn)(struct arena *a, const void *items, size_t i, const char **name);

static json_object *changes_of(struct arena *a, item_json_fn fn, const void *x, size_t nx, const void *y, size_t ny)
{
    json_object *added = json_object_new_array(), *removed = json_object_new_array(), *changed = json_object_new_array();
    for (size_t i = 0; i < nx; i++) {
        const char *name, *other;
        json_object *xi = fn(a, x, i, &name);
        bool found = false;
        for (size_t k = 0; k < ny && !found; k++) {
            json_object *yk = fn(a, y, k, &other);
            if ((found = strcmp(name, other) == 0) && !json_object_equal(xi, yk))
                json_object_array_add(changed, json_object_new_string(name));
            json_object_put(yk);
        }
        if (!found)
            json_object_array_add(removed, json_object_new_string(name));
        json_object_put(xi);
    }
    for (size_t k = 0; k < ny; k++) {
        const char *name, *other;
        json_object_put(fn(a, y, k, &name));
        bool found = false;
        for (size_t i = 0; i < nx && !found; i++) {
            json_object_put(fn(a, x, i, &other));
            found = strcmp(name, other) == 0;
        }
        if (!found)
            json_object_array_add(added, json_object_new_string(name));
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "added", added);
    json_object_object_add(o, "removed", removed);
    json_object_object_add(o, "changed", changed);
    return o;
}

static json_object *param_item(struct arena *a, const void *items, size_t i, const char **name)
{
    (void)a;
    const struct template_param *p = &((const struct template_param *)items)[i];
    *name = p->name;
    return param_json(p);
}

static json_object *step_item(struct arena *a, const void *items, size_t i, const char **name)
{
    (void)a;
    const struct template_step *s = &((const struct template_step *)items)[i];
    *name = s->name;
    return step_json(s);
}

static json_object *output_item(struct arena *a, const void *items, size_t i, const char **name)
{
    const struct template_output *o = &((const struct template_output *)items)[i];
    *name = o->name;
    return output_json(a, o);
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
    json_object *changes = json_object_new_object(), *pa = policy_json(ta), *pb = policy_json(tb);
    json_object_object_add(changes, "parameters", changes_of(c->arena, param_item, ta->params, ta->nparams, tb->params, tb->nparams));
    json_object_object_add(changes, "steps", changes_of(c->arena, step_item, ta->steps, ta->nsteps, tb->steps, tb->nsteps));
    json_object_object_add(changes, "outputs", changes_of(c->arena, output_item, ta->outputs, ta->noutputs, tb->outputs, tb->noutputs));
    json_object_object_add(changes, "deprovision",
                           changes_of(c->arena, step_item, ta->deprovision, ta->ndeprovision, tb->deprovision, tb->ndeprovision));
    json_object_object_add(changes, "policy_changed", json_object_new_boolean(!json_object_equal(pa, pb)));
    json_object_put(pa);
    json_object_put(pb);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "from", json_object_new_string(va.version));
    json_object_object_add(o, "to", json_object_new_string(vb.version));
    json_object_object_add(o, "diff", diff);
    json_object_object_add(o, "changes", changes);
    return app_json(c, 200, o);
}

/* ---- the example templates ------------------------------------------------------------------- */

/* POST /templates/examples: the stock set (lib/template_examples, the same code as portico-admin
 * templates install-examples) for the team platform, which an administrator's install makes
 * when it is missing. What is there already stays as it is. */
static int examples_install(struct app_ctx *c)
{
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    struct authz_decision d;
    if (!app_may(c, "templates.template.publish", TEMPLATE_RESOURCE(TEMPLATE_EXAMPLES_TEAM), &d))
        return app_refuse(c, "templates.template.publish", TEMPLATE_RESOURCE(TEMPLATE_EXAMPLES_TEAM), &d);
    size_t n, installed;
    bool made;
    const struct template_example *list = template_examples(&n);
    struct template_example_result *res = arena_calloc(c->arena, n ? n : 1, sizeof(*res));
    if (!res)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    struct audit_event as = app_audit_event(c, "templates.examples", "success");
    if (template_examples_install(c->db, c->arena, list, n, template_examples_programs(c->cfg->provision_example_programs),
                                  app_may(c, "iam.team.write", &nowhere, NULL), &as, res, &installed, &made,
                                  &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(res[i].name));
        json_object_object_add(e, "version", json_object_new_string(res[i].version));
        json_object_object_add(e, "outcome", json_object_new_string(res[i].outcome));
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "team", json_object_new_string(TEMPLATE_EXAMPLES_TEAM));
    json_object_object_add(o, "team_created", json_object_new_boolean(made));
    json_object_object_add(o, "installed", json_object_new_int((int)installed));
    json_object_object_add(o, "templates", a);
    return app_json(c, installed ? 201 : 200, o);
}

/* ---- the route table -------------------------------------------------------------------------- */

#define V "/api/v1/templates/{name}/versions/{version}"

static const struct route templates_routes[] = {
    { "GET", "/api/v1/templates", "templates.template.read", template_list, 0,
      "The template gallery",
      "One row per template with a published version, by name (trusted: its newest published version is trusted): "
      "{templates: [{name, owner_team, trusted, latest: "
      "{version, state, title, description, tags[]}, versions}], next_cursor}; versions counts every version. q: words "
      "(at most 8) that must all appear in the name, title, description or tags; tag: one tag, exactly; include=drafts "
      "also lists templates with no published version (their newest draft in latest); limit 1..200 (50), cursor from "
      "next_cursor." },
    { "POST", "/api/v1/templates", "templates.template.write", template_create, 0,
      "Create a draft from XML",
      "Body: the template XML (Content-Type: application/xml, at most 256 KiB; 415, 413 otherwise). A new name creates "
      "the template, owned by <owner team=...> (the caller needs templates.template.write on that team). The version is "
      "stored as a draft and scanned: 201 {name, version, state: \"draft\", scan: {findings, scanned_at}}; a draft of the "
      "same version is replaced (200). 400 malformed-xml with the line and column (a DOCTYPE or entity is refused), "
      "422 schema errors by element path, 422 owner when the XML names another team than the template's, 409 when "
      "that version is published or deprecated." },
    { "POST", "/api/v1/templates/examples", "templates.template.publish", examples_install, 0,
      "Install the example templates",
      "The stock set Portico ships (share/templates/: a MariaDB database, a git repository, an API token made by an "
      "exec step, a webhook, a noop trial), published for the team platform: needs templates.template.publish on "
      "that team (409 no-platform-team when it does not exist, unless an administrator asks: then it is made). "
      "A version already there, in any state, is left as it is, and so is a template of that name another team owns: "
      "{team, team_created, installed, templates: [{name, version, outcome: installed|present|kept}]}, 201 when "
      "something was installed, 200 when nothing was. Every change audited." },
    { "GET", "/api/v1/templates/{name}", "templates.template.read", template_get, 0,
      "A template and its versions",
      "{name, owner_team, trusted, created_at, created_by, versions: [{version, state, title, created_at, created_by, "
      "published_at, deprecated_at, trusted}]}, newest version first. A version's trusted: an administrator trusted "
      "its XML as it is now; the template's trusted: its newest published version is trusted." },
    { "PUT", "/api/v1/templates/{name}/trust", "templates.template.trust", template_trust, ROUTE_BODY_JSON,
      "Trust a template (administrators)",
      "{\"trusted\": true|false, \"version\": \"x.y.z\"} (version required: 422 otherwise; 404 when there is no such "
      "version). Trust is given to that version's XML as it is now (its SHA-256 is stored): its exec steps may run a "
      "shell; other versions, and the draft's XML once replaced, are not trusted until trust is given to them. The "
      "scan of the next publish (or scan) of that version applies it, and the runner checks it again. Answer {name, "
      "version, trusted, sha256}. Audited with the hash, target <name>@<version>." },
    { "GET", V, "templates.template.read", version_get, 0,
      "A version, parsed",
      "version: x.y.z, or latest (the newest published). {name, version, state, created_at, created_by, updated_at, "
      "published_at, published_by, deprecated_at, xml, scan: {findings, scanned_at}, template: {title, description, "
      "owner_team, tags, parameters, policy, steps, outputs, deprovision}}." },
    { "PUT", V, "templates.template.write", version_replace, 0,
      "Replace a draft's XML",
      "Body: the template XML (application/xml), whose name and version match the path (else 422). 409 when the version "
      "is not a draft: a published version never changes. Scanned again: {name, version, state, scan}." },
    { "DELETE", V, "templates.template.write", version_delete, 0,
      "Delete a draft", "409 when the version is not a draft (deprecate a published one). The template stays." },
    { "POST", V "/scan", "templates.template.write", version_scan, 0,
      "Scan a version now",
      "Runs the security scan with the version's current trust and stores it: {findings: [\"rule: where: what\"], "
      "passed}. Rules: unknown-driver, exec-shell (unless trusted), exec-unchecked-parameter, secret-to-plain-output, "
      "webhook-not-https, webhook-url-placeholder (a placeholder in a webhook url's scheme, host or port)." },
    { "POST", V "/publish", "templates.template.publish", version_publish, 0,
      "Publish a draft",
      "Scans, then publishes: 200 {name, version, state: \"published\"}. 422 scan-failed with findings when the scan "
      "finds anything (the scan is stored; nothing is published); 409 when not a draft. Needs "
      "templates.template.publish on the owner team." },
    { "POST", V "/deprecate", "templates.template.publish", version_deprecate, 0,
      "Deprecate a published version",
      "published -> deprecated: no new requests; resources made from it keep working. 409 otherwise." },
    { "GET", "/api/v1/templates/{name}/versions/{a}/diff/{b}", "templates.template.read", version_diff, 0,
      "Compare two versions",
      "a and b: x.y.z or latest. {from, to, diff: unified diff of the XML (coarse past about 1,400 differing lines a side), "
      "changes: {parameters, steps, outputs, deprovision: {added[], removed[], changed[]} by name, policy_changed}}." },
};

static const struct app templates_app = { "templates", templates_routes,
                                           sizeof(templates_routes) / sizeof(templates_routes[0]), NULL };

int main(int argc, char **argv)
{
    return app_main(&templates_app, argc, argv);
}
