/*
 * The iam handler's parts (iam.c: users, teams, memberships, unlock, service accounts' tokens and
 * the route table; iam_rules.c: bindings, roles, policies; iam_users.c: a user's page, its edit and an administrator's password reset; iam_teams.c: a
 * team's page, rename, move and delete, and its Group in the catalog; iam_explain.c: explain) and
 * what they share: one binary, iam.fcgi.
 */
#ifndef PORTICO_CGI_IAM_H
#define PORTICO_CGI_IAM_H

#include "lib/portico.h"
#include "lib/team_group.h"

/* Audit one change (already made in the open transaction), raise the authorization epoch in the
 * same transaction, and commit. Takes details (may be NULL). 0, or -1 with the problem. */
int iam_audited(struct app_ctx *c, const char *action, const char *target_type, const char *target_id,
                json_object *details);

/* A name: [a-z0-9][a-z0-9._-]* up to max (usernames and team names). */
bool iam_name_ok(const char *s, size_t max);

/* The id of team name, 0 when there is none, -1 on error. */
long long iam_team_id(struct app_ctx *c, const char *name);

/* Bring the Groups of teams (n names; NULL and repeats skipped) in step with the teams, inside the
 * open transaction (lib/team_group); *first (may be NULL) gets the first one's state. */
int iam_groups_sync(struct app_ctx *c, const char *const *teams, size_t n, enum team_group_state *first);

/* {ref, state: kept|foreign|none} of team's Group. */
json_object *iam_group_json(struct app_ctx *c, const char *team, enum team_group_state state);

/* iam_rules.c */
int iam_bindings_list(struct app_ctx *c);
int iam_binding_create(struct app_ctx *c);
int iam_binding_delete(struct app_ctx *c);
int iam_roles(struct app_ctx *c);
int iam_role_create(struct app_ctx *c);
int iam_role_delete(struct app_ctx *c);
int iam_policies_list(struct app_ctx *c);
int iam_policy_create(struct app_ctx *c);
int iam_policy_delete(struct app_ctx *c);

/* iam_explain.c */
int iam_explain(struct app_ctx *c);

/* iam_users.c */
int iam_user_get(struct app_ctx *c);
int iam_user_update(struct app_ctx *c);
int iam_user_password_reset(struct app_ctx *c);

/* iam_teams.c */
int iam_team_get(struct app_ctx *c);
int iam_team_update(struct app_ctx *c);
int iam_team_delete(struct app_ctx *c);

#endif
