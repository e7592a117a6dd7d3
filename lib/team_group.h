/*
 * team_group: a Portico team shown as its Group in the catalog.
 *
 * Each team has a Group entity, group:default/<team>, that Portico writes through lib/catalog_store
 * (so relations, search and the audit log stay right) and keeps in step: created with the team,
 * rewritten when its display name, parent, sub-teams or members change, renamed with it, deleted
 * with it. It is owned by the team itself (a Group's owner team is its own name), carries the
 * annotation portico.dev/team, and is marked managed_by = 'team'.
 *
 * Someone else's Group of that name wins: a Group written by hand, imported, or synced from a
 * location before the team existed is left as it is (the team's Group is then that one, not kept
 * in step); one written over Portico's later takes its place (lib/catalog_store: a takeover), and
 * Portico leaves it alone from then on. Delete it and Portico writes its own again at the team's
 * next change, or with portico-admin sync-team-groups. Portico never overwrites a Group it did not
 * write. A team whose name is not a catalog name (e.g. "a--b") has no Group.
 */
#ifndef PORTICO_TEAM_GROUP_H
#define PORTICO_TEAM_GROUP_H

#include "arena.h"
#include "audit.h"
#include "db.h"
#include "problem.h"

#define TEAM_GROUP_MANAGER "team"
#define TEAM_GROUP_ANNOTATION "portico.dev/team"

enum team_group_state {
    TEAM_GROUP_KEPT,        /* Portico's Group: written, or unchanged */
    TEAM_GROUP_FOREIGN,     /* a Group of that name that is not Portico's: left alone */
    TEAM_GROUP_NONE,        /* no Group: the team is gone, or its name is not a catalog name */
};

/* Write team's Group as the team now is, inside the open transaction, audited as actor (action
 * and target are set here). 0 with *state, or -1 with p. */
int team_group_sync(struct db *db, struct arena *a, const struct audit_event *actor, const char *team,
                    enum team_group_state *state, struct problem *p);

/* Delete Portico's Group of team name (a foreign one stays), inside the open transaction. */
int team_group_remove(struct db *db, struct arena *a, const struct audit_event *actor, const char *team, struct problem *p);

/* The state of team's Group, read only. */
int team_group_state(struct db *db, struct arena *a, const char *team, enum team_group_state *state, struct problem *p);

#endif
