/*
 * Integration suite, the catalog: entities, imports (their own body limit in every web server), locations, discovery.
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
#include "tests/loopback.h"

static void test_catalog_entities(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[1024], path[256], other[256], team[64], u[64], pw[96];
    char etag[32], name[64];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(team, sizeof(team), "cat%d%c", (int)getpid(), sfx);
    snprintf(name, sizeof(name), "pay-%d%c", (int)getpid(), sfx);
    snprintf(u, sizeof(u), "catdev%d%c", (int)getpid(), sfx);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* create: 201, version 1 as the ETag, the document as given */
    component_json(body, sizeof(body), name, team, "resource:default/db-dangling");
    CU_ASSERT_EQUAL_FATAL(session_req(cookie, csrf, "PUT", path, body, NULL, &r), 201);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"1\""));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"title\":\"Payments\""));
    resp_free(&r);
    /* If-Match: a stale version is 412, the current one moves it on */
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, "\"7\"", &r), 412);
    resp_free(&r);
    char *title = strstr(body, "\"title\":\"Payments\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(title);
    memcpy(title, "\"title\":\"Paywall!\"", 18);      /* a changed document; the same one changes nothing */
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, "\"1\"", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"2\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, "\"2\"", &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "ETag", "\"2\""));
    resp_free(&r);
    /* every bad field by its path; a document for another entity than the path's */
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, component_json(other, sizeof(other), name, team, "no-kind"),
                                NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "spec/dependsOn/0"));
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, component_json(other, sizeof(other), "someone-else", team,
                                                                          "resource:default/x"), NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "metadata/name"));
    resp_free(&r);
    /* relations both ways; an unresolved target is kept, dangling */
    snprintf(other, sizeof(other), "%s/relations", path);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, other, &r), 200);
    snprintf(etag, sizeof(etag), "group:default/%s", team);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, etag));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "{\"type\":\"dependsOn\",\"target\":\"resource:default/db-dangling\",\"dangling\":true,\"hidden\":false}"));
    resp_free(&r);

    /* a developer of the owning team writes its entities, and no other team's */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", team);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\",\"scope_type\":\"team\","
                                 "\"scope_id\":\"%s\"}", u, team);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    component_json(body, sizeof(body), name, team, "resource:default/db-dangling");
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, body, "\"2\"", &r), 200);
    resp_free(&r);
    component_json(body, sizeof(body), name, "someone-else", "resource:default/db-dangling");   /* give it away */
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, body, NULL, &r), 403);
    resp_free(&r);
    snprintf(other, sizeof(other), "/api/v1/catalog/entities/component/default/%s-x", name);
    char named[96];
    snprintf(named, sizeof(named), "%s-x", name);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", other, component_json(body, sizeof(body), named, "someone-else",
                                                                           "resource:default/x"), NULL, &r), 403);
    resp_free(&r);
    /* reading needs a binding that covers it: this developer holds nothing global */
    CU_ASSERT_EQUAL(get_as(ucookie, path, &r), 200);
    resp_free(&r);
    /* deleting is a maintainer's: refused to the developer, then done by the admin, audited */
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "DELETE", path, NULL, NULL, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, "\"1\"", &r), 412);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, "\"3\"", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    snprintf(other, sizeof(other), "/api/v1/audit/events?target=component:default/%s&limit=10", name);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, other, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.create"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.update"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.delete"));
    resp_free(&r);
    /* a path that is no entity's */
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities/widget/default/x", &r), 404);
    resp_free(&r);
}


#define IMPORT_MAX_BYTES (32L << 20)   /* catalog_import_max_bytes in the test configuration (its default) */

static long import_yaml(const char *cookie, const char *csrf, const char *query, const char *yaml, struct resp *r)
{
    char hc[300], hx[200], path[128];
    snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
    snprintf(path, sizeof(path), "/api/v1/catalog/import%s", query);
    const char *const h[] = { hc, hx, NULL };
    if (request("POST", path, "application/yaml", yaml, -1, h, r) < 0)
        return -1;
    return r->status;
}

static void test_catalog_import(void)
{
    char cookie[256], csrf[128], yaml[2048], t[64], path[256], want[256];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "imp%d%c", (int)getpid(), sfx);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(yaml, sizeof(yaml),
             "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: %s\nspec:\n  type: team\n"
             "---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-web\n  tags: [web]\n"
             "spec:\n  type: website\n  lifecycle: production\n  owner: %s\n  dependsOn: [component:%s-api]\n"
             "---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-api\n"
             "spec:\n  type: service\n  lifecycle: production\n  owner: %s\n", t, t, t, t, t, t);
    /* dry run: the diff, and nothing stored */
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "?dry_run=true", yaml, &r), 200);
    snprintf(want, sizeof(want), "\"dry_run\":true,\"added\":[\"group:default/%s\",\"component:default/%s-web\","
                                 "\"component:default/%s-api\"],\"changed\":[]", t, t, t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-web", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    /* a dry_run that is neither true nor false is refused, and imports nothing (it was taken for
     * "no": dry_run=yes stored everything) */
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "?dry_run=yes", yaml, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(r.body && strstr(r.body, "\"dry_run\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    /* applied; again: unchanged; one document changed: changed */
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"dry_run\":false"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"added\":[],\"changed\":[],\"removed\":[],\"unchanged\":3"));
    resp_free(&r);
    char *tags = strstr(yaml, "tags: [web]");
    CU_ASSERT_PTR_NOT_NULL_FATAL(tags);
    memcpy(tags, "tags: [ui] ", 11);
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    snprintf(want, sizeof(want), "\"changed\":[\"component:default/%s-web\"]", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* the relation stored both ways: the api is a dependency of the web site, resolved */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-api/relations", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(want, sizeof(want), "{\"type\":\"dependencyOf\",\"target\":\"component:default/%s-web\",\"dangling\":false,\"hidden\":false}", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* malformed YAML: 400 with where; a bad field: 422 under its document; nothing applied */
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", "kind: Component\nmetadata: [unclosed\n", &r), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "YAML line "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, ", column "));
    resp_free(&r);
    snprintf(yaml, sizeof(yaml),
             "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: %s-new}\n"
             "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: -bad-}\nspec: {owner: %s}\n", t, t);
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", yaml, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "documents/1/metadata/name"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/group/default/%s-new", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    /* ?invalid=skip, a migration's mode: the valid applied, the invalid listed with its errors */
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "?invalid=maybe", yaml, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "?invalid=skip", yaml, &r), 200);
    json_object *ans = json_tokener_parse(r.body), *refused = jpath(ans, "refused");
    snprintf(want, sizeof(want), "group:default/%s-new", t);
    CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(jpath(ans, "added"), 0)), want);
    CU_ASSERT_EQUAL(refused ? json_object_array_length(refused) : 0, 1);
    json_object *one = json_object_array_get_idx(refused, 0);
    CU_ASSERT_EQUAL(jint(one, "document"), 1);
    CU_ASSERT_STRING_EQUAL(jstr(one, "ref"), "Component:default/-bad-");
    CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(jpath(one, "errors"), 0), "field"), "metadata/name");
    json_object_put(ans);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    /* skipping, a repeated document is refused, the first kept (a dry run: nothing stays) */
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: %s-new}\n"
                                 "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: %s-new}\n", t, t);
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "?invalid=skip&dry_run=true", yaml, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"added\":[\"group:default/"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"refused\":[{\"document\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "repeats document 0"));
    resp_free(&r);
    /* aliases are refused (a small file must not become a huge tree) */
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", "a: &x [1, 2]\nb: *x\n", &r), 400);
    resp_free(&r);
    /* deeply nested, more documents than an import holds, more bytes than it may have: each
     * refused with what the limit is, nothing applied */
    char *big = malloc(IMPORT_MAX_BYTES + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    snprintf(big, 400, "metadata:\n  name: %s-deep\n  x: ", t);
    size_t at = strlen(big);
    for (int i = 0; i < 100; i++)
        big[at++] = '[';
    memset(big + at, ']', 100);
    big[at + 100] = 0;
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", big, &r), 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "nested deeper than an import may be"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "YAML line 3"));
    resp_free(&r);
    at = 0;
    for (int i = 0; i <= 20000; i++)
        at += (size_t)sprintf(big + at, "--- {}\n");
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", big, &r), 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "more documents than an import may hold"));
    resp_free(&r);
    memset(big, ' ', IMPORT_MAX_BYTES + 1);
    big[IMPORT_MAX_BYTES + 1] = 0;
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", big, &r), 413);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "body-too-large"));
    resp_free(&r);
    free(big);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-deep", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);

    /* Search: words, facets, pages; what a user may read is part of the query, so two users of
     * different teams count differently. */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"kind\":{\"Component\":2,\"Group\":1}"));
    resp_free(&r);
    /* tags and "mine" are facets too: the web site's tag was changed from web to ui above, and
     * the admin is in none of the team's members */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":0,\"false\":3}"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&tag=ui", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":1"));
    snprintf(want, sizeof(want), "\"ref\":\"component:default/%s-web\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&tag=web", t);   /* the old tag is gone */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    resp_free(&r);
    /* without words the database counts: the same facets */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":0,\"false\":2}"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s&tag=ui", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities?tag=Not%20a%20tag", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities?mine=perhaps", &r), 422);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&kind=component&limit=1", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    json_object *o = json_tokener_parse(r.body);
    const char *next = o ? jstr(o, "next_cursor") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(next);
    snprintf(want, sizeof(want), "component:default/%s-api", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));   /* the first page's one row; the cursor is opaque */
    CU_ASSERT_STRING_NOT_EQUAL(next, want);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s&kind=component&limit=1&cursor=%s", t, next);
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(want, sizeof(want), "\"ref\":\"component:default/%s-web\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"next_cursor\":null"));
    resp_free(&r);
    char ua[64], ub[64], body[512], ca[256], xa[128], cb[256], xb[128], pw[96];
    snprintf(ua, sizeof(ua), "srcha%d%c", (int)getpid(), sfx);
    snprintf(ub, sizeof(ub), "srchb%d%c", (int)getpid(), sfx);
    const char *users[] = { ua, ub }, *teams[] = { t, "nobody-owns-this" };
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s-password-1\"}", users[i], users[i]);
        CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
        long long uid = created_id(&r);
        resp_free(&r);
        if (i == 0) {   /* a member of the team (for mine=true) */
            snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t);
            CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
            resp_free(&r);
            snprintf(body, sizeof(body), "/api/v1/iam/teams/%s/members/%lld", t, uid);
            CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "PUT", body, NULL, &r), 200);
            resp_free(&r);
        }
        snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\","
                                     "\"scope_type\":\"%s\",\"scope_id\":\"%s\"}", users[i], i == 0 ? "team" : "entity",
                 i == 0 ? teams[0] : "component:default/elsewhere");
        CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
        resp_free(&r);
    }
    snprintf(pw, sizeof(pw), "%s-password-1", ua);
    CU_ASSERT_EQUAL_FATAL(login(ua, pw, ca, sizeof(ca), xa, sizeof(xa)), 200);
    snprintf(pw, sizeof(pw), "%s-password-1", ub);
    CU_ASSERT_EQUAL_FATAL(login(ub, pw, cb, sizeof(cb), xb, sizeof(xb)), 200);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":3"));          /* the team's two components and its own Group */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"kind\":{\"Component\":2,\"Group\":1}"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cb, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"items\":[]"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?mine=true&q=%s", t);   /* owned by my teams */
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":3,\"false\":0}"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?mine=false&q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?owner=group:default/%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(ca, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"mine\":{\"true\":2,\"false\":0}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{\"ui\":1}"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cb, path, &r), 200);               /* nothing of it readable */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tag\":{}"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/entities?kind=widget", &r), 422);
    resp_free(&r);

    /* The graph: a -> b -> c -> a is a cycle, c also depends on a resource not in the catalog. */
    snprintf(yaml, sizeof(yaml),
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s-a}\n"
             "spec: {owner: %s, dependsOn: [component:%s-b]}\n---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s-b}\n"
             "spec: {owner: %s, dependsOn: [component:%s-c]}\n---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s-c}\n"
             "spec: {owner: %s, dependsOn: [component:%s-a, resource:%s-missing]}\n", t, t, t, t, t, t, t, t, t, t);
    CU_ASSERT_EQUAL_FATAL(import_yaml(cookie, csrf, "", yaml, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-a/graph?depth=6", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    json_object *nodes = o ? json_object_object_get(o, "nodes") : NULL, *edges = o ? json_object_object_get(o, "edges") : NULL;
    CU_ASSERT_EQUAL(nodes ? json_object_array_length(nodes) : 0, 4);
    CU_ASSERT_EQUAL(edges ? json_object_array_length(edges) : 0, 4);
    int cycles = 0, dangling = 0;
    for (size_t i = 0; edges && i < json_object_array_length(edges); i++)
        cycles += json_object_get_boolean(json_object_object_get(json_object_array_get_idx(edges, i), "cycle"));
    for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++)
        dangling += json_object_get_boolean(json_object_object_get(json_object_array_get_idx(nodes, i), "dangling"));
    CU_ASSERT_EQUAL(cycles, 1);      /* c -> a closes it */
    CU_ASSERT_EQUAL(dangling, 1);    /* the missing resource, kept */
    json_object_put(o);
    resp_free(&r);
    /* upstream from c: what breaks if it goes down (b at depth 1, a at 2) */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c/graph?direction=upstream&depth=2", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(want, sizeof(want), "{\"ref\":\"component:default/%s-b\",\"depth\":1", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    snprintf(want, sizeof(want), "{\"ref\":\"component:default/%s-a\",\"depth\":2", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* bounds; and not readable (refused in words), not there */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-a/graph?depth=7", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 422);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-a/graph", t);
    CU_ASSERT_EQUAL(get_as(cb, path, &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-none/graph", t);
    CU_ASSERT_EQUAL(get_as(cb, path, &r), 404);
    resp_free(&r);
    /* explain with resource=: the owner's team comes from the catalog */
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&resource=component:default/%s-a", ua, t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    snprintf(want, sizeof(want), "\"team\":\"%s\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&resource=component:default/%s-a", ub, t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":false"));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/iam/explain?user=admin&permission=catalog.entity.read&resource=not-a-ref", &r), 422);
    resp_free(&r);

    /* Export: YAML as stored; importing it changes nothing (6 entities: group, web, api, a, b, c) */
    snprintf(path, sizeof(path), "/api/v1/catalog/export?q=%s", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_TRUE(header_is(&r, "Content-Type", "application/yaml"));
    char *exported = strdup(r.body);
    resp_free(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(exported);
    CU_ASSERT_EQUAL(import_yaml(cookie, csrf, "", exported, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"added\":[],\"changed\":[],\"removed\":[],\"unchanged\":6"));
    resp_free(&r);
    free(exported);
    snprintf(path, sizeof(path), "/api/v1/catalog/export?q=%s&format=json", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cb, path, &r), 200);   /* nothing of it is the other user's to read */
    CU_ASSERT_STRING_EQUAL(r.body, "[]");
    resp_free(&r);
    (void)xa;
    (void)xb;
}



/* ---- catalog locations (synced by the runner) and discovery --------------------------------- */


static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* The location's member as a string, read again from the API. */
static const char *location_field(const char *cookie, long long id, const char *member, char *out, size_t len)
{
    char path[128];
    struct resp r;
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", id);
    out[0] = '\0';
    if (get_as(cookie, path, &r) == 200) {
        json_object *o = json_tokener_parse(r.body), *v;
        if (o && json_object_object_get_ex(o, member, &v))
            snprintf(out, len, "%s", json_object_get_string(v));
        json_object_put(o);
    }
    resp_free(&r);
    return out;
}

/* A catalog file: a Group and n Components owned by it (names <t>-c0..), c0 depending on a
 * resource that is not in the catalog. */
static void location_yaml(char *buf, size_t len, const char *t, int n, const char *title)
{
    size_t o = (size_t)snprintf(buf, len, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: %s\n"
                                          "spec:\n  type: team\n", t);
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o,
                              "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-c%d\n"
                              "  title: %s\nspec:\n  type: service\n  lifecycle: production\n  owner: %s\n%s",
                              t, i, title, t, i == 0 ? "  dependsOn: [resource:gone-db]\n" : "");
}

/* A one-shot HTTP server on loopback for URL locations: answers each of n connections with
 * status and body, then exits. Returns its port (the child runs until served or killed). */
static int serve_once(int n, int status, const char *body, pid_t *pid)
{
    int port, s = loopback_listen(4, &port);
    if (s < 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        for (int i = 0; i < n; i++) {
            int c = accept(s, NULL, NULL);
            if (c < 0)
                _exit(1);
            char req[4096], head[256];
            loopback_read_request(c, req, sizeof(req));
            int hl = snprintf(head, sizeof(head), "HTTP/1.0 %d X\r\nContent-Type: application/yaml\r\n"
                                                  "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
            if (write(c, head, (size_t)hl) < 0 || write(c, body, strlen(body)) < 0)
                _exit(1);
            close(c);
        }
        _exit(0);
    }
    close(s);
    return port;
}

static void test_catalog_locations(void)
{
    const char *dir = getenv("PORTICO_TEST_LOCATIONS");
    char cookie[256], csrf[128], t[64], file[512], body[1536], path[512], buf[1024], out[8192];
    static char yaml[16384];
    struct resp r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "loc%d%c", (int)getpid(), sfx);
    snprintf(file, sizeof(file), "%s/%s.yaml", dir, t);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    location_yaml(yaml, sizeof(yaml), t, 5, "first");
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);

    /* what may not be registered: outside the roots, relative, credentials in a URL, unknown type */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"file\",\"target\":\"/etc/passwd\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog_location_roots"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"file\",\"target\":\"catalog-info.yaml\"}", &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"url\",\"target\":\"https://user:secret@example.com/c.yaml\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "credentials"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations",
                                 "{\"type\":\"ftp\",\"target\":\"ftp://x/y\"}", &r), 422);
    resp_free(&r);

    /* registered: pending until the runner reads it */
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"%s\",\"interval_seconds\":3600}", file);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long id = created_id(&r);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"pending\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 409);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "6");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c1", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(buf, sizeof(buf), "\"location\":%lld,\"orphaned_at\":null", id);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    resp_free(&r);
    /* the file, not the catalog, is where a location's entities change */
    component_json(body, sizeof(body), "x", t, "resource:default/x");
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s-c1\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}", t, t);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "PUT", path, body, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "comes from location"));
    resp_free(&r);

    /* one of six gone (under the 20% guard) and one changed: synced, the gone one an orphan */
    location_yaml(yaml, sizeof(yaml), t, 4, "second");
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld/sync", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "orphans", buf, sizeof(buf)), "1");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "last_changed", buf, sizeof(buf)), "4");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities?orphan=true&location=%lld", id);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(buf, sizeof(buf), "\"ref\":\"component:default/%s-c4\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"total\":1"));
    resp_free(&r);
    /* the report: the orphan, the dangling dependency, and a Group without a Portico team */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/catalog/report", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    snprintf(buf, sizeof(buf), "{\"source\":\"component:default/%s-c0\",\"type\":\"dependsOn\",\"target\":\"resource:default/gone-db\",\"hidden\":false}", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    snprintf(buf, sizeof(buf), "\"group:default/%s\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, buf));
    resp_free(&r);

    /* the deletion guard: an emptied file changes nothing and says why */
    CU_ASSERT_EQUAL_FATAL(write_text(file, ""), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld/sync", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "guarded");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, id, "message", buf, sizeof(buf)), "nothing was changed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "5 of the location's 5"));
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "5");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c1", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"orphaned_at\":null"));
    resp_free(&r);
    /* a broken file changes nothing either, and names the line */
    CU_ASSERT_EQUAL_FATAL(write_text(file, "kind: Component\nmetadata: [unclosed\n"), 0);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld/sync", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "error");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, id, "message", buf, sizeof(buf)), "line"));
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "5");
    /* nothing waits for a confirmation now; after an emptied file, a confirmation lets exactly that go */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations/999999/sync?confirm=true", "", &r), 404);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(write_text(file, ""), 0);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "pending_removals", buf, sizeof(buf)), "5");
    snprintf(buf, sizeof(buf), "%s?confirm=true", path);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", buf, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "0");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "orphans", buf, sizeof(buf)), "6");
    snprintf(buf, sizeof(buf), "%s?confirm=true", path);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", buf, "", &r), 409);
    resp_free(&r);
    /* the file back: its entities are adopted again */
    location_yaml(yaml, sizeof(yaml), t, 5, "second");
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "", &r), 202);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "entities", buf, sizeof(buf)), "6");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, id, "orphans", buf, sizeof(buf)), "0");

    /* a git repository: the committed file is read, not the working tree */
    char repo[512], cmd[2048];
    snprintf(repo, sizeof(repo), "%s/%s-repo", dir, t);
    location_yaml(yaml, sizeof(yaml), t, 0, "git");      /* the Group alone... */
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: %s-git-api\n"
                                 "spec:\n  type: openapi\n  lifecycle: production\n  owner: %s\n  definition: x\n", t, t);
    snprintf(cmd, sizeof(cmd), "mkdir -p %s/sub && cd %s && git init -q && git config user.email t@example.com && "
                               "git config user.name t && cat > sub/catalog-info.yaml && git add sub && "
                               "git commit -qm one && echo 'broken: [' > sub/catalog-info.yaml && chmod -R a+rX %s",
             repo, repo, repo);
    FILE *g = popen(cmd, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    fputs(yaml, g);
    CU_ASSERT_EQUAL_FATAL(pclose(g), 0);
    snprintf(body, sizeof(body), "{\"type\":\"git\",\"target\":\"%s\",\"path\":\"sub/catalog-info.yaml\"}", repo);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long gid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"type\":\"git\",\"target\":\"%s\",\"path\":\"../etc/passwd\"}", repo);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 422);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, gid, "status", buf, sizeof(buf)), "ok");
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/api/default/%s-git-api", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    resp_free(&r);

    /* a URL: read over HTTP; an upstream that fails is an error that changes nothing */
    pid_t srv;
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: %s-url-db\n"
                                 "spec:\n  type: database\n  owner: %s\n", t, t);
    int port = serve_once(1, 200, yaml, &srv);
    CU_ASSERT_TRUE_FATAL(port > 0);
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:%d/catalog-info.yaml\"}", port);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long uid = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    waitpid(srv, NULL, 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, uid, "status", buf, sizeof(buf)), "ok");
    CU_ASSERT_STRING_EQUAL(location_field(cookie, uid, "entities", buf, sizeof(buf)), "1");
    port = serve_once(1, 500, "oops", &srv);
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld", uid);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"type\":\"url\",\"target\":\"http://127.0.0.1:%d/catalog-info.yaml\"}", port);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    uid = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    waitpid(srv, NULL, 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, uid, "status", buf, sizeof(buf)), "error");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, uid, "message", buf, sizeof(buf)), "answered 500"));
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/resource/default/%s-url-db", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);      /* kept, an orphan of a deleted location */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"location\":null"));
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"orphaned_at\":null"));
    resp_free(&r);

    /* a team's location brings only that team's entities */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(file, sizeof(file), "%s/%s-team.yaml", dir, t);
    snprintf(yaml, sizeof(yaml), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s-stranger\n"
                                 "spec:\n  type: service\n  lifecycle: production\n  owner: somebody-else\n", t);
    CU_ASSERT_EQUAL_FATAL(write_text(file, yaml), 0);
    snprintf(body, sizeof(body), "{\"type\":\"file\",\"target\":\"%s\",\"team\":\"%s\"}", file, t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/catalog/locations", body, &r), 201);
    long long tid = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(location_field(cookie, tid, "status", buf, sizeof(buf)), "error");
    CU_ASSERT_PTR_NOT_NULL(strstr(location_field(cookie, tid, "message", buf, sizeof(buf)), "is not owned by team"));

    /* deleting a location with its entities: each deleted, audited */
    snprintf(path, sizeof(path), "/api/v1/catalog/locations/%lld?entities=delete", id);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"entities_deleted\":6"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s-c1", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=%lld&limit=50", id);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.create"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.guard"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.confirm"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.sync"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.location.delete"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=component:default/%s-c4&limit=50", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.orphan"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.delete"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=component:default/%s-c1&limit=50", t);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.entity.adopt"));     /* orphaned, then back unchanged */
    resp_free(&r);
}


static void test_catalog_discovery(void)
{
    char cookie[256], csrf[128], t[64], u[64], pw[96], ucookie[256], ucsrf[128], body[1024], base[256], path[512];
    char out[4096], order1[1024], order2[1024];
    struct resp r;
    long st;
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "disc%d%c", (int)getpid(), sfx);
    snprintf(u, sizeof(u), "discdev%d%c", (int)getpid(), sfx);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(base, sizeof(base), "/api/v1/catalog/entities/component/default/%s-svc", t);
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s-svc\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}", t, t);
    CU_ASSERT_EQUAL_FATAL(session_req(cookie, csrf, "PUT", base, body, NULL, &r), 201);
    resp_free(&r);
    /* a developer of the owning team registers, with a token as CI would */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\",\"scope_type\":\"team\","
                                 "\"scope_id\":\"%s\"}", u, t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"ci\",\"scopes\":[\"catalog.instance.register\",\"catalog.entity.read\"],"
                                       "\"expires_in_days\":1}", &r), 201);
    json_object *o = json_tokener_parse(r.body);
    char tok[128], hauth[200];
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token"));
    json_object_put(o);
    resp_free(&r);
    snprintf(hauth, sizeof(hauth), "Authorization: Bearer %s", tok);
    const char *const bearer[] = { hauth, NULL };

    /* register: 201, again unchanged: 200 (a heartbeat) */
    static const char *const names[] = { "a-1:8080", "b-2:8080", "c-3:8080", "d-4:8080" };
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/instances/production/%s", base, names[i]);
        snprintf(body, sizeof(body), "{\"url\":\"http://10.0.0.%d:8080\",\"version\":\"1.%d\",\"region\":\"eu\","
                                     "\"metadata\":{\"zone\":\"z%d\"},\"ttl_seconds\":%d}", i + 1, i, i, i == 0 ? 2 : 600);
        CU_ASSERT_EQUAL(request("PUT", path, "application/json", body, -1, bearer, &r), 0);
        CU_ASSERT_EQUAL(r.status, 201);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(request("PUT", path, "application/json", body, -1, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"passing\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/staging/s-1", base);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"https://staging.example/\"}", NULL, &r), 201);
    resp_free(&r);
    /* bad input */
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"ftp://x\",\"ttl_seconds\":0}", NULL, &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"url\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "ttl_seconds"));
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/Not_An_Env/x", base);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"http://x\"}", NULL, &r), 404);
    resp_free(&r);
    /* discover: the passing ones, each caller's order stable */
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production", t);
    o = get_json(cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *eps = NULL;
    CU_ASSERT_TRUE_FATAL(o && json_object_object_get_ex(o, "endpoints", &eps));
    CU_ASSERT_EQUAL(json_object_array_length(eps), 4);
    snprintf(order1, sizeof(order1), "%s", json_object_to_json_string(eps));
    json_object_put(o);
    o = get_json(cookie, path, &st);
    json_object_object_get_ex(o, "endpoints", &eps);
    snprintf(order2, sizeof(order2), "%s", json_object_to_json_string(eps));
    CU_ASSERT_STRING_EQUAL(order1, order2);
    json_object_put(o);
    int differs = 0;   /* seeds spread callers: of a few seeds, some order differs */
    for (int s = 0; s < 8; s++) {
        snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production&seed=s%d", t, s);
        o = get_json(cookie, path, &st);
        json_object_object_get_ex(o, "endpoints", &eps);
        differs += strcmp(order1, json_object_to_json_string(eps)) != 0;
        json_object_put(o);
    }
    CU_ASSERT_TRUE(differs > 0);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/catalog/discover/nothing-here?environment=production", &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 422);
    resp_free(&r);

    /* a missed TTL: critical, and gone from discover; a heartbeat brings it back */
    sleep(3);
    snprintf(path, sizeof(path), "%s/instances", base);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"instance\":\"a-1:8080\",\"url\":\"http://10.0.0.1:8080\",\"version\":\"1.0\","
                                          "\"region\":\"eu\",\"metadata\":{\"zone\":\"z0\"},\"ttl_seconds\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"critical\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "a-1:8080"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "b-2:8080"));
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/production/a-1:8080/heartbeat", base);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/catalog/discover/%s-svc?environment=production", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "a-1:8080"));
    resp_free(&r);

    /* the runner deregisters what stayed critical past its deregister time, audited */
    snprintf(path, sizeof(path), "%s/instances/production/short-lived", base);
    CU_ASSERT_EQUAL(session_req(ucookie, ucsrf, "PUT", path, "{\"url\":\"http://x:1\",\"ttl_seconds\":1,"
                                                             "\"deregister_seconds\":1}", NULL, &r), 201);
    resp_free(&r);
    sleep(3);
    CU_ASSERT_EQUAL(runner_pass(out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "deregistered"));
    snprintf(path, sizeof(path), "%s/instances", base);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "short-lived"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "b-2:8080"));     /* critical, but not yet for its deregister time */
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/production/short-lived/heartbeat", base);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=component:default/%s-svc/production/short-lived&limit=10", t);
    CU_ASSERT_EQUAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "catalog.instance.register"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"actor_type\":\"runner\""));
    resp_free(&r);

    /* deregister by hand; someone of another team may not register */
    snprintf(path, sizeof(path), "%s/instances/production/b-2:8080", base);
    CU_ASSERT_EQUAL(request("DELETE", path, NULL, NULL, 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(request("DELETE", path, NULL, NULL, 0, bearer, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    char other[64];
    snprintf(other, sizeof(other), "discx%d%c", (int)getpid(), sfx);
    CU_ASSERT_EQUAL_FATAL(make_user(other, "developer"), 0);   /* a developer everywhere, but... */
    snprintf(body, sizeof(body), "%s-password-1", other);
    char ocookie[256], ocsrf[128];
    CU_ASSERT_EQUAL_FATAL(login(other, body, ocookie, sizeof(ocookie), ocsrf, sizeof(ocsrf)), 200);
    snprintf(path, sizeof(path), "/api/v1/iam/policies");
    snprintf(body, sizeof(body), "{\"name\":\"%s-own\",\"permission\":\"catalog.instance.register\",\"conditions\":"
                                 "{\"owner\":\"%s\"},\"require_owner\":true}", t, t);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, body, &r), 201);
    long long pol = created_id(&r);
    resp_free(&r);
    snprintf(path, sizeof(path), "%s/instances/production/intruder", base);
    CU_ASSERT_EQUAL(session_req(ocookie, ocsrf, "PUT", path, "{\"url\":\"http://evil:1\"}", NULL, &r), 403);  /* ...not its owner */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "policy"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/policies/%lld", pol);
    CU_ASSERT_EQUAL(session_req(cookie, csrf, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
}

/* ---- the authorization matrix: every route of every handler, for every built-in role -------- */

void catalog_tests(CU_pSuite transport, CU_pSuite area)
{
    ADD(area, "catalog: entities, ETag and If-Match, owners' teams, relations", test_catalog_entities);
    ADD(transport, "catalog import: YAML, dry run, unchanged and changed, all or nothing", test_catalog_import);
    ADD(area, "catalog locations: file, git, URL; orphans, the deletion guard, teams", test_catalog_locations);
    ADD(area, "catalog discovery: register, TTL to critical, discover, runner deregisters", test_catalog_discovery);
}
