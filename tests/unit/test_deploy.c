/*
 * Unit suite, deploy drivers (runner/drivers/deploy_*.c): each against a server on 127.0.0.1
 * that checks the request as the provider's API does — the path, the method, the credential
 * where the provider looks for it, the headers it requires, the body's form — and answers as
 * the provider answers (204, 201 with a pipeline or a queue item; 401, 404, 403 without a crumb,
 * 503), so a driver passes only by sending what the provider would take. The generic deployer
 * checks the signature with lib/cicd's verifier of inbound deliveries: one scheme both ways.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/cicd.h"
#include "runner/drivers/deploy.h"
#include "tests/loopback.h"
#include "tests/unit/suites.h"

static struct config cfg;
static struct arena a;
static char logged[8192], secrets[4][256];
static size_t nsecrets;

static void log_line(struct driver_run *d, const char *stream, const char *line)
{
    (void)d, (void)stream;
    size_t n = strlen(logged);
    snprintf(logged + n, sizeof(logged) - n, "%s\n", line);
}
static int alive(struct driver_run *d)
{
    (void)d;
    return 0;
}
static void secret(struct driver_run *d, const char *v)
{
    (void)d;
    if (nsecrets < 4)
        snprintf(secrets[nsecrets++], sizeof(secrets[0]), "%s", v);
}

static void run_init(struct driver_run *d)
{
    memset(d, 0, sizeof(*d));
    arena_reset(&a);
    logged[0] = '\0';
    nsecrets = 0;
    d->cfg = &cfg;
    d->arena = &a;
    d->step_name = "deploy";
    d->log = log_line;
    d->alive = alive;
    d->secret = secret;
    d->outputs = json_object_new_object();
}

static const char *ref_of(struct driver_run *d)
{
    json_object *v;
    return json_object_object_get_ex(d->outputs, "ref", &v) ? json_object_get_string(v) : "";
}

/* ---- the fake provider ---------------------------------------------------------------------------- */

struct seen {
    char method[8], path[512];
    char head[8192];        /* the header lines, as sent */
    char body[16384];
    size_t body_len;
};

/* The value of header name in rq (case-insensitive name), or NULL. */
static const char *header(const struct seen *rq, const char *name, char *out, size_t n)
{
    size_t k = strlen(name);
    for (const char *l = rq->head; *l;) {
        const char *e = strstr(l, "\r\n");
        if (!e)
            break;
        if ((size_t)(e - l) > k && strncasecmp(l, name, k) == 0 && l[k] == ':') {
            const char *v = l + k + 1;
            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)(e - v), v);
            return out;
        }
        l = e + 2;
    }
    return NULL;
}

/* The value of name in a form body (not decoded), or NULL. */
static const char *form(const struct seen *rq, const char *name, char *out, size_t n)
{
    size_t k = strlen(name);
    for (const char *s = rq->body; *s;) {
        size_t len = strcspn(s, "&");
        if (len > k && strncmp(s, name, k) == 0 && s[k] == '=') {
            snprintf(out, n, "%.*s", (int)(len - k - 1), s + k + 1);
            return out;
        }
        s += len + (s[len] == '&');
    }
    return NULL;
}

/* What the provider answers rq (the n-th of the exchange): a whole HTTP response into out, and
 * into why what it found wrong ("" when the request is one it takes). */
typedef void (*provider_fn)(const struct seen *rq, int n, int port, char *out, size_t outlen, char *why, size_t whylen);

/* Serve nreq requests in a child, one connection each; each verdict ("ok" or why not) is a line
 * through *verdicts. Returns the child's pid; *port its port. */
static pid_t provider(provider_fn fn, int nreq, int *port, int *verdicts)
{
    int pipefd[2], s = loopback_listen(4, port);
    if (s < 0 || pipe(pipefd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        for (int i = 0; i < nreq; i++) {
            int c = accept(s, NULL, NULL);
            static char raw[32768];
            static struct seen rq;
            memset(&rq, 0, sizeof(rq));
            size_t got = loopback_read_request(c, raw, sizeof(raw));
            char *line_end = strstr(raw, "\r\n"), *end = strstr(raw, "\r\n\r\n");
            if (line_end && end) {
                sscanf(raw, "%7s %511s", rq.method, rq.path);
                snprintf(rq.head, sizeof(rq.head), "%.*s", (int)(end + 2 - (line_end + 2)), line_end + 2);
                rq.body_len = got - (size_t)(end + 4 - raw);
                memcpy(rq.body, end + 4, rq.body_len < sizeof(rq.body) - 1 ? rq.body_len : sizeof(rq.body) - 1);
            }
            static char out[8192], why[512], line[600];
            why[0] = '\0';
            fn(&rq, i, *port, out, sizeof(out), why, sizeof(why));
            ssize_t ignored = write(c, out, strlen(out));
            int k = snprintf(line, sizeof(line), "%s\n", why[0] ? why : "ok");
            ignored = write(pipefd[1], line, (size_t)k);
            (void)ignored;
            close(c);
        }
        _exit(0);
    }
    close(s);
    close(pipefd[1]);
    *verdicts = pipefd[0];
    return pid;
}

/* The verdicts, joined, after the child is done. */
static const char *verdicts_of(pid_t pid, int fd)
{
    static char buf[2048];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    waitpid(pid, NULL, 0);
    return buf;
}

static void reply(char *out, size_t n, int status, const char *extra, const char *body)
{
    snprintf(out, n, "HTTP/1.1 %d X\r\n%sContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             status, extra ? extra : "", strlen(body), body);
}

#define WRONG(...) (snprintf(why, whylen, __VA_ARGS__), reply(out, outlen, status_wrong, NULL, msg_wrong))

static struct deploy_call call(const char *api, const char *target, const char *credential)
{
    return (struct deploy_call){ api, target, "main", NULL, credential, 42, "component:default/web", "production",
                                 "v1.4.0", "0123456789abcdef0123456789abcdef01234567", 0 };
}

/* ---- GitHub: POST /repos/{owner}/{repo}/actions/workflows/{id}/dispatches -> 204 ---------------- */

static void github_api(const struct seen *rq, int n, int port, char *out, size_t outlen, char *why, size_t whylen)
{
    (void)n, (void)port;
    char v[512];
    int status_wrong = 422;
    const char *msg_wrong = "{\"message\":\"Unexpected inputs provided\"}";
    if (!header(rq, "Authorization", v, sizeof(v)) || strcmp(v, "Bearer ghp_good") != 0) {
        status_wrong = 401, msg_wrong = "{\"message\":\"Bad credentials\"}";
        WRONG("authorization: %s", header(rq, "Authorization", v, sizeof(v)) ? "wrong token" : "none");
        return;
    }
    if (strcmp(rq->method, "POST") != 0 || strcmp(rq->path, "/repos/acme/web/actions/workflows/deploy.yml/dispatches") != 0) {
        status_wrong = 404, msg_wrong = "{\"message\":\"Not Found\"}";
        WRONG("%s %s", rq->method, rq->path);
        return;
    }
    if (!header(rq, "Accept", v, sizeof(v)) || strcmp(v, "application/vnd.github+json") != 0)
        return (void)WRONG("Accept: %s", v);
    if (!header(rq, "X-GitHub-Api-Version", v, sizeof(v)) || strcmp(v, "2022-11-28") != 0)
        return (void)WRONG("no X-GitHub-Api-Version");
    json_object *b = json_tokener_parse(rq->body), *ref, *inputs;
    if (!b || !json_object_object_get_ex(b, "ref", &ref) || !json_object_is_type(ref, json_type_string) ||
        !json_object_object_get_ex(b, "inputs", &inputs) || !json_object_is_type(inputs, json_type_object) ||
        json_object_object_length(inputs) > 25) {
        json_object_put(b);
        return (void)WRONG("body: %s", rq->body);
    }
    /* every input a string, as workflow_dispatch takes them */
    json_object_object_foreach(inputs, key, val) {
        if (!json_object_is_type(val, json_type_string)) {
            json_object_put(b);
            return (void)WRONG("input %s is not a string", key);
        }
    }
    json_object *env, *ver, *dep;
    if (!json_object_object_get_ex(inputs, "portico_environment", &env) || strcmp(json_object_get_string(env), "production") ||
        !json_object_object_get_ex(inputs, "portico_version", &ver) || strcmp(json_object_get_string(ver), "v1.4.0") ||
        !json_object_object_get_ex(inputs, "portico_deploy", &dep) || strcmp(json_object_get_string(dep), "42") ||
        strcmp(json_object_get_string(ref), "main")) {
        json_object_put(b);
        return (void)WRONG("inputs: %s", rq->body);
    }
    json_object_put(b);
    snprintf(out, outlen, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

static void test_github(void)
{
    int port, fd;
    struct driver_run d;
    char api[64];
    pid_t pid = provider(github_api, 1, &port, &fd);
    CU_ASSERT_FATAL(pid > 0);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
    run_init(&d);
    struct deploy_call k = call(api, "acme/web/deploy.yml", "ghp_good");
    CU_ASSERT_EQUAL(deploy_github.trigger(&d, &k), DEPLOY_OK);
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "ok\n");
    CU_ASSERT_STRING_EQUAL(secrets[0], "ghp_good");
    CU_ASSERT_PTR_NULL(strstr(logged, "ghp_good"));
    CU_ASSERT_PTR_NOT_NULL(strstr(logged, "POST http://127.0.0.1"));
    json_object_put(d.outputs);

    /* a bad token: GitHub's 401 and its words, not retried */
    pid = provider(github_api, 1, &port, &fd);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
    run_init(&d);
    k = call(api, "acme/web/deploy.yml", "ghp_bad");
    CU_ASSERT_EQUAL(deploy_github.trigger(&d, &k), DEPLOY_REFUSED);
    CU_ASSERT_STRING_EQUAL(d.error, "GitHub answered 401: Bad credentials");
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "authorization: wrong token\n");
    CU_ASSERT_PTR_NULL(strstr(d.error, "ghp_bad"));
    json_object_put(d.outputs);
}

/* ---- GitLab: POST /api/v4/projects/{id}/trigger/pipeline (form) -> 201 {"id"} ------------------- */

static void gitlab_api(const struct seen *rq, int n, int port, char *out, size_t outlen, char *why, size_t whylen)
{
    (void)n, (void)port;
    char v[512];
    int status_wrong = 400;
    const char *msg_wrong = "{\"message\":\"400 Bad request\"}";
    if (strcmp(rq->method, "POST") != 0 || strcmp(rq->path, "/api/v4/projects/group%2Fweb/trigger/pipeline") != 0) {
        status_wrong = 404, msg_wrong = "{\"message\":\"404 Project Not Found\"}";
        return (void)WRONG("%s %s", rq->method, rq->path);
    }
    if (!header(rq, "Content-Type", v, sizeof(v)) || strcmp(v, "application/x-www-form-urlencoded") != 0)
        return (void)WRONG("Content-Type: %s", v);
    if (!form(rq, "token", v, sizeof(v)) || strcmp(v, "glptt-good") != 0) {
        status_wrong = 404, msg_wrong = "{\"message\":\"404 Not Found\"}";
        return (void)WRONG("token");
    }
    if (strstr(rq->path, "glptt"))
        return (void)WRONG("the token is in the URL");
    if (!form(rq, "ref", v, sizeof(v)) || strcmp(v, "main") != 0)
        return (void)WRONG("ref");
    if (!form(rq, "variables%5BPORTICO_ENVIRONMENT%5D", v, sizeof(v)) || strcmp(v, "production") != 0 ||
        !form(rq, "variables%5BPORTICO_VERSION%5D", v, sizeof(v)) || strcmp(v, "v1.4.0") != 0 ||
        !form(rq, "variables%5BPORTICO_DEPLOY%5D", v, sizeof(v)) || strcmp(v, "42") != 0)
        return (void)WRONG("variables: %s", rq->body);
    reply(out, outlen, 201, NULL, "{\"id\":4711,\"iid\":12,\"status\":\"created\",\"ref\":\"main\","
                                  "\"web_url\":\"https://gitlab.example/group/web/-/pipelines/4711\"}");
}

static void test_gitlab(void)
{
    int port, fd;
    struct driver_run d;
    char api[64];
    pid_t pid = provider(gitlab_api, 1, &port, &fd);
    CU_ASSERT_FATAL(pid > 0);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
    run_init(&d);
    struct deploy_call k = call(api, "group/web", "glptt-good");
    CU_ASSERT_EQUAL(deploy_gitlab.trigger(&d, &k), DEPLOY_OK);
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "ok\n");
    CU_ASSERT_STRING_EQUAL(ref_of(&d), "pipeline 4711");
    json_object_put(d.outputs);
}

/* ---- Jenkins: the crumb, then buildWithParameters with it and its session -> 201 Location ------- */

static void jenkins_api(const struct seen *rq, int n, int port, char *out, size_t outlen, char *why, size_t whylen)
{
    char v[512], want[128];
    int status_wrong = 403;
    const char *msg_wrong = "{\"message\":\"No valid crumb was included in the request\"}";
    unsigned char raw[64];
    snprintf((char *)raw, sizeof(raw), "deployer:jenkins-token");
    char b64[128];
    sodium_bin2base64(b64, sizeof(b64), raw, strlen((char *)raw), sodium_base64_VARIANT_ORIGINAL);
    snprintf(want, sizeof(want), "Basic %s", b64);
    if (!header(rq, "Authorization", v, sizeof(v)) || strcmp(v, want) != 0) {
        status_wrong = 401, msg_wrong = "{\"message\":\"Unauthorized\"}";
        return (void)WRONG("authorization");
    }
    if (n == 0) {
        if (strcmp(rq->method, "GET") != 0 || strcmp(rq->path, "/crumbIssuer/api/json") != 0)
            return (void)WRONG("first %s %s, not the crumb", rq->method, rq->path);
        reply(out, outlen, 200, "Set-Cookie: JSESSIONID.deadbeef=node0sess1; Path=/; HttpOnly\r\n",
              "{\"_class\":\"hudson.security.csrf.DefaultCrumbIssuer\",\"crumb\":\"c0ffee42\","
              "\"crumbRequestField\":\"Jenkins-Crumb\"}");
        return;
    }
    if (strcmp(rq->method, "POST") != 0 || strcmp(rq->path, "/job/platform/job/deploy-web/buildWithParameters") != 0) {
        status_wrong = 404, msg_wrong = "{}";
        return (void)WRONG("%s %s", rq->method, rq->path);
    }
    /* the crumb is good only with the session it was issued in */
    if (!header(rq, "Jenkins-Crumb", v, sizeof(v)) || strcmp(v, "c0ffee42") != 0)
        return (void)WRONG("no crumb");
    if (!header(rq, "Cookie", v, sizeof(v)) || !strstr(v, "JSESSIONID.deadbeef=node0sess1"))
        return (void)WRONG("the crumb without its session");
    if (!form(rq, "PORTICO_ENVIRONMENT", v, sizeof(v)) || strcmp(v, "production") != 0 ||
        !form(rq, "PORTICO_VERSION", v, sizeof(v)) || strcmp(v, "v1.4.0") != 0 ||
        !form(rq, "PORTICO_DEPLOY", v, sizeof(v)) || strcmp(v, "42") != 0)
        return (void)WRONG("parameters: %s", rq->body);
    char loc[128];
    snprintf(loc, sizeof(loc), "Location: http://127.0.0.1:%d/queue/item/17/\r\n", port);
    reply(out, outlen, 201, loc, "");
}

static void test_jenkins(void)
{
    int port, fd;
    struct driver_run d;
    char api[64], want[96];
    pid_t pid = provider(jenkins_api, 2, &port, &fd);
    CU_ASSERT_FATAL(pid > 0);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
    run_init(&d);
    struct deploy_call k = call(api, "platform/deploy-web", "jenkins-token");
    k.user = "deployer";
    CU_ASSERT_EQUAL(deploy_jenkins.trigger(&d, &k), DEPLOY_OK);
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "ok\nok\n");
    snprintf(want, sizeof(want), "http://127.0.0.1:%d/queue/item/17/", port);
    CU_ASSERT_STRING_EQUAL(ref_of(&d), want);
    CU_ASSERT_PTR_NULL(strstr(logged, "jenkins-token"));
    json_object_put(d.outputs);

    /* a wrong token: the crumb issuer's 401 ends it */
    pid = provider(jenkins_api, 1, &port, &fd);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
    run_init(&d);
    k = call(api, "platform/deploy-web", "wrong");
    k.user = "deployer";
    CU_ASSERT_EQUAL(deploy_jenkins.trigger(&d, &k), DEPLOY_REFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "401"));
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "authorization\n");
    json_object_put(d.outputs);
}

/* ---- CircleCI: POST /api/v2/project/{slug}/pipeline -> 201 {"number"} ---------------------------- */

static void circleci_api(const struct seen *rq, int n, int port, char *out, size_t outlen, char *why, size_t whylen)
{
    (void)n, (void)port;
    char v[512];
    int status_wrong = 400;
    const char *msg_wrong = "{\"message\":\"Unexpected argument(s): nope\"}";
    if (!header(rq, "Circle-Token", v, sizeof(v)) || strcmp(v, "cci-good") != 0) {
        status_wrong = 401, msg_wrong = "{\"message\":\"You must log in first.\"}";
        return (void)WRONG("Circle-Token");
    }
    if (strcmp(rq->method, "POST") != 0 || strcmp(rq->path, "/api/v2/project/gh/acme/web/pipeline") != 0) {
        status_wrong = 404, msg_wrong = "{\"message\":\"Project not found\"}";
        return (void)WRONG("%s %s", rq->method, rq->path);
    }
    json_object *b = json_tokener_parse(rq->body), *branch, *params, *x;
    bool ok = b && json_object_object_get_ex(b, "branch", &branch) && strcmp(json_object_get_string(branch), "main") == 0 &&
              json_object_object_get_ex(b, "parameters", &params) && json_object_is_type(params, json_type_object) &&
              json_object_object_get_ex(params, "portico_version", &x) && strcmp(json_object_get_string(x), "v1.4.0") == 0 &&
              json_object_object_get_ex(params, "portico_deploy", &x) && strcmp(json_object_get_string(x), "42") == 0;
    json_object_put(b);
    if (!ok)
        return (void)WRONG("body: %s", rq->body);
    reply(out, outlen, 201, NULL, "{\"id\":\"5034460f-c7c4-4c43-9457-de07e2029e7b\",\"number\":25,\"state\":\"created\","
                                  "\"created_at\":\"2026-12-03T10:00:00Z\"}");
}

static void test_circleci(void)
{
    int port, fd;
    struct driver_run d;
    char api[64];
    pid_t pid = provider(circleci_api, 1, &port, &fd);
    CU_ASSERT_FATAL(pid > 0);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d", port);
    run_init(&d);
    struct deploy_call k = call(api, "gh/acme/web", "cci-good");
    CU_ASSERT_EQUAL(deploy_circleci.trigger(&d, &k), DEPLOY_OK);
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "ok\n");
    CU_ASSERT_STRING_EQUAL(ref_of(&d), "pipeline 25");
    json_object_put(d.outputs);
}

/* ---- generic: a signed POST, checked by lib/cicd's own verifier -------------------------------- */

#define DEPLOYER_SECRET "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static int generic_status = 200;

static void generic_api(const struct seen *rq, int n, int port, char *out, size_t outlen, char *why, size_t whylen)
{
    (void)n, (void)port;
    char sig[128], ts[32], delivery[64], ev[32];
    int status_wrong = 401;
    const char *msg_wrong = "{\"message\":\"bad signature\"}";
    struct cicd_headers h = { 0 };
    h.portico_signature = header(rq, "X-Portico-Signature", sig, sizeof(sig));
    h.portico_timestamp = header(rq, "X-Portico-Timestamp", ts, sizeof(ts));
    h.portico_delivery = header(rq, "X-Portico-Delivery", delivery, sizeof(delivery));
    h.portico_event = header(rq, "X-Portico-Event", ev, sizeof(ev));
    const char *w;
    if (!cicd_signature_ok(CICD_GENERIC, &h, DEPLOYER_SECRET, rq->body, rq->body_len, time(NULL), &w))
        return (void)WRONG("signature: %s", w);
    if (!h.portico_delivery || strcmp(delivery, "deploy-42") != 0 || !h.portico_event || strcmp(ev, "deploy") != 0)
        return (void)WRONG("delivery or event");
    json_object *b = json_tokener_parse(rq->body), *x;
    bool ok = b && json_object_object_get_ex(b, "deploy", &x) && json_object_get_int64(x) == 42 &&
              json_object_object_get_ex(b, "version", &x) && strcmp(json_object_get_string(x), "v1.4.0") == 0 &&
              json_object_object_get_ex(b, "rollback_of", &x) && x == NULL;
    json_object_put(b);
    if (!ok)
        return (void)WRONG("body: %s", rq->body);
    if (generic_status < 0) {   /* a deployer that takes the request and answers too late */
        sleep(3);
        reply(out, outlen, 200, NULL, "{}");
        return;
    }
    if (generic_status != 200) {
        reply(out, outlen, generic_status, "Retry-After: 1\r\n", "{\"message\":\"busy\"}");
        snprintf(why, whylen, "answered %d", generic_status);
        return;
    }
    reply(out, outlen, 200, NULL, "{\"ref\":\"run-9\"}");
}

static void test_generic(void)
{
    int port, fd;
    struct driver_run d;
    char api[64];
    pid_t pid = provider(generic_api, 1, &port, &fd);
    CU_ASSERT_FATAL(pid > 0);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d/deploy", port);
    run_init(&d);
    struct deploy_call k = call(api, "", DEPLOYER_SECRET);
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_OK);
    CU_ASSERT_STRING_EQUAL(verdicts_of(pid, fd), "ok\n");
    CU_ASSERT_STRING_EQUAL(ref_of(&d), "run-9");
    json_object_put(d.outputs);

    /* a wrong secret is the deployer's 401: refused, not retried */
    pid = provider(generic_api, 1, &port, &fd);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d/deploy", port);
    run_init(&d);
    k = call(api, "", "not-the-secret");
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_REFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(verdicts_of(pid, fd), "signature"));
    json_object_put(d.outputs);

    /* 503 and 429 may pass: retried later */
    static const int busy[] = { 503, 429 };
    for (size_t i = 0; i < 2; i++) {
        generic_status = busy[i];
        pid = provider(generic_api, 1, &port, &fd);
        snprintf(api, sizeof(api), "http://127.0.0.1:%d/deploy", port);
        run_init(&d);
        k = call(api, "", DEPLOYER_SECRET);
        CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_RETRY);
        CU_ASSERT_PTR_NOT_NULL(strstr(d.error, busy[i] == 503 ? "503: busy" : "429: busy"));
        verdicts_of(pid, fd);
        json_object_put(d.outputs);
    }
    generic_status = 200;

    /* the request went out and no answer came in time: not tried again (the deployer may have
     * started it) */
    generic_status = -1;
    pid = provider(generic_api, 1, &port, &fd);
    snprintf(api, sizeof(api), "http://127.0.0.1:%d/deploy", port);
    run_init(&d);
    cfg.provision_step_timeout_seconds = 1;
    k = call(api, "", DEPLOYER_SECRET);
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_UNSURE);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "may have started it"));
    cfg.provision_step_timeout_seconds = 10;
    verdicts_of(pid, fd);
    json_object_put(d.outputs);
    generic_status = 200;

    /* nothing listening: retried later */
    run_init(&d);
    k = call("http://127.0.0.1:1/deploy", "", DEPLOYER_SECRET);
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_RETRY);
    json_object_put(d.outputs);
}

/* Loopback only where cicd_deploy_allow_loopback says, whatever the webhook setting; https
 * elsewhere; no credentials in the URL. */
static void test_places(void)
{
    struct driver_run d;
    cfg.cicd_deploy_allow_loopback = 0;
    cfg.provision_webhook_allow_loopback = 1;
    run_init(&d);
    struct deploy_call k = call("http://127.0.0.1:1/deploy", "", "s");
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_REFUSED);   /* a setting, not a passing trouble */
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "cicd_deploy_allow_loopback"));
    json_object_put(d.outputs);
    run_init(&d);
    k = call("https://[::ffff:127.0.0.1]:1/deploy", "", "s");
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_REFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "cicd_deploy_allow_loopback"));
    json_object_put(d.outputs);
    run_init(&d);
    k = call("https://10.1.2.3:1/deploy", "", "s");
    CU_ASSERT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_REFUSED);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "cicd_deploy_allow_private"));
    json_object_put(d.outputs);
    cfg.provision_webhook_allow_loopback = 0;
    cfg.cicd_deploy_allow_loopback = 1;
    run_init(&d);
    k = call("http://user:pw@127.0.0.1:1/deploy", "", "s");
    CU_ASSERT_NOT_EQUAL(deploy_generic.trigger(&d, &k), DEPLOY_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(d.error, "credentials"));
    json_object_put(d.outputs);
    CU_ASSERT_PTR_NOT_NULL(deploy_driver_find("jenkins"));
    CU_ASSERT_PTR_NULL(deploy_driver_find("travis"));
}

static int setup(void)
{
    arena_init(&a, 1 << 16);
    cfg.provision_step_timeout_seconds = 10;
    cfg.cicd_deploy_allow_loopback = 1;   /* the fake providers are on loopback */
    return 0;
}

static int teardown(void)
{
    arena_free(&a);
    return 0;
}

void suite_deploy(void)
{
    CU_pSuite s = CU_add_suite("deploy", setup, teardown);
    CU_add_test(s, "github: workflow_dispatch as GitHub takes it; its 401 in words", test_github);
    CU_add_test(s, "gitlab: a pipeline trigger with the token in the body", test_gitlab);
    CU_add_test(s, "jenkins: the crumb with its session, then buildWithParameters", test_jenkins);
    CU_add_test(s, "circleci: a pipeline with its parameters", test_circleci);
    CU_add_test(s, "generic: signed as Portico checks; 429 and 503 retried, 401 not", test_generic);
    CU_add_test(s, "deploys reach loopback and private addresses only where allowed", test_places);
}
