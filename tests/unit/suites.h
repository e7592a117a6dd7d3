/* One registration function per lib module's suite; main.c calls them all. */
#ifndef PORTICO_TEST_SUITES_H
#define PORTICO_TEST_SUITES_H

void suite_arena(void);
void suite_problem(void);
void suite_config(void);
void suite_http(void);
void suite_router(void);
void suite_json(void);
void suite_shape(void);
void suite_cicd(void);
void suite_cicd_report(void);
void suite_log(void);
void suite_metrics(void);
void suite_trace(void);
void suite_health(void);
void suite_app(void);
void suite_audit(void);
void suite_authz(void);
void suite_catalog(void);
void suite_yamldoc(void);
void suite_fcgi(void);
void suite_password(void);
void suite_token(void);
void suite_crypto(void);
void suite_template(void);
void suite_secret_path(void);
void suite_drivers(void);
void suite_deploy(void);
void suite_provision(void);
void suite_textdiff(void);
void suite_db(void);
void suite_utf8(void);
void suite_monotime(void);
void suite_subprocess(void);
void suite_promql(void);

#endif
