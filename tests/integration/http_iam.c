/*
 * Integration suite, identity and access: roles, API tokens, users, teams, bindings, explain, custom roles, policies.
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

static void test_authorization_by_role(void)
{
    char viewer[64], maint[64], pw[96], cookie[256], csrf[128], admin_cookie[256];
    struct resp r;
    snprintf(viewer, sizeof(viewer), "viewer%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(maint, sizeof(maint), "maint%d%c", (int)getpid(), server[strlen(server) - 1]);
    CU_ASSERT_EQUAL_FATAL(make_user(viewer, "viewer"), 0);
    CU_ASSERT_EQUAL_FATAL(make_user(maint, "maintainer"), 0);

    /* anonymous: 401; viewer: 403 (audit.event.read is a maintainer's); maintainer, admin: 200 */
    CU_ASSERT_EQUAL(get_as(NULL, "/api/v1/audit/events", &r), 401);
    resp_free(&r);
    snprintf(pw, sizeof(pw), "%s-password-1", viewer);
    CU_ASSERT_EQUAL_FATAL(login(viewer, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/audit/events", &r), 403);
    json_object_put(assert_problem(&r, 403, "forbidden"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "audit.event.read"));
    resp_free(&r);
    snprintf(pw, sizeof(pw), "%s-password-1", maint);
    CU_ASSERT_EQUAL_FATAL(login(maint, pw, cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/audit/events", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), admin_cookie, sizeof(admin_cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_EQUAL(get_as(admin_cookie, "/api/v1/audit/events", &r), 200);
    resp_free(&r);

    /* the viewer's denial is in the log, with who, what and where */
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=http.denied&actor=%s", viewer);
    CU_ASSERT_EQUAL_FATAL(get_as(admin_cookie, path, &r), 200);
    json_object *o = json_tokener_parse(r.body), *events;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "events", &events));
    CU_ASSERT_EQUAL_FATAL(json_object_array_length(events), 1);
    json_object *e = json_object_array_get_idx(events, 0);
    CU_ASSERT_STRING_EQUAL(jstr(e, "outcome"), "denied");
    CU_ASSERT_STRING_EQUAL(jstr(e, "target_id"), "/api/v1/audit/events");
    json_object_put(o);
    resp_free(&r);
}

static void test_api_tokens(void)
{
    char cookie[256], csrf[128], tok[128], tok2[128], viewer[64], pw[96], vcookie[256], vcsrf[128];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* create: shown once, ptc_ prefix */
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"ci\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":30}", &r), 201);
    json_object *o = json_tokener_parse(r.body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE_FATAL(jstr(o, "token") && strncmp(jstr(o, "token"), "ptc_", 4) == 0);
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token"));
    long long id = jint(o, "id");
    CU_ASSERT_TRUE(header_is(&r, "Location", "/api/v1/auth/tokens/"));
    json_object_put(o);
    resp_free(&r);
    /* a narrower one */
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"narrow\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", &r), 201);
    o = json_tokener_parse(r.body);
    snprintf(tok2, sizeof(tok2), "%s", jstr(o, "token"));
    long long id2 = jint(o, "id");
    json_object_put(o);
    resp_free(&r);

    /* use: Bearer works; scopes narrow what the owner may do */
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/audit/events?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"via\":\"token\""));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok2, "/api/v1/audit/events", &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "scopes"));
    resp_free(&r);
    /* a token only reads what concerns the account itself: no password change, no revoking */
    {
        char ah[200];
        snprintf(ah, sizeof(ah), "Authorization: Bearer %s", tok);
        const char *const hh[] = { ah, NULL };
        CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/password", "application/json",
                                      "{\"current_password\":\"x\",\"new_password\":\"yyyyyyyyyyyyyy\"}", -1, hh, &r), 0);
        json_object_put(assert_problem(&r, 403, "forbidden"));
        resp_free(&r);
    }
    /* a token cannot mint tokens */
    char h[200];
    snprintf(h, sizeof(h), "Authorization: Bearer %s", tok);
    const char *const hb[] = { h, NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/tokens", "application/json",
                                  "{\"name\":\"x\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":1}", -1, hb, &r), 0);
    json_object_put(assert_problem(&r, 403, "forbidden"));
    resp_free(&r);

    /* list: metadata and last use, never the token */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/auth/tokens", &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, tok));
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"token\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"last_used_at\":\""));
    resp_free(&r);

    /* validation: too long, unknown scope, a scope not held */
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"x\",\"scopes\":[\"nope.nope\"],\"expires_in_days\":366}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "expires_in_days"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "scopes/0"));
    resp_free(&r);
    snprintf(viewer, sizeof(viewer), "tokviewer%d%c", (int)getpid(), server[strlen(server) - 1]);
    CU_ASSERT_EQUAL_FATAL(make_user(viewer, "viewer"), 0);
    snprintf(pw, sizeof(pw), "%s-password-1", viewer);
    CU_ASSERT_EQUAL_FATAL(login(viewer, pw, vcookie, sizeof(vcookie), vcsrf, sizeof(vcsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(post_session(vcookie, vcsrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"x\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":1}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "does not hold"));
    resp_free(&r);

    /* revoke: it stops at once; someone else's token cannot be revoked */
    char path[64];
    snprintf(path, sizeof(path), "/api/v1/auth/tokens/%lld", id2);
    CU_ASSERT_EQUAL(post_session(vcookie, vcsrf, "DELETE", path, NULL, &r), 404);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok2, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    /* expiry, as the clock would have it */
    char sql[128];
    snprintf(sql, sizeof(sql), "UPDATE api_tokens SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE id = %lld; "
                               "UPDATE auth_epoch SET n = n + 1", id);
    CU_ASSERT_EQUAL(as_root(sql), 0);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    /* the tokens are nowhere in the database, the log or the audit details */
    char sock[512], cmd[1024], out[64];
    CU_ASSERT_EQUAL_FATAL(config_value("db_socket", sock, sizeof(sock)), 0);
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e \"SELECT COUNT(*) FROM api_tokens "
                               "WHERE token_hash = '%s' OR prefix = '%s'\" ; grep -c -F -e '%s' '%s'", sock, tok, tok, tok + 4,
             getenv("PORTICO_TEST_LOG"));
    run(cmd, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0\n0"));
}


/* ---- iam: users, teams, bindings, explain, disable, unlock ---------------------------------- */

/* Disabling a user is not a pause: it ends the sessions and revokes the tokens, so enabling the
 * account again gives nothing back to whoever held one of them. Audited with the counts. */
static void test_disable_ends_sessions_and_tokens(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[256], path[256], u[64], pw[96], tok[128];
    struct resp r;
    snprintf(u, sizeof(u), "disabled%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    long long uid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"viewer\"}", u);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                       "{\"name\":\"script\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/catalog/entities?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 200);
    resp_free(&r);

    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"sessions_ended\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"tokens_revoked\":1"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/enable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);

    /* enabled again: the old session and the old token are gone for good */
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/catalog/entities?limit=1", &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(tok, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    /* the person logs in afresh; the token's page says it was revoked */
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/tokens", &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"revoked_at\":null"));
    resp_free(&r);
    /* the audit record of the disable holds the counts */
    snprintf(path, sizeof(path), "/api/v1/audit/events?action=iam.user.disable&target=%lld&limit=1", uid);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "sessions_ended"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "tokens_revoked"));
    resp_free(&r);
}

static void test_iam_teams_and_explain(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[512], path[256], u[64], org[64], pay[64];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(u, sizeof(u), "iamuser%d%c", (int)getpid(), sfx);
    snprintf(org, sizeof(org), "org%d%c", (int)getpid(), sfx);
    snprintf(pay, sizeof(pay), "payments%d%c", (int)getpid(), sfx);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);

    /* a user, created by the API */
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"display_name\":\"Iam User\",\"password\":\"%s-password-1\"}", u, u);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    long long uid = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 409);   /* twice */
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users",
                                 "{\"username\":\"Bad Name\",\"password\":\"short\"}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"username\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"password\""));
    resp_free(&r);

    /* teams: payments inside org; org holds maintainer; the user joins payments */
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", org);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"parent\":\"%s\"}", pay, org);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/teams", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"team\",\"subject\":\"%s\",\"role\":\"maintainer\"}", org);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    o = json_tokener_parse(r.body);
    long long binding = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", pay, uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "PUT", path, NULL, &r), 200);
    resp_free(&r);
    /* the team's members, and the user found by name */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members", pay);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    snprintf(body, sizeof(body), "\"username\":\"%s\"", u);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, body));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members", org);   /* only its own members */
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, body));
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(cookie, "/api/v1/iam/teams/no-such-team/members", &r), 404);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users?username=%s", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    json_object *found = o ? json_object_object_get(o, "users") : NULL;
    CU_ASSERT_EQUAL(found ? json_object_array_length(found) : 0, 1);
    CU_ASSERT_EQUAL(found && json_object_array_length(found) == 1 ? jint(json_object_array_get_idx(found, 0), "id") : 0, uid);
    json_object_put(o);
    resp_free(&r);

    /* the user now reads the audit log through org, and explain says so */
    char pw[96];
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=audit.event.read", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    json_object *allowed, *by;
    CU_ASSERT_TRUE(json_object_object_get_ex(o, "allowed", &allowed) && json_object_get_boolean(allowed));
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "decided_by", &by));
    CU_ASSERT_STRING_EQUAL(jstr(by, "role"), "maintainer");
    char via[80];
    snprintf(via, sizeof(via), "team:%s", org);
    CU_ASSERT_STRING_EQUAL(jstr(by, "via"), via);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "reason"), org));
    json_object_put(o);
    resp_free(&r);

    /* leaving the team, or losing the binding, takes effect at once */
    snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", pay, uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 403);
    resp_free(&r);
    /* a team-scoped role covers that team's resources only (the org's role is gone with the
     * membership) */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\","
                                 "\"scope_type\":\"team\",\"scope_id\":\"%s\"}", u, pay);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&team=%s", u, pay);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=catalog.entity.write&team=search", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":false"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "no binding"));
    resp_free(&r);

    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", binding);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 404);
    resp_free(&r);

    /* admin of one team is not an administrator: no bindings, no users, no audit log */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"admin\","
                                 "\"scope_type\":\"team\",\"scope_id\":\"%s\"}", u, pay);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"admin\"}", u);
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/iam/bindings", body, &r), 403);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 403);
    resp_free(&r);
    /* nor can its tokens carry what a team admin holds only for the team's things: governance
     * scopes are refused at creation (the token would answer 403), each one named */
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                 "{\"name\":\"gov\",\"scopes\":[\"catalog.entity.write\",\"audit.event.read\",\"iam.user.write\"],"
                                 "\"expires_in_days\":1}", &r), 422);
    CU_ASSERT_PTR_NULL(strstr(r.body, "\"scopes/0\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"field\":\"scopes/1\",\"message\":\"is held by the owner only through a "
                                          "team- or entity-scoped binding, and audit.event.read needs a global one\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"field\":\"scopes/2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "iam.user.write needs a global one"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens",
                                 "{\"name\":\"team\",\"scopes\":[\"catalog.entity.write\"],\"expires_in_days\":1}", &r), 201);
    resp_free(&r);

    /* a user without iam permissions cannot manage anyone */
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/iam/users", "{\"username\":\"x\"}", &r), 403);
    resp_free(&r);

    /* disabling ends the user's session at once; enabling lets them log in again (the old
     * session stays ended: test_disable_ends_sessions_and_tokens) */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", uid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 401);
    resp_free(&r);
    CU_ASSERT_EQUAL(login(u, pw, NULL, 0, NULL, 0), 401);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/enable", uid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);

    /* a service account: no password, tokens made by an administrator within its own roles */
    char svc[64];
    snprintf(svc, sizeof(svc), "svc%d%c", (int)getpid(), sfx);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"kind\":\"service\"}", svc);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    o = json_tokener_parse(r.body);
    long long sid = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"viewer\"}", svc);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens", sid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "{\"name\":\"ci\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":7}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "does not hold"));   /* the account's roles, not the admin's */
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, "{\"name\":\"ci\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":7}", &r), 201);
    o = json_tokener_parse(r.body);
    char stok[128];
    snprintf(stok, sizeof(stok), "%s", jstr(o, "token") ? jstr(o, "token") : "");
    long long stid = jint(o, "id");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(stok, "/api/v1/auth/session", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, svc));
    resp_free(&r);
    CU_ASSERT_EQUAL(login(svc, "any password at all", NULL, 0, NULL, 0), 401);   /* no password login */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens", uid);      /* a person: 409 */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, "{\"name\":\"x\",\"scopes\":[\"catalog.entity.read\"],\"expires_in_days\":1}", &r), 409);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/tokens/%lld", sid, stid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_bearer(stok, "/api/v1/auth/session", &r), 401);
    resp_free(&r);

    /* throttled, then unlocked by an admin */
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login(u, "wrong password!!", NULL, 0, NULL, 0), 401);
    CU_ASSERT_EQUAL(login(u, pw, NULL, 0, NULL, 0), 429);
    snprintf(body, sizeof(body), "{\"username\":\"%s\"}", u);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/unlock", body, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"unlocked\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL(login(u, pw, NULL, 0, NULL, 0), 200);
}


/* ---- custom roles, attribute policies, and what processes keep ----------------------------- */


/* n requests in a row with a bearer token, each answering want: with several FastCGI processes
 * behind the server, a run like this reaches most of them. */
static int bearer_run(const char *token, const char *path, int n, long want)
{
    int wrong = 0;
    for (int i = 0; i < n; i++) {
        struct resp r;
        if (get_bearer(token, path, &r) != want)
            wrong++;
        resp_free(&r);
    }
    return wrong;
}

/* n requests in a row with a bearer token, each answering 200 with want in its body. */
static int bearer_body_run(const char *token, const char *path, int n, const char *want)
{
    int wrong = 0;
    for (int i = 0; i < n; i++) {
        struct resp r;
        if (get_bearer(token, path, &r) != 200 || !strstr(r.body, want))
            wrong++;
        resp_free(&r);
    }
    return wrong;
}

static void test_custom_roles_and_policies(void)
{
    char cookie[256], csrf[128], ucookie[256], ucsrf[128], body[768], path[256], u[64], role[64], pol[64], pw[96];
    char tok[128];
    struct resp r;
    char sfx = server[strlen(server) - 1];
    snprintf(u, sizeof(u), "ruser%d%c", (int)getpid(), sfx);
    snprintf(role, sizeof(role), "auditor-%d%c", (int)getpid(), sfx);
    snprintf(pol, sizeof(pol), "prod-needs-maintainer-%d%c", (int)getpid(), sfx);
    snprintf(pw, sizeof(pw), "%s-password-1", u);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", u, pw);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    long long uid = created_id(&r);
    resp_free(&r);

    /* a custom role: validated, listed next to the built-in ones */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles",
                                 "{\"name\":\"Bad Name\",\"permissions\":[\"audit.event.read\",\"nope.nope\"]}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"name\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "permissions/1"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles", "{\"name\":\"viewer\",\"permissions\":[\"audit.event.read\"]}", &r), 422);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"reads the audit log\","
                                 "\"permissions\":[\"audit.event.read\",\"iam.user.read\"]}", role);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles", body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/roles", body, &r), 422);   /* twice */
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/iam/roles", &r), 200);
    snprintf(body, sizeof(body), "\"name\":\"%s\",\"description\":\"reads the audit log\",\"builtin\":false,"
                                 "\"permissions\":[\"iam.user.read\",\"audit.event.read\"]", role);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, body));
    resp_free(&r);

    /* bound to the user, it holds exactly its permissions */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\"}", u, role);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    long long binding = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(login(u, pw, ucookie, sizeof(ucookie), ucsrf, sizeof(ucsrf)), 200);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/iam/users?limit=1", &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/iam/teams", &r), 403);
    resp_free(&r);
    /* reading is not exporting: the role lacks audit.event.export */
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/audit/events?limit=1&format=csv", &r), 403);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "audit.event.export"));
    resp_free(&r);
    /* who am I: the permissions the portal uses to decide what to show */
    CU_ASSERT_EQUAL(get_as(ucookie, "/api/v1/auth/session", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"permissions\":[\"iam.user.read\",\"audit.event.read\"]"));
    resp_free(&r);
    /* in use: not deletable; built-in: never */
    snprintf(path, sizeof(path), "/api/v1/iam/roles/%s", role);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "1 binding"));
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", "/api/v1/iam/roles/viewer", NULL, &r), 409);
    resp_free(&r);
    /* the user may not write policies */
    CU_ASSERT_EQUAL(post_session(ucookie, ucsrf, "POST", "/api/v1/iam/policies",
                                 "{\"name\":\"x\",\"permission\":\"*\",\"require_owner\":true}", &r), 403);
    resp_free(&r);

    /* What processes keep is dropped on the next request after a change: a token used many
     * times (reaching most processes) stops at once when the binding behind it goes. */
    snprintf(body, sizeof(body), "{\"name\":\"cache\",\"scopes\":[\"audit.event.read\"],\"expires_in_days\":1}");
    CU_ASSERT_EQUAL_FATAL(post_session(ucookie, ucsrf, "POST", "/api/v1/auth/tokens", body, &r), 201);
    json_object *o = json_tokener_parse(r.body);
    snprintf(tok, sizeof(tok), "%s", jstr(o, "token") ? jstr(o, "token") : "");
    json_object_put(o);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 24, 200), 0);
    CU_ASSERT_EQUAL(bearer_body_run(tok, "/api/v1/auth/session", 24, "\"permissions\":[\"audit.event.read\"]"), 0);
    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", binding);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 12, 403), 0);
    /* the who-am-I answer a process keeps goes with the rest */
    CU_ASSERT_EQUAL(bearer_body_run(tok, "/api/v1/auth/session", 12, "\"permissions\":[]"), 0);
    /* and comes back when it does */
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\"}", u, role);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    binding = created_id(&r);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 24, 200), 0);
    /* a disabled user's token stops at once, everywhere */
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 12, 401), 0);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/enable", uid);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    /* and enabling does not bring it back: disabling revoked it */
    CU_ASSERT_EQUAL(bearer_run(tok, "/api/v1/audit/events?limit=1", 12, 401), 0);

    /* Policies: validated; where the condition matches they refuse what the roles allow, and
     * explain names them. */
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/policies",
                                 "{\"name\":\"p\",\"permission\":\"nope.*\",\"conditions\":{\"color\":\"red\"}}", &r), 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"permission\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "conditions/color"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "require_role"));
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"production needs a maintainer\","
                                 "\"permission\":\"provision.*\",\"conditions\":{\"environment\":\"production\"},"
                                 "\"require_role\":\"maintainer\"}", pol);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/policies", body, &r), 201);
    long long pid = created_id(&r);
    resp_free(&r);
    snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"developer\"}", u);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/bindings", body, &r), 201);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=provision.request.create&environment=production", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    o = json_tokener_parse(r.body);
    CU_ASSERT_FALSE(json_object_get_boolean(json_object_object_get(o, "allowed")));
    json_object *pj = json_object_object_get(o, "policy");
    CU_ASSERT_STRING_EQUAL(pj ? jstr(pj, "name") : "", pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "reason") ? jstr(o, "reason") : "", "needs role maintainer"));
    json_object_put(o);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=provision.request.create&environment=staging", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, "/api/v1/iam/policies", &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, pol));
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/policies/%lld", pid);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/explain?user=%s&permission=provision.request.create&environment=production", u);
    CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"allowed\":true"));
    resp_free(&r);

    /* the role goes once nothing uses it; every change was audited */
    snprintf(path, sizeof(path), "/api/v1/iam/bindings/%lld", binding);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/iam/roles/%s", role);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 200);
    resp_free(&r);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "DELETE", path, NULL, &r), 404);
    resp_free(&r);
    const char *actions[] = { "iam.role.create", "iam.role.delete", "iam.policy.create", "iam.policy.delete" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "/api/v1/audit/events?action=%s&limit=5", actions[i]);
        CU_ASSERT_EQUAL_FATAL(get_as(cookie, path, &r), 200);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, actions[i]));
        resp_free(&r);
    }
}


/* ---- catalog: entities, ETags, owners, relations ------------------------------------------------ */

void iam_tests(CU_pSuite transport, CU_pSuite area)
{
    (void)transport;   /* the area's behaviour, the same whatever server passes it on */
    ADD(area, "roles decide: anonymous 401, viewer 403, maintainer and admin 200", test_authorization_by_role);
    ADD(area, "API tokens: once, bearer, scopes, list, revoke, expiry", test_api_tokens);
    ADD(area, "iam: users, nested teams, bindings, explain, disable, unlock", test_iam_teams_and_explain);
    ADD(area, "disabling ends sessions and revokes tokens; enabling brings neither back", test_disable_ends_sessions_and_tokens);
    ADD(area, "custom roles, policies, and changes seen at once by every process", test_custom_roles_and_policies);
}
