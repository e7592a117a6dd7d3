/*
 * catalog: entities by ref — read, create or replace (ETag / If-Match), delete — and their
 * relations. Every write is checked against the entity's owner (old and new) with the resource's
 * attributes, so team-scoped bindings and attribute policies apply, and audited in the change's
 * transaction. A read the caller may not make is refused in words (403, naming the owner team and
 * the role that would allow it): who owns what is no secret among the people of one platform.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "lib/yamldoc.h"

#define SQL_ENTITY_COLUMNS                                                                                               \
    "entities.id, entities.document, entities.version, entities.owner_team, entities.location_id, "                    \
    "DATE_FORMAT(entities.orphaned_at, '%Y-%m-%dT%H:%i:%sZ'), entities.managed_by"
static const char sql_get[] = "SELECT " SQL_ENTITY_COLUMNS " FROM entities WHERE ref = ?";
static const char sql_get_locked[] =
    "SELECT id, document, version, owner_team, managed_by FROM entities WHERE ref = ? FOR UPDATE";
/* A Group's members that are Portico users (user:default/<username>), for links to their pages. */
static const char sql_group_users[] =
    "SELECT r.target_ref AS member, u.username, u.id FROM relations r JOIN users u ON u.username = SUBSTRING(r.target_ref, 14) "
    "WHERE r.source_ref = ? AND r.type = 'hasMember' AND r.target_ref LIKE 'user:default/%' ORDER BY u.username LIMIT 500";
static const char sql_relations[] =
    "SELECT r.type, r.target_ref AS target, e.id IS NULL AS dangling, e.owner_team "
    "FROM relations r LEFT JOIN entities e ON e.ref = r.target_ref "
    "WHERE r.source_ref = ? ORDER BY r.type, r.target_ref LIMIT 5000";

/* The ref's text from the path's kind, namespace and name into text (CATALOG_REF_MAX + 1); false
 * when a part is past its bound, with a 400 naming each one in p (if not NULL). A part is never
 * cut to fit: a cut name would make two paths name one entity. */
static bool path_ref_text(struct app_ctx *c, char *text, size_t len, struct problem *p)
{
    static const struct {
        const char *part;
        size_t max;
    } parts[] = { { "kind", 16 }, { "namespace", CATALOG_NAME_MAX }, { "name", CATALOG_NAME_MAX } };
    bool over = false;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *v = app_param(c, parts[i].part);
        if (v && strlen(v) > parts[i].max) {
            if (p)
                problem_field(p, parts[i].part, "must be at most %zu characters", parts[i].max);
            over = true;
        }
    }
    if (over) {
        if (p)
            problem_set(p, 400, "bad-path", "a part of the path is longer than its bound");
        return false;
    }
    snprintf(text, len, "%s:%s/%s", app_param(c, "kind"), app_param(c, "namespace"), app_param(c, "name"));
    return true;
}

int catalog_path_ref(struct app_ctx *c, struct catalog_ref *ref)
{
    const char *why;
    char text[CATALOG_REF_MAX + 1];
    if (!path_ref_text(c, text, sizeof(text), &c->problem))
        return -1;
    if (catalog_ref_parse(text, NULL, NULL, ref, &why) < 0)
        return problem_set(&c->problem, 404, "not-found", "no such entity: the path %s", why);
    return 0;
}

/* An entity as authz sees it: its owner team, its ref and its kind in lower case. */
static struct authz_resource entity_resource(char *kind, size_t kindlen, const char *team, const struct catalog_ref *ref)
{
    size_t i = 0;
    for (; ref->kind[i] && i + 1 < kindlen; i++)
        kind[i] = (char)(ref->kind[i] | 0x20);
    kind[i] = '\0';
    return (struct authz_resource){ team, ref->text, NULL, kind };
}

bool catalog_may(struct app_ctx *c, const char *permission, const char *team, const struct catalog_ref *ref,
                struct authz_decision *d)
{
    char kind[sizeof(ref->kind)];
    struct authz_resource res = entity_resource(kind, sizeof(kind), team, ref);
    return app_may(c, permission, &res, d);
}

int catalog_refuse(struct app_ctx *c, const char *permission, const char *team, const struct catalog_ref *ref,
                   const struct authz_decision *d)
{
    char kind[sizeof(ref->kind)];
    struct authz_resource res = entity_resource(kind, sizeof(kind), team, ref);
    return app_refuse(c, permission, &res, d);
}

int catalog_path_entity(struct app_ctx *c, const char *permission, struct catalog_ref *ref, long long *id,
                        const char **team)
{
    if (catalog_path_ref(c, ref) < 0)
        return -1;
    struct db_value v = DB_TEXTV(ref->text);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_get, &v, 1, &r, &c->problem) < 0)
        return -1;
    struct authz_decision d;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no such entity: %s", ref->text);
    if (!catalog_may(c, "catalog.entity.read", db_cell(&r, 0, 3), ref, &d))
        return catalog_refuse(c, "catalog.entity.read", db_cell(&r, 0, 3), ref, &d);
    if (strcmp(permission, "catalog.entity.read") != 0 && !catalog_may(c, permission, db_cell(&r, 0, 3), ref, &d))
        return catalog_refuse(c, permission, db_cell(&r, 0, 3), ref, &d);
    *id = atoll(db_cell(&r, 0, 0));
    *team = db_cell(&r, 0, 3) ? arena_strdup(c->arena, db_cell(&r, 0, 3)) : NULL;
    return 0;
}

/* The answer for one entity: its ref, version and document, with the ETag; r (NULL: none) is
 * sql_get's row (its columns from at), for where it came from and what it maps to. */
static int entity_answer(struct app_ctx *c, int status, const struct catalog_ref *ref, long long version,
                         const char *document, const struct db_result *r, size_t at)
{
    json_object *o = app_keep(c, json_object_new_object());   /* the request's: error paths leave it */
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object_object_add(o, "ref", json_object_new_string(ref->text));
    json_object_object_add(o, "version", json_object_new_int64(version));
    /* the document as stored (compact JSON, written by lib/catalog_store.c): copied into the
     * answer as it is, not parsed and printed again (that was a seventh of a GET's time in
     * the handler) */
    json_object *entity = json_object_new_object();
    json_object_set_serializer(entity, json_object_userdata_to_json_string, (void *)document, NULL);
    json_object_object_add(o, "entity", entity);
    if (r) {
        const char *loc = db_cell(r, 0, at + 4), *orphaned = db_cell(r, 0, at + 5);
        json_object_object_add(o, "location", loc ? json_object_new_int64(atoll(loc)) : NULL);
        json_object_object_add(o, "orphaned_at", json_string_or_null(orphaned));
    }
    /* Group entities are Portico's teams, User entities its users, where the names match; a
     * Group's members that are Portico users, and whether Portico keeps the Group in step */
    bool group = strcmp(ref->kind, "Group") == 0, user = strcmp(ref->kind, "User") == 0;
    if (group || user) {
        struct db_value v = DB_TEXTV(ref->name), rv = DB_TEXTV(ref->text);
        struct db_result m, u;
        if (db_query(c->db, c->arena, group ? "SELECT name FROM teams WHERE name = ?" : "SELECT username, id FROM users WHERE username = ?",
                     &v, 1, &m, &c->problem) < 0 ||
            (group && db_query(c->db, c->arena, sql_group_users, &rv, 1, &u, &c->problem) < 0))
            return -1;
        json_object *maps = json_object_new_object();
        json_object_object_add(maps, group ? "team" : "user", m.nrows ? json_object_new_string(db_cell(&m, 0, 0)) : NULL);
        if (user)
            json_object_object_add(maps, "user_id", m.nrows ? json_object_new_int64(atoll(db_cell(&m, 0, 1))) : NULL);
        if (group) {
            const char *managed = r ? db_cell(r, 0, at + 6) : NULL;
            json_object_object_add(maps, "kept_by_portico", json_object_new_boolean(managed != NULL));
            json_object_object_add(maps, "users", app_rows_json(&u, u.nrows, "ssi"));
        }
        json_object_object_add(o, "maps_to", maps);
    }
    http_response_header(&c->res, "ETag", arena_printf(c->arena, "\"%lld\"", version));
    if (status == 201)
        http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/catalog/entities/%s/%s/%s",
                                                               app_param(c, "kind"), app_param(c, "namespace"),
                                                               app_param(c, "name")));
    return app_json(c, status, json_object_get(o));
}

/* GET one entity is the catalog's hottest read: its row and the authorization epoch come in one
 * statement (lib/app.h, prefetch), before the checks that decide whether it may be answered. */
static int catalog_entity_get(struct app_ctx *c);

static int catalog_entity_prefetch(struct app_ctx *c)
{
    if (c->match.route->handler != catalog_entity_get)
        return 0;
    struct catalog_ref ref;
    const char *why;
    char text[CATALOG_REF_MAX + 1];
    if (!path_ref_text(c, text, sizeof(text), NULL))
        return 0;   /* the handler answers 400 */
    if (catalog_ref_parse(text, NULL, NULL, &ref, &why) < 0)
        return 0;   /* the handler answers 404 */
    struct db_value v = DB_TEXTV(ref.text);
    /* two lookups by unique key, joined as constants: the optimizer's cheapest plan */
    if (db_query(c->db, c->arena, "SELECT auth_epoch.n, " SQL_ENTITY_COLUMNS " FROM auth_epoch "
                                  "LEFT JOIN entities ON entities.ref = ? WHERE auth_epoch.id = 1",
                 &v, 1, &c->prefetched, &c->problem) < 0)
        return -1;
    c->has_prefetched = true;
    return 0;
}

static int catalog_entity_get(struct app_ctx *c)
{
    struct catalog_ref ref;
    if (catalog_path_ref(c, &ref) < 0)
        return -1;
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result r;
    size_t at = 0;   /* the entity's first column */
    if (c->has_prefetched) {
        r = c->prefetched;
        at = 1;
        if (!db_cell(&r, 0, at))
            r.nrows = 0;
    } else if (db_query(c->db, c->arena, sql_get, &v, 1, &r, &c->problem) < 0) {
        return -1;
    }
    struct authz_decision d;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no such entity: %s", ref.text);
    if (!catalog_may(c, "catalog.entity.read", db_cell(&r, 0, at + 3), &ref, &d))
        return catalog_refuse(c, "catalog.entity.read", db_cell(&r, 0, at + 3), &ref, &d);
    return entity_answer(c, 200, &ref, atoll(db_cell(&r, 0, at + 2)), db_cell(&r, 0, at + 1), &r, at);
}

/* Does the caller read every entity there may be? Only then may an answer tell a ref that is not
 * in the catalog from one the caller may not read: to anyone else both look alike (hidden). */
bool catalog_reads_everything(struct app_ctx *c)
{
    return authz_holds_everywhere(&c->grants, "catalog.entity.read") && authn_token_allows(&c->who, "catalog.entity.read");
}

/* If-Match against the current version (none: the entity does not exist). */
static bool if_match_ok(struct app_ctx *c, const char *current_version)
{
    const char *m = http_header(&c->req, "If-Match");
    if (!m)
        return true;
    if (strcmp(m, "*") == 0)
        return current_version != NULL;
    return current_version && strcmp(m, arena_printf(c->arena, "\"%s\"", current_version)) == 0;
}

/* The writer for this request: the caller's identity decides, by the entity's owning team. */
static int allow_write(void *ctx, const char *team, const struct catalog_ref *ref)
{
    struct app_ctx *c = ctx;
    struct authz_decision d;
    return catalog_may(c, "catalog.entity.write", team, ref, &d) ? 0 : catalog_refuse(c, "catalog.entity.write", team, ref, &d);
}

static bool may_read(void *ctx, const char *team, const struct catalog_ref *ref)
{
    return catalog_may(ctx, "catalog.entity.read", team, ref, NULL);
}

struct catalog_writer catalog_request_writer(struct app_ctx *c)
{
    return (struct catalog_writer){ c->db, c->arena, &c->problem, app_audit_event(c, "", "success"), 0,
                                    allow_write, c, NULL, may_read };
}

static int catalog_entity_put(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    struct catalog_entity e;
    if (catalog_path_ref(c, &ref) < 0)
        return p->status == 400 ? -1 : problem_set(p, 422, "validation", "the path is not an entity's kind/namespace/name");
    if (catalog_entity_read(c->body, c->arena, &e, p) < 0)
        return -1;
    if (strcmp(e.ref.text, ref.text) != 0) {
        problem_field(p, "metadata/name", "names %s, not the path's %s", e.ref.text, ref.text);
        json_fields_ok(p);
        return -1;
    }
    enum catalog_outcome outcome;
    long long version;
    struct catalog_writer w = catalog_request_writer(c);
    if (db_begin(c->db, p) < 0)
        return -1;
    if (catalog_store(&w, &e, c->body, http_header(&c->req, "If-Match"), false, NULL, &outcome, &version) < 0)
        return db_abort(c->db);
    if (db_commit(c->db, p) < 0)
        return -1;
    return entity_answer(c, outcome == CATALOG_ADDED ? 201 : 200, &ref, version,
                         json_object_to_json_string_ext(c->body, JSON_C_TO_STRING_PLAIN), NULL, 0);
}

#define IMPORT_MAX_DOCUMENTS 20000

/* Document i's refusal for ?invalid=skip: {document, ref (when it has one), errors: [{field, message}]}. */
static json_object *import_refusal(size_t i, const char *ref, const struct problem *one)
{
    json_object *o = json_object_new_object(), *errs = json_object_new_array();
    json_object_object_add(o, "document", json_object_new_int64((int64_t)i));
    if (ref)
        json_object_object_add(o, "ref", json_object_new_string(ref));
    for (size_t k = 0; k < one->nfields; k++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "field", json_object_new_string(one->fields[k].field));
        json_object_object_add(e, "message", json_object_new_string(one->fields[k].message));
        json_object_array_add(errs, e);
    }
    if (one->nfields == 0) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "field", json_object_new_string(""));
        json_object_object_add(e, "message", json_object_new_string(one->detail));
        json_object_array_add(errs, e);
    }
    json_object_object_add(o, "errors", errs);
    return o;
}

/* POST /catalog/import: a catalog-info.yaml stream (or JSON: one entity or a list), all or
 * nothing. Every document is validated first (422 names each bad field as documents/<i>/<path>);
 * then each is stored as a PUT would be. ?dry_run=true answers the same summary without a change.
 * ?invalid=skip, the mode a migration needs: the valid documents are applied and each invalid
 * one is listed under refused with its errors, as Backstage lists its processing errors. */
static int catalog_import(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *dry = http_query(&c->req, "dry_run"), *invalid = http_query(&c->req, "invalid");
    bool dry_run = dry && (strcmp(dry, "true") == 0 || strcmp(dry, "1") == 0);
    bool skip = invalid && strcmp(invalid, "skip") == 0;
    if (http_body_read(&c->req, (size_t)c->cfg->catalog_import_max_bytes, true, p) < 0)
        return -1;
    json_object *docs;   /* the request's (app_keep): no path below puts it */
    if (http_content_type_is_json(c->req.content_type)) {
        json_object *body = json_parse(c->req.body, c->req.body_len, c->cfg->json_max_depth, p);
        if (!body)
            return -1;
        if (json_object_is_type(body, json_type_array)) {
            docs = body;
        } else {
            docs = json_object_new_array();
            json_object_array_add(docs, body);
        }
    } else {
        static const struct yamldoc_limits lim = { 32, 4000000, IMPORT_MAX_DOCUMENTS };
        if (!(docs = yamldoc_parse(c->req.body, c->req.body_len, &lim, p)))
            return -1;
    }
    if (!(docs = app_keep(c, docs)))
        return problem_set(p, 500, "internal", "out of memory");
    size_t total = json_object_array_length(docs), n = 0;
    if (total == 0 || total > IMPORT_MAX_DOCUMENTS)
        return problem_set(p, 422, "validation", "an import holds 1 to %d entities", IMPORT_MAX_DOCUMENTS);
    struct catalog_entity *ents = arena_calloc(c->arena, total, sizeof(*ents));
    json_object **valid = arena_calloc(c->arena, total, sizeof(*valid));
    json_object *refused = app_keep(c, json_object_new_array());
    if (!ents || !valid || !refused)
        return problem_set(p, 500, "internal", "out of memory");
    /* validate everything first, naming each field under its document; skipping, each invalid
     * document is set aside with its errors, and the valid ones kept in their order (ents[0..n)) */
    for (size_t i = 0; i < total; i++) {
        struct problem one;
        problem_init(&one);
        json_object *doc = json_object_array_get_idx(docs, i);
        bool ok = catalog_entity_read(doc, c->arena, &ents[n], &one) == 0;
        for (size_t k = 0; ok && k < n; k++)
            if (strcmp(ents[k].ref.text, ents[n].ref.text) == 0) {
                problem_field(&one, "metadata/name", "repeats document %zu", k);
                ok = false;
            }
        if (ok) {
            valid[n++] = doc;
            continue;
        }
        if (skip) {
            /* its ref as written, so the person finds it (bounded: the values may be anything) */
            json_object *md = json_object_object_get(doc, "metadata");
            const char *kind = json_str(doc, "kind", NULL), *name = json_str(md, "name", NULL);
            const char *ref = kind && name ? arena_printf(c->arena, "%.40s:%.63s/%.253s", kind,
                                                          json_str(md, "namespace", "default"), name) : NULL;
            json_object_array_add(refused, import_refusal(i, ref, &one));
            continue;
        }
        for (size_t k = 0; k < one.nfields; k++)
            problem_field(p, arena_printf(c->arena, "documents/%zu/%s", i, one.fields[k].field), "%s", one.fields[k].message);
        if (one.nfields == 0)
            problem_field(p, arena_printf(c->arena, "documents/%zu", i), "%s", one.detail);
    }
    if (!json_fields_ok(p))
        return -1;
    json_object *added = app_keep(c, json_object_new_array()), *changed = app_keep(c, json_object_new_array());
    if (!added || !changed)
        return problem_set(p, 500, "internal", "out of memory");
    size_t unchanged = 0;
    struct catalog_writer w = catalog_request_writer(c);
    struct catalog_current known;
    int rc = db_begin(c->db, p);
    if (rc == 0 && n > 0)
        rc = catalog_current_read(&w, ents, n, dry_run, &known);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        enum catalog_outcome outcome;
        long long version;
        rc = catalog_store(&w, &ents[i], valid[i], NULL, dry_run, &known, &outcome, &version);
        if (rc == 0 && outcome == CATALOG_ADDED)
            json_object_array_add(added, json_object_new_string(ents[i].ref.text));
        else if (rc == 0 && outcome == CATALOG_CHANGED)
            json_object_array_add(changed, json_object_new_string(ents[i].ref.text));
        else if (rc == 0)
            unchanged++;
    }
    if (rc == 0 && !dry_run) {
        rc = app_audited(c, "catalog.import", NULL, NULL,
                         arena_printf(c->arena, "{\"added\":%zu,\"changed\":%zu,\"unchanged\":%zu,\"refused\":%zu}",
                                      json_object_array_length(added), json_object_array_length(changed), unchanged,
                                      json_object_array_length(refused)));
    } else if (rc == 0) {
        rc = db_rollback(c->db, p);
    } else {
        db_abort(c->db);
    }
    if (rc < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
    json_object_object_add(o, "added", json_object_get(added));
    json_object_object_add(o, "changed", json_object_get(changed));
    json_object_object_add(o, "removed", json_object_new_array());
    json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)unchanged));
    json_object_object_add(o, "refused", json_object_get(refused));
    return app_json(c, 200, o);
}

static int catalog_entity_delete(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    if (catalog_path_ref(c, &ref) < 0)
        return -1;
    struct db_value key = DB_TEXTV(ref.text);
    struct db_result cur;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_get_locked, &key, 1, &cur, p) < 0)
        return db_abort(c->db);
    struct authz_decision d;
    /* conditional: one the caller may not read fails the condition as one that is not there does */
    if (http_header(&c->req, "If-Match") &&
        (cur.nrows == 0 || !catalog_may(c, "catalog.entity.read", db_cell(&cur, 0, 3), &ref, NULL))) {
        db_abort(c->db);
        return problem_set(p, 412, "precondition-failed", "%s has changed (or does not exist): read it again", ref.text);
    }
    if (cur.nrows == 0) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no such entity: %s", ref.text);
    }
    for (const char *const *perm = (const char *const[]){ "catalog.entity.read", "catalog.entity.delete", NULL }; *perm; perm++)
        if (!catalog_may(c, *perm, db_cell(&cur, 0, 3), &ref, &d)) {
            db_abort(c->db);
            return catalog_refuse(c, *perm, db_cell(&cur, 0, 3), &ref, &d);
        }
    if (!if_match_ok(c, db_cell(&cur, 0, 2))) {
        db_abort(c->db);
        return problem_set(p, 412, "precondition-failed", "%s has changed: read it again", ref.text);
    }
    if (db_cell(&cur, 0, 4)) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "%s is team %s's own Group, kept in step by Portico: it goes when the team "
                                               "is deleted (writing a Group of your own over it takes its place)",
                           ref.text, ref.name);
    }
    struct catalog_writer w = catalog_request_writer(c);
    if (catalog_remove(&w, atoll(db_cell(&cur, 0, 0)), ref.text, NULL) < 0)
        return db_abort(c->db);
    if (db_commit(c->db, p) < 0)
        return -1;
    return app_status(c, 200, "deleted");
}

static int catalog_relations(struct app_ctx *c)
{
    struct catalog_ref ref;
    if (catalog_path_ref(c, &ref) < 0)
        return -1;
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result r, rel;
    if (db_query(c->db, c->arena, sql_get, &v, 1, &r, &c->problem) < 0)
        return -1;
    struct authz_decision d;
    if (r.nrows == 0)
        return problem_set(&c->problem, 404, "not-found", "no such entity: %s", ref.text);
    if (!catalog_may(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d))
        return catalog_refuse(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d);
    if (db_query(c->db, c->arena, sql_relations, &v, 1, &rel, &c->problem) < 0)
        return -1;
    bool everything = catalog_reads_everything(c);
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < rel.nrows; i++) {
        bool missing = strcmp(db_cell(&rel, i, 2), "1") == 0, hidden;
        struct catalog_ref tr;
        const char *why;
        if (missing)
            hidden = !everything;   /* not there, to a caller who cannot see everything: as one it may not read */
        else
            hidden = catalog_ref_parse(db_cell(&rel, i, 1), NULL, NULL, &tr, &why) < 0 ||
                     !catalog_may(c, "catalog.entity.read", db_cell(&rel, i, 3), &tr, NULL);
        json_object *one = json_object_new_object();
        json_object_object_add(one, "type", json_object_new_string(db_cell(&rel, i, 0)));
        json_object_object_add(one, "target", json_object_new_string(db_cell(&rel, i, 1)));
        json_object_object_add(one, "dangling", json_object_new_boolean(missing && !hidden));
        json_object_object_add(one, "hidden", json_object_new_boolean(hidden));
        json_object_array_add(list, one);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ref", json_object_new_string(ref.text));
    json_object_object_add(o, "relations", list);
    return app_json(c, 200, o);
}

/* ---- what the search, the graph and the report share ----------------------------------------- */

void catalog_where_add(struct app_ctx *c, struct catalog_where *w, const char *clause, const char *const *values, size_t nvalues)
{
    if (w->n + nvalues > SEARCH_PARAMS_MAX - 2) {   /* room for the page's cursor and limit */
        w->full = true;
        return;
    }
    w->sql = arena_printf(c->arena, "%s AND %s", w->sql, clause);
    for (size_t i = 0; i < nvalues; i++)
        w->v[w->n++] = (struct db_value)DB_TEXTV(values[i]);
}

/* "x IN (?, ?, ...)" over n values, or a clause that is false when there are none. */
const char *catalog_in_list(struct app_ctx *c, const char *column, size_t n)
{
    if (n == 0)
        return "FALSE";
    const char *marks = "?";
    for (size_t i = 1; i < n; i++)
        marks = arena_printf(c->arena, "%s, ?", marks);
    return arena_printf(c->arena, "%s IN (%s)", column, marks);
}

/* Only what the caller may read: the read scopes (everywhere, or teams and entities) as SQL on
 * the entities table aliased by prefix ("" or "e."). */
int catalog_where_readable(struct app_ctx *c, struct catalog_where *w, const char *prefix)
{
    struct authz_scopes sc;
    if (authz_scopes_of(&c->grants, "catalog.entity.read", c->arena, &sc) < 0)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    if (sc.everywhere)
        return 0;
    const char *clause = arena_printf(c->arena, "(%s OR %s)", catalog_in_list(c, arena_printf(c->arena, "%sowner_team", prefix), sc.nteams),
                                      catalog_in_list(c, arena_printf(c->arena, "%sref", prefix), sc.nentities));
    const char **both = arena_calloc(c->arena, sc.nteams + sc.nentities + 1, sizeof(char *));
    if (!both)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    memcpy(both, sc.teams, sc.nteams * sizeof(char *));
    memcpy(both + sc.nteams, sc.entities, sc.nentities * sizeof(char *));
    catalog_where_add(c, w, clause, both, sc.nteams + sc.nentities);
    if (w->full)
        return problem_set(&c->problem, 422, "too-many-scopes", "your bindings name more teams and entities than one "
                                                                "query can hold (%d)", SEARCH_PARAMS_MAX - 2);
    return 0;
}

static const struct route catalog_routes[] = {
    { "GET", "/api/v1/catalog/export", "catalog.entity.read", catalog_export, 0,
      "Export entities", "The search's filters (q, kind, type, lifecycle, owner, namespace, tag, mine) select readable "
                         "entities, answered as catalog-info.yaml documents as stored (format=json: a list), at most "
                         "20,000: importing the export changes nothing.",
      "q:string(200) kind:string(63) type:string(63) lifecycle:string(63) owner:string(255) "
      "namespace:string(63) tag:string(63) mine:bool owned:bool orphan:bool location:string(18) "
      "format:enum(yaml|json)",
      NULL, "200 application/yaml" },
    { "GET", "/api/v1/catalog/report", "catalog.entity.read", catalog_report, 0,
      "What needs attention", "Among readable entities: unowned (a Component, API, Resource, System or Domain whose "
                              "owner is not in the catalog), dangling relations (declared to a ref that is not there; a Group's "
                              "member who is a Portico user is not one), each with hidden: true for a caller who cannot "
                              "read the whole catalog, to whom an owner or target it may not read is listed alike, "
                              "Groups that name no Portico team, and orphans (gone from their location); at most 1,000 "
                              "of each, truncated says when there were more.", NULL,
      NULL, "200 unowned:[{ref:string kind:string owner:string hidden:bool}] dangling:[{source:string type:string "
        "target:string hidden:bool}] groups_without_team:[{ref:string}] orphans:[{ref:string location?:int "
        "orphaned_at:string}] truncated:bool" },
    { "GET", "/api/v1/catalog/locations", "catalog.entity.read", catalog_locations_list, 0,
      "Locations", "Catalog files the runner re-reads: type (file, git, url), target, team, schedule, the last sync's "
                   "status (pending, ok, guarded, error), message and counts, and how many entities and orphans each has. "
                   "Only those the caller may read: its teams' (and the teams' above them), those of teams where it holds "
                   "catalog.location.write, and those without a team with catalog.location.write globally. By id: "
                   "limit 1..1000 (1000), cursor from next_cursor (a page may hold fewer than limit with more to come).",
      "limit:int(1..1000,1000) cursor:cursor",
      NULL, "200 locations:[Location] next_cursor?:string" },
    { "POST", "/api/v1/catalog/locations", "catalog.location.write", catalog_location_create, ROUTE_BODY_JSON,
      "Register a location", "{type: file|git|url, target (an absolute path under catalog_location_roots, a repository "
                             "directory, or an http(s) URL without credentials: no user:password@, no query "
                             "parameter such as access_token, token, key, password, secret or sig), path and "
                             "revision (git), team (its entities must be owned by it; needs catalog.location.write "
                             "there, else everywhere), on_orphan: keep|delete, "
                             "interval_seconds (10..86400)}. The runner reads it at its next pass.", NULL,
      "type:string(1..8) target:string(1..1000) path?:string(0..255) revision?:string(0..100) team?:string(1..63) "
        "on_orphan?:string(1..8) interval_seconds?:int(10..86400)",
      "201 Location" },
    { "GET", "/api/v1/catalog/locations/{id}", "catalog.entity.read", catalog_location_get, 0,
      "A location", "With its last sync's status, message and counts. 404 for one the caller may not read (as the "
                    "list decides), as for one that is not there.", NULL,
      NULL, "200 Location" },
    { "DELETE", "/api/v1/catalog/locations/{id}", "catalog.location.write", catalog_location_delete, 0,
      "Delete a location", "entities=keep (default: they stay, as orphans) or delete (each deleted and audited; needs "
                           "catalog.entity.delete on each).",
      "entities:enum(keep|delete)",
      NULL, "200 status:string entities_deleted:int" },
    { "POST", "/api/v1/catalog/locations/{id}/sync", "catalog.location.write", catalog_location_sync, 0,
      "Sync a location now", "202: the runner reads it at its next pass. confirm=true lets the removals that the "
                             "deletion guard held back go ahead (exactly that many).",
      "confirm:enum(true|false)",
      NULL, "202 Location" },
    { "GET", "/api/v1/catalog/discover/{name}", "catalog.entity.read", catalog_discover, 0,
      "Discover a service", "environment (required), namespace (default), kind (component), seed: the passing "
                            "instances' endpoints (heartbeat within its TTL and every health check of the instance "
                            "passing; health=any: every registered instance, each with its status), in an order "
                            "shuffled by seed (default: the caller) and stable while the set stands.",
      "environment:string(63) namespace:string(63) kind:string(63) seed:string(200) health:enum(passing|any)",
      NULL, "200 service:string environment:string endpoints:[{instance:string url:string version:string "
        "region:string metadata:object status:string}]" },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances", "catalog.entity.read", catalog_instances_list, 0,
      "An entity's instances", "Every registered instance in every environment, with status: critical once its "
                               "heartbeat is older than its TTL, else the worst of its health checks' (passing, warning, "
                               "critical; passing without checks); by environment and instance: limit 1..1000 (1000), "
                               "cursor from next_cursor.",
      "limit:int(1..1000,1000) cursor:cursor",
      NULL, "200 ref:string instances:[Instance] next_cursor?:string" },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances/{environment}/{instance}",
      "catalog.instance.register", catalog_instance_put, ROUTE_BODY_JSON,
      "Register an instance", "{url (http, https, tcp or grpc), version, region, metadata (object of strings), "
                              "ttl_seconds, deregister_seconds}: creates (201) or changes it, and counts as a heartbeat. "
                              "Needs catalog.instance.register on the entity's owner.", NULL,
      "url:string(1..1000) version?:string(0..100) region?:string(0..63) metadata?:any ttl_seconds?:int(1..86400) "
        "deregister_seconds?:int(1..604800)",
      "200|201 Instance" },
    { "POST", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances/{environment}/{instance}/heartbeat",
      "catalog.instance.register", catalog_instance_heartbeat, 0,
      "Heartbeat", "Renews the instance's TTL; 404 when it is not registered (any more): register it again.", NULL,
      NULL, "200 Instance" },
    { "DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances/{environment}/{instance}",
      "catalog.instance.register", catalog_instance_delete, 0, "Deregister an instance", "", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/catalog/entities", "catalog.entity.read", catalog_search, 0,
      "Search entities", "q (words, each a prefix), kind, type, lifecycle, owner (a ref), namespace, tag, "
                         "mine=true|false (owned by my teams, or not), owned=true|false (the entity names an owner: not a Group, "
                         "which is its team, a User or a Location), orphan=true|false, location=<id>; limit 1..500 "
                         "(50), cursor from next_cursor. Answers items, total and facets: kind, type, lifecycle, owner "
                         "and tag (each value's count, the 50 most frequent) and mine ({true, false}), over only what "
                         "the caller may read: the permission is part of the query, so counts and pages are exact.",
      "limit:int(1..500,50) cursor:cursor q:string(200) kind:string(63) type:string(63) lifecycle:string(63) "
      "owner:string(255) namespace:string(63) tag:string(63) mine:bool owned:bool orphan:bool "
      "location:string(18)",
      NULL, "200 items:[{ref:string kind:string namespace:string name:string title:string type:string "
        "lifecycle:string owner:string version:int}] total:int facets:map(map(int)) next_cursor?:string" },
    { "POST", "/api/v1/catalog/import", "catalog.import", catalog_import, 0,
      "Import entities", "A catalog-info.yaml stream (application/yaml; several documents) or JSON (one entity or a "
                         "list), all or nothing: 422 names every bad field as documents/<i>/<path>, 400 gives the line "
                         "and column of malformed YAML, 403 names an entity the caller may not write. Each entity also "
                         "needs catalog.entity.write on its owner. ?dry_run=true answers what would be added and changed "
                         "without a change. ?invalid=skip (for a migration): the valid documents are applied and each "
                         "invalid one is listed in refused with its errors (malformed YAML and denials still refuse "
                         "all).",
      "dry_run:enum(true|false|1|0) invalid:enum(refuse|skip)",
      "application/yaml", "200 dry_run:bool added:[string] changed:[string] removed:[string] unchanged:int "
      "refused:[{document:int ref?:string errors:[{field:string message:string}]}]" },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.read", catalog_entity_get, 0,
      "An entity", "Its document as stored, its version (also the ETag), location and orphaned_at; maps_to for a "
                   "Group (its team, kept_by_portico, and users: its members that are Portico users, with their ids) "
                   "or a User (the user and user_id). 404 when it is not there; 403 (with the owner team and "
                   "the role needed) when it is not yours to read.", NULL,
      NULL, "200 EntityRecord" },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.write", catalog_entity_put,
      ROUTE_BODY_JSON, "Create or replace an entity",
      "Takes a backstage.io/v1alpha1 document naming the same entity as the path; 422 names every bad field by its "
      "path. If-Match: \"<version>\" (or *) makes it conditional: 412 when it changed, or is not there, or is not "
      "yours to read (alike). The owner's team (old and new) "
      "decides, with policies. Relations from spec are stored both ways; unresolved targets stay, dangling.", NULL,
      "object", "200|201 EntityRecord" },
    { "DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.delete", catalog_entity_delete, 0,
      "Delete an entity", "With its relations. If-Match honoured: 412 when it changed, or is not there, or is not "
                          "yours to read (alike). 409 for a team's Group that Portico keeps in step "
                          "(it goes with the team).", NULL,
      NULL, "200 Status" },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/graph", "catalog.entity.read", catalog_graph, 0,
      "Dependency graph", "direction=downstream (what it depends on; default) or upstream (what depends on it: what "
                          "breaks if it goes down), depth 1..6 (3). Nodes (index 0 is the entity) with their depth, "
                          "dangling or hidden (not yours to read, not followed; to one who cannot read the whole "
                          "catalog, one not in the catalog is hidden too); edges by node index, cycle marks an "
                          "edge that closes a cycle; truncated past 2,000 nodes.",
      "direction:enum(downstream|upstream) depth:int(1..6,3)",
      NULL, "200 ref:string direction:string depth:int nodes:[{ref:string depth:int dangling:bool hidden:bool}] "
        "edges:[{from:int to:int cycle:bool}] truncated:bool" },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/relations", "catalog.entity.read", catalog_relations, 0,
      "An entity's relations", "Both directions (ownedBy and ownerOf, dependsOn and dependencyOf, ...); dangling marks a "
                               "target that is not in the catalog, hidden one not yours to read (to one who cannot "
                               "read the whole catalog, a target not in the catalog is hidden too, not dangling).", NULL,
      NULL, "200 ref:string relations:[{type:string target:string dangling:bool hidden:bool}]" },
};

static const struct app catalog_app = { "catalog", catalog_routes, sizeof(catalog_routes) / sizeof(catalog_routes[0]),
                                        catalog_entity_prefetch };

int main(int argc, char **argv)
{
    return app_main(&catalog_app, argc, argv);
}
