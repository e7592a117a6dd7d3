/*
 * catalog_store: writing entities to the database — one piece for every writer (a PUT, an
 * import, a location's sync by the runner). A writer says who it is (the audit event's actor),
 * which location it speaks for (none for a person's PUT or import) and who decides (a callback
 * given the entity's owning team). Each store keeps relations in both directions and audits
 * itself inside the caller's transaction.
 *
 * An entity belongs to whoever wrote it first: a location's entities change only through that
 * location (edit the file, not the catalog), and a location never takes over an entity written
 * by hand or by another location. Both are refused with 409. One exception: an entity a manager
 * keeps in step (managed_by: "team", the Group of a Portico team, lib/team_group) is taken over by
 * whoever writes it by hand or from a location (they said what the Group is: from then on it is
 * theirs and the manager leaves it alone); a manager never writes over anyone else's entity.
 */
#ifndef PORTICO_CATALOG_STORE_H
#define PORTICO_CATALOG_STORE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "arena.h"
#include "audit.h"
#include "catalog.h"
#include "db.h"
#include "problem.h"

struct catalog_writer {
    struct db *db;
    struct arena *arena;
    struct problem *p;
    struct audit_event event;    /* the actor's fields; action, target and details are set per write */
    long long location_id;       /* 0: not a location's sync */
    /* May the writer write an entity owned by team (NULL: nobody's)? 0, or -1 with p set. */
    int (*allow)(void *ctx, const char *team, const struct catalog_ref *ref);
    void *ctx;
    const char *manager;         /* NULL: a person or a location; "team": Portico keeping a team's Group */
    /* May the writer read an entity owned by team? NULL: everything. To a conditional write
     * (If-Match) one it may not read is one that is not there: 412 for both alike. */
    bool (*may_read)(void *ctx, const char *team, const struct catalog_ref *ref);
};

enum catalog_outcome { CATALOG_UNCHANGED, CATALOG_ADDED, CATALOG_CHANGED };

/* The Portico team an owner ref names: a Group's name (NULL for none, or a User). A Group
 * entity's own team is the one its ref names. */
const char *catalog_owner_team(struct arena *a, const char *owner_ref);

/* The current rows of many entities, read (and locked, unless dry_run) a few hundred refs to a
 * statement: what catalog_store would read for each one by one, for a writer that stores many
 * (an import of 10,000 entities: 10,000 round trips fewer). */
struct catalog_current {
    struct db_result r;          /* per row: id, document, version, owner_team, location_id, orphaned, ref, managed_by */
    size_t *order;               /* the rows' indexes by ref (strcmp) */
};
int catalog_current_read(const struct catalog_writer *w, const struct catalog_entity *ents, size_t n, bool dry_run,
                         struct catalog_current *out);

/* Store one validated entity inside the open transaction (only decide, when dry_run): the new
 * owner's team and the current one must be allowed; if_match (NULL: none; "*"; "\"<version>\"")
 * must hold (412). An unchanged document is left alone (an orphan written again is adopted).
 * known: the current rows catalog_current_read read (NULL: this reads the entity's own).
 * 0 with *outcome and *version, or -1 with the problem (the caller rolls back). */
int catalog_store(const struct catalog_writer *w, const struct catalog_entity *e, json_object *doc,
                  const char *if_match, bool dry_run, const struct catalog_current *known, enum catalog_outcome *outcome,
                  long long *version);

/* Delete the entity id (its relations and instances go with it) and audit it, in the open
 * transaction. details: JSON text or NULL. */
int catalog_remove(const struct catalog_writer *w, long long id, const char *ref, const char *details);

#endif
