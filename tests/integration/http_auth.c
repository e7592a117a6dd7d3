/*
 * Integration suite, logins, sessions, CSRF and the login throttle.
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

static void test_login_session_logout(void)
{
    char cookie[256], csrf[128], hdr_cookie[300], hdr_csrf[200], sc[512];
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    CU_ASSERT_TRUE(strncmp(cookie, "portico_session=", 16) == 0);
    CU_ASSERT_TRUE(strlen(cookie) >= 16 + 43);   /* 32 random bytes, base64url */
    CU_ASSERT_TRUE(strlen(csrf) >= 43);

    /* the cookie's attributes */
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", "{\"username\":\"admin\",\"password\":\"x\"}", -1, NULL, &r), 0);
    resp_free(&r);
    char body[512];
    snprintf(body, sizeof(body), "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r), 0);
    const char *set = header(&r, "Set-Cookie", sc, sizeof(sc));
    CU_ASSERT_PTR_NOT_NULL_FATAL(set);
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "HttpOnly"));
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "Secure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "SameSite=Strict"));
    CU_ASSERT_PTR_NOT_NULL(strstr(set, "Path=/"));
    /* a new id on every login (no fixation) */
    CU_ASSERT_TRUE(strncmp(set, cookie, strlen(cookie)) != 0);
    resp_free(&r);

    snprintf(hdr_cookie, sizeof(hdr_cookie), "Cookie: %s", cookie);
    snprintf(hdr_csrf, sizeof(hdr_csrf), "X-CSRF-Token: %s", csrf);
    const char *const with_cookie[] = { hdr_cookie, NULL };
    const char *const with_both[] = { hdr_cookie, hdr_csrf, NULL };

    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    json_object *o = json_tokener_parse(r.body), *user, *roles;
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "user", &user));
    CU_ASSERT_STRING_EQUAL(jstr(user, "username"), "admin");
    CU_ASSERT_STRING_EQUAL(jstr(o, "csrf_token"), csrf);
    CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(o, "roles", &roles));
    CU_ASSERT_TRUE(json_object_array_length(roles) >= 1);
    CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(roles, 0), "role"), "admin");
    json_object_put(o);
    resp_free(&r);

    /* a state-changing request with the cookie but without the CSRF token: 403 (an empty
     * body, sent as browsers send it: Content-Length: 0) */
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, "", 0, with_cookie, &r), 0);
    json_object_put(assert_problem(&r, 403, "csrf"));
    resp_free(&r);
    const char *bad_csrf[] = { hdr_cookie, "X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, "", 0, bad_csrf, &r), 0);
    json_object_put(assert_problem(&r, 403, "csrf"));
    resp_free(&r);

    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, "", 0, with_both, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_TRUE(header_is(&r, "Set-Cookie", "portico_session=;"));
    resp_free(&r);
    /* the session is gone on the server, not just in the browser */
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
    json_object_put(assert_problem(&r, 401, "unauthenticated"));
    resp_free(&r);
}

static void test_login_failures_look_alike(void)
{
    struct resp a, b;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json",
                                  "{\"username\":\"admin\",\"password\":\"not the password\"}", -1, NULL, &a), 0);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json",
                                  "{\"username\":\"nobody-at-all\",\"password\":\"not the password\"}", -1, NULL, &b), 0);
    json_object *pa = assert_problem(&a, 401, "invalid-credentials"), *pb = assert_problem(&b, 401, "invalid-credentials");
    CU_ASSERT_STRING_EQUAL(jstr(pa, "detail"), jstr(pb, "detail"));
    CU_ASSERT_PTR_NULL(header(&a, "Set-Cookie", (char[8]){ 0 }, 8));
    json_object_put(pa);
    json_object_put(pb);
    resp_free(&a);
    resp_free(&b);
    /* and no password in the log */
    const char *logf = getenv("PORTICO_TEST_LOG");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "grep -c 'not the password' '%s'", logf ? logf : "/dev/null");
    char out[64];
    run(cmd, out, sizeof(out));
    CU_ASSERT_EQUAL(atoi(out), 0);
}

static void test_post_without_length(void)
{
    /* A POST with no Content-Length at all: lighttpd refuses it itself (411), the others pass
     * it on (and the route wants a login: 401). Either way the answer is problem+json. */
    struct resp r;
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/logout", NULL, NULL, 0, NULL, &r), 0);
    CU_ASSERT_TRUE(r.status == 401 || r.status == 411);
    json_object_put(assert_problem(&r, r.status, NULL));
    resp_free(&r);
}

static void test_no_credentials_or_bad_ones(void)
{
    struct resp r;
    const char *const junk[] = { "Cookie: portico_session=attacker-chosen-value", NULL };
    const char *const forged[] = { "Cookie: portico_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL };
    const char *const bearer[] = { "Authorization: Bearer ptc_notatoken", NULL };
    const char *const *cases[] = { NULL, junk, forged, bearer };
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, cases[i], &r), 0);
        json_object *o = assert_problem(&r, 401, "unauthenticated");
        assert_request_id(&r, o);
        CU_ASSERT_TRUE(header_is(&r, "WWW-Authenticate", "Bearer"));
        json_object_put(o);
        resp_free(&r);
    }
}

static void test_session_expiry_and_disabled_user(void)
{
    char cookie[256], csrf[128], hdr[300];
    struct resp r;
    const char *const with_cookie[] = { hdr, NULL };
    /* Time is moved by editing the rows. The handlers keep time by their own clock from what
     * they last read, so a change made behind their back raises the authorization epoch, as
     * every change through the API does (README: "Changing the database by hand"). */
    const char *expire[] = {
        "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(6) - INTERVAL 2 HOUR; "
        "UPDATE auth_epoch SET n = n + 1",                                          /* idle */
        "UPDATE sessions SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND; "
        "UPDATE auth_epoch SET n = n + 1",                                          /* absolute */
        "UPDATE users SET disabled_at = UTC_TIMESTAMP(6) WHERE username = 'admin'; "
        "UPDATE auth_epoch SET n = n + 1",                                          /* disabled */
    };
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
        snprintf(hdr, sizeof(hdr), "Cookie: %s", cookie);
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
        CU_ASSERT_EQUAL(r.status, 200);
        resp_free(&r);
        CU_ASSERT_EQUAL_FATAL(as_root(expire[i]), 0);
        CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, with_cookie, &r), 0);
        json_object_put(assert_problem(&r, 401, "unauthenticated"));
        resp_free(&r);
    }
    /* a disabled user cannot log in either, and gets the same answer as a wrong password */
    CU_ASSERT_EQUAL(login("admin", admin_password(), NULL, 0, NULL, 0), 401);
    CU_ASSERT_EQUAL(as_root("UPDATE users SET disabled_at = NULL WHERE username = 'admin'"), 0);
    CU_ASSERT_EQUAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
}

static void test_login_throttle(void)
{
    /* a fresh account name per run: failures of one account lock it, with a growing wait */
    char name[64];
    snprintf(name, sizeof(name), "throttle-%d-%s", (int)getpid(), server);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login(name, "wrong password!!", NULL, 0, NULL, 0), 401);
    struct resp r;
    char body[256], buf[32];
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"wrong password!!\"}", name);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r), 0);
    json_object_put(assert_problem(&r, 429, "too-many-attempts"));
    const char *ra = header(&r, "Retry-After", buf, sizeof(buf));
    CU_ASSERT_PTR_NOT_NULL(ra);
    if (ra)
        CU_ASSERT_TRUE(atoi(ra) >= 1 && atoi(ra) <= 30);
    resp_free(&r);
    /* other accounts from the same address are not locked by it */
    CU_ASSERT_EQUAL(login("admin", admin_password(), NULL, 0, NULL, 0), 200);
}

/* A login from a loopback address (NULL: 127.0.0.1) with a device cookie ("portico_device=..."
 * or NULL); the device cookie it gives back goes into dev_out when that is not NULL. */
static long login_at(const char *addr, const char *user, const char *pw, const char *device, char *dev_out,
                     size_t dlen)
{
    struct resp r;
    char body[512], hdr[256];
    const char *const h[] = { hdr, NULL };
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    snprintf(hdr, sizeof(hdr), "Cookie: %s", device ? device : "x=1");
    client_address = addr;
    int rc = request("POST", "/api/v1/auth/login", "application/json", body, -1, h, &r);
    client_address = NULL;
    if (rc < 0)
        return -1;
    long status = r.status;
    if (dev_out)
        set_cookie(&r, "portico_device", dev_out, dlen);
    resp_free(&r);
    return status;
}

/* Five wrong passwords from addr (with the device cookie, or NULL), each 401; then the right one
 * is refused there, 429. */
static void guess_until_locked(const char *addr, const char *name, const char *pw, const char *device)
{
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login_at(addr, name, "wrong password!!", device, NULL, 0), 401);
    CU_ASSERT_EQUAL(login_at(addr, name, pw, device, NULL, 0), 429);
}

/* Issue 14 #10: five wrong passwords from anyone used to lock the account for everyone. They lock
 * the (account, address) pair; the owner from another address, or with the device cookie of a
 * login before, still gets in; the account-wide count spares known devices and addresses. */
static void test_login_lock_per_pair(void)
{
    char name[64], pw[96], dev[128], other[128], sql[512], cookie[256], csrf[128], body[256];
    snprintf(name, sizeof(name), "pair%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    CU_ASSERT_EQUAL_FATAL(make_user(name, "viewer"), 0);

    /* the owner logs in from 127.0.0.3: a device cookie, and the address is known */
    CU_ASSERT_EQUAL_FATAL(login_at("127.0.0.3", name, pw, NULL, dev, sizeof(dev)), 200);
    CU_ASSERT_EQUAL_FATAL(strncmp(dev, "portico_device=", 15), 0);
    /* only its SHA-256 is stored, and no address as it is */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id "
                               "WHERE u.username = '%s' AND d.kind = 'dev' AND d.hash = SHA2('%s', 256)", name, dev + 15);
    CU_ASSERT_EQUAL(root_number(sql), 1);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices WHERE hash = '%s' OR hash LIKE '127.0.0.%%'", dev + 15);
    CU_ASSERT_EQUAL(root_number(sql), 0);

    /* someone at 127.0.0.2 guesses: locked there, the right password included */
    guess_until_locked("127.0.0.2", name, pw, NULL);
    /* the owner elsewhere is not locked out: from the known address, from a new one */
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, NULL, NULL, 0), 200);
    CU_ASSERT_EQUAL(login_at("127.0.0.4", name, pw, NULL, other, sizeof(other)), 200);
    CU_ASSERT_EQUAL(strncmp(other, "portico_device=", 15), 0);
    CU_ASSERT_NOT_EQUAL(strcmp(other, dev), 0);
    /* a login with its device cookie keeps the cookie (no new one) */
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, dev, other, sizeof(other)), 200);
    CU_ASSERT_STRING_EQUAL(other, "");

    /* the guesser moves to the owner's own address: that pair locks, the owner's browser does not */
    guess_until_locked("127.0.0.3", name, pw, NULL);
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, dev, NULL, 0), 200);
    /* a cookie of another shape, or made up, is no device */
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, "portico_device=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 0), 429);
    CU_ASSERT_EQUAL(login_at("127.0.0.3", name, pw, "portico_device=x'); DROP TABLE users; --", NULL, 0), 429);

    /* guessing spread over many addresses (the test plays its history: past the account-wide
     * limit) refuses unknown devices and addresses only */
    snprintf(sql, sizeof(sql), "INSERT INTO login_throttle (kind, subject, failures, last_failure_at, locked_until) "
                               "SELECT 'user', CONCAT('id:', id), 100, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 600 SECOND "
                               "FROM users WHERE username = '%s' ON DUPLICATE KEY UPDATE failures = 100, "
                               "locked_until = UTC_TIMESTAMP(6) + INTERVAL 600 SECOND", name);
    CU_ASSERT_EQUAL_FATAL(as_root(sql), 0);
    CU_ASSERT_EQUAL(login_at("127.0.0.5", name, pw, NULL, NULL, 0), 429);
    CU_ASSERT_EQUAL(login_at("127.0.0.4", name, pw, NULL, NULL, 0), 200);   /* a known address */
    CU_ASSERT_EQUAL(login_at("127.0.0.5", name, pw, dev, NULL, 0), 200);    /* a known device */

    /* the device's own wrong passwords lock the device */
    guess_until_locked("127.0.0.6", name, pw, dev);

    /* an administrator's unlock clears every count of the account */
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    struct resp r;
    snprintf(body, sizeof(body), "{\"username\":\"%s\"}", name);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", "/api/v1/iam/unlock", body, &r), 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"unlocked\":true"));
    resp_free(&r);
    CU_ASSERT_EQUAL(login_at("127.0.0.2", name, pw, NULL, NULL, 0), 200);
    CU_ASSERT_EQUAL(login_at("127.0.0.5", name, pw, NULL, NULL, 0), 200);
    CU_ASSERT_EQUAL(login_at("127.0.0.6", name, pw, dev, NULL, 0), 200);

    /* an account keeps the 32 devices seen last and none unseen for login_device_days: 40 more,
     * one of them stale (the test plays their history), then a login prunes */
    snprintf(sql, sizeof(sql), "INSERT INTO login_devices (user_id, kind, hash, first_seen_at, last_seen_at) "
                               "SELECT u.id, 'dev', SHA2(CONCAT('old', n.seq), 256), UTC_TIMESTAMP(6) - INTERVAL 200 DAY, "
                               "UTC_TIMESTAMP(6) - INTERVAL IF(n.seq = 1, 100, 1) DAY - INTERVAL n.seq MINUTE "
                               "FROM users u JOIN seq_1_to_40 n WHERE u.username = '%s'", name);
    CU_ASSERT_EQUAL_FATAL(as_root(sql), 0);
    CU_ASSERT_EQUAL(login_at("127.0.0.7", name, pw, dev, NULL, 0), 200);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id "
                               "WHERE u.username = '%s' AND d.kind = 'dev'", name);
    CU_ASSERT_EQUAL(root_number(sql), 32);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = '%s' "
                               "AND d.kind = 'dev' AND (d.hash = SHA2('%s', 256) OR d.hash = SHA2('old1', 256))", name, dev + 15);
    CU_ASSERT_EQUAL(root_number(sql), 1);   /* the one in use stays; the stale one went */

    /* disabling forgets the account's devices and addresses */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = '%s'", name);
    CU_ASSERT_TRUE(root_number(sql) >= 4);
    char path[128];
    snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE username = '%s'", name);
    long long id = root_number(sql);
    CU_ASSERT_TRUE_FATAL(id > 0);
    snprintf(path, sizeof(path), "/api/v1/iam/users/%lld/disable", id);
    CU_ASSERT_EQUAL(post_session(cookie, csrf, "POST", path, NULL, &r), 200);
    resp_free(&r);
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = '%s'", name);
    CU_ASSERT_EQUAL(root_number(sql), 0);
}

static void test_hostile_user_agent(void)
{
    /* a 2 KiB User-Agent with invalid UTF-8 must not break logins, their auditing or the chain */
    char ua[2200], body[512];
    memcpy(ua, "User-Agent: ", 12);
    for (size_t i = 12; i < sizeof(ua) - 1; i++)
        ua[i] = (i % 7 == 0) ? '\xff' : 'a';
    ua[sizeof(ua) - 1] = '\0';
    const char *const h[] = { ua, NULL };
    struct resp r;
    snprintf(body, sizeof(body), "{\"username\":\"admin\",\"password\":\"%s\"}", admin_password());
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json", body, -1, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(request("POST", "/api/v1/auth/login", "application/json",
                                  "{\"username\":\"admin\",\"password\":\"wrong wrong wrong\"}", -1, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(request("GET", "/api/v1/auth/session", NULL, NULL, 0, h, &r), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    resp_free(&r);
}

static void test_login_throttle_shared_and_parallel(void)
{
    /* username and email are one account: their failures count together */
    char name[64], email[96], cookie[256], csrf[128], body[512];
    struct resp r;
    snprintf(name, sizeof(name), "thr%d%c", (int)getpid(), server[strlen(server) - 1]);
    snprintf(email, sizeof(email), "%s@example.org", name);
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), cookie, sizeof(cookie), csrf, sizeof(csrf)), 200);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s-password-1\"}", name, email, name);
    CU_ASSERT_EQUAL_FATAL(post_session(cookie, csrf, "POST", "/api/v1/iam/users", body, &r), 201);
    resp_free(&r);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(login(i % 2 ? email : name, "wrong password!!", NULL, 0, NULL, 0), 401);
    CU_ASSERT_EQUAL(login(email, "wrong password!!", NULL, 0, NULL, 0), 429);
    char pw[96];
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    CU_ASSERT_EQUAL(login(name, pw, NULL, 0, NULL, 0), 429);   /* locked, even with the right one */

    /* ten attempts at once on a fresh name: no more than the limit reach the password check */
    char cmd[2048], out[256];
    snprintf(cmd, sizeof(cmd),
             "for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null -w '%%{http_code}\\n' -H 'Content-Type: application/json' "
             "-d '{\"username\":\"par-%s\",\"password\":\"wrong password!!\"}' %s/api/v1/auth/login & done; wait",
             name, base_url);
    CU_ASSERT_EQUAL(run(cmd, out, sizeof(out)), 0);
    int n401 = 0, n429 = 0;
    for (const char *s = out; *s; s++) {
        if (strncmp(s, "401", 3) == 0)
            n401++;
        if (strncmp(s, "429", 3) == 0)
            n429++;
    }
    CU_ASSERT_EQUAL(n401 + n429, 10);
    CU_ASSERT_TRUE(n401 <= 5);
    CU_ASSERT_TRUE(n429 >= 5);
}

/* ---- hostile inputs, as the assessment sent them (the suite runs on the sanitizer build) ------ */

void auth_tests(CU_pSuite transport, CU_pSuite area)
{
    ADD(transport, "login, who am I, CSRF, logout", test_login_session_logout);
    ADD(area, "wrong password and unknown user look alike", test_login_failures_look_alike);
    ADD(transport, "no, forged or unsupported credentials: 401", test_no_credentials_or_bad_ones);
    ADD(transport, "a POST without Content-Length gets problem+json", test_post_without_length);
    ADD(area, "idle, absolute expiry and disabled user end sessions", test_session_expiry_and_disabled_user);
    ADD(area, "failed logins lock the account with Retry-After", test_login_throttle);
    ADD(area, "throttle: one count per account, parallel attempts bounded", test_login_throttle_shared_and_parallel);
    ADD(area, "wrong passwords lock the (account, address) pair; known devices still log in", test_login_lock_per_pair);
    ADD(transport, "a hostile User-Agent breaks neither logins nor the audit chain", test_hostile_user_agent);
}
