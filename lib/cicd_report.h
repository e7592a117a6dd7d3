/*
 * cicd_report: what a pipeline uploads about a run, read without a database — a JUnit XML test
 * report (counts and the failing tests) and a SARIF 2.1.0 log (security findings, each with a
 * fingerprint that stays the same from run to run). cgi-bin/cicd_reports.c stores what this
 * reads; the fuzzers call it directly.
 *
 * JUnit: <testsuites> or <testsuite> at the root, suites nested at any depth, each <testcase>
 * counted once: failed (a <failure>), in error (an <error>), skipped (a <skipped>) or passed.
 * The counts are the test cases', not the attributes a tool wrote about them. Read by libxml2
 * as UTF-8, with no network; a document with a DTD (and so with entities) is refused.
 *
 * SARIF: every result of every run, with its tool (runs[].tool.driver.name, and "/<id>" of the
 * run's automationDetails.id when it has one), rule (ruleId, or
 * the rule at ruleIndex), severity and first location. Severity: the rule's
 * properties["security-severity"] (a CVSS score, as GitHub code scanning reads it) — 9.0 and up
 * critical, 7.0 high, 4.0 medium, else low — or without one the result's level (else the rule's
 * default level, else "warning"): error high, warning medium, note and none low. The
 * fingerprint: SHA-256 over the tool, the rule and the result's fingerprints (or, without any,
 * its partialFingerprints; or, without those, its location and message), in hex.
 */
#ifndef PORTICO_CICD_REPORT_H
#define PORTICO_CICD_REPORT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

#define CICD_REPORT_MAX_BYTES (8 * 1024 * 1024)  /* either kind of upload */
#define CICD_FAILED_MAX 200         /* failing tests kept from one report (all are counted) */
#define CICD_TESTS_MAX 1000000      /* test cases in one report */
#define CICD_FINDINGS_MAX 5000      /* results in one SARIF log */
#define CICD_TOOLS_MAX 16           /* runs (tools) in one SARIF log */
#define CICD_TEXT_MAX 1000          /* a message kept, in bytes (cut at a character) */
#define CICD_NAME_MAX 300           /* a test's, suite's, class's, rule's or path's name kept */

struct cicd_failed_test {
    const char *suite, *classname, *name;
    const char *kind;               /* "failure" or "error" */
    const char *message;
};

struct cicd_tests {
    long long tests, failures, errors, skipped;
    long long duration_ms;          /* the test cases' times summed */
    struct cicd_failed_test failed[CICD_FAILED_MAX];
    size_t nfailed;
};

/* Read a JUnit XML report. 0 with out filled; -1 with why (not XML, a DTD, not JUnit, too many
 * test cases). Strings are in the arena. */
int cicd_junit_read(const char *xml, size_t len, struct arena *a, struct cicd_tests *out, const char **why);

struct cicd_finding {
    const char *tool, *rule;
    const char *severity;           /* critical, high, medium, low */
    const char *message, *uri;      /* uri "" when the result has no location */
    long line;                      /* 0: none */
    char fingerprint[65];
};

struct cicd_findings {
    struct cicd_finding *items;     /* in the arena */
    size_t n;
    const char *tools[CICD_TOOLS_MAX];   /* each tool that ran (its results a list), once: a later run of
                                            it closes what it no longer reports */
    size_t ntools;
};

/* Read a SARIF 2.1.0 log (parsed). 0 with out filled; -1 with why. */
int cicd_sarif_read(json_object *log, struct arena *a, struct cicd_findings *out, const char **why);

/* "critical" ... "low" from a security-severity score and a level (either may be NULL). */
const char *cicd_severity(const char *security_severity, const char *level);

#endif
