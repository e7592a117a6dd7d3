/*
 * prometheus: queries to the Prometheus the platform team configures (prometheus_url), made by
 * the runner for alert rules of kind promql and by the monitor area for dashboards' panels.
 * Each is a POST of the form Prometheus' HTTP API takes (so a long expression fits), within
 * prometheus_timeout_seconds, through outbound (its checks of addresses; the URL is the
 * platform's own, so loopback, private networks and plain http are allowed). The expression is
 * sent as given: callers scope it first (lib/promql).
 */
#ifndef PORTICO_PROMETHEUS_H
#define PORTICO_PROMETHEUS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "runner/drivers/driver.h"

#define PROMETHEUS_ANSWER_MAX (4 << 20)   /* a range query's answer, at most */

/* An instant query (time: unix seconds, 0 for now): 0 with *data, the answer's data member (the
 * caller puts it), or -1 with d->error; *bad when Prometheus refused the expression itself (its
 * bad_data: the developer's to fix) rather than failing or not answering. */
int prometheus_query(struct driver_run *d, const char *expr, long long time, json_object **data, bool *bad);

/* A range query from start to end (unix seconds) every step seconds: the same. */
int prometheus_query_range(struct driver_run *d, const char *expr, long long start, long long end, long long step,
                           json_object **data, bool *bad);

#endif
