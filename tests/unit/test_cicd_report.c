/*
 * Unit suite, cicd_report: JUnit reports in the shapes tools write them (Maven Surefire's
 * <testsuite>, pytest's and Jest's <testsuites>, nested suites), counted by their test cases;
 * what is refused (a DOCTYPE, an entity, not JUnit); SARIF 2.1.0 as CodeQL and Semgrep write it,
 * its severities and fingerprints; and the deploy checks of lib/cicd (URL, target, version).
 */
#include <CUnit/CUnit.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "lib/cicd.h"
#include "lib/cicd_report.h"
#include "lib/dora.h"
#include "tests/unit/suites.h"

static struct arena a;

static void test_junit_counts(void)
{
    /* pytest: <testsuites> around one <testsuite>; the attributes lie (tests="9"): cases count */
    static const char pytest[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites><testsuite name=\"pytest\" errors=\"0\" failures=\"1\" "
        "skipped=\"1\" tests=\"9\" time=\"0.52\"><testcase classname=\"tests.test_api\" name=\"test_ok\" time=\"0.010\"/>"
        "<testcase classname=\"tests.test_api\" name=\"test_fails\" time=\"0.200\"><failure message=\"assert 1 == 2\">"
        "def test_fails():\n&gt;       assert 1 == 2</failure></testcase>"
        "<testcase classname=\"tests.test_api\" name=\"test_skip\" time=\"0.000\"><skipped message=\"later\"/></testcase>"
        "<testcase classname=\"tests.test_db\" name=\"test_boom\" time=\"0.3\"><error message=\"\">Traceback: ConnectionError"
        "</error></testcase></testsuite></testsuites>";
    struct cicd_tests *t = arena_calloc(&a, 1, sizeof(*t));
    const char *why;
    CU_ASSERT_EQUAL_FATAL(cicd_junit_read(pytest, sizeof(pytest) - 1, &a, t, &why), 0);
    CU_ASSERT_EQUAL(t->tests, 4);
    CU_ASSERT_EQUAL(t->failures, 1);
    CU_ASSERT_EQUAL(t->errors, 1);
    CU_ASSERT_EQUAL(t->skipped, 1);
    CU_ASSERT_EQUAL(t->duration_ms, 510);
    CU_ASSERT_EQUAL_FATAL(t->nfailed, 2);
    CU_ASSERT_STRING_EQUAL(t->failed[0].suite, "pytest");
    CU_ASSERT_STRING_EQUAL(t->failed[0].classname, "tests.test_api");
    CU_ASSERT_STRING_EQUAL(t->failed[0].name, "test_fails");
    CU_ASSERT_STRING_EQUAL(t->failed[0].kind, "failure");
    CU_ASSERT_STRING_EQUAL(t->failed[0].message, "assert 1 == 2");
    /* no message attribute: the element's text */
    CU_ASSERT_STRING_EQUAL(t->failed[1].kind, "error");
    CU_ASSERT_STRING_EQUAL(t->failed[1].message, "Traceback: ConnectionError");

    /* Maven Surefire: <testsuite> at the root; nested suites (JUnit 5 platform) */
    static const char surefire[] =
        "<testsuite name=\"com.acme.AppTest\" tests=\"2\"><testsuite name=\"inner\"><testcase name=\"a\" "
        "classname=\"com.acme.AppTest\" time=\"1.5\"/></testsuite><testcase name=\"b\" classname=\"com.acme.AppTest\">"
        "<failure type=\"java.lang.AssertionError\" message=\"expected:&lt;1&gt; but was:&lt;2&gt;\"/></testcase>"
        "</testsuite>";
    CU_ASSERT_EQUAL_FATAL(cicd_junit_read(surefire, sizeof(surefire) - 1, &a, t, &why), 0);
    CU_ASSERT_EQUAL(t->tests, 2);
    CU_ASSERT_EQUAL(t->failures, 1);
    CU_ASSERT_STRING_EQUAL(t->failed[0].message, "expected:<1> but was:<2>");
    CU_ASSERT_STRING_EQUAL(t->failed[0].suite, "com.acme.AppTest");
}

static void test_junit_refused(void)
{
    struct cicd_tests *t = arena_calloc(&a, 1, sizeof(*t));
    const char *why;
    static const char xxe[] = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                              "<testsuite><testcase name=\"&e;\"/></testsuite>";
    CU_ASSERT_EQUAL(cicd_junit_read(xxe, sizeof(xxe) - 1, &a, t, &why), -1);
    /* an internal entity is no better; nor a DOCTYPE hidden by a UTF-7 declaration (read as UTF-8) */
    static const char internal[] = "<!DOCTYPE x [<!ENTITY e \"boom\">]><testsuite><testcase name=\"&e;\"/></testsuite>";
    CU_ASSERT_EQUAL(cicd_junit_read(internal, sizeof(internal) - 1, &a, t, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "DOCTYPE"));
    static const char utf7[] = "<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-+ACE-DOCTYPE x +AFs-+ADw-+ACE-ENTITY a "
                               "+ACI-boom+ACI-+AD4-+AF0-+AD4-<testsuite><testcase name=\"&a;\"/></testsuite>";
    CU_ASSERT_EQUAL(cicd_junit_read(utf7, sizeof(utf7) - 1, &a, t, &why), -1);
    /* a DOCTYPE in a CDATA section (a page a test printed) is text */
    static const char cdata[] = "<testsuite><testcase name=\"page\"><system-out><![CDATA[<!DOCTYPE html><p>hi]]></system-out>"
                                "</testcase></testsuite>";
    CU_ASSERT_EQUAL(cicd_junit_read(cdata, sizeof(cdata) - 1, &a, t, &why), 0);
    CU_ASSERT_EQUAL(t->tests, 1);
    CU_ASSERT_EQUAL(cicd_junit_read("<html><body/></html>", 20, &a, t, &why), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "root"));
    CU_ASSERT_EQUAL(cicd_junit_read("<testsuite><testcase>", 21, &a, t, &why), -1);
    CU_ASSERT_STRING_EQUAL(why, "not well-formed XML");
    /* a message with control characters and past the bound: cut at a character, plain */
    char big[3000];
    int n = snprintf(big, sizeof(big), "<testsuite><testcase name=\"x\"><failure message=\"");
    for (int i = 0; i < 600; i++)
        n += snprintf(big + n, sizeof(big) - (size_t)n, "\xc3\xa9");   /* é, 2 bytes each */
    n += snprintf(big + n, sizeof(big) - (size_t)n, "\"/></testcase></testsuite>");
    CU_ASSERT_EQUAL_FATAL(cicd_junit_read(big, (size_t)n, &a, t, &why), 0);
    CU_ASSERT_EQUAL(strlen(t->failed[0].message), 1000);
    /* more failing tests than are kept: all counted, 200 kept */
    size_t cap = 300 * 80 + 64;
    char *many = arena_alloc(&a, cap);
    size_t k = (size_t)snprintf(many, cap, "<testsuite>");
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(many + k, cap - k, "<testcase name=\"t%d\"><failure/></testcase>", i);
    k += (size_t)snprintf(many + k, cap - k, "</testsuite>");
    CU_ASSERT_EQUAL_FATAL(cicd_junit_read(many, k, &a, t, &why), 0);
    CU_ASSERT_EQUAL(t->failures, 300);
    CU_ASSERT_EQUAL(t->nfailed, CICD_FAILED_MAX);
}

/* CodeQL writes rules with security-severity and results with partialFingerprints; Semgrep a
 * level per result and fingerprints. */
static const char codeql[] =
    "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":"
    "{\"name\":\"CodeQL\",\"rules\":[{\"id\":\"js/sql-injection\",\"properties\":{\"security-severity\":\"9.8\"}},"
    "{\"id\":\"js/xss\",\"defaultConfiguration\":{\"level\":\"warning\"},\"properties\":{\"security-severity\":\"6.1\"}}]}},"
    "\"results\":[{\"ruleId\":\"js/sql-injection\",\"ruleIndex\":0,\"message\":{\"text\":\"This query depends on a user-"
    "provided value.\"},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"src/db.js\"},\"region\":"
    "{\"startLine\":42}}}],\"partialFingerprints\":{\"primaryLocationLineHash\":\"39fa2ee980eb94b0:1\"}},"
    "{\"ruleId\":\"js/xss\",\"message\":{\"text\":\"Cross-site scripting\"},\"locations\":[{\"physicalLocation\":"
    "{\"artifactLocation\":{\"uri\":\"src/page.js\"},\"region\":{\"startLine\":7}}}],\"partialFingerprints\":"
    "{\"primaryLocationLineHash\":\"aa11bb22cc33dd44:1\"}}]},"
    "{\"tool\":{\"driver\":{\"name\":\"Semgrep OSS\"}},\"results\":[{\"ruleId\":\"python.lang.security.audit.eval\","
    "\"level\":\"error\",\"message\":{\"text\":\"eval is dangerous\"},\"locations\":[{\"physicalLocation\":"
    "{\"artifactLocation\":{\"uri\":\"app.py\"},\"region\":{\"startLine\":3}}}],\"fingerprints\":{\"matchBasedId/v1\":"
    "\"abc\"}},{\"ruleId\":\"python.style\",\"level\":\"note\",\"message\":{\"text\":\"style\"}}]}]}";

static void test_sarif(void)
{
    json_object *log = json_tokener_parse(codeql);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    struct cicd_findings f;
    const char *why;
    CU_ASSERT_EQUAL_FATAL(cicd_sarif_read(log, &a, &f, &why), 0);
    CU_ASSERT_EQUAL_FATAL(f.n, 4);
    CU_ASSERT_EQUAL(f.ntools, 2);
    CU_ASSERT_STRING_EQUAL(f.items[0].tool, "CodeQL");
    CU_ASSERT_STRING_EQUAL(f.items[0].rule, "js/sql-injection");
    CU_ASSERT_STRING_EQUAL(f.items[0].severity, "critical");
    CU_ASSERT_STRING_EQUAL(f.items[0].uri, "src/db.js");
    CU_ASSERT_EQUAL(f.items[0].line, 42);
    CU_ASSERT_STRING_EQUAL(f.items[1].severity, "medium");     /* 6.1 */
    CU_ASSERT_STRING_EQUAL(f.items[2].severity, "high");       /* level error, no score */
    CU_ASSERT_STRING_EQUAL(f.items[3].severity, "low");        /* note */
    CU_ASSERT_STRING_EQUAL(f.items[3].uri, "");
    CU_ASSERT_EQUAL(strlen(f.items[0].fingerprint), 64);
    /* the same log again: the same fingerprints (a finding is one row from run to run) */
    char first[65];
    memcpy(first, f.items[0].fingerprint, 65);
    /* ... even when the line moves: CodeQL's partial fingerprint is what identifies it */
    json_object *runs, *res, *loc, *reg;
    json_object_object_get_ex(log, "runs", &runs);
    json_object_object_get_ex(json_object_array_get_idx(runs, 0), "results", &res);
    json_object_object_get_ex(json_object_array_get_idx(res, 0), "locations", &loc);
    json_object_object_get_ex(json_object_object_get(json_object_array_get_idx(loc, 0), "physicalLocation"), "region", &reg);
    json_object_object_add(reg, "startLine", json_object_new_int(50));
    CU_ASSERT_EQUAL_FATAL(cicd_sarif_read(log, &a, &f, &why), 0);
    CU_ASSERT_STRING_EQUAL(f.items[0].fingerprint, first);
    CU_ASSERT_EQUAL(f.items[0].line, 50);
    CU_ASSERT_STRING_NOT_EQUAL(f.items[0].fingerprint, f.items[1].fingerprint);
    json_object_put(log);

    /* refused: another version, no runs, a run without its tool */
    static const char *const bad[] = { "{\"version\":\"2.0.0\",\"runs\":[]}", "{\"version\":\"2.1.0\"}",
                                       "{\"version\":\"2.1.0\",\"runs\":[{\"results\":[]}]}" };
    for (size_t i = 0; i < 3; i++) {
        log = json_tokener_parse(bad[i]);
        CU_ASSERT_EQUAL(cicd_sarif_read(log, &a, &f, &why), -1);
        json_object_put(log);
    }
    CU_ASSERT_STRING_EQUAL(cicd_severity("9.0", NULL), "critical");
    CU_ASSERT_STRING_EQUAL(cicd_severity("7", "note"), "high");
    CU_ASSERT_STRING_EQUAL(cicd_severity("x", "error"), "high");
    CU_ASSERT_STRING_EQUAL(cicd_severity(NULL, NULL), "medium");
    CU_ASSERT_STRING_EQUAL(cicd_severity("11", "none"), "low");
}

static void test_deploy_checks(void)
{
    const char *why;
    CU_ASSERT(cicd_deploy_url_ok("https://api.github.com", &why));
    CU_ASSERT(cicd_deploy_url_ok("http://127.0.0.1:8080/jenkins", &why));
    CU_ASSERT(cicd_deploy_url_ok("http://localhost", &why));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("http://jenkins.internal", &why));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("http://127.0.0.1.evil.example/", &why));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("https://user:pw@gitlab.com", &why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "credentials"));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("https://x.example/hook?token=abc", &why));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("https://x.example/a b", &why));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("ftp://x.example", &why));
    CU_ASSERT_FALSE(cicd_deploy_url_ok("https://", &why));
    CU_ASSERT(cicd_deploy_target_ok(CICD_GITHUB, "acme/web/deploy.yml", &why));
    CU_ASSERT_FALSE(cicd_deploy_target_ok(CICD_GITHUB, "acme/web", &why));
    CU_ASSERT_FALSE(cicd_deploy_target_ok(CICD_GITHUB, "acme/../deploy.yml", &why));
    CU_ASSERT(cicd_deploy_target_ok(CICD_GITLAB, "1234", &why));
    CU_ASSERT(cicd_deploy_target_ok(CICD_GITLAB, "group/sub/web", &why));
    CU_ASSERT_FALSE(cicd_deploy_target_ok(CICD_GITLAB, "group//web", &why));
    CU_ASSERT(cicd_deploy_target_ok(CICD_JENKINS, "platform/deploy-web", &why));
    CU_ASSERT(cicd_deploy_target_ok(CICD_CIRCLECI, "gh/acme/web", &why));
    CU_ASSERT_FALSE(cicd_deploy_target_ok(CICD_CIRCLECI, "gh/acme", &why));
    CU_ASSERT(cicd_deploy_target_ok(CICD_GENERIC, NULL, &why));
    CU_ASSERT_FALSE(cicd_deploy_target_ok(CICD_GENERIC, "x", &why));
    CU_ASSERT(cicd_version_ok("v1.4.0"));
    CU_ASSERT(cicd_version_ok("release/2026-12+build.7"));
    CU_ASSERT_FALSE(cicd_version_ok("-rf"));
    CU_ASSERT_FALSE(cicd_version_ok("v1 2"));
    CU_ASSERT_FALSE(cicd_version_ok(""));
    CU_ASSERT_PTR_NULL(cicd_deploy_api_default(CICD_JENKINS));
    CU_ASSERT_STRING_EQUAL(cicd_deploy_api_default(CICD_GITHUB), "https://api.github.com");
}

/* Buckets 2% wide stand for their middle, within 1% of what they hold; percentiles interpolate
 * between ranks as PERCENTILE_CONT does. */
static void test_dora_buckets(void)
{
    CU_ASSERT_EQUAL(dora_bucket(0), 0);
    CU_ASSERT_EQUAL(dora_bucket(-5), 0);
    CU_ASSERT_EQUAL(dora_bucket(1), 1);
    CU_ASSERT_DOUBLE_EQUAL(dora_bucket_value(0), 0, 1e-9);
    static const long long samples[] = { 1, 2, 59, 60, 900, 1800, 7200, 12600, 14400, 86400, 2592000, 31536000 };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        double v = dora_bucket_value(dora_bucket(samples[i]));
        CU_ASSERT(v >= samples[i] * 0.99 && v <= samples[i] * 1.01);
    }
    CU_ASSERT(dora_bucket(3153600000LL) < DORA_BUCKETS);
    /* 7200, 12600, 14400: median 12600, p90 14040 (12600 + 0.8 * 1800) */
    int b[3] = { dora_bucket(7200), dora_bucket(12600), dora_bucket(14400) };
    long long n[3] = { 1, 1, 1 };
    double med = dora_percentile(b, n, 3, 0.5), p90 = dora_percentile(b, n, 3, 0.9);
    CU_ASSERT(med >= 12600 * 0.99 && med <= 12600 * 1.01);
    CU_ASSERT(p90 >= 14040 * 0.99 && p90 <= 14040 * 1.01);
    /* counts: 3 in one bucket and 1 above; a zero or negative count is no value */
    int b2[3] = { dora_bucket(100), dora_bucket(200), dora_bucket(300) };
    long long n2[3] = { 3, 0, 1 };
    CU_ASSERT(fabs(dora_percentile(b2, n2, 3, 0.5) - dora_bucket_value(b2[0])) < 1e-9);
    CU_ASSERT(fabs(dora_percentile(b2, n2, 3, 1.0) - dora_bucket_value(b2[2])) < 1e-9);
    long long none[1] = { 0 };
    CU_ASSERT_DOUBLE_EQUAL(dora_percentile(b2, none, 1, 0.5), -1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(dora_percentile(b2, n2, 0, 0.5), -1, 1e-9);
}

static int setup(void)
{
    arena_init(&a, 1 << 16);
    return 0;
}

static int teardown(void)
{
    arena_free(&a);
    return 0;
}

void suite_cicd_report(void)
{
    CU_pSuite s = CU_add_suite("cicd_report", setup, teardown);
    CU_add_test(s, "junit: counted by test case, failing tests kept with their messages", test_junit_counts);
    CU_add_test(s, "junit: DOCTYPE, entities, not JUnit refused; bounds kept", test_junit_refused);
    CU_add_test(s, "sarif: tools, severities, locations, fingerprints stable across lines", test_sarif);
    CU_add_test(s, "deploy checks: URL, target per provider, version", test_deploy_checks);
    CU_add_test(s, "dora: 2% buckets within 1%, percentiles between ranks", test_dora_buckets);
}
