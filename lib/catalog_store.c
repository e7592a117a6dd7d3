/*
 * catalog_store: one way to write an entity, whoever writes it (see catalog_store.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_store.h"

static const char sql_get[] =
    "SELECT id, document, version, owner_team, location_id, orphaned_at IS NOT NULL, ref, managed_by FROM entities "
    "WHERE ref = ?";
static const char sql_get_locked[] =
    "SELECT id, document, version, owner_team, location_id, orphaned_at IS NOT NULL, ref, managed_by FROM entities "
    "WHERE ref = ? FOR UPDATE";
static const char sql_insert[] =
    "INSERT INTO entities (ref, kind, namespace, name, title, description, type, lifecycle, owner_ref, owner_team, "
    "tags, document, location_id, managed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/* location_id and managed_by change only when a managed entity is taken over (else they are the writer's already) */
static const char sql_update[] =
    "UPDATE entities SET title = ?, description = ?, type = ?, lifecycle = ?, owner_ref = ?, owner_team = ?, tags = ?, "
    "document = ?, location_id = ?, managed_by = ?, version = version + 1, orphaned_at = NULL, "
    "updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char sql_adopt[] = "UPDATE entities SET orphaned_at = NULL WHERE id = ?";
static const char sql_delete[] = "DELETE FROM entities WHERE id = ?";
/* an entity's secrets are held by the team stored with them (lib/secrets.h): they move when the
 * entity's own team hands it over, never to whoever makes an entity of a deleted one's name */
static const char sql_secrets_move[] =
    "UPDATE secrets SET team = ? WHERE scope_type = 'entity' AND entity_ref = ? AND team <=> ?";
static const char sql_relations_clear[] = "DELETE FROM relations WHERE declared_by = ?";

/* Relations are inserted RELATIONS_BATCH at a time (each both ways), terms TERMS_BATCH at a
 * time: one statement for most entities. Each size is its own prepared statement (the cache
 * holds them all: lib/db.c, DB_STMT_CACHE). Padding a batch with repeats to keep one shape was
 * measured slower: the server checks every repeated row against the key. */
#define RELATIONS_BATCH 8
#define TERMS_BATCH 16

const char *catalog_owner_team(struct arena *a, const char *owner_ref)
{
    static const char prefix[] = "group:";
    if (!owner_ref || strncmp(owner_ref, prefix, sizeof(prefix) - 1) != 0)
        return NULL;
    const char *slash = strchr(owner_ref, '/');
    return slash ? arena_strdup(a, slash + 1) : NULL;
}

/* The entity's tags (checked: lib/catalog.c), listed and joined by spaces as entities.tags. */
static const char *tags_of(struct arena *a, json_object *doc, const char *list[CATALOG_TAGS_MAX], size_t *n)
{
    json_object *meta, *tags;
    *n = 0;
    if (!json_object_object_get_ex(doc, "metadata", &meta) || !json_object_object_get_ex(meta, "tags", &tags) ||
        !json_object_is_type(tags, json_type_array))
        return "";
    const char *out = "";
    for (size_t i = 0; i < json_object_array_length(tags) && *n < CATALOG_TAGS_MAX; i++) {
        list[(*n)++] = json_object_get_string(json_object_array_get_idx(tags, i));
        out = arena_printf(a, "%s%s%s", out, i ? " " : "", list[i]);
    }
    return out;
}

static int relations_add(const struct catalog_writer *w, const struct catalog_entity *e, long long id)
{
    static const char head[] = "INSERT IGNORE INTO relations (source_ref, type, target_ref, declared_by) VALUES ";
    struct db_value v[RELATIONS_BATCH * 8];
    for (size_t at = 0; at < e->nrelations; at += RELATIONS_BATCH) {
        size_t n = e->nrelations - at < RELATIONS_BATCH ? e->nrelations - at : RELATIONS_BATCH, nv = 0;
        char sql[sizeof(head) + RELATIONS_BATCH * 32];
        size_t len = (size_t)snprintf(sql, sizeof(sql), "%s", head);
        for (size_t i = 0; i < n; i++) {
            const struct catalog_relation *rel = &e->relations[at + i];
            len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(?, ?, ?, ?), (?, ?, ?, ?)", i ? ", " : "");
            v[nv++] = (struct db_value)DB_TEXTV(e->ref.text);
            v[nv++] = (struct db_value)DB_TEXTV(rel->type);
            v[nv++] = (struct db_value)DB_TEXTV(rel->target.text);
            v[nv++] = (struct db_value)DB_INTV(id);
            v[nv++] = (struct db_value)DB_TEXTV(rel->target.text);
            v[nv++] = (struct db_value)DB_TEXTV(rel->inverse);
            v[nv++] = (struct db_value)DB_TEXTV(e->ref.text);
            v[nv++] = (struct db_value)DB_INTV(id);
        }
        if (db_query(w->db, w->arena, sql, v, nv, NULL, w->p) < 0)
            return -1;
    }
    return 0;
}

/* Rows of an index table (entity_terms or entity_tags), one per key, replacing what the entity
 * had there; each row carries what search filters and counts by (migrations 0011, 0012). */
static int index_store(const struct catalog_writer *w, const char *table, const char *key, const char *const *keys, size_t n,
                       const struct catalog_entity *e, const char *tags, const char *team, long long id, bool existed)
{
    struct db_value rid = DB_INTV(id);
    if (existed && db_query(w->db, w->arena, arena_printf(w->arena, "DELETE FROM %s WHERE entity_id = ?", table), &rid, 1,
                            NULL, w->p) < 0)
        return -1;
    struct db_value v[TERMS_BATCH * 10];
    for (size_t at = 0; at < n; at += TERMS_BATCH) {
        size_t k = n - at < TERMS_BATCH ? n - at : TERMS_BATCH, nv = 0;
        char sql[200 + TERMS_BATCH * 40];
        size_t len = (size_t)snprintf(sql, sizeof(sql), "INSERT IGNORE INTO %s (%s, entity_id, kind, type, lifecycle, "
                                      "owner_ref, owner_team, namespace, ref, tags) VALUES ", table, key);
        for (size_t i = 0; i < k; i++) {
            len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", i ? ", " : "");
            v[nv++] = (struct db_value)DB_TEXTV(keys[at + i]);
            v[nv++] = rid;
            v[nv++] = (struct db_value)DB_TEXTV(e->ref.kind);
            v[nv++] = (struct db_value)DB_TEXTV(e->type);
            v[nv++] = (struct db_value)DB_TEXTV(e->lifecycle);
            v[nv++] = e->owner ? (struct db_value)DB_TEXTV(e->owner) : (struct db_value)DB_NULLV;
            v[nv++] = team ? (struct db_value)DB_TEXTV(team) : (struct db_value)DB_NULLV;
            v[nv++] = (struct db_value)DB_TEXTV(e->ref.ns);
            v[nv++] = (struct db_value)DB_TEXTV(e->ref.text);
            v[nv++] = (struct db_value)DB_TEXTV(tags);
        }
        if (db_query(w->db, w->arena, sql, v, nv, NULL, w->p) < 0)
            return -1;
    }
    return 0;
}

/* The entity's search terms (catalog_terms) and its tags, each in its table. */
static int terms_store(const struct catalog_writer *w, const struct catalog_entity *e, const char *const *tags, size_t ntags,
                       const char *tagtext, const char *team, long long id, bool existed)
{
    const char *terms[CATALOG_TERMS_MAX];
    size_t n = 0;
    catalog_terms(e->ref.name, w->arena, terms, &n, CATALOG_TERMS_MAX);
    catalog_terms(e->title, w->arena, terms, &n, CATALOG_TERMS_MAX);
    catalog_terms(e->description, w->arena, terms, &n, CATALOG_TERMS_MAX);
    catalog_terms(tagtext, w->arena, terms, &n, CATALOG_TERMS_MAX);
    return index_store(w, "entity_terms", "term", terms, n, e, tagtext, team, id, existed) < 0 ||
                   index_store(w, "entity_tags", "tag", tags, ntags, e, tagtext, team, id, existed) < 0
               ? -1
               : 0;
}

static int audit(const struct catalog_writer *w, const char *action, const char *ref, const char *details)
{
    struct audit_event ev = w->event;
    ev.action = action;
    ev.outcome = "success";
    ev.target_type = "entity";
    ev.target_id = ref;
    ev.details = details;
    return audit_append(w->db, w->arena, &ev, w->p);
}

#define CURRENT_BATCH 500

static int row_cmp(const void *a, const void *b, void *rows)
{
    return strcmp(db_cell(rows, *(const size_t *)a, 6), db_cell(rows, *(const size_t *)b, 6));
}

int catalog_current_read(const struct catalog_writer *w, const struct catalog_entity *ents, size_t n, bool dry_run,
                         struct catalog_current *out)
{
    memset(out, 0, sizeof(*out));
    struct db_value *v = arena_calloc(w->arena, CURRENT_BATCH, sizeof(*v));
    size_t total = 0;
    struct db_result *parts = arena_calloc(w->arena, n / CURRENT_BATCH + 1, sizeof(*parts));
    if (!v || !parts)
        return problem_set(w->p, 500, "internal", "out of memory");
    size_t nparts = 0;
    for (size_t at = 0; at < n; at += CURRENT_BATCH) {
        size_t k = n - at < CURRENT_BATCH ? n - at : CURRENT_BATCH;
        const char *marks = "?";
        for (size_t i = 0; i < k; i++)
            v[i] = (struct db_value)DB_TEXTV(ents[at + i].ref.text);
        for (size_t i = 1; i < k; i++)
            marks = arena_printf(w->arena, "%s, ?", marks);
        const char *sql = arena_printf(w->arena, "SELECT id, document, version, owner_team, location_id, orphaned_at IS NOT NULL, "
                                                 "ref, managed_by FROM entities WHERE ref IN (%s)%s", marks,
                                       dry_run ? "" : " FOR UPDATE");
        if (db_query(w->db, w->arena, sql, v, k, &parts[nparts], w->p) < 0)
            return -1;
        total += parts[nparts++].nrows;
    }
    /* one result of every part's rows */
    out->r.ncols = 8;
    out->r.nrows = total;
    out->r.cells = arena_calloc(w->arena, total * 8 + 1, sizeof(struct db_cell));
    out->order = arena_calloc(w->arena, total + 1, sizeof(size_t));
    if (!out->r.cells || !out->order)
        return problem_set(w->p, 500, "internal", "out of memory");
    size_t row = 0;
    for (size_t i = 0; i < nparts; i++) {
        memcpy(out->r.cells + row * 8, parts[i].cells, parts[i].nrows * 8 * sizeof(struct db_cell));
        row += parts[i].nrows;
    }
    for (size_t i = 0; i < total; i++)
        out->order[i] = i;
    qsort_r(out->order, total, sizeof(size_t), row_cmp, &out->r);
    return 0;
}

/* The row of ref in known, or -1. */
static long current_find(const struct catalog_current *known, const char *ref)
{
    size_t lo = 0, hi = known->r.nrows;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int d = strcmp(db_cell(&known->r, known->order[mid], 6), ref);
        if (d == 0)
            return (long)known->order[mid];
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int catalog_store(const struct catalog_writer *w, const struct catalog_entity *e, json_object *doc,
                  const char *if_match, bool dry_run, const struct catalog_current *known, enum catalog_outcome *outcome,
                  long long *version)
{
    struct problem *p = w->p;
    struct arena *a = w->arena;
    const struct catalog_ref *ref = &e->ref;
    /* a Group is its team's own entity; everything else is its owner Group's team's */
    const char *team = catalog_owner_team(a, strcmp(ref->kind, "Group") == 0 ? ref->text : e->owner);
    if (w->allow(w->ctx, team, ref) < 0)
        return -1;
    const char *document = arena_strdup(a, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
    struct db_value key = DB_TEXTV(ref->text);
    struct db_result one;
    const struct db_result *cur = &one;
    size_t row = 0;
    bool exists;
    if (!document)
        return problem_set(p, 500, "internal", "out of memory");
    if (known) {
        long found = current_find(known, ref->text);
        cur = &known->r;
        row = found < 0 ? 0 : (size_t)found;
        exists = found >= 0;
    } else {
        if (db_query(w->db, a, dry_run ? sql_get : sql_get_locked, &key, 1, &one, p) < 0)
            return -1;
        exists = one.nrows == 1;
    }
    const char *current = exists ? db_cell(cur, row, 2) : NULL;
    /* a conditional write must not tell an entity the writer may not read from one not there */
    bool seen = exists && (!w->may_read || w->may_read(w->ctx, db_cell(cur, row, 3), ref));
    if (if_match && (strcmp(if_match, "*") == 0 ? !seen : !seen || strcmp(if_match, arena_printf(a, "\"%s\"", current)) != 0))
        return problem_set(p, 412, "precondition-failed", "%s has changed (or does not exist): read it again", ref->text);
    const char *managed = exists ? db_cell(cur, row, 7) : NULL;
    bool takeover = managed && !w->manager;   /* a managed entity, written by a person or a location */
    if (exists) {
        /* the current owner must allow it too: nobody takes another team's entity by renaming its owner */
        if (w->allow(w->ctx, db_cell(cur, row, 3), ref) < 0)
            return -1;
        if (w->manager && (!managed || strcmp(managed, w->manager) != 0))
            return problem_set(p, 409, "conflict", "%s was written by hand or by a location: Portico leaves it alone",
                               ref->text);
        long long from = db_cell(cur, row, 4) ? atoll(db_cell(cur, row, 4)) : 0;
        if (takeover) {
            /* from now on it is the writer's: the manager stops keeping it in step */
        } else if (from != w->location_id && from != 0)
            return problem_set(p, 409, "conflict", "%s comes from location %lld: change it there (or delete the location)",
                               ref->text, from);
        if (from != w->location_id)
            return problem_set(p, 409, "conflict", "%s was written by hand, not by this location: delete it first to "
                                                   "let the location own it", ref->text);
    }
    *version = exists ? atoll(current) : 1;
    bool orphan = exists && strcmp(db_cell(cur, row, 5), "1") == 0;
    if (exists && !takeover && strcmp(db_cell(cur, row, 1), document) == 0) {
        *outcome = CATALOG_UNCHANGED;
        if (!orphan || dry_run)
            return 0;
        struct db_value id = DB_INTV(atoll(db_cell(cur, row, 0)));
        if (db_query(w->db, a, sql_adopt, &id, 1, NULL, p) < 0)
            return -1;
        return audit(w, "catalog.entity.adopt", ref->text, NULL);
    }
    *outcome = exists ? CATALOG_CHANGED : CATALOG_ADDED;
    if (dry_run)
        return 0;
    long long id;
    const char *taglist[CATALOG_TAGS_MAX];
    size_t ntags;
    const char *tags = tags_of(a, doc, taglist, &ntags);
    struct db_value own = e->owner ? DB_TEXTV(e->owner) : DB_NULLV, tm = team ? DB_TEXTV(team) : DB_NULLV;
    struct db_value loc = w->location_id ? DB_INTV(w->location_id) : DB_NULLV;
    struct db_value mgr = w->manager ? DB_TEXTV(w->manager) : DB_NULLV;
    if (exists) {
        id = atoll(db_cell(cur, row, 0));
        *version += 1;
        struct db_value v[11] = { DB_TEXTV(e->title), DB_TEXTV(e->description), DB_TEXTV(e->type), DB_TEXTV(e->lifecycle),
                                  own, tm, DB_TEXTV(tags), DB_TEXTV(document), loc, mgr, DB_INTV(id) };
        struct db_value rid = DB_INTV(id);
        if (db_query(w->db, a, sql_update, v, 11, NULL, p) < 0 || db_query(w->db, a, sql_relations_clear, &rid, 1, NULL, p) < 0)
            return -1;
        /* handed over by its team (both allowed it, above): the secrets its team held go with it */
        const char *was = db_cell(cur, row, 3);
        if (!was != !team || (was && strcmp(was, team) != 0)) {
            struct db_value m[3] = { tm, DB_TEXTV(ref->text), was ? DB_TEXTV(was) : DB_NULLV };
            if (db_query(w->db, a, sql_secrets_move, m, 3, NULL, p) < 0)
                return -1;
        }
    } else {
        struct db_value v[14] = { DB_TEXTV(ref->text), DB_TEXTV(ref->kind), DB_TEXTV(ref->ns), DB_TEXTV(ref->name),
                                  DB_TEXTV(e->title), DB_TEXTV(e->description), DB_TEXTV(e->type), DB_TEXTV(e->lifecycle),
                                  own, tm, DB_TEXTV(tags), DB_TEXTV(document), loc, mgr };
        struct db_result ins;
        if (db_query(w->db, a, sql_insert, v, 14, &ins, p) < 0)
            return -1;
        id = (long long)ins.insert_id;
    }
    if (relations_add(w, e, id) < 0 || terms_store(w, e, taglist, ntags, tags, team, id, exists) < 0)
        return -1;
    return audit(w, exists ? "catalog.entity.update" : "catalog.entity.create", ref->text,
                 arena_printf(a, "{\"version\":%lld,\"relations\":%zu%s%s%s}", *version, e->nrelations,
                              w->manager ? ",\"managed_by\":\"" : takeover ? ",\"taken_over_from\":\"" : "",
                              w->manager ? w->manager : takeover ? managed : "", w->manager || takeover ? "\"" : ""));
}

int catalog_remove(const struct catalog_writer *w, long long id, const char *ref, const char *details)
{
    struct db_value v = DB_INTV(id);
    if (db_query(w->db, w->arena, sql_delete, &v, 1, NULL, w->p) < 0)
        return -1;
    return audit(w, "catalog.entity.delete", ref, details);
}
