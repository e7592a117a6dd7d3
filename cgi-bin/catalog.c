/*
 * catalog: entities by ref — read, create or replace (ETag / If-Match), delete — and their
 * relations. Every write is checked against the entity's owner (old and new) with the resource's
 * attributes, so team-scoped bindings and attribute policies apply, and audited in the change's
 * transaction. A read the caller may not make answers 404, as for an entity that is not there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/portico.h"
#include "lib/yamldoc.h"

static const char sql_get[] =
    "SELECT id, document, version, owner_team FROM entities WHERE ref = ?";
static const char sql_get_locked[] =
    "SELECT id, document, version, owner_team FROM entities WHERE ref = ? FOR UPDATE";
static const char sql_insert[] =
    "INSERT INTO entities (ref, kind, namespace, name, title, description, type, lifecycle, owner_ref, owner_team, "
    "tags, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_update[] =
    "UPDATE entities SET title = ?, description = ?, type = ?, lifecycle = ?, owner_ref = ?, owner_team = ?, tags = ?, "
    "document = ?, version = version + 1, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_delete[] = "DELETE FROM entities WHERE id = ?";
static const char sql_relations_clear[] = "DELETE FROM relations WHERE declared_by = ?";
static const char sql_relation_add[] =
    "INSERT IGNORE INTO relations (source_ref, type, target_ref, declared_by) VALUES (?, ?, ?, ?), (?, ?, ?, ?)";
static const char sql_relations[] =
    "SELECT r.type, r.target_ref AS target, e.id IS NULL AS dangling "
    "FROM relations r LEFT JOIN entities e ON e.ref = r.target_ref "
    "WHERE r.source_ref = ? ORDER BY r.type, r.target_ref LIMIT 5000";

/* The entity a path names; 0, or -1 with 404 in c->problem. */
static int path_ref(struct app_ctx *c, struct catalog_ref *ref)
{
    const char *why;
    char text[CATALOG_REF_MAX + 1];
    snprintf(text, sizeof(text), "%.16s:%.63s/%.63s", app_param(c, "kind"), app_param(c, "namespace"), app_param(c, "name"));
    if (catalog_ref_parse(text, NULL, NULL, ref, &why) < 0)
        return problem_set(&c->problem, 404, "not-found", "no such entity: the path %s", why);
    return 0;
}

/* The Portico team an owner ref names: a Group's name, when it can be a team name. */
static const char *owner_team(struct app_ctx *c, const char *owner_ref)
{
    const char *prefix = "group:";
    if (!owner_ref || strncmp(owner_ref, prefix, strlen(prefix)) != 0)
        return NULL;
    const char *slash = strchr(owner_ref, '/');
    return slash ? arena_strdup(c->arena, slash + 1) : NULL;
}

/* May the caller use permission on an entity owned by team (NULL: nobody's)? */
static bool may(struct app_ctx *c, const char *permission, const char *team, const struct catalog_ref *ref,
                struct authz_decision *d)
{
    char kind[sizeof(ref->kind)];
    size_t i = 0;
    for (; ref->kind[i]; i++)
        kind[i] = (char)(ref->kind[i] | 0x20);
    kind[i] = '\0';
    struct authz_resource res = { team, ref->text, NULL, kind };
    return authz_check(&c->grants, permission, &res, d) && authn_token_allows(&c->who, permission);
}

static int refuse(struct app_ctx *c, const char *permission, const struct authz_decision *d, const char *ref)
{
    if (d->policy)
        return problem_set(&c->problem, 403, "forbidden", "policy %s refuses %s on %s", d->policy->name, permission, ref);
    return problem_set(&c->problem, 403, "forbidden", "you do not have %s for %s (its owner's team, or a binding on it)",
                       permission, ref);
}

/* The answer for one entity: its ref, version and document, with the ETag. */
static int entity_answer(struct app_ctx *c, int status, const char *ref, long long version, const char *document)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ref", json_object_new_string(ref));
    json_object_object_add(o, "version", json_object_new_int64(version));
    json_object_object_add(o, "entity", json_tokener_parse(document));
    http_response_header(&c->res, "ETag", arena_printf(c->arena, "\"%lld\"", version));
    if (status == 201)
        http_response_header(&c->res, "Location", arena_printf(c->arena, "/api/v1/catalog/entities/%s/%s/%s",
                                                               app_param(c, "kind"), app_param(c, "namespace"),
                                                               app_param(c, "name")));
    return app_json(c, status, o);
}

static int catalog_entity_get(struct app_ctx *c)
{
    struct catalog_ref ref;
    if (path_ref(c, &ref) < 0)
        return -1;
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_get, &v, 1, &r, &c->problem) < 0)
        return -1;
    struct authz_decision d;
    if (r.nrows == 0 || !may(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d))
        return problem_set(&c->problem, 404, "not-found", "no such entity: %s", ref.text);
    return entity_answer(c, 200, ref.text, atoll(db_cell(&r, 0, 2)), db_cell(&r, 0, 1));
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

static const char *tags_text(struct app_ctx *c, json_object *doc)
{
    json_object *meta, *tags;
    if (!json_object_object_get_ex(doc, "metadata", &meta) || !json_object_object_get_ex(meta, "tags", &tags) ||
        !json_object_is_type(tags, json_type_array))
        return "";
    const char *out = "";
    for (size_t i = 0; i < json_object_array_length(tags); i++)
        out = arena_printf(c->arena, "%s%s%s", out, i ? " " : "", json_object_get_string(json_object_array_get_idx(tags, i)));
    return out;
}

enum store_outcome { STORE_UNCHANGED, STORE_ADDED, STORE_CHANGED };

/* Store one validated entity inside the open transaction (or only decide, when dry_run): its
 * owner's team, and the current owner's for a change, must allow catalog.entity.write;
 * If-Match (NULL: none) must hold. An unchanged document is left as it is. 0 with *outcome and
 * *version, or -1 with c->problem (the caller rolls back). */
static int entity_store(struct app_ctx *c, const struct catalog_entity *e, json_object *doc, const char *if_match,
                        bool dry_run, enum store_outcome *outcome, long long *version)
{
    struct problem *p = &c->problem;
    const struct catalog_ref *ref = &e->ref;
    const char *team = owner_team(c, e->owner);
    struct authz_decision d;
    if (!may(c, "catalog.entity.write", team, ref, &d))
        return refuse(c, "catalog.entity.write", &d, ref->text);
    const char *document = arena_strdup(c->arena, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
    struct db_value key = DB_TEXTV(ref->text);
    struct db_result cur;
    if (db_query(c->db, c->arena, dry_run ? sql_get : sql_get_locked, &key, 1, &cur, p) < 0)
        return -1;
    bool exists = cur.nrows == 1;
    const char *current = exists ? db_cell(&cur, 0, 2) : NULL;
    if (if_match && (strcmp(if_match, "*") == 0 ? !exists
                                                : !exists || strcmp(if_match, arena_printf(c->arena, "\"%s\"", current)) != 0))
        return problem_set(p, 412, "precondition-failed", "%s has changed (or does not exist): read it again", ref->text);
    /* the current owner must allow it too: nobody takes another team's entity by renaming its owner */
    if (exists && !may(c, "catalog.entity.write", db_cell(&cur, 0, 3), ref, &d))
        return refuse(c, "catalog.entity.write", &d, ref->text);
    *version = exists ? atoll(current) : 1;
    if (exists && strcmp(db_cell(&cur, 0, 1), document) == 0) {
        *outcome = STORE_UNCHANGED;
        return 0;
    }
    *outcome = exists ? STORE_CHANGED : STORE_ADDED;
    if (dry_run)
        return 0;
    long long id;
    const char *tags = tags_text(c, doc);
    struct db_value own = e->owner ? DB_TEXTV(e->owner) : DB_NULLV, tm = team ? DB_TEXTV(team) : DB_NULLV;
    if (exists) {
        id = atoll(db_cell(&cur, 0, 0));
        *version += 1;
        struct db_value v[9] = { DB_TEXTV(e->title), DB_TEXTV(e->description), DB_TEXTV(e->type), DB_TEXTV(e->lifecycle),
                                 own, tm, DB_TEXTV(tags), DB_TEXTV(document), DB_INTV(id) };
        struct db_value rid = DB_INTV(id);
        if (db_query(c->db, c->arena, sql_update, v, 9, NULL, p) < 0 ||
            db_query(c->db, c->arena, sql_relations_clear, &rid, 1, NULL, p) < 0)
            return -1;
    } else {
        struct db_value v[12] = { DB_TEXTV(ref->text), DB_TEXTV(ref->kind), DB_TEXTV(ref->ns), DB_TEXTV(ref->name),
                                  DB_TEXTV(e->title), DB_TEXTV(e->description), DB_TEXTV(e->type), DB_TEXTV(e->lifecycle),
                                  own, tm, DB_TEXTV(tags), DB_TEXTV(document) };
        struct db_result ins;
        if (db_query(c->db, c->arena, sql_insert, v, 12, &ins, p) < 0)
            return -1;
        id = (long long)ins.insert_id;
    }
    for (size_t i = 0; i < e->nrelations; i++) {
        const struct catalog_relation *rel = &e->relations[i];
        struct db_value v[8] = { DB_TEXTV(ref->text), DB_TEXTV(rel->type), DB_TEXTV(rel->target.text), DB_INTV(id),
                                 DB_TEXTV(rel->target.text), DB_TEXTV(rel->inverse), DB_TEXTV(ref->text), DB_INTV(id) };
        if (db_query(c->db, c->arena, sql_relation_add, v, 8, NULL, p) < 0)
            return -1;
    }
    struct audit_event ev = app_audit_event(c, exists ? "catalog.entity.update" : "catalog.entity.create", "success");
    ev.target_type = "entity";
    ev.target_id = ref->text;
    ev.details = arena_printf(c->arena, "{\"version\":%lld,\"relations\":%zu}", *version, e->nrelations);
    return audit_append(c->db, c->arena, &ev, p);
}

static int catalog_entity_put(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_ref ref;
    struct catalog_entity e;
    if (path_ref(c, &ref) < 0)
        return problem_set(p, 422, "validation", "the path is not an entity's kind/namespace/name");
    if (catalog_entity_read(c->body, c->arena, &e, p) < 0)
        return -1;
    if (strcmp(e.ref.text, ref.text) != 0) {
        problem_field(p, "metadata/name", "names %s, not the path's %s", e.ref.text, ref.text);
        json_fields_ok(p);
        return -1;
    }
    enum store_outcome outcome;
    long long version;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (entity_store(c, &e, c->body, http_header(&c->req, "If-Match"), false, &outcome, &version) < 0)
        return db_abort(c->db);
    if (db_commit(c->db, p) < 0)
        return -1;
    return entity_answer(c, outcome == STORE_ADDED ? 201 : 200, ref.text, version,
                         json_object_to_json_string_ext(c->body, JSON_C_TO_STRING_PLAIN));
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
    if (http_body_read(&c->req, (size_t)c->cfg->body_max_bytes, true, p) < 0)
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
    int rc = db_begin(c->db, p);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        enum store_outcome outcome;
        long long version;
        rc = entity_store(c, &ents[i], json_object_array_get_idx(docs, i), NULL, dry_run, &outcome, &version);
        if (rc == 0 && outcome == STORE_ADDED)
            json_object_array_add(added, json_object_new_string(ents[i].ref.text));
        else if (rc == 0 && outcome == STORE_CHANGED)
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
    if (path_ref(c, &ref) < 0)
        return -1;
    struct db_value key = DB_TEXTV(ref.text);
    struct db_result cur;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_get_locked, &key, 1, &cur, p) < 0)
        return db_abort(c->db);
    struct authz_decision d;
    if (cur.nrows == 0 || !may(c, "catalog.entity.read", db_cell(&cur, 0, 3), &ref, &d)) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no such entity: %s", ref.text);
    }
    if (!may(c, "catalog.entity.delete", db_cell(&cur, 0, 3), &ref, &d)) {
        db_abort(c->db);
        return refuse(c, "catalog.entity.delete", &d, ref.text);
    }
    if (!if_match_ok(c, db_cell(&cur, 0, 2))) {
        db_abort(c->db);
        return problem_set(p, 412, "precondition-failed", "%s has changed: read it again", ref.text);
    }
    struct db_value id = DB_INTV(atoll(db_cell(&cur, 0, 0)));
    if (db_query(c->db, c->arena, sql_delete, &id, 1, NULL, p) < 0)
        return db_abort(c->db);
    struct audit_event ev = app_audit_event(c, "catalog.entity.delete", "success");
    ev.target_type = "entity";
    ev.target_id = ref.text;
    if (audit_commit(c->db, c->arena, &ev, p) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("deleted"));
    return app_json(c, 200, o);
}

static int catalog_relations(struct app_ctx *c)
{
    struct catalog_ref ref;
    if (path_ref(c, &ref) < 0)
        return -1;
    struct db_value v = DB_TEXTV(ref.text);
    struct db_result r, rel;
    if (db_query(c->db, c->arena, sql_get, &v, 1, &r, &c->problem) < 0)
        return -1;
    struct authz_decision d;
    if (r.nrows == 0 || !may(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d))
        return problem_set(&c->problem, 404, "not-found", "no such entity: %s", ref.text);
    if (db_query(c->db, c->arena, sql_relations, &v, 1, &rel, &c->problem) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ref", json_object_new_string(ref.text));
    json_object_object_add(o, "relations", app_rows_json(&rel, rel.nrows, "ssb"));
    return app_json(c, 200, o);
}

/* ---- search -------------------------------------------------------------------------------- */

#define SEARCH_PARAMS_MAX 160

/* A WHERE clause and its parameters, grown by the filters. */
struct where {
    const char *sql;
    struct db_value v[SEARCH_PARAMS_MAX];
    size_t n;
};

static void where_add(struct app_ctx *c, struct where *w, const char *clause, const char *const *values, size_t nvalues)
{
    if (w->n + nvalues > SEARCH_PARAMS_MAX)
        return;
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

/* Free text to a boolean-mode query: each word a required prefix ("pay ledger" -> "+pay* +ledger*"). */
static const char *fulltext_query(struct app_ctx *c, const char *q)
{
    const char *out = "";
    char word[64];
    size_t n = 0;
    for (const char *s = q;; s++) {
        bool keep = *s && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                           (unsigned char)*s >= 0x80);
        if (keep && n < sizeof(word) - 1) {
            word[n++] = *s;
        } else if (!keep && n) {
            word[n] = '\0';
            out = arena_printf(c->arena, "%s%s+%s*", out, *out ? " " : "", word);
            n = 0;
        }
        if (!*s)
            break;
    }
    return out;
}

static json_object *facet(struct app_ctx *c, const char *column, const struct where *w, struct problem *p)
{
    struct db_result r;
    const char *sql = arena_printf(c->arena, "SELECT %s, COUNT(*) FROM entities WHERE %s GROUP BY %s ORDER BY COUNT(*) DESC, %s LIMIT 50",
                                   column, w->sql, column, column);
    if (db_query(c->db, c->arena, sql, w->v, w->n, &r, p) < 0)
        return NULL;
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < r.nrows; i++)
        if (db_cell(&r, i, 0))
            json_object_object_add(o, db_cell(&r, i, 0), json_object_new_int64(atoll(db_cell(&r, i, 1))));
    return o;
}

/* The WHERE clause of a search or an export: the query's filters, and what the caller may read
 * (everywhere, or its teams' entities and the entities it is bound on), so that counts, pages
 * and exports hold only readable entities. -1 with a 422 for a bad filter. */
static int search_where(struct app_ctx *c, struct where *w)
{
    struct problem *p = &c->problem;
    static const char *const filters[][2] = {
        { "kind", "kind = ?" }, { "type", "type = ?" }, { "lifecycle", "lifecycle = ?" }, { "owner", "owner_ref = ?" },
        { "namespace", "namespace = ?" },
    };
    w->sql = "TRUE";
    w->n = 0;
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
    if (tag && strlen(tag) <= CATALOG_NAME_MAX)
        where_add(c, w, "CONCAT(' ', tags, ' ') LIKE CONCAT('% ', ?, ' %')", (const char *[]){ tag }, 1);
    if (!json_fields_ok(p))
        return -1;
    if (q && *fulltext_query(c, q))
        where_add(c, w, "MATCH (name, title, description, tags) AGAINST (? IN BOOLEAN MODE)",
                  (const char *[]){ fulltext_query(c, q) }, 1);
    /* mine: what my teams (and the teams above them) own */
    if (mine && strcmp(mine, "true") == 0) {
        size_t n = 0;
        while (c->grants.teams && c->grants.teams[n])
            n++;
        where_add(c, w, in_list(c, "owner_team", n), c->grants.teams, n);
    }
    struct authz_scopes sc;
    if (authz_scopes_of(&c->grants, "catalog.entity.read", c->arena, &sc) < 0)
        return problem_set(p, 500, "internal", "out of memory");
    if (!sc.everywhere) {
        const char *clause = arena_printf(c->arena, "(%s OR %s)", in_list(c, "owner_team", sc.nteams),
                                          in_list(c, "ref", sc.nentities));
        const char **both = arena_calloc(c->arena, sc.nteams + sc.nentities + 1, sizeof(char *));
        if (!both)
            return problem_set(p, 500, "internal", "out of memory");
        memcpy(both, sc.teams, sc.nteams * sizeof(char *));
        memcpy(both + sc.nteams, sc.entities, sc.nentities * sizeof(char *));
        where_add(c, w, clause, both, sc.nteams + sc.nentities);
    }
    return 0;
}

/* GET /catalog/entities: filters, free text, facets and keyset pages. */
static int catalog_search(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct where w;
    const char *limit_s = http_query(&c->req, "limit"), *cursor = http_query(&c->req, "cursor");
    long limit = limit_s ? strtol(limit_s, NULL, 10) : 50;
    if (limit < 1 || limit > 500)
        problem_field(p, "limit", "must be 1 to 500");
    if (search_where(c, &w) < 0)
        return -1;
    struct db_result total, r;
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT COUNT(*) FROM entities WHERE %s", w.sql), w.v, w.n,
                 &total, p) < 0)
        return -1;
    json_object *facets = json_object_new_object();
    static const char *const facet_columns[] = { "kind", "type", "lifecycle", "owner_ref" };
    for (size_t i = 0; i < 4; i++) {
        json_object *f = facet(c, facet_columns[i], &w, p);
        if (!f) {
            json_object_put(facets);
            return -1;
        }
        json_object_object_add(facets, i == 3 ? "owner" : facet_columns[i], f);
    }
    struct where page = w;
    if (cursor)
        where_add(c, &page, "ref > ?", (const char *[]){ cursor }, 1);
    page.v[page.n++] = (struct db_value)DB_INTV(limit + 1);
    const char *sql = arena_printf(c->arena, "SELECT ref, kind, namespace, name, title, type, lifecycle, owner_ref AS owner, "
                                             "version FROM entities WHERE %s ORDER BY ref LIMIT ?", page.sql);
    if (db_query(c->db, c->arena, sql, page.v, page.n, &r, p) < 0) {
        json_object_put(facets);
        return -1;
    }
    size_t rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", app_rows_json(&r, rows, "ssssssssi"));
    json_object_object_add(o, "total", json_object_new_int64(atoll(db_cell(&total, 0, 0))));
    json_object_object_add(o, "facets", facets);
    json_object_object_add(o, "next_cursor", r.nrows > (size_t)limit ? json_object_new_string(db_cell(&r, rows - 1, 0)) : NULL);
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
    if (path_ref(c, &ref) < 0)
        return -1;
    const char *dir = http_query(&c->req, "direction"), *depth_s = http_query(&c->req, "depth");
    long max_depth = depth_s ? strtol(depth_s, NULL, 10) : 3;
    if (dir && strcmp(dir, "downstream") != 0 && strcmp(dir, "upstream") != 0)
        problem_field(p, "direction", "must be downstream or upstream");
    if (max_depth < 1 || max_depth > GRAPH_DEPTH_MAX)
        problem_field(p, "depth", "must be 1 to %d", GRAPH_DEPTH_MAX);
    if (!json_fields_ok(p))
        return -1;
    bool upstream = dir && strcmp(dir, "upstream") == 0;
    struct db_value key = DB_TEXTV(ref.text);
    struct db_result r;
    if (db_query(c->db, c->arena, sql_get, &key, 1, &r, p) < 0)
        return -1;
    struct authz_decision d;
    if (r.nrows == 0 || !may(c, "catalog.entity.read", db_cell(&r, 0, 3), &ref, &d))
        return problem_set(p, 404, "not-found", "no such entity: %s", ref.text);

    struct gnode *nodes = arena_calloc(c->arena, GRAPH_NODES_MAX, sizeof(*nodes));
    struct gedge *edges = arena_calloc(c->arena, GRAPH_NODES_MAX * 4, sizeof(*edges));
    if (!nodes || !edges)
        return problem_set(p, 500, "internal", "out of memory");
    size_t nn = 1, ne = 0, level_start = 0;
    bool truncated = false;
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
                nodes[to].dangling = strcmp(db_cell(&r, i, 3), "1") == 0;
                nodes[to].hidden = !nodes[to].dangling &&
                                   (catalog_ref_parse(nodes[to].ref, NULL, NULL, &tr, &why) < 0 ||
                                    !may(c, "catalog.entity.read", db_cell(&r, i, 2), &tr, &d));
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
    if (search_where(c, &w) < 0)
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

static const struct route catalog_routes[] = {
    { "GET", "/api/v1/catalog/export", "catalog.entity.read", catalog_export, 0,
      "Export entities", "The search's filters (q, kind, type, lifecycle, owner, namespace, tag, mine) select readable "
                         "entities, answered as catalog-info.yaml documents as stored (format=json: a list), at most "
                         "20,000: importing the export changes nothing." },
    { "GET", "/api/v1/catalog/entities", "catalog.entity.read", catalog_search, 0,
      "Search entities", "q (words, each a prefix), kind, type, lifecycle, owner (a ref), namespace, tag, mine=true "
                         "(owned by my teams); limit 1..500 (50), cursor from next_cursor. Answers items, total and "
                         "facets (kind, type, lifecycle, owner) over only what the caller may read: the permission is "
                         "part of the query, so counts and pages are exact." },
    { "POST", "/api/v1/catalog/import", "catalog.import", catalog_import, 0,
      "Import entities", "A catalog-info.yaml stream (application/yaml; several documents) or JSON (one entity or a "
                         "list), all or nothing: 422 names every bad field as documents/<i>/<path>, 400 gives the line "
                         "and column of malformed YAML, 403 names an entity the caller may not write. Each entity also "
                         "needs catalog.entity.write on its owner. ?dry_run=true answers what would be added and changed "
                         "without a change." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.read", catalog_entity_get, 0,
      "An entity", "Its document as stored, its version (also the ETag). 404 when it is not there or not yours to read." },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.write", catalog_entity_put,
      ROUTE_BODY_JSON, "Create or replace an entity",
      "Takes a backstage.io/v1alpha1 document naming the same entity as the path; 422 names every bad field by its "
      "path. If-Match: \"<version>\" (or *) makes it conditional: 412 when it changed. The owner's team (old and new) "
      "decides, with policies. Relations from spec are stored both ways; unresolved targets stay, dangling." },
    { "DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.delete", catalog_entity_delete, 0,
      "Delete an entity", "With its relations. If-Match honoured." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/graph", "catalog.entity.read", catalog_graph, 0,
      "Dependency graph", "direction=downstream (what it depends on; default) or upstream (what depends on it: what "
                          "breaks if it goes down), depth 1..6 (3). Nodes (index 0 is the entity) with their depth, "
                          "dangling or hidden (not yours to read; not followed); edges by node index, cycle marks an "
                          "edge that closes a cycle; truncated past 2,000 nodes." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/relations", "catalog.entity.read", catalog_relations, 0,
      "An entity's relations", "Both directions (ownedBy and ownerOf, dependsOn and dependencyOf, ...); dangling marks a "
                               "target that is not in the catalog." },
};

static const struct app catalog_app = { "catalog", catalog_routes, sizeof(catalog_routes) / sizeof(catalog_routes[0]) };

int main(int argc, char **argv)
{
    return app_main(&catalog_app, argc, argv);
}
