/*
 * The example templates (issue 13, point 10): POST /api/v1/templates/examples and `portico-admin
 * templates install-examples` (what ./dev.sh up runs) install the stock set for the team platform
 * through the same code: each published and passing the scan; a second install changes nothing
 * (no version, no audit event); a developer may not, nor a maintainer of another team, while a
 * maintainer of platform may; the tool's --dir installs a directory's templates, all or nothing.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

static const char *const NAMES[] = { "api-token", "git-repository", "mariadb-database", "policy-trial", "service-webhook" };
#define NNAMES (sizeof(NAMES) / sizeof(NAMES[0]))

static char acookie[256], acsrf[128];
static char dcookie[256], dcsrf[128];   /* a developer, everywhere */
static char other[64];

static int examples_init(void)
{
    char user[64], pw[96], body[256];
    struct resp r;
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    snprintf(user, sizeof(user), "exdev%d", (int)getpid());
    snprintf(pw, sizeof(pw), "%s-password-1", user);
    if (make_user(user, "developer") != 0 || login(user, pw, dcookie, sizeof(dcookie), dcsrf, sizeof(dcsrf)) != 200)
        return -1;
    snprintf(other, sizeof(other), "exo%d", (int)getpid());
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", other);
    long st = post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r);
    resp_free(&r);
    return st == 201 ? 0 : -1;
}

/* POST /templates/examples as cookie: the status, the answer parsed. */
static long install_as(const char *cookie, const char *csrf, json_object **out)
{
    struct resp r;
    long st = post_session(cookie, csrf, "POST", "/api/v1/templates/examples", NULL, &r);
    *out = json_tokener_parse(r.body ? r.body : "");
    if (st != 200 && st != 201 && st != 403)
        fprintf(stderr, "\n    examples: %ld %s\n", st, r.body);
    resp_free(&r);
    return st;
}

/* How many audit events of action on the examples (as the admin). */
static int example_events(const char *action)
{
    int n = 0;
    for (size_t i = 0; i < NNAMES; i++) {
        char path[256];
        long st;
        snprintf(path, sizeof(path), "/api/v1/audit/events?action=%s&target=%s@1.0.0&limit=200", action, NAMES[i]);
        json_object *o = get_json(acookie, path, &st), *ev = NULL;
        CU_ASSERT_EQUAL(st, 200);
        if (o && json_object_object_get_ex(o, "events", &ev))
            n += (int)json_object_array_length(ev);
        json_object_put(o);
    }
    return n;
}

/* How many versions the example templates have, all told. */
static int example_versions(void)
{
    int n = 0;
    for (size_t i = 0; i < NNAMES; i++) {
        char path[256];
        long st;
        snprintf(path, sizeof(path), "/api/v1/templates/%s", NAMES[i]);
        json_object *o = get_json(acookie, path, &st), *v = NULL;
        if (st == 200 && json_object_object_get_ex(o, "versions", &v))
            n += (int)json_object_array_length(v);
        json_object_put(o);
    }
    return n;
}

static void test_developer_may_not(void)
{
    json_object *o;
    CU_ASSERT_EQUAL(install_as(dcookie, dcsrf, &o), 403);
    CU_ASSERT_PTR_NOT_NULL(jstr(o, "detail") ? strstr(jstr(o, "detail"), "you can't publish templates") : NULL);
    json_object_put(o);
}

static void test_install_twice(void)
{
    json_object *o;
    long st = install_as(acookie, acsrf, &o);
    CU_ASSERT_TRUE(st == 201 || st == 200);   /* 200 when the browser suite installed them already */
    CU_ASSERT_STRING_EQUAL(jstr(o, "team") ? jstr(o, "team") : "", "platform");
    json_object *list = json_object_object_get(o, "templates");
    CU_ASSERT_EQUAL_FATAL(list ? json_object_array_length(list) : 0, NNAMES);
    for (size_t i = 0; i < NNAMES; i++) {
        const char *outcome = jstr(json_object_array_get_idx(list, i), "outcome");
        CU_ASSERT_TRUE(outcome && (strcmp(outcome, "installed") == 0 || strcmp(outcome, "present") == 0));
    }
    json_object_put(o);
    /* each published, passing the scan, the team platform's */
    for (size_t i = 0; i < NNAMES; i++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0", NAMES[i]);
        o = get_json(acookie, path, &st);
        CU_ASSERT_EQUAL(st, 200);
        CU_ASSERT_STRING_EQUAL(jstr(o, "state") ? jstr(o, "state") : "", "published");
        json_object *scan = json_object_object_get(o, "scan"), *findings = json_object_object_get(scan, "findings");
        CU_ASSERT_EQUAL(findings ? json_object_array_length(findings) : 99, 0);
        CU_ASSERT_STRING_EQUAL(jstr(json_object_object_get(o, "template"), "owner_team"), "platform");
        CU_ASSERT_PTR_NULL(strstr(jstr(o, "xml"), "@EXAMPLE_PROGRAMS@"));   /* the programs' place filled in */
        json_object_put(o);
    }
    int events = example_events("templates.publish"), versions = example_versions();
    CU_ASSERT_EQUAL(events, (int)NNAMES);
    /* the second install changes nothing */
    CU_ASSERT_EQUAL(install_as(acookie, acsrf, &o), 200);
    CU_ASSERT_EQUAL(jint(o, "installed"), 0);
    CU_ASSERT_FALSE(json_object_get_boolean(json_object_object_get(o, "team_created")));
    list = json_object_object_get(o, "templates");
    for (size_t i = 0; list && i < json_object_array_length(list); i++)
        CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(list, i), "outcome"), "present");
    json_object_put(o);
    CU_ASSERT_EQUAL(example_events("templates.publish"), events);
    CU_ASSERT_EQUAL(example_events("templates.create"), (int)NNAMES);
    CU_ASSERT_EQUAL(example_versions(), versions);
}

/* A maintainer of platform may (and changes nothing now); a maintainer of another team may not. */
static void test_who_may(void)
{
    const char *const teams[2] = { "platform", other };
    for (int i = 0; i < 2; i++) {
        char user[64], pw[96], body[512], cookie[256], csrf[128];
        struct resp r;
        snprintf(user, sizeof(user), "exm%d%d", i, (int)getpid());
        snprintf(pw, sizeof(pw), "%s-password-1", user);
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
        CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/users", body, &r), 201);
        resp_free(&r);
        snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"maintainer\",\"scope_type\":\"team\","
                                     "\"scope_id\":\"%s\"}", user, teams[i]);
        CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
        resp_free(&r);
        CU_ASSERT_EQUAL_FATAL(login(user, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
        json_object *o;
        long st = install_as(cookie, csrf, &o);
        CU_ASSERT_EQUAL(st, i == 0 ? 200 : 403);
        if (i == 0)
            CU_ASSERT_EQUAL(jint(o, "installed"), 0);
        if (i == 1)
            CU_ASSERT_STRING_EQUAL(jstr(o, "detail") ? jstr(o, "detail") : "",
                                   "you can't publish team platform's templates: it takes maintainer or above on team platform");
        json_object_put(o);
    }
}

/* The command ./dev.sh up runs: twice, the second changes nothing. */
static void test_admin_tool_twice(void)
{
    char cmd[1024], out[8192];
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *conf = getenv("PORTICO_CONFIG");
    CU_ASSERT_PTR_NOT_NULL_FATAL(admin);
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s templates install-examples 2>&1", conf, admin);
    int versions = example_versions();
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "nothing to install: the 5 example templates are there"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "present   mariadb-database 1.0.0"));
    }
    CU_ASSERT_EQUAL(example_versions(), versions);
    /* dev.sh up runs exactly this */
    char devsh[512];
    snprintf(devsh, sizeof(devsh), "grep -c 'portico-admin\" templates install-examples' %s/../../dev.sh",
             getenv("PORTICO_TEST_FIXTURES") ? getenv("PORTICO_TEST_FIXTURES") : "tests/fixtures");
    CU_ASSERT_EQUAL(run(devsh, out, sizeof(out)), 0);
}

/* --dir: a directory's templates, all or nothing: one that fails the scan stops them all. */
static void test_admin_tool_dir(void)
{
    char dir[256], path[512], cmd[1024], out[8192], name[64];
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *conf = getenv("PORTICO_CONFIG");
    snprintf(dir, sizeof(dir), "/tmp/portico-examples-%d", (int)getpid());
    snprintf(name, sizeof(name), "direx%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    static const char *const files[2] = { "a.xml", "b.xml" };
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        if (i == 0)   /* a good one */
            fprintf(f, "<template xmlns=\"urn:portico:template:1\" name=\"%s-ok\" version=\"1.0.0\"><title>ok</title>"
                       "<owner team=\"platform\"/><steps><step name=\"s\" driver=\"noop\"/></steps></template>", name);
        else          /* a webhook over plain http: the scan refuses it */
            fprintf(f, "<template xmlns=\"urn:portico:template:1\" name=\"%s-bad\" version=\"1.0.0\"><title>bad</title>"
                       "<owner team=\"platform\"/><steps><step name=\"s\" driver=\"webhook\"><arg name=\"url\">"
                       "http://example.com/</arg></step></steps></template>", name);
        fclose(f);
    }
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s templates install-examples --dir %s 2>&1", conf, admin, dir);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "the example b.xml does not pass the scan"));
    long st;
    snprintf(path, sizeof(path), "/api/v1/templates/%s-ok", name);
    json_object_put(get_json(acookie, path, &st));
    CU_ASSERT_EQUAL(st, 404);   /* nothing of the install was kept */
    snprintf(path, sizeof(path), "%s/b.xml", dir);
    CU_ASSERT_EQUAL(unlink(path), 0);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    snprintf(path, sizeof(path), "installed %s-ok 1.0.0", name);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, path));
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "nothing to install"));
    snprintf(path, sizeof(path), "%s/a.xml", dir);
    unlink(path);
    rmdir(dir);
}

void suite_template_examples(void)
{
    if (!suite_wanted("template-examples"))
        return;
    CU_pSuite s = CU_add_suite("template-examples", examples_init, NULL);
    CU_add_test(s, "a developer may not install the example templates", test_developer_may_not);
    CU_add_test(s, "installed twice: each published and scanned clean; the second changes nothing", test_install_twice);
    CU_add_test(s, "a maintainer of platform may, a maintainer of another team may not", test_who_may);
    CU_add_test(s, "portico-admin templates install-examples (what dev.sh up runs), twice", test_admin_tool_twice);
    CU_add_test(s, "install-examples --dir: all or nothing", test_admin_tool_dir);
}
