/*
 * config: defaults, the file format, errors that name file:line, environment overrides.
 *
 * The suite hides any PORTICO_* configuration variables of the calling environment while
 * it runs, so a developer's shell does not change the results, and puts them back after.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "tests/unit/suites.h"

/* Every variable config_load reads. */
static const char *const config_vars[] = {
    "PORTICO_CONFIG", "PORTICO_DB_SOCKET", "PORTICO_DB_HOST", "PORTICO_DB_PORT", "PORTICO_DB_NAME",
    "PORTICO_DB_USER", "PORTICO_DB_PASSWORD", "PORTICO_DB_CONNECT_TIMEOUT", "PORTICO_DB_READ_TIMEOUT",
    "PORTICO_DB_WRITE_TIMEOUT", "PORTICO_ADMIN_DB_USER", "PORTICO_ADMIN_DB_PASSWORD",
    "PORTICO_APP_DB_HOST", "PORTICO_BODY_MAX_BYTES", "PORTICO_JSON_MAX_DEPTH", "PORTICO_RETRY_AFTER",
    "PORTICO_LOG_FILE", "PORTICO_RATELIMIT_PER_MINUTE", "PORTICO_RATELIMIT_BURST",
    "PORTICO_IAM_RATELIMIT_PER_MINUTE", "PORTICO_IAM_RATELIMIT_BURST",
};
#define NVARS (sizeof(config_vars) / sizeof(config_vars[0]))
static char *saved_vars[NVARS];

static int suite_init(void)
{
    for (size_t i = 0; i < NVARS; i++) {
        const char *v = getenv(config_vars[i]);
        saved_vars[i] = v ? strdup(v) : NULL;
        unsetenv(config_vars[i]);
    }
    return 0;
}

static int suite_clean(void)
{
    for (size_t i = 0; i < NVARS; i++) {
        if (saved_vars[i]) {
            setenv(config_vars[i], saved_vars[i], 1);
            free(saved_vars[i]);
            saved_vars[i] = NULL;
        } else {
            unsetenv(config_vars[i]);
        }
    }
    return 0;
}

/* A temporary file holding text; its name goes to path. */
static bool temp_file(char *path, size_t len, const char *text)
{
    snprintf(path, len, "/tmp/portico-config-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    close(fd);
    return ok;
}

/* Load text as a config file; returns config_load's result. */
static int load_text(struct config *c, const char *text, char *path, size_t pathlen, char *err, size_t errlen)
{
    if (!temp_file(path, pathlen, text))
        return -2;
    err[0] = '\0';
    return config_load(c, path, err, errlen);
}

static bool contains(const char *hay, const char *needle)
{
    if (hay && strstr(hay, needle))
        return true;
    fprintf(stderr, "\n    \"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
    return false;
}

static void check_defaults(const struct config *c)
{
    CU_ASSERT_STRING_EQUAL(c->db_socket, "/run/mysqld/mysqld.sock");
    CU_ASSERT_STRING_EQUAL(c->db_host, "");
    CU_ASSERT_EQUAL(c->db_port, 3306);
    CU_ASSERT_STRING_EQUAL(c->db_name, "portico");
    CU_ASSERT_STRING_EQUAL(c->db_user, "portico_app");
    CU_ASSERT_STRING_EQUAL(c->db_password, "");
    CU_ASSERT_EQUAL(c->db_connect_timeout, 3);
    CU_ASSERT_EQUAL(c->db_read_timeout, 10);
    CU_ASSERT_EQUAL(c->db_write_timeout, 10);
    CU_ASSERT_STRING_EQUAL(c->admin_db_user, "root");
    CU_ASSERT_STRING_EQUAL(c->admin_db_password, "");
    CU_ASSERT_STRING_EQUAL(c->app_db_host, "localhost");
    CU_ASSERT_EQUAL(c->body_max_bytes, 1048576L);
    CU_ASSERT_EQUAL(c->json_max_depth, 32);
    CU_ASSERT_EQUAL(c->retry_after, 5);
    CU_ASSERT_STRING_EQUAL(c->log_file, "");
}

static void test_defaults(void)
{
    struct config c;
    memset(&c, 0x41, sizeof(c));
    config_defaults(&c);
    check_defaults(&c);
    CU_ASSERT_STRING_EQUAL(c.path, "");
}

static void test_file_parsing(void)
{
    struct config c;
    char path[64], err[512];
    const char *text =
        "# Portico test configuration\n"
        "\n"
        "   \t  \n"
        "  # an indented comment: db_name = nope\n"
        "db_host = db.example.org\n"
        "  db_port\t=   3307   \n"
        "db_name=portico_test\n"
        "db_password = \"  spaced secret  \"\n"
        "db_user = \"\"\n"
        "admin_db_user = \"\n"
        "app_db_host = %\r\n"
        "body_max_bytes = 2048\n"
        "log_file = /var/log/portico.log"; /* no newline at the end */
    int rc = load_text(&c, text, path, sizeof(path), err, sizeof(err));
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_STRING_EQUAL(c.db_host, "db.example.org");
    CU_ASSERT_EQUAL(c.db_port, 3307);
    CU_ASSERT_STRING_EQUAL(c.db_name, "portico_test");
    CU_ASSERT_STRING_EQUAL(c.db_password, "  spaced secret  ");
    CU_ASSERT_STRING_EQUAL(c.db_user, "");
    CU_ASSERT_STRING_EQUAL(c.admin_db_user, "\"");
    CU_ASSERT_STRING_EQUAL(c.app_db_host, "%");
    CU_ASSERT_EQUAL(c.body_max_bytes, 2048);
    CU_ASSERT_STRING_EQUAL(c.log_file, "/var/log/portico.log");
    CU_ASSERT_STRING_EQUAL(c.path, path);
    /* untouched keys keep their defaults */
    CU_ASSERT_STRING_EQUAL(c.db_socket, "/run/mysqld/mysqld.sock");
    CU_ASSERT_EQUAL(c.json_max_depth, 32);
    unlink(path);
}

static void test_empty_file(void)
{
    struct config c;
    char path[64], err[512];
    CU_ASSERT_EQUAL(load_text(&c, "", path, sizeof(path), err, sizeof(err)), 0);
    check_defaults(&c);
    CU_ASSERT_STRING_EQUAL(c.path, path);
    unlink(path);
}

static void test_unknown_key(void)
{
    struct config c;
    char path[64], err[512], want[128];
    CU_ASSERT_EQUAL(load_text(&c, "# typo below\ndb_name = x\ndb_hots = db\n", path, sizeof(path), err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3", path);
    CU_ASSERT(contains(err, want));
    CU_ASSERT(contains(err, "db_hots"));
    unlink(path);

    /* a key that differs only in case is unknown too */
    CU_ASSERT_EQUAL(load_text(&c, "DB_HOST = x\n", path, sizeof(path), err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:1", path);
    CU_ASSERT(contains(err, want));
    unlink(path);
}

static void test_line_without_equals(void)
{
    struct config c;
    char path[64], err[512], want[128];
    CU_ASSERT_EQUAL(load_text(&c, "db_host = a\n\ndb_port 3306\n", path, sizeof(path), err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3", path);
    CU_ASSERT(contains(err, want));
    unlink(path);
}

static void test_number_out_of_range(void)
{
    struct config c;
    char path[64], err[512], want[128];
    static const char *const bad[] = {
        "db_port = 0\n", "db_port = 65536\n", "db_port = 70000\n", "body_max_bytes = 1023\n",
        "body_max_bytes = 67108865\n", "json_max_depth = 1\n", "json_max_depth = 257\n",
        "retry_after = 3601\n", "db_connect_timeout = 61\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(load_text(&c, bad[i], path, sizeof(path), err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "%s:1", path);
        CU_ASSERT(contains(err, want));
        CU_ASSERT(contains(err, "between"));
        unlink(path);
    }
    CU_ASSERT_EQUAL(load_text(&c, "db_port = 70000\n", path, sizeof(path), err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "1 and 65535"));
    unlink(path);

    /* the bounds themselves are accepted */
    CU_ASSERT_EQUAL(load_text(&c, "db_port = 1\nbody_max_bytes = 1024\njson_max_depth = 256\n",
                              path, sizeof(path), err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.db_port, 1);
    CU_ASSERT_EQUAL(c.body_max_bytes, 1024);
    CU_ASSERT_EQUAL(c.json_max_depth, 256);
    unlink(path);
    CU_ASSERT_EQUAL(load_text(&c, "db_port = 65535\nbody_max_bytes = 67108864\n", path, sizeof(path), err,
                              sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.db_port, 65535);
    CU_ASSERT_EQUAL(c.body_max_bytes, 64L * 1024 * 1024);
    unlink(path);
}

static void test_not_a_number(void)
{
    struct config c;
    char path[64], err[512];
    static const char *const bad[] = {
        "db_port = abc\n", "db_port = 12abc\n", "db_port = -1\n", "db_port = +5\n", "db_port =\n",
        "db_port = 3306.0\n", "db_port = 0x10\n", "db_port = \" 3306\"\n", "db_port = 1 2\n",
        "db_port = 99999999999999999999999\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = load_text(&c, bad[i], path, sizeof(path), err, sizeof(err));
        CU_ASSERT_EQUAL(rc, -1);
        if (rc != -1)
            fprintf(stderr, "\n    accepted: %s", bad[i]);
        CU_ASSERT(contains(err, "db_port"));
        unlink(path);
    }
    CU_ASSERT_EQUAL(load_text(&c, "db_port = abc\n", path, sizeof(path), err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "whole number"));
    unlink(path);
}

static void test_string_too_long(void)
{
    struct config c;
    char path[64], err[512], text[200];
    /* db_name holds 64 characters */
    snprintf(text, sizeof(text), "db_name = %.64s\n",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(strlen(c.db_name), 64);
    unlink(path);
    snprintf(text, sizeof(text), "db_name = %.65s\n",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "db_name"));
    CU_ASSERT(contains(err, "64"));
    unlink(path);
}

static void test_line_too_long(void)
{
    struct config c;
    char path[64], err[512], want[128];
    static char text[3000];
    size_t n = (size_t)snprintf(text, sizeof(text), "db_host = x\ndb_password = ");
    memset(text + n, 'p', 2000);
    strcpy(text + n + 2000, "\n");
    CU_ASSERT_EQUAL(load_text(&c, text, path, sizeof(path), err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2", path);
    CU_ASSERT(contains(err, want));
    unlink(path);
}

static void test_env_overrides_file(void)
{
    struct config c;
    char path[64], err[512];
    CU_ASSERT_EQUAL_FATAL(temp_file(path, sizeof(path), "db_host = filehost\ndb_port = 3307\n"), true);
    setenv("PORTICO_DB_HOST", "envhost", 1);
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.db_host, "envhost");
    CU_ASSERT_EQUAL(c.db_port, 3307);

    /* an empty variable overrides too: it sets the empty value */
    setenv("PORTICO_DB_HOST", "", 1);
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.db_host, "");
    unsetenv("PORTICO_DB_HOST");

    /* numbers from the environment are checked like the file's */
    setenv("PORTICO_DB_PORT", "4000", 1);
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.db_port, 4000);
    setenv("PORTICO_DB_PORT", "abc", 1);
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "PORTICO_DB_PORT"));
    unsetenv("PORTICO_DB_PORT");

    /* without the variables, the file's values are back */
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.db_host, "filehost");
    CU_ASSERT_EQUAL(c.db_port, 3307);
    unlink(path);
}

static void test_portico_config_used(void)
{
    struct config c;
    char path[64], err[512];
    CU_ASSERT_EQUAL_FATAL(temp_file(path, sizeof(path), "db_name = from_env_file\n"), true);
    setenv("PORTICO_CONFIG", path, 1);
    CU_ASSERT_EQUAL(config_load(&c, NULL, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.db_name, "from_env_file");
    CU_ASSERT_STRING_EQUAL(c.path, path);
    /* "" counts as no path */
    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(config_load(&c, "", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.db_name, "from_env_file");
    /* an explicit path wins over PORTICO_CONFIG */
    char other[64];
    CU_ASSERT_EQUAL_FATAL(temp_file(other, sizeof(other), "db_name = explicit\n"), true);
    CU_ASSERT_EQUAL(config_load(&c, other, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.db_name, "explicit");
    CU_ASSERT_STRING_EQUAL(c.path, other);
    unsetenv("PORTICO_CONFIG");
    unlink(other);
    unlink(path);
}

static void test_missing_file(void)
{
    struct config c;
    char err[512];
    const char *path = "/tmp/portico-config-test-does-not-exist.conf";
    unlink(path);
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, path));
    CU_ASSERT(contains(err, "No such file"));

    /* a missing file named by PORTICO_CONFIG is an error as well, not a silent default */
    setenv("PORTICO_CONFIG", path, 1);
    CU_ASSERT_EQUAL(config_load(&c, NULL, err, sizeof(err)), -1);
    CU_ASSERT(contains(err, path));
    unsetenv("PORTICO_CONFIG");
}

static void test_config_set(void)
{
    struct config c;
    char err[256];
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_set(&c, "db_port", "1234", "test", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.db_port, 1234);
    CU_ASSERT_EQUAL(config_set(&c, "nope", "1", "here:9", err, sizeof(err)), -1);
    CU_ASSERT(contains(err, "here:9"));
    CU_ASSERT(contains(err, "nope"));
    /* a refused value leaves the old one */
    CU_ASSERT_EQUAL(config_set(&c, "db_port", "0", "test", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(c.db_port, 1234);
}

static void test_reference_is_a_valid_file(void)
{
    struct config c, d;
    char path[64], err[512];
    snprintf(path, sizeof(path), "/tmp/portico-config-test-XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    FILE *f = fdopen(fd, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    config_print_reference(f);
    fclose(f);
    /* The printed reference loads, and gives exactly the defaults. */
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), 0);
    config_defaults(&d);
    memset(c.path, 0, sizeof(c.path));
    CU_ASSERT_EQUAL(memcmp(&c, &d, sizeof(c)), 0);
    unlink(path);
}

/* "<area>.<key>": the area's value wins wherever it stands; other areas' lines are checked
 * but not applied; only per-area keys may be set so; PORTICO_<AREA>_<KEY> wins over all. */
static void test_per_area(void)
{
    struct config c;
    char path[256], err[256];
    const char *text = "iam.ratelimit_per_minute = 1200\n"
                       "ratelimit_per_minute = 100\n"
                       "auth.ratelimit_burst = 5\n"
                       "audit.ratelimit_anonymous_per_minute = 0\n";
    CU_ASSERT_TRUE_FATAL(temp_file(path, sizeof(path), text));
    CU_ASSERT_EQUAL(config_load_area(&c, path, "iam", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.ratelimit_per_minute, 1200);
    CU_ASSERT_EQUAL(c.ratelimit_burst, 60);
    CU_ASSERT_EQUAL(c.ratelimit_anonymous_per_minute, 300);
    CU_ASSERT_EQUAL(config_load_area(&c, path, "auth", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.ratelimit_per_minute, 100);
    CU_ASSERT_EQUAL(c.ratelimit_burst, 5);
    CU_ASSERT_EQUAL(config_load(&c, path, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.ratelimit_per_minute, 100);
    CU_ASSERT_EQUAL(c.ratelimit_burst, 60);
    setenv("PORTICO_IAM_RATELIMIT_PER_MINUTE", "7", 1);
    setenv("PORTICO_RATELIMIT_PER_MINUTE", "8", 1);
    CU_ASSERT_EQUAL(config_load_area(&c, path, "iam", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.ratelimit_per_minute, 7);
    CU_ASSERT_EQUAL(config_load_area(&c, path, "auth", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.ratelimit_per_minute, 8);
    unsetenv("PORTICO_IAM_RATELIMIT_PER_MINUTE");
    /* the general variable does not beat the area's line in the file */
    CU_ASSERT_EQUAL(config_load_area(&c, path, "iam", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.ratelimit_per_minute, 1200);
    unsetenv("PORTICO_RATELIMIT_PER_MINUTE");
    unlink(path);

    /* another area's bad value is still an error; a key that is not per area is refused */
    CU_ASSERT_EQUAL(load_text(&c, "audit.ratelimit_burst = 0\n", path, sizeof(path), err, sizeof(err)), -1);
    CU_ASSERT_TRUE(contains(err, "ratelimit_burst must be between"));
    unlink(path);
    CU_ASSERT_EQUAL(load_text(&c, "iam.db_name = x\n", path, sizeof(path), err, sizeof(err)), -1);
    CU_ASSERT_TRUE(contains(err, "not a setting that can be made for one area"));
    unlink(path);
    CU_ASSERT_EQUAL(load_text(&c, "IAM.ratelimit_burst = 3\n", path, sizeof(path), err, sizeof(err)), -1);
    unlink(path);
}

void suite_config(void)
{
    CU_pSuite s = CU_add_suite("config", suite_init, suite_clean);
    CU_add_test(s, "defaults", test_defaults);
    CU_add_test(s, "file parsing: comments, blanks, quotes, whitespace", test_file_parsing);
    CU_add_test(s, "empty file gives defaults", test_empty_file);
    CU_add_test(s, "unknown key names file:line", test_unknown_key);
    CU_add_test(s, "line without = names file:line", test_line_without_equals);
    CU_add_test(s, "number out of range", test_number_out_of_range);
    CU_add_test(s, "not a number", test_not_a_number);
    CU_add_test(s, "string too long", test_string_too_long);
    CU_add_test(s, "line too long", test_line_too_long);
    CU_add_test(s, "environment overrides the file", test_env_overrides_file);
    CU_add_test(s, "PORTICO_CONFIG names the file when path is NULL", test_portico_config_used);
    CU_add_test(s, "missing file", test_missing_file);
    CU_add_test(s, "config_set", test_config_set);
    CU_add_test(s, "the printed reference is a valid file of defaults", test_reference_is_a_valid_file);
    CU_add_test(s, "per-area settings", test_per_area);
}
