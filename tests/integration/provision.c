/*
 * Provisioning end to end: requests, approvals, resources, the runner and its drivers, against
 * the stack dev.sh started (Apache, the handlers, MariaDB), with runners started here. A
 * database is made and used with the credentials it outputs, a git repository is cloned, both
 * are taken away again; four runners share 2,000 jobs and each job's effect happens once; a
 * runner killed in the middle of a step leaves its job to the next after the lease.
 *
 * Environment: as tests/integration/main.c, plus PORTICO_TEST_ONLY (run only suites whose name
 * starts with it), PORTICO_TEST_RUNNER, PORTICO_TEST_FIXTURES (tests/fixtures), PORTICO_STATE.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <mysql.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/loopback.h"
#include "tests/integration/suites.h"

bool suite_wanted(const char *name)
{
    const char *only = getenv("PORTICO_TEST_ONLY");
    return !only || !*only || strncmp(name, only, strlen(only)) == 0;
}

/* ---- the cast: a team, its developer, two maintainers, a developer of another team ----------- */

static char team[64], other_team[64];
static char acookie[256], acsrf[128];            /* admin */
static char dcookie[256], dcsrf[128];            /* developer of team */
static char m1cookie[256], m1csrf[128];          /* maintainers of team */
static char m2cookie[256], m2csrf[128];
static char ocookie[256], ocsrf[128];            /* developer of other_team */
static char dev_name[64];

static int cast_init(void)
{
    struct resp r;
    char body[256], u[80];
    snprintf(team, sizeof(team), "prov%d", (int)getpid());
    snprintf(other_team, sizeof(other_team), "provo%d", (int)getpid());
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? other_team : team);
        if (post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    snprintf(dev_name, sizeof(dev_name), "%s-dev", team);
    if (person_make(dev_name, "developer", team, true, dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf), NULL) < 0)
        return -1;
    snprintf(u, sizeof(u), "%s-m1", team);
    if (person_make(u, "maintainer", team, true, m1cookie, sizeof(m1cookie), m1csrf, sizeof(m1csrf), NULL) < 0)
        return -1;
    snprintf(u, sizeof(u), "%s-m2", team);
    if (person_make(u, "maintainer", team, false, m2cookie, sizeof(m2cookie), m2csrf, sizeof(m2csrf), NULL) < 0)
        return -1;
    snprintf(u, sizeof(u), "%s-o", team);
    return person_make(u, "developer", other_team, true, ocookie, sizeof(ocookie), ocsrf, sizeof(ocsrf), NULL);
}

/* ---- helpers ---------------------------------------------------------------------------------- */

/* POST a template's XML as the admin and publish it; the published version's name. */
static void publish(const char *xml)
{
    struct resp r;
    char hc[300], hx[200], path[256];
    snprintf(hc, sizeof(hc), "Cookie: %s", acookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", acsrf);
    const char *const h[] = { hc, hx, NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/templates", "application/xml", xml, -1, h, &r), 0);
    if (r.status != 201 && r.status != 200)
        fprintf(stderr, "\n    template: %ld %s\n", r.status, r.body);
    CU_ASSERT_TRUE_FATAL(r.status == 201 || r.status == 200);
    json_object *o = json_tokener_parse(r.body);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/%s/publish", jstr(o, "name"), jstr(o, "version"));
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(acookie, acsrf, "POST", path, NULL, &r), 200);
    if (r.status != 200)
        fprintf(stderr, "\n    publish: %ld %s\n", r.status, r.body);
    resp_free(&r);
}

/* A request as the user of cookie: the answer's status, its body parsed into *out. */
static long provision(const char *cookie, const char *csrf, const char *body, const char *key, json_object **out)
{
    struct resp r;
    char hc[300], hx[200], hk[300];
    snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
    snprintf(hk, sizeof(hk), "Idempotency-Key: %s", key ? key : "");
    const char *const h[] = { hc, hx, key ? hk : NULL, NULL };
    if (request("POST", "/api/v1/provision/requests", "application/json", body, -1, h, &r) < 0)
        return -1;
    long st = r.status;
    if (out)
        *out = json_tokener_parse(r.body);
    if (st != 201 && st != 422 && st != 403 && st != 404)
        fprintf(stderr, "\n    provision: %ld %s\n", st, r.body);
    resp_free(&r);
    return st;
}

/* A JSON answer's member as a string, for a GET as cookie. */
static json_object *get_o(const char *cookie, const char *path)
{
    long st;
    json_object *o = get_json(cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    return o;
}

/* Runner passes (--once) until the resource's state is want (or gone past tries). */
static const char *runner_until(const char *cookie, long long id, const char *want, int tries)
{
    static char state[32];
    char path[128], out[8192];
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", id);
    for (int i = 0; i < tries; i++) {
        runner_pass(out, sizeof(out));
        json_object *o = get_o(cookie, path);
        snprintf(state, sizeof(state), "%s", o && jstr(o, "state") ? jstr(o, "state") : "?");
        json_object_put(o);
        if (strcmp(state, want) == 0)
            break;
        if (i + 1 < tries)
            usleep(300 * 1000);
    }
    return state;
}

static MYSQL *root_db(const char *db)
{
    char sock[512];
    if (config_value("db_socket", sock, sizeof(sock)) < 0)
        return NULL;
    MYSQL *m = mysql_init(NULL);
    if (!mysql_real_connect(m, NULL, "root", NULL, db, 0, sock, 0)) {
        fprintf(stderr, "\n    root: %s\n", mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

/* One number from SQL run as root in the portico database (-1 on error). */
static long long sql_int(const char *sql)
{
    MYSQL *m = root_db("portico");
    long long v = -1;
    if (m && mysql_query(m, sql) == 0) {
        MYSQL_RES *res = mysql_store_result(m);
        MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
        if (row && row[0])
            v = atoll(row[0]);
        mysql_free_result(res);
    } else if (m) {
        fprintf(stderr, "\n    sql: %s\n", mysql_error(m));
    }
    if (m)
        mysql_close(m);
    return v;
}

static int sql_exec(const char *db, const char *sql)
{
    MYSQL *m = root_db(db);
    int rc = m ? mysql_query(m, sql) : -1;
    if (rc && m)
        fprintf(stderr, "\n    sql: %s\n", mysql_error(m));
    if (m)
        mysql_close(m);
    return rc ? -1 : 0;
}

/* A secret's value through the API (reveal), into out. */
static int reveal(const char *cookie, const char *csrf, const char *path, char *out, size_t len)
{
    struct resp r;
    char p[512];
    snprintf(p, sizeof(p), "/api/v1/secrets/reveal/%s", path);
    if (post_session(cookie, csrf, "POST", p, NULL, &r) != 200) {
        fprintf(stderr, "\n    reveal %s: %ld %s\n", path, r.status, r.body);
        resp_free(&r);
        return -1;
    }
    json_object *o = json_tokener_parse(r.body);
    snprintf(out, len, "%s", o && jstr(o, "value") ? jstr(o, "value") : "");
    json_object_put(o);
    resp_free(&r);
    return 0;
}

/* Ask sql (one number) again every ms milliseconds, at most tries times, until it is want:
 * whether it came to be. */
static bool wait_for(const char *sql, long long want, int tries, int ms)
{
    for (int i = 0; i < tries; i++) {
        if (sql_int(sql) == want)
            return true;
        usleep((useconds_t)ms * 1000);
    }
    return false;
}

/* ---- templates the suite uses ------------------------------------------------------------------- */

static void template_db(char *xml, size_t len, const char *name)
{
    snprintf(xml, len,
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\">"
             "<title>MariaDB database</title><owner team=\"%s\"/>"
             "<parameters><parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z][a-z0-9_]{2,20}\"/>"
             "</parameters>"
             "<policy><environments><environment>dev</environment><environment>prod</environment></environments>"
             "<requesters role=\"developer\"/><approvals environment=\"prod\" count=\"2\" role=\"maintainer\"/>"
             "<ttl default-days=\"7\" max-days=\"30\"/></policy>"
             "<steps><step name=\"db\" driver=\"mariadb_database\"><arg name=\"database\">{{name}}</arg></step></steps>"
             "<outputs><output name=\"host\" from=\"db.host\"/><output name=\"socket\" from=\"db.socket\"/>"
             "<output name=\"database\" from=\"db.database\"/><output name=\"user\" from=\"db.user\"/>"
             "<output name=\"password\" from=\"db.password\" secret=\"true\"/></outputs>"
             "<deprovision><step name=\"drop\" driver=\"mariadb_database\"><arg name=\"database\">{{name}}</arg></step>"
             "</deprovision></template>",
             name, team);
}

static void template_git(char *xml, size_t len, const char *name)
{
    snprintf(xml, len,
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\">"
             "<title>A git repository</title><owner team=\"%s\"/>"
             "<parameters><parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z][a-z0-9-]{2,30}\"/>"
             "</parameters>"
             "<steps><step name=\"repo\" driver=\"git_repository\"><arg name=\"name\">{{name}}</arg>"
             "<arg name=\"skeleton\">service</arg></step></steps>"
             "<outputs><output name=\"url\" from=\"repo.url\"/><output name=\"path\" from=\"repo.path\"/></outputs>"
             "<deprovision><step name=\"remove\" driver=\"git_repository\"><arg name=\"name\">{{name}}</arg></step>"
             "</deprovision></template>",
             name, team);
}

/* effects.effects, and the account the exec fixture writes it with (tests/fixtures/bin/append-effect):
 * that table only, over the stack's socket; the runner is not root (dev.sh runner_account). */
static int effects_table(void)
{
    return sql_exec(NULL, "CREATE DATABASE IF NOT EXISTS effects") != 0 ||
                   sql_exec("effects", "CREATE TABLE IF NOT EXISTS effects (uid CHAR(16) NOT NULL, KEY (uid))") != 0 ||
                   sql_exec(NULL, "CREATE USER IF NOT EXISTS portico_effects@localhost") != 0 ||
                   sql_exec(NULL, "GRANT SELECT, INSERT ON effects.effects TO portico_effects@localhost") != 0
               ? -1
               : 0;
}

/* An exec step that appends one row for the resource to effects.effects: "append" always
 * appends; "once" appends only if the resource has none, then sleeps (for the crash test). */
static void template_effect(char *xml, size_t len, const char *name, const char *mode)
{
    char sock[512];
    config_value("db_socket", sock, sizeof(sock));
    snprintf(xml, len,
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\">"
             "<title>An effect</title><owner team=\"%s\"/>"
             "<policy><ttl default-days=\"1\" max-days=\"2\"/></policy>"
             "<steps><step name=\"effect\" driver=\"exec\" timeout-seconds=\"60\"><program>%s/bin/append-effect</program>"
             "<argv><item>%s</item><item>%s</item></argv></step></steps>"
             "<deprovision><step name=\"none\" driver=\"noop\"/></deprovision></template>",
             name, team, getenv("PORTICO_TEST_FIXTURES"), sock, mode);
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_requests_validated(void)
{
    char xml[4096], name[64], body[1024];
    json_object *o;
    snprintf(name, sizeof(name), "valid%d", (int)getpid());
    template_db(xml, sizeof(xml), name);
    publish(xml);
    /* each field at fault, at once */
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"parameters\":{\"name\":\"Bad-Name\",\"extra\":1},"
                                 "\"environment\":\"staging\",\"team\":\"%s\",\"ttl_days\":31}", name, team);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, NULL, &o), 422);
    const char *text = json_object_to_json_string(o);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "parameters\\/name"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "parameters\\/extra"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"environment\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"ttl_days\""));
    json_object_put(o);
    /* a required parameter missing; no owner; a team that does not exist */
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\"}", name);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, NULL, &o), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "\"team\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "parameters\\/name"));
    json_object_put(o);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"no-such-team\","
                                 "\"parameters\":{\"name\":\"abc\"}}", name);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, NULL, &o), 422);
    json_object_put(o);
    /* no such template; a version that is not published */
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, "{\"template\":\"no-such-template\",\"environment\":\"dev\",\"team\":\"x\"}",
                              NULL, &o), 422);
    json_object_put(o);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"version\":\"9.9.9\",\"environment\":\"dev\",\"team\":\"%s\","
                                 "\"parameters\":{\"name\":\"abc\"}}", name, team);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, NULL, &o), 422);
    json_object_put(o);
    /* another team's developer may not request for this team; a viewer-less anonymous call is 401 */
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"name\":\"abc\"}}",
             name, team);
    CU_ASSERT_EQUAL(provision(ocookie, ocsrf, body, NULL, &o), 403);
    json_object_put(o);
    struct resp r;
    CU_ASSERT_EQUAL(request("POST", "/api/v1/provision/requests", "application/json", body, -1, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);

    /* Idempotency-Key: the same key and body answer the first request; another body is refused */
    char key[64];
    snprintf(key, sizeof(key), "k-%d-%ld", (int)getpid(), (long)time(NULL));
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"prod\",\"team\":\"%s\",\"parameters\":{\"name\":\"idem\"}}",
             name, team);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, key, &o), 201);
    long long first = jint(o, "id");
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "pending_approval");
    json_object_put(o);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, key, &o), 201);
    CU_ASSERT_EQUAL(jint(o, "id"), first);
    json_object_put(o);
    char count[256];
    snprintf(count, sizeof(count), "SELECT COUNT(*) FROM provision_requests WHERE idempotency_key = '%s'", key);
    CU_ASSERT_EQUAL(sql_int(count), 1);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"prod\",\"team\":\"%s\",\"parameters\":{\"name\":\"other\"}}",
             name, team);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, key, &o), 422);
    CU_ASSERT_STRING_EQUAL(jstr(o, "type"), "urn:portico:problem:idempotency-key-reused");
    json_object_put(o);
    /* the request is audited */
    snprintf(count, sizeof(count), "SELECT COUNT(*) FROM audit_events WHERE action = 'provision.request.create' AND "
                                   "target_id = '%lld'", first);
    CU_ASSERT_EQUAL(sql_int(count), 1);
}

static void test_approvals(void)
{
    char xml[4096], name[64], body[1024], path[256];
    json_object *o;
    struct resp r;
    snprintf(name, sizeof(name), "appr%d", (int)getpid());
    template_db(xml, sizeof(xml), name);
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"prod\",\"team\":\"%s\",\"parameters\":{\"name\":\"ap%d\"}}",
             name, team, (int)getpid());
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    long long id = jint(o, "id");
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "pending_approval");
    CU_ASSERT_EQUAL(jint(o, "approvals_needed"), 2);
    CU_ASSERT_PTR_NULL(json_object_object_get(o, "resource_id"));
    json_object_put(o);
    /* both maintainers were told (one a member of the team, one bound on it only) */
    for (int i = 0; i < 2; i++) {
        o = get_o(i ? m2cookie : m1cookie, "/api/v1/provision/notifications?unread=true");
        CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "approval-needed"));
        json_object_put(o);
    }
    /* the maintainers see it in their approvals inbox; the requester does not */
    o = get_o(m1cookie, "/api/v1/provision/approvals");
    snprintf(path, sizeof(path), "\"id\":%lld,", id);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), path));
    json_object_put(o);
    long st;
    o = get_json(dcookie, "/api/v1/provision/approvals", &st);
    CU_ASSERT_EQUAL(st, 403);   /* a developer approves nothing */
    json_object_put(o);
    /* self-approval is refused, as is a developer, and another team's */
    snprintf(path, sizeof(path), "/api/v1/provision/requests/%lld/approve", id);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(ocookie, ocsrf, "POST", path, NULL, &r), 403);
    resp_free(&r);
    /* a maintainer may request too (the role holds the developer's), but not approve it */
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"prod\",\"team\":\"%s\",\"parameters\":{\"name\":\"self%d\"}}",
             name, team, (int)getpid());
    CU_ASSERT_EQUAL_FATAL(provision(m1cookie, m1csrf, body, NULL, &o), 201);
    char self[128];
    snprintf(self, sizeof(self), "/api/v1/provision/requests/%lld/approve", jint(o, "id"));
    json_object_put(o);
    CU_ASSERT_EQUAL(post_session(m1cookie, m1csrf, "POST", self, NULL, &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "self-approval"));
    resp_free(&r);
    /* one approval: still pending; the same approver again: 409 */
    CU_ASSERT_EQUAL(post_session(m1cookie, m1csrf, "POST", path, "{\"comment\":\"fine by me\"}", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "pending_approval"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(m1cookie, m1csrf, "POST", path, NULL, &r), 409);
    resp_free(&r);
    /* the second: approved, with a resource and a job */
    CU_ASSERT_EQUAL(post_session(m2cookie, m2csrf, "POST", path, NULL, &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "approved");
    CU_ASSERT_TRUE(jint(o, "resource_id") > 0);
    CU_ASSERT_TRUE(jint(o, "job_id") > 0);
    json_object_put(o);
    resp_free(&r);
    /* the request shows both decisions; the requester was told */
    snprintf(path, sizeof(path), "/api/v1/provision/requests/%lld", id);
    o = get_o(dcookie, path);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "fine by me"));
    json_object_put(o);
    o = get_o(dcookie, "/api/v1/provision/notifications?unread=true");
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "request-approved"));
    json_object_put(o);

    /* a rejection needs a reason, ends the request, and tells the requester */
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"prod\",\"team\":\"%s\",\"parameters\":{\"name\":\"rj%d\"}}",
             name, team, (int)getpid());
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    id = jint(o, "id");
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/provision/requests/%lld/reject", id);
    CU_ASSERT_EQUAL(post_session(m1cookie, m1csrf, "POST", path, "{}", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(m1cookie, m1csrf, "POST", path, "{\"comment\":\"not in prod\"}", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "rejected"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/provision/requests/%lld/approve", id);
    CU_ASSERT_EQUAL(post_session(m2cookie, m2csrf, "POST", path, NULL, &r), 409);
    resp_free(&r);
    o = get_o(dcookie, "/api/v1/provision/notifications?unread=true");
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "not in prod"));
    json_object_put(o);
    char count[256];
    snprintf(count, sizeof(count), "SELECT COUNT(*) FROM audit_events WHERE action IN ('provision.request.approve', "
                                   "'provision.request.reject') AND target_id IN ('%lld', '%lld')", id - 1, id);
    CU_ASSERT_TRUE(sql_int(count) >= 1);
}

/* Request a database, use it with its outputs, delete it, and find it gone. */
static void test_database_end_to_end(void)
{
    char xml[4096], name[64], body[1024], path[256], dbname[64];
    json_object *o;
    struct resp r;
    snprintf(name, sizeof(name), "db%d", (int)getpid());
    snprintf(dbname, sizeof(dbname), "e2e%d", (int)getpid());
    template_db(xml, sizeof(xml), name);
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"name\":\"%s\"}}",
             name, team, dbname);
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "approved");   /* dev needs no approval */
    long long res = jint(o, "resource_id"), job = jint(o, "job_id");
    json_object_put(o);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "ready", 10), "ready");

    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    o = get_o(dcookie, path);
    json_object *outputs = json_object_object_get(o, "outputs"), *pw;
    const char *user = jstr(outputs, "user"), *db = jstr(outputs, "database");
    CU_ASSERT_PTR_NOT_NULL_FATAL(user);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(outputs, "password", &pw) && json_object_is_type(pw, json_type_object));
    char secret_path[400], password[256], u[96], d[96];
    snprintf(secret_path, sizeof(secret_path), "%s", jstr(pw, "secret"));
    snprintf(u, sizeof(u), "%s", user);
    snprintf(d, sizeof(d), "%s", db);
    json_object_put(o);
    /* its requester (a developer) reveals it, as a maintainer of the team may; another team's developer may not */
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/%s", secret_path);
    CU_ASSERT_EQUAL(post_session(ocookie, ocsrf, "POST", path, NULL, &r), 403);
    resp_free(&r);
    char again[256];
    CU_ASSERT_EQUAL_FATAL(reveal(dcookie, dcsrf, secret_path, again, sizeof(again)), 0);
    CU_ASSERT_EQUAL_FATAL(reveal(m1cookie, m1csrf, secret_path, password, sizeof(password)), 0);
    CU_ASSERT_STRING_EQUAL(again, password);
    CU_ASSERT_TRUE(strlen(password) >= 16);

    /* the job's log is there, with no password in it */
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld/log?after=0", job);
    o = get_o(dcookie, path);
    CU_ASSERT_TRUE(json_object_array_length(json_object_object_get(o, "lines")) >= 2);
    CU_ASSERT_TRUE(json_object_get_boolean(json_object_object_get(o, "done")));
    CU_ASSERT_PTR_NULL(strstr(json_object_to_json_string(o), password));
    json_object_put(o);
    char count[512];
    snprintf(count, sizeof(count), "SELECT COUNT(*) FROM job_logs WHERE INSTR(line, '%s') > 0", password);
    CU_ASSERT_EQUAL(sql_int(count), 0);

    /* connect with the outputs, write and read a row */
    char sock[512];
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    MYSQL *m = mysql_init(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mysql_real_connect(m, NULL, u, password, d, 0, sock, 0));
    CU_ASSERT_EQUAL(mysql_query(m, "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)"), 0);
    CU_ASSERT_EQUAL(mysql_query(m, "INSERT INTO notes VALUES (1, 'provisioned by portico')"), 0);
    CU_ASSERT_EQUAL(mysql_query(m, "SELECT body FROM notes WHERE id = 1"), 0);
    MYSQL_RES *mr = mysql_store_result(m);
    MYSQL_ROW row = mr ? mysql_fetch_row(mr) : NULL;
    CU_ASSERT_TRUE(row && strcmp(row[0], "provisioned by portico") == 0);
    mysql_free_result(mr);
    /* and nothing beyond its own database */
    CU_ASSERT_NOT_EQUAL(mysql_query(m, "SELECT COUNT(*) FROM portico.users"), 0);
    mysql_close(m);

    /* delete: deprovisioning, then gone; the credentials no longer connect */
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    CU_ASSERT_EQUAL(session_req(dcookie, dcsrf, "DELETE", path, NULL, NULL, &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(dcookie, dcsrf, "DELETE", path, NULL, NULL, &r), 409);   /* once */
    resp_free(&r);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "deprovisioned", 10), "deprovisioned");
    m = mysql_init(NULL);
    CU_ASSERT_PTR_NULL(mysql_real_connect(m, NULL, u, password, d, 0, sock, 0));
    mysql_close(m);
    snprintf(count, sizeof(count), "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '%s'", d);
    CU_ASSERT_EQUAL(sql_int(count), 0);
    /* the sealed password went with it */
    CU_ASSERT_NOT_EQUAL(reveal(m1cookie, m1csrf, secret_path, password, sizeof(password)), 0);
    snprintf(count, sizeof(count), "SELECT COUNT(*) FROM audit_events WHERE action = 'provision.resource.deprovisioned' AND "
                                   "target_id = '%lld'", res);
    CU_ASSERT_EQUAL(sql_int(count), 1);
}

static void test_git_end_to_end(void)
{
    char xml[4096], name[64], body[1024], path[256], repo[64], cmd[2048], out[4096], url[600], dir[600];
    json_object *o;
    struct resp r;
    snprintf(name, sizeof(name), "git%d", (int)getpid());
    snprintf(repo, sizeof(repo), "svc-%d", (int)getpid());
    template_git(xml, sizeof(xml), name);
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"name\":\"%s\"}}",
             name, team, repo);
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    long long res = jint(o, "resource_id");
    json_object_put(o);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "ready", 10), "ready");
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    o = get_o(dcookie, path);
    json_object *outputs = json_object_object_get(o, "outputs");
    CU_ASSERT_PTR_NOT_NULL_FATAL(jstr(outputs, "url"));
    snprintf(url, sizeof(url), "%s", jstr(outputs, "url"));
    snprintf(dir, sizeof(dir), "%s", jstr(outputs, "path"));
    json_object_put(o);
    /* clone it: the skeleton is there with the name filled in (the repository is the runner's
     * account's, not ours: git's upload-pack wants a global safe.directory for that) */
    char tmp[] = "/tmp/portico-clone-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmp));
    snprintf(cmd, sizeof(cmd), "printf '[safe]\\n\\tdirectory = *\\n' > '%s/safe' && GIT_CONFIG_GLOBAL='%s/safe' "
                               "git clone -q '%s' '%s/c' 2>&1 && cat '%s'/c/README.md", tmp, tmp, url, tmp, tmp);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, repo));
    CU_ASSERT_PTR_NULL(strstr(out, "{{name}}"));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    run(cmd, NULL, 0);
    /* delete: the repository is gone */
    CU_ASSERT_EQUAL(session_req(dcookie, dcsrf, "DELETE", path, NULL, NULL, &r), 202);
    resp_free(&r);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "deprovisioned", 10), "deprovisioned");
    struct stat stbuf;
    CU_ASSERT_NOT_EQUAL(stat(dir, &stbuf), 0);
}

static void test_ttl(void)
{
    char xml[4096], name[64], body[1024], path[256], sql[512];
    json_object *o;
    struct resp r;
    snprintf(name, sizeof(name), "ttl%d", (int)getpid());
    snprintf(xml, sizeof(xml),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Short-lived</title>"
             "<owner team=\"%s\"/><parameters><parameter name=\"who\" type=\"string\" pattern=\"[a-z]{1,10}\" default=\"x\"/>"
             "</parameters><policy><ttl default-days=\"2\" max-days=\"5\"/></policy>"
             "<steps><step name=\"hello\" driver=\"noop\"><arg name=\"message\">hello {{who}}</arg></step></steps>"
             "<deprovision><step name=\"bye\" driver=\"noop\"><arg name=\"message\">bye {{who}}</arg></step></deprovision>"
             "</template>", name, team);
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", name, team);
    CU_ASSERT_EQUAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    long long res = jint(o, "resource_id");
    json_object_put(o);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "ready", 10), "ready");
    /* the default TTL; renew within the maximum, not past it */
    snprintf(sql, sizeof(sql), "SELECT ROUND(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), expires_at) / 3600) FROM resources WHERE id = %lld",
             res);
    CU_ASSERT_EQUAL(sql_int(sql), 48);
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld/renew", res);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, "{\"ttl_days\":6}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "ttl_days"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(ocookie, ocsrf, "POST", path, "{\"ttl_days\":5}", &r), 403);   /* not theirs to see */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, "{\"ttl_days\":5}", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(sql_int(sql), 120);

    /* an hour before the end: the owners hear of it, once */
    snprintf(sql, sizeof(sql), "UPDATE resources SET expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR WHERE id = %lld", res);
    CU_ASSERT_EQUAL(sql_exec("portico", sql), 0);
    char out[4096];
    runner_pass(out, sizeof(out));
    runner_pass(out, sizeof(out));
    o = get_o(dcookie, "/api/v1/provision/notifications");
    const char *text = json_object_to_json_string(o);
    char want[128];
    snprintf(want, sizeof(want), "resource %lld", res);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "resource-expiring"));
    json_object_put(o);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = '%s' "
                               "AND n.kind = 'resource-expiring' AND n.link = '/resources/%lld' AND n.subject LIKE "
                               "CONCAT((SELECT name FROM resources WHERE id = %lld), ' (team %%) expires in %%')", dev_name, res, res);
    CU_ASSERT_EQUAL(sql_int(sql), 1);

    /* past the end: the runner deprovisions it */
    snprintf(sql, sizeof(sql), "UPDATE resources SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = %lld", res);
    CU_ASSERT_EQUAL(sql_exec("portico", sql), 0);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "deprovisioned", 10), "deprovisioned");
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    o = get_o(dcookie, path);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "expired"));
    json_object_put(o);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit_events WHERE action = 'provision.resource.expire' AND target_id = '%lld'",
             res);
    CU_ASSERT_EQUAL(sql_int(sql), 1);
}

/* Runners started here (--loop), with short leases: pids into pids. */
static void runners_start(pid_t *pids, int n, const char *extra_env)
{
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            setenv("PORTICO_RUNNER_LEASE_SECONDS", "5", 1);
            setenv("PORTICO_RUNNER_BACKOFF_SECONDS", "1", 1);
            setenv("PORTICO_RUNNER_BACKOFF_MAX_SECONDS", "2", 1);
            setenv("PORTICO_RUNNER_JOB_POLL_MS", "50", 1);
            if (extra_env)
                putenv((char *)extra_env);
            const char *runner = getenv("PORTICO_TEST_RUNNER"), *conf = getenv("PORTICO_CONFIG");
            execl(runner, runner, "--config", conf, "--loop", (char *)NULL);
            _exit(127);
        }
    }
}

static void runners_stop(pid_t *pids, int n, int sig)
{
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], sig);
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            waitpid(pids[i], NULL, 0);
}

/* How many of the template's jobs are not finished. */
static long long jobs_left(const char *name)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM jobs j JOIN resources r ON r.id = j.resource_id JOIN template_versions v ON "
                               "v.id = r.template_version_id JOIN templates t ON t.id = v.template_id WHERE t.name = '%s' AND "
                               "j.state NOT IN ('succeeded', 'failed', 'cancelled')", name);
    return sql_int(sql);
}

#define EXACTLY_ONCE_JOBS 2000

static void test_exactly_once(void)
{
    char xml[4096], name[64], body[512];
    snprintf(name, sizeof(name), "eff%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(effects_table(), 0);
    template_effect(xml, sizeof(xml), name, "append");
    publish(xml);
    /* 2,000 approved requests, through the API, none run yet */
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", name, team);
    int made = 0;
    for (int i = 0; i < EXACTLY_ONCE_JOBS; i++) {
        json_object *o;
        if (provision(dcookie, dcsrf, body, NULL, &o) == 201)
            made++;
        json_object_put(o);
    }
    CU_ASSERT_EQUAL_FATAL(made, EXACTLY_ONCE_JOBS);
    /* four runners at once until every job is done */
    pid_t pids[4];
    runners_start(pids, 4, NULL);
    for (int i = 0; i < 600 && jobs_left(name) > 0; i++)
        usleep(200 * 1000);
    runners_stop(pids, 4, SIGTERM);
    CU_ASSERT_EQUAL(jobs_left(name), 0);
    char sql[768];
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM jobs j JOIN resources r ON r.id = j.resource_id JOIN template_versions v ON "
                               "v.id = r.template_version_id JOIN templates t ON t.id = v.template_id WHERE t.name = '%s' AND "
                               "j.state = 'succeeded' AND j.attempts = 1", name);
    CU_ASSERT_EQUAL(sql_int(sql), EXACTLY_ONCE_JOBS);
    /* every resource's effect, once: as many rows as resources, and no resource twice */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM effects.effects e JOIN portico.resources r ON r.uid = e.uid JOIN "
                               "portico.template_versions v ON v.id = r.template_version_id JOIN portico.templates t ON "
                               "t.id = v.template_id WHERE t.name = '%s'", name);
    CU_ASSERT_EQUAL(sql_int(sql), EXACTLY_ONCE_JOBS);
    CU_ASSERT_EQUAL(sql_int("SELECT COUNT(*) FROM (SELECT uid FROM effects.effects GROUP BY uid HAVING COUNT(*) > 1) d"), 0);
}

static void test_crash_mid_step(void)
{
    char xml[4096], name[64], body[512], sql[768];
    json_object *o;
    snprintf(name, sizeof(name), "crash%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(effects_table(), 0);
    template_effect(xml, sizeof(xml), name, "once");
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", name, team);
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    long long res = jint(o, "resource_id"), job = jint(o, "job_id");
    json_object_put(o);
    /* a runner takes it; once the effect is there (the step then sleeps), it is killed */
    pid_t pid[1];
    runners_start(pid, 1, NULL);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM effects.effects e JOIN portico.resources r ON r.uid = e.uid WHERE r.id = %lld",
             res);
    int seen = wait_for(sql, 1, 200, 100);
    CU_ASSERT_TRUE_FATAL(seen);
    runners_stop(pid, 1, SIGKILL);
    char st[256];
    snprintf(st, sizeof(st), "SELECT state = 'running' FROM jobs WHERE id = %lld", job);
    CU_ASSERT_EQUAL(sql_int(st), 1);   /* still the dead runner's, until its lease ends */
    /* the next runner waits out the lease, runs the step again: no second effect */
    runners_start(pid, 1, NULL);
    snprintf(st, sizeof(st), "SELECT state = 'succeeded' FROM jobs WHERE id = %lld", job);
    int done = wait_for(st, 1, 300, 100);
    runners_stop(pid, 1, SIGTERM);
    CU_ASSERT_TRUE(done);
    snprintf(st, sizeof(st), "SELECT attempts FROM jobs WHERE id = %lld", job);
    CU_ASSERT_EQUAL(sql_int(st), 2);
    CU_ASSERT_EQUAL(sql_int(sql), 1);
}

/* A failing step is retried with backoff, resumes where it failed, and ends failed with the
 * reason once its attempts are spent; a queued job can be cancelled. */
static void test_retries_and_cancel(void)
{
    char xml[4096], name[64], body[512], path[256];
    json_object *o;
    struct resp r;
    snprintf(name, sizeof(name), "fail%d", (int)getpid());
    snprintf(xml, sizeof(xml),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Fails</title><owner team=\"%s\"/>"
             "<steps><step name=\"first\" driver=\"noop\"/><step name=\"broken\" driver=\"exec\"><program>/bin/false</program>"
             "</step></steps></template>", name, team);
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", name, team);
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    long long res = jint(o, "resource_id"), job = jint(o, "job_id");
    json_object_put(o);
    pid_t pid[1];
    runners_start(pid, 1, NULL);
    char st[256];
    snprintf(st, sizeof(st), "SELECT state = 'failed' FROM jobs WHERE id = %lld", job);
    int done = wait_for(st, 1, 300, 100);
    runners_stop(pid, 1, SIGTERM);
    CU_ASSERT_TRUE(done);
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld", job);
    o = get_o(dcookie, path);
    long long max = jint(o, "max_attempts");
    CU_ASSERT_TRUE(max > 1);
    CU_ASSERT_EQUAL(jint(o, "attempts"), max);
    CU_ASSERT_PTR_NOT_NULL(jstr(o, "last_error"));
    json_object *steps = json_object_object_get(o, "steps");
    CU_ASSERT_EQUAL(jint(json_object_array_get_idx(steps, 0), "attempts"), 1);   /* done once, not again */
    CU_ASSERT_EQUAL(jint(json_object_array_get_idx(steps, 1), "attempts"), max);
    CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(steps, 1), "state"), "failed");
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    o = get_o(dcookie, path);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "failed");
    json_object_put(o);

    /* cancel a queued job: it ends at once; twice is a conflict */
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    job = jint(o, "job_id");
    json_object_put(o);
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld/cancel", job);
    CU_ASSERT_EQUAL(post_session(ocookie, ocsrf, "POST", path, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "cancelled"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 409);
    resp_free(&r);
}

/* A secret an exec step prints is redacted in the log, even one that is part of "[redacted]"
 * itself; the secret output is sealed; a running job is cancelled at its next heartbeat. */
static void test_redaction_and_cancel(void)
{
    char xml[4096], name[64], body[512], path[256], sql[512];
    json_object *o;
    struct resp r;
    snprintf(name, sizeof(name), "say%d", (int)getpid());
    snprintf(xml, sizeof(xml),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Says a secret</title>"
             "<owner team=\"%s\"/><steps><step name=\"say\" driver=\"exec\"><program>%s/bin/say-secret</program>"
             "<argv><item>dact</item></argv></step></steps>"
             "<outputs><output name=\"token\" from=\"say.token\" secret=\"true\"/></outputs></template>",
             name, team, getenv("PORTICO_TEST_FIXTURES"));
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", name, team);
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    long long res = jint(o, "resource_id"), job = jint(o, "job_id");
    json_object_put(o);
    CU_ASSERT_STRING_EQUAL(runner_until(dcookie, res, "ready", 10), "ready");
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM job_logs WHERE job_id = %lld AND line = 'the token is [redacted], again: "
                               "[redacted]'", job);
    CU_ASSERT_EQUAL(sql_int(sql), 1);
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    o = get_o(dcookie, path);
    json_object *token = json_object_object_get(json_object_object_get(o, "outputs"), "token");
    CU_ASSERT_TRUE(json_object_is_type(token, json_type_object) && jstr(token, "secret"));
    json_object_put(o);

    /* cancel while the step runs: it stops, and is not tried again */
    char eff[64];
    snprintf(eff, sizeof(eff), "cancel%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(effects_table(), 0);
    template_effect(xml, sizeof(xml), eff, "once");
    publish(xml);
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", eff, team);
    CU_ASSERT_EQUAL_FATAL(provision(dcookie, dcsrf, body, NULL, &o), 201);
    res = jint(o, "resource_id");
    job = jint(o, "job_id");
    json_object_put(o);
    pid_t pid[1];
    runners_start(pid, 1, NULL);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM effects.effects e JOIN portico.resources r ON r.uid = e.uid WHERE r.id = %lld",
             res);
    int seen = wait_for(sql, 1, 200, 100);
    CU_ASSERT_TRUE(seen);
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld/cancel", job);
    CU_ASSERT_EQUAL(post_session(dcookie, dcsrf, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "cancelling"));
    resp_free(&r);
    char st[256];
    snprintf(st, sizeof(st), "SELECT state = 'cancelled' FROM jobs WHERE id = %lld", job);
    int done = wait_for(st, 1, 200, 50); /* before the step would end by itself (12 s) */
    runners_stop(pid, 1, SIGTERM);
    CU_ASSERT_TRUE(done);
    snprintf(st, sizeof(st), "SELECT attempts FROM jobs WHERE id = %lld", job);
    CU_ASSERT_EQUAL(sql_int(st), 1);
    snprintf(path, sizeof(path), "/api/v1/provision/resources/%lld", res);
    o = get_o(dcookie, path);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "failed");
    json_object_put(o);
}

/* cron's passes on one host never overlap: while one holds the lock, the next stops at once. */
static void test_once_lock(void)
{
    char lock[512], cmd[2048], out[4096];
    CU_ASSERT_EQUAL_FATAL(config_value("runner_lock_file", lock, sizeof(lock)), 0);
    snprintf(cmd, sizeof(cmd), "flock '%s' sleep 3 & sleep 0.5; %s --config %s --once 2>&1; echo rc=$?; wait", lock,
             getenv("PORTICO_TEST_RUNNER"), getenv("PORTICO_CONFIG"));
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "another pass is running"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "rc=0"));
    /* once it is free, a pass runs (and says nothing of a lock) */
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_PTR_NULL(strstr(out, "another pass is running"));
}

static void test_reads_are_scoped(void)
{
    long st;
    json_object *o = get_json(ocookie, "/api/v1/provision/resources?limit=200", &st);
    CU_ASSERT_EQUAL(st, 200);
    char want[96];
    snprintf(want, sizeof(want), "\"team\":\"%s\"", team);
    CU_ASSERT_PTR_NULL(strstr(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), want));
    json_object_put(o);
    o = get_json(dcookie, "/api/v1/provision/resources?mine=true&limit=5", &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *list = json_object_object_get(o, "resources");
    CU_ASSERT_TRUE_FATAL(json_object_is_type(list, json_type_array));
    CU_ASSERT_EQUAL(json_object_array_length(list), 5);
    const char *cursor = jstr(o, "next_cursor");
    CU_ASSERT_PTR_NOT_NULL(cursor);
    json_object_put(o);
    o = get_json(dcookie, "/api/v1/provision/resources?limit=0", &st);
    CU_ASSERT_EQUAL(st, 422);
    json_object_put(o);
    o = get_json(NULL, "/api/v1/provision/resources", &st);
    CU_ASSERT_EQUAL(st, 401);
    json_object_put(o);
}

/* ---- webhooks: where they may go, what a requester reads of the answer -------------------- */

#define HOOK_ANSWER "hook-answer-d41d8cd9 root:x:0:0"

/* An HTTP server on 127.0.0.1 in a child, answering every request 500 with HOOK_ANSWER (what a
 * service the runner can reach would say): its pid; *port its port; a byte on *seen_fd for each
 * request it answered. */
static pid_t hook_server(int *port, int *seen_fd)
{
    int pipefd[2], s = loopback_listen(8, port);
    if (s < 0 || pipe(pipefd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        for (;;) {
            int c = accept(s, NULL, NULL);
            if (c < 0)
                _exit(0);
            char req[16384];
            loopback_read_request(c, req, sizeof(req));
            char reply[512];
            int n = snprintf(reply, sizeof(reply), "HTTP/1.1 500 Oops\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                             strlen(HOOK_ANSWER), HOOK_ANSWER);
            ssize_t ignored = write(c, reply, (size_t)n);
            ignored = write(pipefd[1], "x", 1);
            (void)ignored;
            close(c);
        }
    }
    close(s);
    close(pipefd[1]);
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    *seen_fd = pipefd[0];
    return pid;
}

/* Requests the server answered since the last call. */
static int hook_requests(int fd)
{
    char buf[64];
    int n = 0;
    ssize_t k;
    while ((k = read(fd, buf, sizeof(buf))) > 0)
        n += (int)k;
    return n;
}

/* One request of the webhook template, one runner pass: the job's answer as the requester sees it. */
static json_object *hook_job(const char *name, const char *what)
{
    char body[512], path[128], out[8192];
    json_object *o;
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\",\"parameters\":{\"name\":\"%s\"}}",
             name, team, what);
    if (provision(dcookie, dcsrf, body, NULL, &o) != 201) {
        json_object_put(o);
        return NULL;
    }
    long long job = jint(o, "job_id");
    json_object_put(o);
    runner_pass(out, sizeof(out));
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld", job);
    return get_o(dcookie, path);
}

/* A loopback webhook fails with a clear reason where the settings do not allow loopback (and
 * nothing reaches the server); where they do, a failed answer shows its status and nothing of
 * what the service answered, in the job, its steps or its log. */
static void test_webhook_targets_and_answers(void)
{
    char xml[4096], name[64], path[160];
    int port = 0, seen = -1;
    pid_t hook = hook_server(&port, &seen);
    CU_ASSERT_FATAL(hook > 0);
    snprintf(name, sizeof(name), "hook%d", (int)getpid());
    snprintf(xml, sizeof(xml),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Hook</title><owner team=\"%s\"/>"
             "<parameters><parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z]{1,20}\"/></parameters>"
             "<steps><step name=\"tell\" driver=\"webhook\"><arg name=\"url\">http://127.0.0.1:%d/hook/{{name}}</arg></step>"
             "</steps></template>", name, team, port);
    publish(xml);

    /* the default: loopback is not allowed */
    unsetenv("PORTICO_PROVISION_WEBHOOK_ALLOW_LOOPBACK");
    json_object *o = hook_job(name, "first");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    const char *err = jstr(o, "last_error");
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "loopback") && strstr(err, "provision_webhook_allow_loopback") ? err : NULL);
    if (err && !strstr(err, "provision_webhook_allow_loopback"))
        fprintf(stderr, "\n    last_error: %s\n", err);
    json_object_put(o);
    CU_ASSERT_EQUAL(hook_requests(seen), 0);

    /* allowed (as the settings may): the answer's status, never its body */
    setenv("PORTICO_PROVISION_WEBHOOK_ALLOW_LOOPBACK", "1", 1);
    o = hook_job(name, "second");
    unsetenv("PORTICO_PROVISION_WEBHOOK_ALLOW_LOOPBACK");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE(hook_requests(seen) >= 1);
    err = jstr(o, "last_error");
    CU_ASSERT_STRING_EQUAL(err ? err : "", "step tell: the webhook answered 500");
    const char *all = json_object_to_json_string(o);
    CU_ASSERT_PTR_NULL(strstr(all, "hook-answer"));
    if (strstr(all, "hook-answer"))
        fprintf(stderr, "\n    job: %s\n", all);
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld/log", jint(o, "id"));
    json_object_put(o);
    o = get_o(dcookie, path);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_PTR_NULL(strstr(json_object_to_json_string(o), "hook-answer"));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), "answered 500"));
    json_object_put(o);
    kill(hook, SIGTERM);
    waitpid(hook, NULL, 0);
    close(seen);
}

/* A request's W3C trace goes with the job it queues: the job keeps it, the runner's attempt is a
 * span of it, the webhook it calls gets a child span, and "what happened to request X" finds the
 * request's log line, its audit event and its job. */
static void test_trace_carried(void)
{
    char xml[4096], name[64], body[512], hc[300], hx[200], tp[128], out[8192], path[200];
    int port = 0, fd = -1;
    pid_t hook = loopback_once(200, "", &port, &fd);
    CU_ASSERT_FATAL(hook > 0);
    snprintf(name, sizeof(name), "trace%d", (int)getpid());
    snprintf(xml, sizeof(xml),
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>Traced</title><owner team=\"%s\"/>"
             "<steps><step name=\"tell\" driver=\"webhook\"><arg name=\"url\">http://127.0.0.1:%d/hook</arg></step>"
             "</steps></template>", name, team, port);
    publish(xml);
    static const char trace[] = "4bf92f3577b34da6a3ce929d0e0e4736", caller[] = "00f067aa0ba902b7";
    snprintf(body, sizeof(body), "{\"template\":\"%s\",\"environment\":\"dev\",\"team\":\"%s\"}", name, team);
    snprintf(hc, sizeof(hc), "Cookie: %s", dcookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", dcsrf);
    snprintf(tp, sizeof(tp), "traceparent: 00-%s-%s-01", trace, caller);
    const char *const h[] = { hc, hx, tp, NULL };
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/provision/requests", "application/json", body, -1, h, &r), 0);
    CU_ASSERT_EQUAL_FATAL(r.status, 201);
    char rid[64], tr[128];
    CU_ASSERT_PTR_NOT_NULL_FATAL(header(&r, "X-Request-Id", rid, sizeof(rid)));
    /* the answer names the span this request was: same trace, a span of its own */
    CU_ASSERT_PTR_NOT_NULL_FATAL(header(&r, "traceresponse", tr, sizeof(tr)));
    CU_ASSERT_EQUAL(strncmp(tr + 3, trace, 32), 0);
    CU_ASSERT_NOT_EQUAL(strncmp(tr + 36, caller, 16), 0);
    json_object *o = json_tokener_parse(r.body);
    long long job = jint(o, "job_id");
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "SELECT COUNT(*) FROM jobs WHERE id = %lld AND traceparent = '%.55s'", job, tr);
    CU_ASSERT_EQUAL(sql_int(path), 1);

    setenv("PORTICO_PROVISION_WEBHOOK_ALLOW_LOOPBACK", "1", 1);
    runner_pass(out, sizeof(out));
    unsetenv("PORTICO_PROVISION_WEBHOOK_ALLOW_LOOPBACK");
    char got[16384] = "", seen[128] = "";
    ssize_t n = read(fd, got, sizeof(got) - 1);
    got[n > 0 ? n : 0] = '\0';
    waitpid(hook, NULL, 0);
    close(fd);
    const char *th = strcasestr(got, "\ntraceparent:");
    if (th)
        sscanf(th + 14, " %100s", seen);
    /* the webhook's call: the request's trace, a span that is neither the caller's nor the request's */
    CU_ASSERT_EQUAL(strlen(seen), 55);
    CU_ASSERT_EQUAL(strncmp(seen, "00-", 3), 0);
    CU_ASSERT_EQUAL(strncmp(seen + 3, trace, 32), 0);
    CU_ASSERT_NOT_EQUAL(strncmp(seen + 36, caller, 16), 0);
    CU_ASSERT_NOT_EQUAL(strncmp(seen + 36, tr + 36, 16), 0);
    snprintf(path, sizeof(path), "/api/v1/provision/jobs/%lld/log", job);
    o = get_o(dcookie, path);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_object_to_json_string(o), trace));
    json_object_put(o);

    /* what happened to it, as the platform team reads it */
    snprintf(path, sizeof(path), "/api/v1/audit/requests/%s", rid);
    o = get_o(acookie, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_STRING_EQUAL(jstr(o, "trace_id") ? jstr(o, "trace_id") : "", trace);
    json_object *jobs = jpath(o, "jobs"), *events = jpath(o, "events"), *log = jpath(o, "log");
    CU_ASSERT_EQUAL(jobs ? json_object_array_length(jobs) : 0, 1);
    if (!jobs || json_object_array_length(jobs) != 1)
        fprintf(stderr, "\n    %s: %s\n", path, json_object_to_json_string(o));
    CU_ASSERT_EQUAL(jobs && json_object_array_length(jobs) ? jint(json_object_array_get_idx(jobs, 0), "id") : 0, job);
    bool created = false, own_line = false;
    for (size_t i = 0; events && i < json_object_array_length(events); i++)
        created |= strncmp(jstr(json_object_array_get_idx(events, i), "action"), "provision.request", 17) == 0;
    for (size_t i = 0; log && i < json_object_array_length(log); i++) {
        json_object *l = json_object_array_get_idx(log, i);
        own_line |= jstr(l, "request_id") && strcmp(jstr(l, "request_id"), rid) == 0 && jstr(l, "parent_id") &&
                    strcmp(jstr(l, "parent_id"), caller) == 0 && strcmp(jstr(l, "trace_id"), trace) == 0;
    }
    CU_ASSERT_TRUE(created);
    CU_ASSERT_TRUE(own_line);
    json_object_put(o);
    /* a developer may not read it; an unknown request is 404 */
    CU_ASSERT_EQUAL(get_as(dcookie, path, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(acookie, "/api/v1/audit/requests/ffffffffffffffffffffffffffffffff", &r), 404);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(acookie, "/api/v1/audit/requests/not%20one", &r), 404);
    resp_free(&r);
}

/* The cast, unless the provisioning suite made it already. */
static int cast_once(void)
{
    return team[0] ? 0 : cast_init();
}

static void suite_webhooks(void)
{
    if (!suite_wanted("webhooks"))
        return;
    CU_pSuite s = CU_add_suite("webhooks", cast_once, NULL);
    CU_add_test(s, "webhook: loopback only where allowed; a failed answer shows its status only", test_webhook_targets_and_answers);
    CU_add_test(s, "traces: a request's traceparent kept with its job, sent on by the webhook; the request's view",
                test_trace_carried);
}

void suite_provisioning(void)
{
    if (!suite_wanted("provisioning"))
        return;
    CU_pSuite s = CU_add_suite("provisioning", cast_init, NULL);
    CU_add_test(s, "requests: fields checked, owners, Idempotency-Key, audit", test_requests_validated);
    CU_add_test(s, "approvals: N of M, no self-approval, reject with a reason, the inbox", test_approvals);
    CU_add_test(s, "a database: requested, used with its outputs, deleted, gone", test_database_end_to_end);
    CU_add_test(s, "a git repository: requested, cloned, deleted, gone", test_git_end_to_end);
    CU_add_test(s, "TTL: default, renew within the maximum, notice before, deprovisioned at expiry", test_ttl);
    CU_add_test(s, "retries resume at the failed step, then fail with the reason; cancel", test_retries_and_cancel);
    CU_add_test(s, "exactly once: 4 runners, 2,000 jobs, each effect once", test_exactly_once);
    CU_add_test(s, "a runner killed mid-step: the job completes after the lease, no second effect", test_crash_mid_step);
    CU_add_test(s, "a secret printed by a step is redacted, its output sealed; a running job is cancelled",
                test_redaction_and_cancel);
    CU_add_test(s, "--once: one pass at a time on a host (the lock)", test_once_lock);
    CU_add_test(s, "lists are scoped and paged", test_reads_are_scoped);
}

int main(void)
{
    int rc = client_start("provision-tests");
    if (rc)
        return rc;
    suite_templates_api();
    suite_provisioning();
    suite_webhooks();
    suite_kit();
    suite_home();
    suite_secret_outputs();
    suite_secret_scopes();
    suite_request_refs();
    suite_template_examples();
    suite_people();
    suite_catalog_safety();
    return client_finish();
}
