/*
 * catalog_graph: what an entity depends on and what depends on it (GET .../graph), and what
 * needs someone's attention among what the caller may read (GET /catalog/report).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

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
int catalog_graph(struct app_ctx *c)
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
    long long id;
    const char *team;
    if (catalog_path_entity(c, "catalog.entity.read", &ref, &id, &team) < 0)
        return -1;
    struct db_result r;
    struct authz_decision d;

    struct gnode *nodes = arena_calloc(c->arena, GRAPH_NODES_MAX, sizeof(*nodes));
    struct gedge *edges = arena_calloc(c->arena, GRAPH_NODES_MAX * 4, sizeof(*edges));
    if (!nodes || !edges)
        return problem_set(p, 500, "internal", "out of memory");
    size_t nn = 1, ne = 0, level_start = 0;
    bool truncated = false, everything = catalog_reads_everything(c);
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
                                       catalog_in_list(c, "r.source_ref", nf), GRAPH_NODES_MAX * 4);
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

#define REPORT_ROWS_MAX 1000

/* GET /catalog/report: what needs someone's attention, among what the caller may read —
 * entities whose kind needs an owner and whose owner is missing from the catalog (unowned),
 * relations declared to a ref that is not in the catalog (dangling), Groups that name no Portico
 * team (nobody can act as their owner), and orphans (gone from their location). */
int catalog_report(struct app_ctx *c)
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
    struct catalog_where w = { "TRUE", { { 0 } }, 0, false };
    if (catalog_where_readable(c, &w, "e.") < 0)
        return -1;
    /* to a caller who cannot read everything, an owner or a target it may not read is listed as
     * one that is not there is (hidden: true, both): the report must not tell them apart */
    bool everything = catalog_reads_everything(c);
    json_object *o = app_keep(c, json_object_new_object());   /* the request's: error paths leave it */
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    bool truncated = false;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        struct db_result r;
        struct catalog_where q = { "TRUE", { { 0 } }, 0, false };
        const char *cond = "";
        if (parts[i].far && everything) {
            cond = arena_printf(c->arena, "%s.id IS NULL", parts[i].far);
        } else if (parts[i].far) {
            if (catalog_where_readable(c, &q, arena_printf(c->arena, "%s.", parts[i].far)) < 0)
                return -1;
            /* (an entity without an owner team gives NULL there, which must count as unreadable) */
            cond = arena_printf(c->arena, "(%s.id IS NULL OR NOT COALESCE((%s), FALSE))", parts[i].far, q.sql);
        }
        if (q.n + w.n + 1 > SEARCH_PARAMS_MAX)
            return problem_set(&c->problem, 422, "too-many-scopes", "your bindings name more teams and entities than one "
                                                                    "query can hold (%d)", SEARCH_PARAMS_MAX / 2 - 1);
        memcpy(q.v + q.n, w.v, w.n * sizeof(w.v[0]));
        q.n += w.n;
        q.v[q.n++] = (struct db_value)DB_INTV(REPORT_ROWS_MAX + 1);
        const char *sql = arena_printf(c->arena, "%s%s%s%s%s", parts[i].head, cond, parts[i].rest, w.sql, parts[i].tail);
        if (db_query(c->db, c->arena, sql, q.v, q.n, &r, &c->problem) < 0)
            return -1;
        size_t n = r.nrows > REPORT_ROWS_MAX ? REPORT_ROWS_MAX : r.nrows;
        truncated |= r.nrows > REPORT_ROWS_MAX;
        json_object *rows = app_rows_json(&r, n, parts[i].types);
        for (size_t k = 0; parts[i].far && k < n; k++)
            json_object_object_add(json_object_array_get_idx(rows, k), "hidden", json_object_new_boolean(!everything));
        json_object_object_add(o, parts[i].member, rows);
    }
    json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
    return app_json(c, 200, json_object_get(o));
}
