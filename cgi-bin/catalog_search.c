/*
 * catalog_search: finding entities (GET /catalog/entities: words as prefixes over the term
 * index, filters, facet counts, keyset pages) and exporting what a search finds as
 * catalog-info.yaml (GET /catalog/export). The caller's read scopes are part of the SQL, so
 * totals, facets and pages count only readable entities.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "lib/yamldoc.h"

/* ---- search -------------------------------------------------------------------------------- */

#define SEARCH_WORDS_MAX 8

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
static json_object *facets_and_total(struct app_ctx *c, const struct catalog_where *w, const struct catalog_where *t, long long *total)
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

static int search_scan(struct app_ctx *c, const struct catalog_where *w, const char *cursor, long limit, json_object **facets,
                       long long *total, const char ***refs, size_t *nrefs, bool *more)
{
    struct problem *p = &c->problem;
    struct catalog_where q = *w;
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
    if (!(*facets = app_keep(c, facets_json(&f))))   /* the request's: no error path puts it */
        return problem_set(p, 500, "internal", "out of memory");
    return 0;
}

/* The WHERE clause of a search or an export: the query's filters, and what the caller may read
 * (everywhere, or its teams' entities and the entities it is bound on), so that counts, pages
 * and exports hold only readable entities. -1 with a 422 for a bad filter. */
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
static int search_where(struct app_ctx *c, struct catalog_where *w, enum search_over over)
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
            catalog_where_add(c, w, filters[i][1], (const char *[]){ strcmp(filters[i][0], "kind") == 0 ? catalog_kind(v) : v }, 1);
    }
    /* what only the entities table has: through its id when searching rows of the others */
    const char *id = over == OVER_ENTITIES ? "id" : "entity_id";
    const char *from = over == OVER_ENTITIES ? "(" : "entity_id IN (SELECT id FROM entities WHERE ";
    const char *orphan = http_query(&c->req, "orphan"), *location = http_query(&c->req, "location");
    if (orphan && strcmp(orphan, "true") == 0)
        catalog_where_add(c, w, arena_printf(c->arena, "%sorphaned_at IS NOT NULL)", from), NULL, 0);
    else if (orphan && strcmp(orphan, "false") == 0)
        catalog_where_add(c, w, arena_printf(c->arena, "NOT %sorphaned_at IS NOT NULL)", from), NULL, 0);
    else if (orphan)
        problem_field(p, "orphan", "must be true or false");
    if (location && *location && location[0] != '0' && strspn(location, "0123456789") == strlen(location) &&
        strlen(location) <= 18)   /* an id's one spelling: no sign, space or leading zero */
        catalog_where_add(c, w, arena_printf(c->arena, "%slocation_id = ?)", from), (const char *[]){ location }, 1);
    else if (location)
        problem_field(p, "location", "must be a location's id");
    /* a tag: the rows' own tags, or (over entities, whose facets come from an index without
     * them) the tag's rows */
    if (tag && !tag_ok(tag))
        problem_field(p, "tag", "must be a tag: lower-case letters, digits and '-', ':', '+', '#' (at most 63)");
    else if (tag && over == OVER_ENTITIES)
        catalog_where_add(c, w, "id IN (SELECT entity_id FROM entity_tags WHERE tag = ?)", &tag, 1);
    else if (tag)
        catalog_where_add(c, w, "CONCAT(' ', tags, ' ') LIKE CONCAT('% ', ?, ' %')", &tag, 1);
    if (mine && strcmp(mine, "true") != 0 && strcmp(mine, "false") != 0)
        problem_field(p, "mine", "must be true or false");
    /* owned: entities whose spec names an owner (services and the like), or those that name none
     * (Groups, which are their teams, Users, Locations) */
    const char *owned = http_query(&c->req, "owned");
    if (owned && strcmp(owned, "true") == 0)
        catalog_where_add(c, w, "owner_ref IS NOT NULL", NULL, 0);
    else if (owned && strcmp(owned, "false") == 0)
        catalog_where_add(c, w, "owner_ref IS NULL", NULL, 0);
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
            catalog_where_add(c, w, "term LIKE ?", &like, 1);
        else
            catalog_where_add(c, w, arena_printf(c->arena, "%s IN (SELECT entity_id FROM entity_terms WHERE term LIKE ?)", id),
                      &like, 1);
    }
    if (over == OVER_TERMS && nwords == 0)
        return problem_set(p, 500, "internal", "a search over terms needs a word");
    /* mine: what my teams (and the teams above them) own, or what they do not */
    if (mine) {
        size_t n = 0;
        while (c->grants.teams && c->grants.teams[n])
            n++;
        const char *in = catalog_in_list(c, "owner_team", n);
        catalog_where_add(c, w, strcmp(mine, "true") == 0 ? in : arena_printf(c->arena, "NOT (owner_team IS NOT NULL AND %s)", in),
                  c->grants.teams, n);
    }
    return catalog_where_readable(c, w, "");
}

/* GET /catalog/entities: filters, free text, facets and keyset pages. */
int catalog_search(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    struct catalog_where w;
    long limit = app_limit(c);
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
            if (!v)
                return problem_set(p, 500, "internal", "out of memory");
            for (size_t i = 0; i < nrefs; i++)
                v[i] = (struct db_value)DB_TEXTV(refs[i]);
            if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT %s FROM entities WHERE %s", columns,
                                                       catalog_in_list(c, "ref", nrefs)), v, nrefs, &r, p) < 0)
                return -1;
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
        json_object_object_add(o, "facets", json_object_get(facets));
        json_object_object_add(o, "next_cursor", json_string_or_null(next));
        return app_json(c, 200, o);
    }
    /* without words (or past the scan's bound): the database filters, groups and pages */
    struct catalog_where tw;
    if (search_where(c, &w, OVER_ENTITIES) < 0 || search_where(c, &tw, OVER_TAGS) < 0 ||
        !(facets = app_keep(c, facets_and_total(c, &w, &tw, &total))))
        return -1;
    struct catalog_where page = w;
    if (cursor)
        catalog_where_add(c, &page, "ref > ?", (const char *[]){ cursor }, 1);
    page.v[page.n++] = (struct db_value)DB_INTV(limit + 1);
    if (db_query(c->db, c->arena, arena_printf(c->arena, "SELECT %s FROM entities WHERE %s ORDER BY ref LIMIT ?", columns,
                                               page.sql), page.v, page.n, &r, p) < 0)
        return -1;
    more = r.nrows > (size_t)limit;
    size_t rows = more ? (size_t)limit : r.nrows;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "items", app_rows_json(&r, rows, "ssssssssi"));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "facets", json_object_get(facets));
    json_object_object_add(o, "next_cursor", more ? json_object_new_string(app_cursor_make(c, "entities", db_cell(&r, rows - 1, 0))) : NULL);
    return app_json(c, 200, o);
}

#define EXPORT_MAX 20000

/* GET /catalog/export: what a search with the same filters finds, as catalog-info.yaml
 * documents (or a JSON list with format=json), exactly as stored: import(export(x)) = x. */
int catalog_export(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *format = http_query(&c->req, "format");
    if (format && strcmp(format, "yaml") != 0 && strcmp(format, "json") != 0)
        problem_field(p, "format", "must be yaml or json");
    struct catalog_where w;
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
