/*
 * promql and alert: every selector of an expression scoped to the entity, what is refused; an
 * alert rule's checks, its state's moves, the receivers' notices.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "lib/alert.h"
#include "lib/promql.h"
#include "tests/unit/suites.h"

static const char *scope(struct arena *a, const char *expr)
{
    const char *out, *why;
    return promql_scope(a, expr, "portico_entity", "component:default/web", &out, &why) < 0 ? NULL : out;
}

#define M "portico_entity=\"component:default/web\""

static void test_scoped(void)
{
    struct arena ar, *a = &ar;
    arena_init(a, 0);
    static const char *const cases[][2] = {
        { "up", "up{" M "}" },
        { "http_requests_total{code=\"500\"}", "http_requests_total{code=\"500\"," M "}" },
        { "http_requests_total{code=\"500\",}", "http_requests_total{code=\"500\"," M "}" },
        { "{__name__=~\"job:.*\"}", "{__name__=~\"job:.*\"," M "}" },
        { "{}", "{" M "}" },
        { "rate(http_requests_total[5m])", "rate(http_requests_total{" M "}[5m])" },
        { "sum by (code) (rate(x[5m]))", "sum by (code) (rate(x{" M "}[5m]))" },
        { "sum(rate(x[5m])) by (code, le)", "sum(rate(x{" M "}[5m])) by (code, le)" },
        { "a / on(instance) group_left(version) b", "a{" M "} / on(instance) group_left(version) b{" M "}" },
        { "x offset 5m", "x{" M "} offset 5m" },
        { "x @ start()", "x{" M "} @ start()" },
        { "max_over_time(x[1h:5m])", "max_over_time(x{" M "}[1h:5m])" },
        { "label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")", "label_replace(x{" M "}, \"dst\", \"$1\", \"src\", \"(.*)\")" },
        { "x > 1e-3 and y", "x{" M "} > 1e-3 and y{" M "}" },
        { "job:rate5m:sum > bool 0.5", "job:rate5m:sum{" M "} > bool 0.5" },
        { "1 + :hidden", "1 + :hidden{" M "}" },
        { "SUM BY (a) (x)", "SUM BY (a) (x{" M "})" },
        { "histogram_quantile(0.99, sum by (le) (rate(d_bucket[5m])))",
          "histogram_quantile(0.99, sum by (le) (rate(d_bucket{" M "}[5m])))" },
        { "x # a comment {other}\n", "x{" M "} \n" },
        { "x{a='b\\'c'}", "x{a='b\\'c'," M "}" },
        { "topk(3, x)", "topk(3, x{" M "})" },
        { "x > Inf", "x{" M "} > Inf" },
        { "-inf < x", "-inf < x{" M "}" },
        { "nan", "nan" },
        /* a keyword where an operand belongs is a metric's name to PromQL: scoped */
        { "sum(by)", "sum(by{" M "})" },
        { "rate(without[5m])", "rate(without{" M "}[5m])" },
        { "and", "and{" M "}" },
        { "offset", "offset{" M "}" },
        { "foo or by", "foo{" M "} or by{" M "}" },
        { "sum without(x)(unless)", "sum without(x)(unless{" M "})" },
        { "topk(1, by)", "topk(1, by{" M "})" },
        { "BY", "BY{" M "}" },
        { "by offset 1m", "by{" M "} offset 1m" },
        { "by @ 100", "by{" M "} @ 100" },
        { "start + end", "start{" M "} + end{" M "}" },
        { "limitk", "limitk{" M "}" },
        { "sum(bool)", "sum(bool{" M "})" },
        { "a * group_left", "a{" M "} * group_left{" M "}" },
        { "a * on(x) group_left b", "a{" M "} * on(x) group_left b{" M "}" },
        { "a == bool on(x) b", "a{" M "} == bool on(x) b{" M "}" },
        { "a unless ignoring(x) b", "a{" M "} unless ignoring(x) b{" M "}" },
        { "x <= 1 > -2", "x{" M "} <= 1 > -2" },
        { "x @ end()", "x{" M "} @ end()" },
        { "count_values(\"v\", x)", "count_values(\"v\", x{" M "})" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = scope(a, cases[i][0]);
        CU_ASSERT_PTR_NOT_NULL(got);
        if (got && strcmp(got, cases[i][1]) != 0)
            fprintf(stderr, "\n  %s\n  got  %s\n  want %s\n", cases[i][0], got, cases[i][1]);
        CU_ASSERT(got && strcmp(got, cases[i][1]) == 0);
    }
    arena_free(a);
}

static void test_refused(void)
{
    struct arena ar, *a = &ar;
    arena_init(a, 0);
    static const char *const bad[] = {
        "",
        "# a comment only",
        "  \n ",
        "x{portico_entity=\"component:default/other\"}",   /* choosing the label */
        "x{portico_entity!=\"\"}",
        "{a=\"1\" or b=\"2\"}",                              /* Prometheus 3's or between matchers */
        "x{a=\"1\"",                                         /* not closed */
        "x{a=b}",                                           /* a value not a string */
        "x{\"quoted\"}",
        "\"unterminated",
        "x[5m+1m]",
        "sum by (\"a.b\") (x)",
        "x ; y",
        "x \x01",
        "x \xc3\xa9",
        "by(x)",                                             /* a keyword as a function */
        "sum(offset(x))",
        "info(x)",                                           /* joins target_info, unscoped */
        "x y",                                               /* a word where an operator belongs */
        "sum(x) by",
        "x bool 1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *got = scope(a, bad[i]);
        if (got)
            fprintf(stderr, "\n  accepted: %s -> %s\n", bad[i], got);
        CU_ASSERT_PTR_NULL(got);
    }
    /* bounds: the length, the selectors */
    char big[PROMQL_MAX + 2];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CU_ASSERT_PTR_NULL(scope(a, big));
    char many[1024] = "";
    for (int i = 0; i < PROMQL_SELECTORS_MAX + 1; i++)
        strcat(many, i ? "+a" : "a");
    CU_ASSERT_PTR_NULL(scope(a, many));
    many[strlen(many) - 2] = '\0';
    CU_ASSERT_PTR_NOT_NULL(scope(a, many));
    /* a value with quotes is escaped */
    const char *out, *why;
    CU_ASSERT_EQUAL(promql_scope(a, "x", "l", "a\"b\\c", &out, &why), 0);
    CU_ASSERT_STRING_EQUAL(out, "x{l=\"a\\\"b\\\\c\"}");
    CU_ASSERT_TRUE(promql_label_ok("service"));
    CU_ASSERT_FALSE(promql_label_ok("__name__"));
    CU_ASSERT_FALSE(promql_label_ok("a-b"));
    CU_ASSERT_FALSE(promql_label_ok("a:b"));
    CU_ASSERT_FALSE(promql_label_ok("1a"));
    arena_free(a);
}

static void test_rules(void)
{
    const char *field;
    CU_ASSERT_PTR_NULL(alert_rule_check("health", "critical", ">", 3600, false, &field));
    CU_ASSERT_PTR_NOT_NULL(alert_rule_check("health", "jobs", ">", 3600, false, &field));
    CU_ASSERT_PTR_NULL(alert_rule_check("failures", "deploys", ">=", 3600, false, &field));
    CU_ASSERT_PTR_NOT_NULL(alert_rule_check("failures", NULL, ">=", 3600, false, &field));
    CU_ASSERT_PTR_NULL(alert_rule_check("dora", "change_failure_rate", ">", 30 * 86400, false, &field));
    CU_ASSERT_PTR_NOT_NULL(alert_rule_check("dora", "change_failure_rate", ">", 3600, false, &field));
    CU_ASSERT_STRING_EQUAL(field, "window_seconds");
    CU_ASSERT_PTR_NULL(alert_rule_check("promql", NULL, NULL, 3600, true, &field));
    CU_ASSERT_PTR_NOT_NULL(alert_rule_check("promql", NULL, NULL, 3600, false, &field));
    CU_ASSERT_STRING_EQUAL(field, "expr");
    CU_ASSERT_PTR_NOT_NULL(alert_rule_check("health", "critical", ">", 3600, true, &field));
    CU_ASSERT_PTR_NOT_NULL(alert_rule_check("health", "critical", NULL, 3600, false, &field));
    CU_ASSERT_STRING_EQUAL(field, "op");
    CU_ASSERT_TRUE(alert_compare(2, ">", 1));
    CU_ASSERT_FALSE(alert_compare(1, ">", 1));
    CU_ASSERT_TRUE(alert_compare(1, ">=", 1));
    CU_ASSERT_TRUE(alert_compare(0.1, "<", 0.2));
    CU_ASSERT_TRUE(alert_compare(3, "!=", 2));
    CU_ASSERT_FALSE(alert_compare(3, "=~", 3));
    CU_ASSERT_EQUAL(alert_severity_rank("critical"), 2);
    CU_ASSERT_EQUAL(alert_severity_rank("nope"), -1);
}

static void test_steps(void)
{
    enum alert_state s = ALERT_INACTIVE;
    long long since = 0;
    /* for 60 s: pending, still pending at 59 s, firing at 60 s */
    CU_ASSERT_EQUAL(alert_step(&s, &since, true, 1000, 60), ALERT_BECAME_PENDING);
    CU_ASSERT_EQUAL(alert_step(&s, &since, true, 1059, 60), ALERT_SAME);
    CU_ASSERT_EQUAL(s, ALERT_PENDING);
    CU_ASSERT_EQUAL(alert_step(&s, &since, true, 1060, 60), ALERT_FIRED);
    CU_ASSERT_EQUAL(since, 1060);
    CU_ASSERT_EQUAL(alert_step(&s, &since, true, 1200, 60), ALERT_SAME);
    CU_ASSERT_EQUAL(alert_step(&s, &since, false, 1300, 60), ALERT_RESOLVED);
    CU_ASSERT_EQUAL(s, ALERT_INACTIVE);
    /* pending then false: dropped without firing */
    CU_ASSERT_EQUAL(alert_step(&s, &since, true, 2000, 60), ALERT_BECAME_PENDING);
    CU_ASSERT_EQUAL(alert_step(&s, &since, false, 2030, 60), ALERT_DROPPED);
    CU_ASSERT_EQUAL(s, ALERT_INACTIVE);
    /* no for-duration: fires at once */
    CU_ASSERT_EQUAL(alert_step(&s, &since, true, 3000, 0), ALERT_FIRED);
    CU_ASSERT_EQUAL(alert_step(&s, &since, false, 3001, 0), ALERT_RESOLVED);
}

static void test_payloads(void)
{
    struct alert_notice n = { 7, "errors-high", "component:default/web", "payments", "critical", "5xx above 1%",
                              "promql", "firing", true, 0.25, "2026-12-03T10:00:00.000000Z", NULL,
                              "https://portico.example/alerts/rules/7", "https://portico.example", "oncall" };
    json_object *s = alert_slack_payload(&n), *m = alert_manager_payload(&n), *v, *alert;
    CU_ASSERT_TRUE(json_object_object_get_ex(s, "text", &v));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(v), "FIRING: errors-high on component:default/web"));
    CU_ASSERT_TRUE(json_object_object_get_ex(m, "version", &v) && strcmp(json_object_get_string(v), "4") == 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(m, "status", &v) && strcmp(json_object_get_string(v), "firing") == 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(m, "receiver", &v) && strcmp(json_object_get_string(v), "oncall") == 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(m, "alerts", &v) && json_object_array_length(v) == 1);
    alert = json_object_array_get_idx(v, 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(alert, "endsAt", &v) &&
                   strcmp(json_object_get_string(v), "0001-01-01T00:00:00Z") == 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(json_object_object_get(alert, "labels"), "alertname", &v) &&
                   strcmp(json_object_get_string(v), "errors-high") == 0);
    CU_ASSERT_TRUE(json_object_object_get_ex(alert, "fingerprint", &v) && strlen(json_object_get_string(v)) == 16);
    json_object_put(s);
    json_object_put(m);
    n.status = "resolved";
    n.ends_at = "2026-12-03T11:00:00.000000Z";
    s = alert_slack_payload(&n);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(json_object_object_get(s, "text")), "RESOLVED"));
    json_object_put(s);
}

void suite_promql(void)
{
    CU_pSuite s = CU_add_suite("promql", NULL, NULL);
    CU_add_test(s, "every selector scoped: metrics, braces, ranges, aggregations, functions", test_scoped);
    CU_add_test(s, "refused: the label chosen, or between matchers, what is not PromQL, bounds", test_refused);
    CU_add_test(s, "alert rules: kinds, metrics, operators, severities", test_rules);
    CU_add_test(s, "alert states: pending for the duration, firing, resolved, dropped", test_steps);
    CU_add_test(s, "alert notices: Slack JSON, the Alertmanager webhook format", test_payloads);
}
