/*
 * Provisioning end to end: requests, approvals, resources, the runner and its drivers, against
 * the stack dev.sh started (Apache, the handlers, MariaDB), with runners started here.
 * Environment: as tests/integration/main.c, plus PORTICO_TEST_ONLY (run only suites whose name
 * starts with it) and PORTICO_TEST_FIXTURES (tests/fixtures).
 */
#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"
#include "tests/summary.h"

bool suite_wanted(const char *name)
{
    const char *only = getenv("PORTICO_TEST_ONLY");
    return !only || !*only || strncmp(name, only, strlen(only)) == 0;
}

void suite_provisioning(void)
{
}

int main(void)
{
    base_url = getenv("PORTICO_TEST_URL");
    server = getenv("PORTICO_TEST_SERVER");
    if (!base_url || !server) {
        fprintf(stderr, "provision-tests: set PORTICO_TEST_URL and PORTICO_TEST_SERVER (dev.sh test does)\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    suite_templates_api();
    suite_provisioning();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed(), run_ = CU_get_number_of_tests_run();
    test_summary_write(run_ - failed, failed);
    int rc = (failed || CU_get_error() || run_ == 0) ? 1 : 0;
    CU_cleanup_registry();
    curl_global_cleanup();
    return rc;
}
