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
    const char *team = owner_team(c, e.owner);
    struct authz_decision d;
    if (!may(c, "catalog.entity.write", team, &ref, &d))
        return refuse(c, "catalog.entity.write", &d, ref.text);

    const char *document = arena_strdup(c->arena, json_object_to_json_string_ext(c->body, JSON_C_TO_STRING_PLAIN));
    const char *tags = tags_text(c, c->body);
    struct db_value key = DB_TEXTV(ref.text);
    struct db_result cur;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_get_locked, &key, 1, &cur, p) < 0)
        return db_abort(c->db);
    bool exists = cur.nrows == 1;
    if (!if_match_ok(c, exists ? db_cell(&cur, 0, 2) : NULL)) {
        db_abort(c->db);
        return problem_set(p, 412, "precondition-failed", "%s has changed (or does not exist): read it again",
                           ref.text);
    }
    /* the current owner must allow it too: nobody takes another team's entity by renaming */
    if (exists && !may(c, "catalog.entity.write", db_cell(&cur, 0, 3), &ref, &d)) {
        db_abort(c->db);
        return refuse(c, "catalog.entity.write", &d, ref.text);
    }
    long long id, version = 1;
    struct db_value own = e.owner ? DB_TEXTV(e.owner) : DB_NULLV, tm = team ? DB_TEXTV(team) : DB_NULLV;
    if (exists) {
        id = atoll(db_cell(&cur, 0, 0));
        version = atoll(db_cell(&cur, 0, 2)) + 1;
        struct db_value v[9] = { DB_TEXTV(e.title), DB_TEXTV(e.description), DB_TEXTV(e.type), DB_TEXTV(e.lifecycle),
                                 own, tm, DB_TEXTV(tags), DB_TEXTV(document), DB_INTV(id) };
        struct db_value rid = DB_INTV(id);
        if (db_query(c->db, c->arena, sql_update, v, 9, NULL, p) < 0 ||
            db_query(c->db, c->arena, sql_relations_clear, &rid, 1, NULL, p) < 0)
            return db_abort(c->db);
    } else {
        struct db_value v[12] = { DB_TEXTV(ref.text), DB_TEXTV(ref.kind), DB_TEXTV(ref.ns), DB_TEXTV(ref.name),
                                  DB_TEXTV(e.title), DB_TEXTV(e.description), DB_TEXTV(e.type), DB_TEXTV(e.lifecycle),
                                  own, tm, DB_TEXTV(tags), DB_TEXTV(document) };
        struct db_result ins;
        if (db_query(c->db, c->arena, sql_insert, v, 12, &ins, p) < 0)
            return db_abort(c->db);
        id = (long long)ins.insert_id;
    }
    for (size_t i = 0; i < e.nrelations; i++) {
        const struct catalog_relation *rel = &e.relations[i];
        struct db_value v[8] = { DB_TEXTV(ref.text), DB_TEXTV(rel->type), DB_TEXTV(rel->target.text), DB_INTV(id),
                                 DB_TEXTV(rel->target.text), DB_TEXTV(rel->inverse), DB_TEXTV(ref.text), DB_INTV(id) };
        if (db_query(c->db, c->arena, sql_relation_add, v, 8, NULL, p) < 0)
            return db_abort(c->db);
    }
    struct audit_event ev = app_audit_event(c, exists ? "catalog.entity.update" : "catalog.entity.create", "success");
    ev.target_type = "entity";
    ev.target_id = ref.text;
    ev.details = arena_printf(c->arena, "{\"version\":%lld,\"relations\":%zu}", version, e.nrelations);
    if (audit_commit(c->db, c->arena, &ev, p) < 0)
        return -1;
    return entity_answer(c, exists ? 200 : 201, ref.text, version, document);
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

static const struct route catalog_routes[] = {
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.read", catalog_entity_get, 0,
      "An entity", "Its document as stored, its version (also the ETag). 404 when it is not there or not yours to read." },
    { "PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.write", catalog_entity_put,
      ROUTE_BODY_JSON, "Create or replace an entity",
      "Takes a backstage.io/v1alpha1 document naming the same entity as the path; 422 names every bad field by its "
      "path. If-Match: \"<version>\" (or *) makes it conditional: 412 when it changed. The owner's team (old and new) "
      "decides, with policies. Relations from spec are stored both ways; unresolved targets stay, dangling." },
    { "DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}", "catalog.entity.delete", catalog_entity_delete, 0,
      "Delete an entity", "With its relations. If-Match honoured." },
    { "GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}/relations", "catalog.entity.read", catalog_relations, 0,
      "An entity's relations", "Both directions (ownedBy and ownerOf, dependsOn and dependencyOf, ...); dangling marks a "
                               "target that is not in the catalog." },
};

static const struct app catalog_app = { "catalog", catalog_routes, sizeof(catalog_routes) / sizeof(catalog_routes[0]) };

int main(int argc, char **argv)
{
    return app_main(&catalog_app, argc, argv);
}
