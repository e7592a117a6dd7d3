/*
 * authz: may this identity do this, here — and why.
 *
 * Permissions are named strings, one per route row ("catalog.entity.write"). Roles are sets of
 * permissions: the built-in viewer, developer, maintainer and admin are defined here, in code,
 * so they cannot drift between hosts. A role binding gives a subject (a user, or a team the user
 * belongs to) a role within a scope: global, a team (what that team owns), or one catalog
 * entity. A check is allowed when some binding whose scope covers the resource names a role
 * holding the permission; the binding that decided is returned, so every answer can say why.
 * Nothing here is cached across requests: a revoked binding stops working at once.
 */
#ifndef PORTICO_AUTHZ_H
#define PORTICO_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "problem.h"

struct authz_binding {
    const char *role;
    const char *scope_type;   /* "global", "team", "entity" */
    const char *scope_id;     /* "" for global; the team or entity ref otherwise */
    const char *via;          /* "user" or "team:<name>": how the subject holds it */
};

struct authz_grants {
    struct authz_binding *bindings;
    size_t n;
};

/* A resource's place, for scope matching. owner_team may be NULL; entity may be NULL. */
struct authz_resource {
    const char *owner_team;   /* the team that owns it */
    const char *entity;       /* its catalog ref, "kind:namespace/name" */
};

/* Every binding that applies to user_id: its own, and its teams' (and their parents'). */
int authz_load(struct db *db, struct arena *a, long long user_id, struct authz_grants *out,
               struct problem *p);

/* Is permission held for resource (NULL: anywhere at all — the route-level check)? On true,
 * *decided_by (if not NULL) is the binding that allowed it. */
bool authz_check(const struct authz_grants *g, const char *permission,
                 const struct authz_resource *resource, const struct authz_binding **decided_by);

/* Does role hold permission? Built-in roles only; unknown roles hold nothing. */
bool authz_role_has(const char *role, const char *permission);

/* Is permission one that only a global binding grants (iam.*, audit.*: governing the whole
 * platform cannot be delegated by a team- or entity-scoped role)? */
bool authz_permission_global(const char *permission);

/* Is this a permission Portico knows (so a route table cannot name a typo)? */
bool authz_permission_known(const char *permission);

/* The known permissions, NULL-terminated, and the built-in role names, NULL-terminated. */
const char *const *authz_permissions(void);
const char *const *authz_builtin_roles(void);

#endif
