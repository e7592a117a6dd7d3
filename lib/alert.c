/*
 * alert: rules' forms, their state's moves and the receivers' notices (alert.h).
 */
#include <stdio.h>
#include <string.h>

#include "alert.h"

static const char *const state_names[] = { "inactive", "pending", "firing" };

const char *alert_state_name(enum alert_state s)
{
    return s <= ALERT_FIRING ? state_names[s] : "inactive";
}

bool alert_state_parse(const char *name, enum alert_state *s)
{
    for (int i = 0; name && i <= ALERT_FIRING; i++)
        if (strcmp(name, state_names[i]) == 0)
            return *s = (enum alert_state)i, true;
    return false;
}

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

const char *alert_rule_check(const char *kind, const char *metric, const char *op, long long window_seconds,
                             bool has_expr, const char **field)
{
    static const char *const health[] = { "critical", "warning", NULL };
    static const char *const failures[] = { "jobs", "pipelines", "deploys", NULL };
    static const char *const dora[] = { "deployment_frequency", "lead_time", "change_failure_rate", "time_to_restore",
                                        NULL };
    bool promql = kind && strcmp(kind, "promql") == 0;
    *field = "metric";
    if (!kind)
        return *field = "kind", "is required: health, failures, dora or promql";
    if (promql != has_expr)
        return *field = "expr", promql ? "is required for a promql rule: the PromQL expression"
                                       : "is for promql rules only";
    if (!op && !promql)
        return *field = "op", "is required: one of > >= < <= == !=";
    if (strcmp(kind, "health") == 0 && !one_of(metric, health))
        return "is critical or warning for a health rule: the checks at or worse than it are counted";
    if (strcmp(kind, "failures") == 0 && !one_of(metric, failures))
        return "is jobs, pipelines or deploys for a failures rule: the failures in window_seconds are counted";
    if (strcmp(kind, "dora") == 0) {
        if (!one_of(metric, dora))
            return "is deployment_frequency, lead_time, change_failure_rate or time_to_restore for a dora rule";
        if (window_seconds != 7 * 86400 && window_seconds != 30 * 86400 && window_seconds != 90 * 86400)
            return *field = "window_seconds", "is 7, 30 or 90 days (604800, 2592000, 7776000) for a dora rule";
    }
    if (promql && metric)
        return "is not for promql rules: the expression says what is measured";
    return NULL;
}

int alert_severity_rank(const char *severity)
{
    static const char *const names[] = { "info", "warning", "critical" };
    for (int i = 0; severity && i < 3; i++)
        if (strcmp(severity, names[i]) == 0)
            return i;
    return -1;
}

bool alert_compare(double value, const char *op, double threshold)
{
    if (!op)
        return false;
    if (strcmp(op, ">") == 0)
        return value > threshold;
    if (strcmp(op, ">=") == 0)
        return value >= threshold;
    if (strcmp(op, "<") == 0)
        return value < threshold;
    if (strcmp(op, "<=") == 0)
        return value <= threshold;
    if (strcmp(op, "==") == 0)
        return value == threshold;
    if (strcmp(op, "!=") == 0)
        return value != threshold;
    return false;
}

enum alert_change alert_step(enum alert_state *state, long long *since, bool condition, long long now,
                             long long for_seconds)
{
    switch (*state) {
    case ALERT_INACTIVE:
        if (!condition)
            return ALERT_SAME;
        *since = now;
        if (for_seconds <= 0)
            return *state = ALERT_FIRING, ALERT_FIRED;
        return *state = ALERT_PENDING, ALERT_BECAME_PENDING;
    case ALERT_PENDING:
        if (!condition)
            return *state = ALERT_INACTIVE, *since = now, ALERT_DROPPED;
        if (now - *since >= for_seconds)
            return *state = ALERT_FIRING, *since = now, ALERT_FIRED;
        return ALERT_SAME;
    case ALERT_FIRING:
        if (condition)
            return ALERT_SAME;
        return *state = ALERT_INACTIVE, *since = now, ALERT_RESOLVED;
    }
    return ALERT_SAME;
}

static const char *text_or(const char *s, const char *dflt)
{
    return s && *s ? s : dflt;
}

json_object *alert_slack_payload(const struct alert_notice *n)
{
    bool firing = strcmp(n->status, "firing") == 0;
    char text[900], value[64] = "";
    if (n->has_value)
        snprintf(value, sizeof(value), " (value %g)", n->value);
    snprintf(text, sizeof(text), "%s %s: %s on %s%s", firing ? ":rotating_light:" : ":white_check_mark:",
             firing ? "FIRING" : "RESOLVED", n->rule, n->entity, value);
    json_object *o = json_object_new_object(), *att = json_object_new_object(), *fields = json_object_new_array();
    json_object_object_add(o, "text", json_object_new_string(text));
    json_object_object_add(att, "color", json_object_new_string(!firing ? "good"
                                                                : strcmp(n->severity, "critical") == 0 ? "danger"
                                                                                                      : "warning"));
    json_object_object_add(att, "title", json_object_new_string(n->rule));
    if (n->url)
        json_object_object_add(att, "title_link", json_object_new_string(n->url));
    json_object_object_add(att, "text", json_object_new_string(text_or(n->summary, n->rule)));
    const char *names[] = { "Entity", "Team", "Severity", "Since" };
    const char *values[] = { n->entity, n->team, n->severity, firing ? n->starts_at : text_or(n->ends_at, "") };
    for (int i = 0; i < 4; i++) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "title", json_object_new_string(names[i]));
        json_object_object_add(f, "value", json_object_new_string(values[i] ? values[i] : ""));
        json_object_object_add(f, "short", json_object_new_boolean(1));
        json_object_array_add(fields, f);
    }
    json_object_object_add(att, "fields", fields);
    json_object *atts = json_object_new_array();
    json_object_array_add(atts, att);
    json_object_object_add(o, "attachments", atts);
    return o;
}

/* FNV-1a of the alert's labels, as Alertmanager's fingerprint is a hash of them */
static unsigned long long fingerprint(const struct alert_notice *n)
{
    unsigned long long h = 1469598103934665603ULL;
    const char *parts[] = { n->rule, n->entity, n->team };
    for (int i = 0; i < 3; i++)
        for (const char *c = parts[i] ? parts[i] : ""; ; c++) {
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
            if (!*c)
                break;
        }
    return h ^ (unsigned long long)n->rule_id;
}

json_object *alert_manager_payload(const struct alert_notice *n)
{
    json_object *labels = json_object_new_object(), *ann = json_object_new_object();
    json_object_object_add(labels, "alertname", json_object_new_string(n->rule));
    json_object_object_add(labels, "entity", json_object_new_string(n->entity));
    json_object_object_add(labels, "team", json_object_new_string(n->team));
    json_object_object_add(labels, "severity", json_object_new_string(n->severity));
    json_object_object_add(labels, "kind", json_object_new_string(n->kind));
    json_object_object_add(ann, "summary", json_object_new_string(text_or(n->summary, n->rule)));
    if (n->has_value) {
        char v[64];
        snprintf(v, sizeof(v), "%g", n->value);
        json_object_object_add(ann, "value", json_object_new_string(v));
    }
    char fp[17], key[200];
    snprintf(fp, sizeof(fp), "%016llx", fingerprint(n));
    json_object *alert = json_object_new_object();
    json_object_object_add(alert, "status", json_object_new_string(n->status));
    json_object_object_add(alert, "labels", labels);
    json_object_object_add(alert, "annotations", ann);
    json_object_object_add(alert, "startsAt", json_object_new_string(n->starts_at));
    json_object_object_add(alert, "endsAt", json_object_new_string(text_or(n->ends_at, "0001-01-01T00:00:00Z")));
    json_object_object_add(alert, "generatorURL", json_object_new_string(n->url ? n->url : ""));
    json_object_object_add(alert, "fingerprint", json_object_new_string(fp));
    json_object *alerts = json_object_new_array();
    json_object_array_add(alerts, alert);
    json_object *o = json_object_new_object();
    snprintf(key, sizeof(key), "{}:{alertname=\"%.60s\",entity=\"%.100s\"}", n->rule, n->entity);
    json_object_object_add(o, "version", json_object_new_string("4"));
    json_object_object_add(o, "groupKey", json_object_new_string(key));
    json_object_object_add(o, "truncatedAlerts", json_object_new_int(0));
    json_object_object_add(o, "status", json_object_new_string(n->status));
    json_object_object_add(o, "receiver", json_object_new_string(text_or(n->receiver, "portico")));
    json_object *group = json_object_new_object();
    json_object_object_add(group, "alertname", json_object_new_string(n->rule));
    json_object_object_add(group, "entity", json_object_new_string(n->entity));
    json_object_object_add(o, "groupLabels", group);
    json_object_object_add(o, "commonLabels", json_object_get(labels));
    json_object_object_add(o, "commonAnnotations", json_object_get(ann));
    json_object_object_add(o, "externalURL", json_object_new_string(n->external_url ? n->external_url : ""));
    json_object_object_add(o, "alerts", alerts);
    return o;
}
