/*
 * app_main: a handler's main() (app_main): --check and --routes, then the FastCGI loop or one
 * plain CGI request, each served by app_serve (app.c). Nothing in app.c calls back here.
 */
#include "app.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fcgi.h"
#include "json.h"
#include "log.h"
#include "metrics.h"

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
        if (r->body)
            json_object_object_add(o, "body", json_object_new_string(r->body));
        if (r->answer)
            json_object_object_add(o, "answer", json_object_new_string(r->answer));
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

/* logrotate's: the log file again (SIGHUP to the process; SIGUSR2 through multiwatch) */
static void on_reopen(int sig)
{
    (void)sig;
    log_reopen();
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
        app_config_load(app, &c, &cfg, NULL);
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
        struct sigaction ra = { .sa_handler = on_reopen };
        sigemptyset(&ra.sa_mask);
        sigaction(SIGHUP, &ra, NULL);
        sigaction(SIGUSR2, &ra, NULL);
        /* Until the configuration arrives (mod_fcgid: with the first request), keep bodies up
         * to the largest cap a configuration may set; http_body_read applies the real one. */
        app_body_cap = c.config_pending ? (size_t)64 * 1024 * 1024 : (size_t)body_cap(&cfg);
        struct app_fcgi ctx = { app, &c };
        if (fcgi_serve(&app_body_cap, app_fcgi_serve, &ctx) < 0)
            log_event("error", "the FastCGI loop failed");
    }
    metrics_close();
    db_free(c.db);
    authn_cache_free(c.cache);
    ratelimit_leases_free(c.leases);
    authz_rules_free(&rules);
    arena_free(&arena);
    return 0;
}
