/*
 * monitor: alerts developers define for their services and the dashboards they arrange.
 * monitor.c: alert rules, their acknowledgement and history, what is firing; monitor_routing.c:
 * receivers (webhooks) and silences; monitor_panels.c: the configured Prometheus' series of an
 * entity (query_range, scoped by lib/promql) and each person's dashboard of an entity. The runner
 * evaluates rules and sends deliveries (runner/alerts.c).
 *
 * An entity's alerts are read with monitor.read on it and made with monitor.alert.write; an
 * entity the caller may not read is not found. A team's receivers are its maintainers'
 * (monitor.receiver.write).
 */
#ifndef PORTICO_MONITOR_H
#define PORTICO_MONITOR_H

#include "lib/portico.h"

/* The entity the ref text names (field: the member or parameter it came in, for errors), which
 * the caller may read (404 otherwise) and, unless perm is NULL, holds perm on (403): its id and
 * owner team (which it must have: 422 otherwise), its canonical ref in ref. 0, or -1. */
int monitor_entity(struct app_ctx *c, const char *field, const char *text, const char *perm, long long *id,
                   const char **team, struct catalog_ref *ref);

/* The team exists (404) and the caller holds perm on it (403). 0, or -1. */
int monitor_team(struct app_ctx *c, const char *team, const char *perm);

int monitor_receiver_create(struct app_ctx *c);
int monitor_receiver_list(struct app_ctx *c);
int monitor_receiver_delete(struct app_ctx *c);
int monitor_silence_create(struct app_ctx *c);
int monitor_silence_list(struct app_ctx *c);
int monitor_silence_expire(struct app_ctx *c);
int monitor_query_range(struct app_ctx *c);
int monitor_dashboard_get(struct app_ctx *c);
int monitor_dashboard_put(struct app_ctx *c);

#endif
