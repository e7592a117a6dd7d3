/*
 * client: the integration suites' shared helpers (client.h).
 */
#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/summary.h"

const char *base_url;
const char *server;
const char *client_address;
char canary_watch[80];
int canary_leaks;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t add = sz * n;
    char *nb = realloc(r->body, r->len + add + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->len, p, add);
    r->body = nb;
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t add = sz * n;
    /* keep only the last response's headers (curl reports 100 Continue too) */
    if (add > 5 && strncmp(p, "HTTP/", 5) == 0)
        r->hlen = 0;
    if (r->hlen + add < sizeof(r->headers)) {
        memcpy(r->headers + r->hlen, p, add);
        r->hlen += add;
        r->headers[r->hlen] = '\0';
    }
    return add;
}

void resp_free(struct resp *r)
{
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int request(const char *method, const char *path, const char *ctype, const char *body,
                   long body_len, const char *const *extra, struct resp *r)
{
    char url[2048];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "%s%s", base_url, path);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char ct[256];
    if (ctype) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
    for (; extra && *extra; extra++)
        h = curl_slist_append(h, *extra);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (client_address)
        curl_easy_setopt(c, CURLOPT_INTERFACE, client_address);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body_len < 0 ? (long)strlen(body) : body_len));
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r->body)
        r->body = calloc(1, 1);
    if (canary_watch[0] && !strstr(path, "/secrets/reveal/") &&
        ((r->body && strstr(r->body, canary_watch)) || strstr(r->headers, canary_watch))) {
        canary_leaks++;
        fprintf(stderr, "\n    canary: %s %s answered the secret's value\n", method, path);
    }
    return rc == CURLE_OK ? 0 : -1;
}

int raw_request(const void *data, size_t len, struct resp *r)
{
    memset(r, 0, sizeof(*r));
    const char *colon = strrchr(base_url, ':');
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon ? colon + 1 : "80")) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = { .tv_sec = 20 };
    if (s < 0)
        return -1;
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(s);
        return -1;
    }
    /* the whole request, then our end closed: the answer is read until the server closes */
    for (size_t off = 0; off < len;) {
        ssize_t w = send(s, (const char *)data + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;   /* the server may refuse (and close) before reading it all */
        off += (size_t)w;
    }
    shutdown(s, SHUT_WR);
    size_t cap = 65536, n = 0;
    char *all = malloc(cap + 1);
    ssize_t got;
    while (all && (got = recv(s, all + n, cap - n, 0)) > 0) {
        n += (size_t)got;
        if (n == cap) {
            char *na = realloc(all, cap * 2 + 1);
            if (!na)
                break;
            all = na;
            cap *= 2;
        }
    }
    close(s);
    if (!all)
        return -1;
    all[n] = '\0';
    r->raw_len = n;
    const char *end = strstr(all, "\r\n\r\n");
    if (n > 12 && strncmp(all, "HTTP/1.", 7) == 0 && end) {
        r->status = atol(all + 9);
        size_t hl = (size_t)(end + 2 - all);
        if (hl >= sizeof(r->headers))
            hl = sizeof(r->headers) - 1;
        memcpy(r->headers, all, hl);
        r->headers[hl] = '\0';
        r->hlen = hl;
        const char *b = end + 4;
        r->len = n - (size_t)(b - all);
        r->body = malloc(r->len + 1);
        if (r->body) {
            memcpy(r->body, b, r->len);
            r->body[r->len] = '\0';
        }
        char te[64];
        if (r->body && header(r, "Transfer-Encoding", te, sizeof(te)) && strcasecmp(te, "chunked") == 0) {
            /* chunked: size lines and data, in place */
            size_t in = 0, out = 0;
            for (;;) {
                char *next;
                unsigned long sz = strtoul(r->body + in, &next, 16);
                char *crlf = strstr(next, "\r\n");
                if (!crlf || sz == 0)
                    break;
                in = (size_t)(crlf + 2 - r->body);
                if (in + sz > r->len)
                    break;
                memmove(r->body + out, r->body + in, sz);
                out += sz;
                in += sz + 2;
            }
            r->len = out;
            r->body[out] = '\0';
        }
    } else {
        r->body = all;   /* no status line (or nothing): the bytes as they came */
        r->len = n;
        all = NULL;
    }
    free(all);
    return 0;
}

/* Value of header name in r (trimmed), or NULL. */
const char *header(const struct resp *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    const char *line = r->headers;
    while (line && *line) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t vl = strcspn(v, "\r\n");
            if (vl >= len)
                vl = len - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return buf;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

bool header_is(const struct resp *r, const char *name, const char *prefix)
{
    char buf[512];
    const char *v = header(r, name, buf, sizeof(buf));
    return v && strncasecmp(v, prefix, strlen(prefix)) == 0;
}

const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

long long jint(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

/* Assert r is a problem+json document with that status; return it parsed (caller puts). */
json_object *assert_problem(const struct resp *r, long status, const char *type_slug)
{
    CU_ASSERT_EQUAL(r->status, status);
    CU_ASSERT_TRUE(header_is(r, "Content-Type", "application/problem+json"));
    json_object *o = json_tokener_parse(r->body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(jint(o, "status"), status);
    CU_ASSERT_PTR_NOT_NULL(jstr(o, "title"));
    const char *type = jstr(o, "type");
    CU_ASSERT_PTR_NOT_NULL(type);
    if (type && type_slug) {
        char want[128];
        snprintf(want, sizeof(want), "urn:portico:problem:%s", type_slug);
        CU_ASSERT_STRING_EQUAL(type, want);
    }
    return o;
}

/* Problems made by the handler carry request_id, equal to the X-Request-Id header. */
void assert_request_id(const struct resp *r, json_object *problem)
{
    char buf[128];
    const char *hdr = header(r, "X-Request-Id", buf, sizeof(buf));
    const char *body = jstr(problem, "request_id");
    CU_ASSERT_PTR_NOT_NULL(hdr);
    CU_ASSERT_PTR_NOT_NULL(body);
    if (hdr && body)
        CU_ASSERT_STRING_EQUAL(hdr, body);
}

/* Run a shell command; returns its exit status, output into out (may be NULL). */
int run(const char *cmd, char *out, size_t outlen)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = 0;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), p)) > 0) {
        if (out && n + got < outlen) {
            memcpy(out + n, buf, got);
            n += got;
        }
    }
    if (out)
        out[n < outlen ? n : outlen - 1] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Read one key of the stack's configuration file. */
int config_value(const char *key, char *out, size_t len)
{
    const char *path = getenv("PORTICO_CONFIG");
    FILE *f = path ? fopen(path, "r") : NULL;
    char line[1024];
    int rc = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        size_t kl = strlen(key);
        if (strncmp(line, key, kl) == 0 && (line[kl] == ' ' || line[kl] == '=')) {
            char *v = strchr(line, '=');
            if (!v)
                continue;
            v++;
            while (*v == ' ')
                v++;
            v[strcspn(v, "\r\n")] = '\0';
            snprintf(out, len, "%s", v);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* Log in; on success fill cookie ("portico_session=...") and csrf. Returns the status. */
long login(const char *user, const char *password, char *cookie, size_t clen, char *csrf, size_t xlen)
{
    struct resp r;
    char body[512], sc[512];
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    if (request("POST", "/api/v1/auth/login", "application/json", body, -1, NULL, &r) < 0)
        return -1;
    long status = r.status;
    if (status == 200 && cookie) {
        const char *v = header(&r, "Set-Cookie", sc, sizeof(sc));
        snprintf(cookie, clen, "%.*s", v ? (int)strcspn(v, ";") : 0, v ? v : "");
        json_object *o = json_tokener_parse(r.body);
        snprintf(csrf, xlen, "%s", o && jstr(o, "csrf_token") ? jstr(o, "csrf_token") : "");
        json_object_put(o);
    }
    resp_free(&r);
    return status;
}

const char *admin_password(void)
{
    const char *pw = getenv("PORTICO_TEST_ADMIN_PASSWORD");
    return pw ? pw : "";
}

/* Run SQL as the database's root (the test plays the attacker or the clock). */
int as_root(const char *sql)
{
    char sock[512], cmd[2048];
    if (config_value("db_socket", sock, sizeof(sock)) < 0)
        return -1;
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -S '%s' -u root portico -e \"%s\" >/dev/null 2>&1", sock, sql);
    return run(cmd, NULL, 0);
}

/* A number the database's root reads (a COUNT(*)), or -1. */
long long root_number(const char *sql)
{
    char sock[512], cmd[2048], out[64];
    if (config_value("db_socket", sock, sizeof(sock)) < 0)
        return -1;
    snprintf(cmd, sizeof(cmd), "mariadb --no-defaults -N -S '%s' -u root portico -e \"%s\"", sock, sql);
    if (run(cmd, out, sizeof(out)) != 0)
        return -1;
    return strtoll(out, NULL, 10);
}

/* The value r's Set-Cookie gives cookie name ("name=value", up to ';'), or "" if none. */
const char *set_cookie(const struct resp *r, const char *name, char *out, size_t len)
{
    char field[128];
    out[0] = '\0';
    snprintf(field, sizeof(field), "\nSet-Cookie: %s=", name);
    const char *h = strcasestr(r->headers, field);
    if (h) {
        const char *v = h + strlen("\nSet-Cookie: ");
        snprintf(out, len, "%.*s", (int)strcspn(v, ";\r\n"), v);
    }
    return out;
}

/* Create a user with a global role through portico-admin; the password is name + a suffix. */
int make_user(const char *name, const char *role)
{
    const char *admin = getenv("PORTICO_TEST_ADMIN");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "echo '%s-password-1' | %s create-user %s --role %s --password-stdin >/dev/null 2>&1",
             name, admin ? admin : "false", name, role);
    return run(cmd, NULL, 0);
}

long get_as(const char *cookie, const char *path, struct resp *r)
{
    char hdr[300];
    snprintf(hdr, sizeof(hdr), "Cookie: %s", cookie ? cookie : "");
    const char *const h[] = { hdr, NULL };
    if (request("GET", path, NULL, NULL, 0, cookie ? h : NULL, r) < 0)
        return -1;
    return r->status;
}

/* POST JSON with the session's cookie and CSRF token. */
long post_session(const char *cookie, const char *csrf, const char *method, const char *path,
                         const char *body, struct resp *r)
{
    char hc[300], hx[200];
    snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
    const char *const h[] = { hc, hx, NULL };
    if (request(method, path, body ? "application/json" : NULL, body ? body : "", -1, h, r) < 0)
        return -1;
    return r->status;
}

long get_bearer(const char *token, const char *path, struct resp *r)
{
    char h[200];
    snprintf(h, sizeof(h), "Authorization: Bearer %s", token);
    const char *const hs[] = { h, NULL };
    if (request("GET", path, NULL, NULL, 0, hs, r) < 0)
        return -1;
    return r->status;
}

long long created_id(struct resp *r)
{
    json_object *o = json_tokener_parse(r->body);
    long long id = o ? jint(o, "id") : 0;
    json_object_put(o);
    return id;
}

/* A request with the session's cookie and CSRF token and, when not NULL, If-Match. */
long session_req(const char *cookie, const char *csrf, const char *method, const char *path, const char *body,
                        const char *if_match, struct resp *r)
{
    char hc[300], hx[200], hm[100];
    snprintf(hc, sizeof(hc), "Cookie: %s", cookie);
    snprintf(hx, sizeof(hx), "X-CSRF-Token: %s", csrf);
    snprintf(hm, sizeof(hm), "If-Match: %s", if_match ? if_match : "");
    const char *const h[] = { hc, hx, if_match ? hm : NULL, NULL };
    if (request(method, path, body ? "application/json" : NULL, body ? body : "", -1, h, r) < 0)
        return -1;
    return r->status;
}

/* One pass of the runner against the test stack (the runner is not left running in tests). */
int runner_pass(char *out, size_t outlen)
{
    const char *runner = getenv("PORTICO_TEST_RUNNER"), *conf = getenv("PORTICO_CONFIG");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s --config %s 2>&1", runner ? runner : "false", conf ? conf : "/nonexistent");
    return run(cmd, out, outlen);
}

json_object *get_json(const char *cookie, const char *path, long *status)
{
    struct resp r;
    *status = get_as(cookie, path, &r);
    json_object *o = json_tokener_parse(r.body ? r.body : "");
    resp_free(&r);
    return o;
}

int client_start(const char *program)
{
    base_url = getenv("PORTICO_TEST_URL");
    server = getenv("PORTICO_TEST_SERVER");
    if (!base_url || !server) {
        fprintf(stderr, "%s: set PORTICO_TEST_URL and PORTICO_TEST_SERVER (dev.sh test does)\n", program);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return CU_initialize_registry() == CUE_SUCCESS ? 0 : 2;
}

int client_finish(void)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed(), run_ = CU_get_number_of_tests_run();
    test_summary_write(run_ - failed, failed);
    int rc = (failed || CU_get_error() || run_ == 0) ? 1 : 0;
    CU_cleanup_registry();
    curl_global_cleanup();
    return rc;
}

int person_make(const char *name, const char *role, const char *team, bool member, char *cookie, size_t clen, char *csrf,
                size_t xlen, long long *id)
{
    static char acookie[256], acsrf[128];
    if (!acookie[0] && login("admin", admin_password(), acookie, sizeof(acookie), acsrf, sizeof(acsrf)) != 200) {
        acookie[0] = '\0';
        fprintf(stderr, "\n    person %s: the administrator cannot log in\n", name);
        return -1;
    }
    char body[512], pw[96], path[256];
    struct resp r;
    snprintf(pw, sizeof(pw), "%s-password-1", name);
    snprintf(body, sizeof(body), "{\"username\":\"%s\",\"email\":\"%s@example.org\",\"password\":\"%s\"}", name, name, pw);
    if (post_session(acookie, acsrf, "POST", "/api/v1/iam/users", body, &r) != 201) {
        fprintf(stderr, "\n    person %s: %ld %s\n", name, r.status, r.body ? r.body : "");
        resp_free(&r);
        return -1;
    }
    long long uid = created_id(&r);
    resp_free(&r);
    if (id)
        *id = uid;
    if (role) {
        if (team)
            snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\",\"scope_type\":"
                                         "\"team\",\"scope_id\":\"%s\"}", name, role, team);
        else
            snprintf(body, sizeof(body), "{\"subject_type\":\"user\",\"subject\":\"%s\",\"role\":\"%s\"}", name, role);
        long st = post_session(acookie, acsrf, "POST", "/api/v1/iam/bindings", body, &r);
        if (st != 201)
            fprintf(stderr, "\n    person %s: binding %ld %s\n", name, st, r.body ? r.body : "");
        resp_free(&r);
        if (st != 201)
            return -1;
    }
    if (member && team) {
        snprintf(path, sizeof(path), "/api/v1/iam/teams/%s/members/%lld", team, uid);
        long st = post_session(acookie, acsrf, "PUT", path, NULL, &r);
        resp_free(&r);
        if (st != 200) {
            fprintf(stderr, "\n    person %s: membership of %s: %ld\n", name, team, st);
            return -1;
        }
    }
    return login(name, pw, cookie, clen, csrf, xlen) == 200 ? 0 : -1;
}

json_object *jpath(json_object *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *save = NULL, *k = strtok_r(buf, "/", &save); k && o; k = strtok_r(NULL, "/", &save)) {
        json_object *next = NULL;
        if (json_object_is_type(o, json_type_array))
            next = json_object_array_get_idx(o, (size_t)atoi(k));
        else if (!json_object_object_get_ex(o, k, &next))
            next = NULL;
        o = next;
    }
    return o;
}

const char *component_json(char *buf, size_t len, const char *name, const char *owner, const char *depends)
{
    snprintf(buf, len, "{\"apiVersion\":\"backstage.io/v1alpha1\",\"kind\":\"Component\",\"metadata\":{\"name\":\"%s\","
                       "\"title\":\"Payments\",\"tags\":[\"java\"]},\"spec\":{\"type\":\"service\",\"lifecycle\":\"production\","
                       "\"owner\":\"%s\",\"dependsOn\":[\"%s\"]}}", name, owner, depends);
    return buf;
}
