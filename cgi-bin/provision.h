/*
 * The provisioning handler's parts and what they share: one binary, provision.fcgi. provision.c:
 * requests and their approvals, the route table; provision_resources.c: resources and jobs;
 * provision_inbox.c: approvals waiting for the caller, notifications. The parts call provision.c,
 * never one another.
 */
#ifndef PORTICO_CGI_PROVISION_H
#define PORTICO_CGI_PROVISION_H

#include "lib/app.h"
#include "lib/audit.h"
#include "lib/authz.h"
#include "lib/catalog.h"
#include "lib/json.h"
#include "lib/provision.h"
#include "lib/provision_state.h"
#include "lib/secrets.h"


/* A request or resource as authz sees it: its team's, its entity's, in its environment. */
#define RESOURCE(team, entity, environment) (&(struct authz_resource){ (team), (entity), (environment), "resource" })

struct request_row {
    long long id, resource_id, version_id;
    const char *state, *team, *entity, *environment, *requester, *approval_role, *parameters;
    const char *name;                   /* what it is called: "orders_dev · mariadb · dev" */
    long long requester_id;
    int approvals_needed, ttl_days;
};

/* Answer a page of list member ordered by id descending (sql asks for limit + 1 rows; the id is
 * column 0): {member: rows typed as app_rows_json, next_cursor}. */
int provision_id_page(struct app_ctx *c, const char *sql, const struct db_value *v, size_t nv, long limit,
                      const char *member, const char *types);


/* An entity ref as the catalog reads it ("[kind:][namespace/]name": a Component by default, in the
 * namespace default), as its full ref "component:default/ledger-worker"; NULL for none, or with a
 * field error on field "entity". */
const char *provision_entity_ref(struct app_ctx *c, const char *text);

/* May the caller decide on rq: not the requester, holds the policy's role and the permission.
 * 0, or -1 with 403 in words. */
int provision_approver_check(struct app_ctx *c, const struct request_row *rq);

/* provision_resources.c */
int provision_resource_list(struct app_ctx *c);
int provision_resource_get(struct app_ctx *c);
int provision_resource_delete(struct app_ctx *c);
int provision_resource_renew(struct app_ctx *c);
int provision_job_get(struct app_ctx *c);
int provision_job_log(struct app_ctx *c);
int provision_job_cancel(struct app_ctx *c);

/* provision_inbox.c */
int provision_approval_inbox(struct app_ctx *c);
int provision_notification_list(struct app_ctx *c);
int provision_notification_read(struct app_ctx *c);
int provision_notification_read_all(struct app_ctx *c);

#endif
