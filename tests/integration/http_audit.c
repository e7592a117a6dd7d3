/*
 * Integration suite, the audit log: every outcome recorded, its API, its exports.
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

static void test_audit_trail(void)
{
    /* every login outcome above is in the audit log, and the chain is intact */
    const char *admin = getenv("PORTICO_TEST_ADMIN");
    char cmd[1024], out[512], sock[512];
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    snprintf(cmd, sizeof(cmd), "%s audit verify", admin);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "intact"));
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    const char *queries[] = {
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'success'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'denied'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'auth.logout'",
        "SELECT COUNT(*) FROM audit_events WHERE action = 'http.denied'",
    };
    for (size_t i = 0; i < 5; i++) {
        snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e \"%s\"", sock, queries[i]);
        CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
        CU_ASSERT_TRUE(atoi(out) >= 1);
    }
    /* no password, of any attempt, in the audit details */
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e "
                               "\"SELECT COUNT(*) FROM audit_events WHERE details LIKE '%%password!!%%' OR details LIKE '%%not the password%%'\"", sock);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(atoi(out), 0);
}


/* ---- authorization by role, and the audit log API ------------------------------------------ */

static void test_audit_events_api(void)
{
    char cookie[256], csrf[128];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* keyset pages, newest first, each cursor leading strictly further back */
    char path[512];
    long long last = 0;
    const char *cursor = NULL;
    char cur[128] = "";
    for (int page = 0; page < 3; page++) {
        snprintf(path, sizeof(path), "/api/v1/audit/events?limit=2%s%s", cursor ? "&cursor=" : "", cursor ? cursor : "");
        CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
        json_object *o = json_tokener_parse(r.body), *events;
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "events", &events));
        CU_ASSERT_EQUAL(json_object_array_length(events), 2);
        for (size_t i = 0; i < json_object_array_length(events); i++) {
            long long id = jint(json_object_array_get_idx(events, i), "id");
            if (last)
                CU_ASSERT_TRUE(id < last);
            last = id;
        }
        const char *next = jstr(o, "next_cursor");
        CU_ASSERT_PTR_NOT_NULL_FATAL(next);
        snprintf(cur, sizeof(cur), "%s", next);
        cursor = cur;
        json_object_put(o);
        resp_free(&r);
    }
    /* filters */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?action=auth.login&outcome=failure&limit=5", &r), 200);
    json_object *o = json_tokener_parse(r.body), *events;
    CU_ASSERT_TRUE_FATAL(o && json_object_object_get_ex(o, "events", &events));
    CU_ASSERT_TRUE(json_object_array_length(events) >= 1);
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(events, i), "action"), "auth.login");
        CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(events, i), "outcome"), "failure");
    }
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?since=2999-01-01T00:00:00Z", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"events\":[]"));
    resp_free(&r);
    /* export */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?limit=3&format=jsonl", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/x-ndjson"));
    size_t lines = 0;
    for (const char *s = r.body; *s; s++)
        lines += *s == '\n';
    CU_ASSERT_EQUAL(lines, 3);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?limit=3&format=csv", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "text/csv"));
    CU_ASSERT_TRUE(strncmp(r.body, "\"id\",\"time\",", 12) == 0);
    lines = 0;
    for (const char *s = r.body; *s; s++)
        lines += *s == '\n';
    CU_ASSERT_EQUAL(lines, 4);
    resp_free(&r);
    /* bad input: one 422 naming each field */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?limit=5000&cursor=forged&format=xml", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"limit\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"cursor\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"format\""));
    resp_free(&r);
}

/* The name typed at a failed login goes into the log, and from there into a CSV export that
 * someone opens in a spreadsheet: a cell led by a TAB or a CR before the formula is still a
 * formula there. Each such cell is exported with a leading ' (and quoted). */
static void test_audit_csv_formulas(void)
{
    char cookie[256], csrf[128], body[256], path[256], want[64];
    static const char *const leads[][2] = { { "\\t", "%09" }, { "\\r", "%0D" }, { "\\n", "%0A" }, { "=", "%3D" } };
    static const char raw[] = { '\t', '\r', '\n', '=' };
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    for (size_t i = 0; i < sizeof(raw); i++) {
        /* anonymous: a failed login with the name "<lead>=cmd<n>" */
        snprintf(body, sizeof(body), "{\"username\":\"%s=cmd%d%c%zu\",\"password\":\"wrong password!!\"}", leads[i][0],
                 (int)getpid(), server[strlen(server) - 1], i);
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r), 0);
        CU_ASSERT_EQUAL(r.status, 401);
        resp_free(&r);
        /* the newest login events, not a filter on the name: lighttpd refuses control characters
         * in a URL, even encoded, before the handler sees it */
        snprintf(path, sizeof(path), "/api/v1/audit/events?action=auth.login&limit=20&format=csv");
        CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
        snprintf(want, sizeof(want), ",\"'%c=cmd%d%c%zu\",", raw[i], (int)getpid(), server[strlen(server) - 1], i);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
        /* and never the bare cell */
        snprintf(want, sizeof(want), ",\"%c=cmd%d%c%zu\",", raw[i], (int)getpid(), server[strlen(server) - 1], i);
        CU_ASSERT_PTR_NULL(strstr(r.body, want));
        resp_free(&r);
    }
    /* a cell led by anything else is left as it is */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/audit/events?action=auth.login&outcome=success&limit=1&format=csv", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, ",\"auth.login\","));
    resp_free(&r);
}


/* ---- API tokens ------------------------------------------------------------------------------ */

void audit_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;   /* the area's behaviour, the same whatever server passes it on */
    ADD(area, "every outcome is audited, chain intact, no secrets", test_audit_trail);
    ADD(area, "audit events: pages, filters, JSON Lines, CSV, validation", test_audit_events_api);
    ADD(area, "audit CSV: cells led by a formula, TAB, CR or LF are neutralised", test_audit_csv_formulas);
}
