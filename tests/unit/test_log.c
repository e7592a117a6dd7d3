/*
 * log: one JSON line per request, escaping, appending, and the RFC 3339 time.
 * Every test logs to its own temporary file; the suite puts the log back on standard error.
 */
#include <CUnit/CUnit.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "tests/unit/suites.h"

static bool str_eq(const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    fprintf(stderr, "\n    got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
    return false;
}

static int suite_clean(void)
{
    log_open(NULL);
    return 0;
}

/* A fresh temporary file name (the file exists, empty). */
static bool temp_name(char *path, size_t len)
{
    snprintf(path, len, "/tmp/portico-log-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* The whole file, NUL-terminated, in a malloc'd buffer; its length in *len. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    *len = n;
    return buf;
}

static size_t count_char(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Write r to a fresh file and return the parsed line (NULL if the file is not exactly one
 * line of JSON). The raw text goes to raw (malloc'd) when raw is not NULL. */
static json_object *write_one(const struct log_request *r, char **raw)
{
    char path[64];
    if (!temp_name(path, sizeof(path)))
        return NULL;
    CU_ASSERT_EQUAL(log_open(path), 0);
    log_request_write(r);
    log_open(NULL);
    size_t len = 0;
    char *text = slurp(path, &len);
    unlink(path);
    if (!text)
        return NULL;
    json_object *o = NULL;
    /* exactly one line: one newline, at the end */
    CU_ASSERT_EQUAL(count_char(text, len, '\n'), 1);
    CU_ASSERT(len > 0 && text[len - 1] == '\n');
    if (len > 0 && count_char(text, len, '\n') == 1 && text[len - 1] == '\n') {
        struct json_tokener *tok = json_tokener_new();
        o = json_tokener_parse_ex(tok, text, (int)len - 1);
        if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len - 1) {
            json_object_put(o);
            o = NULL;
        }
        json_tokener_free(tok);
    }
    if (raw)
        *raw = text;
    else
        free(text);
    return o;
}

static void test_request_line(void)
{
    struct log_request r = {
        .request_id = "0123456789abcdef0123456789abcdef",
        .method = "POST",
        .path = "/api/v1/items",
        .status = 201,
        .duration_ms = 12.3456,
        .actor = "alice",
        .remote_addr = "192.0.2.7",
        .error = "a transaction was left open",
    };
    char *raw = NULL;
    json_object *o = write_one(&r, &raw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    const char *t = jstr(o, "time");
    CU_ASSERT(t && strlen(t) == 24 && t[10] == 'T' && t[23] == 'Z');
    CU_ASSERT(str_eq(jstr(o, "request_id"), r.request_id));
    CU_ASSERT(str_eq(jstr(o, "method"), "POST"));
    CU_ASSERT(str_eq(jstr(o, "path"), "/api/v1/items"));
    CU_ASSERT(str_eq(jstr(o, "actor"), "alice"));
    CU_ASSERT(str_eq(jstr(o, "remote_addr"), "192.0.2.7"));
    CU_ASSERT(str_eq(jstr(o, "error"), "a transaction was left open"));
    json_object *v;
    CU_ASSERT(json_object_object_get_ex(o, "status", &v) && json_object_is_type(v, json_type_int) &&
              json_object_get_int(v) == 201);
    CU_ASSERT(json_object_object_get_ex(o, "duration_ms", &v) && json_object_is_type(v, json_type_double));
    CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(v), 12.346, 1e-9);
    /* milliseconds with three decimals, slashes not escaped */
    CU_ASSERT_PTR_NOT_NULL(strstr(raw, "\"duration_ms\":12.346"));
    CU_ASSERT_PTR_NOT_NULL(strstr(raw, "\"path\":\"/api/v1/items\""));
    free(raw);
    json_object_put(o);
}

static void test_absent_fields_left_out(void)
{
    struct log_request r = { .request_id = "r", .method = "GET", .path = NULL, .status = 404 };
    json_object *o = write_one(&r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "actor", NULL));
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "error", NULL));
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "path", NULL));
    CU_ASSERT_FALSE(json_object_object_get_ex(o, "remote_addr", NULL));
    CU_ASSERT(json_object_object_get_ex(o, "status", NULL));
    CU_ASSERT(json_object_object_get_ex(o, "duration_ms", NULL));
    json_object_put(o);
}

static void test_escaping(void)
{
    const char *path = "/a\"b\nc\r\\d\te\x01/\xc3\xa9";
    const char *error = "line one\nline two \"quoted\"\n\n";
    struct log_request r = {
        .request_id = "r\n", .method = "G\"ET", .path = path, .status = 400, .error = error,
        .actor = "x\ny", .remote_addr = "\n",
    };
    char *raw = NULL;
    json_object *o = write_one(&r, &raw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(str_eq(jstr(o, "path"), path));
    CU_ASSERT(str_eq(jstr(o, "error"), error));
    CU_ASSERT(str_eq(jstr(o, "method"), "G\"ET"));
    CU_ASSERT(str_eq(jstr(o, "actor"), "x\ny"));
    /* no raw control characters on the line */
    size_t ctl = 0;
    for (const char *s = raw; *s && *s != '\n'; s++)
        ctl += (unsigned char)*s < 0x20;
    CU_ASSERT_EQUAL(ctl, 0);
    free(raw);
    json_object_put(o);
}

static void test_long_values_stay_one_line(void)
{
    /* the longest path a request can have, and an internal message, stay one valid line */
    static char path[2049];
    memset(path, '"', sizeof(path) - 1);
    path[0] = '/';
    struct log_request r = { .request_id = "r", .method = "GET", .path = path, .status = 414,
                             .error = "the path is long" };
    json_object *o = write_one(&r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(str_eq(jstr(o, "path"), path));
    json_object_put(o);

    /* PATH_INFO arrives decoded, so a path may hold control characters, each escaped to
     * six bytes (\u0001): the line is still whole */
    memset(path, '\x01', sizeof(path) - 1);
    path[0] = '/';
    o = write_one(&r, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT(str_eq(jstr(o, "path"), path));
    CU_ASSERT(str_eq(jstr(o, "error"), "the path is long"));
    json_object_put(o);
}

static void test_appends(void)
{
    char path[64];
    CU_ASSERT_FATAL(temp_name(path, sizeof(path)));
    struct log_request r = { .request_id = "one", .method = "GET", .path = "/", .status = 200 };
    CU_ASSERT_EQUAL(log_open(path), 0);
    log_request_write(&r);
    r.request_id = "two";
    log_request_write(&r);
    /* opening the same file again appends; it does not truncate */
    CU_ASSERT_EQUAL(log_open(path), 0);
    r.request_id = "three";
    log_request_write(&r);
    log_event("error", "cannot \"open\"\nsomething");
    log_open(NULL);

    size_t len = 0;
    char *text = slurp(path, &len);
    unlink(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_EQUAL(count_char(text, len, '\n'), 4);
    /* each line parses on its own, in order */
    static const char *const ids[] = { "one", "two", "three" };
    char *line = text;
    for (int i = 0; i < 4; i++) {
        char *nl = strchr(line, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        *nl = '\0';
        json_object *o = json_tokener_parse(line);
        CU_ASSERT_PTR_NOT_NULL(o);
        if (i < 3) {
            CU_ASSERT(str_eq(jstr(o, "request_id"), ids[i]));
        } else {
            CU_ASSERT(str_eq(jstr(o, "level"), "error"));
            CU_ASSERT(str_eq(jstr(o, "message"), "cannot \"open\"\nsomething"));
            const char *t = jstr(o, "time");
            CU_ASSERT(t && strlen(t) == 24);
        }
        json_object_put(o);
        line = nl + 1;
    }
    free(text);
}

static void test_open_failure(void)
{
    CU_ASSERT_EQUAL(log_open("/nonexistent-portico-dir/x.log"), -1);
    CU_ASSERT_EQUAL(log_open(""), 0);
    CU_ASSERT_EQUAL(log_open(NULL), 0);
}

static void test_time_rfc3339(void)
{
    char buf[40];
    /* time(NULL) reads a coarse clock that can lag the one the log uses: use the same */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t before = ts.tv_sec;
    log_time_rfc3339(buf, sizeof(buf));
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t after = ts.tv_sec;
    CU_ASSERT_EQUAL_FATAL(strlen(buf), 24);
    /* YYYY-MM-DDTHH:MM:SS.mmmZ */
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
    size_t wrong = 0;
    for (size_t i = 0; i < 24; i++)
        wrong += shape[i] == 'd' ? !isdigit((unsigned char)buf[i]) : buf[i] != shape[i];
    CU_ASSERT_EQUAL(wrong, 0);
    if (wrong)
        fprintf(stderr, "\n    time \"%s\"\n", buf);
    /* it is now, in UTC */
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    CU_ASSERT_PTR_NOT_NULL_FATAL(strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm));
    time_t t = timegm(&tm);
    CU_ASSERT(t >= before && t <= after);

    /* a short buffer is cut, not overrun */
    char small[11];
    memset(small, 'x', sizeof(small));
    log_time_rfc3339(small, sizeof(small));
    CU_ASSERT_EQUAL(strlen(small), 10);
    CU_ASSERT_EQUAL(small[4], '-');
}

void suite_log(void)
{
    CU_pSuite s = CU_add_suite("log", NULL, suite_clean);
    CU_add_test(s, "a request is one JSON line with every field", test_request_line);
    CU_add_test(s, "absent values are left out", test_absent_fields_left_out);
    CU_add_test(s, "quotes, newlines and control characters are escaped", test_escaping);
    CU_add_test(s, "long values stay one valid line", test_long_values_stay_one_line);
    CU_add_test(s, "lines are appended", test_appends);
    CU_add_test(s, "log_open failure", test_open_failure);
    CU_add_test(s, "log_time_rfc3339", test_time_rfc3339);
}
