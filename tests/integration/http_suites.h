/*
 * The HTTP integration suite (integration-tests, run once per web-server set-up): main.c holds the
 * transport tests and main(); each http_<area>.c adds its tests to the transport suite (what the
 * web server passes on: headers, cookies, bodies, limits; run against every set-up) or to the
 * area suite (the behaviour behind it; run once, against Apache, where area is not NULL).
 */
#ifndef PORTICO_TEST_HTTP_SUITES_H
#define PORTICO_TEST_HTTP_SUITES_H

#include <CUnit/Basic.h>

/* A test into suite s, when there is one (the area suite exists only against Apache). */
#define ADD(s, name, fn) ((s) ? (void)CU_add_test((s), (name), (fn)) : (void)0)

void tools_tests(CU_pSuite transport, CU_pSuite area);     /* http_tools.c */
void auth_tests(CU_pSuite transport, CU_pSuite area);      /* http_auth.c */
void audit_tests(CU_pSuite transport, CU_pSuite area);     /* http_audit.c */
void iam_tests(CU_pSuite transport, CU_pSuite area);       /* http_iam.c */
void catalog_tests(CU_pSuite transport, CU_pSuite area);   /* http_catalog.c */
void secrets_tests(CU_pSuite transport, CU_pSuite area);   /* http_secrets.c */
void cicd_tests(CU_pSuite transport, CU_pSuite area);     /* http_cicd.c */
void cicd_deploy_tests(CU_pSuite transport, CU_pSuite area);   /* http_cicd_deploys.c */
void metrics_tests(CU_pSuite transport, CU_pSuite area);   /* http_metrics.c */
void logs_tests(CU_pSuite transport, CU_pSuite area);      /* http_logs.c */
void health_tests(CU_pSuite transport, CU_pSuite area);    /* http_health.c */
void monitor_tests(CU_pSuite transport, CU_pSuite area);   /* http_monitor.c */
/* http_metrics.c's, shared: an admin's token with scopes; Prometheus' instant query's first value */
void token_make(const char *scopes, char *out, size_t len);
double promql(int port, const char *expr);
void canary_tests(CU_pSuite area);                         /* http_secrets.c: last of all */

#endif
