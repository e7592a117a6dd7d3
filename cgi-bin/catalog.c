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
    json_object *o = json_object_new_object();
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
        json_object_object_add(o, "orphaned_at", orphaned ? json_object_new_string(orphaned) : NULL);
    }
    /* Group entities are Portico's teams, User entities its users, where the names match; a
     * Group's members that are Portico users, and whether Portico keeps the Group in step */
    bool group = strcmp(ref->kind, "Group") == 0, user = strcmp(ref->kind, "User") == 0;
    if (group || user) {
        struct db_value v = DB_TEXTV(ref->name), rv = DB_TEXTV(ref->text);
        struct db_result m, u;
        if (db_query(c->db, c->arena, group ? "SELECT name FROM teams WHERE name = ?" : "SELECT username, id FROM users WHERE username = ?",
                     &v, 1, &m, &c->problem) < 0 ||
            (group && db_query(c->db, c->arena, sql_group_users, &rv, 1, &u, &c->problem) < 0)) {
            json_object_put(o);
            return -1;
        }
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
    return app_json(c, status, o);
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
static bool reads_everything(struct app_ctx *c)
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

/* POST /catalog/import: a catalog-info.yaml stream (or JSON: one entity or a list), all or
 * nothing. Every document is validated first (422 names each bad field as documents/<i>/<path>);
 * then each is stored as a PUT would be. ?dry_run=true answers the same summary without a change. */
static int catalog_import(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *dry = http_query(&c->req, "dry_run");
    bool dry_run = dry && (strcmp(dry, "true") == 0 || strcmp(dry, "1") == 0);
    if (http_body_read(&c->req, (size_t)c->cfg->catalog_import_max_bytes, true, p) < 0)
        return -1;
    json_object *docs;
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
    size_t n = json_object_array_length(docs);
    if (n == 0 || n > IMPORT_MAX_DOCUMENTS) {
        json_object_put(docs);
        return problem_set(p, 422, "validation", "an import holds 1 to %d entities", IMPORT_MAX_DOCUMENTS);
    }
    struct catalog_entity *ents = arena_calloc(c->arena, n, sizeof(*ents));
    if (!ents) {
        json_object_put(docs);
        return problem_set(p, 500, "internal", "out of memory");
    }
    /* validate everything first, naming each field under its document */
    for (size_t i = 0; i < n; i++) {
        struct problem one;
        problem_init(&one);
        if (catalog_entity_read(json_object_array_get_idx(docs, i), c->arena, &ents[i], &one) < 0) {
            for (size_t k = 0; k < one.nfields; k++)
                problem_field(p, arena_printf(c->arena, "documents/%zu/%s", i, one.fields[k].field), "%s", one.fields[k].message);
            if (one.nfields == 0)
                problem_field(p, arena_printf(c->arena, "documents/%zu", i), "%s", one.detail);
        }
        for (size_t k = 0; k < i && !p->nfields; k++)
            if (strcmp(ents[k].ref.text, ents[i].ref.text) == 0)
                problem_field(p, arena_printf(c->arena, "documents/%zu/metadata/name", i), "repeats document %zu", k);
    }
    if (!json_fields_ok(p)) {
        json_object_put(docs);
        return -1;
    }
    json_object *added = json_object_new_array(), *changed = json_object_new_array();
    size_t unchanged = 0;
    struct catalog_writer w = catalog_request_writer(c);
    struct catalog_current known;
    int rc = db_begin(c->db, p);
    if (rc == 0)
        rc = catalog_current_read(&w, ents, n, dry_run, &known);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        enum catalog_outcome outcome;
        long long version;
        rc = catalog_store(&w, &ents[i], json_object_array_get_idx(docs, i), NULL, dry_run, &known, &outcome, &version);
        if (rc == 0 && outcome == CATALOG_ADDED)
            json_object_array_add(added, json_object_new_string(ents[i].ref.text));
        else if (rc == 0 && outcome == CATALOG_CHANGED)
            json_object_array_add(changed, json_object_new_string(ents[i].ref.text));
        else if (rc == 0)
            unchanged++;
    }
    json_object_put(docs);
    if (rc == 0 && !dry_run) {
        struct audit_event ev = app_audit_event(c, "catalog.import", "success");
        ev.details = arena_printf(c->arena, "{\"added\":%zu,\"changed\":%zu,\"unchanged\":%zu}",
                                  json_object_array_length(added), json_object_array_length(changed), unchanged);
        rc = audit_commit(c->db, c->arena, &ev, p);
    } else if (rc == 0) {
        rc = db_rollback(c->db, p);
    } else {
        db_abort(c->db);
    }
    if (rc < 0) {
        json_object_put(added);
        json_object_put(changed);
        return -1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
    json_object_object_add(o, "added", added);
    json_object_object_add(o, "changed", changed);
    json_object_object_add(o, "removed", json_object_new_array());
    json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)unchanged));
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
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("deleted"));
    return app_json(c, 200, o);
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
    bool everything = reads_everything(c);
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

/* ---- search -------------------------------------------------------------------------------- */

#define SEARCH_PARAMS_MAX 160
#define SEARCH_WORDS_MAX 8

/* A WHERE clause and its parameters, grown by the filters. */
struct where {
    const char *sql;
    struct db_value v[SEARCH_PARAMS_MAX];
    size_t n;
    bool full;          /* a clause did not fit: the query must not run without it */
};

static void where_add(struct app_ctx *c, struct where *w, const char *clause, const char *const *values, size_t nvalues)
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
static const char *in_list(struct app_ctx *c, const char *column, size_t n)
{
    if (n == 0)
        return "FALSE";
    const char *marks = "?";
    for (size_t i = 1; i < n; i++)
        marks = arena_printf(c->arena, "%s, ?", marks);
    return arena_printf(c->arena, "%s IN (%s)", column, marks);
}

#define FACET_VALUES_MAX 50
#define FACETS 5                     /* kind, type, lifecycle, owner, tag */
#define FACET_TAG 4

/* Counting values: an open-addressing table per facet, grown as values come. */
struct facet_count {
    const char *value;
    size_t len;
    long long n;
};

struct facet_table {
    struct facet_count *slot;
    size_t cap, used;
};

struct facets {
    struct arena *a;
    struct facet_table t[FACETS];
    const char *const *teams;        /* the caller's teams (NULL-terminated), for "mine" */
    long long total, mine;
};

static int facets_init(struct app_ctx *c, struct facets *f)
{
    *f = (struct facets){ .a = c->arena, .teams = c->grants.teams };
    for (size_t i = 0; i < FACETS; i++)
        if (!(f->t[i].slot = arena_calloc(c->arena, f->t[i].cap = 64, sizeof(struct facet_count))))
            return -1;
    return 0;
}

static int facet_add(struct facets *f, struct facet_table *t, const char *v, size_t len, long long n)
{
    if (2 * (t->used + 1) > t->cap) {
        struct facet_table g = { arena_calloc(f->a, 2 * t->cap, sizeof(struct facet_count)), 2 * t->cap, 0 };
        if (!g.slot)
            return -1;
        for (size_t k = 0; k < t->cap; k++)
            if (t->slot[k].value)
                facet_add(f, &g, t->slot[k].value, t->slot[k].len, t->slot[k].n);
        *t = g;
    }
    unsigned long h = 5381;
    for (size_t i = 0; i < len; i++)
        h = h * 33 + (unsigned char)v[i];
    size_t k = h & (t->cap - 1);
    while (t->slot[k].value && (t->slot[k].len != len || memcmp(t->slot[k].value, v, len) != 0))
        k = (k + 1) & (t->cap - 1);
    if (!t->slot[k].value) {
        t->slot[k] = (struct facet_count){ v, len, 0 };
        t->used++;
    }
    t->slot[k].n += n;
    return 0;
}

/* n more entities with these kind, type, lifecycle, owner (NULL: none), owner's team and tags
 * (space-separated; NULL: not counted here) */
static int facets_add(struct facets *f, const char *const values[4], const char *team, const char *tags, long long n)
{
    f->total += n;
    for (size_t i = 0; i < 4; i++)
        if (values[i] && facet_add(f, &f->t[i], values[i], strlen(values[i]), n) < 0)
            return -1;
    for (const char *s = tags; s && *s;) {
        size_t len = strcspn(s, " ");
        if (len > 0 && facet_add(f, &f->t[FACET_TAG], s, len, n) < 0)
            return -1;
        s += len + (s[len] == ' ');
    }
    for (size_t i = 0; team && f->teams && f->teams[i]; i++)
        if (strcmp(f->teams[i], team) == 0) {
            f->mine += n;
            break;
        }
    return 0;
}

static int facet_cmp(const void *a, const void *b)
{
    const struct facet_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    int d = memcmp(x->value, y->value, x->len < y->len ? x->len : y->len);
    return d ? d : (x->len > y->len) - (x->len < y->len);
}

/* Each facet's 50 most frequent values, most frequent first; "mine": how many of the matches
 * the caller's teams own (true) and how many not (false). */
static json_object *facets_json(struct facets *f)
{
    static const char *const names[FACETS] = { "kind", "type", "lifecycle", "owner", "tag" };
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < FACETS; i++) {
        struct facet_table *t = &f->t[i];
        struct facet_count *list = arena_calloc(f->a, t->used + 1, sizeof(*list));
        if (!list) {
            json_object_put(o);
            return NULL;
        }
        size_t n = 0;
        for (size_t k = 0; k < t->cap; k++)
            if (t->slot[k].value)
                list[n++] = t->slot[k];
        qsort(list, n, sizeof(*list), facet_cmp);
        json_object *fo = json_object_new_object();
        for (size_t k = 0; k < n && k < FACET_VALUES_MAX; k++) {
            const char *key = arena_strndup(f->a, list[k].value, list[k].len);
            if (!key) {
                json_object_put(fo);
                json_object_put(o);
                return NULL;
            }
            json_object_object_add(fo, key, json_object_new_int64(list[k].n));
        }
        json_object_object_add(o, names[i], fo);
    }
    json_object *mine = json_object_new_object();
    json_object_object_add(mine, "true", json_object_new_int64(f->mine));
    json_object_object_add(mine, "false", json_object_new_int64(f->total - f->mine));
    json_object_object_add(o, "mine", mine);
    return o;
}

/* The count and every facet from two grouped queries, the search's filters evaluated in each:
 * entities by kind, type, lifecycle, owner and team (the index entities_facets), and the tags'
 * rows by tag. w is the search over entities, t the same over entity_tags. */
static json_object *facets_and_total(struct app_ctx *c, const struct where *w, const struct where *t, long long *total)
{
    struct problem *p = &c->problem;
    struct db_result r, tr;
    struct facets f;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT kind, type, lifecycle, owner_ref, owner_team, COUNT(*) "
                                                         "FROM entities WHERE %s GROUP BY kind, type, lifecycle, owner_ref, "
                                                         "owner_team", w->sql), w->v, w->n, &r, p) < 0 ||
        db_query(c->db, c->arena, arena_printf(c->arena, "SELECT tag, COUNT(*) FROM entity_tags WHERE %s GROUP BY tag",
                                               t->sql), t->v, t->n, &tr, p) < 0)
        return NULL;
    if (facets_init(c, &f) < 0)
        goto oom;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *values[4] = { db_cell(&r, i, 0), db_cell(&r, i, 1), db_cell(&r, i, 2), db_cell(&r, i, 3) };
        if (facets_add(&f, values, db_cell(&r, i, 4), NULL, atoll(db_cell(&r, i, 5))) < 0)
            goto oom;
    }
    for (size_t i = 0; i < tr.nrows; i++)
        if (facet_add(&f, &f.t[FACET_TAG], db_cell(&tr, i, 0), strlen(db_cell(&tr, i, 0)), atoll(db_cell(&tr, i, 1))) < 0)
            goto oom;
    *total = f.total;
    json_object *o = facets_json(&f);
    if (o)
        return o;
oom:
    problem_set(p, 500, "internal", "out of memory");
    return NULL;
}

/* A search with words, counted here: the term rows of the matches (one per matching term of an
 * entity) are read once, narrow, and give the total, the facets and the page (refs after
 * cursor, in byte order). Measured at 100,000 entities: a common word's rows in 7-17 ms, where
 * grouping them in the database took 25-125 ms and the page another 11-27. Past SEARCH_SCAN_MAX
 * rows (a prefix of one or two letters) it answers 1 and the database groups them instead. */
#define SEARCH_SCAN_MAX 50000

static int refcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int search_scan(struct app_ctx *c, const struct where *w, const char *cursor, long limit, json_object **facets,
                       long long *total, const char ***refs, size_t *nrefs, bool *more)
{
    struct problem *p = &c->problem;
    struct where q = *w;
    struct db_result r;
    q.v[q.n++] = (struct db_value)DB_INTV(SEARCH_SCAN_MAX + 1);
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT entity_id, ref, kind, type, lifecycle, owner_ref, "
                                                         "owner_team, tags FROM entity_terms WHERE %s LIMIT ?", q.sql),
                 q.v, q.n, &r, p) < 0)
        return -1;
    if (r.nrows > SEARCH_SCAN_MAX)
        return 1;
    /* each entity once: a set of ids */
    size_t cap = 16;
    while (cap < 2 * r.nrows)
        cap *= 2;
    long long *seen = arena_calloc(c->arena, cap, sizeof(*seen));
    const char **page = arena_calloc(c->arena, r.nrows + 1, sizeof(*page));
    struct facets f;
    if (!seen || !page || facets_init(c, &f) < 0)
        return problem_set(p, 500, "internal", "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        long long id = atoll(db_cell(&r, i, 0));
        size_t k = ((unsigned long long)id * 0x9E3779B97F4A7C15ULL) >> 20 & (cap - 1);
        while (seen[k] && seen[k] != id)
            k = (k + 1) & (cap - 1);
        if (seen[k])
            continue;
        seen[k] = id;
        const char *values[4] = { db_cell(&r, i, 2), db_cell(&r, i, 3), db_cell(&r, i, 4), db_cell(&r, i, 5) };
        if (facets_add(&f, values, db_cell(&r, i, 6), db_cell(&r, i, 7), 1) < 0)
            return problem_set(p, 500, "internal", "out of memory");
        if (!cursor || strcmp(db_cell(&r, i, 1), cursor) > 0)
            page[n++] = db_cell(&r, i, 1);
    }
    qsort(page, n, sizeof(*page), refcmp);
    *more = n > (size_t)limit;
    *nrefs = *more ? (size_t)limit : n;
    *refs = page;
    *total = f.total;
    if (!(*facets = facets_json(&f)))
        return problem_set(p, 500, "internal", "out of memory");
    return 0;
}

/* The WHERE clause of a search or an export: the query's filters, and what the caller may read
 * (everywhere, or its teams' entities and the entities it is bound on), so that counts, pages
 * and exports hold only readable entities. -1 with a 422 for a bad filter. */
/* Only what the caller may read: the read scopes (everywhere, or teams and entities) as SQL on
 * the entities table aliased by prefix ("" or "e."). */
static int where_readable(struct app_ctx *c, struct where *w, const char *prefix)
{
    struct authz_scopes sc;
    if (authz_scopes_of(&c->grants, "catalog.entity.read", c->arena, &sc) < 0)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    if (sc.everywhere)
        return 0;
    const char *clause = arena_printf(c->arena, "(%s OR %s)", in_list(c, arena_printf(c->arena, "%sowner_team", prefix), sc.nteams),
                                      in_list(c, arena_printf(c->arena, "%sref", prefix), sc.nentities));
    const char **both = arena_calloc(c->arena, sc.nteams + sc.nentities + 1, sizeof(char *));
    if (!both)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    memcpy(both, sc.teams, sc.nteams * sizeof(char *));
    memcpy(both + sc.nteams, sc.entities, sc.nentities * sizeof(char *));
    where_add(c, w, clause, both, sc.nteams + sc.nentities);
    if (w->full)
        return problem_set(&c->problem, 422, "too-many-scopes", "your bindings name more teams and entities than one "
                                                                "query can hold (%d)", SEARCH_PARAMS_MAX - 2);
    return 0;
}

/* The tables a search reads: entities, or the rows of entity_terms or entity_tags, which carry
 * kind, type, lifecycle, owner_ref, owner_team, namespace, ref and tags (one row per term or tag
 * of an entity). */
enum search_over { OVER_ENTITIES, OVER_TERMS, OVER_TAGS };

static bool tag_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= CATALOG_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-:+#") == n;
}

/* The search's filters as SQL, on the table `over`. Over terms the first word of q (it must have
 * one) is the range of rows read. */
static int search_where(struct app_ctx *c, struct where *w, enum search_over over)
{
    struct problem *p = &c->problem;
    static const char *const filters[][2] = {
        { "kind", "kind = ?" }, { "type", "type = ?" }, { "lifecycle", "lifecycle = ?" }, { "owner", "owner_ref = ?" },
        { "namespace", "namespace = ?" },
    };
    w->sql = "TRUE";
    w->n = 0;
    w->full = false;
    const char *q = http_query(&c->req, "q"), *tag = http_query(&c->req, "tag"), *mine = http_query(&c->req, "mine");
    if (q && strlen(q) > 200)
        problem_field(p, "q", "must be at most 200 characters");
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        const char *v = http_query(&c->req, filters[i][0]);
        if (v && strlen(v) > CATALOG_REF_MAX)
            problem_field(p, filters[i][0], "is too long");
        else if (v && strcmp(filters[i][0], "kind") == 0 && !catalog_kind(v))
            problem_field(p, "kind", "is not a kind");
        else if (v)
            where_add(c, w, filters[i][1], (const char *[]){ strcmp(filters[i][0], "kind") == 0 ? catalog_kind(v) : v }, 1);
    }
    /* what only the entities table has: through its id when searching rows of the others */
    const char *id = over == OVER_ENTITIES ? "id" : "entity_id";
    const char *from = over == OVER_ENTITIES ? "(" : "entity_id IN (SELECT id FROM entities WHERE ";
    const char *orphan = http_query(&c->req, "orphan"), *location = http_query(&c->req, "location");
    if (orphan && strcmp(orphan, "true") == 0)
        where_add(c, w, arena_printf(c->arena, "%sorphaned_at IS NOT NULL)", from), NULL, 0);
    else if (orphan && strcmp(orphan, "false") == 0)
        where_add(c, w, arena_printf(c->arena, "NOT %sorphaned_at IS NOT NULL)", from), NULL, 0);
    else if (orphan)
        problem_field(p, "orphan", "must be true or false");
    if (location && *location && location[0] != '0' && strspn(location, "0123456789") == strlen(location) &&
        strlen(location) <= 18)   /* an id's one spelling: no sign, space or leading zero */
        where_add(c, w, arena_printf(c->arena, "%slocation_id = ?)", from), (const char *[]){ location }, 1);
    else if (location)
        problem_field(p, "location", "must be a location's id");
    /* a tag: the rows' own tags, or (over entities, whose facets come from an index without
     * them) the tag's rows */
    if (tag && !tag_ok(tag))
        problem_field(p, "tag", "must be a tag: lower-case letters, digits and '-', ':', '+', '#' (at most 63)");
    else if (tag && over == OVER_ENTITIES)
        where_add(c, w, "id IN (SELECT entity_id FROM entity_tags WHERE tag = ?)", &tag, 1);
    else if (tag)
        where_add(c, w, "CONCAT(' ', tags, ' ') LIKE CONCAT('% ', ?, ' %')", &tag, 1);
    if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0)
        problem_field(p, "mine", "must be true or false");
    /* owned: entities whose spec names an owner (services and the like), or those that name none
     * (Groups, which are their teams, Users, Locations) */
    const char *owned = http_query(&c->req, "owned");
    if (owned && strcmp(owned, "true") == 0)
        where_add(c, w, "owner_ref IS NOT NULL", NULL, 0);
    else if (owned && strcmp(owned, "false") == 0)
        where_add(c, w, "owner_ref IS NULL", NULL, 0);
    else if (owned)
        problem_field(p, "owned", "must be true or false");
    if (!json_fields_ok(p))
        return -1;
    /* every word of q is the prefix of a term of the entity (lib/catalog.c: catalog_terms) */
    const char *words[SEARCH_WORDS_MAX];
    size_t nwords = 0;
    catalog_terms(q, c->arena, words, &nwords, SEARCH_WORDS_MAX);
    for (size_t i = 0; i < nwords; i++) {
        const char *like = arena_printf(c->arena, "%s%%", words[i]);
        if (over == OVER_TERMS && i == 0)
            where_add(c, w, "term LIKE ?", &like, 1);
        else
            where_add(c, w, arena_printf(c->arena, "%s IN (SELECT entity_id FROM entity_terms WHERE term LIKE ?)", id),
                      &like, 1);
    }
    if (over == OVER_TERMS && nwords == 0)
        return problem_set(p, 500, "internal", "a search over terms needs a word");
    /* mine: what my teams (and the teams above them) own, or what they do not */
    if (mine) {
        size_t n = 0;
        while (c->grants.teams && c->grants.teams[n])
            n++;
        const char *in = in_list(c, "owner_team", n);
        where_add(c, w, strcmp(mine, "true") == 0 ? in : arena_printf(c->arena, "NOT (owner_team IS NOT NULL AND %s)", in),
                  c->grants.teams, n);
    }
    return where_readable(c, w, "");
}

/* GET /catalog/entities: filters, free text, facets and keyset pages. */
static int catalog_search(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct where w;
    long limit = app_limit(c, 50, 500);
    const char *cursor = app_cursor(c, "entities");
    const char *words[SEARCH_WORDS_MAX];
    size_t nwords = 0;
    catalog_terms(http_query(&c->req, "q"), c->arena, words, &nwords, SEARCH_WORDS_MAX);
    static const char columns[] = "ref, kind, namespace, name, title, type, lifecycle, owner_ref AS owner, version";
    struct db_result r = { 0 };
    json_object *facets = NULL;
    long long total = 0;
    const char **refs = NULL, *next = NULL;
    size_t nrefs = 0;
    bool more = false;
    int scanned = 1;
    /* with words: the matches' term rows, counted and paged here (search_scan) */
    if (nwords > 0) {
        if (search_where(c, &w, OVER_TERMS) < 0)
            return -1;
        if ((scanned = search_scan(c, &w, cursor, limit, &facets, &total, &refs, &nrefs, &more)) < 0)
            return -1;
    }
    if (scanned == 0) {
        next = more ? app_cursor_make(c, "entities", refs[nrefs - 1]) : NULL;
        r.nrows = 0;
        if (nrefs > 0) {
            struct db_value *v = arena_calloc(c->arena, nrefs, sizeof(*v));
            if (!v) {
                json_object_put(facets);
                return problem_set(p, 500, "internal", "out of memory");
            }
            for (size_t i = 0; i < nrefs; i++)
                v[i] = (struct db_value)DB_TEXTV(refs[i]);
            if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT %s FROM entities WHERE %s", columns,
                                                       in_list(c, "ref", nrefs)), v, nrefs, &r, p) < 0) {
                json_object_put(facets);
                return -1;
            }
        }
        /* the rows in the page's order (one deleted meanwhile is left out) */
        json_object *all = app_rows_json(&r, r.nrows, "ssssssssi"), *items = json_object_new_array();
        for (size_t i = 0; i < nrefs; i++)
            for (size_t k = 0; k < r.nrows; k++)
                if (strcmp(db_cell(&r, k, 0), refs[i]) == 0) {
                    json_object_array_add(items, json_object_get(json_object_array_get_idx(all, k)));
                    break;
                }
        json_object_put(all);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "items", items);
        json_object_object_add(o, "total", json_object_new_int64(total));
        json_object_object_add(o, "facets", facets);
        json_object_object_add(o, "next_cursor", next ? json_object_new_string(next) : NULL);
        return app_json(c, 200, o);
    }
    /* without words (or past the scan's bound): the database filters, groups and pages */
    struct where tw;
    if (search_where(c, &w, OVER_ENTITIES) < 0 || search_where(c, &tw, OVER_TAGS) < 0 ||
        !(facets = facets_and_total(c, &w, &tw, &total)))
        return -1;
    struct where page = w;
    if (cursor)
        where_add(c, &page, "ref > ?", (const char *[]){ cursor }, 1);
    page.v[page.n++] = (struct db_value)DB_INTV(limit + 1);
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT %s FROM entities WHERE %s ORDER BY ref LIMIT ?", columns,
                                               page.sql), page.v, page.n, &r, p) < 0) {
        json_object_put(facets);
        return -1;
    }
    more = r.nrows > (size_t)limit;
    size_t rows = more ? (size_t)limit : r.nrows;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", app_rows_json(&r, rows, "ssssssssi"));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "facets", facets);
    json_object_object_add(o, "next_cursor", more ? json_object_new_string(app_cursor_make(c, "entities", db_cell(&r, rows - 1, 0))) : NULL);
    return app_json(c, 200, o);
}

/* ---- the dependency graph --------------------------------------------------------------------- */

#define GRAPH_NODES_MAX 2000
#define GRAPH_DEPTH_MAX 6

struct gnode {
    const char *ref;
    int depth;
    bool dangling, hidden;       /* not in the catalog; not readable by the caller (not expanded) */
    size_t first_edge, nedges;   /* its edges out, in the edge list (filled level by level) */
    int state;                   /* for the cycle search: 0 new, 1 on the path, 2 done */
};

struct gedge {
    size_t from, to;
    bool cycle;
};

static size_t node_find(struct gnode *nodes, size_t n, const char *ref)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(nodes[i].ref, ref) == 0)
            return i;
    return (size_t)-1;
}

/* Mark the edges that close a cycle: depth-first from the root, an edge to a node on the path. */
static void mark_cycles(struct gnode *nodes, struct gedge *edges, size_t at)
{
    nodes[at].state = 1;
    for (size_t k = 0; k < nodes[at].nedges; k++) {
        struct gedge *e = &edges[nodes[at].first_edge + k];
        if (nodes[e->to].state == 1)
            e->cycle = true;
        else if (nodes[e->to].state == 0)
            mark_cycles(nodes, edges, e->to);
    }
    nodes[at].state = 2;
}

/* GET .../graph?direction=downstream|upstream&depth=1..6: what the entity depends on, or what
 * depends on it (what breaks if it goes down), level by level (one query a level); edges that
 * close a cycle are marked; entities the caller may not read are shown as hidden and not followed. */
static int catalog_graph(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    if (catalog_path_ref(c, &ref) < 0)
        return -1;
    const char *dir = http_query(&c->req, "direction");
    long max_depth = (long)app_query_int(c, "depth", 3, 1, GRAPH_DEPTH_MAX);
    if (dir && strcmp(dir, "downstream") != 0 && strcmp(dir, "upstream") != 0)
        problem_field(p, "direction", "must be downstream or upstream");
    if (!json_fields_ok(p))
        return -1;
    bool upstream = dir && strcmp(dir, "upstream") == 0;
    struct db_value key = DB_TEXTV(ref.text);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_get, &key, 1, &r, p) < 0)
        return -1;
    struct authz_decision d;
    if (r.nrows == 0)
        return problem_set(p, 404, "not-found", "no such entity: %s", ref.text);
    if (!catalog_may(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d))
        return catalog_refuse(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d);

    struct gnode *nodes = arena_calloc(c->arena, GRAPH_NODES_MAX, sizeof(*nodes));
    struct gedge *edges = arena_calloc(c->arena, GRAPH_NODES_MAX * 4, sizeof(*edges));
    if (!nodes || !edges)
        return problem_set(p, 500, "internal", "out of memory");
    size_t nn = 1, ne = 0, level_start = 0;
    bool truncated = false, everything = reads_everything(c);
    nodes[0].ref = ref.text;
    for (int depth = 1; depth <= max_depth && level_start < nn; depth++) {
        size_t level_end = nn, nf = 0;
        const char **frontier = arena_calloc(c->arena, level_end - level_start + 2, sizeof(char *));
        struct db_value *v = arena_calloc(c->arena, level_end - level_start + 2, sizeof(*v));
        if (!frontier || !v)
            return problem_set(p, 500, "internal", "out of memory");
        v[0] = (struct db_value)DB_TEXTV(upstream ? "dependencyOf" : "dependsOn");
        for (size_t i = level_start; i < level_end; i++)
            if (!nodes[i].hidden && !nodes[i].dangling)
                v[1 + nf++] = (struct db_value)DB_TEXTV(nodes[i].ref);
        if (nf == 0)
            break;
        const char *sql = arena_printf(c->arena, "SELECT r.source_ref, r.target_ref, e.owner_team, e.id IS NULL "
                                                 "FROM relations r LEFT JOIN entities e ON e.ref = r.target_ref "
                                                 "WHERE r.type = ? AND %s ORDER BY r.source_ref, r.target_ref LIMIT %d",
                                       in_list(c, "r.source_ref", nf), GRAPH_NODES_MAX * 4);
        if (db_query(c->db, c->arena, sql, v, nf + 1, &r, p) < 0)
            return -1;
        for (size_t i = 0; i < r.nrows; i++) {
            size_t from = node_find(nodes, nn, db_cell(&r, i, 0)), to = node_find(nodes, nn, db_cell(&r, i, 1));
            if (from == (size_t)-1)
                continue;
            if (to == (size_t)-1) {
                if (nn == GRAPH_NODES_MAX) {
                    truncated = true;
                    continue;
                }
                to = nn++;
                struct catalog_ref tr;
                const char *why;
                nodes[to].ref = db_cell(&r, i, 1);
                nodes[to].depth = depth;
                /* not there, to a caller who cannot see everything, looks like one it may not read */
                bool missing = strcmp(db_cell(&r, i, 3), "1") == 0;
                nodes[to].dangling = missing && everything;
                nodes[to].hidden = missing ? !everything
                                           : catalog_ref_parse(nodes[to].ref, NULL, NULL, &tr, &why) < 0 ||
                                                 !catalog_may(c, "catalog.entity.read", db_cell(&r, i, 2), &tr, &d);
            }
            if (ne == GRAPH_NODES_MAX * 4) {
                truncated = true;
                continue;
            }
            if (nodes[from].nedges == 0)
                nodes[from].first_edge = ne;
            nodes[from].nedges++;
            edges[ne++] = (struct gedge){ from, to, false };
        }
        level_start = level_end;
    }
    mark_cycles(nodes, edges, 0);
    json_object *jn = json_object_new_array(), *je = json_object_new_array();
    for (size_t i = 0; i < nn; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "ref", json_object_new_string(nodes[i].hidden ? "(hidden)" : nodes[i].ref));
        json_object_object_add(o, "depth", json_object_new_int(nodes[i].depth));
        json_object_object_add(o, "dangling", json_object_new_boolean(nodes[i].dangling));
        json_object_object_add(o, "hidden", json_object_new_boolean(nodes[i].hidden));
        json_object_array_add(jn, o);
    }
    for (size_t i = 0; i < ne; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "from", json_object_new_int64((int64_t)edges[i].from));
        json_object_object_add(o, "to", json_object_new_int64((int64_t)edges[i].to));
        json_object_object_add(o, "cycle", json_object_new_boolean(edges[i].cycle));
        json_object_array_add(je, o);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ref", json_object_new_string(ref.text));
    json_object_object_add(o, "direction", json_object_new_string(upstream ? "upstream" : "downstream"));
    json_object_object_add(o, "depth", json_object_new_int((int)max_depth));
    json_object_object_add(o, "nodes", jn);
    json_object_object_add(o, "edges", je);
    json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
    return app_json(c, 200, o);
}

#define EXPORT_MAX 20000

/* GET /catalog/export: what a search with the same filters finds, as catalog-info.yaml
 * documents (or a JSON list with format=json), exactly as stored: import(export(x)) = x. */
static int catalog_export(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *format = http_query(&c->req, "format");
    if (format && strcmp(format, "yaml") != 0 && strcmp(format, "json") != 0)
        problem_field(p, "format", "must be yaml or json");
    struct where w;
    if (search_where(c, &w, OVER_ENTITIES) < 0)
        return -1;
    w.v[w.n++] = (struct db_value)DB_INTV(EXPORT_MAX + 1);
    struct db_result r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT document FROM entities WHERE %s ORDER BY ref LIMIT ?", w.sql),
                 w.v, w.n, &r, p) < 0)
        return -1;
    if (r.nrows > EXPORT_MAX)
        return problem_set(p, 422, "validation", "more than %d entities match: narrow the export with filters", EXPORT_MAX);
    json_object *docs = json_object_new_array();
    for (size_t i = 0; i < r.nrows; i++)
        json_object_array_add(docs, json_tokener_parse(db_cell(&r, i, 0)));
    if (format && strcmp(format, "json") == 0)
        return app_json(c, 200, docs);
    char *yaml;
    size_t len;
    int rc = yamldoc_emit(docs, &yaml, &len, p);
    json_object_put(docs);
    if (rc < 0)
        return -1;
    char *copy = arena_alloc(c->arena, len + 1);
    if (copy)
        memcpy(copy, yaml, len + 1);
    free(yaml);
    if (!copy)
        return problem_set(p, 500, "internal", "out of memory");
    http_response_header(&c->res, "Content-Disposition", "attachment; filename=\"catalog-info.yaml\"");
    http_response_body(&c->res, 200, "application/yaml; charset=utf-8", copy, len);
    return 0;
}

#define REPORT_ROWS_MAX 1000

/* GET /catalog/report: what needs someone's attention, among what the caller may read —
 * entities whose kind needs an owner and whose owner is missing from the catalog (unowned),
 * relations declared to a ref that is not in the catalog (dangling), Groups that name no Portico
 * team (nobody can act as their owner), and orphans (gone from their location). */
static int catalog_report(struct app_ctx *c)
{
    /* each part: head, then (far: the alias of the entity that is missing) its condition, then
     * rest, the caller's read scope on e, and tail */
    static const struct {
        const char *member, *types, *head, *far, *rest, *tail;
    } parts[] = {
        { "unowned", "ssn",
          "SELECT e.ref, e.kind, e.owner_ref AS owner FROM entities e LEFT JOIN entities o ON o.ref = e.owner_ref "
          "WHERE e.kind IN ('Component', 'API', 'Resource', 'System', 'Domain') AND ", "o", " AND ",
          " ORDER BY e.ref LIMIT ?" },
        { "dangling", "sss",
          "SELECT r.source_ref AS source, r.type, r.target_ref AS target FROM relations r "
          "JOIN entities e ON e.id = r.declared_by AND e.ref = r.source_ref "
          "LEFT JOIN entities t ON t.ref = r.target_ref WHERE ", "t",
          /* a Group's member who is a Portico user is no loose end: the portal links to their page */
          " AND NOT (r.type = 'hasMember' AND r.target_ref LIKE 'user:default/%' "
          "         AND EXISTS (SELECT 1 FROM users u WHERE u.username = SUBSTRING(r.target_ref, 14))) AND ",
          " ORDER BY r.source_ref, r.type, r.target_ref LIMIT ?" },
        { "groups_without_team", "s",
          "SELECT e.ref FROM entities e LEFT JOIN teams t ON t.name = e.name WHERE e.kind = 'Group' AND t.id IS NULL AND ",
          NULL, "", " ORDER BY e.ref LIMIT ?" },
        { "orphans", "sin",
          "SELECT e.ref, e.location_id AS location, DATE_FORMAT(e.orphaned_at, '%Y-%m-%dT%H:%i:%sZ') AS orphaned_at "
          "FROM entities e WHERE e.orphaned_at IS NOT NULL AND ", NULL, "",
          " ORDER BY e.ref LIMIT ?" },
    };
    struct where w = { "TRUE", { { 0 } }, 0, false };
    if (where_readable(c, &w, "e.") < 0)
        return -1;
    /* to a caller who cannot read everything, an owner or a target it may not read is listed as
     * one that is not there is (hidden: true, both): the report must not tell them apart */
    bool everything = reads_everything(c);
    json_object *o = json_object_new_object();
    bool truncated = false;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        struct db_result r;
        struct where q = { "TRUE", { { 0 } }, 0, false };
        const char *cond = "";
        if (parts[i].far && everything) {
            cond = arena_printf(c->arena, "%s.id IS NULL", parts[i].far);
        } else if (parts[i].far) {
            if (where_readable(c, &q, arena_printf(c->arena, "%s.", parts[i].far)) < 0) {
                json_object_put(o);
                return -1;
            }
            /* (an entity without an owner team gives NULL there, which must count as unreadable) */
            cond = arena_printf(c->arena, "(%s.id IS NULL OR NOT COALESCE((%s), FALSE))", parts[i].far, q.sql);
        }
        if (q.n + w.n + 1 > SEARCH_PARAMS_MAX) {
            json_object_put(o);
            return problem_set(&c->problem, 422, "too-many-scopes", "your bindings name more teams and entities than one "
                                                                    "query can hold (%d)", SEARCH_PARAMS_MAX / 2 - 1);
        }
        memcpy(q.v + q.n, w.v, w.n * sizeof(w.v[0]));
        q.n += w.n;
        q.v[q.n++] = (struct db_value)DB_INTV(REPORT_ROWS_MAX + 1);
        const char *sql = arena_printf(c->arena, "%s%s%s%s%s", parts[i].head, cond, parts[i].rest, w.sql, parts[i].tail);
        if (db_query(c->db, c->arena, sql, q.v, q.n, &r, &c->problem) < 0) {
            json_object_put(o);
            return -1;
        }
        size_t n = r.nrows > REPORT_ROWS_MAX ? REPORT_ROWS_MAX : r.nrows;
        truncated |= r.nrows > REPORT_ROWS_MAX;
        json_object *rows = app_rows_json(&r, n, parts[i].types);
        for (size_t k = 0; parts[i].far && k < n; k++)
            json_object_object_add(json_object_array_get_idx(rows, k), "hidden", json_object_new_boolean(!everything));
        json_object_object_add(o, parts[i].member, rows);
    }
    json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
    return app_json(c, 200, o);
}

static const struct route catalog_routes[] = {
    { "GET", "/api/v1/catalog/export", "catalog.entity.read", catalog_export, 0,
      "Export entities", "The search's filters (q, kind, type, lifecycle, owner, namespace, tag, mine) select readable "
                         "entities, answered as catalog-info.yaml documents as stored (format=json: a list), at most "
                         "20,000: importing the export changes nothing." },
    { "GET", "/api/v1/catalog/report", "catalog.entity.read", catalog_report, 0,
      "What needs attention", "Among readable entities: unowned (a Component, API, Resource, System or Domain whose "
                              "owner is not in the catalog), dangling relations (declared to a ref that is not there; a Group's "
                              "member who is a Portico user is not one), each with hidden: true for a caller who cannot "
                              "read the whole catalog, to whom an owner or target it may not read is listed alike, "
                              "Groups that name no Portico team, and orphans (gone from their location); at most 1,000 "
                              "of each, truncated says when there were more." },
    { "GET", "/api/v1/catalog/locations", "catalog.entity.read", catalog_locations_list, 0,
      "Locations", "Catalog files the runner re-reads: type (file, git, url), target, team, schedule, the last sync's "
                   "status (pending, ok, guarded, error), message and counts, and how many entities and orphans each has. "
                   "Only those the caller may read: its teams' (and the teams' above them), those of teams where it holds "
                   "catalog.location.write, and those without a team with catalog.location.write globally." },
    { "POST", "/api/v1/catalog/locations", "catalog.location.write", catalog_location_create, ROUTE_BODY_JSON,
      "Register a location", "{type: file|git|url, target (an absolute path under catalog_location_roots, a repository "
                             "directory, or an http(s) URL without credentials: no user:password@, no query "
                             "parameter such as access_token, token, key, password, secret or sig), path and "
                             "revision (git), team (its entities must be owned by it; needs catalog.location.write "
                             "there, else everywhere), on_orphan: keep|delete, "
                             "interval_seconds (10..86400)}. The runner reads it at its next pass." },
    { "GET", "/api/v1/catalog/locations/{id}", "catalog.entity.read", catalog_location_get, 0,
      "A location", "With its last sync's status, message and counts. 404 for one the caller may not read (as the "
                    "list decides), as for one that is not there." },
    { "DELETE", "/api/v1/catalog/locations/{id}", "catalog.location.write", catalog_location_delete, 0,
      "Delete a location", "entities=keep (default: they stay, as orphans) or delete (each deleted and audited; needs "
                           "catalog.entity.delete on each)." },
    { "POST", "/api/v1/catalog/locations/{id}/sync", "catalog.location.write", catalog_location_sync, 0,
      "Sync a location now", "202: the runner reads it at its next pass. confirm=true lets the removals that the "
                             "deletion guard held back go ahead (exactly that many)." },
    { "GET", "/api/v1/catalog/discover/{name}", "catalog.entity.read", catalog_discover, 0,
      "Discover a service", "environment (required), namespace (default), kind (component), seed: the passing "
                            "instances' endpoints, in an order shuffled by seed (default: the caller) and stable while "
                            "the set stands." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances", "catalog.entity.read", catalog_instances_list, 0,
      "An entity's instances", "Every registered instance in every environment, with status passing (heartbeat within "
                               "its TTL) or critical." },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances/{environment}/{instance}",
      "catalog.instance.register", catalog_instance_put, ROUTE_BODY_JSON,
      "Register an instance", "{url (http, https, tcp or grpc), version, region, metadata (object of strings), "
                              "ttl_seconds, deregister_seconds}: creates (201) or changes it, and counts as a heartbeat. "
                              "Needs catalog.instance.register on the entity's owner." },
    { "POST", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances/{environment}/{instance}/heartbeat",
      "catalog.instance.register", catalog_instance_heartbeat, 0,
      "Heartbeat", "Renews the instance's TTL; 404 when it is not registered (any more): register it again." },
    { "DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/instances/{environment}/{instance}",
      "catalog.instance.register", catalog_instance_delete, 0, "Deregister an instance", "" },
    { "GET", "/api/v1/catalog/entities", "catalog.entity.read", catalog_search, 0,
      "Search entities", "q (words, each a prefix), kind, type, lifecycle, owner (a ref), namespace, tag, "
                         "mine=true|false (owned by my teams, or not), owned=true|false (the entity names an owner: not a Group, "
                         "which is its team, a User or a Location), orphan=true|false, location=<id>; limit 1..500 "
                         "(50), cursor from next_cursor. Answers items, total and facets: kind, type, lifecycle, owner "
                         "and tag (each value's count, the 50 most frequent) and mine ({true, false}), over only what "
                         "the caller may read: the permission is part of the query, so counts and pages are exact." },
    { "POST", "/api/v1/catalog/import", "catalog.import", catalog_import, 0,
      "Import entities", "A catalog-info.yaml stream (application/yaml; several documents) or JSON (one entity or a "
                         "list), all or nothing: 422 names every bad field as documents/<i>/<path>, 400 gives the line "
                         "and column of malformed YAML, 403 names an entity the caller may not write. Each entity also "
                         "needs catalog.entity.write on its owner. ?dry_run=true answers what would be added and changed "
                         "without a change." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.read", catalog_entity_get, 0,
      "An entity", "Its document as stored, its version (also the ETag), location and orphaned_at; maps_to for a "
                   "Group (its team, kept_by_portico, and users: its members that are Portico users, with their ids) "
                   "or a User (the user and user_id). 404 when it is not there; 403 (with the owner team and "
                   "the role needed) when it is not yours to read." },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.write", catalog_entity_put,
      ROUTE_BODY_JSON, "Create or replace an entity",
      "Takes a backstage.io/v1alpha1 document naming the same entity as the path; 422 names every bad field by its "
      "path. If-Match: \"<version>\" (or *) makes it conditional: 412 when it changed, or is not there, or is not "
      "yours to read (alike). The owner's team (old and new) "
      "decides, with policies. Relations from spec are stored both ways; unresolved targets stay, dangling." },
    { "DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.delete", catalog_entity_delete, 0,
      "Delete an entity", "With its relations. If-Match honoured: 412 when it changed, or is not there, or is not "
                          "yours to read (alike). 409 for a team's Group that Portico keeps in step "
                          "(it goes with the team)." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/graph", "catalog.entity.read", catalog_graph, 0,
      "Dependency graph", "direction=downstream (what it depends on; default) or upstream (what depends on it: what "
                          "breaks if it goes down), depth 1..6 (3). Nodes (index 0 is the entity) with their depth, "
                          "dangling or hidden (not yours to read, not followed; to one who cannot read the whole "
                          "catalog, one not in the catalog is hidden too); edges by node index, cycle marks an "
                          "edge that closes a cycle; truncated past 2,000 nodes." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/relations", "catalog.entity.read", catalog_relations, 0,
      "An entity's relations", "Both directions (ownedBy and ownerOf, dependsOn and dependencyOf, ...); dangling marks a "
                               "target that is not in the catalog, hidden one not yours to read (to one who cannot "
                               "read the whole catalog, a target not in the catalog is hidden too, not dangling)." },
};

static const struct app catalog_app = { "catalog", catalog_routes, sizeof(catalog_routes) / sizeof(catalog_routes[0]),
                                        catalog_entity_prefetch };

int main(int argc, char **argv)
{
    return app_main(&catalog_app, argc, argv);
}
