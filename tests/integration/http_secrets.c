/*
 * Integration suite, secrets, and the authorization matrix: every route, anonymously and as each role.
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

struct matrix_id {
    const char *role;          /* NULL: anonymous */
    char user[64];
    json_object *perms;        /* the role's permissions, from /iam/roles */
};

static bool role_holds(const struct matrix_id *id, const char *perm)
{
    for (size_t i = 0; id->perms && i < json_object_array_length(id->perms); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(id->perms, i)), perm) == 0)
            return true;
    return false;
}

/* The route's path with every {param} replaced by a value that names nothing real, so that an
 * allowed mutation finds nothing to change (404) or nothing valid to do (422). */
/* ---- secrets ---------------------------------------------------------------------------------- */

/* A user bound with role on team (scope team), logged in: cookie and CSRF token. */
static void secrets_user(const char *acookie, const char *acsrf, const char *user, const char *role, const char *team,
                         char *cookie, size_t clen, char *csrf, size_t xlen)
{
    char body[512], pw[96];
    struct resp r;
    snprintf(pw, sizeof(pw), "%s-password-1", user);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\",\"scope_type\":\"team\","
                                 "\"scope_id\":\"%s\"}", user, role, team);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(user, pw, cookie, clen, csrf, xlen), 200);
}

static void test_secrets(void)
{
    char acookie[256], acsrf[128], mc[256], mx[128], dc[256], dx[128], oc[256], ox[128];
    char t[64], o[64], u[64], path[512], body[1024], canary[64], want[512];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(t, sizeof(t), "sec%d%c", (int)getpid(), sfx);
    snprintf(o, sizeof(o), "seco%d%c", (int)getpid(), sfx);
    snprintf(canary, sizeof(canary), "canary-%d-%c-%ld", (int)getpid(), sfx, (long)time(NULL));
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)), 200);
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? o : t);
        CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r), 201);
        resp_free(&r);
    }
    snprintf(u, sizeof(u), "%s-m", t);   /* a maintainer of the team: writes, reveals, destroys */
    secrets_user(acookie, acsrf, u, "maintainer", t, mc, sizeof(mc), mx, sizeof(mx));
    snprintf(u, sizeof(u), "%s-d", t);   /* a developer of the team: writes, does not reveal */
    secrets_user(acookie, acsrf, u, "developer", t, dc, sizeof(dc), dx, sizeof(dx));
    snprintf(u, sizeof(u), "%s-m", o);   /* a maintainer of another team: sees nothing here */
    secrets_user(acookie, acsrf, u, "maintainer", o, oc, sizeof(oc), ox, sizeof(ox));

    /* the first version; metadata never holds the value */
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/prod/stripe-key", t);
    snprintf(body, sizeof(body), "{\"value\":\"%s\",\"cas\":0}", canary);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "PUT", path, body, &r), 201);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":1"));
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"value\":\"second-%s\",\"cas\":0}", canary);   /* cas 0: must be new */
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, body, &r), 409);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"value\":\"second-%s\",\"cas\":1}", canary);
    CU_ASSERT_EQUAL(post_session(dc, dx, "PUT", path, body, &r), 200);        /* a developer writes */
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":2"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, body, &r), 409);        /* cas 1 is stale now */
    resp_free(&r);
    /* fewer versions kept drops versions for good: a developer may not, a maintainer may */
    snprintf(body, sizeof(body), "{\"value\":\"third-%s\",\"max_versions\":5}", canary);
    CU_ASSERT_EQUAL(post_session(dc, dx, "PUT", path, body, &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.secret.destroy"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL_FATAL(get_as(dc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"current_version\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"environment\":\"prod\""));
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);

    /* reveal: the current version, or one named; a developer may not; another team sees nothing */
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    snprintf(want, sizeof(want), "\"version\":2,\"encoding\":\"utf-8\",\"value\":\"second-%s\"", canary);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 200);
    snprintf(want, sizeof(want), "\"value\":\"%s\"", canary);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    /* From here on no answer but a reveal may hold it, and dev.sh searches every log and the
     * database's files for it after the run (the canaries file). It is used, the way a leaked
     * value would be tried: as a password and as a bearer token. */
    snprintf(canary_watch, sizeof(canary_watch), "%s", canary);
    const char *state = getenv("PORTICO_STATE");
    if (state) {
        char cf[512];
        snprintf(cf, sizeof(cf), "%s/canaries", state);
        FILE *cfile = fopen(cf, "a");
        CU_ASSERT_PTR_NOT_NULL(cfile);
        if (cfile) {
            fprintf(cfile, "%s\n", canary);
            fclose(cfile);
        }
    }
    {
        char lb[256], bh[200];
        snprintf(lb, sizeof(lb), "{\"username\":\"%s-m\",\"password\":\"%s\"}", t, canary);
        CU_ASSERT_EQUAL(request("POST", "/api/v1/auth/login", "application/json", lb, -1, NULL, &r), 0);
        CU_ASSERT_EQUAL(r.status, 401);
        resp_free(&r);
        snprintf(bh, sizeof(bh), "Authorization: Bearer %s", canary);
        const char *const hh[] = { bh, NULL };
        CU_ASSERT_EQUAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, hh, &r), 0);
        CU_ASSERT_EQUAL(r.status, 401);
        resp_free(&r);
    }
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, NULL, &r), 403);
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(oc, ox, "POST", path, NULL, &r), 403);   /* another team's scope: refused in words */
    snprintf(want, sizeof(want), "\"detail\":\"you can't read team %s's secrets", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(get_as(oc, path, &r), 403);
    resp_free(&r);
    /* that refusal is in the audit log */
    snprintf(want, sizeof(want), "/api/v1/audit/events?action=http.denied&target=/api/v1/secrets/metadata/team/%s/prod/stripe-key"
                                 "&limit=5", t);
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, want, &r), 200);
    snprintf(want, sizeof(want), "%s-m", o);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":403"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(oc, ox, "PUT", path, "{\"value\":\"x\"}", &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=team/%s/", t);
    CU_ASSERT_EQUAL_FATAL(get_as(mc, path, &r), 200);
    snprintf(want, sizeof(want), "\"path\":\"team/%s/prod/stripe-key\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(oc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"items\":[]"));
    resp_free(&r);

    /* soft delete, undelete, destroy */
    snprintf(path, sizeof(path), "/api/v1/secrets/delete/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, "{\"versions\":[1]}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 410);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/undelete/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, "{\"versions\":[1]}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/destroy/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(dc, dx, "POST", path, "{\"versions\":[1]}", &r), 403);   /* maintainers destroy */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"versions\":[1]}", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"changed\":1"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 410);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "destroyed"));
    resp_free(&r);

    /* bytes as base64; the oldest versions go past max_versions */
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/blob", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, "{\"value_base64\":\"AAEC/w==\",\"max_versions\":2}", &r), 201);
    resp_free(&r);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, "{\"value_base64\":\"AAEC/w==\"}", &r), 200);
        resp_free(&r);
    }
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/blob", t);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":3,\"encoding\":\"base64\",\"value\":\"AAEC/w==\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, "{\"version\":1}", &r), 404);      /* pruned */
    resp_free(&r);

    /* refusals: a malformed path, a team that does not exist, a value too large */
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", "/api/v1/secrets/data/team/x", "{\"value\":\"v\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"path\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(acookie, acsrf, "PUT", "/api/v1/secrets/data/team/no-such-team-here/k", "{\"value\":\"v\"}", &r),
                    422);
    resp_free(&r);
    char *big = malloc(70000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    int n = sprintf(big, "{\"value\":\"");
    memset(big + n, 'a', 65537);
    strcpy(big + n + 65537, "\"}");
    snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/big", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, big, &r), 422);
    resp_free(&r);
    free(big);

    /* an entity's secrets: its owner team's (the maintainer), and whoever is bound on the entity
     * (a developer of the other team bound on it writes there, and nowhere else of ours); a
     * global viewer reads metadata everywhere and nothing more */
    char ename[64], epath[512];
    snprintf(ename, sizeof(ename), "svc-%s", t);
    snprintf(epath, sizeof(epath), "/api/v1/catalog/entities/component/default/%s", ename);
    CU_ASSERT_EQUAL_FATAL(session_req(acookie, acsrf, "PUT", epath, component_json(body, sizeof(body), ename, t, "resource:default/x"),
                                      NULL, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(post_session(mc, mx, "PUT", path, "{\"value\":\"entity value\"}", &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(oc, ox, "PUT", path, "{\"value\":\"not theirs\"}", &r), 403);
    resp_free(&r);
    char eu[64], ec[256], ex[128], vu[64], vc[256], vx[128];
    snprintf(eu, sizeof(eu), "%s-e", o);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s-password-1\"}", eu, eu);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\","
                                 "\"scope_type\":\"entity\",\"scope_id\":\"component:default/%s\"}", eu, ename);
    CU_ASSERT_EQUAL_FATAL(post_session(acookie, acsrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "%s-password-1", eu);
    CU_ASSERT_EQUAL_FATAL(login(eu, body, ec, sizeof(ec), ex, sizeof(ex)), 200);
    CU_ASSERT_EQUAL(post_session(ec, ex, "PUT", path, "{\"value\":\"entity value 2\",\"cas\":1}", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(post_session(ec, ex, "POST", path, NULL, &r), 403);           /* developers do not reveal */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"value\":\"entity value 2\""));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(get_as(ec, path, &r), 403);                                     /* not the team's */
    resp_free(&r);
    /* the list says the same: the owner team's maintainer and the developer bound on the entity
     * see it, the other team does not */
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=entity/component/default/%s/", ename);
    snprintf(want, sizeof(want), "\"path\":\"entity/component/default/%s/db-password\"", ename);
    CU_ASSERT_EQUAL_FATAL(get_as(mc, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(ec, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(oc, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/entity/component/default/no-such-%s/k", t);
    CU_ASSERT_EQUAL(post_session(acookie, acsrf, "PUT", path, "{\"value\":\"v\"}", &r), 422);   /* no such entity */
    resp_free(&r);
    snprintf(vu, sizeof(vu), "%s-v", t);
    CU_ASSERT_EQUAL_FATAL(make_user(vu, "viewer"), 0);
    snprintf(body, sizeof(body), "%s-password-1", vu);
    CU_ASSERT_EQUAL_FATAL(login(vu, body, vc, sizeof(vc), vx, sizeof(vx)), 200);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(get_as(vc, path, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/entity/component/default/%s/db-password", ename);
    CU_ASSERT_EQUAL(post_session(vc, vx, "PUT", path, "{\"value\":\"x\"}", &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(vc, vx, "POST", path, NULL, &r), 403);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/destroy/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(vc, vx, "POST", path, "{\"versions\":[2]}", &r), 403);
    resp_free(&r);

    /* the master key file gone: 503 and a log line, never garbage; back: served again */
    const char *st = getenv("PORTICO_STATE");
    char key[512], moved[520];
    snprintf(key, sizeof(key), "%s/master.key", st ? st : "/nonexistent");
    snprintf(moved, sizeof(moved), "%s.away", key);
    CU_ASSERT_EQUAL_FATAL(rename(key, moved), 0);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 503);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets-unavailable"));
    CU_ASSERT_PTR_NOT_NULL(header(&r, "Retry-After", body, sizeof(body)));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(rename(moved, key), 0);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* a token limited to one path prefix (a CI job's): that subtree and nothing else */
    snprintf(body, sizeof(body), "{\"name\":\"ci\",\"scopes\":[\"secrets.reveal\",\"secrets.secret.read\"],"
                                 "\"expires_in_days\":1,\"secret_paths\":[\"team/%s/prod\"]}", t);
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *tok = json_tokener_parse(r.body);
    char bearer[200];
    snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", tok ? jstr(tok, "token") : "none");
    snprintf(want, sizeof(want), "\"secret_paths\":[\"team/%s/prod\"]", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    json_object_put(tok);
    resp_free(&r);
    const char *const bh[] = { bearer, NULL };
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bh, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/blob", t);
    CU_ASSERT_EQUAL(request("POST", path, NULL, "", 0, bh, &r), 0);
    CU_ASSERT_EQUAL(r.status, 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=team/%s/", t);
    CU_ASSERT_EQUAL(request("GET", path, NULL, NULL, 0, bh, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    snprintf(want, sizeof(want), "\"path\":\"team/%s/prod/stripe-key\"", t);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    snprintf(want, sizeof(want), "\"path\":\"team/%s/blob\"", t);
    CU_ASSERT_PTR_NULL(strstr(r.body, want));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", "/api/v1/auth/tokens",
                                 "{\"name\":\"bad\",\"scopes\":[\"secrets.reveal\"],\"expires_in_days\":1,"
                                 "\"secret_paths\":[\"/team\",\"a//b\"]}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secret_paths/0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secret_paths/1"));
    resp_free(&r);

    /* audited: writes and reveals, by path and version, never the value */
    snprintf(path, sizeof(path), "/api/v1/audit/events?target=team/%s/prod/stripe-key&limit=50", t);
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.write"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.reveal"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "secrets.destroy"));
    CU_ASSERT_PTR_NULL(strstr(r.body, canary));
    resp_free(&r);

    /* rotation while reveals run: every one answers, and the versions move to the new key */
    const char *admin = getenv("PORTICO_TEST_ADMIN"), *conf = getenv("PORTICO_CONFIG");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s rotate-master-key > /tmp/portico-rotate-%d.out 2>&1 &", conf, admin,
             (int)getpid());
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    int ok = 0;
    for (int i = 0; i < 40; i++) {
        if (post_session(mc, mx, "POST", path, NULL, &r) == 200)
            ok++;
        resp_free(&r);
        usleep(100000);
    }
    CU_ASSERT_EQUAL(ok, 40);
    snprintf(cmd, sizeof(cmd), "/tmp/portico-rotate-%d.out", (int)getpid());
    FILE *f = fopen(cmd, "r");
    char out[2048] = "";
    size_t got = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
    out[got] = 0;
    if (f)
        fclose(f);
    unlink(cmd);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "wrapped"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "dropped"));
    char newkey[64] = "";
    const char *nk = strstr(out, "new master key ");
    if (nk)
        sscanf(nk, "new master key %63s", newkey);
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL_FATAL(get_as(mc, path, &r), 200);
    snprintf(want, sizeof(want), "\"master_key\":\"%s\"", newkey);
    CU_ASSERT_TRUE(newkey[0] && strstr(r.body, want));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/prod/stripe-key", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* export: sealed whole (no value, no path in clear); a deleted secret comes back by import */
    char file[128];
    snprintf(file, sizeof(file), "/tmp/portico-export-%d-%c.json", (int)getpid(), sfx);
    unlink(file);
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s secrets export %s > /dev/null 2>&1", conf, admin, file);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    f = fopen(file, "r");
    static char exported[1 << 20];
    size_t elen = f ? fread(exported, 1, sizeof(exported) - 1, f) : 0;
    exported[elen] = 0;
    if (f)
        fclose(f);
    CU_ASSERT_TRUE(elen > 0);
    CU_ASSERT_PTR_NULL(strstr(exported, canary));
    CU_ASSERT_PTR_NULL(strstr(exported, t));
    CU_ASSERT_PTR_NOT_NULL(strstr(exported, "portico-secrets-export-1"));
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata/team/%s/blob", t);
    CU_ASSERT_EQUAL(session_req(mc, mx, "DELETE", path, NULL, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/secrets/reveal/team/%s/blob", t);
    CU_ASSERT_EQUAL(post_session(mc, mx, "POST", path, NULL, &r), 404);
    resp_free(&r);
    snprintf(cmd, sizeof(cmd), "PORTICO_CONFIG=%s %s secrets import %s 2>&1", conf, admin, file);
    FILE *imp = popen(cmd, "r");
    got = imp ? fread(out, 1, sizeof(out) - 1, imp) : 0;
    out[got] = 0;
    CU_ASSERT_EQUAL(imp ? pclose(imp) : -1, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "imported 1 secrets (2 versions)"));
    CU_ASSERT_EQUAL_FATAL(post_session(mc, mx, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"version\":3,\"encoding\":\"base64\",\"value\":\"AAEC/w==\""));
    resp_free(&r);
    /* an altered export is refused whole */
    char *mid = exported + elen / 2;
    *mid = *mid == 'A' ? 'B' : 'A';
    f = fopen(file, "w");
    if (f) {
        fputs(exported, f);
        fclose(f);
    }
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
    unlink(file);
}

static void matrix_path(const char *pattern, char *out, size_t len)
{
    size_t o = 0;
    for (const char *s = pattern; *s && o + 12 < len; s++) {
        if (*s == '{') {
            o += (size_t)snprintf(out + o, len - o, "999999999");
            s = strchr(s, '}');
            if (!s)
                break;
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* Last: since the canary was armed, no answer but a reveal carried it. */
static void test_canary_in_answers(void)
{
    CU_ASSERT_TRUE(canary_watch[0] != 0);
    CU_ASSERT_EQUAL(canary_leaks, 0);
}

static void test_authorization_matrix(void)
{
    const char *cgi = getenv("PORTICO_TEST_CGI");
    char dir[512], cmd[1024], cookie[256], csrf[128], acookie[256], acsrf[128];
    CU_ASSERT_PTR_NOT_NULL_FATAL(cgi);
    snprintf(dir, sizeof(dir), "%s", cgi);
    *strrchr(dir, '/') = '\0';

    /* every route of every handler, from the tables themselves */
    json_object *routes = json_object_new_array();
    snprintf(cmd, sizeof(cmd), "ls %s/*.fcgi", dir);
    FILE *ls = popen(cmd, "r");
    char bin[512];
    while (ls && fgets(bin, sizeof(bin), ls)) {
        bin[strcspn(bin, "\n")] = '\0';
        char rc[600];
        snprintf(rc, sizeof(rc), "%s --routes", bin);
        FILE *f = popen(rc, "r");
        static char buf[262144];
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        buf[n] = '\0';
        if (f)
            pclose(f);
        json_object *t = json_tokener_parse(buf);
        for (size_t i = 0; t && i < json_object_array_length(t); i++)
            json_object_array_add(routes, json_object_get(json_object_array_get_idx(t, i)));
        json_object_put(t);
    }
    if (ls)
        pclose(ls);
    CU_ASSERT_TRUE_FATAL(json_object_array_length(routes) >= 20);

    /* the roles, and one user per built-in role */
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)), 200);
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(get_as(acookie, "/api/v1/iam/roles", &r), 200);
    json_object *roles_doc = json_tokener_parse(r.body), *roles;
    resp_free(&r);
    CU_ASSERT_TRUE_FATAL(roles_doc && json_object_object_get_ex(roles_doc, "roles", &roles));
    struct matrix_id ids[5] = { { NULL, "", NULL } };
    size_t nids = 1;
    for (size_t i = 0; i < json_object_array_length(roles) && nids < 5; i++) {
        json_object *role = json_object_array_get_idx(roles, i), *perms;
        ids[nids].role = jstr(role, "name");
        json_object_object_get_ex(role, "permissions", &perms);
        ids[nids].perms = perms;
        snprintf(ids[nids].user, sizeof(ids[nids].user), "mx%s%d%c", ids[nids].role, (int)getpid(), server[strlen(server) - 1]);
        CU_ASSERT_EQUAL_FATAL(make_user(ids[nids].user, ids[nids].role), 0);
        nids++;
    }
    CU_ASSERT_EQUAL_FATAL(nids, 5);

    size_t checked = 0, wrong = 0;
    for (size_t i = 0; i < json_object_array_length(routes); i++) {
        json_object *route = json_object_array_get_idx(routes, i), *jb;
        const char *method = jstr(route, "method"), *perm = jstr(route, "permission");
        char path[512];
        matrix_path(jstr(route, "path"), path, sizeof(path));
        bool json_body = json_object_object_get_ex(route, "json_body", &jb) && json_object_get_boolean(jb);
        /* logging out would end the very session the matrix uses: it gets a session of its own */
        for (size_t k = 0; k < nids; k++) {
            const struct matrix_id *id = &ids[k];
            char hc[300], hx[200];
            const char *h[3] = { NULL, NULL, NULL };
            if (id->role) {
                char pw[96];
                snprintf(pw, sizeof(pw), "%s-password-1", id->user);
                CU_ASSERT_EQUAL_FATAL(login(id->user, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
                snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
                snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
                h[0] = hc;
                h[1] = hx;
            }
            const char *body = strcmp(method, "GET") == 0 ? NULL : (json_body ? "{}" : "");
            CU_ASSERT_EQUAL_FATAL(request(method, path, json_body ? "application/json" : NULL, body, body ? (long)strlen(body) : 0, h, &r), 0);
            long want_class;   /* 0: allowed (anything but 401/403), 401, 403 */
            if (strcmp(perm, "public") == 0)
                want_class = 0;
            else if (!id->role)
                want_class = 401;
            else if (strcmp(perm, "authenticated") == 0 || role_holds(id, perm))
                want_class = 0;
            else
                want_class = 403;
            bool ok = want_class ? r.status == want_class : (r.status != 401 && r.status != 403 && r.status < 500);
            checked++;
            if (!ok) {
                wrong++;
                fprintf(stderr, "\n    matrix: %s %s as %s: %ld, want %s\n", method, path,
                        id->role ? id->role : "anonymous", r.status,
                        want_class == 0 ? "allowed (not 401/403/5xx)" : want_class == 401 ? "401" : "403");
            }
            resp_free(&r);
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_TRUE(checked >= 100);
    json_object_put(roles_doc);
    json_object_put(routes);
}


/* ---- rate limits, shared through the database by separate processes -------------------------- */

void secrets_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;   /* the area's behaviour, the same whatever server passes it on */
    ADD(area, "secrets: versions, CAS, reveal, delete and destroy, scopes, audit, rotation", test_secrets);
    ADD(area, "authorization matrix: every route x anonymous and each role", test_authorization_matrix);
}

/* Last of all: since the canary was armed (the secrets test), no answer but a reveal carried it. */
void canary_tests(CU_pSuite area)
{
    ADD(area, "canary: after the secret was revealed, no other answer held its value", test_canary_in_answers);
}
