/*
 * authz: may this identity do this, here — and why.
 *
 * Permissions are named strings, one per route row ("catalog.entity.write"). Roles are sets of
 * permissions: the built-in viewer, developer, maintainer and admin are defined here, in code,
 * so they cannot drift between hosts (with catalog-reader, which holds catalog reads alone). A
 * role binding gives a subject (a user, a team the user belongs to, or every member of any team)
 * a role within a scope: global, a team (what that team owns), or one catalog
 * entity. A check is allowed when some binding whose scope covers the resource names a role
 * holding the permission — and no attribute policy (below) refuses; the binding or the policy
 * that decided is returned, so every answer can say why. What a process keeps across requests
 * is tied to the authorization epoch (below): a revoked binding stops working at once.
 */
#ifndef PORTICO_AUTHZ_H
#define PORTICO_AUTHZ_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "problem.h"

#define AUTHZ_MAX_CONDITIONS 4

struct authz_binding {
    const char *role;
    const char *scope_type;   /* "global", "team", "entity" */
    const char *scope_id;     /* "" for global; the team or entity ref otherwise */
    const char *via;          /* "user", "team:<name>" or "members" (held by every member of a
                                 team): how the subject holds it */
};

/* A custom role: a named set of known permissions (the built-in ones live in code). */
struct authz_role {
    const char *name;
    const char *description;
    const char **permissions;          /* NULL-terminated */
};

/* An attribute policy. Where permission matches (exactly, "area.*" or "*") and every
 * condition matches the resource's attribute (environment, kind or owner; the value "*" means
 * "has one"), the caller must also hold require_role (or a role holding all of its permissions)
 * in a scope covering the resource, and/or (require_owner) belong to the team that owns it or
 * hold a binding on that team or entity. A global admin binding passes require_owner. A
 * required role that is gone or holds no permission is met only by a binding of that very role.
 * Policies apply to resources with at least one attribute or place. */
struct authz_policy {
    long long id;
    const char *name;
    const char *description;
    const char *permission;
    const char *cond_attr[AUTHZ_MAX_CONDITIONS];
    const char *cond_value[AUTHZ_MAX_CONDITIONS];
    size_t nconds;
    const char *require_role;          /* NULL: none */
    bool require_owner;
};

/* The custom roles and policies as of one authorization epoch (a process keeps one). */
struct authz_rules {
    long long epoch;                   /* 0: not loaded */
    struct arena arena;
    struct authz_role *roles;
    size_t nroles;
    struct authz_policy *policies;
    size_t npolicies;
};

struct authz_grants {
    struct authz_binding *bindings;
    size_t n;
    const struct authz_rules *rules;   /* custom roles and policies; NULL: built-ins only */
    const char **teams;                /* the user's teams and the teams above them; NULL-terminated or NULL */
};

/* A resource's place and attributes. Any member may be NULL. */
struct authz_resource {
    const char *owner_team;   /* the team that owns it */
    const char *entity;       /* its catalog ref, "kind:namespace/name" */
    const char *environment;  /* e.g. "production" */
    const char *kind;         /* e.g. "component", "database" */
};

/* Why a check came out as it did. */
struct authz_decision {
    const struct authz_binding *binding;   /* the binding that granted the permission, or NULL */
    const struct authz_policy *policy;     /* the policy that refused, or NULL */
};

/* Every binding that applies to user_id: its own, its teams' (and their parents'), and those of
 * subject "members" when the user is in a team; and the user's teams. One statement. rules (may
 * be NULL) is attached to the grants. */
int authz_load(struct db *db, struct arena *a, long long user_id, const struct authz_rules *rules,
               struct authz_grants *out, struct problem *p);

/* Is permission held for resource (NULL: anywhere at all — the route-level check, where
 * policies, which need a resource's attributes, do not apply)? d (if not NULL) says why. */
bool authz_check(const struct authz_grants *g, const char *permission,
                 const struct authz_resource *resource, struct authz_decision *d);

/* Is permission held on whatever resource there may be: a global binding, and no attribute
 * policy that could refuse it (unless the identity is a global admin, whom every policy
 * passes)? When it is, a resource that is not there can be told from one the identity may not
 * see; when not, the two must look alike. */
bool authz_holds_everywhere(const struct authz_grants *g, const char *permission);

/* Does the identity hold role (that very role, or one holding all of its permissions) in a
 * scope covering resource? What a policy's require_role and a template's approver role ask. */
bool authz_holds_role(const struct authz_grants *g, const char *role, const struct authz_resource *res);

/* Where permission is held, for filtering lists in SQL: everywhere (a global binding), or on
 * what the listed teams own and on the listed entities. Attribute policies are not in it: a
 * list filtered by it can still hold a row a policy would refuse when acted on. */
struct authz_scopes {
    bool everywhere;
    const char **teams;
    size_t nteams;
    const char **entities;
    size_t nentities;
};
int authz_scopes_of(const struct authz_grants *g, const char *permission, struct arena *a, struct authz_scopes *out);

/* A binding as JSON: {role, scope_type, scope_id, via}. */
json_object *authz_binding_json(const struct authz_binding *b);

/* Does role hold permission? Built-in roles, then rules' custom roles (rules may be NULL). */
bool authz_role_has(const struct authz_rules *rules, const char *role, const char *permission);

/* Is role a built-in one, or one of rules' custom roles? */
bool authz_role_exists(const struct authz_rules *rules, const char *role);

/* Is this a permission pattern a policy may name: a known permission, "area.*" naming a known
 * area, or "*"? */
bool authz_permission_pattern_ok(const char *pattern);

/* Is permission one that only a global binding grants (iam.*, audit.*: governing the whole
 * platform cannot be delegated by a team- or entity-scoped role)? */
bool authz_permission_global(const char *permission);

/* A permission in words, for refusals people read: its verb ("write") and its object
 * ("secrets"); "use" and the name itself for an unknown one. */
const char *authz_permission_verb(const char *permission);
const char *authz_permission_object(const char *permission);

/* The least built-in role holding permission ("developer"), or NULL. */
const char *authz_permission_least_role(const char *permission);

/* Is this a permission Portico knows (so a route table cannot name a typo)? */
bool authz_permission_known(const char *permission);

/* The known permissions, NULL-terminated, and the built-in role names, NULL-terminated (the
 * ladder viewer, developer, maintainer, admin, then the fixed ones such as catalog-reader). */
const char *const *authz_permissions(void);
const char *const *authz_builtin_roles(void);

/* Is role a built-in one? And what it is for, in words (NULL for any other). */
bool authz_role_builtin(const char *role);
const char *authz_builtin_role_about(const char *role);

/* ---- the authorization epoch --------------------------------------------------------------
 * One counter (table auth_epoch) that every change to who may do what raises inside the
 * change's transaction: a disabled user, a revoked token or ended session, a binding, a
 * membership, a custom role, a policy. A process may keep what it learned about credentials,
 * bindings and rules while the counter stands still; the counter is read on every request by
 * the rate-limit statement (or authz_epoch_read when no limit applies). */
int authz_epoch_bump(struct db *db, struct arena *a, struct problem *p);
int authz_epoch_read(struct db *db, struct arena *a, long long *epoch, struct problem *p);

/* Make rules those of epoch (reloading custom roles and policies when it moved). */
int authz_rules_refresh(struct db *db, struct authz_rules *rules, long long epoch, struct problem *p);
void authz_rules_free(struct authz_rules *rules);

#endif
