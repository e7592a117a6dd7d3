/*
 * app: request lifecycle and the FastCGI/CGI loop.
 */
#include "app.h"

#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "fcgi.h"
#include "json.h"
#include "log.h"
#include "ratelimit.h"
#include "monotime.h"

int app_json(struct app_ctx *c, int status, json_object *json)
{
    if (!json || http_response_json(&c->res, c->arena, status, json) < 0)
        return problem_set(&c->problem, 500, "internal", "the response could not be built");
    return 0;
}

/* Request ids: 64 random bits drawn once per process, then a counter: unique across
 * processes and hosts without a system call per request. */
static const char *request_id_new(struct arena *a)
{
    static uint64_t prefix, counter;
    static const char hex[] = "0123456789abcdef";
    if (!prefix) {
        if (getrandom(&prefix, sizeof(prefix), 0) != (ssize_t)sizeof(prefix)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            prefix = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_sec;
        }
        prefix |= 1; /* never 0: 0 means "not drawn yet" */
    }
    uint64_t parts[2] = { prefix, ++counter };
    char *id = arena_alloc(a, 33);
    if (!id)
        return "-";
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 16; i++)
            id[p * 16 + i] = hex[(parts[p] >> (60 - 4 * i)) & 15];
    id[32] = '\0';
    return id;
}

/* Load the configuration (path NULL: the usual search) and open the log it names. */
static void app_config_load(struct app_ctx *c, struct config *cfg, const char *path, const char *area)
{
    char err[1024];
    c->config_pending = false;
    if (config_load_area(cfg, path, area, err, sizeof(err)) < 0) {
        log_event("error", err);
        c->config_error = "configuration did not load"; /* every request answers 503 */
    } else if (log_open(cfg->log_file) < 0) {
        snprintf(err, sizeof(err), "cannot open log_file %s; logging to standard error", cfg->log_file);
        log_event("error", err);
    }
}

/* The request's actor as an audit event: user, token or anonymous, its address, user agent and
 * request id (the caller sets target and details). */
struct audit_event app_audit_event(struct app_ctx *c, const char *action, const char *outcome)
{
    bool known = c->who.user_id != 0;
    struct audit_event ev = {
        .actor_type = !known ? "anonymous" : (c->who.via && strcmp(c->who.via, "token") == 0) ? "token" : "user",
        .actor_id = known ? arena_printf(c->arena, "%lld", c->who.user_id) : NULL,
        .actor_name = c->who.username,
        .action = action,
        .outcome = outcome,
        .remote_addr = c->req.remote_addr,
        .user_agent = http_header(&c->req, "User-Agent"),
        .request_id = c->request_id,
    };
    return ev;
}

/* Denials of protected routes are audited like any other decision, in a transaction of
 * their own (there is no change to share one with). A failure to audit is logged. */
static void app_audit_denial(struct app_ctx *c)
{
    struct problem ap;
    if (!c->db)
        return;
    problem_init(&ap);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "method", json_object_new_string(c->req.method));
    json_object_object_add(d, "status", json_object_new_int(c->problem.status));
    json_object_object_add(d, "problem", json_object_new_string(c->problem.type ? c->problem.type : ""));
    struct audit_event ev = app_audit_event(c, "http.denied", "denied");
    ev.target_type = "route";
    ev.target_id = c->req.path;
    ev.details = arena_strdup(c->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
    json_object_put(d);
    if (db_begin(c->db, &ap) < 0 || audit_commit(c->db, c->arena, &ev, &ap) < 0) {
        if (!c->problem.internal[0])
            problem_internal(&c->problem, "the denial could not be audited: %s", ap.internal[0] ? ap.internal : ap.detail);
    }
}

/* Per user, per token or (without credentials) per address, each area with its own allowance;
 * 429 with Retry-After. */
static int app_ratelimit(struct app_ctx *c, const char *area)
{
    const struct config *cfg = c->cfg;
    int per_minute = c->who.user_id ? cfg->ratelimit_per_minute : cfg->ratelimit_anonymous_per_minute;
    if (per_minute <= 0 || !c->db)
        return 0;
    const char *key;
    if (c->who.token_id)
        key = arena_printf(c->arena, "%s:t:%lld", area, c->who.token_id);
    else if (c->who.user_id)
        key = arena_printf(c->arena, "%s:u:%lld", area, c->who.user_id);
    else
        key = arena_printf(c->arena, "%s:a:%.120s", area, c->req.remote_addr ? c->req.remote_addr : "unknown");
    struct ratelimit_result rl;
    if (ratelimit_take(c->db, c->arena, c->leases, key, per_minute, cfg->ratelimit_burst, &rl, &c->problem) < 0)
        return -1;
    c->ratelimit_policy = arena_printf(c->arena, "\"%s\";q=%d;w=60;burst=%d", area, per_minute, cfg->ratelimit_burst);
    if (rl.allowed)
        return 0;
    c->problem.retry_after = rl.retry_after;
    c->ratelimit_reset = rl.retry_after;
    return problem_set(&c->problem, 429, "rate-limited", "too many requests; try again in %d s", rl.retry_after);
}

/* Who is calling, limited per caller, with what this process kept about them confirmed
 * against the authorization epoch (one plain read: it never waits for a change in progress). */
static int app_authenticate(const struct app *app, struct app_ctx *c, bool limited, bool credentials)
{
    struct problem *p = &c->problem;
    if (authn_identify(c->db, c->arena, c->cfg, c->cache, &c->req, &c->who, p) < 0) {
        /* bad credentials count against the address, like none */
        if (limited && credentials && p->status == 401) {
            struct problem saved = *p;
            problem_init(p);
            memset(&c->who, 0, sizeof(c->who));
            if (app_ratelimit(c, app->area) < 0)
                return -1;
            *p = saved;
        }
        return -1;
    }
    if (!c->who.user_id)
        return problem_set(p, 401, "unauthenticated", "log in, or send an API token as Authorization: Bearer");
    /* identified callers are limited per user or per token */
    if (limited && app_ratelimit(c, app->area) < 0)
        return -1;
    if (app->prefetch && app->prefetch(c) < 0)
        return -1;
    if (c->has_prefetched && c->prefetched.nrows == 1 && db_cell(&c->prefetched, 0, 0))
        c->epoch = atoll(db_cell(&c->prefetched, 0, 0));
    else if (authz_epoch_read(c->db, c->arena, &c->epoch, p) < 0)
        return -1;
    if (authn_confirm(c->db, c->arena, c->cfg, c->cache, &c->req, c->epoch, &c->who, p) < 0)
        return -1;
    c->actor = c->who.username;
    return c->rules ? authz_rules_refresh(c->db, c->rules, c->epoch, p) : 0;
}

static int app_route(const struct app *app, struct app_ctx *c)
{
    struct problem *p = &c->problem;

    switch (router_match(app->routes, app->nroutes, c->req.method, c->req.path, c->arena, &c->match)) {
    case ROUTER_NOT_FOUND:
        return problem_set(p, 404, "not-found", "no such resource: %s", c->req.path);
    case ROUTER_METHOD_NOT_ALLOWED:
        snprintf(p->allow, sizeof(p->allow), "%s", c->match.allow);
        return problem_set(p, 405, "method-not-allowed", "%s is not allowed here; allowed: %s",
                           c->req.method, c->match.allow);
    case ROUTER_BAD_PATH:
        return problem_set(p, 400, "bad-path", "the path has a malformed percent-escape");
    case ROUTER_FOUND:
        break;
    }

    const struct route *r = c->match.route;
    bool limited = !(r->flags & ROUTE_NO_RATELIMIT);
    const char *authz_hdr = http_header(&c->req, "Authorization");
    bool credentials = http_cookie(&c->req, AUTHN_COOKIE) || (authz_hdr && *authz_hdr);
    /* Callers without credentials are limited by address before anything else is done for
     * them, so floods of anonymous (and so audited) denials are bounded too. */
    if (limited && (!credentials || strcmp(r->permission, PERM_PUBLIC) == 0) && app_ratelimit(c, app->area) < 0)
        return -1;
    if (strcmp(r->permission, PERM_PUBLIC) != 0) {
        if (app_authenticate(app, c, limited, credentials) < 0)
            return -1;
        if (authn_check_csrf(&c->req, &c->who, p) < 0)
            return -1;
        /* After an administrator's reset, the temporary password is changed before anything
         * else, whatever the credential: a token made earlier does not get round it. */
        if (c->who.must_change_password && !(r->flags & ROUTE_BEFORE_PASSWORD_CHANGE))
            return problem_set(p, 403, "password-change-required",
                               c->who.token_id ? "this account's password was reset: its tokens work again once its owner "
                                                 "changes the password"
                                               : "your password was reset: change it before anything else");
        /* A token's scopes name permissions; "authenticated" routes act on the account itself
         * (password, tokens, session), so a token may only read them. */
        if (strcmp(r->permission, PERM_AUTHENTICATED) == 0 && c->who.token_id &&
            strcmp(c->req.method, "GET") != 0 && strcmp(c->req.method, "HEAD") != 0)
            return problem_set(p, 403, "forbidden", "this needs a logged-in session, not a token");
        if (strcmp(r->permission, PERM_AUTHENTICATED) != 0) {
            if (authn_grants(c->db, c->arena, &c->who, c->rules, c->epoch, &c->grants, p) < 0)
                return -1;
            /* Governance permissions need a global binding; the others need the permission
             * somewhere, and the handler narrows it to the resource's scope (authz_check
             * with the resource, where attribute policies apply too). */
            static const struct authz_resource nowhere = { NULL, NULL, NULL, NULL };
            if (!app_may(c, r->permission, authz_permission_global(r->permission) ? &nowhere : NULL, NULL))
                return app_refuse(c, r->permission, NULL, NULL);
        }
    }
    bool optional = (r->flags & ROUTE_BODY_JSON_OPTIONAL) != 0;
    if (optional && http_body_read(&c->req, (size_t)c->cfg->body_max_bytes, false, p) < 0)
        return -1;
    if ((r->flags & ROUTE_BODY_JSON) || (optional && c->req.body_len > 0)) {
        if (!http_content_type_is_json(c->req.content_type))
            return problem_set(p, 415, "unsupported-media-type", "send the body as application/json");
        if (!optional && http_body_read(&c->req, (size_t)c->cfg->body_max_bytes, true, p) < 0)
            return -1;
        c->body = json_parse(c->req.body, c->req.body_len, c->cfg->json_max_depth, p);
        if (!c->body)
            return -1;
    }
    /* the declared query's faults are recorded first; a reading function then adds its own (one
     * answer names every field), and if it answers anyway, the 422 is what goes out */
    if (app_query_check(c, r) < 0) {
        /* a change is never attempted on a request whose declared query is wrong */
        if (strcmp(c->req.method, "GET") != 0 && strcmp(c->req.method, "HEAD") != 0)
            return -1;
        struct problem faults = c->problem;
        if (r->handler(c) < 0)
            return -1;
        c->problem = faults;
        http_response_init(&c->res);
        return -1;
    }
    return r->handler(c);
}

void app_serve(const struct app *app, struct app_ctx *c, char **env, http_read_fn read,
               void *read_ctx, http_write_fn write, void *write_ctx)
{
    double t0 = (monotime_us() / 1000.0);

    if (c->config_pending) {
        const char *path = http_env(env, "PORTICO_CONFIG");
        if (!path)
            path = http_env(env, "REDIRECT_PORTICO_CONFIG");
        app_config_load(c, (struct config *)c->cfg, path, app->area);
    }
    arena_reset(c->arena);
    problem_init(&c->problem);
    http_response_init(&c->res);
    memset(&c->match, 0, sizeof(c->match));
    c->actor = NULL;
    c->body = NULL;
    memset(&c->who, 0, sizeof(c->who));
    memset(&c->grants, 0, sizeof(c->grants));
    c->epoch = 0;
    c->has_prefetched = false;
    c->ratelimit_policy = NULL;
    c->ratelimit_reset = 0;
    c->wipe_response = false;
    c->hidden_denial = false;
    c->request_id = request_id_new(c->arena);

    int rc;
    if (c->config_error) {
        /* The configuration did not load: nothing can be served, but say so properly. */
        rc = problem_set(&c->problem, 503, "misconfigured", "Portico is not configured correctly; see the server log");
        c->problem.retry_after = 60;
    } else if (http_request_parse(&c->req, c->arena, env, read, read_ctx, &c->problem) < 0) {
        rc = -1;
    } else if (c->params_truncated) {
        rc = problem_set(&c->problem, 431, "headers-too-large", "the header fields are more than %d bytes together",
                         HTTP_MAX_HEADER_BYTES);
    } else {
        rc = app_route(app, c);
    }
    if (rc == 0 && c->problem.status)
        rc = -1;
    if (rc < 0 && (c->problem.status == 401 || c->problem.status == 403 || c->hidden_denial) && c->match.route &&
        strcmp(c->match.route->permission, PERM_PUBLIC) != 0)
        app_audit_denial(c);

    if (db_end_request(c->db) && !c->problem.internal[0])
        problem_internal(&c->problem, "a transaction was left open and has been rolled back");

    if (rc < 0) {
        /* The one place where an error becomes a response. */
        http_response_init(&c->res);
        json_object *doc = problem_to_json(&c->problem, c->request_id);
        if (http_response_json(&c->res, c->arena, c->problem.status ? c->problem.status : 500, doc) < 0)
            c->res.status = 500;
        c->res.content_type = "application/problem+json";
        if (c->problem.retry_after > 0)
            http_response_header(&c->res, "Retry-After", arena_printf(c->arena, "%d", c->problem.retry_after));
        if (c->problem.status == 401)
            http_response_header(&c->res, "WWW-Authenticate", "Bearer realm=\"portico\"");
        if (c->problem.status == 405 && c->problem.allow[0])
            http_response_header(&c->res, "Allow", arena_strdup(c->arena, c->problem.allow));
    }
    if (c->ratelimit_policy) {
        http_response_header(&c->res, "RateLimit-Policy", c->ratelimit_policy);
        if (c->ratelimit_reset)
            http_response_header(&c->res, "RateLimit", arena_printf(c->arena, "\"%s\";r=0;t=%d", app->area, c->ratelimit_reset));
    }
    http_response_header(&c->res, "X-Request-Id", c->request_id);
    http_response_header(&c->res, "Cache-Control", "no-store");
    http_response_header(&c->res, "X-Content-Type-Options", "nosniff");

    const char *method = c->req.method ? c->req.method : "-";
    http_response_write(&c->res, c->arena, strcmp(method, "HEAD") == 0, write, write_ctx);
    if (c->wipe_response && c->res.body)
        sodium_memzero((char *)c->res.body, c->res.body_len);

    struct log_request line = {
        .request_id = c->request_id,
        .method = method,
        .path = c->req.path,
        .status = c->res.status,
        .duration_ms = (monotime_us() / 1000.0) - t0,
        .actor = c->actor,
        .remote_addr = c->req.remote_addr,
        .error = c->problem.internal[0] ? c->problem.internal : NULL,
    };
    log_request_write(&line);
    json_object_put(c->body);
    c->body = NULL;
}

int app_table_check(const struct app *app, char *err, size_t errlen)
{
    if (router_table_check(app->routes, app->nroutes, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < app->nroutes; i++) {
        const char *perm = app->routes[i].permission;
        if (strcmp(perm, PERM_PUBLIC) != 0 && strcmp(perm, PERM_AUTHENTICATED) != 0 && !authz_permission_known(perm)) {
            snprintf(err, errlen, "%s %s: unknown permission %s", app->routes[i].method, app->routes[i].pattern, perm);
            return -1;
        }
    }
    return 0;
}

json_object *app_routes_json(const struct app *app)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < app->nroutes; i++) {
        const struct route *r = &app->routes[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "method", json_object_new_string(r->method));
        json_object_object_add(o, "path", json_object_new_string(r->pattern));
        json_object_object_add(o, "permission", json_object_new_string(r->permission));
        json_object_object_add(o, "summary", json_object_new_string(r->summary));
        if (r->description)
            json_object_object_add(o, "description", json_object_new_string(r->description));
        json_object_object_add(o, "json_body", json_object_new_boolean((r->flags & ROUTE_BODY_JSON) != 0));
        if (r->flags & ROUTE_BODY_JSON_OPTIONAL)
            json_object_object_add(o, "json_body_optional", json_object_new_boolean(1));
        if (r->query)
            json_object_object_add(o, "query", json_object_new_string(r->query));
        if (r->flags & ROUTE_NO_RATELIMIT)
            json_object_object_add(o, "rate_limited", json_object_new_boolean(0));
        json_object_array_add(arr, o);
    }
    return arr;
}

/* I/O for plain CGI. */
static long cgi_read(void *ctx, char *buf, size_t n)
{
    (void)ctx;
    size_t got = fread(buf, 1, n, stdin);
    return got ? (long)got : (ferror(stdin) ? -1 : 0);
}

static int cgi_write(void *ctx, const char *buf, size_t n)
{
    (void)ctx;
    return fwrite(buf, 1, n, stdout) == n ? 0 : -1;
}

/* The largest body any route reads (imports have a limit of their own); each route applies its
 * own with http_body_read. */
static long body_cap(const struct config *cfg)
{
    return cfg->catalog_import_max_bytes > cfg->body_max_bytes ? cfg->catalog_import_max_bytes : cfg->body_max_bytes;
}

/* A CGI program that exits without reading its body makes some servers (mod_cgid) fail to
 * deliver the answer: read what is left, up to the body cap. (fcgi.c reads every body.) */
static void cgi_drain(const struct config *cfg)
{
    char buf[16384];
    long left = body_cap(cfg);
    size_t n;
    while (left > 0 && (n = fread(buf, 1, sizeof(buf), stdin)) > 0)
        left -= (long)n;
}

extern char **environ;

static size_t app_body_cap;

static void on_term(int sig)
{
    (void)sig;
    fcgi_stop();
}

struct app_fcgi {
    const struct app *app;
    struct app_ctx *c;
};

static void app_fcgi_serve(void *ud, struct fcgi_request *req, http_read_fn read, void *read_ctx,
                           http_write_fn write, void *write_ctx)
{
    struct app_fcgi *f = ud;
    f->c->params_truncated = req->params_truncated;
    app_serve(f->app, f->c, req->env, read, read_ctx, write, write_ctx);
    /* the configuration may have arrived with this request */
    app_body_cap = (size_t)body_cap(f->c->cfg);
}

int app_main(const struct app *app, int argc, char **argv)
{
    static struct config cfg;
    static struct arena arena;
    static struct app_ctx c;

    char table_err[256];
    if (app_table_check(app, table_err, sizeof(table_err)) < 0) {
        /* A handler with a broken table must not serve: it could expose a route unchecked. */
        fprintf(stderr, "%s: route table: %s\n", app->area, table_err);
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "--check") == 0)
        return 0;
    if (argc > 1 && strcmp(argv[1], "--routes") == 0) {
        json_object *routes = app_routes_json(app);
        puts(json_object_to_json_string_ext(routes, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(routes);
        return 0;
    }

    /* A handler process may hold secrets in memory: never leave them in a core file. */
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0) {
        log_event("error", "libsodium failed to initialise");
        return 1;
    }

    /* Under mod_fcgid and shared hosting, PORTICO_CONFIG (SetEnv) arrives with the first
     * request rather than in the process environment: then the load waits for it. */
    if (getenv("PORTICO_CONFIG") || access(CONFIG_DEFAULT_PATH, R_OK) == 0)
        app_config_load(&c, &cfg, NULL, app->area);
    else
        c.config_pending = true;

    arena_init(&arena, 0);
    c.arena = &arena;
    c.cfg = &cfg;
    c.db = db_new(&cfg, DB_ROLE_APP);
    static struct authz_rules rules;
    c.rules = &rules;
    c.cache = authn_cache_new();
    c.leases = ratelimit_leases_new();
    if (!c.db || !c.cache || !c.leases)
        return 1;

    if (!fcgi_is_fastcgi()) {
        app_serve(app, &c, environ, cgi_read, NULL, cgi_write, NULL);
        fflush(stdout);
        cgi_drain(&cfg);
    } else {
        /* SIGTERM (web server or pool manager stopping us): finish the request, then exit
         * normally, so that leak checkers see a clean shutdown. */
        struct sigaction sa = { .sa_handler = on_term };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGUSR1, &sa, NULL); /* multiwatch's default "graceful" signal */
        /* Until the configuration arrives (mod_fcgid: with the first request), keep bodies up
         * to the largest cap a configuration may set; http_body_read applies the real one. */
        app_body_cap = c.config_pending ? (size_t)64 * 1024 * 1024 : (size_t)body_cap(&cfg);
        struct app_fcgi ctx = { app, &c };
        if (fcgi_serve(&app_body_cap, app_fcgi_serve, &ctx) < 0)
            log_event("error", "the FastCGI loop failed");
    }
    db_free(c.db);
    authn_cache_free(c.cache);
    ratelimit_leases_free(c.leases);
    authz_rules_free(&rules);
    arena_free(&arena);
    return 0;
}
