/*
 * Integration suite, the tools beside the handlers: plain CGI, migrations from one host and two, the handlers' least
 * privilege, rate limits across processes.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"

static void test_cgi_mode(void)
{
    const char *bin = getenv("PORTICO_TEST_CGI");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char cmd[1024], out[8192];
    /* stdin is not a socket: the handler serves one request as plain CGI and exits */
    snprintf(cmd, sizeof(cmd), "REQUEST_METHOD=GET REQUEST_URI=/api/v1/system/ready PORTICO_LOG_FILE=/dev/null %s </dev/null", bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"status\":\"ready\""));
    snprintf(cmd, sizeof(cmd),
             "printf '{\"message\":\"cgi\"}' | REQUEST_METHOD=POST REQUEST_URI=/api/v1/system/echo "
             "CONTENT_TYPE=application/json CONTENT_LENGTH=17 PORTICO_LOG_FILE=/dev/null %s", bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK\r\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"message\":\"cgi\""));
}

static void test_migrate_idempotent(void)
{
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *sql = getenv("PORTICO_TEST_SQL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sql);
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof(cmd), "%s migrate --sql-dir %s 2>&1", admin, sql);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "nothing to do"));
    snprintf(cmd, sizeof(cmd), "%s migrate --status --sql-dir %s 2>&1", admin, sql);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0001"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "applied"));
    CU_ASSERT_PTR_NULL(strstr(out, "pending"));
}

static void test_migrate_concurrent(void)
{
    /* Two runs at once against a fresh database, as from two hosts: both succeed, each
     * migration is applied exactly once. */
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *sql = getenv("PORTICO_TEST_SQL");
    char db[64], cmd[4096], out[8192];
    snprintf(db, sizeof(db), "portico_mt_%d_%s", (int)getpid(), server);
    for (char *s = db; *s; s++)
        if (*s == '-')
            *s = '_';
    snprintf(cmd, sizeof(cmd),
             "export PORTICO_DB_NAME=%s; (%s migrate --create-database --sql-dir %s >/dev/null 2>&1; echo a$?) & "
             "(%s migrate --create-database --sql-dir %s >/dev/null 2>&1; echo b$?) & wait",
             db, admin, sql, admin, sql);
    run(cmd, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "a0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "b0"));
    snprintf(cmd, sizeof(cmd), "PORTICO_DB_NAME=%s %s migrate --status --sql-dir %s 2>&1", db, admin, sql);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "applied"));
}


static void test_least_privilege(void)
{
    /* The handlers' account reads what it needs and can change nothing else. */
    char sock[512], pw[256], cmd[2048];
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    CU_ASSERT_EQUAL_FATAL(config_value("db_password", pw, sizeof(pw)), 0);
#define AS_APP(sql) snprintf(cmd, sizeof(cmd), \
        "mariadb --no-defaults -S '%s' -u portico_app -p'%s' portico -e '%s' >/dev/null 2>&1", sock, pw, sql)
    AS_APP("SELECT MAX(version) FROM schema_migrations");
    CU_ASSERT_EQUAL(run(cmd, NULL, 0), 0);
    AS_APP("DELETE FROM schema_migrations");
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);
    AS_APP("CREATE TABLE intruder (i INT)");
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);
    AS_APP("CALL portico_grant(\"ALL\", \"schema_migrations\")");
    CU_ASSERT_NOT_EQUAL(run(cmd, NULL, 0), 0);
#undef AS_APP
}


/* ---- auth: sessions, CSRF, throttling, expiry ---------------------------------------------- */

static void test_rate_limits(void)
{
    /* Each run of the CGI program is a new process: a limit that holds across them is held by
     * the database, as it is across FastCGI processes and hosts. 2 a minute, burst 2, set for
     * the system area only (the general setting stays far higher). */
    const char *bin = getenv("PORTICO_TEST_CGI");
    char cmd[1024], out[4096], addr[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    snprintf(addr, sizeof(addr), "198.51.100.%d", (int)(getpid() % 250) + 1);
#define RL_ECHO "printf '{\"message\":\"rl\"}' | PORTICO_SYSTEM_RATELIMIT_ANONYMOUS_PER_MINUTE=2 PORTICO_SYSTEM_RATELIMIT_BURST=2 " \
                "PORTICO_RATELIMIT_ANONYMOUS_PER_MINUTE=1000 PORTICO_RATELIMIT_BURST=1000 " \
                "REQUEST_METHOD=POST REQUEST_URI=/api/v1/system/echo REMOTE_ADDR=%s CONTENT_TYPE=application/json " \
                "CONTENT_LENGTH=16 PORTICO_LOG_FILE=/dev/null %s"
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), RL_ECHO, addr, bin);
        CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "RateLimit-Policy: \"system\";q=2;w=60;burst=2"));
    }
    snprintf(cmd, sizeof(cmd), RL_ECHO, addr, bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 429 Too Many Requests"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "urn:portico:problem:rate-limited"));
    const char *ra = strstr(out, "Retry-After: ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
    int secs = atoi(ra + 13);
    CU_ASSERT_TRUE(secs >= 25 && secs <= 31);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "RateLimit: \"system\";r=0;t="));
    /* another address is not affected; probes are never limited */
    char other[64];
    snprintf(other, sizeof(other), "203.0.113.%d", (int)(getpid() % 250) + 1);
    snprintf(cmd, sizeof(cmd), RL_ECHO, other, bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK"));
    snprintf(cmd, sizeof(cmd), "PORTICO_RATELIMIT_ANONYMOUS_PER_MINUTE=2 PORTICO_RATELIMIT_BURST=2 REQUEST_METHOD=GET "
                               "REQUEST_URI=/api/v1/system/ready REMOTE_ADDR=%s PORTICO_LOG_FILE=/dev/null %s </dev/null", addr, bin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Status: 200 OK"));
#undef RL_ECHO
}

void tools_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;   /* each of these runs the programs themselves, not through the web server */
    ADD(area, "the handler runs as plain CGI", test_cgi_mode);
    ADD(area, "migrate twice is harmless", test_migrate_idempotent);
    ADD(area, "migrate from two hosts at once", test_migrate_concurrent);
    ADD(area, "the handlers' account has least privilege", test_least_privilege);
    ADD(area, "rate limits hold across processes, with Retry-After", test_rate_limits);
}
