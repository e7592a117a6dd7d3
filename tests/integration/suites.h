/* The suites run once, against Apache (provision-tests): each file registers its CUnit suite here. */
#ifndef PORTICO_TEST_SUITES_H
#define PORTICO_TEST_SUITES_H

#include <stdbool.h>

/* True when the suite called name should run (PORTICO_TEST_ONLY is empty or starts it). */
bool suite_wanted(const char *name);

void suite_templates_api(void);   /* tests/integration/templates_api.c */
void suite_provisioning(void);    /* tests/integration/provision.c */
void suite_kit(void);             /* tests/integration/kit.c: the handler kit across areas */
void suite_home(void);            /* tests/integration/home.c: what Home and the header read */
void suite_request_refs(void);    /* tests/integration/request_refs.c: a request's entity in every ref form */
void suite_template_examples(void); /* tests/integration/examples.c: the example templates, installed twice */
void suite_secret_outputs(void);  /* tests/integration/secret_outputs.c: who reveals a resource's secret outputs */
void suite_secret_scopes(void);   /* tests/integration/secret_scopes.c: whose a secret is, parallel writes, list input */
void suite_people(void);          /* tests/integration/people.c: identity, teams and access */
void suite_catalog_safety(void);  /* tests/integration/catalog_safety.c: locations, hidden entities, bounds */

#endif
