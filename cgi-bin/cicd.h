/*
 * cicd.fcgi's parts: cicd.c (integrations, deliveries, runs and deployments), cicd_dora.c (the
 * DORA metrics), and cicd_access.c, which both use: how an entity and its owner are found and asked.
 */
#ifndef PORTICO_CGI_CICD_H
#define PORTICO_CGI_CICD_H

#include <stdbool.h>

#include "lib/app.h"
#include "lib/catalog.h"

/* The entity text names (a catalog ref; field: where it came from) and its owner team: 0, or -1
 * with a field error (or 404 when the catalog has no such entity). */
int cicd_entity_owner(struct app_ctx *c, const char *field, const char *text, struct catalog_ref *ref, const char **team);

/* May the caller use perm on the entity (or, entity NULL, the team)? res and d for app_refuse. */
bool cicd_may(struct app_ctx *c, const char *perm, const char *team, const char *entity, struct authz_resource *res,
              struct authz_decision *d);

/* Row 0 of r (its entity in entity_col, the entity's owner in owner_col), checked against perm: 0,
 * or -1 — 404 with none as the detail when there is no row or the caller may not even read it
 * (cicd.read), the refusal of perm otherwise. */
int cicd_row_visible(struct app_ctx *c, const char *perm, const struct db_result *r, size_t entity_col, size_t owner_col,
                     const char *none);

/* Integration id's row, checked against perm: 0, or -1 (404 when there is none, or when the
 * caller may not read it). Its columns are INTEGRATION_ROW's. */
enum { IR_ENTITY, IR_OWNER, IR_SECRET_PATH, IR_PROVIDER, IR_DEPLOY_API, IR_DEPLOY_TARGET, IR_DEPLOY_REF, IR_DEPLOY_USER,
       IR_DEPLOY_SECRET_PATH, IR_DEPLOY_APPROVALS };
int cicd_integration_load(struct app_ctx *c, const char *perm, long long id, struct db_result *r);

/* an integration with its deliveries so far (counted from cicd_deliveries: a delivery writes no
 * row of the integration's) */
#define INTEGRATION_COLUMNS                                                                                  \
    "i.id, i.entity_ref AS entity, i.team, i.provider, i.name, i.created_by, " DB_RFC3339("i.created_at")      \
    " AS created_at, (SELECT COUNT(*) FROM cicd_deliveries d WHERE d.integration_id = i.id) AS deliveries, "     \
    "(SELECT " DB_RFC3339("MAX(d.received_at)") " FROM cicd_deliveries d WHERE d.integration_id = i.id) "          \
    "AS last_delivery_at, (SELECT d.event FROM cicd_deliveries d WHERE d.integration_id = i.id ORDER BY "          \
    "d.received_at DESC LIMIT 1) AS last_event, i.deploy_api, i.deploy_target, i.deploy_ref, i.deploy_user, "      \
    "i.deploy_approvals, i.deploy_secret_path IS NOT NULL AS deploys"
#define INTEGRATION_TYPES "issssssinnnnnnjb"

/* Integration id as the API answers it (never a secret), with status; with secret (not NULL),
 * the secret shown this once too (the answer is zeroed once sent). */
int cicd_integration_answer_with(struct app_ctx *c, long long id, int status, const char *secret);

/* Integration id as the API answers it (never a secret), with status. */
int cicd_integration_answer(struct app_ctx *c, long long id, int status);

/* cicd_reports.c: POST /cicd/runs/{id}/junit, GET /cicd/runs/{id}/tests, POST /cicd/runs/{id}/sarif,
 * GET /cicd/findings */
int cicd_junit_upload(struct app_ctx *c);
int cicd_tests_get(struct app_ctx *c);
int cicd_sarif_upload(struct app_ctx *c);
int cicd_findings_list(struct app_ctx *c);
int cicd_failing(struct app_ctx *c);   /* GET /cicd/failing */

/* cicd_deploys.c: PUT /cicd/integrations/{id}/deploy, POST /cicd/deploys, POST /cicd/deploys/rollback,
 * GET /cicd/deploys, GET /cicd/deploys/{id}, POST /cicd/deploys/{id}/approve, .../cancel */
int cicd_deploy_setup(struct app_ctx *c);
int cicd_deploy_create(struct app_ctx *c);
int cicd_rollback(struct app_ctx *c);
int cicd_deploys_list(struct app_ctx *c);
int cicd_deploy_get(struct app_ctx *c);
int cicd_deploy_decide(struct app_ctx *c);
int cicd_deploy_cancel(struct app_ctx *c);

/* A deployment the provider reported (cicd_deployments.id): tie it to the deploy Portico asked
 * for it, if any (the newest triggered one of the entity, environment and version), which it
 * settles when finished, and give it the deploy's rollback_of. Inside the delivery's transaction. */
int cicd_deploy_reported(struct app_ctx *c, long long deployment, const char *entity, const char *environment,
                         const char *version, const char *status);

/* cicd_rollup.c: what a deployment or run counts for in DORA (sql/0029), recounted in the caller's
 * transaction when it may have changed: the deployment; it and the failures it restores; the
 * successful deployments of a commit whose time came; a run (by its integration and key); all an
 * integration's, taken away. */
int cicd_dora_deployment(struct app_ctx *c, long long id);
int cicd_dora_after_deployment(struct app_ctx *c, long long id);
int cicd_dora_commit(struct app_ctx *c, const char *entity, const char *sha);
int cicd_dora_run(struct app_ctx *c, long long integration, const char *key);
int cicd_dora_forget(struct app_ctx *c, long long integration);
int cicd_dora_recount_after(struct app_ctx *c, const struct db_result *pairs);

/* Take the entity's recount lock (sql/0029), first in a delivery's transaction: a delivery that
 * recounts other rows than its own waits for another of the same entity, and then sees it. */
int cicd_dora_lock(struct app_ctx *c, const char *entity);

/* GET /cicd/dora, GET /cicd/dora/daily */
int cicd_dora(struct app_ctx *c);
int cicd_dora_daily(struct app_ctx *c);

#endif
