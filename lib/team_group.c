/*
 * team_group: the Group entity of a team (see team_group.h).
 */
#include "team_group.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "catalog_store.h"

static const char sql_team[] =
    "SELECT t.id, t.display_name, p.name FROM teams t LEFT JOIN teams p ON p.id = t.parent_id WHERE t.name = ?";
static const char sql_children[] = "SELECT name FROM teams WHERE parent_id = ? ORDER BY name LIMIT 1000";
static const char sql_members[] =
    "SELECT u.username FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username "
    "LIMIT 5000";
static const char sql_entity[] = "SELECT id, managed_by FROM entities WHERE ref = ? FOR UPDATE";
static const char sql_entity_read[] = "SELECT id, managed_by FROM entities WHERE ref = ?";

/* Portico writes it whatever the roles of whoever changed the team: iam.team.write decided. */
static int allow_any(void *ctx, const char *team, const struct catalog_ref *ref)
{
    (void)ctx, (void)team, (void)ref;
    return 0;
}

static const char *group_ref(struct arena *a, const char *team)
{
    return catalog_name_ok(team) ? arena_printf(a, "group:default/%s", team) : NULL;
}

int team_group_state(struct db *db, struct arena *a, const char *team, enum team_group_state *state, struct problem *p)
{
    const char *ref = group_ref(a, team);
    struct db_result r;
    *state = TEAM_GROUP_NONE;
    if (!ref)
        return 0;
    struct db_value v = DB_TEXTV(ref);
    if (db_query(db, a, sql_entity_read, &v, 1, &r, p) < 0)
        return -1;
    if (r.nrows == 1)
        *state = db_cell(&r, 0, 1) ? TEAM_GROUP_KEPT : TEAM_GROUP_FOREIGN;
    return 0;
}

/* Append to list the refs of r's first column as kind:default/<name>, as long as the relations an
 * entity may declare leave room (*room); false when some were left out. */
static bool add_refs(json_object *list, const struct db_result *r, const char *kind, size_t *room, struct arena *a)
{
    bool all = true;
    for (size_t i = 0; i < r->nrows; i++) {
        const char *name = db_cell(r, i, 0);
        if (!catalog_name_ok(name))
            continue;   /* a username or team name the catalog cannot name */
        if (*room == 0) {
            all = false;
            break;
        }
        json_object_array_add(list, json_object_new_string(arena_printf(a, "%s:default/%s", kind, name)));
        (*room)--;
    }
    return all;
}

int team_group_sync(struct db *db, struct arena *a, const struct audit_event *actor, const char *team,
                    enum team_group_state *state, struct problem *p)
{
    const char *ref = group_ref(a, team);
    struct db_value tv = DB_TEXTV(team);
    struct db_result t, ch, m, cur;
    *state = TEAM_GROUP_NONE;
    if (!ref)
        return 0;
    if (db_query(db, a, sql_team, &tv, 1, &t, p) < 0)
        return -1;
    if (t.nrows != 1)
        return 0;
    struct db_value rv = DB_TEXTV(ref), iv = DB_INTV(atoll(db_cell(&t, 0, 0)));
    if (db_query(db, a, sql_entity, &rv, 1, &cur, p) < 0)
        return -1;
    if (cur.nrows == 1 && !db_cell(&cur, 0, 1)) {
        *state = TEAM_GROUP_FOREIGN;   /* someone else's Group: never overwritten */
        return 0;
    }
    if (db_query(db, a, sql_children, &iv, 1, &ch, p) < 0 || db_query(db, a, sql_members, &iv, 1, &m, p) < 0)
        return -1;

    const char *display = db_cell(&t, 0, 1), *parent = db_cell(&t, 0, 2);
    json_object *doc = json_object_new_object(), *meta = json_object_new_object(), *spec = json_object_new_object();
    json_object *ann = json_object_new_object(), *children = json_object_new_array(), *members = json_object_new_array();
    json_object_object_add(doc, "apiVersion", json_object_new_string("backstage.io/v1alpha1"));
    json_object_object_add(doc, "kind", json_object_new_string("Group"));
    json_object_object_add(meta, "name", json_object_new_string(team));
    if (display && *display)
        json_object_object_add(meta, "title", json_object_new_string(display));
    json_object_object_add(meta, "description",
                           json_object_new_string(arena_printf(a, "The Portico team %s, kept in step by Portico: change the "
                                                                  "team, not this entity.", team)));
    json_object_object_add(ann, TEAM_GROUP_ANNOTATION, json_object_new_string(team));
    json_object_object_add(doc, "metadata", meta);
    json_object_object_add(spec, "type", json_object_new_string("team"));
    if (display && *display) {
        json_object *profile = json_object_new_object();
        json_object_object_add(profile, "displayName", json_object_new_string(display));
        json_object_object_add(spec, "profile", profile);
    }
    size_t room = CATALOG_RELATIONS_MAX - 1;   /* the parent's */
    if (parent && catalog_name_ok(parent))
        json_object_object_add(spec, "parent", json_object_new_string(arena_printf(a, "group:default/%s", parent)));
    bool all = add_refs(children, &ch, "group", &room, a);
    all = add_refs(members, &m, "user", &room, a) && all;
    if (!all)
        json_object_object_add(ann, "portico.dev/members-truncated", json_object_new_string("true"));
    json_object_object_add(meta, "annotations", ann);
    json_object_object_add(spec, "children", children);
    json_object_object_add(spec, "members", members);
    json_object_object_add(doc, "spec", spec);

    struct catalog_entity e;
    struct catalog_writer w = { db, a, p, *actor, 0, allow_any, NULL, TEAM_GROUP_MANAGER, NULL };
    enum catalog_outcome outcome;
    long long version;
    int rc = catalog_entity_read(doc, a, &e, p);
    if (rc == 0)
        rc = catalog_store(&w, &e, doc, NULL, false, NULL, &outcome, &version);
    json_object_put(doc);
    if (rc < 0)
        return -1;
    *state = TEAM_GROUP_KEPT;
    return 0;
}

int team_group_remove(struct db *db, struct arena *a, const struct audit_event *actor, const char *team, struct problem *p)
{
    const char *ref = group_ref(a, team);
    struct db_result cur;
    if (!ref)
        return 0;
    struct db_value rv = DB_TEXTV(ref);
    if (db_query(db, a, sql_entity, &rv, 1, &cur, p) < 0)
        return -1;
    if (cur.nrows != 1 || !db_cell(&cur, 0, 1))
        return 0;   /* none, or someone else's: it stays */
    struct catalog_writer w = { db, a, p, *actor, 0, allow_any, NULL, TEAM_GROUP_MANAGER, NULL };
    return catalog_remove(&w, atoll(db_cell(&cur, 0, 0)), ref, "{\"managed_by\":\"team\",\"with\":\"the team\"}");
}
