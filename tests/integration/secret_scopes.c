/*
 * Secret scopes (issue 14): a secret's scope is the team stored with it. A deleted entity's
 * secrets stay with their team when another team makes an entity of the same name (finding 1);
 * a live entity handed over by its team takes them along. Parallel writes of new secrets all
 * succeed (finding 5: deadlocks are retried), and a non-ASCII prefix or cursor of the list is
 * an answer, not a 500 (finding 13).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/integration/suites.h"

static char team_a[64], team_b[64], ename[64];
static char amcookie[256], amcsrf[128], adcookie[256], adcsrf[128];   /* team A's maintainer, developer */
static char bmcookie[256], bmcsrf[128], bdcookie[256], bdcsrf[128];   /* team B's */

static int scopes_init(void)
{
    char acookie[256], acsrf[128], body[256], user[96];
    struct resp r;
    snprintf(team_a, sizeof(team_a), "sscopea%d", (int)getpid());
    snprintf(team_b, sizeof(team_b), "sscopeb%d", (int)getpid());
    snprintf(ename, sizeof(ename), "vault-%d", (int)getpid());
    if (login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200)
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\"}", i ? team_b : team_a);
        if (post_session(acookie, acsrf, "POST", "/api/v1/iam/teams", body, &r) != 201)
            return -1;
        resp_free(&r);
    }
    struct { const char *team, *role, *suffix; char *cookie, *csrf; } people[] = {
        { team_a, "maintainer", "m", amcookie, amcsrf }, { team_a, "developer", "d", adcookie, adcsrf },
        { team_b, "maintainer", "m", bmcookie, bmcsrf }, { team_b, "developer", "d", bdcookie, bdcsrf },
    };
    for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++) {
        snprintf(user, sizeof(user), "%s-%s", people[i].team, people[i].suffix);
        if (person_make(user, people[i].role, people[i].team, true, people[i].cookie, 256, people[i].csrf, 128, NULL) < 0)
            return -1;
    }
    return 0;
}

/* PUT the entity component:default/name owned by team as cookie: the status. */
static long entity_put(const char *cookie, const char *csrf, const char *name, const char *team)
{
    char body[512], path[256];
    struct resp r;
    snprintf(body, sizeof(body), "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":"
                                 "\"%s\"},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\",\"owner\":\"%s\"}}",
             name, team);
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", name);
    long st = session_req(cookie, csrf, "PUT", path, body, NULL, &r);
    if (st != 200 && st != 201)
        fprintf(stderr, "\n    PUT %s: %ld %s\n", path, st, r.body);
    resp_free(&r);
    return st;
}

/* verb ("data", "reveal", "metadata", "destroy") of secret path as cookie: the status, the body
 * parsed into *out when out is not NULL. */
static long secret_do(const char *cookie, const char *csrf, const char *verb, const char *secret, json_object **out)
{
    char path[512];
    struct resp r;
    long st;
    snprintf(path, sizeof(path), "/api/v1/secrets/%s/%s", verb, secret);
    if (strcmp(verb, "metadata") == 0)
        st = get_as(cookie, path, &r);
    else if (strcmp(verb, "data") == 0)
        st = post_session(cookie, csrf, "PUT", path, "{\"value\":\"taken-over\"}", &r);
    else if (strcmp(verb, "destroy") == 0)
        st = post_session(cookie, csrf, "POST", path, "{\"versions\":[1]}", &r);
    else
        st = post_session(cookie, csrf, "POST", path, NULL, &r);
    if (out)
        *out = json_tokener_parse(r.body ? r.body : "");
    resp_free(&r);
    return st;
}

/* The list item for secret among cookie's list of prefix, or NULL (put the list: *list). */
static json_object *listed(const char *cookie, const char *prefix, const char *secret, json_object **list)
{
    char path[512];
    long st;
    snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=%s&limit=500", prefix);
    *list = get_json(cookie, path, &st);
    CU_ASSERT_EQUAL(st, 200);
    json_object *items = json_object_object_get(*list, "items");
    for (size_t i = 0; items && i < json_object_array_length(items); i++) {
        json_object *it = json_object_array_get_idx(items, i);
        if (jstr(it, "path") && strcmp(jstr(it, "path"), secret) == 0)
            return it;
    }
    return NULL;
}

static bool jbool(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static void test_deleted_entity_secrets_stay_with_their_team(void)
{
    char secret[256], prefix[256], path[256], value[64];
    json_object *o, *list;
    struct resp r;
    snprintf(secret, sizeof(secret), "entity/component/default/%s/dev/db-password", ename);
    snprintf(prefix, sizeof(prefix), "entity/component/default/%s/", ename);
    snprintf(value, sizeof(value), "orphan-%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(entity_put(amcookie, amcsrf, ename, team_a), 201);
    snprintf(path, sizeof(path), "/api/v1/secrets/data/%s", secret);
    char body[128];
    snprintf(body, sizeof(body), "{\"value\":\"%s\"}", value);
    CU_ASSERT_EQUAL_FATAL(post_session(amcookie, amcsrf, "PUT", path, body, &r), 201);
    resp_free(&r);
    CU_ASSERT_EQUAL(secret_do(amcookie, amcsrf, "metadata", secret, &o), 200);
    CU_ASSERT_FALSE(jbool(o, "entity_gone"));
    json_object_put(o);

    /* team A's entity goes; team B makes one of the same name */
    snprintf(path, sizeof(path), "/api/v1/catalog/entities/component/default/%s", ename);
    long st = post_session(amcookie, amcsrf, "DELETE", path, NULL, &r);
    CU_ASSERT_TRUE(st == 200 || st == 204);
    resp_free(&r);
    CU_ASSERT_EQUAL_FATAL(entity_put(bmcookie, bmcsrf, ename, team_b), 201);

    /* neither B's developer nor its maintainer reads, writes, reveals or destroys A's secret */
    const char *verbs[] = { "metadata", "data", "reveal", "destroy" };
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(secret_do(bmcookie, bmcsrf, verbs[i], secret, &o), 403);
        CU_ASSERT_PTR_NULL(strstr(json_object_to_json_string(o), value));
        json_object_put(o);
        if (i < 3) {
            CU_ASSERT_EQUAL(secret_do(bdcookie, bdcsrf, verbs[i], secret, NULL), 403);
        }
    }
    /* B's list does not hold it */
    CU_ASSERT_PTR_NULL(listed(bmcookie, prefix, secret, &list));
    json_object_put(list);

    /* A's maintainer still reveals it (the value as written), A's developer reads it */
    CU_ASSERT_EQUAL(secret_do(amcookie, amcsrf, "reveal", secret, &o), 200);
    CU_ASSERT_TRUE(jstr(o, "value") && strcmp(jstr(o, "value"), value) == 0);
    json_object_put(o);
    CU_ASSERT_EQUAL(secret_do(adcookie, adcsrf, "metadata", secret, &o), 200);
    CU_ASSERT_TRUE(jstr(o, "team") && strcmp(jstr(o, "team"), team_a) == 0);
    CU_ASSERT_TRUE(jbool(o, "entity_gone"));
    json_object_put(o);
    /* and the list shows it as A's, its entity gone */
    json_object *it = listed(amcookie, prefix, secret, &list);
    CU_ASSERT_PTR_NOT_NULL(it);
    CU_ASSERT_TRUE(jstr(it, "team") && strcmp(jstr(it, "team"), team_a) == 0);
    CU_ASSERT_TRUE(jbool(it, "entity_gone"));
    json_object_put(list);

    /* B's own secrets under its entity are B's, not A's */
    char mine[256];
    snprintf(mine, sizeof(mine), "entity/component/default/%s/dev/b-key", ename);
    CU_ASSERT_EQUAL(secret_do(bmcookie, bmcsrf, "data", mine, NULL), 201);
    CU_ASSERT_EQUAL(secret_do(bmcookie, bmcsrf, "metadata", mine, &o), 200);
    CU_ASSERT_TRUE(jstr(o, "team") && strcmp(jstr(o, "team"), team_b) == 0);
    CU_ASSERT_FALSE(jbool(o, "entity_gone"));
    json_object_put(o);
    CU_ASSERT_EQUAL(secret_do(amcookie, amcsrf, "metadata", mine, NULL), 403);
}

/* A live entity handed over by its own team takes its secrets along */
static void test_handed_over_entity_takes_its_secrets(void)
{
    char name[80], secret[256];
    json_object *o;
    snprintf(name, sizeof(name), "%s-moved", ename);
    snprintf(secret, sizeof(secret), "entity/component/default/%s/api-key", name);
    CU_ASSERT_EQUAL_FATAL(entity_put(amcookie, amcsrf, name, team_a), 201);
    CU_ASSERT_EQUAL_FATAL(secret_do(amcookie, amcsrf, "data", secret, NULL), 201);
    /* both teams' maintainer: an administrator hands it over */
    char acookie[256], acsrf[128];
    CU_ASSERT_EQUAL_FATAL(login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)), 200);
    CU_ASSERT_EQUAL_FATAL(entity_put(acookie, acsrf, name, team_b), 200);
    CU_ASSERT_EQUAL(secret_do(bmcookie, bmcsrf, "reveal", secret, &o), 200);
    CU_ASSERT_TRUE(jstr(o, "value") && strcmp(jstr(o, "value"), "taken-over") == 0);
    json_object_put(o);
    CU_ASSERT_EQUAL(secret_do(bmcookie, bmcsrf, "metadata", secret, &o), 200);
    CU_ASSERT_TRUE(jstr(o, "team") && strcmp(jstr(o, "team"), team_b) == 0);
    CU_ASSERT_FALSE(jbool(o, "entity_gone"));
    json_object_put(o);
    CU_ASSERT_EQUAL(secret_do(amcookie, amcsrf, "reveal", secret, NULL), 403);
}

#define PARALLEL_WRITES 64

/* Many new secrets written at once: every one is made (201) and reads back. */
static void test_parallel_new_secrets(void)
{
    int go[2];
    pid_t pid[PARALLEL_WRITES];
    CU_ASSERT_EQUAL_FATAL(pipe(go), 0);
    for (int i = 0; i < PARALLEL_WRITES; i++) {
        pid[i] = fork();
        CU_ASSERT_TRUE_FATAL(pid[i] >= 0);
        if (pid[i] == 0) {   /* wait for the start, write one, say how it went */
            char c, path[256], body[128];
            struct resp r;
            close(go[1]);
            if (read(go[0], &c, 1) < 0)
                _exit(3);
            snprintf(path, sizeof(path), "/api/v1/secrets/data/team/%s/par/s%d", team_a, i);
            snprintf(body, sizeof(body), "{\"value\":\"parallel-%d\"}", i);
            long st = post_session(amcookie, amcsrf, "PUT", path, body, &r);
            if (st != 201)
                fprintf(stderr, "\n    PUT %s: %ld %s\n", path, st, r.body);
            _exit(st == 201 ? 0 : st == 500 ? 5 : 9);
        }
    }
    close(go[0]);
    close(go[1]);   /* every child starts at once */
    int made = 0;
    for (int i = 0; i < PARALLEL_WRITES; i++) {
        int status = 0;
        waitpid(pid[i], &status, 0);
        made += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CU_ASSERT_EQUAL(made, PARALLEL_WRITES);
    int read_back = 0;
    for (int i = 0; i < PARALLEL_WRITES; i++) {
        char secret[256], want[64];
        json_object *o;
        snprintf(secret, sizeof(secret), "team/%s/par/s%d", team_a, i);
        snprintf(want, sizeof(want), "parallel-%d", i);
        if (secret_do(amcookie, amcsrf, "reveal", secret, &o) == 200 && jstr(o, "value") && strcmp(jstr(o, "value"), want) == 0)
            read_back++;
        json_object_put(o);
    }
    CU_ASSERT_EQUAL(read_back, PARALLEL_WRITES);
}

/* text as unpadded base64url, as a list's cursor is written */
static void base64url(const char *text, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = abc[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = abc[v & 63];
    }
    out[o] = '\0';
}

/* A prefix no path has (not ASCII, or not even UTF-8) lists nothing; a cursor that is not one
 * of this list's is refused as such: neither is a 500. */
static void test_non_ascii_prefix_and_cursor(void)
{
    const char *prefixes[] = { "team%2F%C3%A9", "%C3%A9", "team%2F%FF%FE", "entity%2F%E2%82%AC" };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        char path[256];
        long st;
        snprintf(path, sizeof(path), "/api/v1/secrets/metadata?prefix=%s", prefixes[i]);
        json_object *o = get_json(amcookie, path, &st), *items = json_object_object_get(o, "items");
        CU_ASSERT_EQUAL(st, 200);
        CU_ASSERT_TRUE(json_object_is_type(items, json_type_array) && json_object_array_length(items) == 0);
        if (st != 200)
            fprintf(stderr, "\n    prefix %s: %ld %s\n", prefixes[i], st, json_object_to_json_string(o));
        json_object_put(o);
    }
    const char *keys[] = { "secrets:team/\xc3\xa9", "secrets:\xff\xfe", "secrets:team/a\xe2\x82\xac" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char cursor[128], path[256];
        struct resp r;
        base64url(keys[i], cursor);
        snprintf(path, sizeof(path), "/api/v1/secrets/metadata?cursor=%s", cursor);
        CU_ASSERT_EQUAL(get_as(amcookie, path, &r), 422);
        json_object *o = assert_problem(&r, 422, "validation");
        json_object *e = o ? jpath(o, "errors/0") : NULL;
        CU_ASSERT_TRUE(e && jstr(e, "field") && strcmp(jstr(e, "field"), "cursor") == 0);
        json_object_put(o);
        resp_free(&r);
    }
}

void suite_secret_scopes(void)
{
    if (!suite_wanted("secret-scopes"))
        return;
    CU_pSuite s = CU_add_suite("secret-scopes", scopes_init, NULL);
    CU_add_test(s, "a deleted entity's secrets stay with their team when another takes its name",
                test_deleted_entity_secrets_stay_with_their_team);
    CU_add_test(s, "a live entity handed over by its team takes its secrets along", test_handed_over_entity_takes_its_secrets);
    CU_add_test(s, "parallel writes of new secrets: every one made and read back", test_parallel_new_secrets);
    CU_add_test(s, "a non-ASCII prefix lists nothing, a non-ASCII cursor is refused: never 500",
                test_non_ascii_prefix_and_cursor);
}
