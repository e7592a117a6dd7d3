/*
 * Integration suite, logs and traces: the request's line carries its W3C trace (continued from
 * the caller's traceparent, or new), the answer names its span; the shipped logrotate file
 * rotates log_file and the handlers write to the new one (by the signal it sends, and without one).
 */
#include <CUnit/Basic.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/http_suites.h"

/* The log line of request id rid in file (parsed; NULL: none), waiting up to a second for it. */
static json_object *log_line(const char *file, const char *rid)
{
    char needle[128], line[16384];
    snprintf(needle, sizeof(needle), "\"request_id\":\"%s\"", rid);
    for (int tries = 0; tries < 20; tries++) {
        FILE *f = fopen(file, "r");
        while (f && fgets(line, sizeof(line), f))
            if (strstr(line, needle)) {
                fclose(f);
                return json_tokener_parse(line);
            }
        if (f)
            fclose(f);
        usleep(50000);
    }
    return NULL;
}

/* GET path with extra headers; the request id into rid. */
static long get_id(const char *path, const char *const *h, char *rid, size_t len, struct resp *r)
{
    if (request("GET", path, NULL, NULL, 0, h, r) < 0)
        return -1;
    if (!header(r, "X-Request-Id", rid, len))
        rid[0] = '\0';
    return r->status;
}

static void test_trace_in_log(void)
{
    const char *file = getenv("PORTICO_TEST_LOG");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    struct resp r;
    char rid[64], tr[128];
    /* continued: the caller's trace and span */
    const char *h[] = { "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", NULL };
    CU_ASSERT_EQUAL(get_id("/api/v1/system/version", h, rid, sizeof(rid), &r), 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(header(&r, "traceresponse", tr, sizeof(tr)));
    resp_free(&r);
    CU_ASSERT_EQUAL(strncmp(tr, "00-0af7651916cd43dd8448eb211c80319c-", 36), 0);
    json_object *o = log_line(file, rid);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(jstr(o, "trace_id"), "0af7651916cd43dd8448eb211c80319c");
    CU_ASSERT_STRING_EQUAL(jstr(o, "parent_id"), "b7ad6b7169203331");
    CU_ASSERT_EQUAL(strncmp(jstr(o, "span_id"), tr + 36, 16), 0);
    json_object_put(o);
    /* malformed (upper-case hex): ignored, as the specification says; a trace of its own */
    const char *bad[] = { "traceparent: 00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", NULL };
    CU_ASSERT_EQUAL(get_id("/api/v1/system/version", bad, rid, sizeof(rid), &r), 200);
    resp_free(&r);
    o = log_line(file, rid);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(strlen(jstr(o, "trace_id")), 32);
    CU_ASSERT_STRING_NOT_EQUAL(jstr(o, "trace_id"), "0af7651916cd43dd8448eb211c80319c");
    CU_ASSERT_PTR_NULL(jstr(o, "parent_id"));
    json_object_put(o);
}

/* The shipped logrotate file, pointed at the stack's log and pools, run by logrotate itself. */
static void test_logrotate(void)
{
    const char *file = getenv("PORTICO_TEST_LOG"), *state = getenv("PORTICO_STATE"), *sql = getenv("PORTICO_TEST_SQL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    CU_ASSERT_PTR_NOT_NULL_FATAL(state);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sql);
    char shipped[1024], dir[] = "/tmp/portico-logrotate-XXXXXX", conf[1200], cmd[4096], out[4096], rotated[1100];
    snprintf(shipped, sizeof(shipped), "%s/../apache/logrotate/portico", sql);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(conf, sizeof(conf), "%s/portico", dir);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(file, &st), 0);
    /* the stack's paths and the log's owner in place of a dedicated server's */
    char logdir[1024];
    snprintf(logdir, sizeof(logdir), "%s", file);
    *strrchr(logdir, '/') = '\0';
    snprintf(cmd, sizeof(cmd),
             "sed -e 's|/var/log/portico/\\*.log|%s|' -e 's|/run/portico/|%s/run/|' "
             "-e \"s|create 0660 www-data www-data|create 0660 $(stat -c %%U '%s') $(stat -c %%G '%s')|\" '%s' > '%s'",
             file, state, file, file, shipped, conf);
    CU_ASSERT_EQUAL_FATAL(run(cmd, NULL, 0), 0);
    struct resp r;
    char before[64], after[64];
    CU_ASSERT_EQUAL(get_id("/api/v1/system/version", NULL, before, sizeof(before), &r), 200);
    resp_free(&r);
    /* logrotate (forced: the file is not a day old) renames it, makes a new one, signals the pools */
    snprintf(cmd, sizeof(cmd), "logrotate -f -s '%s/state' '%s' 2>&1", dir, conf);
    int rc = run(cmd, out, sizeof(out));
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0)
        fprintf(stderr, "\n    logrotate: %s\n", out);
    snprintf(rotated, sizeof(rotated), "%s.1", file);
    json_object *o = log_line(rotated, before);
    CU_ASSERT_PTR_NOT_NULL(o);   /* the line before is in the rotated file */
    json_object_put(o);
    /* every handler of the pool writes to the new file at once (the signal): ask each process */
    for (int i = 0; i < 16; i++) {
        CU_ASSERT_EQUAL(get_id("/api/v1/system/version", NULL, after, sizeof(after), &r), 200);
        resp_free(&r);
        o = log_line(file, after);
        CU_ASSERT_PTR_NOT_NULL(o);
        json_object_put(o);
    }
    /* moved without a signal (a rotation that does not send one): noticed within a second */
    char moved[1100];
    snprintf(moved, sizeof(moved), "%s.moved", file);
    CU_ASSERT_EQUAL(rename(file, moved), 0);
    snprintf(cmd, sizeof(cmd), "touch '%s' && chown --reference='%s' '%s' && chmod 660 '%s'", file, moved, file, file);
    CU_ASSERT_EQUAL(run(cmd, NULL, 0), 0);
    usleep(1100000);
    int found = 0;
    for (int i = 0; i < 16; i++) {
        CU_ASSERT_EQUAL(get_id("/api/v1/system/version", NULL, after, sizeof(after), &r), 200);
        resp_free(&r);
        o = log_line(file, after);
        found += o != NULL;
        json_object_put(o);
    }
    CU_ASSERT_EQUAL(found, 16);
    /* the moved file back in front, so the later suites read one log */
    snprintf(cmd, sizeof(cmd), "cat '%s' >> '%s' && rm -f '%s'; rm -rf '%s'", file, moved, file, dir);
    CU_ASSERT_EQUAL(run(cmd, NULL, 0), 0);
    CU_ASSERT_EQUAL(rename(moved, file), 0);
    usleep(1100000);
}

void logs_tests(CU_pSuite transport, CU_pSuite area)
{
    ADD(transport, "traces: the caller's traceparent continued in the log line; a malformed one ignored", test_trace_in_log);
    ADD(area, "logs: the shipped logrotate file rotates log_file; handlers reopen on its signal, or without one",
        test_logrotate);
}
