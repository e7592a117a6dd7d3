/*
 * iam: one team — its page (members, sub-teams, bindings, what it owns), a rename, a move under
 * another parent, a new display name, and its delete.
 *
 * What a rename carries along, and what refuses it: the identity tables follow the team (its
 * members and the bindings it holds are by id; bindings scoped on the team are rewritten to the
 * new name in the same transaction). Everything else that names the team by its name — catalog
 * entities (their documents name the owner), templates (their XML does), resources that are not
 * deprovisioned and requests waiting for approval, secrets (a scope is a path, team/<name>/...),
 * locations and policies — holds the name: while any does, the rename is refused with a 409
 * that says what. So a secret's scope never changes hands: not by a rename, and not by a new team
 * created under an old name. A delete is refused the same way, and while the team has members or
 * sub-teams; it takes the bindings of and on the team with it. The team's Group in the catalog
 * (lib/team_group) follows every change: renamed, retitled, moved, deleted with the team.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iam.h"

#define TEAM_PAGE_ROWS 100

static const char sql_team[] =
    "SELECT t.id, t.name, t.display_name, p.name AS parent, " DB_RFC3339("t.created_at") " AS created_at "
    "FROM teams t LEFT JOIN teams p ON p.id = t.parent_id WHERE t.name = ?";
static const char sql_team_locked[] =
    "SELECT t.id, t.name, t.display_name, p.name, t.parent_id FROM teams t LEFT JOIN teams p ON p.id = t.parent_id "
    "WHERE t.name = ? FOR UPDATE";
static const char sql_team_members[] =
    "SELECT u.id, u.username, u.display_name, u.kind, " DB_RFC3339("m.added_at") " AS added_at FROM team_members m "
    "JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username LIMIT 5000";
static const char sql_team_children[] =
    "SELECT name, display_name FROM teams WHERE parent_id = ? ORDER BY name LIMIT 1000";
static const char sql_team_bindings[] =
    "SELECT b.id, b.subject_type, COALESCE(u.username, t.name) AS subject, b.role, b.scope_type, b.scope_id "
    "FROM role_bindings b LEFT JOIN users u ON b.subject_type = 'user' AND u.id = b.subject_id "
    "LEFT JOIN teams t ON b.subject_type = 'team' AND t.id = b.subject_id "
    "WHERE (b.subject_type = 'team' AND b.subject_id = ?) OR (b.scope_type = 'team' AND b.scope_id = ?) "
    "ORDER BY b.id LIMIT 1000";
/* its own Group (lib/team_group) is the team itself, not something it owns */
static const char sql_team_entities[] =
    "SELECT ref, kind, title FROM entities WHERE owner_team = ? AND NOT managed_by <=> 'team' ORDER BY ref LIMIT 101";
static const char sql_team_templates[] =
    "SELECT name FROM templates WHERE owner_team = ? ORDER BY name LIMIT 101";
static const char sql_team_resources[] =
    "SELECT r.id, r.uid, t.name AS template, tv.version, r.environment, r.requester, r.state, "
    DB_RFC3339("r.expires_at") " AS expires_at, r.name FROM resources r "
    "JOIN template_versions tv ON tv.id = r.template_version_id JOIN templates t ON t.id = tv.template_id "
    "WHERE r.team = ? AND r.state <> 'deprovisioned' ORDER BY r.id DESC LIMIT 101";

/* What holds a team's name (see the top of the file), counted in one statement; the team's own
 * Group, kept in step by Portico (lib/team_group), is not among them: it follows the team. */
static const char sql_team_holders[] =
    "SELECT (SELECT COUNT(*) FROM team_members WHERE team_id = ?), "
    "       (SELECT COUNT(*) FROM teams WHERE parent_id = ?), "
    "       (SELECT COUNT(*) FROM entities WHERE owner_team = ? AND NOT (kind = 'Group' AND namespace = 'default' "
    "                                                    AND name = ? AND managed_by <=> 'team')), "
    "       (SELECT COUNT(*) FROM templates WHERE owner_team = ?), "
    "       (SELECT COUNT(*) FROM resources WHERE team = ? AND state <> 'deprovisioned'), "
    "       (SELECT COUNT(*) FROM provision_requests WHERE team = ? AND state = 'pending_approval'), "
    "       (SELECT COUNT(*) FROM secrets WHERE team = ? OR LEFT(path, CHAR_LENGTH(?) + 6) = CONCAT('team/', ?, '/')), "
    "       (SELECT COUNT(*) FROM catalog_locations WHERE team = ?), "
    "       (SELECT COUNT(*) FROM policies WHERE JSON_VALUE(conditions, '$.owner') = ?)";

enum holder { H_MEMBERS, H_SUBTEAMS, H_ENTITIES, H_TEMPLATES, H_RESOURCES, H_REQUESTS, H_SECRETS, H_LOCATIONS,
              H_POLICIES, H_COUNT };
static const char *const holder_names[H_COUNT] = { "members", "subteams", "entities", "templates", "resources",
                                                   "requests", "secrets", "locations", "policies" };
static const char *const holder_words[H_COUNT][2] = {
    { "member", "members" }, { "sub-team", "sub-teams" }, { "catalog entity", "catalog entities" },
    { "template", "templates" }, { "resource", "resources" }, { "request waiting for approval", "requests waiting for approval" },
    { "secret", "secrets" }, { "catalog location", "catalog locations" }, { "policy", "policies" },
};

static int team_holders(struct app_ctx *c, long long id, const char *name, long long n[H_COUNT])
{
    struct db_value t = DB_TEXTV(name), i = DB_INTV(id);
    struct db_value v[12] = { i, i, t, t, t, t, t, t, t, t, t, t };
    struct db_result r;
    if (db_query(c->db, c->arena, sql_team_holders, v, 12, &r, &c->problem) < 0)
        return -1;
    for (int k = 0; k < H_COUNT; k++)
        n[k] = atoll(db_cell(&r, 0, (size_t)k));
    return 0;
}

/* "3 catalog entities, 1 template and 2 secrets" from the counts from..to that are not 0 ("" if none). */
static const char *holders_text(struct app_ctx *c, const long long n[H_COUNT], int from, int to)
{
    const char *out = "";
    int shown = 0, total = 0;
    for (int k = from; k < to; k++)
        total += n[k] > 0;
    for (int k = from; k < to; k++) {
        if (!n[k])
            continue;
        const char *sep = shown == 0 ? "" : shown == total - 1 ? " and " : ", ";
        out = arena_printf(c->arena, "%s%s%lld %s", out, sep, n[k], holder_words[k][n[k] != 1]);
        shown++;
    }
    return out;
}

static json_object *holders_json(const long long n[H_COUNT])
{
    json_object *o = json_object_new_object();
    for (int k = 0; k < H_COUNT; k++)
        json_object_object_add(o, holder_names[k], json_object_new_int64(n[k]));
    return o;
}

/* GET /iam/teams/{team} */
int iam_team_get(struct app_ctx *c)
{
    static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
    const char *name = app_param(c, "team");
    struct db_value nv = DB_TEXTV(name);
    struct db_result t, m, ch, b, e, tp, res;
    long long n[H_COUNT];
    if (db_query(c->db, c->arena, sql_team, &nv, 1, &t, &c->problem) < 0)
        return -1;
    if (t.nrows != 1)
        return problem_set(&c->problem, 404, "not-found", "no team %s", name);
    long long id = atoll(db_cell(&t, 0, 0));
    struct db_value iv = DB_INTV(id), bv[2] = { iv, nv };
    if (db_query(c->db, c->arena, sql_team_members, &iv, 1, &m, &c->problem) < 0 ||
        db_query(c->db, c->arena, sql_team_children, &iv, 1, &ch, &c->problem) < 0 ||
        db_query(c->db, c->arena, sql_team_bindings, bv, 2, &b, &c->problem) < 0 ||
        db_query(c->db, c->arena, sql_team_entities, &nv, 1, &e, &c->problem) < 0 ||
        db_query(c->db, c->arena, sql_team_templates, &nv, 1, &tp, &c->problem) < 0 || team_holders(c, id, name, n) < 0)
        return -1;
    json_object *rows = app_rows_json(&t, 1, "isssns");
    json_object *o = app_keep(c, json_object_new_object());   /* the request's: error paths leave it */
    if (!o)
        return problem_set(&c->problem, 500, "internal", "out of memory");
    json_object_object_add(o, "team", json_object_get(json_object_array_get_idx(rows, 0)));
    json_object_put(rows);
    json_object_object_add(o, "members", app_rows_json(&m, m.nrows, "issss"));
    json_object_object_add(o, "subteams", app_rows_json(&ch, ch.nrows, "ss"));
    json_object_object_add(o, "bindings", app_rows_json(&b, b.nrows, "isnsss"));
    json_object_object_add(o, "entities", app_rows_json(&e, e.nrows > TEAM_PAGE_ROWS ? TEAM_PAGE_ROWS : e.nrows, "sss"));
    json_object_object_add(o, "templates", app_rows_json(&tp, tp.nrows > TEAM_PAGE_ROWS ? TEAM_PAGE_ROWS : tp.nrows, "s"));
    /* resources only for a caller who reads them everywhere (iam.team.read is not that) */
    if (app_may(c, "provision.resource.read", &nowhere, NULL)) {
        if (db_query(c->db, c->arena, sql_team_resources, &nv, 1, &res, &c->problem) < 0)
            return -1;
        json_object_object_add(o, "resources", app_rows_json(&res, res.nrows > TEAM_PAGE_ROWS ? TEAM_PAGE_ROWS : res.nrows,
                                                             "isssssssn"));
    }
    /* what keeps it from being renamed or deleted: the portal says so before anyone tries */
    json_object_object_add(o, "holds", holders_json(n));
    enum team_group_state gs;
    if (team_group_state(c->db, c->arena, name, &gs, &c->problem) < 0)
        return -1;
    json_object_object_add(o, "group", iam_group_json(c, name, gs));
    return app_json(c, 200, json_object_get(o));
}

/* ---- rename, move, display name ------------------------------------------------------------- */

static const char sql_team_set[] = "UPDATE teams SET name = ?, display_name = ?, parent_id = ? WHERE id = ?";
static const char sql_scoped_rename[] = "UPDATE role_bindings SET scope_id = ? WHERE scope_type = 'team' AND scope_id = ?";
static const char sql_is_below[] = "SELECT 1 FROM team_closure WHERE ancestor_id = ? AND descendant_id = ?";
/* the subtree of T loses its links to T's old ancestors ... */
static const char sql_closure_cut[] =
    "DELETE c FROM team_closure c "
    "JOIN team_closure s ON s.descendant_id = c.descendant_id AND s.ancestor_id = ? "
    "JOIN team_closure x ON x.ancestor_id = c.ancestor_id AND x.descendant_id = ? AND x.depth > 0";
/* ... and gains one to each ancestor of the new parent (the parent included) */
static const char sql_closure_join[] =
    "INSERT INTO team_closure (ancestor_id, descendant_id, depth) "
    "SELECT a.ancestor_id, s.descendant_id, a.depth + s.depth + 1 FROM team_closure a JOIN team_closure s "
    "ON a.descendant_id = ? AND s.ancestor_id = ?";

/* PATCH /iam/teams/{team}: {name, display_name, parent (a team's name, or null for none)}. */
int iam_team_update(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *old = app_param(c, "team");
    json_object *pj = json_object_object_get(c->body, "parent");
    bool has_parent = json_object_object_get_ex(c->body, "parent", NULL);
    const char *name = json_str(c->body, "name", NULL);
    const char *display = json_str(c->body, "display_name", NULL);
    const char *parent = pj && !json_object_is_type(pj, json_type_null) ? json_str(c->body, "parent", NULL)
                                                                      : NULL;
    if (name && !iam_name_ok(name, 63))
        problem_field(p, "name", "must be lower-case letters, digits, '.', '_' or '-'");
    if (!name && !display && !has_parent && !p->nfields)
        problem_field(p, "name", "give name, display_name, parent or several");
    if (!json_fields_ok(p))
        return -1;
    long long parent_id = 0;
    if (parent && (parent_id = iam_team_id(c, parent)) <= 0)
        return parent_id < 0 ? -1 : (problem_field(p, "parent", "is not a team"), json_fields_ok(p), -1);

    struct db_value ov = DB_TEXTV(old);
    struct db_result t;
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_team_locked, &ov, 1, &t, p) < 0)
        return db_abort(c->db);
    if (t.nrows != 1) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no team %s", old);
    }
    long long id = atoll(db_cell(&t, 0, 0));
    long long was_parent = db_cell(&t, 0, 4) ? atoll(db_cell(&t, 0, 4)) : 0;
    bool renamed = name && strcmp(name, old) != 0;
    bool moved = has_parent && parent_id != was_parent;
    if (renamed) {
        long long n[H_COUNT];
        if (team_holders(c, id, old, n) < 0)
            return db_abort(c->db);
        const char *held = holders_text(c, n, H_ENTITIES, H_COUNT);
        if (*held) {
            db_abort(c->db);
            long long total = 0;
            for (int k = H_ENTITIES; k < H_COUNT; k++)
                total += n[k];
            return problem_set(p, 409, "conflict", "team %s can't be renamed while %s name%s it: move them to another team "
                                                   "or remove them first", old, held, total == 1 ? "s" : "");
        }
    }
    if (moved && parent_id) {
        struct db_value bv[2] = { DB_INTV(id), DB_INTV(parent_id) };
        struct db_result below;
        if (db_query(c->db, c->arena, sql_is_below, bv, 2, &below, p) < 0)
            return db_abort(c->db);
        if (below.nrows) {
            db_abort(c->db);
            problem_field(p, "parent", "is %s or a team below it: a team cannot be inside itself", old);
            return json_fields_ok(p), -1;
        }
    }
    const char *now_name = name ? name : old, *now_display = display ? display : db_cell(&t, 0, 2);
    long long now_parent = has_parent ? parent_id : was_parent;
    struct db_value sv[4] = { DB_TEXTV(now_name), DB_TEXTV(now_display), now_parent ? DB_INTV(now_parent) : DB_NULLV,
                              DB_INTV(id) };
    struct db_value rv[2] = { DB_TEXTV(now_name), DB_TEXTV(old) };
    struct db_value cv[2] = { DB_INTV(id), DB_INTV(id) }, jv[2] = { DB_INTV(now_parent), DB_INTV(id) };
    if (db_query(c->db, c->arena, sql_team_set, sv, 4, NULL, p) < 0) {
        bool dup = db_errno(c->db) == 1062;
        db_abort(c->db);
        return dup ? problem_set(p, 409, "conflict", "a team named %s exists", now_name) : -1;
    }
    if ((renamed && db_query(c->db, c->arena, sql_scoped_rename, rv, 2, NULL, p) < 0) ||
        (moved && db_query(c->db, c->arena, sql_closure_cut, cv, 2, NULL, p) < 0) ||
        (moved && now_parent && db_query(c->db, c->arena, sql_closure_join, jv, 2, NULL, p) < 0))
        return db_abort(c->db);
    /* the Groups: the team's (under its new name: the old one goes), its parents' (old and new:
     * their children), and on a rename its sub-teams' (their parent) */
    enum team_group_state gs;
    struct audit_event actor = app_audit_event(c, "", "success");
    const char *now_parent_name = has_parent ? parent : db_cell(&t, 0, 3);
    const char *teams[] = { now_name, db_cell(&t, 0, 3), now_parent_name };
    if ((renamed && team_group_remove(c->db, c->arena, &actor, old, p) < 0) || iam_groups_sync(c, teams, 3, &gs) < 0)
        return db_abort(c->db);
    if (renamed) {
        struct db_result ch;
        struct db_value iv = DB_INTV(id);
        if (db_query(c->db, c->arena, "SELECT name FROM teams WHERE parent_id = ? ORDER BY name LIMIT 1000", &iv, 1, &ch, p) < 0)
            return db_abort(c->db);
        for (size_t i = 0; i < ch.nrows; i++) {
            const char *child = db_cell(&ch, i, 0);
            if (iam_groups_sync(c, &child, 1, NULL) < 0)
                return db_abort(c->db);
        }
    }
    json_object *d = json_object_new_object();
    if (renamed) {
        json_object_object_add(d, "name_was", json_object_new_string(old));
        json_object_object_add(d, "name", json_object_new_string(now_name));
    }
    if (display) {
        json_object_object_add(d, "display_name_was", json_object_new_string(db_cell(&t, 0, 2)));
        json_object_object_add(d, "display_name", json_object_new_string(display));
    }
    if (moved) {
        json_object_object_add(d, "parent_was", json_string_or_null(db_cell(&t, 0, 3)));
        json_object_object_add(d, "parent", json_string_or_null(parent));
    }
    if (iam_audited(c, "iam.team.update", "team", now_name, d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "name", json_object_new_string(now_name));
    json_object_object_add(o, "display_name", json_object_new_string(now_display));
    json_object_object_add(o, "parent", json_string_or_null(has_parent ? parent : db_cell(&t, 0, 3)));
    json_object_object_add(o, "group", iam_group_json(c, now_name, gs));
    return app_json(c, 200, o);
}

/* ---- delete -------------------------------------------------------------------------------- */

static const char sql_team_bindings_del[] =
    "DELETE FROM role_bindings WHERE (subject_type = 'team' AND subject_id = ?) OR (scope_type = 'team' AND scope_id = ?)";
static const char sql_team_closure_del[] = "DELETE FROM team_closure WHERE descendant_id = ?";
static const char sql_team_del[] = "DELETE FROM teams WHERE id = ?";

/* DELETE /iam/teams/{team} */
int iam_team_delete(struct app_ctx *c)
{
    struct problem *p = &c->problem;
    const char *name = app_param(c, "team");
    struct db_value nv = DB_TEXTV(name);
    struct db_result t, b;
    long long n[H_COUNT];
    if (db_begin(c->db, p) < 0)
        return -1;
    if (db_query(c->db, c->arena, sql_team_locked, &nv, 1, &t, p) < 0)
        return db_abort(c->db);
    if (t.nrows != 1) {
        db_abort(c->db);
        return problem_set(p, 404, "not-found", "no team %s", name);
    }
    long long id = atoll(db_cell(&t, 0, 0));
    if (team_holders(c, id, name, n) < 0)
        return db_abort(c->db);
    const char *held = holders_text(c, n, 0, H_COUNT);
    if (*held) {
        db_abort(c->db);
        return problem_set(p, 409, "conflict", "team %s can't be deleted while it has %s: remove them first", name, held);
    }
    struct db_value iv = DB_INTV(id), bv[2] = { iv, nv };
    struct audit_event actor = app_audit_event(c, "", "success");
    const char *parent = db_cell(&t, 0, 3);
    if (db_query(c->db, c->arena, sql_team_bindings_del, bv, 2, &b, p) < 0 ||
        db_query(c->db, c->arena, sql_team_closure_del, &iv, 1, NULL, p) < 0 ||
        db_query(c->db, c->arena, sql_team_del, &iv, 1, NULL, p) < 0 ||
        team_group_remove(c->db, c->arena, &actor, name, p) < 0 || iam_groups_sync(c, &parent, 1, NULL) < 0)
        return db_abort(c->db);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "parent", json_string_or_null(db_cell(&t, 0, 3)));
    json_object_object_add(d, "bindings_removed", json_object_new_int64((int64_t)b.affected));
    if (iam_audited(c, "iam.team.delete", "team", name, d) < 0)
        return -1;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("deleted"));
    json_object_object_add(o, "bindings_removed", json_object_new_int64((int64_t)b.affected));
    return app_json(c, 200, o);
}
