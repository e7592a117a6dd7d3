/*
 * The templates API (cgi-bin/templates.c, docs/provisioning.md "Templates") through real HTTP:
 * drafts from XML, versions parsed, publish and its scan (one failing example per rule),
 * immutability, deprecate, latest, the gallery, diffs, trust, hostile XML, and who may do what.
 * Names carry the process id, so runs on the same stack do not meet.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

struct who {
    char cookie[256], csrf[128];
};

static struct who admin, maint, dev, other_dev, viewer;
static char team[64], other[64], sfx[32];
static bool ready;

/* ---- helpers ---------------------------------------------------------------------------------- */

/* A request with the session and a body of ctype (NULL: none). */
static long send_as(const struct who *w, const char *method, const char *path, const char *ctype, const char *body,
                    long len, struct resp *r)
{
    char hc[300], hx[200];
    snprintf(hc, sizeof(hc), "Cookie: %s", w->cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", w->csrf);
    const char *const h[] = { hc, hx, NULL };
    if (request(method, path, ctype, body ? body : "", body ? len : 0, h, r) < 0)
        return -1;
    return r->status;
}

static long xml_as(const struct who *w, const char *method, const char *path, const char *xml, struct resp *r)
{
    return send_as(w, method, path, "application/xml", xml, -1, r);
}

static json_object *body_json(const struct resp *r)
{
    json_object *o = json_tokener_parse(r->body ? r->body : "");
    CU_ASSERT_PTR_NOT_NULL(o);
    return o;
}

static bool array_has(json_object *a, const char *s)
{
    for (size_t i = 0; a && i < json_object_array_length(a); i++)
        if (strstr(json_object_get_string(json_object_array_get_idx(a, i)), s))
            return true;
    return false;
}

static void make_person(const char *user, const char *role, const char *scope_team, struct who *w)
{
    CU_ASSERT_EQUAL_FATAL(person_make(user, role, scope_team, false, w->cookie, sizeof(w->cookie), w->csrf, sizeof(w->csrf), NULL), 0);
}

/* A template: name, version, owner, a tag, and the parameters, steps and outputs given. */
static char *tmpl(const char *name, const char *version, const char *owner, const char *params, const char *steps,
                  const char *outputs)
{
    static char buf[4][8192];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, sizeof(buf[0]),
             "<?xml version=\"1.0\"?>\n"
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"%s\">\n"
             "  <title>Test template %s</title>\n"
             "  <description>Made by the templates suite, word%s.</description>\n"
             "  <owner team=\"%s\"/>\n"
             "  <tags><tag>t%s</tag><tag>suite</tag></tags>\n"
             "  <parameters>\n%s  </parameters>\n"
             "  <steps>\n%s  </steps>\n"
             "  <outputs>%s</outputs>\n"
             "</template>\n",
             name, version, name, sfx, owner, sfx, params, steps, outputs ? outputs : "");
    return b;
}

#define P_NAME "    <parameter name=\"name\" type=\"string\" required=\"true\" pattern=\"[a-z][a-z0-9]{1,20}\"/>\n"
#define S_NOOP "    <step name=\"hello\" driver=\"noop\"><arg name=\"message\">hi {{name}}</arg></step>\n"

/* A fixture from tests/fixtures/templates, its name suffixed and owned by team. */
static char *fixture(const char *file, const char *name)
{
    const char *dir = getenv("PORTICO_TEST_FIXTURES");
    char path[1024], raw[16384];
    snprintf(path, sizeof(path), "%s/templates/%s", dir ? dir : "tests/fixtures", file);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t n = fread(raw, 1, sizeof(raw) - 1, f);
    fclose(f);
    raw[n] = 0;
    static char out[2][20000];
    static int k;
    char *o = out[k++ % 2], *w = o;
    /* name="x" (the root's, the first one) and team="platform" */
    const char *at = strstr(raw, "<template "), *nm = at ? strstr(at, "name=\"") : NULL, *end = nm ? strchr(nm + 6, '"') : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    w += sprintf(w, "%.*sname=\"%s\"", (int)(nm - raw), raw, name);
    const char *rest = end + 1, *tm = strstr(rest, "team=\"platform\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tm);
    w += sprintf(w, "%.*steam=\"%s\"%s", (int)(tm - rest), rest, team, tm + strlen("team=\"platform\""));
    return o;
}

/* ---- setup ------------------------------------------------------------------------------------ */

static void test_setup(void)
{
    char body[256], user[96];
    struct resp r;
    snprintf(sfx, sizeof(sfx), "%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(team, sizeof(team), "tpl%s", sfx);
    snprintf(other, sizeof(other), "tplo%s", sfx);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), admin.cookie, sizeof(admin.cookie), admin.csrf, sizeof(admin.csrf)),
                          200);
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? other : team);
        CU_ASSERT_EQUAL_FATAL(post_session(admin.cookie, admin.csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
        resp_free(&r);
    }
    snprintf(user, sizeof(user), "%s-m", team);
    make_person(user, "maintainer", team, &maint);
    snprintf(user, sizeof(user), "%s-d", team);
    make_person(user, "developer", team, &dev);
    snprintf(user, sizeof(user), "%s-d", other);
    make_person(user, "developer", other, &other_dev);
    snprintf(user, sizeof(user), "%s-v", team);
    make_person(user, "viewer", NULL, &viewer);
    ready = true;
}

/* ---- the life of a template ------------------------------------------------------------------- */

static void test_lifecycle(void)
{
    CU_ASSERT_TRUE_FATAL(ready);
    char name[80], path[256], v1[20000];
    struct resp r;
    json_object *o;
    snprintf(name, sizeof(name), "db%s", sfx);
    snprintf(v1, sizeof(v1), "%s", fixture("mariadb.xml", name));

    /* a draft, by a developer of the owner team; parsed on the way back */
    CU_ASSERT_EQUAL_FATAL(xml_as(&dev, "POST", "/api/v1/templates", v1, &r), 201);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "draft");
    CU_ASSERT_STRING_EQUAL(jstr(o, "version"), "1.0.0");
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "scan/findings")), 0);
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "draft");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "template/parameters/0/name")), "name");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "template/parameters/0/pattern")), "[a-z][a-z0-9_]{2,29}");
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "template/parameters/0/required")));
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "template/owner_team")), team);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "template/steps/0/driver")), "mariadb_database");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "template/steps/0/args/database")), "{{name}}");
    CU_ASSERT_EQUAL(json_object_get_int(jpath(o, "template/policy/approvals/0/count")), 1);
    CU_ASSERT_EQUAL(json_object_get_int(jpath(o, "template/policy/ttl/max_days")), 365);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "template/outputs/3/secret")));
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "xml"), "mariadb_database"));
    CU_ASSERT_PTR_NOT_NULL(jpath(o, "scan/scanned_at"));
    json_object_put(o);
    resp_free(&r);

    /* the same version again replaces the draft (200); PUT too, with the path's name and version */
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", v1, &r), 200);
    resp_free(&r);
    char *retitled = strstr(v1, "<title>MariaDB database</title>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(retitled);
    memcpy(retitled, "<title>MariaDB databasE</title>", 31);
    CU_ASSERT_EQUAL(xml_as(&dev, "PUT", path, v1, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(dev.cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "MariaDB databasE"));
    resp_free(&r);
    char wrong[256];
    snprintf(wrong, sizeof(wrong), "/api/v1/templates/%s/versions/9.9.9", name);
    CU_ASSERT_EQUAL(xml_as(&dev, "PUT", wrong, v1, &r), 422);   /* the XML says 1.0.0 */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\""));
    resp_free(&r);

    /* a developer does not publish; a maintainer of the owner team does */
    char pub[300];
    snprintf(pub, sizeof(pub), "%s/publish", path);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", pub, NULL, NULL, 0, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", pub, NULL, NULL, 0, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "published");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", pub, NULL, NULL, 0, &r), 409);   /* twice */
    resp_free(&r);

    /* published is for good: no replace, no delete, no POST of that version */
    CU_ASSERT_EQUAL(xml_as(&dev, "PUT", path, v1, &r), 409);
    json_object_put(assert_problem(&r, 409, "not-a-draft"));
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&dev, "DELETE", path, NULL, NULL, 0, &r), 409);
    resp_free(&r);
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", v1, &r), 409);
    resp_free(&r);

    /* 1.1.0 adds a parameter and an approval; latest follows publishing */
    char v2[20000];
    snprintf(v2, sizeof(v2), "%s", v1);
    char *ver = strstr(v2, "version=\"1.0.0\""), *params = strstr(v2, "  </parameters>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ver);
    CU_ASSERT_PTR_NOT_NULL_FATAL(params);
    memcpy(ver, "version=\"1.1.0\"", 15);
    const char *add = "    <parameter name=\"size\" type=\"enum\" default=\"small\"><choice>small</choice><choice>large</choice></parameter>\n";
    memmove(params + strlen(add), params, strlen(params) + 1);
    memcpy(params, add, strlen(add));
    char *appr = strstr(v2, "count=\"1\" role=\"maintainer\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(appr);
    appr[7] = '2';
    CU_ASSERT_EQUAL_FATAL(xml_as(&dev, "POST", "/api/v1/templates", v2, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/latest", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "version"), "1.0.0");   /* 1.1.0 is a draft yet */
    json_object_put(o);
    resp_free(&r);
    snprintf(pub, sizeof(pub), "/api/v1/templates/%s/versions/1.1.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", pub, NULL, NULL, 0, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "version"), "1.1.0");
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "template/parameters")), 2);
    json_object_put(o);
    resp_free(&r);

    /* the diff: the parameter added (removed, read backwards), the policy, the XML's lines */
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/diff/latest", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "from"), "1.0.0");
    CU_ASSERT_STRING_EQUAL(jstr(o, "to"), "1.1.0");
    CU_ASSERT_TRUE(array_has(jpath(o, "changes/parameters/added"), "size"));
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "changes/parameters/removed")), 0);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "changes/parameters/changed")), 0);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "changes/steps/changed")), 0);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "changes/policy_changed")));
    const char *diff = jstr(o, "diff");
    CU_ASSERT_PTR_NOT_NULL_FATAL(diff);
    CU_ASSERT_PTR_NOT_NULL(strstr(diff, "--- "));
    CU_ASSERT_PTR_NOT_NULL(strstr(diff, "\n@@ -"));
    CU_ASSERT_PTR_NOT_NULL(strstr(diff, "\n+    <parameter name=\"size\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(diff, "\n-<template xmlns=\"urn:portico:template:1\""));
    CU_ASSERT_PTR_NULL(strstr(diff, "\n-  <tags>"));   /* unchanged lines are context at most */
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.1.0/diff/1.0.0", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(array_has(jpath(o, "changes/parameters/removed"), "size"));
    json_object_put(o);
    resp_free(&r);

    /* deprecate: published only */
    snprintf(pub, sizeof(pub), "/api/v1/templates/%s/versions/1.0.0/deprecate", name);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", pub, NULL, NULL, 0, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", pub, NULL, NULL, 0, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", pub, NULL, NULL, 0, &r), 409);
    resp_free(&r);

    /* the template: versions newest first */
    snprintf(path, sizeof(path), "/api/v1/templates/%s", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "owner_team"), team);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "versions/0/version")), "1.1.0");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "versions/1/state")), "deprecated");
    CU_ASSERT_PTR_NOT_NULL(jpath(o, "versions/1/published_at"));
    json_object_put(o);
    resp_free(&r);

    /* publishing was audited, with who did it */
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=templates.publish&target=%s@1.0.0", name);
    CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "events")), 1);
    char want[96];
    snprintf(want, sizeof(want), "%s-m", team);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "events/0/actor_name")), want);
    json_object_put(o);
    resp_free(&r);
    static const char *const actions[] = { "templates.create", "templates.update", "templates.deprecate" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/api/v1/audit/events?action=%s&target=%s@1.0.0", actions[i], name);
        CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
        o = body_json(&r);
        CU_ASSERT_TRUE(json_object_array_length(jpath(o, "events")) >= 1);
        json_object_put(o);
        resp_free(&r);
    }

    /* 404s */
    CU_ASSERT_EQUAL(get_as(viewer.cookie, "/api/v1/templates/no-such-template-x", &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/7.7.7", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 404);
    resp_free(&r);
}

/* ---- the gallery ------------------------------------------------------------------------------ */

static void test_gallery(void)
{
    CU_ASSERT_TRUE_FATAL(ready);
    char names[3][80], path[512];
    struct resp r;
    json_object *o;
    /* three published templates of this run and a draft-only one; the fixtures too */
    for (int i = 0; i < 3; i++) {
        snprintf(names[i], sizeof(names[i]), "gal%d-%s", i, sfx);
        CU_ASSERT_EQUAL_FATAL(xml_as(&dev, "POST", "/api/v1/templates", tmpl(names[i], "1.0.0", team, P_NAME, S_NOOP, NULL), &r),
                              201);
        resp_free(&r);
        snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", names[i]);
        CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 200);
        resp_free(&r);
    }
    char draft[80];
    snprintf(draft, sizeof(draft), "gald-%s", sfx);
    CU_ASSERT_EQUAL_FATAL(xml_as(&dev, "POST", "/api/v1/templates", tmpl(draft, "0.1.0", team, P_NAME, S_NOOP, NULL), &r), 201);
    resp_free(&r);
    static const char *const files[] = { "git-repository.xml", "noop.xml" };
    for (int i = 0; i < 2; i++) {
        char fname[80];
        snprintf(fname, sizeof(fname), "fx%d-%s", i, sfx);
        CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", fixture(files[i], fname), &r), 201);
        o = body_json(&r);
        CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "scan/findings")), 0);   /* the examples pass the scan */
        json_object_put(o);
        resp_free(&r);
        snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", fname);
        CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 200);
        resp_free(&r);
    }

    /* q: every word must match (the description holds "word<sfx>", the name "gal1") */
    snprintf(path, sizeof(path), "/api/v1/templates?q=word%s+GAL1", sfx);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "templates")), 1);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/0/name")), names[1]);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/0/latest/version")), "1.0.0");
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/0/owner_team")), team);
    CU_ASSERT_TRUE(array_has(jpath(o, "templates/0/latest/tags"), "suite"));
    CU_ASSERT_EQUAL(json_object_get_int(jpath(o, "templates/0/versions")), 1);
    json_object_put(o);
    resp_free(&r);
    /* a wildcard is a character, not a wildcard */
    snprintf(path, sizeof(path), "/api/v1/templates?q=word%s+g%%25l1", sfx);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "templates")), 0);
    json_object_put(o);
    resp_free(&r);

    /* tag: exact; drafts only with include=drafts; pages by name with a cursor */
    snprintf(path, sizeof(path), "/api/v1/templates?tag=t%s&limit=2", sfx);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "templates")), 2);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/0/name")), names[0]);
    const char *next = jstr(o, "next_cursor");
    CU_ASSERT_PTR_NOT_NULL_FATAL(next);
    snprintf(path, sizeof(path), "/api/v1/templates?tag=t%s&limit=2&cursor=%s", sfx, next);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "templates")), 1);   /* the draft is not there */
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/0/name")), names[2]);
    CU_ASSERT_PTR_NULL(jpath(o, "next_cursor"));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates?tag=t%s&include=drafts&limit=200", sfx);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "templates")), 4);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/3/name")), draft);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "templates/3/latest/state")), "draft");
    json_object_put(o);
    resp_free(&r);
    for (int i = 0; i < 2; i++) {   /* the git fixture is fx0: its description has "repository" */
        snprintf(path, sizeof(path), "/api/v1/templates?q=Repository+fx%d-%s", i, sfx);
        CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
        o = body_json(&r);
        CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "templates")), i ? 0 : 1);
        json_object_put(o);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(get_as(viewer.cookie, "/api/v1/templates?limit=0", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, "/api/v1/templates?cursor=nonsense", &r), 422);
    resp_free(&r);

    /* a draft is deleted; the template stays, without versions */
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/0.1.0", draft);
    CU_ASSERT_EQUAL(send_as(&dev, "DELETE", path, NULL, NULL, 0, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 404);
    resp_free(&r);
}

/* ---- the scan --------------------------------------------------------------------------------- */

/* A draft that trips rule: 201 with the rule among the scan's findings, then publish refused
 * with 422 scan-failed naming it, and nothing published. */
static void scan_refuses(const char *name, const char *xml, const char *rule)
{
    char path[256];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 201);
    json_object *o = body_json(&r);
    CU_ASSERT_TRUE(array_has(jpath(o, "scan/findings"), rule));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 422);
    o = assert_problem(&r, 422, "scan-failed");
    CU_ASSERT_TRUE(array_has(jpath(o, "findings"), rule));
    if (!array_has(jpath(o, "findings"), rule))
        fprintf(stderr, "\n    %s: %s\n", rule, r.body);
    assert_request_id(&r, o);
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_STRING_EQUAL(jstr(o, "state"), "draft");
    CU_ASSERT_TRUE(array_has(jpath(o, "scan/findings"), rule));   /* the failed scan is kept */
    json_object_put(o);
    resp_free(&r);
}

static void test_scan_rules(void)
{
    CU_ASSERT_TRUE_FATAL(ready);
    char name[80], path[256];
    struct resp r;
    json_object *o;

    snprintf(name, sizeof(name), "sc-driver-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, P_NAME, "    <step name=\"s\" driver=\"teleport\"/>\n", NULL),
                 "unknown-driver");

    snprintf(name, sizeof(name), "sc-unchecked-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, "    <parameter name=\"name\" type=\"string\" required=\"true\"/>\n",
                            "    <step name=\"s\" driver=\"exec\"><program>/usr/local/bin/tool</program>"
                            "<argv><item>--name={{name}}</item></argv></step>\n", NULL),
                 "exec-unchecked-parameter");

    snprintf(name, sizeof(name), "sc-secret-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, P_NAME,
                            "    <step name=\"db\" driver=\"mariadb_database\"><arg name=\"database\">{{name}}</arg></step>\n",
                            "<output name=\"password\" from=\"db.password\"/>"),
                 "secret-to-plain-output");

    snprintf(name, sizeof(name), "sc-webhook-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, P_NAME,
                            "    <step name=\"tell\" driver=\"webhook\"><arg name=\"url\">http://hooks.example.com/x</arg></step>\n",
                            NULL),
                 "webhook-not-https");

    /* where a webhook connects is the template's: a requester may not pick a port or a host */
    snprintf(name, sizeof(name), "sc-hookport-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team,
                            "    <parameter name=\"port\" type=\"integer\" required=\"true\" min=\"1\" max=\"65535\"/>\n"
                            "    <parameter name=\"path\" type=\"string\" required=\"true\" pattern=\"[a-z]{1,20}\"/>\n",
                            "    <step name=\"tell\" driver=\"webhook\"><arg name=\"url\">http://127.0.0.1:{{port}}/{{path}}</arg>"
                            "</step>\n", NULL),
                 "webhook-url-placeholder");
    snprintf(name, sizeof(name), "sc-hookhost-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, P_NAME,
                            "    <step name=\"tell\" driver=\"webhook\"><arg name=\"url\">https://{{name}}.example.com/x</arg>"
                            "</step>\n", NULL),
                 "webhook-url-placeholder");

    /* a shell behind env's options is a shell too */
    snprintf(name, sizeof(name), "sc-envshell-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, P_NAME,
                            "    <step name=\"s\" driver=\"exec\"><program>/usr/bin/env</program>"
                            "<argv><item>-i</item><item>/bin/sh</item><item>-c</item><item>id</item></argv></step>\n", NULL),
                 "exec-shell");

    /* a shell: refused until an administrator trusts the template */
    snprintf(name, sizeof(name), "sc-shell-%s", sfx);
    scan_refuses(name, tmpl(name, "1.0.0", team, P_NAME,
                            "    <step name=\"s\" driver=\"exec\"><program>/bin/sh</program>"
                            "<argv><item>-c</item><item>echo hello</item></argv></step>\n", NULL),
                 "exec-shell");
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/scan", name);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", path, NULL, NULL, 0, &r), 200);
    o = body_json(&r);
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "passed")));
    CU_ASSERT_TRUE(array_has(jpath(o, "findings"), "exec-shell"));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/trust", name);
    CU_ASSERT_EQUAL(send_as(&maint, "PUT", path, "application/json", "{\"trusted\":true}", -1, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":\"yes\"}", -1, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":true}", -1, &r), 422);   /* which version? */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "version"));
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":true,\"version\":\"9.9.9\"}", -1, &r), 404);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":true,\"version\":\"1.0.0\"}", -1, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/scan", name);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", path, NULL, NULL, 0, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "passed")));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "trusted")));
    json_object_put(o);
    resp_free(&r);
    /* trust is the reviewed version's: a later draft with a shell is refused until trusted itself */
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates",
                           tmpl(name, "1.0.1", team, P_NAME,
                                "    <step name=\"s\" driver=\"exec\"><program>/bin/sh</program>"
                                "<argv><item>-c</item><item>id</item></argv></step>\n", NULL), &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "trusted")));   /* its newest published version is */
    CU_ASSERT_STRING_EQUAL(json_object_get_string(jpath(o, "versions/0/version")), "1.0.1");
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "versions/0/trusted")));
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "versions/1/trusted")));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.1/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "exec-shell"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=templates.trust&target=%s@1.0.0", name);
    CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "events")), 1);
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=templates.scan&target=%s@1.0.0", name);
    CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(json_object_array_length(jpath(o, "events")) >= 2);   /* the failed publish's and the two scans */
    json_object_put(o);
    resp_free(&r);
}

/* Trust is a version's XML, not the template's name: a draft that existed when an administrator
 * trusted another version, with its own shell, stays refused until it is trusted itself. */
static void test_trust_per_version(void)
{
    CU_ASSERT_TRUE_FATAL(ready);
    char name[80], path[256];
    struct resp r;
    json_object *o;
    snprintf(name, sizeof(name), "tr-ver-%s", sfx);
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates",
                           tmpl(name, "1.0.0", team, P_NAME,
                                "    <step name=\"s\" driver=\"exec\"><program>/bin/sh</program>"
                                "<argv><item>-c</item><item>echo reviewed</item></argv></step>\n", NULL), &r), 201);
    resp_free(&r);
    /* v2, stored before trust is given to v1: nobody reviewed it */
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates",
                           tmpl(name, "2.0.0", team, P_NAME,
                                "    <step name=\"s\" driver=\"exec\"><program>/bin/sh</program>"
                                "<argv><item>-c</item><item>echo unreviewed</item></argv></step>\n", NULL), &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/trust", name);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":true}", -1, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":true,\"version\":\"1.0.0\"}", -1, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "trusted")));
    const char *sha = json_object_get_string(jpath(o, "sha256"));
    CU_ASSERT_TRUE(sha && strlen(sha) == 64);
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/2.0.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "exec-shell"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_TRUE(json_object_get_boolean(jpath(o, "trusted")));   /* 1.0.0, its newest published */
    CU_ASSERT_FALSE(json_object_get_boolean(jpath(o, "versions/0/trusted")));   /* 2.0.0 */
    json_object_put(o);
    resp_free(&r);
    /* trusting v2 itself lets it publish */
    snprintf(path, sizeof(path), "/api/v1/templates/%s/trust", name);
    CU_ASSERT_EQUAL(send_as(&admin, "PUT", path, "application/json", "{\"trusted\":true,\"version\":\"2.0.0\"}", -1, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/2.0.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&maint, "POST", path, NULL, NULL, 0, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=templates.trust&target=%s@2.0.0", name);
    CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
    o = body_json(&r);
    CU_ASSERT_EQUAL(json_object_array_length(jpath(o, "events")), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "sha256"));
    json_object_put(o);
    resp_free(&r);
}

/* ---- hostile and broken XML ------------------------------------------------------------------- */

static void test_bad_xml(void)
{
    CU_ASSERT_TRUE_FATAL(ready);
    char name[80], xml[8192];
    struct resp r;
    json_object *o;
    snprintf(name, sizeof(name), "bad-%s", sfx);

    /* not well formed: 400 with the line */
    snprintf(xml, sizeof(xml), "%s", tmpl(name, "1.0.0", team, P_NAME, S_NOOP, NULL));
    char *close = strstr(xml, "</title>");
    memcpy(close, "</titel>", 8);
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 400);
    o = assert_problem(&r, 400, "malformed-xml");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "detail"), "line 3"));
    json_object_put(o);
    resp_free(&r);

    /* well formed, not a template: 422 by element path */
    snprintf(xml, sizeof(xml), "%s", tmpl(name, "1.0.0", team, P_NAME, S_NOOP, NULL));
    char *title = strstr(xml, "<title>");
    memcpy(title, "<tytle>", 7);
    memcpy(strstr(xml, "</title>"), "</tytle>", 8);
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 422);
    o = assert_problem(&r, 422, "validation");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"errors\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"field\":\"/template/tytle\""));   /* by element path */
    json_object_put(o);
    resp_free(&r);
    /* a placeholder that names no parameter */
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates",
                           tmpl(name, "1.0.0", team, P_NAME,
                                "    <step name=\"s\" driver=\"noop\"><arg name=\"message\">{{nope}}</arg></step>\n", NULL), &r),
                    422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "steps/0/args/message"));
    resp_free(&r);

    /* billion laughs: refused before anything is expanded */
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol9 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n]>\n"
        "<template xmlns=\"urn:portico:template:1\" name=\"lol\" version=\"1.0.0\"><title>&lol9;</title></template>\n";
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", laughs, &r), 400);
    o = assert_problem(&r, 400, "malformed-xml");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "detail"), "DOCTYPE"));
    CU_ASSERT_PTR_NULL(strstr(r.body, "lollol"));
    CU_ASSERT_TRUE(r.len < 2000);
    json_object_put(o);
    resp_free(&r);

    /* an external entity: refused, and no file's content in any answer */
    snprintf(xml, sizeof(xml),
             "<?xml version=\"1.0\"?>\n<!DOCTYPE template [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
             "<template xmlns=\"urn:portico:template:1\" name=\"%s\" version=\"1.0.0\"><title>&xxe;</title>"
             "<owner team=\"%s\"/><steps>%s</steps></template>\n", name, team, S_NOOP);
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 400);
    o = assert_problem(&r, 400, "malformed-xml");
    CU_ASSERT_PTR_NULL(strstr(r.body, "root:"));
    CU_ASSERT_PTR_NULL(strstr(r.body, "/bin/"));
    json_object_put(o);
    resp_free(&r);
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/templates/%s", name);
    CU_ASSERT_EQUAL(get_as(viewer.cookie, path, &r), 404);   /* nothing was stored */
    resp_free(&r);
    /* an entity declared without a DOCTYPE around it is no better */
    snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n<template xmlns=\"urn:portico:template:1\" name=\"%s\" "
                               "version=\"1.0.0\"><title>&xxe;</title></template>\n", name);
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 400);
    CU_ASSERT_PTR_NULL(strstr(r.body, "root:"));
    resp_free(&r);

    /* the wrong type, too large, not UTF-8 */
    const char *good = tmpl(name, "1.0.0", team, P_NAME, S_NOOP, NULL);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", "/api/v1/templates", "application/json", good, -1, &r), 415);
    json_object_put(assert_problem(&r, 415, "unsupported-media-type"));
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", "/api/v1/templates", NULL, good, -1, &r), 415);
    resp_free(&r);
    size_t big = 300 * 1024;
    char *huge = malloc(big + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    size_t gl = strlen(good);
    memcpy(huge, good, gl);
    memset(huge + gl, ' ', big - gl);
    huge[big] = 0;
    CU_ASSERT_EQUAL(send_as(&dev, "POST", "/api/v1/templates", "application/xml", huge, (long)big, &r), 413);
    json_object_put(assert_problem(&r, 413, NULL));
    resp_free(&r);
    free(huge);
    snprintf(xml, sizeof(xml), "%s", good);
    *strstr(xml, "Test template") = (char)0xff;
    CU_ASSERT_EQUAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 400);
    resp_free(&r);
    /* text/xml with a charset is XML too */
    CU_ASSERT_EQUAL(send_as(&dev, "POST", "/api/v1/templates", "text/xml; charset=utf-8", good, -1, &r), 201);
    resp_free(&r);
}

/* ---- who may do what -------------------------------------------------------------------------- */

static void test_denials(void)
{
    CU_ASSERT_TRUE_FATAL(ready);
    char name[80], path[256];
    struct resp r;
    snprintf(name, sizeof(name), "deny-%s", sfx);
    const char *xml = tmpl(name, "1.0.0", team, P_NAME, S_NOOP, NULL);

    /* anonymous: 401, reading or writing */
    CU_ASSERT_EQUAL(request("GET", "/api/v1/templates", NULL, NULL, 0, NULL, &r), 0);
    json_object_put(assert_problem(&r, 401, NULL));
    resp_free(&r);
    CU_ASSERT_EQUAL(request("POST", "/api/v1/templates", "application/xml", xml, -1, NULL, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);

    /* a viewer reads, does not write */
    CU_ASSERT_EQUAL(xml_as(&viewer, "POST", "/api/v1/templates", xml, &r), 403);
    resp_free(&r);
    /* a developer of another team writes nothing the team owns: neither new nor existing */
    CU_ASSERT_EQUAL(xml_as(&other_dev, "POST", "/api/v1/templates", xml, &r), 403);
    json_object_put(assert_problem(&r, 403, "forbidden"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(xml_as(&dev, "POST", "/api/v1/templates", xml, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0", name);
    CU_ASSERT_EQUAL(xml_as(&other_dev, "PUT", path, xml, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&other_dev, "DELETE", path, NULL, NULL, 0, &r), 403);
    resp_free(&r);
    /* nor by claiming the template for its own team: the owner does not change through XML */
    const char *mine = tmpl(name, "1.0.1", other, P_NAME, S_NOOP, NULL);
    CU_ASSERT_EQUAL(xml_as(&other_dev, "POST", "/api/v1/templates", mine, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(xml_as(&admin, "POST", "/api/v1/templates", mine, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"owner\""));
    resp_free(&r);
    /* a team that does not exist owns nothing */
    char ghost[80];
    snprintf(ghost, sizeof(ghost), "ghost-%s", sfx);
    CU_ASSERT_EQUAL(xml_as(&admin, "POST", "/api/v1/templates", tmpl(ghost, "1.0.0", "no-such-team-zz", P_NAME, S_NOOP, NULL),
                           &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"owner\""));
    resp_free(&r);
    /* publish: a maintainer of the owner team, not a developer, not another team's */
    snprintf(path, sizeof(path), "/api/v1/templates/%s/versions/1.0.0/publish", name);
    CU_ASSERT_EQUAL(send_as(&other_dev, "POST", path, NULL, NULL, 0, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&dev, "POST", path, NULL, NULL, 0, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(send_as(&viewer, "POST", path, NULL, NULL, 0, &r), 403);
    resp_free(&r);
    /* trust is an administrator's */
    snprintf(path, sizeof(path), "/api/v1/templates/%s/trust", name);
    CU_ASSERT_EQUAL(send_as(&dev, "PUT", path, "application/json", "{\"trusted\":true}", -1, &r), 403);
    resp_free(&r);
    /* the denials are in the audit log */
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=http.denied&actor=%s-d", other);
    CU_ASSERT_EQUAL(get_as(admin.cookie, path, &r), 200);
    json_object *o = body_json(&r);
    CU_ASSERT_TRUE(json_object_array_length(jpath(o, "events")) >= 3);
    json_object_put(o);
    resp_free(&r);
}

void suite_templates_api(void)
{
    if (!suite_wanted("templates"))
        return;
    CU_pSuite s = CU_add_suite("templates", NULL, NULL);
    CU_add_test(s, "setup: teams and people", test_setup);
    CU_add_test(s, "draft, replace, publish, immutable, latest, diff, deprecate, audit", test_lifecycle);
    CU_add_test(s, "gallery: q, tag, drafts, pages; delete a draft", test_gallery);
    CU_add_test(s, "scan: each rule refuses publish; trust allows a shell", test_scan_rules);
    CU_add_test(s, "trust is a version's: a draft stored before trust on another stays refused", test_trust_per_version);
    CU_add_test(s, "hostile and broken XML: 400, 422, 413, 415; no entity expanded", test_bad_xml);
    CU_add_test(s, "who may do what", test_denials);
}
