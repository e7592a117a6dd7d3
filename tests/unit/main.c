/*
 * Unit tests: every lib module has a CUnit suite. Exit status is non-zero on any failure.
 * PORTICO_TEST_SUMMARY=FILE appends "passed failed" counts for dev.sh's total line.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/suites.h"
#include "tests/summary.h"

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    suite_arena();
    suite_problem();
    suite_config();
    suite_http();
    suite_router();
    suite_json();
    suite_shape();
    suite_cicd();
    suite_cicd_report();
    suite_log();
    suite_metrics();
    suite_trace();
    suite_health();
    suite_promql();
    suite_app();
    suite_audit();
    suite_authz();
    suite_catalog();
    suite_yamldoc();
    suite_password();
    suite_token();
    suite_crypto();
    suite_template();
    suite_secret_path();
    suite_drivers();
    suite_deploy();
    suite_provision();
    suite_textdiff();
    suite_db();
    suite_fcgi();
    suite_utf8();
    suite_monotime();
    suite_subprocess();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed(), run = CU_get_number_of_tests_run();
    test_summary_write(run - failed, failed);
    int rc = (failed || CU_get_error() || run == 0) ? 1 : 0;
    CU_cleanup_registry();
    return rc;
}
