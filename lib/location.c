/*
 * location: checking and reading where a catalog file lives (see location.h).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "location.h"
#include "subprocess.h"

/* Is the resolved path p inside one of cfg's roots (a root itself counts only when dir_ok)? */
static bool under_roots(const struct config *cfg, const char *p, bool dir_ok)
{
    char roots[sizeof(cfg->catalog_location_roots)];
    snprintf(roots, sizeof(roots), "%s", cfg->catalog_location_roots);
    char *save = NULL;
    for (char *r = strtok_r(roots, ":", &save); r; r = strtok_r(NULL, ":", &save)) {
        char real[PATH_MAX];
        if (!realpath(r, real))
            continue;
        size_t n = strlen(real);
        if (strncmp(p, real, n) == 0 && (p[n] == '/' || (dir_ok && p[n] == '\0') || (n == 1 && real[0] == '/')))
            return true;
    }
    return false;
}

/* Does the path as written (not resolved: it may not exist) start with a root, as written or
 * resolved? Decides whether a target that cannot be resolved may say why: outside the roots,
 * "does not exist" would tell a caller what is on the server's disk. */
static bool written_under_roots(const struct config *cfg, const char *p)
{
    char roots[sizeof(cfg->catalog_location_roots)];
    snprintf(roots, sizeof(roots), "%s", cfg->catalog_location_roots);
    char *save = NULL;
    for (char *r = strtok_r(roots, ":", &save); r; r = strtok_r(NULL, ":", &save)) {
        char real[PATH_MAX];
        const char *forms[2] = { r, realpath(r, real) };
        for (int i = 0; i < 2; i++) {
            size_t n = forms[i] ? strlen(forms[i]) : 0;
            if (n && strncmp(p, forms[i], n) == 0 && (p[n] == '/' || forms[i][n - 1] == '/'))
                return true;
        }
    }
    return false;
}

/* The name of the first query parameter of url that looks like a credential, into name (at most
 * len - 1 bytes, lower-case, percent-escapes decoded), or NULL. */
static const char *credential_param(const char *url, char *name, size_t len)
{
    static const char *const exact[] = { "key", "sig", "pass", "pwd", "auth", "jwt", "session", "sessionid",
                                         "authorization", "x-amz-credential", NULL };
    static const char *const within[] = { "token", "secret", "password", "passwd", "signature", "apikey", "api_key",
                                          "api-key", "credential", "private", NULL };
    const char *q = strchr(url, '?');
    while (q && *q && *q != '#') {
        q++;
        size_t n = 0;
        for (; *q && *q != '=' && *q != '&' && *q != '#' && *q != ';'; q++) {
            char ch = *q;
            if (ch == '%' && q[1] && q[2]) {
                char hex[3] = { q[1], q[2], '\0' };
                ch = (char)strtol(hex, NULL, 16);
                q += 2;
            }
            if (n + 1 < len)
                name[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
        }
        name[n] = '\0';
        for (size_t i = 0; n && exact[i]; i++)
            if (strcmp(name, exact[i]) == 0)
                return name;
        for (size_t i = 0; n && within[i]; i++)
            if (strstr(name, within[i]))
                return name;
        q += strcspn(q, "&;#");
        if (*q == '#')
            break;
    }
    return NULL;
}

/* A path inside a repository: relative, no empty, "." or ".." parts, plain characters. */
static bool repo_path_ok(const char *s)
{
    if (!*s || *s == '/' || strlen(s) > 255)
        return false;
    for (const char *part = s; *part;) {
        size_t n = strcspn(part, "/");
        if (n == 0 || (n == 1 && part[0] == '.') || (n == 2 && part[0] == '.' && part[1] == '.'))
            return false;
        part += n + (part[n] == '/');
    }
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("._-/ +@", *s)))
            return false;
    return true;
}

static bool revision_ok(const char *s)
{
    if (*s == '-' || strlen(s) > 100 || strstr(s, ".."))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("._-/", *s)))
            return false;
    return true;
}

/* The resolved path of l's file or repository, when it is allowed; NULL with a field error. */
static const char *resolved(const struct config *cfg, const struct location *l, char real[PATH_MAX], struct problem *p)
{
    bool git = strcmp(l->type, "git") == 0;
    if (l->target[0] != '/') {
        problem_field(p, "target", "must be an absolute path");
        return NULL;
    }
    if (!cfg->catalog_location_roots[0]) {
        problem_field(p, "target", "file and git locations are off: the configuration names no catalog_location_roots");
        return NULL;
    }
    /* the roots themselves are the administrator's to tell: a caller learns only that the target
     * is not under one (nor whether something outside them exists) */
    struct stat st;
    if (!realpath(l->target, real) || stat(real, &st) < 0) {
        if (!written_under_roots(cfg, l->target))
            problem_field(p, "target", "is not under one of the catalog_location_roots (an administrator can tell you which)");
        else
            problem_field(p, "target", "cannot be read: %s", strerror(errno));
        return NULL;
    }
    if (!under_roots(cfg, real, git)) {
        problem_field(p, "target", "is not under one of the catalog_location_roots (an administrator can tell you which)");
        return NULL;
    }
    if (git ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        problem_field(p, "target", git ? "must be a git repository's directory" : "must be a regular file");
        return NULL;
    }
    return real;
}

const char *location_shown(const char *target, char *out, size_t len)
{
    const char *rest = strncmp(target, "https://", 8) == 0 ? target + 8 : strncmp(target, "http://", 7) == 0 ? target + 7 : NULL;
    if (!rest) {
        snprintf(out, len, "%s", target);
        return out;
    }
    size_t authority = strcspn(rest, "/?#"), at = strcspn(rest, "@");
    const char *host = at < authority ? rest + at + 1 : rest;
    size_t keep = strcspn(host, "?#");
    snprintf(out, len, "%.*s%.*s%s", (int)(rest - target), target, (int)keep, host, host[keep] == '?' ? "?…" : "");
    return out;
}

int location_check(const struct config *cfg, const struct location *l, struct problem *p)
{
    size_t before = p->nfields;
    char real[PATH_MAX], name[64];
    if (strlen(l->target) > 1000) {
        problem_field(p, "target", "must be at most 1000 characters");
    } else if (strcmp(l->type, "url") == 0) {
        const char *rest = strncmp(l->target, "https://", 8) == 0 ? l->target + 8
                           : strncmp(l->target, "http://", 7) == 0 ? l->target + 7 : NULL;
        if (!rest || !*rest)
            problem_field(p, "target", "must be an http:// or https:// URL");
        else if (strcspn(rest, "/?#") > strcspn(rest, "@"))
            problem_field(p, "target", "must not carry credentials (user:password@): a URL is stored, shown and "
                                       "logged; use a secret reference instead");
        else if (credential_param(l->target, name, sizeof(name)))
            problem_field(p, "target", "must not carry a credential in its query (%.24s=): a URL is stored, shown and "
                                       "logged; use a secret reference instead", name);
        else if (strpbrk(l->target, " \t\r\n"))
            problem_field(p, "target", "must not contain spaces");
    } else if (strcmp(l->type, "file") == 0 || strcmp(l->type, "git") == 0) {
        resolved(cfg, l, real, p);
    } else {
        problem_field(p, "type", "must be file, git or url");
    }
    if (strcmp(l->type, "git") == 0) {
        if (l->path[0] && !repo_path_ok(l->path))
            problem_field(p, "path", "must be a relative path inside the repository, without '.' or '..' parts");
        if (!revision_ok(l->revision))
            problem_field(p, "revision", "must be a branch, tag or commit name");
    } else if (l->path[0] || l->revision[0]) {
        problem_field(p, l->path[0] ? "path" : "revision", "applies to git locations only");
    }
    if (p->nfields > before) {
        problem_set(p, 422, "validation", "the location is not valid");
        return -1;
    }
    return 0;
}

/* A growing buffer with a cap. */
struct buf {
    char *data;
    size_t len, cap, max;
    bool over;
};

static bool buf_add(struct buf *b, const char *s, size_t n)
{
    if (b->len + n > b->max) {
        b->over = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static int read_file(const char *real, size_t max, struct buf *b, struct problem *p)
{
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return problem_set(p, 502, "upstream", "cannot open %s: %s", real, strerror(errno));
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        if (!buf_add(b, chunk, (size_t)n))
            break;
    int err = errno;
    close(fd);
    if (b->over)
        return problem_set(p, 413, "too-large", "%s holds more than %zu bytes", real, max);
    if (n < 0)
        return problem_set(p, 502, "upstream", "cannot read %s: %s", real, strerror(err));
    return 0;
}

/* git's output: stdout into the file's buffer (past its bound: stop), stderr into a short one. */
struct git_read {
    struct buf *out, err;
};

static int git_output(void *ctx, enum subprocess_stream stream, const char *bytes, size_t n)
{
    struct git_read *g = ctx;
    if (!bytes)
        return 0;
    if (stream == SUBPROCESS_STDERR) {
        buf_add(&g->err, bytes, n);   /* past 4 KiB the message is cut, not the run */
        return 0;
    }
    return buf_add(g->out, bytes, n) ? 0 : 1;
}

/* The environment git runs in: the runner's, asking for no terminal prompt and no system
 * configuration: a new array (the caller frees it, not its strings). */
static char **git_environment(void)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof(char *));
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "GIT_TERMINAL_PROMPT=", 20) != 0 && strncmp(environ[i], "GIT_CONFIG_NOSYSTEM=", 20) != 0)
            env[k++] = environ[i];
    env[k++] = "GIT_TERMINAL_PROMPT=0";
    env[k++] = "GIT_CONFIG_NOSYSTEM=1";
    return env;
}

/* `git show <revision>:<path>` in the repository, its output into b. */
static int read_git(const char *repo, const struct location *l, size_t max, int timeout, struct buf *b,
                    struct problem *p)
{
    char object[512], safe[PATH_MAX + 32];
    snprintf(object, sizeof(object), "%s:%s", l->revision[0] ? l->revision : "HEAD",
             l->path[0] ? l->path : "catalog-info.yaml");
    snprintf(safe, sizeof(safe), "safe.directory=%s", repo);
    char *const argv[] = { "git", "-c", safe, "-C", (char *)repo, "show", "--no-textconv", "--end-of-options", object, NULL };
    char **env = git_environment();
    if (!env)
        return problem_set(p, 500, "internal", "out of memory");
    struct git_read g = { b, { NULL, 0, 0, 4096, false } };
    struct subprocess_spec spec = { .program = "git", .search = true, .argv = argv, .envp = env, .timeout = timeout,
                                    .on_output = git_output, .ctx = &g };
    struct subprocess_result r;
    int started = subprocess_run(&spec, &r);
    free(env);
    int rc = 0;
    if (started < 0)
        rc = problem_set(p, 500, "internal", "cannot run git: %s", strerror(r.start_errno));
    else if (b->over)
        rc = problem_set(p, 413, "too-large", "%s in %s holds more than %zu bytes", object, repo, max);
    else if (r.timed_out || r.cut)
        rc = problem_set(p, 504, "upstream-timeout", "git show %s in %s took longer than %d s", object, repo, timeout);
    else if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0)
        rc = problem_set(p, 502, "upstream", "git show %s in %s failed: %.300s", object, repo,
                         g.err.data ? g.err.data : "(no message)");
    free(g.err.data);
    return rc;
}

static size_t curl_write(char *data, size_t size, size_t n, void *ctx)
{
    return buf_add(ctx, data, size * n) ? size * n : 0;
}

static int read_url(const char *url, size_t max, int timeout, struct buf *b, struct problem *p)
{
    char shown[1100];   /* what the messages (the location's, the log's) say of it */
    location_shown(url, shown, sizeof(shown));
    CURL *h = curl_easy_init();
    if (!h)
        return problem_set(p, 500, "internal", "curl_easy_init failed");
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "portico-runner");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    if (b->over || rc == CURLE_FILESIZE_EXCEEDED)
        return problem_set(p, 413, "too-large", "%s answered more than %zu bytes", shown, max);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return problem_set(p, 504, "upstream-timeout", "%s did not answer within %d s", shown, timeout);
    if (rc != CURLE_OK)
        return problem_set(p, 502, "upstream", "%s: %s", shown, err[0] ? err : curl_easy_strerror(rc));
    if (status != 200)
        return problem_set(p, 502, "upstream", "%s answered %ld, not 200", shown, status);
    return 0;
}

int location_read(const struct config *cfg, const struct location *l, size_t max, int timeout_seconds, char **out,
                  size_t *len, struct problem *p)
{
    struct buf b = { NULL, 0, 0, max, false };
    char real[PATH_MAX];
    int rc;
    if (strcmp(l->type, "url") == 0) {
        rc = read_url(l->target, max, timeout_seconds, &b, p);
    } else if (!resolved(cfg, l, real, p)) {
        rc = problem_set(p, 422, "validation", "%s: %s", l->target, p->nfields ? p->fields[p->nfields - 1].message : "");
    } else {
        rc = strcmp(l->type, "git") == 0 ? read_git(real, l, max, timeout_seconds, &b, p) : read_file(real, max, &b, p);
    }
    if (rc == 0 && !b.data && !buf_add(&b, "", 0))
        rc = problem_set(p, 500, "internal", "out of memory");
    if (rc < 0) {
        free(b.data);
        return -1;
    }
    *out = b.data;
    *len = b.len;
    return 0;
}
