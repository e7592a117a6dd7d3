/*
 * alert: an alert rule's rules, shared by the handler that keeps rules (cgi-bin/monitor.c) and
 * the runner that evaluates them (runner/alerts.c), without a database: what a rule may say
 * (kinds, metrics, operators, severities, bounds), how an evaluation moves its state (inactive,
 * pending for for_seconds, firing; resolved when false again), and the notices receivers get
 * (Slack-compatible JSON; the Alertmanager webhook format, version 4).
 */
#ifndef PORTICO_ALERT_H
#define PORTICO_ALERT_H

#include <json-c/json.h>
#include <stdbool.h>

#define ALERT_FOR_MAX 86400          /* for_seconds */
#define ALERT_WINDOW_MAX (90 * 86400)
#define ALERT_INTERVAL_MIN 15
#define ALERT_INTERVAL_MAX 86400
#define ALERT_KEEP_DAYS 90           /* alert_events kept */
#define ALERT_DELIVERY_ATTEMPTS 5

enum alert_state { ALERT_INACTIVE, ALERT_PENDING, ALERT_FIRING };
enum alert_change { ALERT_SAME, ALERT_BECAME_PENDING, ALERT_FIRED, ALERT_RESOLVED, ALERT_DROPPED };

const char *alert_state_name(enum alert_state s);
bool alert_state_parse(const char *name, enum alert_state *s);

/* A rule's kind and metric together, checked: NULL when fine, else why (about field *field).
 * health: critical|warning; failures: jobs|pipelines|deploys; dora: deployment_frequency|
 * lead_time|change_failure_rate|time_to_restore (window 7, 30 or 90 days); promql: no metric,
 * an expression. */
const char *alert_rule_check(const char *kind, const char *metric, const char *op, long long window_seconds,
                             bool has_expr, const char **field);

/* 0 info, 1 warning, 2 critical; -1 for none of them. */
int alert_severity_rank(const char *severity);

/* value op threshold, for op one of > >= < <= == != (false for anything else). */
bool alert_compare(double value, const char *op, double threshold);

/* One evaluation: the condition now (at unix time now) moves the state; since is when the
 * current state began (pending: when it became true; firing: when it fired), updated. */
enum alert_change alert_step(enum alert_state *state, long long *since, bool condition, long long now,
                             long long for_seconds);

/* What a receiver is told of one firing or resolving. */
struct alert_notice {
    long long rule_id;
    const char *rule, *entity, *team, *severity, *summary, *kind;
    const char *status;              /* "firing" or "resolved" */
    bool has_value;
    double value;
    const char *starts_at;           /* RFC 3339 */
    const char *ends_at;             /* RFC 3339 when resolved, else NULL */
    const char *url;                 /* the rule's page in the portal */
    const char *external_url;        /* the portal */
    const char *receiver;
};

/* Slack's incoming-webhook JSON (text and one attachment; Mattermost and Rocket.Chat read it). */
json_object *alert_slack_payload(const struct alert_notice *n);

/* The Alertmanager webhook receiver's JSON (version 4, one alert in its group). */
json_object *alert_manager_payload(const struct alert_notice *n);

#endif
